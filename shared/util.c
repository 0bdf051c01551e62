#include "util.h"

#include <errno.h>
#include <float.h>
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
/* 10^0 .. 10^19, every power of ten a uint64_t holds. */
static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
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

int utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max) {
		n = max;
		/* back to the first byte of the sequence the cut splits */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return n > INT32_MAX ? INT32_MAX : (int)n;
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

/* The len bytes at s into out (n bytes), cut as snprintf cuts. */
static void put_text(char *out, size_t n, const char *s, size_t len)
{
	if (!n)
		return;
	if (len > n - 1)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

#ifdef __SIZEOF_INT128__
/*
 * The "%.*g" decimals of fmt_double without printf, for precisions up
 * to 17. The precision-p decimal of a > 0 is m * 10^-k, k = p - 1 - e,
 * e the exponent of a's first digit: m is a * 10^k rounded to an
 * integer, half to even, as printf rounds. a = M * 2^E exactly, so
 * a * 10^k is a ratio of integers of at most 127 bits when |k| <= 22
 * and a lies within about 10^-22 .. 10^36, and the rounding is exact.
 * Whether m * 10^-k reads back is settled exactly too (dec_round_trips):
 * no printing and no reading back. Outside those bounds, printf.
 */
typedef unsigned __int128 u128;

struct dec {
	double a;	/* |v| */
	uint64_t M;	/* a = M * 2^E, M < 2^53 */
	int E;
	int e;		/* floor(log10(a)), once found */
	int e_known;
};

/* 10^j (0 <= j <= 22) as two factors of at most 10^19. */
static u128 pow10_128(int j)
{
	return (u128)pow10_u64[j < 19 ? j : 19] * pow10_u64[j < 19 ? 0 : j - 19];
}

/* x << s without losing bits: 0, or -1. */
static int shl128(u128 *x, int s)
{
	if (s == 0)
		return 0;
	if (s >= 128 || (*x >> (128 - s)) != 0)
		return -1;
	*x <<= s;
	return 0;
}

/* floor and remainder of a * 10^k: 0, or -1 beyond 128 bits or |k| > 22. */
static int scaled(const struct dec *d, int k, uint64_t *q, u128 *r, u128 *den)
{
	u128 num = d->M, dn = 1, qq;

	if (k > 22 || k < -22)
		return -1;
	if (k >= 0)
		num *= pow10_128(k);
	else
		dn = pow10_128(-k);
	if (d->E >= 0 ? shl128(&num, d->E) < 0 : shl128(&dn, -d->E) < 0)
		return -1;
	if (dn >> 126)	/* 2 * remainder must fit */
		return -1;
	if (k >= 0 && d->E < 0)	/* a power of two: shifts, no division */
		qq = num >> -d->E;
	else
		qq = num / dn;
	if (qq >> 64)
		return -1;
	*q = (uint64_t)qq;
	*r = num - qq * dn;
	*den = dn;
	return 0;
}

/* a's precision-p decimal (1 <= p <= 17): *m (10^(p-1) <= *m <= 10^p,
 * 10^p after a carry) times 10^(d->e - p + 1). 0, or -1 (ask printf). */
static int dec_round(struct dec *d, int p, uint64_t *m)
{
	uint64_t q;
	u128 r, den;
	int tries;

	if (!d->e_known) {
		/* log10 is a guess within one; the floor of a * 10^k says */
		d->e = (int)floor(log10(d->a));
		for (tries = 0;; tries++) {
			if (tries == 3 || scaled(d, p - 1 - d->e, &q, &r, &den) < 0)
				return -1;
			if (q >= pow10_u64[p])
				d->e++;
			else if (q < pow10_u64[p - 1])
				d->e--;
			else
				break;
		}
		d->e_known = 1;
	} else if (scaled(d, p - 1 - d->e, &q, &r, &den) < 0) {
		return -1;
	}
	/* half to even */
	if (2 * r > den || (2 * r == den && (q & 1)))
		q++;
	*m = q;
	return 0;
}

/* The sign of x * 10^-k - N * 2^F, all exact: -1, 0, 1, or 2 (beyond
 * 128 bits: ask printf). */
static int cmp_dec_bin(uint64_t x, int k, u128 N, int F)
{
	u128 L = x, R = N, t = pow10_128(k < 0 ? -k : k);

	if (__builtin_mul_overflow(k >= 0 ? R : L, t, k >= 0 ? &R : &L) ||
	    (F >= 0 ? shl128(&R, F) : shl128(&L, -F)) < 0)
		return 2;
	return L < R ? -1 : L > R;
}

/*
 * Does a's precision-p decimal read back as a? 1, 0, or -1 (ask printf).
 * Up to 15 digits the decimal m * 10^-k is read back by one IEEE
 * operation (m < 2^53); beyond, it is compared with the midpoints
 * between a and its neighbours, which round to a when a's last bit is
 * even (below a power of two the gap is half as wide).
 */
static int dec_round_trips(struct dec *d, int p)
{
	uint64_t m;
	int k, lo, hi, even, half;

	if (p > 17 || dec_round(d, p, &m) < 0)
		return -1;
	k = p - 1 - d->e;
	if (p <= 15)
		return (k >= 0 ? (double)m / pow10_exact[k] :
			(double)m * pow10_exact[-k]) == d->a;
	if (d->a < DBL_MIN)	/* subnormal: M and E are not its grid */
		return -1;
	half = d->M == (uint64_t)1 << 52 && d->a > DBL_MIN;
	hi = cmp_dec_bin(m, k, (u128)2 * d->M + 1, d->E - 1);
	lo = half ? cmp_dec_bin(m, k, (u128)4 * d->M - 1, d->E - 2) :
		cmp_dec_bin(m, k, (u128)2 * d->M - 1, d->E - 1);
	if (hi == 2 || lo == 2)
		return -1;
	even = !(d->M & 1);
	return (lo > 0 || (lo == 0 && even)) && (hi < 0 || (hi == 0 && even));
}

/* "%.*g" of v (a = |v|) at precision p, as printf writes it: 0, or -1. */
static int dec_print(struct dec *d, int p, int neg, char *out, size_t n)
{
	char dig[20], s[48];
	uint64_t m;
	int x, len, i, at = 0;

	if (p > 17 || dec_round(d, p, &m) < 0)
		return -1;
	x = d->e;
	if (m == pow10_u64[p]) {	/* a carry: 1 and p - 1 zeros */
		m /= 10;
		x++;
	}
	for (i = p - 1; i >= 0; i--, m /= 10)
		dig[i] = (char)('0' + m % 10);
	for (len = p; len > 1 && dig[len - 1] == '0'; len--)
		;	/* %g drops trailing zeros */
	if (neg)
		s[at++] = '-';
	if (x >= -4 && x < p) {		/* fixed */
		if (x < 0) {
			s[at++] = '0';
			s[at++] = '.';
			for (i = -1; i > x; i--)
				s[at++] = '0';
			memcpy(s + at, dig, (size_t)len);
			at += len;
		} else {
			for (i = 0; i <= x; i++)
				s[at++] = i < len ? dig[i] : '0';
			if (len > x + 1) {
				s[at++] = '.';
				memcpy(s + at, dig + x + 1, (size_t)(len - x - 1));
				at += len - x - 1;
			}
		}
	} else {			/* exponent, at least two digits */
		int ax = x < 0 ? -x : x;

		s[at++] = dig[0];
		if (len > 1) {
			s[at++] = '.';
			memcpy(s + at, dig + 1, (size_t)(len - 1));
			at += len - 1;
		}
		s[at++] = 'e';
		s[at++] = x < 0 ? '-' : '+';
		if (ax >= 100)
			s[at++] = (char)('0' + ax / 100);
		s[at++] = (char)('0' + ax / 10 % 10);
		s[at++] = (char)('0' + ax % 10);
	}
	put_text(out, n, s, (size_t)at);
	return 0;
}
#endif

/* Does v's precision-p "%g" read back as v? Exactly when it can be
 * settled so, by printing and reading back otherwise. */
static int reads_back(void *dp, char *out, size_t n, double v, int prec)
{
#ifdef __SIZEOF_INT128__
	int rc = dp ? dec_round_trips(dp, prec) : -1;

	if (rc >= 0)
		return rc;
#endif
	return round_trips(out, n, v, prec);
}

void fmt_double(char *out, size_t n, double v)
{
	int lo, hi;
	void *dp = NULL;
#ifdef __SIZEOF_INT128__
	struct dec d;
#endif

	/* whole numbers print as such: 20, not the shorter 2e+01 ("%.0f";
	 * exact as an int64_t below 1e15, so written here) */
	if (v == floor(v) && fabs(v) < 1e15) {
		char dg[24];
		int64_t x = (int64_t)v;
		uint64_t u = x < 0 ? (uint64_t)-x : (uint64_t)x;
		size_t at = sizeof(dg);

		do
			dg[--at] = (char)('0' + u % 10);
		while (u /= 10);
		if (x < 0)
			dg[--at] = '-';
		put_text(out, n, dg + at, sizeof(dg) - at);
		return;
	}
#ifdef __SIZEOF_INT128__
	if (isfinite(v)) {
		int E;
		double fr = frexp(fabs(v), &E);

		d.a = fabs(v);
		d.M = (uint64_t)ldexp(fr, 53);	/* exact: 53 bits */
		d.E = E - 53;
		d.e_known = 0;
		dp = &d;
	}
#endif
	/*
	 * The shortest precision that reads back as v. Reading back is
	 * monotone in the precision (more correctly rounded digits are never
	 * farther from v), so a search finds the same precision as trying
	 * 1, 2, ... 17 in turn: computed values (most need 16 or 17 digits)
	 * are settled by the first one or two tries, short ones by a binary
	 * search below 15.
	 */
	if (!reads_back(dp, out, n, v, 15)) {
		int p = reads_back(dp, out, n, v, 16) ? 16 : 17;

#ifdef __SIZEOF_INT128__
		if (dp && dec_print(dp, p, v < 0, out, n) == 0)
			return;
#endif
		snprintf(out, n, "%.*g", p, v);
		return;
	}
	lo = 1, hi = 15;	/* hi reads back; find the least that does */
	while (lo < hi) {
		int prec = lo + (hi - lo) / 2;

		if (reads_back(dp, out, n, v, prec))
			hi = prec;
		else
			lo = prec + 1;
	}
#ifdef __SIZEOF_INT128__
	if (dp && dec_print(dp, hi, v < 0, out, n) == 0)
		return;
#endif
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
