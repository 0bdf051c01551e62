/*
 * refdrift.c - drift of a data report against a reference data report;
 * see refdrift.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "colstats.h"
#include "drift.h"
#include "refdrift.h"
#include "sketch.h"
#include "util.h"

#define OOM(err) err_set((err), MLCI_EXIT_SOFTWARE, NULL, "out of memory")
#define LABEL_MAX_CLASSES VALIDATE_MAX_CATEGORIES

/* ---- options ---- */

void refdrift_opts_init(struct refdrift_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->alpha = REFDRIFT_ALPHA;
	o->psi = REFDRIFT_PSI;
	o->wasserstein = REFDRIFT_WASSERSTEIN;
	o->js = REFDRIFT_JS;
	o->max_share = REFDRIFT_MAX_SHARE;
	o->max_label_shift = REFDRIFT_LABEL_SHIFT;
	o->severity = SEV_WARNING;
}

void refdrift_opts_free(struct refdrift_opts *o)
{
	size_t i;

	for (i = 0; i < o->ncols; i++)
		free(o->cols[i].column);
	free(o->cols);
	o->cols = NULL;
	o->ncols = 0;
}

static int parse_severity(const char *s, size_t len)
{
	static const char *const names[] = { "error", "warning", "info" };
	int i;

	for (i = 0; i < 3; i++)
		if (strlen(names[i]) == len && !strncmp(s, names[i], len))
			return i;
	return -1;
}

/* A threshold value: a finite number >= 0 (alpha in (0, 1]). */
static int parse_value(const char *s, size_t len, int is_alpha, double *out)
{
	char tmp[64], *end;
	double v;

	if (!len || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	v = strtod(tmp, &end);
	if (*end || !isfinite(v) || v < 0 || (is_alpha && (v <= 0 || v > 1)))
		return -1;
	*out = v;
	return 0;
}

int refdrift_add_threshold(struct refdrift_opts *o, const char *spec,
			   struct mlci_err *err)
{
	const char *colon = strrchr(spec, ':'), *p;
	struct refdrift_col c, *nv;

	if (!colon || colon == spec || !colon[1])
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--drift-threshold '%s': expected COL:KEY=VALUE[,KEY=VALUE...] or COL:off",
			       spec);
	memset(&c, 0, sizeof(c));
	c.alpha = c.psi = c.wasserstein = c.js = -1;
	c.severity = -1;
	p = colon + 1;
	if (!strcmp(p, "off")) {
		c.off = 1;
	} else {
		while (*p) {
			const char *end = strchr(p, ','), *eq;
			size_t len, klen;
			double *dst = NULL;

			if (!end)
				end = p + strlen(p);
			len = (size_t)(end - p);
			eq = memchr(p, '=', len);
			if (!eq)
				goto bad;
			klen = (size_t)(eq - p);
#define KEY(name) (klen == strlen(name) && !strncmp(p, name, klen))
			if (KEY("alpha"))
				dst = &c.alpha;
			else if (KEY("psi"))
				dst = &c.psi;
			else if (KEY("wasserstein"))
				dst = &c.wasserstein;
			else if (KEY("js"))
				dst = &c.js;
			else if (KEY("severity")) {
				c.severity = parse_severity(eq + 1,
							    (size_t)(end - eq - 1));
				if (c.severity < 0)
					goto bad;
			} else
				goto bad;
#undef KEY
			if (dst && parse_value(eq + 1, (size_t)(end - eq - 1),
					       dst == &c.alpha, dst) < 0)
				goto bad;
			p = *end ? end + 1 : end;
			if (*end && !*p)
				goto bad;
		}
	}
	c.column = strndup(spec, (size_t)(colon - spec));
	nv = c.column ? realloc(o->cols, (o->ncols + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(c.column);
		return OOM(err);
	}
	o->cols = nv;
	o->cols[o->ncols++] = c;
	return 0;
bad:
	return err_set(err, MLCI_EXIT_USAGE, NULL,
		       "--drift-threshold '%s': expected COL:off or COL:KEY=VALUE,... with "
		       "KEY alpha (0..1], psi, wasserstein, js (numbers >= 0) or "
		       "severity (error, warning, info)", spec);
}

int refdrift_check_opts(const struct refdrift_opts *o, struct mlci_err *err)
{
	if (!(o->alpha > 0 && o->alpha <= 1))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--drift-alpha: expected a level in (0, 1]");
	if (!(o->psi >= 0) || !(o->wasserstein >= 0) || !(o->js >= 0) ||
	    !isfinite(o->psi) || !isfinite(o->wasserstein) || !isfinite(o->js))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--drift-psi, --drift-wasserstein, --drift-js: expected a number >= 0");
	if (!(o->max_share >= 0 && o->max_share <= 1))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--max-drift-share: expected a share between 0 and 1");
	if (!(o->max_label_shift >= 0 && o->max_label_shift <= 1))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--max-label-shift: expected a share between 0 and 1");
	return 0;
}

int refdrift_opts_finish(struct refdrift_opts *o, const char *severity,
			 const char *const *thr, size_t nthr,
			 struct mlci_err *err)
{
	struct refdrift_opts d;
	size_t i;

	if (!o->reference) {
		refdrift_opts_init(&d);
		if (severity || nthr || o->alpha != d.alpha || o->psi != d.psi ||
		    o->wasserstein != d.wasserstein || o->js != d.js ||
		    o->max_share != d.max_share ||
		    o->max_label_shift != d.max_label_shift)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "the drift options (--drift-*, --max-drift-share, "
				       "--max-label-shift) need --reference REPORT");
		return 0;
	}
	if (severity) {
		if (!strcmp(severity, "error"))
			o->severity = SEV_ERROR;
		else if (!strcmp(severity, "warning"))
			o->severity = SEV_WARNING;
		else if (!strcmp(severity, "info"))
			o->severity = SEV_INFO;
		else
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--drift-severity: expected error, warning or info");
	}
	for (i = 0; i < nthr; i++)
		if (refdrift_add_threshold(o, thr[i], err) < 0)
			return -1;
	return refdrift_check_opts(o, err);
}

