/* Hyperparameter search: spaces, trials, Bayesian proposals (search.h). */
#include "search.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"
#include "tree.h"
#include "util.h"

#define BAYES_CANDIDATES 1024
#define BAYES_LOCAL 256
#define BAYES_NOISE 1e-4
#define BAYES_XI 0.01

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(tree_rng_next(s) >> 11) * 0x1.0p-53;
}

static double rng_normal(uint64_t *s)
{
	double a = rng_unit(s), b = rng_unit(s);

	return sqrt(-2 * log(1 - a)) * cos(2 * M_PI * b);
}

/* The generator of trial t (random draws), or of trial t's proposal. */
static uint64_t trial_seed(long seed, size_t t, uint64_t what)
{
	return sketch_mix(sketch_mix((uint64_t)seed ^ what) + (uint64_t)t);
}

/* ---- the space ---- */

void search_free(struct search_space *s)
{
	size_t i, j;

	for (i = 0; i < s->ndims; i++) {
		free(s->dim[i].name);
		for (j = 0; j < s->dim[i].nchoices; j++)
			free(s->dim[i].choices[j]);
		free(s->dim[i].choices);
	}
	free(s->dim);
	memset(s, 0, sizeof(*s));
}

static int bad_spec(struct mlci_err *err, const char *spec, const char *why)
{
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--search '%.100s': %s", spec,
		       why);
}

static int is_integer_text(const char *s, size_t n)
{
	size_t i = n && (s[0] == '-' || s[0] == '+');

	if (i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int parse_range(struct search_dim *d, const char *spec, const char *v,
		       struct mlci_err *err)
{
	const char *dots = strstr(v, ".."), *colon = strrchr(v, ':');
	char lo[64], hi[64];
	size_t nl, nh;

	if (colon && colon < dots)
		colon = NULL;
	nl = (size_t)(dots - v);
	nh = (size_t)((colon ? colon : v + strlen(v)) - (dots + 2));
	if (!nl || !nh || nl >= sizeof(lo) || nh >= sizeof(hi))
		return bad_spec(err, spec, "expected NAME=LO..HI[:int|:float|:log]");
	memcpy(lo, v, nl);
	lo[nl] = '\0';
	memcpy(hi, dots + 2, nh);
	hi[nh] = '\0';
	if (parse_double(lo, &d->lo) < 0 || parse_double(hi, &d->hi) < 0 ||
	    !isfinite(d->lo) || !isfinite(d->hi))
		return bad_spec(err, spec, "LO and HI must be numbers");
	if (!colon)
		d->kind = is_integer_text(lo, nl) && is_integer_text(hi, nh) ?
			SK_INT : SK_FLOAT;
	else if (!strcmp(colon, ":int"))
		d->kind = SK_INT;
	else if (!strcmp(colon, ":float"))
		d->kind = SK_FLOAT;
	else if (!strcmp(colon, ":log"))
		d->kind = SK_LOG;
	else
		return bad_spec(err, spec, "the type is int, float or log");
	if (d->lo > d->hi)
		return bad_spec(err, spec, "LO is above HI");
	if (d->kind == SK_INT && (d->lo != floor(d->lo) || d->hi != floor(d->hi) ||
				  fabs(d->lo) > 1e15 || fabs(d->hi) > 1e15))
		return bad_spec(err, spec, ":int needs integer LO and HI");
	if (d->kind == SK_LOG && !(d->lo > 0))
		return bad_spec(err, spec, ":log needs LO > 0");
	return 0;
}

static int parse_choices(struct search_dim *d, const char *spec, const char *v,
			 struct mlci_err *err)
{
	const char *p = v;

	d->kind = SK_CHOICE;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p), i;
		char **nc;

		if (!n)
			return bad_spec(err, spec, "an empty choice");
		if (d->nchoices == SEARCH_MAX_CHOICES)
			return bad_spec(err, spec, "more than 256 choices");
		for (i = 0; i < d->nchoices; i++)
			if (strlen(d->choices[i]) == n && !memcmp(d->choices[i], p, n))
				return bad_spec(err, spec, "a choice given twice");
		nc = realloc(d->choices, (d->nchoices + 1) * sizeof(*nc));
		if (!nc)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		d->choices = nc;
		if (!(d->choices[d->nchoices] = strndup(p, n)))
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		d->nchoices++;
		if (!e)
			return 0;
		p = e + 1;
	}
}

