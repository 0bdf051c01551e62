/*
 * monitor.c - live data and predictions against the training reference,
 * over time; see monitor.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "drift.h"
#include "io.h"
#include "monitor.h"
#include "redact.h"
#include "validate.h"

#define OOM(err) err_set((err), MLCI_EXIT_SOFTWARE, NULL, "out of memory")
#define HISTORY_VERSION 1

/* ---- pure time-series checks ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of x, sorted in place. */
static double median_sorted(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
	return n % 2 ? x[n / 2] : x[n / 2 - 1] / 2 + x[n / 2] / 2;
}

double monitor_median(const double *x, size_t n)
{
	double *t, m;

	if (!n || !(t = malloc(n * sizeof(*t))))
		return 0;
	memcpy(t, x, n * sizeof(*t));
	m = median_sorted(t, n);
	free(t);
	return m;
}

int monitor_robust_z(const double *w, size_t n, double x, double *z,
		     double *med, double *scale)
{
	double *t, m, mad, mean_ad = 0;
	size_t i;

	*z = 0;
	*med = 0;
	*scale = 0;
	if (!n)
		return 1;
	if (!(t = malloc(n * sizeof(*t))))
		return -1;
	memcpy(t, w, n * sizeof(*t));
	m = median_sorted(t, n);
	for (i = 0; i < n; i++) {
		t[i] = fabs(w[i] - m);
		mean_ad += t[i];
	}
	mean_ad /= (double)n;
	mad = median_sorted(t, n);
	free(t);
	*med = m;
	if (mad > 0)
		*scale = mad;
	else if (mean_ad > 0)
		*scale = 0.6745 * 1.253314 * mean_ad;
	else
		return 1;
	*z = 0.6745 * (x - m) / *scale;
	if (!isfinite(*z))
		*z = copysign(DBL_MAX, x - m);
	return 0;
}

int monitor_ewma(const double *v, size_t n, double lambda, double L,
		 struct monitor_ewma *out)
{
	double mu = 0, mr = 0, e, f;
	size_t i, k;

	memset(out, 0, sizeof(*out));
	if (!(lambda > 0 && lambda <= 1) || !(L > 0))
		return -1;
	if (n < 3)
		return 1;
	k = n - 1;	/* the window; v[k] is the value judged */
	for (i = 0; i < k; i++)
		mu += v[i];
	mu /= (double)k;
	for (i = 1; i < k; i++)
		mr += fabs(v[i] - v[i - 1]);
	out->center = mu;
	out->sigma = mr / (double)(k - 1) / 1.128;
	e = mu;
	for (i = 0; i < n; i++)
		e = lambda * v[i] + (1 - lambda) * e;
	out->ewma = e;
	out->t = n;
	f = pow(1 - lambda, 2.0 * (double)n);
	out->limit = L * out->sigma * sqrt(lambda / (2 - lambda) * (1 - f));
	if (!isfinite(out->center) || !isfinite(out->sigma) ||
	    !isfinite(out->ewma) || !isfinite(out->limit))
		return 1;	/* values near DBL_MAX: sums overflow */
	return out->sigma > 0 ? 0 : 1;
}

/* ---- options ---- */

void monitor_opts_init(struct monitor_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->z = MONITOR_Z;
	o->ewma_lambda = MONITOR_EWMA_LAMBDA;
	o->ewma_l = MONITOR_EWMA_L;
	o->min_history = MONITOR_MIN_HISTORY;
	o->push.job = "mlci-monitor";
}

int monitor_check_opts(const struct monitor_opts *o, struct mlci_err *err)
{
	if (!(o->z > 0) || !isfinite(o->z))
		return err_set(err, MLCI_EXIT_USAGE, NULL, "--z: expected a number > 0");
	if (!(o->ewma_lambda > 0 && o->ewma_lambda <= 1))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--ewma-lambda: expected a weight in (0, 1]");
	if (!(o->ewma_l > 0) || !isfinite(o->ewma_l))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--ewma-l: expected a number > 0");
	if (o->min_history < 3 || o->min_history >= MONITOR_WINDOW)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--min-history: expected 3 to %d", MONITOR_WINDOW - 1);
	if (o->push.url && (!o->push.job || !*o->push.job))
		return err_set(err, MLCI_EXIT_USAGE, NULL, "--job: expected a name");
	if (o->push.url && strncmp(o->push.url, "http://", 7) &&
	    strncmp(o->push.url, "https://", 8))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--pushgateway: expected an http:// or https:// URL");
	return 0;
}

/* ---- anomalies, as JSON ---- */

static const char *const sev_name[] = { "error", "warning", "info" };

