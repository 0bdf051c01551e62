/*
 * refdrift.h - drift and skew of a data report against a reference data
 * report (mlci-validate-data --reference), and the label checks against
 * it. The reference is a stored mlci.data-report (of the training data,
 * possibly the --merge of shards): no raw reference data is needed.
 *
 * Both sides come from reports, read the same way (the current side from
 * the report just built): a numeric column's weighted sample is its exact
 * "frequencies" (each value as written, parsed as a number, weighted by
 * its count) while the column has at most 4096 distinct values, else its
 * KLL sketch's items with their weights, whose rank error is the column's
 * "sketch_error.quantiles"; a categorical (or boolean) column's counts are
 * its exact frequencies. The statistics are drift.h's: numeric columns
 * KS, Wasserstein (raw, and normalised by the reference's population
 * standard deviation, taken from the report's exact moments), PSI over
 * the reference's deciles; categorical columns chi-square, Jensen-Shannon
 * distance, PSI over the categories, and for information TFDV's
 * L-infinity distance (the largest change of a category's share); PSI's
 * empty bins are smoothed (+0.5 per bin), so no figure is ever infinite
 * or NaN. Each column's missing rate is given beside the reference's.
 *
 * Judging a column (drift.h's drift_numeric / drift_categorical pick the
 * test): while either side has at most 1000 values, by the test's
 * p-value after Benjamini-Hochberg across every column with a p-value
 * (q <= alpha, default 0.05: a 5% false discovery rate over the
 * columns); with more than 1000 on both sides every p-value is tiny for
 * a shift of no consequence, so by effect size: normalised Wasserstein
 * >= 0.1 (a tenth of the reference's standard deviation) or
 * Jensen-Shannon >= 0.1, or PSI >= 0.25 (the credit-scoring convention:
 * below 0.1 stable, 0.1 to 0.25 moderate, above 0.25 a significant
 * shift). Fewer than 5 values on a side, or no p-value (categories too
 * sparse for chi-square even pooled) with at most 1000: not judged. Sketched columns'
 * KS p-values are computed from D minus the rank error (conservative).
 * The share is drifted / compared columns (those in both reports with
 * comparable types and values on both sides, the label left out); above
 * max_share (0.5) it is a dataset_drift error.
 *
 * Anomalies: drift (warning; per column severity=), dataset_drift
 * (error), reference_type_mismatch (warning: a column numeric on one side
 * and not on the other is not compared), and with a label: label_shift
 * (warning: a class's share moved by more than max_label_shift, 0.1),
 * label_class_missing (warning: a reference class absent here),
 * label_unseen_in_reference (error: a class the reference never had). A
 * numeric label that does not look like classes (more than 50 distinct
 * values, or more than half as many as values) gets the numeric drift
 * test instead, and label_drift (warning) when it drifts.
 */
#ifndef MLCI_REFDRIFT_H
#define MLCI_REFDRIFT_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "hash.h"
#include "validate.h"

#define REFDRIFT_ALPHA 0.05		/* BH false discovery rate */
#define REFDRIFT_PSI 0.25		/* PSI: significant shift */
#define REFDRIFT_WASSERSTEIN 0.1	/* normalised Wasserstein */
#define REFDRIFT_JS 0.1			/* Jensen-Shannon distance (base 2) */
#define REFDRIFT_MAX_SHARE 0.5		/* drifted / compared columns */
#define REFDRIFT_LABEL_SHIFT 0.1	/* a class's share, absolute */

/* One column's thresholds (--drift-threshold 'COL:psi=0.3,alpha=0.01'):
 * a negative value (or severity -1) keeps the global one. */
struct refdrift_col {
	char *column;
	double alpha, psi, wasserstein, js;
	int severity;		/* enum severity, or -1 */
	int off;		/* 'COL:off': not compared */
};

struct refdrift_opts {
	const char *reference;	/* the reference report's path */
	double alpha, psi, wasserstein, js, max_share, max_label_shift;
	int severity;		/* of drift anomalies (SEV_WARNING) */
	struct refdrift_col *cols;
	size_t ncols;
};

/* Defaults (the REFDRIFT_* values) and no per-column thresholds. */
void refdrift_opts_init(struct refdrift_opts *o);

/* Parse and append one --drift-threshold spec: COL:off, or
 * COL:KEY=V[,KEY=V...] with KEY alpha, psi, wasserstein, js (numbers
 * >= 0; alpha in (0, 1]) or severity (error, warning, info). The column
 * is everything before the last ':'. 64 on a bad spec. */
int refdrift_add_threshold(struct refdrift_opts *o, const char *spec,
			   struct mlci_err *err);

/* Check the global thresholds' ranges (64). */
int refdrift_check_opts(const struct refdrift_opts *o, struct mlci_err *err);

/* What the command line gave, checked as a whole (64): severity is
 * "error", "warning" or "info" (or NULL), thr the --drift-threshold
 * specs; without a reference, any drift option given is an error (it
 * would be silently ignored). */
int refdrift_opts_finish(struct refdrift_opts *o, const char *severity,
			 const char *const *thr, size_t nthr,
			 struct mlci_err *err);

void refdrift_opts_free(struct refdrift_opts *o);

struct refdrift_side;	/* one column of a report, as drift inputs */

/* A loaded, checked reference report. */
struct refdrift_ref {
	const struct refdrift_opts *opts;
	json_t *art;
	char sha[SHA256_HEX_LEN + 1];
	const char *label;	/* the reference's label column, or NULL */
	struct refdrift_side *cols;
	size_t ncols;
};

/*
 * Load o->reference and read every column: 66 missing; 65 naming the
 * file (one line) when it is not JSON, not a data report (a model, ...),
 * a shard's partial report, of an unknown schema_version, or a column is
 * malformed; 64 when a --drift-threshold names a column the reference
 * does not have. Free with refdrift_ref_free (also after an error).
 */
int refdrift_load(const struct refdrift_opts *o, struct refdrift_ref *ref,
		  struct mlci_err *err);

/* As refdrift_load, from a data report already in memory (one just
 * built, with its data file's sha256 or NULL): the ref takes a reference
 * of its own to report; o->reference names it in errors and in the
 * comparison's "reference". */
int refdrift_load_report(const struct refdrift_opts *o, json_t *report,
			 const char *sha, struct refdrift_ref *ref,
			 struct mlci_err *err);

void refdrift_ref_free(struct refdrift_ref *ref);

/* What refdrift_apply found, for the summary line. */
struct refdrift_summary {
	size_t compared, drifted;
	double share;
};

/*
 * Compare report (a data report just built; label its label column, or
 * NULL) with the reference: append the anomalies to a, add the "drift"
 * object and the reference input to report, and rewrite its
 * "anomalies", "summary" and "verdict" from a. 65 when the report's
 * own columns cannot be read, 70 out of memory.
 */
int refdrift_apply(const struct refdrift_ref *ref, json_t *report,
		   const char *label, struct anomalies *a,
		   struct refdrift_summary *sum, struct mlci_err *err);

#endif
