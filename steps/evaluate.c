/*
 * mlci-evaluate: score a trained model (model.json) on a CSV and write
 * metrics.json, optionally predictions.csv; print scikit-learn's
 * classification report (or the regression metrics) and a summary line.
 *
 * Exit codes: 0 done; 64 usage; 65 malformed input (a model.json of the
 * wrong kind or version, bad CSV, the label column missing, a non-number
 * in a numeric feature or a regression label, no labelled row, no known
 * class, a missing or repeated key, a bad score); 66 an input is missing; 73 an output cannot be created; 74 I/O
 * error. On any error neither output is left behind.
 */
#include <stdio.h>
#include <stdlib.h>

#include "artifact.h"
#include "cli.h"
#include "csv.h"
#include "evaluate.h"
#include "slices.h"
#include "util.h"

static const char more[] =
	"Classification metrics: accuracy, balanced_accuracy, precision_, recall_\n"
	"and f1_ + micro/macro/weighted, mcc, cohen_kappa, and from the scores\n"
	"log_loss, brier_score, ece (top-label, 10 equal-width bins), roc_auc and\n"
	"average_precision (binary) or roc_auc_ovr_macro, roc_auc_ovr_weighted and\n"
	"average_precision_macro (multiclass); per class and a confusion matrix.\n"
	"Regression: mse, rmse, mae, r2, mape, median_absolute_error,\n"
	"explained_variance, max_error. All are defined as in scikit-learn, edge\n"
	"cases included (zero division gives 0 and a warning; an undefined metric,\n"
	"such as roc_auc with one class present, is null with a warning).\n"
	"Rows whose label is missing are skipped and counted (n_skipped). A label\n"
	"value the model never saw is scored as a class of its own (with a\n"
	"warning); when no label value is a class of the model, it is an error.\n"
	"\n"
	"--scored FILE scores predictions made elsewhere: --label-column and\n"
	"--prediction-column name the true and predicted values; --score-columns\n"
	"P1,...,Pk one score column per class, classes sorted (numerically when all\n"
	"are numbers), or for two classes one column, the second class's score;\n"
	"--task regression for numeric predictions.\n"
	"\n"
	"predictions.csv: key (--key-column's value, or the 0-based data row),\n"
	"label, prediction, proba_<class> per class with scores; metrics.json\n"
	"records its sha256. mlci-gate compares two of them row by row.\n"
	"--bootstrap N --seed S: percentile intervals at --confidence (0.95) for\n"
	"every metric, from N resamples of the rows; the same seed gives the same\n"
	"intervals.\n"
	"\n"
	"--slice-by COL[,COL] computes every metric again on each slice: each\n"
	"combination of the columns' values among the scored rows (read from\n"
	"--data, or the --scored file; not necessarily model features). Missing\n"
	"values form a slice of their own (null in metrics.json). A slice with\n"
	"fewer than --min-slice-size rows (30) is listed with its size only, and\n"
	"a gate rule over it is inconclusive. Repeat --slice-by for several\n"
	"slicings (--slice-by sex --slice-by sex,race). With --bootstrap, each\n"
	"slice's metrics get intervals too.\n"
	"\n"
	"--operational adds an 'operational' section (not metrics): model_bytes,\n"
	"latency_p50_ms and latency_p95_ms per row, batch_latency_p50_ms and\n"
	"batch_latency_p95_ms, rows_per_second, peak_rss_mb. The rows are predicted\n"
	"again in batches of --latency-batch rows (preprocessing included), each\n"
	"batch timed; a row's latency is its batch's time over its rows; p50 and\n"
	"p95 are over the batches. Timings vary from run to run: metrics.json is\n"
	"then not byte-reproducible. mlci-gate bounds them with rules such as\n"
	"'operational.latency_p95_ms <= 5'.\n"
	"\n"
	"--html FILE writes one self-contained page (inline SVG, no script): the\n"
	"metrics (with intervals), ROC and precision-recall curves and a\n"
	"reliability diagram (one-vs-rest per class for multiclass), the confusion\n"
	"matrix as a heat map, or for regression predicted against actual values\n"
	"(every k-th row, at most 2000) and a residual histogram; the slice table.\n"
	"The plotted points are embedded as JSON (script id mlci-curves).\n";

