/*
 * mlci-monitor: live data (a served model's requests and predictions)
 * against the training data's report, pushed to a Prometheus Pushgateway
 * and tracked over time.
 *
 * Exit: 0 no alarm; 1 an alarm (monitor.json's "alarms"); 64 usage; 65
 * bad CSV (file:line), report or history line; 66 a missing input; 73/74
 * cannot write monitor.json or append to the history; 75 the push failed
 * after its retries (monitor.json and the history line are written all
 * the same, the verdict in monitor.json).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io.h"
#include "monitor.h"
#include "pushgw.h"

static const char more[] =
	"The live CSV is the model's feature columns then a 'prediction' column,\n"
	"one row per predicted row (what mlci-serve --log-requests writes). Its\n"
	"columns are compared with the reference data report (mlci-validate-data\n"
	"--out on the training data) exactly as mlci-validate-data --reference\n"
	"does: numeric columns by KS, Wasserstein (normalised by the reference's\n"
	"standard deviation) and PSI; categorical ones by chi-square,\n"
	"Jensen-Shannon distance and PSI; Benjamini-Hochberg q-values at\n"
	"--drift-alpha with at most 1000 values on a side, effect sizes\n"
	"(--drift-wasserstein, --drift-js, --drift-psi) beyond; more than\n"
	"--max-drift-share of the columns drifting is dataset_drift.\n"
	"\n"
	"The predictions are compared with the reference's label column, or with\n"
	"the 'prediction' column of --reference-predictions (mlci-evaluate\n"
	"--predictions on held-out data): chi-square, JS and PSI for classes\n"
	"(judged by JS/PSI past 1000 values on both sides, else by the p-value at\n"
	"--drift-alpha), each class's share against --max-label-shift.\n"
	"\n"
	"--history FILE (JSON Lines, one line appended per run) tracks the drift\n"
	"share, each feature's PSI and effect size and the predictions' PSI and\n"
	"effect size: once a figure has --min-history (10) earlier values, its\n"
	"value is flagged when its robust z-score over the last 50 values\n"
	"(0.6745 (x - median) / MAD) passes --z (3.5), or when its EWMA\n"
	"(--ewma-lambda 0.2) over those values and x leaves the window's mean by\n"
	"more than the control limit (--ewma-l 3 sigma, sigma the average moving\n"
	"range / 1.128): a jump and a slow slide are both caught. A flagged\n"
	"figure is a history_anomaly, an alarm.\n"
	"\n"
	"--pushgateway URL PUTs the figures (gauges mlci_monitor_*) to\n"
	"URL/metrics/job/JOB{/NAME/VALUE} (--job, default mlci-monitor; --label\n"
	"NAME=VALUE, repeatable, adds grouping labels; a value with '/' goes in\n"
	"the @base64 form). Three tries (0.5 s, 1 s apart); a push that fails\n"
	"is exit 75, but monitor.json (with \"push\".\"error\") and the history\n"
	"line are written all the same. --print-metrics writes the text that\n"
	"would be pushed to stdout instead of the summary line.\n"
	"\n"
	"Alarms (exit 1): dataset_drift, prediction_drift,\n"
	"prediction_unseen_in_reference, history_anomaly and any drift at\n"
	"--drift-severity error. Exit 64 usage, 65 bad CSV (file:line), report\n"
	"or history line, 66 missing input, 73/74 cannot write, 75 push failed.\n";

int main(int argc, char **argv)
{
	struct mlci_err err = { 0 };
	struct monitor_opts mo;
	struct monitor_result res;
	struct refdrift_opts drift;
	struct cli_list drift_thr = { 0 }, labels = { 0 };
	const char *drift_sev = NULL, *reference = NULL;
	struct prom_label *pl = NULL;
	char **dups = NULL;
	long threads = LONG_MIN;	/* not given */
	int print_metrics = 0, rc;
	size_t i;
	struct buf text;
	const struct cli_opt opts[] = {
		{ "reference", CLI_STR, &reference, "REPORT", "the training data's report (mlci-validate-data --out)" },
		{ "live", CLI_STR, &mo.live, "FILE", "live data: feature columns and a prediction column (CSV)" },
		{ "out", CLI_STR, &mo.out, "FILE", "where to write monitor.json (mlci.monitor)" },
		{ "reference-predictions", CLI_STR, &mo.reference_predictions, "FILE", "compare the predictions with this predictions.csv (mlci-evaluate --predictions) instead of the reference's label" },
		{ "history", CLI_STR, &mo.history, "FILE", "JSON Lines history: judge the figures over time, append this run" },
		{ "z", CLI_DOUBLE, &mo.z, "Z", "robust z-score beyond which a figure is anomalous (3.5)" },
		{ "ewma-lambda", CLI_DOUBLE, &mo.ewma_lambda, "W", "EWMA weight of the newest value (0.2)" },
		{ "ewma-l", CLI_DOUBLE, &mo.ewma_l, "L", "EWMA control limits, in standard deviations (3)" },
		{ "min-history", CLI_LONG, &mo.min_history, "N", "earlier values a figure needs before it is judged (10)" },
		{ "pushgateway", CLI_STR, &mo.push.url, "URL", "push the figures to this Prometheus Pushgateway" },
		{ "job", CLI_STR, &mo.push.job, "NAME", "the Pushgateway job (mlci-monitor)" },
		{ "label", CLI_LIST, &labels, "NAME=VALUE", "a grouping label for the push (repeatable; from the environment only as MLCI_MONITOR_LABEL)" },
		{ "print-metrics", CLI_FLAG, &print_metrics, NULL, "print the metrics text (Prometheus exposition) instead of the summary" },
		{ "drift-alpha", CLI_DOUBLE, &drift.alpha, "Q", "false discovery rate for the drift tests' q-values (0.05)" },
		{ "drift-psi", CLI_DOUBLE, &drift.psi, "X", "PSI at or above which a large column drifted (0.25)" },
		{ "drift-wasserstein", CLI_DOUBLE, &drift.wasserstein, "X", "normalised Wasserstein at or above which a large numeric column drifted (0.1)" },
		{ "drift-js", CLI_DOUBLE, &drift.js, "X", "Jensen-Shannon distance at or above which a large categorical column drifted (0.1)" },
		{ "max-drift-share", CLI_DOUBLE, &drift.max_share, "S", "largest share of drifted columns before dataset_drift, an alarm (0.5)" },
		{ "max-label-shift", CLI_DOUBLE, &drift.max_label_shift, "D", "largest change of a predicted class's share before prediction_shift (0.1)" },
		{ "drift-severity", CLI_STR, &drift_sev, "SEV", "severity of a drifted column: error (an alarm), warning (default) or info" },
		{ "drift-threshold", CLI_LIST, &drift_thr, "COL:K=V,...", "one column's alpha, psi, wasserstein, js, severity, or COL:off" },
		{ "threads", CLI_LONG, &threads, "N", "threads reading the live file (default 0: the online CPUs, at most 8; above 64 counts as 64)" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-monitor",
		"--reference REPORT --live FILE.csv --out monitor.json [options]",
		"Compare live data and its predictions with the training data's report\n"
		"for drift, track the figures over time, and push them to a Prometheus\n"
		"Pushgateway.",
		opts, more, 0
	};

	/* MLCI_LABEL is the label column to the other steps: never a
	 * grouping label here (MLCI_MONITOR_LABEL still is) */
	unsetenv("MLCI_LABEL");
	monitor_opts_init(&mo);
	refdrift_opts_init(&drift);
	buf_init(&text);
	memset(&res, 0, sizeof(res));
	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
	}
	if (rc < 0 || cli_require("reference", reference, &err) < 0 ||
	    cli_require("live", mo.live, &err) < 0 ||
	    cli_require("out", mo.out, &err) < 0)
		goto fail;
	drift.reference = reference;
	if (refdrift_opts_finish(&drift, drift_sev, (const char *const *)drift_thr.v,
				 drift_thr.n, &err) < 0)
		goto fail;
	if (threads != LONG_MIN && (threads < 0 || threads > 1024)) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--threads %ld: expected 0 (online CPUs) to 1024", threads);
		goto fail;
	}
	if (threads > 64)
		threads = 64;	/* as mlci-validate-data: no more blocks at once */
	mo.threads = threads > 0 ? (unsigned)threads : 0;
	if (labels.n && !mo.push.url) {
		err_set(&err, MLCI_EXIT_USAGE, NULL, "--label needs --pushgateway");
		goto fail;
	}
	pl = calloc(labels.n + 1, sizeof(*pl));
	dups = calloc(labels.n + 1, sizeof(*dups));
	if (!pl || !dups) {
		err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto fail;
	}
	for (i = 0; i < labels.n; i++) {
		size_t k;

		if (pushgw_parse_label(labels.v[i], monitor_metric_labels, &dups[i],
				       &pl[i], &err) < 0)
			goto fail;
		for (k = 0; k < i; k++)
			if (!strcmp(pl[k].name, pl[i].name)) {
				err_set(&err, MLCI_EXIT_USAGE, NULL,
					"--label '%s' given twice", pl[i].name);
				goto fail;
			}
	}
	mo.push.labels = pl;
	mo.push.nlabels = labels.n;
	mo.drift = &drift;
	mo.producer = spec.prog;
	{
		const struct path_role outs[] = { { "--out", mo.out },
						  { "--history", mo.history } };
		const struct path_role ins[] = {
			{ "--reference", reference }, { "--live", mo.live },
			{ "--reference-predictions", mo.reference_predictions },
		};

		if (check_output_paths(outs, 2, ins, 3, &err) < 0)
			goto fail;
	}
	if (monitor_run(&mo, &res, &err) < 0)
		goto fail;
	if (print_metrics) {
		if (monitor_metrics(res.report, res.epoch, &text) < 0) {
			err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto fail;
		}
	} else if (monitor_summary(&mo, &res, &text) < 0) {
		err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto fail;
	}
	fputs(text.data, stdout);
	if (res.push_failed)
		rc = cli_report(spec.prog, &res.push_err);
	else
		rc = res.alarm ? MLCI_EXIT_VERDICT : MLCI_EXIT_OK;
	rc = cli_finish_stdout(spec.prog, rc);
	goto done;
fail:
	rc = cli_report(spec.prog, &err);
done:
	monitor_result_free(&res);
	buf_release(&text);
	for (i = 0; dups && i < labels.n; i++)
		free(dups[i]);
	free(dups);
	free(pl);
	refdrift_opts_free(&drift);
	cli_release(&spec, NULL);
	return rc;
}
