/* Cross-validation folds and fits, permutation importance (see cv.h). */
#include "cv.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "preprocess.h"
#include "tree.h"

static int oom(struct mlci_err *err)
{
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

/* A stream for draw set `what` (cv folds, or column c's repeat r). */
static uint64_t stream(long seed, uint64_t what)
{
	uint64_t s = (uint64_t)seed ^ 0x6d6c63692d6376ULL;

	s += what * 0xd1b54a32d192ed03ULL;
	tree_rng_next(&s);
	return s;
}

static void shuffle_sizes(size_t *v, size_t n, uint64_t *rng)
{
	size_t i, j, t;

	for (i = n; i > 1; i--) {
		j = tree_rng_below(rng, i);
		t = v[i - 1], v[i - 1] = v[j], v[j] = t;
	}
}

/* Positions j in [0, x) with j % k == i. */
static size_t residues(size_t x, size_t k, size_t i)
{
	return x / k + (x % k > i);
}

int cv_assign(size_t n, size_t k, const size_t *y, size_t nclasses,
	      int shuffle, long seed, size_t *fold, const char *file,
	      char *warn, size_t wlen, struct mlci_err *err)
{
	uint64_t rng = stream(seed, 0);
	size_t *order = NULL, *count = NULL, *first = NULL, *start = NULL;
	size_t *byclass = NULL, *seq = NULL, i, c, j, nc = 0, minc, maxc;
	int rc = -1;

	if (warn && wlen)
		warn[0] = 0;
	if (k < 2)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--cv %zu: expected at least 2 folds", k);
	if (k > n)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "--cv %zu: more folds than the %zu rows", k, n);
	if (!y) {
		order = malloc(n * sizeof(*order));
		if (!order)
			return oom(err);
		for (i = 0; i < n; i++)
			order[i] = i;
		if (shuffle)
			shuffle_sizes(order, n, &rng);
		/* KFold: the first n % k folds hold one row more */
		for (i = 0, j = 0; i < k; i++) {
			size_t size = n / k + (i < n % k), e;

			for (e = 0; e < size; e++)
				fold[order[j++]] = i;
		}
		free(order);
		return 0;
	}
	/* StratifiedKFold: classes numbered by first appearance */
	first = malloc((nclasses + 1) * sizeof(*first));
	count = calloc(nclasses + 1, sizeof(*count));
	start = calloc(nclasses + 2, sizeof(*start));
	byclass = malloc((n + 1) * sizeof(*byclass));
	seq = malloc((n + 1) * sizeof(*seq));
	if (!first || !count || !start || !byclass || !seq) {
		oom(err);
		goto out;
	}
	for (c = 0; c < nclasses; c++)
		first[c] = (size_t)-1;
	for (i = 0; i < n; i++) {
		if (first[y[i]] == (size_t)-1)
			first[y[i]] = nc++;
		count[first[y[i]]]++;
	}
	minc = maxc = count[0];
	for (c = 1; c < nc; c++) {
		minc = count[c] < minc ? count[c] : minc;
		maxc = count[c] > maxc ? count[c] : maxc;
	}
	if (maxc < k) {
		err_set(err, MLCI_EXIT_DATAERR, file,
			"--cv %zu: more folds than the rows of any class (at most %zu) for stratified folds",
			k, maxc);
		goto out;
	}
	if (minc < k && warn && wlen)
		snprintf(warn, wlen,
			 "the least populated class has only %zu rows, fewer than the %zu folds",
			 minc, k);
	/* rows grouped by class, in data order within a class */
	for (c = 0; c < nc; c++)
		start[c + 1] = start[c] + count[c];
	memset(count, 0, (nclasses + 1) * sizeof(*count));
	for (i = 0; i < n; i++) {
		c = first[y[i]];
		byclass[start[c] + count[c]++] = i;
	}
	for (c = 0; c < nc; c++) {
		/* sorted by class, class c holds positions [start, start +
		 * count); fold i's share is those that are = i mod k */
		size_t s = start[c], e = start[c] + count[c], m = 0;

		for (i = 0; i < k; i++) {
			size_t share = residues(e, k, i) - residues(s, k, i);

			for (j = 0; j < share; j++)
				seq[m++] = i;
		}
		if (shuffle)
			shuffle_sizes(seq, m, &rng);
		for (j = 0; j < m; j++)
			fold[byclass[s + j]] = seq[j];
	}
	rc = 0;
out:
	free(first), free(count), free(start), free(byclass), free(seq);
	return rc;
}

