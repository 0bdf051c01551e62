/*
 * gate.h - the gate run: rules over an mlci.metrics artifact (and an
 * optional baseline), a verdict, and every output written together.
 *
 * gate.json (KIND_GATE, SCHEMA_GATE) holds the envelope (inputs: role
 * "metrics", "baseline" when given, and with paired rules "predictions"
 * and "baseline_predictions") and
 *   verdict    "pass" | "fail" | "inconclusive": fail when a rule failed,
 *              else inconclusive when a rule is (paired, or over a small
 *              slice), else pass
 *   decision   the verdict with inconclusive mapped by --inconclusive
 *              (pass, fail, or kept); the step's exit code follows it:
 *              0 pass, 1 fail, 3 inconclusive
 *   rules      [{rule, metric, op, threshold, value, baseline?, delta,
 *               status "pass"|"fail"|"inconclusive", paired?, slice?,
 *               note?}] in the
 *              order given (rules file first, then each --rule); delta is
 *              value - baseline for a rule over `baseline`, value -
 *              threshold otherwise. A point rule passes or fails on the
 *              comparison (rules.h). A paired rule's status comes from its
 *              test (paired.h): pass when its Holm-adjusted p-value is at
 *              most alpha, fail when the opposite one-sided test (the
 *              candidate worse than the margin) has p at most alpha,
 *              inconclusive otherwise (also when the metric is undefined
 *              on the rows for a model: method "none" with a note).
 *              paired: {method, alpha, margin, n, difference, interval
 *              {low, high, level}, p_value, p_adjusted, p_inferior, mde,
 *              discordant {only_candidate, only_baseline} (McNemar),
 *              resamples (bootstrap)}
 *   counts     {rules, passed, failed, inconclusive}
 *   paired     {alpha, correction "holm", bootstrap, seed, inconclusive_as}
 *   tolerance  {relative, absolute} (see rules.h)
 *   baseline   with --baseline: {source "file", path, found true}, or for a
 *              git spec (baseline.h) {source "git", spec, ref, commit,
 *              from "tree"|"refs/notes/mlci", path?, found, fetched,
 *              reason? (when nothing was recorded there)}
 *   history    with --history N: {ref, commit, requested, notes (found),
 *              walked (commits), truncated (stopped at a shallow boundary), commits
 *              [the annotated ones, newest first], definition, bands
 *              {METRIC: {low, high, mean, sd, n, value, position
 *              "below"|"within"|"above"} or {n, value, position null}
 *              below 2 values}} (band definition: baseline.h)
 *
 * A rule can have a reason (rules[].reason) instead of a comparison, and
 * then null where a number is unknown:
 *   no baseline recorded (a git spec that found nothing)  inconclusive
 *   its metric absent from the baseline (a new metric)    inconclusive
 *   its metric in the baseline, absent from the candidate fail
 *   a band rule whose metric has fewer than 2 values      inconclusive
 * A metric in neither file stays the unknown-metric error (65). A git
 * baseline's predictions (paired rules) come from its tree or note; the
 * gate writes them to a temporary file under TMPDIR while it reads them.
 *
 * Holm's correction: the m paired rules' p-values, sorted ascending, are
 * adjusted to p_(i) = max over j <= i of min(1, (m - j + 1) p_(j)), which
 * keeps the chance of passing any candidate that is really worse than
 * its margin at most alpha over all the paired rules together. Point
 * rules are not part of it. The fail side is not adjusted: it needs
 * one-sided evidence at alpha that the candidate is worse, per rule.
 *
 * Slice and operational rules (rules.h): a slice rule reads the metric
 * from metrics.json's slice with exactly its columns and values
 * (slices.h), a slices(...) rule becomes one rule per slice of those
 * columns (rule and metric written slice[k=v,...].metric), an
 * operational rule reads the figure from "operational". With baseline,
 * the baseline's same slice or figure. Their gate.json rules carry
 * "slice" (the slice's key: column -> value or null) and metric is the
 * left-hand side as written. A slice under the minimum size, or a metric
 * null on the slice (in either file), makes the rule inconclusive, with
 * "note" saying why and no value (nor delta; no threshold when the
 * baseline's value is the one missing). Errors (65, naming the rule):
 * metrics.json without slices, not sliced by the rule's columns, no
 * slice with its values, no operational section or figure; more than
 * 100000 rules after expansion.
 *
 * The predictions: --predictions and --baseline-predictions, or by
 * default the file each metrics.json records (mlci-evaluate
 * --predictions), looked for next to that metrics.json under the name it
 * recorded; a recorded sha256 must match (65). Both are read (scored.h),
 * matched by key: another row count, a key missing from either side or
 * a key with another label is an error (65: not the same evaluation
 * set), as is a metrics file whose task differs. A metric that is null
 * (undefined) in metrics.json cannot be judged by any rule (65).
 * The optional JUnit, Markdown, OpenMetrics and dotenv files are
 * described in report.h.
 *
 * A baseline of GATE_BASELINE_GITLAB ("gitlab") is downloaded first
 * (gitlab.h: the metrics.json of the target branch's latest successful
 * pipeline, and with paired rules and no --baseline-predictions the
 * predictions it records) into o->gitlab->dir, by default the directory
 * "baseline" beside --out; those files are the run's baseline inputs and
 * stay, unless the run fails. No baseline there (HTTP 404) is 66, as a
 * missing --baseline file is; a refused token (401, 403) 66; the server
 * down or failing after the retries 75.
 */
