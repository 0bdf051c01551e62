#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sketch.h"

/* A deterministic generator for test data. */
static uint64_t rs = 42;

static uint64_t rnd(void)
{
	rs += 0x9e3779b97f4a7c15ULL;
	return sketch_mix(rs);
}

static double unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static double normal(void)
{
	double u = unif(), v = unif();

	return sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The data, sorted, for exact ranks. */
static size_t count_below(const double *s, size_t n, double x, int incl)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;

		if (incl ? s[m] <= x : s[m] < x)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

/* The worst normalized rank error of the sketch's quantiles (q =
 * 0.01..0.99) and ranks against the data. */
static double worst_error(const struct kll *k, const double *data, size_t n)
{
	double *s = malloc(n * sizeof(*s)), worst = 0;
	struct kll_view v;
	int i;

	memcpy(s, data, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_d);
	assert_int_equal(kll_view(k, &v), 0);
	assert_int_equal(v.total, n);
	for (i = 1; i < 100; i++) {
		double q = i / 100.0, x = kll_quantile(&v, q);
		double lo = (double)count_below(s, n, x, 0);
		double hi = (double)count_below(s, n, x, 1);
		double t = q * (double)n, e = 0;

		if (t < lo)
			e = (lo - t) / (double)n;
		else if (t > hi)
			e = (t - hi) / (double)n;
		if (e > worst)
			worst = e;
		/* ranks at data points */
		x = s[(size_t)(q * (double)(n - 1))];
		e = fabs((double)kll_rank(&v, x, 0) -
			 (double)count_below(s, n, x, 0)) / (double)n;
		if (e > worst)
			worst = e;
	}
	kll_view_free(&v);
	free(s);
	return worst;
}

static char *dumps(json_t *j)
{
	char *t = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17));

	json_decref(j);
	return t;
}

static void test_sketch__kll_exact_while_small(void **state)
{
	double v[150];
	struct kll k;
	struct kll_view view;
	size_t i;

	kll_init(&k, KLL_K);
	for (i = 0; i < 150; i++) {
		v[i] = (double)((i * 37) % 150) / 10;
		assert_int_equal(kll_add(&k, v[i]), 0);
	}
	assert_int_equal(kll_view(&k, &view), 0);
	assert_true(view.exact);
	qsort(v, 150, sizeof(double), cmp_d);
	/* numpy's linear quantiles: position q * (n - 1) */
	assert_true(kll_quantile(&view, 0.5) == (v[74] + v[75]) / 2);
	assert_true(fabs(kll_quantile(&view, 0.25) -
			 (v[37] + 0.25 * (v[38] - v[37]))) < 1e-12);
	assert_true(kll_quantile(&view, 0) == v[0]);
	assert_true(kll_quantile(&view, 1) == v[149]);
	assert_int_equal(kll_rank(&view, v[10], 0), 10);
	assert_int_equal(kll_rank(&view, v[10], 1), 11);
	kll_view_free(&view);
	kll_free(&k);
}

typedef double (*gen_fn)(size_t i, size_t n);

static double g_uniform(size_t i, size_t n) { return unif(); }
static double g_normal(size_t i, size_t n) { return normal(); }
static double g_sorted(size_t i, size_t n) { return (double)i; }
static double g_reversed(size_t i, size_t n) { return (double)(n - i); }
static double g_few(size_t i, size_t n) { return (double)(rnd() % 100); }
static double g_heavy(size_t i, size_t n) { return exp(4 * normal()); }

/* Quantiles and ranks within the stated error on 10^5 and 10^6 values,
 * in several orders and shapes, whole and merged from splits. */