/* f's rows rows[0..n) as a frame sharing f's cells (free with
 * subframe_free, not frame_free). */
static int subframe(struct frame *s, const struct frame *f,
		    const size_t *rows, size_t n)
{
	size_t i, w = f->ncols, t = f->tidx ? f->ntext : f->ncols;

	*s = *f;
	s->priv = NULL;
	s->nrows = n;
	s->cells = malloc((n * t + 1) * sizeof(*s->cells));
	s->line = malloc((n * t + 1) * sizeof(*s->line));
	s->col = malloc((n * t + 1) * sizeof(*s->col));
	s->num = f->num ? malloc((n * w + 1) * sizeof(*s->num)) : NULL;
	s->rowline = f->rowline ? malloc((n + 1) * sizeof(*s->rowline)) : NULL;
	if (!s->cells || !s->line || !s->col || (f->num && !s->num) ||
	    (f->rowline && !s->rowline))
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(s->cells + i * t, f->cells + rows[i] * t, t * sizeof(*s->cells));
		memcpy(s->line + i * t, f->line + rows[i] * t, t * sizeof(*s->line));
		memcpy(s->col + i * t, f->col + rows[i] * t, t * sizeof(*s->col));
		if (s->num)
			memcpy(s->num + i * w, f->num + rows[i] * w, w * sizeof(*s->num));
		if (s->rowline)
			s->rowline[i] = f->rowline[rows[i]];
	}
	return 0;
}

static void subframe_free(struct frame *s)
{
	free(s->cells), free(s->line), free(s->col), free(s->num);
	free(s->rowline);
}

static size_t argmax(const double *p, size_t k)
{
	size_t j, best = 0;

	for (j = 1; j < k; j++)
		if (p[j] > p[best])
			best = j;
	return best;
}

static int put(json_t *o, const char *key, double v)
{
	return json_object_set_new(o, key, json_real(v));
}

