/*
 * registry_http.c - the http:// and https:// registry: a WebDAV server
 * (PUT, GET, HEAD, DELETE, MKCOL, MOVE), e.g. nginx with dav_methods.
 *
 * Layout under BASE, the same files as a dir:// registry where WebDAV
 * allows it (see registry.h):
 *   BASE/NAME/VER/NAME-VER.tar.gz       (+ manifest.json, provenance files)
 *   BASE/NAME/channels/CHANNEL.json     kind mlci.channel, as dir://
 *   BASE/NAME/history/NNNNNNNN/event.json  one history record per event
 *                                       (the same object as a history.jsonl line)
 *   BASE/NAME/history/next              a hint: where the next claim starts
 *   BASE/NAME/history/published/VER     VER's publish record's number
 *   BASE/NAME/.staging/VER-RANDOM/      a version being uploaded
 *
 * There is no lock. What keeps two writers apart:
 *  - A version is uploaded into a staging collection of its own (a random
 *    name nobody else writes), each file read back and its sha256 compared,
 *    then moved into place with MOVE and "Overwrite: F": the server refuses
 *    (412) when NAME/VER exists, and a rename onto a non-empty directory
 *    fails, so of two racing writers one wins and the other compares bytes.
 *  - A history record claims its sequence number with MKCOL, which fails
 *    (405) when the collection exists: two writers never get the same
 *    number, so a record is never overwritten, and it is written once,
 *    whole, inside its claim, and read back. A writer killed between the
 *    claim and the record leaves an empty claim: a reader walks 1, 2, ...
 *    and skips a claim without event.json, stopping at the first number
 *    never claimed (a 404 for NNNNNNNN/ itself).
 *  - The channel pointer is written last, after its history record: every
 *    state a channel is seen in has a record. Two racing moves leave the
 *    pointer at one of them (last writer wins), never a torn file: the
 *    server writes a PUT to a temporary and renames it.
 * As for dir://, a publish whose record was not written (the run failed
 * after the MOVE) gets its record, marked "recovered", when the same
 * package is deployed again: history/published/VER, written after the
 * record, says whether it was. (Two deploys racing on a version whose
 * creator has not written its record yet may both write one: the later,
 * marked recovered, is a duplicate, never a loss.) An unchanged channel
 * needs no such repair: every pointer was written after its record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "artifact.h"
#include "hash.h"
#include "http.h"
#include "registry_impl.h"
#include "util.h"

#define HISTORY_SCAN_MAX 1000000L	/* sequence numbers a scan walks at most */
#define SMALL_MAX ((size_t)16 << 20)	/* cap on a channel or history body */

struct http_state {
	char *base;		/* as given, no trailing '/', may hold userinfo */
	char *dest_base;	/* the same without userinfo (Destination headers) */
	char *shown;		/* redacted, no trailing '/': for messages, location */
	uint64_t rng;
	struct http_stats *stats;
};

