/*
 * serve_req.c - mlci-serve's request bodies (JSON or CSV rows) and the
 * JSON answer; see serve_req.h.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_req.h"

#define REQ_LABEL "request body"
/* the most rows one request may hold (the body's size bounds it first) */
#define REQ_MAX_ROWS ((size_t)1 << 22)

static int oom(struct mlci_err *err)
{
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

/* Feature j of m is numeric. */
static int is_numeric(const struct model *m, size_t j)
{
	return m->prep.cols[j].kind == PREP_NUMERIC;
}

static long feature_index(const struct model *m, const char *name)
{
	size_t j, p = model_nfeatures(m);

	for (j = 0; j < p; j++)
		if (!strcmp(model_feature_name(m, j), name))
			return (long)j;
	return -1;
}

/* Allocate f's arrays for nrows rows of m's features. */
static int frame_alloc(struct frame *f, const struct model *m, size_t nrows,
		       struct mlci_err *err)
{
	size_t j, p = model_nfeatures(m);

	f->path = strdup(REQ_LABEL);
	f->names = malloc((p + 1) * sizeof(*f->names));
	f->cells = calloc(nrows * p + 1, sizeof(*f->cells));
	f->line = calloc(nrows * p + 1, sizeof(*f->line));
	f->col = calloc(nrows * p + 1, sizeof(*f->col));
	if (!f->path || !f->names || !f->cells || !f->line || !f->col)
		return oom(err);
	for (j = 0; j < p; j++)
		f->names[j] = (char *)model_feature_name(m, j);
	f->ncols = p;
	f->nrows = nrows;
	return 0;
}

/* ---- JSON ---- */

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* Append the text of v (a number or string) to text, NUL-terminated;
 * *off gets where it starts. */
static int add_text(struct buf *text, const json_t *v, size_t *off)
{
	char num[64];
	const char *s;

	*off = text->len;
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		s = num;
	} else if (json_is_real(v)) {
		fmt_double(num, sizeof(num), json_real_value(v));
		s = num;
	} else {
		s = json_string_value(v);
	}
	return buf_add(text, s, strlen(s) + 1);
}

