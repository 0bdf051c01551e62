#include "linmodel.h"

#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "util.h"

/* LAPACK (Fortran, 32-bit integers; the trailing size_t is gfortran's
 * hidden length of a character argument). */
extern double dlansy_(const char *norm, const char *uplo, const int *n,
		      const double *a, const int *lda, double *work,
		      size_t norm_len, size_t uplo_len);
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
		    int *info, size_t uplo_len);
extern void dpotrs_(const char *uplo, const int *n, const int *nrhs,
		    const double *a, const int *lda, double *b, const int *ldb,
		    int *info, size_t uplo_len);
extern void dpocon_(const char *uplo, const int *n, const double *a,
		    const int *lda, const double *anorm, double *rcond,
		    double *work, int *iwork, int *info, size_t uplo_len);
extern void dtrtri_(const char *uplo, const char *diag, const int *n,
		    double *a, const int *lda, int *info, size_t uplo_len,
		    size_t diag_len);
extern void dgelsd_(const int *m, const int *n, const int *nrhs, double *a,
		    const int *lda, double *b, const int *ldb, double *s,
		    const double *rcond, int *rank, double *work,
		    const int *lwork, int *iwork, int *info);

/* log(1 + exp(t)) without overflow */
static double sigmoid(double t)
{
	double e;

	if (t >= 0)
		return 1 / (1 + exp(-t));
	e = exp(t);
	return e / (1 + e);
}

void logistic_proba(const double *z, size_t K, double *prob)
{
	size_t k;
	double mx, sum = 0;

	if (K == 2) {
		prob[1] = sigmoid(z[0]);
		prob[0] = 1 - prob[1];
		return;
	}
	mx = z[0];
	for (k = 1; k < K; k++)
		if (z[k] > mx)
			mx = z[k];
	for (k = 0; k < K; k++) {
		prob[k] = exp(z[k] - mx);
		sum += prob[k];
	}
	for (k = 0; k < K; k++)
		prob[k] /= sum;
}

/* Row i of the design matrix as doubles: in X, or (X NULL) Xf's single
 * floats widened into buf (p values). */
static inline const double *xrow(const double *X, const float *Xf, size_t i,
				 size_t p, double *buf)
{
	size_t j;

	if (X)
		return X + i * p;
	for (j = 0; j < p; j++)
		buf[j] = Xf[i * p + j];
	return buf;
}

/* The objective scaled by 1 / (C n): mean log loss + ||W||^2 / (2 C n).
 * X is kept as compressed rows (one-hot columns are mostly zeros), or,
 * when it has no zeros at all, used as it is (idx NULL: val is X, row i
 * at i * p): the same products summed in the same order. */
struct logit {
	const size_t *rowp;	/* n + 1 offsets into idx/val */
	const unsigned *idx;	/* NULL: val is the dense X */
	const double *val;
	const float *valf;	/* or (val NULL) the dense X as single floats */
	double *row;		/* p: a row of valf widened (a set a thread) */
	const size_t *y;
	size_t n, p, K, rows;	/* rows: 1 (binary) or K */
	double lam;		/* 1 / (C n) */
	double *z;		/* rows scratch values (a set a thread) */
	double last_loss;	/* mean log loss at the last evaluation */
	size_t groups;		/* row groups (1: one pass, no threads) */
	int threads;
	double *part;		/* a group's sums (rows * p + rows + 1), each
				 * group on its own lines */
};

/* Rows a group holds at least, and the most groups: enough groups to
 * share among threads, few enough that their sums stay small. */
#define LOGIT_GROUP_ROWS 2048
#define LOGIT_MAX_GROUPS 64
#define LOGIT_MAX_THREADS 64

/* Rows [i0, i1) of the objective: their log loss summed (returned) and
 * their gradient added into g (R * p + R, zeroed by the caller); z (R)
 * and row (p) are scratch. */
static double logit_rows(const struct logit *L, const double *w, size_t i0,
			 size_t i1, double *g, double *z, double *row)
{
	size_t p = L->p, R = L->rows, i, j, k;
	const double *b = w + R * p;
	double *gb = g + R * p, loss = 0;

	for (i = i0; i < i1; i++) {
		const unsigned *ix = L->idx ? L->idx + L->rowp[i] : NULL;
		const double *xv = L->idx ? L->val + L->rowp[i] :
			xrow(L->val, L->valf, i, p, row);
		size_t nz = L->idx ? L->rowp[i + 1] - L->rowp[i] : p;

		for (k = 0; k < R; k++) {
			const double *wk = w + k * p;
			double s = b[k];

			if (ix)
				for (j = 0; j < nz; j++)
					s += wk[ix[j]] * xv[j];
			else
				for (j = 0; j < nz; j++)
					s += wk[j] * xv[j];
			z[k] = s;
		}
		if (R == 1) {
			double yi = L->y[i] == 1, t = yi ? -z[0] : z[0];
			double e = exp(-fabs(z[0]));

			/* loss = log(1 + exp(-m)), m = (2y - 1) z; softplus
			 * and sigmoid share exp(-|z|), so one exp a row gives
			 * the same bits as the two */
			loss += t > 0 ? t + log1p(e) : log1p(e);
			z[0] = (z[0] >= 0 ? 1 / (1 + e) : e / (1 + e)) - yi;
		} else {
			double mx = z[0], sum = 0;

			for (k = 1; k < R; k++)
				if (z[k] > mx)
					mx = z[k];
			for (k = 0; k < R; k++)
				sum += exp(z[k] - mx);
			loss += mx + log(sum) - z[L->y[i]];
			for (k = 0; k < R; k++)
				z[k] = exp(z[k] - mx) / sum - (k == L->y[i]);
		}
		for (k = 0; k < R; k++) {
			double r = z[k];
			double *gk = g + k * p;

			if (r == 0)
				continue;
			if (ix)
				for (j = 0; j < nz; j++)
					gk[ix[j]] += r * xv[j];
			else
				for (j = 0; j < nz; j++)
					gk[j] += r * xv[j];
			gb[k] += r;
		}
	}
	return loss;
}

/* n doubles rounded up to a 64-byte line: each thread's scratch on its
 * own lines. */
