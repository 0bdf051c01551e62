/* Unit tests of the trees and forests: growth (splits against a brute
 * force search, stopping rules, weights), prediction, model.json
 * validation, and train_run's determinism over threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "artifact.h"
#include "forest.h"
#include "model.h"
#include "tree.h"

/* Two trees node for node: features, thresholds, children and values. */
static void same_tree(const struct tree *a, const struct tree *b, size_t width)
{
	assert_int_equal(a->n_nodes, b->n_nodes);
	assert_memory_equal(a->nodes, b->nodes, a->n_nodes * sizeof(*a->nodes));
	assert_memory_equal(a->value, b->value, a->n_nodes * width * sizeof(*a->value));
}

/* Grow a tree on a and one on b alike (more than 15 nodes): they must
 * agree node for node. Returns the depth. */
static size_t grow_same(const struct tree_data *a, const struct tree_data *b,
			const struct tree_params *h, enum tree_criterion c,
			size_t mf, const double *wt, uint64_t seed, size_t width)
{
	struct tree ta, tb;
	struct tree_work *wa = tree_work_new(a), *wb = tree_work_new(b);
	size_t depth;

	assert_non_null(wa), assert_non_null(wb);
	assert_int_equal(tree_grow(&ta, a, h, c, mf, wt, seed, NULL, wa), 0);
	assert_int_equal(tree_grow(&tb, b, h, c, mf, wt, seed, NULL, wb), 0);
	assert_true(ta.n_nodes > 15);
	same_tree(&ta, &tb, width);
	depth = ta.depth;
	tree_free(&ta), tree_free(&tb);
	tree_work_free(wa), tree_work_free(wb);
	return depth;
}

static char tmp_dir[256];

static int setup_dir(void **state)
{
	const char *d = getenv("TMPDIR");

	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_tree.XXXXXX",
		 d && *d ? d : "/tmp");
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct tree_params params(void)
{
	struct tree_params h;

	tree_params_init(&h, 1);
	return h;
}

/* Grow a tree on column-major X (n by p). */
static void grow(struct tree *t, const double *Xc, const size_t *yc,
		 const double *yr, size_t n, size_t p, size_t K,
		 const struct tree_params *h, enum tree_criterion crit,
		 const double *weight, double *imp)
{
	struct tree_data d = { Xc, NULL, NULL, NULL, NULL, yc, yr, n, p, K, NULL, NULL };
	struct tree_work *w = tree_work_new(&d);

	assert_non_null(w);
	assert_int_equal(tree_grow(t, &d, h, crit, p, weight, 1, imp, w), 0);
	tree_work_free(w);
}

static void test_tree__stump(void **state)
{
	const double X[] = { 4, 1, 3, 2 };
	const size_t y[] = { 1, 0, 1, 0 };
	struct tree_params h = params();
	struct tree t;
	double imp[1] = { 0 }, x;

	h.max_depth = 1;
	grow(&t, X, y, NULL, 4, 1, 2, &h, CRIT_GINI, NULL, imp);
	assert_int_equal(t.n_nodes, 3);
	assert_int_equal(t.nodes[0].feature, 0);
	assert_true(t.nodes[0].threshold == 2.5);	/* the midpoint of 2 and 3 */
	assert_int_equal(t.nodes[0].left, 1);
	assert_int_equal(t.nodes[0].right, 2);
	assert_true(t.value[2] == 1 && t.value[3] == 0);	/* left: class 0 */
	assert_true(t.value[4] == 0 && t.value[5] == 1);
	assert_true(t.count[0] == 2 && t.count[1] == 2);	/* class weights */
	assert_true(t.count[2] == 2 && t.count[5] == 2);
	assert_true(fabs(imp[0] - 4 * 0.5) < 1e-12);	/* all of gini 0.5 */
	x = 2.5;
	assert_true(tree_leaf(&t, &x)[0] == 1);		/* <= goes left */
	x = 2.5000001;
	assert_true(tree_leaf(&t, &x)[1] == 1);
	assert_int_equal(t.n_leaves, 2);
	assert_int_equal(t.depth, 1);
	tree_free(&t);
}

/* sum_l c^2/w_l + sum_r c^2/w_r of splitting x at thr (-1: a side has
 * fewer than msl rows). */
static double gini_proxy(const double *x, const size_t *y, size_t n,
			 size_t K, size_t msl, double thr)
{
	double cl[8] = {0}, cr[8] = {0}, wl = 0, wr = 0, proxy = 0;
	size_t j, k;

	for (j = 0; j < n; j++) {
		if (x[j] <= thr)
			cl[y[j]]++, wl++;
		else
			cr[y[j]]++, wr++;
	}
	if (wl < (double)msl || wr < (double)msl)
		return -1;
	for (k = 0; k < K; k++)
		proxy += cl[k] * cl[k] / wl + cr[k] * cr[k] / wr;
	return proxy;
}

