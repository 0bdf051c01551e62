/* train_run: mlci-train's core (see model.h). */
#include "model.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact.h"
#include "linmodel.h"
#include "util.h"

/* Largest dense design matrix training will build (doubles: 2 GiB). */
#define TRAIN_MAX_CELLS ((size_t)1 << 28)

static int bad_param(struct mlci_err *err, const char *kv, const char *why)
{
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--param %.100s: %s", kv, why);
}

/* The family's defaults, then each --param k=v through the family. cls:
 * 1 classifier, 0 regressor, -1 not known yet (chosen by the label). */
static int parse_params(const struct train_opts *o,
			const struct model_family *fam, void *hp, int cls,
			struct mlci_err *err)
{
	size_t i;

	fam->params_init(hp, cls);
	for (i = 0; i < o->nparams; i++) {
		const char *kv = o->params[i], *eq = strchr(kv, '=');
		size_t klen = eq ? (size_t)(eq - kv) : 0;

		if (!eq || !klen)
			return bad_param(err, kv, "expected KEY=VALUE");
		if (fam->param(hp, cls, kv, klen, eq + 1, err) < 0)
			return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Largest number of distinct integer labels auto takes for classes. */
#define AUTO_MAX_INT_CLASSES 10

/* Classification or regression: fixed by the family, by --task, or
 * (auto) by the label: classes unless every value is a number and they
 * are not all integers with at most 10 distinct values. */
static int choose_task(const struct train_opts *o,
		       const struct model_family *fam, const struct frame *f,
		       size_t lc, int *classifier, struct mlci_err *err)
{
	const char *t = o->task && *o->task ? o->task : "auto";
	double *v, x;
	size_t r, n = 0, distinct = 0;
	int integers = 1;

	if (strcmp(t, "auto") && strcmp(t, "classification") &&
	    strcmp(t, "regression"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--task '%.40s': expected auto, classification or regression", t);
	if (fam->task != TASK_EITHER) {
		*classifier = fam->task == TASK_CLASSIFY;
		if (strcmp(t, "auto") && *classifier != !strcmp(t, "classification"))
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--model %s is %s only", fam->name,
				       *classifier ? "classification" : "regression");
		return 0;
	}
	if (strcmp(t, "auto")) {
		*classifier = !strcmp(t, "classification");
		return 0;
	}
	v = malloc((f->nrows + 1) * sizeof(*v));
	if (!v)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	*classifier = 0;
	for (r = 0; r < f->nrows; r++) {
		const char *s = frame_cell(f, r, lc);

		if (!s)
			continue;	/* reported where the labels are read */
		if (parse_double(s, &x) < 0 || !isfinite(x)) {
			*classifier = 1;
			break;
		}
		if (x != floor(x))
			integers = 0;
		v[n++] = x;
	}
	if (!*classifier && integers) {
		qsort(v, n, sizeof(*v), cmp_double);
		for (r = 0; r < n; r++)
			distinct += !r || v[r] != v[r - 1];
		*classifier = distinct <= AUTO_MAX_INT_CLASSES;
	}
	free(v);
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

/* Encoding the design matrix: row chunks on threads (rows are
 * independent; the first failing row in row order reports). */
#define ENCODE_CHUNK ((size_t)4096)

struct encode {
	const struct prep *p;
	const struct frame *f;
	const size_t *cols;
	double *X;
	pthread_mutex_t lock;
	size_t next, bad_row;
	struct mlci_err err;	/* of the first bad row */
};

static void *encode_worker(void *arg)
{
	struct encode *e = arg;
	struct mlci_err err;

	for (;;) {
		size_t r0, r1, r;

		pthread_mutex_lock(&e->lock);
		r0 = e->next;
		e->next += ENCODE_CHUNK;
		pthread_mutex_unlock(&e->lock);
		if (r0 >= e->f->nrows)
			return NULL;
		r1 = r0 + ENCODE_CHUNK < e->f->nrows ? r0 + ENCODE_CHUNK : e->f->nrows;
		for (r = r0; r < r1; r++) {
			memset(&err, 0, sizeof(err));
			if (prep_row(e->p, e->f, e->cols, r, e->X + r * e->p->nout, &err) < 0) {
				pthread_mutex_lock(&e->lock);
				if (r < e->bad_row)
					e->bad_row = r, e->err = err;
				pthread_mutex_unlock(&e->lock);
				break;
			}
		}
	}
}

static int encode_rows(const struct prep *p, const struct frame *f,
		       const size_t *cols, double *X, int nthreads,
		       struct mlci_err *err)
{
	struct encode e;
	pthread_t tid[64];
	int i, started = 0;

	memset(&e, 0, sizeof(e));
	e.p = p, e.f = f, e.cols = cols, e.X = X, e.bad_row = (size_t)-1;
	pthread_mutex_init(&e.lock, NULL);
	if (nthreads > 64)
		nthreads = 64;
	if ((size_t)nthreads > f->nrows / ENCODE_CHUNK + 1)
		nthreads = (int)(f->nrows / ENCODE_CHUNK + 1);
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&tid[started], NULL, encode_worker, &e) == 0)
			started++;
	encode_worker(&e);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&e.lock);
	if (e.bad_row != (size_t)-1) {
		*err = e.err;
		return -1;
	}
	return 0;
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

int train_run(const struct train_opts *o, struct train_result *res,
	      struct mlci_err *err)
{
	struct frame f = {0};
	const struct model_family *fam = model_family_find(o->model);
	void *hp = NULL;
	struct model *m = NULL;
	struct fit_data d;
	size_t *cols = NULL, ncols, *yc = NULL;
	double *yr = NULL, *X = NULL;
	json_t *art = NULL, *mod, *training = NULL;
	int lc, rc = -1, cls;

	memset(res, 0, sizeof(*res));
	if (!fam)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "unknown --model '%.60s' (known: %s)", o->model,
			       model_family_names());
	if (o->threads < 0 || o->threads > 1024)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--threads %d: expected 0 (online CPUs) to 1024",
			       o->threads);
	hp = calloc(1, fam->params_size);
	if (!hp)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	cls = fam->task == TASK_EITHER ? -1 : fam->task == TASK_CLASSIFY;
	if (parse_params(o, fam, hp, cls, err) < 0)
		goto out;
	if (o->features && o->exclude) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"give --features or --exclude, not both");
		goto out;
	}
	if (frame_load(&f, o->data, &o->csv, err) < 0)
		goto out;
	lc = frame_find(&f, o->label);
	if (lc < 0) {
		err_set(err, MLCI_EXIT_DATAERR, o->data,
			"no label column '%.100s'", o->label);
		goto out;
	}
	frame_strip_suffix(&f, (size_t)lc, o->label_suffix);
	if (choose_task(o, fam, &f, (size_t)lc, &cls, err) < 0)
		goto out;
	if (fam->task == TASK_EITHER &&
	    (memset(hp, 0, fam->params_size),
	     parse_params(o, fam, hp, cls, err) < 0))
		goto out;
	m = calloc(1, sizeof(*m));
	cols = calloc(f.ncols + 1, sizeof(*cols));
	yc = calloc(f.nrows + 1, sizeof(*yc));
	yr = calloc(f.nrows + 1, sizeof(*yr));
	if (!m || !cols || !yc || !yr)
		goto oom;
	m->classifier = cls;
	m->fam = fam;
	m->label = strdup(o->label);
	m->type = strdup(fam->name);
	if (!m->label || !m->type)
		goto oom;
	if (select_columns(o, &f, (size_t)lc, cols, &ncols, err) < 0)
		goto out;
	if (cls ? class_labels(m, &f, (size_t)lc, yc, err) :
	    numeric_labels(&f, (size_t)lc, yr, err))
		goto out;
	if (prep_fit_threads(&m->prep, &f, cols, ncols,
			     o->threads ? o->threads : online_cpus(), err) < 0)
		goto out;
	m->prep.nan_missing = fam->nan_missing;
	if (m->prep.nout && f.nrows > TRAIN_MAX_CELLS / m->prep.nout) {
		err_set(err, MLCI_EXIT_DATAERR, o->data,
			"%zu rows by %zu encoded features is too large to train on",
			f.nrows, m->prep.nout);
		goto out;
	}
	X = malloc((f.nrows * m->prep.nout + 1) * sizeof(*X));
	if (!X)
		goto oom;
	if (encode_rows(&m->prep, &f, cols, X, o->threads ? o->threads : online_cpus(),
			err) < 0)
		goto out;
	training = json_object();
	if (!training)
		goto oom;
	memset(&d, 0, sizeof(d));
	d.X = X, d.yc = yc, d.yr = yr, d.n = f.nrows, d.p = m->prep.nout;
	d.seed = o->seed;
	d.threads = o->threads ? o->threads : online_cpus();
	d.progress = o->progress, d.progress_ctx = o->progress_ctx;
	if (fam->fit(m, hp, &d, &res->fit, training, err) < 0)
		goto out;

	res->task = cls ? "classification" : "regression";
	res->n_rows = f.nrows;
	res->n_features_in = ncols;
	res->n_features_out = m->prep.nout;
	res->nclasses = m->nclasses;
	json_object_set_new(training, cls ? "accuracy" : "r2",
			    json_real(res->fit.score));
	json_object_set_new(training, "n_rows", json_integer((json_int_t)f.nrows));
	json_object_set_new(training, "n_features_in", json_integer((json_int_t)ncols));
	json_object_set_new(training, "n_features_out",
			    json_integer((json_int_t)m->prep.nout));
	json_object_set_new(training, "seed", json_integer(o->seed));

	art = artifact_new(KIND_MODEL, SCHEMA_MODEL, "mlci-train", err);
	if (!art)
		goto out;
	if (artifact_add_input(art, "data", o->data, f.sha256) < 0 ||
	    model_to_json(m, art) < 0 ||
	    !(mod = json_object_get(art, "model")) ||
	    json_object_set_new(mod, "params", fam->params_json(hp, cls)) < 0 ||
	    json_object_set(art, "training", training) < 0 ||
	    json_object_set_new(art, "data_sha256", json_string(f.sha256)) < 0)
		goto oom;
	rc = artifact_write(o->out, art, err);
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	json_decref(art);
	json_decref(training);
	free(X), free(cols), free(yc), free(yr), free(hp);
	model_free(m);
	frame_free(&f);
	return rc;
}
