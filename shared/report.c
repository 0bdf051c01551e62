#include "report.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules.h"

/* ---- shared helpers ---- */

static void fmt_human(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "n/a");
	else
		snprintf(out, n, "%.6g", v == 0 ? 0.0 : v);
}

/* A rule's value and threshold for people: 6 significant digits, more
 * when needed so two different numbers never print the same. */
static void fmt_pair(char *vo, char *to, size_t n, double v, double t)
{
	int prec;

	if (isnan(v) || isnan(t)) {
		fmt_human(vo, n, v);
		fmt_human(to, n, t);
		return;
	}
	for (prec = 6; prec <= 15; prec++) {
		snprintf(vo, n, "%.*g", prec, v == 0 ? 0.0 : v);
		snprintf(to, n, "%.*g", prec, t == 0 ? 0.0 : t);
		if (v == t || strcmp(vo, to))
			return;
	}
	/* distinct doubles have distinct shortest round-trip forms */
	fmt_double(vo, n, v);
	fmt_double(to, n, t);
}

static void fmt_delta(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "n/a");
	else
		snprintf(out, n, "%+.6g", v == 0 ? 0.0 : v);
}

/* utf8_decode, also refusing U+FFFE and U+FFFF, which XML 1.0 does not
 * allow. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp)
{
	size_t n = utf8_decode(s, cp);

	return n && *cp != 0xFFFE && *cp != 0xFFFF ? n : 0;
}

int xml_escape(struct buf *b, const char *s, int attr)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = 0;

	while (*p && rc == 0) {
		unsigned cp;
		size_t n = utf8_seq(p, &cp);

		if (!n) {
			rc = buf_addstr(b, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		switch (cp) {
		case '&': rc = buf_addstr(b, "&amp;"); break;
		case '<': rc = buf_addstr(b, "&lt;"); break;
		case '>': rc = buf_addstr(b, "&gt;"); break;
		case '"': rc = buf_addstr(b, "&quot;"); break;
		case '\'': rc = buf_addstr(b, "&apos;"); break;
		case '\t': rc = buf_addstr(b, attr ? "&#9;" : "\t"); break;
		case '\n': rc = buf_addstr(b, attr ? "&#10;" : "\n"); break;
		case '\r': rc = buf_addstr(b, "&#13;"); break;
		default:
			if (cp < 0x20)
				rc = buf_addstr(b, "\xEF\xBF\xBD");
			else
				rc = buf_add(b, p, n);
		}
		p += n;
	}
	return rc;
}

int om_escape_label(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = 0;

	while (*p && rc == 0) {
		unsigned cp;
		size_t n = utf8_seq(p, &cp);

		if (!n) {
			rc = buf_addch(b, '?');
			p++;
			continue;
		}
		if (cp == '\\')
			rc = buf_addstr(b, "\\\\");
		else if (cp == '"')
			rc = buf_addstr(b, "\\\"");
		else if (cp == '\n')
			rc = buf_addstr(b, "\\n");
		else if (cp == '#')
			rc = buf_addch(b, '_');
		else if (cp < 0x20 || cp == 0x7f)
			rc = buf_addch(b, ' ');
		else
			rc = buf_add(b, p, n);
		p += n;
	}
	return rc;
}

int dotenv_key(char *out, size_t n, const char *name)
{
	size_t i, len = 5 + strlen(name);

	if (len > 255 || len + 1 > n || !*name)
		return -1;
	memcpy(out, "MLCI_", 5);
	for (i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		out[5 + i] = (char)c;
	}
	out[len] = '\0';
	return 0;
}

int dotenv_value_ok(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._:/@+-", *s))
			return 0;
	return 1;
}

/* ---- report ---- */

static char *collapse_blanks(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	int blank = 0;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			blank = o != out;
			continue;
		}
		if (blank)
			*o++ = ' ';
		blank = 0;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/*
 * A string-keyed open-addressing table for report_finish: the names given
 * so far, and for each base name the next " (N)" to try. Searching the
 * earlier rules for each candidate name was cubic in the number of rules:
 * 10^5 copies of one rule never finished.
 */
struct name_slot {
	const char *key;	/* NULL: empty */
	unsigned next;		/* bases: the next N of "BASE (N)" to try */
};

