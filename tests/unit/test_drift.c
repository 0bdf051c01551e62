/*
 * test_drift.c - shared/drift.c against scipy 1.10.
 *
 * Expected values come from tests/ref/scipy_drift.py (committed output:
 * tests/ref/drift.json, read from $MLCI_REF_DRIFT or from the repository
 * root, the directory the tests run in). Statistics must agree to 1e-12
 * relative, p-values and special functions to 1e-9. The large cases
 * (n = 10^5) are regenerated here by the script's splitmix64 generator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>
#include <jansson.h>

#include "drift.h"

#define TOL 1e-12	/* statistics */
#define TOL_SF 1e-9	/* p-values and special functions */

static json_t *ref;
static size_t compared, exact;
static double worst_stat, worst_sf;

static int setup(void **state)
{
	const char *path = getenv("MLCI_REF_DRIFT");
	json_error_t je;

	if (!path)
		path = "tests/ref/drift.json";
	ref = json_load_file(path, 0, &je);
	if (!ref)
		fprintf(stderr, "cannot read %s: %s\n", path, je.text);
	return ref ? 0 : -1;
}

static int teardown(void **state)
{
	fprintf(stderr, "# %zu values compared with scipy, %zu bit-identical; "
		"worst relative error %.3g (statistics), %.3g (p-values, "
		"special functions)\n", compared, exact, worst_stat, worst_sf);
	json_decref(ref);
	return 0;
}

static void near_tol(double got, double want, double tol, const char *what,
		     const char *name)
{
	double rel;

	compared++;
	assert_true(isfinite(got));
	if (got == want) {
		exact++;
		return;
	}
	rel = fabs(got - want) / fabs(want);
	if (tol == TOL && rel > worst_stat)
		worst_stat = rel;
	if (tol == TOL_SF && rel > worst_sf)
		worst_sf = rel;
	if (!(rel <= tol)) {
		fprintf(stderr, "%s %s: got %.17g, scipy %.17g (rel %.3g)\n",
			name, what, got, want, rel);
		fail();
	}
}

static void near(double got, double want, const char *what, const char *name)
{
	near_tol(got, want, TOL, what, name);
}

static double num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		fprintf(stderr, "missing number %s\n", key);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double *doubles(const json_t *arr, size_t *n)
{
	size_t i;
	double *out;
	json_t *v;

	assert_true(json_is_array(arr));
	*n = json_array_size(arr);
	out = calloc(*n ? *n : 1, sizeof(*out));
	assert_non_null(out);
	json_array_foreach(arr, i, v) {
		assert_true(json_is_number(v));
		out[i] = json_number_value(v);
	}
	return out;
}

/* A sample as stored: {x, w?, n}; the arrays are owned by s. */
static void sample_load(const json_t *o, struct wsample *s)
{
	size_t m, mw;
	double *x = doubles(json_object_get(o, "x"), &m);
	json_t *w = json_object_get(o, "w");

	s->x = x;
	s->m = m;
	s->w = NULL;
	s->n = num(o, "n");
	if (w) {
		s->w = doubles(w, &mw);
		assert_int_equal(mw, m);
	}
}

static void sample_free(struct wsample *s)
{
	free((double *)s->x);
	free((double *)s->w);
	memset(s, 0, sizeof(*s));
}

/* ---- the generator of tests/ref/scipy_drift.py ---- */

struct splitmix {
	uint64_t state;
};

