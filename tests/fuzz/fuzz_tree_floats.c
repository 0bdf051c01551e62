/*
 * fuzz_tree_floats - a tree grown on single-float columns (each node
 * radix-sorting its values' bits) against the trees doubles of the same
 * values grow, with each node sorting and presorted: the bytes give the
 * shape (rows, features, classes or values, min_samples_leaf, candidate
 * features, depth limit, weights, two-valued columns as bytes) and then
 * the values, as raw float bits or from a table of ties, zeros of both
 * signs and extremes. The three trees must agree node for node: the same
 * features, thresholds, children and leaf values.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct bytes {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct bytes *b)
{
	unsigned v = b->n ? *b->p : 0;

	if (b->n)
		b->p++, b->n--;
	return v;
}

static float value(struct bytes *b)
{
	static const float table[] = { 0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 2.0f,
				       1e-30f, -1e-30f, 3.4e38f, -3.4e38f,
				       1.0000001f, 0.99999994f, 1e-45f, 7.0f };
	unsigned k = take(b);
	uint32_t u;
	float v;

	if (k < 200)
		return table[k % (sizeof(table) / sizeof(table[0]))];
	u = take(b) | take(b) << 8 | take(b) << 16 | (uint32_t)take(b) << 24;
	memcpy(&v, &u, sizeof(v));
	return isfinite(v) ? v : (float)(k - 200);
}

static void same(const struct tree *a, const struct tree *b, size_t width)
{
	assert(a->n_nodes == b->n_nodes);
	assert(!memcmp(a->nodes, b->nodes, a->n_nodes * sizeof(*a->nodes)));
	assert(!memcmp(a->value, b->value, a->n_nodes * width * sizeof(*a->value)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes b = { data, size };
	size_t n = 2 + take(&b) % 120, p = 1 + take(&b) % 4, i, j;
	unsigned shape = take(&b);
	size_t K = (size_t[]){ 0, 2, 3 }[shape % 3];
	int weighted = shape >> 2 & 1, binary = shape >> 3 & 1;
	struct tree_params h;
	size_t mf, width = K ? K : 1;
	double *X = malloc(n * p * sizeof(*X)), *yr = malloc(n * sizeof(*yr));
	double *wt = malloc(n * sizeof(*wt)), *lohi[2] = { NULL, NULL };
	float *F = malloc(n * p * sizeof(*F));
	size_t *yc = malloc(n * sizeof(*yc));
	const float *cols[4];
	uint8_t *bin[2] = { NULL, NULL };
	unsigned char *isbin[2] = { NULL, NULL };
	uint32_t *order;
	struct tree t[3];
	struct tree_work *w[3];
	enum tree_criterion crit;

	assert(X && yr && wt && F && yc);
	tree_params_init(&h, K > 0);
	h.min_samples_leaf = 1 + take(&b) % 3;
	h.max_depth = take(&b) % 6;	/* 0: unlimited */
	mf = 1 + take(&b) % p;
	crit = !K ? CRIT_MSE : take(&b) & 1 ? CRIT_ENTROPY : CRIT_GINI;
	for (j = 0; j < p; j++)
		for (i = 0; i < n; i++) {
			F[j * n + i] = value(&b);
			X[j * n + i] = F[j * n + i];
		}
	for (i = 0; i < n; i++) {
		unsigned y = take(&b);

		yc[i] = K ? y % K : 0;
		/* whole numbers: every sum exact in any order */
		yr[i] = (double)(y % 9) - 4;
		wt[i] = weighted ? (double)(take(&b) % 3) : 1;
	}
	wt[0] += wt[0] == 0;	/* a tree has a row */
	for (j = 0; j < p; j++)
		cols[j] = F + j * n;
	if (binary) {
		assert(tree_binary(X, NULL, n, p, &bin[0], &isbin[0], &lohi[0]) == 0);
		assert(tree_binary(NULL, cols, n, p, &bin[1], &isbin[1], &lohi[1]) == 0);
		assert(!memcmp(isbin[0], isbin[1], p));
		assert(!memcmp(lohi[0], lohi[1], 2 * p * sizeof(double)));
		assert(!memcmp(bin[0], bin[1], n * p));
	}
	order = tree_presort(X, n, p, isbin[0]);
	assert(order);
	{
		struct tree_data d[3] = {
			{ X, bin[0], isbin[0], lohi[0], lohi[0] ? lohi[0] + p : NULL,
			  yc, yr, n, p, K, NULL, NULL },
			{ X, bin[0], isbin[0], lohi[0], lohi[0] ? lohi[0] + p : NULL,
			  yc, yr, n, p, K, order, NULL },
			{ NULL, bin[1], isbin[1], lohi[1], lohi[1] ? lohi[1] + p : NULL,
			  yc, yr, n, p, K, NULL, cols },
		};

		for (i = 0; i < 3; i++) {
			w[i] = tree_work_new(&d[i]);
			assert(w[i]);
			assert(tree_grow(&t[i], &d[i], &h, crit, mf, weighted ? wt : NULL,
					 17, NULL, w[i]) == 0);
		}
	}
	same(&t[0], &t[2], width);
	same(&t[1], &t[2], width);
	for (i = 0; i < 3; i++) {
		tree_free(&t[i]);
		tree_work_free(w[i]);
	}
	for (i = 0; i < 2; i++)
		free(bin[i]), free(isbin[i]), free(lohi[i]);
	free(order), free(X), free(yr), free(wt), free(F), free(yc);
	return 0;
}
