/* train_run: mlci-train's core (see model.h). */
#include "frame_stream.h"
#include "model.h"

#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact.h"
#include "cv.h"
#include "linmodel.h"
#include "search.h"
#include "tfevents.h"
#include "util.h"

/* Largest dense design matrix training will build (doubles: 2 GiB). */
#define TRAIN_MAX_CELLS ((size_t)1 << 28)
/* Cells of the design matrices of folds fitted at once (doubles: 1 GiB). */
#define CV_PARALLEL_CELLS ((size_t)1 << 27)

static int bad_param(struct mlci_err *err, const char *kv, const char *why)
{
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--param %.100s: %s", kv, why);
}

static int apply_params(const struct model_family *fam, void *hp, int cls,
			const char *const *kvs, size_t n, struct mlci_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *kv = kvs[i], *eq = strchr(kv, '=');
		size_t klen = eq ? (size_t)(eq - kv) : 0;

		if (!eq || !klen)
			return bad_param(err, kv, "expected KEY=VALUE");
		if (fam->param(hp, cls, kv, klen, eq + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* The family's defaults, then each --param k=v through the family. cls:
 * 1 classifier, 0 regressor, -1 not known yet (chosen by the label). */
static int parse_params(const struct train_opts *o,
			const struct model_family *fam, void *hp, int cls,
			struct mlci_err *err)
{
	fam->params_init(hp, cls);
	return apply_params(fam, hp, cls, o->params, o->nparams, err);
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
	/* the distinct values, up to one past the most classes take */
	double seen[AUTO_MAX_INT_CLASSES + 1], x;
	size_t r, k, distinct = 0;
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
		for (k = 0; integers && k < distinct && seen[k] != x; k++)
			;
		if (integers && k == distinct && distinct <= AUTO_MAX_INT_CLASSES)
			seen[distinct++] = x;
	}
	if (!*classifier && integers)
		*classifier = distinct <= AUTO_MAX_INT_CLASSES;
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

/*
 * The first categorical column (in order) whose values are mostly
 * numbers: a stray 'inf' or '1e999' made it one, which a user would want
 * to know (mlci-evaluate refuses such a value in a numeric column). The
 * warning, or "", into buf.
 */
static void mostly_numbers(const struct frame *f, const size_t *cols,
			   const struct prep *p, char *buf, size_t n)
{
	size_t i, r;

	buf[0] = '\0';
	for (i = 0; i < p->ncols; i++) {
		size_t nums = 0, vals = 0, first = SIZE_MAX;

		if (p->cols[i].kind != PREP_CATEGORICAL)
			continue;
		for (r = 0; r < f->nrows; r++) {
			double v;
			int rc = frame_number(f, r, cols[i], &v, NULL);

			if (rc == 1)
				continue;	/* missing */
			vals++;
			if (rc == 0)
				nums++;
			else if (first == SIZE_MAX)
				first = r;
		}
		if (first != SIZE_MAX && nums * 2 > vals) {
			long line, col;

			frame_pos(f, first, cols[i], &line, &col);
			const char *v = frame_cell(f, first, cols[i]);

			snprintf(buf, n, "column '%.*s' is categorical: %zu of its %zu values are numbers, but '%.*s' (line %ld) is not a finite number",
				 utf8_cut(p->cols[i].name, 60), p->cols[i].name, nums,
				 vals, utf8_cut(v, 30), v, line);
			return;
		}
	}
}

/*
 * Numeric columns with no value in the training rows, named in buf
 * (those that fit, then a count): such a column is constant (its fill,
 * 0) and the model cannot use it, where a user would expect a feature
 * (scikit-learn's SimpleImputer drops one with a warning).
 */
static void no_values(const struct prep *p, char *buf, size_t n)
{
	char names[150];	/* with the longest rest and count, 251 bytes */
	size_t i, k = 0, shown = 0, len = 0;

	buf[0] = names[0] = '\0';
	for (i = 0; i < p->ncols; i++) {
		const char *name = p->cols[i].name;
		int w = utf8_cut(name, 60);

		if (p->cols[i].kind != PREP_NUMERIC || p->cols[i].present)
			continue;
		if (k++ == shown && len + (size_t)w + 4 < sizeof(names)) {
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s'%.*s'", shown ? ", " : "", w, name);
			shown++;
		}
	}
	if (!k)
		return;
	if (k == 1)
		snprintf(buf, n, "column %s has no values in the training data: the model cannot use it",
			 names);
	else if (k == shown)
		snprintf(buf, n, "columns %s have no values in the training data: the model cannot use them",
			 names);
	else
		snprintf(buf, n, "columns %s and %zu more have no values in the training data: the model cannot use them",
			 names, k - shown);
}

/* The largest regression label magnitude: its square fits a double with
 * room for sums over 2^28 rows. */
#define LABEL_MAX 1e150

static int missing_label(const struct frame *f, size_t r, size_t lc,
			 struct mlci_err *err)
{
	long line, col;

	frame_pos(f, r, lc, &line, &col);
	return err_set_at(err, MLCI_EXIT_DATAERR, f->path, line, col,
			  "missing value in label column '%.100s'", f->names[lc]);
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

	size_t lx = strlen(x->s), ly = strlen(y->s);

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	/* one number written two ways: the shorter first, which names the class */
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->s, y->s);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The number of distinct labels of column lc (too many to be classes:
 * they are counted for the message), 0 when a row holds none (*r gets
 * it), SIZE_MAX out of memory. */
static size_t count_distinct(const struct frame *f, size_t lc, size_t *r)
{
	const char **v = malloc((f->nrows + 1) * sizeof(*v));
	size_t i, n = 0;

	if (!v)
		return SIZE_MAX;
	for (i = 0; i < f->nrows; i++)
		if (!(v[i] = frame_cell(f, i, lc))) {
			free(v);
			*r = i;
			return 0;
		}
	qsort(v, f->nrows, sizeof(*v), cmp_str_ptr);
	for (i = 0; i < f->nrows; i++)
		n += !i || strcmp(v[i - 1], v[i]);
	free(v);
	return n;
}

/* Class names (sorted: as numbers when all are numbers, else as
 * strings) into m->classes, and each row's class index into y. */
/* Label values merged into one class: "'a' = 'b'" added to the warning
 * while it fits (with room left for " and N more"), counted in *merged,
 * the ones shown in *shown. */
static void note_merge(char *warn, size_t wlen, const char *cls,
		       const char *other, size_t *merged, size_t *shown)
{
	size_t len = strlen(warn);
	char item[160];

	if (!(*merged)++)
		len = (size_t)snprintf(warn, wlen,
				       "label values that are the same number are one class: ");
	snprintf(item, sizeof(item), "%s'%.60s' = '%.60s'", *shown ? ", " : "",
		 cls, other);
	if (*merged == *shown + 1 && len + strlen(item) + 24 < wlen) {
		memcpy(warn + len, item, strlen(item) + 1);
		(*shown)++;
	}
}

/* The classes of a classifier's label column, and each row's class. When
 * every label is a number, the classes are the distinct numbers, in
 * order (as a reader of numbers sees them: 1 and 1.0 are one class, named
 * by the shorter text, with a warning into warn); else the distinct
 * texts in byte order. */
static int class_labels(struct model *m, const struct frame *f, size_t lc,
			size_t *y, char *warn, size_t wlen,
			struct mlci_err *err)
{
	/* the distinct labels, kept sorted as they come: memory for the
	 * classes only, not for every row */
	struct uniq *u = malloc((MODEL_MAX_CLASSES + 1) * sizeof(*u)), key, *hit;
	struct uniq **order = NULL;
	size_t r, n = 0, k, merged = 0, shown = 0;
	int numeric = 1, rc = -1;

	if (!u)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (r = 0; r < f->nrows && n <= MODEL_MAX_CLASSES; r++) {
		const char *s = frame_cell(f, r, lc);
		size_t lo = 0, hi = n;

		if (!s) {
			missing_label(f, r, lc, err);
			goto out;
		}
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(u[mid].s, s);

			if (c == 0)
				lo = hi = mid + n + 1;	/* seen */
			else if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > n)
			continue;
		memmove(u + lo + 1, u + lo, (n - lo) * sizeof(*u));
		u[lo].s = s;
		n++;
	}
	if (n > MODEL_MAX_CLASSES) {
		n = count_distinct(f, lc, &r);
		if (n == SIZE_MAX)
			goto oom;
		if (n == 0) {	/* a missing label further down */
			missing_label(f, r, lc, err);
			goto out;
		}
		err_set(err, MLCI_EXIT_DATAERR, f->path,
			"label column '%.100s' has %zu distinct values, more than the %zu classes a classifier may have",
			f->names[lc], n, MODEL_MAX_CLASSES);
		goto out;
	}
	order = malloc((n + 1) * sizeof(*order));
	m->classes = calloc(n + 1, sizeof(*m->classes));
	if (!order || !m->classes)
		goto oom;
	for (k = 0; k < n; k++) {
		order[k] = &u[k];
		if (parse_double(u[k].s, &u[k].v) < 0 || isnan(u[k].v))
			numeric = 0;
	}
	if (numeric)
		qsort(order, n, sizeof(*order), cmp_uniq_num);
	for (k = 0; k < n; k++) {
		if (numeric && k > 0 && order[k]->v == order[k - 1]->v) {
			order[k]->k = m->nclasses - 1;	/* the same number */
			note_merge(warn, wlen, m->classes[m->nclasses - 1],
				   order[k]->s, &merged, &shown);
			continue;
		}
		order[k]->k = m->nclasses;
		m->classes[m->nclasses] = strdup(order[k]->s);
		if (!m->classes[m->nclasses])
			goto oom;
		m->nclasses++;
	}
	if (merged > shown)
		snprintf(warn + strlen(warn), wlen - strlen(warn), " and %zu more",
			 merged - shown);
	if (m->nclasses < 2) {
		err_set(err, MLCI_EXIT_DATAERR, f->path,
			"label column '%.100s' has a single class '%.100s'",
			f->names[lc], m->classes[0]);
		goto out;
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
		/* sums of squares (means, variances, losses) must stay finite */
		if (!(fabs(y[r]) <= LABEL_MAX)) {
			long line, col;

			frame_pos(f, r, lc, &line, &col);
			return err_set_at(err, MLCI_EXIT_DATAERR, f->path, line, col,
					  "label column '%.100s': %g is too large to regress on (beyond +-1e150 squares overflow); rescale the label",
					  f->names[lc], y[r]);
		}
	}
	return 0;
}

/* --cv, --cv-stratify, --importance and their companions: 64 when bad. */
/* --dtype: 1 for float32, 0 for float64; -1 (64) when bad or not for
 * this fit. auto (the default): float32 for a forest's plain fit (the
 * same trees, grown faster and in a fifth of the memory: a forest's few
 * candidate features a node suit a sort at each node), float64 else. */
static int single_floats(const struct train_opts *o,
			 const struct model_family *fam, struct mlci_err *err)
{
	int perm = o->importance && !strcmp(o->importance, "permutation");
	int plain = !o->cv && !o->nsearch && !perm;

	if (!o->dtype || !*o->dtype || !strcmp(o->dtype, "auto"))
		return plain && !strcmp(fam->name, "forest");
	if (!strcmp(o->dtype, "float64"))
		return 0;
	if (strcmp(o->dtype, "float32"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--dtype '%.40s': expected auto, float64 or float32",
			       o->dtype);
	if (!fam->f32)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--dtype float32 is for logistic, linear, ridge, tree, forest, hgb and mlp, not %s",
			       fam->name);
	if (!plain)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--dtype float32 is for a plain fit: not with --%s",
			       o->cv ? "cv" : o->nsearch ? "search" :
			       "importance permutation");
	return 1;
}

static int check_validation_opts(const struct train_opts *o,
				 struct mlci_err *err)
{
	const char *s = o->cv_stratify;

	if (s && *s && strcmp(s, "auto") && strcmp(s, "on") && strcmp(s, "off"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--cv-stratify '%.40s': expected auto, on or off", s);
	if (o->cv == 1)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--cv 1: expected at least 2 folds");
	if (o->importance && *o->importance && strcmp(o->importance, "none") &&
	    strcmp(o->importance, "permutation"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--importance '%.40s': expected permutation or none",
			       o->importance);
	if (o->importance_repeats < 0 || o->importance_repeats > 10000)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--importance-repeats %ld: expected 1 to 10000",
			       o->importance_repeats);
	return 0;
}

/* Encoding the design matrix: row chunks on threads (rows are
 * independent; the first failing row in row order reports). */
#define ENCODE_CHUNK ((size_t)4096)

struct encode {
	const struct prep *p;
	const struct frame *f;
	const size_t *cols;
	double *X;	/* f->dev: encoded in place (prep_rows_in_place) */
	float *Xf;	/* instead of X: single floats (f->devf: in place) */
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
		if (e->X && e->X == e->f->dev) {
			prep_rows_in_place(e->p, e->X, r0, r1);
			continue;
		}
		if (e->Xf) {
			memset(&err, 0, sizeof(err));
			if (prep_rows_f32(e->p, e->f, e->cols, r0, r1,
					  e->Xf == e->f->devf ? e->Xf :
					  e->Xf + r0 * e->p->nout, &err) < 0) {
				pthread_mutex_lock(&e->lock);
				if (r0 < e->bad_row)
					e->bad_row = r0, e->err = err;
				pthread_mutex_unlock(&e->lock);
			}
			continue;
		}
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

/* Encode f's rows into X (doubles) or Xf (single floats). */
static int encode_rows(const struct prep *p, const struct frame *f,
		       const size_t *cols, double *X, float *Xf, int nthreads,
		       struct mlci_err *err)
{
	struct encode e;
	pthread_t tid[64];
	int i, started = 0;

	memset(&e, 0, sizeof(e));
	e.p = p, e.f = f, e.cols = cols, e.X = X, e.Xf = Xf;
	e.bad_row = (size_t)-1;
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

/* fit_data.release: the design matrix train_run holds. */
struct matrices {
	double **X;
	float **Xf;
	float **Xcols;
};

static void release_matrix(void *ctx)
{
	struct matrices *mx = ctx;

	free(*mx->X), free(*mx->Xf);
	*mx->X = NULL, *mx->Xf = NULL;
}

static void release_column(void *ctx, size_t j)
{
	struct matrices *mx = ctx;

	free(mx->Xcols[j]);
	mx->Xcols[j] = NULL;
}

/* k-fold cross-validation of the family on f (cv.h) into *cv. */
static int cross_validate(const struct train_opts *o,
			  const struct model_family *fam, const void *hp,
			  const struct model *m, const struct frame *f,
			  const size_t *cols, size_t ncols, const size_t *yc,
			  const double *yr, struct train_result *res,
			  json_t **cv, struct mlci_err *err)
{
	const char *s = o->cv_stratify && *o->cv_stratify ? o->cv_stratify : "auto";
	int strat = !strcmp(s, "on") || (!strcmp(s, "auto") && m->classifier);
	size_t *fold = malloc((f->nrows + 1) * sizeof(*fold));
	struct cv_input in;
	json_t *mean;
	int rc = -1;

	if (!fold)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (strat && !m->classifier) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--cv-stratify on: stratified folds need classes, and this model regresses");
		goto out;
	}
	if (cv_assign(f->nrows, o->cv, strat ? yc : NULL, m->nclasses,
		      o->cv_shuffle, o->seed, fold, f->path, res->cv_warning,
		      sizeof(res->cv_warning), err) < 0)
		goto out;
	memset(&in, 0, sizeof(in));
	in.fam = fam, in.hp = hp, in.classifier = m->classifier;
	in.nclasses = m->nclasses, in.f = f, in.cols = cols, in.ncols = ncols;
	in.yc = yc, in.yr = yr, in.seed = o->seed;
	in.threads = o->threads ? o->threads : online_cpus();
	/* folds at once: their design matrices within CV_PARALLEL_CELLS */
	in.max_parallel = CV_PARALLEL_CELLS / (f->nrows * (m->prep.nout + 1) + 1);
	in.max_parallel += !in.max_parallel;
	in.progress = o->cv_progress, in.progress_ctx = o->cv_progress_ctx;
	if (cv_run(&in, fold, o->cv, strat, o->cv_shuffle, cv, err) < 0)
		goto out;
	if (res->cv_warning[0] &&
	    json_object_set_new(*cv, "warnings", json_pack("[s]", res->cv_warning)) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	res->cv_stratified = strat;
	mean = json_object_get(json_object_get(*cv, "mean"),
			       m->classifier ? "accuracy" : "r2");
	res->cv_mean = mean ? json_number_value(mean) : NAN;
	rc = 0;
out:
	free(fold);
	return rc;
}

/* training.permutation_importance and training.permutation. */
static int add_perm_importance(const struct train_opts *o,
			       const struct model *m, const double *X,
			       size_t n, const size_t *yc, const double *yr,
			       int threads, json_t *training,
			       struct mlci_err *err)
{
	size_t repeats = o->importance_repeats > 0 ?
		(size_t)o->importance_repeats : 5;
	size_t fit = CV_PARALLEL_CELLS / (n * (m->prep.nout + 1) + 1);
	json_t *pi = NULL, *meta;
	double base = 0;

	/* each thread permutes its own copy of X, within CV_PARALLEL_CELLS */
	if ((size_t)threads > fit)
		threads = fit ? (int)fit : 1;
	if (perm_importance(m, X, n, yc, yr, repeats, o->seed, threads, &pi,
			    &base, err) < 0)
		return -1;
	meta = json_pack("{s:s, s:s, s:I, s:f}", "data", "training",
			 "metric", m->classifier ? "accuracy" : "r2",
			 "repeats", (json_int_t)repeats, "baseline", base);
	if (json_object_set_new(training, "permutation_importance", pi) < 0 ||
	    !meta || json_object_set_new(training, "permutation", meta) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	return 0;
}

/* ---- hyperparameter search (search.h) ---- */

#define SEARCH_DEFAULT_TRIALS 20
#define SEARCH_DEFAULT_POINTS 5
#define SEARCH_DEFAULT_FOLDS 5

/* Metrics the folds compute (cv.h), and which are minimised. */
static int search_metric_ok(const char *mname, int cls, int *minimize)
{
	static const char *const cm[] = { "accuracy", "f1_macro", "log_loss",
					  "roc_auc", "roc_auc_ovr_macro" };
	static const char *const rm[] = { "r2", "mse", "rmse", "mae" };
	size_t i, n = cls ? 5 : 4;

	for (i = 0; i < n; i++)
		if (!strcmp(mname, cls ? cm[i] : rm[i])) {
			*minimize = !strcmp(mname, "log_loss") || !strcmp(mname, "mse") ||
				!strcmp(mname, "rmse") || !strcmp(mname, "mae");
			return 1;
		}
	return 0;
}

/*
 * Every value the space can hand a trial, as far as a few probes tell,
 * is a hyperparameter the family takes (on top of --param): each choice,
 * each range's ends and, for a real range, a point inside it (a real
 * range over an integer hyperparameter fails there). 64 naming the
 * --search spec before any trial runs.
 */
static int check_space(const struct train_opts *o, const struct model_family *fam,
		       int cls, const struct search_space *sp, struct mlci_err *err)
{
	void *hp = calloc(1, fam->params_size);
	size_t i, j;
	int rc = 0;

	if (!hp)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < sp->ndims && !rc; i++) {
		const struct search_dim *d = &sp->dim[i];
		double probe[3];
		size_t np = 0;

		if (d->kind == SK_CHOICE) {
			np = d->nchoices;
		} else {
			probe[np++] = search_decode(d, 0);
			probe[np++] = search_decode(d, 1);
			if (d->kind != SK_INT)
				probe[np++] = search_decode(d, 0.3183098861837907);
		}
		for (j = 0; j < np && !rc; j++) {
			char kv[512];
			const char *one = kv;
			struct mlci_err e = {0};

			search_param_text(d, d->kind == SK_CHOICE ? (double)j : probe[j],
					  kv, sizeof(kv));
			fam->params_init(hp, cls);
			if (apply_params(fam, hp, cls, o->params, o->nparams, &e) < 0 ||
			    apply_params(fam, hp, cls, &one, 1, &e) < 0) {
				err_set(err, MLCI_EXIT_USAGE, NULL, "--search %s: %s%s",
					d->name, e.msg, d->kind == SK_FLOAT ||
					d->kind == SK_LOG ? " (a real range; an integer one is NAME=LO..HI:int)" : "");
				rc = -1;
			}
		}
	}
	free(hp);
	return rc;
}

struct search_ctx {
	const struct train_opts *o;
	const struct search_space *space;
	struct cv_input in;
	const size_t *fold;
	size_t k;
	int strat;
	const char *metric;
	size_t done, total;
	double best;
	int minimize;
};

/* The trial's --param strings: the run's, then the trial's values. */
static char **trial_params(const struct train_opts *o,
			   const struct search_space *sp, const double *vals,
			   size_t *n)
{
	char **kv = calloc(o->nparams + sp->ndims + 1, sizeof(*kv));
	size_t i;

	if (!kv)
		return NULL;
	for (i = 0; i < o->nparams; i++)
		kv[i] = (char *)o->params[i];
	for (i = 0; i < sp->ndims; i++) {
		char buf[512];

		search_param_text(&sp->dim[i], vals[i], buf, sizeof(buf));
		if (!(kv[o->nparams + i] = strdup(buf))) {
			while (i-- > 0)
				free(kv[o->nparams + i]);
			free(kv);
			return NULL;
		}
	}
	*n = o->nparams + sp->ndims;
	return kv;
}

static void free_trial_params(const struct train_opts *o, char **kv, size_t n)
{
	size_t i;

	for (i = o->nparams; i < n; i++)
		free(kv[i]);
	free(kv);
}

/* One trial: the family with the trial's parameters, cross-validated. */
static int search_eval(void *ctx, size_t trial, const double *vals,
		       double *score, json_t **detail, struct mlci_err *err)
{
	struct search_ctx *c = ctx;
	const struct model_family *fam = c->in.fam;
	size_t n = 0, i, tl = 0;
	char **kv = trial_params(c->o, c->space, vals, &n), text[1024];
	void *hp = calloc(1, fam->params_size);
	json_t *cv = NULL, *v;
	struct cv_input in = c->in;
	int rc = -1;

	*detail = NULL;
	*score = NAN;
	if (!kv || !hp) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	fam->params_init(hp, c->in.classifier);
	if (apply_params(fam, hp, c->in.classifier, (const char *const *)kv, n,
			 err) < 0)
		goto out;
	in.hp = hp;
	in.progress = NULL;
	if (cv_run(&in, c->fold, c->k, c->strat, c->o->cv_shuffle, &cv, err) < 0)
		goto out;
	v = json_object_get(json_object_get(cv, "mean"), c->metric);
	if (json_is_number(v) && isfinite(json_number_value(v)))
		*score = json_number_value(v);
	*detail = json_pack("{s:{s:O?, s:O?}}", "cv", "mean", json_object_get(cv, "mean"),
			    "std", json_object_get(cv, "std"));
	if (!*detail) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	c->done++;
	if (isfinite(*score) && (!isfinite(c->best) ||
				 (c->minimize ? *score < c->best : *score > c->best)))
		c->best = *score;
	text[0] = '\0';
	for (i = c->o->nparams; i < n && tl + 2 < sizeof(text); i++)
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "%s%s",
				       i > c->o->nparams ? " " : "", kv[i]);
	if (c->o->trial_progress)
		c->o->trial_progress(c->o->trial_progress_ctx, c->done, c->total,
				     text, c->metric, *score, c->best);
	(void)trial;
	rc = 0;
out:
	json_decref(cv);
	if (kv)
		free_trial_params(c->o, kv, n);
	free(hp);
	return rc;
}

/* The search's settings, which a trials artifact must share with the
 * run that selects from it. */
static json_t *search_spec(const struct train_opts *o, const struct model *m,
			   const struct frame *f, const size_t *cols, size_t ncols,
			   enum search_method meth, size_t trials, size_t points,
			   size_t batches, const char *metric, int minimize,
			   size_t k, int strat)
{
	json_t *s = json_object(), *space = json_array(), *feat = json_array();
	json_t *params = json_array();
	size_t i;

	if (!s || !space || !feat || !params) {
		json_decref(s), json_decref(space), json_decref(feat), json_decref(params);
		return NULL;
	}
	for (i = 0; i < o->nsearch; i++)
		json_array_append_new(space, json_string(o->search[i]));
	for (i = 0; i < ncols; i++)
		json_array_append_new(feat, json_string(f->names[cols[i]]));
	for (i = 0; i < o->nparams; i++)
		json_array_append_new(params, json_string(o->params[i]));
	json_object_set_new(s, "method", json_string(search_method_name(meth)));
	json_object_set_new(s, "space", space);
	json_object_set_new(s, "trials", json_integer((json_int_t)trials));
	if (meth == SEARCH_GRID)
		json_object_set_new(s, "grid_points", json_integer((json_int_t)points));
	if (meth == SEARCH_BAYES)
		json_object_set_new(s, "batches", json_integer((json_int_t)batches));
	json_object_set_new(s, "metric", json_string(metric));
	json_object_set_new(s, "direction", json_string(minimize ? "minimize" : "maximize"));
	json_object_set_new(s, "cv", json_pack("{s:I, s:b, s:b}", "k", (json_int_t)k,
					       "stratified", strat, "shuffled",
					       o->cv_shuffle != 0));
	json_object_set_new(s, "seed", json_integer(o->seed));
	json_object_set_new(s, "model", json_string(m->type));
	json_object_set_new(s, "task", json_string(m->classifier ? "classification" : "regression"));
	json_object_set_new(s, "label", json_string(m->label));
	json_object_set_new(s, "features", feat);
	json_object_set_new(s, "params", params);
	return s;
}

static int cmp_trial_id(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "id"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "id"));

	return x < y ? -1 : x > y;
}

/* Every trial of the search, from the runners' trials artifacts: each
 * searched with spec, on this data, runners 1..N of one N, each once,
 * every trial 0..T-1 once. */
static int load_trials(const struct train_opts *o, const json_t *spec,
		       const char *sha, json_t **out, struct mlci_err *err)
{
	size_t T = (size_t)json_integer_value(json_object_get(spec, "trials"));
	size_t i, j, n = 0, total = 0;
	char *seen_shard = NULL, *seen_trial = calloc(T + 1, 1);
	json_t *all = json_array(), **v = NULL;
	int rc = -1;

	*out = NULL;
	if (!seen_trial || !all) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < o->nselect; i++) {
		const char *path = o->select[i];
		json_t *art = NULL, *sh, *tr;
		size_t idx, tot;

		if (artifact_load(path, KIND_TRIALS, SCHEMA_TRIALS, &art, NULL, err) < 0)
			goto done;
		sh = json_object_get(art, "shard");
		tr = json_object_get(art, "trials");
		idx = (size_t)json_integer_value(json_object_get(sh, "index"));
		tot = (size_t)json_integer_value(json_object_get(sh, "total"));
		if (!json_equal(json_object_get(art, "search"), (json_t *)spec)) {
			json_decref(art);
			err_set(err, MLCI_EXIT_DATAERR, path,
				"these trials come from another search (its method, space, metric, folds, seed, model, label, features or --param differ from this run's)");
			goto done;
		}
		if (!json_is_string(json_object_get(art, "data_sha256")) ||
		    strcmp(json_string_value(json_object_get(art, "data_sha256")), sha)) {
			json_decref(art);
			err_set(err, MLCI_EXIT_DATAERR, path,
				"these trials were evaluated on other data (data_sha256 differs from --data's)");
			goto done;
		}
		/* a search never has more runners than trials */
		if (!json_is_array(tr) || idx < 1 || tot < 1 || idx > tot ||
		    tot > T || (total && tot != total)) {
			json_decref(art);
			err_set(err, MLCI_EXIT_DATAERR, path,
				total ? "shard total differs from the other trials files'" :
				"bad shard {index, total}");
			goto done;
		}
		if (!total) {
			total = tot;
			seen_shard = calloc(total + 1, 1);
			if (!seen_shard) {
				json_decref(art);
				err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
				goto done;
			}
		}
		if (seen_shard[idx - 1]++) {
			json_decref(art);
			err_set(err, MLCI_EXIT_DATAERR, path,
				"runner %zu of %zu is given twice", idx, tot);
			goto done;
		}
		for (j = 0; j < json_array_size(tr); j++) {
			json_t *t = json_array_get(tr, j), *id = json_object_get(t, "id");

			if (!json_is_integer(id) || json_integer_value(id) < 0 ||
			    (size_t)json_integer_value(id) >= T ||
			    seen_trial[json_integer_value(id)]++) {
				json_decref(art);
				err_set(err, MLCI_EXIT_DATAERR, path,
					"trial %lld is out of range or given twice",
					(long long)json_integer_value(id));
				goto done;
			}
			json_array_append(all, t);
		}
		json_decref(art);
	}
	for (i = 0; i < total; i++)
		if (!seen_shard[i]) {
			err_set(err, MLCI_EXIT_DATAERR, NULL,
				"--select: the trials of runner %zu of %zu are missing",
				i + 1, total);
			goto done;
		}
	for (i = 0; i < T; i++)
		if (!seen_trial[i]) {
			err_set(err, MLCI_EXIT_DATAERR, NULL,
				"--select: trial %zu of %zu is missing", i, T);
			goto done;
		}
	n = json_array_size(all);
	v = malloc((n + 1) * sizeof(*v));
	if (!v) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(all, i));
	qsort(v, n, sizeof(*v), cmp_trial_id);
	json_array_clear(all);
	for (i = 0; i < n; i++)
		json_array_append_new(all, v[i]);
	*out = json_incref(all);
	rc = 0;
done:
	free(v), free(seen_shard), free(seen_trial);
	json_decref(all);
	return rc;
}