/* Brute force: the best gini proxy of one feature over the midpoints
 * between distinct values (-1: no valid split). */
static double brute_best(const double *x, const size_t *y, size_t n,
			 size_t K, size_t msl)
{
	double best = -1;
	size_t i, j;

	for (i = 0; i < n; i++) {
		double a = x[i], b = INFINITY, proxy;

		for (j = 0; j < n; j++)
			if (x[j] > a && x[j] < b)
				b = x[j];
		if (isinf(b))
			continue;
		proxy = gini_proxy(x, y, n, K, msl, a / 2 + b / 2);
		if (proxy > best)
			best = proxy;
	}
	return best;
}

/* The sort and scan find the brute-force split on random data with many
 * ties, for several sizes and leaf minimums. */
static void test_tree__split_matches_brute_force(void **state)
{
	uint64_t rng = 42;
	size_t n, rep;

	for (n = 5; n <= 300; n = n * 2 + 3)
		for (rep = 0; rep < 20; rep++) {
			double *x = malloc(n * sizeof(*x));
			size_t *y = malloc(n * sizeof(*y)), i, msl = 1 + rep % 3;
			struct tree_params h = params();
			struct tree t;
			double want, got;

			for (i = 0; i < n; i++) {
				/* few distinct values, so many equal ones; or
				 * sorted, reversed, organ-pipe, one odd value */
				switch (rep % 5) {
				case 1: x[i] = (double)i; break;
				case 2: x[i] = (double)(n - i); break;
				case 3: x[i] = (double)(i < n / 2 ? i : n - i); break;
				case 4: x[i] = i == n / 3 ? 1 : 0.5; break;
				default:
					x[i] = (double)tree_rng_below(&rng, 2 + rep * 3) - 7;
				}
				y[i] = tree_rng_below(&rng, 3);
			}
			h.max_depth = 1;
			h.min_samples_leaf = (long)msl;
			grow(&t, x, y, NULL, n, 1, 3, &h, CRIT_GINI, NULL, NULL);
			want = brute_best(x, y, n, 3, msl);
			if (t.n_nodes == 3) {
				/* as good as the best (ties may pick another) */
				got = gini_proxy(x, y, n, 3, msl, t.nodes[0].threshold);
				assert_true(fabs(got - want) <= 1e-9 * want);
			} else {
				/* a leaf: pure, or no valid split */
				int pure = 1;

				for (i = 1; i < n; i++)
					pure &= y[i] == y[0];
				assert_true(pure || want < 0);
			}
			tree_free(&t);
			free(x), free(y);
		}
}

/* Stopping rules: max_depth, min_samples_leaf, min_samples_split; pure
 * nodes are leaves; leaves of an unlimited tree on distinct rows are pure. */
static void test_tree__stopping_rules(void **state)
{
	enum { N = 400, P = 3 };
	double *X = malloc(N * P * sizeof(*X));
	size_t y[N], i, j;
	uint64_t rng = 7;
	struct tree_params h = params();
	struct tree t;

	for (i = 0; i < N; i++) {
		for (j = 0; j < P; j++)
			X[j * N + i] = (double)tree_rng_below(&rng, 1000000);
		y[i] = (X[i] > 500000) ^ (X[N + i] > 300000) ^ (tree_rng_below(&rng, 10) == 0);
	}
	/* unlimited: every training row lands in a pure leaf */
	grow(&t, X, y, NULL, N, P, 2, &h, CRIT_GINI, NULL, NULL);
	for (i = 0; i < N; i++) {
		double x[P];

		for (j = 0; j < P; j++)
			x[j] = X[j * N + i];
		assert_true(tree_leaf(&t, x)[y[i]] == 1);
	}
	tree_free(&t);
	h.max_depth = 3;
	grow(&t, X, y, NULL, N, P, 2, &h, CRIT_ENTROPY, NULL, NULL);
	assert_true(t.depth <= 3);
	assert_true(t.n_nodes <= 15);
	tree_free(&t);

	/* min_samples_leaf: count the training rows in every leaf */
	h.max_depth = 0;
	h.min_samples_leaf = 17;
	grow(&t, X, y, NULL, N, P, 2, &h, CRIT_GINI, NULL, NULL);
	{
		size_t *cnt = calloc(t.n_nodes, sizeof(*cnt));

		for (i = 0; i < N; i++) {
			double x[P];

			for (j = 0; j < P; j++)
				x[j] = X[j * N + i];
			cnt[(size_t)(tree_leaf(&t, x) - t.value) / 2]++;
		}
		for (i = 0; i < t.n_nodes; i++)
			if (t.nodes[i].leaf)
				assert_true(cnt[i] >= 17);
		free(cnt);
	}
	tree_free(&t);
	h.min_samples_leaf = 1;
	h.min_samples_split = N + 1;	/* the root may not split */
	grow(&t, X, y, NULL, N, P, 2, &h, CRIT_GINI, NULL, NULL);
	assert_int_equal(t.n_nodes, 1);
	tree_free(&t);
	free(X);
}

