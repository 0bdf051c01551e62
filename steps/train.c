/*
 * mlci-train: fit a model on a CSV and write model.json (mlci.model),
 * preprocessing included, so evaluate and serving apply the same
 * transform.
 *
 * Exit codes: 0 trained; 64 usage (unknown --model or --param, both
 * --features and --exclude, a --task or criterion the model cannot fit,
 * --cv below 2); 65 bad data (no such label column, a
 * non-numeric label for a regressor, a single class, a ragged CSV, more
 * --cv folds than rows, ...);
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
#include "stream.h"

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
	"  lasso     minimises (1/(2n))||y - Xw - b||^2 + alpha*||w||_1 by cyclic\n"
	"            coordinate descent (scikit-learn's Lasso), stopping when the\n"
	"            duality gap is below tol*||y - mean(y)||^2/n (checked after a\n"
	"            pass whose largest change is below tol*max|w|). alpha (1.0),\n"
	"            max_iter (1000), tol (1e-4). Not converged: a warning.\n"
	"  elasticnet  the same with the penalty alpha*l1_ratio*||w||_1 +\n"
	"            0.5*alpha*(1 - l1_ratio)*||w||^2 (ElasticNet): alpha (1.0),\n"
	"            l1_ratio (0.5), max_iter (1000), tol (1e-4)\n"
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
	"            n_iter_no_change (10), tol (1e-7), categorical (native;\n"
	"            onehot). Native: a string column is one feature, a bin per\n"
	"            category (missing values a category of their own), and a\n"
	"            split sends a set of categories left (scikit-learn's\n"
	"            categorical_features); a category unseen in training goes\n"
	"            where missing values go. A column with more than max_bins\n"
	"            categories is one-hot encoded instead, with a warning\n"
	"            (scikit-learn refuses it). onehot: every string column\n"
	"            one-hot, as for the other families. Early stopping holds out\n"
	"            validation rows drawn with --seed (per class) and keeps the\n"
	"            iterations up to the best validation loss; the loss curves go\n"
	"            to training.train_loss and validation_loss. Histograms are\n"
	"            built on --threads threads; model.json does not depend on it.\n"
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
	"The task: logistic is classification, linear, ridge, lasso and\n"
	"elasticnet regression. For tree, forest and mlp, --task auto (the\n"
	"default) chooses classification when\n"
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
	"--seed drives the random draws of tree, forest and mlp, --cv-shuffle and\n"
	"--importance (recorded for every model; the other fits are\n"
	"deterministic). With SOURCE_DATE_EPOCH set\n"
	"reruns give byte-identical model.json.\n"
	"--tensorboard DIR writes each curve of model.json's training section\n"
	"(logistic: training.loss_curve, the objective after each L-BFGS step)\n"
	"as the TensorBoard scalar series train/NAME, point i at step i + 1, into\n"
	"DIR/events.out.tfevents.EPOCH.mlci-train (the time: SOURCE_DATE_EPOCH\n"
	"or now), for `tensorboard --logdir DIR`.\n"
	"\n"
	"--cv K: K-fold cross-validation before the final fit on all rows, with\n"
	"scikit-learn's KFold folds or (default for classifiers; --cv-stratify)\n"
	"StratifiedKFold ones, row for row; --cv-shuffle shuffles the rows first\n"
	"from --seed (not as numpy would). Each fold fits its own preprocessing\n"
	"on its training rows and scores the held-out rows: accuracy, f1_macro,\n"
	"log_loss, roc_auc (binary) or roc_auc_ovr_macro; mse, rmse, mae, r2.\n"
	"model.json's cv holds each fold's sizes and metrics, their mean and std\n"
	"(ddof 0). Errors: K < 2 (64); K above the rows, or above every class's\n"
	"rows when stratified (65). A class with fewer rows than K: a warning.\n"
	"--search SPEC (repeatable) tunes hyperparameters: NAME=LO..HI:int,\n"
	"NAME=LO..HI:float, NAME=LO..HI:log or NAME=A,B,C. Each trial is scored\n"
	"by k-fold cross-validation (--cv K, default 5) on --search-metric\n"
	"(accuracy or r2 by default; log_loss, mse, rmse, mae minimised); the\n"
	"best (ties: the first) is refitted on all rows, every trial recorded in\n"
	"model.json's search. --search-method grid (every integer and choice,\n"
	"--grid-points values of a real range), random (default; trial t drawn\n"
	"from --seed and t), or bayes (a Gaussian process with expected\n"
	"improvement, in --search-batches independent batches). With --shard K/N\n"
	"(default $CI_NODE_INDEX/$CI_NODE_TOTAL) only runner K's trials run and go\n"
	"to --out as an mlci.trials file (grid, random: trial t on runner\n"
	"t mod N + 1; bayes: batch K of N); --select TRIALS... with the same\n"
	"options picks the best of all runners' trials and refits, as one\n"
	"unsharded run would.\n"
	"\n"
	"--importance permutation: per input column, the drop in training\n"
	"accuracy (or r2) when its values are permuted across the training rows,\n"
	"mean and std over --importance-repeats permutations drawn from --seed\n"
	"(as sklearn's permutation_importance on the data given), in\n"
	"training.permutation_importance; the same whatever --threads.\n"
	"\n"
	"Long fits report progress on stderr: trees (hgb: iterations; mlp:\n"
	"epochs, with the loss) done, elapsed and the estimate left, rewritten in place on a terminal,\n"
	"else a plain line every --progress-interval seconds (fits quicker than\n"
	"that say nothing), inside a collapsed GitLab log section when GITLAB_CI\n"
	"is set.\n";

struct progress {
	struct timespec start;
	double last, every;	/* seconds between plain lines */
	int tty;
	int printed;
	int gitlab;		/* GITLAB_CI: lines in a collapsible section */
	const char *unit;	/* "trees", "iterations" (hgb) or "epochs" (mlp) */
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

