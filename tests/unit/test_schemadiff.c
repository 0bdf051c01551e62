/*
 * test_schemadiff.c - every change kind of shared/schemadiff.h in both
 * directions, the table and JSON renderings, and schema_diff_run's
 * errors and artifact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "artifact.h"
#include "schemadiff.h"

/* A schema from the JSON text of its "columns" array (and extra
 * top-level members, e.g. "\"label\": \"y\", "). */
static void sc_load(struct schema *sc, const char *top, const char *cols)
{
	char text[4096];
	json_error_t je;
	json_t *j;
	struct mlci_err err = { 0 };

	snprintf(text, sizeof(text), "{%s \"columns\": [%s]}", top, cols);
	j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	if (schema_from_json(sc, j, "t.json", &err) < 0)
		fail_msg("schema_from_json: %s", err.msg);
	json_decref(j);
}

/* The changes as "kind column old>new B|A; ..." */
static char listing[8192];

static const char *diff_of(const char *top_a, const char *a, const char *top_b,
			   const char *b, struct schema_diff *out)
{
	struct schema sa, sb;
	struct schema_diff d;
	struct mlci_err err = { 0 };
	size_t i, len = 0;

	sc_load(&sa, top_a, a);
	sc_load(&sb, top_b, b);
	assert_int_equal(schema_diff_compute(&d, &sa, &sb, &err), 0);
	listing[0] = 0;
	for (i = 0; i < d.n; i++) {
		const struct schema_change *c = &d.v[i];

		assert_non_null(c->message);
		assert_null(strchr(c->message, '\n'));
		len += (size_t)snprintf(listing + len, sizeof(listing) - len,
					"%s%s %s %s>%s %c", i ? "; " : "", c->kind,
					c->column ? c->column : "-",
					c->old_value ? c->old_value : "-",
					c->new_value ? c->new_value : "-",
					c->breaking ? 'B' : 'A');
	}
	schema_free(&sa);
	schema_free(&sb);
	if (out)
		*out = d;
	else
		schema_diff_free(&d);
	return listing;
}

/* Compare cols a -> b (no top-level members). */
static const char *cdiff(const char *a, const char *b)
{
	return diff_of("", a, "", b, NULL);
}

#define X "{\"name\": \"x\", \"type\": \"integer\", \"nullable\": false}"

static void test_schemadiff__unchanged(void **state)
{
	struct schema_diff d;
	const char *cols = X ", {\"name\": \"c\", \"type\": \"string\", "
		"\"categories\": [\"a\", \"b\"], \"max_missing\": 0.1}";

	assert_string_equal(diff_of("\"label\": \"c\",", cols, "\"label\": \"c\",",
				    cols, &d), "");
	assert_int_equal(d.n, 0);
	assert_string_equal(schema_diff_verdict(&d), "unchanged");
	schema_diff_free(&d);
	/* order is not part of the contract */
	assert_string_equal(cdiff(X ", {\"name\": \"y\", \"type\": \"string\"}",
				  "{\"name\": \"y\", \"type\": \"string\"}, " X), "");
}

static void test_schemadiff__column_removed_and_added(void **state)
{
	const char *y = "{\"name\": \"y\", \"type\": \"string\"}";
	const char *req = "{\"name\": \"y\", \"type\": \"string\", \"nullable\": false}";
	char both[512];
	struct schema_diff d;

	snprintf(both, sizeof(both), "%s, %s", X, y);
	assert_string_equal(cdiff(both, X),
			    "column_removed y string, nullable>- B");
	assert_string_equal(cdiff(X, both),
			    "column_added y ->string, nullable B");
	snprintf(both, sizeof(both), "%s, %s", X, req);
	assert_string_equal(diff_of("", X, "", both, &d),
			    "column_added y ->string, required B");
	assert_int_equal(d.breaking, 1);
	assert_int_equal(d.additive, 0);
	assert_string_equal(schema_diff_verdict(&d), "breaking");
	schema_diff_free(&d);
	assert_string_equal(cdiff(both, X),
			    "column_removed y string, required>- B");
}

