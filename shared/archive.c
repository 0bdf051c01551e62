#include "archive.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define BLOCK 512
#define RECORD (20 * BLOCK)	/* GNU tar's default blocking factor */
#define CHUNK 65536
#define DEFAULT_MAX ((size_t)1 << 30)
#define DEFAULT_ENTRIES 10000
/* Past BOMB_GRACE bytes, inflating to more than BOMB_RATIO times the
 * compressed bytes read is refused: deflate reaches ~1000:1 only on
 * near-constant data (zeros), real artifacts stay under ~20:1. */
#define BOMB_GRACE ((size_t)16 << 20)
#define BOMB_RATIO 200
#define OCTAL11_MAX 077777777777ULL
#define ZSTD_LEVEL 15
#define ZSTD_WINDOW_LOG_MAX 27	/* 128 MiB: the decoder's memory bound */

/* ---- paths ---------------------------------------------------------- */

/* Sort key: '/' orders before every other byte, so a directory comes
 * right before what it holds. */
static int path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned ca = *a == '/' ? 1 : (unsigned char)*a;
		unsigned cb = *b == '/' ? 1 : (unsigned char)*b;

		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (!ca)
			return 0;
	}
}

static int entry_cmp(const void *x, const void *y)
{
	const struct archive_entry *a = x, *b = y;

	return path_cmp(a->path, b->path);
}

/* A relative path of non-empty components, none "." or "..", no control
 * bytes. Returns NULL when fine, else why not. */
static const char *path_problem(const char *p)
{
	const char *c = p;

	if (!*p)
		return "empty path";
	if (*p == '/')
		return "absolute path";
	while (*c) {
		const char *e = strchr(c, '/');
		size_t len = e ? (size_t)(e - c) : strlen(c);
		size_t i;

		if (len == 0)
			return "empty path component";
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return "'.' or '..' component";
		for (i = 0; i < len; i++)
			if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
				return "control character in path";
		if (!e)
			break;
		c = e + 1;
		if (!*c)
			return "trailing '/'";
	}
	return NULL;
}

/* ---- building ------------------------------------------------------- */

void archive_init(struct archive *a, long long mtime)
{
	memset(a, 0, sizeof(*a));
	a->mtime = mtime < 0 ? 0 : mtime;
}

void archive_release(struct archive *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].path);
		free(a->v[i].data);
	}
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

const struct archive_entry *archive_find(const struct archive *a,
					 const char *path)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].path, path))
			return &a->v[i];
	return NULL;
}

static struct archive_entry *entry_push(struct archive *a)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct archive_entry *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		a->v = v;
		a->cap = cap;
	}
	memset(&a->v[a->n], 0, sizeof(a->v[0]));
	return &a->v[a->n++];
}

/* ustar can hold the path when it fits in name (100) or splits at a '/'
 * into prefix (155) and name (100). is_dir counts the trailing '/'. */
static int ustar_split(const char *path, int is_dir, size_t *split)
{
	size_t len = strlen(path) + (is_dir ? 1 : 0), i;

	*split = 0;
	if (len <= 100)
		return 0;
	for (i = 1; i < len && i <= 155; i++)
		if (path[i] == '/' && len - i - 1 <= 100 && len - i - 1 > 0) {
			*split = i;
			return 0;
		}
	return -1;
}

static int check_new_path(const char *path, int is_dir, struct mlci_err *err)
{
	const char *why = path_problem(path);
	size_t split;

	if (why)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "cannot archive '%s': %s", path, why);
	if (ustar_split(path, is_dir, &split) < 0)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "cannot archive '%s': path too long for ustar", path);
	return 0;
}

static int add_parents(struct archive *a, const char *path,
		       struct mlci_err *err)
{
	const char *s;

