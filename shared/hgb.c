/* Histogram gradient boosting (see hgb.h). */
#include "hgb.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "artifact.h"
#include "tree.h"
#include "util.h"

/* --- hyperparameters --- */

enum { ES_AUTO = -1, ES_OFF = 0, ES_ON = 1 };

struct hgb_params {
	double learning_rate;
	long max_iter;
	long max_leaf_nodes;	/* 0: no limit */
	long max_depth;		/* 0: no limit */
	long min_samples_leaf;
	double l2;
	long max_bins;
	int early_stopping;	/* ES_* */
	double validation_fraction;
	long n_iter_no_change;
	double tol;
	int onehot;		/* 1: categorical columns one-hot encoded */
};

static void hgb_params_init(void *hp, int classifier)
{
	struct hgb_params *h = hp;

	(void)classifier;
	memset(h, 0, sizeof(*h));
	h->learning_rate = 0.1;
	h->max_iter = 100;
	h->max_leaf_nodes = 31;
	h->min_samples_leaf = 20;
	h->max_bins = 255;
	h->early_stopping = ES_AUTO;
	h->validation_fraction = 0.1;
	h->n_iter_no_change = 10;
	h->tol = 1e-7;
}

static int pbad(struct mlci_err *err, const char *kv, const char *why)
{
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--param %.100s: %s", kv, why);
}

static int int_in(const char *s, long lo, long hi, long *out)
{
	double v;

	if (parse_double(s, &v) < 0 || v != floor(v) || v < (double)lo ||
	    v > (double)hi)
		return -1;
	*out = (long)v;
	return 0;
}

static int hgb_param(void *hp, int classifier, const char *kv, size_t klen,
		     const char *val, struct mlci_err *err)
{
	struct hgb_params *h = hp;
	double v;
	int num = parse_double(val, &v) == 0 && isfinite(v);

	(void)classifier;
#define KEY(s) (klen == strlen(s) && !strncmp(kv, s, klen))
	if (KEY("learning_rate")) {
		if (!num || !(v > 0) || v > 1e6)
			return pbad(err, kv, "learning_rate must be a number > 0 and at most 1e6");
		h->learning_rate = v;
	} else if (KEY("max_iter")) {
		if (int_in(val, 1, HGB_MAX_ITER, &h->max_iter) < 0)
			return pbad(err, kv, "max_iter must be an integer from 1 to 100000");
	} else if (KEY("max_leaf_nodes")) {
		if (!strcmp(val, "none"))
			h->max_leaf_nodes = 0;
		else if (int_in(val, 2, 1L << 30, &h->max_leaf_nodes) < 0)
			return pbad(err, kv, "max_leaf_nodes must be an integer from 2 to 1073741824, or none");
	} else if (KEY("max_depth")) {
		if (!strcmp(val, "none"))
			h->max_depth = 0;
		else if (int_in(val, 1, 100000, &h->max_depth) < 0)
			return pbad(err, kv, "max_depth must be an integer from 1 to 100000, or none");
	} else if (KEY("min_samples_leaf")) {
		if (int_in(val, 1, 1L << 40, &h->min_samples_leaf) < 0)
			return pbad(err, kv, "min_samples_leaf must be an integer from 1 to 1099511627776");
	} else if (KEY("l2_regularization")) {
		if (!num || !(v >= 0) || v > 1e300)
			return pbad(err, kv, "l2_regularization must be a number from 0 to 1e300");
		h->l2 = v;
	} else if (KEY("max_bins")) {
		if (int_in(val, 2, 255, &h->max_bins) < 0)
			return pbad(err, kv, "max_bins must be an integer from 2 to 255");
	} else if (KEY("early_stopping")) {
		if (!strcmp(val, "auto"))
			h->early_stopping = ES_AUTO;
		else if (!strcmp(val, "true") || !strcmp(val, "1"))
			h->early_stopping = ES_ON;
		else if (!strcmp(val, "false") || !strcmp(val, "0"))
			h->early_stopping = ES_OFF;
		else
			return pbad(err, kv, "early_stopping must be auto, true or false");
	} else if (KEY("validation_fraction")) {
		if (!num || !(v > 0 && v < 1))
			return pbad(err, kv, "validation_fraction must be a number in (0, 1)");
		h->validation_fraction = v;
	} else if (KEY("n_iter_no_change")) {
		if (int_in(val, 1, HGB_MAX_ITER, &h->n_iter_no_change) < 0)
			return pbad(err, kv, "n_iter_no_change must be an integer from 1 to 100000");
	} else if (KEY("tol")) {
		if (!num || !(v >= 0))
			return pbad(err, kv, "tol must be a number >= 0");
		h->tol = v;
	} else if (KEY("categorical")) {
		if (!strcmp(val, "native"))
			h->onehot = 0;
		else if (!strcmp(val, "onehot"))
			h->onehot = 1;
		else
			return pbad(err, kv, "categorical must be native or onehot");
	} else {
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--param %.100s: model 'hgb' has no parameter '%.*s' (it takes: categorical, early_stopping, l2_regularization, learning_rate, max_bins, max_depth, max_iter, max_leaf_nodes, min_samples_leaf, n_iter_no_change, tol, validation_fraction)",
			       kv, (int)(klen > 60 ? 60 : klen), kv);
	}
#undef KEY
	return 0;
}

static json_t *hgb_params_json(const void *hp, int classifier)
{
	const struct hgb_params *h = hp;
	json_t *p = json_object();

	(void)classifier;
	if (!p)
		return NULL;
	json_object_set_new(p, "learning_rate", json_real(h->learning_rate));
	json_object_set_new(p, "max_iter", json_integer(h->max_iter));
	json_object_set_new(p, "max_leaf_nodes", h->max_leaf_nodes ?
			    json_integer(h->max_leaf_nodes) : json_null());
	json_object_set_new(p, "max_depth", h->max_depth ?
			    json_integer(h->max_depth) : json_null());
	json_object_set_new(p, "min_samples_leaf", json_integer(h->min_samples_leaf));
	json_object_set_new(p, "l2_regularization", json_real(h->l2));
	json_object_set_new(p, "max_bins", json_integer(h->max_bins));
	json_object_set_new(p, "early_stopping", h->early_stopping == ES_AUTO ?
			    json_string("auto") : json_boolean(h->early_stopping));
	json_object_set_new(p, "validation_fraction", json_real(h->validation_fraction));
	json_object_set_new(p, "n_iter_no_change", json_integer(h->n_iter_no_change));
	json_object_set_new(p, "tol", json_real(h->tol));
	json_object_set_new(p, "categorical", json_string(h->onehot ? "onehot" : "native"));
	return p;
}

/* Native: a categorical column with at most max_bins categories reaches
 * the trees as its category's index, one bin per category. */
static size_t hgb_ordinal_cats(const void *hp)
{
	const struct hgb_params *h = hp;

	return h->onehot ? 0 : (size_t)h->max_bins;
}

/* --- a pool of worker threads running numbered items --- */

struct pool {
	pthread_t *tid;
	int nworkers;
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	unsigned long gen;
	int busy, stop;
	void (*fn)(void *arg, size_t item);
	void *arg;
	size_t nitems, next;
};

static void pool_items(struct pool *pl)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&pl->next, 1, __ATOMIC_RELAXED);

		if (i >= pl->nitems)
			return;
		pl->fn(pl->arg, i);
	}
}

static void *pool_worker(void *arg)
{
	struct pool *pl = arg;
	unsigned long seen = 0;

	for (;;) {
		pthread_mutex_lock(&pl->lock);
		while (pl->gen == seen && !pl->stop)
			pthread_cond_wait(&pl->go, &pl->lock);
		if (pl->stop) {
			pthread_mutex_unlock(&pl->lock);
			return NULL;
		}
		seen = pl->gen;
		pthread_mutex_unlock(&pl->lock);
		pool_items(pl);
		pthread_mutex_lock(&pl->lock);
		if (--pl->busy == 0)
			pthread_cond_signal(&pl->done);
		pthread_mutex_unlock(&pl->lock);
	}
}

static void pool_start(struct pool *pl, int nthreads)
{
	int i;

	memset(pl, 0, sizeof(*pl));
	pthread_mutex_init(&pl->lock, NULL);
	pthread_cond_init(&pl->go, NULL);
	pthread_cond_init(&pl->done, NULL);
	if (nthreads < 2)
		return;
	pl->tid = calloc((size_t)nthreads, sizeof(*pl->tid));
	for (i = 0; pl->tid && i < nthreads - 1; i++)
		if (pthread_create(&pl->tid[pl->nworkers], NULL, pool_worker, pl) == 0)
			pl->nworkers++;
}

static void pool_stop(struct pool *pl)
{
	int i;

	pthread_mutex_lock(&pl->lock);
	pl->stop = 1;
	pthread_cond_broadcast(&pl->go);
	pthread_mutex_unlock(&pl->lock);
	for (i = 0; i < pl->nworkers; i++)
		pthread_join(pl->tid[i], NULL);
	free(pl->tid);
	pthread_mutex_destroy(&pl->lock);
	pthread_cond_destroy(&pl->go);
	pthread_cond_destroy(&pl->done);
}

/* fn(arg, i) for every i < nitems, on the pool when parallel is set.
 * The result must not depend on which thread runs an item. */
