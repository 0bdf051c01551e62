/*
 * drift.h - drift statistics between a reference distribution and a
 * current one, computed from summaries (the reference is a stored data
 * report, not raw data). Pure functions: no I/O, no globals, no printing.
 *
 * Inputs.
 *   Numeric columns are weighted samples (struct wsample): values sorted
 *   ascending, positive weights, and n, the number of rows the sample
 *   stands for. Raw data is the case w = NULL (every weight 1), n = m; a
 *   KLL quantile sketch yields its retained items and their weights.
 *   The ECDF of a sample is F(t) = (sum of weights of values <= t) / W,
 *   W the total weight (right-continuous); n is used only where a sample
 *   size matters (KS p-value, PSI counts).
 *   Categorical columns are count arrays aligned over the union of the
 *   categories (drift_align builds them from (value, count) lists).
 *
 * Return values. Every statistic function returns 0 when it computed
 * its outputs, DRIFT_UNDEFINED (1) when the statistic is undefined for
 * these inputs (a side is empty: no values, or zero total count), in
 * which case the outputs are set to "no drift" (statistics 0, p-values
 * 1), and -1 with err filled for invalid input (MLCI_EXIT_DATAERR: NaN
 * or infinite values, unsorted values, weights not positive, counts
 * or total weight negative or above DRIFT_MAX_COUNT;
 * MLCI_EXIT_USAGE: bins or alpha out of range; MLCI_EXIT_SOFTWARE: out
 * of memory). err->file is left empty for the caller to fill. No output
 * is ever NaN or infinite for finite inputs.
 *
 * Definitions (each matches scipy 1.10 where scipy has it; the reference
 * values come from tests/ref/scipy_drift.py):
 *   KS: D = sup_t |F_ref(t) - F_cur(t)| over the union of sample points,
 *     exactly scipy.stats.ks_2samp's statistic for raw samples. p-value:
 *     the asymptotic Kolmogorov distribution, p = Q_KS(sqrt(en) * D),
 *     en = n_ref n_cur / (n_ref + n_cur), i.e. scipy.stats.kstwobign.sf.
 *     (scipy 1.10's ks_2samp(method='asymp') instead evaluates the finite
 *     one-sample distribution kstwo.sf(D, round(en)). Against the exact
 *     two-sample p-value, Q_KS(sqrt(en) D) came out at or above it in
 *     every case tested with n >= 5 (conservative: fewer false alarms),
 *     where kstwo fell below it in several, and to 0 for disjoint samples
 *     of 50 and 60; the two differ by ~10-20% near p = 0.001.)
 *     With sketches D carries the sketches' rank error: |D - D_exact| <=
 *     eps_ref + eps_cur, and drift_numeric can compute the p-value from
 *     D - eps instead (conservative).
 *   Wasserstein-1: integral of |F_ref - F_cur| dt, exactly
 *     scipy.stats.wasserstein_distance(u, v, u_weights, v_weights).
 *     Normalised: W1 / max(sd_ref, 1e-12 * M), sd_ref the reference's
 *     (population, weighted) standard deviation, M the largest |value| in
 *     either sample; 0 when W1 = 0. The floor only acts when the reference
 *     spread is below rounding noise of the values (a constant reference):
 *     then the result is large (at most 2e12) but finite, and still
 *     invariant under rescaling the data.
 *   PSI: sum_b (p_cur - p_ref) ln(p_cur / p_ref) with additive smoothing
 *     p = (count + alpha) / (N + alpha B) (B bins, alpha DRIFT_ALPHA = 0.5,
 *     the Jeffreys / Krichevsky-Trofimov prior): an empty bin on either
 *     side gives a finite term, and for large counts the smoothing fades.
 *     Numeric bins: edges are the reference's weighted quantiles at j/B,
 *     j = 1..B-1, q_j = the smallest x_i whose cumulative weight C_i has
 *     C_i * B >= j * W (the inverted CDF: numpy's method='inverted_cdf'
 *     for unit weights, except where numpy's rounding of j/B moves it to
 *     the next value, e.g. 11/20 of 400). Bins are right-closed, outer
 *     bins open:
 *     (-inf, e_1], (e_1, e_2], ..., (e_last, +inf). Repeated edges (ties
 *     in the reference) collapse and an edge equal to the reference's
 *     largest value is dropped, so every bin holds reference weight and B
 *     may come out smaller than asked (1 bin, PSI 0, for a constant
 *     reference). Bin counts are weights scaled to n: c_b = w_b (n / W).
 *     Categorical: one bin per category; categories empty on both sides
 *     are dropped first.
 *   Chi-square test of homogeneity on the 2 x K table (ref, cur), without
 *     continuity correction, columns empty on both sides dropped first:
 *     scipy.stats.chi2_contingency(table, correction=False); K = 1 gives
 *     statistic 0, p 1 (dof 0), as scipy does.
 *   Jensen-Shannon distance, base 2: scipy.spatial.distance.jensenshannon
 *     (p, q, base=2), in [0, 1].
 */