	for (s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		char *dir = strndup(path, (size_t)(s - path));
		int rc;

		if (!dir)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		rc = archive_add_dir(a, dir, err);
		free(dir);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int archive_add_dir(struct archive *a, const char *path, struct mlci_err *err)
{
	const struct archive_entry *old;
	struct archive_entry *e;

	if (check_new_path(path, 1, err) < 0)
		return -1;
	old = archive_find(a, path);
	if (old)
		return old->type == ARCHIVE_DIR ? 0 :
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"cannot archive directory '%s': a file has that path", path);
	if (add_parents(a, path, err) < 0)
		return -1;
	e = entry_push(a);
	if (!e || !(e->path = strdup(path))) {
		if (e)
			a->n--;
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	e->type = ARCHIVE_DIR;
	e->mode = 0755;
	e->mtime = a->mtime;
	return 0;
}

int archive_add_file(struct archive *a, const char *path, const void *data,
		     size_t n, int executable, struct mlci_err *err)
{
	struct archive_entry *e;
	unsigned char *copy;

	if (check_new_path(path, 0, err) < 0)
		return -1;
	if (archive_find(a, path))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "cannot archive '%s' twice", path);
	if ((unsigned long long)n > OCTAL11_MAX)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "cannot archive '%s': too large for ustar", path);
	if (add_parents(a, path, err) < 0)
		return -1;
	copy = malloc(n ? n : 1);
	if (!copy)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (n)
		memcpy(copy, data, n);
	e = entry_push(a);
	if (!e || !(e->path = strdup(path))) {
		if (e)
			a->n--;
		free(copy);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	e->type = ARCHIVE_FILE;
	e->mode = executable ? 0755 : 0644;
	e->data = copy;
	e->size = n;
	e->mtime = a->mtime;
	return 0;
}

/* ---- writing -------------------------------------------------------- */

/* width-1 zero-padded octal digits and a NUL, as GNU tar writes them. */
static void put_octal(unsigned char *field, size_t width,
		      unsigned long long v)
{
	size_t i = width - 1;

	field[i] = '\0';
	while (i > 0) {
		field[--i] = (unsigned char)('0' + (v & 7));
		v >>= 3;
	}
}

static void put_str(unsigned char *field, size_t width, const char *s,
		    size_t len)
{
	memcpy(field, s, len < width ? len : width);
}

static void ustar_header(unsigned char h[BLOCK], const struct archive_entry *e,
			 long long mtime)
{
	int is_dir = e->type == ARCHIVE_DIR;
	size_t len = strlen(e->path), split = 0;
	unsigned sum = 0;
	size_t i;
	const char *name = e->path;
	size_t namelen = len;

	memset(h, 0, BLOCK);
	ustar_split(e->path, is_dir, &split);
	if (split) {
		put_str(h + 345, 155, e->path, split);
		name = e->path + split + 1;
		namelen = len - split - 1;
	}
	put_str(h, 100, name, namelen);
	if (is_dir)
		h[namelen] = '/';
	put_octal(h + 100, 8, e->mode);
	put_octal(h + 108, 8, 0);
	put_octal(h + 116, 8, 0);
	put_octal(h + 124, 12, is_dir ? 0 : e->size);
	put_octal(h + 136, 12, (unsigned long long)mtime);
	h[156] = is_dir ? '5' : '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	put_str(h + 265, 32, "root", 4);
	put_str(h + 297, 32, "root", 4);
	put_octal(h + 329, 8, 0);
	put_octal(h + 337, 8, 0);
	memset(h + 148, ' ', 8);
	for (i = 0; i < BLOCK; i++)
		sum += h[i];
	put_octal(h + 148, 7, sum);
	h[155] = ' ';
}

static int tar_bytes(const struct archive *a, struct buf *tar,
		     struct mlci_err *err)
{
	static const unsigned char zero[BLOCK];
	const struct archive_entry **order;
	unsigned long long mtime = (unsigned long long)a->mtime;
	size_t i;