/* ---- one column of a report as drift inputs ---- */

enum side_kind {
	SIDE_EMPTY,		/* no values */
	SIDE_NUMERIC,		/* a weighted sample (and maybe exact cats) */
	SIDE_CATS,		/* exact frequencies only */
	SIDE_NONE,		/* nothing usable: why */
};

struct refdrift_side {
	const char *name;
	enum col_type type;
	double count;
	double missing_rate;	/* -1: not in the report */
	int kind;
	const char *why;
	int categorical;	/* string column marked categorical; boolean */
	/* numeric */
	double *x, *w;
	size_t m;
	double n, rank_error, pop_sd;
	int have_sd, from_kll;
	/* exact frequencies, values as written (booleans lower-cased) */
	struct drift_cat *cats;
	size_t ncats;
	char *lower;		/* the lower-cased booleans' storage */
};

static void side_free(struct refdrift_side *s)
{
	free(s->x);
	free(s->w);
	free(s->cats);
	free(s->lower);
	memset(s, 0, sizeof(*s));
}

static int bad_column(struct mlci_err *err, const char *path, size_t i,
		      const char *name, const char *what)
{
	if (name)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "malformed data report: column %zu ('%s'): %s",
			       i + 1, name, what);
	return err_set(err, MLCI_EXIT_DATAERR, path,
		       "malformed data report: column %zu: %s", i + 1, what);
}

struct xw {
	double x, w;
};

static int cmp_xw(const void *a, const void *b)
{
	double x = ((const struct xw *)a)->x, y = ((const struct xw *)b)->x;

	return (x > y) - (x < y);
}

/* The exact frequencies {values, counts, mode "exact", total}: 1 read,
 * 0 not exact (spacesaving), -1 malformed. */
static int read_freq(struct refdrift_side *s, const json_t *f, double count,
		     const char **what)
{
	const json_t *vals = json_object_get(f, "values");
	const json_t *cnt = json_object_get(f, "counts");
	const char *mode = json_string_value(json_object_get(f, "mode"));
	size_t i, n;
	double total = 0;

	if (!json_is_array(vals) || !json_is_array(cnt) || !mode ||
	    json_array_size(vals) != json_array_size(cnt)) {
		*what = "\"sketch.frequencies\" needs values, counts and mode";
		return -1;
	}
	if (strcmp(mode, "exact"))
		return 0;
	n = json_array_size(vals);
	s->cats = calloc(n ? n : 1, sizeof(*s->cats));
	if (!s->cats) {
		*what = NULL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		const json_t *c = json_array_get(cnt, i);
		const char *v = json_string_value(json_array_get(vals, i));

		if (!v || !json_is_integer(c) || json_integer_value(c) < 0) {
			*what = "a frequency is not a (string, count) pair";
			return -1;
		}
		s->cats[i].value = v;
		s->cats[i].count = (double)json_integer_value(c);
		total += s->cats[i].count;
	}
	if (total != count) {
		*what = "the frequencies do not add up to the column's count";
		return -1;
	}
	s->ncats = n;
	return 1;
}

/* Booleans as written may differ in case: lower-case and combine. */
static int fold_bools(struct refdrift_side *s)
{
	size_t i, j, len = 0, off = 0, k = 0;

	for (i = 0; i < s->ncats; i++)
		len += strlen(s->cats[i].value) + 1;
	s->lower = malloc(len ? len : 1);
	if (!s->lower)
		return -1;
	for (i = 0; i < s->ncats; i++) {
		const char *v = s->cats[i].value;
		char *d = s->lower + off;

		for (j = 0; v[j]; j++)
			d[j] = (char)tolower((unsigned char)v[j]);
		d[j] = 0;
		off += j + 1;
		for (j = 0; j < k && strcmp(s->cats[j].value, d); j++)
			;
		if (j < k) {
			s->cats[j].count += s->cats[i].count;
		} else {
			s->cats[k].value = d;
			s->cats[k++].count = s->cats[i].count;
		}
	}
	s->ncats = k;
	return 0;
}

/* The numbers from the exact frequencies, sorted, weighted by count. */
static int numbers_from_cats(struct refdrift_side *s, const char **what)
{
	struct xw *t = malloc((s->ncats ? s->ncats : 1) * sizeof(*t));
	size_t i, m = 0;

	if (!t || !(s->x = malloc((s->ncats ? s->ncats : 1) * sizeof(double))) ||
	    !(s->w = malloc((s->ncats ? s->ncats : 1) * sizeof(double)))) {
		free(t);
		*what = NULL;
		return -1;
	}
	for (i = 0; i < s->ncats; i++) {
		double v;
		int is_int;

		if (!s->cats[i].count)
			continue;
		if (colacc_number(s->cats[i].value, strlen(s->cats[i].value),
				  &v, &is_int) < 0) {
			free(t);
			*what = "a frequency value of a numeric column is not a number";
			return -1;
		}
		t[m].x = v;
		t[m++].w = s->cats[i].count;
	}
	qsort(t, m, sizeof(*t), cmp_xw);
	for (i = 0; i < m; i++) {
		s->x[i] = t[i].x;
		s->w[i] = t[i].w;
	}
	free(t);
	s->m = m;
	s->n = s->count;
	return 0;
}

