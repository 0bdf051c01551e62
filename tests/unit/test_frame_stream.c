#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpfile.h"

#include "csv.h"
#include "frame_stream.h"
#include "preprocess.h"


static const char *const label[] = { "y" };

/* Both readers on the same file: same names, rows, hash, kept text and
 * positions; numbers as mean + deviation; the fitted transform and the
 * encoded rows bit for bit (in place too). */
static void compare_readers(const char *text)
{
	const char *p = write_tmp(text, strlen(text));
	struct frame s, c;
	struct mlci_err err = {0};
	struct prep ps, pc;
	size_t cols[16], n = 0, r, j;
	double *xs, *xc;

	assert_int_equal(frame_load_streamed(&s, p, NULL, label, 1, FRAME_STREAM_DOUBLE, 2, &err), 0);
	assert_int_equal(frame_load_compact(&c, p, NULL, label, 1, &err), 0);
	unlink(p);
	assert_int_equal(s.ncols, c.ncols);
	assert_int_equal(s.nrows, c.nrows);
	assert_string_equal(s.sha256, c.sha256);
	for (j = 0; j < s.ncols; j++) {
		assert_string_equal(s.names[j], c.names[j]);
		assert_int_equal(frame_has_text(&s, j), frame_has_text(&c, j));
		for (r = 0; r < s.nrows; r++) {
			long l1, c1, l2, c2;
			double a, b;
			int ra = frame_number(&s, r, j, &a, NULL);
			int rb = frame_number(&c, r, j, &b, NULL);

			frame_pos(&s, r, j, &l1, &c1);
			frame_pos(&c, r, j, &l2, &c2);
			assert_int_equal(l1, l2);
			assert_int_equal(c1, c2);
			if (frame_has_text(&s, j)) {
				const char *x = frame_cell(&s, r, j), *y = frame_cell(&c, r, j);

				assert_true((x == NULL) == (y == NULL));
				if (x)
					assert_string_equal(x, y);
				continue;
			}
			assert_int_equal(ra, rb);
			if (ra == 0)
				assert_true(fabs(a - b) <= 1e-15 * (fabs(b) + fabs(s.mom[j].mean)));
		}
		if (strcmp(s.names[j], "y"))
			cols[n++] = j;
	}
	assert_int_equal(prep_fit(&ps, &s, cols, n, &err), 0);
	assert_int_equal(prep_fit(&pc, &c, cols, n, &err), 0);
	assert_int_equal(ps.nout, pc.nout);
	for (j = 0; j < ps.ncols; j++) {
		assert_int_equal(ps.cols[j].kind, pc.cols[j].kind);
		assert_memory_equal(&ps.cols[j].mean, &pc.cols[j].mean, sizeof(double));
		assert_memory_equal(&ps.cols[j].scale, &pc.cols[j].scale, sizeof(double));
	}
	xs = calloc(s.nrows * ps.nout + 1, sizeof(*xs));
	xc = calloc(c.nrows * pc.nout + 1, sizeof(*xc));
	assert_non_null(xs);
	assert_non_null(xc);
	for (r = 0; r < s.nrows; r++) {
		assert_int_equal(prep_row(&ps, &s, cols, r, xs + r * ps.nout, &err), 0);
		assert_int_equal(prep_row(&pc, &c, cols, r, xc + r * pc.nout, &err), 0);
	}
	assert_memory_equal(xs, xc, s.nrows * ps.nout * sizeof(*xs));
	if (prep_in_place(&ps, &s, cols)) {	/* in place: the same again */
		prep_rows_in_place(&ps, s.dev, 0, s.nrows);
		assert_memory_equal(s.dev, xc, s.nrows * ps.nout * sizeof(*xs));
	}
	free(xs), free(xc);
	prep_free(&ps);
	frame_free(&s);

	/* single floats: the streamed and the whole-file encodings agree */
	{
		float *fs, *fc;

		p = write_tmp(text, strlen(text));
		assert_int_equal(frame_load_streamed(&s, p, NULL, label, 1, FRAME_STREAM_SINGLE, 2, &err), 0);
		unlink(p);
		assert_non_null(s.devf);
		assert_null(s.dev);
		assert_int_equal(prep_fit(&ps, &s, cols, n, &err), 0);
		for (j = 0; j < ps.ncols; j++)
			assert_memory_equal(&ps.cols[j].scale, &pc.cols[j].scale,
					    sizeof(double));
		fs = calloc(s.nrows * ps.nout + 1, sizeof(*fs));
		fc = calloc(c.nrows * pc.nout + 1, sizeof(*fc));
		assert_non_null(fs);
		assert_non_null(fc);
		assert_int_equal(prep_rows_f32(&ps, &s, cols, 0, s.nrows, fs, &err), 0);
		assert_int_equal(prep_rows_f32(&pc, &c, cols, 0, c.nrows, fc, &err), 0);
		assert_memory_equal(fs, fc, s.nrows * ps.nout * sizeof(*fs));
		if (prep_in_place(&ps, &s, cols)) {
			assert_int_equal(prep_rows_f32(&ps, &s, cols, 0, s.nrows,
						       s.devf, &err), 0);
			assert_memory_equal(s.devf, fc, s.nrows * ps.nout * sizeof(*fs));
		}
		/* by columns: the rows' encoding, transposed */
		{
			float **cs = calloc(pc.nout + 1, sizeof(*cs));
			float **cc = calloc(pc.nout + 1, sizeof(*cc));
			struct frame k;

			assert_non_null(cs);
			assert_non_null(cc);
			p = write_tmp(text, strlen(text));
			assert_int_equal(frame_load_streamed(&k, p, NULL, label, 1,
							     FRAME_STREAM_COLUMNS, 2, &err), 0);
			unlink(p);
			assert_non_null(k.colf);
			assert_int_equal(prep_columns_f32(&ps, &k, cols, cs, &err), 0);
			assert_int_equal(prep_columns_f32(&pc, &c, cols, cc, &err), 0);
			for (j = 0; j < pc.nout; j++)
				for (r = 0; r < c.nrows; r++) {
					assert_memory_equal(&cs[j][r], &fc[r * pc.nout + j],
							    sizeof(float));
					assert_memory_equal(&cc[j][r], &fc[r * pc.nout + j],
							    sizeof(float));
				}
			for (j = 0; j < pc.nout; j++)
				free(cs[j]), free(cc[j]);
			free(cs), free(cc);
			frame_free(&k);
		}
		free(fs), free(fc);
		prep_free(&ps);
		frame_free(&s);
	}
	prep_free(&pc);
	frame_free(&c);
}

