/* Unit tests of shared/provenance.c: the statement's layout and the
 * checks a reader makes of it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "provenance.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

static json_t *model(void)
{
	json_error_t je;
	json_t *m = json_loads(
		"{\"kind\": \"mlci.model\", \"task\": \"classification\", \"label\": \"y\","
		" \"features\": [\"x\"], \"classes\": [\"a\", \"b\"],"
		" \"model\": {\"type\": \"logistic\", \"params\": {\"C\": 0.5}},"
		" \"inputs\": [{\"role\": \"data\", \"path\": \"train.csv\", \"sha256\": \"" SHA_D "\"}],"
		" \"git\": {\"commit\": \"0123456789abcdef0123456789abcdef01234567\","
		"           \"branch\": \"main\", \"ref\": \"main\", \"dirty\": false}}",
		0, &je);

	assert_non_null(m);
	return m;
}

/* The statement for two subjects given out of order, as text. */
static char *statement(const json_t *m)
{
	static const struct prov_subject subj[] = {
		{ "p-1/model.json", SHA_B }, { "p-1/manifest.json", SHA_A },
	};
	struct provenance_opts o;
	struct mlci_err err = {0};
	json_t *st = NULL;
	char *text;

	memset(&o, 0, sizeof(o));
	o.name = "p";
	o.version = "1";
	o.compression = "gzip";
	o.model = m;
	o.subjects = subj;
	o.nsubjects = 2;
	assert_int_equal(provenance_build(&o, &st, &err), 0);
	text = artifact_dumps(st);
	assert_non_null(text);
	json_decref(st);
	return text;
}

static void test_provenance__layout(void **state)
{
	json_t *m = model(), *st, *bd;
	char *text;

	(void)state;
	setenv("SOURCE_DATE_EPOCH", "86400", 1);
	setenv("CI_JOB_ID", "17", 1);
	text = statement(m);
	st = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(st, "_type")), INTOTO_STATEMENT_TYPE);
	assert_string_equal(json_string_value(json_object_get(st, "predicateType")), SLSA_PROVENANCE_TYPE);
	/* subjects sorted by name */
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(st, "subject"), 0), "name")), "p-1/manifest.json");
	bd = json_object_get(json_object_get(st, "predicate"), "buildDefinition");
	assert_string_equal(json_string_value(json_object_get(bd, "buildType")), MLCI_BUILD_TYPE);
	assert_true(json_equal(json_object_get(json_object_get(json_object_get(bd, "externalParameters"),
							       "training"), "params"),
			       json_object_get(json_object_get(m, "model"), "params")));
	/* data first, then the source commit (no metrics, no schema here) */
	assert_int_equal(json_array_size(json_object_get(bd, "resolvedDependencies")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(
		json_object_get(bd, "resolvedDependencies"), 1), "digest"), "gitCommit")),
		"0123456789abcdef0123456789abcdef01234567");
	assert_true(json_is_null(json_object_get(json_object_get(json_object_get(bd,
		"internalParameters"), "claims"), "gate")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
		json_object_get(st, "predicate"), "runDetails"), "metadata"), "startedOn")),
		"1970-01-02T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
		json_object_get(st, "predicate"), "runDetails"), "metadata"), "invocationId")), "17");
	unsetenv("CI_JOB_ID");
	json_decref(st);
	free(text);
	json_decref(m);
}

static void test_provenance__check(void **state)
{
	const struct prov_subject ok[] = {
		{ "p-1/manifest.json", SHA_A }, { "p-1/model.json", SHA_B },
	};
	const struct prov_subject changed[] = {
		{ "p-1/manifest.json", SHA_A }, { "p-1/model.json", SHA_A },
	};
	const struct prov_subject more[] = {
		{ "p-1/manifest.json", SHA_A }, { "p-1/model.json", SHA_B },
		{ "p-1/MODEL_CARD.md", SHA_B },
	};
	struct mlci_err err = {0};
	json_t *m = model();
	char *text = statement(m);
	size_t n = strlen(text);

	(void)state;
	assert_int_equal(provenance_check(text, n, ok, 2, SHA_D, "st", &err), 0);
	assert_int_equal(provenance_check(text, n, ok, 2, NULL, "st", &err), 0);
	/* a file whose bytes changed */
	assert_int_equal(provenance_check(text, n, changed, 2, NULL, "st", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "subject p-1/model.json: sha256 bbbbbbbbbbbb..."));
	/* a file the statement does not cover, one it covers that is gone */
	assert_int_equal(provenance_check(text, n, more, 3, NULL, "st", &err), -1);
	assert_non_null(strstr(err.msg, "p-1/MODEL_CARD.md is not among the statement's subjects"));
	assert_int_equal(provenance_check(text, n, ok, 1, NULL, "st", &err), -1);
	assert_non_null(strstr(err.msg, "is not a file of the package"));
	/* another training data */
	assert_int_equal(provenance_check(text, n, ok, 2, SHA_A, "st", &err), -1);
	assert_non_null(strstr(err.msg, "data dependency"));
	/* not a statement, another predicate, not JSON */
	assert_int_equal(provenance_check("{\"_type\": \"x\"}", 14, ok, 2, NULL, "st", &err), -1);
	assert_non_null(strstr(err.msg, "not an in-toto statement"));
	{
		char *other = strdup(text), *p = strstr(other, "provenance/v1");

		assert_non_null(p);
		p[0] = 'P';
		assert_int_equal(provenance_check(other, n, ok, 2, NULL, "st", &err), -1);
		assert_non_null(strstr(err.msg, "predicateType"));
		free(other);
	}
	assert_int_equal(provenance_check(text, n - 3, ok, 2, NULL, "st", &err), -1);
	assert_string_equal(err.file, "st");
	free(text);
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provenance__layout),
		cmocka_unit_test(test_provenance__check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
