/*
 * evaluate.c - the mlci-evaluate run (see evaluate.h): model + CSV ->
 * predictions -> metrics.json, predictions.csv and the text report.
 */
#include "evaluate.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "io.h"
#include "metrics.h"
#include "model.h"
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
	const char **unseen;	/* U sorted unique label values (in f) */
	size_t *unseen_n;	/* rows per unseen value */
	size_t *y_true, *y_pred;
	/* regression */
	double *y;
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
static int log_loss(const struct eval *e, double *out, struct mlci_err *err)
{
	size_t L = e->K + e->U, i;
	double *row = calloc(L, sizeof(*row)), *loss = malloc(e->n * sizeof(*loss));
	int rc = 0;

	if (!row || !loss) {
		free(row), free(loss);
		return oom(err);
	}
	for (i = 0; rc == 0 && i < e->n; i++) {
		memcpy(row, e->pred + e->rows[i] * e->K, e->K * sizeof(*row));
		rc = metrics_log_loss(e->y_true + i, row, 1, L, &loss[i], err);
	}
	if (rc == 0)
		*out = metrics_sum(loss, e->n) / (double)e->n;
	free(row), free(loss);
	return rc;
}

static int classify(struct eval *e, json_t *art, json_t *met, struct buf *report,
		    struct mlci_err *err)
{
	struct class_metrics cm = { 0 };
	size_t L, i, j, nl = 0, *map = NULL, *ct = NULL, *cp = NULL;
	const char **names = NULL;
	double v;
	int rc = -1;

	if (code_labels(e, err) < 0)
		return -1;
	L = e->K + e->U;
	map = malloc(L * sizeof(*map));
	names = malloc(L * sizeof(*names));
	ct = malloc(e->n * sizeof(*ct));
	cp = malloc(e->n * sizeof(*cp));
	if (!map || !names || !ct || !cp) {
		oom(err);
		goto out;
	}
	/* sklearn's default label set: labels in y_true or y_pred */
	for (j = 0; j < L; j++)
		map[j] = (size_t)-1;
	for (i = 0; i < e->n; i++)
		map[e->y_true[i]] = map[e->y_pred[i]] = 0;
	for (j = 0; j < L; j++)
		if (map[j] == 0) {
			names[nl] = code_name(e, j);
			map[j] = nl++;
		}
	for (i = 0; i < e->n; i++) {
		ct[i] = map[e->y_true[i]];
		cp[i] = map[e->y_pred[i]];
	}
	if (class_metrics_compute(&cm, ct, cp, e->n, nl, err) < 0)
		goto out;
	if (set_real(met, "accuracy", cm.accuracy) ||
	    set_real(met, "balanced_accuracy", cm.balanced_accuracy) ||
	    set_real(met, "precision_micro", cm.precision_micro) ||
	    set_real(met, "recall_micro", cm.recall_micro) ||
	    set_real(met, "f1_micro", cm.f1_micro) ||
	    set_real(met, "precision_macro", cm.precision_macro) ||
	    set_real(met, "recall_macro", cm.recall_macro) ||
	    set_real(met, "f1_macro", cm.f1_macro) ||
	    set_real(met, "precision_weighted", cm.precision_weighted) ||
	    set_real(met, "recall_weighted", cm.recall_weighted) ||
	    set_real(met, "f1_weighted", cm.f1_weighted)) {
		oom(err);
		goto out;
	}
	if (log_loss(e, &v, err) < 0)
		goto out;
	if (set_real(met, "log_loss", v) < 0) {
		oom(err);
		goto out;
	}
	if (e->K == 2) {
		unsigned char *pos = malloc(e->n);
		double *score = malloc(e->n * sizeof(*score));
		int auc = 2;

		if (!pos || !score) {
			free(pos), free(score);
			oom(err);
			goto out;
		}
		for (i = 0; i < e->n; i++) {
			pos[i] = e->y_true[i] == 1;
			score[i] = e->pred[e->rows[i] * 2 + 1];
		}
		if (!e->U)
			auc = metrics_roc_auc(pos, score, e->n, &v, err);
		free(pos), free(score);
		if (auc < 0)
			goto out;
		if (auc == 0 ? set_real(met, "roc_auc", v) :
		    auc == 1 ? warn(e, "roc_auc is undefined: only class '%.200s' occurs in the labels; left out",
				    code_name(e, e->y_true[0])) :
		    warn(e, "roc_auc is left out: the labels hold values the binary model does not know")) {
			oom(err);
			goto out;
		}
	}
	if (class_json(e, &cm, names, art) < 0 ||
	    metrics_report_text(&cm, names, 2, report) < 0) {
		oom(err);
		goto out;
	}
	rc = 0;
out:
	class_metrics_free(&cm);
	free(map), free(names), free(ct), free(cp);
	return rc;
}

static int regress(struct eval *e, json_t *met, struct buf *report,
		   struct mlci_err *err)
{
	struct reg_metrics rm;
	double *p = malloc(e->n * sizeof(*p));
	size_t i;
	int rc = -1;

