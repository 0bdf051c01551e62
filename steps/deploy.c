/*
 * mlci-deploy: verify a package and publish it to a registry, optionally
 * moving a channel (e.g. "staging", "production") to it.
 *
 * Exit codes: 0 deployed (or already there with the same bytes); 1 the
 * version already exists with different bytes (refused: versions are
 * immutable); 64 usage, unknown or unsupported registry scheme, a
 * --verify-key that is not an Ed25519 public key; 65 the package is
 * malformed, fails its checksums or (with --verify-key) its signature;
 * 66 the package or key is missing, or a network registry refused the
 * credentials (HTTP 401/403);
 * 73 an output cannot be created; 74 I/O error; 75 the registry lock is
 * held by another deploy past --lock-timeout, or a network registry did
 * not answer (or answered 5xx) after the retries.
 */
#include <stdio.h>
#include <stdlib.h>

#include "artifact.h"
#include "cli.h"
#include "io.h"
#include "registry.h"

static const char more[] =
	"Registry layout (dir://REG):\n"
	"  REG/NAME/VER/{NAME-VER.tar.gz,manifest.json}  immutable (+ provenance.json\n"
	"                                                 and its signature, if any)\n"
	"  REG/NAME/channels/CHANNEL.json                 current version + previous\n"
	"  REG/NAME/history.jsonl                         one line per publish/move\n"
	"Every file of the package is checked against its manifest (and the\n"
	"provenance statement's subjects) before anything is written. With\n"
	"--verify-key, the package's DSSE signature (NAME-VER/provenance.intoto.jsonl)\n"
	"must verify with that key: an unsigned package, another key's signature or\n"
	"any altered byte of the signed files is refused (65).\n"
	"\n"
	"An http(s)://HOST/PATH registry is a WebDAV server (PUT, GET, HEAD, DELETE,\n"
	"MKCOL, MOVE; e.g. nginx with dav_methods and create_full_put_path on) with\n"
	"the same files, except that the history is one record per event,\n"
	"NAME/history/NNNNNNNN/event.json, each claimed with MKCOL so concurrent\n"
	"deploys never overwrite one another's. A version is uploaded to\n"
	"NAME/.staging/, every file read back and compared by sha256, then moved into\n"
	"place with MOVE (Overwrite: F); the channel file is written last.\n"
	"Connection errors, timeouts, 408, 429 and 5xx are retried --retries times,\n"
	"waiting --retry-wait seconds, doubling each time (at most 30 s), with random\n"
	"jitter (half to all of each wait); then 75. 401/403 give 66. Credentials in\n"
	"the URL (https://user:token@host/...) are sent as HTTP Basic auth and never\n"
	"printed.\n"
	"\n"
	"s3://BUCKET/PREFIX: the same layout as objects under PREFIX/, over the S3\n"
	"API signed with AWS Signature Version 4. Credentials AWS_ACCESS_KEY_ID,\n"
	"AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN for temporary ones); region\n"
	"AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1; endpoint --s3-endpoint,\n"
	"else AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style: ENDPOINT/BUCKET/KEY),\n"
	"else https://BUCKET.s3.REGION.amazonaws.com. A new version is written with\n"
	"If-None-Match: * and read back; channels and history.jsonl with If-Match.\n"
	"\n"
	"gitlab://PROJECT (an id or group/name; gitlab:// alone: $CI_PROJECT_ID): the\n"
	"project's generic package registry, API from CI_API_V4_URL or CI_SERVER_URL,\n"
	"token CI_JOB_TOKEN, else MLCI_GITLAB_TOKEN. NAME/VER/FILE is package NAME,\n"
	"version VER, file FILE; channels and history.jsonl are files of the version\n"
	"\"channels\", uploaded again on each change (the project must allow duplicate\n"
	"generic packages). Each upload's file_sha256 must match the bytes sent.\n"
	"GitLab has no conditional upload: deploy to one project in sequence.\n"
	"s3:// and gitlab://: 401/403 exit 66 (the credentials were refused); no\n"
	"answer, HTTP 408, 429 or 5xx are retried as for http(s)://, then exit 75.\n"
	"\n"
	"Channel moves, nothing uploaded (each appended to the history):\n"
	"  --promote FROM --to-channel TO  TO points at FROM's version (\"promote\")\n"
	"  --rollback CHANNEL              CHANNEL points at its previous version, and\n"
	"                                  its previous becomes the one before that\n"
	"                                  (\"rollback\"): rollbacks step back one\n"
	"                                  release at a time; with none left: exit 1\n"
	"A package or channel that is not in the registry: exit 66.\n";

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct deploy_opts o = {0};
	struct deploy_result r = {0};
	int as_json = 0, rc;
	double lock_timeout = 60, timeout = HTTP_DEFAULT_TIMEOUT,
	       retry_wait = HTTP_DEFAULT_BACKOFF;
	long retries = HTTP_DEFAULT_RETRIES;
	const struct cli_opt opts[] = {
		{ "package", CLI_STR, &o.package, "FILE", "NAME-VER.tar.gz (or its package.json)" },
		{ "to", CLI_STR, &o.to, "URL",
		  "registry: dir:///path, http(s)://host/path, s3://bucket/prefix or gitlab://PROJECT" },
		{ "channel", CLI_STR, &o.channel, "NAME", "channel to point at this version" },
		{ "out", CLI_STR, &o.out, "FILE", "where to write deploy.json" },
		{ "verify-key", CLI_STR, &o.verify_key, "PUB.pem",
		  "refuse a package not signed by this Ed25519 public key" },
		{ "name", CLI_STR, &o.name, "NAME", "with --promote or --rollback: the package whose channel moves" },
		{ "promote", CLI_STR, &o.promote, "FROM",
		  "point --to-channel at the version channel FROM points at (no --package)" },
		{ "to-channel", CLI_STR, &o.to_channel, "TO", "the channel --promote moves" },
		{ "rollback", CLI_STR, &o.rollback, "CHANNEL",
		  "point CHANNEL back at its previous version (no --package)" },
		{ "s3-endpoint", CLI_STR, &o.s3_endpoint, "URL",
		  "S3-compatible endpoint for s3:// (path-style addressing)" },
		{ "lock-timeout", CLI_DOUBLE, &lock_timeout, "SECONDS",
		  "how long to wait for the registry lock (default 60)" },
		{ "retries", CLI_LONG, &retries, "N",
		  "network registries: retries of a failed request (default 3)" },
		{ "timeout", CLI_DOUBLE, &timeout, "SECONDS",
		  "network registries: time limit of one request (default 30)" },
		{ "retry-wait", CLI_DOUBLE, &retry_wait, "SECONDS",
		  "network registries: first wait before a retry, doubled after (default 1)" },
		{ "json", CLI_FLAG, &as_json, NULL, "print deploy.json on stdout" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-deploy",
		"--package FILE --to URL [--channel NAME] --out FILE\n"
		"       [--verify-key PUB.pem] [options]\n"
		"       mlci-deploy --to URL --name NAME --promote FROM --to-channel TO --out FILE\n"
		"       mlci-deploy --to URL --name NAME --rollback CHANNEL --out FILE",
		"Verify a package's checksums and lineage, store it under NAME/VERSION in\n"
		"the registry (a no-op when the same bytes are already there) and move the\n"
		"channel to it, recording the version it pointed at before.",
		opts, more, 0
	};

	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
	}
	if (rc >= 0 && (o.promote || o.rollback)) {
		if (o.promote && o.rollback)
			rc = err_set(&err, MLCI_EXIT_USAGE, NULL,
				     "--promote and --rollback are two runs, not one");
		else if (o.package || o.channel || o.verify_key)
			rc = err_set(&err, MLCI_EXIT_USAGE, NULL,
				     "--%s moves a channel of a published package: no --package, --channel or --verify-key",
				     o.promote ? "promote" : "rollback");
		else if (o.promote && !o.to_channel)
			rc = err_set(&err, MLCI_EXIT_USAGE, NULL,
				     "--promote FROM needs --to-channel TO");
		else if (cli_require("name", o.name, &err) < 0)
			rc = -1;
	} else if (rc >= 0 && (o.to_channel || o.name)) {
		rc = err_set(&err, MLCI_EXIT_USAGE, NULL, "--%s goes with --promote or --rollback",
			     o.to_channel ? "to-channel" : "name");
	} else if (rc >= 0 && cli_require("package", o.package, &err) < 0) {
		rc = -1;
	}
	if (rc < 0 || cli_require("to", o.to, &err) < 0 ||
	    cli_require("out", o.out, &err) < 0) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	{
		const struct path_role out = { "--out", o.out };
		const struct path_role in[2] = { { "--package", o.package },
						 { "--verify-key", o.verify_key } };

		if (check_output_paths(&out, 1, in, 2, &err) < 0) {
			rc = cli_report(spec.prog, &err);
			cli_release(&spec, NULL);
			return rc;
		}
	}
	if (!(lock_timeout > 0) || !(timeout > 0) || !(retry_wait > 0) ||
	    retries < 0 || retries > 100) {
		err_set(&err, MLCI_EXIT_USAGE, NULL, "%s",
			!(lock_timeout > 0) ? "--lock-timeout must be positive" :
			!(timeout > 0) ? "--timeout must be positive" :
			!(retry_wait > 0) ? "--retry-wait must be positive" :
			"--retries must be between 0 and 100");
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	o.lock_timeout = lock_timeout;
	o.http.retries = retries ? (int)retries : -1;
	o.http.timeout = timeout;
	o.http.backoff = retry_wait;
	o.producer = spec.prog;
	if (deploy_run(&o, &r, &err) < 0) {
		rc = cli_report(spec.prog, &err);
	} else {
		if (as_json) {
			char *s = artifact_dumps(r.deploy);

			if (s)
				fputs(s, stdout);
			free(s);
		} else {
			printf("%s %s %s at %s", r.reg.action, r.name, r.version,
			       r.reg.location);
			if (o.promote || o.rollback)
				printf("; channel %s %s%s%s%s",
				       o.promote ? o.to_channel : o.rollback,
				       r.reg.channel_action,
				       r.reg.previous_version[0] ? " (previous " : "",
				       r.reg.previous_version,
				       r.reg.previous_version[0] ? ")" : "");
			else if (o.channel)
				printf("; channel %s %s%s%s%s", o.channel,
				       r.reg.channel_action,
				       r.reg.previous_version[0] ? " (previous " : "",
				       r.reg.previous_version,
				       r.reg.previous_version[0] ? ")" : "");
			printf("\n");
		}
		rc = MLCI_EXIT_OK;
	}
	deploy_result_release(&r);
	cli_release(&spec, NULL);
	return cli_finish_stdout(spec.prog, rc);
}
