#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "csv.h"
#include "hash.h"
#include "stream.h"

#define ADULT_COLUMNS "age,workclass,fnlwgt,education,education_num," \
	"marital_status,occupation,relationship,race,sex,capital_gain," \
	"capital_loss,hours_per_week,native_country,income"

static char tmp_path[256];

static const char *tmpdir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : "/tmp";
}

/* Write n bytes to a fresh temporary file (suffix, e.g. ".jsonl"). */
static const char *write_tmp_as(const char *text, size_t n, const char *suffix)
{
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "%s/test_stream.XXXXXX%s",
		 tmpdir(), suffix);
	fd = mkstemps(tmp_path, (int)strlen(suffix));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return tmp_path;
}

static const char *write_tmp(const char *text, size_t n)
{
	return write_tmp_as(text, n, "");
}

static const char *data_path(char *out, size_t n, const char *name)
{
	const char *d = getenv("DATA");

	snprintf(out, n, "%s/%s", d && *d ? d : "tests/data", name);
	return out;
}

/* Every record a stream gives, flattened: cells (NULL = missing), and
 * each cell's line and column. */
struct table {
	size_t nrows, ncols, cap;
	char **names;
	char **cells;
	uint32_t *line, *col;
	char sha[SHA256_HEX_LEN + 1];
	uint64_t range_start, range_end;
};

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (i = 0; t->names && i < t->ncols; i++)
		free(t->names[i]);
	free(t->names);
	free(t->cells);
	free(t->line);
	free(t->col);
	memset(t, 0, sizeof(*t));
}

static void table_add(struct table *t, const struct stream *s)
{
	size_t i;

	if ((t->nrows + 1) * t->ncols > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		while (t->cap < (t->nrows + 1) * t->ncols)
			t->cap *= 2;
		t->cells = realloc(t->cells, t->cap * sizeof(*t->cells));
		t->line = realloc(t->line, t->cap * sizeof(*t->line));
		t->col = realloc(t->col, t->cap * sizeof(*t->col));
		assert_non_null(t->cells);
	}
	for (i = 0; i < t->ncols; i++) {
		size_t k = t->nrows * t->ncols + i;
		const struct stream_field *f = &s->fields[i];

		t->cells[k] = f->s ? strdup(f->s) : NULL;
		if (f->s)
			assert_int_equal(strlen(f->s), f->len);
		t->line[k] = f->line;
		t->col[k] = f->col;
	}
	t->nrows++;
}

/* Read path whole (nshards 0) or one shard; -1 with err on failure. */
static int read_stream(struct table *t, const char *path,
		       const struct stream_opts *base, size_t chunk,
		       unsigned shard, unsigned nshards, struct mlci_err *err)
{
	struct stream_opts o;
	struct stream *s;
	size_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	if (base)
		o = *base;
	else
		stream_opts_init(&o);
	o.chunk = chunk;
	o.shard = shard;
	o.nshards = nshards;
	if (stream_open(&s, path, &o, err) < 0) {
		assert_null(s);
		return -1;
	}
	t->ncols = s->ncols;
	t->names = calloc(s->ncols, sizeof(*t->names));
	for (i = 0; i < s->ncols; i++)
		t->names[i] = strdup(s->names[i]);
	while ((rc = stream_next(s, err)) > 0)
		table_add(t, s);
	if (rc == 0) {
		memcpy(t->sha, s->sha256, sizeof(t->sha));
		t->range_start = s->range_start;
		t->range_end = s->range_end;
	}
	stream_close(s);
	if (rc < 0)
		table_free(t);
	return rc;
}

static void opts_from_csv(struct stream_opts *so, const struct csv_opts *o)
{
	stream_opts_init(so);
	if (o)
		so->csv = *o;
}

/* The stream reads text exactly as frame_load does, at every chunk
 * size given: same names, cells, lines, columns, sha256 - or the same
 * error (code, line, column, message). */
static void same_as_frame_chunks(const char *text, size_t n,
				 const struct csv_opts *o, const size_t *chunks,
				 size_t nchunks)
{
	const char *path = write_tmp(text, n);
	struct frame f;
	struct mlci_err ferr = {0};
	int frc = frame_load(&f, path, o, &ferr);
	struct stream_opts so;
	size_t k, i;

	opts_from_csv(&so, o);
	for (k = 0; k < nchunks; k++) {
		struct table t;
		struct mlci_err serr = {0};
		int src = read_stream(&t, path, &so, chunks[k], 0, 0, &serr);

		if (frc < 0) {
			if (src >= 0)
				fail_msg("chunk %zu: frame fails (%s) but the stream reads "
					 "%zu rows", chunks[k], ferr.msg, t.nrows);
			if (serr.code != ferr.code || serr.line != ferr.line ||
			    serr.col != ferr.col || strcmp(serr.msg, ferr.msg) ||
			    strcmp(serr.file, ferr.file))
				fail_msg("chunk %zu: stream error %d %ld:%ld '%s', frame "
					 "%d %ld:%ld '%s'", chunks[k], serr.code, serr.line,
					 serr.col, serr.msg, ferr.code, ferr.line, ferr.col,
					 ferr.msg);
			table_free(&t);
			continue;
		}
		if (src < 0)
			fail_msg("chunk %zu: stream fails %ld:%ld %s", chunks[k],
				 serr.line, serr.col, serr.msg);
		assert_int_equal(t.ncols, f.ncols);
		assert_int_equal(t.nrows, f.nrows);
		for (i = 0; i < f.ncols; i++)
			assert_string_equal(t.names[i], f.names[i]);
		for (i = 0; i < f.nrows * f.ncols; i++) {
			if (!f.cells[i] || !t.cells[i]) {
				if (f.cells[i] != t.cells[i])
					fail_msg("chunk %zu cell %zu: '%s' vs '%s'", chunks[k], i,
						 f.cells[i] ? f.cells[i] : "(missing)",
						 t.cells[i] ? t.cells[i] : "(missing)");
			} else {
				assert_string_equal(t.cells[i], f.cells[i]);
			}
			if (t.line[i] != f.line[i] || t.col[i] != f.col[i])
				fail_msg("chunk %zu cell %zu at %u:%u, frame %u:%u",
					 chunks[k], i, t.line[i], t.col[i], f.line[i],
					 f.col[i]);
		}
		assert_string_equal(t.sha, f.sha256);
		assert_int_equal(t.range_end, n);
		table_free(&t);
	}
	frame_free(&f);
	unlink(path);
}