static size_t pad8(size_t n)
{
	return (n + 7) / 8 * 8;
}

/* The rows of a group: n rows in `groups` groups, fixed by n alone. */
static size_t group_start(size_t n, size_t groups, size_t gi)
{
	return (size_t)((unsigned long long)n * gi / groups);
}

struct logit_job {
	const struct logit *L;
	const double *w;
	size_t next;		/* the next group to take (atomically) */
	int id;			/* the next thread's scratch (atomically) */
};

static void *logit_worker(void *arg)
{
	struct logit_job *j = arg;
	const struct logit *L = j->L;
	size_t nv = L->rows * L->p + L->rows;
	int t = __atomic_fetch_add(&j->id, 1, __ATOMIC_RELAXED);
	double *z = L->z + (size_t)t * pad8(L->rows);
	double *row = L->row + (size_t)t * pad8(L->p);

	for (;;) {
		size_t gi = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
		double *part;

		if (gi >= L->groups)
			return NULL;
		part = L->part + gi * pad8(nv + 1);
		memset(part, 0, nv * sizeof(*part));
		part[nv] = logit_rows(L, j->w, group_start(L->n, L->groups, gi),
				      group_start(L->n, L->groups, gi + 1), part,
				      z, row);
	}
}

/*
 * The objective and its gradient. Rows are summed in groups fixed by n
 * (one for small data), each group's sums added in group order, so the
 * bits are the same whatever the thread count; the groups are shared
 * among L->threads threads.
 */
static double logit_eval(void *ctx, const double *w, double *g)
{
	struct logit *L = ctx;
	size_t n = L->n, p = L->p, R = L->rows, nv = R * p + R, k, gi;
	double loss = 0, pen = 0;

	memset(g, 0, nv * sizeof(*g));
	if (L->groups <= 1) {
		loss = logit_rows(L, w, 0, n, g, L->z, L->row);
	} else {
		struct logit_job job = { L, w, 0, 0 };
		pthread_t tid[LOGIT_MAX_THREADS];
		int t, started = 0;

		for (t = 1; t < L->threads; t++)
			if (pthread_create(&tid[started], NULL, logit_worker, &job) == 0)
				started++;
		logit_worker(&job);
		for (t = 0; t < started; t++)
			pthread_join(tid[t], NULL);
		for (gi = 0; gi < L->groups; gi++) {
			const double *part = L->part + gi * pad8(nv + 1);

			for (k = 0; k < nv; k++)
				g[k] += part[k];
			loss += part[nv];
		}
	}
	for (k = 0; k < R * p + R; k++)
		g[k] /= (double)n;
	for (k = 0; k < R * p; k++) {
		g[k] += L->lam * w[k];
		pen += w[k] * w[k];
	}
	L->last_loss = loss / (double)n;
	return L->last_loss + 0.5 * L->lam * pen;
}

/* X's non-zero entries as compressed rows; 0 or -1 (out of memory).
 * When every entry is non-zero, nothing is made: all three stay NULL. */
static int compress(const double *X, const float *Xf, size_t n, size_t p,
		    size_t **rowp, unsigned **idx, double **val)
{
	size_t i, j, nnz = 0;

	for (i = 0; i < n * p; i++)
		nnz += X ? X[i] != 0 : Xf[i] != 0;
	if (nnz == n * p)
		return 0;
	*rowp = malloc((n + 1) * sizeof(**rowp));
	*idx = malloc((nnz + 1) * sizeof(**idx));
	*val = malloc((nnz + 1) * sizeof(**val));
	if (!*rowp || !*idx || !*val)
		return -1;
	nnz = 0;
	for (i = 0; i < n; i++) {
		(*rowp)[i] = nnz;
		for (j = 0; j < p; j++) {
			double v = X ? X[i * p + j] : Xf[i * p + j];

			if (v != 0) {
				(*idx)[nnz] = (unsigned)j;
				(*val)[nnz++] = v;
			}
		}
	}
	(*rowp)[n] = nnz;
	return 0;
}

int logistic_fit(const double *X, const float *Xf, const size_t *y, size_t n,
		 size_t p, size_t K, double C, const struct lbfgs_params *lp,
		 int threads, double *coef, double *intercept,
		 struct fit_summary *s, struct mlci_err *err)
{
	struct logit L = { NULL, NULL, NULL, NULL, NULL, y, n, p, K,
			   K == 2 ? 1 : K, 0, NULL, 0, 1, 1, NULL };
	size_t R = L.rows, nv = R * p + R, k, *rowp = NULL;
	unsigned *idx = NULL;
	double *w = NULL, *g = NULL, *val = NULL, pen = 0, f;
	struct lbfgs_result r;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (n == 0 || K < 2 || !(C > 0) || p > UINT_MAX)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			       "logistic_fit: bad arguments");
	L.lam = 1 / (C * (double)n);
	L.groups = n / LOGIT_GROUP_ROWS;
	if (L.groups > LOGIT_MAX_GROUPS)
		L.groups = LOGIT_MAX_GROUPS;
	if (L.groups < 2)
		L.groups = 1;
	L.threads = threads < 1 ? 1 : threads > LOGIT_MAX_THREADS ?
		LOGIT_MAX_THREADS : threads;
	if ((size_t)L.threads > L.groups)
		L.threads = (int)L.groups;
	w = calloc(nv, sizeof(*w));
	g = calloc(nv, sizeof(*g));
	L.z = calloc(pad8(R) * (size_t)L.threads, sizeof(*L.z));
	L.row = calloc(pad8(p) * (size_t)L.threads + 1, sizeof(*L.row));
	if (L.groups > 1)
		L.part = malloc(L.groups * pad8(nv + 1) * sizeof(*L.part));
	if (!w || !g || !L.z || !L.row || (L.groups > 1 && !L.part) ||
	    compress(X, Xf, n, p, &rowp, &idx, &val) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	L.rowp = rowp, L.idx = idx, L.val = idx ? val : X;
	L.valf = idx ? NULL : Xf;
	if (lbfgs_minimize(nv, w, logit_eval, &L, lp, &r) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory in L-BFGS");
		goto out;
	}
	/* re-evaluate at the returned point so loss matches coefficients */
	f = logit_eval(&L, w, g);
	if (!isfinite(f)) {
		err_set(err, MLCI_EXIT_DATAERR, NULL,
			"logistic regression diverged");
		goto out;
	}
	if (R > 1) {	/* softmax intercepts are free up to a constant */
		double mean = 0;

		for (k = 0; k < R; k++)
			mean += w[R * p + k];
		mean /= (double)R;
		for (k = 0; k < R; k++)
			w[R * p + k] -= mean;
	}
	memcpy(coef, w, R * p * sizeof(*coef));
	memcpy(intercept, w + R * p, R * sizeof(*intercept));
	for (k = 0; k < R * p; k++)
		pen += w[k] * w[k];
	s->iterations = r.iterations;
	s->evaluations = r.evaluations;
	s->converged = r.converged;
	s->stop = lbfgs_stop_name(r.stop);
	s->loss = L.last_loss;
	s->objective = 0.5 * pen + C * (double)n * L.last_loss;
	s->grad_max = r.gmax;
	rc = 0;
out:
	free(w), free(g), free(L.z), free(L.row), free(L.part), free(rowp),
		free(idx), free(val);
	return rc;
}