int search_parse(struct search_space *s, const char *const *specs, size_t n,
		 struct mlci_err *err)
{
	size_t i, j;

	memset(s, 0, sizeof(*s));
	if (n > SEARCH_MAX_DIMS)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--search: more than %d dimensions", SEARCH_MAX_DIMS);
	s->dim = calloc(n + 1, sizeof(*s->dim));
	if (!s->dim)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		const char *spec = specs[i], *eq = strchr(spec, '=');
		struct search_dim *d = &s->dim[i];

		s->ndims = i + 1;
		if (!eq || eq == spec || !eq[1])
			return bad_spec(err, spec, "expected NAME=LO..HI[:type] or NAME=A,B,...");
		if (!(d->name = strndup(spec, (size_t)(eq - spec))))
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		for (j = 0; j < i; j++)
			if (!strcmp(s->dim[j].name, d->name))
				return bad_spec(err, spec, "this name is searched twice");
		if (strstr(eq + 1, "..") ? parse_range(d, spec, eq + 1, err) :
		    parse_choices(d, spec, eq + 1, err))
			return -1;
	}
	return 0;
}

int search_method_parse(const char *name, enum search_method *m,
			struct mlci_err *err)
{
	if (!name || !strcmp(name, "random"))
		*m = SEARCH_RANDOM;
	else if (!strcmp(name, "grid"))
		*m = SEARCH_GRID;
	else if (!strcmp(name, "bayes"))
		*m = SEARCH_BAYES;
	else
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--search-method '%.40s': expected grid, random or bayes",
			       name);
	return 0;
}

const char *search_method_name(enum search_method m)
{
	return m == SEARCH_GRID ? "grid" : m == SEARCH_BAYES ? "bayes" : "random";
}

/* Points of dimension d in a grid. */
static double dim_points(const struct search_dim *d, size_t points)
{
	if (d->kind == SK_CHOICE)
		return (double)d->nchoices;
	if (d->kind == SK_INT)
		return d->hi - d->lo + 1;
	return d->lo == d->hi ? 1 : (double)points;
}

int search_grid_size(const struct search_space *s, size_t points, size_t *n,
		     struct mlci_err *err)
{
	double total = 1;
	size_t i;

	for (i = 0; i < s->ndims; i++)
		total *= dim_points(&s->dim[i], points);
	if (total > SEARCH_MAX_TRIALS)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--search-method grid: %.0f points, more than %d; narrow the space or search at random",
			       total, SEARCH_MAX_TRIALS);
	*n = (size_t)total;
	return 0;
}

double search_decode(const struct search_dim *d, double u)
{
	double v;

	u = u < 0 ? 0 : u > 1 ? 1 : u;
	switch (d->kind) {
	case SK_CHOICE:
		v = floor(u * (double)(d->nchoices - 1) + 0.5);
		return v > (double)(d->nchoices - 1) ? (double)(d->nchoices - 1) : v;
	case SK_INT:
		v = floor(d->lo + u * (d->hi - d->lo) + 0.5);
		return v > d->hi ? d->hi : v;
	case SK_LOG:	/* base 10, so that decades come out exact */
		v = pow(10, log10(d->lo) + u * (log10(d->hi) - log10(d->lo)));
		return v < d->lo ? d->lo : v > d->hi ? d->hi : v;
	default:
		return d->lo + u * (d->hi - d->lo);
	}
}

static double encode(const struct search_dim *d, double v)
{
	switch (d->kind) {
	case SK_CHOICE:
		return d->nchoices > 1 ? v / (double)(d->nchoices - 1) : 0;
	case SK_LOG:
		return d->hi > d->lo ? (log10(v) - log10(d->lo)) / (log10(d->hi) - log10(d->lo)) : 0;
	default:
		return d->hi > d->lo ? (v - d->lo) / (d->hi - d->lo) : 0;
	}
}

