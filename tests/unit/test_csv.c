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

#include "tmpfile.h"

#include "csv.h"
#include "util.h"
#include "hash.h"

#define ADULT_COLUMNS "age,workclass,fnlwgt,education,education_num," \
	"marital_status,occupation,relationship,race,sex,capital_gain," \
	"capital_loss,hours_per_week,native_country,income"


static int load_text(struct frame *f, const char *text,
		     const struct csv_opts *o, struct mlci_err *err)
{
	const char *p = write_tmp(text, strlen(text));
	int rc = frame_load(f, p, o, err);

	unlink(p);
	return rc;
}

/* Load text that must fail; check code, line and column. */
static void expect_fail(const char *text, const struct csv_opts *o, int code,
			long line, long col, const char *msg_part)
{
	struct frame f;
	struct mlci_err err = {0};

	assert_int_equal(load_text(&f, text, o, &err), -1);
	assert_int_equal(err.code, code);
	assert_int_equal(err.line, line);
	assert_int_equal(err.col, col);
	assert_string_equal(err.file, tmp_path);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
	assert_int_equal(f.nrows, 0);
	assert_null(f.cells);
	frame_free(&f);
}

static const char *data_path(char *out, size_t n, const char *name)
{
	const char *d = getenv("DATA");

	snprintf(out, n, "%s/%s", d && *d ? d : "tests/data", name);
	return out;
}

static void test_csv__reads_header_and_rows(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	char sha[SHA256_HEX_LEN + 1];
	const char *text = "a,b,c\n1,2,3\n4,5,6\n";

	assert_int_equal(load_text(&f, text, NULL, &err), 0);
	assert_int_equal(f.nrows, 2);
	assert_int_equal(f.ncols, 3);
	assert_string_equal(f.names[0], "a");
	assert_string_equal(f.names[2], "c");
	assert_string_equal(frame_cell(&f, 0, 0), "1");
	assert_string_equal(frame_cell(&f, 1, 2), "6");
	assert_int_equal(f.line[1 * 3 + 2], 3);
	assert_int_equal(f.col[1 * 3 + 2], 5);
	assert_int_equal(frame_find(&f, "b"), 1);
	assert_int_equal(frame_find(&f, "z"), -1);
	sha256_buf(text, strlen(text), sha);
	assert_string_equal(f.sha256, sha);
	frame_free(&f);
	frame_free(&f);	/* safe twice */
}

static void test_csv__quoting_rfc4180(void **state)
{
	struct frame f;
	struct mlci_err err = {0};

	assert_int_equal(load_text(&f, "name,q\n\"Braund, Mr. Owen\",\"say \"\"hi\"\"\"\n"
				   "\"two\nlines\",\"\"\"\"\nx,\"\"\n", NULL, &err), 0);
	assert_int_equal(f.nrows, 3);
	assert_string_equal(frame_cell(&f, 0, 0), "Braund, Mr. Owen");
	assert_string_equal(frame_cell(&f, 0, 1), "say \"hi\"");
	assert_string_equal(frame_cell(&f, 1, 0), "two\nlines");
	assert_string_equal(frame_cell(&f, 1, 1), "\"");
	/* the row after a quoted newline starts on line 5 */
	assert_int_equal(f.line[2 * 2], 5);
	assert_int_equal(f.line[1 * 2 + 1], 4);
	assert_int_equal(f.col[1 * 2 + 1], 8);
	/* a quoted empty field is missing, as the empty token matches */
	assert_null(frame_cell(&f, 2, 1));
	frame_free(&f);
}

static void test_csv__crlf_and_bom(void **state)
{
	struct frame f;
	struct mlci_err err = {0};

	assert_int_equal(load_text(&f, "\xef\xbb\xbfid,name\r\n1,\"x\"\r\n2,y\r\n",
				   NULL, &err), 0);
	assert_int_equal(f.nrows, 2);
	assert_string_equal(f.names[0], "id");
	assert_string_equal(f.names[1], "name");
	assert_string_equal(frame_cell(&f, 0, 1), "x");
	assert_string_equal(frame_cell(&f, 1, 1), "y");
	assert_int_equal(f.col[0], 1);
	frame_free(&f);
	/* no final newline, CR at the very end */
	assert_int_equal(load_text(&f, "a\r\n1\r", NULL, &err), 0);
	assert_string_equal(frame_cell(&f, 0, 0), "1");
	frame_free(&f);
}