static int add_anom(json_t *arr, const char *code, const char *sev,
		    const char *column, long count, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int add_anom(json_t *arr, const char *code, const char *sev,
		    const char *column, long count, const char *fmt, ...)
{
	json_t *e = json_object();
	char msg[512];
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(e, "code", json_string(code));
	json_object_set_new(e, "severity", json_string(sev));
	if (column)
		json_object_set_new(e, "column", json_string(column));
	json_object_set_new(e, "message", json_string(msg));
	if (count >= 0)
		json_object_set_new(e, "count", json_integer(count));
	return json_array_append_new(arr, e);
}

/* ---- reading CSV files into reports ---- */

static int read_report(const char *path, unsigned threads, json_t **out,
		       struct mlci_err *err)
{
	struct validate_opts vo;
	struct validate_result res;

	memset(&vo, 0, sizeof(vo));
	csv_opts_init(&vo.csv);
	vo.data = path;
	vo.max_missing = -1;
	vo.producer = "mlci-monitor";
	vo.threads = threads;
	*out = NULL;
	if (validate_run(&vo, &res, err) < 0)
		return -1;
	*out = res.report;
	res.report = NULL;
	validate_result_free(&res);
	return 0;
}

static json_t *find_column(const json_t *report, const char *name)
{
	const json_t *cols = json_object_get(report, "columns");
	size_t i;

	for (i = 0; i < json_array_size(cols); i++) {
		json_t *c = json_array_get(cols, i);
		const char *n = json_string_value(json_object_get(c, "name"));

		if (n && !strcmp(n, name))
			return c;
	}
	return NULL;
}

static int no_prediction(const char *path, const char *what,
			 struct mlci_err *err)
{
	return err_set(err, MLCI_EXIT_DATAERR, path, "no '%s' column (%s)",
		       MONITOR_PREDICTION, what);
}

/* ---- prediction drift ---- */

static const char *rename_code(const char *code)
{
	if (!strcmp(code, "label_shift"))
		return "prediction_shift";
	if (!strcmp(code, "label_class_missing"))
		return "prediction_class_missing";
	if (!strcmp(code, "label_unseen_in_reference"))
		return "prediction_unseen_in_reference";
	return NULL;
}

static double num_or(const json_t *o, const char *key, double dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/*
 * Compare the live prediction column (lcol) with column rname of ref,
 * through refdrift's label comparison; fill *out with the "prediction"
 * object and append its anomalies to anoms.
 */
static int compare_prediction(const struct refdrift_ref *ref, const char *rname,
			      const json_t *lcol, json_t *anoms, json_t **out,
			      struct mlci_err *err)
{
	const struct refdrift_opts *o = ref->opts;
	json_t *tmp = json_object(), *cols = json_array(), *col, *lab, *p;
	struct anomalies a;
	struct refdrift_summary sum;
	size_t i;
	int rc = -1, drifted = 0, judged = 0;
	char why[300] = "";

	memset(&a, 0, sizeof(a));
	*out = NULL;
	col = json_deep_copy(lcol);
	if (!tmp || !cols || !col) {
		json_decref(tmp);
		json_decref(cols);
		json_decref(col);
		return OOM(err);
	}
	json_object_set_new(col, "name", json_string(rname));
	json_array_append_new(cols, col);
	json_object_set_new(tmp, "columns", cols);
	json_object_set_new(tmp, "inputs", json_array());
	if (refdrift_apply(ref, tmp, rname, &a, &sum, err) < 0)
		goto out;
	lab = json_object_get(json_object_get(tmp, "drift"), "label");
	if (!lab || !(p = json_deep_copy(lab))) {
		OOM(err);
		goto out;
	}
	json_object_del(p, "column");
	json_object_del(p, "name");	/* a target's: reference_column says */
	json_object_del(p, "max_shift");
	if (json_is_true(json_object_get(p, "compared"))) {
		const char *kind = json_string_value(json_object_get(p, "kind"));

		if (kind && !strcmp(kind, "target")) {
			/* a numeric target: refdrift judged it */
			drifted = json_is_true(json_object_get(p, "drifted"));
			judged = strcmp(json_string_value(json_object_get(p, "judged_by")) ?
					json_string_value(json_object_get(p, "judged_by")) :
					"none", "none") != 0;
			snprintf(why, sizeof(why), "%s", json_string_value(
				json_object_get(p, "why")) ? json_string_value(
				json_object_get(p, "why")) : "");
		} else {
			double n = num_or(p, "n", 0), nr = num_or(p, "n_reference", 0);
			double js = num_or(p, "js", 0), psi = num_or(p, "psi", 0);
			const json_t *pv = json_object_get(p, "p_value");

			json_object_set_new(p, "effect", json_real(js));
			json_object_set_new(p, "effect_measure", json_string("js"));
			if (n > DRIFT_LARGE_N && nr > DRIFT_LARGE_N) {
				judged = 1;
				drifted = js >= o->js || psi >= o->psi;
				snprintf(why, sizeof(why), "JS %.3g %s %g, PSI %.3g %s %g "
					 "(more than %d values on both sides: judged "
					 "by effect size)", js, js >= o->js ? ">=" : "<",
					 o->js, psi, psi >= o->psi ? ">=" : "<", o->psi,
					 DRIFT_LARGE_N);
				json_object_set_new(p, "judged_by", json_string("effect"));
			} else if (json_is_number(pv)) {
				double pval = json_number_value(pv);

				judged = 1;
				drifted = pval <= o->alpha;
				snprintf(why, sizeof(why), "chi-square p %.3g %s alpha %g",
					 pval, drifted ? "<=" : ">", o->alpha);
				json_object_set_new(p, "judged_by", json_string("p_value"));
			} else {
				snprintf(why, sizeof(why), "no p-value (too few values "
					 "or classes too sparse) and at most %d "
					 "values on a side: not judged", DRIFT_LARGE_N);
				json_object_set_new(p, "judged_by", json_string("none"));
			}
			json_object_set_new(p, "drifted", json_boolean(drifted));
			json_object_set_new(p, "why", json_string(why));
		}
	}
	json_object_set_new(p, "judged", json_boolean(judged));
	*out = p;
	for (i = 0; i < a.n; i++) {
		const char *code = rename_code(a.v[i].code);

		if (code && add_anom(anoms, code, sev_name[a.v[i].severity],
				     NULL, a.v[i].count, "%s", a.v[i].message) < 0) {
			OOM(err);
			goto out;
		}
	}
	if (drifted && add_anom(anoms, "prediction_drift", "error", NULL, -1,
				"the predictions' distribution drifted from the "
				"reference's: %s", why) < 0) {
		OOM(err);
		goto out;
	}
	rc = 0;
out:
	anomalies_free(&a);
	json_decref(tmp);
	return rc;
}

/* ---- history ---- */

void monitor_history_free(struct monitor_history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		json_decref(h->lines[i]);
	free(h->lines);
	memset(h, 0, sizeof(*h));
}

static int history_read(const char *path, struct monitor_history *h,
			struct mlci_err *err)
{
	struct stat st;
	char *data = NULL;
	size_t len;
	int rc;

	memset(h, 0, sizeof(*h));
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;	/* the first run */
	if (read_file(path, &data, &len, 0, err) < 0)
		return -1;
	rc = monitor_history_parse(data, len, path, h, err);
	free(data);
	return rc;
}

int monitor_history_parse(const char *data, size_t len, const char *path,
			  struct monitor_history *h, struct mlci_err *err)
{
	const char *p, *nl;
	size_t cap = 0;
	long line = 0;

	memset(h, 0, sizeof(*h));
	for (p = data; p < data + len; p = nl + 1) {
		json_error_t je;
		json_t *j;
		size_t k;

		line++;
		nl = memchr(p, '\n', (size_t)(data + len - p));
		if (!nl)
			nl = data + len;
		k = (size_t)(nl - p);
		if (k && p[k - 1] == '\r')
			k--;
		if (!k)
			continue;
		j = json_loadb(p, k, JSON_REJECT_DUPLICATES, &je);
		if (!j) {
			err_set_at(err, MLCI_EXIT_DATAERR, path, line, 0,
				   "not a JSON line: %s", je.text);
			goto fail;
		}
		if (!json_is_object(j) ||
		    json_integer_value(json_object_get(j, "version")) != HISTORY_VERSION ||
		    !json_is_number(json_object_get(j, "drift_share")) ||
		    !json_is_object(json_object_get(j, "features"))) {
			json_decref(j);
			err_set_at(err, MLCI_EXIT_DATAERR, path, line, 0,
				   "not a monitor history line (version %d with "
				   "drift_share and features)", HISTORY_VERSION);
			goto fail;
		}
		if (h->n == cap) {
			json_t **nv = realloc(h->lines, (cap ? 2 * cap : 64) * sizeof(*nv));

			if (!nv) {
				json_decref(j);
				OOM(err);
				goto fail;
			}
			h->lines = nv;
			cap = cap ? 2 * cap : 64;
		}
		h->lines[h->n++] = j;
		if (nl == data + len)
			break;
	}
	return 0;
fail:
	monitor_history_free(h);
	return -1;
}

/* One tracked figure of a history line (or of this run's): 1 found. */
static int figure_of(const json_t *line, const char *scope, const char *feature,
		     const char *figure, double *v)
{
	const json_t *x;

	if (!strcmp(scope, "dataset"))
		x = json_object_get(line, figure);
	else if (!strcmp(scope, "prediction"))
		x = json_object_get(json_object_get(line, "prediction"), figure);
	else
		x = json_object_get(json_object_get(json_object_get(line, "features"),
						    feature), figure);
	if (!json_is_number(x) || !isfinite(json_number_value(x)))
		return 0;
	*v = json_number_value(x);
	return 1;
}

static json_t *real_or_null(double v, int have)
{
	return have && isfinite(v) ? json_real(v) : json_null();
}

/* Judge one figure over the history; appends its entry to figs and an
 * anomaly when flagged. */
static int track(const struct monitor_opts *o, const struct monitor_history *h,
		 const json_t *cur, const char *scope, const char *feature,
		 const char *figure, json_t *figs, json_t *anoms, size_t *flagged,
		 struct mlci_err *err)
{
	double x, *v = NULL, z = 0, med = 0, scale = 0;
	size_t i, n = 0, start;
	struct monitor_ewma ew;
	int zr = 1, er = 1, zf = 0, ef = 0, judged, have;
	json_t *e;

	if (!figure_of(cur, scope, feature, figure, &x))
		return 0;
	v = malloc((h->n + 1) * sizeof(*v));
	if (!v)
		return OOM(err);
	for (i = 0; i < h->n; i++)
		if (figure_of(h->lines[i], scope, feature, figure, &v[n]))
			n++;
	start = n > MONITOR_WINDOW ? n - MONITOR_WINDOW : 0;
	n -= start;
	memmove(v, v + start, n * sizeof(*v));
	have = judged = n >= (size_t)o->min_history;
	memset(&ew, 0, sizeof(ew));
	if (have) {
		zr = monitor_robust_z(v, n, x, &z, &med, &scale);
		if (zr < 0) {
			free(v);
			return OOM(err);
		}
		v[n] = x;
		er = monitor_ewma(v, n + 1, o->ewma_lambda, o->ewma_l, &ew);
		zf = zr == 0 && fabs(z) > o->z;
		ef = er == 0 && fabs(ew.ewma - ew.center) > ew.limit;
		judged = zr == 0 || er == 0;
	}
	free(v);
	e = json_object();
	if (!e || json_array_append_new(figs, e) < 0)
		return OOM(err);
	json_object_set_new(e, "scope", json_string(scope));
	if (feature)
		json_object_set_new(e, "feature", json_string(feature));
	json_object_set_new(e, "figure", json_string(figure));
	json_object_set_new(e, "value", json_real(x));
	json_object_set_new(e, "history", json_integer((json_int_t)n));
	json_object_set_new(e, "judged", json_boolean(judged));
	json_object_set_new(e, "median", real_or_null(med, have));
	json_object_set_new(e, "scale", real_or_null(scale, have && zr == 0));
	json_object_set_new(e, "z", real_or_null(z, have && zr == 0));
	json_object_set_new(e, "z_anomaly", json_boolean(zf));
	json_object_set_new(e, "ewma", real_or_null(ew.ewma, have && er == 0));
	json_object_set_new(e, "center", real_or_null(ew.center, have && er >= 0));
	json_object_set_new(e, "sigma", real_or_null(ew.sigma, have && er >= 0));
	json_object_set_new(e, "limit", real_or_null(ew.limit, have && er == 0));
	json_object_set_new(e, "ewma_anomaly", json_boolean(ef));
	json_object_set_new(e, "anomaly", json_boolean(zf || ef));
	if (zf || ef) {
		char what[64];

		(*flagged)++;
		if (zf && ef)
			snprintf(what, sizeof(what), "robust z %.3g and EWMA", z);
		else if (zf)
			snprintf(what, sizeof(what), "robust z %.3g", z);
		else
			snprintf(what, sizeof(what), "EWMA");
		if (add_anom(anoms, "history_anomaly", "error", feature, -1,
			     "%s%s %.4g is out of line with the last %zu runs: %s "
			     "(median %.4g; EWMA %.4g, center %.4g, limit +-%.4g)",
			     !strcmp(scope, "prediction") ? "prediction " : "",
			     figure, x, n, what, med, ew.ewma, ew.center,
			     ew.limit) < 0)
			return OOM(err);
	}
	return 0;
}

/* This run's history line from the finished comparison. */
static json_t *history_line(const char *created, size_t rows, const json_t *drift,
			    const json_t *pred)
{
	json_t *l = json_object(), *f = json_object(), *p;
	const json_t *cols = json_object_get(drift, "columns");
	size_t i;

	if (!l || !f) {
		json_decref(l);
		json_decref(f);
		return NULL;
	}
	json_object_set_new(l, "version", json_integer(HISTORY_VERSION));
	json_object_set_new(l, "timestamp", json_string(created));
	json_object_set_new(l, "rows", json_integer((json_int_t)rows));
	json_object_set_new(l, "drift_share",
			    json_real(num_or(drift, "share", 0)));
	json_object_set_new(l, "features", f);
	for (i = 0; i < json_array_size(cols); i++) {
		const json_t *c = json_array_get(cols, i);
		json_t *e;

		if (!json_is_true(json_object_get(c, "compared")))
			continue;
		e = json_object();
		if (!e)
			break;
		json_object_set_new(e, "psi", json_real(num_or(c, "psi", 0)));
		json_object_set_new(e, "effect", json_real(num_or(c, "effect", 0)));
		json_object_set_new(e, "drifted", json_boolean(json_is_true(
			json_object_get(c, "drifted"))));
		json_object_set_new(f, json_string_value(json_object_get(c, "name")), e);
	}
	if (pred && json_is_true(json_object_get(pred, "compared"))) {
		p = json_object();
		if (p) {
			json_object_set_new(p, "psi", json_real(num_or(pred, "psi", 0)));
			json_object_set_new(p, "effect", json_real(num_or(pred, "effect", 0)));
			json_object_set_new(p, "drifted", json_boolean(json_is_true(
				json_object_get(pred, "drifted"))));
		}
		json_object_set_new(l, "prediction", p ? p : json_null());
	} else {
		json_object_set_new(l, "prediction", json_null());
	}
	return l;
}

int monitor_history_judge(const struct monitor_opts *o,
			  const struct monitor_history *h, const json_t *cur,
			  json_t *out, json_t *anoms, size_t *flagged,
			  struct mlci_err *err)
{
	static const char *const figs2[] = { "psi", "effect" };
	json_t *figs = json_array();
	const char *name;
	json_t *v;
	size_t i;

	if (!figs)
		return OOM(err);
	json_object_set_new(out, "figures", figs);
	if (track(o, h, cur, "dataset", NULL, "drift_share", figs, anoms, flagged,
		  err) < 0)
		return -1;
	json_object_foreach(json_object_get(cur, "features"), name, v)
		for (i = 0; i < 2; i++)
			if (track(o, h, cur, "feature", name, figs2[i], figs, anoms,
				  flagged, err) < 0)
				return -1;
	for (i = 0; i < 2; i++)
		if (track(o, h, cur, "prediction", NULL, figs2[i], figs, anoms,
			  flagged, err) < 0)
			return -1;
	return 0;
}

/* Whether the history can be appended to (checked before anything is
 * pushed or written, so a run that cannot record itself leaves nothing):
 * an existing file writable, or a new one's directory. 73 otherwise. */
static int history_writable(const char *path, struct mlci_err *err)
{
	char *dir, *slash;
	int ok;

	if (access(path, F_OK) == 0) {
		if (access(path, W_OK) == 0)
			return 0;
		return err_set(err, MLCI_EXIT_CANTCREAT, path,
			       "cannot append to the history: %s", strerror(errno));
	}
	if (!(dir = strdup(path)))
		return OOM(err);
	slash = strrchr(dir, '/');
	if (!slash)
		ok = access(".", W_OK | X_OK) == 0;
	else if (slash == dir)
		ok = access("/", W_OK | X_OK) == 0;
	else {
		*slash = '\0';
		ok = access(dir, W_OK | X_OK) == 0;
	}
	free(dir);
	if (!ok)
		return err_set(err, MLCI_EXIT_CANTCREAT, path,
			       "cannot create the history: %s", strerror(errno));
	return 0;
}

/* Create the history at path holding the n bytes at text: 0 done, 1 it
 * exists already (append instead), -1 with err set. */
static int history_create(const char *path, const char *text, size_t n,
			  struct mlci_err *err)
{
	struct afile f;
	int rc;

	if (afile_open(&f, path, err) < 0)
		return -1;
	if (f.direct) {		/* a FIFO or a device: write through */
		afile_abort(&f);
		return 1;
	}
	if (fwrite(text, 1, n, f.fp) != n || fflush(f.fp) != 0 ||
	    fsync(afile_fd(&f)) != 0) {
		afile_abort(&f);
		return err_set(err, MLCI_EXIT_IOERR, path, "cannot write the history");
	}
	fclose(f.fp);
	f.fp = NULL;
	if (link(f.tmp, f.path) == 0)
		rc = 0;
	else if (errno == EEXIST)
		rc = 1;
	else
		rc = err_set(err, MLCI_EXIT_CANTCREAT, path, "cannot create the history: %s",
			     strerror(errno));
	afile_abort(&f);	/* removes the temporary name */
	return rc;
}

/* Append one line to the history with a single write. */
static int history_append(const char *path, const json_t *line,
			  struct mlci_err *err)
{
	char *dump = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	char *text;
	size_t len;
	ssize_t w;
	int fd;

	if (!dump)
		return OOM(err);
	len = strlen(dump);
	text = malloc(len + 3);	/* room for a leading newline */
	if (!text) {
		free(dump);
		return OOM(err);
	}
	memcpy(text, dump, len);
	free(dump);
	text[len] = '\n';	/* written by length */
	text[len + 1] = '\0';
	/* a new history appears whole, never empty: written beside it and
	 * linked into place (link, unlike rename, never replaces a history
	 * another run created meanwhile; then that one is appended to) */
	if (access(path, F_OK) != 0) {
		int rc = history_create(path, text, len + 1, err);

		if (rc <= 0) {
			free(text);
			return rc;
		}
	}
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(text);
		return err_set(err, MLCI_EXIT_CANTCREAT, path, "cannot open for "
			       "appending: %s", strerror(errno));
	}
	{
		/* a last line left without its newline gets one first */
		struct stat st;
		char last = '\n';

		if (fstat(fd, &st) == 0 && st.st_size > 0 &&
		    pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') {
			memmove(text + 1, text, len + 1);
			text[0] = '\n';
			len++;
		}
	}
	w = write(fd, text, len + 1);
	free(text);
	if (w != (ssize_t)(len + 1) || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		return err_set(err, MLCI_EXIT_IOERR, path, "cannot append: %s",
			       w >= 0 && w != (ssize_t)(len + 1) ? "short write" :
			       strerror(e));
	}
	if (close(fd) < 0)
		return err_set(err, MLCI_EXIT_IOERR, path, "cannot append: %s",
			       strerror(errno));
	return 0;
}

/* ---- metrics ---- */

const char *const monitor_metric_names[] = {
	"mlci_monitor_alarm",
	"mlci_monitor_rows",
	"mlci_monitor_columns_compared",
	"mlci_monitor_columns_drifted",
	"mlci_monitor_drift_share",
	"mlci_monitor_feature_drifted",
	"mlci_monitor_feature_psi",
	"mlci_monitor_feature_effect",
	"mlci_monitor_feature_p_value",
	"mlci_monitor_prediction_drifted",
	"mlci_monitor_prediction_psi",
	"mlci_monitor_prediction_effect",
	"mlci_monitor_anomalies",
	"mlci_monitor_history_anomalies",
	"mlci_monitor_last_run_timestamp_seconds",
	NULL
};

const char *const monitor_metric_labels[] = { "feature", "severity", NULL };

/* One gauge: its samples (in s) after HELP and TYPE; none: left out. */
static int gauge(struct buf *out, const char *name, const char *help,
		 const struct buf *s)
{
	if (!s->len)
		return 0;
	if (prom_metric(out, name, "gauge", help) < 0)
		return -1;
	return buf_add(out, s->data, s->len);
}

int monitor_metrics(const json_t *report, long long epoch, struct buf *out)
{
	const json_t *drift = json_object_get(report, "drift");
	const json_t *cols = json_object_get(drift, "columns");
	const json_t *pred = json_object_get(report, "prediction");
	const json_t *sum = json_object_get(report, "summary");
	static const char *const fcol[] = { "drifted", "psi", "effect", "p_value" };
	static const char *const fhelp[] = {
		"1 when the feature drifted from the training reference",
		"Population stability index of the feature against the reference",
		"Normalised Wasserstein (numeric) or Jensen-Shannon distance (categorical) against the reference",
		"The feature's drift test p-value (KS or chi-square), before multiple-testing adjustment",
	};
	struct buf s;
	size_t i, k;
	int rc = -1;
	char mname[64];

	buf_init(&s);
#define ONE(nm, help, v) do { buf_reset(&s); \
	if (prom_sample(&s, nm, NULL, 0, (v)) < 0 || gauge(out, nm, help, &s) < 0) \
		goto done; } while (0)
	ONE("mlci_monitor_alarm", "1 when the last monitor run raised an alarm",
	    json_is_true(json_object_get(report, "alarm")) ? 1 : 0);
	ONE("mlci_monitor_rows", "Rows of live data compared",
	    num_or(json_object_get(report, "live"), "rows", 0));
	ONE("mlci_monitor_columns_compared", "Feature columns compared with the reference",
	    num_or(drift, "compared", 0));
	ONE("mlci_monitor_columns_drifted", "Feature columns that drifted",
	    num_or(drift, "drifted", 0));
	ONE("mlci_monitor_drift_share", "Share of the compared feature columns that drifted",
	    num_or(drift, "share", 0));
	for (k = 0; k < 4; k++) {
		buf_reset(&s);
		snprintf(mname, sizeof(mname), "mlci_monitor_feature_%s", fcol[k]);
		for (i = 0; i < json_array_size(cols); i++) {
			const json_t *c = json_array_get(cols, i), *v;
			struct prom_label l = { "feature", json_string_value(
				json_object_get(c, "name")) };
			double x;

			if (!json_is_true(json_object_get(c, "compared")) || !l.value)
				continue;
			v = json_object_get(c, fcol[k]);
			if (k == 0)
				x = json_is_true(v) ? 1 : 0;
			else if (json_is_number(v))
				x = json_number_value(v);
			else
				continue;
			if (prom_sample(&s, mname, &l, 1, x) < 0)
				goto done;
		}
		if (gauge(out, mname, fhelp[k], &s) < 0)
			goto done;
	}
	if (json_is_true(json_object_get(pred, "compared"))) {
		ONE("mlci_monitor_prediction_drifted",
		    "1 when the predictions' distribution drifted from the reference's",
		    json_is_true(json_object_get(pred, "drifted")) ? 1 : 0);
		ONE("mlci_monitor_prediction_psi",
		    "Population stability index of the predictions against the reference",
		    num_or(pred, "psi", 0));
		ONE("mlci_monitor_prediction_effect",
		    "Jensen-Shannon distance (classes) or normalised Wasserstein of the predictions against the reference",
		    num_or(pred, "effect", 0));
	}
	buf_reset(&s);
	for (k = 0; k < 3; k++) {
		static const char *const key[] = { "errors", "warnings", "infos" };
		struct prom_label l = { "severity", sev_name[k] };

		if (prom_sample(&s, "mlci_monitor_anomalies", &l, 1,
				num_or(sum, key[k], 0)) < 0)
			goto done;
	}
	if (gauge(out, "mlci_monitor_anomalies", "Anomalies of the last monitor run, by severity", &s) < 0)
		goto done;
	ONE("mlci_monitor_history_anomalies",
	    "Tracked figures out of line with their history (robust z or EWMA)",
	    num_or(json_object_get(report, "history"), "anomalies", 0));
	ONE("mlci_monitor_last_run_timestamp_seconds",
	    "When the last monitor run was made, in seconds since the epoch",
	    (double)epoch);
#undef ONE
	rc = 0;
done:
	buf_release(&s);
	return rc;
}

