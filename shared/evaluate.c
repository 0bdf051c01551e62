/*
 * evaluate.c - the mlci-evaluate run (see evaluate.h): model + CSV ->
 * predictions -> metrics.json, predictions.csv and the text report.
 */
#include "evaluate.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "frame_stream.h"
#include "artifact.h"
#include "evalhtml.h"
#include "io.h"
#include "metrics.h"
#include "model.h"
#include "scored.h"
#include "slices.h"
#include "util.h"

/* unseen label values listed one by one in warnings; the rest summed up */
#define MAX_UNSEEN_WARNINGS 10

struct eval {
	const struct evaluate_opts *o;
	struct model *m;
	char model_sha[SHA256_HEX_LEN + 1];
	struct frame f;
	size_t lc;		/* the label column */
	size_t width;		/* predictions per row: nclasses, or 1 */
	double *pred;		/* f.nrows * width */
	size_t *rows;		/* the scored rows (label present) */
	size_t n;		/* how many */
	json_t *warnings;
	/* classification: codes 0..K-1 model classes, K..K+U-1 unseen */
	size_t K, U;
	int classifier;
	const char **unseen;	/* U sorted unique label values (in f) */
	size_t *unseen_n;	/* rows per unseen value */
	size_t *y_true, *y_pred;
	/* regression */
	double *y;
	/* the scored set every metric is computed from */
	struct scored s;
	const char **names;	/* its L class names */
	double *proba;		/* n * K scores of the scored rows */
	double *p;		/* regression predictions of the scored rows */
	const char **keys;	/* --key-column values, or NULL */
	/* --scored: the classes are the sorted label and prediction values */
	const char **classes;
	char *pred_text;	/* predictions file in memory */
	size_t pred_len;
	char pred_sha[SHA256_HEX_LEN + 1];
};