/* Solve min ||A x - b|| (A m x k column-major, overwritten; b has
 * max(m, k) rows, x comes back in its first k). */
static int lstsq(double *A, int m, int k, double *b, int *rank,
		 struct mlci_err *err)
{
	int nrhs = 1, lda = m > 0 ? m : 1, ldb = m > k ? m : k, info;
	int lwork = -1, liwork;
	double rcond = DBL_EPSILON, wq, *sv, *work;
	int iwq = 0, *iwork;

	if (ldb < 1)
		ldb = 1;
	sv = malloc((size_t)(m < k ? m : k) * sizeof(*sv) + sizeof(*sv));
	if (!sv)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	dgelsd_(&m, &k, &nrhs, A, &lda, b, &ldb, sv, &rcond, rank, &wq,
		&lwork, &iwq, &info);
	if (info != 0) {
		free(sv);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			       "dgelsd workspace query failed (info %d)", info);
	}
	lwork = (int)wq;
	liwork = iwq > 1 ? iwq : 1;
	work = malloc((size_t)lwork * sizeof(*work) + sizeof(*work));
	iwork = malloc((size_t)liwork * sizeof(*iwork));
	if (!work || !iwork) {
		free(sv), free(work), free(iwork);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	dgelsd_(&m, &k, &nrhs, A, &lda, b, &ldb, sv, &rcond, rank, work,
		&lwork, iwork, &info);
	free(sv), free(work), free(iwork);
	if (info != 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			       "least squares did not converge (dgelsd info %d)",
			       info);
	return 0;
}

/* Rows centred into a block for the Gram products: at most this many. */
#define GRAM_ROWS 256

/*
 * Over every row of Xc (X less the column means xm) and r (y - ym, or
 * with w the residual y - ym - Xc w): G += Q'Q (lower triangle,
 * column-major), g += Q'r and *rr += r'r, where Q is Xc, or with Li
 * (lower, p x p) Li Xc' rows. BLAS on one thread, so the sums run in one
 * order whatever the machine. G and rr may be NULL. Doubles with neither
 * w nor Li go to BLAS where they lie: X'X less n xm xm' is Xc'Xc but for
 * the rounding of the means, which the steps after G correct.
 */
static int gram(const double *X, const float *Xf, const double *y, size_t n,
		size_t p, const double *xm, double ym, const double *w,
		const double *Li, double *G, double *g, double *rr)
{
	double *T = malloc((GRAM_ROWS * p + 1) * sizeof(*T));
	double *Q = Li ? malloc((GRAM_ROWS * p + 1) * sizeof(*Q)) : T;
	double *r = malloc(GRAM_ROWS * sizeof(*r)), rsum = 0;
	int direct = X && !w && !Li;
	size_t i0, i, j, k;

	if (!T || !Q || !r) {
		free(T), free(r);
		if (Li)
			free(Q);
		return -1;
	}
	for (i0 = 0; i0 < n; i0 += GRAM_ROWS) {
		size_t rows = n - i0 < GRAM_ROWS ? n - i0 : GRAM_ROWS;
		const double *B = direct ? X + i0 * p : T;

		/* B is column-major p x rows: the block's rows, transposed */
		for (i = 0; i < rows; i++) {
			double *t = T + i * p, v = y[i0 + i] - ym;

			if (direct) {
				r[i] = v;
				rsum += v;
				continue;
			}
			if (X) {
				const double *x = X + (i0 + i) * p;

				for (j = 0; j < p; j++)
					t[j] = x[j] - xm[j];
			} else {
				const float *x = Xf + (i0 + i) * p;

				for (j = 0; j < p; j++)
					t[j] = (double)x[j] - xm[j];
			}
			if (w)
				for (j = 0; j < p; j++)
					v -= t[j] * w[j];
			r[i] = v;
		}
		if (Li)
			cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans,
				    (int)p, (int)rows, (int)p, 1.0, Li, (int)p,
				    T, (int)p, 0.0, Q, (int)p);
		else
			Q = (double *)B;
		if (G)
			cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans,
				    (int)p, (int)rows, 1.0, Q, (int)p, 1.0, G,
				    (int)p);
		cblas_dgemv(CblasColMajor, CblasNoTrans, (int)p, (int)rows, 1.0,
			    Q, (int)p, r, 1, 1.0, g, 1);
		if (rr)
			for (i = 0; i < rows; i++)
				*rr += r[i] * r[i];
	}
	if (direct) {	/* from X to Xc */
		for (k = 0; k < p; k++) {
			for (j = k; G && j < p; j++)
				G[k * p + j] -= (double)n * xm[j] * xm[k];
			g[k] -= xm[k] * rsum;
		}
	}
	free(T), free(r);
	if (Li)
		free(Q);
	return 0;
}

/* Least squares on Xc (alpha 0) leaves the Cholesky QR below for
 * dgelsd on Xc itself when the reciprocal condition of Xc'Xc is below
 * this: Xc's condition above about 1e7, where CholeskyQR2 is no longer
 * as accurate as Householder QR. */
