/*
 * metrics.c - scikit-learn's metrics, recomputed in C. The order of the
 * floating-point operations follows sklearn/numpy's (pairwise sums,
 * 2*p*r/(p+r), sum(w*x)/sum(w)) so the values agree to the last bit or
 * close to it; see metrics.h for the edge cases.
 */
#include "metrics.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* numpy/core/src/umath/loops_utils.h.src: pairwise_sum_DOUBLE */
#define PW_BLOCKSIZE 128

double metrics_sum(const double *x, size_t n)
{
	size_t i;
	double r[8], res;

	if (n < 8) {
		res = 0.;
		for (i = 0; i < n; i++)
			res += x[i];
		return res;
	}
	if (n <= PW_BLOCKSIZE) {
		for (i = 0; i < 8; i++)
			r[i] = x[i];
		for (i = 8; i < n - (n % 8); i += 8) {
			r[0] += x[i + 0];
			r[1] += x[i + 1];
			r[2] += x[i + 2];
			r[3] += x[i + 3];
			r[4] += x[i + 4];
			r[5] += x[i + 5];
			r[6] += x[i + 6];
			r[7] += x[i + 7];
		}
		res = ((r[0] + r[1]) + (r[2] + r[3])) +
		      ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += x[i];
		return res;
	} else {
		size_t n2 = n / 2;

		n2 -= n2 % 8;
		return metrics_sum(x, n2) + metrics_sum(x + n2, n - n2);
	}
}

static double mean(const double *x, size_t n)
{
	return metrics_sum(x, n) / (double)n;
}

/* sklearn's F-beta with beta = 1: (1 + 1) * p * r / (1 * p + r), 0/0 -> 0 */
static double fscore(double p, double r)
{
	double denom = 1.0 * p + r;

	if (denom == 0.0)
		denom = 1;
	return 2.0 * p * r / denom;
}

static double ratio(size_t num, size_t den, int *ill)
{
	if (!den) {
		*ill = 1;
		return 0.0;
	}
	return (double)num / (double)den;
}

void class_metrics_free(struct class_metrics *m)
{
	if (!m)
		return;
	free(m->confusion);
	free(m->support);
	free(m->predicted);
	free(m->precision);
	free(m->recall);
	free(m->f1);
	memset(m, 0, sizeof(*m));
}

int class_metrics_compute(struct class_metrics *m, const size_t *y_true,
			  const size_t *y_pred, size_t n, size_t k,
			  struct mlci_err *err)
{
	size_t i, j, tp = 0, npresent = 0;
	double *tmp = NULL, *w = NULL;
	int ill_p = 0, ill_r = 0, dummy = 0;

