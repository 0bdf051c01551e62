/*
 * drift.c - drift statistics from summaries (see drift.h for the
 * definitions; tests/ref/scipy_drift.py computes the reference values).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"

#define SQRT_2PI 2.5066282746310002	/* sqrt(2 pi) */
#define PI_SQ 9.8696044010893586	/* pi^2 */
#define LN2 0.69314718055994531
#define NORM_FLOOR 1e-12		/* relative floor of the reference spread */
#define COCHRAN_SHARE 0.2		/* cells allowed below min_expected */
#define MAX_ITER 200000			/* incomplete gamma series / fraction */

/* Neumaier's compensated sum: exact enough that numpy's pairwise sums and
 * ours agree to a few ulps whenever the terms do not cancel. */
struct ksum {
	double s, c;
};

static void ksum_add(struct ksum *k, double x)
{
	double t = k->s + x;

	if (!isfinite(t)) {	/* overflow: keep it, no inf - inf later */
		k->s = t;
		return;
	}
	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static double ksum_value(const struct ksum *k)
{
	return isfinite(k->s) ? k->s + k->c : k->s;
}

static double weight(const struct wsample *s, size_t i)
{
	return s->w ? s->w[i] : 1.0;
}

/* Sequential, like numpy's cumsum, so F reaches exactly 1 at the end. */
static double total_weight(const struct wsample *s)
{
	double t = 0;
	size_t i;

	if (!s->w)
		return (double)s->m;
	for (i = 0; i < s->m; i++)
		t += s->w[i];
	return t;
}

static double sample_n(const struct wsample *s)
{
	return s->n > 0 ? s->n : total_weight(s);
}

const char *drift_wsample_check(const struct wsample *s)
{
	size_t i;
	double t = 0;

	if (!s)
		return "no sample";
	if (!(s->n >= 0) || !(s->n <= DRIFT_MAX_COUNT))
		return "the sample's count is negative, not finite or above 1e290";
	if (s->m == 0)
		return s->n == 0 ? NULL : "an empty sample has a non-zero count";
	if (!s->x)
		return "the sample has no values";
	for (i = 0; i < s->m; i++) {
		if (!isfinite(s->x[i]))
			return "a value is not finite";
		if (i > 0 && s->x[i] < s->x[i - 1])
			return "values are not sorted ascending";
		if (s->w) {
			if (!(s->w[i] > 0) || !isfinite(s->w[i]))
				return "a weight is not positive and finite";
			t += s->w[i];
		}
	}
	if (!(t <= DRIFT_MAX_COUNT))
		return "the total weight is not finite or above 1e290";
	return NULL;
}

static int check_sample(const struct wsample *s, const char *side,
			struct mlci_err *err)
{
	const char *why = drift_wsample_check(s);

	if (why)
		return err_set(err, MLCI_EXIT_DATAERR, NULL, "%s sample: %s",
			       side, why);
	return 0;
}

static int check_pair(const struct wsample *ref, const struct wsample *cur,
		      struct mlci_err *err)
{
	if (check_sample(ref, "reference", err) < 0 ||
	    check_sample(cur, "current", err) < 0)
		return -1;
	return ref->m == 0 || cur->m == 0 ? DRIFT_UNDEFINED : 0;
}

static double max_abs(const struct wsample *s)
{
	if (s->m == 0)
		return 0;
	return fmax(fabs(s->x[0]), fabs(s->x[s->m - 1]));
}

int drift_wsample_moments(const struct wsample *s, double *mean, double *sd,
			  struct mlci_err *err)
{
	struct ksum a = { 0, 0 }, b = { 0, 0 };
	double big, w, m, d, u;
	size_t i;
	int sh = 0, norm;

	*mean = *sd = 0;
	if (check_sample(s, "the", err) < 0)
		return -1;
	if (s->m == 0)
		return DRIFT_UNDEFINED;
	big = max_abs(s);
	if (big == 0)
		return 0;
	/* Shift the exponents (exact) only when squares could overflow or
	 * underflow; ldexp, since 2^-sh itself may not be representable. */
	if (big > 1e100 || big < 1e-100)
		frexp(big, &sh);
	/* Weights far from 1 are divided by their total first, so that
	 * sum w x^2 stays finite. */
	w = total_weight(s);
	norm = w > 1e100 || w < 1e-100;
	for (i = 0; i < s->m; i++) {
		u = norm ? weight(s, i) / w : weight(s, i);
		ksum_add(&a, u * ldexp(s->x[i], -sh));
	}
	m = ksum_value(&a) / (norm ? 1 : w);
	for (i = 0; i < s->m; i++) {
		u = norm ? weight(s, i) / w : weight(s, i);
		d = ldexp(s->x[i], -sh) - m;
		ksum_add(&b, u * (d * d));
	}
	*mean = ldexp(m, sh);
	*sd = ldexp(sqrt(fmax(ksum_value(&b) / (norm ? 1 : w), 0)), sh);
	return 0;
}

/* Walk the union of the sample points in ascending order; at each distinct
 * value v report F_ref(v), F_cur(v) and the next distinct value. */
struct ecdf_walk {
	const struct wsample *a, *b;
	size_t i, j;
	double ca, cb, wa, wb;
};

static void walk_init(struct ecdf_walk *k, const struct wsample *a,
		      const struct wsample *b)
{
	memset(k, 0, sizeof(*k));
	k->a = a;
	k->b = b;
	k->wa = total_weight(a);
	k->wb = total_weight(b);
}

/* Advance past the next distinct value; 0 when both samples are done. */
static int walk_next(struct ecdf_walk *k, double *v, double *fa, double *fb)
{
	const struct wsample *a = k->a, *b = k->b;

	if (k->i >= a->m && k->j >= b->m)
		return 0;
	if (k->j >= b->m || (k->i < a->m && a->x[k->i] <= b->x[k->j]))
		*v = a->x[k->i];
	else
		*v = b->x[k->j];
	while (k->i < a->m && a->x[k->i] <= *v)
		k->ca += weight(a, k->i++);
	while (k->j < b->m && b->x[k->j] <= *v)
		k->cb += weight(b, k->j++);
	*fa = k->ca / k->wa;
	*fb = k->cb / k->wb;
	return 1;
}

double drift_ks_pvalue(double d, double n1, double n2)
{
	double en;

	if (!(d > 0) || !(n1 > 0) || !(n2 > 0) || !isfinite(n1) ||
	    !isfinite(n2))
		return 1;
	/* n1 n2 / (n1 + n2) without overflow (halving is exact). */
	en = n1 * ((n2 / 2) / (n1 / 2 + n2 / 2));
	return drift_kolmogorov_sf(sqrt(en) * fmin(d, 1));
}

int drift_ks(const struct wsample *ref, const struct wsample *cur, double *d,
	     double *p, struct mlci_err *err)
{
	struct ecdf_walk k;
	double v, fa, fb, dmax = 0;
	int rc;

	*d = 0;
	*p = 1;
	rc = check_pair(ref, cur, err);
	if (rc != 0)
		return rc;
	walk_init(&k, ref, cur);
	while (walk_next(&k, &v, &fa, &fb))
		dmax = fmax(dmax, fabs(fa - fb));
	*d = fmin(dmax, 1);
	*p = drift_ks_pvalue(*d, sample_n(ref), sample_n(cur));
	return 0;
}

int drift_wasserstein(const struct wsample *ref, const struct wsample *cur,
		      double *w1, struct mlci_err *err)
{
	struct ecdf_walk k;
	struct ksum sum = { 0, 0 };
	double v, fa, fb, prev = 0, pfa = 0, pfb = 0, lo, hi, scale = 1, r;
	int rc, first = 1;

	*w1 = 0;
	rc = check_pair(ref, cur, err);
	if (rc != 0)
		return rc;
	lo = fmin(ref->x[0], cur->x[0]);
	hi = fmax(ref->x[ref->m - 1], cur->x[cur->m - 1]);
	/* A range wider than DBL_MAX: work in halves (exact), saturate. */
	if (!isfinite(hi - lo))
		scale = 0.5;
	walk_init(&k, ref, cur);
	while (walk_next(&k, &v, &fa, &fb)) {
		if (!first)
			ksum_add(&sum, fabs(pfa - pfb) *
					       (v * scale - prev * scale));
		first = 0;
		prev = v;
		pfa = fa;
		pfb = fb;
	}
	r = ksum_value(&sum) / scale;
	*w1 = isfinite(r) ? fmax(r, 0) : DBL_MAX;
	return 0;
}

double drift_wasserstein_normalise(double w1, double ref_sd, double max_abs)
{
	double floor, den, r;

	if (!(w1 > 0))
		return 0;
	floor = isfinite(max_abs) ? NORM_FLOOR * fabs(max_abs) : 0;
	den = ref_sd > floor && isfinite(ref_sd) ? ref_sd : floor;
	if (!(den > 0))
		return DBL_MAX;
	r = fmin(w1, DBL_MAX) / den;
	return isfinite(r) ? r : DBL_MAX;
}

static int check_bins(size_t bins, struct mlci_err *err)
{
	if (bins < 2 || bins > DRIFT_MAX_BINS)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "PSI needs 2 to %d bins, not %zu",
			       DRIFT_MAX_BINS, bins);
	return 0;
}

