/*
 * test_slices.c - shared/slices.c: grouping, order, small slices, the
 * bootstrap per slice and the errors. The metric values themselves are
 * those of scored_metrics over each slice's rows (checked here against a
 * scored set built from those rows alone; against scikit-learn in
 * tests/steps/t-evaluate-slices.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "csv.h"
#include "slices.h"

/* 8 rows: group g (b, a, missing), color c; label y, prediction p and
 * the positive class's score. */
static const char DATA[] =
	"g,c,y,p,s\n"
	"b,red,1,1,0.9\n"
	"a,red,0,0,0.2\n"
	",blue,1,0,0.4\n"
	"b,blue,0,1,0.7\n"
	"a,red,1,1,0.8\n"
	"b,red,1,1,0.6\n"
	",red,0,0,0.1\n"
	"a,blue,0,1,0.55\n";

static const char *NAMES[] = { "0", "1" };

struct fixture {
	struct frame f;
	struct scored s;
	size_t rows[8], yt[8], yp[8];
	double proba[16];
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	struct csv_opts o = { ',', NULL, 0, 0, NULL };
	struct mlci_err err = { 0 };
	char path[256];
	const char *dir = getenv("TMPDIR");
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/test_slices.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, DATA, strlen(DATA)), (ssize_t)strlen(DATA));
	close(fd);
	assert_int_equal(frame_load(&x->f, path, &o, &err), 0);
	unlink(path);
	for (i = 0; i < 8; i++) {
		double sc;

		x->rows[i] = i;
		x->yt[i] = frame_cell(&x->f, i, 2)[0] == '1';
		x->yp[i] = frame_cell(&x->f, i, 3)[0] == '1';
		assert_int_equal(parse_double(frame_cell(&x->f, i, 4), &sc), 0);
		x->proba[2 * i] = 1 - sc;
		x->proba[2 * i + 1] = sc;
	}
	x->s.classifier = 1;
	x->s.n = 8;
	x->s.K = 2;
	x->s.L = 2;
	x->s.names = NAMES;
	x->s.y_true = x->yt;
	x->s.y_pred = x->yp;
	x->s.proba = x->proba;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	frame_free(&x->f);
	free(x);
	return 0;
}

static json_t *run(struct fixture *x, const char *const *by, size_t nby,
		   long min_size, size_t boot, int want_rc, int want_code)
{
	struct slices_opts o = { by, nby, min_size, boot, 3, 0.9 };
	struct mlci_err err = { 0 };
	json_t *art = json_object();

	assert_int_equal(slices_json(&x->s, &x->f, x->rows, &o, art, &err), want_rc);
	if (want_rc < 0) {
		assert_int_equal(err.code, want_code);
		json_decref(art);
		return NULL;
	}
	return art;
}

/* The metrics of rows idx of the fixture, as a scored set of their own. */
static json_t *metrics_of(struct fixture *x, const size_t *idx, size_t m)
{
	struct scored sub = x->s;
	size_t yt[8], yp[8], i;
	double pr[16];
	struct metric_table t;
	struct mlci_err err = { 0 };

	for (i = 0; i < m; i++) {
		yt[i] = x->yt[idx[i]];
		yp[i] = x->yp[idx[i]];
		pr[2 * i] = x->proba[2 * idx[i]];
		pr[2 * i + 1] = x->proba[2 * idx[i] + 1];
	}
	sub.n = m;
	sub.y_true = yt;
	sub.y_pred = yp;
	sub.proba = pr;
	assert_int_equal(scored_metrics(&sub, NULL, 0, &t, NULL, NULL, &err), 0);
	return slices_metric_object(&t);
}

