/*
 * test_refdrift.c - shared/refdrift.c: reading both sides from data
 * reports, the thresholds, the decisions and anomalies, bad references.
 *
 * Figures are checked against drift.c's functions on the same values
 * given raw (drift.c itself is checked against scipy in test_drift.c, and
 * the whole step against scipy on real files in t-validate-drift.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "drift.h"
#include "refdrift.h"
#include "sketch.h"
#include "validate.h"

static char dir[] = "/tmp/test_refdrift.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A column with exact frequencies: values[i] written counts[i] times. */
static json_t *freq_col(const char *name, const char *type, const char *const *values,
			const long *counts, size_t n, int categorical)
{
	json_t *o = json_object(), *f = json_object(), *v = json_array(),
	       *c = json_array(), *sk = json_object();
	long total = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		json_array_append_new(v, json_string(values[i]));
		json_array_append_new(c, json_integer(counts[i]));
		total += counts[i];
	}
	json_object_set_new(f, "values", v);
	json_object_set_new(f, "counts", c);
	json_object_set_new(f, "mode", json_string("exact"));
	json_object_set_new(f, "total", json_integer(total));
	json_object_set_new(f, "cap", json_integer(4096));
	json_object_set_new(sk, "frequencies", f);
	json_object_set_new(o, "sketch", sk);
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "count", json_integer(total));
	json_object_set_new(o, "distinct", json_integer((json_int_t)n));
	if (!strcmp(type, "string"))
		json_object_set_new(o, "categorical", json_boolean(categorical));
	return o;
}

/* Sample standard deviation of the numbers a frequency column holds,
 * as the report's "std" gives it. */
static void set_std(json_t *col, const double *x, const long *cnt, size_t n)
{
	double s = 0, m, ss = 0, N = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s += x[i] * (double)cnt[i];
		N += (double)cnt[i];
	}
	m = s / N;
	for (i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m) * (double)cnt[i];
	json_object_set_new(col, "std", json_real(sqrt(ss / (N - 1))));
}

static json_t *report(json_t *cols, long rows, const char *label)
{
	json_t *r = json_object();

	json_object_set_new(r, "kind", json_string("mlci.data-report"));
	json_object_set_new(r, "schema_version", json_integer(1));
	json_object_set_new(r, "rows", json_integer(rows));
	json_object_set_new(r, "columns", cols);
	json_object_set_new(r, "inputs", json_array());
	json_object_set_new(r, "anomalies", json_array());
	if (label)
		json_object_set_new(r, "label", json_string(label));
	return r;
}

static const char *write_json(const char *name, json_t *j)
{
	static char path[4][600];
	static int k;
	char *p = path[k++ % 4];

	snprintf(p, 600, "%s/%s", dir, name);
	assert_int_equal(json_dump_file(j, p, JSON_SORT_KEYS), 0);
	return p;
}

static const json_t *drift_col(const json_t *rep, const char *name)
{
	const json_t *cols = json_object_get(json_object_get(rep, "drift"), "columns"), *c;
	size_t i;

	json_array_foreach(cols, i, c)
		if (!strcmp(json_string_value(json_object_get(c, "name")), name))
			return c;
	return NULL;
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

static size_t count_code(const struct anomalies *a, const char *code, enum severity *sev)
{
	size_t i, n = 0;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].code, code)) {
			n++;
			if (sev)
				*sev = a->v[i].severity;
		}
	return n;
}

/* Load ref (written to a file) and apply it to cur. */
static int run(json_t *ref, json_t *cur, struct refdrift_opts *o,
	       const char *label, struct anomalies *a, struct refdrift_summary *s,
	       struct mlci_err *err)
{
	struct refdrift_ref r;
	int rc;

	o->reference = write_json("ref.json", ref);
	rc = refdrift_load(o, &r, err);
	if (rc == 0)
		rc = refdrift_apply(&r, cur, label, a, s, err);
	refdrift_ref_free(&r);
	return rc;
}

