#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static char *xdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static void add_rule(struct report *r, const char *text, const char *metric,
		     const char *op, double value, double threshold, int pass)
{
	struct report_rule *rr;

	r->rules = realloc(r->rules, (r->nrules + 1) * sizeof(*r->rules));
	assert_non_null(r->rules);
	rr = &r->rules[r->nrules++];
	memset(rr, 0, sizeof(*rr));
	rr->rule = xdup(text);
	rr->metric = xdup(metric);
	rr->source = xdup("rules.txt:1");
	rr->op = op;
	rr->value = value;
	rr->threshold = threshold;
	rr->delta = value - threshold;
	rr->pass = pass;
	rr->status = pass ? REPORT_PASS : REPORT_FAIL;
}

static void add_metric(struct report *r, const char *name, double v)
{
	r->metrics = realloc(r->metrics, (r->nmetrics + 1) * sizeof(*r->metrics));
	assert_non_null(r->metrics);
	memset(&r->metrics[r->nmetrics], 0, sizeof(r->metrics[0]));
	r->metrics[r->nmetrics].name = xdup(name);
	r->metrics[r->nmetrics++].value = v;
}

static void sample(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->tool = "mlci-gate";
	r->metrics_path = xdup("metrics.json");
	snprintf(r->timestamp, sizeof(r->timestamp), "2024-01-02T03:04:05");
	snprintf(r->hostname, sizeof(r->hostname), "runner-1");
	add_metric(r, "accuracy", 0.853);
	add_metric(r, "f1_macro", 0.8);
	add_rule(r, "accuracy >= 0.8", "accuracy", ">=", 0.853, 0.8, 1);
	add_rule(r, "f1_macro >= 0.9", "f1_macro", ">=", 0.8, 0.9, 0);
	assert_int_equal(report_finish(r), 0);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* A report with two paired rules: one pass, one inconclusive. */
static void paired_sample(struct report *r, int inconclusive_as)
{
	struct report_rule *rr;

	memset(r, 0, sizeof(*r));
	r->tool = "mlci-gate";
	r->metrics_path = xdup("metrics.json");
	r->baseline_path = xdup("base.json");
	r->alpha = 0.05;
	r->inconclusive_as = inconclusive_as;
	add_metric(r, "accuracy", 0.9);
	r->metrics[0].has_interval = 1;
	r->metrics[0].low = 0.88;
	r->metrics[0].high = 0.92;
	r->metrics[0].has_baseline = 1;
	r->metrics[0].baseline = 0.91;
	add_metric(r, "log_loss", 0.3);
	add_rule(r, "accuracy >= baseline - 0.02 paired", "accuracy", ">=", 0.9, 0.89, 1);
	add_rule(r, "log_loss <= baseline + 0.01 paired", "log_loss", "<=", 0.3, 0.29, 0);
	rr = &r->rules[0];
	rr->paired = 1;
	rr->has_baseline = 1;
	rr->baseline = 0.91;
	rr->pt.method = "mcnemar-score";
	rr->pt.margin = -0.02;
	rr->pt.diff = -0.01;
	rr->pt.low = -0.018;
	rr->pt.high = -0.002;
	rr->pt.level = 0.9;
	rr->pt.p_value = 0.01;
	rr->pt.p_adjusted = 0.02;
	rr->pt.mde = 0.012;
	rr->pt.n = 500;
	rr = &r->rules[1];
	rr->paired = 1;
	rr->status = REPORT_INCONCLUSIVE;
	rr->pt.method = "paired-bootstrap";
	rr->pt.margin = 0.01;
	rr->pt.diff = 0.005;
	rr->pt.low = -0.004;
	rr->pt.high = 0.014;
	rr->pt.level = 0.9;
	rr->pt.p_value = 0.2;
	rr->pt.p_adjusted = 0.2;
	rr->pt.mde = 0.02;
	rr->pt.n = 500;
	assert_int_equal(report_finish(r), 0);
}

static void test_report__paired_evidence_everywhere(void **state)
{
	struct report r;
	struct buf b;

	paired_sample(&r, REPORT_INCONCLUSIVE);
	assert_int_equal(r.status, REPORT_INCONCLUSIVE);
	assert_int_equal(r.decision, REPORT_INCONCLUSIVE);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.ninconclusive, 1);
	assert_int_equal(r.npassed, 1);
	buf_init(&b);
	assert_int_equal(report_junit(&b, &r), 0);
	assert_non_null(strstr(b.data, "failures=\"0\" errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(b.data, "<skipped message=\"inconclusive: log_loss; difference +0.005 [-0.004, +0.014] (90%), margin +0.01, p = 0.2 (Holm 0.2), MDE 0.02 at n = 500, paired-bootstrap\"/>"));
	assert_non_null(strstr(b.data, "PASS accuracy &gt;= baseline - 0.02 paired (accuracy = 0.9; difference -0.01 [-0.018, -0.002] (90%), margin -0.02, p = 0.01 (Holm 0.02)"));
	assert_non_null(strstr(b.data, "<property name=\"mlci.verdict\" value=\"inconclusive\"/>"));
	buf_reset(&b);
	assert_int_equal(report_markdown(&b, &r), 0);
	assert_non_null(strstr(b.data, "**Verdict: inconclusive** \xE2\x80\x94 1 of 2 rules passed, 1 inconclusive;"));
	assert_non_null(strstr(b.data, "| \xE2\x9A\xA0\xEF\xB8\x8F inconclusive | difference +0.005 \\[-0.004, +0.014\\] (90%), margin +0.01, p = 0.2 (Holm 0.2), MDE 0.02 at n = 500, paired-bootstrap |\n"));
	assert_non_null(strstr(b.data, "| `accuracy` | 0.9 | [0.88, 0.92] | 0.91 | -0.01 | \xE2\x9C\x85 pass |\n"));
	assert_non_null(strstr(b.data, "Holm-adjusted across the 2 paired rules"));
	buf_reset(&b);
	assert_int_equal(report_openmetrics(&b, &r), 0);
	assert_non_null(strstr(b.data, "mlci_metric_low{name=\"accuracy\"} 0.88\n"));
	assert_non_null(strstr(b.data, "mlci_gate_rule_difference_high{rule=\"log_loss <= baseline + 0.01 paired\"} 0.014\n"));
	assert_non_null(strstr(b.data, "mlci_gate_rule_p_value{rule=\"accuracy >= baseline - 0.02 paired\"} 0.02\n"));
	assert_non_null(strstr(b.data, "\nmlci_gate_inconclusive 1\n"));
	assert_null(strstr(b.data, "\n\n"));
	buf_reset(&b);
	assert_int_equal(report_dotenv(&b, &r), 0);
	assert_non_null(strstr(b.data, "MLCI_GATE_VERDICT=inconclusive\nMLCI_GATE_DECISION=inconclusive\n"));
	buf_release(&b);
	report_free(&r);

	/* --inconclusive fail: the same evidence, a failure in JUnit */
	paired_sample(&r, REPORT_FAIL);
	assert_int_equal(r.status, REPORT_INCONCLUSIVE);
	assert_int_equal(r.decision, REPORT_FAIL);
	buf_init(&b);
	assert_int_equal(report_junit(&b, &r), 0);
	assert_non_null(strstr(b.data, "failures=\"1\" errors=\"0\" skipped=\"0\""));
	assert_non_null(strstr(b.data, "<failure type=\"mlci.gate.inconclusive\" message=\"inconclusive: log_loss;"));
	buf_reset(&b);
	assert_int_equal(report_dotenv(&b, &r), 0);
	assert_non_null(strstr(b.data, "MLCI_GATE_DECISION=fail\n"));
	buf_release(&b);
	report_free(&r);

	/* --inconclusive pass */
	paired_sample(&r, REPORT_PASS);
	assert_int_equal(r.decision, REPORT_PASS);
	assert_int_equal(r.pass, 1);
	buf_init(&b);
	assert_int_equal(report_markdown(&b, &r), 0);
	assert_non_null(strstr(b.data, "(decision: pass, from --inconclusive)"));
	buf_release(&b);
	report_free(&r);
}

