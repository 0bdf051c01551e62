/* Multilayer perceptrons: Adam on minibatches, model.json (see mlp.h). */
#include "mlp.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "tree.h"
#include "util.h"

/* Rows scored at a time (validation, training score, prediction). */
#define MLP_CHUNK ((size_t)256)

/* --- the network --- */

size_t mlp_offset(const struct mlp_net *net, size_t l)
{
	size_t off = 0, k;

	for (k = 0; k < l; k++)
		off += (net->units[k] + 1) * net->units[k + 1];
	return off;
}

int mlp_count(struct mlp_net *net)
{
	size_t k, total = 0;

	for (k = 0; k < net->nlayers; k++) {
		size_t a = net->units[k] + 1, b = net->units[k + 1];

		if (!b || a > MLP_MAX_PARAMS / b || a * b > MLP_MAX_PARAMS - total)
			return -1;
		total += a * b;
	}
	net->nparams = total;
	return 0;
}

struct mlp_work {
	size_t maxb;
	double *act[MLP_MAX_HIDDEN + 2];	/* act[1..L]: maxb by units[l] */
	double *d1, *d2;			/* deltas: maxb by the widest */
	double *xb, *yb;			/* a gathered minibatch */
};

void mlp_work_free(struct mlp_work *w)
{
	size_t l;

	if (!w)
		return;
	for (l = 0; l < MLP_MAX_HIDDEN + 2; l++)
		free(w->act[l]);
	free(w->d1), free(w->d2), free(w->xb), free(w->yb);
	free(w);
}

struct mlp_work *mlp_work_new(const struct mlp_net *net, size_t maxb)
{
	struct mlp_work *w = calloc(1, sizeof(*w));
	size_t l, wide = 1, L = net->nlayers;

	if (!w)
		return NULL;
	w->maxb = maxb;
	for (l = 0; l <= L; l++)
		if (net->units[l] > wide)
			wide = net->units[l];
	for (l = 1; l <= L; l++)
		if (!(w->act[l] = malloc((maxb * net->units[l] + 1) * sizeof(double))))
			goto fail;
	w->d1 = malloc((maxb * wide + 1) * sizeof(double));
	w->d2 = malloc((maxb * wide + 1) * sizeof(double));
	w->xb = malloc((maxb * net->units[0] + 1) * sizeof(double));
	w->yb = malloc((maxb * net->units[L] + 1) * sizeof(double));
	if (!w->d1 || !w->d2 || !w->xb || !w->yb)
		goto fail;
	return w;
fail:
	mlp_work_free(w);
	return NULL;
}

static double sigmoid(double t)
{
	double e;

	if (t >= 0)
		return 1 / (1 + exp(-t));
	e = exp(t);
	return e / (1 + e);
}

/* ReLU and its derivative on the sign and zero bits, without branches:
 * the signs are random, and a mispredicted branch per unit costs more
 * than the products. */
static void relu(double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t b;

		memcpy(&b, &v[i], sizeof(b));
		b &= ~(uint64_t)((int64_t)b >> 63);	/* negative -> +0 */
		memcpy(&v[i], &b, sizeof(b));
	}
}

/* d[i] = 0 where the ReLU output a[i] is zero (a[i] is >= 0 or NaN). */
static void relu_mask(double *d, const double *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t ab, db;

		memcpy(&ab, &a[i], sizeof(ab));
		memcpy(&db, &d[i], sizeof(db));
		db &= -(uint64_t)((ab << 1) != 0);
		memcpy(&d[i], &db, sizeof(db));
	}
}

const double *mlp_forward(const struct mlp_net *net, struct mlp_work *w,
			  const double *X, size_t B)
{
	const double *in = X;
	size_t L = net->nlayers, l, i, j;

	for (l = 0; l < L; l++) {
		size_t u0 = net->units[l], u1 = net->units[l + 1];
		const double *W = net->theta + mlp_offset(net, l);
		const double *b = W + u0 * u1;
		double *out = w->act[l + 1];

		for (i = 0; i < B; i++)
			memcpy(out + i * u1, b, u1 * sizeof(*out));
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B,
			    (int)u1, (int)u0, 1.0, in, (int)u0, W, (int)u1, 1.0,
			    out, (int)u1);
		if (l + 1 < L) {
			relu(out, B * u1);
		} else if (net->out == MLP_LOGISTIC) {
			for (i = 0; i < B; i++)
				out[i] = sigmoid(out[i]);
		} else if (net->out == MLP_SOFTMAX) {
			for (i = 0; i < B; i++) {
				double *z = out + i * u1, mx = z[0], sum = 0;

				for (j = 1; j < u1; j++)
					if (z[j] > mx)
						mx = z[j];
				for (j = 0; j < u1; j++) {
					z[j] = exp(z[j] - mx);
					sum += z[j];
				}
				for (j = 0; j < u1; j++)
					z[j] /= sum;
			}
		}
		in = out;
	}
	return in;
}

