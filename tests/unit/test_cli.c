#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

struct fixture {
	const char *data;
	long rows;
	double rate;
	int trim;
	struct cli_list rules;
};

static int run(struct fixture *fx, int argc, char **argv, struct mlci_err *err)
{
	const struct cli_opt opts[] = {
		{ "data", CLI_STR, &fx->data, "FILE", "input" },
		{ "skip-rows", CLI_LONG, &fx->rows, "N", "rows" },
		{ "rate", CLI_DOUBLE, &fx->rate, "X", "rate" },
		{ "trim", CLI_FLAG, &fx->trim, NULL, "trim" },
		{ "rule", CLI_LIST, &fx->rules, "EXPR", "rule" },
		{ 0 }
	};
	const struct cli_spec spec = { "mlci-test", "[options]", NULL, opts, NULL, 0 };
	int rc = cli_parse(&spec, argc, argv, NULL, err);

	if (rc < 0)
		cli_release(&spec, NULL);
	return rc;
}

static void release(struct fixture *fx)
{
	size_t i;

	for (i = 0; i < fx->rules.n; i++)
		free((char *)fx->rules.v[i]);
	free(fx->rules.v);
}

static void test_cli__parses_every_type(void **state)
{
	struct fixture fx = { 0 };
	struct mlci_err err = { 0 };
	char *argv[] = { "x", "--data", "a.csv", "--skip-rows=2", "--rate",
			 "0.5", "--trim", "--rule", "a >= 1", "--rule", "b < 2", NULL };

	unsetenv("MLCI_DATA");
	assert_int_equal(run(&fx, 11, argv, &err), CLI_RUN);
	assert_string_equal(fx.data, "a.csv");
	assert_int_equal(fx.rows, 2);
	assert_true(fx.rate == 0.5);
	assert_int_equal(fx.trim, 1);
	assert_int_equal(fx.rules.n, 2);
	assert_string_equal(fx.rules.v[1], "b < 2");
	release(&fx);
}

static void test_cli__environment_fills_unset_options(void **state)
{
	struct fixture fx = { 0 };
	struct mlci_err err = { 0 };
	char *argv[] = { "x", "--data", "flag.csv", NULL };

	setenv("MLCI_DATA", "env.csv", 1);
	setenv("MLCI_SKIP_ROWS", "3", 1);
	setenv("MLCI_RULE", "a >= 1\n\nb <= 2\n", 1);
	assert_int_equal(run(&fx, 3, argv, &err), CLI_RUN);
	assert_string_equal(fx.data, "flag.csv");	/* flag beats env */
	assert_int_equal(fx.rows, 3);
	assert_int_equal(fx.rules.n, 2);
	assert_string_equal(fx.rules.v[0], "a >= 1");
	assert_string_equal(fx.rules.v[1], "b <= 2");
	unsetenv("MLCI_DATA");
	unsetenv("MLCI_SKIP_ROWS");
	unsetenv("MLCI_RULE");
	release(&fx);
}

static void test_cli__empty_variables_are_not_set(void **state)
{
	struct fixture fx = { 0 };
	struct mlci_err err = { 0 };
	char *argv[] = { "x", NULL };

	setenv("MLCI_DATA", "", 1);
	setenv("MLCI_SKIP_ROWS", "", 1);
	setenv("MLCI_TRIM", "", 1);
	assert_int_equal(run(&fx, 1, argv, &err), CLI_RUN);
	assert_null(fx.data);
	assert_int_equal(fx.rows, 0);
	assert_int_equal(fx.trim, 0);
	setenv("MLCI_DATA", "shared.csv", 1);
	setenv("MLCI_TEST_DATA", "", 1);	/* the step's own, empty */
	assert_int_equal(run(&fx, 1, argv, &err), CLI_RUN);
	assert_string_equal(fx.data, "shared.csv");
	unsetenv("MLCI_DATA");
	unsetenv("MLCI_TEST_DATA");
	unsetenv("MLCI_SKIP_ROWS");
	unsetenv("MLCI_TRIM");
	release(&fx);
}

static void test_cli__step_variable_beats_shared_one(void **state)
{
	struct fixture fx = { 0 };
	struct mlci_err err = { 0 };
	char *argv[] = { "x", NULL };

	setenv("MLCI_DATA", "shared.csv", 1);
	setenv("MLCI_TEST_DATA", "mine.csv", 1);
	setenv("MLCI_OTHER_SKIP_ROWS", "9", 1);	/* another step's: ignored */
	assert_int_equal(run(&fx, 1, argv, &err), CLI_RUN);
	assert_string_equal(fx.data, "mine.csv");
	assert_int_equal(fx.rows, 0);
	unsetenv("MLCI_TEST_DATA");
	assert_int_equal(run(&fx, 1, argv, &err), CLI_RUN);
	assert_string_equal(fx.data, "shared.csv");
	unsetenv("MLCI_DATA");
	unsetenv("MLCI_OTHER_SKIP_ROWS");
	release(&fx);
}

static void test_cli__usage_errors(void **state)
{
	struct fixture fx = { 0 };
	struct mlci_err err = { 0 };
	char *unknown[] = { "x", "--nope", NULL };
	char *novalue[] = { "x", "--data", NULL };
	char *badnum[] = { "x", "--skip-rows", "two", NULL };
	char *stray[] = { "x", "stray", NULL };

	assert_int_equal(run(&fx, 2, unknown, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "--nope"));
	assert_int_equal(run(&fx, 2, novalue, &err), -1);
	assert_non_null(strstr(err.msg, "needs a value"));
	assert_int_equal(run(&fx, 3, badnum, &err), -1);
	assert_non_null(strstr(err.msg, "expected an integer"));
	assert_int_equal(run(&fx, 2, stray, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
}

static void test_cli__bad_environment_value_names_the_variable(void **state)
{
	struct fixture fx = { 0 };
	struct mlci_err err = { 0 };
	char *argv[] = { "x", NULL };

	setenv("MLCI_TRIM", "maybe", 1);
	assert_int_equal(run(&fx, 1, argv, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "MLCI_TRIM"));
	unsetenv("MLCI_TRIM");
}

static void test_cli__require_names_the_option(void **state)
{
	struct mlci_err err = { 0 };

	assert_int_equal(cli_require("data", NULL, &err), -1);
	assert_string_equal(err.msg, "--data is required (see --help)");
	assert_int_equal(cli_require("data", "x", &err), 0);
}

static void test_cli__error_format_has_file_line_column(void **state)
{
	struct mlci_err err = { 0 };
	char line[256];

	err_set_at(&err, MLCI_EXIT_DATAERR, "data.csv", 1043, 7,
		   "expected a number in column '%s', found '%s'", "age", "abc");
	err_format(&err, line, sizeof(line));
	assert_string_equal(line, "data.csv:1043:7: expected a number in column 'age', found 'abc'");
	err_set(&err, MLCI_EXIT_NOINPUT, "x.json", "two\nlines");
	err_format(&err, line, sizeof(line));
	assert_string_equal(line, "x.json: two lines");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli__parses_every_type),
		cmocka_unit_test(test_cli__environment_fills_unset_options),
		cmocka_unit_test(test_cli__empty_variables_are_not_set),
		cmocka_unit_test(test_cli__step_variable_beats_shared_one),
		cmocka_unit_test(test_cli__usage_errors),
		cmocka_unit_test(test_cli__bad_environment_value_names_the_variable),
		cmocka_unit_test(test_cli__require_names_the_option),
		cmocka_unit_test(test_cli__error_format_has_file_line_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
