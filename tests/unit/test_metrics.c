/*
 * test_metrics.c - shared/metrics.c against scikit-learn.
 *
 * The expected values come from tests/ref/sklearn_metrics.py (committed
 * output: tests/ref/sklearn_metrics.json, read from $MLCI_REF or from the
 * repository root, the directory the tests run in). Numbers must agree to
 * 1e-12, the classification report byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>
#include <jansson.h>

#include "metrics.h"
#include "scored.h"

#define TOL 1e-12

static json_t *ref;
static size_t exact, compared;

static int setup(void **state)
{
	const char *path = getenv("MLCI_REF");
	json_error_t je;

	if (!path)
		path = "tests/ref/sklearn_metrics.json";
	ref = json_load_file(path, 0, &je);
	if (!ref)
		fprintf(stderr, "cannot read %s: %s\n", path, je.text);
	return ref ? 0 : -1;
}

static int teardown(void **state)
{
	fprintf(stderr, "# %zu of %zu values bit-identical to sklearn's\n",
		exact, compared);
	json_decref(ref);
	return 0;
}

static void near(double got, double want, const char *what, const char *name)
{
	compared++;
	if (got == want)
		exact++;
	if (!(fabs(got - want) <= TOL)) {
		fprintf(stderr, "%s %s: got %.17g, sklearn %.17g\n", name, what, got, want);
		fail();
	}
}

static double num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

static size_t *codes(const json_t *arr, size_t *n)
{
	size_t i, *out;
	json_t *v;

	*n = json_array_size(arr);
	out = calloc(*n ? *n : 1, sizeof(*out));
	assert_non_null(out);
	json_array_foreach(arr, i, v)
		out[i] = (size_t)json_integer_value(v);
	return out;
}

static double *numbers(const json_t *arr, size_t *n)
{
	size_t i;
	double *out;
	json_t *v;

	*n = json_array_size(arr);
	out = calloc(*n ? *n : 1, sizeof(*out));
	assert_non_null(out);
	json_array_foreach(arr, i, v)
		out[i] = json_number_value(v);
	return out;
}

/* proba rows flattened row-major; *k gets the width */
static double *matrix(const json_t *rows, size_t *n, size_t *k)
{
	size_t i, j;
	double *out;
	json_t *row, *v;

	*n = json_array_size(rows);
	*k = json_array_size(json_array_get(rows, 0));
	out = calloc(*n * *k + 1, sizeof(*out));
	assert_non_null(out);
	json_array_foreach(rows, i, row) {
		assert_int_equal(json_array_size(row), *k);
		json_array_foreach(row, j, v)
			out[i * *k + j] = json_number_value(v);
	}
	return out;
}

static int is_task(const json_t *c, const char *task)
{
	return !strcmp(json_string_value(json_object_get(c, "task")), task);
}

static void compute_case(const json_t *c, struct class_metrics *m)
{
	struct mlci_err err = { 0 };
	size_t n, n2, *yt, *yp;

	yt = codes(json_object_get(c, "y_true"), &n);
	yp = codes(json_object_get(c, "y_pred"), &n2);
	assert_int_equal(n, n2);
	assert_int_equal(class_metrics_compute(m, yt, yp, n,
			json_array_size(json_object_get(c, "labels")), &err), 0);
	free(yt);
	free(yp);
}

