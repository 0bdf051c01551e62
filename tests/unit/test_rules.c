#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules.h"

/* Parse text as line 1 of "r.txt"; assert success. */
static void parse_ok(struct rule *r, const char *text)
{
	struct mlci_err err = { 0 };
	int rc = rule_parse(r, text, strlen(text), "r.txt", 1,
			    MLCI_EXIT_DATAERR, &err);

	if (rc != 0)
		fail_msg("'%s': rc %d: %ld: %s", text, rc, err.col, err.msg);
}

/* Parse text; assert a syntax error at col whose message contains want. */
static void parse_bad(const char *text, long col, const char *want)
{
	struct mlci_err err = { 0 };
	struct rule r;
	int rc = rule_parse(&r, text, strlen(text), "r.txt", 7,
			    MLCI_EXIT_DATAERR, &err);

	assert_int_equal(rc, -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(err.file, "r.txt");
	assert_int_equal(err.line, 7);
	if (err.col != col || !strstr(err.msg, want))
		fail_msg("'%s': got col %ld '%s', wanted col %ld '%s'", text,
			 err.col, err.msg, col, want);
	assert_null(r.text);
	assert_null(r.metric);
}

static double threshold(const char *text, double baseline)
{
	struct mlci_err err = { 0 };
	struct rule r;
	double t = -1;

	parse_ok(&r, text);
	assert_int_equal(rule_threshold(&r, baseline, &t, &err), 0);
	rule_free(&r);
	return t;
}

static void test_rules__lexer_tokens_and_columns(void **state)
{
	const char *text = "a_1 >= -1.5e3 * (baseline) [x=\"s\"].y, != 2 # c";
	const enum rule_tok want[] = {
		RT_IDENT, RT_CMP, RT_MINUS, RT_NUMBER, RT_STAR, RT_LPAREN,
		RT_IDENT, RT_RPAREN, RT_LBRACKET, RT_IDENT, RT_ASSIGN, RT_STRING,
		RT_RBRACKET, RT_DOT, RT_IDENT, RT_COMMA, RT_CMP, RT_NUMBER,
		RT_EOF, RT_EOF,
	};
	const long cols[] = { 1, 5, 8, 9, 15, 17, 18, 26, 28, 29, 30, 31, 34,
			      35, 36, 37, 39, 42, 43, 43 };
	struct mlci_err err = { 0 };
	struct rule_lexer lx;
	struct rule_token t;
	size_t i;

	rule_lexer_init(&lx, text, strlen(text));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(rule_lex(&lx, &t, &err), 0);
		if (t.kind != want[i] || t.col != cols[i])
			fail_msg("token %zu: kind %d col %ld, wanted %d col %ld", i,
				 t.kind, t.col, want[i], cols[i]);
		if (i == 3)
			assert_true(t.num == 1.5e3);
		if (i == 1)
			assert_int_equal(t.op, RULE_GE);
		if (i == 16)
			assert_int_equal(t.op, RULE_NE);
	}
}

static void test_rules__lexer_numbers(void **state)
{
	const char *ok[] = { "0", "1", "0.25", ".5", "7.", "1e3", "1E-3",
			     "2.5e+2" };
	const double val[] = { 0, 1, 0.25, 0.5, 7, 1e3, 1e-3, 250 };
	struct mlci_err err = { 0 };
	struct rule_lexer lx;
	struct rule_token t;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		rule_lexer_init(&lx, ok[i], strlen(ok[i]));
		assert_int_equal(rule_lex(&lx, &t, &err), 0);
		assert_int_equal(t.kind, RT_NUMBER);
		assert_true(t.num == val[i]);
		assert_int_equal(t.n, strlen(ok[i]));
	}
}

