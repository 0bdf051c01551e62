#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "linmodel.h"

/* Bound checked before allocating from a model file's declared sizes. */
#define MODEL_MAX_COEF ((size_t)1 << 26)

void model_free(struct model *m)
{
	size_t k;

	if (!m)
		return;
	for (k = 0; k < m->nclasses; k++)
		free(m->classes[k]);
	free(m->classes);
	free(m->label);
	free(m->type);
	prep_free(&m->prep);
	free(m->coef);
	free(m->intercept);
	free(m);
}

int model_is_classifier(const struct model *m)
{
	return m->classifier;
}

size_t model_nclasses(const struct model *m)
{
	return m->classifier ? m->nclasses : 0;
}

const char *model_class_name(const struct model *m, size_t k)
{
	return k < model_nclasses(m) ? m->classes[k] : NULL;
}

long model_class_index(const struct model *m, const char *name)
{
	size_t k;

	for (k = 0; name && k < model_nclasses(m); k++)
		if (!strcmp(m->classes[k], name))
			return (long)k;
	return -1;
}

const char *model_label(const struct model *m)
{
	return m->label;
}

size_t model_nfeatures(const struct model *m)
{
	return m->prep.ncols;
}

const char *model_feature_name(const struct model *m, size_t j)
{
	return j < m->prep.ncols ? m->prep.cols[j].name : NULL;
}

const char *model_type(const struct model *m)
{
	return m->type;
}

int model_predict(const struct model *m, const struct frame *f, double *out,
		  struct mlci_err *err)
{
	const struct prep *p = &m->prep;
	size_t *map = malloc((p->ncols + 1) * sizeof(*map));
	double *x = malloc((p->nout + 1) * sizeof(*x));
	double *z = malloc((m->rows + 1) * sizeof(*z));
	size_t r, k, j;
	int rc = -1;

	if (!map || !x || !z) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	if (prep_bind(p, f, map, err) < 0)
		goto out;
	for (r = 0; r < f->nrows; r++) {
		if (prep_row(p, f, map, r, x, err) < 0)
			goto out;
		for (k = 0; k < m->rows; k++) {
			const double *w = m->coef + k * p->nout;
			double s = m->intercept[k];

			for (j = 0; j < p->nout; j++)
				s += w[j] * x[j];
			z[k] = s;
		}
		if (m->classifier)
			logistic_proba(z, m->nclasses, out + r * m->nclasses);
		else
			out[r] = z[0];
	}
	rc = 0;
out:
	free(map), free(x), free(z);
	return rc;
}

static json_t *real_array(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_real(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int model_to_json(const struct model *m, json_t *art)
{
	json_t *classes, *feats, *prep, *mod, *coef, *ic;
	size_t k;

	json_object_set_new(art, "task", json_string(m->classifier ?
				"classification" : "regression"));
	json_object_set_new(art, "label", json_string(m->label));
	if (m->classifier) {
		classes = json_array();
		if (!classes || json_object_set_new(art, "classes", classes) < 0)
			return -1;
		for (k = 0; k < m->nclasses; k++)
			if (json_array_append_new(classes,
						  json_string(m->classes[k])) < 0)
				return -1;
	}
	feats = json_array();
	if (!feats || json_object_set_new(art, "features", feats) < 0)
		return -1;
	for (k = 0; k < m->prep.ncols; k++)
		if (json_array_append_new(feats,
					  json_string(m->prep.cols[k].name)) < 0)
			return -1;
	prep = prep_to_json(&m->prep);
	if (!prep || json_object_set_new(art, "preprocessing", prep) < 0)
		return -1;
	mod = json_object();
	coef = json_array();
	if (!mod || json_object_set_new(art, "model", mod) < 0 || !coef ||
	    json_object_set_new(mod, "coefficients", coef) < 0)
		return -1;
	json_object_set_new(mod, "type", json_string(m->type));
	for (k = 0; k < m->rows; k++) {
		json_t *row = real_array(m->coef + k * m->prep.nout, m->prep.nout);

		if (!row || json_array_append_new(coef, row) < 0)
			return -1;
	}
	ic = real_array(m->intercept, m->rows);
	if (!ic || json_object_set_new(mod, "intercepts", ic) < 0)
		return -1;
	return 0;
}

static int bad(struct mlci_err *err, const char *file, const char *what)
{
	return err_set(err, MLCI_EXIT_DATAERR, file, "%s", what);
}

/* Read n finite numbers from array a into v. */
static int read_reals(const json_t *a, double *v, size_t n, const char *file,
		      const char *what, struct mlci_err *err)
{
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "%s must be an array of %zu numbers", what, n);
	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(a, i);

		if (!json_is_number(x) || !isfinite(json_number_value(x)))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "%s[%zu] is not a finite number", what, i);
		v[i] = json_number_value(x);
	}
	return 0;
}

static int load_classes(struct model *m, const json_t *j, const char *file,
			struct mlci_err *err)
{
	json_t *cl, *v;
	size_t k, i;

