/*
 * schemadiff.c - breaking and additive changes between two schemas.
 * The rules are documented in schemadiff.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "io.h"
#include "schemadiff.h"

#define OOM(err) err_set((err), MLCI_EXIT_SOFTWARE, NULL, "out of memory")

void schema_diff_free(struct schema_diff *d)
{
	size_t i;

	for (i = 0; d->v && i < d->n; i++) {
		free(d->v[i].column);
		free(d->v[i].old_value);
		free(d->v[i].new_value);
		free(d->v[i].message);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *schema_diff_verdict(const struct schema_diff *d)
{
	return d->breaking ? "breaking" : d->n ? "additive" : "unchanged";
}

static char *vfmt(const char *fmt, va_list ap)
{
	va_list cp;
	char *s;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* Append a change; old/new may be NULL. -1 on out of memory. */
static int add(struct schema_diff *d, const char *kind, const char *column,
	       int breaking, const char *old_v, const char *new_v,
	       const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int add(struct schema_diff *d, const char *kind, const char *column,
	       int breaking, const char *old_v, const char *new_v,
	       const char *fmt, ...)
{
	struct schema_change *c;
	va_list ap;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		struct schema_change *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -1;
		d->v = v;
		d->cap = cap;
	}
	c = &d->v[d->n];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->breaking = breaking;
	va_start(ap, fmt);
	c->message = vfmt(fmt, ap);
	va_end(ap);
	if (column)
		c->column = strdup(column);
	if (old_v)
		c->old_value = strdup(old_v);
	if (new_v)
		c->new_value = strdup(new_v);
	if (!c->message || (column && !c->column) || (old_v && !c->old_value) ||
	    (new_v && !c->new_value)) {
		free(c->message);
		free(c->column);
		free(c->old_value);
		free(c->new_value);
		return -1;
	}
	d->n++;
	if (breaking)
		d->breaking++;
	else
		d->additive++;
	return 0;
}

static void num(char *out, size_t n, double v)
{
	fmt_double(out, n, v);
}

/* Does type s accept every value of type t? (as validate.c's checks) */
static int type_accepts(enum col_type s, enum col_type t)
{
	return s == t || s == COL_STRING || (s == COL_NUMBER && t == COL_INTEGER);
}

/* "integer, required" */
static void describe(char *out, size_t n, const struct schema_col *c)
{
	snprintf(out, n, "%s, %s", col_type_name(c->type),
		 c->nullable ? "nullable" : "required");
}

/* The missing-rate limit the checker applies: max_missing, else 0 for a
 * required column, else none (1). */
static double missing_limit(const struct schema_col *c)
{
	return c->max_missing >= 0 ? c->max_missing : c->nullable ? 1 : 0;
}

static void limit_str(char *out, size_t n, const struct schema_col *c)
{
	if (c->max_missing >= 0)
		num(out, n, c->max_missing);
	else
		snprintf(out, n, "%s", c->nullable ? "none (nullable)" : "0 (required)");
}

static int same_categories(const struct schema_col *a, const struct schema_col *b)
{
	size_t k;

	if (!a->categories != !b->categories || a->ncategories != b->ncategories)
		return 0;
	for (k = 0; k < a->ncategories; k++)
		if (strcmp(a->categories[k], b->categories[k]))
			return 0;
	return 1;
}

/* Same contract under another name? */
static int same_shape(const struct schema_col *a, const struct schema_col *b)
{
	return a->type == b->type && a->nullable == b->nullable &&
	       a->has_range == b->has_range &&
	       (!a->has_range || (a->min == b->min && a->max == b->max)) &&
	       same_categories(a, b) && a->max_missing == b->max_missing &&
	       a->unique == b->unique && !a->pattern == !b->pattern &&
	       (!a->pattern || !strcmp(a->pattern, b->pattern));
}

/* The user's constraints: a pattern (two regexes cannot be compared, so
 * any new or changed pattern may refuse values that passed) and
 * uniqueness. */
