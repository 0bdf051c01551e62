/* Unit tests of shared/io.c's reader bounds: read_file on hostile inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "io.h"

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* A sparse file far over the limit is refused from its size, before any
 * of it is read: no time, no memory (it used to read up to the limit). */
static void test_io__read_file_refuses_oversized_file_unread(void **state)
{
	char path[] = "/tmp/mlci-test-io-XXXXXX";
	int fd = mkstemp(path);
	struct mlci_err err = { 0 };
	char *data = (char *)1;
	size_t n = 7;
	long before;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a,b\n1,", 6), 6);
	assert_int_equal(ftruncate(fd, (off_t)4 << 30), 0);	/* 4 GiB, sparse */
	close(fd);
	before = max_rss_kb();
	assert_int_equal(read_file(path, &data, &n, (size_t)256 << 20, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "larger than the 268435456-byte limit"));
	assert_string_equal(err.file, path);
	assert_null(data);
	assert_int_equal(n, 0);
	assert_true(max_rss_kb() - before < 32 * 1024);
	unlink(path);
}

/* A stream without a size (a device, a pipe) is read up to the limit and
 * then refused. */
static void test_io__read_file_bounds_an_endless_stream(void **state)
{
	struct mlci_err err = { 0 };
	char *data = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(read_file("/dev/zero", &data, &n, (size_t)1 << 20, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "larger than the 1048576-byte limit"));
	assert_null(data);
}

/* A file of exactly the limit still reads. */
static void test_io__read_file_takes_a_file_at_the_limit(void **state)
{
	char path[] = "/tmp/mlci-test-io-XXXXXX";
	int fd = mkstemp(path);
	struct mlci_err err = { 0 };
	char buf[1000];
	char *data = NULL;
	size_t n = 0;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	assert_int_equal(read_file(path, &data, &n, sizeof(buf), &err), 0);
	assert_int_equal(n, sizeof(buf));
	assert_int_equal(data[n], '\0');
	free(data);
	assert_int_equal(read_file(path, &data, &n, sizeof(buf) - 1, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io__read_file_refuses_oversized_file_unread),
		cmocka_unit_test(test_io__read_file_bounds_an_endless_stream),
		cmocka_unit_test(test_io__read_file_takes_a_file_at_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
