/*
 * validate.c - column statistics, schema inference and checking, and
 * the data report. See validate.h for the rules.
 */
#include "validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "artifact.h"
#include "io.h"
#include "model.h"
#include "util.h"

#define OOM(err) err_set((err), MLCI_EXIT_SOFTWARE, NULL, "out of memory")

/* ---- types ---- */

static const char *const type_names[] = { "integer", "number", "boolean",
					  "string" };

const char *col_type_name(enum col_type t)
{
	return (unsigned)t < 4 ? type_names[t] : "?";
}

int col_type_parse(const char *s, enum col_type *out)
{
	int i;

	for (i = 0; s && i < 4; i++)
		if (!strcmp(s, type_names[i])) {
			*out = (enum col_type)i;
			return 0;
		}
	return -1;
}

static int is_bool(const char *s)
{
	return !strcasecmp(s, "true") || !strcasecmp(s, "false");
}

int col_type_accepts(enum col_type t, const char *s)
{
	long l;
	double d;

	switch (t) {
	case COL_INTEGER: return parse_long(s, &l) == 0;
	case COL_NUMBER: return parse_double(s, &d) == 0;
	case COL_BOOLEAN: return is_bool(s);
	case COL_STRING: return 1;
	}
	return 0;
}

/* A cell's number in a column known to be numeric. */
static double cell_number(const char *s)
{
	double d = 0;
	long l;

	if (parse_long(s, &l) == 0)
		return (double)l;
	parse_double(s, &d);
	return d;
}

/* A number for a message: integers in full, others shortest round-trip. */
static void num_str(char *out, size_t n, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, n, "%.0f", v);
	else
		fmt_double(out, n, v);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static int is_numeric(enum col_type t)
{
	return t == COL_INTEGER || t == COL_NUMBER;
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_top(const void *a, const void *b)
{
	const struct value_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

static int numeric_stats(struct col_stats *cs, const struct frame *f,
			 size_t c, struct mlci_err *err)
{
	double *v = malloc((cs->count ? cs->count : 1) * sizeof(*v));
	long double sum = 0, m2 = 0, mean, x;
	double big = 0;
	size_t r, n = 0, i;
	int e;

	if (!v)
		return OOM(err);
	for (r = 0; r < f->nrows; r++) {
		const char *s = frame_cell(f, r, c);

		if (s) {
			v[n] = cell_number(s);
			if (fabs(v[n]) > big)
				big = fabs(v[n]);
			n++;
		}
	}
	/* The sums run on the values divided by 2^e >= max |x|, so that
	 * huge finite values cannot overflow them (nor the variance's
	 * conversion to double); scaling by a power of two is exact, so
	 * the results are bit for bit those of the unscaled sums whenever
	 * those do not overflow. */
	frexp(big, &e);
	for (i = 0; i < n; i++)
		sum += ldexpl(v[i], -e);
	mean = sum / (long double)n;
	for (i = 0; i < n; i++) {
		x = ldexpl(v[i], -e) - mean;
		m2 += x * x;
	}
	cs->mean = (double)ldexpl(mean, e);
	cs->std = n > 1 ? ldexp(sqrt((double)(m2 / (long double)(n - 1))), e) : NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	cs->min = v[0];
	cs->max = v[n - 1];
	cs->distinct = 1;
	for (i = 1; i < n; i++)
		cs->distinct += v[i] != v[i - 1];
	free(v);
	return 0;
}

/* Few distinct values, each repeated on average: categories. */
static int looks_categorical(const struct col_stats *cs)
{
	return cs->nvalues <= VALIDATE_MAX_CATEGORIES &&
		cs->nvalues * 2 <= cs->count;
}

/* The distinct values (as written) and their counts; set_distinct: also
 * cs->distinct (numeric columns count distinct numbers instead). */
static int string_stats(struct col_stats *cs, const struct frame *f,
			size_t c, int set_distinct, struct mlci_err *err)
{
	const char **p = malloc((cs->count ? cs->count : 1) * sizeof(*p));
	size_t r, n = 0, i, k = 0;

	if (!p)
		return OOM(err);
	for (r = 0; r < f->nrows; r++)
		if (frame_cell(f, r, c))
			p[n++] = frame_cell(f, r, c);
	qsort(p, n, sizeof(*p), cmp_str);
	for (i = 0; i < n; i++)
		k += i == 0 || strcmp(p[i], p[i - 1]);
	if (set_distinct)
		cs->distinct = k;
	cs->values = calloc(k ? k : 1, sizeof(*cs->values));
	k = 0;
	if (!cs->values) {
		free(p);
		return OOM(err);
	}
	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(p[i], p[i - 1]))
			cs->values[k++].value = p[i];
		cs->values[k - 1].count++;
	}
	cs->nvalues = k;
	free(p);
	cs->ntop = k < VALIDATE_TOP_VALUES ? k : VALIDATE_TOP_VALUES;
	cs->top = malloc((k ? k : 1) * sizeof(*cs->top));
	if (!cs->top)
		return OOM(err);
	memcpy(cs->top, cs->values, k * sizeof(*cs->top));
	qsort(cs->top, k, sizeof(*cs->top), cmp_top);
	return 0;
}

