#include "provenance.h"

#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "cli.h"
#include "hash.h"

/* A copy of obj[key], or null. */
static json_t *copy_or_null(const json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return v ? json_deep_copy(v) : json_null();
}

/* The path the first input of this role records, or NULL. */
static const char *input_path(const json_t *art, const char *role)
{
	json_t *inputs = json_object_get(art, "inputs"), *in;
	size_t i;

	json_array_foreach(inputs, i, in) {
		const char *r = json_string_value(json_object_get(in, "role"));

		if (r && !strcmp(r, role))
			return json_string_value(json_object_get(in, "path"));
	}
	return NULL;
}

static json_t *digest(const char *algo, const char *hex)
{
	json_t *d = json_object();

	json_object_set_new(d, algo, json_string(hex));
	return d;
}

/* {name, digest {sha256}, annotations {path}} */
static json_t *file_dep(const char *name, const char *sha, const char *path)
{
	json_t *d = json_object();

	json_object_set_new(d, "name", json_string(name));
	json_object_set_new(d, "digest", digest("sha256", sha));
	if (path) {
		json_t *a = json_object();

		json_object_set_new(a, "path", json_string(path));
		json_object_set_new(d, "annotations", a);
	}
	return d;
}

static json_t *source_dep(const json_t *git)
{
	const char *commit = json_string_value(json_object_get(git, "commit"));
	const char *url = getenv("CI_PROJECT_URL");
	json_t *d, *a;

	if (!commit || strlen(commit) != 40)
		return NULL;
	d = json_object();
	a = json_object();
	json_object_set_new(d, "name", json_string("source"));
	json_object_set_new(d, "digest", digest("gitCommit", commit));
	if (url && *url) {
		char *u = malloc(strlen(url) + 5);

		if (u) {
			memcpy(u, "git+", 4);
			memcpy(u + 4, url, strlen(url) + 1);
			json_object_set_new(d, "uri", json_string(u));
			free(u);
		}
	}
	json_object_set_new(a, "branch", copy_or_null(git, "branch"));
	json_object_set_new(a, "ref", copy_or_null(git, "ref"));
	json_object_set_new(a, "dirty", copy_or_null(git, "dirty"));
	json_object_set_new(d, "annotations", a);
	return d;
}

static json_t *metrics_claim(const json_t *m)
{
	json_t *c;

	if (!m)
		return json_null();
	c = json_object();
	json_object_set_new(c, "task", copy_or_null(m, "task"));
	json_object_set_new(c, "n_rows", copy_or_null(m, "n_rows"));
	json_object_set_new(c, "values", copy_or_null(m, "metrics"));
	json_object_set_new(c, "intervals", copy_or_null(m, "intervals"));
	json_object_set_new(c, "bootstrap", copy_or_null(m, "bootstrap"));
	return c;
}

static json_t *gate_claim(const json_t *g)
{
	static const char *keys[] = { "rule", "metric", "status", "value", "threshold" };
	json_t *c, *rules, *r;
	size_t i, k;

	if (!g)
		return json_null();
	c = json_object();
	rules = json_array();
	json_object_set_new(c, "verdict", copy_or_null(g, "verdict"));
	json_object_set_new(c, "decision", copy_or_null(g, "decision"));
	json_array_foreach(json_object_get(g, "rules"), i, r) {
		json_t *o = json_object();

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			json_object_set_new(o, keys[k], copy_or_null(r, keys[k]));
		json_array_append_new(rules, o);
	}
	json_object_set_new(c, "rules", rules);
	return c;
}

