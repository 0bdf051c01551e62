/*
 * fuzz_stream - the streaming record reader (stream.h): CSV and JSON
 * Lines, plain or gzipped, in tiny chunks, whole or in shards.
 *
 * Input: byte 0 picks the CSV options as in fuzz_csv; byte 1:
 *   bits 0-4  chunk size 1..32 bytes (records cross chunk boundaries)
 *   bit  5    a max_record of 64 bytes
 *   bit  6    JSON Lines instead of CSV
 *   bit  7    gzip the rest in the harness
 * the rest is the file.
 *
 * Checks: every field is NUL-terminated with its length and a position;
 * for plain CSV read whole, the records are exactly frame_load's (same
 * success, same cells, lines and columns) when both succeed; reading the
 * file as 2 and 3 shards gives the same records in the same order.
 * FUZZ_STREAM_NODIFF=1 turns the comparisons off (crash-finding only).
 */
#include <assert.h>
#include <string.h>
#include <zlib.h>

#include "csv.h"
#include "fuzz.h"
#include "stream.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CELLS 20000

/* The records read: cells (NULL: missing) with positions. */
struct recs {
	char **cell;
	uint32_t *line, *col;
	size_t n, ncols, nrecords;
	int ok;			/* the read ended without error */
	struct mlci_err err;
};

static void recs_free(struct recs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->cell[i]);
	free(r->cell);
	free(r->line);
	free(r->col);
	memset(r, 0, sizeof(*r));
}

static void recs_add(struct recs *r, const char *s, size_t len, uint32_t line,
		     uint32_t col)
{
	if (r->n % 256 == 0) {
		r->cell = realloc(r->cell, (r->n + 256) * sizeof(*r->cell));
		r->line = realloc(r->line, (r->n + 256) * sizeof(*r->line));
		r->col = realloc(r->col, (r->n + 256) * sizeof(*r->col));
		assert(r->cell && r->line && r->col);
	}
	r->cell[r->n] = s ? fuzz_strndup(s, len) : NULL;
	r->line[r->n] = line;
	r->col[r->n++] = col;
}

/* Read path with o (shard k of n when n) appending to r. 0 on success. */
static int read_stream(const char *path, const struct stream_opts *o,
		       struct recs *r)
{
	struct stream *s = NULL;
	int rc;
	size_t c;

	if (stream_open(&s, path, o, &r->err) < 0) {
		assert(s == NULL);
		fuzz_check_err(&r->err);
		return -1;
	}
	r->ncols = s->ncols;
	for (c = 0; c < s->ncols; c++)
		assert(s->names[c] != NULL);
	while ((rc = stream_next(s, &r->err)) == 1) {
		r->nrecords++;
		for (c = 0; c < s->ncols; c++) {
			const struct stream_field *f = &s->fields[c];

			if (f->s) {
				assert(strlen(f->s) == f->len);
			}
			assert(f->line >= 1);
			if (r->n < MAX_CELLS)
				recs_add(r, f->s, f->len, f->line, f->col);
		}
	}
	if (rc < 0)
		fuzz_check_err(&r->err);
	else
		assert(strlen(s->sha256) == SHA256_HEX_LEN);
	stream_close(s);
	return rc < 0 ? -1 : 0;
}

static void gzip(const uint8_t *in, size_t n, struct buf *out)
{
	z_stream zs;
	unsigned char chunk[16384];
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		rc = deflate(&zs, Z_FINISH);
		if (rc == Z_STREAM_ERROR || buf_add(out, chunk, sizeof(chunk) - zs.avail_out) < 0)
			abort();
	} while (rc != Z_STREAM_END);
	deflateEnd(&zs);
}