	if (json_get_array(j, "classes", &cl, file, err) < 0)
		return -1;
	if (json_array_size(cl) < 2 || json_array_size(cl) > MODEL_MAX_CLASSES)
		return bad(err, file, "classes must hold 2 to 4096 names");
	m->classes = calloc(json_array_size(cl), sizeof(*m->classes));
	if (!m->classes)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_array_foreach(cl, k, v) {
		if (!json_is_string(v))
			return bad(err, file, "classes must be strings");
		for (i = 0; i < k; i++)
			if (!strcmp(m->classes[i], json_string_value(v)))
				return bad(err, file, "classes are not unique");
		m->classes[k] = strdup(json_string_value(v));
		if (!m->classes[k])
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		m->nclasses++;
	}
	return 0;
}

static int load_body(struct model *m, const json_t *j, const char *file,
		     struct mlci_err *err)
{
	const char *task, *label, *type;
	json_t *feats, *prep, *mod, *coef, *ic, *v;
	size_t k, nout;

	if (json_get_str(j, "task", &task, file, err) < 0 ||
	    json_get_str(j, "label", &label, file, err) < 0 ||
	    json_get_array(j, "features", &feats, file, err) < 0 ||
	    json_get_object(j, "preprocessing", &prep, file, err) < 0 ||
	    json_get_object(j, "model", &mod, file, err) < 0 ||
	    json_get_str(mod, "type", &type, file, err) < 0 ||
	    json_get_array(mod, "coefficients", &coef, file, err) < 0 ||
	    json_get_array(mod, "intercepts", &ic, file, err) < 0)
		return -1;
	if (!strcmp(task, "classification"))
		m->classifier = 1;
	else if (strcmp(task, "regression"))
		return bad(err, file, "task must be 'classification' or 'regression'");
	if (m->classifier ? strcmp(type, "logistic") :
	    strcmp(type, "linear") && strcmp(type, "ridge"))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model type '%.40s' is not a %s model this mlci knows",
			       type, task);
	m->label = strdup(label);
	m->type = strdup(type);
	if (!m->label || !m->type)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (m->classifier && load_classes(m, j, file, err) < 0)
		return -1;
	if (!m->classifier && json_object_get(j, "classes"))
		return bad(err, file, "a regression model has no classes");
	if (prep_from_json(&m->prep, prep, file, err) < 0)
		return -1;
	if (json_array_size(feats) != m->prep.ncols)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "features lists %zu columns, preprocessing %zu",
			       json_array_size(feats), m->prep.ncols);
	json_array_foreach(feats, k, v)
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), m->prep.cols[k].name))
			return err_set(err, MLCI_EXIT_DATAERR, file,
				       "features[%zu] does not match preprocessing.columns[%zu].name",
				       k, k);
	for (k = 0; k < m->prep.ncols; k++)
		if (!strcmp(m->prep.cols[k].name, m->label))
			return bad(err, file, "the label column is also a feature");

	nout = m->prep.nout;
	m->rows = m->classifier && m->nclasses > 2 ? m->nclasses : 1;
	if (json_array_size(coef) != m->rows)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "model.coefficients has %zu rows, expected %zu",
			       json_array_size(coef), m->rows);
	if (nout && m->rows > MODEL_MAX_COEF / nout)
		return bad(err, file, "model.coefficients is too large");
	m->coef = calloc(m->rows * nout + 1, sizeof(*m->coef));
	m->intercept = calloc(m->rows, sizeof(*m->intercept));
	if (!m->coef || !m->intercept)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (k = 0; k < m->rows; k++) {
		char what[64];

		snprintf(what, sizeof(what), "model.coefficients[%zu]", k);
		if (read_reals(json_array_get(coef, k), m->coef + k * nout,
			       nout, file, what, err) < 0)
			return -1;
	}
	return read_reals(ic, m->intercept, m->rows, file, "model.intercepts",
			  err);
}

int model_from_json(struct model **out, const json_t *art, const char *file,
		    struct mlci_err *err)
{
	const char *kind = json_string_value(json_object_get(art, "kind"));
	json_t *v = json_object_get(art, "schema_version");
	struct model *m;

	*out = NULL;
	if (!json_is_object(art))
		return bad(err, file, "not an mlci artifact (expected a JSON object)");
	if (!kind || strcmp(kind, KIND_MODEL))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "expected an artifact of kind '%s'", KIND_MODEL);
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > SCHEMA_MODEL)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "%s schema_version missing or not supported (this mlci reads up to %d)",
			       KIND_MODEL, SCHEMA_MODEL);
	m = calloc(1, sizeof(*m));
	if (!m)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (load_body(m, art, file, err) < 0) {
		model_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

int model_load(struct model **out, const char *path,
	       char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	json_t *j;
	int rc;

	*out = NULL;
	if (artifact_load(path, KIND_MODEL, SCHEMA_MODEL, &j, sha, err) < 0)
		return -1;
	rc = model_from_json(out, j, path, err);
	json_decref(j);
	return rc;
}
