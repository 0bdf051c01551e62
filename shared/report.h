/*
 * report.h - the gate's result rendered for CI systems: JUnit XML,
 * Markdown, OpenMetrics text and a GitLab dotenv file.
 *
 * The writers are pure: each appends to a struct buf and touches no
 * file, clock or environment, so the same struct report always gives the
 * same bytes. The caller (gate.c) fills the report and writes the buffers
 * out atomically.
 *
 * Numbers: OpenMetrics and dotenv print values with fmt_double (the
 * shortest text that reads back to the same double), so a value always
 * prints the same way. JUnit and Markdown are for people: numbers with 6
 * significant digits ("%.6g"; a rule's value and threshold get more digits
 * when needed so that different numbers never print alike), deltas with
 * "%+.6g" (so 0.83000000000000007 shows as 0.83 and a delta of
 * 0.053000000000000047 as +0.053).
 *
 * JUnit (valid under the Ant and Jenkins xunit schemas): <testsuites> with
 * one <testsuite name=TOOL package="mlci" id="0" tests failures errors="0"
 * skipped="0" time="0.000" timestamp hostname>, <properties> (mlci.version,
 * mlci.verdict, mlci.metrics, mlci.metrics.sha256, mlci.baseline,
 * mlci.tolerance), one <testcase name=NAME classname=TOOL time="0.000"> per
 * rule with <failure type="mlci.gate.rule" message=..>explanation</failure>
 * when it failed, then <system-out> (one line per rule) and <system-err/>.
 * Times are 0: evaluating a rule takes no measurable time, and fixed
 * values keep the file reproducible.
 *
 * OpenMetrics: gauges with HELP and TYPE, no timestamps, ending "# EOF":
 *   mlci_metric{name="M"} V          every metric in metrics.json, by name
 *   mlci_gate_rule_pass{rule="R"} 1  per rule (R its unique name), 0 or 1
 *   mlci_gate_passed 1               the verdict
 *   mlci_gate_rules N, mlci_gate_rules_failed F
 * Label values escape \\ \" and \n; other control characters become a
 * space and '#' becomes '_' (GitLab's parser cuts a line at '#').
 *
 * dotenv (GitLab artifacts:reports:dotenv): KEY=value lines, LF, no blank
 * lines or comments, at most REPORT_DOTENV_MAX_LINES lines and fewer than
 * REPORT_DOTENV_MAX_BYTES bytes. Lines, in this order, each kept only if it
 * fits both limits and its key was not used yet:
 *   MLCI_GATE_VERDICT=pass|fail, MLCI_GATE_RULES=N, MLCI_GATE_FAILED=F,
 *   then MLCI_<METRIC>=value for the metrics the rules name (in rule
 *   order), then for the other metrics in name order.
 * <METRIC> is the name upper-cased with every character outside
 * [A-Za-z0-9] turned into '_'; keys over 255 bytes and values outside
 * [A-Za-z0-9._:/@+-] are left out.
 */
#ifndef MLCI_REPORT_H
#define MLCI_REPORT_H

#include <stddef.h>

#include "util.h"

#define REPORT_DOTENV_MAX_LINES 20
#define REPORT_DOTENV_MAX_BYTES 5120	/* the file must stay below this */

/* One evaluated rule. Strings are owned by the report. */
struct report_rule {
	char *rule;		/* the rule as written */
	char *name;		/* unique test name (set by report_finish) */
	char *source;		/* "rules.txt:3" or "--rule" */
	char *metric;
	const char *op;		/* ">=", ... (static) */
	double value;		/* the metric's value */
	double threshold;	/* the right-hand side, evaluated */
	double baseline;	/* the metric in the baseline (has_baseline) */
	double delta;		/* value - baseline, or value - threshold */
	int has_baseline;
	int pass;
};

struct report_metric {
	char *name;
	double value;
};

struct report {
	const char *tool;	/* suite name and classname, e.g. "mlci-gate" */
	char *metrics_path;	/* the metrics.json evaluated */
	char *metrics_sha;	/* its sha256 (hex) or NULL */
	char *baseline_path;	/* NULL without a baseline */
	char timestamp[32];	/* YYYY-MM-DDTHH:MM:SS, UTC, no zone */
	char hostname[256];	/* "" is written as "localhost" */
	struct report_rule *rules;
	size_t nrules;
	struct report_metric *metrics;	/* every metric, sorted by name */
	size_t nmetrics;
	size_t npassed, nfailed;	/* set by report_finish */
	int pass;			/* set by report_finish */
};

/* Give every rule a unique name (its text with blanks collapsed; " (2)",
 * " (3)" on repeats), count passes and failures and set the verdict.
 * Returns 0, or -1 when memory runs out. */
int report_finish(struct report *r);

/* Free everything the report owns; leaves it zeroed. */
void report_free(struct report *r);

/* Append the JUnit XML / Markdown / OpenMetrics / dotenv rendering of r
 * to b. Each returns 0, or -1 when memory runs out. */
int report_junit(struct buf *b, const struct report *r);
int report_markdown(struct buf *b, const struct report *r);
int report_openmetrics(struct buf *b, const struct report *r);
int report_dotenv(struct buf *b, const struct report *r);

/* Append s XML-escaped (& < > " ' and, in attributes, tab CR LF as
 * character references); characters XML 1.0 forbids and invalid UTF-8
 * become U+FFFD. Returns 0 or -1 (memory). */
int xml_escape(struct buf *b, const char *s, int attr);

/* Append s escaped as an OpenMetrics label value (see above). */
int om_escape_label(struct buf *b, const char *s);

/* The dotenv key for a metric: "MLCI_" + NAME as described above, into
 * out. Returns 0, or -1 if it does not fit in n or exceeds 255 bytes. */
int dotenv_key(char *out, size_t n, const char *name);

/* 1 when s is a value the dotenv report may carry, else 0. */
int dotenv_value_ok(const char *s);

#endif
