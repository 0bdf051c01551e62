/* Random forests: bagged trees grown by a pool of threads (see forest.h). */
#include "forest.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "tree.h"
#include "util.h"

struct forest_model {
	size_t n;
	struct tree *trees;
	double *importance;	/* per input column */
};

static void ffam_free(void *body)
{
	struct forest_model *b = body;
	size_t i;

	if (!b)
		return;
	for (i = 0; b->trees && i < b->n; i++)
		tree_free(&b->trees[i]);
	free(b->trees);
	free(b->importance);
	free(b);
}

/* Tree i's two random streams, from the seed and i alone. */
static void tree_seeds(long seed, size_t i, uint64_t *boot, uint64_t *feat)
{
	uint64_t s = (uint64_t)seed ^ ((uint64_t)(i + 1) * 0xd1b54a32d192ed03ULL);

	*boot = tree_rng_next(&s);
	*feat = tree_rng_next(&s);
}

/* Bootstrap counts of tree i into w (n). */
static void bootstrap(long seed, size_t i, size_t n, double *w)
{
	uint64_t boot, feat;
	size_t k;

	tree_seeds(seed, i, &boot, &feat);
	memset(w, 0, n * sizeof(*w));
	for (k = 0; k < n; k++)
		w[tree_rng_below(&boot, n)] += 1;
}

struct pool {
	const struct tree_data *td;
	const struct tree_params *h;
	enum tree_criterion crit;
	size_t mf, ntrees;
	long seed;
	struct tree *trees;
	double *imp;		/* ntrees * p */
	uint64_t *inbag;	/* ntrees * words: rows each tree drew */
	size_t words;
	pthread_mutex_t lock;
	size_t next, done;
	int failed;
	const struct fit_data *fd;
};

static void *worker(void *arg)
{
	struct pool *pl = arg;
	struct tree_work *w = tree_work_new(pl->td);
	/* the bootstrap counts go straight into the work's weights */
	double *weight = w ? tree_work_weights(w) : NULL;

	for (;;) {
		size_t i;
		uint64_t boot, feat;
		int bad;

		pthread_mutex_lock(&pl->lock);
		if (!w || !weight)
			pl->failed = 1;
		i = pl->failed ? pl->ntrees : pl->next++;
		pthread_mutex_unlock(&pl->lock);
		if (i >= pl->ntrees)
			break;
		tree_seeds(pl->seed, i, &boot, &feat);
		if (pl->h->bootstrap) {
			uint64_t *bits = pl->inbag + i * pl->words;
			size_t r;

			bootstrap(pl->seed, i, pl->td->n, weight);
			for (r = 0; r < pl->td->n; r++)
				if (weight[r] > 0)
					bits[r / 64] |= (uint64_t)1 << (r % 64);
		}
		bad = tree_grow(&pl->trees[i], pl->td, pl->h, pl->crit, pl->mf,
				pl->h->bootstrap ? weight : NULL, feat,
				pl->imp + i * pl->td->p, w) < 0;
		pthread_mutex_lock(&pl->lock);
		pl->failed |= bad;
		pl->done++;
		if (!bad && pl->fd->progress)
			pl->fd->progress(pl->fd->progress_ctx, pl->done, pl->ntrees);
		pthread_mutex_unlock(&pl->lock);
	}
	tree_work_free(w);
	return NULL;
}

/*
 * The training rows through every tree, a chunk of rows at a time, in
 * tree order for each row: each row's forest prediction and (with
 * bootstrap) its out-of-bag one, the mean over the trees that did not
 * draw it, scored as the chunk is done, so no row's prediction is kept
 * past its chunk. A classifier counts its hits; a regressor sums its
 * squared errors and deviations from the mean (known beforehand) in row
 * order, a sum per chunk, the chunks' sums added in chunk order: the
 * same figures whatever the thread count.
 */
struct pass {
	const struct pool *pl;
	const struct forest_model *b;
	const double *X;
	const float *const *Xf;	/* or the columns (X NULL) */
	size_t n, p, width;
	int classifier, oob;	/* oob: bootstrap, out-of-bag figures wanted */
	const size_t *yc;
	const double *yr;
	double mean, oob_mean;	/* regression: of every row, of the rows out of bag */
	/* per chunk: squared errors, squared deviations (all rows, then
	 * out of bag) */
	double *part;
	size_t hits, oob_hits, oob_rows;
	int failed;		/* a worker's buffers ran out of memory */
	pthread_mutex_t lock;
	size_t next;
};