static int column_stats(struct col_stats *cs, const struct frame *f, size_t c,
			int is_label, struct mlci_err *err)
{
	int all_int = 1, all_num = 1, all_bool = 1;
	size_t r;

	cs->name = f->names[c];
	cs->mean = cs->std = cs->min = cs->max = NAN;
	for (r = 0; r < f->nrows; r++) {
		const char *s = frame_cell(f, r, c);
		long l;
		double d;

		if (!s) {
			cs->missing++;
			continue;
		}
		cs->count++;
		if (all_int && parse_long(s, &l) < 0)
			all_int = 0;
		if (!all_int && all_num && parse_double(s, &d) < 0)
			all_num = 0;
		if (all_bool && !is_bool(s))
			all_bool = 0;
	}
	if (!cs->count)
		cs->type = COL_STRING;
	else if (all_int)
		cs->type = COL_INTEGER;
	else if (all_num)
		cs->type = COL_NUMBER;
	else if (all_bool)
		cs->type = COL_BOOLEAN;
	else
		cs->type = COL_STRING;
	if (!cs->count)
		return 0;
	if (is_numeric(cs->type) && numeric_stats(cs, f, c, err) < 0)
		return -1;
	if (is_numeric(cs->type) && !is_label)
		return 0;
	/* the label's values as written are its classes, whatever its type;
	 * a numeric label keeps its numeric distinct count */
	if (string_stats(cs, f, c, !is_numeric(cs->type), err) < 0)
		return -1;
	/* a string or boolean label is a class label; a numeric one only
	 * when it looks categorical (wine's 0/1/2, not flights' delay) */
	if (is_label)
		cs->categorical = cs->nvalues <= MODEL_MAX_CLASSES &&
			(!is_numeric(cs->type) || looks_categorical(cs));
	else
		cs->categorical = cs->type == COL_STRING && looks_categorical(cs);
	return 0;
}

struct dup_ctx {
	const struct frame *f;
	const uint64_t *hash;
};

static uint64_t row_hash(const struct frame *f, size_t r)
{
	uint64_t h = 1469598103934665603ULL;
	size_t c;

	for (c = 0; c < f->ncols; c++) {
		const unsigned char *s = (const unsigned char *)frame_cell(f, r, c);

		if (!s) {
			h = (h ^ 0x01) * 1099511628211ULL;
			continue;
		}
		for (; *s; s++)
			h = (h ^ *s) * 1099511628211ULL;
		h = (h ^ 0x00) * 1099511628211ULL;
		h = (h ^ 0x02) * 1099511628211ULL;
	}
	return h;
}

static int row_cmp(const struct frame *f, size_t a, size_t b)
{
	size_t c;

	for (c = 0; c < f->ncols; c++) {
		const char *x = frame_cell(f, a, c), *y = frame_cell(f, b, c);
		int d;

		if (!x || !y) {
			if (x != y)
				return x ? 1 : -1;
			continue;
		}
		d = strcmp(x, y);
		if (d)
			return d;
	}
	return 0;
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct dup_ctx *ctx = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int d;

	if (ctx->hash[a] != ctx->hash[b])
		return ctx->hash[a] < ctx->hash[b] ? -1 : 1;
	d = row_cmp(ctx->f, a, b);
	if (d)
		return d;
	return a < b ? -1 : a > b;
}

static int count_duplicates(const struct frame *f, size_t *out,
			    struct mlci_err *err)
{
	uint64_t *h = malloc((f->nrows ? f->nrows : 1) * sizeof(*h));
	size_t *idx = malloc((f->nrows ? f->nrows : 1) * sizeof(*idx));
	struct dup_ctx ctx = { f, h };
	size_t r;

	*out = 0;
	if (!h || !idx) {
		free(h);
		free(idx);
		return OOM(err);
	}
	for (r = 0; r < f->nrows; r++) {
		h[r] = row_hash(f, r);
		idx[r] = r;
	}
	qsort_r(idx, f->nrows, sizeof(*idx), cmp_rows, &ctx);
	for (r = 1; r < f->nrows; r++)
		if (h[idx[r]] == h[idx[r - 1]] && !row_cmp(f, idx[r], idx[r - 1]))
			(*out)++;
	free(h);
	free(idx);
	return 0;
}

int data_stats_compute(struct data_stats *s, const struct frame *f,
		       const char *label, struct mlci_err *err)
{
	size_t c;

	memset(s, 0, sizeof(*s));
	s->nrows = f->nrows;
	s->ncols = f->ncols;
	s->cols = calloc(f->ncols ? f->ncols : 1, sizeof(*s->cols));
	if (!s->cols)
		return OOM(err);
	for (c = 0; c < f->ncols; c++)
		if (column_stats(&s->cols[c], f, c,
				 label && !strcmp(label, f->names[c]), err) < 0)
			goto fail;
	if (count_duplicates(f, &s->duplicate_rows, err) < 0)
		goto fail;
	return 0;
fail:
	data_stats_free(s);
	return -1;
}

