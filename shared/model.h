/*
 * model.h - trained models: training from a CSV into model.json
 * (mlci.model, schema 1), loading model.json back, and predicting.
 *
 * model.json holds, besides the envelope:
 *   task           "classification" | "regression"
 *   label          the label column's name
 *   classes        class names (classifiers): sorted as strings (byte
 *                  order), or numerically when every label is a number
 *   features       input column names, in data-file order
 *   preprocessing  the transform of preprocess.h
 *   model          {type, params, and the family's fitted state:
 *                  logistic|linear|ridge|lasso|elasticnet: coefficients
 *                  (rows of n_outputs:
 *                  1, or K for multinomial), intercepts;
 *                  tree: tree {n_nodes, feature, threshold, left, right,
 *                  value} (tree.h), feature_importances (per feature);
 *                  forest: trees [...], feature_importances (forest.h);
 *                  mlp: layers [{n_in, n_out, weights, biases}],
 *                  out_activation (mlp.h)}
 *                  hgb: trees [...] (with missing_left), baseline,
 *                  learning_rate, n_iter, n_trees_per_iteration,
 *                  feature_importances (hgb.h)}
 *   training       {accuracy | r2, n_rows, n_features_in, n_features_out,
 *                  seed; linear families: iterations, evaluations,
 *                  converged, stop, loss {objective, log_loss | mse};
 *                  logistic: loss_curve (objective / (C n) after each
 *                  L-BFGS step; every number array here is a curve for
 *                  --tensorboard, tfevents.h);
 *                  linear: rank; lasso/elasticnet: dual_gap,
 *                  dual_gap_tol, n_nonzero (no evaluations);
 *                  warnings [...] when the fit warned;
 *                  trees: n_nodes, n_leaves, depth, max_features; forests
 *                  also n_trees, oob_score, oob_rows; mlp: n_iter,
 *                  converged, stop, batch_size, loss_curve, loss
 *                  {objective, log_loss | mse}, warning (not converged),
 *                  early stopping: validation_scores,
 *                  best_validation_score, n_validation; hgb: n_iter,
 *                  n_iter_run, early_stopping, n_validation, loss_name,
 *                  train_loss, validation_loss, n_trees, n_nodes,
 *                  n_leaves, depth}
 *                  --importance permutation: permutation_importance
 *                  {feature: {mean, std}}, permutation {data, metric,
 *                  repeats, baseline} (cv.h)
 *   data_sha256    sha256 of the training CSV (also inputs[role=data])
 *   search         --search: the settings (method, space, trials,
 *                  metric, direction, cv, seed, model, task, label,
 *                  features, params), results [{id, params, score, cv
 *                  {mean, std}}], best {id, params, score} (search.h)
 *   cv             --cv K: {k, stratified, shuffled, folds [{n_train,
 *                  n_test, metrics}], mean, std (ddof 0), warnings} (cv.h)
 *
 * Families and their --param keys (defaults in brackets):
 *   logistic  classification: C [1.0], max_iter [1000], tol [1e-8]
 *   linear    regression: none
 *   ridge     regression: alpha [1.0]
 *   lasso     regression by cyclic coordinate descent (scikit-learn's
 *             Lasso): alpha [1.0], max_iter [1000], tol [1e-4]
 *   elasticnet  the same with l1_ratio [0.5] (ElasticNet); see enet_fit
 *   tree      either task: criterion [gini | squared_error; or entropy],
 *             max_depth [none], min_samples_split [2],
 *             min_samples_leaf [1], max_features [all; sqrt, log2, a
 *             fraction, a count]
 *   forest    the tree's keys (max_features [sqrt for classes, all for
 *             values]), n_estimators [100], bootstrap [true]
 *   mlp       either task: hidden_layer_sizes [100; "64,32"],
 *             learning_rate_init [0.001], alpha [0.0001], batch_size
 *             [auto: min(200, rows)], max_iter [200 epochs], tol [1e-4],
 *             n_iter_no_change [10], early_stopping [false],
 *             validation_fraction [0.1], beta_1 [0.9], beta_2 [0.999],
 *             epsilon [1e-8] (scikit-learn's names and defaults)
 *   hgb       either task: learning_rate [0.1], max_iter [100],
 *             max_leaf_nodes [31], max_depth [none], min_samples_leaf [20],
 *             l2_regularization [0], max_bins [255], early_stopping
 *             [auto], validation_fraction [0.1], n_iter_no_change [10],
 *             tol [1e-7], categorical [native; onehot]; missing
 *             numeric values reach it as NaN (model_family.nan_missing,
 *             preprocess.h), categorical columns as ordinal features
 *             (model_family.ordinal_cats) unless onehot (hgb.h)
 * tree, forest, hgb and mlp take the task from train_opts.task, or (auto)
 * from the label: classification when a value is not a number, or all are
 * integers with at most 10 distinct values; else regression.
 * train_opts.seed drives their random draws, train_opts.threads the
 * forest's and hgb's threads (0: online CPUs; an mlp runs on one BLAS
 * thread); model.json does not depend on the thread count.
 */
