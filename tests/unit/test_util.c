#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
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
	/* the exponent forms and the fixed ones at their edges */
	fmt_double(s, sizeof(s), 1e-5);
	assert_string_equal(s, "1e-05");
	fmt_double(s, sizeof(s), 0.0001);
	assert_string_equal(s, "0.0001");
	fmt_double(s, sizeof(s), -1.5e-7);
	assert_string_equal(s, "-1.5e-07");
	fmt_double(s, sizeof(s), 2.5e15);
	assert_string_equal(s, "2.5e+15");
	fmt_double(s, sizeof(s), 123456.7);
	assert_string_equal(s, "123456.7");
	fmt_double(s, sizeof(s), 1.25e-300);
	assert_string_equal(s, "1.25e-300");
	fmt_double(s, sizeof(s), 0.000123);
	assert_string_equal(s, "0.000123");
	/* truncated as snprintf truncates */
	fmt_double(s, 4, -0.125);
	assert_string_equal(s, "-0.");
}

/* The plain definition: the first precision, from 1 up, that reads back. */
static void shortest_by_scan(char *out, size_t n, double v)
{
	int prec;

	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(out, n, "%.0f", v == 0 ? 0.0 : v);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* fmt_double(v) is the scan's string. */
static void same_as_scan(double v)
{
	char got[40], want[40];

	fmt_double(got, sizeof(got), v);
	shortest_by_scan(want, sizeof(want), v);
	if (strcmp(got, want) != 0)
		fail_msg("%a: fmt_double %s, scan %s", v, got, want);
}

/* v moved j ulps (j < 0: towards 0), or 0 when it leaves the finite
 * numbers. */
static double ulps_away(double v, int j)
{
	int t;

	for (t = 0; t < abs(j); t++)
		v = nextafter(v, j < 0 ? 0 : INFINITY);
	return isfinite(v) ? v : 0;
}

static void test_util__fmt_double_equals_the_scan_on_random_doubles(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	size_t i;

	for (i = 0; i < 700000; i++) {
		uint64_t bits;
		double v;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		switch (i % 7) {
		case 0:		/* any finite bit pattern */
			bits = x;
			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				continue;
			break;
		case 1:		/* a probability */
			v = (double)(x >> 11) / 9007199254740992.0;
			break;
		case 2:		/* a short decimal: d / 10^k */
			v = (double)(x % 100000) / pow(10, (double)(x >> 60));
			break;
		case 3: {	/* a value as data holds it: 1-15 digits, any scale */
			char t[40];

			snprintf(t, sizeof(t), "%.*g", (int)(x % 15) + 1,
				 ldexp((double)(x >> 11), (int)((x >> 3) % 200) - 150));
			v = strtod(t, NULL);
			break;
		}
		case 4:		/* near a half: ties when rounded to fewer digits */
			v = ((double)(x % 2000000) + 0.5) / pow(10, (double)((x >> 40) % 20));
			if (x & 1)
				v = -v;
			break;
		case 5:		/* odd multiples of powers of two, 2^-200 .. 2^99 */
			v = ldexp((double)((x >> 20) | 1), (int)(x % 300) - 200);
			break;
		default:	/* whole numbers of 1 to 17 digits, either sign */
			v = (double)(x % 100000000000000000ULL) / pow(10, (double)(x >> 60));
			v = (x & 2) ? -floor(v) : floor(v);
			break;
		}
		same_as_scan(v);
	}
}

/* Where the gap below a value is half the gap above (powers of two),
 * and at powers of ten, each with its neighbours a few ulps away. */
static void test_util__fmt_double_equals_the_scan_at_powers(void **state)
{
	int k, j;

	for (k = -1074; k <= 1023; k++)
		for (j = -3; j <= 3; j++) {
			double v = ulps_away(ldexp(1.0, k), j);

			if (v != 0) {
				same_as_scan(v);
				same_as_scan(-v);
			}
		}
	for (k = -330; k <= 310; k++)
		for (j = -2; j <= 2; j++) {
			double v = ulps_away(pow(10, k), j);

			if (v != 0)
				same_as_scan(v);
		}
}

static void test_util__utf8_cut_never_splits_a_character(void **state)
{
	/* "aé€😀": 1, 2, 3 and 4 bytes */
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	int want[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10 };
	size_t max;

	for (max = 0; max < sizeof(want) / sizeof(want[0]); max++)
		assert_int_equal(utf8_cut(s, max), want[max]);
	assert_int_equal(utf8_cut("", 5), 0);
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

/* xorshift64*: a fixed sequence, so failures reproduce */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void random_number(char *s, size_t cap)
{
	size_t n = 0, k, ndig = 1 + rng() % 25, nfrac = rng() % 4 ? rng() % 20 : 0;
	int shape = (int)(rng() % 4);

	if (rng() % 3 == 0)
		s[n++] = rng() % 2 ? '-' : '+';
	for (k = 0; k < ndig && n + 1 < cap; k++)
		s[n++] = (char)('0' + (k == 0 && shape == 0 ? 1 + rng() % 9 : rng() % 10));
	if (nfrac) {
		s[n++] = '.';
		for (k = 0; k < nfrac && n + 1 < cap; k++)
			s[n++] = (char)('0' + rng() % 10);
	}
	if (shape >= 2)
		n += (size_t)snprintf(s + n, cap - n, "e%d",
				      (int)(rng() % 700) - 350);
	s[n] = '\0';
}

/* Bit-identical to strtod on two million random decimal strings and on
 * the hard cases: halfway points, subnormals, the largest doubles. */
static void test_util__parse_double_is_bit_identical_to_strtod(void **state)
{
	static const char *edge[] = {
		"9007199254740993", "9007199254740992.5", "2.2250738585072011e-308",
		"2.2250738585072014e-308", "4.9406564584124654e-324", "1e-324",
		"1.7976931348623157e308", "1.7976931348623158e308", "0.1", "0.3",
		"123456789012345678901234567890", "1e22", "1e23", "8.589973e9",
		"-0", "0.000000000000000000000000000001", "3.0e-22", "1448997445238699",
		"7.038531e-26", "0.500000000000000166533453693773481063544750213623046875",
		"00000000000000000000000000001.5", "4503599627370496.5",
		"4503599627370497.5", "2.4703282292062327e-324",
	};
	char s[128];
	double a, b;
	size_t i, tried = 0;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		b = strtod(edge[i], NULL);
		if (!isfinite(b))
			continue;
		assert_int_equal(parse_double(edge[i], &a), 0);
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("%s: %.17g != strtod's %.17g", edge[i], a, b);
	}
	for (i = 0; i < 2000000; i++) {
		random_number(s, sizeof(s));
		b = strtod(s, NULL);
		if (!isfinite(b)) {
			assert_int_equal(parse_double(s, &a), -1);
			continue;
		}
		assert_int_equal(parse_double(s, &a), 0);
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("%s: %.17g != strtod's %.17g", s, a, b);
		tried++;
	}
	assert_true(tried > 1900000);
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
		cmocka_unit_test(test_util__fmt_double_equals_the_scan_on_random_doubles),
		cmocka_unit_test(test_util__fmt_double_equals_the_scan_at_powers),
		cmocka_unit_test(test_util__utf8_cut_never_splits_a_character),
		cmocka_unit_test(test_util__utf8_decode_refuses_malformed_sequences),
		cmocka_unit_test(test_util__parse_double_is_bit_identical_to_strtod),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