#ifndef MLCI_DRIFT_H
#define MLCI_DRIFT_H

#include <stddef.h>

#include "error.h"

#define DRIFT_UNDEFINED 1	/* return value: a side is empty */
#define DRIFT_DEFAULT_BINS 10	/* PSI bins: the reference's deciles */
#define DRIFT_MAX_BINS 1000
#define DRIFT_ALPHA 0.5		/* PSI additive smoothing */
#define DRIFT_MIN_N 5		/* p-values need n >= this on both sides */
#define DRIFT_LARGE_N 1000	/* above this on both sides judge by effect */
#define DRIFT_MIN_EXPECTED 5.0	/* Cochran's rule for the chi-square test */
#define DRIFT_MAX_COUNT 1e290	/* larger counts and n are refused (DATAERR):
				 * no row count comes near, and it keeps every
				 * sum and product finite */

/* A weighted sample: x[0..m-1] ascending and finite, w[i] > 0 with a
 * total of at most DRIFT_MAX_COUNT (w NULL: all 1), 0 <= n <=
 * DRIFT_MAX_COUNT the rows it stands for (0: the total weight). m = 0
 * (with n = 0) is an empty sample. */
struct wsample {
	const double *x;
	const double *w;
	size_t m;
	double n;
};

/* NULL when s is a valid sample, else a static one-line reason
 * ("values are not sorted ascending", ...). */
const char *drift_wsample_check(const struct wsample *s);

/* Weighted mean and population standard deviation of s (overflow-safe).
 * 0, DRIFT_UNDEFINED (empty: both 0) or -1. */
int drift_wsample_moments(const struct wsample *s, double *mean, double *sd,
			  struct mlci_err *err);

/* Two-sample KS statistic D and its asymptotic p-value (see above).
 * 0, DRIFT_UNDEFINED (D 0, p 1) or -1. */
int drift_ks(const struct wsample *ref, const struct wsample *cur, double *d,
	     double *p, struct mlci_err *err);

/* Q_KS(sqrt(en) d), en = n1 n2 / (n1 + n2); 1 when d <= 0 or a count
 * is not positive. */
double drift_ks_pvalue(double d, double n1, double n2);

/* Wasserstein-1 distance between the samples' distributions; saturates
 * at DBL_MAX if the true value exceeds it. 0, DRIFT_UNDEFINED (0) or -1. */
int drift_wasserstein(const struct wsample *ref, const struct wsample *cur,
		      double *w1, struct mlci_err *err);

/* w1 / max(ref_sd, 1e-12 * max_abs), 0 when w1 is 0 (see above); max_abs
 * is the largest |value| in either sample. Never NaN or infinite. */
double drift_wasserstein_normalise(double w1, double ref_sd, double max_abs);

/* PSI bin edges of ref for `bins` bins (2..DRIFT_MAX_BINS): writes the
 * *nedges <= bins-1 distinct edges, ascending, into edges[bins-1].
 * 0, DRIFT_UNDEFINED (ref empty, no edges) or -1. */
int drift_psi_edges(const struct wsample *ref, size_t bins, double *edges,
		    size_t *nedges, struct mlci_err *err);

/* Counts of s in the nedges+1 right-closed bins the edges define, as
 * weights scaled to s's n (counts[nedges+1]). 0, DRIFT_UNDEFINED (s empty:
 * all 0) or -1 (edges not strictly ascending and finite). */
int drift_bin_counts(const struct wsample *s, const double *edges,
		     size_t nedges, double *counts, struct mlci_err *err);

/* PSI of cur against ref over the reference's quantile bins (bins asked,
 * 0 = DRIFT_DEFAULT_BINS; alpha > 0 the smoothing). *used = bins kept.
 * 0, DRIFT_UNDEFINED (PSI 0) or -1. */