static void test_rules__every_operator(void **state)
{
	const char *text[] = { "m >= 1", "m > 1", "m <= 1", "m < 1",
			       "m == 1", "m != 1", "m>=1", "m<1" };
	const enum rule_op op[] = { RULE_GE, RULE_GT, RULE_LE, RULE_LT,
				    RULE_EQ, RULE_NE, RULE_GE, RULE_LT };
	size_t i;

	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		struct rule r;

		parse_ok(&r, text[i]);
		assert_int_equal(r.op, op[i]);
		assert_string_equal(r.metric, "m");
		assert_int_equal(r.uses_baseline, 0);
		assert_string_equal(r.text, text[i]);
		rule_free(&r);
	}
	assert_string_equal(rule_op_str(RULE_GE), ">=");
	assert_string_equal(rule_op_str(RULE_GT), ">");
	assert_string_equal(rule_op_str(RULE_LE), "<=");
	assert_string_equal(rule_op_str(RULE_LT), "<");
	assert_string_equal(rule_op_str(RULE_EQ), "==");
	assert_string_equal(rule_op_str(RULE_NE), "!=");
}

static void test_rules__numbers_and_baseline_forms(void **state)
{
	struct rule r;

	assert_true(threshold("accuracy >= 0.95", 0) == 0.95);
	assert_true(threshold("x >= 1e-3", 0) == 1e-3);
	assert_true(threshold("x >= 2.5E+2", 0) == 250);
	assert_true(threshold("x >= -0.5", 0) == -0.5);
	assert_true(threshold("f1 >= baseline", 0.8) == 0.8);
	assert_true(threshold("f1 >= baseline - 0.01", 0.8) == 0.8 - 0.01);
	assert_true(threshold("f1 >= baseline + 0.01", 0.8) == 0.8 + 0.01);
	assert_true(threshold("rmse <= baseline * 1.05", 2.0) == 2.0 * 1.05);
	assert_true(threshold("rmse <= baseline / 2", 3.0) == 1.5);
	assert_true(threshold("x >= (baseline - 1) * 2", 3.0) == 4.0);
	assert_true(threshold("x >= baseline - 1 * 2", 3.0) == 1.0);
	assert_true(threshold("x >= 1 - 2 - 3", 0) == -4.0);

	parse_ok(&r, "  f1_macro   >=   baseline - 0.01   # allow noise");
	assert_int_equal(r.uses_baseline, 1);
	assert_string_equal(r.metric, "f1_macro");
	assert_string_equal(r.text, "f1_macro   >=   baseline - 0.01");
	assert_string_equal(r.file, "r.txt");
	assert_int_equal(r.line, 1);
	assert_int_equal(r.code, MLCI_EXIT_DATAERR);
	rule_free(&r);
}

static void test_rules__blank_and_comment_lines_hold_no_rule(void **state)
{
	const char *none[] = { "", "   ", "\t", "# a comment", "   # x >= 1",
			       "\r" };
	struct mlci_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		struct rule r;

		assert_int_equal(rule_parse(&r, none[i], strlen(none[i]), "r", 1,
					    65, &err), 1);
		assert_null(r.text);
	}
}