static int oom(struct mlci_err *err)
{
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

static int warn(struct eval *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int warn(struct eval *e, const char *fmt, ...)
{
	char msg[600], *s;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a name cut by %.200s may end mid-character: JSON needs UTF-8 */
	for (s = msg; *s; s += n)
		if (!(n = utf8_decode((unsigned char *)s, NULL))) {
			*s = '?';
			n = 1;
		}
	return json_array_append_new(e->warnings, json_string(msg));
}

static int set_real(json_t *obj, const char *key, double v)
{
	return json_object_set_new(obj, key, json_real(v));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t argmax(const double *p, size_t k)
{
	size_t j, best = 0;

	for (j = 1; j < k; j++)
		if (p[j] > p[best])
			best = j;
	return best;
}

/* Map every scored row's label to a code; unseen values get K + their
 * rank in byte order. Fails when no value is a class of the model. */
static int code_labels(struct eval *e, struct mlci_err *err)
{
	const char **tmp;
	size_t i, nu = 0, known = 0;

	e->K = model_nclasses(e->m);
	e->y_true = malloc(e->n * sizeof(size_t));
	e->y_pred = malloc(e->n * sizeof(size_t));
	tmp = malloc(e->n * sizeof(*tmp));
	if (!e->y_true || !e->y_pred || !tmp) {
		free(tmp);
		return oom(err);
	}
	for (i = 0; i < e->n; i++) {
		const char *v = frame_cell(&e->f, e->rows[i], e->lc);
		long c = model_class_index(e->m, v);

		e->y_true[i] = c < 0 ? (size_t)-1 : (size_t)c;
		/* the CSV reader has checked that every cell is UTF-8 */
		if (c >= 0)
			known++;
		else
			tmp[nu++] = v;
		e->y_pred[i] = argmax(e->pred + e->rows[i] * e->K, e->K);
	}
	if (!known) {
		err_set(err, MLCI_EXIT_DATAERR, e->f.path,
			"none of the %zu label values in column '%.100s' is a class of the model (first: '%.60s'); wrong file, or missing --label-suffix?",
			e->n, e->f.names[e->lc], tmp[0]);
		free(tmp);
		return -1;
	}
	qsort(tmp, nu, sizeof(*tmp), cmp_str);
	e->unseen = malloc((nu + 1) * sizeof(*e->unseen));
	e->unseen_n = calloc(nu + 1, sizeof(*e->unseen_n));
	if (!e->unseen || !e->unseen_n) {
		free(tmp);
		return oom(err);
	}
	for (i = 0; i < nu; i++) {
		if (!e->U || strcmp(e->unseen[e->U - 1], tmp[i]))
			e->unseen[e->U++] = tmp[i];
		e->unseen_n[e->U - 1]++;
	}
	free(tmp);
	for (i = 0; i < e->n; i++) {
		const char *v = frame_cell(&e->f, e->rows[i], e->lc);
		const char **hit;

		if (e->y_true[i] != (size_t)-1)
			continue;
		hit = bsearch(&v, e->unseen, e->U, sizeof(*e->unseen), cmp_str);
		e->y_true[i] = e->K + (size_t)(hit - e->unseen);
	}
	return 0;
}

static const char *code_name(const struct eval *e, size_t code)
{
	return code < e->K ? model_class_name(e->m, code) : e->unseen[code - e->K];
}

static int class_json(struct eval *e, const struct class_metrics *cm,
		      const char *const *names, json_t *art)
{
	json_t *per = json_object(), *conf = json_object(), *labels = json_array(),
	       *matrix = json_array();
	size_t i, j;
	int rc = 0;

	rc |= json_object_set_new(art, "per_class", per);
	rc |= json_object_set_new(art, "confusion_matrix", conf);
	rc |= json_object_set_new(conf, "labels", labels);
	rc |= json_object_set_new(conf, "matrix", matrix);
	for (i = 0; !rc && i < cm->k; i++) {
		json_t *pc = json_object(), *row = json_array();

		rc |= json_object_set_new(per, names[i], pc);
		rc |= set_real(pc, "precision", cm->precision[i]);
		rc |= set_real(pc, "recall", cm->recall[i]);
		rc |= set_real(pc, "f1", cm->f1[i]);
		rc |= json_object_set_new(pc, "support", json_integer((json_int_t)cm->support[i]));
		rc |= json_array_append_new(labels, json_string(names[i]));
		rc |= json_array_append_new(matrix, row);
		for (j = 0; !rc && j < cm->k; j++)
			rc |= json_array_append_new(row, json_integer(
				(json_int_t)cm->confusion[i * cm->k + j]));
		if (!cm->predicted[i])
			rc |= warn(e, "precision of class '%.200s' is ill-defined (it is never predicted) and set to 0, as scikit-learn does",
				   names[i]);
		if (!cm->support[i])
			rc |= warn(e, "recall of class '%.200s' is ill-defined (no true samples) and set to 0, as scikit-learn does",
				   names[i]);
		if (!cm->support[i] && cm->predicted[i])
			rc |= warn(e, "balanced_accuracy leaves out class '%.200s': it is predicted but absent from the labels",
				   names[i]);
	}
	return rc ? -1 : 0;
}

/*
 * log_loss over the model's classes plus the unseen ones, which the model
 * gives probability 0. Row by row so that many unseen values do not cost
 * n * (K + U) memory; the same numbers as one metrics_log_loss call.
 */
/* ---- the scored set ---- */

/* Build e->s from the model's predictions of the scored rows. */
static int scored_from_model(struct eval *e, struct mlci_err *err)
{
	struct scored *s = &e->s;
	size_t i, j;

	s->n = e->n;
	s->classifier = model_is_classifier(e->m);
	if (!s->classifier) {
		e->p = malloc((e->n + 1) * sizeof(*e->p));
		if (!e->p)
			return oom(err);
		for (i = 0; i < e->n; i++)
			e->p[i] = e->pred[e->rows[i]];
		s->y = e->y;
		s->p = e->p;
		return 0;
	}
	if (code_labels(e, err) < 0)
		return -1;
	s->K = e->K;
	s->L = e->K + e->U;
	e->names = malloc((s->L + 1) * sizeof(*e->names));
	e->proba = malloc((e->n * e->K + 1) * sizeof(*e->proba));
	if (!e->names || !e->proba)
		return oom(err);
	for (j = 0; j < s->L; j++)
		e->names[j] = code_name(e, j);
	for (i = 0; i < e->n; i++)
		memcpy(e->proba + i * e->K, e->pred + e->rows[i] * e->K,
		       e->K * sizeof(*e->proba));
	s->names = e->names;
	s->y_true = e->y_true;
	s->y_pred = e->y_pred;
	s->proba = e->proba;
	return 0;
}

/* Sort class names as the model does: numerically when every one is a
 * number, else by bytes. */
static int all_numbers;

/* --scored classes: in order of value when every label and prediction
 * is a number (1 and 1.0 then one class, named by the shorter text, as
 * mlci-train reads labels), else of their text. */
static int cmp_class(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	if (all_numbers) {
		double u, v;
		size_t lx = strlen(x), ly = strlen(y);

		parse_double(x, &u);
		parse_double(y, &v);
		if (u != v)
			return u < v ? -1 : 1;
		if (lx != ly)
			return lx < ly ? -1 : 1;
	}
	return strcmp(x, y);
}

/* The class a value is: the same number, or (not all numbers) text. */
static int cmp_class_key(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	if (all_numbers) {
		double u, v;

		parse_double(x, &u);
		parse_double(y, &v);
		return u < v ? -1 : u > v;
	}
	return strcmp(x, y);
}

static const char *col_name(const struct eval *e, int c)
{
	return e->f.names[c];
}

/* --scored: the label, prediction and score columns of the file. */
static int scored_from_file(struct eval *e, struct mlci_err *err)
{
	const struct evaluate_opts *o = e->o;
	struct scored *s = &e->s;
	int pc, kc = -1, *sc = NULL;
	size_t nsc = 0, i, j, L = 0;
	char *list = NULL;
	int rc = -1;

	pc = frame_find(&e->f, o->prediction_column);
	if (pc < 0)
		return err_set(err, MLCI_EXIT_DATAERR, e->f.path,
			       "no column '%.200s' (--prediction-column)", o->prediction_column);
	if (o->key_column && (kc = frame_find(&e->f, o->key_column)) < 0)
		return err_set(err, MLCI_EXIT_DATAERR, e->f.path,
			       "no column '%.200s' (--key-column)", o->key_column);
	if (o->score_columns) {
		char *tok, *save = NULL;

		list = strdup(o->score_columns);
		sc = malloc((strlen(o->score_columns) + 1) * sizeof(*sc));
		if (!list || !sc) {
			oom(err);
			goto out;
		}
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int c = frame_find(&e->f, tok);

			if (c < 0) {
				err_set(err, MLCI_EXIT_DATAERR, e->f.path,
					"no column '%.200s' (--score-columns)", tok);
				goto out;
			}
			sc[nsc++] = c;
		}
		if (!nsc) {
			err_set(err, MLCI_EXIT_USAGE, NULL, "--score-columns names no column");
			goto out;
		}
	}
	s->n = e->n;
	s->classifier = e->classifier;
	for (i = 0; i < e->n; i++)
		if (!frame_cell(&e->f, e->rows[i], (size_t)pc)) {
			size_t at = e->rows[i] * e->f.ncols + (size_t)pc;

			err_set_at(err, MLCI_EXIT_DATAERR, e->f.path, e->f.line[at],
				   e->f.col[at], "missing prediction in column '%.200s'",
				   col_name(e, pc));
			goto out;
		}
	if (!e->classifier) {
		if (nsc) {
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"--score-columns is for classification (--task classification)");
			goto out;
		}
		e->p = malloc((e->n + 1) * sizeof(*e->p));
		if (!e->p) {
			oom(err);
			goto out;
		}
		for (i = 0; i < e->n; i++)
			if (frame_number(&e->f, e->rows[i], (size_t)pc, &e->p[i], err) < 0)
				goto out;
		s->y = e->y;
		s->p = e->p;
	} else {
		/* classes: the label and prediction values, sorted */
		e->classes = malloc((2 * e->n + 1) * sizeof(*e->classes));
		e->y_true = malloc((e->n + 1) * sizeof(*e->y_true));
		e->y_pred = malloc((e->n + 1) * sizeof(*e->y_pred));
		if (!e->classes || !e->y_true || !e->y_pred) {
			oom(err);
			goto out;
		}
		all_numbers = 1;
		for (i = 0; i < e->n; i++) {
			const char *a = frame_cell(&e->f, e->rows[i], e->lc);
			const char *b = frame_cell(&e->f, e->rows[i], (size_t)pc);
			double v;

			e->classes[2 * i] = a;
			e->classes[2 * i + 1] = b;
			if (parse_double(a, &v) < 0 || isnan(v) ||
			    parse_double(b, &v) < 0 || isnan(v))
				all_numbers = 0;
		}
		qsort(e->classes, 2 * e->n, sizeof(*e->classes), cmp_class);
		for (i = 0; i < 2 * e->n; i++)
			if (!L || cmp_class_key(&e->classes[L - 1], &e->classes[i]))
				e->classes[L++] = e->classes[i];
		for (i = 0; i < e->n; i++) {
			const char *a = frame_cell(&e->f, e->rows[i], e->lc);
			const char *b = frame_cell(&e->f, e->rows[i], (size_t)pc);
			const char **ha = bsearch(&a, e->classes, L, sizeof(*e->classes), cmp_class_key);
			const char **hb = bsearch(&b, e->classes, L, sizeof(*e->classes), cmp_class_key);

			e->y_true[i] = (size_t)(ha - e->classes);
			e->y_pred[i] = (size_t)(hb - e->classes);
		}
		s->L = L;
		s->names = e->classes;
		s->y_true = e->y_true;
		s->y_pred = e->y_pred;
		if (nsc) {
			size_t K = L;

			if (!(nsc == L || (L == 2 && nsc == 1))) {
				err_set(err, MLCI_EXIT_USAGE, NULL,
					"--score-columns gives %zu columns for %zu classes (one per class in sorted order, or for two classes one column: the score of '%.100s')",
					nsc, L, L ? e->classes[L - 1] : "");
				goto out;
			}
			e->proba = malloc((e->n * K + 1) * sizeof(*e->proba));
			if (!e->proba) {
				oom(err);
				goto out;
			}
			for (i = 0; i < e->n; i++)
				for (j = 0; j < nsc; j++) {
					double v;
					int r = frame_number(&e->f, e->rows[i], (size_t)sc[j], &v, err);

					if (r != 0 || !isfinite(v)) {
						size_t at = e->rows[i] * e->f.ncols + (size_t)sc[j];

						if (r >= 0)
							err_set_at(err, MLCI_EXIT_DATAERR, e->f.path,
								   e->f.line[at], e->f.col[at],
								   "missing or non-finite score in column '%.200s'",
								   col_name(e, sc[j]));
						goto out;
					}
					if (nsc == 1) {
						e->proba[i * 2] = 1 - v;
						e->proba[i * 2 + 1] = v;
					} else {
						e->proba[i * K + j] = v;
					}
				}
			s->K = K;
			s->proba = e->proba;
		}
	}
	if (kc >= 0) {
		e->keys = malloc((e->n + 1) * sizeof(*e->keys));
		if (!e->keys) {
			oom(err);
			goto out;
		}
		for (i = 0; i < e->n; i++) {
			e->keys[i] = frame_cell(&e->f, e->rows[i], (size_t)kc);
			if (!e->keys[i]) {
				size_t at = e->rows[i] * e->f.ncols + (size_t)kc;

				err_set_at(err, MLCI_EXIT_DATAERR, e->f.path, e->f.line[at],
					   e->f.col[at], "missing key in column '%.200s'",
					   col_name(e, kc));
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(list);
	free(sc);
	return rc;
}

/* Keys from --key-column for the model path (the scored path reads them
 * in scored_from_file); unique either way. */
static int check_keys(struct eval *e, struct mlci_err *err)
{
	const char **k;
	size_t i;
	int kc;

	if (!e->o->key_column)
		return 0;
	if (!e->keys) {
		kc = frame_find(&e->f, e->o->key_column);
		if (kc < 0)
			return err_set(err, MLCI_EXIT_DATAERR, e->f.path,
				       "no column '%.200s' (--key-column)", e->o->key_column);
		e->keys = malloc((e->n + 1) * sizeof(*e->keys));
		if (!e->keys)
			return oom(err);
		for (i = 0; i < e->n; i++) {
			long line, col;

			e->keys[i] = frame_cell(&e->f, e->rows[i], (size_t)kc);
			if (!e->keys[i]) {
				frame_pos(&e->f, e->rows[i], (size_t)kc, &line, &col);
				return err_set_at(err, MLCI_EXIT_DATAERR, e->f.path,
						  line, col,
						  "missing key in column '%.200s'",
						  e->o->key_column);
			}
		}
	}
	e->s.keys = e->keys;
	k = malloc((e->n + 1) * sizeof(*k));
	if (!k)
		return oom(err);
	memcpy(k, e->keys, e->n * sizeof(*k));
	qsort(k, e->n, sizeof(*k), cmp_str);
	for (i = 1; i < e->n; i++)
		if (!strcmp(k[i], k[i - 1])) {
			err_set(err, MLCI_EXIT_DATAERR, e->f.path,
				"key '%.200s' appears more than once in column '%.200s' (--key-column must identify each row)",
				k[i], e->o->key_column);
			free(k);
			return -1;
		}
	free(k);
	return 0;
}

/* ---- metrics into the artifact ---- */

static int metrics_json(struct eval *e, json_t *art, json_t *met,
			struct buf *report, struct mlci_err *err)
{
	struct metric_table t;
	struct class_metrics cm = { 0 };
	size_t *labels = NULL, i;
	const char **names = NULL;
	int rc = -1;

	if (scored_metrics(&e->s, NULL, 0, &t, e->s.classifier ? &cm : NULL,
			   e->s.classifier ? &labels : NULL, err) < 0)
		return -1;
	for (i = 0; i < t.n; i++) {
		if (t.defined[i] ? set_real(met, t.name[i], t.value[i]) :
		    json_object_set_new(met, t.name[i], json_null()) ||
		    warn(e, "%s is undefined: %s; reported as null", t.name[i], t.why[i])) {
			oom(err);
			goto out;
		}
	}
	if (t.ap_no_positive &&
	    warn(e, "average precision: a class has no positive sample; its average precision is 0, as scikit-learn's")) {
		oom(err);
		goto out;
	}
	if (e->s.classifier) {
		names = malloc((cm.k + 1) * sizeof(*names));
		if (!names) {
			oom(err);
			goto out;
		}
		for (i = 0; i < cm.k; i++)
			names[i] = e->s.names[labels[i]];
		if (class_json(e, &cm, names, art) < 0 ||
		    metrics_report_text(&cm, names, 2, report) < 0) {
			oom(err);
			goto out;
		}
	} else {
		for (i = 0; i < t.n; i++)
			if (t.defined[i] &&
			    buf_printf(report, "%-22s %.6g\n", t.name[i], t.value[i]) < 0) {
				oom(err);
				goto out;
			}
	}
	if (e->o->bootstrap) {
		struct interval iv[SCORED_MAX_METRICS];
		json_t *ivs = json_object(), *bs;

		if (!ivs || json_object_set_new(art, "intervals", ivs)) {
			oom(err);
			goto out;
		}
		if (scored_bootstrap(&e->s, (size_t)e->o->bootstrap, (uint64_t)e->o->seed,
				     e->o->confidence, &t, iv, err) < 0)
			goto out;
		for (i = 0; i < t.n; i++) {
			json_t *one;

			if (!t.defined[i])
				continue;
			one = iv[i].resamples ?
				json_pack("{s:f, s:f, s:I}", "low", iv[i].low, "high", iv[i].high,
					  "resamples", (json_int_t)iv[i].resamples) :
				json_pack("{s:n, s:n, s:I}", "low", "high", "resamples", (json_int_t)0);
			if (!one || json_object_set_new(ivs, t.name[i], one)) {
				oom(err);
				goto out;
			}
		}
		bs = json_pack("{s:s, s:I, s:I, s:f}", "method", "percentile",
			       "resamples", (json_int_t)e->o->bootstrap,
			       "seed", (json_int_t)e->o->seed, "level", e->o->confidence);
		if (!bs || json_object_set_new(art, "bootstrap", bs)) {
			oom(err);
			goto out;
		}
	}
	rc = 0;
out:
	class_metrics_free(&cm);
	free(labels);
	free(names);
	return rc;
}

/* The rows with a label value; regression labels parsed (65 at line:col). */
static int gather_rows(struct eval *e, struct mlci_err *err)
{
	size_t r;

	e->rows = malloc((e->f.nrows + 1) * sizeof(*e->rows));
	e->y = malloc((e->f.nrows + 1) * sizeof(*e->y));
	if (!e->rows || !e->y)
		return oom(err);
	for (r = 0; r < e->f.nrows; r++) {
		if (!frame_cell(&e->f, r, e->lc))
			continue;
		if (!e->classifier &&
		    frame_number(&e->f, r, e->lc, &e->y[e->n], err) < 0)
			return -1;
		e->rows[e->n++] = r;
	}
	if (!e->n)
		return err_set(err, MLCI_EXIT_DATAERR, e->f.path,
			       "no row has a value in the label column '%.100s'",
			       e->f.names[e->lc]);
	return 0;
}

static int warn_rows(struct eval *e)
{
	size_t u;
	int rc = 0;

	if (e->f.nrows > e->n)
		rc |= warn(e, "%zu %s with a missing label %s skipped",
			   e->f.nrows - e->n, e->f.nrows - e->n == 1 ? "row" : "rows",
			   e->f.nrows - e->n == 1 ? "was" : "were");
	for (u = 0; u < e->U && u < MAX_UNSEEN_WARNINGS; u++)
		rc |= warn(e, "label value '%.200s' (%zu %s) is not a class of the model; scored as a class of its own that is never predicted",
			   e->unseen[u], e->unseen_n[u], e->unseen_n[u] == 1 ? "row" : "rows");
	if (e->U > MAX_UNSEEN_WARNINGS)
		rc |= warn(e, "... and %zu more label values that are not classes of the model",
			   e->U - MAX_UNSEEN_WARNINGS);
	return rc;
}

/* Categorical columns holding values the model was not trained on: they
 * encode as none of its categories, which can cost much accuracy
 * unnoticed (a leading blank, another spelling). -1 out of memory. */
static int warn_categories(struct eval *e)
{
	const struct prep *p = &e->m->prep;
	size_t *map = malloc((p->ncols + 1) * sizeof(*map));
	size_t *un = malloc((p->ncols + 1) * sizeof(*un));
	size_t *first = malloc((p->ncols + 1) * sizeof(*first));
	size_t i, shown = 0;
	long line, col;
	int rc = 0;

	if (!map || !un || !first) {
		free(map), free(un), free(first);
		return -1;
	}
	if (prep_bind(p, &e->f, map, NULL) == 0) {
		prep_unseen(p, &e->f, map, un, first);
		for (i = 0; i < p->ncols; i++) {
			if (!un[i])
				continue;
			if (shown++ == MAX_UNSEEN_WARNINGS) {
				rc |= warn(e, "... and more columns with categories the model was not trained on");
				break;
			}
			frame_pos(&e->f, first[i], map[i], &line, &col);
			rc |= warn(e, "column '%.100s': %zu %s a category the model was not trained on (the first '%.100s', line %ld), encoded as none of its categories",
				   p->cols[i].name, un[i], un[i] == 1 ? "row holds" : "rows hold",
				   frame_cell(&e->f, first[i], map[i]), line);
		}
	}
	free(map), free(un), free(first);
	return rc;
}

/* Read --data as a compact frame: the model's numeric features keep only
 * their numbers (and their text when some cell is not a number), every
 * other column its text, as does any column an option names. A regular
 * file is streamed (frame_stream.h, raw values), anything else read
 * whole. */
static int load_data(struct eval *e, const struct evaluate_opts *o,
		     struct mlci_err *err)
{
	const struct prep *p = &e->m->prep;
	size_t n = 0, cap = p->ncols + 2, i, k;
	const char **keep;
	char **copies;
	int rc = -1;

	for (i = 0; i < o->nslice_by; i++)
		cap += strlen(o->slice_by[i]) / 2 + 1;	/* names, one a comma at most */
	keep = calloc(cap, sizeof(*keep));
	copies = calloc(o->nslice_by + 1, sizeof(*copies));
	if (!keep || !copies) {
		oom(err);
		goto out;
	}
	keep[n++] = model_label(e->m);
	if (o->key_column)
		keep[n++] = o->key_column;
	for (i = 0; i < p->ncols; i++)
		if (p->cols[i].kind != PREP_NUMERIC)
			keep[n++] = p->cols[i].name;
	for (i = 0; i < o->nslice_by; i++) {
		char *tok, *save = NULL;

		if (!(copies[i] = strdup(o->slice_by[i]))) {
			oom(err);
			goto out;
		}
		for (tok = strtok_r(copies[i], ",", &save); tok && n < cap;
		     tok = strtok_r(NULL, ",", &save))
			keep[n++] = tok;
	}
	/* streamed when it can be: the numbers as doubles, never the file */
	rc = frame_load_streamed(&e->f, o->data, &o->csv, keep, n,
				 FRAME_STREAM_RAW, online_cpus(), err);
	if (rc == 1)
		rc = frame_load_compact(&e->f, o->data, &o->csv, keep, n, err);
out:
	for (k = 0; copies && k < o->nslice_by; k++)
		free(copies[k]);
	free(copies);
	free(keep);
	return rc;
}

static int load_inputs(struct eval *e, struct mlci_err *err)
{
	const struct evaluate_opts *o = e->o;
	const struct path_role outs[] = {
		{ "--out", o->out }, { "--predictions", o->predictions }, { "--html", o->html },
	};
	const struct path_role ins[] = {
		{ "--model", o->model }, { "--data", o->data }, { "--scored", o->scored },
	};
	const char *label;
	size_t i;
	int c;

	if (check_output_paths(outs, 3, ins, 3, err) < 0)
		return -1;
	if (o->scored) {
		if (o->model || o->data)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--scored evaluates a file of predictions: give it without --model and --data");
		if (!o->label_column || !o->prediction_column)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--scored needs --label-column and --prediction-column");
		if (o->task && strcmp(o->task, "classification") && strcmp(o->task, "regression"))
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--task is classification or regression, not '%.100s'", o->task);
		e->classifier = !o->task || !strcmp(o->task, "classification");
		if (frame_load(&e->f, o->scored, &o->csv, err) < 0)
			return -1;
		label = o->label_column;
	} else {
		if (!o->model || !o->data)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "give --model and --data, or --scored FILE");
		if (o->label_column || o->prediction_column || o->score_columns || o->task)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--label-column, --prediction-column, --score-columns and --task go with --scored");
		if (model_load(&e->m, o->model, e->model_sha, err) < 0 ||
		    load_data(e, o, err) < 0)
			return -1;
		e->classifier = model_is_classifier(e->m);
		label = model_label(e->m);
	}
	c = frame_find(&e->f, label);
	if (c < 0)
		return o->scored ?
			err_set(err, MLCI_EXIT_DATAERR, e->f.path,
				"no column '%.200s' (--label-column)", label) :
			err_set(err, MLCI_EXIT_DATAERR, e->f.path,
				"no column '%.200s' (the label of %.200s)", label, o->model);
	e->lc = (size_t)c;
	if (o->label_suffix)
		frame_strip_suffix(&e->f, e->lc, o->label_suffix);
	if (gather_rows(e, err) < 0)
		return -1;
	if (o->scored)
		return scored_from_file(e, err) < 0 || check_keys(e, err) < 0 ? -1 : 0;
	e->width = e->classifier ? model_nclasses(e->m) : 1;
	e->pred = malloc((e->f.nrows * e->width + 1) * sizeof(*e->pred));
	if (!e->pred)
		return oom(err);
	if (model_predict(e->m, &e->f, e->pred, err) < 0)
		return -1;
	for (i = 0; i < e->n * e->width; i++)
		if (!isfinite(e->pred[e->rows[i / e->width] * e->width + i % e->width]))
			return err_set(err, MLCI_EXIT_DATAERR, o->model,
				       "the model predicts a non-finite value for data row %zu",
				       e->rows[i / e->width]);
	return scored_from_model(e, err) < 0 || check_keys(e, err) < 0 ? -1 : 0;
}

static void eval_free(struct eval *e)
{
	model_free(e->m);
	frame_free(&e->f);
	free(e->pred), free(e->rows), free(e->y);
	free(e->unseen), free(e->unseen_n);
	free(e->y_true), free(e->y_pred);
	free(e->names), free(e->proba), free(e->p), free(e->keys), free(e->classes);
	free(e->pred_text);
	json_decref(e->warnings);
}

/* The predictions file, in memory, and its sha256. */
static int render_predictions(struct eval *e, struct mlci_err *err)
{
	FILE *fp = open_memstream(&e->pred_text, &e->pred_len);

	if (!fp)
		return oom(err);
	scored_write_predictions(fp, &e->s, e->rows);
	if (fclose(fp) != 0)
		return oom(err);
	sha256_buf(e->pred_text, e->pred_len, e->pred_sha);
	return 0;
}

/* ---- operational figures ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Size, latency and memory of the model in use (see evaluate.h). */
static int operational_json(struct eval *e, json_t *art, struct mlci_err *err)
{
	const struct evaluate_opts *o = e->o;
	size_t B = o->latency_batch ? (size_t)o->latency_batch : EVALUATE_DEFAULT_LATENCY_BATCH;
	size_t nb, b, nrows = e->f.nrows;
	double *per_row = NULL, *per_batch = NULL, *out = NULL, total = 0;
	struct rusage ru;
	struct stat st;
	json_t *op;
	int rc = -1;

	if (stat(o->model, &st) != 0)
		return err_set(err, MLCI_EXIT_NOINPUT, o->model, "cannot stat");
	if (B > nrows)
		B = nrows;
	nb = nrows / B;
	per_row = malloc((nb + 1) * sizeof(*per_row));
	per_batch = malloc((nb + 1) * sizeof(*per_batch));
	out = malloc((B * e->width + 1) * sizeof(*out));
	if (!per_row || !per_batch || !out) {
		oom(err);
		goto done;
	}
	for (b = 0; b < nb; b++) {
		struct frame v;
		double t0, t1;

		frame_view_rows(&v, &e->f, b * B, B);
		t0 = now_ms();
		if (model_predict(e->m, &v, out, err) < 0)
			goto done;
		t1 = now_ms();
		per_batch[b] = t1 - t0;
		per_row[b] = (t1 - t0) / (double)B;
		total += t1 - t0;
	}
	qsort(per_row, nb, sizeof(*per_row), cmp_double);
	qsort(per_batch, nb, sizeof(*per_batch), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	op = json_pack("{s:I, s:f, s:f, s:f, s:f, s:I, s:I, s:f, s:f, s:s}",
		       "model_bytes", (json_int_t)st.st_size,
		       "latency_p50_ms", scored_quantile(per_row, nb, 0.5),
		       "latency_p95_ms", scored_quantile(per_row, nb, 0.95),
		       "batch_latency_p50_ms", scored_quantile(per_batch, nb, 0.5),
		       "batch_latency_p95_ms", scored_quantile(per_batch, nb, 0.95),
		       "batch_rows", (json_int_t)B, "batches", (json_int_t)nb,
		       "rows_per_second", total > 0 ? (double)(nb * B) / (total / 1e3) : 0.0,
		       "peak_rss_mb", (double)ru.ru_maxrss / 1024.0,
		       "method", "each batch of batch_rows consecutive rows predicted again from the parsed cells (preprocessing included), timed with CLOCK_MONOTONIC; per-row latency = batch time / batch_rows; p50/p95 over the batches; peak_rss_mb = ru_maxrss / 1024");
	if (!op || json_object_set_new(art, "operational", op)) {
		oom(err);
		goto done;
	}
	rc = 0;
done:
	free(per_row), free(per_batch), free(out);
	return rc;
}

/* Write both outputs to temporaries, then commit them together. */
static int write_outputs(const struct eval *e, const json_t *art,
			 struct mlci_err *err)
{
	const struct evaluate_opts *o = e->o;
	struct afile pf = { 0 }, mf = { 0 }, hf = { 0 };
	char *text = artifact_dumps(art);
	struct buf page;

	buf_init(&page);
	if (!text)
		return oom(err);
	if (o->html) {
		if (evalhtml_render(art, &e->s, &page, err) < 0 ||
		    afile_open(&hf, o->html, err) < 0)
			goto fail;
		if (fwrite(page.data, 1, page.len, hf.fp) != page.len) {
			err_set(err, MLCI_EXIT_IOERR, o->html, "cannot write: %s",
				afile_error(&hf));
			goto fail;
		}
	}
	if (o->predictions) {
		if (afile_open(&pf, o->predictions, err) < 0)
			goto fail;
		if (fwrite(e->pred_text, 1, e->pred_len, pf.fp) != e->pred_len) {
			err_set(err, MLCI_EXIT_IOERR, o->predictions, "cannot write: %s",
				afile_error(&pf));
			goto fail;
		}
	}
	if (afile_open(&mf, o->out, err) < 0)
		goto fail;
	fputs(text, mf.fp);
	free(text);
	text = NULL;
	if (o->predictions && afile_commit(&pf, err) < 0)
		goto fail;
	if (o->html && afile_commit(&hf, err) < 0) {
		if (o->predictions)
			unlink(o->predictions);
		goto fail;
	}
	if (afile_commit(&mf, err) < 0) {
		if (o->predictions)
			unlink(o->predictions);
		if (o->html)
			unlink(o->html);
		goto fail;
	}
	buf_release(&page);
	return 0;
fail:
	free(text);
	buf_release(&page);
	afile_abort(&pf);
	afile_abort(&mf);
	afile_abort(&hf);
	return -1;
}

int evaluate_run(const struct evaluate_opts *o, struct evaluate_result *r,
		 struct mlci_err *err)
{
	struct eval e = { 0 };
	struct buf report;
	json_t *art = NULL, *met;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	buf_init(&report);
	e.o = o;
	if (o->bootstrap < 0 || o->bootstrap > EVALUATE_MAX_BOOTSTRAP) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--bootstrap is 0 (off) to %d resamples",
			EVALUATE_MAX_BOOTSTRAP);
		goto out0;
	}
	if (o->bootstrap && !(o->confidence > 0 && o->confidence < 1)) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--confidence is a level between 0 and 1, e.g. 0.95");
		goto out0;
	}
	if (o->seed < 0) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--seed is a non-negative integer");
		goto out0;
	}
	if (o->operational && o->scored) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--operational measures a model: give --model and --data, not --scored");
		goto out0;
	}
	if (o->latency_batch < 0 || o->latency_batch > 1000000) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--latency-batch is 1 to 1000000 rows");
		goto out0;
	}
	e.warnings = json_array();
	met = json_object();
	if (!e.warnings || !met) {
		json_decref(met);
		oom(err);
		goto out;
	}
	if (load_inputs(&e, err) < 0) {
		json_decref(met);
		goto out;
	}
	art = artifact_new(KIND_METRICS, SCHEMA_METRICS, o->producer, err);
	if (!art) {
		json_decref(met);
		goto out;
	}
	if (json_object_set_new(art, "metrics", met) < 0 ||
	    (o->scored ? artifact_add_input(art, "scored", o->scored, e.f.sha256) < 0 :
	     artifact_add_input(art, "model", o->model, e.model_sha) < 0 ||
	     artifact_add_input(art, "data", o->data, e.f.sha256) < 0)) {
		oom(err);
		goto out;
	}
	if (metrics_json(&e, art, met, &report, err) < 0 ||
	    render_predictions(&e, err) < 0)
		goto out;
	if (o->nslice_by) {
		struct slices_opts so = {
			o->slice_by, o->nslice_by,
			o->min_slice_size,
			(size_t)o->bootstrap, (uint64_t)o->seed, o->confidence,
		};

		if (slices_json(&e.s, &e.f, e.rows, &so, art, err) < 0)
			goto out;
	}
	if (o->predictions) {
		json_t *pj = json_pack("{s:s, s:s, s:I, s:s}", "path", o->predictions,
				       "sha256", e.pred_sha, "rows", (json_int_t)e.n,
				       "key", o->key_column ? o->key_column : "row");

		if (!pj || json_object_set_new(art, "predictions", pj)) {
			oom(err);
			goto out;
		}
	}
	if (warn_rows(&e) || (e.m && warn_categories(&e)) ||
	    json_object_set_new(art, "task", json_string(e.classifier ?
				"classification" : "regression")) ||
	    json_object_set_new(art, "label", json_string(o->scored ? o->label_column :
							  model_label(e.m))) ||
	    json_object_set_new(art, "n_rows", json_integer((json_int_t)e.n)) ||
	    json_object_set_new(art, "n_skipped",
				json_integer((json_int_t)(e.f.nrows - e.n))) ||
	    json_object_set(art, "warnings", e.warnings)) {
		oom(err);
		goto out;
	}
	if (o->operational && operational_json(&e, art, err) < 0)
		goto out;
	if (write_outputs(&e, art, err) < 0)
		goto out;
	r->classifier = e.classifier;
	r->n_rows = e.n;
	r->n_skipped = e.f.nrows - e.n;
	r->artifact = art;
	r->report = buf_detach(&report, NULL);
	art = NULL;
	rc = r->report ? 0 : oom(err);
