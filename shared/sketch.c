/*
 * sketch.c - KLL, distinct counts, frequencies and row sets. See
 * sketch.h for what each promises.
 */
#include "sketch.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <zlib.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"

#define KLL_MIN_WIDTH 8
#define HUGE_PAGE ((size_t)2 << 20)
#define HLL_M (1u << HLL_P)

static int bad(struct mlci_err *err, const char *path, const char *what)
{
	return err_set(err, MLCI_EXIT_DATAERR, path, "malformed sketch: %s", what);
}

/* ---- hashing ---- */

/* The 128-bit product of a and b, its halves xored. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t load8(const unsigned char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

/*
 * Values up to 16 bytes (most cells) are two words, the first and last
 * 8 bytes (overlapping) or the bytes and zero, folded by one wide
 * multiplication and finished by sketch_mix; the xors beside the product
 * keep both words in the result when one factor is zero. Longer values
 * take 8 bytes a round as before.
 */
uint64_t sketch_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h, w, x, y;

	if (n <= 16) {
		if (n >= 8) {
			x = load8(s);
			y = load8(s + n - 8);
		} else {
			x = load_upto8(s, n);
			y = 0;
		}
		x ^= 0xa0761d6478bd642fULL ^ ((uint64_t)n << 56);
		y ^= 0xe7037ed1a0b428dbULL;
		h = fold_mul(x, y) ^ x ^ (y << 29 | y >> 35);
		return sketch_mix(h);
	}
	h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * 0xff51afd7ed558ccdULL);
	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ sketch_mix(w)) * 0x9fb21c651e98df25ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	w = load_upto8(s, n);
	h = (h ^ sketch_mix(w ^ ((uint64_t)n << 59))) * 0x9fb21c651e98df25ULL;
	return sketch_mix(h);
}

static uint64_t rng_next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return sketch_mix(*s);
}

/* ---- base64, hex ---- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const unsigned char *d, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];

		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0);

		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Decode; -1 when s is not base64. *out is malloc'd (free it). */
static int b64_decode(const char *s, unsigned char **out, size_t *n)
{
	size_t len = strlen(s), i, k = 0;
	unsigned char *d;

	*out = NULL;
	*n = 0;
	if (len % 4)
		return -1;
	d = malloc(len / 4 * 3 + 1);
	if (!d)
		return -1;
	for (i = 0; i < len; i += 4) {
		int a = b64_val(s[i]), b = b64_val(s[i + 1]);
		int c = s[i + 2] == '=' ? 0 : b64_val(s[i + 2]);
		int e = s[i + 3] == '=' ? 0 : b64_val(s[i + 3]);
		uint32_t v;

		if (a < 0 || b < 0 || c < 0 || e < 0 ||
		    ((s[i + 2] == '=' || s[i + 3] == '=') && i + 4 != len) ||
		    (s[i + 2] == '=' && s[i + 3] != '=')) {
			free(d);
			return -1;
		}
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)e;
		d[k++] = (unsigned char)(v >> 16);
		if (s[i + 2] != '=')
			d[k++] = (unsigned char)(v >> 8);
		if (s[i + 3] != '=')
			d[k++] = (unsigned char)v;
	}
	*out = d;
	*n = k;
	return 0;
}

static void hex64(char out[17], uint64_t v)
{
	snprintf(out, 17, "%016llx", (unsigned long long)v);
}

