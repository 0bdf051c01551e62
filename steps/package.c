/*
 * mlci-package: bundle a model and its evidence into a reproducible
 * NAME-VERSION.tar.gz with a manifest, after checking the lineage.
 *
 * With --verify FILE: re-check a package (checksums, lineage, provenance,
 * with --verify-key the signature) and write nothing.
 *
 * Exit codes: 0 packaged (or verified); 1 the gate failed (and
 * --allow-failed-gate was not given); 64 usage (bad --name/--version, a
 * key file that is not an Ed25519 PEM key); 65 wrong artifact kind or
 * version, broken lineage, a package that fails --verify; 66 an input
 * (or key) is missing; 73 the output directory cannot be created or
 * written; 74 I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "cli.h"
#include "io.h"
#include "package.h"

static const char more[] =
	"The tarball holds NAME-VERSION/{model,metrics,gate,data-report,schema}.json\n"
	"(those given), MODEL_CARD.md, manifest.json with every file's sha256 and the\n"
	"lineage data -> model -> metrics -> gate, provenance.json (an in-toto\n"
	"Statement v1 with a SLSA Provenance v1 predicate over those files) and, with\n"
	"--sign-key, provenance.intoto.jsonl (a DSSE envelope of the statement,\n"
	"Ed25519-signed). provenance.json (and the envelope) are also written beside\n"
	"the tarball. Lineage checks: metrics must record the given model's sha256,\n"
	"the gate the given metrics', the data report the model's training data.\n"
	"With SOURCE_DATE_EPOCH set, the same inputs (and key) give byte-identical\n"
	"outputs.\n"
	"\n"
	"--verify FILE re-checks a package as mlci-deploy reads it: entries (no\n"
	"absolute paths, '..', links, devices or FIFOs), every checksum, the lineage,\n"
	"the statement's subjects, a package.json and provenance files beside it;\n"
	"exit 0 when sound, 65 naming the entry when not. With --verify-key the\n"
	"package must carry a valid signature by that key.\n"
	"\n"
	"Card config (--card-config): JSON {\"intended_use\": ..., \"limitations\": ...,\n"
	"\"owners\": [...], \"license\": ...} or 'key: value' lines (indented lines\n"
	"continue a value; owners comma-separated).\n"
	"Keys: openssl genpkey -algorithm ed25519 -out key.pem;\n"
	"      openssl pkey -in key.pem -pubout -out pub.pem\n";

/* The files written into --out-dir must not replace an input. */
static int check_paths(const struct package_opts *o, struct mlci_err *err)
{
	char archive[4096], manifest[4096], prov[4096], env[4096];
	const struct path_role ins[] = {
		{ "--model", o->model }, { "--metrics", o->metrics },
		{ "--gate", o->gate }, { "--data-report", o->data_report },
		{ "--schema", o->schema }, { "--sign-key", o->sign_key },
		{ "--card-config", o->card_config },
	};
	struct path_role outs[4] = {
		{ "--out-dir's archive", archive }, { "--out-dir's package.json", manifest },
		{ "--out-dir's provenance.json", prov },
		{ "--out-dir's provenance.intoto.jsonl", env },
	};

	snprintf(archive, sizeof(archive), "%s/%s-%s%s", o->out_dir, o->name,
		 o->version, o->compression && !strcmp(o->compression, "zstd") ?
		 ".tar.zst" : ".tar.gz");
	snprintf(manifest, sizeof(manifest), "%s/package.json", o->out_dir);
	snprintf(prov, sizeof(prov), "%s/provenance.json", o->out_dir);
	snprintf(env, sizeof(env), "%s/provenance.intoto.jsonl", o->out_dir);
	return check_output_paths(outs, 4, ins, 7, err);
}

