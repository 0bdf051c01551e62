/* CART decision trees: growth, prediction, model.json (see tree.h). */
#include "tree.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "forest.h"
#include "util.h"

uint64_t tree_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, m). */
size_t tree_rng_below(uint64_t *state, size_t m)
{
	return (size_t)(((unsigned __int128)tree_rng_next(state) * m) >> 64);
}

/* --- sorting a node's values, with their rows --- */

static void swap2(double *v, uint32_t *ix, size_t a, size_t b)
{
	double t = v[a];
	uint32_t u = ix[a];

	v[a] = v[b], v[b] = t;
	ix[a] = ix[b], ix[b] = u;
}

static void sift(double *v, uint32_t *ix, size_t root, size_t n)
{
	for (;;) {
		size_t c = 2 * root + 1;

		if (c >= n)
			return;
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (!(v[c] > v[root]))
			return;
		swap2(v, ix, root, c);
		root = c;
	}
}

static void heapsort2(double *v, uint32_t *ix, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift(v, ix, i, n);
	for (i = n; i-- > 1;) {
		swap2(v, ix, 0, i);
		sift(v, ix, 0, i);
	}
}

static double median3(double a, double b, double c)
{
	if (a < b)
		return b < c ? b : a < c ? c : a;
	return a < c ? a : b < c ? c : b;
}

/* Introsort: quicksort (median of three, Hoare's partition, which splits
 * runs of equal values evenly) falling back to heapsort past a depth
 * limit, insertion sort for short ranges. */
static void sort2(double *v, uint32_t *ix, size_t n, int limit)
{
	while (n > 16) {
		double piv;
		size_t i, j;

		if (limit-- <= 0) {
			heapsort2(v, ix, n);
			return;
		}
		piv = median3(v[0], v[n / 2], v[n - 1]);
		i = (size_t)-1, j = n;
		for (;;) {
			do
				i++;
			while (v[i] < piv);
			do
				j--;
			while (v[j] > piv);
			if (i >= j)
				break;
			swap2(v, ix, i, j);
		}
		if (j + 1 >= n) {	/* cannot happen with a median pivot */
			heapsort2(v, ix, n);
			return;
		}
		/* [0, j] <= piv <= [j + 1, n): recurse on the smaller part */
		if (j + 1 < n - (j + 1)) {
			sort2(v, ix, j + 1, limit);
			v += j + 1, ix += j + 1, n -= j + 1;
		} else {
			sort2(v + j + 1, ix + j + 1, n - (j + 1), limit);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j] < v[j - 1]; j--)
			swap2(v, ix, j, j - 1);
}

/* --- growth --- */

struct item {
	size_t start, end, depth;
	long parent;
	int is_left;
};

#define RANK_BITS UINT64_C(0x7fffffff00000000)

struct tree_work {
	size_t n, p, K;
	uint32_t *idx;		/* rows of the tree, partitioned by node */
	double *w;		/* row weights */
	/* a node's values of one feature, sorted; with d->Xf room for 2n
	 * words: a node's entries (as sorted below) and the sort's scratch */
	double *vals;
	uint32_t *vrow;		/* their rows */
	uint32_t *feats;	/* candidate feature order */
	double *ct, *cl;	/* class weights: node, left side */
	struct item *stack;
	double *imp, *wn;	/* per node: impurity, weighted rows */
	size_t cap;		/* nodes the arrays hold */
	/* features known constant: level d lists those of the node last
	 * split at depth d (a child's are its parent's and more), p slots
	 * a level; stamp marks the current node's */
	uint32_t *consts, *stamp, mark;
	/* the node's rows' weights and labels, in row order */
	double *nw, *ny;
	uint32_t *nc;
	size_t *nconsts, levels;
	/* with d->order: per feature j, sorted[j*n + s .. j*n + e) holds the
	 * rows of node idx[s..e) in ascending order of feature j, each entry
	 * the row in its low 32 bits, the rank of its value among the
	 * column's in the next 31 (RANK_BITS), and with two classes the
	 * row's class in the top bit (one load and store moves all three);
	 * goes_left marks the rows of a node being split */
	uint64_t *sorted;
	/* with d->Xf, most features candidates at every node: a node of at
	 * most subcap rows presorts its subtree's rows, in vals (p lists of
	 * sub_m entries, then room for 2 sub_m): feature f's list for the
	 * node idx[s..e) inside it is at f * sub_m + (s - sub_s), ascending,
	 * each entry its order key less sublo[f] in the high half, its row
	 * in the low 31 bits and (two classes) its class in bit 31 */
	size_t subcap, sub_s, sub_m;
	int sub_on;
	uint32_t *sublo;
	int presorted;		/* sorted made by tree_work_new_presorted */
	int unit;		/* every weight is 1 */
	uint8_t *goes_left;
};

/* Row r's weight, and that of the li-th row of the node best_split is on
 * (unit weights are not stored). */
static inline double row_w(const struct tree_work *w, size_t r)
{
	return w->unit ? 1 : w->w[r];
}

static inline double node_w(const struct tree_work *w, size_t li)
{
	return w->unit ? 1 : w->nw[li];
}

void tree_work_free(struct tree_work *w)
{
	if (!w)
		return;
	free(w->idx), free(w->w), free(w->vals), free(w->vrow);
	free(w->feats), free(w->ct), free(w->cl), free(w->stack);
	free(w->imp), free(w->wn);
	free(w->consts), free(w->stamp), free(w->nconsts);
	free(w->nw), free(w->ny), free(w->nc);
	free(w->sorted), free(w->goes_left), free(w->sublo);
	free(w);
}

double *tree_work_weights(struct tree_work *w)
{
	return w->w;
}

struct tree_work *tree_work_new(const struct tree_data *d)
{
	struct tree_work *w = calloc(1, sizeof(*w));
	size_t n = d->n + 1, k = d->K + 1;

	if (!w)
		return NULL;
	w->n = d->n, w->p = d->p, w->K = d->K;
	w->cap = 2 * n;
	w->idx = malloc(n * sizeof(*w->idx));
	w->w = malloc(n * sizeof(*w->w));
	w->vals = malloc((d->Xf ? 2 : 1) * n * sizeof(*w->vals));
	w->vrow = malloc(n * sizeof(*w->vrow));
	w->feats = malloc((d->p + 1) * sizeof(*w->feats));
	w->ct = malloc(k * sizeof(*w->ct));
	w->cl = malloc(k * sizeof(*w->cl));
	w->stack = malloc((n + 2) * sizeof(*w->stack));
	w->imp = malloc(w->cap * sizeof(*w->imp));
	w->wn = malloc(w->cap * sizeof(*w->wn));
	w->stamp = calloc(d->p + 1, sizeof(*w->stamp));
	w->nw = malloc(n * sizeof(*w->nw));
	w->ny = malloc(n * sizeof(*w->ny));
	w->nc = malloc(n * sizeof(*w->nc));
	if (d->order) {
		w->sorted = malloc((d->n * d->p + 1) * sizeof(*w->sorted));
		w->goes_left = malloc(n);
	}
	if (d->Xf) {
		/* p lists and their scratch fit in vals' 2n words */
		w->subcap = 2 * d->n / (d->p + 2);
		w->goes_left = malloc(n);
		w->sublo = malloc((d->p + 1) * sizeof(*w->sublo));
		if (!w->goes_left || !w->sublo) {
			tree_work_free(w);
			return NULL;
		}
	}
	if (!w->nw || !w->ny || !w->nc || !w->stamp || !w->w || !w->vals || !w->vrow || !w->feats || !w->ct ||
	    !w->cl || !w->stack || !w->imp || !w->wn ||
	    (d->order && (!w->sorted || !w->goes_left))) {
		tree_work_free(w);
		return NULL;
	}
	return w;
}

void tree_free(struct tree *t)
{
	if (!t)
		return;
	free(t->feature), free(t->threshold), free(t->left), free(t->right);
	free(t->value), free(t->count), free(t->nodes);
	memset(t, 0, sizeof(*t));
}

static double xlogx(double x)
{
	return x > 0 ? x * log(x) : 0;
}

/* Stats of rows idx[s..e): class weights into ct or the weighted mean;
 * the impurity and the leaf value (into val). */
static double node_stats(const struct tree_data *d, struct tree_work *w,
			 enum tree_criterion crit, size_t s, size_t e,
			 double *wn, double *val, double *sq)
{
	size_t i, k;
	double tot = 0, imp = 0;

	if (d->K) {
		memset(w->ct, 0, d->K * sizeof(*w->ct));
		for (i = s; i < e; i++) {
			w->ct[d->yc[w->idx[i]]] += row_w(w, w->idx[i]);
			tot += row_w(w, w->idx[i]);
		}
		*sq = 0;
		for (k = 0; k < d->K; k++) {
			double q = w->ct[k] / tot;

			val[k] = q;
			*sq += w->ct[k] * w->ct[k];
			if (crit == CRIT_GINI)
				imp += q * q;
			else if (q > 0)
				imp -= q * log2(q);
		}
		if (crit == CRIT_GINI)
			imp = 1 - imp;
	} else {
		double sum = 0, mean;

		for (i = s; i < e; i++) {
			tot += row_w(w, w->idx[i]);
			sum += row_w(w, w->idx[i]) * d->yr[w->idx[i]];
		}
		mean = sum / tot;
		for (i = s; i < e; i++) {
			double r = d->yr[w->idx[i]] - mean;

			imp += row_w(w, w->idx[i]) * r * r;
		}
		imp /= tot;
		val[0] = mean;
		*sq = sum;	/* regression: the weighted sum */
	}
	*wn = tot;
	return imp;
}

