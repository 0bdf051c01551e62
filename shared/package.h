/*
 * package.h - mlci-package's run (lineage check, manifest, provenance,
 * signature, tarball) and the reader that mlci-deploy and mlci-package
 * --verify use to check a package before trusting it.
 *
 * A package is NAME-VERSION.tar.gz (or .tar.zst with --compression zstd;
 * readers tell them apart by magic bytes) holding, under the top
 * directory NAME-VERSION/:
 *   model.json, metrics.json, gate.json, data-report.json, schema.json
 *                     the artifacts given, byte for byte
 *   MODEL_CARD.md     generated (modelcard.h), role "model-card"
 *   manifest.json     kind mlci.manifest: name, version, files [{path,
 *                     role, sha256, size}] for every file above, and the
 *                     lineage {data_sha256, model_sha256, metrics_sha256,
 *                     gate_sha256, data_report_sha256, schema_sha256,
 *                     gate_verdict, allow_failed_gate}
 *   provenance.json   the in-toto statement (provenance.h) whose subjects
 *                     are every file above, manifest.json included
 *   provenance.intoto.jsonl
 *                     with --sign-key only: the DSSE envelope (sign.h) of
 *                     provenance.json's exact bytes, Ed25519-signed
 * The statement and its envelope are not listed in the manifest (the
 * statement covers the manifest, so the manifest cannot cover it).
 *
 * What a signature covers: every byte of every other entry and their
 * names, through the chain signature -> statement -> subjects' sha256 ->
 * files (the manifest among them, and through it the lineage). It does
 * not cover the archive's framing (tar header fields other than names and
 * sizes, the gzip header's time and OS bytes), which carry no content.
 *
 * Beside the tarball: package.json (kind mlci.package) records the
 * archive's file name, sha256, size and compression, a copy of the
 * manifest and its sha256, provenance {file, sha256} and signature
 * {file, keyid, algorithm} or null; provenance.json (and, when signed,
 * provenance.intoto.jsonl) are copies of the ones inside. With
 * SOURCE_DATE_EPOCH set every output is byte-reproducible (Ed25519
 * signatures are deterministic).
 */
#ifndef MLCI_PACKAGE_H
#define MLCI_PACKAGE_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "hash.h"

#define PACKAGE_NAME_MAX 128

struct package_opts {
	const char *model;		/* required */
	const char *metrics;		/* optional; each needs the one above */
	const char *gate;
	const char *data_report;
	const char *schema;
	const char *name;		/* [A-Za-z0-9._-]+ */
	const char *version;
	const char *out_dir;		/* created (with parents) if missing */
	int allow_failed_gate;
	const char *compression;	/* "gzip" (NULL) or "zstd" */
	const char *sign_key;		/* Ed25519 private key PEM, or NULL */
	const char *card_config;	/* modelcard.h's card config, or NULL */
	const char *producer;		/* "mlci-package" */
};

struct package_result {
	char *archive_path;		/* DIR/NAME-VER.tar.gz (owned) */
	char *package_path;		/* DIR/package.json (owned) */
	char *provenance_path;		/* DIR/provenance.json (owned) */
	char *envelope_path;		/* DIR/provenance.intoto.jsonl, NULL unsigned */
	char keyid[SHA256_HEX_LEN + 1];	/* the signing key's id, "" unsigned */
	char sha256[SHA256_HEX_LEN + 1];	/* of the tarball */
	size_t size;			/* of the tarball */
	size_t nfiles;			/* files in the tarball, manifest included */
	const char *gate_verdict;	/* "pass", "fail", ... or NULL (no gate) */
	int gate_overridden;		/* a failed gate packaged by request */
	json_t *package;		/* the package.json artifact (owned) */
};

/* 0 when s is a valid package name ([A-Za-z0-9._-]+, not starting with
 * '.' or '-', at most PACKAGE_NAME_MAX); otherwise -1 with a 64 error. what
 * names the option in the message ("--name"). */