int drift_psi_edges(const struct wsample *ref, size_t bins, double *edges,
		    size_t *nedges, struct mlci_err *err)
{
	double w, c = 0, top;
	size_t i, j = 1;

	*nedges = 0;
	if (check_bins(bins, err) < 0 || check_sample(ref, "reference", err) < 0)
		return -1;
	if (ref->m == 0)
		return DRIFT_UNDEFINED;
	w = total_weight(ref);
	top = ref->x[ref->m - 1];
	for (i = 0; i < ref->m && j < bins; i++) {
		c += weight(ref, i);
		/* q_j = the first x_i with C_i >= (j / B) W, for each j. */
		for (; j < bins && c * (double)bins >= (double)j * w; j++) {
			double q = ref->x[i];

			if (q < top && (*nedges == 0 || q > edges[*nedges - 1]))
				edges[(*nedges)++] = q;
		}
	}
	return 0;
}

int drift_bin_counts(const struct wsample *s, const double *edges,
		     size_t nedges, double *counts, struct mlci_err *err)
{
	double f, n, w;
	size_t i, b = 0;

	for (i = 0; i <= nedges; i++)
		counts[i] = 0;
	if (check_sample(s, "the", err) < 0)
		return -1;
	for (i = 0; i < nedges; i++)
		if (!isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1])))
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "bin edges are not finite and strictly "
				       "ascending");
	if (s->m == 0)
		return DRIFT_UNDEFINED;
	for (i = 0; i < s->m; i++) {
		while (b < nedges && s->x[i] > edges[b])
			b++;
		counts[b] += weight(s, i);
	}
	n = sample_n(s);
	w = total_weight(s);
	f = n / w;
	/* w_b (n / W), exact when n = W; n (w_b / W) if n / W over- or
	 * underflows (tiny weights standing for many rows); never above n. */
	for (i = 0; i <= nedges; i++)
		counts[i] = fmin(isfinite(f) && f > 0 ? counts[i] * f
						      : n * (counts[i] / w), n);
	return 0;
}