static void test_rules__syntax_errors_give_the_column(void **state)
{
	parse_bad("accuracy >=", 12, "expected a number or 'baseline' after '>='");
	parse_bad("accuracy >=   # c", 12, "expected a number or 'baseline' after '>='");
	parse_bad("accuracy >>= 1", 10, "unknown operator '>>='");
	parse_bad("accuracy = 0.9", 10, "did you mean '=='?");
	parse_bad("accuracy 0.9", 10, "expected a comparison operator");
	parse_bad("accuracy", 9, "expected a comparison operator");
	parse_bad(">= 0.9", 1, "expected a metric name");
	parse_bad("0.9 <= accuracy", 1, "expected a metric name");
	parse_bad("baseline >= 1", 1, "expected a metric name");
	parse_bad("accuracy >= 1e", 13, "malformed number '1e'");
	parse_bad("accuracy >= 0.9x", 13, "malformed number '0.9x'");
	parse_bad("accuracy >= 1.2.3", 13, "malformed number");
	parse_bad("accuracy >= 1e999", 13, "out of range");
	parse_bad("accuracy >= foo", 13, "unknown name 'foo'");
	parse_bad("accuracy >= baseline -", 23, "after '-'");
	parse_bad("accuracy >= baseline * * 2", 24, "found '*'");
	parse_bad("accuracy >= (1 + 2", 19, "expected ')' to close the '(' at column 13");
	parse_bad("accuracy >= 1 )", 15, "found ')'");
	parse_bad("accuracy >= 0.9 0.8", 17, "found '0.8'");
	parse_bad("accuracy >= 0.9 ; x", 17, "unexpected character ';'");
	parse_bad("acc$ >= 1", 4, "unexpected character '$'");
	parse_bad("a >= \"open", 6, "unterminated string");
	parse_bad("a >= 1 !", 8, "unknown operator '!'");
	parse_bad("a >= 1 >= 2", 8, "found '>='");
	{
		const char text[] = "a >= \0 1";

		struct mlci_err err = { 0 };
		struct rule r;

		assert_int_equal(rule_parse(&r, text, sizeof(text) - 1, "r", 1, 65,
					    &err), -1);
		assert_int_equal(err.col, 6);
		assert_non_null(strstr(err.msg, "0x00"));
	}
}

static void test_rules__nesting_is_bounded(void **state)
{
	char text[400];
	size_t i, n = 0;
	struct mlci_err err = { 0 };
	struct rule r;

	n += (size_t)snprintf(text, sizeof(text), "a >= ");
	for (i = 0; i < 200; i++)
		text[n++] = '(';
	text[n++] = '1';
	text[n] = '\0';
	assert_int_equal(rule_parse(&r, text, n, "r", 1, 65, &err), -1);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	n = (size_t)snprintf(text, sizeof(text), "a >= ");
	for (i = 0; i < 200; i++)
		text[n++] = '-';
	text[n++] = '1';
	text[n] = '\0';
	assert_int_equal(rule_parse(&r, text, n, "r", 1, 65, &err), -1);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	{
		/* a flat but very long expression is refused, not recursed into */
		size_t cap = 5 + 2 * 3000 + 2;
		char *long_text = malloc(cap);

		assert_non_null(long_text);
		n = (size_t)snprintf(long_text, cap, "a >= ");
		for (i = 0; i < 3000; i++) {
			long_text[n++] = '1';
			long_text[n++] = '+';
		}
		long_text[n++] = '1';
		assert_int_equal(rule_parse(&r, long_text, n, "r", 1, 65, &err), -1);
		assert_non_null(strstr(err.msg, "expression too long"));
		free(long_text);
	}
}

static void test_rules__tolerance_absorbs_rounding_only(void **state)
{
	double t = threshold("x >= baseline + 0.2", 0.1);

	/* 0.1 + 0.2 is 0.30000000000000004 > 0.3: the tolerance makes it pass */
	assert_true(t > 0.3);
	assert_true(rule_compare(RULE_GE, 0.3, t));
	assert_false(rule_compare(RULE_LT, 0.3, t));
	assert_true(rule_compare(RULE_LE, 0.1 + 0.2, 0.3));
	assert_false(rule_compare(RULE_GT, 0.1 + 0.2, 0.3));
	assert_true(rule_compare(RULE_EQ, 0.1 + 0.2, 0.3));
	assert_false(rule_compare(RULE_NE, 0.1 + 0.2, 0.3));
	/* truly below, above or different still counts */
	assert_false(rule_compare(RULE_GE, 0.2999999, 0.3));
	assert_false(rule_compare(RULE_GE, 0.3 - 1e-8, 0.3));
	assert_true(rule_compare(RULE_LT, 0.3 - 1e-8, 0.3));
	assert_false(rule_compare(RULE_LE, 0.3000001, 0.3));
	assert_true(rule_compare(RULE_GT, 0.3000001, 0.3));
	assert_true(rule_compare(RULE_NE, 0.3000001, 0.3));
	assert_false(rule_compare(RULE_EQ, 0.3000001, 0.3));
	/* the absolute part handles thresholds at zero */
	assert_true(rule_compare(RULE_LE, 1e-13, 0));
	assert_false(rule_compare(RULE_LE, 1e-11, 0));
	/* the relative part scales with the values */
	assert_true(rule_compare(RULE_GE, 1e6 - 1e-4, 1e6));
	assert_false(rule_compare(RULE_GE, 1e6 - 1e-2, 1e6));
	/* strict operators are the negation of the others */
	assert_true(rule_compare(RULE_GE, 1, 1));
	assert_false(rule_compare(RULE_GT, 1, 1));
	assert_true(rule_compare(RULE_LE, 1, 1));
	assert_false(rule_compare(RULE_LT, 1, 1));
}

