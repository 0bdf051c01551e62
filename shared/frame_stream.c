/*
 * frame_stream.c - the two-pass streamed read of a training file (see
 * frame_stream.h).
 */
#include "frame_stream.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stream.h"
#include "util.h"

/* Limits kept from csv.c: a frame of more cells is refused. */
#define MAX_CELLS ((size_t)1 << 28)
/* Below this largest |x|, squared deviations may underflow: preprocess.c
 * then sums rescaled values, which needs the values themselves. */
#define TINY 0x1p-400
/* Single floats: the largest |x| whose deviations (at most twice it)
 * stay finite, and the smallest whose nonzero deviations (at least
 * 2^-53 of it, the doubles' spacing) stay normal. */
#define SINGLE_BIG 1e38
#define SINGLE_SMALL 1e-20

/* What the first pass learns of each column. */
struct colsum {
	double sum, big;
	size_t count;
	unsigned char text;	/* a cell neither missing nor a number */
	unsigned char keep;	/* named in keep[]: its text is kept */
};

/* The text kept by the second pass, before it stops moving. */
struct pool {
	char *buf;
	size_t len, cap;
};

static int pool_add(struct pool *p, const char *s, size_t n, size_t *off)
{
	if (p->len + n + 1 > p->cap) {
		size_t nc = p->cap ? p->cap : (size_t)1 << 16;
		char *nb;

		while (nc < p->len + n + 1)
			nc *= 2;
		if (!(nb = realloc(p->buf, nc)))
			return -1;
		p->buf = nb;
		p->cap = nc;
	}
	memcpy(p->buf + p->len, s, n);
	p->buf[p->len + n] = '\0';
	*off = p->len;
	p->len += n + 1;
	return 0;
}

static int oom(struct mlci_err *err, const char *path)
{
	return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
}

static int changed(struct mlci_err *err, const char *path)
{
	return err_set(err, MLCI_EXIT_IOERR, path,
		       "changed while it was being read: read it again once it stays the same");
}

/* Pass 1: names, rows, hash, and per column its sums. 1: do not stream. */
static int first_pass(struct frame *f, const char *path,
		      const struct stream_opts *so, const char *const *keep,
		      size_t nkeep, int mode, struct colsum **out,
		      struct pool *pool, struct mlci_err *err)
{
	struct stream *s = NULL;
	struct colsum *cs;
	size_t c, k;
	int rc;

	if (stream_open(&s, path, so, err) < 0)
		return -1;
	if (s->gzip) {
		stream_close(s);
		return 1;
	}
	f->ncols = s->ncols;
	cs = calloc(f->ncols + 1, sizeof(*cs));
	if (!cs) {
		stream_close(s);
		return oom(err, path);
	}
	*out = cs;
	for (c = 0; c < f->ncols; c++)
		for (k = 0; k < nkeep; k++)
			if (keep[k] && !strcmp(keep[k], s->names[c]))
				cs[c].keep = 1;
	while ((rc = stream_next(s, err)) > 0) {
		const struct stream_field *fd = s->fields;

		if (f->nrows + 1 > MAX_CELLS / (f->ncols ? f->ncols : 1)) {
			stream_close(s);
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "too large: more than %zu cells", MAX_CELLS);
		}
		for (c = 0; c < f->ncols; c++) {
			struct colsum *x = &cs[c];
			double v;

			if (!fd[c].s || x->keep || x->text)
				continue;
			if (parse_double_n(fd[c].s, fd[c].len, &v) < 0) {
				x->text = 1;
				continue;
			}
			x->sum += v;
			x->count++;
			if (fabs(v) > x->big)
				x->big = fabs(v);
		}
		f->nrows++;
	}
	if (rc < 0) {
		stream_close(s);
		return -1;
	}
	memcpy(f->sha256, s->sha256, sizeof(f->sha256));
	/* the names, at the start of what becomes f->store: offsets into
	 * the pool until it stops moving */
	f->names = calloc(f->ncols + 1, sizeof(*f->names));
	for (c = 0; f->names && c < f->ncols; c++) {
		size_t off;

		if (pool_add(pool, s->names[c], strlen(s->names[c]), &off) < 0)
			break;
		f->names[c] = (char *)(uintptr_t)off;
	}
	stream_close(s);
	if (!f->names || c < f->ncols)
		return oom(err, path);
	for (c = 0; c < f->ncols; c++) {
		const struct colsum *x = &cs[c];

		if (x->keep || x->text || mode == FRAME_STREAM_RAW)
			continue;
		if (x->count && !isfinite(x->sum / (double)x->count))
			return 1;
		if (x->big > 0 && x->big < TINY)
			return 1;
		if ((mode == FRAME_STREAM_SINGLE || mode == FRAME_STREAM_COLUMNS) &&
		    (x->big > SINGLE_BIG ||
			       (x->big > 0 && x->big < SINGLE_SMALL)))
			return 1;
	}
	return 0;
}

