/* train_run: mlci-train's core (see model.h). */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "linmodel.h"
#include "util.h"

/* Largest dense design matrix training will build (doubles: 2 GiB). */
#define TRAIN_MAX_CELLS ((size_t)1 << 28)

struct hparams {
	const char *type;	/* static */
	int classifier;
	double C, tol, alpha;
	long max_iter;
};

static int bad_param(struct mlci_err *err, const char *kv, const char *why)
{
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--param %.100s: %s", kv, why);
}

/* Defaults, then each --param k=v, checked against the model's keys. */
static int parse_params(const struct train_opts *o, struct hparams *h,
			struct mlci_err *err)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->C = 1.0, h->tol = 1e-8, h->max_iter = 1000, h->alpha = 1.0;
	if (!strcmp(o->model, "logistic"))
		h->type = "logistic", h->classifier = 1;
	else if (!strcmp(o->model, "linear"))
		h->type = "linear";
	else if (!strcmp(o->model, "ridge"))
		h->type = "ridge";
	else
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "unknown --model '%.60s' (known: logistic, linear, ridge)",
			       o->model);
	for (i = 0; i < o->nparams; i++) {
		const char *kv = o->params[i], *eq = strchr(kv, '=');
		size_t klen = eq ? (size_t)(eq - kv) : 0;
		double v;

		if (!eq || !klen)
			return bad_param(err, kv, "expected KEY=VALUE");
		if (parse_double(eq + 1, &v) < 0)
			return bad_param(err, kv, "the value must be a number");
#define KEY(s) (klen == strlen(s) && !strncmp(kv, s, klen))
		if (h->classifier && KEY("C")) {
			if (!(v > 0))
				return bad_param(err, kv, "C must be > 0");
			h->C = v;
		} else if (h->classifier && KEY("tol")) {
			if (!(v > 0))
				return bad_param(err, kv, "tol must be > 0");
			h->tol = v;
		} else if (h->classifier && KEY("max_iter")) {
			if (v < 1 || v > 1e7 || v != floor(v))
				return bad_param(err, kv, "max_iter must be an integer from 1 to 10000000");
			h->max_iter = (long)v;
		} else if (!strcmp(h->type, "ridge") && KEY("alpha")) {
			if (!(v >= 0))
				return bad_param(err, kv, "alpha must be >= 0");
			h->alpha = v;
		} else {
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--param %.100s: model '%s' has no parameter '%.*s' (it takes: %s)",
				       kv, h->type, (int)klen, kv,
				       h->classifier ? "C, max_iter, tol" :
				       !strcmp(h->type, "ridge") ? "alpha" : "none");
		}
#undef KEY
	}
	return 0;
}

/* Mark the columns named in a comma-separated list (1 in mark[]). */
static int mark_list(const struct frame *f, const char *list, const char *opt,
		     char *mark, struct mlci_err *err)
{
	const char *s = list;

	for (;;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s), c;

		for (c = 0; c < f->ncols; c++)
			if (strlen(f->names[c]) == len &&
			    !strncmp(f->names[c], s, len))
				break;
		if (!len)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--%s: empty column name in '%.100s'", opt, list);
		if (c == f->ncols)
			return err_set(err, MLCI_EXIT_DATAERR, f->path,
				       "no column '%.*s' (named in --%s)",
				       (int)(len > 100 ? 100 : len), s, opt);
		if (mark[c])
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--%s names '%.*s' twice", opt,
				       (int)(len > 100 ? 100 : len), s);
		mark[c] = 1;
		if (!e)
			return 0;
		s = e + 1;
	}
}

/* The feature columns, in data-file order. */
static int select_columns(const struct train_opts *o, const struct frame *f,
			  size_t lc, size_t *cols, size_t *n,
			  struct mlci_err *err)
{
	char *mark = calloc(f->ncols + 1, 1);
	const char *list = o->features ? o->features : o->exclude;
	const char *opt = o->features ? "features" : "exclude";
	size_t c;
	int rc = -1;

