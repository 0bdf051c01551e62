/*
 * csv.c - the CSV reader: the whole file is read into memory and parsed
 * in place. Each cell points into that buffer, NUL-terminated, with its
 * quotes unescaped (an unescaped field is never longer than its source,
 * so writing behind the read position is safe).
 *
 * A compact frame is read in two passes. The first parses without
 * writing to the buffer (quoted fields are unescaped into a scratch
 * buffer), checks everything a full read checks, keeps each cell's
 * number and notes which columns hold text. The second parses the
 * records again, in place, and keeps only those columns' cells, which
 * are then copied out so the file's bytes can be freed.
 */
#include "csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "io.h"
#include "util.h"

/* Guards against inputs that would exhaust memory rather than be read. */
#define CSV_MAX_FIELDS 100000		/* per row */
#define CSV_MAX_CELLS ((size_t)1 << 28)	/* rows * columns */
#define CSV_MAX_BYTES ((size_t)1 << 30)	/* one file, read whole into memory */

/* What frame->priv owns. */
struct csv_store {
	char *data;	/* the file's bytes, parsed in place */
	char *names;	/* the --columns copy the names point into */
	char *pool;	/* compact: the names and kept cells, copied out */
	unsigned char *text;	/* compact, while reading: per column, 1 when
				 * a cell is neither missing nor a number */
};

/* The NA tokens, split out of a comma-separated list. */
struct na_set {
	char *copy;
	const char **tok;
	size_t *len;
	size_t n;
};

/* One parsed field, before it is placed in the frame. */
struct field {
	char *s;
	size_t len;
	size_t soff;	/* dry: where in the scratch buffer (s is NULL) */
	int scr;	/* dry: unescaped into the scratch buffer */
	uint32_t line, col;
};

/* A compact read: the names of the columns that keep their text. */
struct compact {
	const char *const *keep;
	size_t nkeep;
};

struct parser {
	const char *path;
	char *p, *end;
	char *line_start;
	uint32_t line;
	char delim;
	int trim;
	struct field *fld;	/* the current record's fields */
	size_t nfld, cap;
	int dry;		/* 1: do not write to the buffer */
	char *scratch;		/* dry: the record's unescaped quoted fields */
	size_t sn, scap;
};

void csv_opts_init(struct csv_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->delim = 0;	/* csv_default_delim of the file's name */
}

/* Does path end in suf (any case), a .gz after it or not? */
static int name_ends(const char *path, const char *suf)
{
	size_t n = path ? strlen(path) : 0, m = strlen(suf);

	if (n > 3 && !strcasecmp(path + n - 3, ".gz"))
		n -= 3;
	return n >= m && !strncasecmp(path + n - m, suf, m);
}

int csv_is_jsonl_name(const char *path)
{
	return name_ends(path, ".jsonl") || name_ends(path, ".ndjson");
}

char csv_default_delim(const char *path)
{
	return name_ends(path, ".tsv") || name_ends(path, ".tab") ? '\t' : ',';
}

int csv_opts_from_cli(struct csv_opts *o, const struct csv_cli *c,
		      struct mlci_err *err)
{
	csv_opts_init(o);
	if (c->delimiter) {
		const char *d = c->delimiter;

		if (!strcmp(d, "tab") || !strcmp(d, "\\t"))
			o->delim = '\t';
		else if (d[0] && !d[1] && d[0] != '"' && d[0] != '\n' &&
			 d[0] != '\r')
			o->delim = d[0];
		else
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--delimiter: expected one character "
				       "(not a quote or newline) or 'tab', "
				       "got '%s'", d);
	}
	if (c->skip_rows < 0)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--skip-rows: expected a count >= 0, got %ld",
			       c->skip_rows);
	o->columns = c->columns;
	o->skip_rows = c->skip_rows;
	o->trim = c->trim;
	o->na = c->na;
	return 0;
}

static int is_blank(const struct parser *ps, char c)
{
	return (c == ' ' || c == '\t') && c != ps->delim;
}

static uint32_t col_of(const struct parser *ps, const char *at)
{
	return (uint32_t)(at - ps->line_start) + 1;
}

static int na_init(struct na_set *na, const char *list, struct mlci_err *err)
{
	char *s;
	size_t n = 1, i = 0;

	memset(na, 0, sizeof(*na));
	na->copy = strdup(list ? list : CSV_DEFAULT_NA);
	if (!na->copy)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (s = na->copy; *s; s++)
		n += *s == ',';
	na->tok = calloc(n, sizeof(*na->tok));
	na->len = calloc(n, sizeof(*na->len));
	if (!na->tok || !na->len)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	s = na->copy;
	for (;;) {
		char *comma = strchr(s, ',');

		if (comma)
			*comma = '\0';
		na->tok[i] = s;
		na->len[i] = strlen(s);
		i++;
		if (!comma)
			break;
		s = comma + 1;
	}
	na->n = i;
	return 0;
}