static void test_sketch__kll_within_stated_error(void **state)
{
	static const gen_fn gens[] = { g_uniform, g_normal, g_sorted, g_reversed,
				       g_few, g_heavy };
	static const size_t sizes[] = { 100000, 1000000 };
	size_t gi, si, i, parts;

	for (si = 0; si < 2; si++)
		for (gi = 0; gi < sizeof(gens) / sizeof(gens[0]); gi++) {
			size_t n = sizes[si];
			double *d, e;
			struct kll whole;

			if (si == 1 && gi > 2)
				break;	/* keep the run short */
			d = malloc(n * sizeof(*d));
			for (i = 0; i < n; i++)
				d[i] = gens[gi](i, n);
			kll_init(&whole, KLL_K);
			for (i = 0; i < n; i++)
				assert_int_equal(kll_add(&whole, d[i]), 0);
			assert_int_equal(whole.n, n);
			assert_true(whole.min == (gi == 2 ? 0 : whole.min));
			e = worst_error(&whole, d, n);
			if (e > KLL_RANK_ERROR)
				fail_msg("gen %zu n %zu: rank error %g > %g", gi, n, e,
					 KLL_RANK_ERROR);
			/* bounded memory */
			assert_true(whole.retained < 4 * KLL_K);
			for (parts = 2; parts <= 7; parts += si ? 5 : 1) {
				struct kll m, p;
				size_t k;

				kll_init(&m, KLL_K);
				for (k = 0; k < parts; k++) {
					kll_init(&p, KLL_K);
					for (i = n * k / parts; i < n * (k + 1) / parts; i++)
						assert_int_equal(kll_add(&p, d[i]), 0);
					assert_int_equal(kll_merge(&m, &p), 0);
					kll_free(&p);
				}
				assert_int_equal(m.n, n);
				assert_true(m.min == whole.min && m.max == whole.max);
				e = worst_error(&m, d, n);
				if (e > KLL_RANK_ERROR)
					fail_msg("gen %zu n %zu merged from %zu: rank error %g",
						 gi, n, parts, e);
				kll_free(&m);
			}
			kll_free(&whole);
			free(d);
		}
	assert_true(fabs(kll_rank_error(KLL_K) - KLL_RANK_ERROR) < 5e-4);
}

/* Values that defeat level 0's distribution sort (a far outlier, one
 * so wide its range is beyond a double, a narrow cluster, subnormals,
 * 0 and -0, few values): the sort hands them on, so the levels above 0
 * stay sorted and the ranks stay within the stated error. */
static void test_sketch__kll_awkward_values(void **state)
{
	enum { N = 60000 };
	double *d = malloc(N * sizeof(*d));
	int g;

	for (g = 0; g < 7; g++) {
		struct kll k;
		size_t i, h;

		for (i = 0; i < N; i++) {
			double u = unif();

			switch (g) {
			case 0: d[i] = i % 997 ? u : 1e300; break;
			case 1: d[i] = (i & 1 ? -DBL_MAX : DBL_MAX) * u; break;
			case 2: d[i] = 1 + u * 1e-12; break;
			case 3: d[i] = u * 4.9e-322; break;
			case 4: d[i] = i % 3 ? 0.0 : -0.0; break;
			case 5: d[i] = i % 7 ? u - 0.5 : (i % 2 ? 0.0 : -0.0); break;
			default: d[i] = pow(u, -3.0); break;
			}
		}
		kll_init(&k, KLL_K);
		for (i = 0; i < N; i++)
			assert_int_equal(kll_add(&k, d[i]), 0);
		for (h = 1; h < k.nlev; h++)
			for (i = 1; i < k.len[h]; i++)
				if (!(k.lv[h][i - 1] <= k.lv[h][i]))
					fail_msg("values %d: level %zu not sorted at %zu",
						 g, h, i);
		if (worst_error(&k, d, N) > KLL_RANK_ERROR)
			fail_msg("values %d: rank error %g", g, worst_error(&k, d, N));
		kll_free(&k);
	}
	free(d);
}

/* Histograms from the CDF: exact for an exact sketch; within twice the
 * rank error per bin otherwise; counts add up to n. */
