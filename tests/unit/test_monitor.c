/*
 * test_monitor.c - shared/monitor.c's robust z-score and EWMA chart, and
 * shared/pushgw.c's encodings and exposition text.
 *
 * Expected values come from tests/ref/monitor_series.py (numpy,
 * statistics, base64, urllib.parse; committed output
 * tests/ref/monitor_series.json, read from $MLCI_REF_MONITOR or from the
 * repository root, the directory the tests run in): figures to 1e-12
 * relative.
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
#include <jansson.h>

#include "monitor.h"
#include "pushgw.h"

static json_t *ref;

static int setup(void **state)
{
	const char *path = getenv("MLCI_REF_MONITOR");
	json_error_t je;

	(void)state;
	if (!path)
		path = "tests/ref/monitor_series.json";
	ref = json_load_file(path, 0, &je);
	if (!ref)
		fprintf(stderr, "%s: %s\n", path, je.text);
	return ref ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(ref);
	return 0;
}

static void near(double got, double want, const char *what, const char *name)
{
	if (!(fabs(got - want) <= 1e-15 + 1e-12 * fabs(want)))
		fail_msg("%s %s: %.17g, expected %.17g", name, what, got, want);
}

static double *values(const json_t *a, size_t *n)
{
	double *v = malloc((json_array_size(a) + 1) * sizeof(*v));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < json_array_size(a); i++)
		v[i] = json_number_value(json_array_get(a, i));
	*n = i;
	return v;
}

static void test_monitor__robust_z_matches_numpy(void **state)
{
	const json_t *series = json_object_get(ref, "series");
	size_t i, checked = 0;

	(void)state;
	for (i = 0; i < json_array_size(series); i++) {
		const json_t *s = json_array_get(series, i);
		const char *name = json_string_value(json_object_get(s, "name"));
		const json_t *zr = json_object_get(s, "z");
		double x = json_number_value(json_object_get(s, "x")), z, med, scale;
		size_t n;
		double *w = values(json_object_get(s, "window"), &n);
		int rc = monitor_robust_z(w, n, x, &z, &med, &scale);

		near(med, json_number_value(json_object_get(zr, "median")), "median", name);
		if (json_is_null(json_object_get(zr, "z"))) {
			assert_int_equal(rc, 1);	/* a constant window */
			assert_true(z == 0);
		} else {
			assert_int_equal(rc, 0);
			near(z, json_number_value(json_object_get(zr, "z")), "z", name);
			near(scale, json_number_value(json_object_get(zr, "scale")),
			     "scale", name);
		}
		/* the window is left as it was */
		assert_true(w[0] == json_number_value(json_array_get(
			json_object_get(s, "window"), 0)));
		free(w);
		checked++;
	}
	assert_true(checked >= 5);
}

static void test_monitor__ewma_matches_statistics(void **state)
{
	const json_t *series = json_object_get(ref, "series");
	size_t i, checked = 0;

	(void)state;
	for (i = 0; i < json_array_size(series); i++) {
		const json_t *s = json_array_get(series, i);
		const char *name = json_string_value(json_object_get(s, "name"));
		const json_t *er = json_object_get(s, "ewma");
		struct monitor_ewma e;
		size_t n;
		double *v = values(json_object_get(s, "window"), &n);
		int rc;

		v[n++] = json_number_value(json_object_get(s, "x"));
		rc = monitor_ewma(v, n, 0.2, 3.0, &e);
		free(v);
		if (json_is_null(er)) {
			assert_int_equal(rc, 1);	/* too short */
			continue;
		}
		near(e.center, json_number_value(json_object_get(er, "center")), "center", name);
		near(e.sigma, json_number_value(json_object_get(er, "sigma")), "sigma", name);
		assert_int_equal(e.t, json_integer_value(json_object_get(er, "t")));
		if (e.sigma == 0) {
			assert_int_equal(rc, 1);
		} else {
			assert_int_equal(rc, 0);
			near(e.ewma, json_number_value(json_object_get(er, "ewma")), "ewma", name);
			near(e.limit, json_number_value(json_object_get(er, "limit")), "limit", name);
		}
		checked++;
	}
	assert_true(checked >= 4);
}

static void test_monitor__jump_and_slide_are_told_apart(void **state)
{
	const json_t *series = json_object_get(ref, "series");
	size_t i;

	(void)state;
	for (i = 0; i < json_array_size(series); i++) {
		const json_t *s = json_array_get(series, i);
		const char *name = json_string_value(json_object_get(s, "name"));
		double x = json_number_value(json_object_get(s, "x")), z, med, scale;
		struct monitor_ewma e;
		size_t n;
		double *v = values(json_object_get(s, "window"), &n);

		assert_int_equal(monitor_robust_z(v, n, x, &z, &med, &scale) >= 0, 1);
		v[n] = x;
		monitor_ewma(v, n + 1, 0.2, 3.0, &e);
		free(v);
		if (!strcmp(name, "jump"))
			assert_true(fabs(z) > MONITOR_Z);
		if (!strcmp(name, "slide")) {
			assert_true(fabs(z) <= MONITOR_Z);
			assert_true(fabs(e.ewma - e.center) > e.limit);
		}
	}
}