static const size_t all_chunks[] = { 1, 2, 3, 4, 5, 7, 11, 16, 64, 0 };
#define NCHUNKS (sizeof(all_chunks) / sizeof(all_chunks[0]))

static void same_as_frame(const char *text, const struct csv_opts *o)
{
	same_as_frame_chunks(text, strlen(text), o, all_chunks, NCHUNKS);
}

static void same_as_frame_n(const char *text, size_t n, const struct csv_opts *o)
{
	same_as_frame_chunks(text, n, o, all_chunks, NCHUNKS);
}

/* ---- the dialect, case by case (test_csv.c's cases) ---- */

static void test_stream__header_and_rows(void **state)
{
	struct table t;
	struct mlci_err err = {0};
	const char *text = "a,b,c\n1,2,3\n4,5,6\n";
	const char *p = write_tmp(text, strlen(text));
	char sha[SHA256_HEX_LEN + 1];

	assert_int_equal(read_stream(&t, p, NULL, 0, 0, 0, &err), 0);
	unlink(p);
	assert_int_equal(t.nrows, 2);
	assert_int_equal(t.ncols, 3);
	assert_string_equal(t.names[2], "c");
	assert_string_equal(t.cells[5], "6");
	assert_int_equal(t.line[5], 3);
	assert_int_equal(t.col[5], 5);
	sha256_buf(text, strlen(text), sha);
	assert_string_equal(t.sha, sha);
	table_free(&t);
	same_as_frame(text, NULL);
}

static void test_stream__quoting_rfc4180(void **state)
{
	same_as_frame("name,q\n\"Braund, Mr. Owen\",\"say \"\"hi\"\"\"\n"
		      "\"two\nlines\",\"\"\"\"\nx,\"\"\n", NULL);
	same_as_frame("a,b\n\"\",\"\"\"\"\"\"\"\n\"a\"\"\",b\n", NULL);
	same_as_frame("a,b\n\"x\" ,\"y\"\t\n\"z\"  \r\n", NULL);
}

static void test_stream__crlf_and_bom(void **state)
{
	same_as_frame("\xef\xbb\xbfid,name\r\n1,\"x\"\r\n2,y\r\n", NULL);
	same_as_frame("a\r\n1\r", NULL);
	same_as_frame("\xef\xbb\xbf\"id\",n\r\n\"1\r\n2\",3\r\n", NULL);
	same_as_frame("a,b\r\n1,2\r\n\r\n\r\n3,4", NULL);
}

static void test_stream__delimiter_and_tab(void **state)
{
	struct csv_opts o;

	csv_opts_init(&o);
	o.delim = '\t';
	same_as_frame("a\tb\n1,5\t2\n", &o);
	same_as_frame("a\tb\n\"x\ty\"\t2\n \t \n", &o);
	o.delim = ';';
	same_as_frame("a;b\n\"x;y\";2\n", &o);
	o.delim = ' ';
	o.trim = 1;
	same_as_frame("a b\n1 2\n \"x y\" z\n", &o);
}

static void test_stream__headerless_columns_skip_trim(void **state)
{
	struct csv_opts o;

	csv_opts_init(&o);
	o.columns = "x, y ,z";
	o.skip_rows = 2;
	o.trim = 1;
	same_as_frame("junk \"line\n|more, junk\n"
		      "1,  a b ,\t\"q, r\" \n\n  \n2, ?,\n\n", &o);
	o.skip_rows = 0;
	same_as_frame("1,2,3\n", &o);
	o.skip_rows = 1;
	same_as_frame("\xef\xbb\xbfjunk\n1,2,3\n", &o);
}

static void test_stream__no_trim_keeps_blanks(void **state)
{
	same_as_frame("a,b\n 1 , x\n", NULL);
	same_as_frame("a,b\n \"1\" , x\n  \n", NULL);
}

static void test_stream__na_tokens(void **state)
{
	struct csv_opts o;

	same_as_frame("a\nNA\nN/A\nNaN\nnull\n?\n\"\"\nna\n-\n", NULL);
	csv_opts_init(&o);
	o.na = "-,missing";
	same_as_frame("a,b\nNA,-\nmissing,\n", &o);
}

