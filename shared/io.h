/*
 * io.h - reading whole files and writing outputs atomically.
 *
 * Every output goes to a temporary file in the target's directory and is
 * renamed into place only when complete, so a killed step never leaves
 * half an artifact. A step with several outputs opens them all, writes
 * them all, and commits them together at the end (afile_commit), or
 * aborts them all on any error.
 */
#ifndef MLCI_IO_H
#define MLCI_IO_H

#include <stdio.h>

#include "error.h"

struct afile_sink;

struct afile {
	FILE *fp;	/* write here between open and commit */
	char *tmp;	/* the temporary file's path (owned) */
	char *path;	/* the final path (owned) */
	int direct;	/* 1: fp writes path itself (no tmp) */
	struct afile_sink *sink;	/* what fp writes through (owned) */
};

/* Create path's temporary file. On failure err has code 73 and names
 * path. The afile must then be committed or aborted. A path naming a
 * symbolic link to a file is resolved: the file is replaced, not the
 * link. A character device or a FIFO (/dev/null, /dev/stdout) is opened
 * and written directly, as by a shell's '>': there is nothing to undo;
 * anything else that is not a regular file is refused (73). */
int afile_open(struct afile *f, const char *path, struct mlci_err *err);

/* Flush, fsync and rename into place; frees f. On failure the temporary
 * is removed, err has code 74, and nothing is left at path's temp. */
int afile_commit(struct afile *f, struct mlci_err *err);

/* Remove the temporary and free f; harmless on a zeroed or committed f. */
void afile_abort(struct afile *f);

/* Why a write to f failed: the first failed write's strerror (stdio
 * keeps only a flag, and errno has moved on by the time a step reports
 * it), else errno's. For "cannot write: %s" before afile_abort. */
const char *afile_error(const struct afile *f);

/* f's file descriptor (to fsync it), -1 when not open. */
int afile_fd(const struct afile *f);

/* Write n bytes to path atomically. */
int write_file_atomic(const char *path, const void *data, size_t n,
		      struct mlci_err *err);

/*
 * Read all of path into a NUL-terminated malloc'd buffer (caller frees
 * *data). max bounds the size (0: 1 GiB). Missing/unreadable: code 66;
 * too large: 65; read error: 74.
 */
int read_file(const char *path, char **data, size_t *n, size_t max,
	      struct mlci_err *err);

/* 1 when a and b name the same file: the same path once the directory is
 * resolved, or two names (links) of one existing file. */
int same_file(const char *a, const char *b);

/* An option naming a file, for check_output_paths. path NULL: not given. */
struct path_role {
	const char *opt;	/* "--out" */
	const char *path;
};

/*
 * Refuse (64) an output that names an input or another output, so nothing
 * a user gave is overwritten and no output silently replaces another:
 * "--out 'data.csv' would overwrite the --data input".
 */
int check_output_paths(const struct path_role *out, size_t nout,
		       const struct path_role *in, size_t nin,
		       struct mlci_err *err);

/* Create directory path and its parents (mode 0755); 73 on failure. */
int mkdir_p(const char *path, struct mlci_err *err);

#endif
