/*
 * tree.h - CART decision trees (scikit-learn's DecisionTreeClassifier /
 * DecisionTreeRegressor), grown on the encoded design matrix of
 * preprocess.h, and the building block of forest.h.
 *
 * Growth is depth first (nodes numbered in preorder: a node, its left
 * subtree, then its right one, as scikit-learn numbers them). At each
 * node the split is the exact best over the candidate features: the
 * node's values of a feature are sorted and every boundary between two
 * distinct values is tried, the threshold being their midpoint
 * (a/2 + b/2; a when that rounds to b). Rows with x <= threshold go left.
 * Criteria: gini and entropy (log base 2) for classes, squared error for
 * values; the split maximises the impurity decrease. A node is a leaf
 * when it is at max_depth, holds fewer than min_samples_split rows (or
 * fewer than 2 * min_samples_leaf), is pure (impurity <= DBL_EPSILON), or
 * has no split leaving min_samples_leaf rows on each side. max_features
 * candidates are drawn at random without replacement at every node
 * (features constant in the node do not count, as in scikit-learn);
 * with all features every one is tried, in order, and ties keep the
 * first. Row weights (bootstrap counts) weigh the impurities; sample
 * counts (min_samples_*) count rows of non-zero weight.
 *
 * Leaf values: class frequencies (weighted; they sum to 1) or the
 * weighted mean. Impurity importance of feature j: the sum, over the
 * nodes splitting on j, of w*impurity - w_left*impurity_left -
 * w_right*impurity_right, normalised to sum to 1 (scikit-learn's
 * feature_importances_); over encoded outputs, summed per input column.
 *
 * In model.json a tree is {n_nodes, feature, threshold, left, right,
 * value}: flat arrays of n_nodes. A leaf has feature -1, left and right
 * -1, threshold 0; an internal node's children come after it in the
 * arrays and every node but the root has exactly one parent. value[i] is
 * an array of the node's nclasses class weights (rows weighted by their
 * bootstrap counts: whole numbers; the probabilities are them divided by
 * their sum, as scikit-learn's tree_.value before 1.4), or of one value
 * (the mean).
 */
#ifndef MLCI_TREE_H
#define MLCI_TREE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "model.h"

/* Most nodes a model file may hold (all trees of a forest together). */
#define TREE_MAX_NODES ((size_t)1 << 26)

enum tree_criterion { CRIT_DEFAULT, CRIT_GINI, CRIT_ENTROPY, CRIT_MSE };

enum tree_mf {
	MF_DEFAULT,	/* tree: all; forest: sqrt (classes), all (values) */
	MF_ALL,
	MF_SQRT,	/* max(1, floor(sqrt(p))) */
	MF_LOG2,	/* max(1, floor(log2(p))) */
	MF_FRACTION,	/* max(1, floor(fraction * p)) */
	MF_COUNT,	/* min(count, p) */
};

/* Hyperparameters of the tree and forest families. */
struct tree_params {
	enum tree_criterion criterion;
	long max_depth;		/* 0: unlimited */
	long min_samples_split;	/* >= 2 */
	long min_samples_leaf;	/* >= 1 */
	enum tree_mf mf;
	double mf_value;	/* fraction or count */
	long n_estimators;	/* forest */
	int bootstrap;		/* forest: 1 bootstrap samples, 0 all rows */
	int forest;		/* 1 for the forest family */
};

/* A node as prediction walks it: one cache line holds it. A leaf has
 * leaf 1, feature 0 and itself as both children, so a walk may take
 * more steps than its depth and stay on it. */
struct tree_node {
	double threshold;
	int32_t feature, left, right, leaf;
};

struct tree {
	size_t n_nodes, width;	/* width: nclasses, or 1 */
	/* the nodes as they are grown or read (feature and children -1 for
	 * a leaf); NULL once packed into nodes */
	int32_t *feature;	/* encoded feature, -1 for a leaf */
	double *threshold;
	int32_t *left, *right;	/* -1 for a leaf */
	double *value;		/* n_nodes * width: probabilities, or the mean */
	double *count;		/* classifiers: n_nodes * width class weights */
	/* the nodes, packed: a leaf has leaf 1, feature 0 and itself for
	 * both children, so a walk stays on it */
	struct tree_node *nodes;
	size_t depth, n_leaves;	/* depth: of the deepest leaf (the root 0) */
};

/* The training set in the form the growth reads. */
struct tree_data {
	const double *Xc;	/* column-major: feature j is Xc[j*n .. j*n+n) */
	/* features with at most two values (one-hot outputs) also as bytes,
	 * bin[j*n + i] = 1 when row i holds the larger value; NULL: none */
	const uint8_t *bin;
	const unsigned char *isbin;	/* p flags */
	const double *binlo, *binhi;	/* their two values */
	const size_t *yc;	/* classes (K > 0), or */
	const double *yr;	/* values (K == 0) */
	size_t n, p, K;
	/* from tree_presort: per feature j not in bin, the rows in ascending
	 * order of their value, ties in row order (order[j*n .. j*n+n)),
	 * then at order[p*n + j*n + i] the rank of row order[j*n + i]'s
	 * value among the column's distinct values; NULL: every node sorts
	 * its values instead (same tree, slower) */
	const uint32_t *order;
	/* or, Xc NULL (--dtype float32): feature j's values as single
	 * floats, Xf[j][0..n); no order: each node sorts its values (a radix
	 * sort of their bits), the tree being the one doubles of the same
	 * values give */
	const float *const *Xf;
};

