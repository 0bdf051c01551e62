/*
 * linmodel.h - fitting linear models on a dense, already preprocessed
 * design matrix: L2-penalised logistic regression (binary and
 * multinomial, by L-BFGS), ordinary least squares and ridge (LAPACK).
 *
 * X is n rows by p columns, row-major. Coefficients come out row-major
 * too: one row of p per output (1 for a binary or regression model, K
 * for a multinomial one), plus one intercept per output. The
 * parameterisations are scikit-learn's, so the optima are the same:
 *   logistic: minimise 0.5 ||W||^2 + C * sum_i log_loss_i (intercepts
 *             unpenalised); binary uses one vector for class 1 (sigmoid),
 *             K > 2 classes use K vectors (softmax).
 *   ridge:    minimise ||y - X w - b||^2 + alpha ||w||^2, b unpenalised
 *             (X and y are centred, then the normal equations solved by
 *             Cholesky, dposv).
 *   ols:      the minimum-norm least-squares solution on centred X and y
 *             (SVD, dgelsd, rcond = machine epsilon, as scipy's lstsq).
 *   elastic net (lasso: l1_ratio 1): see enet_fit.
 */
#ifndef MLCI_LINMODEL_H
#define MLCI_LINMODEL_H

#include <stddef.h>

#include "error.h"
#include "lbfgs.h"
#include "model.h"

/* What a fit reports about itself. */
struct fit_summary {
	long iterations;	/* L-BFGS iterations (1 for a direct solve) */
	long evaluations;	/* objective evaluations (1 for a direct solve) */
	int converged;
	const char *stop;	/* static string: "gtol", "ftol", "max_iter", "line_search", "direct" */
	double objective;	/* the penalised objective above, at the solution */
	double loss;		/* mean training log loss, or mean squared error */
	double grad_max;	/* logistic: max |gradient| of objective / (C n) */
	long rank;		/* ols: the rank of centred X (dgelsd) */
};

/*
 * Fit logistic regression on X (n rows by p, row-major; or, X NULL, the
 * same as single floats in Xf): y[i] in 0..K-1 (K >= 2). coef gets
 * (K == 2 ? 1 : K) * p values and intercept (K == 2 ? 1 : K). L-BFGS
 * starts from zero and minimises the objective divided by C * n (the
 * same optimum; lp->gtol applies to that scaled gradient). Multinomial
 * intercepts are shifted to sum to zero (predictions are unchanged).
 * The rows are summed in groups fixed by n (a group of 2048 rows or more,
 * at most 64), shared among `threads` threads: the fit is the same bits
 * whatever the thread count.
 * Returns 0, or -1 with err set (out of memory: 70; diverged: 65).
 */
int logistic_fit(const double *X, const float *Xf, const size_t *y, size_t n,
		 size_t p, size_t K, double C, const struct lbfgs_params *lp,
		 int threads, double *coef, double *intercept,
		 struct fit_summary *s, struct mlci_err *err);

/*
 * Turn decision values into class probabilities: for K == 2, z holds the
 * one score of class 1 and prob gets [1 - sigmoid(z), sigmoid(z)]; for
 * K > 2, z holds K scores and prob gets their softmax.
 */
void logistic_proba(const double *z, size_t K, double *prob);

/*
 * Fit ridge regression (alpha > 0) or, with alpha == 0, ordinary least
 * squares, on X or Xf as logistic_fit's; coef gets p values. Returns 0, or -1 with err set (70 when
 * memory runs out or LAPACK fails, 65 when the problem is too large for
 * LAPACK's 32-bit sizes).
 */
int ridge_fit(const double *X, const float *Xf, const double *y, size_t n,
	      size_t p, double alpha, double *coef, double *intercept,
	      struct fit_summary *s, struct mlci_err *err);

/* What an elastic-net fit reports. */
struct enet_summary {
	long iterations;	/* passes over the coordinates */
	int converged;		/* the duality gap fell below the tolerance */
	double gap;		/* duality gap at the end, divided by n */
	double gap_tol;		/* tol * ||y - mean(y)||^2 / n */
	double objective;	/* the objective below, at the solution */
	double mse;		/* training mean squared error */
};

/*
 * Fit the elastic net by cyclic coordinate descent, scikit-learn's
 * ElasticNet (Lasso: l1_ratio = 1) exactly: minimise
 *   (1/(2n)) ||y - X w - b||^2 + alpha l1_ratio ||w||_1
 *     + 0.5 alpha (1 - l1_ratio) ||w||^2
 * with b unpenalised (X and y centred). Starting from w = 0, each pass
 * updates every coordinate in order (soft-thresholding); after a pass
 * whose largest change is below tol times the largest |w| (or the last
 * pass, max_iter), the duality gap is computed and the fit stops when it
 * is below tol * ||y - mean(y)||^2. Columns that are constant are left
 * at 0. coef gets p values. Returns 0, or -1 with err set (70 out of
 * memory).
 */
int enet_fit(const double *X, const double *y, size_t n, size_t p,
	     double alpha, double l1_ratio, long max_iter, double tol,
	     double *coef, double *intercept, struct enet_summary *s,
	     struct mlci_err *err);

/* The model families built on these fits (model.h): logistic
 * (classification), linear, ridge, lasso and elasticnet (regression). */
extern const struct model_family logistic_family;
extern const struct model_family linear_family;
extern const struct model_family ridge_family;
extern const struct model_family lasso_family;
extern const struct model_family elasticnet_family;

#endif