#ifndef MLCI_MODEL_H
#define MLCI_MODEL_H

#include <stddef.h>

#include "csv.h"
#include "error.h"
#include "hash.h"
#include "preprocess.h"

/* The most classes a classifier may have (training and loading). */
#define MODEL_MAX_CLASSES ((size_t)4096)

/* The kinds of task a family fits. */
enum model_task {
	TASK_CLASSIFY = 1,	/* classifier only (logistic) */
	TASK_REGRESS = 2,	/* regressor only (linear, ridge) */
	TASK_EITHER = 3,	/* chosen by the label (tree, forest) */
};

struct model_family;

struct model_src;
struct json_span;

struct model {
	char *label;
	char *type;		/* the family's name: "logistic", "tree", ... */
	int classifier;
	char **classes;		/* nclasses names (classifiers) */
	size_t nclasses;	/* 0 for regressors */
	struct prep prep;
	const struct model_family *fam;
	void *body;		/* the family's fitted state */
	/* fitted on single floats (trees and forests with --dtype float32:
	 * model.input_dtype "float32"): model_predict encodes each row as
	 * the fit's matrix was (prep_rows_f32), so every input meets the
	 * thresholds as the training rows did */
	int f32_inputs;
	/* while model_load reads a large model: the elements of an array
	 * it left out of the JSON (model.trees), for the family's from_json
	 * to parse one at a time; NULL otherwise */
	const struct model_src *src;
};

struct model_src {
	const char *text;		/* the file's bytes */
	const struct json_span *elems;	/* artifact.h */
	size_t n;
};

/* Parse element i of src into a new reference; NULL with err set (65
 * with its line and column in file, or 70). */
json_t *model_src_element(const struct model_src *src, size_t i,
			  const char *file, struct mlci_err *err);

/* What a family's fit sees: the encoded training matrix and its labels. */
struct fit_data {
	const double *X;	/* n rows by p encoded features, row-major */
	/* or (X NULL: --dtype float32, families with f32 set) the same as
	 * single floats */
	const float *Xf;
	/* or (X and Xf NULL: --dtype float32 for families with f32 == 2)
	 * p columns of n single floats, each its own block */
	float **Xcols;
	/* NULL, or: the fit is done with X (Xf), its memory may be freed
	 * now (it is not to be read after the call) */
	void (*release)(void *ctx);
	void *release_ctx;
	/* with Xcols: the fit is done with column j, which is freed (and
	 * Xcols[j] set to NULL); safe from several threads on different
	 * columns */
	void (*release_col)(void *ctx, size_t j);
	const size_t *yc;	/* class index of each row (classifiers) */
	const double *yr;	/* value of each row (regressors) */
	size_t n, p;
	long seed;
	int threads;		/* worker threads (>= 1) */
	/* called now and then during long fits: done of total units */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
	/* fits by epochs (mlp), just before each progress call: the epoch's
	 * training loss (NULL: not wanted) */
	void (*progress_loss)(void *ctx, double loss);
};

/* What a fit reports, for the step's summary line. */
struct fit_report {
	int iterative;		/* linear families: iterations, converged, stop */
	long iterations;
	int converged;
	const char *stop;	/* static */
	char warning[256];	/* a fit's warning (not converged...), or "" */
	double loss;		/* mean log loss, or mse (NaN: not computed) */
	double score;		/* training accuracy, or r2 */
	size_t n_trees, n_nodes, n_leaves, depth;
	double oob_score;	/* forests: out-of-bag accuracy or r2, else NaN */
};

/*
 * One model family: its hyperparameters, fit, prediction and
 * (de)serialisation. evaluate, package and deploy see models only
 * through model_predict / model_from_json, which dispatch here, so a
 * new family plugs in by adding its table to model.c's list.
 */
