/*
 * search.h - hyperparameter search for mlci-train: the declared space,
 * the trials of a grid, random or Bayesian search, and which of them a
 * CI runner evaluates.
 *
 * A space is one dimension per --search spec:
 *   NAME=LO..HI:int     the integers LO..HI
 *   NAME=LO..HI:float   the reals in [LO, HI] (also LO..HI with a point)
 *   NAME=LO..HI:log     the reals in [LO, HI] on a log scale (LO > 0)
 *   NAME=A,B,C          one of the listed values (as text)
 * (LO..HI of two integers without a type is :int.) Each dimension maps to
 * u in [0, 1]: linearly, by log, or by choice index / (choices - 1).
 *
 * Trials are numbered 0..T-1 and each is a function of the seed and its
 * number (or, Bayesian, of its batch), never of the runner it runs on:
 *   grid    the product of the dimensions' points, the first dimension
 *           slowest: every integer, every choice, and grid_points evenly
 *           spaced values (log-spaced for :log, ends included) of a real;
 *           T is the product (at most SEARCH_MAX_TRIALS).
 *   random  trial t draws u uniformly in each dimension from a generator
 *           seeded by (seed, t).
 *   bayes   the T trials form B independent batches (batch b holds
 *           trials b, b + B, b + 2B, ...). Within a batch, the first
 *           max(3, dims + 1) trials are random draws (from (seed, t), as
 *           random's), then each next trial maximises the expected
 *           improvement (xi 0.01) under a Gaussian process fitted to the
 *           batch's finished trials: Matern 5/2 kernel on u, scores
 *           standardised, noise variance 1e-4, the length scale the one of
 *           {0.05, 0.1, 0.2, 0.4, 0.8} with the highest marginal
 *           likelihood; EI is maximised over 1024 uniform candidates and
 *           256 perturbations of the batch's best (from (seed, trial)),
 *           integer and choice coordinates snapped first.
 * Sharding (K of N runners): grid and random trial t runs on runner
 * t mod N + 1; Bayesian batches are the runners (B = N), runner K running
 * batch K - 1 alone. An unsharded Bayesian search with batches B = N
 * runs the same trials, so selecting over the N runners' trials picks
 * the same model as that one run.
 *
 * The scores come from the caller's evaluate callback; the best trial
 * has the highest score (or lowest, minimising), ties to the lowest
 * number; a trial whose score is NaN (undefined) is never best.
 */
#ifndef MLCI_SEARCH_H
#define MLCI_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

#define SEARCH_MAX_TRIALS 10000
#define SEARCH_MAX_DIMS 32
#define SEARCH_MAX_CHOICES 256

enum search_kind { SK_INT, SK_FLOAT, SK_LOG, SK_CHOICE };
enum search_method { SEARCH_GRID, SEARCH_RANDOM, SEARCH_BAYES };

struct search_dim {
	char *name;
	enum search_kind kind;
	double lo, hi;		/* SK_INT, SK_FLOAT, SK_LOG */
	char **choices;		/* SK_CHOICE */
	size_t nchoices;
};

struct search_space {
	struct search_dim *dim;
	size_t ndims;
};

/* Parse the specs (see above) into s; 64 naming the spec on a bad one
 * (syntax, LO > HI, :log with LO <= 0, a name given twice). s is freed
 * by search_free, also after a failure. */
int search_parse(struct search_space *s, const char *const *specs, size_t n,
		 struct mlci_err *err);
void search_free(struct search_space *s);

/* "grid", "random" or "bayes"; 64 otherwise. */
int search_method_parse(const char *name, enum search_method *m,
			struct mlci_err *err);
const char *search_method_name(enum search_method m);

/* The grid's size with points values per real dimension; 64 when it is
 * over SEARCH_MAX_TRIALS. */
int search_grid_size(const struct search_space *s, size_t points, size_t *n,
		     struct mlci_err *err);

/* The value of dimension j at u in [0, 1] (an integer or choice index
 * for those kinds). */
double search_decode(const struct search_dim *d, double u);

/* Dimension j's value v as "NAME=VALUE" into buf (a --param string). */
void search_param_text(const struct search_dim *d, double v, char *buf,
		       size_t n);

/* Dimension j's value as JSON: an integer, a real or the choice. */
json_t *search_value_json(const struct search_dim *d, double v);

/*
 * Evaluate one trial: vals holds one value per dimension (choice
 * indexes for choices). Set *score (NaN: undefined) and *detail (a new
 * reference the trial record keeps, or NULL). 0, or -1 with err set,
 * which stops the search.
 */
typedef int (*search_eval_fn)(void *ctx, size_t trial, const double *vals,
			      double *score, json_t **detail,
			      struct mlci_err *err);

struct search_run {
	const struct search_space *space;
	enum search_method method;
	size_t trials;		/* T (grid: its size) */
	size_t grid_points;	/* real dimensions' points in a grid */
	size_t batches;		/* bayes: B (>= 1) */
	long seed;
	int minimize;		/* lower scores are better */
	unsigned shard, nshards;	/* this runner (1-based) of nshards;
					 * 0/0: every trial */
	search_eval_fn eval;
	void *ctx;
};

/*
 * Run this runner's trials (all, unsharded) in trial order within each
 * batch, and return their records [{id, (batch), params {NAME: value},
 * score, ...detail}] in trial order in *out (new reference). 64 on
 * inconsistent settings (bayes sharded with batches != nshards, more
 * shards than trials); errors of eval as they come.
 */
int search_execute(const struct search_run *r, json_t **out,
		   struct mlci_err *err);

/* The index in trials (records as above) of the best one, or -1 when no
 * trial has a score. */
long search_best(const json_t *trials, int minimize);

/* Internals, for the tests: expected improvement of a normal (mu, sd)
 * over best (maximising), and one Bayesian proposal for the finished
 * trials (u: n rows of ndims in [0, 1], y their scores, maximising). */
double search_ei(double mu, double sd, double best, double xi);
int search_bayes_propose(const struct search_space *s, const double *u,
			 const double *y, size_t n, uint64_t seed,
			 double *next, struct mlci_err *err);

#endif
