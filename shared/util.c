#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* Exact powers of ten as doubles: 10^0 .. 10^22 are all representable. */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Strict decimal number, correctly rounded. One pass checks the shape
 * ([+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa
 * digit) and gathers the mantissa's significant digits and the decimal
 * exponent. When the digits fit in 2^53 and the exponent in +-22, both
 * the mantissa and the power of ten are exact doubles, so one IEEE
 * multiplication or division rounds correctly (Clinger's fast path);
 * everything else goes to strtod, so the result is bit-identical to
 * strtod on every input.
 */
static const uint64_t pow10_u64[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/* The common shape, [+-] digits . digits (at most 18 digits in all, at
 * most 22 after the point), without the general loop: exactly what the
 * general path computes (Clinger's fast path, the mantissa and the power
 * of ten exact doubles). 1 and *out set, or 0: not that shape. */
static int fast_decimal(const char *s, size_t n, double *out)
{
	size_t i = n && (s[0] == '-' || s[0] == '+'), j, k;
	uint64_t v = 0;

	for (j = i; j < n && j - i < 19 && s[j] >= '0' && s[j] <= '9'; j++)
		v = v * 10 + (uint64_t)(s[j] - '0');
	if (!(j > i && j < n && s[j] == '.' && j - i < 19))
		return 0;
	k = j + 1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		size_t nf = n - k;
		uint64_t f;

		/* 1 to 8 fraction digits at once (not past the string) */
		if (nf >= 1 && nf <= 8 && j - i + nf <= 18 && digits_upto8((const unsigned char *)s + k, nf, &f)) {
			v = v * pow10_u64[nf] + f;
			k = n;
		}
	}
#endif
	for (; k < n && k - i <= 19 && s[k] >= '0' && s[k] <= '9'; k++)
		v = v * 10 + (uint64_t)(s[k] - '0');
	if (k == n && k - i <= 19 && k - j - 1 <= 22 && v <= (uint64_t)1 << 53) {
		double d = (double)v / pow10_exact[k - j - 1];

		*out = s[0] == '-' ? -d : d;
		return 1;
	}
	return 0;
}

int parse_double_n(const char *s, size_t n, double *out)
{
	char tmp[128], *end;
	uint64_t mant = 0;
	long exp10 = 0, ex = 0;
	size_t i = 0, digits = 0, sig = 0;
	int neg = 0, exneg = 0, dropped = 0;
	double v;

	if (!n)
		return -1;
	if (fast_decimal(s, n, out))
		return 0;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		i++;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (sig < 19) {
			if (mant || s[i] != '0') {
				mant = mant * 10 + (uint64_t)(s[i] - '0');
				sig += mant != 0;
			}
		} else {
			exp10++;
			dropped |= s[i] != '0';
		}
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			if (sig < 19) {
				if (mant || s[i] != '0') {
					mant = mant * 10 + (uint64_t)(s[i] - '0');
					sig += mant != 0;
				}
				exp10--;
			} else {
				dropped |= s[i] != '0';
			}
		}
	}
	if (!digits)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t ed = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			exneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ed++)
			if (ex < 100000)
				ex = ex * 10 + (s[i] - '0');
		if (!ed)
			return -1;
	}
	if (i != n)
		return -1;
	exp10 += exneg ? -ex : ex;
	if (!dropped && mant <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
		v = (double)mant;
		v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
		*out = neg ? -v : v;
		return 0;
	}
	if (mant == 0 && !dropped) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	v = strtod(tmp, &end);
	if (*end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	if (!s)
		return -1;
	return parse_double_n(s, strlen(s), out);
}

size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t n, i;

	if (c < 0x80) {
		if (cp)
			*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, v = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if (cp)
		*cp = v;
	return n;
}

int utf8_valid(const char *s)
{
	size_t n;

	for (; *s; s += n)
		if (!(n = utf8_decode((const unsigned char *)s, NULL)))
			return 0;
	return 1;
}

static char buf_empty[1];

void buf_init(struct buf *b)
{
	b->data = buf_empty;
	b->len = b->cap = b->max = 0;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b);
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *d = b->cap ? b->data : strdup("");

	if (len)
		*len = b->cap ? b->len : 0;
	buf_init(b);
	return d;
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap;
	char *nd;

	if (need < b->len)
		return -1;
	if (b->max && need > b->max + 1)
		return -1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	nd = b->cap ? realloc(b->data, cap) : malloc(cap);
	if (!nd)
		return -1;
	if (!b->cap)
		nd[0] = '\0';
	b->data = nd;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

/* Print v with prec significant digits; does it read back exactly? */
static int round_trips(char *out, size_t n, double v, int prec)
{
	double back;
	int len = snprintf(out, n, "%.*g", prec, v);

	return len > 0 && (size_t)len < n &&
	       parse_double_n(out, (size_t)len, &back) == 0 && back == v;
}

void fmt_double(char *out, size_t n, double v)
{
	int prec = 0, lo, hi;

	/* whole numbers print as such: 20, not the shorter 2e+01 */
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(out, n, "%.0f", v == 0 ? 0.0 : v);
		return;
	}
	/*
	 * The shortest precision that reads back as v. Reading back is
	 * monotone in the precision (more correctly rounded digits are never
	 * farther from v), so a search finds the same precision as trying
	 * 1, 2, ... 17 in turn: computed values (most need 16 or 17 digits)
	 * are settled by the first one or two tries, short ones by a binary
	 * search below 15.
	 */
	if (!round_trips(out, n, v, 15)) {
		if (!round_trips(out, n, v, 16))
			snprintf(out, n, "%.17g", v);
		return;
	}
	lo = 1, hi = 15;	/* hi reads back; find the least that does */
	while (lo < hi) {
		prec = lo + (hi - lo) / 2;
		if (round_trips(out, n, v, prec))
			hi = prec;
		else
			lo = prec + 1;
	}
	if (prec != hi)
		snprintf(out, n, "%.*g", hi, v);
}

int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

long env_knob(const char *name, long min, long dflt)
{
	const char *e = getenv(name);
	long v;

	return e && parse_long(e, &v) == 0 && v >= min ? v : dflt;
}