static int numbers_from_kll(struct refdrift_side *s, const json_t *kj,
			    const json_t *serr, const char *path,
			    const char **what)
{
	struct kll k;
	struct kll_view v;
	struct mlci_err e2 = { 0 };
	size_t i;
	const json_t *q = json_object_get(serr, "quantiles");

	memset(&v, 0, sizeof(v));
	if (kll_from_json(&k, kj, path, &e2) < 0) {
		*what = "its \"sketch.kll\" is malformed";
		return -1;
	}
	if (kll_view(&k, &v) < 0) {
		kll_free(&k);
		*what = NULL;
		return -1;
	}
	if ((double)k.n != s->count) {
		kll_free(&k);
		kll_view_free(&v);
		*what = "the KLL sketch's count differs from the column's count";
		return -1;
	}
	s->x = malloc((v.n ? v.n : 1) * sizeof(double));
	s->w = malloc((v.n ? v.n : 1) * sizeof(double));
	if (!s->x || !s->w) {
		kll_free(&k);
		kll_view_free(&v);
		*what = NULL;
		return -1;
	}
	for (i = 0; i < v.n; i++) {
		s->x[i] = v.v[i];
		s->w[i] = (double)(v.cum[i] - (i ? v.cum[i - 1] : 0));
	}
	s->m = v.n;
	s->n = s->count;
	s->from_kll = 1;
	if (v.exact)
		s->rank_error = 0;
	else if (json_is_number(q) && json_number_value(q) >= 0 &&
		 json_number_value(q) < 1)
		s->rank_error = json_number_value(q);
	else
		s->rank_error = kll_rank_error(k.k);
	kll_free(&k);
	kll_view_free(&v);
	return 0;
}

/* Read column i (object o) of the report at path. */
static int side_read(struct refdrift_side *s, const json_t *o, size_t i,
		     const char *path, struct mlci_err *err)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *type = json_string_value(json_object_get(o, "type"));
	const json_t *cnt = json_object_get(o, "count");
	const json_t *sk = json_object_get(o, "sketch"), *f, *kj, *sd;
	const char *what = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o))
		return bad_column(err, path, i, NULL, "not an object");
	if (!name || !*name)
		return bad_column(err, path, i, NULL, "no \"name\"");
	s->name = name;
	if (!type || col_type_parse(type, &s->type) < 0)
		return bad_column(err, path, i, name, "no valid \"type\"");
	if (!json_is_integer(cnt) || json_integer_value(cnt) < 0)
		return bad_column(err, path, i, name, "no valid \"count\"");
	s->count = (double)json_integer_value(cnt);
	s->missing_rate = json_is_number(json_object_get(o, "missing_rate")) ?
		json_number_value(json_object_get(o, "missing_rate")) : -1;
	if (!(s->missing_rate >= 0 && s->missing_rate <= 1))
		s->missing_rate = -1;
	s->categorical = s->type == COL_BOOLEAN ||
		json_is_true(json_object_get(o, "categorical"));
	if (!s->count) {
		s->kind = SIDE_EMPTY;
		return 0;
	}
	/* personal data: the report keeps no values of it (leakcheck.h) */
	if (json_array_size(json_object_get(json_object_get(o, "pii"), "flagged"))) {
		s->kind = SIDE_NONE;
		s->why = "personal data: the report keeps none of its values "
			 "(--pii off on both sides compares it)";
		return 0;
	}
	if (!json_is_object(sk)) {
		s->kind = SIDE_NONE;
		s->why = "no \"sketch\" (a report from an older mlci)";
		return 0;
	}
	f = json_object_get(sk, "frequencies");
	kj = json_object_get(sk, "kll");
	/* counted only from the first non-number on (colstats.h): no use */
	if (json_is_string(json_object_get(json_object_get(o, "sketch_error"),
					   "frequencies")))
		f = NULL;
	rc = f ? read_freq(s, f, s->count, &what) : 0;
	if (rc < 0)
		goto bad;
	if (rc > 0 && s->type == COL_BOOLEAN && fold_bools(s) < 0)
		return OOM(err);
	if (s->type == COL_INTEGER || s->type == COL_NUMBER) {
		sd = json_object_get(o, "std");
		if (json_is_number(sd) && s->count >= 2 &&
		    isfinite(json_number_value(sd)) && json_number_value(sd) >= 0) {
			s->have_sd = 1;
			s->pop_sd = json_number_value(sd) *
				sqrt((s->count - 1) / s->count);
		}
		if (kj) {
			if (numbers_from_kll(s, kj, json_object_get(o, "sketch_error"),
					     path, &what) < 0)
				goto bad;
		} else if (rc > 0) {
			if (numbers_from_cats(s, &what) < 0)
				goto bad;
		} else {
			s->kind = SIDE_NONE;
			s->why = "neither exact frequencies nor a KLL sketch";
			return 0;
		}
		s->kind = SIDE_NUMERIC;
		return 0;
	}
	if (rc > 0) {
		s->kind = SIDE_CATS;
	} else {
		s->kind = SIDE_NONE;
		s->why = f ? "frequencies estimated (more than 4096 distinct values)" :
			"no exact frequencies (more than 4096 distinct values)";
	}
	return 0;
bad:
	if (!what)
		return OOM(err);
	return bad_column(err, path, i, name, what);
}

static int sides_read(const json_t *cols, const char *path,
		      struct refdrift_side **out, size_t *nout,
		      struct mlci_err *err)
{
	size_t n = json_array_size(cols), i;
	struct refdrift_side *s;

	*out = NULL;
	*nout = 0;
	if (!json_is_array(cols))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "malformed data report: no \"columns\" array");
	s = calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return OOM(err);
	*out = s;
	for (i = 0; i < n; i++) {
		if (side_read(&s[i], json_array_get(cols, i), i, path, err) < 0) {
			*nout = i + 1;
			return -1;
		}
	}
	*nout = n;
	return 0;
}

static void sides_free(struct refdrift_side *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		side_free(&s[i]);
	free(s);
}

static const struct refdrift_side *side_find(const struct refdrift_side *s,
					     size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	return NULL;
}

/* A drift.c error on a column's inputs: name the reference and column
 * (the current side is the report just built). */
static int column_error(const char *name, const char *path,
			struct mlci_err *err)
{
	char msg[sizeof(err->msg)];

	if (err->code != MLCI_EXIT_DATAERR)
		return -1;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return err_set(err, MLCI_EXIT_DATAERR, path,
		       "malformed data report: column '%s': %s", name, msg);
}

