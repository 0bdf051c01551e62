/*
 * mlci-validate-data: statistics, schema inference or checking, and
 * anomalies of one CSV file, written as a data report.
 *
 * Exit: 0 no error-severity anomaly; 1 at least one; 64 usage; 65 bad
 * CSV or schema; 66 missing input; 73/74 cannot write an output.
 */
#include <stdio.h>
#include <stdlib.h>

#include "artifact.h"
#include "cli.h"
#include "io.h"
#include "csv.h"
#include "validate.h"

static const char more[] =
	"Types are integer, number, boolean (true/false) or string; a string\n"
	"column with at most 50 distinct values, and no more than half as many\n"
	"distinct values as values, is categorical. An inferred schema's ranges\n"
	"and categories are \"observed\": values outside them are warnings; in a\n"
	"schema with \"domain\": \"enforced\" they are errors. Unseen label values,\n"
	"missing or mistyped columns, missing labels and missing rates over the\n"
	"limit are errors; extra, constant or empty columns and duplicate rows\n"
	"are warnings.\n";

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct validate_opts vo = {0};
	struct validate_result res = {0};
	struct csv_cli csv = {0};
	const char *data = NULL, *out = NULL, *schema = NULL, *infer = NULL;
	const char *label = NULL;
	double max_missing = -1;
	int json = 0, rc;
	const struct cli_opt opts[] = {
		{ "data", CLI_STR, &data, "FILE", "CSV file to validate" },
		{ "out", CLI_STR, &out, "FILE", "where to write the data report (mlci.data-report)" },
		{ "schema", CLI_STR, &schema, "FILE", "check the data against this schema (mlci.schema)" },
		{ "infer-schema", CLI_STR, &infer, "FILE", "write the schema inferred from the data here" },
		{ "label", CLI_STR, &label, "COL", "the label column (missing and unseen values are errors)" },
		{ "max-missing", CLI_DOUBLE, &max_missing, "RATE", "largest missing rate allowed in any column, 0..1" },
		{ "json", CLI_FLAG, &json, NULL, "print the report on stdout instead of the summary line" },
		CSV_CLI_OPTIONS(&csv),
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-validate-data",
		"--data FILE --out data-report.json [--schema FILE | --infer-schema FILE] [options]",
		"Compute per-column statistics of a CSV file, infer a schema or check\n"
		"it against one, and report anomalies with a pass/fail verdict.",
		opts, more, 0
	};

	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
	}
	if (rc < 0 || cli_require("data", data, &err) < 0 ||
	    cli_require("out", out, &err) < 0 ||
	    csv_opts_from_cli(&vo.csv, &csv, &err) < 0)
		goto fail;
	if (max_missing != -1 && (max_missing < 0 || max_missing > 1)) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--max-missing: expected a rate between 0 and 1");
		goto fail;
	}
	{
		const struct path_role outs[] = {
			{ "--out", out }, { "--infer-schema", infer },
		};
		const struct path_role ins[] = {
			{ "--data", data }, { "--schema", schema },
		};

		if (check_output_paths(outs, 2, ins, 2, &err) < 0)
			goto fail;
	}
	vo.data = data;
	vo.out = out;
	vo.schema = schema;
	vo.infer_schema = infer;
	vo.label = label;
	vo.label_suffix = csv.label_suffix;
	vo.max_missing = max_missing;
	vo.producer = spec.prog;
	if (validate_run(&vo, &res, &err) < 0)
		goto fail;
	if (json) {
		char *text = artifact_dumps(res.report);

		if (text)
			fputs(text, stdout);
		free(text);
	} else {
		printf("%s: %s: %zu rows, %zu columns, %zu error%s, %zu warning%s: %s\n",
		       spec.prog, data, res.rows, res.cols, res.errors,
		       res.errors == 1 ? "" : "s", res.warnings,
		       res.warnings == 1 ? "" : "s", res.pass ? "pass" : "fail");
	}
	rc = res.pass ? MLCI_EXIT_OK : MLCI_EXIT_VERDICT;
	validate_result_free(&res);
	cli_release(&spec, NULL);
	return rc;
fail:
	rc = cli_report(spec.prog, &err);
	cli_release(&spec, NULL);
	return rc;
}