	*n = 0;
	if (!mark)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (list && mark_list(f, list, opt, mark, err) < 0)
		goto out;
	if (o->features && mark[lc]) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--features names the label column '%.100s'", o->label);
		goto out;
	}
	for (c = 0; c < f->ncols; c++)
		if (c != lc && (o->features ? mark[c] : !mark[c]))
			cols[(*n)++] = c;
	rc = 0;
	if (!*n)
		rc = err_set(err, o->exclude ? MLCI_EXIT_USAGE : MLCI_EXIT_DATAERR,
			     o->exclude ? NULL : f->path,
			     "no feature columns left besides the label '%.100s'",
			     o->label);
out:
	free(mark);
	return rc;
}

static int missing_label(const struct frame *f, size_t r, size_t lc,
			 struct mlci_err *err)
{
	size_t i = r * f->ncols + lc;

	return err_set_at(err, MLCI_EXIT_DATAERR, f->path, (long)f->line[i],
			  (long)f->col[i], "missing value in label column '%.100s'",
			  f->names[lc]);
}

struct uniq {
	const char *s;
	double v;	/* numeric value, when every label is a number */
	size_t k;	/* class index */
};

static int cmp_uniq_str(const void *a, const void *b)
{
	return strcmp(((const struct uniq *)a)->s, ((const struct uniq *)b)->s);
}

static int cmp_uniq_num(const void *a, const void *b)
{
	const struct uniq *x = *(struct uniq *const *)a;
	const struct uniq *y = *(struct uniq *const *)b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return strcmp(x->s, y->s);
}

/* Class names (sorted: as numbers when all are numbers, else as
 * strings) into m->classes, and each row's class index into y. */
static int class_labels(struct model *m, const struct frame *f, size_t lc,
			size_t *y, struct mlci_err *err)
{
	struct uniq *u = malloc((f->nrows + 1) * sizeof(*u)), key, *hit;
	struct uniq **order = NULL;
	size_t r, n = 0, k;
	int numeric = 1, rc = -1;

	if (!u)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (r = 0; r < f->nrows; r++) {
		if (!frame_cell(f, r, lc)) {
			missing_label(f, r, lc, err);
			goto out;
		}
		u[r].s = frame_cell(f, r, lc);
	}
	qsort(u, f->nrows, sizeof(*u), cmp_uniq_str);
	for (r = 0; r < f->nrows; r++)
		if (!n || strcmp(u[n - 1].s, u[r].s))
			u[n++] = u[r];
	if (n > MODEL_MAX_CLASSES) {
		err_set(err, MLCI_EXIT_DATAERR, f->path,
			"label column '%.100s' has %zu distinct values, more than the %zu classes a classifier may have",
			f->names[lc], n, MODEL_MAX_CLASSES);
		goto out;
	}
	if (n < 2) {
		err_set(err, MLCI_EXIT_DATAERR, f->path,
			"label column '%.100s' has a single class '%.100s'",
			f->names[lc], u[0].s);
		goto out;
	}
	order = malloc(n * sizeof(*order));
	m->classes = calloc(n, sizeof(*m->classes));
	if (!order || !m->classes)
		goto oom;
	for (k = 0; k < n; k++) {
		order[k] = &u[k];
		if (parse_double(u[k].s, &u[k].v) < 0)
			numeric = 0;
	}
	if (numeric)
		qsort(order, n, sizeof(*order), cmp_uniq_num);
	for (k = 0; k < n; k++) {
		order[k]->k = k;
		m->classes[k] = strdup(order[k]->s);
		if (!m->classes[k])
			goto oom;
		m->nclasses++;
	}
	for (r = 0; r < f->nrows; r++) {
		key.s = frame_cell(f, r, lc);
		hit = bsearch(&key, u, n, sizeof(*u), cmp_uniq_str);
		y[r] = hit->k;
	}
	rc = 0;
	goto out;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	free(order);
	free(u);
	return rc;
}

static int numeric_labels(const struct frame *f, size_t lc, double *y,
			  struct mlci_err *err)
{
	size_t r;

