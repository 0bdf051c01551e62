#include "gate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "io.h"
#include "rules.h"

/* ---- inputs ---- */

struct metrics_in {
	const char *path;
	json_t *art;
	json_t *metrics;	/* borrowed from art */
	char sha[SHA256_HEX_LEN + 1];
};

static int metrics_load(struct metrics_in *m, const char *path,
			struct mlci_err *err)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	if (artifact_load(path, KIND_METRICS, SCHEMA_METRICS, &m->art, m->sha,
			  err) < 0)
		return -1;
	return json_get_object(m->art, "metrics", &m->metrics, path, err);
}

static int cmp_metric(const void *a, const void *b)
{
	return strcmp(((const struct report_metric *)a)->name,
		      ((const struct report_metric *)b)->name);
}

/* Every numeric metric into rep->metrics, sorted by name. */
static int collect_metrics(struct report *rep, const json_t *metrics,
			   struct mlci_err *err)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	rep->metrics = calloc(json_object_size(metrics) + 1, sizeof(*rep->metrics));
	if (!rep->metrics)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_object_foreach((json_t *)metrics, k, v) {
		if (!json_is_number(v))
			continue;
		rep->metrics[n].name = strdup(k);
		rep->metrics[n].value = json_number_value(v);
		if (!rep->metrics[n].name)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		rep->nmetrics = ++n;
	}
	qsort(rep->metrics, n, sizeof(*rep->metrics), cmp_metric);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* Where a rule came from, for messages: "rules.txt:3" or "--rule '...'". */
static void rule_where(const struct rule *r, char *out, size_t n)
{
	if (r->code == MLCI_EXIT_USAGE)
		snprintf(out, n, "%s", r->file);
	else
		snprintf(out, n, "%s:%ld", r->file, r->line);
}

/* The value of r's metric in m, or a 65 error naming m's file. */
static int metric_value(const struct metrics_in *m, const struct rule *r,
			double *out, struct mlci_err *err)
{
	json_t *v = json_object_get(m->metrics, r->metric);
	char where[600], hint[128] = "";
	struct buf known;
	const char *k, *best = NULL, **names;
	size_t bestd = 3, n = 0, i;
	json_t *x;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	rule_where(r, where, sizeof(where));
	if (v)
		return err_set(err, MLCI_EXIT_DATAERR, m->path,
			       "metric '%s' (named in %s) is not a number",
			       r->metric, where);
	buf_init(&known);
	names = calloc(json_object_size(m->metrics) + 1, sizeof(*names));
	if (!names)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_object_foreach(m->metrics, k, x)
		if (json_is_number(x))
			names[n++] = k;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		size_t d = edit_distance(names[i], r->metric);

		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
		if (known.len < 200)
			buf_printf(&known, "%s%s", known.len ? ", " : "", names[i]);
		else if (known.len < 204)
			buf_addstr(&known, ", ...");
	}
	if (best)
		snprintf(hint, sizeof(hint), "did you mean '%s'? ", best);
	err_set(err, MLCI_EXIT_DATAERR, m->path,
		"unknown metric '%s' in %s (%sknown: %s)", r->metric, where, hint,
		known.len ? known.data : "none");
	buf_release(&known);
	free(names);
	return -1;
}

/* ---- evaluation ---- */

static int evaluate(const struct ruleset *rs,
		    const struct metrics_in *cur, const struct metrics_in *base,
		    struct report *rep, struct mlci_err *err)
{
	size_t i;

	rep->rules = calloc(rs->n + 1, sizeof(*rep->rules));
	if (!rep->rules)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		struct report_rule *rr = &rep->rules[i];
		char where[600];

		rep->nrules = i + 1;
		rr->op = rule_op_str(r->op);
		if (metric_value(cur, r, &rr->value, err) < 0)
			return -1;
		if (r->uses_baseline) {
			if (metric_value(base, r, &rr->baseline, err) < 0)
				return -1;
			rr->has_baseline = 1;
		}
		if (rule_threshold(r, rr->baseline, &rr->threshold, err) < 0)
			return -1;
		rr->pass = rule_compare(r->op, rr->value, rr->threshold);
		rr->delta = rr->value - (rr->has_baseline ? rr->baseline : rr->threshold);
		if (r->code == MLCI_EXIT_USAGE)
			snprintf(where, sizeof(where), "--rule");
		else
			rule_where(r, where, sizeof(where));
		rr->rule = strdup(r->text);
		rr->metric = strdup(r->metric);
		rr->source = strdup(where);
		if (!rr->rule || !rr->metric || !rr->source)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	return report_finish(rep) < 0 ?
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory") : 0;
}

