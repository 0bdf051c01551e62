#include "artifact.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "gitinfo.h"
#include "io.h"
#include "util.h"

/* Artifacts are small; anything bigger than this is not one of ours. */
#define ARTIFACT_MAX_BYTES ((size_t)512 << 20)

int artifact_time(char out[32], long long *epoch, struct mlci_err *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t;
	struct tm tm;

	if (sde && *sde) {
		long v;

		if (parse_long(sde, &v) < 0 || v < 0)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "SOURCE_DATE_EPOCH must be a non-negative integer, found '%s'",
				       sde);
		t = (time_t)v;
	} else {
		t = time(NULL);
	}
	if (!gmtime_r(&t, &tm))
		return err_set(err, MLCI_EXIT_USAGE, NULL, "time out of range");
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (epoch)
		*epoch = (long long)t;
	return 0;
}

json_t *artifact_new(const char *kind, int schema_version,
		     const char *producer, struct mlci_err *err)
{
	char when[32];
	json_t *art, *prod, *git;

	if (artifact_time(when, NULL, err) < 0)
		return NULL;
	art = json_object();
	prod = json_object();
	if (!art || !prod) {
		json_decref(art);
		json_decref(prod);
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		return NULL;
	}
	json_object_set_new(prod, "name", json_string(producer));
	json_object_set_new(prod, "version", json_string(MLCI_VERSION));
	json_object_set_new(art, "kind", json_string(kind));
	json_object_set_new(art, "schema_version", json_integer(schema_version));
	json_object_set_new(art, "producer", prod);
	json_object_set_new(art, "created", json_string(when));
	json_object_set_new(art, "inputs", json_array());
	git = gitinfo_describe(".");
	if (git)
		json_object_set_new(art, "git", git);
	return art;
}

int artifact_add_input(json_t *art, const char *role, const char *path,
		       const char *sha256)
{
	json_t *inputs = json_object_get(art, "inputs");
	json_t *in = json_object();

	if (!json_is_array(inputs) || !in) {
		json_decref(in);
		return -1;
	}
	json_object_set_new(in, "role", json_string(role));
	json_object_set_new(in, "path", json_string(path));
	json_object_set_new(in, "sha256", json_string(sha256));
	return json_array_append_new(inputs, in);
}

int artifact_add_input_file(json_t *art, const char *role, const char *path,
			    struct mlci_err *err)
{
	char sha[SHA256_HEX_LEN + 1];

	if (sha256_file(path, sha, err) < 0)
		return -1;
	if (artifact_add_input(art, role, path, sha) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	return 0;
}

const char *artifact_input_sha(const json_t *art, const char *role)
{
	json_t *inputs = json_object_get(art, "inputs"), *in;
	size_t i;

	json_array_foreach(inputs, i, in) {
		const char *r = json_string_value(json_object_get(in, "role"));

		if (r && !strcmp(r, role))
			return json_string_value(json_object_get(in, "sha256"));
	}
	return NULL;
}

char *artifact_dumps(const json_t *art)
{
	char *s = json_dumps(art, JSON_SORT_KEYS | JSON_INDENT(2) |
				  JSON_REAL_PRECISION(17));
	size_t n;
	char *withnl;

	if (!s)
		return NULL;
	n = strlen(s);
	withnl = realloc(s, n + 2);
	if (!withnl) {
		free(s);
		return NULL;
	}
	withnl[n] = '\n';
	withnl[n + 1] = '\0';
	return withnl;
}

int artifact_write(const char *path, const json_t *art, struct mlci_err *err)
{
	char *s = artifact_dumps(art);
	int rc;

	if (!s)
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "cannot serialise");
	rc = write_file_atomic(path, s, strlen(s), err);
	free(s);
	return rc;
}

int json_load_path(const char *path, json_t **out, struct mlci_err *err)
{
	json_error_t je;
	char *text;
	size_t n;

	*out = NULL;
	if (read_file(path, &text, &n, ARTIFACT_MAX_BYTES, err) < 0)
		return -1;
	*out = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!*out)
		return err_set_at(err, MLCI_EXIT_DATAERR, path, je.line,
				  je.column, "invalid JSON: %s", je.text);
	return 0;
}

int artifact_load(const char *path, const char *kind, int max_version,
		  json_t **out, char sha[SHA256_HEX_LEN + 1],
		  struct mlci_err *err)
{
	json_t *j;
	const char *k;
	json_t *v;

	*out = NULL;
	if (json_load_path(path, &j, err) < 0)
		return -1;
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "not an mlci artifact (expected a JSON object)");
	}
	k = json_string_value(json_object_get(j, "kind"));
	if (!k || strcmp(k, kind)) {
		err_set(err, MLCI_EXIT_DATAERR, path,
			"expected an artifact of kind '%s', found %s%s%s", kind,
			k ? "'" : "", k ? k : "none", k ? "'" : "");
		json_decref(j);
		return -1;
	}
	v = json_object_get(j, "schema_version");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > max_version) {
		if (json_is_integer(v))
			err_set(err, MLCI_EXIT_DATAERR, path,
				"%s schema_version %lld is not supported (this mlci reads up to %d)",
				kind, (long long)json_integer_value(v), max_version);
		else
			err_set(err, MLCI_EXIT_DATAERR, path,
				"schema_version missing or not an integer");
		json_decref(j);
		return -1;
	}
	if (sha && sha256_file(path, sha, err) < 0) {
		json_decref(j);
		return -1;
	}
	*out = j;
	return 0;
}

static json_t *get_typed(const json_t *obj, const char *key, const char *what,
			 int ok, const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || !ok)
		err_set(err, MLCI_EXIT_DATAERR, file, "field '%s' %s", key,
			v ? what : "is missing");
	return v && ok ? v : NULL;
}

int json_get_str(const json_t *obj, const char *key, const char **out,
		 const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not a string", json_is_string(v), file, err))
		return -1;
	*out = json_string_value(v);
	return 0;
}

int json_get_num(const json_t *obj, const char *key, double *out,
		 const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not a number", json_is_number(v), file, err))
		return -1;
	*out = json_number_value(v);
	return 0;
}

int json_get_int(const json_t *obj, const char *key, long *out,
		 const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not an integer", json_is_integer(v), file, err))
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

int json_get_array(const json_t *obj, const char *key, json_t **out,
		   const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not an array", json_is_array(v), file, err))
		return -1;
	*out = v;
	return 0;
}

int json_get_object(const json_t *obj, const char *key, json_t **out,
		    const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not an object", json_is_object(v), file, err))
		return -1;
	*out = v;
	return 0;
}