static void test_rules__threshold_errors(void **state)
{
	struct mlci_err err = { 0 };
	struct rule r;
	double t;

	parse_ok(&r, "x >= 1 / (baseline - 1)");
	assert_int_equal(rule_threshold(&r, 1.0, &t, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "division by zero"));
	assert_string_equal(err.file, "r.txt");
	rule_free(&r);
	parse_ok(&r, "x >= baseline * 1e308");
	assert_int_equal(rule_threshold(&r, 10, &t, &err), -1);
	assert_non_null(strstr(err.msg, "not a finite number"));
	rule_free(&r);
}

static void test_rules__ruleset_file_with_comments(void **state)
{
	char path[] = "/tmp/test_rules_XXXXXX";
	int fd = mkstemp(path);
	const char text[] =
		"\xEF\xBB\xBF# gate for the adult model\n"
		"\n"
		"accuracy >= 0.8   # absolute floor\r\n"
		"   \t\n"
		"f1_macro >= baseline - 0.01\n"
		"log_loss <= 0.5";	/* no final newline */
	struct ruleset rs = { 0 };
	struct mlci_err err = { 0 };

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(ruleset_load_file(&rs, path, &err), 0);
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.v[0].text, "accuracy >= 0.8");
	assert_int_equal(rs.v[0].line, 3);
	assert_string_equal(rs.v[1].metric, "f1_macro");
	assert_int_equal(rs.v[1].uses_baseline, 1);
	assert_int_equal(rs.v[1].line, 5);
	assert_int_equal(rs.v[2].line, 6);
	assert_int_equal(rs.v[2].op, RULE_LE);
	ruleset_free(&rs);
	unlink(path);
}

