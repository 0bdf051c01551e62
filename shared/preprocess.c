#include "preprocess.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t prep_width(const struct prep_col *c)
{
	return c->kind == PREP_NUMERIC || c->ordinal ? 1 : c->ncats;
}

size_t prep_set_ordinal(struct prep *p, size_t max_cats)
{
	size_t i, left = 0;

	p->nout = 0;
	for (i = 0; i < p->ncols; i++) {
		struct prep_col *c = &p->cols[i];

		c->ordinal = 0;
		if (c->kind == PREP_CATEGORICAL && max_cats) {
			c->ordinal = c->ncats <= max_cats;
			left += !c->ordinal;
		}
		c->offset = p->nout;
		p->nout += prep_width(c);
	}
	return left;
}

void prep_free(struct prep *p)
{
	size_t i, k;

	if (!p)
		return;
	for (i = 0; i < p->ncols; i++) {
		struct prep_col *c = &p->cols[i];

		free(c->name);
		for (k = 0; k < c->ncats; k++)
			free(c->cats[k]);
		free(c->cats);
	}
	free(p->cols);
	memset(p, 0, sizeof(*p));
}

/* scikit-learn's test for a constant feature (_is_constant_feature). */
static int is_constant(double var, double mean, size_t n)
{
	double eps = DBL_EPSILON, nd = (double)n;

	return var <= nd * eps * var + (nd * mean * eps) * (nd * mean * eps);
}

/* Mean and population variance of the parsed values of column col, all
 * multiplied by 2^-e first (e = 0: as read), and their largest |x| (big,
 * may be NULL). Imputed cells sit at the mean: they add nothing to ss,
 * but count in n, as StandardScaler after SimpleImputer sees them. */
static size_t moments(const double *x, const unsigned char *have, size_t nrows,
		      int e, double *mean, double *var, double *big)
{
	size_t r, cnt = 0;
	double sum = 0, ss = 0, v, m = 0;

	for (r = 0; r < nrows; r++)
		if (have[r]) {
			v = ldexp(x[r], -e);
			sum += v, cnt++;
			if (fabs(v) > m)
				m = fabs(v);
		}
	*mean = cnt ? sum / (double)cnt : 0;
	for (r = 0; r < nrows; r++)
		if (have[r]) {
			v = ldexp(x[r], -e);
			ss += (v - *mean) * (v - *mean);
		}
	*var = nrows ? ss / (double)nrows : 0;
	if (big)
		*big = m;
	return cnt;
}

/* Below this max |x| squared deviations may underflow (ulp(x)^2). */
#define TINY 0x1p-400

/* The column's values parsed once (x; have[r] = 0 for a missing one),
 * or (x NULL) a streamed frame's moments of column col. */
static void fit_numeric(struct prep_col *c, const struct frame *f, size_t col,
			const double *x, const unsigned char *have)
{
	double mean, var, big;
	int e = 0;

	if (!x) {	/* the streamed reader takes the plain sums only */
		mean = f->mom[col].mean;
		var = f->mom[col].var;
		c->present = f->mom[col].count;
		goto scale;
	}
	c->present = moments(x, have, f->nrows, 0, &mean, &var, &big);
	if (!isfinite(mean) || !isfinite(var) || (big > 0 && big < TINY)) {
		/* huge finite values overflowed the sums (or tiny ones
		 * underflowed the squares): redo them on the values divided
		 * by a power of two at least max |x|. Scaling by 2^e is
		 * exact, so the constant test and the results are what the
		 * plain sums would give without a limited exponent range;
		 * data in between takes the plain sums, exactly as before */
		frexp(big, &e);
		moments(x, have, f->nrows, e, &mean, &var, NULL);
	}
scale:
	c->mean = ldexp(mean, e);
	c->scale = is_constant(var, mean, f->nrows) ? 1 : ldexp(sqrt(var), e);
	if (!isfinite(c->scale))	/* std <= max |x|: only by rounding */
		c->scale = DBL_MAX;
	c->kind = PREP_NUMERIC;
}