/* The data loss of outputs P against targets Y (B rows): scikit-learn's
 * log loss with clipped probabilities, or half the mean squared error. */
static double data_loss(const struct mlp_net *net, const double *P,
			const double *Y, size_t B)
{
	size_t uL = net->units[net->nlayers], i;
	double s = 0;

	if (net->out == MLP_IDENTITY) {
		for (i = 0; i < B * uL; i++)
			s += (Y[i] - P[i]) * (Y[i] - P[i]);
		return s / (double)(B * uL) / 2;
	}
	for (i = 0; i < B * uL; i++) {
		double p = P[i] < DBL_EPSILON ? DBL_EPSILON :
			   P[i] > 1 - DBL_EPSILON ? 1 - DBL_EPSILON : P[i];

		if (Y[i] != 0)
			s += Y[i] * log(p);
		if (net->out == MLP_LOGISTIC && Y[i] != 1)
			s += (1 - Y[i]) * log(1 - p);
	}
	return -s / (double)B;
}

double mlp_loss_grad(const struct mlp_net *net, struct mlp_work *w,
		     const double *X, const double *Y, size_t B, double alpha,
		     double *grad)
{
	size_t L = net->nlayers, uL = net->units[L], l, i, j, k;
	const double *P = mlp_forward(net, w, X, B);
	double *D = w->d1, loss = data_loss(net, P, Y, B), pen = 0;
	double scale = 1 / (double)B;

	/* output deltas: P - Y for logistic + log loss, softmax + log loss
	 * and identity + half squared error alike (scikit-learn divides the
	 * squared error by the outputs too: they are 1 here) */
	for (i = 0; i < B * uL; i++)
		D[i] = P[i] - Y[i];
	for (l = L; l-- > 0;) {
		size_t u0 = net->units[l], u1 = net->units[l + 1];
		const double *W = net->theta + mlp_offset(net, l);
		const double *in = l ? w->act[l] : X;
		double *gW = grad + mlp_offset(net, l), *gb = gW + u0 * u1;

		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)u0,
			    (int)u1, (int)B, scale, in, (int)u0, D, (int)u1, 0.0,
			    gW, (int)u1);
		for (k = 0; k < u0 * u1; k++) {
			gW[k] += alpha * scale * W[k];
			pen += W[k] * W[k];
		}
		for (j = 0; j < u1; j++)
			gb[j] = 0;
		for (i = 0; i < B; i++)
			for (j = 0; j < u1; j++)
				gb[j] += D[i * u1 + j];
		for (j = 0; j < u1; j++)
			gb[j] *= scale;
		if (l > 0) {
			double *Dn = D == w->d1 ? w->d2 : w->d1;
			const double *A = w->act[l];

			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
				    (int)B, (int)u0, (int)u1, 1.0, D, (int)u1, W,
				    (int)u1, 0.0, Dn, (int)u0);
			relu_mask(Dn, A, B * u0);
			D = Dn;
		}
	}
	return loss + 0.5 * alpha * pen * scale;
}

/* --- random draws (the trees' splitmix64), one stream per use --- */

#define rng_next tree_rng_next
#define rng_below tree_rng_below

static uint64_t rng_stream(long seed, uint64_t salt)
{
	uint64_t s = (uint64_t)seed ^ (salt * 0xd1b54a32d192ed03ULL);

	rng_next(&s);
	return s;
}

static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1p-53;
}

static void shuffle(size_t *v, size_t n, uint64_t *s)
{
	size_t i, j, t;

	for (i = n; i > 1; i--) {
		j = rng_below(s, i);
		t = v[i - 1], v[i - 1] = v[j], v[j] = t;
	}
}