void data_stats_free(struct data_stats *s)
{
	size_t c;

	if (!s->cols)
		return;
	for (c = 0; c < s->ncols; c++) {
		free(s->cols[c].values);
		free(s->cols[c].top);
	}
	free(s->cols);
	memset(s, 0, sizeof(*s));
}

/* An integer-valued number as a JSON integer, anything else as a real;
 * NaN as null. */
static json_t *json_num(double v)
{
	if (isnan(v))
		return json_null();
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

json_t *data_stats_json(const struct data_stats *s)
{
	json_t *arr = json_array();
	size_t c, i;

	if (!arr)
		return NULL;
	for (c = 0; c < s->ncols; c++) {
		const struct col_stats *cs = &s->cols[c];
		json_t *o = json_object();

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
		json_object_set_new(o, "name", json_string(cs->name));
		json_object_set_new(o, "type", json_string(col_type_name(cs->type)));
		json_object_set_new(o, "count", json_integer((json_int_t)cs->count));
		json_object_set_new(o, "missing", json_integer((json_int_t)cs->missing));
		json_object_set_new(o, "missing_rate", json_real(s->nrows ?
			(double)cs->missing / (double)s->nrows : 0));
		json_object_set_new(o, "distinct", json_integer((json_int_t)cs->distinct));
		if (is_numeric(cs->type) && cs->count) {
			/* integer columns' mean and std stay reals */
			json_object_set_new(o, "mean", json_real(cs->mean));
			/* null: fewer than 2 values, or beyond a double */
			json_object_set_new(o, "std", !isfinite(cs->std) ?
					    json_null() : json_real(cs->std));
			json_object_set_new(o, "min", cs->type == COL_INTEGER ?
					    json_num(cs->min) : json_real(cs->min));
			json_object_set_new(o, "max", cs->type == COL_INTEGER ?
					    json_num(cs->max) : json_real(cs->max));
		}
		if (cs->type == COL_STRING)
			json_object_set_new(o, "categorical",
					    json_boolean(cs->categorical));
		if (cs->values && !is_numeric(cs->type)) {
			json_t *top = json_array();

			for (i = 0; top && i < cs->ntop; i++) {
				json_t *t = json_object();

				json_object_set_new(t, "value",
						    json_string(cs->top[i].value));
				json_object_set_new(t, "count",
					json_integer((json_int_t)cs->top[i].count));
				json_array_append_new(top, t);
			}
			json_object_set_new(o, "top", top);
		}
	}
	return arr;
}

/* ---- anomalies ---- */

static const char *const sev_names[] = { "error", "warning", "info" };

int anomalies_add(struct anomalies *a, const char *code, enum severity sev,
		  const char *column, long count, const char *fmt, ...)
{
	struct anomaly *x;
	va_list ap;
	char msg[1024];

	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct anomaly *nv = realloc(a->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		a->v = nv;
		a->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x = &a->v[a->n];
	x->code = code;
	x->severity = sev;
	x->count = count;
	x->column = column ? strdup(column) : NULL;
	x->message = strdup(msg);
	if (!x->message || (column && !x->column)) {
		free(x->column);
		free(x->message);
		return -1;
	}
	a->n++;
	if (sev == SEV_ERROR)
		a->errors++;
	else if (sev == SEV_WARNING)
		a->warnings++;
	else
		a->infos++;
	return 0;
}

void anomalies_free(struct anomalies *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].column);
		free(a->v[i].message);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

json_t *anomalies_json(const struct anomalies *a)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < a->n; i++) {
		const struct anomaly *x = &a->v[i];
		json_t *o = json_object();

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
		json_object_set_new(o, "code", json_string(x->code));
		json_object_set_new(o, "severity",
				    json_string(sev_names[x->severity]));
		json_object_set_new(o, "message", json_string(x->message));
		if (x->column)
			json_object_set_new(o, "column", json_string(x->column));
		if (x->count >= 0)
			json_object_set_new(o, "count", json_integer(x->count));
	}
	return arr;
}

/* ---- schemas ---- */

void schema_free(struct schema *sc)
{
	size_t i, k;

	for (i = 0; sc->cols && i < sc->ncols; i++) {
		free(sc->cols[i].name);
		for (k = 0; k < sc->cols[i].ncategories; k++)
			free(sc->cols[i].categories[k]);
		free(sc->cols[i].categories);
	}
	free(sc->cols);
	free(sc->label);
	memset(sc, 0, sizeof(*sc));
}

int schema_find(const struct schema *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->ncols; i++)
		if (!strcmp(sc->cols[i].name, name))
			return (int)i;
	return -1;
}