#ifndef MLCI_GATE_H
#define MLCI_GATE_H

#include <stddef.h>

#include "error.h"
#include "gitlab.h"
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
	double alpha;			/* level of the tests (0: GATE_DEFAULT_ALPHA) */
	long bootstrap;			/* paired-bootstrap resamples (0: the default) */
	long seed;			/* of the resampling */
	const char *inconclusive;	/* "pass", "fail" or "inconclusive" (NULL) */
	/* baseline "gitlab": where from, and where to save it (dir NULL:
	 * "baseline" beside --out) */
	const struct gitlab_baseline *gitlab;
	/* git baselines (baseline.h) */
	const char *baseline_remote;	/* fetch from here (NULL: origin) */
	long history;			/* --history N: notes for the bands (0: none) */
	const char *history_ref;	/* along this ref (NULL: the git baseline's REF) */
};

#define GATE_BASELINE_GITLAB "gitlab"

#define GATE_DEFAULT_ALPHA 0.05
#define GATE_DEFAULT_BOOTSTRAP 2000

struct gate_result {
	struct report rep;	/* the evaluated rules and the verdict */
	char *json;		/* gate.json's text as written */
};

/*
 * Evaluate the rules and write gate.json and the other outputs atomically
 * and together (on any error none is left behind). Returns 0 with *res
 * filled (free with gate_result_free; res->rep.status is the verdict,
 * res->rep.decision the decision), or -1 with err set: 64 usage (no
 * rules, a bad --rule, a baseline rule without --baseline, two outputs
 * on one path, a paired rule without predictions to compare, a bad
 * alpha, bootstrap, seed or --inconclusive, a GitLab baseline without
 * the CI variables it needs, a band rule without --history, --history
 * without a git ref), 65 bad rules file or artifact, an unknown or
 * undefined metric, predictions of another evaluation set or not
 * matching their metrics.json, 66 missing input (a GitLab baseline not
 * readable with the token, a git baseline's REF unknown here and on the
 * remote, or no repository), 73/74 output errors, 75 the GitLab server
 * or the git remote failing or unreachable after the retries.
 */
int gate_run(const struct gate_opts *o, struct gate_result *res,
	     struct mlci_err *err);

/* Free what gate_run filled in; leaves *res zeroed. */
void gate_result_free(struct gate_result *res);

/* Append the one-line summary ("PASS: 3 of 3 rules passed", "FAIL: 1 of
 * 3 rules failed: RULE (METRIC = V)...", or "INCONCLUSIVE: 1 of 3 rules
 * inconclusive: RULE (METRIC = V, difference D [LO, HI], p = P)") without
 * a newline to b. */
int gate_summary(const struct gate_result *res, struct buf *b);

#endif