/* ---- the run ---- */

static size_t count_sev(const json_t *anoms, const char *sev)
{
	size_t i, n = 0;

	for (i = 0; i < json_array_size(anoms); i++)
	{
		const char *s = json_string_value(json_object_get(
			json_array_get(anoms, i), "severity"));

		if (s && !strcmp(s, sev))
			n++;
	}
	return n;
}

static json_t *push_json(const struct monitor_opts *o, int ok, int tries,
			 const struct mlci_err *perr)
{
	json_t *p = json_object(), *l = json_object();
	char *u = url_redact(o->push.url);
	size_t i;

	if (!p || !l || !u) {
		json_decref(p);
		json_decref(l);
		free(u);
		return NULL;
	}
	json_object_set_new(p, "url", json_string(u));
	free(u);
	json_object_set_new(p, "job", json_string(o->push.job));
	for (i = 0; i < o->push.nlabels; i++)
		json_object_set_new(l, o->push.labels[i].name,
				    json_string(o->push.labels[i].value));
	json_object_set_new(p, "labels", l);
	json_object_set_new(p, "ok", json_boolean(ok));
	json_object_set_new(p, "tries", json_integer(tries));
	if (!ok) {
		char msg[600];

		err_format(perr, msg, sizeof(msg));
		json_object_set_new(p, "error", json_string(msg));
	}
	return p;
}