static void pool_run(struct pool *pl, void (*fn)(void *, size_t), void *arg,
		     size_t nitems, int parallel)
{
	size_t i;

	if (!pl->nworkers || !parallel || nitems < 2) {
		for (i = 0; i < nitems; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&pl->lock);
	pl->fn = fn, pl->arg = arg, pl->nitems = nitems, pl->next = 0;
	pl->busy = pl->nworkers;
	pl->gen++;
	pthread_cond_broadcast(&pl->go);
	pthread_mutex_unlock(&pl->lock);
	pool_items(pl);
	pthread_mutex_lock(&pl->lock);
	while (pl->busy)
		pthread_cond_wait(&pl->done, &pl->lock);
	pthread_mutex_unlock(&pl->lock);
}

/* --- binning --- */

/* Sort n numbers (no NaN) ascending: least significant digit first radix
 * sort of their bits made order-preserving as unsigned integers. */
static int sort_doubles(double *v, size_t n)
{
	/* the keys take v's own place (a), with one more array (b) */
	uint64_t *a = (uint64_t *)(void *)v, *b = malloc((n + 1) * sizeof(*b));
	size_t *cnt = malloc(2048 * sizeof(*cnt)), i, pass;

	if (!b || !cnt) {
		free(b), free(cnt);
		return -1;
	}
	for (i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &v[i], sizeof(u));
		a[i] = u >> 63 ? ~u : u ^ 0x8000000000000000ULL;
	}
	for (pass = 0; pass < 6; pass++) {
		unsigned sh = (unsigned)(11 * pass);
		size_t sum = 0, c;
		uint64_t *t;
		int same = 0;

		memset(cnt, 0, 2048 * sizeof(*cnt));
		for (i = 0; i < n; i++)
			cnt[a[i] >> sh & 2047]++;
		for (c = 0; c < 2048; c++) {
			size_t k = cnt[c];

			same |= k == n;
			cnt[c] = sum;
			sum += k;
		}
		if (same)	/* one digit value: the order stands */
			continue;
		for (i = 0; i < n; i++)
			b[cnt[a[i] >> sh & 2047]++] = a[i];
		t = a, a = b, b = t;
	}
	for (i = 0; i < n; i++) {
		uint64_t u = a[i] >> 63 ? a[i] ^ 0x8000000000000000ULL : ~a[i];

		memcpy(&v[i], &u, sizeof(u));
	}
	/* the last pass may have left the keys in the other array */
	free(a == (uint64_t *)(void *)v ? b : a);
	free(cnt);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* numpy's lerp at t = 0.5 (the "midpoint" percentile method). */
static double midpoint(double a, double b)
{
	return b - (b - a) * 0.5;
}

size_t hgb_bin_thresholds(double *v, size_t n, size_t max_bins, double *thr)
{
	size_t i, m = 0, distinct = 0, k;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			v[m++] = v[i];
	if (m < 256 || sort_doubles(v, m) < 0)
		qsort(v, m, sizeof(*v), cmp_double);
	for (i = 0; i < m; i++)
		distinct += !i || v[i] != v[i - 1];
	if (distinct <= max_bins) {
		double prev = 0;
		size_t t = 0;

		for (i = 0; i < m; i++) {
			if (i && v[i] != v[i - 1])
				thr[t++] = (prev + v[i]) * 0.5;
			prev = v[i];
		}
		return t;
	}
	for (k = 1; k < max_bins; k++) {
		double q = (double)k * (100.0 / (double)max_bins) / 100.0;
		double vi = q * (double)(m - 1);
		size_t lo = (size_t)floor(vi), hi = (size_t)ceil(vi);

		if (hi >= m)
			hi = m - 1;
		if (lo >= m)
			lo = m - 1;
		thr[k - 1] = lo == hi ? v[lo] : midpoint(v[lo], v[hi]);
		if (thr[k - 1] > 1e300)
			thr[k - 1] = 1e300;
	}
	return max_bins - 1;
}

unsigned hgb_bin(double x, const double *thr, size_t nthr, unsigned missing_bin)
{
	const double *base = thr;
	size_t len = nthr;

	if (isnan(x))
		return missing_bin;
	if (!len)
		return 0;
	/* branch-free lower bound: base ends on the last threshold < x, or
	 * on the first one */
	while (len > 1) {
		size_t half = len / 2;

		base = base[half - 1] < x ? base + half : base;
		len -= half;
	}
	return (unsigned)(base - thr) + (*base < x);
}

/* Side by side, every search takes the same steps: one threshold count. */
void hgb_bin_many(const double *x, size_t n, const double *thr, size_t nthr,
		  unsigned missing_bin, uint8_t *out)
{
	size_t i = 0, j;

	if (nthr)
		for (; i + 8 <= n; i += 8) {
			const double *base[8];
			size_t len = nthr;

			for (j = 0; j < 8; j++)
				base[j] = thr;
			while (len > 1) {
				size_t half = len / 2;

				for (j = 0; j < 8; j++)
					base[j] = base[j][half - 1] < x[i + j] ?
						  base[j] + half : base[j];
				len -= half;
			}
			for (j = 0; j < 8; j++)
				out[i + j] = (uint8_t)(isnan(x[i + j]) ? missing_bin :
					(unsigned)(base[j] - thr) + (*base[j] < x[i + j]));
		}
	for (; i < n; i++)
		out[i] = (uint8_t)hgb_bin(x[i], thr, nthr, missing_bin);
}

/* --- split finding --- */

#define MIN_HESSIAN 1e-3

void hgb_find_split(const struct hgb_bin *hist, unsigned nbins,
		    unsigned missing_bin, int has_missing, double G, double H,
		    double n, double l2, double msl, struct hgb_split *out)
{
	double parent = G * G / (H + l2), gl = 0, hl = 0, nl = 0;
	double best = 0;
	unsigned end = nbins - 1 + (has_missing ? 1 : 0), b;
	int found = 0;

	(void)missing_bin;
	memset(out, 0, sizeof(*out));
	out->gain = -1;
	for (b = 0; b < end; b++) {
		double gr, hr, nr, gain;

		nl += hist[b].c, hl += hist[b].h, gl += hist[b].g;
		nr = n - nl, hr = H - hl, gr = G - gl;
		if (nl < msl)
			continue;
		if (nr < msl)
			break;
		if (hl < MIN_HESSIAN)
			continue;
		if (hr < MIN_HESSIAN)
			break;
		gain = gl * gl / (hl + l2) + gr * gr / (hr + l2) - parent;
		if (gain > best) {
			best = gain, found = 1;
			out->bin = b, out->missing_left = 0;
			out->gl = gl, out->hl = hl, out->nl = nl;
		}
	}
	if (has_missing && nbins >= 2) {
		double gr = 0, hr = 0, nr = 0;
		long bb;

		for (bb = (long)nbins - 2; bb >= 0; bb--) {
			double gain;

			nr += hist[bb + 1].c, hr += hist[bb + 1].h, gr += hist[bb + 1].g;
			nl = n - nr, hl = H - hr, gl = G - gr;
			if (nr < msl)
				continue;
			if (nl < msl)
				break;
			if (hr < MIN_HESSIAN)
				continue;
			if (hl < MIN_HESSIAN)
				break;
			gain = gl * gl / (hl + l2) + gr * gr / (hr + l2) - parent;
			if (gain > best) {
				best = gain, found = 1;
				out->bin = (unsigned)bb, out->missing_left = 1;
				out->gl = gl, out->hl = hl, out->nl = nl;
			}
		}
	}
	if (!found)
		return;
	out->gain = best;
	if (!has_missing)	/* NaN unseen in training: the larger child */
		out->missing_left = out->nl > n - out->nl;
}

static int cmp_catinfo(const void *a, const void *b)
{
	const double *x = a, *y = b;	/* {value, bin} */

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

void hgb_find_split_cat(const struct hgb_bin *hist, unsigned ncats,
			unsigned missing_bin, int has_missing, double G,
			double H, double n, double l2, double msl,
			struct hgb_split *out)
{
	double ci[2 * 257];	/* {value, bin} of the categories taking part */
	double parent = G * G / (H + l2), best = 0, support = H > 0 ? n / H : 0;
	double bgl = 0, bhl = 0, bnl = 0;
	unsigned nu = 0, b, i, k;
	int dir, bdir = 0;
	long bk = -1;

	memset(out, 0, sizeof(*out));
	out->gain = -1;
	if (ncats > 256)	/* the bitset's reach */
		ncats = 256;
	if (missing_bin > 255)
		has_missing = 0;
	for (b = 0; b < ncats + 1; b++) {
		unsigned bin = b < ncats ? b : missing_bin;

		if (b == ncats && !has_missing)
			break;
		if (hist[bin].h * support >= HGB_CAT_SMOOTH) {
			ci[2 * nu] = hist[bin].g / (hist[bin].h + HGB_CAT_SMOOTH);
			ci[2 * nu + 1] = bin;
			nu++;
		}
	}
	if (nu <= 1)
		return;
	qsort(ci, nu, 2 * sizeof(*ci), cmp_catinfo);
	for (dir = 1; dir >= -1; dir -= 2) {
		unsigned middle = dir == 1 ? (nu + 1) / 2 : (nu + 1) / 2 - 1;
		double gl = 0, hl = 0, nl = 0;

		for (i = 0; i < middle; i++) {
			double gr, hr, nr, gain;

			k = dir == 1 ? i : nu - 1 - i;
			b = (unsigned)ci[2 * k + 1];
			nl += hist[b].c, hl += hist[b].h, gl += hist[b].g;
			nr = n - nl, hr = H - hl, gr = G - gl;
			if (nl < msl || hl < MIN_HESSIAN)
				continue;
			if (nr < msl || hr < MIN_HESSIAN)
				break;
			gain = gl * gl / (hl + l2) + gr * gr / (hr + l2) - parent;
			if (gain > best) {
				best = gain, bk = (long)k, bdir = dir;
				bgl = gl, bhl = hl, bnl = nl;
			}
		}
	}
	if (bk < 0)
		return;
	out->gain = best;
	out->categorical = 1;
	out->gl = bgl, out->hl = bhl, out->nl = bnl;
	for (i = bdir == 1 ? 0 : (unsigned)bk;
	     i <= (bdir == 1 ? (unsigned)bk : nu - 1); i++) {
		b = (unsigned)ci[2 * i + 1];
		out->left_bins[b / 32] |= (uint32_t)1 << (b % 32);
	}
	out->missing_left = has_missing ?
		(int)(out->left_bins[missing_bin / 32] >> (missing_bin % 32) & 1) :
		bnl > n - bnl;
}

/* --- trees --- */

/* A node as prediction walks it. */
struct hnode {
	double threshold, value;
	int32_t feature, left, right, missing_left;
	int32_t cat;		/* a categorical split's bitset in the tree's
				 * bits, or -1 */
};

struct htree {
	size_t n_nodes, n_leaves, depth;
	struct hnode *nodes;
	double *gain;		/* training only: each split's gain, or NULL */
	uint32_t *bits;		/* HGB_BITSET_WORDS per categorical split:
				 * the category indexes that go left */
	size_t nbits;		/* categorical splits */
};

/* Does x (a category index, NaN: missing or unseen) go left at the
 * categorical node nd? */
static int cat_left(const struct htree *t, const struct hnode *nd, double v)
{
	unsigned c;

	if (!(v >= 0 && v < 256))	/* NaN: missing or an unseen category */
		return nd->missing_left;
	c = (unsigned)v;
	return (int)(t->bits[(size_t)nd->cat * HGB_BITSET_WORDS + c / 32] >> (c % 32) & 1);
}

/* Where value v goes from the split node nd. */
static inline int32_t node_next(const struct htree *t, const struct hnode *nd,
				double v)
{
	if (nd->cat >= 0)
		return cat_left(t, nd, v) ? nd->left : nd->right;
	return v <= nd->threshold ? nd->left :
	       v != v && nd->missing_left ? nd->left : nd->right;
}

static double tree_raw(const struct htree *t, const double *x)
{
	const struct hnode *nd = t->nodes;

	while (nd->feature >= 0)
		nd = t->nodes + node_next(t, nd, x[nd->feature]);
	return nd->value;
}

/* tree_raw for row i of columns of single floats (feature f's value at
 * X[f * n + i]): the same walk on the same values. */
static double tree_raw_cols(const struct htree *t, const float *X, size_t n,
			    size_t i)
{
	const struct hnode *nd = t->nodes;

	while (nd->feature >= 0)
		nd = t->nodes + node_next(t, nd, X[(size_t)nd->feature * n + i]);
	return nd->value;
}

/* --- the grower --- */

struct gnode {
	size_t start, count;
	double G, H;
	size_t depth;
	struct hgb_bin *hist;	/* while splittable */
	struct hgb_split sp;
	long feat;		/* best split's feature, -1: leaf */
	int32_t left, right;
};

struct grower {
	const uint8_t *Xb;	/* column-major: ntr rows per feature */
	size_t n, p, nb;	/* nb: bins per feature incl. missing */
	unsigned mbin;
	const unsigned *nbins;	/* non-missing bins per feature */
	const unsigned char *has_missing;
	const unsigned char *iscat;	/* per feature: categorical (native) */
	const double *thr;	/* p * (nb - 2) thresholds */
	const size_t *nthr;
	const struct hgb_params *hp;
	struct pool *pool;
	/* per tree */
	const double *g, *h;
	int const_h;
	uint32_t *idx, *tmp;
	uint8_t *dir;		/* partition: per row of the node */
	size_t *cl, *cr;	/* partition: per chunk */
	/* the gradient and hessian of the rows being read, interleaved (one
	 * load and one add move both; the hessian 0 when constant): of
	 * every row at the root, else of the node's in partition order */
	double *ogh;
	struct gnode *nodes;
	size_t nn, capn;
	struct hgb_bin **freeh;
	size_t nfree, nallocd;
	struct hgb_split *fs[2];	/* per-feature best splits */
	/* the current job */
	struct gnode *build, *sub, *parent;
	int find[2];
	int root;
};

static struct hgb_bin *hist_get(struct grower *gr)
{
	struct hgb_bin *h;

	if (gr->nfree)
		return gr->freeh[--gr->nfree];
	h = malloc(gr->p * gr->nb * sizeof(*h) + 1);
	if (h)
		gr->nallocd++;
	return h;
}

static void hist_put(struct grower *gr, struct gnode *nd)
{
	if (nd->hist)
		gr->freeh[gr->nfree++] = nd->hist;
	nd->hist = NULL;
}

/* Item j of a node job: feature j's histogram of build (and sub's by
 * subtraction from parent), then their best splits on feature j. */
static void node_item(void *arg, size_t j)
{
	struct grower *gr = arg;
	struct gnode *a = gr->build, *s = gr->sub;
	struct hgb_bin *H = a->hist + j * gr->nb;
	const uint8_t *col = gr->Xb + j * gr->n;
	size_t i, b, nb = gr->nb, used = gr->nbins[j], mb = gr->mbin;

	/* only bins 0 .. used-1 and the missing bin can be hit; four
	 * partial histograms break the chains of updates to one bin; a
	 * row adds its (gradient, hessian) pair with one vector add, and
	 * counts are whole numbers (the sums are the scalar ones, lane by
	 * lane) */
	{
		struct gh {
			double g, h;
		} acc[4][256] __attribute__((aligned(16)));
		uint32_t n[4][256];
		const uint32_t *idx = gr->root ? NULL : gr->idx + a->start;
		const double *gh = gr->ogh;
		size_t cnt = a->count, q;

		for (q = 0; q < 4; q++) {
			memset(acc[q], 0, used * sizeof(acc[q][0]));
			memset(&acc[q][mb], 0, sizeof(acc[q][0]));
			memset(n[q], 0, used * sizeof(n[q][0]));
			n[q][mb] = 0;
		}
#ifdef __SSE2__
#define ROW(q, r) do { \
		unsigned b_ = col[idx ? idx[r] : (r)]; \
		__m128d *e_ = (__m128d *)(void *)&acc[q][b_]; \
		*e_ = _mm_add_pd(*e_, _mm_loadu_pd(gh + 2 * (r))); \
		n[q][b_]++; \
	} while (0)
#else
#define ROW(q, r) do { \
		unsigned b_ = col[idx ? idx[r] : (r)]; \
		acc[q][b_].g += gh[2 * (r)]; \
		acc[q][b_].h += gh[2 * (r) + 1]; \
		n[q][b_]++; \
	} while (0)
#endif
		for (i = 0; i + 4 <= cnt; i += 4) {
			ROW(0, i);
			ROW(1, i + 1);
			ROW(2, i + 2);
			ROW(3, i + 3);
		}
		for (; i < cnt; i++)
			ROW(0, i);
#undef ROW
		for (b = 0; b < used; b++) {
			H[b].g = (acc[0][b].g + acc[1][b].g) + (acc[2][b].g + acc[3][b].g);
			H[b].h = (acc[0][b].h + acc[1][b].h) + (acc[2][b].h + acc[3][b].h);
			H[b].c = (double)((n[0][b] + n[1][b]) + (n[2][b] + n[3][b]));
		}
		H[mb].g = (acc[0][mb].g + acc[1][mb].g) + (acc[2][mb].g + acc[3][mb].g);
		H[mb].h = (acc[0][mb].h + acc[1][mb].h) + (acc[2][mb].h + acc[3][mb].h);
		H[mb].c = (double)((n[0][mb] + n[1][mb]) + (n[2][mb] + n[3][mb]));
	}
	if (gr->const_h) {
		for (b = 0; b < used; b++)
			H[b].h = H[b].c;
		H[mb].h = H[mb].c;
	}
	if (s) {
		const struct hgb_bin *P = gr->parent->hist + j * nb;
		struct hgb_bin *S = s->hist + j * nb;

		for (b = 0; b < used; b++) {
			S[b].g = P[b].g - H[b].g;
			S[b].h = P[b].h - H[b].h;
			S[b].c = P[b].c - H[b].c;
		}
		S[mb].g = P[mb].g - H[mb].g;
		S[mb].h = P[mb].h - H[mb].h;
		S[mb].c = P[mb].c - H[mb].c;
	}
	{
		void (*find)(const struct hgb_bin *, unsigned, unsigned, int,
			     double, double, double, double, double,
			     struct hgb_split *) =
			gr->iscat[j] ? hgb_find_split_cat : hgb_find_split;

		if (gr->find[0])
			find(H, gr->nbins[j], gr->mbin, gr->has_missing[j],
			     a->G, a->H, (double)a->count, gr->hp->l2,
			     (double)gr->hp->min_samples_leaf, &gr->fs[0][j]);
		if (s && gr->find[1])
			find(s->hist + j * nb, gr->nbins[j], gr->mbin,
			     gr->has_missing[j], s->G, s->H, (double)s->count,
			     gr->hp->l2, (double)gr->hp->min_samples_leaf,
			     &gr->fs[1][j]);
	}
}