/*
 * Search (or select from a sharded search's trials): on success, with
 * *search the model's search section (spec, trials, best) and *best_kv
 * the best trial's --param strings; or, on a runner, its trials written
 * to o->out (res->wrote_trials).
 */
static int run_search(const struct train_opts *o, const struct model_family *fam,
		      const struct model *m, const struct frame *f,
		      const size_t *cols, size_t ncols, const size_t *yc,
		      const double *yr, struct train_result *res,
		      json_t **search, char ***best_kv, size_t *nbest,
		      struct mlci_err *err)
{
	struct search_space sp;
	struct search_ctx c;
	struct search_run r;
	enum search_method meth;
	const char *s = o->cv_stratify && *o->cv_stratify ? o->cv_stratify : "auto";
	size_t k = o->cv ? o->cv : SEARCH_DEFAULT_FOLDS, *fold = NULL, T, i;
	size_t points = o->grid_points > 0 ? (size_t)o->grid_points : SEARCH_DEFAULT_POINTS;
	size_t batches;
	json_t *spec = NULL, *trials = NULL, *bt, *art = NULL;
	double *vals = NULL;
	long best;
	int minimize = 0, rc = -1;

	*search = NULL;
	*best_kv = NULL;
	memset(&c, 0, sizeof(c));
	c.best = NAN;
	if (search_parse(&sp, o->search, o->nsearch, err) < 0 ||
	    search_method_parse(o->search_method, &meth, err) < 0 ||
	    check_space(o, fam, m->classifier, &sp, err) < 0)
		goto out;
	res->search_metric = o->search_metric ? o->search_metric :
		m->classifier ? "accuracy" : "r2";
	if (search_metric_ok(res->search_metric, m->classifier, &minimize) &&
	    !strcmp(res->search_metric, "roc_auc") && m->nclasses > 2) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--search-metric roc_auc: defined for two classes, and the label has %zu (roc_auc_ovr_macro averages over classes)",
			m->nclasses);
		goto out;
	}
	if (!search_metric_ok(res->search_metric, m->classifier, &minimize)) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--search-metric '%.40s': not one the folds compute (%s)",
			res->search_metric, m->classifier ?
			"accuracy, f1_macro, log_loss, roc_auc, roc_auc_ovr_macro" :
			"r2, mse, rmse, mae");
		goto out;
	}
	if (o->grid_points < 0 || o->grid_points == 1 || o->grid_points > 1000 ||
	    o->trials < 0 || o->search_batches < 0) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--grid-points: expected 2 to 1000; --trials and --search-batches: at least 1");
		goto out;
	}
	if (meth == SEARCH_GRID) {
		if (search_grid_size(&sp, points, &T, err) < 0)
			goto out;
	} else {
		T = o->trials > 0 ? (size_t)o->trials : SEARCH_DEFAULT_TRIALS;
	}
	/* a sharded Bayesian search runs one batch per runner, so the
	 * runners' trials files, one per runner, say how many */
	batches = o->search_batches > 0 ? (size_t)o->search_batches :
		meth != SEARCH_BAYES ? 1 : o->nshards ? o->nshards :
		o->nselect ? o->nselect : 1;
	if (batches > T)
		batches = T;
	c.strat = !strcmp(s, "on") || (!strcmp(s, "auto") && m->classifier);
	spec = search_spec(o, m, f, cols, ncols, meth, T, points, batches,
			   res->search_metric, minimize, k, c.strat);
	if (!spec)
		goto oom;
	if (o->nselect) {
		if (load_trials(o, spec, f->sha256, &trials, err) < 0)
			goto out;
	} else {
		fold = malloc((f->nrows + 1) * sizeof(*fold));
		if (!fold)
			goto oom;
		if (c.strat && !m->classifier) {
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"--cv-stratify on: stratified folds need classes, and this model regresses");
			goto out;
		}
		if (cv_assign(f->nrows, k, c.strat ? yc : NULL, m->nclasses,
			      o->cv_shuffle, o->seed, fold, f->path, res->cv_warning,
			      sizeof(res->cv_warning), err) < 0)
			goto out;
		c.o = o, c.space = &sp, c.fold = fold, c.k = k;
		c.metric = res->search_metric, c.minimize = minimize;
		c.total = meth == SEARCH_BAYES && o->nshards ?
			(T - (o->shard - 1) + batches - 1) / batches :
			o->nshards ? (T - (o->shard - 1) + o->nshards - 1) / o->nshards : T;
		c.in.fam = fam, c.in.classifier = m->classifier;
		c.in.nclasses = m->nclasses, c.in.f = f, c.in.cols = cols;
		c.in.ncols = ncols, c.in.yc = yc, c.in.yr = yr, c.in.seed = o->seed;
		c.in.threads = o->threads ? o->threads : online_cpus();
		c.in.max_parallel = CV_PARALLEL_CELLS / (f->nrows * (m->prep.nout + 1) + 1);
		c.in.max_parallel += !c.in.max_parallel;
		memset(&r, 0, sizeof(r));
		r.space = &sp, r.method = meth, r.trials = T, r.grid_points = points;
		r.batches = batches, r.seed = o->seed, r.minimize = minimize;
		r.shard = o->shard, r.nshards = o->nshards;
		r.eval = search_eval, r.ctx = &c;
		if (search_execute(&r, &trials, err) < 0)
			goto out;
	}
	res->search_trials = json_array_size(trials);
	if (o->nshards && !o->nselect) {
		art = artifact_new(KIND_TRIALS, SCHEMA_TRIALS, "mlci-train", err);
		if (!art)
			goto out;
		if (artifact_add_input(art, "data", o->data, f->sha256) < 0 ||
		    json_object_set(art, "search", spec) < 0 ||
		    json_object_set_new(art, "shard", json_pack("{s:i, s:i}", "index",
								(int)o->shard, "total",
								(int)o->nshards)) < 0 ||
		    json_object_set_new(art, "data_sha256", json_string(f->sha256)) < 0 ||
		    json_object_set(art, "trials", trials) < 0)
			goto oom;
		best = search_best(trials, minimize);
		res->search_best = best < 0 ? -1 :
			(long)json_integer_value(json_object_get(json_array_get(trials, (size_t)best), "id"));
		res->search_score = best < 0 ? NAN :
			json_number_value(json_object_get(json_array_get(trials, (size_t)best), "score"));
		if (artifact_write(o->out, art, err) < 0)
			goto out;
		res->wrote_trials = 1;
		rc = 0;
		goto out;
	}
	best = search_best(trials, minimize);
	if (best < 0) {
		err_set(err, MLCI_EXIT_DATAERR, o->data,
			"no trial has a defined %s: nothing to select", res->search_metric);
		goto out;
	}
	bt = json_array_get(trials, (size_t)best);
	res->search_best = (long)json_integer_value(json_object_get(bt, "id"));
	res->search_score = json_number_value(json_object_get(bt, "score"));
	/* the best trial's values back into --param strings */
	vals = calloc(sp.ndims + 1, sizeof(*vals));
	if (!vals)
		goto oom;
	for (i = 0; i < sp.ndims; i++) {
		const struct search_dim *d = &sp.dim[i];
		json_t *v = json_object_get(json_object_get(bt, "params"), d->name);
		size_t j;

		if (d->kind == SK_CHOICE) {
			for (j = 0; j < d->nchoices; j++)
				if (json_is_string(v) && !strcmp(d->choices[j], json_string_value(v)))
					break;
			if (j == d->nchoices) {
				err_set(err, MLCI_EXIT_DATAERR, NULL,
					"trial %ld: '%s' is not one of the choices",
					res->search_best, d->name);
				goto out;
			}
			vals[i] = (double)j;
		} else if (json_is_number(v)) {
			vals[i] = json_number_value(v);
		} else {
			err_set(err, MLCI_EXIT_DATAERR, NULL,
				"trial %ld: no value for '%s'", res->search_best, d->name);
			goto out;
		}
	}
	*best_kv = trial_params(o, &sp, vals, nbest);
	if (!*best_kv)
		goto oom;
	*search = json_deep_copy(spec);
	if (!*search ||
	    json_object_set(*search, "results", trials) < 0 ||
	    json_object_set_new(*search, "best", json_pack("{s:I, s:O, s:O}", "id",
							   (json_int_t)res->search_best,
							   "params", json_object_get(bt, "params"),
							   "score", json_object_get(bt, "score"))) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	if (rc < 0) {
		json_decref(*search);
		*search = NULL;
		if (*best_kv)
			free_trial_params(o, *best_kv, *nbest);
		*best_kv = NULL;
	}
	json_decref(spec), json_decref(trials), json_decref(art);
	free(fold), free(vals);
	search_free(&sp);
	return rc;
}