struct name_set {
	struct name_slot *v;
	size_t cap;		/* a power of two */
};

static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037ULL & SIZE_MAX;

	while (*s)
		h = (h ^ (unsigned char)*s++) * (1099511628211ULL & SIZE_MAX);
	return h;
}

static int name_set_init(struct name_set *t, size_t n)
{
	t->cap = 16;
	while (t->cap < 2 * n + 16)
		t->cap *= 2;
	t->v = calloc(t->cap, sizeof(*t->v));
	return t->v ? 0 : -1;
}

/* The slot holding key, or the empty slot where it would go. The table
 * never fills: it holds at most n keys in 2n + 16 slots. */
static struct name_slot *name_slot(struct name_set *t, const char *key)
{
	size_t i = name_hash(key) & (t->cap - 1);

	while (t->v[i].key && strcmp(t->v[i].key, key))
		i = (i + 1) & (t->cap - 1);
	return &t->v[i];
}

const char *report_status_str(int status)
{
	return status == REPORT_PASS ? "pass" : status == REPORT_FAIL ? "fail" :
	       "inconclusive";
}

int report_finish(struct report *r)
{
	struct name_set used, bases;
	char **owned;		/* the bases' keys, freed at the end */
	size_t i, nowned = 0;
	int rc = -1;

	r->npassed = r->nfailed = r->ninconclusive = 0;
	owned = calloc(r->nrules + 1, sizeof(*owned));
	if (!owned)
		return -1;
	bases.v = NULL;
	if (name_set_init(&used, r->nrules) < 0 ||
	    name_set_init(&bases, r->nrules) < 0)
		goto done;
	for (i = 0; i < r->nrules; i++) {
		struct report_rule *rr = &r->rules[i];
		char *base = collapse_blanks(rr->rule);
		struct name_slot *slot, *b = NULL;
		struct buf nb;

		if (!base)
			goto done;
		buf_init(&nb);
		if (buf_addstr(&nb, base) < 0) {
			free(base);
			goto done;
		}
		while ((slot = name_slot(&used, nb.data))->key) {
			/* taken: try "BASE (N)", N from where the last rule
			 * with this base stopped (names are never freed, so
			 * the ones before it are still taken) */
			if (!b) {
				b = name_slot(&bases, base);
				if (!b->key) {
					b->key = owned[nowned++] = base;
					b->next = 2;
					base = NULL;
				}
			}
			buf_reset(&nb);
			if (buf_printf(&nb, "%s (%u)", b->key, b->next++) < 0) {
				buf_release(&nb);
				free(base);
				goto done;
			}
		}
		free(base);
		free(rr->name);
		rr->name = buf_detach(&nb, NULL);
		if (!rr->name)
			goto done;
		slot->key = rr->name;
		rr->pass = rr->status == REPORT_PASS;
		if (rr->status == REPORT_PASS)
			r->npassed++;
		else if (rr->status == REPORT_FAIL)
			r->nfailed++;
		else
			r->ninconclusive++;
	}
	r->status = r->nfailed ? REPORT_FAIL : r->ninconclusive ? REPORT_INCONCLUSIVE :
		    REPORT_PASS;
	r->decision = r->status == REPORT_INCONCLUSIVE ? r->inconclusive_as : r->status;
	r->pass = r->decision == REPORT_PASS;
	rc = 0;
done:
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(used.v);
	free(bases.v);
	return rc;
}

void report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nrules; i++) {
		free(r->rules[i].rule);
		free(r->rules[i].name);
		free(r->rules[i].source);
		free(r->rules[i].metric);
		free(r->rules[i].reason);
		free(r->rules[i].note);
	}
	free(r->rules);
	for (i = 0; i < r->nmetrics; i++)
		free(r->metrics[i].name);
	free(r->metrics);
	free(r->metrics_path);
	free(r->metrics_sha);
	free(r->baseline_path);
	free(r->history_ref);
	memset(r, 0, sizeof(*r));
}

/* ---- JUnit ---- */

static int xml_attr(struct buf *b, const char *name, const char *value)
{
	return buf_printf(b, " %s=\"", name) || xml_escape(b, value, 1) ||
	       buf_addch(b, '"');
}

