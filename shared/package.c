#include "package.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "artifact.h"
#include "io.h"
#include "model.h"
#include "modelcard.h"
#include "provenance.h"
#include "sign.h"
#include "util.h"

#define PACKAGE_MAX_BYTES ((size_t)1 << 30)

/* The artifacts a package can hold, in manifest order. */
enum { IN_MODEL, IN_METRICS, IN_GATE, IN_DATA_REPORT, IN_SCHEMA, IN_COUNT };

static const struct member {
	const char *role;
	const char *file;	/* name inside NAME-VER/ */
	const char *kind;
	int version;
} members[IN_COUNT] = {
	{ "model", "model.json", KIND_MODEL, SCHEMA_MODEL },
	{ "metrics", "metrics.json", KIND_METRICS, SCHEMA_METRICS },
	{ "gate", "gate.json", KIND_GATE, SCHEMA_GATE },
	{ "data-report", "data-report.json", KIND_DATA_REPORT, SCHEMA_DATA_REPORT },
	{ "schema", "schema.json", KIND_SCHEMA, SCHEMA_SCHEMA },
};

/* Files of NAME-VER/ beside the artifacts. The statement and its
 * signature are not in the manifest (the statement covers the manifest). */
#define CARD_FILE "MODEL_CARD.md"
#define CARD_ROLE "model-card"
#define PROV_FILE "provenance.json"
#define ENVELOPE_FILE "provenance.intoto.jsonl"

/* One artifact being packaged or read back from a package. */
struct input {
	const char *label;	/* how errors name it: a path or NAME-VER/x.json */
	json_t *json;		/* NULL when not given */
	char sha[SHA256_HEX_LEN + 1];
	char *data;		/* the file's bytes (owned, packaging only) */
	size_t size;
};

/* ---- names ---------------------------------------------------------- */

static int check_chars(const char *s, const char *what, const char *extra,
		       struct mlci_err *err)
{
	const char *c;

	if (!s || !*s)
		return err_set(err, MLCI_EXIT_USAGE, NULL, "%s must not be empty", what);
	if (strlen(s) > PACKAGE_NAME_MAX)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "%s is longer than %d characters", what, PACKAGE_NAME_MAX);
	if (s[0] == '.' || s[0] == '-')
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "%s '%s' must not start with '%c'", what, s, s[0]);
	for (c = s; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
		      *c == '-' || (extra && *c && strchr(extra, *c))))
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "%s '%s' may only hold A-Z a-z 0-9 . _ -%s%s",
				       what, s, extra ? " " : "", extra ? extra : "");
	return 0;
}

int package_check_name(const char *s, const char *what, struct mlci_err *err)
{
	return check_chars(s, what, NULL, err);
}

int package_check_version(const char *s, const char *what,
			  struct mlci_err *err)
{
	if (check_chars(s, what, "+", err) < 0)
		return -1;
	if (strstr(s, ".."))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "%s '%s' must not contain '..'", what, s);
	if (!strcmp(s, "channels") || !strcmp(s, "history.jsonl") || !strcmp(s, "history"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "%s '%s' is reserved by the registry layout", what, s);
	return 0;
}

/* ---- lineage -------------------------------------------------------- */

static const char *model_data_sha(const json_t *model)
{
	const char *s = artifact_input_sha(model, "data");

	return s ? s : json_string_value(json_object_get(model, "data_sha256"));
}

/* downstream's input of role `role` must have upstream's sha. errfile
 * NULL: name downstream's label as the file. */
static int link_ok(const struct input *down, const char *role,
		   const char *want_sha, const char *up_label,
		   const char *errfile, struct mlci_err *err)
{
	const char *got = artifact_input_sha(down->json, role);
	const char *file = errfile ? errfile : down->label;
	const char *pre = errfile ? down->label : "";
	const char *sep = errfile ? " " : "";

	if (!got)
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "lineage: %s%srecords no '%s' input, so it cannot be tied to %s",
			       pre, sep, role, up_label);
	if (!want_sha || strcmp(got, want_sha))
		return err_set(err, MLCI_EXIT_DATAERR, file,
			       "lineage: %s%srecords %s sha256 %.12s..., but %s has %.12s%s",
			       pre, sep, role, got, up_label,
			       want_sha ? want_sha : "no data sha256",
			       want_sha ? "..." : "");
	return 0;
}

/* The chain: data-report.data == model.data, metrics.model == model,
 * gate.metrics == metrics, data-report.schema == schema (if recorded). */
static int check_lineage(const struct input *in, const char *errfile,
			 struct mlci_err *err)
{
	const struct input *model = &in[IN_MODEL], *metrics = &in[IN_METRICS];
	const struct input *gate = &in[IN_GATE], *dr = &in[IN_DATA_REPORT];
	const struct input *schema = &in[IN_SCHEMA];

	if (metrics->json &&
	    link_ok(metrics, "model", model->sha, model->label, errfile, err) < 0)
		return -1;
	if (gate->json &&
	    link_ok(gate, "metrics", metrics->sha, metrics->label, errfile, err) < 0)
		return -1;
	if (dr->json) {
		const char *data = model_data_sha(model->json);
		char lab[600];

		snprintf(lab, sizeof(lab), "the training data of %s", model->label);
		if (link_ok(dr, "data", data, lab, errfile, err) < 0)
			return -1;
		if (schema->json && artifact_input_sha(dr->json, "schema") &&
		    link_ok(dr, "schema", schema->sha, schema->label, errfile, err) < 0)
			return -1;
	}
	return 0;
}

/* "pass" is fine, and so is an inconclusive verdict the gate's own
 * decision passed (mlci-gate --inconclusive pass); "fail"/"inconclusive"
 * refused with 1 unless allowed. */
