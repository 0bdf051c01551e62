/*
 * fuzz.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * The parsers under test read files by path, so the harnesses hand them
 * the fuzzer's bytes through a memfd (/proc/self/fd/N): no disk I/O, and
 * nothing left behind. Targets that write outputs use fuzz_tmpdir(), a
 * directory made once per process under $FUZZ_TMPDIR (ci/fuzz sets it and
 * removes it afterwards), else on tmpfs when there is one.
 */
#ifndef MLCI_FUZZ_H
#define MLCI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

struct fuzz_file {
	int fd;
	char path[64];
};

/* Put n bytes in a fresh memfd; f->path names it. Aborts on failure (a
 * harness problem, not a finding). */
static inline void fuzz_file_open(struct fuzz_file *f, const void *data,
				  size_t n)
{
	const char *p = data;

	f->fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (f->fd < 0) {
		perror("memfd_create");
		abort();
	}
	while (n) {
		ssize_t w = write(f->fd, p, n);

		if (w <= 0) {
			perror("write memfd");
			abort();
		}
		p += w;
		n -= (size_t)w;
	}
	snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
}

static inline void fuzz_file_close(struct fuzz_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static char fuzz_dir[256];

static inline int fuzz_rm(const char *p, const struct stat *st, int type,
			  struct FTW *ftw)
{
	(void)st; (void)type; (void)ftw;
	return remove(p);
}

static inline void fuzz_tmpdir_remove(void)
{
	if (fuzz_dir[0])
		nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private scratch directory for outputs, made on first use and removed
 * when the process exits normally. */
static inline const char *fuzz_tmpdir(void)
{
	char *dir = fuzz_dir;

	if (!dir[0]) {
		const char *base = getenv("FUZZ_TMPDIR");

		if (!base || !*base)
			base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
			       getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(dir, sizeof(fuzz_dir), "%s/mlci-fuzz-XXXXXX", base);
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
		atexit(fuzz_tmpdir_remove);
	}
	return dir;
}

/*
 * Split data at the separator "\n--\n" into at most max parts; parts[i]
 * and lens[i] point into data. Returns how many parts were found (the
 * last part takes the rest).
 */
#define FUZZ_SEP "\n--\n"
static inline size_t fuzz_split(const uint8_t *data, size_t n,
				const uint8_t **parts, size_t *lens, size_t max)
{
	size_t k = 0, start = 0, i = 0;

	while (k + 1 < max && i + 4 <= n) {
		if (!memcmp(data + i, FUZZ_SEP, 4)) {
			parts[k] = data + start;
			lens[k++] = i - start;
			i += 4;
			start = i;
		} else {
			i++;
		}
	}
	parts[k] = data + start;
	lens[k++] = n - start;
	return k;
}

/* A NUL-terminated copy of n bytes (free it). */
static inline char *fuzz_strndup(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* A failure must carry a code from the exit table and a message.
 * FUZZ_DEBUG=1 prints each one (to see how deep a seed gets). */
static inline void fuzz_check_err(const struct mlci_err *e)
{
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "fuzz: error %d: %s:%ld:%ld: %s\n", e->code,
			e->file, e->line, e->col, e->msg);
	switch (e->code) {
	case MLCI_EXIT_VERDICT: case MLCI_EXIT_USAGE: case MLCI_EXIT_DATAERR:
	case MLCI_EXIT_NOINPUT: case MLCI_EXIT_SOFTWARE:
	case MLCI_EXIT_CANTCREAT: case MLCI_EXIT_IOERR: case MLCI_EXIT_TEMPFAIL:
		break;
	default:
		fprintf(stderr, "error with code %d: %s\n", e->code, e->msg);
		abort();
	}
	if (!e->msg[0]) {
		fprintf(stderr, "error %d without a message\n", e->code);
		abort();
	}
}

#endif