int schema_infer(struct schema *sc, const struct data_stats *s,
		 const char *label, struct mlci_err *err)
{
	size_t c, k;

	memset(sc, 0, sizeof(*sc));
	sc->cols = calloc(s->ncols ? s->ncols : 1, sizeof(*sc->cols));
	if (!sc->cols || (label && !(sc->label = strdup(label))))
		goto oom;
	sc->ncols = s->ncols;
	for (c = 0; c < s->ncols; c++) {
		const struct col_stats *cs = &s->cols[c];
		struct schema_col *col = &sc->cols[c];

		col->max_missing = -1;
		col->type = cs->type;
		col->nullable = cs->missing > 0;
		if (!(col->name = strdup(cs->name)))
			goto oom;
		if (is_numeric(cs->type) && cs->count) {
			col->has_range = 1;
			col->min = cs->min;
			col->max = cs->max;
		}
		if (!cs->categorical)
			continue;
		col->categories = calloc(cs->nvalues ? cs->nvalues : 1,
					 sizeof(*col->categories));
		if (!col->categories)
			goto oom;
		for (k = 0; k < cs->nvalues; k++) {
			if (!(col->categories[k] = strdup(cs->values[k].value)))
				goto oom;
			col->ncategories++;
		}
	}
	return 0;
oom:
	schema_free(sc);
	return OOM(err);
}

int schema_to_json(const struct schema *sc, json_t *art)
{
	json_t *cols = json_array();
	size_t i, k;

	if (!cols)
		return -1;
	for (i = 0; i < sc->ncols; i++) {
		const struct schema_col *col = &sc->cols[i];
		json_t *o = json_object();

		if (!o || json_array_append_new(cols, o) < 0) {
			json_decref(cols);
			return -1;
		}
		json_object_set_new(o, "name", json_string(col->name));
		json_object_set_new(o, "type", json_string(col_type_name(col->type)));
		json_object_set_new(o, "nullable", json_boolean(col->nullable));
		if (col->has_range) {
			json_object_set_new(o, "min", col->type == COL_INTEGER ?
					    json_num(col->min) : json_real(col->min));
			json_object_set_new(o, "max", col->type == COL_INTEGER ?
					    json_num(col->max) : json_real(col->max));
		}
		if (col->categories) {
			json_t *cat = json_array();

			for (k = 0; cat && k < col->ncategories; k++)
				json_array_append_new(cat,
					json_string(col->categories[k]));
			json_object_set_new(o, "categories", cat);
		}
		if (col->max_missing >= 0)
			json_object_set_new(o, "max_missing",
					    json_real(col->max_missing));
		if (col->enforced != sc->enforced)
			json_object_set_new(o, "domain", json_string(
				col->enforced ? "enforced" : "observed"));
	}
	json_object_set_new(art, "columns", cols);
	json_object_set_new(art, "domain",
			    json_string(sc->enforced ? "enforced" : "observed"));
	if (sc->label)
		json_object_set_new(art, "label", json_string(sc->label));
	return 0;
}

static int parse_domain(const json_t *v, int dflt, int *out)
{
	const char *s;

	if (!v) {
		*out = dflt;
		return 0;
	}
	s = json_string_value(v);
	if (s && !strcmp(s, "enforced"))
		*out = 1;
	else if (s && !strcmp(s, "observed"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A 65 error about schema column i (0-based; messages count from 1),
 * naming it when it has a name. */
static int bad_col(struct mlci_err *err, const char *path, size_t i,
		   const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int bad_col(struct mlci_err *err, const char *path, size_t i,
		   const char *name, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (name)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "schema column %zu ('%.100s'): %s", i + 1, name, what);
	return err_set(err, MLCI_EXIT_DATAERR, path, "schema column %zu: %s",
		       i + 1, what);
}

/* The keys a schema column may have (as schema.schema.json). */
static const char *const col_keys[] = { "name", "type", "nullable", "min",
	"max", "categories", "max_missing", "domain", NULL };

static int schema_col_from_json(struct schema_col *col, const json_t *o,
				size_t i, int dflt_enforced, const char *path,
				struct mlci_err *err)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *key;
	json_t *v, *cat;
	size_t k;

	col->max_missing = -1;
	if (!json_is_object(o))
		return bad_col(err, path, i, NULL, "expected an object, "
			       "{\"name\": ..., \"type\": ...}");
	if (!name || !*name)
		return bad_col(err, path, i, NULL,
			       "\"name\" is missing or not a non-empty string");
	if (!(col->name = strdup(name)))
		return OOM(err);
	json_object_foreach((json_t *)o, key, v) {
		for (k = 0; col_keys[k] && strcmp(col_keys[k], key); k++)
			;
		if (!col_keys[k])
			return bad_col(err, path, i, name,
				       "unknown key \"%.60s\" (known: name, type, "
				       "nullable, min, max, categories, "
				       "max_missing, domain)", key);
	}
	if (col_type_parse(json_string_value(json_object_get(o, "type")),
			   &col->type) < 0)
		return bad_col(err, path, i, name, "\"type\" must be integer, "
			       "number, boolean or string");
	v = json_object_get(o, "nullable");
	if (v && !json_is_boolean(v))
		return bad_col(err, path, i, name,
			       "\"nullable\" must be true or false");
	col->nullable = v ? json_is_true(v) : 1;
	if (json_object_get(o, "min") || json_object_get(o, "max")) {
		if (!is_numeric(col->type) ||
		    !json_is_number(json_object_get(o, "min")) ||
		    !json_is_number(json_object_get(o, "max")))
			return bad_col(err, path, i, name, "\"min\" and \"max\" "
				       "must both be numbers, on a numeric column");
		col->has_range = 1;
		col->min = json_number_value(json_object_get(o, "min"));
		col->max = json_number_value(json_object_get(o, "max"));
		if (col->min > col->max)
			return bad_col(err, path, i, name,
				       "\"min\" is above \"max\"");
	}
	v = json_object_get(o, "max_missing");
	if (v) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 1)
			return bad_col(err, path, i, name, "\"max_missing\" must "
				       "be a rate between 0 and 1");
		col->max_missing = json_number_value(v);
	}
	if (parse_domain(json_object_get(o, "domain"), dflt_enforced,
			 &col->enforced) < 0)
		return bad_col(err, path, i, name, "\"domain\" must be "
			       "\"observed\" or \"enforced\"");
	cat = json_object_get(o, "categories");
	if (!cat)
		return 0;
	if (!json_is_array(cat))
		return bad_col(err, path, i, name, "\"categories\" must be an "
			       "array of strings");
	if (!json_array_size(cat))
		return bad_col(err, path, i, name, "\"categories\" is empty, so "
			       "no value would be allowed (leave it out to "
			       "allow any)");
	col->categories = calloc(json_array_size(cat) + 1,
				 sizeof(*col->categories));
	if (!col->categories)
		return OOM(err);
	for (k = 0; k < json_array_size(cat); k++) {
		const char *s = json_string_value(json_array_get(cat, k));

		if (!s)
			return bad_col(err, path, i, name,
				       "category %zu is not a string", k + 1);
		if (!(col->categories[k] = strdup(s)))
			return OOM(err);
		col->ncategories++;
	}
	qsort(col->categories, col->ncategories, sizeof(char *), cmp_cstr);
	return 0;
}

