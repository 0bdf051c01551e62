/*
 * fuzz_archive - the package archive reader (archive_read_tgz) on raw
 * bytes: the gzip layer and, past it, the tar layer. fuzz_tar builds this
 * same file with FUZZ_TAR defined: the harness gzips the input first, so
 * every input is a tar stream and the fuzzer spends its time on headers.
 *
 * An archive that reads is written again (archive_add_* and
 * archive_write_tgz) and must read back with the same files.
 */
#include <assert.h>
#include <string.h>
#include <zlib.h>

#include "archive.h"
#include "fuzz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_TAR
/* gzip n bytes with zlib (level 1: the harness should be cheap). */
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
#endif

static void roundtrip(const struct archive *a)
{
	struct archive b, c;
	struct buf tgz;
	struct mlci_err err = { 0 };
	size_t i;

	archive_init(&b, 0);
	for (i = 0; i < a->n; i++) {
		const struct archive_entry *e = &a->v[i];
		int rc = e->type == ARCHIVE_DIR ?
			archive_add_dir(&b, e->path, &err) :
			archive_add_file(&b, e->path, e->data, e->size,
					 (e->mode & 0100) != 0, &err);

		if (rc < 0) {
			/* a file and a directory of one name: the writer
			 * refuses what the reader took; nothing to compare */
			assert(err.code == MLCI_EXIT_USAGE);
			archive_release(&b);
			return;
		}
	}
	buf_init(&tgz);
	if (archive_write_tgz(&b, &tgz, &err) < 0)
		abort();
	archive_init(&c, 0);
	if (archive_read_tgz(&c, tgz.data, tgz.len, "again.tar.gz", NULL, &err) < 0) {
		fprintf(stderr, "written archive does not read back: %s\n", err.msg);
		abort();
	}
	for (i = 0; i < a->n; i++) {
		const struct archive_entry *e = &a->v[i];
		const struct archive_entry *f = archive_find(&c, e->path);

		assert(f && f->type == e->type && f->size == e->size);
		assert(!e->size || !memcmp(f->data, e->data, e->size));
	}
	archive_release(&c);
	archive_release(&b);
	buf_release(&tgz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* small limits keep each run fast; the bounds themselves are tested */
	const struct archive_limits lim = { 1 << 20, 16 << 20, 1000 };
	struct archive a;
	struct mlci_err err = { 0 };
	const void *in = data;
	size_t n = size, i;
	struct buf gz;

	buf_init(&gz);
#ifdef FUZZ_TAR
	gzip(data, size, &gz);
	in = gz.data;
	n = gz.len;
#endif
	archive_init(&a, 0);
	/* archive_read: gzip or zstd by magic bytes (the tar target is gzip) */
	if (archive_read(&a, in, n, "fuzz.tar.gz", &lim, &err) == 0) {
		assert(a.n <= lim.max_entries);
		for (i = 0; i < a.n; i++) {
			assert(a.v[i].path && a.v[i].path[0] && a.v[i].path[0] != '/');
			assert(archive_find(&a, a.v[i].path) == &a.v[i]);
		}
		roundtrip(&a);
	} else {
		assert(a.n == 0);
		fuzz_check_err(&err);
	}
	archive_release(&a);
	buf_release(&gz);
	return 0;
}