	for (r = 0; r < f->nrows; r++) {
		int rc = frame_number(f, r, lc, &y[r], err);

		if (rc < 0)
			return -1;
		if (rc)
			return missing_label(f, r, lc, err);
	}
	return 0;
}

/* Training accuracy or r2 of the fitted model on its design matrix. */
static double train_score(const struct model *m, const double *X,
			  const size_t *yc, const double *yr, size_t n)
{
	size_t p = m->prep.nout, i, j, k, hits = 0;
	double rss = 0, tss = 0, mean = 0;

	for (i = 0; !m->classifier && i < n; i++)
		mean += yr[i] / (double)n;
	for (i = 0; i < n; i++) {
		size_t best = 0;
		double bz = 0;

		for (k = 0; k < m->rows; k++) {
			double z = m->intercept[k];

			for (j = 0; j < p; j++)
				z += m->coef[k * p + j] * X[i * p + j];
			if (!m->classifier)
				rss += (yr[i] - z) * (yr[i] - z);
			else if (m->rows == 1)
				best = z > 0;
			else if (!k || z > bz)
				best = k, bz = z;
		}
		if (m->classifier)
			hits += best == yc[i];
		else
			tss += (yr[i] - mean) * (yr[i] - mean);
	}
	if (m->classifier)
		return (double)hits / (double)n;
	return tss > 0 ? 1 - rss / tss : (rss == 0 ? 1 : 0);
}

static json_t *training_json(const struct train_result *res,
			     const struct fit_summary *s, long seed,
			     int classifier)
{
	json_t *t = json_object(), *loss = json_object();

	if (!t || !loss) {
		json_decref(t);
		json_decref(loss);
		return NULL;
	}
	json_object_set_new(t, "iterations", json_integer(s->iterations));
	json_object_set_new(t, "evaluations", json_integer(s->evaluations));
	json_object_set_new(t, "converged", json_boolean(s->converged));
	json_object_set_new(t, "stop", json_string(s->stop));
	json_object_set_new(loss, "objective", json_real(s->objective));
	json_object_set_new(loss, classifier ? "log_loss" : "mse",
			    json_real(s->loss));
	json_object_set_new(t, "loss", loss);
	json_object_set_new(t, classifier ? "accuracy" : "r2",
			    json_real(res->score));
	if (classifier)
		json_object_set_new(t, "gradient_max", json_real(s->grad_max));
	json_object_set_new(t, "n_rows", json_integer((json_int_t)res->n_rows));
	json_object_set_new(t, "n_features_in",
			    json_integer((json_int_t)res->n_features_in));
	json_object_set_new(t, "n_features_out",
			    json_integer((json_int_t)res->n_features_out));
	json_object_set_new(t, "seed", json_integer(seed));
	return t;
}

static json_t *params_json(const struct hparams *h)
{
	json_t *p = json_object();

	if (!p)
		return NULL;
	if (h->classifier) {
		json_object_set_new(p, "C", json_real(h->C));
		json_object_set_new(p, "max_iter", json_integer(h->max_iter));
		json_object_set_new(p, "tol", json_real(h->tol));
	} else if (!strcmp(h->type, "ridge")) {
		json_object_set_new(p, "alpha", json_real(h->alpha));
	}
	return p;
}

/* Fit the model on X and fill m's coefficients, s and res->score. */
static int fit(struct model *m, const struct hparams *h, const double *X,
	       const size_t *yc, const double *yr, size_t n,
	       struct fit_summary *s, struct mlci_err *err)
{
	size_t p = m->prep.nout;
	struct lbfgs_params lp;

	m->rows = m->classifier && m->nclasses > 2 ? m->nclasses : 1;
	m->coef = calloc(m->rows * p + 1, sizeof(*m->coef));
	m->intercept = calloc(m->rows, sizeof(*m->intercept));
	if (!m->coef || !m->intercept)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (!m->classifier)
		return ridge_fit(X, yr, n, p, strcmp(h->type, "ridge") ? 0 :
				 h->alpha, m->coef, m->intercept, s, err);
	lbfgs_defaults(&lp);
	lp.max_iter = h->max_iter;
	lp.gtol = h->tol;
	return logistic_fit(X, yc, n, p, m->nclasses, h->C, &lp, m->coef,
			    m->intercept, s, err);
}