#define PASS_CHUNK ((size_t)512)


static void *pass_worker(void *arg)
{
	struct pass *ps = arg;
	size_t i, t, k, r0, r1, w = ps->width;
	size_t hits = 0, oob_hits = 0, oob_rows = 0;
	/* single-float columns: a chunk's rows gathered */
	double *xr = ps->X ? NULL : malloc((PASS_CHUNK * ps->p + 1) * sizeof(*xr));
	/* the chunk's predictions, out-of-bag sums and their counts */
	double *pred = malloc(PASS_CHUNK * w * sizeof(*pred));
	double *oob = malloc(PASS_CHUNK * w * sizeof(*oob));
	double cnt[PASS_CHUNK];

	for (;;) {
		const double *X;
		double *part;

		pthread_mutex_lock(&ps->lock);
		if ((!ps->X && !xr) || !pred || !oob)
			ps->failed = 1;
		r0 = ps->failed ? ps->n : ps->next;
		ps->next += PASS_CHUNK;
		pthread_mutex_unlock(&ps->lock);
		if (r0 >= ps->n)
			break;
		r1 = r0 + PASS_CHUNK < ps->n ? r0 + PASS_CHUNK : ps->n;
		if (xr)
			for (k = 0; k < ps->p; k++)
				for (i = r0; i < r1; i++)
					xr[(i - r0) * ps->p + k] = ps->Xf[k][i];
		X = xr ? xr : ps->X + r0 * ps->p;
		memset(pred, 0, (r1 - r0) * w * sizeof(*pred));
		memset(oob, 0, (r1 - r0) * w * sizeof(*oob));
		memset(cnt, 0, sizeof(cnt));
		/* tree by tree over the chunk (each row still sums its trees
		 * in index order): a tree's nodes stay in cache */
		for (t = 0; t < ps->b->n; t++) {
			const struct tree *tr = &ps->b->trees[t];
			const uint64_t *bits = ps->oob ? ps->pl->inbag + t * ps->pl->words : NULL;
			uint32_t leaf[PASS_CHUNK];

			tree_leaves(tr, X, r1 - r0, ps->p, leaf);
			for (i = r0; i < r1; i++) {
				const double *v = tr->value + (size_t)leaf[i - r0] * w;
				double *out = pred + (i - r0) * w;

				for (k = 0; k < w; k++)
					out[k] += v[k];
				if (bits && !(bits[i / 64] >> (i % 64) & 1)) {
					for (k = 0; k < w; k++)
						oob[(i - r0) * w + k] += v[k];
					cnt[i - r0] += 1;
				}
			}
		}
		part = ps->part + (r0 / PASS_CHUNK) * 4;
		for (i = r0; i < r1; i++) {
			double *pr = pred + (i - r0) * w, *ob = oob + (i - r0) * w, e;

			for (k = 0; k < w; k++)
				pr[k] /= (double)ps->b->n;
			if (ps->classifier) {
				hits += tree_argmax(pr, w) == ps->yc[i];
			} else {
				e = ps->yr[i] - pr[0];
				part[0] += e * e;
				part[1] += (ps->yr[i] - ps->mean) * (ps->yr[i] - ps->mean);
			}
			if (!(cnt[i - r0] > 0))
				continue;
			oob_rows++;
			if (ps->classifier) {
				oob_hits += tree_argmax(ob, w) == ps->yc[i];
			} else {
				e = ps->yr[i] - ob[0] / cnt[i - r0];
				part[2] += e * e;
				part[3] += (ps->yr[i] - ps->oob_mean) * (ps->yr[i] - ps->oob_mean);
			}
		}
	}
	pthread_mutex_lock(&ps->lock);
	ps->hits += hits, ps->oob_hits += oob_hits, ps->oob_rows += oob_rows;
	pthread_mutex_unlock(&ps->lock);
	free(xr), free(pred), free(oob);
	return NULL;
}

/* A regressor's r2 from the chunks' sums (at off: errors, then
 * deviations), added in chunk order, as tree_score takes it. */
static double pass_r2(const struct pass *ps, size_t off)
{
	double rss = 0, tss = 0;
	size_t c;

	for (c = 0; c < (ps->n + PASS_CHUNK - 1) / PASS_CHUNK; c++) {
		rss += ps->part[c * 4 + off];
		tss += ps->part[c * 4 + off + 1];
	}
	return r2_of_sums(rss, tss);
}