static void test_stream__errors_as_csv_c(void **state)
{
	struct csv_opts o;

	same_as_frame("a,b,c\n1,2,3\n4,5\n", NULL);
	same_as_frame("a,b\n1,2\n\"x\ny\",2,3\n", NULL);
	same_as_frame("a,b\n1,2\n3,\"abc\n4,5\n", NULL);
	same_as_frame("a,b\n\"x\"y,2\n", NULL);
	same_as_frame("a,b\n\"x\"\x01,2\n", NULL);
	same_as_frame("a,b\n\"x\"\r,2\n", NULL);
	same_as_frame("", NULL);
	same_as_frame("\n\n", NULL);
	same_as_frame("\xef\xbb\xbf", NULL);
	same_as_frame("a,b,c\n", NULL);
	same_as_frame("a,b,c\n\n  \n", NULL);
	csv_opts_init(&o);
	o.skip_rows = 5;
	same_as_frame("a\n1\n", &o);
	same_as_frame("a,b,a\n1,2,3\n", NULL);
	same_as_frame("a,,c\n1,2,3\n", NULL);
	csv_opts_init(&o);
	o.columns = "a,b";
	same_as_frame("1,2,3\n4,5,6\n", &o);
	same_as_frame("1,2\n4,5,6\n", &o);
	same_as_frame("", &o);
	o.skip_rows = 2;
	same_as_frame("x\n", &o);
	o.columns = "a,b,a";
	same_as_frame("1,2,3\n", &o);
	o.columns = "a,,b";
	same_as_frame("1,2,3\n", &o);
}

static void test_stream__missing_file_is_66(void **state)
{
	struct table t;
	struct mlci_err err = {0};

	assert_int_equal(read_stream(&t, "/nonexistent/x.csv", NULL, 0, 0, 0,
				     &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_string_equal(err.file, "/nonexistent/x.csv");
	assert_string_equal(err.msg, "cannot open: No such file or directory");
	assert_int_equal(read_stream(&t, tmpdir(), NULL, 0, 0, 0, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_string_equal(err.msg, "is a directory");
}

static void test_stream__too_many_fields_is_an_error(void **state)
{
	size_t n = 100001, i;
	char *text = malloc(2 * n + 8);
	static const size_t chunks[] = { 4096, 0 };

	assert_non_null(text);
	for (i = 0; i < n; i++) {
		text[2 * i] = 'a';
		text[2 * i + 1] = ',';
	}
	text[2 * n - 1] = '\n';
	same_as_frame_chunks(text, 2 * n, NULL, chunks, 2);
	free(text);
}

static void test_stream__nul_and_utf8(void **state)
{
	same_as_frame_n("a,b\n1,2\n3,\0\n", 12, NULL);
	same_as_frame_n("a,b\n\"x\0\ny\",2\n", 13, NULL);
	same_as_frame("a,b,y\n1,caf\xe9,0\n", NULL);
	same_as_frame("a,b\n1,\xe2\x82", NULL);
	same_as_frame("a,b\n1,caf\xc3\xa9\n", NULL);
	same_as_frame("a,b\n1,\xf0\x9f\x98\x80x\n\xe2\x82\xac,\xc3\n", NULL);
	same_as_frame("\xef\xbb\xbf" "a,\xc3\xa9\n\xed\xa0\x80,1\n", NULL);
}

static void test_stream__cr_only_line_ends(void **state)
{
	same_as_frame("a,b\r1,\"x\ry\"\r3,4\r", NULL);
	same_as_frame("a,b\r1,2\r\r3,4", NULL);
}

static void test_stream__cr_only_decided_on_the_whole_file(void **state)
{
	/* no LF in the first chunk, one much later: not a CR-only file */
	char text[8192];
	size_t n = 0, i;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "a,b\r");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%zu,x\r", i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n1,2\n");
	same_as_frame_n(text, n, NULL);
}

static void test_stream__real_files(void **state)
{
	struct csv_opts o;
	char p[512];
	struct table t;
	struct mlci_err err = {0};
	static const size_t chunks[] = { 4093, 65536, 0 };
	struct stream_opts so;
	FILE *fp;
	char *text;
	long len;
	const char *names[] = { "titanic.csv", "student_mat.csv", "iris.csv",
				"penguins.csv", "breast_cancer.csv" };
	size_t i;

	csv_opts_init(&o);
	o.columns = ADULT_COLUMNS;
	o.trim = 1;
	opts_from_csv(&so, &o);
	if (read_stream(&t, data_path(p, sizeof(p), "adult.data.csv"), &so, 0, 0,
			0, &err))
		fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.col, err.msg);
	assert_int_equal(t.nrows, 32561);
	assert_string_equal(t.cells[1], "State-gov");
	assert_string_equal(t.cells[32560 * 15 + 14], ">50K");
	table_free(&t);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fp = fopen(data_path(p, sizeof(p), names[i]), "rb");
		assert_non_null(fp);
		fseek(fp, 0, SEEK_END);
		len = ftell(fp);
		rewind(fp);
		text = malloc((size_t)len + 1);
		assert_int_equal(fread(text, 1, (size_t)len, fp), (size_t)len);
		fclose(fp);
		same_as_frame_chunks(text, (size_t)len, NULL, chunks, 3);
		free(text);
	}
}

/* Random CSV-ish text: quotes, doubled quotes, quoted newlines, CRLF,
 * blank lines, blanks, NA tokens. */