static void test_refdrift__numbers_by_value_match_raw_samples(void **state)
{
	/* "1" and "1.0" are one number; the figures equal drift_numeric's
	 * on the raw values, with the reference sd from the report's std */
	static const char *const rv[] = { "1", "1.0", "2", "3.5", "10" };
	static const long rc[] = { 4, 3, 5, 6, 2 };
	static const char *const cv[] = { "1", "2", "2.0", "3.5", "12" };
	static const long cc[] = { 2, 4, 4, 7, 3 };
	static const double rx[] = { 1, 1, 2, 3.5, 10 }, cx[] = { 1, 2, 2, 3.5, 12 };
	double xr[20], xc[20], mean, sd;
	size_t i, j, nr = 0, nc = 0;
	struct refdrift_opts o;
	struct anomalies a = { 0 };
	struct refdrift_summary s;
	struct mlci_err err = { 0 };
	struct wsample wr, wc;
	struct drift_result d;
	struct drift_opts dopt = { 0 };
	json_t *ref, *cur, *col;
	const json_t *c;

	(void)state;
	for (i = 0; i < 5; i++)
		for (j = 0; j < (size_t)rc[i]; j++)
			xr[nr++] = rx[i];
	for (i = 0; i < 5; i++)
		for (j = 0; j < (size_t)cc[i]; j++)
			xc[nc++] = cx[i];
	col = freq_col("x", "number", rv, rc, 5, 0);
	set_std(col, rx, rc, 5);
	ref = report(json_pack("[o]", col), 20, NULL);
	col = freq_col("x", "number", cv, cc, 5, 0);
	set_std(col, cx, cc, 5);
	cur = report(json_pack("[o]", col), 20, NULL);
	refdrift_opts_init(&o);
	assert_int_equal(run(ref, cur, &o, NULL, &a, &s, &err), 0);
	wr = (struct wsample){ xr, NULL, nr, (double)nr };
	wc = (struct wsample){ xc, NULL, nc, (double)nc };
	assert_int_equal(drift_wsample_moments(&wr, &mean, &sd, &err), 0);
	dopt.have_ref_sd = 1;
	dopt.ref_sd = sd;
	assert_int_equal(drift_numeric(&wr, &wc, &dopt, &d, &err), 0);
	c = drift_col(cur, "x");
	assert_non_null(c);
	assert_true(json_is_true(json_object_get(c, "compared")));
	assert_string_equal(json_string_value(json_object_get(c, "test")), "ks");
	assert_true(fabs(num(c, "statistic") - d.stat) <= 1e-15);
	assert_true(fabs(num(c, "p_value") - d.p_value) <= 1e-12 * d.p_value);
	assert_true(fabs(num(c, "wasserstein") - d.wasserstein) <= 1e-12 * d.wasserstein);
	assert_true(fabs(num(c, "wasserstein_norm") - d.wasserstein_norm) <=
		    1e-9 * d.wasserstein_norm);
	assert_true(fabs(num(c, "psi") - d.psi) <= 1e-12 * d.psi + 1e-15);
	assert_int_equal((int)num(c, "psi_bins"), (int)d.bins);
	/* one column with a p-value: q = p */
	assert_true(num(c, "q_value") == num(c, "p_value"));
	assert_int_equal(s.compared, 1);
	anomalies_free(&a);
	json_decref(ref);
	json_decref(cur);
}

static void test_refdrift__kll_sketch_side_carries_rank_error(void **state)
{
	struct kll k1, k2;
	json_t *ref, *cur, *c1, *c2, *sk, *se;
	const json_t *c;
	struct refdrift_opts o;
	struct anomalies a = { 0 };
	struct refdrift_summary s;
	struct mlci_err err = { 0 };
	int i;

	(void)state;
	kll_init(&k1, KLL_K);
	kll_init(&k2, KLL_K);
	for (i = 0; i < 20000; i++) {
		assert_int_equal(kll_add(&k1, (double)(i % 9973) * 1.5), 0);
		assert_int_equal(kll_add(&k2, (double)(i % 9973) * 1.5), 0);
	}
	assert_true(k1.compacted);
	c1 = json_pack("{s:s, s:s, s:i, s:f}", "name", "z", "type", "number",
		       "count", 20000, "std", 4317.0);
	c2 = json_deep_copy(c1);
	sk = json_object();
	json_object_set_new(sk, "kll", kll_to_json(&k1));
	json_object_set_new(c1, "sketch", sk);
	se = json_pack("{s:f}", "quantiles", KLL_RANK_ERROR);
	json_object_set_new(c1, "sketch_error", se);
	sk = json_object();
	json_object_set_new(sk, "kll", kll_to_json(&k2));
	json_object_set_new(c2, "sketch", sk);
	json_object_set_new(c2, "sketch_error", json_deep_copy(se));
	ref = report(json_pack("[o]", c1), 20000, NULL);
	cur = report(json_pack("[o]", c2), 20000, NULL);
	refdrift_opts_init(&o);
	assert_int_equal(run(ref, cur, &o, NULL, &a, &s, &err), 0);
	c = drift_col(cur, "z");
	assert_true(fabs(num(c, "rank_error") - 2 * KLL_RANK_ERROR) < 1e-15);
	/* the same stream: identical sketches, nothing drifts */
	assert_true(num(c, "statistic") == 0);
	assert_true(num(c, "psi") == 0);
	assert_true(json_is_false(json_object_get(c, "drifted")));
	assert_int_equal(s.drifted, 0);
	kll_free(&k1);
	kll_free(&k2);
	anomalies_free(&a);
	json_decref(ref);
	json_decref(cur);
}

