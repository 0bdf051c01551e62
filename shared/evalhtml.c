/*
 * evalhtml.c - the HTML evaluation report (see evalhtml.h).
 */
#include "evalhtml.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define PLOT_W 380
#define PLOT_H 320
#define M_L 48		/* margins around the plot area */
#define M_R 12
#define M_T 12
#define M_B 40
#define HIST_BINS 30

static const char STYLE[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}"
	"h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}"
	"table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
	"th{background:#f3f3f3}td.l,th.l{text-align:left}.muted{color:#777}"
	".figs{display:flex;flex-wrap:wrap;gap:16px}.fig{display:inline-block;border:1px solid #ddd;padding:6px}"
	".fig h3{font-size:14px;margin:2px 0 4px}.scroll{overflow-x:auto}"
	"tr.small td{color:#999}svg text{font:11px system-ui,sans-serif}";

static const char *const PALETTE[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

static int esc(struct buf *b, const char *s)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		switch (*s) {
		case '&': rc = buf_addstr(b, "&amp;"); break;
		case '<': rc = buf_addstr(b, "&lt;"); break;
		case '>': rc = buf_addstr(b, "&gt;"); break;
		case '"': rc = buf_addstr(b, "&quot;"); break;
		case '\'': rc = buf_addstr(b, "&#39;"); break;
		default: rc = buf_addch(b, *s);
		}
	}
	return rc;
}

static int num(struct buf *b, const json_t *v)
{
	if (json_is_integer(v))
		return buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (!json_is_number(v))
		return buf_addstr(b, "&ndash;");
	return buf_printf(b, "%.6g", json_number_value(v));
}

/* ---- plots ---- */

struct axes {
	double x0, x1, y0, y1;
};

static double px(const struct axes *a, double x)
{
	return M_L + (x - a->x0) / (a->x1 - a->x0) * (PLOT_W - M_L - M_R);
}

static double py(const struct axes *a, double y)
{
	return PLOT_H - M_B - (y - a->y0) / (a->y1 - a->y0) * (PLOT_H - M_T - M_B);
}

/* The frame, five ticks per axis and the axis titles. */
static int plot_open(struct buf *b, const char *id, const char *title,
		     const struct axes *a, const char *xl, const char *yl)
{
	int rc, i;

	rc = buf_printf(b, "<div class=\"fig\"><h3>%s</h3><svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">"
			"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#999\"/>",
			title, id, PLOT_W, PLOT_H, PLOT_W, PLOT_H, M_L, M_T,
			PLOT_W - M_L - M_R, PLOT_H - M_T - M_B);
	for (i = 0; i <= 5 && !rc; i++) {
		double xv = a->x0 + (a->x1 - a->x0) * i / 5, yv = a->y0 + (a->y1 - a->y0) * i / 5;

		rc = buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g</text>"
				"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>",
				px(a, xv), PLOT_H - M_B + 14, xv, M_L - 4, py(a, yv) + 4, yv);
	}
	return rc || buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>"
				"<text transform=\"translate(12 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>",
				(PLOT_W + M_L - M_R) / 2, PLOT_H - 6, xl, (PLOT_H - M_B + M_T) / 2, yl) ? -1 : 0;
}

static int plot_close(struct buf *b)
{
	return buf_addstr(b, "</svg></div>\n");
}

static int polyline(struct buf *b, const struct axes *a, const double *x,
		    const double *y, size_t m, const char *color, int dots)
{
	size_t i;
	int rc = buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color);

	for (i = 0; i < m && !rc; i++)
		rc = buf_printf(b, "%s%.2f,%.2f", i ? " " : "", px(a, x[i]), py(a, y[i]));
	rc = rc || buf_addstr(b, "\"/>");
	for (i = 0; dots && i < m && !rc; i++)
		rc = buf_printf(b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"%s\"/>",
				px(a, x[i]), py(a, y[i]), color);
	return rc;
}

