/* Unit tests of shared/mlp.c: the minibatch loss and its gradient, by
 * central finite differences on tiny networks of each output kind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlp.h"

#define B 5

/* a fixed pseudo-random value in [-1, 1) */
static double draw(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) * 0x1p-52 - 1;
}

/* net: 3 inputs, hidden 4 and 3, nout outputs of kind out; X, Y, theta */
static void setup(struct mlp_net *net, enum mlp_out out, size_t nout,
		  double *X, double *Y, uint64_t seed)
{
	uint64_t s = seed;
	size_t i, k;

	memset(net, 0, sizeof(*net));
	net->nlayers = 3;
	net->units[0] = 3, net->units[1] = 4, net->units[2] = 3;
	net->units[3] = nout;
	net->out = out;
	assert_int_equal(mlp_count(net), 0);
	assert_int_equal(net->nparams, (3 + 1) * 4 + (4 + 1) * 3 + (3 + 1) * nout);
	net->theta = malloc(net->nparams * sizeof(double));
	assert_non_null(net->theta);
	for (k = 0; k < net->nparams; k++)
		net->theta[k] = draw(&s);
	for (i = 0; i < B * 3; i++)
		X[i] = 2 * draw(&s);
	for (i = 0; i < B; i++) {
		if (out == MLP_SOFTMAX) {
			for (k = 0; k < nout; k++)
				Y[i * nout + k] = k == i % nout;
		} else if (out == MLP_LOGISTIC) {
			Y[i] = i % 2;
		} else {
			Y[i] = 3 * draw(&s);
		}
	}
}

static void check_gradient(enum mlp_out out, size_t nout, double alpha)
{
	struct mlp_net net;
	struct mlp_work *w;
	double X[B * 3], Y[B * 4], *g, *g2, h = 1e-6;
	size_t k;

	setup(&net, out, nout, X, Y, 42 + (uint64_t)out);
	w = mlp_work_new(&net, B);
	assert_non_null(w);
	g = malloc(net.nparams * sizeof(double));
	g2 = malloc(net.nparams * sizeof(double));
	assert_non_null(g);
	assert_non_null(g2);
	mlp_loss_grad(&net, w, X, Y, B, alpha, g);
	for (k = 0; k < net.nparams; k++) {
		double keep = net.theta[k], up, down, num;

		net.theta[k] = keep + h;
		up = mlp_loss_grad(&net, w, X, Y, B, alpha, g2);
		net.theta[k] = keep - h;
		down = mlp_loss_grad(&net, w, X, Y, B, alpha, g2);
		net.theta[k] = keep;
		num = (up - down) / (2 * h);
		if (fabs(num - g[k]) > 1e-6 * (1 + fabs(num)))
			fail_msg("parameter %zu: analytic %.10g, numeric %.10g", k,
				 g[k], num);
	}
	mlp_work_free(w);
	free(g), free(g2), free(net.theta);
}

static void test_mlp__gradient_identity(void **state)
{
	check_gradient(MLP_IDENTITY, 1, 0);
	check_gradient(MLP_IDENTITY, 1, 0.5);
}

static void test_mlp__gradient_logistic(void **state)
{
	check_gradient(MLP_LOGISTIC, 1, 0);
	check_gradient(MLP_LOGISTIC, 1, 0.5);
}

static void test_mlp__gradient_softmax(void **state)
{
	check_gradient(MLP_SOFTMAX, 4, 0);
	check_gradient(MLP_SOFTMAX, 4, 0.5);
}

/* the loss's L2 term is 0.5 * alpha * sum(W^2) / B, biases left out;
 * softmax rows sum to 1 */
static void test_mlp__penalty_and_outputs(void **state)
{
	struct mlp_net net;
	struct mlp_work *w;
	double X[B * 3], Y[B * 4], *g, sq = 0, l0, l1;
	const double *P;
	size_t l, k, i;

	setup(&net, MLP_SOFTMAX, 4, X, Y, 7);
	w = mlp_work_new(&net, B);
	g = malloc(net.nparams * sizeof(double));
	assert_non_null(w);
	assert_non_null(g);
	for (l = 0; l < net.nlayers; l++) {
		const double *W = net.theta + mlp_offset(&net, l);

		for (k = 0; k < net.units[l] * net.units[l + 1]; k++)
			sq += W[k] * W[k];
	}
	l0 = mlp_loss_grad(&net, w, X, Y, B, 0, g);
	l1 = mlp_loss_grad(&net, w, X, Y, B, 0.3, g);
	assert_true(fabs(l1 - l0 - 0.5 * 0.3 * sq / B) < 1e-12);
	P = mlp_forward(&net, w, X, B);
	for (i = 0; i < B; i++) {
		double s = 0;

		for (k = 0; k < 4; k++) {
			assert_true(P[i * 4 + k] > 0 && P[i * 4 + k] < 1);
			s += P[i * 4 + k];
		}
		assert_true(fabs(s - 1) < 1e-12);
	}
	mlp_work_free(w);
	free(g), free(net.theta);
}

/* parameter counts past the limit are refused, not overflowed */
static void test_mlp__count_limit(void **state)
{
	struct mlp_net net;

	memset(&net, 0, sizeof(net));
	net.nlayers = 2;
	net.units[0] = 100000, net.units[1] = 100000, net.units[2] = 1;
	assert_int_equal(mlp_count(&net), -1);
	net.units[0] = 10, net.units[1] = 5;
	assert_int_equal(mlp_count(&net), 0);
	assert_int_equal(net.nparams, 11 * 5 + 6);
	assert_int_equal(mlp_offset(&net, 1), 55);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mlp__gradient_identity),
		cmocka_unit_test(test_mlp__gradient_logistic),
		cmocka_unit_test(test_mlp__gradient_softmax),
		cmocka_unit_test(test_mlp__penalty_and_outputs),
		cmocka_unit_test(test_mlp__count_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
