/*
 * registry_store.h - the registry's publish rules (immutable versions,
 * channels, an append-only history: the same files and JSON as dir://)
 * over a store of named objects, for the network backends. A backend
 * (registry_s3.c, registry_gitlab.c) supplies get and put of one object
 * by key; keys are the dir:// layout's paths below the registry root:
 *   NAME/VER/NAME-VER.tar.gz (or .tar.zst), NAME/VER/manifest.json,
 *   NAME/VER/provenance.json, NAME/VER/provenance.intoto.jsonl,
 *   NAME/channels/CHANNEL.json, NAME/history.jsonl
 * Temporary failures (no answer, HTTP 408, 429, 5xx) are retried under
 * the registry's http_policy (--retries, --retry-wait doubling with
 * jitter, --timeout; MLCI_HTTP_RETRY_DELAY_MS, when set, fixes the first
 * wait); then the error is 75. A conditional write another deploy beat
 * is tried STORE_ATTEMPTS times. Internal to the
 * registry: only registry*.c (and their unit tests) include it.
 */
#ifndef MLCI_REGISTRY_STORE_H
#define MLCI_REGISTRY_STORE_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "registry.h"
#include "registry_impl.h"
#include "registry_net.h"
#include "util.h"

#define STORE_ATTEMPTS 3
#define STORE_MAX_OBJECT ((size_t)1 << 30)	/* bytes of one object read back */

/* How a put is conditioned. */
enum store_cond {
	STORE_ANY = 0,		/* overwrite */
	STORE_IF_ABSENT,	/* only when there is no such object */
	STORE_IF_MATCH,		/* only when its ETag is still etag */
};

struct store_ops {
	/* GET key: 0 with *found 1 and the bytes in *out (and etag, "" when
	 * the store has none) or *found 0 (no such object); -1 with err. */
	int (*get)(void *ctx, const char *key, struct buf *out, int *found,
		   char etag[160], struct mlci_err *err);
	/* PUT key: 0 stored, 1 the condition failed (someone else wrote
	 * first), -1 with err. When the store reports the stored bytes'
	 * SHA-256, it is copied to sha (else sha is left ""). */
	int (*put)(void *ctx, const char *key, const void *data, size_t n,
		   enum store_cond cond, const char *etag,
		   char sha[SHA256_HEX_LEN + 1], struct mlci_err *err);
	/* key as a location for messages and deploy.json (no secret): into out. */
	void (*where)(void *ctx, const char *key, char *out, size_t n);
	int conditional;	/* 1: put honours STORE_IF_ABSENT / STORE_IF_MATCH */
	int read_back;		/* 1: a stored version is read back and hashed */
};

/* Publish it through ops (see registry_publish for the result and the
 * errors; 75 also when another deploy changed a channel or the history
 * under us STORE_ATTEMPTS times). */
int store_publish(const struct store_ops *ops, void *ctx,
		  const struct registry_opts *opts,
		  const struct registry_item *it, const char *channel,
		  struct registry_result *res, struct mlci_err *err);

/* registry_move through ops (see registry.h: the same rules and history
 * lines as dir://). */
int store_move(const struct store_ops *ops, void *ctx,
	       const struct registry_opts *opts, const struct registry_move *mv,
	       struct registry_result *res, struct mlci_err *err);

/* One HTTP exchange with the retry policy above: 0 with resp holding a
 * final answer (status < 500 and not 408 or 429), -1 with err set. */
int store_http(const struct regnet_req *rq, struct regnet_resp *resp,
	       struct mlci_err *err);

/* MLCI_HTTP_RETRY_DELAY_MS, when set, into *seconds (the first wait);
 * 0, or -1 with 64 when it is not a number from 0 to 600000. */
int store_retry_delay(double *seconds, struct mlci_err *err);

/* The history line is the one every backend writes: registry_impl.h's
 * registry_history_line. */

