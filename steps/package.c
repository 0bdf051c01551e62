/*
 * mlci-package: bundle a model and its evidence into a reproducible
 * NAME-VERSION.tar.gz with a manifest, after checking the lineage.
 *
 * Exit codes: 0 packaged; 1 the gate failed (and --allow-failed-gate was
 * not given); 64 usage (bad --name/--version); 65 wrong artifact kind or
 * version, broken lineage; 66 an input is missing; 73 the output
 * directory cannot be created or written; 74 I/O error.
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
	"(those given) and manifest.json with every file's sha256 and the lineage\n"
	"data -> model -> metrics -> gate. Lineage checks: metrics must record the\n"
	"given model's sha256, the gate the given metrics', the data report the\n"
	"model's training data. With SOURCE_DATE_EPOCH set, the same inputs give a\n"
	"byte-identical tarball.\n";

/* The two files written into --out-dir must not replace an input. */
static int check_paths(const struct package_opts *o, struct mlci_err *err)
{
	char archive[4096], manifest[4096];
	const struct path_role ins[] = {
		{ "--model", o->model }, { "--metrics", o->metrics },
		{ "--gate", o->gate }, { "--data-report", o->data_report },
		{ "--schema", o->schema },
	};
	struct path_role outs[2] = {
		{ "--out-dir's archive", archive }, { "--out-dir's package.json", manifest },
	};

	snprintf(archive, sizeof(archive), "%s/%s-%s.tar.gz", o->out_dir, o->name,
		 o->version);
	snprintf(manifest, sizeof(manifest), "%s/package.json", o->out_dir);
	return check_output_paths(outs, 2, ins, 5, err);
}

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct package_opts o = {0};
	struct package_result r = {0};
	int as_json = 0, rc;
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
		{ "json", CLI_FLAG, &as_json, NULL, "print package.json on stdout" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-package",
		"--model FILE [--metrics FILE] [--gate FILE] [--data-report FILE] "
		"[--schema FILE] --name NAME --version VER --out-dir DIR [options]",
		"Check the lineage of a model's artifacts and bundle them, with a\n"
		"manifest, into a reproducible DIR/NAME-VER.tar.gz; write DIR/package.json.",
		opts, more, 0
	};

	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
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
			printf("packaged %s %s: %s (%zu files, %zu bytes, sha256 %s)%s\n",
			       o.name, o.version, r.archive_path, r.nfiles, r.size,
			       r.sha256, r.gate_overridden ? " [failed gate allowed]" : "");
		}
		if (r.gate_overridden)
			cli_warn(spec.prog, "packaged despite gate verdict '%s' (--allow-failed-gate)",
				 r.gate_verdict);
		rc = MLCI_EXIT_OK;
	}
	package_result_release(&r);
	cli_release(&spec, NULL);
	return rc;
}