static int check_counts(const double *a, size_t k, const char *side,
			struct mlci_err *err)
{
	size_t i;

	if (k > 0 && !a)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "no %s counts", side);
	for (i = 0; i < k; i++)
		if (!(a[i] >= 0) || !(a[i] <= DRIFT_MAX_COUNT))
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "%s count %zu is negative, not finite or "
				       "above %g", side, i + 1, DRIFT_MAX_COUNT);
	return 0;
}

/* Validate both count arrays; sums over the categories kept (not empty
 * on both sides), sequential like numpy on small integer counts. */
static int count_sums(const double *ref, const double *cur, size_t k,
		      double *nr, double *nc, size_t *kept,
		      struct mlci_err *err)
{
	size_t i;

	*nr = *nc = 0;
	*kept = 0;
	if (check_counts(ref, k, "reference", err) < 0 ||
	    check_counts(cur, k, "current", err) < 0)
		return -1;
	for (i = 0; i < k; i++) {
		if (ref[i] == 0 && cur[i] == 0)
			continue;
		*nr += ref[i];
		*nc += cur[i];
		(*kept)++;
	}
	if (!isfinite(*nr) || !isfinite(*nc))
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "counts sum to more than a double holds");
	return *nr > 0 && *nc > 0 ? 0 : DRIFT_UNDEFINED;
}

static int check_alpha(double alpha, struct mlci_err *err)
{
	if (!(alpha > 0) || !isfinite(alpha))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "PSI smoothing must be positive and finite");
	return 0;
}

int drift_psi_counts(const double *ref, const double *cur, size_t k,
		     double alpha, double *psi, size_t *used,
		     struct mlci_err *err)
{
	struct ksum sum = { 0, 0 };
	double nr, nc, dr, dc, pr, pc;
	size_t i, kept;
	int rc;

	*psi = 0;
	if (used)
		*used = 0;
	if (check_alpha(alpha, err) < 0)
		return -1;
	rc = count_sums(ref, cur, k, &nr, &nc, &kept, err);
	if (used)
		*used = rc < 0 ? 0 : kept;
	if (rc != 0)
		return rc;
	dr = nr + alpha * (double)kept;
	dc = nc + alpha * (double)kept;
	for (i = 0; i < k; i++) {
		if (ref[i] == 0 && cur[i] == 0)
			continue;
		pr = (ref[i] + alpha) / dr;
		pc = (cur[i] + alpha) / dc;
		ksum_add(&sum, (pc - pr) * log(pc / pr));
	}
	*psi = fmax(ksum_value(&sum), 0);
	return 0;
}