static int fit_categorical(struct prep_col *c, const struct frame *f,
			   size_t col)
{
	const char **vals = malloc((f->nrows + 1) * sizeof(*vals));
	size_t r, n = 0, i, best = 0, bestn = 0, run;

	if (!vals)
		return -1;
	for (r = 0; r < f->nrows; r++)
		if (frame_cell(f, r, col))
			vals[n++] = frame_cell(f, r, col);
	qsort(vals, n, sizeof(*vals), cmp_str);
	c->cats = calloc(n + 1, sizeof(*c->cats));
	if (!c->cats) {
		free(vals);
		return -1;
	}
	c->kind = PREP_CATEGORICAL;
	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n && !strcmp(vals[i], vals[i + run]); run++)
			;
		if (run > bestn)
			best = c->ncats, bestn = run;
		c->cats[c->ncats] = strdup(vals[i]);
		if (!c->cats[c->ncats]) {
			free(vals);
			return -1;
		}
		c->ncats++;
	}
	c->fill = best;
	free(vals);
	return 0;
}

/* Parse column col into x and have (1: a number, 0: missing); 1 when
 * every non-missing cell is a number, else 0. */
static int column_is_numeric(const struct frame *f, size_t col, double *x,
			     unsigned char *have)
{
	size_t r;
	int rc;

	for (r = 0; r < f->nrows; r++) {
		rc = frame_number(f, r, col, &x[r], NULL);
		if (rc < 0)
			return 0;
		have[r] = rc == 0;
	}
	return 1;
}

/* Fitting columns on threads: each takes the next column. */
struct fitjob {
	struct prep *p;
	const struct frame *f;
	const size_t *cols;
	size_t ncols, next;
	pthread_mutex_t lock;
	int failed;
};

static void *fit_worker(void *arg)
{
	struct fitjob *fj = arg;
	double *x = malloc((fj->f->nrows + 1) * sizeof(*x));
	unsigned char *have = malloc(fj->f->nrows + 1);

	for (;;) {
		struct prep_col *c;
		size_t i;

		pthread_mutex_lock(&fj->lock);
		if (!x || !have)
			fj->failed = 1;
		i = fj->failed ? fj->ncols : fj->next++;
		pthread_mutex_unlock(&fj->lock);
		if (i >= fj->ncols)
			break;
		c = &fj->p->cols[i];
		c->name = strdup(fj->f->names[fj->cols[i]]);
		if (!c->name)
			goto fail;
		if ((fj->f->dev || fj->f->devf || fj->f->colf) && fj->f->mom &&
		    fj->f->didx[fj->cols[i]] >= 0)
			fit_numeric(c, fj->f, fj->cols[i], NULL, NULL);
		else if (column_is_numeric(fj->f, fj->cols[i], x, have))
			fit_numeric(c, fj->f, fj->cols[i], x, have);
		else if (fit_categorical(c, fj->f, fj->cols[i]) < 0)
			goto fail;
		continue;
fail:
		pthread_mutex_lock(&fj->lock);
		fj->failed = 1;
		pthread_mutex_unlock(&fj->lock);
	}
	free(x), free(have);
	return NULL;
}

int prep_fit(struct prep *p, const struct frame *f, const size_t *cols,
	     size_t ncols, struct mlci_err *err)
{
	return prep_fit_threads(p, f, cols, ncols, 1, err);
}

