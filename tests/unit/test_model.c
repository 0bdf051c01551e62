/* Unit tests of the model core: L-BFGS, the linear-model fits,
 * preprocessing, model.json loading and prediction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "artifact.h"
#include "csv.h"
#include "lbfgs.h"
#include "linmodel.h"
#include "model.h"
#include "preprocess.h"

static char tmp_dir[256];

static int setup_dir(void **state)
{
	const char *d = getenv("TMPDIR");

	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_model.XXXXXX",
		 d && *d ? d : "/tmp");
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text to tmp_dir/name; the path is in a static buffer. */
static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	fclose(fp);
	return path;
}

static void load_csv(struct frame *f, const char *name, const char *text)
{
	struct csv_opts o;
	struct mlci_err err = {0};

	csv_opts_init(&o);
	if (frame_load(f, write_file(name, text), &o, &err) < 0)
		fail_msg("frame_load: %s", err.msg);
}

/* --- L-BFGS --- */

static double rosenbrock(void *ctx, const double *x, double *g)
{
	size_t n = *(size_t *)ctx, i;
	double f = 0;

	for (i = 0; i < n; i++)
		g[i] = 0;
	for (i = 0; i + 1 < n; i++) {
		double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];

		f += 100 * a * a + b * b;
		g[i] += -400 * x[i] * a - 2 * b;
		g[i + 1] += 200 * a;
	}
	return f;
}

static void test_model__lbfgs_rosenbrock(void **state)
{
	size_t n = 10, i;
	double x[10];
	struct lbfgs_params p;
	struct lbfgs_result r;

	for (i = 0; i < n; i++)
		x[i] = i % 2 ? 1.0 : -1.2;
	lbfgs_defaults(&p);
	p.gtol = 1e-10;
	p.ftol = 0;
	assert_int_equal(lbfgs_minimize(n, x, rosenbrock, &n, &p, &r), 0);
	assert_true(r.converged);
	assert_int_equal(r.stop, LBFGS_GTOL);
	assert_true(r.iterations > 10 && r.iterations < 1000);
	assert_true(r.f < 1e-18);
	for (i = 0; i < n; i++)
		assert_true(fabs(x[i] - 1) < 1e-8);
}

/* f = sum_i d_i (x_i - i)^2 / 2, condition number 1e3 (scipy's L-BFGS-B
 * needs 231 iterations for gtol 1e-9) */
static double quadratic(void *ctx, const double *x, double *g)
{
	double f = 0;
	int i;

	for (i = 0; i < 20; i++) {
		double d = pow(10, 3.0 * i / 19), e = x[i] - i;

		f += 0.5 * d * e * e;
		g[i] = d * e;
	}
	return f;
}

static void test_model__lbfgs_quadratic(void **state)
{
	double x[20] = {0};
	struct lbfgs_params p;
	struct lbfgs_result r;
	int i;

	lbfgs_defaults(&p);
	p.gtol = 1e-9;
	p.ftol = 0;
	assert_int_equal(lbfgs_minimize(20, x, quadratic, NULL, &p, &r), 0);
	assert_true(r.converged);
	assert_string_equal(lbfgs_stop_name(r.stop), "gtol");
	assert_true(r.gmax <= 1e-9);
	assert_true(r.iterations < 500);
	for (i = 0; i < 20; i++)
		assert_true(fabs(x[i] - i) < 1e-8);
}

static void test_model__lbfgs_max_iter(void **state)
{
	size_t n = 2;
	double x[2] = { -1.2, 1 };
	struct lbfgs_params p;
	struct lbfgs_result r;

	lbfgs_defaults(&p);
	p.max_iter = 3;
	assert_int_equal(lbfgs_minimize(n, x, rosenbrock, &n, &p, &r), 0);
	assert_false(r.converged);
	assert_int_equal(r.stop, LBFGS_MAX_ITER);
	assert_int_equal(r.iterations, 3);
	assert_true(r.f < 24.2);	/* it still went downhill from f(x0) */
}

static double nan_at_start(void *ctx, const double *x, double *g)
{
	g[0] = 0;
	return NAN;
}

static void test_model__lbfgs_nonfinite_start(void **state)
{
	double x[1] = {0};
	struct lbfgs_params p;
	struct lbfgs_result r;

	lbfgs_defaults(&p);
	assert_int_equal(lbfgs_minimize(1, x, nan_at_start, NULL, &p, &r), -1);
	assert_false(r.converged);
}

/* --- ridge / OLS --- */

