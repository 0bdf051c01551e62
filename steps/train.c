/*
 * mlci-train: fit a model on a CSV and write model.json (mlci.model),
 * preprocessing included, so evaluate and serving apply the same
 * transform.
 *
 * Exit codes: 0 trained; 64 usage (unknown --model or --param, both
 * --features and --exclude, a --task or criterion the model cannot fit); 65 bad data (no such label column, a
 * non-numeric label for a regressor, a single class, a ragged CSV, ...);
 * 66 the data file is missing; 73/74 the output cannot be written.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	"  tree      a CART decision tree (scikit-learn's DecisionTreeClassifier/\n"
	"            Regressor): exact best split on sorted values, thresholds at\n"
	"            midpoints; leaves predict class frequencies or the mean.\n"
	"            criterion (gini | entropy for classes, squared_error for\n"
	"            values), max_depth (none, or an integer >= 1),\n"
	"            min_samples_split (2), min_samples_leaf (1), max_features\n"
	"            (all; or sqrt, log2, a fraction like 0.5, a count like 3:\n"
	"            candidates drawn at random per split from --seed)\n"
	"  forest    a random forest (RandomForestClassifier/Regressor): the\n"
	"            tree's keys, max_features defaulting to sqrt for classes and\n"
	"            all for values, plus n_estimators (100) and bootstrap (true).\n"
	"            Trees grow on --threads threads; tree i's bootstrap and\n"
	"            feature draws depend on --seed and i only, so model.json is\n"
	"            the same whatever --threads. The out-of-bag score (accuracy\n"
	"            or r2) is recorded in training.oob_score.\n"
	"  mlp       a multilayer perceptron (MLPClassifier/Regressor, solver adam):\n"
	"            ReLU hidden layers; a logistic output for two classes, softmax\n"
	"            for more, linear for values (loss: log loss, or half the mean\n"
	"            squared error, + 0.5*alpha*||W||^2/batch rows). Glorot-uniform\n"
	"            start and the shuffled minibatches are drawn from --seed; one\n"
	"            BLAS thread, so model.json is the same whatever --threads.\n"
	"            hidden_layer_sizes (100; or e.g. 64,32), learning_rate_init\n"
	"            (0.001), alpha (0.0001), batch_size (auto: min(200, rows)),\n"
	"            max_iter (200 epochs), tol (1e-4), n_iter_no_change (10): stop\n"
	"            when the epoch's loss has not fallen by tol for more than that\n"
	"            many epochs; early_stopping (false: with true, the validation\n"
	"            accuracy or r2 on validation_fraction (0.1) of the rows,\n"
	"            stratified, instead, keeping the best epoch's weights), beta_1\n"
	"            (0.9), beta_2 (0.999), epsilon (1e-8). training.loss_curve holds\n"
	"            each epoch's loss; a loss that is not finite stops with 65.\n"
	"Trees and forests store model.feature_importances: impurity importance\n"
	"per input feature (one-hot outputs summed), normalised to sum to 1.\n"
	"\n"
	"The task: logistic is classification, linear and ridge regression. For\n"
	"tree, forest and mlp, --task auto (the default) chooses classification when\n"
	"some label value is not a number, or when all are integers with at most\n"
	"10 distinct values; regression otherwise. --task classification or\n"
	"regression overrides it.\n"
	"\n"
	"Preprocessing (stored in model.json): a column whose non-missing values\n"
	"all parse as numbers is numeric: missing -> training mean, then\n"
	"standardised (population std; constant columns keep scale 1). Other\n"
	"columns are categorical: missing -> most frequent value, then one-hot\n"
	"over the training categories (an unseen category encodes as zeros).\n"
	"Trees split the same standardised values: the transform is monotone per\n"
	"column, so the splits are those on raw values (thresholds are in\n"
	"standardised units: raw = threshold*scale + mean).\n"
	"Classes sort as strings, or numerically when every label is a number.\n"
	"--seed drives the random draws of tree, forest and mlp (recorded for every\n"
	"model; the other fits are deterministic). With SOURCE_DATE_EPOCH set\n"
	"reruns give byte-identical model.json.\n"
	"Long fits report progress on stderr: trees (or epochs, with the loss)\n"
	"done, elapsed and the estimate left, rewritten in place on a terminal,\n"
	"else a plain line every --progress-interval seconds (fits quicker than\n"
	"that say nothing), inside a collapsed GitLab log section when GITLAB_CI\n"
	"is set.\n";

struct progress {
	struct timespec start;
	double last, every;	/* seconds between plain lines */
	int tty;
	int printed;
	int gitlab;		/* GITLAB_CI: lines in a collapsible section */
	const char *unit;	/* "trees", or "epochs" (mlp) */
	double loss;		/* the last epoch's loss (NaN: none) */
};