/* The best of the per-feature splits into nd (lowest feature on ties). */
static void pick_split(struct grower *gr, struct gnode *nd,
		       const struct hgb_split *fs)
{
	size_t j;

	nd->feat = -1;
	nd->sp.gain = -1;
	for (j = 0; j < gr->p; j++)
		if (fs[j].gain > 0 && fs[j].gain > nd->sp.gain) {
			nd->sp = fs[j];
			nd->feat = (long)j;
		}
}

/* May node nd be split at all? */
static int can_split(const struct grower *gr, const struct gnode *nd)
{
	const struct hgb_params *hp = gr->hp;

	if (hp->max_depth && nd->depth >= (size_t)hp->max_depth)
		return 0;
	if ((double)nd->count < 2.0 * (double)hp->min_samples_leaf)
		return 0;
	return nd->H >= 2 * MIN_HESSIAN;
}

static int node_add(struct grower *gr, size_t start, size_t count, double G,
		    double H, size_t depth)
{
	struct gnode *nd;

	if (gr->nn == gr->capn) {
		size_t cap = gr->capn ? 2 * gr->capn : 64;
		struct gnode *nn = realloc(gr->nodes, cap * sizeof(*nn));

		if (!nn)
			return -1;
		gr->nodes = nn, gr->capn = cap;
	}
	nd = &gr->nodes[gr->nn++];
	memset(nd, 0, sizeof(*nd));
	nd->start = start, nd->count = count, nd->G = G, nd->H = H;
	nd->depth = depth, nd->feat = -1, nd->left = nd->right = -1;
	return 0;
}

/* Rows per chunk of the gather and partition passes (fixed, so the
 * result does not depend on the thread count). */
#define ROW_CHUNK ((size_t)16384)

struct rjob {
	struct grower *gr;
	const struct gnode *nd;
	uint8_t *dir;		/* 1: the row goes left */
	size_t *nleft;		/* per chunk: left rows, then their offset */
	size_t *nright;
	size_t nl;
};

static void gather_item(void *arg, size_t c)
{
	struct rjob *rj = arg;
	struct grower *gr = rj->gr;
	const uint32_t *idx = gr->idx + rj->nd->start;
	size_t i = c * ROW_CHUNK, end = i + ROW_CHUNK;

	if (end > rj->nd->count)
		end = rj->nd->count;
	for (; i < end; i++) {
		gr->ogh[2 * i] = gr->g[idx[i]];
		gr->ogh[2 * i + 1] = gr->const_h ? 0 : gr->h[idx[i]];
	}
}

/* Rows of nd with their gradients gathered in partition order. */
static void gather(struct grower *gr, const struct gnode *nd)
{
	struct rjob rj;

	rj.gr = gr, rj.nd = nd;
	pool_run(gr->pool, gather_item, &rj, (nd->count + ROW_CHUNK - 1) / ROW_CHUNK,
		 nd->count >= 4 * ROW_CHUNK);
}

static void side_item(void *arg, size_t c)
{
	struct rjob *rj = arg;
	struct grower *gr = rj->gr;
	const struct gnode *nd = rj->nd;
	const uint8_t *col = gr->Xb + (size_t)nd->feat * gr->n;
	const uint32_t *idx = gr->idx + nd->start;
	unsigned bin = nd->sp.bin, mbin = gr->mbin;
	int ml = nd->sp.missing_left;
	size_t i = c * ROW_CHUNK, end = i + ROW_CHUNK, l = 0;

	if (end > nd->count)
		end = nd->count;
	if (nd->sp.categorical) {	/* the bitset (missing bin included) */
		const uint32_t *lb = nd->sp.left_bins;

		for (; i < end; i++) {
			unsigned b = col[idx[i]];
			uint8_t left = (uint8_t)(lb[b / 32] >> (b % 32) & 1);

			rj->dir[i] = left;
			l += left;
		}
	}
	for (; i < end; i++) {
		unsigned b = col[idx[i]];
		uint8_t left = (uint8_t)(b == mbin ? ml : b <= bin);

		rj->dir[i] = left;
		l += left;
	}
	rj->nleft[c] = l;
	rj->nright[c] = (end - c * ROW_CHUNK) - l;
}