static double splitmix_next(struct splitmix *g)
{
	uint64_t z;

	g->state += 0x9E3779B97F4A7C15ull;
	z = g->state;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

struct pair {
	double x, w;
	size_t i;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

static void generate(const json_t *g, struct wsample *s)
{
	json_int_t seed = json_integer_value(json_object_get(g, "seed"));
	struct splitmix r = { (uint64_t)seed };
	size_t n = (size_t)json_integer_value(json_object_get(g, "n")), i;
	int weighted = json_is_true(json_object_get(g, "weighted"));
	int irwin = !strcmp(str(g, "kind"), "irwin_hall");
	double shift = num(g, "shift"), levels = 0, *x, *w = NULL;
	struct pair *p = calloc(n, sizeof(*p));
	int k;

	assert_non_null(p);
	if (!irwin)
		levels = num(g, "levels");
	for (i = 0; i < n; i++) {
		if (irwin) {
			double sum = 0.0;

			for (k = 0; k < 12; k++)
				sum += splitmix_next(&r);
			p[i].x = (sum - 6.0) + shift;
		} else {
			p[i].x = floor(splitmix_next(&r) * levels) + shift;
		}
		p[i].w = weighted ? 0.5 + splitmix_next(&r) : 1;
		p[i].i = i;
	}
	qsort(p, n, sizeof(*p), pair_cmp);
	x = malloc(n * sizeof(*x));
	assert_non_null(x);
	if (weighted) {
		w = malloc(n * sizeof(*w));
		assert_non_null(w);
	}
	for (i = 0; i < n; i++) {
		x[i] = p[i].x;
		if (w)
			w[i] = p[i].w;
	}
	free(p);
	s->x = x;
	s->w = w;
	s->m = n;
	s->n = (double)n;
}

/* ---- numeric cases ---- */

static void check_numeric_case(const json_t *c, const struct wsample *a,
			       const struct wsample *b)
{
	const char *name = str(c, "name");
	struct mlci_err err = { 0 };
	struct drift_result res;
	double d, p, w1, mean, sd, big, psi;
	size_t i, j, used;
	json_t *pj;

	assert_int_equal(drift_ks(a, b, &d, &p, &err), 0);
	near(d, num(c, "ks_d"), "ks D", name);
	near_tol(p, num(c, "ks_p"), TOL_SF, "ks p", name);
	assert_int_equal(drift_wasserstein(a, b, &w1, &err), 0);
	near(w1, num(c, "wasserstein"), "wasserstein", name);
	assert_int_equal(drift_wsample_moments(a, &mean, &sd, &err), 0);
	near(mean, num(c, "ref_mean"), "ref mean", name);
	near(sd, num(c, "ref_sd"), "ref sd", name);
	big = num(c, "max_abs");
	near(drift_wasserstein_normalise(w1, sd, big),
	     num(c, "wasserstein_norm"), "wasserstein_norm", name);

	json_array_foreach(json_object_get(c, "psi"), j, pj) {
		size_t bins = (size_t)json_integer_value(json_object_get(pj, "bins"));
		size_t ne, nwant;
		double edges[DRIFT_MAX_BINS], cr[DRIFT_MAX_BINS], cc[DRIFT_MAX_BINS];
		double *we = doubles(json_object_get(pj, "edges"), &nwant);
		double *wr = doubles(json_object_get(pj, "ref_counts"), &ne);
		double *wc = doubles(json_object_get(pj, "cur_counts"), &ne);

		assert_int_equal(drift_psi_edges(a, bins, edges, &ne, &err), 0);
		assert_int_equal(ne, nwant);
		for (i = 0; i < ne; i++)
			assert_true(edges[i] == we[i]);	/* sample values */
		assert_int_equal(drift_bin_counts(a, edges, ne, cr, &err), 0);
		assert_int_equal(drift_bin_counts(b, edges, ne, cc, &err), 0);
		for (i = 0; i <= ne; i++) {
			near(cr[i], wr[i], "psi ref count", name);
			near(cc[i], wc[i], "psi cur count", name);
			assert_true(cr[i] > 0);	/* never empty by construction */
		}
		assert_int_equal(drift_psi_numeric(a, b, bins, DRIFT_ALPHA, &psi,
						   &used, &err), 0);
		near(psi, num(pj, "psi"), "psi", name);
		assert_int_equal(used, json_integer_value(json_object_get(pj, "used")));
		free(we);
		free(wr);
		free(wc);
	}

	/* The picker carries the same numbers. */
	assert_int_equal(drift_numeric(a, b, NULL, &res, &err), 0);
	assert_true(res.defined);
	assert_true(res.stat == d && res.wasserstein == w1);
	near(res.wasserstein_norm, num(c, "wasserstein_norm"), "picker W", name);
	assert_true(res.effect == res.wasserstein_norm);
	near(res.psi, num(json_array_get(json_object_get(c, "psi"), 0), "psi"),
	     "picker psi", name);
	if (json_is_true(json_object_get(c, "constant_ref")))
		assert_true(res.notes & DRIFT_NOTE_CONSTANT_REF);
	else
		assert_false(res.notes & DRIFT_NOTE_CONSTANT_REF);
	if (a->n >= DRIFT_MIN_N && b->n >= DRIFT_MIN_N) {
		assert_string_equal(res.test, "ks");
		assert_true(res.p_value == p);
	} else {
		assert_null(res.test);
		assert_true(res.p_value == 1);
		assert_true(res.notes & DRIFT_NOTE_SMALL_SAMPLE);
		assert_true(res.by_effect);
	}
	assert_int_equal(!!(res.notes & DRIFT_NOTE_LARGE_SAMPLE),
			 a->n > DRIFT_LARGE_N && b->n > DRIFT_LARGE_N);
}

static void test_drift__numeric_matches_scipy(void **state)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(ref, "numeric"), i, c) {
		struct wsample a, b;

		sample_load(json_object_get(c, "ref"), &a);
		sample_load(json_object_get(c, "cur"), &b);
		check_numeric_case(c, &a, &b);
		sample_free(&a);
		sample_free(&b);
	}
	assert_true(i >= 16);
}

static void test_drift__large_generated_samples_match_scipy(void **state)
{
	json_t *c;
	size_t i, k;

	json_array_foreach(json_object_get(ref, "generated"), i, c) {
		struct wsample a, b;
		json_t *cv = json_object_get(c, "check_values");
		double sum = 0;

		generate(json_object_get(c, "gen_ref"), &a);
		generate(json_object_get(c, "gen_cur"), &b);
		/* The generator is the script's, bit for bit. */
		assert_true(a.x[0] == num(cv, "ref_first"));
		assert_true(a.x[a.m - 1] == num(cv, "ref_last"));
		for (k = 0; k < a.m; k++)
			sum += a.x[k];
		assert_true(sum == num(cv, "ref_sum"));
		check_numeric_case(c, &a, &b);
		sample_free(&a);
		sample_free(&b);
	}
	assert_int_equal(i, 4);
}

/* The asymptotic p-value errs on the large side of the exact one (where
 * scipy could compute it), and is near scipy's method='asymp'. */
static void test_drift__asymptotic_p_is_conservative(void **state)
{
	json_t *c;
	size_t i, n = 0;

	json_array_foreach(json_object_get(ref, "numeric"), i, c) {
		json_t *e = json_object_get(c, "exact_p");

		/* (Not for n < DRIFT_MIN_N: 1 vs 1 gives exact p = 1.) */
		if (!e || num(c, "ks_d") == 0 ||
		    num(json_object_get(c, "ref"), "n") < DRIFT_MIN_N ||
		    num(json_object_get(c, "cur"), "n") < DRIFT_MIN_N)
			continue;
		assert_true(num(c, "ks_p") >= json_number_value(e));
		n++;
	}
	assert_true(n >= 8);
}

/* A sketch-like summary of a large sample: every k-th order statistic
 * with weight k. D moves by at most the rank error; with rank_error the
 * p-value never falls below the exact-data one. */