static int cmp_col_name(const void *a, const void *b, void *arg)
{
	const struct schema_col *cols = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(cols[x].name, cols[y].name);

	return d ? d : x < y ? -1 : x > y;
}

/* A column name given twice: 65 naming both columns. */
static int check_unique(const struct schema *sc, const char *path,
			struct mlci_err *err)
{
	size_t *idx = malloc((sc->ncols + 1) * sizeof(*idx)), i, first = 0, dup = 0;
	int found = 0;

	if (!idx)
		return OOM(err);
	for (i = 0; i < sc->ncols; i++)
		idx[i] = i;
	qsort_r(idx, sc->ncols, sizeof(*idx), cmp_col_name, sc->cols);
	/* sorted by name, then position: a group's second entry is its
	 * first repeat, the entry before it the name's first column; report
	 * the repeat that comes first in the file */
	for (i = 1; i < sc->ncols; i++)
		if (!strcmp(sc->cols[idx[i]].name, sc->cols[idx[i - 1]].name) &&
		    (!found || idx[i] < dup)) {
			found = 1;
			dup = idx[i];
			first = idx[i - 1];
		}
	free(idx);
	if (!found)
		return 0;
	return bad_col(err, path, dup, sc->cols[dup].name,
		       "the name appears twice (also column %zu)", first + 1);
}

int schema_from_json(struct schema *sc, const json_t *art, const char *path,
		     struct mlci_err *err)
{
	json_t *cols, *label;
	size_t i;

	memset(sc, 0, sizeof(*sc));
	if (json_get_array(art, "columns", &cols, path, err) < 0)
		return -1;
	if (parse_domain(json_object_get(art, "domain"), 1, &sc->enforced) < 0)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "\"domain\" must be \"observed\" or \"enforced\"");
	label = json_object_get(art, "label");
	if (label && !json_is_null(label) &&
	    (!json_is_string(label) || !*json_string_value(label)))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "\"label\" must be a non-empty string");
	if (!json_array_size(cols))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "\"columns\" is empty: a schema must list at "
			       "least one column");
	if (label && json_is_string(label) &&
	    !(sc->label = strdup(json_string_value(label))))
		return OOM(err);
	sc->cols = calloc(json_array_size(cols) + 1, sizeof(*sc->cols));
	if (!sc->cols)
		goto oom;
	for (i = 0; i < json_array_size(cols); i++) {
		int rc = schema_col_from_json(&sc->cols[i],
					      json_array_get(cols, i), i,
					      sc->enforced, path, err);

		sc->ncols++;
		if (rc < 0)
			goto fail;
	}
	if (check_unique(sc, path, err) < 0)
		goto fail;
	return 0;
oom:
	OOM(err);
fail:
	schema_free(sc);
	return -1;
}

/* ---- checks ---- */

/* Does a value of data type d always fit schema type s? */
static int type_fits(enum col_type s, enum col_type d)
{
	return s == d || s == COL_STRING || (s == COL_NUMBER && d == COL_INTEGER);
}

static void pct(char *out, size_t n, double rate)
{
	char v[40];

	num_str(v, sizeof(v), round(rate * 1e6) / 1e4);
	snprintf(out, n, "%s%%", v);
}

static int in_categories(const struct schema_col *col, const char *s)
{
	return bsearch(&s, col->categories, col->ncategories, sizeof(char *),
		       cmp_cstr) != NULL;
}