int drift_psi_numeric(const struct wsample *ref, const struct wsample *cur,
		      size_t bins, double alpha, double *psi, size_t *used,
		      struct mlci_err *err)
{
	double edges[DRIFT_MAX_BINS], cr[DRIFT_MAX_BINS], cc[DRIFT_MAX_BINS];
	size_t ne;
	int rc;

	*psi = 0;
	*used = 0;
	if (bins == 0)
		bins = DRIFT_DEFAULT_BINS;
	if (check_alpha(alpha, err) < 0 || check_bins(bins, err) < 0)
		return -1;
	rc = check_pair(ref, cur, err);
	if (rc != 0)
		return rc;
	if (drift_psi_edges(ref, bins, edges, &ne, err) < 0 ||
	    drift_bin_counts(ref, edges, ne, cr, err) < 0 ||
	    drift_bin_counts(cur, edges, ne, cc, err) < 0)
		return -1;
	rc = drift_psi_counts(cr, cc, ne + 1, alpha, psi, used, err);
	return rc < 0 ? -1 : rc;
}

int drift_chi2(const double *ref, const double *cur, size_t k, double *stat,
	       double *dof, double *p, struct mlci_err *err)
{
	struct ksum sum = { 0, 0 };
	double nr, nc, n, e, d, v;
	size_t i, kept;
	int rc, row, sh = 0;

	*stat = 0;
	*dof = 0;
	*p = 1;
	rc = count_sums(ref, cur, k, &nr, &nc, &kept, err);
	if (rc != 0)
		return rc;
	if (kept < 2)
		return 0;	/* one category: no freedom, no drift */
	n = nr + nc;
	/* Counts so large (or small) that R C would overflow (underflow):
	 * work on counts scaled by 2^-sh; the statistic scales with them. */
	if (n > 1e150 || n < 1e-150) {
		frexp(n, &sh);
		nr = ldexp(nr, -sh);
		nc = ldexp(nc, -sh);
		n = nr + nc;
	}
	/* Row-major like scipy: the reference row, then the current row. */
	for (row = 0; row < 2; row++) {
		const double *o = row ? cur : ref;
		double rsum = row ? nc : nr;

		for (i = 0; i < k; i++) {
			if (ref[i] == 0 && cur[i] == 0)
				continue;
			e = rsum * (ldexp(ref[i], -sh) + ldexp(cur[i], -sh)) / n;
			if (e == 0)
				continue;	/* underflow: contributes ~0 */
			d = ldexp(o[i], -sh) - e;
			ksum_add(&sum, d * d / e);
		}
	}
	v = ldexp(ksum_value(&sum), sh);
	*stat = isfinite(v) ? fmax(v, 0) : DBL_MAX;
	*dof = (double)(kept - 1);
	*p = drift_chi2_sf(*stat, *dof);
	return 0;
}

static double rel_entr(double x, double y)
{
	return x > 0 && y > 0 ? x * log(x / y) : 0;
}

int drift_js(const double *ref, const double *cur, size_t k, double *js,
	     struct mlci_err *err)
{
	struct ksum left = { 0, 0 }, right = { 0, 0 };
	double nr, nc, p, q, m, v;
	size_t i, kept;
	int rc;

	*js = 0;
	rc = count_sums(ref, cur, k, &nr, &nc, &kept, err);
	if (rc != 0)
		return rc;
	for (i = 0; i < k; i++) {
		p = ref[i] / nr;
		q = cur[i] / nc;
		m = (p + q) / 2.0;
		ksum_add(&left, rel_entr(p, m));
		ksum_add(&right, rel_entr(q, m));
	}
	v = (ksum_value(&left) + ksum_value(&right)) / LN2;
	*js = fmin(sqrt(fmax(v / 2.0, 0)), 1);
	return 0;
}

/* ---- aligning categories ---- */

struct named {
	const char *s;
	size_t i;
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int sorted_names(const struct drift_cat *c, size_t n, const char *side,
			struct named **out, struct mlci_err *err)
{
	struct named *v;
	size_t i;

