/*
 * slices.c - per-slice metrics (see slices.h).
 */
#include "slices.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int oom(struct mlci_err *err)
{
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

json_t *slices_metric_object(const struct metric_table *t)
{
	json_t *met = json_object();
	size_t i;

	for (i = 0; met && i < t->n; i++)
		if (json_object_set_new(met, t->name[i], t->defined[i] ?
					json_real(t->value[i]) : json_null())) {
			json_decref(met);
			return NULL;
		}
	return met;
}

struct key_order {
	const struct frame *f;
	const size_t *rows;
	const size_t *cols;
	size_t nc;
};

/* By the slice columns' values (missing last), then by row. */
static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct key_order *k = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b, c;

	for (c = 0; c < k->nc; c++) {
		const char *x = frame_cell(k->f, k->rows[i], k->cols[c]);
		const char *y = frame_cell(k->f, k->rows[j], k->cols[c]);
		int d;

		if (!x || !y) {
			if (x != y)
				return x ? -1 : 1;
			continue;
		}
		if ((d = strcmp(x, y)))
			return d;
	}
	return i < j ? -1 : i > j;
}

static int same_key(const struct key_order *k, size_t i, size_t j)
{
	size_t c;

	for (c = 0; c < k->nc; c++) {
		const char *x = frame_cell(k->f, k->rows[i], k->cols[c]);
		const char *y = frame_cell(k->f, k->rows[j], k->cols[c]);

		if (x != y && (!x || !y || strcmp(x, y)))
			return 0;
	}
	return 1;
}

/* The m rows idx of s as a scored set of their own (arrays malloc'd into
 * sub; free with sub_free). */
static int sub_scored(const struct scored *s, const size_t *idx, size_t m,
		      struct scored *sub)
{
	size_t i, K = s->K;

	memset(sub, 0, sizeof(*sub));
	sub->classifier = s->classifier;
	sub->n = m;
	sub->K = s->K;
	sub->L = s->L;
	sub->names = s->names;
	if (s->classifier) {
		sub->y_true = malloc((m + 1) * sizeof(*sub->y_true));
		sub->y_pred = malloc((m + 1) * sizeof(*sub->y_pred));
		if (!sub->y_true || !sub->y_pred)
			return -1;
		if (s->proba && !(sub->proba = malloc((m * K + 1) * sizeof(*sub->proba))))
			return -1;
		for (i = 0; i < m; i++) {
			sub->y_true[i] = s->y_true[idx[i]];
			sub->y_pred[i] = s->y_pred[idx[i]];
			if (s->proba)
				memcpy(sub->proba + i * K, s->proba + idx[i] * K,
				       K * sizeof(*sub->proba));
		}
	} else {
		sub->y = malloc((m + 1) * sizeof(*sub->y));
		sub->p = malloc((m + 1) * sizeof(*sub->p));
		if (!sub->y || !sub->p)
			return -1;
		for (i = 0; i < m; i++) {
			sub->y[i] = s->y[idx[i]];
			sub->p[i] = s->p[idx[i]];
		}
	}
	return 0;
}

static void sub_free(struct scored *sub)
{
	free(sub->y_true), free(sub->y_pred), free(sub->proba);
	free(sub->y), free(sub->p);
	memset(sub, 0, sizeof(*sub));
}

static json_t *intervals_object(const struct metric_table *t,
				const struct interval *iv)
{
	json_t *ivs = json_object();
	size_t i;

	for (i = 0; ivs && i < t->n; i++) {
		json_t *one;

		if (!t->defined[i])
			continue;
		one = iv[i].resamples ?
			json_pack("{s:f, s:f, s:I}", "low", iv[i].low, "high", iv[i].high,
				  "resamples", (json_int_t)iv[i].resamples) :
			json_pack("{s:n, s:n, s:I}", "low", "high", "resamples", (json_int_t)0);
		if (!one || json_object_set_new(ivs, t->name[i], one)) {
			json_decref(ivs);
			return NULL;
		}
	}
	return ivs;
}

/* One slice: rows idx[0..m-1] of s, keyed by the values of k's columns
 * at row idx[0]. */
static int one_slice(const struct scored *s, const struct key_order *k,
		     const char *const *names, const size_t *idx, size_t m,
		     const struct slices_opts *o, json_t *list,
		     struct mlci_err *err)
{
	json_t *sl = json_object(), *by = json_object();
	struct scored sub;
	struct metric_table t;
	struct interval iv[SCORED_MAX_METRICS];
	size_t c;
	int small = (long)m < o->min_size, rc = -1;