static void na_free(struct na_set *na)
{
	free(na->copy);
	free(na->tok);
	free(na->len);
}

static int na_match(const struct na_set *na, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < na->n; i++)
		if (na->len[i] == len && !memcmp(na->tok[i], s, len))
			return 1;
	return 0;
}

static int add_field(struct parser *ps, char *s, size_t len, int scr,
		     size_t soff, uint32_t line, uint32_t col,
		     struct mlci_err *err)
{
	if (ps->nfld >= CSV_MAX_FIELDS)
		return err_set_at(err, MLCI_EXIT_DATAERR, ps->path, line, col,
				  "more than %d fields in one row",
				  CSV_MAX_FIELDS);
	if (ps->nfld == ps->cap) {
		size_t ncap = ps->cap ? ps->cap * 2 : 64;
		struct field *nf = realloc(ps->fld, ncap * sizeof(*nf));

		if (!nf)
			return err_set(err, MLCI_EXIT_SOFTWARE, ps->path,
				       "out of memory");
		ps->fld = nf;
		ps->cap = ncap;
	}
	ps->fld[ps->nfld].s = s;
	ps->fld[ps->nfld].len = len;
	ps->fld[ps->nfld].scr = scr;
	ps->fld[ps->nfld].soff = soff;
	ps->fld[ps->nfld].line = line;
	ps->fld[ps->nfld].col = col;
	ps->nfld++;
	return 0;
}

/* One unescaped byte of a quoted field: in place at *w, or (dry) onto
 * the scratch buffer. */
static int put_byte(struct parser *ps, char **w, char c, struct mlci_err *err)
{
	if (!ps->dry) {
		*(*w)++ = c;
		return 0;
	}
	if (ps->sn == ps->scap) {
		size_t ncap = ps->scap ? ps->scap * 2 : 256;
		char *ns = realloc(ps->scratch, ncap);

		if (!ns)
			return err_set(err, MLCI_EXIT_SOFTWARE, ps->path,
				       "out of memory");
		ps->scratch = ns;
		ps->scap = ncap;
	}
	ps->scratch[ps->sn++] = c;
	return 0;
}

/* Dry: point the scratch-held fields at their bytes, now that the
 * record is whole and the scratch buffer will not move. */
static void fix_scratch(struct parser *ps)
{
	static char empty[1];	/* an empty quoted field before any other */
	size_t i;

	if (!ps->dry)
		return;
	for (i = 0; i < ps->nfld; i++)
		if (ps->fld[i].scr)
			ps->fld[i].s = ps->scratch ? ps->scratch + ps->fld[i].soff :
				empty;
}

/* Skip a line that holds nothing (or, with trim, only blanks). */
static int skip_blank_line(struct parser *ps)
{
	char *q = ps->p;

	if (ps->trim)
		while (q < ps->end && is_blank(ps, *q))
			q++;
	if (q < ps->end && *q == '\r' && (q + 1 == ps->end || q[1] == '\n'))
		q++;
	if (q == ps->end) {
		ps->p = q;
		return 1;
	}
	if (*q != '\n')
		return 0;
	ps->p = q + 1;
	ps->line++;
	ps->line_start = ps->p;
	return 1;
}

/*
 * Parse one record at ps->p into ps->fld. Returns 1 when a record was
 * read, 0 at the end of the input, -1 on error. *end_line and *end_col
 * get the position just past its last byte.
 */
