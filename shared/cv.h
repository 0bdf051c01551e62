/*
 * cv.h - model validation inside mlci-train: k-fold cross-validation and
 * permutation importance, for any model family (model.h).
 *
 * Folds (cv_assign) are scikit-learn's, row for row:
 *   KFold(n_splits=k): rows in data order (or, shuffled, in a permutation
 *     drawn from the seed) cut into k consecutive blocks, the first n % k
 *     of n / k + 1 rows, the rest of n / k; block i is fold i's test set.
 *   StratifiedKFold(n_splits=k): classes numbered by first appearance;
 *     sorting the rows by that number and dealing them round robin into k
 *     folds gives each fold's count of each class; then each class's rows,
 *     in data order, go to fold 0 for its count, then fold 1, ... (with
 *     shuffle, that class's fold sequence is shuffled from the seed).
 * Shuffled folds use mlci's own generator (splitmix64), not numpy's: they
 * are deterministic given the seed but not scikit-learn's.
 *
 * Each fold fits the family on the other k - 1 folds with its own
 * preprocessing (prep_fit on the training rows only, like a scikit-learn
 * Pipeline), predicts the held-out fold, and scores it with metrics.h:
 * classification accuracy, f1_macro (over the labels present in the
 * fold's true or predicted labels, sklearn's default), log_loss (over
 * every class), roc_auc (binary) or roc_auc_ovr (macro, 3+ classes; left
 * out of a fold where it is undefined); regression mse, rmse, mae, r2.
 * The summary's mean and std are over the folds, std with ddof = 0
 * (numpy's default); a metric undefined in some fold has no mean.
 *
 * Permutation importance (perm_importance) follows
 * sklearn.inspection.permutation_importance on the data it is given: the
 * score (accuracy, or r2) of the model on X minus its score with one
 * input column's values permuted across the rows (a categorical
 * column's one-hot block moves as one), repeated R times; mean and std
 * (ddof 0) per input column. Permutation (column c, repeat r) comes from
 * a stream seeded by (seed, c, r) alone, so results do not depend on the
 * order or the threads they are computed on.
 */
#ifndef MLCI_CV_H
#define MLCI_CV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "csv.h"
#include "error.h"
#include "model.h"

/*
 * Give each of n rows its test fold in 0..k-1 (fold[n]). y: class codes
 * < nclasses for stratified folds, NULL for plain ones. Stratified: 65
 * when every class has fewer than k rows (scikit-learn raises); when
 * some class has, a warning goes into warn (else warn[0] = 0). k > n is
 * a 65 error; k < 2 a 64 one. file names the data in errors.
 */
int cv_assign(size_t n, size_t k, const size_t *y, size_t nclasses,
	      int shuffle, long seed, size_t *fold, const char *file,
	      char *warn, size_t wlen, struct mlci_err *err);

/* What a fold fit needs: the family and its parameters, the frame and
 * the feature columns in it, every row's label. */
struct cv_input {
	const struct model_family *fam;
	const void *hp;
	int classifier;
	size_t nclasses;
	const struct frame *f;
	const size_t *cols;		/* frame column of each feature */
	size_t ncols;
	const size_t *yc;		/* class codes (classifiers) */
	const double *yr;		/* values (regressors) */
	long seed;
	int threads;			/* folds fit in parallel on these */
	size_t max_parallel;		/* at most this many folds at once (0: any) */
	/* after each fold (called by one thread at a time, in the order the
	 * folds finish): fold (0-based) of k, its main score */
	void (*progress)(void *ctx, size_t fold, size_t k, size_t n_test,
			 const char *metric, double value);
	void *progress_ctx;
};

/*
 * Cross-validate in over the folds fold[] (from cv_assign), several folds
 * at once on in->threads threads (a fold's fit gets the threads left
 * over; the results do not depend on the count), and return
 * model.json's cv object in *out (new reference): {k, stratified,
 * shuffled, folds: [{n_train, n_test, metrics}], mean, std}. Errors as
 * the family's fit; a classifier fold whose training rows hold a single
 * class: 65 naming the file.
 */
int cv_run(const struct cv_input *in, const size_t *fold, size_t k,
	   int stratified, int shuffled, json_t **out, struct mlci_err *err);

/*
 * Permutation importance of the fitted m on its encoded rows X (n by
 * m->prep.nout) with labels yc or yr, repeats >= 1 times per input
 * column. *out gets {feature: {mean, std}} (new reference), *baseline
 * the unpermuted score.
 */
int perm_importance(const struct model *m, const double *X, size_t n,
		    const size_t *yc, const double *yr, size_t repeats,
		    long seed, int threads, json_t **out, double *baseline,
		    struct mlci_err *err);

#endif
