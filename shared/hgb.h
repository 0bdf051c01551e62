/*
 * hgb.h - histogram gradient boosting (scikit-learn's
 * HistGradientBoostingClassifier / HistGradientBoostingRegressor, the
 * "hist" method of xgboost) on the encoded design matrix of
 * preprocess.h, with missing numeric values kept as NaN and, by default
 * (--param categorical=native), native categorical splits.
 *
 * Losses: binary log loss (one tree per iteration on the log-odds of the
 * second class), multiclass softmax (one tree per class per iteration),
 * half squared error for values. Baseline: the log-odds of the prior
 * (binary), the log priors (multiclass), the mean (values); priors are
 * clipped to [eps, 1 - eps].
 *
 * Binning: each encoded feature gets at most max_bins bins. Its
 * thresholds come from the non-missing training values (of a subsample
 * of 200000 rows drawn with the seed when there are more): the midpoints
 * of consecutive distinct values when there are at most max_bins of
 * them, else the percentiles 100 k / max_bins (k = 1 .. max_bins-1) by
 * numpy's "midpoint" method. A value's bin is the number of thresholds
 * below it; NaN has a bin of its own (index max_bins).
 *
 * Trees grow best first: the splittable leaf of largest gain is split
 * (ties: the first created) until max_leaf_nodes leaves (none: no limit),
 * with nodes at max_depth (edges from the root) left as leaves. The
 * split of a node maximises
 *   gain = GL^2/(HL+l2) + GR^2/(HR+l2) - G^2/(H+l2)
 * over features (ties: the lowest index) and bins, over sums of the
 * gradients G and hessians H of the node's rows, each side holding at
 * least min_samples_leaf rows and hessian 1e-3; a split needs gain > 0.
 * Bins are scanned left to right with NaN going right and, when the
 * feature had NaN in training, right to left with NaN going left (and
 * the split "every value left, NaN right"); a feature with no NaN in
 * training sends NaN to the child with more rows. Histograms of
 * (gradient, hessian, count) per bin are built for the smaller child
 * and the sibling's is the parent's minus it. Leaf value:
 * -learning_rate * G / (H + l2).
 *
 * Early stopping (auto: when there are more than 10000 rows) holds out
 * validation_fraction of the rows (ceil; drawn with the seed, per class
 * in proportion for classifiers); the bins are fitted on the rest. It
 * stops when none of the last n_iter_no_change validation losses is
 * below the one n_iter_no_change + 1 iterations back minus tol (the
 * baseline counts as iteration 0), and keeps the iterations up to the
 * one of lowest validation loss (at least 1).
 *
 * Threads split the binning and each node's histogram work by feature,
 * and the loss and gradient passes, the gathering of a node's gradients
 * and its partition by fixed row chunks (losses summed in chunk order),
 * so model.json is byte-identical whatever the thread count.
 *
 * Native categorical splits (scikit-learn's categorical_features): a
 * categorical column with at most max_bins categories reaches the model
 * as one ordinal feature (preprocess.h, prep_set_ordinal: the category's
 * index; NaN for a missing value and for a category unseen in training),
 * binned as one bin per category and the missing bin. Its split
 * (hgb_find_split_cat) treats the missing bin as a category when the
 * feature had NaN in training, orders the categories of hessian sum at
 * least HGB_CAT_SMOOTH * H / n by G / (H_c + HGB_CAT_SMOOTH) and scans
 * that order from the left and from the right up to the middle
 * (scikit-learn has no max_cat_threshold: the middle is the limit), the
 * scanned categories going left; the others, low-support ones included,
 * go right. NaN goes left when the missing bin did (without NaN in
 * training: to the larger child), and an unseen category goes where NaN
 * goes, as scikit-learn's predictor does. A categorical column with more
 * than max_bins categories (an error in scikit-learn) is one-hot encoded
 * instead, with a warning in training.warnings. --param
 * categorical=onehot one-hot encodes every categorical column, as for the
 * other families; data without categorical columns takes exactly the
 * numeric path either way.
 *
 * In model.json, model holds baseline (one number per tree of an
 * iteration), learning_rate, n_iter, n_trees_per_iteration, trees
 * (n_iter * n_trees_per_iteration, iteration-major) as {n_nodes,
 * feature, threshold, missing_left, left, right, value} flat arrays
 * (a leaf has feature -1, children -1; x <= threshold goes left, NaN goes
 * left when missing_left is 1; value: the node's shrunk value, added to
 * the raw prediction at a leaf), and when the tree has a categorical
 * split, left_categories: per node null or, at a categorical split (its
 * threshold 0), the ascending category indexes that go left (NaN and
 * unseen categories following missing_left); files without it load as
 * before. Then feature_importances (the split gains
 * per input column, normalised to sum 1). The training section holds
 * n_iter, early_stopping, n_validation, loss_name ("log_loss" or
 * "half_squared_error"), train_loss and (early stopping) validation_loss
 * per iteration from the baseline on, n_trees, n_nodes, n_leaves, depth.
 * model.params holds categorical only when it is "onehot".
 */