static void test_drift__sketch_rank_error_is_allowed_for(void **state)
{
	json_t *c = json_array_get(json_object_get(ref, "generated"), 0);
	struct wsample a, b, sa, sb;
	struct mlci_err err = { 0 };
	struct drift_result raw, sk;
	struct drift_opts o = { 0 };
	const size_t step = 200;
	double *xa, *wa, *xb, *wb, d_raw, d_sk, p;
	size_t i;

	generate(json_object_get(c, "gen_ref"), &a);
	generate(json_object_get(c, "gen_cur"), &b);
	xa = malloc(a.m / step * sizeof(*xa));
	wa = malloc(a.m / step * sizeof(*wa));
	xb = malloc(b.m / step * sizeof(*xb));
	wb = malloc(b.m / step * sizeof(*wb));
	assert_true(xa && wa && xb && wb);
	for (i = 0; i < a.m / step; i++) {
		xa[i] = a.x[i * step + step / 2];
		wa[i] = step;
	}
	for (i = 0; i < b.m / step; i++) {
		xb[i] = b.x[i * step + step / 2];
		wb[i] = step;
	}
	sa = (struct wsample){ xa, wa, a.m / step, a.n };
	sb = (struct wsample){ xb, wb, b.m / step, b.n };
	assert_int_equal(drift_ks(&a, &b, &d_raw, &p, &err), 0);
	assert_int_equal(drift_ks(&sa, &sb, &d_sk, &p, &err), 0);
	o.rank_error = 2.0 * step / (double)a.m;	/* eps_ref + eps_cur */
	assert_true(fabs(d_sk - d_raw) <= o.rank_error);
	assert_int_equal(drift_numeric(&a, &b, NULL, &raw, &err), 0);
	assert_int_equal(drift_numeric(&sa, &sb, &o, &sk, &err), 0);
	assert_true(sk.notes & DRIFT_NOTE_SKETCH_ERROR);
	assert_false(sk.notes & DRIFT_NOTE_WITHIN_ERROR);
	assert_true(sk.p_value >= raw.p_value);
	assert_true(sk.p_value == drift_ks_pvalue(d_sk - o.rank_error, a.n, b.n));
	assert_true(sk.by_effect && raw.by_effect);	/* n > DRIFT_LARGE_N */
	/* A difference inside the error bound gives p = 1. */
	o.rank_error = d_sk;
	assert_int_equal(drift_numeric(&sa, &sb, &o, &sk, &err), 0);
	assert_true(sk.notes & DRIFT_NOTE_WITHIN_ERROR);
	assert_true(sk.p_value == 1);
	free(xa);
	free(wa);
	free(xb);
	free(wb);
	sample_free(&a);
	sample_free(&b);
}

/* ---- categorical ---- */

static void test_drift__categorical_matches_scipy(void **state)
{
	struct mlci_err err = { 0 };
	struct drift_result res;
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(ref, "categorical"), i, c) {
		const char *name = str(c, "name");
		json_t *pick = json_object_get(c, "pick");
		size_t k, k2, used;
		double *r = doubles(json_object_get(c, "ref"), &k);
		double *u = doubles(json_object_get(c, "cur"), &k2);
		double stat, dof, p, js, psi;

		assert_int_equal(k, k2);
		assert_int_equal(drift_chi2(r, u, k, &stat, &dof, &p, &err), 0);
		near(stat, num(c, "chi2_stat"), "chi2", name);
		assert_true(dof == num(c, "chi2_dof"));
		near_tol(p, num(c, "chi2_p"), TOL_SF, "chi2 p", name);
		assert_int_equal(drift_js(r, u, k, &js, &err), 0);
		near(js, num(c, "js"), "js", name);
		assert_int_equal(drift_psi_counts(r, u, k, DRIFT_ALPHA, &psi,
						  &used, &err), 0);
		near(psi, num(c, "psi"), "psi", name);
		assert_int_equal(used, json_integer_value(json_object_get(c, "psi_used")));

		assert_int_equal(drift_categorical(r, u, k, NULL, &res, &err), 0);
		assert_true(res.defined);
		assert_true(res.js == js && res.psi == psi && res.effect == js);
		if (json_is_null(json_object_get(pick, "test"))) {
			assert_null(res.test);
			assert_true(res.by_effect);
			assert_true(res.p_value == 1 && res.stat == 0);
			assert_true(res.notes & (json_is_true(json_object_get(pick, "small"))
					? DRIFT_NOTE_SMALL_SAMPLE : DRIFT_NOTE_LOW_EXPECTED));
		} else {
			assert_string_equal(res.test, "chi2");
			near(res.stat, num(pick, "stat"), "picked chi2", name);
			near_tol(res.p_value, num(pick, "p"), TOL_SF, "picked p", name);
			assert_true(res.dof == num(pick, "dof"));
			assert_int_equal(!!(res.notes & DRIFT_NOTE_POOLED),
					 json_is_true(json_object_get(pick, "pooled")));
		}
		free(r);
		free(u);
	}
	assert_true(i >= 12);
}

/* ---- special functions ---- */

static void test_drift__kolmogorov_sf_matches_scipy(void **state)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(ref, "kolmogorov"), i, row) {
		double l = json_number_value(json_array_get(row, 0));
		double want = json_number_value(json_array_get(row, 1));

		near_tol(drift_kolmogorov_sf(l), want, TOL_SF, "Q_KS", "kolmogorov");
	}
	assert_true(i > 300);
	assert_true(drift_kolmogorov_sf(-1) == 1);
	assert_true(drift_kolmogorov_sf(NAN) == 1);
	assert_true(drift_kolmogorov_sf(INFINITY) == 0);
}

static void test_drift__chi2_sf_and_gamma_q_match_scipy(void **state)
{
	json_t *row;
	size_t i, j;

	json_array_foreach(json_object_get(ref, "chi2_sf"), i, row) {
		double x = json_number_value(json_array_get(row, 0));
		double k = json_number_value(json_array_get(row, 1));
		double want = json_number_value(json_array_get(row, 2));

		near_tol(drift_chi2_sf(x, k), want, TOL_SF, "chi2.sf", "chi2_sf");
	}
	json_array_foreach(json_object_get(ref, "gammaincc"), j, row) {
		double a = json_number_value(json_array_get(row, 0));
		double x = json_number_value(json_array_get(row, 1));
		double want = json_number_value(json_array_get(row, 2));

		near_tol(drift_gamma_q(a, x), want, TOL_SF, "Q(a,x)", "gammaincc");
	}
	assert_true(i > 300 && j > 300);
	assert_true(drift_chi2_sf(0, 3) == 1 && drift_chi2_sf(-1, 3) == 1);
	assert_true(drift_chi2_sf(1e300, 3) == 0);
	assert_true(drift_gamma_q(0, 1) == 0 && drift_gamma_q(2, 0) == 1);
	assert_true(drift_gamma_q(2, INFINITY) == 0);
	assert_false(isnan(drift_gamma_q(NAN, 1)) || isnan(drift_gamma_q(1, NAN)));
}