static void test_metrics__classification_matches_sklearn(void **state)
{
	static const char *const scalar[] = {
		"accuracy", "balanced_accuracy",
		"precision_micro", "recall_micro", "f1_micro",
		"precision_macro", "recall_macro", "f1_macro",
		"precision_weighted", "recall_weighted", "f1_weighted",
	};
	json_t *c;
	size_t ci, ncases = 0;

	json_array_foreach(json_object_get(ref, "cases"), ci, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *e = json_object_get(c, "expected"), *pc, *cm, *row, *v;
		struct class_metrics m;
		double got[11];
		size_t i, j, k;

		if (!is_task(c, "classification"))
			continue;
		ncases++;
		compute_case(c, &m);
		k = m.k;
		got[0] = m.accuracy; got[1] = m.balanced_accuracy;
		got[2] = m.precision_micro; got[3] = m.recall_micro; got[4] = m.f1_micro;
		got[5] = m.precision_macro; got[6] = m.recall_macro; got[7] = m.f1_macro;
		got[8] = m.precision_weighted; got[9] = m.recall_weighted;
		got[10] = m.f1_weighted;
		for (i = 0; i < 11; i++) {
			assert_false(isnan(got[i]));
			near(got[i], num(e, scalar[i]), scalar[i], name);
		}
		pc = json_object_get(e, "per_class");
		for (j = 0; j < k; j++) {
			near(m.precision[j], json_number_value(json_array_get(
				json_object_get(pc, "precision"), j)), "precision[j]", name);
			near(m.recall[j], json_number_value(json_array_get(
				json_object_get(pc, "recall"), j)), "recall[j]", name);
			near(m.f1[j], json_number_value(json_array_get(
				json_object_get(pc, "f1"), j)), "f1[j]", name);
			assert_int_equal(m.support[j], json_integer_value(json_array_get(
				json_object_get(pc, "support"), j)));
		}
		cm = json_object_get(e, "confusion_matrix");
		assert_int_equal(json_array_size(cm), k);
		json_array_foreach(cm, i, row)
			json_array_foreach(row, j, v)
				assert_int_equal(m.confusion[i * k + j], json_integer_value(v));
		v = json_object_get(e, "warned");
		assert_int_equal(!!(m.warn & METRICS_WARN_PRECISION),
				 json_is_true(json_object_get(v, "precision")));
		assert_int_equal(!!(m.warn & METRICS_WARN_RECALL),
				 json_is_true(json_object_get(v, "recall")));
		assert_int_equal(!!(m.warn & METRICS_WARN_BALANCED),
				 json_is_true(json_object_get(v, "balanced_accuracy")));
		class_metrics_free(&m);
	}
	assert_true(ncases >= 9);
}

static void test_metrics__report_is_sklearns_text_byte_for_byte(void **state)
{
	json_t *c;
	size_t ci;

	json_array_foreach(json_object_get(ref, "cases"), ci, c) {
		json_t *labels = json_object_get(c, "labels"), *v;
		json_t *e = json_object_get(c, "expected");
		const char *want = json_string_value(json_object_get(e, "report"));
		const char *want4 = json_string_value(json_object_get(e, "report_digits4"));
		const char **names;
		struct class_metrics m;
		struct buf out;
		size_t i;

		if (!is_task(c, "classification"))
			continue;
		compute_case(c, &m);
		names = calloc(m.k, sizeof(*names));
		assert_non_null(names);
		json_array_foreach(labels, i, v)
			names[i] = json_string_value(v);
		buf_init(&out);
		assert_int_equal(metrics_report_text(&m, names, 2, &out), 0);
		if (strcmp(out.data, want))
			fprintf(stderr, "%s: got\n%s\nsklearn\n%s\n",
				json_string_value(json_object_get(c, "name")), out.data, want);
		assert_string_equal(out.data, want);
		buf_reset(&out);
		assert_int_equal(metrics_report_text(&m, names, 4, &out), 0);
		assert_string_equal(out.data, want4);
		buf_release(&out);
		free(names);
		class_metrics_free(&m);
	}
}

static void test_metrics__log_loss_clips_like_sklearn(void **state)
{
	json_t *c;
	size_t ci, seen = 0;

	assert_true(num(ref, "log_loss_eps") == 0x1p-52);
	json_array_foreach(json_object_get(ref, "cases"), ci, c) {
		struct mlci_err err = { 0 };
		size_t n, n2, k, *yt;
		double *p, got;

		if (!json_object_get(c, "proba"))
			continue;
		seen++;
		yt = codes(json_object_get(c, "y_true_class"), &n);
		p = matrix(json_object_get(c, "proba"), &n2, &k);
		assert_int_equal(n, n2);
		assert_int_equal(k, json_array_size(json_object_get(c, "classes")));
		assert_int_equal(metrics_log_loss(yt, p, n, k, &got, &err), 0);
		near(got, num(json_object_get(c, "expected"), "log_loss"), "log_loss",
		     json_string_value(json_object_get(c, "name")));
		free(yt);
		free(p);
	}
	assert_true(seen >= 9);
}

