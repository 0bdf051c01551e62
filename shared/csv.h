/*
 * csv.h - the CSV reader every data-reading step shares, and the frame it
 * fills.
 *
 * RFC 4180 quoting (embedded delimiters, doubled quotes, newlines inside
 * quotes), LF or CRLF line ends, a UTF-8 byte-order mark, a chosen
 * delimiter, headerless files (names given by --columns), leading junk
 * lines (--skip-rows), blank-trimming of unquoted fields (--trim), and
 * missing-value tokens (--na). Blank lines are skipped. Every cell keeps
 * the line and column it started at, so later errors can point at it
 * (in a compact frame, every cell of the columns that keep their text).
 */
#ifndef MLCI_CSV_H
#define MLCI_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "error.h"
#include "hash.h"

#define CSV_DEFAULT_NA ",NA,N/A,NaN,null,?"

/* Both readers' error for a CR alone in an unquoted field. */
#define CSV_LONE_CR "a carriage return (CR) inside an unquoted field: " \
	"quote the field, or make the line ends all LF or all CRLF"

struct csv_opts {
	char delim;		/* field separator; 0: csv_default_delim */
	const char *columns;	/* comma-separated names: the file has no header; NULL: it has one */
	long skip_rows;		/* lines skipped before the header (or first record) */
	int trim;		/* strip spaces and tabs around unquoted fields */
	const char *na;		/* comma-separated missing tokens; NULL: CSV_DEFAULT_NA */
};

/* The reader options as the steps take them, with the same names
 * everywhere (validate-data, train, evaluate). */
struct csv_cli {
	const char *delimiter;
	const char *columns;
	const char *na;
	const char *label_suffix;
	long skip_rows;
	int trim;
};

#define CSV_CLI_OPTIONS(c) \
	{ "delimiter", CLI_STR, &(c)->delimiter, "C", "field separator: one character or 'tab' (default ',', a tab for .tsv and .tab files)" }, \
	{ "columns", CLI_STR, &(c)->columns, "A,B,...", "column names, for a file without a header row" }, \
	{ "skip-rows", CLI_LONG, &(c)->skip_rows, "N", "skip N leading lines (junk before the header or data)" }, \
	{ "trim", CLI_FLAG, &(c)->trim, NULL, "strip blanks around unquoted fields" }, \
	{ "na", CLI_STR, &(c)->na, "LIST", "missing-value tokens, comma-separated (default: empty,NA,N/A,NaN,null,?)" }, \
	{ "label-suffix", CLI_STR, &(c)->label_suffix, "S", "drop a trailing S from label values (adult.test writes '<=50K.')" }

/* The separator of a file read without --delimiter: a tab for a name
 * ending in .tsv or .tab (before any .gz), else a comma. */
char csv_default_delim(const char *path);

/* 1 when the name says JSON Lines (.jsonl, .ndjson, before any .gz). */
int csv_is_jsonl_name(const char *path);

/* Turn the step's reader options into csv_opts (64 on a bad delimiter or
 * negative skip-rows). The strings stay owned by the caller. */
int csv_opts_from_cli(struct csv_opts *o, const struct csv_cli *c,
		      struct mlci_err *err);

/* Defaults: ',', header row, no skip, no trim, default NA tokens. */
void csv_opts_init(struct csv_opts *o);

/*
 * A table of strings, row-major. A cell is NULL when it was missing (an
 * NA token, or empty). Everything is owned by the frame.
 *
 * A frame read by frame_load_compact keeps text only for some columns:
 * tidx[c] is column c's index among them (-1: its text was dropped; every
 * cell of it is a number or missing), and cells, line and col are
 * nrows * ntext over those columns. With tidx NULL (any other frame)
 * they are nrows * ncols. Read cells and positions through frame_cell
 * and frame_pos, which work for both.
 */
struct frame {
	char *path;			/* as given to frame_load */
	char sha256[SHA256_HEX_LEN + 1];	/* of the file's bytes */
	size_t nrows, ncols;
	char **names;			/* ncols column names */
	char **cells;			/* nrows * ncols (or ntext); NULL = missing */
	uint32_t *line;			/* per cell: 1-based line it starts on */
	uint32_t *col;			/* per cell: 1-based byte column */
	/* per cell: its value when it is a number (parse_double), else NaN,
	 * missing cells too; NULL: not known, frame_number parses the text.
	 * A frame made by hand from another's cells must set it to match
	 * (or NULL). */
	double *num;
	int *tidx;			/* compact: ncols text indexes, else NULL */
	size_t ntext;			/* compact: columns with text */
	uint32_t *rowline;		/* compact: per row, the line it starts on */
	/* streamed (frame_stream.h): the columns without text keep neither
	 * text nor position, but nrows * ndev doubles, each value minus its
	 * column's mean (NaN: missing); didx[c] is column c's index in a row
	 * of them (-1: a column with text), mom[c] its exact moments (mom
	 * NULL: a raw read, the values themselves). NULL in any other
	 * frame. */
	double *dev;
	float *devf;			/* or (a float32 read) as single floats */
	float **colf;			/* or (a float32 read by columns) ndev
					 * columns of nrows floats: not for
					 * views (frame_view_rows) */
	int *didx;
	size_t ndev;
	struct frame_moments *mom;
	char *store;			/* streamed: the names' and kept cells' text */
	void *priv;			/* the reader's storage */
};

