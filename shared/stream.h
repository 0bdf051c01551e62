/*
 * stream.h - the record reader for data too large to hold: one record
 * at a time, in bounded memory, from plain or gzip-compressed CSV/TSV or
 * JSON Lines, optionally one shard (byte range) of the file.
 *
 * CSV dialect and options: exactly csv.h's (struct csv_opts; RFC 4180
 * quotes with embedded newlines, CRLF, CR-only files, a BOM, blank lines
 * skipped, --skip-rows, --trim, NA tokens, UTF-8 checked with line:col),
 * with csv.c's error messages and exit codes. Differences, all about
 * files larger than one read: the text is checked for NUL bytes and
 * UTF-8 one chunk at a time just before the chunk is parsed, so when a
 * file has several problems, the first chunk's wins (csv.c checks the
 * whole file's encoding first); a file is CR-only when it has no LF at
 * all (as csv.c: a first chunk without an LF makes the reader look
 * through the rest before deciding).
 *
 * Memory: a read buffer of STREAM_CHUNK bytes that grows only to hold a
 * record longer than itself, up to max_record (16 MiB by default; a
 * longer record is a 65 error at its line), plus the current record's
 * fields. Fields point into the buffer: they are valid until the next
 * stream_next.
 *
 * gzip: recognised by its magic bytes (1f 8b) whatever the name, and
 * inflated as it is read (concatenated members too); a file that ends
 * inside the compressed data is a 65 "truncated" error.
 *
 * JSON Lines (--format jsonl, or a name ending .jsonl or .ndjson, before
 * any .gz): each non-blank line one JSON object. The columns are the
 * --columns names (if given) followed by the first object's keys not
 * among them, in order; a later key outside that set is a 65 error at
 * its line and column (one pass cannot widen the table afterwards: name
 * every key with --columns). A key an object leaves out, and null, are
 * missing; strings are the cell text (NA tokens apply to them); true and
 * false become "true"/"false"; integers their decimal digits; reals their
 * shortest round-trip form, with ".0" added when that has no point or
 * exponent (so 1.0 stays a number, not an integer); nested objects and
 * arrays their compact JSON text. A line that is not a JSON object: 65
 * at its line (column from jansson).
 *
 * Sharding: shard K of N (1-based) owns the byte range [start, end) with
 * start = floor((K-1) * size / N), end = floor(K * size / N). It reads
 * every record that BEGINS in its range: its first record is the first
 * one beginning at or after start, and it reads on, past end if need
 * be, until a record begins at or after end. Whether an offset is inside
 * a quoted field is decided by running the CSV grammar's quote states
 * (field start, unquoted, quoted, quote seen, after closing quote) over
 * the bytes from the header's end to the shard's start, a fast byte scan
 * that also counts lines, so line numbers in a shard are the file's.
 * (A plain count of quote characters would be fooled by a quote inside
 * an unquoted field, which csv.c takes literally.) Records of a
 * malformed file (a stray byte after a closing quote) may be split
 * differently; the shard that reads the bad record reports it. Every
 * record belongs to exactly one shard, for any N; the header and
 * --skip-rows lines are read by every shard from the file's start. gzip
 * input cannot be sharded (no random access): 64.
 *
 * SHA-256: of the raw file bytes (compressed bytes for gzip), computed
 * during the pass; for a shard, of the bytes of its range [start, end),
 * so the shards' hashes in order cover the file exactly once.
 */
#ifndef MLCI_STREAM_H
#define MLCI_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "error.h"
#include "hash.h"

#define STREAM_CHUNK ((size_t)1 << 20)
#define STREAM_MAX_RECORD ((size_t)16 << 20)

enum stream_format { STREAM_AUTO, STREAM_CSV, STREAM_JSONL };

struct stream_opts {
	struct csv_opts csv;
	enum stream_format format;
	size_t chunk;		/* read size; 0: STREAM_CHUNK (tests use tiny ones) */
	size_t max_record;	/* longest record; 0: STREAM_MAX_RECORD */
	unsigned shard, nshards;	/* 1-based shard of nshards; 0, 0: the whole file */
};

/* One cell of the current record. */
struct stream_field {
	const char *s;		/* NUL-terminated text; NULL when missing */
	size_t len;
	uint32_t line, col;	/* where it starts, 1-based (col in bytes) */
};

struct stream_priv;