/* Regression: leaves hold weighted means; weights count as repeated rows;
 * zero weight leaves a row out. */
static void test_tree__regression_weights(void **state)
{
	const double X[] = { 1, 2, 3, 4, 5, 6 };
	const double y[] = { 1, 1, 2, 10, 11, 30 };
	const double w[] = { 1, 2, 1, 0, 3, 1 };
	struct tree_params h = params();
	struct tree t;
	double x = 0;

	h.max_depth = 0;
	h.min_samples_leaf = 2;
	grow(&t, X, NULL, y, 6, 1, 0, &h, CRIT_MSE, w, NULL);
	/* rows 1..3, 5, 6 (row 4 has weight 0): the best split with two
	 * rows a side puts {1,2,3} left: mean (1 + 2 + 2) / 4 */
	assert_true(t.nodes[0].feature == 0);
	x = 1;
	assert_true(fabs(tree_leaf(&t, &x)[0] - 5.0 / 4) < 1e-12);
	x = 6;
	assert_true(fabs(tree_leaf(&t, &x)[0] - (33.0 + 30) / 4) < 1e-12);
	assert_true(t.nodes[0].threshold == 4);	/* between 3 and 5 */
	tree_free(&t);
}

/* Two-valued columns split from their byte codes give the very trees
 * the sorting path gives: classes (2 and 3) and values, with weights. */
static void test_tree__binary_columns_same_trees(void **state)
{
	enum { N = 500, P = 5 };
	double *X = malloc(N * P * sizeof(*X)), yr[N], wt[N], *lohi;
	size_t y2[N], y3[N], i, j, K;
	uint64_t rng = 99;
	uint8_t *bin;
	unsigned char *isbin;

	for (i = 0; i < N; i++) {
		for (j = 0; j < P; j++)
			X[j * N + i] = j == 4 ? (double)tree_rng_below(&rng, 50) - 20.5 :
				j == 3 ? 3.25 * (double)tree_rng_below(&rng, 2) - 1 :
				(double)(tree_rng_below(&rng, 4) == 0);
		y2[i] = (X[i] > 0) ^ (tree_rng_below(&rng, 5) == 0);
		y3[i] = tree_rng_below(&rng, 3);
		yr[i] = X[N + i] * 3 + X[4 * N + i] + (double)tree_rng_below(&rng, 7);
		wt[i] = (double)tree_rng_below(&rng, 3);
	}
	assert_int_equal(tree_binary(X, NULL, N, P, &bin, &isbin, &lohi), 0);
	assert_true(isbin[0] && isbin[1] && isbin[2] && isbin[3] && !isbin[4]);
	assert_true(lohi[3] == -1 && lohi[P + 3] == 2.25);
	for (K = 0; K <= 3; K++) {
		const size_t *yc = K == 2 ? y2 : y3;
		struct tree_data a = { X, NULL, NULL, NULL, NULL, yc, yr, N, P, K, NULL, NULL };
		struct tree_data b = { X, bin, isbin, lohi, lohi + P, yc, yr, N, P, K, NULL, NULL };
		struct tree_params h = params();
		struct tree ta, tb;
		struct tree_work *wa, *wb;
		size_t width = K ? K : 1;

		if (K == 1)
			continue;
		h.min_samples_leaf = 3;
		wa = tree_work_new(&a), wb = tree_work_new(&b);
		assert_int_equal(tree_grow(&ta, &a, &h, K ? CRIT_GINI : CRIT_MSE, 3,
					   wt, 5, NULL, wa), 0);
		assert_int_equal(tree_grow(&tb, &b, &h, K ? CRIT_GINI : CRIT_MSE, 3,
					   wt, 5, NULL, wb), 0);
		assert_true(ta.n_nodes > 7);
		same_tree(&ta, &tb, width);
		tree_free(&ta), tree_free(&tb);
		tree_work_free(wa), tree_work_free(wb);
	}
	free(bin), free(isbin), free(lohi), free(X);
}

/* Rows presorted once (tree_presort) grow the trees sorting every node
 * does: ties, signed zeros, zero weights, binary columns, feature draws,
 * unit weights and a depth limit (the scans' shortcuts). */