int drift_psi_numeric(const struct wsample *ref, const struct wsample *cur,
		      size_t bins, double alpha, double *psi, size_t *used,
		      struct mlci_err *err);

/* PSI of two aligned count arrays of length k (0 .. DRIFT_MAX_COUNT);
 * categories empty on both sides are dropped; *used = categories kept
 * (may be NULL). 0, DRIFT_UNDEFINED (a side sums to 0: PSI 0) or -1. */
int drift_psi_counts(const double *ref, const double *cur, size_t k,
		     double alpha, double *psi, size_t *used,
		     struct mlci_err *err);

/* Chi-square test of homogeneity on aligned counts (see above): statistic,
 * degrees of freedom (categories kept - 1) and p-value.
 * 0, DRIFT_UNDEFINED (statistic 0, dof 0, p 1) or -1. */
int drift_chi2(const double *ref, const double *cur, size_t k, double *stat,
	       double *dof, double *p, struct mlci_err *err);

/* Jensen-Shannon distance (base 2) between the normalised count arrays.
 * 0, DRIFT_UNDEFINED (0) or -1. */
int drift_js(const double *ref, const double *cur, size_t k, double *js,
	     struct mlci_err *err);

/* Aligning categorical frequencies. */
struct drift_cat {
	const char *value;	/* category as written; compared bytewise */
	double count;		/* 0 .. DRIFT_MAX_COUNT */
};

#define DRIFT_NO_OTHER ((size_t)-1)

struct drift_aligned {
	size_t k;		/* categories in the union (other included) */
	const char **value;	/* k names borrowed from the inputs; NULL = other */
	double *ref, *cur;	/* k counts each */
	size_t other;		/* index of the "other" bucket, or DRIFT_NO_OTHER */
	size_t unseen;		/* current categories absent from the reference */
};

/* Align two (value, count) lists into union arrays: the reference's
 * categories in its order, then the current's new ones in theirs.
 * ref_other / cur_other count rows not itemised (a truncated top-k list);
 * with fold_unseen, current categories absent from the reference list go
 * to the other bucket too (use it when the reference list is truncated).
 * The other bucket comes last, only when it is not empty on both sides.
 * Caller frees with drift_aligned_free. 0, or -1 (a category listed twice,
 * a bad count: DATAERR; out of memory). */
int drift_align(const struct drift_cat *ref, size_t nref, double ref_other,
		const struct drift_cat *cur, size_t ncur, double cur_other,
		int fold_unseen, struct drift_aligned *out,
		struct mlci_err *err);

/* Free what drift_align allocated and empty *a (safe to call twice). */
void drift_aligned_free(struct drift_aligned *a);

/* Special functions (no dependencies beyond libm). */

/* Kolmogorov's survival function Q_KS(l) = 2 sum_{k>=1} (-1)^(k-1)
 * exp(-2 k^2 l^2), scipy.special.kolmogorov; 1 for l <= 0 (and NaN).
 * Below l = 1 it is 1 - CDF from the theta-function form of the CDF,
 * sqrt(2 pi)/l sum_k exp(-(2k-1)^2 pi^2 / (8 l^2)), which converges
 * fast where the alternating series does not. */
double drift_kolmogorov_sf(double l);

/* Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a),
 * scipy.special.gammaincc, for a > 0; 1 for x <= 0, 0 for a <= 0. */
double drift_gamma_q(double a, double x);

/* Chi-square survival function with dof > 0 degrees of freedom:
 * Q(dof / 2, x / 2), scipy.stats.chi2.sf; 1 for x <= 0, 0 for dof <= 0.
 * Q is the power series of P (x < a + 1, Q = 1 - P) or Legendre's
 * continued fraction (x >= a + 1), the common factor x^a e^-x / Gamma(a)
 * taken through Stirling's series for a >= 10 so it stays accurate for
 * large a. Agrees with scipy to ~1e-13 relative; ~1e-12 only deep in the
 * tails at a in the thousands (Q ~ 1e-200), where Q's condition number
 * (d ln Q / d ln x ~ x - a) is itself in the thousands. */
double drift_chi2_sf(double x, double dof);

/* Multiple testing. */

/* Benjamini-Hochberg adjusted p-values (q-values) of p[0..m-1] in [0, 1]:
 * q_(i) = min over j >= i of min(1, p_(j) m / j) in ascending p order,
 * written to q in the input order (q may be p). 0, or -1 (a p outside
 * [0, 1]: DATAERR; out of memory). */
