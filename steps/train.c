/*
 * mlci-train: fit a model on a CSV and write model.json (mlci.model),
 * preprocessing included, so evaluate and serving apply the same
 * transform.
 *
 * Exit codes: 0 trained; 64 usage (unknown --model or --param, both
 * --features and --exclude); 65 bad data (no such label column, a
 * non-numeric label for a regressor, a single class, a ragged CSV, ...);
 * 66 the data file is missing; 73/74 the output cannot be written.
 */
#include <stdio.h>

#include "cli.h"
#include "io.h"
#include "csv.h"
#include "model.h"

static const char more[] =
	"models and their --param keys:\n"
	"  logistic  L2-penalised logistic regression (binary, or multinomial\n"
	"            softmax for 3+ classes) by L-BFGS: minimises\n"
	"            0.5*||w||^2 + C*sum(log loss), intercept unpenalised.\n"
	"            C (1.0), max_iter (1000), tol (1e-8: max |gradient| of the\n"
	"            objective divided by C*n_rows; tighter than scikit-learn's\n"
	"            1e-4 so the fit is the true optimum)\n"
	"  linear    ordinary least squares (LAPACK dgelsd, minimum norm)\n"
	"  ridge     minimises ||y - Xw - b||^2 + alpha*||w||^2 (LAPACK dposv);\n"
	"            alpha (1.0)\n"
	"\n"
	"Preprocessing (stored in model.json): a column whose non-missing values\n"
	"all parse as numbers is numeric: missing -> training mean, then\n"
	"standardised (population std; constant columns keep scale 1). Other\n"
	"columns are categorical: missing -> most frequent value, then one-hot\n"
	"over the training categories (an unseen category encodes as zeros).\n"
	"Classes sort as strings, or numerically when every label is a number.\n"
	"--seed is recorded; every fit here is deterministic, and with\n"
	"SOURCE_DATE_EPOCH set reruns give byte-identical model.json.\n";

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct train_opts o = {0};
	struct train_result r = {0};
	struct cli_list params = {0};
	struct csv_cli csv = {0};
	int rc;
	const struct cli_opt opts[] = {
		{ "data", CLI_STR, &o.data, "FILE", "CSV to train on" },
		{ "label", CLI_STR, &o.label, "COL", "the column to predict" },
		{ "model", CLI_STR, &o.model, "NAME", "logistic, linear or ridge" },
		{ "out", CLI_STR, &o.out, "FILE", "where to write model.json" },
		{ "param", CLI_LIST, &params, "K=V", "a hyperparameter (repeatable; see below)" },
		{ "seed", CLI_LONG, &o.seed, "N", "random seed, recorded in model.json (default 0)" },
		{ "features", CLI_STR, &o.features, "A,B,...", "use only these columns as features" },
		{ "exclude", CLI_STR, &o.exclude, "A,B,...", "use every column but these (and the label)" },
		CSV_CLI_OPTIONS(&csv),
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-train",
		"--data FILE --label COL --model NAME --out FILE [--param K=V ...] [options]",
		"Fit a model on a CSV and write it, with its preprocessing, feature\n"
		"names, classes, hyperparameters and training summary, to model.json.",
		opts, more, 0
	};

	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
	}
	if (rc < 0 || cli_require("data", o.data, &err) < 0 ||
	    cli_require("label", o.label, &err) < 0 ||
	    cli_require("model", o.model, &err) < 0 ||
	    cli_require("out", o.out, &err) < 0 ||
	    csv_opts_from_cli(&o.csv, &csv, &err) < 0)
		goto fail;
	{
		const struct path_role out = { "--out", o.out };
		const struct path_role in = { "--data", o.data };

		if (check_output_paths(&out, 1, &in, 1, &err) < 0)
			goto fail;
	}
	o.params = params.v;
	o.nparams = params.n;
	o.label_suffix = csv.label_suffix;
	if (train_run(&o, &r, &err) < 0)
		goto fail;

	printf("trained %s on %s: %zu rows, %zu features (%zu encoded)", o.model,
	       o.data, r.n_rows, r.n_features_in, r.n_features_out);
	if (r.nclasses)
		printf(", %zu classes", r.nclasses);
	printf("; %s after %ld iteration%s; training %s %.6g, %s %.6g -> %s\n",
	       r.converged ? "converged" : "NOT converged", r.iterations,
	       r.iterations == 1 ? "" : "s", r.nclasses ? "log loss" : "mse",
	       r.loss, r.nclasses ? "accuracy" : "r2", r.score, o.out);
	if (!r.converged)
		cli_warn(spec.prog, "stopped (%s) before converging; raise --param max_iter or tol",
			 r.stop);
	cli_release(&spec, NULL);
	return MLCI_EXIT_OK;
fail:
	rc = cli_report(spec.prog, &err);
	cli_release(&spec, NULL);
	return rc;
}