static int parse_record(struct parser *ps, uint32_t *end_line,
			uint32_t *end_col, struct mlci_err *err)
{
	char *end = ps->end;

	ps->nfld = 0;
	ps->sn = 0;
	while (ps->p < end && skip_blank_line(ps))
		;
	if (ps->p >= end)
		return 0;
	for (;;) {
		char *p = ps->p, *w, *cell;
		uint32_t fline, fcol;
		size_t soff = ps->sn;
		int scr = 0;
		char c;

		if (ps->trim)
			while (p < end && is_blank(ps, *p))
				p++;
		fline = ps->line;
		fcol = col_of(ps, p);
		if (p < end && *p == '"') {
			uint32_t qline = ps->line, qcol = fcol;

			cell = w = p;
			scr = ps->dry;
			p++;
			for (;;) {
				if (p >= end)
					return err_set_at(err, MLCI_EXIT_DATAERR,
							  ps->path, qline, qcol,
							  "unterminated quoted field");
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						if (put_byte(ps, &w, '"', err) < 0)
							return -1;
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\n') {
					ps->line++;
					ps->line_start = p + 1;
				}
				if (put_byte(ps, &w, *p++, err) < 0)
					return -1;
			}
			while (p < end && (*p == ' ' || *p == '\t') &&
			       *p != ps->delim)
				p++;
			if (p < end && *p == '\r' &&
			    (p + 1 == end || p[1] == '\n'))
				p++;
			if (p < end && *p != ps->delim && *p != '\n') {
				unsigned char u = (unsigned char)*p;

				if (u > 0x20 && u < 0x7f)
					return err_set_at(err, MLCI_EXIT_DATAERR,
							  ps->path, ps->line,
							  col_of(ps, p),
							  "unexpected '%c' after a closing quote",
							  u);
				return err_set_at(err, MLCI_EXIT_DATAERR,
						  ps->path, ps->line, col_of(ps, p),
						  "unexpected byte 0x%02x after a closing quote",
						  u);
			}
			c = p < end ? *p : '\0';
		} else {
			char *e = p;

			cell = p;
#ifdef __SSE2__
			/* 16 bytes at a time while they lie inside the data:
			 * the first delimiter or line feed among them */
			{
				const __m128i vd = _mm_set1_epi8(ps->delim);
				const __m128i vn = _mm_set1_epi8('\n');
				const __m128i vr = _mm_set1_epi8('\r');

				while (end - e >= 16) {
					__m128i v = _mm_loadu_si128((const __m128i *)(const void *)e);
					unsigned m = (unsigned)_mm_movemask_epi8(
						_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vd),
									  _mm_cmpeq_epi8(v, vn)),
							     _mm_cmpeq_epi8(v, vr)));

					if (m) {
						e += __builtin_ctz(m);
						break;
					}
					e += 16;
				}
			}
#endif
			while (e < end && *e != ps->delim && *e != '\n' && *e != '\r')
				e++;
			if (e < end && *e == '\r') {
				/* a CR ends a line with the LF after it (or the
				 * file); alone in a field it is no text of ours */
				if (e + 1 < end && e[1] != '\n')
					return err_set_at(err, MLCI_EXIT_DATAERR, ps->path,
							  ps->line, col_of(ps, e),
							  CSV_LONE_CR);
				c = e + 1 < end ? '\n' : '\0';
				p = e + 1;
			} else {
				c = e < end ? *e : '\0';
				p = e;
			}
			if (ps->trim)
				while (e > cell && is_blank(ps, e[-1]))
					e--;
			w = e;
		}
		if (add_field(ps, scr ? NULL : cell,
			      scr ? ps->sn - soff : (size_t)(w - cell), scr, soff,
			      fline, fcol, err) < 0)
			return -1;
		if (!ps->dry)
			*w = '\0';
		if (p >= end) {
			*end_line = ps->line;
			*end_col = col_of(ps, p);
			ps->p = p;
			fix_scratch(ps);
			return 1;
		}
		if (c == '\n') {
			*end_line = ps->line;
			*end_col = col_of(ps, p);
			ps->p = p + 1;
			ps->line++;
			ps->line_start = ps->p;
			fix_scratch(ps);
			return 1;
		}
		ps->p = p + 1;	/* past the delimiter */
	}
}

/* Room for need cells: every array, or (only_num) just the numbers. */
static int grow_cells(struct frame *f, size_t *cap, size_t need, int only_num,
		      struct mlci_err *err)
{
	size_t ncap;
	char **nc;
	uint32_t *nl, *ncol;
	double *nn;

	if (need <= *cap)
		return 0;
	if (need > CSV_MAX_CELLS)
		return err_set(err, MLCI_EXIT_DATAERR, f->path,
			       "too large: more than %zu cells", CSV_MAX_CELLS);
	ncap = *cap ? *cap : 1024;
	while (ncap < need)
		ncap *= 2;
	if (ncap > CSV_MAX_CELLS)
		ncap = CSV_MAX_CELLS;
	if (only_num)
		goto num;
	nc = realloc(f->cells, ncap * sizeof(*nc));
	if (!nc)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	f->cells = nc;
	nl = realloc(f->line, ncap * sizeof(*nl));
	if (!nl)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	f->line = nl;
	ncol = realloc(f->col, ncap * sizeof(*ncol));
	if (!ncol)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	f->col = ncol;
num:
	nn = realloc(f->num, ncap * sizeof(*nn));
	if (!nn)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	f->num = nn;
	*cap = ncap;
	return 0;
}

/* A cell's entry in frame.num. */
static double cell_number(const char *s, size_t len)
{
	double v;

	return s && parse_double_n(s, len, &v) == 0 ? v : NAN;
}

static int cmp_name_idx(const void *a, const void *b, void *arg)
{
	char **names = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(names[i], names[j]);

	if (c)
		return c;
	return i < j ? -1 : i > j;
}

/* Find the first (in file order) name that repeats an earlier one:
 * 0 when none, else 1 with *first and *second set. */
