/* Unit tests of mlci-serve's request parser and answer (serve_req.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "csv.h"
#include "model.h"
#include "serve_req.h"

static char tmp_dir[256];
static struct model *clf, *reg;

static const char train_csv[] =
	"colour,size,label,value\n"
	"red,1.0,no,1.5\n"
	"blue,2.5,yes,3.0\n"
	"red,0.5,no,0.7\n"
	"green,3.0,yes,4.1\n"
	"blue,2.0,yes,2.9\n"
	"red,1.5,no,1.9\n"
	"green,,yes,3.3\n"
	"blue,0.8,no,1.2\n";

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static struct model *train(const char *family, const char *label,
			   const char *features)
{
	char out[512];
	struct train_opts o = {0};
	struct train_result r;
	struct mlci_err err = {0};
	struct model *m = NULL;

	snprintf(out, sizeof(out), "%s/%s.json", tmp_dir, family);
	o.data = write_file("train.csv", train_csv);
	o.label = label;
	o.model = family;
	o.out = out;
	o.features = features;
	csv_opts_init(&o.csv);
	if (train_run(&o, &r, &err) < 0)
		fail_msg("train_run: %s", err.msg);
	if (model_load(&m, out, NULL, &err) < 0)
		fail_msg("model_load: %s", err.msg);
	return m;
}

static int setup(void **state)
{
	const char *d = getenv("TMPDIR");

	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_serve_req.XXXXXX",
		 d && *d ? d : "/tmp");
	if (!mkdtemp(tmp_dir))
		return -1;
	clf = train("logistic", "label", "colour,size");
	reg = train("linear", "value", "colour,size");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	model_free(clf);
	model_free(reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int parse(struct serve_rows *r, const struct model *m, const char *body,
		 int csv, struct mlci_err *err)
{
	return serve_rows_parse(r, m, body, strlen(body), csv, err);
}

/* parse must fail with 65 and exactly msg (err_format's line). */
static void refused(const struct model *m, const char *body, int csv,
		    const char *msg)
{
	struct serve_rows r;
	struct mlci_err err = {0};
	char line[1200];

	assert_int_equal(parse(&r, m, body, csv, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	err_format(&err, line, sizeof(line));
	assert_string_equal(line, msg);
	serve_rows_release(&r);
}

static void test_serve_req__json_rows(void **state)
{
	struct serve_rows r;
	struct mlci_err err = {0};

	assert_int_equal(parse(&r, clf, "{\"rows\": [{\"size\": 2.25, \"colour\": \"red\"},"
			       " {\"colour\": null, \"size\": 3, \"label\": \"yes\"},"
			       " {\"colour\": \"\", \"size\": null},"
			       " {\"colour\": 7, \"size\": -1e-3}]}", 0, &err), 0);
	assert_int_equal(r.f.nrows, 4);
	assert_int_equal(r.f.ncols, 2);
	/* the model's feature order, whatever the keys' */
	assert_string_equal(r.f.names[0], "colour");
	assert_string_equal(r.f.names[1], "size");
	assert_string_equal(frame_cell(&r.f, 0, 0), "red");
	assert_string_equal(frame_cell(&r.f, 0, 1), "2.25");
	assert_null(frame_cell(&r.f, 1, 0));
	assert_string_equal(frame_cell(&r.f, 1, 1), "3");
	assert_null(frame_cell(&r.f, 2, 0));	/* "" is missing */
	assert_null(frame_cell(&r.f, 2, 1));
	assert_string_equal(frame_cell(&r.f, 3, 0), "7");
	assert_string_equal(frame_cell(&r.f, 3, 1), "-0.001");
	serve_rows_release(&r);
	/* a bare list is the same */
	assert_int_equal(parse(&r, clf, "[{\"size\": 2.25, \"colour\": \"red\"}]", 0, &err), 0);
	assert_int_equal(r.f.nrows, 1);
	assert_string_equal(frame_cell(&r.f, 0, 1), "2.25");
	serve_rows_release(&r);
}

static void test_serve_req__json_refused(void **state)
{
	refused(clf, "{\"rows\": [{\"size\": 1,}]}", 0,
		"invalid JSON at line 1, column 22 (byte 22): string or '}' expected near '}'");
	refused(clf, "[{\"size\": 1, \"size\": 2}]", 0,
		"invalid JSON at line 1, column 19 (byte 19): duplicate object key near '\"size\"'");
	refused(clf, "", 0,
		"invalid JSON at line 1, column 1 (byte 0): '[' or '{' expected near end of file");
	refused(clf, "{\"rows\": {}}", 0,
		"\"rows\" is an object, expected a list of row objects");
	refused(clf, "{\"rows\": [], \"x\": 1}", 0,
		"unknown key 'x' (the body is {\"rows\": [...]} or a list of rows)");
	refused(clf, "[]", 0, "no rows to predict");
	refused(clf, "[{\"colour\": \"red\", \"size\": 1}, []]", 0,
		"rows[1] is an array, expected an object");
	refused(clf, "[{\"colour\": \"red\"}]", 0,
		"rows[0]: missing column 'size' (null for a missing value)");
	refused(clf, "[{\"colour\": \"red\", \"size\": 1, \"weight\": 2}]", 0,
		"rows[0]: unknown column 'weight'");
	refused(clf, "[{\"colour\": \"red\", \"size\": \"1\"}]", 0,
		"rows[0]: column 'size' is numeric: expected a number or null, found a string");
	refused(clf, "[{\"colour\": false, \"size\": 1}]", 0,
		"rows[0]: column 'colour' is categorical: expected a string or null, found false");
	refused(clf, "[{\"colour\": {}, \"size\": 1}]", 0,
		"rows[0]: column 'colour' is categorical: expected a string or null, found an object");
}

static void test_serve_req__csv_rows(void **state)
{
	struct serve_rows r;
	struct mlci_err err = {0};

	/* any column order; the label may be there; NA tokens are missing */
	assert_int_equal(parse(&r, clf, "size,label,colour\r\n2.5,yes,\"bl,ue\"\r\nNA,no,?\r\n", 1, &err), 0);
	assert_int_equal(r.f.nrows, 2);
	assert_string_equal(frame_cell(&r.f, 0, 0), "bl,ue");
	assert_string_equal(frame_cell(&r.f, 0, 1), "2.5");
	assert_null(frame_cell(&r.f, 1, 0));
	assert_null(frame_cell(&r.f, 1, 1));
	serve_rows_release(&r);
	refused(clf, "colour,size\nred,1\nblue,x\n", 1,
		"request body:3:6: expected a number in column 'size', found 'x'");
	refused(clf, "colour,size,weight\nred,1,2\n", 1,
		"unknown column 'weight' in the header");
	refused(clf, "colour\nred\n", 1, "missing column 'size' in the header");
	refused(clf, "colour,size\nred\n", 1,
		"request body:2:4: row has 1 fields, expected 2");
	refused(clf, "", 1, "request body: empty file");
}

/* Rows parsed from a request predict exactly as the same rows read from
 * a file by mlci-evaluate's reader. */
static void test_serve_req__predicts_as_a_file(void **state)
{
	const char *rows = "colour,size\nred,1.25\ngreen,\nblue,2.75\npurple,0.1\n";
	struct serve_rows r;
	struct frame f;
	struct mlci_err err = {0};
	double a[8], b[8];

	assert_int_equal(frame_load(&f, write_file("rows.csv", rows), NULL, &err), 0);
	assert_int_equal(model_predict(clf, &f, a, &err), 0);
	assert_int_equal(parse(&r, clf, "[{\"colour\": \"red\", \"size\": 1.25},"
			       " {\"colour\": \"green\", \"size\": null},"
			       " {\"colour\": \"blue\", \"size\": 2.75},"
			       " {\"colour\": \"purple\", \"size\": 0.1}]", 0, &err), 0);
	assert_int_equal(model_predict(clf, &r.f, b, &err), 0);
	assert_memory_equal(a, b, sizeof(a));
	serve_rows_release(&r);
	assert_int_equal(parse(&r, clf, rows, 1, &err), 0);
	assert_int_equal(model_predict(clf, &r.f, b, &err), 0);
	assert_memory_equal(a, b, sizeof(a));
	serve_rows_release(&r);
	frame_free(&f);
}

static void test_serve_req__render(void **state)
{
	const double p[4] = { 0.25, 0.75, 0.5, 0.5 };
	const double v[2] = { 1.5, -0.1 };
	struct buf b;
	json_error_t je;
	json_t *j;

	buf_init(&b);
	assert_int_equal(serve_render(clf, "m\"x", "1.0", p, 2, &b), 0);
	j = json_loads(b.data, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "model")), "m\"x");
	assert_int_equal(json_integer_value(json_object_get(j, "n_rows")), 2);
	/* the highest probability; the first class on a tie */
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "predictions"), 0), "prediction")), "yes");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "predictions"), 1), "prediction")), "no");
	assert_true(json_real_value(json_object_get(json_object_get(json_array_get(
		json_object_get(j, "predictions"), 0), "probabilities"), "no")) == 0.25);
	json_decref(j);
	buf_reset(&b);
	assert_int_equal(serve_render(reg, "r", "2", v, 2, &b), 0);
	assert_string_equal(b.data, "{\"model\": \"r\", \"version\": \"2\", \"n_rows\": 2, "
			    "\"predictions\": [{\"prediction\": 1.5}, {\"prediction\": -0.1}]}\n");
	buf_release(&b);
}

static void test_serve_req__escaping(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(serve_json_string(&b, "a\"b\\c\n\x01"), 0);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
	buf_reset(&b);
	assert_int_equal(serve_csv_field(&b, "plain"), 0);
	assert_int_equal(buf_addch(&b, '|'), 0);
	assert_int_equal(serve_csv_field(&b, "a,\"b\""), 0);
	assert_int_equal(buf_addch(&b, '|'), 0);
	assert_int_equal(serve_csv_field(&b, NULL), 0);
	assert_int_equal(buf_addch(&b, '|'), 0);
	assert_int_equal(serve_csv_field(&b, ""), 0);
	assert_string_equal(b.data, "plain|\"a,\"\"b\"\"\"||\"\"");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve_req__json_rows),
		cmocka_unit_test(test_serve_req__json_refused),
		cmocka_unit_test(test_serve_req__csv_rows),
		cmocka_unit_test(test_serve_req__predicts_as_a_file),
		cmocka_unit_test(test_serve_req__render),
		cmocka_unit_test(test_serve_req__escaping),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