static void scatter_item(void *arg, size_t c)
{
	struct rjob *rj = arg;
	struct grower *gr = rj->gr;
	const uint32_t *idx = gr->idx + rj->nd->start;
	size_t i = c * ROW_CHUNK, end = i + ROW_CHUNK, l = rj->nleft[c];
	size_t r = rj->nl + rj->nright[c];

	size_t nc = (rj->nd->count + ROW_CHUNK - 1) / ROW_CHUNK;
	/* where the chunk's left and right rows end (the next chunk's
	 * starts, or the sides' ends) */
	size_t lend = c + 1 < nc ? rj->nleft[c + 1] : rj->nl;
	size_t rend = rj->nl + (c + 1 < nc ? rj->nright[c + 1] : rj->nd->count - rj->nl);

	if (end > rj->nd->count)
		end = rj->nd->count;
	/* branch-free while both sides have rows to come: each row is
	 * written to both, and its side advances (the other write lands on
	 * a slot of this chunk a later row fills) */
	for (; i < end && l < lend && r < rend; i++) {
		size_t d = rj->dir[i];
		uint32_t u = idx[i];

		gr->tmp[l] = u;
		gr->tmp[r] = u;
		l += d, r += 1 - d;
	}
	for (; i < end; i++) {	/* the rest go one way */
		if (rj->dir[i])
			gr->tmp[l++] = idx[i];
		else
			gr->tmp[r++] = idx[i];
	}
}

/* Split nd's rows stably: left ones first. */
static void partition(struct grower *gr, const struct gnode *nd, size_t *nl)
{
	size_t nc = (nd->count + ROW_CHUNK - 1) / ROW_CHUNK, c, l = 0, r = 0;
	int par = nd->count >= 4 * ROW_CHUNK;
	struct rjob rj;

	rj.gr = gr, rj.nd = nd, rj.dir = gr->dir;
	rj.nleft = gr->cl, rj.nright = gr->cr;
	pool_run(gr->pool, side_item, &rj, nc, par);
	for (c = 0; c < nc; c++) {	/* offsets, in chunk order */
		size_t a = rj.nleft[c], b = rj.nright[c];

		rj.nleft[c] = l, rj.nright[c] = r;
		l += a, r += b;
	}
	rj.nl = l;
	pool_run(gr->pool, scatter_item, &rj, nc, par);
	memcpy(gr->idx + nd->start, gr->tmp, nd->count * sizeof(*gr->idx));
	*nl = l;
}

/* Work worth threads: rows times features. */
#define PAR_MIN_WORK ((size_t)1 << 15)

/* Grow one tree on gradients g, h (hessians constant: const_h) into t;
 * out gets each training row's leaf value (already shrunk) added. */
static int grow(struct grower *gr, const double *g, const double *h,
		int const_h, struct htree *t, double *raw, size_t stride)
{
	const struct hgb_params *hp = gr->hp;
	size_t *open = NULL, nopen = 0, n_leaves = 1, i, k;
	double G = 0, H = 0;
	int rc = -1;

	gr->g = g, gr->h = h, gr->const_h = const_h, gr->nn = 0;
	for (i = 0; i < gr->n; i++) {
		gr->idx[i] = (uint32_t)i;
		G += g[i];
		H += const_h ? 1 : h[i];
		gr->ogh[2 * i] = g[i];
		gr->ogh[2 * i + 1] = const_h ? 0 : h[i];
	}
	memset(t, 0, sizeof(*t));
	if (node_add(gr, 0, gr->n, G, H, 0) < 0)
		return -1;
	open = malloc((gr->n + 2) * sizeof(*open));
	if (!open)
		return -1;
	if (can_split(gr, &gr->nodes[0])) {
		struct gnode *root = &gr->nodes[0];

		root->hist = hist_get(gr);
		if (!root->hist)
			goto out;
		gr->build = root, gr->sub = NULL, gr->parent = NULL;
		gr->find[0] = 1, gr->find[1] = 0, gr->root = 1;
		pool_run(gr->pool, node_item, gr, gr->p,
			 gr->n * gr->p >= PAR_MIN_WORK);
		gr->root = 0;
		pick_split(gr, root, gr->fs[0]);
		if (root->feat >= 0)
			open[nopen++] = 0;
		else
			hist_put(gr, root);
	}
	while (nopen) {
		size_t best = 0, id, nl, lid, rid, small, large;
		struct gnode *nd, *L, *R;
		int want[2];

		if (hp->max_leaf_nodes && n_leaves >= (size_t)hp->max_leaf_nodes)
			break;
		for (k = 1; k < nopen; k++)
			if (gr->nodes[open[k]].sp.gain > gr->nodes[open[best]].sp.gain)
				best = k;
		id = open[best];
		memmove(open + best, open + best + 1, (nopen - best - 1) * sizeof(*open));
		nopen--;
		nd = &gr->nodes[id];
		partition(gr, nd, &nl);
		lid = gr->nn, rid = gr->nn + 1;
		if (node_add(gr, nd->start, nl, gr->nodes[id].sp.gl,
			     gr->nodes[id].sp.hl, gr->nodes[id].depth + 1) < 0)
			goto out;
		nd = &gr->nodes[id];
		if (node_add(gr, nd->start + nl, nd->count - nl, nd->G - nd->sp.gl,
			     nd->H - nd->sp.hl, nd->depth + 1) < 0)
			goto out;
		nd = &gr->nodes[id];
		nd->left = (int32_t)lid, nd->right = (int32_t)rid;
		n_leaves++;
		L = &gr->nodes[lid], R = &gr->nodes[rid];
		if (const_h)	/* exact: counts */
			L->H = (double)L->count, R->H = (double)R->count;
		want[0] = can_split(gr, L), want[1] = can_split(gr, R);
		if (hp->max_leaf_nodes && n_leaves >= (size_t)hp->max_leaf_nodes)
			want[0] = want[1] = 0;
		if (want[0] || want[1]) {
			small = L->count <= R->count ? lid : rid;
			large = small == lid ? rid : lid;
			gr->nodes[small].hist = hist_get(gr);
			gr->nodes[large].hist = hist_get(gr);
			if (!gr->nodes[small].hist || !gr->nodes[large].hist)
				goto out;
			gather(gr, &gr->nodes[small]);
			gr->build = &gr->nodes[small], gr->sub = &gr->nodes[large];
			gr->parent = nd;
			gr->find[0] = want[small == lid ? 0 : 1];
			gr->find[1] = want[large == lid ? 0 : 1];
			pool_run(gr->pool, node_item, gr, gr->p,
				 gr->nodes[small].count * gr->p >= PAR_MIN_WORK);
			if (gr->find[0])
				pick_split(gr, &gr->nodes[small], gr->fs[0]);
			if (gr->find[1])
				pick_split(gr, &gr->nodes[large], gr->fs[1]);
			if (gr->nodes[lid].feat >= 0)
				open[nopen++] = lid;
			else
				hist_put(gr, &gr->nodes[lid]);
			if (gr->nodes[rid].feat >= 0)
				open[nopen++] = rid;
			else
				hist_put(gr, &gr->nodes[rid]);
		}
		hist_put(gr, nd);
	}
	for (k = 0; k < nopen; k++) {
		gr->nodes[open[k]].feat = -1;
		hist_put(gr, &gr->nodes[open[k]]);
	}

	/* the tree, in creation order (children after their parent) */
	t->nodes = calloc(gr->nn, sizeof(*t->nodes));
	t->gain = calloc(gr->nn, sizeof(*t->gain));
	if (!t->nodes || !t->gain)
		goto out;
	for (i = 0, k = 0; i < gr->nn; i++)
		k += gr->nodes[i].left >= 0 && gr->nodes[i].sp.categorical;
	if (k && !(t->bits = calloc(k * HGB_BITSET_WORDS, sizeof(*t->bits))))
		goto out;
	t->n_nodes = gr->nn;
	for (i = 0; i < gr->nn; i++) {
		struct gnode *nd = &gr->nodes[i];
		struct hnode *o = &t->nodes[i];
		double den = nd->H + hp->l2;

		o->value = den > 0 ? -hp->learning_rate * nd->G / den : 0;
		if (nd->left >= 0) {
			size_t j = (size_t)nd->feat;

			o->feature = (int32_t)j;
			o->cat = -1;
			o->missing_left = nd->sp.missing_left;
			if (nd->sp.categorical) {	/* bins are the indexes */
				uint32_t *w = t->bits + t->nbits * HGB_BITSET_WORDS;

				memcpy(w, nd->sp.left_bins, HGB_BITSET_WORDS * sizeof(*w));
				w[gr->mbin / 32] &= ~((uint32_t)1 << (gr->mbin % 32));
				o->cat = (int32_t)t->nbits++;
				o->threshold = 0;
			} else {
				o->threshold = nd->sp.bin < gr->nthr[j] ?
					       gr->thr[j * (gr->nb - 2) + nd->sp.bin] : DBL_MAX;
			}
			o->left = nd->left, o->right = nd->right;
			t->gain[i] = nd->sp.gain;
		} else {
			o->feature = -1, o->left = o->right = -1, o->cat = -1;
			t->n_leaves++;
			if (nd->depth > t->depth)
				t->depth = nd->depth;
			for (k = 0; k < nd->count; k++)
				raw[(size_t)gr->idx[nd->start + k] * stride] += o->value;
		}
	}
	rc = 0;
out:
	for (i = 0; i < gr->nn; i++)
		hist_put(gr, &gr->nodes[i]);
	free(open);
	return rc;
}

/* --- the model --- */

struct hgb_model {
	size_t T;		/* trees per iteration */
	size_t n_iter;
	double lr;
	double *baseline;	/* T */
	struct htree *trees;	/* n_iter * T */
	size_t ntrees;
	double *importance;	/* per input column */
};

static void hgb_free(void *body)
{
	struct hgb_model *b = body;
	size_t i;

	if (!b)
		return;
	for (i = 0; b->trees && i < b->ntrees; i++)
		free(b->trees[i].nodes), free(b->trees[i].gain), free(b->trees[i].bits);
	free(b->trees);
	free(b->baseline);
	free(b->importance);
	free(b);
}