/* ---- the reference ---- */

static int ref_read(const struct refdrift_opts *o, struct refdrift_ref *ref,
		    struct mlci_err *err);

int refdrift_load(const struct refdrift_opts *o, struct refdrift_ref *ref,
		  struct mlci_err *err)
{
	memset(ref, 0, sizeof(*ref));
	ref->opts = o;
	if (refdrift_check_opts(o, err) < 0)
		return -1;
	if (artifact_load(o->reference, KIND_DATA_REPORT, SCHEMA_DATA_REPORT,
			  &ref->art, ref->sha, err) < 0)
		return -1;
	return ref_read(o, ref, err);
}

int refdrift_load_report(const struct refdrift_opts *o, json_t *report,
			 const char *sha, struct refdrift_ref *ref,
			 struct mlci_err *err)
{
	memset(ref, 0, sizeof(*ref));
	ref->opts = o;
	if (refdrift_check_opts(o, err) < 0)
		return -1;
	ref->art = json_incref(report);
	snprintf(ref->sha, sizeof(ref->sha), "%s", sha ? sha : "");
	return ref_read(o, ref, err);
}

/* The loaded reference report's columns, checked. */
static int ref_read(const struct refdrift_opts *o, struct refdrift_ref *ref,
		    struct mlci_err *err)
{
	const json_t *part;
	size_t i;

	part = json_object_get(ref->art, "partial");
	if (part)
		return err_set(err, MLCI_EXIT_DATAERR, o->reference,
			       "a shard's partial report (shard %lld of %lld): "
			       "give the report of their --merge as the reference",
			       (long long)json_integer_value(json_object_get(part, "shard")),
			       (long long)json_integer_value(json_object_get(part, "of")));
	if (!json_is_integer(json_object_get(ref->art, "rows")))
		return err_set(err, MLCI_EXIT_DATAERR, o->reference,
			       "malformed data report: no \"rows\"");
	ref->label = json_string_value(json_object_get(ref->art, "label"));
	if (sides_read(json_object_get(ref->art, "columns"), o->reference,
		       &ref->cols, &ref->ncols, err) < 0)
		return -1;
	/* a category listed twice, found now rather than after the data */
	for (i = 0; i < ref->ncols; i++) {
		struct drift_aligned al;

		if (!ref->cols[i].ncats)
			continue;
		if (drift_align(ref->cols[i].cats, ref->cols[i].ncats, 0, NULL, 0, 0,
				0, &al, err) < 0)
			return column_error(ref->cols[i].name, o->reference, err);
		drift_aligned_free(&al);
	}
	for (i = 0; i < o->ncols; i++)
		if (!side_find(ref->cols, ref->ncols, o->cols[i].column))
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--drift-threshold: the reference %s has no column '%s'",
				       o->reference, o->cols[i].column);
	return 0;
}

void refdrift_ref_free(struct refdrift_ref *ref)
{
	sides_free(ref->cols, ref->ncols);
	json_decref(ref->art);
	memset(ref, 0, sizeof(*ref));
}

/* ---- comparing ---- */

struct thr {
	double alpha, psi, wasserstein, js;
	int severity, off;
};

static struct thr thresholds_for(const struct refdrift_opts *o, const char *col)
{
	struct thr t = { o->alpha, o->psi, o->wasserstein, o->js, o->severity, 0 };
	size_t i;

	for (i = 0; i < o->ncols; i++) {
		const struct refdrift_col *c = &o->cols[i];

		if (strcmp(c->column, col))
			continue;
		if (c->off)
			t.off = 1;
		if (c->alpha >= 0)
			t.alpha = c->alpha;
		if (c->psi >= 0)
			t.psi = c->psi;
		if (c->wasserstein >= 0)
			t.wasserstein = c->wasserstein;
		if (c->js >= 0)
			t.js = c->js;
		if (c->severity >= 0)
			t.severity = c->severity;
	}
	return t;
}

static int is_num(enum col_type t)
{
	return t == COL_INTEGER || t == COL_NUMBER;
}

/* One compared column. */
struct cmp {
	const struct refdrift_side *r, *c;
	struct thr t;
	int numeric;		/* numeric test, else categorical */
	int compared;		/* a result (both sides have values) */
	const char *why_not;	/* not compared: why */
	struct drift_result res;
	size_t unseen;		/* categorical: categories new here */
	double linf;		/* categorical: L-infinity distance (TFDV's) */
	double edges[DRIFT_DEFAULT_BINS - 1];	/* numeric: PSI bin edges */
	size_t nedges;
	double q;
	int drifted;
	char why[256];
};

static void sample_of(const struct refdrift_side *s, struct wsample *w)
{
	w->x = s->x;
	w->w = s->w;
	w->m = s->m;
	w->n = s->n;
}

/* The largest difference of a category's share between the sides
 * (TFDV's L-infinity distance); 0 when a side is empty. */
static double linf_of(const struct drift_aligned *al)
{
	double nr = 0, nc = 0, m = 0;
	size_t i;

	for (i = 0; i < al->k; i++) {
		nr += al->ref[i];
		nc += al->cur[i];
	}
	if (!(nr > 0 && nc > 0))
		return 0;
	for (i = 0; i < al->k; i++)
		m = fmax(m, fabs(al->ref[i] / nr - al->cur[i] / nc));
	return m;
}

/* Align two sides' exact frequencies. */
static int align(const struct refdrift_side *r, const struct refdrift_side *c,
		 struct drift_aligned *al, struct mlci_err *err)
{
	return drift_align(r->cats, r->ncats, 0, c->cats, c->ncats, 0, 0, al, err);
}

