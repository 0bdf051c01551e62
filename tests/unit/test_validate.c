#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "csv.h"
#include "validate.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void load(struct frame *f, const char *text)
{
	char path[256];
	const char *dir = getenv("TMPDIR");
	struct mlci_err err = {0};
	int fd;

	snprintf(path, sizeof(path), "%s/test_validate.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	if (frame_load(f, path, NULL, &err) < 0)
		fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.col, err.msg);
	unlink(path);
}

static void stats(struct data_stats *s, const struct frame *f, const char *label)
{
	struct mlci_err err = {0};

	assert_int_equal(data_stats_compute(s, f, label, &err), 0);
}

static void test_validate__infers_types(void **state)
{
	struct frame f;
	struct data_stats s;

	load(&f, "i,n,b,s,bin,yn,e,big\n"
		 "1,1.5,true,x,0,yes,,1\n"
		 "-2,2,FALSE,3,1,no,,99999999999999999999\n"
		 "3,1e3,True,y,1,yes,,2\n");
	stats(&s, &f, NULL);
	assert_int_equal(s.cols[0].type, COL_INTEGER);
	assert_int_equal(s.cols[1].type, COL_NUMBER);
	assert_int_equal(s.cols[2].type, COL_BOOLEAN);
	assert_int_equal(s.cols[3].type, COL_STRING);	/* one number among strings */
	assert_int_equal(s.cols[4].type, COL_INTEGER);	/* 0/1 stays integer */
	assert_int_equal(s.cols[5].type, COL_STRING);	/* yes/no is a string */
	assert_int_equal(s.cols[6].type, COL_STRING);	/* nothing at all */
	assert_int_equal(s.cols[6].count, 0);
	assert_int_equal(s.cols[6].missing, 3);
	assert_int_equal(s.cols[7].type, COL_NUMBER);	/* too big for a long */
	assert_string_equal(col_type_name(COL_BOOLEAN), "boolean");
	data_stats_free(&s);
	frame_free(&f);
}

static void test_validate__type_accepts_and_parse(void **state)
{
	enum col_type t;

	assert_true(col_type_accepts(COL_INTEGER, "12"));
	assert_false(col_type_accepts(COL_INTEGER, "1.5"));
	assert_true(col_type_accepts(COL_NUMBER, "1.5"));
	assert_false(col_type_accepts(COL_NUMBER, "nan"));
	assert_true(col_type_accepts(COL_BOOLEAN, "TRUE"));
	assert_false(col_type_accepts(COL_BOOLEAN, "1"));
	assert_true(col_type_accepts(COL_STRING, "anything"));
	assert_int_equal(col_type_parse("number", &t), 0);
	assert_int_equal(t, COL_NUMBER);
	assert_int_equal(col_type_parse("float", &t), -1);
}

static void test_validate__numeric_statistics(void **state)
{
	struct frame f;
	struct data_stats s;

	load(&f, "x,one\n1,5\n2,\n3,\n4,\n,\n4,\n");
	stats(&s, &f, NULL);
	assert_int_equal(s.cols[0].count, 5);
	assert_int_equal(s.cols[0].missing, 1);
	assert_near(s.cols[0].mean, 2.8, 1e-15);
	/* sample std (n - 1) of 1,2,3,4,4: sqrt(6.8 / 4) */
	assert_near(s.cols[0].std, sqrt(6.8 / 4), 1e-15);
	assert_near(s.cols[0].min, 1, 0);
	assert_near(s.cols[0].max, 4, 0);
	assert_int_equal(s.cols[0].distinct, 4);
	assert_true(isnan(s.cols[1].std));	/* one value: no std */
	assert_near(s.cols[1].mean, 5, 0);
	data_stats_free(&s);
	frame_free(&f);
}

static void test_validate__top_values_ties_by_value(void **state)
{
	struct frame f;
	struct data_stats s;

	load(&f, "c\nb\na\nc\nb\na\nd\nd\nd\n");
	stats(&s, &f, NULL);
	assert_int_equal(s.cols[0].distinct, 4);
	assert_int_equal(s.cols[0].ntop, 4);
	assert_string_equal(s.cols[0].top[0].value, "d");
	assert_int_equal(s.cols[0].top[0].count, 3);
	assert_string_equal(s.cols[0].top[1].value, "a");
	assert_string_equal(s.cols[0].top[2].value, "b");
	assert_string_equal(s.cols[0].top[3].value, "c");
	/* values are sorted by value */
	assert_string_equal(s.cols[0].values[0].value, "a");
	assert_true(s.cols[0].categorical);	/* 4 distinct in 9 */
	data_stats_free(&s);
	frame_free(&f);
}

