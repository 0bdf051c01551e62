/*
 * serve_req.h - mlci-serve's request bodies: rows to predict, read from
 * JSON or CSV into a frame in the model's feature order, and the JSON
 * answer rendered from the predictions.
 *
 * JSON bodies: {"rows": [ROW, ...]} or a bare array [ROW, ...], each ROW
 * an object with one key per feature of the model (null: a missing
 * value). A numeric feature takes a number or null; a categorical one a
 * string, a number (read as its text) or null. A key that is the model's
 * label is ignored; any other unknown key, a missing feature, a repeated
 * key, a value of the wrong type, or an empty list of rows is refused.
 * CSV bodies: a header row naming every feature (the label and nothing
 * else may also appear), then one record per row; the default reader
 * options of csv.h (comma, RFC 4180 quoting, missing-value tokens
 * CSV_DEFAULT_NA).
 *
 * Every refusal is a 65 error that says where: "rows[3]: column 'age'
 * is numeric: expected a number or null, found a string", "invalid JSON
 * at line 1, column 17 (byte 16): ..."; a CSV body's errors name the
 * file "request body" with a line and column (err_format: "request
 * body:4:9: expected a number in column 'age', found 'abc'").
 */
#ifndef MLCI_SERVE_REQ_H
#define MLCI_SERVE_REQ_H

#include <stddef.h>

#include "csv.h"
#include "error.h"
#include "model.h"
#include "util.h"

/* Rows to predict: f has the model's features as columns, in order, and
 * cells that are NULL (missing) or text (owned by the struct). */
struct serve_rows {
	struct frame f;
	/* the storage behind f's cells (private) */
	struct frame csv;
	char *text;
	size_t *off;
};

/*
 * Parse n bytes of body (csv: a CSV body, else JSON) for model m into r.
 * Errors: 65 as described above; 70
 * when memory runs out. Free r with serve_rows_release (also after
 * failure).
 */
int serve_rows_parse(struct serve_rows *r, const struct model *m,
		     const char *body, size_t n, int csv, struct mlci_err *err);

void serve_rows_release(struct serve_rows *r);

/*
 * Append the answer for nrows rows to out:
 *   {"model": NAME, "version": VER, "n_rows": N, "classes": [...],
 *    "predictions": [{"prediction": CLASS, "probabilities":
 *    {CLASS: P, ...}}, ...]}
 * for a classifier (pred: nrows * nclasses probabilities, the predicted
 * class the first of the highest), or "predictions": [{"prediction": V}]
 * for a regressor (pred: nrows values). Numbers are printed to read back
 * exactly ("%.15g" when that does, else "%.17g"; non-finite ones as
 * null). -1 when memory runs out.
 */
int serve_render(const struct model *m, const char *name, const char *version,
		 const double *pred, size_t nrows, struct buf *out);

/* The index of the highest of p[0..k) (the first of ties). */
size_t serve_argmax(const double *p, size_t k);

/* Append s to out as a JSON string (quoted, escaped); -1 out of memory. */
int serve_json_string(struct buf *out, const char *s);

/* Append s to out as one CSV field (quoted when it holds a comma, quote,
 * CR or LF; NULL, a missing value, as nothing); -1 out of memory. */
int serve_csv_field(struct buf *out, const char *s);

#endif