static void test_report__xml_escapes_markup_quotes_and_newlines(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(xml_escape(&b, "a<b & \"c\" 'd'>\n\te\r", 1), 0);
	assert_string_equal(b.data, "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;&#9;e&#13;");
	buf_reset(&b);
	assert_int_equal(xml_escape(&b, "x\ny\tz & w", 0), 0);
	assert_string_equal(b.data, "x\ny\tz &amp; w");
	buf_reset(&b);
	/* control characters and invalid UTF-8 become U+FFFD; valid UTF-8 stays */
	assert_int_equal(xml_escape(&b, "\x01ok\xff \xC3\xA9 \xE2\x9C\x85 \xED\xA0\x80", 0), 0);
	assert_string_equal(b.data, "\xEF\xBF\xBDok\xEF\xBF\xBD \xC3\xA9 \xE2\x9C\x85 "
			    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	buf_release(&b);
}

static void test_report__junit_structure(void **state)
{
	struct report r;
	struct buf b;

	sample(&r);
	buf_init(&b);
	assert_int_equal(report_junit(&b, &r), 0);
	assert_true(strncmp(b.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", 52) == 0);
	assert_non_null(strstr(b.data, "<testsuite name=\"mlci-gate\" package=\"mlci\" id=\"0\" "
			       "tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" "
			       "time=\"0.000\" timestamp=\"2024-01-02T03:04:05\" "
			       "hostname=\"runner-1\">"));
	assert_non_null(strstr(b.data, "<testcase name=\"accuracy &gt;= 0.8\" classname=\"mlci-gate\" time=\"0.000\"/>"));
	assert_non_null(strstr(b.data, "<failure type=\"mlci.gate.rule\" "
			       "message=\"f1_macro is 0.8, expected &gt;= 0.9\">"));
	assert_non_null(strstr(b.data, "threshold: 0.9\n"));
	assert_non_null(strstr(b.data, "delta:     -0.1 (value - threshold)\n"));
	assert_int_equal(count(b.data, "<testcase "), 2);
	assert_int_equal(count(b.data, "<failure "), 1);
	/* the Ant schema's order: properties, testcases, system-out, system-err */
	assert_true(strstr(b.data, "<properties>") < strstr(b.data, "<testcase "));
	assert_true(strstr(b.data, "</testcase>") < strstr(b.data, "<system-out>"));
	assert_true(strstr(b.data, "</system-out>") < strstr(b.data, "<system-err>"));
	assert_non_null(strstr(b.data, "<property name=\"mlci.verdict\" value=\"fail\"/>"));
	assert_null(strstr(b.data, "mlci.baseline"));
	buf_release(&b);
	report_free(&r);
}

static void test_report__junit_escapes_names_and_paths(void **state)
{
	struct report r;
	struct buf b;

	sample(&r);
	free(r.metrics_path);
	r.metrics_path = xdup("a&b \"q\".json");
	r.hostname[0] = '\0';
	free(r.rules[1].metric);
	r.rules[1].metric = xdup("m<&>\"\nx");
	buf_init(&b);
	assert_int_equal(report_junit(&b, &r), 0);
	assert_non_null(strstr(b.data, "value=\"a&amp;b &quot;q&quot;.json\""));
	assert_non_null(strstr(b.data, "hostname=\"localhost\""));
	assert_non_null(strstr(b.data, "message=\"m&lt;&amp;&gt;&quot;&#10;x is 0.8"));
	assert_non_null(strstr(b.data, ">m&lt;&amp;&gt;&quot;\nx is 0.8"));
	buf_release(&b);
	report_free(&r);
}

static void test_report__unique_test_names(void **state)
{
	struct report r;

	sample(&r);
	add_rule(&r, "accuracy   >=\t0.8", "accuracy", ">=", 0.853, 0.8, 1);
	add_rule(&r, "accuracy >= 0.8", "accuracy", ">=", 0.853, 0.8, 1);
	add_rule(&r, "accuracy >= 0.8 (2)", "accuracy", ">=", 0.853, 0.8, 1);
	assert_int_equal(report_finish(&r), 0);
	assert_string_equal(r.rules[0].name, "accuracy >= 0.8");
	assert_string_equal(r.rules[2].name, "accuracy >= 0.8 (2)");
	assert_string_equal(r.rules[3].name, "accuracy >= 0.8 (3)");
	assert_string_equal(r.rules[4].name, "accuracy >= 0.8 (2) (2)");
	assert_int_equal(r.npassed, 4);
	assert_int_equal(r.nfailed, 1);
	assert_int_equal(r.pass, 0);
	report_free(&r);
}

static void test_report__markdown_table(void **state)
{
	struct report r;
	struct buf b;

	sample(&r);
	r.rules[0].has_baseline = 1;
	r.rules[0].baseline = 0.81;
	r.rules[0].delta = 0.853 - 0.81;
	free(r.rules[1].metric);
	r.rules[1].metric = xdup("a|b`c");
	buf_init(&b);
	assert_int_equal(report_markdown(&b, &r), 0);
	assert_non_null(strstr(b.data, "\xE2\x9D\x8C FAIL"));
	assert_non_null(strstr(b.data, "**Verdict: fail**"));
	assert_non_null(strstr(b.data, "1 of 2 rules passed"));
	assert_non_null(strstr(b.data, "| rule | metric | value | threshold | baseline | delta | status | evidence |\n"));
	assert_non_null(strstr(b.data, "| `accuracy >= 0.8` | `accuracy` | 0.853 | 0.8 | 0.81 | +0.043 | \xE2\x9C\x85 pass | point estimate |\n"));
	assert_non_null(strstr(b.data, "| `f1_macro >= 0.9` | `a\\|b'c` | 0.8 | 0.9 |  | -0.1 | \xE2\x9D\x8C fail | point estimate |\n"));

	/* a value just below its threshold never prints the same as it */
	add_rule(&r, "m >= 0.85", "m", ">=", 0.84999999, 0.85, 0);
	add_rule(&r, "n >= baseline + 0.2", "n", ">=", 0.3, 0.1 + 0.2, 1);
	assert_int_equal(report_finish(&r), 0);
	buf_reset(&b);
	assert_int_equal(report_markdown(&b, &r), 0);
	assert_non_null(strstr(b.data, "| `m` | 0.84999999 | 0.85 |  | -1e-08 |"));
	assert_non_null(strstr(b.data, "| `n` | 0.3 | 0.30000000000000004 |  | -5.55112e-17 |"));
	buf_release(&b);
	report_free(&r);
}

static void test_report__openmetrics_format(void **state)
{
	struct report r;
	struct buf b;

	sample(&r);
	r.metrics[0].value = 0.1 + 0.2;
	buf_init(&b);
	assert_int_equal(report_openmetrics(&b, &r), 0);
	assert_non_null(strstr(b.data, "# HELP mlci_metric "));
	assert_non_null(strstr(b.data, "\n# TYPE mlci_metric gauge\nmlci_metric{name=\"accuracy\"} 0.30000000000000004\n"));
	assert_non_null(strstr(b.data, "mlci_metric{name=\"f1_macro\"} 0.8\n"));
	assert_non_null(strstr(b.data, "mlci_gate_rule_pass{rule=\"accuracy >= 0.8\"} 1\n"));
	assert_non_null(strstr(b.data, "mlci_gate_rule_pass{rule=\"f1_macro >= 0.9\"} 0\n"));
	assert_non_null(strstr(b.data, "\nmlci_gate_passed 0\n"));
	assert_non_null(strstr(b.data, "\nmlci_gate_rules 2\n"));
	assert_non_null(strstr(b.data, "\nmlci_gate_rules_failed 1\n"));
	assert_non_null(strstr(b.data, "mlci_gate_rule_inconclusive{rule=\"f1_macro >= 0.9\"} 0\n"));
	assert_non_null(strstr(b.data, "\nmlci_gate_inconclusive 0\n"));
	assert_int_equal(count(b.data, "# TYPE "), 7);
	assert_int_equal(count(b.data, "# HELP "), 7);
	assert_null(strstr(b.data, "\n\n"));
	assert_true(b.len > 6 && !strcmp(b.data + b.len - 6, "# EOF\n"));
	buf_release(&b);
	report_free(&r);
}

static void test_report__openmetrics_label_escaping(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(om_escape_label(&b, "a\"b\\c\nd#e\tf\xff"), 0);
	assert_string_equal(b.data, "a\\\"b\\\\c\\nd_e f?");
	buf_release(&b);
}

static void test_report__dotenv_keys_and_values(void **state)
{
	char key[300], big[300];

	assert_int_equal(dotenv_key(key, sizeof(key), "f1_macro"), 0);
	assert_string_equal(key, "MLCI_F1_MACRO");
	assert_int_equal(dotenv_key(key, sizeof(key), "precision.<=50K"), 0);
	assert_string_equal(key, "MLCI_PRECISION___50K");
	assert_int_equal(dotenv_key(key, sizeof(key), ""), -1);
	memset(big, 'a', 251);
	big[251] = '\0';
	assert_int_equal(dotenv_key(key, sizeof(key), big), -1);
	big[250] = '\0';
	assert_int_equal(dotenv_key(key, sizeof(key), big), 0);
	assert_int_equal(strlen(key), 255);
	assert_int_equal(dotenv_key(key, 10, "accuracy"), -1);
	assert_true(dotenv_value_ok("0.853"));
	assert_true(dotenv_value_ok("-1.5e-05"));
	assert_true(dotenv_value_ok("pass"));
	assert_true(dotenv_value_ok("a/b:c@d+e"));
	assert_false(dotenv_value_ok("a b"));
	assert_false(dotenv_value_ok("a#b"));
	assert_false(dotenv_value_ok("a\"b"));
	assert_false(dotenv_value_ok("a\nb"));
}

/* Every line KEY=value with a valid key and value; returns the count. */
static size_t check_dotenv(const char *s)
{
	size_t lines = 0;

	assert_true(strlen(s) < REPORT_DOTENV_MAX_BYTES);
	while (*s) {
		const char *nl = strchr(s, '\n'), *eq = strchr(s, '='), *p;
		char value[64];

		assert_non_null(nl);
		assert_true(eq && eq < nl && eq > s);
		for (p = s; p < eq; p++)
			assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", *p));
		assert_true((size_t)(nl - eq - 1) < sizeof(value));
		memcpy(value, eq + 1, (size_t)(nl - eq - 1));
		value[nl - eq - 1] = '\0';
		assert_true(dotenv_value_ok(value));
		lines++;
		s = nl + 1;
	}
	return lines;
}

static void test_report__dotenv_content(void **state)
{
	struct report r;
	struct buf b;

	sample(&r);
	buf_init(&b);
	assert_int_equal(report_dotenv(&b, &r), 0);
	assert_string_equal(b.data, "MLCI_GATE_VERDICT=fail\nMLCI_GATE_DECISION=fail\n"
			    "MLCI_GATE_RULES=2\nMLCI_GATE_FAILED=1\nMLCI_GATE_INCONCLUSIVE=0\n"
			    "MLCI_ACCURACY=0.853\nMLCI_F1_MACRO=0.8\n");
	assert_int_equal(check_dotenv(b.data), 7);
	buf_release(&b);
	report_free(&r);
}

static void test_report__dotenv_limits(void **state)
{
	struct report r;
	struct buf b;
	char name[300];
	size_t i;

	sample(&r);
	/* 40 more metrics: the rules' metrics come first, then by name */
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "m%02zu", i);
		add_metric(&r, name, (double)i / 3);
	}
	add_rule(&r, "m39 < 100", "m39", "<", 13, 100, 1);
	assert_int_equal(report_finish(&r), 0);
	buf_init(&b);
	assert_int_equal(report_dotenv(&b, &r), 0);
	assert_int_equal(check_dotenv(b.data), REPORT_DOTENV_MAX_LINES);
	assert_non_null(strstr(b.data, "MLCI_GATE_RULES=3\nMLCI_GATE_FAILED=1\nMLCI_GATE_INCONCLUSIVE=0\n"
			       "MLCI_ACCURACY=0.853\nMLCI_F1_MACRO=0.8\nMLCI_M39=13\n"
			       "MLCI_M00=0\nMLCI_M01=0.3333333333333333\n"));
	assert_null(strstr(b.data, "MLCI_M12="));
	assert_non_null(strstr(b.data, "MLCI_M11="));
	buf_release(&b);
	report_free(&r);

	/* the longest keys and values still fit: 20 lines stay under 5120
	 * bytes; a key over 255 bytes is left out */
	sample(&r);
	memset(name, 'k', 251);
	name[251] = '\0';
	add_metric(&r, name, 1);
	for (i = 0; i < 30; i++) {
		memset(name, 'k', 248);
		snprintf(name + 248, sizeof(name) - 248, "%02zu", i);
		add_metric(&r, name, -1.2345678901234567e-100);
	}
	assert_int_equal(report_finish(&r), 0);
	buf_init(&b);
	assert_int_equal(report_dotenv(&b, &r), 0);
	assert_true(b.len < REPORT_DOTENV_MAX_BYTES);
	assert_true(b.len > 3500);
	assert_int_equal(check_dotenv(b.data), REPORT_DOTENV_MAX_LINES);
	assert_non_null(strstr(b.data, "KKKK00=-1.2345678901234567e-100\n"));
	assert_null(strstr(b.data, "KKK=1\n"));
	buf_release(&b);
	report_free(&r);

	/* names that clash after sanitising, or clash with the fixed keys */
	sample(&r);
	add_metric(&r, "f1-macro", 0.1);
	add_metric(&r, "gate_verdict", 1);
	assert_int_equal(report_finish(&r), 0);
	buf_init(&b);
	assert_int_equal(report_dotenv(&b, &r), 0);
	assert_int_equal(count(b.data, "MLCI_F1_MACRO="), 1);
	assert_int_equal(count(b.data, "MLCI_GATE_VERDICT="), 1);
	assert_non_null(strstr(b.data, "MLCI_F1_MACRO=0.8\n"));
	buf_release(&b);
	report_free(&r);
}

static void test_report__writers_are_pure(void **state)
{
	struct report r;
	struct buf a, b;
	int (*w[])(struct buf *, const struct report *) = {
		report_junit, report_markdown, report_openmetrics, report_dotenv,
	};
	size_t i;

	sample(&r);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		buf_init(&a);
		buf_init(&b);
		assert_int_equal(w[i](&a, &r), 0);
		assert_int_equal(w[i](&b, &r), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		buf_release(&a);
		buf_release(&b);
	}
	report_free(&r);
}

/* 20000 copies of one rule get unique names in linear time (the search
 * used to be cubic: hours for these, 10^5 never finished); each report
 * writer copes. */
static void test_report__many_identical_rules(void **state)
{
	struct report r;
	struct buf b;
	char want[64];
	size_t i;

	(void)state;
	sample(&r);
	/* add_rule's realloc per rule is quadratic itself: grow once */
	r.rules = realloc(r.rules, 20002 * sizeof(*r.rules));
	assert_non_null(r.rules);
	for (i = 0; i < 20000; i++) {
		struct report_rule *rr = &r.rules[r.nrules++];

		memset(rr, 0, sizeof(*rr));
		rr->rule = xdup("accuracy >= 0.8");
		rr->metric = xdup("accuracy");
		rr->source = xdup("rules.txt:1");
		rr->op = ">=";
		rr->value = 0.853;
		rr->threshold = 0.8;
		rr->pass = 1;
	}
	assert_int_equal(report_finish(&r), 0);
	assert_string_equal(r.rules[0].name, "accuracy >= 0.8");
	assert_string_equal(r.rules[2].name, "accuracy >= 0.8 (2)");
	snprintf(want, sizeof(want), "accuracy >= 0.8 (%d)", 20001);
	assert_string_equal(r.rules[r.nrules - 1].name, want);
	assert_int_equal(r.npassed, 20001);
	buf_init(&b);
	assert_int_equal(report_junit(&b, &r), 0);
	assert_int_equal(count(b.data, "<testcase "), 20002);
	buf_reset(&b);
	assert_int_equal(report_markdown(&b, &r), 0);
	buf_reset(&b);
	assert_int_equal(report_openmetrics(&b, &r), 0);
	buf_reset(&b);
	assert_int_equal(report_dotenv(&b, &r), 0);
	buf_release(&b);
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report__xml_escapes_markup_quotes_and_newlines),
		cmocka_unit_test(test_report__paired_evidence_everywhere),
		cmocka_unit_test(test_report__junit_structure),
		cmocka_unit_test(test_report__junit_escapes_names_and_paths),
		cmocka_unit_test(test_report__unique_test_names),
		cmocka_unit_test(test_report__markdown_table),
		cmocka_unit_test(test_report__openmetrics_format),
		cmocka_unit_test(test_report__openmetrics_label_escaping),
		cmocka_unit_test(test_report__dotenv_keys_and_values),
		cmocka_unit_test(test_report__dotenv_content),
		cmocka_unit_test(test_report__dotenv_limits),
		cmocka_unit_test(test_report__writers_are_pure),
		cmocka_unit_test(test_report__many_identical_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
