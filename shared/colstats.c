/*
 * colstats.c - the per-column accumulator. See colstats.h.
 */
#include "colstats.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#if LDBL_MAX_EXP < 4096
#error "colstats.c needs a long double with the range of a double's squares"
#endif

#define OOM(err) err_set((err), MLCI_EXIT_SOFTWARE, NULL, "out of memory")

/* ---- moments ---- */

void moments_init(struct moments *m)
{
	memset(m, 0, sizeof(*m));
	m->min = m->max = NAN;
}

void moments_fold(struct moments *m)
{
	uint32_t k = m->npend, i;
	uint64_t n0;
	long double s0 = 0, s1 = 0, q0 = 0, q1 = 0, s, mb, d;

	if (!k)
		return;
	for (i = 0; i + 1 < k; i += 2) {
		s0 += m->pend[i];
		s1 += m->pend[i + 1];
	}
	if (i < k)
		s0 += m->pend[i];
	s = s0 + s1;
	mb = s / (long double)k;
	for (i = 0; i + 1 < k; i += 2) {
		long double a = (long double)m->pend[i] - mb;
		long double b = (long double)m->pend[i + 1] - mb;

		q0 += a * a;
		q1 += b * b;
	}
	if (i < k) {
		long double a = (long double)m->pend[i] - mb;

		q0 += a * a;
	}
	n0 = m->n - k;
	m->npend = 0;
	if (!n0) {
		m->sum = s;
		m->mean = mb;
		m->m2 = q0 + q1;
		return;
	}
	d = mb - m->mean;
	m->mean += d * ((long double)k / (long double)m->n);
	m->m2 += q0 + q1 + d * d * ((long double)n0 * (long double)k /
				    (long double)m->n);
	m->sum += s;
}

void moments_add(struct moments *m, double x)
{
	m->pend[m->npend++] = x;
	if (!m->n++) {
		m->min = m->max = x;
	} else {
		m->min = x < m->min ? x : m->min;
		m->max = x > m->max ? x : m->max;
	}
	if (m->npend == MOMENTS_BLOCK)
		moments_fold(m);
}