static int find_duplicate(char **names, size_t n, size_t *first,
			  size_t *second, struct mlci_err *err)
{
	size_t *idx, k;
	int found = 0;

	if (n < 2)
		return 0;
	idx = malloc(n * sizeof(*idx));
	if (!idx)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (k = 0; k < n; k++)
		idx[k] = k;
	qsort_r(idx, n, sizeof(*idx), cmp_name_idx, names);
	for (k = 1; k < n; k++) {
		if (strcmp(names[idx[k - 1]], names[idx[k]]))
			continue;
		if (!found || idx[k] < *second) {
			size_t a = k - 1;

			/* the earliest occurrence of this name */
			while (a > 0 && !strcmp(names[idx[a - 1]], names[idx[k]]))
				a--;
			*first = idx[a];
			*second = idx[k];
			found = 1;
		}
	}
	free(idx);
	return found;
}

/* Names from --columns: split a private copy on commas, trimming blanks. */
static int names_from_list(struct frame *f, struct csv_store *st,
			   const char *list, struct mlci_err *err)
{
	size_t n = 1, i = 0, a = 0, b = 0;
	int dup;
	char *s;

	st->names = strdup(list);
	if (!st->names)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (s = st->names; *s; s++)
		n += *s == ',';
	if (n > CSV_MAX_FIELDS)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--columns: more than %d names", CSV_MAX_FIELDS);
	f->names = calloc(n, sizeof(*f->names));
	if (!f->names)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	s = st->names;
	for (;;) {
		char *comma = strchr(s, ','), *e;

		if (comma)
			*comma = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*s)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--columns: name %zu is empty", i + 1);
		f->names[i++] = s;
		if (!comma)
			break;
		s = comma + 1;
	}
	f->ncols = n;
	dup = find_duplicate(f->names, n, &a, &b, err);
	if (dup < 0)
		return -1;
	if (dup)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--columns: duplicate column name '%s' "
			       "(names %zu and %zu)", f->names[a], a + 1, b + 1);
	return 0;
}

/* The header record becomes the names. */
static int names_from_header(struct frame *f, const struct parser *ps,
			     struct mlci_err *err)
{
	size_t i, a = 0, b = 0;
	int dup;

	f->ncols = ps->nfld;
	f->names = calloc(ps->nfld, sizeof(*f->names));
	if (!f->names)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	for (i = 0; i < ps->nfld; i++) {
		if (!ps->fld[i].len)
			return err_set_at(err, MLCI_EXIT_DATAERR, f->path,
					  ps->fld[i].line, ps->fld[i].col,
					  "column %zu has an empty name", i + 1);
		f->names[i] = ps->fld[i].s;
	}
	dup = find_duplicate(f->names, f->ncols, &a, &b, err);
	if (dup < 0)
		return -1;
	if (dup)
		return err_set_at(err, MLCI_EXIT_DATAERR, f->path,
				  ps->fld[b].line, ps->fld[b].col,
				  "duplicate column name '%s' (columns %zu and %zu)",
				  f->names[a], a + 1, b + 1);
	return 0;
}

/* A NUL byte means this is not text: say where the first one is. */
static int nul_error(const char *path, const char *d, size_t len,
		     struct mlci_err *err)
{
	const char *nul = memchr(d, '\0', len), *ls = d, *q;
	long line = 1;

	for (q = d; q < nul; q++)
		if (*q == '\n') {
			line++;
			ls = q + 1;
		}
	return err_set_at(err, MLCI_EXIT_DATAERR, path, line,
			  (long)(nul - ls) + 1,
			  "a NUL byte: not a text file");
}

/* Cells become JSON strings in every artifact, so the text must be UTF-8:
 * say where the first byte that is not is, and how to convert. */
static int check_utf8(const char *path, const char *d, size_t len,
		      struct mlci_err *err)
{
	const unsigned char *p = (const unsigned char *)d;
	const unsigned char *end = p + len, *ls = p;
	long line = 1;
	size_t n;

	while (p < end) {
		if (*p < 0x80) {
			if (*p == '\n') {
				line++;
				ls = p + 1;
			}
			p++;
			continue;
		}
		/* utf8_decode reads at most 4 bytes, stopping at a non-continuation
		 * byte, and the buffer is NUL-terminated */
		n = utf8_decode(p, NULL);
		if (!n)
			return err_set_at(err, MLCI_EXIT_DATAERR, path, line,
					  (long)(p - ls) + 1,
					  "not valid UTF-8 (byte 0x%02x); convert the file, "
					  "e.g. iconv -f latin1 -t utf-8", *p);
		p += n;
	}
	return 0;
}

/* The most bytes read_input takes: CSV_MAX_BYTES, or less when
 * MLCI_CSV_MAX_BYTES (for tests: a pipe over the limit without a GiB of
 * input) says so; it cannot raise the limit. */