static void test_model__ridge_closed_form_one_feature(void **state)
{
	const double X[] = { 1, 2, 4, 7, 11 }, y[] = { 3, 1, 4, 1, 5 };
	double w, b, xm = 5, ym = 2.8, sxy = 0, sxx = 0, alpha = 2.5;
	struct fit_summary s;
	struct mlci_err err = {0};
	int i;

	for (i = 0; i < 5; i++) {
		sxy += (X[i] - xm) * (y[i] - ym);
		sxx += (X[i] - xm) * (X[i] - xm);
	}
	assert_int_equal(ridge_fit(X, NULL, y, 5, 1, alpha, &w, &b, &s, &err), 0);
	assert_true(fabs(w - sxy / (sxx + alpha)) < 1e-14);
	assert_true(fabs(b - (ym - xm * sxy / (sxx + alpha))) < 1e-14);
	assert_string_equal(s.stop, "direct");
	assert_true(s.converged);
	assert_int_equal(ridge_fit(X, NULL, y, 5, 1, 0, &w, &b, &s, &err), 0);
	assert_true(fabs(w - sxy / sxx) < 1e-14);
}

static void test_model__ridge_closed_form_two_features(void **state)
{
	/* w = (Xc'Xc + aI)^-1 Xc'yc by the 2x2 inverse */
	const double X[] = { 1, 0, 2, 1, 3, 5, 4, 2, 6, 3, 7, 8 };
	const double y[] = { 1, 3, 2, 5, 4, 9 };
	double m0 = 0, m1 = 0, ym = 0, a = 0.7, A00 = 0, A01 = 0, A11 = 0;
	double c0 = 0, c1 = 0, det, w0, w1, w[2], b, rss = 0;
	struct fit_summary s;
	struct mlci_err err = {0};
	int i;

	for (i = 0; i < 6; i++)
		m0 += X[2 * i] / 6, m1 += X[2 * i + 1] / 6, ym += y[i] / 6;
	for (i = 0; i < 6; i++) {
		double u = X[2 * i] - m0, v = X[2 * i + 1] - m1, t = y[i] - ym;

		A00 += u * u, A01 += u * v, A11 += v * v, c0 += u * t, c1 += v * t;
	}
	A00 += a, A11 += a;
	det = A00 * A11 - A01 * A01;
	w0 = (A11 * c0 - A01 * c1) / det;
	w1 = (A00 * c1 - A01 * c0) / det;
	assert_int_equal(ridge_fit(X, NULL, y, 6, 2, a, w, &b, &s, &err), 0);
	assert_true(fabs(w[0] - w0) < 1e-12);
	assert_true(fabs(w[1] - w1) < 1e-12);
	assert_true(fabs(b - (ym - m0 * w0 - m1 * w1)) < 1e-12);
	for (i = 0; i < 6; i++) {
		double r = y[i] - b - w[0] * X[2 * i] - w[1] * X[2 * i + 1];

		rss += r * r;
	}
	assert_true(fabs(s.loss - rss / 6) < 1e-12);
	assert_true(fabs(s.objective - (rss + a * (w[0] * w[0] + w[1] * w[1]))) < 1e-10);
}

static void test_model__ols_exact_and_rank_deficient(void **state)
{
	/* y = 5 + 2 a - 3 b exactly; then a duplicated column: the
	 * minimum-norm solution splits the weight evenly */
	const double X[] = { 0, 1, 1, 0, 2, 2, 3, 1, 4, 5 };
	const double D[] = { 1, 1, 2, 2, 3, 3, 5, 5 };
	double y[5], yd[4] = { 2, 4, 6, 10 }, w[2], b;
	struct fit_summary s;
	struct mlci_err err = {0};
	int i;

	for (i = 0; i < 5; i++)
		y[i] = 5 + 2 * X[2 * i] - 3 * X[2 * i + 1];
	assert_int_equal(ridge_fit(X, NULL, y, 5, 2, 0, w, &b, &s, &err), 0);
	assert_true(fabs(w[0] - 2) < 1e-12 && fabs(w[1] + 3) < 1e-12);
	assert_true(fabs(b - 5) < 1e-12);
	assert_true(s.loss < 1e-24);
	assert_int_equal(ridge_fit(D, NULL, yd, 4, 2, 0, w, &b, &s, &err), 0);
	assert_true(fabs(w[0] - 1) < 1e-12 && fabs(w[1] - 1) < 1e-12);
	assert_true(fabs(b) < 1e-12);
}

static void test_model__ols_wide(void **state)
{
	/* more features than rows: the fit goes through every row, and the
	 * centred design has rank n - 1 */
	const double X[] = { 1, 0, 2, 5, 3, 1, 0, 2, 4, 4, 1, 0 };
	const double y[] = { 1, 7, -2 };
	double w[4], b, r;
	struct fit_summary s;
	struct mlci_err err = {0};
	int i, j;

	assert_int_equal(ridge_fit(X, NULL, y, 3, 4, 0, w, &b, &s, &err), 0);
	assert_int_equal(s.rank, 2);
	for (i = 0; i < 3; i++) {
		r = y[i] - b;
		for (j = 0; j < 4; j++)
			r -= w[j] * X[4 * i + j];
		assert_true(fabs(r) < 1e-12);
	}
	assert_true(s.loss < 1e-24);
}

/* --- logistic --- */