int drift_bh(const double *p, size_t m, double *q, struct mlci_err *err);

/* Mark reject[i] = (q[i] <= level) for BH q-values: the step-up procedure
 * at false discovery rate `level`. Returns the number rejected. */
size_t drift_bh_reject(const double *q, size_t m, double level,
		       unsigned char *reject);

/* One feature's drift, the tests chosen by type and sample size. */

/* drift_result.notes bits */
#define DRIFT_NOTE_SMALL_SAMPLE 1u	/* n < min_n on a side: no p-value */
#define DRIFT_NOTE_SKETCH_ERROR 2u	/* KS p from D - rank_error */
#define DRIFT_NOTE_WITHIN_ERROR 4u	/* D <= rank_error: p is 1 */
#define DRIFT_NOTE_POOLED 8u		/* sparse categories pooled for chi2 */
#define DRIFT_NOTE_LOW_EXPECTED 16u	/* chi2 inadequate even pooled: no p */
#define DRIFT_NOTE_CONSTANT_REF 32u	/* ref spread ~0: normalised W floored */
#define DRIFT_NOTE_LARGE_SAMPLE 64u	/* n > large_n on both sides */

/* Zero fields take the defaults named. */
struct drift_opts {
	size_t bins;		/* PSI bins, numeric; DRIFT_DEFAULT_BINS */
	double alpha;		/* PSI smoothing; DRIFT_ALPHA */
	double min_n;		/* DRIFT_MIN_N */
	double large_n;		/* DRIFT_LARGE_N */
	double min_expected;	/* DRIFT_MIN_EXPECTED */
	double rank_error;	/* numeric: eps_ref + eps_cur of the sketches
				 * (0: exact ECDFs, raw data) */
	int have_ref_sd;	/* numeric: use ref_sd (exact moments kept in the
				 * report) instead of the sample's */
	double ref_sd;
};

struct drift_result {
	int defined;		/* 0: a side is empty, nothing computed (all
				 * fields 0, p_value 1, test NULL) */
	const char *test;	/* "ks", "chi2", or NULL: no p-value (notes) */
	double stat;		/* KS D as measured, or the chi-square statistic */
	double p_value;		/* of `test`; 1 when test is NULL */
	double dof;		/* chi-square degrees of freedom; 0 for KS */
	double effect;		/* numeric: normalised W1; categorical: JS */
	int by_effect;		/* 1: judge drift by `effect` (large samples,
				 * where every p is tiny, or no p-value); 0: by
				 * p_value (after BH across features) */
	double wasserstein;	/* numeric: W1 in the data's units */
	double wasserstein_norm;
	double psi;
	double js;		/* categorical */
	size_t bins;		/* PSI bins or categories used */
	unsigned notes;		/* DRIFT_NOTE_* */
};

/*
 * Numeric feature: KS (D, p), Wasserstein (raw and normalised), PSI.
 * Rules: no p-value (test NULL) when either n < min_n; with rank_error
 * > 0 the p-value is Q_KS(sqrt(en) max(D - rank_error, 0)), conservative
 * for sketches; by_effect when either side has no p-value or both n >
 * large_n. 0 (result filled; result->defined 0 for an empty side) or -1.
 */
int drift_numeric(const struct wsample *ref, const struct wsample *cur,
		  const struct drift_opts *opts, struct drift_result *res,
		  struct mlci_err *err);

/*
 * Categorical feature on aligned counts: chi-square (stat, dof, p), JS,
 * PSI. Rules: chi-square when the expected counts are adequate (Cochran:
 * every expected count >= 1 and at most 20% below min_expected); else
 * the categories whose expected count is below min_expected on either
 * side are pooled into one and the test is retried on the pooled table
 * (DRIFT_NOTE_POOLED); if that too fails or leaves one category, no
 * p-value (DRIFT_NOTE_LOW_EXPECTED); no test either when a side sums to
 * less than min_n (DRIFT_NOTE_SMALL_SAMPLE). JS and PSI always use the
 * unpooled counts. by_effect as for numeric. 0 or -1.
 */
int drift_categorical(const double *ref, const double *cur, size_t k,
		      const struct drift_opts *opts, struct drift_result *res,
		      struct mlci_err *err);

/* A short description of one DRIFT_NOTE_* bit ("" for an unknown bit). */
const char *drift_note_text(unsigned bit);

#endif