static size_t max_bytes(void)
{
	long v = env_knob("MLCI_CSV_MAX_BYTES", 1, (long)CSV_MAX_BYTES);

	return (unsigned long)v < CSV_MAX_BYTES ? (size_t)v : CSV_MAX_BYTES;
}

/* All of path into *data (read_file: a regular file over the limit is
 * refused by its size; a pipe is read in doubling steps, never more than
 * the limit and one read, and dropped as soon as it passes the limit).
 * Over the limit: one 65 naming path. */
static int read_input(const char *path, char **data, size_t *len, struct mlci_err *err)
{
	size_t max = max_bytes();
	struct stat sb = { 0 };
	const char *gib;

	if (read_file(path, data, len, max, err) == 0)
		return 0;
	if (err->code != MLCI_EXIT_DATAERR)
		return -1;
	gib = max == CSV_MAX_BYTES ? " (1 GiB)" : "";
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "larger than %zu bytes%s, the limit for a CSV read whole into memory",
			       max, gib);
	return err_set(err, MLCI_EXIT_DATAERR, path,
		       "more than %zu bytes%s %s, the limit for a CSV read whole into memory (stopped reading there)",
		       max, gib, S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ?
		       "from this device" : "from a pipe");
}

#define GUNZIP_STEP ((size_t)4 << 20)	/* inflated between the checks */
#define GUNZIP_MAX_LINE ((size_t)16 << 20)	/* as the streaming reader's record cap */

/* *data (len bytes) inflated in place of itself when it is gzip (the
 * magic bytes 1f 8b), every member of it; the limit on what is read
 * whole applies to the text, and no line may pass 16 MiB (a record the
 * streaming reader refuses too). 0, or -1 and a 65 naming path. */
static int gunzip_input(const char *path, char **data, size_t *len,
			struct mlci_err *err)
{
	const unsigned char *in = (const unsigned char *)*data;
	size_t max = max_bytes(), cap, used = 0, line = 0;
	z_stream z;
	char *out;
	int rc;

	if (*len < 2 || in[0] != 0x1f || in[1] != 0x8b)
		return 0;
	cap = *len < max / 4 ? *len * 4 + 4096 : max;
	if (cap > max)
		cap = max;
	memset(&z, 0, sizeof(z));
	if (!(out = malloc(cap + 1)) || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(out);
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
	}
	z.next_in = (unsigned char *)*data;
	z.avail_in = (uInt)*len;	/* read whole: at most 1 GiB */
	for (;;) {
		if (used == cap) {
			char *nb;

			if (cap >= max) {
				rc = err_set(err, MLCI_EXIT_DATAERR, path,
					     "more than %zu bytes%s of text in the gzip data, "
					     "the limit for a CSV read whole into memory",
					     max, max == CSV_MAX_BYTES ? " (1 GiB)" : "");
				goto done;
			}
			cap = cap > max / 2 ? max : cap * 2;
			if (!(nb = realloc(out, cap + 1))) {
				rc = err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
				goto done;
			}
			out = nb;
		}
		{
			size_t room = cap - used < GUNZIP_STEP ? cap - used : GUNZIP_STEP;
			const char *nl, *cr;

			z.next_out = (unsigned char *)out + used;
			z.avail_out = (uInt)room;
			rc = inflate(&z, Z_NO_FLUSH);
			/* the last line end (CR-only files end lines with CR) */
			nl = memrchr(out + used, '\n', room - z.avail_out);
			cr = memrchr(out + used, '\r', room - z.avail_out);
			used += room - z.avail_out;
			if (cr && (!nl || cr > nl))
				nl = cr;
			if (nl)
				line = (size_t)(nl - out) + 1;
		}
		/* a line no CSV has: a bomb inflating to gigabytes stops here */
		if (used - line > GUNZIP_MAX_LINE) {
			rc = err_set(err, MLCI_EXIT_DATAERR, path,
				     "a line longer than %zu bytes (16 MiB) in the gzip data",
				     (size_t)GUNZIP_MAX_LINE);
			goto done;
		}
		if (rc == Z_STREAM_END) {
			if (!z.avail_in)
				break;
			/* another member, or bytes that are not gzip */
			if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) {
				rc = err_set(err, MLCI_EXIT_DATAERR, path,
					     "bytes after the end of the gzip data");
				goto done;
			}
			inflateReset(&z);
		} else if (rc == Z_BUF_ERROR && !z.avail_in) {
			rc = err_set(err, MLCI_EXIT_DATAERR, path,
				     "truncated gzip data: the file ends inside the "
				     "compressed stream");
			goto done;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			rc = err_set(err, MLCI_EXIT_DATAERR, path,
				     "not valid gzip data (%s)",
				     z.msg ? z.msg : "corrupt stream");
			goto done;
		}
	}
	out[used] = '\0';
	free(*data);
	*data = out;
	*len = used;
	out = NULL;
	rc = 0;