	memset(&sub, 0, sizeof(sub));
	if (!sl || !by || json_array_append_new(list, sl) ||
	    json_object_set_new(sl, "by", by)) {
		json_decref(by);
		return oom(err);
	}
	for (c = 0; c < k->nc; c++) {
		const char *v = frame_cell(k->f, k->rows[idx[0]], k->cols[c]);

		if (json_object_set_new(by, names[c], v ? json_string(v) : json_null()))
			return oom(err);
	}
	if (json_object_set_new(sl, "n", json_integer((json_int_t)m)) ||
	    json_object_set_new(sl, "small", json_boolean(small)))
		return oom(err);
	if (small)
		return 0;
	if (sub_scored(s, idx, m, &sub) < 0) {
		oom(err);
		goto out;
	}
	if (scored_metrics(&sub, NULL, 0, &t, NULL, NULL, err) < 0)
		goto out;
	if (json_object_set_new(sl, "metrics", slices_metric_object(&t))) {
		oom(err);
		goto out;
	}
	if (o->bootstrap) {
		if (scored_bootstrap(&sub, o->bootstrap, o->seed, o->level, &t, iv, err) < 0)
			goto out;
		if (json_object_set_new(sl, "intervals", intervals_object(&t, iv))) {
			oom(err);
			goto out;
		}
	}
	rc = 0;
out:
	sub_free(&sub);
	return rc;
}

/* Split "a,b" into columns of f; names and cols get nc entries. */
static int parse_by(const char *spec, const struct frame *f, char **copy,
		    const char **names, size_t *cols, size_t *nc,
		    struct mlci_err *err)
{
	char *tok, *save = NULL;
	size_t i;

	*nc = 0;
	if (!(*copy = strdup(spec)))
		return oom(err);
	for (tok = strtok_r(*copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int c = frame_find(f, tok);

		if (*nc == SLICES_MAX_COLS)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--slice-by '%.200s': at most %d columns per slicing",
				       spec, SLICES_MAX_COLS);
		if (c < 0)
			return err_set(err, MLCI_EXIT_DATAERR, f->path,
				       "no column '%.200s' (--slice-by)", tok);
		for (i = 0; i < *nc; i++)
			if (cols[i] == (size_t)c)
				return err_set(err, MLCI_EXIT_USAGE, NULL,
					       "--slice-by '%.200s' names column '%.200s' twice",
					       spec, tok);
		names[*nc] = f->names[c];
		cols[(*nc)++] = (size_t)c;
	}
	if (!*nc || spec[0] == ',' || spec[strlen(spec) - 1] == ',' || strstr(spec, ",,"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--slice-by '%.200s': give column names separated by commas",
			       spec);
	return 0;
}

int slices_json(const struct scored *s, const struct frame *f,
		const size_t *rows, const struct slices_opts *o, json_t *art,
		struct mlci_err *err)
{
	json_t *slicing = json_object(), *bylist = json_array(), *list = json_array();
	size_t *order = NULL, i, b, total = 0;
	int rc = -1;

	if (!slicing || !bylist || !list ||
	    json_object_set_new(slicing, "by", bylist) ||
	    json_object_set_new(slicing, "min_size", json_integer(o->min_size)) ||
	    json_object_set_new(art, "slicing", slicing) ||
	    json_object_set_new(art, "slices", list)) {
		json_decref(bylist);
		json_decref(list);
		return oom(err);
	}
	if (o->min_size < 1)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--min-slice-size is a number of rows, at least 1");
	order = malloc((s->n + 1) * sizeof(*order));
	if (!order)
		return oom(err);
	for (b = 0; b < o->nby; b++) {
		const char *names[SLICES_MAX_COLS];
		size_t cols[SLICES_MAX_COLS], nc, start;
		struct key_order k;
		json_t *cl = json_array();
		char *copy = NULL;

		if (!cl || json_array_append_new(bylist, cl)) {
			oom(err);
			goto out;
		}
		if (parse_by(o->by[b], f, &copy, names, cols, &nc, err) < 0) {
			free(copy);
			goto out;
		}
		for (i = 0; i < nc; i++)
			if (json_array_append_new(cl, json_string(names[i]))) {
				free(copy);
				oom(err);
				goto out;
			}
		free(copy);
		k.f = f;
		k.rows = rows;
		k.cols = cols;
		k.nc = nc;
		for (i = 0; i < s->n; i++)
			order[i] = i;
		qsort_r(order, s->n, sizeof(*order), cmp_rows, &k);
		for (start = 0; start < s->n; start = i) {
			for (i = start + 1; i < s->n && same_key(&k, order[start], order[i]); i++)
				;
			if (++total > SLICES_MAX) {
				err_set(err, MLCI_EXIT_DATAERR, f->path,
					"--slice-by gives more than %d slices (is '%.200s' an ID column?)",
					SLICES_MAX, o->by[b]);
				goto out;
			}
			if (one_slice(s, &k, names, order + start, i - start, o, list, err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(order);
	return rc;
}