static int check_verdict(const struct input *gate, int allow,
			 const char **verdict, int *overridden,
			 struct mlci_err *err)
{
	const char *v;

	*verdict = NULL;
	*overridden = 0;
	if (!gate->json)
		return 0;
	if (json_get_str(gate->json, "verdict", &v, gate->label, err) < 0)
		return -1;
	*verdict = v;
	if (!strcmp(v, "pass"))
		return 0;
	if (strcmp(v, "fail") && strcmp(v, "inconclusive"))
		return err_set(err, MLCI_EXIT_DATAERR, gate->label,
			       "unknown gate verdict '%s'", v);
	{
		const char *d = json_string_value(json_object_get(gate->json, "decision"));

		if (!strcmp(v, "inconclusive") && d && !strcmp(d, "pass"))
			return 0;
	}
	if (!allow)
		return err_set(err, MLCI_EXIT_VERDICT, gate->label,
			       "gate verdict is '%s': refusing to package (--allow-failed-gate overrides)",
			       v);
	*overridden = 1;
	return 0;
}

/* ---- packaging ------------------------------------------------------ */

static char *join(const char *dir, const char *name)
{
	struct buf b;
	size_t n = strlen(dir);

	buf_init(&b);
	if (buf_addstr(&b, dir) < 0 ||
	    (n && dir[n - 1] != '/' && buf_addch(&b, '/') < 0) ||
	    buf_addstr(&b, name) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* model.json must be a model mlci-evaluate can load: model_load's own
 * checks (the coefficients' shapes against the preprocessing, ...).
 * Errors name file; with member, file is the package and the message
 * starts with the member's name. */
static int model_ok(const json_t *art, const char *file, const char *member,
		    struct mlci_err *err)
{
	struct model *mod;
	char msg[sizeof(err->msg)];

	if (model_from_json(&mod, art, member ? member : file, err) < 0) {
		if (member && err->code == MLCI_EXIT_DATAERR) {
			snprintf(msg, sizeof(msg), "%s", err->msg);
			err_set(err, MLCI_EXIT_DATAERR, file,
				"%s is not a valid model: %s", member, msg);
		}
		return -1;
	}
	model_free(mod);
	return 0;
}

static int load_input(struct input *in, const struct member *m,
		      const char *path, struct mlci_err *err)
{
	char again[SHA256_HEX_LEN + 1];

	in->label = path;
	if (artifact_load(path, m->kind, m->version, &in->json, in->sha, err) < 0)
		return -1;
	if (read_file(path, &in->data, &in->size, PACKAGE_MAX_BYTES, err) < 0)
		return -1;
	sha256_buf(in->data, in->size, again);
	if (strcmp(again, in->sha))
		return err_set(err, MLCI_EXIT_IOERR, path, "changed while being read");
	if (m == &members[IN_MODEL])
		return model_ok(in->json, path, NULL, err);
	return 0;
}

static json_t *lineage_json(const struct input *in, const char *verdict,
			    int overridden)
{
	json_t *l = json_object();
	const char *data = model_data_sha(in[IN_MODEL].json);

#define SHA_OR_NULL(x) ((x)->json ? json_string((x)->sha) : json_null())
	json_object_set_new(l, "data_sha256", data ? json_string(data) : json_null());
	json_object_set_new(l, "model_sha256", json_string(in[IN_MODEL].sha));
	json_object_set_new(l, "metrics_sha256", SHA_OR_NULL(&in[IN_METRICS]));
	json_object_set_new(l, "gate_sha256", SHA_OR_NULL(&in[IN_GATE]));
	json_object_set_new(l, "data_report_sha256", SHA_OR_NULL(&in[IN_DATA_REPORT]));
	json_object_set_new(l, "schema_sha256", SHA_OR_NULL(&in[IN_SCHEMA]));
#undef SHA_OR_NULL
	json_object_set_new(l, "gate_verdict", verdict ? json_string(verdict) : json_null());
	json_object_set_new(l, "allow_failed_gate", json_boolean(overridden));
	return l;
}

/* DIR must be a directory, or not exist yet (created just before the
 * outputs are written, once every check has passed). */
static int out_dir_ok(const char *dir, struct mlci_err *err)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(err, MLCI_EXIT_CANTCREAT, dir,
			       "output directory: %s", strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return err_set(err, MLCI_EXIT_CANTCREAT, dir,
			       "output directory is not a directory");
	return 0;
}

/* One output file and its bytes. */
struct out_file {
	const char *path;
	const char *data;
	size_t len;
};

/* Create dir, write every file to its temporary, then commit them all;
 * on a failure nothing is left (files already renamed are removed). */
static int write_outputs(const char *dir, const struct out_file *f, size_t n,
			 struct mlci_err *err)
{
	struct afile fa[4];
	size_t i, done = 0;

	memset(fa, 0, sizeof(fa));
	if (n > 4 || mkdir_p(dir, err) < 0)
		return n > 4 ? err_set(err, MLCI_EXIT_SOFTWARE, NULL, "too many outputs") : -1;
	for (i = 0; i < n; i++) {
		if (afile_open(&fa[i], f[i].path, err) < 0)
			goto fail;
		if (fwrite(f[i].data, 1, f[i].len, fa[i].fp) != f[i].len) {
			err_set(err, MLCI_EXIT_IOERR, f[i].path, "cannot write: %s",
				afile_error(&fa[i]));
			goto fail;
		}
	}
	for (done = 0; done < n; done++)
		if (afile_commit(&fa[done], err) < 0)
			goto fail;
	return 0;
fail:
	for (i = 0; i < n; i++) {
		if (i < done)
			unlink(f[i].path);
		else
			afile_abort(&fa[i]);
	}
	return -1;
}

/* Add NAME-VER/file to the archive and, with subjects, to the
 * statement's subjects (name and sha256 kept in names/shas). */
struct subjects {
	struct prov_subject v[IN_COUNT + 2];
	char names[IN_COUNT + 2][2 * PACKAGE_NAME_MAX + 40];
	char shas[IN_COUNT + 2][SHA256_HEX_LEN + 1];
	size_t n;
};

static int add_member(struct archive *a, const char *top, const char *file,
		      const void *data, size_t n, struct subjects *sub,
		      struct mlci_err *err)
{
	char member[2 * PACKAGE_NAME_MAX + 40];

	snprintf(member, sizeof(member), "%s/%s", top, file);
	if (archive_add_file(a, member, data, n, 0, err) < 0)
		return -1;
	if (sub) {
		size_t k = sub->n++;

		memcpy(sub->names[k], member, sizeof(member));
		sha256_buf(data, n, sub->shas[k]);
		sub->v[k].name = sub->names[k];
		sub->v[k].sha256 = sub->shas[k];
	}
	return 0;
}

static json_t *file_json(const char *path, const char *role, const char *sha,
			 size_t size)
{
	json_t *f = json_object();

	json_object_set_new(f, "path", json_string(path));
	json_object_set_new(f, "role", json_string(role));
	json_object_set_new(f, "sha256", json_string(sha));
	json_object_set_new(f, "size", json_integer((json_int_t)size));
	return f;
}

static int build(const struct package_opts *o, struct input *in,
		 const struct modelcard_config *card_cfg,
		 const struct sign_key *key, struct package_result *r,
		 struct mlci_err *err)
{
	char when[32], top[2 * PACKAGE_NAME_MAX + 2], member[2 * PACKAGE_NAME_MAX + 40];
	long long epoch;
	struct archive a;
	struct buf tgz, card;
	struct subjects sub;
	struct modelcard_in ci;
	struct provenance_opts po;
	struct out_file outs[4];
	json_t *man = NULL, *files, *pkg = NULL, *arch, *stmt = NULL, *pj;
	char *man_text = NULL, *pkg_text = NULL, *stmt_text = NULL, *env_text = NULL;
	char man_sha[SHA256_HEX_LEN + 1], card_sha[SHA256_HEX_LEN + 1];
	char stmt_sha[SHA256_HEX_LEN + 1];
	const char *producer = o->producer ? o->producer : "mlci-package";
	enum archive_compression comp = ARCHIVE_GZIP;
	int rc = -1;
	size_t i, nout;

	archive_init(&a, 0);
	buf_init(&tgz);
	buf_init(&card);
	memset(&sub, 0, sizeof(sub));
	archive_compression_parse(o->compression, &comp);
	if (artifact_time(when, &epoch, err) < 0)
		goto done;
	archive_init(&a, epoch);
	snprintf(top, sizeof(top), "%s-%s", o->name, o->version);
	if (!(man = artifact_new(KIND_MANIFEST, SCHEMA_MANIFEST, producer, err)) ||
	    !(pkg = artifact_new(KIND_PACKAGE, SCHEMA_PACKAGE, producer, err)))
		goto done;
	files = json_array();
	json_object_set_new(man, "name", json_string(o->name));
	json_object_set_new(man, "version", json_string(o->version));
	json_object_set_new(man, "files", files);
	json_object_set_new(man, "lineage",
			    lineage_json(in, r->gate_verdict, r->gate_overridden));
	for (i = 0; i < IN_COUNT; i++) {
		if (!in[i].json)
			continue;
		json_array_append_new(files, file_json(members[i].file, members[i].role,
						       in[i].sha, in[i].size));
		artifact_add_input(man, members[i].role, in[i].label, in[i].sha);
		artifact_add_input(pkg, members[i].role, in[i].label, in[i].sha);
		if (add_member(&a, top, members[i].file, in[i].data, in[i].size, &sub, err) < 0)
			goto done;
		r->nfiles++;
	}

	/* the model card, listed in the manifest like the artifacts */
	memset(&ci, 0, sizeof(ci));
	ci.name = o->name;
	ci.version = o->version;
	ci.model = in[IN_MODEL].json;
	ci.metrics = in[IN_METRICS].json;
	ci.gate = in[IN_GATE].json;
	ci.data_report = in[IN_DATA_REPORT].json;
	ci.config = card_cfg;
#define SHA_OF(k) (in[k].json ? in[k].sha : NULL)
	ci.model_sha256 = SHA_OF(IN_MODEL);
	ci.metrics_sha256 = SHA_OF(IN_METRICS);
	ci.gate_sha256 = SHA_OF(IN_GATE);
	ci.data_report_sha256 = SHA_OF(IN_DATA_REPORT);
	ci.schema_sha256 = SHA_OF(IN_SCHEMA);
#undef SHA_OF
	ci.data_sha256 = model_data_sha(in[IN_MODEL].json);
	if (modelcard_render(&ci, &card, err) < 0)
		goto done;
	sha256_buf(card.data, card.len, card_sha);
	json_array_append_new(files, file_json(CARD_FILE, CARD_ROLE, card_sha, card.len));
	if (add_member(&a, top, CARD_FILE, card.data, card.len, &sub, err) < 0)
		goto done;
	r->nfiles++;

	if (!(man_text = artifact_dumps(man))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot serialise the manifest");
		goto done;
	}
	sha256_buf(man_text, strlen(man_text), man_sha);
	if (add_member(&a, top, "manifest.json", man_text, strlen(man_text), &sub, err) < 0)
		goto done;
	r->nfiles++;

	/* the provenance statement over every file so far, and its signature */
	memset(&po, 0, sizeof(po));
	po.name = o->name;
	po.version = o->version;
	po.compression = comp == ARCHIVE_ZSTD ? "zstd" : "gzip";
	po.allow_failed_gate = r->gate_overridden;
	po.model = in[IN_MODEL].json;
	po.metrics = in[IN_METRICS].json;
	po.gate = in[IN_GATE].json;
	po.schema_sha256 = in[IN_SCHEMA].json ? in[IN_SCHEMA].sha : NULL;
	po.producer = producer;
	po.subjects = sub.v;
	po.nsubjects = sub.n;
	if (provenance_build(&po, &stmt, err) < 0)
		goto done;
	if (!(stmt_text = artifact_dumps(stmt))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot serialise the provenance statement");
		goto done;
	}
	sha256_buf(stmt_text, strlen(stmt_text), stmt_sha);
	if (add_member(&a, top, PROV_FILE, stmt_text, strlen(stmt_text), NULL, err) < 0)
		goto done;
	r->nfiles++;
	if (key) {
		if (dsse_sign(key, DSSE_INTOTO_TYPE, stmt_text, strlen(stmt_text),
			      &env_text, err) < 0 ||
		    add_member(&a, top, ENVELOPE_FILE, env_text, strlen(env_text), NULL, err) < 0)
			goto done;
		r->nfiles++;
		snprintf(r->keyid, sizeof(r->keyid), "%s", sign_key_id(key));
	}
	if (archive_write(&a, comp, &tgz, err) < 0)
		goto done;
	r->size = tgz.len;
	sha256_buf(tgz.data, tgz.len, r->sha256);

	snprintf(member, sizeof(member), "%s%s", top, archive_suffix(comp));
	arch = json_object();
	json_object_set_new(arch, "file", json_string(member));
	json_object_set_new(arch, "sha256", json_string(r->sha256));
	json_object_set_new(arch, "size", json_integer((json_int_t)r->size));
	json_object_set_new(arch, "compression", json_string(po.compression));
	json_object_set_new(pkg, "name", json_string(o->name));
	json_object_set_new(pkg, "version", json_string(o->version));
	json_object_set_new(pkg, "archive", arch);
	json_object_set_new(pkg, "manifest_sha256", json_string(man_sha));
	json_object_set_new(pkg, "manifest", json_deep_copy(man));
	pj = json_object();
	json_object_set_new(pj, "file", json_string(PROV_FILE));
	json_object_set_new(pj, "sha256", json_string(stmt_sha));
	json_object_set_new(pkg, "provenance", pj);
	if (key) {
		pj = json_object();
		json_object_set_new(pj, "file", json_string(ENVELOPE_FILE));
		json_object_set_new(pj, "keyid", json_string(r->keyid));
		json_object_set_new(pj, "algorithm", json_string("ed25519"));
		json_object_set_new(pkg, "signature", pj);
	} else {
		json_object_set_new(pkg, "signature", json_null());
	}
	if (!(pkg_text = artifact_dumps(pkg))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot serialise package.json");
		goto done;
	}
	outs[0] = (struct out_file){ r->archive_path, tgz.data, tgz.len };
	outs[1] = (struct out_file){ r->package_path, pkg_text, strlen(pkg_text) };
	outs[2] = (struct out_file){ r->provenance_path, stmt_text, strlen(stmt_text) };
	nout = 3;
	if (key)
		outs[nout++] = (struct out_file){ r->envelope_path, env_text, strlen(env_text) };
	if (write_outputs(o->out_dir, outs, nout, err) < 0)
		goto done;
	r->package = pkg;
	pkg = NULL;
	rc = 0;
done:
	free(env_text);
	free(stmt_text);
	json_decref(stmt);
	free(pkg_text);
	free(man_text);
	json_decref(pkg);
	json_decref(man);
	buf_release(&card);
	buf_release(&tgz);
	archive_release(&a);
	return rc;
}

int package_run(const struct package_opts *o, struct package_result *r,
		struct mlci_err *err)
{
	struct input in[IN_COUNT];
	const char *paths[IN_COUNT];
	char name[PACKAGE_NAME_MAX * 2 + 16];
	enum archive_compression comp;
	struct sign_key *key = NULL;
	struct modelcard_config card;
	int rc = -1;
	size_t i;

	memset(r, 0, sizeof(*r));
	memset(in, 0, sizeof(in));
	memset(&card, 0, sizeof(card));
	paths[IN_MODEL] = o->model;
	paths[IN_METRICS] = o->metrics;
	paths[IN_GATE] = o->gate;
	paths[IN_DATA_REPORT] = o->data_report;
	paths[IN_SCHEMA] = o->schema;
	if (!o->model || !o->out_dir)
		return err_set(err, MLCI_EXIT_USAGE, NULL, "--%s is required",
			       o->model ? "out-dir" : "model");
	if (o->gate && !o->metrics)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--gate needs --metrics (the gate's lineage is checked against it)");
	if (archive_compression_parse(o->compression, &comp) < 0)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--compression must be gzip or zstd, not '%s'", o->compression);
	if (package_check_name(o->name, "--name", err) < 0 ||
	    package_check_version(o->version, "--version", err) < 0 ||
	    out_dir_ok(o->out_dir, err) < 0)
		return -1;
	if ((o->sign_key && sign_key_load_private(o->sign_key, "--sign-key", &key, err) < 0) ||
	    (o->card_config && modelcard_config_load(o->card_config, &card, err) < 0))
		goto done;
	for (i = 0; i < IN_COUNT; i++)
		if (paths[i] && load_input(&in[i], &members[i], paths[i], err) < 0)
			goto done;
	if (check_lineage(in, NULL, err) < 0 ||
	    check_verdict(&in[IN_GATE], o->allow_failed_gate, &r->gate_verdict,
			  &r->gate_overridden, err) < 0)
		goto done;
	/* gate_verdict points into in[IN_GATE].json: keep a static copy */
	if (r->gate_verdict)
		r->gate_verdict = !strcmp(r->gate_verdict, "pass") ? "pass" :
			!strcmp(r->gate_verdict, "fail") ? "fail" : "inconclusive";
	snprintf(name, sizeof(name), "%s-%s%s", o->name, o->version, archive_suffix(comp));
	r->archive_path = join(o->out_dir, name);
	r->package_path = join(o->out_dir, "package.json");
	r->provenance_path = join(o->out_dir, PROV_FILE);
	r->envelope_path = join(o->out_dir, ENVELOPE_FILE);
	if (!r->archive_path || !r->package_path || !r->provenance_path || !r->envelope_path) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	rc = build(o, in, o->card_config ? &card : NULL, key, r, err);
	if (rc == 0 && !key) {
		/* an unsigned package: a signature left from an earlier run
		 * would describe another statement */
		if (unlink(r->envelope_path) < 0 && errno != ENOENT) {
			err_set(err, MLCI_EXIT_CANTCREAT, r->envelope_path,
				"cannot remove a stale signature: %s", strerror(errno));
			rc = -1;
		}
		free(r->envelope_path);
		r->envelope_path = NULL;
	}
done:
	for (i = 0; i < IN_COUNT; i++) {
		json_decref(in[i].json);
		free(in[i].data);
	}
	modelcard_config_release(&card);
	sign_key_free(key);
	return rc;
}

void package_result_release(struct package_result *r)
{
	free(r->archive_path);
	free(r->package_path);
	free(r->provenance_path);
	free(r->envelope_path);
	json_decref(r->package);
	memset(r, 0, sizeof(*r));
}

/* ---- reading a package back ----------------------------------------- */

/* A package.json: load its archive from beside it and check it. */
static int via_package_json(const char *path, const char *text, size_t n,
			    unsigned char **data, size_t *size,
			    struct mlci_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je), *arch;
	const char *kind, *file, *sha;
	char got[SHA256_HEX_LEN + 1], *dir = NULL, *apath = NULL, *bytes = NULL;
	const char *slash = strrchr(path, '/');
	json_int_t want_size;
	size_t len;
	int rc = -1;

	if (!j && (n == 0 || text[strspn(text, " \t\r\n")] != '{'))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "not a package (expected NAME-VER.tar.gz or its package.json)");
	if (!j)
		return err_set_at(err, MLCI_EXIT_DATAERR, path, je.line, (je.column > 0 ? je.column : 1),
				  "not a package: invalid JSON: %s", je.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "not a package (expected NAME-VER.tar.gz or its package.json)");
	}
	kind = json_string_value(json_object_get(j, "kind"));
	if (!kind || strcmp(kind, KIND_PACKAGE)) {
		err_set(err, MLCI_EXIT_DATAERR, path,
			"expected a .tar.gz or an artifact of kind '%s'", KIND_PACKAGE);
		goto done;
	}
	if (json_get_object(j, "archive", &arch, path, err) < 0 ||
	    json_get_str(arch, "file", &file, path, err) < 0 ||
	    json_get_str(arch, "sha256", &sha, path, err) < 0)
		goto done;
	want_size = json_integer_value(json_object_get(arch, "size"));
	if (!*file || strchr(file, '/') || !strcmp(file, "..")) {
		err_set(err, MLCI_EXIT_DATAERR, path, "archive.file '%s' is not a plain file name", file);
		goto done;
	}
	dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	apath = dir ? join(dir, file) : NULL;
	if (!apath) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (read_file(apath, &bytes, &len, PACKAGE_MAX_BYTES, err) < 0)
		goto done;
	sha256_buf(bytes, len, got);
	if (strcmp(got, sha) || (json_int_t)len != want_size) {
		err_set(err, MLCI_EXIT_DATAERR, path,
			"%s does not match it (sha256 %.12s..., recorded %.12s...)",
			apath, got, sha);
		goto done;
	}
	*data = (unsigned char *)bytes;
	*size = len;
	bytes = NULL;
	rc = 0;
done:
	free(bytes);
	free(apath);
	free(dir);
	json_decref(j);
	return rc;
}

/* The manifest's file list against the archive's entries. */
static int check_files(const struct archive *a, const char *top,
		       json_t *files, struct input *in, const char *path,
		       struct mlci_err *err)
{
	size_t i, k, nfiles = 0, listed;
	json_t *f;
	char member[2 * PACKAGE_NAME_MAX + 40];

	for (i = 0; i < a->n; i++) {
		const struct archive_entry *e = &a->v[i];
		size_t tl = strlen(top);

		if (strncmp(e->path, top, tl) ||
		    (e->path[tl] && (e->path[tl] != '/' || strchr(e->path + tl + 1, '/'))) ||
		    (e->type == ARCHIVE_DIR && e->path[tl]) ||
		    (e->type == ARCHIVE_FILE && !e->path[tl]))
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "unexpected entry '%s' (a package holds only %s/<file>)",
				       e->path, top);
		if (e->type == ARCHIVE_FILE && strcmp(e->path + tl, "/" PROV_FILE) &&
		    strcmp(e->path + tl, "/" ENVELOPE_FILE))
			nfiles++;
	}
	listed = json_array_size(files);
	json_array_foreach(files, i, f) {
		const char *p, *sha, *role, *kind;
		json_int_t size;
		const struct archive_entry *e;
		char got[SHA256_HEX_LEN + 1];
		json_t *other;
		json_error_t je;

		if (json_get_str(f, "path", &p, path, err) < 0 ||
		    json_get_str(f, "sha256", &sha, path, err) < 0 ||
		    json_get_str(f, "role", &role, path, err) < 0)
			return -1;
		if (!json_is_integer(json_object_get(f, "size")))
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "manifest: size of '%s' is not an integer", p);
		size = json_integer_value(json_object_get(f, "size"));
		for (k = 0; k < i; k++) {
			other = json_array_get(files, k);
			if (!strcmp(p, json_string_value(json_object_get(other, "path"))))
				return err_set(err, MLCI_EXIT_DATAERR, path,
					       "manifest lists '%s' twice", p);
		}
		snprintf(member, sizeof(member), "%s/%s", top, p);
		if (strchr(p, '/') || !strcmp(p, "manifest.json") ||
		    !strcmp(p, PROV_FILE) || !strcmp(p, ENVELOPE_FILE) ||
		    !(e = archive_find(a, member)) || e->type != ARCHIVE_FILE)
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "manifest lists '%s', which the archive does not hold", p);
		sha256_buf(e->data, e->size, got);
		if ((json_int_t)e->size != size || strcmp(got, sha))
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "%s: sha256 %.12s... (%zu bytes) does not match the manifest's %.12s... (%lld bytes)",
				       member, got, e->size, sha, (long long)size);
		for (k = 0; k < IN_COUNT; k++)
			if (!strcmp(role, members[k].role) && !strcmp(p, members[k].file))
				break;
		if (k == IN_COUNT)
			continue;	/* a file this build does not know: verified, not interpreted */
		in[k].label = members[k].file;
		memcpy(in[k].sha, got, sizeof(got));
		in[k].json = json_loadb((const char *)e->data, e->size,
					JSON_REJECT_DUPLICATES, &je);
		if (!in[k].json)
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "%s:%d:%d: invalid JSON: %s", member,
				       je.line, (je.column > 0 ? je.column : 1), je.text);
		if (!json_is_object(in[k].json))
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "%s is not a JSON object", member);
		kind = json_string_value(json_object_get(in[k].json, "kind"));
		if (!kind || strcmp(kind, members[k].kind))
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "%s is not of kind '%s'", member, members[k].kind);
		if (k == IN_MODEL && model_ok(in[k].json, path, member, err) < 0)
			return -1;
	}
	if (nfiles != listed + 1)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "the archive holds %zu file(s) the manifest does not list",
			       nfiles - listed - 1);
	if (!in[IN_MODEL].json)
		return err_set(err, MLCI_EXIT_DATAERR, path, "the package holds no model.json");
	return 0;
}

