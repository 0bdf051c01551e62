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