static int diff_constraints(struct schema_diff *d, const struct schema_col *o,
			    const struct schema_col *n)
{
	if (!o->pattern && n->pattern &&
	    add(d, "pattern_added", o->name, 1, NULL, n->pattern,
		"column '%s': values must now match the pattern '%.80s'",
		o->name, n->pattern) < 0)
		return -1;
	if (o->pattern && !n->pattern &&
	    add(d, "pattern_removed", o->name, 0, o->pattern, NULL,
		"column '%s': the pattern '%.80s' no longer applies",
		o->name, o->pattern) < 0)
		return -1;
	if (o->pattern && n->pattern && strcmp(o->pattern, n->pattern) &&
	    add(d, "pattern_changed", o->name, 1, o->pattern, n->pattern,
		"column '%s': pattern changed from '%.80s' to '%.80s': values "
		"that matched may no longer", o->name, o->pattern, n->pattern) < 0)
		return -1;
	if (o->unique != n->unique &&
	    add(d, n->unique ? "became_unique" : "unique_dropped", o->name,
		n->unique, o->unique ? "unique" : "not unique",
		n->unique ? "unique" : "not unique", n->unique ?
		"column '%s' must now be unique: repeated values no longer pass" :
		"column '%s' no longer needs to be unique", o->name) < 0)
		return -1;
	return 0;
}

static int diff_categories(struct schema_diff *d, const struct schema_col *o,
			   const struct schema_col *n)
{
	const char *name = o->name;
	size_t i = 0, j = 0;
	char what[40];

	if (!o->categories && !n->categories)
		return 0;
	if (!n->categories) {
		snprintf(what, sizeof(what), "%zu categor%s", o->ncategories,
			 o->ncategories == 1 ? "y" : "ies");
		return add(d, "categories_unrestricted", name, 0, what, "any",
			   "column '%s' no longer lists categories: any value passes",
			   name);
	}
	if (!o->categories) {
		snprintf(what, sizeof(what), "%zu categor%s", n->ncategories,
			 n->ncategories == 1 ? "y" : "ies");
		return add(d, "categories_restricted", name, 1, "any", what,
			   "column '%s' now lists %s: other values no longer pass",
			   name, what);
	}
	/* both sorted (byte order): merge */
	while (i < o->ncategories || j < n->ncategories) {
		int c = i == o->ncategories ? 1 : j == n->ncategories ? -1 :
			strcmp(o->categories[i], n->categories[j]);
		char q[120];

		/* a value listed twice counts once */
		if (i && i < o->ncategories &&
		    !strcmp(o->categories[i], o->categories[i - 1])) {
			i++;
			continue;
		}
		if (j && j < n->ncategories &&
		    !strcmp(n->categories[j], n->categories[j - 1])) {
			j++;
			continue;
		}
		if (c < 0) {
			snprintf(q, sizeof(q), "'%.100s'", o->categories[i]);
			if (add(d, "category_removed", name, 1, q, NULL,
				"column '%s': category %s removed: rows with it "
				"no longer pass", name, q) < 0)
				return -1;
			i++;
		} else if (c > 0) {
			snprintf(q, sizeof(q), "'%.100s'", n->categories[j]);
			if (add(d, "category_added", name, 0, NULL, q,
				"column '%s': category %s added", name, q) < 0)
				return -1;
			j++;
		} else {
			i++;
			j++;
		}
	}
	return 0;
}

static int diff_range(struct schema_diff *d, const struct schema_col *o,
		      const struct schema_col *n)
{
	const char *name = o->name;
	char a[40], b[40], ra[90];

	if (!o->has_range && !n->has_range)
		return 0;
	if (!n->has_range || !o->has_range) {
		const struct schema_col *r = n->has_range ? n : o;

		num(a, sizeof(a), r->min);
		num(b, sizeof(b), r->max);
		snprintf(ra, sizeof(ra), "[%s, %s]", a, b);
		if (n->has_range)
			return add(d, "range_added", name, 1, NULL, ra,
				   "column '%s' now has a range %s: values "
				   "outside it no longer pass", name, ra);
		return add(d, "range_removed", name, 0, ra, NULL,
			   "column '%s' no longer has a range", name);
	}
	if (n->min != o->min) {
		num(a, sizeof(a), o->min);
		num(b, sizeof(b), n->min);
		if (n->min > o->min ?
		    add(d, "min_raised", name, 1, a, b, "column '%s': min raised "
			"from %s to %s: values below %s no longer pass", name, a,
			b, b) < 0 :
		    add(d, "min_lowered", name, 0, a, b, "column '%s': min "
			"lowered from %s to %s", name, a, b) < 0)
			return -1;
	}
	if (n->max != o->max) {
		int down = n->max < o->max;

		num(a, sizeof(a), o->max);
		num(b, sizeof(b), n->max);
		if (down)
			return add(d, "max_lowered", name, 1, a, b,
				   "column '%s': max lowered from %s to %s: "
				   "values above %s no longer pass", name, a, b, b);
		return add(d, "max_raised", name, 0, a, b,
			   "column '%s': max raised from %s to %s", name, a, b);
	}
	return 0;
}