int train_run(const struct train_opts *o, struct train_result *res,
	      struct mlci_err *err)
{
	struct frame f = {0};
	char sha[SHA256_HEX_LEN + 1];
	size_t nrows;
	const struct model_family *fam = model_family_find(o->model);
	void *hp = NULL;
	struct model *m = NULL;
	struct fit_data d;
	size_t *cols = NULL, ncols, *yc = NULL;
	double *yr = NULL, *X = NULL;
	float *Xf = NULL, **Xcols = NULL;
	struct matrices mx;
	json_t *art = NULL, *mod, *training = NULL, *cv = NULL, *search = NULL;
	char **best_kv = NULL;
	size_t nbest = 0;
	int lc, rc = -1, cls, streamed, single;

	memset(res, 0, sizeof(*res));
	res->search_best = -1;
	if ((o->nselect || o->nshards) && !o->nsearch)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "%s needs the search's --search specs",
			       o->nselect ? "--select" : "--shard");
	if (o->nselect && o->nshards)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--select picks from the runners' trials: give it without --shard");
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
	if (check_validation_opts(o, err) < 0 ||
	    (single = single_floats(o, fam, err)) < 0)
		goto out;
	/* a plain fit streams the file (twice) into the deviations that
	 * become its design matrix (frame_stream.h); --cv and --search fit
	 * transforms on some rows, so they read it whole, as does a file
	 * that cannot be streamed: only the label and the columns holding
	 * text keep their text */
	streamed = !o->nsearch && !o->cv;