/* --- hyperparameters --- */

struct mlp_params {
	size_t nhidden, hidden[MLP_MAX_HIDDEN];
	double lr, alpha, beta1, beta2, eps, tol, valfrac;
	long batch;		/* 0: auto, min(200, rows) */
	long max_iter, no_change;
	int early;
};

static void mlp_params_init(void *hp, int classifier)
{
	struct mlp_params *h = hp;

	memset(h, 0, sizeof(*h));
	h->nhidden = 1, h->hidden[0] = 100;
	h->lr = 0.001, h->alpha = 0.0001;
	h->beta1 = 0.9, h->beta2 = 0.999, h->eps = 1e-8;
	h->tol = 1e-4, h->valfrac = 0.1;
	h->max_iter = 200, h->no_change = 10;
}

static int mbad(struct mlci_err *err, const char *kv, const char *why)
{
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--param %.100s: %s", kv, why);
}

static int parse_count(const char *s, double lo, double hi, long *out)
{
	double v;

	if (parse_double(s, &v) < 0 || v != floor(v) || v < lo || v > hi)
		return -1;
	*out = (long)v;
	return 0;
}

static int parse_sizes(struct mlp_params *h, const char *val)
{
	char piece[32];
	size_t n = 0;
	long v;

	for (;;) {
		const char *e = strchr(val, ',');
		size_t len = e ? (size_t)(e - val) : strlen(val);

		if (n == MLP_MAX_HIDDEN || len == 0 || len >= sizeof(piece))
			return -1;
		memcpy(piece, val, len);
		piece[len] = 0;
		if (parse_count(piece, 1, (double)MLP_MAX_UNITS, &v) < 0)
			return -1;
		h->hidden[n++] = (size_t)v;
		if (!e)
			break;
		val = e + 1;
	}
	h->nhidden = n;
	return 0;
}

static int mlp_param(void *hp, int classifier, const char *kv, size_t klen,
		     const char *val, struct mlci_err *err)
{
	struct mlp_params *h = hp;
	double v = 0;
	int num = parse_double(val, &v) == 0;

#define KEY(s) (klen == strlen(s) && !strncmp(kv, s, klen))
	if (KEY("hidden_layer_sizes")) {
		if (parse_sizes(h, val) < 0)
			return mbad(err, kv, "hidden_layer_sizes must be 1 to 16 comma-separated unit counts from 1 to 100000, like 64 or 64,32");
	} else if (KEY("early_stopping")) {
		if (strcmp(val, "true") && strcmp(val, "false"))
			return mbad(err, kv, "early_stopping must be true or false");
		h->early = !strcmp(val, "true");
	} else if (KEY("batch_size")) {
		if (!strcmp(val, "auto"))
			h->batch = 0;
		else if (parse_count(val, 1, 1e9, &h->batch) < 0)
			return mbad(err, kv, "batch_size must be auto or an integer from 1 to 1000000000");
	} else if (KEY("max_iter")) {
		if (parse_count(val, 1, 1e7, &h->max_iter) < 0)
			return mbad(err, kv, "max_iter must be an integer from 1 to 10000000");
	} else if (KEY("n_iter_no_change")) {
		if (parse_count(val, 1, 1e7, &h->no_change) < 0)
			return mbad(err, kv, "n_iter_no_change must be an integer from 1 to 10000000");
	} else if (KEY("learning_rate_init")) {
		if (!num || !(v > 0))
			return mbad(err, kv, "learning_rate_init must be a number > 0");
		h->lr = v;
	} else if (KEY("alpha")) {
		if (!num || !(v >= 0))
			return mbad(err, kv, "alpha must be a number >= 0");
		h->alpha = v;
	} else if (KEY("tol")) {
		if (!num || !(v >= 0))
			return mbad(err, kv, "tol must be a number >= 0");
		h->tol = v;
	} else if (KEY("validation_fraction")) {
		if (!num || !(v > 0 && v < 1))
			return mbad(err, kv, "validation_fraction must be a number > 0 and < 1");
		h->valfrac = v;
	} else if (KEY("beta_1") || KEY("beta_2")) {
		if (!num || !(v >= 0 && v < 1))
			return mbad(err, kv, "beta_1 and beta_2 must be numbers >= 0 and < 1");
		*(KEY("beta_1") ? &h->beta1 : &h->beta2) = v;
	} else if (KEY("epsilon")) {
		if (!num || !(v > 0))
			return mbad(err, kv, "epsilon must be a number > 0");
		h->eps = v;
	} else {
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--param %.100s: model 'mlp' has no parameter '%.*s' (it takes: alpha, batch_size, beta_1, beta_2, early_stopping, epsilon, hidden_layer_sizes, learning_rate_init, max_iter, n_iter_no_change, tol, validation_fraction)",
			       kv, (int)(klen > 60 ? 60 : klen), kv);
	}
