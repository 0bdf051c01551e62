/* tfevents: CRC-32C against published check values, the record framing,
 * and which members of a training section become curves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "io.h"
#include "tfevents.h"

static void test_tfevents__crc32c_check_values(void **state)
{
	unsigned char z[32], inc[32];
	size_t i;

	(void)state;
	/* the CRC catalogue's check value, and RFC 3720 B.4's vectors */
	assert_int_equal(tfevents_crc32c(0, "123456789", 9), 0xe3069283u);
	memset(z, 0, sizeof(z));
	assert_int_equal(tfevents_crc32c(0, z, 32), 0x8a9136aau);
	memset(z, 0xff, sizeof(z));
	assert_int_equal(tfevents_crc32c(0, z, 32), 0x62a8ab43u);
	for (i = 0; i < 32; i++)
		inc[i] = (unsigned char)i;
	assert_int_equal(tfevents_crc32c(0, inc, 32), 0x46dd794eu);
	/* in pieces as at once */
	assert_int_equal(tfevents_crc32c(tfevents_crc32c(0, inc, 5), inc + 5, 27),
			 0x46dd794eu);
	assert_int_equal(tfevents_mask(0), 0xa282ead8u);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

static void test_tfevents__frames_every_record(void **state)
{
	char dir[] = "/tmp/mlci-tfev-XXXXXX", *path = NULL, *data = NULL;
	json_t *t = json_pack("{s:[f,f,n,f], s:[i,i], s:s, s:f, s:[s]}",
			      "loss_curve", 1.5, 1.0, 0.75, "val", 3, 4,
			      "stop", "gtol", "loss", 0.5, "names", "a");
	struct mlci_err err = { 0 };
	size_t n = 0, at = 0, records = 0;
	long pts;

	(void)state;
	assert_non_null(mkdtemp(dir));
	pts = tfevents_write(dir, t, 1700000000, &path, &err);
	/* loss_curve (3 numbers, a null left out) and val (2): 5 points */
	assert_int_equal(pts, 5);
	assert_non_null(path);
	assert_int_equal(read_file(path, &data, &n, 0, &err), 0);
	while (at < n) {
		const unsigned char *p = (const unsigned char *)data + at;
		uint64_t len = 0;
		int i;

		assert_true(at + 12 <= n);
		for (i = 0; i < 8; i++)
			len |= (uint64_t)p[i] << (8 * i);
		assert_int_equal(le32(p + 8), tfevents_mask(tfevents_crc32c(0, p, 8)));
		assert_true(at + 16 + len <= n);
		assert_int_equal(le32(p + 12 + len),
				 tfevents_mask(tfevents_crc32c(0, p + 12, len)));
		at += 16 + len;
		records++;
	}
	assert_int_equal(records, 6);	/* the file version, then the points */
	assert_non_null(memmem(data, n, "brain.Event:2", 13));
	assert_non_null(memmem(data, n, "train/loss_curve", 16));
	assert_non_null(memmem(data, n, "train/val", 9));
	assert_null(memmem(data, n, "train/names", 11));
	unlink(path);
	free(path);
	free(data);
	json_decref(t);
	/* nothing to write: 0, and no file */
	t = json_pack("{s:i}", "n_rows", 3);
	assert_int_equal(tfevents_write(dir, t, 1, &path, &err), 0);
	assert_null(path);
	json_decref(t);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tfevents__crc32c_check_values),
		cmocka_unit_test(test_tfevents__frames_every_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