/* A raw read: every number exactly, and a transform fitted on another
 * file encodes it as it encodes the file read whole. */
static void test_raw(void **state)
{
	const char *train = "a,b,t,y\n1.5,2,u,0\n-2.25,7,v,1\n3,,u,0\n";
	const char *text = "a,b,t,y\n0.1,-0,w,1\n1e300,3.5,u,0\n-0.3,1e-300,,1\n";
	struct frame tr, s, c;
	struct mlci_err err = {0};
	struct prep p;
	size_t cols[3] = { 0, 1, 2 }, map[3], r, j;
	const char *path = write_tmp(train, strlen(train));
	double xs[8], xc[8];

	(void)state;
	assert_int_equal(frame_load_streamed(&tr, path, NULL, label, 1,
					     FRAME_STREAM_DOUBLE, 2, &err), 0);
	unlink(path);
	assert_int_equal(prep_fit(&p, &tr, cols, 3, &err), 0);
	path = write_tmp(text, strlen(text));
	assert_int_equal(frame_load_streamed(&s, path, NULL, label, 1,
					     FRAME_STREAM_RAW, 2, &err), 0);
	assert_int_equal(frame_load_compact(&c, path, NULL, label, 1, &err), 0);
	unlink(path);
	assert_null(s.mom);
	for (r = 0; r < s.nrows; r++)
		for (j = 0; j < 2; j++) {
			double a, b;

			assert_int_equal(frame_number(&s, r, j, &a, NULL),
					 frame_number(&c, r, j, &b, NULL));
			if (frame_number(&c, r, j, &b, NULL) == 0)
				assert_memory_equal(&a, &b, sizeof(a));
		}
	assert_int_equal(prep_bind(&p, &s, map, &err), 0);
	assert_false(prep_in_place(&p, &s, map));
	for (r = 0; r < s.nrows; r++) {
		assert_true(p.nout <= 8);
		assert_int_equal(prep_row(&p, &s, map, r, xs, &err), 0);
		assert_int_equal(prep_row(&p, &c, map, r, xc, &err), 0);
		assert_memory_equal(xs, xc, p.nout * sizeof(*xs));
	}
	prep_free(&p);
	frame_free(&tr), frame_free(&s), frame_free(&c);
}

