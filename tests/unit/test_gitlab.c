#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gitlab.h"

static int find(const char *json, const char *marker, long *id, struct mlci_err *err)
{
	memset(err, 0, sizeof(*err));
	*id = 0;
	return gitlab_notes_find(json, strlen(json), marker, id, "notes", err);
}

static void test_gitlab__marker(void **state)
{
	char m[300], small[10];

	assert_int_equal(gitlab_note_marker(m, sizeof(m), "mlci-gate"), 0);
	assert_string_equal(m, "<!-- mlci-gate:mlci-gate -->");
	/* a job name of a matrix keeps its brackets, slash and blanks */
	assert_int_equal(gitlab_note_marker(m, sizeof(m), "gate: [1/3]"), 0);
	assert_string_equal(m, "<!-- mlci-gate:gate: [1/3] -->");
	/* nothing can end the comment early: no '>' and no "--" */
	assert_int_equal(gitlab_note_marker(m, sizeof(m), "a-->b<c\n--d"), 0);
	assert_string_equal(m, "<!-- mlci-gate:a-__b_c_-_d -->");
	assert_int_equal(gitlab_note_marker(small, sizeof(small), "mlci-gate"), -1);
	(void)state;
}

static void test_gitlab__notes_find(void **state)
{
	const char *mk = "<!-- mlci-gate:k -->";
	struct mlci_err err;
	long id;

	assert_int_equal(find("[]", mk, &id, &err), 0);
	assert_int_equal(find("[{\"id\": 3, \"body\": \"hello\"}]", mk, &id, &err), 0);
	/* the first note whose body starts with the marker */
	assert_int_equal(find("[{\"id\": 3, \"body\": \"x <!-- mlci-gate:k -->\"},"
			      " {\"id\": 4, \"body\": \"<!-- mlci-gate:k -->\\nreport\", \"system\": false},"
			      " {\"id\": 5, \"body\": \"<!-- mlci-gate:k -->\"}]", mk, &id, &err), 1);
	assert_int_equal(id, 4);
	/* a system note, another key, a null body: not ours */
	assert_int_equal(find("[{\"id\": 3, \"body\": \"<!-- mlci-gate:k -->\", \"system\": true},"
			      " {\"id\": 6, \"body\": \"<!-- mlci-gate:kk -->\"},"
			      " {\"id\": 7, \"body\": null}]", mk, &id, &err), 0);
	(void)state;
}

static void test_gitlab__notes_find_strict(void **state)
{
	const char *mk = "<!-- mlci-gate:k -->";
	const char *bad[] = {
		"", "[", "[{\"id\": 1, \"body\": \"x\"}", "{}", "[1]",
		"[{\"body\": \"x\"}]", "[{\"id\": \"1\"}]", "[{\"id\": 0}]",
		"[{\"id\": -4}]", "[{\"id\": 1.5}]", "[{\"id\": 1, \"body\": 3}]",
		"[{\"id\": 1, \"system\": \"no\"}]", "[{\"id\": 1, \"id\": 2}]",
		"[{\"id\": 1}] x",
	};
	struct mlci_err err;
	size_t i;
	long id;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (find(bad[i], mk, &id, &err) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
		assert_string_equal(err.file, "notes");
		assert_true(err.msg[0] != '\0');
	}
	(void)state;
}

static void test_gitlab__from_env(void **state)
{
	struct gitlab g;
	struct mlci_err err = { 0 };

	unsetenv("CI_API_V4_URL");
	setenv("CI_SERVER_URL", "https://gitlab.example.com/", 1);
	setenv("CI_PROJECT_ID", "12", 1);
	setenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "", 1);
	setenv("CI_DEFAULT_BRANCH", "main", 1);
	unsetenv("CI_JOB_TOKEN");
	unsetenv(GITLAB_TOKEN_VAR);
	unsetenv("CI_MERGE_REQUEST_IID");
	setenv("MLCI_HTTP_RETRY_DELAY_MS", "5", 1);
	assert_int_equal(gitlab_from_env(&g, &err), 0);
	assert_string_equal(g.api, "https://gitlab.example.com/api/v4");
	assert_string_equal(g.project, "12");
	/* an empty target branch counts as unset */
	assert_string_equal(g.target_branch, "main");
	assert_null(g.job_token);
	assert_int_equal(g.retry_delay_ms, 5);
	assert_int_equal(gitlab_note_possible(&g), 0);
	gitlab_free(&g);

	setenv("CI_API_V4_URL", "http://127.0.0.1:1/api/v4/", 1);
	setenv("CI_MERGE_REQUEST_IID", "3", 1);
	setenv(GITLAB_TOKEN_VAR, "secret", 1);
	assert_int_equal(gitlab_from_env(&g, &err), 0);
	assert_string_equal(g.api, "http://127.0.0.1:1/api/v4");
	assert_int_equal(gitlab_note_possible(&g), 1);
	gitlab_free(&g);

	setenv("MLCI_HTTP_RETRY_DELAY_MS", "soon", 1);
	assert_int_equal(gitlab_from_env(&g, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	unsetenv("MLCI_HTTP_RETRY_DELAY_MS");
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gitlab__marker),
		cmocka_unit_test(test_gitlab__notes_find),
		cmocka_unit_test(test_gitlab__notes_find_strict),
		cmocka_unit_test(test_gitlab__from_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
