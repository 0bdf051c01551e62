/*
 * fuzz_artifact - the artifact envelope: json_load_path and artifact_load
 * on arbitrary bytes, for the kind the document claims (or a fixed one),
 * then the writer (artifact_dumps) and the input lookup on what loaded.
 * The kind-specific loaders have their own targets (fuzz_schema,
 * fuzz_model, fuzz_gate, fuzz_package).
 */
#include <assert.h>
#include <string.h>

#include "artifact.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *kinds[] = {
		KIND_DATA_REPORT, KIND_SCHEMA, KIND_MODEL, KIND_METRICS,
		KIND_GATE, KIND_PACKAGE, KIND_MANIFEST, KIND_DEPLOY,
		KIND_CHANNEL,
	};
	struct fuzz_file ff;
	struct mlci_err err = { 0 };
	char sha[SHA256_HEX_LEN + 1];
	json_t *j = NULL, *a = NULL;
	const char *kind = KIND_MODEL;
	size_t i;

	fuzz_file_open(&ff, data, size);
	if (json_load_path(ff.path, &j, &err) == 0) {
		const char *k = json_string_value(json_object_get(j, "kind"));
		char *s;

		for (i = 0; k && i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(k, kinds[i]))
				kind = kinds[i];
		/* the writer must take whatever the reader gave */
		s = artifact_dumps(j);
		free(s);
	} else {
		assert(j == NULL);
		fuzz_check_err(&err);
	}
	memset(&err, 0, sizeof(err));
	if (artifact_load(ff.path, kind, 1, &a, sha, &err) == 0) {
		const char *role[] = { "data", "model", "metrics", "schema" };

		assert(json_is_object(a));
		assert(strlen(sha) == SHA256_HEX_LEN);
		for (i = 0; i < 4; i++)
			(void)artifact_input_sha(a, role[i]);
		if (json_is_object(a)) {
			const char *s;
			double d;
			long l;
			json_t *o;
			struct mlci_err e2 = { 0 };

			(void)json_get_str(a, "kind", &s, ff.path, &e2);
			(void)json_get_num(a, "schema_version", &d, ff.path, &e2);
			(void)json_get_int(a, "schema_version", &l, ff.path, &e2);
			(void)json_get_array(a, "inputs", &o, ff.path, &e2);
			(void)json_get_object(a, "producer", &o, ff.path, &e2);
		}
	} else {
		assert(a == NULL);
		fuzz_check_err(&err);
	}
	json_decref(j);
	json_decref(a);
	fuzz_file_close(&ff);
	return 0;
}