int train_run(const struct train_opts *o, struct train_result *res,
	      struct mlci_err *err)
{
	struct frame f = {0};
	struct hparams h;
	struct model *m = NULL;
	struct fit_summary s;
	size_t *cols = NULL, ncols, *yc = NULL, r;
	double *yr = NULL, *X = NULL;
	json_t *art = NULL, *mod;
	int lc, rc = -1;

	memset(res, 0, sizeof(*res));
	if (parse_params(o, &h, err) < 0)
		return -1;
	if (o->features && o->exclude)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "give --features or --exclude, not both");
	if (frame_load(&f, o->data, &o->csv, err) < 0)
		return -1;
	lc = frame_find(&f, o->label);
	if (lc < 0) {
		err_set(err, MLCI_EXIT_DATAERR, o->data,
			"no label column '%.100s'", o->label);
		goto out;
	}
	frame_strip_suffix(&f, (size_t)lc, o->label_suffix);
	m = calloc(1, sizeof(*m));
	cols = calloc(f.ncols + 1, sizeof(*cols));
	yc = calloc(f.nrows + 1, sizeof(*yc));
	yr = calloc(f.nrows + 1, sizeof(*yr));
	if (!m || !cols || !yc || !yr)
		goto oom;
	m->classifier = h.classifier;
	m->label = strdup(o->label);
	m->type = strdup(h.type);
	if (!m->label || !m->type)
		goto oom;
	if (select_columns(o, &f, (size_t)lc, cols, &ncols, err) < 0)
		goto out;
	if (h.classifier ? class_labels(m, &f, (size_t)lc, yc, err) :
	    numeric_labels(&f, (size_t)lc, yr, err))
		goto out;
	if (prep_fit(&m->prep, &f, cols, ncols, err) < 0)
		goto out;
	if (m->prep.nout && f.nrows > TRAIN_MAX_CELLS / m->prep.nout) {
		err_set(err, MLCI_EXIT_DATAERR, o->data,
			"%zu rows by %zu encoded features is too large to train on",
			f.nrows, m->prep.nout);
		goto out;
	}
	X = malloc((f.nrows * m->prep.nout + 1) * sizeof(*X));
	if (!X)
		goto oom;
	for (r = 0; r < f.nrows; r++)
		if (prep_row(&m->prep, &f, cols, r, X + r * m->prep.nout, err) < 0)
			goto out;
	if (fit(m, &h, X, yc, yr, f.nrows, &s, err) < 0)
		goto out;

	res->task = h.classifier ? "classification" : "regression";
	res->n_rows = f.nrows;
	res->n_features_in = ncols;
	res->n_features_out = m->prep.nout;
	res->nclasses = m->nclasses;
	res->iterations = s.iterations;
	res->converged = s.converged;
	res->stop = s.stop;
	res->loss = s.loss;
	res->score = train_score(m, X, yc, yr, f.nrows);

	art = artifact_new(KIND_MODEL, SCHEMA_MODEL, "mlci-train", err);
	if (!art)
		goto out;
	if (artifact_add_input(art, "data", o->data, f.sha256) < 0 ||
	    model_to_json(m, art) < 0 ||
	    !(mod = json_object_get(art, "model")) ||
	    json_object_set_new(mod, "params", params_json(&h)) < 0 ||
	    json_object_set_new(art, "training",
				training_json(res, &s, o->seed, h.classifier)) < 0 ||
	    json_object_set_new(art, "data_sha256", json_string(f.sha256)) < 0)
		goto oom;
	rc = artifact_write(o->out, art, err);
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	json_decref(art);
	free(X), free(cols), free(yc), free(yr);
	model_free(m);
	frame_free(&f);
	return rc;
}
