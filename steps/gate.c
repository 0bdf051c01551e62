/*
 * mlci-gate: evaluate gate rules over an mlci.metrics artifact and write
 * gate.json plus optional JUnit, Markdown, OpenMetrics and dotenv reports.
 * Exit 0 when every rule passes, 1 when one fails, 3 when none fails and
 * a rule is inconclusive (a paired rule without evidence either way, a
 * rule over a small slice; --inconclusive maps that to 0 or 1).
 */
#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "cli.h"
#include "gate.h"
#include "gitlab.h"

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
	"inconclusive: paired, over a small slice, or without a baseline);\n"
	"--inconclusive pass|fail turns 3 into 0 or 1.\n"
	"\n"
	"GitLab: --baseline gitlab downloads the baseline metrics.json (and, for\n"
	"paired rules, the predictions it records, from beside it) from the latest\n"
	"successful pipeline of --baseline-branch (default: the merge request's\n"
	"target branch, CI_MERGE_REQUEST_TARGET_BRANCH_NAME, else CI_DEFAULT_BRANCH),\n"
	"job --baseline-job (mlci-evaluate), path --baseline-artifact\n"
	"(mlci-out/metrics.json), into --baseline-dir (baseline/ beside --out).\n"
	"API: CI_API_V4_URL (or CI_SERVER_URL), CI_PROJECT_ID; token: CI_JOB_TOKEN\n"
	"(JOB-TOKEN header), else MLCI_GITLAB_TOKEN (PRIVATE-TOKEN). Not found\n"
	"(404) is no baseline, as below for git: rules over `baseline` are\n"
	"inconclusive. A refused token (401/403) exits 66; the server failing\n"
	"(5xx) or unreachable is tried 3 times, then exit 75.\n"
	"--mr-note auto (default) posts the Markdown report as one note on the\n"
	"merge request (CI_MERGE_REQUEST_IID) when MLCI_GITLAB_TOKEN holds an\n"
	"access token (a job token cannot post notes), and edits that note on later\n"
	"runs (found by a hidden marker with --mr-note-key, default CI_JOB_NAME).\n"
	"A note that cannot be posted is a warning; with --mr-note required it is\n"
	"an error with its own exit code. --mr-note off never posts.\n"
	"\n"
	"Baselines from git (read with libgit2, no checkout):\n"
	"  --baseline git:REF:PATH  the metrics.json committed at PATH in REF\n"
	"                           (a branch, tag or commit: git:origin/main:metrics.json);\n"
	"                           paired rules read the predictions file it records\n"
	"                           from the same directory of the same tree\n"
	"  --baseline git:REF       the note on REF's commit in refs/notes/mlci\n"
	"                           (metrics and predictions, written by --record)\n"
	"A REF, or refs/notes/mlci, missing here (a shallow clone) is fetched from\n"
	"--baseline-remote (origin); a REF the remote lacks is 66, a remote that\n"
	"cannot be reached after 3 tries 75. Nothing recorded there (no note, no\n"
	"file at PATH, no notes ref): every rule over `baseline` is inconclusive\n"
	"with the reason \"no baseline\" (exit 3; --inconclusive pass for a first\n"
	"run). A rule over `baseline` whose metric is new in the candidate is\n"
	"inconclusive; one whose metric the candidate lost fails. A relative rule\n"
	"over a zero baseline (rmse <= baseline * 1.05) has threshold 0.\n"
	"\n"
	"  mlci-gate --record --metrics metrics.json [--predictions FILE] [--record-ref REF]\n"
	"writes the metrics (and the predictions they record, gzip+base64) as the\n"
	"note of HEAD (or REF) in refs/notes/mlci, replacing an older note of that\n"
	"commit; the working tree and index are not touched. Push it with\n"
	"`git push origin refs/notes/mlci`. With --out and rules it gates first.\n"
	"\n"
	"--history N reads the last N notes along the first-parent history of\n"
	"--history-ref (default the git baseline's REF) and gives each metric a\n"
	"noise band: band.low and band.high (the smallest and largest recorded\n"
	"value), band.mean, band.sd (sample standard deviation) and band.n, usable\n"
	"in rules (accuracy >= band.low, rmse <= band.high * 1.02). Fewer than 2\n"
	"recorded values: a rule over the band is inconclusive (exit 3).\n";

/* The merge-request note: 0 done or skipped, else the exit code to end with. */
static int mr_note(const char *prog, const char *mode, const struct gitlab *gl,
		   const char *key, const struct report *rep)
{
	struct mlci_err err = { 0 };
	struct gitlab_note note;
	struct buf md;
	int rc = 0;

	if (!strcmp(mode, "off") || (!strcmp(mode, "auto") && !gitlab_note_possible(gl)))
		return 0;
	buf_init(&md);
	if (report_markdown(&md, rep) < 0)
		rc = err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	else
		rc = gitlab_note_upsert(gl, key ? key : gl->job_name ? gl->job_name : "mlci-gate",
					md.data, &note, &err);
	buf_release(&md);
	if (rc == 0) {
		fprintf(stderr, "%s: merge request note %s (note %ld)\n", prog,
			note.created ? "posted" : "updated", note.id);
		return 0;
	}
	if (!strcmp(mode, "required"))
		return cli_report(prog, &err);
	{
		char msg[1200];

		err_format(&err, msg, sizeof(msg));
		cli_warn(prog, "merge request note not posted: %s", msg);
	}
	return 0;
}

