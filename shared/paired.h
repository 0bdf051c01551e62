/*
 * paired.h - non-inferiority tests on paired per-example results: the
 * candidate and the baseline model scored on the same rows.
 *
 * A paired rule `METRIC OP RHS paired` (rules.h) with RHS evaluated at
 * the baseline's value b gives a threshold t and the margin
 * delta0 = t - b: `accuracy >= baseline - 0.01 paired` has delta0 = -0.01.
 * d is candidate minus baseline. For >= and > (higher is better) the
 * test is H0: d <= delta0 against H1: d > delta0; for <= and < (lower is
 * better) H0: d >= delta0 against H1: d < delta0. Each test gives
 *   p_value     one-sided, of H0 (small: the candidate is non-inferior)
 *   p_inferior  one-sided, of the opposite claim (small: it is worse
 *               than the margin allows)
 *   low, high   the interval of d at level 1 - 2*alpha (each bound a
 *               one-sided alpha bound, matching the tests)
 *   mde         the minimum detectable effect at this sample size: the
 *               smallest true difference from delta0 that a one-sided
 *               test at alpha detects with 80% power,
 *               (z_{1-alpha} + z_{0.80}) * SE, with SE the observed
 *               standard error of d
 *
 * Methods:
 *   accuracy (McNemar): b = rows only the candidate gets right, c = rows
 *     only the baseline gets right, d = (b - c)/n. With delta0 = 0 the
 *     exact conditional (binomial) test: p = P(X >= b), X ~ Bin(b + c,
 *     1/2), exact for any count ("mcnemar-exact"). With delta0 != 0 the
 *     score test of Tango (1998) ("mcnemar-score"): Z = (d - delta0) /
 *     sqrt((2 q + delta0 - delta0^2)/n), q the maximum-likelihood
 *     probability of "only the baseline right" under d = delta0 (the root
 *     of 2n q^2 - (b(1+delta0) + c(1-delta0) - 2n delta0) q
 *     - c delta0 (1 - delta0) = 0). The interval inverts the score test
 *     (bisection) in both cases.
 *   roc_auc, binary (DeLong, DeLong & Clarke-Pearson 1988): the variance
 *     of the difference of the two correlated AUCs from their structural
 *     components (placement values, midranks for ties); Z = (d - delta0)
 *     / SE, interval d -/+ z_{1-alpha} SE ("delong").
 *   any other metric (paired bootstrap, "paired-bootstrap"): B resamples
 *     of the rows (shared/scored.h's generator and seed), the metric
 *     recomputed on both models with the same indices, d*_b the
 *     difference; resamples where either is undefined are dropped. The
 *     interval is the alpha and 1 - alpha quantiles of d*; p_value =
 *     (1 + #{d* on H0's side of delta0}) / (B' + 1), p_inferior the same
 *     for the other side; SE the standard deviation of d*.
 */
#ifndef MLCI_PAIRED_H
#define MLCI_PAIRED_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "scored.h"

struct paired_result {
	const char *method;	/* "mcnemar-exact", "mcnemar-score", "delong", "paired-bootstrap" */
	double diff;		/* candidate - baseline on these rows */
	double low, high;	/* interval of diff at 1 - 2 alpha */
	double p_value, p_inferior;
	double se, mde;
	size_t n;		/* rows compared */
	size_t resamples;	/* paired bootstrap: resamples used */
	size_t only_candidate, only_baseline;	/* McNemar's discordant rows */
};

/* Standard normal CDF and its inverse (0 < p < 1). */
double paired_norm_cdf(double x);
double paired_norm_quantile(double p);

/* P(X >= k) for X ~ Binomial(m, 1/2). */
double paired_binom_sf_half(size_t k, size_t m);

/* McNemar as above from per-row correctness (nonzero = right). */
int paired_mcnemar(const unsigned char *cand_ok, const unsigned char *base_ok,
		   size_t n, double delta0, int higher_better, double alpha,
		   struct paired_result *r, struct mlci_err *err);

/* DeLong as above; pos[i] nonzero for the positive class. Returns 1 when
 * there are fewer than two positives or two negatives (r untouched). */
int paired_delong(const unsigned char *pos, const double *score_c,
		  const double *score_b, size_t n, double delta0,
		  int higher_better, double alpha, struct paired_result *r,
		  struct mlci_err *err);

/* Paired bootstrap of metric `name` (a scored_metrics name) between c
 * and b, whose rows are aligned (row i of c is row i of b). Returns 1
 * when the metric is never defined on both (r untouched). */
int paired_bootstrap(const struct scored *c, const struct scored *b,
		     const char *name, size_t B, uint64_t seed, double delta0,
		     int higher_better, double alpha, struct paired_result *r,
		     struct mlci_err *err);

/* Holm's step-down adjustment of m p-values in place: sorted ascending,
 * p_(i) becomes max over j <= i of min(1, (m - j + 1) p_(j)); written
 * back in the original order. -1 out of memory. */
int paired_holm(double *p, size_t m);

#endif