static int xml_prop(struct buf *b, const char *name, const char *value)
{
	return buf_addstr(b, "      <property") || xml_attr(b, "name", name) ||
	       xml_attr(b, "value", value) || buf_addstr(b, "/>\n");
}

/* A paired rule's evidence: "difference -0.004 [-0.051, +0.043] (90%),
 * margin -0.01, p = 0.29 (Holm 0.29), MDE 0.07 at n = 240, mcnemar-exact" */
static int paired_evidence(struct buf *b, const struct report_rule *rr)
{
	const struct report_paired *pt = &rr->pt;
	char d[40], lo[40], hi[40], m[40];

	fmt_delta(m, sizeof(m), pt->margin);
	if (pt->note)
		return buf_printf(b, "no test: %s (margin %s)", pt->note, m);
	fmt_delta(d, sizeof(d), pt->diff);
	fmt_delta(lo, sizeof(lo), pt->low);
	fmt_delta(hi, sizeof(hi), pt->high);
	return buf_printf(b, "difference %s [%s, %s] (%.4g%%), margin %s, p = %.3g (Holm %.3g), MDE %.3g at n = %zu, %s",
			  d, lo, hi, 100 * pt->level, m, pt->p_value, pt->p_adjusted,
			  pt->mde, pt->n, pt->method);
}

/* "accuracy is 0.8, expected >= 0.85"; a paired rule adds its evidence
 * and verdict */
static int rule_message(struct buf *b, const struct report_rule *rr)
{
	char v[40], t[40];

	if (rr->note && !rr->paired)
		return buf_printf(b, "%s: %s; %s", report_status_str(rr->status), rr->metric,
				  rr->note);
	fmt_pair(v, t, sizeof(v), rr->value, rr->threshold);
	if (rr->reason)
		return buf_printf(b, "%s: %s", report_status_str(rr->status), rr->reason);
	if (!rr->paired)
		return buf_printf(b, "%s is %s, expected %s %s", rr->metric, v, rr->op, t);
	return buf_printf(b, "%s: %s; ", report_status_str(rr->status), rr->metric) ||
	       paired_evidence(b, rr) ? -1 : 0;
}

static int rule_explain(struct buf *b, const struct report_rule *rr)
{
	char num[40], v[40], t[40];
	int rc;

	rc = rule_message(b, rr) ||
	     buf_printf(b, "\nrule:      %s (%s)\nmetric:    %s\n", rr->rule,
			rr->source ? rr->source : "", rr->metric);
	if (rr->note && !rr->paired)
		return rc || buf_printf(b, "verdict:   %s\nreason:    %s\n",
					report_status_str(rr->status), rr->note) ? -1 : 0;
	fmt_pair(v, t, sizeof(v), rr->value, rr->threshold);
	rc = rc || buf_printf(b, "value:     %s\nthreshold: %s\n", v, t);
	if (rr->has_baseline) {
		fmt_human(num, sizeof(num), rr->baseline);
		rc = rc || buf_printf(b, "baseline:  %s\n", num);
	}
	fmt_delta(num, sizeof(num), rr->delta);
	rc = rc || buf_printf(b, "delta:     %s (value - %s)\n", num,
			      rr->has_baseline ? "baseline" : "threshold");
	if (!rc && rr->paired) {
		const struct report_paired *pt = &rr->pt;

		rc = buf_printf(b, "verdict:   %s\n", report_status_str(rr->status));
		if (!rc && pt->note)
			rc = buf_printf(b, "test:      none (%s)\n", pt->note);
		else if (!rc)
			rc = buf_printf(b, "test:      %s, n = %zu\ndifference: %.6g, interval [%.6g, %.6g] at %.4g%%\n"
					"margin:    %.6g\np-value:   %.6g (Holm-adjusted %.6g; inferiority %.6g)\n"
					"MDE:       %.6g\n", pt->method, pt->n, pt->diff, pt->low,
					pt->high, 100 * pt->level, pt->margin, pt->p_value,
					pt->p_adjusted, pt->p_inferior, pt->mde);
	}
	return rc ? -1 : 0;
}

