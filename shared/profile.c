#include "profile.h"

#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

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

/* At most max characters of s (UTF-8), escaped, with an ellipsis when cut. */
static int esc_short(struct buf *b, const char *s, size_t max)
{
	size_t i = 0, chars = 0;
	struct buf cut;
	int rc;

	while (s[i] && chars < max) {
		size_t n = utf8_decode((const unsigned char *)s + i, NULL);

		i += n ? n : 1;
		chars++;
	}
	if (!s[i])
		return esc(b, s);
	buf_init(&cut);
	rc = buf_add(&cut, s, i) || esc(b, cut.data) || buf_addstr(b, "\xE2\x80\xA6");
	buf_release(&cut);
	return rc ? -1 : 0;
}

static int num(struct buf *b, const json_t *v)
{
	char s[40];

	if (json_is_integer(v))
		return buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (!json_is_number(v))
		return buf_addstr(b, "&ndash;");
	snprintf(s, sizeof(s), "%.6g", json_number_value(v));
	return buf_addstr(b, s);
}

static const char STYLE[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fafafa}"
	"h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.5em 0 .5em}"
	".verdict{display:inline-block;padding:.1em .6em;border-radius:.3em;color:#fff}"
	".pass{background:#2e7d32}.fail{background:#c62828}"
	"table{border-collapse:collapse}td,th{padding:.2em .6em;text-align:left;vertical-align:top}"
	"tr.error td{background:#fdecea}tr.warning td{background:#fff8e1}tr.info td{background:#eef4fb}"
	".cards{display:flex;flex-wrap:wrap;gap:1em}"
	".card{background:#fff;border:1px solid #ddd;border-radius:.4em;padding:.8em;width:22em}"
	".card.error{border-color:#c62828}.card.warning{border-color:#f9a825}"
	".card h3{margin:0 0 .4em;font-size:1em;word-break:break-all}"
	".stats td{padding:0 .5em 0 0}.muted{color:#777}svg{display:block;margin-top:.5em}";

/* The worst severity of the anomalies about column name: 0 none,
 * 1 info, 2 warning, 3 error. */
static int worst(const json_t *anomalies, const char *name)
{
	json_t *a;
	size_t i;
	int w = 0;

	json_array_foreach(anomalies, i, a) {
		const char *sev = str(a, "severity");
		int s = !strcmp(sev, "error") ? 3 : !strcmp(sev, "warning") ? 2 : 1;

		if (!strcmp(str(a, "column"), name) && s > w)
			w = s;
	}
	return w;
}

static int histogram_svg(struct buf *b, const json_t *h)
{
	json_t *edges = json_object_get(h, "edges"), *counts = json_object_get(h, "counts");
	size_t n = json_array_size(counts), i;
	double maxc = 0, w = 300, ht = 90, bw;
	int rc = 0;

	if (!n || json_array_size(edges) != n + 1)
		return 0;
	for (i = 0; i < n; i++)
		if (json_number_value(json_array_get(counts, i)) > maxc)
			maxc = json_number_value(json_array_get(counts, i));
	if (maxc <= 0)
		return 0;
	bw = w / (double)n;
	rc |= buf_printf(b, "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"histogram\">",
			 w, ht + 16);
	for (i = 0; i < n; i++) {
		double c = json_number_value(json_array_get(counts, i));
		double bh = ht * c / maxc;

		rc |= buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#5c85d6\">"
				 "<title>", bw * (double)i + 0.5, ht - bh, bw - 1, bh);
		rc |= num(b, json_array_get(edges, i));
		rc |= buf_addstr(b, " &ndash; ");
		rc |= num(b, json_array_get(edges, i + 1));
		rc |= buf_printf(b, ": %.0f</title></rect>", c);
	}
	rc |= buf_printf(b, "<text x=\"0\" y=\"%.0f\" font-size=\"10\">", ht + 12);
	rc |= num(b, json_array_get(edges, 0));
	rc |= buf_printf(b, "</text><text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"end\">",
			 w, ht + 12);
	rc |= num(b, json_array_get(edges, n));
	rc |= buf_addstr(b, "</text></svg>");
	return rc ? -1 : 0;
}