	if (mtime > OCTAL11_MAX)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "archive time %lld is out of range for ustar",
			       a->mtime);
	order = malloc((a->n ? a->n : 1) * sizeof(*order));
	if (!order)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < a->n; i++)
		order[i] = &a->v[i];
	/* sort pointers, not the caller's array */
	for (i = 1; i < a->n; i++) {
		const struct archive_entry *x = order[i];
		size_t j = i;

		while (j > 0 && path_cmp(order[j - 1]->path, x->path) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
	for (i = 0; i < a->n; i++) {
		unsigned char h[BLOCK];
		const struct archive_entry *e = order[i];
		size_t pad = e->size % BLOCK ? BLOCK - e->size % BLOCK : 0;

		ustar_header(h, e, a->mtime);
		if (buf_add(tar, h, BLOCK) < 0 ||
		    (e->type == ARCHIVE_FILE && e->size &&
		     (buf_add(tar, e->data, e->size) < 0 ||
		      buf_add(tar, zero, pad) < 0))) {
			free(order);
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		}
	}
	free(order);
	if (buf_add(tar, zero, BLOCK) < 0 || buf_add(tar, zero, BLOCK) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	while (tar->len % RECORD)
		if (buf_add(tar, zero, BLOCK) < 0)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	return 0;
}

static int gzip_bytes(const unsigned char *in, size_t n, struct buf *out,
		      struct mlci_err *err)
{
	z_stream zs;
	gz_header gh;
	unsigned char chunk[CHUNK];
	size_t off = 0;
	int zrc = Z_OK;

	memset(&zs, 0, sizeof(zs));
	memset(&gh, 0, sizeof(gh));
	gh.os = 3;	/* Unix, whatever machine built the package */
	gh.time = 0;
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "zlib: cannot start deflate");
	if (deflateSetHeader(&zs, &gh) != Z_OK) {
		deflateEnd(&zs);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "zlib: cannot set header");
	}
	while (zrc != Z_STREAM_END) {
		size_t take = n - off;
		int flush;

		if (take > CHUNK)
			take = CHUNK;
		zs.next_in = (unsigned char *)in + off;
		zs.avail_in = (uInt)take;
		off += take;
		flush = off == n ? Z_FINISH : Z_NO_FLUSH;
		do {
			zs.next_out = chunk;
			zs.avail_out = CHUNK;
			zrc = deflate(&zs, flush);
			if (zrc == Z_STREAM_ERROR ||
			    buf_add(out, chunk, CHUNK - zs.avail_out) < 0) {
				deflateEnd(&zs);
				return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
					       "zlib: deflate failed");
			}
		} while (zs.avail_out == 0);
		if (flush == Z_FINISH && zrc != Z_STREAM_END) {
			deflateEnd(&zs);
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
				       "zlib: deflate did not finish");
		}
	}
	deflateEnd(&zs);
	return 0;
}

/* One zstd frame at a fixed level, with the content size and a checksum
 * of the content, single-threaded: the same libzstd gives the same bytes. */
static int zstd_bytes(const unsigned char *in, size_t n, struct buf *out,
		      struct mlci_err *err)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t bound = ZSTD_compressBound(n), got;
	unsigned char *dst;
	int rc = -1;

	if (!cc)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "zstd: out of memory");
	if (!(dst = malloc(bound ? bound : 1))) {
		ZSTD_freeCCtx(cc);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, ZSTD_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_dictIDFlag, 0))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "zstd: cannot set parameters");
		goto done;
	}
	got = ZSTD_compress2(cc, dst, bound, in, n);
	if (ZSTD_isError(got)) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "zstd: %s", ZSTD_getErrorName(got));
		goto done;
	}
	if (buf_add(out, dst, got) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	rc = 0;
done:
	free(dst);
	ZSTD_freeCCtx(cc);
	return rc;
}

int archive_write(const struct archive *a, enum archive_compression c,
		  struct buf *out, struct mlci_err *err)
{
	struct buf tar;
	int rc;

	buf_init(&tar);
	rc = tar_bytes(a, &tar, err);
	if (rc == 0)
		rc = c == ARCHIVE_ZSTD ?
			zstd_bytes((const unsigned char *)tar.data, tar.len, out, err) :
			gzip_bytes((const unsigned char *)tar.data, tar.len, out, err);
	buf_release(&tar);
	return rc;
}

int archive_write_tgz(const struct archive *a, struct buf *out,
		      struct mlci_err *err)
{
	return archive_write(a, ARCHIVE_GZIP, out, err);
}

const char *archive_suffix(enum archive_compression c)
{
	return c == ARCHIVE_ZSTD ? ".tar.zst" : ".tar.gz";
}

int archive_compression_parse(const char *s, enum archive_compression *c)
{
	if (!s || !strcmp(s, "gzip")) {
		*c = ARCHIVE_GZIP;
		return 0;
	}
	if (!strcmp(s, "zstd")) {
		*c = ARCHIVE_ZSTD;
		return 0;
	}
	return -1;
}

