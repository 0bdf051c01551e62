/*
 * stream.c - the bounded-memory record reader. See stream.h.
 *
 * Layers: a source (read(2) or zlib inflate, hashing the raw bytes of
 * the wanted range as they pass), a buffer whose new bytes are checked
 * for NUL and UTF-8 before anything parses them, and a parser that reads
 * one record from the buffer. The parser never writes to the buffer
 * while a record is incomplete: when it runs out of bytes it says so
 * (NEED), the buffer is refilled (moving the record's start to the
 * front, growing only when the record fills it), and the record is
 * parsed again from its start. Once a record is complete its fields are
 * unescaped and NUL-terminated in place, as csv.c does.
 */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1		/* scan 8 bytes at a time (little-endian byte order) */
#else
#define SWAR 0
#endif
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define LOWS 0x7f7f7f7f7f7f7f7fULL

/* The high bit of each byte of x that is zero, exactly. */
static inline uint64_t zero_bytes(uint64_t x)
{
	return ~(((x & LOWS) + LOWS) | x | LOWS);
}

#define MAX_FIELDS 100000	/* per row, as csv.c */
#define NEED 2			/* the parser needs more bytes */
#define ZIN_SIZE ((size_t)1 << 16)

#define OOM(err, path) err_set((err), MLCI_EXIT_SOFTWARE, (path), "out of memory")

/* ---- source: plain or gzip bytes, hashing a raw byte range ---- */

struct src {
	const char *path;
	int fd;
	int gz;
	z_stream z;
	int z_live;		/* inflateInit2 done */
	int z_end;		/* the last member ended */
	unsigned char *zin;
	int raw_eof;
	uint64_t raw_off;	/* offset of the next raw byte read(2) gives */
	struct sha256_ctx sha;
	int sha_live;
	uint64_t hash_pos, hash_end;	/* raw bytes [hash_pos, hash_end) still to hash */
	int regular;		/* a regular file (a pipe cannot be read twice) */
	unsigned char peek[2];	/* a pipe's first bytes, read to see if it is gzip */
	size_t npeek;
};

static int src_open(struct src *r, const char *path, struct mlci_err *err)
{
	struct stat st;
	unsigned char m[2];

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return err_set(err, MLCI_EXIT_NOINPUT, path, "cannot open: %s",
			       strerror(errno));
	if (fstat(r->fd, &st) != 0)
		st.st_mode = 0;	/* neither a directory nor a regular file */
	if (S_ISDIR(st.st_mode))
		return err_set(err, MLCI_EXIT_NOINPUT, path, "is a directory");
	r->regular = S_ISREG(st.st_mode);
	if (!r->regular) {
		/* no pread on a pipe: its first bytes wait in peek */
		ssize_t got;

		while (r->npeek < 2 &&
		       ((got = read(r->fd, r->peek + r->npeek, 2 - r->npeek)) > 0 ||
			(got < 0 && errno == EINTR)))
			if (got > 0)
				r->npeek += (size_t)got;
		memcpy(m, r->peek, 2);
	}
	if ((r->regular ? pread(r->fd, m, 2, 0) == 2 : r->npeek == 2) &&
	    m[0] == 0x1f && m[1] == 0x8b) {
		r->gz = 1;
		r->zin = malloc(ZIN_SIZE);
		if (!r->zin)
			return OOM(err, path);
		if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
			return OOM(err, path);
		r->z_live = 1;
	}
	r->hash_end = UINT64_MAX;
	return 0;
}

static void src_close(struct src *r)
{
	char hex[SHA256_HEX_LEN + 1];

	if (r->z_live)
		inflateEnd(&r->z);
	free(r->zin);
	if (r->sha_live)
		sha256_final(&r->sha, hex);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static ssize_t read_full(int fd, void *d, size_t n, int64_t at)
{
	ssize_t got;

	do
		got = at < 0 ? read(fd, d, n) : pread(fd, d, n, (off_t)at);
	while (got < 0 && errno == EINTR);
	return got;
}

/* Hash raw bytes up to offset upto that were skipped over (pread). */
static int hash_gap(struct src *r, uint64_t upto, struct mlci_err *err)
{
	unsigned char tmp[65536];

	if (upto > r->hash_end)
		upto = r->hash_end;
	while (r->hash_pos < upto) {
		size_t want = upto - r->hash_pos < sizeof(tmp) ?
			(size_t)(upto - r->hash_pos) : sizeof(tmp);
		ssize_t got = read_full(r->fd, tmp, want, (int64_t)r->hash_pos);

		if (got < 0)
			return err_set(err, MLCI_EXIT_IOERR, r->path,
				       "read error: %s", strerror(errno));
		if (got == 0)
			return err_set(err, MLCI_EXIT_IOERR, r->path,
				       "read error: the file shrank while being read");
		sha256_update(&r->sha, tmp, (size_t)got);
		r->hash_pos += (uint64_t)got;
	}
	return 0;
}

/* n raw bytes at offset at went by: hash what falls in the range. */
static int hash_raw(struct src *r, const void *d, size_t n, uint64_t at,
		    struct mlci_err *err)
{
	uint64_t stop;

	if (at > r->hash_pos && r->hash_pos < r->hash_end &&
	    hash_gap(r, at, err) < 0)
		return -1;
	stop = at + n < r->hash_end ? at + n : r->hash_end;
	if (stop > r->hash_pos && r->hash_pos >= at) {
		sha256_update(&r->sha, (const char *)d + (r->hash_pos - at),
			      (size_t)(stop - r->hash_pos));
		r->hash_pos = stop;
	}
	return 0;
}

static ssize_t raw_read(struct src *r, void *d, size_t n, struct mlci_err *err)
{
	ssize_t got;

	if (r->npeek && n) {
		/* the bytes src_open looked at first */
		got = (ssize_t)(n < r->npeek ? n : r->npeek);
		memcpy(d, r->peek, (size_t)got);
		memmove(r->peek, r->peek + got, r->npeek - (size_t)got);
		r->npeek -= (size_t)got;
	} else {
		got = read_full(r->fd, d, n, -1);
	}

	if (got < 0) {
		err_set(err, MLCI_EXIT_IOERR, r->path, "read error: %s",
			strerror(errno));
		return -1;
	}
	if (hash_raw(r, d, (size_t)got, r->raw_off, err) < 0)
		return -1;
	r->raw_off += (uint64_t)got;
	return got;
}

/* Up to n bytes of content: > 0, 0 at the end, -1 on error. */
static ssize_t src_read(struct src *r, char *d, size_t n, struct mlci_err *err)
{
	if (!r->gz)
		return raw_read(r, d, n, err);
	for (;;) {
		int rc;
		size_t made;

		if (r->z.avail_in == 0 && !r->raw_eof) {
			ssize_t got = raw_read(r, r->zin, ZIN_SIZE, err);

			if (got < 0)
				return -1;
			if (got == 0)
				r->raw_eof = 1;
			r->z.next_in = r->zin;
			r->z.avail_in = (uInt)got;
		}
		if (r->z_end) {
			if (r->z.avail_in == 0 && r->raw_eof)
				return 0;
			if (r->z.avail_in == 0)
				continue;
			/* another member follows, or bytes that are not gzip */
			if (r->z.next_in[0] != 0x1f ||
			    (r->z.avail_in > 1 && r->z.next_in[1] != 0x8b)) {
				err_set(err, MLCI_EXIT_DATAERR, r->path,
					"bytes after the end of the gzip data");
				return -1;
			}
			inflateReset(&r->z);
			r->z_end = 0;
		}
		r->z.next_out = (unsigned char *)d;
		r->z.avail_out = (uInt)(n > (1u << 30) ? (1u << 30) : n);
		made = r->z.avail_out;
		rc = inflate(&r->z, Z_NO_FLUSH);
		made -= r->z.avail_out;
		if (rc == Z_STREAM_END)
			r->z_end = 1;
		else if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR ||
			 rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
			err_set(err, MLCI_EXIT_DATAERR, r->path,
				"not valid gzip data (%s)",
				r->z.msg ? r->z.msg : "corrupt stream");
			return -1;
		}
		if (made)
			return (ssize_t)made;
		if (!r->z_end && r->z.avail_in == 0 && r->raw_eof) {
			err_set(err, MLCI_EXIT_DATAERR, r->path,
				"truncated gzip data: the file ends inside the "
				"compressed stream");
			return -1;
		}
	}
}

