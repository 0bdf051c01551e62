#include "lbfgs.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define C1 1e-4		/* sufficient decrease (Armijo) */
#define C2 0.9		/* curvature (strong Wolfe) */
#define STEP_MAX 1e10

void lbfgs_defaults(struct lbfgs_params *p)
{
	p->m = 10;
	p->max_iter = 1000;
	p->gtol = 1e-8;
	p->ftol = 64 * DBL_EPSILON;
	p->max_ls = 50;
	p->on_iter = NULL;
	p->on_iter_ctx = NULL;
}

const char *lbfgs_stop_name(enum lbfgs_stop s)
{
	switch (s) {
	case LBFGS_GTOL: return "gtol";
	case LBFGS_FTOL: return "ftol";
	case LBFGS_MAX_ITER: return "max_iter";
	case LBFGS_LINE_SEARCH: return "line_search";
	}
	return "unknown";
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static double absmax(const double *a, size_t n)
{
	double m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (fabs(a[i]) > m)
			m = fabs(a[i]);
	return m;
}

/* One line search along d from x: trial points go to xt/gt. */
struct ls {
	size_t n;
	const double *x, *d;
	double *xt, *gt;
	lbfgs_fn fn;
	void *ctx;
	double f0, dphi0;
	int evals, max_evals;
	long *total;
};

static double ls_eval(struct ls *s, double a, double *dphi)
{
	size_t i;
	double f;

	for (i = 0; i < s->n; i++)
		s->xt[i] = s->x[i] + a * s->d[i];
	f = s->fn(s->ctx, s->xt, s->gt);
	s->evals++;
	(*s->total)++;
	*dphi = dot(s->gt, s->d, s->n);
	if (!isfinite(f) || !isfinite(*dphi)) {
		*dphi = NAN;
		return INFINITY;
	}
	return f;
}

/* The minimiser of the cubic through (a, fa, da) and (b, fb, db), kept
 * well inside [a, b]; bisection when the cubic is no use. */
static double interpolate(double a, double fa, double da, double b,
			  double fb, double db)
{
	double lo = a < b ? a : b, hi = a < b ? b : a, w = hi - lo;
	double d1, r, d2, t;

	if (!isfinite(fa) || !isfinite(fb) || !isfinite(da) || !isfinite(db))
		return 0.5 * (a + b);
	d1 = da + db - 3 * (fa - fb) / (a - b);
	r = d1 * d1 - da * db;
	if (!(r >= 0))
		return 0.5 * (a + b);
	d2 = (b > a ? 1 : -1) * sqrt(r);
	t = db - da + 2 * d2;
	if (t == 0)
		return 0.5 * (a + b);
	t = b - (b - a) * (db + d2 - d1) / t;
	if (!isfinite(t) || t < lo + 0.1 * w || t > hi - 0.1 * w)
		return 0.5 * (a + b);
	return t;
}

/* Nocedal & Wright Algorithm 3.6. 0: accepted point in xt/gt. */
static int zoom(struct ls *s, double lo, double flo, double dlo, double hi,
		double fhi, double dhi, double *f_out)
{
	while (s->evals < s->max_evals &&
	       fabs(hi - lo) > 1e-17 * fmax(1.0, fabs(lo))) {
		double dp, a = interpolate(lo, flo, dlo, hi, fhi, dhi);
		double f = ls_eval(s, a, &dp);

		if (f > s->f0 + C1 * a * s->dphi0 || f >= flo) {
			hi = a, fhi = f, dhi = dp;
		} else {
			if (fabs(dp) <= -C2 * s->dphi0) {
				*f_out = f;
				return 0;
			}
			if (dp * (hi - lo) >= 0)
				hi = lo, fhi = flo, dhi = dlo;
			lo = a, flo = f, dlo = dp;
		}
	}
	/* No strong-Wolfe point found: settle for the best point with
	 * sufficient decrease, if there is one. */
	if (lo > 0) {
		double dp;

		*f_out = ls_eval(s, lo, &dp);
		return isfinite(*f_out) && *f_out < s->f0 ? 0 : -1;
	}
	return -1;
}

/* Nocedal & Wright Algorithm 3.5. */
static int line_search(struct ls *s, double a, double *f_out)
{
	double a_prev = 0, f_prev = s->f0, d_prev = s->dphi0;
	int first = 1;

	for (;;) {
		double dp, f = ls_eval(s, a, &dp);

		if (f > s->f0 + C1 * a * s->dphi0 || (!first && f >= f_prev))
			return zoom(s, a_prev, f_prev, d_prev, a, f, dp, f_out);
		if (fabs(dp) <= -C2 * s->dphi0) {
			*f_out = f;
			return 0;
		}
		if (dp >= 0)
			return zoom(s, a, f, dp, a_prev, f_prev, d_prev, f_out);
		if (s->evals >= s->max_evals || a >= STEP_MAX) {
			*f_out = f;	/* a descent step, just not a Wolfe one */
			return 0;
		}
		a_prev = a, f_prev = f, d_prev = dp;
		first = 0;
		a = fmin(4 * a, STEP_MAX);
	}
}

int lbfgs_minimize(size_t n, double *x, lbfgs_fn fn, void *ctx,
		   const struct lbfgs_params *p, struct lbfgs_result *r)
{
	size_t m = p->m > 0 ? (size_t)p->m : 1, npairs = 0, head = 0, i, j;
	double *g, *d, *xt, *gt, *S, *Y, *rho, *alpha, f;
	long iter = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	g = calloc(4 * n + 2 * m * n + 2 * m, sizeof(double));
	if (!g)
		return -1;
	d = g + n, xt = d + n, gt = xt + n;
	S = gt + n, Y = S + m * n, rho = Y + m * n, alpha = rho + m;

	f = fn(ctx, x, g);
	r->evaluations = 1;
	if (!isfinite(f) || !isfinite(absmax(g, n))) {
		rc = -1;
		goto done;
	}
	r->stop = LBFGS_MAX_ITER;
	if (absmax(g, n) <= p->gtol) {
		r->stop = LBFGS_GTOL;
		goto done;
	}
	for (i = 0; i < n; i++)
		d[i] = -g[i];

	while (iter < p->max_iter) {
		struct ls s = { n, x, d, xt, gt, fn, ctx, f, 0, 0, p->max_ls,
				&r->evaluations };
		double fnew, a0, sy, yy, *si, *yi;

		s.dphi0 = dot(g, d, n);
		if (!(s.dphi0 < 0)) {	/* not a descent direction: restart */
			npairs = 0;
			for (i = 0; i < n; i++)
				d[i] = -g[i];
			s.dphi0 = dot(g, d, n);
		}
		a0 = npairs ? 1.0 : fmin(1.0, 1.0 / sqrt(dot(d, d, n)));
		if (line_search(&s, a0, &fnew) < 0) {
			if (npairs) {	/* retry once along steepest descent */
				npairs = 0;
				for (i = 0; i < n; i++)
					d[i] = -g[i];
				continue;
			}
			r->stop = LBFGS_LINE_SEARCH;
			break;
		}
		iter++;

		/* store the pair s = x+ - x, y = g+ - g (skipped when the
		 * curvature is not positive enough to keep H positive) */
		sy = yy = 0;
		for (i = 0; i < n; i++) {
			double sd = xt[i] - x[i], yd = gt[i] - g[i];

			sy += sd * yd;
			yy += yd * yd;
		}
		if (sy > DBL_EPSILON * yy) {
			si = S + head * n, yi = Y + head * n;
			for (i = 0; i < n; i++) {
				si[i] = xt[i] - x[i];
				yi[i] = gt[i] - g[i];
			}
			rho[head] = 1 / sy;
			head = (head + 1) % m;
			if (npairs < m)
				npairs++;
		}
		memcpy(x, xt, n * sizeof(*x));
		memcpy(g, gt, n * sizeof(*g));
		if (p->on_iter)
			p->on_iter(p->on_iter_ctx, iter, fnew);
		if (absmax(g, n) <= p->gtol) {
			f = fnew;
			r->stop = LBFGS_GTOL;
			break;
		}
		if (f - fnew <= p->ftol * fmax(fmax(fabs(f), fabs(fnew)), 1.0)) {
			f = fnew;
			r->stop = LBFGS_FTOL;
			break;
		}
		f = fnew;

		/* two-loop recursion: d = -H g */
		for (i = 0; i < n; i++)
			d[i] = g[i];
		for (j = 0; j < npairs; j++) {
			size_t k = (head + m - 1 - j) % m;

			alpha[k] = rho[k] * dot(S + k * n, d, n);
			for (i = 0; i < n; i++)
				d[i] -= alpha[k] * Y[k * n + i];
		}
		if (npairs) {
			size_t k = (head + m - 1) % m;
			double gamma = 1 / (rho[k] * dot(Y + k * n, Y + k * n, n));

			for (i = 0; i < n; i++)
				d[i] *= gamma;
		}
		for (j = npairs; j-- > 0;) {
			size_t k = (head + m - 1 - j) % m;
			double beta = rho[k] * dot(Y + k * n, d, n);

			for (i = 0; i < n; i++)
				d[i] += S[k * n + i] * (alpha[k] - beta);
		}
		for (i = 0; i < n; i++)
			d[i] = -d[i];
	}
done:
	r->iterations = iter;
	r->f = f;
	r->gmax = absmax(g, n);
	r->converged = rc == 0 &&
		(r->stop == LBFGS_GTOL || r->stop == LBFGS_FTOL);
	free(g);
	return rc;
}