static void test_schemadiff__constraints(void **state)
{
	const char *plain = "{\"name\": \"id\", \"type\": \"string\"}";
	const char *pat = "{\"name\": \"id\", \"type\": \"string\", \"pattern\": \"^[A-Z]+$\"}";
	const char *pat2 = "{\"name\": \"id\", \"type\": \"string\", \"pattern\": \"^[A-Z0-9]+$\"}";
	const char *uniq = "{\"name\": \"id\", \"type\": \"string\", \"unique\": true}";
	const char *pu = "{\"name\": \"id2\", \"type\": \"string\", \"pattern\": \"^[A-Z]+$\", \"unique\": true}";
	const char *pu0 = "{\"name\": \"id\", \"type\": \"string\", \"pattern\": \"^[A-Z]+$\", \"unique\": true}";

	assert_string_equal(cdiff(plain, pat), "pattern_added id ->^[A-Z]+$ B");
	assert_string_equal(cdiff(pat, plain), "pattern_removed id ^[A-Z]+$>- A");
	assert_string_equal(cdiff(pat, pat2), "pattern_changed id ^[A-Z]+$>^[A-Z0-9]+$ B");
	assert_string_equal(cdiff(plain, uniq), "became_unique id not unique>unique B");
	assert_string_equal(cdiff(uniq, plain), "unique_dropped id unique>not unique A");
	assert_string_equal(cdiff(pat, pat), "");
	/* constraints are part of the shape a rename must keep */
	assert_string_equal(cdiff(pu0, pu), "column_renamed id id>id2 B");
	assert_string_equal(cdiff(pat, pu), "column_removed id string, nullable>- B; "
			    "column_added id2 ->string, nullable B");
	(void)state;
}

static void test_schemadiff__rename(void **state)
{
	const char *a = "{\"name\": \"age\", \"type\": \"integer\", \"nullable\": false, "
		"\"min\": 17, \"max\": 90}";
	const char *b = "{\"name\": \"age_years\", \"type\": \"integer\", \"nullable\": false, "
		"\"min\": 17, \"max\": 90}";
	const char *c = "{\"name\": \"colour\", \"type\": \"string\", \"categories\": [\"r\", \"g\"]}";
	const char *c2 = "{\"name\": \"color\", \"type\": \"string\", \"categories\": [\"g\", \"r\"]}";
	const char *c3 = "{\"name\": \"color\", \"type\": \"string\", \"categories\": [\"g\"]}";
	char l[512], r[512];

	assert_string_equal(cdiff(a, b), "column_renamed age age>age_years B");
	assert_string_equal(cdiff(c, c2), "column_renamed colour colour>color B");
	/* a different domain: not a rename */
	assert_string_equal(cdiff(c, c3), "column_removed colour string, nullable>- B; "
			    "column_added color ->string, nullable B");
	/* no domain to recognise it by: the same position will do */
	snprintf(l, sizeof(l), "%s, {\"name\": \"note\", \"type\": \"string\"}", X);
	snprintf(r, sizeof(r), "%s, {\"name\": \"comment\", \"type\": \"string\"}", X);
	assert_string_equal(cdiff(l, r), "column_renamed note note>comment B");
	snprintf(r, sizeof(r), "{\"name\": \"comment\", \"type\": \"string\"}, %s", X);
	assert_string_equal(cdiff(l, r), "column_removed note string, nullable>- B; "
			    "column_added comment ->string, nullable B");
	/* two candidates: the first added one is paired, once */
	snprintf(l, sizeof(l), "%s", a);
	snprintf(r, sizeof(r), "%s, {\"name\": \"age2\", \"type\": \"integer\", "
		 "\"nullable\": false, \"min\": 17, \"max\": 90}", b);
	assert_string_equal(cdiff(l, r), "column_renamed age age>age_years B; "
			    "column_added age2 ->integer, required B");
}