int prep_fit_threads(struct prep *p, const struct frame *f, const size_t *cols,
		     size_t ncols, int nthreads, struct mlci_err *err)
{
	struct fitjob fj;
	pthread_t tid[64];
	size_t i;
	int k, started = 0;

	memset(p, 0, sizeof(*p));
	p->cols = calloc(ncols + 1, sizeof(*p->cols));
	if (!p->cols)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	p->ncols = ncols;
	memset(&fj, 0, sizeof(fj));
	fj.p = p, fj.f = f, fj.cols = cols, fj.ncols = ncols;
	pthread_mutex_init(&fj.lock, NULL);
	if (nthreads > 64)
		nthreads = 64;
	if (nthreads > 1 && (size_t)nthreads > ncols)
		nthreads = (int)ncols;
	for (k = 1; k < nthreads; k++)
		if (pthread_create(&tid[started], NULL, fit_worker, &fj) == 0)
			started++;
	fit_worker(&fj);
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&fj.lock);
	if (fj.failed) {
		prep_free(p);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (i = 0; i < ncols; i++) {	/* offsets, in column order */
		struct prep_col *c = &p->cols[i];

		c->offset = p->nout;
		p->nout += c->kind == PREP_NUMERIC ? 1 : c->ncats;
		if (p->nout > PREP_MAX_OUT) {
			err_set(err, MLCI_EXIT_DATAERR, f->path,
				"more than %zu encoded features (column '%.100s' has %zu categories): exclude high-cardinality columns",
				PREP_MAX_OUT, c->name, c->ncats);
			prep_free(p);
			return -1;
		}
	}
	return 0;
}

int prep_bind(const struct prep *p, const struct frame *f, size_t *map,
	      struct mlci_err *err)
{
	size_t i;

	for (i = 0; i < p->ncols; i++) {
		int c = frame_find(f, p->cols[i].name);

		if (c < 0)
			return err_set(err, MLCI_EXIT_DATAERR, f->path,
				       "no column '%.100s' (a feature of the model)",
				       p->cols[i].name);
		map[i] = (size_t)c;
	}
	return 0;
}

