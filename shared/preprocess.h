/*
 * preprocess.h - the feature transform that travels inside model.json,
 * fitted on the training frame and applied identically at predict time.
 *
 * Each input column becomes either
 *   numeric:     every non-missing training value parses as a number.
 *                Missing -> the training mean; then (x - mean) / scale,
 *                scale being the population std (ddof 0) computed after
 *                imputation, or 1 for a constant column (scikit-learn's
 *                SimpleImputer(mean) + StandardScaler). One output.
 *   categorical: otherwise. Missing -> the most frequent training value
 *                (ties: the smallest); then one-hot over the categories
 *                seen in training, sorted by byte order (UTF-8 code
 *                point order, as Python sorts). A category not seen in
 *                training encodes as all zeros. One output per category.
 * Outputs are laid out column by column in input order; a categorical
 * column's outputs are named "NAME=CATEGORY".
 *
 * A categorical column may instead be ordinal (prep_set_ordinal: hgb's
 * native categorical splits): one output named "NAME" holding the
 * category's index in the sorted categories, NaN for a missing value and
 * for a category not seen in training. It is recorded in model.json as
 * the column's "encoding": "ordinal" (absent: "onehot").
 *
 * With nan_missing set (families that handle missing values themselves:
 * hgb), a missing numeric value encodes as NaN instead of the mean (the
 * mean and scale are fitted as above). It is recorded in model.json as
 * preprocessing.missing "nan" (absent: "impute"), so prediction encodes
 * the same way.
 */
#ifndef MLCI_PREPROCESS_H
#define MLCI_PREPROCESS_H

#include <stddef.h>

#include <jansson.h>

#include "csv.h"
#include "error.h"

enum prep_kind {
	PREP_NUMERIC,
	PREP_CATEGORICAL,
};

struct prep_col {
	char *name;		/* input column name (owned) */
	enum prep_kind kind;
	double mean, scale;	/* numeric: missing -> mean; (x - mean) / scale */
	char **cats;		/* categorical: sorted, unique (owned) */
	size_t ncats;
	size_t fill;		/* categorical: index of the value for missing */
	size_t offset;		/* index of this column's first output */
	int ordinal;		/* categorical: one output, the category's
				 * index (NaN: missing or unseen) */
	size_t present;		/* numeric: values the fit saw (not stored) */
};

struct prep {
	struct prep_col *cols;
	size_t ncols;
	size_t nout;		/* total outputs (encoded features) */
	int nan_missing;	/* 1: missing numeric values encode as NaN */
};

/* Largest sizes a model may declare: bounds checked before allocating. */
#define PREP_MAX_COLS ((size_t)1 << 20)
#define PREP_MAX_OUT ((size_t)1 << 24)

/*
 * Fit the transform on columns cols[0..ncols) of f (all rows). Returns 0,
 * or -1 with err set (70 out of memory; 65 naming f->path when the
 * encoding would exceed PREP_MAX_OUT outputs). p must be freed.
 */
int prep_fit(struct prep *p, const struct frame *f, const size_t *cols,
	     size_t ncols, struct mlci_err *err);

/* prep_fit with the columns fitted on up to nthreads threads (the result
 * is the same whatever their number). */
int prep_fit_threads(struct prep *p, const struct frame *f, const size_t *cols,
		     size_t ncols, int nthreads, struct mlci_err *err);

/* The number of outputs of column c: 1 for a numeric or an ordinal
 * column, else one per category. */
size_t prep_width(const struct prep_col *c);

/*
 * Make every categorical column of p with at most max_cats categories
 * ordinal and every other one one-hot (max_cats 0: all one-hot, as
 * prep_fit leaves them), recomputing the offsets and nout. Returns the
 * number of categorical columns left one-hot for having more than
 * max_cats categories (0 when max_cats is 0).
 */
size_t prep_set_ordinal(struct prep *p, size_t max_cats);

/* Free what p holds; safe on a zeroed prep. */
void prep_free(struct prep *p);

/*
 * Find each of p's columns in f by name: map gets ncols frame column
 * indexes. A missing column is a 65 error naming f->path.
 */
int prep_bind(const struct prep *p, const struct frame *f, size_t *map,
	      struct mlci_err *err);

/*
 * Encode row r of f into x (p->nout values), columns found through map
 * (from prep_bind). A non-number in a numeric column is a 65 error with
 * f->path:line:col. A streamed frame's numeric column encodes its stored
 * deviation d as d / scale (the same bits as (x - mean) / scale).
 */
int prep_row(const struct prep *p, const struct frame *f, const size_t *map,
	     size_t r, double *x, struct mlci_err *err);

/* 1 when every column of p is a numeric column of the streamed frame f
 * (frame_stream.h), output j coming from the j-th deviation of a row:
 * then f->dev can be encoded where it lies (prep_rows_in_place), or
 * f->devf (prep_rows_f32). */
int prep_in_place(const struct prep *p, const struct frame *f,
		  const size_t *map);

/* Encode rows [r0, r1) of such a frame's deviations (dev: f->dev, p->nout
 * a row) in place, to what prep_row gives for them. */
void prep_rows_in_place(const struct prep *p, double *dev, size_t r0,
			size_t r1);

/*
 * Every row of f encoded as prep_rows_f32 does, by columns: X gets
 * p->nout columns of f->nrows floats, each its own block (free each).
 * A numeric column of a frame read by columns (FRAME_STREAM_COLUMNS) is
 * encoded where it lies and handed over (f->colf's entry becomes NULL).
 * On failure the columns made so far are in X (NULL past them; the
 * caller frees). Errors as prep_row's, or 70.
 */
int prep_columns_f32(const struct prep *p, struct frame *f, const size_t *map,
		     float **X, struct mlci_err *err);

/*
 * Rows [r0, r1) of f encoded as single floats into X (row r at
 * (r - r0) * p->nout): a numeric value's deviation from the mean is
 * rounded to a float, scaled and rounded again (so a file read whole
 * and a float32 streamed read of it give the same bits; see
 * frame_stream.h), the rest as prep_row. With X == f->devf (only when
 * prep_in_place says so) the deviations are encoded where they lie,
 * row r staying at r * p->nout. Errors as prep_row's, or 70.
 */
int prep_rows_f32(const struct prep *p, const struct frame *f,
		  const size_t *map, size_t r0, size_t r1, float *X,
		  struct mlci_err *err);

/*
 * Per column i of p, the rows of f (columns through map) holding a value
 * none of the column's categories: their count into unseen[i] and the
 * first one into first[i] (SIZE_MAX when none). Missing values and
 * numeric columns count 0.
 */
void prep_unseen(const struct prep *p, const struct frame *f, const size_t *map,
		 size_t *unseen, size_t *first);

/* The name of output j ("NAME" or "NAME=CATEGORY") into out. */
void prep_out_name(const struct prep *p, size_t j, char *out, size_t n);

/*
 * Serialise as {"columns": [...], "n_outputs": N, "outputs": [names]}
 * (and "missing": "nan" when nan_missing).
 * Returns a new reference, or NULL when memory runs out.
 */
json_t *prep_to_json(const struct prep *p);

/*
 * Read what prep_to_json wrote, validating every field (types, sorted
 * unique categories, positive finite scales, sizes within the bounds
 * above). Errors are 65 naming file. p must be freed either way.
 */
int prep_from_json(struct prep *p, const json_t *j, const char *file,
		   struct mlci_err *err);

#endif