/* ---- NA tokens and column names (as csv.c) ---- */

struct na_set {
	char *copy;
	const char **tok;
	size_t *len;
	size_t n;
	uint64_t lens;		/* bit k: a token of k bytes (63: 63 or more) */
};

static int na_init(struct na_set *na, const char *list, struct mlci_err *err)
{
	char *s;
	size_t n = 1, i = 0;

	memset(na, 0, sizeof(*na));
	na->copy = strdup(list ? list : CSV_DEFAULT_NA);
	if (!na->copy)
		return OOM(err, NULL);
	for (s = na->copy; *s; s++)
		n += *s == ',';
	na->tok = calloc(n, sizeof(*na->tok));
	na->len = calloc(n, sizeof(*na->len));
	if (!na->tok || !na->len)
		return OOM(err, NULL);
	s = na->copy;
	for (;;) {
		char *comma = strchr(s, ',');

		if (comma)
			*comma = '\0';
		na->tok[i] = s;
		na->len[i] = strlen(s);
		na->lens |= (uint64_t)1 << (na->len[i] < 63 ? na->len[i] : 63);
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

	if (!(na->lens >> (len < 63 ? len : 63) & 1))
		return 0;	/* no token that long */
	for (i = 0; i < na->n; i++)
		if (na->len[i] == len && (!len || (na->tok[i][0] == s[0] &&
						   !memcmp(na->tok[i], s, len))))
			return 1;
	return 0;
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

/* The first (in order) name repeating an earlier one: 1 with *first and
 * *second set; 0 when none; -1 out of memory. */
static int find_duplicate(char **names, size_t n, size_t *first,
			  size_t *second, struct mlci_err *err)
{
	size_t *idx, k;
	int found = 0;

	if (n < 2)
		return 0;
	idx = malloc(n * sizeof(*idx));
	if (!idx)
		return OOM(err, NULL);
	for (k = 0; k < n; k++)
		idx[k] = k;
	qsort_r(idx, n, sizeof(*idx), cmp_name_idx, names);
	for (k = 1; k < n; k++) {
		if (strcmp(names[idx[k - 1]], names[idx[k]]))
			continue;
		if (!found || idx[k] < *second) {
			size_t a = k - 1;

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

/* ---- the stream ---- */

struct span {
	size_t off, len;	/* in the buffer */
	uint32_t line, col;
	unsigned char esc;	/* quoted with doubled quotes inside */
};

struct stream_priv {
	struct src src;
	char *buf;		/* cap bytes (and STREAM_PAD to spare); buf[len]
				 * is always NUL */
	size_t cap, len, pos, valid;	/* [0, valid) checked; pos: parse position */
	uint64_t off;		/* content offset of buf[0] */
	size_t chunk, max_record;
	int src_eof;
	int crmode;		/* no LF in the file: CR ends lines */
	int cr_decided;
	uint32_t v_line;	/* the checker's line, and its start offset */
	uint64_t v_ls;
	/* a NUL byte or bad UTF-8 at valid: reported when the parser gets
	 * there, so that an error earlier in the file comes first */
	int text_bad;
	struct mlci_err text_err;
	char delim;
	int trim;
	uint32_t line;		/* the parser's line, and its start offset */
	uint64_t line_start;
	struct span *sp;
	size_t nsp, spcap;
	struct na_set na;
	uint64_t end_limit;	/* records must begin before this offset */
	int sharded;
	int have_columns;	/* names from --columns */
	int at_data_start;	/* this stream starts at the file's first record */
	long skip_rows;
	char *names_copy;	/* the --columns copy names point into */
	size_t ncols_list;	/* names from --columns */
	/* JSON Lines */
	struct buf jb;		/* the record's cell text */
	size_t *joff, *jlen;	/* per column; SIZE_MAX: missing */
	uint32_t *jcol;		/* per column: where its value starts */
	uint32_t *vcols;	/* the scanner's value columns, in key order */
	size_t vcap;
	size_t jguess;
	uint32_t first_line;	/* line of the first object */
	int blocks;		/* read as blocks by other streams (stream_block_open) */
};

#define OFF(p, q) ((p)->off + (uint64_t)((q) - (p)->buf))

static uint32_t col_of(const struct stream_priv *p, const char *q)
{
	return (uint32_t)(OFF(p, q) - p->line_start) + 1;
}

static int is_blank(const struct stream_priv *p, char c)
{
	return (c == ' ' || c == '\t') && c != p->delim;
}

/* Does the (content of the) file hold a LF anywhere? 1, 0, or -1. */
static int file_has_lf(const char *path, struct mlci_err *err)
{
	struct src r;
	char *tmp = malloc(STREAM_CHUNK);
	int found = 0;

	if (!tmp)
		return OOM(err, path);
	if (src_open(&r, path, err) < 0) {
		free(tmp);
		src_close(&r);
		return -1;
	}
	for (;;) {
		ssize_t got = src_read(&r, tmp, STREAM_CHUNK, err);

		if (got < 0) {
			found = -1;
			break;
		}
		if (got == 0)
			break;
		if (memchr(tmp, '\n', (size_t)got)) {
			found = 1;
			break;
		}
	}
	src_close(&r);
	free(tmp);
	return found;
}

/* The bad byte at i: the checked bytes end there, the error waits for
 * the parser (refill gives it), and nothing past it counts as the end of
 * the input. */
static void text_bad_at(struct stream_priv *p, size_t i)
{
	p->valid = i;
	p->text_bad = 1;
	p->src_eof = 0;
}

/* Check the new bytes [valid, len) as csv.c does (no NUL byte, UTF-8),
 * stopping before a sequence the next read may complete, or at the
 * first bad byte (text_bad_at). */
static void check_text(struct stream *s)
{
	struct stream_priv *p = s->priv;
	const unsigned char *b = (const unsigned char *)p->buf;
	size_t i = p->valid, end = p->len;
	const char *nul = memchr(p->buf + i, '\0', end - i);

	if (nul)
		end = (size_t)(nul - p->buf);	/* checked up to it */
	while (i < end) {
		unsigned char c;
		size_t n, want;

#ifdef __SSE2__
		/* 32 ASCII bytes at a time, counting the line ends */
		while (i + 32 <= end) {
			const __m128i vn = _mm_set1_epi8('\n');
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
			__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 16));
			uint32_t nl;

			if (_mm_movemask_epi8(_mm_or_si128(x, y)))
				break;
			nl = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vn)) |
				(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(y, vn)) << 16;
			if (nl) {
				p->v_line += (uint32_t)__builtin_popcount(nl);
				p->v_ls = p->off + i + (size_t)(31 - __builtin_clz(nl)) + 1;
			}
			i += 32;
		}
#endif
#if SWAR
		/* eight ASCII bytes at a time, counting the line ends */
		while (i + 8 <= end) {
			uint64_t w, nl;

			memcpy(&w, b + i, 8);
			if (w & HIGHS)
				break;
			nl = zero_bytes(w ^ (ONES * '\n'));
			if (nl) {
				p->v_line += (uint32_t)__builtin_popcountll(nl);
				p->v_ls = p->off + i + (size_t)(63 - __builtin_clzll(nl)) / 8 + 1;
			}
			i += 8;
		}
		if (i >= end)
			break;
#endif
		c = b[i];
		if (c < 0x80) {
			if (c == '\n') {
				p->v_line++;
				p->v_ls = p->off + i + 1;
			}
			i++;
			continue;
		}
		want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 1;
		if (want > 1 && i + want > end && !p->src_eof && !nul) {
			size_t k;

			for (k = i + 1; k < end && (b[k] & 0xC0) == 0x80; k++)
				;
			if (k == end)
				break;	/* the rest may be in the next read */
		}
		/* buf[len] (or the NUL at end) stops utf8_decode */
		n = utf8_decode(b + i, NULL);
		if (!n || i + n > end) {
			err_set_at(&p->text_err, MLCI_EXIT_DATAERR, s->path,
				   p->v_line, (long)(p->off + i - p->v_ls) + 1,
				   "not valid UTF-8 (byte 0x%02x); convert the file, "
				   "e.g. iconv -f latin1 -t utf-8", c);
			text_bad_at(p, i);
			return;
		}
		i += n;
	}
	if (nul && i == end) {
		err_set_at(&p->text_err, MLCI_EXIT_DATAERR, s->path, p->v_line,
			   (long)(p->off + i - p->v_ls) + 1,
			   "a NUL byte: not a text file");
		text_bad_at(p, i);
		return;
	}
	p->valid = i;
}

/* Keep buf[pos, len), read more (growing the buffer when the kept part
 * fills it), check it. */
static int refill(struct stream *s, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	ssize_t got;

	if (p->text_bad) {	/* the parser is at the bad byte */
		*err = p->text_err;
		return -1;
	}
	if (p->pos) {
		memmove(p->buf, p->buf + p->pos, p->len - p->pos);
		p->len -= p->pos;
		p->valid -= p->pos;
		p->off += p->pos;
		p->pos = 0;
	}
	if (p->len + 1 >= p->cap) {
		size_t ncap;
		char *nb;

		if (p->cap - 1 >= p->max_record)
			return err_set_at(err, MLCI_EXIT_DATAERR, s->path, p->line,
					  col_of(p, p->buf),
					  "a record longer than %zu bytes (the reader's limit)",
					  p->max_record);
		ncap = (p->cap - 1) * 2 < p->max_record ?
			(p->cap - 1) * 2 : p->max_record;
		nb = realloc(p->buf, ncap + 1 + STREAM_PAD);
		if (!nb)
			return OOM(err, s->path);
		p->buf = nb;
		p->cap = ncap + 1;
	}
	got = src_read(&p->src, p->buf + p->len, p->cap - 1 - p->len, err);
	if (got < 0)
		return -1;
	if (got == 0)
		p->src_eof = 1;
	if (!p->cr_decided && p->src.regular) {
		/* classic Mac files end lines with CR alone (no LF anywhere) */
		p->cr_decided = 1;
		if (!memchr(p->buf + p->len, '\n', (size_t)got)) {
			int lf = 0;

			if (!p->src_eof && got > 0) {
				lf = file_has_lf(s->path, err);
				if (lf < 0)
					return -1;
			}
			p->crmode = !lf;
		}
	} else if (!p->cr_decided) {
		/* a pipe cannot be read twice: its first line end decides. An
		 * LF: LF or CRLF lines; a CR with a byte after it, or the end
		 * of the input: CR lines. Until then at most one CR came, the
		 * buffer's last byte (the parser waits on it). */
		char *e = p->buf + p->len + got;
		char *cr = memchr(p->buf, '\r', (size_t)(e - p->buf));

		if (memchr(p->buf + p->len, '\n', (size_t)got)) {
			p->cr_decided = 1;
		} else if (p->src_eof || (cr && cr + 1 < e)) {
			p->cr_decided = 1;
			p->crmode = cr != NULL;
			if (cr && cr < p->buf + p->len)
				*cr = '\n';	/* the one that waited */
		}
	}
	if (p->crmode) {
		char *q = p->buf + p->len, *e = q + got;

		while ((q = memchr(q, '\r', (size_t)(e - q))))
			*q++ = '\n';
	}
	p->len += (size_t)got;
	p->buf[p->len] = '\0';
	check_text(s);
	return 0;
}

/* ---- CSV records ---- */

static int add_span(struct stream *s, const char *cell, size_t len,
		    uint32_t line, uint32_t col, int esc, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;

	if (p->nsp >= MAX_FIELDS)
		return err_set_at(err, MLCI_EXIT_DATAERR, s->path, line, col,
				  "more than %d fields in one row", MAX_FIELDS);
	if (p->nsp == p->spcap) {
		size_t ncap = p->spcap ? p->spcap * 2 : 64;
		struct span *ns = realloc(p->sp, ncap * sizeof(*ns));

		if (!ns)
			return OOM(err, s->path);
		p->sp = ns;
		p->spcap = ncap;
	}
	p->sp[p->nsp].off = (size_t)(cell - p->buf);
	p->sp[p->nsp].len = len;
	p->sp[p->nsp].line = line;
	p->sp[p->nsp].col = col;
	p->sp[p->nsp].esc = (unsigned char)esc;
	p->nsp++;
	return 0;
}

/* Skip a line holding nothing (or, with trim, only blanks): 1 skipped,
 * 0 not blank, NEED. */
static int skip_blank_line(struct stream_priv *p, const char *end, int fin)
{
	char *q = p->buf + p->pos;

	if (p->trim)
		while (q < end && is_blank(p, *q))
			q++;
	if (q == end && !fin)
		return NEED;
	if (q < end && *q == '\r') {
		if (q + 1 == end && !fin)
			return NEED;
		if (q + 1 == end || q[1] == '\n')
			q++;
	}
	if (q == end) {
		p->pos = (size_t)(q - p->buf);
		return 1;
	}
	if (*q != '\n')
		return 0;
	p->pos = (size_t)(q + 1 - p->buf);
	p->line++;
	p->line_start = OFF(p, q + 1);
	return 1;
}

#ifdef __SSE2__
/*
 * The common record, 16 bytes at a time: its fields' delimiters and its
 * line end found by comparing whole vectors, when the record (from q,
 * its first byte) ends with a LF inside the checked bytes and holds no
 * quote and no CR (and the reader does not trim). 1: parsed, as
 * parse_record would have; 0: not such a record, nothing done (the
 * bytewise parser takes it); -1 out of memory.
 */
static int fast_record(struct stream *s, char *q, const char *end,
		       uint32_t *end_line, uint32_t *end_col,
		       struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	const __m128i vd = _mm_set1_epi8(p->delim), vn = _mm_set1_epi8('\n');
	const __m128i vq = _mm_set1_epi8('"'), vr = _mm_set1_epi8('\r');
	char *at = q, *cell = q;
	uint32_t line = p->line;
	/* a cell's column: its offset from the line's start, plus one */
	uint64_t col0 = p->line_start - p->off - 1;

	while (at + 16 <= end) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)at);
		unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd));
		unsigned mn = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vn));
		unsigned ms = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vr)));
		unsigned upto = mn ? (mn & -mn) - 1 : 0xffffu;
		struct span *sp;

		if (ms & upto)
			break;
		md &= upto;
		/* room for this vector's fields (17 at most): one check */
		if (p->nsp + 17 >= MAX_FIELDS)
			break;	/* the bytewise parser reports it */
		if (p->nsp + 17 > p->spcap) {
			size_t ncap = p->spcap ? p->spcap * 2 : 64;
			struct span *ns = realloc(p->sp, ncap * sizeof(*ns));

			if (!ns)
				return OOM(err, s->path);
			p->sp = ns;
			p->spcap = ncap;
		}
		sp = p->sp + p->nsp;
		while (md) {
			char *e = at + __builtin_ctz(md);

			sp->off = (size_t)(cell - p->buf);
			sp->len = (size_t)(e - cell);
			sp->line = line;
			sp->col = (uint32_t)((uint64_t)(cell - p->buf) - col0);
			sp->esc = 0;
			sp++;
			cell = e + 1;
			md &= md - 1;
		}
		p->nsp = (size_t)(sp - p->sp);
		if (mn) {
			char *e = at + __builtin_ctz(mn);

			sp->off = (size_t)(cell - p->buf);
			sp->len = (size_t)(e - cell);
			sp->line = line;
			sp->col = (uint32_t)((uint64_t)(cell - p->buf) - col0);
			sp->esc = 0;
			p->nsp++;
			*end_line = line;
			*end_col = col_of(p, e);
			p->pos = (size_t)(e + 1 - p->buf);
			p->line++;
			p->line_start = OFF(p, e + 1);
			return 1;
		}
		at += 16;
	}
	p->nsp = 0;
	return 0;
}
#endif