static int diff_type(struct schema_diff *d, const struct schema_col *o,
		     const struct schema_col *n)
{
	const char *a = col_type_name(o->type), *b = col_type_name(n->type);

	if (o->type == n->type)
		return 0;
	if (type_accepts(n->type, o->type))
		return add(d, "type_widened", o->name, 0, a, b,
			   "column '%s': type widened from %s to %s", o->name, a, b);
	if (type_accepts(o->type, n->type))
		return add(d, "type_narrowed", o->name, 1, a, b,
			   "column '%s': type narrowed from %s to %s: values that "
			   "are not %s no longer pass", o->name, a, b,
			   n->type == COL_INTEGER ? "integers" :
			   n->type == COL_NUMBER ? "numbers" : "true/false");
	return add(d, "type_changed", o->name, 1, a, b,
		   "column '%s': type changed from %s to %s: values of the old "
		   "type no longer pass", o->name, a, b);
}

static int diff_column(struct schema_diff *d, const struct schema_col *o,
		       const struct schema_col *n, int top_changed, int new_top)
{
	char a[64], b[64];
	double la, lb;

	if (diff_type(d, o, n) < 0)
		return -1;
	if (o->nullable != n->nullable &&
	    add(d, n->nullable ? "became_nullable" : "became_required", o->name,
		!n->nullable, o->nullable ? "nullable" : "required",
		n->nullable ? "nullable" : "required",
		n->nullable ? "column '%s' is now nullable" :
		"column '%s' is no longer nullable: a missing value no longer passes",
		o->name) < 0)
		return -1;
	if (diff_range(d, o, n) < 0 || diff_categories(d, o, n) < 0 ||
	    diff_constraints(d, o, n) < 0)
		return -1;
	la = missing_limit(o);
	lb = missing_limit(n);
	if ((o->max_missing >= 0 || n->max_missing >= 0) && la != lb) {
		limit_str(a, sizeof(a), o);
		limit_str(b, sizeof(b), n);
		if (add(d, lb < la ? "max_missing_lowered" : "max_missing_raised",
			o->name, lb < la, a, b, lb < la ?
			"column '%s': missing-value limit lowered from %s to %s: "
			"more missing values no longer pass" :
			"column '%s': missing-value limit raised from %s to %s",
			o->name, a, b) < 0)
			return -1;
	}
	/* a column's domain, unless it just follows the top-level change */
	if (o->enforced != n->enforced && !(top_changed && n->enforced == new_top) &&
	    add(d, n->enforced ? "domain_enforced" : "domain_observed", o->name,
		n->enforced, o->enforced ? "enforced" : "observed",
		n->enforced ? "enforced" : "observed", n->enforced ?
		"column '%s': domain enforced: values outside its range or "
		"categories are now errors" :
		"column '%s': domain observed: values outside its range or "
		"categories are now warnings", o->name) < 0)
		return -1;
	return 0;
}