int package_check_name(const char *s, const char *what, struct mlci_err *err);

/* As package_check_name for a version: the same characters plus '+', no
 * "..", not starting with '.' or '-', and not a name the registry reserves
 * ("channels", "history.jsonl"). */
int package_check_version(const char *s, const char *what,
			  struct mlci_err *err);

/*
 * Load and check the inputs (kinds, lineage, gate verdict), then write
 * DIR/NAME-VER.tar.gz and DIR/package.json atomically, both or neither.
 * Exit codes in err: 64 bad name/version or option combination, 66 a
 * missing input, 65 wrong kind, a model.json that model_load would
 * refuse (naming it), or broken lineage (naming both files),
 * 1 failed gate without allow_failed_gate, 73 output (or out_dir, which
 * is created only once every check has passed) cannot be created.
 * Free r with package_result_release (also after failure).
 */
int package_run(const struct package_opts *o, struct package_result *r,
		struct mlci_err *err);

void package_result_release(struct package_result *r);

/* A package read back and verified (see package_open). */
struct package_info {
	char *path;		/* the file opened (owned) */
	char *name;		/* from the manifest (owned) */
	char *version;
	unsigned char *archive;	/* the tarball's bytes exactly as read (owned) */
	size_t archive_size;
	char sha256[SHA256_HEX_LEN + 1];	/* of archive */
	char *manifest;		/* manifest.json's bytes (owned, NUL-terminated) */
	size_t manifest_size;
	json_t *manifest_json;	/* owned reference */
	const char *gate_verdict;	/* in manifest_json, or NULL */
	const char *compression;	/* "gzip" or "zstd" */
	size_t nfiles;			/* files in the archive */
	char *provenance;	/* NAME-VER/provenance.json's bytes, or NULL (owned) */
	size_t provenance_size;
	char *envelope;		/* NAME-VER/provenance.intoto.jsonl's, or NULL (owned) */
	size_t envelope_size;
	int is_signed;		/* the package carries a signature */
	int verified;		/* ... and it verified with the key given */
	char keyid[SHA256_HEX_LEN + 1];	/* the signature's key id, "" unsigned */
	int package_json_checked;	/* package_verify: a package.json beside it matched */
};

/*
 * Read a package: path is the .tar.gz/.tar.zst, or a package.json whose
 * archive (in the same directory) must match its recorded sha256 and
 * size. The tarball is read with archive_read's safety checks; it must
 * hold exactly one top directory NAME-VER/ with manifest.json, every file
 * the manifest lists with the recorded size and sha256, nothing unlisted
 * but provenance.json and its envelope, a model.json that passes
 * model_load's checks (model_from_json), a lineage consistent with the
 * files, a provenance.json (when present) whose subjects are exactly the
 * other files with their sha256, and an envelope (when present) whose
 * payload is provenance.json's bytes. The signature itself is checked
 * only with a key (package_open_key). Any mismatch: 65 naming path and
 * the entry.
 * Free with package_info_release (also after failure).
 */
int package_open(const char *path, struct package_info *p,
		 struct mlci_err *err);

struct sign_key;

/* As package_open, and with key (not NULL) the package must be signed by
 * it: no signature, another key's, or one that does not verify is 65.
 * key_label names the key file in messages. */
int package_open_key(const char *path, const struct sign_key *key,
		     const char *key_label, struct package_info *p,
		     struct mlci_err *err);

/*
 * mlci-package --verify: package_open_key with the public key at
 * verify_key (NULL: no signature required; a bad key file is 64, a
 * missing one 66), then the files beside a tarball: a package.json that
 * names it must match its bytes and manifest, and provenance.json /
 * provenance.intoto.jsonl beside it must equal the ones inside.
 */
int package_verify(const char *path, const char *verify_key,
		   struct package_info *p, struct mlci_err *err);

void package_info_release(struct package_info *p);

#endif