#define CHOLQR_RCOND 1e-14

/* Solve G x = b in place, G = L2 L2' (dpotrf's lower factor) or, with
 * L, G = L L2 L2' L'. */
static void chol_solve(const double *L, const double *L2, int p, double *b)
{
	int one = 1, info = 0;

	if (L)
		cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans,
			    CblasNonUnit, p, L, p, b, 1);
	dpotrs_("L", &p, &one, L2, &p, b, &p, &info, 1);
	if (L)
		cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans,
			    CblasNonUnit, p, L, p, b, 1);
}

int ridge_fit(const double *X, const float *Xf, const double *y, size_t n,
	      size_t p, double alpha, double *coef, double *intercept,
	      struct fit_summary *s, struct mlci_err *err)
{
	double *xm = NULL, *A = NULL, *b = NULL, *buf = NULL, *G = NULL,
		*G2 = NULL, *work = NULL, *L = NULL, *Li = NULL, *V = NULL,
		ym = 0, rss = 0, pen = 0, anorm, rcond = 0;
	int *iwork = NULL, pn = (int)p, info = 0, have_rss = 0;
	size_t i, j;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (n == 0 || n > INT_MAX || p > INT_MAX / 2 ||
	    (alpha == 0 && n * p > (size_t)INT_MAX))
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "%zu rows by %zu features is too large to solve",
			       n, p);
	xm = calloc(p + 1, sizeof(*xm));
	buf = calloc(p + 1, sizeof(*buf));
	b = calloc(p + 1, sizeof(*b));
	work = malloc((3 * p + 1) * sizeof(*work));
	iwork = malloc((p + 1) * sizeof(*iwork));
	if (!xm || !buf || !b || !work || !iwork)
		goto oom;
	for (i = 0; i < n; i++) {
		const double *x = xrow(X, Xf, i, p, buf);

		ym += y[i];
		for (j = 0; j < p; j++)
			xm[j] += x[j];
	}
	ym /= (double)n;
	for (j = 0; j < p; j++)
		xm[j] /= (double)n;
	s->rank = (long)p;
	if (p == 0)
		goto solved;

	/*
	 * Ridge: (Xc'Xc + alpha I) w = Xc'yc by Cholesky. Least squares:
	 * CholeskyQR2, Xc = Q R with R = L2' L' from the Cholesky factors
	 * of Xc'Xc = L L' and of Q'Q = L2 L2', Q = Xc L^-T formed a block
	 * of rows at a time and never kept; then R'R w = Xc'yc. Either way
	 * one step of iterative refinement on the residuals follows. Least
	 * squares on more features than rows (whose Gram matrix would be the
	 * larger) goes to dgelsd directly.
	 */
	if (alpha == 0 && p > n) {
		info = 1;
		goto singular;
	}
	G = calloc(p * p + 1, sizeof(*G));
	if (!G)
		goto oom;
	openblas_set_num_threads(1);
	if (gram(X, Xf, y, n, p, xm, ym, NULL, NULL, G, b, NULL) < 0)
		goto oom;
	for (j = 0; j < p; j++)
		G[j * p + j] += alpha;
	anorm = dlansy_("1", "L", &pn, G, &pn, work, 1, 1);
	dpotrf_("L", &pn, G, &pn, &info, 1);
	if (info == 0)
		dpocon_("L", &pn, G, &pn, &anorm, &rcond, work, iwork, &info, 1);
	if (alpha > 0 && info != 0) {
		rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			     "ridge normal equations are not positive definite (dpotrf info %d)",
			     info);
		goto out;
	}
	if (alpha == 0 && info == 0 && rcond >= CHOLQR_RCOND) {
		L = G;
		G2 = calloc(p * p + 1, sizeof(*G2));
		Li = malloc((p * p + 1) * sizeof(*Li));
		if (!G2 || !Li)
			goto oom;
		/* L's inverse (lower; G's upper triangle stayed zero) */
		memcpy(Li, L, p * p * sizeof(*Li));
		dtrtri_("L", "N", &pn, Li, &pn, &info, 1, 1);
		memset(b, 0, p * sizeof(*b));
		if (info == 0 &&
		    gram(X, Xf, y, n, p, xm, ym, NULL, Li, G2, b, NULL) < 0)
			goto oom;
		if (info == 0)
			dpotrf_("L", &pn, G2, &pn, &info, 1);
		if (info != 0) {	/* L or Q'Q not invertible: leave them */
			L = NULL, info = 1;
		} else {
			chol_solve(NULL, G2, pn, b);
			cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans,
				    CblasNonUnit, pn, L, pn, b, 1);
		}
	}
singular:
	if (info == 0 && (alpha > 0 || L)) {
		double *d = buf, *v, rr = 0, quad = 0;

		if (!L)
			chol_solve(NULL, G, pn, b);
		/* v: R d, then Xc'r */
		if (!(v = V = malloc((2 * p + 1) * sizeof(*v))))
			goto oom;
		memset(d, 0, p * sizeof(*d));
		if (gram(X, Xf, y, n, p, xm, ym, b, NULL, NULL, d, &rr) < 0)
			goto oom;
		memcpy(v + p, d, p * sizeof(*v));	/* Xc'r */
		for (j = 0; j < p; j++)
			d[j] -= alpha * b[j];
		chol_solve(L, L ? G2 : G, pn, d);
		/* the refined residuals' squares: r'r - 2 d'Xc'r + d'Xc'Xc d */
		memcpy(v, d, p * sizeof(*v));
		if (L) {
			cblas_dtrmv(CblasColMajor, CblasLower, CblasTrans,
				    CblasNonUnit, pn, L, pn, v, 1);
			cblas_dtrmv(CblasColMajor, CblasLower, CblasTrans,
				    CblasNonUnit, pn, G2, pn, v, 1);
		} else {
			cblas_dtrmv(CblasColMajor, CblasLower, CblasTrans,
				    CblasNonUnit, pn, G, pn, v, 1);
		}
		for (j = 0; j < p; j++) {
			quad += v[j] * v[j] - alpha * d[j] * d[j];
			rr -= 2 * d[j] * v[p + j];
			coef[j] = b[j] + d[j];
		}
		rss = fmax(rr + quad, 0);
		have_rss = 1;
	} else {
		/* ill-conditioned, rank-deficient or wide: the minimum-norm
		 * solution from Xc's singular values */
		size_t ldb = n > p ? n : p;
		int rank = 0;

		free(b);
		A = malloc((n * p + 1) * sizeof(*A));
		b = calloc(ldb + 1, sizeof(*b));
		if (!A || !b)
			goto oom;
		for (i = 0; i < n; i++) {
			const double *x = xrow(X, Xf, i, p, buf);

			for (j = 0; j < p; j++)
				A[j * n + i] = x[j] - xm[j];
			b[i] = y[i] - ym;
		}
		if (lstsq(A, (int)n, (int)p, b, &rank, err) < 0)
			goto out;
		s->rank = rank;
		memcpy(coef, b, p * sizeof(*coef));
	}
