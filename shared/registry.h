/*
 * registry.h - where mlci-deploy puts packages, behind one interface.
 *
 * A registry is opened from a URL; the scheme picks a backend:
 *   dir:///absolute/path  a filesystem registry (below)
 *   http(s)://HOST/PATH   a WebDAV server (registry_http.c: the same files
 *                         with a lock-free history, over the retrying
 *                         transport of http.h)
 *   s3://BUCKET/PREFIX    the same files as S3 objects under PREFIX/
 *                         (registry_s3.c: SigV4, conditional writes)
 *   gitlab://PROJECT      a GitLab project's generic package registry
 *                         (registry_gitlab.c; gitlab:// is $CI_PROJECT_ID)
 * s3:// and gitlab:// share the publish rules of registry_store.c (the
 * same versions, channel files and history lines as dir://, over get and
 * put of named objects). A new backend fills in a struct registry_backend
 * (registry_impl.h); callers do not change.
 *
 * Filesystem layout under REG (created on the first deploy):
 *   REG/NAME/VER/NAME-VER.tar.gz   immutable once written (.tar.zst for
 *                                  a zstd package)
 *   REG/NAME/VER/manifest.json     (and provenance.json, provenance.intoto.jsonl
 *                                  when the package holds them: copies)
 *   REG/NAME/channels/CHANNEL.json kind mlci.channel: version, sha256,
 *                                  previous {version, sha256} or null
 *   REG/NAME/history.jsonl         one JSON line per publish / channel move
 *   REG/NAME/.lock                 flock()ed for the whole deploy
 * A version directory is staged as REG/NAME/.VER.tmp-XXXXXX and renamed
 * into place; channel files are written to a temporary and renamed. A
 * deploy killed at any moment leaves every version and channel whole or
 * absent; killed after a rename but before its history line, the history
 * is one line short until the same package is deployed again, which
 * appends the missing line marked "recovered": true. (A staging
 * directory of a killed run stays behind, hidden, under its .tmp name.)
 *
 * On s3:// and gitlab:// there is no lock: see registry_s3.c and
 * registry_gitlab.c for what guards a version, a channel and the history,
 * and for their errors (401/403: 66; no answer or 5xx after the retries:
 * 75).
 *
 * Publishing the same bytes under an existing version is a no-op
 * ("unchanged"); different bytes are refused with exit code 1 (a negative
 * verdict: the registry refuses the deploy, and retrying cannot help).
 * A lock still held after the timeout is a temporary failure (75).
 *
 * http(s)://HOST/BASE holds BASE/NAME/VER/... and BASE/NAME/channels/ as
 * above; instead of history.jsonl and .lock, one record per event at
 * BASE/NAME/history/NNNNNNNN/event.json (the same JSON object as a
 * history.jsonl line), each number claimed with MKCOL, and versions staged
 * under BASE/NAME/.staging/ and moved into place with MOVE (Overwrite: F).
 * Requests that fail temporarily (connection, timeout, 408, 429, 5xx) are
 * retried as opts->http says, then 75; 401/403 are 66; a bad URL is 64.
 * registry_http.c says why racing or interrupted deploys leave the
 * registry consistent.
 */
#ifndef MLCI_REGISTRY_H
#define MLCI_REGISTRY_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "hash.h"
#include "http.h"

struct registry;

struct registry_opts {
	double lock_timeout;	/* seconds to wait for the lock; <= 0: 60 */
	const char *producer;	/* names the writer in channel files */
	struct http_policy http;	/* retries, timeout, backoff of an
					 * http(s):// registry (zeros: defaults) */
	const char *s3_endpoint;	/* s3://: endpoint URL (path-style), or NULL */
};

/* What to publish: the package's bytes and identity (see package_open). */
struct registry_item {
	const char *name;
	const char *version;
	const void *archive;
	size_t archive_size;
	const char *sha256;		/* of archive */
	const void *manifest;
	size_t manifest_size;
	const char *source;		/* the package file, recorded as input */
	const char *suffix;		/* ".tar.gz" (NULL) or ".tar.zst" */
	const void *provenance;		/* the package's provenance.json, or NULL */
	size_t provenance_size;
	const void *envelope;		/* its provenance.intoto.jsonl, or NULL */
	size_t envelope_size;
};

struct registry_result {
	char action[16];		/* "created" or "unchanged"; a channel
					 * move: "promoted" or "rolled-back" */
	char channel_action[16];	/* "moved", "unchanged" or "" (no channel) */
	char previous_version[160];	/* channel's previous version, "" if none */
	char previous_sha256[SHA256_HEX_LEN + 1];
	char location[4096];		/* where the version lives (path or URL,
					 * credentials redacted) */
	struct http_stats http;		/* requests made, of which retries
					 * (http(s):// only; zeros otherwise) */
	/* a channel move: the version the channel points at now */
	char version[160];
	char sha256[SHA256_HEX_LEN + 1];
};