/* A small, overlapping two-feature data set. */
static void logit_data(double *X, size_t *y, size_t n, size_t K)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double t = (double)i / (double)n;

		X[2 * i] = sin(7 * t) + t;
		X[2 * i + 1] = cos(3 * t) - 0.5 * t;
		y[i] = (size_t)(i * 7 + (i * i) % 5) % K;
	}
}

/* Gradient of 0.5||W||^2 + C sum log loss, computed independently. */
static double logit_grad_max(const double *X, const size_t *y, size_t n,
			     size_t K, double C, const double *W,
			     const double *b)
{
	size_t R = K == 2 ? 1 : K, i, k, j;
	double g[3 * 2 + 3] = {0}, mx = 0;

	for (i = 0; i < n; i++) {
		double z[3], p[3];

		for (k = 0; k < R; k++)
			z[k] = b[k] + W[2 * k] * X[2 * i] + W[2 * k + 1] * X[2 * i + 1];
		logistic_proba(z, K, p);
		for (k = 0; k < R; k++) {
			double r = R == 1 ? p[1] - (y[i] == 1) : p[k] - (y[i] == k);

			for (j = 0; j < 2; j++)
				g[2 * k + j] += C * r * X[2 * i + j];
			g[2 * R + k] += C * r;
		}
	}
	for (k = 0; k < 2 * R; k++)
		g[k] += W[k];
	for (k = 0; k < 3 * R; k++)
		if (fabs(g[k]) > mx)
			mx = fabs(g[k]);
	return mx;
}

static void test_model__logistic_binary_optimal(void **state)
{
	double X[2 * 200], W[2], b[1], C = 3.0;
	size_t y[200];
	struct lbfgs_params lp;
	struct fit_summary s;
	struct mlci_err err = {0};

	logit_data(X, y, 200, 2);
	lbfgs_defaults(&lp);
	assert_int_equal(logistic_fit(X, NULL, y, 200, 2, 2, C, &lp, 1, W, b, &s, &err), 0);
	assert_true(s.converged);
	/* the scaled gradient is <= 1e-8, so the raw one <= 1e-8 * C n */
	assert_true(logit_grad_max(X, y, 200, 2, C, W, b) < 1e-8 * C * 200);
	assert_true(s.loss > 0 && s.loss < log(2));
	assert_true(fabs(s.objective - (0.5 * (W[0] * W[0] + W[1] * W[1]) +
					C * 200 * s.loss)) < 1e-9);
}

static void test_model__logistic_multinomial_optimal(void **state)
{
	double X[2 * 150], W[6], b[3], C = 0.5;
	size_t y[150];
	struct lbfgs_params lp;
	struct fit_summary s;
	struct mlci_err err = {0};

	logit_data(X, y, 150, 3);
	lbfgs_defaults(&lp);
	assert_int_equal(logistic_fit(X, NULL, y, 150, 2, 3, C, &lp, 1, W, b, &s, &err), 0);
	assert_true(s.converged);
	assert_true(logit_grad_max(X, y, 150, 3, C, W, b) < 1e-8 * C * 150);
	assert_true(fabs(b[0] + b[1] + b[2]) < 1e-12);
	assert_true(s.loss > 0 && s.loss < log(3));
}

static void test_model__logistic_proba(void **state)
{
	double z1[1] = { 0 }, p[3], big[1] = { 800 }, zk[3] = { 1000, 1000, -1000 };

	logistic_proba(z1, 2, p);
	assert_true(p[0] == 0.5 && p[1] == 0.5);
	logistic_proba(big, 2, p);
	assert_true(p[1] == 1 && p[0] == 0);
	big[0] = -800;
	logistic_proba(big, 2, p);
	assert_true(p[1] == 0 && p[0] == 1);
	logistic_proba(zk, 3, p);
	assert_true(fabs(p[0] - 0.5) < 1e-15 && fabs(p[1] - 0.5) < 1e-15);
	assert_true(p[2] >= 0 && p[2] < 1e-300);
}

/* --- preprocessing --- */

static const char prep_csv[] =
	"num,cat,const,y\n"
	"1,b,7,x\n"
	",a,7,y\n"
	"3,b,7,x\n"
	"4,,7,y\n"
	"2,a,7,x\n"
	"1.5,c,7,y\n";

static void fit_prep(struct prep *p, struct frame *f)
{
	size_t cols[3] = { 0, 1, 2 };
	struct mlci_err err = {0};

	load_csv(f, "prep.csv", prep_csv);
	if (prep_fit(p, f, cols, 3, &err) < 0)
		fail_msg("prep_fit: %s", err.msg);
}