static int subject_cmp(const void *a, const void *b)
{
	const struct prov_subject *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int provenance_build(const struct provenance_opts *o, json_t **out,
		     struct mlci_err *err)
{
	char when[32];
	json_t *st, *subj, *pred, *bd, *ext, *pkg, *train, *intl, *prod, *claims;
	json_t *deps, *rd, *builder, *ver, *meta, *d;
	const json_t *model = o->model;
	const char *data = artifact_input_sha(model, "data");
	const char *inv = getenv("CI_JOB_ID");
	struct prov_subject *sorted;
	size_t i;

	*out = NULL;
	if (artifact_time(when, NULL, err) < 0)
		return -1;
	if (!data)
		data = json_string_value(json_object_get(model, "data_sha256"));
	sorted = malloc((o->nsubjects ? o->nsubjects : 1) * sizeof(*sorted));
	if (!sorted)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	memcpy(sorted, o->subjects, o->nsubjects * sizeof(*sorted));
	qsort(sorted, o->nsubjects, sizeof(*sorted), subject_cmp);

	st = json_object();
	subj = json_array();
	for (i = 0; i < o->nsubjects; i++) {
		json_t *s = json_object();

		json_object_set_new(s, "name", json_string(sorted[i].name));
		json_object_set_new(s, "digest", digest("sha256", sorted[i].sha256));
		json_array_append_new(subj, s);
	}
	free(sorted);
	json_object_set_new(st, "_type", json_string(INTOTO_STATEMENT_TYPE));
	json_object_set_new(st, "subject", subj);
	json_object_set_new(st, "predicateType", json_string(SLSA_PROVENANCE_TYPE));

	pkg = json_object();
	json_object_set_new(pkg, "name", json_string(o->name));
	json_object_set_new(pkg, "version", json_string(o->version));
	json_object_set_new(pkg, "compression", json_string(o->compression));
	json_object_set_new(pkg, "allow_failed_gate", json_boolean(o->allow_failed_gate));
	train = json_object();
	json_object_set_new(train, "task", copy_or_null(model, "task"));
	json_object_set_new(train, "label", copy_or_null(model, "label"));
	json_object_set_new(train, "features", copy_or_null(model, "features"));
	json_object_set_new(train, "classes", copy_or_null(model, "classes"));
	json_object_set_new(train, "model", copy_or_null(json_object_get(model, "model"), "type"));
	json_object_set_new(train, "params", copy_or_null(json_object_get(model, "model"), "params"));
	ext = json_object();
	json_object_set_new(ext, "package", pkg);
	json_object_set_new(ext, "training", train);

	prod = json_object();
	json_object_set_new(prod, "name", json_string(o->producer ? o->producer : "mlci-package"));
	json_object_set_new(prod, "version", json_string(MLCI_VERSION));
	claims = json_object();
	json_object_set_new(claims, "metrics", metrics_claim(o->metrics));
	json_object_set_new(claims, "gate", gate_claim(o->gate));
	intl = json_object();
	json_object_set_new(intl, "producer", prod);
	json_object_set_new(intl, "claims", claims);

	deps = json_array();
	if (data)
		json_array_append_new(deps, file_dep("data", data, input_path(model, "data")));
	if (o->metrics && artifact_input_sha(o->metrics, "data"))
		json_array_append_new(deps, file_dep("evaluation-data",
						     artifact_input_sha(o->metrics, "data"),
						     input_path(o->metrics, "data")));
	if (o->schema_sha256)
		json_array_append_new(deps, file_dep("schema", o->schema_sha256, NULL));
	if ((d = source_dep(json_object_get(model, "git"))) != NULL)
		json_array_append_new(deps, d);

	bd = json_object();
	json_object_set_new(bd, "buildType", json_string(MLCI_BUILD_TYPE));
	json_object_set_new(bd, "externalParameters", ext);
	json_object_set_new(bd, "internalParameters", intl);
	json_object_set_new(bd, "resolvedDependencies", deps);

	builder = json_object();
	ver = json_object();
	json_object_set_new(ver, "mlci", json_string(MLCI_VERSION));
	json_object_set_new(builder, "id", json_string(MLCI_BUILDER_ID));
	json_object_set_new(builder, "version", ver);
	meta = json_object();
	if (!inv || !*inv)
		inv = getenv("CI_PIPELINE_ID");
	if (inv && *inv)
		json_object_set_new(meta, "invocationId", json_string(inv));
	json_object_set_new(meta, "startedOn", json_string(when));
	rd = json_object();
	json_object_set_new(rd, "builder", builder);
	json_object_set_new(rd, "metadata", meta);

	pred = json_object();
	json_object_set_new(pred, "buildDefinition", bd);
	json_object_set_new(pred, "runDetails", rd);
	json_object_set_new(st, "predicate", pred);
	*out = st;
	return 0;
}

int provenance_check(const char *text, size_t n,
		     const struct prov_subject *subjects, size_t nsubjects,
		     const char *data_sha256, const char *label,
		     struct mlci_err *err)
{
	json_error_t je;
	json_t *st = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je), *subj, *s;
	const char *t;
	size_t i, k;
	int rc = -1;

	if (!st)
		return err_set(err, MLCI_EXIT_DATAERR, label, "%d:%d: invalid JSON: %s",
			       je.line, (je.column > 0 ? je.column : 1), je.text);
	t = json_string_value(json_object_get(st, "_type"));
	if (!t || strcmp(t, INTOTO_STATEMENT_TYPE)) {
		err_set(err, MLCI_EXIT_DATAERR, label, "not an in-toto statement (_type %s)",
			INTOTO_STATEMENT_TYPE);
		goto done;
	}
	t = json_string_value(json_object_get(st, "predicateType"));
	if (!t || strcmp(t, SLSA_PROVENANCE_TYPE)) {
		err_set(err, MLCI_EXIT_DATAERR, label, "predicateType is not %s",
			SLSA_PROVENANCE_TYPE);
		goto done;
	}
	subj = json_object_get(st, "subject");
	if (!json_is_array(subj)) {
		err_set(err, MLCI_EXIT_DATAERR, label, "subject is not an array");
		goto done;
	}
	json_array_foreach(subj, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));
		const char *sha = json_string_value(json_object_get(json_object_get(s, "digest"), "sha256"));

		for (k = 0; name && k < nsubjects; k++)
			if (!strcmp(subjects[k].name, name))
				break;
		if (!name || !sha || k == nsubjects) {
			err_set(err, MLCI_EXIT_DATAERR, label,
				"subject %zu (%s) is not a file of the package", i + 1,
				name ? name : "no name");
			goto done;
		}
		if (strcmp(sha, subjects[k].sha256)) {
			err_set(err, MLCI_EXIT_DATAERR, label,
				"subject %s: sha256 %.12s... but the file has %.12s...",
				name, sha, subjects[k].sha256);
			goto done;
		}
	}
	for (k = 0; k < nsubjects; k++) {
		json_array_foreach(subj, i, s)
			if (!strcmp(json_string_value(json_object_get(s, "name")), subjects[k].name))
				break;
		if (i == json_array_size(subj)) {
			err_set(err, MLCI_EXIT_DATAERR, label,
				"%s is not among the statement's subjects", subjects[k].name);
			goto done;
		}
	}
	if (json_array_size(subj) != nsubjects) {
		err_set(err, MLCI_EXIT_DATAERR, label, "a subject is listed twice");
		goto done;
	}
	if (data_sha256) {
		json_t *deps = json_object_get(json_object_get(json_object_get(st, "predicate"),
							       "buildDefinition"),
					       "resolvedDependencies"), *d;
		const char *got = NULL;

		json_array_foreach(deps, i, d) {
			const char *nm = json_string_value(json_object_get(d, "name"));

			if (nm && !strcmp(nm, "data"))
				got = json_string_value(json_object_get(json_object_get(d, "digest"),
									"sha256"));
		}
		if (!got || strcmp(got, data_sha256)) {
			err_set(err, MLCI_EXIT_DATAERR, label,
				"the data dependency does not match the model's training data");
			goto done;
		}
	}
	rc = 0;
done:
	json_decref(st);
	return rc;
}