done:
	inflateEnd(&z);
	free(out);
	return rc;
}

/* The parser's place, to read the records again from there. */
struct mark {
	char *p, *line_start;
	uint32_t line;
};

static void mark_save(struct mark *m, const struct parser *ps)
{
	m->p = ps->p;
	m->line_start = ps->line_start;
	m->line = ps->line;
}

/* A compact frame's first pass over one record: its numbers, and which
 * columns hold text. */
static int compact_record(struct frame *f, struct csv_store *st,
			  const struct parser *ps, const struct na_set *na,
			  size_t *cap, struct mlci_err *err)
{
	size_t base = f->nrows * f->ncols, i;

	if (grow_cells(f, cap, base + f->ncols, 1, err) < 0)
		return -1;
	if (!st->text && !(st->text = calloc(f->ncols + 1, 1)))
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	for (i = 0; i < f->ncols; i++) {
		const struct field *fd = &ps->fld[i];
		int miss = na_match(na, fd->s, fd->len);
		double v = miss ? NAN : cell_number(fd->s, fd->len);

		f->num[base + i] = v;
		if (!miss && isnan(v))
			st->text[i] = 1;
	}
	return 0;
}

/* A compact frame's second pass, from m: the kept columns' cells and
 * positions, then those cells and the names copied out of the file's
 * bytes, which are freed. */
static int compact_cells(struct frame *f, struct csv_store *st,
			 const struct compact *o, struct parser *ps,
			 const struct na_set *na, const struct mark *m,
			 struct mlci_err *err)
{
	size_t c, r, k, i, n, bytes = 1;
	uint32_t end_line, end_col;
	char *q;

	f->tidx = malloc((f->ncols + 1) * sizeof(*f->tidx));
	f->rowline = malloc((f->nrows + 1) * sizeof(*f->rowline));
	if (!f->tidx || !f->rowline)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	for (c = 0; c < f->ncols; c++) {
		int keep = st->text && st->text[c];

		for (k = 0; !keep && k < o->nkeep; k++)
			keep = o->keep[k] && !strcmp(o->keep[k], f->names[c]);
		f->tidx[c] = keep ? (int)f->ntext++ : -1;
	}
	n = f->nrows * f->ntext;
	f->cells = malloc((n + 1) * sizeof(*f->cells));
	f->line = malloc((n + 1) * sizeof(*f->line));
	f->col = malloc((n + 1) * sizeof(*f->col));
	if (!f->cells || !f->line || !f->col)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	ps->p = m->p;
	ps->line_start = m->line_start;
	ps->line = m->line;
	ps->dry = 0;
	for (r = 0; r < f->nrows; r++) {
		int rc = parse_record(ps, &end_line, &end_col, err);

		if (rc < 0)
			return -1;
		if (rc == 0 || ps->nfld != f->ncols)
			return err_set(err, MLCI_EXIT_SOFTWARE, f->path,
				       "row %zu read differently the second time",
				       r + 1);
		f->rowline[r] = ps->fld[0].line;
		for (c = 0; c < f->ncols; c++) {
			const struct field *fd = &ps->fld[c];
			size_t at;

			if (f->tidx[c] < 0)
				continue;
			at = r * f->ntext + (size_t)f->tidx[c];
			f->cells[at] = na_match(na, fd->s, fd->len) ? NULL : fd->s;
			f->line[at] = fd->line;
			f->col[at] = fd->col;
			if (f->cells[at])
				bytes += fd->len + 1;
		}
	}
	for (c = 0; c < f->ncols; c++)
		bytes += strlen(f->names[c]) + 1;
	st->pool = q = malloc(bytes);
	if (!q)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "out of memory");
	for (c = 0; c < f->ncols; c++) {
		k = strlen(f->names[c]) + 1;
		memcpy(q, f->names[c], k);
		f->names[c] = q;
		q += k;
	}
	for (i = 0; i < n; i++)
		if (f->cells[i]) {
			k = strlen(f->cells[i]) + 1;
			memcpy(q, f->cells[i], k);
			f->cells[i] = q;
			q += k;
		}
	free(st->data);
	st->data = NULL;
	free(st->text);
	st->text = NULL;
	return 0;
}