static void same_as_compact(void)
{
	compare_readers("a,b,y\n1.5,2,x\n2.25,,y\n-3,4e3,x\n");
	/* a text column, quotes across lines, NA tokens, CRLF */
	compare_readers("a,\"b c\",t,y\r\n1,2,red,0\r\n3,NA,\"two\nlines\",1\r\n"
			"1e6,5,,0\r\n1000000.125,6,blue,1\r\n");
	/* an all-missing column, a constant one, big offsets */
	compare_readers("m,k,ts,y\n,7,1700000000.5,a\n,7,1700000001.25,b\n"
			",7,1700000003,a\n");
	/* columns that turn text after the first row, missing at first
	 * or a number */
	compare_readers("a,t,u,y\n1,2,,0\n3,red,5,1\n,4,blue,0\n");
	/* enough rows for many blocks: quoted fields across lines, missing
	 * cells, a text column */
	{
		char buf[8192];
		size_t len = 0;
		int r;

		len += (size_t)snprintf(buf, sizeof(buf), "a,b,t,y\n");
		for (r = 0; r < 120; r++)
			if (r % 7 == 3)
				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
							"%d.5,,\"x\n%d\",%d\n", r,
							r * 3 % 11, r % 2);
			else
				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
							"%d.25,%d,t%d,%d\n", r,
							r * 3 % 11, r, r % 2);
		compare_readers(buf);
	}
}

/* Read whole, streamed on one thread, and on two in blocks of a few
 * bytes (every guess at a record start checked, some wrong). */
static void test_same_as_compact(void **state)
{
	(void)state;
	same_as_compact();
	setenv("MLCI_FRAME_BLOCK_SIZE", "7", 1);
	same_as_compact();
	setenv("MLCI_FRAME_BLOCK_SIZE", "64", 1);
	same_as_compact();
	unsetenv("MLCI_FRAME_BLOCK_SIZE");
}

static void test_in_place(void **state)
{
	const char *p = write_tmp("a,b,y\n1,2,0\n3,5,1\n4,9,0\n", 24);
	struct frame s;
	struct mlci_err err = {0};
	struct prep ps;
	size_t cols[2] = { 0, 1 };

	(void)state;
	assert_int_equal(frame_load_streamed(&s, p, NULL, label, 1, FRAME_STREAM_DOUBLE, 2, &err), 0);
	unlink(p);
	assert_int_equal(s.ndev, 2);
	assert_int_equal(s.ntext, 1);
	assert_int_equal(prep_fit(&ps, &s, cols, 2, &err), 0);
	assert_true(prep_in_place(&ps, &s, cols));
	prep_rows_in_place(&ps, s.dev, 0, 3);
	/* column a: mean 8/3, population std sqrt(14/9) */
	assert_true(fabs(s.dev[0] - (1 - 8.0 / 3) / sqrt(14.0 / 9)) < 1e-12);
	prep_free(&ps);
	frame_free(&s);
}

/* Inputs streamed reading leaves to the whole-file reader: 1, f empty. */
static void test_falls_back(void **state)
{
	static const unsigned char gz[] = {	/* "a,y\n1,0\n" gzipped */
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
		0x4b, 0xd4, 0xa9, 0xe4, 0x32, 0xd4, 0x31, 0xe0, 0x02, 0x00,
		0xa1, 0x97, 0xb0, 0x51, 0x08, 0x00, 0x00, 0x00 };
	const char *cases[] = {
		"a,y\n1e308,0\n1e308,1\n",	/* sums overflow */
		"a,y\n1e-300,0\n2e-300,1\n",	/* squares underflow */
		"a,y\n1.7e308,0\n-1.7e308,1\n",	/* deviations overflow */
	};
	struct frame f;
	struct mlci_err err = {0};
	size_t i;
	const char *p;

	(void)state;
	/* single floats: beyond their range either way */
	p = write_tmp("a,y\n1e39,0\n2e39,1\n", 18);
	assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1, FRAME_STREAM_SINGLE, 2, &err), 1);
	assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1, FRAME_STREAM_DOUBLE, 2, &err), 0);
	frame_free(&f);
	unlink(p);
	p = write_tmp("a,y\n1e-25,0\n2e-25,1\n", 20);
	assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1, FRAME_STREAM_SINGLE, 2, &err), 1);
	unlink(p);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		p = write_tmp(cases[i], strlen(cases[i]));
		assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1, FRAME_STREAM_DOUBLE, 2, &err), 1);
		assert_null(f.names);
		assert_int_equal(f.nrows, 0);
		frame_free(&f);
		unlink(p);
	}
	p = write_tmp((const char *)gz, sizeof(gz));
	assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1, FRAME_STREAM_DOUBLE, 2, &err), 1);
	unlink(p);
	assert_int_equal(frame_load_streamed(&f, "/dev/null", NULL, label, 1, FRAME_STREAM_DOUBLE, 2, &err), 1);
	assert_int_equal(frame_load_streamed(&f, "/nonexistent/x.csv", NULL, label, 1, FRAME_STREAM_DOUBLE, 2, &err), 1);
}

