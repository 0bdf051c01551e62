/*
 * sketch.h - mergeable summaries of a stream of values in memory that
 * does not grow with the number of values: quantiles (KLL), distinct
 * counts (an exact set, then HyperLogLog), value frequencies (exact,
 * then SpaceSaving) and repeated rows (an exact, then hash-sampled, set
 * of row hashes).
 *
 * Every summary has merge(a, b) (a absorbs b: the summary of the two
 * streams one after the other) and to_json/from_json, so partial
 * results computed apart (CI shards) can be combined later. All of them
 * are deterministic: the same values in the same order give the same
 * summary, bit for bit (KLL's coin flips come from a seeded generator
 * kept in the sketch). Hashes are 64-bit, of the bytes as written
 * (little-endian word order: the serialized sets are for this platform
 * family, x86-64 and arm64).
 *
 * Error bounds (what "sketch_error" in a data report records):
 *  - KLL, k = KLL_K (200): a quantile's rank is within KLL_RANK_ERROR
 *    (1.65%) of n of the true rank with 99% confidence (the bound
 *    Apache DataSketches gives for this design, 2.446 / k^0.9433, for
 *    ranks and histograms alike); exact - every value kept - until the
 *    first compaction (n <= k). Merging keeps the bound. Past
 *    2 KLL_SAMPLE_N values, values enter through a sampler, as in
 *    Karnin, Lang and Liberty's sketch: of each run of 2^h values (h
 *    the largest with 2^h KLL_SAMPLE_N <= n, at most KLL_SAMPLE_MAX),
 *    one drawn at random goes on as a value of weight 2^h - the same,
 *    in distribution, as h compactors of width 2 below the others. Its
 *    own rank error has a variance of at most n^2 / 320000 (a standard
 *    deviation under 0.18% of n), most values then cost a copy, and
 *    level 0 no longer takes the capacity the others use better: the
 *    worst rank errors measured on 10^5 to 3 10^6 values stayed those
 *    of the sketch without it (0.5-0.9%).
 *  - Distinct counts: exact (a set of 64-bit hashes; numbers by value)
 *    up to DCOUNT_EXACT distinct values, then HyperLogLog with 2^14
 *    registers (Ertl's improved estimator, no bias tables): relative
 *    standard error 1.04 / sqrt(2^14) = 0.81%. A merge of HyperLogLogs
 *    is exactly the HyperLogLog of the union, so shards merge to the
 *    whole file's estimate bit for bit.
 *  - Frequencies: exact counts while a column has at most its cap of
 *    distinct values (FREQ_CAP, 4096; the label column 4097) and they
 *    fit FREQ_MAX_BYTES; then SpaceSaving with as many counters: each
 *    reported count is an upper bound, at most "max_overcount" (the
 *    smallest counter, <= n / counters) above the true count.
 *  - Duplicate rows: exact while at most ROWSET_CAP distinct rows were
 *    seen (a 64-bit hash per row: collisions are ~n^2 / 2^65 likely);
 *    then only rows whose hash has `level` leading zero bits are kept
 *    and the count is scaled by 2^level - an estimate that is 0 when no
 *    row repeats.
 */
#ifndef MLCI_SKETCH_H
#define MLCI_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

#define KLL_K 200
#define KLL_RANK_ERROR 0.0165
#define KLL_SAMPLE_N 40000
#define KLL_SAMPLE_MAX 7
#define HLL_P 14
#define HLL_REL_ERROR 0.008125
#define DCOUNT_EXACT 24576
#define FREQ_CAP 4096
#define FREQ_MAX_BYTES ((size_t)1 << 20)
#define ROWSET_CAP 1572864

/* 64-bit hash of n bytes; sketch_mix is a bijective finaliser. */
uint64_t sketch_hash(const void *p, size_t n);

static inline uint64_t sketch_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* ---- KLL quantile sketch ---- */

struct kll {
	uint32_t k;
	uint64_t n;
	double min, max;
	uint64_t rng;		/* the coin flips' generator state */
	int compacted;		/* 0: every value is still kept (exact) */
	size_t retained, capacity;	/* values kept; their total capacity */
	size_t nlev;
	double **lv;		/* level h holds values of weight 2^h; 0 unsorted */
	size_t *len, *cap;
	/* the sampler: 0, or its height h; level 0 then holds the current
	 * run (fewer than 2^h values) and level h, unsorted, the draws */
	size_t entry;
	uint64_t raise_at;	/* n at which the sampler may rise next */
};

