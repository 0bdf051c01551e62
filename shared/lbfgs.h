/*
 * lbfgs.h - limited-memory BFGS minimisation of a smooth function.
 *
 * The two-loop recursion of Nocedal & Wright (Algorithm 7.4) with a line
 * search satisfying the strong Wolfe conditions (Algorithms 3.5 and 3.6,
 * c1 = 1e-4, c2 = 0.9, cubic interpolation inside the bracket). It
 * stops like scipy's L-BFGS-B, which scikit-learn uses: when the largest
 * gradient component is at most gtol, or when the objective's relative
 * reduction (f_k - f_k+1) / max(|f_k|, |f_k+1|, 1) is at most ftol.
 * Everything is sequential, so the same input gives the same bits.
 */
#ifndef MLCI_LBFGS_H
#define MLCI_LBFGS_H

#include <stddef.h>

/* The objective: returns f(x) and writes its gradient into g (n values). */
typedef double (*lbfgs_fn)(void *ctx, const double *x, double *g);

struct lbfgs_params {
	int m;			/* correction pairs kept (default 10) */
	long max_iter;		/* iterations (default 1000) */
	double gtol;		/* stop when max |g_i| <= gtol (default 1e-8) */
	double ftol;		/* relative reduction test (default 64 * DBL_EPSILON) */
	int max_ls;		/* function evaluations per line search (default 50) */
	/* called after each accepted step with its number (1, 2, ...) and
	 * the objective there; NULL: not called */
	void (*on_iter)(void *ctx, long iter, double f);
	void *on_iter_ctx;
};

enum lbfgs_stop {
	LBFGS_GTOL,		/* gradient small enough: converged */
	LBFGS_FTOL,		/* objective no longer decreasing: converged */
	LBFGS_MAX_ITER,		/* iteration limit reached: not converged */
	LBFGS_LINE_SEARCH,	/* no acceptable step along the direction */
};

struct lbfgs_result {
	long iterations;	/* accepted steps */
	long evaluations;	/* calls of the objective */
	double f;		/* objective at the returned x */
	double gmax;		/* max |g_i| at the returned x */
	enum lbfgs_stop stop;
	int converged;		/* stop is LBFGS_GTOL or LBFGS_FTOL */
};

/* Fill p with the defaults above. */
void lbfgs_defaults(struct lbfgs_params *p);

/*
 * Minimise fn over n variables starting from x, leaving the best point
 * found in x and a summary in r. Returns 0 (whether or not it converged:
 * see r->converged), or -1 when memory runs out or fn returns a
 * non-finite value at the starting point.
 */
int lbfgs_minimize(size_t n, double *x, lbfgs_fn fn, void *ctx,
		   const struct lbfgs_params *p, struct lbfgs_result *r);

/* A short name for a stop reason: "gtol", "ftol", "max_iter", "line_search". */
const char *lbfgs_stop_name(enum lbfgs_stop s);

#endif