static int legend(struct buf *b, const char *const *names, size_t k, int right)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < k && i < 12 && !rc; i++) {
		double y = right ? PLOT_H - M_B - 8 - 14.0 * (double)(k < 12 ? k - 1 - i : 11 - i) :
			   M_T + 14 + 14.0 * (double)i;
		double x = right ? PLOT_W - M_R - 110 : M_L + 8;

		rc = buf_printf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\">",
				x, y - 9, PALETTE[i % 10], x + 14, y) ||
		     esc(b, names[i]) || buf_addstr(b, "</text>");
	}
	return rc;
}

static json_t *reals(const double *v, size_t m)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < m; i++)
		if (json_array_append_new(a, json_real(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *ints(const size_t *v, size_t m)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < m; i++)
		if (json_array_append_new(a, json_integer((json_int_t)v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* ROC, precision-recall and calibration curves: one per class (binary:
 * the positive class only). */
static int class_curves(struct buf *b, const struct scored *s, json_t *data,
			struct mlci_err *err)
{
	size_t K = s->K, first = K == 2 ? 1 : 0, c, i, ncur = K - first;
	struct metrics_curve *roc = calloc(K, sizeof(*roc)), *pr = calloc(K, sizeof(*pr)),
			     *cal = calloc(K, sizeof(*cal));
	unsigned char *pos = malloc(s->n + 1);
	double *sc = malloc((s->n + 1) * sizeof(*sc));
	int *has_roc = calloc(K, sizeof(*has_roc)), *has_pr = calloc(K, sizeof(*has_pr));
	json_t *jroc = json_array(), *jpr = json_array(), *jcal = json_array();
	const struct axes unit = { 0, 1, 0, 1 };
	int rc = -1;

	if (!roc || !pr || !cal || !pos || !sc || !has_roc || !has_pr || !jroc || !jpr || !jcal ||
	    json_object_set_new(data, "roc", jroc) || json_object_set_new(data, "pr", jpr) ||
	    json_object_set_new(data, "calibration", jcal)) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	for (c = first; c < K; c++) {
		int r1, r2;

		for (i = 0; i < s->n; i++) {
			pos[i] = s->y_true[i] == c;
			sc[i] = s->proba[i * K + c];
		}
		if ((r1 = metrics_roc_curve(pos, sc, s->n, &roc[c], err)) < 0 ||
		    (r2 = metrics_pr_curve(pos, sc, s->n, &pr[c], err)) < 0 ||
		    metrics_calibration_curve(pos, sc, s->n, 10, &cal[c], err) < 0)
			goto out;
		has_roc[c] = r1 == 0;
		has_pr[c] = r2 == 0;
		if ((has_roc[c] &&
		     json_array_append_new(jroc, json_pack("{s:s, s:o, s:o, s:o}", "class", s->names[c],
							   "fpr", reals(roc[c].x, roc[c].m),
							   "tpr", reals(roc[c].y, roc[c].m),
							   "thresholds", reals(roc[c].thr, roc[c].m)))) ||
		    (has_pr[c] &&
		     json_array_append_new(jpr, json_pack("{s:s, s:o, s:o, s:o}", "class", s->names[c],
							  "recall", reals(pr[c].x, pr[c].m),
							  "precision", reals(pr[c].y, pr[c].m),
							  "thresholds", reals(pr[c].thr, pr[c].m - 1)))) ||
		    json_array_append_new(jcal, json_pack("{s:s, s:o, s:o, s:o}", "class", s->names[c],
							  "prob_pred", reals(cal[c].x, cal[c].m),
							  "prob_true", reals(cal[c].y, cal[c].m),
							  "n", ints(cal[c].n, cal[c].m)))) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto out;
		}
	}
	rc = buf_addstr(b, "<h2>Curves</h2>\n<div class=\"figs\">\n") ||
	     plot_open(b, "col-roc", K == 2 ? "ROC curve" : "ROC curves (one-vs-rest)", &unit,
		       "false positive rate", "true positive rate") ||
	     buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>",
			px(&unit, 0), py(&unit, 0), px(&unit, 1), py(&unit, 1));
	for (c = first; c < K && !rc; c++)
		if (has_roc[c])
			rc = polyline(b, &unit, roc[c].x, roc[c].y, roc[c].m, PALETTE[(c - first) % 10], 0);
	rc = rc || legend(b, s->names + first, ncur, 1) || plot_close(b) ||
	     plot_open(b, "col-pr", K == 2 ? "Precision-recall curve" : "Precision-recall curves (one-vs-rest)",
		       &unit, "recall", "precision");
	for (c = first; c < K && !rc; c++)
		if (has_pr[c])
			rc = polyline(b, &unit, pr[c].x, pr[c].y, pr[c].m, PALETTE[(c - first) % 10], 0);
	rc = rc || legend(b, s->names + first, ncur, 0) || plot_close(b) ||
	     plot_open(b, "col-calibration", "Reliability diagram (10 bins)", &unit,
		       "mean predicted probability", "fraction of positives") ||
	     buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>",
			px(&unit, 0), py(&unit, 0), px(&unit, 1), py(&unit, 1));
	for (c = first; c < K && !rc; c++)
		rc = polyline(b, &unit, cal[c].x, cal[c].y, cal[c].m, PALETTE[(c - first) % 10], 1);
	rc = rc || legend(b, s->names + first, ncur, 0) || plot_close(b) || buf_addstr(b, "</div>\n");
	if (rc)
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	for (c = 0; roc && pr && cal && c < K; c++) {
		metrics_curve_free(&roc[c]);
		metrics_curve_free(&pr[c]);
		metrics_curve_free(&cal[c]);
	}
	free(roc), free(pr), free(cal), free(pos), free(sc), free(has_roc), free(has_pr);
	return rc ? -1 : 0;
}

/* The confusion matrix as a heat map: shade = share of the true row. */
static int confusion(struct buf *b, const json_t *art)
{
	json_t *cm = json_object_get(art, "confusion_matrix");
	json_t *labels = json_object_get(cm, "labels"), *matrix = json_object_get(cm, "matrix");
	size_t k = json_array_size(labels), i, j;
	int cell = k <= 10 ? 48 : (int)(480 / k) < 14 ? 14 : (int)(480 / k), off = 110;
	int w = off + cell * (int)k + 10, h = off + cell * (int)k + 10, rc;

	if (!k)
		return 0;
	rc = buf_printf(b, "<h2>Confusion matrix</h2>\n<div class=\"fig\"><svg id=\"col-confusion\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">"
			"<text x=\"%d\" y=\"14\" text-anchor=\"middle\">predicted</text>"
			"<text transform=\"translate(12 %d) rotate(-90)\" text-anchor=\"middle\">true</text>",
			w, h, w, h, off + cell * (int)k / 2, off + cell * (int)k / 2);
	for (i = 0; i < k && !rc; i++) {
		json_t *row = json_array_get(matrix, i);
		json_int_t tot = 0;

		for (j = 0; j < k; j++)
			tot += json_integer_value(json_array_get(row, j));
		rc = buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", off - 4,
				off + cell * (int)i + cell / 2 + 4) ||
		     esc(b, json_string_value(json_array_get(labels, i))) || buf_addstr(b, "</text>") ||
		     buf_printf(b, "<text transform=\"translate(%d %d) rotate(-45)\">", off + cell * (int)i + cell / 2,
				off - 6) ||
		     esc(b, json_string_value(json_array_get(labels, i))) || buf_addstr(b, "</text>");
		for (j = 0; j < k && !rc; j++) {
			json_int_t v = json_integer_value(json_array_get(row, j));
			double share = tot ? (double)v / (double)tot : 0;

			rc = buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#1f77b4\" fill-opacity=\"%.3f\" stroke=\"#fff\"/>",
					off + cell * (int)j, off + cell * (int)i, cell, cell, 0.08 + 0.92 * share);
			if (!rc && cell >= 24)
				rc = buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%" JSON_INTEGER_FORMAT "</text>",
						off + cell * (int)j + cell / 2, off + cell * (int)i + cell / 2 + 4,
						share > 0.5 ? "#fff" : "#000", v);
		}
	}
	return rc || buf_addstr(b, "</svg></div>\n") ? -1 : 0;
}