/* Pass 2: the kept cells into a pool (as offsets), the rest as
 * deviations; the squared deviations summed into ss. */
static int second_pass(struct frame *f, const char *path,
		       const struct stream_opts *so, size_t **offs,
		       struct pool *pool, double *ss, struct mlci_err *err)
{
	struct stream *s = NULL;
	size_t r = 0, c, n = f->nrows;
	int rc;

	if (stream_open(&s, path, so, err) < 0)
		return -1;
	if (s->gzip || s->ncols != f->ncols) {
		stream_close(s);
		return changed(err, path);
	}
	while ((rc = stream_next(s, err)) > 0) {
		const struct stream_field *fd = s->fields;
		double *drow = f->dev ? f->dev + r * f->ndev : NULL;
		float *frow = f->devf ? f->devf + r * f->ndev : NULL;
		float **cols = f->colf;
		size_t *orow = *offs + r * f->ntext;

		if (r == n) {
			stream_close(s);
			return changed(err, path);
		}
		f->rowline[r] = fd[0].line;
		for (c = 0; c < f->ncols; c++) {
			if (f->didx[c] >= 0) {
				double v, d;

				if (!fd[c].s) {
					if (drow)
						drow[f->didx[c]] = NAN;
					else if (frow)
						frow[f->didx[c]] = NAN;
					else
						cols[f->didx[c]][r] = NAN;
					continue;
				}
				if (parse_double_n(fd[c].s, fd[c].len, &v) < 0) {
					stream_close(s);
					return changed(err, path);
				}
				if (!f->mom) {	/* raw: the value itself */
					drow[f->didx[c]] = v;
					continue;
				}
				d = v - f->mom[c].mean;
				if (!isfinite(d)) {	/* overflowed: read it whole */
					stream_close(s);
					return 1;
				}
				ss[c] += d * d;
				if (drow) {
					drow[f->didx[c]] = d;
				} else if (d == 0 || (fabs(d) >= FLT_MIN && fabs(d) <= FLT_MAX)) {
					if (frow)
						frow[f->didx[c]] = (float)d;
					else
						cols[f->didx[c]][r] = (float)d;
				} else {	/* not a normal float: read it whole */
					stream_close(s);
					return 1;
				}
			} else {
				size_t at = (size_t)f->tidx[c];

				f->line[r * f->ntext + at] = fd[c].line;
				f->col[r * f->ntext + at] = fd[c].col;
				if (!fd[c].s)
					orow[at] = SIZE_MAX;
				else if (pool_add(pool, fd[c].s, fd[c].len,
						  &orow[at]) < 0) {
					stream_close(s);
					return oom(err, path);
				}
			}
		}
		r++;
	}
	if (rc < 0) {
		stream_close(s);
		return -1;
	}
	rc = r != n || strcmp(s->sha256, f->sha256) ? changed(err, path) : 0;
	stream_close(s);
	return rc;
}

/* Grow the single pass's per-row arrays to hold cap rows. */
static int grow(struct frame *f, size_t **offs, size_t cap)
{
	double *dev = realloc(f->dev, (cap * f->ndev + 1) * sizeof(*dev));
	uint32_t *rl, *ln, *cl;
	size_t *of;

	if (dev)
		f->dev = dev;
	rl = realloc(f->rowline, (cap + 1) * sizeof(*rl));
	if (rl)
		f->rowline = rl;
	of = realloc(*offs, (cap * f->ntext + 1) * sizeof(*of));
	if (of)
		*offs = of;
	ln = realloc(f->line, (cap * f->ntext + 1) * sizeof(*ln));
	if (ln)
		f->line = ln;
	cl = realloc(f->col, (cap * f->ntext + 1) * sizeof(*cl));
	if (cl)
		f->col = cl;
	return dev && rl && of && ln && cl ? 0 : -1;
}

/*
 * Doubles (deviations or, raw, values) need no second pass: the values
 * are kept as read, and turned into deviations once the means are
 * known. The first row settles which columns hold text; a later text
 * cell in a column of numbers returns 2: read it in two passes. Growing
 * arrays move their pages (realloc), so the peak stays the frame's size.
 */
static int one_pass(struct frame *f, const char *path,
		    const struct stream_opts *so, const char *const *keep,
		    size_t nkeep, int mode, struct colsum **out,
		    size_t **offs, struct pool *pool, double **ssp,
		    struct mlci_err *err)
{
	struct stream *s = NULL;
	struct colsum *cs;
	size_t c, k, r = 0, cap = 0, n;
	double *ss;
	int rc;