solved:
	*intercept = ym;
	for (j = 0; j < p; j++)
		*intercept -= xm[j] * coef[j];
	for (i = 0; !have_rss && i < n; i++) {
		const double *x = xrow(X, Xf, i, p, buf);
		double r = y[i] - *intercept;

		for (j = 0; j < p; j++)
			r -= x[j] * coef[j];
		rss += r * r;
	}
	for (j = 0; j < p; j++)
		pen += coef[j] * coef[j];
	s->iterations = 1;
	s->evaluations = 1;
	s->converged = 1;
	s->stop = "direct";
	s->loss = rss / (double)n;
	s->objective = rss + alpha * pen;
	rc = 0;
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	free(xm), free(A), free(b), free(buf), free(G), free(G2), free(Li),
		free(V), free(work), free(iwork);
	return rc;
}

/* sum of a[i] * b[i] */
static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* The duality gap of the unscaled problem (scikit-learn's cd_fast):
 * 0.5 ||R||^2 + l1 ||w||_1 + 0.5 l2 ||w||^2 against its dual at the
 * residual R scaled into the dual's feasible set. */
static double enet_gap(const double *Xc, const double *yc, const double *R,
		       const double *w, size_t n, size_t p, double l1,
		       double l2)
{
	double dual_norm = 0, r2 = dot(R, R, n), w2 = dot(w, w, p), l1n = 0;
	double c = 1, gap;
	size_t j;

	for (j = 0; j < p; j++) {
		double xta = dot(Xc + j * n, R, n) - l2 * w[j];

		if (fabs(xta) > dual_norm)
			dual_norm = fabs(xta);
		l1n += fabs(w[j]);
	}
	if (dual_norm > l1) {
		c = l1 / dual_norm;
		gap = 0.5 * (r2 + r2 * c * c);
	} else {
		gap = r2;
	}
	return gap + l1 * l1n - c * dot(R, yc, n) + 0.5 * l2 * (1 + c * c) * w2;
}

int enet_fit(const double *X, const double *y, size_t n, size_t p,
	     double alpha, double l1_ratio, long max_iter, double tol,
	     double *coef, double *intercept, struct enet_summary *s,
	     struct mlci_err *err)
{
	double *Xc = NULL, *xm = NULL, *norm = NULL, *R = NULL, *yc = NULL;
	double ym = 0, l1, l2, gap_tol, gap = INFINITY, rss, l1n = 0, w2 = 0;
	size_t i, j;
	long it;

	memset(s, 0, sizeof(*s));
	if (n == 0 || max_iter < 1 || !(alpha >= 0) || !(l1_ratio >= 0) ||
	    !(l1_ratio <= 1) || !(tol >= 0))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			       "enet_fit: bad arguments");
	if (p && n > SIZE_MAX / p / sizeof(double))
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "%zu rows by %zu features is too large", n, p);
	Xc = malloc((n * p + 1) * sizeof(*Xc));	/* column-major, centred */
	xm = calloc(p + 1, sizeof(*xm));
	norm = calloc(p + 1, sizeof(*norm));
	R = malloc((n + 1) * sizeof(*R));
	yc = malloc((n + 1) * sizeof(*yc));
	if (!Xc || !xm || !norm || !R || !yc) {
		free(Xc), free(xm), free(norm), free(R), free(yc);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		ym += y[i];
		for (j = 0; j < p; j++)
			xm[j] += X[i * p + j];
	}
	ym /= (double)n;
	for (j = 0; j < p; j++)
		xm[j] /= (double)n;
	for (i = 0; i < n; i++) {
		yc[i] = R[i] = y[i] - ym;
		for (j = 0; j < p; j++)
			Xc[j * n + i] = X[i * p + j] - xm[j];
	}
	for (j = 0; j < p; j++) {
		norm[j] = dot(Xc + j * n, Xc + j * n, n);
		coef[j] = 0;
	}
	/* cd_fast's scaling: the objective times n */
	l1 = alpha * l1_ratio * (double)n;
	l2 = alpha * (1 - l1_ratio) * (double)n;
	gap_tol = tol * dot(yc, yc, n);
	for (it = 0; it < max_iter; it++) {
		double w_max = 0, d_max = 0;

		for (j = 0; j < p; j++) {
			const double *x = Xc + j * n;
			double old = coef[j], t, nw;

			if (norm[j] == 0)
				continue;
			if (old != 0)
				for (i = 0; i < n; i++)
					R[i] += old * x[i];
			t = dot(x, R, n);
			nw = fabs(t) > l1 ? copysign(fabs(t) - l1, t) /
				(norm[j] + l2) : 0;
			coef[j] = nw;
			if (nw != 0)
				for (i = 0; i < n; i++)
					R[i] -= nw * x[i];
			if (fabs(nw - old) > d_max)
				d_max = fabs(nw - old);
			if (fabs(nw) > w_max)
				w_max = fabs(nw);
		}
		if (w_max == 0 || d_max / w_max < tol || it == max_iter - 1) {
			gap = enet_gap(Xc, yc, R, coef, n, p, l1, l2);
			if (gap < gap_tol) {
				s->converged = 1;
				break;
			}
		}
	}
	s->iterations = s->converged ? it + 1 : max_iter;
	*intercept = ym;
	for (j = 0; j < p; j++) {
		*intercept -= xm[j] * coef[j];
		l1n += fabs(coef[j]);
		w2 += coef[j] * coef[j];
	}
	rss = 0;
	for (i = 0; i < n; i++) {
		double r = y[i] - *intercept;

		for (j = 0; j < p; j++)
			r -= X[i * p + j] * coef[j];
		rss += r * r;
	}
	s->gap = gap / (double)n;
	s->gap_tol = gap_tol / (double)n;
	s->mse = rss / (double)n;
	s->objective = 0.5 * s->mse + alpha * l1_ratio * l1n +
		0.5 * alpha * (1 - l1_ratio) * w2;
	free(Xc), free(xm), free(norm), free(R), free(yc);
	return 0;
}

