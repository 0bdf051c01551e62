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
#include "leakage.h"

/* unit tests run from the top of the repository */
#define TESTS_DATA "tests/data"

#define ADULT_COLUMNS "age,workclass,fnlwgt,education,education_num," \
	"marital_status,occupation,relationship,race,sex,capital_gain," \
	"capital_loss,hours_per_week,native_country,income"

static void load(struct frame *f, const char *name, const char *columns,
		 long skip, int trim)
{
	char path[512];
	struct csv_opts o;
	struct mlci_err err = {0};

	snprintf(path, sizeof(path), "%s/%s", TESTS_DATA, name);
	csv_opts_init(&o);
	o.columns = columns;
	o.skip_rows = skip;
	o.trim = trim;
	if (frame_load(f, path, &o, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
}

/* Rows of b (over its first ncols columns, skipping column skip if >= 0)
 * that also appear in a. */
static size_t shared(const struct frame *a, const struct frame *b, long skip)
{
	struct leak_rows s;
	const char *cells[64];
	size_t r, c, n, found = 0;

	assert_true(a->ncols <= 64);
	leak_rows_init(&s);
	for (r = 0; r < a->nrows; r++) {
		for (c = 0, n = 0; c < a->ncols; c++)
			if ((long)c != skip)
				cells[n++] = frame_cell(a, r, c);
		assert_int_equal(leak_rows_add(&s, leak_row_hash(cells, n)), 0);
	}
	for (r = 0; r < b->nrows; r++) {
		for (c = 0, n = 0; c < b->ncols; c++)
			if ((long)c != skip)
				cells[n++] = frame_cell(b, r, c);
		found += leak_rows_count(&s, leak_row_hash(cells, n)) > 0;
	}
	assert_int_equal(s.rows, a->nrows);
	leak_rows_free(&s);
	return found;
}

static json_t *ref_case(const char *a)
{
	char path[512];
	json_error_t je;
	json_t *j, *cases, *c;
	size_t i;

	snprintf(path, sizeof(path), "%s/../ref/leakage.json", TESTS_DATA);
	j = json_load_file(path, 0, &je);
	if (!j)
		fail_msg("%s: %s", path, je.text);
	cases = json_object_get(j, "cases");
	json_array_foreach(cases, i, c)
		if (!strcmp(json_string_value(json_object_get(c, "a")), a)) {
			json_incref(c);
			json_decref(j);
			return c;
		}
	fail_msg("no reference case for %s", a);
	return NULL;
}

static void check_perfect(const struct frame *f, const char *label,
			  const json_t *want)
{
	int lc = frame_find(f, label);
	size_t c, r;

	assert_true(lc >= 0);
	for (c = 0; c < f->ncols; c++) {
		struct leak_purity p;
		json_t *w;

		if ((int)c == lc)
			continue;
		leak_purity_init(&p);
		for (r = 0; r < f->nrows; r++)
			assert_int_equal(leak_purity_add(&p, frame_cell(f, r, c),
							 frame_cell(f, r, (size_t)lc)), 0);
		w = json_object_get(want, f->names[c]);
		assert_non_null(w);
		if (leak_purity_perfect(&p) != json_is_true(w))
			fail_msg("column %s: perfect=%d, pandas says %d", f->names[c],
				 leak_purity_perfect(&p), json_is_true(w));
		leak_purity_free(&p);
	}
}

static void test_leakage__adult_rows_shared_with_the_test_file(void **state)
{
	struct frame a, b;
	json_t *ref = ref_case("adult.data.csv");

	load(&a, "adult.data.csv", ADULT_COLUMNS, 0, 1);
	load(&b, "adult.test.csv", ADULT_COLUMNS, 1, 1);
	frame_strip_suffix(&b, 14, ".");
	assert_int_equal(shared(&a, &b, -1),
			 json_integer_value(json_object_get(ref, "shared_rows")));
	assert_int_equal(shared(&a, &b, 14),
			 json_integer_value(json_object_get(ref, "shared_feature_rows")));
	assert_int_equal(shared(&a, &a, -1),
			 json_integer_value(json_object_get(ref, "self_shared_rows")));
	check_perfect(&a, "income", json_object_get(ref, "perfect"));
	frame_free(&a);
	frame_free(&b);
	json_decref(ref);
}

static void test_leakage__titanic_has_no_perfect_predictor(void **state)
{
	struct frame t;
	json_t *ref = ref_case("titanic.csv");

	load(&t, "titanic.csv", NULL, 0, 0);
	assert_int_equal(shared(&t, &t, -1),
			 json_integer_value(json_object_get(ref, "shared_rows")));
	check_perfect(&t, "Survived", json_object_get(ref, "perfect"));
	frame_free(&t);
	json_decref(ref);
}

static void test_leakage__row_hash_keeps_cells_apart(void **state)
{
	const char *ab[] = { "a", "b" }, *ab2[] = { "ab", "" };
	const char *miss[] = { "a", NULL }, *empty[] = { "a", "" };

	assert_true(leak_row_hash(ab, 2) != leak_row_hash(ab2, 2));
	assert_true(leak_row_hash(miss, 2) != leak_row_hash(empty, 2));
	assert_true(leak_row_hash(ab, 2) == leak_row_hash(ab, 2));
	assert_true(leak_row_hash(ab, 2) != 0);
}

static void test_leakage__a_copy_of_the_label_is_a_perfect_predictor(void **state)
{
	struct leak_purity copy, noisy, id;
	char v[32];
	int i;

	leak_purity_init(&copy);
	leak_purity_init(&noisy);
	leak_purity_init(&id);
	for (i = 0; i < 100; i++) {
		const char *y = i % 3 ? "yes" : "no";

		assert_int_equal(leak_purity_add(&copy, y[0] == 'y' ? "Y" : "N", y), 0);
		assert_int_equal(leak_purity_add(&noisy, i % 2 ? "odd" : "even", y), 0);
		snprintf(v, sizeof(v), "id%d", i);
		assert_int_equal(leak_purity_add(&id, v, y), 0);
		assert_int_equal(leak_purity_add(&id, NULL, y), 0);	/* missing: skipped */
	}
	assert_true(leak_purity_perfect(&copy));
	assert_false(leak_purity_perfect(&noisy));
	assert_false(leak_purity_perfect(&id));	/* an identifier, not a leak */
	leak_purity_free(&copy);
	leak_purity_free(&noisy);
	leak_purity_free(&id);
}

/* Fed hashes instead of strings, a column gets the same verdict and
 * counts (leak_purity_add is leak_purity_add_hash of the strings'
 * hashes); a zero hash is a value like any other. */
static void test_leakage__purity_from_hashes_matches_strings(void **state)
{
	struct leak_purity s, h;
	int i;

	leak_purity_init(&s);
	leak_purity_init(&h);
	for (i = 0; i < 60; i++) {
		char v[16], y[8];

		snprintf(v, sizeof(v), "v%d", i % 7);
		snprintf(y, sizeof(y), "%d", (i % 7) % 2);
		assert_int_equal(leak_purity_add(&s, v, y), 0);
		/* any hash that is equal for equal strings will do */
		assert_int_equal(leak_purity_add_hash(&h, (uint64_t)(i % 7),
						      (uint64_t)((i % 7) % 2) + 100), 0);
	}
	assert_true(leak_purity_perfect(&s));
	assert_true(leak_purity_perfect(&h));
	assert_int_equal(s.used, h.used);
	assert_int_equal(s.rows, h.rows);
	/* one value with a second label: no longer perfect */
	assert_int_equal(leak_purity_add_hash(&h, 0, 101), 0);
	assert_false(leak_purity_perfect(&h));
	assert_int_equal(h.mixed_values, 1);
	leak_purity_free(&s);
	leak_purity_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leakage__adult_rows_shared_with_the_test_file),
		cmocka_unit_test(test_leakage__titanic_has_no_perfect_predictor),
		cmocka_unit_test(test_leakage__row_hash_keeps_cells_apart),
		cmocka_unit_test(test_leakage__a_copy_of_the_label_is_a_perfect_predictor),
		cmocka_unit_test(test_leakage__purity_from_hashes_matches_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