int archive_detect(const void *data, size_t n, enum archive_compression *c)
{
	const unsigned char *p = data;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		*c = ARCHIVE_GZIP;
		return 0;
	}
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
		*c = ARCHIVE_ZSTD;
		return 0;
	}
	return -1;
}

/* ---- reading -------------------------------------------------------- */

/*
 * The tar stream is parsed as it is inflated, never held whole: memory is
 * the entries' contents (what the archive really holds, up to the
 * uncompressed limit), not what the gzip layer expands to. A gzip bomb of
 * zeros after the end-of-archive marker costs CPU up to the limit, not
 * memory; an entry is stored as its bytes arrive, so a header claiming
 * more than the stream holds allocates nothing it does not receive.
 */
enum tar_state { T_HEADER, T_DATA, T_PAD, T_END };

struct tar_reader {
	struct archive *a;
	const char *label;
	size_t max_entries;
	size_t max_size;		/* the uncompressed limit: no entry is larger */
	enum tar_state state;
	unsigned char h[BLOCK];		/* the header being gathered */
	size_t hlen;
	size_t off;			/* bytes of tar stream consumed */
	char path[100 + 1 + 155 + 1];	/* the entry being read, as written */
	struct archive_entry *e;	/* where its bytes go, or NULL (skipped) */
	size_t cap;			/* e->data's allocation */
	unsigned long long left;	/* data bytes still to come */
	size_t pad;			/* padding bytes still to come */
};

static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* An octal field: optional leading spaces, digits, then NUL/space. */
static int get_octal(const unsigned char *f, size_t width,
		     unsigned long long *out)
{
	size_t i = 0;
	unsigned long long v = 0;
	int digits = 0;

	if (f[0] & 0x80)
		return -1;	/* base-256: only for sizes we refuse anyway */
	while (i < width && f[i] == ' ')
		i++;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
		if (v > (ULLONG_MAX >> 3))
			return -1;
		v = v * 8 + (unsigned)(f[i] - '0');
	}
	for (; i < width; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	if (!digits)
		return -1;
	*out = v;
	return 0;
}

static int header_sum_ok(const unsigned char *h)
{
	unsigned long long want;
	unsigned long usum = 0;
	long ssum = 0;
	size_t i;

	if (get_octal(h + 148, 8, &want) < 0)
		return 0;
	for (i = 0; i < BLOCK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];

		usum += c;
		ssum += (signed char)c;
	}
	return want == usum || (long long)want == (long long)ssum;
}

static size_t field_len(const unsigned char *f, size_t width)
{
	size_t i = 0;

	while (i < width && f[i])
		i++;
	return i;
}

static const char *type_problem(unsigned char t)
{
	switch (t) {
	case '1': return "hard link entries are not allowed";
	case '2': return "symbolic link entries are not allowed";
	case '3': case '4': return "device entries are not allowed";
	case '6': return "FIFO entries are not allowed";
	case 'x': case 'g': return "pax extended headers are not supported";
	case 'L': case 'K': return "GNU long-name entries are not supported";
	}
	return "unsupported entry type";
}

/* A copy of path for messages: control bytes shown as '?'. */
static void shown_path(char *out, const char *path)
{
	for (; *path; path++)
		*out++ = (unsigned char)*path < 0x20 || *path == 0x7f ? '?' : *path;
	*out = '\0';
}

/* A complete header block in t->h (not the end marker): check it and
 * start its entry. */