static int compare(struct cmp *k, const char *path, struct mlci_err *err)
{
	struct drift_opts d;
	const struct refdrift_side *r = k->r, *c = k->c;

	memset(&d, 0, sizeof(d));
	if (k->t.off) {
		k->why_not = "off (--drift-threshold)";
		return 0;
	}
	if (r->kind == SIDE_EMPTY || c->kind == SIDE_EMPTY) {
		k->why_not = r->kind == SIDE_EMPTY ? "no values in the reference" :
			"no values here";
		return 0;
	}
	if (is_num(r->type) != is_num(c->type)) {
		k->why_not = "the type differs from the reference's";
		return 0;
	}
	if (r->kind == SIDE_NONE || c->kind == SIDE_NONE) {
		k->why_not = r->kind == SIDE_NONE ? r->why : c->why;
		return 0;
	}
	if (is_num(r->type)) {
		struct wsample a, b;

		k->numeric = 1;
		sample_of(r, &a);
		sample_of(c, &b);
		d.rank_error = r->rank_error + c->rank_error;
		d.have_ref_sd = r->have_sd;
		d.ref_sd = r->pop_sd;
		if (drift_numeric(&a, &b, &d, &k->res, err) < 0)
			return column_error(k->r->name, path, err);
		/* the PSI bins drift_numeric used, for the report */
		if (k->res.defined &&
		    drift_psi_edges(&a, DRIFT_DEFAULT_BINS, k->edges, &k->nedges,
				    err) < 0)
			return column_error(k->r->name, path, err);
	} else {
		struct drift_aligned al;

		if (r->type == COL_STRING && !r->categorical) {
			k->why_not = "not categorical in the reference";
			return 0;
		}
		if (align(r, c, &al, err) < 0)
			return column_error(k->r->name, path, err);
		k->unseen = al.unseen;
		k->linf = linf_of(&al);
		if (drift_categorical(al.ref, al.cur, al.k, &d, &k->res, err) < 0) {
			drift_aligned_free(&al);
			return column_error(k->r->name, path, err);
		}
		drift_aligned_free(&al);
	}
	k->compared = k->res.defined;
	if (!k->compared)
		k->why_not = "no values on a side";
	return 0;
}

/* Decide drifted and say why. */
static void judge(struct cmp *k)
{
	const struct drift_result *x = &k->res;
	const char *ename = k->numeric ? "normalised Wasserstein" : "Jensen-Shannon";
	double ethr = k->numeric ? k->t.wasserstein : k->t.js;
	char how[96];
	int e, p;

	if (x->notes & DRIFT_NOTE_SMALL_SAMPLE) {
		snprintf(k->why, sizeof(k->why),
			 "fewer than %d values on a side: not judged", DRIFT_MIN_N);
		return;
	}
	if (!x->test && !(x->notes & DRIFT_NOTE_LARGE_SAMPLE)) {
		/* effect sizes of a few hundred values are mostly noise */
		snprintf(k->why, sizeof(k->why),
			 "too sparse for the chi-square test even pooled, and at most "
			 "%d values on a side: not judged", DRIFT_LARGE_N);
		return;
	}
	if (!x->by_effect) {
		k->drifted = k->q <= k->t.alpha;
		snprintf(k->why, sizeof(k->why), "%s p %.3g, q %.3g %s alpha %g",
			 x->test && !strcmp(x->test, "ks") ? "KS" : "chi-square",
			 x->p_value, k->q, k->drifted ? "<=" : ">", k->t.alpha);
		return;
	}
	e = x->effect >= ethr;
	p = x->psi >= k->t.psi;
	k->drifted = e || p;
	/* here both sides have more than DRIFT_LARGE_N values */
	snprintf(how, sizeof(how), " (more than %d values on both sides: "
		 "judged by effect size)", DRIFT_LARGE_N);
	if (e && p)
		snprintf(k->why, sizeof(k->why), "%s %.3g >= %g and PSI %.3g >= %g%s",
			 ename, x->effect, ethr, x->psi, k->t.psi, how);
	else if (e)
		snprintf(k->why, sizeof(k->why), "%s %.3g >= %g%s", ename,
			 x->effect, ethr, how);
	else if (p)
		snprintf(k->why, sizeof(k->why), "PSI %.3g >= %g%s", x->psi,
			 k->t.psi, how);
	else
		snprintf(k->why, sizeof(k->why), "%s %.3g < %g and PSI %.3g < %g%s",
			 ename, x->effect, ethr, x->psi, k->t.psi, how);
}

static json_t *notes_json(unsigned notes)
{
	json_t *a = json_array();
	unsigned bit;

	for (bit = 1; a && bit <= DRIFT_NOTE_LARGE_SAMPLE; bit <<= 1)
		if (notes & bit)
			json_array_append_new(a, json_string(drift_note_text(bit)));
	return a;
}