static void test_sketch__kll_histogram(void **state)
{
	enum { N = 200000 };
	double *d = malloc(N * sizeof(*d)), edges[21];
	uint64_t counts[20], truth[20] = { 0 }, sum = 0;
	struct kll k;
	struct kll_view v;
	size_t i, nb;

	kll_init(&k, KLL_K);
	for (i = 0; i < 120; i++)
		kll_add(&k, (double)(i % 10));
	kll_view(&k, &v);
	nb = kll_histogram(&v, 20, edges, counts);
	assert_int_equal(nb, 20);
	assert_true(edges[0] == 0 && edges[20] == 9);
	/* bin 0 is [0, 0.45): the twelve 0s; bin 19 [8.55, 9]: the 9s */
	assert_int_equal(counts[0], 12);
	assert_int_equal(counts[19], 12);
	assert_int_equal(counts[1], 0);
	kll_view_free(&v);
	kll_free(&k);
	kll_init(&k, KLL_K);
	for (i = 0; i < N; i++) {
		d[i] = normal();
		kll_add(&k, d[i]);
	}
	kll_view(&k, &v);
	nb = kll_histogram(&v, 20, edges, counts);
	for (i = 0; i < N; i++) {
		size_t b = (size_t)((d[i] - edges[0]) / (edges[20] - edges[0]) * 20);

		truth[b > 19 ? 19 : b]++;
	}
	for (i = 0; i < nb; i++) {
		sum += counts[i];
		assert_true(fabs((double)counts[i] - (double)truth[i]) <=
			    2 * KLL_RANK_ERROR * N);
	}
	assert_int_equal(sum, N);
	kll_view_free(&v);
	kll_free(&k);
	/* a constant column: one bin */
	kll_init(&k, KLL_K);
	kll_add(&k, 3);
	kll_add(&k, 3);
	kll_view(&k, &v);
	assert_int_equal(kll_histogram(&v, 20, edges, counts), 1);
	assert_int_equal(counts[0], 2);
	kll_view_free(&v);
	kll_free(&k);
	free(d);
}

/* Past 2 KLL_SAMPLE_N values the sampler takes over, its height rising
 * with n; the sketch is the same whether the values come one by one, in
 * runs of any length, or through a JSON round trip on the way (which is
 * what makes reports identical at any thread count), and stays within
 * the stated error. */
static void test_sketch__kll_sampler_batching(void **state)
{
	size_t n = 700000, i, m;
	double *d = malloc(n * sizeof(*d));
	struct kll a, b, c, e;
	struct mlci_err err = {0};
	char *ta, *tb, *tc, *te;
	json_t *j;

	(void)state;
	for (i = 0; i < n; i++)
		d[i] = i % 3 ? normal() : unif() * 10;
	kll_init(&a, KLL_K);
	kll_init(&b, KLL_K);
	kll_init(&c, KLL_K);
	for (i = 0; i < n; i++)
		assert_int_equal(kll_add(&a, d[i]), 0);
	for (i = 0; i < n; i += 64)
		assert_int_equal(kll_add_n(&b, d + i, n - i < 64 ? n - i : 64), 0);
	for (i = 0; i < n; i += m) {
		m = 1 + rnd() % 300;
		if (m > n - i)
			m = n - i;
		assert_int_equal(kll_add_n(&c, d + i, m), 0);
		if (i < 200000 && i + m >= 200000) {
			/* a partial report's sketch, read back, goes on */
			j = kll_to_json(&c);
			kll_free(&c);
			assert_int_equal(kll_from_json(&c, j, "p.json", &err), 0);
			json_decref(j);
		}
	}
	assert_int_equal(a.entry, 4);	/* 640,000 <= n < 1,280,000 */
	ta = dumps(kll_to_json(&a));
	tb = dumps(kll_to_json(&b));
	tc = dumps(kll_to_json(&c));
	assert_string_equal(ta, tb);
	assert_string_equal(ta, tc);
	if (worst_error(&a, d, n) > KLL_RANK_ERROR)
		fail_msg("sampled sketch: rank error %g", worst_error(&a, d, n));
	assert_true(a.retained < 4 * KLL_K);
	/* the JSON of a sampled sketch reads back to the same sketch */
	j = kll_to_json(&a);
	assert_int_equal(kll_from_json(&e, j, "p.json", &err), 0);
	json_decref(j);
	te = dumps(kll_to_json(&e));
	assert_string_equal(ta, te);
	free(ta);
	free(tb);
	free(tc);
	free(te);
	kll_free(&a);
	kll_free(&b);
	kll_free(&c);
	kll_free(&e);
	free(d);
}

