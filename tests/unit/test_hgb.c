/* Unit tests of hgb's binning and split finder on hand-checkable cases
 * (the arithmetic is written out beside each expectation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hgb.h"

static void test_thresholds_few_values(void **state)
{
	double v[] = { 3, 1, 2, 2, NAN, 1 }, thr[8];
	size_t n;

	(void)state;
	/* distinct 1, 2, 3 (NaN left out): the midpoints */
	n = hgb_bin_thresholds(v, 6, 255, thr);
	assert_int_equal(n, 2);
	assert_true(thr[0] == 1.5);
	assert_true(thr[1] == 2.5);
	/* a value's bin: the thresholds below it; x <= threshold stays */
	assert_int_equal(hgb_bin(1, thr, n, 255), 0);
	assert_int_equal(hgb_bin(1.5, thr, n, 255), 0);
	assert_int_equal(hgb_bin(2.5, thr, n, 255), 1);
	assert_int_equal(hgb_bin(2.6, thr, n, 255), 2);
	assert_int_equal(hgb_bin(1e300, thr, n, 255), 2);
	assert_int_equal(hgb_bin(NAN, thr, n, 255), 255);
}

static void test_bin_brute_force(void **state)
{
	double thr[40];
	size_t n, k, t;
	unsigned seed = 1;

	(void)state;
	/* the bin is the number of thresholds below x, duplicates included */
	for (n = 0; n < 40; n++) {
		for (k = 0; k < n; k++)
			thr[k] = (double)(k / 3);
		for (t = 0; t < 200; t++) {
			double x = (double)(rand_r(&seed) % 60) / 4 - 1;
			unsigned want = 0;

			for (k = 0; k < n; k++)
				want += thr[k] < x;
			assert_int_equal(hgb_bin(x, thr, n, 255), want);
		}
	}
}

/* hgb_bin_many bins as hgb_bin does: any count of values (not only whole
 * groups of eight), NaN, values on and between thresholds, none or one
 * threshold. */
static void test_bin_many(void **state)
{
	double thr[40], x[203];
	uint8_t out[203];
	size_t nthr, n, i;
	uint64_t rng = 5;

	for (i = 0; i < 40; i++)
		thr[i] = (double)i * 0.5 - 7;
	for (i = 0; i < 203; i++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = i % 17 == 0 ? NAN : (double)(rng >> 40) / (double)(1 << 24) * 26 - 13;
		if (i % 5 == 0 && i % 17)
			x[i] = thr[i % 40];	/* exactly on a threshold */
	}
	for (nthr = 0; nthr <= 40; nthr += nthr < 2 ? 1 : 19)
		for (n = 0; n <= 203; n += 29) {
			hgb_bin_many(x, n, thr, nthr, 255, out);
			for (i = 0; i < n; i++)
				assert_int_equal(out[i], hgb_bin(x[i], thr, nthr, 255));
		}
}

static void test_thresholds_quantiles(void **state)
{
	double *v = malloc(1000 * sizeof(*v)), thr[8];
	size_t i, n;

	(void)state;
	for (i = 0; i < 1000; i++)
		v[i] = (double)((i * 7919) % 1000);	/* 0..999, shuffled */
	/* 1000 distinct > 4 bins: percentiles 25, 50, 75 by the midpoint
	 * method: index q*(n-1) = 249.75, 499.5, 749.25 -> the midpoints of
	 * the values either side */
	n = hgb_bin_thresholds(v, 1000, 4, thr);
	assert_int_equal(n, 3);
	assert_true(thr[0] == 249.5);
	assert_true(thr[1] == 499.5);
	assert_true(thr[2] == 749.5);
	/* a constant and an all-NaN feature: no threshold, one bin */
	for (i = 0; i < 10; i++)
		v[i] = i < 5 ? 4.0 : NAN;
	assert_int_equal(hgb_bin_thresholds(v, 10, 255, thr), 0);
	for (i = 0; i < 10; i++)
		v[i] = NAN;
	assert_int_equal(hgb_bin_thresholds(v, 10, 255, thr), 0);
	free(v);
}

/* bins 0..2 and the missing bin at index 3 */
static void hist4(struct hgb_bin *h, double gm, double hm, double cm)
{
	struct hgb_bin b[4] = { { -4, 2, 2 }, { -1, 1, 1 }, { 5, 2, 2 }, { gm, hm, cm } };

	memcpy(h, b, sizeof(b));
}

static void test_split_missing_right(void **state)
{
	struct hgb_bin h[4];
	struct hgb_split s;

	(void)state;
	/* missing (3, 1, 1): G = 3, H = 6, parent G^2/H = 1.5.
	 * left to right (NaN right): bin 0: 16/2 + 49/4 - 1.5 = 18.75;
	 * bin 1: 25/3 + 64/3 - 1.5 = 169/6; bin 2: 0/5 + 9/1 - 1.5 = 7.5.
	 * right to left (NaN left): bin 1: 4/4 + 25/2 - 1.5 = 12;
	 * bin 0: 1/3 + 16/3 - 1.5. Best: bin 1, NaN right. */
	hist4(h, 3, 1, 1);
	hgb_find_split(h, 3, 3, 1, 3, 6, 6, 0, 1, &s);
	assert_int_equal(s.bin, 1);
	assert_int_equal(s.missing_left, 0);
	assert_true(fabs(s.gain - 169.0 / 6) < 1e-12);
	assert_true(s.gl == -5 && s.hl == 3 && s.nl == 3);
}