static void test_csv__delimiter_and_tab(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	struct csv_opts o;
	struct csv_cli c = {0};

	c.delimiter = "tab";
	assert_int_equal(csv_opts_from_cli(&o, &c, &err), 0);
	assert_int_equal(o.delim, '\t');
	assert_int_equal(load_text(&f, "a\tb\n1,5\t2\n", &o, &err), 0);
	assert_string_equal(frame_cell(&f, 0, 0), "1,5");
	frame_free(&f);
	c.delimiter = ";";
	assert_int_equal(csv_opts_from_cli(&o, &c, &err), 0);
	assert_int_equal(load_text(&f, "a;b\n\"x;y\";2\n", &o, &err), 0);
	assert_string_equal(frame_cell(&f, 0, 0), "x;y");
	frame_free(&f);
	c.delimiter = ";;";
	assert_int_equal(csv_opts_from_cli(&o, &c, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	c.delimiter = "\"";
	assert_int_equal(csv_opts_from_cli(&o, &c, &err), -1);
	c.delimiter = NULL;
	c.skip_rows = -1;
	assert_int_equal(csv_opts_from_cli(&o, &c, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
}

static void test_csv__headerless_columns_skip_trim(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	struct csv_opts o;

	csv_opts_init(&o);
	o.columns = "x, y ,z";
	o.skip_rows = 2;
	o.trim = 1;
	assert_int_equal(load_text(&f, "junk \"line\n|more, junk\n"
				   "1,  a b ,\t\"q, r\" \n\n  \n2, ?,\n\n", &o, &err), 0);
	assert_int_equal(f.nrows, 2);
	assert_string_equal(f.names[1], "y");
	assert_string_equal(frame_cell(&f, 0, 1), "a b");
	assert_string_equal(frame_cell(&f, 0, 2), "q, r");
	assert_int_equal(f.line[0], 3);
	assert_int_equal(f.col[1], 5);	/* after the trimmed blanks */
	assert_int_equal(f.line[3], 6);
	assert_null(frame_cell(&f, 1, 1));
	assert_null(frame_cell(&f, 1, 2));
	frame_free(&f);
}

static void test_csv__no_trim_keeps_blanks(void **state)
{
	struct frame f;
	struct mlci_err err = {0};

	assert_int_equal(load_text(&f, "a,b\n 1 , x\n", NULL, &err), 0);
	assert_string_equal(frame_cell(&f, 0, 0), " 1 ");
	assert_string_equal(frame_cell(&f, 0, 1), " x");
	frame_free(&f);
}

static void test_csv__na_tokens(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	struct csv_opts o;
	size_t i;

	assert_int_equal(load_text(&f, "a\nNA\nN/A\nNaN\nnull\n?\n\"\"\nna\n-\n",
				   NULL, &err), 0);
	assert_int_equal(f.nrows, 8);
	for (i = 0; i < 6; i++)
		assert_null(frame_cell(&f, i, 0));
	assert_string_equal(frame_cell(&f, 6, 0), "na");
	frame_free(&f);
	csv_opts_init(&o);
	o.na = "-,missing";
	assert_int_equal(load_text(&f, "a,b\nNA,-\nmissing,\n", &o, &err), 0);
	assert_string_equal(frame_cell(&f, 0, 0), "NA");
	assert_null(frame_cell(&f, 0, 1));
	assert_null(frame_cell(&f, 1, 0));
	assert_string_equal(frame_cell(&f, 1, 1), "");
	frame_free(&f);
}

static void test_csv__ragged_row_names_line_and_col(void **state)
{
	expect_fail("a,b,c\n1,2,3\n4,5\n", NULL, 65, 3, 4,
		    "row has 2 fields, expected 3");
	expect_fail("a,b\n1,2\n\"x\ny\",2,3\n", NULL, 65, 4, 6,
		    "row has 3 fields, expected 2");
}

static void test_csv__unterminated_quote_where_it_opened(void **state)
{
	expect_fail("a,b\n1,2\n3,\"abc\n4,5\n", NULL, 65, 3, 3,
		    "unterminated quoted field");
}

static void test_csv__junk_after_closing_quote(void **state)
{
	expect_fail("a,b\n\"x\"y,2\n", NULL, 65, 2, 4, "after a closing quote");
}

static void test_csv__empty_and_header_only(void **state)
{
	struct csv_opts o;

	expect_fail("", NULL, 65, 0, 0, "empty file");
	expect_fail("\n\n", NULL, 65, 0, 0, "empty file");
	expect_fail("\xef\xbb\xbf", NULL, 65, 0, 0, "empty file");
	expect_fail("a,b,c\n", NULL, 65, 0, 0, "no data rows");
	csv_opts_init(&o);
	o.skip_rows = 5;
	expect_fail("a\n1\n", &o, 65, 0, 0, "empty file (after skipping 5 lines)");
}

static void test_csv__bad_names(void **state)
{
	struct csv_opts o;
	struct frame f;
	struct mlci_err err = {0};

	expect_fail("a,b,a\n1,2,3\n", NULL, 65, 1, 5,
		    "duplicate column name 'a' (columns 1 and 3)");
	expect_fail("a,,c\n1,2,3\n", NULL, 65, 1, 3, "column 2 has an empty name");
	csv_opts_init(&o);
	o.columns = "a,b";
	expect_fail("1,2,3\n4,5,6\n", &o, 65, 1, 5,
		    "the first row has 3 fields, but --columns names 2");
	o.columns = "a,b,a";
	assert_int_equal(load_text(&f, "1,2,3\n", &o, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	o.columns = "a,,b";
	assert_int_equal(load_text(&f, "1,2,3\n", &o, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
}

static void test_csv__missing_file_is_66(void **state)
{
	struct frame f;
	struct mlci_err err = {0};

	assert_int_equal(frame_load(&f, "/nonexistent/x.csv", NULL, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_string_equal(err.file, "/nonexistent/x.csv");
	frame_free(&f);
}

static void test_csv__too_many_fields_is_an_error(void **state)
{
	size_t n = 100001, i;
	char *text = malloc(2 * n + 8);
	struct frame f;
	struct mlci_err err = {0};
	const char *p;

	assert_non_null(text);
	for (i = 0; i < n; i++) {
		text[2 * i] = 'a';
		text[2 * i + 1] = ',';
	}
	text[2 * n - 1] = '\n';
	p = write_tmp(text, 2 * n);
	assert_int_equal(frame_load(&f, p, NULL, &err), -1);
	unlink(p);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 200001);
	assert_non_null(strstr(err.msg, "more than 100000 fields"));
	free(text);
}

static void test_csv__nul_byte_is_an_error(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	const char *p = write_tmp("a,b\n1,2\n3,\0\n", 12);

	assert_int_equal(frame_load(&f, p, NULL, &err), -1);
	unlink(p);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 3);
	assert_non_null(strstr(err.msg, "NUL byte"));
}

static void test_csv__text_must_be_utf8(void **state)
{
	struct csv_opts o;
	struct frame f;
	struct mlci_err err = {0};

	csv_opts_init(&o);
	/* Latin-1 e-acute in row 2, column 6 */
	expect_fail("a,b,y\n1,caf\xe9,0\n", &o, MLCI_EXIT_DATAERR, 2, 6,
		    "not valid UTF-8 (byte 0xe9)");
	/* a sequence cut short at the end of the file */
	expect_fail("a,b\n1,\xe2\x82", &o, MLCI_EXIT_DATAERR, 2, 3,
		    "not valid UTF-8");
	assert_int_equal(load_text(&f, "a,b\n1,caf\xc3\xa9\n", &o, &err), 0);
	assert_string_equal(frame_cell(&f, 0, 1), "caf\xc3\xa9");
	frame_free(&f);
}

static void test_csv__cr_only_line_ends(void **state)
{
	struct csv_opts o;
	struct frame f;
	struct mlci_err err = {0};

	csv_opts_init(&o);
	assert_int_equal(load_text(&f, "a,b\r1,\"x\ry\"\r3,4\r", &o, &err), 0);
	assert_int_equal(f.nrows, 2);
	assert_int_equal(f.ncols, 2);
	assert_string_equal(frame_cell(&f, 0, 1), "x\ny");
	assert_string_equal(frame_cell(&f, 1, 0), "3");
	assert_int_equal(f.line[2], 4);	/* row 2 starts on line 4 */
	frame_free(&f);
}

static void test_csv__frame_number_strict(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	double v = 0;

	assert_int_equal(load_text(&f, "x,y\n1.5,\n\"2\",abc\n", NULL, &err), 0);
	assert_int_equal(frame_number(&f, 0, 0, &v, &err), 0);
	assert_true(v == 1.5);
	assert_int_equal(frame_number(&f, 1, 0, &v, &err), 0);
	assert_true(v == 2);
	assert_int_equal(frame_number(&f, 0, 1, &v, &err), 1);
	assert_int_equal(frame_number(&f, 1, 1, &v, &err), -1);
	assert_int_equal(err.code, 65);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 5);
	assert_string_equal(err.msg,
			    "expected a number in column 'y', found 'abc'");
	frame_free(&f);
}

static void test_csv__strip_suffix(void **state)
{
	struct frame f;
	struct mlci_err err = {0};

	assert_int_equal(load_text(&f, "y\n<=50K.\n>50K\n?\n", NULL, &err), 0);
	frame_strip_suffix(&f, 0, ".");
	assert_string_equal(frame_cell(&f, 0, 0), "<=50K");
	assert_string_equal(frame_cell(&f, 1, 0), ">50K");
	assert_null(frame_cell(&f, 2, 0));
	frame_free(&f);
}

/* The numbers parsed at load agree with parsing each cell's text, and a
 * stripped suffix is parsed again. */
static void test_csv__numbers_parsed_at_load(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	size_t r, c;
	double v, w;

	assert_int_equal(load_text(&f, "a,b,y\n1e3, 2.50 ,1k\n-0,x,2k\nNA,\"7\",?\n"
				   "0.1,1e999,3\n", NULL, &err), 0);
	assert_non_null(f.num);
	for (r = 0; r < f.nrows; r++)
		for (c = 0; c < f.ncols; c++) {
			const char *s = frame_cell(&f, r, c);

			if (s && parse_double(s, &w) == 0)
				assert_true(f.num[r * f.ncols + c] == w);
			else
				assert_true(isnan(f.num[r * f.ncols + c]));
		}
	assert_true(f.num[0] == 1000 && f.num[4 * 0 + 3] == 0 &&
		    signbit(f.num[3]) && f.num[7] == 7);
	assert_true(isnan(f.num[1]));		/* untrimmed blanks */
	assert_true(isnan(f.num[10]));		/* out of range */
	assert_int_equal(frame_number(&f, 3, 0, &v, &err), 0);
	assert_true(v == 0.1);
	assert_int_equal(frame_number(&f, 0, 2, &v, &err), -1);	/* "1k" */
	frame_strip_suffix(&f, 2, "k");
	assert_int_equal(frame_number(&f, 0, 2, &v, &err), 0);
	assert_true(v == 1);
	assert_int_equal(frame_number(&f, 1, 2, &v, &err), 0);
	assert_true(v == 2);
	assert_int_equal(frame_number(&f, 2, 2, &v, &err), 1);	/* missing */
	frame_free(&f);
}

static void test_csv__real_adult(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	struct csv_opts o;
	char p[512];

	csv_opts_init(&o);
	o.columns = ADULT_COLUMNS;
	o.trim = 1;
	if (frame_load(&f, data_path(p, sizeof(p), "adult.data.csv"), &o, &err))
		fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.col, err.msg);
	assert_int_equal(f.nrows, 32561);
	assert_int_equal(f.ncols, 15);
	assert_string_equal(frame_cell(&f, 0, 1), "State-gov");
	assert_string_equal(frame_cell(&f, 32560, 14), ">50K");
	frame_free(&f);
	o.skip_rows = 1;
	if (frame_load(&f, data_path(p, sizeof(p), "adult.test.csv"), &o, &err))
		fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.col, err.msg);
	assert_int_equal(f.nrows, 16281);
	assert_string_equal(frame_cell(&f, 0, 14), "<=50K.");
	assert_int_equal(f.line[0], 2);
	frame_free(&f);
}

static void test_csv__real_titanic_and_student(void **state)
{
	struct frame f;
	struct mlci_err err = {0};
	char p[512];
	double v;
	int g1;

	if (frame_load(&f, data_path(p, sizeof(p), "titanic.csv"), NULL, &err))
		fail_msg("%s: %s", err.file, err.msg);
	assert_int_equal(f.nrows, 891);
	assert_int_equal(f.ncols, 12);
	assert_string_equal(frame_cell(&f, 0, frame_find(&f, "Name")),
			    "Braund, Mr. Owen Harris");
	assert_null(frame_cell(&f, 0, frame_find(&f, "Cabin")));
	frame_free(&f);
	if (frame_load(&f, data_path(p, sizeof(p), "student_mat.csv"), NULL, &err))
		fail_msg("%s: %s", err.file, err.msg);
	assert_int_equal(f.nrows, 395);
	assert_int_equal(f.ncols, 33);
	g1 = frame_find(&f, "G1");
	assert_true(g1 >= 0);
	assert_int_equal(frame_number(&f, 0, (size_t)g1, &v, &err), 0);
	assert_true(v == 5);
	assert_string_equal(frame_cell(&f, 0, 0), "GP");
	frame_free(&f);
}

/* A pipe is read up to the limit (MLCI_CSV_MAX_BYTES lowers it for
 * tests) and refused one byte past it, 65 naming the path; the variable
 * cannot raise the limit. */
static void pipe_load(const char *text, const char *limit, int want)
{
	struct frame f;
	struct mlci_err err = { 0 };
	char path[64];
	int fd[2];

	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fd[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd[0]);
	setenv("MLCI_CSV_MAX_BYTES", limit, 1);
	assert_int_equal(frame_load(&f, path, NULL, &err), want);
	unsetenv("MLCI_CSV_MAX_BYTES");
	if (want < 0) {
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
		assert_string_equal(err.file, path);
		assert_non_null(strstr(err.msg, "from a pipe"));
	} else {
		assert_int_equal(f.nrows, 2);
	}
	frame_free(&f);
	close(fd[0]);
}

static void test_csv__pipe_limit(void **state)
{
	static const char text[] = "a,b\n1,2\n3,4\n";	/* 12 bytes */

	pipe_load(text, "12", 0);
	pipe_load(text, "11", -1);
	pipe_load(text, "1", -1);
	pipe_load(text, "0", 0);		/* not a limit: the default */
	pipe_load(text, "2000000000", 0);	/* above the default: ignored */
	pipe_load(text, "soon", 0);
	(void)state;
}

/* Load text both ways, full and compact (keeping keep), on the same file. */
static void load_both(struct frame *full, struct frame *cpt, const char *text,
		      const struct csv_opts *o, const char *keep,
		      int *rc_full, int *rc_cpt, struct mlci_err *e_full,
		      struct mlci_err *e_cpt)
{
	const char *p = write_tmp(text, strlen(text));

	*rc_full = frame_load(full, p, o, e_full);
	*rc_cpt = frame_load_compact(cpt, p, o, &keep, 1, e_cpt);
	unlink(p);
}

/* Every cell of a compact frame: its number as in the full frame; its
 * text and position too wherever the text was kept. */
static void assert_same_frames(const struct frame *a, const struct frame *b)
{
	size_t r, c;
	long l1, c1, l2, c2;

	assert_int_equal(a->nrows, b->nrows);
	assert_int_equal(a->ncols, b->ncols);
	assert_string_equal(a->sha256, b->sha256);
	for (c = 0; c < a->ncols; c++)
		assert_string_equal(a->names[c], b->names[c]);
	for (r = 0; r < a->nrows; r++)
		for (c = 0; c < a->ncols; c++) {
			double x = a->num[r * a->ncols + c], y = b->num[r * b->ncols + c];

			assert_true(x == y || (isnan(x) && isnan(y)));
			frame_pos(a, r, c, &l1, &c1);
			frame_pos(b, r, c, &l2, &c2);
			if (!frame_has_text(b, c)) {
				assert_true(!frame_cell(a, r, c) || !isnan(x));
				assert_null(frame_cell(b, r, c));
				assert_int_equal(l2, a->line[r * a->ncols]);
				assert_int_equal(c2, 0);
				continue;
			}
			assert_int_equal(l1, l2);
			assert_int_equal(c1, c2);
			if (!frame_cell(a, r, c))
				assert_null(frame_cell(b, r, c));
			else
				assert_string_equal(frame_cell(a, r, c), frame_cell(b, r, c));
		}
}

/* A compact frame keeps the text of the columns holding text and of the
 * kept ones, and agrees with a full read everywhere else. */
static void test_csv__compact_keeps_text_columns(void **state)
{
	struct frame a, b;
	struct mlci_err e1 = {0}, e2 = {0};
	struct csv_opts o;
	int r1, r2;
	double v;

	load_both(&a, &b, "a,b,y,d\n1,x,3,1e3\n\"2\",NA,4,\n-0,\"q\"\"\nr\",5,7\n"
		  "\n3,\"7\",6,2\n", NULL, "y", &r1, &r2, &e1, &e2);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	assert_false(frame_has_text(&b, 0));	/* numbers and missing only */
	assert_true(frame_has_text(&b, 1));	/* x */
	assert_true(frame_has_text(&b, 2));	/* kept */
	assert_false(frame_has_text(&b, 3));
	assert_int_equal(b.ntext, 2);
	assert_string_equal(frame_cell(&b, 2, 1), "q\"\nr");
	assert_string_equal(frame_cell(&b, 3, 1), "7");
	assert_string_equal(frame_cell(&b, 3, 2), "6");
	assert_same_frames(&a, &b);
	assert_int_equal(frame_number(&b, 1, 0, &v, &e2), 0);
	assert_true(v == 2);
	assert_int_equal(frame_number(&b, 1, 3, &v, &e2), 1);	/* missing */
	assert_int_equal(frame_number(&b, 0, 1, &v, &e2), -1);
	assert_int_equal(frame_number(&a, 0, 1, &v, &e1), -1);
	assert_string_equal(e1.msg, e2.msg);
	assert_int_equal(e1.line, e2.line);
	assert_int_equal(e1.col, e2.col);
	/* the kept label is stripped as in a full frame */
	frame_strip_suffix(&b, 2, "5");
	assert_string_equal(frame_cell(&b, 2, 2), "");
	assert_true(isnan(b.num[2 * 4 + 2]));
	frame_free(&a);
	frame_free(&b);
	frame_free(&b);	/* safe twice */

	/* headerless, trimmed, CRLF, a BOM, other NA tokens */
	csv_opts_init(&o);
	o.columns = "p, q ,r";
	o.trim = 1;
	o.na = "-,";
	o.skip_rows = 1;
	load_both(&a, &b, "\xef\xbb\xbfjunk\r\n 1 , a ,-\r\n2,\" b \",3\r\n  \r\n-,-,4",
		  &o, "nope", &r1, &r2, &e1, &e2);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	assert_int_equal(b.ntext, 1);
	assert_string_equal(b.names[1], "q");
	assert_same_frames(&a, &b);
	frame_free(&a);
	frame_free(&b);

	/* classic Mac line ends */
	load_both(&a, &b, "a,b\r1,x\r2,y\r", NULL, "a", &r1, &r2, &e1, &e2);
	assert_int_equal(r2, 0);
	assert_int_equal(b.ntext, 2);
	assert_same_frames(&a, &b);
	frame_free(&a);
	frame_free(&b);
}

/* A view of some rows reads as those rows of the frame, compact or not. */
static void test_csv__view_rows(void **state)
{
	struct frame a, b, va, vb;
	struct mlci_err e1 = {0}, e2 = {0};
	int r1, r2;
	size_t r, c;

	load_both(&a, &b, "a,b,y\n1,x,3\n2,,4\n\n3,z,\n4,w,6\n", NULL, "y",
		  &r1, &r2, &e1, &e2);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	frame_view_rows(&va, &a, 1, 2);
	frame_view_rows(&vb, &b, 1, 2);
	assert_int_equal(vb.nrows, 2);
	assert_same_frames(&va, &vb);
	for (r = 0; r < 2; r++)
		for (c = 0; c < 3; c++) {
			long l1, c1, l2, c2;

			frame_pos(&vb, r, c, &l1, &c1);
			frame_pos(&b, r + 1, c, &l2, &c2);
			assert_int_equal(l1, l2);
			assert_int_equal(c1, c2);
			assert_true(vb.num[r * 3 + c] == b.num[(r + 1) * 3 + c] ||
				    isnan(vb.num[r * 3 + c]));
		}
	assert_string_equal(frame_cell(&vb, 1, 1), "z");
	assert_null(frame_cell(&vb, 1, 2));
	assert_int_equal(vb.rowline[1], 5);
	frame_free(&a);
	frame_free(&b);
}

/* A compact read fails as a full one does: same code, place and words. */
static void test_csv__compact_errors_as_full(void **state)
{
	static const char *bad[] = {
		"a,b,c\n1,2,3\n4,5\n",
		"a,b\n1,2\n\"x\ny\",2,3\n",
		"a,b\n1,2\n3,\"abc\n4,5\n",
		"a,b\n\"x\"y,2\n",
		"a,b\n\"x\"\x01,2\n",
		"",
		"\n\n",
		"a,b,c\n",
		"a,b,a\n1,2,3\n",
		"a,,c\n1,2,3\n",
		"a,b\n1,caf\xe9\n",
		"a,b\n1,\"x\0y\"\n",
	};
	static const size_t len[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct frame a, b;
		struct mlci_err e1 = {0}, e2 = {0};
		const char *keep = "a";
		const char *p = write_tmp(bad[i], len[i] ? len[i] : strlen(bad[i]));

		assert_int_equal(frame_load(&a, p, NULL, &e1), -1);
		assert_int_equal(frame_load_compact(&b, p, NULL, &keep, 1, &e2), -1);
		unlink(p);
		assert_int_equal(e1.code, e2.code);
		assert_int_equal(e1.line, e2.line);
		assert_int_equal(e1.col, e2.col);
		assert_string_equal(e1.msg, e2.msg);
		assert_int_equal(b.nrows, 0);
		assert_null(b.cells);
		assert_null(b.tidx);
		frame_free(&a);
		frame_free(&b);
	}
}

/* The real files: compact frames agree with full ones. */
static void test_csv__compact_real_files(void **state)
{
	struct frame a, b;
	struct mlci_err e1 = {0}, e2 = {0};
	struct csv_opts o;
	const char *keep = "Survived";
	char p[512];

	data_path(p, sizeof(p), "titanic.csv");
	assert_int_equal(frame_load(&a, p, NULL, &e1), 0);
	assert_int_equal(frame_load_compact(&b, p, NULL, &keep, 1, &e2), 0);
	assert_same_frames(&a, &b);
	assert_true(frame_has_text(&b, 3));	/* Name */
	assert_false(frame_has_text(&b, 0));	/* PassengerId */
	frame_free(&a);
	frame_free(&b);
	csv_opts_init(&o);
	o.columns = ADULT_COLUMNS;
	o.trim = 1;
	o.skip_rows = 1;
	keep = "income";
	data_path(p, sizeof(p), "adult.test.csv");
	assert_int_equal(frame_load(&a, p, &o, &e1), 0);
	assert_int_equal(frame_load_compact(&b, p, &o, &keep, 1, &e2), 0);
	assert_same_frames(&a, &b);
	frame_free(&a);
	frame_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv__reads_header_and_rows),
		cmocka_unit_test(test_csv__numbers_parsed_at_load),
		cmocka_unit_test(test_csv__quoting_rfc4180),
		cmocka_unit_test(test_csv__crlf_and_bom),
		cmocka_unit_test(test_csv__delimiter_and_tab),
		cmocka_unit_test(test_csv__headerless_columns_skip_trim),
		cmocka_unit_test(test_csv__no_trim_keeps_blanks),
		cmocka_unit_test(test_csv__na_tokens),
		cmocka_unit_test(test_csv__ragged_row_names_line_and_col),
		cmocka_unit_test(test_csv__unterminated_quote_where_it_opened),
		cmocka_unit_test(test_csv__junk_after_closing_quote),
		cmocka_unit_test(test_csv__empty_and_header_only),
		cmocka_unit_test(test_csv__bad_names),
		cmocka_unit_test(test_csv__missing_file_is_66),
		cmocka_unit_test(test_csv__too_many_fields_is_an_error),
		cmocka_unit_test(test_csv__nul_byte_is_an_error),
		cmocka_unit_test(test_csv__text_must_be_utf8),
		cmocka_unit_test(test_csv__cr_only_line_ends),
		cmocka_unit_test(test_csv__frame_number_strict),
		cmocka_unit_test(test_csv__strip_suffix),
		cmocka_unit_test(test_csv__real_adult),
		cmocka_unit_test(test_csv__real_titanic_and_student),
		cmocka_unit_test(test_csv__pipe_limit),
		cmocka_unit_test(test_csv__compact_keeps_text_columns),
		cmocka_unit_test(test_csv__compact_errors_as_full),
		cmocka_unit_test(test_csv__view_rows),
		cmocka_unit_test(test_csv__compact_real_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