static void test_schemadiff__types(void **state)
{
	static const struct { const char *from, *to, *want; } cases[] = {
		{ "integer", "number", "type_widened x integer>number A" },
		{ "number", "integer", "type_narrowed x number>integer B" },
		{ "integer", "string", "type_widened x integer>string A" },
		{ "string", "integer", "type_narrowed x string>integer B" },
		{ "number", "string", "type_widened x number>string A" },
		{ "string", "number", "type_narrowed x string>number B" },
		{ "boolean", "string", "type_widened x boolean>string A" },
		{ "string", "boolean", "type_narrowed x string>boolean B" },
		{ "boolean", "integer", "type_changed x boolean>integer B" },
		{ "integer", "boolean", "type_changed x integer>boolean B" },
		{ "boolean", "number", "type_changed x boolean>number B" },
		{ "number", "boolean", "type_changed x number>boolean B" },
	};
	char a[128], b[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(a, sizeof(a), "{\"name\": \"x\", \"type\": \"%s\"}", cases[i].from);
		snprintf(b, sizeof(b), "{\"name\": \"x\", \"type\": \"%s\"}", cases[i].to);
		assert_string_equal(cdiff(a, b), cases[i].want);
	}
}

static void test_schemadiff__nullable(void **state)
{
	const char *n = "{\"name\": \"x\", \"type\": \"integer\"}";	/* nullable by default */

	assert_string_equal(cdiff(n, X), "became_required x nullable>required B");
	assert_string_equal(cdiff(X, n), "became_nullable x required>nullable A");
}

static void test_schemadiff__categories(void **state)
{
	const char *abc = "{\"name\": \"c\", \"type\": \"string\", \"categories\": [\"b\", \"a\", \"c\"]}";
	const char *ab = "{\"name\": \"c\", \"type\": \"string\", \"categories\": [\"a\", \"b\"]}";
	const char *abd = "{\"name\": \"c\", \"type\": \"string\", \"categories\": [\"a\", \"d\", \"b\"]}";
	const char *any = "{\"name\": \"c\", \"type\": \"string\"}";
	const char *dup = "{\"name\": \"c\", \"type\": \"string\", \"categories\": [\"a\", \"b\", \"a\"]}";

	assert_string_equal(cdiff(abc, ab), "category_removed c 'c'>- B");
	assert_string_equal(cdiff(ab, abc), "category_added c ->'c' A");
	assert_string_equal(cdiff(abc, abd), "category_removed c 'c'>- B; category_added c ->'d' A");
	assert_string_equal(cdiff(abc, any), "categories_unrestricted c 3 categories>any A");
	assert_string_equal(cdiff(any, ab), "categories_restricted c any>2 categories B");
	assert_string_equal(cdiff(ab, dup), "");	/* a repeated value is no change */
	assert_string_equal(cdiff(dup, ab), "");
}

static void test_schemadiff__range(void **state)
{
	const char *r = "{\"name\": \"x\", \"type\": \"number\", \"min\": 0, \"max\": 10}";
	const char *tight = "{\"name\": \"x\", \"type\": \"number\", \"min\": 0.5, \"max\": 9.25}";
	const char *shift = "{\"name\": \"x\", \"type\": \"number\", \"min\": 1, \"max\": 11}";
	const char *none = "{\"name\": \"x\", \"type\": \"number\"}";
	struct schema_diff d;

	assert_string_equal(cdiff(r, tight), "min_raised x 0>0.5 B; max_lowered x 10>9.25 B");
	assert_string_equal(cdiff(tight, r), "min_lowered x 0.5>0 A; max_raised x 9.25>10 A");
	assert_string_equal(diff_of("", r, "", shift, &d), "min_raised x 0>1 B; max_raised x 10>11 A");
	assert_int_equal(d.breaking, 1);
	assert_int_equal(d.additive, 1);
	assert_string_equal(schema_diff_verdict(&d), "breaking");
	assert_string_equal(d.v[0].message,
			    "column 'x': min raised from 0 to 1: values below 1 no longer pass");
	schema_diff_free(&d);
	assert_string_equal(cdiff(none, r), "range_added x ->[0, 10] B");
	assert_string_equal(cdiff(r, none), "range_removed x [0, 10]>- A");
}