static int bars_svg(struct buf *b, const json_t *top)
{
	size_t n = json_array_size(top), i;
	double maxc = 0, row = 16;
	json_t *t;
	int rc = 0;

	if (!n)
		return 0;
	json_array_foreach(top, i, t)
		if (json_number_value(json_object_get(t, "count")) > maxc)
			maxc = json_number_value(json_object_get(t, "count"));
	if (maxc <= 0)
		return 0;
	rc |= buf_printf(b, "<svg width=\"300\" height=\"%.0f\" role=\"img\" aria-label=\"top values\">",
			 row * (double)n);
	json_array_foreach(top, i, t) {
		double c = json_number_value(json_object_get(t, "count"));

		rc |= buf_printf(b, "<rect x=\"120\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"#7cb342\"/>"
				 "<text x=\"116\" y=\"%.0f\" font-size=\"11\" text-anchor=\"end\">",
				 row * (double)i + 2, 150 * c / maxc, row - 4, row * (double)i + 12);
		rc |= esc_short(b, str(t, "value"), 18);
		rc |= buf_addstr(b, "<title>");
		rc |= esc(b, str(t, "value"));
		rc |= buf_printf(b, "</title></text><text x=\"%.1f\" y=\"%.0f\" font-size=\"10\">%.0f</text>",
				 124 + 150 * c / maxc, row * (double)i + 12, c);
	}
	rc |= buf_addstr(b, "</svg>");
	return rc ? -1 : 0;
}

static int stat_row(struct buf *b, const char *label, const json_t *v)
{
	int rc;

	if (!v)
		return 0;
	rc = buf_printf(b, "<tr><td class=\"muted\">%s</td><td>", label);
	rc |= json_is_string(v) ? esc(b, json_string_value(v)) : num(b, v);
	rc |= buf_addstr(b, "</td></tr>");
	return rc ? -1 : 0;
}

/* The "drift" entry of the column called name, or NULL. */
static const json_t *drift_of(const json_t *report, const char *name)
{
	json_t *cols = json_object_get(json_object_get(report, "drift"), "columns"), *d;
	size_t i;

	json_array_foreach(cols, i, d)
		if (!strcmp(str(d, "name"), name))
			return d;
	return NULL;
}

/* A column card's drift lines: the verdict with its reason, then the
 * test's figures. */
static int drift_rows(struct buf *b, const json_t *d)
{
	static const char *const keys[] = { "statistic", "p_value", "q_value",
		"wasserstein_norm", "js", "psi", NULL };
	size_t k;
	int rc = 0;

	if (!json_is_object(d))
		return 0;
	rc |= buf_printf(b, "<tr class=\"%s\"><td class=\"muted\">drift</td><td>",
			 json_is_true(json_object_get(d, "drifted")) ? "warning" : "");
	rc |= buf_addstr(b, !json_is_true(json_object_get(d, "compared")) ? "not compared" :
			 json_is_true(json_object_get(d, "drifted")) ? "<strong>drifted</strong>" :
			 "no drift");
	rc |= buf_addstr(b, " <span class=\"muted\">");
	rc |= esc_short(b, str(d, "why"), 120);
	rc |= buf_addstr(b, "</span></td></tr>");
	for (k = 0; keys[k]; k++) {
		json_t *v = json_object_get(d, keys[k]);
		char label[64];

		if (!json_is_number(v))
			continue;
		snprintf(label, sizeof(label), "%s%s", !strcmp(keys[k], "statistic") ?
			 str(d, "test") : "", !strcmp(keys[k], "statistic") ? " statistic" :
			 keys[k]);
		rc |= stat_row(b, label, v);
	}
	return rc ? -1 : 0;
}

/* The "drift" object: the share against the reference, and each column's
 * verdict, drifted first. */