static json_t *gate_json(const struct gate_opts *o, const struct report *rep,
			 const struct metrics_in *cur,
			 const struct metrics_in *base, struct mlci_err *err)
{
	json_t *art = artifact_new(KIND_GATE, SCHEMA_GATE, o->producer, err);
	json_t *rules, *counts, *tol;
	size_t i;

	if (!art)
		return NULL;
	rules = json_array();
	counts = json_object();
	tol = json_object();
	if (artifact_add_input(art, "metrics", cur->path, cur->sha) < 0 ||
	    (base->art && artifact_add_input(art, "baseline", base->path,
					     base->sha) < 0) ||
	    !rules || !counts || !tol) {
		json_decref(rules);
		json_decref(counts);
		json_decref(tol);
		json_decref(art);
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		return NULL;
	}
	for (i = 0; i < rep->nrules; i++) {
		const struct report_rule *rr = &rep->rules[i];
		json_t *j = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:s}",
				      "rule", rr->rule, "metric", rr->metric,
				      "op", rr->op, "threshold", rr->threshold,
				      "value", rr->value, "delta", rr->delta,
				      "status", rr->pass ? "pass" : "fail");

		if (j && rr->has_baseline)
			json_object_set_new(j, "baseline", json_real(rr->baseline));
		if (!j || json_array_append_new(rules, j) < 0) {
			json_decref(rules);
			json_decref(counts);
			json_decref(tol);
			json_decref(art);
			err_set(err, MLCI_EXIT_SOFTWARE, NULL,
				"cannot represent rule '%s' in JSON", rr->rule);
			return NULL;
		}
	}
	json_object_set_new(counts, "rules", json_integer((json_int_t)rep->nrules));
	json_object_set_new(counts, "passed", json_integer((json_int_t)rep->npassed));
	json_object_set_new(counts, "failed", json_integer((json_int_t)rep->nfailed));
	json_object_set_new(tol, "relative", json_real(RULE_TOL_REL));
	json_object_set_new(tol, "absolute", json_real(RULE_TOL_ABS));
	json_object_set_new(art, "verdict", json_string(rep->pass ? "pass" : "fail"));
	json_object_set_new(art, "rules", rules);
	json_object_set_new(art, "counts", counts);
	json_object_set_new(art, "tolerance", tol);
	return art;
}

/* ---- outputs ---- */

struct output {
	const char *opt;	/* "--junit" */
	const char *path;
	struct buf data;
	struct afile f;
	int committed;
};

/* Refuse two outputs on one path, or an output over an input. */
static int check_paths(const struct gate_opts *o, const struct output *out,
		       size_t n, struct mlci_err *err)
{
	const struct path_role in[] = {
		{ "--metrics", o->metrics }, { "--baseline", o->baseline },
		{ "--rules", o->rules_file },
	};
	struct path_role outs[8];
	size_t i;

	for (i = 0; i < n && i < 8; i++) {
		outs[i].opt = out[i].opt;
		outs[i].path = out[i].path;
	}
	return check_output_paths(outs, i, in, 3, err);
}

/* Open every output, write them all, then commit them all; on any error
 * abort the rest and remove the ones already committed. */
static int write_all(struct output *out, size_t n, struct mlci_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (out[i].path && afile_open(&out[i].f, out[i].path, err) < 0)
			goto fail;
	for (i = 0; i < n; i++)
		if (out[i].path && out[i].data.len &&
		    fwrite(out[i].data.data, 1, out[i].data.len, out[i].f.fp) !=
			    out[i].data.len) {
			err_set(err, MLCI_EXIT_IOERR, out[i].path, "cannot write");
			goto fail;
		}
	for (i = 0; i < n; i++) {
		if (!out[i].path)
			continue;
		if (afile_commit(&out[i].f, err) < 0)
			goto fail;
		out[i].committed = 1;
	}
	return 0;
fail:
	for (i = 0; i < n; i++) {
		afile_abort(&out[i].f);
		if (out[i].committed)
			unlink(out[i].path);
	}
	return -1;
}

/* ---- the run ---- */