/* Predicted against actual, and the residuals' histogram. */
static int regression_plots(struct buf *b, const struct scored *s, json_t *data,
			    struct mlci_err *err)
{
	size_t step = (s->n + EVALHTML_MAX_POINTS - 1) / EVALHTML_MAX_POINTS, i, m = 0;
	size_t cnt[HIST_BINS] = { 0 }, rows[EVALHTML_MAX_POINTS];
	double ax[EVALHTML_MAX_POINTS], ay[EVALHTML_MAX_POINTS], edges[HIST_BINS + 1];
	double lo = INFINITY, hi = -INFINITY, rlo = INFINITY, rhi = -INFINITY, *res;
	struct axes a, h;
	size_t top = 1;
	int rc;

	if (step < 1)
		step = 1;
	res = malloc((s->n + 1) * sizeof(*res));
	if (!res)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < s->n; i++) {
		lo = fmin(lo, fmin(s->y[i], s->p[i]));
		hi = fmax(hi, fmax(s->y[i], s->p[i]));
		res[i] = s->y[i] - s->p[i];
		rlo = fmin(rlo, res[i]);
		rhi = fmax(rhi, res[i]);
		if (i % step == 0 && m < EVALHTML_MAX_POINTS) {
			rows[m] = i;
			ax[m] = s->y[i];
			ay[m++] = s->p[i];
		}
	}
	if (!(hi > lo))
		hi = lo + 1;
	if (!(rhi > rlo))
		rhi = rlo + 1;
	for (i = 0; i <= HIST_BINS; i++)
		edges[i] = rlo + (rhi - rlo) * (double)i / HIST_BINS;
	for (i = 0; i < s->n; i++) {
		size_t k = (size_t)((res[i] - rlo) / (rhi - rlo) * HIST_BINS);

		cnt[k >= HIST_BINS ? HIST_BINS - 1 : k]++;
	}
	free(res);
	for (i = 0; i < HIST_BINS; i++)
		if (cnt[i] > top)
			top = cnt[i];
	if (json_object_set_new(data, "scatter", json_pack("{s:o, s:o, s:o}", "rows", ints(rows, m),
							   "actual", reals(ax, m), "predicted", reals(ay, m))) ||
	    json_object_set_new(data, "residuals", json_pack("{s:o, s:o}", "edges", reals(edges, HIST_BINS + 1),
							     "counts", ints(cnt, HIST_BINS))))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	a.x0 = a.y0 = lo;
	a.x1 = a.y1 = hi;
	rc = buf_addstr(b, "<h2>Predictions</h2>\n<div class=\"figs\">\n") ||
	     plot_open(b, "col-scatter", "Predicted against actual", &a, "actual", "predicted") ||
	     buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>",
			px(&a, lo), py(&a, lo), px(&a, hi), py(&a, hi));
	for (i = 0; i < m && !rc; i++)
		rc = buf_printf(b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2\" fill=\"#1f77b4\" fill-opacity=\"0.5\"/>",
				px(&a, ax[i]), py(&a, ay[i]));
	h.x0 = rlo;
	h.x1 = rhi;
	h.y0 = 0;
	h.y1 = (double)top;
	rc = rc || plot_close(b) ||
	     plot_open(b, "col-residuals", "Residuals (actual - predicted)", &h, "residual", "rows");
	for (i = 0; i < HIST_BINS && !rc; i++)
		rc = buf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#1f77b4\" stroke=\"#fff\"/>",
				px(&h, edges[i]), py(&h, (double)cnt[i]), px(&h, edges[i + 1]) - px(&h, edges[i]),
				py(&h, 0) - py(&h, (double)cnt[i]));
	rc = rc || plot_close(b) || buf_addstr(b, "</div>\n");
	return rc ? err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory") : 0;
}