static void test_validate__categorical_threshold(void **state)
{
	struct frame f;
	struct data_stats s;
	char text[4096] = "many,few,y\n";
	size_t i, len;

	for (i = 0; i < 120; i++) {
		len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "v%zu,%s,c%zu\n",
			 i % 51, i % 2 ? "a" : "b", i % 60);
	}
	load(&f, text);
	stats(&s, &f, "y");
	assert_int_equal(s.cols[0].distinct, 51);
	assert_false(s.cols[0].categorical);	/* more than 50 distinct */
	assert_true(s.cols[1].categorical);
	assert_true(s.cols[2].categorical);	/* the label always is */
	data_stats_free(&s);
	frame_free(&f);
	load(&f, "x\na\nb\nc\na\n");
	stats(&s, &f, NULL);
	assert_false(s.cols[0].categorical);	/* 3 distinct in 4: over half */
	data_stats_free(&s);
	frame_free(&f);
}

static void test_validate__duplicate_rows(void **state)
{
	struct frame f;
	struct data_stats s;

	load(&f, "a,b\n1,\n1,\n1,x\n2,x\n1,\n2,x\n");
	stats(&s, &f, NULL);
	assert_int_equal(s.duplicate_rows, 3);	/* missing equals missing */
	data_stats_free(&s);
	frame_free(&f);
}

static int has(const struct anomalies *a, const char *code, enum severity sev,
	       const char *column, long count)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].code, code) && a->v[i].severity == sev &&
		    (!column ? !a->v[i].column :
		     a->v[i].column && !strcmp(a->v[i].column, column)) &&
		    a->v[i].count == count)
			return 1;
	return 0;
}

static void test_validate__schema_round_trip(void **state)
{
	struct frame f;
	struct data_stats s;
	struct schema sc, back;
	struct mlci_err err = {0};
	json_t *art = json_object();

	load(&f, "n,c,y\n1,a,p\n5,a,q\n,b,p\n3,a,p\n");
	stats(&s, &f, "y");
	assert_int_equal(schema_infer(&sc, &s, "y", &err), 0);
	assert_int_equal(sc.ncols, 3);
	assert_true(sc.cols[0].nullable);
	assert_true(sc.cols[0].has_range);
	assert_near(sc.cols[0].min, 1, 0);
	assert_near(sc.cols[0].max, 5, 0);
	assert_int_equal(sc.cols[1].ncategories, 2);
	assert_int_equal(sc.cols[2].ncategories, 2);
	assert_false(sc.enforced);
	assert_int_equal(schema_to_json(&sc, art), 0);
	json_object_set_new(art, "kind", json_string("mlci.schema"));
	assert_int_equal(schema_from_json(&back, art, "s.json", &err), 0);
	assert_int_equal(back.ncols, 3);
	assert_string_equal(back.label, "y");
	assert_false(back.enforced);
	assert_false(back.cols[0].enforced);
	assert_int_equal(back.cols[0].type, COL_INTEGER);
	assert_near(back.cols[0].max, 5, 0);
	assert_string_equal(back.cols[1].categories[1], "b");
	assert_int_equal(schema_find(&back, "c"), 1);
	assert_int_equal(schema_find(&back, "zz"), -1);
	schema_free(&back);
	schema_free(&sc);
	json_decref(art);
	data_stats_free(&s);
	frame_free(&f);
}

static void expect_bad_schema(const char *text, const char *msg_part)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	struct schema sc;
	struct mlci_err err = {0};

	assert_non_null(j);
	assert_int_equal(schema_from_json(&sc, j, "s.json", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(err.file, "s.json");
	if (!strstr(err.msg, msg_part))
		fail_msg("'%s' lacks '%s'", err.msg, msg_part);
	assert_null(sc.cols);
	json_decref(j);
}

static void test_validate__schema_refuses_malformed(void **state)
{
	expect_bad_schema("{}", "columns");
	expect_bad_schema("{\"columns\": [{\"type\": \"integer\"}]}", "\"name\"");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"x\"}]}",
			  "\"type\" must be");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"integer\", "
			  "\"min\": 5, \"max\": 1}]}", "above");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\", "
			  "\"min\": 5, \"max\": 6}]}", "numeric column");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\", "
			  "\"categories\": [1]}]}", "category 1 is not a string");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\"}, "
			  "{\"name\": \"a\", \"type\": \"string\"}]}", "appears twice");
	expect_bad_schema("{\"domain\": \"loose\", \"columns\": []}", "domain");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\", "
			  "\"max_missing\": 2}]}", "max_missing");
}

