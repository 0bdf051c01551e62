/*
 * scored.h - a set of scored examples (true label, prediction, scores)
 * and everything computed from it: the metric table, bootstrap
 * intervals, and the per-example predictions file.
 *
 * mlci-evaluate fills a scored set from a model's predictions or from a
 * file of predictions made elsewhere (--scored); mlci-gate reads two
 * predictions files back into scored sets to compare a candidate with
 * its baseline on the same rows. Both compute metrics through
 * scored_metrics, so a metric means the same in metrics.json, in a
 * bootstrap interval and in a paired test.
 *
 * Classification: codes 0..K-1 are the classes with a score column
 * (a model's classes, in its order), K..L-1 further label values (ones
 * the model never saw, or, without scores, every class). The metrics'
 * label set is sklearn's default: the codes occurring in y_true or
 * y_pred, in code order. Regression: y and p.
 *
 * The predictions file (RFC 4180 CSV, written by mlci-evaluate
 * --predictions, read by mlci-gate):
 *     key,label,prediction[,proba_<class>...]
 * key is the row's key (--key-column's value, or the 0-based data row
 * number), unique within the file; label the true value; prediction the
 * predicted class (or value, regression); then one score column per
 * class with scores, named proba_<class>, in class order. Numbers are
 * the shortest text that reads back to the same double. Rows whose label
 * is missing are not in it.
 */
#ifndef MLCI_SCORED_H
#define MLCI_SCORED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "metrics.h"

struct scored {
	int classifier;
	size_t n;		/* examples */
	size_t K;		/* classes with a score column (0: no scores) */
	size_t L;		/* label codes in all (classification) */
	const char **names;	/* L class names (not owned) */
	size_t *y_true, *y_pred;	/* n codes < L */
	double *proba;		/* n * K scores, row-major, or NULL */
	double *y, *p;		/* regression: n true and predicted values */
	const char **keys;	/* n row keys (not owned), or NULL */
};

#define SCORED_MAX_METRICS 32

/* The metrics of a scored set, in a fixed order. An undefined metric
 * (defined 0) has why set: "only one class is present", ... */
struct metric_table {
	size_t n;
	const char *name[SCORED_MAX_METRICS];
	double value[SCORED_MAX_METRICS];
	int defined[SCORED_MAX_METRICS];
	const char *why[SCORED_MAX_METRICS];
	int ap_no_positive;	/* average precision met a class without
				 * positives (0, as sklearn, with a warning) */
};

/*
 * Every metric of the m examples idx[0..m-1] of s (idx NULL: all of s),
 * as in metrics.h. Classification: accuracy, balanced_accuracy,
 * precision_/recall_/f1_ micro|macro|weighted, mcc, cohen_kappa, and
 * with scores log_loss, brier_score, ece, and roc_auc, average_precision
 * (K == 2, positive = code 1) or roc_auc_ovr_macro, roc_auc_ovr_weighted,
 * average_precision_macro (K > 2). Regression: mse, rmse, mae, r2, mape,
 * median_absolute_error, explained_variance, max_error.
 * When cm is not NULL it gets the class metrics over the label set and
 * labels (malloc'd, cm->k codes) the code of each of its labels.
 * A value that overflows a double is undefined ("its value overflows"),
 * as are brier_score and ece when a score is outside [0, 1] (sklearn's
 * brier_score_loss refuses those).
 * Returns 0, or -1 with err set (70 memory; 65 a non-finite score).
 */
int scored_metrics(const struct scored *s, const size_t *idx, size_t m,
		   struct metric_table *t, struct class_metrics *cm,
		   size_t **labels, struct mlci_err *err);

/* One metric of scored_metrics, computing only what it needs (the
 * paired bootstrap's inner loop): *defined 0 when it is undefined or not
 * a metric of s. Same value as scored_metrics gives. */
int scored_metric(const struct scored *s, const size_t *idx, size_t m,
		  const char *name, double *value, int *defined,
		  struct mlci_err *err);

/* Index of name in t, or -1. */
int metric_table_find(const struct metric_table *t, const char *name);

/* ---- resampling ---- */

/* splitmix64: the generator every resampling uses, so that a seed gives
 * the same resamples on every machine (and in tests/ref). */
uint64_t scored_rng_next(uint64_t *state);

/* A uniform index below n from the generator: the high 64 bits of the
 * 128-bit product r * n. */
size_t scored_rng_index(uint64_t *state, size_t n);

/* numpy's default (linear) quantile q of the n sorted values v. */
double scored_quantile(const double *v, size_t n, double q);

struct interval {
	double low, high;
	size_t resamples;	/* resamples where the metric was defined */
};

/*
 * Percentile bootstrap: B resamples of n rows drawn with replacement
 * (resample b draws n indices in turn from one generator seeded with
 * seed), every metric recomputed on each; out[i] (for the metric t->name[i]
 * of scored_metrics on all rows) gets the (1-level)/2 and (1+level)/2
 * quantiles of the values where it was defined (resamples 0: none, also
 * when a bound would not be a finite number).
 */
int scored_bootstrap(const struct scored *s, size_t B, uint64_t seed,
		     double level, const struct metric_table *t,
		     struct interval *out, struct mlci_err *err);

/* ---- the predictions file ---- */

/* Write s as the predictions file above to fp (keys NULL: row numbers
 * rows[i], or i when rows is NULL). */
void scored_write_predictions(FILE *fp, const struct scored *s,
			      const size_t *rows);

/* A predictions file read back; owns everything s points to. */
struct scored_file {
	struct scored s;
	void *priv;
	char sha256[65];
};

/*
 * Read a predictions file written for a task (classifier 1 or 0). The
 * classes with scores are the proba_ columns in order; other label or
 * prediction values follow in byte order. Errors (65, naming the file
 * and line): a missing column, a repeated key, a score or regression
 * value that is not a finite number; 66 missing.
 */
int scored_read_predictions(struct scored_file *f, const char *path,
			    int classifier, struct mlci_err *err);

void scored_file_free(struct scored_file *f);

#endif