#undef KEY
	return 0;
}

static json_t *mlp_params_json(const void *hp, int classifier)
{
	const struct mlp_params *h = hp;
	json_t *p = json_object(), *hs = json_array();
	size_t k;

	if (!p || !hs) {
		json_decref(p), json_decref(hs);
		return NULL;
	}
	for (k = 0; k < h->nhidden; k++)
		json_array_append_new(hs, json_integer((json_int_t)h->hidden[k]));
	json_object_set_new(p, "hidden_layer_sizes", hs);
	json_object_set_new(p, "learning_rate_init", json_real(h->lr));
	json_object_set_new(p, "alpha", json_real(h->alpha));
	json_object_set_new(p, "batch_size", h->batch ? json_integer(h->batch) :
			    json_string("auto"));
	json_object_set_new(p, "max_iter", json_integer(h->max_iter));
	json_object_set_new(p, "early_stopping", json_boolean(h->early));
	json_object_set_new(p, "validation_fraction", json_real(h->valfrac));
	json_object_set_new(p, "n_iter_no_change", json_integer(h->no_change));
	json_object_set_new(p, "tol", json_real(h->tol));
	json_object_set_new(p, "beta_1", json_real(h->beta1));
	json_object_set_new(p, "beta_2", json_real(h->beta2));
	json_object_set_new(p, "epsilon", json_real(h->eps));
	return p;
}

/* --- fitting --- */

static void mlp_free(void *body)
{
	struct mlp_net *net = body;

	if (!net)
		return;
	free(net->theta);
	free(net);
}

/* B training rows (indexes rows) into X, their targets into Y (units[L]
 * per row: one-hot, 0/1 or the value). */
static void gather(const struct mlp_net *net, const struct fit_data *d,
		   const size_t *rows, size_t B, double *X, double *Y)
{
	size_t p = net->units[0], uL = net->units[net->nlayers], i;

	for (i = 0; i < B; i++) {
		size_t r = rows[i];

		if (d->X) {
			memcpy(X + i * p, d->X + r * p, p * sizeof(*X));
		} else {	/* --dtype float32 */
			size_t j;

			for (j = 0; j < p; j++)
				X[i * p + j] = d->Xf[r * p + j];
		}
		if (net->out == MLP_SOFTMAX) {
			memset(Y + i * uL, 0, uL * sizeof(*Y));
			Y[i * uL + d->yc[r]] = 1;
		} else if (net->out == MLP_LOGISTIC) {
			Y[i] = d->yc[r] == 1;
		} else {
			Y[i] = d->yr[r];
		}
	}
}

/* The predicted class of output row P. */
static size_t argmax_row(const struct mlp_net *net, const double *P)
{
	size_t uL = net->units[net->nlayers], j, best = 0;

	if (net->out == MLP_LOGISTIC)
		return P[0] > 0.5;
	for (j = 1; j < uL; j++)
		if (P[j] > P[best])
			best = j;
	return best;
}

/* Accuracy or r2 of the n rows listed, and (loss not NULL) their mean
 * log loss or mean squared error. */