	memset(m, 0, sizeof(*m));
	if (!n || !k)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			       "metrics: no samples or no labels");
	if (k > ((size_t)-1) / sizeof(size_t) / k)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "metrics: too many labels");
	m->k = k;
	m->n = n;
	m->confusion = calloc(k * k, sizeof(size_t));
	m->support = calloc(k, sizeof(size_t));
	m->predicted = calloc(k, sizeof(size_t));
	m->precision = calloc(k, sizeof(double));
	m->recall = calloc(k, sizeof(double));
	m->f1 = calloc(k, sizeof(double));
	tmp = calloc(k, sizeof(double));
	w = calloc(k, sizeof(double));
	if (!m->confusion || !m->support || !m->predicted || !m->precision ||
	    !m->recall || !m->f1 || !tmp || !w) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (y_true[i] >= k || y_pred[i] >= k) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL,
				"metrics: label code out of range at sample %zu", i);
			goto fail;
		}
		m->confusion[y_true[i] * k + y_pred[i]]++;
		m->support[y_true[i]]++;
		m->predicted[y_pred[i]]++;
	}

	for (j = 0; j < k; j++) {
		size_t c = m->confusion[j * k + j];

		tp += c;
		m->precision[j] = ratio(c, m->predicted[j], &ill_p);
		m->recall[j] = ratio(c, m->support[j], &ill_r);
		m->f1[j] = fscore(m->precision[j], m->recall[j]);
	}
	m->accuracy = (double)tp / (double)n;

	/* balanced accuracy: mean recall over the labels present in y_true */
	for (j = 0; j < k; j++)
		if (m->support[j])
			tmp[npresent++] = m->recall[j];
		else if (m->predicted[j])
			m->warn |= METRICS_WARN_BALANCED;
	m->balanced_accuracy = mean(tmp, npresent);

	/* micro: pooled counts; every sample is within the k labels */
	m->precision_micro = ratio(tp, n, &dummy);
	m->recall_micro = ratio(tp, n, &dummy);
	m->f1_micro = fscore(m->precision_micro, m->recall_micro);

	m->precision_macro = mean(m->precision, k);
	m->recall_macro = mean(m->recall, k);
	m->f1_macro = mean(m->f1, k);

	/* weighted: np.average(x, weights=support) = sum(x*w) / sum(w) */
	for (j = 0; j < k; j++)
		w[j] = (double)m->support[j];
	{
		double scl = metrics_sum(w, k);

		for (j = 0; j < k; j++)
			tmp[j] = m->precision[j] * w[j];
		m->precision_weighted = metrics_sum(tmp, k) / scl;
		for (j = 0; j < k; j++)
			tmp[j] = m->recall[j] * w[j];
		m->recall_weighted = metrics_sum(tmp, k) / scl;
		for (j = 0; j < k; j++)
			tmp[j] = m->f1[j] * w[j];
		m->f1_weighted = metrics_sum(tmp, k) / scl;
	}
	if (ill_p)
		m->warn |= METRICS_WARN_PRECISION;
	if (ill_r)
		m->warn |= METRICS_WARN_RECALL;
	free(tmp);
	free(w);
	return 0;
fail:
	free(tmp);
	free(w);
	class_metrics_free(m);
	return -1;
}

/* Characters in a UTF-8 string: bytes that do not continue a sequence. */
static size_t utf8_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int pad_right_align(struct buf *out, const char *s, size_t width)
{
	size_t w = utf8_width(s);

	for (; w < width; w++)
		if (buf_addch(out, ' ') < 0)
			return -1;
	return buf_addstr(out, s);
}

static int report_row(struct buf *out, const char *name, size_t width,
		      int digits, double p, double r, double f, size_t s)
{
	if (pad_right_align(out, name, width) < 0)
		return -1;
	return buf_printf(out, "  %9.*f %9.*f %9.*f %9zu\n", digits, p,
			  digits, r, digits, f, s);
}

int metrics_report_text(const struct class_metrics *m,
			const char *const *names, int digits, struct buf *out)
{
	static const char *const headers[] = { "precision", "recall", "f1-score", "support" };
	size_t width = strlen("weighted avg"), j;
	int h;

	if (digits < 0)
		digits = 0;
	if ((size_t)digits > width)
		width = (size_t)digits;
	for (j = 0; j < m->k; j++)
		if (utf8_width(names[j]) > width)
			width = utf8_width(names[j]);

	/* "{:>{width}s} " + " {:>9}" * 4, then a blank line */
	if (pad_right_align(out, "", width) < 0 || buf_addch(out, ' ') < 0)
		return -1;
	for (h = 0; h < 4; h++)
		if (buf_printf(out, " %9s", headers[h]) < 0)
			return -1;
	if (buf_addstr(out, "\n\n") < 0)
		return -1;
	for (j = 0; j < m->k; j++)
		if (report_row(out, names[j], width, digits, m->precision[j],
			       m->recall[j], m->f1[j], m->support[j]) < 0)
			return -1;
	if (buf_addch(out, '\n') < 0)
		return -1;
	/* accuracy: two empty 9-wide cells, then micro F1 and the total */
	if (pad_right_align(out, "accuracy", width) < 0 ||
	    buf_printf(out, "  %9s %9s %9.*f %9zu\n", "", "", digits,
		       m->f1_micro, m->n) < 0)
		return -1;
	if (report_row(out, "macro avg", width, digits, m->precision_macro,
		       m->recall_macro, m->f1_macro, m->n) < 0 ||
	    report_row(out, "weighted avg", width, digits, m->precision_weighted,
		       m->recall_weighted, m->f1_weighted, m->n) < 0)
		return -1;
	return 0;
}