/*
 * Parse one record at pos into the spans: 1 read, 0 at the end (of the
 * input or of the shard), NEED, -1 on error. *end_line, *end_col: just
 * past its last byte; *rec: its offset.
 */
static int parse_record(struct stream *s, uint32_t *end_line,
			uint32_t *end_col, uint64_t *rec, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	const char *end = p->buf + p->valid;
	int fin = p->src_eof;
	char *q;
	int r;

	p->nsp = 0;
	while (p->buf + p->pos < end) {
		r = skip_blank_line(p, end, fin);
		if (r == NEED)
			return NEED;
		if (!r)
			break;
	}
	if (p->buf + p->pos >= end)
		return fin ? 0 : NEED;
	q = p->buf + p->pos;
	*rec = OFF(p, q);
	if (*rec >= p->end_limit)
		return 0;
#ifdef __SSE2__
	if (!p->trim && p->delim != '"' && p->delim != '\r' && p->delim != '\n') {
		r = fast_record(s, q, end, end_line, end_col, err);
		if (r)
			return r;
	}
#endif
	for (;;) {
		char *cell, *w;
		uint32_t fline, fcol;
		int esc = 0;
		char c;

		if (p->trim)
			while (q < end && is_blank(p, *q))
				q++;
		if (q >= end && !fin)
			return NEED;
		fline = p->line;
		fcol = col_of(p, q);
		if (q < end && *q == '"') {
			uint32_t qline = p->line, qcol = fcol;

			cell = ++q;
			for (;;) {
				if (q >= end) {
					if (!fin)
						return NEED;
					return err_set_at(err, MLCI_EXIT_DATAERR,
							  s->path, qline, qcol,
							  "unterminated quoted field");
				}
				if (*q == '"') {
					if (q + 1 >= end && !fin)
						return NEED;
					if (q + 1 < end && q[1] == '"') {
						esc = 1;
						q += 2;
						continue;
					}
					break;
				}
				if (*q == '\n') {
					p->line++;
					p->line_start = OFF(p, q + 1);
				}
				q++;
			}
			w = q++;	/* the closing quote */
			while (q < end && (*q == ' ' || *q == '\t') && *q != p->delim)
				q++;
			if (q >= end && !fin)
				return NEED;
			if (q < end && *q == '\r') {
				if (q + 1 >= end && !fin)
					return NEED;
				if (q + 1 == end || q[1] == '\n')
					q++;
			}
			if (q < end && *q != p->delim && *q != '\n') {
				unsigned char u = (unsigned char)*q;

				if (u > 0x20 && u < 0x7f)
					return err_set_at(err, MLCI_EXIT_DATAERR,
							  s->path, p->line, col_of(p, q),
							  "unexpected '%c' after a closing quote",
							  u);
				return err_set_at(err, MLCI_EXIT_DATAERR, s->path,
						  p->line, col_of(p, q),
						  "unexpected byte 0x%02x after a closing quote",
						  u);
			}
			c = q < end ? *q : '\0';
		} else {
			char *e = q;
			const char d = p->delim;

			cell = q;
#if SWAR
			while (e + 8 <= end) {
				uint64_t word, hit;

				memcpy(&word, e, 8);
				hit = zero_bytes(word ^ (ONES * (unsigned char)d)) |
					zero_bytes(word ^ (ONES * '\n')) |
					zero_bytes(word ^ (ONES * '\r'));
				if (hit) {
					e += __builtin_ctzll(hit) / 8;
					break;
				}
				e += 8;
			}
#endif
			while (e < end && *e != d && *e != '\n' && *e != '\r')
				e++;
			if (e < end && *e == '\r') {
				/* a CR ends a line with the LF after it (or the
				 * input); alone in a field it is no text of ours */
				if (e + 1 >= end && !fin)
					return NEED;
				if (e + 1 < end && e[1] != '\n')
					return err_set_at(err, MLCI_EXIT_DATAERR, s->path,
							  p->line, col_of(p, e),
							  CSV_LONE_CR);
				c = e + 1 < end ? '\n' : '\0';
				q = e + 1;
			} else {
				if (e >= end && !fin)
					return NEED;
				c = e < end ? *e : '\0';
				q = e;
			}
			if (p->trim)
				while (e > cell && is_blank(p, e[-1]))
					e--;
			w = e;
		}
		if (add_span(s, cell, (size_t)(w - cell), fline, fcol, esc,
			     err) < 0)
			return -1;
		if (q >= end) {
			*end_line = p->line;
			*end_col = col_of(p, q);
			p->pos = (size_t)(q - p->buf);
			return 1;
		}
		if (c == '\n') {
			*end_line = p->line;
			*end_col = col_of(p, q);
			p->pos = (size_t)(q + 1 - p->buf);
			p->line++;
			p->line_start = OFF(p, q + 1);
			return 1;
		}
		q++;	/* past the delimiter */
	}
}