/* Run fn(arg) on up to nthreads threads (the caller is one). */
static void run_threads(void *(*fn)(void *), void *arg, int nthreads)
{
	pthread_t *tid = calloc((size_t)nthreads + 1, sizeof(*tid));
	int i, started = 0;

	for (i = 1; tid && i < nthreads; i++)
		if (pthread_create(&tid[started], NULL, fn, arg) == 0)
			started++;
	fn(arg);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
}

/* Grow every tree with up to nthreads threads (the caller is one). */
static int grow_all(struct pool *pl, int nthreads)
{
	if ((size_t)nthreads > pl->ntrees)
		nthreads = (int)pl->ntrees;
	pthread_mutex_init(&pl->lock, NULL);
	run_threads(worker, pl, nthreads);
	pthread_mutex_destroy(&pl->lock);
	return pl->failed ? -1 : 0;
}

/* Rows a block of forest_rows: their features stay in cache while every
 * tree walks them. */
#define PREDICT_BLOCK 128

/* Average of the trees' leaves for the n rows of X into out (n * width):
 * a block of rows at a time, tree by tree, each row summing its trees in
 * index order; the blocks are shared among threads (each row's sum is
 * the same whichever thread makes it). */
struct rows_job {
	const struct forest_model *b;
	size_t width, p, n, next;
	const double *X;
	double *out;
	pthread_mutex_t lock;
};

static void rows_block(const struct rows_job *j, size_t i0, size_t i1)
{
	size_t t, k, i, width = j->width;
	uint32_t leaf[PREDICT_BLOCK];

	for (t = 0; t < j->b->n; t++) {
		const struct tree *tr = &j->b->trees[t];

		tree_leaves(tr, j->X + i0 * j->p, i1 - i0, j->p, leaf);
		for (i = i0; i < i1; i++) {
			const double *v = tr->value + (size_t)leaf[i - i0] * width;

			for (k = 0; k < width; k++)
				j->out[i * width + k] += v[k];
		}
	}
	for (i = i0 * width; i < i1 * width; i++)
		j->out[i] /= (double)j->b->n;
}

static void *rows_worker(void *arg)
{
	struct rows_job *j = arg;

	for (;;) {
		size_t i0, i1;

		pthread_mutex_lock(&j->lock);
		i0 = j->next;
		i1 = j->n - i0 > PREDICT_BLOCK ? i0 + PREDICT_BLOCK : j->n;
		j->next = i1;
		pthread_mutex_unlock(&j->lock);
		if (i0 >= j->n)
			return NULL;
		rows_block(j, i0, i1);
	}
}

/* Rows below which prediction stays on one thread. */
#define PREDICT_THREADED_ROWS 4096

static void forest_rows(const struct forest_model *b, size_t width, size_t p,
			const double *X, size_t n, double *out)
{
	struct rows_job j;
	int nthreads = n < PREDICT_THREADED_ROWS ? 1 : online_cpus();

	memset(out, 0, n * width * sizeof(*out));
	j.b = b, j.width = width, j.p = p, j.n = n, j.next = 0, j.X = X;
	j.out = out;
	pthread_mutex_init(&j.lock, NULL);
	run_threads(rows_worker, &j, nthreads);
	pthread_mutex_destroy(&j.lock);
}