static void check(const struct frame *f, const struct data_stats *s,
		  const struct schema *sc, const char *label, double max_missing,
		  struct anomalies *a)
{
	struct check_opts o = { label, max_missing };
	struct mlci_err err = {0};

	memset(a, 0, sizeof(*a));
	assert_int_equal(data_check(f, s, sc, &o, a, &err), 0);
}

static void test_validate__anomalies_against_schema(void **state)
{
	const char *schema_text =
		"{\"label\": \"y\", \"columns\": ["
		"{\"name\": \"n\", \"type\": \"integer\", \"min\": 0, \"max\": 10},"
		"{\"name\": \"c\", \"type\": \"string\", \"categories\": [\"a\"]},"
		"{\"name\": \"t\", \"type\": \"number\"},"
		"{\"name\": \"k\", \"type\": \"string\", \"nullable\": false},"
		"{\"name\": \"gone\", \"type\": \"string\"},"
		"{\"name\": \"y\", \"type\": \"string\", \"categories\": [\"p\", \"q\"]}]}";
	json_error_t je;
	json_t *j = json_loads(schema_text, 0, &je);
	struct schema sc;
	struct frame f;
	struct data_stats s;
	struct anomalies a;
	struct mlci_err err = {0};
	json_t *arr;

	assert_non_null(j);
	assert_int_equal(schema_from_json(&sc, j, "s.json", &err), 0);
	assert_true(sc.enforced);	/* the default for a written schema */
	load(&f, "n,c,t,k,extra,y\n"
		 "1,a,1.5,,e,p\n"
		 "11,b,x,v,e,r\n"
		 "12,b,2,v,e,\n"
		 "3,a,2,v,e,q\n");
	stats(&s, &f, "y");
	check(&f, &s, &sc, "y", -1, &a);
	assert_true(has(&a, "missing_column", SEV_ERROR, "gone", -1));
	assert_true(has(&a, "out_of_range", SEV_ERROR, "n", 2));
	assert_true(has(&a, "unseen_category", SEV_ERROR, "c", 2));
	assert_true(has(&a, "type_mismatch", SEV_ERROR, "t", 1));
	assert_true(has(&a, "missing_over_limit", SEV_ERROR, "k", 1));
	assert_true(has(&a, "extra_column", SEV_WARNING, "extra", -1));
	assert_true(has(&a, "constant_column", SEV_WARNING, "extra", 4));
	assert_true(has(&a, "unseen_label", SEV_ERROR, "y", 1));
	assert_true(has(&a, "missing_label", SEV_ERROR, "y", 1));
	assert_true(has(&a, "constant_column", SEV_WARNING, "k", 3));
	assert_int_equal(a.errors, 7);
	assert_int_equal(a.warnings, 3);
	assert_int_equal(a.n, 10);
	assert_string_equal(a.v[0].code, "missing_column");	/* schema order first */
	arr = anomalies_json(&a);
	assert_int_equal(json_array_size(arr), 10);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(arr, 0), "severity")), "error");
	assert_null(json_object_get(json_array_get(arr, 0), "count"));
	json_decref(arr);
	anomalies_free(&a);
	/* an observed domain makes the range and category findings warnings */
	sc.cols[0].enforced = sc.cols[1].enforced = 0;
	sc.cols[5].enforced = 0;	/* but never the label's */
	check(&f, &s, &sc, "y", -1, &a);
	assert_true(has(&a, "out_of_range", SEV_WARNING, "n", 2));
	assert_true(has(&a, "unseen_category", SEV_WARNING, "c", 2));
	assert_true(has(&a, "unseen_label", SEV_ERROR, "y", 1));
	anomalies_free(&a);
	schema_free(&sc);
	json_decref(j);
	data_stats_free(&s);
	frame_free(&f);
}

