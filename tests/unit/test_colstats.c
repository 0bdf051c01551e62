#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "colstats.h"
#include "util.h"

#define REL(a, b) (fabs((double)(a) - (double)(b)) <= 1e-12 * fabs((double)(b)))

static uint64_t rs = 7;

static double unif(void)
{
	rs += 0x9e3779b97f4a7c15ULL;
	return (double)(sketch_mix(rs) >> 11) / 9007199254740992.0;
}

static void add(struct colacc *a, const char *s, uint32_t line)
{
	struct mlci_err err = {0};

	assert_int_equal(colacc_add(a, s, s ? strlen(s) : 0,
				    s ? sketch_hash(s, strlen(s)) : 0, line, 3, &err), 0);
}

static void test_colstats__moments_two_pass_and_merge(void **state)
{
	enum { N = 100000 };
	double *x = malloc(N * sizeof(*x));
	long double sum = 0, mean, m2 = 0;
	struct moments whole, m, p;
	size_t i, k, parts;

	for (i = 0; i < N; i++)
		x[i] = 1e6 + 1000 * unif() - (i % 7) * 0.125;
	moments_init(&whole);
	for (i = 0; i < N; i++) {
		moments_add(&whole, x[i]);
		sum += x[i];
	}
	mean = sum / N;
	for (i = 0; i < N; i++)
		m2 += ((long double)x[i] - mean) * ((long double)x[i] - mean);
	/* the mean is the plain long double sum's, bit for bit */
	assert_true(moments_mean(&whole) == (double)mean);
	assert_true(REL(moments_std(&whole), sqrt((double)(m2 / (N - 1)))));
	for (parts = 2; parts <= 9; parts++) {
		moments_init(&m);
		for (k = 0; k < parts; k++) {
			moments_init(&p);
			for (i = N * k / parts; i < N * (k + 1) / parts; i++)
				moments_add(&p, x[i]);
			moments_merge(&m, &p);
		}
		assert_int_equal(m.n, N);
		assert_true(m.min == whole.min && m.max == whole.max);
		assert_true(REL(moments_mean(&m), moments_mean(&whole)));
		assert_true(REL(moments_std(&m), moments_std(&whole)));
	}
	free(x);
}

static void test_colstats__huge_and_tiny_values(void **state)
{
	struct moments m;

	moments_init(&m);
	moments_add(&m, 1e200);
	moments_add(&m, -1e200);
	moments_add(&m, 3e200);
	assert_true(fabs(moments_mean(&m) / 1e200 - 1) < 1e-15);
	assert_true(fabs(moments_std(&m) / 2e200 - 1) < 1e-15);
	moments_init(&m);
	moments_add(&m, 1.7e308);
	moments_add(&m, -1.7e308);
	moments_add(&m, -1.7e308);
	assert_true(isinf(moments_std(&m)));
	assert_true(fabs(moments_mean(&m) / -1.7e308 - 1.0 / 3) < 1e-15);
	moments_init(&m);
	moments_add(&m, 1e-300);
	moments_add(&m, 3e-300);
	moments_add(&m, 2e-300);
	assert_true(fabs(moments_std(&m) / 1e-300 - 1) < 1e-15);
	moments_init(&m);
	moments_add(&m, 5);
	assert_true(isnan(moments_std(&m)));
}