static void print_warnings(const char *prog, const json_t *art)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(art, "warnings"), i, v)
		cli_warn(prog, "%s", json_string_value(v));
}

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct evaluate_opts o = {0};
	struct evaluate_result r = {0};
	struct csv_cli csv = {0};
	struct cli_list slice_by = {0};
	int as_json = 0, rc;
	const struct cli_opt opts[] = {
		{ "model", CLI_STR, &o.model, "FILE", "model.json written by mlci-train" },
		{ "data", CLI_STR, &o.data, "FILE", "CSV to evaluate on (holds the label column)" },
		{ "out", CLI_STR, &o.out, "FILE", "where to write metrics.json" },
		{ "predictions", CLI_STR, &o.predictions, "FILE",
		  "also write per-row predictions (CSV)" },
		{ "scored", CLI_STR, &o.scored, "FILE", "CSV of predictions made elsewhere (instead of --model/--data)" },
		{ "label-column", CLI_STR, &o.label_column, "COL", "with --scored: the true values" },
		{ "prediction-column", CLI_STR, &o.prediction_column, "COL", "with --scored: the predicted values" },
		{ "score-columns", CLI_STR, &o.score_columns, "P1,P2,...", "with --scored: score columns, one per class (sorted)" },
		{ "task", CLI_STR, &o.task, "KIND", "with --scored: classification (default) or regression" },
		{ "key-column", CLI_STR, &o.key_column, "COL", "row keys for predictions.csv (default: the row number)" },
		{ "bootstrap", CLI_LONG, &o.bootstrap, "N", "percentile intervals from N resamples (default 0: none)" },
		{ "seed", CLI_LONG, &o.seed, "S", "seed of the resampling (default 0)" },
		{ "confidence", CLI_DOUBLE, &o.confidence, "LEVEL", "interval level (default 0.95)" },
		{ "slice-by", CLI_LIST, &slice_by, "COL[,COL]", "also every metric per slice of these columns (repeatable)" },
		{ "min-slice-size", CLI_LONG, &o.min_slice_size, "N", "slices with fewer rows get no metrics (default 30)" },
		{ "html", CLI_STR, &o.html, "FILE", "also write a self-contained HTML report (curves, confusion matrix, slices)" },
		{ "operational", CLI_FLAG, &o.operational, NULL, "also measure model size, prediction latency and peak memory" },
		{ "latency-batch", CLI_LONG, &o.latency_batch, "N", "rows per timed batch for --operational (default 100)" },
		{ "json", CLI_FLAG, &as_json, NULL, "print metrics.json on stdout instead of the report" },
		CSV_CLI_OPTIONS(&csv),
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-evaluate",
		"(--model model.json --data FILE | --scored FILE --label-column Y --prediction-column YHAT)\n"
		"       --out metrics.json [--predictions FILE] [--bootstrap N --seed S] [options]",
		"Predict every row of FILE with the model, compare with its label column\n"
		"and write the metrics as an mlci.metrics artifact for mlci-gate.",
		opts, more, 0
	};

	o.confidence = 0.95;
	o.min_slice_size = SLICES_DEFAULT_MIN_SIZE;
	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
	}
	if (rc < 0 || (!o.scored && (cli_require("model", o.model, &err) < 0 ||
				     cli_require("data", o.data, &err) < 0)) ||
	    cli_require("out", o.out, &err) < 0 ||
	    csv_opts_from_cli(&o.csv, &csv, &err) < 0) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	o.label_suffix = csv.label_suffix;
	o.slice_by = slice_by.v;
	o.nslice_by = slice_by.n;
	o.producer = spec.prog;
	if (evaluate_run(&o, &r, &err) < 0) {
		rc = cli_report(spec.prog, &err);
	} else {
		struct buf line;

		print_warnings(spec.prog, r.artifact);
		buf_init(&line);
		if (as_json) {
			char *s = artifact_dumps(r.artifact);

			if (s)
				fputs(s, stdout);
			free(s);
		} else if (evaluate_summary(&o, &r, &line) == 0) {
			printf("%s\n%s\n", r.report, line.data);
		}
		buf_release(&line);
		rc = cli_finish_stdout(spec.prog, MLCI_EXIT_OK);
	}
	evaluate_result_free(&r);
	cli_release(&spec, NULL);
	return rc;
}