struct split {
	long feature;
	double threshold, proxy;
};

/* Best split of rows idx[s..e) (wn: their weight; sq: sum of squared
 * class weights, or the weighted sum of values). */
/* Offer the split of the node (weight wn; sq as in best_split) between
 * values a < b of feature f, the left side holding weight wl with class
 * weights w->cl (sum of squares sql, dot product with w->ct cross) or
 * weighted sum sl. */
static inline double split_proxy(const struct tree_data *d,
				 const struct tree_work *w,
				 enum tree_criterion crit, double wn, double sq,
				 double wl, double sl, double sql, double cross)
{
	double wr = wn - wl, proxy;
	size_t k;

	if (!d->K) {
		proxy = sl * sl / wl + (sq - sl) * (sq - sl) / wr;
	} else if (crit == CRIT_GINI) {
		proxy = sql / wl + (sq - 2 * cross + sql) / wr;
	} else {
		proxy = -xlogx(wl) - xlogx(wr);
		for (k = 0; k < d->K; k++)
			proxy += xlogx(w->cl[k]) + xlogx(w->ct[k] - w->cl[k]);
	}
	return proxy;
}

/* Take the split between values a < b of feature f, proxy its score. */
static inline void take(struct split *best, double proxy, double a, double b,
			size_t f)
{
	double t = a / 2.0 + b / 2.0;

	if (t == b || isinf(t))
		t = a;
	best->proxy = proxy;
	best->feature = (long)f;
	best->threshold = t;
}

static inline void consider(const struct tree_data *d, struct tree_work *w,
			    enum tree_criterion crit, double wn, double sq,
			    double wl, double sl, double sql, double cross,
			    double a, double b, size_t f, struct split *best)
{
	double proxy = split_proxy(d, w, crit, wn, sq, wl, sl, sql, cross);

	if (proxy > best->proxy)
		take(best, proxy, a, b, f);
}

/* Row r joins the left side of a scan: its weight into wl, and its class
 * weight into w->cl with the sums split_proxy reads (sql, cross), or its
 * weighted value into sl. */
static inline void to_left(const struct tree_data *d, struct tree_work *w,
			   uint32_t r, double *wl, double *sl, double *sql,
			   double *cross)
{
	double wi = row_w(w, r);

	if (d->K) {
		size_t y = d->yc[r];

		*sql += wi * (2 * w->cl[y] + wi);
		*cross += wi * w->ct[y];
		w->cl[y] += wi;
	} else {
		*sl += wi * d->yr[r];
	}
	*wl += wi;
}

/* --- single floats: a node's values sorted by their bits --- */

/* An unsigned key in the order of the floats (-0 and 0 alike), and back. */
static inline uint32_t float_key(float v)
{
	uint32_t u;

	if (v == 0)
		v = 0;
	memcpy(&u, &v, sizeof(u));
	return u >> 31 ? ~u : u | UINT32_C(1) << 31;
}

