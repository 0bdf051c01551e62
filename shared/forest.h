/*
 * forest.h - random forests (scikit-learn's RandomForestClassifier /
 * RandomForestRegressor) of the trees of tree.h.
 *
 * Each of n_estimators trees grows on a bootstrap sample (n rows drawn
 * with replacement, as counts weighing the rows; bootstrap=false: every
 * row once) with max_features candidates drawn at every split (default
 * sqrt for classes, all for values, as scikit-learn). Tree i's random
 * streams (bootstrap and feature draws) come from --seed and i alone, and
 * the trees are combined in index order, so model.json is byte-identical
 * whatever the number of threads growing them. Predictions average the
 * trees' leaf probabilities or values. Importances: each tree's
 * normalised impurity importances (trees that are a single leaf left
 * out), averaged and normalised again. With bootstrap, the out-of-bag
 * score (accuracy or r2 of each row predicted by the trees that did not
 * draw it, over the rows that have such trees) goes into the training
 * section as oob_score with oob_rows.
 *
 * In model.json: model.trees holds the trees (tree.h's layout) and
 * model.feature_importances one number per input feature.
 */
#ifndef MLCI_FOREST_H
#define MLCI_FOREST_H

#include "model.h"

/* Most trees a forest may have. */
#define FOREST_MAX_TREES ((size_t)100000)

void forest_params_init(void *hp, int classifier);

extern const struct model_family forest_family;

#endif