void search_param_text(const struct search_dim *d, double v, char *buf,
		       size_t n)
{
	if (d->kind == SK_CHOICE)
		snprintf(buf, n, "%s=%s", d->name, d->choices[(size_t)v]);
	else if (d->kind == SK_INT)
		snprintf(buf, n, "%s=%.0f", d->name, v);
	else {	/* the shortest of %.15g..%.17g that reads back as v */
		int prec;

		for (prec = 15; prec < 17; prec++) {
			char t[64];

			snprintf(t, sizeof(t), "%.*g", prec, v);
			if (strtod(t, NULL) == v)
				break;
		}
		snprintf(buf, n, "%s=%.*g", d->name, prec, v);
	}
}

json_t *search_value_json(const struct search_dim *d, double v)
{
	if (d->kind == SK_CHOICE)
		return json_string(d->choices[(size_t)v]);
	if (d->kind == SK_INT)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* Grid point t: mixed radix, the first dimension slowest. */
static void grid_point(const struct search_space *s, size_t points, size_t t,
		       double *vals)
{
	size_t i = s->ndims;

	while (i-- > 0) {
		const struct search_dim *d = &s->dim[i];
		size_t k = (size_t)dim_points(d, points), at = t % k;

		t /= k;
		if (d->kind == SK_CHOICE)
			vals[i] = (double)at;
		else if (d->kind == SK_INT)
			vals[i] = d->lo + (double)at;
		else if (k < 2)
			vals[i] = d->lo;
		else if (d->kind == SK_LOG)	/* as numpy's logspace */
			vals[i] = at + 1 == k ? d->hi : pow(10, log10(d->lo) +
				(log10(d->hi) - log10(d->lo)) * (double)at / (double)(k - 1));
		else	/* as numpy's linspace */
			vals[i] = at + 1 == k ? d->hi :
				d->lo + (d->hi - d->lo) * (double)at / (double)(k - 1);
	}
}

static void random_u(const struct search_space *s, long seed, size_t t,
		     double *u)
{
	uint64_t g = trial_seed(seed, t, 0x72616e646f6dULL);	/* "random" */
	size_t i;

	for (i = 0; i < s->ndims; i++)
		u[i] = rng_unit(&g);
}

/* ---- the Gaussian process ---- */

static double matern52(const double *a, const double *b, size_t d, double ell)
{
	double r2 = 0, r;
	size_t i;

	for (i = 0; i < d; i++)
		r2 += (a[i] - b[i]) * (a[i] - b[i]);
	r = sqrt(5 * r2) / ell;
	return (1 + r + r * r / 3) * exp(-r);
}

/* Cholesky factor of the n x n matrix A in place (lower); -1 if not
 * positive definite. */
static int cholesky(double *A, size_t n)
{
	size_t i, j, k;

	for (j = 0; j < n; j++) {
		double s = A[j * n + j];

		for (k = 0; k < j; k++)
			s -= A[j * n + k] * A[j * n + k];
		if (!(s > 0))
			return -1;
		A[j * n + j] = sqrt(s);
		for (i = j + 1; i < n; i++) {
			double t = A[i * n + j];

			for (k = 0; k < j; k++)
				t -= A[i * n + k] * A[j * n + k];
			A[i * n + j] = t / A[j * n + j];
		}
	}
	return 0;
}

/* Solve L x = b (forward) in place. */
static void solve_lower(const double *L, size_t n, double *b)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		double s = b[i];

		for (k = 0; k < i; k++)
			s -= L[i * n + k] * b[k];
		b[i] = s / L[i * n + i];
	}
}

/* Solve L^T x = b (backward) in place. */
static void solve_upper(const double *L, size_t n, double *b)
{
	size_t i = n, k;

	while (i-- > 0) {
		double s = b[i];

		for (k = i + 1; k < n; k++)
			s -= L[k * n + i] * b[k];
		b[i] = s / L[i * n + i];
	}
}