int metrics_log_loss(const size_t *y_true, const double *proba, size_t n,
		     size_t k, double *out, struct mlci_err *err)
{
	const double eps = DBL_EPSILON;
	double *loss = NULL, *row = NULL;
	size_t i, j;

	if (!n || !k)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			       "log_loss: no samples or no classes");
	loss = malloc(n * sizeof(double));
	row = malloc(k * sizeof(double));
	if (!loss || !row) {
		free(loss);
		free(row);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		double sum;

		if (y_true[i] >= k) {
			free(loss);
			free(row);
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
				       "log_loss: label code out of range at sample %zu", i);
		}
		for (j = 0; j < k; j++) {
			double p = proba[i * k + j];

			if (!isfinite(p)) {
				free(loss);
				free(row);
				return err_set(err, MLCI_EXIT_DATAERR, NULL,
					       "log_loss: probability at row %zu is not finite", i);
			}
			/* np.clip(p, eps, 1 - eps) */
			row[j] = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
		}
		sum = metrics_sum(row, k);
		loss[i] = -log(row[y_true[i]] / sum);
	}
	*out = mean(loss, n);
	free(loss);
	free(row);
	return 0;
}

static int regression_extra(const double *y, const double *p, size_t n,
			    struct reg_metrics *m);

struct scored {
	double s;
	unsigned char pos;
};

static int by_score_desc(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;

	return x < y ? 1 : x > y ? -1 : 0;
}

int metrics_roc_auc(const unsigned char *positive, const double *score,
		    size_t n, double *out, struct mlci_err *err)
{
	struct scored *v;
	size_t i, npos = 0, nneg, tp = 0;
	double area2 = 0.0;

	for (i = 0; i < n; i++) {
		if (!isfinite(score[i]))
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "roc_auc: score at row %zu is not finite", i);
		npos += positive[i] != 0;
	}
	nneg = n - npos;
	if (!npos || !nneg)
		return 1;
	v = malloc(n * sizeof(*v));
	if (!v)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].pos = positive[i] != 0;
	}
	qsort(v, n, sizeof(*v), by_score_desc);
	/* walk the thresholds from high to low; a group of tied scores moves
	 * the curve diagonally, which is the trapezoid (half credit) */
	for (i = 0; i < n;) {
		size_t dp = 0, dn = 0, g = i;

		while (g < n && v[g].s == v[i].s) {
			if (v[g].pos)
				dp++;
			else
				dn++;
			g++;
		}
		area2 += (double)dn * (double)(2 * tp + dp);
		tp += dp;
		i = g;
	}
	free(v);
	*out = area2 / (2.0 * (double)npos * (double)nneg);
	return 0;
}

int metrics_regression(const double *y, const double *p, size_t n,
		       struct reg_metrics *m, struct mlci_err *err)
{
	double *d2, *ad, ybar, num, den;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (!n)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "regression metrics: no samples");
	for (i = 0; i < n; i++)
		if (!isfinite(y[i]) || !isfinite(p[i]))
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "regression metrics: value at row %zu is not finite", i);
	d2 = malloc(n * sizeof(double));
	ad = malloc(n * sizeof(double));
	if (!d2 || !ad) {
		free(d2);
		free(ad);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		double d = y[i] - p[i];

		d2[i] = d * d;
		ad[i] = fabs(p[i] - y[i]);
	}
	m->mse = mean(d2, n);
	m->rmse = sqrt(m->mse);
	m->mae = mean(ad, n);
	num = metrics_sum(d2, n);
	ybar = mean(y, n);
	for (i = 0; i < n; i++) {
		double d = y[i] - ybar;

		ad[i] = d * d;
	}
	den = metrics_sum(ad, n);
	free(d2);
	free(ad);
	if (regression_extra(y, p, n, m) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (n < 2)
		return 0;
	m->r2_defined = 1;
	if (num == 0.0)
		m->r2 = 1.0;
	else if (den == 0.0)
		m->r2 = 0.0;
	else
		m->r2 = 1 - num / den;
	return 0;
}

