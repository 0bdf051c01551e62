/*
 * paired.c - McNemar, DeLong and paired-bootstrap non-inferiority tests
 * and Holm's adjustment (see paired.h).
 */
#include "paired.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define POWER_Z 0.8416212335729143	/* z_{0.80} */

static int oom(struct mlci_err *err)
{
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

double paired_norm_cdf(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

double paired_norm_quantile(double p)
{
	double lo = -40, hi = 40;
	int i;

	for (i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (paired_norm_cdf(mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

double paired_binom_sf_half(size_t k, size_t m)
{
	double s = 0, lf = lgamma((double)m + 1);
	size_t i;

	if (k == 0)
		return 1.0;
	if (k > m)
		return 0.0;
	for (i = k; i <= m; i++)
		s += exp(lf - lgamma((double)i + 1) - lgamma((double)(m - i) + 1) -
			 (double)m * log(2.0));
	return s > 1 ? 1 : s;
}

/* p values from a statistic Z of (d - delta0)/SE, for the direction. */
static void z_pvalues(double z, int higher, struct paired_result *r)
{
	/* each tail from erfc directly, so a tiny p-value keeps its digits */
	double up = 0.5 * erfc(z / sqrt(2.0)), down = 0.5 * erfc(-z / sqrt(2.0));

	if (isinf(z)) {
		up = z > 0 ? 0 : 1;
		down = z > 0 ? 1 : 0;
	}
	r->p_value = higher ? up : down;
	r->p_inferior = higher ? down : up;
}

/* ---- McNemar ---- */

struct mcn {
	double b, c, n, d;
};

/* Tango's restricted MLE of P(only the baseline right) under d = delta. */
static double restricted_q(const struct mcn *s, double delta)
{
	double A = 2 * s->n;
	double B = -(s->b * (1 + delta) + s->c * (1 - delta) - 2 * s->n * delta);
	double C = -s->c * delta * (1 - delta);
	double disc = B * B - 4 * A * C, q;
	double lo = delta < 0 ? -delta : 0, hi = (1 - delta) / 2;

	q = (-B + sqrt(disc > 0 ? disc : 0)) / (2 * A);
	return q < lo ? lo : q > hi ? hi : q;
}

static double tango_z(const struct mcn *s, double delta)
{
	double q = restricted_q(s, delta);
	double v = (2 * q + delta - delta * delta) / s->n;

	if (!(v > 0))
		return s->d > delta ? INFINITY : s->d < delta ? -INFINITY : 0;
	return (s->d - delta) / sqrt(v);
}

/* The delta where tango_z crosses target, between lo and hi (z falls
 * as delta grows). */
static double tango_invert(const struct mcn *s, double target, double lo,
			   double hi)
{
	int i;

	for (i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (tango_z(s, mid) > target)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

int paired_mcnemar(const unsigned char *cand_ok, const unsigned char *base_ok,
		   size_t n, double delta0, int higher, double alpha,
		   struct paired_result *r, struct mlci_err *err)
{
	size_t i, b = 0, c = 0;
	struct mcn s;
	double z = paired_norm_quantile(1 - alpha), v;

	if (!n)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "McNemar: no rows");
	memset(r, 0, sizeof(*r));
	for (i = 0; i < n; i++) {
		b += cand_ok[i] && !base_ok[i];
		c += !cand_ok[i] && base_ok[i];
	}
	s.b = (double)b;
	s.c = (double)c;
	s.n = (double)n;
	s.d = (s.b - s.c) / s.n;
	r->n = n;
	r->only_candidate = b;
	r->only_baseline = c;
	r->diff = s.d == 0 ? 0.0 : s.d;
	if (delta0 == 0) {
		double up = paired_binom_sf_half(b, b + c);	/* P(X >= b) */
		double down = paired_binom_sf_half(c, b + c);	/* P(X <= b) */

		r->method = "mcnemar-exact";
		r->p_value = higher ? up : down;
		r->p_inferior = higher ? down : up;
	} else {
		r->method = "mcnemar-score";
		z_pvalues(tango_z(&s, delta0), higher, r);
	}
	r->low = tango_invert(&s, z, -1, s.d);
	r->high = tango_invert(&s, -z, s.d, 1);
	v = ((s.b + s.c) / s.n - s.d * s.d) / s.n;
	r->se = v > 0 ? sqrt(v) : 0;
	r->mde = (z + POWER_Z) * r->se;
	return 0;
}

/* ---- DeLong ---- */

struct rank_item {
	double s;
	size_t i;
};

static int by_s(const void *a, const void *b)
{
	double x = ((const struct rank_item *)a)->s, y = ((const struct rank_item *)b)->s;

	return x < y ? -1 : x > y;
}

/* Midranks (1-based, ties averaged) of the n values v[idx[k]] into out[k]. */
static int midranks(const double *v, const size_t *idx, size_t n, double *out)
{
	struct rank_item *t = malloc((n + 1) * sizeof(*t));
	size_t k, g;

	if (!t)
		return -1;
	for (k = 0; k < n; k++) {
		t[k].s = v[idx[k]];
		t[k].i = k;
	}
	qsort(t, n, sizeof(*t), by_s);
	for (k = 0; k < n; k = g) {
		double avg;
		size_t j;

		for (g = k; g < n && t[g].s == t[k].s; g++)
			;
		avg = ((double)k + 1 + (double)g) / 2;
		for (j = k; j < g; j++)
			out[t[j].i] = avg;
	}
	free(t);
	return 0;
}

/* Placement values of one model: v10[positives], v01[negatives]. */
static int placements(const double *score, const size_t *all, size_t n,
		      const size_t *pi, size_t m, const size_t *ni, size_t k,
		      const unsigned char *pos, double *v10, double *v01)
{
	double *ra = malloc((n + 1) * sizeof(*ra)), *rp = malloc((m + 1) * sizeof(*rp)),
	       *rn = malloc((k + 1) * sizeof(*rn));
	size_t i, a = 0, b = 0;
	int rc = -1;

	if (!ra || !rp || !rn || midranks(score, all, n, ra) < 0 ||
	    midranks(score, pi, m, rp) < 0 || midranks(score, ni, k, rn) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (pos[i]) {
			v10[a] = (ra[i] - rp[a]) / (double)k;
			a++;
		} else {
			v01[b] = 1 - (ra[i] - rn[b]) / (double)m;
			b++;
		}
	}
	rc = 0;
out:
	free(ra), free(rp), free(rn);
	return rc;
}

static double mean_of(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

static double cov_of(const double *x, const double *y, size_t n)
{
	double mx = mean_of(x, n), my = mean_of(y, n), s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += (x[i] - mx) * (y[i] - my);
	return s / (double)(n - 1);
}

int paired_delong(const unsigned char *pos, const double *score_c,
		  const double *score_b, size_t n, double delta0, int higher,
		  double alpha, struct paired_result *r, struct mlci_err *err)
{
	size_t *all = malloc((n + 1) * sizeof(*all)), *pi = malloc((n + 1) * sizeof(*pi)),
	       *ni = malloc((n + 1) * sizeof(*ni));
	double *c10 = malloc((n + 1) * sizeof(double)), *c01 = malloc((n + 1) * sizeof(double)),
	       *b10 = malloc((n + 1) * sizeof(double)), *b01 = malloc((n + 1) * sizeof(double));
	size_t i, m = 0, k = 0;
	double z = paired_norm_quantile(1 - alpha), var, auc_c, auc_b;
	int rc = -1;

	if (!all || !pi || !ni || !c10 || !c01 || !b10 || !b01) {
		oom(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!isfinite(score_c[i]) || !isfinite(score_b[i])) {
			err_set(err, MLCI_EXIT_DATAERR, NULL, "DeLong: a score is not finite");
			goto out;
		}
		all[i] = i;
		if (pos[i])
			pi[m++] = i;
		else
			ni[k++] = i;
	}
	if (m < 2 || k < 2) {
		rc = 1;
		goto out;
	}
	if (placements(score_c, all, n, pi, m, ni, k, pos, c10, c01) < 0 ||
	    placements(score_b, all, n, pi, m, ni, k, pos, b10, b01) < 0) {
		oom(err);
		goto out;
	}
	memset(r, 0, sizeof(*r));
	r->method = "delong";
	r->n = n;
	auc_c = mean_of(c10, m);
	auc_b = mean_of(b10, m);
	r->diff = auc_c - auc_b;
	if (r->diff == 0)
		r->diff = 0.0;
	var = (cov_of(c10, c10, m) + cov_of(b10, b10, m) - 2 * cov_of(c10, b10, m)) / (double)m +
	      (cov_of(c01, c01, k) + cov_of(b01, b01, k) - 2 * cov_of(c01, b01, k)) / (double)k;
	r->se = var > 0 ? sqrt(var) : 0;
	if (r->se > 0)
		z_pvalues((r->diff - delta0) / r->se, higher, r);
	else
		z_pvalues(r->diff > delta0 ? INFINITY : r->diff < delta0 ? -INFINITY : 0,
			  higher, r);
	r->low = r->diff - z * r->se;
	r->high = r->diff + z * r->se;
	r->mde = (z + POWER_Z) * r->se;
	rc = 0;
out:
	free(all), free(pi), free(ni), free(c10), free(c01), free(b10), free(b01);
	return rc;
}

/* ---- paired bootstrap ---- */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int paired_bootstrap(const struct scored *c, const struct scored *b,
		     const char *name, size_t B, uint64_t seed, double delta0,
		     int higher, double alpha, struct paired_result *r,
		     struct mlci_err *err)
{
	size_t n = c->n, i, k, cnt = 0, le = 0, ge = 0;
	size_t *idx = malloc((n + 1) * sizeof(*idx));
	double *ds = malloc((B + 1) * sizeof(*ds)), s = 0, z = paired_norm_quantile(1 - alpha);
	uint64_t st = seed;
	double vc, vb;
	int dc, db, rc = -1;

	if (!idx || !ds) {
		oom(err);
		goto out;
	}
	if (scored_metric(c, NULL, 0, name, &vc, &dc, err) < 0 ||
	    scored_metric(b, NULL, 0, name, &vb, &db, err) < 0)
		goto out;
	if (!dc || !db) {
		rc = 1;
		goto out;
	}
	memset(r, 0, sizeof(*r));
	r->method = "paired-bootstrap";
	r->n = n;
	r->diff = vc - vb;
	if (r->diff == 0)
		r->diff = 0.0;
	for (k = 0; k < B; k++) {
		for (i = 0; i < n; i++)
			idx[i] = scored_rng_index(&st, n);
		if (scored_metric(c, idx, n, name, &vc, &dc, err) < 0 ||
		    scored_metric(b, idx, n, name, &vb, &db, err) < 0)
			goto out;
		if (!dc || !db)
			continue;
		ds[cnt++] = vc - vb;
	}
	if (!cnt) {
		rc = 1;
		goto out;
	}
	r->resamples = cnt;
	qsort(ds, cnt, sizeof(*ds), cmp_dbl);
	for (k = 0; k < cnt; k++) {
		le += ds[k] <= delta0;
		ge += ds[k] >= delta0;
		s += ds[k];
	}
	r->p_value = (1.0 + (double)(higher ? le : ge)) / ((double)cnt + 1);
	r->p_inferior = (1.0 + (double)(higher ? ge : le)) / ((double)cnt + 1);
	r->low = scored_quantile(ds, cnt, alpha);
	r->high = scored_quantile(ds, cnt, 1 - alpha);
	if (cnt > 1) {
		double mu = s / (double)cnt, v = 0;

		for (k = 0; k < cnt; k++)
			v += (ds[k] - mu) * (ds[k] - mu);
		r->se = sqrt(v / (double)(cnt - 1));
	}
	r->mde = (z + POWER_Z) * r->se;
	rc = 0;
out:
	free(idx), free(ds);
	return rc;
}

/* ---- Holm ---- */

struct pv {
	double p;
	size_t i;
};

static int by_p(const void *a, const void *b)
{
	const struct pv *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int paired_holm(double *p, size_t m)
{
	struct pv *v = malloc((m + 1) * sizeof(*v));
	double run = 0;
	size_t j;

	if (!v)
		return -1;
	for (j = 0; j < m; j++) {
		v[j].p = p[j];
		v[j].i = j;
	}
	qsort(v, m, sizeof(*v), by_p);
	for (j = 0; j < m; j++) {
		double a = (double)(m - j) * v[j].p;

		if (a > 1)
			a = 1;
		if (a > run)
			run = a;
		p[v[j].i] = run;
	}
	free(v);
	return 0;
}
