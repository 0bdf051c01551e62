/*
 * mlci-validate-data: statistics, schema inference or checking, and
 * anomalies of one CSV file, written as a data report.
 *
 * mlci-validate-data --schema-diff OLD NEW compares two schemas.
 *
 * Exit: 0 no error-severity anomaly (or a shard's partial report
 * written; with --schema-diff, no breaking change); 1 at least one; 64
 * usage; 65 bad CSV, schema or partial report; 66 missing input; 73/74
 * cannot write an output.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "cli.h"
#include "io.h"
#include "refdrift.h"
#include "csv.h"
#include "schemadiff.h"
#include "leakcheck.h"
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
	"--shard K/N (default: $CI_NODE_INDEX/$CI_NODE_TOTAL when both are set,\n"
	"the total is not 1 and none of --against, --reference, --infer-schema,\n"
	"--html, --codequality, --junit is given; 'none' to read the whole file) reads\n"
	"the records that begin in the K-th of N byte ranges and writes a\n"
	"partial report, with no verdict (exit 0);\n"
	"--merge PART... --out REPORT combines the N partial reports into the\n"
	"report of the whole file (its verdict and exit code). The merge hashes\n"
	"the data file when it is at the shards' --data path (or --data), to\n"
	"record its sha256.\n"
	"\n"
	"--schema-diff OLD NEW compares two schemas and prints every change with\n"
	"its verdict; exit 1 when any is breaking, that is when data that passed\n"
	"OLD can fail NEW or NEW drops a column OLD promised: a column removed,\n"
	"renamed or added, a type narrowed (string -> number, number -> integer),\n"
	"a category removed, a range tightened, nullable -> required, a lower\n"
	"max_missing, a pattern added or changed, unique added, domain observed\n"
	"-> enforced, another label. The reverse changes are additive. --out\n"
	"writes the changes as an mlci.schema-diff artifact (optional here).\n"
	"\n"
	"--reference REPORT compares every column with the same column of a\n"
	"stored data report (of the training data; a --merge of shards will do):\n"
	"numeric columns by KS, Wasserstein (normalised by the reference's\n"
	"standard deviation) and PSI over the reference's deciles; categorical\n"
	"columns by chi-square, Jensen-Shannon distance and PSI (empty bins\n"
	"smoothed by +0.5). With at most 1000 values on a side a column drifts\n"
	"when its Benjamini-Hochberg q-value is <= --drift-alpha (0.05); with\n"
	"more on both sides, when normalised Wasserstein >= --drift-wasserstein\n"
	"(0.1), Jensen-Shannon >= --drift-js (0.1) or PSI >= --drift-psi (0.25,\n"
	"the 'significant shift' convention; 0.1 to 0.25 is 'moderate'). A\n"
	"drifted column is a warning (drift); more than --max-drift-share (0.5)\n"
	"of the compared columns drifting is an error (dataset_drift).\n"
	"--drift-threshold 'COL:psi=0.3,alpha=0.01,wasserstein=X,js=X,\n"
	"severity=error' (or 'COL:off'), repeatable, sets one column's. With\n"
	"--label: each class's share against the reference's (label_shift\n"
	"warning past --max-label-shift, 0.1), a chi-square test of the label\n"
	"counts, classes gone (label_class_missing, warning) and classes the\n"
	"reference never had (label_unseen_in_reference, error).\n"
	"\n"
	"--against OTHER (the other split, read with the same options, but\n"
	"--against-skip-rows) checks for leakage: rows of the data that also\n"
	"occur in OTHER (error; by row hash over the shared columns, exact up\n"
	"to 2,097,152 distinct rows of OTHER, 8 bytes each, then a hash\n"
	"sample), rows sharing every feature but not the label (warning),\n"
	"identifier columns, all values distinct, and whether their values\n"
	"occur in OTHER too (warning), and with --label columns each of whose\n"
	"values goes with one label over at least 20 rows, fewer distinct\n"
	"values than half the rows (perfect_predictor, error). The report's\n"
	"\"leakage\" has the figures and line numbers of examples, never values.\n"
	"\n"
	"--pii (default warn) tallies e-mail addresses, phone numbers, payment\n"
	"cards (Luhn), IBANs (mod 97), IP addresses and person names in every\n"
	"column; a column where half the values (names: 80% unless the column\n"
	"is called like a name) are of one type is flagged: anomaly 'pii', an\n"
	"error with --pii fail. A flagged column's values are masked (letters\n"
	"x, digits 9) or left out in the report, the inferred schema and every\n"
	"output. --html, --codequality (GitLab Code Quality) and --junit render\n"
	"the report; all outputs are written together, or none.\n";

/* --schema-diff OLD NEW: the table and summary, or the artifact (--json). */
static int schema_diff_main(const char *prog, const struct cli_list *pos,
			    const char *out, int json)
{
	struct mlci_err err = { 0 };
	struct schema_diff_opts o = { 0 };
	struct schema_diff_result res = { 0 };
	struct buf text;
	int rc;

	if (pos->n < 2)
		err_set(&err, MLCI_EXIT_USAGE, NULL, "--schema-diff needs OLD and "
			"NEW: %s --schema-diff OLD NEW (see --help)", prog);
	else if (pos->n > 2)
		err_set(&err, MLCI_EXIT_USAGE, NULL, "unexpected argument '%s' "
			"(--schema-diff takes OLD and NEW)", pos->v[2]);
	o.old_path = err.code ? NULL : pos->v[0];
	o.new_path = err.code ? NULL : pos->v[1];
	o.out = out;
	o.producer = prog;
	if (err.code || schema_diff_run(&o, &res, &err) < 0)
		return cli_report(prog, &err);
	buf_init(&text);
	if (schema_diff_output(&o, &res, json, &text) < 0) {
		err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		rc = cli_report(prog, &err);
	} else {
		fputs(text.data, stdout);
		rc = res.diff.breaking ? MLCI_EXIT_VERDICT : MLCI_EXIT_OK;
	}
	buf_release(&text);
	schema_diff_result_free(&res);
	return cli_finish_stdout(prog, rc);
}