static void test_validate__anomalies_without_schema(void **state)
{
	struct frame f;
	struct data_stats s;
	struct anomalies a;
	char text[4096] = "id,half,empty,y\n";
	size_t i, len;

	for (i = 0; i < 30; i++) {
		len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "%zu,%s,,%s\n", i,
			 i % 2 ? "1" : "", i % 3 ? "a" : "b");
	}
	load(&f, text);
	stats(&s, &f, "y");
	check(&f, &s, NULL, "y", 0.4, &a);
	assert_true(has(&a, "all_distinct", SEV_INFO, "id", 30));
	assert_true(has(&a, "missing_over_limit", SEV_ERROR, "half", 15));
	assert_true(has(&a, "constant_column", SEV_WARNING, "half", 15));
	assert_true(has(&a, "missing_over_limit", SEV_ERROR, "empty", 30));
	assert_true(has(&a, "all_missing", SEV_WARNING, "empty", 30));
	assert_int_equal(a.n, 5);
	anomalies_free(&a);
	check(&f, &s, NULL, "nolabel", -1, &a);
	assert_true(has(&a, "label_column_missing", SEV_ERROR, "nolabel", -1));
	assert_int_equal(a.errors, 1);
	anomalies_free(&a);
	data_stats_free(&s);
	frame_free(&f);
}

static void test_validate__stats_json(void **state)
{
	struct frame f;
	struct data_stats s;
	json_t *arr, *o;

	load(&f, "n,x,s\n1,0.5,a\n2,1.5,a\n");
	stats(&s, &f, NULL);
	arr = data_stats_json(&s);
	assert_int_equal(json_array_size(arr), 3);
	o = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "integer");
	assert_true(json_is_integer(json_object_get(o, "min")));
	assert_true(json_is_real(json_object_get(o, "mean")));
	o = json_array_get(arr, 1);
	assert_true(json_is_real(json_object_get(o, "min")));
	o = json_array_get(arr, 2);
	assert_null(json_object_get(o, "mean"));
	assert_true(json_is_true(json_object_get(o, "categorical")));
	assert_int_equal(json_array_size(json_object_get(o, "top")), 1);
	json_decref(arr);
	data_stats_free(&s);
	frame_free(&f);
}

/* Huge finite values: the sums are scaled, so neither the mean nor the
 * std overflows (pandas' own std is inf there; the exact values are
 * mean 1e200 and sample std sqrt((0 + 4 + 4) / 2) * 1e200 = 2e200). */
static void test_validate__huge_values_do_not_overflow(void **state)
{
	struct frame f;
	struct data_stats s;
	json_t *arr;

	load(&f, "a,b,c\n1e200,1.7e308,1e-300\n-1e200,-1.7e308,3e-300\n"
		 "3e200,-1.7e308,2e-300\n");
	stats(&s, &f, NULL);
	assert_near(s.cols[0].mean / 1e200, 1, 1e-15);
	assert_near(s.cols[0].std / 2e200, 1, 1e-15);
	/* mean -1.7e308 / 3; sample std sqrt(4 * 1.7^2 / 3) e308 > DBL_MAX */
	assert_near(s.cols[1].mean / -1.7e308, 1.0 / 3, 1e-15);
	assert_true(isinf(s.cols[1].std));
	/* tiny values keep their precision too */
	assert_near(s.cols[2].mean / 2e-300, 1, 1e-15);
	assert_near(s.cols[2].std / 1e-300, 1, 1e-15);
	arr = data_stats_json(&s);
	assert_true(json_is_real(json_object_get(json_array_get(arr, 0), "std")));
	/* beyond a double: null, not a missing key */
	assert_true(json_is_null(json_object_get(json_array_get(arr, 1), "std")));
	json_decref(arr);
	data_stats_free(&s);
	frame_free(&f);
}

/* For ordinary data the scaled sums give exactly what the plain long
 * double sums give (scaling by a power of two is exact). */
static void test_validate__scaled_sums_are_bit_exact(void **state)
{
	static const double v[] = { 14.23, 13.2, 13.16, 14.37, 13.24, 14.2,
				    14.39, 14.06, 14.83, 13.86, 0.1, 1e-3 };
	char text[1024] = "x\n";
	long double sum = 0, m2 = 0, mean;
	struct frame f;
	struct data_stats s;
	size_t i, n = sizeof(v) / sizeof(v[0]), len;

	for (i = 0; i < n; i++) {
		len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "%.17g\n", v[i]);
		sum += v[i];
	}
	mean = sum / (long double)n;
	for (i = 0; i < n; i++)
		m2 += ((long double)v[i] - mean) * ((long double)v[i] - mean);
	load(&f, text);
	stats(&s, &f, NULL);
	assert_true(s.cols[0].mean == (double)mean);
	assert_true(s.cols[0].std == sqrt((double)(m2 / (long double)(n - 1))));
	data_stats_free(&s);
	frame_free(&f);
}