static void test_schemadiff__max_missing(void **state)
{
	const char *m10 = "{\"name\": \"x\", \"type\": \"number\", \"max_missing\": 0.1}";
	const char *m5 = "{\"name\": \"x\", \"type\": \"number\", \"max_missing\": 0.05}";
	const char *nul = "{\"name\": \"x\", \"type\": \"number\"}";
	const char *req = "{\"name\": \"x\", \"type\": \"number\", \"nullable\": false}";
	const char *req10 = "{\"name\": \"x\", \"type\": \"number\", \"nullable\": false, \"max_missing\": 0.1}";

	assert_string_equal(cdiff(m10, m5), "max_missing_lowered x 0.1>0.05 B");
	assert_string_equal(cdiff(m5, m10), "max_missing_raised x 0.05>0.1 A");
	/* against the implied limit: none for a nullable column, 0 for a required one */
	assert_string_equal(cdiff(nul, m10), "max_missing_lowered x none (nullable)>0.1 B");
	assert_string_equal(cdiff(m10, nul), "max_missing_raised x 0.1>none (nullable) A");
	assert_string_equal(cdiff(req, req10), "max_missing_raised x 0 (required)>0.1 A");
	assert_string_equal(cdiff(req10, req), "max_missing_lowered x 0.1>0 (required) B");
	/* nullability alone is reported once, as became_* */
	assert_string_equal(cdiff(nul, req), "became_required x nullable>required B");
}

static void test_schemadiff__domain(void **state)
{
	const char *r = "{\"name\": \"x\", \"type\": \"number\", \"min\": 0, \"max\": 1}";
	const char *re = "{\"name\": \"x\", \"type\": \"number\", \"min\": 0, \"max\": 1, \"domain\": \"enforced\"}";
	const char *ro = "{\"name\": \"x\", \"type\": \"number\", \"min\": 0, \"max\": 1, \"domain\": \"observed\"}";

	assert_string_equal(diff_of("\"domain\": \"observed\",", r, "\"domain\": \"enforced\",", r, NULL),
			    "domain_enforced - observed>enforced B");
	assert_string_equal(diff_of("\"domain\": \"enforced\",", r, "\"domain\": \"observed\",", r, NULL),
			    "domain_observed - enforced>observed A");
	/* no "domain" is enforced, as validate-data reads it */
	assert_string_equal(diff_of("\"domain\": \"observed\",", r, "", r, NULL),
			    "domain_enforced - observed>enforced B");
	/* a column's own domain */
	assert_string_equal(diff_of("\"domain\": \"observed\",", r, "\"domain\": \"observed\",", re, NULL),
			    "domain_enforced x observed>enforced B");
	assert_string_equal(diff_of("\"domain\": \"observed\",", re, "\"domain\": \"observed\",", r, NULL),
			    "domain_observed x enforced>observed A");
	/* the column follows the top-level change: reported once */
	assert_string_equal(diff_of("\"domain\": \"observed\",", r, "\"domain\": \"enforced\",", re, NULL),
			    "domain_enforced - observed>enforced B");
	/* a column that keeps its domain while the top level changes */
	assert_string_equal(diff_of("\"domain\": \"observed\",", r, "\"domain\": \"enforced\",", ro, NULL),
			    "domain_enforced - observed>enforced B");
	/* and one that goes the other way */
	assert_string_equal(diff_of("\"domain\": \"observed\",", re, "\"domain\": \"enforced\",", ro, NULL),
			    "domain_enforced - observed>enforced B; domain_observed x enforced>observed A");
}