/* A numeric column's moments over every row, exactly as a pass over
 * the parsed doubles in file order gives them: count of numbers, their
 * mean (sum / count), the population variance with missing values at
 * the mean (sum of squared deviations / nrows), and the largest |x|. */
struct frame_moments {
	size_t count;
	double mean, var, big;
};

/*
 * Read path into f. Errors, all naming path: missing file 66; empty file,
 * a header but no rows, a ragged row (line and column), an unterminated
 * quote (where it opened), duplicate or empty column names, a NUL byte,
 * more than 100000 fields in a row or 2^28 cells in all: 65 (--columns
 * with an empty or repeated name: 64). The file is read whole into
 * memory, at most 1 GiB of it: a larger regular file is refused by its
 * size before any of it is read, a pipe (/dev/stdin, a process
 * substitution) is read in growing steps and refused one read past the
 * limit, both 65 in one line naming path; memory never goes past the
 * limit and one read. MLCI_CSV_MAX_BYTES, for tests only, lowers the
 * limit (a number of bytes; it cannot raise it).
 * On failure f is left empty (frame_free is still safe).
 */
int frame_load(struct frame *f, const char *path, const struct csv_opts *o,
	       struct mlci_err *err);

/*
 * As frame_load, into a compact frame: text (and each cell's line and
 * column) is kept only for the columns holding a cell that is neither
 * missing nor a number, and for those named in keep[0..nkeep) (names
 * not in the file are ignored; keep is not retained). Every cell's
 * number is kept in f->num, and the file's bytes are freed once read.
 * The errors are frame_load's, at the same places.
 */
int frame_load_compact(struct frame *f, const char *path,
		       const struct csv_opts *o, const char *const *keep,
		       size_t nkeep, struct mlci_err *err);

/*
 * As frame_load, on the n bytes at data (copied; need not be
 * NUL-terminated) instead of a file; label stands for the path in the
 * frame and in errors (66 cannot happen).
 */
int frame_load_mem(struct frame *f, const char *label, const char *data,
		   size_t n, const struct csv_opts *o, struct mlci_err *err);

/* Free everything f holds; safe on a zeroed frame. */
void frame_free(struct frame *f);

/* Rows r0 .. r0 + n of f as the frame v, sharing f's storage: v is
 * valid while f is, and is not freed. */
void frame_view_rows(struct frame *v, const struct frame *f, size_t r0,
		     size_t n);

/* Index of the column called name, or -1. */
int frame_find(const struct frame *f, const char *name);

/* The cell at row r, column c, or NULL when missing (or, in a compact
 * frame, when column c kept no text: see frame_has_text). */
static inline const char *frame_cell(const struct frame *f, size_t r, size_t c)
{
	if (f->tidx)
		return f->tidx[c] < 0 ? NULL :
			f->cells[r * f->ntext + (size_t)f->tidx[c]];
	return f->cells[r * f->ncols + c];
}

/* 1 when column c's cells kept their text (always, unless compact). */
static inline int frame_has_text(const struct frame *f, size_t c)
{
	return !f->tidx || f->tidx[c] >= 0;
}

/* The 1-based line and byte column cell (r, c) starts at. In a compact
 * frame, for a column without text: the line its row starts on, and
 * column 0 (unknown). */
void frame_pos(const struct frame *f, size_t r, size_t c, long *line,
	       long *col);

/*
 * Parse cell (r, c) as a number: 0 and *out set; 1 when the cell is
 * missing; -1 with a 65 error "PATH:LINE:COL: expected a number in
 * column 'NAME', found 'TEXT'". In a streamed frame, a column without
 * text gives its mean plus the stored deviation (the value, up to the
 * rounding of that sum; of a single float's, about 7 significant digits
 * of the value's distance from the mean).
 */
int frame_number(const struct frame *f, size_t r, size_t c, double *out,
		 struct mlci_err *err);

/* Drop a trailing suffix from every non-missing cell of column c. */
void frame_strip_suffix(struct frame *f, size_t c, const char *suffix);

#endif