struct gp {
	size_t n, d;
	const double *u;
	double ell, *L, *alpha, *kv;
};

/* Fit on standardised y with length scale ell: L, alpha; the log
 * marginal likelihood in *lml. -1 when not positive definite. */
static int gp_fit(struct gp *g, const double *y, double ell, double *lml)
{
	size_t i, j, n = g->n;
	double quad = 0, logdet = 0;

	g->ell = ell;
	for (i = 0; i < n; i++)
		for (j = 0; j <= i; j++) {
			double k = matern52(g->u + i * g->d, g->u + j * g->d, g->d, ell);

			g->L[i * n + j] = g->L[j * n + i] = k + (i == j ? BAYES_NOISE : 0);
		}
	if (cholesky(g->L, n) < 0)
		return -1;
	memcpy(g->alpha, y, n * sizeof(*y));
	solve_lower(g->L, n, g->alpha);
	for (i = 0; i < n; i++) {
		quad += g->alpha[i] * g->alpha[i];
		logdet += log(g->L[i * n + i]);
	}
	solve_upper(g->L, n, g->alpha);
	*lml = -0.5 * quad - logdet;
	return 0;
}

static void gp_predict(const struct gp *g, const double *x, double *mu,
		       double *sd)
{
	size_t i, n = g->n;
	double m = 0, v = 1;

	for (i = 0; i < n; i++) {
		g->kv[i] = matern52(x, g->u + i * g->d, g->d, g->ell);
		m += g->kv[i] * g->alpha[i];
	}
	solve_lower(g->L, n, g->kv);
	for (i = 0; i < n; i++)
		v -= g->kv[i] * g->kv[i];
	*mu = m;
	*sd = v > 1e-12 ? sqrt(v) : 1e-6;
}

double search_ei(double mu, double sd, double best, double xi)
{
	double imp = mu - best - xi, z;

	if (!(sd > 0))
		return imp > 0 ? imp : 0;
	z = imp / sd;
	return imp * 0.5 * erfc(-z / M_SQRT2) + sd * exp(-0.5 * z * z) / sqrt(2 * M_PI);
}

/* Snap u to the values the dimensions can take. */
static void snap(const struct search_space *s, double *u)
{
	size_t i;

	for (i = 0; i < s->ndims; i++) {
		const struct search_dim *d = &s->dim[i];

		u[i] = u[i] < 0 ? 0 : u[i] > 1 ? 1 : u[i];
		if (d->kind == SK_INT || d->kind == SK_CHOICE)
			u[i] = encode(d, search_decode(d, u[i]));
	}
}

static int seen(const double *u, size_t n, size_t d, const double *x)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < d && fabs(u[i * d + j] - x[j]) < 1e-12; j++)
			;
		if (j == d)
			return 1;
	}
	return 0;
}