/* The label's values are its classes whatever its type, up to 4096. */
static void test_validate__label_classes_any_type(void **state)
{
	struct frame f;
	struct data_stats s;
	struct schema sc;
	struct anomalies a;
	struct mlci_err err = {0};
	json_t *arr;

	load(&f, "i,b,n,r,x\n"
		 "0,true,1.0,151.5,1\n1,false,2.0,75.25,2\n2,true,1.0,141.0,3\n"
		 "0,false,2.0,206.5,4\n1,true,1.0,135.75,5\n2,false,2.0,97.0,6\n");
	stats(&s, &f, "i");
	assert_int_equal(s.cols[0].type, COL_INTEGER);
	assert_true(s.cols[0].categorical);
	assert_int_equal(s.cols[0].nvalues, 3);
	assert_int_equal(s.cols[0].distinct, 3);
	assert_false(s.cols[4].categorical);	/* not the label */
	assert_null(s.cols[4].values);
	arr = data_stats_json(&s);	/* an integer label's report is unchanged */
	assert_null(json_object_get(json_array_get(arr, 0), "top"));
	assert_null(json_object_get(json_array_get(arr, 0), "categorical"));
	json_decref(arr);
	assert_int_equal(schema_infer(&sc, &s, "i", &err), 0);
	assert_int_equal(sc.cols[0].ncategories, 3);
	assert_string_equal(sc.cols[0].categories[2], "2");
	assert_true(sc.cols[0].has_range);
	assert_null(sc.cols[4].categories);
	data_stats_free(&s);
	frame_free(&f);

	/* new data with class 7: unseen_label, an error even when observed */
	load(&f, "i,b,n,r,x\n0,true,1.0,151.5,1\n7,false,2.0,75.25,2\n"
		 "7,true,1.0,1.5,3\n");
	stats(&s, &f, "i");
	check(&f, &s, &sc, "i", -1, &a);
	assert_true(has(&a, "unseen_label", SEV_ERROR, "i", 2));
	assert_true(has(&a, "out_of_range", SEV_WARNING, "i", 2));
	assert_int_equal(a.errors, 1);
	anomalies_free(&a);
	data_stats_free(&s);
	schema_free(&sc);
	frame_free(&f);

	/* boolean and few-valued number labels: categories too */
	load(&f, "b,n,r\ntrue,1.0,151.5\nfalse,2.0,75.25\ntrue,1.0,141.0\n"
		 "false,2.0,206.5\ntrue,1.0,135.75\nfalse,2.0,97.0\n");
	stats(&s, &f, "b");
	assert_true(s.cols[0].categorical);
	data_stats_free(&s);
	stats(&s, &f, "n");
	assert_true(s.cols[1].categorical);
	assert_int_equal(schema_infer(&sc, &s, "n", &err), 0);
	assert_int_equal(sc.cols[1].ncategories, 2);
	assert_string_equal(sc.cols[1].categories[0], "1.0");
	schema_free(&sc);
	data_stats_free(&s);
	/* a number label with a value per row (a regression target): none */
	stats(&s, &f, "r");
	assert_false(s.cols[2].categorical);
	assert_int_equal(schema_infer(&sc, &s, "r", &err), 0);
	assert_null(sc.cols[2].categories);
	assert_true(sc.cols[2].has_range);
	schema_free(&sc);
	data_stats_free(&s);
	frame_free(&f);
}

/* More distinct label values than mlci-train allows classes: no
 * categories; a string label at the bound: categories; an integer label
 * with thousands of values is a regression target: no categories. */