int monitor_run(const struct monitor_opts *o, struct monitor_result *res,
		struct mlci_err *err)
{
	struct refdrift_ref ref, pref;
	struct refdrift_opts popts;
	struct monitor_history h;
	json_t *live = NULL, *preds = NULL, *art = NULL, *anoms = NULL;
	json_t *pred = NULL, *hline = NULL, *hist = NULL;
	const json_t *lcol, *la;
	struct refdrift_summary ds;
	struct anomalies a;
	char created[32];
	long long epoch;
	size_t i;
	int rc = -1, have_pref = 0;

	memset(res, 0, sizeof(*res));
	memset(&ref, 0, sizeof(ref));
	memset(&pref, 0, sizeof(pref));
	memset(&h, 0, sizeof(h));
	memset(&a, 0, sizeof(a));
	if (monitor_check_opts(o, err) < 0)
		return -1;
	if (refdrift_load(o->drift, &ref, err) < 0)
		goto out;
	if (o->reference_predictions) {
		if (read_report(o->reference_predictions, o->threads, &preds, err) < 0)
			goto out;
		if (!find_column(preds, MONITOR_PREDICTION)) {
			no_prediction(o->reference_predictions,
				      "expected mlci-evaluate --predictions' "
				      "key,label,prediction,...", err);
			goto out;
		}
		popts = *o->drift;
		popts.reference = o->reference_predictions;
		popts.cols = NULL;
		popts.ncols = 0;
		if (refdrift_load_report(&popts, preds, artifact_input_sha(preds, "data"),
					 &pref, err) < 0)
			goto out;
		have_pref = 1;
	}
	if (o->history && (history_read(o->history, &h, err) < 0 ||
			   history_writable(o->history, err) < 0))
		goto out;
	if (read_report(o->live, o->threads, &live, err) < 0)
		goto out;
	if (!(lcol = find_column(live, MONITOR_PREDICTION))) {
		no_prediction(o->live, "the live data is the model's feature columns "
			      "and its predictions, as mlci-serve --log-requests "
			      "writes them", err);
		goto out;
	}
	/* the features: exactly mlci-validate-data --reference's comparison */
	if (refdrift_apply(&ref, live, NULL, &a, &ds, err) < 0)
		goto out;
	if (artifact_time(created, &epoch, err) < 0 ||
	    !(art = artifact_new(KIND_MONITOR, SCHEMA_MONITOR, o->producer, err)))
		goto out;
	if (!(anoms = json_array())) {
		OOM(err);
		goto out;
	}
	la = json_object_get(live, "anomalies");
	for (i = 0; i < json_array_size(la); i++) {
		const json_t *x = json_array_get(la, i);
		const char *code = json_string_value(json_object_get(x, "code"));

		if (code && (!strcmp(code, "drift") || !strcmp(code, "dataset_drift") ||
			     !strcmp(code, "reference_type_mismatch")))
			json_array_append_new(anoms, json_deep_copy(x));
	}
	/* the predictions */
	if (have_pref) {
		if (compare_prediction(&pref, MONITOR_PREDICTION, lcol, anoms, &pred,
				       err) < 0)
			goto out;
		json_object_set_new(pred, "against", json_string("reference_predictions"));
	} else if (ref.label) {
		if (compare_prediction(&ref, ref.label, lcol, anoms, &pred, err) < 0)
			goto out;
		json_object_set_new(pred, "against", json_string("reference_label"));
	} else {
		if (!(pred = json_object())) {
			OOM(err);
			goto out;
		}
		json_object_set_new(pred, "compared", json_false());
		json_object_set_new(pred, "judged", json_false());
		json_object_set_new(pred, "why", json_string(
			"the reference report has no label (and no "
			"--reference-predictions was given)"));
		json_object_set_new(pred, "against", json_null());
	}
	json_object_set_new(pred, "column", json_string(MONITOR_PREDICTION));
	json_object_set_new(pred, "reference_column", have_pref ?
			    json_string(MONITOR_PREDICTION) :
			    ref.label ? json_string(ref.label) : json_null());
	/* the inputs */
	if (artifact_add_input(art, "reference", o->drift->reference, ref.sha) < 0 ||
	    artifact_add_input(art, "live", o->live,
			       artifact_input_sha(live, "data")) < 0) {
		OOM(err);
		goto out;
	}
	if (have_pref)
		artifact_add_input(art, "reference_predictions",
				   o->reference_predictions, pref.sha);
	{
		json_t *lj = json_object();

		if (!lj) {
			OOM(err);
			goto out;
		}
		json_object_set_new(lj, "path", json_string(o->live));
		json_object_set_new(lj, "rows", json_deep_copy(json_object_get(live, "rows")));
		json_object_set_new(lj, "columns", json_integer(
			(json_int_t)json_array_size(json_object_get(live, "columns"))));
		json_object_set_new(art, "live", lj);
	}
	json_object_set_new(art, "drift", json_deep_copy(json_object_get(live, "drift")));
	json_object_set_new(art, "prediction", json_incref(pred));
	res->rows = (size_t)json_integer_value(json_object_get(live, "rows"));
	/* the history */
	hline = history_line(created, res->rows, json_object_get(live, "drift"), pred);
	hist = json_object();
	if (!hline || !hist) {
		OOM(err);
		goto out;
	}
	if (o->history) {
		json_object_set_new(hist, "path", json_string(o->history));
		json_object_set_new(hist, "runs", json_integer((json_int_t)h.n));
		json_object_set_new(hist, "window", json_integer(MONITOR_WINDOW));
		json_object_set_new(hist, "min_history", json_integer(o->min_history));
		json_object_set_new(hist, "z", json_real(o->z));
		json_object_set_new(hist, "ewma_lambda", json_real(o->ewma_lambda));
		json_object_set_new(hist, "ewma_l", json_real(o->ewma_l));
		if (monitor_history_judge(o, &h, hline, hist, anoms, &res->history_anomalies,
				  err) < 0)
			goto out;
		json_object_set_new(hist, "anomalies",
				    json_integer((json_int_t)res->history_anomalies));
		json_object_set_new(art, "history", hist);
		hist = NULL;
	}
	json_object_set_new(art, "anomalies", anoms);
	anoms = json_incref(anoms);
	{
		json_t *sum = json_object(), *al = json_array();
		size_t ne = count_sev(anoms, "error");

		if (!sum || !al) {
			json_decref(sum);
			json_decref(al);
			OOM(err);
			goto out;
		}
		json_object_set_new(sum, "errors", json_integer((json_int_t)ne));
		json_object_set_new(sum, "warnings",
				    json_integer((json_int_t)count_sev(anoms, "warning")));
		json_object_set_new(sum, "infos",
				    json_integer((json_int_t)count_sev(anoms, "info")));
		json_object_set_new(art, "summary", sum);
		for (i = 0; i < json_array_size(anoms); i++) {
			const json_t *x = json_array_get(anoms, i);

			if (!strcmp(json_string_value(json_object_get(x, "severity")), "error"))
				json_array_append_new(al, json_deep_copy(json_object_get(x, "code")));
		}
		json_object_set_new(art, "alarms", al);
		res->alarm = ne > 0;
		json_object_set_new(art, "alarm", json_boolean(res->alarm));
	}
	res->compared = ds.compared;
	res->drifted = ds.drifted;
	res->share = ds.share;
	res->prediction_compared = json_is_true(json_object_get(pred, "compared"));
	res->prediction_drifted = json_is_true(json_object_get(pred, "drifted"));
	res->history_runs = h.n;
	res->epoch = epoch;
	/* push, then write: monitor.json records the push */
	if (o->push.url) {
		struct buf text;
		int tries = 0, ok;
		json_t *pj;

		buf_init(&text);
		if (monitor_metrics(art, epoch, &text) < 0) {
			buf_release(&text);
			OOM(err);
			goto out;
		}
		ok = pushgw_push(&o->push, text.data, &tries, &res->push_err) == 0;
		buf_release(&text);
		res->push_failed = !ok;
		if (!(pj = push_json(o, ok, tries, &res->push_err))) {
			OOM(err);
			goto out;
		}
		json_object_set_new(art, "push", pj);
	}
	if (artifact_write(o->out, art, err) < 0)
		goto out;
	if (o->history && history_append(o->history, hline, err) < 0)
		goto out;
	res->report = art;
	art = NULL;
	rc = 0;
out:
	anomalies_free(&a);
	json_decref(art);
	json_decref(anoms);
	json_decref(pred);
	json_decref(hline);
	json_decref(hist);
	json_decref(live);
	json_decref(preds);
	monitor_history_free(&h);
	refdrift_ref_free(&ref);
	refdrift_ref_free(&pref);
	return rc;
}

void monitor_result_free(struct monitor_result *res)
{
	json_decref(res->report);
	memset(res, 0, sizeof(*res));
}

int monitor_summary(const struct monitor_opts *o,
		    const struct monitor_result *res, struct buf *out)
{
	char pred[96] = "", hist[96] = "";

	if (res->prediction_compared)
		snprintf(pred, sizeof(pred), ", predictions %s",
			 res->prediction_drifted ? "drifted" : "stable");
	if (o->history)
		snprintf(hist, sizeof(hist), ", %zu history anomal%s over %zu runs",
			 res->history_anomalies,
			 res->history_anomalies == 1 ? "y" : "ies", res->history_runs);
	return buf_printf(out, "%s: %s: %zu rows, drift %zu of %zu columns "
			  "(%.0f%%)%s%s%s: %s\n",
			  o->producer ? o->producer : "mlci-monitor", o->live,
			  res->rows, res->drifted, res->compared, 100 * res->share,
			  pred, hist, res->push_failed ? ", push failed" : "",
			  res->alarm ? "alarm" : "ok");
}
