/*
 * tmpfile.h - for unit tests (after cmocka.h): text written to a fresh
 * temporary file, in $TMPDIR or /tmp. The path is in tmp_path until the
 * next call; the test unlinks it.
 */
#ifndef MLCI_TEST_TMPFILE_H
#define MLCI_TEST_TMPFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tmp_path[256];

/* Write text (n bytes) to a fresh temporary file; return its path. */
static const char *write_tmp(const char *text, size_t n)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "%s/mlci-test.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return tmp_path;
}

#endif