	*out = NULL;
	for (i = 0; i < n; i++) {
		if (!c[i].value)
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "%s category %zu has no name", side, i + 1);
		if (!(c[i].count >= 0) || !(c[i].count <= DRIFT_MAX_COUNT))
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "%s category %zu: count is negative, not "
				       "finite or above %g", side, i + 1,
				       DRIFT_MAX_COUNT);
	}
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		v[i].s = c[i].value;
		v[i].i = i;
	}
	qsort(v, n, sizeof(*v), named_cmp);
	for (i = 1; i < n; i++)
		if (!strcmp(v[i].s, v[i - 1].s)) {
			size_t at = v[i].i + 1;

			free(v);
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "%s category %zu is listed twice", side,
				       at);
		}
	*out = v;
	return 0;
}

/* Index in the reference list of name s, or DRIFT_NO_OTHER. */
static size_t find_name(const struct named *v, size_t n, const char *s)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid].s, s);

		if (c == 0)
			return v[mid].i;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return DRIFT_NO_OTHER;
}

void drift_aligned_free(struct drift_aligned *a)
{
	if (!a)
		return;
	free(a->value);
	free(a->ref);
	free(a->cur);
	memset(a, 0, sizeof(*a));
	a->other = DRIFT_NO_OTHER;
}

int drift_align(const struct drift_cat *ref, size_t nref, double ref_other,
		const struct drift_cat *cur, size_t ncur, double cur_other,
		int fold_unseen, struct drift_aligned *out,
		struct mlci_err *err)
{
	struct named *rs = NULL, *cs = NULL;
	size_t *where = NULL, i, k, extra = 0;
	double folded = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->other = DRIFT_NO_OTHER;
	if ((nref && !ref) || (ncur && !cur))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "no categories");
	if (!(ref_other >= 0) || !(ref_other <= DRIFT_MAX_COUNT) ||
	    !(cur_other >= 0) || !(cur_other <= DRIFT_MAX_COUNT))
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "the other count is negative, not finite or "
			       "above %g", DRIFT_MAX_COUNT);
	if (sorted_names(ref, nref, "reference", &rs, err) < 0 ||
	    sorted_names(cur, ncur, "current", &cs, err) < 0)
		goto done;
	where = malloc((ncur ? ncur : 1) * sizeof(*where));
	if (!where) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < ncur; i++) {
		where[i] = find_name(rs, nref, cur[i].value);
		if (where[i] != DRIFT_NO_OTHER)
			continue;
		if (cur[i].count > 0)
			out->unseen++;
		if (fold_unseen)
			folded += cur[i].count;
		else
			extra++;
	}
	k = nref + extra;
	if (ref_other > 0 || cur_other + folded > 0)
		out->other = k++;
	out->value = calloc(k ? k : 1, sizeof(*out->value));
	out->ref = calloc(k ? k : 1, sizeof(*out->ref));
	out->cur = calloc(k ? k : 1, sizeof(*out->cur));
	if (!out->value || !out->ref || !out->cur) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	out->k = k;
	for (i = 0; i < nref; i++) {
		out->value[i] = ref[i].value;
		out->ref[i] = ref[i].count;
	}
	extra = nref;
	for (i = 0; i < ncur; i++) {
		if (where[i] != DRIFT_NO_OTHER)
			out->cur[where[i]] = cur[i].count;
		else if (!fold_unseen) {
			out->value[extra] = cur[i].value;
			out->cur[extra++] = cur[i].count;
		}
	}
	if (out->other != DRIFT_NO_OTHER) {
		out->value[out->other] = NULL;
		out->ref[out->other] = ref_other;
		out->cur[out->other] = cur_other + folded;
	}
	rc = 0;
done:
	free(rs);
	free(cs);
	free(where);
	if (rc < 0)
		drift_aligned_free(out);
	return rc;
}

/* ---- special functions ---- */

double drift_kolmogorov_sf(double l)
{
	double sum = 0, term, e, sign = 1;
	int k;

	if (!(l > 0))
		return 1;
	if (l < 1) {
		/* Small l: the alternating series converges slowly and
		 * cancels; use Jacobi's theta transform of the CDF,
		 * 1 - Q = sqrt(2 pi)/l sum_k exp(-(2k-1)^2 pi^2 / (8 l^2)). */
		e = -PI_SQ / (8 * l * l);
		if (e < -745)
			return 1;
		for (k = 1; k < 100; k++) {
			double o = 2.0 * k - 1;

			term = exp(e * o * o);
			sum += term;
			if (term <= 1e-17 * sum)
				break;
		}
		return fmin(fmax(1 - SQRT_2PI / l * sum, 0), 1);
	}
	for (k = 1; k < 100; k++) {
		term = exp(-2.0 * k * k * l * l);
		sum += sign * term;
		if (term <= 1e-17 * sum)
			break;
		sign = -sign;
	}
	return fmin(fmax(2 * sum, 0), 1);
}