int schema_diff_compute(struct schema_diff *d, const struct schema *old_sc,
			const struct schema *new_sc, struct mlci_err *err)
{
	size_t i, j;
	int *pair = NULL;		/* old index -> paired new index (rename) */
	unsigned char *taken = NULL;	/* new columns paired as renames */
	int top_changed = old_sc->enforced != new_sc->enforced;

	memset(d, 0, sizeof(*d));
	pair = malloc((old_sc->ncols + 1) * sizeof(*pair));
	taken = calloc(new_sc->ncols + 1, 1);
	if (!pair || !taken)
		goto oom;
	/* likely renames: a removed column and an added one with the same
	 * contract, and something to recognise it by */
	for (i = 0; i < old_sc->ncols; i++) {
		const struct schema_col *o = &old_sc->cols[i];

		pair[i] = -1;
		if (schema_find(new_sc, o->name) >= 0)
			continue;
		for (j = 0; j < new_sc->ncols; j++) {
			const struct schema_col *n = &new_sc->cols[j];

			if (taken[j] || schema_find(old_sc, n->name) >= 0 ||
			    !same_shape(o, n) ||
			    !(o->has_range || o->categories || i == j))
				continue;
			pair[i] = (int)j;
			taken[j] = 1;
			break;
		}
	}
	if ((!old_sc->label) != (!new_sc->label) ||
	    (old_sc->label && strcmp(old_sc->label, new_sc->label))) {
		char a[120], b[120];

		snprintf(a, sizeof(a), old_sc->label ? "'%.100s'" : "none",
			 old_sc->label ? old_sc->label : "");
		snprintf(b, sizeof(b), new_sc->label ? "'%.100s'" : "none",
			 new_sc->label ? new_sc->label : "");
		if (add(d, "label_changed", NULL, 1, a, b,
			"label changed from %s to %s", a, b) < 0)
			goto oom;
	}
	if (top_changed &&
	    add(d, new_sc->enforced ? "domain_enforced" : "domain_observed", NULL,
		new_sc->enforced, old_sc->enforced ? "enforced" : "observed",
		new_sc->enforced ? "enforced" : "observed", new_sc->enforced ?
		"domain changed from observed to enforced: values outside the "
		"ranges and categories are now errors" :
		"domain changed from enforced to observed: values outside the "
		"ranges and categories are now warnings") < 0)
		goto oom;
	for (i = 0; i < old_sc->ncols; i++) {
		const struct schema_col *o = &old_sc->cols[i];
		int k = schema_find(new_sc, o->name);
		char what[80];

		if (k >= 0) {
			if (diff_column(d, o, &new_sc->cols[k], top_changed,
					new_sc->enforced) < 0)
				goto oom;
			continue;
		}
		if (pair[i] >= 0) {
			const char *nn = new_sc->cols[pair[i]].name;

			if (add(d, "column_renamed", o->name, 1, o->name, nn,
				"column '%s' is gone and '%s' is new with the same "
				"type and domain: renamed? (data with the old name "
				"no longer passes)", o->name, nn) < 0)
				goto oom;
			continue;
		}
		describe(what, sizeof(what), o);
		if (add(d, "column_removed", o->name, 1, what, NULL,
			"column '%s' (%s) was removed: consumers of the data lose it",
			o->name, col_type_name(o->type)) < 0)
			goto oom;
	}
	for (j = 0; j < new_sc->ncols; j++) {
		const struct schema_col *n = &new_sc->cols[j];
		char what[80];

		if (taken[j] || schema_find(old_sc, n->name) >= 0)
			continue;
		describe(what, sizeof(what), n);
		/* breaking even when nullable: the checker reports a schema
		 * column absent from the data as missing_column, an error */
		if (add(d, "column_added", n->name, 1, NULL, what,
			"column '%s' (%s) was added: data without it no longer "
			"passes (missing_column)", n->name,
			col_type_name(n->type)) < 0)
			goto oom;
	}
	free(pair);
	free(taken);
	return 0;
oom:
	free(pair);
	free(taken);
	schema_diff_free(d);
	return OOM(err);
}

/* ---- the text table ---- */

#define CELL_MAX 60	/* characters of one cell */

/* s made printable (control characters and invalid bytes '?') and cut
 * to CELL_MAX characters with "..."; *width gets its width in
 * characters. Caller frees; NULL on out of memory. */
