/*
 * gate.h - the gate run: rules over an mlci.metrics artifact (and an
 * optional baseline), a verdict, and every output written together.
 *
 * gate.json (KIND_GATE, SCHEMA_GATE) holds the envelope (inputs: role
 * "metrics", and "baseline" when given) and
 *   verdict    "pass" | "fail"
 *   rules      [{rule, metric, op, threshold, value, baseline?, delta,
 *               status "pass"|"fail"}] in the order given (rules file
 *               first, then each --rule); delta is value - baseline for a
 *               rule over `baseline`, value - threshold otherwise
 *   counts     {rules, passed, failed}
 *   tolerance  {relative, absolute} (see rules.h)
 * The optional JUnit, Markdown, OpenMetrics and dotenv files are
 * described in report.h.
 */
#ifndef MLCI_GATE_H
#define MLCI_GATE_H

#include <stddef.h>

#include "error.h"
#include "report.h"
#include "util.h"

struct gate_opts {
	const char *producer;		/* step name, e.g. "mlci-gate" */
	const char *metrics;		/* metrics.json (required) */
	const char *baseline;		/* baseline metrics.json or NULL */
	const char *rules_file;		/* rules file or NULL */
	const char *const *rules;	/* --rule texts */
	size_t nrules;
	const char *out;		/* gate.json (required) */
	const char *junit;		/* optional outputs, NULL when not wanted */
	const char *markdown;
	const char *openmetrics;
	const char *dotenv;
	/* paired rules */
	const char *predictions;	/* the candidate's predictions file, or NULL:
					 * the one metrics.json records */
	const char *baseline_predictions;	/* the baseline's, likewise */
	double alpha;			/* level of the tests, e.g. 0.05 */
	long bootstrap;			/* paired-bootstrap resamples */
	long seed;			/* of the resampling */
	const char *inconclusive;	/* "pass", "fail" or "inconclusive" (NULL) */
};

struct gate_result {
	struct report rep;	/* the evaluated rules and the verdict */
	char *json;		/* gate.json's text as written */
};

/*
 * Evaluate the rules and write gate.json and the other outputs atomically
 * and together (on any error none is left behind). Returns 0 with *res
 * filled (free with gate_result_free; res->rep.pass is the verdict), or
 * -1 with err set: 64 usage (no rules, a bad --rule, a baseline rule
 * without --baseline, two outputs on one path), 65 bad rules file or
 * artifact or an unknown metric, 66 missing input, 73/74 output errors.
 */
int gate_run(const struct gate_opts *o, struct gate_result *res,
	     struct mlci_err *err);

/* Free what gate_run filled in; leaves *res zeroed. */
void gate_result_free(struct gate_result *res);

/* Append the one-line summary ("PASS: 3 of 3 rules passed", or "FAIL: 1
 * of 3 rules failed: RULE (METRIC = V)...") without a newline to b. */
int gate_summary(const struct gate_result *res, struct buf *b);

#endif