static void test_colstats__type_evidence(void **state)
{
	struct colacc a;

	colacc_init(&a, FREQ_CAP);
	add(&a, "1", 2);
	add(&a, NULL, 3);
	add(&a, "2.5", 4);
	add(&a, "-3", 5);
	add(&a, "abc", 6);
	add(&a, "true", 7);
	assert_int_equal(a.count, 5);
	assert_int_equal(a.missing, 1);
	assert_false(a.all_int);
	assert_false(a.all_num);
	assert_false(a.all_bool);
	assert_int_equal(a.not_int.line, 4);
	assert_string_equal(a.not_int.value, "2.5");
	assert_int_equal(a.not_num.line, 6);
	assert_int_equal(a.not_num.col, 3);
	assert_string_equal(a.not_num.value, "abc");
	assert_int_equal(a.not_bool.line, 2);
	assert_int_equal(a.kll.n, 0);	/* numbers are no longer kept */
	colacc_free(&a);
	colacc_init(&a, FREQ_CAP);
	add(&a, "TRUE", 1);
	add(&a, "false", 2);
	assert_true(a.all_bool);
	assert_false(a.all_num);
	colacc_free(&a);
	/* numbers are distinct by value, strings as written */
	colacc_init(&a, FREQ_CAP);
	add(&a, "1", 1);
	add(&a, "1.0", 2);
	add(&a, "-0", 3);
	add(&a, "0", 4);
	{
		int exact;

		assert_int_equal(colacc_distinct(&a, 1, &exact), 2);
		assert_true(exact);
		assert_int_equal(colacc_distinct(&a, 0, &exact), 4);
	}
	colacc_free(&a);
}

/* The exact frequencies stand for the sketches until the cap: exact
 * quantiles and distinct counts; past it the sketches, seeded from the
 * table, take over; a column of numbers drops its frequencies, and
 * counts them again (partially) if a string follows. */
static void test_colstats__frequencies_then_sketches(void **state)
{
	struct colacc a;
	struct kll_view v;
	char buf[32];
	size_t i;
	int exact;

	colacc_init(&a, FREQ_CAP);
	for (i = 0; i < 10000; i++) {
		snprintf(buf, sizeof(buf), "%zu", i % 4000);
		add(&a, buf, (uint32_t)i + 1);
	}
	assert_false(a.live);
	assert_int_equal(colacc_distinct(&a, 1, &exact), 4000);
	assert_true(exact);
	assert_int_equal(colacc_view(&a, &v), 0);
	assert_true(v.exact);
	assert_int_equal(v.total, 10000);
	/* 0..1999 three times, 2000..3999 twice: ranks 4998-5000 (0-based)
	 * are all 1666, so numpy's median (ranks 4999 and 5000) is 1666;
	 * the 0.7 quantile, rank 6999.3: 2499 and 2500, interpolated */
	assert_true(kll_quantile(&v, 0.5) == 1666);
	assert_true(fabs(kll_quantile(&v, 0.7) - 2499.3) < 1e-9);
	kll_view_free(&v);
	for (i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "%zu", 100000 + i);
		add(&a, buf, 20000);
	}
	assert_true(a.live);
	assert_int_equal(a.freq_state, FREQ_DROPPED);
	assert_int_equal(a.kll.n, 10200);	/* seeded: every value so far */
	assert_int_equal(colacc_distinct(&a, 1, &exact), 4200);
	assert_true(exact);	/* the exact set, up to DCOUNT_EXACT */
	add(&a, "text", 30000);
	assert_false(a.all_num);
	assert_int_equal(a.freq_state, FREQ_PARTIAL);
	assert_int_equal(a.freq.total, 1);
	colacc_distinct(&a, 0, &exact);
	assert_false(exact);
	colacc_free(&a);
}

static char *state_text(const struct colacc *a)
{
	json_t *j = colacc_to_json(a);
	char *t = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17));

	json_decref(j);
	return t;
}

static void cell(char *buf, size_t n, size_t i, int kind)
{
	switch (kind) {
	case 0:	/* integers with few values */
		snprintf(buf, n, "%zu", (i * 31) % 97);
		break;
	case 1:	/* reals, all different */
		snprintf(buf, n, "%.6f", 100 * unif());
		break;
	case 2:	/* categories */
		snprintf(buf, n, "cat%zu", (i * 7) % 23);
		break;
	default:	/* numbers, then a string late */
		if (i == 9000)
			snprintf(buf, n, "oops");
		else
			snprintf(buf, n, "%zu", i);
	}
}

