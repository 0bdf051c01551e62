/*
 * scored.c - metrics, bootstrap intervals and the predictions file of a
 * set of scored examples (see scored.h).
 */
#include "scored.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"

static int oom(struct mlci_err *err)
{
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

static void undef(struct metric_table *t, const char *name, const char *why);

static void put(struct metric_table *t, const char *name, double v)
{
	if (!isfinite(v)) {	/* e.g. the square of 1e200: no report holds it */
		undef(t, name, "its value overflows a double");
		return;
	}
	t->name[t->n] = name;
	t->value[t->n] = v == 0 ? 0.0 : v;	/* no -0 */
	t->defined[t->n] = 1;
	t->why[t->n] = NULL;
	t->n++;
}

static void undef(struct metric_table *t, const char *name, const char *why)
{
	t->name[t->n] = name;
	t->value[t->n] = 0;
	t->defined[t->n] = 0;
	t->why[t->n] = why;
	t->n++;
}

int metric_table_find(const struct metric_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->name[i], name))
			return (int)i;
	return -1;
}

/* log_loss over all L codes: the codes without a score column get
 * probability 0 (clipped to eps), row by row. */
static int log_loss_ext(const size_t *yt, const double *proba, size_t m,
			size_t K, size_t L, double *out, struct mlci_err *err)
{
	double *row, *loss;
	size_t i;
	int rc = 0;

	if (K == L)
		return metrics_log_loss(yt, proba, m, K, out, err);
	row = calloc(L, sizeof(*row));
	loss = malloc((m + 1) * sizeof(*loss));
	if (!row || !loss) {
		free(row), free(loss);
		return oom(err);
	}
	for (i = 0; rc == 0 && i < m; i++) {
		memcpy(row, proba + i * K, K * sizeof(*row));
		rc = metrics_log_loss(yt + i, row, 1, L, &loss[i], err);
	}
	if (rc == 0)
		*out = metrics_sum(loss, m) / (double)m;
	free(row), free(loss);
	return rc;
}

/* Whether the metric (or a prefix family of it) is wanted: only NULL
 * wants everything. */
static int want(const char *only, const char *name)
{
	return !only || !strncmp(only, name, strlen(name));
}

static int score_metrics(const struct scored *s, const size_t *yt,
			 const size_t *yp, const double *proba, size_t m,
			 const char *only, struct metric_table *t,
			 struct mlci_err *err)
{
	size_t K = s->K, i, j;
	int unseen = 0;
	double v;
	static const char *const no_col =
		"the labels hold values without a score column";

