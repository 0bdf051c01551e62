/*
 * metrics.h - classification and regression metrics on arrays, defined
 * the way scikit-learn (1.2, Debian's python3-sklearn) defines them,
 * edge cases included. Pure functions: no I/O, no globals.
 *
 * Labels are codes 0..k-1 chosen by the caller; every metric is computed
 * over exactly those k labels, in that order, like sklearn called with
 * labels=[...]. (mlci-evaluate passes the labels that occur in y_true or
 * y_pred, which is sklearn's default label set.)
 *
 * Edge cases (sklearn's zero_division="warn" default: the value is 0 and a
 * warning bit is set; a metric is never NaN):
 *   - precision of a label never predicted: 0, METRICS_WARN_PRECISION;
 *   - recall of a label absent from y_true: 0, METRICS_WARN_RECALL;
 *   - F1 = 2PR/(P+R), and 0 when P+R = 0;
 *   - micro averages pool tp/fp/fn over the labels (with every sample's
 *     labels among the k, micro precision = recall = accuracy);
 *   - macro = unweighted mean over the k labels (zeros above included);
 *     weighted = mean weighted by each label's true support;
 *   - balanced_accuracy = mean recall over the labels present in y_true;
 *     labels only predicted are left out, METRICS_WARN_BALANCED;
 *   - log_loss clips each probability to [eps, 1-eps], eps = DBL_EPSILON
 *     (np.finfo(float64).eps, sklearn 1.2's eps="auto"), renormalises
 *     each row to sum 1, and averages -log(p[true label]);
 *   - roc_auc (binary): area under the ROC curve of score against
 *     "positive"; tied scores count half (the average-rank / trapezoid
 *     rule). Undefined when only one class is present: return 1, no value;
 *   - r2 = 1 - SS_res/SS_tot; constant y_true: 1.0 if the predictions are
 *     exact, else 0.0 (force_finite); fewer than two samples: undefined.
 *   - roc_auc one-vs-rest (multiclass): each class's binary AUC of its
 *     probability column against "is this class"; macro = their mean,
 *     weighted = their mean weighted by each class's true support
 *     (sklearn's multi_class="ovr"). Undefined when a class of the model
 *     is absent from y_true (sklearn raises) or the rows do not sum to 1
 *     (np.allclose, rtol 1e-5, atol 1e-8; sklearn raises).
 *   - average_precision: sum over the distinct thresholds (high to low)
 *     of (R_k - R_{k-1}) * P_k, sklearn's step-wise definition (no
 *     interpolation). No positive sample: 0 and a warning (sklearn 1.2
 *     sets recall to 1 at every threshold, which gives 0).
 *   - brier_score (binary): mean (p_positive - [y is positive])^2, as
 *     sklearn.metrics.brier_score_loss(pos_label=the second class);
 *     multiclass: mean over rows of sum over classes of (p_k - [y = k])^2
 *     (the original Brier score, scikit-learn >= 1.7's multiclass form).
 *   - mcc: Matthews correlation, sklearn's multiclass form
 *     (cov(t,p)/sqrt(cov(t,t)cov(p,p)) over the confusion matrix); 0 when
 *     the denominator is 0, as sklearn.
 *   - cohen_kappa: 1 - sum(off-diagonal observed)/sum(off-diagonal
 *     expected), expected = outer(predicted, true counts)/n; undefined
 *     (sklearn: NaN) when every sample is of one label in both.
 *   - ece (expected calibration error, top label): each row's confidence
 *     is the probability given to its predicted class, and it is correct
 *     when that class is the true one; rows go into METRICS_ECE_BINS (10)
 *     equal-width bins, bin b = min(floor(conf * 10), 9), i.e. [0, 0.1),
 *     [0.1, 0.2), ..., [0.9, 1.0]; ece = sum over non-empty bins of
 *     (n_b / n) * |accuracy_b - mean confidence_b|.
 *   - Sums use numpy's pairwise summation (metrics_sum), so the results
 *     agree with sklearn's to the last bit or nearly so.
 *
 * Regression (sklearn 1.2): mape = mean(|y - p| / max(|y|, DBL_EPSILON))
 * (a fraction, not a percentage; huge when y is 0, never infinite);
 * median_absolute_error = np.median(|y - p|) (the mean of the two middle
 * values for an even count); explained_variance = 1 - var(y - p)/var(y)
 * with force_finite (a zero numerator gives 1.0, a zero denominator with
 * a nonzero numerator 0.0); max_error = max |y - p|.
 */
#ifndef MLCI_METRICS_H
#define MLCI_METRICS_H

#include <stddef.h>

#include "error.h"
#include "util.h"

/* class_metrics.warn bits: sklearn would have warned, value set to 0. */
#define METRICS_WARN_PRECISION 1u	/* a label has no predicted samples */
#define METRICS_WARN_RECALL 2u		/* a label has no true samples */
#define METRICS_WARN_BALANCED 4u	/* y_pred holds labels not in y_true */

#define METRICS_ECE_BINS 10

struct class_metrics {
	size_t k;			/* number of labels */
	size_t n;			/* number of samples */
	size_t *confusion;		/* k*k; [true * k + predicted] */
	size_t *support;		/* per label: samples truly of it */
	size_t *predicted;		/* per label: samples predicted as it */
	double *precision, *recall, *f1;	/* per label */
	double accuracy, balanced_accuracy;
	double precision_micro, recall_micro, f1_micro;
	double precision_macro, recall_macro, f1_macro;
	double precision_weighted, recall_weighted, f1_weighted;
	unsigned warn;			/* METRICS_WARN_* */
};

/*
 * Fill m from n >= 1 true and predicted label codes, each < k. m owns its
 * arrays (class_metrics_free). Returns -1 with a 70 error on n == 0, a
 * code out of range, or out of memory (m is then left freed).
 */