/* log(1 + t) - t without cancellation for small t: with u = t / (2 + t),
 * log(1 + t) = 2 atanh(u) and t = 2u / (1 - u), so the difference is
 * -2u^2 / (1 - u) + 2 (u^3/3 + u^5/5 + ...). */
static double log1pmx(double t)
{
	double u, u2, pw, s = 0;
	int k;

	if (fabs(t) >= 0.5)
		return log1p(t) - t;
	u = t / (2 + t);
	u2 = u * u;
	pw = u * u2;
	for (k = 3; k < 200; k += 2) {
		double term = pw / k;

		s += term;
		if (fabs(term) <= 1e-17 * fabs(s))
			break;
		pw *= u2;
	}
	return -2 * u2 / (1 - u) + 2 * s;
}

/* lgamma(a) - ((a - 1/2) log a - a + log(sqrt(2 pi))), a >= 10, from the
 * Stirling series B_2k / (2k (2k-1) a^(2k-1)). */
static double stirling_err(double a)
{
	static const double c[] = {
		1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188,
		-691.0 / 360360, 1.0 / 156, -3617.0 / 122400,
	};
	double r = 1 / a, r2 = r * r, s = 0;
	int i;

	for (i = (int)(sizeof(c) / sizeof(c[0])) - 1; i >= 0; i--)
		s = s * r2 + c[i];
	return s * r;
}

/* x^a e^-x / Gamma(a), the factor both expansions share. For large a the
 * exponent a log x - x - lgamma(a) is a difference of large numbers;
 * rewritten with Stirling's formula it is a log1pmx((x - a)/a) -
 * stirling_err(a), plus log sqrt(a / 2 pi). */
static double gamma_prefactor(double a, double x)
{
	double lf;

	double t = (x - a) / a;

	if (a < 10) {
		lf = a * log(x) - x - lgamma(a);
		return lf < -745 ? 0 : exp(lf);
	}
	/* Far below a, 1 + t would lose x/a: take the log of x/a itself. */
	lf = a * (t < -0.5 ? log(x / a) - t : log1pmx(t)) - stirling_err(a);
	return lf < -745 ? 0 : exp(lf) * sqrt(a / (2 * M_PI));
}

/* P(a, x) by its power series, x < a + 1. */
static double gamma_p_series(double a, double x)
{
	double f = gamma_prefactor(a, x), term = 1 / a, sum = term;
	int n;

	if (f == 0)
		return 0;
	for (n = 1; n < MAX_ITER; n++) {
		term *= x / (a + n);
		sum += term;
		if (term <= sum * 1e-17)
			break;
	}
	return f * sum;
}

/* Q(a, x) by Legendre's continued fraction (modified Lentz), x >= a + 1:
 * Gamma(a, x) = e^-x x^a / (x + 1 - a - 1(1 - a) / (x + 3 - a - ...)). */
static double gamma_q_fraction(double a, double x)
{
	const double tiny = 1e-300;
	double f = gamma_prefactor(a, x), b, c, d, h, an, del;
	int i;

	if (f == 0)
		return 0;
	b = x + 1 - a;
	c = 1 / tiny;
	d = 1 / b;
	h = d;
	for (i = 1; i < MAX_ITER; i++) {
		an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) <= DBL_EPSILON)
			break;
	}
	return f * h;
}

double drift_gamma_q(double a, double x)
{
	double q;

	if (!(x > 0))
		return 1;
	if (!(a > 0) || isnan(x))
		return 0;
	if (!isfinite(a))
		return 1;
	if (!isfinite(x))
		return 0;
	if (x < a + 1)
		q = 1 - gamma_p_series(a, x);
	else
		q = gamma_q_fraction(a, x);
	return fmin(fmax(q, 0), 1);
}

double drift_chi2_sf(double x, double dof)
{
	if (!(x > 0))
		return 1;
	if (!(dof > 0))
		return 0;
	return drift_gamma_q(dof / 2, x / 2);
}

/* ---- multiple testing ---- */

struct ranked {
	double p;
	size_t i;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int drift_bh(const double *p, size_t m, double *q, struct mlci_err *err)
{
	struct ranked *r;
	double run = 1, v;
	size_t i;

	for (i = 0; i < m; i++)
		if (!(p[i] >= 0 && p[i] <= 1))
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "p-value %zu is not in [0, 1]", i + 1);
	if (m == 0)
		return 0;
	r = malloc(m * sizeof(*r));
	if (!r)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < m; i++) {
		r[i].p = p[i];
		r[i].i = i;
	}
	qsort(r, m, sizeof(*r), ranked_cmp);
	for (i = m; i-- > 0;) {
		v = r[i].p * (double)m / (double)(i + 1);
		if (v < run)
			run = v;
		q[r[i].i] = run;
	}
	free(r);
	return 0;
}

