#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void test_util__parse_double_accepts_decimal_forms(void **state)
{
	double v;

	assert_int_equal(parse_double("1.5", &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(parse_double("-2e3", &v), 0);
	assert_true(v == -2000.0);
	assert_int_equal(parse_double(".5", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(parse_double("7.", &v), 0);
	assert_true(v == 7.0);
	assert_int_equal(parse_double("+3", &v), 0);
	assert_true(v == 3.0);
}

static void test_util__parse_double_refuses_junk(void **state)
{
	double v = 42;
	const char *bad[] = { "", " 1", "1 ", "abc", "1,5", "nan", "inf",
			      "0x10", "1e", "e5", ".", "-", "1e400", "1.2.3" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_double(bad[i], &v), -1);
	assert_true(v == 42);
}

static void test_util__parse_long_is_strict(void **state)
{
	long v;

	assert_int_equal(parse_long("123", &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(parse_long("-7", &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(parse_long("12x", &v), -1);
	assert_int_equal(parse_long("", &v), -1);
	assert_int_equal(parse_long(" 1", &v), -1);
	assert_int_equal(parse_long("99999999999999999999999", &v), -1);
}

static void test_util__buf_grows_and_detaches(void **state)
{
	struct buf b;
	char *s;
	size_t n;
	int i;

	buf_init(&b);
	assert_string_equal(b.data, "");
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i), 0);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	s = buf_detach(&b, &n);
	assert_int_equal(n, strlen(s));
	assert_string_equal(b.data, "");
	free(s);
	buf_release(&b);
}

static void test_util__buf_respects_max(void **state)
{
	struct buf b;

	buf_init(&b);
	b.max = 4;
	assert_int_equal(buf_addstr(&b, "abcd"), 0);
	assert_int_equal(buf_addch(&b, 'e'), -1);
	assert_string_equal(b.data, "abcd");
	buf_release(&b);
}

static void test_util__fmt_double_is_shortest_round_trip(void **state)
{
	char s[32];

	fmt_double(s, sizeof(s), 0.1);
	assert_string_equal(s, "0.1");
	fmt_double(s, sizeof(s), 0.1 + 0.2);
	assert_string_equal(s, "0.30000000000000004");
	fmt_double(s, sizeof(s), 1e-300);
	assert_string_equal(s, "1e-300");
	fmt_double(s, sizeof(s), 3.0);
	assert_string_equal(s, "3");
	fmt_double(s, sizeof(s), 20.0);
	assert_string_equal(s, "20");
	fmt_double(s, sizeof(s), -100.0);
	assert_string_equal(s, "-100");
	fmt_double(s, sizeof(s), -0.0);
	assert_string_equal(s, "0");
	fmt_double(s, sizeof(s), 1e20);
	assert_string_equal(s, "1e+20");
	fmt_double(s, sizeof(s), 1234.5);
	assert_string_equal(s, "1234.5");
}

static void test_util__utf8_decode_refuses_malformed_sequences(void **state)
{
	unsigned cp;

	assert_int_equal(utf8_decode((const unsigned char *)"A", &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode((const unsigned char *)"\xc3\xa9", &cp), 2);
	assert_int_equal(cp, 0xE9);
	assert_int_equal(utf8_decode((const unsigned char *)"\xe2\x82\xac", &cp), 3);
	assert_int_equal(cp, 0x20AC);
	assert_int_equal(utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", &cp), 4);
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(utf8_decode((const unsigned char *)"\xe9t\xe9", NULL), 0);	/* Latin-1 */
	assert_int_equal(utf8_decode((const unsigned char *)"\xc0\x80", NULL), 0);	/* overlong */
	assert_int_equal(utf8_decode((const unsigned char *)"\xed\xa0\x80", NULL), 0);	/* surrogate */
	assert_int_equal(utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", NULL), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xe2\x82", NULL), 0);	/* truncated */
	assert_true(utf8_valid("caf\xc3\xa9"));
	assert_false(utf8_valid("caf\xe9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__parse_double_accepts_decimal_forms),
		cmocka_unit_test(test_util__parse_double_refuses_junk),
		cmocka_unit_test(test_util__parse_long_is_strict),
		cmocka_unit_test(test_util__buf_grows_and_detaches),
		cmocka_unit_test(test_util__buf_respects_max),
		cmocka_unit_test(test_util__fmt_double_is_shortest_round_trip),
		cmocka_unit_test(test_util__utf8_decode_refuses_malformed_sequences),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
