/*
 * test_cv.c - shared/cv.c's fold assignment against scikit-learn 1.2.
 *
 * Expected folds come from tests/ref/sklearn_cv.py (committed output:
 * tests/ref/cv.json, read from $MLCI_REF_CV or from the repository root,
 * the directory the tests run in): for label columns of real datasets,
 * each row's test fold under KFold and StratifiedKFold (shuffle=False);
 * cv_assign must give the same fold to every row. Then the properties
 * of shuffled folds and the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cv.h"

static json_t *ref;

static int setup(void **state)
{
	const char *path = getenv("MLCI_REF_CV");
	json_error_t je;

	if (!path)
		path = "tests/ref/cv.json";
	ref = json_load_file(path, 0, &je);
	if (!ref)
		fprintf(stderr, "cannot read %s: %s\n", path, je.text);
	return ref ? 0 : -1;
}

static int teardown(void **state)
{
	json_decref(ref);
	return 0;
}

/* Space-separated numbers into a new array; *n gets the count. */
static size_t *numbers(const char *s, size_t *n)
{
	size_t cap = strlen(s) / 2 + 2, *v = malloc(cap * sizeof(*v));
	char *end;

	*n = 0;
	assert_non_null(v);
	while (*s) {
		unsigned long x = strtoul(s, &end, 10);

		assert_true(end != s);
		assert_true(*n < cap);
		v[(*n)++] = x;
		s = end;
		while (*s == ' ')
			s++;
	}
	return v;
}

static size_t max_code(const size_t *y, size_t n)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		m = y[i] > m ? y[i] : m;
	return m + 1;
}

static void test_cv__folds_match_sklearn(void **state)
{
	json_t *as = json_object_get(ref, "assignments"), *a;
	size_t i, compared = 0;

	assert_true(json_array_size(as) > 0);
	json_array_foreach(as, i, a) {
		size_t n, nf, r, *y = numbers(json_string_value(json_object_get(a, "y")), &n);
		size_t *fold = malloc(n * sizeof(*fold));
		const char *kind[] = { "kfold", "stratified" };
		int s;

		assert_non_null(fold);
		for (s = 0; s < 2; s++) {
			json_t *byk = json_object_get(a, kind[s]), *fv;
			const char *ks;

			json_object_foreach(byk, ks, fv) {
				size_t k = strtoul(ks, NULL, 10);
				size_t *want = numbers(json_string_value(fv), &nf);
				struct mlci_err err = {0};
				char warn[256];

				assert_int_equal(nf, n);
				assert_int_equal(cv_assign(n, k, s ? y : NULL, max_code(y, n), 0, 0,
							   fold, "x.csv", warn, sizeof(warn), &err), 0);
				for (r = 0; r < n; r++)
					if (fold[r] != want[r])
						fail_msg("%s %s k=%zu: row %zu in fold %zu, sklearn %zu",
							 json_string_value(json_object_get(a, "data")),
							 kind[s], k, r, fold[r], want[r]);
				compared++;
				free(want);
			}
		}
		free(y), free(fold);
	}
	assert_true(compared >= 10);
}

/* Shuffled: same sizes per fold (and per class, stratified), same
 * assignment for the same seed, another for another seed. */
static void test_cv__shuffled_folds_keep_sizes(void **state)
{
	enum { N = 103, K = 5 };
	size_t y[N], f0[N], f1[N], f2[N], plain[N], i, c, k;
	struct mlci_err err = {0};
	int s, differ = 0, differ_seed = 0;

	for (i = 0; i < N; i++)
		y[i] = (i * 7) % 3 == 0 ? 0 : i % 2 + 1;
	for (s = 0; s < 2; s++) {
		const size_t *yy = s ? y : NULL;

		assert_int_equal(cv_assign(N, K, yy, 3, 0, 0, plain, "x", NULL, 0, &err), 0);
		assert_int_equal(cv_assign(N, K, yy, 3, 1, 0, f0, "x", NULL, 0, &err), 0);
		assert_int_equal(cv_assign(N, K, yy, 3, 1, 0, f1, "x", NULL, 0, &err), 0);
		assert_int_equal(cv_assign(N, K, yy, 3, 1, 9, f2, "x", NULL, 0, &err), 0);
		assert_memory_equal(f0, f1, sizeof(f0));
		for (i = 0; i < N; i++) {
			differ += f0[i] != plain[i];
			differ_seed += f0[i] != f2[i];
		}
		for (k = 0; k < K; k++)
			for (c = 0; c < 3; c++) {
				size_t a = 0, b = 0;

				for (i = 0; i < N; i++) {
					a += f0[i] == k && (!yy || y[i] == c);
					b += plain[i] == k && (!yy || y[i] == c);
				}
				assert_int_equal(a, b);
			}
	}
	assert_true(differ > 0);
	assert_true(differ_seed > 0);
}

static void test_cv__bad_folds_are_errors(void **state)
{
	size_t y[6] = { 0, 0, 0, 1, 1, 2 }, fold[6];
	struct mlci_err err = {0};
	char warn[256];

	assert_int_equal(cv_assign(6, 1, NULL, 0, 0, 0, fold, "d.csv", warn, sizeof(warn), &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	err_clear(&err);
	assert_int_equal(cv_assign(6, 7, NULL, 0, 0, 0, fold, "d.csv", warn, sizeof(warn), &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(err.file, "d.csv");
	err_clear(&err);
	/* stratified: 4 folds, no class has 4 rows */
	assert_int_equal(cv_assign(6, 4, y, 3, 0, 0, fold, "d.csv", warn, sizeof(warn), &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	err_clear(&err);
	/* 3 folds: classes of 2 and 1 rows warn, as sklearn does */
	assert_int_equal(cv_assign(6, 3, y, 3, 0, 0, fold, "d.csv", warn, sizeof(warn), &err), 0);
	assert_non_null(strstr(warn, "only 1 rows"));
	assert_int_equal(cv_assign(6, 2, y, 3, 0, 0, fold, "d.csv", warn, sizeof(warn), &err), 0);
	assert_non_null(strstr(warn, "only 1 rows"));
	assert_int_equal(cv_assign(6, 2, NULL, 0, 0, 0, fold, "d.csv", warn, sizeof(warn), &err), 0);
	assert_string_equal(warn, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cv__folds_match_sklearn),
		cmocka_unit_test(test_cv__shuffled_folds_keep_sizes),
		cmocka_unit_test(test_cv__bad_folds_are_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