/* The manifest's lineage block must describe the files it came with. */
static int check_manifest_lineage(json_t *man, const struct input *in,
				  const char *path, const char **verdict,
				  struct mlci_err *err)
{
	static const char *keys[IN_COUNT] = {
		"model_sha256", "metrics_sha256", "gate_sha256",
		"data_report_sha256", "schema_sha256",
	};
	json_t *l;
	size_t i;
	int allowed;
	const char *data, *ldata;

	if (json_get_object(man, "lineage", &l, path, err) < 0)
		return -1;
	data = model_data_sha(in[IN_MODEL].json);
	ldata = json_string_value(json_object_get(l, "data_sha256"));
	if ((data || ldata) && (!data || !ldata || strcmp(data, ldata)))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "manifest lineage data_sha256 does not match model.json's training data");
	for (i = 0; i < IN_COUNT; i++) {
		const char *s = json_string_value(json_object_get(l, keys[i]));

		if ((in[i].json && (!s || strcmp(s, in[i].sha))) || (!in[i].json && s))
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "manifest lineage %s does not match the package's files",
				       keys[i]);
	}
	*verdict = json_string_value(json_object_get(l, "gate_verdict"));
	allowed = json_is_true(json_object_get(l, "allow_failed_gate"));
	if (in[IN_GATE].json) {
		const char *v = json_string_value(json_object_get(in[IN_GATE].json, "verdict"));

		if (!v || !*verdict || strcmp(v, *verdict))
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "manifest gate_verdict does not match gate.json");
		if (strcmp(v, "pass") && !allowed)
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "the package holds a '%s' gate but was not packaged with --allow-failed-gate",
				       v);
	}
	return 0;
}