/*
 * Open the registry named by url. Unknown or unsupported scheme: 64; a
 * dir:// path that is not absolute: 64. The registry is freed with
 * registry_close. No file is touched until registry_publish.
 */
int registry_open(struct registry **out, const char *url,
		  const struct registry_opts *opts, struct mlci_err *err);

/*
 * Store item under NAME/VER (or confirm identical bytes are there) and,
 * when channel is not NULL, point NAME/channels/CHANNEL at it recording
 * the version it pointed at before. Everything under the lock (dir://).
 * Errors: 1 different bytes under an existing version, 64 bad channel
 * name, 65 a damaged entry or channel (or an answer that makes no sense),
 * 66 credentials refused, 73 cannot create, 74 I/O (or stored bytes that
 * do not read back the same), 75 lock held past the timeout or a network
 * registry still failing after the retries.
 */
int registry_publish(struct registry *r, const struct registry_item *item,
		     const char *channel, struct registry_result *res,
		     struct mlci_err *err);

/* Moving a channel without publishing anything. */
enum registry_move_op {
	REGISTRY_PROMOTE,	/* channel := what from points at */
	REGISTRY_ROLLBACK,	/* channel := its previous version */
};

struct registry_move {
	enum registry_move_op op;
	const char *name;	/* the package */
	const char *channel;	/* the channel moved */
	const char *from;	/* REGISTRY_PROMOTE: the channel promoted from */
};

/*
 * Move a channel of an already published package, under the lock, and
 * append the move to the history (event "promote", with from_channel, or
 * "rollback"; previous: the version the channel pointed at before).
 * Promote points mv->channel at the version mv->from points at; the same
 * version already there is "unchanged". Rollback points mv->channel at
 * its previous version, and the channel's new previous is what that
 * version's own forward move (a publish --channel or a promote, never a
 * rollback) recorded, so rollbacks step back one release at a time.
 * res gets action ("promoted" or "rolled-back"), channel_action
 * ("moved" or "unchanged"), version and sha256 (now), previous_* (before)
 * and location. Errors: 64 bad names or a backend without channel moves;
 * 66 no such package, or the channel to read is absent; 1 nothing to
 * roll back to; 65 a channel or history file that does not parse, or a
 * version the channel names that is not in the registry; 73, 74, 75 as
 * for registry_publish.
 */
int registry_move(struct registry *r, const struct registry_move *mv,
		  struct registry_result *res, struct mlci_err *err);

/* The URL the registry was opened with, credentials redacted (redact.h;
 * owned by r): what messages show. */
const char *registry_url(const struct registry *r);

/* Free r (NULL is fine). */
void registry_close(struct registry *r);

/* mlci-deploy's run, below the command line. */
struct deploy_opts {
	const char *package;	/* NAME-VER.tar.gz or its package.json */
	const char *to;		/* registry URL */
	const char *channel;	/* optional */
	const char *out;	/* deploy.json */
	const char *verify_key;	/* Ed25519 public key PEM: the package must be
				 * signed by it (NULL: not required) */
	double lock_timeout;
	const char *producer;	/* "mlci-deploy" */
	/* instead of a package: move a channel of package name */
	const char *name;
	const char *promote;	/* from this channel to to_channel */
	const char *to_channel;
	const char *rollback;	/* this channel to its previous version */
	struct http_policy http;	/* for an http(s):// registry */
	const char *s3_endpoint;	/* --s3-endpoint, or NULL */
};

struct deploy_result {
	struct registry_result reg;
	char *name;		/* owned */
	char *version;		/* owned */
	char sha256[SHA256_HEX_LEN + 1];
	json_t *deploy;		/* the deploy.json artifact (owned) */
};

/*
 * With promote or rollback set (and name; no package): registry_move,
 * then deploy.json as below with action "promoted" or "rolled-back", the
 * version the channel points at now, and "from_channel" for a promote.
 * Otherwise:
 * Verify the package (package_open_key, with verify_key's key when set:
 * an unsigned package, another key's signature or a tampered one is 65;
 * a bad key file 64, a missing one 66) before touching anything, open the
 * deploy.json output, publish, and write deploy.json (kind mlci.deploy,
 * with signature {keyid, verified} or null).
 * Free r with deploy_result_release (also after failure).
 */
int deploy_run(const struct deploy_opts *o, struct deploy_result *r,
	       struct mlci_err *err);

void deploy_result_release(struct deploy_result *r);

#endif