/* ---- multiple testing ---- */

static void test_drift__bh_matches_textbook(void **state)
{
	struct mlci_err err = { 0 };
	json_t *c;
	size_t i, k, m, n;

	json_array_foreach(json_object_get(ref, "bh"), i, c) {
		double *p = doubles(json_object_get(c, "p"), &m);
		double *want = doubles(json_object_get(c, "q"), &n);
		double *q = malloc(m * sizeof(*q));
		unsigned char *rej = malloc(m);
		size_t nrej = 0;
		json_t *r05 = json_object_get(c, "reject_05");

		assert_true(q && rej);
		assert_int_equal(drift_bh(p, m, q, &err), 0);
		for (k = 0; k < m; k++)
			near(q[k], want[k], "q", "bh");
		for (k = 0; k < m; k++)
			nrej += json_is_true(json_array_get(r05, k));
		assert_int_equal(drift_bh_reject(q, m, 0.05, rej), nrej);
		for (k = 0; k < m; k++)
			assert_int_equal(rej[k], json_is_true(json_array_get(r05, k)));
		/* in place */
		assert_int_equal(drift_bh(p, m, p, &err), 0);
		for (k = 0; k < m; k++)
			assert_true(p[k] == q[k]);
		free(p);
		free(want);
		free(q);
		free(rej);
	}
	{
		double bad[2] = { 0.5, 1.5 }, nanp[1] = { NAN }, out[2];

		assert_int_equal(drift_bh(bad, 0, out, &err), 0);
		assert_int_equal(drift_bh(bad, 2, out, &err), -1);
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
		assert_int_equal(drift_bh(nanp, 1, out, &err), -1);
	}
}

/* ---- smoothing and edge cases ---- */

static void test_drift__psi_smoothing_keeps_empty_bins_finite(void **state)
{
	struct mlci_err err = { 0 };
	const double r[4] = { 100, 0, 50, 50 }, c[4] = { 0, 80, 10, 10 };
	const double r10[4] = { 1000, 0, 500, 500 }, c10[4] = { 0, 800, 100, 100 };
	double psi, psi10, psi_big_alpha, half, d;
	size_t used;

	/* An empty bin on either side: finite, positive. */
	assert_int_equal(drift_psi_counts(r, c, 4, DRIFT_ALPHA, &psi, &used,
					  &err), 0);
	assert_true(isfinite(psi) && psi > 0);
	assert_int_equal(used, 4);
	/* The formula, term by term: p = (count + a) / (N + a B). */
	{
		double s = 0, pr, pc;
		int i;

		for (i = 0; i < 4; i++) {
			pr = (r[i] + 0.5) / (200 + 0.5 * 4);
			pc = (c[i] + 0.5) / (100 + 0.5 * 4);
			s += (pc - pr) * log(pc / pr);
		}
		assert_true(fabs(psi - s) <= 1e-14 * s);
	}
	/* More rows with the same shares: the smoothing fades, PSI grows
	 * towards the (infinite) unsmoothed value; a larger alpha smooths
	 * more. */
	assert_int_equal(drift_psi_counts(r10, c10, 4, DRIFT_ALPHA, &psi10,
					  NULL, &err), 0);
	assert_true(psi10 > psi && isfinite(psi10));
	assert_int_equal(drift_psi_counts(r, c, 4, 5.0, &psi_big_alpha, NULL,
					  &err), 0);
	assert_true(psi_big_alpha < psi);
	/* Identical shares, different totals: PSI near 0, and exactly 0 for
	 * identical counts. */
	{
		const double a[3] = { 10, 20, 30 }, b[3] = { 10, 20, 30 };

		assert_int_equal(drift_psi_counts(a, b, 3, DRIFT_ALPHA, &half,
						  NULL, &err), 0);
		assert_true(half == 0);
	}
	/* Categories empty on both sides are dropped, not smoothed. */
	{
		const double a[3] = { 10, 0, 30 }, b[3] = { 12, 0, 25 };
		const double a2[2] = { 10, 30 }, b2[2] = { 12, 25 };

		assert_int_equal(drift_psi_counts(a, b, 3, DRIFT_ALPHA, &d, &used,
						  &err), 0);
		assert_int_equal(used, 2);
		assert_int_equal(drift_psi_counts(a2, b2, 2, DRIFT_ALPHA, &half,
						  NULL, &err), 0);
		assert_true(d == half);
	}
	/* Numeric: all current values beyond the reference's range. */
	{
		const double x[5] = { 1, 2, 3, 4, 5 }, y[3] = { 10, 11, 12 };
		struct wsample a = { x, NULL, 5, 5 }, b = { y, NULL, 3, 3 };

		assert_int_equal(drift_psi_numeric(&a, &b, 0, DRIFT_ALPHA, &psi,
						   &used, &err), 0);
		assert_true(isfinite(psi) && psi > 0);
		/* Deciles of 1..5: edges 1, 2, 3, 4 (5, the maximum,
		 * dropped): 5 bins, 3 of them empty in the current. */
		assert_int_equal(used, 5);
	}
}