	for (i = 0; i < m; i++)
		if (yt[i] >= K || yp[i] >= K)
			unseen = 1;
	if (want(only, "log_loss")) {
		if (log_loss_ext(yt, proba, m, K, s->L, &v, err) < 0)
			return -1;
		put(t, "log_loss", v);
	}
	if (only && strcmp(only, "log_loss") && strcmp(only, "brier_score") &&
	    strcmp(only, "ece") && strncmp(only, "roc_auc", 7) &&
	    strncmp(only, "average_precision", 17))
		return 0;
	if (only && !strcmp(only, "log_loss"))
		return 0;
	if (unseen) {
		undef(t, "brier_score", no_col);
		if (K == 2) {
			undef(t, "roc_auc", no_col);
			undef(t, "average_precision", no_col);
		} else {
			undef(t, "roc_auc_ovr_macro", no_col);
			undef(t, "roc_auc_ovr_weighted", no_col);
			undef(t, "average_precision_macro", no_col);
		}
		for (i = 0; i < m && yp[i] < K; i++)
			;
		for (j = 0; i == m && j < m * K && proba[j] >= 0 && proba[j] <= 1; j++)
			;
		if (i < m)
			undef(t, "ece", "a prediction has no score column");
		else if (j < m * K)
			undef(t, "ece", "a score is outside [0, 1]");
		else
			put(t, "ece", metrics_ece(yt, yp, proba, m, K));
		return 0;
	}
	if (want(only, "brier_score")) {
		for (i = 0; i < m * K && proba[i] >= 0 && proba[i] <= 1; i++)
			;
		if (i < m * K) {
			undef(t, "brier_score", "a score is outside [0, 1]");
		} else {
			v = metrics_brier(yt, proba, m, K);
			if (isnan(v))
				return oom(err);
			put(t, "brier_score", v);
		}
	}
	if (want(only, "ece")) {
		for (i = 0; i < m * K && proba[i] >= 0 && proba[i] <= 1; i++)
			;
		if (i < m * K)
			undef(t, "ece", "a score is outside [0, 1]");
		else
			put(t, "ece", metrics_ece(yt, yp, proba, m, K));
	}
	if (only && (!strcmp(only, "brier_score") || !strcmp(only, "ece")))
		return 0;
	if (K == 2) {
		unsigned char *pos = malloc(m + 1);
		double *sc = malloc((m + 1) * sizeof(*sc)), auc = 0, ap = 0;
		int r1, r2;

		if (!pos || !sc) {
			free(pos), free(sc);
			return oom(err);
		}
		for (i = 0; i < m; i++) {
			pos[i] = yt[i] == 1;
			sc[i] = proba[i * 2 + 1];
		}
		r1 = metrics_roc_auc(pos, sc, m, &auc, err);
		r2 = r1 < 0 ? -1 : metrics_average_precision(pos, sc, m, &ap, err);
		free(pos), free(sc);
		if (r1 < 0 || r2 < 0)
			return -1;
		if (r1 == 0)
			put(t, "roc_auc", auc);
		else
			undef(t, "roc_auc", "only one class is present in the labels");
		put(t, "average_precision", ap);
		if (r2 == 1)
			t->ap_no_positive = 1;
	} else {
		double macro = 0, weighted = 0, *ap;
		unsigned char *pos = malloc(m + 1);
		double *col = malloc((m + 1) * sizeof(*col));
		const char *why;
		int r;

		ap = calloc(K, sizeof(*ap));
		if (!pos || !col || !ap) {
			free(pos), free(col), free(ap);
			return oom(err);
		}
		r = metrics_roc_auc_ovr(yt, proba, m, K, &macro, &weighted, &why, err);
		for (j = 0; r >= 0 && j < K; j++) {
			int r2;

			for (i = 0; i < m; i++) {
				pos[i] = yt[i] == j;
				col[i] = proba[i * K + j];
			}
			r2 = metrics_average_precision(pos, col, m, &ap[j], err);
			if (r2 < 0)
				r = -1;
			else if (r2 == 1)
				t->ap_no_positive = 1;
		}
		if (r >= 0) {
			if (r == 0) {
				put(t, "roc_auc_ovr_macro", macro);
				put(t, "roc_auc_ovr_weighted", weighted);
			} else {
				undef(t, "roc_auc_ovr_macro", why);
				undef(t, "roc_auc_ovr_weighted", why);
			}
			put(t, "average_precision_macro", metrics_sum(ap, K) / (double)K);
		}
		free(pos), free(col), free(ap);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int class_table(const struct scored *s, const size_t *yt,
		       const size_t *yp, const double *proba, size_t m,
		       const char *only, struct metric_table *t,
		       struct class_metrics *cm_out, size_t **labels,
		       struct mlci_err *err)
{
	struct class_metrics cm = { 0 };
	size_t *map = malloc((s->L + 1) * sizeof(*map));
	size_t *ct = malloc((m + 1) * sizeof(*ct)), *cp = malloc((m + 1) * sizeof(*cp));
	size_t i, j, nl = 0;
	double kappa;
	int rc = -1, kr;

	if (!map || !ct || !cp) {
		oom(err);
		goto out;
	}
	for (j = 0; j < s->L; j++)
		map[j] = (size_t)-1;
	for (i = 0; i < m; i++) {
		if (yt[i] >= s->L || yp[i] >= s->L) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "label code out of range");
			goto out;
		}
		map[yt[i]] = map[yp[i]] = 0;
	}
	for (j = 0; j < s->L; j++)
		if (map[j] == 0)
			map[j] = nl++;
	for (i = 0; i < m; i++) {
		ct[i] = map[yt[i]];
		cp[i] = map[yp[i]];
	}
	if (class_metrics_compute(&cm, ct, cp, m, nl, err) < 0)
		goto out;
	put(t, "accuracy", cm.accuracy);
	put(t, "balanced_accuracy", cm.balanced_accuracy);
	put(t, "precision_micro", cm.precision_micro);
	put(t, "recall_micro", cm.recall_micro);
	put(t, "f1_micro", cm.f1_micro);
	put(t, "precision_macro", cm.precision_macro);
	put(t, "recall_macro", cm.recall_macro);
	put(t, "f1_macro", cm.f1_macro);
	put(t, "precision_weighted", cm.precision_weighted);
	put(t, "recall_weighted", cm.recall_weighted);
	put(t, "f1_weighted", cm.f1_weighted);
	put(t, "mcc", metrics_mcc(&cm));
	kr = metrics_kappa(&cm, &kappa);
	if (kr < 0) {
		oom(err);
		goto out;
	}
	if (kr == 0)
		put(t, "cohen_kappa", kappa);
	else
		undef(t, "cohen_kappa", "every label and prediction is one class");
	if (proba && s->K >= 2 && score_metrics(s, yt, yp, proba, m, only, t, err) < 0)
		goto out;
	if (cm_out) {
		*labels = malloc((nl + 1) * sizeof(**labels));
		if (!*labels) {
			oom(err);
			goto out;
		}
		for (j = 0; j < s->L; j++)
			if (map[j] != (size_t)-1)
				(*labels)[map[j]] = j;
		*cm_out = cm;
		memset(&cm, 0, sizeof(cm));
	}
	rc = 0;
out:
	class_metrics_free(&cm);
	free(map), free(ct), free(cp);
	return rc;
}