static void test_tree__presorted_same_trees(void **state)
{
	enum { N = 700, P = 6 };
	double *X = malloc(N * P * sizeof(*X)), yr[N], wt[N], *lohi;
	size_t y2[N], y3[N], i, j, K, pass;
	uint64_t rng = 7;
	uint8_t *bin;
	unsigned char *isbin;
	uint32_t *order;

	for (i = 0; i < N; i++) {
		for (j = 0; j < P; j++) {
			double u = (double)tree_rng_below(&rng, 1000);

			X[j * N + i] = j == 0 ? u / 7 - 70 :		/* few ties */
				j == 1 ? (double)tree_rng_below(&rng, 6) - 2.5 :
				j == 2 ? (tree_rng_below(&rng, 2) ? 0.0 : -0.0) +
					(double)tree_rng_below(&rng, 3) :
				j == 3 ? (double)(tree_rng_below(&rng, 3) == 0) :
				j == 4 ? 5.0 : u * 1e-3;
		}
		y2[i] = (X[i] > 0) ^ (tree_rng_below(&rng, 6) == 0);
		y3[i] = (size_t)(X[N + i] > 0) + (tree_rng_below(&rng, 4) == 0);
		/* whole values and weights: every sum exact in any order */
		yr[i] = X[N + i] * 2 + (double)tree_rng_below(&rng, 9);
		wt[i] = (double)tree_rng_below(&rng, 3);
	}
	assert_int_equal(tree_binary(X, NULL, N, P, &bin, &isbin, &lohi), 0);
	assert_true(isbin[3] && !isbin[0] && !isbin[4]);
	for (pass = 0; pass < 2; pass++) {
		order = tree_presort(X, N, P, pass ? isbin : NULL);
		assert_non_null(order);
		for (K = 0; K <= 3; K++) {
			const size_t *yc = K == 2 ? y2 : y3;
			struct tree_data a = { X, NULL, NULL, NULL, NULL, yc, yr, N, P, K, NULL, NULL };
			struct tree_data b = { X, NULL, NULL, NULL, NULL, yc, yr, N, P, K, order, NULL };
			struct tree_params h = params();
			size_t width = K ? K : 1, mf, depth;

			if (K == 1)
				continue;
			if (pass)
				a.bin = b.bin = bin, a.isbin = b.isbin = isbin,
				a.binlo = b.binlo = lohi, a.binhi = b.binhi = lohi + P;
			h.min_samples_leaf = 2;
			for (mf = 2; mf <= P; mf += P - 2) {
				enum tree_criterion c = K ? (mf == P ? CRIT_ENTROPY : CRIT_GINI) : CRIT_MSE;

				/* a depth limit: children at the limit are leaves,
				 * and their sorted rows are not kept up */
				h.max_depth = mf == P ? 5 : 0;
				depth = grow_same(&a, &b, &h, c, mf, pass ? wt : NULL, 11, width);
				assert_true(!h.max_depth || depth == (size_t)h.max_depth);
			}
		}
		free(order);
	}
	free(bin), free(isbin), free(lohi), free(X);
}

/* Single-float columns (each node radix-sorts its values' bits) grow the
 * tree doubles of the same values grow, node for node, presorted or
 * not: ties, -0 and 0, negatives, two-valued and constant columns,
 * weights, every criterion, a depth limit, and nodes large enough for
 * every digit width the sort picks. */
static void test_tree__floats_same_trees(void **state)
{
	enum { P = 6 };
	static const size_t sizes[] = { 700, 9000 };
	static const float zeros[] = { -0.0f, 0.0f, 1.0f, -2.0f };
	size_t si;

	for (si = 0; si < 2; si++) {
		size_t N = sizes[si], i, j, K, pass;
		double *X = malloc(N * P * sizeof(*X)), *yr = malloc(N * sizeof(*yr));
		double *wt = malloc(N * sizeof(*wt));
		float *F = malloc(N * P * sizeof(*F));
		const float *cols[P];
		size_t *y2 = malloc(N * sizeof(*y2)), *y3 = malloc(N * sizeof(*y3));
		uint64_t rng = 5 + si;
		uint32_t *order;

		for (i = 0; i < N; i++) {
			for (j = 0; j < P; j++) {
				double u = (double)tree_rng_below(&rng, 100000);
				float v = j == 0 ? (float)(u / 7 - 7000) :
					j == 1 ? (float)tree_rng_below(&rng, 6) - 2.5f :
					j == 2 ? zeros[tree_rng_below(&rng, 4)] :
					j == 3 ? (float)(tree_rng_below(&rng, 3) == 0) :
					j == 4 ? 5.0f : (float)(u * 1e-7);

				F[j * N + i] = v;
				X[j * N + i] = v;
			}
			y2[i] = (X[i] > 0) ^ (tree_rng_below(&rng, 6) == 0);
			y3[i] = (size_t)(X[N + i] > 0) + (tree_rng_below(&rng, 4) == 0);
			yr[i] = X[N + i] * 2 + (double)tree_rng_below(&rng, 9);
			wt[i] = (double)tree_rng_below(&rng, 3);
		}
		for (j = 0; j < P; j++)
			cols[j] = F + j * N;
		order = tree_presort(X, N, P, NULL);
		assert_non_null(order);
		for (pass = 0; pass < 2; pass++)
			for (K = 0; K <= 3; K++) {
				const size_t *yc = K == 2 ? y2 : y3;
				struct tree_data a = { X, NULL, NULL, NULL, NULL, yc, yr, N, P, K,
						       pass ? order : NULL, NULL };
				struct tree_data b = { NULL, NULL, NULL, NULL, NULL, yc, yr, N, P, K,
						       NULL, cols };
				struct tree_params h = params();
				size_t width = K ? K : 1, mf;

				if (K == 1)
					continue;
				h.min_samples_leaf = 1 + (int)pass;
				for (mf = 2; mf <= P; mf += P - 2) {
					enum tree_criterion c = K ? (mf == P ? CRIT_ENTROPY : CRIT_GINI) : CRIT_MSE;

					h.max_depth = mf == P ? 6 : 0;
					grow_same(&a, &b, &h, c, mf, pass ? wt : NULL, 13, width);
				}
			}
		free(order), free(X), free(F), free(yr), free(wt), free(y2), free(y3);
	}
}