/* ---- Matthews, kappa ---- */

double metrics_mcc(const struct class_metrics *m)
{
	double n = (double)m->n, correct = 0, tp = 0, pp = 0, tt = 0;
	double cov_tp, cov_pp, cov_tt;
	size_t j;

	for (j = 0; j < m->k; j++) {
		double t = (double)m->support[j], p = (double)m->predicted[j];

		correct += (double)m->confusion[j * m->k + j];
		tp += t * p;
		pp += p * p;
		tt += t * t;
	}
	cov_tp = correct * n - tp;
	cov_pp = n * n - pp;
	cov_tt = n * n - tt;
	if (cov_pp * cov_tt == 0)
		return 0.0;
	return cov_tp / sqrt(cov_tt * cov_pp);
}

int metrics_kappa(const struct class_metrics *m, double *out)
{
	size_t k = m->k, i, j;
	double *e = calloc(k * k + 1, sizeof(*e)), num = 0, den;

	if (!e)
		return -1;
	/* expected = outer(column sums, row sums) / n; weights 0 on the
	 * diagonal, 1 elsewhere */
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			if (i == j)
				continue;
			e[i * k + j] = (double)(m->predicted[i] * m->support[j]) /
				       (double)m->n;
			num += (double)m->confusion[i * k + j];
		}
	den = metrics_sum(e, k * k);
	free(e);
	if (den == 0)
		return 1;
	*out = 1 - num / den;
	return 0;
}

/* ---- average precision ---- */

int metrics_average_precision(const unsigned char *positive,
			      const double *score, size_t n, double *out,
			      struct mlci_err *err)
{
	struct scored *v;
	double *term, *prec, *rec;
	size_t i, npos = 0, m = 0, tp = 0, seen = 0;

	for (i = 0; i < n; i++) {
		if (!isfinite(score[i]))
			return err_set(err, MLCI_EXIT_DATAERR, NULL,
				       "average_precision: score at row %zu is not finite", i);
		npos += positive[i] != 0;
	}
	v = malloc((n + 1) * sizeof(*v));
	term = malloc((n + 1) * sizeof(*term));
	prec = malloc((n + 1) * sizeof(*prec));
	rec = malloc((n + 1) * sizeof(*rec));
	if (!v || !term || !prec || !rec) {
		free(v), free(term), free(prec), free(rec);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].pos = positive[i] != 0;
	}
	qsort(v, n, sizeof(*v), by_score_desc);
	/* one point per distinct score, high to low (sklearn's
	 * _binary_clf_curve) */
	for (i = 0; i < n;) {
		size_t g = i;

		while (g < n && v[g].s == v[i].s) {
			tp += v[g].pos;
			g++;
		}
		seen = g;
		prec[m] = (double)tp / (double)seen;
		rec[m] = npos ? (double)tp / (double)npos : 1.0;
		m++;
		i = g;
	}
	/* sklearn: -sum(diff(recall[::-1] + [0]) * precision[::-1][:-1]),
	 * summed in that (reversed) order */
	for (i = 0; i < m; i++) {
		size_t k = m - 1 - i;
		double before = k ? rec[k - 1] : 0.0;

		term[i] = (before - rec[k]) * prec[k];
	}
	*out = -metrics_sum(term, m);
	if (*out == 0)
		*out = 0.0;	/* no -0 */
	/* a precision: rounding in the sum must not take it past 1 (a
	 * perfect ranking's terms can add up to 1 + 2^-52) */
	if (*out > 1)
		*out = 1;
	free(v), free(term), free(prec), free(rec);
	return npos ? 0 : 1;
}