/* --verify FILE [--verify-key PUB]: 0 sound, 65 not. */
static int verify(const char *prog, const char *path, const char *key,
		  int as_json)
{
	struct mlci_err err = {0};
	struct package_info p;
	int rc;

	if (package_verify(path, key, &p, &err) < 0) {
		rc = cli_report(prog, &err);
	} else {
		if (as_json) {
			char *s = artifact_dumps(p.manifest_json);

			if (s)
				fputs(s, stdout);
			free(s);
		} else {
			printf("verified %s %s: %s (%zu files, %s, sha256 %s; %s%.16s%s)\n",
			       p.name, p.version, path, p.nfiles, p.compression, p.sha256,
			       p.verified ? "signature verified, key " :
			       p.is_signed ? "signed by key " : "unsigned",
			       p.keyid, p.is_signed ? "..." : "");
		}
		rc = MLCI_EXIT_OK;
	}
	package_info_release(&p);
	return cli_finish_stdout(prog, rc);
}

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct package_opts o = {0};
	struct package_result r = {0};
	int as_json = 0, rc;
	const char *verify_path = NULL, *verify_key = NULL;
	const struct cli_opt opts[] = {
		{ "model", CLI_STR, &o.model, "FILE", "model.json (mlci.model)" },
		{ "metrics", CLI_STR, &o.metrics, "FILE", "metrics.json evaluated on that model" },
		{ "gate", CLI_STR, &o.gate, "FILE", "gate.json judged on those metrics" },
		{ "data-report", CLI_STR, &o.data_report, "FILE", "data-report.json of the training data" },
		{ "schema", CLI_STR, &o.schema, "FILE", "schema.json to ship with the model" },
		{ "name", CLI_STR, &o.name, "NAME", "package name, [A-Za-z0-9._-]+" },
		{ "version", CLI_STR, &o.version, "VER", "package version (no '..' or '/')" },
		{ "out-dir", CLI_STR, &o.out_dir, "DIR", "directory for NAME-VER.tar.gz and package.json (created if missing)" },
		{ "allow-failed-gate", CLI_FLAG, &o.allow_failed_gate, NULL,
		  "package even if the gate failed (recorded in the manifest)" },
		{ "compression", CLI_STR, &o.compression, "gzip|zstd",
		  "NAME-VER.tar.gz (default) or NAME-VER.tar.zst" },
		{ "card-config", CLI_STR, &o.card_config, "FILE",
		  "intended_use, limitations, owners, license for MODEL_CARD.md" },
		{ "sign-key", CLI_STR, &o.sign_key, "KEY.pem",
		  "Ed25519 private key (PKCS#8 PEM): sign the provenance statement" },
		{ "verify", CLI_STR, &verify_path, "FILE",
		  "re-check a package (.tar.gz/.tar.zst or package.json) instead of packaging" },
		{ "verify-key", CLI_STR, &verify_key, "PUB.pem",
		  "with --verify: require a signature by this Ed25519 public key" },
		{ "json", CLI_FLAG, &as_json, NULL, "print package.json on stdout (with --verify: the manifest)" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-package",
		"--model FILE [--metrics FILE] [--gate FILE] [--data-report FILE] "
		"[--schema FILE] --name NAME --version VER --out-dir DIR [options]\n"
		"       mlci-package --verify FILE [--verify-key PUB.pem]",
		"Check the lineage of a model's artifacts and bundle them, with a\n"
		"manifest, into a reproducible DIR/NAME-VER.tar.gz; write DIR/package.json.",
		opts, more, 0
	};

	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
	}
	/* The packaging options are ignored with --verify, and --verify-key
	 * without it: CI jobs share MLCI_* variables (MLCI_SIGN_KEY,
	 * MLCI_VERIFY_KEY) between the package and deploy steps. */
	if (rc == 0 && verify_path) {
		rc = verify(spec.prog, verify_path, verify_key, as_json);
		cli_release(&spec, NULL);
		return rc;
	}
	if (rc < 0 || cli_require("model", o.model, &err) < 0 ||
	    cli_require("name", o.name, &err) < 0 ||
	    cli_require("version", o.version, &err) < 0 ||
	    cli_require("out-dir", o.out_dir, &err) < 0) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	o.producer = spec.prog;
	if (check_paths(&o, &err) < 0 || package_run(&o, &r, &err) < 0) {
		rc = cli_report(spec.prog, &err);
	} else {
		if (as_json) {
			char *s = artifact_dumps(r.package);

			if (s)
				fputs(s, stdout);
			free(s);
		} else {
			printf("packaged %s %s: %s (%zu files, %zu bytes, sha256 %s)%s%s%.16s%s\n",
			       o.name, o.version, r.archive_path, r.nfiles, r.size,
			       r.sha256, r.gate_overridden ? " [failed gate allowed]" : "",
			       r.keyid[0] ? " signed by key " : "", r.keyid,
			       r.keyid[0] ? "..." : "");
		}
		if (r.gate_overridden)
			cli_warn(spec.prog, "packaged despite gate verdict '%s' (--allow-failed-gate)",
				 r.gate_verdict);
		rc = MLCI_EXIT_OK;
	}
	package_result_release(&r);
	cli_release(&spec, NULL);
	return cli_finish_stdout(spec.prog, rc);
}