size_t drift_bh_reject(const double *q, size_t m, double level,
		       unsigned char *reject)
{
	size_t i, n = 0;

	for (i = 0; i < m; i++) {
		reject[i] = q[i] <= level;
		n += reject[i];
	}
	return n;
}

/* ---- one feature ---- */

static void opts_defaults(const struct drift_opts *in, struct drift_opts *o)
{
	if (in)
		*o = *in;
	else
		memset(o, 0, sizeof(*o));
	if (o->bins == 0)
		o->bins = DRIFT_DEFAULT_BINS;
	if (o->alpha == 0)
		o->alpha = DRIFT_ALPHA;
	if (o->min_n == 0)
		o->min_n = DRIFT_MIN_N;
	if (o->large_n == 0)
		o->large_n = DRIFT_LARGE_N;
	if (o->min_expected == 0)
		o->min_expected = DRIFT_MIN_EXPECTED;
}

static int check_opts(const struct drift_opts *o, struct mlci_err *err)
{
	if (!(o->min_n >= 0) || !(o->large_n >= 0) || !(o->min_expected > 0) ||
	    !(o->rank_error >= 0) || !(o->rank_error <= 1) ||
	    !isfinite(o->min_n) || !isfinite(o->large_n) ||
	    !isfinite(o->min_expected))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "drift options out of range");
	if (o->have_ref_sd && (!(o->ref_sd >= 0) || !isfinite(o->ref_sd)))
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "the reference standard deviation is negative "
			       "or not finite");
	return check_alpha(o->alpha, err) < 0 ? -1 : check_bins(o->bins, err);
}

static void result_clear(struct drift_result *res)
{
	memset(res, 0, sizeof(*res));
	res->p_value = 1;
	res->test = NULL;
}

static void judge(struct drift_result *res, const struct drift_opts *o,
		  double nr, double nc)
{
	if (nr > o->large_n && nc > o->large_n)
		res->notes |= DRIFT_NOTE_LARGE_SAMPLE;
	res->by_effect = !res->test || (res->notes & DRIFT_NOTE_LARGE_SAMPLE);
}

int drift_numeric(const struct wsample *ref, const struct wsample *cur,
		  const struct drift_opts *opts, struct drift_result *res,
		  struct mlci_err *err)
{
	struct drift_opts o;
	double mean, sd, big, nr, nc, p;
	int rc;

	result_clear(res);
	opts_defaults(opts, &o);
	if (check_opts(&o, err) < 0)
		return -1;
	rc = check_pair(ref, cur, err);
	if (rc < 0)
		return -1;
	if (rc == DRIFT_UNDEFINED)
		return 0;
	if (drift_ks(ref, cur, &res->stat, &p, err) < 0 ||
	    drift_wasserstein(ref, cur, &res->wasserstein, err) < 0)
		return -1;
	if (o.have_ref_sd)
		sd = o.ref_sd;
	else if (drift_wsample_moments(ref, &mean, &sd, err) < 0)
		return -1;
	big = fmax(max_abs(ref), max_abs(cur));
	if (!(sd > NORM_FLOOR * big))
		res->notes |= DRIFT_NOTE_CONSTANT_REF;
	res->wasserstein_norm = drift_wasserstein_normalise(res->wasserstein,
							    sd, big);
	res->effect = res->wasserstein_norm;
	if (drift_psi_numeric(ref, cur, o.bins, o.alpha, &res->psi, &res->bins,
			      err) < 0)
		return -1;
	res->defined = 1;
	nr = sample_n(ref);
	nc = sample_n(cur);
	if (nr < o.min_n || nc < o.min_n) {
		res->notes |= DRIFT_NOTE_SMALL_SAMPLE;
	} else {
		res->test = "ks";
		res->p_value = p;
		if (o.rank_error > 0) {
			res->notes |= DRIFT_NOTE_SKETCH_ERROR;
			if (res->stat <= o.rank_error)
				res->notes |= DRIFT_NOTE_WITHIN_ERROR;
			res->p_value = drift_ks_pvalue(res->stat - o.rank_error,
						       nr, nc);
		}
	}
	judge(res, &o, nr, nc);
	return 0;
}

