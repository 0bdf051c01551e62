/*
 * artifact.h - the common envelope of every JSON artifact, and reading
 * and writing artifacts.
 *
 * Envelope: kind, schema_version, producer {name, version}, created
 * (UTC; SOURCE_DATE_EPOCH when set), inputs [{role, path, sha256}], and
 * git {commit, branch, ref, dirty} when run inside a repository. Written
 * with sorted keys and two-space indent, atomically.
 */
#ifndef MLCI_ARTIFACT_H
#define MLCI_ARTIFACT_H

#include <jansson.h>

#include "error.h"
#include "hash.h"

/* Kinds and the schema version this build writes and reads. */
#define KIND_DATA_REPORT "mlci.data-report"
#define KIND_SCHEMA "mlci.schema"
#define KIND_MODEL "mlci.model"
#define KIND_METRICS "mlci.metrics"
#define KIND_GATE "mlci.gate"
#define KIND_PACKAGE "mlci.package"
#define KIND_MANIFEST "mlci.manifest"
#define KIND_DEPLOY "mlci.deploy"
#define KIND_CHANNEL "mlci.channel"
#define KIND_TRIALS "mlci.trials"

#define SCHEMA_DATA_REPORT 1
#define SCHEMA_SCHEMA 1
#define SCHEMA_MODEL 1
#define SCHEMA_METRICS 1
#define SCHEMA_GATE 1
#define SCHEMA_PACKAGE 1
#define SCHEMA_MANIFEST 1
#define SCHEMA_DEPLOY 1
#define SCHEMA_CHANNEL 1
#define SCHEMA_TRIALS 1

/*
 * A new artifact object with the envelope filled in (git looked up from
 * the current directory). producer is the step name, e.g. "mlci-train".
 * Returns a new reference, or NULL with err set (bad SOURCE_DATE_EPOCH:
 * 64; out of memory: 70).
 */
json_t *artifact_new(const char *kind, int schema_version,
		     const char *producer, struct mlci_err *err);

/* The envelope's "created" time: SOURCE_DATE_EPOCH or now, formatted
 * YYYY-MM-DDTHH:MM:SSZ into out; *epoch gets the seconds. 64 on a bad
 * SOURCE_DATE_EPOCH. */
int artifact_time(char out[32], long long *epoch, struct mlci_err *err);

/* Append {role, path, sha256} to art's inputs. */
int artifact_add_input(json_t *art, const char *role, const char *path,
		       const char *sha256);

/* As artifact_add_input, hashing the file first (66 if unreadable). */
int artifact_add_input_file(json_t *art, const char *role, const char *path,
			    struct mlci_err *err);

/* The sha256 recorded for the first input with this role, or NULL. */
const char *artifact_input_sha(const json_t *art, const char *role);

/* Serialise: sorted keys, indent 2, trailing newline. Caller frees. */
char *artifact_dumps(const json_t *art);

/* Serialise and write atomically to path, a megabyte at a time. */
int artifact_write(const char *path, const json_t *art, struct mlci_err *err);

/*
 * A JSON array of n elements made only when the document is serialised
 * (artifact_dumps, artifact_write), one at a time: gen(ctx, i) returns a
 * new reference to element i (NULL: out of memory), which is dumped and
 * let go before the next is made. For arrays too large to hold as JSON
 * values at once (a forest's trees). ctx must outlive the serialising;
 * nothing else reads such an array (serialise it, then load the text).
 */
json_t *artifact_lazy_array(size_t n, json_t *(*gen)(void *ctx, size_t i),
			    void *ctx);

/* The largest artifact read (bytes). */
#define ARTIFACT_MAX_BYTES ((size_t)512 << 20)

/* artifact_load's checks of a parsed document: an object of this kind
 * and a schema_version from 1 to max_version (65 otherwise, naming path). */
int artifact_check(const json_t *j, const char *path, const char *kind,
		   int max_version, struct mlci_err *err);

/*
 * The elements of the array at text's top-level object's key k1, then
 * that object's key k2 (as "model", "trees"), found by matching brackets
 * and strings only: arr gets the array's own span, *elems (malloc'd) each
 * element's. For parsing a large array an element at a time; whatever
 * the spans hold is still to be parsed (json_loadb) and checked. -1 when
 * there is no such array or it does not scan (parse the text whole to
 * find out why); -1 too when out of memory.
 */
struct json_span {
	size_t off, len;
};
int json_array_spans(const char *text, size_t n, const char *k1,
		     const char *k2, struct json_span *arr,
		     struct json_span **elems, size_t *nelems);

/* text with span sp (an array) made an empty one, its lines and the
 * columns after it where they were (so a parse error names the same
 * place); malloc'd, NUL-terminated, *outlen bytes; NULL when out of
 * memory. */
char *json_blank_span(const char *text, size_t n, const struct json_span *sp,
		      size_t *outlen);

/*
 * Read an artifact, check kind and schema_version (a version newer than
 * max_version is refused), and return a new reference in *out; sha (may
 * be NULL) gets the file's sha256. Errors: 66 missing, 65 not JSON (with
 * line and column), wrong kind, or unknown version.
 */
int artifact_load(const char *path, const char *kind, int max_version,
		  json_t **out, char sha[SHA256_HEX_LEN + 1],
		  struct mlci_err *err);

/* Parse JSON text from a file, with line:column errors (65/66). */
int json_load_path(const char *path, json_t **out, struct mlci_err *err);

/*
 * Typed field readers for artifact loaders: each fills *out and returns
 * 0, or returns -1 with a 65 error naming file and the key.
 */
int json_get_str(const json_t *obj, const char *key, const char **out,
		 const char *file, struct mlci_err *err);
int json_get_num(const json_t *obj, const char *key, double *out,
		 const char *file, struct mlci_err *err);
int json_get_int(const json_t *obj, const char *key, long *out,
		 const char *file, struct mlci_err *err);
int json_get_array(const json_t *obj, const char *key, json_t **out,
		   const char *file, struct mlci_err *err);
int json_get_object(const json_t *obj, const char *key, json_t **out,
		    const char *file, struct mlci_err *err);

#endif