static void test_drift__empty_inputs_are_undefined_not_nan(void **state)
{
	struct mlci_err err = { 0 };
	const double x[3] = { 1, 2, 3 }, z[3] = { 0, 0, 0 }, c[3] = { 1, 2, 3 };
	struct wsample e = { NULL, NULL, 0, 0 }, a = { x, NULL, 3, 0 };
	struct drift_result res;
	double d = -1, p = -1, w = -1, m = -1, s = -1, edges[9], cnt[10];
	double stat = -1, dof = -1;
	size_t ne = 99, used = 99;

	assert_int_equal(drift_ks(&e, &a, &d, &p, &err), DRIFT_UNDEFINED);
	assert_true(d == 0 && p == 1);
	assert_int_equal(drift_ks(&a, &e, &d, &p, &err), DRIFT_UNDEFINED);
	assert_int_equal(drift_wasserstein(&a, &e, &w, &err), DRIFT_UNDEFINED);
	assert_true(w == 0);
	assert_int_equal(drift_wsample_moments(&e, &m, &s, &err), DRIFT_UNDEFINED);
	assert_true(m == 0 && s == 0);
	assert_int_equal(drift_psi_edges(&e, 10, edges, &ne, &err), DRIFT_UNDEFINED);
	assert_int_equal(ne, 0);
	assert_int_equal(drift_bin_counts(&e, edges, 0, cnt, &err), DRIFT_UNDEFINED);
	assert_true(cnt[0] == 0);
	assert_int_equal(drift_psi_numeric(&a, &e, 10, DRIFT_ALPHA, &w, &used,
					   &err), DRIFT_UNDEFINED);
	assert_true(w == 0 && used == 0);
	assert_int_equal(drift_numeric(&e, &a, NULL, &res, &err), 0);
	assert_false(res.defined);
	assert_null(res.test);
	assert_true(res.p_value == 1 && res.stat == 0 && res.effect == 0);

	assert_int_equal(drift_chi2(z, c, 3, &stat, &dof, &p, &err), DRIFT_UNDEFINED);
	assert_true(stat == 0 && dof == 0 && p == 1);
	assert_int_equal(drift_js(c, z, 3, &d, &err), DRIFT_UNDEFINED);
	assert_true(d == 0);
	assert_int_equal(drift_psi_counts(z, c, 3, DRIFT_ALPHA, &d, NULL, &err),
			 DRIFT_UNDEFINED);
	assert_int_equal(drift_psi_counts(NULL, NULL, 0, DRIFT_ALPHA, &d, NULL,
					  &err), DRIFT_UNDEFINED);
	assert_int_equal(drift_categorical(c, z, 3, NULL, &res, &err), 0);
	assert_false(res.defined);
	assert_true(res.p_value == 1);
	assert_true(drift_ks_pvalue(0.5, 0, 10) == 1);
	assert_true(drift_ks_pvalue(1e-150, DBL_MAX, DBL_MAX) ==
		    drift_kolmogorov_sf(sqrt(DBL_MAX / 2) * 1e-150));
	assert_true(drift_ks_pvalue(0, 10, 10) == 1);
}

static void check_all_finite(const struct drift_result *r)
{
	assert_true(isfinite(r->stat) && isfinite(r->p_value) &&
		    isfinite(r->effect) && isfinite(r->wasserstein) &&
		    isfinite(r->wasserstein_norm) && isfinite(r->psi) &&
		    isfinite(r->js) && isfinite(r->dof));
	assert_true(r->p_value >= 0 && r->p_value <= 1);
	assert_true(r->wasserstein >= 0 && r->wasserstein_norm >= 0 &&
		    r->psi >= 0 && r->js >= 0 && r->js <= 1 && r->stat >= 0);
	if (r->test && !strcmp(r->test, "ks"))
		assert_true(r->stat <= 1);
}