#ifndef MLCI_HGB_H
#define MLCI_HGB_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Most boosting iterations, and most trees a model file may hold. */
#define HGB_MAX_ITER ((long)100000)
#define HGB_MAX_TREES ((size_t)1 << 20)

/* Most rows the bin thresholds are computed from. */
#define HGB_BIN_SUBSAMPLE ((size_t)200000)

/* Thresholds of one feature's bins from its n values v (NaN allowed;
 * v is reordered): at most max_bins - 1 ascending numbers into thr,
 * their number returned. */
size_t hgb_bin_thresholds(double *v, size_t n, size_t max_bins, double *thr);

/* The bin of x among nthr thresholds (the number below x), or
 * missing_bin for NaN. */
unsigned hgb_bin(double x, const double *thr, size_t nthr, unsigned missing_bin);

/* hgb_bin of each of x[0..n) into out (eight values searched side by
 * side, their chains of loads independent). */
void hgb_bin_many(const double *x, size_t n, const double *thr, size_t nthr,
		  unsigned missing_bin, uint8_t *out);

/* Words of a bitset over the 256 bins (bit b of word b / 32). */
#define HGB_BITSET_WORDS 8

/* cat_smooth: what a category's hessian sum is smoothed by when the
 * categories are ordered, and the least hessian (in rows) a category
 * needs to take part in a split (scikit-learn's MIN_CAT_SUPPORT). */
#define HGB_CAT_SMOOTH 10.0

/* One (gradient, hessian, count) histogram bin. */
struct hgb_bin {
	double g, h;
	double c;
};

/* The best split of one feature's histogram hist (bins 0 .. nbins-1
 * non-missing, hist[missing_bin] the NaN rows) for a node of sums G, H
 * and n rows; has_missing: the feature had NaN in training. */
struct hgb_split {
	double gain;		/* <= 0: none found */
	unsigned bin;		/* bins <= bin go left (not categorical) */
	int missing_left;
	double gl, hl, nl;
	int categorical;	/* 1: the bins set in left_bins go left */
	uint32_t left_bins[HGB_BITSET_WORDS];
};
void hgb_find_split(const struct hgb_bin *hist, unsigned nbins,
		    unsigned missing_bin, int has_missing, double G, double H,
		    double n, double l2, double min_samples_leaf,
		    struct hgb_split *out);

/* The best split of a categorical feature's histogram: bins 0 .. ncats-1
 * are its categories, hist[missing_bin] its missing values (a category
 * of its own when has_missing). The categories of hessian sum at least
 * HGB_CAT_SMOOTH / (n / H) are ordered by G / (H + HGB_CAT_SMOOTH)
 * (ties: the lower bin first) and scanned from either end up to the
 * middle, the scanned ones going left: out->left_bins gets them (the
 * missing bin's bit included), the others (and the ones of too little
 * hessian) going right. missing_left: the missing bin went left, or
 * without NaN in training, the left child has more rows. */
void hgb_find_split_cat(const struct hgb_bin *hist, unsigned ncats,
			unsigned missing_bin, int has_missing, double G,
			double H, double n, double l2, double min_samples_leaf,
			struct hgb_split *out);

extern const struct model_family hgb_family;

#endif
