/*
 * fuzz_frame_stream - the streamed training reader (frame_stream.h) on
 * one thread and on two in tiny blocks, against the whole-file reader.
 *
 * Input: byte 0: bits 0-5 the block size (1..64 bytes), bit 6 the label
 * is the last column (else the first); the rest is the file.
 *
 * Checks, for doubles and for raw values:
 *   - one thread and two give the same result: the same return, the same
 *     error (code, line, column, message), and a frame equal byte for byte
 *     (names, kept cells and their places, every value, the moments);
 *   - when the whole-file reader (frame_load_compact) fails, the streamed
 *     one fails with the same exit code or declines (1); when it succeeds, the
 *     streamed one declines or reads the same rows, names, kept text and
 *     (raw) the same numbers.
 * FUZZ_FRAME_NODIFF=1 turns the comparisons off (crash-finding only).
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "csv.h"
#include "frame_stream.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_err(const struct mlci_err *a, const struct mlci_err *b)
{
	assert(a->code == b->code);
	assert(a->line == b->line);
	assert(a->col == b->col);
	assert(!strcmp(a->msg, b->msg));
}

static int same_double(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a)) || (isnan(a) && isnan(b));
}

/* Two streamed frames of the same mode: equal byte for byte. */
static void same_frames(const struct frame *a, const struct frame *b)
{
	size_t c, i, nt;

	assert(a->nrows == b->nrows && a->ncols == b->ncols);
	assert(a->ntext == b->ntext && a->ndev == b->ndev);
	assert(!strcmp(a->sha256, b->sha256));
	nt = a->nrows * a->ntext;
	for (c = 0; c < a->ncols; c++) {
		assert(!strcmp(a->names[c], b->names[c]));
		assert(a->didx[c] == b->didx[c] && a->tidx[c] == b->tidx[c]);
		if (a->mom && a->didx[c] >= 0) {
			assert(a->mom[c].count == b->mom[c].count);
			assert(same_double(a->mom[c].mean, b->mom[c].mean));
			assert(same_double(a->mom[c].var, b->mom[c].var));
			assert(same_double(a->mom[c].big, b->mom[c].big));
		}
	}
	assert(!a->mom == !b->mom);
	for (i = 0; i < a->nrows * a->ndev; i++)
		assert(same_double(a->dev[i], b->dev[i]));
	for (i = 0; i < a->nrows; i++)
		assert(a->rowline[i] == b->rowline[i]);
	for (i = 0; i < nt; i++) {
		assert(!a->cells[i] == !b->cells[i]);
		assert(!a->cells[i] || !strcmp(a->cells[i], b->cells[i]));
		assert(a->line[i] == b->line[i] && a->col[i] == b->col[i]);
	}
}

/* A streamed frame against the whole-file one. */
static void same_as_compact(const struct frame *s, const struct frame *w)
{
	size_t r, c;

	assert(s->nrows == w->nrows && s->ncols == w->ncols);
	assert(!strcmp(s->sha256, w->sha256));
	for (c = 0; c < s->ncols; c++) {
		assert(!strcmp(s->names[c], w->names[c]));
		for (r = 0; r < s->nrows; r++) {
			long l1, c1, l2, c2;

			frame_pos(s, r, c, &l1, &c1);
			frame_pos(w, r, c, &l2, &c2);
			if (frame_has_text(s, c)) {
				const char *x = frame_cell(s, r, c);
				const char *y = frame_cell(w, r, c);

				assert(!x == !y && (!x || !strcmp(x, y)));
				assert(l1 == l2 && c1 == c2);
			} else if (!s->mom) {
				double a, b;
				int ra = frame_number(s, r, c, &a, NULL);
				int rb = frame_number(w, r, c, &b, NULL);

				assert(ra == rb);
				assert(ra != 0 || same_double(a, b));
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_file ff;
	char bs[16];
	int mode, diff = !getenv("FUZZ_FRAME_NODIFF");

	if (size < 2)
		return 0;
	snprintf(bs, sizeof(bs), "%u", (data[0] & 63) + 1u);
	fuzz_file_open(&ff, data + 1, size - 1);
	for (mode = 0; mode < 2; mode++) {
		int m = mode ? FRAME_STREAM_RAW : FRAME_STREAM_DOUBLE;
		struct frame one, two, whole;
		struct mlci_err e1 = {0}, e2 = {0}, ew = {0};
		const char *label[1];
		int r1, r2, rw;

		/* the label: the header's first or last name, found by the
		 * whole-file reader (any name works: a missing one keeps none) */
		rw = frame_load_compact(&whole, ff.path, NULL, NULL, 0, &ew);
		label[0] = rw == 0 && whole.ncols ?
			fuzz_strndup(whole.names[data[0] & 64 ? whole.ncols - 1 : 0],
				     strlen(whole.names[data[0] & 64 ? whole.ncols - 1 : 0])) :
			fuzz_strndup("y", 1);
		frame_free(&whole);
		unsetenv("MLCI_FRAME_BLOCK_SIZE");
		r1 = frame_load_streamed(&one, ff.path, NULL, label, 1, m, 1, &e1);
		setenv("MLCI_FRAME_BLOCK_SIZE", bs, 1);
		r2 = frame_load_streamed(&two, ff.path, NULL, label, 1, m, 2, &e2);
		unsetenv("MLCI_FRAME_BLOCK_SIZE");
		rw = frame_load_compact(&whole, ff.path, NULL, label, 1, &ew);
		if (r1 < 0)
			fuzz_check_err(&e1);
		if (r2 < 0)
			fuzz_check_err(&e2);
		if (diff) {
			assert(r1 == r2);
			if (r1 < 0)
				same_err(&e1, &e2);
			if (r1 == 0)
				same_frames(&one, &two);
			/* (which error of a file with several comes first may
			 * differ: the whole-file reader checks UTF-8 first) */
			if (rw < 0)
				assert(r1 == 1 || (r1 < 0 && e1.code == ew.code));
			else if (r1 == 0)
				same_as_compact(&one, &whole);
		}
		frame_free(&one);
		frame_free(&two);
		frame_free(&whole);
		free((char *)label[0]);
	}
	fuzz_file_close(&ff);
	return 0;
}