static void test_drift__extreme_values_stay_finite(void **state)
{
	struct mlci_err err = { 0 };
	const double big[3] = { -DBL_MAX, 0, DBL_MAX };
	const double top[2] = { DBL_MAX / 2, DBL_MAX };
	const double tiny[3] = { 4.9e-324, 1e-320, 2e-310 };
	const double zero[4] = { 0, 0, 0, 0 };
	const double one[1] = { 1e-300 };
	struct wsample a = { big, NULL, 3, 0 }, b = { top, NULL, 2, 0 };
	struct wsample t = { tiny, NULL, 3, 0 }, z = { zero, NULL, 4, 0 };
	struct wsample o = { one, NULL, 1, 0 };
	struct drift_result r;
	double w, m, s;

	assert_int_equal(drift_wasserstein(&a, &b, &w, &err), 0);
	assert_true(fabs(w / DBL_MAX - 0.75) < 1e-15);	/* M/3 + M/3 + M/12 */
	{
		struct wsample lo = { big, NULL, 1, 0 }, hi = { big + 2, NULL, 1, 0 };

		assert_int_equal(drift_wasserstein(&lo, &hi, &w, &err), 0);
		assert_true(w == DBL_MAX);	/* 2 DBL_MAX saturates */
	}
	assert_int_equal(drift_wsample_moments(&a, &m, &s, &err), 0);
	assert_true(m == 0 && isfinite(s) && s > 1e308);
	assert_int_equal(drift_numeric(&a, &b, NULL, &r, &err), 0);
	check_all_finite(&r);
	assert_int_equal(drift_numeric(&b, &a, NULL, &r, &err), 0);
	check_all_finite(&r);
	assert_int_equal(drift_numeric(&t, &z, NULL, &r, &err), 0);
	check_all_finite(&r);
	assert_true(r.wasserstein > 0 && r.wasserstein_norm > 0);
	/* All zero on both sides: no drift at all. */
	assert_int_equal(drift_numeric(&z, &z, NULL, &r, &err), 0);
	check_all_finite(&r);
	assert_true(r.stat == 0 && r.wasserstein_norm == 0 && r.psi == 0);
	assert_true(r.notes & DRIFT_NOTE_CONSTANT_REF);
	/* Constant zero reference, tiny current: the floor is 1e-12 M. */
	assert_int_equal(drift_numeric(&z, &o, NULL, &r, &err), 0);
	check_all_finite(&r);
	assert_true(r.wasserstein_norm > 1e11 && r.wasserstein_norm <= 2e12);
	/* The normaliser itself. */
	assert_true(drift_wasserstein_normalise(0, 0, 0) == 0);
	assert_true(drift_wasserstein_normalise(1, 0, 0) == DBL_MAX);
	assert_true(drift_wasserstein_normalise(1, 2, 10) == 0.5);
	assert_true(drift_wasserstein_normalise(1, 1e-20, 10) == 1 / 1e-11);
	assert_true(fabs(drift_wasserstein_normalise(DBL_MAX, 1e-300, DBL_MAX)
			 / 1e12 - 1) < 1e-15);
	assert_true(drift_wasserstein_normalise(NAN, 1, 1) == 0);
	/* Huge counts in categorical statistics. */
	{
		const double cr[2] = { 1e289, 1e289 }, cc[2] = { 1e289, 3e289 };
		const double sr[2] = { 1, 1 }, sc[2] = { 1, 3 };
		double stat, dof, p, js, psi, small;

		/* The statistic scales with the counts: 1e289 times (1,1;1,3). */
		assert_int_equal(drift_chi2(sr, sc, 2, &small, &dof, &p, &err), 0);
		assert_int_equal(drift_chi2(cr, cc, 2, &stat, &dof, &p, &err), 0);
		assert_true(fabs(stat / (small * 1e289) - 1) < 1e-12);
		assert_true(p == 0);
		{
			const double t1[2] = { 1e-300, 1e-300 };
			const double t2[2] = { 1e-300, 3e-300 };

			assert_int_equal(drift_chi2(t1, t2, 2, &stat, &dof, &p,
						    &err), 0);
			assert_true(fabs(stat / (small * 1e-300) - 1) < 1e-12);
			assert_true(p == 1);
		}
		{
			const double m1[2] = { DRIFT_MAX_COUNT, 0 };
			const double m2[2] = { 0, DRIFT_MAX_COUNT };
			const double m3[2] = { DBL_MAX / 4, 0 };

			assert_int_equal(drift_chi2(m1, m2, 2, &stat, &dof, &p,
						    &err), 0);
			/* disjoint 2 x 2: the statistic is N */
			assert_true(fabs(stat / (2 * DRIFT_MAX_COUNT) - 1) < 1e-12);
			assert_true(p == 0);
			assert_int_equal(drift_chi2(m3, m2, 2, &stat, &dof, &p,
						    &err), -1);
			assert_int_equal(err.code, MLCI_EXIT_DATAERR);
		}
		assert_int_equal(drift_js(cr, cc, 2, &js, &err), 0);
		assert_true(isfinite(js));
		assert_int_equal(drift_psi_counts(cr, cc, 2, DRIFT_ALPHA, &psi,
						  NULL, &err), 0);
		assert_true(isfinite(psi));
	}
}