static inline double key_float(uint32_t k)
{
	uint32_t u = k >> 31 ? k & ~(UINT32_C(1) << 31) : ~k;
	float v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/* Feature f's value of row r. */
static inline double tval(const struct tree_data *d, size_t f, size_t r)
{
	return d->Xc ? d->Xc[f * d->n + r] : (double)d->Xf[f][r];
}

/*
 * Sort the m words of k by their high halves, each at most span, stably
 * (ties keep their order): least significant digit first, as many
 * passes as span has digits, the digit's width (4 to 11 bits) the one
 * with the least work for m words, every digit's counts from one read;
 * insertion below 32 words. k2 is scratch for m; returns where the
 * sorted words are (k or k2).
 */
static uint64_t *sort_keys(uint64_t *k, uint64_t *k2, size_t m, uint32_t span)
{
	unsigned bits = span ? 32 - (unsigned)__builtin_clz(span) : 0;
	unsigned db = 11, np, pass, b;
	uint32_t cnt[3 * 2048], nb, mask;
	uint64_t *t;
	size_t i, j, cost = SIZE_MAX;

	if (m < 32) {
		for (i = 1; i < m; i++) {
			uint64_t u = k[i];

			for (j = i; j > 0 && k[j - 1] >> 32 > u >> 32; j--)
				k[j] = k[j - 1];
			k[j] = u;
		}
		return k;
	}
	/* a pass reads and moves m words, and goes over 2^b counts */
	for (b = 4; b <= 11 && bits; b++) {
		size_t c = ((bits + b - 1) / b) * (3 * m + ((size_t)1 << b));

		if (c < cost)
			cost = c, db = b;
	}
	np = (bits + db - 1) / db, nb = UINT32_C(1) << db, mask = nb - 1;
	memset(cnt, 0, np * nb * sizeof(*cnt));
	for (i = 0; i < m; i++) {
		uint32_t u = (uint32_t)(k[i] >> 32);

		for (pass = 0; pass < np; pass++)
			cnt[pass * nb + ((u >> (db * pass)) & mask)]++;
	}
	for (pass = 0; pass < np; pass++) {
		uint32_t *c = cnt + pass * nb, sum = 0;
		unsigned sh = 32 + db * pass;

		for (j = 0; j < nb; j++) {
			uint32_t x = c[j];

			c[j] = sum;
			sum += x;
		}
		for (i = 0; i < m; i++) {
			uint64_t u = k[i];

			k2[c[(u >> sh) & mask]++] = u;
		}
		t = k, k = k2, k2 = t;
	}
	return k;
}

#define SUB_ROW UINT64_C(0x7fffffff)

/* A row's entry in a sorted list of single floats: its order key less
 * the list's least in the high half, in the low 31 bits id (the row, or
 * its place in the node) and in bit 31 (two classes) its class y. */
static inline uint64_t entry(const struct tree_data *d, uint32_t key,
			     uint32_t lo, uint32_t id, size_t y)
{
	uint64_t one = d->K == 2 && y == 1;

	return (uint64_t)(key - lo) << 32 | one << 31 | id;
}

/*
 * The scan of a node's m entries L of feature f, ascending (ties in row
 * order), lo the least key: every boundary between two values offered
 * to best, as best_split does for doubles (the same candidates in the
 * same order, the same sums: the same split). local: the entries name
 * places in the node, whose weights and labels best_split copied to
 * w->nw, nc and ny (read in order, unlike the rows'); else rows.
 */
static void scan_entries(const struct tree_data *d, struct tree_work *w,
			 enum tree_criterion crit, size_t msl,
			 const uint64_t *L, size_t m, uint32_t lo, int local,
			 double wn, double sq, size_t f, struct split *best)
{
	double wl = 0, sl = 0, sql = 0, cross = 0;
	size_t i;

	if (d->K)
		memset(w->cl, 0, d->K * sizeof(*w->cl));
	if (d->K == 2) {
		/* in registers, as the presorted scan (whole-number weights:
		 * the general loop's sums exactly) */
		double c1 = 0, ct0 = w->ct[0], ct1 = w->ct[1];

		for (i = 0; i + 1 < m; i++) {
			uint64_t u = L[i];
			size_t id = (size_t)(u & SUB_ROW);
			double wi = local ? node_w(w, id) : row_w(w, id), c0, proxy;

			wl += wi;
			c1 += wi * (double)(u >> 31 & 1);
			if (i + 1 < msl)
				continue;
			if (m - (i + 1) < msl)
				break;
			if (L[i + 1] >> 32 == u >> 32)
				continue;	/* the same value */
			c0 = wl - c1;
			w->cl[0] = c0, w->cl[1] = c1;
			sql = c0 * c0 + c1 * c1;
			cross = c0 * ct0 + c1 * ct1;
			proxy = split_proxy(d, w, crit, wn, sq, wl, sl, sql, cross);
			if (proxy > best->proxy)
				take(best, proxy, key_float((uint32_t)(u >> 32) + lo),
				     key_float((uint32_t)(L[i + 1] >> 32) + lo), f);
		}
		return;
	}
	for (i = 0; i + 1 < m; i++) {
		size_t id = (size_t)(L[i] & SUB_ROW);
		double wi = local ? node_w(w, id) : row_w(w, id);

		/* to_left's sums */
		if (d->K) {
			size_t y = local ? w->nc[id] : d->yc[id];

			sql += wi * (2 * w->cl[y] + wi);
			cross += wi * w->ct[y];
			w->cl[y] += wi;
		} else {
			sl += wi * (local ? w->ny[id] : d->yr[id]);
		}
		wl += wi;
		if (i + 1 < msl)
			continue;
		if (m - (i + 1) < msl)
			break;
		if (L[i + 1] >> 32 == L[i] >> 32)
			continue;
		consider(d, w, crit, wn, sq, wl, sl, sql, cross,
			 key_float((uint32_t)(L[i] >> 32) + lo),
			 key_float((uint32_t)(L[i + 1] >> 32) + lo), f, best);
	}
}

/*
 * The one split of a node of m rows whose feature f holds two values, a
 * below b: its i-th row holds a when dv[i] == da (doubles), or kv[i] ==
 * ka (order keys, dv NULL). Counted in the node's row order from the
 * weights and labels best_split copied (w->nw, nc, ny), offered to best.
 */
static void split_two(const struct tree_data *d, struct tree_work *w,
		      enum tree_criterion crit, size_t msl, size_t m,
		      double wn, double sq, const double *dv, double da,
		      const uint32_t *kv, uint32_t ka, double a, double b,
		      size_t f, struct split *best)
{
	double wl = 0, sl = 0, sql = 0, cross = 0;
	size_t i, k, nl = 0;

	if (d->K)
		memset(w->cl, 0, d->K * sizeof(*w->cl));
	for (i = 0; i < m; i++) {
		if (dv ? dv[i] != da : kv[i] != ka)
			continue;
		nl++;
		wl += node_w(w, i);
		if (d->K)
			w->cl[w->nc[i]] += node_w(w, i);
		else
			sl += node_w(w, i) * w->ny[i];
	}
	for (k = 0; d->K && k < d->K; k++) {
		sql += w->cl[k] * w->cl[k];
		cross += w->cl[k] * w->ct[k];
	}
	if (nl >= msl && m - nl >= msl)
		consider(d, w, crit, wn, sq, wl, sl, sql, cross, a, b, f, best);
}

/* The order keys of feature f for node idx[s..s+m) into w->vrow, in row
 * order, with their least and greatest. */
static void gather_keys(const struct tree_data *d, struct tree_work *w,
			size_t f, size_t s, size_t m, uint32_t *lo,
			uint32_t *hi)
{
	const float *col = d->Xf[f];
	uint32_t a = UINT32_MAX, b = 0;
	size_t i;

	for (i = 0; i < m; i++) {
		uint32_t u;

		/* the rows ascend, sparsely deep in the tree: fetch ahead */
		if (i + 16 < m)
			__builtin_prefetch(col + w->idx[s + i + 16]);
		u = float_key(col[w->idx[s + i]]);
		w->vrow[i] = u;
		a = u < a ? u : a;
		b = u > b ? u : b;
	}
	*lo = a, *hi = b;
}

/*
 * The best split of node idx[s..s+m) on single-float feature f offered
 * to best: 0 when f is constant in the node, else 1. The node's rows
 * are gathered in row order and radix-sorted by their values' bits.
 */
static int split_floats(const struct tree_data *d, struct tree_work *w,
			enum tree_criterion crit, size_t msl, size_t s,
			size_t m, double wn, double sq, size_t f,
			struct split *best)
{
	uint64_t *k = (uint64_t *)(void *)w->vals;
	uint32_t lo, hi, *ks = w->vrow;
	size_t i;
	int two = 1;

	gather_keys(d, w, f, s, m, &lo, &hi);
	if (lo == hi)
		return 0;
	for (i = 0; i < m && two; i++)
		two = ks[i] == lo || ks[i] == hi;
	if (two) {
		/* two values in this node: the one split between them,
		 * without sorting */
		split_two(d, w, crit, msl, m, wn, sq, NULL, 0, ks, lo,
			  key_float(lo), key_float(hi), f, best);
		return 1;
	}
	for (i = 0; i < m; i++)
		k[i] = entry(d, ks[i], lo, (uint32_t)i, d->K ? w->nc[i] : 0);
	scan_entries(d, w, crit, msl, sort_keys(k, k + m, m, hi - lo), m, lo,
		     1, wn, sq, f, best);
	return 1;
}

/* Presort the subtree of node idx[s..e) (single floats): every feature's
 * entries in ascending order, ties in row order, as split_floats would
 * sort them at each of its nodes. */
static void sub_build(const struct tree_data *d, struct tree_work *w,
		      size_t s, size_t e)
{
	size_t m = e - s, f, i;
	uint64_t *base = (uint64_t *)(void *)w->vals, *scr = base + d->p * m;

	for (f = 0; f < d->p; f++) {
		uint32_t lo, hi;

		if (d->isbin && d->isbin[f])
			continue;
		gather_keys(d, w, f, s, m, &lo, &hi);
		for (i = 0; i < m; i++) {
			uint32_t r = w->idx[s + i];

			scr[i] = entry(d, w->vrow[i], lo, r, d->K ? d->yc[r] : 0);
		}
		memcpy(base + f * m, sort_keys(scr, scr + m, m, hi - lo),
		       m * sizeof(*base));
		w->sublo[f] = lo;
	}
	w->sub_s = s, w->sub_m = m, w->sub_on = 1;
}

/* split_floats for a node inside the presorted subtree: its entries
 * already in order. */
static int sub_split(const struct tree_data *d, struct tree_work *w,
		     enum tree_criterion crit, size_t msl, size_t s, size_t m,
		     double wn, double sq, size_t f, struct split *best)
{
	const uint64_t *L = (const uint64_t *)(const void *)w->vals +
		f * w->sub_m + (s - w->sub_s);

	if (L[0] >> 32 == L[m - 1] >> 32)
		return 0;	/* constant in this node */
	scan_entries(d, w, crit, msl, L, m, w->sublo[f], 0, wn, sq, f, best);
	return 1;
}

/* Room for the known-constant lists of levels 0..depth. */
static int consts_room(struct tree_work *w, size_t depth)
{
	size_t levels = w->levels ? w->levels : 16;
	uint32_t *c;
	size_t *n;

	if (depth < w->levels)
		return 0;
	while (levels <= depth)
		levels *= 2;
	c = realloc(w->consts, levels * (w->p + 1) * sizeof(*c));
	if (!c)
		return -1;
	w->consts = c;
	n = realloc(w->nconsts, levels * sizeof(*n));
	if (!n)
		return -1;
	w->nconsts = n;
	w->levels = levels;
	return 0;
}

static void best_split(const struct tree_data *d, struct tree_work *w,
		       const struct tree_params *h, enum tree_criterion crit,
		       size_t mf, uint64_t *rng, size_t s, size_t e, double wn,
		       double sq, size_t depth, struct split *best)
{
	size_t m = e - s, msl = (size_t)h->min_samples_leaf, p = d->p;
	size_t remaining = p, visited = 0, nonconst = 0, i, j, k;
	int limit = 2 * (int)log2((double)m + 1) + 2;
	uint32_t *mine = w->consts + depth * (p + 1);
	size_t *nmine = &w->nconsts[depth];

	/* the parent's constants are this node's too: marked, they are
	 * drawn (and counted as visited) as before, but not read again */
	if (++w->mark == 0) {
		memset(w->stamp, 0, p * sizeof(*w->stamp));
		w->mark = 1;
	}
	for (i = s; i < e; i++) {
		uint32_t r = w->idx[i];

		if (!w->unit)
			w->nw[i - s] = w->w[r];
		if (d->K)
			w->nc[i - s] = (uint32_t)d->yc[r];
		else
			w->ny[i - s] = d->yr[r];
	}
	*nmine = 0;
	if (depth > 0) {
		const uint32_t *up = w->consts + (depth - 1) * (p + 1);

		for (i = 0; i < w->nconsts[depth - 1]; i++) {
			w->stamp[up[i]] = w->mark;
			mine[(*nmine)++] = up[i];
		}
	}

	best->feature = -1;
	best->proxy = -INFINITY;
	for (j = 0; j < p; j++)
		w->feats[j] = (uint32_t)j;
	while (remaining > 0 && (visited < mf || nonconst == 0)) {
		const double *col;
		size_t f;
		double wl = 0, sl = 0, sql = 0, cross = 0;

		if (mf >= p) {
			f = w->feats[p - remaining];
		} else {
			j = tree_rng_below(rng, remaining);
			f = w->feats[j];
			w->feats[j] = w->feats[remaining - 1];
			w->feats[remaining - 1] = (uint32_t)f;
		}
		remaining--, visited++;
		if (w->stamp[f] == w->mark)
			continue;	/* constant in the parent */
		if (d->bin && d->isbin[f]) {
			/* two values: the one split between them, counted
			 * from the byte codes (small, so cache-friendly) */
			const uint8_t *cb = d->bin + f * d->n;
			size_t nl = 0;

			if (d->K)
				memset(w->cl, 0, d->K * sizeof(*w->cl));
			/* branch-free sums over the rows holding the
			 * smaller value (code 0); exact, the weights being
			 * whole numbers */
			if (d->K == 2) {
				double c1 = 0;

				for (i = 0; i < m; i++) {
					unsigned c = cb[w->idx[s + i]];
					double x = (double)(1 - c) * node_w(w, i);

					nl += 1 - c;
					wl += x;
					c1 += x * (double)w->nc[i];
				}
				w->cl[0] = wl - c1;
				w->cl[1] = c1;
			} else if (d->K) {
				for (i = 0; i < m; i++) {
					unsigned c = cb[w->idx[s + i]];
					double x = (double)(1 - c) * node_w(w, i);

					nl += 1 - c;
					wl += x;
					w->cl[w->nc[i]] += x;
				}
			} else {
				for (i = 0; i < m; i++) {
					unsigned c = cb[w->idx[s + i]];

					if (!c) {
						nl++;
						wl += node_w(w, i);
						sl += node_w(w, i) * w->ny[i];
					}
				}
			}
			if (nl == 0 || nl == m) {
				mine[(*nmine)++] = (uint32_t)f;
				continue;	/* constant in this node */
			}
			nonconst++;
			for (k = 0; d->K && k < d->K; k++) {
				sql += w->cl[k] * w->cl[k];
				cross += w->cl[k] * w->ct[k];
			}
			if (nl >= msl && m - nl >= msl)
				consider(d, w, crit, wn, sq, wl, sl, sql, cross,
					 d->binlo[f], d->binhi[f], f, best);
			continue;
		}
		if (d->Xf) {
			if (w->sub_on ? sub_split(d, w, crit, msl, s, m, wn, sq, f, best) :
			    split_floats(d, w, crit, msl, s, m, wn, sq, f, best))
				nonconst++;
			else
				mine[(*nmine)++] = (uint32_t)f;	/* constant */
			continue;
		}
		col = d->Xc + f * d->n;
		if (w->sorted) {
			/* the node's rows already in order of f: constant
			 * when its least and greatest values agree; else the
			 * scan below, whose ties come in row order as in the
			 * two-value case */
			const uint64_t *L = w->sorted + f * d->n + s;

			if (((L[0] ^ L[m - 1]) & RANK_BITS) == 0) {
				mine[(*nmine)++] = (uint32_t)f;
				continue;	/* constant in this node */
			}
			nonconst++;
			if (d->K == 2) {
				/* two classes: the left side's class-1 weight
				 * and its whole weight carry everything, in
				 * registers (weights are whole numbers, so the
				 * sums equal the general loop's exactly) */
				double c1 = 0, ct0 = w->ct[0], ct1 = w->ct[1];

				for (i = 0; i + 1 < m; i++) {
					uint64_t u = L[i];
					uint32_t r = (uint32_t)u;
					double wi = row_w(w, r), c0, proxy;

					wl += wi;
					c1 += wi * (double)(u >> 63);
					if (i + 1 < msl)
						continue;
					if (m - (i + 1) < msl)
						break;
					if (((L[i + 1] ^ u) & RANK_BITS) == 0)
						continue;	/* the same value */
					c0 = wl - c1;
					w->cl[0] = c0, w->cl[1] = c1;
					sql = c0 * c0 + c1 * c1;
					cross = c0 * ct0 + c1 * ct1;
					proxy = split_proxy(d, w, crit, wn, sq, wl,
							    sl, sql, cross);
					if (proxy > best->proxy)
						take(best, proxy, col[r],
						     col[(uint32_t)L[i + 1]], f);
				}
				continue;
			}
			if (d->K)
				memset(w->cl, 0, d->K * sizeof(*w->cl));
			for (i = 0; i + 1 < m; i++) {
				uint32_t r = (uint32_t)L[i];
				double proxy;

				to_left(d, w, r, &wl, &sl, &sql, &cross);
				if (i + 1 < msl)
					continue;
				if (m - (i + 1) < msl)
					break;
				if (((L[i + 1] ^ L[i]) & RANK_BITS) == 0)
					continue;	/* the same value */
				proxy = split_proxy(d, w, crit, wn, sq, wl, sl,
						    sql, cross);
				if (proxy > best->proxy)
					take(best, proxy, col[r],
					     col[(uint32_t)L[i + 1]], f);
			}
			continue;
		}
		{
			double a = col[w->idx[s]], b = a, lo, hi;
			int two = 1;

			for (i = 0; i < m; i++) {
				double v = col[w->idx[s + i]];

				w->vrow[i] = w->idx[s + i];
				w->vals[i] = v;
				if (v != a) {
					if (b == a)
						b = v;
					else if (v != b)
						two = 0;
				}
			}
			if (b == a) {
				mine[(*nmine)++] = (uint32_t)f;
				continue;	/* constant in this node */
			}
			nonconst++;
			if (two) {
				/* two values in this node: the one split
				 * between them, without sorting */
				lo = a < b ? a : b, hi = a < b ? b : a;
				split_two(d, w, crit, msl, m, wn, sq, w->vals, lo,
					  NULL, 0, lo, hi, f, best);
				continue;
			}
		}
		sort2(w->vals, w->vrow, m, limit);
		if (d->K)
			memset(w->cl, 0, d->K * sizeof(*w->cl));
		for (i = 0; i + 1 < m; i++) {
			to_left(d, w, w->vrow[i], &wl, &sl, &sql, &cross);
			if (i + 1 < msl)
				continue;
			if (m - (i + 1) < msl)
				break;
			if (!(w->vals[i + 1] > w->vals[i]))
				continue;
			consider(d, w, crit, wn, sq, wl, sl, sql, cross,
				 w->vals[i], w->vals[i + 1], f, best);
		}
	}
}

/* *p reallocated to n bytes (n > 0) when that succeeds; kept otherwise. */
static void shrink(void **p, size_t n)
{
	void *q = n ? realloc(*p, n) : NULL;

	if (q)
		*p = q;
}

/* Build t->nodes from the arrays; -1 when memory runs out. */
static int tree_pack(struct tree *t)
{
	size_t i;

	t->nodes = malloc((t->n_nodes + 1) * sizeof(*t->nodes));
	if (!t->nodes)
		return -1;
	for (i = 0; i < t->n_nodes; i++) {
		int leaf = t->feature[i] < 0;

		/* a leaf keeps its threshold, which no walk reads, for
		 * tree_to_json */
		t->nodes[i] = leaf ?
			(struct tree_node){ t->threshold[i], 0, (int32_t)i, (int32_t)i, 1 } :
			(struct tree_node){ t->threshold[i], t->feature[i],
					    t->left[i], t->right[i], 0 };
	}
	/* children come after their parents (tree_grow numbers in
	 * preorder; tree_from_json checks it): depths in one pass */
	{
		uint32_t *dep = calloc(t->n_nodes + 1, sizeof(*dep));

		if (!dep) {
			free(t->nodes);
			t->nodes = NULL;
			return -1;
		}
		t->depth = 0;
		for (i = 0; i < t->n_nodes; i++) {
			if (t->feature[i] >= 0) {
				dep[t->left[i]] = dep[i] + 1;
				dep[t->right[i]] = dep[i] + 1;
			} else if (dep[i] > t->depth) {
				t->depth = dep[i];
			}
		}
		free(dep);
	}
	/* the nodes hold the rest: the separate arrays go, and the values
	 * (grown with room for every possible node) shrink to the tree */
	free(t->feature), free(t->threshold), free(t->left), free(t->right);
	t->feature = NULL, t->threshold = NULL, t->left = t->right = NULL;
	shrink((void **)&t->value, t->n_nodes * t->width * sizeof(*t->value));
	if (t->count)
		shrink((void **)&t->count, t->n_nodes * t->width * sizeof(*t->count));
	return 0;
}

/*
 * After a node split, goes_left marking the side of each of its rows:
 * every feature's sorted entries of the node (feature f's at base + f *
 * stride, positions s..e, the row in an entry's row_mask bits), split
 * the same way, each side keeping its order; tr has room for e - s
 * entries. The presorted doubles' lists (w->sorted) and a single-float
 * subtree's (in w->vals) both split here.
 */
static void split_lists(const struct tree_data *d, struct tree_work *w,
			uint64_t *base, size_t stride, size_t s, size_t e,
			uint64_t row_mask, uint64_t *tr)
{
	size_t f, q;

	for (f = 0; f < d->p; f++) {
		uint64_t *L = base + f * stride;
		size_t l = s, r = 0;

		if (d->isbin && d->isbin[f])
			continue;
		/* branch-free: each entry is written to both sides and the
		 * side it belongs to advances */
		for (q = s; q < e; q++) {
			uint64_t u = L[q];
			size_t g = w->goes_left[u & row_mask];

			L[l] = u;
			tr[r] = u;
			l += g, r += 1 - g;
		}
		memcpy(L + l, tr, r * sizeof(*L));
	}
}

/* An unsigned key in the order of the doubles (-0 and 0 alike). */
static uint64_t order_key(double v)
{
	uint64_t u;

	if (v == 0)
		v = 0;
	memcpy(&u, &v, sizeof(u));
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

/* Sort column col (n rows) by value: on return *rows holds the rows in
 * ascending order (ties in row order) and *keys their order keys, both
 * pointing into the scratch rows (2n) and keys (2n); cnt is 6 * 2048. */
static void sort_column(const double *col, size_t n, uint32_t *rows,
			uint64_t *keys, uint32_t *cnt, uint32_t **rows_out,
			uint64_t **keys_out)
{
	uint32_t *rs = rows, *rd = rows + n, *rt;
	uint64_t *ks = keys, *kd = keys + n, *kt;
	size_t i, pass;

	/* least significant digit first, 11 bits a pass, each key
	 * moving with its row (no gathers), stable: ties stay in row
	 * order; the six digits' counts are taken in one read, and
	 * passes where every key shares the digit are skipped */
	memset(cnt, 0, 6 * 2048 * sizeof(*cnt));
	for (i = 0; i < n; i++) {
		uint64_t u = order_key(col[i]);

		ks[i] = u;
		rs[i] = (uint32_t)i;
		for (pass = 0; pass < 6; pass++)
			cnt[pass * 2048 + ((u >> (11 * pass)) & 2047)]++;
	}
	for (pass = 0; pass < 6 && n; pass++) {
		unsigned sh = (unsigned)(11 * pass);
		uint32_t *c = cnt + pass * 2048, sum = 0;
		size_t d;

		if (c[(ks[0] >> sh) & 2047] == n)
			continue;
		for (d = 0; d < 2048; d++) {
			uint32_t t = c[d];

			c[d] = sum;
			sum += t;
		}
		for (i = 0; i < n; i++) {
			uint64_t u = ks[i];
			uint32_t at = c[(u >> sh) & 2047]++;

			kd[at] = u;
			rd[at] = rs[i];
		}
		kt = ks, ks = kd, kd = kt;
		rt = rs, rs = rd, rd = rt;
	}
	*rows_out = rs;
	*keys_out = ks;
}

uint32_t *tree_presort(const double *Xc, size_t n, size_t p,
		       const unsigned char *isbin)
{
	uint32_t *order = malloc((2 * n * p + 1) * sizeof(*order));
	uint32_t *rows = malloc((2 * n + 1) * sizeof(*rows));
	uint64_t *keys = malloc((2 * n + 1) * sizeof(*keys));
	uint32_t *cnt = malloc(6 * 2048 * sizeof(*cnt));
	size_t f, i;

	/* tree_grow packs a row (32 bits) and its rank (31) in one word */
	if (n >= (size_t)1 << 31 || !order || !rows || !keys || !cnt) {
		free(order), free(rows), free(keys), free(cnt);
		return NULL;
	}
	for (f = 0; f < p; f++) {
		uint32_t *o = order + f * n, *rk = order + n * p + f * n, *rs;
		uint64_t *ks;
		uint32_t k = 0;

		if (isbin && isbin[f])
			continue;
		sort_column(Xc + f * n, n, rows, keys, cnt, &rs, &ks);
		memcpy(o, rs, n * sizeof(*o));
		for (i = 0; i < n; i++) {
			if (i && ks[i] != ks[i - 1])
				k++;
			rk[i] = k;
		}
	}
	free(rows), free(keys), free(cnt);
	return order;
}

struct tree_work *tree_work_new_presorted(const struct tree_data *d)
{
	struct tree_data dd = *d;
	struct tree_work *w;
	uint32_t *rows, *rs, dummy = 0;
	uint64_t *keys, *ks;
	uint32_t *cnt;
	size_t f, i, n = d->n;

	if (n >= (size_t)1 << 31)
		return NULL;
	dd.order = &dummy;	/* room for sorted, as with an order */
	w = tree_work_new(&dd);
	rows = malloc((2 * n + 1) * sizeof(*rows));
	keys = malloc((2 * n + 1) * sizeof(*keys));
	cnt = malloc(6 * 2048 * sizeof(*cnt));
	if (!w || !rows || !keys || !cnt) {
		tree_work_free(w);
		free(rows), free(keys), free(cnt);
		return NULL;
	}
	/* the entries tree_grow would pack from tree_presort's order, less
	 * the class bit, which it adds */
	for (f = 0; f < d->p; f++) {
		uint64_t *L = w->sorted + f * n;
		uint32_t k = 0;

		if (d->isbin && d->isbin[f])
			continue;
		sort_column(d->Xc + f * n, n, rows, keys, cnt, &rs, &ks);
		for (i = 0; i < n; i++) {
			if (i && ks[i] != ks[i - 1])
				k++;
			L[i] = (uint64_t)k << 32 | rs[i];
		}
	}
	free(rows), free(keys), free(cnt);
	w->presorted = 1;
	return w;
}

int tree_grow(struct tree *t, const struct tree_data *d,
	      const struct tree_params *h, enum tree_criterion crit,
	      size_t max_features, const double *weight, uint64_t seed,
	      double *importance, struct tree_work *w)
{
	size_t m = 0, i, top = 0, width = d->K ? d->K : 1, cap, nn = 0;
	size_t mss = (size_t)h->min_samples_split, msl = (size_t)h->min_samples_leaf;
	uint64_t rng = seed;

	memset(t, 0, sizeof(*t));
	t->width = width;
	w->sub_on = 0;
	/* unit weights are never stored (nor the node's copies of them):
	 * their pages stay untouched */
	w->unit = 1;
	for (i = 0; weight && i < d->n; i++)
		w->unit &= weight[i] == 1;
	for (i = 0; i < d->n; i++) {
		if (!w->unit)
			w->w[i] = weight[i];
		if (w->unit || weight[i] > 0)
			w->idx[m++] = (uint32_t)i;
	}
	if (w->sorted) {
		size_t f, q;

		/* the tree's rows (weight above 0) as bytes, gathered
		 * branch-free: every entry is written and the rows kept
		 * advance (L has room for n) */
		for (i = 0; i < d->n; i++)
			w->goes_left[i] = w->unit || w->w[i] > 0;
		for (f = 0; f < d->p && w->presorted; f++) {
			/* in place (q <= i): the class bit and the filter */
			uint64_t *L = w->sorted + f * d->n;

			if (d->isbin && d->isbin[f])
				continue;
			for (i = 0, q = 0; i < d->n; i++) {
				uint64_t e = L[i];
				uint32_t u = (uint32_t)e;
				uint64_t y = d->K == 2 && d->yc[u] == 1;

				L[q] = y << 63 | e;
				q += w->goes_left[u];
			}
		}
		for (f = 0; f < d->p && !w->presorted; f++) {
			const uint32_t *o = d->order + f * d->n;
			uint64_t *L = w->sorted + f * d->n;

			if (d->isbin && d->isbin[f])
				continue;
			const uint32_t *rk = d->order + d->n * d->p + f * d->n;

			for (i = 0, q = 0; i < d->n; i++) {
				uint32_t u = o[i];
				uint64_t y = d->K == 2 && d->yc[u] == 1;

				L[q] = y << 63 | (uint64_t)rk[i] << 32 | u;
				q += w->goes_left[u];
			}
		}
	}
	if (mss < 2 * msl)
		mss = 2 * msl;
	cap = 2 * m + 1;
	t->feature = malloc(cap * sizeof(*t->feature));
	t->threshold = malloc(cap * sizeof(*t->threshold));
	t->left = malloc(cap * sizeof(*t->left));
	t->right = malloc(cap * sizeof(*t->right));
	t->value = malloc(cap * width * sizeof(*t->value));
	if (d->K)
		t->count = malloc(cap * width * sizeof(*t->count));
	if (!t->feature || !t->threshold || !t->left || !t->right || !t->value ||
	    (d->K && !t->count)) {
		tree_free(t);
		return -1;
	}
	w->stack[top++] = (struct item){ 0, m, 0, -1, 0 };
	while (top) {
		struct item it = w->stack[--top];
		size_t id = nn++, n = it.end - it.start;
		double wn, sq, imp;
		struct split sp;
		int leaf;

		if (it.parent >= 0) {
			if (it.is_left)
				t->left[it.parent] = (int32_t)id;
			else
				t->right[it.parent] = (int32_t)id;
		}
		imp = node_stats(d, w, crit, it.start, it.end, &wn, t->value + id * width, &sq);
		if (d->K)
			memcpy(t->count + id * width, w->ct, width * sizeof(*t->count));
		w->imp[id] = imp, w->wn[id] = wn;
		leaf = (h->max_depth && it.depth >= (size_t)h->max_depth) ||
		       n < mss || imp <= DBL_EPSILON;
		sp.feature = -1;
		/* depth first: the presorted subtree is done at the first node
		 * outside it */
		if (w->sub_on && (it.start < w->sub_s || it.end > w->sub_s + w->sub_m))
			w->sub_on = 0;
		if (!leaf && d->Xf && !w->sub_on && n <= w->subcap &&
		    2 * max_features >= d->p)
			sub_build(d, w, it.start, it.end);
		if (!leaf) {
			if (consts_room(w, it.depth) < 0) {
				tree_free(t);
				return -1;
			}
			best_split(d, w, h, crit, max_features, &rng, it.start,
				   it.end, wn, sq, it.depth, &sp);
		}
		t->threshold[id] = 0;
		t->left[id] = t->right[id] = -1;
		t->feature[id] = -1;
		if (sp.feature < 0) {
			t->n_leaves++;
			if (it.depth > t->depth)
				t->depth = it.depth;
			continue;
		}
		{
			size_t a = it.start, nr = 0, q, sf = (size_t)sp.feature;

			/* stable: rows stay ascending in every node, so the
			 * gathers of a feature's values read memory in order;
			 * branch-free, marking each row's side for
			 * split_lists */
			for (q = it.start; q < it.end; q++) {
				uint32_t u = w->idx[q];
				size_t g = tval(d, sf, u) <= sp.threshold;

				w->idx[a] = u;
				w->vrow[nr] = u;
				a += g, nr += 1 - g;
				if (w->sorted || w->sub_on)
					w->goes_left[u] = (uint8_t)g;
			}
			memcpy(w->idx + a, w->vrow, nr * sizeof(*w->idx));
			/* children that are leaves by depth or size never
			 * read their sorted rows */
			if ((w->sorted || w->sub_on) &&
			    !((h->max_depth && it.depth + 1 >= (size_t)h->max_depth) ||
			      (a - it.start < mss && it.end - a < mss))) {
				if (w->sorted)	/* the right sides wait in vals */
					split_lists(d, w, w->sorted, d->n, it.start,
						    it.end, UINT32_MAX,
						    (uint64_t *)(void *)w->vals);
				else
					split_lists(d, w, (uint64_t *)(void *)w->vals,
						    w->sub_m, it.start - w->sub_s,
						    it.end - w->sub_s, SUB_ROW,
						    (uint64_t *)(void *)w->vals +
						    d->p * w->sub_m);
			}
			t->feature[id] = (int32_t)sp.feature;
			t->threshold[id] = sp.threshold;
			w->stack[top++] = (struct item){ a, it.end, it.depth + 1, (long)id, 0 };
			w->stack[top++] = (struct item){ it.start, a, it.depth + 1, (long)id, 1 };
		}
	}
	t->n_nodes = nn;
	if (importance)
		for (i = 0; i < nn; i++)
			if (t->feature[i] >= 0) {
				size_t l = (size_t)t->left[i], r = (size_t)t->right[i];

				importance[t->feature[i]] += w->wn[i] * w->imp[i] -
					w->wn[l] * w->imp[l] - w->wn[r] * w->imp[r];
			}
	if (tree_pack(t) < 0) {
		tree_free(t);
		return -1;
	}
	return 0;
}

const double *tree_leaf(const struct tree *t, const double *x)
{
	const struct tree_node *nd = t->nodes;
	int32_t i = 0;

	while (!nd[i].leaf)
		i = x[nd[i].feature] <= nd[i].threshold ? nd[i].left : nd[i].right;
	return t->value + (size_t)i * t->width;
}

/* Rows tree_leaves walks side by side: independent chains of loads that
 * hide each other's latency. */
#define WALK_ROWS 8
#define WALK_MAX_DEPTH 64

void tree_leaves(const struct tree *t, const double *X, size_t n, size_t p,
		 uint32_t *leaf)
{
	const struct tree_node *nd = t->nodes;
	/* every row walks the deepest leaf's steps: in a deep, lopsided tree
	 * most rows would idle for most of them, so such a tree is walked
	 * row by row, like the rows after the last whole group */
	size_t batched = t->depth <= WALK_MAX_DEPTH ? n - n % WALK_ROWS : 0;
	size_t i0, j, s;

	for (i0 = 0; i0 < batched; i0 += WALK_ROWS) {
		const double *x = X + i0 * p;
		uint32_t at[WALK_ROWS] = { 0 };

		for (s = 0; s < t->depth; s++) {
#pragma GCC unroll 8
			for (j = 0; j < WALK_ROWS; j++) {
				const struct tree_node *q = nd + at[j];
				/* a mask, not a branch: the side is a coin
				 * toss the predictor would lose */
				uint32_t l = (uint32_t)q->left, r = (uint32_t)q->right;
				uint32_t m = -(uint32_t)(x[j * p + (size_t)q->feature] <=
							 q->threshold);

				at[j] = r ^ ((l ^ r) & m);
			}
		}
		memcpy(leaf + i0, at, sizeof(at));
	}
	for (i0 = batched; i0 < n; i0++)
		leaf[i0] = (uint32_t)((tree_leaf(t, X + i0 * p) - t->value) /
				      (ptrdiff_t)t->width);
}

/* --- model.json --- */

json_t *tree_reals_json(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_real(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *tree_to_json(const struct tree *t)
{
	json_t *j = json_object(), *f = json_array(), *th = json_array();
	json_t *l = json_array(), *r = json_array(), *v = json_array();
	size_t i;

	if (!j || !f || !th || !l || !r || !v)
		goto fail;
	for (i = 0; i < t->n_nodes; i++) {
		const struct tree_node *nd = &t->nodes[i];
		json_t *row = tree_reals_json((t->count ? t->count : t->value) +
					      i * t->width, t->width);

		if (!row || json_array_append_new(v, row) < 0 ||
		    json_array_append_new(f, json_integer(nd->leaf ? -1 : nd->feature)) < 0 ||
		    json_array_append_new(th, json_real(nd->threshold)) < 0 ||
		    json_array_append_new(l, json_integer(nd->leaf ? -1 : nd->left)) < 0 ||
		    json_array_append_new(r, json_integer(nd->leaf ? -1 : nd->right)) < 0)
			goto fail;
	}
	json_object_set_new(j, "n_nodes", json_integer((json_int_t)t->n_nodes));
	json_object_set_new(j, "feature", f);
	json_object_set_new(j, "threshold", th);
	json_object_set_new(j, "left", l);
	json_object_set_new(j, "right", r);
	json_object_set_new(j, "value", v);
	return j;
fail:
	json_decref(j), json_decref(f), json_decref(th), json_decref(l);
	json_decref(r), json_decref(v);
	return NULL;
}

static int tbad(struct mlci_err *err, const char *file, const char *what,
		const char *msg, long i)
{
	if (i >= 0)
		return err_set(err, MLCI_EXIT_DATAERR, file, "%s node %ld: %s",
			       what, i, msg);
	return err_set(err, MLCI_EXIT_DATAERR, file, "%s: %s", what, msg);
}

/* An integer in [lo, hi] at a[i]. */
static int get_index(const json_t *a, size_t i, long lo, long hi, long *out)
{
	json_t *v = json_array_get(a, i);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

int tree_from_json(struct tree *t, const json_t *j, size_t p, size_t width,
		   int classifier, size_t *budget, const char *file,
		   const char *what, struct mlci_err *err)
{
	static const char *const keys[] = { "feature", "threshold", "left",
					    "right", "value" };
	json_t *a[5], *nv = json_object_get(j, "n_nodes");
	unsigned char *parents = NULL;
	size_t n, i, k;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(j))
		return tbad(err, file, what, "not an object", -1);
	if (!json_is_integer(nv) || json_integer_value(nv) < 1)
		return tbad(err, file, what, "n_nodes must be a positive integer", -1);
	for (k = 0; k < 5; k++) {
		a[k] = json_object_get(j, keys[k]);
		if (!json_is_array(a[k]) ||
		    (json_int_t)json_array_size(a[k]) != json_integer_value(nv))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "%s: %s must be an array of n_nodes (%lld) entries",
				       what, keys[k], (long long)json_integer_value(nv));
	}
	n = json_array_size(a[0]);	/* bounded by the file's own length */
	if (n > *budget || n > (size_t)INT32_MAX)
		return tbad(err, file, what, "too many nodes", -1);
	*budget -= n;
	t->width = width;
	t->feature = malloc(n * sizeof(*t->feature));
	t->threshold = malloc(n * sizeof(*t->threshold));
	t->left = malloc(n * sizeof(*t->left));
	t->right = malloc(n * sizeof(*t->right));
	t->value = malloc(n * width * sizeof(*t->value));
	if (classifier)
		t->count = malloc(n * width * sizeof(*t->count));
	parents = calloc(n, 1);
	if (!t->feature || !t->threshold || !t->left || !t->right ||
	    !t->value || (classifier && !t->count) || !parents) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	t->n_nodes = n;
	for (i = 0; i < n; i++) {
		json_t *th = json_array_get(a[1], i), *row = json_array_get(a[4], i);
		long f, l, r;
		double sum = 0;

		if (get_index(a[0], i, -1, (long)p - 1, &f) < 0) {
			tbad(err, file, what, "feature must be -1 or an encoded feature index", (long)i);
			goto out;
		}
		if (!json_is_number(th) || !isfinite(json_number_value(th))) {
			tbad(err, file, what, "threshold must be a finite number", (long)i);
			goto out;
		}
		t->feature[i] = (int32_t)f;
		t->threshold[i] = json_number_value(th);
		if (f < 0) {
			if (get_index(a[2], i, -1, -1, &l) < 0 ||
			    get_index(a[3], i, -1, -1, &r) < 0) {
				tbad(err, file, what, "a leaf's children must be -1", (long)i);
				goto out;
			}
		} else if (get_index(a[2], i, (long)i + 1, (long)n - 1, &l) < 0 ||
			   get_index(a[3], i, (long)i + 1, (long)n - 1, &r) < 0 ||
			   l == r || parents[l]++ || parents[r]++) {
			tbad(err, file, what,
			     "children must be distinct nodes after their parent, each with one parent",
			     (long)i);
			goto out;
		}
		t->left[i] = (int32_t)l, t->right[i] = (int32_t)r;
		if (!json_is_array(row) || json_array_size(row) != width) {
			err_set(err, MLCI_EXIT_DATAERR, file,
				"%s node %zu: value must be an array of %zu numbers",
				what, i, width);
			goto out;
		}
		for (k = 0; k < width; k++) {
			json_t *x = json_array_get(row, k);
			double v = json_number_value(x);

			if (!json_is_number(x) || !isfinite(v) ||
			    (classifier && !(v >= 0))) {
				tbad(err, file, what, classifier ?
				     "value must hold class weights >= 0" :
				     "value must be a finite number", (long)i);
				goto out;
			}
			t->value[i * width + k] = v;
			sum += v;
		}
		if (classifier) {
			if (!(sum > 0) || !isfinite(sum)) {
				tbad(err, file, what,
				     "value's class weights must have a finite sum > 0", (long)i);
				goto out;
			}
			for (k = 0; k < width; k++) {
				t->count[i * width + k] = t->value[i * width + k];
				t->value[i * width + k] /= sum;
			}
		}
	}
	for (i = 1; i < n; i++)
		if (parents[i] != 1) {
			tbad(err, file, what, "not reachable from the root", (long)i);
			goto out;
		}
	if (tree_pack(t) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(parents);
	if (rc < 0)
		tree_free(t);
	return rc;
}

/* --- shared family helpers --- */

size_t tree_max_features(const struct tree_params *h, int classifier,
			 size_t p)
{
	enum tree_mf mf = h->mf;
	double k;

	if (mf == MF_DEFAULT)
		mf = h->forest && classifier ? MF_SQRT : MF_ALL;
	switch (mf) {
	case MF_SQRT:
		k = floor(sqrt((double)p));
		break;
	case MF_LOG2:
		k = floor(log2((double)p));
		break;
	case MF_FRACTION:
		k = floor(h->mf_value * (double)p);
		break;
	case MF_COUNT:
		k = h->mf_value;
		break;
	default:
		k = (double)p;
	}
	if (k < 1)
		k = 1;
	return k > (double)p ? p : (size_t)k;
}

void tree_params_init(void *hp, int classifier)
{
	struct tree_params *h = hp;

	memset(h, 0, sizeof(*h));
	h->min_samples_split = 2;
	h->min_samples_leaf = 1;
	h->n_estimators = 100;
	h->bootstrap = 1;
}

static void forest_params_flag(void *hp)
{
	((struct tree_params *)hp)->forest = 1;
}

static int tparam_bad(struct mlci_err *err, const char *kv, const char *why)
{
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--param %.100s: %s", kv, why);
}

/* An integer from lo to hi, or -1. */
static int int_value(const char *s, long lo, long hi, long *out)
{
	double v;

	if (parse_double(s, &v) < 0 || v != floor(v) || v < (double)lo ||
	    v > (double)hi)
		return -1;
	*out = (long)v;
	return 0;
}

int tree_param(void *hp, int classifier, const char *kv, size_t klen,
	       const char *val, struct mlci_err *err)
{
	struct tree_params *h = hp;
	double v;

#define KEY(s) (klen == strlen(s) && !strncmp(kv, s, klen))
	if (KEY("criterion")) {
		if (!strcmp(val, "gini"))
			h->criterion = CRIT_GINI;
		else if (!strcmp(val, "entropy") || !strcmp(val, "log_loss"))
			h->criterion = CRIT_ENTROPY;	/* scikit-learn's alias */
		else if (!strcmp(val, "squared_error"))
			h->criterion = CRIT_MSE;
		else
			return tparam_bad(err, kv, "criterion must be gini, entropy (or log_loss, the same) or squared_error");
	} else if (KEY("max_depth")) {
		if (!strcmp(val, "none"))
			h->max_depth = 0;
		else if (int_value(val, 1, 100000, &h->max_depth) < 0)
			return tparam_bad(err, kv, "max_depth must be an integer from 1 to 100000, or none");
	} else if (KEY("min_samples_split")) {
		if (int_value(val, 2, 1L << 40, &h->min_samples_split) < 0)
			return tparam_bad(err, kv, "min_samples_split must be an integer >= 2");
	} else if (KEY("min_samples_leaf")) {
		if (int_value(val, 1, 1L << 40, &h->min_samples_leaf) < 0)
			return tparam_bad(err, kv, "min_samples_leaf must be an integer >= 1");
	} else if (KEY("max_features")) {
		if (!strcmp(val, "all") || !strcmp(val, "none"))
			h->mf = MF_ALL;
		else if (!strcmp(val, "sqrt"))
			h->mf = MF_SQRT;
		else if (!strcmp(val, "log2"))
			h->mf = MF_LOG2;
		else if (parse_double(val, &v) < 0)
			return tparam_bad(err, kv, "max_features must be all, sqrt, log2, a fraction or a count");
		else if (strpbrk(val, ".eE")) {
			if (!(v > 0 && v <= 1))
				return tparam_bad(err, kv, "a fraction of the features must be in (0, 1]");
			h->mf = MF_FRACTION, h->mf_value = v;
		} else {
			if (v < 1 || v > 1e9 || v != floor(v))
				return tparam_bad(err, kv, "a count of features must be an integer >= 1");
			h->mf = MF_COUNT, h->mf_value = v;
		}
	} else if (h->forest && KEY("n_estimators")) {
		if (int_value(val, 1, 100000, &h->n_estimators) < 0)
			return tparam_bad(err, kv, "n_estimators must be an integer from 1 to 100000");
	} else if (h->forest && KEY("bootstrap")) {
		if (!strcmp(val, "true") || !strcmp(val, "1"))
			h->bootstrap = 1;
		else if (!strcmp(val, "false") || !strcmp(val, "0"))
			h->bootstrap = 0;
		else
			return tparam_bad(err, kv, "bootstrap must be true or false");
	} else {
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--param %.100s: model '%s' has no parameter '%.*s' (it takes: %s)",
			       kv, h->forest ? "forest" : "tree", (int)klen, kv,
			       h->forest ? "bootstrap, criterion, max_depth, max_features, min_samples_leaf, min_samples_split, n_estimators" :
			       "criterion, max_depth, max_features, min_samples_leaf, min_samples_split");
	}
#undef KEY
	return 0;
}

int tree_criterion_for(const struct tree_params *h, int classifier,
		       enum tree_criterion *crit, struct mlci_err *err)
{
	*crit = h->criterion;
	if (*crit == CRIT_DEFAULT)
		*crit = classifier ? CRIT_GINI : CRIT_MSE;
	if (classifier != (*crit != CRIT_MSE))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--param criterion=%s is for %s; the label makes this a %s task (see --task)",
			       *crit == CRIT_MSE ? "squared_error" :
			       *crit == CRIT_GINI ? "gini" : "entropy",
			       classifier ? "regression" : "classification",
			       classifier ? "classification" : "regression");
	return 0;
}

json_t *tree_params_json(const void *hp, int classifier)
{
	const struct tree_params *h = hp;
	json_t *p = json_object();
	enum tree_criterion c = h->criterion;

	if (!p)
		return NULL;
	if (c == CRIT_DEFAULT)
		c = classifier ? CRIT_GINI : CRIT_MSE;
	json_object_set_new(p, "criterion", json_string(c == CRIT_GINI ? "gini" :
				c == CRIT_ENTROPY ? "entropy" : "squared_error"));
	json_object_set_new(p, "max_depth", h->max_depth ?
			    json_integer(h->max_depth) : json_null());
	json_object_set_new(p, "min_samples_leaf", json_integer(h->min_samples_leaf));
	json_object_set_new(p, "min_samples_split", json_integer(h->min_samples_split));
	switch (h->mf == MF_DEFAULT ? (h->forest && classifier ? MF_SQRT : MF_ALL) : h->mf) {
	case MF_SQRT:
		json_object_set_new(p, "max_features", json_string("sqrt"));
		break;
	case MF_LOG2:
		json_object_set_new(p, "max_features", json_string("log2"));
		break;
	case MF_FRACTION:
		json_object_set_new(p, "max_features", json_real(h->mf_value));
		break;
	case MF_COUNT:
		json_object_set_new(p, "max_features", json_integer((json_int_t)h->mf_value));
		break;
	default:
		json_object_set_new(p, "max_features", json_string("all"));
	}
	if (h->forest) {
		json_object_set_new(p, "n_estimators", json_integer(h->n_estimators));
		json_object_set_new(p, "bootstrap", json_boolean(h->bootstrap));
	}
	return p;
}

int tree_binary(const double *Xc, const float *const *Xf, size_t n, size_t p,
		uint8_t **bin, unsigned char **isbin, double **lohi)
{
	struct tree_data d = { .Xc = Xc, .Xf = Xf, .n = n };

	size_t i, j;

	*bin = malloc(n * p + 1);
	*isbin = calloc(p + 1, 1);
	*lohi = calloc(2 * p + 1, sizeof(**lohi));
	if (!*bin || !*isbin || !*lohi) {
		free(*bin), free(*isbin), free(*lohi);
		*bin = NULL, *isbin = NULL, *lohi = NULL;
		return -1;
	}
	for (j = 0; j < p; j++) {
		double a = n ? tval(&d, j, 0) : 0, b = a;
		int two = 1;

		for (i = 0; i < n && two; i++) {
			double v = tval(&d, j, i);

			if (v != a) {
				if (b == a)
					b = v;
				else if (v != b)
					two = 0;
			}
		}
		if (!two || a == b)
			continue;	/* constant columns take the usual path */
		(*isbin)[j] = 1;
		(*lohi)[j] = a < b ? a : b;
		(*lohi)[p + j] = a < b ? b : a;
		for (i = 0; i < n; i++)
			(*bin)[j * n + i] = tval(&d, j, i) == (a > b ? a : b);
	}
	return 0;
}

double *tree_columns(const double *X, size_t n, size_t p)
{
	double *c = malloc((n * p + 1) * sizeof(*c));
	size_t i, j;

	if (!c)
		return NULL;
	for (i = 0; i < n; i++)
		for (j = 0; j < p; j++)
			c[j * n + i] = X[i * p + j];
	return c;
}

void tree_importance_columns(const struct model *m, const double *imp,
			     double *col)
{
	size_t i, k;
	double tot = 0;

	for (i = 0; i < m->prep.ncols; i++) {
		const struct prep_col *c = &m->prep.cols[i];
		size_t n = prep_width(c);

		col[i] = 0;
		for (k = 0; k < n; k++)
			col[i] += imp[c->offset + k];
		tot += col[i];
	}
	for (i = 0; i < m->prep.ncols; i++)
		col[i] = tot > 0 ? col[i] / tot : 0;
}

int tree_importance_read(const struct model *m, const json_t *mod,
			 double *col, const char *file, struct mlci_err *err)
{
	json_t *a;
	size_t i;

	if (json_get_array(mod, "feature_importances", &a, file, err) < 0)
		return -1;
	if (json_array_size(a) != m->prep.ncols)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.feature_importances must hold %zu numbers, one per feature",
			       m->prep.ncols);
	for (i = 0; i < m->prep.ncols; i++) {
		json_t *x = json_array_get(a, i);

		if (!json_is_number(x) || !isfinite(json_number_value(x)) ||
		    json_number_value(x) < 0)
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "model.feature_importances[%zu] is not a finite number >= 0", i);
		col[i] = json_number_value(x);
	}
	return 0;
}