/* Raw predictions (T numbers) of row x with the first n_iter iterations. */
static void raw_row(const struct hgb_model *b, size_t n_iter, const double *x,
		    double *raw)
{
	size_t it, k;

	for (k = 0; k < b->T; k++)
		raw[k] = b->baseline[k];
	for (it = 0; it < n_iter; it++)
		for (k = 0; k < b->T; k++)
			raw[k] += tree_raw(&b->trees[it * b->T + k], x);
}

/* Raw predictions to probabilities (classifiers, K columns) or values. */
static void raw_out(int classifier, size_t K, size_t T, const double *raw,
		    double *out)
{
	size_t k;

	if (!classifier) {
		out[0] = raw[0];
	} else if (T == 1) {
		out[1] = 1 / (1 + exp(-raw[0]));
		out[0] = 1 - out[1];
	} else {
		double m = raw[0], s = 0;

		for (k = 1; k < K; k++)
			if (raw[k] > m)
				m = raw[k];
		for (k = 0; k < K; k++)
			s += out[k] = exp(raw[k] - m);
		for (k = 0; k < K; k++)
			out[k] /= s;
	}
}

/* log(1 + exp(r)) without overflow. */
static double log1pexp(double r)
{
	return r > 0 ? r + log1p(exp(-r)) : log1p(exp(r));
}

/* Loss of one row (raw: T numbers). */
static double row_loss(int classifier, size_t T, const double *raw,
		       size_t yc, double yr)
{
	size_t k;

	if (!classifier)
		return 0.5 * (raw[0] - yr) * (raw[0] - yr);
	if (T == 1)
		return log1pexp(raw[0]) - (yc == 1 ? raw[0] : 0);
	{
		double m = raw[0], s = 0;

		for (k = 1; k < T; k++)
			if (raw[k] > m)
				m = raw[k];
		for (k = 0; k < T; k++)
			s += exp(raw[k] - m);
		return m + log(s) - raw[yc];
	}
}

/* The loss and gradient pass over the training rows, in chunks. */
#define PASS_ROWS ((size_t)8192)

struct lpass {
	int classifier, grad;
	size_t T, n;
	const double *raw;
	const size_t *yc;
	const double *yr;
	double *g, *h;		/* T * n, class-major */
	double *part;		/* per chunk */
};

static void lpass_item(void *arg, size_t c)
{
	struct lpass *lp = arg;
	size_t r0 = c * PASS_ROWS, r1 = r0 + PASS_ROWS, i, k, T = lp->T;
	double sum = 0;

	if (r1 > lp->n)
		r1 = lp->n;
	for (i = r0; i < r1; i++) {
		const double *r = lp->raw + i * T;

		sum += row_loss(lp->classifier, T, r, lp->yc ? lp->yc[i] : 0,
				lp->yr ? lp->yr[i] : 0);
		if (!lp->grad)
			continue;
		if (!lp->classifier) {
			lp->g[i] = r[0] - lp->yr[i];
		} else if (T == 1) {
			double pr = 1 / (1 + exp(-r[0]));

			lp->g[i] = pr - (lp->yc[i] == 1);
			lp->h[i] = pr * (1 - pr);
		} else {
			double m = r[0], s = 0, e;

			for (k = 1; k < T; k++)
				if (r[k] > m)
					m = r[k];
			for (k = 0; k < T; k++)
				s += exp(r[k] - m);
			for (k = 0; k < T; k++) {
				e = exp(r[k] - m) / s;
				lp->g[k * lp->n + i] = e - (lp->yc[i] == k);
				lp->h[k * lp->n + i] = e * (1 - e);
			}
		}
	}
	lp->part[c] = sum;
}

/* Mean loss over the rows (and the gradients when grad is set). */
static double loss_pass(struct pool *pl, struct lpass *lp)
{
	size_t nc = (lp->n + PASS_ROWS - 1) / PASS_ROWS, c;
	double s = 0;

	pool_run(pl, lpass_item, lp, nc, 1);
	for (c = 0; c < nc; c++)
		s += lp->part[c];
	return lp->n ? s / (double)lp->n : 0;
}

/* Shuffle a[0..n) with the random stream st. */
static void shuffle(size_t *a, size_t n, uint64_t *st)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = tree_rng_below(st, i), x = a[i - 1];

		a[i - 1] = a[j], a[j] = x;
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The validation rows: nva of n, drawn with st (per class in proportion
 * when yc is set: floors, then the largest remainders, lowest class
 * first on ties). isva gets 1 for them. */
static int draw_validation(size_t n, size_t nva, const size_t *yc, size_t K,
			   uint64_t *st, unsigned char *isva)
{
	size_t *rows = malloc((n + 1) * sizeof(*rows)), i, k, got = 0;
	size_t *cnt = NULL, *take = NULL;
	double *rem = NULL;

	if (!rows)
		return -1;
	if (!yc) {
		for (i = 0; i < n; i++)
			rows[i] = i;
		shuffle(rows, n, st);
		for (i = 0; i < nva; i++)
			isva[rows[i]] = 1;
		free(rows);
		return 0;
	}
	cnt = calloc(K + 1, sizeof(*cnt));
	take = calloc(K + 1, sizeof(*take));
	rem = calloc(K + 1, sizeof(*rem));
	if (!cnt || !take || !rem) {
		free(rows), free(cnt), free(take), free(rem);
		return -1;
	}
	for (i = 0; i < n; i++)
		cnt[yc[i]]++;
	for (k = 0; k < K; k++) {
		double want = (double)cnt[k] * (double)nva / (double)n;

		take[k] = (size_t)floor(want);
		rem[k] = want - floor(want);
		got += take[k];
	}
	while (got < nva) {
		size_t bk = K;

		for (k = 0; k < K; k++)
			if (take[k] < cnt[k] && (bk == K || rem[k] > rem[bk]))
				bk = k;
		if (bk == K)
			break;
		take[bk]++, rem[bk] = -1, got++;
	}
	for (k = 0; k < K; k++) {
		size_t m = 0;

		for (i = 0; i < n; i++)
			if (yc[i] == k)
				rows[m++] = i;
		shuffle(rows, m, st);
		for (i = 0; i < take[k]; i++)
			isva[rows[i]] = 1;
	}
	free(rows), free(cnt), free(take), free(rem);
	return 0;
}

/* Stop when none of the last w losses is below the one w + 1 back
 * minus tol (scikit-learn's rule on scores, as losses). */
static int should_stop(const double *loss, size_t it, size_t w, double tol)
{
	size_t k;
	double ref;

	if (it < w)
		return 0;
	ref = loss[it - w] - tol;
	for (k = it - w + 1; k <= it; k++)
		if (loss[k] < ref)
			return 0;
	return 1;
}

static json_t *curve_json(const double *v, size_t n)
{
	return tree_reals_json(v, n);
}

/* Binning, one feature per item: thresholds from the subsample, then
 * every training row's bin and whether the feature has NaN. */
struct bjob {
	const double *X;	/* the design matrix (p wide), or NULL and */
	const float *Xf;	/* the same as single floats, or NULL and */
	const struct fit_data *d;	/* its columns (d->Xcols) */
	const size_t *tr, *va;	/* ntr training rows, nva validation rows */
	size_t nva;
	float *Xvc;		/* columns: nva per feature, the validation rows */
	size_t p, ntr, nsub, cap, max_bins;
	const size_t *sub;	/* nsub positions, or NULL: all rows */
	double *thr;
	size_t *nthr;
	unsigned *nbins;
	unsigned char *hasm;
	const unsigned char *iscat;
	const unsigned *ncats;	/* per categorical feature */
	uint8_t *Xb;
	int failed;
};

/* Column j's bins from its training values col (thresholds nt, already
 * in bj->thr, for a numeric feature). */
static void bin_finish(struct bjob *bj, size_t j, const double *col, size_t nt)
{
	uint8_t *out = bj->Xb + j * bj->ntr;
	unsigned char miss = 0;
	size_t i;

	if (bj->iscat[j]) {	/* one bin per category: its index */
		bj->nthr[j] = 0;
		bj->nbins[j] = bj->ncats[j];
		for (i = 0; i < bj->ntr; i++) {
			double x = col[i];

			out[i] = (uint8_t)(x >= 0 && x < (double)bj->ncats[j] ?
					   (unsigned)x : (unsigned)bj->max_bins);
			miss |= out[i] == bj->max_bins;
		}
		bj->hasm[j] = miss;
		return;
	}
	bj->nthr[j] = nt;
	bj->nbins[j] = (unsigned)nt + 1;
	hgb_bin_many(col, bj->ntr, bj->thr + j * bj->cap, nt,
		     (unsigned)bj->max_bins, out);
	for (i = 0; i < bj->ntr; i++)
		miss |= isnan(col[i]);
	bj->hasm[j] = miss;
}

static void bin_failed(struct bjob *bj)
{
	__atomic_store_n(&bj->failed, 1, __ATOMIC_RELAXED);
}

/* A feature held as its own column of single floats (d->Xcols): its
 * validation rows go to Xvc, and one buffer serves the subsample (for
 * the thresholds) and then every training row, before the column goes
 * back: the matrix shrinks as the bins grow. */
static void bin_column(struct bjob *bj, size_t j)
{
	const float *xc = bj->d->Xcols[j];
	size_t i, nt = 0, cap = bj->ntr > bj->nsub ? bj->ntr : bj->nsub;
	double *v = malloc((cap + 1) * sizeof(*v));

	if (!v) {
		bin_failed(bj);
		return;
	}
	for (i = 0; i < bj->nva; i++)
		bj->Xvc[j * bj->nva + i] = xc[bj->va[i]];
	if (!bj->iscat[j]) {
		for (i = 0; i < bj->nsub; i++)
			v[i] = xc[bj->tr[bj->sub ? bj->sub[i] : i]];
		nt = hgb_bin_thresholds(v, bj->nsub, bj->max_bins,
					bj->thr + j * bj->cap);
	}
	for (i = 0; i < bj->ntr; i++)
		v[i] = xc[bj->tr[i]];
	if (bj->d->release_col)
		bj->d->release_col(bj->d->release_ctx, j);
	bin_finish(bj, j, v, nt);
	free(v);
}