static void test_validate__label_classes_bounded(void **state)
{
	size_t cap = 32 * 4200 + 64, i, len;
	char *text = malloc(cap);
	struct frame f;
	struct data_stats s;
	struct schema sc;
	struct mlci_err err = {0};

	assert_non_null(text);
	snprintf(text, cap, "i,s,j,k\n");
	for (i = 0; i < 4097; i++) {
		len = strlen(text);
		snprintf(text + len, cap - len, "%zu,s%zu,c%zu,%zu\n", i, i,
			 i % 4096, i % 4096);
	}
	load(&f, text);
	free(text);
	stats(&s, &f, "i");
	assert_false(s.cols[0].categorical);
	assert_int_equal(schema_infer(&sc, &s, "i", &err), 0);
	assert_null(sc.cols[0].categories);
	schema_free(&sc);
	data_stats_free(&s);
	stats(&s, &f, "s");
	assert_false(s.cols[1].categorical);
	data_stats_free(&s);
	stats(&s, &f, "j");
	assert_true(s.cols[2].categorical);	/* exactly 4096 */
	assert_int_equal(s.cols[2].nvalues, 4096);
	data_stats_free(&s);
	stats(&s, &f, "k");
	assert_false(s.cols[3].categorical);	/* integers, all but one distinct */
	data_stats_free(&s);
	frame_free(&f);
}

static void test_validate__schema_shape(void **state)
{
	json_error_t je;
	json_t *j;
	struct schema sc;
	struct mlci_err err = {0};

	expect_bad_schema("{\"columns\": []}", "\"columns\" is empty");
	expect_bad_schema("{\"label\": \"y\", \"columns\": []}", "\"columns\" is empty");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\"}, "
			  "{\"type\": \"integer\"}]}", "schema column 2: \"name\"");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\"}, "
			  "{\"name\": \"\", \"type\": \"integer\"}]}", "schema column 2: ");
	expect_bad_schema("{\"columns\": [7]}", "schema column 1: expected an object");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\"}, "
			  "{\"name\": \"b\", \"type\": \"float\"}]}",
			  "schema column 2 ('b'): \"type\" must be");
	expect_bad_schema("{\"columns\": [{\"name\": \"b\"}]}",
			  "schema column 1 ('b'): \"type\" must be");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\"}, "
			  "{\"name\": \"b\", \"type\": \"string\"}, "
			  "{\"name\": \"c\", \"type\": \"string\"}, "
			  "{\"name\": \"b\", \"type\": \"integer\"}, "
			  "{\"name\": \"a\", \"type\": \"integer\"}]}",
			  "schema column 4 ('b'): the name appears twice (also column 2)");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\", "
			  "\"catgories\": [\"x\"]}]}",
			  "schema column 1 ('a'): unknown key \"catgories\"");
	expect_bad_schema("{\"columns\": [{\"name\": \"a\", \"type\": \"string\", "
			  "\"categories\": []}]}", "\"categories\" is empty");
	expect_bad_schema("{\"label\": \"\", \"columns\": [{\"name\": \"a\", "
			  "\"type\": \"string\"}]}", "\"label\" must be a non-empty string");
	expect_bad_schema("{\"label\": 3, \"columns\": [{\"name\": \"a\", "
			  "\"type\": \"string\"}]}", "\"label\"");
	/* a minimal good one, and categories on an integer label */
	j = json_loads("{\"label\": \"y\", \"columns\": [{\"name\": \"y\", "
		       "\"type\": \"integer\", \"categories\": [\"2\", \"10\"]}]}",
		       0, &je);
	assert_non_null(j);
	assert_int_equal(schema_from_json(&sc, j, "s.json", &err), 0);
	assert_int_equal(sc.ncols, 1);
	assert_string_equal(sc.cols[0].categories[0], "10");	/* byte order */
	schema_free(&sc);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate__infers_types),
		cmocka_unit_test(test_validate__type_accepts_and_parse),
		cmocka_unit_test(test_validate__numeric_statistics),
		cmocka_unit_test(test_validate__top_values_ties_by_value),
		cmocka_unit_test(test_validate__categorical_threshold),
		cmocka_unit_test(test_validate__duplicate_rows),
		cmocka_unit_test(test_validate__schema_round_trip),
		cmocka_unit_test(test_validate__schema_refuses_malformed),
		cmocka_unit_test(test_validate__anomalies_against_schema),
		cmocka_unit_test(test_validate__anomalies_without_schema),
		cmocka_unit_test(test_validate__stats_json),
		cmocka_unit_test(test_validate__huge_values_do_not_overflow),
		cmocka_unit_test(test_validate__scaled_sums_are_bit_exact),
		cmocka_unit_test(test_validate__label_classes_any_type),
		cmocka_unit_test(test_validate__label_classes_bounded),
		cmocka_unit_test(test_validate__schema_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