static void test_metrics__roc_auc_averages_ties_and_omits_one_class(void **state)
{
	json_t *c;
	size_t ci, defined = 0, undefined = 0;

	json_array_foreach(json_object_get(ref, "cases"), ci, c) {
		struct mlci_err err = { 0 };
		json_t *want = json_object_get(json_object_get(c, "expected"), "roc_auc");
		size_t n, n2, k, i, *yt;
		unsigned char *pos;
		double *p, *score, got = -1;
		int rc;

		if (!json_object_get(c, "proba") ||
		    json_array_size(json_object_get(c, "classes")) != 2)
			continue;
		yt = codes(json_object_get(c, "y_true_class"), &n);
		p = matrix(json_object_get(c, "proba"), &n2, &k);
		pos = calloc(n, 1);
		score = calloc(n, sizeof(double));
		assert_non_null(pos);
		assert_non_null(score);
		for (i = 0; i < n; i++) {
			pos[i] = yt[i] == 1;	/* the second class is positive */
			score[i] = p[i * 2 + 1];
		}
		rc = metrics_roc_auc(pos, score, n, &got, &err);
		if (json_is_null(want)) {
			assert_int_equal(rc, 1);
			assert_true(got == -1);
			undefined++;
		} else {
			assert_int_equal(rc, 0);
			near(got, json_number_value(want), "roc_auc",
			     json_string_value(json_object_get(c, "name")));
			defined++;
		}
		free(yt);
		free(p);
		free(pos);
		free(score);
	}
	assert_true(defined >= 2);	/* binary_proba, ties */
	assert_true(undefined >= 2);	/* single_class, one_row */
}

static void test_metrics__regression_matches_sklearn(void **state)
{
	json_t *c;
	size_t ci, seen = 0;

	json_array_foreach(json_object_get(ref, "cases"), ci, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *e = json_object_get(c, "expected");
		struct mlci_err err = { 0 };
		struct reg_metrics m;
		size_t n, n2;
		double *y, *p;

		if (!is_task(c, "regression"))
			continue;
		seen++;
		y = numbers(json_object_get(c, "y_true"), &n);
		p = numbers(json_object_get(c, "y_pred"), &n2);
		assert_int_equal(n, n2);
		assert_int_equal(metrics_regression(y, p, n, &m, &err), 0);
		near(m.mse, num(e, "mse"), "mse", name);
		near(m.rmse, num(e, "rmse"), "rmse", name);
		near(m.mae, num(e, "mae"), "mae", name);
		if (json_is_null(json_object_get(e, "r2"))) {
			assert_int_equal(m.r2_defined, 0);
		} else {
			assert_int_equal(m.r2_defined, 1);
			near(m.r2, num(e, "r2"), "r2", name);
		}
		free(y);
		free(p);
	}
	assert_true(seen >= 6);
}

static void test_metrics__pairwise_sum_is_numpys(void **state)
{
	double x[10];
	size_t i;

	/* sum([0.1]*10) is 0.9999999999999999 left to right; numpy's
	 * pairwise sum gives 1.0, which makes r2 of a constant 0.1 exact */
	for (i = 0; i < 10; i++)
		x[i] = 0.1;
	assert_true(metrics_sum(x, 10) == 1.0);
	assert_true(metrics_sum(x, 0) == 0.0);
}