static void test_refdrift__disjoint_categories_stay_finite_and_drift(void **state)
{
	/* every category empty on one side: PSI's smoothing keeps it
	 * finite; booleans fold case ("True" and "true" are one) */
	static const char *const rv[] = { "a", "b" }, *const cv[] = { "c", "d" };
	static const long rc[] = { 500, 700 }, cc[] = { 900, 400 };
	static const char *const bv1[] = { "True", "false", "true" };
	static const long bc1[] = { 600, 600, 0 };
	static const char *const bv2[] = { "false", "true" };
	static const long bc2[] = { 650, 650 };
	json_t *ref, *cur;
	const json_t *c;
	struct refdrift_opts o;
	struct anomalies a = { 0 };
	struct refdrift_summary s;
	struct mlci_err err = { 0 };
	enum severity sev;

	(void)state;
	ref = report(json_pack("[o, o]", freq_col("c", "string", rv, rc, 2, 1),
			       freq_col("b", "boolean", bv1, bc1, 3, 0)), 1200, NULL);
	cur = report(json_pack("[o, o]", freq_col("c", "string", cv, cc, 2, 1),
			       freq_col("b", "boolean", bv2, bc2, 2, 0)), 1300, NULL);
	refdrift_opts_init(&o);
	assert_int_equal(run(ref, cur, &o, NULL, &a, &s, &err), 0);
	c = drift_col(cur, "c");
	assert_true(isfinite(num(c, "psi")) && num(c, "psi") > o.psi);
	assert_true(fabs(num(c, "js") - 1) < 1e-12);
	assert_int_equal((int)num(c, "new_categories"), 2);
	assert_true(json_is_true(json_object_get(c, "drifted")));
	c = drift_col(cur, "b");
	assert_true(json_is_false(json_object_get(c, "drifted")));
	assert_true(num(c, "js") == 0 && num(c, "psi") == 0);
	/* 1 of 2 drifted: not above 0.5 */
	assert_int_equal(count_code(&a, "drift", &sev), 1);
	assert_int_equal(sev, SEV_WARNING);
	assert_int_equal(count_code(&a, "dataset_drift", NULL), 0);
	assert_true(s.share == 0.5);
	assert_string_equal(json_string_value(json_object_get(cur, "verdict")), "pass");
	anomalies_free(&a);
	/* a lower limit: dataset_drift, an error, and the verdict fails */
	memset(&a, 0, sizeof(a));
	json_object_del(cur, "drift");
	json_object_set_new(cur, "inputs", json_array());
	o.max_share = 0.4;
	assert_int_equal(run(ref, cur, &o, NULL, &a, &s, &err), 0);
	assert_int_equal(count_code(&a, "dataset_drift", &sev), 1);
	assert_int_equal(sev, SEV_ERROR);
	assert_string_equal(json_string_value(json_object_get(cur, "verdict")), "fail");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(cur, "summary"),
							    "errors")), 1);
	assert_int_equal(json_array_size(json_object_get(cur, "anomalies")), a.n);
	anomalies_free(&a);
	json_decref(ref);
	json_decref(cur);
}

