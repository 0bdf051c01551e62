/*
 * registry_store.c - see registry_store.h.
 */
#include "registry_store.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artifact.h"
#include "hash.h"

/* ---- HTTP with retries ---------------------------------------------- */

int store_retry_delay(double *seconds, struct mlci_err *err)
{
	const char *d = getenv("MLCI_HTTP_RETRY_DELAY_MS");
	long ms;

	if (!d || !*d)
		return 0;
	if (parse_long(d, &ms) < 0 || ms < 0 || ms > 600000)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "MLCI_HTTP_RETRY_DELAY_MS is a number of milliseconds (0 to 600000)");
	*seconds = (double)ms / 1000;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int store_http(const struct regnet_req *rq, struct regnet_resp *resp,
	       struct mlci_err *err)
{
	struct http_policy pol = {0};
	int attempt, temporary, attempts;
	uint64_t rng;

	if (rq->policy)
		pol = *rq->policy;
	/* --retries (0: none) and --retry-wait, as for http(s)://; the
	 * variable, when set, fixes the first wait (tests keep it short) */
	if (store_retry_delay(&pol.backoff, err) < 0)
		return -1;
	attempts = 1 + (pol.retries < 0 ? 0 : pol.retries ? pol.retries : HTTP_DEFAULT_RETRIES);
	rng = pol.seed ? pol.seed : (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)resp;
	for (attempt = 1;; attempt++) {
		if (regnet_once(rq, resp, &temporary, err) < 0) {
			if (!temporary)
				return -1;
		} else if (resp->status != 408 && resp->status != 429 && resp->status < 500) {
			return 0;
		} else {
			err_set(err, MLCI_EXIT_TEMPFAIL, NULL, "HTTP %ld", resp->status);
		}
		if (attempt >= attempts) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			if (resp->status >= 500 || resp->status == 408 || resp->status == 429)
				buf_release(&resp->body);
			err->code = MLCI_EXIT_TEMPFAIL;
			snprintf(err->msg, sizeof(err->msg), "%.400s, after %d attempt%s", why,
				 attempt, attempt == 1 ? "" : "s");
			return -1;
		}
		buf_release(&resp->body);
		{
			double w = http_backoff(&pol, attempt, &rng);

			sleep_ms((long)(w * 1000));
		}
	}
}

/* ---- the publish rules ---------------------------------------------- */

static char *key_of(const char *a, const char *b, const char *c)
{
	struct buf k;

	buf_init(&k);
	if (buf_addstr(&k, a) < 0 || (b && (buf_addch(&k, '/') < 0 || buf_addstr(&k, b) < 0)) ||
	    (c && (buf_addch(&k, '/') < 0 || buf_addstr(&k, c) < 0))) {
		buf_release(&k);
		return NULL;
	}
	return buf_detach(&k, NULL);
}

/* A channel object's version and sha256 (strictly: kind mlci.channel,
 * a schema version this build reads). 0, or -1 with a 65 error. */
static int channel_parse(const struct buf *b, const char *where, json_t **out,
			 const char **v, const char **s, struct mlci_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(b->data ? b->data : "", b->len, JSON_REJECT_DUPLICATES, &je);
	const char *kind;
	json_int_t sv;

	*out = NULL;
	if (!j)
		return err_set_at(err, MLCI_EXIT_DATAERR, where, je.line, (je.column > 0 ? je.column : 1),
				  "invalid JSON: %s", je.text);
	kind = json_string_value(json_object_get(j, "kind"));
	sv = json_integer_value(json_object_get(j, "schema_version"));
	if (!json_is_object(j) || !kind || strcmp(kind, KIND_CHANNEL) || sv < 1 ||
	    sv > SCHEMA_CHANNEL) {
		json_decref(j);
		return err_set(err, MLCI_EXIT_DATAERR, where,
			       "not a channel file (kind %s, schema_version 1..%d)",
			       KIND_CHANNEL, SCHEMA_CHANNEL);
	}
	if (json_get_str(j, "version", v, where, err) < 0 ||
	    json_get_str(j, "sha256", s, where, err) < 0) {
		json_decref(j);
		return -1;
	}
	*out = j;
	return 0;
}

struct ctx {
	const struct store_ops *ops;
	void *c;
};

/*
 * Append line to NAME/history.jsonl: read it, add the line, write it
 * back on the condition that nobody wrote in between; with repair, only
 * when the history does not already record the event. Tried
 * STORE_ATTEMPTS times when another deploy wins the race.
 */