	if (!p)
		return oom(err);
	for (i = 0; i < e->n; i++)
		p[i] = e->pred[e->rows[i]];
	if (metrics_regression(e->y, p, e->n, &rm, err) < 0)
		goto out;
	if (set_real(met, "mse", rm.mse) || set_real(met, "rmse", rm.rmse) ||
	    set_real(met, "mae", rm.mae) ||
	    (rm.r2_defined ? set_real(met, "r2", rm.r2) :
	     warn(e, "r2 is undefined with fewer than two rows; left out")) ||
	    buf_printf(report, "%-4s %.6g\n%-4s %.6g\n%-4s %.6g\n", "mse", rm.mse,
		       "rmse", rm.rmse, "mae", rm.mae) < 0 ||
	    (rm.r2_defined && buf_printf(report, "%-4s %.6g\n", "r2", rm.r2) < 0)) {
		oom(err);
		goto out;
	}
	rc = 0;
out:
	free(p);
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
		if (!model_is_classifier(e->m) &&
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

static void csv_field(FILE *fp, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
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

static void write_predictions(const struct eval *e, FILE *fp)
{
	char num[40], name[600];
	size_t i, j;

	fputs("row,label,prediction", fp);
	for (j = 0; j < e->K; j++) {
		snprintf(name, sizeof(name), "proba_%s", model_class_name(e->m, j));
		fputc(',', fp);
		csv_field(fp, name);
	}
	fputc('\n', fp);
	for (i = 0; i < e->n; i++) {
		const double *p = e->pred + e->rows[i] * e->width;

		fprintf(fp, "%zu,", e->rows[i]);
		csv_field(fp, frame_cell(&e->f, e->rows[i], e->lc));
		fputc(',', fp);
		if (e->K) {
			csv_field(fp, model_class_name(e->m, e->y_pred[i]));
		} else {
			fmt_double(num, sizeof(num), p[0]);
			fputs(num, fp);
		}
		for (j = 0; j < e->K; j++) {
			fmt_double(num, sizeof(num), p[j]);
			fputc(',', fp);
			fputs(num, fp);
		}
		fputc('\n', fp);
	}
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

static int load_inputs(struct eval *e, struct mlci_err *err)
{
	const struct evaluate_opts *o = e->o;
	const struct path_role outs[] = {
		{ "--out", o->out }, { "--predictions", o->predictions },
	};
	const struct path_role ins[] = {
		{ "--model", o->model }, { "--data", o->data },
	};
	size_t i;
	int c;

	if (check_output_paths(outs, 2, ins, 2, err) < 0)
		return -1;
	if (model_load(&e->m, o->model, e->model_sha, err) < 0 ||
	    frame_load(&e->f, o->data, &o->csv, err) < 0)
		return -1;
	c = frame_find(&e->f, model_label(e->m));
	if (c < 0)
		return err_set(err, MLCI_EXIT_DATAERR, e->f.path,
			       "no column '%.200s' (the label of %.200s)",
			       model_label(e->m), o->model);
	e->lc = (size_t)c;
	if (o->label_suffix)
		frame_strip_suffix(&e->f, e->lc, o->label_suffix);
	if (gather_rows(e, err) < 0)
		return -1;
	e->width = model_is_classifier(e->m) ? model_nclasses(e->m) : 1;
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
	return 0;
}

static void eval_free(struct eval *e)
{
	model_free(e->m);
	frame_free(&e->f);
	free(e->pred), free(e->rows), free(e->y);
	free(e->unseen), free(e->unseen_n);
	free(e->y_true), free(e->y_pred);
	json_decref(e->warnings);
}

/* Write both outputs to temporaries, then commit them together. */
static int write_outputs(const struct eval *e, const json_t *art,
			 struct mlci_err *err)
{
	const struct evaluate_opts *o = e->o;
	struct afile pf = { 0 }, mf = { 0 };
	char *text = artifact_dumps(art);

	if (!text)
		return oom(err);
	if (o->predictions) {
		if (afile_open(&pf, o->predictions, err) < 0)
			goto fail;
		write_predictions(e, pf.fp);
	}
	if (afile_open(&mf, o->out, err) < 0)
		goto fail;
	fputs(text, mf.fp);
	free(text);
	text = NULL;
	if (o->predictions && afile_commit(&pf, err) < 0)
		goto fail;
	if (afile_commit(&mf, err) < 0) {
		if (o->predictions)
			unlink(o->predictions);
		goto fail;
	}
	return 0;
fail:
	free(text);
	afile_abort(&pf);
	afile_abort(&mf);
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
	    artifact_add_input(art, "model", o->model, e.model_sha) < 0 ||
	    artifact_add_input(art, "data", o->data, e.f.sha256) < 0) {
		oom(err);
		goto out;
	}
	if (model_is_classifier(e.m) ? classify(&e, art, met, &report, err) :
	    regress(&e, met, &report, err))
		goto out;
	if (warn_rows(&e) ||
	    json_object_set_new(art, "task", json_string(model_is_classifier(e.m) ?
				"classification" : "regression")) ||
	    json_object_set_new(art, "label", json_string(model_label(e.m))) ||
	    json_object_set_new(art, "n_rows", json_integer((json_int_t)e.n)) ||
	    json_object_set_new(art, "n_skipped",
				json_integer((json_int_t)(e.f.nrows - e.n))) ||
	    json_object_set(art, "warnings", e.warnings)) {
		oom(err);
		goto out;
	}
	if (write_outputs(&e, art, err) < 0)
		goto out;
	r->classifier = model_is_classifier(e.m);
	r->n_rows = e.n;
	r->n_skipped = e.f.nrows - e.n;
	r->artifact = art;
	r->report = buf_detach(&report, NULL);
	art = NULL;
	rc = r->report ? 0 : oom(err);
out:
	buf_release(&report);
	json_decref(art);
	eval_free(&e);
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
			"classification," : "regression,", r->n_rows, o->data);
	if (r->n_skipped)
		rc |= buf_printf(out, " (%zu skipped)", r->n_skipped);
	for (i = 0; i < nkeys; i++) {
		json_t *v = json_object_get(met, keys[i]);

		if (!v)
			continue;
		rc |= buf_printf(out, "%s%s %.4f", sep, keys[i], json_number_value(v));
		sep = ", ";
	}
	rc |= buf_printf(out, "; wrote %s", o->out);
	if (o->predictions)
		rc |= buf_printf(out, " and %s", o->predictions);
	return rc ? -1 : 0;
}