/* Merging the accumulators of splits gives the whole's: the exact parts
 * exactly, the sketches within their bounds. */
static void test_colstats__merge_of_splits_equals_whole(void **state)
{
	enum { N = 30000 };
	char (*cells)[32] = malloc(N * sizeof(*cells));
	int kind;

	for (kind = 0; kind < 4; kind++) {
		struct colacc whole, m, p;
		struct mlci_err err = {0};
		size_t i, k, parts;
		int e1, e2;

		for (i = 0; i < N; i++)
			cell(cells[i], sizeof(cells[i]), i, kind);
		colacc_init(&whole, FREQ_CAP);
		for (i = 0; i < N; i++)
			add(&whole, i % 13 ? cells[i] : NULL, (uint32_t)i + 2);
		for (parts = 2; parts <= 5; parts++) {
			colacc_init(&m, FREQ_CAP);
			for (k = 0; k < parts; k++) {
				colacc_init(&p, FREQ_CAP);
				for (i = N * k / parts; i < N * (k + 1) / parts; i++)
					add(&p, i % 13 ? cells[i] : NULL, (uint32_t)i + 2);
				assert_int_equal(colacc_merge(&m, &p, &err), 0);
				colacc_free(&p);
			}
			assert_int_equal(m.count, whole.count);
			assert_int_equal(m.missing, whole.missing);
			assert_int_equal(m.all_int, whole.all_int);
			assert_int_equal(m.all_num, whole.all_num);
			assert_int_equal(m.all_bool, whole.all_bool);
			assert_int_equal(m.not_num.line, whole.not_num.line);
			assert_int_equal(m.not_int.line, whole.not_int.line);
			if (whole.all_num) {
				assert_true(m.mom.min == whole.mom.min);
				assert_true(m.mom.max == whole.mom.max);
				assert_true(REL(moments_mean(&m.mom), moments_mean(&whole.mom)));
				assert_true(REL(moments_std(&m.mom), moments_std(&whole.mom)));
				assert_int_equal(m.live, whole.live);
				assert_int_equal(colacc_distinct(&m, 1, &e1),
						 colacc_distinct(&whole, 1, &e2));
				assert_int_equal(e1, e2);
			}
			{
				double dm = (double)colacc_distinct(&m, 0, &e1);
				double dw = (double)colacc_distinct(&whole, 0, &e2);

				assert_int_equal(e1, e2);
				if (whole.dstr_approx)	/* numbers, then strings */
					assert_true(fabs(dm - dw) <= 6 * HLL_REL_ERROR * dw);
				else
					assert_true(dm == dw);
			}
			assert_int_equal(m.freq_state, whole.freq_state);
			if (whole.freq_state == FREQ_COMPLETE && !whole.freq.ss) {
				json_t *a = freq_to_json(&m.freq), *b = freq_to_json(&whole.freq);

				assert_true(json_equal(a, b));
				json_decref(a);
				json_decref(b);
			}
			colacc_free(&m);
		}
		colacc_free(&whole);
	}
	free(cells);
}

static void test_colstats__json_round_trip(void **state)
{
	int kind;

	for (kind = 0; kind < 4; kind++) {
		struct colacc a, b;
		struct mlci_err err = {0};
		char buf[32], *t1, *t2;
		json_t *j;
		size_t i;

		colacc_init(&a, FREQ_CAP);
		for (i = 0; i < 12000; i++) {
			cell(buf, sizeof(buf), i, kind);
			add(&a, i % 11 ? buf : NULL, (uint32_t)i + 1);
		}
		j = colacc_to_json(&a);
		assert_int_equal(colacc_from_json(&b, j, "part.json", &err), 0);
		json_decref(j);
		t1 = state_text(&a);
		t2 = state_text(&b);
		assert_string_equal(t1, t2);
		free(t1);
		free(t2);
		/* long double moments survive exactly */
		assert_true(a.mom.m2 == b.mom.m2 && a.mom.sum == b.mom.sum);
		colacc_free(&a);
		colacc_free(&b);
	}
	{
		struct colacc b;
		struct mlci_err err = {0};
		json_t *j = json_loads("{\"count\": 2, \"missing\": 0, \"integer\": true, "
				       "\"number\": false, \"boolean\": false}", 0, NULL);

		assert_int_equal(colacc_from_json(&b, j, "part.json", &err), -1);
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
		assert_string_equal(err.file, "part.json");
		json_decref(j);
	}
}