/* Unescape and NUL-terminate the spans in place; fill s->fields. */
static void finish_fields(struct stream *s, int na)
{
	struct stream_priv *p = s->priv;
	size_t i;

	for (i = 0; i < p->nsp; i++) {
		struct span *sp = &p->sp[i];
		char *c = p->buf + sp->off;
		size_t len = sp->len;

		if (sp->esc) {
			char *r = c, *w = c, *e = c + len;

			while (r < e) {
				if (*r == '"')
					r++;
				*w++ = *r++;
			}
			len = (size_t)(w - c);
		}
		c[len] = '\0';
		sp->len = len;
		if (i < s->ncols) {
			s->fields[i].s = na && na_match(&p->na, c, len) ? NULL : c;
			s->fields[i].len = len;
			s->fields[i].line = sp->line;
			s->fields[i].col = sp->col;
		}
	}
}

/* Save and restore the parse state around a NEED. The position is kept
 * as a file offset, not an index into buf: a refill between the save and
 * the restore moves the kept bytes to the front of buf (it discards only
 * what lies before pos, so a mark at or after pos stays in the buffer). */
struct mark {
	uint64_t at;
	uint32_t line;
	uint64_t line_start;
};

static void mark_save(const struct stream_priv *p, struct mark *m)
{
	m->at = p->off + p->pos;
	m->line = p->line;
	m->line_start = p->line_start;
}

static void mark_restore(struct stream_priv *p, const struct mark *m)
{
	p->pos = (size_t)(m->at - p->off);
	p->line = m->line;
	p->line_start = m->line_start;
}

/* Parse a whole CSV record, refilling as needed. */
static int next_csv_record(struct stream *s, uint32_t *el, uint32_t *ec,
			   uint64_t *rec, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	struct mark m;

	for (;;) {
		int rc;

		mark_save(p, &m);
		rc = parse_record(s, el, ec, rec, err);
		if (rc != NEED)
			return rc;
		mark_restore(p, &m);
		if (refill(s, err) < 0)
			return -1;
	}
}