#ifdef __GLIBC__
	/* columns read one by one go back one by one: a fixed mmap
	 * threshold keeps each in its own mapping (a freed buffer would
	 * otherwise raise the threshold past a column's size) */
	if (single && fam->f32 == 2 && !getenv("MALLOC_MMAP_THRESHOLD_"))
		mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	rc = streamed ? frame_load_streamed(&f, o->data, &o->csv, &o->label, 1,
					    !single ? FRAME_STREAM_DOUBLE :
					    fam->f32 == 2 ? FRAME_STREAM_COLUMNS :
					    FRAME_STREAM_SINGLE,
					    o->threads ? o->threads : online_cpus(),
					    err) : 1;
	if (rc == 1)
		rc = frame_load_compact(&f, o->data, &o->csv, &o->label, 1, err);
	if (rc < 0)
		goto out;
	rc = -1;
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
	/* the labels a classifier or a regressor reads (the other: none) */
	yc = calloc(cls ? f.nrows + 1 : 1, sizeof(*yc));
	yr = calloc(cls ? 1 : f.nrows + 1, sizeof(*yr));
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
	if (cls ? class_labels(m, &f, (size_t)lc, yc, res->label_warning,
			       sizeof(res->label_warning), err) :
	    numeric_labels(&f, (size_t)lc, yr, err))
		goto out;
	if (prep_fit_threads(&m->prep, &f, cols, ncols,
			     o->threads ? o->threads : online_cpus(), err) < 0)
		goto out;
	mostly_numbers(&f, cols, &m->prep, res->prep_warning,
		       sizeof(res->prep_warning));
	no_values(&m->prep, res->empty_warning, sizeof(res->empty_warning));
	m->prep.nan_missing = fam->nan_missing;
	if (fam->ordinal_cats)
		prep_set_ordinal(&m->prep, fam->ordinal_cats(hp));
	if (m->prep.nout && f.nrows > TRAIN_MAX_CELLS / m->prep.nout) {
		err_set(err, MLCI_EXIT_DATAERR, o->data,
			"%zu rows by %zu encoded features is too large to train on",
			f.nrows, m->prep.nout);
		goto out;
	}
	if (o->nsearch) {
		if (run_search(o, fam, m, &f, cols, ncols, yc, yr, res, &search,
			       &best_kv, &nbest, err) < 0)
			goto out;
		if (res->wrote_trials) {	/* a runner's share: done */
			rc = 0;
			goto out;
		}
		memset(hp, 0, fam->params_size);
		fam->params_init(hp, cls);
		if (apply_params(fam, hp, cls, (const char *const *)best_kv, nbest,
				 err) < 0)
			goto out;
		if (fam->ordinal_cats &&	/* the best trial's encoding */
		    (prep_set_ordinal(&m->prep, fam->ordinal_cats(hp)),
		     m->prep.nout && f.nrows > TRAIN_MAX_CELLS / m->prep.nout)) {
			err_set(err, MLCI_EXIT_DATAERR, o->data,
				"%zu rows by %zu encoded features is too large to train on",
				f.nrows, m->prep.nout);
			goto out;
		}
	} else if (o->cv && cross_validate(o, fam, hp, m, &f, cols, ncols, yc,
					   yr, res, &cv, err) < 0) {
		goto out;
	}
	if (single && fam->f32 == 2) {
		/* by columns, each handed back to the fit as it is done */
		Xcols = calloc(m->prep.nout + 1, sizeof(*Xcols));
		if (!Xcols)
			goto oom;
		if (prep_columns_f32(&m->prep, &f, cols, Xcols, err) < 0)
			goto out;
	} else if (prep_in_place(&m->prep, &f, cols) && (f.dev || f.devf)) {
		/* the deviations, encoded where they lie */
		X = f.dev, Xf = f.devf;
	} else if (single) {
		Xf = malloc((f.nrows * m->prep.nout + 1) * sizeof(*Xf));
	} else {
		X = malloc((f.nrows * m->prep.nout + 1) * sizeof(*X));
	}
	if (!X && !Xf && !Xcols)
		goto oom;
	rc = Xcols ? 0 : encode_rows(&m->prep, &f, cols, X, Xf,
				     o->threads ? o->threads : online_cpus(), err);
	if (X && X == f.dev)
		f.dev = NULL;	/* now the design matrix's */
	if (Xf && Xf == f.devf)
		f.devf = NULL;
	if (rc < 0)
		goto out;
	rc = -1;
	/* from here on the design matrix stands for the data */
	nrows = f.nrows;
	memcpy(sha, f.sha256, sizeof(sha));
	frame_free(&f);
	training = json_object();
	if (!training)
		goto oom;
	memset(&d, 0, sizeof(d));
	d.X = X, d.Xf = Xf, d.Xcols = Xcols, d.yc = yc, d.yr = yr, d.n = nrows;
	d.p = m->prep.nout;
	/* the matrix goes back as soon as the fit says, unless permutation
	 * importance reads it afterwards */
	if (!(o->importance && !strcmp(o->importance, "permutation"))) {
		mx.X = &X, mx.Xf = &Xf, mx.Xcols = Xcols;
		d.release = release_matrix, d.release_ctx = &mx;
		d.release_col = Xcols ? release_column : NULL;
	}
	d.seed = o->seed;
	d.threads = o->threads ? o->threads : online_cpus();
	d.progress = o->progress, d.progress_ctx = o->progress_ctx;
	d.progress_loss = o->progress_loss;
	if (fam->fit(m, hp, &d, &res->fit, training, err) < 0)
		goto out;
	if (o->importance && !strcmp(o->importance, "permutation") &&
	    add_perm_importance(o, m, X, nrows, yc, yr, d.threads, training,
				err) < 0)
		goto out;

	res->task = cls ? "classification" : "regression";
	res->n_rows = nrows;
	res->n_features_in = ncols;
	res->n_features_out = m->prep.nout;
	res->nclasses = m->nclasses;
	json_object_set_new(training, cls ? "accuracy" : "r2",
			    json_real(res->fit.score));
	json_object_set_new(training, "n_rows", json_integer((json_int_t)nrows));
	json_object_set_new(training, "n_features_in", json_integer((json_int_t)ncols));
	json_object_set_new(training, "n_features_out",
			    json_integer((json_int_t)m->prep.nout));
	json_object_set_new(training, "seed", json_integer(o->seed));
	if (single)
		json_object_set_new(training, "dtype", json_string("float32"));
	if ((res->fit.warning[0] || res->prep_warning[0] ||
	     res->empty_warning[0] || res->label_warning[0]) &&
	    json_object_set_new(training, "warnings", json_array()) < 0)
		goto oom;
	if (res->label_warning[0] &&
	    json_array_append_new(json_object_get(training, "warnings"),
				  json_string(res->label_warning)) < 0)
		goto oom;
	if (res->prep_warning[0] &&
	    json_array_append_new(json_object_get(training, "warnings"),
				  json_string(res->prep_warning)) < 0)
		goto oom;
	if (res->empty_warning[0] &&
	    json_array_append_new(json_object_get(training, "warnings"),
				  json_string(res->empty_warning)) < 0)
		goto oom;
	if (res->fit.warning[0] &&
	    json_array_append_new(json_object_get(training, "warnings"),
				  json_string(res->fit.warning)) < 0)
		goto oom;

	art = artifact_new(KIND_MODEL, SCHEMA_MODEL, "mlci-train", err);
	if (!art)
		goto out;
	for (size_t k = 0; k < o->nselect; k++)
		if (artifact_add_input_file(art, "trials", o->select[k], err) < 0)
			goto out;
	if (artifact_add_input(art, "data", o->data, sha) < 0 ||
	    model_to_json(m, art) < 0 ||
	    !(mod = json_object_get(art, "model")) ||
	    json_object_set_new(mod, "params", fam->params_json(hp, cls)) < 0 ||
	    json_object_set(art, "training", training) < 0 ||
	    (cv && json_object_set(art, "cv", cv) < 0) ||
	    (search && json_object_set(art, "search", search) < 0) ||
	    json_object_set_new(art, "data_sha256", json_string(sha)) < 0)
		goto oom;
	if (o->tensorboard) {
		char when[32];
		long long epoch;

		if (artifact_time(when, &epoch, err) < 0)
			goto out;
		res->tensorboard_points = tfevents_write(o->tensorboard, training,
							 epoch,
							 &res->tensorboard_path,
							 err);
		if (res->tensorboard_points < 0)
			goto out;
	}
	rc = artifact_write(o->out, art, err);
	if (rc < 0 && res->tensorboard_path) {
		unlink(res->tensorboard_path);
		free(res->tensorboard_path);
		res->tensorboard_path = NULL;
	}
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	json_decref(art);
	json_decref(training);
	json_decref(cv);
	json_decref(search);
	if (best_kv)
		free_trial_params(o, best_kv, nbest);
	for (size_t j = 0; Xcols && j < m->prep.nout; j++)
		free(Xcols[j]);
	free(Xcols);
	free(X), free(Xf), free(cols), free(yc), free(yr), free(hp);
	model_free(m);
	frame_free(&f);
	return rc;
}
