/*
 * slices.h - the metrics of a scored set per slice: per combination of
 * the values of some columns of the evaluation data (mlci-evaluate
 * --slice-by).
 *
 * A slicing names one or more columns; its slices are the distinct
 * combinations of their values among the scored rows. A missing value
 * (an NA token or an empty cell) is a value of its own: those rows form
 * their own slice, written null. Slices are ordered by their values,
 * column by column, in byte order, the missing value last.
 *
 * Each slice's metrics are scored_metrics over its rows alone, so the
 * label set is that of the slice (sklearn called on the slice's rows):
 * the codes occurring in the slice's true or predicted values. A slice
 * with fewer rows than the minimum size is listed with its row count
 * and small: true, and without metrics (a gate rule over it is
 * inconclusive). A metric undefined on a slice (roc_auc where only one
 * class occurs) is null.
 *
 * JSON (metrics.json):
 *   slicing  {by: [[col, ...], ...], min_size}: one list per slicing
 *   slices   [{by: {col: value | null, ...}, n, small, metrics {...},
 *             intervals {...} with a bootstrap}], the slicings in the
 *             order given, each one's slices in the order above
 */
#ifndef MLCI_SLICES_H
#define MLCI_SLICES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "csv.h"
#include "error.h"
#include "scored.h"

#define SLICES_DEFAULT_MIN_SIZE 30
#define SLICES_MAX 1000		/* slices over all slicings */
#define SLICES_MAX_COLS 8	/* columns per slicing */

struct slices_opts {
	const char *const *by;	/* slicings: "col" or "col1,col2" each */
	size_t nby;
	long min_size;		/* rows below which a slice is small */
	size_t bootstrap;	/* resamples per slice, 0: no intervals */
	uint64_t seed;
	double level;
};

/*
 * Slice the scored set s (row i of s is row rows[i] of f) and set
 * "slicing" and "slices" in art. Errors: 64 an empty or repeated column
 * name in a slicing, more than SLICES_MAX_COLS columns; 65 a column f
 * does not have (naming f's file), more than SLICES_MAX slices; 70
 * memory.
 */
int slices_json(const struct scored *s, const struct frame *f,
		const size_t *rows, const struct slices_opts *o, json_t *art,
		struct mlci_err *err);

/* The metric table as JSON: name -> number, or null when undefined.
 * NULL out of memory. */
json_t *slices_metric_object(const struct metric_table *t);

#endif