/* Names from --columns: split a private copy on commas, trimming blanks. */
static int names_from_list(struct stream *s, const char *list,
			   struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	size_t n = 1, i = 0, a = 0, b = 0;
	int dup;
	char *q;

	p->names_copy = strdup(list);
	if (!p->names_copy)
		return OOM(err, NULL);
	for (q = p->names_copy; *q; q++)
		n += *q == ',';
	if (n > MAX_FIELDS)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--columns: more than %d names", MAX_FIELDS);
	s->names = calloc(n, sizeof(*s->names));
	if (!s->names)
		return OOM(err, NULL);
	q = p->names_copy;
	for (;;) {
		char *comma = strchr(q, ','), *e;

		if (comma)
			*comma = '\0';
		while (*q == ' ' || *q == '\t')
			q++;
		e = q + strlen(q);
		while (e > q && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*q)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--columns: name %zu is empty", i + 1);
		if (!(s->names[i] = strdup(q)))
			return OOM(err, NULL);
		s->ncols = ++i;
		if (!comma)
			break;
		q = comma + 1;
	}
	s->ncols = n;
	p->ncols_list = n;
	dup = find_duplicate(s->names, n, &a, &b, err);
	if (dup < 0)
		return -1;
	if (dup)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--columns: duplicate column name '%s' "
			       "(names %zu and %zu)", s->names[a], a + 1, b + 1);
	return 0;
}

static int names_from_header(struct stream *s, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	size_t i, a = 0, b = 0;
	int dup;

	finish_fields(s, 0);
	s->names = calloc(p->nsp, sizeof(*s->names));
	if (!s->names)
		return OOM(err, s->path);
	s->ncols = p->nsp;
	for (i = 0; i < p->nsp; i++) {
		if (!p->sp[i].len)
			return err_set_at(err, MLCI_EXIT_DATAERR, s->path,
					  p->sp[i].line, p->sp[i].col,
					  "column %zu has an empty name", i + 1);
		if (!(s->names[i] = strdup(p->buf + p->sp[i].off)))
			return OOM(err, s->path);
	}
	dup = find_duplicate(s->names, s->ncols, &a, &b, err);
	if (dup < 0)
		return -1;
	if (dup)
		return err_set_at(err, MLCI_EXIT_DATAERR, s->path,
				  p->sp[b].line, p->sp[b].col,
				  "duplicate column name '%s' (columns %zu and %zu)",
				  s->names[a], a + 1, b + 1);
	return 0;
}

static int end_of_data(struct stream *s, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;

	if (!p->sharded && s->nrecords == 0) {
		if (p->have_columns && p->skip_rows)
			return err_set(err, MLCI_EXIT_DATAERR, s->path,
				       "empty file (after skipping %ld lines)",
				       p->skip_rows);
		if (p->have_columns)
			return err_set(err, MLCI_EXIT_DATAERR, s->path,
				       "empty file");
		return err_set(err, MLCI_EXIT_DATAERR, s->path,
			       "a header row but no data rows");
	}
	if (p->src.hash_end != UINT64_MAX &&
	    hash_gap(&p->src, p->src.hash_end, err) < 0)
		return -1;
	if (p->src.sha_live) {
		sha256_final(&p->src.sha, s->sha256);
		p->src.sha_live = 0;
	}
	if (p->src.hash_end == UINT64_MAX)
		s->range_end = p->blocks ? p->src.hash_pos : p->src.raw_off;
	return 0;
}

static int csv_next(struct stream *s, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	uint32_t el = 0, ec = 0;
	uint64_t rec = 0;
	int rc = next_csv_record(s, &el, &ec, &rec, err);

	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (!s->nrecords)
			s->first_record = s->end_record = OFF(p, p->buf + p->pos);
		return end_of_data(s, err) < 0 ? -1 : 0;
	}
	if (p->nsp != s->ncols) {
		int more = p->nsp > s->ncols;
		uint32_t line = more ? p->sp[s->ncols].line : el;
		uint32_t col = more ? p->sp[s->ncols].col : ec;

		if (p->have_columns && s->nrecords == 0 && p->at_data_start)
			return err_set_at(err, MLCI_EXIT_DATAERR, s->path, line,
					  col, "the first row has %zu fields, but "
					  "--columns names %zu", p->nsp, s->ncols);
		return err_set_at(err, MLCI_EXIT_DATAERR, s->path, line, col,
				  "row has %zu fields, expected %zu", p->nsp,
				  s->ncols);
	}
	finish_fields(s, 1);
	if (!s->nrecords)
		s->first_record = rec;
	s->nrecords++;
	s->end_record = OFF(p, p->buf + p->pos);
	return 1;
}

/* ---- JSON Lines ---- */