double tree_score(int classifier, size_t width, const double *pred,
		  const size_t *yc, const double *yr, size_t n)
{
	size_t i, hits = 0;
	double mean = 0, rss = 0, tss = 0;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++) {
		if (classifier)
			hits += tree_argmax(pred + i * width, width) == yc[i];
		else
			mean += yr[i];
	}
	if (classifier)
		return (double)hits / (double)n;
	mean /= (double)n;
	for (i = 0; i < n; i++) {
		rss += (yr[i] - pred[i]) * (yr[i] - pred[i]);
		tss += (yr[i] - mean) * (yr[i] - mean);
	}
	return r2_of_sums(rss, tss);
}

/* tree_score of t's predictions for the rows of td (each gathered into
 * row, td->p values), walked one at a time: the same sums in the same
 * order, without an array of predictions. */
static double tree_score_walk(const struct tree *t, int classifier,
			      const struct tree_data *td, double *row)
{
	size_t i, j, hits = 0, n = td->n, width = t->width;
	double mean = 0, rss = 0, tss = 0;

	if (!n)
		return NAN;
	for (i = 0; !classifier && i < n; i++)
		mean += td->yr[i];
	mean /= (double)n;
	for (i = 0; i < n; i++) {
		const double *v;

		for (j = 0; j < td->p; j++)
			row[j] = tval(td, j, i);
		v = tree_leaf(t, row);
		if (classifier) {
			hits += tree_argmax(v, width) == td->yc[i];
		} else {
			rss += (td->yr[i] - v[0]) * (td->yr[i] - v[0]);
			tss += (td->yr[i] - mean) * (td->yr[i] - mean);
		}
	}
	if (classifier)
		return (double)hits / (double)n;
	return r2_of_sums(rss, tss);
}

