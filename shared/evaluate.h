/*
 * evaluate.h - the mlci-evaluate run: load model.json and a CSV, predict
 * every row, score the predictions against the label column, and write
 * metrics.json (mlci.metrics, schema 1) and optionally predictions.csv.
 * Or, with --scored, read predictions made elsewhere (label, prediction
 * and score columns of a CSV) and compute the same metrics and files.
 *
 * metrics.json, besides the envelope (inputs: role "model" = model.json
 * and its sha256, role "data" = the CSV and its sha256; with --scored one
 * input, role "scored"):
 *   task              "classification" | "regression"
 *   label             the label column (the model's)
 *   n_rows            rows scored (rows with a label value)
 *   n_skipped         rows whose label is missing (an NA token or empty):
 *                     not scored and not in predictions.csv (their
 *                     features are still read: a malformed one is an error)
 *   metrics           flat name -> number or null: every metric of
 *                     scored_metrics (scored.h; definitions in metrics.h).
 *                     A metric that applies but is undefined on this data
 *                     (roc_auc with one class present, r2 on one row,
 *                     cohen_kappa with one label) is null, with a warning
 *                     saying why; never NaN. The score metrics (log_loss,
 *                     roc_auc*, average_precision*, brier_score, ece)
 *                     need scores: a --scored file without
 *                     --score-columns has none of them.
 *   intervals         with --bootstrap N: metric -> {low, high,
 *                     resamples}, the percentile interval at --confidence
 *                     over the resamples where the metric was defined
 *                     (low and high null when it never was)
 *   bootstrap         with --bootstrap: {method "percentile", resamples,
 *                     seed, level}; the same seed gives the same intervals
 *   predictions       with --predictions: {path, sha256, rows, key}: the
 *                     predictions file (format in scored.h), its sha256,
 *                     its row count, and the key column ("row" when the
 *                     key is the 0-based data row number)
 *   per_class         class -> {precision, recall, f1, support}
 *   confusion_matrix  {labels, matrix}: matrix[true][predicted]
 *   warnings          strings (zero division, skipped rows, unseen labels)
 *   operational       with --operational (model path only): figures of
 *                     the model in use, kept apart from metrics so that
 *                     the gate's baseline, interval and paired logic
 *                     never treats them as quality metrics:
 *                     model_bytes (model.json's size), latency_p50_ms and
 *                     latency_p95_ms (per row), batch_latency_p50_ms and
 *                     batch_latency_p95_ms, batch_rows, batches,
 *                     rows_per_second, peak_rss_mb, method. Method: after
 *                     the evaluation's own prediction of every row (which
 *                     also warms caches), the rows are split into
 *                     consecutive batches of batch_rows (a last, shorter
 *                     batch is left out unless it is the only one), each
 *                     predicted again from the parsed CSV cells
 *                     (preprocessing included, reading the file not) and
 *                     timed with CLOCK_MONOTONIC; a batch's per-row
 *                     latency is its time over its rows; p50 and p95 are
 *                     numpy's linear quantiles over the batches;
 *                     rows_per_second is the timed rows over their total
 *                     time. peak_rss_mb is getrusage's ru_maxrss (the
 *                     process's peak resident set, KiB / 1024) at the end
 *                     of the evaluation. Timed figures differ from run to
 *                     run, so metrics.json is then not byte-reproducible.
 *   (with --html FILE the report page of evalhtml.h is written too, with
 *   the other outputs: all of them or none)
 *   slicing, slices   with --slice-by: every metric per slice, as
 *                     slices.h describes (the slice columns are read from
 *                     --data, or from the --scored file; they need not be
 *                     features of the model); with --bootstrap each
 *                     slice has its intervals (the same seed, resampling
 *                     the slice's rows)
 *
 * The label set (per_class, confusion_matrix, the macro and weighted
 * averages) is scikit-learn's default: the labels occurring in the true
 * or the predicted values, in the model's class order. A label value the
 * model never saw in training is kept as a class of its own (the model
 * can never predict it, so its recall is 0), listed after the model's
 * classes in byte order, and warned about; log_loss treats it as a class
 * the model gives probability 0 (clipped to eps). When NO label value is
 * a class of the model the run fails (65): that is a wrong file or
 * missing --label-suffix, not an evaluation.
 *
 * The predicted class is the most probable one (the first on a tie).
 * predictions.csv: key, label, prediction, and for classifiers
 * proba_<class> per model class (scored.h).
 *
 * --scored FILE --label-column Y --prediction-column YHAT: the rows with
 * a label value are scored (a missing prediction is an error at its
 * line:col). --task classification (default) or regression. The classes
 * are the label and prediction values, sorted as mlci-train sorts them
 * (numerically when all are numbers, else by bytes). --score-columns
 * P1,...,Pk gives one score column per class in that order, or, with two
 * classes, one column: the score of the second class (the positive one;
 * the first gets 1 - score). Without score columns the score metrics are
 * not computed. --key-column COL (both modes) keys each row in the
 * predictions file by COL's value, which must be present and unique;
 * without it the key is the 0-based data row number.
 */
