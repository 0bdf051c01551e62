/*
 * evaluate.h - the mlci-evaluate run: load model.json and a CSV, predict
 * every row, score the predictions against the label column, and write
 * metrics.json (mlci.metrics, schema 1) and optionally predictions.csv.
 *
 * metrics.json, besides the envelope (inputs: role "model" = model.json
 * and its sha256, role "data" = the CSV and its sha256):
 *   task              "classification" | "regression"
 *   label             the label column (the model's)
 *   n_rows            rows scored (rows with a label value)
 *   n_skipped         rows whose label is missing (an NA token or empty):
 *                     not scored and not in predictions.csv (their
 *                     features are still read: a malformed one is an error)
 *   metrics           flat name -> number. classification: accuracy,
 *                     balanced_accuracy, precision_|recall_|f1_ + micro|
 *                     macro|weighted, log_loss, roc_auc (binary models
 *                     only); regression: mse, rmse, mae, r2. A metric that
 *                     is undefined (roc_auc with one class present, r2 on
 *                     one row) is left out and explained in warnings.
 *   per_class         class -> {precision, recall, f1, support}
 *   confusion_matrix  {labels, matrix}: matrix[true][predicted]
 *   warnings          strings (zero division, skipped rows, unseen labels)
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
 * predictions.csv (RFC 4180): row (0-based data row), label, prediction,
 * and for classifiers proba_<class> per model class.
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
};

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
 * regression label (file:line:col), no labelled rows, no known class;
 * 73/74 writing. r is filled only on success (evaluate_result_free it).
 */
int evaluate_run(const struct evaluate_opts *o, struct evaluate_result *r,
		 struct mlci_err *err);

/* Free what r holds; safe on a zeroed result. */
void evaluate_result_free(struct evaluate_result *r);

/* Append the one-line summary ("569 rows of FILE: accuracy 0.9649, ...;
 * wrote OUT") to out, no newline. -1 out of memory. */
int evaluate_summary(const struct evaluate_opts *o,
		     const struct evaluate_result *r, struct buf *out);

#endif