/* --- the tree family --- */

struct tree_model {
	struct tree t;
	double *importance;	/* per input column */
};

static void tfam_free(void *body)
{
	struct tree_model *b = body;

	if (!b)
		return;
	tree_free(&b->t);
	free(b->importance);
	free(b);
}

static int tfam_fit(struct model *m, const void *hp, const struct fit_data *d,
		    struct fit_report *rep, json_t *training,
		    struct mlci_err *err)
{
	const struct tree_params *h = hp;
	struct tree_model *b = calloc(1, sizeof(*b));
	struct tree_data td;
	struct tree_work *w = NULL;
	enum tree_criterion crit;
	double *Xc = NULL, *imp = NULL;
	uint8_t *bin = NULL;
	unsigned char *isbin = NULL;
	double *lohi = NULL, *row = NULL;
	size_t mf;
	uint64_t seed = (uint64_t)d->seed;
	int rc = -1;

	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	if (tree_criterion_for(h, m->classifier, &crit, err) < 0)
		return -1;
	if (d->n > (size_t)INT32_MAX)
		return err_set(err, MLCI_EXIT_DATAERR, NULL, "too many rows for a tree");
	m->f32_inputs = d->Xcols != NULL;
	Xc = m->f32_inputs ? NULL : tree_columns(d->X, d->n, d->p);
	imp = calloc(d->p + 1, sizeof(*imp));
	b->importance = calloc(m->prep.ncols + 1, sizeof(*b->importance));
	row = malloc((d->p + 1) * sizeof(*row));
	if ((!m->f32_inputs && !Xc) || !imp || !b->importance || !row)
		goto oom;
	/* the columns stand for the rows from here on */
	if (d->release)
		d->release(d->release_ctx);
	if (tree_binary(Xc, (const float *const *)d->Xcols, d->n, d->p, &bin,
			&isbin, &lohi) < 0)
		goto oom;
	td = (struct tree_data){ Xc, bin, isbin, lohi, lohi + d->p, d->yc,
				 d->yr, d->n, d->p, m->classifier ? m->nclasses : 0,
				 NULL, (const float *const *)d->Xcols };
	/* one tree: presorted straight into its work, no order to copy;
	 * single floats keep their memory to the columns and sort each
	 * node's values */
	w = m->f32_inputs ? tree_work_new(&td) : tree_work_new_presorted(&td);
	if (!w)
		goto oom;
	mf = tree_max_features(h, m->classifier, d->p);
	tree_rng_next(&seed);
	if (tree_grow(&b->t, &td, h, crit, mf, NULL, seed, imp, w) < 0)
		goto oom;
	tree_importance_columns(m, imp, b->importance);
	tree_work_free(w);
	w = NULL;
	memset(rep, 0, sizeof(*rep));
	rep->score = tree_score_walk(&b->t, m->classifier, &td, row);
	rep->loss = NAN;
	rep->oob_score = NAN;
	rep->n_trees = 1;
	rep->n_nodes = b->t.n_nodes;
	rep->n_leaves = b->t.n_leaves;
	rep->depth = b->t.depth;
	json_object_set_new(training, "n_nodes", json_integer((json_int_t)b->t.n_nodes));
	json_object_set_new(training, "n_leaves", json_integer((json_int_t)b->t.n_leaves));
	json_object_set_new(training, "depth", json_integer((json_int_t)b->t.depth));
	json_object_set_new(training, "max_features", json_integer((json_int_t)mf));
	rc = 0;
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	tree_work_free(w);
	free(Xc), free(imp), free(row), free(bin), free(isbin),
		free(lohi);
	return rc;
}