/* ---- one-vs-rest ROC AUC ---- */

int metrics_roc_auc_ovr(const size_t *y, const double *proba, size_t n,
			size_t k, double *macro, double *weighted,
			const char **why, struct mlci_err *err)
{
	unsigned char *pos = malloc(n + 1);
	double *col = malloc((n + 1) * sizeof(*col)), *auc = calloc(k, sizeof(*auc)),
	       *w = calloc(k, sizeof(*w)), *tmp = calloc(k, sizeof(*tmp));
	size_t i, j;
	int rc = 0;

	*why = NULL;
	if (!pos || !col || !auc || !w || !tmp) {
		rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		double s = metrics_sum(proba + i * k, k);

		if (y[i] >= k) {
			*why = "the labels hold values without a score column";
			rc = 1;
			goto out;
		}
		if (!(fabs(1 - s) <= 1e-8 + 1e-5 * fabs(s))) {
			*why = "the scores of a row do not sum to 1";
			rc = 1;
			goto out;
		}
		w[y[i]] += 1;
	}
	for (j = 0; j < k; j++) {
		int r;

		for (i = 0; i < n; i++) {
			pos[i] = y[i] == j;
			col[i] = proba[i * k + j];
		}
		r = metrics_roc_auc(pos, col, n, &auc[j], err);
		if (r < 0) {
			rc = -1;
			goto out;
		}
		if (r == 1) {
			*why = "a class is absent from the labels";
			rc = 1;
			goto out;
		}
	}
	*macro = metrics_sum(auc, k) / (double)k;
	for (j = 0; j < k; j++)
		tmp[j] = auc[j] * w[j];
	*weighted = metrics_sum(tmp, k) / metrics_sum(w, k);
out:
	free(pos), free(col), free(auc), free(w), free(tmp);
	return rc;
}

/* ---- Brier, ECE ---- */

double metrics_brier(const size_t *y, const double *proba, size_t n, size_t k)
{
	double *t = malloc((n + 1) * sizeof(*t)), *row = malloc((k + 1) * sizeof(*row)), r;
	size_t i, j;

	if (!t || !row) {
		free(t), free(row);
		return NAN;
	}
	for (i = 0; i < n; i++) {
		if (k == 2) {
			double d = (y[i] == 1 ? 1.0 : 0.0) - proba[i * 2 + 1];

			t[i] = d * d;
			continue;
		}
		for (j = 0; j < k; j++) {
			double d = proba[i * k + j] - (y[i] == j ? 1.0 : 0.0);

			row[j] = d * d;
		}
		t[i] = metrics_sum(row, k) + (y[i] >= k ? 1.0 : 0.0);
	}
	r = mean(t, n);
	free(t), free(row);
	return r;
}

double metrics_ece(const size_t *y, const size_t *pred, const double *proba,
		   size_t n, size_t k)
{
	double *conf = malloc((n + 1) * sizeof(*conf)), *hit = malloc((n + 1) * sizeof(*hit));
	unsigned char *bin = malloc(n + 1);
	size_t cnt[METRICS_ECE_BINS] = { 0 }, at[METRICS_ECE_BINS], b, i, off = 0;
	double ece = 0.0;

	if (!conf || !hit || !bin) {
		free(conf), free(hit), free(bin);
		return NAN;
	}
	for (i = 0; i < n; i++) {
		double f = floor(proba[i * k + pred[i]] * METRICS_ECE_BINS);

		bin[i] = (unsigned char)(f >= METRICS_ECE_BINS - 1 ? METRICS_ECE_BINS - 1 :
					 f <= 0 ? 0 : (size_t)f);
		cnt[bin[i]]++;
	}
	for (b = 0; b < METRICS_ECE_BINS; b++) {
		at[b] = off;
		off += cnt[b];
	}
	/* each bin's rows together, in row order (the sums stay numpy's) */
	for (i = 0; i < n; i++) {
		size_t j = at[bin[i]]++;

		conf[j] = proba[i * k + pred[i]];
		hit[j] = y[i] == pred[i] ? 1.0 : 0.0;
	}
	for (b = 0, off = 0; b < METRICS_ECE_BINS; off += cnt[b], b++) {
		size_t nb = cnt[b];

		if (!nb)
			continue;
		ece += ((double)nb / (double)n) *
		       fabs(metrics_sum(hit + off, nb) / (double)nb -
			    metrics_sum(conf + off, nb) / (double)nb);
	}
	free(conf), free(hit), free(bin);
	return ece;
}