void kll_init(struct kll *s, uint32_t k);
void kll_free(struct kll *s);
/* Add a value (finite); 0, or -1 out of memory. */
int kll_add_slow(struct kll *s, double x);
static inline int kll_add(struct kll *s, double x)
{
	/* the common case inline: no sampler, room in level 0 and no
	 * compaction due */
	if (s->n && !s->entry && s->n < s->raise_at && s->len[0] < s->cap[0] &&
	    s->retained < s->capacity) {
		s->lv[0][s->len[0]++] = x;
		s->min = x < s->min ? x : s->min;
		s->max = x > s->max ? x : s->max;
		s->n++;
		s->retained++;
		return 0;
	}
	return kll_add_slow(s, x);
}
/* Add x[0..n) in order: the same sketch as n kll_add calls, level 0
 * filled in runs. 0, or -1 out of memory. */
int kll_add_n(struct kll *s, const double *x, size_t n);
/* Add w copies of x at once (as items of weight 2^h, no higher than
 * compaction would have carried them): exact, like w adds, until the
 * next compaction. 0, or -1 out of memory. */
int kll_add_weighted(struct kll *s, double x, uint64_t w);
/* a absorbs b; 0, or -1 out of memory. */
int kll_merge(struct kll *a, const struct kll *b);
/* The normalized rank error of a sketch with parameter k (99%). */
double kll_rank_error(uint32_t k);

/* The sketch's values sorted, with cumulative weights, for queries. */
struct kll_view {
	size_t n;
	double *v;
	uint64_t *cum;		/* cum[i]: total weight of v[0..i] */
	uint64_t total;
	int exact;
	double min, max;
};

int kll_view(const struct kll *s, struct kll_view *out);
/* An exact view of n values with integer weights (any order). */
int kll_view_weighted(struct kll_view *out, const double *v, const uint64_t *w,
		      size_t n);
void kll_view_free(struct kll_view *v);
/* The q-quantile (0..1): exact sketches interpolate linearly between
 * order statistics (numpy's default, pandas' describe); others give the
 * smallest value whose cumulative weight reaches q * n. NaN when empty. */
double kll_quantile(const struct kll_view *v, double q);
/* Estimated count of values < x (strict) or <= x. */
uint64_t kll_rank(const struct kll_view *v, double x, int inclusive);

/*
 * A histogram of nbins equal-width bins between the min and max:
 * edges[nbins + 1], counts[nbins] (bin i is [edges[i], edges[i+1]), the
 * last one closed), counts from the sketch's CDF: exact while the sketch
 * is, else each count's error is within twice the rank error of n; the
 * counts always add up to n. One bin when min == max. Returns the number
 * of bins (0 when empty).
 */
size_t kll_histogram(const struct kll_view *v, size_t nbins, double *edges,
		     uint64_t *counts);

json_t *kll_to_json(const struct kll *s);
int kll_from_json(struct kll *s, const json_t *j, const char *path,
		  struct mlci_err *err);

/* ---- distinct count: exact set, then HyperLogLog ---- */

struct dcount {
	uint32_t cap;		/* exact up to this many distinct hashes */
	uint32_t n;		/* in the set */
	uint32_t slots;		/* table size (power of two) */
	uint64_t *set;		/* open addressing, 0 = empty */
	uint8_t *reg;		/* 2^HLL_P registers once past cap; NULL before */
};

void dcount_init(struct dcount *d, uint32_t cap);
void dcount_free(struct dcount *d);
/* Add a (well-mixed) 64-bit hash. 0, or -1 out of memory. */
int dcount_add(struct dcount *d, uint64_t h);
int dcount_merge(struct dcount *a, const struct dcount *b);
/* Add h[0..n) in order: the same as n dcount_add calls. 0, or -1 out
 * of memory. */
int dcount_add_n(struct dcount *d, const uint64_t *h, size_t n);
/* 1 once past the exact set (registers: an add never allocates). */
static inline int dcount_is_sketch(const struct dcount *d)
{
	return d->reg != NULL;
}

