/*
 * leakage.h - what training data and test (or serving) data should not
 * share: the same rows, identifier values, and features that give the
 * label away.
 *
 * Built to stream: rows and values are fed one at a time, and memory grows
 * with the number of distinct rows of the first file (8 + 4 bytes each in
 * an open-addressing table) and with the distinct values of each feature
 * up to a cap, never with the second file.
 *
 * Rows are compared by a 64-bit hash of their cells, with each cell's
 * length and a missing cell distinct from an empty one, so "a","b" and
 * "ab","" differ; two different rows share a hash with probability about
 * n^2 / 2^65 (for a million distinct rows, under 3e-8).
 */
#ifndef MLCI_LEAKAGE_H
#define MLCI_LEAKAGE_H

#include <stddef.h>
#include <stdint.h>

/* The hash of one row: cells[i] NULL for a missing cell. */
uint64_t leak_row_hash(const char *const *cells, size_t n);

/* A multiset of row hashes (the first file's rows). */
struct leak_rows {
	uint64_t *key;		/* 0 marks an empty slot (a zero hash is stored as 1) */
	uint32_t *count;
	size_t cap, used;
	size_t rows;		/* rows added, duplicates included */
};

/* Empty set; leak_rows_free releases it. */
void leak_rows_init(struct leak_rows *s);
void leak_rows_free(struct leak_rows *s);

/* Add one row hash. 0, or -1 when memory runs out. */
int leak_rows_add(struct leak_rows *s, uint64_t h);

/* How many rows with hash h were added (0 when none). */
size_t leak_rows_count(const struct leak_rows *s, uint64_t h);

/*
 * Does one column give the label away? Fed (value, label) pairs, it keeps
 * for each distinct value the first label seen with it and whether
 * another label ever came with it, up to LEAK_MAX_VALUES distinct values
 * (past that the column is too fine-grained to judge and is left out).
 * A column is a perfect predictor when every value came with one label
 * only, there are at least two labels, and it is not an identifier
 * (fewer distinct values than half the rows), so a lookup table from
 * value to label would be right on every training row.
 */
#define LEAK_MAX_VALUES 65536

struct leak_purity {
	uint64_t *key;		/* hash of the value (0: empty slot) */
	uint64_t *label;	/* hash of its first label */
	unsigned char *mixed;	/* 1 once another label came with the value */
	size_t cap, used;
	size_t rows;		/* pairs fed, missing values excluded */
	size_t mixed_values;	/* values seen with two or more labels */
	uint64_t first_label;	/* to tell whether two labels exist at all */
	int two_labels;
	int overflow;		/* more than LEAK_MAX_VALUES distinct values */
};

void leak_purity_init(struct leak_purity *p);
void leak_purity_free(struct leak_purity *p);

/* Feed one row's (value, label); NULL value or label: skipped. 0 or -1
 * (memory). */
int leak_purity_add(struct leak_purity *p, const char *value,
		    const char *label);

/* The same with the hashes of the value and the label (any 64-bit
 * hash, the same for equal strings), for a caller that has them. */
int leak_purity_add_hash(struct leak_purity *p, uint64_t value_hash,
			 uint64_t label_hash);

/* 1 when the column predicts the label perfectly (see above), else 0. */
int leak_purity_perfect(const struct leak_purity *p);

#endif