/* tree_leaves walks rows to the leaves tree_leaf finds: any row count
 * (not only whole groups of rows), unbalanced trees, a lone leaf. */
static void test_tree__leaves_batch(void **state)
{
	enum { N = 203, P = 3 };
	double *Xc = malloc(N * P * sizeof(*Xc)), *Xr = malloc(N * P * sizeof(*Xr));
	size_t y[N], i, j, n, depth;
	uint32_t leaf[N];
	uint64_t rng = 3;

	for (i = 0; i < N; i++) {
		for (j = 0; j < P; j++)
			Xc[j * N + i] = Xr[i * P + j] = (double)tree_rng_below(&rng, 50);
		/* one corner of the space is deep, the rest shallow */
		y[i] = Xc[i] < 5 ? tree_rng_below(&rng, 2) : Xc[N + i] > 25;
	}
	for (depth = 0; depth <= 100; depth += depth < 12 ? 6 : 88) {
		struct tree_params h = params();
		struct tree t;

		h.max_depth = (long)depth;
		if (!depth)
			h.min_samples_split = 2 * N;	/* a single leaf */
		grow(&t, Xc, y, NULL, N, P, 2, &h, CRIT_GINI, NULL, NULL);
		assert_true(depth ? t.n_nodes > 3 : t.n_nodes == 1);
		assert_true(t.depth <= depth);
		for (n = 0; n <= N; n += N / 2 + 1) {
			tree_leaves(&t, Xr, n, P, leaf);
			for (i = 0; i < n; i++)
				assert_ptr_equal(t.value + leaf[i] * t.width,
						 tree_leaf(&t, Xr + i * P));
		}
		tree_leaves(&t, Xr, N, P, leaf);
		for (i = 0; i < N; i++)
			assert_ptr_equal(t.value + leaf[i] * t.width, tree_leaf(&t, Xr + i * P));
		tree_free(&t);
	}
	/* a chain 70 splits deep (read from model.json): past the depth
	 * the rows are walked one by one, to the same leaves */
	{
		enum { D = 70, M = 2 * D + 1 };
		json_t *f = json_array(), *th = json_array(), *l = json_array();
		json_t *r = json_array(), *v = json_array(), *doc;
		struct mlci_err err = {0};
		size_t budget = TREE_MAX_NODES;
		struct tree t;

		for (i = 0; i < M; i++) {
			int inner = i % 2 == 0 && i < 2 * D;

			json_array_append_new(f, json_integer(inner ? 0 : -1));
			json_array_append_new(th, json_real(inner ? (double)i / 4 + 0.1 : 0));
			json_array_append_new(l, json_integer(inner ? (json_int_t)i + 1 : -1));
			json_array_append_new(r, json_integer(inner ? (json_int_t)i + 2 : -1));
			json_array_append_new(v, json_pack("[f,f]", (double)(i % 3), 1.0));
		}
		doc = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o}", "n_nodes", M,
			      "feature", f, "threshold", th, "left", l, "right", r,
			      "value", v);
		assert_int_equal(tree_from_json(&t, doc, P, 2, 1, &budget, "m.json",
						"model.tree", &err), 0);
		assert_int_equal(t.depth, D);
		tree_leaves(&t, Xr, N, P, leaf);
		for (i = 0; i < N; i++)
			assert_ptr_equal(t.value + leaf[i] * t.width, tree_leaf(&t, Xr + i * P));
		tree_free(&t);
		json_decref(doc);
	}
	free(Xc), free(Xr);
}

/* A work presorted by tree_work_new_presorted grows the tree that
 * tree_presort's order gives: weighted or not, binary columns or not. */