static void test_sketch__kll_json_round_trip_and_determinism(void **state)
{
	struct kll a, b, c;
	struct mlci_err err = {0};
	char *ta, *tb, *tc;
	json_t *j;
	size_t i;

	kll_init(&a, KLL_K);
	kll_init(&b, KLL_K);
	for (i = 0; i < 50000; i++) {
		double x = normal();

		kll_add(&a, x);
		kll_add(&b, x);
	}
	ta = dumps(kll_to_json(&a));
	tb = dumps(kll_to_json(&b));
	assert_string_equal(ta, tb);	/* same values, same sketch */
	j = kll_to_json(&a);
	assert_int_equal(kll_from_json(&c, j, "p.json", &err), 0);
	json_decref(j);
	tc = dumps(kll_to_json(&c));
	assert_string_equal(ta, tc);
	/* and it goes on the same way */
	for (i = 0; i < 1000; i++) {
		double x = unif();

		kll_add(&a, x);
		kll_add(&c, x);
	}
	free(ta);
	free(tc);
	ta = dumps(kll_to_json(&a));
	tc = dumps(kll_to_json(&c));
	assert_string_equal(ta, tc);
	free(ta);
	free(tb);
	free(tc);
	/* malformed: weights do not add up */
	kll_free(&c);
	j = json_loads("{\"k\": 200, \"n\": 5, \"min\": 1, \"max\": 2, \"rng\": "
		       "\"0000000000000001\", \"exact\": true, \"levels\": [[1, 2]]}",
		       0, NULL);
	assert_int_equal(kll_from_json(&c, j, "p.json", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(err.file, "p.json");
	json_decref(j);
	kll_free(&a);
	kll_free(&b);
	kll_free(&c);
}

static uint64_t key(uint64_t i)
{
	return sketch_mix(i * 0x2545f4914f6cdd1dULL + 1);
}

static void test_sketch__distinct_exact_then_hll(void **state)
{
	static const uint64_t sizes[] = { 1000, 24576, 24577, 60000, 100000,
					  300000, 1000000 };
	size_t si;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint64_t n = sizes[si], i, got;
		struct dcount d, m, p;
		int exact;
		char *t1, *t2;
		size_t k;

		dcount_init(&d, DCOUNT_EXACT);
		for (i = 0; i < 2 * n; i++)	/* each value twice */
			assert_int_equal(dcount_add(&d, key(i % n)), 0);
		got = dcount_value(&d, &exact);
		if (n <= DCOUNT_EXACT) {
			assert_true(exact);
			assert_int_equal(got, n);
		} else {
			assert_false(exact);
			/* within 3 standard errors */
			if (fabs((double)got - (double)n) > 3 * HLL_REL_ERROR * (double)n)
				fail_msg("n %llu: estimate %llu", (unsigned long long)n,
					 (unsigned long long)got);
		}
		/* merging splits gives the same summary, bit for bit */
		dcount_init(&m, DCOUNT_EXACT);
		for (k = 0; k < 3; k++) {
			dcount_init(&p, DCOUNT_EXACT);
			for (i = 2 * n * k / 3; i < 2 * n * (k + 1) / 3; i++)
				dcount_add(&p, key(i % n));
			assert_int_equal(dcount_merge(&m, &p), 0);
			dcount_free(&p);
		}
		assert_int_equal(dcount_value(&m, NULL), got);
		t1 = dumps(dcount_to_json(&d, 0));
		t2 = dumps(dcount_to_json(&m, 0));
		assert_string_equal(t1, t2);
		free(t1);
		free(t2);
		dcount_free(&m);
		dcount_free(&d);
	}
}

static void test_sketch__distinct_json(void **state)
{
	struct dcount d, e;
	struct mlci_err err = {0};
	json_t *j;
	uint64_t i;
	char *t1, *t2;
	int full;

	for (full = 0; full < 2; full++) {
		uint64_t n = full ? 500 : 40000;

		dcount_init(&d, DCOUNT_EXACT);
		for (i = 0; i < n; i++)
			dcount_add(&d, key(i));
		j = dcount_to_json(&d, 1);
		assert_int_equal(dcount_from_json(&e, j, "x", &err), 0);
		json_decref(j);
		assert_int_equal(dcount_value(&e, NULL), dcount_value(&d, NULL));
		t1 = dumps(dcount_to_json(&d, 1));
		t2 = dumps(dcount_to_json(&e, 1));
		assert_string_equal(t1, t2);
		free(t1);
		free(t2);
		/* the compact (registers) form estimates the same */
		j = dcount_to_json(&d, 0);
		dcount_free(&e);
		assert_int_equal(dcount_from_json(&e, j, "x", &err), 0);
		json_decref(j);
		if (full)
			assert_true(fabs((double)dcount_value(&e, NULL) - 500) < 10);
		else
			assert_int_equal(dcount_value(&e, NULL), dcount_value(&d, NULL));
		dcount_free(&e);
		dcount_free(&d);
	}
	j = json_loads("{\"p\": 12, \"cap\": 10, \"keys\": \"\"}", 0, NULL);
	assert_int_equal(dcount_from_json(&e, j, "x", &err), -1);
	json_decref(j);
}

/* Zipf-ish values: value v with weight ~ 1/v. */
static uint64_t zipf(uint64_t nvals)
{
	double u = unif();

	return (uint64_t)exp(u * log((double)nvals));
}

static void test_sketch__frequencies_exact_then_spacesaving(void **state)
{
	enum { N = 200000, NV = 20000 };
	uint64_t *truth = calloc(NV + 1, sizeof(*truth));
	uint64_t *vals = malloc(N * sizeof(*vals));
	struct freq f, m, p;
	const struct freq_entry **top;
	char buf[32];
	size_t i, k;

	for (i = 0; i < N; i++) {
		vals[i] = zipf(NV);
		truth[vals[i]]++;
	}
	freq_init(&f, FREQ_CAP);
	for (i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "v%llu", (unsigned long long)vals[i]);

		assert_int_equal(freq_add(&f, buf, (size_t)n, sketch_hash(buf, (size_t)n)), 0);
	}
	assert_true(f.ss);
	assert_int_equal(f.n, FREQ_CAP);
	assert_int_equal(f.total, N);
	/* every count brackets the truth; the top values are the true top */
	for (i = 0; i < f.n; i++) {
		uint64_t t = truth[strtoull(f.e[i].value + 1, NULL, 10)];

		assert_true(f.e[i].count >= t);
		assert_true(f.e[i].count - f.e[i].err <= t);
		assert_true(f.e[i].count - t <= freq_max_overcount(&f));
	}
	assert_true(freq_max_overcount(&f) <= N / FREQ_CAP);
	top = freq_sorted(&f, 1);
	for (i = 0; i < 10; i++)
		assert_int_equal(strtoull(top[i]->value + 1, NULL, 10), i + 1);
	free(top);
	/* merged from 4 splits: the same guarantees */
	freq_init(&m, FREQ_CAP);
	for (k = 0; k < 4; k++) {
		freq_init(&p, FREQ_CAP);
		for (i = N * k / 4; i < N * (k + 1) / 4; i++) {
			int n = snprintf(buf, sizeof(buf), "v%llu", (unsigned long long)vals[i]);

			freq_add(&p, buf, (size_t)n, sketch_hash(buf, (size_t)n));
		}
		assert_int_equal(freq_merge(&m, &p), 0);
		freq_free(&p);
	}
	assert_int_equal(m.total, N);
	for (i = 0; i < m.n; i++) {
		uint64_t t = truth[strtoull(m.e[i].value + 1, NULL, 10)];

		assert_true(m.e[i].count >= t);
		assert_true(m.e[i].count - m.e[i].err <= t);
	}
	assert_true(freq_max_overcount(&m) <= 2 * N / FREQ_CAP);
	top = freq_sorted(&m, 1);
	for (i = 0; i < 10; i++)
		assert_int_equal(strtoull(top[i]->value + 1, NULL, 10), i + 1);
	free(top);
	freq_free(&m);
	freq_free(&f);
	free(truth);
	free(vals);
}