/* ---- tables ---- */

static int metrics_table(struct buf *b, const json_t *art)
{
	json_t *met = json_object_get(art, "metrics"), *ivs = json_object_get(art, "intervals"), *v;
	json_t *op = json_object_get(art, "operational");
	const char *k;
	int rc;

	rc = buf_printf(b, "<h2>Metrics</h2>\n<table id=\"metrics\"><tr><th class=\"l\">metric</th><th>value</th>%s</tr>\n",
			ivs ? "<th>interval</th>" : "");
	json_object_foreach(met, k, v) {
		json_t *iv = json_object_get(ivs, k);

		rc = rc || buf_addstr(b, "<tr id=\"col-m-") || esc(b, k) || buf_addstr(b, "\"><td class=\"l\">") ||
		     esc(b, k) || buf_addstr(b, "</td><td>") || num(b, v) || buf_addstr(b, "</td>");
		if (ivs) {
			rc = rc || buf_addstr(b, "<td>");
			if (iv)
				rc = rc || buf_addch(b, '[') || num(b, json_object_get(iv, "low")) ||
				     buf_addstr(b, ", ") || num(b, json_object_get(iv, "high")) || buf_addch(b, ']');
			rc = rc || buf_addstr(b, "</td>");
		}
		rc = rc || buf_addstr(b, "</tr>\n");
	}
	rc = rc || buf_addstr(b, "</table>\n");
	if (ivs) {
		json_t *bs = json_object_get(art, "bootstrap");

		rc = rc || buf_printf(b, "<p class=\"muted\">Intervals: percentile bootstrap, %" JSON_INTEGER_FORMAT
				      " resamples, level %g, seed %" JSON_INTEGER_FORMAT ".</p>\n",
				      json_integer_value(json_object_get(bs, "resamples")),
				      json_number_value(json_object_get(bs, "level")),
				      json_integer_value(json_object_get(bs, "seed")));
	}
	if (json_is_object(op)) {
		rc = rc || buf_addstr(b, "<h2>Operational</h2>\n<table id=\"operational\"><tr><th class=\"l\">figure</th><th>value</th></tr>\n");
		json_object_foreach(op, k, v) {
			if (!json_is_number(v))
				continue;
			rc = rc || buf_addstr(b, "<tr id=\"col-op-") || esc(b, k) || buf_addstr(b, "\"><td class=\"l\">") ||
			     esc(b, k) || buf_addstr(b, "</td><td>") || num(b, v) || buf_addstr(b, "</td></tr>\n");
		}
		rc = rc || buf_addstr(b, "</table>\n<p class=\"muted\">") ||
		     esc(b, json_string_value(json_object_get(op, "method")) ? json_string_value(json_object_get(op, "method")) : "") ||
		     buf_addstr(b, "</p>\n");
	}
	return rc;
}