/* Re-label an error from a member's check: "PKG: member: message". */
static int member_err(struct mlci_err *err, const char *path, const char *member)
{
	char msg[sizeof(err->msg)];
	int code = err->code ? err->code : MLCI_EXIT_DATAERR;

	snprintf(msg, sizeof(msg), "%s", err->msg);
	return err_set(err, code, path, "%s: %s", member, msg);
}

static int copy_bytes(char **dst, size_t *dn, const void *src, size_t n)
{
	if (!(*dst = malloc(n + 1)))
		return -1;
	memcpy(*dst, src, n);
	(*dst)[n] = '\0';
	*dn = n;
	return 0;
}

/* The statement (when present) against the package's files, the
 * signature (when present) against the statement, and with key, the
 * signature required and verified. */
static int check_provenance(const struct archive *a, const char *top,
			    const struct sign_key *key, const char *key_label,
			    const char *data_sha, const char *path,
			    struct package_info *p, struct mlci_err *err)
{
	char sname[2 * PACKAGE_NAME_MAX + 40], ename[2 * PACKAGE_NAME_MAX + 40];
	const struct archive_entry *st, *env;
	struct prov_subject *sub = NULL;
	char (*shas)[SHA256_HEX_LEN + 1] = NULL;
	struct dsse d;
	size_t i, n = 0;
	int rc = -1;