/* Score n held-out rows: out gets the metrics of cv.h. */
static int fold_metrics(const struct cv_input *in, const size_t *yc,
			const double *yr, const double *pred, size_t n,
			json_t *out, struct mlci_err *err)
{
	size_t K = in->nclasses, i, np = 0;
	size_t *yp = NULL, *code = NULL, *ct = NULL, *cp = NULL;
	unsigned char *pos = NULL;
	struct class_metrics cm = {0};
	struct reg_metrics rm;
	double v, w;
	const char *why;
	int rc = -1, u;

	if (!in->classifier) {
		if (metrics_regression(yr, pred, n, &rm, err) < 0)
			return -1;
		if (put(out, "mse", rm.mse) < 0 || put(out, "rmse", rm.rmse) < 0 ||
		    put(out, "mae", rm.mae) < 0 ||
		    (rm.r2_defined && put(out, "r2", rm.r2) < 0))
			return oom(err);
		return 0;
	}
	yp = malloc(n * sizeof(*yp));
	code = malloc(K * sizeof(*code));
	ct = malloc(n * sizeof(*ct));
	cp = malloc(n * sizeof(*cp));
	pos = malloc(n);
	if (!yp || !code || !ct || !cp || !pos) {
		oom(err);
		goto out;
	}
	for (i = 0; i < K; i++)
		code[i] = (size_t)-1;
	for (i = 0; i < n; i++)
		yp[i] = argmax(pred + i * K, K);
	/* f1_macro over the labels in y_true or y_pred, in class order */
	for (i = 0; i < n; i++)
		code[yc[i]] = code[yp[i]] = 0;
	for (i = 0; i < K; i++)
		if (code[i] == 0)
			code[i] = np++;
	for (i = 0; i < n; i++)
		ct[i] = code[yc[i]], cp[i] = code[yp[i]];
	if (class_metrics_compute(&cm, ct, cp, n, np, err) < 0)
		goto out;
	if (put(out, "accuracy", cm.accuracy) < 0 ||
	    put(out, "f1_macro", cm.f1_macro) < 0)
		goto oom;
	if (metrics_log_loss(yc, pred, n, K, &v, err) < 0)
		goto out;
	if (put(out, "log_loss", v) < 0)
		goto oom;
	if (K == 2) {
		double *score = malloc(n * sizeof(*score));

		if (!score)
			goto oom;
		for (i = 0; i < n; i++) {
			pos[i] = yc[i] == 1;
			score[i] = pred[i * 2 + 1];
		}
		u = metrics_roc_auc(pos, score, n, &v, err);
		free(score);
		if (u < 0)
			goto out;
		if (u == 0 && put(out, "roc_auc", v) < 0)
			goto oom;
	} else {
		u = metrics_roc_auc_ovr(yc, pred, n, K, &v, &w, &why, err);
		if (u < 0)
			goto out;
		if (u == 0 && put(out, "roc_auc_ovr_macro", v) < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	oom(err);
out:
	class_metrics_free(&cm);
	free(yp), free(code), free(ct), free(cp), free(pos);
	return rc;
}

/* Fit on the rows not in fold i, score the rows in it into met. */
static int one_fold(const struct cv_input *in, const size_t *fold, size_t i,
		    size_t n, int threads, size_t *n_train, size_t *n_test,
		    json_t *met, struct mlci_err *err)
{
	struct model fm = {0};
	struct frame sub = {0};
	struct fit_data d;
	struct fit_report rep;
	size_t *tr = NULL, *te = NULL, ntr = 0, nte = 0, r, p;
	size_t *yct = NULL, *yce = NULL, width = in->classifier ? in->nclasses : 1;
	double *yrt = NULL, *yre = NULL, *X = NULL, *pred = NULL;
	json_t *scratch = json_object();
	int rc = -1;

	tr = malloc((n + 1) * sizeof(*tr));
	te = malloc((n + 1) * sizeof(*te));
	yct = calloc(n + 1, sizeof(*yct));
	yce = calloc(n + 1, sizeof(*yce));
	yrt = calloc(n + 1, sizeof(*yrt));
	yre = calloc(n + 1, sizeof(*yre));
	if (!tr || !te || !yct || !yce || !yrt || !yre || !scratch)
		goto oom;
	for (r = 0; r < n; r++) {
		if (fold[r] == i) {
			te[nte] = r;
			if (in->classifier)
				yce[nte] = in->yc[r];
			else
				yre[nte] = in->yr[r];
			nte++;
		} else {
			tr[ntr] = r;
			if (in->classifier)
				yct[ntr] = in->yc[r];
			else
				yrt[ntr] = in->yr[r];
			ntr++;
		}
	}
	*n_train = ntr, *n_test = nte;
	if (!ntr || !nte) {
		err_set(err, MLCI_EXIT_DATAERR, in->f->path,
			"cross-validation fold %zu has no %s rows", i + 1,
			ntr ? "test" : "training");
		goto out;
	}
	if (in->classifier) {
		for (r = 1; r < ntr && yct[r] == yct[0]; r++)
			;
		if (r == ntr) {
			err_set(err, MLCI_EXIT_DATAERR, in->f->path,
				"cross-validation fold %zu: its training rows hold a single class; stratified folds avoid that",
				i + 1);
			goto out;
		}
	}
	if (subframe(&sub, in->f, tr, ntr) < 0)
		goto oom;
	fm.classifier = in->classifier;
	fm.nclasses = in->nclasses;
	fm.fam = in->fam;
	if (prep_fit(&fm.prep, &sub, in->cols, in->ncols, err) < 0)
		goto out;
	/* as train_run: a family that handles missing values gets them as NaN */
	fm.prep.nan_missing = in->fam->nan_missing;
	if (in->fam->ordinal_cats)	/* hgb: native categorical columns */
		prep_set_ordinal(&fm.prep, in->fam->ordinal_cats(in->hp));
	p = fm.prep.nout;
	X = malloc(((ntr > nte ? ntr : nte) * p + 1) * sizeof(*X));
	pred = malloc((nte * width + 1) * sizeof(*pred));
	if (!X || !pred)
		goto oom;
	for (r = 0; r < ntr; r++)
		if (prep_row(&fm.prep, in->f, in->cols, tr[r], X + r * p, err) < 0)
			goto out;
	memset(&d, 0, sizeof(d));
	memset(&rep, 0, sizeof(rep));
	d.X = X, d.yc = yct, d.yr = yrt, d.n = ntr, d.p = p;
	d.seed = in->seed;
	d.threads = threads;
	if (in->fam->fit(&fm, in->hp, &d, &rep, scratch, err) < 0)
		goto out;
	for (r = 0; r < nte; r++)
		if (prep_row(&fm.prep, in->f, in->cols, te[r], X + r * p, err) < 0)
			goto out;
	if (in->fam->predict(&fm, X, nte, pred, err) < 0 ||
	    fold_metrics(in, yce, yre, pred, nte, met, err) < 0)
		goto out;
	rc = 0;
	goto out;
oom:
	oom(err);
out:
	if (fm.body)
		in->fam->free_body(fm.body);
	prep_free(&fm.prep);
	subframe_free(&sub);
	json_decref(scratch);
	free(tr), free(te), free(yct), free(yce), free(yrt), free(yre);
	free(X), free(pred);
	return rc;
}

static const char *const metric_names[] = {
	"accuracy", "f1_macro", "log_loss", "roc_auc", "roc_auc_ovr_macro",
	"mse", "rmse", "mae", "r2",
};

/* Folds fitted on worker threads; each fold's results go to its slot. */
struct cv_job {
	const struct cv_input *in;
	const size_t *fold;
	size_t k, n;
	int fit_threads;		/* threads each fold's fit may use */
	json_t **met;			/* k metrics objects */
	size_t *ntr, *nte;
	pthread_mutex_t lock;
	size_t next;
	size_t failed;			/* lowest failed fold, or k */
	struct mlci_err err;		/* its error */
};

static void *cv_worker(void *arg)
{
	struct cv_job *j = arg;
	const struct cv_input *in = j->in;
	struct mlci_err err;
	size_t i, failed;

	for (;;) {
		pthread_mutex_lock(&j->lock);
		i = j->next++;
		failed = j->failed;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->k || i > failed)
			break;
		memset(&err, 0, sizeof(err));
		if (one_fold(in, j->fold, i, j->n, j->fit_threads, &j->ntr[i],
			     &j->nte[i], j->met[i], &err) < 0) {
			pthread_mutex_lock(&j->lock);
			if (i < j->failed)
				j->failed = i, j->err = err;
			pthread_mutex_unlock(&j->lock);
			continue;
		}
		if (in->progress) {
			const char *main = in->classifier ? "accuracy" : "r2";
			json_t *v = json_object_get(j->met[i], main);

			pthread_mutex_lock(&j->lock);
			in->progress(in->progress_ctx, i, j->k, j->nte[i], main,
				     v ? json_number_value(v) : NAN);
			pthread_mutex_unlock(&j->lock);
		}
	}
	return NULL;
}

int cv_run(const struct cv_input *in, const size_t *fold, size_t k,
	   int stratified, int shuffled, json_t **out, struct mlci_err *err)
{
	json_t *cv = json_object(), *folds = json_array(), *mean = json_object();
	json_t *sd = json_object();
	size_t i, j, n = in->f->nrows, nt, t;
	struct cv_job job;
	pthread_t *tid = NULL;

	*out = NULL;
	if (!cv || !folds || !mean || !sd ||
	    json_object_set_new(cv, "folds", folds) < 0 ||
	    json_object_set_new(cv, "mean", mean) < 0 ||
	    json_object_set_new(cv, "std", sd) < 0) {
		json_decref(cv);
		return oom(err);
	}
	json_object_set_new(cv, "k", json_integer((json_int_t)k));
	json_object_set_new(cv, "stratified", json_boolean(stratified));
	json_object_set_new(cv, "shuffled", json_boolean(shuffled));
	memset(&job, 0, sizeof(job));
	job.in = in, job.fold = fold, job.k = k, job.n = n, job.failed = k;
	/* folds in parallel, at most in->max_parallel at once (memory) */
	nt = in->threads < 1 ? 1 : (size_t)in->threads;
	nt = nt > k ? k : nt;
	if (in->max_parallel && nt > in->max_parallel)
		nt = in->max_parallel;
	job.fit_threads = (int)((size_t)(in->threads < 1 ? 1 : in->threads) / nt);
	job.fit_threads = job.fit_threads < 1 ? 1 : job.fit_threads;
	job.met = calloc(k, sizeof(*job.met));
	job.ntr = calloc(k, sizeof(*job.ntr));
	job.nte = calloc(k, sizeof(*job.nte));
	tid = calloc(nt, sizeof(*tid));
	if (!job.met || !job.ntr || !job.nte || !tid)
		goto oom;
	for (i = 0; i < k; i++) {
		json_t *fo = json_object();

		job.met[i] = json_object();
		if (!fo || !job.met[i] || json_array_append_new(folds, fo) < 0 ||
		    json_object_set_new(fo, "metrics", job.met[i]) < 0)
			goto oom;
	}
	pthread_mutex_init(&job.lock, NULL);
	for (t = 0; t < nt; t++)
		if (pthread_create(&tid[t], NULL, cv_worker, &job) != 0)
			break;
	if (t == 0)	/* no thread could start: do it here */
		cv_worker(&job);
	while (t > 0)
		pthread_join(tid[--t], NULL);
	pthread_mutex_destroy(&job.lock);
	if (job.failed < k) {
		*err = job.err;
		goto fail;
	}
	for (i = 0; i < k; i++) {
		json_t *fo = json_array_get(folds, i);

		if (json_object_set_new(fo, "n_train", json_integer((json_int_t)job.ntr[i])) < 0 ||
		    json_object_set_new(fo, "n_test", json_integer((json_int_t)job.nte[i])) < 0)
			goto oom;
	}
	free(job.met), free(job.ntr), free(job.nte), free(tid);
	job.met = NULL, job.ntr = job.nte = NULL, tid = NULL;
	for (j = 0; j < sizeof(metric_names) / sizeof(*metric_names); j++) {
		double s = 0, ss = 0, v, m;
		int all = 1;

		for (i = 0; i < k; i++) {
			json_t *x = json_object_get(json_object_get(
				json_array_get(folds, i), "metrics"), metric_names[j]);

			if (!x) {
				all = 0;
				break;
			}
			s += json_number_value(x);
		}
		if (!all)
			continue;
		m = s / (double)k;
		for (i = 0; i < k; i++) {
			v = json_number_value(json_object_get(json_object_get(
				json_array_get(folds, i), "metrics"), metric_names[j]));
			ss += (v - m) * (v - m);
		}
		if (put(mean, metric_names[j], m) < 0 ||
		    put(sd, metric_names[j], sqrt(ss / (double)k)) < 0)
			goto oom;
	}
	*out = cv;
	return 0;
oom:
	oom(err);
fail:
	free(job.met), free(job.ntr), free(job.nte), free(tid);
	json_decref(cv);
	return -1;
}

/* --- permutation importance --- */

struct perm_job {
	const struct model *m;
	const double *X;
	size_t n, p, repeats;
	const size_t *yc;
	const double *yr;
	long seed;
	double baseline;
	double *imp;			/* ncols * repeats */
	pthread_mutex_t lock;
	size_t next;			/* next column to do */
	int failed;
	struct mlci_err err;
};

/* Accuracy or r2 of the predictions pred. */
static double perm_score(const struct perm_job *j, const double *pred)
{
	size_t i, hits = 0, K = j->m->nclasses;
	double mean = 0, rss = 0, tss = 0;

	if (j->m->classifier) {
		for (i = 0; i < j->n; i++)
			hits += argmax(pred + i * K, K) == j->yc[i];
		return (double)hits / (double)j->n;
	}
	for (i = 0; i < j->n; i++)
		mean += j->yr[i];
	mean /= (double)j->n;
	for (i = 0; i < j->n; i++) {
		rss += (j->yr[i] - pred[i]) * (j->yr[i] - pred[i]);
		tss += (j->yr[i] - mean) * (j->yr[i] - mean);
	}
	return r2_of_sums(rss, tss);
}

static void *perm_worker(void *arg)
{
	struct perm_job *j = arg;
	const struct prep *pp = &j->m->prep;
	size_t n = j->n, p = j->p, width = j->m->classifier ? j->m->nclasses : 1;
	double *Xp = malloc((n * p + 1) * sizeof(*Xp));
	double *pred = malloc((n * width + 1) * sizeof(*pred));
	size_t *perm = malloc((n + 1) * sizeof(*perm));
	struct mlci_err err = {0};
	size_t c, r, i;
	int failed;

	if (!Xp || !pred || !perm) {
		oom(&err);
		goto fail;
	}
	memcpy(Xp, j->X, n * p * sizeof(*Xp));
	for (;;) {
		const struct prep_col *col;
		size_t off, w;

		pthread_mutex_lock(&j->lock);
		c = j->next++;
		failed = j->failed;
		pthread_mutex_unlock(&j->lock);
		if (c >= pp->ncols || failed)
			break;
		col = &pp->cols[c];
		off = col->offset;
		w = prep_width(col);
		for (r = 0; r < j->repeats; r++) {
			uint64_t rng = stream(j->seed, 1 + c * j->repeats + r);

			for (i = 0; i < n; i++)
				perm[i] = i;
			shuffle_sizes(perm, n, &rng);
			for (i = 0; i < n; i++)
				memcpy(Xp + i * p + off, j->X + perm[i] * p + off,
				       w * sizeof(*Xp));
			if (j->m->fam->predict(j->m, Xp, n, pred, &err) < 0)
				goto fail;
			j->imp[c * j->repeats + r] = j->baseline - perm_score(j, pred);
		}
		for (i = 0; i < n; i++)
			memcpy(Xp + i * p + off, j->X + i * p + off, w * sizeof(*Xp));
	}
	free(Xp), free(pred), free(perm);
	return NULL;
fail:
	pthread_mutex_lock(&j->lock);
	if (!j->failed)
		j->err = err;
	j->failed = 1;
	pthread_mutex_unlock(&j->lock);
	free(Xp), free(pred), free(perm);
	return NULL;
}

int perm_importance(const struct model *m, const double *X, size_t n,
		    const size_t *yc, const double *yr, size_t repeats,
		    long seed, int threads, json_t **out, double *baseline,
		    struct mlci_err *err)
{
	struct perm_job j;
	size_t width = m->classifier ? m->nclasses : 1, c, r, nt, t;
	double *pred = NULL;
	pthread_t *tid = NULL;
	json_t *o = NULL;
	int rc = -1;

	*out = NULL;
	memset(&j, 0, sizeof(j));
	if (n == 0 || repeats < 1)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			       "perm_importance: bad arguments");
	j.m = m, j.X = X, j.n = n, j.p = m->prep.nout, j.repeats = repeats;
	j.yc = yc, j.yr = yr, j.seed = seed;
	pthread_mutex_init(&j.lock, NULL);
	pred = malloc((n * width + 1) * sizeof(*pred));
	j.imp = calloc(m->prep.ncols * repeats + 1, sizeof(*j.imp));
	nt = threads < 1 ? 1 : (size_t)threads;
	if (nt > m->prep.ncols)
		nt = m->prep.ncols;
	tid = calloc(nt + 1, sizeof(*tid));
	if (!pred || !j.imp || !tid) {
		oom(err);
		goto out;
	}
	if (m->fam->predict(m, X, n, pred, err) < 0)
		goto out;
	j.baseline = *baseline = perm_score(&j, pred);
	for (t = 0; t < nt; t++)
		if (pthread_create(&tid[t], NULL, perm_worker, &j) != 0)
			break;
	if (t == 0)	/* no thread could start: do it here */
		perm_worker(&j);
	while (t > 0)
		pthread_join(tid[--t], NULL);
	if (j.failed) {
		*err = j.err;
		goto out;
	}
	o = json_object();
	if (!o)
		goto oom;
	for (c = 0; c < m->prep.ncols; c++) {
		const double *v = j.imp + c * repeats;
		double s = 0, ss = 0, mean;
		json_t *e = json_object();

		for (r = 0; r < repeats; r++)
			s += v[r];
		mean = s / (double)repeats;
		for (r = 0; r < repeats; r++)
			ss += (v[r] - mean) * (v[r] - mean);
		if (!e || json_object_set_new(o, m->prep.cols[c].name, e) < 0 ||
		    put(e, "mean", mean) < 0 ||
		    put(e, "std", sqrt(ss / (double)repeats)) < 0)
			goto oom;
	}
	*out = o;
	o = NULL;
	rc = 0;
	goto out;
oom:
	oom(err);
out:
	json_decref(o);
	pthread_mutex_destroy(&j.lock);
	free(pred), free(j.imp), free(tid);
	return rc;
}