static void test_model__prep_fit(void **state)
{
	struct frame f = {0};
	struct prep p;
	double mean = (1 + 3 + 4 + 2 + 1.5) / 5, ss = 0, x[5];
	const double v[] = { 1, 3, 4, 2, 1.5 };
	size_t map[3] = { 0, 1, 2 }, i;
	struct mlci_err err = {0};
	char name[64];

	fit_prep(&p, &f);
	for (i = 0; i < 5; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	assert_int_equal(p.ncols, 3);
	assert_int_equal(p.nout, 5);
	assert_int_equal(p.cols[0].kind, PREP_NUMERIC);
	assert_true(fabs(p.cols[0].mean - mean) < 1e-15);
	/* population std over all 6 rows, the imputed one at the mean */
	assert_true(fabs(p.cols[0].scale - sqrt(ss / 6)) < 1e-15);
	assert_int_equal(p.cols[1].kind, PREP_CATEGORICAL);
	assert_int_equal(p.cols[1].ncats, 3);
	assert_string_equal(p.cols[1].cats[0], "a");
	assert_string_equal(p.cols[1].cats[2], "c");
	/* a and b both appear twice: the smallest wins */
	assert_int_equal(p.cols[1].fill, 0);
	assert_int_equal(p.cols[2].kind, PREP_NUMERIC);
	assert_true(p.cols[2].scale == 1);	/* constant column */
	prep_out_name(&p, 2, name, sizeof(name));
	assert_string_equal(name, "cat=b");

	/* row 1: numeric missing -> 0; row 3: category missing -> a */
	assert_int_equal(prep_row(&p, &f, map, 1, x, &err), 0);
	assert_true(x[0] == 0 && x[1] == 1 && x[2] == 0 && x[3] == 0 && x[4] == 0);
	assert_int_equal(prep_row(&p, &f, map, 3, x, &err), 0);
	assert_true(fabs(x[0] - (4 - mean) / p.cols[0].scale) < 1e-15);
	assert_true(x[1] == 1 && x[2] == 0 && x[3] == 0);
	prep_free(&p);
	frame_free(&f);
}

static void test_model__prep_json_round_trip(void **state)
{
	struct frame f = {0};
	struct prep p, q;
	struct mlci_err err = {0};
	double a[5], b[5];
	size_t map[3], r, i;
	json_t *j;
	char *s1, *s2;

	fit_prep(&p, &f);
	j = prep_to_json(&p);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "outputs")), 5);
	/* through text, as model.json stores it */
	s1 = json_dumps(j, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(j);
	j = json_loads(s1, 0, NULL);
	assert_int_equal(prep_from_json(&q, j, "m.json", &err), 0);
	json_decref(j);
	j = prep_to_json(&q);
	s2 = json_dumps(j, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	assert_string_equal(s1, s2);
	assert_int_equal(prep_bind(&q, &f, map, &err), 0);
	for (r = 0; r < f.nrows; r++) {
		assert_int_equal(prep_row(&p, &f, map, r, a, &err), 0);
		assert_int_equal(prep_row(&q, &f, map, r, b, &err), 0);
		for (i = 0; i < 5; i++)
			assert_true(a[i] == b[i]);
	}
	free(s1);
	free(s2);
	json_decref(j);
	prep_free(&p);
	prep_free(&q);
	frame_free(&f);
}

static void test_model__prep_ordinal(void **state)
{
	struct frame f = {0}, g = {0};
	struct prep p, q;
	struct mlci_err err = {0};
	size_t map[3] = { 0, 1, 2 };
	double x[5];
	char name[64];
	json_t *j;

	fit_prep(&p, &f);
	/* cat (a, b, c) fits 3 categories: one output, the index */
	assert_int_equal(prep_set_ordinal(&p, 3), 0);
	assert_int_equal(p.nout, 3);
	assert_int_equal(prep_width(&p.cols[1]), 1);
	assert_int_equal(p.cols[2].offset, 2);
	prep_out_name(&p, 1, name, sizeof(name));
	assert_string_equal(name, "cat");
	assert_int_equal(prep_row(&p, &f, map, 0, x, &err), 0);
	assert_true(x[1] == 1);			/* b */
	assert_int_equal(prep_row(&p, &f, map, 3, x, &err), 0);
	assert_true(isnan(x[1]));		/* missing: NaN, not the mode */
	/* an unseen category: NaN, as missing */
	load_csv(&g, "new.csv", "num,cat,const\n1,zzz,7\n1,c,7\n");
	assert_int_equal(prep_bind(&p, &g, map, &err), 0);
	assert_int_equal(prep_row(&p, &g, map, 0, x, &err), 0);
	assert_true(isnan(x[1]));
	assert_int_equal(prep_row(&p, &g, map, 1, x, &err), 0);
	assert_true(x[1] == 2);
	/* model.json keeps it */
	j = prep_to_json(&p);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "columns"), 1), "encoding")), "ordinal");
	assert_int_equal(prep_from_json(&q, j, "m.json", &err), 0);
	assert_int_equal(q.nout, 3);
	assert_int_equal(q.cols[1].ordinal, 1);
	prep_free(&q);
	json_decref(j);
	/* 2 categories at most: cat stays one-hot (counted); 0: all one-hot */
	assert_int_equal(prep_set_ordinal(&p, 2), 1);
	assert_int_equal(p.nout, 5);
	assert_int_equal(prep_set_ordinal(&p, 0), 0);
	assert_int_equal(p.nout, 5);
	assert_int_equal(p.cols[1].ordinal, 0);
	j = prep_to_json(&p);
	assert_null(json_object_get(json_array_get(json_object_get(j, "columns"), 1),
				    "encoding"));
	json_decref(j);
	prep_free(&p);
	frame_free(&f);
	frame_free(&g);
}