	memset(&d, 0, sizeof(d));
	snprintf(sname, sizeof(sname), "%s/%s", top, PROV_FILE);
	snprintf(ename, sizeof(ename), "%s/%s", top, ENVELOPE_FILE);
	st = archive_find(a, sname);
	env = archive_find(a, ename);
	if (env && !st)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "%s is there but %s is not", ename, sname);
	if (st) {
		sub = calloc(a->n ? a->n : 1, sizeof(*sub));
		shas = calloc(a->n ? a->n : 1, sizeof(*shas));
		if (!sub || !shas) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
		for (i = 0; i < a->n; i++) {
			const struct archive_entry *e = &a->v[i];

			if (e->type != ARCHIVE_FILE || e == st || e == env)
				continue;
			sha256_buf(e->data, e->size, shas[n]);
			sub[n].name = e->path;
			sub[n].sha256 = shas[n];
			n++;
		}
		if (provenance_check((const char *)st->data, st->size, sub, n, data_sha,
				     sname, err) < 0) {
			member_err(err, path, sname);
			goto done;
		}
		if (copy_bytes(&p->provenance, &p->provenance_size, st->data, st->size) < 0) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
	}
	if (env) {
		if (dsse_parse((const char *)env->data, env->size, ename, &d, err) < 0) {
			member_err(err, path, ename);
			goto done;
		}
		if (strcmp(d.type, DSSE_INTOTO_TYPE)) {
			err_set(err, MLCI_EXIT_DATAERR, path, "%s: payloadType is not %s",
				ename, DSSE_INTOTO_TYPE);
			goto done;
		}
		if (d.body_size != st->size || memcmp(d.body, st->data, st->size)) {
			err_set(err, MLCI_EXIT_DATAERR, path,
				"%s: the signed statement is not %s", ename, sname);
			goto done;
		}
		if (copy_bytes(&p->envelope, &p->envelope_size, env->data, env->size) < 0) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
		snprintf(p->keyid, sizeof(p->keyid), "%s", d.keyid[0]);
		p->is_signed = 1;
	}
	if (key) {
		if (!env) {
			err_set(err, MLCI_EXIT_DATAERR, path,
				"the package is not signed (no %s), and %s requires a signature",
				ename, key_label);
			goto done;
		}
		if (dsse_verify(&d, key, ename, key_label, err) < 0) {
			member_err(err, path, ename);
			goto done;
		}
		snprintf(p->keyid, sizeof(p->keyid), "%s", sign_key_id(key));
		p->verified = 1;
	}
	rc = 0;