static void test_schemadiff__label(void **state)
{
	const char *cols = X ", {\"name\": \"y\", \"type\": \"string\"}";

	assert_string_equal(diff_of("\"label\": \"x\",", cols, "\"label\": \"y\",", cols, NULL),
			    "label_changed - 'x'>'y' B");
	assert_string_equal(diff_of("", cols, "\"label\": \"y\",", cols, NULL),
			    "label_changed - none>'y' B");
	assert_string_equal(diff_of("\"label\": \"y\",", cols, "", cols, NULL),
			    "label_changed - 'y'>none B");
}

static void test_schemadiff__order_of_changes(void **state)
{
	const char *a = "{\"name\": \"a\", \"type\": \"integer\"}, "
		"{\"name\": \"b\", \"type\": \"string\", \"nullable\": false}, "
		"{\"name\": \"c\", \"type\": \"number\"}";
	const char *b = "{\"name\": \"z\", \"type\": \"boolean\"}, "
		"{\"name\": \"c\", \"type\": \"integer\"}, "
		"{\"name\": \"a\", \"type\": \"number\"}";

	assert_string_equal(diff_of("", a, "\"label\": \"c\",", b, NULL),
			    "label_changed - none>'c' B; "
			    "type_widened a integer>number A; "
			    "column_removed b string, required>- B; "
			    "type_narrowed c number>integer B; "
			    "column_added z ->boolean, nullable B");
}

static void test_schemadiff__table(void **state)
{
	struct schema_diff d;
	struct buf b;

	diff_of("", "{\"name\": \"petal width\", \"type\": \"number\", \"min\": 0, \"max\": 2.5}, "
		"{\"name\": \"s\", \"type\": \"string\", \"categories\": [\"a\", \"virginica\"]}",
		"", "{\"name\": \"petal width\", \"type\": \"number\", \"min\": 0, \"max\": 3}, "
		"{\"name\": \"s\", \"type\": \"string\", \"categories\": [\"a\"]}", &d);
	buf_init(&b);
	assert_int_equal(schema_diff_table(&d, &b), 0);
	assert_string_equal(b.data,
		"change            column       old \xe2\x86\x92 new        verdict\n"
		"max_raised        petal width  2.5 \xe2\x86\x92 3          additive\n"
		"category_removed  s            'virginica' \xe2\x86\x92 -  breaking\n");
	schema_diff_free(&d);
	buf_reset(&b);
	memset(&d, 0, sizeof(d));
	assert_int_equal(schema_diff_table(&d, &b), 0);
	assert_string_equal(b.data, "no changes\n");
	buf_release(&b);
}

static void test_schemadiff__table_cells(void **state)
{
	struct schema_diff d;
	struct buf b;
	char cols[600];
	const char *line2;

	/* a control character and a long UTF-8 name */
	diff_of("", X ", {\"name\": \"a\\tb\", \"type\": \"string\"}", "", X, &d);
	buf_init(&b);
	assert_int_equal(schema_diff_table(&d, &b), 0);
	line2 = strchr(b.data, '\n') + 1;
	assert_true(!strncmp(line2, "column_removed  a?b ", 20));
	schema_diff_free(&d);
	buf_reset(&b);
	snprintf(cols, sizeof(cols), X ", {\"name\": \"%s\", \"type\": \"string\"}",
		 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");	/* 65 characters */
	diff_of("", X, "", cols, &d);
	assert_int_equal(schema_diff_table(&d, &b), 0);
	line2 = strchr(b.data, '\n') + 1;
	/* 57 characters, "...", two spaces, then the next cell */
	assert_true(!strncmp(line2 + strlen("column_added  ") + 57 * 2, "...  - ", 7));
	schema_diff_free(&d);
	buf_release(&b);
}

static void test_schemadiff__json(void **state)
{
	struct schema_diff d;
	json_t *j;
	char *s;

	diff_of("\"domain\": \"observed\",", X, "\"domain\": \"enforced\",",
		X ", {\"name\": \"n\", \"type\": \"number\"}", &d);
	j = schema_diff_json(&d);
	assert_non_null(j);
	s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s,
		"[{\"breaking\":true,\"column\":null,\"kind\":\"domain_enforced\","
		"\"message\":\"domain changed from observed to enforced: values "
		"outside the ranges and categories are now errors\","
		"\"new\":\"enforced\",\"old\":\"observed\"},"
		"{\"breaking\":true,\"column\":\"n\",\"kind\":\"column_added\","
		"\"message\":\"column 'n' (number) was added: data without it no "
		"longer passes (missing_column)\",\"new\":\"number, nullable\",\"old\":null}]");
	free(s);
	json_decref(j);
	schema_diff_free(&d);
}