static void test_model__prep_unseen_and_bad_values(void **state)
{
	struct frame f = {0}, g = {0};
	struct prep p;
	struct mlci_err err = {0};
	size_t map[3];
	double x[5];

	fit_prep(&p, &f);
	/* columns in another order, an unseen category, then a non-number */
	load_csv(&g, "new.csv", "y,const,cat,num\nq,7,zzz,2\nq,7,a,abc\n");
	assert_int_equal(prep_bind(&p, &g, map, &err), 0);
	assert_int_equal(map[0], 3);
	assert_int_equal(prep_row(&p, &g, map, 0, x, &err), 0);
	assert_true(x[1] == 0 && x[2] == 0 && x[3] == 0);
	assert_int_equal(prep_row(&p, &g, map, 1, x, &err), -1);
	assert_int_equal(err.code, 65);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 7);
	assert_non_null(strstr(err.msg, "expected a number in column 'num', found 'abc'"));
	frame_free(&g);

	/* a feature column missing from the frame */
	load_csv(&g, "short.csv", "num,const\n1,7\n");
	assert_int_equal(prep_bind(&p, &g, map, &err), -1);
	assert_int_equal(err.code, 65);
	assert_non_null(strstr(err.msg, "'cat'"));
	assert_non_null(strstr(err.file, "short.csv"));
	frame_free(&g);
	prep_free(&p);
	frame_free(&f);
}

/* --- training, model.json, prediction --- */

static const char train_csv[] =
	"id,colour,size,label\n"
	"1,red,1.0,no\n2,blue,2.0,yes\n3,red,1.5,no\n4,green,3.0,yes\n"
	"5,blue,2.5,yes\n6,red,,no\n7,green,1.2,no\n8,blue,2.8,yes\n"
	"9,red,2.9,yes\n10,green,0.5,no\n";

static const char *train_model(const char *model, const char *label,
			       const char *features)
{
	static char out[512];
	struct train_opts o = {0};
	struct train_result r;
	struct mlci_err err = {0};

	snprintf(out, sizeof(out), "%s/%s.json", tmp_dir, model);
	o.data = write_file("train.csv", train_csv);
	o.label = label;
	o.model = model;
	o.out = out;
	o.features = features;
	csv_opts_init(&o.csv);
	if (train_run(&o, &r, &err) < 0)
		fail_msg("train_run: %s", err.msg);
	assert_true(r.fit.converged);
	return out;
}

static void test_model__train_load_predict(void **state)
{
	struct model *m;
	struct frame f = {0};
	struct mlci_err err = {0};
	char sha[65];
	double prob[2 * 3];
	const char *path = train_model("logistic", "label", "colour,size");

	assert_int_equal(model_load(&m, path, sha, &err), 0);
	assert_true(sha256_valid(sha));
	assert_true(model_is_classifier(m));
	assert_int_equal(model_nclasses(m), 2);
	assert_string_equal(model_class_name(m, 0), "no");
	assert_string_equal(model_class_name(m, 1), "yes");
	assert_null(model_class_name(m, 2));
	assert_int_equal(model_class_index(m, "yes"), 1);
	assert_int_equal(model_class_index(m, "maybe"), -1);
	assert_string_equal(model_label(m), "label");
	assert_string_equal(model_type(m), "logistic");
	assert_int_equal(model_nfeatures(m), 2);
	assert_string_equal(model_feature_name(m, 0), "colour");
	/* unseen colour, missing size, no label column at all */
	load_csv(&f, "pred.csv", "size,colour\n3.0,blue\n0.7,purple\n,\n");
	assert_int_equal(model_predict(m, &f, prob, &err), 0);
	assert_true(prob[1] > 0.5);	/* big blue: yes */
	assert_true(prob[2] > 0.5);	/* small, unknown colour: no */
	assert_true(fabs(prob[0] + prob[1] - 1) < 1e-15);
	assert_true(fabs(prob[4] + prob[5] - 1) < 1e-15);
	frame_free(&f);
	model_free(m);
}