static void bin_item(void *arg, size_t j)
{
	struct bjob *bj = arg;
	double *col, *v = NULL;
	size_t i, nt = 0, p = bj->p;

	if (!bj->X && !bj->Xf) {
		bin_column(bj, j);
		return;
	}
	/* the feature's training values, gathered from the rows */
	col = malloc((bj->ntr + 1) * sizeof(*col));
	if (!col || (!bj->iscat[j] && !(v = malloc((bj->nsub + 1) * sizeof(*v))))) {
		free(col);
		bin_failed(bj);
		return;
	}
	if (bj->X)
		for (i = 0; i < bj->ntr; i++)
			col[i] = bj->X[bj->tr[i] * p + j];
	else
		for (i = 0; i < bj->ntr; i++)
			col[i] = bj->Xf[bj->tr[i] * p + j];
	if (!bj->iscat[j]) {
		for (i = 0; i < bj->nsub; i++)
			v[i] = col[bj->sub ? bj->sub[i] : i];
		nt = hgb_bin_thresholds(v, bj->nsub, bj->max_bins,
					bj->thr + j * bj->cap);
		free(v);
	}
	bin_finish(bj, j, col, nt);
	free(col);
}

static int hgb_fit(struct model *m, const void *hpv, const struct fit_data *d,
		   struct fit_report *rep, json_t *training,
		   struct mlci_err *err)
{
	const struct hgb_params *hp = hpv;
	struct hgb_model *b = calloc(1, sizeof(*b));
	size_t n = d->n, p = d->p, K = m->classifier ? m->nclasses : 0;
	size_t T = K > 2 ? K : 1, width = m->classifier ? K : 1;
	size_t nva = 0, ntr, i, j, k, it, nb = (size_t)hp->max_bins + 1;
	size_t *tr = NULL, *va = NULL, *ytr = NULL, *yva = NULL, nsub, cap;
	double *yrt = NULL, *yrv = NULL, *thr = NULL;
	double *raw = NULL, *rawv = NULL, *g = NULL, *h = NULL, *part = NULL;
	double *tl = NULL, *vl = NULL, *imp = NULL, *pred = NULL;
	double *Xva = NULL, *best_raw = NULL, *best_rawv = NULL;
	float *Xvc = NULL;
	size_t *nthr = NULL, best = 0;
	unsigned *nbins = NULL, *ncats = NULL;
	unsigned char *hasm = NULL, *isva = NULL, *iscat = NULL;
	char warning[sizeof(rep->warning)] = "";
	uint8_t *Xb = NULL;
	struct grower gr;
	struct pool pool;
	int es, rc = -1, pool_up = 0;
	size_t n_run = 0, keep;
	uint64_t st = (uint64_t)d->seed * 0x9e3779b97f4a7c15ULL ^ 0x6867622d73706c74ULL;

	memset(&gr, 0, sizeof(gr));
	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	b->T = T, b->lr = hp->learning_rate;
	if (n > (size_t)UINT32_MAX)
		return err_set(err, MLCI_EXIT_DATAERR, NULL, "too many rows for hgb");

	/* native categorical features: the ordinal columns */
	iscat = calloc(p + 1, 1);
	ncats = calloc(p + 1, sizeof(*ncats));
	if (!iscat || !ncats)
		goto oom;
	{
		size_t wide = 0, first = 0;

		for (i = 0; i < m->prep.ncols; i++) {
			const struct prep_col *c = &m->prep.cols[i];

			if (c->kind != PREP_CATEGORICAL)
				continue;
			if (!c->ordinal) {
				if (!hp->onehot && !wide++)
					first = i;
				continue;
			}
			if (c->offset >= p || c->ncats > (size_t)hp->max_bins) {
				rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL,
					     "column '%.100s': %zu categories do not fit max_bins %ld",
					     c->name, c->ncats, hp->max_bins);
				goto out;
			}
			iscat[c->offset] = 1;
			ncats[c->offset] = (unsigned)c->ncats;
		}
		if (wide)
			snprintf(warning, sizeof(warning),
				 "column '%.60s' has %zu categories, more than max_bins (%ld): one-hot encoded%s",
				 m->prep.cols[first].name, m->prep.cols[first].ncats,
				 hp->max_bins, wide > 1 ? " (and other columns likewise)" : "");
	}
	es = hp->early_stopping == ES_AUTO ? n > 10000 : hp->early_stopping;

	/* the validation rows */
	isva = calloc(n + 1, 1);
	if (!isva)
		goto oom;
	if (es) {
		nva = (size_t)ceil(hp->validation_fraction * (double)n);
		if (nva >= n) {
			rc = err_set(err, MLCI_EXIT_DATAERR, NULL,
				     "validation_fraction %g of %zu rows leaves none to train on",
				     hp->validation_fraction, n);
			goto out;
		}
		if (nva < 1) {
			rc = err_set(err, MLCI_EXIT_DATAERR, NULL,
				     "%zu rows are too few for early stopping (set --param early_stopping=false)", n);
			goto out;
		}
		if (draw_validation(n, nva, m->classifier ? d->yc : NULL, K, &st, isva) < 0)
			goto oom;
		for (i = 0, nva = 0; i < n; i++)
			nva += isva[i];
	}
	ntr = n - nva;
	tr = malloc((ntr + 1) * sizeof(*tr));
	va = malloc((nva + 1) * sizeof(*va));
	ytr = calloc(m->classifier ? ntr + 1 : 1, sizeof(*ytr));
	yva = calloc(m->classifier ? nva + 1 : 1, sizeof(*yva));
	yrt = calloc(m->classifier ? 1 : ntr + 1, sizeof(*yrt));
	yrv = calloc(m->classifier ? 1 : nva + 1, sizeof(*yrv));
	if (!tr || !va || !ytr || !yva || !yrt || !yrv)
		goto oom;
	for (i = 0, j = 0, k = 0; i < n; i++) {
		if (isva[i]) {
			va[k] = i;
			if (m->classifier)
				yva[k] = d->yc[i];
			else
				yrv[k] = d->yr[i];
			k++;
		} else {
			tr[j] = i;
			if (m->classifier)
				ytr[j] = d->yc[i];
			else
				yrt[j] = d->yr[i];
			j++;
		}
	}

	/* bins, from a subsample of the training rows */
	nsub = ntr > HGB_BIN_SUBSAMPLE ? HGB_BIN_SUBSAMPLE : ntr;
	cap = nb - 2;	/* max_bins - 1 thresholds at most */
	thr = calloc(p * cap + 1, sizeof(*thr));
	nthr = calloc(p + 1, sizeof(*nthr));
	nbins = calloc(p + 1, sizeof(*nbins));
	hasm = calloc(p + 1, 1);
	Xb = malloc(ntr * p + 1);
	/* the validation rows: by rows, or (from columns) by columns */
	if (d->X || d->Xf)
		Xva = malloc((nva * p + 1) * sizeof(*Xva));
	else
		Xvc = malloc((nva * p + 1) * sizeof(*Xvc));
	if (!thr || !nthr || !nbins || !hasm || !Xb || (!Xva && !Xvc))
		goto oom;
	{
		struct bjob bj;
		size_t *sub = NULL;

		if (nsub < ntr) {
			sub = malloc(ntr * sizeof(*sub));
			if (!sub)
				goto oom;
			for (i = 0; i < ntr; i++)
				sub[i] = i;
			for (i = 0; i < nsub; i++) {	/* partial Fisher-Yates */
				size_t r = i + tree_rng_below(&st, ntr - i), x = sub[i];

				sub[i] = sub[r], sub[r] = x;
			}
			qsort(sub, nsub, sizeof(*sub), cmp_size);
		}
		memset(&bj, 0, sizeof(bj));
		bj.X = d->X, bj.Xf = d->Xf, bj.d = d, bj.tr = tr, bj.p = p;
		bj.va = va, bj.nva = nva, bj.Xvc = Xvc;
		bj.ntr = ntr, bj.nsub = nsub, bj.sub = sub;
		bj.thr = thr, bj.cap = cap, bj.nthr = nthr, bj.nbins = nbins;
		bj.hasm = hasm, bj.Xb = Xb, bj.max_bins = (size_t)hp->max_bins;
		bj.iscat = iscat, bj.ncats = ncats;
		pool_start(&pool, d->threads);
		pool_up = 1;
		if (d->Xcols)	/* one column's buffers at a time: the
				 * memory-lean read stays lean */
			for (j = 0; j < p && !bj.failed; j++)
				bin_item(&bj, j);
		else
			pool_run(&pool, bin_item, &bj, p, 1);
		free(sub);
		if (bj.failed)
			goto oom;
	}
	/* the validation rows (from columns: gathered while binning), the
	 * last use of the matrix: its memory may go back now */
	for (i = 0; (d->X || d->Xf) && i < nva; i++)
		for (j = 0; j < p; j++)
			Xva[i * p + j] = d->X ? d->X[va[i] * p + j] :
				d->Xf[va[i] * p + j];
	if (d->release)
		d->release(d->release_ctx);

	/* baseline */
	b->baseline = calloc(T, sizeof(*b->baseline));
	if (!b->baseline)
		goto oom;
	if (!m->classifier) {
		double s = 0;

		for (i = 0; i < ntr; i++)
			s += yrt[i];
		b->baseline[0] = ntr ? s / (double)ntr : 0;
	} else {
		double *pri = calloc(K, sizeof(*pri));

		if (!pri)
			goto oom;
		for (i = 0; i < ntr; i++)
			pri[ytr[i]] += 1;
		for (k = 0; k < K; k++) {
			pri[k] /= (double)ntr;
			if (pri[k] < DBL_EPSILON)
				pri[k] = DBL_EPSILON;
			if (pri[k] > 1 - DBL_EPSILON)
				pri[k] = 1 - DBL_EPSILON;
		}
		if (T == 1)
			b->baseline[0] = log(pri[1] / (1 - pri[1]));
		else
			for (k = 0; k < K; k++)
				b->baseline[k] = log(pri[k]);
		free(pri);
	}

	/* boosting */
	raw = malloc((ntr * T + 1) * sizeof(*raw));
	rawv = malloc((nva * T + 1) * sizeof(*rawv));
	if (es) {
		best_raw = malloc((ntr * T + 1) * sizeof(*best_raw));
		best_rawv = malloc((nva * T + 1) * sizeof(*best_rawv));
		if (!best_raw || !best_rawv)
			goto oom;
	}
	g = malloc((ntr * T + 1) * sizeof(*g));
	h = malloc((ntr * T + 1) * sizeof(*h));
	part = malloc(((ntr + PASS_ROWS - 1) / PASS_ROWS + 1) * sizeof(*part));
	tl = malloc(((size_t)hp->max_iter + 1) * sizeof(*tl));
	vl = malloc(((size_t)hp->max_iter + 1) * sizeof(*vl));
	imp = calloc(p + 1, sizeof(*imp));
	b->trees = calloc((size_t)hp->max_iter * T, sizeof(*b->trees));
	gr.idx = malloc((ntr + 1) * sizeof(*gr.idx));
	gr.tmp = malloc((ntr + 1) * sizeof(*gr.tmp));
	gr.dir = malloc(ntr + 1);
	gr.cl = malloc((ntr / ROW_CHUNK + 2) * sizeof(*gr.cl));
	gr.cr = malloc((ntr / ROW_CHUNK + 2) * sizeof(*gr.cr));
	gr.ogh = malloc((2 * ntr + 2) * sizeof(*gr.ogh));
	gr.fs[0] = calloc(p + 1, sizeof(*gr.fs[0]));
	gr.fs[1] = calloc(p + 1, sizeof(*gr.fs[1]));
	cap = hp->max_leaf_nodes ? 2 * (size_t)hp->max_leaf_nodes + 4 : 2 * ntr + 4;
	gr.freeh = calloc(cap, sizeof(*gr.freeh));
	if (!raw || !rawv || !g || !h || !part || !tl || !vl || !imp || !b->trees ||
	    !gr.idx || !gr.tmp || !gr.dir || !gr.cl || !gr.cr || !gr.ogh || !gr.fs[0] || !gr.fs[1] ||
	    !gr.freeh)
		goto oom;
	for (i = 0; i < ntr; i++)
		for (k = 0; k < T; k++)
			raw[i * T + k] = b->baseline[k];
	for (i = 0; i < nva; i++)
		for (k = 0; k < T; k++)
			rawv[i * T + k] = b->baseline[k];
	gr.Xb = Xb, gr.n = ntr, gr.p = p, gr.nb = nb, gr.mbin = (unsigned)hp->max_bins;
	gr.nbins = nbins, gr.has_missing = hasm, gr.thr = thr, gr.nthr = nthr;
	gr.iscat = iscat;
	gr.hp = hp, gr.pool = &pool;
	for (it = 0;; it++) {
		struct lpass lp = { m->classifier, 1, T, ntr, raw, ytr, yrt, g, h, part };

		if (!m->classifier)
			lp.yc = NULL;
		else
			lp.yr = NULL;
		tl[it] = loss_pass(&pool, &lp);
		if (es) {
			double s = 0;

			for (i = 0; i < nva; i++)
				s += row_loss(m->classifier, T, rawv + i * T,
					      m->classifier ? yva[i] : 0,
					      m->classifier ? 0 : yrv[i]);
			vl[it] = s / (double)nva;
			/* the raw predictions of the best iterations so far
			 * (the ones kept, should the fit stop after more) */
			if (it == 1 || (it > 1 && vl[it] < vl[best])) {
				best = it;
				memcpy(best_raw, raw, ntr * T * sizeof(*raw));
				memcpy(best_rawv, rawv, nva * T * sizeof(*rawv));
			}
			if (should_stop(vl, it, (size_t)hp->n_iter_no_change, hp->tol))
				break;
		}
		if (it == (size_t)hp->max_iter)
			break;
		for (k = 0; k < T; k++) {
			struct htree *t = &b->trees[it * T + k];

			if (grow(&gr, g + k * ntr, h + k * ntr, !m->classifier, t,
				 raw + k, T) < 0)
				goto oom;
			b->ntrees++;
			for (i = 0; i < nva; i++)
				rawv[i * T + k] += Xva ? tree_raw(t, Xva + i * p) :
					tree_raw_cols(t, Xvc, nva, i);
		}
		n_run = it + 1;
		if (d->progress)
			d->progress(d->progress_ctx, n_run, (size_t)hp->max_iter);
	}
	pool_stop(&pool);
	pool_up = 0;

	/* with early stopping, keep the iterations up to the best */
	keep = n_run;
	if (es && n_run > 1) {
		keep = 1;
		for (it = 2; it <= n_run; it++)
			if (vl[it] < vl[keep])
				keep = it;
	}
	if (keep < 1) {
		rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "no boosting iteration ran");
		goto out;
	}
	b->n_iter = keep;
	for (i = keep * T; i < b->ntrees; i++) {
		free(b->trees[i].nodes), free(b->trees[i].gain), free(b->trees[i].bits);
		b->trees[i].nodes = NULL, b->trees[i].gain = NULL, b->trees[i].bits = NULL;
	}
	b->ntrees = keep * T;
	/* gain importances of the kept trees, in tree order */
	for (i = 0; i < b->ntrees; i++)
		for (k = 0; k < b->trees[i].n_nodes; k++)
			if (b->trees[i].nodes[k].feature >= 0)
				imp[b->trees[i].nodes[k].feature] += b->trees[i].gain[k];
	b->importance = calloc(m->prep.ncols + 1, sizeof(*b->importance));
	if (!b->importance)
		goto oom;
	tree_importance_columns(m, imp, b->importance);

	/* training score on every row with the kept trees */
	pred = malloc((n * width + 1) * sizeof(*pred));
	if (!pred)
		goto oom;
	if (keep != n_run) {	/* the kept iterations' raw predictions */
		if (keep != best) {
			rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL,
				     "hgb: iteration %zu kept, %zu the best seen",
				     keep, best);
			goto out;
		}
		free(raw), free(rawv);
		raw = best_raw, best_raw = NULL;
		rawv = best_rawv, best_rawv = NULL;
	}
	for (i = 0; i < ntr; i++)
		raw_out(m->classifier, K, T, raw + i * T, pred + tr[i] * width);
	for (i = 0; i < nva; i++)
		raw_out(m->classifier, K, T, rawv + i * T, pred + va[i] * width);
	memset(rep, 0, sizeof(*rep));
	memcpy(rep->warning, warning, sizeof(warning));
	rep->oob_score = NAN;
	rep->score = tree_score(m->classifier, width, pred, d->yc, d->yr, n);
	rep->loss = tl[keep];	/* the kept iterations' training loss */
	rep->iterative = 0;
	rep->n_trees = b->ntrees;
	for (i = 0; i < b->ntrees; i++) {
		rep->n_nodes += b->trees[i].n_nodes;
		rep->n_leaves += b->trees[i].n_leaves;
		if (b->trees[i].depth > rep->depth)
			rep->depth = b->trees[i].depth;
	}
	if (rep->n_nodes > TREE_MAX_NODES) {
		rc = err_set(err, MLCI_EXIT_DATAERR, NULL,
			     "the model has %zu nodes, more than the %zu a model may hold; limit max_iter or max_leaf_nodes",
			     rep->n_nodes, TREE_MAX_NODES);
		goto out;
	}
	rc = 0;
	json_object_set_new(training, "n_iter", json_integer((json_int_t)keep));
	json_object_set_new(training, "n_iter_run", json_integer((json_int_t)n_run));
	json_object_set_new(training, "early_stopping", json_boolean(es));
	json_object_set_new(training, "n_validation", json_integer((json_int_t)nva));
	json_object_set_new(training, "loss_name", json_string(m->classifier ?
				"log_loss" : "half_squared_error"));
	json_object_set_new(training, "train_loss", curve_json(tl, n_run + 1));
	if (es)
		json_object_set_new(training, "validation_loss", curve_json(vl, n_run + 1));
	json_object_set_new(training, "n_trees", json_integer((json_int_t)b->ntrees));
	json_object_set_new(training, "n_nodes", json_integer((json_int_t)rep->n_nodes));
	json_object_set_new(training, "n_leaves", json_integer((json_int_t)rep->n_leaves));
	json_object_set_new(training, "depth", json_integer((json_int_t)rep->depth));
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	if (pool_up)
		pool_stop(&pool);
	for (i = 0; gr.freeh && i < gr.nfree; i++)
		free(gr.freeh[i]);
	free(gr.freeh), free(gr.nodes), free(gr.idx), free(gr.tmp), free(gr.ogh);
	free(gr.fs[0]), free(gr.fs[1]), free(gr.dir), free(gr.cl), free(gr.cr);
	free(tr), free(va), free(ytr), free(yva), free(yrt), free(yrv), free(thr);
	free(raw), free(rawv), free(g), free(h), free(part), free(tl);
	free(vl), free(imp), free(pred), free(nthr), free(nbins);
	free(hasm), free(isva), free(Xb), free(Xva), free(Xvc), free(iscat);
	free(ncats);
	free(best_raw), free(best_rawv);
	return rc;
}