static int cmp_cat(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

void prep_unseen(const struct prep *p, const struct frame *f, const size_t *map,
		 size_t *unseen, size_t *first)
{
	size_t i, r;

	for (i = 0; i < p->ncols; i++) {
		const struct prep_col *c = &p->cols[i];

		unseen[i] = 0;
		first[i] = SIZE_MAX;
		if (c->kind != PREP_CATEGORICAL)
			continue;
		for (r = 0; r < f->nrows; r++) {
			const char *s = frame_cell(f, r, map[i]);

			if (s && !bsearch(s, c->cats, c->ncats, sizeof(*c->cats), cmp_cat)) {
				if (!unseen[i]++)
					first[i] = r;
			}
		}
	}
}

static int dev_column(const struct frame *f, const struct prep_col *c,
		      size_t col);
static double dev_at(const struct frame *f, size_t r, size_t col);
static float devf_code(const struct prep *p, const struct prep_col *c, float d);
static float num_code_f32(const struct prep_col *c, double v);
static double dev_code(const struct prep *p, const struct prep_col *c, double d);

/* A categorical column's outputs for the cell s (NULL: missing), into
 * x (zeroed). */
static void encode_cat(const struct prep_col *c, const char *s, double *x)
{
	char **hit;

	if (c->ordinal) {	/* the index; NaN: missing, unseen */
		hit = s ? bsearch(&s, c->cats, c->ncats, sizeof(*c->cats),
				  cmp_str) : NULL;
		x[c->offset] = hit ? (double)(hit - c->cats) : NAN;
		return;
	}
	if (!s) {
		x[c->offset + c->fill] = 1;
		return;
	}
	hit = bsearch(&s, c->cats, c->ncats, sizeof(*c->cats), cmp_str);
	if (hit)
		x[c->offset + (size_t)(hit - c->cats)] = 1;
}

int prep_row(const struct prep *p, const struct frame *f, const size_t *map,
	     size_t r, double *x, struct mlci_err *err)
{
	size_t i;

	memset(x, 0, p->nout * sizeof(*x));
	for (i = 0; i < p->ncols; i++) {
		const struct prep_col *c = &p->cols[i];
		double v;

		if (dev_column(f, c, map[i])) {	/* (x - mean) stored */
			x[c->offset] = dev_code(p, c, dev_at(f, r, map[i]));
			continue;
		}
		if (c->kind == PREP_NUMERIC) {
			int rc = frame_number(f, r, map[i], &v, err);

			if (rc < 0)
				return -1;
			if (rc) {	/* imputed: the mean, encoded as 0 */
				if (p->nan_missing)
					x[c->offset] = NAN;
				continue;
			}
			x[c->offset] = (v - c->mean) / c->scale;
			if (!isfinite(x[c->offset]))	/* v - mean overflowed */
				x[c->offset] = v / c->scale - c->mean / c->scale;
		} else {
			encode_cat(c, frame_cell(f, r, map[i]), x);
		}
	}
	return 0;
}

/* A streamed frame's column in dev order (see prep_in_place). */
static int dev_column(const struct frame *f, const struct prep_col *c,
		      size_t col)
{
	/* deviations from this very mean (the frame the transform was
	 * fitted on), not a raw read's values */
	return (f->dev || f->devf || f->colf) && f->mom && f->didx[col] >= 0 &&
		c->kind == PREP_NUMERIC && f->mom[col].mean == c->mean;
}

/* The deviation of a streamed frame's cell (r, col). */
static double dev_at(const struct frame *f, size_t r, size_t col)
{
	size_t k = r * f->ndev + (size_t)f->didx[col];

	return f->dev ? f->dev[k] : f->devf ? (double)f->devf[k] :
		(double)f->colf[f->didx[col]][r];
}

int prep_in_place(const struct prep *p, const struct frame *f,
		  const size_t *map)
{
	size_t i;

	if ((!f->dev && !f->devf) || p->nout != f->ndev)
		return 0;
	for (i = 0; i < p->ncols; i++)
		if (!dev_column(f, &p->cols[i], map[i]) ||
		    (size_t)f->didx[map[i]] != p->cols[i].offset)
			return 0;
	return 1;
}

/* A deviation, encoded: scaled, or the imputed mean (0) or NaN. */
static double dev_code(const struct prep *p, const struct prep_col *c, double d)
{
	if (isnan(d))
		return p->nan_missing ? NAN : 0;
	return d / c->scale;
}

void prep_rows_in_place(const struct prep *p, double *dev, size_t r0,
			size_t r1)
{
	size_t r, i, w = p->nout;

	for (r = r0; r < r1; r++)
		for (i = 0; i < p->ncols; i++)
			dev[r * w + i] = dev_code(p, &p->cols[i], dev[r * w + i]);
}

int prep_columns_f32(const struct prep *p, struct frame *f, const size_t *map,
		     float **X, struct mlci_err *err)
{
	size_t i, j, r, n = f->nrows;
	double *x = malloc((p->nout + 1) * sizeof(*x));

	if (!x)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < p->ncols; i++) {
		const struct prep_col *c = &p->cols[i];
		size_t w = prep_width(c);

		if (f->colf && dev_column(f, c, map[i])) {
			/* the frame's own column, encoded where it lies */
			float *v = f->colf[f->didx[map[i]]];

			for (r = 0; r < n; r++)
				v[r] = devf_code(p, c, v[r]);
			X[c->offset] = v;
			f->colf[f->didx[map[i]]] = NULL;
			continue;
		}
		for (j = 0; j < w; j++)
			if (!(X[c->offset + j] = malloc((n + 1) * sizeof(**X)))) {
				free(x);
				return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
					       "out of memory");
			}
		for (r = 0; r < n; r++) {
			double v;
			int rc;

			if (c->kind != PREP_NUMERIC) {
				memset(x + c->offset, 0, w * sizeof(*x));
				encode_cat(c, frame_cell(f, r, map[i]), x);
			} else if (dev_column(f, c, map[i])) {
				x[c->offset] = devf_code(p, c, (float)dev_at(f, r, map[i]));
			} else if ((rc = frame_number(f, r, map[i], &v, err)) < 0) {
				free(x);
				return -1;
			} else {
				x[c->offset] = rc ? (p->nan_missing ? NAN : 0) :
					num_code_f32(c, v);
			}
			for (j = 0; j < w; j++)
				X[c->offset + j][r] = (float)x[c->offset + j];
		}
	}
	free(x);
	return 0;
}