int search_bayes_propose(const struct search_space *s, const double *u,
			 const double *y, size_t n, uint64_t seed,
			 double *next, struct mlci_err *err)
{
	static const double ells[] = { 0.05, 0.1, 0.2, 0.4, 0.8 };
	size_t d = s->ndims, i, c, ibest = 0;
	double *ys = malloc((n + 1) * sizeof(*ys)), *x = malloc((d + 1) * sizeof(*x));
	double mean = 0, sd = 0, best_lml = -INFINITY, ell = ells[2], lml;
	double best_y, best_ei = -1;
	struct gp g = { n, d, u, 0, NULL, NULL, NULL };
	uint64_t rng = seed;
	int rc = -1, fitted = 0;

	g.L = malloc((n * n + 1) * sizeof(*g.L));
	g.alpha = malloc((n + 1) * sizeof(*g.alpha));
	g.kv = malloc((n + 1) * sizeof(*g.kv));
	if (!ys || !x || !g.L || !g.alpha || !g.kv) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		mean += y[i];
	mean /= (double)n;
	for (i = 0; i < n; i++)
		sd += (y[i] - mean) * (y[i] - mean);
	sd = n > 1 ? sqrt(sd / (double)n) : 0;
	if (!(sd > 0))
		sd = 1;
	for (i = 0; i < n; i++) {
		ys[i] = (y[i] - mean) / sd;
		if (ys[i] > ys[ibest])
			ibest = i;
	}
	best_y = ys[ibest];
	for (i = 0; i < sizeof(ells) / sizeof(ells[0]); i++)
		if (gp_fit(&g, ys, ells[i], &lml) == 0 && lml > best_lml) {
			best_lml = lml;
			ell = ells[i];
		}
	fitted = gp_fit(&g, ys, ell, &lml) == 0;
	for (i = 0; i < d; i++)
		next[i] = -1;
	for (c = 0; fitted && c < BAYES_CANDIDATES + BAYES_LOCAL; c++) {
		double mu, sdv, ei;
		size_t j;

		for (j = 0; j < d; j++)
			x[j] = c < BAYES_CANDIDATES ? rng_unit(&rng) :
				u[ibest * d + j] + 0.1 * rng_normal(&rng);
		snap(s, x);
		if (seen(u, n, d, x))
			continue;
		gp_predict(&g, x, &mu, &sdv);
		ei = search_ei(mu, sdv, best_y, BAYES_XI);
		if (ei > best_ei) {
			best_ei = ei;
			memcpy(next, x, d * sizeof(*x));
		}
	}
	if (best_ei < 0) {	/* every candidate already tried: a random one */
		for (i = 0; i < d; i++)
			next[i] = rng_unit(&rng);
		snap(s, next);
	}
	rc = 0;
out:
	free(ys), free(x), free(g.L), free(g.alpha), free(g.kv);
	return rc;
}

/* ---- running the trials ---- */

static json_t *trial_record(const struct search_space *s, size_t t,
			    long batch, const double *vals, double score,
			    json_t *detail)
{
	json_t *o = json_object(), *p = json_object();
	size_t i;

	if (!o || !p) {
		json_decref(o);
		json_decref(p);
		json_decref(detail);
		return NULL;
	}
	json_object_set_new(o, "id", json_integer((json_int_t)t));
	if (batch >= 0)
		json_object_set_new(o, "batch", json_integer(batch));
	for (i = 0; i < s->ndims; i++)
		json_object_set_new(p, s->dim[i].name,
				    search_value_json(&s->dim[i], vals[i]));
	json_object_set_new(o, "params", p);
	json_object_set_new(o, "score", isfinite(score) ? json_real(score) : json_null());
	if (detail)
		json_object_update(o, detail);
	json_decref(detail);
	return o;
}

static int cmp_id(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "id"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "id"));

	return x < y ? -1 : x > y;
}

static int one(const struct search_run *r, size_t t, long batch,
	       const double *vals, json_t *out, double *score,
	       struct mlci_err *err)
{
	json_t *detail = NULL, *rec;

	*score = NAN;
	if (r->eval(r->ctx, t, vals, score, &detail, err) < 0) {
		json_decref(detail);
		return -1;
	}
	rec = trial_record(r->space, t, batch, vals, *score, detail);
	if (!rec || json_array_append_new(out, rec) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	return 0;
}

/* Batch b of a Bayesian search: its trials one after another, each
 * proposed from the batch's finished trials that have a score. */
static int bayes_batch(const struct search_run *r, size_t b, json_t *out,
		       struct mlci_err *err)
{
	const struct search_space *s = r->space;
	size_t d = s->ndims, cnt = 0, t, i, ninit = d + 1 > 3 ? d + 1 : 3;
	size_t max = r->trials / r->batches + 1;
	double *u = malloc((max * d + 1) * sizeof(*u)), *y = malloc((max + 1) * sizeof(*y));
	double *gu = malloc((max * d + 1) * sizeof(*gu)), *gy = malloc((max + 1) * sizeof(*gy));
	double *vals = malloc((d + 1) * sizeof(*vals)), *cu = malloc((d + 1) * sizeof(*cu));
	int rc = -1;