static void test_sketch__frequencies_merge_exactly_under_the_cap(void **state)
{
	struct freq whole, m, p;
	struct mlci_err err = {0};
	char buf[32], *t1, *t2;
	json_t *j;
	size_t i, k;

	freq_init(&whole, FREQ_CAP);
	for (i = 0; i < 30000; i++) {
		int n = snprintf(buf, sizeof(buf), "c%zu", (i * 7919) % 900);

		freq_add(&whole, buf, (size_t)n, sketch_hash(buf, (size_t)n));
	}
	assert_false(whole.ss);
	assert_int_equal(whole.n, 900);
	freq_init(&m, FREQ_CAP);
	for (k = 0; k < 5; k++) {
		freq_init(&p, FREQ_CAP);
		for (i = 30000 * k / 5; i < 30000 * (k + 1) / 5; i++) {
			int n = snprintf(buf, sizeof(buf), "c%zu", (i * 7919) % 900);

			freq_add(&p, buf, (size_t)n, sketch_hash(buf, (size_t)n));
		}
		freq_merge(&m, &p);
		freq_free(&p);
	}
	t1 = dumps(freq_to_json(&whole));
	t2 = dumps(freq_to_json(&m));
	assert_string_equal(t1, t2);
	free(t2);
	j = freq_to_json(&whole);
	freq_free(&m);
	assert_int_equal(freq_from_json(&m, j, "x", &err), 0);
	json_decref(j);
	t2 = dumps(freq_to_json(&m));
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	/* an exact summary merged past the cap becomes SpaceSaving */
	m.cap = 1000;
	freq_init(&p, 1000);
	for (i = 0; i < 500; i++) {
		int n = snprintf(buf, sizeof(buf), "new%zu", i);

		freq_add(&p, buf, (size_t)n, sketch_hash(buf, (size_t)n));
	}
	assert_int_equal(freq_merge(&m, &p), 0);
	assert_true(m.ss);
	assert_int_equal(m.total, 30500);
	freq_free(&p);
	freq_free(&m);
	freq_free(&whole);
	j = json_loads("{\"cap\": 4, \"mode\": \"exact\", \"total\": 3, \"values\": "
		       "[\"a\", \"a\"], \"counts\": [1, 2]}", 0, NULL);
	assert_int_equal(freq_from_json(&m, j, "x", &err), -1);
	json_decref(j);
}