static void test_split_missing_left(void **state)
{
	struct hgb_bin h[4];
	struct hgb_split s;

	(void)state;
	/* missing (-6, 1, 1): G = -6, H = 6, parent 6. Left to right: 3,
	 * 8/3, 30 (bin 2: all values left, NaN alone right). Right to left:
	 * bin 1: L (-11, 4), R (5, 2): 121/4 + 25/2 - 6 = 36.75; bin 0:
	 * 100/3 + 16/3 - 6. Best: bin 1 with NaN left. */
	hist4(h, -6, 1, 1);
	hgb_find_split(h, 3, 3, 1, -6, 6, 6, 0, 1, &s);
	assert_int_equal(s.bin, 1);
	assert_int_equal(s.missing_left, 1);
	assert_true(fabs(s.gain - 36.75) < 1e-12);
	assert_true(s.gl == -11 && s.hl == 4 && s.nl == 4);
}

static void test_split_min_samples_leaf(void **state)
{
	struct hgb_bin h[4];
	struct hgb_split s;

	(void)state;
	/* 3 a side at least: only bin 1 left to right (3 | 3) and bin 0
	 * right to left (3 | 3): 169/6 wins */
	hist4(h, 3, 1, 1);
	hgb_find_split(h, 3, 3, 1, 3, 6, 6, 0, 3, &s);
	assert_int_equal(s.bin, 1);
	assert_true(fabs(s.gain - 169.0 / 6) < 1e-12);
	/* 4 a side of 6 rows: none */
	hgb_find_split(h, 3, 3, 1, 3, 6, 6, 0, 4, &s);
	assert_true(s.gain <= 0);
}

static void test_split_no_missing_l2(void **state)
{
	struct hgb_bin h[4];
	struct hgb_split s;

	(void)state;
	/* no NaN in training: G = 0, H = 5, 5 rows, one scan. bin 0:
	 * 16/2 + 16/3; bin 1: 25/3 + 25/2 = 20.83 (best). NaN then goes to
	 * the larger child: left (3 rows against 2). */
	hist4(h, 0, 0, 0);
	hgb_find_split(h, 3, 3, 0, 0, 5, 5, 0, 1, &s);
	assert_int_equal(s.bin, 1);
	assert_int_equal(s.missing_left, 1);
	assert_true(fabs(s.gain - (25.0 / 3 + 12.5)) < 1e-12);
	/* l2 = 1: bin 0: 16/3 + 16/4 = 9.33; bin 1: 25/4 + 25/3 = 14.58 */
	hgb_find_split(h, 3, 3, 0, 0, 5, 5, 1, 1, &s);
	assert_int_equal(s.bin, 1);
	assert_true(fabs(s.gain - (25.0 / 4 + 25.0 / 3)) < 1e-12);
	/* one bin only: nothing to split */
	hgb_find_split(h, 1, 3, 0, -4, 2, 2, 0, 1, &s);
	assert_true(s.gain <= 0);
}

/* Categorical histograms: hist[b] = (g, h = c, c) for constant
 * hessians, so a category takes part with 10 rows or more. */
static void cat_hist(struct hgb_bin *h, size_t nb, const double *g,
		     const double *c)
{
	size_t b;

	for (b = 0; b < nb; b++)
		h[b].g = g[b], h[b].h = c[b], h[b].c = c[b];
}

static void test_cat_split_left_scan(void **state)
{
	const double g[5] = { -20, 10, -10, 20, 0 }, c[5] = { 10, 10, 10, 10, 0 };
	struct hgb_bin h[5];
	struct hgb_split s;

	(void)state;
	/* values g / (c + 10): -1, 0.5, -0.5, 1: sorted 0, 2, 1, 3. G = 0,
	 * H = 40, parent 0. From the left up to the middle (2): {0}:
	 * 400/10 + 400/30 = 53.3; {0, 2}: 900/20 + 900/20 = 90. From the
	 * right (1): {3}: 53.3. Best {0, 2}; no NaN in training: NaN goes
	 * to the larger child, none (20 | 20): right. */
	cat_hist(h, 5, g, c);
	hgb_find_split_cat(h, 4, 4, 0, 0, 40, 40, 0, 1, &s);
	assert_int_equal(s.categorical, 1);
	assert_true(fabs(s.gain - 90) < 1e-12);
	assert_true(s.left_bins[0] == (1u << 0 | 1u << 2));
	assert_true(s.gl == -30 && s.hl == 20 && s.nl == 20);
	assert_int_equal(s.missing_left, 0);
	/* 21 rows a side at least: nothing */
	hgb_find_split_cat(h, 4, 4, 0, 0, 40, 40, 0, 21, &s);
	assert_true(s.gain <= 0);
}