static void score_rows(const struct mlp_net *net, struct mlp_work *w,
		       const struct fit_data *d, const size_t *rows, size_t n,
		       double *score, double *loss)
{
	size_t uL = net->units[net->nlayers], r, i, B, hits = 0;
	double rss = 0, tss = 0, mean = 0, ll = 0;

	for (r = 0; net->out == MLP_IDENTITY && r < n; r++)
		mean += d->yr[rows[r]];
	mean /= (double)(n ? n : 1);
	for (r = 0; r < n; r += B) {
		const double *P;

		B = n - r < MLP_CHUNK ? n - r : MLP_CHUNK;
		gather(net, d, rows + r, B, w->xb, w->yb);
		P = mlp_forward(net, w, w->xb, B);
		if (loss)
			ll += data_loss(net, P, w->yb, B) * (double)B;
		for (i = 0; i < B; i++) {
			if (net->out == MLP_IDENTITY) {
				double y = w->yb[i];

				rss += (y - P[i]) * (y - P[i]);
				tss += (y - mean) * (y - mean);
			} else {
				hits += argmax_row(net, P + i * uL) == d->yc[rows[r + i]];
			}
		}
	}
	if (net->out == MLP_IDENTITY)
		*score = r2_of_sums(rss, tss);
	else
		*score = (double)hits / (double)(n ? n : 1);
	if (loss)	/* half squared error -> mse */
		*loss = ll / (double)(n ? n : 1) * (net->out == MLP_IDENTITY ? 2 : 1);
}

/* Split rows into training (first *ntr of rows) and validation rows
 * (the rest): a shuffle, then for classes each class's share of the
 * validation rows (largest remainders), as a stratified split. */
static int split_rows(const struct fit_data *d, int classifier, size_t K,
		      double frac, uint64_t *rng, size_t *rows, size_t *ntr,
		      struct mlci_err *err)
{
	size_t n = d->n, nval = (size_t)ceil(frac * (double)n), i, k;
	size_t *cnt = NULL, *quota = NULL, *tmp = NULL, a = 0, b;
	double *rem = NULL;
	int rc = -1;

	if (nval < 1 || nval >= n)
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "early_stopping: %zu rows are too few to hold out validation_fraction %g",
			       n, frac);
	for (i = 0; i < n; i++)
		rows[i] = i;
	shuffle(rows, n, rng);
	*ntr = n - nval;
	if (!classifier)
		return 0;
	cnt = calloc(K, sizeof(*cnt));
	quota = calloc(K, sizeof(*quota));
	rem = calloc(K, sizeof(*rem));
	tmp = malloc(n * sizeof(*tmp));
	if (!cnt || !quota || !rem || !tmp) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		cnt[d->yc[i]]++;
	for (k = 0, b = 0; k < K; k++) {
		double q = (double)nval * (double)cnt[k] / (double)n;

		quota[k] = (size_t)floor(q);
		rem[k] = q - floor(q);
		b += quota[k];
	}
	while (b < nval) {	/* the rest to the largest remainders */
		size_t best = K;

		for (k = 0; k < K; k++)
			if (quota[k] < cnt[k] && (best == K || rem[k] > rem[best]))
				best = k;
		quota[best]++, rem[best] = -1, b++;
	}
	/* training rows first, in shuffled order, then validation rows */
	b = *ntr;
	for (i = 0; i < n; i++) {
		size_t c = d->yc[rows[i]];

		if (quota[c]) {
			quota[c]--;
			tmp[b++] = rows[i];
		} else {
			tmp[a++] = rows[i];
		}
	}
	memcpy(rows, tmp, n * sizeof(*rows));
	rc = 0;
out:
	free(cnt), free(quota), free(rem), free(tmp);
	return rc;
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

static int mlp_fit(struct model *m, const void *hp, const struct fit_data *d,
		   struct fit_report *rep, json_t *t, struct mlci_err *err)
{
	const struct mlp_params *h = hp;
	struct mlp_net *net = calloc(1, sizeof(*net));
	struct mlp_work *w = NULL;
	size_t L, l, k, i, *rows = NULL, ntr = 0, batch, nv = 0, s;
	double *grad = NULL, *m1 = NULL, *v2 = NULL, *best = NULL;
	double best_loss = INFINITY, best_val = -INFINITY, b1t = 1, b2t = 1;
	double loss = NAN, score, tr_loss;
	long it, n_iter = 0, noimp = 0;
	uint64_t rng;
	json_t *curve = json_array(), *vals = h->early ? json_array() : NULL;
	json_t *lo;
	int rc = -1, converged = 0;
	const char *stop = "max_iter";