static void test_monitor__ewma_bad_arguments(void **state)
{
	double v[12] = { 0 };
	struct monitor_ewma e;

	(void)state;
	assert_int_equal(monitor_ewma(v, 12, 0, 3, &e), -1);
	assert_int_equal(monitor_ewma(v, 12, 1.5, 3, &e), -1);
	assert_int_equal(monitor_ewma(v, 12, 0.2, 0, &e), -1);
	assert_int_equal(monitor_ewma(v, 2, 0.2, 3, &e), 1);
	assert_int_equal(monitor_ewma(v, 12, 0.2, 3, &e), 1);	/* sigma 0 */
	assert_true(monitor_median(v, 0) == 0);
}

static void test_pushgw__base64url_matches_python(void **state)
{
	const json_t *cases = json_object_get(ref, "base64url");
	size_t i;

	(void)state;
	assert_true(json_array_size(cases) >= 6);
	for (i = 0; i < json_array_size(cases); i++) {
		const json_t *c = json_array_get(cases, i);
		const char *hex = json_string_value(json_object_get(c, "hex"));
		unsigned char raw[64];
		size_t n = strlen(hex) / 2, k;
		struct buf b;

		for (k = 0; k < n; k++) {
			unsigned v;

			assert_int_equal(sscanf(hex + 2 * k, "%2x", &v), 1);
			raw[k] = (unsigned char)v;
		}
		buf_init(&b);
		assert_int_equal(pushgw_base64url(&b, raw, n), 0);
		assert_string_equal(b.data ? b.data : "",
				    json_string_value(json_object_get(c, "b64")));
		buf_release(&b);
	}
}

static void test_pushgw__segments_and_path(void **state)
{
	const json_t *cases = json_object_get(ref, "segments");
	struct prom_label l[2] = { { "env", "a/b" }, { "team", "ml ops" } };
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < json_array_size(cases); i++) {
		const json_t *c = json_array_get(cases, i);

		buf_init(&b);
		assert_int_equal(pushgw_segment(&b, json_string_value(json_object_get(c, "name")),
						json_string_value(json_object_get(c, "value"))), 0);
		assert_string_equal(b.data, json_string_value(json_object_get(c, "path")));
		buf_release(&b);
	}
	buf_init(&b);
	assert_int_equal(pushgw_path(&b, "mlci/monitor", l, 2), 0);
	assert_string_equal(b.data, "/metrics/job@base64/bWxjaS9tb25pdG9y"
			    "/env@base64/YS9i/team/ml%20ops");
	buf_release(&b);
}

static void test_pushgw__label_specs(void **state)
{
	static const char *const reserved[] = { "feature", NULL };
	struct mlci_err err = { 0 };
	struct prom_label l;
	char *dup;

	(void)state;
	assert_int_equal(pushgw_parse_label("env=prod=1", reserved, &dup, &l, &err), 0);
	assert_string_equal(l.name, "env");
	assert_string_equal(l.value, "prod=1");
	free(dup);
	assert_int_equal(pushgw_parse_label("env=", reserved, &dup, &l, &err), 0);
	assert_string_equal(l.value, "");
	free(dup);
	assert_int_equal(pushgw_parse_label("=x", reserved, &dup, &l, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_int_equal(pushgw_parse_label("noequals", reserved, &dup, &l, &err), -1);
	assert_int_equal(pushgw_parse_label("9x=1", reserved, &dup, &l, &err), -1);
	assert_int_equal(pushgw_parse_label("__x=1", reserved, &dup, &l, &err), -1);
	assert_int_equal(pushgw_parse_label("job=1", reserved, &dup, &l, &err), -1);
	assert_int_equal(pushgw_parse_label("feature=1", reserved, &dup, &l, &err), -1);
	assert_null(dup);
}

static void test_pushgw__exposition_lines(void **state)
{
	struct prom_label l[2] = { { "feature", "a\"b\\c\nd" }, { "x", "" } };
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(prom_metric(&b, "m_one", "gauge", "two\nlines \\ here"), 0);
	assert_int_equal(prom_sample(&b, "m_one", NULL, 0, 0.1), 0);
	assert_int_equal(prom_sample(&b, "m_one", l, 2, -0.0), 0);
	assert_int_equal(prom_sample(&b, "m_one", l, 1, NAN), -1);
	assert_int_equal(prom_sample(&b, "m_one", l, 1, INFINITY), -1);
	assert_string_equal(b.data,
			    "# HELP m_one two\\nlines \\\\ here\n"
			    "# TYPE m_one gauge\n"
			    "m_one 0.10000000000000001\n"
			    "m_one{feature=\"a\\\"b\\\\c\\nd\",x=\"\"} 0\n");
	buf_release(&b);
	assert_true(prom_metric_name_ok("mlci_monitor_psi:x"));
	assert_false(prom_metric_name_ok("9x"));
	assert_false(prom_metric_name_ok("a-b"));
	assert_true(prom_label_name_ok("feature"));
	assert_false(prom_label_name_ok("a:b"));
}

static void test_monitor__metric_names_are_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; monitor_metric_names[i]; i++)
		assert_true(prom_metric_name_ok(monitor_metric_names[i]));
	assert_true(i >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monitor__robust_z_matches_numpy),
		cmocka_unit_test(test_monitor__ewma_matches_statistics),
		cmocka_unit_test(test_monitor__jump_and_slide_are_told_apart),
		cmocka_unit_test(test_monitor__ewma_bad_arguments),
		cmocka_unit_test(test_pushgw__base64url_matches_python),
		cmocka_unit_test(test_pushgw__segments_and_path),
		cmocka_unit_test(test_pushgw__label_specs),
		cmocka_unit_test(test_pushgw__exposition_lines),
		cmocka_unit_test(test_monitor__metric_names_are_valid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