/* Start loading the register h would update (a hint). */
static inline void dcount_prefetch(const struct dcount *d, uint64_t h)
{
	if (d->reg)
		__builtin_prefetch(&d->reg[(h ? h : 1) >> (64 - HLL_P)], 1);
}
/* The count (exact: *exact = 1) or the HyperLogLog estimate. */
uint64_t dcount_value(const struct dcount *d, int *exact);
/* full: the exact set as such (for merging); else registers only. */
json_t *dcount_to_json(const struct dcount *d, int full);
int dcount_from_json(struct dcount *d, const json_t *j, const char *path,
		     struct mlci_err *err);

/* ---- value frequencies: exact, then SpaceSaving ---- */

struct freq_entry {
	char *value;
	uint32_t len;
	uint32_t heap;		/* position in the heap (SpaceSaving) */
	uint64_t hash;
	uint64_t count;		/* exact count, or SpaceSaving's upper bound */
	uint64_t err;		/* count - err <= true count <= count */
};

struct freq {
	uint32_t cap;		/* distinct values counted exactly */
	int ss;			/* SpaceSaving mode */
	uint32_t n, ecap;	/* entries, allocated */
	struct freq_entry *e;
	uint32_t *idx;		/* open addressing: entry + 1, 0 empty */
	uint32_t slots;
	uint32_t *heap;		/* SpaceSaving: min-heap of entries by count */
	size_t bytes;
	uint64_t total;		/* values counted */
};

void freq_init(struct freq *f, uint32_t cap);
void freq_free(struct freq *f);
/* Count one value (len bytes, hash = sketch_hash of them). */
int freq_add(struct freq *f, const char *v, size_t len, uint64_t hash);
int freq_merge(struct freq *a, const struct freq *b);
/* Would counting this value end the exact counts (SpaceSaving)? */
int freq_would_overflow(const struct freq *f, const char *v, size_t len,
			uint64_t h);
/* The same in two steps, for a caller that needs to know in between:
 * the value's entry + 1 (0: not counted yet); whether a value of len
 * bytes not counted yet would end the exact counts; count it (found:
 * what freq_lookup said, the table unchanged since). */
uint32_t freq_lookup(const struct freq *f, const char *v, size_t len,
		     uint64_t h);
int freq_full(const struct freq *f, size_t len);
int freq_add_found(struct freq *f, uint32_t found, const char *v, size_t len,
		   uint64_t h);
/* Would a merge of b into a stay exact? */
int freq_merge_fits(const struct freq *a, const struct freq *b);
/* SpaceSaving's bound on any count's excess (0 while exact). */
uint64_t freq_max_overcount(const struct freq *f);
/* The entries sorted by value (byte order), or by count (most first,
 * ties by value): a new array of pointers into f, or NULL (none, or out
 * of memory: check f->n). */
const struct freq_entry **freq_sorted(const struct freq *f, int by_count);
json_t *freq_to_json(const struct freq *f);
int freq_from_json(struct freq *f, const json_t *j, const char *path,
		   struct mlci_err *err);

/* ---- repeated rows ---- */

struct rowset {
	uint32_t level;		/* rows kept: hash >> (64 - level) == 0 */
	uint32_t cap;
	uint32_t n, slots;
	uint64_t *set;
	uint32_t dn, dslots;	/* hashes seen more than once: extra copies */
	uint64_t *dh, *dc;
	uint64_t dups;		/* kept rows equal to an earlier kept row */
};

void rowset_init(struct rowset *r, uint32_t cap);
void rowset_free(struct rowset *r);
int rowset_add(struct rowset *r, uint64_t h);
/* Start loading the table slot h would go to (a hint: rows added a few
 * at a time then miss the cache less). */
void rowset_prefetch(const struct rowset *r, uint64_t h);
int rowset_merge(struct rowset *a, const struct rowset *b);
/* Rows equal to an earlier row: exact (*exact = 1) or estimated. */
uint64_t rowset_dups(const struct rowset *r, int *exact);
json_t *rowset_to_json(const struct rowset *r);
int rowset_from_json(struct rowset *r, const json_t *j, const char *path,
		     struct mlci_err *err);

#endif