static int hgb_predict(const struct model *m, const double *X, size_t n,
		       double *out, struct mlci_err *err)
{
	const struct hgb_model *b = m->body;
	size_t width = m->classifier ? m->nclasses : 1, i, p = m->prep.nout;
	double raw[MODEL_MAX_CLASSES];

	(void)err;
	for (i = 0; i < n; i++) {
		raw_row(b, b->n_iter, X + i * p, raw);
		raw_out(m->classifier, m->nclasses, b->T, raw, out + i * width);
	}
	return 0;
}

/* --- model.json --- */

static json_t *htree_json(const struct htree *t)
{
	json_t *j = json_object(), *a[6];
	size_t i, k;

	for (k = 0; k < 6; k++)
		a[k] = json_array();
	if (!j)
		goto fail;
	for (k = 0; k < 6; k++)
		if (!a[k])
			goto fail;
	for (i = 0; i < t->n_nodes; i++) {
		const struct hnode *nd = &t->nodes[i];

		if (json_array_append_new(a[0], json_integer(nd->feature)) < 0 ||
		    json_array_append_new(a[1], json_real(nd->feature >= 0 ? nd->threshold : 0)) < 0 ||
		    json_array_append_new(a[2], json_integer(nd->missing_left)) < 0 ||
		    json_array_append_new(a[3], json_integer(nd->left)) < 0 ||
		    json_array_append_new(a[4], json_integer(nd->right)) < 0 ||
		    json_array_append_new(a[5], json_real(nd->value)) < 0)
			goto fail;
	}
	json_object_set_new(j, "n_nodes", json_integer((json_int_t)t->n_nodes));
	json_object_set_new(j, "feature", a[0]);
	json_object_set_new(j, "threshold", a[1]);
	json_object_set_new(j, "missing_left", a[2]);
	json_object_set_new(j, "left", a[3]);
	json_object_set_new(j, "right", a[4]);
	json_object_set_new(j, "value", a[5]);
	if (t->nbits) {	/* categorical splits: the indexes sent left */
		json_t *lc = json_array();

		if (!lc || json_object_set_new(j, "left_categories", lc) < 0)
			goto fail1;
		for (i = 0; i < t->n_nodes; i++) {
			const struct hnode *nd = &t->nodes[i];
			json_t *e;
			unsigned c;

			if (nd->feature < 0 || nd->cat < 0) {
				if (json_array_append_new(lc, json_null()) < 0)
					goto fail1;
				continue;
			}
			if (!(e = json_array()) || json_array_append_new(lc, e) < 0)
				goto fail1;
			for (c = 0; c < 256; c++)
				if (t->bits[(size_t)nd->cat * HGB_BITSET_WORDS + c / 32] >> (c % 32) & 1 &&
				    json_array_append_new(e, json_integer(c)) < 0)
					goto fail1;
		}
	}
	return j;
fail1:
	json_decref(j);
	return NULL;
fail:
	json_decref(j);
	for (k = 0; k < 6; k++)
		json_decref(a[k]);
	return NULL;
}