static int tfam_predict(const struct model *m, const double *X, size_t n,
			double *out, struct mlci_err *err)
{
	const struct tree_model *b = m->body;
	size_t i, i0, p = m->prep.nout, w = b->t.width;
	uint32_t leaf[256];

	for (i0 = 0; i0 < n; i0 += 256) {
		size_t k = n - i0 < 256 ? n - i0 : 256;

		tree_leaves(&b->t, X + i0 * p, k, p, leaf);
		for (i = 0; i < k; i++)
			memcpy(out + (i0 + i) * w, b->t.value + (size_t)leaf[i] * w,
			       w * sizeof(*out));
	}
	return 0;
}

static int tfam_to_json(const struct model *m, json_t *mod)
{
	const struct tree_model *b = m->body;

	if (json_object_set_new(mod, "tree", tree_to_json(&b->t)) < 0 ||
	    json_object_set_new(mod, "feature_importances",
				tree_reals_json(b->importance, m->prep.ncols)) < 0 ||
	    (m->f32_inputs && json_object_set_new(mod, "input_dtype",
					   json_string("float32")) < 0))
		return -1;
	return 0;
}

int tree_input_dtype(const json_t *mod, int *f32, const char *file,
		     struct mlci_err *err)
{
	json_t *v = json_object_get(mod, "input_dtype");