/* "band: accuracy = 0.83 within [0.81, 0.85], mean 0.83, sd 0.01, n 5\n" */
static int band_line(struct buf *b, const struct report_metric *m)
{
	char v[40], lo[40], hi[40], mean[40], sd[40];

	fmt_human(v, sizeof(v), m->value);
	fmt_human(lo, sizeof(lo), m->band_low);
	fmt_human(hi, sizeof(hi), m->band_high);
	fmt_human(mean, sizeof(mean), m->band_mean);
	fmt_human(sd, sizeof(sd), m->band_sd);
	return buf_printf(b, "band: %s = %s %s [%s, %s], mean %s, sd %s, n %zu\n", m->name,
			  v, m->band_pos, lo, hi, mean, sd, m->band_n);
}

int report_junit(struct buf *b, const struct report *r)
{
	const char *tool = r->tool ? r->tool : "mlci";
	char num[64];
	struct buf tmp;
	size_t i;
	int rc;

	size_t nfail = r->nfailed, nskip = r->ninconclusive;

	if (r->inconclusive_as == REPORT_FAIL) {
		nfail += nskip;
		nskip = 0;
	}
	buf_init(&tmp);
	rc = buf_addstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n") ||
	     buf_addstr(b, "  <testsuite") || xml_attr(b, "name", tool) ||
	     xml_attr(b, "package", "mlci") ||
	     buf_printf(b, " id=\"0\" tests=\"%zu\" failures=\"%zu\" errors=\"0\""
			" skipped=\"%zu\" time=\"0.000\"", r->nrules, nfail, nskip) ||
	     xml_attr(b, "timestamp", r->timestamp) ||
	     xml_attr(b, "hostname", r->hostname[0] ? r->hostname : "localhost") ||
	     buf_addstr(b, ">\n    <properties>\n") ||
	     xml_prop(b, "mlci.version", MLCI_VERSION) ||
	     xml_prop(b, "mlci.verdict", report_status_str(r->status)) ||
	     xml_prop(b, "mlci.decision", report_status_str(r->decision)) ||
	     xml_prop(b, "mlci.metrics", r->metrics_path ? r->metrics_path : "");
	if (!rc && r->metrics_sha)
		rc = xml_prop(b, "mlci.metrics.sha256", r->metrics_sha);
	if (!rc && r->baseline_path)
		rc = xml_prop(b, "mlci.baseline", r->baseline_path);
	if (!rc && r->history_ref) {
		buf_reset(&tmp);
		rc = buf_printf(&tmp, "%zu notes along %s", r->history_notes, r->history_ref) ||
		     xml_prop(b, "mlci.history", tmp.data);
	}
	snprintf(num, sizeof(num), "relative %g, absolute %g", RULE_TOL_REL,
		 RULE_TOL_ABS);
	rc = rc || xml_prop(b, "mlci.tolerance", num);
	snprintf(num, sizeof(num), "%g", r->alpha);
	rc = rc || xml_prop(b, "mlci.alpha", num) ||
	     buf_addstr(b, "    </properties>\n");
	for (i = 0; !rc && i < r->nrules; i++) {
		const struct report_rule *rr = &r->rules[i];

		rc = buf_addstr(b, "    <testcase") || xml_attr(b, "name", rr->name) ||
		     xml_attr(b, "classname", tool) ||
		     buf_addstr(b, " time=\"0.000\"");
		if (rc || rr->pass) {
			rc = rc || buf_addstr(b, "/>\n");
			continue;
		}
		buf_reset(&tmp);
		if (rr->status == REPORT_INCONCLUSIVE && r->inconclusive_as != REPORT_FAIL) {
			rc = rule_message(&tmp, rr) ||
			     buf_addstr(b, ">\n      <skipped") ||
			     xml_attr(b, "message", tmp.data) || buf_addstr(b, "/>\n    </testcase>\n");
			continue;
		}
		rc = rule_message(&tmp, rr) ||
		     buf_printf(b, ">\n      <failure type=\"%s\"",
				rr->status == REPORT_INCONCLUSIVE ? "mlci.gate.inconclusive" :
				"mlci.gate.rule") ||
		     xml_attr(b, "message", tmp.data) || buf_addch(b, '>');
		buf_reset(&tmp);
		rc = rc || rule_explain(&tmp, rr) || xml_escape(b, tmp.data, 0) ||
		     buf_addstr(b, "</failure>\n    </testcase>\n");
	}
	rc = rc || buf_addstr(b, "    <system-out>");
	for (i = 0; !rc && i < r->nrules; i++) {
		const struct report_rule *rr = &r->rules[i];

		if (rr->no_value)
			snprintf(num, sizeof(num), "%s", "none");
		else
			fmt_human(num, sizeof(num), rr->value);
		buf_reset(&tmp);
		rc = buf_printf(&tmp, "%s %s (%s = %s", rr->status == REPORT_PASS ? "PASS" :
				rr->status == REPORT_FAIL ? "FAIL" : "INCONCLUSIVE",
				rr->name, rr->metric, num) ||
		     (rr->paired && (buf_addstr(&tmp, "; ") || paired_evidence(&tmp, rr))) ||
		     buf_addstr(&tmp, ")\n") || xml_escape(b, tmp.data, 0);
	}
	for (i = 0; !rc && r->history_ref && i < r->nmetrics; i++) {
		const struct report_metric *m = &r->metrics[i];

		if (!m->band_pos)
			continue;
		buf_reset(&tmp);
		rc = band_line(&tmp, m) || xml_escape(b, tmp.data, 0);
	}
	rc = rc || buf_addstr(b, "</system-out>\n    <system-err></system-err>\n"
			      "  </testsuite>\n</testsuites>\n");
	buf_release(&tmp);
	return rc ? -1 : 0;
}