static const char *skip_ws(const char *r, const char *e)
{
	while (r < e && (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n'))
		r++;
	return r;
}

static const char *skip_jstring(const char *r, const char *e)
{
	for (r++; r < e; r++) {
		if (*r == '\\')
			r++;
		else if (*r == '"')
			return r + 1;
	}
	return e;
}

static const char *skip_jvalue(const char *r, const char *e)
{
	int depth = 0;

	if (r < e && *r == '"')
		return skip_jstring(r, e);
	while (r < e) {
		char c = *r;

		if (c == '"') {
			r = skip_jstring(r, e);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (!depth)
				return r;
			depth--;
		} else if (c == ',' && !depth)
			return r;
		r++;
		if (!depth && (c == '}' || c == ']'))
			return r;
	}
	return r;
}

/* The columns (offsets from q, 0-based) of the top-level values of the
 * object text [q, e), in key order; how many. jansson has parsed it. */
static size_t value_offsets(struct stream_priv *p, const char *q,
			    const char *e)
{
	const char *r = skip_ws(q, e);
	size_t n = 0;

	if (r >= e || *r != '{')
		return 0;
	r++;
	for (;;) {
		r = skip_ws(r, e);
		if (r >= e || *r != '"')
			break;
		r = skip_ws(skip_jstring(r, e), e);
		if (r >= e || *r != ':')
			break;
		r = skip_ws(r + 1, e);
		if (n == p->vcap) {
			size_t nc = p->vcap ? p->vcap * 2 : 64;
			uint32_t *nv = realloc(p->vcols, nc * sizeof(*nv));

			if (!nv)
				return n;
			p->vcols = nv;
			p->vcap = nc;
		}
		p->vcols[n++] = (uint32_t)(r - q);
		r = skip_ws(skip_jvalue(r, e), e);
		if (r < e && *r == ',')
			r++;
		else
			break;
	}
	return n;
}

static int find_col(struct stream *s, const char *key)
{
	struct stream_priv *p = s->priv;
	size_t i;

	if (p->jguess < s->ncols && !strcmp(s->names[p->jguess], key))
		return (int)p->jguess++;
	for (i = 0; i < s->ncols; i++)
		if (!strcmp(s->names[i], key)) {
			p->jguess = i + 1;
			return (int)i;
		}
	return -1;
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* A value's cell text, appended to jb with its NUL: 1 added, 0 missing. */
static int value_text(struct stream *s, const json_t *v, size_t *len)
{
	struct stream_priv *p = s->priv;
	char tmp[64];
	size_t start = p->jb.len;
	int rc = 0;

	switch (json_typeof(v)) {
	case JSON_NULL:
		return 0;
	case JSON_STRING: {
		const char *t = json_string_value(v);
		size_t n = json_string_length(v);

		if (na_match(&p->na, t, n))
			return 0;
		rc = buf_add(&p->jb, t, n);
		break;
	}
	case JSON_INTEGER:
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		rc = buf_addstr(&p->jb, tmp);
		break;
	case JSON_REAL:
		fmt_double(tmp, sizeof(tmp) - 2, json_real_value(v));
		rc = buf_addstr(&p->jb, tmp);
		if (!rc && !strpbrk(tmp, ".eEni"))
			rc = buf_addstr(&p->jb, ".0");
		break;
	case JSON_TRUE:
		rc = buf_addstr(&p->jb, "true");
		break;
	case JSON_FALSE:
		rc = buf_addstr(&p->jb, "false");
		break;
	default: {
		char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		rc = t ? buf_addstr(&p->jb, t) : -1;
		free(t);
		break;
	}
	}
	if (rc < 0 || buf_addch(&p->jb, '\0') < 0)
		return -1;
	*len = p->jb.len - start - 1;
	return 1;
}

/* The first object's keys (after any --columns names) become the
 * columns. */
static int jsonl_names(struct stream *s, json_t *o, const char *q,
		       struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	size_t nk = json_object_size(o), n = s->ncols, k = 0;
	const char *key;
	json_t *v;
	char **nn;

	nn = realloc(s->names, (n + nk + 1) * sizeof(*nn));
	if (!nn)
		return OOM(err, s->path);
	s->names = nn;
	json_object_foreach(o, key, v) {
		uint32_t col = k < p->nsp ? col_of(p, q) + p->vcols[k] : 1;
		size_t i;

		k++;
		if (!*key)
			return err_set_at(err, MLCI_EXIT_DATAERR, s->path, p->line,
					  col, "an empty key cannot name a column");
		for (i = 0; i < n && strcmp(s->names[i], key); i++)
			;
		if (i < n)
			continue;
		if (n >= MAX_FIELDS)
			return err_set_at(err, MLCI_EXIT_DATAERR, s->path, p->line,
					  col, "more than %d fields in one row",
					  MAX_FIELDS);
		if (!(s->names[n] = strdup(key)))
			return OOM(err, s->path);
		s->ncols = ++n;	/* stream_close frees names[0, ncols) */
	}
	if (!n)
		return err_set_at(err, MLCI_EXIT_DATAERR, s->path, p->line, 1,
				  "the first object has no keys, so there are no "
				  "columns (name them with --columns)");
	p->first_line = p->line;
	return 0;
}

/* One non-blank line: 1 record (or, names_only, the columns), 0 end,
 * NEED, -1 error. */
static int jsonl_parse(struct stream *s, int names_only, uint64_t *rec,
		       struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	const char *end = p->buf + p->valid;
	int fin = p->src_eof;

	for (;;) {
		const char *q = p->buf + p->pos, *nl, *le, *ce, *r;
		json_error_t je;
		json_t *o, *v;
		const char *key;
		size_t i, k = 0;

		if (q >= end)
			return fin ? 0 : NEED;
		nl = memchr(q, '\n', (size_t)(end - q));
		if (!nl && !fin)
			return NEED;
		le = nl ? nl : end;
		ce = le;
		if (ce > q && ce[-1] == '\r')
			ce--;
		for (r = q; r < ce && (*r == ' ' || *r == '\t' || *r == '\r'); r++)
			;
		if (r == ce) {	/* a blank line */
			p->pos = nl ? (size_t)(nl + 1 - p->buf) : p->valid;
			if (nl) {
				p->line++;
				p->line_start = OFF(p, nl + 1);
			}
			continue;
		}
		*rec = OFF(p, q);
		if (!names_only && *rec >= p->end_limit)
			return 0;
		o = json_loadb(q, (size_t)(ce - q), JSON_REJECT_DUPLICATES, &je);
		if (!o)
			return err_set_at(err, MLCI_EXIT_DATAERR, s->path, p->line,
					  col_of(p, q) + (je.position > 0 ?
							  (uint32_t)je.position - 1 : 0),
					  "not valid JSON: %s", je.text);
		if (!json_is_object(o)) {
			const char *kind = json_kind(o);

			json_decref(o);
			return err_set_at(err, MLCI_EXIT_DATAERR, s->path, p->line,
					  col_of(p, r), "expected a JSON object "
					  "on each line, found %s", kind);
		}
		p->nsp = value_offsets(p, q, ce);
		if (p->nsp != json_object_size(o))
			p->nsp = 0;	/* columns unknown: say 1 */
		if (names_only) {
			int rc = jsonl_names(s, o, q, err);

			json_decref(o);
			return rc < 0 ? -1 : 1;
		}
		buf_reset(&p->jb);
		for (i = 0; i < s->ncols; i++)
			p->joff[i] = SIZE_MAX;
		json_object_foreach(o, key, v) {
			uint32_t col = k < p->nsp ? col_of(p, q) + p->vcols[k] : 1;
			int c = find_col(s, key);
			size_t len = 0;
			int got;

			k++;
			if (c < 0) {
				err_set_at(err, MLCI_EXIT_DATAERR, s->path, p->line,
					   col, "key '%.100s' is not a column (the "
					   "columns are the first object's keys, line "
					   "%u%s); name every key with --columns", key,
					   p->first_line, p->ncols_list ?
					   ", and --columns" : "");
				json_decref(o);
				return -1;
			}
			got = value_text(s, v, &len);
			if (got < 0) {
				json_decref(o);
				return OOM(err, s->path);
			}
			p->jcol[c] = col;
			if (got) {
				p->joff[c] = p->jb.len - len - 1;
				p->jlen[c] = len;
			}
		}
		json_decref(o);
		for (i = 0; i < s->ncols; i++) {
			s->fields[i].s = p->joff[i] == SIZE_MAX ? NULL :
				p->jb.data + p->joff[i];
			s->fields[i].len = p->joff[i] == SIZE_MAX ? 0 : p->jlen[i];
			s->fields[i].line = p->line;
			s->fields[i].col = p->joff[i] == SIZE_MAX ? 1 : p->jcol[i];
		}
		p->pos = nl ? (size_t)(nl + 1 - p->buf) : p->valid;
		if (nl) {
			p->line++;
			p->line_start = OFF(p, nl + 1);
		}
		return 1;
	}
}

static int next_jsonl(struct stream *s, int names_only, uint64_t *rec,
		      struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	struct mark m;

	for (;;) {
		int rc;

		mark_save(p, &m);
		rc = jsonl_parse(s, names_only, rec, err);
		if (rc != NEED)
			return rc;
		mark_restore(p, &m);
		if (refill(s, err) < 0)
			return -1;
	}
}

static int jsonl_next(struct stream *s, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	uint64_t rec = 0;
	int rc = next_jsonl(s, 0, &rec, err);

	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (!s->nrecords)
			s->first_record = s->end_record = OFF(p, p->buf + p->pos);
		return end_of_data(s, err) < 0 ? -1 : 0;
	}
	if (!s->nrecords)
		s->first_record = rec;
	s->nrecords++;
	s->end_record = OFF(p, p->buf + p->pos);
	return 1;
}

/* ---- opening, shards ---- */

void stream_opts_init(struct stream_opts *o)
{
	memset(o, 0, sizeof(*o));
	csv_opts_init(&o->csv);
}

int stream_format_parse(const char *s, enum stream_format *out,
			struct mlci_err *err)
{
	if (!s || !strcmp(s, "auto"))
		*out = STREAM_AUTO;
	else if (!strcmp(s, "csv"))
		*out = STREAM_CSV;
	else if (!strcmp(s, "jsonl") || !strcmp(s, "ndjson"))
		*out = STREAM_JSONL;
	else
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--format: expected csv, jsonl or auto, got '%s'", s);
	return 0;
}

int shard_spec_parse(const char *s, unsigned *k, unsigned *n,
		     struct mlci_err *err)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char a[32], b[32];
	long x, y;

	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(a) ||
	    strlen(slash + 1) >= sizeof(b))
		goto bad;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	memcpy(b, slash + 1, strlen(slash + 1) + 1);
	if (a[0] < '0' || a[0] > '9' || b[0] < '0' || b[0] > '9' ||
	    parse_long(a, &x) < 0 || parse_long(b, &y) < 0)
		goto bad;
	if (y < 1 || y > 1000000)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--shard '%s': the shard count must be 1 to 1000000", s);
	if (x < 1 || x > y)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--shard '%s': the shard number must be 1 to %ld", s, y);
	*k = (unsigned)x;
	*n = (unsigned)y;
	return 0;
bad:
	return err_set(err, MLCI_EXIT_USAGE, NULL,
		       "--shard: expected K/N (shard K of N, 1 <= K <= N), got '%s'",
		       s ? s : "");
}