static void test_tree__work_presorted_same_trees(void **state)
{
	enum { N = 500, P = 5 };
	double *X = malloc(N * P * sizeof(*X)), yr[N], wt[N], *lohi;
	size_t y2[N], i, j, K, pass;
	uint64_t rng = 3;
	uint8_t *bin;
	unsigned char *isbin;

	for (i = 0; i < N; i++) {
		for (j = 0; j < P; j++)
			X[j * N + i] = j == 1 ? (double)tree_rng_below(&rng, 5) - 2 :
				j == 2 ? (double)(tree_rng_below(&rng, 2)) :
				j == 3 ? (tree_rng_below(&rng, 2) ? 0.0 : -0.0) :
				(double)tree_rng_below(&rng, 1000) / 9 - 50;
		y2[i] = (X[i] > 0) ^ (tree_rng_below(&rng, 5) == 0);
		yr[i] = X[N + i] * 3 + (double)tree_rng_below(&rng, 7);
		wt[i] = (double)tree_rng_below(&rng, 3);
	}
	assert_int_equal(tree_binary(X, NULL, N, P, &bin, &isbin, &lohi), 0);
	for (pass = 0; pass < 2; pass++) {
		uint32_t *order = tree_presort(X, N, P, pass ? isbin : NULL);

		assert_non_null(order);
		for (K = 0; K <= 2; K += 2) {
			struct tree_data a = { X, NULL, NULL, NULL, NULL, y2, yr, N, P, K, order, NULL };
			struct tree_data b = { X, NULL, NULL, NULL, NULL, y2, yr, N, P, K, NULL, NULL };
			struct tree_params h = params();
			struct tree ta, tb;
			struct tree_work *wa, *wb;
			size_t width = K ? K : 1;

			if (pass)
				a.bin = b.bin = bin, a.isbin = b.isbin = isbin,
				a.binlo = b.binlo = lohi, a.binhi = b.binhi = lohi + P;
			wa = tree_work_new(&a), wb = tree_work_new_presorted(&b);
			assert_non_null(wa), assert_non_null(wb);
			assert_int_equal(tree_grow(&ta, &a, &h, K ? CRIT_GINI : CRIT_MSE, P,
						   pass ? wt : NULL, 5, NULL, wa), 0);
			assert_int_equal(tree_grow(&tb, &b, &h, K ? CRIT_GINI : CRIT_MSE, P,
						   pass ? wt : NULL, 5, NULL, wb), 0);
			assert_true(ta.n_nodes > 15);
			same_tree(&ta, &tb, width);
			tree_free(&ta), tree_free(&tb);
			tree_work_free(wa), tree_work_free(wb);
		}
		free(order);
	}
	free(bin), free(isbin), free(lohi), free(X);
}

static void test_tree__max_features(void **state)
{
	struct tree_params h = params();

	assert_int_equal(tree_max_features(&h, 1, 100), 100);
	h.forest = 1;
	assert_int_equal(tree_max_features(&h, 1, 100), 10);
	assert_int_equal(tree_max_features(&h, 0, 100), 100);
	h.mf = MF_LOG2;
	assert_int_equal(tree_max_features(&h, 1, 100), 6);
	assert_int_equal(tree_max_features(&h, 1, 1), 1);
	h.mf = MF_FRACTION, h.mf_value = 0.25;
	assert_int_equal(tree_max_features(&h, 1, 10), 2);
	h.mf_value = 0.01;
	assert_int_equal(tree_max_features(&h, 1, 10), 1);
	h.mf = MF_COUNT, h.mf_value = 50;
	assert_int_equal(tree_max_features(&h, 1, 10), 10);
}

/* A good tree's JSON for the validation tests: a stump on 2 features. */
static json_t *good_tree(void)
{
	return json_pack("{s:i, s:[i,i,i], s:[f,f,f], s:[i,i,i], s:[i,i,i], s:[[f,f],[f,f],[f,f]]}",
			 "n_nodes", 3, "feature", 1, -1, -1,
			 "threshold", 0.5, 0.0, 0.0, "left", 1, -1, -1,
			 "right", 2, -1, -1, "value", 0.5, 0.5, 1.0, 0.0, 0.0, 1.0);
}

static void expect_tree_reject(json_t *j, const char *part)
{
	struct tree t;
	struct mlci_err err = {0};
	size_t budget = TREE_MAX_NODES;

	assert_int_equal(tree_from_json(&t, j, 2, 2, 1, &budget, "m.json",
					"model.tree", &err), -1);
	assert_int_equal(err.code, 65);
	assert_string_equal(err.file, "m.json");
	if (!strstr(err.msg, part))
		fail_msg("message '%s' lacks '%s'", err.msg, part);
	json_decref(j);
}