struct stream {
	char *path;
	enum stream_format format;	/* as resolved: STREAM_CSV or STREAM_JSONL */
	int gzip;
	size_t ncols;
	char **names;			/* ncols column names (owned) */
	struct stream_field *fields;	/* ncols: the record stream_next read */
	uint64_t nrecords;		/* records read so far */
	uint64_t file_size;		/* bytes on disk */
	uint64_t range_start, range_end; /* the bytes hashed: the shard's range, or the file */
	uint64_t data_start;		/* offset of the first byte after the header */
	uint64_t first_record;		/* offset where this stream's first record begins */
	uint64_t end_record;		/* offset just past its last record (after the end) */
	char sha256[SHA256_HEX_LEN + 1]; /* of range_start..range_end; set at the end */
	struct stream_priv *priv;
};

/* The fields of a CSV stream's record (format STREAM_CSV) lie in a
 * buffer with STREAM_PAD bytes to spare past its end: from a field's
 * start, at least that many bytes can be read (what follows its NUL is
 * unspecified), for readers that take a word at a time. */
#define STREAM_PAD 32

/* Defaults: csv_opts_init, auto format, whole file. */
void stream_opts_init(struct stream_opts *o);

/* "csv", "jsonl" (or "ndjson") or "auto"; 64 otherwise. */
int stream_format_parse(const char *s, enum stream_format *out,
			struct mlci_err *err);

/* Parse a shard spec "K/N" (1 <= K <= N <= 1000000); 64 naming what is
 * wrong (3/2, 0/2, 1/0, x/2). */
int shard_spec_parse(const char *s, unsigned *k, unsigned *n,
		     struct mlci_err *err);

/*
 * Open path and read up to the first record (the header, or with
 * --columns nothing; for JSON Lines the first object's keys). Errors,
 * all naming path: 66 missing/unreadable; 65 empty file, bad header,
 * encoding, JSON; 64 bad --columns, a shard of gzip or of a file that is
 * not a regular file. *out is NULL on failure. Free with stream_close.
 */
int stream_open(struct stream **out, const char *path,
		const struct stream_opts *o, struct mlci_err *err);

/*
 * Read the next record into s->fields: 1; 0 at the end (s->sha256 is
 * then set); -1 with err on a parse error (csv.c's messages, with line
 * and column), a read error (74), or, reading a whole file, no data rows
 * at all (65). A shard may hold no records.
 */
int stream_next(struct stream *s, struct mlci_err *err);

/* Close and free; safe on NULL. */
void stream_close(struct stream *s);

/*
 * Reading in blocks, for several threads. A plain (not gzip), regular,
 * LF-ended CSV file whose stream is opened but not yet read from can be
 * read as blocks by other streams, each over its own descriptor: a
 * block stream parses from a given offset (a record boundary, or a
 * guess at one: the caller checks its first record against where the
 * block before it stopped), counts lines from 1 there, reads the
 * records that begin before end_limit, and hashes nothing. The parent
 * hashes the bytes (stream_hash_step, in order) and is ended with
 * stream_blocks_end, which sets its counts and sha256 and raises the
 * whole-file errors (no data rows) as stream_next would have.
 */
#define STREAM_BLOCK_CHUNK ((size_t)64 << 10)

/* 1 when s can be read in blocks. */
int stream_can_split(const struct stream *s);
/* Where the first record is to be looked for (after the header, or a
 * shard's first boundary), its line, and the shard's end_limit
 * (UINT64_MAX for the whole file). */
void stream_position(const struct stream *s, uint64_t *off, uint32_t *line,
		     uint64_t *end_limit);
/* A stream over parent's file parsing from offset from; at_data_start:
 * the first row is the file's (for the --columns count message).
 * Close it with stream_close. */
int stream_block_open(struct stream **out, const struct stream *parent,
		      uint64_t from, uint64_t end_limit, int at_data_start,
		      struct mlci_err *err);
/* The first line start at or after offset from (>= 1) of path, or the
 * file's end: a guess at a block's first record (it may be inside a
 * quoted field). 0, or -1 with err set (66). */
int stream_line_start(const char *path, uint64_t from, uint64_t *out,
		      struct mlci_err *err);
/* After stream_next returned 0: the offset where the stream stopped
 * (the next record's start, or the end) and the line there. */
void stream_block_state(const struct stream *s, uint64_t *stop, uint32_t *line);
/* Hash up to max more bytes of the parent's range; *done at its end. */
int stream_hash_step(struct stream *s, size_t max, int *done,
		     struct mlci_err *err);
/* The parent's end after its blocks: counts, sha256, end-of-data errors. */
int stream_blocks_end(struct stream *s, uint64_t nrecords, uint64_t first,
		      uint64_t end, struct mlci_err *err);

#endif