static int tar_header(struct tar_reader *t, struct mlci_err *err)
{
	const unsigned char *h = t->h;
	size_t at = t->off - BLOCK;	/* where the header began */
	unsigned long long size, mode, mtime;
	size_t plen = 0, nlen;
	int gnu, is_dir;
	const char *p, *why;
	char *path = t->path, shown[sizeof(t->path)];
	struct archive_entry *e;

	if (memcmp(h + 257, "ustar", 5) != 0)
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "entry at byte %zu is not a ustar header", at);
	if (!header_sum_ok(h))
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "bad header checksum at byte %zu", at);
	gnu = !memcmp(h + 257, "ustar  ", 8);
	if (!gnu && h[345]) {
		plen = field_len(h + 345, 155);
		memcpy(path, h + 345, plen);
		path[plen++] = '/';
	}
	nlen = field_len(h, 100);
	memcpy(path + plen, h, nlen);
	plen += nlen;
	path[plen] = '\0';
	if (h[156] == '5') {
		is_dir = 1;
	} else if (h[156] == '0' || h[156] == '\0') {
		is_dir = 0;
	} else {
		shown_path(shown, path);
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "refusing entry '%s': %s", shown,
			       type_problem(h[156]));
	}
	if (get_octal(h + 124, 12, &size) < 0 ||
	    get_octal(h + 100, 8, &mode) < 0 ||
	    get_octal(h + 136, 12, &mtime) < 0)
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "bad numeric field in the header of '%s'", path);
	if (is_dir && plen > 0 && path[plen - 1] == '/')
		path[--plen] = '\0';
	p = path;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (is_dir && (!*p || !strcmp(p, ".")))
		p = NULL;	/* "./": the archive's root, nothing to record */
	if (p && (why = path_problem(p)) != NULL) {
		shown_path(shown, path);
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "refusing entry '%s': %s", shown, why);
	}
	if (is_dir && size)
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "directory entry '%s' has a size", path);
	if (size > t->max_size)
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "entry '%s' claims %llu bytes, over the %zu-byte limit",
			       path, size, t->max_size);
	t->e = NULL;
	t->cap = 0;
	if (p) {
		if (t->a->n >= t->max_entries)
			return err_set(err, MLCI_EXIT_DATAERR, t->label,
				       "more than %zu entries", t->max_entries);
		e = entry_push(t->a);
		if (!e || !(e->path = strdup(p))) {
			if (e)
				t->a->n--;
			return err_set(err, MLCI_EXIT_SOFTWARE, t->label, "out of memory");
		}
		e->type = is_dir ? ARCHIVE_DIR : ARCHIVE_FILE;
		e->mode = (unsigned)(mode & 0777);
		e->mtime = (long long)mtime;
		if (!is_dir) {
			/* small entries at once; larger ones grow as their
			 * bytes arrive, so a claim costs nothing by itself */
			t->cap = size < CHUNK ? (size_t)size + 1 : CHUNK;
			e->data = malloc(t->cap);
			if (!e->data) {
				free(e->path);
				t->a->n--;
				return err_set(err, MLCI_EXIT_SOFTWARE, t->label,
					       "out of memory");
			}
			t->e = e;
		}
	}
	t->left = size;
	t->pad = size % BLOCK ? BLOCK - (size_t)(size % BLOCK) : 0;
	t->state = size ? T_DATA : T_HEADER;
	return 0;
}

/* Store n bytes of the current entry's data. */
static int tar_store(struct tar_reader *t, const unsigned char *p, size_t n,
		     struct mlci_err *err)
{
	struct archive_entry *e = t->e;

	if (!e)
		return 0;
	if (e->size + n > t->cap) {
		size_t cap = t->cap;
		unsigned char *nd;

		while (cap < e->size + n)
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
		nd = realloc(e->data, cap);
		if (!nd)
			return err_set(err, MLCI_EXIT_SOFTWARE, t->label, "out of memory");
		e->data = nd;
		t->cap = cap;
	}
	memcpy(e->data + e->size, p, n);
	e->size += n;
	return 0;
}

/* Feed n more bytes of the tar stream. */
static int tar_feed(struct tar_reader *t, const unsigned char *p, size_t n,
		    struct mlci_err *err)
{
	while (n) {
		size_t k;

		switch (t->state) {
		case T_HEADER:
			k = BLOCK - t->hlen < n ? BLOCK - t->hlen : n;
			memcpy(t->h + t->hlen, p, k);
			t->hlen += k;
			t->off += k;
			p += k;
			n -= k;
			if (t->hlen < BLOCK)
				break;
			t->hlen = 0;
			if (all_zero(t->h, BLOCK))
				t->state = T_END;
			else if (tar_header(t, err) < 0)
				return -1;
			break;
		case T_DATA:
			k = t->left < n ? (size_t)t->left : n;
			if (tar_store(t, p, k, err) < 0)
				return -1;
			t->left -= k;
			t->off += k;
			p += k;
			n -= k;
			if (!t->left)
				t->state = t->pad ? T_PAD : T_HEADER;
			break;
		case T_PAD:
			k = t->pad < n ? t->pad : n;
			t->pad -= k;
			t->off += k;
			p += k;
			n -= k;
			if (!t->pad)
				t->state = T_HEADER;
			break;
		case T_END:
			/* only zeros (record padding) may follow the marker */
			if (!all_zero(p, n))
				return err_set(err, MLCI_EXIT_DATAERR, t->label,
					       "data after the end-of-archive marker");
			t->off += n;
			n = 0;
			break;
		}
	}
	return 0;
}