	m->body = net;
	if (!net || !curve || (h->early && !vals))
		goto oom;
	L = net->nlayers = h->nhidden + 1;
	net->units[0] = d->p;
	for (l = 0; l < h->nhidden; l++)
		net->units[l + 1] = h->hidden[l];
	if (!m->classifier)
		net->out = MLP_IDENTITY, net->units[L] = 1;
	else if (m->nclasses == 2)
		net->out = MLP_LOGISTIC, net->units[L] = 1;
	else
		net->out = MLP_SOFTMAX, net->units[L] = m->nclasses;
	if (mlp_count(net) < 0) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--param hidden_layer_sizes: a network on %zu encoded features with these layers has more than %zu parameters",
			d->p, MLP_MAX_PARAMS);
		goto out;
	}
	/* one BLAS thread: a fixed summation order, the same bytes */
	openblas_set_num_threads(1);
	net->theta = malloc(net->nparams * sizeof(double));
	grad = calloc(net->nparams, sizeof(double));
	m1 = calloc(net->nparams, sizeof(double));
	v2 = calloc(net->nparams, sizeof(double));
	rows = malloc((d->n + 1) * sizeof(*rows));
	if (!net->theta || !grad || !m1 || !v2 || !rows)
		goto oom;
	if (h->early && !(best = malloc(net->nparams * sizeof(double))))
		goto oom;

	/* Glorot-uniform weights, then biases, layer by layer */
	rng = rng_stream(d->seed, 1);
	for (l = 0; l < L; l++) {
		size_t u0 = net->units[l], u1 = net->units[l + 1];
		double bound = sqrt(6.0 / (double)(u0 + u1));
		double *W = net->theta + mlp_offset(net, l);

		for (k = 0; k < (u0 + 1) * u1; k++)
			W[k] = bound * (2 * rng_unit(&rng) - 1);
	}
	rng = rng_stream(d->seed, 2);
	if (h->early) {
		if (split_rows(d, m->classifier, m->nclasses, h->valfrac, &rng,
			       rows, &ntr, err) < 0)
			goto out;
		nv = d->n - ntr;
	} else {
		for (i = 0; i < d->n; i++)
			rows[i] = i;
		ntr = d->n;
	}
	batch = h->batch ? (size_t)h->batch : 200;
	if (batch > ntr)
		batch = ntr;
	w = mlp_work_new(net, batch > MLP_CHUNK ? batch : MLP_CHUNK);
	if (!w)
		goto oom;

	for (it = 0; it < h->max_iter; it++) {
		double acc = 0;

		shuffle(rows, ntr, &rng);
		for (s = 0; s < ntr; s += batch) {
			size_t B = ntr - s < batch ? ntr - s : batch;
			double lr;

			gather(net, d, rows + s, B, w->xb, w->yb);
			acc += mlp_loss_grad(net, w, w->xb, w->yb, B, h->alpha,
					     grad) * (double)B;
			/* Adam, the bias correction in the step size */
			b1t *= h->beta1, b2t *= h->beta2;
			lr = h->lr * sqrt(1 - b2t) / (1 - b1t);
			for (k = 0; k < net->nparams; k++) {
				double g = grad[k];

				m1[k] = h->beta1 * m1[k] + (1 - h->beta1) * g;
				v2[k] = h->beta2 * v2[k] + (1 - h->beta2) * g * g;
				net->theta[k] -= lr * m1[k] / (sqrt(v2[k]) + h->eps);
			}
		}
		loss = acc / (double)ntr;
		n_iter++;
		if (!isfinite(loss)) {
			err_set(err, MLCI_EXIT_DATAERR, NULL,
				"the network diverged in epoch %ld (the loss is not finite); lower --param learning_rate_init (now %g)",
				n_iter, h->lr);
			goto out;
		}
		if (json_array_append_new(curve, json_real(loss)) < 0)
			goto oom;
		if (d->progress_loss)
			d->progress_loss(d->progress_ctx, loss);
		if (d->progress)
			d->progress(d->progress_ctx, (size_t)n_iter,
				    (size_t)h->max_iter);
		if (h->early) {
			double v;

			score_rows(net, w, d, rows + ntr, nv, &v, NULL);
			if (json_array_append_new(vals, json_real(v)) < 0)
				goto oom;
			noimp = v < best_val + h->tol ? noimp + 1 : 0;
			if (v > best_val) {
				best_val = v;
				memcpy(best, net->theta, net->nparams * sizeof(double));
			}
		} else {
			noimp = loss > best_loss - h->tol ? noimp + 1 : 0;
			if (loss < best_loss)
				best_loss = loss;
		}
		if (noimp > h->no_change) {
			converged = 1;
			stop = h->early ? "validation" : "loss";
			break;
		}
	}
	if (d->progress && n_iter < h->max_iter)
		d->progress(d->progress_ctx, (size_t)n_iter, (size_t)n_iter);
	if (h->early)
		memcpy(net->theta, best, net->nparams * sizeof(double));
	for (i = 0; i < d->n; i++)
		rows[i] = i;
	score_rows(net, w, d, rows, d->n, &score, &tr_loss);
	for (k = 0; k < net->nparams && isfinite(net->theta[k]); k++)
		;
	if (!isfinite(tr_loss) || k < net->nparams) {
		err_set(err, MLCI_EXIT_DATAERR, NULL,
			"the network's weights or outputs are not finite; lower --param learning_rate_init (now %g)",
			h->lr);
		goto out;
	}

	rep->iterative = 1;
	rep->iterations = n_iter;
	rep->converged = converged;
	rep->stop = stop;
	rep->loss = tr_loss;
	rep->score = score;
	rep->oob_score = NAN;
	lo = json_object();
	if (!lo)
		goto oom;
	json_object_set_new(lo, "objective", json_real(loss));
	json_object_set_new(lo, m->classifier ? "log_loss" : "mse",
			    json_real(tr_loss));
	json_object_set_new(t, "loss", lo);
	json_object_set_new(t, "n_iter", json_integer(n_iter));
	json_object_set_new(t, "converged", json_boolean(converged));
	json_object_set_new(t, "stop", json_string(stop));
	json_object_set_new(t, "batch_size", json_integer((json_int_t)batch));
	json_object_set(t, "loss_curve", curve);
	if (h->early) {
		json_object_set(t, "validation_scores", vals);
		json_object_set_new(t, "best_validation_score", json_real(best_val));
		json_object_set_new(t, "n_validation", json_integer((json_int_t)nv));
	}
	if (!converged) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "maximum iterations (%ld) reached and the optimisation has not converged yet",
			 h->max_iter);
		json_object_set_new(t, "warning", json_string(msg));
	}
	rc = 0;
	goto out;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	json_decref(curve), json_decref(vals);
	mlp_work_free(w);
	free(grad), free(m1), free(v2), free(best), free(rows);
	return rc;
}