static size_t random_csv(char *out, size_t cap, unsigned seed, int ragged)
{
	static const char *const pieces[] = { "x", "1", "-2.5", "NA", "", " ",
		"\"q\"", "\"a,b\"", "\"l1\nl2\"", "\"\"\"\"", "\"x\"\"y\"",
		"\"\r\n\"", "?", "  z ", "\"\"", "abc\"def" };
	size_t n = 0, r, c, ncols = 3 + seed % 3;
	unsigned x = seed * 2654435761u + 1;

#define RND() (x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff)
	for (c = 0; c < ncols; c++)
		n += (size_t)snprintf(out + n, cap - n, "%sc%zu", c ? "," : "", c);
	n += (size_t)snprintf(out + n, cap - n, "\n");
	for (r = 0; r < 40 && n + 200 < cap; r++) {
		size_t nc = ncols;

		if (ragged && RND() % 50 == 0)
			nc++;
		if (RND() % 9 == 0)
			n += (size_t)snprintf(out + n, cap - n, RND() % 2 ? "\n" : "\r\n");
		for (c = 0; c < nc; c++)
			n += (size_t)snprintf(out + n, cap - n, "%s%s", c ? "," : "",
					      pieces[RND() % (sizeof(pieces) / sizeof(pieces[0]))]);
		n += (size_t)snprintf(out + n, cap - n, RND() % 4 ? "\n" : "\r\n");
	}
#undef RND
	return n;
}

static void test_stream__records_straddling_chunks(void **state)
{
	char text[16384];
	unsigned seed;
	struct csv_opts o;

	for (seed = 0; seed < 60; seed++) {
		size_t n = random_csv(text, sizeof(text), seed, seed % 5 == 4);

		csv_opts_init(&o);
		o.trim = seed % 2;
		same_as_frame_n(text, n, &o);
	}
}

/* Rows of 16 bytes and more, which the reader scans a vector at a time
 * while they hold no quote and no CR: the same cells as frame_load's
 * around every way out of that (a quote in or at the start of a field,
 * a CR, a field count off, no final LF, delimiters at a vector's edge). */
static void test_stream__long_plain_rows(void **state)
{
	struct csv_opts o;

	same_as_frame("alpha,beta,gamma,delta\n"
		      "-1.58185,-0.331552,0.581483,0.136178\n"
		      ",,,\n"
		      "123456789012345,x,,0.0532147\n"
		      "abcdefghijklmno,p,q,r\n"
		      "abcdefghijklmnop,q,r,s\n"
		      "1.0,2.0,3.0,4.00000000000000000000\n"
		      "with a\"quote inside,b,c,d\n"
		      "x,y,z,\"quoted, with a comma and more text\"\n"
		      "long first field here,b,c,ends with cr\r\n"
		      "a cr\r inside a field,b,c,d\n"
		      "1111111111111111,2222222222222222,3333333333333333,4\n"
		      "the last row of plain fields,b,c,no final line end", NULL);
	same_as_frame("a,b,c\n0123456789abcdef,0123456789abcdef,0123456789abcde\n"
		      "too,many,fields,in this row of text\n", NULL);
	same_as_frame("a,b,c\n0123456789abcdef,x\n", NULL);
	csv_opts_init(&o);
	o.delim = '\t';
	same_as_frame("a\tb\tc\nthe first field\tsecond, with a comma\tthird\n"
		      "NA\t\t-2.5e10 and some more\n", &o);
	o.delim = ',';
	o.trim = 1;
	same_as_frame("a,b,c\n  padded field one  , two  ,three three three\n", &o);
}