static int slice_table(struct buf *b, const json_t *art)
{
	json_t *list = json_object_get(art, "slices"), *met = json_object_get(art, "metrics"), *sl, *v;
	long long min = json_integer_value(json_object_get(json_object_get(art, "slicing"), "min_size"));
	size_t i;
	const char *k;
	int rc;

	if (!json_is_array(list))
		return 0;
	rc = buf_printf(b, "<h2>Slices</h2>\n<p class=\"muted\">Slices under %lld rows have no metrics; missing values form the slice <i>null</i>.</p>\n"
			"<div class=\"scroll\"><table id=\"slices\"><tr><th class=\"l\">slice</th><th>n</th>", min);
	json_object_foreach(met, k, v)
		rc = rc || buf_addstr(b, "<th>") || esc(b, k) || buf_addstr(b, "</th>");
	rc = rc || buf_addstr(b, "</tr>\n");
	json_array_foreach(list, i, sl) {
		json_t *by = json_object_get(sl, "by"), *sm = json_object_get(sl, "metrics"), *x;
		const char *c;
		int first = 1, small = json_is_true(json_object_get(sl, "small"));

		rc = rc || buf_printf(b, "<tr id=\"col-slice-%zu\"%s><td class=\"l\">", i, small ? " class=\"small\"" : "");
		json_object_foreach(by, c, x) {
			rc = rc || (!first && buf_addstr(b, ", ")) || esc(b, c) || buf_addch(b, '=') ||
			     (json_is_string(x) ? esc(b, json_string_value(x)) : buf_addstr(b, "<i>null</i>"));
			first = 0;
		}
		rc = rc || buf_addstr(b, "</td><td>") || num(b, json_object_get(sl, "n")) || buf_addstr(b, "</td>");
		if (small) {
			rc = rc || buf_printf(b, "<td class=\"l\" colspan=\"%zu\">small: under %lld rows</td>",
					      json_object_size(met), min);
		} else {
			json_object_foreach(met, k, v)
				rc = rc || buf_addstr(b, "<td>") || num(b, json_object_get(sm, k)) || buf_addstr(b, "</td>");
		}
		rc = rc || buf_addstr(b, "</tr>\n");
	}
	return rc || buf_addstr(b, "</table></div>\n") ? -1 : 0;
}

