/*
 * mlci-gate: evaluate gate rules over an mlci.metrics artifact and write
 * gate.json plus optional JUnit, Markdown, OpenMetrics and dotenv reports.
 * Exit 0 when every rule passes, 1 when one fails, 3 when none fails and
 * a rule is inconclusive (a paired rule without evidence either way, a
 * rule over a small slice; --inconclusive maps that to 0 or 1).
 */
#include <stdio.h>

#include "cli.h"
#include "gate.h"

static const char more[] =
	"rules: METRIC OP RHS, one per --rule or one per line of --rules FILE\n"
	"('#' comments, blank lines ignored). OP is one of >= > <= < == !=;\n"
	"RHS is a number or an expression over `baseline` (the same metric in\n"
	"--baseline), e.g.\n"
	"  accuracy >= 0.85\n"
	"  log_loss <= 0.3\n"
	"  f1_macro >= baseline - 0.01\n"
	"  rmse <= baseline * 1.05\n"
	"Comparisons allow 1e-12 + 1e-9 * max(|value|, |threshold|) for\n"
	"floating-point noise. A rule naming a metric that metrics.json lacks\n"
	"(or holds as null: undefined) is an error (65), not a pass. MLCI_RULE\n"
	"takes one rule per line.\n"
	"\n"
	"METRIC may name a slice (mlci-evaluate --slice-by) or an operational\n"
	"figure (mlci-evaluate --operational):\n"
	"  slice[sex=Female].recall_macro >= 0.8\n"
	"  slice[sex=Female,race=White].accuracy >= 0.7\n"
	"  slice[native_country=\"United States\"].accuracy >= 0.7\n"
	"  slices(sex).recall_macro >= 0.8      (every slice of sex)\n"
	"  slice[workclass=null].accuracy >= 0.7 (the rows missing workclass)\n"
	"  operational.latency_p95_ms <= 5\n"
	"  operational.model_bytes <= 10000000\n"
	"Quote a value holding blanks, commas, brackets or '='. An unknown slice,\n"
	"slice column or figure is an error (65); a rule over a slice under the\n"
	"minimum slice size, or a metric null on its slice, is inconclusive.\n"
	"\n"
	"A rule ending in 'paired' asks for evidence on the per-example results:\n"
	"  accuracy >= baseline - 0.01 paired\n"
	"  log_loss <= baseline + 0.02 paired\n"
	"is a one-sided non-inferiority test at --alpha (0.05) of the difference\n"
	"candidate - baseline against the margin (threshold - baseline), on the\n"
	"rows both predictions files share by key (--predictions and\n"
	"--baseline-predictions, by default the files each metrics.json records,\n"
	"next to it; their sha256 must match). Rows that differ are an error (65).\n"
	"Tests: McNemar for accuracy (exact binomial at margin 0, Tango's score\n"
	"test otherwise), DeLong for a binary roc_auc, a paired bootstrap of\n"
	"--bootstrap resamples (2000, --seed 0) for any other metric. The p-values\n"
	"are Holm-adjusted across the paired rules: a rule passes when its\n"
	"adjusted p-value is at most alpha, fails when the opposite one-sided test\n"
	"(candidate worse than the margin) has p at most alpha, and is otherwise\n"
	"inconclusive. Each gets the difference, its interval at 1 - 2 alpha,\n"
	"the p-value and the minimum detectable effect at this sample size\n"
	"((z_{1-alpha} + z_{0.8}) x standard error).\n"
	"Exit 0 pass, 1 fail (any rule failed), 3 inconclusive (none failed, one\n"
	"inconclusive: paired, or over a small slice); --inconclusive pass|fail\n"
	"turns 3 into 0 or 1.\n";

int main(int argc, char **argv)
{
	struct mlci_err err = { 0 };
	struct gate_opts o = { 0 };
	struct gate_result res = { 0 };
	struct cli_list rules = { 0 };
	struct buf line;
	int json = 0, rc;
	const struct cli_opt opts[] = {
		{ "metrics", CLI_STR, &o.metrics, "FILE", "mlci.metrics artifact to gate (metrics.json)" },
		{ "rule", CLI_LIST, &rules, "EXPR", "a rule, e.g. 'accuracy >= 0.9' (repeatable)" },
		{ "rules", CLI_STR, &o.rules_file, "FILE", "rules file, one rule per line" },
		{ "baseline", CLI_STR, &o.baseline, "FILE", "baseline metrics.json for rules over `baseline`" },
		{ "out", CLI_STR, &o.out, "FILE", "where to write gate.json" },
		{ "junit", CLI_STR, &o.junit, "FILE", "also write a JUnit XML report" },
		{ "markdown", CLI_STR, &o.markdown, "FILE", "also write a Markdown table" },
		{ "openmetrics", CLI_STR, &o.openmetrics, "FILE", "also write OpenMetrics text (metrics.txt)" },
		{ "dotenv", CLI_STR, &o.dotenv, "FILE", "also write a GitLab dotenv file" },
		{ "predictions", CLI_STR, &o.predictions, "FILE", "the candidate's predictions.csv (default: the one metrics.json records)" },
		{ "baseline-predictions", CLI_STR, &o.baseline_predictions, "FILE", "the baseline's predictions.csv (default: the one it records)" },
		{ "alpha", CLI_DOUBLE, &o.alpha, "A", "level of the paired tests (default 0.05)" },
		{ "bootstrap", CLI_LONG, &o.bootstrap, "N", "paired-bootstrap resamples (default 2000)" },
		{ "seed", CLI_LONG, &o.seed, "S", "seed of the paired bootstrap (default 0)" },
		{ "inconclusive", CLI_STR, &o.inconclusive, "AS", "what an inconclusive verdict decides: inconclusive (exit 3, default), pass or fail" },
		{ "json", CLI_FLAG, &json, NULL, "print gate.json on stdout instead of the summary" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-gate",
		"--metrics FILE (--rule EXPR ... | --rules FILE) [--baseline FILE] --out FILE [options]",
		"Gate a model on its metrics: evaluate every rule, write gate.json and\n"
		"the CI reports together; exit 0 pass, 1 fail, 3 inconclusive.",
		opts, more, 0
	};

	o.alpha = 0.05;
	o.bootstrap = 2000;
	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
	}
	if (rc < 0 || cli_require("metrics", o.metrics, &err) < 0 ||
	    cli_require("out", o.out, &err) < 0) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	o.producer = spec.prog;
	o.rules = rules.v;
	o.nrules = rules.n;
	if (gate_run(&o, &res, &err) < 0) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	buf_init(&line);
	if (json)
		fputs(res.json, stdout);
	else if (gate_summary(&res, &line) == 0)
		printf("%s: %s (%s)\n", spec.prog, line.data, o.out);
	rc = res.rep.decision == REPORT_PASS ? MLCI_EXIT_OK :
	     res.rep.decision == REPORT_FAIL ? MLCI_EXIT_VERDICT : MLCI_EXIT_INCONCLUSIVE;
	buf_release(&line);
	gate_result_free(&res);
	cli_release(&spec, NULL);
	if (fflush(stdout) != 0)
		return MLCI_EXIT_IOERR;
	return rc;
}