static int metrics_of(const struct scored *s, const size_t *idx, size_t m,
		      const char *only, struct metric_table *t,
		      struct class_metrics *cm, size_t **labels,
		      struct mlci_err *err)
{
	size_t *yt = NULL, *yp = NULL, i;
	double *proba = NULL, *y = NULL, *p = NULL;
	size_t K = s->proba ? s->K : 0;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!idx)
		m = s->n;
	if (!m)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "metrics: no samples");
	if (!s->classifier) {
		struct reg_metrics r;

		if (idx) {
			y = malloc(m * sizeof(*y));
			p = malloc(m * sizeof(*p));
			if (!y || !p) {
				oom(err);
				goto out;
			}
			for (i = 0; i < m; i++) {
				y[i] = s->y[idx[i]];
				p[i] = s->p[idx[i]];
			}
		}
		if (metrics_regression(idx ? y : s->y, idx ? p : s->p, m, &r, err) < 0)
			goto out;
		put(t, "mse", r.mse);
		put(t, "rmse", r.rmse);
		put(t, "mae", r.mae);
		if (r.r2_defined)
			put(t, "r2", r.r2);
		else
			undef(t, "r2", "it needs at least two rows");
		put(t, "mape", r.mape);
		put(t, "median_absolute_error", r.median_absolute_error);
		put(t, "explained_variance", r.explained_variance);
		put(t, "max_error", r.max_error);
		rc = 0;
		goto out;
	}
	if (idx) {
		yt = malloc(m * sizeof(*yt));
		yp = malloc(m * sizeof(*yp));
		proba = K ? malloc(m * K * sizeof(*proba)) : NULL;
		if (!yt || !yp || (K && !proba)) {
			oom(err);
			goto out;
		}
		for (i = 0; i < m; i++) {
			yt[i] = s->y_true[idx[i]];
			yp[i] = s->y_pred[idx[i]];
			if (K)
				memcpy(proba + i * K, s->proba + idx[i] * K,
				       K * sizeof(*proba));
		}
	}
	rc = class_table(s, idx ? yt : s->y_true, idx ? yp : s->y_pred,
			 K ? (idx ? proba : s->proba) : NULL, m, only, t, cm, labels, err);
out:
	free(yt), free(yp), free(proba), free(y), free(p);
	return rc;
}

int scored_metrics(const struct scored *s, const size_t *idx, size_t m,
		   struct metric_table *t, struct class_metrics *cm,
		   size_t **labels, struct mlci_err *err)
{
	return metrics_of(s, idx, m, NULL, t, cm, labels, err);
}

int scored_metric(const struct scored *s, const size_t *idx, size_t m,
		  const char *name, double *value, int *defined,
		  struct mlci_err *err)
{
	struct metric_table t;
	int i;

	if (metrics_of(s, idx, m, name, &t, NULL, NULL, err) < 0)
		return -1;
	i = metric_table_find(&t, name);
	*defined = i >= 0 && t.defined[i];
	*value = *defined ? t.value[i] : 0;
	return 0;
}

/* ---- resampling ---- */

uint64_t scored_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

size_t scored_rng_index(uint64_t *state, size_t n)
{
	__extension__ typedef unsigned __int128 u128;

	return (size_t)(((u128)scored_rng_next(state) * (u128)n) >> 64);
}