done:
	dsse_release(&d);
	free(sub);
	free(shas);
	return rc;
}

int package_open(const char *path, struct package_info *p,
		 struct mlci_err *err)
{
	return package_open_key(path, NULL, NULL, p, err);
}

int package_open_key(const char *path, const struct sign_key *key,
		     const char *key_label, struct package_info *p,
		     struct mlci_err *err)
{
	enum archive_compression comp;
	struct archive a;
	struct input in[IN_COUNT];
	char *raw = NULL, top[2 * PACKAGE_NAME_MAX + 2], member[2 * PACKAGE_NAME_MAX + 40];
	size_t n, i;
	const struct archive_entry *me;
	json_error_t je;
	json_t *files;
	const char *name, *version;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	memset(in, 0, sizeof(in));
	archive_init(&a, 0);
	if (!(p->path = strdup(path)))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (read_file(path, &raw, &n, PACKAGE_MAX_BYTES, err) < 0)
		goto done;
	if (archive_detect(raw, n, &comp) == 0) {
		p->archive = (unsigned char *)raw;
		p->archive_size = n;
		raw = NULL;
	} else if (via_package_json(path, raw, n, &p->archive, &p->archive_size, err) < 0) {
		goto done;
	} else {
		p->package_json_checked = 1;
	}
	sha256_buf(p->archive, p->archive_size, p->sha256);
	if (archive_read(&a, p->archive, p->archive_size, path, NULL, err) < 0)
		goto done;
	archive_detect(p->archive, p->archive_size, &comp);
	p->compression = comp == ARCHIVE_ZSTD ? "zstd" : "gzip";
	if (!a.n) {
		err_set(err, MLCI_EXIT_DATAERR, path, "no top directory NAME-VER/");
		goto done;
	}
	snprintf(top, sizeof(top), "%.*s", (int)strcspn(a.v[0].path, "/"), a.v[0].path);
	snprintf(member, sizeof(member), "%s/manifest.json", top);
	if (!(me = archive_find(&a, member)) || me->type != ARCHIVE_FILE) {
		err_set(err, MLCI_EXIT_DATAERR, path, "no %s in the archive", member);
		goto done;
	}
	p->manifest_json = json_loadb((const char *)me->data, me->size,
				      JSON_REJECT_DUPLICATES, &je);
	if (!p->manifest_json) {
		err_set(err, MLCI_EXIT_DATAERR, path, "%s:%d:%d: invalid JSON: %s",
			member, je.line, (je.column > 0 ? je.column : 1), je.text);
		goto done;
	}
	if (!json_is_object(p->manifest_json) ||
	    !json_string_value(json_object_get(p->manifest_json, "kind")) ||
	    strcmp(json_string_value(json_object_get(p->manifest_json, "kind")), KIND_MANIFEST) ||
	    !json_is_integer(json_object_get(p->manifest_json, "schema_version")) ||
	    json_integer_value(json_object_get(p->manifest_json, "schema_version")) < 1 ||
	    json_integer_value(json_object_get(p->manifest_json, "schema_version")) > SCHEMA_MANIFEST) {
		err_set(err, MLCI_EXIT_DATAERR, path,
			"%s is not an %s artifact this mlci reads (version <= %d)",
			member, KIND_MANIFEST, SCHEMA_MANIFEST);
		goto done;
	}
	if (json_get_str(p->manifest_json, "name", &name, path, err) < 0 ||
	    json_get_str(p->manifest_json, "version", &version, path, err) < 0 ||
	    json_get_array(p->manifest_json, "files", &files, path, err) < 0)
		goto done;
	if (package_check_name(name, "manifest name", err) < 0 ||
	    package_check_version(version, "manifest version", err) < 0) {
		err->code = MLCI_EXIT_DATAERR;
		snprintf(err->file, sizeof(err->file), "%s", path);
		goto done;
	}
	if (strlen(top) != strlen(name) + 1 + strlen(version) ||
	    strncmp(top, name, strlen(name)) || top[strlen(name)] != '-' ||
	    strcmp(top + strlen(name) + 1, version)) {
		err_set(err, MLCI_EXIT_DATAERR, path,
			"top directory '%s/' does not match the manifest's %s %s",
			top, name, version);
		goto done;
	}
	if (check_files(&a, top, files, in, path, err) < 0 ||
	    check_lineage(in, path, err) < 0 ||
	    check_manifest_lineage(p->manifest_json, in, path, &p->gate_verdict, err) < 0 ||
	    check_provenance(&a, top, key, key_label, model_data_sha(in[IN_MODEL].json),
			     path, p, err) < 0)
		goto done;
	for (i = 0; i < a.n; i++)
		if (a.v[i].type == ARCHIVE_FILE)
			p->nfiles++;
	p->name = strdup(name);
	p->version = strdup(version);
	p->manifest = malloc(me->size + 1);
	if (!p->name || !p->version || !p->manifest) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	memcpy(p->manifest, me->data, me->size);
	p->manifest[me->size] = '\0';
	p->manifest_size = me->size;
	rc = 0;
done:
	for (i = 0; i < IN_COUNT; i++)
		json_decref(in[i].json);
	archive_release(&a);
	free(raw);
	return rc;
}