int gate_run(const struct gate_opts *o, struct gate_result *res,
	     struct mlci_err *err)
{
	struct ruleset rs = { 0 };
	struct metrics_in cur = { 0 }, base = { 0 };
	struct output out[] = {
		{ "--out", o->out, { 0 }, { 0 }, 0 },
		{ "--junit", o->junit, { 0 }, { 0 }, 0 },
		{ "--markdown", o->markdown, { 0 }, { 0 }, 0 },
		{ "--openmetrics", o->openmetrics, { 0 }, { 0 }, 0 },
		{ "--dotenv", o->dotenv, { 0 }, { 0 }, 0 },
	};
	const size_t nout = sizeof(out) / sizeof(out[0]);
	struct report *rep = &res->rep;
	json_t *art = NULL;
	char when[32];
	size_t i;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < nout; i++)
		buf_init(&out[i].data);
	if (!o->metrics || !*o->metrics || !o->out || !*o->out) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--metrics and --out are required");
		goto done;
	}
	if (!o->nrules && !o->rules_file) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"no rules: give --rule EXPR or --rules FILE (see --help)");
		goto done;
	}
	for (i = 0; i < nout; i++)
		if (out[i].path && !*out[i].path)
			out[i].path = NULL;
	if (check_paths(o, out, nout, err) < 0)
		goto done;
	if (o->rules_file && ruleset_load_file(&rs, o->rules_file, err) < 0)
		goto done;
	for (i = 0; i < o->nrules; i++)
		if (ruleset_add_text(&rs, o->rules[i], err) < 0)
			goto done;
	for (i = 0; i < rs.n; i++)
		if (rs.v[i].uses_baseline && !o->baseline) {
			err_set_at(err, MLCI_EXIT_USAGE, rs.v[i].file, rs.v[i].line, 0,
				   "rule '%s' compares with the baseline: --baseline FILE is required",
				   rs.v[i].text);
			goto done;
		}
	if (metrics_load(&cur, o->metrics, err) < 0 ||
	    (o->baseline && metrics_load(&base, o->baseline, err) < 0))
		goto done;

	rep->tool = o->producer;
	rep->metrics_path = strdup(o->metrics);
	rep->metrics_sha = strdup(cur.sha);
	rep->baseline_path = o->baseline ? strdup(o->baseline) : NULL;
	if (!rep->metrics_path || !rep->metrics_sha ||
	    (o->baseline && !rep->baseline_path)) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (collect_metrics(rep, cur.metrics, err) < 0 ||
	    evaluate(&rs, &cur, &base, rep, err) < 0)
		goto done;
	if (artifact_time(when, NULL, err) < 0)
		goto done;
	snprintf(rep->timestamp, sizeof(rep->timestamp), "%.19s", when);
	if (gethostname(rep->hostname, sizeof(rep->hostname) - 1) != 0)
		rep->hostname[0] = '\0';
	rep->hostname[sizeof(rep->hostname) - 1] = '\0';

	art = gate_json(o, rep, &cur, &base, err);
	if (!art)
		goto done;
	res->json = artifact_dumps(art);
	if (!res->json || buf_addstr(&out[0].data, res->json) < 0 ||
	    (out[1].path && report_junit(&out[1].data, rep) < 0) ||
	    (out[2].path && report_markdown(&out[2].data, rep) < 0) ||
	    (out[3].path && report_openmetrics(&out[3].data, rep) < 0) ||
	    (out[4].path && report_dotenv(&out[4].data, rep) < 0)) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	rc = write_all(out, nout, err);
done:
	for (i = 0; i < nout; i++)
		buf_release(&out[i].data);
	json_decref(art);
	json_decref(cur.art);
	json_decref(base.art);
	ruleset_free(&rs);
	if (rc < 0)
		gate_result_free(res);
	return rc;
}

void gate_result_free(struct gate_result *res)
{
	report_free(&res->rep);
	free(res->json);
	memset(res, 0, sizeof(*res));
}

int gate_summary(const struct gate_result *res, struct buf *b)
{
	const struct report *r = &res->rep;
	size_t i, shown = 0;
	int rc;

	if (r->pass)
		return buf_printf(b, "PASS: %zu of %zu rules passed", r->npassed,
				  r->nrules);
	rc = buf_printf(b, "FAIL: %zu of %zu rules failed:", r->nfailed, r->nrules);
	for (i = 0; !rc && i < r->nrules; i++) {
		const struct report_rule *rr = &r->rules[i];
		char v[40];

		if (rr->pass)
			continue;
		if (shown++ == 5) {
			rc = buf_addstr(b, " ...");
			break;
		}
		snprintf(v, sizeof(v), "%.12g", rr->value);
		rc = buf_printf(b, "%s %s (%s = %s)", shown > 1 ? ";" : "",
				rr->name, rr->metric, v);
	}
	return rc ? -1 : 0;
}
