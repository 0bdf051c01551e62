/*
 * mlci-serve: answer predictions over HTTP from a verified package, or
 * from a registry channel, reloading new versions without dropping a
 * request.
 *
 * Exit codes: 0 stopped by SIGTERM or SIGINT; 64 usage, a bad --listen
 * address, a --verify-key that is not an Ed25519 public key; 65 the
 * package (or channel file) is malformed, fails its checksums or its
 * signature; 66 the package, channel or key is missing; 73 the
 * --log-requests file cannot be created or holds other columns; 75 the
 * address is in use.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "serve.h"

static const char more[] =
	"Endpoints:\n"
	"  POST /predict   {\"rows\": [{COL: VALUE, ...}, ...]}, a bare list of row\n"
	"                  objects, or CSV with a header row (Content-Type: text/csv);\n"
	"                  answers {\"model\", \"version\", \"n_rows\", \"classes\",\n"
	"                  \"predictions\": [{\"prediction\", \"probabilities\": {CLASS: P}}]}\n"
	"                  (regressors: [{\"prediction\": VALUE}])\n"
	"  GET  /health    200 while the process runs\n"
	"  GET  /ready     200 once a model is loaded, 503 before\n"
	"  GET  /metadata  name, version, package and model sha256, features, lineage\n"
	"  GET  /metrics   Prometheus text format (mlci_serve_* metrics)\n"
	"Every feature of the model must be in each row (null or an empty CSV cell\n"
	"for a missing value); the label column is ignored; any other column, a\n"
	"value of the wrong type or bad JSON is a 400 with {\"error\": \"...\"} saying\n"
	"where. Unknown paths are 404, wrong methods 405, bodies past\n"
	"--max-body-bytes 413, /predict before a model is loaded 503.\n"
	"\n"
	"Reloading: on SIGHUP, and with --registry whenever the channel file names\n"
	"another version (checked every --poll-seconds), the new version is loaded\n"
	"and verified beside the old one, then swapped in; requests in flight\n"
	"finish on the version they started with. A version that fails to load or\n"
	"verify is refused (logged on stderr, counted in mlci_serve_reloads_total)\n"
	"and the old one keeps serving. SIGTERM or SIGINT stops the server.\n"
	"\n"
	"--log-requests FILE appends each predicted row as CSV: the model's\n"
	"feature columns, then 'prediction' (the header is written once, when the\n"
	"file is empty), flushed after every request: mlci-monitor reads it.\n"
	"\n"
	"Metrics: mlci_serve_requests_total{path,status},\n"
	"mlci_serve_request_duration_seconds{path} (histogram),\n"
	"mlci_serve_predicted_rows_total, mlci_serve_predictions_total{class}\n"
	"(classifiers), mlci_serve_prediction_value (histogram, regressors),\n"
	"mlci_serve_feature_count_total{feature}, mlci_serve_feature_missing_total{feature},\n"
	"mlci_serve_feature_value{feature} (summary: _sum, _count),\n"
	"mlci_serve_feature_mean{feature}, mlci_serve_model_info{name,version,sha256},\n"
	"mlci_serve_model_loaded, mlci_serve_model_loaded_timestamp_seconds,\n"
	"mlci_serve_reloads_total{result}, mlci_serve_request_log_errors_total.\n"
	"\n"
	"Exit codes: 0 stopped by SIGTERM/SIGINT; 64 usage, a bad --listen, a bad key\n"
	"file; 65 a malformed or unverifiable package or channel; 66 a missing\n"
	"package, channel or key; 73 the request log cannot be created or holds\n"
	"other columns; 75 the address is in use.\n"
	"\n"
	"An empty value (--package '' or MLCI_SERVE_PACKAGE=) counts as not given.\n"
	"On start, one line on stdout: 'listening on HOST:PORT, serving NAME VERSION'\n"
	"(--listen HOST:0 picks a free port).\n";

static void log_line(void *ctx, const char *line)
{
	fprintf(stderr, "%s: %s\n", (const char *)ctx, line);
}

int main(int argc, char **argv)
{
	struct mlci_err err = {0};
	struct serve_opts o = {0};
	struct server *s = NULL;
	char cur[600], was[600];
	sigset_t set;
	int rc, sig, changed;
	const struct cli_opt opts[] = {
		{ "package", CLI_STR, &o.package, "FILE", "NAME-VER.tar.gz (or its package.json) to serve" },
		{ "registry", CLI_STR, &o.registry, "URL", "or serve a registry channel: dir:///path/to/registry" },
		{ "name", CLI_STR, &o.name, "NAME", "with --registry: the package name" },
		{ "channel", CLI_STR, &o.channel, "NAME", "with --registry: the channel to follow (e.g. production)" },
		{ "listen", CLI_STR, &o.listen, "HOST:PORT", "address to listen on (default 127.0.0.1:5000)" },
		{ "threads", CLI_LONG, &o.threads, "N", "worker threads (default 4)" },
		{ "max-body-bytes", CLI_LONG, &o.max_body_bytes, "N", "largest request body (default 10485760); larger: 413" },
		{ "timeout", CLI_LONG, &o.timeout, "SECONDS", "close a connection idle this long (default 30)" },
		{ "poll-seconds", CLI_DOUBLE, &o.poll_seconds, "S", "with --registry: how often to check the channel (default 2)" },
		{ "verify-key", CLI_STR, &o.verify_key, "PUB.pem", "refuse a package not signed by this Ed25519 public key" },
		{ "log-requests", CLI_STR, &o.log_requests, "FILE", "append each predicted row as CSV (features, prediction)" },
		{ 0 }
	};
	const struct cli_spec spec = {
		"mlci-serve",
		"(--package FILE | --registry dir:///path --name NAME --channel CHANNEL)\n"
		"       [--listen 127.0.0.1:5000] [--threads N] [--verify-key PUB.pem]\n"
		"       [--log-requests FILE] [options]",
		"Serve a model package over HTTP: predictions, health, readiness,\n"
		"metadata and Prometheus metrics, reloading new versions in place.",
		opts, more, 0
	};

	o.listen = "127.0.0.1:5000";
	o.threads = 4;
	o.max_body_bytes = 10L * 1024 * 1024;
	o.timeout = 30;
	o.poll_seconds = 2;
	o.log = log_line;
	o.log_ctx = (void *)spec.prog;
	rc = cli_parse(&spec, argc, argv, NULL, &err);
	if (rc == CLI_DONE) {
		cli_release(&spec, NULL);
		return 0;
	}
	if (rc < 0) {
		rc = cli_report(spec.prog, &err);
		cli_release(&spec, NULL);
		return rc;
	}
	/* an empty value (MLCI_SERVE_PACKAGE= in the image) is no value */
	{
		const char **opt[] = { &o.package, &o.registry, &o.name, &o.channel,
				       &o.verify_key, &o.log_requests };
		size_t i;

		for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
			if (*opt[i] && !**opt[i])
				*opt[i] = NULL;
	}
	/* signals are taken here, by sigwait: every server thread inherits
	 * the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (serve_start(&s, &o, &err) < 0 || serve_reload(s, NULL, &err) < 0) {
		rc = cli_report(spec.prog, &err);
		serve_stop(s);
		cli_release(&spec, NULL);
		return rc;
	}
	serve_current(s, cur, sizeof(cur));
	printf("listening on %.*s:%d, serving %s\n",
	       (int)(strrchr(o.listen, ':') - o.listen), o.listen,
	       serve_port(s), cur);
	fflush(stdout);
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
		serve_current(s, was, sizeof(was));
		err = (struct mlci_err){0};
		if (serve_reload(s, &changed, &err) < 0) {
			char msg[1200];

			err_format(&err, msg, sizeof(msg));
			fprintf(stderr, "%s: refused the reload: %s; still serving %s\n",
				spec.prog, msg, was);
		} else {
			serve_current(s, cur, sizeof(cur));
			if (changed)
				fprintf(stderr, "%s: reloaded: serving %s (was %s)\n",
					spec.prog, cur, was);
			else
				fprintf(stderr, "%s: reloaded: %s unchanged\n",
					spec.prog, cur);
		}
	}
	serve_stop(s);
	cli_release(&spec, NULL);
	return MLCI_EXIT_OK;
}