static void same(const struct recs *a, const struct recs *b, const char *what)
{
	size_t i;

	if (a->n != b->n || a->ncols != b->ncols) {
		fprintf(stderr, "%s: %zu cells in %zu columns vs %zu in %zu\n", what,
			a->n, a->ncols, b->n, b->ncols);
		abort();
	}
	for (i = 0; i < a->n; i++) {
		if ((!a->cell[i]) != (!b->cell[i]) ||
		    (a->cell[i] && strcmp(a->cell[i], b->cell[i])) ||
		    a->line[i] != b->line[i] || a->col[i] != b->col[i]) {
			fprintf(stderr, "%s: cell %zu: '%s' %u:%u vs '%s' %u:%u\n", what, i,
				a->cell[i] ? a->cell[i] : "(missing)", a->line[i], a->col[i],
				b->cell[i] ? b->cell[i] : "(missing)", b->line[i], b->col[i]);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { ',', ';', '\t', '|' };
	static const char *cols[] = { "a,b", "a,b,c,d,e", "x", "k,v" };
	static const char *nas[] = { NULL, "", "NA,-", "?" };
	struct stream_opts o;
	struct recs whole, part;
	struct fuzz_file ff;
	struct buf gz;
	uint8_t b0, b1;
	int diff = !getenv("FUZZ_STREAM_NODIFF"), jsonl, zipped;
	unsigned n, k;

	if (size < 2)
		return 0;
	b0 = data[0];
	b1 = data[1];
	stream_opts_init(&o);
	o.csv.delim = delims[b0 & 3];
	o.csv.trim = (b0 >> 2) & 1;
	o.csv.skip_rows = (b0 >> 4) & 3;
	if ((b0 >> 3) & 1)
		o.csv.columns = cols[(b0 >> 6) & 3];
	else
		o.csv.na = nas[(b0 >> 6) & 3];
	o.chunk = (size_t)(b1 & 31) + 1;
	if ((b1 >> 5) & 1)
		o.max_record = 64;
	jsonl = (b1 >> 6) & 1;
	zipped = (b1 >> 7) & 1;
	o.format = jsonl ? STREAM_JSONL : STREAM_CSV;

	buf_init(&gz);
	if (zipped) {
		gzip(data + 2, size - 2, &gz);
		fuzz_file_open(&ff, gz.data, gz.len);
	} else {
		fuzz_file_open(&ff, data + 2, size - 2);
	}
	memset(&whole, 0, sizeof(whole));
	whole.ok = read_stream(ff.path, &o, &whole) == 0;

	if (diff && !jsonl && !zipped && !o.max_record && whole.n < MAX_CELLS) {
		struct frame f;
		struct mlci_err err = { 0 };

		memset(&f, 0, sizeof(f));
		if (frame_load(&f, ff.path, &o.csv, &err) == 0) {
			size_t i;

			if (!whole.ok) {
				fprintf(stderr, "frame_load reads what the stream refuses: %s\n",
					whole.err.msg);
				abort();
			}
			memset(&part, 0, sizeof(part));
			part.ncols = f.ncols;
			for (i = 0; i < f.nrows * f.ncols; i++)
				recs_add(&part, f.cells[i], f.cells[i] ? strlen(f.cells[i]) : 0,
					 f.line[i], f.col[i]);
			same(&part, &whole, "frame_load vs stream");
			recs_free(&part);
		} else if (whole.ok) {
			fprintf(stderr, "the stream reads what frame_load refuses: %s\n", err.msg);
			abort();
		}
		frame_free(&f);
	}

	/* shards: together, the whole file's records in order */
	if (diff && !zipped && whole.ok && whole.n < MAX_CELLS) {
		for (n = 2; n <= 3; n++) {
			int all = 1;

			memset(&part, 0, sizeof(part));
			for (k = 1; k <= n && all; k++) {
				struct recs one;

				memset(&one, 0, sizeof(one));
				o.shard = k;
				o.nshards = n;
				if (read_stream(ff.path, &o, &one) < 0) {
					/* a shard may meet a problem the whole read
					 * did not (a record split differently is
					 * only allowed in malformed files) */
					fprintf(stderr, "shard %u/%u fails where the whole read did not: %s\n",
						k, n, one.err.msg);
					abort();
				}
				part.ncols = one.ncols;
				for (size_t i = 0; i < one.n; i++)
					recs_add(&part, one.cell[i], one.cell[i] ? strlen(one.cell[i]) : 0,
						 one.line[i], one.col[i]);
				recs_free(&one);
			}
			same(&whole, &part, n == 2 ? "whole vs 2 shards" : "whole vs 3 shards");
			recs_free(&part);
		}
		o.shard = o.nshards = 0;
	}
	recs_free(&whole);
	fuzz_file_close(&ff);
	buf_release(&gz);
	return 0;
}