/* Append the quoted value to list (up to 5 of them). */
static void list_value(char *list, size_t n, size_t *listed, const char *v)
{
	size_t len = strlen(list);

	if (*listed < 5)
		snprintf(list + len, n - len, "%s'%.40s'", *listed ? ", " : "", v);
	else if (*listed == 5)
		snprintf(list + len, n - len, ", ...");
	(*listed)++;
}

static int check_categories(const struct frame *f, const struct col_stats *cs,
			    size_t c, const struct schema_col *col, int is_label,
			    struct anomalies *a)
{
	char list[400] = "";
	size_t listed = 0, rows = 0, k, r;

	if (cs->values) {
		for (k = 0; k < cs->nvalues; k++)
			if (!in_categories(col, cs->values[k].value)) {
				rows += cs->values[k].count;
				list_value(list, sizeof(list), &listed,
					   cs->values[k].value);
			}
	} else {
		/* numeric-looking values in a string column: no value list */
		for (r = 0; r < f->nrows; r++) {
			const char *s = frame_cell(f, r, c);

			if (s && !in_categories(col, s)) {
				if (!rows || listed < 5)
					list_value(list, sizeof(list), &listed, s);
				rows++;
			}
		}
	}
	if (!rows)
		return 0;
	if (is_label)
		return anomalies_add(a, "unseen_label", SEV_ERROR, cs->name,
				     (long)rows,
				     "label '%s': %zu row%s with a class the schema does not list: %s",
				     cs->name, rows, plural(rows), list);
	return anomalies_add(a, "unseen_category",
			     col->enforced ? SEV_ERROR : SEV_WARNING, cs->name,
			     (long)rows,
			     "column '%s': %zu row%s with a category the schema does not list: %s",
			     cs->name, rows, plural(rows), list);
}

static int check_against(const struct frame *f, const struct col_stats *cs,
			 size_t c, const struct schema_col *col, int is_label,
			 struct anomalies *a)
{
	size_t r, bad = 0, first = 0;
	char lo[40], hi[40], v[40];

	if (!type_fits(col->type, cs->type)) {
		for (r = 0; r < f->nrows; r++) {
			const char *s = frame_cell(f, r, c);

			if (s && !col_type_accepts(col->type, s) && !bad++)
				first = r;
		}
		if (bad) {
			size_t i = first * f->ncols + c;

			return anomalies_add(a, "type_mismatch", SEV_ERROR,
					     cs->name, (long)bad,
					     "column '%s': %zu value%s not %s "
					     "(first '%.40s' at line %u, column %u)",
					     cs->name, bad, bad == 1 ? " is" : "s are",
					     col_type_name(col->type),
					     frame_cell(f, first, c), f->line[i],
					     f->col[i]);
		}
	}
	if (col->has_range && is_numeric(col->type)) {
		for (r = 0; r < f->nrows; r++) {
			const char *s = frame_cell(f, r, c);
			double d;

			if (!s)
				continue;
			d = cell_number(s);
			if ((d < col->min || d > col->max) && !bad++)
				first = r;
		}
		if (bad) {
			size_t i = first * f->ncols + c;

			num_str(lo, sizeof(lo), col->min);
			num_str(hi, sizeof(hi), col->max);
			num_str(v, sizeof(v), cell_number(frame_cell(f, first, c)));
			if (anomalies_add(a, "out_of_range",
					  col->enforced ? SEV_ERROR : SEV_WARNING,
					  cs->name, (long)bad,
					  "column '%s': %zu value%s outside the "
					  "schema's range [%s, %s] (first %s at "
					  "line %u, column %u)", cs->name, bad,
					  plural(bad), lo, hi, v, f->line[i],
					  f->col[i]) < 0)
				return -1;
		}
	}
	if (col->categories)
		return check_categories(f, cs, c, col, is_label, a);
	return 0;
}