#ifndef MLCI_EVALUATE_H
#define MLCI_EVALUATE_H

#include <stddef.h>

#include <jansson.h>

#include "csv.h"
#include "error.h"
#include "util.h"

struct evaluate_opts {
	const char *model;		/* model.json */
	const char *data;		/* CSV to evaluate on */
	const char *out;		/* metrics.json */
	const char *predictions;	/* predictions.csv, or NULL */
	struct csv_opts csv;
	const char *label_suffix;	/* dropped from label values, or NULL */
	const char *producer;		/* "mlci-evaluate" */
	/* --scored: predictions made elsewhere (then model and data NULL) */
	const char *scored;
	const char *label_column, *prediction_column;
	const char *score_columns;	/* "P1,P2,..." or NULL */
	const char *task;		/* "classification" (NULL) or "regression" */
	const char *key_column;		/* row keys, or NULL: the row number */
	long bootstrap;			/* resamples, 0: no intervals */
	long seed;			/* of the resampling generator */
	double confidence;		/* interval level, e.g. 0.95 */
	/* --slice-by (repeatable): "col" or "col1,col2" per slicing */
	const char *const *slice_by;
	size_t nslice_by;
	long min_slice_size;		/* at least 1 (the step's default:
					 * SLICES_DEFAULT_MIN_SIZE) */
	int operational;		/* measure size, latency, memory */
	const char *html;		/* the HTML report (evalhtml.h), or NULL */
	long latency_batch;		/* rows per timed batch (0: the default) */
};

#define EVALUATE_DEFAULT_LATENCY_BATCH 100

#define EVALUATE_MAX_BOOTSTRAP 100000

struct evaluate_result {
	int classifier;
	size_t n_rows, n_skipped;
	json_t *artifact;	/* metrics.json as written (owned) */
	char *report;		/* classification: sklearn's classification_report
				 * text (digits=2); regression: a metric table */
};

/*
 * Run the evaluation and write o->out (and o->predictions) atomically:
 * on any error nothing is left at either path. Errors: 64 --out and
 * --predictions the same file, or an output naming an input; 66 a
 * missing input; 65 a model.json of the wrong kind or version, malformed
 * CSV, label column absent, a non-number in a numeric feature or a
 * regression label (file:line:col), no labelled rows, no known class, a
 * key missing or repeated; 64 --scored mixed with --model/--data, a
 * --score-columns count that fits no class count, bad --bootstrap,
 * --seed or --confidence;
 * 73/74 writing. r is filled only on success (evaluate_result_free it).
 */
int evaluate_run(const struct evaluate_opts *o, struct evaluate_result *r,
		 struct mlci_err *err);

/* Free what r holds; safe on a zeroed result. */
void evaluate_result_free(struct evaluate_result *r);

/* Append the one-line summary ("569 rows of FILE: accuracy 0.9649, ...;
 * 21 slices (2 small); wrote OUT") to out, no newline. -1 out of memory. */
int evaluate_summary(const struct evaluate_opts *o,
		     const struct evaluate_result *r, struct buf *out);

#endif