static int hgb_to_json(const struct model *m, json_t *mod)
{
	const struct hgb_model *b = m->body;
	json_t *a = json_array();
	size_t t;

	if (!a || json_object_set_new(mod, "trees", a) < 0)
		return -1;
	for (t = 0; t < b->ntrees; t++)
		if (json_array_append_new(a, htree_json(&b->trees[t])) < 0)
			return -1;
	if (json_object_set_new(mod, "baseline", tree_reals_json(b->baseline, b->T)) < 0 ||
	    json_object_set_new(mod, "learning_rate", json_real(b->lr)) < 0 ||
	    json_object_set_new(mod, "n_iter", json_integer((json_int_t)b->n_iter)) < 0 ||
	    json_object_set_new(mod, "n_trees_per_iteration",
				json_integer((json_int_t)b->T)) < 0 ||
	    json_object_set_new(mod, "feature_importances",
				tree_reals_json(b->importance, m->prep.ncols)) < 0)
		return -1;
	return 0;
}

static int hbad(struct mlci_err *err, const char *file, const char *what,
		long i, const char *msg)
{
	if (i >= 0)
		return err_set(err, MLCI_EXIT_DATAERR, file, "%s node %ld: %s",
			       what, i, msg);
	return err_set(err, MLCI_EXIT_DATAERR, file, "%s: %s", what, msg);
}

/* Integer a[i] within [lo, hi], or -1. */
static int get_int(const json_t *a, size_t i, long lo, long hi, long *out)
{
	const json_t *v = json_array_get(a, i);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

/* A tree's optional left_categories (NULL: none) into t->bits, nodes
 * cat; fcats[f]: the categories of feature f when it is an ordinal
 * column, else 0. */
static int htree_cats(struct htree *t, const json_t *lc, const unsigned *fcats,
		      const char *file, const char *what, struct mlci_err *err)
{
	size_t i, k, n = t->n_nodes, nb = 0;
	json_t *e, *v;

	for (i = 0; i < n; i++)
		t->nodes[i].cat = -1;
	if (!lc)
		return 0;
	if (!json_is_array(lc) || json_array_size(lc) != n)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "%s: left_categories must be an array of n_nodes (%zu) entries",
			       what, n);
	json_array_foreach(lc, i, e)
		nb += !json_is_null(e);
	if (nb && !(t->bits = calloc(nb * HGB_BITSET_WORDS, sizeof(*t->bits))))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_array_foreach(lc, i, e) {
		struct hnode *nd = &t->nodes[i];
		uint32_t *w;
		long prev = -1;

		if (json_is_null(e))
			continue;
		if (nd->feature < 0 || !fcats[nd->feature] || !json_is_array(e))
			return hbad(err, file, what, (long)i,
				    "left_categories must be null but at a split on an ordinal categorical column");
		w = t->bits + t->nbits * HGB_BITSET_WORDS;
		json_array_foreach(e, k, v) {
			long c;

			if (!json_is_integer(v) || json_integer_value(v) <= prev ||
			    json_integer_value(v) >= (json_int_t)fcats[nd->feature])
				return hbad(err, file, what, (long)i,
					    "left_categories must hold ascending indexes of the column's categories");
			c = prev = (long)json_integer_value(v);
			w[c / 32] |= (uint32_t)1 << (c % 32);
		}
		nd->cat = (int32_t)t->nbits++;
	}
	return 0;
}

static int htree_from_json(struct htree *t, const json_t *j, size_t p,
			   const unsigned *fcats, size_t *budget,
			   const char *file, const char *what,
			   struct mlci_err *err)
{
	static const char *const keys[] = { "feature", "threshold", "missing_left",
					    "left", "right", "value" };
	json_t *a[6], *nv = json_object_get(j, "n_nodes");
	unsigned char *parents = NULL;
	size_t n, i, k;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(j))
		return hbad(err, file, what, -1, "not an object");
	if (!json_is_integer(nv) || json_integer_value(nv) < 1)
		return hbad(err, file, what, -1, "n_nodes must be a positive integer");
	for (k = 0; k < 6; k++) {
		a[k] = json_object_get(j, keys[k]);
		if (!json_is_array(a[k]) ||
		    (json_int_t)json_array_size(a[k]) != json_integer_value(nv))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "%s: %s must be an array of n_nodes (%lld) entries",
				       what, keys[k], (long long)json_integer_value(nv));
	}
	n = json_array_size(a[0]);
	if (n > *budget || n > (size_t)INT32_MAX)
		return hbad(err, file, what, -1, "too many nodes");
	*budget -= n;
	t->nodes = calloc(n, sizeof(*t->nodes));
	parents = calloc(n, 1);
	if (!t->nodes || !parents) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	t->n_nodes = n;
	for (i = 0; i < n; i++) {
		struct hnode *nd = &t->nodes[i];
		json_t *th = json_array_get(a[1], i), *v = json_array_get(a[5], i);
		long f, l, r, ml;

		if (get_int(a[0], i, -1, (long)p - 1, &f) < 0) {
			hbad(err, file, what, (long)i, "feature must be -1 or an encoded feature index");
			goto out;
		}
		if (!json_is_number(th) || !isfinite(json_number_value(th)) ||
		    !json_is_number(v) || !isfinite(json_number_value(v))) {
			hbad(err, file, what, (long)i, "threshold and value must be finite numbers");
			goto out;
		}
		if (get_int(a[2], i, 0, 1, &ml) < 0) {
			hbad(err, file, what, (long)i, "missing_left must be 0 or 1");
			goto out;
		}
		if (f < 0) {
			if (get_int(a[3], i, -1, -1, &l) < 0 ||
			    get_int(a[4], i, -1, -1, &r) < 0) {
				hbad(err, file, what, (long)i, "a leaf's children must be -1");
				goto out;
			}
			t->n_leaves++;
		} else if (get_int(a[3], i, (long)i + 1, (long)n - 1, &l) < 0 ||
			   get_int(a[4], i, (long)i + 1, (long)n - 1, &r) < 0 ||
			   l == r || parents[l]++ || parents[r]++) {
			hbad(err, file, what, (long)i,
			     "children must be distinct nodes after their parent, each with one parent");
			goto out;
		}
		nd->feature = (int32_t)f, nd->left = (int32_t)l, nd->right = (int32_t)r;
		nd->missing_left = (int32_t)ml;
		nd->threshold = json_number_value(th);
		nd->value = json_number_value(v);
	}
	for (i = 1; i < n; i++)
		if (parents[i] != 1) {
			hbad(err, file, what, (long)i, "not reachable from the root");
			goto out;
		}
	if (htree_cats(t, json_object_get(j, "left_categories"), fcats, file,
		       what, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {	/* not counted in the model yet: freed here */
		free(t->nodes), free(t->bits);
		t->nodes = NULL, t->bits = NULL;
	}
	free(parents);
	return rc;
}

static int hgb_read_body(struct model *m, struct hgb_model *b, const json_t *mod,
			 const unsigned *fcats, size_t *budgetp, const char *file,
			 struct mlci_err *err);

static int hgb_from_json(struct model *m, const json_t *mod, const char *file,
			 struct mlci_err *err)
{
	struct hgb_model *b = calloc(1, sizeof(*b));
	size_t budget = TREE_MAX_NODES, k;
	unsigned *fcats;
	int rc;

	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	fcats = calloc(m->prep.nout + 1, sizeof(*fcats));
	if (!fcats)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (k = 0; k < m->prep.ncols; k++) {
		const struct prep_col *c = &m->prep.cols[k];

		if (c->kind == PREP_CATEGORICAL && c->ordinal)
			fcats[c->offset] = c->ncats > 256 ? 256 : (unsigned)c->ncats;
	}
	rc = hgb_read_body(m, b, mod, fcats, &budget, file, err);
	free(fcats);
	return rc;
}

static int hgb_read_body(struct model *m, struct hgb_model *b, const json_t *mod,
			 const unsigned *fcats, size_t *budgetp, const char *file,
			 struct mlci_err *err)
{
	size_t t, n, T, k;
	long n_iter, tpi;
	json_t *a, *base;
	double lr;

	T = m->classifier && m->nclasses > 2 ? m->nclasses : 1;
	if (json_get_array(mod, "trees", &a, file, err) < 0 ||
	    json_get_array(mod, "baseline", &base, file, err) < 0 ||
	    json_get_num(mod, "learning_rate", &lr, file, err) < 0 ||
	    json_get_int(mod, "n_iter", &n_iter, file, err) < 0 ||
	    json_get_int(mod, "n_trees_per_iteration", &tpi, file, err) < 0)
		return -1;
	if (tpi < 1 || (size_t)tpi != T)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.n_trees_per_iteration must be %zu for this task", T);
	if (!isfinite(lr) || !(lr > 0))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.learning_rate must be a finite number > 0");
	n = json_array_size(a);
	if (n_iter < 1 || n_iter > HGB_MAX_ITER || n > HGB_MAX_TREES ||
	    n != (size_t)n_iter * T)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.trees must hold n_iter (1 to %ld) times n_trees_per_iteration trees, at most %zu",
			       HGB_MAX_ITER, HGB_MAX_TREES);
	if (json_array_size(base) != T)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.baseline must hold %zu numbers", T);
	b->T = T, b->n_iter = (size_t)n_iter, b->lr = lr;
	b->baseline = calloc(T, sizeof(*b->baseline));
	b->trees = calloc(n, sizeof(*b->trees));
	b->importance = calloc(m->prep.ncols + 1, sizeof(*b->importance));
	if (!b->baseline || !b->trees || !b->importance)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (k = 0; k < T; k++) {
		json_t *v = json_array_get(base, k);

		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "model.baseline must hold finite numbers");
		b->baseline[k] = json_number_value(v);
	}
	for (t = 0; t < n; t++) {
		char what[48];

		snprintf(what, sizeof(what), "model.trees[%zu]", t);
		if (htree_from_json(&b->trees[t], json_array_get(a, t),
				    m->prep.nout, fcats, budgetp, file, what, err) < 0)
			return -1;
		b->ntrees++;
	}
	return tree_importance_read(m, mod, b->importance, file, err);
}

const struct model_family hgb_family = {
	"hgb", TASK_EITHER, sizeof(struct hgb_params), hgb_params_init,
	hgb_param, hgb_params_json, hgb_fit, hgb_predict, hgb_to_json,
	hgb_from_json, hgb_free, 1, hgb_ordinal_cats, 2,
};