static int load(struct frame *f, struct csv_store *st, const char *path,
		const struct csv_opts *o, const struct compact *cp,
		struct parser *ps, struct na_set *na,
		const char *mem, size_t mem_len, struct mlci_err *err)
{
	size_t len, cap = 0, i;
	long skipped;
	int have_names = 0, rc;
	uint32_t end_line = 0, end_col = 0;
	struct mark first;	/* where the data records start */

	f->path = strdup(path);
	if (!f->path)
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
	if (na_init(na, o->na, err) < 0)
		return -1;
	if (o->columns) {
		if (names_from_list(f, st, o->columns, err) < 0)
			return -1;
		have_names = 1;
	}
	if (!mem && path && csv_is_jsonl_name(path))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "a JSON Lines file (by its name): this step reads CSV "
			       "(mlci-validate-data reads JSON Lines)");
	if (mem) {
		st->data = malloc(mem_len + 1);
		if (!st->data)
			return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
		memcpy(st->data, mem, mem_len);
		st->data[mem_len] = '\0';
		len = mem_len;
	} else if (read_input(path, &st->data, &len, err) < 0) {
		return -1;
	}
	/* the file's hash is of its bytes as stored (as mlci-validate-data's) */
	sha256_buf(st->data, len, f->sha256);
	if (!mem && gunzip_input(f->path, &st->data, &len, err) < 0)
		return -1;
	if (memchr(st->data, '\0', len))
		return nul_error(f->path, st->data, len, err);
	if (check_utf8(f->path, st->data, len, err) < 0)
		return -1;
	/* classic Mac files end lines with CR alone: read them as LF */
	if (!memchr(st->data, '\n', len)) {
		char *q = st->data;

		while ((q = memchr(q, '\r', len - (size_t)(q - st->data))))
			*q++ = '\n';
	}

	ps->path = f->path;
	ps->p = st->data;
	ps->end = st->data + len;
	ps->line = 1;
	ps->delim = o->delim ? o->delim : csv_default_delim(path);
	ps->trim = o->trim;
	if (len >= 3 && !memcmp(ps->p, "\xef\xbb\xbf", 3))
		ps->p += 3;
	ps->line_start = ps->p;
	for (skipped = 0; skipped < o->skip_rows && ps->p < ps->end; skipped++) {
		char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));

		ps->p = nl ? nl + 1 : ps->end;
		ps->line++;
		ps->line_start = ps->p;
	}
	mark_save(&first, ps);
	ps->dry = cp && have_names;

	while ((rc = parse_record(ps, &end_line, &end_col, err)) > 0) {
		size_t base;

		if (!have_names) {
			if (names_from_header(f, ps, err) < 0)
				return -1;
			have_names = 2;
			mark_save(&first, ps);
			ps->dry = cp != NULL;
			continue;
		}
		if (ps->nfld != f->ncols) {
			/* point at the first extra field, or the row's end */
			int more = ps->nfld > f->ncols;
			uint32_t line = more ? ps->fld[f->ncols].line : end_line;
			uint32_t col = more ? ps->fld[f->ncols].col : end_col;

			if (have_names == 1 && f->nrows == 0)
				return err_set_at(err, MLCI_EXIT_DATAERR, f->path,
						  line, col,
						  "the first row has %zu fields, but "
						  "--columns names %zu",
						  ps->nfld, f->ncols);
			return err_set_at(err, MLCI_EXIT_DATAERR, f->path,
					  line, col,
					  "row has %zu fields, expected %zu",
					  ps->nfld, f->ncols);
		}
		if (cp) {
			if (compact_record(f, st, ps, na, &cap, err) < 0)
				return -1;
			f->nrows++;
			continue;
		}
		base = f->nrows * f->ncols;
		if (grow_cells(f, &cap, base + f->ncols, 0, err) < 0)
			return -1;
		for (i = 0; i < f->ncols; i++) {
			struct field *fd = &ps->fld[i];

			f->cells[base + i] = na_match(na, fd->s, fd->len) ?
				NULL : fd->s;
			/* parsed once here, in file order, for every later
			 * reader of numbers */
			f->num[base + i] = cell_number(f->cells[base + i], fd->len);
			f->line[base + i] = fd->line;
			f->col[base + i] = fd->col;
		}
		f->nrows++;
	}
	if (rc < 0)
		return -1;
	if (have_names != 2 && f->nrows == 0 && o->skip_rows)
		return err_set(err, MLCI_EXIT_DATAERR, f->path,
			       "empty file (after skipping %ld lines)",
			       o->skip_rows);
	if (have_names != 2 && f->nrows == 0)
		return err_set(err, MLCI_EXIT_DATAERR, f->path, "empty file");
	if (f->nrows == 0)
		return err_set(err, MLCI_EXIT_DATAERR, f->path,
			       "a header row but no data rows");
	if (cp)
		return compact_cells(f, st, cp, ps, na, &first, err);
	return 0;
}

