/*
 * mlci-gate: evaluate gate rules over an mlci.metrics artifact and write
 * gate.json plus optional JUnit, Markdown, OpenMetrics and dotenv reports.
 * Exit 0 when every rule passes, 1 when one fails.
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
	"is an error (65), not a pass. MLCI_RULE takes one rule per line.\n";

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
		{ "json", CLI_FLAG, &json, NULL, "print gate.json on stdout instead of the summary" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-gate",
		"--metrics FILE (--rule EXPR ... | --rules FILE) [--baseline FILE] --out FILE [options]",
		"Gate a model on its metrics: evaluate every rule, write gate.json and\n"
		"the CI reports together, exit 0 when all rules pass and 1 otherwise.",
		opts, more, 0
	};

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
	rc = res.rep.pass ? MLCI_EXIT_OK : MLCI_EXIT_VERDICT;
	buf_release(&line);
	gate_result_free(&res);
	cli_release(&spec, NULL);
	if (fflush(stdout) != 0)
		return MLCI_EXIT_IOERR;
	return rc;
}