static int drift_section(struct buf *b, const json_t *d)
{
	json_t *cols = json_object_get(d, "columns"), *c;
	const char *ref = str(json_object_get(d, "reference"), "path");
	size_t i;
	int rc = 0, pass;

	if (!json_is_object(d))
		return 0;
	rc |= buf_addstr(b, "<h2 id=\"drift\">Drift against ");
	rc |= esc(b, ref);
	rc |= buf_printf(b, "</h2><p>%" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
			 " compared columns drifted (%.0f%%)%s</p>\n",
			 json_integer_value(json_object_get(d, "drifted")),
			 json_integer_value(json_object_get(d, "compared")),
			 100 * json_number_value(json_object_get(d, "share")),
			 json_is_true(json_object_get(d, "dataset_drift")) ?
			 ": <span class=\"verdict fail\">dataset drift</span>" : "");
	rc |= buf_addstr(b, "<table><tr><th>column</th><th>test</th><th>p / q</th>"
			 "<th>effect</th><th>PSI</th><th>verdict</th></tr>\n");
	for (pass = 1; pass >= 0; pass--)
		json_array_foreach(cols, i, c) {
			int drifted = json_is_true(json_object_get(c, "drifted"));

			if (drifted != pass)
				continue;
			rc |= buf_printf(b, "<tr class=\"%s\"><td><a href=\"#col-",
					 drifted ? "warning" : "");
			rc |= esc(b, str(c, "name"));
			rc |= buf_addstr(b, "\">");
			rc |= esc(b, str(c, "name"));
			rc |= buf_addstr(b, "</a></td><td>");
			rc |= esc(b, str(c, "test"));
			rc |= buf_addstr(b, "</td><td>");
			if (json_is_number(json_object_get(c, "p_value"))) {
				rc |= num(b, json_object_get(c, "p_value"));
				rc |= buf_addstr(b, " / ");
				rc |= num(b, json_object_get(c, "q_value"));
			}
			rc |= buf_addstr(b, "</td><td>");
			if (json_is_number(json_object_get(c, "effect"))) {
				rc |= num(b, json_object_get(c, "effect"));
				rc |= buf_addstr(b, " <span class=\"muted\">");
				rc |= esc(b, str(c, "effect_measure"));
				rc |= buf_addstr(b, "</span>");
			}
			rc |= buf_addstr(b, "</td><td>");
			if (json_is_number(json_object_get(c, "psi")))
				rc |= num(b, json_object_get(c, "psi"));
			rc |= buf_addstr(b, "</td><td>");
			rc |= buf_addstr(b, !json_is_true(json_object_get(c, "compared")) ?
					 "not compared" : drifted ? "drifted" : "ok");
			rc |= buf_addstr(b, "</td></tr>\n");
		}
	rc |= buf_addstr(b, "</table>\n");
	return rc ? -1 : 0;
}

/* A column's personal-data tally: the flagged types with their shares,
 * or the types seen below the threshold. */
static int pii_row(struct buf *b, const json_t *pii, int masked)
{
	json_t *flagged = json_object_get(pii, "flagged"), *share = json_object_get(pii, "share");
	const char *k;
	json_t *v;
	int rc = 0, n = 0;

	if (!json_is_object(pii))
		return 0;
	rc |= buf_addstr(b, "<tr><td class=\"muted\">personal data</td><td>");
	json_object_foreach(share, k, v) {
		size_t i;
		int is_flagged = 0;
		json_t *f;

		json_array_foreach(flagged, i, f)
			is_flagged |= json_is_string(f) && !strcmp(json_string_value(f), k);
		rc |= buf_addstr(b, n++ ? ", " : "");
		rc |= buf_addstr(b, is_flagged ? "<strong>" : "");
		rc |= esc(b, k);
		rc |= buf_printf(b, " %.3g%%", 100 * json_number_value(v));
		rc |= buf_addstr(b, is_flagged ? "</strong>" : "");
	}
	if (masked)
		rc |= buf_addstr(b, " <span class=\"muted\">(values masked)</span>");
	rc |= buf_addstr(b, "</td></tr>");
	return rc ? -1 : 0;
}

