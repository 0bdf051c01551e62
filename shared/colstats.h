/*
 * colstats.h - one column's statistics, accumulated one value at a
 * time in memory independent of the row count, and mergeable: the
 * accumulator of two row ranges merged equals (exactly for counts,
 * moments to rounding, min/max, exact frequencies and distinct sets;
 * within the sketches' bounds otherwise) the accumulator of both.
 *
 * Per column: count and missing; type evidence (every value an integer
 * / a number / true-false, and the first value that is not, with its
 * line and column); for numbers (while every value is one) the moments
 * (count, sum, mean and M2 in long double, added in blocks and merged
 * with Chan et al.'s parallel formula; min, max), a KLL sketch and the distinct numbers
 * (by value: 1 and 1.0 are one); for every column the distinct strings
 * and the value frequencies (see sketch.h). A column of numbers does not
 * need its values' frequencies (quantiles describe it): once it has more
 * distinct numbers than the frequency cap they are dropped ("dropped");
 * should a non-number follow, counting starts again from there
 * ("partial": the counts then miss the earlier rows).
 *
 * While a column's exact frequency table holds all its values (up to
 * its cap), the table stands for the sketches: quantiles, histogram and
 * distinct counts come from it, exactly, and the KLL and distinct sets
 * are not fed (most columns, most of the time: the cost per value is one
 * table lookup). When the table would overflow, the sketches are seeded
 * from it (a value counted c times enters the KLL as weighted items) and
 * fed from then on ("live"). A live column of numbers counts distinct
 * numbers only; if a string follows, its distinct strings start from the
 * distinct numbers (an estimate from then on).
 *
 * Overflow: long double has the range of squares of any double (x86-64
 * and arm64), so neither the sums nor M2 overflow on huge finite values;
 * the standard deviation is scaled back to a double the way validate.c
 * always did (by 2^e >= max |x|), +inf when it is beyond a double.
 */
#ifndef MLCI_COLSTATS_H
#define MLCI_COLSTATS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "sketch.h"

/* Values wait in pend until MOMENTS_BLOCK of them are there, then enter
 * sum, mean and m2 as one block (its sum, and its M2 about its own mean,
 * merged with Chan et al.'s formula): no division per value, and at
 * least Welford's accuracy. n, min and max count every value at once;
 * the readers below fold what waits first. */
#define MOMENTS_BLOCK 64

struct moments {
	/* what every value touches, ahead of the long doubles */
	uint64_t n;
	double min, max;
	uint32_t npend;
	long double sum, mean, m2;	/* of the n - npend folded values */
	double pend[MOMENTS_BLOCK];
};

void moments_init(struct moments *m);
void moments_add(struct moments *m, double x);
/* moments_add of x[0..n) in order (the same result). */
void moments_add_n(struct moments *m, const double *x, size_t n);
/* Fold the waiting values into sum, mean and m2. */
void moments_fold(struct moments *m);
void moments_merge(struct moments *a, const struct moments *b);
/* sum / n (NaN when empty). */
double moments_mean(const struct moments *m);
/* The sample standard deviation (n - 1); NaN when n < 2, +inf beyond a
 * double. */
double moments_std(const struct moments *m);

/* A value that broke a type, and where it was. */
struct first_bad {
	uint32_t line, col;	/* 0: none yet */
	char *value;		/* up to 63 bytes of it */
};

struct colacc {
	/* the fields every value reads come first, in one cache line (the
	 * first type breaks, read once, go last) */
	uint64_t count, missing;
	int all_int, all_num, all_bool;	/* over the non-missing values */
	int freq_state;		/* FREQ_COMPLETE, FREQ_DROPPED or FREQ_PARTIAL */
	int live;		/* 0: the exact frequencies stand for the sketches */
	int dstr_approx;	/* dstr began from distinct numbers (a live column
				 * of numbers, then a string): an estimate */
	uint64_t dpend;		/* a hash still to add to dnum or dstr (0: none):
				 * adds to registers wait one value, so that
				 * the register is in the cache by then */
	int dpend_str;		/* dpend is for dstr */
	struct moments mom;	/* while all_num */
	struct kll kll;
	struct dcount dnum;
	struct dcount dstr;	/* distinct values as written */
	struct freq freq;
	struct first_bad not_int, not_num, not_bool;
};

enum { FREQ_COMPLETE, FREQ_DROPPED, FREQ_PARTIAL };

/* freq_cap: distinct values counted exactly (FREQ_CAP; more for a label). */
void colacc_init(struct colacc *a, uint32_t freq_cap);
void colacc_free(struct colacc *a);

