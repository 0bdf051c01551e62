/*
 * provenance.h - the package's provenance statement: an in-toto
 * Statement v1 whose predicate is SLSA Provenance v1.
 *
 *   _type          https://in-toto.io/Statement/v1
 *   subject        [{name: "NAME-VER/<file>", digest: {sha256}}] for every
 *                  file of the package but the statement and its
 *                  signature, sorted by name (manifest.json included, so
 *                  the lineage is covered)
 *   predicateType  https://slsa.dev/provenance/v1
 *   predicate.buildDefinition
 *     buildType            urn:mlci:build-type:package:v1
 *     externalParameters   package {name, version, compression,
 *                          allow_failed_gate}; training {task, label,
 *                          model (type), params, features, classes} from
 *                          model.json
 *     internalParameters   producer {name, version}; claims: metrics
 *                          {task, n_rows, values, intervals, bootstrap}
 *                          from metrics.json, gate {verdict, decision,
 *                          rules [{rule, metric, status, value,
 *                          threshold}]} from gate.json, each null when
 *                          not packaged
 *     resolvedDependencies {name, digest, annotations}: "data" (the
 *                          training data, sha256 and the path model.json
 *                          records), "evaluation-data" (metrics.json's),
 *                          "schema", and "source" (digest gitCommit,
 *                          uri git+CI_PROJECT_URL when set, annotations
 *                          branch, ref, dirty) from model.json's git
 *   predicate.runDetails
 *     builder.id           urn:mlci:builder:mlci-package, version {mlci}
 *     metadata             invocationId: CI_JOB_ID, else CI_PIPELINE_ID
 *                          (absent when neither is set); startedOn: the
 *                          envelope time (SOURCE_DATE_EPOCH when set)
 *
 * Serialised like every artifact (sorted keys, two-space indent), so the
 * same inputs and environment give the same bytes.
 */
#ifndef MLCI_PROVENANCE_H
#define MLCI_PROVENANCE_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

#define INTOTO_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define SLSA_PROVENANCE_TYPE "https://slsa.dev/provenance/v1"
#define MLCI_BUILD_TYPE "urn:mlci:build-type:package:v1"
#define MLCI_BUILDER_ID "urn:mlci:builder:mlci-package"

struct prov_subject {
	const char *name;	/* NAME-VER/<file> */
	const char *sha256;
};

struct provenance_opts {
	const char *name, *version;
	const char *compression;	/* "gzip" or "zstd" */
	int allow_failed_gate;
	const json_t *model;		/* required */
	const json_t *metrics, *gate;	/* NULL when not packaged */
	const char *schema_sha256;	/* NULL when no schema */
	const char *producer;
	const struct prov_subject *subjects;
	size_t nsubjects;
};

/* The statement for o, a new reference in *out; 70 on memory, 64 on a
 * bad SOURCE_DATE_EPOCH. */
int provenance_build(const struct provenance_opts *o, json_t **out,
		     struct mlci_err *err);

/*
 * Check the statement's n bytes at text (label names it in errors):
 * JSON, the in-toto and SLSA types, and a subject list naming exactly
 * the given subjects with their sha256 (nothing more, nothing less);
 * data_sha256 (may be NULL) must be the "data" dependency's digest.
 * Anything else: 65 naming label.
 */
int provenance_check(const char *text, size_t n,
		     const struct prov_subject *subjects, size_t nsubjects,
		     const char *data_sha256, const char *label,
		     struct mlci_err *err);

#endif