/* A single float's deviation, encoded: rounded again after scaling. */
static float devf_code(const struct prep *p, const struct prep_col *c, float d)
{
	if (isnan(d))
		return p->nan_missing ? NAN : 0;
	return (float)((double)d / c->scale);
}

/* The value v of numeric column c as a single float, as a float32
 * streamed read encodes it (the deviation rounded to a float, scaled,
 * rounded again) whenever the deviation is zero or a normal float (the
 * streamed reader reads any other file whole), so a file gives the same
 * matrix read either way; else (v - mean) / scale rounded. */
static float num_code_f32(const struct prep_col *c, double v)
{
	double d = v - c->mean, z;

	if (d == 0 || (fabs(d) >= FLT_MIN && fabs(d) <= FLT_MAX))
		return (float)((double)(float)d / c->scale);
	z = d / c->scale;
	if (!isfinite(z))	/* v - mean overflowed */
		z = v / c->scale - c->mean / c->scale;
	return (float)z;
}

int prep_rows_f32(const struct prep *p, const struct frame *f,
		  const size_t *map, size_t r0, size_t r1, float *X,
		  struct mlci_err *err)
{
	size_t r, i, j, w = p->nout;
	double *x;

	if (X == f->devf) {	/* prep_in_place: element by element */
		for (r = r0; r < r1; r++)
			for (i = 0; i < p->ncols; i++)
				X[r * w + i] = devf_code(p, &p->cols[i], X[r * w + i]);
		return 0;
	}
	if (!(x = malloc((w + 1) * sizeof(*x))))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (r = r0; r < r1; r++) {
		float *out = X + (r - r0) * w;

		memset(x, 0, w * sizeof(*x));
		for (i = 0; i < p->ncols; i++) {
			const struct prep_col *c = &p->cols[i];
			double v;
			int rc;

			if (c->kind != PREP_NUMERIC) {
				encode_cat(c, frame_cell(f, r, map[i]), x);
				continue;
			}
			if ((f->devf || f->colf) && dev_column(f, c, map[i])) {
				x[c->offset] = devf_code(p, c,
					(float)dev_at(f, r, map[i]));
				continue;
			}
			rc = frame_number(f, r, map[i], &v, err);
			if (rc < 0) {
				free(x);
				return -1;
			}
			x[c->offset] = rc ? (p->nan_missing ? NAN : 0) :
				num_code_f32(c, v);
		}
		for (j = 0; j < w; j++)
			out[j] = (float)x[j];
	}
	free(x);
	return 0;
}

void prep_out_name(const struct prep *p, size_t j, char *out, size_t n)
{
	size_t i;

	for (i = 0; i < p->ncols; i++) {
		const struct prep_col *c = &p->cols[i];

		if ((c->kind == PREP_NUMERIC || c->ordinal) && j == c->offset) {
			snprintf(out, n, "%s", c->name);
			return;
		}
		if (c->kind == PREP_CATEGORICAL && j >= c->offset &&
		    j < c->offset + c->ncats) {
			snprintf(out, n, "%s=%s", c->name, c->cats[j - c->offset]);
			return;
		}
	}
	snprintf(out, n, "?");
}