static void test_sketch__rows_exact_and_sampled(void **state)
{
	struct rowset r, m, p;
	struct mlci_err err = {0};
	uint64_t i, k;
	int exact;
	char *t1, *t2;
	json_t *j;

	/* 10000 rows; 900 of every 10th repeat an earlier one */
	rowset_init(&r, ROWSET_CAP);
	for (i = 0; i < 10000; i++)
		rowset_add(&r, key(i % 10 ? i : i / 10));
	assert_int_equal(rowset_dups(&r, &exact), 900);
	assert_true(exact);
	rowset_init(&m, ROWSET_CAP);
	for (k = 0; k < 3; k++) {
		rowset_init(&p, ROWSET_CAP);
		for (i = 10000 * k / 3; i < 10000 * (k + 1) / 3; i++)
			rowset_add(&p, key(i % 10 ? i : i / 10));
		rowset_merge(&m, &p);
		rowset_free(&p);
	}
	assert_int_equal(rowset_dups(&m, NULL), 900);
	t1 = dumps(rowset_to_json(&r));
	t2 = dumps(rowset_to_json(&m));
	assert_string_equal(t1, t2);
	free(t2);
	j = rowset_to_json(&r);
	rowset_free(&m);
	assert_int_equal(rowset_from_json(&m, j, "x", &err), 0);
	json_decref(j);
	t2 = dumps(rowset_to_json(&m));
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	rowset_free(&m);
	rowset_free(&r);
	/* past the cap: sampled; no repeats stays exactly 0 */
	rowset_init(&r, 1000);
	for (i = 0; i < 100000; i++)
		rowset_add(&r, key(i));
	assert_int_equal(rowset_dups(&r, &exact), 0);
	assert_false(exact);
	assert_true(r.n <= 1000);
	rowset_free(&r);
	/* 20% of the rows repeat the row before: estimated within 15% */
	rowset_init(&r, 4096);
	for (i = 0; i < 200000; i++)
		rowset_add(&r, key(i % 5 ? i : i - 1));
	{
		double d = (double)rowset_dups(&r, NULL);

		if (fabs(d - 39999) > 6000)
			fail_msg("estimated %g repeats of 39999", d);
	}
	rowset_free(&r);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Short values (the two-word path) and long ones: a million numbers as
 * text without a collision, every output bit set about half the time,
 * and a flip of any one bit of a value of 1 to 40 bytes changes the hash
 * (and about half its bits, on average). */
static void test_sketch__hash_spreads_short_and_long_values(void **state)
{
	size_t n = 1000000, i, b, len, pos, ones[64] = { 0 };
	uint64_t *h = malloc(n * sizeof(*h));
	char buf[64];
	double flips = 0, trials = 0;

	assert_non_null(h);
	for (i = 0; i < n; i++) {
		int k = snprintf(buf, sizeof(buf), i % 2 ? "%zu" : "-%zu.%03zu",
				 i / 2, i % 1000);

		h[i] = sketch_hash(buf, (size_t)k);
		for (b = 0; b < 64; b++)
			ones[b] += h[i] >> b & 1;
	}
	for (b = 0; b < 64; b++)
		assert_true(ones[b] > n / 2 - n / 100 && ones[b] < n / 2 + n / 100);
	qsort(h, n, sizeof(*h), cmp_u64);
	for (i = 1; i < n; i++)
		assert_true(h[i] != h[i - 1]);
	free(h);
	for (len = 1; len <= 40; len++) {
		for (i = 0; i < len; i++)
			buf[i] = (char)('a' + (i * 7 + len) % 26);
		for (pos = 0; pos < len; pos++) {
			for (b = 0; b < 8; b++) {
				uint64_t a0 = sketch_hash(buf, len), a1;

				buf[pos] ^= (char)(1 << b);
				a1 = sketch_hash(buf, len);
				buf[pos] ^= (char)(1 << b);
				assert_true(a0 != a1);
				flips += __builtin_popcountll(a0 ^ a1);
				trials++;
			}
		}
	}
	assert_true(flips / trials > 28 && flips / trials < 36);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sketch__hash_spreads_short_and_long_values),
		cmocka_unit_test(test_sketch__kll_exact_while_small),
		cmocka_unit_test(test_sketch__kll_within_stated_error),
		cmocka_unit_test(test_sketch__kll_awkward_values),
		cmocka_unit_test(test_sketch__kll_histogram),
		cmocka_unit_test(test_sketch__kll_json_round_trip_and_determinism),
		cmocka_unit_test(test_sketch__kll_sampler_batching),
		cmocka_unit_test(test_sketch__distinct_exact_then_hll),
		cmocka_unit_test(test_sketch__distinct_json),
		cmocka_unit_test(test_sketch__frequencies_exact_then_spacesaving),
		cmocka_unit_test(test_sketch__frequencies_merge_exactly_under_the_cap),
		cmocka_unit_test(test_sketch__rows_exact_and_sampled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
