/*
 * fuzz_package - package_open's verification of a package: manifest.json
 * and the artifacts it lists, inside a tarball the harness builds.
 *
 *   MANIFEST "\n--\n" MODEL "\n--\n" METRICS "\n--\n" GATE
 *            "\n--\n" DATA-REPORT "\n--\n" SCHEMA        (later parts optional)
 *
 * A fuzzer cannot forge sha256 sums, so the harness fills them in where
 * they would otherwise stop every input at the first check: the
 * manifest's files[].sha256/size and lineage.*_sha256 for the parts
 * given, metrics.json's "model" input and gate.json's "metrics" input.
 * Everything else (kinds, names, versions, lineage of the data, the
 * model's own validation, the gate verdict) is the fuzzer's.
 */
#include <assert.h>
#include <string.h>

#include "archive.h"
#include "artifact.h"
#include "fuzz.h"
#include "hash.h"
#include "package.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { P_MANIFEST, P_MODEL, P_METRICS, P_GATE, P_DATA_REPORT, P_SCHEMA, P_COUNT };

static const char *files[P_COUNT] = {
	"manifest.json", "model.json", "metrics.json", "gate.json",
	"data-report.json", "schema.json",
};
static const char *lineage_keys[P_COUNT] = {
	NULL, "model_sha256", "metrics_sha256", "gate_sha256",
	"data_report_sha256", "schema_sha256",
};

struct part {
	char *bytes;
	size_t n;
	char sha[SHA256_HEX_LEN + 1];
};

/* Replace p's bytes with the serialisation of j (a new reference, taken). */
static void set_json(struct part *p, json_t *j)
{
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2));

	json_decref(j);
	if (!s)
		return;
	free(p->bytes);
	p->bytes = s;
	p->n = strlen(s);
}

/* Point the first input of role `role` in p at sha. */
static void fix_input(struct part *p, const char *role, const char *sha)
{
	json_t *j = json_loadb(p->bytes, p->n, 0, NULL), *in;
	size_t i;

	if (!json_is_object(j)) {
		json_decref(j);
		return;
	}
	json_array_foreach(json_object_get(j, "inputs"), i, in) {
		const char *r = json_string_value(json_object_get(in, "role"));

		if (json_is_object(in) && r && !strcmp(r, role)) {
			json_object_set_new(in, "sha256", json_string(sha));
			break;
		}
	}
	set_json(p, j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *raw[P_COUNT];
	size_t len[P_COUNT], np, i, k;
	struct part p[P_COUNT];
	char top[300] = "pkg-1", path[400];
	json_t *man, *f;
	struct archive a;
	struct buf tgz;
	struct fuzz_file ff;
	struct package_info info;
	struct mlci_err err = { 0 };

	np = fuzz_split(data, size, raw, len, P_COUNT);
	memset(p, 0, sizeof(p));
	for (i = 0; i < np; i++) {
		p[i].bytes = fuzz_strndup(raw[i], len[i]);
		p[i].n = len[i];
	}
	if (np > P_MODEL) {
		sha256_buf(p[P_MODEL].bytes, p[P_MODEL].n, p[P_MODEL].sha);
		if (np > P_METRICS) {
			fix_input(&p[P_METRICS], "model", p[P_MODEL].sha);
			sha256_buf(p[P_METRICS].bytes, p[P_METRICS].n, p[P_METRICS].sha);
			if (np > P_GATE)
				fix_input(&p[P_GATE], "metrics", p[P_METRICS].sha);
		}
	}
	for (i = P_GATE; i < np; i++)
		sha256_buf(p[i].bytes, p[i].n, p[i].sha);

	man = json_loadb(p[P_MANIFEST].bytes, p[P_MANIFEST].n, 0, NULL);
	if (json_is_object(man)) {
		const char *nm = json_string_value(json_object_get(man, "name"));
		const char *ver = json_string_value(json_object_get(man, "version"));
		json_t *lin = json_object_get(man, "lineage");

		if (nm && ver && strlen(nm) + strlen(ver) < 200)
			snprintf(top, sizeof(top), "%s-%s", nm, ver);
		json_array_foreach(json_object_get(man, "files"), i, f) {
			const char *fp = json_string_value(json_object_get(f, "path"));

			for (k = P_MODEL; fp && k < np; k++)
				if (!strcmp(fp, files[k])) {
					json_object_set_new(f, "sha256", json_string(p[k].sha));
					json_object_set_new(f, "size", json_integer((json_int_t)p[k].n));
				}
		}
		if (json_is_object(lin))
			for (k = P_MODEL; k < np; k++)
				json_object_set_new(lin, lineage_keys[k], json_string(p[k].sha));
		set_json(&p[P_MANIFEST], man);
	} else {
		json_decref(man);
	}

	archive_init(&a, 0);
	for (i = 0; i < np; i++) {
		snprintf(path, sizeof(path), "%s/%s", top, files[i]);
		if (archive_add_file(&a, path, p[i].bytes, p[i].n, 0, &err) < 0)
			break;	/* a top directory name ustar cannot hold */
	}
	buf_init(&tgz);
	if (i == np && archive_write_tgz(&a, &tgz, &err) == 0) {
		fuzz_file_open(&ff, tgz.data, tgz.len);
		memset(&err, 0, sizeof(err));
		if (package_open(ff.path, &info, &err) == 0) {
			assert(info.name && info.version && info.manifest_json);
			assert(info.archive_size == tgz.len);
		} else {
			fuzz_check_err(&err);
		}
		package_info_release(&info);
		fuzz_file_close(&ff);
	}
	buf_release(&tgz);
	archive_release(&a);
	for (i = 0; i < P_COUNT; i++)
		free(p[i].bytes);
	return 0;
}