static void test_stream__record_longer_than_the_limit(void **state)
{
	char text[4096];
	struct stream_opts so;
	struct table t;
	struct mlci_err err = {0};
	const char *p;

	memset(text, 'x', sizeof(text));
	memcpy(text, "a,b\n1,2\n3,", 10);
	text[sizeof(text) - 1] = '\n';
	p = write_tmp(text, sizeof(text));
	stream_opts_init(&so);
	so.max_record = 1000;
	assert_int_equal(read_stream(&t, p, &so, 64, 0, 0, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 1);
	assert_non_null(strstr(err.msg, "a record longer than 1000 bytes"));
	table_free(&t);
	so.max_record = 8192;	/* grows to hold it */
	assert_int_equal(read_stream(&t, p, &so, 64, 0, 0, &err), 0);
	assert_int_equal(t.nrows, 2);
	assert_int_equal(strlen(t.cells[3]), sizeof(text) - 11);
	table_free(&t);
	unlink(p);
}

/* ---- shards ---- */

static void tables_equal(const struct table *a, const struct table *b)
{
	size_t i;

	assert_int_equal(a->nrows, b->nrows);
	assert_int_equal(a->ncols, b->ncols);
	for (i = 0; i < a->nrows * a->ncols; i++) {
		if (!a->cells[i] || !b->cells[i])
			assert_true(a->cells[i] == b->cells[i]);
		else
			assert_string_equal(a->cells[i], b->cells[i]);
		assert_int_equal(a->line[i], b->line[i]);
		assert_int_equal(a->col[i], b->col[i]);
	}
}

/* Append b's rows to a (same columns). */
static void table_append(struct table *a, struct table *b)
{
	size_t i, base = a->nrows * a->ncols, n = b->nrows * b->ncols;

	if (!a->ncols) {
		a->ncols = b->ncols;
		a->names = b->names;
		b->names = NULL;
	}
	a->cells = realloc(a->cells, (base + n + 1) * sizeof(*a->cells));
	a->line = realloc(a->line, (base + n + 1) * sizeof(*a->line));
	a->col = realloc(a->col, (base + n + 1) * sizeof(*a->col));
	for (i = 0; i < n; i++) {
		a->cells[base + i] = b->cells[i];
		a->line[base + i] = b->line[i];
		a->col[base + i] = b->col[i];
	}
	a->nrows += b->nrows;
	b->nrows = 0;
	table_free(b);
}

/* For N = 1..7 the shards' records, in order, are the whole file's, and
 * their ranges tile the file with the right hashes. */
static void shards_cover(const char *path, const char *text, size_t n,
			 const struct stream_opts *so, size_t chunk)
{
	struct table whole, all, part;
	struct mlci_err err = {0};
	unsigned k, nsh;

	if (read_stream(&whole, path, so, chunk, 0, 0, &err) < 0)
		fail_msg("%s", err.msg);
	for (nsh = 1; nsh <= 7; nsh++) {
		uint64_t next = 0;

		memset(&all, 0, sizeof(all));
		for (k = 1; k <= nsh; k++) {
			char sha[SHA256_HEX_LEN + 1];

			if (read_stream(&part, path, so, chunk, k, nsh, &err) < 0)
				fail_msg("shard %u/%u: %ld:%ld %s", k, nsh, err.line,
					 err.col, err.msg);
			assert_int_equal(part.range_start, next);
			assert_true(part.range_end >= part.range_start);
			sha256_buf(text + part.range_start,
				   (size_t)(part.range_end - part.range_start), sha);
			assert_string_equal(part.sha, sha);
			next = part.range_end;
			table_append(&all, &part);
		}
		assert_int_equal(next, n);
		tables_equal(&all, &whole);
		table_free(&all);
	}
	table_free(&whole);
}

static void test_stream__shards_partition_the_records(void **state)
{
	char text[16384];
	unsigned seed;
	struct stream_opts so;

	for (seed = 0; seed < 40; seed++) {
		size_t n = random_csv(text, sizeof(text), seed, 0);
		const char *p = write_tmp(text, n);

		stream_opts_init(&so);
		so.csv.trim = seed % 2;
		shards_cover(p, text, n, &so, seed % 3 ? 0 : 5);
		unlink(p);
	}
}

/* Blocks: the parent opened, its records read by block streams chained
 * at each block's stop (lines relative, rebased), equal the whole read;
 * the parent hashes the file in steps. For blocks of 5 to 625 bytes. */
static void test_stream__blocks_chain_to_the_whole(void **state)
{
	char text[16384];
	unsigned seed;
	struct stream_opts so;
	struct mlci_err err = {0};

	for (seed = 0; seed < 30; seed++) {
		size_t n = random_csv(text, sizeof(text), seed, 0), bsz;
		const char *p = write_tmp(text, n);
		struct table whole;

		stream_opts_init(&so);
		so.csv.trim = seed % 2;
		if (read_stream(&whole, p, &so, 0, 0, 0, &err) < 0)
			fail_msg("%s", err.msg);
		for (bsz = 5; bsz <= 625; bsz *= 5) {
			struct stream *par = NULL, *b = NULL;
			struct table all;
			uint64_t R, lim, from, nrec = 0, k;
			uint32_t L0, stop_line = 0;
			long base;
			int done = 0, rc;
			char sha[SHA256_HEX_LEN + 1];

			assert_int_equal(stream_open(&par, p, &so, &err), 0);
			assert_true(stream_can_split(par));
			stream_position(par, &R, &L0, &lim);
			memset(&all, 0, sizeof(all));
			all.ncols = par->ncols;
			from = R;
			base = (long)L0;
			for (k = 0; from < n || k == 0; k++) {
				uint64_t end = R + (k + 1) * bsz;
				size_t i;

				assert_int_equal(stream_block_open(&b, par, from,
								   end >= n ? UINT64_MAX : end,
								   k == 0, &err), 0);
				while ((rc = stream_next(b, &err)) > 0) {
					table_add(&all, b);
					for (i = 0; i < all.ncols; i++)
						all.line[(all.nrows - 1) * all.ncols + i] +=
							(uint32_t)(base - 1);
					nrec++;
				}
				if (rc < 0)
					fail_msg("block %u from %u: %ld:%ld %s", (unsigned)k,
						 (unsigned)from, err.line, err.col, err.msg);
				stream_block_state(b, &from, &stop_line);
				base += (long)stop_line - 1;
				stream_close(b);
				if (end >= n)
					break;
			}
			while (!done)
				assert_int_equal(stream_hash_step(par, 7, &done, &err), 0);
			assert_int_equal(stream_blocks_end(par, nrec, R, from, &err), 0);
			sha256_buf(text, n, sha);
			assert_string_equal(par->sha256, sha);
			assert_int_equal(par->nrecords, whole.nrows);
			stream_close(par);
			tables_equal(&all, &whole);
			table_free(&all);
		}
		table_free(&whole);
		unlink(p);
	}
}

/* A quoted newline exactly at (and just before) a shard's offset: pad
 * the first record so that it lands there, for every N and K. */
static void test_stream__shard_offset_inside_quotes(void **state)
{
	char text[4096];
	unsigned nsh, k, hits_at = 0, hits_after = 0;
	size_t pad, n, i;
	struct stream_opts so;

	stream_opts_init(&so);
	for (pad = 0; pad < 48; pad++) {
		n = (size_t)snprintf(text, sizeof(text), "id,txt\n1,\"");
		for (i = 0; i < pad; i++)
			text[n++] = 'p';
		for (i = 0; i < 12; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "\"\n%zu,\"a\n,\"\"b\n\n", i + 2);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\"\n");
		for (nsh = 2; nsh <= 7; nsh++)
			for (k = 1; k < nsh; k++) {
				size_t off = n * k / nsh;

				if (off < n && text[off] == '\n' && text[off - 1] != '"')
					hits_at++;
				if (off > 0 && text[off - 1] == '\n' && text[off - 2] != '"')
					hits_after++;
			}
		{
			const char *p = write_tmp(text, n);

			shards_cover(p, text, n, &so, pad % 2 ? 3 : 0);
			unlink(p);
		}
	}
	/* the padding put quoted newlines at and right before shard offsets */
	assert_true(hits_at > 0);
	assert_true(hits_after > 0);
}