/* colacc_number (and colacc_number_pad, with whatever follows the
 * value) reads a decimal exactly as parse_double_n (and so strtod)
 * does, whatever its shape: short decimals of every width around the
 * word-at-a-time paths, with a stray character anywhere. */
static void test_colstats__number_is_parse_double_n(void **state)
{
	static const char *edge[] = {
		"1.", ".5", "-.5", "+1.5", "-0.0", "0.0", "1.2.3", "1..2", "-",
		"+", ".", "1.e5", "12345678.5", "1234567.12345678",
		"1.234567890123456", "9.007199254740993", "9007199.254740993",
		"00.5", "1.5 ", " 1.5", "1.5x", "1,5", "1.5e", "-1234567.123456789",
	};
	char s[40];
	uint64_t x = 0x2545f4914f6cdd1dULL;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(edge) / sizeof(edge[0]) + 3000000; i++) {
		const char *t = s;
		char pad[40 + COLACC_PAD];
		double a = 0, b = 0, p = 0;
		int ia = 0, ip = 0, ra, rb, rp;

		if (i < sizeof(edge) / sizeof(edge[0])) {
			t = edge[i];
		} else {
			size_t n = 0, ni, nf;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			ni = x % 9;
			nf = (x >> 4) % 18;
			if ((x >> 9) % 3 == 0)
				s[n++] = (x >> 11) % 2 ? '-' : '+';
			for (j = 0; j < ni; j++)
				s[n++] = (char)('0' + (x >> (12 + 3 * j)) % 10);
			if ((x >> 40) % 8)
				s[n++] = '.';
			for (j = 0; j < nf; j++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				s[n++] = (char)('0' + x % 10);
			}
			if (n && (x >> 50) % 16 == 0)
				s[(x >> 20) % n] = "x.-e +"[(x >> 30) % 6];
			s[n] = '\0';
		}
		ra = colacc_number(t, strlen(t), &a, &ia);
		rb = parse_double_n(t, strlen(t), &b);
		/* the padded reader, with junk after the value's NUL */
		memset(pad, (int)"9.-0"[i % 4], sizeof(pad));
		memcpy(pad, t, strlen(t) + 1);
		rp = colacc_number_pad(pad, strlen(t), &p, &ip);
		assert_int_equal(rp, ra);
		if (ip != ia)
			fail_msg("%s: is_int %d != %d (rc %d)", t, ip, ia, ra);
		if (ra == 0 && memcmp(&a, &p, sizeof(a)))
			fail_msg("%s: padded %.17g != %.17g", t, p, a);
		if (!ia) {
			assert_int_equal(ra, rb);
			if (ra == 0 && memcmp(&a, &b, sizeof(a)))
				fail_msg("%s: %.17g != %.17g", t, a, b);
			if (ra == 0 && b != strtod(t, NULL))
				fail_msg("%s: %.17g != strtod's", t, a);
		} else {
			assert_int_equal(ra, 0);
			assert_true(a == strtod(t, NULL));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colstats__moments_two_pass_and_merge),
		cmocka_unit_test(test_colstats__huge_and_tiny_values),
		cmocka_unit_test(test_colstats__type_evidence),
		cmocka_unit_test(test_colstats__frequencies_then_sketches),
		cmocka_unit_test(test_colstats__merge_of_splits_equals_whole),
		cmocka_unit_test(test_colstats__json_round_trip),
		cmocka_unit_test(test_colstats__number_is_parse_double_n),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
