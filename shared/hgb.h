/*
 * hgb.h - histogram gradient boosting (scikit-learn's
 * HistGradientBoostingClassifier / HistGradientBoostingRegressor, the
 * "hist" method of xgboost) on the encoded design matrix of
 * preprocess.h, with missing numeric values kept as NaN.
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
 * Not done: native categorical splits (categorical columns are one-hot
 * encoded as for every family).
 *
 * In model.json, model holds baseline (one number per tree of an
 * iteration), learning_rate, n_iter, n_trees_per_iteration, trees
 * (n_iter * n_trees_per_iteration, iteration-major) as {n_nodes,
 * feature, threshold, missing_left, left, right, value} flat arrays
 * (a leaf has feature -1, children -1; x <= threshold goes left, NaN goes
 * left when missing_left is 1; value: the node's shrunk value, added to
 * the raw prediction at a leaf) and feature_importances (the split gains
 * per input column, normalised to sum 1). The training section holds
 * n_iter, early_stopping, n_validation, loss_name ("log_loss" or
 * "half_squared_error"), train_loss and (early stopping) validation_loss
 * per iteration from the baseline on, n_trees, n_nodes, n_leaves, depth.
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
	unsigned bin;		/* bins <= bin go left */
	int missing_left;
	double gl, hl, nl;
};
void hgb_find_split(const struct hgb_bin *hist, unsigned nbins,
		    unsigned missing_bin, int has_missing, double G, double H,
		    double n, double l2, double min_samples_leaf,
		    struct hgb_split *out);

extern const struct model_family hgb_family;

#endif