struct model_family {
	const char *name;	/* --model NAME and model.type */
	enum model_task task;
	size_t params_size;	/* bytes of the family's hyperparameter struct */
	/* set the defaults (classifier: the task being fitted) */
	void (*params_init)(void *hp, int classifier);
	/* one --param KEY=VALUE (key is klen bytes of kv); 64 on error */
	int (*param)(void *hp, int classifier, const char *kv, size_t klen,
		     const char *val, struct mlci_err *err);
	/* model.params as written into model.json (new reference or NULL) */
	json_t *(*params_json)(const void *hp, int classifier);
	/* fit m->body on d; rep gets the summary, training the family's own
	 * fields of model.json's training section */
	int (*fit)(struct model *m, const void *hp, const struct fit_data *d,
		   struct fit_report *rep, json_t *training,
		   struct mlci_err *err);
	/* predict n encoded rows (X: n by prep.nout): out gets n * nclasses
	 * probabilities, or n values */
	int (*predict)(const struct model *m, const double *X, size_t n,
		       double *out, struct mlci_err *err);
	/* write the fitted state into the model object mod (type and params
	 * are written by the caller) */
	int (*to_json)(const struct model *m, json_t *mod);
	/* read and validate the fitted state from mod (65 naming file) */
	int (*from_json)(struct model *m, const json_t *mod, const char *file,
			 struct mlci_err *err);
	void (*free_body)(void *body);
	int nan_missing;	/* 1: missing numeric values reach fit and
				 * predict as NaN (preprocess.h) */
	/* the most categories a categorical column may have to reach fit
	 * and predict as one ordinal output (prep_set_ordinal) under
	 * hyperparameters hp; NULL, or 0 returned: every categorical column
	 * one-hot */
	size_t (*ordinal_cats)(const void *hp);
	/* 1: fit also takes the design matrix as single floats (fit_data.Xf,
	 * --dtype float32); 2: as single floats by columns (fit_data.Xcols),
	 * which it may give back one by one (hgb) or read to the end (tree,
	 * forest: the caller frees them) */
	int f32;
};

/* The family called name, or NULL. model_family_names: "a, b, c". */
const struct model_family *model_family_find(const char *name);
const char *model_family_names(void);

/*
 * Read and validate model.json: kind mlci.model, schema_version up to
 * SCHEMA_MODEL, every field's type and every array's length against the
 * declared sizes. *out is a new model (model_free it); sha (may be NULL)
 * gets the file's sha256. Errors: 66 missing file; 65 naming the file for
 * anything malformed. A forest of 8 MB or more is read with its trees
 * left out of the JSON and parsed one at a time (errors at the same line
 * and column; MLCI_MODEL_LEAN_BYTES, for tests, sets the size): its
 * memory is the text and the nodes, not their JSON values.
 */
int model_load(struct model **out, const char *path,
	       char sha[SHA256_HEX_LEN + 1], struct mlci_err *err);

/*
 * The same validation as model_load, on an artifact already parsed (kind
 * and schema_version are checked too): mlci-package and mlci-deploy use
 * it on the model.json they hold. file names it in errors (65). *out is
 * a new model (model_free it).
 */
int model_from_json(struct model **out, const json_t *art, const char *file,
		    struct mlci_err *err);

/* As model_from_json, the elements of model.trees (left out of art) in
 * src (model_load's lean read; NULL: none left out). */
int model_from_json_src(struct model **out, const json_t *art,
			const struct model_src *src, const char *file,
			struct mlci_err *err);

/* Free m and everything it holds; NULL is fine. */
void model_free(struct model *m);

/* 1 for a classifier, 0 for a regressor. */
int model_is_classifier(const struct model *m);

/* Number of classes (0 for a regressor). */
size_t model_nclasses(const struct model *m);

/* Name of class k (owned by m), or NULL when k is out of range. */
const char *model_class_name(const struct model *m, size_t k);

/* Index of the class called name, or -1 when the model has no such class
 * (classes that are all numbers match by value: 1.0 is class 1). */
long model_class_index(const struct model *m, const char *name);

/* The label column's name (owned by m). */
const char *model_label(const struct model *m);

/* Number of input feature columns, and the name of column j (owned by m). */
size_t model_nfeatures(const struct model *m);
const char *model_feature_name(const struct model *m, size_t j);

/* The model family's name: "logistic", "linear", "ridge", "lasso",
 * "elasticnet", "tree", "forest", "hgb" or "mlp" (owned by m). */
const char *model_type(const struct model *m);

/*
 * Predict every row of f. Classifiers: out gets nrows * nclasses
 * probabilities, row-major; regressors: nrows values. Feature columns are
 * found by name (missing column: 65 naming f->path); a non-number in a
 * numeric feature: 65 "file:line:col: expected a number in column 'X',
 * found 'abc'". Missing values are imputed; unseen categories encode as
 * zeros.
 */