/* --- prediction and model.json --- */

static int mlp_predict(const struct model *m, const double *X, size_t n,
		       double *out, struct mlci_err *err)
{
	const struct mlp_net *net = m->body;
	struct mlp_work *w = mlp_work_new(net, n < MLP_CHUNK ? n : MLP_CHUNK);
	size_t uL = net->units[net->nlayers], p = net->units[0], r, i, B;

	if (!w)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	openblas_set_num_threads(1);	/* the same bits as in training */
	for (r = 0; r < n; r += B) {
		const double *P;

		B = n - r < MLP_CHUNK ? n - r : MLP_CHUNK;
		P = mlp_forward(net, w, X + r * p, B);
		for (i = 0; i < B; i++) {
			if (net->out == MLP_LOGISTIC) {
				out[2 * (r + i)] = 1 - P[i];
				out[2 * (r + i) + 1] = P[i];
			} else if (net->out == MLP_SOFTMAX) {
				memcpy(out + (r + i) * uL, P + i * uL,
				       uL * sizeof(*out));
			} else {
				out[r + i] = P[i];
			}
		}
	}
	mlp_work_free(w);
	return 0;
}

static const char *out_name(enum mlp_out o)
{
	return o == MLP_LOGISTIC ? "logistic" : o == MLP_SOFTMAX ? "softmax" :
	       "identity";
}

static int mlp_to_json(const struct model *m, json_t *mod)
{
	const struct mlp_net *net = m->body;
	json_t *layers = json_array();
	size_t l;

	if (!layers || json_object_set_new(mod, "layers", layers) < 0 ||
	    json_object_set_new(mod, "out_activation",
				json_string(out_name(net->out))) < 0)
		return -1;
	for (l = 0; l < net->nlayers; l++) {
		size_t u0 = net->units[l], u1 = net->units[l + 1];
		const double *W = net->theta + mlp_offset(net, l);
		json_t *o = json_object(), *wa = real_array(W, u0 * u1);
		json_t *ba = real_array(W + u0 * u1, u1);

		if (!o || !wa || !ba || json_array_append_new(layers, o) < 0) {
			json_decref(o), json_decref(wa), json_decref(ba);
			return -1;
		}
		json_object_set_new(o, "n_in", json_integer((json_int_t)u0));
		json_object_set_new(o, "n_out", json_integer((json_int_t)u1));
		if (json_object_set_new(o, "weights", wa) < 0 ||
		    json_object_set_new(o, "biases", ba) < 0)
			return -1;
	}
	return 0;
}

