/*
 * test_enet.c - shared/linmodel.c's elastic net (enet_fit) by the
 * optimality conditions of its objective: the closed form with one
 * feature (soft-thresholding), the KKT conditions with correlated ones,
 * the all-zero solution above alpha_max, and duplicated columns. (The
 * comparison with scikit-learn is tests/steps/t-train-enet.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linmodel.h"

static double soft(double z, double t)
{
	return z > t ? z - t : z < -t ? z + t : 0;
}

static void test_enet__one_feature_is_soft_threshold(void **state)
{
	const double X[] = { 1, 2, 4, 7, 11, 3 }, y[] = { 3, 1, 4, 1, 5, 9 };
	const double ratios[] = { 1, 0.5, 0.2 };
	double xm = 0, ym = 0, sxy = 0, sxx = 0, w, b;
	struct enet_summary s;
	struct mlci_err err = {0};
	int i, r;

	for (i = 0; i < 6; i++)
		xm += X[i] / 6, ym += y[i] / 6;
	for (i = 0; i < 6; i++) {
		sxy += (X[i] - xm) * (y[i] - ym) / 6;
		sxx += (X[i] - xm) * (X[i] - xm) / 6;
	}
	for (r = 0; r < 3; r++) {
		double a = 0.3, want = soft(sxy, a * ratios[r]) / (sxx + a * (1 - ratios[r]));

		assert_int_equal(enet_fit(X, y, 6, 1, a, ratios[r], 1000, 1e-10, &w, &b,
					  &s, &err), 0);
		assert_true(s.converged);
		assert_true(fabs(w - want) < 1e-12);
		assert_true(fabs(b - (ym - xm * w)) < 1e-12);
		assert_true(s.gap <= s.gap_tol);
	}
}

/* Correlated features: at the solution, every coordinate satisfies the
 * subgradient condition of the objective. */
static void test_enet__kkt_conditions_hold(void **state)
{
	enum { N = 40, P = 4 };
	double X[N * P], y[N], w[P], b, xm[P] = {0}, g, a = 0.05, r = 0.7;
	struct enet_summary s;
	struct mlci_err err = {0};
	uint64_t st = 12345;
	int i, j;

	for (i = 0; i < N; i++) {
		double z[P];

		for (j = 0; j < P; j++) {
			st = st * 6364136223846793005ULL + 1442695040888963407ULL;
			z[j] = (double)(st >> 11) / 9007199254740992.0 - 0.5;
		}
		X[i * P + 0] = z[0];
		X[i * P + 1] = z[0] + 0.1 * z[1];	/* correlated with 0 */
		X[i * P + 2] = z[2];
		X[i * P + 3] = 0.01 * z[3];	/* barely there */
		y[i] = 2 * z[0] - z[2] + 0.05 * z[3] + 3;
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < P; j++)
			xm[j] += X[i * P + j] / N;
	assert_int_equal(enet_fit(X, y, N, P, a, r, 100000, 1e-12, w, &b, &s, &err), 0);
	assert_true(s.converged);
	for (j = 0; j < P; j++) {
		g = 0;
		for (i = 0; i < N; i++) {
			double res = y[i] - b, xc = X[i * P + j];
			int k;

			for (k = 0; k < P; k++)
				res -= X[i * P + k] * w[k];
			g -= xc * res / N;
		}
		g += a * (1 - r) * w[j];
		if (w[j] != 0)
			assert_true(fabs(g + a * r * (w[j] > 0 ? 1 : -1)) < 1e-6);
		else
			assert_true(fabs(g) <= a * r + 1e-9);
	}
	assert_true(w[3] == 0);	/* the faint feature is dropped */
	assert_true(w[0] != 0 && w[2] != 0);
}

/* alpha at or above max |x_j'y_c| / (n r): every coefficient is zero,
 * after one pass, with a zero gap. */
static void test_enet__large_alpha_gives_zero(void **state)
{
	const double X[] = { 1, 0, 2, 1, 3, 5, 4, 2, 6, 3, 7, 8 };
	const double y[] = { 1, 3, 2, 5, 4, 9 };
	double w[2], b;
	struct enet_summary s;
	struct mlci_err err = {0};

	assert_int_equal(enet_fit(X, y, 6, 2, 100, 1, 1000, 1e-4, w, &b, &s, &err), 0);
	assert_true(w[0] == 0 && w[1] == 0);
	assert_true(fabs(b - 4) < 1e-12);
	assert_int_equal(s.iterations, 1);
	assert_true(s.converged);
	assert_true(fabs(s.gap) < 1e-12);
}

/* Two copies of a column: no error, and the copies share what one
 * column alone gets (lasso: their sum is the single-column solution). */
static void test_enet__duplicate_columns(void **state)
{
	const double x[] = { 1, 2, 4, 7, 11, 3 }, y[] = { 3, 1, 4, 1, 5, 9 };
	double X2[12], w1, w2[2], b1, b2;
	struct enet_summary s;
	struct mlci_err err = {0};
	int i;

	for (i = 0; i < 6; i++)
		X2[2 * i] = X2[2 * i + 1] = x[i];
	assert_int_equal(enet_fit(x, y, 6, 1, 0.2, 1, 1000, 1e-12, &w1, &b1, &s, &err), 0);
	assert_int_equal(enet_fit(X2, y, 6, 2, 0.2, 1, 1000, 1e-12, w2, &b2, &s, &err), 0);
	assert_true(s.converged);
	assert_true(fabs(w2[0] + w2[1] - w1) < 1e-9);
	assert_true(fabs(b2 - b1) < 1e-9);
}

static void test_enet__bad_arguments(void **state)
{
	const double X[] = { 1, 2 }, y[] = { 1, 2 };
	double w, b;
	struct enet_summary s;
	struct mlci_err err = {0};

	assert_int_equal(enet_fit(X, y, 2, 1, -1, 1, 10, 1e-4, &w, &b, &s, &err), -1);
	assert_int_equal(enet_fit(X, y, 2, 1, 1, 1.5, 10, 1e-4, &w, &b, &s, &err), -1);
	assert_int_equal(enet_fit(X, y, 2, 1, 1, 1, 0, 1e-4, &w, &b, &s, &err), -1);
	assert_int_equal(enet_fit(X, y, 0, 1, 1, 1, 10, 1e-4, &w, &b, &s, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enet__one_feature_is_soft_threshold),
		cmocka_unit_test(test_enet__kkt_conditions_hold),
		cmocka_unit_test(test_enet__large_alpha_gives_zero),
		cmocka_unit_test(test_enet__duplicate_columns),
		cmocka_unit_test(test_enet__bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