/* A count (whole, from the reports) as a JSON integer. */
static json_t *count_json(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *maybe(double v, int have)
{
	return have ? json_real(v) : json_null();
}

/* The per-column entry of "drift.columns". */
static json_t *cmp_json(const struct cmp *k)
{
	json_t *o = json_object(), *t = json_object();
	const struct drift_result *x = &k->res;
	int hp = x->test != NULL;

	if (!o || !t) {
		json_decref(o);
		json_decref(t);
		return NULL;
	}
	json_object_set_new(o, "name", json_string(k->c->name));
	json_object_set_new(o, "type", json_string(col_type_name(k->c->type)));
	if (k->r->type != k->c->type)
		json_object_set_new(o, "reference_type",
				    json_string(col_type_name(k->r->type)));
	json_object_set_new(o, "compared", json_boolean(k->compared));
	json_object_set_new(o, "n_reference", count_json(k->r->count));
	json_object_set_new(o, "n", count_json(k->c->count));
	json_object_set_new(o, "drifted", json_boolean(k->drifted));
	if (k->c->missing_rate >= 0)
		json_object_set_new(o, "missing_rate", json_real(k->c->missing_rate));
	if (k->r->missing_rate >= 0)
		json_object_set_new(o, "reference_missing_rate",
				    json_real(k->r->missing_rate));
	if (!k->compared) {
		json_object_set_new(o, "why", json_string(k->why_not));
		json_decref(t);
		return o;
	}
	json_object_set_new(o, "why", json_string(k->why));
	json_object_set_new(o, "test", hp ? json_string(x->test) : json_null());
	json_object_set_new(o, "statistic", maybe(x->stat, hp));
	json_object_set_new(o, "p_value", maybe(x->p_value, hp));
	json_object_set_new(o, "q_value", maybe(k->q, hp));
	json_object_set_new(o, "judged_by", json_string(
		x->notes & DRIFT_NOTE_SMALL_SAMPLE ||
		(!x->test && !(x->notes & DRIFT_NOTE_LARGE_SAMPLE)) ? "none" :
		x->by_effect ? "effect" : "p_value"));
	json_object_set_new(o, "effect", json_real(x->effect));
	json_object_set_new(o, "effect_measure", json_string(
		k->numeric ? "wasserstein_norm" : "js"));
	json_object_set_new(o, "psi", json_real(x->psi));
	json_object_set_new(o, "psi_bins", json_integer((json_int_t)x->bins));
	json_object_set_new(o, "notes", notes_json(x->notes));
	json_object_set_new(t, "alpha", json_real(k->t.alpha));
	json_object_set_new(t, "psi", json_real(k->t.psi));
	if (k->numeric) {
		json_t *e = json_array();
		size_t i;

		json_object_set_new(o, "wasserstein", json_real(x->wasserstein));
		json_object_set_new(o, "wasserstein_norm", json_real(x->wasserstein_norm));
		for (i = 0; e && i < k->nedges; i++)
			json_array_append_new(e, json_real(k->edges[i]));
		json_object_set_new(o, "psi_edges", e);
		json_object_set_new(o, "rank_error", json_real(k->r->rank_error +
							       k->c->rank_error));
		json_object_set_new(t, "wasserstein", json_real(k->t.wasserstein));
	} else {
		json_object_set_new(o, "js", json_real(x->js));
		json_object_set_new(o, "linf", json_real(k->linf));
		json_object_set_new(o, "dof", count_json(x->dof));
		json_object_set_new(o, "new_categories", json_integer((json_int_t)k->unseen));
		json_object_set_new(t, "js", json_real(k->t.js));
	}
	json_object_set_new(o, "thresholds", t);
	return o;
}

/* ---- the label ---- */

/* Does the reference's label column hold classes? */
static int label_classes(const struct refdrift_side *r)
{
	if (r->kind == SIDE_CATS)
		return 1;
	if (r->kind != SIDE_NUMERIC || !r->ncats)
		return 0;
	return r->ncats <= LABEL_MAX_CLASSES && 2 * (double)r->ncats <= r->count;
}

static int label_section(const struct refdrift_ref *ref, const char *label,
			 const struct refdrift_side *cs, size_t nc,
			 struct anomalies *a, json_t **out, struct mlci_err *err)
{
	const struct refdrift_opts *o = ref->opts;
	const struct refdrift_side *r = side_find(ref->cols, ref->ncols, label);
	const struct refdrift_side *c = side_find(cs, nc, label);
	json_t *L = json_object();
	struct drift_aligned al;
	struct drift_result res;
	struct drift_opts d;
	size_t i, nunseen = 0;
	double nr = 0, ncur = 0, unseen_rows = 0;
	char list[300];
	json_t *classes;

	*out = L;
	if (!L)
		return OOM(err);
	memset(&d, 0, sizeof(d));
	memset(&al, 0, sizeof(al));
	json_object_set_new(L, "column", json_string(label));
	json_object_set_new(L, "max_shift", json_real(o->max_label_shift));
	if (!r || !c || r->kind == SIDE_EMPTY || c->kind == SIDE_EMPTY ||
	    r->kind == SIDE_NONE || c->kind == SIDE_NONE) {
		json_object_set_new(L, "compared", json_false());
		json_object_set_new(L, "why", json_string(
			!r ? "the reference has no such column" :
			!c ? "no such column here" :
			r->kind == SIDE_EMPTY || c->kind == SIDE_EMPTY ?
			"no values on a side" : r->kind == SIDE_NONE ? r->why : c->why));
		return 0;
	}
	if (!label_classes(r)) {
		struct cmp k;
		json_t *e;

		/* a numeric target: the numeric drift test */
		memset(&k, 0, sizeof(k));
		k.r = r;
		k.c = c;
		k.t = thresholds_for(o, label);
		k.t.off = 0;
		if (compare(&k, o->reference, err) < 0)
			return -1;
		k.q = k.res.p_value;
		if (k.compared)
			judge(&k);
		e = cmp_json(&k);
		if (!e)
			return OOM(err);
		json_object_set_new(e, "kind", json_string("target"));
		json_decref(L);
		*out = e;
		json_object_set_new(e, "column", json_string(label));
		if (k.drifted && anomalies_add(a, "label_drift", SEV_WARNING, label, -1,
					       "the label's distribution drifted from the reference's: %s",
					       k.why) < 0)
			return OOM(err);
		return 0;
	}
	json_object_set_new(L, "kind", json_string("classes"));
	if (!c->ncats) {
		json_object_set_new(L, "compared", json_false());
		json_object_set_new(L, "why", json_string("no exact class counts here"));
		return 0;
	}
	if (align(r, c, &al, err) < 0)
		return column_error(r->name, o->reference, err);
	for (i = 0; i < al.k; i++) {
		nr += al.ref[i];
		ncur += al.cur[i];
	}
	if (drift_categorical(al.ref, al.cur, al.k, &d, &res, err) < 0)
		goto fail;
	json_object_set_new(L, "compared", json_true());
	json_object_set_new(L, "test", res.test ? json_string(res.test) : json_null());
	json_object_set_new(L, "statistic", json_real(res.stat));
	json_object_set_new(L, "dof", count_json(res.dof));
	json_object_set_new(L, "p_value", maybe(res.p_value, res.test != NULL));
	json_object_set_new(L, "js", json_real(res.js));
	json_object_set_new(L, "linf", json_real(linf_of(&al)));
	json_object_set_new(L, "psi", json_real(res.psi));
	json_object_set_new(L, "notes", notes_json(res.notes));
	json_object_set_new(L, "n_reference", count_json(nr));
	json_object_set_new(L, "n", count_json(ncur));
	classes = json_array();
	json_object_set_new(L, "classes", classes);
	list[0] = 0;
	for (i = 0; i < al.k; i++) {
		json_t *e = json_object();
		double rs = nr > 0 ? al.ref[i] / nr : 0, s = ncur > 0 ? al.cur[i] / ncur : 0;
		const char *v = al.value[i];

		if (!e || json_array_append_new(classes, e) < 0)
			goto oom;
		json_object_set_new(e, "value", json_string(v));
		json_object_set_new(e, "reference_count", count_json(al.ref[i]));
		json_object_set_new(e, "count", count_json(al.cur[i]));
		json_object_set_new(e, "reference_share", json_real(rs));
		json_object_set_new(e, "share", json_real(s));
		json_object_set_new(e, "change", json_real(s - rs));
		if (al.ref[i] == 0) {
			json_object_set_new(e, "status", json_string("unseen_in_reference"));
			unseen_rows += al.cur[i];
			if (nunseen++ < 5 && strlen(list) + strlen(v) + 8 < sizeof(list))
				snprintf(list + strlen(list), sizeof(list) - strlen(list),
					 "%s'%s'", nunseen > 1 ? ", " : "", v);
			continue;
		}
		if (al.cur[i] == 0 && ncur > 0) {
			json_object_set_new(e, "status", json_string("missing"));
			if (anomalies_add(a, "label_class_missing", SEV_WARNING, label,
					  -1, "label class '%s' (%.1f%% of the reference) "
					  "does not occur", v, 100 * rs) < 0)
				goto oom;
		} else if (fabs(s - rs) > o->max_label_shift) {
			json_object_set_new(e, "status", json_string("shifted"));
		} else {
			json_object_set_new(e, "status", json_string("ok"));
		}
		if (al.cur[i] > 0 && fabs(s - rs) > o->max_label_shift &&
		    anomalies_add(a, "label_shift", SEV_WARNING, label, -1,
				  "label class '%s': %.1f%% of the rows, %.1f%% in the "
				  "reference (moved more than %g)", v, 100 * s, 100 * rs,
				  o->max_label_shift) < 0)
			goto oom;
	}
	if (nunseen && anomalies_add(a, "label_unseen_in_reference", SEV_ERROR, label,
				     (long)unseen_rows,
				     "%zu label value%s the reference never had: %s%s",
				     nunseen, nunseen == 1 ? "" : "s", list,
				     nunseen > 5 ? ", ..." : "") < 0)
		goto oom;
	drift_aligned_free(&al);
	return 0;
oom:
	OOM(err);
fail:
	drift_aligned_free(&al);
	return -1;
}

/* ---- the whole comparison ---- */

static json_t *settings_json(const struct refdrift_opts *o)
{
	json_t *s = json_object(), *ov = json_array();
	size_t i;
	static const char *const sev[] = { "error", "warning", "info" };

	if (!s || !ov) {
		json_decref(s);
		json_decref(ov);
		return NULL;
	}
	json_object_set_new(s, "alpha", json_real(o->alpha));
	json_object_set_new(s, "psi", json_real(o->psi));
	json_object_set_new(s, "wasserstein", json_real(o->wasserstein));
	json_object_set_new(s, "js", json_real(o->js));
	json_object_set_new(s, "max_share", json_real(o->max_share));
	json_object_set_new(s, "max_label_shift", json_real(o->max_label_shift));
	json_object_set_new(s, "severity", json_string(sev[o->severity]));
	json_object_set_new(s, "psi_bins", json_integer(DRIFT_DEFAULT_BINS));
	json_object_set_new(s, "psi_smoothing", json_real(DRIFT_ALPHA));
	json_object_set_new(s, "min_n", json_integer(DRIFT_MIN_N));
	json_object_set_new(s, "large_n", json_integer(DRIFT_LARGE_N));
	json_object_set_new(s, "min_expected", json_real(DRIFT_MIN_EXPECTED));
	json_object_set_new(s, "multiple_testing", json_string("benjamini-hochberg"));
	for (i = 0; i < o->ncols; i++) {
		const struct refdrift_col *c = &o->cols[i];
		json_t *e = json_object();

		if (!e)
			break;
		json_object_set_new(e, "column", json_string(c->column));
		if (c->off)
			json_object_set_new(e, "off", json_true());
		if (c->alpha >= 0)
			json_object_set_new(e, "alpha", json_real(c->alpha));
		if (c->psi >= 0)
			json_object_set_new(e, "psi", json_real(c->psi));
		if (c->wasserstein >= 0)
			json_object_set_new(e, "wasserstein", json_real(c->wasserstein));
		if (c->js >= 0)
			json_object_set_new(e, "js", json_real(c->js));
		if (c->severity >= 0)
			json_object_set_new(e, "severity", json_string(sev[c->severity]));
		json_array_append_new(ov, e);
	}
	json_object_set_new(s, "columns", ov);
	return s;
}

/* Rewrite the report's anomalies, summary and verdict from a. */
static int rewrite_verdict(json_t *report, const struct anomalies *a)
{
	json_t *an = anomalies_json(a), *sum = json_object();

	if (!an || !sum) {
		json_decref(an);
		json_decref(sum);
		return -1;
	}
	json_object_set_new(sum, "errors", json_integer((json_int_t)a->errors));
	json_object_set_new(sum, "warnings", json_integer((json_int_t)a->warnings));
	json_object_set_new(sum, "infos", json_integer((json_int_t)a->infos));
	json_object_set_new(report, "anomalies", an);
	json_object_set_new(report, "summary", sum);
	json_object_set_new(report, "verdict", json_string(a->errors ? "fail" : "pass"));
	return 0;
}

int refdrift_apply(const struct refdrift_ref *ref, json_t *report,
		   const char *label, struct anomalies *a,
		   struct refdrift_summary *sum, struct mlci_err *err)
{
	const struct refdrift_opts *o = ref->opts;
	struct refdrift_side *cs = NULL;
	struct cmp *k = NULL;
	size_t nc = 0, nk = 0, i, m = 0, compared = 0, drifted = 0;
	double *p = NULL, share;
	json_t *dr = NULL, *cols, *only_ref, *only_here, *rj, *lj = NULL;
	const char *lab = label ? label : ref->label;
	int rc = -1;

	memset(sum, 0, sizeof(*sum));
	if (sides_read(json_object_get(report, "columns"), "the data report",
		       &cs, &nc, err) < 0)
		goto out;
	k = calloc(nc ? nc : 1, sizeof(*k));
	p = calloc(nc ? nc : 1, sizeof(*p));
	dr = json_object();
	cols = json_array();
	only_ref = json_array();
	only_here = json_array();
	if (!k || !p || !dr || !cols || !only_ref || !only_here) {
		json_decref(cols);
		json_decref(only_ref);
		json_decref(only_here);
		OOM(err);
		goto out;
	}
	json_object_set_new(dr, "columns", cols);
	json_object_set_new(dr, "only_in_reference", only_ref);
	json_object_set_new(dr, "only_in_data", only_here);
	for (i = 0; i < nc; i++) {
		const struct refdrift_side *r;

		if (lab && !strcmp(cs[i].name, lab))
			continue;
		r = side_find(ref->cols, ref->ncols, cs[i].name);
		if (!r) {
			json_array_append_new(only_here, json_string(cs[i].name));
			continue;
		}
		k[nk].r = r;
		k[nk].c = &cs[i];
		k[nk].t = thresholds_for(o, cs[i].name);
		if (compare(&k[nk], o->reference, err) < 0)
			goto out;
		if (k[nk].compared && k[nk].res.test)
			p[m++] = k[nk].res.p_value;
		nk++;
	}
	for (i = 0; i < ref->ncols; i++)
		if (!(lab && !strcmp(ref->cols[i].name, lab)) &&
		    !side_find(cs, nc, ref->cols[i].name))
			json_array_append_new(only_ref, json_string(ref->cols[i].name));
	/* nothing to compare is not "no drift": the reference is another
	 * data set's (as --against refuses a file with no column in common) */
	if (!nk && json_array_size(only_ref) && json_array_size(only_here)) {
		err_set(err, MLCI_EXIT_DATAERR, o->reference,
			"no feature column in common with the data (the "
			"reference has '%s', the data '%s'): the report of "
			"another data set?",
			json_string_value(json_array_get(only_ref, 0)),
			json_string_value(json_array_get(only_here, 0)));
		goto out;
	}
	if (m && drift_bh(p, m, p, err) < 0)
		goto out;
	for (i = 0, m = 0; i < nk; i++) {
		struct cmp *x = &k[i];
		json_t *e;

		if (x->compared) {
			x->q = x->res.test ? p[m++] : 1;
			judge(x);
			compared++;
			drifted += x->drifted;
		} else if (x->why_not && !strcmp(x->why_not,
						 "the type differs from the reference's") &&
			   anomalies_add(a, "reference_type_mismatch", SEV_WARNING,
					 x->c->name, -1,
					 "type %s here, %s in the reference: not compared for drift",
					 col_type_name(x->c->type),
					 col_type_name(x->r->type)) < 0) {
			OOM(err);
			goto out;
		}
		if (x->drifted &&
		    anomalies_add(a, "drift", (enum severity)x->t.severity, x->c->name, -1,
				  "drifted from the reference: %s", x->why) < 0) {
			OOM(err);
			goto out;
		}
		if (!(e = cmp_json(x)) || json_array_append_new(cols, e) < 0) {
			OOM(err);
			goto out;
		}
	}
	share = compared ? (double)drifted / (double)compared : 0;
	json_object_set_new(dr, "compared", json_integer((json_int_t)compared));
	json_object_set_new(dr, "drifted", json_integer((json_int_t)drifted));
	json_object_set_new(dr, "tested", json_integer((json_int_t)m));
	json_object_set_new(dr, "share", json_real(share));
	json_object_set_new(dr, "dataset_drift", json_boolean(share > o->max_share));
	if (share > o->max_share &&
	    anomalies_add(a, "dataset_drift", SEV_ERROR, NULL, (long)drifted,
			  "%zu of %zu compared columns drifted from the reference "
			  "(%.1f%%, more than the %g allowed)", drifted, compared,
			  100 * share, o->max_share) < 0) {
		OOM(err);
		goto out;
	}
	if (label) {
		if (label_section(ref, label, cs, nc, a, &lj, err) < 0) {
			json_decref(lj);
			goto out;
		}
		json_object_set_new(dr, "label", lj);
	}
	rj = json_object();
	if (!rj) {
		OOM(err);
		goto out;
	}
	json_object_set_new(rj, "path", json_string(o->reference));
	json_object_set_new(rj, "sha256", json_string(ref->sha));
	json_object_set_new(rj, "rows", json_deep_copy(json_object_get(ref->art, "rows")));
	if (ref->label)
		json_object_set_new(rj, "label", json_string(ref->label));
	json_object_set_new(dr, "reference", rj);
	{
		json_t *s = settings_json(o);

		if (!s) {
			OOM(err);
			goto out;
		}
		json_object_set_new(dr, "settings", s);
	}
	if (artifact_add_input(report, "reference", o->reference, ref->sha) < 0 ||
	    rewrite_verdict(report, a) < 0) {
		OOM(err);
		goto out;
	}
	json_object_set_new(report, "drift", dr);
	dr = NULL;
	sum->compared = compared;
	sum->drifted = drifted;
	sum->share = share;
	rc = 0;
out:
	json_decref(dr);
	free(k);
	free(p);
	sides_free(cs, nc);
	return rc;
}