static void test_refdrift__type_change_and_columns_on_one_side(void **state)
{
	static const char *const nv[] = { "1", "2" }, *const sv[] = { "x", "y" };
	static const long cnt[] = { 10, 10 };
	json_t *ref, *cur;
	const json_t *c;
	struct refdrift_opts o;
	struct anomalies a = { 0 };
	struct refdrift_summary s;
	struct mlci_err err = { 0 };

	(void)state;
	ref = report(json_pack("[o, o]", freq_col("k", "integer", nv, cnt, 2, 0),
			       freq_col("gone", "string", sv, cnt, 2, 1)), 20, NULL);
	cur = report(json_pack("[o, o]", freq_col("k", "string", sv, cnt, 2, 1),
			       freq_col("new", "string", sv, cnt, 2, 1)), 20, NULL);
	refdrift_opts_init(&o);
	assert_int_equal(run(ref, cur, &o, NULL, &a, &s, &err), 0);
	c = drift_col(cur, "k");
	assert_true(json_is_false(json_object_get(c, "compared")));
	assert_string_equal(json_string_value(json_object_get(c, "reference_type")), "integer");
	assert_int_equal(count_code(&a, "reference_type_mismatch", NULL), 1);
	assert_int_equal(s.compared, 0);
	assert_true(s.share == 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(cur, "drift"), "only_in_reference"), 0)), "gone");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(cur, "drift"), "only_in_data"), 0)), "new");
	anomalies_free(&a);
	json_decref(ref);
	json_decref(cur);
}

static void test_refdrift__label_classes(void **state)
{
	static const char *const rv[] = { "no", "yes" }, *const cv[] = { "maybe", "no" };
	static const long rc[] = { 80, 20 }, cc[] = { 15, 85 };
	json_t *ref, *cur;
	const json_t *L;
	struct refdrift_opts o;
	struct anomalies a = { 0 };
	struct refdrift_summary s;
	struct mlci_err err = { 0 };
	struct drift_aligned al;
	struct drift_cat r[2] = { { "no", 80 }, { "yes", 20 } };
	struct drift_cat c[2] = { { "maybe", 15 }, { "no", 85 } };
	double stat, dof, p;

	(void)state;
	ref = report(json_pack("[o]", freq_col("y", "string", rv, rc, 2, 1)), 100, "y");
	cur = report(json_pack("[o]", freq_col("y", "string", cv, cc, 2, 1)), 100, "y");
	refdrift_opts_init(&o);
	assert_int_equal(run(ref, cur, &o, "y", &a, &s, &err), 0);
	/* the label is no feature */
	assert_int_equal(json_array_size(json_object_get(json_object_get(cur, "drift"),
							 "columns")), 0);
	L = json_object_get(json_object_get(cur, "drift"), "label");
	assert_string_equal(json_string_value(json_object_get(L, "kind")), "classes");
	assert_int_equal(count_code(&a, "label_unseen_in_reference", NULL), 1);
	assert_int_equal(count_code(&a, "label_class_missing", NULL), 1);
	/* no: 0.8 -> 0.85 is not more than 0.1; yes, gone, is missing, not
	 * shifted */
	assert_int_equal(count_code(&a, "label_shift", NULL), 0);
	assert_int_equal(a.errors, 1);
	/* the test is drift.c's on the aligned counts */
	assert_int_equal(drift_align(r, 2, 0, c, 2, 0, 0, &al, &err), 0);
	assert_int_equal(drift_chi2(al.ref, al.cur, al.k, &stat, &dof, &p, &err), 0);
	drift_aligned_free(&al);
	assert_true(fabs(num(L, "statistic") - stat) <= 1e-12 * stat);
	assert_true(num(L, "dof") == dof);
	anomalies_free(&a);
	json_decref(ref);
	json_decref(cur);
}

static void test_refdrift__sparse_small_categorical_not_judged(void **state)
{
	/* 20 categories over 40 rows a side: every expected count is below 5,
	 * pooling leaves one category, no p-value; 40 values are too few to
	 * judge by effect size */
	static const char *const v[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
		"k", "l", "m", "n", "o", "p", "q", "r", "s", "t" };
	static const long rc[] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
	static const long cc[] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	json_t *ref, *cur;
	const json_t *c;
	struct refdrift_opts o;
	struct anomalies a = { 0 };
	struct refdrift_summary s;
	struct mlci_err err = { 0 };

	(void)state;
	ref = report(json_pack("[o]", freq_col("c", "string", v, rc, 20, 1)), 40, NULL);
	cur = report(json_pack("[o]", freq_col("c", "string", v, cc, 20, 1)), 40, NULL);
	refdrift_opts_init(&o);
	assert_int_equal(run(ref, cur, &o, NULL, &a, &s, &err), 0);
	c = drift_col(cur, "c");
	assert_true(json_is_null(json_object_get(c, "test")));
	assert_string_equal(json_string_value(json_object_get(c, "judged_by")), "none");
	assert_true(json_is_false(json_object_get(c, "drifted")));
	assert_non_null(strstr(json_string_value(json_object_get(c, "why")), "not judged"));
	/* the effect sizes are still reported, finite */
	assert_true(isfinite(num(c, "js")) && num(c, "js") > 0);
	assert_true(isfinite(num(c, "psi")) && num(c, "psi") > 0);
	assert_int_equal(s.compared, 1);
	assert_int_equal(s.drifted, 0);
	anomalies_free(&a);
	json_decref(ref);
	json_decref(cur);
}