static char *cell(const char *s, size_t *width)
{
	struct buf b;
	const unsigned char *p;
	size_t total = 0, w = 0, len;

	for (p = (const unsigned char *)s; *p; p += len, total++)
		if (!(len = utf8_decode(p, NULL)))
			len = 1;
	buf_init(&b);
	for (p = (const unsigned char *)s; *p; p += len, w++) {
		if (total > CELL_MAX && w == CELL_MAX - 3) {
			if (buf_addstr(&b, "...") < 0)
				goto oom;
			w += 3;
			break;
		}
		len = utf8_decode(p, NULL);
		if (!len || *p < 0x20 || *p == 0x7f) {
			len = len ? len : 1;
			if (buf_addch(&b, '?') < 0)
				goto oom;
		} else if (buf_add(&b, p, len) < 0) {
			goto oom;
		}
	}
	*width = w;
	return buf_detach(&b, NULL);
oom:
	buf_release(&b);
	return NULL;
}

static int pad(struct buf *out, const char *s, size_t w, size_t to)
{
	if (buf_addstr(out, s) < 0)
		return -1;
	while (w++ < to)
		if (buf_addch(out, ' ') < 0)
			return -1;
	return 0;
}

int schema_diff_table(const struct schema_diff *d, struct buf *out)
{
	static const char *const head[4] = { "change", "column",
		"old \xe2\x86\x92 new", "verdict" };
	char **cells;
	size_t *wid, colw[4] = { 6, 6, 9, 7 }, i, k, ncells;
	int rc = -1;

	if (!d->n)
		return buf_addstr(out, "no changes\n");
	ncells = 4 * d->n;
	cells = calloc(ncells, sizeof(*cells));
	wid = calloc(ncells, sizeof(*wid));
	if (!cells || !wid)
		goto done;
	for (i = 0; i < d->n; i++) {
		const struct schema_change *c = &d->v[i];
		char kind[64];
		struct buf on;

		snprintf(kind, sizeof(kind), "%s%s", c->kind,
			 !strcmp(c->kind, "column_renamed") ? "?" : "");
		buf_init(&on);
		if (buf_printf(&on, "%s \xe2\x86\x92 %s",
			       c->old_value ? c->old_value : "-",
			       c->new_value ? c->new_value : "-") < 0)
			goto done;
		cells[4 * i] = cell(kind, &wid[4 * i]);
		cells[4 * i + 1] = cell(c->column ? c->column : "(schema)",
					&wid[4 * i + 1]);
		/* the arrow cell may be two cut values: cut the whole */
		cells[4 * i + 2] = cell(on.data, &wid[4 * i + 2]);
		buf_release(&on);
		cells[4 * i + 3] = cell(c->breaking ? "breaking" : "additive",
					&wid[4 * i + 3]);
		for (k = 0; k < 4; k++) {
			if (!cells[4 * i + k])
				goto done;
			if (wid[4 * i + k] > colw[k])
				colw[k] = wid[4 * i + k];
		}
	}
	for (k = 0; k < 4; k++)
		if (k < 3 ? pad(out, head[k], k == 2 ? 9 : strlen(head[k]),
				colw[k] + 2) < 0 : buf_addstr(out, head[k]) < 0)
			goto done;
	if (buf_addch(out, '\n') < 0)
		goto done;
	for (i = 0; i < d->n; i++) {
		for (k = 0; k < 3; k++)
			if (pad(out, cells[4 * i + k], wid[4 * i + k],
				colw[k] + 2) < 0)
				goto done;
		if (buf_addstr(out, cells[4 * i + 3]) < 0 ||
		    buf_addch(out, '\n') < 0)
			goto done;
	}
	rc = 0;
done:
	for (i = 0; cells && i < ncells; i++)
		free(cells[i]);
	free(cells);
	free(wid);
	return rc;
}