/* --threads not given (any count a user gives is checked) */
#define THREADS_UNSET LONG_MIN

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct validate_opts vo = {0};
	struct validate_result res = {0};
	struct csv_cli csv = {0};
	struct buf text;
	const char *data = NULL, *out = NULL, *schema = NULL, *infer = NULL;
	const char *label = NULL, *format = NULL, *shard = NULL;
	const char *ci_index, *ci_total;
	double max_missing = -1;
	long threads = THREADS_UNSET;
	int json = 0, merge = 0, sdiff = 0, rc;
	struct cli_list parts = { 0 };
	/* drift against a reference report */
	struct refdrift_opts drift;
	struct cli_list drift_thr = { 0 };
	const char *drift_sev = NULL;
	/* leakage, personal data and report outputs */
	const char *against = NULL, *pii = NULL, *html = NULL, *cq = NULL,
		   *junit = NULL;
	long against_skip = -1;
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
		{ "schema-diff", CLI_FLAG, &sdiff, NULL, "compare the schemas OLD NEW given as arguments" },
		/* drift against a reference report */
		{ "reference", CLI_STR, &drift.reference, "REPORT", "compare with this data report (of the training data) for drift" },
		{ "drift-alpha", CLI_DOUBLE, &drift.alpha, "Q", "false discovery rate for the drift tests' q-values (0.05)" },
		{ "drift-psi", CLI_DOUBLE, &drift.psi, "X", "PSI at or above which a large column drifted (0.25)" },
		{ "drift-wasserstein", CLI_DOUBLE, &drift.wasserstein, "X", "normalised Wasserstein at or above which a large numeric column drifted (0.1)" },
		{ "drift-js", CLI_DOUBLE, &drift.js, "X", "Jensen-Shannon distance at or above which a large categorical column drifted (0.1)" },
		{ "max-drift-share", CLI_DOUBLE, &drift.max_share, "S", "largest share of drifted columns before dataset_drift, an error (0.5)" },
		{ "max-label-shift", CLI_DOUBLE, &drift.max_label_shift, "D", "largest change of a class's share before label_shift (0.1)" },
		{ "drift-severity", CLI_STR, &drift_sev, "SEV", "severity of a drifted column: error, warning (default) or info" },
		{ "drift-threshold", CLI_LIST, &drift_thr, "COL:K=V,...", "one column's alpha, psi, wasserstein, js, severity, or COL:off" },
		/* leakage, personal data and report outputs (leakcheck.h) */
		{ "against", CLI_STR, &against, "FILE", "check for leakage against this file (the other split)" },
		{ "against-skip-rows", CLI_LONG, &against_skip, "N", "--skip-rows for the --against file (default: the data's)" },
		{ "pii", CLI_STR, &pii, "MODE", "personal data in columns: fail, warn (the default) or off" },
		{ "html", CLI_STR, &html, "FILE", "also write an HTML profile of the report" },
		{ "codequality", CLI_STR, &cq, "FILE", "also write the anomalies as a GitLab Code Quality report" },
		{ "junit", CLI_STR, &junit, "FILE", "also write the checks as JUnit XML" },
		{ "threads", CLI_LONG, &threads, "N", "threads reading the file (default 0: the online CPUs, at most 8; above 64 counts as 64)" },
		CSV_CLI_OPTIONS(&csv),
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-validate-data",
		"--data FILE --out data-report.json [--schema FILE | --infer-schema FILE] [options]\n"
		"       mlci-validate-data --merge PART... --out data-report.json [--infer-schema FILE]\n"
		"       mlci-validate-data --schema-diff OLD NEW [--out schema-diff.json] [--json]",
		"Compute per-column statistics of a CSV file, infer a schema or check\n"
		"it against one, and report anomalies with a pass/fail verdict.",
		opts, more, 1000000
	};

	refdrift_opts_init(&drift);
	buf_init(&text);
	rc = cli_parse(&spec, argc, argv, &parts, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, &parts);
		return 0;
	}
	if (rc == 0 && sdiff) {
		if (merge || data || schema || infer)
			err_set(&err, MLCI_EXIT_USAGE, NULL, "--schema-diff compares "
				"two schemas: it takes no --data, --schema, "
				"--infer-schema or --merge");
		else
			rc = schema_diff_main(spec.prog, &parts, out, json);
		if (err.code)
			rc = cli_report(spec.prog, &err);
		cli_release(&spec, &parts);
		return rc;
	}
	if (rc == 0 && refdrift_opts_finish(&drift, drift_sev,
					    (const char *const *)drift_thr.v,
					    drift_thr.n, &err) < 0)
		goto fail;
	if (drift.reference)
		vo.drift = &drift;
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
	/* a parallel CI job's node is its shard, unless it is the only
	 * node or the run asks for what needs every row (a matrix job sets
	 * the same variables) */
	ci_index = getenv("CI_NODE_INDEX");
	ci_total = getenv("CI_NODE_TOTAL");
	if (!merge && !shard && ci_index && *ci_index && ci_total && *ci_total &&
	    strcmp(ci_total, "1") && !against && !infer && !html && !cq &&
	    !junit && !drift.reference) {
		static char ci[64];

		snprintf(ci, sizeof(ci), "%.30s/%.30s", ci_index, ci_total);
		shard = ci;
		vo.shard_from_ci = 1;
	}
	if (shard && strcmp(shard, "none") &&
	    (shard_spec_parse(shard, &vo.shard, &vo.nshards, &err) < 0 ||
	     (vo.shard_from_ci && (vo.shard < 1 || vo.shard > vo.nshards)))) {
		if (vo.shard_from_ci)	/* not an option the user gave */
			err_set(&err, MLCI_EXIT_USAGE, NULL,
				"CI_NODE_INDEX=%.30s, CI_NODE_TOTAL=%.30s: not a shard "
				"(1 <= index <= total); --shard none reads the whole file",
				ci_index, ci_total);
		goto fail;
	}
	if (threads != THREADS_UNSET && (threads < 0 || threads > 1024)) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--threads %ld: expected 0 (online CPUs) to 1024", threads);
		goto fail;
	}
	if (threads > VALIDATE_MAX_THREADS)
		threads = VALIDATE_MAX_THREADS;	/* no more blocks at once */
	if (max_missing != -1 && (max_missing < 0 || max_missing > 1)) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--max-missing: expected a rate between 0 and 1");
		goto fail;
	}
	if (lc_opts_set(&vo, pii, against, against_skip, &err) < 0)
		goto fail;
	{
		const struct path_role outs[] = {
			{ "--out", out }, { "--infer-schema", infer },
			{ "--html", html }, { "--codequality", cq },
			{ "--junit", junit },
		};
		const struct path_role ins[] = {
			{ "--data", data }, { "--schema", schema },
			{ "--against", against }, { "--reference", drift.reference },
		};
		size_t i;

		if (check_output_paths(outs, 5, ins, 4, &err) < 0)
			goto fail;
		for (i = 0; i < parts.n; i++) {
			const struct path_role part = { "--merge", parts.v[i] };

			if (check_output_paths(outs, 5, &part, 1, &err) < 0)
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
	vo.html = html;
	vo.codequality = cq;
	vo.junit = junit;
	if (validate_run(&vo, &res, &err) < 0)
		goto fail;
	if (validate_summary(&vo, &res, json, &text) < 0) {
		err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto fail;
	}
	fputs(text.data, stdout);
	buf_release(&text);
	rc = res.pass ? MLCI_EXIT_OK : MLCI_EXIT_VERDICT;
	validate_result_free(&res);
	refdrift_opts_free(&drift);
	cli_release(&spec, &parts);
	return cli_finish_stdout(spec.prog, rc);
fail:
	rc = cli_report(spec.prog, &err);
	buf_release(&text);
	refdrift_opts_free(&drift);
	cli_release(&spec, &parts);
	return rc;
}