static void test_model__train_regression(void **state)
{
	struct model *m;
	struct frame f = {0};
	struct mlci_err err = {0};
	double yhat[2];
	const char *path = train_model("ridge", "id", "colour");

	assert_int_equal(model_load(&m, path, NULL, &err), 0);
	assert_false(model_is_classifier(m));
	assert_int_equal(model_nclasses(m), 0);
	assert_null(model_class_name(m, 0));
	load_csv(&f, "pred.csv", "colour\nblue\nred\n");
	assert_int_equal(model_predict(m, &f, yhat, &err), 0);
	/* ridge on one-hot: the blue ids (2, 5, 8) average 5, red 4.75,
	 * shrunk towards the mean 5.5 */
	assert_true(yhat[0] < 5.5 && yhat[0] > 5);
	assert_true(yhat[1] < yhat[0]);
	frame_free(&f);
	model_free(m);
}

/* Train a good model, replace the first `from` in its model.json with
 * `to`, and check model_load refuses the result with code and message. */
static void expect_reject(const char *from, const char *to, int code,
			  const char *msg_part)
{
	const char *good = train_model("logistic", "label", NULL);
	struct mlci_err err = {0};
	struct model *m = NULL;
	static char buf[1 << 16], text[(1 << 16) + 256];
	char path[512];
	const char *hit;
	FILE *fp = fopen(good, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	hit = strstr(buf, from);
	if (!hit)
		fail_msg("'%s' not in model.json", from);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(hit - buf), buf, to,
		 hit + strlen(from));
	snprintf(path, sizeof(path), "%s", write_file("bad.json", text));
	assert_int_equal(model_load(&m, path, NULL, &err), -1);
	assert_null(m);
	assert_int_equal(err.code, code);
	assert_string_equal(err.file, path);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
}

static void test_model__load_rejects(void **state)
{
	struct mlci_err err = {0};
	struct model *m;
	char path[512];

	expect_reject("\"kind\": \"mlci.model\"", "\"kind\": \"mlci.metrics\"",
		      65, "kind 'mlci.model'");
	expect_reject("\"schema_version\": 1", "\"schema_version\": 2", 65,
		      "schema_version 2");
	expect_reject("\"task\": \"classification\"", "\"task\": \"clustering\"",
		      65, "task");
	expect_reject("\"type\": \"logistic\"", "\"type\": \"svm\"", 65,
		      "svm");
	expect_reject("\"classes\": [\n    \"no\",", "\"classes\": [", 65,
		      "classes");
	expect_reject("\"intercepts\": [", "\"intercepts\": [1.0, ", 65,
		      "model.intercepts");
	expect_reject("\"coefficients\": [\n      [", "\"coefficients\": [\n      [0.5, ",
		      65, "model.coefficients[0]");
	expect_reject("\"coefficients\": [", "\"coefficients\": [[1, 2],", 65,
		      "rows");
	expect_reject("\"n_outputs\": ", "\"n_outputs\": 1", 65, "n_outputs");
	expect_reject("\"blue\",", "\"zed\",", 65, "sorted");
	expect_reject("\"impute\": \"red\"", "\"impute\": \"pink\"", 65, "impute");
	expect_reject("\"scale\": ", "\"scale\": -", 65, "scale");
	expect_reject("\"features\": [\n    \"id\"", "\"features\": [\n    \"ID\"",
		      65, "features[0]");
	expect_reject("\"label\": \"label\"", "\"label\": \"id\"", 65, "label");
	expect_reject("\"model\": {", "\"modelx\": {", 65, "'model'");
	expect_reject("{", "[", 65, NULL);	/* not JSON any more */
	expect_reject("\"type\": \"numeric\"", "\"type\": 7", 65, "'type'");

	snprintf(path, sizeof(path), "%s/none.json", tmp_dir);
	assert_int_equal(model_load(&m, path, NULL, &err), -1);
	assert_int_equal(err.code, 66);
}

/* Every node of a good model.json replaced by each wrong-typed value,
 * or deleted: model_load refuses it with 65 (or accepts a harmless
 * change), never crashes. */
struct mutate {
	json_t *root;
	char path[512];
	long tried, refused;
};

static void try_load(struct mutate *mu)
{
	struct mlci_err err = {0};
	struct model *m = NULL;
	int rc;

	assert_int_equal(json_dump_file(mu->root, mu->path, JSON_SORT_KEYS), 0);
	rc = model_load(&m, mu->path, NULL, &err);
	mu->tried++;
	if (rc < 0) {
		mu->refused++;
		if (err.code != 65)
			fail_msg("code %d: %s", err.code, err.msg);
		assert_null(m);
	}
	model_free(m);
}

static json_t *wrong_value(int i)
{
	switch (i) {
	case 0: return json_null();
	case 1: return json_true();
	case 2: return json_string("x");
	case 3: return json_integer(-1);
	case 4: return json_integer(1LL << 40);
	case 5: return json_real(1e300);
	case 6: return json_array();
	case 7: return json_object();
	default: return json_pack("[s,i,[]]", "a", 3);
	}
}