/* --- the logistic, linear, ridge, lasso and elasticnet model families (model.h) --- */

struct lin_params {
	double C, tol, alpha;
	long max_iter;
	int ridge;
};

struct lin_body {
	size_t rows;		/* 1, or K (multinomial) */
	double *coef;		/* rows * p, row-major */
	double *intercept;	/* rows */
};

/* Bound checked before allocating from a model file's declared sizes. */
#define LIN_MAX_COEF ((size_t)1 << 26)

static void lin_params_init(void *hp, int classifier)
{
	struct lin_params *h = hp;

	memset(h, 0, sizeof(*h));
	h->C = 1.0, h->tol = 1e-8, h->max_iter = 1000, h->alpha = 1.0;
}

static void ridge_params_init(void *hp, int classifier)
{
	lin_params_init(hp, classifier);
	((struct lin_params *)hp)->ridge = 1;
}

static int lin_bad_param(struct mlci_err *err, const char *kv, const char *why)
{
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--param %.100s: %s", kv, why);
}

static int lin_param(void *hp, int classifier, const char *kv, size_t klen,
		     const char *val, struct mlci_err *err)
{
	struct lin_params *h = hp;
	double v;

	if (parse_double(val, &v) < 0)
		return lin_bad_param(err, kv, "the value must be a number");
#define KEY(s) (klen == strlen(s) && !strncmp(kv, s, klen))
	if (classifier && KEY("C")) {
		if (!(v > 0))
			return lin_bad_param(err, kv, "C must be > 0");
		h->C = v;
	} else if (classifier && KEY("tol")) {
		if (!(v > 0))
			return lin_bad_param(err, kv, "tol must be > 0");
		h->tol = v;
	} else if (classifier && KEY("max_iter")) {
		if (v < 1 || v > 1e7 || v != floor(v))
			return lin_bad_param(err, kv, "max_iter must be an integer from 1 to 10000000");
		h->max_iter = (long)v;
	} else if (h->ridge && KEY("alpha")) {
		if (!(v >= 0))
			return lin_bad_param(err, kv, "alpha must be >= 0");
		h->alpha = v;
	} else {
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--param %.100s: model '%s' has no parameter '%.*s' (it takes: %s)",
			       kv, classifier ? "logistic" : h->ridge ? "ridge" : "linear",
			       (int)klen, kv,
			       classifier ? "C, max_iter, tol" :
			       h->ridge ? "alpha" : "none");
	}
#undef KEY
	return 0;
}

static json_t *lin_params_json(const void *hp, int classifier)
{
	const struct lin_params *h = hp;
	json_t *p = json_object();

	if (!p)
		return NULL;
	if (classifier) {
		json_object_set_new(p, "C", json_real(h->C));
		json_object_set_new(p, "max_iter", json_integer(h->max_iter));
		json_object_set_new(p, "tol", json_real(h->tol));
	} else if (h->ridge) {
		json_object_set_new(p, "alpha", json_real(h->alpha));
	}
	return p;
}

static void lin_free(void *body)
{
	struct lin_body *b = body;

	if (!b)
		return;
	free(b->coef);
	free(b->intercept);
	free(b);
}

/* Training accuracy or r2 of the fitted model on its design matrix (a
 * regressor whose training mse is known: from it). */
static double lin_score(const struct model *m, const struct lin_body *b,
			const struct fit_data *d, double mse)
{
	size_t p = m->prep.nout, n = d->n, i, j, k, hits = 0;
	double rss = 0, tss = 0, mean = 0, *buf = calloc(p + 1, sizeof(*buf));

	if (!buf)
		return NAN;
	for (i = 0; !m->classifier && i < n; i++)
		mean += d->yr[i] / (double)n;
	if (!m->classifier && !isnan(mse)) {	/* the fit's own residuals */
		for (i = 0; i < n; i++)
			tss += (d->yr[i] - mean) * (d->yr[i] - mean);
		rss = mse * (double)n;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		const double *x = xrow(d->X, d->Xf, i, p, buf);
		size_t best = 0;
		double bz = 0;

		for (k = 0; k < b->rows; k++) {
			double z = b->intercept[k];

			for (j = 0; j < p; j++)
				z += b->coef[k * p + j] * x[j];
			if (!m->classifier)
				rss += (d->yr[i] - z) * (d->yr[i] - z);
			else if (b->rows == 1)
				best = z > 0;
			else if (!k || z > bz)
				best = k, bz = z;
		}
		if (m->classifier)
			hits += best == d->yc[i];
		else
			tss += (d->yr[i] - mean) * (d->yr[i] - mean);
	}
	free(buf);
	if (m->classifier)
		return (double)hits / (double)n;
	return r2_of_sums(rss, tss);
}

/* L-BFGS's objective after each step, for training.loss_curve (a failed
 * append shows as a curve shorter than the iterations). */
static void curve_add(void *ctx, long iter, double f)
{
	(void)iter;
	json_array_append_new(ctx, json_real(f));
}

