/*
 * monitor.h - drift of live data (the requests a served model saw, with
 * its predictions) against the training data's report, figures pushed to
 * a Prometheus Pushgateway, and anomalies of those figures over time: the
 * core of mlci-monitor.
 *
 * Live data: a CSV file, a header row of the model's feature columns and
 * a "prediction" column, one row per predicted row (what mlci-serve
 * --log-requests writes). It is read exactly as mlci-validate-data reads
 * its --data (validate.h; the same options, defaults), into a data
 * report kept in memory, and compared with the reference report by
 * refdrift.h: the same tests, the same thresholds (refdrift_opts), the
 * same "drift" object as mlci-validate-data --data LIVE --reference REF
 * writes (its columns, share, settings), the prediction column being
 * listed in "only_in_data" unless the reference has it.
 *
 * Prediction drift: the live "prediction" column against the reference
 * report's label column (the training labels), or with
 * reference_predictions, against the "prediction" column of that file
 * (mlci-evaluate --predictions on held-out data: key, label, prediction,
 * ...), read into a data report the same way. The comparison is
 * refdrift's label comparison: for classes a chi-square test, JS
 * distance, PSI and each class's share; the prediction drifted when,
 * with more than DRIFT_LARGE_N values on both sides, JS >= the js
 * threshold or PSI >= the psi threshold, else when the chi-square
 * p-value <= alpha (one test: no multiple-testing adjustment); not judged
 * without a p-value below that size. A numeric target gets the numeric
 * test and its decision. Anomalies: prediction_drift (error),
 * prediction_shift (warning: a class's share moved more than
 * max_label_shift), prediction_class_missing (warning),
 * prediction_unseen_in_reference (error: a predicted class the reference
 * never had).
 *
 * History (JSON Lines, one object a line, appended one line per run with
 * a single write): {"version": 1, "timestamp": "YYYY-MM-DDTHH:MM:SSZ",
 * "rows": N, "drift_share": S, "features": {NAME: {"psi": X, "effect": X,
 * "drifted": B}, ...}, "prediction": {"psi": X, "effect": X, "drifted":
 * B} or null}. Tracked figures: drift_share, each compared feature's psi
 * and effect (normalised Wasserstein or JS, what drift is judged by), and
 * the prediction's psi and effect. Each figure's series is its values in
 * the history's lines (oldest first; lines without it are skipped), the
 * window being the last MONITOR_WINDOW of them, then this run's value x:
 *   robust z (Iglewicz-Hoaglin): z = 0.6745 (x - med) / MAD over the
 *     window, MAD = median |w - med|; when MAD is 0, z = (x - med) /
 *     (1.253314 meanAD) (meanAD the mean absolute deviation from the
 *     median); when that is 0 too (a constant window) not judged.
 *     Anomalous when |z| > z (3.5).
 *   EWMA control chart (an individuals chart): center mu the window's
 *     mean, sigma its average moving range / 1.128 (the mean |w_i -
 *     w_{i-1}|, which a slow trend hardly inflates, unlike the standard
 *     deviation); the EWMA E_0 = mu, E_t = lambda v_t + (1 - lambda)
 *     E_{t-1} runs over the window then x (t = 1..T); the limit at T is
 *     L sigma sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^(2T)));
 *     anomalous when |E_T - mu| > limit. Undefined when sigma is 0.
 *   A figure is judged when the window holds at least min_history
 *   (MONITOR_MIN_HISTORY, 10) values and one of the checks is defined. A
 *   jump shows in z; a slow slide, which drags the window's median and
 *   MAD along (|z| stays small), shows in the EWMA, which follows the
 *   recent values away from the window's mean while the moving range
 *   stays the noise's. On a stable series each check flags about 0.3% of
 *   the runs of each figure (3 sigma). Anomaly: history_anomaly (error),
 *   one per figure flagged.
 *
 * Alarm: any error-severity anomaly (dataset_drift, a drift at severity
 * error, prediction_drift, prediction_unseen_in_reference,
 * history_anomaly). Outputs: monitor.json (kind mlci.monitor, schema
 * shared/schemas/monitor.schema.json) written atomically, then the
 * history line appended. Pushing (pushgw.h) happens before monitor.json
 * is written, so it records the push; a failed push still writes both.
 */
#ifndef MLCI_MONITOR_H
#define MLCI_MONITOR_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "pushgw.h"
#include "refdrift.h"
#include "util.h"

#define KIND_MONITOR "mlci.monitor"
#define SCHEMA_MONITOR 1

#define MONITOR_Z 3.5			/* robust z threshold */
#define MONITOR_EWMA_LAMBDA 0.2
#define MONITOR_EWMA_L 3.0
#define MONITOR_MIN_HISTORY 10		/* values before a figure is judged */
#define MONITOR_WINDOW 50		/* the most recent values used */
#define MONITOR_PREDICTION "prediction"	/* the live prediction column */

/* ---- pure time-series checks ---- */