static void test_cat_split_right_scan(void **state)
{
	const double g[5] = { -5, -4, -3, 12, 0 }, c[5] = { 10, 10, 10, 10, 0 };
	struct hgb_bin h[5];
	struct hgb_split s;

	(void)state;
	/* values -0.25, -0.2, -0.15, 0.6. From the left (middle 2): {0}:
	 * 25/10 + 25/30 = 3.33; {0, 1}: 81/20 + 81/20 = 8.1. From the right
	 * (middle 1): {3}: 144/10 + 144/30 = 19.2, the best (its complement
	 * is not scanned from the left). The missing bin (4) is empty: not a
	 * category that takes part, NaN right. */
	cat_hist(h, 5, g, c);
	hgb_find_split_cat(h, 4, 4, 1, 0, 40, 40, 0, 1, &s);
	assert_true(fabs(s.gain - 19.2) < 1e-12);
	assert_true(s.left_bins[0] == 1u << 3);
	assert_true(s.gl == 12 && s.hl == 10 && s.nl == 10);
	assert_int_equal(s.missing_left, 0);
}

static void test_cat_split_missing_category(void **state)
{
	/* bins 0..2 categories, 3 the missing bin */
	const double g[4] = { -10, 2, 5, 25 }, c[4] = { 10, 5, 10, 10 };
	struct hgb_bin h[4];
	struct hgb_split s;
	double parent = 22.0 * 22 / 35;

	(void)state;
	/* category 1 has 5 rows (< 10): always right. Values: 0: -0.5, 2:
	 * 0.25, missing: 1.25. G = 22, H = 35. From the left (middle 2):
	 * {0}: 100/10 + 32^2/25 = 50.96; {0, 2}: 25/20 + 27^2/15 = 49.85.
	 * From the right (middle 1): {missing}: 625/10 + 9/25 = 62.86, the
	 * best: NaN left, its bit set. */
	cat_hist(h, 4, g, c);
	hgb_find_split_cat(h, 3, 3, 1, 22, 35, 35, 0, 1, &s);
	assert_true(fabs(s.gain - (62.5 + 9.0 / 25 - parent)) < 1e-12);
	assert_true(s.left_bins[0] == 1u << 3);
	assert_int_equal(s.missing_left, 1);
	assert_true(s.gl == 25 && s.hl == 10 && s.nl == 10);
	/* l2 = 5: {missing}: 625/15 + 9/30 - 484/40 = 29.9 against {0}:
	 * 100/15 + 1024/30 - 12.1 = 28.7: still the missing bin */
	hgb_find_split_cat(h, 3, 3, 1, 22, 35, 35, 5, 1, &s);
	assert_true(fabs(s.gain - (625.0 / 15 + 9.0 / 30 - 484.0 / 40)) < 1e-12);
	assert_int_equal(s.missing_left, 1);
	/* without the missing bin as a category (no NaN in training): the
	 * rows of category 0 against the rest, 10 | 25: NaN right, with the
	 * larger child. G, H of bins 0..2 only: -3, 25. */
	hgb_find_split_cat(h, 3, 3, 0, -3, 25, 25, 0, 1, &s);
	assert_true(s.left_bins[0] == 1u);
	assert_int_equal(s.missing_left, 0);
}

static void test_cat_split_support(void **state)
{
	/* hessians 0.25 a row (a classifier): support n / H = 4, so a
	 * category needs hessian 2.5 (10 rows): 40 rows and 2 rows */
	struct hgb_bin h[3] = { { -3, 10, 40 }, { 1, 0.5, 2 }, { 0, 0, 0 } };
	struct hgb_split s;

	(void)state;
	/* one category takes part: no split */
	hgb_find_split_cat(h, 2, 2, 0, -2, 10.5, 42, 0, 1, &s);
	assert_true(s.gain <= 0);
	assert_int_equal(s.categorical, 0);
	/* 12 rows of hessian 3 (support 52 / 13 = 4: 12 >= 10) take part */
	h[1].h = 3, h[1].c = 12, h[1].g = 4;
	hgb_find_split_cat(h, 2, 2, 0, 1, 13, 52, 0, 1, &s);
	assert_true(s.gain > 0);
	assert_true(s.left_bins[0] == 1u);	/* value -3/20 < 4/13 */
	assert_int_equal(s.missing_left, 1);	/* 40 rows against 12 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds_few_values),
		cmocka_unit_test(test_bin_brute_force),
		cmocka_unit_test(test_bin_many),
		cmocka_unit_test(test_thresholds_quantiles),
		cmocka_unit_test(test_split_missing_right),
		cmocka_unit_test(test_split_missing_left),
		cmocka_unit_test(test_split_min_samples_leaf),
		cmocka_unit_test(test_split_no_missing_l2),
		cmocka_unit_test(test_cat_split_left_scan),
		cmocka_unit_test(test_cat_split_right_scan),
		cmocka_unit_test(test_cat_split_missing_category),
		cmocka_unit_test(test_cat_split_support),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