static void test_rules__ruleset_file_errors(void **state)
{
	char path[] = "/tmp/test_rules_XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "accuracy >= 0.8\n# ok\nf1 >=\n";
	struct ruleset rs = { 0 };
	struct mlci_err err = { 0 };

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(ruleset_load_file(&rs, path, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 6);
	assert_string_equal(err.msg, "expected a number or 'baseline' after '>='");
	ruleset_free(&rs);

	/* only comments: no rules is an error, not a vacuous pass */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "# nothing\n\n", 11), 11);
	close(fd);
	assert_int_equal(ruleset_load_file(&rs, path, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "no rules"));
	unlink(path);

	assert_int_equal(ruleset_load_file(&rs, path, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_int_equal(rs.n, 0);
}

static void test_rules__command_line_rules(void **state)
{
	struct ruleset rs = { 0 };
	struct mlci_err err = { 0 };
	char line[1200];

	assert_int_equal(ruleset_add_text(&rs, "accuracy >= 0.9", &err), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.v[0].code, MLCI_EXIT_USAGE);
	assert_string_equal(rs.v[0].file, "--rule 'accuracy >= 0.9'");
	assert_int_equal(ruleset_add_text(&rs, "accuracy >>= 1", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	err_format(&err, line, sizeof(line));
	assert_string_equal(line, "--rule 'accuracy >>= 1':1:10: unknown operator '>>=' "
			    "(expected >=, >, <=, <, == or !=)");
	assert_int_equal(ruleset_add_text(&rs, "  # only a comment", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "empty rule"));
	assert_int_equal(ruleset_add_text(&rs, "a >= 1\nb", &err), -1);
	assert_null(strchr(err.file, '\n'));
	assert_int_equal(rs.n, 1);
	ruleset_free(&rs);
	assert_int_equal(rs.n, 0);
}

/* Write n bytes to a fresh temporary file; returns its path (static). */
static const char *tmp_rules(const char *data, size_t n)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/mlci-test-rules-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

/* A rule longer than RULE_MAX_TEXT is refused before it is lexed; a long
 * comment after a rule is fine. */
static void test_rules__paired_rules(void **state)
{
	struct rule r;

	parse_ok(&r, "accuracy >= baseline - 0.01 paired   # evidence");
	assert_true(r.paired);
	assert_true(r.uses_baseline);
	assert_string_equal(r.text, "accuracy >= baseline - 0.01 paired");
	assert_string_equal(r.metric, "accuracy");
	rule_free(&r);
	parse_ok(&r, "log_loss <= baseline * 1.1 paired");
	assert_true(r.paired);
	assert_int_equal(r.op, RULE_LE);
	rule_free(&r);
	parse_ok(&r, "accuracy >= baseline - 0.01");
	assert_false(r.paired);
	rule_free(&r);
	/* the right-hand side must use baseline; == and != are no test;
	 * nothing may follow; 'paired' is not a value */
	parse_bad("accuracy >= 0.9 paired", 17, "'paired' compares with the baseline");
	parse_bad("accuracy == baseline paired", 22, "'paired' needs >=, >, <= or <");
	parse_bad("accuracy != baseline paired", 22, "not '!='");
	parse_bad("accuracy >= baseline paired paired", 29, "expected the end of the rule after 'paired'");
	parse_bad("accuracy >= paired", 13, "unknown name 'paired'");
	parse_bad("accuracy >= baseline paried", 22, "expected an operator or the end of the rule");
}

static void test_rules__band_terms(void **state)
{
	struct mlci_err err = { 0 };
	struct rule r;
	double band[RULE_BAND_PARTS] = { 0.80, 0.86, 0.83, 0.02, 5 }, t;

	(void)state;
	parse_ok(&r, "accuracy >= band.low");
	assert_true(r.uses_band);
	assert_false(r.uses_baseline);
	assert_int_equal(rule_threshold_band(&r, 0, band, &t, &err), 0);
	assert_true(t == band[RULE_BAND_LOW]);
	/* without a band to read: an internal error, not a number */
	assert_int_equal(rule_threshold(&r, 0, &t, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_SOFTWARE);
	rule_free(&r);
	parse_ok(&r, "rmse <= band.high * 1.02");
	assert_int_equal(rule_threshold_band(&r, 0, band, &t, &err), 0);
	assert_true(t == band[RULE_BAND_HIGH] * 1.02);
	rule_free(&r);
	parse_ok(&r, "f1 >= band.mean - 2 * band.sd + 0 * band.n");
	assert_int_equal(rule_threshold_band(&r, 0, band, &t, &err), 0);
	assert_true(t == band[RULE_BAND_MEAN] - 2 * band[RULE_BAND_SD] + 0 * band[RULE_BAND_N]);
	rule_free(&r);
	parse_bad("accuracy >= band", 17, "expected '.' after 'band'");
	parse_bad("accuracy >= band.median", 18, "expected low, high, mean, sd or n after 'band.'");
	parse_bad("accuracy >= band.", 18, "expected low, high, mean, sd or n after 'band.'");
}

static void test_rules__long_rule_is_refused(void **state)
{
	size_t n = 100000, i;
	char *text = malloc(n + 32);
	struct mlci_err err = { 0 };
	struct rule r;

	(void)state;
	assert_non_null(text);
	memcpy(text, "accuracy >= 0.", 14);
	for (i = 14; i < n; i++)
		text[i] = '0';
	text[n] = '1';
	assert_int_equal(rule_parse(&r, text, n + 1, "r.txt", 3, 65, &err), -1);
	assert_int_equal(err.code, 65);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.msg, "rule is longer than 65536 bytes"));
	memcpy(text, "accuracy >= 0.5 #", 17);
	assert_int_equal(rule_parse(&r, text, n + 1, "r.txt", 3, 65, &err), 0);
	assert_string_equal(r.text, "accuracy >= 0.5");
	rule_free(&r);
	free(text);
}

/* At most RULES_MAX rules, from a file (65 at the line) or --rule (64). */
static void test_rules__slice_and_operational_selectors(void **state)
{
	struct rule r;
	struct buf b;
	const char *cols[] = { "native_country", "sex", "x" };
	const char *vals[] = { "United States", "Female", NULL };

	(void)state;
	parse_ok(&r, "accuracy >= 0.8");
	assert_int_equal(r.scope, RULE_METRIC);
	assert_string_equal(r.subject, "accuracy");
	rule_free(&r);

	parse_ok(&r, "slice[sex=Female].recall >= 0.80");
	assert_int_equal(r.scope, RULE_SLICE);
	assert_string_equal(r.metric, "recall");
	assert_string_equal(r.subject, "slice[sex=Female].recall");
	assert_int_equal(r.nkeys, 1);
	assert_string_equal(r.keys[0].col, "sex");
	assert_string_equal(r.keys[0].value, "Female");
	rule_free(&r);

	/* bare values run to ',' or ']' (blanks around dropped), so
	 * hyphens and dots need no quotes; quotes for blanks, commas,
	 * brackets; null is the missing value, "null" the text */
	parse_ok(&r, "slice[ workclass = Self-emp-not-inc , native_country=\"United States\",b=\"a,]\\\"\\\\\", c=null, d=\"null\"] . accuracy >= baseline - 0.1");
	assert_int_equal(r.scope, RULE_SLICE);
	assert_int_equal(r.nkeys, 5);
	assert_string_equal(r.keys[0].col, "workclass");
	assert_string_equal(r.keys[0].value, "Self-emp-not-inc");
	assert_string_equal(r.keys[1].value, "United States");
	assert_string_equal(r.keys[2].value, "a,]\"\\");
	assert_null(r.keys[3].value);
	assert_string_equal(r.keys[4].value, "null");
	assert_string_equal(r.metric, "accuracy");
	assert_true(r.uses_baseline);
	rule_free(&r);

	parse_ok(&r, "slices(sex, race).f1_macro >= 0.7 # every slice");
	assert_int_equal(r.scope, RULE_SLICES);
	assert_int_equal(r.nkeys, 2);
	assert_string_equal(r.keys[1].col, "race");
	assert_null(r.keys[1].value);
	assert_string_equal(r.text, "slices(sex, race).f1_macro >= 0.7");
	rule_free(&r);

	parse_ok(&r, "operational.latency_p95_ms <= 5");
	assert_int_equal(r.scope, RULE_OPERATIONAL);
	assert_string_equal(r.metric, "latency_p95_ms");
	assert_string_equal(r.subject, "operational.latency_p95_ms");
	rule_free(&r);

	/* plain metrics called slice or operational still work */
	parse_ok(&r, "slice >= 1");
	assert_int_equal(r.scope, RULE_METRIC);
	rule_free(&r);

	parse_bad("slice[sex=Female.recall >= 1", 29, "expected ',' or ']'");
	parse_bad("slice[sex].recall >= 1", 10, "expected '=' after the column name");
	parse_bad("slice[sex=].recall >= 1", 11, "expected a value");
	parse_bad("slice[sex=\"F].recall >= 1", 11, "unterminated string");
	parse_bad("slice[sex=F,sex=M].recall >= 1", 13, "named twice");
	parse_bad("slice[sex=F]recall >= 1", 13, "expected '.' and a metric");
	parse_bad("slice[sex=F].>= 1", 14, "expected a metric name");
	parse_bad("slices(sex).recall >= baseline paired", 32, "'paired' compares two models");
	parse_bad("operational.3 <= 1", 13, "expected an operational figure");
	parse_bad("slices(a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q).x >= 1", 40, "more than 16 columns");
	parse_bad("slice[sex=F\xff].recall >= 1", 12, "unexpected byte 0xFF in a value");
	parse_bad("slice[\"s\x01\"=F].recall >= 1", 9, "unexpected byte 0x01 in a column name");
	parse_ok(&r, "slice[pays=\"C\xc3\xb4te d'Ivoire\"].recall >= 0.5");
	assert_string_equal(r.keys[0].value, "C\xc3\xb4te d'Ivoire");
	rule_free(&r);

	buf_init(&b);
	assert_int_equal(rule_slice_format(&b, cols, vals, 3, "recall"), 0);
	assert_string_equal(b.data, "slice[native_country=\"United States\",sex=Female,x=null].recall");
	buf_release(&b);
}

static void test_rules__rule_count_is_bounded(void **state)
{
	static const char line[] = "accuracy >= 0.5\n";
	size_t n = (RULES_MAX + 1) * (sizeof(line) - 1), i;
	char *text = malloc(n);
	struct ruleset rs = { 0 };
	struct mlci_err err = { 0 };
	const char *path;

	(void)state;
	assert_non_null(text);
	for (i = 0; i <= RULES_MAX; i++)
		memcpy(text + i * (sizeof(line) - 1), line, sizeof(line) - 1);
	path = tmp_rules(text, n - (sizeof(line) - 1));
	assert_int_equal(ruleset_load_file(&rs, path, &err), 0);
	assert_int_equal(rs.n, RULES_MAX);
	assert_int_equal(ruleset_add_text(&rs, "f1 >= 0.1", &err), -1);
	assert_int_equal(err.code, 64);
	assert_non_null(strstr(err.msg, "more than 10000 rules"));
	assert_int_equal(rs.n, RULES_MAX);
	ruleset_free(&rs);
	unlink(path);
	path = tmp_rules(text, n);
	assert_int_equal(ruleset_load_file(&rs, path, &err), -1);
	assert_int_equal(err.code, 65);
	assert_int_equal(err.line, RULES_MAX + 1);
	assert_non_null(strstr(err.msg, "more than 10000 rules"));
	ruleset_free(&rs);
	unlink(path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules__lexer_tokens_and_columns),
		cmocka_unit_test(test_rules__lexer_numbers),
		cmocka_unit_test(test_rules__slice_and_operational_selectors),
		cmocka_unit_test(test_rules__every_operator),
		cmocka_unit_test(test_rules__numbers_and_baseline_forms),
		cmocka_unit_test(test_rules__blank_and_comment_lines_hold_no_rule),
		cmocka_unit_test(test_rules__syntax_errors_give_the_column),
		cmocka_unit_test(test_rules__nesting_is_bounded),
		cmocka_unit_test(test_rules__tolerance_absorbs_rounding_only),
		cmocka_unit_test(test_rules__threshold_errors),
		cmocka_unit_test(test_rules__ruleset_file_with_comments),
		cmocka_unit_test(test_rules__ruleset_file_errors),
		cmocka_unit_test(test_rules__command_line_rules),
		cmocka_unit_test(test_rules__paired_rules),
		cmocka_unit_test(test_rules__band_terms),
		cmocka_unit_test(test_rules__long_rule_is_refused),
		cmocka_unit_test(test_rules__rule_count_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