static void test_tree__json_validation(void **state)
{
	struct tree t, t2;
	struct mlci_err err = {0};
	size_t budget = TREE_MAX_NODES;
	json_t *j = good_tree(), *back;
	double x[2] = { 0, 0.7 };

	assert_int_equal(tree_from_json(&t, j, 2, 2, 1, &budget, "m.json",
					"model.tree", &err), 0);
	assert_int_equal(budget, TREE_MAX_NODES - 3);
	assert_true(tree_leaf(&t, x)[1] == 1);
	x[1] = 0.2;	/* the root's weights 0.5, 0.5 are not a leaf's */
	assert_true(tree_leaf(&t, x)[0] == 1);
	back = tree_to_json(&t);
	assert_true(json_equal(back, j));
	budget = 3;
	assert_int_equal(tree_from_json(&t2, back, 2, 2, 1, &budget, "m.json",
					"model.tree", &err), 0);
	assert_int_equal(budget, 0);
	tree_free(&t2);
	/* the budget is spent: one more tree is refused */
	assert_int_equal(tree_from_json(&t2, back, 2, 2, 1, &budget, "m.json",
					"model.tree", &err), -1);
	assert_int_equal(err.code, 65);
	json_decref(back);
	json_decref(j);
	tree_free(&t);

	/* a claim of 10^12 nodes: refused by the arrays' own lengths */
	j = good_tree();
	json_object_set_new(j, "n_nodes", json_integer(1000000000000LL));
	expect_tree_reject(j, "n_nodes");
	j = good_tree();
	json_array_set_new(json_object_get(j, "left"), 0, json_integer(7));
	expect_tree_reject(j, "children");
	j = good_tree();
	json_array_set_new(json_object_get(j, "left"), 0, json_integer(0));
	expect_tree_reject(j, "children");	/* a cycle to itself */
	j = good_tree();
	json_array_set_new(json_object_get(j, "right"), 0, json_integer(1));
	expect_tree_reject(j, "children");	/* both children the same */
	j = good_tree();
	json_array_set_new(json_object_get(j, "feature"), 0, json_integer(2));
	expect_tree_reject(j, "feature");	/* only 2 encoded features */
	j = good_tree();
	json_array_set_new(json_object_get(j, "feature"), 1, json_integer(0));
	expect_tree_reject(j, "children");	/* node 1 now needs children */
	j = good_tree();
	json_array_set_new(json_object_get(j, "threshold"), 0, json_string("x"));
	expect_tree_reject(j, "threshold");
	j = good_tree();
	json_array_set_new(json_object_get(j, "value"), 1, json_pack("[f,f]", 0.0, 0.0));
	expect_tree_reject(j, "sum > 0");
	j = good_tree();
	json_array_set_new(json_object_get(j, "value"), 1, json_pack("[f,f]", 1e308, 1e308));
	expect_tree_reject(j, "finite sum");
	j = good_tree();
	json_array_set_new(json_object_get(j, "value"), 1, json_pack("[f,f]", 1.5, -0.5));
	expect_tree_reject(j, ">= 0");
	j = good_tree();
	json_array_set_new(json_object_get(j, "value"), 1, json_pack("[f]", 1.0));
	expect_tree_reject(j, "2 numbers");
	j = good_tree();
	json_array_append_new(json_object_get(j, "threshold"), json_real(0));
	expect_tree_reject(j, "threshold must be an array of n_nodes");
	j = good_tree();
	json_object_del(j, "value");
	expect_tree_reject(j, "value");
	/* a 4th node nobody points to */
	j = good_tree();
	json_object_set_new(j, "n_nodes", json_integer(4));
	json_array_append_new(json_object_get(j, "feature"), json_integer(-1));
	json_array_append_new(json_object_get(j, "threshold"), json_real(0));
	json_array_append_new(json_object_get(j, "left"), json_integer(-1));
	json_array_append_new(json_object_get(j, "right"), json_integer(-1));
	json_array_append_new(json_object_get(j, "value"), json_pack("[f,f]", 1.0, 0.0));
	expect_tree_reject(j, "reachable");
}

static const char csv[] =
	"a,b,colour,y\n"
	"1,5,red,no\n2,3,blue,no\n3,,red,yes\n4,1,green,yes\n5,2,blue,no\n"
	"6,8,red,yes\n7,7,green,no\n8,6,blue,yes\n9,4,red,yes\n10,9,green,no\n"
	"11,2,red,no\n12,3,blue,yes\n13,5,green,yes\n14,1,red,no\n";

