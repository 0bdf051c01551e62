/* search: space parsing, the grid's order and values, the trials a
 * runner gets, and the Bayesian proposals against random draws on
 * functions whose optimum is known. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "search.h"

static void test_search__parses_specs_and_refuses_bad_ones(void **state)
{
	const char *good[] = { "max_depth=3..12:int", "learning_rate=0.01..0.3:log",
			       "alpha=0..1", "n=2..5", "criterion=gini,entropy" };
	const char *bad[] = { "x", "=1..2", "x=", "x=3..1", "x=0..1:log", "x=a..b",
			      "x=1.5..3:int", "x=1..2:nope", "x=a,,b", "x=a,a" };
	struct search_space s;
	struct mlci_err err = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(search_parse(&s, good, 5, &err), 0);
	assert_int_equal(s.ndims, 5);
	assert_int_equal(s.dim[0].kind, SK_INT);
	assert_int_equal(s.dim[1].kind, SK_LOG);
	assert_int_equal(s.dim[2].kind, SK_INT);	/* two integers: :int */
	assert_int_equal(s.dim[3].kind, SK_INT);
	assert_int_equal(s.dim[4].kind, SK_CHOICE);
	assert_int_equal(s.dim[4].nchoices, 2);
	search_free(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(search_parse(&s, &bad[i], 1, &err), -1);
		assert_int_equal(err.code, MLCI_EXIT_USAGE);
		assert_non_null(strstr(err.msg, bad[i]));
		search_free(&s);
	}
}

static double g_vals[64][4];
static size_t g_ids[64], g_n;

static int record(void *ctx, size_t trial, const double *vals, double *score,
		  json_t **detail, struct mlci_err *err)
{
	const struct search_space *s = ctx;
	size_t i;

	(void)err;
	for (i = 0; i < s->ndims; i++)
		g_vals[g_n][i] = vals[i];
	g_ids[g_n++] = trial;
	*score = (double)trial;
	*detail = NULL;
	return 0;
}

static void test_search__grid_order_values_and_runner_shares(void **state)
{
	const char *specs[] = { "a=1..3:int", "b=0.001..10:log", "c=x,y" };
	struct search_space s;
	struct mlci_err err = { 0 };
	struct search_run r = { 0 };
	json_t *out = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(search_parse(&s, specs, 3, &err), 0);
	assert_int_equal(search_grid_size(&s, 5, &n, &err), 0);
	assert_int_equal(n, 3 * 5 * 2);
	r.space = &s, r.method = SEARCH_GRID, r.trials = n, r.grid_points = 5;
	r.batches = 1, r.eval = record, r.ctx = &s;
	g_n = 0;
	assert_int_equal(search_execute(&r, &out, &err), 0);
	assert_int_equal(json_array_size(out), 30);
	/* the first dimension slowest, the last fastest */
	assert_true(g_vals[0][0] == 1 && g_vals[0][1] == 0.001 && g_vals[0][2] == 0);
	assert_true(g_vals[1][2] == 1);
	assert_true(g_vals[2][1] == 0.01 && g_vals[2][2] == 0);	/* decades exact */
	assert_true(g_vals[8][1] == 10 && g_vals[9][1] == 10);
	assert_true(g_vals[10][0] == 2 && g_vals[29][0] == 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(out, 1), "params"), "c")), "y");
	assert_int_equal(search_best(out, 0), 29);
	assert_int_equal(search_best(out, 1), 0);
	json_decref(out);
	/* runner 2 of 4: trials 1, 5, 9, ..., 29 in order */
	r.shard = 2, r.nshards = 4;
	g_n = 0;
	assert_int_equal(search_execute(&r, &out, &err), 0);
	assert_int_equal(g_n, 8);
	assert_int_equal(g_ids[0], 1);
	assert_int_equal(g_ids[7], 29);
	json_decref(out);
	/* more runners than trials */
	r.trials = 3, r.shard = 1, r.nshards = 4;
	assert_int_equal(search_execute(&r, &out, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	search_free(&s);
}

static void test_search__expected_improvement(void **state)
{
	(void)state;
	/* at the incumbent, EI is sd times the normal density at 0 */
	assert_true(fabs(search_ei(1, 2, 1, 0) - 2 / sqrt(2 * M_PI)) < 1e-12);
	assert_true(search_ei(0, 1, 1, 0) < search_ei(0.5, 1, 1, 0));
	assert_true(search_ei(0, 1, 1, 0) < search_ei(0, 2, 1, 0));
	assert_true(search_ei(-50, 1, 0, 0) >= 0);
	assert_true(search_ei(3, 0, 1, 0) == 2);
}

/* -(distance to a hidden point) in 2 dimensions */
static int bowl(void *ctx, size_t trial, const double *vals, double *score,
		json_t **detail, struct mlci_err *err)
{
	(void)ctx, (void)trial, (void)err;
	*score = -((vals[0] - 0.73) * (vals[0] - 0.73) +
		   (log10(vals[1]) - 1.3) * (log10(vals[1]) - 1.3));
	*detail = NULL;
	return 0;
}

static double best_of(const struct search_run *r)
{
	json_t *out = NULL;
	struct mlci_err err = { 0 };
	long b;
	double v;

	assert_int_equal(search_execute(r, &out, &err), 0);
	b = search_best(out, 0);
	assert_true(b >= 0);
	v = json_number_value(json_object_get(json_array_get(out, (size_t)b), "score"));
	json_decref(out);
	return v;
}

static void test_search__bayes_beats_random_on_a_bowl(void **state)
{
	const char *specs[] = { "x=0..1:float", "y=1..1000:log" };
	struct search_space s;
	struct mlci_err err = { 0 };
	struct search_run r = { 0 };
	int seed, wins = 0;
	double bsum = 0;

	(void)state;
	assert_int_equal(search_parse(&s, specs, 2, &err), 0);
	r.space = &s, r.trials = 20, r.batches = 1, r.eval = bowl;
	for (seed = 0; seed < 8; seed++) {
		double b, rnd;

		r.seed = seed;
		r.method = SEARCH_BAYES;
		b = best_of(&r);
		r.method = SEARCH_RANDOM;
		rnd = best_of(&r);
		wins += b > rnd;
		bsum += b;
	}
	/* 20 trials find the bowl's bottom within 0.05 (rms) every time on
	 * average, and beat as many random draws most of the time */
	assert_true(bsum / 8 > -0.0025);
	assert_true(wins >= 6);
	/* the same seed proposes the same trials; batches are independent */
	{
		json_t *a = NULL, *b = NULL;

		r.method = SEARCH_BAYES, r.seed = 3, r.batches = 2;
		assert_int_equal(search_execute(&r, &a, &err), 0);
		assert_int_equal(search_execute(&r, &b, &err), 0);
		assert_true(json_equal(a, b));
		assert_int_equal(json_array_size(a), 20);
		assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 3), "batch")), 1);
		json_decref(a);
		json_decref(b);
	}
	search_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search__parses_specs_and_refuses_bad_ones),
		cmocka_unit_test(test_search__grid_order_values_and_runner_shares),
		cmocka_unit_test(test_search__expected_improvement),
		cmocka_unit_test(test_search__bayes_beats_random_on_a_bowl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
