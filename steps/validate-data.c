/*
 * mlci-validate-data: statistics, schema inference or checking, and
 * anomalies of one CSV file, written as a data report.
 *
 * Exit: 0 no error-severity anomaly (or a shard's partial report
 * written); 1 at least one; 64 usage; 65 bad CSV, schema or partial
 * report; 66 missing input; 73/74 cannot write an output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "cli.h"
#include "io.h"
#include "csv.h"
#include "stream.h"
#include "validate.h"

static const char more[] =
	"Types are integer, number, boolean (true/false) or string; a string\n"
	"column with at most 50 distinct values, and no more than half as many\n"
	"distinct values as values, is categorical. An inferred schema's ranges\n"
	"and categories are \"observed\": values outside them are warnings; in a\n"
	"schema with \"domain\": \"enforced\" they are errors. Unseen label values,\n"
	"missing or mistyped columns, missing labels and missing rates over the\n"
	"limit are errors; extra, constant or empty columns and duplicate rows\n"
	"are warnings.\n"
	"\n"
	"One pass in bounded memory; gzip input is read as it is inflated, and\n"
	"--format jsonl (or a .jsonl/.ndjson name) reads one JSON object a line.\n"
	"Exact: counts, missing, types, mean, std, min, max, distinct counts (up\n"
	"to 24576 per column), top values, quantiles and histograms (up to 4096\n"
	"distinct values), duplicate rows (a 64-bit hash per row, up to 1.5\n"
	"million distinct rows; beyond, a hash-sampled estimate). Past the caps:\n"
	"a KLL sketch (quantile rank error 1.65% with 99% confidence),\n"
	"HyperLogLog (0.81% standard error) and SpaceSaving; a column's\n"
	"sketch_error says what is estimated.\n"
	"\n"
	"A plain CSV file of 1 MB or more is read in 512 KiB blocks on --threads\n"
	"threads (default: the online CPUs, at most 8); the report is the same\n"
	"byte for byte whatever the thread count.\n"
	"\n"
	"--shard K/N (default: $CI_NODE_INDEX/$CI_NODE_TOTAL when both are set;\n"
	"'none' to read the whole file) reads the records that begin in the K-th\n"
	"of N byte ranges and writes a partial report, with no verdict;\n"
	"--merge PART... --out REPORT combines the N partial reports into the\n"
	"report of the whole file (its verdict and exit code). The merge hashes\n"
	"the data file when it is at the shards' --data path (or --data), to\n"
	"record its sha256.\n";

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct validate_opts vo = {0};
	struct validate_result res = {0};
	struct csv_cli csv = {0};
	const char *data = NULL, *out = NULL, *schema = NULL, *infer = NULL;
	const char *label = NULL, *format = NULL, *shard = NULL;
	double max_missing = -1;
	long threads = -1;
	int json = 0, merge = 0, rc;
	struct cli_list parts = { 0 };
	const struct cli_opt opts[] = {
		{ "data", CLI_STR, &data, "FILE", "CSV file to validate" },
		{ "out", CLI_STR, &out, "FILE", "where to write the data report (mlci.data-report)" },
		{ "schema", CLI_STR, &schema, "FILE", "check the data against this schema (mlci.schema)" },
		{ "infer-schema", CLI_STR, &infer, "FILE", "write the schema inferred from the data here" },
		{ "label", CLI_STR, &label, "COL", "the label column (missing and unseen values are errors)" },
		{ "max-missing", CLI_DOUBLE, &max_missing, "RATE", "largest missing rate allowed in any column, 0..1" },
		{ "json", CLI_FLAG, &json, NULL, "print the report on stdout instead of the summary line" },
		{ "format", CLI_STR, &format, "F", "csv, jsonl or auto (by the file's name; the default)" },
		{ "shard", CLI_STR, &shard, "K/N", "read shard K of N and write a partial report" },
		{ "merge", CLI_FLAG, &merge, NULL, "merge the partial reports given as arguments" },
		{ "threads", CLI_LONG, &threads, "N", "threads reading the file (default: the online CPUs, at most 8)" },
		CSV_CLI_OPTIONS(&csv),
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-validate-data",
		"--data FILE --out data-report.json [--schema FILE | --infer-schema FILE] [options]\n"
		"       mlci-validate-data --merge PART... --out data-report.json [--infer-schema FILE]",
		"Compute per-column statistics of a CSV file, infer a schema or check\n"
		"it against one, and report anomalies with a pass/fail verdict.",
		opts, more, 1000000
	};

	rc = cli_parse(&spec, argc, argv, &parts, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, &parts);
		return 0;
	}
	if (rc < 0 || (!merge && cli_require("data", data, &err) < 0) ||
	    cli_require("out", out, &err) < 0 ||
	    csv_opts_from_cli(&vo.csv, &csv, &err) < 0 ||
	    stream_format_parse(format, &vo.format, &err) < 0)
		goto fail;
	if (parts.n && !merge) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"unexpected argument '%s' (partial reports go with --merge)",
			parts.v[0]);
		goto fail;
	}
	if (merge && !parts.n) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--merge needs the partial reports as arguments");
		goto fail;
	}
	if (!merge && !shard && getenv("CI_NODE_INDEX") && getenv("CI_NODE_TOTAL")) {
		static char ci[64];

		snprintf(ci, sizeof(ci), "%.30s/%.30s", getenv("CI_NODE_INDEX"),
			 getenv("CI_NODE_TOTAL"));
		shard = ci;
	}
	if (shard && strcmp(shard, "none") &&
	    shard_spec_parse(shard, &vo.shard, &vo.nshards, &err) < 0)
		goto fail;
	if (threads != -1 && (threads < 1 || threads > VALIDATE_MAX_THREADS)) {
		err_set(&err, MLCI_EXIT_USAGE, NULL, "--threads: expected 1 to %d",
			VALIDATE_MAX_THREADS);
		goto fail;
	}
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
		size_t i;

		if (check_output_paths(outs, 2, ins, 2, &err) < 0)
			goto fail;
		for (i = 0; i < parts.n; i++) {
			const struct path_role part = { "--merge", parts.v[i] };

			if (check_output_paths(outs, 2, &part, 1, &err) < 0)
				goto fail;
		}
	}
	vo.merge = parts.v;
	vo.nmerge = parts.n;
	vo.data = data;
	vo.out = out;
	vo.schema = schema;
	vo.infer_schema = infer;
	vo.label = label;
	vo.label_suffix = csv.label_suffix;
	vo.max_missing = max_missing;
	vo.threads = threads > 0 ? (unsigned)threads : 0;
	vo.producer = spec.prog;
	if (validate_run(&vo, &res, &err) < 0)
		goto fail;
	if (json) {
		char *text = artifact_dumps(res.report);

		if (text)
			fputs(text, stdout);
		free(text);
	} else if (res.partial) {
		printf("%s: %s: shard %u/%u: %zu rows, %zu columns: partial report "
		       "written (merge the shards for the verdict)\n", spec.prog,
		       data, vo.shard, vo.nshards, res.rows, res.cols);
	} else {
		char what[600];

		if (res.shards)
			snprintf(what, sizeof(what), "%zu merged shards", res.shards);
		else
			snprintf(what, sizeof(what), "%s", data);
		printf("%s: %s: %zu rows, %zu columns, %zu error%s, %zu warning%s: %s\n",
		       spec.prog, what, res.rows, res.cols, res.errors,
		       res.errors == 1 ? "" : "s", res.warnings,
		       res.warnings == 1 ? "" : "s", res.pass ? "pass" : "fail");
	}
	rc = res.pass ? MLCI_EXIT_OK : MLCI_EXIT_VERDICT;
	validate_result_free(&res);
	cli_release(&spec, &parts);
	return rc;
fail:
	rc = cli_report(spec.prog, &err);
	cli_release(&spec, &parts);
	return rc;
}