	if (stream_open(&s, path, so, err) < 0)
		return -1;
	if (s->gzip) {
		stream_close(s);
		return 1;
	}
	f->ncols = s->ncols;
	cs = *out = calloc(f->ncols + 1, sizeof(*cs));
	f->names = calloc(f->ncols + 1, sizeof(*f->names));
	f->tidx = malloc((f->ncols + 1) * sizeof(*f->tidx));
	f->didx = malloc((f->ncols + 1) * sizeof(*f->didx));
	*ssp = ss = calloc(f->ncols + 1, sizeof(*ss));
	if (!cs || !f->names || !f->tidx || !f->didx || !ss)
		goto oom;
	for (c = 0; c < f->ncols; c++) {
		size_t off;

		for (k = 0; k < nkeep; k++)
			if (keep[k] && !strcmp(keep[k], s->names[c]))
				cs[c].keep = 1;
		if (pool_add(pool, s->names[c], strlen(s->names[c]), &off) < 0)
			goto oom;
		f->names[c] = (char *)(uintptr_t)off;
	}
	while ((rc = stream_next(s, err)) > 0) {
		const struct stream_field *fd = s->fields;
		double *drow;
		size_t *orow;

		if (r == 0) {	/* the layout, from the first row */
			for (c = 0; c < f->ncols; c++) {
				double v;
				int text = cs[c].keep || (fd[c].s &&
					parse_double_n(fd[c].s, fd[c].len, &v) < 0);

				cs[c].text = (unsigned char)text;
				f->tidx[c] = text ? (int)f->ntext++ : -1;
				f->didx[c] = text ? -1 : (int)f->ndev++;
			}
		}
		if (r + 1 > MAX_CELLS / (f->ncols ? f->ncols : 1)) {
			stream_close(s);
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "too large: more than %zu cells", MAX_CELLS);
		}
		if (r == cap && grow(f, offs, cap = cap ? cap * 2 : 4096) < 0)
			goto oom;
		drow = f->dev + r * f->ndev;
		orow = *offs + r * f->ntext;
		f->rowline[r] = fd[0].line;
		for (c = 0; c < f->ncols; c++) {
			struct colsum *x = &cs[c];
			double v;

			if (!x->text) {
				if (!fd[c].s) {
					drow[f->didx[c]] = NAN;
					continue;
				}
				if (parse_double_n(fd[c].s, fd[c].len, &v) < 0) {
					stream_close(s);
					return 2;
				}
				drow[f->didx[c]] = v;
				x->sum += v;
				x->count++;
				if (fabs(v) > x->big)
					x->big = fabs(v);
			} else {
				size_t at = (size_t)f->tidx[c];

				f->line[r * f->ntext + at] = fd[c].line;
				f->col[r * f->ntext + at] = fd[c].col;
				if (!fd[c].s)
					orow[at] = SIZE_MAX;
				else if (pool_add(pool, fd[c].s, fd[c].len,
						  &orow[at]) < 0)
					goto oom;
			}
		}
		r++;
	}
	if (rc < 0) {
		stream_close(s);
		return -1;
	}
	memcpy(f->sha256, s->sha256, sizeof(f->sha256));
	stream_close(s);
	s = NULL;
	n = f->nrows = r;
	if (mode == FRAME_STREAM_RAW)
		return 0;
	f->mom = calloc(f->ncols + 1, sizeof(*f->mom));
	if (!f->mom)
		goto oom;
	for (c = 0; c < f->ncols; c++) {
		const struct colsum *x = &cs[c];

		if (x->text)
			continue;
		if (x->count && !isfinite(x->sum / (double)x->count))
			return 1;
		if (x->big > 0 && x->big < TINY)
			return 1;
		f->mom[c].count = x->count;
		f->mom[c].mean = x->count ? x->sum / (double)x->count : 0;
		f->mom[c].big = x->big;
	}
	for (r = 0; r < n; r++) {
		double *drow = f->dev + r * f->ndev;

		for (c = 0; c < f->ncols; c++) {
			double d, *v;

			if (f->didx[c] < 0)
				continue;
			v = &drow[f->didx[c]];
			if (isnan(*v))
				continue;
			d = *v - f->mom[c].mean;
			if (!isfinite(d))	/* overflowed: read it whole */
				return 1;
			ss[c] += d * d;
			*v = d;
		}
	}
	return 0;
oom:
	stream_close(s);
	return oom(err, path);
}

void (*frame_stream_between)(const char *path);