/* The stream ended: it must have ended at the end-of-archive marker. */
static int tar_finish(struct tar_reader *t, struct mlci_err *err)
{
	switch (t->state) {
	case T_END:
		return 0;
	case T_DATA:
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "truncated tar: '%s' needs %llu more bytes",
			       t->path, t->left);
	case T_PAD:
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "truncated tar: '%s' is not padded", t->path);
	case T_HEADER:
		break;
	}
	return err_set(err, MLCI_EXIT_DATAERR, t->label,
		       "truncated tar (no end-of-archive marker)");
}

/* got more decompressed bytes, from consumed compressed ones so far:
 * bound the total and the ratio, then feed the tar reader. */
static int take_output(struct tar_reader *t, const unsigned char *p, size_t got,
		       size_t *total, size_t max, unsigned long long consumed,
		       const char *format, struct mlci_err *err)
{
	if (got > max - *total)
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "uncompressed size over the %zu-byte limit", max);
	*total += got;
	if (*total > BOMB_GRACE && *total / BOMB_RATIO > consumed)
		return err_set(err, MLCI_EXIT_DATAERR, t->label,
			       "inflates to over %d times its compressed size (%zu bytes from %llu): refusing a likely %s bomb",
			       BOMB_RATIO, *total, consumed, format);
	return tar_feed(t, p, got, err);
}

/* Decompress one zstd frame, feeding the tar reader as it goes. */
static int unzstd_tar(const unsigned char *in, size_t n, size_t max,
		      struct tar_reader *t, struct mlci_err *err)
{
	const char *label = t->label;
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, n, 0 };
	unsigned char *chunk = malloc(CHUNK);
	size_t total = 0, ret;
	int rc = -1;

	if (!dc || !chunk) {
		err_set(err, MLCI_EXIT_SOFTWARE, label, "out of memory");
		goto done;
	}
	if (ZSTD_isError(ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax,
						ZSTD_WINDOW_LOG_MAX))) {
		err_set(err, MLCI_EXIT_SOFTWARE, label, "zstd: cannot set parameters");
		goto done;
	}
	for (;;) {
		ZSTD_outBuffer ob = { chunk, CHUNK, 0 };

		ret = ZSTD_decompressStream(dc, &ob, &ib);
		if (ZSTD_isError(ret)) {
			err_set(err, MLCI_EXIT_DATAERR, label, "corrupt zstd data: %s",
				ZSTD_getErrorName(ret));
			goto done;
		}
		if (ob.pos &&
		    take_output(t, chunk, ob.pos, &total, max, ib.pos, "zstd", err) < 0)
			goto done;
		if (ret == 0)
			break;	/* the frame is decoded and flushed */
		if (ib.pos == ib.size && ob.pos < ob.size) {
			err_set(err, MLCI_EXIT_DATAERR, label, "truncated zstd stream");
			goto done;
		}
	}
	if (ib.pos != n) {
		err_set(err, MLCI_EXIT_DATAERR, label,
			"trailing data after the zstd frame");
		goto done;
	}
	rc = tar_finish(t, err);
done:
	ZSTD_freeDCtx(dc);
	free(chunk);
	return rc;
}

/* Inflate the gzip stream, feeding the tar reader as it goes. */
static int gunzip_tar(const unsigned char *in, size_t n, size_t max,
		      struct tar_reader *t, struct mlci_err *err)
{
	const char *label = t->label;
	z_stream zs;
	unsigned char *chunk;
	size_t off = 0, total = 0;
	int zrc = Z_OK, rc = -1;