/* Errors are the reader's, with the place, and leave f empty. */
static void test_errors(void **state)
{
	const char *p = write_tmp("a,b,y\n1,2,0\n3,4\n", 16);
	struct frame f;
	struct mlci_err err = {0}, err2 = {0};

	(void)state;
	assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1, FRAME_STREAM_DOUBLE, 2, &err), -1);
	assert_int_equal(frame_load_compact(&f, p, NULL, label, 1, &err2), -1);
	unlink(p);
	assert_int_equal(err.code, 65);
	assert_int_equal(err.code, err2.code);
	assert_int_equal(err.line, err2.line);
	assert_int_equal(err.col, err2.col);
	assert_string_equal(err.msg, err2.msg);
	assert_null(f.names);
}

/* In blocks: the first error in file order, at its own line and column;
 * a column turning text in a later block reads in two passes. */
static void test_errors_in_blocks(void **state)
{
	const char *bad[] = {
		"a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,\"1\n0\",0\n11,12\n13,14,1\n",
		"a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n11,12,1\n13,\"14,1\n",
	};
	const char *late = "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,ten,0\n11,12,1\n";
	struct frame f, c;
	struct mlci_err err = {0}, err2 = {0};
	size_t i;
	int bs;

	(void)state;
	for (bs = 3; bs <= 12; bs += 3) {
		char v[16];

		snprintf(v, sizeof(v), "%d", bs);
		setenv("MLCI_FRAME_BLOCK_SIZE", v, 1);
		for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
			const char *p = write_tmp(bad[i], strlen(bad[i]));

			assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1,
							     FRAME_STREAM_DOUBLE, 2, &err), -1);
			assert_int_equal(frame_load_compact(&c, p, NULL, label, 1, &err2), -1);
			unlink(p);
			assert_int_equal(err.code, err2.code);
			assert_int_equal(err.line, err2.line);
			assert_int_equal(err.col, err2.col);
			assert_string_equal(err.msg, err2.msg);
			assert_null(f.names);
			assert_null(f.dev);
		}
		{
			const char *p = write_tmp(late, strlen(late));

			assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1,
							     FRAME_STREAM_DOUBLE, 2, &err), 0);
			unlink(p);
			assert_int_equal(f.nrows, 6);
			assert_int_equal(f.ndev, 1);
			assert_string_equal(frame_cell(&f, 4, 1), "ten");
			frame_free(&f);
		}
	}
	unsetenv("MLCI_FRAME_BLOCK_SIZE");
}

static const char *rewrite_with;

static void rewrite(const char *path)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(rewrite_with, fp);
	fclose(fp);
}

/* A file that changes between the passes: 74, nothing kept. */
static void test_changed(void **state)
{
	const char *after[] = {
		"a,y\n1,0\n2,1\n3,0\n",	/* a row more */
		"a,y\n1,0\n",		/* a row less */
		"a,y\n1,0\n5,1\n",	/* the same rows, other bytes */
		"a,y\n1,0\nx,1\n",	/* a number turned text */
	};
	struct frame f;
	struct mlci_err err = {0};
	size_t i;

	(void)state;
	for (i = 0; i < 2 * sizeof(after) / sizeof(*after); i++) {
		const char *p = write_tmp("a,y\n1,0\n2,1\n", 12);

		rewrite_with = after[i / 2];
		frame_stream_between = rewrite;
		assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1,
						     i % 2 ? FRAME_STREAM_COLUMNS :
						     FRAME_STREAM_SINGLE, 2, &err), -1);
		frame_stream_between = NULL;
		unlink(p);
		assert_int_equal(err.code, 74);
		assert_non_null(strstr(err.msg, "changed while it was being read"));
		assert_null(f.names);
		assert_null(f.devf);
		assert_null(f.colf);
	}
}

static int between_calls;

static void count_between(const char *path)
{
	(void)path;
	between_calls++;
}

/* Doubles take one pass (a column turning text after the first row, two),
 * and give what two passes give. */
static void test_one_pass(void **state)
{
	const char *p = write_tmp("a,y\n1,0\n2,1\n", 12);
	struct frame f;
	struct mlci_err err = {0};

	(void)state;
	frame_stream_between = count_between;
	assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1,
					     FRAME_STREAM_DOUBLE, 2, &err), 0);
	frame_free(&f);
	assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1,
					     FRAME_STREAM_RAW, 2, &err), 0);
	frame_free(&f);
	assert_int_equal(between_calls, 0);
	unlink(p);
	p = write_tmp("a,t,y\n1,2,0\n3,red,1\n", 20);
	assert_int_equal(frame_load_streamed(&f, p, NULL, label, 1,
					     FRAME_STREAM_DOUBLE, 2, &err), 0);
	unlink(p);
	frame_stream_between = NULL;
	assert_int_equal(between_calls, 1);
	assert_int_equal(f.ndev, 1);
	assert_int_equal(f.ntext, 2);
	assert_string_equal(frame_cell(&f, 1, 1), "red");
	frame_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_compact),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_falls_back),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_in_blocks),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_one_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