/* --record: the note, and a line saying what happened. */
static int do_record(const char *prog, const struct gate_opts *o, const char *ref,
		     struct mlci_err *err)
{
	struct baseline_record_opts ro = { o->metrics, o->predictions, ref, o->baseline_remote };
	struct baseline_record_result rr;

	if (baseline_record(&ro, &rr, err) < 0)
		return cli_report(prog, err);
	printf("%s: %s %s%s as the note of %.12s in %s (%zu bytes)\n", prog,
	       rr.unchanged ? "kept" : rr.replaced ? "replaced with" : "recorded",
	       o->metrics, rr.with_predictions ? " and its predictions" : "", rr.commit,
	       BASELINE_NOTES_REF, rr.bytes);
	return fflush(stdout) != 0 ? MLCI_EXIT_IOERR : 0;
}

int main(int argc, char **argv)
{
	struct mlci_err err = { 0 };
	struct gate_opts o = { 0 };
	struct gate_result res = { 0 };
	struct cli_list rules = { 0 };
	struct gitlab gl = { 0 };
	struct gitlab_baseline gb = { 0 };
	const char *note_mode = "auto", *note_key = NULL;
	double timeout = 0;
	struct buf line;
	int json = 0, record = 0, rc, nrc;
	const char *record_ref = NULL;
	const struct cli_opt opts[] = {
		{ "metrics", CLI_STR, &o.metrics, "FILE", "mlci.metrics artifact to gate (metrics.json)" },
		{ "rule", CLI_LIST, &rules, "EXPR", "a rule, e.g. 'accuracy >= 0.9' (repeatable)" },
		{ "rules", CLI_STR, &o.rules_file, "FILE", "rules file, one rule per line" },
		{ "baseline", CLI_STR, &o.baseline, "FILE", "baseline metrics.json for rules over `baseline`, or 'gitlab'" },
		{ "baseline-branch", CLI_STR, &gb.ref, "REF", "--baseline gitlab: the branch (default: the MR's target)" },
		{ "baseline-job", CLI_STR, &gb.job, "NAME", "--baseline gitlab: the job that wrote it (default mlci-evaluate)" },
		{ "baseline-artifact", CLI_STR, &gb.artifact, "PATH", "--baseline gitlab: its path (default mlci-out/metrics.json)" },
		{ "baseline-dir", CLI_STR, &gb.dir, "DIR", "--baseline gitlab: save it here (default baseline/ beside --out)" },
		{ "mr-note", CLI_STR, &note_mode, "MODE", "merge request note: auto (default), off or required" },
		{ "mr-note-key", CLI_STR, &note_key, "KEY", "which sticky note to edit (default CI_JOB_NAME)" },
		{ "http-timeout", CLI_DOUBLE, &timeout, "S", "seconds per GitLab request (default 30)" },
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
		{ "baseline-remote", CLI_STR, &o.baseline_remote, "NAME", "remote to fetch a git baseline from (default origin)" },
		{ "history", CLI_LONG, &o.history, "N", "noise bands from the last N notes along the history ref" },
		{ "history-ref", CLI_STR, &o.history_ref, "REF", "ref whose first-parent history --history reads (default the git baseline's REF)" },
		{ "record", CLI_FLAG, &record, NULL, "write the metrics (and predictions) as a note in refs/notes/mlci" },
		{ "record-ref", CLI_STR, &record_ref, "REF", "the commit --record annotates (default HEAD)" },
		{ "json", CLI_FLAG, &json, NULL, "print gate.json on stdout instead of the summary" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-gate",
		"--metrics FILE (--rule EXPR ... | --rules FILE) [--baseline FILE|git:REF[:PATH]] --out FILE [options]\n"
		"       mlci-gate --record --metrics FILE [--predictions FILE] [--record-ref REF]",
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
	    (!(record && !o.out) && cli_require("out", o.out, &err) < 0)) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	o.producer = spec.prog;
	o.rules = rules.v;
	o.nrules = rules.n;
	if (record && !o.out) {
		rc = do_record(spec.prog, &o, record_ref, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	if (strcmp(note_mode, "auto") && strcmp(note_mode, "off") &&
	    strcmp(note_mode, "required"))
		err_set(&err, MLCI_EXIT_USAGE, NULL, "--mr-note is auto, off or required");
	else if (!(timeout >= 0 && timeout <= 3600))
		err_set(&err, MLCI_EXIT_USAGE, NULL, "--http-timeout is 0 to 3600 seconds");
	else if (gitlab_from_env(&gl, &err) == 0 && !strcmp(note_mode, "required") &&
		 !gitlab_note_possible(&gl))
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--mr-note required: a merge request note needs CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID and an access token in " GITLAB_TOKEN_VAR);
	if (timeout > 0)	/* at least 1 ms: 0 would mean no timeout to libcurl */
		gl.timeout_ms = timeout < 0.001 ? 1 : (long)(timeout * 1000 + 0.5);
	gb.gl = &gl;
	o.gitlab = &gb;
	if (err.code || gate_run(&o, &res, &err) < 0) {
		rc = cli_report(spec.prog, &err);
		gitlab_free(&gl);
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
	fflush(stdout);
	nrc = mr_note(spec.prog, note_mode, &gl, note_key, &res.rep);
	if (nrc)
		rc = nrc;
	if (record) {
		int r2 = do_record(spec.prog, &o, record_ref, &err);

		if (r2 != 0)
			rc = r2;
	}
	buf_release(&line);
	gate_result_free(&res);
	gitlab_free(&gl);
	cli_release(&spec, NULL);
	return cli_finish_stdout(spec.prog, rc);
}