static int parse_json(struct serve_rows *r, const struct model *m,
		      const char *body, size_t n, struct mlci_err *err)
{
	json_error_t je;
	json_t *doc, *rows, *row, *v;
	struct buf text;
	size_t i, j, p = model_nfeatures(m), nrows;
	const char *key, *label = model_label(m);
	int rc = -1;

	buf_init(&text);
	doc = json_loadb(body, n, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "invalid JSON at line %d, column %d (byte %d): %s",
			       je.line, (je.column > 0 ? je.column : 1), je.position, je.text);
	rows = doc;
	if (json_is_object(doc)) {
		json_object_foreach(doc, key, v)
			if (strcmp(key, "rows")) {
				err_set(err, MLCI_EXIT_DATAERR, NULL,
					"unknown key '%.100s' (the body is "
					"{\"rows\": [...]} or a list of rows)", key);
				goto done;
			}
		rows = json_object_get(doc, "rows");
		if (!rows) {
			err_set(err, MLCI_EXIT_DATAERR, NULL,
				"no \"rows\" key (the body is {\"rows\": [...]} "
				"or a list of rows)");
			goto done;
		}
	}
	if (!json_is_array(rows)) {
		err_set(err, MLCI_EXIT_DATAERR, NULL,
			"%s is %s, expected a list of row objects",
			rows == doc ? "the body" : "\"rows\"", json_type_name(rows));
		goto done;
	}
	nrows = json_array_size(rows);
	if (!nrows) {
		err_set(err, MLCI_EXIT_DATAERR, NULL, "no rows to predict");
		goto done;
	}
	if (nrows > REQ_MAX_ROWS) {
		err_set(err, MLCI_EXIT_DATAERR, NULL, "more than %zu rows",
			REQ_MAX_ROWS);
		goto done;
	}
	if (frame_alloc(&r->f, m, nrows, err) < 0)
		goto done;
	r->off = malloc((nrows * p + 1) * sizeof(*r->off));
	if (!r->off) {
		oom(err);
		goto done;
	}
	json_array_foreach(rows, i, row) {
		size_t seen = 0;

		if (!json_is_object(row)) {
			err_set(err, MLCI_EXIT_DATAERR, NULL,
				"rows[%zu] is %s, expected an object", i,
				json_type_name(row));
			goto done;
		}
		json_object_foreach(row, key, v) {
			long c = feature_index(m, key);
			size_t at = i * p + (size_t)c;

			if (c < 0) {
				if (label && !strcmp(key, label))
					continue;
				err_set(err, MLCI_EXIT_DATAERR, NULL,
					"rows[%zu]: unknown column '%.100s'",
					i, key);
				goto done;
			}
			seen++;
			r->f.line[at] = (uint32_t)(i + 1);
			r->f.col[at] = (uint32_t)(c + 1);
			r->off[at] = (size_t)-1;
			if (json_is_null(v) ||
			    (json_is_string(v) && !*json_string_value(v)))
				continue;
			if (is_numeric(m, (size_t)c) ? !json_is_number(v) :
			    !json_is_number(v) && !json_is_string(v)) {
				err_set(err, MLCI_EXIT_DATAERR, NULL,
					"rows[%zu]: column '%.100s' is %s: "
					"expected %s or null, found %s", i, key,
					is_numeric(m, (size_t)c) ? "numeric" :
					"categorical",
					is_numeric(m, (size_t)c) ? "a number" :
					"a string", json_type_name(v));
				goto done;
			}
			if (add_text(&text, v, &r->off[at]) < 0) {
				oom(err);
				goto done;
			}
		}
		if (seen != p)
			for (j = 0; j < p; j++)
				if (!json_object_get(row, model_feature_name(m, j))) {
					err_set(err, MLCI_EXIT_DATAERR, NULL,
						"rows[%zu]: missing column '%.100s'"
						" (null for a missing value)", i,
						model_feature_name(m, j));
					goto done;
				}
	}
	/* the text is complete: point the cells into it */
	r->text = buf_detach(&text, NULL);
	for (i = 0; i < nrows * p; i++)
		r->f.cells[i] = r->off[i] == (size_t)-1 ? NULL : r->text + r->off[i];
	rc = 0;
done:
	buf_release(&text);
	json_decref(doc);
	return rc;
}

/* ---- CSV ---- */

static int parse_csv(struct serve_rows *r, const struct model *m,
		     const char *body, size_t n, struct mlci_err *err)
{
	struct frame *c = &r->csv;
	size_t i, j, p = model_nfeatures(m);
	size_t *map = NULL;
	const char *label = model_label(m);
	int rc = -1;

	if (frame_load_mem(c, REQ_LABEL, body, n, NULL, err) < 0)
		return -1;
	map = malloc((p + 1) * sizeof(*map));
	if (!map)
		return oom(err);
	for (j = 0; j < c->ncols; j++)
		if (feature_index(m, c->names[j]) < 0 &&
		    !(label && !strcmp(c->names[j], label))) {
			err_set(err, MLCI_EXIT_DATAERR, NULL,
				"unknown column '%.100s' in the header",
				c->names[j]);
			goto done;
		}
	for (j = 0; j < p; j++) {
		int k = frame_find(c, model_feature_name(m, j));

		if (k < 0) {
			err_set(err, MLCI_EXIT_DATAERR, NULL,
				"missing column '%.100s' in the header",
				model_feature_name(m, j));
			goto done;
		}
		map[j] = (size_t)k;
	}
	if (c->nrows > REQ_MAX_ROWS) {
		err_set(err, MLCI_EXIT_DATAERR, NULL, "more than %zu rows",
			REQ_MAX_ROWS);
		goto done;
	}
	if (frame_alloc(&r->f, m, c->nrows, err) < 0)
		goto done;
	for (i = 0; i < c->nrows; i++)
		for (j = 0; j < p; j++) {
			size_t from = i * c->ncols + map[j], to = i * p + j;
			double x;

			r->f.cells[to] = c->cells[from];
			r->f.line[to] = c->line[from];
			r->f.col[to] = c->col[from];
			if (r->f.cells[to] && is_numeric(m, j) &&
			    parse_double(r->f.cells[to], &x) < 0) {
				err_set_at(err, MLCI_EXIT_DATAERR, REQ_LABEL,
					   (long)c->line[from], (long)c->col[from],
					   "expected a number in column '%.100s', "
					   "found '%.60s%s'",
					   model_feature_name(m, j), r->f.cells[to],
					strlen(r->f.cells[to]) > 60 ? "..." : "");
				goto done;
			}
		}
	rc = 0;
done:
	free(map);
	return rc;
}