int evalhtml_render(const json_t *art, const struct scored *s,
		    struct buf *b, struct mlci_err *err)
{
	json_t *data = json_object(), *in, *w;
	const char *label = json_string_value(json_object_get(art, "label"));
	const char *task = json_string_value(json_object_get(art, "task"));
	char *text = NULL, *c;
	size_t i;
	int rc;

	if (!data)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	rc = buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mlci-evaluate: ") ||
	     esc(b, label ? label : "") ||
	     buf_printf(b, "</title><style>%s</style></head><body>\n<h1>Evaluation of ", STYLE) ||
	     esc(b, label ? label : "") ||
	     buf_printf(b, "</h1>\n<p>%s, %" JSON_INTEGER_FORMAT " rows scored, %" JSON_INTEGER_FORMAT " skipped",
			task ? task : "", json_integer_value(json_object_get(art, "n_rows")),
			json_integer_value(json_object_get(art, "n_skipped")));
	json_array_foreach(json_object_get(art, "inputs"), i, in) {
		rc = rc || buf_addstr(b, " &middot; ") ||
		     esc(b, json_string_value(json_object_get(in, "role")) ? json_string_value(json_object_get(in, "role")) : "") ||
		     buf_addstr(b, " <code>") ||
		     esc(b, json_string_value(json_object_get(in, "path")) ? json_string_value(json_object_get(in, "path")) : "") ||
		     buf_addstr(b, "</code>");
	}
	rc = rc || buf_addstr(b, "</p>\n") || metrics_table(b, art);
	if (rc)
		goto oom;
	if (s->classifier && s->K >= 2 && s->proba) {
		if (class_curves(b, s, data, err) < 0)
			goto fail;
	} else if (s->classifier) {
		rc = buf_addstr(b, "<p class=\"muted\">No scores: no curves.</p>\n");
	} else if (regression_plots(b, s, data, err) < 0) {
		goto fail;
	}
	rc = rc || (s->classifier && confusion(b, art)) || slice_table(b, art);
	if (json_array_size(json_object_get(art, "warnings"))) {
		rc = rc || buf_addstr(b, "<h2>Warnings</h2>\n<ul>\n");
		json_array_foreach(json_object_get(art, "warnings"), i, w)
			rc = rc || buf_addstr(b, "<li>") || esc(b, json_string_value(w)) || buf_addstr(b, "</li>\n");
		rc = rc || buf_addstr(b, "</ul>\n");
	}
	text = json_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(17) | JSON_SORT_KEYS);
	if (rc || !text)
		goto oom;
	rc = buf_addstr(b, "<script type=\"application/json\" id=\"mlci-curves\">");
	for (c = text; *c && !rc; c++)
		rc = *c == '<' ? buf_addstr(b, "\\u003c") : buf_addch(b, *c);
	rc = rc || buf_addstr(b, "</script>\n</body></html>\n");
	free(text);
	json_decref(data);
	return rc ? err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory") : 0;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
fail:
	free(text);
	json_decref(data);
	return -1;
}