static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static char *trim_slashes(char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *auth = s ? strstr(s, "://") : NULL;
	size_t min = auth ? (size_t)(auth - s) + 3 : 0;

	while (n > min && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

int registry_http_open(struct registry *r, const char *rest, struct mlci_err *err)
{
	struct http_state *s;
	struct timespec ts;

	if (strpbrk(rest, "?#"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: an http(s):// registry takes no query (?...) or fragment (#...)",
			       r->url);
	if (!rest[0] || rest[0] == '/' || rest[0] == '@')
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: no host (expected http(s)://host[:port]/path)", r->url);
	if (http_check_url(r->raw_url, err) < 0) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return err_set(err, MLCI_EXIT_USAGE, NULL, "--to %s: %s", r->url, why);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	r->state = s;
	s->base = trim_slashes(strdup(r->raw_url));
	s->dest_base = trim_slashes(http_url_without_credentials(r->raw_url));
	s->shown = trim_slashes(strdup(r->url));
	if (!s->base || !s->dest_base || !s->shown)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	clock_gettime(CLOCK_REALTIME, &ts);
	s->rng = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^
		 ((uint64_t)getpid() << 20) ^ (uint64_t)(uintptr_t)s;
	return 0;
}

void registry_http_close(struct registry *r)
{
	struct http_state *s = r->state;

	if (s) {
		free(s->base);
		free(s->dest_base);
		free(s->shown);
	}
	free(s);
	r->state = NULL;
}

/* ---- requests -------------------------------------------------------- */

/* method BASE/path; 0 with resp filled (any final status), -1 on error. */
static int req(struct registry *r, const char *method, const char *path,
	       const char *const *headers, const void *body, size_t n,
	       size_t max, struct http_response *resp, struct mlci_err *err)
{
	struct http_state *s = r->state;
	struct http_request rq;
	struct buf url;
	int rc;

	buf_init(&url);
	if (buf_printf(&url, "%s/%s", s->base, path) < 0) {
		buf_release(&url);
		memset(resp, 0, sizeof(*resp));
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.url = url.data;
	rq.headers = headers;
	rq.body = body ? body : (n == 0 && !strcmp(method, "PUT") ? "" : NULL);
	rq.body_size = n;
	rq.max_response = max ? max : SMALL_MAX;
	rc = http_request(&rq, &r->opts.http, resp, s->stats, err);
	buf_release(&url);
	return rc;
}

/* The error for an unexpected status of method on BASE/path. */
static int status_err(struct registry *r, const char *method, const char *path,
		      long status, const char *what, struct mlci_err *err)
{
	struct http_state *s = r->state;
	struct buf url;
	int rc;

	buf_init(&url);
	buf_printf(&url, "%s/%s", s->base, path);
	rc = http_status_err(method, url.data ? url.data : s->base, status, what, err);
	buf_release(&url);
	return rc;
}

/* GET path into body (may be NULL: HEAD): 1 there, 0 absent (404), -1. */
static int fetch(struct registry *r, const char *path, struct buf *body,
		 size_t max, struct mlci_err *err)
{
	struct http_response resp;
	int rc;

	if (req(r, body ? "GET" : "HEAD", path, NULL, NULL, 0, max, &resp, err) < 0) {
		http_response_release(&resp);
		return -1;
	}
	if (resp.status == 200) {
		rc = 1;
		if (body) {
			buf_release(body);
			*body = resp.body;
			buf_init(&resp.body);
		}
	} else if (resp.status == 404) {
		rc = 0;
	} else {
		rc = status_err(r, body ? "GET" : "HEAD", path, resp.status, NULL, err);
	}
	http_response_release(&resp);
	return rc;
}

static int put_once(struct registry *r, const char *path, const void *data,
		    size_t n, struct mlci_err *err)
{
	static const char *const hd[] = { "Content-Type: application/octet-stream", NULL };
	struct http_response resp;
	int rc = 0;

	if (req(r, "PUT", path, hd, data, n, 0, &resp, err) < 0)
		rc = -1;
	else if (resp.status != 200 && resp.status != 201 && resp.status != 204)
		rc = status_err(r, "PUT", path, resp.status, NULL, err);
	http_response_release(&resp);
	return rc;
}

/* PUT path, then GET it back and compare sha256; a mismatch (or the
 * object missing) uploads again, up to the retry budget, then 75. */
static int put_verified(struct registry *r, const char *path, const void *data,
			size_t n, struct mlci_err *err)
{
	char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
	int tries = r->opts.http.retries < 0 ? 1 :
		    (r->opts.http.retries ? r->opts.http.retries : HTTP_DEFAULT_RETRIES) + 1;
	int i, there = 0;
	struct buf back;

	sha256_buf(data, n, want);
	buf_init(&back);
	for (i = 0; i < tries; i++) {
		if (put_once(r, path, data, n, err) < 0 ||
		    (there = fetch(r, path, &back, n + (1 << 20), err)) < 0) {
			buf_release(&back);
			return -1;
		}
		if (there) {
			sha256_buf(back.data ? back.data : "", back.len, got);
			if (!strcmp(got, want))
				break;
		}
	}
	buf_release(&back);
	if (i == tries) {
		struct http_state *s = r->state;

		return err_set(err, MLCI_EXIT_TEMPFAIL, s->shown,
			       "%s: read back %s after %d upload%s", path,
			       there ? "with another sha256" : "missing", tries,
			       tries == 1 ? "" : "s");
	}
	return 0;
}

/* MKCOL path (ending in '/'): 1 created, 0 there already (405), 2 its
 * parent is missing (409), -1. */
static int mkcol(struct registry *r, const char *path, struct mlci_err *err)
{
	struct http_response resp;
	int rc;

	if (req(r, "MKCOL", path, NULL, NULL, 0, 0, &resp, err) < 0)
		rc = -1;
	else if (resp.status == 201)
		rc = 1;
	else if (resp.status == 405)
		rc = 0;
	else if (resp.status == 409)
		rc = 2;
	else
		rc = status_err(r, "MKCOL", path, resp.status, NULL, err);
	http_response_release(&resp);
	return rc;
}

static void delete_quietly(struct registry *r, const char *path)
{
	static const char *const hd[] = { "Depth: infinity", NULL };
	struct http_response resp;
	struct mlci_err ignored = {0};
	int retries = r->opts.http.retries;

	r->opts.http.retries = -1;	/* clean-up: one attempt, no waiting */
	req(r, "DELETE", path, hd, NULL, 0, 0, &resp, &ignored);
	http_response_release(&resp);
	r->opts.http.retries = retries;
}

/* ---- versions -------------------------------------------------------- */

/* The sha256 of BASE/path into got: 1 there, 0 absent, -1 error. */
static int stored_sha(struct registry *r, const char *path, size_t max,
		      char got[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	struct buf body;
	int rc;

	buf_init(&body);
	rc = fetch(r, path, &body, max, err);
	if (rc == 1)
		sha256_buf(body.data ? body.data : "", body.len, got);
	buf_release(&body);
	return rc;
}

/* Version NAME/VER exists: compare its tarball with the item. 1 same, 0
 * different (err set, 1), -1 error (a version without a tarball: 65). */
static int compare_version(struct registry *r, const struct registry_item *it,
			   const char *tarname, struct mlci_err *err)
{
	struct http_state *s = r->state;
	char got[SHA256_HEX_LEN + 1];
	struct buf p;
	size_t max = 2 * it->archive_size + (1 << 20);
	int there, i;
	static const char *const suffixes[] = { ".tar.gz", ".tar.zst" };

	buf_init(&p);
	if (buf_printf(&p, "%s/%s/%s", it->name, it->version, tarname) < 0)
		goto oom;
	there = stored_sha(r, p.data, max, got, err);
	for (i = 0; there == 0 && i < 2; i++) {
		buf_reset(&p);
		if (buf_printf(&p, "%s/%s/%s-%s%s", it->name, it->version, it->name,
			       it->version, suffixes[i]) < 0)
			goto oom;
		if (strcmp(p.data + strlen(it->name) + strlen(it->version) + 2, tarname))
			there = stored_sha(r, p.data, max, got, err);
	}
	buf_release(&p);
	if (there < 0)
		return -1;
	if (there == 0)
		return err_set(err, MLCI_EXIT_DATAERR, s->shown,
			       "damaged registry entry: %s/%s exists but holds no %s",
			       it->name, it->version, tarname);
	if (strcmp(got, it->sha256)) {
		err_set(err, MLCI_EXIT_VERDICT, s->shown,
			"%s/%s: version already published with different bytes (sha256 %.12s..., this package %.12s...); versions are immutable",
			it->name, it->version, got, it->sha256);
		return 0;
	}
	return 1;
oom:
	buf_release(&p);
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

/*
 * Upload the item into a fresh staging collection and MOVE it to
 * NAME/VER. *created: 1 when this run's MOVE put it there, 0 when an
 * identical version was there already. Different bytes there: 1.
 */
static int put_version(struct registry *r, const struct registry_item *it,
		       const char *tarname, int *created, struct mlci_err *err)
{
	struct http_state *s = r->state;
	struct buf stage, p, dest;
	const char *hd[3];
	struct http_response resp;
	long status;
	int rc = -1, same;

	*created = 0;
	buf_init(&stage);
	buf_init(&p);
	buf_init(&dest);
	if (buf_printf(&stage, "%s/.staging/%s-%016llx/", it->name, it->version,
		       (unsigned long long)next_rand(&s->rng)) < 0)
		goto oom;
#define STAGE(file_, bytes_, size_) \
	(buf_reset(&p), buf_printf(&p, "%s%s", stage.data, (file_)) < 0 ? \
	 err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory") : \
	 put_verified(r, p.data, (bytes_), (size_), err))
	if (STAGE(tarname, it->archive, it->archive_size) < 0 ||
	    STAGE("manifest.json", it->manifest, it->manifest_size) < 0 ||
	    (it->provenance &&
	     STAGE("provenance.json", it->provenance, it->provenance_size) < 0) ||
	    (it->envelope &&
	     STAGE("provenance.intoto.jsonl", it->envelope, it->envelope_size) < 0))
		goto done;
#undef STAGE
	if (buf_printf(&dest, "Destination: %s/%s/%s/", s->dest_base, it->name,
		       it->version) < 0)
		goto oom;
	hd[0] = dest.data;
	hd[1] = "Overwrite: F";
	hd[2] = NULL;
	if (req(r, "MOVE", stage.data, hd, NULL, 0, 0, &resp, err) < 0) {
		http_response_release(&resp);
		goto done;
	}
	status = resp.status;
	http_response_release(&resp);
	if (status == 201 || status == 204) {
		*created = 1;
		rc = 0;
		goto done;
	}
	if (status != 412 && status != 404) {
		status_err(r, "MOVE", stage.data, status, "moving the version into place",
			   err);
		goto done;
	}
	/* 412: NAME/VER is there. 404: the staging collection is gone. Either
	 * way, an earlier attempt of this MOVE whose answer was lost may have
	 * done it: the staging tarball tells. */
	if ((same = compare_version(r, it, tarname, err)) <= 0)
		goto done;
	buf_reset(&p);
	if (buf_printf(&p, "%s%s", stage.data, tarname) < 0)
		goto oom;
	if ((same = fetch(r, p.data, NULL, 0, err)) < 0)
		goto done;
	*created = !same;
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	if (!*created && stage.data)
		delete_quietly(r, stage.data);
	buf_release(&dest);
	buf_release(&p);
	buf_release(&stage);
	return rc;
}

/* ---- history --------------------------------------------------------- */

long registry_http_hint(const char *text, size_t n)
{
	char num[24], *end;
	size_t i = 0, k = 0;
	long v;

	/* strtol's view of the text: blanks, a sign, digits */
	while (i < n && k + 1 < sizeof(num) && text[i] != '\0')
		num[k++] = text[i++];
	num[k] = '\0';
	v = strtol(num, &end, 10);
	return end == num || v < 1 || v > HISTORY_SCAN_MAX ? 1 : v;
}

/* Claim the next free sequence number of name's history (MKCOL): *n. */
static int history_claim(struct registry *r, const char *name, long *n,
			 struct mlci_err *err)
{
	struct buf p, hint;
	long stop;
	int rc = -1, got, made_parents = 0;

	buf_init(&p);
	buf_init(&hint);
	*n = 1;
	if (buf_printf(&p, "%s/history/next", name) < 0)
		goto oom;
	if ((got = fetch(r, p.data, &hint, 64, err)) < 0)
		goto done;
	if (got)
		*n = registry_http_hint(hint.data, hint.len);
	for (stop = *n + HISTORY_SCAN_MAX; *n < stop; ++*n) {
		buf_reset(&p);
		if (buf_printf(&p, "%s/history/%08ld/", name, *n) < 0)
			goto oom;
		if ((got = mkcol(r, p.data, err)) < 0)
			goto done;
		if (got == 2 && !made_parents) {
			/* no NAME/history/ yet: make it, then claim again */
			made_parents = 1;
			buf_reset(&p);
			if (buf_printf(&p, "%s/", name) < 0)
				goto oom;
			if (mkcol(r, p.data, err) < 0)
				goto done;
			if (buf_addstr(&p, "history/") < 0)
				goto oom;
			if (mkcol(r, p.data, err) < 0)
				goto done;
			--*n;
			continue;
		}
		if (got == 2) {
			status_err(r, "MKCOL", p.data, 409, "claiming a history record", err);
			goto done;
		}
		if (got == 1) {
			rc = 0;
			goto done;
		}
	}
	err_set(err, MLCI_EXIT_IOERR, ((struct http_state *)r->state)->shown,
		"%s/history: no free sequence number", name);
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	buf_release(&hint);
	buf_release(&p);
	return rc;
}

/*
 * Record line as the next history record of name: claim a number, write
 * the record into it (read back), move the hint on. marker (may be NULL):
 * a path written last with the record's number, so that "is this
 * recorded?" is one request.
 */
static int history_add(struct registry *r, const char *name, json_t *line,
		       const char *marker, struct mlci_err *err)
{
	struct buf p, body, num;
	char *text = json_dumps(line, JSON_SORT_KEYS | JSON_COMPACT);
	long n;
	int rc = -1;

	buf_init(&p);
	buf_init(&body);
	buf_init(&num);
	if (!text || buf_printf(&body, "%s\n", text) < 0)
		goto oom;
	if (history_claim(r, name, &n, err) < 0)
		goto done;
	if (buf_printf(&p, "%s/history/%08ld/event.json", name, n) < 0)
		goto oom;
	if (put_verified(r, p.data, body.data, body.len, err) < 0)
		goto done;
	/* the hint only speeds the next claim up: its failure is no error */
	buf_reset(&p);
	if (buf_printf(&p, "%s/history/next", name) < 0 ||
	    buf_printf(&num, "%ld\n", n + 1) < 0)
		goto oom;
	{
		struct mlci_err ignored = {0};

		put_once(r, p.data, num.data, num.len, &ignored);
	}
	buf_reset(&num);
	if (marker && (buf_printf(&num, "%08ld\n", n) < 0 ||
		       put_once(r, marker, num.data, num.len, err) < 0))
		goto done;
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	free(text);
	buf_release(&num);
	buf_release(&body);
	buf_release(&p);
	return rc;
}

static int add_event(struct registry *r, const char *event, const char *when,
		     const struct registry_item *it, const char *channel,
		     const struct registry_result *res, int recovered,
		     const char *marker, struct mlci_err *err)
{
	json_t *line = registry_history_line(event, when, it, channel, res);
	int rc;

	if (!line)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (recovered)
		json_object_set_new(line, "recovered", json_true());
	rc = history_add(r, it->name, line, marker, err);
	json_decref(line);
	return rc;
}

/* ---- channels -------------------------------------------------------- */

int registry_http_channel_parse(const char *text, size_t n, const char *shown,
				const char *path, json_t **cur, struct mlci_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text ? text : "", text ? n : 0, JSON_REJECT_DUPLICATES, &je);
	const char *k = json_string_value(json_object_get(j, "kind"));

	*cur = NULL;
	if (!j || !k || strcmp(k, KIND_CHANNEL) ||
	    !json_is_integer(json_object_get(j, "schema_version")) ||
	    json_integer_value(json_object_get(j, "schema_version")) > SCHEMA_CHANNEL ||
	    !json_is_string(json_object_get(j, "version")) ||
	    !json_is_string(json_object_get(j, "sha256"))) {
		json_decref(j);
		return err_set(err, MLCI_EXIT_DATAERR, shown,
			       "%s: damaged channel file (not an mlci.channel with version and sha256)",
			       path);
	}
	*cur = j;
	return 0;
}

/* The channel pointer now: *cur NULL when there is none. */
static int channel_get(struct registry *r, const char *path, json_t **cur,
		       struct mlci_err *err)
{
	struct http_state *s = r->state;
	struct buf body;
	int got;

	*cur = NULL;
	buf_init(&body);
	if ((got = fetch(r, path, &body, SMALL_MAX, err)) <= 0) {
		buf_release(&body);
		return got;
	}
	got = registry_http_channel_parse(body.data, body.len, s->shown, path, cur, err);
	buf_release(&body);
	return got;
}

/* ---- publish --------------------------------------------------------- */

int registry_http_publish(struct registry *r, const struct registry_item *it,
			  const char *channel, struct registry_result *res,
			  struct mlci_err *err)
{
	struct http_state *s = r->state;
	struct buf tarname, cpath;
	json_t *cur = NULL, *next = NULL;
	char when[32];
	struct buf marker;
	int rc = -1, created = 0, same, published = 0, moving = 0;

	s->stats = &res->http;
	buf_init(&tarname);
	buf_init(&cpath);
	buf_init(&marker);
	if (buf_printf(&tarname, "%s-%s%s", it->name, it->version,
		       it->suffix ? it->suffix : ".tar.gz") < 0 ||
	    buf_printf(&marker, "%s/history/published/%s", it->name, it->version) < 0 ||
	    (channel && buf_printf(&cpath, "%s/channels/%s.json", it->name, channel) < 0)) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (artifact_time(when, NULL, err) < 0)
		goto done;
	snprintf(res->location, sizeof(res->location), "%s/%s/%s", s->shown, it->name,
		 it->version);
	/* a damaged channel must not leave a new version behind a failed deploy */
	if (channel && channel_get(r, cpath.data, &cur, err) < 0)
		goto done;
	{
		struct buf p;
		int there;

		buf_init(&p);
		there = buf_printf(&p, "%s/%s/%s", it->name, it->version, tarname.data) < 0 ?
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory") :
			fetch(r, p.data, NULL, 0, err);
		buf_release(&p);
		if (there < 0)
			goto done;
		if (there) {
			if ((same = compare_version(r, it, tarname.data, err)) <= 0)
				goto done;
		} else if (put_version(r, it, tarname.data, &created, err) < 0) {
			goto done;
		}
	}
	snprintf(res->action, sizeof(res->action), "%s", created ? "created" : "unchanged");
	if (channel) {
		const char *v = json_string_value(json_object_get(cur, "version"));
		const char *h = json_string_value(json_object_get(cur, "sha256"));

		moving = !cur || strcmp(v, it->version) || strcmp(h, it->sha256);
		if (!moving) {
			json_t *p = json_object_get(cur, "previous");

			if (json_is_object(p)) {
				snprintf(res->previous_version, sizeof(res->previous_version), "%s",
					 json_string_value(json_object_get(p, "version")) ?
					 json_string_value(json_object_get(p, "version")) : "");
				snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s",
					 json_string_value(json_object_get(p, "sha256")) ?
					 json_string_value(json_object_get(p, "sha256")) : "");
			}
		} else if (cur) {
			snprintf(res->previous_version, sizeof(res->previous_version), "%s", v);
			snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s", h);
		}
	}
	/* the publish record: written by the run whose MOVE stored the
	 * version, or, when that run failed before writing it, by the next
	 * run that finds the version there (marked recovered) */
	if (!created && (published = fetch(r, marker.data, NULL, 0, err)) < 0)
		goto done;
	if (!published &&
	    add_event(r, "publish", when, it, NULL, res, !created, marker.data, err) < 0)
		goto done;
	/* every pointer a channel ever held was written after its record:
	 * an unchanged channel needs none */
	if (channel && !moving) {
		snprintf(res->channel_action, sizeof(res->channel_action), "unchanged");
	} else if (channel) {
		json_t *prev = NULL;
		char *text;
		int prc;

		if (add_event(r, "channel", when, it, channel, res, 0, NULL, err) < 0)
			goto done;
		if (cur) {
			prev = json_object();
			json_object_set_new(prev, "version", json_string(res->previous_version));
			json_object_set_new(prev, "sha256", json_string(res->previous_sha256));
		}
		if (!(next = registry_channel_doc(&r->opts, it, channel, when, prev, err)))
			goto done;
		if (!(text = artifact_dumps(next))) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot serialise the channel");
			goto done;
		}
		prc = put_once(r, cpath.data, text, strlen(text), err);
		free(text);
		if (prc < 0)
			goto done;
		snprintf(res->channel_action, sizeof(res->channel_action), "moved");
	}
	rc = 0;
done:
	json_decref(next);
	json_decref(cur);
	buf_release(&marker);
	buf_release(&cpath);
	buf_release(&tarname);
	s->stats = NULL;
	return rc;
}

/* ---- channel moves ---------------------------------------------------- */

/*
 * What the last forward move of channel to version (a "channel" or
 * "promote" record, not a rollback) recorded as previous, as {version,
 * sha256} (the sha256 from that version's publish record), or NULL; the
 * records are walked 1, 2, ... as the layout above says.
 */
static int http_forward_previous(struct registry *r, const char *name,
				 const char *channel, const char *version,
				 json_t **out, struct mlci_err *err)
{
	json_t *recs = json_array();
	struct buf p, body;
	long n;
	int rc = -1, got;

	*out = NULL;
	buf_init(&p);
	buf_init(&body);
	if (!recs)
		goto oom;
	for (n = 1; n <= HISTORY_SCAN_MAX; n++) {
		buf_reset(&p);
		if (buf_printf(&p, "%s/history/%08ld/event.json", name, n) < 0)
			goto oom;
		if ((got = fetch(r, p.data, &body, SMALL_MAX, err)) < 0)
			goto done;
		if (got) {
			json_t *l = json_loadb(body.data ? body.data : "", body.len, 0, NULL);

			if (l)	/* unparsable: skipped, as dir:// skips a line */
				json_array_append_new(recs, l);
			continue;
		}
		/* no record: an empty claim (skipped) or the end, where the
		 * collection itself is not found (a collection that exists
		 * may answer 403, having no index to show) */
		buf_reset(&p);
		if (buf_printf(&p, "%s/history/%08ld/", name, n) < 0)
			goto oom;
		{
			struct http_response resp;
			long st;

			if (req(r, "HEAD", p.data, NULL, NULL, 0, 0, &resp, err) < 0) {
				http_response_release(&resp);
				goto done;
			}
			st = resp.status;
			http_response_release(&resp);
			if (st == 404)
				break;
		}
	}
	*out = registry_forward_previous(recs, channel, version);
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	json_decref(recs);
	buf_release(&body);
	buf_release(&p);
	return rc;
}

int registry_http_move(struct registry *r, const struct registry_move *mv,
		       struct registry_result *res, struct mlci_err *err)
{
	struct http_state *s = r->state;
	const char *src = mv->op == REGISTRY_PROMOTE ? mv->from : mv->channel;
	struct buf spath, cpath, probe;
	json_t *from = NULL, *cur = NULL, *keep = NULL, *next = NULL;
	struct registry_item it;
	char when[32], ver[160], sha[SHA256_HEX_LEN + 1], what[200];
	int rc = -1, got;

	s->stats = &res->http;
	buf_init(&spath);
	buf_init(&cpath);
	buf_init(&probe);
	if (buf_printf(&spath, "%s/channels/%s.json", mv->name, src) < 0 ||
	    buf_printf(&cpath, "%s/channels/%s.json", mv->name, mv->channel) < 0 ||
	    buf_printf(&probe, "%s/history/%08d/event.json", mv->name, 1) < 0)
		goto oom;
	if (artifact_time(when, NULL, err) < 0)
		goto done;
	if (channel_get(r, spath.data, &from, err) < 0)
		goto done;
	if (!from) {
		/* a package has its first history record from its first
		 * publish on (collections cannot be probed: no listing) */
		if ((got = fetch(r, probe.data, NULL, 0, err)) < 0)
			goto done;
		if (!got)
			err_set(err, MLCI_EXIT_NOINPUT, s->shown,
				"no package '%s' in this registry", mv->name);
		else
			err_set(err, MLCI_EXIT_NOINPUT, s->shown,
				"package '%s' has no channel '%s'", mv->name, src);
		goto done;
	}
	snprintf(what, sizeof(what), "channel '%s'", src);
	if (registry_check_pointer(json_string_value(json_object_get(from, "version")),
				   json_string_value(json_object_get(from, "sha256")), s->shown,
				   what, err) < 0)
		goto done;
	snprintf(ver, sizeof(ver), "%s", json_string_value(json_object_get(from, "version")));
	snprintf(sha, sizeof(sha), "%s", json_string_value(json_object_get(from, "sha256")));
	if (mv->op == REGISTRY_ROLLBACK) {
		const char *pv, *ps;

		if (registry_rollback_to(json_object_get(from, "previous"), mv, ver,
					 s->shown, &pv, &ps, err) < 0)
			goto done;
		snprintf(res->previous_version, sizeof(res->previous_version), "%s", ver);
		snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s", sha);
		snprintf(ver, sizeof(ver), "%s", pv);
		snprintf(sha, sizeof(sha), "%s", ps);
		if (http_forward_previous(r, mv->name, mv->channel, ver, &keep, err) < 0)
			goto done;
	} else {
		if (channel_get(r, cpath.data, &cur, err) < 0)
			goto done;
		if (cur) {
			snprintf(res->previous_version, sizeof(res->previous_version), "%s",
				 json_string_value(json_object_get(cur, "version")));
			snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s",
				 json_string_value(json_object_get(cur, "sha256")));
			keep = json_pack("{s:s, s:s}", "version", res->previous_version,
					 "sha256", res->previous_sha256);
		}
	}
	buf_reset(&probe);
	if (buf_printf(&probe, "%s/%s/manifest.json", mv->name, ver) < 0)
		goto oom;
	if ((got = fetch(r, probe.data, NULL, 0, err)) < 0)
		goto done;
	if (!got) {
		err_set(err, MLCI_EXIT_DATAERR, s->shown,
			"channel '%s' names version %s, which is not in the registry", src, ver);
		goto done;
	}
	snprintf(res->action, sizeof(res->action), "%s",
		 mv->op == REGISTRY_PROMOTE ? "promoted" : "rolled-back");
	snprintf(res->location, sizeof(res->location), "%s/%s/%s", s->shown, mv->name, ver);
	snprintf(res->version, sizeof(res->version), "%s", ver);
	snprintf(res->sha256, sizeof(res->sha256), "%s", sha);
	if (cur && !strcmp(res->previous_version, ver) && !strcmp(res->previous_sha256, sha)) {
		/* a promote to where the channel already is */
		const json_t *p = json_object_get(cur, "previous");

		snprintf(res->previous_version, sizeof(res->previous_version), "%s",
			 json_string_value(json_object_get(p, "version")) ?
			 json_string_value(json_object_get(p, "version")) : "");
		snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s",
			 json_string_value(json_object_get(p, "sha256")) ?
			 json_string_value(json_object_get(p, "sha256")) : "");
		snprintf(res->channel_action, sizeof(res->channel_action), "unchanged");
		rc = 0;
		goto done;
	}
	memset(&it, 0, sizeof(it));
	it.name = mv->name;
	it.version = ver;
	it.sha256 = sha;
	{
		json_t *line = registry_history_line(mv->op == REGISTRY_PROMOTE ?
						     "promote" : "rollback",
						     when, &it, mv->channel, res);
		char *text;
		int prc;

		if (!line)
			goto oom;
		if (mv->op == REGISTRY_PROMOTE)
			json_object_set_new(line, "from_channel", json_string(mv->from));
		prc = history_add(r, mv->name, line, NULL, err);
		json_decref(line);
		if (prc < 0)
			goto done;
		/* the pointer last, after its record (as a publish does) */
		if (!(next = registry_channel_doc(&r->opts, &it, mv->channel, when, keep, err))) {
			keep = NULL;
			goto done;
		}
		keep = NULL;	/* owned by next now */
		if (!(text = artifact_dumps(next)))
			goto oom;
		prc = put_once(r, cpath.data, text, strlen(text), err);
		free(text);
		if (prc < 0)
			goto done;
	}
	snprintf(res->channel_action, sizeof(res->channel_action), "moved");
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	json_decref(next);
	json_decref(keep);
	json_decref(cur);
	json_decref(from);
	buf_release(&probe);
	buf_release(&cpath);
	buf_release(&spath);
	s->stats = NULL;
	return rc;
}
