/*
 * frame_stream.h - a training file read streamed, so that its bytes are
 * never held at once (and, for single floats, never a double per cell).
 *
 * Doubles (FRAME_STREAM_DOUBLE, FRAME_STREAM_RAW) take one pass (stream.h's
 * reader: csv.h's dialect, checks and messages): the first row settles
 * which columns hold text (a cell neither missing nor a number; a later
 * text cell in a column of numbers sends the read to the two passes
 * below); the values are kept as read, then turned into deviations once
 * the means are known. On nthreads > 1 threads a plain regular file is
 * parsed in 1 MB blocks (split as validate.c splits it, each block's
 * guessed start checked against where the block before stopped) that are
 * appended in file order, lines made absolute and columns summed as they
 * are appended: the frame and its moments are the same bits whatever the
 * thread count, and an error is the first in file order, where a single
 * pass finds it.
 *
 * Single floats take two passes. The first counts the rows, hashes the
 * bytes, finds the columns that hold text and sums each other column's
 * numbers. The second reads the file again (a file changed in between
 * is refused) and keeps each value less its column's mean.
 *
 * Either way the frame keeps
 *   - for the columns with text and those named in keep[0..nkeep): their
 *     cells and positions, as a compact frame does (csv.h);
 *   - for every other column: each value minus the column's mean
 *     (f->dev, f->didx), and the column's moments (f->mom): count, mean,
 *     variance and largest |x| come out bit for bit as a pass over the
 *     parsed doubles in file order gives them.
 * prep_row encodes a deviation d as d / scale, which is bit for bit the
 * (x - mean) / scale of a frame read whole, so a streamed fit is the
 * same fit. The deviations can be encoded where they lie (prep_in_place),
 * the frame's storage becoming the design matrix. frame_number reads
 * such a column as mean + deviation (csv.h).
 *
 * A streamed frame's moments are of all its rows: prep_fit on a view of
 * some of them (frame_view_rows) would use them too, so a streamed frame
 * is for fits on every row only.
 *
 * Memory: nrows * ndev doubles (or floats), the kept cells and 4 bytes a
 * row (the line each row starts on), besides the readers' buffers and,
 * on threads, a few blocks' rows; never the file's bytes.
 */
#ifndef MLCI_FRAME_STREAM_H
#define MLCI_FRAME_STREAM_H

#include <stddef.h>

#include "csv.h"
#include "error.h"

/* What the second pass keeps of a numeric column. */
#define FRAME_STREAM_DOUBLE 0	/* deviations from the mean, as doubles */
#define FRAME_STREAM_SINGLE 1	/* the same as single floats (f->devf),
				 * for a float32 design matrix (prep_rows_f32) */
#define FRAME_STREAM_COLUMNS 3	/* single floats by column (f->colf),
				 * each column its own block */
#define FRAME_STREAM_RAW 2	/* the values themselves as doubles, for a
				 * transform fitted elsewhere: no moments
				 * (f->mom NULL), frame_number gives the
				 * values exactly */

/*
 * Read path into f as above, keeping numeric columns as mode says, on
 * nthreads threads (doubles; 1 or less: one).
 * Returns 0; 1 when the file cannot be
 * streamed this way and nothing was reported (not a regular file,
 * gzip-compressed, or a numeric column whose sums overflow or whose
 * values are all below 2^-400 in size, which preprocess.c sums
 * rescaled, not in raw mode; single floats (by rows or by columns):
 * also a column whose largest |x| is above 1e38
 * or below 1e-20, or a deviation neither zero nor a normal float): read
 * it with frame_load_compact, which reports every error
 * of the file the same way; -1 with err set: the reader's errors (csv.c's
 * messages, naming path), too many cells (65), out of memory (70), the
 * file changed between the passes (74).
 * On any return but 0, f is left empty (frame_free is still safe).
 */
int frame_load_streamed(struct frame *f, const char *path,
			const struct csv_opts *o, const char *const *keep,
			size_t nkeep, int mode, int nthreads,
			struct mlci_err *err);

/* Tests only: called between the two passes with the path (NULL: not).
 * MLCI_FRAME_BLOCK_SIZE (bytes), for tests too, sets the block size of a
 * read on threads. */
extern void (*frame_stream_between)(const char *path);

#endif
