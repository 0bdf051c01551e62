#include "gate.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "baseline.h"
#include "io.h"
#include "paired.h"
#include "rules.h"
#include "scored.h"

/* columns a slice rule may name */
#define SLICE_KEYS_MAX RULE_MAX_SLICE_KEYS
/* rules once slices(...) rules are expanded over their slices */
#define GATE_MAX_RULES 100000

/* ---- inputs ---- */

struct metrics_in {
	const char *path;
	json_t *art;
	json_t *metrics;	/* borrowed from art */
	char sha[SHA256_HEX_LEN + 1];
	/* a git baseline (baseline.h) */
	int git;
	int missing;		/* given, but nothing recorded there */
	char reason[256];	/* why, when missing */
	char *owned_path;	/* path, when owned */
	char *pred_file;	/* its predictions, in a temporary file */
	char *pred_name;	/* and how to name them */
	json_t *info;		/* gate.json's "baseline" object */
};

static void metrics_in_free(struct metrics_in *m)
{
	json_decref(m->art);
	json_decref(m->info);
	if (m->pred_file)
		unlink(m->pred_file);
	free(m->pred_file);
	free(m->pred_name);
	free(m->owned_path);
	memset(m, 0, sizeof(*m));
}

/* The baseline of a git spec into m: metrics, and its predictions in a
 * temporary file when paired rules need them. */
static int git_baseline_load(const struct gate_opts *o, int want_pred,
			     struct metrics_in *m, struct mlci_err *err)
{
	struct baseline_git b;
	struct baseline_git_opts go = { o->baseline_remote, want_pred };

	memset(m, 0, sizeof(*m));
	m->git = 1;
	if (baseline_git_load(o->baseline, &go, &b, err) < 0)
		return -1;
	m->info = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "source", "git",
			    "spec", o->baseline, "ref", b.ref, "commit", b.commit,
			    "found", b.found, "fetched", b.fetched);
	if (!m->info)
		goto oom;
	json_object_set_new(m->info, "from", json_string(b.path ? "tree" : BASELINE_NOTES_REF));
	if (b.path)
		json_object_set_new(m->info, "path", json_string(b.path));
	m->owned_path = strdup(b.where ? b.where : o->baseline);
	if (!m->owned_path)
		goto oom;
	m->path = m->owned_path;
	if (!b.found) {
		m->missing = 1;
		snprintf(m->reason, sizeof(m->reason), "%s", b.reason);
		json_object_set_new(m->info, "reason", json_string(b.reason));
		baseline_git_free(&b);
		return 0;
	}
	m->art = json_incref(b.metrics);
	m->metrics = json_object_get(m->art, "metrics");
	memcpy(m->sha, b.sha, sizeof(m->sha));
	if (b.pred) {
		const char *td = getenv("TMPDIR");
		struct buf t;
		int fd;

		buf_init(&t);
		if (buf_printf(&t, "%s/mlci-baseline-XXXXXX", td && *td ? td : P_tmpdir) < 0)
			goto oom;
		m->pred_file = buf_detach(&t, NULL);
		m->pred_name = strdup(b.pred_where ? b.pred_where : "baseline predictions");
		if (!m->pred_file || !m->pred_name)
			goto oom;
		fd = mkstemp(m->pred_file);
		if (fd < 0) {
			free(m->pred_file);
			m->pred_file = NULL;
			baseline_git_free(&b);
			return err_set(err, MLCI_EXIT_CANTCREAT, NULL,
				       "cannot create a temporary file for the baseline's predictions");
		}
		errno = 0;
		if (write(fd, b.pred, b.npred) != (ssize_t)b.npred) {
			int e = errno;	/* still 0 after a short write */

			close(fd);
			baseline_git_free(&b);
			return err_set(err, MLCI_EXIT_IOERR, m->pred_file, "cannot write: %s",
				       e ? strerror(e) : "a short write");
		}
		close(fd);
	}
	baseline_git_free(&b);
	return 0;
oom:
	baseline_git_free(&b);
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

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

/* Every numeric metric into rep->metrics, sorted by name, with its
 * bootstrap interval (cur) and its baseline value (base) when known. */
static int collect_metrics(struct report *rep, const struct metrics_in *cur,
			   const struct metrics_in *base, struct mlci_err *err)
{
	const json_t *metrics = cur->metrics;
	json_t *ivs = json_object_get(cur->art, "intervals");
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
		{
			json_t *iv = json_object_get(ivs, k), *bv = base->metrics ?
				json_object_get(base->metrics, k) : NULL;

			if (json_is_number(json_object_get(iv, "low")) &&
			    json_is_number(json_object_get(iv, "high"))) {
				rep->metrics[n].has_interval = 1;
				rep->metrics[n].low = json_number_value(json_object_get(iv, "low"));
				rep->metrics[n].high = json_number_value(json_object_get(iv, "high"));
			}
			if (json_is_number(bv)) {
				rep->metrics[n].has_baseline = 1;
				rep->metrics[n].baseline = json_number_value(bv);
			}
		}
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

/* The number called name in obj (metrics.json's metrics, a slice's
 * metrics or its operational figures), or a 65 error naming m's file:
 * unknown (with the known names), not a number, or null. Returns 0, 1
 * when it is null and null_ok (undefined: the caller says why), -1. */
static int number_in(const struct metrics_in *m, json_t *obj, const char *name,
		     const char *what, const struct rule *r, int null_ok,
		     double *out, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, name);
	char where[600], hint[128] = "";
	struct buf known;
	const char *k, *best = NULL, **names;
	size_t bestd = 3, n = 0, i;
	json_t *x;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_null(v) && null_ok)
		return 1;
	rule_where(r, where, sizeof(where));
	if (json_is_null(v))
		return err_set(err, MLCI_EXIT_DATAERR, m->path,
			       "%s '%s' (named in %s) is undefined here (null; see the warnings in this file), so no rule can judge it",
			       what, name, where);
	if (v)
		return err_set(err, MLCI_EXIT_DATAERR, m->path,
			       "%s '%s' (named in %s) is not a number", what, name, where);
	buf_init(&known);
	names = calloc(json_object_size(obj) + 1, sizeof(*names));
	if (!names)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_object_foreach(obj, k, x)
		if (json_is_number(x))
			names[n++] = k;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		size_t d = edit_distance(names[i], name);

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
		"unknown %s '%s' in %s (%sknown: %s)", what, name, where, hint,
		known.len ? known.data : "none");
	buf_release(&known);
	free(names);
	return -1;
}

