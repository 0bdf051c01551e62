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
 *   model          {type: logistic|linear|ridge, params, coefficients
 *                  (rows of n_outputs: 1, or K for multinomial), intercepts}
 *   training       {iterations, evaluations, converged, stop, loss
 *                  {objective, log_loss | mse}, accuracy | r2, n_rows,
 *                  n_features_in, n_features_out, seed}
 *   data_sha256    sha256 of the training CSV (also inputs[role=data])
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

struct model {
	char *label;
	char *type;		/* "logistic", "linear", "ridge" */
	int classifier;
	char **classes;		/* nclasses names (classifiers) */
	size_t nclasses;	/* 0 for regressors */
	struct prep prep;
	size_t rows;		/* coefficient rows: 1, or nclasses (multinomial) */
	double *coef;		/* rows * prep.nout, row-major */
	double *intercept;	/* rows */
};

/*
 * Read and validate model.json: kind mlci.model, schema_version up to
 * SCHEMA_MODEL, every field's type and every array's length against the
 * declared sizes. *out is a new model (model_free it); sha (may be NULL)
 * gets the file's sha256. Errors: 66 missing file; 65 naming the file for
 * anything malformed.
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

/* Free m and everything it holds; NULL is fine. */
void model_free(struct model *m);

/* 1 for a classifier, 0 for a regressor. */
int model_is_classifier(const struct model *m);

/* Number of classes (0 for a regressor). */
size_t model_nclasses(const struct model *m);

/* Name of class k (owned by m), or NULL when k is out of range. */
const char *model_class_name(const struct model *m, size_t k);

/* Index of the class called name, or -1 when the model has no such class. */
long model_class_index(const struct model *m, const char *name);

/* The label column's name (owned by m). */
const char *model_label(const struct model *m);

/* Number of input feature columns, and the name of column j (owned by m). */
size_t model_nfeatures(const struct model *m);
const char *model_feature_name(const struct model *m, size_t j);

/* "logistic", "linear" or "ridge" (owned by m). */
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
	const char *model;		/* "logistic", "linear", "ridge" */
	const char *out;		/* model.json */
	const char *const *params;	/* "k=v" strings */
	size_t nparams;
	long seed;			/* recorded; the fits are deterministic */
	const char *features;		/* comma-separated, or NULL */
	const char *exclude;		/* comma-separated, or NULL */
	struct csv_opts csv;
	const char *label_suffix;	/* dropped from label values, or NULL */
};

struct train_result {
	const char *task;		/* static */
	size_t n_rows, n_features_in, n_features_out, nclasses;
	long iterations;
	int converged;
	const char *stop;		/* static */
	double loss;			/* mean log loss, or mse */
	double score;			/* training accuracy, or r2 */
};

/*
 * Train o->model on o->data and write o->out atomically (nothing is left
 * there on failure). Errors: unknown model or parameter, bad --features
 * usage: 64; data problems (missing label column, non-numeric label for
 * a regressor, a single class, ...): 65 naming the file; 66 missing file;
 * 73/74 output.
 */
int train_run(const struct train_opts *o, struct train_result *res,
	      struct mlci_err *err);

#endif