/* Cochran's rule on the columns kept (not empty on both sides). */
static int adequate(const double *ref, const double *cur, size_t k,
		    double nr, double nc, double min_exp)
{
	double n = nr + nc, e;
	size_t i, cells = 0, low = 0;
	int row;

	for (i = 0; i < k; i++) {
		if (ref[i] == 0 && cur[i] == 0)
			continue;
		for (row = 0; row < 2; row++) {
			e = (row ? nc : nr) * (ref[i] + cur[i]) / n;
			if (e < 1)
				return 0;
			low += e < min_exp;
			cells++;
		}
	}
	return (double)low <= COCHRAN_SHARE * (double)cells;
}

/* The chi-square test, with sparse categories pooled when needed. */
static int categorical_test(const double *ref, const double *cur, size_t k,
			    double nr, double nc, size_t kept,
			    const struct drift_opts *o, struct drift_result *res,
			    struct mlci_err *err)
{
	double *pr, *pc, n = nr + nc, e;
	size_t i, np = 0, pooled = 0;
	int rc;

	if (kept < 2 || adequate(ref, cur, k, nr, nc, o->min_expected)) {
		res->test = "chi2";
		return drift_chi2(ref, cur, k, &res->stat, &res->dof,
				  &res->p_value, err) < 0 ? -1 : 0;
	}
	pr = calloc(k + 1, sizeof(*pr));
	pc = calloc(k + 1, sizeof(*pc));
	if (!pr || !pc) {
		free(pr);
		free(pc);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (i = 0; i < k; i++) {
		if (ref[i] == 0 && cur[i] == 0)
			continue;
		e = fmin(nr, nc) * (ref[i] + cur[i]) / n;
		if (e < o->min_expected) {
			pr[k] += ref[i];
			pc[k] += cur[i];
			pooled++;
		} else {
			pr[np] = ref[i];
			pc[np++] = cur[i];
		}
	}
	if (pooled) {
		pr[np] = pr[k];
		pc[np++] = pc[k];
	}
	rc = 0;
	if (np >= 2 && adequate(pr, pc, np, nr, nc, o->min_expected)) {
		res->test = "chi2";
		res->notes |= DRIFT_NOTE_POOLED;
		rc = drift_chi2(pr, pc, np, &res->stat, &res->dof,
				&res->p_value, err) < 0 ? -1 : 0;
	} else {
		res->notes |= DRIFT_NOTE_LOW_EXPECTED;
	}
	free(pr);
	free(pc);
	return rc;
}

int drift_categorical(const double *ref, const double *cur, size_t k,
		      const struct drift_opts *opts, struct drift_result *res,
		      struct mlci_err *err)
{
	struct drift_opts o;
	double nr, nc;
	size_t kept;
	int rc;

	result_clear(res);
	opts_defaults(opts, &o);
	if (check_opts(&o, err) < 0)
		return -1;
	rc = count_sums(ref, cur, k, &nr, &nc, &kept, err);
	if (rc < 0)
		return -1;
	if (rc == DRIFT_UNDEFINED)
		return 0;
	if (drift_js(ref, cur, k, &res->js, err) < 0 ||
	    drift_psi_counts(ref, cur, k, o.alpha, &res->psi, &res->bins,
			     err) < 0)
		return -1;
	res->effect = res->js;
	res->defined = 1;
	if (nr < o.min_n || nc < o.min_n)
		res->notes |= DRIFT_NOTE_SMALL_SAMPLE;
	else if (categorical_test(ref, cur, k, nr, nc, kept, &o, res, err) < 0)
		return -1;
	if (!res->test) {
		res->stat = res->dof = 0;
		res->p_value = 1;
	}
	judge(res, &o, nr, nc);
	return 0;
}

const char *drift_note_text(unsigned bit)
{
	switch (bit) {
	case DRIFT_NOTE_SMALL_SAMPLE:
		return "too few rows for a p-value";
	case DRIFT_NOTE_SKETCH_ERROR:
		return "p-value allows for the sketches' rank error";
	case DRIFT_NOTE_WITHIN_ERROR:
		return "difference within the sketches' rank error";
	case DRIFT_NOTE_POOLED:
		return "sparse categories pooled for the chi-square test";
	case DRIFT_NOTE_LOW_EXPECTED:
		return "expected counts too small for the chi-square test";
	case DRIFT_NOTE_CONSTANT_REF:
		return "reference is constant: normalised distance floored";
	case DRIFT_NOTE_LARGE_SAMPLE:
		return "large samples: judged by effect size";
	}
	return "";
}