static int parse_hex64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!s || strlen(s) != 16)
		return -1;
	for (i = 0; i < 16; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

/* Sorted 64-bit keys as base64 of little-endian words. */
static char *keys_b64(const uint64_t *set, uint32_t slots, uint32_t n)
{
	uint64_t *k = malloc((n ? n : 1) * sizeof(*k));
	unsigned char *bytes;
	uint32_t i, j = 0;
	char *out;

	if (!k)
		return NULL;
	for (i = 0; i < slots; i++)
		if (set[i])
			k[j++] = set[i];
	qsort(k, j, sizeof(*k), cmp_u64);
	/* little-endian words, in place */
	bytes = (unsigned char *)k;
	for (i = 0; i < j; i++) {
		uint64_t v = k[i];
		int b;

		for (b = 0; b < 8; b++)
			bytes[(size_t)i * 8 + (size_t)b] = (unsigned char)(v >> (8 * b));
	}
	out = b64_encode(bytes, (size_t)j * 8);
	free(k);
	return out;
}

/* Decode keys; *out malloc'd. -1 when malformed (or a zero key). */
static int keys_from_b64(const char *s, uint64_t **out, size_t *n)
{
	unsigned char *d;
	size_t len, i;
	uint64_t *k;

	*out = NULL;
	*n = 0;
	if (!s || b64_decode(s, &d, &len) < 0)
		return -1;
	if (len % 8) {
		free(d);
		return -1;
	}
	k = malloc((len / 8 + 1) * sizeof(*k));
	if (!k) {
		free(d);
		return -1;
	}
	for (i = 0; i < len / 8; i++) {
		uint64_t v = 0;
		int b;

		for (b = 7; b >= 0; b--)
			v = v << 8 | d[i * 8 + (size_t)b];
		if (!v) {
			free(d);
			free(k);
			return -1;
		}
		k[i] = v;
	}
	free(d);
	*out = k;
	*n = len / 8;
	return 0;
}

/* ---- open-addressing sets of nonzero 64-bit keys ---- */

static uint32_t slot_of(uint64_t h, uint32_t slots)
{
	return (uint32_t)((h ^ (h >> 32)) & (slots - 1));
}

/* The slot holding h, or the empty one where it would go. */
static uint32_t set_find(const uint64_t *set, uint32_t slots, uint64_t h)
{
	uint32_t i = slot_of(h, slots);

	while (set[i] && set[i] != h)
		i = (i + 1) & (slots - 1);
	return i;
}

/* A zeroed table of n keys. Large ones (the row set's: up to 16 MB,
 * probed at random) on huge pages where the system has them, which
 * spares a TLB miss per probe; free() frees either. */
static uint64_t *table_new(uint32_t n)
{
	size_t bytes = (size_t)n * sizeof(uint64_t);
	void *t;

	if (bytes < HUGE_PAGE)
		return calloc(n, sizeof(uint64_t));
	if (posix_memalign(&t, HUGE_PAGE, bytes))
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(t, bytes, MADV_HUGEPAGE);
#endif
	memset(t, 0, bytes);
	return t;
}

static int set_resize(uint64_t **set, uint32_t *slots, uint32_t nslots)
{
	uint64_t *ns = table_new(nslots), *old = *set;
	uint32_t i;

	if (!ns)
		return -1;
	for (i = 0; old && i < *slots; i++)
		if (old[i])
			ns[set_find(ns, nslots, old[i])] = old[i];
	free(old);
	*set = ns;
	*slots = nslots;
	return 0;
}

/* 1 inserted, 0 already there, -1 out of memory. */
static int set_insert(uint64_t **set, uint32_t *slots, uint32_t *n, uint64_t h)
{
	uint32_t i;

	if (!*set || ((uint64_t)*n + 1) * 4 > (uint64_t)*slots * 3)
		if (set_resize(set, slots, *set ? *slots * 2 : 64) < 0)
			return -1;
	i = set_find(*set, *slots, h);
	if ((*set)[i])
		return 0;
	(*set)[i] = h;
	(*n)++;
	return 1;
}

/* ---- KLL ---- */

/* The sampler's height for n values (see sketch.h). */
static size_t sample_height(uint64_t n)
{
	size_t h = 0;

	while (h < KLL_SAMPLE_MAX && ((uint64_t)KLL_SAMPLE_N << (h + 1)) <= n)
		h++;
	return h;
}

static uint64_t raise_at(size_t h)
{
	return h < KLL_SAMPLE_MAX ? (uint64_t)KLL_SAMPLE_N << (h + 1) : UINT64_MAX;
}


void kll_init(struct kll *s, uint32_t k)
{
	memset(s, 0, sizeof(*s));
	s->k = k ? k : KLL_K;
	s->rng = 0x6d6c63692d6b6c6cULL;	/* "mlci-kll" */
	s->min = s->max = NAN;
	s->raise_at = raise_at(0);
}

void kll_free(struct kll *s)
{
	size_t h;

	for (h = 0; h < s->nlev; h++)
		free(s->lv[h]);
	free(s->lv);
	free(s->len);
	free(s->cap);
	memset(s, 0, sizeof(*s));
}

double kll_rank_error(uint32_t k)
{
	return 2.446 / pow((double)k, 0.9433);
}

/* Level h's capacity: k (2/3)^depth, at least 8 - except level 0,
 * which always holds k (its values have weight 1: a larger buffer only
 * means fewer, cheaper compactions, and no more error). */
static size_t level_cap(uint32_t k, size_t nlev, size_t h)
{
	size_t depth = nlev - 1 - h, c = k, i;

	if (h == 0)
		return k;

	for (i = 0; i < depth && c > KLL_MIN_WIDTH; i++)
		c = (c * 2 + 2) / 3;
	return c < KLL_MIN_WIDTH ? KLL_MIN_WIDTH : c;
}

static int add_level(struct kll *s)
{
	size_t n = s->nlev + 1;
	double **lv = realloc(s->lv, n * sizeof(*lv));
	size_t *len, *cap;

	if (!lv)
		return -1;
	s->lv = lv;
	len = realloc(s->len, n * sizeof(*len));
	if (!len)
		return -1;
	s->len = len;
	cap = realloc(s->cap, n * sizeof(*cap));
	if (!cap)
		return -1;
	s->cap = cap;
	s->lv[s->nlev] = NULL;
	s->len[s->nlev] = s->cap[s->nlev] = 0;
	s->nlev = n;
	s->capacity = 0;
	for (n = 0; n < s->nlev; n++)
		s->capacity += level_cap(s->k, s->nlev, n);
	return 0;
}

static int lv_reserve(struct kll *s, size_t h, size_t need)
{
	double *nv;
	size_t ncap;

	if (need <= s->cap[h])
		return 0;
	ncap = s->cap[h] ? s->cap[h] : 16;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(s->lv[h], ncap * sizeof(*nv));
	if (!nv)
		return -1;
	s->lv[h] = nv;
	s->cap[h] = ncap;
	return 0;
}

/* Merge sorted x (nx) and y (ny) into a new array. */
static double *merge_sorted(const double *x, size_t nx, const double *y,
			    size_t ny)
{
	double *out = malloc((nx + ny + 1) * sizeof(*out));
	size_t i = 0, j = 0, k = 0;

	if (!out)
		return NULL;
	while (i < nx && j < ny)
		out[k++] = y[j] < x[i] ? y[j++] : x[i++];
	while (i < nx)
		out[k++] = x[i++];
	while (j < ny)
		out[k++] = y[j++];
	return out;
}

/* Sort finite doubles ascending: quicksort (median of three, the
 * smaller side first) down to insertion sort; no callbacks. For large
 * arrays (see sort_doubles). */
static void sort_doubles_qs(double *v, size_t n)
{
	while (n > 24) {
		size_t i = 0, j = n - 1, m = n / 2;
		double p, t;

		if (v[m] < v[0]) { t = v[m]; v[m] = v[0]; v[0] = t; }
		if (v[j] < v[0]) { t = v[j]; v[j] = v[0]; v[0] = t; }
		if (v[j] < v[m]) { t = v[j]; v[j] = v[m]; v[m] = t; }
		p = v[m];
		for (;;) {
			while (v[i] < p)
				i++;
			while (v[j] > p)
				j--;
			if (i >= j)
				break;
			t = v[i];
			v[i++] = v[j];
			v[j--] = t;
		}
		/* [0, j] <= p <= [j + 1, n) */
		if (j + 1 < n - j - 1) {
			sort_doubles_qs(v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			sort_doubles_qs(v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	{
		size_t i, j;

		for (i = 1; i < n; i++) {
			double x = v[i];

			for (j = i; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
}

/* Compare-exchange without a branch (minsd/maxsd on x86-64): *a gets
 * the smaller value, *b the larger; equal values are swapped, never
 * duplicated (so 0 and -0 both survive). */
static inline void cx(double *a, double *b)
{
#ifdef __SSE2__
	__m128d x = _mm_load_sd(a), y = _mm_load_sd(b);

	_mm_store_sd(a, _mm_min_sd(y, x));	/* y < x ? y : x */
	_mm_store_sd(b, _mm_max_sd(x, y));	/* x > y ? x : y */
#else
	double x = *a, y = *b;

	*a = y < x ? y : x;
	*b = x > y ? x : y;
#endif
}

/* Sort finite doubles ascending: a quicksort whose partition (Lomuto's)
 * has no data-dependent branch (median-of-three pivot), insertion sort
 * below 12 values. */
static void sort_doubles_bq(double *v, size_t n)
{
	if (n > 4096) {
		sort_doubles_qs(v, n);
		return;
	}
	while (n > 12) {
		size_t m = n / 2, j = 0, i;
		double p, t;

		cx(&v[0], &v[m]);
		cx(&v[m], &v[n - 1]);
		cx(&v[0], &v[m]);
		t = v[m];
		v[m] = v[n - 1];
		v[n - 1] = t;
		p = t;
		for (i = 0; i < n - 1; i++) {
			double x = v[i];
			size_t lt = x < p;

			v[i] = v[j];
			v[j] = x;
			j += lt;
		}
		v[n - 1] = v[j];
		v[j] = p;
		/* [0, j) < p = v[j] <= (j, n) */
		if (j < n - j - 1) {
			sort_doubles_bq(v, j);
			v += j + 1;
			n -= j + 1;
		} else {
			sort_doubles_bq(v + j + 1, n - j - 1);
			n = j;
		}
	}
	{
		size_t i, j;

		for (i = 1; i < n; i++) {
			double x = v[i];

			for (j = i; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
}

/* Doubles as unsigned keys in the same order (finite values; -0 before
 * 0), and back. */
static inline uint64_t dkey(double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	return u ^ ((uint64_t)((int64_t)u >> 63) | 0x8000000000000000ULL);
}

static inline double dunkey(uint64_t k)
{
	uint64_t u = k ^ (((k >> 63) - 1) | 0x8000000000000000ULL);
	double d;

	memcpy(&d, &u, 8);
	return d;
}

/*
 * Sort finite doubles ascending. Level 0 of a KLL (k values, sorted at
 * every compaction) is the hot case, and its values are random, which
 * makes comparison sorts mispredict: a stable radix sort (3 passes of 8
 * bits) on the 24 key bits from the highest one in which the values
 * differ, then an insertion sort on the whole keys, which has little
 * left to do unless many values share those bits - past a budget of
 * moves it hands the rest to the quicksort. The order is any exact
 * sort's (-0 comes before 0).
 */
static void sort_doubles_radix(double *v, size_t n)
{
	uint64_t a[1024], b[1024], *src = a, *dst = b, *t, lo, hi, x;
	uint32_t h[3][256];
	size_t i, j, moves = 0;
	int top, sh0, q;

	if (n > 1024 || n < 32) {
		sort_doubles_bq(v, n);
		return;
	}
	lo = hi = dkey(v[0]);
	for (i = 0; i < n; i++) {
		a[i] = dkey(v[i]);
		lo = a[i] < lo ? a[i] : lo;
		hi = a[i] > hi ? a[i] : hi;
	}
	if (lo == hi)
		return;		/* all equal */
	top = 63 - __builtin_clzll(lo ^ hi);
	sh0 = top >= 23 ? top - 23 : 0;
	memset(h, 0, sizeof(h));
	for (i = 0; i < n; i++) {
		x = a[i] >> sh0;
		h[0][x & 255]++;
		h[1][(x >> 8) & 255]++;
		h[2][(x >> 16) & 255]++;
	}
	for (q = 0; q < 3; q++) {
		uint32_t sum = 0, *o = h[q], c;
		int sh = sh0 + 8 * q;

		if (o[(src[0] >> sh) & 255] == n)
			continue;	/* one bucket: nothing to do */
		for (c = 0; c < 256; c++) {
			uint32_t k = o[c];

			o[c] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			dst[o[(src[i] >> sh) & 255]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	for (i = 1; i < n; i++) {
		x = src[i];
		for (j = i; j > 0 && src[j - 1] > x; j--)
			src[j] = src[j - 1];
		src[j] = x;
		moves += i - j;
		if (moves > 8 * n) {	/* clustered: the quicksort copes */
			for (i = 0; i < n; i++)
				v[i] = dunkey(src[i]);
			sort_doubles_bq(v, n);
			return;
		}
	}
	for (i = 0; i < n; i++)
		v[i] = dunkey(src[i]);
}

/*
 * Sort finite doubles ascending, level 0's way: one distribution pass
 * into SORT_BUCKETS (512) buckets by value (linear between the smallest and
 * the largest), then an insertion sort on the order-preserving keys,
 * which finishes the job whatever the buckets did (so the order is the
 * radix sort's, -0 before 0). Most data spreads over the buckets, which
 * leaves the insertion sort about one move a value; when it does not
 * (a far outlier, a narrow cluster), past a budget of moves the radix
 * sort takes the rest.
 */
#define SORT_BUCKETS 512

static void sort_doubles(double *v, size_t n)
{
	uint64_t keys[1024];
	uint32_t cnt[SORT_BUCKETS];
	uint16_t bk[1024];
	double lo, hi, scale, range;
	size_t i, j, moves = 0;
	uint32_t sum = 0, c;

	if (n > 1024 || n < 32) {
		sort_doubles_bq(v, n);
		return;
	}
	{
		/* four chains each way: min and max have a latency */
		double l0 = v[0], l1 = v[1], l2 = v[2], l3 = v[3];
		double h0 = l0, h1 = l1, h2 = l2, h3 = l3;

		for (i = 4; i + 4 <= n; i += 4) {
			l0 = v[i] < l0 ? v[i] : l0;
			h0 = v[i] > h0 ? v[i] : h0;
			l1 = v[i + 1] < l1 ? v[i + 1] : l1;
			h1 = v[i + 1] > h1 ? v[i + 1] : h1;
			l2 = v[i + 2] < l2 ? v[i + 2] : l2;
			h2 = v[i + 2] > h2 ? v[i + 2] : h2;
			l3 = v[i + 3] < l3 ? v[i + 3] : l3;
			h3 = v[i + 3] > h3 ? v[i + 3] : h3;
		}
		for (; i < n; i++) {
			l0 = v[i] < l0 ? v[i] : l0;
			h0 = v[i] > h0 ? v[i] : h0;
		}
		l0 = l1 < l0 ? l1 : l0;
		l2 = l3 < l2 ? l3 : l2;
		lo = l2 < l0 ? l2 : l0;
		h0 = h1 > h0 ? h1 : h0;
		h2 = h3 > h2 ? h3 : h2;
		hi = h2 > h0 ? h2 : h0;
	}
	range = hi - lo;
	scale = (double)SORT_BUCKETS / range;
	/* equal values (0 and -0 among them), a range beyond a double, or
	 * one so narrow its reciprocal is: the radix sort */
	if (!(range > 0) || !(range <= DBL_MAX) || !(scale <= DBL_MAX)) {
		sort_doubles_radix(v, n);
		return;
	}
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < n; i++) {
		double f = (v[i] - lo) * scale;	/* in [0, SORT_BUCKETS] */
		uint32_t b = f < SORT_BUCKETS - 1 ? (uint32_t)f : SORT_BUCKETS - 1;

		bk[i] = (uint16_t)b;
		cnt[b]++;
	}
	for (c = 0; c < SORT_BUCKETS; c++) {
		uint32_t k = cnt[c];

		cnt[c] = sum;
		sum += k;
	}
	for (i = 0; i < n; i++)
		keys[cnt[bk[i]]++] = dkey(v[i]);
	for (i = 1; i < n; i++) {
		uint64_t x = keys[i];

		for (j = i; j > 0 && keys[j - 1] > x; j--)
			keys[j] = keys[j - 1];
		keys[j] = x;
		moves += i - j;
		if (moves > 2 * n) {	/* bunched up: the radix sort */
			for (i = 0; i < n; i++)
				v[i] = dunkey(keys[i]);
			sort_doubles_radix(v, n);
			return;
		}
	}
	for (i = 0; i < n; i++)
		v[i] = dunkey(keys[i]);
}

/* Halve level h: keep (when odd) its smallest value, promote every
 * other one of the rest, from a random offset, to level h + 1 (merged
 * in place, from the back). */
static int compact(struct kll *s, size_t h)
{
	double *v, *up;
	size_t n, keep, m, i, j, k;
	int off;

	if (h + 1 == s->nlev && add_level(s) < 0)
		return -1;
	n = s->len[h];
	if (h == 0 || h == s->entry)
		sort_doubles(s->lv[h], n);	/* the unsorted ones */
	keep = n & 1;
	m = (n - keep) / 2;
	off = (int)(rng_next(&s->rng) & 1);
	if (lv_reserve(s, h + 1, s->len[h + 1] + m) < 0)
		return -1;
	v = s->lv[h];
	up = s->lv[h + 1];
	if (s->entry && h + 1 == s->entry) {
		/* the sampler's level is unsorted: the promoted go at its end */
		for (j = 0; j < m; j++)
			up[s->len[h + 1] + j] = v[keep + (size_t)off + 2 * j];
		s->len[h + 1] += m;
		s->len[h] = keep;
		s->retained -= m;
		s->compacted = 1;
		return 0;
	}
	i = s->len[h + 1];
	j = m;
	k = s->len[h + 1] + m;
	/* from the back, without a data-dependent branch while both sides
	 * have values (ties take the promoted value, as before); each
	 * side's next value is loaded ahead, so that the comparisons wait
	 * on one another, not on loads */
	if (j > 0 && i > 0) {
		const double *pv = v + keep + (size_t)off;
		uint64_t bx, by, nx, ny, mk, o;

		memcpy(&bx, &pv[2 * (j - 1)], 8);
		memcpy(&by, &up[i - 1], 8);
		for (;;) {
			double x, y;
			size_t t;

			/* the next ones (index 0 again at the start: unused) */
			memcpy(&nx, &pv[2 * (j >= 2 ? j - 2 : 0)], 8);
			memcpy(&ny, &up[i >= 2 ? i - 2 : 0], 8);
			memcpy(&x, &bx, 8);
			memcpy(&y, &by, 8);
			t = y > x;
			mk = (uint64_t)0 - t;	/* masks: no branch to mispredict */
			o = (by & mk) | (bx & ~mk);
			memcpy(&up[--k], &o, 8);
			i -= t;
			j -= 1 - t;
			if (!j || !i)
				break;
			bx = (bx & mk) | (nx & ~mk);
			by = (ny & mk) | (by & ~mk);
		}
	}
	while (j > 0) {
		up[--k] = v[keep + (size_t)off + 2 * (j - 1)];
		j--;
	}
	s->len[h + 1] += m;
	s->len[h] = keep;
	s->retained -= m;
	s->compacted = 1;
	return 0;
}

static int kll_compress(struct kll *s)
{
	while (s->retained > s->capacity) {
		size_t h;

		for (h = 0; h < s->nlev; h++)
			if (s->len[h] >= level_cap(s->k, s->nlev, h))
				break;
		if (h == s->nlev)
			h = 0;
		if (compact(s, h) < 0)
			return -1;
	}
	return 0;
}

/* A sorted copy of v[0..n) (the sampler's level, unsorted), or NULL. */
static double *sorted_copy(const double *v, size_t n)
{
	double *t = malloc((n ? n : 1) * sizeof(*t));

	if (t) {
		memcpy(t, v, n * sizeof(*t));
		sort_doubles(t, n);
	}
	return t;
}

/* The sampler's draw from the first 2^entry values of level 0 (the
 * rest, if any, move up): one of them at random joins the sampler's
 * level with weight 2^entry. */
static int draw(struct kll *s)
{
	size_t b = (size_t)1 << s->entry, h = s->entry;
	double x = s->lv[0][rng_next(&s->rng) & (b - 1)];

	if (lv_reserve(s, h, s->len[h] + 1) < 0)
		return -1;
	s->lv[h][s->len[h]++] = x;
	memmove(s->lv[0], s->lv[0] + b, (s->len[0] - b) * sizeof(double));
	s->len[0] -= b;
	s->retained -= b - 1;
	s->compacted = 1;
	return 0;
}

/* The sampler as high as n calls for, level 0 shorter than its run:
 * after n grew, a merge, or a sketch read back (a report of an older
 * release may hold many values in level 0). */
static int settle(struct kll *s)
{
	size_t h = sample_height(s->n);

	if (h > s->entry) {
		/* the old sampler's level joins the sorted ones */
		if (s->entry)
			sort_doubles(s->lv[s->entry], s->len[s->entry]);
		while (s->nlev <= h)
			if (add_level(s) < 0)
				return -1;
		s->entry = h;
	}
	s->raise_at = raise_at(s->entry);
	while (s->entry && s->len[0] >= (size_t)1 << s->entry)
		if (draw(s) < 0)
			return -1;
	return kll_compress(s);
}

int kll_add_slow(struct kll *s, double x)
{
	if (!s->nlev && add_level(s) < 0)
		return -1;
	if ((s->n >= s->raise_at ||
	     (s->entry && s->len[0] >= (size_t)1 << s->entry)) && settle(s) < 0)
		return -1;
	if (lv_reserve(s, 0, s->len[0] + 1) < 0)
		return -1;
	s->lv[0][s->len[0]++] = x;
	if (!s->n || x < s->min)
		s->min = x;
	if (!s->n || x > s->max)
		s->max = x;
	s->n++;
	s->retained++;
	if (s->entry) {
		/* with a sampler the levels are compressed after draws only
		 * (a run waiting in level 0 is at most 2^KLL_SAMPLE_MAX) */
		if (s->len[0] < (size_t)1 << s->entry)
			return 0;
		if (draw(s) < 0)
			return -1;
	}
	if (s->retained > s->capacity)
		return kll_compress(s);
	return 0;
}

/* Add x[0..n) to a sketch with a sampler, its run not full and its
 * height standing for all of them, as n kll_add_slow calls would: level
 * 0's run filled and drawn from when full (a whole run in x drawn from
 * in place), the levels compressed after each draw. */
static int add_sampled(struct kll *s, const double *x, size_t n)
{
	size_t b = (size_t)1 << s->entry, h = s->entry, i = 0, j;
	double lo = s->min, hi = s->max;

	for (j = 0; j < n; j++) {
		lo = x[j] < lo ? x[j] : lo;
		hi = x[j] > hi ? x[j] : hi;
	}
	s->min = lo;
	s->max = hi;
	s->n += n;
	while (i < n) {
		if (s->len[0] == 0 && n - i >= b) {
			if (lv_reserve(s, h, s->len[h] + 1) < 0)
				return -1;
			s->lv[h][s->len[h]++] = x[i + (rng_next(&s->rng) & (b - 1))];
			s->retained++;
			s->compacted = 1;
			i += b;
		} else {
			size_t m = b - s->len[0];

			if (m > n - i)
				m = n - i;
			if (lv_reserve(s, 0, b) < 0)
				return -1;
			memcpy(s->lv[0] + s->len[0], x + i, m * sizeof(double));
			s->len[0] += m;
			s->retained += m;
			i += m;
			if (s->len[0] < b)
				break;	/* x ends inside the run */
			if (draw(s) < 0)
				return -1;
		}
		if (s->retained > s->capacity && kll_compress(s) < 0)
			return -1;
	}
	return 0;
}

int kll_add_n(struct kll *s, const double *x, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t room, m, j;
		double lo, hi;
		double *dst;

		/* the sampler's height settled and its run not full: the
		 * sampled path, up to where the height may change */
		if (s->n && s->entry && s->n < s->raise_at &&
		    s->len[0] < (size_t)1 << s->entry) {
			m = n - i;
			if (s->raise_at - s->n < m)
				m = (size_t)(s->raise_at - s->n);
			if (add_sampled(s, x + i, m) < 0)
				return -1;
			i += m;
			continue;
		}
		/* what kll_add's inline path takes: room in level 0, no
		 * compaction due; else one value the slow way */
		if (!s->n || s->entry || s->n >= s->raise_at ||
		    s->len[0] >= s->cap[0] || s->retained >= s->capacity) {
			if (kll_add_slow(s, x[i++]) < 0)
				return -1;
			continue;
		}
		room = s->cap[0] - s->len[0];
		if (s->raise_at - s->n < room)
			room = (size_t)(s->raise_at - s->n);
		if (s->capacity - s->retained < room)
			room = s->capacity - s->retained;
		m = n - i < room ? n - i : room;
		dst = s->lv[0] + s->len[0];
		lo = s->min;
		hi = s->max;
		for (j = 0; j < m; j++) {
			double v = x[i + j];

			dst[j] = v;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		s->min = lo;
		s->max = hi;
		s->len[0] += m;
		s->n += m;
		s->retained += m;
		i += m;
	}
	return 0;
}

int kll_add_weighted(struct kll *s, double x, uint64_t w)
{
	size_t top, h;

	if (!w)
		return 0;
	if (!s->nlev && add_level(s) < 0)
		return -1;
	/* no higher than the level the count would reach by compaction */
	for (top = 0; top < 40 && ((s->n + w) >> (top + 1)) > s->k; top++)
		;
	while (s->nlev <= top)
		if (add_level(s) < 0)
			return -1;
	for (h = 0; h < 64; h++) {
		uint64_t copies;
		size_t lvl = h < top ? h : top, i, at;

		if (h < top && !(w >> h & 1))
			continue;
		copies = h < top ? 1 : w >> top;
		if (!copies)
			break;
		if (lv_reserve(s, lvl, s->len[lvl] + copies) < 0)
			return -1;
		/* levels above 0 stay sorted */
		at = s->len[lvl];
		if (lvl)
			while (at > 0 && s->lv[lvl][at - 1] > x)
				at--;
		memmove(s->lv[lvl] + at + copies, s->lv[lvl] + at,
			(s->len[lvl] - at) * sizeof(double));
		for (i = 0; i < copies; i++)
			s->lv[lvl][at + i] = x;
		s->len[lvl] += copies;
		s->retained += copies;
		if (h >= top)
			break;
	}
	if (!s->n || x < s->min)
		s->min = x;
	if (!s->n || x > s->max)
		s->max = x;
	s->n += w;
	return kll_compress(s);
}

int kll_merge(struct kll *a, const struct kll *b)
{
	size_t h;

	if (!b->n)
		return 0;
	while (a->nlev < b->nlev)
		if (add_level(a) < 0)
			return -1;
	/* a's sampler level sorted like the others (it stays the entry) */
	if (a->entry)
		sort_doubles(a->lv[a->entry], a->len[a->entry]);
	for (h = 0; h < b->nlev; h++) {
		if (!b->len[h])
			continue;
		if (h == 0) {
			if (lv_reserve(a, 0, a->len[0] + b->len[0]) < 0)
				return -1;
			memcpy(a->lv[0] + a->len[0], b->lv[0],
			       b->len[0] * sizeof(double));
			a->len[0] += b->len[0];
		} else {
			const double *y = b->lv[h];
			double *t = NULL, *m;

			/* b's sampler level, unsorted: a sorted copy */
			if (h == b->entry && !(y = t = sorted_copy(y, b->len[h])))
				return -1;
			m = merge_sorted(a->lv[h], a->len[h], y, b->len[h]);
			free(t);
			if (!m)
				return -1;
			free(a->lv[h]);
			a->lv[h] = m;
			a->len[h] += b->len[h];
			a->cap[h] = a->len[h];
		}
		a->retained += b->len[h];
	}
	if (!a->n || b->min < a->min)
		a->min = b->min;
	if (!a->n || b->max > a->max)
		a->max = b->max;
	a->n += b->n;
	a->compacted |= b->compacted;
	return settle(a);
}

struct wv {
	double v;
	uint64_t w;
};

static int cmp_wv(const void *a, const void *b)
{
	const struct wv *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->w < y->w ? -1 : x->w > y->w;
}

int kll_view(const struct kll *s, struct kll_view *out)
{
	size_t n = 0, h, i, k = 0;
	struct wv *t;
	uint64_t c = 0;

	memset(out, 0, sizeof(*out));
	for (h = 0; h < s->nlev; h++)
		n += s->len[h];
	t = malloc((n ? n : 1) * sizeof(*t));
	out->v = malloc((n ? n : 1) * sizeof(*out->v));
	out->cum = malloc((n ? n : 1) * sizeof(*out->cum));
	if (!t || !out->v || !out->cum) {
		free(t);
		kll_view_free(out);
		return -1;
	}
	for (h = 0; h < s->nlev; h++)
		for (i = 0; i < s->len[h]; i++) {
			t[k].v = s->lv[h][i];
			t[k++].w = (uint64_t)1 << h;
		}
	qsort(t, n, sizeof(*t), cmp_wv);
	for (i = 0; i < n; i++) {
		c += t[i].w;
		out->v[i] = t[i].v;
		out->cum[i] = c;
	}
	free(t);
	out->n = n;
	out->total = c;
	out->exact = !s->compacted;
	out->min = s->min;
	out->max = s->max;
	return 0;
}

void kll_view_free(struct kll_view *v)
{
	free(v->v);
	free(v->cum);
	memset(v, 0, sizeof(*v));
}

/* The value of 0-based rank r (the r-th smallest, counting weights). */
static double value_at(const struct kll_view *v, uint64_t r)
{
	size_t lo = 0, hi = v->n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->cum[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return v->v[lo];
}

double kll_quantile(const struct kll_view *v, double q)
{
	size_t lo, hi;
	double target;

	if (!v->n)
		return NAN;
	if (q <= 0)
		return v->min;
	if (q >= 1)
		return v->max;
	if (v->exact) {
		/* numpy's linear method, with its lerp */
		double pos = q * (double)(v->total - 1), t, a, b, d;
		uint64_t i = (uint64_t)floor(pos);

		if (i + 1 >= v->total)
			return v->v[v->n - 1];
		t = pos - (double)i;
		a = value_at(v, i);
		b = value_at(v, i + 1);
		d = b - a;
		return t >= 0.5 ? b - d * (1 - t) : a + d * t;
	}
	target = q * (double)v->total;
	lo = 0;
	hi = v->n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((double)v->cum[mid] >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return v->v[lo];
}

int kll_view_weighted(struct kll_view *out, const double *v, const uint64_t *w,
		      size_t n)
{
	struct wv *t = malloc((n ? n : 1) * sizeof(*t));
	uint64_t c = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->v = malloc((n ? n : 1) * sizeof(*out->v));
	out->cum = malloc((n ? n : 1) * sizeof(*out->cum));
	if (!t || !out->v || !out->cum) {
		free(t);
		kll_view_free(out);
		return -1;
	}
	for (i = 0; i < n; i++) {
		t[i].v = v[i];
		t[i].w = w[i];
	}
	qsort(t, n, sizeof(*t), cmp_wv);
	for (i = 0; i < n; i++) {
		c += t[i].w;
		out->v[i] = t[i].v;
		out->cum[i] = c;
	}
	out->n = n;
	out->total = c;
	out->exact = 1;
	out->min = n ? t[0].v : NAN;
	out->max = n ? t[n - 1].v : NAN;
	free(t);
	return 0;
}

uint64_t kll_rank(const struct kll_view *v, double x, int inclusive)
{
	size_t lo = 0, hi = v->n;

	/* first index whose value is >= x (> x when inclusive) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (inclusive ? v->v[mid] <= x : v->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? v->cum[lo - 1] : 0;
}

size_t kll_histogram(const struct kll_view *v, size_t nbins, double *edges,
		     uint64_t *counts)
{
	uint64_t prev = 0;
	size_t i;

	if (!v->n || !nbins)
		return 0;
	if (v->min == v->max)
		nbins = 1;
	for (i = 0; i <= nbins; i++)
		edges[i] = i == nbins ? v->max :
			v->min + (v->max - v->min) * ((double)i / (double)nbins);
	for (i = 0; i < nbins; i++) {
		uint64_t below = i + 1 == nbins ? v->total :
			kll_rank(v, edges[i + 1], 0);

		counts[i] = below - prev;
		prev = below;
	}
	return nbins;
}

json_t *kll_to_json(const struct kll *s)
{
	json_t *o = json_object(), *levels = json_array();
	char rng[17];
	size_t h, i;

	if (!o || !levels) {
		json_decref(o);
		json_decref(levels);
		return NULL;
	}
	hex64(rng, s->rng);
	json_object_set_new(o, "k", json_integer(s->k));
	json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	json_object_set_new(o, "min", s->n ? json_real(s->min) : json_null());
	json_object_set_new(o, "max", s->n ? json_real(s->max) : json_null());
	json_object_set_new(o, "rng", json_string(rng));
	json_object_set_new(o, "exact", json_boolean(!s->compacted));
	for (h = 0; h < s->nlev; h++) {
		json_t *l = json_array();
		const double *v = s->lv[h];
		double *t = NULL;

		/* the sampler's level, sorted as every level above 0 */
		if (h && h == s->entry && !(v = t = sorted_copy(v, s->len[h]))) {
			json_decref(l);
			json_decref(levels);
			json_decref(o);
			return NULL;
		}
		for (i = 0; l && i < s->len[h]; i++)
			json_array_append_new(l, json_real(v[i]));
		free(t);
		json_array_append_new(levels, l);
	}
	json_object_set_new(o, "levels", levels);
	return o;
}

int kll_from_json(struct kll *s, const json_t *j, const char *path,
		  struct mlci_err *err)
{
	json_t *levels = json_object_get(j, "levels"), *k = json_object_get(j, "k");
	json_t *n = json_object_get(j, "n");
	uint64_t weight = 0;
	size_t h, i;

	kll_init(s, KLL_K);
	if (!json_is_integer(k) || json_integer_value(k) < KLL_MIN_WIDTH ||
	    json_integer_value(k) > 65535 || !json_is_integer(n) ||
	    json_integer_value(n) < 0 || !json_is_array(levels) ||
	    json_array_size(levels) > 64 ||
	    parse_hex64(json_string_value(json_object_get(j, "rng")), &s->rng) < 0 ||
	    !json_is_boolean(json_object_get(j, "exact")))
		return bad(err, path, "kll: expected k, n, rng, exact and levels");
	s->k = (uint32_t)json_integer_value(k);
	s->n = (uint64_t)json_integer_value(n);
	s->compacted = !json_is_true(json_object_get(j, "exact"));
	for (h = 0; h < json_array_size(levels); h++) {
		json_t *l = json_array_get(levels, h);

		if (!json_is_array(l) || add_level(s) < 0 ||
		    lv_reserve(s, h, json_array_size(l) + 1) < 0)
			goto fail;
		for (i = 0; i < json_array_size(l); i++) {
			json_t *x = json_array_get(l, i);

			if (!json_is_number(x) || !isfinite(json_number_value(x)))
				goto fail;
			s->lv[h][i] = json_number_value(x);
			if (h && i && s->lv[h][i] < s->lv[h][i - 1])
				goto fail;	/* upper levels are sorted */
		}
		s->len[h] = json_array_size(l);
		s->retained += s->len[h];
		weight += (uint64_t)s->len[h] << h;
	}
	if (weight != s->n)
		goto fail;
	/* the sampler's height follows from n; level 0 is settled by the
	 * next add or merge (a sketch only read is left as written) */
	s->entry = sample_height(s->n);
	while (s->nlev <= s->entry)
		if (add_level(s) < 0)
			goto fail;
	s->raise_at = raise_at(s->entry);
	if (s->n) {
		json_t *mn = json_object_get(j, "min"), *mx = json_object_get(j, "max");

		if (!json_is_number(mn) || !json_is_number(mx) ||
		    json_number_value(mn) > json_number_value(mx))
			goto fail;
		s->min = json_number_value(mn);
		s->max = json_number_value(mx);
	}
	return 0;
fail:
	kll_free(s);
	return bad(err, path, "kll levels do not add up");
}

/* ---- distinct counts ---- */

void dcount_init(struct dcount *d, uint32_t cap)
{
	memset(d, 0, sizeof(*d));
	d->cap = cap ? cap : DCOUNT_EXACT;
}

void dcount_free(struct dcount *d)
{
	free(d->set);
	free(d->reg);
	memset(d, 0, sizeof(*d));
}

static void hll_add(uint8_t *reg, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - HLL_P));
	uint64_t w = h << HLL_P;
	uint8_t rank = w ? (uint8_t)(__builtin_clzll(w) + 1) : 64 - HLL_P + 1;

	if (rank > reg[idx])
		reg[idx] = rank;
}

static int densify(struct dcount *d)
{
	uint32_t i;

	d->reg = calloc(HLL_M, 1);
	if (!d->reg)
		return -1;
	for (i = 0; d->set && i < d->slots; i++)
		if (d->set[i])
			hll_add(d->reg, d->set[i]);
	free(d->set);
	d->set = NULL;
	d->slots = d->n = 0;
	return 0;
}

int dcount_add(struct dcount *d, uint64_t h)
{
	if (!h)
		h = 1;
	if (d->reg) {
		hll_add(d->reg, h);
		return 0;
	}
	/* past the cap: registers, before the table would grow again */
	if (d->n >= d->cap && d->set && !d->set[set_find(d->set, d->slots, h)]) {
		if (densify(d) < 0)
			return -1;
		hll_add(d->reg, h);
		return 0;
	}
	if (set_insert(&d->set, &d->slots, &d->n, h) < 0)
		return -1;
	if (d->n > d->cap)
		return densify(d);
	return 0;
}

int dcount_add_n(struct dcount *d, const uint64_t *h, size_t n)
{
	size_t i = 0;

	/* the exact set one at a time (it may turn into registers on the
	 * way), then the registers in a loop of their own */
	for (; i < n && !d->reg; i++)
		if (dcount_add(d, h[i]) < 0)
			return -1;
	for (; i < n; i++) {
		if (i + 8 < n)
			__builtin_prefetch(&d->reg[(h[i + 8] ? h[i + 8] : 1) >>
						   (64 - HLL_P)], 1);
		hll_add(d->reg, h[i] ? h[i] : 1);
	}
	return 0;
}

int dcount_merge(struct dcount *a, const struct dcount *b)
{
	uint32_t i;

	if (!a->reg && !b->reg) {
		for (i = 0; b->set && i < b->slots; i++)
			if (b->set[i] &&
			    set_insert(&a->set, &a->slots, &a->n, b->set[i]) < 0)
				return -1;
		if (a->n > a->cap)
			return densify(a);
		return 0;
	}
	if (!a->reg && densify(a) < 0)
		return -1;
	if (b->reg)
		for (i = 0; i < HLL_M; i++)
			if (b->reg[i] > a->reg[i])
				a->reg[i] = b->reg[i];
	for (i = 0; b->set && i < b->slots; i++)
		if (b->set[i])
			hll_add(a->reg, b->set[i]);
	return 0;
}

static double hll_sigma(double x)
{
	double y = 1, z = x, zl;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zl = z;
		z += x * y;
		y += y;
	} while (z != zl);
	return z;
}

static double hll_tau(double x)
{
	double y = 1, z, zl;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		zl = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zl);
	return z / 3;
}

/* Ertl (2017), "New cardinality estimation algorithms for HyperLogLog
 * sketches", the improved raw estimator. */
static double hll_estimate(const uint8_t *reg)
{
	const int q = 64 - HLL_P;
	uint32_t c[64 - HLL_P + 2] = { 0 }, i;
	double m = HLL_M, z;
	int k;

	for (i = 0; i < HLL_M; i++)
		c[reg[i]]++;
	z = m * hll_tau(1 - c[q + 1] / m);
	for (k = q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	return 0.5 / log(2) * m * m / z;
}

uint64_t dcount_value(const struct dcount *d, int *exact)
{
	double e;

	if (exact)
		*exact = !d->reg;
	if (!d->reg)
		return d->n;
	e = hll_estimate(d->reg);
	return isfinite(e) ? (uint64_t)llround(e) : 0;
}

static char *regs_b64(const uint8_t *reg)
{
	uLongf n = compressBound(HLL_M);
	unsigned char *z = malloc(n);
	char *out;

	/* level 1: registers are near their entropy already (4% larger
	 * than level 9, in a quarter of the time) */
	if (!z || compress2(z, &n, reg, HLL_M, 1) != Z_OK) {
		free(z);
		return NULL;
	}
	out = b64_encode(z, n);
	free(z);
	return out;
}

json_t *dcount_to_json(const struct dcount *d, int full)
{
	json_t *o = json_object();
	char *text;
	int exact;

	if (!o)
		return NULL;
	json_object_set_new(o, "p", json_integer(HLL_P));
	json_object_set_new(o, "cap", json_integer(d->cap));
	json_object_set_new(o, "estimate", json_integer((json_int_t)dcount_value(d, &exact)));
	json_object_set_new(o, "exact", json_boolean(exact));
	if (!d->reg && full) {
		text = keys_b64(d->set, d->slots, d->n);
		json_object_set_new(o, "keys", text ? json_string(text) : json_null());
	} else if (!d->reg) {
		struct dcount t;

		dcount_init(&t, d->cap);
		t.cap = 0;
		text = dcount_merge(&t, d) < 0 || (!t.reg && densify(&t) < 0) ?
			NULL : regs_b64(t.reg);
		dcount_free(&t);
		json_object_set_new(o, "registers", text ? json_string(text) : json_null());
	} else {
		text = regs_b64(d->reg);
		json_object_set_new(o, "registers", text ? json_string(text) : json_null());
	}
	free(text);
	return o;
}

int dcount_from_json(struct dcount *d, const json_t *j, const char *path,
		     struct mlci_err *err)
{
	json_t *cap = json_object_get(j, "cap");
	const char *keys = json_string_value(json_object_get(j, "keys"));
	const char *regs = json_string_value(json_object_get(j, "registers"));

	dcount_init(d, DCOUNT_EXACT);
	if (!json_is_integer(json_object_get(j, "p")) ||
	    json_integer_value(json_object_get(j, "p")) != HLL_P ||
	    !json_is_integer(cap) || json_integer_value(cap) < 1 ||
	    json_integer_value(cap) > (1 << 30) || (!keys == !regs))
		return bad(err, path, "distinct: expected p 14, cap, and keys or registers");
	d->cap = (uint32_t)json_integer_value(cap);
	if (keys) {
		uint64_t *k;
		size_t n, i;

		if (keys_from_b64(keys, &k, &n) < 0 || n > d->cap) {
			free(k);
			return bad(err, path, "distinct: bad keys");
		}
		for (i = 0; i < n; i++)
			if (set_insert(&d->set, &d->slots, &d->n, k[i]) < 0) {
				free(k);
				dcount_free(d);
				return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
			}
		free(k);
		return 0;
	}
	{
		unsigned char *z;
		size_t zn;
		uLongf n = HLL_M;
		uint32_t i;

		d->reg = malloc(HLL_M);
		if (!d->reg || b64_decode(regs, &z, &zn) < 0) {
			dcount_free(d);
			return bad(err, path, "distinct: bad registers");
		}
		if (uncompress(d->reg, &n, z, zn) != Z_OK || n != HLL_M) {
			free(z);
			dcount_free(d);
			return bad(err, path, "distinct: bad registers");
		}
		free(z);
		for (i = 0; i < HLL_M; i++)
			if (d->reg[i] > 64 - HLL_P + 1) {
				dcount_free(d);
				return bad(err, path, "distinct: bad registers");
			}
	}
	return 0;
}

/* ---- frequencies ---- */

void freq_init(struct freq *f, uint32_t cap)
{
	memset(f, 0, sizeof(*f));
	f->cap = cap ? cap : FREQ_CAP;
}

void freq_free(struct freq *f)
{
	uint32_t i;

	for (i = 0; i < f->n; i++)
		free(f->e[i].value);
	free(f->e);
	free(f->idx);
	free(f->heap);
	memset(f, 0, sizeof(*f));
}

static uint32_t fslot(uint64_t h, uint32_t slots)
{
	return (uint32_t)((h ^ (h >> 29)) & (slots - 1));
}

/* memcmp(a, b, n) == 0, without a call for the short values columns
 * mostly hold (loads within the n bytes only). */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y, x2, y2;

	if (n > 16)
		return !memcmp(a, b, n);
	if (n >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&x2, a + n - 8, 8);
		memcpy(&y2, b + n - 8, 8);
		return ((x ^ y) | (x2 ^ y2)) == 0;
	}
	return load_upto8((const unsigned char *)a, n) ==
		load_upto8((const unsigned char *)b, n);
}

/* The index slot holding the value, or the empty one where it goes. */
static uint32_t ffind(const struct freq *f, const char *v, size_t len,
		      uint64_t h)
{
	uint32_t i = fslot(h, f->slots);

	for (;;) {
		uint32_t e = f->idx[i];

		if (!e)
			return i;
		if (f->e[e - 1].hash == h && f->e[e - 1].len == len &&
		    same_bytes(f->e[e - 1].value, v, len))
			return i;
		i = (i + 1) & (f->slots - 1);
	}
}

static int findex_rebuild(struct freq *f, uint32_t slots)
{
	uint32_t i;

	free(f->idx);
	f->idx = calloc(slots, sizeof(*f->idx));
	if (!f->idx)
		return -1;
	f->slots = slots;
	for (i = 0; i < f->n; i++)
		f->idx[ffind(f, f->e[i].value, f->e[i].len, f->e[i].hash)] = i + 1;
	return 0;
}

/* Remove entry e's slot (linear probing: shift the run back). */
static void findex_delete(struct freq *f, uint32_t e)
{
	const struct freq_entry *x = &f->e[e];
	uint32_t i = ffind(f, x->value, x->len, x->hash), j = i;

	f->idx[i] = 0;
	for (;;) {
		uint32_t k;

		j = (j + 1) & (f->slots - 1);
		if (!f->idx[j])
			return;
		k = fslot(f->e[f->idx[j] - 1].hash, f->slots);
		/* move j back to i unless its home k lies in (i, j] */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		f->idx[i] = f->idx[j];
		f->idx[j] = 0;
		i = j;
	}
}

static void heap_swap(struct freq *f, uint32_t a, uint32_t b)
{
	uint32_t t = f->heap[a];

	f->heap[a] = f->heap[b];
	f->heap[b] = t;
	f->e[f->heap[a]].heap = a;
	f->e[f->heap[b]].heap = b;
}

static int heap_less(const struct freq *f, uint32_t a, uint32_t b)
{
	const struct freq_entry *x = &f->e[f->heap[a]], *y = &f->e[f->heap[b]];

	return x->count < y->count;
}

static void sift_down(struct freq *f, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < f->n && heap_less(f, l, m))
			m = l;
		if (r < f->n && heap_less(f, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(f, i, m);
		i = m;
	}
}

static int to_spacesaving(struct freq *f)
{
	uint32_t i;

	f->heap = malloc((f->n ? f->n : 1) * sizeof(*f->heap));
	if (!f->heap)
		return -1;
	for (i = 0; i < f->n; i++) {
		f->heap[i] = i;
		f->e[i].heap = i;
	}
	for (i = f->n / 2; i-- > 0;)
		sift_down(f, i);
	f->ss = 1;
	return 0;
}

static int fentry_new(struct freq *f, const char *v, size_t len, uint64_t h,
		      uint64_t count, uint64_t e)
{
	struct freq_entry *x;

	if (f->n == f->ecap) {
		uint32_t nc = f->ecap ? f->ecap * 2 : 2;
		struct freq_entry *ne = realloc(f->e, nc * sizeof(*ne));

		if (!ne)
			return -1;
		f->e = ne;
		f->ecap = nc;
	}
	if (((uint64_t)f->n + 1) * 2 > f->slots &&
	    findex_rebuild(f, f->slots ? f->slots * 2 : 4) < 0)
		return -1;
	x = &f->e[f->n];
	x->value = malloc(len + 1);
	if (!x->value)
		return -1;
	memcpy(x->value, v, len);
	x->value[len] = '\0';
	x->len = (uint32_t)len;
	x->hash = h;
	x->count = count;
	x->err = e;
	x->heap = 0;
	f->idx[ffind(f, v, len, h)] = f->n + 1;
	f->n++;
	f->bytes += len + 1;
	return 0;
}

int freq_add(struct freq *f, const char *v, size_t len, uint64_t h)
{
	uint32_t s, e;
	struct freq_entry *x;
	char *nv;

	f->total++;
	if (f->slots) {
		s = ffind(f, v, len, h);
		if (f->idx[s]) {
			x = &f->e[f->idx[s] - 1];
			x->count++;
			if (f->ss)
				sift_down(f, x->heap);
			return 0;
		}
	}
	if (!f->ss) {
		if (!f->n || (f->n < f->cap && f->bytes + len + 1 <= FREQ_MAX_BYTES))
			return fentry_new(f, v, len, h, 1, 0);
		if (to_spacesaving(f) < 0)
			return -1;
	}
	/* SpaceSaving: the least counted value gives up its counter */
	e = f->heap[0];
	x = &f->e[e];
	nv = malloc(len + 1);
	if (!nv)
		return -1;
	findex_delete(f, e);
	f->bytes = f->bytes - x->len + len;
	free(x->value);
	memcpy(nv, v, len);
	nv[len] = '\0';
	x->value = nv;
	x->len = (uint32_t)len;
	x->hash = h;
	x->err = x->count;
	x->count++;
	f->idx[ffind(f, v, len, h)] = e + 1;
	sift_down(f, 0);
	return 0;
}

uint32_t freq_lookup(const struct freq *f, const char *v, size_t len,
		     uint64_t h)
{
	return f->slots ? f->idx[ffind(f, v, len, h)] : 0;
}

int freq_full(const struct freq *f, size_t len)
{
	if (f->ss || !f->n)
		return 0;
	return !(f->n < f->cap && f->bytes + len + 1 <= FREQ_MAX_BYTES);
}

int freq_add_found(struct freq *f, uint32_t found, const char *v, size_t len,
		   uint64_t h)
{
	struct freq_entry *x;

	if (!found)
		return freq_add(f, v, len, h);
	f->total++;
	x = &f->e[found - 1];
	x->count++;
	if (f->ss)
		sift_down(f, x->heap);
	return 0;
}

int freq_would_overflow(const struct freq *f, const char *v, size_t len,
			uint64_t h)
{
	if (f->ss || !f->n)
		return 0;
	if (f->slots && f->idx[ffind(f, v, len, h)])
		return 0;
	return !(f->n < f->cap && f->bytes + len + 1 <= FREQ_MAX_BYTES);
}

int freq_merge_fits(const struct freq *a, const struct freq *b)
{
	uint32_t i, fresh = 0;
	size_t bytes = 0;

	if (a->ss || b->ss)
		return 0;
	for (i = 0; i < b->n; i++) {
		const struct freq_entry *x = &b->e[i];

		if (!a->slots || !a->idx[ffind(a, x->value, x->len, x->hash)]) {
			fresh++;
			bytes += x->len + 1;
		}
	}
	return (uint64_t)a->n + fresh <= a->cap &&
		a->bytes + bytes <= FREQ_MAX_BYTES;
}

uint64_t freq_max_overcount(const struct freq *f)
{
	uint64_t m = 0;
	uint32_t i;

	for (i = 0; f->ss && i < f->n; i++)
		if (f->e[i].err > m)
			m = f->e[i].err;
	return m;
}

static uint64_t freq_min(const struct freq *f)
{
	return f->ss && f->n ? f->e[f->heap[0]].count : 0;
}

struct cand {
	const struct freq_entry *x;
	uint64_t count, err;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	size_t n;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	n = x->x->len < y->x->len ? x->x->len : y->x->len;
	c = memcmp(x->x->value, y->x->value, n);
	if (c)
		return c;
	return x->x->len < y->x->len ? -1 : x->x->len > y->x->len;
}

int freq_merge(struct freq *a, const struct freq *b)
{
	uint32_t i, fresh = 0, m;
	size_t fresh_bytes = 0, nc = 0;
	uint64_t mina = freq_min(a), minb = freq_min(b);
	struct cand *c;
	struct freq out;

	if (!b->n) {
		a->total += b->total;
		return 0;
	}
	for (i = 0; i < b->n; i++) {
		const struct freq_entry *x = &b->e[i];

		if (!a->slots || !a->idx[ffind(a, x->value, x->len, x->hash)]) {
			fresh++;
			fresh_bytes += x->len + 1;
		}
	}
	if (!a->ss && !b->ss && (uint64_t)a->n + fresh <= a->cap &&
	    a->bytes + fresh_bytes <= FREQ_MAX_BYTES) {
		for (i = 0; i < b->n; i++) {
			const struct freq_entry *x = &b->e[i];
			uint32_t s = a->slots ? ffind(a, x->value, x->len, x->hash) : 0;

			if (a->slots && a->idx[s])
				a->e[a->idx[s] - 1].count += x->count;
			else if (fentry_new(a, x->value, x->len, x->hash, x->count, 0) < 0)
				return -1;
		}
		a->total += b->total;
		return 0;
	}
	/* SpaceSaving merge: a value a summary has no counter for counts
	 * as that summary's smallest counter (0 for an exact one) */
	m = a->ss ? a->n : 0;
	if (b->ss && b->n > m)
		m = b->n;
	if (!m)
		m = a->n > b->n ? a->n : b->n;
	c = malloc(((size_t)a->n + b->n + 1) * sizeof(*c));
	if (!c)
		return -1;
	for (i = 0; i < a->n; i++) {
		const struct freq_entry *x = &a->e[i];
		uint32_t s = b->slots ? ffind(b, x->value, x->len, x->hash) : 0;
		const struct freq_entry *y = b->slots && b->idx[s] ? &b->e[b->idx[s] - 1] : NULL;

		c[nc].x = x;
		c[nc].count = x->count + (y ? y->count : minb);
		c[nc++].err = x->err + (y ? y->err : minb);
	}
	for (i = 0; i < b->n; i++) {
		const struct freq_entry *y = &b->e[i];

		if (a->slots && a->idx[ffind(a, y->value, y->len, y->hash)])
			continue;
		c[nc].x = y;
		c[nc].count = y->count + mina;
		c[nc++].err = y->err + mina;
	}
	qsort(c, nc, sizeof(*c), cmp_cand);
	if (nc > m)
		nc = m;
	freq_init(&out, a->cap);
	out.total = a->total + b->total;
	for (i = 0; i < nc; i++)
		if (fentry_new(&out, c[i].x->value, c[i].x->len, c[i].x->hash,
			       c[i].count, c[i].err) < 0) {
			free(c);
			freq_free(&out);
			return -1;
		}
	free(c);
	if (to_spacesaving(&out) < 0) {
		freq_free(&out);
		return -1;
	}
	freq_free(a);
	*a = out;
	return 0;
}

static int cmp_entry_value(const void *a, const void *b)
{
	const struct freq_entry *x = *(const struct freq_entry *const *)a;
	const struct freq_entry *y = *(const struct freq_entry *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->value, y->value, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int cmp_entry_count(const void *a, const void *b)
{
	const struct freq_entry *x = *(const struct freq_entry *const *)a;
	const struct freq_entry *y = *(const struct freq_entry *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return cmp_entry_value(a, b);
}

const struct freq_entry **freq_sorted(const struct freq *f, int by_count)
{
	const struct freq_entry **p;
	uint32_t i;

	if (!f->n)
		return NULL;
	p = malloc(f->n * sizeof(*p));
	if (!p)
		return NULL;
	for (i = 0; i < f->n; i++)
		p[i] = &f->e[i];
	qsort(p, f->n, sizeof(*p), by_count ? cmp_entry_count : cmp_entry_value);
	return p;
}

json_t *freq_to_json(const struct freq *f)
{
	json_t *o = json_object(), *vals = json_array(), *cnt = json_array();
	json_t *errs = f->ss ? json_array() : NULL;
	const struct freq_entry **p = freq_sorted(f, 0);
	uint32_t i;

	if (!o || !vals || !cnt || (f->ss && !errs) || (f->n && !p)) {
		json_decref(o);
		json_decref(vals);
		json_decref(cnt);
		json_decref(errs);
		free(p);
		return NULL;
	}
	json_object_set_new(o, "cap", json_integer(f->cap));
	json_object_set_new(o, "mode", json_string(f->ss ? "spacesaving" : "exact"));
	json_object_set_new(o, "total", json_integer((json_int_t)f->total));
	for (i = 0; i < f->n; i++) {
		json_array_append_new(vals, json_stringn(p[i]->value, p[i]->len));
		json_array_append_new(cnt, json_integer((json_int_t)p[i]->count));
		if (f->ss)
			json_array_append_new(errs, json_integer((json_int_t)p[i]->err));
	}
	free(p);
	json_object_set_new(o, "values", vals);
	json_object_set_new(o, "counts", cnt);
	if (errs)
		json_object_set_new(o, "errors", errs);
	return o;
}

int freq_from_json(struct freq *f, const json_t *j, const char *path,
		   struct mlci_err *err)
{
	json_t *vals = json_object_get(j, "values"), *cap = json_object_get(j, "cap");
	json_t *cnt = json_object_get(j, "counts"), *errs = json_object_get(j, "errors");
	json_t *total = json_object_get(j, "total");
	const char *mode = json_string_value(json_object_get(j, "mode"));
	uint64_t sum = 0;
	size_t i;
	int ss;

	freq_init(f, FREQ_CAP);
	if (!json_is_integer(cap) || json_integer_value(cap) < 1 ||
	    json_integer_value(cap) > (1 << 24) || !json_is_array(vals) ||
	    !json_is_array(cnt) || json_array_size(cnt) != json_array_size(vals) ||
	    !json_is_integer(total) || json_integer_value(total) < 0 || !mode ||
	    (strcmp(mode, "exact") && strcmp(mode, "spacesaving")))
		return bad(err, path, "frequencies: expected cap, mode, total, values and counts");
	ss = !strcmp(mode, "spacesaving");
	if (ss && (!json_is_array(errs) || json_array_size(errs) != json_array_size(vals)))
		return bad(err, path, "frequencies: SpaceSaving needs errors");
	f->cap = (uint32_t)json_integer_value(cap);
	if (json_array_size(vals) > f->cap)
		return bad(err, path, "frequencies: more values than the cap");
	for (i = 0; i < json_array_size(vals); i++) {
		json_t *v = json_array_get(vals, i), *c = json_array_get(cnt, i);
		json_t *x = ss ? json_array_get(errs, i) : NULL;
		uint64_t h;

		if (!json_is_string(v) || !json_is_integer(c) ||
		    json_integer_value(c) < 1 || (ss && (!json_is_integer(x) ||
		    json_integer_value(x) < 0 || json_integer_value(x) >
		    json_integer_value(c))))
			goto fail;
		h = sketch_hash(json_string_value(v), json_string_length(v));
		if (f->slots && f->idx[ffind(f, json_string_value(v),
					      json_string_length(v), h)])
			goto fail;	/* twice */
		if (fentry_new(f, json_string_value(v), json_string_length(v), h,
			       (uint64_t)json_integer_value(c),
			       ss ? (uint64_t)json_integer_value(x) : 0) < 0)
			goto fail;
		sum += (uint64_t)json_integer_value(c);
	}
	f->total = (uint64_t)json_integer_value(total);
	if (!ss && sum != f->total)
		goto fail;
	if (ss && to_spacesaving(f) < 0)
		goto fail;
	return 0;
fail:
	freq_free(f);
	return bad(err, path, "frequencies: bad value list");
}

/* ---- row sets ---- */

void rowset_init(struct rowset *r, uint32_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap ? cap : ROWSET_CAP;
}

void rowset_free(struct rowset *r)
{
	free(r->set);
	free(r->dh);
	free(r->dc);
	memset(r, 0, sizeof(*r));
}

static int keep_at(uint32_t level, uint64_t h)
{
	return level == 0 || (level < 64 && !(h >> (64 - level)));
}

/* Extra copies of h: the slot in the repeats table. */
static uint32_t dfind(const struct rowset *r, uint64_t h)
{
	return set_find(r->dh, r->dslots, h);
}

static int dup_add(struct rowset *r, uint64_t h, uint64_t extra)
{
	uint32_t i;

	if (!r->dh || ((uint64_t)r->dn + 1) * 4 > (uint64_t)r->dslots * 3) {
		uint32_t ns = r->dslots ? r->dslots * 2 : 64, k;
		uint64_t *nh = calloc(ns, sizeof(*nh)), *nc = calloc(ns, sizeof(*nc));

		if (!nh || !nc) {
			free(nh);
			free(nc);
			return -1;
		}
		for (k = 0; r->dh && k < r->dslots; k++)
			if (r->dh[k]) {
				uint32_t s = set_find(nh, ns, r->dh[k]);

				nh[s] = r->dh[k];
				nc[s] = r->dc[k];
			}
		free(r->dh);
		free(r->dc);
		r->dh = nh;
		r->dc = nc;
		r->dslots = ns;
	}
	i = dfind(r, h);
	if (!r->dh[i]) {
		r->dh[i] = h;
		r->dc[i] = 0;
		r->dn++;
	}
	r->dc[i] += extra;
	return 0;
}

static uint64_t dup_get(const struct rowset *r, uint64_t h)
{
	uint32_t i;

	if (!r->dh)
		return 0;
	i = dfind(r, h);
	return r->dh[i] ? r->dc[i] : 0;
}

/* Remove, in place, the keys of r's table (and its repeats) that the
 * next sampling level drops; until fewer than cap are left. */
static int raise_level(struct rowset *r, uint32_t level)
{
	while (level > r->level || r->n >= r->cap) {
		uint64_t *keep;
		uint32_t i, k = 0, n = 0;

		if (level <= r->level)
			level = r->level + 1;
		r->level = level;
		for (i = 0; i < r->slots; i++)
			n += r->set[i] && keep_at(r->level, r->set[i]);
		keep = malloc(((size_t)n + 1) * sizeof(*keep));
		if (!keep)
			return -1;
		for (i = 0; i < r->slots; i++)
			if (r->set[i] && keep_at(r->level, r->set[i]))
				keep[k++] = r->set[i];
		if (r->set)
			memset(r->set, 0, (size_t)r->slots * sizeof(*r->set));
		for (i = 0; i < k; i++)
			r->set[set_find(r->set, r->slots, keep[i])] = keep[i];
		r->n = k;
		free(keep);
		/* the repeats table: few entries, rebuilt */
		if (r->dh) {
			uint64_t *oh = r->dh, *oc = r->dc;
			uint32_t ods = r->dslots;

			r->dh = r->dc = NULL;
			r->dslots = r->dn = 0;
			r->dups = 0;
			for (i = 0; i < ods; i++)
				if (oh[i] && keep_at(r->level, oh[i])) {
					if (dup_add(r, oh[i], oc[i]) < 0) {
						free(oh);
						free(oc);
						return -1;
					}
					r->dups += oc[i];
				}
			free(oh);
			free(oc);
		}
	}
	return 0;
}

/* Count copies more of h (a kept hash): 0, or -1 out of memory. */
static int rowset_put(struct rowset *r, uint64_t h, uint64_t copies)
{
	int rc;

	/* make room first: the table never grows past the cap's size */
	if (r->n >= r->cap && !r->set[set_find(r->set, r->slots, h)]) {
		if (raise_level(r, r->level + 1) < 0)
			return -1;
		if (!keep_at(r->level, h))
			return 0;
	}
	rc = set_insert(&r->set, &r->slots, &r->n, h);
	if (rc < 0)
		return -1;
	if (rc == 0) {		/* seen before: all copies repeat it */
		r->dups += copies;
		return dup_add(r, h, copies);
	}
	if (copies > 1) {
		r->dups += copies - 1;
		return dup_add(r, h, copies - 1);
	}
	return 0;
}

void rowset_prefetch(const struct rowset *r, uint64_t h)
{
	if (!h)
		h = 1;
	if (r->set && keep_at(r->level, h))
		__builtin_prefetch(&r->set[slot_of(h, r->slots)]);
}

int rowset_add(struct rowset *r, uint64_t h)
{
	if (!h)
		h = 1;
	if (!keep_at(r->level, h))
		return 0;
	return rowset_put(r, h, 1);
}

int rowset_merge(struct rowset *a, const struct rowset *b)
{
	uint32_t i;

	if (b->level > a->level && a->set && raise_level(a, b->level) < 0)
		return -1;
	if (b->level > a->level)
		a->level = b->level;
	for (i = 0; b->set && i < b->slots; i++) {
		uint64_t h = b->set[i];

		if (h && keep_at(a->level, h) &&
		    rowset_put(a, h, 1 + dup_get(b, h)) < 0)
			return -1;
	}
	return 0;
}

uint64_t rowset_dups(const struct rowset *r, int *exact)
{
	if (exact)
		*exact = r->level == 0;
	if (r->level >= 64)
		return r->dups;
	return r->dups << r->level;
}

json_t *rowset_to_json(const struct rowset *r)
{
	json_t *o = json_object(), *rep = json_array();
	char *keys = r->set ? keys_b64(r->set, r->slots, r->n) : NULL;
	uint64_t *h = malloc((r->dn ? r->dn : 1) * sizeof(*h));
	uint32_t i, k = 0;

	if (!o || !rep || !h || (r->set && !keys)) {
		json_decref(o);
		json_decref(rep);
		free(keys);
		free(h);
		return NULL;
	}
	json_object_set_new(o, "level", json_integer(r->level));
	json_object_set_new(o, "cap", json_integer(r->cap));
	json_object_set_new(o, "hashes", json_string(keys ? keys : ""));
	for (i = 0; r->dh && i < r->dslots; i++)
		if (r->dh[i])
			h[k++] = r->dh[i];
	qsort(h, k, sizeof(*h), cmp_u64);
	for (i = 0; i < k; i++) {
		json_t *e = json_array();
		char hx[17];

		hex64(hx, h[i]);
		json_array_append_new(e, json_string(hx));
		json_array_append_new(e, json_integer((json_int_t)dup_get(r, h[i])));
		json_array_append_new(rep, e);
	}
	json_object_set_new(o, "repeats", rep);
	free(keys);
	free(h);
	return o;
}

int rowset_from_json(struct rowset *r, const json_t *j, const char *path,
		     struct mlci_err *err)
{
	json_t *level = json_object_get(j, "level"), *cap = json_object_get(j, "cap");
	json_t *rep = json_object_get(j, "repeats");
	const char *hs = json_string_value(json_object_get(j, "hashes"));
	uint64_t *k = NULL;
	size_t n = 0, i;

	rowset_init(r, ROWSET_CAP);
	if (!json_is_integer(level) || json_integer_value(level) < 0 ||
	    json_integer_value(level) > 63 || !json_is_integer(cap) ||
	    json_integer_value(cap) < 1 || json_integer_value(cap) > (1 << 30) ||
	    !hs || !json_is_array(rep))
		return bad(err, path, "rows: expected level, cap, hashes and repeats");
	r->level = (uint32_t)json_integer_value(level);
	r->cap = (uint32_t)json_integer_value(cap);
	if (*hs && keys_from_b64(hs, &k, &n) < 0)
		return bad(err, path, "rows: bad hashes");
	for (i = 0; i < n; i++)
		if (!keep_at(r->level, k[i]) ||
		    set_insert(&r->set, &r->slots, &r->n, k[i]) != 1)
			goto fail;
	free(k);
	k = NULL;
	for (i = 0; i < json_array_size(rep); i++) {
		json_t *e = json_array_get(rep, i);
		json_t *c = json_array_get(e, 1);
		uint64_t h;

		if (parse_hex64(json_string_value(json_array_get(e, 0)), &h) < 0 ||
		    !json_is_integer(c) || json_integer_value(c) < 1 || !r->set ||
		    !r->set[set_find(r->set, r->slots, h)] || dup_get(r, h) ||
		    dup_add(r, h, (uint64_t)json_integer_value(c)) < 0)
			goto fail;
		r->dups += (uint64_t)json_integer_value(c);
	}
	return 0;
fail:
	free(k);
	rowset_free(r);
	return bad(err, path, "rows: bad hashes or repeats");
}