static int column_card(struct buf *b, const json_t *c, const json_t *report)
{
	static const char *cls[] = { "", "", " warning", " error" };
	const char *name = str(c, "name");
	const json_t *drift = drift_of(report, name);
	int rc = 0, w = worst(json_object_get(report, "anomalies"), name);

	rc |= buf_printf(b, "<div class=\"card%s\" id=\"col-", cls[w]);
	rc |= esc(b, name);
	rc |= buf_addstr(b, "\"><h3>");
	rc |= esc(b, name);
	rc |= buf_addstr(b, " <span class=\"muted\">");
	rc |= esc(b, str(c, "type"));
	rc |= buf_addstr(b, "</span></h3><table class=\"stats\">");
	rc |= stat_row(b, "count", json_object_get(c, "count"));
	rc |= stat_row(b, "missing", json_object_get(c, "missing"));
	rc |= stat_row(b, "distinct", json_object_get(c, "distinct"));
	rc |= stat_row(b, "mean", json_object_get(c, "mean"));
	rc |= stat_row(b, "std", json_object_get(c, "std"));
	rc |= stat_row(b, "min", json_object_get(c, "min"));
	rc |= stat_row(b, "max", json_object_get(c, "max"));
	rc |= pii_row(b, json_object_get(c, "pii"), json_is_true(json_object_get(c, "masked")));
	rc |= drift_rows(b, drift);
	rc |= buf_addstr(b, "</table>");
	if (json_object_get(c, "histogram"))
		rc |= histogram_svg(b, json_object_get(c, "histogram"));
	else
		rc |= bars_svg(b, json_object_get(c, "top"));
	rc |= buf_addstr(b, "</div>\n");
	return rc ? -1 : 0;
}

static int overlap_row(struct buf *b, const char *what, const json_t *o)
{
	json_t *ex = json_object_get(o, "examples"), *e;
	size_t i;
	int rc = 0;

	if (!json_is_object(o))
		return 0;
	rc |= buf_printf(b, "<tr><td>%s</td><td>", what);
	rc |= buf_addstr(b, json_is_true(json_object_get(o, "exact")) ? "" : "about ");
	rc |= num(b, json_object_get(o, "data_rows"));
	rc |= buf_addstr(b, "</td><td>");
	rc |= num(b, json_object_get(o, "distinct"));
	rc |= buf_addstr(b, "</td><td>");
	rc |= num(b, json_object_get(o, "against_rows"));
	rc |= buf_addstr(b, "</td><td>");
	json_array_foreach(ex, i, e) {
		rc |= buf_addstr(b, i ? ", " : "");
		rc |= num(b, json_object_get(e, "data_line"));
		rc |= buf_addstr(b, " &harr; ");
		rc |= num(b, json_object_get(e, "against_line"));
	}
	rc |= buf_addstr(b, "</td></tr>\n");
	return rc ? -1 : 0;
}