static void test_stream__shards_of_real_files(void **state)
{
	char p[512];
	struct stream_opts so;
	FILE *fp;
	char *text;
	long len;

	stream_opts_init(&so);
	so.csv.columns = ADULT_COLUMNS;
	so.csv.trim = 1;
	fp = fopen(data_path(p, sizeof(p), "adult.data.csv"), "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	text = malloc((size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	shards_cover(p, text, (size_t)len, &so, 0);
	free(text);
	stream_opts_init(&so);
	fp = fopen(data_path(p, sizeof(p), "titanic.csv"), "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	text = malloc((size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	shards_cover(p, text, (size_t)len, &so, 1000);
	free(text);
}

static void test_stream__shard_specs(void **state)
{
	unsigned k = 0, n = 0;
	struct mlci_err err = {0};
	struct stream_opts so;
	struct stream *s;
	const char *p;

	assert_int_equal(shard_spec_parse("2/5", &k, &n, &err), 0);
	assert_int_equal(k, 2);
	assert_int_equal(n, 5);
	assert_int_equal(shard_spec_parse("3/2", &k, &n, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_int_equal(shard_spec_parse("0/2", &k, &n, &err), -1);
	assert_int_equal(shard_spec_parse("1/0", &k, &n, &err), -1);
	assert_int_equal(shard_spec_parse("x/2", &k, &n, &err), -1);
	assert_int_equal(shard_spec_parse("-1/2", &k, &n, &err), -1);
	assert_int_equal(shard_spec_parse("1/2/3", &k, &n, &err), -1);
	assert_int_equal(shard_spec_parse("12", &k, &n, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	p = write_tmp("a\n1\n", 4);
	stream_opts_init(&so);
	so.shard = 3;
	so.nshards = 2;
	assert_int_equal(stream_open(&s, p, &so, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	unlink(p);
}

/* A header-only file: no shard has rows, and that is not an error. */
static void test_stream__empty_shards(void **state)
{
	const char *p = write_tmp("a,b\n\"x\ny\",2\n", 12);
	struct table t;
	struct mlci_err err = {0};
	struct stream_opts so;
	unsigned k, total = 0;

	stream_opts_init(&so);
	for (k = 1; k <= 7; k++) {
		assert_int_equal(read_stream(&t, p, &so, 0, k, 7, &err), 0);
		total += (unsigned)t.nrows;
		table_free(&t);
	}
	assert_int_equal(total, 1);
	unlink(p);
	p = write_tmp("a,b\n", 4);
	assert_int_equal(read_stream(&t, p, &so, 0, 2, 2, &err), 0);
	assert_int_equal(t.nrows, 0);
	table_free(&t);
	assert_int_equal(read_stream(&t, p, &so, 0, 0, 0, &err), -1);
	assert_string_equal(err.msg, "a header row but no data rows");
	unlink(p);
}

/* ---- gzip ---- */

static const char *write_gz(const char *text, size_t n, int members, char *path,
			    size_t pn)
{
	gzFile g;
	int m;
	size_t per = n / (size_t)members, done = 0;

	snprintf(path, pn, "%s/test_stream.XXXXXX.csv.gz", tmpdir());
	close(mkstemps(path, 7));
	for (m = 0; m < members; m++) {
		size_t len = m == members - 1 ? n - done : per;

		g = gzopen(path, m ? "ab" : "wb");
		assert_non_null(g);
		if (len)
			assert_int_equal(gzwrite(g, text + done, (unsigned)len), (int)len);
		gzclose(g);
		done += len;
	}
	return path;
}

static void test_stream__gzip_streams_like_plain(void **state)
{
	char text[16384], gz[300], sha[SHA256_HEX_LEN + 1];
	size_t n = random_csv(text, sizeof(text), 7, 0), i;
	const char *pp = write_tmp(text, n);
	char plain[300];
	struct table a, b;
	struct mlci_err err = {0};
	static const size_t chunks[] = { 1, 5, 100, 0 };
	char *raw;
	size_t rawn;
	FILE *fp;

	snprintf(plain, sizeof(plain), "%s", pp);
	assert_int_equal(read_stream(&a, plain, NULL, 0, 0, 0, &err), 0);
	for (i = 0; i < 4; i++) {
		write_gz(text, n, 1 + (int)(i % 3), gz, sizeof(gz));
		if (read_stream(&b, gz, NULL, chunks[i], 0, 0, &err) < 0)
			fail_msg("%s", err.msg);
		tables_equal(&a, &b);
		/* the sha256 is of the compressed bytes */
		fp = fopen(gz, "rb");
		raw = malloc(1 << 20);
		rawn = fread(raw, 1, 1 << 20, fp);
		fclose(fp);
		sha256_buf(raw, rawn, sha);
		assert_string_equal(b.sha, sha);
		table_free(&b);
		/* truncated: 65 naming the file */
		fp = fopen(gz, "wb");
		fwrite(raw, 1, rawn - 5, fp);
		fclose(fp);
		assert_int_equal(read_stream(&b, gz, NULL, chunks[i], 0, 0, &err), -1);
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
		assert_string_equal(err.file, gz);
		assert_non_null(strstr(err.msg, "truncated gzip"));
		/* corrupt */
		raw[rawn / 2] ^= 0x55;
		raw[rawn / 2 + 1] ^= 0x55;
		fp = fopen(gz, "wb");
		fwrite(raw, 1, rawn, fp);
		fclose(fp);
		assert_int_equal(read_stream(&b, gz, NULL, chunks[i], 0, 0, &err), -1);
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
		free(raw);
		unlink(gz);
	}
	/* no sharding of gzip */
	write_gz(text, n, 1, gz, sizeof(gz));
	assert_int_equal(read_stream(&b, gz, NULL, 0, 1, 2, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "cannot be sharded"));
	unlink(gz);
	/* an empty gzip is an empty file */
	write_gz("", 0, 1, gz, sizeof(gz));
	assert_int_equal(read_stream(&b, gz, NULL, 0, 0, 0, &err), -1);
	assert_string_equal(err.msg, "empty file");
	unlink(gz);
	table_free(&a);
	unlink(plain);
}

/* ---- JSON Lines ---- */

static int read_jsonl(struct table *t, const char *text, const char *columns,
		      size_t chunk, struct mlci_err *err)
{
	const char *p = write_tmp_as(text, strlen(text), ".jsonl");
	struct stream_opts so;
	int rc;

	stream_opts_init(&so);
	so.csv.columns = columns;
	rc = read_stream(t, p, &so, chunk, 0, 0, err);
	unlink(p);
	return rc;
}

static void test_stream__jsonl_values(void **state)
{
	struct table t;
	struct mlci_err err = {0};
	size_t chunk;

	for (chunk = 1; chunk < 40; chunk += 13) {
		if (read_jsonl(&t, "{\"a\": 1, \"b\": \"x\", \"c\": 1.0, \"d\": true}\n"
			       "\n  \r\n"
			       "{\"b\": null, \"a\": -2, \"d\": false, \"c\": 2.5e-3}\r\n"
			       "{\"a\": 3, \"c\": {\"k\": [1, 2]}, \"b\": \"NA\"}\n"
			       "{\"d\": \"caf\xc3\xa9\", \"a\": 12345678901234, \"c\": 1e300}",
			       NULL, chunk, &err) < 0)
			fail_msg("%ld:%ld %s", err.line, err.col, err.msg);
		assert_int_equal(t.ncols, 4);
		assert_string_equal(t.names[0], "a");
		assert_string_equal(t.names[3], "d");
		assert_int_equal(t.nrows, 4);
		assert_string_equal(t.cells[0], "1");
		assert_string_equal(t.cells[1], "x");
		assert_string_equal(t.cells[2], "1.0");	/* a real stays a real */
		assert_string_equal(t.cells[3], "true");
		assert_int_equal(t.col[1], 15);
		assert_int_equal(t.line[4], 4);
		assert_string_equal(t.cells[4], "-2");
		assert_null(t.cells[5]);		/* null */
		assert_string_equal(t.cells[6], "0.0025");
		assert_string_equal(t.cells[7], "false");
		assert_string_equal(t.cells[10], "{\"k\":[1,2]}");
		assert_null(t.cells[9]);		/* an NA token */
		assert_null(t.cells[11]);		/* key left out */
		assert_string_equal(t.cells[12], "12345678901234");
		assert_null(t.cells[13]);
		assert_string_equal(t.cells[14], "1e+300");
		assert_string_equal(t.cells[15], "caf\xc3\xa9");
		assert_int_equal(t.line[12], 6);
		table_free(&t);
	}
}

static void test_stream__jsonl_columns_and_errors(void **state)
{
	struct table t;
	struct mlci_err err = {0};

	/* --columns first, then the first object's other keys */
	assert_int_equal(read_jsonl(&t, "{\"a\": 1}\n{\"z\": 2, \"a\": 3}\n",
				    "z, q", 0, &err), 0);
	assert_int_equal(t.ncols, 3);
	assert_string_equal(t.names[0], "z");
	assert_string_equal(t.names[1], "q");
	assert_string_equal(t.names[2], "a");
	assert_string_equal(t.cells[3], "2");
	table_free(&t);
	/* a key the first object did not have */
	assert_int_equal(read_jsonl(&t, "{\"a\": 1}\n{\"a\": 2, \"b\": 3}\n", NULL,
				    0, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 15);
	assert_non_null(strstr(err.msg, "key 'b' is not a column"));
	/* bad JSON: line and column */
	assert_int_equal(read_jsonl(&t, "{\"a\": 1}\n{\"a\": tru}\n", NULL, 0,
				    &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 9);
	assert_non_null(strstr(err.msg, "not valid JSON"));
	assert_int_equal(read_jsonl(&t, "{\"a\": 1}\n  [1, 2]\n", NULL, 0, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 3);
	assert_non_null(strstr(err.msg, "found an array"));
	assert_int_equal(read_jsonl(&t, "{\"a\": 1, \"a\": 2}\n", NULL, 0, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(read_jsonl(&t, "\n\n", NULL, 0, &err), -1);
	assert_string_equal(err.msg, "empty file");
	assert_int_equal(read_jsonl(&t, "{}\n", NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "no keys"));
	assert_int_equal(read_jsonl(&t, "{\"a\": \"caf\xe9\"}\n", NULL, 0, &err), -1);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 11);
	assert_non_null(strstr(err.msg, "UTF-8"));
}

/* Fuzzing found these: skipped lines before the first object, with a
 * refill between them and the first record, left the read position past
 * the buffer (a negative-size memmove); and names of the first object
 * copied before a refused key leaked. */
static void test_stream__jsonl_skip_rows_across_refills(void **state)
{
	const char *text = "skip me\n\"; 3}\n}\n{\"a\": 3, \"b\": \"x\"}\n"
			   "{\"b\": \"y\", \"a\": 4}\n";
	const char *p = write_tmp_as(text, strlen(text), ".jsonl");
	const size_t *c;
	struct mlci_err err = {0};

	for (c = all_chunks; *c; c++) {
		struct stream_opts so;
		struct table t;

		stream_opts_init(&so);
		so.csv.skip_rows = 3;
		if (read_stream(&t, p, &so, *c, 0, 0, &err) < 0)
			fail_msg("chunk %zu: %ld:%ld %s", *c, err.line, err.col, err.msg);
		assert_int_equal(t.ncols, 2);
		assert_int_equal(t.nrows, 2);
		assert_string_equal(t.cells[0], "3");
		assert_string_equal(t.cells[3], "y");
		table_free(&t);
		so.csv.columns = "a,b,c,d,e";
		if (read_stream(&t, p, &so, *c, 0, 0, &err) < 0)
			fail_msg("chunk %zu: %ld:%ld %s", *c, err.line, err.col, err.msg);
		assert_int_equal(t.ncols, 5);
		table_free(&t);
	}
	unlink(p);
	/* the leak shows under ASan / valgrind */
	for (c = all_chunks; *c; c++) {
		struct table t;

		assert_int_equal(read_jsonl(&t, "{\"a\": 1, \"b\": 2, \"\": 2}\n{\"a\": 3}\n",
					    NULL, *c, &err), -1);
		assert_non_null(strstr(err.msg, "an empty key"));
	}
	(void)state;
}

static void test_stream__jsonl_shards(void **state)
{
	char text[16384];
	size_t n = 0, i;
	struct stream_opts so;
	const char *p;

	for (i = 0; i < 120; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "{\"i\": %zu, \"s\": \"%.*s\"}\n%s", i,
				      (int)(i % 17), "abcdefghijklmnopq",
				      i % 11 ? "" : "\n");
	p = write_tmp_as(text, n, ".ndjson");
	stream_opts_init(&so);
	shards_cover(p, text, n, &so, 0);
	so.format = STREAM_JSONL;
	shards_cover(p, text, n, &so, 7);
	unlink(p);
}

static void test_stream__format_names(void **state)
{
	enum stream_format f;
	struct mlci_err err = {0};

	assert_int_equal(stream_format_parse("jsonl", &f, &err), 0);
	assert_int_equal(f, STREAM_JSONL);
	assert_int_equal(stream_format_parse("csv", &f, &err), 0);
	assert_int_equal(f, STREAM_CSV);
	assert_int_equal(stream_format_parse("xml", &f, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream__header_and_rows),
		cmocka_unit_test(test_stream__blocks_chain_to_the_whole),
		cmocka_unit_test(test_stream__quoting_rfc4180),
		cmocka_unit_test(test_stream__long_plain_rows),
		cmocka_unit_test(test_stream__crlf_and_bom),
		cmocka_unit_test(test_stream__delimiter_and_tab),
		cmocka_unit_test(test_stream__headerless_columns_skip_trim),
		cmocka_unit_test(test_stream__no_trim_keeps_blanks),
		cmocka_unit_test(test_stream__na_tokens),
		cmocka_unit_test(test_stream__errors_as_csv_c),
		cmocka_unit_test(test_stream__missing_file_is_66),
		cmocka_unit_test(test_stream__too_many_fields_is_an_error),
		cmocka_unit_test(test_stream__nul_and_utf8),
		cmocka_unit_test(test_stream__cr_only_line_ends),
		cmocka_unit_test(test_stream__cr_only_decided_on_the_whole_file),
		cmocka_unit_test(test_stream__real_files),
		cmocka_unit_test(test_stream__records_straddling_chunks),
		cmocka_unit_test(test_stream__record_longer_than_the_limit),
		cmocka_unit_test(test_stream__shards_partition_the_records),
		cmocka_unit_test(test_stream__shard_offset_inside_quotes),
		cmocka_unit_test(test_stream__shards_of_real_files),
		cmocka_unit_test(test_stream__shard_specs),
		cmocka_unit_test(test_stream__empty_shards),
		cmocka_unit_test(test_stream__gzip_streams_like_plain),
		cmocka_unit_test(test_stream__jsonl_values),
		cmocka_unit_test(test_stream__jsonl_columns_and_errors),
		cmocka_unit_test(test_stream__jsonl_skip_rows_across_refills),
		cmocka_unit_test(test_stream__jsonl_shards),
		cmocka_unit_test(test_stream__format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