json_t *prep_to_json(const struct prep *p)
{
	json_t *j = json_object(), *cols = json_array(), *outs = json_array();
	struct buf b;
	size_t i, k;

	buf_init(&b);
	if (!j || !cols || !outs)
		goto fail;
	for (i = 0; i < p->ncols; i++) {
		const struct prep_col *c = &p->cols[i];
		json_t *o = json_object(), *cats;

		if (!o || json_array_append_new(cols, o) < 0)
			goto fail;
		json_object_set_new(o, "name", json_string(c->name));
		if (c->kind == PREP_NUMERIC) {
			json_object_set_new(o, "type", json_string("numeric"));
			json_object_set_new(o, "impute", json_real(c->mean));
			json_object_set_new(o, "mean", json_real(c->mean));
			json_object_set_new(o, "scale", json_real(c->scale));
			json_array_append_new(outs, json_string(c->name));
			continue;
		}
		json_object_set_new(o, "type", json_string("categorical"));
		json_object_set_new(o, "impute", json_string(c->cats[c->fill]));
		if (c->ordinal)
			json_object_set_new(o, "encoding", json_string("ordinal"));
		cats = json_array();
		if (!cats || json_object_set_new(o, "categories", cats) < 0)
			goto fail;
		if (c->ordinal)
			json_array_append_new(outs, json_string(c->name));
		for (k = 0; k < c->ncats; k++) {
			json_array_append_new(cats, json_string(c->cats[k]));
			if (c->ordinal)
				continue;
			buf_reset(&b);
			if (buf_printf(&b, "%s=%s", c->name, c->cats[k]) < 0)
				goto fail;
			json_array_append_new(outs, json_string(b.data));
		}
	}
	if (json_array_size(outs) != p->nout)
		goto fail;
	json_object_set_new(j, "columns", cols);
	json_object_set_new(j, "outputs", outs);
	json_object_set_new(j, "n_outputs", json_integer((json_int_t)p->nout));
	if (p->nan_missing)
		json_object_set_new(j, "missing", json_string("nan"));
	buf_release(&b);
	return j;
fail:
	buf_release(&b);
	json_decref(j);
	json_decref(cols);
	json_decref(outs);
	return NULL;
}

static int bad(struct mlci_err *err, const char *file, size_t i,
	       const char *what)
{
	return err_set(err, MLCI_EXIT_DATAERR, file,
		       "preprocessing.columns[%zu]: %s", i, what);
}

static int col_from_json(struct prep_col *c, const json_t *o, size_t i,
			 const char *file, struct mlci_err *err)
{
	const char *name, *type, *imp;
	json_t *cats, *v, *enc;
	double mean, scale, impute;
	size_t k;

	if (!json_is_object(o))
		return bad(err, file, i, "not an object");
	if (json_get_str(o, "name", &name, file, err) < 0 ||
	    json_get_str(o, "type", &type, file, err) < 0)
		return -1;
	c->name = strdup(name);
	if (!c->name)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (!strcmp(type, "numeric")) {
		c->kind = PREP_NUMERIC;
		if (json_get_num(o, "mean", &mean, file, err) < 0 ||
		    json_get_num(o, "scale", &scale, file, err) < 0 ||
		    json_get_num(o, "impute", &impute, file, err) < 0)
			return -1;
		if (!isfinite(mean) || !isfinite(scale) || !(scale > 0))
			return bad(err, file, i, "mean and scale must be finite, scale > 0");
		if (impute != mean)
			return bad(err, file, i, "impute must equal mean");
		c->mean = mean;
		c->scale = scale;
		return 0;
	}
	if (strcmp(type, "categorical"))
		return bad(err, file, i, "type must be 'numeric' or 'categorical'");
	c->kind = PREP_CATEGORICAL;
	enc = json_object_get(o, "encoding");
	if (enc && (!json_is_string(enc) ||
		    (strcmp(json_string_value(enc), "ordinal") &&
		     strcmp(json_string_value(enc), "onehot"))))
		return bad(err, file, i, "encoding must be 'onehot' or 'ordinal'");
	c->ordinal = enc && !strcmp(json_string_value(enc), "ordinal");
	if (json_get_array(o, "categories", &cats, file, err) < 0 ||
	    json_get_str(o, "impute", &imp, file, err) < 0)
		return -1;
	if (json_array_size(cats) == 0 || json_array_size(cats) > PREP_MAX_OUT)
		return bad(err, file, i, "categories must hold 1 to 2^24 values");
	c->cats = calloc(json_array_size(cats), sizeof(*c->cats));
	if (!c->cats)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_array_foreach(cats, k, v) {
		if (!json_is_string(v))
			return bad(err, file, i, "categories must be strings");
		if (k && strcmp(c->cats[k - 1], json_string_value(v)) >= 0)
			return bad(err, file, i, "categories must be sorted and unique");
		c->cats[k] = strdup(json_string_value(v));
		if (!c->cats[k])
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		c->ncats++;
		if (!strcmp(c->cats[k], imp))
			c->fill = k + 1;	/* +1: 0 means not found yet */
	}
	if (!c->fill)
		return bad(err, file, i, "impute is not one of the categories");
	c->fill--;
	return 0;
}