	*f32 = 0;
	if (!v)
		return 0;
	if (json_is_string(v) && !strcmp(json_string_value(v), "float32"))
		*f32 = 1;
	else if (!json_is_string(v) || strcmp(json_string_value(v), "float64"))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.input_dtype must be \"float32\" or \"float64\"");
	return 0;
}

static int tfam_from_json(struct model *m, const json_t *mod, const char *file,
			  struct mlci_err *err)
{
	struct tree_model *b = calloc(1, sizeof(*b));
	size_t budget = TREE_MAX_NODES;
	json_t *t;

	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	b->importance = calloc(m->prep.ncols + 1, sizeof(*b->importance));
	if (!b->importance)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (tree_input_dtype(mod, &m->f32_inputs, file, err) < 0 ||
	    json_get_object(mod, "tree", &t, file, err) < 0 ||
	    tree_from_json(&b->t, t, m->prep.nout, m->classifier ? m->nclasses : 1,
			   m->classifier, &budget, file, "model.tree", err) < 0)
		return -1;
	return tree_importance_read(m, mod, b->importance, file, err);
}

const struct model_family tree_family = {
	"tree", TASK_EITHER, sizeof(struct tree_params), tree_params_init,
	tree_param, tree_params_json, tfam_fit, tfam_predict, tfam_to_json,
	tfam_from_json, tfam_free, 0, NULL, 2,
};

void forest_params_init(void *hp, int classifier)
{
	tree_params_init(hp, classifier);
	forest_params_flag(hp);
}