void moments_add_n(struct moments *m, const double *x, size_t n)
{
	size_t i = 0;

	if (n && !m->n) {
		moments_add(m, x[0]);
		i = 1;
	}
	while (i < n) {
		size_t k = MOMENTS_BLOCK - m->npend, j;
		double lo = m->min, hi = m->max;

		if (k > n - i)
			k = n - i;
		for (j = 0; j < k; j++) {
			double v = x[i + j];

			m->pend[m->npend + j] = v;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		m->min = lo;
		m->max = hi;
		m->npend += (uint32_t)k;
		m->n += k;
		i += k;
		if (m->npend == MOMENTS_BLOCK)
			moments_fold(m);
	}
}

/* The readers take a const struct: folding what waits does not change
 * what it stands for (the object is never const). */
static const struct moments *folded(const struct moments *m)
{
	if (m->npend)
		moments_fold((struct moments *)m);
	return m;
}

void moments_merge(struct moments *a, const struct moments *b)
{
	long double na, nb, n, d;

	moments_fold(a);
	folded(b);
	if (!b->n)
		return;
	if (!a->n) {
		*a = *b;
		return;
	}
	na = (long double)a->n;
	nb = (long double)b->n;
	n = na + nb;
	d = b->mean - a->mean;
	a->mean += d * (nb / n);
	a->m2 += b->m2 + d * d * (na * nb / n);
	a->sum += b->sum;
	a->n += b->n;
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
}

double moments_mean(const struct moments *m)
{
	folded(m);
	if (!m->n)
		return NAN;
	return (double)(m->sum / (long double)m->n);
}

double moments_std(const struct moments *m)
{
	double big;
	int e;

	folded(m);
	if (m->n < 2)
		return NAN;
	big = fabs(m->min) > fabs(m->max) ? fabs(m->min) : fabs(m->max);
	frexp(big, &e);
	/* the variance scaled by 2^-2e fits a double; scale the root back */
	return ldexp(sqrt((double)ldexpl(m->m2 / (long double)(m->n - 1), -2 * e)), e);
}

/* ---- the accumulator ---- */

void colacc_init(struct colacc *a, uint32_t freq_cap)
{
	memset(a, 0, sizeof(*a));
	a->all_int = a->all_num = a->all_bool = 1;
	moments_init(&a->mom);
	kll_init(&a->kll, KLL_K);
	dcount_init(&a->dnum, DCOUNT_EXACT);
	dcount_init(&a->dstr, DCOUNT_EXACT);
	freq_init(&a->freq, freq_cap ? freq_cap : FREQ_CAP);
}

/* Numbers past the frequency cap: their frequencies are not kept. */
static void drop_freq(struct colacc *a)
{
	uint32_t cap = a->freq.cap;

	freq_free(&a->freq);
	freq_init(&a->freq, cap);
	a->freq_state = FREQ_DROPPED;
}

static void drop_numeric(struct colacc *a)
{
	kll_free(&a->kll);
	dcount_free(&a->dnum);
	moments_init(&a->mom);
}

void colacc_free(struct colacc *a)
{
	free(a->not_int.value);
	free(a->not_num.value);
	free(a->not_bool.value);
	kll_free(&a->kll);
	dcount_free(&a->dnum);
	dcount_free(&a->dstr);
	freq_free(&a->freq);
	memset(a, 0, sizeof(*a));
}

static int note(struct first_bad *f, const char *s, size_t len, uint32_t line,
		uint32_t col)
{
	if (f->line)
		return 0;
	if (len > 63)
		len = 63;
	f->value = malloc(len + 1);
	if (!f->value)
		return -1;
	memcpy(f->value, s, len);
	f->value[len] = '\0';
	f->line = line ? line : 1;
	f->col = col;
	return 0;
}

static int copy_bad(struct first_bad *to, const struct first_bad *from)
{
	if (to->line || !from->line)
		return 0;
	to->value = strdup(from->value ? from->value : "");
	if (!to->value)
		return -1;
	to->line = from->line;
	to->col = from->col;
	return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static const uint64_t pow10_u[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

static const double pow10_d[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16,
};

/* The commonest shape of a number in a data file, [+-] 1-7 digits, a
 * point, 1-15 digits (16 bytes at most after the sign), without a loop
 * over the characters: the point found in one word, each side's digits
 * converted a word at a time. The value is parse_double_n's for it
 * (Clinger's fast path: the digits as an exact integer of at most 2^53,
 * divided by an exact power of ten, one rounding). 1 and *out set, or
 * 0: not that shape (the general path decides). */
static inline int quick_decimal(const char *s, size_t len, double *out)
{
	size_t i = len && (s[0] == '-' || s[0] == '+');
	const unsigned char *b = (const unsigned char *)s + i;
	size_t m = len - i, pt, nf;
	uint64_t w, dots, ip, fp, fp2;
	double d;

	if (m < 3 || m > 17)
		return 0;
	w = load_upto8(b, m < 8 ? m : 8);
	dots = w ^ 0x2e2e2e2e2e2e2e2eULL;
	/* the lowest byte that is '.' (higher flags may be false) */
	dots = (dots - 0x0101010101010101ULL) & ~dots & 0x8080808080808080ULL;
	if (!dots)
		return 0;
	pt = (size_t)__builtin_ctzll(dots) >> 3;
	nf = m - pt - 1;
	if (pt < 1 || pt >= m - 1 || !digits_upto8(b, pt, &ip))
		return 0;
	if (nf <= 8) {
		if (!digits_upto8(b + pt + 1, nf, &fp))
			return 0;
		w = ip * pow10_u[nf] + fp;
	} else {
		if (!digits_upto8(b + pt + 1, 8, &fp) ||
		    !digits_upto8(b + pt + 9, nf - 8, &fp2))
			return 0;
		w = (ip * 100000000ULL + fp) * pow10_u[nf - 8] + fp2;
	}
	if (w > (uint64_t)1 << 53)
		return 0;
	d = (double)w / pow10_d[nf];
	*out = s[0] == '-' ? -d : d;
	return 1;
}
#else
static inline int quick_decimal(const char *s, size_t len, double *out)
{
	(void)s;
	(void)len;
	(void)out;
	return 0;
}
#endif

int colacc_number(const char *s, size_t len, double *out, int *is_int)
{
	if (quick_decimal(s, len, out)) {
		*is_int = 0;
		return 0;
	}
	size_t i = len && (s[0] == '-' || s[0] == '+'), j;
	uint64_t v = 0;
	long l;

	/* [+-] and up to 18 digits, nothing else: an integer that fits a
	 * long, exactly as strtol reads it; anything else with a character
	 * other than a digit after the sign is not an integer (strtol would
	 * stop there), so only long digit strings need strtol */
	for (j = i; j < len && j - i < 19 && s[j] >= '0' && s[j] <= '9'; j++)
		v = v * 10 + (uint64_t)(s[j] - '0');
	if (j == len && j > i && j - i <= 18) {
		l = s[0] == '-' ? -(long)v : (long)v;
		*out = (double)l;
		*is_int = 1;
		return 0;
	}
	if (j - i == 19 && parse_long(s, &l) == 0) {	/* 19 digits or more */
		*out = (double)l;
		*is_int = 1;
		return 0;
	}
	*is_int = 0;
	return parse_double_n(s, len, out);	/* its fast path first */
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Eight bytes all '0'..'9'? */
static inline int all_digits(uint64_t w)
{
	return !(((w & 0xf0f0f0f0f0f0f0f0ULL) ^ 0x3030303030303030ULL) |
		 (((w + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) ^
		  0x3030303030303030ULL));
}

/* Eight digits (the first the most significant) as a number. */
static inline uint64_t digits_value(uint64_t w)
{
	w -= 0x3030303030303030ULL;
	w = w * 10 + (w >> 8);
	return (((w & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
		(((w >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >> 32;
}

/* Shifts by a number of bytes from tables and multiplications: a shift
 * by a variable count also waits on the flags of the instruction before
 * it, which makes a chain of them slow. */
static const uint64_t low_bytes[9] = {	/* the low n bytes' mask */
	0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffffULL,
	0xffffffffffffULL, 0xffffffffffffffULL, ~0ULL,
};

static const uint64_t byte_shift[8] = {	/* << 8 n, as a factor */
	1, 1ULL << 8, 1ULL << 16, 1ULL << 24, 1ULL << 32, 1ULL << 40,
	1ULL << 48, 1ULL << 56,
};

static const uint64_t zero_fill[9] = {	/* '0' in the low 8 - n bytes */
	0x3030303030303030ULL, 0x30303030303030ULL, 0x303030303030ULL,
	0x3030303030ULL, 0x30303030ULL, 0x303030ULL, 0x3030ULL, 0x30ULL, 0,
};

/* The first n (1 to 8) bytes of w as the last of eight, '0's before. */
static inline uint64_t digits_last(uint64_t w, unsigned n)
{
	return w * byte_shift[8 - n] | zero_fill[n];
}
#endif

int colacc_number_pad(const char *s, size_t len, double *out, int *is_int)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	size_t i = s[0] == '-' || s[0] == '+', m = len - i, pt, nf;
	const unsigned char *b = (const unsigned char *)s + i;
	uint64_t w0, f0, f1, dots, v, bits;
	double x;

	/* [+-] 1-7 digits, a point, 1-15 digits (at most 16 digits): the
	 * point found in the first word, the digits loaded as words and
	 * shifted into place (no loop; no branch on their length but
	 * whether all fit one word) */
	if (len < i || m - 3 > 14)
		return colacc_number(s, len, out, is_int);
	memcpy(&w0, b, 8);
	w0 &= low_bytes[m < 8 ? m : 8];	/* no point past the number */
	dots = w0 ^ 0x2e2e2e2e2e2e2e2eULL;
	dots = (dots - 0x0101010101010101ULL) & ~dots & 0x8080808080808080ULL;
	pt = dots ? (size_t)__builtin_ctzll(dots) >> 3 : 0;
	if (pt - 1 > m - 3)	/* no point, or not 1 <= pt <= m - 2 */
		return colacc_number(s, len, out, is_int);
	nf = m - 1 - pt;
	memcpy(&f0, b + pt + 1, 8);
	if (m <= 8) {
		/* all in one word: the point taken out, the m - 1 digits
		 * read as one number (under 10^7: exact) */
		v = (w0 & low_bytes[pt]) | (f0 & low_bytes[nf]) * byte_shift[pt];
		v = digits_last(v, (unsigned)(m - 1));
		if (!all_digits(v))
			return colacc_number(s, len, out, is_int);
		v = digits_value(v);
	} else {
		uint64_t ip = digits_last(w0, (unsigned)pt);

		if (nf <= 8) {
			f0 = digits_last(f0, (unsigned)nf);
			if (!all_digits(ip) || !all_digits(f0))
				return colacc_number(s, len, out, is_int);
			v = digits_value(ip) * pow10_u[nf] + digits_value(f0);
		} else {
			memcpy(&f1, b + pt + 9, 8);
			f1 = digits_last(f1, (unsigned)(nf - 8));
			if (!all_digits(ip) || !all_digits(f0) || !all_digits(f1))
				return colacc_number(s, len, out, is_int);
			v = (digits_value(ip) * 100000000ULL + digits_value(f0)) *
				pow10_u[nf - 8] + digits_value(f1);
		}
		if (v > (uint64_t)1 << 53)
			return colacc_number(s, len, out, is_int);
	}
	/* Clinger's fast path, as colacc_number's: one rounding; the sign
	 * set without a branch (random signs mispredict) */
	x = (double)v / pow10_d[nf];
	memcpy(&bits, &x, 8);
	bits ^= (uint64_t)(s[0] == '-') << 63;
	memcpy(out, &bits, 8);
	*is_int = 0;
	return 0;
#else
	return colacc_number(s, len, out, is_int);
#endif
}

static int is_bool(const char *s, size_t len)
{
	return (len == 4 && !strcasecmp(s, "true")) ||
		(len == 5 && !strcasecmp(s, "false"));
}

/* Numbers are distinct by value: one key for 0 and -0 (the key
 * colacc_number_key gives any value but a big integer's). */
static uint64_t number_key(double v)
{
	return colacc_number_key(NULL, 0, v, 0);
}

/* The n bytes at s as [+-]digits fitting an int64: 1 and *out. */
static int exact_int(const char *s, size_t n, int64_t *out)
{
	size_t i = n && (s[0] == '-' || s[0] == '+');
	int neg = n && s[0] == '-';
	uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

	if (i == n)
		return 0;
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || u > (lim - d) / 10)
			return 0;
		u = u * 10 + d;
	}
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 1;
}

uint64_t colacc_number_key_big(const char *s, size_t len, double v)
{
	int64_t l;

	/* an integer beyond 2^53 may have no double of its own: its own key
	 * unless the double is exactly it (so 2^53 + 2 and 2^53 + 2.0 are
	 * one, 2^53 + 1 and 2^53 two) */
	if (exact_int(s, len, &l)) {
		double d = (double)l;

		if (!(d < 9223372036854775808.0 && d >= -9223372036854775808.0 &&
		      (int64_t)d == l))
			return sketch_mix((uint64_t)l ^ 0x2127599bf4325c37ULL);
	}
	return number_key(v);
}

uint64_t colacc_cell_key(const char *s, size_t len, int *is_text)
{
	unsigned char c = len ? (unsigned char)s[0] : 0;
	double v;
	int isint;

	/* only these begin a number colacc_number reads */
	if (((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') &&
	    colacc_number(s, len, &v, &isint) == 0) {
		*is_text = 0;
		return colacc_number_key(s, len, v, isint);
	}
	*is_text = 1;
	return sketch_hash(s, len);
}

/* The exact frequencies stand for the sketches no longer: feed the
 * sketches every value counted so far (the table holds them all). */
static int seed_sketches(struct kll *kll, struct dcount *dnum,
			 struct dcount *dstr, const struct freq *f, int numeric)
{
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		const struct freq_entry *e = &f->e[i];
		double v;
		int isint;

		if (!numeric) {
			if (dcount_add(dstr, e->hash) < 0)
				return -1;
			continue;
		}
		if (colacc_number(e->value, e->len, &v, &isint) < 0)
			continue;	/* cannot happen: all numbers */
		if (kll_add_weighted(kll, v, e->count) < 0 ||
		    dcount_add(dnum, colacc_number_key(e->value, e->len, v, isint)) < 0)
			return -1;
	}
	return 0;
}

static int go_live(struct colacc *a)
{
	if (a->live)
		return 0;
	a->live = 1;
	return seed_sketches(&a->kll, &a->dnum, &a->dstr, &a->freq, a->all_num);
}

void colacc_flush(struct colacc *a)
{
	uint64_t h = a->dpend;

	a->dpend = 0;
	if (h)	/* registers: never allocates */
		(void)dcount_add(a->dpend_str ? &a->dstr : &a->dnum, h);
}

/* Add h to d (a's dnum or dstr): to registers one value late, with the
 * register prefetched now; to the exact set at once. */
static int distinct_add(struct colacc *a, struct dcount *d, uint64_t h)
{
	if (!dcount_is_sketch(d)) {
		colacc_flush(a);
		return dcount_add(d, h);
	}
	dcount_prefetch(d, h);
	colacc_flush(a);
	a->dpend = h ? h : 1;	/* dcount_add counts 0 as 1 too */
	a->dpend_str = d == &a->dstr;
	return 0;
}

int colacc_add(struct colacc *a, const char *s, size_t len, uint64_t hash,
	       uint32_t line, uint32_t col, struct mlci_err *err)
{
	return colacc_add_parsed(a, s, len, &hash, line, col, NULL, err);
}

/* The value's hash: given, or computed on first need. */
#define HASH() (hash ? *hash : (hash = &own, own = sketch_hash(s, len)))

int colacc_add_parsed(struct colacc *a, const char *s, size_t len,
		      const uint64_t *hash, uint32_t line, uint32_t col,
		      const struct colacc_num *pre, struct mlci_err *err)
{
	double v = 0;
	int isint = 0, num = 0, looked = 0;
	uint32_t found = 0;
	uint64_t own;

	if (!s) {
		a->missing++;
		return 0;
	}
	a->count++;
	/* past the exact table's cap, the sketches take over (one lookup
	 * serves the check and the count: the table does not change between) */
	if (!a->live) {
		looked = 1;
		found = freq_lookup(&a->freq, s, len, HASH());
		if (!found && freq_full(&a->freq, len) && go_live(a) < 0)
			return OOM(err);
	}
	if (a->all_num) {
		if (pre) {
			num = pre->ok;
			v = pre->v;
			isint = pre->is_int;
		} else {
			num = colacc_number(s, len, &v, &isint) == 0;
		}
		if (num) {
			if (a->all_int && !isint) {
				a->all_int = 0;
				if (note(&a->not_int, s, len, line, col) < 0)
					return OOM(err);
			}
			moments_add(&a->mom, v);
			if (a->live && (kll_add(&a->kll, v) < 0 ||
					distinct_add(a, &a->dnum,
						     colacc_number_key(s, len, v, isint)) < 0))
				return OOM(err);
		} else {
			if (a->all_int && note(&a->not_int, s, len, line, col) < 0)
				return OOM(err);
			a->all_int = a->all_num = 0;
			if (note(&a->not_num, s, len, line, col) < 0)
				return OOM(err);
			colacc_flush(a);
			if (a->live) {
				if (dcount_merge(&a->dstr, &a->dnum) < 0)
					return OOM(err);
				a->dstr_approx = 1;
			}
			drop_numeric(a);
		}
	}
	if (a->all_bool && !is_bool(s, len)) {
		a->all_bool = 0;
		if (note(&a->not_bool, s, len, line, col) < 0)
			return OOM(err);
	}
	/* a live column of numbers counts distinct numbers only; should a
	 * string follow, its distinct strings start from those */
	if (a->live && !a->all_num && distinct_add(a, &a->dstr, HASH()) < 0)
		return OOM(err);
	if (a->freq_state == FREQ_DROPPED) {
		if (a->all_num)
			return 0;
		a->freq_state = FREQ_PARTIAL;	/* count from here on */
	}
	if ((looked ? freq_add_found(&a->freq, found, s, len, HASH()) :
	     freq_add(&a->freq, s, len, HASH())) < 0)
		return OOM(err);
	if (a->all_num && a->freq.ss)
		drop_freq(a);
	return 0;
}

#undef HASH

int colacc_add_numbers(struct colacc *a, const double *v, size_t n,
		       struct mlci_err *err)
{
	uint64_t keys[COLACC_RUN];
	size_t i, m;

	a->count += n;
	moments_add_n(&a->mom, v, n);
	if (kll_add_n(&a->kll, v, n) < 0)
		return OOM(err);
	colacc_flush(a);
	for (; n; v += m, n -= m) {
		m = n < COLACC_RUN ? n : COLACC_RUN;
		for (i = 0; i < m; i++)
			keys[i] = number_key(v[i]);
		if (dcount_add_n(&a->dnum, keys, m) < 0)
			return OOM(err);
	}
	return 0;
}

/* The readers below take a const accumulator: completing its pending
 * add does not change what it stands for (the object is never const). */
static void settle(const struct colacc *a)
{
	if (a->dpend)
		colacc_flush((struct colacc *)a);
}

int colacc_merge(struct colacc *a, const struct colacc *b, struct mlci_err *err)
{
	colacc_flush(a);
	settle(b);
	int live = a->live || b->live || !freq_merge_fits(&a->freq, &b->freq) ||
		a->freq_state != FREQ_COMPLETE || b->freq_state != FREQ_COMPLETE;
	int num = a->all_num && b->all_num;

	a->count += b->count;
	a->missing += b->missing;
	if (copy_bad(&a->not_int, &b->not_int) < 0 ||
	    copy_bad(&a->not_num, &b->not_num) < 0 ||
	    copy_bad(&a->not_bool, &b->not_bool) < 0)
		return OOM(err);
	if (!num && a->all_num) {
		/* the distinct strings start from the distinct numbers */
		if (a->live) {
			if (dcount_merge(&a->dstr, &a->dnum) < 0)
				return OOM(err);
			a->dstr_approx = 1;
		}
		drop_numeric(a);
	}
	a->all_int = a->all_int && b->all_int;
	a->all_num = num;
	a->all_bool = a->all_bool && b->all_bool;
	if (num)
		moments_merge(&a->mom, &b->mom);
	if (live) {
		struct kll bk;
		struct dcount bn, bs;
		int rc = 0;

		if (go_live(a) < 0)
			return OOM(err);
		if (b->live) {
			if ((num && (kll_merge(&a->kll, &b->kll) < 0 ||
				     dcount_merge(&a->dnum, &b->dnum) < 0)) ||
			    (!num && dcount_merge(&a->dstr, b->all_num ? &b->dnum :
						  &b->dstr) < 0))
				return OOM(err);
			if (!num && (b->all_num || b->dstr_approx))
				a->dstr_approx = 1;
		} else {
			/* b's exact table stands for its sketches */
			kll_init(&bk, a->kll.k ? a->kll.k : KLL_K);
			dcount_init(&bn, DCOUNT_EXACT);
			dcount_init(&bs, DCOUNT_EXACT);
			if (seed_sketches(&bk, &bn, &bs, &b->freq, num) < 0 ||
			    (num && (kll_merge(&a->kll, &bk) < 0 ||
				     dcount_merge(&a->dnum, &bn) < 0)) ||
			    (!num && dcount_merge(&a->dstr, &bs) < 0))
				rc = -1;
			kll_free(&bk);
			dcount_free(&bn);
			dcount_free(&bs);
			if (rc < 0)
				return OOM(err);
		}
	}
	if (freq_merge(&a->freq, &b->freq) < 0)
		return OOM(err);
	if (a->freq_state != FREQ_COMPLETE || b->freq_state != FREQ_COMPLETE)
		a->freq_state = FREQ_PARTIAL;
	if (a->all_num && (a->freq_state != FREQ_COMPLETE || a->freq.ss))
		drop_freq(a);
	return 0;
}

uint64_t colacc_distinct(const struct colacc *a, int numeric, int *exact)
{
	uint64_t *k;
	uint32_t i, n = 0;
	uint64_t d = 0;

	*exact = 1;
	settle(a);
	if (a->live) {
		uint64_t est = dcount_value(numeric ? &a->dnum : &a->dstr, exact);

		if (!numeric && a->dstr_approx)
			*exact = 0;
		/* an estimate, never more than the values counted */
		return est > a->count ? a->count : est;
	}
	if (!numeric)
		return a->freq.n;
	/* numbers by value: 1 and 1.0 are one (colacc_number_key: integers
	 * beyond a double's exact ones apart) */
	k = malloc((a->freq.n ? a->freq.n : 1) * sizeof(*k));
	if (!k)
		return a->freq.n;
	for (i = 0; i < a->freq.n; i++) {
		double x;
		int isint;

		if (colacc_number(a->freq.e[i].value, a->freq.e[i].len, &x, &isint) == 0)
			k[n++] = colacc_number_key(a->freq.e[i].value, a->freq.e[i].len, x, isint);
	}
	qsort(k, n, sizeof(*k), cmp_u64);
	for (i = 0; i < n; i++)
		d += i == 0 || k[i] != k[i - 1];
	free(k);
	return d;
}

int colacc_view(const struct colacc *a, struct kll_view *out)
{
	double *v;
	uint64_t *w;
	uint32_t i, n = 0;
	int rc;

	if (a->live)
		return kll_view(&a->kll, out);
	v = malloc((a->freq.n ? a->freq.n : 1) * sizeof(*v));
	w = malloc((a->freq.n ? a->freq.n : 1) * sizeof(*w));
	if (!v || !w) {
		free(v);
		free(w);
		return -1;
	}
	for (i = 0; i < a->freq.n; i++) {
		int isint;

		if (colacc_number(a->freq.e[i].value, a->freq.e[i].len, &v[n], &isint) == 0)
			w[n++] = a->freq.e[i].count;
	}
	rc = kll_view_weighted(out, v, w, n);
	free(v);
	free(w);
	return rc;
}

json_t *colacc_kll_json(const struct colacc *a)
{
	struct kll k;
	struct dcount dn, ds;
	json_t *j;

	if (a->live)
		return kll_to_json(&a->kll);
	kll_init(&k, KLL_K);
	dcount_init(&dn, DCOUNT_EXACT);
	dcount_init(&ds, DCOUNT_EXACT);
	j = seed_sketches(&k, &dn, &ds, &a->freq, 1) < 0 ? NULL : kll_to_json(&k);
	kll_free(&k);
	dcount_free(&dn);
	dcount_free(&ds);
	return j;
}

/* ---- JSON ---- */

static json_t *ld_json(long double v)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%La", v);
	return json_string(tmp);
}

static int ld_parse(const json_t *j, long double *out)
{
	const char *s = json_string_value(j);
	char *end;

	if (!s || !*s)
		return -1;
	*out = strtold(s, &end);
	return *end || !isfinite(*out) ? -1 : 0;
}

static json_t *bad_json(const struct first_bad *f)
{
	json_t *o;

	if (!f->line)
		return json_null();
	o = json_object();
	json_object_set_new(o, "line", json_integer(f->line));
	json_object_set_new(o, "col", json_integer(f->col));
	json_object_set_new(o, "value", json_string(f->value ? f->value : ""));
	return o;
}

json_t *colacc_to_json(const struct colacc *a)
{
	json_t *o = json_object();

	settle(a);
	if (!o)
		return NULL;
	json_object_set_new(o, "count", json_integer((json_int_t)a->count));
	json_object_set_new(o, "missing", json_integer((json_int_t)a->missing));
	json_object_set_new(o, "integer", json_boolean(a->all_int));
	json_object_set_new(o, "number", json_boolean(a->all_num));
	json_object_set_new(o, "boolean", json_boolean(a->all_bool));
	json_object_set_new(o, "not_integer", bad_json(&a->not_int));
	json_object_set_new(o, "not_number", bad_json(&a->not_num));
	json_object_set_new(o, "not_boolean", bad_json(&a->not_bool));
	json_object_set_new(o, "live", json_boolean(a->live));
	json_object_set_new(o, "distinct_approx", json_boolean(a->dstr_approx));
	if (a->all_num) {
		json_t *m = json_object();

		folded(&a->mom);
		json_object_set_new(m, "n", json_integer((json_int_t)a->mom.n));
		json_object_set_new(m, "sum", ld_json(a->mom.sum));
		json_object_set_new(m, "mean", ld_json(a->mom.mean));
		json_object_set_new(m, "m2", ld_json(a->mom.m2));
		json_object_set_new(m, "min", a->mom.n ? json_real(a->mom.min) : json_null());
		json_object_set_new(m, "max", a->mom.n ? json_real(a->mom.max) : json_null());
		json_object_set_new(o, "moments", m);
		if (a->live) {
			json_object_set_new(o, "kll", kll_to_json(&a->kll));
			json_object_set_new(o, "distinct_numbers",
					    dcount_to_json(&a->dnum, 1));
		}
	}
	if (a->live)
		json_object_set_new(o, "distinct", dcount_to_json(&a->dstr, 1));
	json_object_set_new(o, "frequencies", freq_to_json(&a->freq));
	json_object_set_new(o, "frequencies_kept", json_string(
		a->freq_state == FREQ_COMPLETE ? "complete" :
		a->freq_state == FREQ_DROPPED ? "dropped" : "partial"));
	return o;
}

static int bad_from_json(struct first_bad *f, const json_t *j)
{
	json_t *l = json_object_get(j, "line"), *c = json_object_get(j, "col");
	const char *v = json_string_value(json_object_get(j, "value"));

	if (!j || json_is_null(j))
		return 0;
	if (!json_is_integer(l) || json_integer_value(l) < 1 ||
	    json_integer_value(l) > UINT32_MAX || !json_is_integer(c) ||
	    json_integer_value(c) < 0 || json_integer_value(c) > UINT32_MAX || !v)
		return -1;
	f->value = strdup(v);
	if (!f->value)
		return -1;
	f->line = (uint32_t)json_integer_value(l);
	f->col = (uint32_t)json_integer_value(c);
	return 0;
}

static int count_of(const json_t *j, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int colacc_from_json(struct colacc *a, const json_t *j, const char *path,
		     struct mlci_err *err)
{
	json_t *m;

	colacc_init(a, FREQ_CAP);	/* allocates nothing: the parts read below replace */
	if (!json_is_object(j) || count_of(j, "count", &a->count) < 0 ||
	    count_of(j, "missing", &a->missing) < 0 ||
	    !json_is_boolean(json_object_get(j, "integer")) ||
	    !json_is_boolean(json_object_get(j, "number")) ||
	    !json_is_boolean(json_object_get(j, "boolean")) ||
	    bad_from_json(&a->not_int, json_object_get(j, "not_integer")) < 0 ||
	    bad_from_json(&a->not_num, json_object_get(j, "not_number")) < 0 ||
	    bad_from_json(&a->not_bool, json_object_get(j, "not_boolean")) < 0) {
		colacc_free(a);
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "malformed column state: expected count, missing, "
			       "integer, number, boolean");
	}
	a->live = json_is_true(json_object_get(j, "live"));
	a->dstr_approx = json_is_true(json_object_get(j, "distinct_approx"));
	a->all_int = json_is_true(json_object_get(j, "integer"));
	a->all_num = json_is_true(json_object_get(j, "number"));
	a->all_bool = json_is_true(json_object_get(j, "boolean"));
	if (a->all_int && !a->all_num)
		goto bad;
	if (a->all_num) {
		m = json_object_get(j, "moments");
		if (count_of(m, "n", &a->mom.n) < 0 || a->mom.n != a->count ||
		    ld_parse(json_object_get(m, "sum"), &a->mom.sum) < 0 ||
		    ld_parse(json_object_get(m, "mean"), &a->mom.mean) < 0 ||
		    ld_parse(json_object_get(m, "m2"), &a->mom.m2) < 0 ||
		    a->mom.m2 < 0)
			goto bad;
		if (a->mom.n) {
			json_t *mn = json_object_get(m, "min"), *mx = json_object_get(m, "max");

			if (!json_is_number(mn) || !json_is_number(mx))
				goto bad;
			a->mom.min = json_number_value(mn);
			a->mom.max = json_number_value(mx);
		}
		if (a->live &&
		    (kll_from_json(&a->kll, json_object_get(j, "kll"), path, err) < 0 ||
		     dcount_from_json(&a->dnum, json_object_get(j, "distinct_numbers"),
				      path, err) < 0)) {
			colacc_free(a);
			return -1;
		}
		if (a->live && a->kll.n != a->count)
			goto bad;
	}
	if ((a->live &&
	     dcount_from_json(&a->dstr, json_object_get(j, "distinct"), path, err) < 0) ||
	    freq_from_json(&a->freq, json_object_get(j, "frequencies"), path, err) < 0) {
		colacc_free(a);
		return -1;
	}
	{
		const char *kept = json_string_value(json_object_get(j, "frequencies_kept"));

		if (!kept)
			goto bad;
		if (!strcmp(kept, "complete"))
			a->freq_state = FREQ_COMPLETE;
		else if (!strcmp(kept, "dropped") && a->all_num)
			a->freq_state = FREQ_DROPPED;
		else if (!strcmp(kept, "partial"))
			a->freq_state = FREQ_PARTIAL;
		else
			goto bad;
	}
	if (a->freq_state == FREQ_COMPLETE ? a->freq.total != a->count :
	    a->freq.total > a->count)
		goto bad;
	return 0;
bad:
	colacc_free(a);
	return err_set(err, MLCI_EXIT_DATAERR, path,
		       "malformed column state: its parts do not agree");
}