	if (n < 2 || in[0] != 0x1f || in[1] != 0x8b)
		return err_set(err, MLCI_EXIT_DATAERR, label, "not a gzip file");
	chunk = malloc(CHUNK);
	if (!chunk)
		return err_set(err, MLCI_EXIT_SOFTWARE, label, "out of memory");
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK) {
		free(chunk);
		return err_set(err, MLCI_EXIT_SOFTWARE, label, "zlib: cannot start inflate");
	}
	while (zrc != Z_STREAM_END) {
		size_t got;

		if (zs.avail_in == 0) {
			size_t take = n - off;

			if (take == 0) {
				err_set(err, MLCI_EXIT_DATAERR, label, "truncated gzip stream");
				goto done;
			}
			if (take > CHUNK)
				take = CHUNK;
			zs.next_in = (unsigned char *)in + off;
			zs.avail_in = (uInt)take;
			off += take;
		}
		zs.next_out = chunk;
		zs.avail_out = CHUNK;
		zrc = inflate(&zs, Z_NO_FLUSH);
		if (zrc == Z_NEED_DICT || zrc == Z_DATA_ERROR || zrc == Z_STREAM_ERROR) {
			err_set(err, MLCI_EXIT_DATAERR, label, "corrupt gzip data: %s",
				zs.msg ? zs.msg : "invalid stream");
			goto done;
		}
		if (zrc == Z_MEM_ERROR) {
			err_set(err, MLCI_EXIT_SOFTWARE, label, "out of memory");
			goto done;
		}
		got = CHUNK - zs.avail_out;
		if (take_output(t, chunk, got, &total, max, zs.total_in, "gzip", err) < 0)
			goto done;
	}
	if (zs.avail_in != 0 || off != n) {
		err_set(err, MLCI_EXIT_DATAERR, label,
			"trailing data after the gzip stream");
		goto done;
	}
	rc = tar_finish(t, err);
done:
	inflateEnd(&zs);
	free(chunk);
	return rc;
}

static int read_any(struct archive *a, const void *data, size_t n,
		    const char *label, const struct archive_limits *lim,
		    int detect, struct mlci_err *err);

int archive_read_tgz(struct archive *a, const void *data, size_t n,
		     const char *label, const struct archive_limits *lim,
		     struct mlci_err *err)
{
	return read_any(a, data, n, label, lim, 0, err);
}

int archive_read(struct archive *a, const void *data, size_t n,
		 const char *label, const struct archive_limits *lim,
		 struct mlci_err *err)
{
	return read_any(a, data, n, label, lim, 1, err);
}

static int read_any(struct archive *a, const void *data, size_t n,
		    const char *label, const struct archive_limits *lim,
		    int detect, struct mlci_err *err)
{
	enum archive_compression c = ARCHIVE_GZIP;
	size_t max_c = lim && lim->max_compressed ? lim->max_compressed : DEFAULT_MAX;
	size_t max_u = lim && lim->max_uncompressed ? lim->max_uncompressed : DEFAULT_MAX;
	size_t max_e = lim && lim->max_entries ? lim->max_entries : DEFAULT_ENTRIES;
	struct tar_reader t;
	size_t i;
	int rc;

	if (n > max_c)
		return err_set(err, MLCI_EXIT_DATAERR, label,
			       "larger than the %zu-byte limit", max_c);
	memset(&t, 0, sizeof(t));
	t.a = a;
	t.label = label;
	t.max_entries = max_e;
	t.max_size = max_u;
	t.state = T_HEADER;
	if (detect && archive_detect(data, n, &c) < 0)
		return err_set(err, MLCI_EXIT_DATAERR, label,
			       "not a gzip or zstd archive");
	rc = c == ARCHIVE_ZSTD ? unzstd_tar(data, n, max_u, &t, err) :
		gunzip_tar(data, n, max_u, &t, err);
	for (i = 0; rc == 0 && i < a->n; i++) {
		/* give back what growing in chunks left over */
		struct archive_entry *e = &a->v[i];

		if (e->type == ARCHIVE_FILE && e->size >= CHUNK) {
			unsigned char *nd = realloc(e->data, e->size ? e->size : 1);

			if (nd)
				e->data = nd;
		}
	}
	if (rc == 0 && a->n > 1) {
		qsort(a->v, a->n, sizeof(a->v[0]), entry_cmp);
		for (i = 1; i < a->n; i++)
			if (!strcmp(a->v[i - 1].path, a->v[i].path)) {
				rc = err_set(err, MLCI_EXIT_DATAERR, label,
					     "duplicate entry '%s'", a->v[i].path);
				break;
			}
	}
	if (rc < 0)
		archive_release(a);
	return rc;
}
