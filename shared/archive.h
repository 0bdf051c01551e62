/*
 * archive.h - reproducible ustar archives, gzip-compressed with zlib or
 * zstd-compressed with libzstd.
 *
 * Writing: collect entries in a struct archive (paths and bytes are
 * copied), then serialise. The bytes depend only on the entries and the
 * archive's mtime: entries are sorted by path (a directory before what
 * it holds), parent directories are added automatically, uid/gid are 0,
 * uname/gname "root", modes are 0644 (files) or 0755 (directories and
 * files added executable), the gzip header has mtime 0, no file name and
 * OS byte 3 (Unix), and the compression level is fixed (9). The same
 * zlib version therefore always gives the same bytes.
 *
 * zstd instead of gzip (archive_write with ARCHIVE_ZSTD): one frame at
 * level 15, single-threaded, with the content size and a content
 * checksum and no dictionary ID; the same libzstd version gives the same
 * bytes.
 *
 * Reading: a gzip- or zstd-compressed ustar stream (archive_read tells
 * them apart by their magic bytes) is checked as untrusted input.
 * Only regular files and directories are accepted; absolute paths, ".."
 * components, links, devices, FIFOs, pax/GNU extension headers, duplicate
 * paths, bad checksums, truncated or trailing data are refused, and the
 * compressed size, uncompressed size and entry count are bounded, as is
 * the compression ratio: past 16 MiB inflated, more than 200 times the
 * compressed bytes read is refused as a bomb (zstd's window is capped at
 * 128 MiB, bounding the decoder's memory; a second frame or skippable
 * frame is trailing data). The tar stream is
 * parsed as it is inflated, so memory is the entries' contents, never the
 * inflated stream, and a header's size claim allocates nothing by itself.
 * Every refusal is a 65 error naming the archive (and the entry, for a
 * refused entry: "refusing entry 'p/x': symbolic link entries are not
 * allowed").
 */
#ifndef MLCI_ARCHIVE_H
#define MLCI_ARCHIVE_H

#include <stddef.h>

#include "error.h"
#include "util.h"

enum archive_type {
	ARCHIVE_FILE = 0,
	ARCHIVE_DIR = 1,
};

struct archive_entry {
	char *path;		/* relative, '/'-separated, no trailing '/' */
	enum archive_type type;
	unsigned mode;		/* 0644 or 0755 */
	unsigned char *data;	/* owned; NULL for directories */
	size_t size;
	long long mtime;	/* as read; the archive's mtime when writing */
};

struct archive {
	struct archive_entry *v;	/* owned */
	size_t n, cap;
	long long mtime;	/* seconds since the epoch for every entry */
};

enum archive_compression {
	ARCHIVE_GZIP = 0,
	ARCHIVE_ZSTD = 1,
};

/* Limits for reading; a zero field takes the default in brackets. */
struct archive_limits {
	size_t max_compressed;		/* [1 GiB] */
	size_t max_uncompressed;	/* [1 GiB] */
	size_t max_entries;		/* [10000] */
};

/* An empty archive whose entries will carry mtime. */
void archive_init(struct archive *a, long long mtime);

/* Free every entry; the archive is empty (and reusable) afterwards. */
void archive_release(struct archive *a);

/*
 * Add a regular file at path with a copy of n bytes at data; executable
 * gives mode 0755 instead of 0644. Missing parent directories are added.
 * A path that is empty, absolute, has "." / ".." / empty components, is
 * longer than ustar allows or is already present: 64 (a caller's bug or
 * bad name); out of memory: 70.
 */
int archive_add_file(struct archive *a, const char *path, const void *data,
		     size_t n, int executable, struct mlci_err *err);

/* Add a directory entry (and its parents); adding one twice is harmless. */
int archive_add_dir(struct archive *a, const char *path, struct mlci_err *err);

/* The entry at path (no trailing '/'), or NULL. */
const struct archive_entry *archive_find(const struct archive *a,
					 const char *path);

/*
 * Serialise a as a .tar.gz into out (appended; out must be initialised).
 * Entries are written in sorted order. 70 on a zlib or memory failure.
 */
int archive_write_tgz(const struct archive *a, struct buf *out,
		      struct mlci_err *err);

/* As archive_write_tgz, compressed with c. */
int archive_write(const struct archive *a, enum archive_compression c,
		  struct buf *out, struct mlci_err *err);

/* ".tar.gz" or ".tar.zst". */
const char *archive_suffix(enum archive_compression c);

/* "gzip" (or NULL) or "zstd" into *c; -1 for anything else. */
int archive_compression_parse(const char *s, enum archive_compression *c);

/* The compression of the n bytes at data from their magic bytes; -1 when
 * neither gzip's nor zstd's. */
int archive_detect(const void *data, size_t n, enum archive_compression *c);

/* As archive_read_tgz for a .tar.gz or a .tar.zst, told apart by magic
 * bytes; anything else is a 65 "not a gzip or zstd archive". */
int archive_read(struct archive *a, const void *data, size_t n,
		 const char *label, const struct archive_limits *lim,
		 struct mlci_err *err);

/*
 * Parse the n bytes at data as a .tar.gz into a (which must be freshly
 * initialised); label names the archive in errors. On failure a is left
 * empty and err has 65 (or 70 when memory runs out).
 */
int archive_read_tgz(struct archive *a, const void *data, size_t n,
		     const char *label, const struct archive_limits *lim,
		     struct mlci_err *err);

#endif