/* outputs[] must name the encoded columns: NAME or NAME=CATEGORY. */
static int check_outputs(const struct prep *p, const json_t *outs,
			 const char *file, struct mlci_err *err)
{
	struct buf b;
	size_t i, k;
	int rc = 0;

	buf_init(&b);
	for (i = 0; i < p->ncols && !rc; i++) {
		const struct prep_col *c = &p->cols[i];
		size_t nk = prep_width(c);

		for (k = 0; k < nk && !rc; k++) {
			const char *got = json_string_value(
				json_array_get(outs, c->offset + k));

			buf_reset(&b);
			if (c->kind == PREP_NUMERIC || c->ordinal ?
			    buf_addstr(&b, c->name) :
			    buf_printf(&b, "%s=%s", c->name, c->cats[k]))
				rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			else if (!got || strcmp(got, b.data))
				rc = err_set(err, MLCI_EXIT_DATAERR, file,
					     "preprocessing.outputs[%zu] should be '%.200s'",
					     c->offset + k, b.data);
		}
	}
	buf_release(&b);
	return rc;
}

int prep_from_json(struct prep *p, const json_t *j, const char *file,
		   struct mlci_err *err)
{
	json_t *cols, *outs, *o, *miss;
	char **names = NULL;
	long nout;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(j))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "field 'preprocessing' is not an object");
	if (json_get_array(j, "columns", &cols, file, err) < 0 ||
	    json_get_array(j, "outputs", &outs, file, err) < 0 ||
	    json_get_int(j, "n_outputs", &nout, file, err) < 0)
		return -1;
	if (json_array_size(cols) > PREP_MAX_COLS)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "preprocessing: more than %zu columns", PREP_MAX_COLS);
	miss = json_object_get(j, "missing");
	if (miss && (!json_is_string(miss) ||
		     (strcmp(json_string_value(miss), "nan") &&
		      strcmp(json_string_value(miss), "impute"))))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "preprocessing.missing must be 'nan' or 'impute'");
	p->nan_missing = miss && !strcmp(json_string_value(miss), "nan");
	p->cols = calloc(json_array_size(cols) + 1, sizeof(*p->cols));
	names = calloc(json_array_size(cols) + 1, sizeof(*names));
	if (!p->cols || !names) {
		free(names);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	json_array_foreach(cols, i, o) {
		struct prep_col *c = &p->cols[i];

		p->ncols++;
		if (col_from_json(c, o, i, file, err) < 0)
			goto fail;
		c->offset = p->nout;
		p->nout += prep_width(c);
		if (p->nout > PREP_MAX_OUT) {
			err_set(err, MLCI_EXIT_DATAERR, file,
				"preprocessing: more than %zu outputs", PREP_MAX_OUT);
			goto fail;
		}
		names[i] = c->name;
	}
	if (nout < 0 || (size_t)nout != p->nout ||
	    json_array_size(outs) != p->nout) {
		err_set(err, MLCI_EXIT_DATAERR, file,
			"preprocessing: n_outputs %ld and %zu output names do not match the %zu encoded columns",
			nout, json_array_size(outs), p->nout);
		goto fail;
	}
	if (check_outputs(p, outs, file, err) < 0)
		goto fail;
	qsort(names, p->ncols, sizeof(*names), cmp_str);
	for (i = 1; i < p->ncols; i++)
		if (!strcmp(names[i - 1], names[i])) {
			err_set(err, MLCI_EXIT_DATAERR, file,
				"preprocessing: column '%.100s' appears twice",
				names[i]);
			goto fail;
		}
	free(names);
	return 0;
fail:
	free(names);
	return -1;
}