/* ---- Markdown ---- */

/* A table cell: '|' escaped, line breaks as spaces; in a code span
 * backticks become quotes. */
static int md_cell(struct buf *b, const char *s, int code)
{
	int rc = code ? buf_addch(b, '`') : 0;

	for (; *s && !rc; s++) {
		if (*s == '|')
			rc = buf_addstr(b, "\\|");
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			rc = buf_addch(b, ' ');
		else if (*s == '`' && code)
			rc = buf_addch(b, '\'');
		else if (!code && strchr("\\*_[]<>&", *s))
			rc = buf_addch(b, '\\') || buf_addch(b, *s);
		else
			rc = buf_addch(b, *s);
	}
	return rc || (code && buf_addch(b, '`')) ? -1 : 0;
}

static const char *status_md(int status)
{
	return status == REPORT_PASS ? "\xE2\x9C\x85 pass" :
	       status == REPORT_FAIL ? "\xE2\x9D\x8C fail" : "\xE2\x9A\xA0\xEF\xB8\x8F inconclusive";
}

/* The worst status of the rules naming metric, or -1 when none does. */
static int metric_status(const struct report *r, const char *metric)
{
	int st = -1;
	size_t i;

	for (i = 0; i < r->nrules; i++) {
		const struct report_rule *rr = &r->rules[i];

		if (strcmp(rr->metric, metric))
			continue;
		if (rr->status == REPORT_FAIL || st == -1 ||
		    (rr->status == REPORT_INCONCLUSIVE && st == REPORT_PASS))
			st = rr->status;
	}
	return st;
}

