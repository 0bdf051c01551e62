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
 * when it failed, <skipped message=..> when it is inconclusive (or
 * <failure type="mlci.gate.inconclusive"> with --inconclusive fail), then
 * <system-out> (one line per rule: status, name, value and, for a paired
 * rule, the difference, its interval and the p-value) and <system-err/>.
 * A paired rule's message carries the difference, its interval, the
 * p-value (Holm-adjusted) and the minimum detectable effect.
 * Times are 0: evaluating a rule takes no measurable time, and fixed
 * values keep the file reproducible.
 *
 * With --history, JUnit gains the property mlci.history ("N notes along
 * REF") and a system-out line per metric with a band ("band: M = V within
 * [LOW, HIGH], mean X, sd S, n N"); Markdown a table of the same (metric,
 * value, low, mean, high, sd, n, where). A rule with a reason shows it as
 * its message and evidence; unknown numbers print as "n/a".
 *
 * OpenMetrics: gauges with HELP and TYPE, no timestamps, ending "# EOF":
 *   mlci_metric{name="M"} V          every metric in metrics.json, by name
 *   mlci_gate_rule_pass{rule="R"} 1  per rule (R its unique name), 0 or 1
 *   mlci_gate_rule_inconclusive{rule="R"} 0|1, and for paired rules
 *   mlci_gate_rule_difference, _difference_low, _difference_high,
 *   _p_value, _mde {rule="R"}
 *   mlci_metric_low / mlci_metric_high{name="M"}  with bootstrap intervals
 *   mlci_gate_passed 1               the decision (1 pass)
 *   mlci_gate_inconclusive 0|1       the verdict was inconclusive
 *   mlci_gate_rules N, mlci_gate_rules_failed F
 * Label values escape \\ \" and \n; other control characters become a
 * space and '#' becomes '_' (GitLab's parser cuts a line at '#').
 *
 * dotenv (GitLab artifacts:reports:dotenv): KEY=value lines, LF, no blank
 * lines or comments, at most REPORT_DOTENV_MAX_LINES lines and fewer than
 * REPORT_DOTENV_MAX_BYTES bytes. Lines, in this order, each kept only if it
 * fits both limits and its key was not used yet:
 *   MLCI_GATE_VERDICT=pass|fail|inconclusive, MLCI_GATE_DECISION (the
 *   verdict after --inconclusive), MLCI_GATE_RULES=N, MLCI_GATE_FAILED=F,
 *   MLCI_GATE_INCONCLUSIVE=I,
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

/* A rule's status. */
enum report_status { REPORT_PASS = 0, REPORT_FAIL = 1, REPORT_INCONCLUSIVE = 2 };

/* The evidence of a paired rule (paired.h). */
struct report_paired {
	const char *method;	/* "mcnemar-exact", ... (static), or "none" */
	double margin;		/* delta0 = threshold - baseline */
	double diff;		/* candidate - baseline on the shared rows */
	double low, high;	/* its interval at level */
	double level;		/* 1 - 2 alpha */
	double p_value;		/* one-sided, of "worse than the margin" */
	double p_adjusted;	/* after Holm over the paired rules */
	double p_inferior;	/* one-sided, of "within the margin" */
	double mde;		/* minimum detectable effect */
	size_t n, resamples, only_candidate, only_baseline;
	const char *note;	/* why there is no test (method "none"), or NULL */
};

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
	int pass;		/* status == REPORT_PASS */
	int status;		/* enum report_status; a point rule is pass or fail */
	int paired;		/* a paired rule: pt holds the evidence */
	char *note;		/* why a point rule is inconclusive (a slice too
				 * small, a metric undefined on it), or NULL */
	int no_value;		/* value unknown (with note) */
	int no_threshold;	/* threshold unknown: no baseline value (note) */
	struct report_paired pt;
	char *reason;		/* why a rule is inconclusive or failed without a
				 * comparison (no baseline, a new or removed
				 * metric, no noise band), or NULL; value,
				 * threshold or delta may then be NaN (unknown) */
};

struct report_metric {
	char *name;
	double value;
	int has_baseline;	/* the baseline has the metric as a number */
	double baseline;
	int has_interval;	/* metrics.json holds its bootstrap interval */
	double low, high;
	/* the noise band over the recorded history (--history, baseline.h) */
	size_t band_n;		/* recorded values (band defined when >= 2) */
	double band_low, band_high, band_mean, band_sd;
	const char *band_pos;	/* "below", "within", "above" (static), or NULL */
};

struct report {
	const char *tool;	/* suite name and classname, e.g. "mlci-gate" */
	char *metrics_path;	/* the metrics.json evaluated */
	char *metrics_sha;	/* its sha256 (hex) or NULL */
	char *baseline_path;	/* NULL without a baseline */
	char *history_ref;	/* the ref of --history, or NULL */
	size_t history_notes;	/* notes found along it */
	char timestamp[32];	/* YYYY-MM-DDTHH:MM:SS, UTC, no zone */
	char hostname[256];	/* "" is written as "localhost" */
	struct report_rule *rules;
	size_t nrules;
	struct report_metric *metrics;	/* every metric, sorted by name */
	size_t nmetrics;
	double alpha;			/* of the paired rules */
	int inconclusive_as;		/* REPORT_PASS/FAIL/INCONCLUSIVE: the decision for an inconclusive verdict */
	size_t npassed, nfailed, ninconclusive;	/* set by report_finish */
	int status;			/* the verdict: fail if a rule failed, else
					 * inconclusive if one is, else pass */
	int decision;			/* status with inconclusive mapped */
	int pass;			/* decision == REPORT_PASS */
};

/* "pass", "fail" or "inconclusive". */
const char *report_status_str(int status);

/* Give every rule a unique name (its text with blanks collapsed; " (2)",
 * " (3)" on repeats), count passes, failures and inconclusive rules, and
 * set the verdict and the decision.
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