static int lin_fit(struct model *m, const void *hp, const struct fit_data *d,
		   struct fit_report *rep, json_t *t, struct mlci_err *err)
{
	const struct lin_params *h = hp;
	struct lin_body *b = calloc(1, sizeof(*b));
	struct fit_summary s;
	struct lbfgs_params lp;
	size_t p = m->prep.nout;
	json_t *loss, *curve;
	int rc;

	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	b->rows = m->classifier && m->nclasses > 2 ? m->nclasses : 1;
	b->coef = calloc(b->rows * p + 1, sizeof(*b->coef));
	b->intercept = calloc(b->rows, sizeof(*b->intercept));
	if (!b->coef || !b->intercept)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (!m->classifier) {
		rc = ridge_fit(d->X, d->Xf, d->yr, d->n, p, h->ridge ? h->alpha : 0,
			       b->coef, b->intercept, &s, err);
	} else {
		lbfgs_defaults(&lp);
		lp.max_iter = h->max_iter;
		lp.gtol = h->tol;
		curve = json_array();
		if (!curve)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		lp.on_iter = curve_add;
		lp.on_iter_ctx = curve;
		rc = logistic_fit(d->X, d->Xf, d->yc, d->n, p, m->nclasses, h->C, &lp,
				  d->threads, b->coef, b->intercept, &s, err);
		if (rc == 0 && json_array_size(curve) != (size_t)s.iterations)
			rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		if (rc == 0)
			json_object_set_new(t, "loss_curve", curve);
		else
			json_decref(curve);
	}
	if (rc < 0)
		return -1;
	rep->iterative = 1;
	rep->iterations = s.iterations;
	rep->converged = s.converged;
	rep->stop = s.stop;
	rep->loss = s.loss;
	rep->score = lin_score(m, b, d, m->classifier ? NAN : s.loss);
	rep->oob_score = NAN;
	loss = json_object();
	if (!loss)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_object_set_new(t, "iterations", json_integer(s.iterations));
	json_object_set_new(t, "evaluations", json_integer(s.evaluations));
	json_object_set_new(t, "converged", json_boolean(s.converged));
	json_object_set_new(t, "stop", json_string(s.stop));
	json_object_set_new(loss, "objective", json_real(s.objective));
	json_object_set_new(loss, m->classifier ? "log_loss" : "mse",
			    json_real(s.loss));
	json_object_set_new(t, "loss", loss);
	if (m->classifier)
		json_object_set_new(t, "gradient_max", json_real(s.grad_max));
	if (!m->classifier && !h->ridge) {
		size_t c, full = p;

		/* each categorical column's one-hot block sums to 1, so
		 * centred it loses one rank by construction */
		for (c = 0; c < m->prep.ncols; c++)
			full -= m->prep.cols[c].kind == PREP_CATEGORICAL &&
				full > 0;
		json_object_set_new(t, "rank", json_integer(s.rank));
		if ((size_t)s.rank < full)
			snprintf(rep->warning, sizeof(rep->warning),
				 "the design matrix is rank-deficient (rank %ld of %zu encoded features): collinear features; the minimum-norm solution is kept",
				 s.rank, p);
	}
	return 0;
}

static int lin_predict(const struct model *m, const double *X, size_t n,
		       double *out, struct mlci_err *err)
{
	const struct lin_body *b = m->body;
	size_t p = m->prep.nout, r, k, j;
	double *z = malloc((b->rows + 1) * sizeof(*z));

	if (!z)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (r = 0; r < n; r++) {
		const double *x = X + r * p;

		for (k = 0; k < b->rows; k++) {
			const double *w = b->coef + k * p;
			double s = b->intercept[k];

			for (j = 0; j < p; j++)
				s += w[j] * x[j];
			z[k] = s;
		}
		if (m->classifier)
			logistic_proba(z, m->nclasses, out + r * m->nclasses);
		else
			out[r] = z[0];
	}
	free(z);
	return 0;
}

static json_t *real_array(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_real(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int lin_to_json(const struct model *m, json_t *mod)
{
	const struct lin_body *b = m->body;
	json_t *coef = json_array(), *ic;
	size_t k;

	if (!coef || json_object_set_new(mod, "coefficients", coef) < 0)
		return -1;
	for (k = 0; k < b->rows; k++) {
		json_t *row = real_array(b->coef + k * m->prep.nout, m->prep.nout);

		if (!row || json_array_append_new(coef, row) < 0)
			return -1;
	}
	ic = real_array(b->intercept, b->rows);
	if (!ic || json_object_set_new(mod, "intercepts", ic) < 0)
		return -1;
	return 0;
}

/* Read n finite numbers from array a into v. */
static int read_reals(const json_t *a, double *v, size_t n, const char *file,
		      const char *what, struct mlci_err *err)
{
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "%s must be an array of %zu numbers", what, n);
	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(a, i);

		if (!json_is_number(x) || !isfinite(json_number_value(x)))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "%s[%zu] is not a finite number", what, i);
		v[i] = json_number_value(x);
	}
	return 0;
}

static int lin_from_json(struct model *m, const json_t *mod, const char *file,
			 struct mlci_err *err)
{
	struct lin_body *b;
	json_t *coef, *ic;
	size_t k, nout = m->prep.nout;

	if (json_get_array(mod, "coefficients", &coef, file, err) < 0 ||
	    json_get_array(mod, "intercepts", &ic, file, err) < 0)
		return -1;
	b = calloc(1, sizeof(*b));
	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	b->rows = m->classifier && m->nclasses > 2 ? m->nclasses : 1;
	if (json_array_size(coef) != b->rows)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.coefficients has %zu rows, expected %zu",
			       json_array_size(coef), b->rows);
	if (nout && b->rows > LIN_MAX_COEF / nout)
		return err_set(err, MLCI_EXIT_DATAERR, file, "model.coefficients is too large");
	b->coef = calloc(b->rows * nout + 1, sizeof(*b->coef));
	b->intercept = calloc(b->rows, sizeof(*b->intercept));
	if (!b->coef || !b->intercept)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (k = 0; k < b->rows; k++) {
		char what[64];

		snprintf(what, sizeof(what), "model.coefficients[%zu]", k);
		if (read_reals(json_array_get(coef, k), b->coef + k * nout,
			       nout, file, what, err) < 0)
			return -1;
	}
	return read_reals(ic, b->intercept, b->rows, file, "model.intercepts",
			  err);
}

const struct model_family logistic_family = {
	"logistic", TASK_CLASSIFY, sizeof(struct lin_params), lin_params_init,
	lin_param, lin_params_json, lin_fit, lin_predict, lin_to_json,
	lin_from_json, lin_free, 0, NULL, 1,
};