void package_info_release(struct package_info *p)
{
	free(p->path);
	free(p->name);
	free(p->version);
	free(p->archive);
	free(p->manifest);
	free(p->provenance);
	free(p->envelope);
	json_decref(p->manifest_json);
	memset(p, 0, sizeof(*p));
}

/* ---- mlci-package --verify ------------------------------------------ */

/* 1 when package.json j records another manifest sha256 than p's. */
static int manifest_sha_differs(const json_t *j, const struct package_info *p)
{
	const char *ms = json_string_value(json_object_get(j, "manifest_sha256"));
	char got[SHA256_HEX_LEN + 1];

	sha256_buf(p->manifest, p->manifest_size, got);
	return !ms || strcmp(ms, got) != 0;
}

/* A file beside the package (in dir) must hold exactly these bytes
 * (want NULL: must not be there). */
static int beside_same(const char *dir, const char *file, const char *want,
		       size_t n, const char *path, struct mlci_err *err)
{
	char *bp = join(dir, file), *got = NULL;
	size_t len;
	struct stat st;
	int rc = 0;

	if (!bp)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (stat(bp, &st) == 0) {
		if (!want)
			rc = err_set(err, MLCI_EXIT_DATAERR, bp,
				     "the package %s holds no %s", path, file);
		else if (read_file(bp, &got, &len, PACKAGE_MAX_BYTES, err) < 0)
			rc = -1;
		else if (len != n || memcmp(got, want, n))
			rc = err_set(err, MLCI_EXIT_DATAERR, bp,
				     "differs from the %s inside %s", file, path);
	}
	free(got);
	free(bp);
	return rc;
}