static void mutate_tree(struct mutate *mu, json_t *node)
{
	size_t i, n;
	int v;

	if (json_is_object(node)) {
		const char *key;
		json_t *val;
		char **keys = calloc(json_object_size(node) + 1, sizeof(*keys));

		n = 0;
		json_object_foreach(node, key, val)
			keys[n++] = strdup(key);
		for (i = 0; i < n; i++) {
			json_t *orig = json_incref(json_object_get(node, keys[i]));

			for (v = 0; v < 9; v++) {
				json_object_set_new(node, keys[i], wrong_value(v));
				try_load(mu);
			}
			json_object_del(node, keys[i]);
			try_load(mu);
			json_object_set(node, keys[i], orig);
			mutate_tree(mu, orig);
			json_decref(orig);
			free(keys[i]);
		}
		free(keys);
	} else if (json_is_array(node)) {
		n = json_array_size(node);
		for (i = 0; i < n; i++) {
			json_t *orig = json_incref(json_array_get(node, i));

			for (v = 0; v < 9; v++) {
				json_array_set_new(node, i, wrong_value(v));
				try_load(mu);
			}
			json_array_set(node, i, orig);
			mutate_tree(mu, orig);
			json_decref(orig);
		}
		json_array_append_new(node, json_string("extra"));
		try_load(mu);
		json_array_remove(node, n);
		if (n) {
			json_t *last = json_incref(json_array_get(node, n - 1));

			json_array_remove(node, n - 1);
			try_load(mu);
			json_array_append_new(node, last);
		}
	}
}

static void test_model__load_survives_mutations(void **state)
{
	struct mutate mu = {0};
	struct mlci_err err = {0};
	const char *good = train_model("logistic", "label", "colour,size");

	assert_int_equal(json_load_path(good, &mu.root, &err), 0);
	snprintf(mu.path, sizeof(mu.path), "%s/mutant.json", tmp_dir);
	mutate_tree(&mu, mu.root);
	json_decref(mu.root);
	assert_true(mu.tried > 500);
	print_message("%ld mutants, %ld refused\n", mu.tried, mu.refused);
	assert_true(mu.refused > mu.tried / 4);
}

/* Huge finite values must not overflow the mean and std: column a's
 * exact population std is sqrt(8/3) e200 (the overflowing sums made it
 * a "constant" column with scale 1); column b's values are near DBL_MAX
 * and x - mean itself overflows at encoding. */
static void test_model__prep_fit_huge_values(void **state)
{
	struct frame f = {0};
	struct prep p;
	struct mlci_err err = {0};
	size_t cols[3] = { 0, 1, 2 }, map[3] = { 0, 1, 2 };
	double x[3];

	load_csv(&f, "huge.csv", "a,b,c\n1e200,1.7e308,1e-300\n"
		 "-1e200,-1.7e308,3e-300\n3e200,-1.7e308,2e-300\n");
	if (prep_fit(&p, &f, cols, 3, &err) < 0)
		fail_msg("prep_fit: %s", err.msg);
	assert_true(fabs(p.cols[0].mean / 1e200 - 1) < 1e-15);
	assert_true(fabs(p.cols[0].scale / (sqrt(8.0 / 3) * 1e200) - 1) < 1e-15);
	assert_true(fabs(p.cols[1].mean / (-1.7e308 / 3) - 1) < 1e-15);
	/* population std of (1, -1, -1) * 1.7e308: sqrt(8/9) * 1.7e308 */
	assert_true(fabs(p.cols[1].scale / (sqrt(8.0 / 9) * 1.7e308) - 1) < 1e-15);
	/* tiny values are not constant either: std sqrt(2/3) e-300 */
	assert_true(fabs(p.cols[2].scale / (sqrt(2.0 / 3) * 1e-300) - 1) < 1e-14);
	assert_int_equal(prep_row(&p, &f, map, 1, x, &err), 0);
	assert_true(fabs(x[0] + sqrt(1.5)) < 1e-15);
	assert_int_equal(prep_row(&p, &f, map, 0, x, &err), 0);
	assert_true(fabs(x[0]) < 1e-15);
	assert_true(fabs(x[1] - sqrt(2)) < 1e-15);	/* (4/3) / sqrt(8/9) */
	assert_true(fabs(x[2] + sqrt(1.5)) < 1e-14);
	prep_free(&p);
	frame_free(&f);
}

/* Data that does not overflow gets exactly what the plain sums give. */
static void test_model__prep_fit_bit_exact(void **state)
{
	static const double v[] = { 14.23, 13.2, 13.16, 14.37, 13.24, 0.1,
				    1e-3, 127.5, 3.3333, 2.5e-5 };
	char text[1024] = "x\n";
	struct frame f = {0};
	struct prep p;
	struct mlci_err err = {0};
	size_t cols[1] = { 0 }, i, n = sizeof(v) / sizeof(v[0]), len;
	double sum = 0, ss = 0, mean;

	for (i = 0; i < n; i++) {
		len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "%.17g\n", v[i]);
		sum += v[i];
	}
	len = strlen(text);
	snprintf(text + len, sizeof(text) - len, "NA\n");	/* one missing */
	mean = sum / (double)n;
	for (i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	load_csv(&f, "exact.csv", text);
	assert_int_equal(f.nrows, n + 1);
	if (prep_fit(&p, &f, cols, 1, &err) < 0)
		fail_msg("prep_fit: %s", err.msg);
	assert_true(p.cols[0].mean == mean);
	assert_true(p.cols[0].scale == sqrt(ss / (double)(n + 1)));
	prep_free(&p);
	frame_free(&f);
}

