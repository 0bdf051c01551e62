/*
 * serve.h - mlci-serve's server: a verified package's model behind HTTP
 * (libmicrohttpd, a thread pool), hot-swapped on reload.
 *
 * Endpoints:
 *   POST /predict   rows as JSON or CSV (serve_req.h); 200 with the
 *                   predictions, 400 {"error": "..."} for a malformed
 *                   body, 413 past max_body_bytes, 503 no model yet
 *   GET  /health    200 {"status": "ok"} while the process runs
 *   GET  /ready     200 once a model is loaded, 503 before
 *   GET  /metadata  the model's name, version, package and model sha256,
 *                   task, features, classes and the manifest's lineage
 *   GET  /metrics   Prometheus text format 0.0.4 (names in serve.c)
 * Anything else is 404; a known path with another method 405 (with an
 * Allow header). Every error body is {"error": "..."}.
 *
 * The model comes from a package file, or from a dir:// registry's
 * channel (REG/NAME/channels/CHANNEL.json, registry.h): the version it
 * names is opened from REG/NAME/VER/ and its sha256 must be the
 * channel's. Loading verifies the package as package_open_key does (with
 * the Ed25519 key when verify_key is set).
 *
 * Reloading (serve_reload, and in registry mode every poll_seconds when
 * the channel file names another version): the new version is loaded and
 * verified off to the side, then swapped in under a lock. Requests hold
 * a reference to the model they started with, so none is dropped or
 * answered half by one version and half by another; the old model is
 * freed when its last request ends. A version that fails to load is
 * refused (logged, counted in mlci_serve_reloads_total{result="refused"})
 * and the current one keeps serving; the poll does not retry a refused
 * channel state until it changes again (serve_reload always does).
 */
#ifndef MLCI_SERVE_H
#define MLCI_SERVE_H

#include "error.h"

struct serve_opts {
	const char *package;		/* a package file, or NULL */
	const char *registry;		/* dir:///path, with name and channel */
	const char *name;
	const char *channel;
	const char *listen;		/* "HOST:PORT" (IPv4, or [IPv6]:PORT);
					 * port 0 picks a free one */
	long threads;			/* thread pool size (>= 1) */
	long max_body_bytes;		/* larger request bodies get 413 */
	long timeout;			/* seconds an idle connection is kept */
	double poll_seconds;		/* registry channel poll (> 0) */
	const char *verify_key;		/* Ed25519 public key PEM, or NULL */
	const char *log_requests;	/* CSV of predicted rows, or NULL */
	/* one line for the operator (reloads, refusals); may be NULL.
	 * Called from the server's threads. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct server;

/*
 * Check the options, load the verify key, and listen (nothing is loaded
 * yet: /ready answers 503 until serve_reload succeeds). Errors: 64 bad
 * options or address, a bad key file; 66 the key is missing; 75 the
 * address cannot be bound (in use). Free with serve_stop.
 */
int serve_start(struct server **out, const struct serve_opts *o,
		struct mlci_err *err);

/* The port listened on (useful with port 0). */
int serve_port(const struct server *s);

/*
 * Load the package (or the channel's current version) and swap it in
 * when it differs from the one serving. *changed (may be NULL) gets 1
 * when a new version was swapped in. The first successful call opens
 * log_requests (73 when it cannot be created or holds another header)
 * and starts the channel poll. Errors: those of package_open_key (65,
 * 66), the channel's (65 malformed, 66 missing); the server keeps what
 * it had.
 */
int serve_reload(struct server *s, int *changed, struct mlci_err *err);

/* "NAME VERSION" of the model serving, into out ("" when none). */
void serve_current(struct server *s, char *out, size_t n);

/* Stop listening, wait for requests in flight, free everything. NULL is
 * fine. */
void serve_stop(struct server *s);

#endif