static int load(struct frame *f, const char *path, const struct csv_opts *o,
		const char *const *keep, size_t nkeep, int mode,
		struct colsum **csp,
		size_t **offs, struct pool *pool, double **ssp,
		struct mlci_err *err)
{
	struct stream_opts so;
	struct colsum *cs;
	struct stat sb;
	size_t c, i, n;
	double *ss;
	int rc;

	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return 1;
	stream_opts_init(&so);
	if (o)
		so.csv = *o;
	so.format = STREAM_CSV;
	f->path = strdup(path);
	if (!f->path)
		return oom(err, path);
	if (mode == FRAME_STREAM_DOUBLE || mode == FRAME_STREAM_RAW) {
		rc = one_pass(f, path, &so, keep, nkeep, mode, csp, offs, pool,
			      ssp, err);
		if (rc == 0) {
			n = f->nrows;
			ss = *ssp;
			goto kept;
		}
		if (rc != 2)
			return rc;
		/* a late text cell: start again, in two passes */
		free(f->path);
		free(f->dev), free(f->rowline), free(f->line), free(f->col);
		free(f->names), free(f->tidx), free(f->didx), free(f->mom);
		free(*csp), free(*offs), free(*ssp);
		memset(f, 0, sizeof(*f));
		*csp = NULL, *offs = NULL, *ssp = NULL;
		pool->len = 0;
		if (!(f->path = strdup(path)))
			return oom(err, path);
	}
	rc = first_pass(f, path, &so, keep, nkeep, mode, csp, pool, err);
	if (rc)
		return rc;
	cs = *csp;
	n = f->nrows;
	f->tidx = malloc((f->ncols + 1) * sizeof(*f->tidx));
	f->didx = malloc((f->ncols + 1) * sizeof(*f->didx));
	f->mom = mode == FRAME_STREAM_RAW ? NULL :
		calloc(f->ncols + 1, sizeof(*f->mom));
	*ssp = ss = calloc(f->ncols + 1, sizeof(*ss));
	if (!f->tidx || !f->didx || (!f->mom && mode != FRAME_STREAM_RAW) || !ss)
		return oom(err, path);
	for (c = 0; c < f->ncols; c++) {
		int text = cs[c].keep || cs[c].text;

		f->tidx[c] = text ? (int)f->ntext++ : -1;
		f->didx[c] = text ? -1 : (int)f->ndev++;
		if (!text && f->mom) {
			f->mom[c].count = cs[c].count;
			f->mom[c].mean = cs[c].count ?
				cs[c].sum / (double)cs[c].count : 0;
			f->mom[c].big = cs[c].big;
		}
	}
	if (mode == FRAME_STREAM_COLUMNS) {
		/* one block a column, so each can go back on its own */
		f->colf = calloc(f->ndev + 1, sizeof(*f->colf));
		for (c = 0; f->colf && c < f->ndev; c++)
			if (!(f->colf[c] = malloc((n + 1) * sizeof(**f->colf))))
				return oom(err, path);
	} else if (mode == FRAME_STREAM_SINGLE) {
		f->devf = malloc((n * f->ndev + 1) * sizeof(*f->devf));
	} else {
		f->dev = malloc((n * f->ndev + 1) * sizeof(*f->dev));
	}
	f->rowline = malloc((n + 1) * sizeof(*f->rowline));
	*offs = malloc((n * f->ntext + 1) * sizeof(**offs));
	f->line = malloc((n * f->ntext + 1) * sizeof(*f->line));
	f->col = malloc((n * f->ntext + 1) * sizeof(*f->col));
	if ((!f->dev && !f->devf && !f->colf) || !f->rowline || !*offs ||
	    !f->line || !f->col)
		return oom(err, path);
	if (frame_stream_between)
		frame_stream_between(path);
	if ((rc = second_pass(f, path, &so, offs, pool, ss, err)) != 0)
		return rc;
kept:
	for (c = 0; f->mom && c < f->ncols; c++) {
		if (f->didx[c] < 0)
			continue;
		f->mom[c].var = n ? ss[c] / (double)n : 0;
		if (!isfinite(f->mom[c].var))
			return 1;
	}
	/* the pool stops moving: offsets become pointers */
	f->store = pool->buf;
	pool->buf = NULL;
	for (c = 0; c < f->ncols; c++)
		f->names[c] = f->store + (uintptr_t)f->names[c];
	f->cells = malloc((n * f->ntext + 1) * sizeof(*f->cells));
	if (!f->cells)
		return oom(err, path);
	for (i = 0; i < n * f->ntext; i++)
		f->cells[i] = (*offs)[i] == SIZE_MAX ? NULL : f->store + (*offs)[i];
	return 0;
}

int frame_load_streamed(struct frame *f, const char *path,
			const struct csv_opts *o, const char *const *keep,
			size_t nkeep, int mode, struct mlci_err *err)
{
	struct colsum *cs = NULL;
	struct pool pool = { NULL, 0, 0 };
	size_t *offs = NULL;
	double *ss = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	/* until it succeeds, f->names holds offsets (only the array is
	 * freed) */
	rc = load(f, path, o, keep, nkeep, mode, &cs, &offs, &pool, &ss, err);
	free(cs), free(offs), free(pool.buf), free(ss);
	if (rc != 0)
		frame_free(f);
	return rc;
}