int report_markdown(struct buf *b, const struct report *r)
{
	char v[40], t[40], base[40], d[40], lo[40], hi[40];
	size_t i, npaired = 0;
	int rc;

	rc = buf_printf(b, "### %s: %s\n\n", r->tool ? r->tool : "mlci",
			r->status == REPORT_PASS ? "\xE2\x9C\x85 PASS" :
			r->status == REPORT_FAIL ? "\xE2\x9D\x8C FAIL" :
			"\xE2\x9A\xA0\xEF\xB8\x8F INCONCLUSIVE") ||
	     buf_printf(b, "**Verdict: %s** \xE2\x80\x94 %zu of %zu rules passed",
			report_status_str(r->status), r->npassed, r->nrules);
	if (!rc && r->ninconclusive)
		rc = buf_printf(b, ", %zu inconclusive", r->ninconclusive);
	if (!rc && r->nfailed && r->ninconclusive)
		rc = buf_printf(b, ", %zu failed", r->nfailed);
	if (!rc && r->status == REPORT_INCONCLUSIVE && r->decision != REPORT_INCONCLUSIVE)
		rc = buf_printf(b, " (decision: %s, from --inconclusive)",
				report_status_str(r->decision));
	rc = rc || buf_addstr(b, "; metrics ") ||
	     md_cell(b, r->metrics_path ? r->metrics_path : "", 1);
	if (!rc && r->baseline_path)
		rc = buf_addstr(b, ", baseline ") || md_cell(b, r->baseline_path, 1);
	rc = rc || buf_addstr(b, ".\n\n| rule | metric | value | threshold | baseline | delta | status | evidence |\n"
			      "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |\n");
	for (i = 0; !rc && i < r->nrules; i++) {
		const struct report_rule *rr = &r->rules[i];
		struct buf ev;

		fmt_pair(v, t, sizeof(v), rr->value, rr->threshold);
		if (rr->has_baseline)
			fmt_human(base, sizeof(base), rr->baseline);
		else
			snprintf(base, sizeof(base), "%s", "");
		fmt_delta(d, sizeof(d), rr->delta);
		if (rr->no_value)
			v[0] = '\0';
		if (rr->no_threshold)
			t[0] = '\0';
		if (rr->note)
			d[0] = '\0';
		buf_init(&ev);
		if (rr->reason) {
			rc = buf_addstr(&ev, rr->reason);
		} else if (rr->paired) {
			npaired++;
			rc = paired_evidence(&ev, rr);
		} else if (rr->note) {
			rc = buf_addstr(&ev, rr->note);
		} else {
			rc = buf_addstr(&ev, "point estimate");
		}
		rc = rc || buf_addstr(b, "| ") || md_cell(b, rr->rule, 1) ||
		     buf_addstr(b, " | ") || md_cell(b, rr->metric, 1) ||
		     buf_printf(b, " | %s | %s | %s | %s | %s | ", v, t, base, d,
				status_md(rr->status)) ||
		     md_cell(b, ev.data ? ev.data : "", 0) || buf_addstr(b, " |\n");
		buf_release(&ev);
	}
	/* every metric: value, interval, baseline, delta, verdict */
	rc = rc || buf_addstr(b, "\n| metric | value | interval | baseline | delta | verdict |\n"
			      "| --- | ---: | ---: | ---: | ---: | --- |\n");
	for (i = 0; !rc && i < r->nmetrics; i++) {
		const struct report_metric *m = &r->metrics[i];
		int st = metric_status(r, m->name);
		char iv[100] = "";

		fmt_human(v, sizeof(v), m->value);
		if (m->has_interval) {
			fmt_human(lo, sizeof(lo), m->low);
			fmt_human(hi, sizeof(hi), m->high);
			snprintf(iv, sizeof(iv), "[%s, %s]", lo, hi);
		}
		base[0] = d[0] = '\0';
		if (m->has_baseline) {
			fmt_human(base, sizeof(base), m->baseline);
			fmt_delta(d, sizeof(d), m->value - m->baseline);
		}
		rc = buf_addstr(b, "| ") || md_cell(b, m->name, 1) ||
		     buf_printf(b, " | %s | %s | %s | %s | %s |\n", v, iv, base, d,
				st < 0 ? "" : status_md(st));
	}
	if (!rc && r->history_ref) {
		rc = buf_printf(b, "\nNoise band over the last %zu notes along ", r->history_notes) ||
		     md_cell(b, r->history_ref, 1) ||
		     buf_addstr(b, " (low/high: min/max of the recorded values; sd: sample standard deviation):\n\n"
				"| metric | value | low | mean | high | sd | n | where |\n"
				"| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
		for (i = 0; !rc && i < r->nmetrics; i++) {
			const struct report_metric *m = &r->metrics[i];
			char mean[40], sd[40];

			fmt_human(v, sizeof(v), m->value);
			if (m->band_pos) {
				fmt_human(lo, sizeof(lo), m->band_low);
				fmt_human(hi, sizeof(hi), m->band_high);
				fmt_human(mean, sizeof(mean), m->band_mean);
				fmt_human(sd, sizeof(sd), m->band_sd);
			} else {
				lo[0] = hi[0] = mean[0] = sd[0] = '\0';
			}
			rc = buf_addstr(b, "| ") || md_cell(b, m->name, 1) ||
			     buf_printf(b, " | %s | %s | %s | %s | %s | %zu | %s |\n", v, lo, mean,
					hi, sd, m->band_n,
					m->band_pos ? m->band_pos : "undefined (fewer than 2 values)");
		}
	}
	rc = rc || buf_printf(b, "\ndelta is value \xE2\x88\x92 baseline for rules "
			      "over `baseline`, value \xE2\x88\x92 threshold otherwise; "
			      "comparisons allow %g + %g \xC3\x97 max(|value|, |threshold|).",
			      RULE_TOL_ABS, RULE_TOL_REL);
	if (!rc && npaired)
		rc = buf_printf(b, " Paired rules are non-inferiority tests on the per-example "
				"results of both models (McNemar for accuracy, DeLong for roc_auc, "
				"a paired bootstrap otherwise) at \xCE\xB1 = %g, Holm-adjusted across "
				"the %zu paired rules; intervals of the difference at %g%%.",
				r->alpha, npaired, 100 * (1 - 2 * r->alpha));
	rc = rc || buf_addch(b, '\n');
	return rc ? -1 : 0;
}

/* ---- OpenMetrics ---- */

static int om_head(struct buf *b, const char *name, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

int report_openmetrics(struct buf *b, const struct report *r)
{
	char num[40];
	size_t i, k;
	int rc;

	rc = om_head(b, "mlci_metric", "Model metric read from metrics.json by the gate.");
	for (i = 0; !rc && i < r->nmetrics; i++) {
		fmt_double(num, sizeof(num), r->metrics[i].value);
		rc = buf_addstr(b, "mlci_metric{name=\"") ||
		     om_escape_label(b, r->metrics[i].name) ||
		     buf_printf(b, "\"} %s\n", num);
	}
	for (k = 0; k < 2; k++) {
		int any = 0;

		for (i = 0; !rc && i < r->nmetrics; i++) {
			if (!r->metrics[i].has_interval)
				continue;
			if (!any++)
				rc = om_head(b, k ? "mlci_metric_high" : "mlci_metric_low",
					     k ? "Upper bound of the metric's bootstrap interval." :
					     "Lower bound of the metric's bootstrap interval.");
			fmt_double(num, sizeof(num), k ? r->metrics[i].high : r->metrics[i].low);
			rc = rc || buf_printf(b, "%s{name=\"", k ? "mlci_metric_high" : "mlci_metric_low") ||
			     om_escape_label(b, r->metrics[i].name) ||
			     buf_printf(b, "\"} %s\n", num);
		}
	}
	if (!rc && r->nrules)
		rc = om_head(b, "mlci_gate_rule_pass",
			     "1 if the gate rule passed, 0 if it failed or is inconclusive.");
	for (i = 0; !rc && i < r->nrules; i++)
		rc = buf_addstr(b, "mlci_gate_rule_pass{rule=\"") ||
		     om_escape_label(b, r->rules[i].name) ||
		     buf_printf(b, "\"} %d\n", r->rules[i].pass ? 1 : 0);
	if (!rc && r->nrules)
		rc = om_head(b, "mlci_gate_rule_inconclusive",
			     "1 if the gate rule is inconclusive, else 0.");
	for (i = 0; !rc && i < r->nrules; i++)
		rc = buf_addstr(b, "mlci_gate_rule_inconclusive{rule=\"") ||
		     om_escape_label(b, r->rules[i].name) ||
		     buf_printf(b, "\"} %d\n", r->rules[i].status == REPORT_INCONCLUSIVE);
	for (k = 0; !rc && k < 5; k++) {
		static const char *const fam[] = {
			"mlci_gate_rule_difference", "mlci_gate_rule_difference_low",
			"mlci_gate_rule_difference_high", "mlci_gate_rule_p_value",
			"mlci_gate_rule_mde",
		};
		static const char *const help[] = {
			"Candidate minus baseline on the shared rows (paired rules).",
			"Lower bound of the difference's interval (paired rules).",
			"Upper bound of the difference's interval (paired rules).",
			"Holm-adjusted one-sided p-value of the non-inferiority test.",
			"Minimum detectable effect at this sample size (paired rules).",
		};
		int any = 0;

		for (i = 0; !rc && i < r->nrules; i++) {
			const struct report_rule *rr = &r->rules[i];
			double x[5];

			if (!rr->paired || rr->pt.note)
				continue;
			x[0] = rr->pt.diff;
			x[1] = rr->pt.low;
			x[2] = rr->pt.high;
			x[3] = rr->pt.p_adjusted;
			x[4] = rr->pt.mde;
			if (!any++)
				rc = om_head(b, fam[k], help[k]);
			fmt_double(num, sizeof(num), x[k]);
			rc = rc || buf_printf(b, "%s{rule=\"", fam[k]) ||
			     om_escape_label(b, rr->name) || buf_printf(b, "\"} %s\n", num);
		}
	}
	rc = rc || om_head(b, "mlci_gate_passed", "1 if the gate's decision is pass, else 0.") ||
	     buf_printf(b, "mlci_gate_passed %d\n", r->pass ? 1 : 0) ||
	     om_head(b, "mlci_gate_inconclusive", "1 if the gate's verdict is inconclusive, else 0.") ||
	     buf_printf(b, "mlci_gate_inconclusive %d\n", r->status == REPORT_INCONCLUSIVE) ||
	     om_head(b, "mlci_gate_rules", "Number of gate rules evaluated.") ||
	     buf_printf(b, "mlci_gate_rules %zu\n", r->nrules) ||
	     om_head(b, "mlci_gate_rules_failed", "Number of gate rules that failed.") ||
	     buf_printf(b, "mlci_gate_rules_failed %zu\n", r->nfailed) ||
	     buf_addstr(b, "# EOF\n");
	return rc ? -1 : 0;
}

/* ---- dotenv ---- */

struct dotenv {
	struct buf *b;
	size_t lines;
	size_t start;		/* b->len when we began */
	char (*keys)[260];	/* keys used so far */
};

/* Add KEY=value if it is valid, new and fits; 0 (added or skipped) or -1. */
static int dotenv_add(struct dotenv *e, const char *key, const char *value)
{
	size_t i, add = strlen(key) + 1 + strlen(value) + 1;

	if (e->lines >= REPORT_DOTENV_MAX_LINES || strlen(key) > 255 ||
	    !dotenv_value_ok(value) ||
	    e->b->len - e->start + add >= REPORT_DOTENV_MAX_BYTES)
		return 0;
	for (i = 0; i < e->lines; i++)
		if (!strcmp(e->keys[i], key))
			return 0;
	snprintf(e->keys[e->lines++], sizeof(e->keys[0]), "%s", key);
	return buf_printf(e->b, "%s=%s\n", key, value);
}

static int dotenv_metric(struct dotenv *e, const char *name, double v)
{
	char key[260], num[40];

	if (dotenv_key(key, sizeof(key), name) < 0)
		return 0;
	fmt_double(num, sizeof(num), v);
	return dotenv_add(e, key, num);
}

int report_dotenv(struct buf *b, const struct report *r)
{
	char keys[REPORT_DOTENV_MAX_LINES][260];
	struct dotenv e = { b, 0, b->len, keys };
	char num[32];
	size_t i;
	int rc;

	rc = dotenv_add(&e, "MLCI_GATE_VERDICT", report_status_str(r->status));
	rc = rc || dotenv_add(&e, "MLCI_GATE_DECISION", report_status_str(r->decision));
	snprintf(num, sizeof(num), "%zu", r->nrules);
	rc = rc || dotenv_add(&e, "MLCI_GATE_RULES", num);
	snprintf(num, sizeof(num), "%zu", r->nfailed);
	rc = rc || dotenv_add(&e, "MLCI_GATE_FAILED", num);
	snprintf(num, sizeof(num), "%zu", r->ninconclusive);
	rc = rc || dotenv_add(&e, "MLCI_GATE_INCONCLUSIVE", num);
	for (i = 0; !rc && i < r->nrules; i++)
		if (!r->rules[i].no_value && !isnan(r->rules[i].value))	/* NaN: the candidate lacks it */
			rc = dotenv_metric(&e, r->rules[i].metric, r->rules[i].value);
	for (i = 0; !rc && i < r->nmetrics; i++)
		rc = dotenv_metric(&e, r->metrics[i].name, r->metrics[i].value);
	return rc ? -1 : 0;
}