/* model_from_json: model_load's checks on a parsed artifact. */
static void test_model__from_json(void **state)
{
	const char *path = train_model("logistic", "label", "colour,size");
	struct mlci_err err = {0};
	struct model *m = NULL;
	json_t *j, *row;

	assert_int_equal(json_load_path(path, &j, &err), 0);
	assert_int_equal(model_from_json(&m, j, "in/model.json", &err), 0);
	assert_non_null(m);
	assert_int_equal(model_nclasses(m), 2);
	model_free(m);
	/* one coefficient removed: refused, as mlci-evaluate refuses it */
	row = json_array_get(json_object_get(json_object_get(j, "model"),
					     "coefficients"), 0);
	assert_int_equal(json_array_remove(row, 0), 0);
	assert_int_equal(model_from_json(&m, j, "in/model.json", &err), -1);
	assert_null(m);
	assert_int_equal(err.code, 65);
	assert_string_equal(err.file, "in/model.json");
	assert_non_null(strstr(err.msg, "model.coefficients[0]"));
	json_decref(j);
	/* kind and version are checked too */
	assert_int_equal(json_load_path(path, &j, &err), 0);
	json_object_set_new(j, "schema_version", json_integer(2));
	assert_int_equal(model_from_json(&m, j, "in/model.json", &err), -1);
	assert_int_equal(err.code, 65);
	json_object_set_new(j, "schema_version", json_integer(1));
	json_object_set_new(j, "kind", json_string("mlci.metrics"));
	assert_int_equal(model_from_json(&m, j, "in/model.json", &err), -1);
	assert_non_null(strstr(err.msg, "mlci.model"));
	json_decref(j);
	j = json_array();
	assert_int_equal(model_from_json(&m, j, "in/model.json", &err), -1);
	assert_int_equal(err.code, 65);
	json_decref(j);
}

/* Every family is found by its name, declares a task and all of its
 * operations; model_family_names lists them all. */
static void test_model__families(void **state)
{
	static const char *const names[] = { "logistic", "linear", "ridge",
					     "tree", "forest" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		const struct model_family *f = model_family_find(names[i]);

		assert_non_null(f);
		assert_string_equal(f->name, names[i]);
		assert_true(f->task == TASK_CLASSIFY || f->task == TASK_REGRESS ||
			    f->task == TASK_EITHER);
		assert_true(f->params_size > 0);
		assert_non_null(f->params_init);
		assert_non_null(f->param);
		assert_non_null(f->params_json);
		assert_non_null(f->fit);
		assert_non_null(f->predict);
		assert_non_null(f->to_json);
		assert_non_null(f->from_json);
		assert_non_null(f->free_body);
		assert_non_null(strstr(model_family_names(), names[i]));
	}
	assert_int_equal(model_family_find("logistic")->task, TASK_CLASSIFY);
	assert_int_equal(model_family_find("ridge")->task, TASK_REGRESS);
	assert_int_equal(model_family_find("forest")->task, TASK_EITHER);
	assert_null(model_family_find("svm"));
	assert_null(model_family_find(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model__lbfgs_rosenbrock),
		cmocka_unit_test(test_model__lbfgs_quadratic),
		cmocka_unit_test(test_model__lbfgs_max_iter),
		cmocka_unit_test(test_model__lbfgs_nonfinite_start),
		cmocka_unit_test(test_model__ridge_closed_form_one_feature),
		cmocka_unit_test(test_model__ridge_closed_form_two_features),
		cmocka_unit_test(test_model__ols_exact_and_rank_deficient),
		cmocka_unit_test(test_model__ols_wide),
		cmocka_unit_test(test_model__logistic_binary_optimal),
		cmocka_unit_test(test_model__logistic_multinomial_optimal),
		cmocka_unit_test(test_model__logistic_proba),
		cmocka_unit_test(test_model__prep_fit),
		cmocka_unit_test(test_model__prep_json_round_trip),
		cmocka_unit_test(test_model__prep_ordinal),
		cmocka_unit_test(test_model__prep_unseen_and_bad_values),
		cmocka_unit_test(test_model__train_load_predict),
		cmocka_unit_test(test_model__train_regression),
		cmocka_unit_test(test_model__load_rejects),
		cmocka_unit_test(test_model__load_survives_mutations),
		cmocka_unit_test(test_model__prep_fit_huge_values),
		cmocka_unit_test(test_model__prep_fit_bit_exact),
		cmocka_unit_test(test_model__from_json),
		cmocka_unit_test(test_model__families),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