static int read_reals(const json_t *a, double *v, size_t n, const char *file,
		      const char *what, size_t l, struct mlci_err *err)
{
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.layers[%zu].%s must be an array of %zu numbers",
			       l, what, n);
	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(a, i);

		if (!json_is_number(x) || !isfinite(json_number_value(x)))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "model.layers[%zu].%s[%zu] is not a finite number",
				       l, what, i);
		v[i] = json_number_value(x);
	}
	return 0;
}

static int mlp_from_json(struct model *m, const json_t *mod, const char *file,
			 struct mlci_err *err)
{
	struct mlp_net *net;
	json_t *layers;
	const char *oa;
	enum mlp_out want_out;
	size_t L, l;

	if (json_get_array(mod, "layers", &layers, file, err) < 0 ||
	    json_get_str(mod, "out_activation", &oa, file, err) < 0)
		return -1;
	want_out = !m->classifier ? MLP_IDENTITY :
		   m->nclasses == 2 ? MLP_LOGISTIC : MLP_SOFTMAX;
	if (strcmp(oa, out_name(want_out)))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.out_activation must be '%s' for this task and classes",
			       out_name(want_out));
	L = json_array_size(layers);
	if (L < 1 || L > MLP_MAX_HIDDEN + 1)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.layers must hold 1 to %d layers",
			       MLP_MAX_HIDDEN + 1);
	net = calloc(1, sizeof(*net));
	if (!net)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	m->body = net;
	net->nlayers = L;
	net->out = want_out;
	for (l = 0; l < L; l++) {
		json_t *o = json_array_get(layers, l);
		long a, b;

		if (!json_is_object(o))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "model.layers[%zu] must be an object", l);
		if (json_get_int(o, "n_in", &a, file, err) < 0 ||
		    json_get_int(o, "n_out", &b, file, err) < 0)
			return -1;
		if (a < 1 || b < 1 || (size_t)a > MLP_MAX_UNITS ||
		    (size_t)b > MLP_MAX_UNITS)
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "model.layers[%zu]: n_in and n_out must be from 1 to %zu",
				       l, MLP_MAX_UNITS);
		if ((l == 0 && (size_t)a != m->prep.nout) ||
		    (l > 0 && (size_t)a != net->units[l]))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "model.layers[%zu]: n_in %ld does not follow the %s (%zu)",
				       l, a, l ? "previous layer's n_out" :
				       "preprocessing's n_outputs",
				       l ? net->units[l] : m->prep.nout);
		net->units[l] = (size_t)a;
		net->units[l + 1] = (size_t)b;
	}
	if (net->units[L] != (want_out == MLP_SOFTMAX ? m->nclasses : 1))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.layers[%zu].n_out must be %zu for this task and classes",
			       L - 1, want_out == MLP_SOFTMAX ? m->nclasses : (size_t)1);
	if (mlp_count(net) < 0)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.layers: more than %zu parameters", MLP_MAX_PARAMS);
	net->theta = malloc(net->nparams * sizeof(double));
	if (!net->theta)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (l = 0; l < L; l++) {
		json_t *o = json_array_get(layers, l);
		size_t u0 = net->units[l], u1 = net->units[l + 1];
		double *W = net->theta + mlp_offset(net, l);

		if (read_reals(json_object_get(o, "weights"), W, u0 * u1, file,
			       "weights", l, err) < 0 ||
		    read_reals(json_object_get(o, "biases"), W + u0 * u1, u1,
			       file, "biases", l, err) < 0)
			return -1;
	}
	return 0;
}

const struct model_family mlp_family = {
	"mlp", TASK_EITHER, sizeof(struct mlp_params), mlp_params_init,
	mlp_param, mlp_params_json, mlp_fit, mlp_predict, mlp_to_json,
	mlp_from_json, mlp_free, 0, NULL, 1,
};
