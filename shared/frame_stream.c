/*
 * frame_stream.c - the two-pass streamed read of a training file (see
 * frame_stream.h).
 */
#include "frame_stream.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
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

/* Row r's cell c, of a column with text: its place into line and col,
 * its text into pool (its offset into orow[]; SIZE_MAX: missing). 0, or
 * -1 out of memory. */
static int keep_text(const struct frame *f, uint32_t *line, uint32_t *col,
		     size_t *orow, struct pool *pool, size_t r,
		     const struct stream_field *fd, size_t c)
{
	size_t at = (size_t)f->tidx[c];

	line[r * f->ntext + at] = fd[c].line;
	col[r * f->ntext + at] = fd[c].col;
	if (!fd[c].s) {
		orow[at] = SIZE_MAX;
		return 0;
	}
	return pool_add(pool, fd[c].s, fd[c].len, &orow[at]);
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

/* A stream over path: 0; 1 gzip-compressed (not streamed: read whole);
 * -1 with err set. */
static int open_plain(struct stream **s, const char *path,
		      const struct stream_opts *so, struct mlci_err *err)
{
	if (stream_open(s, path, so, err) < 0)
		return -1;
	if ((*s)->gzip) {
		stream_close(*s);
		*s = NULL;
		return 1;
	}
	return 0;
}

/* The header: each column's name into the pool (an offset in f->names
 * until the pool stops moving), and whether it is named in keep[]. */
static int header(struct frame *f, const struct stream *s, struct colsum *cs,
		  const char *const *keep, size_t nkeep, struct pool *pool)
{
	size_t c, k;

	f->names = calloc(f->ncols + 1, sizeof(*f->names));
	if (!f->names)
		return -1;
	for (c = 0; c < f->ncols; c++) {
		size_t off;

		for (k = 0; k < nkeep; k++)
			if (keep[k] && !strcmp(keep[k], s->names[c]))
				cs[c].keep = 1;
		if (pool_add(pool, s->names[c], strlen(s->names[c]), &off) < 0)
			return -1;
		f->names[c] = (char *)(uintptr_t)off;
	}
	return 0;
}

/* 1 when a numeric column's sums leave what a streamed read holds
 * (preprocess.c sums such a column rescaled; single floats: beyond
 * their range). */
static int out_of_range(const struct colsum *x, int mode)
{
	if (x->count && !isfinite(x->sum / (double)x->count))
		return 1;
	if (x->big > 0 && x->big < TINY)
		return 1;
	return (mode == FRAME_STREAM_SINGLE || mode == FRAME_STREAM_COLUMNS) &&
		(x->big > SINGLE_BIG || (x->big > 0 && x->big < SINGLE_SMALL));
}

/* A numeric column's moments from its sums (the variance comes later). */
static void set_moments(struct frame_moments *m, const struct colsum *x)
{
	m->count = x->count;
	m->mean = x->count ? x->sum / (double)x->count : 0;
	m->big = x->big;
}

/* Pass 1: names, rows, hash, and per column its sums. 1: do not stream. */
static int first_pass(struct frame *f, const char *path,
		      const struct stream_opts *so, const char *const *keep,
		      size_t nkeep, int mode, struct colsum **out,
		      struct pool *pool, struct mlci_err *err)
{
	struct stream *s = NULL;
	struct colsum *cs;
	size_t c;
	int rc;

	if ((rc = open_plain(&s, path, so, err)) != 0)
		return rc;
	f->ncols = s->ncols;
	cs = calloc(f->ncols + 1, sizeof(*cs));
	if (!cs) {
		stream_close(s);
		return oom(err, path);
	}
	*out = cs;
	if (header(f, s, cs, keep, nkeep, pool) < 0) {
		stream_close(s);
		return oom(err, path);
	}
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
	stream_close(s);
	for (c = 0; c < f->ncols; c++)
		if (!cs[c].keep && !cs[c].text && mode != FRAME_STREAM_RAW &&
		    out_of_range(&cs[c], mode))
			return 1;
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
			} else if (keep_text(f, f->line, f->col, orow, pool, r,
					     fd, c) < 0) {
				stream_close(s);
				return oom(err, path);
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

/*
 * Doubles (deviations or, raw, values) need no second pass: the values
 * are kept as read and turned into deviations once the means are known.
 * The first row settles which columns hold text; a later text cell in a
 * column of numbers returns 2: read it in two passes.
 *
 * The rows are parsed into chunks: one for a sequential read, which
 * becomes the frame's storage as it is; or, on several threads, one per
 * block of the file (as validate.c splits it: a block begins at the first
 * line start at or after its nominal offset, a guess checked against
 * where the block before it stopped), appended to the frame in file
 * order, its lines made absolute. Each column is summed as the rows are
 * appended, in file order, so the moments are bit for bit the same
 * whatever the thread count. Growing arrays move their pages (realloc),
 * so the peak stays the frame's size and a few blocks.
 */
struct chunk {
	int state;		/* CK_* */
	uint64_t k, from, end_limit;
	int exact;		/* from is a known record start */
	uint64_t first, stop, end_rec;
	uint32_t line_first, line_stop;
	int failed;		/* err set (or late: a text cell, 2) */
	int late;
	struct mlci_err err;
	size_t nrows, cap;
	size_t hint;		/* rows expected in all (0: not known) */
	double *dev;
	uint32_t *rowline, *line, *col;
	size_t *offs;
	struct pool own;	/* a block's text */
	struct pool *pool;	/* where its text goes: own, or the frame's */
};

enum { CK_FREE, CK_TODO, CK_BUSY, CK_PARSED };

static void chunk_free(struct chunk *ck)
{
	free(ck->dev), free(ck->rowline), free(ck->line), free(ck->col);
	free(ck->offs), free(ck->own.buf);
}

static int chunk_grow(const struct frame *f, struct chunk *ck, size_t cap)
{
	double *dev = realloc(ck->dev, (cap * f->ndev + 1) * sizeof(*dev));
	uint32_t *rl, *ln, *cl;
	size_t *of;

	if (dev)
		ck->dev = dev;
	rl = realloc(ck->rowline, (cap + 1) * sizeof(*rl));
	if (rl)
		ck->rowline = rl;
	of = realloc(ck->offs, (cap * f->ntext + 1) * sizeof(*of));
	if (of)
		ck->offs = of;
	ln = realloc(ck->line, (cap * f->ntext + 1) * sizeof(*ln));
	if (ln)
		ck->line = ln;
	cl = realloc(ck->col, (cap * f->ntext + 1) * sizeof(*cl));
	if (cl)
		ck->col = cl;
	if (!dev || !rl || !of || !ln || !cl)
		return -1;
	ck->cap = cap;
	return 0;
}

/* The rows a file of `bytes` bytes of records holds, judged from `rows`
 * of them in `span` bytes, and a little more (the room is only address
 * space until it is written, and growing it again would copy it where
 * realloc cannot move pages). */
static size_t rows_hint(uint64_t bytes, size_t rows, uint64_t span)
{
	double est = span ? (double)bytes / (double)span * (double)rows : 0;

	est = est * 1.05 + 64;
	return est < (double)MAX_CELLS ? (size_t)est : MAX_CELLS;
}

/* Rows to make room for at first: 64K cells, whatever the width. */
static size_t first_rows(const struct frame *f)
{
	size_t w = f->ndev + f->ntext + 1;

	return w < 4096 ? 65536 / w + 1 : 16;
}

/* The layout from the first row's fields (cs[].keep set). */
static void layout(struct frame *f, struct colsum *cs,
		   const struct stream_field *fd)
{
	size_t c;

	for (c = 0; c < f->ncols; c++) {
		double v;
		int text = cs[c].keep || (fd[c].s &&
			parse_double_n(fd[c].s, fd[c].len, &v) < 0);

		cs[c].text = (unsigned char)text;
		f->tidx[c] = text ? (int)f->ntext++ : -1;
		f->didx[c] = text ? -1 : (int)f->ndev++;
	}
}

/* One record into ck. 0; -1 out of memory; 2 a text cell in a column of
 * numbers. */
static int chunk_row(const struct frame *f, const struct colsum *cs,
		     struct chunk *ck, const struct stream_field *fd)
{
	size_t c, r = ck->nrows;
	double *drow;
	size_t *orow;

	if (r == ck->cap && chunk_grow(f, ck, ck->hint > 2 * ck->cap ? ck->hint :
				       ck->cap ? ck->cap * 2 : first_rows(f)) < 0)
		return -1;
	drow = ck->dev + r * f->ndev;
	orow = ck->offs + r * f->ntext;
	ck->rowline[r] = fd[0].line;
	for (c = 0; c < f->ncols; c++) {
		if (!cs[c].text) {
			double v;

			if (!fd[c].s)
				v = NAN;
			else if (parse_double_n(fd[c].s, fd[c].len, &v) < 0)
				return 2;
			drow[f->didx[c]] = v;
		} else if (keep_text(f, ck->line, ck->col, orow, ck->pool, r, fd,
				     c) < 0) {
			return -1;
		}
	}
	ck->nrows++;
	return 0;
}

/* Sum rows [r0, r1) of dev (ndev a row) into cs in order. */
static void sum_rows(const struct frame *f, struct colsum *cs,
		     const double *dev, size_t r0, size_t r1)
{
	size_t r, c;

	for (r = r0; r < r1; r++) {
		const double *drow = dev + r * f->ndev;

		for (c = 0; c < f->ncols; c++) {
			struct colsum *x = &cs[c];
			double v;

			if (f->didx[c] < 0 || isnan(v = drow[f->didx[c]]))
				continue;
			x->sum += v;
			x->count++;
			if (fabs(v) > x->big)
				x->big = fabs(v);
		}
	}
}

/* The moments from the sums, and each value turned into its deviation;
 * 1 when the sums or deviations leave the doubles' range. */
static int deviations(struct frame *f, const struct colsum *cs, double *ss)
{
	size_t c, r;

	f->mom = calloc(f->ncols + 1, sizeof(*f->mom));
	if (!f->mom)
		return -1;
	for (c = 0; c < f->ncols; c++) {
		if (cs[c].text)
			continue;
		if (out_of_range(&cs[c], FRAME_STREAM_DOUBLE))
			return 1;
		set_moments(&f->mom[c], &cs[c]);
	}
	for (r = 0; r < f->nrows; r++) {
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
}

/* The block size of a parallel read (MLCI_FRAME_BLOCK_SIZE, bytes, for
 * tests: many blocks from a small file). */
static uint64_t frame_block_size(void)
{
	return (uint64_t)env_knob("MLCI_FRAME_BLOCK_SIZE", 1, 1L << 20);
}

#define PAR_WINDOW_MAX 8
#define PAR_HASH_STEP ((size_t)1 << 20)

struct fpar {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct frame *f;
	struct colsum *cs;
	struct stream *st;
	struct pool *pool;
	size_t **offs;
	uint64_t R, B, end_limit, region_end, nblocks, next_new, ak;
	uint32_t L0;
	int at_data_start;
	unsigned window;
	struct chunk *slot;
	int arun, sha_run, sha_done, failed, late;
	struct mlci_err err;
	/* the appended blocks so far */
	uint64_t prev_stop, first_record, end_record;
	uint32_t prev_line_stop;
	long prev_base;
	int have_rows;
	size_t cap;
};


static void chunk_parse(struct fpar *x, struct chunk *ck)
{
	struct stream *bs = NULL;
	int rc;

	ck->nrows = 0;
	ck->own.len = 0;
	ck->failed = ck->late = 0;
	err_clear(&ck->err);
	if ((!ck->exact &&
	     stream_line_start(x->st->path, ck->from, &ck->from, &ck->err) < 0) ||
	    stream_block_open(&bs, x->st, ck->from, ck->end_limit,
			      ck->k == 0 && x->at_data_start, &ck->err) < 0) {
		ck->failed = 1;
		return;
	}
	while ((rc = stream_next(bs, &ck->err)) > 0) {
		if (ck->nrows == 0)
			ck->line_first = bs->fields[0].line;
		if ((rc = chunk_row(x->f, x->cs, ck, bs->fields)) != 0)
			break;
	}
	if (rc == 2) {
		ck->failed = ck->late = 1;
	} else if (rc != 0) {
		if (rc > 0)
			oom(&ck->err, x->st->path);
		ck->failed = 1;
	} else {
		stream_block_state(bs, &ck->stop, &ck->line_stop);
		ck->first = ck->nrows ? bs->first_record : ck->stop;
		ck->end_rec = ck->nrows ? bs->end_record : ck->stop;
		if (!ck->nrows)
			ck->line_first = ck->line_stop;
	}
	stream_close(bs);
}

/* Append block ck (checked, base its first line) to the frame. */
static int chunk_append(struct fpar *x, struct chunk *ck, long base)
{
	struct frame *f = x->f;
	size_t n = f->nrows, m = ck->nrows, nt = f->ntext, i, shift;

	if (n + m > MAX_CELLS / (f->ncols ? f->ncols : 1))
		return err_set(&x->err, MLCI_EXIT_DATAERR, f->path,
			       "too large: more than %zu cells", MAX_CELLS);
	if (n + m > x->cap) {
		size_t cap = x->cap ? x->cap : first_rows(f);
		struct chunk g;
		int bad;

		/* from the first block with rows, the rows to expect */
		if (!x->cap && m && ck->stop > ck->first)
			cap = rows_hint(x->region_end - x->R, m, ck->stop - ck->first);
		while (cap < n + m)
			cap *= 2;
		memset(&g, 0, sizeof(g));
		g.dev = f->dev, g.rowline = f->rowline, g.line = f->line;
		g.col = f->col, g.offs = *x->offs;
		bad = chunk_grow(f, &g, cap) < 0;
		f->dev = g.dev, f->rowline = g.rowline, f->line = g.line;
		f->col = g.col, *x->offs = g.offs;
		if (bad)
			return oom(&x->err, f->path);
		x->cap = cap;
	}
	shift = x->pool->len;
	if (ck->own.len) {
		size_t off;

		/* the block's strings, NUL-separated, as one */
		if (pool_add(x->pool, ck->own.buf, ck->own.len - 1, &off) < 0)
			return oom(&x->err, f->path);
	}
	if (m == 0)	/* a block holding no record start */
		return 0;
	memcpy(f->dev + n * f->ndev, ck->dev, m * f->ndev * sizeof(*f->dev));
	sum_rows(f, x->cs, f->dev, n, n + m);
	for (i = 0; i < m; i++)
		f->rowline[n + i] = (uint32_t)(base - 1 + (long)ck->rowline[i]);
	for (i = 0; i < m * nt; i++) {
		f->line[n * nt + i] = (uint32_t)(base - 1 + (long)ck->line[i]);
		f->col[n * nt + i] = ck->col[i];
		(*x->offs)[n * nt + i] = ck->offs[i] == SIZE_MAX ? SIZE_MAX :
			ck->offs[i] + shift;
	}
	f->nrows = n + m;
	return 0;
}

/* Check and append the parsed blocks in order, one thread at a time
 * (called under the lock; unlocks around each append). */
static void par_append(struct fpar *x)
{
	while (!x->failed && !x->arun && x->ak < x->next_new) {
		struct chunk *ck = &x->slot[x->ak % x->window];
		long base;
		int rc;

		if (ck->state != CK_PARSED)
			return;
		if (!ck->exact && (ck->failed || ck->first != x->prev_stop)) {
			/* a wrong guess: parse it again from the right place */
			ck->from = x->prev_stop;
			ck->exact = 1;
			ck->state = CK_TODO;
			pthread_cond_broadcast(&x->cv);
			return;
		}
		base = x->ak == 0 ? (long)x->L0 : x->prev_base +
			(long)x->prev_line_stop - (long)(ck->failed ? 1 : ck->line_first);
		if (ck->failed) {
			x->failed = 1;
			x->late = ck->late;
			x->err = ck->err;
			if (x->err.line > 0)
				x->err.line += base - 1;
			return;
		}
		x->arun = 1;
		pthread_mutex_unlock(&x->mu);
		rc = chunk_append(x, ck, base);
		pthread_mutex_lock(&x->mu);
		x->arun = 0;
		if (rc < 0) {
			x->failed = 1;
			return;
		}
		x->prev_stop = ck->stop;
		x->prev_line_stop = ck->line_stop;
		x->prev_base = base;
		if (ck->nrows) {
			if (!x->have_rows)
				x->first_record = ck->first;
			x->have_rows = 1;
			x->end_record = ck->end_rec;
		}
		ck->state = CK_FREE;
		x->ak++;
		pthread_cond_broadcast(&x->cv);
	}
}

static void *par_run(void *arg)
{
	struct fpar *x = arg;

	pthread_mutex_lock(&x->mu);
	for (;;) {
		struct chunk *ck = NULL;
		struct mlci_err e;
		int done = 0, rc;

		par_append(x);
		if (x->failed)
			break;
		if (x->ak < x->next_new &&
		    x->slot[x->ak % x->window].state == CK_TODO) {
			ck = &x->slot[x->ak % x->window];
		} else if (!x->sha_run && !x->sha_done) {
			x->sha_run = 1;
			pthread_mutex_unlock(&x->mu);
			err_clear(&e);
			rc = stream_hash_step(x->st, PAR_HASH_STEP, &done, &e);
			pthread_mutex_lock(&x->mu);
			x->sha_run = 0;
			x->sha_done = done;
			if (rc < 0 && !x->failed)
				x->failed = 1, x->err = e;
			pthread_cond_broadcast(&x->cv);
			continue;
		} else if (x->next_new < x->nblocks &&
			   x->next_new < x->ak + x->window) {
			uint64_t k = x->next_new++;

			ck = &x->slot[k % x->window];
			ck->k = k;
			ck->from = x->R + k * x->B;
			ck->end_limit = k + 1 == x->nblocks ? x->end_limit :
				x->R + (k + 1) * x->B;
			ck->exact = k == 0;
		}
		if (ck) {
			ck->state = CK_BUSY;
			pthread_mutex_unlock(&x->mu);
			chunk_parse(x, ck);
			pthread_mutex_lock(&x->mu);
			ck->state = CK_PARSED;
			pthread_cond_broadcast(&x->cv);
			continue;
		}
		if (x->ak == x->nblocks && x->sha_done)
			break;
		pthread_cond_wait(&x->cv, &x->mu);
	}
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

#define PAR_MAX_THREADS 64

/* The rows of st (opened, not read from; layout known) on nthreads
 * threads into f. 0, 2 (late text), -1 error; 3: cannot split. */
static int par_read(struct frame *f, struct colsum *cs, struct stream *st,
		    struct pool *pool, size_t **offs, int nthreads,
		    struct mlci_err *err)
{
	struct fpar x;
	pthread_t tid[PAR_MAX_THREADS];
	int i, started = 0, rc = -1;
	unsigned k;

	memset(&x, 0, sizeof(x));
	x.f = f, x.cs = cs, x.st = st, x.pool = pool, x.offs = offs;
	x.B = frame_block_size();
	stream_position(st, &x.R, &x.L0, &x.end_limit);
	x.region_end = x.end_limit < st->file_size ? x.end_limit : st->file_size;
	if (x.region_end <= x.R || x.region_end - x.R < 2 * x.B)
		return 3;
	x.nblocks = (x.region_end - x.R + x.B - 1) / x.B;
	x.at_data_start = x.R == st->data_start;
	if (nthreads > PAR_MAX_THREADS)
		nthreads = PAR_MAX_THREADS;
	x.window = (unsigned)nthreads + 2 < PAR_WINDOW_MAX ?
		(unsigned)nthreads + 2 : PAR_WINDOW_MAX;
	x.slot = calloc(x.window, sizeof(*x.slot));
	if (!x.slot)
		return oom(err, f->path);
	for (k = 0; k < x.window; k++)
		x.slot[k].pool = &x.slot[k].own;
	pthread_mutex_init(&x.mu, NULL);
	pthread_cond_init(&x.cv, NULL);
	for (i = 1; i < nthreads; i++) {
		if (pthread_create(&tid[started], NULL, par_run, &x) != 0)
			break;
		started++;
	}
	par_run(&x);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (x.failed && x.late)
		rc = 2;
	else if (x.failed)
		*err = x.err;
	else if (stream_blocks_end(st, f->nrows, x.have_rows ? x.first_record :
				   x.prev_stop, x.have_rows ? x.end_record :
				   x.prev_stop, err) == 0)
		rc = 0;
	for (k = 0; k < x.window; k++)
		chunk_free(&x.slot[k]);
	free(x.slot);
	pthread_mutex_destroy(&x.mu);
	pthread_cond_destroy(&x.cv);
	return rc;
}

static int one_pass(struct frame *f, const char *path,
		    const struct stream_opts *so, const char *const *keep,
		    size_t nkeep, int mode, int nthreads, struct colsum **out,
		    size_t **offs, struct pool *pool, double **ssp,
		    struct mlci_err *err)
{
	struct stream *s = NULL, *first = NULL;
	struct chunk ck;
	struct colsum *cs;
	int rc;

	memset(&ck, 0, sizeof(ck));
	ck.pool = pool;
	if ((rc = open_plain(&s, path, so, err)) != 0)
		return rc;
	f->ncols = s->ncols;
	cs = *out = calloc(f->ncols + 1, sizeof(*cs));
	f->tidx = malloc((f->ncols + 1) * sizeof(*f->tidx));
	f->didx = malloc((f->ncols + 1) * sizeof(*f->didx));
	*ssp = calloc(f->ncols + 1, sizeof(**ssp));
	if (!cs || !f->tidx || !f->didx || !*ssp ||
	    header(f, s, cs, keep, nkeep, pool) < 0)
		goto oom;
	rc = 3;
	if (nthreads > 1 && stream_can_split(s)) {
		/* the layout from the first row, read on its own */
		if (stream_open(&first, path, so, err) < 0) {
			stream_close(s);
			return -1;
		}
		rc = stream_next(first, err);
		if (rc > 0)
			layout(f, cs, first->fields);
		stream_close(first);
		rc = rc > 0 ? par_read(f, cs, s, pool, offs, nthreads, err) : 3;
		if (rc == 3)	/* back to one stream, from the start */
			f->ntext = f->ndev = 0;
	}
	if (rc == 3) {
		stream_close(s);
		s = NULL;
		if (stream_open(&s, path, so, err) < 0)
			return -1;
		while ((rc = stream_next(s, err)) > 0) {
			if (ck.nrows == 0)
				layout(f, cs, s->fields);
			if (ck.nrows == 255 && s->file_size > s->data_start) {
				uint64_t at, lim;
				uint32_t ln;

				/* 256 records in: the rows to expect */
				stream_position(s, &at, &ln, &lim);
				if (at > s->data_start)
					ck.hint = rows_hint(s->file_size - s->data_start,
							    256, at - s->data_start);
			}
			if (ck.nrows + 1 > MAX_CELLS / (f->ncols ? f->ncols : 1)) {
				rc = err_set(err, MLCI_EXIT_DATAERR, path,
					     "too large: more than %zu cells",
					     MAX_CELLS);
				break;
			}
			if ((rc = chunk_row(f, cs, &ck, s->fields)) != 0)
				break;
		}
		/* the chunk becomes the frame's storage */
		f->dev = ck.dev, f->rowline = ck.rowline, f->line = ck.line;
		f->col = ck.col, *offs = ck.offs;
		f->nrows = ck.nrows;
		if (rc > 0 && rc != 2)
			goto oom;
		if (rc == 0)
			sum_rows(f, cs, f->dev, 0, f->nrows);
	}
	if (rc == 0)
		memcpy(f->sha256, s->sha256, sizeof(f->sha256));
	stream_close(s);
	if (rc != 0)
		return rc;
	if (mode == FRAME_STREAM_RAW)
		return 0;
	rc = deviations(f, cs, *ssp);
	return rc < 0 ? oom(err, path) : rc;
oom:
	stream_close(s);
	return oom(err, path);
}

void (*frame_stream_between)(const char *path);

static int load(struct frame *f, const char *path, const struct csv_opts *o,
		const char *const *keep, size_t nkeep, int mode, int nthreads,
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
		rc = one_pass(f, path, &so, keep, nkeep, mode, nthreads, csp,
			      offs, pool, ssp, err);
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
		if (!text && f->mom)
			set_moments(&f->mom[c], &cs[c]);
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
			size_t nkeep, int mode, int nthreads,
			struct mlci_err *err)
{
	struct colsum *cs = NULL;
	struct pool pool = { NULL, 0, 0 };
	size_t *offs = NULL;
	double *ss = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	if (csv_is_jsonl_name(path))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "a JSON Lines file (by its name): this step reads CSV "
			       "(mlci-validate-data reads JSON Lines)");
	/* until it succeeds, f->names holds offsets (only the array is
	 * freed) */
	rc = load(f, path, o, keep, nkeep, mode, nthreads, &cs, &offs, &pool,
		  &ss, err);
	free(cs), free(offs), free(pool.buf), free(ss);
	if (rc != 0)
		frame_free(f);
	return rc;
}