static enum stream_format format_of(const char *path)
{
	return csv_is_jsonl_name(path) ? STREAM_JSONL : STREAM_CSV;
}

/* Quote states of the CSV grammar, for finding record boundaries. */
enum { Q_FS, Q_UNQ, Q_IN, Q_QUOTE, Q_AFTER, Q_AFTERCR };

/*
 * From offset from (a record boundary, on line *line), find the first
 * record boundary at or after start: *at, and *line the line it is on.
 */
static int find_boundary(struct stream *s, uint64_t from, uint64_t start,
			 uint64_t *at, uint32_t *line, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	size_t bsz = p->chunk > 65536 ? p->chunk : 65536;
	unsigned char *tmp = malloc(bsz);
	uint64_t x = from;
	uint32_t nl = 0;
	int st = Q_FS, bound = 1, jsonl = s->format == STREAM_JSONL;
	const unsigned char d = (unsigned char)p->delim;

	if (!tmp)
		return OOM(err, s->path);
	while (x < s->file_size) {
		size_t want = s->file_size - x < bsz ? (size_t)(s->file_size - x) : bsz;
		ssize_t got = read_full(p->src.fd, tmp, want, (int64_t)x), i;

		if (got < 0) {
			free(tmp);
			return err_set(err, MLCI_EXIT_IOERR, s->path,
				       "read error: %s", strerror(errno));
		}
		if (got == 0)
			break;
		for (i = 0; i < got; i++, x++) {
			unsigned char c = tmp[i];

			if (bound && x >= start)
				goto done;
			if (c == '\r' && p->crmode)
				c = '\n';
			if (jsonl) {
				bound = c == '\n';
				nl += bound;
				continue;
			}
			switch (st) {
			case Q_FS:
				if (c == '"')
					st = Q_IN;
				else if (c == d || c == '\n')
					st = Q_FS;
				else if (!(p->trim && (c == ' ' || c == '\t')))
					st = Q_UNQ;
				break;
			case Q_UNQ:
				if (c == d || c == '\n')
					st = Q_FS;
				break;
			case Q_IN:
				if (c == '"')
					st = Q_QUOTE;
				break;
			case Q_QUOTE:
			case Q_AFTER:
				if (c == '"' && st == Q_QUOTE)
					st = Q_IN;
				else if (c == d || c == '\n')
					st = Q_FS;
				else if (c == ' ' || c == '\t')
					st = Q_AFTER;
				else if (c == '\r')
					st = Q_AFTERCR;
				else
					st = Q_UNQ;	/* malformed */
				break;
			default:	/* Q_AFTERCR */
				st = c == '\n' ? Q_FS : Q_UNQ;
				break;
			}
			if (c == '\n')
				nl++;
			bound = c == '\n' && st == Q_FS;
		}
	}
done:
	free(tmp);
	*at = x;
	*line += nl;
	return 0;
}

/* Skip the --skip-rows lines (raw lines, quotes ignored, as csv.c). */
static int skip_lines(struct stream *s, long n, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	long done = 0;

	while (done < n) {
		char *q = p->buf + p->pos, *end = p->buf + p->valid, *nl;

		if (q >= end && p->src_eof)
			break;
		nl = memchr(q, '\n', (size_t)(end - q));
		if (nl) {
			p->pos = (size_t)(nl + 1 - p->buf);
			p->line++;
			p->line_start = OFF(p, nl + 1);
			done++;
			continue;
		}
		if (p->src_eof) {	/* a last line without LF */
			p->pos = p->valid;
			p->line++;
			p->line_start = OFF(p, end);
			done++;
			continue;
		}
		p->pos = p->valid;
		if (refill(s, err) < 0)
			return -1;
	}
	return 0;
}

static int open_stream(struct stream *s, const char *path,
		       const struct stream_opts *o, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	struct stat st;
	uint64_t start = 0, end = 0, rec = 0;
	uint32_t data_line;
	int rc;

	p->src.fd = -1;
	p->chunk = o->chunk ? o->chunk : STREAM_CHUNK;
	p->max_record = o->max_record ? o->max_record : STREAM_MAX_RECORD;
	if (p->max_record < p->chunk)
		p->max_record = p->chunk;
	p->delim = o->csv.delim ? o->csv.delim : csv_default_delim(path);
	p->trim = o->csv.trim;
	p->skip_rows = o->csv.skip_rows;
	p->end_limit = UINT64_MAX;
	buf_init(&p->jb);
	if (!(s->path = strdup(path)))
		return OOM(err, path);
	if (o->nshards && (o->shard < 1 || o->shard > o->nshards))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--shard %u/%u: the shard number must be 1 to %u",
			       o->shard, o->nshards, o->nshards);
	if (na_init(&p->na, o->csv.na, err) < 0)
		return -1;
	if (o->csv.columns) {
		if (names_from_list(s, o->csv.columns, err) < 0)
			return -1;
		p->have_columns = 1;
	}
	s->format = o->format == STREAM_AUTO ? format_of(path) : o->format;
	if (src_open(&p->src, s->path, err) < 0)
		return -1;
	s->gzip = p->src.gz;
	if (fstat(p->src.fd, &st) == 0)
		s->file_size = (uint64_t)st.st_size;
	if (o->nshards) {
		if (p->src.gz)
			return err_set(err, MLCI_EXIT_USAGE, s->path,
				       "gzip-compressed input cannot be sharded "
				       "(no random access): validate it whole, or "
				       "decompress it first");
		if (!S_ISREG(st.st_mode))
			return err_set(err, MLCI_EXIT_USAGE, s->path,
				       "only a regular file can be sharded");
		p->sharded = 1;
		start = (uint64_t)((unsigned __int128)s->file_size *
				   (o->shard - 1) / o->nshards);
		end = (uint64_t)((unsigned __int128)s->file_size * o->shard /
				 o->nshards);
		p->src.hash_pos = start;
		p->src.hash_end = end;
		s->range_start = start;
		s->range_end = end;
	} else {
		s->range_end = s->file_size;
	}
	if (sha256_init(&p->src.sha) < 0)
		return OOM(err, s->path);
	p->src.sha_live = 1;
	p->cap = p->chunk + 1;
	p->buf = malloc(p->cap + STREAM_PAD);
	if (!p->buf)
		return OOM(err, s->path);
	p->buf[0] = '\0';
	p->line = p->v_line = 1;
	while (p->len < 3 && !p->src_eof)
		if (refill(s, err) < 0)
			return -1;
	if (p->len >= 3 && !memcmp(p->buf, "\xef\xbb\xbf", 3)) {
		p->pos = 3;
		p->line_start = 3;
	}
	if (skip_lines(s, p->skip_rows, err) < 0)
		return -1;
	if (s->format == STREAM_CSV && !p->have_columns) {
		uint32_t el, ec;

		rc = next_csv_record(s, &el, &ec, &rec, err);
		if (rc < 0)
			return -1;
		if (rc == 0 && p->skip_rows)
			return err_set(err, MLCI_EXIT_DATAERR, s->path,
				       "empty file (after skipping %ld lines)",
				       p->skip_rows);
		if (rc == 0)
			return err_set(err, MLCI_EXIT_DATAERR, s->path,
				       "empty file");
		if (names_from_header(s, err) < 0)
			return -1;
	}
	s->data_start = OFF(p, p->buf + p->pos);
	data_line = p->line;
	if (s->format == STREAM_JSONL) {
		struct mark m;

		mark_save(p, &m);
		rc = next_jsonl(s, 1, &rec, err);
		if (rc < 0)
			return -1;
		if (rc == 0 && p->skip_rows)
			return err_set(err, MLCI_EXIT_DATAERR, s->path,
				       "empty file (after skipping %ld lines)",
				       p->skip_rows);
		if (rc == 0)
			return err_set(err, MLCI_EXIT_DATAERR, s->path,
				       "empty file");
		mark_restore(p, &m);
	}
	s->fields = calloc(s->ncols ? s->ncols : 1, sizeof(*s->fields));
	p->joff = calloc(s->ncols ? s->ncols : 1, sizeof(*p->joff));
	p->jlen = calloc(s->ncols ? s->ncols : 1, sizeof(*p->jlen));
	p->jcol = calloc(s->ncols ? s->ncols : 1, sizeof(*p->jcol));
	if (!s->fields || !p->joff || !p->jlen || !p->jcol)
		return OOM(err, s->path);
	p->at_data_start = 1;
	if (p->sharded) {
		p->end_limit = end;
		if (start > s->data_start) {
			uint64_t at = 0;
			uint32_t line = data_line;

			if (find_boundary(s, s->data_start, start, &at, &line,
					  err) < 0)
				return -1;
			if (lseek(p->src.fd, (off_t)at, SEEK_SET) < 0)
				return err_set(err, MLCI_EXIT_IOERR, s->path,
					       "cannot seek: %s", strerror(errno));
			p->src.raw_off = at;
			p->off = at;
			p->len = p->pos = p->valid = 0;
			p->buf[0] = '\0';
			p->src_eof = 0;
			p->line = p->v_line = line;
			p->line_start = p->v_ls = at;
			p->at_data_start = at == s->data_start;
		}
	}
	return 0;
}