double scored_quantile(const double *v, size_t n, double q)
{
	/* numpy 1.24 _quantile, method "linear": virtual index
	 * n*q + (1 + q*(1 - 1 - 1)) - 1, then a two-sided lerp */
	double vi = ((double)n * q + (1.0 + q * (1.0 - 1.0 - 1.0))) - 1.0;
	double lo = floor(vi), g, a, b, d;
	size_t i, j;

	if (n == 0)
		return NAN;
	if (lo < 0)
		lo = 0;
	if (lo > (double)(n - 1))
		lo = (double)(n - 1);
	i = (size_t)lo;
	j = i + 1 < n ? i + 1 : n - 1;
	g = vi - floor(vi);
	a = v[i];
	b = v[j];
	d = b - a;
	if (vi <= 0)
		return v[0];
	if (vi >= (double)(n - 1))
		return v[n - 1];
	if (!isfinite(d))	/* the two values straddle more than DBL_MAX */
		return g >= 0.5 ? b : a;
	return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int scored_bootstrap(const struct scored *s, size_t B, uint64_t seed,
		     double level, const struct metric_table *t,
		     struct interval *out, struct mlci_err *err)
{
	size_t n = s->n, i, b;
	size_t *idx = malloc((n + 1) * sizeof(*idx));
	double *vals = malloc((t->n * B + 1) * sizeof(*vals));
	size_t cnt[SCORED_MAX_METRICS] = { 0 };
	uint64_t st = seed;
	int rc = -1;

	if (!idx || !vals) {
		oom(err);
		goto done;
	}
	for (b = 0; b < B; b++) {
		struct metric_table tb;

		for (i = 0; i < n; i++)
			idx[i] = scored_rng_index(&st, n);
		if (scored_metrics(s, idx, n, &tb, NULL, NULL, err) < 0)
			goto done;
		for (i = 0; i < t->n; i++) {
			if (tb.n != t->n || strcmp(tb.name[i], t->name[i])) {
				err_set(err, MLCI_EXIT_SOFTWARE, NULL,
					"bootstrap: metric table changed");
				goto done;
			}
			if (tb.defined[i])
				vals[i * B + cnt[i]++] = tb.value[i];
		}
	}
	for (i = 0; i < t->n; i++) {
		out[i].resamples = cnt[i];
		out[i].low = out[i].high = 0;
		if (!cnt[i])
			continue;
		qsort(vals + i * B, cnt[i], sizeof(*vals), cmp_dbl);
		out[i].low = scored_quantile(vals + i * B, cnt[i], (1 - level) / 2);
		out[i].high = scored_quantile(vals + i * B, cnt[i], (1 + level) / 2);
		if (!isfinite(out[i].low) || !isfinite(out[i].high))
			out[i].resamples = 0;	/* nothing a report can hold */
	}
	rc = 0;
done:
	free(idx), free(vals);
	return rc;
}

/* ---- the predictions file ---- */

static void csv_field(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\r\n") && *s) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* The last numbers formatted, by their bits: a tree's or a forest's
 * outputs repeat a few values, each costly to print shortest. */
#define MEMO_SLOTS 1024
struct memo {
	uint64_t bits[MEMO_SLOTS];
	unsigned char used[MEMO_SLOTS];
	char text[MEMO_SLOTS][40];
};

/* v as fmt_double prints it, from m when it holds v (m may be NULL). */
static const char *memo_fmt(struct memo *m, char *num, size_t n, double v)
{
	uint64_t b;
	size_t k;

	if (!m) {
		fmt_double(num, n, v);
		return num;
	}
	memcpy(&b, &v, sizeof(b));
	k = (size_t)((b * UINT64_C(0x9e3779b97f4a7c15)) >> 54) % MEMO_SLOTS;
	if (!m->used[k] || m->bits[k] != b) {
		fmt_double(m->text[k], sizeof(m->text[k]), v);
		m->bits[k] = b;
		m->used[k] = 1;
	}
	return m->text[k];
}

void scored_write_predictions(FILE *fp, const struct scored *s,
			      const size_t *rows)
{
	char num[40], name[600];
	size_t i, j, K = s->classifier && s->proba ? s->K : 0;
	struct memo *m = calloc(1, sizeof(*m));	/* NULL: no memo */

	fputs("key,label,prediction", fp);
	for (j = 0; j < K; j++) {
		snprintf(name, sizeof(name), "proba_%s", s->names[j]);
		fputc(',', fp);
		csv_field(fp, name);
	}
	fputc('\n', fp);
	for (i = 0; i < s->n; i++) {
		if (s->keys)
			csv_field(fp, s->keys[i]);
		else
			fprintf(fp, "%zu", rows ? rows[i] : i);
		fputc(',', fp);
		if (s->classifier) {
			csv_field(fp, s->names[s->y_true[i]]);
			fputc(',', fp);
			csv_field(fp, s->names[s->y_pred[i]]);
		} else {
			fputs(memo_fmt(m, num, sizeof(num), s->y[i]), fp);
			fputc(',', fp);
			fputs(memo_fmt(m, num, sizeof(num), s->p[i]), fp);
		}
		for (j = 0; j < K; j++) {
			fputc(',', fp);
			fputs(memo_fmt(m, num, sizeof(num), s->proba[i * K + j]), fp);
		}
		fputc('\n', fp);
	}
	free(m);
}

struct file_priv {
	struct frame f;
	char **owned;		/* class names made from proba_ headers */
	size_t nowned;
	const char **names;
	const char **keys;
	size_t *yt, *yp;
	double *proba, *y, *p;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct name_code {
	const char *name;
	size_t code;
};

static int cmp_nc(const void *a, const void *b)
{
	return strcmp(((const struct name_code *)a)->name,
		      ((const struct name_code *)b)->name);
}

void scored_file_free(struct scored_file *f)
{
	struct file_priv *p = f->priv;
	size_t i;

	if (p) {
		frame_free(&p->f);
		for (i = 0; i < p->nowned; i++)
			free(p->owned[i]);
		free(p->owned);
		free(p->names), free(p->keys), free(p->yt), free(p->yp);
		free(p->proba), free(p->y), free(p->p);
		free(p);
	}
	memset(f, 0, sizeof(*f));
}

static int need_col(const struct frame *f, const char *name,
		    struct mlci_err *err)
{
	int c = frame_find(f, name);

	if (c < 0)
		err_set(err, MLCI_EXIT_DATAERR, f->path,
			"not a predictions file: no column '%s' (expected key,label,prediction[,proba_<class>...])",
			name);
	return c;
}

int scored_read_predictions(struct scored_file *sf, const char *path,
			    int classifier, struct mlci_err *err)
{
	struct csv_opts o;
	struct file_priv *p;
	struct frame *f;
	struct scored *s = &sf->s;
	int ck, cl, cy;
	size_t i, j, n, K = 0;

	memset(sf, 0, sizeof(*sf));
	p = calloc(1, sizeof(*p));
	if (!p)
		return oom(err);
	sf->priv = p;
	f = &p->f;
	csv_opts_init(&o);
	o.na = "";		/* every text is a value, "NA" included */
	if (frame_load(f, path, &o, err) < 0)
		goto fail;
	memcpy(sf->sha256, f->sha256, sizeof(sf->sha256));
	if ((ck = need_col(f, "key", err)) < 0 || (cl = need_col(f, "label", err)) < 0 ||
	    (cy = need_col(f, "prediction", err)) < 0)
		goto fail;
	n = f->nrows;
	s->n = n;
	s->classifier = classifier;
	p->keys = malloc((n + 1) * sizeof(*p->keys));
	if (!p->keys) {
		oom(err);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		size_t c;

		for (c = 0; c < 3; c++) {
			int col = c == 0 ? ck : c == 1 ? cl : cy;

			if (!frame_cell(f, i, (size_t)col)) {
				err_set_at(err, MLCI_EXIT_DATAERR, path,
					   f->line[i * f->ncols + (size_t)col],
					   f->col[i * f->ncols + (size_t)col],
					   "empty %s", f->names[col]);
				goto fail;
			}
		}
		p->keys[i] = frame_cell(f, i, (size_t)ck);
	}
	s->keys = p->keys;
	{	/* keys are unique */
		const char **k = malloc((n + 1) * sizeof(*k));

		if (!k) {
			oom(err);
			goto fail;
		}
		memcpy(k, p->keys, n * sizeof(*k));
		qsort(k, n, sizeof(*k), cmp_str);
		for (i = 1; i < n; i++)
			if (!strcmp(k[i], k[i - 1])) {
				err_set(err, MLCI_EXIT_DATAERR, path,
					"key '%.200s' appears more than once", k[i]);
				free(k);
				goto fail;
			}
		free(k);
	}
	if (!classifier) {
		p->y = malloc((n + 1) * sizeof(*p->y));
		p->p = malloc((n + 1) * sizeof(*p->p));
		if (!p->y || !p->p) {
			oom(err);
			goto fail;
		}
		for (i = 0; i < n; i++)
			if (frame_number(f, i, (size_t)cl, &p->y[i], err) != 0 ||
			    frame_number(f, i, (size_t)cy, &p->p[i], err) != 0 ||
			    !isfinite(p->y[i]) || !isfinite(p->p[i])) {
				if (!err->code)
					err_set_at(err, MLCI_EXIT_DATAERR, path,
						   f->line[i * f->ncols + (size_t)cl], 0,
						   "label or prediction is not a finite number");
				goto fail;
			}
		s->y = p->y;
		s->p = p->p;
		return 0;
	}
	/* classes with scores: the proba_ columns, in order */
	p->owned = calloc(f->ncols + 1, sizeof(*p->owned));
	p->names = calloc(f->ncols + 2 * n + 1, sizeof(*p->names));
	if (!p->owned || !p->names) {
		oom(err);
		goto fail;
	}
	for (j = 0; j < f->ncols; j++)
		if (!strncmp(f->names[j], "proba_", 6)) {
			p->owned[p->nowned] = strdup(f->names[j] + 6);
			if (!p->owned[p->nowned]) {
				oom(err);
				goto fail;
			}
			p->names[K++] = p->owned[p->nowned++];
		}
	s->K = K;
	{
		struct name_code *nc = malloc((K + 2 * n + 1) * sizeof(*nc));
		const char **extra = malloc((2 * n + 1) * sizeof(*extra));
		size_t ne = 0, L = K, nnc;

		if (!nc || !extra) {
			free(nc), free(extra);
			oom(err);
			goto fail;
		}
		for (j = 0; j < K; j++) {
			nc[j].name = p->names[j];
			nc[j].code = j;
		}
		qsort(nc, K, sizeof(*nc), cmp_nc);
		for (i = 0; i < n; i++)
			for (j = 0; j < 2; j++) {
				struct name_code key = { frame_cell(f, i, (size_t)(j ? cy : cl)), 0 };

				if (!bsearch(&key, nc, K, sizeof(*nc), cmp_nc))
					extra[ne++] = key.name;
			}
		qsort(extra, ne, sizeof(*extra), cmp_str);
		for (i = 0; i < ne; i++)
			if (!i || strcmp(extra[i], extra[i - 1])) {
				nc[L].name = extra[i];
				nc[L].code = L;
				p->names[L++] = extra[i];
			}
		s->L = L;
		nnc = L;
		qsort(nc, nnc, sizeof(*nc), cmp_nc);
		p->yt = malloc((n + 1) * sizeof(*p->yt));
		p->yp = malloc((n + 1) * sizeof(*p->yp));
		p->proba = K ? malloc((n * K + 1) * sizeof(*p->proba)) : NULL;
		if (!p->yt || !p->yp || (K && !p->proba)) {
			free(nc), free(extra);
			oom(err);
			goto fail;
		}
		for (i = 0; i < n; i++) {
			struct name_code k1 = { frame_cell(f, i, (size_t)cl), 0 };
			struct name_code k2 = { frame_cell(f, i, (size_t)cy), 0 };

			p->yt[i] = ((struct name_code *)bsearch(&k1, nc, nnc, sizeof(*nc), cmp_nc))->code;
			p->yp[i] = ((struct name_code *)bsearch(&k2, nc, nnc, sizeof(*nc), cmp_nc))->code;
		}
		free(nc), free(extra);
	}
	for (i = 0; i < n; i++)
		for (j = 0, K = 0; j < f->ncols; j++) {
			double v;

			if (strncmp(f->names[j], "proba_", 6))
				continue;
			if (frame_number(f, i, j, &v, err) != 0 || !isfinite(v)) {
				if (!err->code)
					err_set_at(err, MLCI_EXIT_DATAERR, path,
						   f->line[i * f->ncols + j],
						   f->col[i * f->ncols + j],
						   "score in column '%.100s' is missing or not finite",
						   f->names[j]);
				goto fail;
			}
			p->proba[i * s->K + K++] = v;
		}
	s->names = p->names;
	s->y_true = p->yt;
	s->y_pred = p->yp;
	s->proba = p->proba;
	return 0;
fail:
	scored_file_free(sf);
	return -1;
}