static const char *train(const char *model, const char *out, int threads,
			 const char *const *ps, size_t nps, struct train_result *r)
{
	static char path[512], data[512];
	struct train_opts o = {0};
	struct mlci_err err = {0};
	FILE *fp;

	snprintf(data, sizeof(data), "%s/train.csv", tmp_dir);
	fp = fopen(data, "w");
	assert_non_null(fp);
	fputs(csv, fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/%s", tmp_dir, out);
	o.data = data, o.label = "y", o.model = model, o.out = path;
	o.threads = threads, o.seed = 5, o.params = ps, o.nparams = nps;
	csv_opts_init(&o.csv);
	if (train_run(&o, r, &err) < 0)
		fail_msg("train_run: %s", err.msg);
	return path;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	s = malloc((size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = 0;
	fclose(fp);
	return s;
}

/* Forests: the same bytes with 1, 2 and 4 threads; loading and predicting
 * gives probabilities that sum to 1 and match the training accuracy. */
static void test_tree__forest_threads_and_predict(void **state)
{
	const char *ps[] = { "n_estimators=13", "max_features=2" };
	struct train_result r;
	char *a, *b, *c;
	struct model *m = NULL;
	struct mlci_err err = {0};
	struct frame f = {0};
	struct csv_opts o;
	double *prob;
	size_t i, hits = 0;

	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	a = slurp(train("forest", "f1.json", 1, ps, 2, &r));
	b = slurp(train("forest", "f2.json", 2, ps, 2, &r));
	c = slurp(train("forest", "f4.json", 4, ps, 2, &r));
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	free(a), free(b), free(c);
	assert_int_equal(r.fit.n_trees, 13);
	assert_false(isnan(r.fit.oob_score));

	assert_int_equal(model_load(&m, train("forest", "f1.json", 1, ps, 2, &r),
				    NULL, &err), 0);
	assert_string_equal(model_type(m), "forest");
	csv_opts_init(&o);
	{
		char data[512];

		snprintf(data, sizeof(data), "%s/train.csv", tmp_dir);
		assert_int_equal(frame_load(&f, data, &o, &err), 0);
	}
	prob = malloc(f.nrows * 2 * sizeof(*prob));
	assert_int_equal(model_predict(m, &f, prob, &err), 0);
	for (i = 0; i < f.nrows; i++) {
		int yes = !strcmp(frame_cell(&f, i, 3), "yes");

		assert_true(fabs(prob[2 * i] + prob[2 * i + 1] - 1) < 1e-12);
		hits += (prob[2 * i + 1] > prob[2 * i]) == yes;
	}
	assert_true(fabs((double)hits / (double)f.nrows - r.fit.score) < 1e-12);
	free(prob);
	frame_free(&f);
	model_free(m);
	unsetenv("SOURCE_DATE_EPOCH");
}

/* A tree model through model.json: the task from the label, importances
 * per input column summing to 1, usage errors. */
static void test_tree__train_tree(void **state)
{
	const char *crit[] = { "criterion=squared_error" };
	const char *bad[] = { "max_features=cube" };
	struct train_result r;
	struct model *m = NULL;
	struct mlci_err err = {0};
	struct train_opts o = {0};
	json_t *j;
	size_t i;
	double sum = 0;

	train("tree", "t.json", 0, NULL, 0, &r);
	assert_string_equal(r.task, "classification");
	assert_true(r.fit.score == 1.0);	/* no duplicate rows */
	j = json_load_file(train("tree", "t.json", 0, NULL, 0, &r), 0, NULL);
	assert_non_null(j);
	{
		json_t *imp = json_object_get(json_object_get(j, "model"),
					      "feature_importances");

		assert_int_equal(json_array_size(imp), 3);
		for (i = 0; i < 3; i++)
			sum += json_number_value(json_array_get(imp, i));
		assert_true(fabs(sum - 1) < 1e-12);
	}
	assert_int_equal(model_from_json(&m, j, "t.json", &err), 0);
	assert_string_equal(model_type(m), "tree");
	model_free(m);
	json_decref(j);

	o.data = "unused.csv", o.label = "y", o.model = "tree";
	o.out = "unused.json", o.params = bad, o.nparams = 1;
	assert_int_equal(train_run(&o, &r, &err), -1);
	assert_int_equal(err.code, 64);
	o.params = crit;
	{
		char data[512];

		snprintf(data, sizeof(data), "%s/train.csv", tmp_dir);
		o.data = data;
		csv_opts_init(&o.csv);
		assert_int_equal(train_run(&o, &r, &err), -1);
		assert_int_equal(err.code, 64);
		assert_non_null(strstr(err.msg, "criterion=squared_error"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree__stump),
		cmocka_unit_test(test_tree__split_matches_brute_force),
		cmocka_unit_test(test_tree__stopping_rules),
		cmocka_unit_test(test_tree__regression_weights),
		cmocka_unit_test(test_tree__binary_columns_same_trees),
		cmocka_unit_test(test_tree__presorted_same_trees),
		cmocka_unit_test(test_tree__floats_same_trees),
		cmocka_unit_test(test_tree__leaves_batch),
		cmocka_unit_test(test_tree__max_features),
		cmocka_unit_test(test_tree__json_validation),
		cmocka_unit_test(test_tree__forest_threads_and_predict),
		cmocka_unit_test(test_tree__train_tree),
		cmocka_unit_test(test_tree__work_presorted_same_trees),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