/*
 * Add one cell: s NULL when missing, else len bytes (NUL-terminated),
 * hash = sketch_hash(s, len); line and col where it is. 0, or -1 with a
 * 70 error when memory runs out.
 */
int colacc_add(struct colacc *a, const char *s, size_t len, uint64_t hash,
	       uint32_t line, uint32_t col, struct mlci_err *err);

/* What colacc_number said of a cell, computed ahead. */
struct colacc_num {
	double v;
	int ok, is_int;
};

/* colacc_add with the work done ahead: hash NULL to have it computed
 * when needed (a live column of numbers never needs it), pre NULL or
 * colacc_number's result for the cell. */
int colacc_add_parsed(struct colacc *a, const char *s, size_t len,
		      const uint64_t *hash, uint32_t line, uint32_t col,
		      const struct colacc_num *pre, struct mlci_err *err);

/* A column that takes its numbers in runs: live (past the exact
 * frequencies), every value so far a number, no frequencies kept and
 * not a boolean one. Its next values, while they are numbers (integers
 * while all_int), may then go through colacc_add_numbers. */
static inline int colacc_takes_numbers(const struct colacc *a)
{
	return a->live && a->all_num && a->freq_state == FREQ_DROPPED &&
		!a->all_bool;
}

#define COLACC_RUN 256

/* For a column colacc_takes_numbers says yes to: add n numbers (none
 * missing, all integers if a->all_int), in order; the same as n
 * colacc_add_parsed calls of them, with the work of each kind of
 * summary done in a loop of its own. 0, or -1 (70). */
int colacc_add_numbers(struct colacc *a, const double *v, size_t n,
		       struct mlci_err *err);

/* Complete the last distinct-count add, which colacc_add leaves
 * pending (colacc_merge, colacc_distinct and colacc_to_json do it
 * themselves, so calling it is never needed for correctness). */
void colacc_flush(struct colacc *a);

/* a absorbs b (b's rows follow a's). 0, or -1 (70). */
int colacc_merge(struct colacc *a, const struct colacc *b,
		 struct mlci_err *err);

/* Integers from here up (in magnitude) may have no double of their own. */
#define COLACC_EXACT_INT 9007199254740992.0	/* 2^53 */

/* colacc_number_key of an integer cell beyond 2^53. */
uint64_t colacc_number_key_big(const char *s, size_t len, double v);

/* A number's identity for distinct counts and row hashes, from its cell
 * (len bytes at s) and colacc_number's v and is_int: by value (0 and -0,
 * 1 and 1.0 one), an integer beyond 2^53 by its exact value. Inline: it
 * runs for every number a row holds. */
static inline uint64_t colacc_number_key(const char *s, size_t len, double v,
					 int is_int)
{
	uint64_t bits;

	if (is_int && (v >= COLACC_EXACT_INT || v <= -COLACC_EXACT_INT))
		return colacc_number_key_big(s, len, v);
	if (v == 0)
		v = 0;
	memcpy(&bits, &v, sizeof(bits));
	return sketch_mix(bits ^ 0x5bd1e9955bd1e995ULL);
}

/* A cell's identity in a row (duplicate rows, rows shared with
 * --against, ID columns): colacc_number_key when colacc_number reads a
 * number, as pandas compares a numeric column's values (1, 1.0 and 01
 * one); else sketch_hash of its bytes (*is_text 1: the hash
 * colacc_add_parsed takes). */
uint64_t colacc_cell_key(const char *s, size_t len, int *is_text);

/* Parse a cell as validate.c always has: an integer (strtol) exactly,
 * else a finite decimal number; 0 ok, -1 not a number; *is_int. */
int colacc_number(const char *s, size_t len, double *out, int *is_int);

/* colacc_number (the same result) for a cell NUL-terminated at len
 * whose buffer may be read up to COLACC_PAD bytes from s whatever len
 * is: the commonest decimal shape without a branch on its length. */
#define COLACC_PAD 32
int colacc_number_pad(const char *s, size_t len, double *out, int *is_int);

/* Distinct values (numbers by value when numeric): exact (*exact = 1)
 * or estimated. */
uint64_t colacc_distinct(const struct colacc *a, int numeric, int *exact);

/* The numbers' distribution for quantiles and histograms: exact from the
 * frequencies while they stand for the sketch, else the KLL's. */
int colacc_view(const struct colacc *a, struct kll_view *out);

/* A KLL sketch of the numbers as JSON (built from the frequencies while
 * they stand for it). New reference, or NULL. */
json_t *colacc_kll_json(const struct colacc *a);

/* The whole state (every sketch in full) for a partial report. */
json_t *colacc_to_json(const struct colacc *a);
int colacc_from_json(struct colacc *a, const json_t *j, const char *path,
		     struct mlci_err *err);

#endif