/* The "leakage" object: what the data shares with the other split. */
static int leakage_section(struct buf *b, const json_t *l)
{
	json_t *ids = json_object_get(l, "id_columns"), *pp = json_object_get(l, "perfect_predictors"), *e;
	size_t i;
	int rc = 0;

	if (!json_is_object(l))
		return 0;
	rc |= buf_addstr(b, "<h2 id=\"leakage\">Leakage against ");
	rc |= esc(b, str(l, "against"));
	rc |= buf_addstr(b, " (");
	rc |= num(b, json_object_get(l, "against_rows"));
	rc |= buf_addstr(b, " rows)</h2>\n<table><tr><th>shared</th><th>rows of the data</th>"
			 "<th>distinct</th><th>rows of the other</th><th>lines (data &harr; other)</th></tr>\n");
	rc |= overlap_row(b, "whole rows", json_object_get(l, "rows"));
	rc |= overlap_row(b, "features (not the label)", json_object_get(l, "feature_rows"));
	rc |= buf_addstr(b, "</table>\n<p>identifier columns: ");
	if (!json_array_size(ids))
		rc |= buf_addstr(b, "<span class=\"muted\">none</span>");
	json_array_foreach(ids, i, e) {
		rc |= buf_addstr(b, i ? "; " : "");
		rc |= esc(b, str(e, "column"));
		if (json_is_integer(json_object_get(e, "shared_values"))) {
			rc |= buf_addstr(b, " (");
			rc |= num(b, json_object_get(e, "shared_values"));
			rc |= buf_addstr(b, " values also in the other)");
		}
	}
	if (json_is_array(pp)) {
		rc |= buf_addstr(b, "<br>perfect predictors of the label: ");
		if (!json_array_size(pp))
			rc |= buf_addstr(b, "<span class=\"muted\">none</span>");
		json_array_foreach(pp, i, e) {
			rc |= buf_addstr(b, i ? "; " : "");
			rc |= esc(b, str(e, "column"));
		}
	}
	rc |= buf_addstr(b, "</p>\n");
	return rc ? -1 : 0;
}

int profile_html(struct buf *b, const json_t *report)
{
	json_t *anomalies = json_object_get(report, "anomalies"), *cols, *a, *c;
	json_t *inputs = json_object_get(report, "inputs"), *in;
	const char *path = "data", *verdict = str(report, "verdict");
	static const char *order[] = { "error", "warning", "info" };
	size_t i, k;
	int rc = 0;

	json_array_foreach(inputs, i, in)
		if (!strcmp(str(in, "role"), "data"))
			path = str(in, "path");
	cols = json_object_get(report, "columns");
	rc |= buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			 "<meta name=\"viewport\" content=\"width=device-width\"><title>mlci data profile: ");
	rc |= esc(b, path);
	rc |= buf_printf(b, "</title><style>%s</style></head><body>\n<h1>", STYLE);
	rc |= esc(b, path);
	rc |= buf_printf(b, "</h1><p>%" JSON_INTEGER_FORMAT " rows, %zu columns, %"
			 JSON_INTEGER_FORMAT " duplicate rows &middot; <span class=\"verdict %s\">%s</span></p>\n",
			 json_integer_value(json_object_get(report, "rows")), json_array_size(cols),
			 json_integer_value(json_object_get(report, "duplicate_rows")),
			 strcmp(verdict, "pass") ? "fail" : "pass", strcmp(verdict, "pass") ? "fail" : "pass");
	rc |= buf_printf(b, "<h2>Anomalies (%zu)</h2>\n", json_array_size(anomalies));
	if (json_array_size(anomalies)) {
		rc |= buf_addstr(b, "<table><tr><th>severity</th><th>check</th><th>column</th><th>message</th></tr>\n");
		for (k = 0; k < 3; k++)
			json_array_foreach(anomalies, i, a) {
				if (strcmp(str(a, "severity"), order[k]))
					continue;
				rc |= buf_printf(b, "<tr class=\"%s\"><td>%s</td><td>", order[k], order[k]);
				rc |= esc(b, str(a, "code"));
				rc |= buf_addstr(b, "</td><td>");
				rc |= esc(b, str(a, "column"));
				rc |= buf_addstr(b, "</td><td>");
				rc |= esc(b, str(a, "message"));
				rc |= buf_addstr(b, "</td></tr>\n");
			}
		rc |= buf_addstr(b, "</table>\n");
	} else {
		rc |= buf_addstr(b, "<p class=\"muted\">none</p>\n");
	}
	rc |= drift_section(b, json_object_get(report, "drift"));
	rc |= leakage_section(b, json_object_get(report, "leakage"));
	rc |= buf_addstr(b, "<h2>Columns</h2>\n<div class=\"cards\">\n");
	json_array_foreach(cols, i, c)
		rc |= column_card(b, c, report);
	rc |= buf_addstr(b, "</div>\n</body></html>\n");
	return rc ? -1 : 0;
}