	if (!u || !y || !gu || !gy || !vals || !cu) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	for (t = b; t < r->trials; t += r->batches) {
		size_t ng = 0;
		double score;

		for (i = 0; i < cnt; i++)
			if (isfinite(y[i])) {
				memcpy(gu + ng * d, u + i * d, d * sizeof(*u));
				gy[ng++] = y[i];
			}
		if (cnt < ninit || ng < 2) {
			random_u(s, r->seed, t, cu);
			snap(s, cu);
		} else if (search_bayes_propose(s, gu, gy, ng,
						trial_seed(r->seed, t, 0x6261796573ULL),
						cu, err) < 0) {
			goto out;
		}
		for (i = 0; i < d; i++)
			vals[i] = search_decode(&s->dim[i], cu[i]);
		if (one(r, t, (long)b, vals, out, &score, err) < 0)
			goto out;
		memcpy(u + cnt * d, cu, d * sizeof(*u));
		y[cnt++] = isfinite(score) ? (r->minimize ? -score : score) : NAN;
	}
	rc = 0;
out:
	free(u), free(y), free(gu), free(gy), free(vals), free(cu);
	return rc;
}

int search_execute(const struct search_run *r, json_t **out,
		   struct mlci_err *err)
{
	const struct search_space *s = r->space;
	size_t t, i, n;
	double *vals = NULL, *u = NULL, score;
	json_t *arr = json_array(), **v = NULL;
	int rc = -1;

	*out = NULL;
	if (!arr)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (r->trials < 1 || r->trials > SEARCH_MAX_TRIALS) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--trials %zu: expected 1 to %d", r->trials, SEARCH_MAX_TRIALS);
		goto done;
	}
	if (r->nshards && r->nshards > r->trials) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--shard %u/%u: more runners than the %zu trials",
			r->shard, r->nshards, r->trials);
		goto done;
	}
	if (r->method == SEARCH_BAYES && r->nshards && r->batches != r->nshards) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--shard %u/%u: a sharded Bayesian search runs one batch per runner (--search-batches %u)",
			r->shard, r->nshards, r->nshards);
		goto done;
	}
	vals = malloc((s->ndims + 1) * sizeof(*vals));
	u = malloc((s->ndims + 1) * sizeof(*u));
	if (!vals || !u) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (r->method == SEARCH_BAYES) {
		size_t b;

		for (b = 0; b < r->batches; b++) {
			if (r->nshards && b != r->shard - 1)
				continue;
			if (bayes_batch(r, b, arr, err) < 0)
				goto done;
		}
		/* trial order, whatever the batches */
		n = json_array_size(arr);
		v = malloc((n + 1) * sizeof(*v));
		if (!v) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
		for (i = 0; i < n; i++)
			v[i] = json_incref(json_array_get(arr, i));
		qsort(v, n, sizeof(*v), cmp_id);
		json_array_clear(arr);
		for (i = 0; i < n; i++)
			json_array_append_new(arr, v[i]);
		rc = 0;
		goto done;
	}
	for (t = 0; t < r->trials; t++) {
		if (r->nshards && t % r->nshards != r->shard - 1)
			continue;
		if (r->method == SEARCH_GRID) {
			grid_point(s, r->grid_points, t, vals);
		} else {
			random_u(s, r->seed, t, u);
			for (i = 0; i < s->ndims; i++)
				vals[i] = search_decode(&s->dim[i], u[i]);
		}
		if (one(r, t, -1, vals, arr, &score, err) < 0)
			goto done;
	}
	rc = 0;
done:
	free(vals), free(u), free(v);
	if (rc < 0)
		json_decref(arr);
	else
		*out = arr;
	return rc;
}

long search_best(const json_t *trials, int minimize)
{
	size_t i;
	long best = -1;
	double bv = 0;

	for (i = 0; i < json_array_size(trials); i++) {
		json_t *sc = json_object_get(json_array_get(trials, i), "score");
		double v;

		if (!json_is_number(sc))
			continue;
		v = json_number_value(sc);
		if (best < 0 || (minimize ? v < bv : v > bv)) {
			best = (long)i;
			bv = v;
		}
	}
	return best;
}
