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
	"  hgb       histogram gradient boosting (scikit-learn's\n"
	"            HistGradientBoostingClassifier/Regressor, xgboost's hist):\n"
	"            log loss, softmax (a tree per class) or squared error; at\n"
	"            most max_bins quantile bins per feature plus one for missing\n"
	"            values, which stay NaN (preprocessing.missing \"nan\") and go\n"
	"            to the side each split learnt; best-first trees.\n"
	"            learning_rate (0.1), max_iter (100), max_leaf_nodes (31 or\n"
	"            none), max_depth (none), min_samples_leaf (20),\n"
	"            l2_regularization (0), max_bins (255), early_stopping (auto:\n"
	"            on above 10000 rows; true, false), validation_fraction (0.1),\n"
	"            n_iter_no_change (10), tol (1e-7). Early stopping holds out\n"
	"            validation rows drawn with --seed (per class) and keeps the\n"
	"            iterations up to the best validation loss; the loss curves go\n"
	"            to training.train_loss and validation_loss. Histograms are\n"
	"            built on --threads threads; model.json does not depend on it.\n"
	"Trees and forests store model.feature_importances: impurity importance\n"
	"per input feature (one-hot outputs summed), normalised to sum to 1.\n"
	"\n"
	"The task: logistic is classification, linear and ridge regression. For\n"
	"tree and forest, --task auto (the default) chooses classification when\n"
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
	"--seed drives the random draws of tree and forest (recorded for every\n"
	"model; the other fits are deterministic). With SOURCE_DATE_EPOCH set\n"
	"reruns give byte-identical model.json.\n"
	"Long fits (forests, hgb) report progress on stderr: trees (hgb:\n"
	"iterations) done, elapsed and\n"
	"the estimate left, rewritten in place on a terminal, else a plain line\n"
	"every --progress-interval seconds (fits quicker than that say nothing),\n"
	"inside a collapsed GitLab log section when GITLAB_CI is set.\n";

struct progress {
	struct timespec start;
	double last, every;	/* seconds between plain lines */
	int tty;
	int printed;
	int gitlab;		/* GITLAB_CI: lines in a collapsible section */
};

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
		fprintf(stderr, "\033[0Ksection_start:%lld:mlci_train_progress[collapsed=true]\r\033[0Kmlci-train: growing %zu trees\n",
			(long long)time(NULL), total);
	p->printed = 1;
	left = done ? el / (double)done * (double)(total - done) : NAN;
	fprintf(stderr, "%smlci-train: %zu/%zu trees, %.1f s elapsed, ~%.0f s left%s",
		p->tty ? "\r" : "", done, total, el, left,
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
		{ "model", CLI_STR, &o.model, "NAME", "logistic, linear, ridge, tree, forest or hgb" },
		{ "task", CLI_STR, &o.task, "TASK", "auto (default), classification or regression (tree, forest, hgb)" },
		{ "out", CLI_STR, &o.out, "FILE", "where to write model.json" },
		{ "param", CLI_LIST, &params, "K=V", "a hyperparameter (repeatable; see below)" },
		{ "seed", CLI_LONG, &o.seed, "N", "random seed for tree and forest draws and hgb's validation rows, recorded in model.json (default 0)" },
		{ "threads", CLI_LONG, &threads, "N", "threads for encoding the data, growing a forest and building hgb histograms (default 0: online CPUs)" },
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
	o.progress = progress;
	o.progress_ctx = &prog;
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