/* A rule for messages: "--rule 'TEXT'" or "rule 'TEXT' (rules.txt:3)". */
static void rule_named(const struct rule *r, char *out, size_t n)
{
	if (r->code == MLCI_EXIT_USAGE)
		snprintf(out, n, "%s", r->file);
	else
		snprintf(out, n, "rule '%.200s' (%s:%ld)", r->text, r->file, r->line);
}

/* The value of r's metric in m, or a 65 error naming m's file. */
static int metric_value(const struct metrics_in *m, const struct rule *r,
			double *out, struct mlci_err *err)
{
	return number_in(m, m->metrics, r->metric, "metric", r, 0, out, err);
}

/* ---- slices and operational figures ---- */

/* Whether slice sl's key is exactly the n columns cols (any order), and,
 * with vals, those values (NULL: missing). */
static int slice_matches(json_t *sl, const char *const *cols,
			 const char *const *vals, size_t n)
{
	json_t *by = json_object_get(sl, "by");
	size_t i;

	if (!json_is_object(by) || json_object_size(by) != n)
		return 0;
	for (i = 0; i < n; i++) {
		json_t *v = json_object_get(by, cols[i]);

		if (!v)
			return 0;
		if (vals && (vals[i] ? !json_is_string(v) || strcmp(json_string_value(v), vals[i]) :
			     !json_is_null(v)))
			return 0;
	}
	return 1;
}

/* The slice of m with r's key (cols, and vals for RULE_SLICE), or NULL
 * with a 65 error naming r: m has no slices, no slicing by these
 * columns, or no slice with these values. */
static json_t *find_slice(const struct metrics_in *m, const struct rule *r,
			  const char *const *cols, const char *const *vals,
			  size_t n, struct mlci_err *err)
{
	json_t *list = json_object_get(m->art, "slices"), *sl;
	char where[600];
	struct buf known;
	size_t i, j;
	int sliced = 0;

	rule_named(r, where, sizeof(where));
	if (!json_is_array(list))
		return err_set(err, MLCI_EXIT_DATAERR, m->path,
			       "%s names a slice, but this file has none (mlci-evaluate --slice-by %s)",
			       where, cols[0]), NULL;
	json_array_foreach(list, i, sl) {
		if (!slice_matches(sl, cols, NULL, n))
			continue;
		sliced = 1;
		if (slice_matches(sl, cols, vals, n))
			return sl;
	}
	buf_init(&known);
	if (sliced) {
		json_array_foreach(list, i, sl) {
			json_t *by = json_object_get(sl, "by"), *v;
			const char *k;

			if (!slice_matches(sl, cols, NULL, n))
				continue;
			if (known.len > 200) {
				buf_addstr(&known, "; ...");
				break;
			}
			buf_addstr(&known, known.len ? "; " : "");
			j = 0;
			json_object_foreach(by, k, v)
				buf_printf(&known, "%s%s=%s", j++ ? "," : "", k,
					   json_is_string(v) ? json_string_value(v) : "null");
		}
	} else {
		json_t *bys = json_object_get(json_object_get(m->art, "slicing"), "by"), *cl, *c;

		json_array_foreach(bys, i, cl) {
			buf_addstr(&known, known.len ? "; " : "");
			json_array_foreach(cl, j, c)
				buf_printf(&known, "%s%s", j ? "," : "", json_string_value(c));
		}
	}
	if (sliced)
		err_set(err, MLCI_EXIT_DATAERR, m->path,
			"unknown slice in %s: no rows have these values (slices: %s)",
			where, known.data ? known.data : "");
	else
		err_set(err, MLCI_EXIT_DATAERR, m->path,
			"%s names slice columns this file is not sliced by (sliced by: %s)",
			where, known.data ? known.data : "none");
	buf_release(&known);
	return NULL;
}

/* r's metric in slice sl of m: 0 with *out, 1 inconclusive (*note set,
 * malloc'd), -1 error. */