static int history_append(const struct ctx *x, const char *name, json_t *line,
			  int repair, const char *event, const char *channel,
			  const char *version, struct mlci_err *err)
{
	char *key = key_of(name, "history.jsonl", NULL), *s = NULL, etag[160], sha[SHA256_HEX_LEN + 1];
	struct buf h;
	int attempt, found, rc = -1, put;

	buf_init(&h);
	if (!key || !(s = json_dumps(line, JSON_SORT_KEYS | JSON_COMPACT))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	for (attempt = 1; attempt <= STORE_ATTEMPTS; attempt++) {
		buf_reset(&h);
		if (x->ops->get(x->c, key, &h, &found, etag, err) < 0)
			goto done;
		if (repair && found) {
			int has = registry_history_has(h.data, h.len, event, channel, version);

			if (has < 0) {
				err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
				goto done;
			}
			if (has) {
				rc = 0;
				goto done;
			}
		}
		if ((h.len && h.data[h.len - 1] != '\n' && buf_addch(&h, '\n') < 0) ||
		    buf_addstr(&h, s) < 0 || buf_addch(&h, '\n') < 0) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
		put = x->ops->put(x->c, key, h.data, h.len,
				  !x->ops->conditional ? STORE_ANY :
				  found && etag[0] ? STORE_IF_MATCH :
				  found ? STORE_ANY : STORE_IF_ABSENT, etag, sha, err);
		if (put < 0)
			goto done;
		if (put == 0) {
			rc = 0;
			goto done;
		}
	}
	{
		char where[1024];

		x->ops->where(x->c, key, where, sizeof(where));
		err_set(err, MLCI_EXIT_TEMPFAIL, where,
			"changed by another deploy %d times while appending; try again",
			STORE_ATTEMPTS);
	}
done:
	buf_release(&h);
	free(s);
	free(key);
	return rc;
}

static int history_event(const struct ctx *x, const char *event, const char *when,
			 const struct registry_item *it, const char *channel,
			 const struct registry_result *res, int repair,
			 struct mlci_err *err)
{
	json_t *line = registry_history_line(event, when, it, channel, res);
	int rc;

	if (!line)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (repair)
		json_object_set_new(line, "recovered", json_true());
	rc = history_append(x, it->name, line, repair, event, channel, it->version, err);
	json_decref(line);
	return rc;
}

/* Put data under key unless an object is already there (when repair)
 * or unconditionally. */
static int put_file(const struct ctx *x, const char *name, const char *ver,
		    const char *file, const void *data, size_t n, int repair,
		    struct mlci_err *err)
{
	char *key = key_of(name, ver, file), etag[160], sha[SHA256_HEX_LEN + 1];
	struct buf got;
	int found = 0, rc = -1;

	buf_init(&got);
	if (!key)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (repair && x->ops->get(x->c, key, &got, &found, etag, err) < 0)
		goto done;
	if (!found && x->ops->put(x->c, key, data, n, STORE_ANY, NULL, sha, err) < 0)
		goto done;
	rc = 0;
done:
	buf_release(&got);
	free(key);
	return rc;
}

/* The other files of a version (manifest, provenance); with repair,
 * only those missing (a deploy cut off after the tarball). */
static int put_others(const struct ctx *x, const struct registry_item *it, int repair,
		      struct mlci_err *err)
{
	if (put_file(x, it->name, it->version, "manifest.json", it->manifest,
		     it->manifest_size, repair, err) < 0 ||
	    (it->provenance &&
	     put_file(x, it->name, it->version, "provenance.json", it->provenance,
		      it->provenance_size, repair, err) < 0) ||
	    (it->envelope &&
	     put_file(x, it->name, it->version, "provenance.intoto.jsonl", it->envelope,
		      it->envelope_size, repair, err) < 0))
		return -1;
	return 0;
}

/* Is the version there? 1 with the stored bytes' sha256 in got, 0 not,
 * -1 error. Looks for the other compression's tarball too. */
static int find_version(const struct ctx *x, const struct registry_item *it,
			const char *tarname, char got[SHA256_HEX_LEN + 1],
			char where[1024], struct mlci_err *err)
{
	static const char *const suffixes[] = { ".tar.gz", ".tar.zst" };
	struct buf b, other;
	char etag[160];
	int found = 0, rc = -1;
	size_t i;

	buf_init(&b);
	buf_init(&other);
	for (i = 0; i < 3 && !found; i++) {
		char *key;

		buf_reset(&other);
		if (i == 0 ? buf_addstr(&other, tarname) < 0 :
		    buf_printf(&other, "%s-%s%s", it->name, it->version, suffixes[i - 1]) < 0)
			goto oom;
		if (i > 0 && !strcmp(other.data, tarname))
			continue;
		if (!(key = key_of(it->name, it->version, other.data)))
			goto oom;
		buf_reset(&b);
		rc = x->ops->get(x->c, key, &b, &found, etag, err);
		if (found || i == 0)
			x->ops->where(x->c, key, where, 1024);
		free(key);
		if (rc < 0)
			goto done;
	}
	if (found)
		sha256_buf(b.data ? b.data : "", b.len, got);
	rc = found;
	goto done;
oom:
	rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	buf_release(&b);
	buf_release(&other);
	return rc;
}

/* Point NAME/channels/CHANNEL.json at the item (as registry.c's
 * move_channel does, on the store). */
static int move_channel_keep(const struct ctx *x, const struct registry_opts *o,
			     const struct registry_item *it, const char *channel,
			     const char *when, const json_t *keep,
			     struct registry_result *res, struct mlci_err *err);

static int move_channel(const struct ctx *x, const struct registry_opts *o,
			const struct registry_item *it, const char *channel,
			const char *when, struct registry_result *res,
			struct mlci_err *err)
{
	return move_channel_keep(x, o, it, channel, when, NULL, res, err);
}

/* keep (may be NULL): the new channel file's previous instead of the
 * version the channel pointed at (a rollback's). */
static int move_channel_keep(const struct ctx *x, const struct registry_opts *o,
			     const struct registry_item *it, const char *channel,
			     const char *when, const json_t *keep,
			     struct registry_result *res, struct mlci_err *err)
{
	struct buf file, cur;
	char *key = NULL, *text = NULL, etag[160], where[1024], sha[SHA256_HEX_LEN + 1];
	json_t *old = NULL, *next = NULL, *prev = NULL;
	const char *v, *s;
	int found = 0, rc = -1, put;

	buf_init(&file);
	buf_init(&cur);
	if (buf_printf(&file, "%s.json", channel) < 0 ||
	    !(key = key_of(it->name, "channels", file.data))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	x->ops->where(x->c, key, where, sizeof(where));
	if (x->ops->get(x->c, key, &cur, &found, etag, err) < 0)
		goto done;
	if (found) {
		if (channel_parse(&cur, where, &old, &v, &s, err) < 0)
			goto done;
		if (!strcmp(v, it->version) && !strcmp(s, it->sha256)) {
			json_t *p = json_object_get(old, "previous");

			snprintf(res->channel_action, sizeof(res->channel_action), "unchanged");
			if (json_is_object(p)) {
				const char *pv = json_string_value(json_object_get(p, "version"));
				const char *ps = json_string_value(json_object_get(p, "sha256"));

				snprintf(res->previous_version, sizeof(res->previous_version), "%s",
					 pv ? pv : "");
				snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s",
					 ps ? ps : "");
			}
			rc = 0;
			goto done;
		}
		snprintf(res->previous_version, sizeof(res->previous_version), "%s", v);
		snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s", s);
		prev = json_object();
		json_object_set_new(prev, "version", json_string(v));
		json_object_set_new(prev, "sha256", json_string(s));
	}
	if (keep) {
		json_decref(prev);
		prev = json_deep_copy(keep);
	}
	next = registry_channel_doc(o, it, channel, when, prev, err);
	prev = NULL;	/* taken by registry_channel_doc */
	if (!next)
		goto done;
	if (!(text = artifact_dumps(next))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot serialise the channel");
		goto done;
	}
	put = x->ops->put(x->c, key, text, strlen(text),
			  !x->ops->conditional ? STORE_ANY :
			  found && etag[0] ? STORE_IF_MATCH : found ? STORE_ANY : STORE_IF_ABSENT,
			  etag, sha, err);
	if (put < 0)
		goto done;
	if (put > 0) {
		err_set(err, MLCI_EXIT_TEMPFAIL, where,
			"moved by another deploy meanwhile; try again");
		goto done;
	}
	snprintf(res->channel_action, sizeof(res->channel_action), "moved");
	rc = 0;
done:
	json_decref(prev);
	json_decref(next);
	json_decref(old);
	free(text);
	free(key);
	buf_release(&cur);
	buf_release(&file);
	return rc;
}

/* The channel move_channel will read, checked before anything is
 * published (a broken channel must not leave a new version behind). */
static int channel_readable(const struct ctx *x, const char *name, const char *channel,
			    struct mlci_err *err)
{
	struct buf file, cur;
	char *key = NULL, etag[160], where[1024];
	json_t *j = NULL;
	const char *v, *s;
	int found = 0, rc = -1;

	buf_init(&file);
	buf_init(&cur);
	if (buf_printf(&file, "%s.json", channel) < 0 ||
	    !(key = key_of(name, "channels", file.data))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	x->ops->where(x->c, key, where, sizeof(where));
	if (x->ops->get(x->c, key, &cur, &found, etag, err) < 0 ||
	    (found && channel_parse(&cur, where, &j, &v, &s, err) < 0))
		goto done;
	rc = 0;
done:
	json_decref(j);
	free(key);
	buf_release(&cur);
	buf_release(&file);
	return rc;
}

/* After a put of the tarball: the store's checksum, or the bytes read
 * back, must be the package's. */
static int verify_stored(const struct ctx *x, const struct registry_item *it,
			 const char *key, const char *server_sha, const char *where,
			 struct mlci_err *err)
{
	char got[SHA256_HEX_LEN + 1] = "", etag[160];
	struct buf b;
	int found = 0;

	if (server_sha[0]) {
		snprintf(got, sizeof(got), "%s", server_sha);
	} else if (x->ops->read_back) {
		buf_init(&b);
		if (x->ops->get(x->c, key, &b, &found, etag, err) < 0) {
			buf_release(&b);
			return -1;
		}
		if (found)
			sha256_buf(b.data ? b.data : "", b.len, got);
		buf_release(&b);
		if (!found)
			return err_set(err, MLCI_EXIT_IOERR, where,
				       "stored, but not there when read back");
	} else {
		return 0;
	}
	if (strcmp(got, it->sha256))
		return err_set(err, MLCI_EXIT_IOERR, where,
			       "stored bytes have sha256 %.12s..., the package %.12s...",
			       got, it->sha256);
	return 0;
}

int store_publish(const struct store_ops *ops, void *ctx,
		  const struct registry_opts *opts,
		  const struct registry_item *it, const char *channel,
		  struct registry_result *res, struct mlci_err *err)
{
	struct ctx x = { ops, ctx };
	char when[32], got[SHA256_HEX_LEN + 1], where[1024] = "", sha[SHA256_HEX_LEN + 1];
	char *key = NULL;
	struct buf tarname;
	int rc = -1, have, put;

	buf_init(&tarname);
	if (buf_printf(&tarname, "%s-%s%s", it->name, it->version,
		       it->suffix ? it->suffix : ".tar.gz") < 0 ||
	    !(key = key_of(it->name, it->version, tarname.data))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (artifact_time(when, NULL, err) < 0)
		goto done;
	if (channel && channel_readable(&x, it->name, channel, err) < 0)
		goto done;
	if ((have = find_version(&x, it, tarname.data, got, where, err)) < 0)
		goto done;
	snprintf(res->location, sizeof(res->location), "%s", where);
	if (!have) {
		sha[0] = '\0';
		put = ops->put(ctx, key, it->archive, it->archive_size,
			       ops->conditional ? STORE_IF_ABSENT : STORE_ANY, NULL, sha, err);
		if (put < 0)
			goto done;
		if (put > 0) {	/* another deploy stored this version first */
			if ((have = find_version(&x, it, tarname.data, got, where, err)) < 0)
				goto done;
			if (!have) {
				err_set(err, MLCI_EXIT_TEMPFAIL, where,
					"the store refused the write but holds no such object; try again");
				goto done;
			}
		} else {
			if (verify_stored(&x, it, key, sha, where, err) < 0 ||
			    put_others(&x, it, 0, err) < 0)
				goto done;
			snprintf(res->action, sizeof(res->action), "created");
			if (history_event(&x, "publish", when, it, NULL, res, 0, err) < 0)
				goto done;
		}
	}
	if (have) {
		if (strcmp(got, it->sha256)) {
			err_set(err, MLCI_EXIT_VERDICT, where,
				"version already published with different bytes (sha256 %.12s..., this package %.12s...); versions are immutable",
				got, it->sha256);
			goto done;
		}
		snprintf(res->action, sizeof(res->action), "unchanged");
		if (put_others(&x, it, 1, err) < 0 ||
		    history_event(&x, "publish", when, it, NULL, res, 1, err) < 0)
			goto done;
	}
	if (channel) {
		if (move_channel(&x, opts, it, channel, when, res, err) < 0)
			goto done;
		if (history_event(&x, "channel", when, it, channel, res,
				  strcmp(res->channel_action, "moved") != 0, err) < 0)
			goto done;
	}
	rc = 0;
done:
	free(key);
	buf_release(&tarname);
	return rc;
}

/* ---- channel moves ---------------------------------------------------- */

int store_move(const struct store_ops *ops, void *ctx,
	       const struct registry_opts *opts, const struct registry_move *mv,
	       struct registry_result *res, struct mlci_err *err)
{
	struct ctx x = { ops, ctx };
	const char *src = mv->op == REGISTRY_PROMOTE ? mv->from : mv->channel;
	char *ckey = NULL, *hkey = NULL, *vkey = NULL, etag[160], where[1024];
	char when[32], ver[160], sha[SHA256_HEX_LEN + 1], what[200];
	struct buf file, cur, hist;
	json_t *ch = NULL, *keep = NULL, *line = NULL;
	const char *v, *s;
	struct registry_item it;
	int found, rc = -1;

	buf_init(&file);
	buf_init(&cur);
	buf_init(&hist);
	if (buf_printf(&file, "%s.json", src) < 0 ||
	    !(ckey = key_of(mv->name, "channels", file.data)) ||
	    !(hkey = key_of(mv->name, "history.jsonl", NULL)))
		goto oom;
	if (artifact_time(when, NULL, err) < 0)
		goto done;
	ops->where(ctx, ckey, where, sizeof(where));
	if (ops->get(ctx, ckey, &cur, &found, etag, err) < 0)
		goto done;
	if (!found) {
		int hfound;

		if (ops->get(ctx, hkey, &hist, &hfound, etag, err) < 0)
			goto done;
		if (!hfound)
			err_set(err, MLCI_EXIT_NOINPUT, where, "no package '%s' in this registry",
				mv->name);
		else
			err_set(err, MLCI_EXIT_NOINPUT, where, "package '%s' has no channel '%s'",
				mv->name, src);
		goto done;
	}
	if (channel_parse(&cur, where, &ch, &v, &s, err) < 0)
		goto done;
	snprintf(what, sizeof(what), "channel '%s'", src);
	if (registry_check_pointer(v, s, where, what, err) < 0)
		goto done;
	snprintf(ver, sizeof(ver), "%s", v);
	snprintf(sha, sizeof(sha), "%s", s);
	if (mv->op == REGISTRY_ROLLBACK) {
		const char *pv, *ps;

		if (registry_rollback_to(json_object_get(ch, "previous"), mv, ver, where,
					 &pv, &ps, err) < 0)
			goto done;
		snprintf(ver, sizeof(ver), "%s", pv);
		snprintf(sha, sizeof(sha), "%s", ps);
		if (ops->get(ctx, hkey, &hist, &found, etag, err) < 0)
			goto done;
		{
			json_t *recs = registry_history_parse(hist.data, hist.len);

			if (!recs)
				goto oom;
			keep = registry_forward_previous(recs, mv->channel, ver);
			json_decref(recs);
		}
		if (!keep && !(keep = json_null()))
			goto oom;
	}
	if (!(vkey = key_of(mv->name, ver, "manifest.json")))
		goto oom;
	buf_reset(&cur);
	if (ops->get(ctx, vkey, &cur, &found, etag, err) < 0)
		goto done;
	if (!found) {
		ops->where(ctx, vkey, where, sizeof(where));
		err_set(err, MLCI_EXIT_DATAERR, where,
			"channel '%s' names version %s, which is not in the registry", src, ver);
		goto done;
	}
	ops->where(ctx, vkey, where, sizeof(where));
	memset(&it, 0, sizeof(it));
	it.name = mv->name;
	it.version = ver;
	it.sha256 = sha;
	snprintf(res->action, sizeof(res->action), "%s",
		 mv->op == REGISTRY_PROMOTE ? "promoted" : "rolled-back");
	{
		char *slash = strrchr(where, '/');	/* the version, not its manifest */

		if (slash)
			*slash = '\0';
		snprintf(res->location, sizeof(res->location), "%s", where);
	}
	snprintf(res->version, sizeof(res->version), "%s", ver);
	snprintf(res->sha256, sizeof(res->sha256), "%s", sha);
	if (move_channel_keep(&x, opts, &it, mv->channel, when, keep, res, err) < 0)
		goto done;
	if (!strcmp(res->channel_action, "moved")) {
		const char *event = mv->op == REGISTRY_PROMOTE ? "promote" : "rollback";

		if (!(line = registry_history_line(event, when, &it, mv->channel, res)))
			goto oom;
		if (mv->op == REGISTRY_PROMOTE)
			json_object_set_new(line, "from_channel", json_string(mv->from));
		if (history_append(&x, mv->name, line, 0, event, mv->channel, ver, err) < 0)
			goto done;
	}
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	json_decref(line);
	json_decref(keep);
	json_decref(ch);
	free(vkey);
	free(hkey);
	free(ckey);
	buf_release(&hist);
	buf_release(&cur);
	buf_release(&file);
	return rc;
}