/* Backends (registry_s3.c, registry_gitlab.c), for registry.c's table. */
struct registry;
int s3_open(struct registry *r, const char *rest, struct mlci_err *err);
int s3_publish(struct registry *r, const struct registry_item *item,
	       const char *channel, struct registry_result *res,
	       struct mlci_err *err);
void s3_close(struct registry *r);
int s3_move(struct registry *r, const struct registry_move *mv,
	    struct registry_result *res, struct mlci_err *err);
int gitlab_reg_open(struct registry *r, const char *rest, struct mlci_err *err);
int gitlab_reg_publish(struct registry *r, const struct registry_item *item,
		       const char *channel, struct registry_result *res,
		       struct mlci_err *err);
void gitlab_reg_close(struct registry *r);
int gitlab_reg_move(struct registry *r, const struct registry_move *mv,
		    struct registry_result *res, struct mlci_err *err);

/* ---- what the backends make of an answer: no I/O, so that unit tests
 * and the fuzz targets can hand them any bytes a server might ---- */

/* S3's error code in an error body (n bytes, any bytes, may be NULL):
 * the letters and digits between the first <Code> and the </Code> after
 * it, cut to fit out (cap bytes); "" when there is none. */
void s3_error_code(const char *body, size_t n, char *out, size_t cap);

/* S3's answer to a GET: 1 the object is there (200), 0 no such object
 * (a 404 other than NoSuchBucket), or -1 with err: a 404 NoSuchBucket
 * (66 naming bucket), 401 and 403 (66 naming where, S3's error code and
 * access_key, the key's id, never the secret), a 200 whose ETag did not
 * fit (65), any other status (65 with S3's error code). */
int s3_get_answer(const struct regnet_resp *resp, const char *bucket,
		  const char *where, const char *access_key, struct mlci_err *err);

/* S3's answer to a PUT: 0 stored (200, 201, 204), 1 a condition failed
 * (412; 409, a conditional write that lost a race), -1 with err as for
 * s3_get_answer. */
int s3_put_answer(const struct regnet_resp *resp, const char *where,
		  const char *access_key, struct mlci_err *err);

/* Where a GitLab GET redirected to location (a Location header, maybe
 * relative) from cur goes next: *next (malloc'd; location resolved
 * against cur) and *send_token, 1 only when *next has the origin
 * (scheme, host, port) of the API root api. 0, or -1 with err: 65 when
 * location is no URL or not http(s), 70 out of memory. */
int gitlab_reg_redirect(const char *api, const char *cur, const char *location,
			char **next, int *send_token, struct mlci_err *err);

/* GitLab's "message" in an error body (n bytes, any bytes): the string
 * with control characters dropped, cut to fit out; "" when the body is
 * no JSON object with a string message. */
void gitlab_reg_message(const char *body, size_t n, char *out, size_t cap);

/* The error for a GitLab status that is not the answer hoped for: 401
 * and 403 are 66 naming the token's header auth_name and the variable
 * auth_from (never its value), 400 is 73 (GitLab refused the upload,
 * with its message), others 65. where names the file. Returns -1. */
int gitlab_reg_status_err(const struct regnet_resp *resp, const char *where,
			  const char *auth_name, const char *auth_from,
			  struct mlci_err *err);

/* GitLab's answer to an upload with ?select=package_file: 0 with sha
 * the file_sha256 it answered, which must be want (the bytes sent); -1
 * with err: a status other than 200 and 201 (gitlab_reg_status_err), no
 * valid file_sha256 (65), another one (74: GitLab stored other bytes). */
int gitlab_reg_put_answer(const struct regnet_resp *resp, const char *want,
			  const char *where, const char *auth_name, const char *auth_from,
			  char sha[SHA256_HEX_LEN + 1], struct mlci_err *err);

/* What the backends need of struct registry (defined in registry.c). */
const struct registry_opts *registry_opts_of(const struct registry *r);
void **registry_state(struct registry *r);

#endif