/* ---- JSON and the artifact ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *schema_diff_json(const struct schema_diff *d)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < d->n; i++) {
		const struct schema_change *c = &d->v[i];
		json_t *o = json_pack("{s:s, s:o, s:b, s:o, s:o, s:s}",
				      "kind", c->kind,
				      "column", str_or_null(c->column),
				      "breaking", c->breaking,
				      "old", str_or_null(c->old_value),
				      "new", str_or_null(c->new_value),
				      "message", c->message);

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int load_schema(const char *path, struct schema *sc,
		       char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	json_t *art = NULL;
	int rc;

	if (artifact_load(path, KIND_SCHEMA, SCHEMA_SCHEMA, &art, sha, err) < 0)
		return -1;
	rc = schema_from_json(sc, art, path, err);
	json_decref(art);
	return rc;
}

int schema_diff_run(const struct schema_diff_opts *o,
		    struct schema_diff_result *res, struct mlci_err *err)
{
	struct schema old_sc, new_sc;
	char osha[SHA256_HEX_LEN + 1], nsha[SHA256_HEX_LEN + 1];
	const struct path_role outs[] = { { "--out", o->out } };
	const struct path_role ins[] = { { "OLD", o->old_path },
					 { "NEW", o->new_path } };
	json_t *art = NULL, *changes;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&old_sc, 0, sizeof(old_sc));
	memset(&new_sc, 0, sizeof(new_sc));
	if (!o->old_path || !o->new_path)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "OLD and NEW schemas are required");
	if (check_output_paths(outs, 1, ins, 2, err) < 0)
		return -1;
	if (load_schema(o->old_path, &old_sc, osha, err) < 0 ||
	    load_schema(o->new_path, &new_sc, nsha, err) < 0 ||
	    schema_diff_compute(&res->diff, &old_sc, &new_sc, err) < 0)
		goto done;
	art = artifact_new(KIND_SCHEMA_DIFF, SCHEMA_SCHEMA_DIFF,
			   o->producer ? o->producer : "mlci-validate-data", err);
	if (!art)
		goto done;
	changes = schema_diff_json(&res->diff);
	if (!changes || json_object_set_new(art, "changes", changes) < 0 ||
	    artifact_add_input(art, "baseline", o->old_path, osha) < 0 ||
	    artifact_add_input(art, "schema", o->new_path, nsha) < 0 ||
	    json_object_set_new(art, "verdict",
				json_string(schema_diff_verdict(&res->diff))) < 0 ||
	    json_object_set_new(art, "counts", json_pack("{s:I, s:I, s:I}",
		"changes", (json_int_t)res->diff.n,
		"breaking", (json_int_t)res->diff.breaking,
		"additive", (json_int_t)res->diff.additive)) < 0) {
		OOM(err);
		goto done;
	}
	if (o->out && artifact_write(o->out, art, err) < 0)
		goto done;
	res->artifact = art;
	art = NULL;
	rc = 0;
done:
	json_decref(art);
	schema_free(&old_sc);
	schema_free(&new_sc);
	if (rc < 0)
		schema_diff_free(&res->diff);
	return rc;
}

void schema_diff_result_free(struct schema_diff_result *res)
{
	schema_diff_free(&res->diff);
	json_decref(res->artifact);
	res->artifact = NULL;
}

int schema_diff_summary(const struct schema_diff_opts *o,
			const struct schema_diff *d, struct buf *out)
{
	return buf_printf(out, "%s \xe2\x86\x92 %s: %zu change%s, %zu breaking, "
			  "%zu additive: %s", o->old_path, o->new_path, d->n,
			  d->n == 1 ? "" : "s", d->breaking, d->additive,
			  schema_diff_verdict(d));
}

int schema_diff_output(const struct schema_diff_opts *o,
		       const struct schema_diff_result *res, int json,
		       struct buf *out)
{
	const char *prog = o->producer ? o->producer : "mlci-validate-data";
	struct buf line;
	int rc;

	if (json) {
		char *s = artifact_dumps(res->artifact);

		rc = s ? buf_addstr(out, s) : -1;
		free(s);
		return rc;
	}
	if (schema_diff_table(&res->diff, out) < 0)
		return -1;
	buf_init(&line);
	rc = schema_diff_summary(o, &res->diff, &line);
	if (!rc)
		rc = buf_printf(out, "%s: %s%s%s%s\n", prog, line.data,
				o->out ? " (" : "", o->out ? o->out : "",
				o->out ? ")" : "");
	buf_release(&line);
	return rc;
}