int class_metrics_compute(struct class_metrics *m, const size_t *y_true,
			  const size_t *y_pred, size_t n, size_t k,
			  struct mlci_err *err);

/* Free m's arrays; safe on a zeroed struct. */
void class_metrics_free(struct class_metrics *m);

/*
 * Append scikit-learn's classification_report(y_true, y_pred,
 * digits=digits) text for m to out, byte for byte: header, one row per
 * label named names[0..k-1], a blank line, accuracy, macro avg, weighted
 * avg. The first column is as wide as the longest name in characters
 * (UTF-8 code points), at least 12 ("weighted avg"). -1 out of memory.
 */
int metrics_report_text(const struct class_metrics *m,
			const char *const *names, int digits, struct buf *out);

/*
 * Mean log loss of n rows of k probabilities (row-major) against true
 * codes < k, as sklearn.metrics.log_loss(labels=all k). Returns -1 with a
 * 65 error naming the row (0-based) when a probability is not finite, 70
 * on n == 0 or a code out of range.
 */
int metrics_log_loss(const size_t *y_true, const double *proba, size_t n,
		     size_t k, double *out, struct mlci_err *err);

/*
 * Binary ROC AUC of score for positive[i] (nonzero = positive class), as
 * sklearn.metrics.roc_auc_score. Returns 0 with *out set, 1 when only one
 * class is present (undefined, *out untouched), -1 with an error on a
 * non-finite score (65) or out of memory (70).
 */
int metrics_roc_auc(const unsigned char *positive, const double *score,
		    size_t n, double *out, struct mlci_err *err);

/* Matthews correlation coefficient of m's confusion matrix. */
double metrics_mcc(const struct class_metrics *m);

/* Cohen's kappa of m's confusion matrix: 0 with *out set, 1 undefined. */
int metrics_kappa(const struct class_metrics *m, double *out);

/*
 * Average precision of score for positive[i], as
 * sklearn.metrics.average_precision_score. Returns 0 with *out set, 1
 * when no sample is positive (*out = 0, sklearn's value with a warning),
 * -1 on a non-finite score (65) or out of memory (70).
 */
int metrics_average_precision(const unsigned char *positive,
			      const double *score, size_t n, double *out,
			      struct mlci_err *err);

/*
 * One-vs-rest ROC AUC of n rows of k >= 2 probabilities (row-major)
 * against codes y < L (L >= k: codes >= k are labels without a column).
 * 0 with *macro and *weighted set; 1 undefined: a code >= k occurs, a
 * column's class is absent from y, or a row does not sum to 1 (see
 * above; *why gets a short reason); -1 on error.
 */
int metrics_roc_auc_ovr(const size_t *y, const double *proba, size_t n,
			size_t k, double *macro, double *weighted,
			const char **why, struct mlci_err *err);

/* Brier score as above: k == 2 the binary form (positive = code 1), else
 * the multiclass sum; codes >= k count as classes given probability 0. */
double metrics_brier(const size_t *y, const double *proba, size_t n,
		     size_t k);

/* Expected calibration error as above; pred[i] is row i's predicted
 * column (< k), y[i] its true code (any value: >= k is never correct). */
double metrics_ece(const size_t *y, const size_t *pred, const double *proba,
		   size_t n, size_t k);

struct reg_metrics {
	double mse, rmse, mae, r2;
	double mape, median_absolute_error, explained_variance, max_error;
	int r2_defined;			/* 0 when n < 2 (sklearn: NaN) */
};

/*
 * Regression metrics of n >= 1 predictions p against y, as sklearn's
 * mean_squared_error (rmse: squared=False), mean_absolute_error and
 * r2_score. -1 with a 70 error on n == 0, 65 on a non-finite value.
 */
int metrics_regression(const double *y, const double *p, size_t n,
		       struct reg_metrics *m, struct mlci_err *err);

/* ---- curves (for the HTML report) ---- */

/* A curve of m points (x[i], y[i]); thr[i] the threshold of point i
 * (NULL for the calibration curve, whose n[i] is the bin's rows). */
struct metrics_curve {
	size_t m;
	double *x, *y, *thr;
	size_t *n;
};

void metrics_curve_free(struct metrics_curve *c);

/*
 * sklearn.metrics.roc_curve(positive, score) (drop_intermediate=True;
 * sklearn 1.2's first threshold, the highest score + 1): x = fpr, y =
 * tpr. Returns 0, 1 when only one class is present (no curve), -1 (70
 * memory). Scores must be finite.
 */
int metrics_roc_curve(const unsigned char *positive, const double *score,
		      size_t n, struct metrics_curve *c, struct mlci_err *err);

/* sklearn.metrics.precision_recall_curve: x = recall, y = precision,
 * m points of which the last is (0, 1) without a threshold (thr has m - 1
 * entries). 1 when no sample is positive; -1 memory. */
int metrics_pr_curve(const unsigned char *positive, const double *score,
		     size_t n, struct metrics_curve *c, struct mlci_err *err);

/* sklearn.calibration.calibration_curve(positive, prob, n_bins=bins,
 * strategy="uniform"): over the non-empty bins, x = mean predicted
 * probability, y = fraction of positives, n = rows. A probability p goes
 * to the bin of the inner edges i / bins (i = 1..bins-1) below it
 * (np.searchsorted, side left). -1 memory. */
int metrics_calibration_curve(const unsigned char *positive,
			      const double *prob, size_t n, size_t bins,
			      struct metrics_curve *c, struct mlci_err *err);

/* numpy's pairwise sum of x[0..n-1] (np.add.reduce on a contiguous
 * float64 array), so means match numpy's bit for bit. */
double metrics_sum(const double *x, size_t n);

#endif