/* ---- regression extras ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int regression_extra(const double *y, const double *p, size_t n,
			    struct reg_metrics *m)
{
	double *a = malloc((n + 1) * sizeof(*a)), *d = malloc((n + 1) * sizeof(*d));
	double dbar, ybar, num, den;
	size_t i;

	if (!a || !d) {
		free(a), free(d);
		return -1;
	}
	for (i = 0; i < n; i++)
		a[i] = fabs(p[i] - y[i]) / fmax(fabs(y[i]), DBL_EPSILON);
	m->mape = mean(a, n);
	m->max_error = 0;
	for (i = 0; i < n; i++) {
		a[i] = fabs(y[i] - p[i]);
		if (a[i] > m->max_error)
			m->max_error = a[i];
	}
	qsort(a, n, sizeof(*a), cmp_double);
	m->median_absolute_error = n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2.0;
	/* explained variance: numerator var(y - p), denominator var(y) */
	for (i = 0; i < n; i++)
		d[i] = y[i] - p[i];
	dbar = mean(d, n);
	for (i = 0; i < n; i++) {
		double e = d[i] - dbar;

		a[i] = e * e;
	}
	num = mean(a, n);
	ybar = mean(y, n);
	for (i = 0; i < n; i++) {
		double e = y[i] - ybar;

		a[i] = e * e;
	}
	den = mean(a, n);
	m->explained_variance = num == 0 ? 1.0 : den == 0 ? 0.0 : 1 - num / den;
	free(a), free(d);
	return 0;
}

/* ---- curves ---- */

void metrics_curve_free(struct metrics_curve *c)
{
	free(c->x), free(c->y), free(c->thr), free(c->n);
	memset(c, 0, sizeof(*c));
}

/* sklearn's _binary_clf_curve: per distinct score, high to low, the
 * cumulated true and false positives. tps, fps, thr get *m entries. */
static int binary_clf_curve(const unsigned char *positive, const double *score,
			    size_t n, double **tps, double **fps, double **thr,
			    size_t *m)
{
	struct scored *v = malloc((n + 1) * sizeof(*v));
	size_t i, k = 0, tp = 0, fp = 0;

	*tps = malloc((n + 1) * sizeof(**tps));
	*fps = malloc((n + 1) * sizeof(**fps));
	*thr = malloc((n + 1) * sizeof(**thr));
	if (!v || !*tps || !*fps || !*thr) {
		free(v);
		return -1;
	}
	for (i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].pos = positive[i] != 0;
	}
	qsort(v, n, sizeof(*v), by_score_desc);
	for (i = 0; i < n; i++) {
		if (v[i].pos)
			tp++;
		else
			fp++;
		if (i + 1 == n || v[i + 1].s != v[i].s) {
			(*tps)[k] = (double)tp;
			(*fps)[k] = (double)fp;
			(*thr)[k++] = v[i].s;
		}
	}
	free(v);
	*m = k;
	return 0;
}