static int check_column(const struct frame *f, const struct data_stats *s,
			size_t c, const struct schema *sc,
			const struct check_opts *o, struct anomalies *a)
{
	const struct col_stats *cs = &s->cols[c];
	int is_label = o->label && !strcmp(o->label, cs->name);
	int si = sc ? schema_find(sc, cs->name) : -1;
	const struct schema_col *col = si >= 0 ? &sc->cols[si] : NULL;
	double limit = o->max_missing, rate;
	char p1[48], p2[48];

	if (sc && !col && anomalies_add(a, "extra_column", SEV_WARNING,
					cs->name, -1,
					"column '%s' is not in the schema",
					cs->name) < 0)
		return -1;
	if (col && check_against(f, cs, c, col, is_label, a) < 0)
		return -1;
	if (limit < 0 && col)
		limit = col->max_missing >= 0 ? col->max_missing :
			!col->nullable ? 0 : -1;
	rate = s->nrows ? (double)cs->missing / (double)s->nrows : 0;
	if (is_label && cs->missing) {
		if (anomalies_add(a, "missing_label", SEV_ERROR, cs->name,
				  (long)cs->missing,
				  "label '%s': %zu row%s no label value",
				  cs->name, cs->missing,
				  cs->missing == 1 ? " has" : "s have") < 0)
			return -1;
	} else if (!is_label && limit >= 0 && rate > limit) {
		pct(p1, sizeof(p1), rate);
		pct(p2, sizeof(p2), limit);
		if (anomalies_add(a, "missing_over_limit", SEV_ERROR, cs->name,
				  (long)cs->missing,
				  "column '%s': %zu missing value%s (%s), over "
				  "the limit of %s%s", cs->name, cs->missing,
				  plural(cs->missing), p1, p2, col && limit == 0 &&
				  o->max_missing < 0 ? " (not nullable)" : "") < 0)
			return -1;
	}
	if (!cs->count)
		return anomalies_add(a, "all_missing", SEV_WARNING, cs->name,
				     (long)cs->missing,
				     "column '%s' has no values at all", cs->name);
	if (cs->distinct == 1) {
		char v[48];

		if (is_numeric(cs->type))
			num_str(v, sizeof(v), cs->min);
		else
			snprintf(v, sizeof(v), "%.40s", cs->values[0].value);
		return anomalies_add(a, "constant_column", SEV_WARNING, cs->name,
				     (long)cs->count,
				     "column '%s' has the same value, '%s', in "
				     "every row that has one", cs->name, v);
	}
	if (!is_label && s->nrows >= VALIDATE_MIN_ID_ROWS &&
	    cs->distinct == s->nrows &&
	    (cs->type == COL_STRING || cs->type == COL_INTEGER))
		return anomalies_add(a, "all_distinct", SEV_INFO, cs->name,
				     (long)cs->distinct,
				     "column '%s' has a different value in "
				     "every row: an identifier, not a feature?",
				     cs->name);
	return 0;
}

int data_check(const struct frame *f, const struct data_stats *s,
	       const struct schema *sc, const struct check_opts *o,
	       struct anomalies *a, struct mlci_err *err)
{
	size_t i;

	for (i = 0; sc && i < sc->ncols; i++) {
		const char *name = sc->cols[i].name;

		if (frame_find(f, name) >= 0 || (o->label && !strcmp(o->label, name)))
			continue;
		if (anomalies_add(a, "missing_column", SEV_ERROR, name, -1,
				  "column '%s' of the schema is not in the data",
				  name) < 0)
			return OOM(err);
	}
	if (o->label && frame_find(f, o->label) < 0 &&
	    anomalies_add(a, "label_column_missing", SEV_ERROR, o->label, -1,
			  "label column '%s' is not in the data", o->label) < 0)
		return OOM(err);
	for (i = 0; i < f->ncols; i++)
		if (check_column(f, s, i, sc, o, a) < 0)
			return OOM(err);
	if (s->duplicate_rows &&
	    anomalies_add(a, "duplicate_rows", SEV_WARNING, NULL,
			  (long)s->duplicate_rows,
			  "%zu row%s repeat%s an earlier row exactly",
			  s->duplicate_rows, plural(s->duplicate_rows),
			  s->duplicate_rows == 1 ? "s" : "") < 0)
		return OOM(err);
	return 0;
}

/* ---- the step's work ---- */

/* A "no such column" error that lists what there is. */
static int no_label(const struct frame *f, const char *label,
		    struct mlci_err *err)
{
	struct buf b;
	size_t c;
	int rc;

	buf_init(&b);
	for (c = 0; c < f->ncols && b.len < 300; c++)
		buf_printf(&b, "%s%s", c ? ", " : "", f->names[c]);
	if (c < f->ncols)
		buf_addstr(&b, ", ...");
	rc = err_set(err, MLCI_EXIT_DATAERR, f->path,
		     "no column '%s' (from --label); the columns are: %s",
		     label, b.data ? b.data : "");
	buf_release(&b);
	return rc;
}

static json_t *build_report(const struct validate_opts *o,
			    const struct frame *f, const char *schema_sha,
			    const struct data_stats *s, const struct anomalies *a,
			    const char *label, struct mlci_err *err)
{
	json_t *art = artifact_new(KIND_DATA_REPORT, SCHEMA_DATA_REPORT,
				   o->producer, err);
	json_t *sum;

	if (!art)
		return NULL;
	sum = json_object();
	if (artifact_add_input(art, "data", o->data, f->sha256) < 0 ||
	    (schema_sha &&
	     artifact_add_input(art, "schema", o->schema, schema_sha) < 0) ||
	    !sum)
		goto oom;
	json_object_set_new(art, "rows", json_integer((json_int_t)s->nrows));
	json_object_set_new(art, "columns", data_stats_json(s));
	json_object_set_new(art, "anomalies", anomalies_json(a));
	json_object_set_new(art, "duplicate_rows",
			    json_integer((json_int_t)s->duplicate_rows));
	json_object_set_new(sum, "errors", json_integer((json_int_t)a->errors));
	json_object_set_new(sum, "warnings", json_integer((json_int_t)a->warnings));
	json_object_set_new(sum, "infos", json_integer((json_int_t)a->infos));
	json_object_set_new(art, "summary", sum);
	json_object_set_new(art, "verdict", json_string(a->errors ? "fail" : "pass"));
	if (label)
		json_object_set_new(art, "label", json_string(label));
	if (!json_is_array(json_object_get(art, "columns")) ||
	    !json_is_array(json_object_get(art, "anomalies")))
		goto oom;
	return art;
oom:
	json_decref(sum);
	json_decref(art);
	OOM(err);
	return NULL;
}