/* The median of x[0..n-1] (n > 0; x is not changed). 0 for n = 0. */
double monitor_median(const double *x, size_t n);

/*
 * Robust z of x against w[0..n-1] (see above): *z, *med and *scale
 * (MAD, or 0.6745 * 1.253314 meanAD when MAD is 0, so that z =
 * 0.6745 (x - med) / scale either way). 0, or 1 when undefined (n 0, or
 * a constant window: *z 0). -1 on out of memory.
 */
int monitor_robust_z(const double *w, size_t n, double x, double *z,
		     double *med, double *scale);

struct monitor_ewma {
	double center;		/* mu: the window's mean */
	double sigma;		/* average moving range / 1.128 */
	double ewma;		/* E_T */
	double limit;		/* the control limit's half width at T */
	size_t t;		/* T: the window's values and x */
};

/*
 * EWMA chart of v[0..n-1]: the window, then the value judged last
 * (see above); lambda in (0, 1], L > 0. 0 (filled), 1 when undefined
 * (n < 3, or sigma 0), -1 on bad arguments.
 */
int monitor_ewma(const double *v, size_t n, double lambda, double L,
		 struct monitor_ewma *out);

/* ---- the history ---- */

struct monitor_history {
	json_t **lines;		/* each line's object (owned) */
	size_t n;
};

/*
 * Parse a history's JSON Lines (len bytes of data; blank lines skipped,
 * a last line without its newline read): each line an object with
 * "version" 1, a number "drift_share" and an object "features". 65
 * naming path and the line otherwise. Free with monitor_history_free.
 */
int monitor_history_parse(const char *data, size_t len, const char *path,
			  struct monitor_history *h, struct mlci_err *err);

void monitor_history_free(struct monitor_history *h);

struct monitor_opts;

/*
 * Judge every figure of cur (a history line: this run's) against h: its
 * entries go into out's "figures" array, an anomaly per flagged figure
 * into anoms (a JSON array), and *flagged counts them. No figure is ever
 * NaN or infinite (values whose sums overflow leave the check
 * undefined). 0, or -1 (70, out of memory).
 */
int monitor_history_judge(const struct monitor_opts *o,
			  const struct monitor_history *h, const json_t *cur,
			  json_t *out, json_t *anoms, size_t *flagged,
			  struct mlci_err *err);

/* ---- the run ---- */

struct monitor_opts {
	struct refdrift_opts *drift;	/* reference and thresholds */
	const char *live;		/* the live CSV */
	const char *reference_predictions;	/* or NULL: the reference's label */
	const char *out;		/* monitor.json */
	const char *history;		/* JSON Lines, or NULL */
	double z;			/* MONITOR_Z */
	double ewma_lambda;		/* MONITOR_EWMA_LAMBDA */
	double ewma_l;			/* MONITOR_EWMA_L */
	long min_history;		/* MONITOR_MIN_HISTORY */
	const char *producer;		/* "mlci-monitor" */
	/* the Pushgateway, or url NULL */
	struct pushgw_opts push;
	unsigned threads;		/* reading threads (validate.h); 0: default */
};

/* Defaults for every field but drift, live, out. */
void monitor_opts_init(struct monitor_opts *o);

/* Range checks of z, lambda, L, min_history (64). */
int monitor_check_opts(const struct monitor_opts *o, struct mlci_err *err);

struct monitor_result {
	json_t *report;		/* monitor.json as written (owned) */
	size_t rows;		/* live rows */
	long long epoch;	/* when (SOURCE_DATE_EPOCH or now) */
	size_t compared, drifted;
	double share;
	int prediction_compared, prediction_drifted;
	size_t history_runs;	/* lines read from the history */
	size_t history_anomalies;
	int alarm;
	int push_failed;	/* a push was asked for and failed */
	struct mlci_err push_err;	/* why */
};

/* The metric names monitor_metrics writes (NULL-terminated), and the
 * label names its samples use (reserved for --label). */
extern const char *const monitor_metric_names[];
extern const char *const monitor_metric_labels[];

/*
 * The exposition text of a finished run's figures (pushgw.h's format):
 * gauges mlci_monitor_* (monitor_metric_names). 0, or -1 (memory).
 */
int monitor_metrics(const json_t *report, long long epoch, struct buf *out);

/*
 * Load the reference (and reference predictions), read the live data
 * and the history, compare, judge, push (when asked), write monitor.json
 * and append to the history. Errors (nothing written): 64 options, 65
 * bad CSV (file:line), report or history line (file:line), 66 a missing
 * input (a missing history is an empty one), 73/74 outputs. A failed
 * push is not an error: see res->push_failed. Free res with
 * monitor_result_free.
 */
int monitor_run(const struct monitor_opts *o, struct monitor_result *res,
		struct mlci_err *err);

void monitor_result_free(struct monitor_result *res);

/* The one-line summary mlci-monitor prints. 0, or -1 (memory). */
int monitor_summary(const struct monitor_opts *o,
		    const struct monitor_result *res, struct buf *out);

#endif