static void test_refdrift__thresholds_parse(void **state)
{
	struct refdrift_opts o;
	struct mlci_err err = { 0 };
	static const char *const bad[] = {
		"x", ":psi=1", "x:", "x:psi", "x:psi=", "x:psi=-1", "x:psi=1,",
		"x:alpha=0", "x:alpha=2", "x:what=1", "x:severity=fatal", "x:psi=nan",
		"x:psi=1e999", NULL,
	};
	size_t i;

	(void)state;
	refdrift_opts_init(&o);
	assert_int_equal(refdrift_add_threshold(&o, "a:b:psi=0.3,alpha=0.01,severity=error", &err), 0);
	assert_int_equal(refdrift_add_threshold(&o, "c:off", &err), 0);
	assert_int_equal(o.ncols, 2);
	assert_string_equal(o.cols[0].column, "a:b");	/* up to the last ':' */
	assert_true(o.cols[0].psi == 0.3 && o.cols[0].alpha == 0.01);
	assert_true(o.cols[0].wasserstein < 0 && o.cols[0].js < 0);
	assert_int_equal(o.cols[0].severity, SEV_ERROR);
	assert_true(o.cols[1].off);
	for (i = 0; bad[i]; i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(refdrift_add_threshold(&o, bad[i], &err), -1);
		assert_int_equal(err.code, MLCI_EXIT_USAGE);
	}
	assert_int_equal(o.ncols, 2);
	assert_int_equal(refdrift_check_opts(&o, &err), 0);
	o.alpha = 0;
	assert_int_equal(refdrift_check_opts(&o, &err), -1);
	o.alpha = 0.05;
	o.max_share = 1.5;
	assert_int_equal(refdrift_check_opts(&o, &err), -1);
	o.max_share = 0.5;
	o.js = -1;
	assert_int_equal(refdrift_check_opts(&o, &err), -1);
	refdrift_opts_free(&o);
	refdrift_opts_free(&o);	/* twice is harmless */
}