static void progress_loss(void *ctx, double loss)
{
	((struct progress *)ctx)->loss = loss;
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Trees done of total: on a terminal at most 10 updates a second, in
 * place; otherwise a plain line every p->every seconds, and a last one
 * when any was printed (fits quicker than that stay quiet). */
static void progress(void *ctx, size_t done, size_t total)
{
	struct progress *p = ctx;
	double el = since(&p->start), left;
	double every = p->tty && p->every > 0.1 ? 0.1 : p->every;

	if (done < total && el - p->last < every)
		return;
	if (done == total && !p->printed && el < every)
		return;
	p->last = el;
	if (!p->printed && p->gitlab && !p->tty)
		fprintf(stderr, "\033[0Ksection_start:%lld:mlci_train_progress[collapsed=true]\r\033[0Kmlci-train: %zu %s\n",
			(long long)time(NULL), total, p->unit);
	p->printed = 1;
	left = done ? el / (double)done * (double)(total - done) : NAN;
	fprintf(stderr, "%smlci-train: %zu/%zu %s, %.1f s elapsed, ~%.0f s left",
		p->tty ? "\r" : "", done, total, p->unit, el, left);
	if (!isnan(p->loss))
		fprintf(stderr, ", loss %.6g", p->loss);
	fprintf(stderr, "%s",
		p->tty && done < total ? "" : "\n");
	if (done == total && p->gitlab && !p->tty)
		fprintf(stderr, "\033[0Ksection_end:%lld:mlci_train_progress\r\033[0K\n",
			(long long)time(NULL));
	fflush(stderr);
}

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct train_opts o = {0};
	struct train_result r = {0};
	struct cli_list params = {0};
	struct csv_cli csv = {0};
	struct progress prog = {0};
	long threads = 0;
	double every = 5;
	int rc;
	const struct cli_opt opts[] = {
		{ "data", CLI_STR, &o.data, "FILE", "CSV to train on" },
		{ "label", CLI_STR, &o.label, "COL", "the column to predict" },
		{ "model", CLI_STR, &o.model, "NAME", "logistic, linear, ridge, tree, forest or mlp" },
		{ "task", CLI_STR, &o.task, "TASK", "auto (default), classification or regression (tree, forest, mlp)" },
		{ "out", CLI_STR, &o.out, "FILE", "where to write model.json" },
		{ "param", CLI_LIST, &params, "K=V", "a hyperparameter (repeatable; see below)" },
		{ "seed", CLI_LONG, &o.seed, "N", "random seed for tree, forest and mlp draws, recorded in model.json (default 0)" },
		{ "threads", CLI_LONG, &threads, "N", "threads growing a forest (default 0: online CPUs)" },
		{ "progress-interval", CLI_DOUBLE, &every, "S", "seconds between progress lines when stderr is not a terminal (default 5; 0: every tree)" },
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
	if (threads < 0 || threads > 1024) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--threads %ld: expected 0 (online CPUs) to 1024", threads);
		goto fail;
	}
	o.threads = (int)threads;
	if (!(every >= 0)) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--progress-interval %g: expected seconds >= 0", every);
		goto fail;
	}
	prog.every = every;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	prog.tty = isatty(2);
	prog.gitlab = getenv("GITLAB_CI") != NULL;
	prog.unit = o.model && !strcmp(o.model, "mlp") ? "epochs" : "trees";
	o.progress = progress;
	o.progress_ctx = &prog;
	o.progress_loss = progress_loss;
	prog.loss = NAN;
	if (train_run(&o, &r, &err) < 0)
		goto fail;

	printf("trained %s on %s: %zu rows, %zu features (%zu encoded)", o.model,
	       o.data, r.n_rows, r.n_features_in, r.n_features_out);
	if (r.nclasses)
		printf(", %zu classes", r.nclasses);
	if (!r.fit.iterative) {
		printf(" (%s)", r.task);
		if (r.fit.n_trees > 1)
			printf("; %zu trees", r.fit.n_trees);
		printf("; %zu nodes, %zu leaves, depth %zu; training %s %.6g",
		       r.fit.n_nodes, r.fit.n_leaves, r.fit.depth,
		       r.nclasses ? "accuracy" : "r2", r.fit.score);
		if (!isnan(r.fit.oob_score))
			printf(", out-of-bag %s %.6g", r.nclasses ? "accuracy" : "r2",
			       r.fit.oob_score);
		printf(" -> %s\n", o.out);
	} else {
		printf("; %s after %ld iteration%s; training %s %.6g, %s %.6g -> %s\n",
		       r.fit.converged ? "converged" : "NOT converged", r.fit.iterations,
		       r.fit.iterations == 1 ? "" : "s", r.nclasses ? "log loss" : "mse",
		       r.fit.loss, r.nclasses ? "accuracy" : "r2", r.fit.score, o.out);
		if (!r.fit.converged)
			cli_warn(spec.prog, "stopped (%s) before converging; raise --param max_iter or tol",
				 r.fit.stop);
	}
	cli_release(&spec, NULL);
	return MLCI_EXIT_OK;
fail:
	rc = cli_report(spec.prog, &err);
	cli_release(&spec, NULL);
	return rc;
}