static double pick(struct splitmix *g, const double *v, size_t n)
{
	size_t i = (size_t)(splitmix_next(g) * (double)n);

	return v[i < n ? i : n - 1];
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Random small samples and count arrays drawn from extreme values: every
 * output finite, every p in [0, 1], no sanitizer complaint. */
static void test_drift__random_extremes_never_nan(void **state)
{
	static const double vals[] = {
		0, -0.0, 1, -1, 1e-310, -4.9e-324, 1e300, -1e300, DBL_MAX,
		-DBL_MAX, DBL_MAX / 3, 3.5, 3.5, 1e-12, 2.2250738585072014e-308,
	};
	static const double wts[] = { 1, 0.5, 1e-300, 1e280, 7, 1e-5, 3e150,
				      DBL_MAX / 4 };
	static const double ns[] = { 0, 1, 3, 1e6, 1e290, DBL_MAX };
	static const double cnts[] = { 0, 0, 1, 2, 1e-300, 1e290, 0.5, 17,
				       1e6 };
	struct splitmix g = { 42 };
	struct mlci_err err = { 0 };
	struct drift_result r;
	struct drift_opts o = { 0 };
	double xa[8], xb[8], wa[8], wb[8], ca[6], cb[6], q[6];
	int round, accepted = 0;
	size_t i;

	for (round = 0; round < 20000; round++) {
		size_t ma = 1 + (size_t)(splitmix_next(&g) * 7);
		size_t mb = 1 + (size_t)(splitmix_next(&g) * 7);
		size_t k = 1 + (size_t)(splitmix_next(&g) * 6);
		struct wsample a = { xa, NULL, ma, pick(&g, ns, 6) };
		struct wsample b = { xb, NULL, mb, pick(&g, ns, 6) };

		for (i = 0; i < ma; i++) {
			xa[i] = pick(&g, vals, 15);
			wa[i] = pick(&g, wts, 8);
		}
		for (i = 0; i < mb; i++) {
			xb[i] = pick(&g, vals, 15);
			wb[i] = pick(&g, wts, 8);
		}
		qsort(xa, ma, sizeof(double), dbl_cmp);
		qsort(xb, mb, sizeof(double), dbl_cmp);
		if (round & 1) {
			a.w = wa;
			b.w = wb;
		}
		o.rank_error = (round & 2) ? 0.01 : 0;
		o.bins = 2 + (size_t)round % 12;
		if (drift_numeric(&a, &b, &o, &r, &err) == 0) {
			double mean, sd;

			check_all_finite(&r);
			assert_int_equal(drift_wsample_moments(&a, &mean, &sd,
							       &err), 0);
			assert_true(isfinite(mean) && isfinite(sd) && sd >= 0);
			accepted++;
		} else {
			/* only n or total weights above DRIFT_MAX_COUNT
			 * are refused */
			if (!strstr(err.msg, "above 1e290"))
				fprintf(stderr, "round %d: %s\n", round, err.msg);
			assert_non_null(strstr(err.msg, "above 1e290"));
		}
		for (i = 0; i < k; i++) {
			ca[i] = pick(&g, cnts, 9);
			cb[i] = pick(&g, cnts, 9);
		}
		assert_int_equal(drift_categorical(ca, cb, k, &o, &r, &err), 0);
		check_all_finite(&r);
		for (i = 0; i < k; i++)
			q[i] = splitmix_next(&g) < 0.2 ? 0 : splitmix_next(&g);
		assert_int_equal(drift_bh(q, k, q, &err), 0);
		for (i = 0; i < k; i++)
			assert_true(q[i] >= 0 && q[i] <= 1);
	}
	fprintf(stderr, "# %d of 20000 random numeric cases accepted\n", accepted);
	assert_true(accepted > 8000);
}

static void test_drift__single_constant_and_disjoint_samples(void **state)
{
	struct mlci_err err = { 0 };
	const double x[1] = { 3 }, y[1] = { 5 }, c7[4] = { 7, 7, 7, 7 };
	const double lo[6] = { 0, 1, 2, 3, 4, 5 }, hi[6] = { 10, 11, 12, 13, 14, 15 };
	struct wsample a = { x, NULL, 1, 1 }, b = { y, NULL, 1, 1 };
	struct wsample c = { c7, NULL, 4, 4 };
	struct wsample l = { lo, NULL, 6, 6 }, h = { hi, NULL, 6, 6 };
	struct drift_result r;
	double d, p, w;

	assert_int_equal(drift_ks(&a, &a, &d, &p, &err), 0);
	assert_true(d == 0 && p == 1);
	assert_int_equal(drift_ks(&a, &b, &d, &p, &err), 0);
	assert_true(d == 1 && p > 0 && p < 1);
	assert_int_equal(drift_wasserstein(&a, &b, &w, &err), 0);
	assert_true(w == 2);
	assert_int_equal(drift_numeric(&a, &b, NULL, &r, &err), 0);
	check_all_finite(&r);
	assert_null(r.test);	/* n = 1 < DRIFT_MIN_N */
	assert_true(r.notes & DRIFT_NOTE_SMALL_SAMPLE);
	assert_int_equal(drift_numeric(&c, &c, NULL, &r, &err), 0);
	check_all_finite(&r);
	assert_true(r.stat == 0 && r.wasserstein == 0 && r.psi == 0);
	assert_int_equal(r.bins, 1);
	assert_int_equal(drift_numeric(&l, &h, NULL, &r, &err), 0);
	check_all_finite(&r);
	assert_true(r.stat == 1 && r.wasserstein == 10);
	assert_string_equal(r.test, "ks");
	assert_false(r.by_effect);
	/* min_n and large_n are options. */
	{
		struct drift_opts o = { 0 };

		o.min_n = 7;
		assert_int_equal(drift_numeric(&l, &h, &o, &r, &err), 0);
		assert_null(r.test);
		o.min_n = 1;
		o.large_n = 5;
		assert_int_equal(drift_numeric(&l, &h, &o, &r, &err), 0);
		assert_string_equal(r.test, "ks");
		assert_true(r.by_effect && (r.notes & DRIFT_NOTE_LARGE_SAMPLE));
		o.large_n = 0;
		o.have_ref_sd = 1;
		o.ref_sd = 4;
		assert_int_equal(drift_numeric(&l, &h, &o, &r, &err), 0);
		assert_true(r.wasserstein_norm == 2.5);
	}
	/* Disjoint categories. */
	{
		const double cr[2] = { 100, 0 }, cc[2] = { 0, 70 };
		double js;

		assert_int_equal(drift_js(cr, cc, 2, &js, &err), 0);
		assert_true(js == 1);
		assert_int_equal(drift_categorical(cr, cc, 2, NULL, &r, &err), 0);
		check_all_finite(&r);
		assert_string_equal(r.test, "chi2");
		assert_true(r.p_value < 1e-30);
	}
}

static void test_drift__bad_inputs_are_errors(void **state)
{
	struct mlci_err err = { 0 };
	const double x[3] = { 1, 3, 2 }, ok[3] = { 1, 2, 3 }, nanx[2] = { 1, NAN };
	const double w0[3] = { 1, 0, 1 }, winf[3] = { 1, INFINITY, 1 };
	const double neg[2] = { 1, -1 }, pos[2] = { 1, 1 };
	struct wsample uns = { x, NULL, 3, 3 }, good = { ok, NULL, 3, 3 };
	struct wsample nn = { nanx, NULL, 2, 2 }, zw = { ok, w0, 3, 3 };
	struct wsample iw = { ok, winf, 3, 3 }, badn = { ok, NULL, 3, -1 };
	struct wsample ghost = { NULL, NULL, 0, 5 }, nox = { NULL, NULL, 3, 3 };
	struct drift_result r;
	struct drift_opts o = { 0 };
	double d, p, edges[9], psi;
	size_t ne, used;

	assert_null(drift_wsample_check(&good));
	assert_string_equal(drift_wsample_check(&uns),
			    "values are not sorted ascending");
	assert_non_null(drift_wsample_check(&nn));
	assert_non_null(drift_wsample_check(&zw));
	assert_non_null(drift_wsample_check(&iw));
	assert_non_null(drift_wsample_check(&badn));
	assert_non_null(drift_wsample_check(&ghost));
	assert_non_null(drift_wsample_check(&nox));
	assert_non_null(drift_wsample_check(NULL));
	assert_int_equal(drift_ks(&uns, &good, &d, &p, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "reference sample"));
	assert_int_equal(drift_ks(&good, &nn, &d, &p, &err), -1);
	assert_non_null(strstr(err.msg, "current sample"));
	assert_true(d == 0 && p == 1);
	assert_int_equal(drift_wasserstein(&zw, &good, &d, &err), -1);
	assert_int_equal(drift_numeric(&good, &iw, NULL, &r, &err), -1);
	assert_int_equal(drift_psi_edges(&good, 1, edges, &ne, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_int_equal(drift_psi_numeric(&good, &good, DRIFT_MAX_BINS + 1,
					   DRIFT_ALPHA, &psi, &used, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_int_equal(drift_psi_numeric(&good, &good, 10, 0, &psi, &used,
					   &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	{
		const double e2[2] = { 2, 1 };
		double cnt[3];

		assert_int_equal(drift_bin_counts(&good, e2, 2, cnt, &err), -1);
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	}
	assert_int_equal(drift_chi2(neg, pos, 2, &d, &d, &p, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(drift_js(pos, nanx, 2, &d, &err), -1);
	assert_int_equal(drift_psi_counts(pos, neg, 2, DRIFT_ALPHA, &d, NULL,
					  &err), -1);
	assert_int_equal(drift_categorical(pos, neg, 2, NULL, &r, &err), -1);
	o.rank_error = 2;
	assert_int_equal(drift_numeric(&good, &good, &o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	o.rank_error = 0;
	o.have_ref_sd = 1;
	o.ref_sd = -1;
	assert_int_equal(drift_numeric(&good, &good, &o, &r, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(drift_note_text(DRIFT_NOTE_POOLED),
			    "sparse categories pooled for the chi-square test");
	assert_string_equal(drift_note_text(1u << 20), "");
}

/* ---- aligning categories ---- */

static void test_drift__align_builds_union_with_other(void **state)
{
	struct mlci_err err = { 0 };
	const struct drift_cat r[3] = { { "b", 10 }, { "a", 5 }, { "c", 0 } };
	const struct drift_cat c[3] = { { "a", 4 }, { "d", 3 }, { "b", 6 } };
	const struct drift_cat dup[2] = { { "x", 1 }, { "x", 2 } };
	const struct drift_cat bad[1] = { { "x", -1 } };
	struct drift_aligned al;

	assert_int_equal(drift_align(r, 3, 0, c, 3, 0, 0, &al, &err), 0);
	assert_int_equal(al.k, 4);
	assert_string_equal(al.value[0], "b");
	assert_string_equal(al.value[1], "a");
	assert_string_equal(al.value[2], "c");
	assert_string_equal(al.value[3], "d");
	assert_true(al.ref[0] == 10 && al.ref[1] == 5 && al.ref[2] == 0 &&
		    al.ref[3] == 0);
	assert_true(al.cur[0] == 6 && al.cur[1] == 4 && al.cur[2] == 0 &&
		    al.cur[3] == 3);
	assert_true(al.other == DRIFT_NO_OTHER);
	assert_int_equal(al.unseen, 1);
	drift_aligned_free(&al);

	/* A truncated reference list: unseen values fold into "other". */
	assert_int_equal(drift_align(r, 3, 7, c, 3, 2, 1, &al, &err), 0);
	assert_int_equal(al.k, 4);
	assert_int_equal(al.other, 3);
	assert_null(al.value[3]);
	assert_true(al.ref[3] == 7 && al.cur[3] == 5);
	assert_int_equal(al.unseen, 1);
	drift_aligned_free(&al);

	/* Folding with nothing to fold and no other counts: no bucket. */
	assert_int_equal(drift_align(r, 3, 0, r, 3, 0, 1, &al, &err), 0);
	assert_int_equal(al.k, 3);
	assert_true(al.other == DRIFT_NO_OTHER);
	drift_aligned_free(&al);

	/* Empty lists. */
	assert_int_equal(drift_align(NULL, 0, 0, NULL, 0, 0, 0, &al, &err), 0);
	assert_int_equal(al.k, 0);
	drift_aligned_free(&al);
	assert_int_equal(drift_align(NULL, 0, 3, c, 3, 0, 1, &al, &err), 0);
	assert_int_equal(al.k, 1);
	assert_true(al.ref[0] == 3 && al.cur[0] == 13);
	drift_aligned_free(&al);

	assert_int_equal(drift_align(dup, 2, 0, c, 3, 0, 0, &al, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "listed twice"));
	assert_null(al.value);
	assert_int_equal(drift_align(r, 3, 0, dup, 2, 0, 0, &al, &err), -1);
	assert_int_equal(drift_align(r, 3, 0, bad, 1, 0, 0, &al, &err), -1);
	assert_int_equal(drift_align(r, 3, NAN, c, 3, 0, 0, &al, &err), -1);
	drift_aligned_free(&al);

	/* Feeds the categorical statistics directly. */
	{
		struct drift_result res;

		assert_int_equal(drift_align(r, 3, 0, c, 3, 0, 0, &al, &err), 0);
		assert_int_equal(drift_categorical(al.ref, al.cur, al.k, NULL,
						   &res, &err), 0);
		check_all_finite(&res);
		assert_int_equal(res.bins, 3);	/* "c" empty on both sides */
		drift_aligned_free(&al);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drift__numeric_matches_scipy),
		cmocka_unit_test(test_drift__large_generated_samples_match_scipy),
		cmocka_unit_test(test_drift__asymptotic_p_is_conservative),
		cmocka_unit_test(test_drift__sketch_rank_error_is_allowed_for),
		cmocka_unit_test(test_drift__categorical_matches_scipy),
		cmocka_unit_test(test_drift__kolmogorov_sf_matches_scipy),
		cmocka_unit_test(test_drift__chi2_sf_and_gamma_q_match_scipy),
		cmocka_unit_test(test_drift__bh_matches_textbook),
		cmocka_unit_test(test_drift__psi_smoothing_keeps_empty_bins_finite),
		cmocka_unit_test(test_drift__empty_inputs_are_undefined_not_nan),
		cmocka_unit_test(test_drift__extreme_values_stay_finite),
		cmocka_unit_test(test_drift__random_extremes_never_nan),
		cmocka_unit_test(test_drift__single_constant_and_disjoint_samples),
		cmocka_unit_test(test_drift__bad_inputs_are_errors),
		cmocka_unit_test(test_drift__align_builds_union_with_other),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