static int ffam_fit(struct model *m, const void *hp, const struct fit_data *d,
		    struct fit_report *rep, json_t *training,
		    struct mlci_err *err)
{
	const struct tree_params *h = hp;
	struct forest_model *b = calloc(1, sizeof(*b));
	struct tree_data td;
	struct pool pl;
	double *Xc = NULL, *avg = NULL;
	unsigned char *isbin = NULL;
	uint8_t *bin = NULL;
	double *lohi = NULL;
	uint32_t *order = NULL;
	size_t width = m->classifier ? m->nclasses : 1, i, t, k, p = d->p;
	size_t oob_rows = 0, used_trees = 0;
	int rc = -1;

	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	memset(&pl, 0, sizeof(pl));
	if (tree_criterion_for(h, m->classifier, &pl.crit, err) < 0)
		return -1;
	if (d->n > (size_t)INT32_MAX)
		return err_set(err, MLCI_EXIT_DATAERR, NULL, "too many rows for a tree");
	/* single floats (--dtype float32) stay in their columns, and each
	 * node sorts its values: no copy, no presorted order */
	m->f32_inputs = d->Xcols != NULL;
	Xc = m->f32_inputs ? NULL : tree_columns(d->X, d->n, p);
	b->n = (size_t)h->n_estimators;
	b->trees = calloc(b->n, sizeof(*b->trees));
	b->importance = calloc(m->prep.ncols + 1, sizeof(*b->importance));
	pl.imp = calloc(b->n * p + 1, sizeof(*pl.imp));
	avg = calloc(p + 1, sizeof(*avg));
	if ((!m->f32_inputs && !Xc) || !b->trees || !b->importance || !pl.imp || !avg)
		goto oom;
	if (tree_binary(Xc, (const float *const *)d->Xcols, d->n, p, &bin,
			&isbin, &lohi) < 0)
		goto oom;
	order = m->f32_inputs ? NULL : tree_presort(Xc, d->n, p, isbin);
	if (!m->f32_inputs && !order)
		goto oom;
	td = (struct tree_data){ Xc, bin, isbin, lohi, lohi + p, d->yc, d->yr,
				 d->n, p, m->classifier ? m->nclasses : 0, order,
				 (const float *const *)d->Xcols };
	pl.td = &td, pl.h = h, pl.ntrees = b->n, pl.seed = d->seed;
	pl.mf = tree_max_features(h, m->classifier, p);
	pl.trees = b->trees, pl.fd = d;
	pl.words = (d->n + 63) / 64;
	if (h->bootstrap) {
		pl.inbag = calloc(b->n * pl.words + 1, sizeof(*pl.inbag));
		if (!pl.inbag)
			goto oom;
	}
	if (grow_all(&pl, d->threads < 1 ? 1 : d->threads) < 0)
		goto oom;

	/* importances: each tree's normalised, averaged, in tree order */
	for (t = 0; t < b->n; t++) {
		const double *ti = pl.imp + t * p;
		double tot = 0;

		if (b->trees[t].n_nodes < 2)
			continue;
		for (k = 0; k < p; k++)
			tot += ti[k];
		used_trees++;
		for (k = 0; tot > 0 && k < p; k++)
			avg[k] += ti[k] / tot;
	}
	tree_importance_columns(m, avg, b->importance);

	memset(rep, 0, sizeof(*rep));
	rep->oob_score = NAN;
	{
		struct pass ps;
		size_t used = 0;

		memset(&ps, 0, sizeof(ps));
		ps.pl = &pl, ps.b = b, ps.X = d->X, ps.n = d->n, ps.p = p;
		ps.Xf = (const float *const *)d->Xcols;
		ps.width = width, ps.classifier = m->classifier, ps.oob = h->bootstrap;
		ps.yc = d->yc, ps.yr = d->yr;
		ps.part = calloc(((d->n + PASS_CHUNK - 1) / PASS_CHUNK) * 4 + 1,
				 sizeof(*ps.part));
		if (!ps.part)
			goto oom;
		/* the means first, in row order: out of bag are the rows
		 * some tree did not draw */
		for (i = 0; !m->classifier && i < d->n; i++) {
			int out = 0;

			ps.mean += d->yr[i];
			for (t = 0; h->bootstrap && t < b->n && !out; t++)
				out = !(pl.inbag[t * pl.words + i / 64] >> (i % 64) & 1);
			if (out)
				ps.oob_mean += d->yr[i], used++;
		}
		ps.mean /= (double)d->n;
		ps.oob_mean /= used ? (double)used : 1;
		pthread_mutex_init(&ps.lock, NULL);
		run_threads(pass_worker, &ps, d->threads < 1 ? 1 : d->threads);
		pthread_mutex_destroy(&ps.lock);
		oob_rows = ps.oob_rows;
		if (!ps.failed) {
			rep->score = m->classifier ? (double)ps.hits / (double)d->n :
				pass_r2(&ps, 0);
			if (h->bootstrap && oob_rows)
				rep->oob_score = m->classifier ?
					(double)ps.oob_hits / (double)oob_rows :
					pass_r2(&ps, 2);
		}
		free(ps.part);
		if (ps.failed)
			goto oom;
	}
	rep->loss = NAN;
	rep->n_trees = b->n;
	for (t = 0; t < b->n; t++) {
		rep->n_nodes += b->trees[t].n_nodes;
		rep->n_leaves += b->trees[t].n_leaves;
		if (b->trees[t].depth > rep->depth)
			rep->depth = b->trees[t].depth;
	}
	if (rep->n_nodes > TREE_MAX_NODES) {
		rc = err_set(err, MLCI_EXIT_DATAERR, NULL,
			     "the forest has %zu nodes, more than the %zu a model may hold; limit max_depth or n_estimators",
			     rep->n_nodes, TREE_MAX_NODES);
		goto out;
	}
	json_object_set_new(training, "n_trees", json_integer((json_int_t)b->n));
	json_object_set_new(training, "n_nodes", json_integer((json_int_t)rep->n_nodes));
	json_object_set_new(training, "n_leaves", json_integer((json_int_t)rep->n_leaves));
	json_object_set_new(training, "depth", json_integer((json_int_t)rep->depth));
	json_object_set_new(training, "max_features", json_integer((json_int_t)pl.mf));
	if (h->bootstrap) {
		json_object_set_new(training, "oob_score", oob_rows ?
				    json_real(rep->oob_score) : json_null());
		json_object_set_new(training, "oob_rows", json_integer((json_int_t)oob_rows));
	}
	rc = 0;
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	free(Xc), free(pl.imp), free(pl.inbag), free(avg);
	free(bin), free(isbin), free(lohi), free(order);
	return rc;
}