int package_verify(const char *path, const char *verify_key,
		   struct package_info *p, struct mlci_err *err)
{
	struct sign_key *key = NULL;
	char *dir = NULL, *pj = NULL, *text = NULL;
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t n;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (verify_key && sign_key_load_public(verify_key, "--verify-key", &key, err) < 0)
		return -1;
	if (package_open_key(path, key, verify_key, p, err) < 0)
		goto done;
	dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	pj = dir ? join(dir, "package.json") : NULL;
	if (!pj) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (p->package_json_checked) {
		/* package.json given: package_open checked the archive */
		json_t *j;
		int bad;

		if (read_file(path, &text, &n, PACKAGE_MAX_BYTES, err) < 0)
			goto done;
		j = json_loadb(text, n, 0, NULL);
		bad = manifest_sha_differs(j, p);
		json_decref(j);
		if (bad) {
			err_set(err, MLCI_EXIT_DATAERR, path,
				"manifest_sha256 does not match the archive's manifest.json");
			goto done;
		}
	} else if (access(pj, F_OK) == 0 && !same_file(pj, path)) {
		json_t *j;
		const char *file;

		/* the tarball was given: a package.json beside it that names
		 * it must describe these bytes */
		if (read_file(pj, &text, &n, PACKAGE_MAX_BYTES, err) < 0)
			goto done;
		j = json_loadb(text, n, 0, NULL);
		file = json_string_value(json_object_get(json_object_get(j, "archive"), "file"));
		if (j && file && !strcmp(file, base)) {
			unsigned char *bytes = NULL;
			size_t len = 0;
			int bad = via_package_json(pj, text, n, &bytes, &len, err) < 0;

			if (!bad && (len != p->archive_size ||
				     memcmp(bytes, p->archive, len)))
				bad = err_set(err, MLCI_EXIT_DATAERR, pj,
					      "does not describe %s", path) < 0;
			free(bytes);
			if (!bad && manifest_sha_differs(j, p))
				bad = err_set(err, MLCI_EXIT_DATAERR, pj,
					      "manifest_sha256 does not match %s's manifest.json",
					      path) < 0;
			json_decref(j);
			if (bad)
				goto done;
			p->package_json_checked = 1;
		} else {
			json_decref(j);
		}
	}
	if (p->package_json_checked &&
	    (beside_same(dir, PROV_FILE, p->provenance, p->provenance_size, path, err) < 0 ||
	     beside_same(dir, ENVELOPE_FILE, p->envelope, p->envelope_size, path, err) < 0))
		goto done;
	rc = 0;
done:
	free(text);
	free(pj);
	free(dir);
	sign_key_free(key);
	return rc;
}