static int curve_alloc(struct metrics_curve *c, size_t m, int thr, int counts)
{
	memset(c, 0, sizeof(*c));
	c->x = malloc((m + 1) * sizeof(*c->x));
	c->y = malloc((m + 1) * sizeof(*c->y));
	c->thr = thr ? malloc((m + 1) * sizeof(*c->thr)) : NULL;
	c->n = counts ? malloc((m + 1) * sizeof(*c->n)) : NULL;
	if (!c->x || !c->y || (thr && !c->thr) || (counts && !c->n)) {
		metrics_curve_free(c);
		return -1;
	}
	return 0;
}

int metrics_roc_curve(const unsigned char *positive, const double *score,
		      size_t n, struct metrics_curve *c, struct mlci_err *err)
{
	double *tps = NULL, *fps = NULL, *thr = NULL;
	size_t m = 0, i, k = 0, npos = 0;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++)
		npos += positive[i] != 0;
	if (!npos || npos == n)
		return 1;
	if (binary_clf_curve(positive, score, n, &tps, &fps, &thr, &m) < 0 ||
	    curve_alloc(c, m + 1, 1, 0) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	c->x[0] = c->y[0] = 0;
	c->thr[0] = thr[0] + 1;
	k = 1;
	for (i = 0; i < m; i++) {
		/* drop_intermediate: keep the ends and the points where the
		 * curve turns (a nonzero second difference) */
		if (m > 2 && i > 0 && i + 1 < m &&
		    fps[i + 1] - 2 * fps[i] + fps[i - 1] == 0 &&
		    tps[i + 1] - 2 * tps[i] + tps[i - 1] == 0)
			continue;
		c->x[k] = fps[i];
		c->y[k] = tps[i];
		c->thr[k++] = thr[i];
	}
	c->m = k;
	for (i = 0; i < k; i++) {
		c->x[i] /= fps[m - 1];
		c->y[i] /= tps[m - 1];
	}
	rc = 0;
out:
	free(tps), free(fps), free(thr);
	return rc;
}

int metrics_pr_curve(const unsigned char *positive, const double *score,
		     size_t n, struct metrics_curve *c, struct mlci_err *err)
{
	double *tps = NULL, *fps = NULL, *thr = NULL;
	size_t m = 0, i, npos = 0;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++)
		npos += positive[i] != 0;
	if (!npos)
		return 1;
	if (binary_clf_curve(positive, score, n, &tps, &fps, &thr, &m) < 0 ||
	    curve_alloc(c, m + 1, 1, 0) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	/* reversed, so that recall decreases; then the point (0, 1) */
	for (i = 0; i < m; i++) {
		size_t j = m - 1 - i;

		c->y[i] = tps[j] / (tps[j] + fps[j]);
		c->x[i] = tps[j] / tps[m - 1];
		c->thr[i] = thr[j];
	}
	c->x[m] = 0;
	c->y[m] = 1;
	c->m = m + 1;
	rc = 0;
out:
	free(tps), free(fps), free(thr);
	return rc;
}

int metrics_calibration_curve(const unsigned char *positive,
			      const double *prob, size_t n, size_t bins,
			      struct metrics_curve *c, struct mlci_err *err)
{
	double *sum = calloc(bins + 1, sizeof(*sum)), *tru = calloc(bins + 1, sizeof(*tru));
	size_t *cnt = calloc(bins + 1, sizeof(*cnt)), i, b, k = 0;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (!sum || !tru || !cnt || curve_alloc(c, bins, 0, 1) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* the inner edges below p, as np.linspace(0, 1, bins + 1) has them */
		for (b = 0; b + 1 < bins && (double)(b + 1) * (1.0 / (double)bins) < prob[i]; b++)
			;
		sum[b] += prob[i];
		tru[b] += positive[i] != 0;
		cnt[b]++;
	}
	for (b = 0; b < bins; b++) {
		if (!cnt[b])
			continue;
		c->x[k] = sum[b] / (double)cnt[b];
		c->y[k] = tru[b] / (double)cnt[b];
		c->n[k++] = cnt[b];
	}
	c->m = k;
	rc = 0;
out:
	free(sum), free(tru), free(cnt);
	return rc;
}