static int ffam_predict(const struct model *m, const double *X, size_t n,
			double *out, struct mlci_err *err)
{
	const struct forest_model *b = m->body;
	size_t width = m->classifier ? m->nclasses : 1;

	forest_rows(b, width, m->prep.nout, X, n, out);
	return 0;
}

static json_t *tree_json_at(void *ctx, size_t i)
{
	const struct forest_model *b = ctx;

	return tree_to_json(&b->trees[i]);
}

/* The trees as a lazy array: each becomes JSON only as it is written
 * (an unpruned forest's JSON values would weigh several times its
 * nodes). */
static int ffam_to_json(const struct model *m, json_t *mod)
{
	const struct forest_model *b = m->body;
	json_t *a = artifact_lazy_array(b->n, tree_json_at, (void *)b);

	if (!a || json_object_set_new(mod, "trees", a) < 0)
		return -1;
	if (json_object_set_new(mod, "feature_importances",
				tree_reals_json(b->importance, m->prep.ncols)) < 0 ||
	    (m->f32_inputs && json_object_set_new(mod, "input_dtype",
					   json_string("float32")) < 0))
		return -1;
	return 0;
}

static int ffam_from_json(struct model *m, const json_t *mod, const char *file,
			  struct mlci_err *err)
{
	struct forest_model *b = calloc(1, sizeof(*b));
	size_t budget = TREE_MAX_NODES, t, n;
	json_t *a;

	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	if (tree_input_dtype(mod, &m->f32_inputs, file, err) < 0 ||
	    json_get_array(mod, "trees", &a, file, err) < 0)
		return -1;
	/* (model_load's lean read leaves the trees in the text) */
	n = m->src && !json_array_size(a) ? m->src->n : json_array_size(a);
	if (n < 1 || n > FOREST_MAX_TREES)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.trees must hold 1 to %zu trees", FOREST_MAX_TREES);
	b->trees = calloc(n, sizeof(*b->trees));
	b->importance = calloc(m->prep.ncols + 1, sizeof(*b->importance));
	if (!b->trees || !b->importance)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (t = 0; t < n; t++) {
		char what[48];
		json_t *tj = json_array_size(a) ? json_incref(json_array_get(a, t)) :
			model_src_element(m->src, t, file, err);
		int rc;

		if (!tj)
			return -1;
		snprintf(what, sizeof(what), "model.trees[%zu]", t);
		rc = tree_from_json(&b->trees[t], tj, m->prep.nout,
				    m->classifier ? m->nclasses : 1,
				    m->classifier, &budget, file, what, err);
		json_decref(tj);
		if (rc < 0)
			return -1;
		b->n++;
	}
	return tree_importance_read(m, mod, b->importance, file, err);
}

const struct model_family forest_family = {
	"forest", TASK_EITHER, sizeof(struct tree_params), forest_params_init,
	tree_param, tree_params_json, ffam_fit, ffam_predict, ffam_to_json,
	ffam_from_json, ffam_free, 0, NULL, 2,
};