int serve_rows_parse(struct serve_rows *r, const struct model *m,
		     const char *body, size_t n, int csv, struct mlci_err *err)
{
	memset(r, 0, sizeof(*r));
	return csv ? parse_csv(r, m, body, n, err) :
		     parse_json(r, m, body, n, err);
}

void serve_rows_release(struct serve_rows *r)
{
	if (!r)
		return;
	free(r->f.path);
	free(r->f.names);
	free(r->f.cells);
	free(r->f.line);
	free(r->f.col);
	frame_free(&r->csv);
	free(r->text);
	free(r->off);
	memset(r, 0, sizeof(*r));
}

/* ---- the answer ---- */

size_t serve_argmax(const double *p, size_t k)
{
	size_t j, best = 0;

	for (j = 1; j < k; j++)
		if (p[j] > p[best])
			best = j;
	return best;
}

int serve_json_string(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int rc = buf_addch(out, '"');

	for (; *s && rc == 0; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			rc |= buf_addch(out, '\\');
			rc |= buf_addch(out, (char)ch);
		} else if (ch < 0x20) {
			char esc[7] = { '\\', 'u', '0', '0', hex[ch >> 4],
					hex[ch & 15], 0 };

			rc |= buf_addstr(out, esc);
		} else {
			rc |= buf_addch(out, (char)ch);
		}
	}
	rc |= buf_addch(out, '"');
	return rc ? -1 : 0;
}

int serve_csv_field(struct buf *out, const char *s)
{
	int rc = 0;

	if (!s)
		return 0;
	if (!strpbrk(s, ",\"\r\n") && *s)
		return buf_addstr(out, s);
	rc |= buf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			rc |= buf_addch(out, '"');
		rc |= buf_addch(out, *s);
	}
	rc |= buf_addch(out, '"');
	return rc ? -1 : 0;
}

static int add_number(struct buf *out, double v)
{
	char num[40];

	if (!isfinite(v))
		return buf_addstr(out, "null");
	/* as mlci-evaluate --predictions prints it */
	fmt_double(num, sizeof(num), v);
	return buf_addstr(out, num);
}

int serve_render(const struct model *m, const char *name, const char *version,
		 const double *pred, size_t nrows, struct buf *out)
{
	size_t i, k, K = model_nclasses(m);
	int rc = 0;

	rc |= buf_addstr(out, "{\"model\": ");
	rc |= serve_json_string(out, name);
	rc |= buf_addstr(out, ", \"version\": ");
	rc |= serve_json_string(out, version);
	rc |= buf_printf(out, ", \"n_rows\": %zu", nrows);
	if (model_is_classifier(m)) {
		rc |= buf_addstr(out, ", \"classes\": [");
		for (k = 0; k < K; k++) {
			if (k)
				rc |= buf_addstr(out, ", ");
			rc |= serve_json_string(out, model_class_name(m, k));
		}
		rc |= buf_addch(out, ']');
	}
	rc |= buf_addstr(out, ", \"predictions\": [");
	for (i = 0; i < nrows && rc == 0; i++) {
		if (i)
			rc |= buf_addstr(out, ", ");
		rc |= buf_addstr(out, "{\"prediction\": ");
		if (model_is_classifier(m)) {
			const double *p = pred + i * K;

			rc |= serve_json_string(out,
				model_class_name(m, serve_argmax(p, K)));
			rc |= buf_addstr(out, ", \"probabilities\": {");
			for (k = 0; k < K; k++) {
				if (k)
					rc |= buf_addstr(out, ", ");
				rc |= serve_json_string(out, model_class_name(m, k));
				rc |= buf_addstr(out, ": ");
				rc |= add_number(out, p[k]);
			}
			rc |= buf_addch(out, '}');
		} else {
			rc |= add_number(out, pred[i]);
		}
		rc |= buf_addch(out, '}');
	}
	rc |= buf_addstr(out, "]}\n");
	return rc ? -1 : 0;
}