static void test_refdrift__bad_references(void **state)
{
	static const char *const v[] = { "a", "b" };
	static const long cnt[] = { 3, 4 };
	struct refdrift_opts o;
	struct refdrift_ref r;
	struct mlci_err err;
	json_t *j;
	char path[600];
	FILE *f;

	(void)state;
	refdrift_opts_init(&o);
	/* missing: 66 */
	snprintf(path, sizeof(path), "%s/nowhere.json", dir);
	o.reference = path;
	memset(&err, 0, sizeof(err));
	assert_int_equal(refdrift_load(&o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	refdrift_ref_free(&r);
	/* not JSON: 65 with a line */
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\n\"kind\": ", f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	assert_int_equal(refdrift_load(&o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_true(err.line >= 2);
	refdrift_ref_free(&r);
	/* another kind */
	j = json_pack("{s:s, s:i}", "kind", "mlci.model", "schema_version", 1);
	o.reference = write_json("model.json", j);
	json_decref(j);
	memset(&err, 0, sizeof(err));
	assert_int_equal(refdrift_load(&o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "mlci.model"));
	refdrift_ref_free(&r);
	/* a partial report */
	j = report(json_array(), 10, NULL);
	json_object_set_new(j, "partial", json_pack("{s:i, s:i}", "shard", 2, "of", 4));
	o.reference = write_json("part.json", j);
	json_decref(j);
	memset(&err, 0, sizeof(err));
	assert_int_equal(refdrift_load(&o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "shard 2 of 4"));
	refdrift_ref_free(&r);
	/* a newer schema_version */
	j = report(json_array(), 10, NULL);
	json_object_set_new(j, "schema_version", json_integer(2));
	o.reference = write_json("v2.json", j);
	json_decref(j);
	memset(&err, 0, sizeof(err));
	assert_int_equal(refdrift_load(&o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	refdrift_ref_free(&r);
	/* a column whose frequencies do not add up to its count */
	j = report(json_pack("[o]", freq_col("c", "string", v, cnt, 2, 1)), 7, NULL);
	json_object_set_new(json_array_get(json_object_get(j, "columns"), 0), "count",
			    json_integer(8));
	o.reference = write_json("sum.json", j);
	json_decref(j);
	memset(&err, 0, sizeof(err));
	assert_int_equal(refdrift_load(&o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "column 1 ('c')"));
	refdrift_ref_free(&r);
	/* hostile columns: each one mutation of a good one, each a 65 */
	{
		static const char *const muts[] = {
			"{\"name\": \"c\", \"type\": \"integer\", \"count\": 7, \"sketch\": {\"frequencies\": {\"values\": [\"1\", \"x\"], \"counts\": [3, 4], \"mode\": \"exact\"}}}",
			"{\"name\": \"c\", \"type\": \"string\", \"count\": 7, \"sketch\": {\"frequencies\": {\"values\": [\"a\", 5], \"counts\": [3, 4], \"mode\": \"exact\"}}}",
			"{\"name\": \"c\", \"type\": \"string\", \"count\": 7, \"sketch\": {\"frequencies\": {\"values\": [\"a\", \"b\"], \"counts\": [8, -1], \"mode\": \"exact\"}}}",
			"{\"name\": \"c\", \"type\": \"string\", \"count\": 7, \"sketch\": {\"frequencies\": {\"values\": [\"a\", \"b\"], \"counts\": [7]}}}",
			"{\"name\": \"c\", \"type\": \"string\", \"count\": 7, \"sketch\": {\"frequencies\": {\"values\": [\"a\", \"a\"], \"counts\": [3, 4], \"mode\": \"exact\"}}}",
			"{\"name\": \"c\", \"type\": \"number\", \"count\": 7, \"sketch\": {\"kll\": {\"k\": 200, \"n\": 7, \"levels\": \"x\"}}}",
			"{\"name\": \"c\", \"type\": \"number\", \"count\": 7, \"sketch\": {\"kll\": {\"k\": 200, \"n\": 3, \"levels\": [[1, 2, 3]]}}}",
			"{\"name\": \"c\", \"type\": \"float\", \"count\": 7}",
			"{\"name\": \"\", \"type\": \"string\", \"count\": 7}",
			"{\"name\": \"c\", \"type\": \"string\", \"count\": -7}",
			"[1, 2]",
			NULL,
		};
		size_t m;
		json_error_t je;

		for (m = 0; muts[m]; m++) {
			json_t *col = json_loads(muts[m], 0, &je);

			assert_non_null(col);
			j = report(json_pack("[o]", col), 7, NULL);
			o.reference = write_json("hostile.json", j);
			json_decref(j);
			memset(&err, 0, sizeof(err));
			assert_int_equal(refdrift_load(&o, &r, &err), -1);
			assert_int_equal(err.code, MLCI_EXIT_DATAERR);
			assert_non_null(strstr(err.msg, "column"));
			refdrift_ref_free(&r);
		}
	}
	/* a threshold for a column the reference lacks: 64 */
	j = report(json_pack("[o]", freq_col("c", "string", v, cnt, 2, 1)), 7, NULL);
	o.reference = write_json("ok.json", j);
	json_decref(j);
	assert_int_equal(refdrift_add_threshold(&o, "nope:psi=1", &err), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(refdrift_load(&o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	refdrift_ref_free(&r);
	refdrift_opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refdrift__numbers_by_value_match_raw_samples),
		cmocka_unit_test(test_refdrift__kll_sketch_side_carries_rank_error),
		cmocka_unit_test(test_refdrift__disjoint_categories_stay_finite_and_drift),
		cmocka_unit_test(test_refdrift__type_change_and_columns_on_one_side),
		cmocka_unit_test(test_refdrift__label_classes),
		cmocka_unit_test(test_refdrift__sparse_small_categorical_not_judged),
		cmocka_unit_test(test_refdrift__thresholds_parse),
		cmocka_unit_test(test_refdrift__bad_references),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