static int slice_value(const struct metrics_in *m, json_t *sl,
		       const struct rule *r, const char *side, double *out,
		       char **note, struct mlci_err *err)
{
	json_t *met = json_object_get(sl, "metrics");
	long long n = json_integer_value(json_object_get(sl, "n"));
	int rc;

	if (json_is_true(json_object_get(sl, "small")) || !json_is_object(met)) {
		long long min = json_integer_value(json_object_get(
			json_object_get(m->art, "slicing"), "min_size"));

		if (asprintf(note, "%sthe slice has %lld rows, fewer than the minimum slice size %lld: no metrics",
			     side, n, min) < 0)
			*note = NULL;
		return *note ? 1 : err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	rc = number_in(m, met, r->metric, "metric", r, 1, out, err);
	if (rc == 1) {
		if (asprintf(note, "%s%s is undefined on this slice of %lld rows (null)",
			     side, r->metric, n) < 0)
			*note = NULL;
		if (!*note)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	return rc;
}

/* An operational figure of m (mlci-evaluate --operational). */
static int operational_value(const struct metrics_in *m, const struct rule *r,
			     double *out, struct mlci_err *err)
{
	json_t *op = json_object_get(m->art, "operational");
	char where[600];

	if (!json_is_object(op)) {
		rule_named(r, where, sizeof(where));
		return err_set(err, MLCI_EXIT_DATAERR, m->path,
			       "%s bounds an operational figure, but this file has none (mlci-evaluate --operational measures them)",
			       where);
	}
	return number_in(m, op, r->metric, "operational figure", r, 0, out, err);
}

/* ---- paired rules: the predictions of both models ---- */

struct pairs {
	struct scored_file cf, bf;	/* candidate, baseline as read */
	struct scored b;		/* the baseline aligned to the candidate's rows */
	size_t *yt, *yp;
	double *proba, *y, *p;
	char *cpath, *bpath;
	int loaded;
};

static void pairs_free(struct pairs *P)
{
	scored_file_free(&P->cf);
	scored_file_free(&P->bf);
	free(P->yt), free(P->yp), free(P->proba), free(P->y), free(P->p);
	free(P->cpath), free(P->bpath);
	memset(P, 0, sizeof(*P));
}

/* The predictions file of m: opt, or the one m records, looked for next
 * to m under its recorded name; its sha256 must be the recorded one. */
static int find_predictions(const struct metrics_in *m, const char *opt,
			    const char *optname, const struct rule *r,
			    char **out, struct mlci_err *err)
{
	json_t *pj = json_object_get(m->art, "predictions");
	const char *rec = json_string_value(json_object_get(pj, "path"));
	const char *sha = json_string_value(json_object_get(pj, "sha256"));
	char where[600], got[SHA256_HEX_LEN + 1];

	if (opt) {
		*out = strdup(opt);
	} else if (m->git && m->pred_file) {
		*out = strdup(m->pred_file);
	} else if (m->git) {
		rule_where(r, where, sizeof(where));
		return err_set(err, MLCI_EXIT_NOINPUT, m->path,
			       "rule '%s' (%s) is paired, and this baseline has no predictions recorded beside its metrics (give --baseline-predictions FILE)",
			       r->text, where);
	} else if (rec) {
		const char *slash = strrchr(m->path, '/'), *base = strrchr(rec, '/');
		struct buf b;

		base = base ? base + 1 : rec;
		buf_init(&b);
		if (slash)
			buf_add(&b, m->path, (size_t)(slash - m->path + 1));
		buf_addstr(&b, base);
		*out = buf_detach(&b, NULL);
	} else {
		rule_where(r, where, sizeof(where));
		return err_set(err, MLCI_EXIT_USAGE, m->path,
			       "rule '%s' (%s) is paired: it needs the per-example predictions behind these metrics (give %s FILE, or write them with mlci-evaluate --predictions)",
			       r->text, where, optname);
	}
	if (!*out)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (sha) {
		if (sha256_file(*out, got, err) < 0)
			return -1;
		if (strcmp(got, sha))
			return err_set(err, MLCI_EXIT_DATAERR, *out,
				       "not the predictions %s was computed from (its sha256 differs from the one recorded there)",
				       m->path);
	}
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/* Read both predictions files and align the baseline's rows to the
 * candidate's by key: the same keys and labels, or a 65 error. */
static int pairs_load(struct pairs *P, const struct gate_opts *o,
		      const struct metrics_in *cur, const struct metrics_in *base,
		      const struct rule *r, struct mlci_err *err)
{
	const char *tc = json_string_value(json_object_get(cur->art, "task"));
	const char *tb = json_string_value(json_object_get(base->art, "task"));
	const struct scored *c, *b;
	const char **keys = NULL;
	size_t i, n, *perm = NULL;
	int classifier, rc = -1;

	if (!tc || !tb || strcmp(tc, tb))
		return err_set(err, MLCI_EXIT_DATAERR, base->path,
			       "the baseline's task (%s) is not the candidate's (%s): a paired rule compares two models of one task",
			       tb ? tb : "none", tc ? tc : "none");
	classifier = !strcmp(tc, "classification");
	if (find_predictions(cur, o->predictions, "--predictions", r, &P->cpath, err) < 0 ||
	    find_predictions(base, o->baseline_predictions, "--baseline-predictions", r,
			     &P->bpath, err) < 0 ||
	    scored_read_predictions(&P->cf, P->cpath, classifier, err) < 0 ||
	    scored_read_predictions(&P->bf, P->bpath, classifier, err) < 0)
		return -1;
	if (base->git && base->pred_file && !o->baseline_predictions) {
		free(P->bpath);
		if (!(P->bpath = strdup(base->pred_name)))
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	c = &P->cf.s;
	b = &P->bf.s;
	n = c->n;
	if (b->n != n)
		return err_set(err, MLCI_EXIT_DATAERR, P->bpath,
			       "the predictions are of another evaluation set: %zu rows here, %zu in %s (a paired rule compares two models on the same rows)",
			       b->n, n, P->cpath);
	/* sorted baseline keys with their rows: keys[2i] key, perm[i] row */
	keys = malloc((n + 1) * sizeof(*keys));
	perm = malloc((n + 1) * sizeof(*perm));
	if (!keys || !perm) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		keys[i] = b->keys[i];
	qsort(keys, n, sizeof(*keys), cmp_key);
	P->b = *b;
	if (classifier) {
		P->yt = malloc((n + 1) * sizeof(*P->yt));
		P->yp = malloc((n + 1) * sizeof(*P->yp));
		P->proba = b->K ? malloc((n * b->K + 1) * sizeof(*P->proba)) : NULL;
		if (!P->yt || !P->yp || (b->K && !P->proba)) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto out;
		}
	} else {
		P->y = malloc((n + 1) * sizeof(*P->y));
		P->p = malloc((n + 1) * sizeof(*P->p));
		if (!P->y || !P->p) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		const char **hit = bsearch(&c->keys[i], keys, n, sizeof(*keys), cmp_key);
		size_t j;

		if (!hit) {
			err_set(err, MLCI_EXIT_DATAERR, P->bpath,
				"the predictions are of another evaluation set: key '%.200s' of %s is not here (a paired rule compares two models on the same rows)",
				c->keys[i], P->cpath);
			goto out;
		}
		/* the row of that key in b: scan once per key would be
		 * quadratic, so find it through the key pointer */
		j = (size_t)(hit - keys);
		perm[i] = j;
	}
	/* keys[] holds pointers into b's cells: map each back to its row */
	{
		const char **rowkey = malloc((n + 1) * sizeof(*rowkey));
		size_t *rowof = malloc((n + 1) * sizeof(*rowof));
		struct { const char *k; size_t r; } *kr = malloc((n + 1) * sizeof(*kr));

		if (!rowkey || !rowof || !kr) {
			free(rowkey), free(rowof), free(kr);
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++) {
			kr[i].k = b->keys[i];
			kr[i].r = i;
		}
		qsort(kr, n, sizeof(*kr), cmp_key);	/* the key is the first field */
		for (i = 0; i < n; i++)
			rowof[i] = kr[i].r;
		for (i = 0; i < n; i++)
			perm[i] = rowof[perm[i]];
		free(rowkey), free(rowof), free(kr);
	}
	for (i = 0; i < n; i++) {
		size_t j = perm[i];

		if (classifier) {
			if (strcmp(c->names[c->y_true[i]], b->names[b->y_true[j]])) {
				err_set(err, MLCI_EXIT_DATAERR, P->bpath,
					"key '%.200s' has label '%.100s' here and '%.100s' in %s: not the same evaluation set",
					c->keys[i], b->names[b->y_true[j]], c->names[c->y_true[i]], P->cpath);
				goto out;
			}
			P->yt[i] = b->y_true[j];
			P->yp[i] = b->y_pred[j];
			if (b->K)
				memcpy(P->proba + i * b->K, b->proba + j * b->K,
				       b->K * sizeof(*P->proba));
		} else {
			if (c->y[i] != b->y[j]) {
				err_set(err, MLCI_EXIT_DATAERR, P->bpath,
					"key '%.200s' has another label here than in %s: not the same evaluation set",
					c->keys[i], P->cpath);
				goto out;
			}
			P->y[i] = b->y[j];
			P->p[i] = b->p[j];
		}
	}
	P->b.y_true = P->yt;
	P->b.y_pred = P->yp;
	P->b.proba = P->proba;
	P->b.y = P->y;
	P->b.p = P->p;
	P->b.keys = c->keys;
	P->loaded = 1;
	rc = 0;
out:
	free(keys);
	free(perm);
	return rc;
}

/* Run the rule's test into rr->pt (p_adjusted set later by Holm). */
static int paired_test(const struct gate_opts *o, struct pairs *P,
		       struct report_rule *rr, enum rule_op op, struct mlci_err *err)
{
	const struct scored *c = &P->cf.s, *b = &P->b;
	struct paired_result pr;
	int higher = op == RULE_GE || op == RULE_GT, r = 1;
	double margin = rr->threshold - rr->baseline;
	size_t i, n = c->n;

	memset(&rr->pt, 0, sizeof(rr->pt));
	rr->pt.margin = margin;
	rr->pt.level = 1 - 2 * o->alpha;
	if (c->classifier && !strcmp(rr->metric, "accuracy")) {
		unsigned char *ok = malloc(2 * n + 1);

		if (!ok)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		for (i = 0; i < n; i++) {
			ok[i] = c->y_pred[i] == c->y_true[i];
			ok[n + i] = b->y_pred[i] == b->y_true[i];
		}
		r = paired_mcnemar(ok, ok + n, n, margin, higher, o->alpha, &pr, err);
		free(ok);
	} else if (c->classifier && !strcmp(rr->metric, "roc_auc") && c->K == 2 &&
		   b->K == 2 && c->proba && b->proba && c->L == 2 && b->L == 2 &&
		   !strcmp(c->names[1], b->names[1])) {
		unsigned char *pos = malloc(n + 1);
		double *sc = malloc((n + 1) * sizeof(*sc)), *sb = malloc((n + 1) * sizeof(*sb));

		if (!pos || !sc || !sb) {
			free(pos), free(sc), free(sb);
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		}
		for (i = 0; i < n; i++) {
			pos[i] = c->y_true[i] == 1;
			sc[i] = c->proba[2 * i + 1];
			sb[i] = b->proba[2 * i + 1];
		}
		r = paired_delong(pos, sc, sb, n, margin, higher, o->alpha, &pr, err);
		free(pos), free(sc), free(sb);
	}
	if (r == 1)
		r = paired_bootstrap(c, b, rr->metric, (size_t)o->bootstrap,
				     (uint64_t)o->seed, margin, higher, o->alpha, &pr, err);
	if (r < 0)
		return -1;
	if (r == 0 && !(isfinite(pr.diff) && isfinite(pr.low) && isfinite(pr.high) &&
			isfinite(pr.mde) && isfinite(pr.p_value) && isfinite(pr.p_inferior))) {
		rr->pt.method = "none";
		rr->pt.note = "the difference overflows a double";
		rr->pt.n = n;
		rr->pt.p_value = rr->pt.p_inferior = rr->pt.p_adjusted = 1;
		return 0;
	}
	if (r == 1) {
		rr->pt.method = "none";
		rr->pt.note = "the metric is undefined on these rows for one of the models";
		rr->pt.n = n;
		rr->pt.p_value = rr->pt.p_inferior = rr->pt.p_adjusted = 1;
		return 0;
	}
	rr->pt.method = pr.method;
	rr->pt.diff = pr.diff;
	rr->pt.low = pr.low;
	rr->pt.high = pr.high;
	rr->pt.p_value = pr.p_value;
	rr->pt.p_inferior = pr.p_inferior;
	rr->pt.mde = pr.mde;
	rr->pt.n = pr.n;
	rr->pt.resamples = pr.resamples;
	rr->pt.only_candidate = pr.only_candidate;
	rr->pt.only_baseline = pr.only_baseline;
	return 0;
}

/* Holm across the paired rules, then each one's status. */
static int paired_verdicts(const struct gate_opts *o, struct report *rep,
			   struct mlci_err *err)
{
	double *p = malloc((rep->nrules + 1) * sizeof(*p));
	size_t i, m = 0;

	if (!p)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < rep->nrules; i++)
		if (rep->rules[i].paired)
			p[m++] = rep->rules[i].pt.p_value;
	if (paired_holm(p, m) < 0) {
		free(p);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (i = 0, m = 0; i < rep->nrules; i++) {
		struct report_rule *rr = &rep->rules[i];

		if (!rr->paired)
			continue;
		rr->pt.p_adjusted = p[m++];
		rr->status = rr->pt.note ? REPORT_INCONCLUSIVE :
			     rr->pt.p_adjusted <= o->alpha ? REPORT_PASS :
			     rr->pt.p_inferior <= o->alpha ? REPORT_FAIL : REPORT_INCONCLUSIVE;
	}
	free(p);
	return 0;
}

/* ---- evaluation ---- */

static const struct report_metric *find_metric(const struct report *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->nmetrics; i++)
		if (!strcmp(rep->metrics[i].name, name))
			return &rep->metrics[i];
	return NULL;
}

/*
 * The outcomes a rule over `baseline` or `band` has without a number to
 * compare with, into rr (status and reason; rr->reason stays NULL when
 * the rule can be judged):
 *   no baseline recorded             inconclusive, the baseline's reason
 *   metric in the candidate only     inconclusive: a new metric
 *   metric in the baseline only      fail: the candidate lost it
 *   (in neither: metric_value's unknown-metric error, 65)
 *   band of fewer than 2 values      inconclusive: no noise band
 */
static int judge_reason(const struct report *rep, const struct rule *r,
			const struct metrics_in *cur, const struct metrics_in *base,
			struct report_rule *rr, struct mlci_err *err)
{
	json_t *cv = json_object_get(cur->metrics, r->metric);
	json_t *bv = base->metrics ? json_object_get(base->metrics, r->metric) : NULL;
	char msg[600];

	msg[0] = '\0';
	rr->value = json_is_number(cv) ? json_number_value(cv) : NAN;
	if (r->uses_baseline && base->missing) {
		if (!json_is_number(cv))
			return 0;	/* unknown or undefined metric: the 65 error */
		snprintf(msg, sizeof(msg), "%s", base->reason);
		rr->status = REPORT_INCONCLUSIVE;
	} else if (r->uses_baseline && json_is_number(cv) && !bv) {
		snprintf(msg, sizeof(msg),
			 "no baseline: '%.100s' is a new metric (not in %.300s)", r->metric,
			 base->path);
		rr->status = REPORT_INCONCLUSIVE;
	} else if (r->uses_baseline && !cv && json_is_number(bv)) {
		snprintf(msg, sizeof(msg),
			 "metric '%.100s' is in the baseline (%.12g) but missing from the candidate's %.300s",
			 r->metric, json_number_value(bv), cur->path);
		rr->status = REPORT_FAIL;
		rr->baseline = json_number_value(bv);
		rr->has_baseline = 1;
	} else if (r->uses_band && json_is_number(cv)) {
		const struct report_metric *m = find_metric(rep, r->metric);

		if (m && m->band_n >= 2)
			return 0;
		snprintf(msg, sizeof(msg),
			 "no noise band for '%.100s': %zu recorded value%s in the last %zu notes along %.200s (at least 2 needed)",
			 r->metric, m ? m->band_n : 0, m && m->band_n == 1 ? "" : "s",
			 rep->history_notes, rep->history_ref ? rep->history_ref : "?");
		rr->status = REPORT_INCONCLUSIVE;
	}
	if (!msg[0])
		return 0;
	rr->pass = rr->status == REPORT_PASS;
	rr->reason = strdup(msg);
	return rr->reason ? 0 : err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

/* Judge one rule (for a slice rule, over slice sl of cur) into rr. A
 * rule judge_reason settles (no baseline recorded, a new or lost metric,
 * no noise band) keeps its reason and no threshold. */
static int judge(const struct report *rep, const struct rule *r, json_t *sl,
		 const struct metrics_in *cur, const struct metrics_in *base,
		 struct report_rule *rr, struct mlci_err *err)
{
	int rc = 0;

	rr->op = rule_op_str(r->op);
	if (r->scope == RULE_METRIC && (r->uses_baseline || r->uses_band)) {
		if (judge_reason(rep, r, cur, base, rr, err) < 0)
			return -1;
		if (rr->reason)
			goto reasoned;
	}
	if (r->scope == RULE_METRIC)
		rc = metric_value(cur, r, &rr->value, err);
	else if (r->scope == RULE_OPERATIONAL)
		rc = operational_value(cur, r, &rr->value, err);
	else
		rc = slice_value(cur, sl, r, "", &rr->value, &rr->note, err);
	if (rc < 0)
		return -1;
	rr->no_value = rc == 1;
	if (r->uses_baseline && base->missing && !rr->note) {
		rr->reason = strdup(base->reason);
		if (!rr->reason)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		rr->status = REPORT_INCONCLUSIVE;
		goto reasoned;
	}
	if (r->uses_baseline && !rr->note) {
		if (r->scope == RULE_METRIC) {
			rc = metric_value(base, r, &rr->baseline, err);
		} else if (r->scope == RULE_OPERATIONAL) {
			rc = operational_value(base, r, &rr->baseline, err);
		} else {
			const char *cols[SLICE_KEYS_MAX], *vals[SLICE_KEYS_MAX];
			json_t *by = json_object_get(sl, "by"), *bsl;
			size_t i;

			for (i = 0; i < r->nkeys && i < SLICE_KEYS_MAX; i++) {
				cols[i] = r->keys[i].col;
				vals[i] = json_string_value(json_object_get(by, cols[i]));
			}
			bsl = find_slice(base, r, cols, vals, i, err);
			rc = bsl ? slice_value(base, bsl, r, "in the baseline, ", &rr->baseline,
					       &rr->note, err) : -1;
		}
		if (rc < 0)
			return -1;
		rr->has_baseline = rc == 0;
	}
	if (r->uses_baseline && !rr->has_baseline) {
		rr->no_threshold = 1;
	} else {
		double band[RULE_BAND_PARTS] = { 0 };
		const struct report_metric *m = find_metric(rep, r->metric);

		if (r->uses_band && m) {
			band[RULE_BAND_LOW] = m->band_low;
			band[RULE_BAND_HIGH] = m->band_high;
			band[RULE_BAND_MEAN] = m->band_mean;
			band[RULE_BAND_SD] = m->band_sd;
			band[RULE_BAND_N] = (double)m->band_n;
		}
		if (rule_threshold_band(r, rr->baseline, r->uses_band ? band : NULL,
					&rr->threshold, err) < 0)
			return -1;
	}
	if (rr->note) {
		rr->status = REPORT_INCONCLUSIVE;
		return 0;
	}
	rr->pass = rule_compare(r->op, rr->value, rr->threshold);
	rr->status = rr->pass ? REPORT_PASS : REPORT_FAIL;
	rr->delta = rr->value - (rr->has_baseline ? rr->baseline : rr->threshold);
	return 0;
reasoned:
	/* judged without a threshold: value (NaN when the candidate lacks
	 * it), threshold and delta go out as null */
	rr->threshold = rr->delta = NAN;
	rr->pass = rr->status == REPORT_PASS;
	return 0;
}

/* A new zeroed rule at the end of rep->rules (and of *slices). */
static struct report_rule *add_rule(struct report *rep, json_t ***slices,
				    size_t *cap, struct mlci_err *err)
{
	if (rep->nrules >= GATE_MAX_RULES) {
		err_set(err, MLCI_EXIT_DATAERR, NULL,
			"more than %d rules once slices(...) rules are expanded over their slices",
			GATE_MAX_RULES);
		return NULL;
	}
	if (rep->nrules == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		struct report_rule *nv = realloc(rep->rules, nc * sizeof(*nv));
		json_t **ns;

		if (!nv) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			return NULL;
		}
		rep->rules = nv;
		ns = realloc(*slices, nc * sizeof(*ns));
		if (!ns) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			return NULL;
		}
		*slices = ns;
		*cap = nc;
	}
	memset(&rep->rules[rep->nrules], 0, sizeof(rep->rules[0]));
	(*slices)[rep->nrules] = NULL;
	return &rep->rules[rep->nrules++];
}

/* One slice's name for a slices(...) rule: slice[k=v,...].metric. */
static char *slice_name(const struct rule *r, json_t *sl)
{
	const char *cols[SLICE_KEYS_MAX], *vals[SLICE_KEYS_MAX];
	json_t *by = json_object_get(sl, "by");
	struct buf b;
	size_t i;

	for (i = 0; i < r->nkeys && i < SLICE_KEYS_MAX; i++) {
		cols[i] = r->keys[i].col;
		vals[i] = json_string_value(json_object_get(by, cols[i]));
	}
	buf_init(&b);
	if (rule_slice_format(&b, cols, vals, i, r->metric) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int evaluate(const struct gate_opts *o, const struct ruleset *rs,
		    const struct metrics_in *cur, const struct metrics_in *base,
		    struct pairs *P, struct report *rep, json_t ***slices,
		    struct mlci_err *err)
{
	size_t i, cap = 0;

	for (i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		const char *cols[SLICE_KEYS_MAX], *vals[SLICE_KEYS_MAX];
		json_t *targets = json_array(), *sl;
		char where[600];
		size_t j;

		if (!targets)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		if (r->nkeys > SLICE_KEYS_MAX) {
			json_decref(targets);
			rule_where(r, where, sizeof(where));
			return err_set(err, r->code, NULL, "rule '%s' (%s) names more than %d slice columns",
				       r->text, where, SLICE_KEYS_MAX);
		}
		for (j = 0; j < r->nkeys; j++) {
			cols[j] = r->keys[j].col;
			vals[j] = r->keys[j].value;
		}
		if (r->scope == RULE_SLICE) {
			if (!(sl = find_slice(cur, r, cols, vals, r->nkeys, err))) {
				json_decref(targets);
				return -1;
			}
			json_array_append(targets, sl);
		} else if (r->scope == RULE_SLICES) {
			json_t *list = json_object_get(cur->art, "slices");

			json_array_foreach(list, j, sl)
				if (slice_matches(sl, cols, NULL, r->nkeys))
					json_array_append(targets, sl);
			if (!json_array_size(targets) &&
			    !find_slice(cur, r, cols, NULL, r->nkeys, err)) {
				json_decref(targets);
				return -1;
			}
		} else {
			json_array_append_new(targets, json_null());
		}
		json_array_foreach(targets, j, sl) {
			struct report_rule *rr = add_rule(rep, slices, &cap, err);
			const char *rest = r->text + strlen(r->subject);

			if (!rr || judge(rep, r, json_is_null(sl) ? NULL : sl, cur, base, rr, err) < 0) {
				json_decref(targets);
				return -1;
			}
			if (r->code == MLCI_EXIT_USAGE)
				snprintf(where, sizeof(where), "--rule");
			else
				rule_where(r, where, sizeof(where));
			if (r->scope == RULE_SLICES) {
				rr->metric = slice_name(r, sl);
				if (rr->metric && asprintf(&rr->rule, "%s%s", rr->metric, rest) < 0)
					rr->rule = NULL;
			} else {
				rr->metric = strdup(r->scope == RULE_METRIC ? r->metric : r->subject);
				rr->rule = strdup(r->text);
			}
			if (!json_is_null(sl))
				(*slices)[rep->nrules - 1] = json_object_get(sl, "by");
			rr->source = strdup(where);
			if (!rr->rule || !rr->metric || !rr->source) {
				json_decref(targets);
				return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			}
			if (r->paired && !rr->reason) {	/* a reason settles it */
				rr->paired = 1;
				if ((!P->loaded && pairs_load(P, o, cur, base, r, err) < 0) ||
				    paired_test(o, P, rr, r->op, err) < 0) {
					json_decref(targets);
					return -1;
				}
			}
		}
		json_decref(targets);
	}
	if (paired_verdicts(o, rep, err) < 0)
		return -1;
	return report_finish(rep) < 0 ?
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory") : 0;
}

/* A paired rule's evidence as JSON. */
static json_t *paired_json(const struct report_rule *rr, double alpha)
{
	const struct report_paired *pt = &rr->pt;
	json_t *j = json_pack("{s:s, s:f, s:f, s:I}", "method", pt->method, "alpha", alpha,
			      "margin", pt->margin, "n", (json_int_t)pt->n);

	if (!j)
		return NULL;
	if (pt->note) {
		json_object_set_new(j, "note", json_string(pt->note));
		return j;
	}
	json_object_set_new(j, "difference", json_real(pt->diff));
	json_object_set_new(j, "interval", json_pack("{s:f, s:f, s:f}", "low", pt->low,
						     "high", pt->high, "level", pt->level));
	json_object_set_new(j, "p_value", json_real(pt->p_value));
	json_object_set_new(j, "p_adjusted", json_real(pt->p_adjusted));
	json_object_set_new(j, "p_inferior", json_real(pt->p_inferior));
	json_object_set_new(j, "mde", json_real(pt->mde));
	if (!strncmp(pt->method, "mcnemar", 7))
		json_object_set_new(j, "discordant", json_pack("{s:I, s:I}",
			"only_candidate", (json_int_t)pt->only_candidate,
			"only_baseline", (json_int_t)pt->only_baseline));
	if (pt->resamples)
		json_object_set_new(j, "resamples", json_integer((json_int_t)pt->resamples));
	return j;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *gate_json(const struct gate_opts *o, const struct report *rep,
			 const struct metrics_in *cur,
			 const struct metrics_in *base, const struct pairs *P,
			 json_t *const *slices, struct mlci_err *err)
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
	    (P->loaded && (artifact_add_input(art, "predictions", P->cpath, P->cf.sha256) < 0 ||
			   artifact_add_input(art, "baseline_predictions", P->bpath,
					      P->bf.sha256) < 0)) ||
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
		json_t *j = json_pack("{s:s, s:s, s:s, s:s}",
				      "rule", rr->rule, "metric", rr->metric,
				      "op", rr->op, "status", report_status_str(rr->status));

		if (j && rr->reason) {	/* settled by its reason: null numbers */
			json_object_set_new(j, "threshold", json_null());
			json_object_set_new(j, "value", num_or_null(rr->value));
			json_object_set_new(j, "delta", json_null());
			json_object_set_new(j, "reason", json_string(rr->reason));
		} else if (j) {
			if (!rr->no_threshold)
				json_object_set_new(j, "threshold", json_real(rr->threshold));
			if (!rr->no_value)
				json_object_set_new(j, "value", json_real(rr->value));
			if (!rr->note)
				json_object_set_new(j, "delta", json_real(rr->delta));
			if (rr->note)
				json_object_set_new(j, "note", json_string(rr->note));
		}
		if (j && slices[i])
			json_object_set(j, "slice", slices[i]);
		if (j && rr->has_baseline)
			json_object_set_new(j, "baseline", json_real(rr->baseline));
		if (j && rr->paired && json_object_set_new(j, "paired", paired_json(rr, o->alpha)) < 0) {
			json_decref(j);
			j = NULL;
		}
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
	json_object_set_new(counts, "inconclusive", json_integer((json_int_t)rep->ninconclusive));
	json_object_set_new(tol, "relative", json_real(RULE_TOL_REL));
	json_object_set_new(tol, "absolute", json_real(RULE_TOL_ABS));
	json_object_set_new(art, "verdict", json_string(report_status_str(rep->status)));
	json_object_set_new(art, "decision", json_string(report_status_str(rep->decision)));
	json_object_set_new(art, "paired", json_pack("{s:f, s:s, s:I, s:I, s:s}",
		"alpha", o->alpha, "correction", "holm",
		"bootstrap", (json_int_t)o->bootstrap, "seed", (json_int_t)o->seed,
		"inconclusive_as", report_status_str(rep->inconclusive_as)));
	json_object_set_new(art, "rules", rules);
	json_object_set_new(art, "counts", counts);
	json_object_set_new(art, "tolerance", tol);
	return art;
}

/* ---- noise bands ---- */

/* The notes along the history ref, each metric's band into rep->metrics,
 * and gate.json's "history" object into *out. */
static int load_bands(const struct gate_opts *o, struct report *rep, json_t **out,
		      struct mlci_err *err)
{
	struct baseline_history h;
	struct baseline_git_opts go = { o->baseline_remote, 0 };
	char *ref = NULL, *path = NULL;
	json_t *bands, *commits;
	double *v = NULL;
	size_t i, k, nn;

	if (o->history_ref) {
		ref = strdup(o->history_ref);
		if (!ref)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	} else if (baseline_spec_parse(o->baseline, &ref, &path, err) < 0) {
		return -1;
	}
	free(path);
	if (baseline_history_load(ref, (size_t)o->history, &go, &h, err) < 0) {
		free(ref);
		return -1;
	}
	free(ref);
	nn = json_array_size(h.notes);
	rep->history_ref = strdup(h.ref);
	rep->history_notes = nn;
	v = malloc((nn + 1) * sizeof(*v));
	bands = json_object();
	commits = json_array();
	*out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:b, s:s}", "ref", h.ref,
			 "commit", h.commit, "requested", (json_int_t)o->history,
			 "notes", (json_int_t)nn, "walked", (json_int_t)h.walked,
			 "truncated", h.truncated,
			 "definition", "low and high are the smallest and largest of the n recorded values, mean their mean, sd their sample standard deviation; undefined below 2 values");
	if (!rep->history_ref || !v || !bands || !commits || !*out) {
		free(v);
		json_decref(bands);
		json_decref(commits);
		baseline_history_free(&h);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (k = 0; k < nn; k++)
		json_array_append(commits, json_object_get(json_array_get(h.notes, k), "commit"));
	for (i = 0; i < rep->nmetrics; i++) {
		struct report_metric *m = &rep->metrics[i];
		struct baseline_band b;
		size_t n = 0;
		json_t *bj;

		for (k = 0; k < nn; k++) {
			json_t *a = json_object_get(json_array_get(h.notes, k), "metrics");
			json_t *x = json_object_get(json_object_get(a, "metrics"), m->name);

			if (json_is_number(x))
				v[n++] = json_number_value(x);
		}
		m->band_n = n;
		if (baseline_band(v, n, &b) == 0) {
			m->band_low = b.low;
			m->band_high = b.high;
			m->band_mean = b.mean;
			m->band_sd = b.sd;
			m->band_pos = baseline_band_position(&b, m->value);
			bj = json_pack("{s:f, s:f, s:f, s:f, s:I, s:f, s:s}", "low", b.low,
				       "high", b.high, "mean", b.mean, "sd", b.sd,
				       "n", (json_int_t)n, "value", m->value,
				       "position", m->band_pos);
		} else {
			bj = json_pack("{s:I, s:f, s:n}", "n", (json_int_t)n, "value", m->value,
				       "position");
		}
		if (!bj || json_object_set_new(bands, m->name, bj) < 0) {
			free(v);
			json_decref(bands);
			json_decref(commits);
			baseline_history_free(&h);
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		}
	}
	json_object_set_new(*out, "bands", bands);
	json_object_set_new(*out, "commits", commits);
	free(v);
	baseline_history_free(&h);
	return 0;
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
		{ "--rules", o->rules_file }, { "--predictions", o->predictions },
		{ "--baseline-predictions", o->baseline_predictions },
	};
	struct path_role outs[8];
	size_t i;

	for (i = 0; i < n && i < 8; i++) {
		outs[i].opt = out[i].opt;
		outs[i].path = out[i].path;
	}
	return check_output_paths(outs, i, in, 5, err);
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
			err_set(err, MLCI_EXIT_IOERR, out[i].path, "cannot write: %s",
				afile_error(&out[i].f));
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

/* --baseline gitlab: download it (gitlab.h) into the baseline directory,
 * by default "baseline" beside --out. */
static int fetch_gitlab(const struct gate_opts *o, const struct ruleset *rs,
			struct gitlab_fetched *f, struct mlci_err *err)
{
	struct gitlab_baseline gb;
	char *dir = NULL;
	size_t i;
	int paired = 0, rc;

	if (!o->gitlab)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--baseline gitlab: no GitLab settings were given");
	for (i = 0; i < rs->n; i++)
		paired |= rs->v[i].paired;
	gb = *o->gitlab;
	if (!gb.dir) {
		const char *slash = strrchr(o->out, '/');
		struct buf b;

		buf_init(&b);
		if ((slash && buf_add(&b, o->out, (size_t)(slash - o->out + 1)) < 0) ||
		    buf_addstr(&b, "baseline") < 0) {
			buf_release(&b);
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		}
		gb.dir = dir = buf_detach(&b, NULL);
	}
	rc = gitlab_fetch_baseline(&gb, paired && !o->baseline_predictions, f, err);
	free(dir);
	return rc;
}

int gate_run(const struct gate_opts *o, struct gate_result *res,
	     struct mlci_err *err)
{
	struct ruleset rs = { 0 };
	struct metrics_in cur = { 0 }, base = { 0 };
	struct pairs P;
	struct gitlab_fetched fetched = { 0 };
	struct gate_opts oo;
	double alpha;
	long nboot;
	struct output out[] = {
		{ "--out", o->out, { 0 }, { 0 }, 0 },
		{ "--junit", o->junit, { 0 }, { 0 }, 0 },
		{ "--markdown", o->markdown, { 0 }, { 0 }, 0 },
		{ "--openmetrics", o->openmetrics, { 0 }, { 0 }, 0 },
		{ "--dotenv", o->dotenv, { 0 }, { 0 }, 0 },
	};
	const size_t nout = sizeof(out) / sizeof(out[0]);
	struct report *rep = &res->rep;
	json_t *art = NULL, *history = NULL, **slices = NULL;
	char when[32];
	size_t i;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&P, 0, sizeof(P));
	/* zero means the default */
	alpha = o->alpha ? o->alpha : GATE_DEFAULT_ALPHA;
	nboot = o->bootstrap ? o->bootstrap : GATE_DEFAULT_BOOTSTRAP;
	oo = *o;
	oo.alpha = alpha;
	oo.bootstrap = nboot;
	o = &oo;
	for (i = 0; i < nout; i++)
		buf_init(&out[i].data);
	if (!(alpha > 0 && alpha < 0.5)) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--alpha is a level between 0 and 0.5, e.g. 0.05");
		goto done;
	}
	if (nboot < 1 || nboot > 100000) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--bootstrap is 1 to 100000 resamples");
		goto done;
	}
	if (o->seed < 0) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--seed is a non-negative integer");
		goto done;
	}
	if (!o->inconclusive || !strcmp(o->inconclusive, "inconclusive"))
		rep->inconclusive_as = REPORT_INCONCLUSIVE;
	else if (!strcmp(o->inconclusive, "pass"))
		rep->inconclusive_as = REPORT_PASS;
	else if (!strcmp(o->inconclusive, "fail"))
		rep->inconclusive_as = REPORT_FAIL;
	else {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--inconclusive is pass, fail or inconclusive, not '%.100s'", o->inconclusive);
		goto done;
	}
	rep->alpha = o->alpha;
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
	for (i = 0; i < rs.n; i++)
		if (rs.v[i].uses_band && o->history <= 0) {
			err_set_at(err, MLCI_EXIT_USAGE, rs.v[i].file, rs.v[i].line, 0,
				   "rule '%s' uses the noise band: --history N is required",
				   rs.v[i].text);
			goto done;
		}
	if (o->history < 0 || o->history > BASELINE_HISTORY_MAX) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--history is 1 to %d notes", BASELINE_HISTORY_MAX);
		goto done;
	}
	if (o->history && !o->history_ref && !baseline_is_git(o->baseline)) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--history N reads the notes along a git ref: give --history-ref REF or a --baseline git:REF");
		goto done;
	}
	if (metrics_load(&cur, o->metrics, err) < 0)
		goto done;
	if (o->baseline && !strcmp(o->baseline, GATE_BASELINE_GITLAB)) {
		if (fetch_gitlab(o, &rs, &fetched, err) < 0)
			goto done;
		if (fetched.not_found) {	/* as a git ref with nothing recorded */
			base.missing = 1;
			snprintf(base.reason, sizeof(base.reason), "%.200s", fetched.reason);
			base.info = json_pack("{s:s, s:s, s:b, s:s}", "source", "gitlab",
					      "spec", o->baseline, "found", 0,
					      "reason", fetched.reason);
		} else {
			oo.baseline = fetched.metrics;	/* the file downloaded */
			if (check_paths(o, out, nout, err) < 0)
				goto done;
		}
	}
	if (base.missing) {
		;	/* rules over the baseline are inconclusive */
	} else if (baseline_is_git(o->baseline)) {
		int want_pred = 0;

		for (i = 0; i < rs.n; i++)
			want_pred |= rs.v[i].paired;
		if (git_baseline_load(o, want_pred && !o->baseline_predictions, &base, err) < 0)
			goto done;
	} else if (o->baseline) {
		if (metrics_load(&base, o->baseline, err) < 0)
			goto done;
		base.info = json_pack("{s:s, s:s, s:b}", "source",
				      fetched.metrics ? "gitlab" : "file", "path",
				      o->baseline, "found", 1);
	}

	rep->tool = o->producer;
	rep->metrics_path = strdup(o->metrics);
	rep->metrics_sha = strdup(cur.sha);
	rep->baseline_path = o->baseline ? strdup(base.path ? base.path : o->baseline) : NULL;
	if (!rep->metrics_path || !rep->metrics_sha ||
	    (o->baseline && !rep->baseline_path)) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (collect_metrics(rep, &cur, &base, err) < 0)
		goto done;
	if (o->history && load_bands(o, rep, &history, err) < 0)
		goto done;
	if (evaluate(o, &rs, &cur, &base, &P, rep, &slices, err) < 0)
		goto done;
	if (artifact_time(when, NULL, err) < 0)
		goto done;
	snprintf(rep->timestamp, sizeof(rep->timestamp), "%.19s", when);
	if (gethostname(rep->hostname, sizeof(rep->hostname) - 1) != 0)
		rep->hostname[0] = '\0';
	rep->hostname[sizeof(rep->hostname) - 1] = '\0';

	art = gate_json(o, rep, &cur, &base, &P, slices, err);
	if (!art)
		goto done;
	if (base.info)
		json_object_set(art, "baseline", base.info);
	if (history)
		json_object_set(art, "history", history);
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
	free(slices);
	json_decref(cur.art);
	metrics_in_free(&base);
	json_decref(history);
	pairs_free(&P);
	ruleset_free(&rs);
	if (rc < 0)
		gitlab_fetched_remove(&fetched);
	else
		gitlab_fetched_free(&fetched);
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

	if (r->status == REPORT_PASS)
		return buf_printf(b, "PASS: %zu of %zu rules passed", r->npassed,
				  r->nrules);
	if (r->status == REPORT_FAIL)
		rc = buf_printf(b, "FAIL: %zu of %zu rules failed", r->nfailed, r->nrules);
	else
		rc = buf_printf(b, "INCONCLUSIVE: %zu of %zu rules inconclusive", r->ninconclusive,
				r->nrules);
	if (!rc && r->status == REPORT_INCONCLUSIVE && r->decision != REPORT_INCONCLUSIVE)
		rc = buf_printf(b, " (decision: %s)", report_status_str(r->decision));
	rc = rc || buf_addch(b, ':');
	for (i = 0; !rc && i < r->nrules; i++) {
		const struct report_rule *rr = &r->rules[i];
		char v[40];

		if (rr->status != r->status)
			continue;
		if (shown++ == 5) {
			rc = buf_addstr(b, " ...");
			break;
		}
		snprintf(v, sizeof(v), "%.12g", rr->value);
		if (rr->reason) {
			rc = buf_printf(b, "%s %s (%s)", shown > 1 ? ";" : "", rr->name, rr->reason);
			continue;
		}
		rc = buf_printf(b, "%s %s (%s = %s", shown > 1 ? ";" : "",
				rr->name, rr->metric, v);
		if (!rc && rr->paired && !rr->pt.note)
			rc = buf_printf(b, ", difference %+.4g [%+.4g, %+.4g], p = %.3g",
					rr->pt.diff, rr->pt.low, rr->pt.high, rr->pt.p_adjusted);
		rc = rc || buf_addch(b, ')');
	}
	return rc ? -1 : 0;
}
