/*
 * test_paired.c - shared/paired.c against tests/ref/paired.json (written
 * by tests/ref/paired_tests.py with scipy, numpy and scikit-learn:
 * McNemar exact and score tests, DeLong, the paired bootstrap, Holm).
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

#include "paired.h"

static json_t *ref;
static size_t n;
static size_t *y;
static double *sc, *sb;

static int setup(void **state)
{
	json_error_t je;
	size_t i;

	ref = json_load_file("tests/ref/paired.json", 0, &je);
	if (!ref) {
		fprintf(stderr, "cannot read tests/ref/paired.json: %s\n", je.text);
		return -1;
	}
	n = json_array_size(json_object_get(ref, "y"));
	y = calloc(n, sizeof(*y));
	sc = calloc(n, sizeof(*sc));
	sb = calloc(n, sizeof(*sb));
	for (i = 0; i < n; i++) {
		y[i] = (size_t)json_integer_value(json_array_get(json_object_get(ref, "y"), i));
		sc[i] = json_number_value(json_array_get(json_object_get(ref, "score_candidate"), i));
		sb[i] = json_number_value(json_array_get(json_object_get(ref, "score_baseline"), i));
	}
	return 0;
}

static int teardown(void **state)
{
	json_decref(ref);
	free(y), free(sc), free(sb);
	return 0;
}

static double num(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

static void near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol)) {
		fprintf(stderr, "%s: got %.17g, reference %.17g\n", what, got, want);
		fail();
	}
}

static void check(const struct paired_result *r, const json_t *e, double tol_p)
{
	assert_string_equal(r->method, json_string_value(json_object_get(e, "method")));
	near(r->diff, num(e, "diff"), 1e-12, "diff");
	near(r->low, num(e, "low"), 1e-9, "low");
	near(r->high, num(e, "high"), 1e-9, "high");
	near(r->p_value, num(e, "p_value"), tol_p, "p_value");
	near(r->p_inferior, num(e, "p_inferior"), tol_p, "p_inferior");
	near(r->se, num(e, "se"), 1e-12, "se");
	near(r->mde, num(e, "mde"), 1e-9, "mde");
}

static void test_paired__against_scipy(void **state)
{
	json_t *t;
	size_t ti, seen[3] = { 0 };
	unsigned char *cok = calloc(n, 1), *bok = calloc(n, 1), *pos = calloc(n, 1);
	size_t *pc = calloc(n, sizeof(size_t)), *pb = calloc(n, sizeof(size_t));
	double *prc = calloc(2 * n, sizeof(double)), *prb = calloc(2 * n, sizeof(double));
	const char *names[2] = { "0", "1" };
	size_t i;

	for (i = 0; i < n; i++) {
		pos[i] = y[i] == 1;
		pc[i] = sc[i] >= 0.5;
		pb[i] = sb[i] >= 0.5;
		cok[i] = pc[i] == y[i];
		bok[i] = pb[i] == y[i];
		prc[2 * i] = 1 - sc[i];
		prc[2 * i + 1] = sc[i];
		prb[2 * i] = 1 - sb[i];
		prb[2 * i + 1] = sb[i];
	}
	json_array_foreach(json_object_get(ref, "tests"), ti, t) {
		const char *kind = json_string_value(json_object_get(t, "kind"));
		json_t *e = json_object_get(t, "expected");
		double d0 = num(t, "delta0"), alpha = num(t, "alpha");
		int higher = json_is_true(json_object_get(t, "higher"));
		size_t m = strcmp(json_string_value(json_object_get(t, "rows")), "small") ? n :
			   (size_t)json_integer_value(json_object_get(ref, "small_rows"));
		struct mlci_err err = { 0 };
		struct paired_result r;

		if (!strcmp(kind, "mcnemar")) {
			assert_int_equal(paired_mcnemar(cok, bok, m, d0, higher, alpha, &r, &err), 0);
			assert_int_equal(r.only_candidate, json_integer_value(json_object_get(e, "only_candidate")));
			assert_int_equal(r.only_baseline, json_integer_value(json_object_get(e, "only_baseline")));
			check(&r, e, 1e-10);
			seen[0]++;
		} else if (!strcmp(kind, "delong")) {
			assert_int_equal(paired_delong(pos, sc, sb, m, d0, higher, alpha, &r, &err), 0);
			check(&r, e, 1e-10);
			seen[1]++;
		} else {
			struct scored c = { 0 }, b = { 0 };

			c.classifier = b.classifier = 1;
			c.n = b.n = n;
			c.K = c.L = b.K = b.L = 2;
			c.names = b.names = names;
			c.y_true = b.y_true = y;
			c.y_pred = pc;
			b.y_pred = pb;
			c.proba = prc;
			b.proba = prb;
			assert_int_equal(paired_bootstrap(&c, &b,
				json_string_value(json_object_get(t, "metric")),
				(size_t)json_integer_value(json_object_get(t, "B")),
				(uint64_t)json_integer_value(json_object_get(t, "seed")),
				d0, higher, alpha, &r, &err), 0);
			assert_int_equal(r.resamples, json_integer_value(json_object_get(e, "resamples")));
			check(&r, e, 1e-12);
			seen[2]++;
		}
	}
	assert_true(seen[0] >= 5 && seen[1] >= 3 && seen[2] >= 2);
	free(cok), free(bok), free(pos), free(pc), free(pb), free(prc), free(prb);
}

static void test_paired__holm(void **state)
{
	json_t *h = json_object_get(ref, "holm");
	size_t m = json_array_size(json_object_get(h, "p")), i;
	double p[16];

	assert_true(m <= 16);
	for (i = 0; i < m; i++)
		p[i] = json_number_value(json_array_get(json_object_get(h, "p"), i));
	assert_int_equal(paired_holm(p, m), 0);
	for (i = 0; i < m; i++)
		near(p[i], json_number_value(json_array_get(json_object_get(h, "adjusted"), i)),
		     1e-15, "holm");
}

static void test_paired__edges(void **state)
{
	struct mlci_err err = { 0 };
	struct paired_result r;
	unsigned char same[4] = { 1, 0, 1, 1 }, pos[4] = { 1, 0, 0, 0 };
	double s[4] = { 0.9, 0.1, 0.2, 0.3 };

	/* identical results: no discordant row, d = 0, nothing shown */
	assert_int_equal(paired_mcnemar(same, same, 4, 0, 1, 0.05, &r, &err), 0);
	assert_true(r.diff == 0 && r.p_value == 1 && r.p_inferior == 1);
	assert_false(isnan(r.low) || isnan(r.high) || isnan(r.mde));
	/* one positive: DeLong is not defined */
	assert_int_equal(paired_delong(pos, s, s, 4, 0, 1, 0.05, &r, &err), 1);
	near(paired_norm_quantile(0.975), 1.959963984540054, 1e-12, "z 0.975");
	near(paired_binom_sf_half(0, 0), 1, 0, "sf(0, 0)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paired__against_scipy),
		cmocka_unit_test(test_paired__holm),
		cmocka_unit_test(test_paired__edges),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