out:
	json_decref(art);
	eval_free(&e);
out0:
	buf_release(&report);
	return rc;
}

void evaluate_result_free(struct evaluate_result *r)
{
	json_decref(r->artifact);
	free(r->report);
	memset(r, 0, sizeof(*r));
}

int evaluate_summary(const struct evaluate_opts *o,
		     const struct evaluate_result *r, struct buf *out)
{
	static const char *const cls[] = { "accuracy", "f1_macro", "log_loss", "roc_auc" };
	static const char *const reg[] = { "rmse", "mae", "r2" };
	const char *const *keys = r->classifier ? cls : reg;
	size_t nkeys = r->classifier ? 4 : 3, i;
	json_t *met = json_object_get(r->artifact, "metrics");
	const char *sep = ": ";
	int rc;

	rc = buf_printf(out, "%s %zu rows of %s", r->classifier ?
			"classification," : "regression,", r->n_rows,
			o->scored ? o->scored : o->data);
	if (r->n_skipped)
		rc |= buf_printf(out, " (%zu skipped)", r->n_skipped);
	for (i = 0; i < nkeys; i++) {
		json_t *v = json_object_get(met, keys[i]);

		if (!json_is_number(v))
			continue;
		rc |= buf_printf(out, "%s%s %.4f", sep, keys[i], json_number_value(v));
		sep = ", ";
	}
	if (json_is_array(json_object_get(r->artifact, "slices"))) {
		json_t *sl, *list = json_object_get(r->artifact, "slices");
		size_t small = 0;

		json_array_foreach(list, i, sl)
			small += json_is_true(json_object_get(sl, "small"));
		rc |= buf_printf(out, "; %zu slices (%zu small)", json_array_size(list), small);
	}
	rc |= buf_printf(out, "; wrote %s", o->out);
	if (o->predictions)
		rc |= buf_printf(out, " and %s", o->predictions);
	if (o->html)
		rc |= buf_printf(out, " and %s", o->html);
	return rc ? -1 : 0;
}