/*
 * The order and rank arrays of tree_data.order for columns Xc (n rows, p
 * features), skipping the features isbin flags (may be NULL). Returns a
 * malloc()ed 2*p*n array the caller frees, or NULL when memory runs out.
 */
uint32_t *tree_presort(const double *Xc, size_t n, size_t p,
		       const unsigned char *isbin);

/* Per-thread scratch space for tree_grow; tree_work_free releases it. */
struct tree_work;
struct tree_work *tree_work_new(const struct tree_data *d);
void tree_work_free(struct tree_work *w);
/* Room for d->n row weights in w: tree_grow's weight may be it (the
 * weights are read before the room is written), saving a copy. */
double *tree_work_weights(struct tree_work *w);

/*
 * A work for one tree_grow on d without d->order (NULL): the rows are
 * presorted as tree_presort would, straight into the work, so no second
 * copy of them exists. The tree grown is the one tree_presort's order
 * gives. NULL when memory runs out. The grow reorders them: do not reuse
 * the work for another tree.
 */
struct tree_work *tree_work_new_presorted(const struct tree_data *d);

/*
 * Grow t on the rows of d with weight[i] > 0 (weight NULL: every row,
 * weight 1). crit is the criterion, max_features the number of candidate
 * features per node (1..p), seed the random stream for feature draws.
 * importance (may be NULL) gets p unnormalised impurity decreases added.
 * Returns 0, or -1 when memory runs out (t is then freed).
 */
int tree_grow(struct tree *t, const struct tree_data *d,
	      const struct tree_params *h, enum tree_criterion crit,
	      size_t max_features, const double *weight, uint64_t seed,
	      double *importance, struct tree_work *w);

/* The leaf value (width numbers) row x (p encoded values) falls in. */
const double *tree_leaf(const struct tree *t, const double *x);

/*
 * The leaf node of each of the n rows of X (row-major, p encoded values
 * a row) into leaf[0..n): as tree_leaf, several rows walked at once,
 * without branches, for t->depth steps.
 */
void tree_leaves(const struct tree *t, const double *X, size_t n, size_t p,
		 uint32_t *leaf);

void tree_free(struct tree *t);

/* Serialise t as {n_nodes, feature, threshold, left, right, value}. */
json_t *tree_to_json(const struct tree *t);

/*
 * Read a tree written by tree_to_json, checking every size against the
 * file's own arrays before allocating, every index (features below p,
 * children after their parent and below n_nodes, one parent each) and
 * every value (finite; class weights >= 0 with a finite sum > 0 when
 * classifier). *budget (nodes still allowed) is decreased. what names
 * the tree in errors (65 naming file).
 */
int tree_from_json(struct tree *t, const json_t *j, size_t p, size_t width,
		   int classifier, size_t *budget, const char *file,
		   const char *what, struct mlci_err *err);

/* The number of candidate features per node for p encoded features. */
size_t tree_max_features(const struct tree_params *h, int classifier,
			 size_t p);

/* A random stream: splitmix64; and a draw uniform in [0, m). */
uint64_t tree_rng_next(uint64_t *state);
size_t tree_rng_below(uint64_t *state, size_t m);

/* --- shared by the tree and forest families --- */

void tree_params_init(void *hp, int classifier);
int tree_param(void *hp, int classifier, const char *kv, size_t klen,
	       const char *val, struct mlci_err *err);
json_t *tree_params_json(const void *hp, int classifier);
/* The criterion for the task (64 when --param criterion does not fit it). */
int tree_criterion_for(const struct tree_params *h, int classifier,
		       enum tree_criterion *crit, struct mlci_err *err);
/* Column-major copy of row-major X (n by p), or NULL when memory runs out. */
double *tree_columns(const double *X, size_t n, size_t p);
/* The byte codes of the two-valued columns (struct tree_data's bin and
 * isbin) of Xc, or of Xf when Xc is NULL, and their values (lohi: p
 * smaller ones, then p larger ones); 0, or -1 when memory runs out. */
int tree_binary(const double *Xc, const float *const *Xf, size_t n, size_t p,
		uint8_t **bin, unsigned char **isbin, double **lohi);
/* The model object's "input_dtype" (written for trees and forests grown
 * on single floats, whose inputs model_predict then encodes as singles:
 * struct model.f32_inputs): *f32 1 for "float32", 0 for "float64" or
 * none; else a 65 error naming file. */
int tree_input_dtype(const json_t *mod, int *f32, const char *file,
		     struct mlci_err *err);

/* Importances of encoded outputs (p) summed per input column into col
 * (ncols) and normalised to sum 1 (all zero when the total is zero). */
void tree_importance_columns(const struct model *m, const double *imp,
			     double *col);
/* n numbers as a new JSON array, or NULL. */
json_t *tree_reals_json(const double *v, size_t n);
/* Read model.feature_importances (ncols finite numbers >= 0) into col. */
int tree_importance_read(const struct model *m, const json_t *mod,
			 double *col, const char *file, struct mlci_err *err);
/* The first largest of v's width values (a predicted class). */
static inline size_t tree_argmax(const double *v, size_t width)
{
	size_t b = 0, k;

	for (k = 1; k < width; k++)
		if (v[k] > v[b])
			b = k;
	return b;
}

/* Training accuracy or r2 of predictions pred (n * width) on d's labels. */
double tree_score(int classifier, size_t width, const double *pred,
		  const size_t *yc, const double *yr, size_t n);

extern const struct model_family tree_family;

#endif