static int frame_read(struct frame *f, const char *path, const char *mem,
		      size_t mem_len, const struct csv_opts *o,
		      const struct compact *cp, struct mlci_err *err)
{
	struct csv_opts def;
	struct csv_store *st;
	struct parser ps;
	struct na_set na;
	int rc;

	memset(f, 0, sizeof(*f));
	memset(&ps, 0, sizeof(ps));
	memset(&na, 0, sizeof(na));
	if (!o) {
		csv_opts_init(&def);
		o = &def;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
	f->priv = st;
	rc = load(f, st, path, o, cp, &ps, &na, mem, mem_len, err);
	free(ps.fld);
	free(ps.scratch);
	na_free(&na);
	if (rc < 0) {
		frame_free(f);
		return -1;
	}
	return 0;
}

int frame_load(struct frame *f, const char *path, const struct csv_opts *o,
	       struct mlci_err *err)
{
	return frame_read(f, path, NULL, 0, o, NULL, err);
}

int frame_load_compact(struct frame *f, const char *path,
		       const struct csv_opts *o, const char *const *keep,
		       size_t nkeep, struct mlci_err *err)
{
	struct compact cp = { keep, nkeep };

	return frame_read(f, path, NULL, 0, o, &cp, err);
}

int frame_load_mem(struct frame *f, const char *label, const char *data,
		   size_t n, const struct csv_opts *o, struct mlci_err *err)
{
	return frame_read(f, label, data ? data : "", n, o, NULL, err);
}

void frame_free(struct frame *f)
{
	struct csv_store *st;

	if (!f)
		return;
	st = f->priv;
	if (st) {
		free(st->data);
		free(st->names);
		free(st->pool);
		free(st->text);
		free(st);
	}
	free(f->path);
	free(f->names);
	free(f->cells);
	free(f->line);
	free(f->col);
	free(f->num);
	free(f->tidx);
	free(f->rowline);
	free(f->dev);
	free(f->devf);
	for (size_t k = 0; f->colf && k < f->ndev; k++)
		free(f->colf[k]);
	free(f->colf);
	free(f->didx);
	free(f->mom);
	free(f->store);
	memset(f, 0, sizeof(*f));
}

void frame_view_rows(struct frame *v, const struct frame *f, size_t r0,
		     size_t n)
{
	size_t t = f->tidx ? f->ntext : f->ncols;

	*v = *f;
	v->priv = NULL;
	v->nrows = n;
	v->cells = f->cells + r0 * t;
	v->line = f->line + r0 * t;
	v->col = f->col + r0 * t;
	v->num = f->num ? f->num + r0 * f->ncols : NULL;
	v->rowline = f->rowline ? f->rowline + r0 : NULL;
	v->dev = f->dev ? f->dev + r0 * f->ndev : NULL;
	v->devf = f->devf ? f->devf + r0 * f->ndev : NULL;
}

int frame_find(const struct frame *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ncols; i++)
		if (!strcmp(f->names[i], name))
			return (int)i;
	return -1;
}

void frame_pos(const struct frame *f, size_t r, size_t c, long *line,
	       long *col)
{
	size_t i;

	if (f->tidx && f->tidx[c] < 0) {
		*line = f->rowline ? (long)f->rowline[r] : 0;
		*col = 0;
		return;
	}
	i = f->tidx ? r * f->ntext + (size_t)f->tidx[c] : r * f->ncols + c;
	*line = (long)f->line[i];
	*col = (long)f->col[i];
}

int frame_number(const struct frame *f, size_t r, size_t c, double *out,
		 struct mlci_err *err)
{
	size_t i = r * f->ncols + c;
	const char *s;
	long line, col;

	if ((f->dev || f->devf || f->colf) && f->didx[c] >= 0) {
		size_t k = r * f->ndev + (size_t)f->didx[c];
		double d = f->dev ? f->dev[k] : f->devf ? (double)f->devf[k] :
			(double)f->colf[f->didx[c]][r];

		if (isnan(d))
			return 1;
		*out = f->mom && f->mom[c].mean != 0 ? f->mom[c].mean + d : d;
		return 0;
	}
	/* a number needs no look at its text */
	if (f->num && !isnan(f->num[i])) {
		*out = f->num[i];
		return 0;
	}
	s = frame_cell(f, r, c);
	if (!s)
		return 1;
	if (!f->num && parse_double(s, out) == 0)
		return 0;
	frame_pos(f, r, c, &line, &col);
	return err_set_at(err, MLCI_EXIT_DATAERR, f->path, line, col,
			  "expected a number in column '%.100s', found '%.60s%s'",
			  f->names[c], s, strlen(s) > 60 ? "..." : "");
}

void frame_strip_suffix(struct frame *f, size_t c, const char *suffix)
{
	size_t r, n = suffix ? strlen(suffix) : 0;

	if (!n || c >= f->ncols || !frame_has_text(f, c))
		return;
	for (r = 0; r < f->nrows; r++) {
		char *s = (char *)frame_cell(f, r, c);
		size_t len;

		if (!s)
			continue;
		len = strlen(s);
		if (len >= n && !memcmp(s + len - n, suffix, n)) {
			s[len - n] = '\0';
			if (f->num)
				f->num[r * f->ncols + c] = cell_number(s, len - n);
		}
	}
}