int stream_open(struct stream **out, const char *path,
		const struct stream_opts *o, struct mlci_err *err)
{
	struct stream *s = calloc(1, sizeof(*s));
	struct stream_opts def;

	*out = NULL;
	if (!o) {
		stream_opts_init(&def);
		o = &def;
	}
	if (!s || !(s->priv = calloc(1, sizeof(*s->priv)))) {
		free(s);
		return OOM(err, path);
	}
	if (open_stream(s, path, o, err) < 0) {
		stream_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

int stream_next(struct stream *s, struct mlci_err *err)
{
	return s->format == STREAM_JSONL ? jsonl_next(s, err) : csv_next(s, err);
}

void stream_close(struct stream *s)
{
	struct stream_priv *p;
	size_t i;

	if (!s)
		return;
	p = s->priv;
	if (p) {
		if (p->src.fd >= 0 || p->src.z_live || p->src.sha_live)
			src_close(&p->src);
		free(p->buf);
		free(p->sp);
		na_free(&p->na);
		free(p->names_copy);
		buf_release(&p->jb);
		free(p->joff);
		free(p->jlen);
		free(p->jcol);
		free(p->vcols);
		free(p);
	}
	for (i = 0; s->names && i < s->ncols; i++)
		free(s->names[i]);
	free(s->names);
	free(s->fields);
	free(s->path);
	free(s);
}

/* ---- reading in blocks (see stream.h) ---- */

int stream_can_split(const struct stream *s)
{
	const struct stream_priv *p = s->priv;
	struct stat st;

	return s->format == STREAM_CSV && !s->gzip && p->cr_decided &&
		!p->crmode && s->nrecords == 0 && fstat(p->src.fd, &st) == 0 &&
		S_ISREG(st.st_mode);
}

void stream_position(const struct stream *s, uint64_t *off, uint32_t *line,
		     uint64_t *end_limit)
{
	const struct stream_priv *p = s->priv;

	*off = OFF(p, p->buf + p->pos);
	*line = p->line;
	*end_limit = p->end_limit;
}

int stream_block_open(struct stream **out, const struct stream *parent,
		      uint64_t from, uint64_t end_limit, int at_data_start,
		      struct mlci_err *err)
{
	const struct stream_priv *pp = parent->priv;
	struct stream *s = calloc(1, sizeof(*s));
	struct stream_priv *p;

	*out = NULL;
	if (!s || !(s->priv = calloc(1, sizeof(*s->priv)))) {
		free(s);
		return OOM(err, parent->path);
	}
	p = s->priv;
	p->src.fd = -1;
	buf_init(&p->jb);
	s->format = STREAM_CSV;
	s->ncols = parent->ncols;
	s->file_size = parent->file_size;
	p->chunk = STREAM_BLOCK_CHUNK;
	p->max_record = pp->max_record;
	p->delim = pp->delim;
	p->trim = pp->trim;
	p->end_limit = end_limit;
	p->sharded = 1;		/* no "no data rows" error: the caller counts */
	p->have_columns = pp->have_columns;
	p->at_data_start = at_data_start;
	p->cr_decided = 1;
	if (!(s->path = strdup(parent->path)))
		goto oom;
	/* the parent's NA tokens (the texts stay the parent's) */
	p->na.n = pp->na.n;
	p->na.lens = pp->na.lens;
	p->na.tok = calloc(p->na.n ? p->na.n : 1, sizeof(*p->na.tok));
	p->na.len = calloc(p->na.n ? p->na.n : 1, sizeof(*p->na.len));
	if (!p->na.tok || !p->na.len)
		goto oom;
	memcpy(p->na.tok, pp->na.tok, p->na.n * sizeof(*p->na.tok));
	memcpy(p->na.len, pp->na.len, p->na.n * sizeof(*p->na.len));
	if (src_open(&p->src, s->path, err) < 0) {
		stream_close(s);
		return -1;
	}
	p->src.hash_end = 0;	/* hashes nothing */
	if (p->src.gz || lseek(p->src.fd, (off_t)from, SEEK_SET) < 0) {
		err_set(err, MLCI_EXIT_IOERR, s->path, "cannot seek: %s",
			strerror(errno));
		stream_close(s);
		return -1;
	}
	p->src.raw_off = from;
	p->off = from;
	p->line = p->v_line = 1;
	p->line_start = p->v_ls = from;
	p->cap = p->chunk + 1;
	s->fields = calloc(s->ncols ? s->ncols : 1, sizeof(*s->fields));
	if (!(p->buf = malloc(p->cap + STREAM_PAD)) || !s->fields)
		goto oom;
	p->buf[0] = '\0';
	s->data_start = from;
	*out = s;
	return 0;
oom:
	stream_close(s);
	return OOM(err, parent->path);
}

int stream_line_start(const char *path, uint64_t from, uint64_t *out,
		      struct mlci_err *err)
{
	char tmp[4096];
	uint64_t at = from - 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, MLCI_EXIT_NOINPUT, path, "cannot open: %s",
			       strerror(errno));
	for (;;) {
		ssize_t got = pread(fd, tmp, sizeof(tmp), (off_t)at);
		const char *nl;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			*out = at;
			break;
		}
		nl = memchr(tmp, '\n', (size_t)got);
		if (nl) {
			*out = at + (uint64_t)(nl - tmp) + 1;
			break;
		}
		at += (uint64_t)got;
	}
	close(fd);
	return 0;
}

void stream_block_state(const struct stream *s, uint64_t *stop, uint32_t *line)
{
	const struct stream_priv *p = s->priv;

	*stop = OFF(p, p->buf + p->pos);
	*line = p->line;
}

int stream_hash_step(struct stream *s, size_t max, int *done,
		     struct mlci_err *err)
{
	struct stream_priv *p = s->priv;
	uint64_t end = p->src.hash_end != UINT64_MAX ? p->src.hash_end :
		s->file_size, upto;

	p->blocks = 1;
	upto = end - p->src.hash_pos < max ? end : p->src.hash_pos + max;
	if (p->src.hash_pos < end && hash_gap(&p->src, upto, err) < 0)
		return -1;
	*done = p->src.hash_pos >= end;
	return 0;
}

int stream_blocks_end(struct stream *s, uint64_t nrecords, uint64_t first,
		      uint64_t end, struct mlci_err *err)
{
	struct stream_priv *p = s->priv;

	p->blocks = 1;
	s->nrecords = nrecords;
	s->first_record = first;
	s->end_record = end;
	return end_of_data(s, err);
}