/* One line per search trial. */
static void trial_progress(void *ctx, size_t done, size_t total,
			   const char *params, const char *metric, double score,
			   double best)
{
	struct progress *p = ctx;

	fprintf(stderr, "mlci-train: trial %zu/%zu: %s: %s %.6g (best %.6g, %.1f s elapsed)\n",
		done, total, params, metric, score, best, since(&p->start));
	fflush(stderr);
}

/* One line per cross-validation fold. */
static void cv_progress(void *ctx, size_t fold, size_t k, size_t n_test,
			const char *metric, double value)
{
	struct progress *p = ctx;

	fprintf(stderr, "mlci-train: cv fold %zu/%zu: %zu test rows, %s %.6g (%.1f s elapsed)\n",
		fold + 1, k, n_test, metric, value, since(&p->start));
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
	long threads = 0, cv = -1, repeats = 5;
	struct cli_list search = {0}, select = {0};
	int selecting = 0;
	const char *shard = NULL;
	double every = 5;
	int rc;
	const struct cli_opt opts[] = {
		{ "data", CLI_STR, &o.data, "FILE", "CSV to train on" },
		{ "label", CLI_STR, &o.label, "COL", "the column to predict" },
		{ "model", CLI_STR, &o.model, "NAME", "logistic, linear, ridge, lasso, elasticnet, tree, forest, hgb or mlp" },
		{ "task", CLI_STR, &o.task, "TASK", "auto (default), classification or regression (tree, forest, hgb, mlp)" },
		{ "out", CLI_STR, &o.out, "FILE", "where to write model.json" },
		{ "param", CLI_LIST, &params, "K=V", "a hyperparameter (repeatable; see below)" },
		{ "seed", CLI_LONG, &o.seed, "N", "random seed for tree, forest and mlp draws, hgb's validation rows, --cv-shuffle and --importance, recorded in model.json (default 0)" },
		{ "threads", CLI_LONG, &threads, "N", "threads for encoding the data, growing a forest, building hgb histograms, cross-validation folds and --importance (default 0: online CPUs)" },
		{ "progress-interval", CLI_DOUBLE, &every, "S", "seconds between progress lines when stderr is not a terminal (default 5; 0: every tree)" },
		{ "tensorboard", CLI_STR, &o.tensorboard, "DIR", "also write the training curves as a TensorBoard event file in DIR" },
		{ "features", CLI_STR, &o.features, "A,B,...", "use only these columns as features" },
		{ "exclude", CLI_STR, &o.exclude, "A,B,...", "use every column but these (and the label)" },
		{ "cv", CLI_LONG, &cv, "K", "cross-validate over K folds first (model.json's cv), then fit on all rows" },
		{ "cv-stratify", CLI_STR, &o.cv_stratify, "WHEN", "auto (default: stratified for classifiers), on or off" },
		{ "cv-shuffle", CLI_FLAG, &o.cv_shuffle, NULL, "shuffle the rows (from --seed) before cutting the folds" },
		{ "search", CLI_LIST, &search, "SPEC", "search this hyperparameter: NAME=LO..HI[:int|:float|:log] or NAME=A,B,C (repeatable)" },
		{ "search-method", CLI_STR, &o.search_method, "M", "random (default), grid or bayes" },
		{ "trials", CLI_LONG, &o.trials, "N", "random and bayes: trials (default 20)" },
		{ "grid-points", CLI_LONG, &o.grid_points, "N", "grid: values per real dimension (default 5)" },
		{ "search-batches", CLI_LONG, &o.search_batches, "B", "bayes: independent batches (default 1; the --shard total; with --select, one per trials file)" },
		{ "search-metric", CLI_STR, &o.search_metric, "M", "what a trial's cross-validation scores (default accuracy or r2)" },
		{ "shard", CLI_STR, &shard, "K/N", "evaluate runner K's share of the trials into --out (default $CI_NODE_INDEX/$CI_NODE_TOTAL with --search)" },
		{ "select", CLI_FLAG, &selecting, NULL, "pick the best of the runners' trials files given as arguments, and refit" },
		{ "importance", CLI_STR, &o.importance, "KIND", "permutation: permutation importance on the training data (or none)" },
		{ "importance-repeats", CLI_LONG, &repeats, "R", "permutations per feature (default 5)" },
		{ "dtype", CLI_STR, &o.dtype, "T", "the design matrix's numbers: auto (default: float32 for a forest's plain fit, float64 otherwise), float64 or float32 (half the memory; every family but lasso and elasticnet, without --cv, --search or permutation importance; tree and forest then sort at each node instead of presorting)" },
		CSV_CLI_OPTIONS(&csv),
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-train",
		"--data FILE --label COL --model NAME --out FILE [--param K=V ...] [options]\n"
		"       mlci-train ... --search SPEC ... [--search-method M] [--shard K/N]\n"
		"       mlci-train ... --search SPEC ... --select TRIALS... --out model.json",
		"Fit a model on a CSV and write it, with its preprocessing, feature\n"
		"names, classes, hyperparameters and training summary, to model.json.",
		opts, more, 10000
	};

	rc = cli_parse(&spec, argc, argv, &select, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, &select);
		return 0;
	}
	if (rc < 0 || cli_require("data", o.data, &err) < 0 ||
	    cli_require("label", o.label, &err) < 0 ||
	    cli_require("model", o.model, &err) < 0 ||
	    cli_require("out", o.out, &err) < 0 ||
	    csv_opts_from_cli(&o.csv, &csv, &err) < 0)
		goto fail;
	{
		/* the inputs: --data and any trials files --select reads */
		const struct path_role out = { "--out", o.out };
		struct path_role *in = calloc(select.n + 1, sizeof(*in));
		size_t i;
		int bad;

		if (!in) {
			err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto fail;
		}
		in[0] = (struct path_role){ "--data", o.data };
		for (i = 0; i < select.n; i++)
			in[i + 1] = (struct path_role){ "--select", select.v[i] };
		bad = check_output_paths(&out, 1, in, select.n + 1, &err) < 0;
		free(in);
		if (bad)
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
	if (cv != -1 && cv < 2) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--cv %ld: expected at least 2 folds", cv);
		goto fail;
	}
	o.cv = cv < 0 ? 0 : (size_t)cv;
	o.search = (const char *const *)search.v;
	o.nsearch = search.n;
	if (select.n && !selecting) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"unexpected argument '%.100s' (see --help)", select.v[0]);
		goto fail;
	}
	if (selecting && !select.n) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--select needs the runners' trials files as arguments");
		goto fail;
	}
	o.select = (const char *const *)select.v;
	o.nselect = select.n;
	if (!shard && search.n && !select.n && getenv("CI_NODE_INDEX") &&
	    getenv("CI_NODE_TOTAL"))
		shard = "ci";
	if (shard) {
		char ci[64];
		const char *spec_text = shard;

		if (!strcmp(shard, "ci")) {
			snprintf(ci, sizeof(ci), "%.30s/%.30s", getenv("CI_NODE_INDEX"),
				 getenv("CI_NODE_TOTAL"));
			spec_text = ci;
		}
		if (shard_spec_parse(spec_text, &o.shard, &o.nshards, &err) < 0)
			goto fail;
	}
	if (repeats < 1 || repeats > 10000) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--importance-repeats %ld: expected 1 to 10000", repeats);
		goto fail;
	}
	o.importance_repeats = repeats;
	if ((o.cv_stratify || o.cv_shuffle) && !o.cv) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--cv-stratify and --cv-shuffle need --cv K");
		goto fail;
	}
	if (!(every >= 0)) {
		err_set(&err, MLCI_EXIT_USAGE, NULL,
			"--progress-interval %g: expected seconds >= 0", every);
		goto fail;
	}
	prog.every = every;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	prog.tty = isatty(2);
	prog.gitlab = getenv("GITLAB_CI") != NULL;
	prog.unit = !o.model ? "trees" : !strcmp(o.model, "mlp") ? "epochs" :
		!strcmp(o.model, "hgb") ? "iterations" : "trees";
	o.progress = progress;
	o.progress_ctx = &prog;
	o.cv_progress = cv_progress;
	o.cv_progress_ctx = &prog;
	o.trial_progress = trial_progress;
	o.trial_progress_ctx = &prog;
	o.progress_loss = progress_loss;
	prog.loss = NAN;
	if (train_run(&o, &r, &err) < 0)
		goto fail;
	if (r.wrote_trials) {
		printf("searched %zu trial%s (runner %u of %u) on %s: best %s %.6g (trial %ld) -> %s\n",
		       r.search_trials, r.search_trials == 1 ? "" : "s", o.shard,
		       o.nshards, o.data, r.search_metric, r.search_score,
		       r.search_best, o.out);
		cli_release(&spec, &select);
		return MLCI_EXIT_OK;
	}
	if (o.nsearch)
		printf("%s %zu trials: best %s %.6g (trial %ld)\n",
		       o.nselect ? "selected from" : "searched", r.search_trials,
		       r.search_metric, r.search_score, r.search_best);

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
		if (!r.fit.converged && !r.fit.warning[0])
			cli_warn(spec.prog, "stopped (%s) before converging; raise --param max_iter or tol",
				 r.fit.stop);
	}
	if (o.tensorboard && r.tensorboard_path)
		printf("training curves: %ld points -> %s\n", r.tensorboard_points,
		       r.tensorboard_path);
	else if (o.tensorboard)
		cli_warn(spec.prog, "--model %s records no training curve: no TensorBoard file written",
			 o.model);
	free(r.tensorboard_path);
	if (r.fit.warning[0])
		cli_warn(spec.prog, "%s", r.fit.warning);
	if (o.cv && !o.nsearch)	/* a search's folds score its trials */
		printf("cross-validated over %zu %sfolds: mean %s %.6g\n", o.cv,
		       r.cv_stratified ? "stratified " : "",
		       r.nclasses ? "accuracy" : "r2", r.cv_mean);
	if (r.cv_warning[0])
		cli_warn(spec.prog, "--cv: %s", r.cv_warning);
	if (r.prep_warning[0])
		cli_warn(spec.prog, "%s", r.prep_warning);
	if (r.empty_warning[0])
		cli_warn(spec.prog, "%s", r.empty_warning);
	if (r.label_warning[0])
		cli_warn(spec.prog, "%s", r.label_warning);
	rc = cli_finish_stdout(spec.prog, MLCI_EXIT_OK);
	cli_release(&spec, &select);
	return rc;
fail:
	rc = cli_report(spec.prog, &err);
	cli_release(&spec, &select);
	return rc;
}