/* ---- schema_diff_run ---- */

static char dir[256];

static const char *path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
	return out;
}

static void put(const char *name, const char *text)
{
	char p[512];
	FILE *f = fopen(path_in(p, sizeof(p), name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup_dir(void **state)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_schemadiff.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	put("old.json", "{\"kind\": \"mlci.schema\", \"schema_version\": 1, "
	    "\"columns\": [{\"name\": \"a\", \"type\": \"integer\"}, "
	    "{\"name\": \"b\", \"type\": \"string\"}]}");
	put("new.json", "{\"kind\": \"mlci.schema\", \"schema_version\": 1, "
	    "\"columns\": [{\"name\": \"a\", \"type\": \"number\"}]}");
	put("model.json", "{\"kind\": \"mlci.model\", \"schema_version\": 1}");
	put("v9.json", "{\"kind\": \"mlci.schema\", \"schema_version\": 9, \"columns\": []}");
	put("bad.json", "{\"kind\": \"mlci.schema\",\n \"schema_version\": 1,,}");
	put("nocols.json", "{\"kind\": \"mlci.schema\", \"schema_version\": 1, \"columns\": []}");
	put("badcol.json", "{\"kind\": \"mlci.schema\", \"schema_version\": 1, "
	    "\"columns\": [{\"name\": \"a\", \"type\": \"decimal\"}]}");
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int run(const char *a, const char *b, const char *out,
	       struct schema_diff_result *res, struct mlci_err *err)
{
	char pa[512], pb[512], po[512];
	struct schema_diff_opts o = { 0 };

	o.old_path = a ? path_in(pa, sizeof(pa), a) : NULL;
	o.new_path = b ? path_in(pb, sizeof(pb), b) : NULL;
	o.out = out ? path_in(po, sizeof(po), out) : NULL;
	o.producer = "mlci-schema-diff";
	memset(err, 0, sizeof(*err));
	return schema_diff_run(&o, res, err);
}

static void test_schemadiff__run_writes_artifact(void **state)
{
	struct schema_diff_result res;
	struct mlci_err err;
	struct schema_diff_opts o = { "old.json", "new.json", NULL, NULL };
	json_t *art = NULL;
	char p[512];
	struct buf b;

	setenv("SOURCE_DATE_EPOCH", "0", 1);
	assert_int_equal(run("old.json", "new.json", "d.json", &res, &err), 0);
	assert_int_equal(res.diff.n, 2);
	assert_int_equal(res.diff.breaking, 1);
	assert_int_equal(res.diff.additive, 1);
	assert_string_equal(json_string_value(json_object_get(res.artifact, "verdict")),
			    "breaking");
	schema_diff_result_free(&res);
	assert_int_equal(artifact_load(path_in(p, sizeof(p), "d.json"), KIND_SCHEMA_DIFF,
				       SCHEMA_SCHEMA_DIFF, &art, NULL, &err), 0);
	assert_int_equal(json_array_size(json_object_get(art, "changes")), 2);
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(art, "counts"), "breaking")), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(art, "inputs"), 0), "role")), "baseline");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(art, "inputs"), 1), "role")), "schema");
	json_decref(art);
	/* the same schema twice: unchanged, no output asked */
	assert_int_equal(run("old.json", "old.json", NULL, &res, &err), 0);
	assert_int_equal(res.diff.n, 0);
	assert_string_equal(json_string_value(json_object_get(res.artifact, "verdict")),
			    "unchanged");
	buf_init(&b);
	assert_int_equal(schema_diff_summary(&o, &res.diff, &b), 0);
	assert_string_equal(b.data, "old.json \xe2\x86\x92 new.json: 0 changes, "
			    "0 breaking, 0 additive: unchanged");
	buf_release(&b);
	schema_diff_result_free(&res);
}

