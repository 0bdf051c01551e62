#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "hash.h"
#include "io.h"
#include "forest.h"
#include "hgb.h"
#include "linmodel.h"
#include "mlp.h"
#include "tree.h"
#include "util.h"

/* Rows encoded at a time for prediction. */
#define PREDICT_CHUNK ((size_t)256)

static const struct model_family *const families[] = {
	&logistic_family, &linear_family, &ridge_family, &lasso_family,
	&elasticnet_family, &tree_family,
	&forest_family, &hgb_family,
	&mlp_family,
};

const struct model_family *model_family_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(families) / sizeof(*families); i++)
		if (!strcmp(families[i]->name, name))
			return families[i];
	return NULL;
}

const char *model_family_names(void)
{
	return "logistic, linear, ridge, lasso, elasticnet, tree, forest, hgb, mlp";
}

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
	if (m->fam && m->body)
		m->fam->free_body(m->body);
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
	size_t k, K = model_nclasses(m);
	double v, c;

	for (k = 0; name && k < K; k++)
		if (!strcmp(m->classes[k], name))
			return (long)k;
	/* classes that are all numbers match by value (1.0 is class 1) */
	if (!name || !K || parse_double(name, &v) < 0 || isnan(v))
		return -1;
	for (k = 0; k < K; k++)
		if (parse_double(m->classes[k], &c) < 0 || isnan(c))
			return -1;
	for (k = 0; k < K; k++)
		if (parse_double(m->classes[k], &c) == 0 && c == v)
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
	size_t width = m->classifier ? m->nclasses : 1;
	size_t *map = malloc((p->ncols + 1) * sizeof(*map));
	double *x = malloc((PREDICT_CHUNK * p->nout + 1) * sizeof(*x));
	float *xf = m->f32_inputs ?
		malloc((PREDICT_CHUNK * p->nout + 1) * sizeof(*xf)) : NULL;
	size_t r, i, n;
	int rc = -1;

	if (!map || !x || (m->f32_inputs && !xf)) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	if (prep_bind(p, f, map, err) < 0)
		goto out;
	for (r = 0; r < f->nrows; r += n) {
		n = f->nrows - r < PREDICT_CHUNK ? f->nrows - r : PREDICT_CHUNK;
		if (xf) {
			if (prep_rows_f32(p, f, map, r, r + n, xf, err) < 0)
				goto out;
			for (i = 0; i < n * p->nout; i++)
				x[i] = xf[i];
		} else {
			for (i = 0; i < n; i++)
				if (prep_row(p, f, map, r + i, x + i * p->nout, err) < 0)
					goto out;
		}
		if (m->fam->predict(m, x, n, out + r * width, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(map), free(x), free(xf);
	return rc;
}

int model_to_json(const struct model *m, json_t *art)
{
	json_t *classes, *feats, *prep, *mod;
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
	if (!mod || json_object_set_new(art, "model", mod) < 0 ||
	    json_object_set_new(mod, "type", json_string(m->type)) < 0)
		return -1;
	return m->fam->to_json(m, mod);
}

static int bad(struct mlci_err *err, const char *file, const char *what)
{
	return err_set(err, MLCI_EXIT_DATAERR, file, "%s", what);
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
	json_t *feats, *prep, *mod, *v;
	size_t k;

	if (json_get_str(j, "task", &task, file, err) < 0 ||
	    json_get_str(j, "label", &label, file, err) < 0 ||
	    json_get_array(j, "features", &feats, file, err) < 0 ||
	    json_get_object(j, "preprocessing", &prep, file, err) < 0 ||
	    json_get_object(j, "model", &mod, file, err) < 0 ||
	    json_get_str(mod, "type", &type, file, err) < 0)
		return -1;
	if (!strcmp(task, "classification"))
		m->classifier = 1;
	else if (strcmp(task, "regression"))
		return bad(err, file, "task must be 'classification' or 'regression'");
	m->fam = model_family_find(type);
	if (!m->fam || !(m->fam->task & (m->classifier ? TASK_CLASSIFY :
					TASK_REGRESS)))
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

	return m->fam->from_json(m, mod, file, err);
}

int model_from_json(struct model **out, const json_t *art, const char *file,
		    struct mlci_err *err)
{
	return model_from_json_src(out, art, NULL, file, err);
}

int model_from_json_src(struct model **out, const json_t *art,
			const struct model_src *src, const char *file,
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
	m->src = src;
	if (load_body(m, art, file, err) < 0) {
		model_free(m);
		return -1;
	}
	m->src = NULL;
	*out = m;
	return 0;
}

json_t *model_src_element(const struct model_src *src, size_t i,
			  const char *file, struct mlci_err *err)
{
	const struct json_span *e = &src->elems[i];
	json_error_t je;
	json_t *j = json_loadb(src->text + e->off, e->len,
			       JSON_REJECT_DUPLICATES, &je);
	long line = 1, col;
	size_t k, ls = 0;

	if (j)
		return j;
	/* where the element begins, for a place in the file */
	for (k = 0; k < e->off; k++)
		if (src->text[k] == '\n')
			line++, ls = k + 1;
	col = je.line <= 1 ? (long)(e->off - ls) + (je.column > 0 ? je.column : 1) :
		(je.column > 0 ? je.column : 1);
	err_set_at(err, MLCI_EXIT_DATAERR, file, line + (je.line > 1 ? je.line - 1 : 0),
		   col, "invalid JSON: %s", je.text);
	return NULL;
}

/* Forests of this size and more are read with their trees left out of
 * the JSON, each parsed on its own (the JSON values of them all would
 * weigh several times their nodes). */
#define LEAN_BYTES ((size_t)8 << 20)

/* LEAN_BYTES, or MLCI_MODEL_LEAN_BYTES (bytes, for tests). */
static size_t lean_bytes(void)
{
	return (size_t)env_knob("MLCI_MODEL_LEAN_BYTES", 0, (long)LEAN_BYTES);
}

/* The lean read: 0 done (or failed, err set: -1), 1 not for this text. */
static int load_lean(struct model **out, const char *path, const char *text,
		     size_t n, struct mlci_err *err)
{
	struct json_span arr, *el = NULL;
	struct model_src src;
	json_error_t je;
	size_t nel, slen;
	const char *type;
	char *skel;
	json_t *j;
	int rc = -1;

	if (n < lean_bytes() ||
	    json_array_spans(text, n, "model", "trees", &arr, &el, &nel) < 0)
		return 1;
	skel = json_blank_span(text, n, &arr, &slen);
	if (!skel) {
		free(el);
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
	}
	j = json_loadb(skel, slen, JSON_REJECT_DUPLICATES, &je);
	free(skel);
	if (!j) {	/* the whole text's parse reports it */
		free(el);
		return 1;
	}
	type = json_string_value(json_object_get(json_object_get(j, "model"), "type"));
	if (!type || strcmp(type, "forest")) {
		rc = 1;	/* only a forest reads its trees from the text */
	} else if (artifact_check(j, path, KIND_MODEL, SCHEMA_MODEL, err) == 0) {
		src.text = text, src.elems = el, src.n = nel;
		rc = model_from_json_src(out, j, &src, path, err);
	}
	json_decref(j);
	free(el);
	return rc;
}

int model_load(struct model **out, const char *path,
	       char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	json_t *j;
	json_error_t je;
	char *text;
	size_t n;
	int rc;

	*out = NULL;
	if (read_file(path, &text, &n, ARTIFACT_MAX_BYTES, err) < 0)
		return -1;
	rc = load_lean(out, path, text, n, err);
	if (rc == 1) {	/* the whole text as JSON */
		j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
		if (!j)
			rc = err_set_at(err, MLCI_EXIT_DATAERR, path, je.line,
					je.column > 0 ? je.column : 1,
					"invalid JSON: %s", je.text);
		else if ((rc = artifact_check(j, path, KIND_MODEL, SCHEMA_MODEL,
					      err)) == 0)
			rc = model_from_json(out, j, path, err);
		json_decref(j);
	}
	if (rc == 0 && sha)
		sha256_buf(text, n, sha);
	free(text);
	if (rc != 0 && *out) {
		model_free(*out);
		*out = NULL;
	}
	return rc;
}