static json_t *build_schema(const struct validate_opts *o,
			    const struct frame *f, const struct data_stats *s,
			    const char *label, struct mlci_err *err)
{
	struct schema sc;
	json_t *art;

	if (schema_infer(&sc, s, label, err) < 0)
		return NULL;
	art = artifact_new(KIND_SCHEMA, SCHEMA_SCHEMA, o->producer, err);
	if (art && (artifact_add_input(art, "data", o->data, f->sha256) < 0 ||
		    schema_to_json(&sc, art) < 0)) {
		json_decref(art);
		art = NULL;
		OOM(err);
	}
	if (art)
		json_object_set_new(art, "rows", json_integer((json_int_t)s->nrows));
	schema_free(&sc);
	return art;
}

/* Write every (path, artifact) pair, all or none. */
static int write_all(const char **paths, json_t **arts, size_t n,
		     struct mlci_err *err)
{
	struct afile af[2];
	size_t i, opened = 0;
	int rc = -1;

	memset(af, 0, sizeof(af));
	for (i = 0; i < n; i++) {
		char *text = artifact_dumps(arts[i]);

		if (!text) {
			OOM(err);
			goto out;
		}
		if (afile_open(&af[i], paths[i], err) < 0) {
			free(text);
			goto out;
		}
		opened++;
		fputs(text, af[i].fp);
		free(text);
	}
	for (i = 0; i < n; i++)
		if (afile_commit(&af[i], err) < 0)
			goto out;
	rc = 0;
out:
	for (i = 0; i < opened; i++)
		afile_abort(&af[i]);
	return rc;
}

int validate_run(const struct validate_opts *o, struct validate_result *res,
		 struct mlci_err *err)
{
	struct frame f;
	struct schema sc;
	struct data_stats s;
	struct anomalies a;
	struct check_opts co;
	json_t *sart = NULL, *inferred = NULL, *arts[2];
	const char *paths[2];
	char ssha[SHA256_HEX_LEN + 1];
	const char *label;
	int rc = -1, have_schema = 0;
	size_t n = 0;

	memset(res, 0, sizeof(*res));
	memset(&f, 0, sizeof(f));
	memset(&sc, 0, sizeof(sc));
	memset(&s, 0, sizeof(s));
	memset(&a, 0, sizeof(a));
	if (o->schema && o->infer_schema)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "give --schema or --infer-schema, not both");
	if (o->max_missing > 1)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--max-missing: expected a rate between 0 and 1");
	if (frame_load(&f, o->data, &o->csv, err) < 0)
		return -1;
	if (o->schema) {
		if (artifact_load(o->schema, KIND_SCHEMA, SCHEMA_SCHEMA, &sart,
				  ssha, err) < 0 ||
		    schema_from_json(&sc, sart, o->schema, err) < 0)
			goto out;
		have_schema = 1;
	}
	label = o->label ? o->label : sc.label;
	if (o->label_suffix && !label) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--label-suffix needs --label (or a schema with a label)");
		goto out;
	}
	if (o->label && frame_find(&f, o->label) < 0) {
		no_label(&f, o->label, err);
		goto out;
	}
	if (label && o->label_suffix && frame_find(&f, label) >= 0)
		frame_strip_suffix(&f, (size_t)frame_find(&f, label),
				   o->label_suffix);
	if (data_stats_compute(&s, &f, label, err) < 0)
		goto out;
	co.label = label;
	co.max_missing = o->max_missing;
	if (data_check(&f, &s, have_schema ? &sc : NULL, &co, &a, err) < 0)
		goto out;
	res->report = build_report(o, &f, have_schema ? ssha : NULL, &s, &a,
				   label, err);
	if (!res->report)
		goto out;
	paths[n] = o->out;
	arts[n++] = res->report;
	if (o->infer_schema) {
		if (!(inferred = build_schema(o, &f, &s, label, err)))
			goto out;
		paths[n] = o->infer_schema;
		arts[n++] = inferred;
	}
	if (write_all(paths, arts, n, err) < 0)
		goto out;
	res->rows = f.nrows;
	res->cols = f.ncols;
	res->errors = a.errors;
	res->warnings = a.warnings;
	res->infos = a.infos;
	res->pass = a.errors == 0;
	rc = 0;
out:
	if (rc < 0) {
		json_decref(res->report);
		res->report = NULL;
	}
	json_decref(inferred);
	json_decref(sart);
	anomalies_free(&a);
	data_stats_free(&s);
	schema_free(&sc);
	frame_free(&f);
	return rc;
}

void validate_result_free(struct validate_result *res)
{
	json_decref(res->report);
	memset(res, 0, sizeof(*res));
}