static void expect_error(const char *a, const char *b, const char *out, int code,
			 const char *file, const char *msg_part)
{
	struct schema_diff_result res;
	struct mlci_err err;
	char p[512];

	assert_int_equal(run(a, b, out, &res, &err), -1);
	if (err.code != code || !strstr(err.msg, msg_part))
		fail_msg("%s vs %s: got %d '%s', wanted %d '%s'", a, b, err.code,
			 err.msg, code, msg_part);
	if (file)
		assert_string_equal(err.file, path_in(p, sizeof(p), file));
	assert_null(res.artifact);
	assert_int_equal(res.diff.n, 0);
	if (out && code != MLCI_EXIT_USAGE)
		assert_int_not_equal(access(path_in(p, sizeof(p), out), F_OK), 0);
}

static void test_schemadiff__run_errors(void **state)
{
	expect_error("old.json", "nope.json", "e1.json", MLCI_EXIT_NOINPUT, "nope.json", "cannot open");
	expect_error("nope.json", "new.json", "e1.json", MLCI_EXIT_NOINPUT, "nope.json", "cannot open");
	expect_error("old.json", "model.json", "e1.json", MLCI_EXIT_DATAERR, "model.json", "mlci.schema");
	expect_error("v9.json", "new.json", "e1.json", MLCI_EXIT_DATAERR, "v9.json", "9");
	expect_error("old.json", "bad.json", "e1.json", MLCI_EXIT_DATAERR, "bad.json", "");
	expect_error("old.json", "nocols.json", "e1.json", MLCI_EXIT_DATAERR, "nocols.json", "at least one column");
	expect_error("badcol.json", "new.json", "e1.json", MLCI_EXIT_DATAERR, "badcol.json", "\"type\"");
	expect_error("old.json", "new.json", "old.json", MLCI_EXIT_USAGE, NULL, "would overwrite");
	expect_error("old.json", NULL, NULL, MLCI_EXIT_USAGE, NULL, "required");
	expect_error("old.json", "new.json", "no-dir/d.json", MLCI_EXIT_CANTCREAT, "no-dir/d.json", "");
}

static void test_schemadiff__run_bad_json_position(void **state)
{
	struct schema_diff_result res;
	struct mlci_err err;

	assert_int_equal(run("old.json", "bad.json", NULL, &res, &err), -1);
	assert_int_equal(err.line, 2);
	assert_true(err.col > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schemadiff__unchanged),
		cmocka_unit_test(test_schemadiff__column_removed_and_added),
		cmocka_unit_test(test_schemadiff__constraints),
		cmocka_unit_test(test_schemadiff__rename),
		cmocka_unit_test(test_schemadiff__types),
		cmocka_unit_test(test_schemadiff__nullable),
		cmocka_unit_test(test_schemadiff__categories),
		cmocka_unit_test(test_schemadiff__range),
		cmocka_unit_test(test_schemadiff__max_missing),
		cmocka_unit_test(test_schemadiff__domain),
		cmocka_unit_test(test_schemadiff__label),
		cmocka_unit_test(test_schemadiff__order_of_changes),
		cmocka_unit_test(test_schemadiff__table),
		cmocka_unit_test(test_schemadiff__table_cells),
		cmocka_unit_test(test_schemadiff__json),
		cmocka_unit_test(test_schemadiff__run_writes_artifact),
		cmocka_unit_test(test_schemadiff__run_errors),
		cmocka_unit_test(test_schemadiff__run_bad_json_position),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