const struct model_family linear_family = {
	"linear", TASK_REGRESS, sizeof(struct lin_params), lin_params_init,
	lin_param, lin_params_json, lin_fit, lin_predict, lin_to_json,
	lin_from_json, lin_free, 0, NULL, 1,
};

const struct model_family ridge_family = {
	"ridge", TASK_REGRESS, sizeof(struct lin_params), ridge_params_init,
	lin_param, lin_params_json, lin_fit, lin_predict, lin_to_json,
	lin_from_json, lin_free, 0, NULL, 1,
};

/* --- lasso and elasticnet: coordinate descent (enet_fit) --- */

struct enet_params {
	double alpha, l1_ratio, tol;
	long max_iter;
	int elastic;		/* elasticnet (takes l1_ratio) */
};

static void enet_params_init(void *hp, int classifier)
{
	struct enet_params *h = hp;

	memset(h, 0, sizeof(*h));
	h->alpha = 1.0, h->l1_ratio = 1.0, h->tol = 1e-4, h->max_iter = 1000;
}

static void elasticnet_params_init(void *hp, int classifier)
{
	struct enet_params *h = hp;

	enet_params_init(hp, classifier);
	h->l1_ratio = 0.5, h->elastic = 1;
}

static int enet_param(void *hp, int classifier, const char *kv, size_t klen,
		      const char *val, struct mlci_err *err)
{
	struct enet_params *h = hp;
	double v;

	if (parse_double(val, &v) < 0 || !isfinite(v))
		return lin_bad_param(err, kv, "the value must be a number");
#define KEY(s) (klen == strlen(s) && !strncmp(kv, s, klen))
	if (KEY("alpha")) {
		if (!(v >= 0))
			return lin_bad_param(err, kv, "alpha must be >= 0");
		h->alpha = v;
	} else if (h->elastic && KEY("l1_ratio")) {
		if (!(v >= 0 && v <= 1))
			return lin_bad_param(err, kv, "l1_ratio must be from 0 to 1");
		h->l1_ratio = v;
	} else if (KEY("tol")) {
		if (!(v >= 0))
			return lin_bad_param(err, kv, "tol must be >= 0");
		h->tol = v;
	} else if (KEY("max_iter")) {
		if (v < 1 || v > 1e7 || v != floor(v))
			return lin_bad_param(err, kv, "max_iter must be an integer from 1 to 10000000");
		h->max_iter = (long)v;
	} else {
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--param %.100s: model '%s' has no parameter '%.*s' (it takes: %s)",
			       kv, h->elastic ? "elasticnet" : "lasso", (int)klen, kv,
			       h->elastic ? "alpha, l1_ratio, max_iter, tol" :
			       "alpha, max_iter, tol");
	}
#undef KEY
	return 0;
}

static json_t *enet_params_json(const void *hp, int classifier)
{
	const struct enet_params *h = hp;
	json_t *p = json_object();

	if (!p)
		return NULL;
	json_object_set_new(p, "alpha", json_real(h->alpha));
	if (h->elastic)
		json_object_set_new(p, "l1_ratio", json_real(h->l1_ratio));
	json_object_set_new(p, "max_iter", json_integer(h->max_iter));
	json_object_set_new(p, "tol", json_real(h->tol));
	return p;
}

static int enet_model_fit(struct model *m, const void *hp,
			  const struct fit_data *d, struct fit_report *rep,
			  json_t *t, struct mlci_err *err)
{
	const struct enet_params *h = hp;
	struct lin_body *b = calloc(1, sizeof(*b));
	struct enet_summary s;
	size_t p = m->prep.nout, j, nz = 0;
	json_t *loss;

	if (!b)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = b;
	b->rows = 1;
	b->coef = calloc(p + 1, sizeof(*b->coef));
	b->intercept = calloc(1, sizeof(*b->intercept));
	if (!b->coef || !b->intercept)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (enet_fit(d->X, d->yr, d->n, p, h->alpha, h->l1_ratio, h->max_iter,
		     h->tol, b->coef, b->intercept, &s, err) < 0)
		return -1;
	for (j = 0; j < p; j++)
		nz += b->coef[j] != 0;
	rep->iterative = 1;
	rep->iterations = s.iterations;
	rep->converged = s.converged;
	rep->stop = s.converged ? "dual_gap" : "max_iter";
	rep->loss = s.mse;
	rep->score = lin_score(m, b, d, NAN);
	rep->oob_score = NAN;
	if (!s.converged)
		snprintf(rep->warning, sizeof(rep->warning),
			 "objective did not converge after %ld iterations (duality gap %.3e, tolerance %.3e); %s",
			 s.iterations, s.gap, s.gap_tol, h->alpha == 0 ?
			 "alpha=0 is least squares, which --model linear solves exactly" :
			 "raise --param max_iter or tol, or alpha");
	else if (h->alpha == 0)
		snprintf(rep->warning, sizeof(rep->warning),
			 "alpha=0 is least squares, which --model linear solves exactly");
	loss = json_object();
	if (!loss)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_object_set_new(t, "iterations", json_integer(s.iterations));
	json_object_set_new(t, "converged", json_boolean(s.converged));
	json_object_set_new(t, "stop", json_string(rep->stop));
	json_object_set_new(t, "dual_gap", json_real(s.gap));
	json_object_set_new(t, "dual_gap_tol", json_real(s.gap_tol));
	json_object_set_new(t, "n_nonzero", json_integer((json_int_t)nz));
	json_object_set_new(loss, "objective", json_real(s.objective));
	json_object_set_new(loss, "mse", json_real(s.mse));
	json_object_set_new(t, "loss", loss);
	return 0;
}

const struct model_family lasso_family = {
	"lasso", TASK_REGRESS, sizeof(struct enet_params), enet_params_init,
	enet_param, enet_params_json, enet_model_fit, lin_predict, lin_to_json,
	lin_from_json, lin_free, 0, NULL, 0,
};

const struct model_family elasticnet_family = {
	"elasticnet", TASK_REGRESS, sizeof(struct enet_params),
	elasticnet_params_init, enet_param, enet_params_json, enet_model_fit,
	lin_predict, lin_to_json, lin_from_json, lin_free, 0, NULL, 0,
};