static void test_slices__groups_in_value_order_missing_last(void **state)
{
	struct fixture *x = *state;
	const char *by[] = { "g", "c,g" };
	json_t *art = run(x, by, 2, 1, 0, 0, 0), *sl;
	const size_t a[] = { 1, 4, 7 }, b[] = { 0, 3, 5 }, none[] = { 2, 6 };
	json_t *ma = metrics_of(x, a, 3), *mb = metrics_of(x, b, 3), *mn = metrics_of(x, none, 2);
	char *s;

	s = json_dumps(json_object_get(art, "slicing"), JSON_COMPACT);
	assert_string_equal(s, "{\"by\":[[\"g\"],[\"c\",\"g\"]],\"min_size\":1}");
	free(s);
	assert_int_equal(json_array_size(json_object_get(art, "slices")), 3 + 6);
	sl = json_array_get(json_object_get(art, "slices"), 0);
	s = json_dumps(json_object_get(sl, "by"), JSON_COMPACT);
	assert_string_equal(s, "{\"g\":\"a\"}");
	free(s);
	assert_int_equal(json_integer_value(json_object_get(sl, "n")), 3);
	assert_true(json_equal(json_object_get(sl, "metrics"), ma));
	sl = json_array_get(json_object_get(art, "slices"), 1);
	assert_true(json_equal(json_object_get(sl, "metrics"), mb));
	sl = json_array_get(json_object_get(art, "slices"), 2);
	s = json_dumps(json_object_get(sl, "by"), JSON_COMPACT);
	assert_string_equal(s, "{\"g\":null}");
	free(s);
	assert_true(json_equal(json_object_get(sl, "metrics"), mn));
	/* c,g: blue/a, blue/b, blue/null, red/a, red/b, red/null */
	sl = json_array_get(json_object_get(art, "slices"), 3);
	s = json_dumps(sl, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(strstr(s, "\"by\":{\"c\":\"blue\",\"g\":\"a\"}"));
	assert_non_null(strstr(s, "\"n\":1"));
	free(s);
	sl = json_array_get(json_object_get(art, "slices"), 8);
	s = json_dumps(json_object_get(sl, "by"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"c\":\"red\",\"g\":null}");
	free(s);
	json_decref(ma), json_decref(mb), json_decref(mn);
	json_decref(art);
}

static void test_slices__small_slices_have_no_metrics(void **state)
{
	struct fixture *x = *state;
	const char *by[] = { "g" };
	json_t *art = run(x, by, 1, 3, 0, 0, 0), *sl;
	size_t i;

	json_array_foreach(json_object_get(art, "slices"), i, sl) {
		int small = json_integer_value(json_object_get(sl, "n")) < 3;

		assert_int_equal(json_is_true(json_object_get(sl, "small")), small);
		assert_int_equal(json_object_get(sl, "metrics") == NULL, small);
	}
	json_decref(art);
}

static void test_slices__bootstrap_per_slice(void **state)
{
	struct fixture *x = *state;
	const char *by[] = { "g" };
	json_t *a1 = run(x, by, 1, 1, 50, 0, 0), *a2 = run(x, by, 1, 1, 50, 0, 0), *sl;
	size_t i;

	assert_true(json_equal(a1, a2));
	json_array_foreach(json_object_get(a1, "slices"), i, sl) {
		json_t *iv = json_object_get(json_object_get(sl, "intervals"), "accuracy");

		assert_non_null(iv);
		assert_int_equal(json_integer_value(json_object_get(iv, "resamples")), 50);
		assert_true(json_number_value(json_object_get(iv, "low")) <=
			    json_number_value(json_object_get(iv, "high")));
	}
	json_decref(a1), json_decref(a2);
}

static void test_slices__errors(void **state)
{
	struct fixture *x = *state;
	const char *unknown[] = { "g,shape" }, *twice[] = { "g,c,g" }, *empty[] = { "g,,c" };
	const char *many[] = { "g,c,y,p,s,g,c,y,p" }, *ids[] = { "s" };

	run(x, unknown, 1, 1, 0, -1, MLCI_EXIT_DATAERR);
	run(x, twice, 1, 1, 0, -1, MLCI_EXIT_USAGE);
	run(x, empty, 1, 1, 0, -1, MLCI_EXIT_USAGE);
	run(x, many, 1, 1, 0, -1, MLCI_EXIT_USAGE);
	run(x, unknown, 1, 0, 0, -1, MLCI_EXIT_USAGE);
	/* 8 distinct scores: 8 slices, within the cap */
	json_decref(run(x, ids, 1, 1, 0, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_slices__groups_in_value_order_missing_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slices__small_slices_have_no_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slices__bootstrap_per_slice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slices__errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
