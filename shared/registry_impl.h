/*
 * registry_impl.h - what a registry backend sees (registry.c and the
 * backends in registry_*.c); callers use registry.h only.
 */
#ifndef MLCI_REGISTRY_IMPL_H
#define MLCI_REGISTRY_IMPL_H

#include <jansson.h>

#include "registry.h"

/*
 * A backend: open parses the rest of the URL (after "scheme://") into
 * r->state; publish does the work; close frees r->state. A NULL open
 * marks a scheme we know of but do not support yet.
 */
struct registry_backend {
	const char *scheme;
	int (*open)(struct registry *r, const char *rest, struct mlci_err *err);
	int (*publish)(struct registry *r, const struct registry_item *item,
		       const char *channel, struct registry_result *res,
		       struct mlci_err *err);
	void (*close)(struct registry *r);
	/* NULL: channel moves are not supported by this backend */
	int (*move)(struct registry *r, const struct registry_move *mv,
		    struct registry_result *res, struct mlci_err *err);
};

struct registry {
	const struct registry_backend *backend;
	char *url;		/* redacted: what messages show */
	char *raw_url;		/* as given (may hold credentials: never shown) */
	struct registry_opts opts;
	void *state;
};

/* One history record, the same object for every backend: event
 * ("publish" or "channel"), time, name, version, sha256, and for a
 * channel event channel and previous (version or null). New reference. */
json_t *registry_history_line(const char *event, const char *when,
			      const struct registry_item *it, const char *channel,
			      const struct registry_result *res);

/* A channel file (kind mlci.channel) pointing channel at it, updated at
 * when, with previous prev (taken: a {version, sha256} object, or NULL
 * for null). New reference, or NULL with err set (prev freed). */
json_t *registry_channel_doc(const struct registry_opts *o,
			     const struct registry_item *it, const char *channel,
			     const char *when, json_t *prev, struct mlci_err *err);

/* A version and sha256 read back from a registry (a channel file, its
 * previous pointer) before they are used in a path, a URL or a new
 * record: version must be a valid package version (package.h: no '/',
 * no "..", at most 128 bytes) and sha256 a SHA-256 in hex. 0, or -1 with
 * a 65 error naming where ("WHAT is damaged: ..."). */
int registry_check_pointer(const char *version, const char *sha256, const char *where,
			   const char *what, struct mlci_err *err);

/* Where a rollback of mv's channel (at version cur) goes: the version
 * and sha256 of its previous pointer (borrowed from previous, which may
 * be NULL), checked as registry_check_pointer checks them. 0; or -1 with
 * 1 when the channel has nothing to roll back to, 65 when it is damaged
 * (errors naming where). */
int registry_rollback_to(const json_t *previous, const struct registry_move *mv,
			 const char *cur, const char *where, const char **version,
			 const char **sha256, struct mlci_err *err);

/* The lines of a history.jsonl text as an array (a line that does not
 * parse is skipped); NULL when memory runs out. */
json_t *registry_history_parse(const char *text, size_t len);

/* Does the history text record this event? For "publish": a line for
 * version. With channel: the channel's last line of event names version.
 * 1 yes, 0 no, -1 out of memory. */
int registry_history_has(const char *text, size_t len, const char *event,
			 const char *channel, const char *version);

/* For a rollback of channel to version: what that version's last forward
 * move (a "channel" or "promote" record, never a "rollback") recorded as
 * previous, as {version, sha256} (the sha256 from that version's
 * "publish" record); NULL when there is none. recs: history records in
 * order. New reference. */
json_t *registry_forward_previous(const json_t *recs, const char *channel,
				  const char *version);

/* The http:// and https:// backend (registry_http.c). */
int registry_http_open(struct registry *r, const char *rest, struct mlci_err *err);
int registry_http_publish(struct registry *r, const struct registry_item *item,
			  const char *channel, struct registry_result *res,
			  struct mlci_err *err);
void registry_http_close(struct registry *r);
int registry_http_move(struct registry *r, const struct registry_move *mv,
		       struct registry_result *res, struct mlci_err *err);

/* What the http(s):// backend makes of a server's bytes (no I/O: unit
 * tests and fuzzing). */

/* A channel file as GET answered it (n bytes, any bytes): 0 with *cur
 * the object (new reference) when it is an mlci.channel of a schema
 * version this build reads, with string version and sha256; else -1
 * with a 65 error naming shown and path ("damaged channel file"). */
int registry_http_channel_parse(const char *text, size_t n, const char *shown,
				const char *path, json_t **cur, struct mlci_err *err);

/* The sequence number NAME/history/next holds (n bytes, any bytes): a
 * decimal number from 1 to the scan limit (1000000), else 1 (the hint
 * only speeds the claim up: a bad one costs requests, never a record). */
long registry_http_hint(const char *text, size_t n);

#endif
