/*
 * mlp.h - multilayer perceptrons (scikit-learn's MLPClassifier /
 * MLPRegressor with solver adam and activation relu) on a dense, already
 * preprocessed design matrix.
 *
 * The network: units[0] = p inputs, hidden layers of ReLU units, and
 * units[L] outputs: 1 logistic unit for two classes (probability of class
 * 1), a softmax over K > 2 classes, or 1 identity unit for regression.
 * Layer l (0 .. L-1) maps units[l] to units[l + 1] with weights W_l
 * (units[l] rows by units[l + 1] columns, row-major: W_l[i][j] joins
 * input i to unit j, scikit-learn's coefs_[l]) and biases b_l.
 * All parameters live in one vector theta, layer by layer: W_0, b_0,
 * W_1, b_1, ...
 *
 * The loss on a minibatch of B rows is scikit-learn's: mean log loss
 * (probabilities clipped to [eps, 1 - eps], eps the double epsilon) or
 * half the mean squared error, plus 0.5 * alpha * sum(W^2) / B (biases
 * unpenalised). Forward and backward passes are matrix products over the
 * minibatch (cblas_dgemm).
 *
 * Training (mlp_family.fit): Glorot-uniform initial weights and biases in
 * +-sqrt(6 / (fan_in + fan_out)); each epoch the rows are shuffled and
 * cut into minibatches of batch_size (the last one shorter), each followed
 * by one Adam step (learning_rate_init, beta_1, beta_2, epsilon, with
 * scikit-learn's bias correction folded into the step size). The epoch's
 * loss (training.loss_curve) is the row-weighted mean of the minibatch
 * losses. Stopping as scikit-learn: when for more than n_iter_no_change
 * epochs in a row the loss has not fallen below the best so far minus tol
 * (early_stopping: the validation score, accuracy or r2 on a held-out
 * validation_fraction of the rows, stratified by class, has not risen
 * above the best plus tol; the weights of the best validation epoch are
 * kept), or after max_iter epochs (not converged). A non-finite loss
 * stops the fit with an error (65) rather than a model.
 *
 * The random draws (initial weights, shuffles, validation split) come
 * from train_opts.seed alone, and the products run on one OpenBLAS
 * thread (openblas_set_num_threads(1)) so their summation order is fixed:
 * model.json is byte-identical whatever --threads.
 *
 * In model.json: model.out_activation ("logistic" | "softmax" |
 * "identity"), model.layers: [{n_in, n_out, weights (n_in * n_out
 * numbers, row-major), biases (n_out)}]; training: loss_curve,
 * validation_scores (early stopping), n_iter, converged, stop ("loss",
 * "validation" or "max_iter"), batch_size, and loss (the training log
 * loss or mse of the final weights).
 */
#ifndef MLCI_MLP_H
#define MLCI_MLP_H

#include <stddef.h>

#include "model.h"

/* Most hidden layers, most units in one, most parameters in a network. */
#define MLP_MAX_HIDDEN 16
#define MLP_MAX_UNITS ((size_t)100000)
#define MLP_MAX_PARAMS ((size_t)1 << 26)

enum mlp_out { MLP_IDENTITY, MLP_LOGISTIC, MLP_SOFTMAX };

struct mlp_net {
	size_t nlayers;			/* L weight layers (hidden + 1) */
	size_t units[MLP_MAX_HIDDEN + 2];	/* L + 1 layer widths */
	enum mlp_out out;
	size_t nparams;
	double *theta;			/* nparams: W_0, b_0, W_1, b_1, ... */
};

/* Offset of W_l in theta (b_l follows its units[l] * units[l + 1]). */
size_t mlp_offset(const struct mlp_net *net, size_t l);

/* Set net->nparams from the units; -1 when above MLP_MAX_PARAMS. */
int mlp_count(struct mlp_net *net);

/* Scratch for minibatches of up to maxb rows (mlp_work_free it). */
struct mlp_work;
struct mlp_work *mlp_work_new(const struct mlp_net *net, size_t maxb);
void mlp_work_free(struct mlp_work *w);

/*
 * Forward pass of B <= maxb rows X (B by units[0], row-major); returns the
 * output activations (B by units[L], owned by w, valid until the next
 * call).
 */
const double *mlp_forward(const struct mlp_net *net, struct mlp_work *w,
			  const double *X, size_t B);

/*
 * Loss and gradient on a minibatch: X as above, Y the targets (B by
 * units[L]: one-hot classes for softmax, 0/1 for logistic, values for
 * identity). grad gets nparams values laid out as theta. Returns the
 * loss (with its L2 term).
 */
double mlp_loss_grad(const struct mlp_net *net, struct mlp_work *w,
		     const double *X, const double *Y, size_t B, double alpha,
		     double *grad);

extern const struct model_family mlp_family;

#endif