static void test_metrics__bad_inputs_are_errors_not_nan(void **state)
{
	struct mlci_err err = { 0 };
	struct class_metrics m;
	struct reg_metrics r;
	size_t yt[2] = { 0, 1 }, yp[2] = { 0, 5 };
	double p[4] = { 0.5, 0.5, NAN, 0.5 }, v, y2[2] = { 1, 2 };
	unsigned char pos[2] = { 0, 1 };

	assert_int_equal(class_metrics_compute(&m, yt, yp, 0, 2, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_SOFTWARE);
	assert_int_equal(class_metrics_compute(&m, yt, yp, 2, 2, &err), -1);
	assert_null(m.confusion);
	class_metrics_free(&m);

	assert_int_equal(metrics_log_loss(yt, p, 2, 2, &v, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(metrics_roc_auc(pos, p + 1, 2, &v, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	y2[1] = INFINITY;
	assert_int_equal(metrics_regression(y2, y2, 2, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(metrics_regression(y2, y2, 0, &r, &err), -1);
}

/* |got - want| <= 1e-12, relative for large values (MAPE near y = 0) */
static void near_rel(double got, double want, const char *what, const char *name)
{
	if (fabs(want) > 1)
		near(got / want, 1.0, what, name);
	else
		near(got, want, what, name);
}

/* want is null: undefined; else defined and near. */
static void check_metric(const struct metric_table *t, const json_t *e,
			 const char *key, const char *name)
{
	json_t *want = json_object_get(e, key);
	int i = metric_table_find(t, key);

	if (!want) {
		if (i >= 0)
			fprintf(stderr, "%s: %s present, sklearn has none\n", name, key);
		assert_int_equal(i, -1);
		return;
	}
	if (i < 0)
		fprintf(stderr, "%s: %s missing\n", name, key);
	assert_true(i >= 0);
	if (json_is_null(want)) {
		if (t->defined[i])
			fprintf(stderr, "%s: %s = %.17g, sklearn undefined\n", name, key, t->value[i]);
		assert_false(t->defined[i]);
		assert_non_null(t->why[i]);
		return;
	}
	if (!t->defined[i])
		fprintf(stderr, "%s: %s undefined (%s)\n", name, key, t->why[i]);
	assert_true(t->defined[i]);
	assert_false(isnan(t->value[i]));
	near_rel(t->value[i], json_number_value(want), key, name);
}

/* The scored set of a classification case: codes are the case's
 * classes (the proba columns); every prediction is one of them. */
static void table_of_case(const json_t *c, struct metric_table *t)
{
	struct mlci_err err = { 0 };
	json_t *classes = json_object_get(c, "classes"), *labels = json_object_get(c, "labels");
	struct scored s = { 0 };
	size_t n, n2, k, i, *yt, *yp;
	const char **names;
	double *p;

	yt = codes(json_object_get(c, "y_true_class"), &n);
	yp = codes(json_object_get(c, "y_pred"), &n2);
	p = matrix(json_object_get(c, "proba"), &n2, &k);
	names = calloc(k, sizeof(*names));
	assert_non_null(names);
	for (i = 0; i < k; i++)
		names[i] = json_string_value(json_array_get(classes, i));
	for (i = 0; i < n; i++) {	/* y_pred: label index -> class index */
		const char *l = json_string_value(json_array_get(labels, yp[i]));
		size_t j;

		for (j = 0; j < k && strcmp(names[j], l); j++)
			;
		assert_true(j < k);
		yp[i] = j;
	}
	s.classifier = 1;
	s.n = n;
	s.K = s.L = k;
	s.names = names;
	s.y_true = yt;
	s.y_pred = yp;
	s.proba = p;
	assert_int_equal(scored_metrics(&s, NULL, 0, t, NULL, NULL, &err), 0);
	free(yt), free(yp), free(p), free(names);
}

static void test_metrics__score_metrics_match_sklearn(void **state)
{
	static const char *const keys[] = {
		"roc_auc", "roc_auc_ovr_macro", "roc_auc_ovr_weighted",
		"average_precision", "average_precision_macro", "brier_score",
		"mcc", "cohen_kappa", "ece", "log_loss", "accuracy", "f1_macro",
	};
	json_t *c;
	size_t ci, seen = 0, undefined_kappa = 0, undefined_ovr = 0, ap_warned = 0;

	json_array_foreach(json_object_get(ref, "cases"), ci, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *e = json_object_get(c, "expected");
		struct metric_table t;
		size_t i;

		if (!json_object_get(c, "proba"))
			continue;
		seen++;
		table_of_case(c, &t);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (!strcmp(keys[i], "roc_auc") &&
			    json_array_size(json_object_get(c, "classes")) > 2)
				continue;	/* the binary key, absent for multiclass */
			check_metric(&t, e, keys[i], name);
		}
		assert_int_equal(t.ap_no_positive,
				 json_is_true(json_object_get(e, "average_precision_warned")));
		ap_warned += t.ap_no_positive;
		undefined_kappa += json_is_null(json_object_get(e, "cohen_kappa"));
		undefined_ovr += json_is_null(json_object_get(e, "roc_auc_ovr_macro"));
	}
	assert_true(seen >= 11);
	assert_true(undefined_kappa >= 2);	/* one_row, one_label_everywhere */
	assert_true(undefined_ovr >= 1);	/* predicted_not_true */
	assert_true(ap_warned >= 2);		/* predicted_not_true, no_positive */
}

/* scored_metric (one metric, the paired bootstrap's path) gives exactly
 * what the full table gives, on every case, for every metric. */
static void test_metrics__one_metric_equals_the_table(void **state)
{
	json_t *c;
	size_t ci, checked = 0;

	json_array_foreach(json_object_get(ref, "cases"), ci, c) {
		struct mlci_err err = { 0 };
		json_t *classes = json_object_get(c, "classes"), *labels = json_object_get(c, "labels");
		struct scored s = { 0 };
		struct metric_table t;
		size_t n, n2, k, i, *yt, *yp;
		const char **names;
		double *p, *y = NULL, *pr = NULL;

		if (!json_object_get(c, "proba")) {
			if (!is_task(c, "regression"))
				continue;
			y = numbers(json_object_get(c, "y_true"), &n);
			pr = numbers(json_object_get(c, "y_pred"), &n2);
			s.n = n;
			s.y = y;
			s.p = pr;
			assert_int_equal(scored_metrics(&s, NULL, 0, &t, NULL, NULL, &err), 0);
			for (i = 0; i < t.n; i++) {
				double v;
				int d;

				assert_int_equal(scored_metric(&s, NULL, 0, t.name[i], &v, &d, &err), 0);
				assert_int_equal(d, t.defined[i]);
				assert_true(!d || v == t.value[i]);
				checked++;
			}
			free(y), free(pr);
			continue;
		}
		yt = codes(json_object_get(c, "y_true_class"), &n);
		yp = codes(json_object_get(c, "y_pred"), &n2);
		p = matrix(json_object_get(c, "proba"), &n2, &k);
		names = calloc(k, sizeof(*names));
		assert_non_null(names);
		for (i = 0; i < k; i++)
			names[i] = json_string_value(json_array_get(classes, i));
		for (i = 0; i < n; i++) {
			const char *l = json_string_value(json_array_get(labels, yp[i]));
			size_t j;

			for (j = 0; j < k && strcmp(names[j], l); j++)
				;
			yp[i] = j;
		}
		s.classifier = 1;
		s.n = n;
		s.K = s.L = k;
		s.names = names;
		s.y_true = yt;
		s.y_pred = yp;
		s.proba = p;
		assert_int_equal(scored_metrics(&s, NULL, 0, &t, NULL, NULL, &err), 0);
		for (i = 0; i < t.n; i++) {
			double v;
			int d;

			assert_int_equal(scored_metric(&s, NULL, 0, t.name[i], &v, &d, &err), 0);
			if (d != t.defined[i] || (d && v != t.value[i]))
				fail_msg("%s: %s differs alone", json_string_value(json_object_get(c, "name")), t.name[i]);
			checked++;
		}
		free(yt), free(yp), free(p), free(names);
	}
	assert_true(checked > 200);
}

static void test_metrics__regression_extras_match_sklearn(void **state)
{
	json_t *c;
	size_t ci, seen = 0;

	json_array_foreach(json_object_get(ref, "cases"), ci, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *e = json_object_get(c, "expected");
		struct mlci_err err = { 0 };
		struct reg_metrics m;
		size_t n, n2;
		double *y, *p;

		if (!is_task(c, "regression"))
			continue;
		seen++;
		y = numbers(json_object_get(c, "y_true"), &n);
		p = numbers(json_object_get(c, "y_pred"), &n2);
		assert_int_equal(metrics_regression(y, p, n, &m, &err), 0);
		near_rel(m.mape, num(e, "mape"), "mape", name);
		near(m.median_absolute_error, num(e, "median_absolute_error"), "median_absolute_error", name);
		near(m.explained_variance, num(e, "explained_variance"), "explained_variance", name);
		near(m.max_error, num(e, "max_error"), "max_error", name);
		free(y);
		free(p);
	}
	assert_true(seen >= 8);
}

/* A perfect ranking's average precision is 1, never 1 + an ulp (its
 * recall steps times a precision of 1 can sum past it), whatever the
 * number of positives and negatives. */
static void test_metrics__average_precision_at_most_one(void **state)
{
	unsigned char pos[400];
	double score[400], ap;
	struct mlci_err err = {0};
	size_t np, n, i, over = 0;

	(void)state;
	for (np = 1; np <= 300; np++) {
		n = np + 50;
		for (i = 0; i < n; i++) {
			pos[i] = i < np;
			score[i] = 1.0 - (double)i / (double)n;	/* positives first */
		}
		assert_int_equal(metrics_average_precision(pos, score, n, &ap, &err), 0);
		over += ap > 1;
		assert_true(ap > 1 - 1e-12);
	}
	assert_int_equal(over, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics__classification_matches_sklearn),
		cmocka_unit_test(test_metrics__report_is_sklearns_text_byte_for_byte),
		cmocka_unit_test(test_metrics__log_loss_clips_like_sklearn),
		cmocka_unit_test(test_metrics__roc_auc_averages_ties_and_omits_one_class),
		cmocka_unit_test(test_metrics__regression_matches_sklearn),
		cmocka_unit_test(test_metrics__pairwise_sum_is_numpys),
		cmocka_unit_test(test_metrics__bad_inputs_are_errors_not_nan),
		cmocka_unit_test(test_metrics__score_metrics_match_sklearn),
		cmocka_unit_test(test_metrics__regression_extras_match_sklearn),
		cmocka_unit_test(test_metrics__one_metric_equals_the_table),
		cmocka_unit_test(test_metrics__average_precision_at_most_one),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
