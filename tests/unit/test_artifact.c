#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "artifact.h"
#include "io.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/mlci-test-artifact-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void test_artifact__envelope_honours_source_date_epoch(void **state)
{
	struct mlci_err err = { 0 };
	json_t *a;

	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	a = artifact_new(KIND_MODEL, SCHEMA_MODEL, "mlci-train", &err);
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "mlci.model");
	assert_int_equal(json_integer_value(json_object_get(a, "schema_version")), 1);
	assert_string_equal(json_string_value(json_object_get(a, "created")),
			    "2023-11-14T22:13:20Z");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(a, "producer"), "name")), "mlci-train");
	assert_true(json_is_array(json_object_get(a, "inputs")));
	json_decref(a);

	setenv("SOURCE_DATE_EPOCH", "soon", 1);
	assert_null(artifact_new(KIND_MODEL, SCHEMA_MODEL, "mlci-train", &err));
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	unsetenv("SOURCE_DATE_EPOCH");
}

static void test_artifact__inputs_record_sha256(void **state)
{
	struct mlci_err err = { 0 };
	char p[128];
	json_t *a;

	path_in(p, sizeof(p), "in.txt");
	assert_int_equal(write_file_atomic(p, "abc", 3, &err), 0);
	a = artifact_new(KIND_METRICS, SCHEMA_METRICS, "mlci-evaluate", &err);
	assert_int_equal(artifact_add_input_file(a, "data", p, &err), 0);
	/* sha256("abc"), the FIPS 180-2 test vector */
	assert_string_equal(artifact_input_sha(a, "data"),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_null(artifact_input_sha(a, "model"));
	path_in(p, sizeof(p), "absent.txt");
	assert_int_equal(artifact_add_input_file(a, "model", p, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	json_decref(a);
}

static void test_artifact__write_is_sorted_and_loads_back(void **state)
{
	struct mlci_err err = { 0 };
	char p[128], sha[65], *text;
	json_t *a, *b;
	size_t n;

	setenv("SOURCE_DATE_EPOCH", "0", 1);
	a = artifact_new(KIND_GATE, SCHEMA_GATE, "mlci-gate", &err);
	json_object_set_new(a, "verdict", json_string("pass"));
	json_object_set_new(a, "a_first", json_integer(1));
	path_in(p, sizeof(p), "gate.json");
	assert_int_equal(artifact_write(p, a, &err), 0);
	assert_int_equal(read_file(p, &text, &n, 0, &err), 0);
	assert_true(strstr(text, "\"a_first\"") < strstr(text, "\"created\""));
	assert_true(strstr(text, "\"created\"") < strstr(text, "\"kind\""));
	assert_int_equal(text[n - 1], '\n');
	free(text);
	assert_int_equal(artifact_load(p, KIND_GATE, SCHEMA_GATE, &b, sha, &err), 0);
	assert_string_equal(json_string_value(json_object_get(b, "verdict")), "pass");
	assert_int_equal(strlen(sha), 64);
	json_decref(b);

	assert_int_equal(artifact_load(p, KIND_MODEL, SCHEMA_MODEL, &b, NULL, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "expected an artifact of kind 'mlci.model', found 'mlci.gate'"));

	json_object_set_new(a, "schema_version", json_integer(99));
	assert_int_equal(artifact_write(p, a, &err), 0);
	assert_int_equal(artifact_load(p, KIND_GATE, SCHEMA_GATE, &b, NULL, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "schema_version 99 is not supported"));
	json_decref(a);
	unsetenv("SOURCE_DATE_EPOCH");
}

static void test_artifact__bad_json_reports_line_and_column(void **state)
{
	struct mlci_err err = { 0 };
	char p[128];
	json_t *j;

	path_in(p, sizeof(p), "bad.json");
	assert_int_equal(write_file_atomic(p, "{\n  \"kind\": ,\n}", 15, &err), 0);
	assert_int_equal(artifact_load(p, KIND_GATE, SCHEMA_GATE, &j, NULL, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(err.line, 2);
	assert_true(err.col > 0);
	assert_string_equal(err.file, p);

	path_in(p, sizeof(p), "missing.json");
	assert_int_equal(artifact_load(p, KIND_GATE, SCHEMA_GATE, &j, NULL, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
}

/* Element i of the lazy array below: an object big enough that a few
 * thousand pass the writer's flush size; *made counts the calls. */
static json_t *lazy_elem(void *ctx, size_t i)
{
	size_t *made = ctx;
	json_t *o = json_object(), *a = json_array();
	size_t k;

	(*made)++;
	for (k = 0; k < 40; k++)
		json_array_append_new(a, json_real((double)i / 7 + (double)k));
	json_object_set_new(o, "i", json_integer((json_int_t)i));
	json_object_set_new(o, "v", a);
	return o;
}

/* A lazy array serialises as the same array made up front, whether
 * dumped to a string or written to a file in flushes; an empty one is []. */
static void test_artifact__lazy_array_writes_as_the_array(void **state)
{
	struct mlci_err err = { 0 };
	size_t made = 0, i, n = 3000, len;
	json_t *lazy = json_object(), *eager = json_object(), *arr = json_array();
	char p[128], *a, *b, *text;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, lazy_elem(&made, i));
	json_object_set_new(eager, "items", arr);
	json_object_set_new(eager, "none", json_array());
	json_object_set_new(lazy, "items", artifact_lazy_array(n, lazy_elem, &made));
	json_object_set_new(lazy, "none", artifact_lazy_array(0, lazy_elem, &made));
	made = 0;
	a = artifact_dumps(eager);
	b = artifact_dumps(lazy);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	assert_int_equal(made, n);
	assert_true(strlen(a) > ((size_t)2 << 20));	/* several flushes */
	path_in(p, sizeof(p), "lazy.json");
	assert_int_equal(artifact_write(p, lazy, &err), 0);
	assert_int_equal(read_file(p, &text, &len, 0, &err), 0);
	assert_int_equal(len, strlen(a));
	assert_memory_equal(text, a, len);
	free(a), free(b), free(text);
	json_decref(lazy), json_decref(eager);
}

static void test_io__abort_leaves_nothing_and_commit_replaces(void **state)
{
	struct mlci_err err = { 0 };
	struct afile f;
	char p[128], cmd[256], *text;
	size_t n;

	path_in(p, sizeof(p), "out.txt");
	assert_int_equal(write_file_atomic(p, "old", 3, &err), 0);
	assert_int_equal(afile_open(&f, p, &err), 0);
	fputs("half", f.fp);
	afile_abort(&f);
	assert_int_equal(read_file(p, &text, &n, 0, &err), 0);
	assert_string_equal(text, "old");	/* untouched */
	free(text);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s' | grep tmp-)\"", dir);
	assert_int_equal(system(cmd), 0);	/* no temporary left */

	assert_int_equal(afile_open(&f, p, &err), 0);
	fputs("new", f.fp);
	assert_int_equal(afile_commit(&f, &err), 0);
	assert_int_equal(read_file(p, &text, &n, 0, &err), 0);
	assert_string_equal(text, "new");
	free(text);
}

static void test_io__missing_directory_is_cantcreat(void **state)
{
	struct mlci_err err = { 0 };
	struct afile f;
	char p[128];

	path_in(p, sizeof(p), "no/such/dir/out.json");
	assert_int_equal(afile_open(&f, p, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_CANTCREAT);
	assert_string_equal(err.file, p);
	afile_abort(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_artifact__envelope_honours_source_date_epoch),
		cmocka_unit_test(test_artifact__inputs_record_sha256),
		cmocka_unit_test(test_artifact__write_is_sorted_and_loads_back),
		cmocka_unit_test(test_artifact__bad_json_reports_line_and_column),
		cmocka_unit_test(test_artifact__lazy_array_writes_as_the_array),
		cmocka_unit_test(test_io__abort_leaves_nothing_and_commit_replaces),
		cmocka_unit_test(test_io__missing_directory_is_cantcreat),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