int model_predict(const struct model *m, const struct frame *f, double *out,
		  struct mlci_err *err);

/* Serialise m's task, label, classes, features, preprocessing and model
 * fields into the artifact object art. 0, or -1 when memory runs out. */
int model_to_json(const struct model *m, json_t *art);

/* --- training (mlci-train) --- */

struct train_opts {
	const char *data;		/* CSV to train on */
	const char *label;		/* label column */
	const char *model;		/* a family name (model_family_find) */
	const char *task;		/* "auto" (NULL), "classification", "regression" */
	int threads;			/* worker threads; 0: online CPUs */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
	void (*progress_loss)(void *ctx, double loss);	/* fit_data's */
	const char *out;		/* model.json */
	const char *const *params;	/* "k=v" strings */
	size_t nparams;
	long seed;			/* recorded; the fits are deterministic */
	const char *features;		/* comma-separated, or NULL */
	const char *exclude;		/* comma-separated, or NULL */
	struct csv_opts csv;
	const char *label_suffix;	/* dropped from label values, or NULL */
	const char *tensorboard;	/* a directory for the curves' event
					 * file (tfevents.h), or NULL */
	/* cross-validation before the final fit (cv.h) */
	size_t cv;			/* folds; 0: none */
	const char *cv_stratify;	/* "auto" (NULL), "on", "off" */
	int cv_shuffle;			/* shuffle the rows (from seed) first */
	void (*cv_progress)(void *ctx, size_t fold, size_t k, size_t n_test,
			    const char *metric, double value);
	void *cv_progress_ctx;
	/* after the fit: "permutation" importance on the training data */
	const char *importance;		/* NULL, "none" or "permutation" */
	long importance_repeats;	/* 0: 5 */
	/* the design matrix: "float64" (NULL) or "float32" (families with
	 * f32 set, plain fits: streamed into single floats) */
	const char *dtype;
	/* hyperparameter search (search.h): each trial scored by k-fold
	 * cross-validation (o->cv folds, 5 when 0) on search_metric */
	const char *const *search;	/* the space's specs */
	size_t nsearch;
	const char *search_method;	/* "random" (NULL), "grid", "bayes" */
	long trials;			/* random and bayes: T (0: 20) */
	long grid_points;		/* grid: points per real dimension (0: 5) */
	long search_batches;		/* bayes: B (0: 1, the shards, or the --select files) */
	const char *search_metric;	/* NULL: accuracy or r2 */
	unsigned shard, nshards;	/* this runner of nshards (0/0: all):
					 * writes its trials to o->out */
	const char *const *select;	/* trials artifacts to pick the best of */
	size_t nselect;
	/* after each trial: done of total, its parameters as text, score */
	void (*trial_progress)(void *ctx, size_t done, size_t total,
			       const char *params, const char *metric,
			       double score, double best);
	void *trial_progress_ctx;
};

struct train_result {
	const char *task;		/* static */
	size_t n_rows, n_features_in, n_features_out, nclasses;
	struct fit_report fit;
	char *tensorboard_path;		/* the event file written (malloc'd:
					 * the caller frees it), or NULL */
	long tensorboard_points;	/* points in it (0: no curve, no file) */
	char cv_warning[256];		/* a cross-validation warning, or "" */
	char prep_warning[256];		/* a preprocessing warning, or "" */
	char empty_warning[256];	/* feature columns without a value, or "" */
	char label_warning[256];	/* a warning about the labels, or "" */
	int cv_stratified;
	double cv_mean;			/* mean accuracy or r2 over the folds */
	/* a search: trials evaluated here (or selected from), the best */
	size_t search_trials;
	long search_best;		/* trial id, -1: none */
	double search_score;
	const char *search_metric;	/* static or o's */
	int wrote_trials;		/* a shard's trials went to o->out */
};

/*
 * Train o->model on o->data and write o->out atomically (nothing is left
 * there on failure). With o->cv, cross-validate first (cv.h), folds
 * reported through o->cv_progress; with o->importance "permutation",
 * add permutation importance on the training rows after the fit. With
 * o->tensorboard, the training section's curves also go to an event file
 * in that directory, written before model.json and removed if model.json
 * cannot be written.
 * Errors: unknown model or parameter, bad --features usage, bad --cv
 * options: 64; more folds than rows (or than any class's rows,
 * stratified): 65; data problems (missing label column, non-numeric label for
 * a regressor, a single class, ...): 65 naming the file; 66 missing file;
 * 73/74 output.
 */
int train_run(const struct train_opts *o, struct train_result *res,
	      struct mlci_err *err);

#endif
