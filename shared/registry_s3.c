/*
 * registry_s3.c - the s3://BUCKET/PREFIX registry: objects under
 * PREFIX/ in BUCKET (the dir:// layout, see registry_store.h), over the
 * S3 REST API (GET, PUT; PUT of a new version with If-None-Match: *,
 * of a channel or the history with If-Match: ETAG), every request signed
 * with AWS Signature Version 4 (sigv4.h) and a signed payload hash.
 *
 * Credentials AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for
 * temporary ones, AWS_SESSION_TOKEN (sent as x-amz-security-token);
 * region AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. Endpoint:
 * --s3-endpoint, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, with
 * path-style addressing (ENDPOINT/BUCKET/KEY); else AWS's
 * https://BUCKET.s3.REGION.amazonaws.com/KEY (path-style on
 * https://s3.REGION.amazonaws.com when the bucket name holds a '.').
 * Answers: 404 is "no such object" (NoSuchBucket: 66); 401 and 403 are 66 naming S3's error
 * code (InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied, ...);
 * 412 (and 409, a conditional write that lost a race) is "someone else
 * wrote first"; other statuses 65; temporary failures as registry_store.h.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "redact.h"
#include "registry_store.h"
#include "sigv4.h"

struct s3 {
	char *bucket;
	char *prefix;		/* no leading or trailing '/', may be "" */
	char *region;
	char *access_key;
	char *secret_key;
	char *token;		/* or NULL */
	char *origin;		/* scheme://host[:port], no trailing '/' */
	char *host;		/* the Host header: host[:port] */
	char *base_path;	/* "" or "/BUCKET" (path-style), after any endpoint path */
	long timeout_ms;
	struct http_policy policy;	/* --retries, --timeout, --retry-wait */
};

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void s3_free(struct s3 *s)
{
	if (!s)
		return;
	free(s->bucket);
	free(s->prefix);
	free(s->region);
	free(s->access_key);
	free_secret(s->secret_key);
	free_secret(s->token);
	free(s->origin);
	free(s->host);
	free(s->base_path);
	free(s);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int bucket_ok(const char *b, size_t n)
{
	size_t i;

	if (n < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') ||
		      b[i] == '.' || b[i] == '-'))
			return 0;
	return b[0] != '.' && b[0] != '-' && b[n - 1] != '.' && b[n - 1] != '-';
}

/* The endpoint's origin, Host header and path (trailing '/' dropped). */
static int parse_endpoint(struct s3 *s, const char *ep, const char *shown,
			  struct mlci_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *user = NULL;
	char *query = NULL;
	struct buf o, h, p;
	int rc = -1;

	buf_init(&o);
	buf_init(&h);
	buf_init(&p);
	if (!u || curl_url_set(u, CURLUPART_URL, ep, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "S3 endpoint '%s' is not an http(s) URL", shown);
		goto done;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"S3 endpoint '%s' takes no user, password or query", shown);
		goto done;
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (buf_printf(&h, "%s%s%s", host, port ? ":" : "", port ? port : "") < 0 ||
	    buf_printf(&o, "%s://%s", scheme, h.data) < 0 ||
	    buf_addstr(&p, path && strcmp(path, "/") ? path : "") < 0)
		goto oom;
	while (p.len && p.data[p.len - 1] == '/')
		p.data[--p.len] = '\0';
	if (buf_addch(&p, '/') < 0 || buf_addstr(&p, s->bucket) < 0)
		goto oom;
	s->origin = buf_detach(&o, NULL);
	s->host = buf_detach(&h, NULL);
	s->base_path = buf_detach(&p, NULL);
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	buf_release(&o);
	buf_release(&h);
	buf_release(&p);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(user);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

int s3_open(struct registry *r, const char *rest, struct mlci_err *err)
{
	const struct registry_opts *o = registry_opts_of(r);
	const char *slash = strchr(rest, '/'), *ep;
	size_t bn = slash ? (size_t)(slash - rest) : strlen(rest), pn;
	struct s3 *s;
	const char *region = env("AWS_REGION") ? env("AWS_REGION") :
			     env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION") : "us-east-1";

	if (strpbrk(rest, "?#@"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: an s3:// registry is s3://BUCKET/PREFIX, with no query, fragment or credentials",
			       registry_url(r));
	if (!bucket_ok(rest, bn))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: '%.*s' is not an S3 bucket name (3 to 63 of a-z 0-9 . -)",
			       registry_url(r), (int)bn, rest);
	if (!env("AWS_ACCESS_KEY_ID") || !env("AWS_SECRET_ACCESS_KEY"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: an s3:// registry needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
			       registry_url(r));
	if (strpbrk(region, "/ \n\r,"))
		return err_set(err, MLCI_EXIT_USAGE, NULL, "AWS_REGION '%s' is not a region name",
			       region);
	if (!(s = calloc(1, sizeof(*s))))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	*registry_state(r) = s;
	s->policy = o->http;
	s->timeout_ms = o->http.timeout > 0 ? (long)(o->http.timeout * 1000) : 30000;
	if (slash)
		slash++;
	else
		slash = "";
	while (*slash == '/')
		slash++;
	pn = strlen(slash);
	while (pn && slash[pn - 1] == '/')
		pn--;
	if (!(s->bucket = strndup(rest, bn)) || !(s->prefix = strndup(slash, pn)) ||
	    !(s->region = strdup(region)) ||
	    !(s->access_key = strdup(env("AWS_ACCESS_KEY_ID"))) ||
	    !(s->secret_key = strdup(env("AWS_SECRET_ACCESS_KEY"))) ||
	    (env("AWS_SESSION_TOKEN") && !(s->token = strdup(env("AWS_SESSION_TOKEN")))))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	ep = o->s3_endpoint && *o->s3_endpoint ? o->s3_endpoint :
	     env("AWS_ENDPOINT_URL_S3") ? env("AWS_ENDPOINT_URL_S3") : env("AWS_ENDPOINT_URL");
	if (ep) {
		char *shown = url_redact(ep);
		int rc = parse_endpoint(s, ep, shown ? shown : "(endpoint)", err);

		free(shown);
		return rc;
	}
	{
		struct buf h;
		int dotted = strchr(s->bucket, '.') != NULL;

		buf_init(&h);
		if ((dotted ? buf_printf(&h, "s3.%s.amazonaws.com", s->region) :
		     buf_printf(&h, "%s.s3.%s.amazonaws.com", s->bucket, s->region)) < 0 ||
		    !(s->host = buf_detach(&h, NULL)) ||
		    buf_printf(&h, "https://%s", s->host) < 0 ||
		    !(s->origin = buf_detach(&h, NULL)) ||
		    buf_printf(&h, "%s%s", dotted ? "/" : "", dotted ? s->bucket : "") < 0 ||
		    !(s->base_path = buf_detach(&h, NULL))) {
			buf_release(&h);
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		}
	}
	return 0;
}

void s3_close(struct registry *r)
{
	s3_free(*registry_state(r));
	*registry_state(r) = NULL;
}

/* The object's path as signed (raw) and the URL (encoded). */
static int object_path(const struct s3 *s, const char *key, struct buf *raw,
		       struct buf *url)
{
	if (buf_printf(raw, "%s/%s%s%s", s->base_path, s->prefix, s->prefix[0] ? "/" : "",
		       key) < 0 || buf_addstr(url, s->origin) < 0 ||
	    sigv4_uri_encode(url, raw->data, raw->len, 1) < 0)
		return -1;
	return 0;
}

static void s3_where(void *ctx, const char *key, char *out, size_t n)
{
	const struct s3 *s = ctx;

	snprintf(out, n, "s3://%s/%s%s%s", s->bucket, s->prefix, s->prefix[0] ? "/" : "", key);
}

void s3_error_code(const char *body, size_t n, char *out, size_t cap)
{
	const char *p = body && n ? memmem(body, n, "<Code>", 6) : NULL, *e;
	size_t i, k = 0;

	if (!cap)
		return;
	out[0] = '\0';
	if (!p)
		return;
	p += 6;
	if (!(e = memmem(p, n - (size_t)(p - body), "</Code>", 7)))
		return;
	for (i = 0; p + i < e && k + 1 < cap; i++)
		if ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9'))
			out[k++] = p[i];
	out[k] = '\0';
}

/* One signed request; resp holds the final answer. */
static int s3_request(const struct s3 *s, const char *method, const char *key,
		      const void *body, size_t n, const char *cond_header,
		      struct regnet_resp *resp, struct mlci_err *err)
{
	struct buf raw, url, lines[8];
	struct sigv4_header h[8];
	struct sigv4_request rq = {0};
	struct sigv4_result sig = {0};
	const char *hl[8];
	char date[17], hash[SHA256_HEX_LEN + 1];
	size_t nh = 0, i;
	int rc = -1;
	struct regnet_req nr = {0};

	buf_init(&raw);
	buf_init(&url);
	for (i = 0; i < 8; i++)
		buf_init(&lines[i]);
	if (object_path(s, key, &raw, &url) < 0)
		goto oom;
	sha256_buf(body ? body : "", body ? n : 0, hash);
	sigv4_amz_date(time(NULL), date);
	h[nh++] = (struct sigv4_header){ "host", s->host };
	h[nh++] = (struct sigv4_header){ "x-amz-content-sha256", hash };
	h[nh++] = (struct sigv4_header){ "x-amz-date", date };
	if (s->token)
		h[nh++] = (struct sigv4_header){ "x-amz-security-token", s->token };
	if (body)
		h[nh++] = (struct sigv4_header){ "content-type", "application/octet-stream" };
	if (cond_header) {
		const char *colon = strchr(cond_header, ':');

		h[nh].name = !strncmp(cond_header, "If-None-Match", 13) ? "if-none-match" : "if-match";
		h[nh++].value = colon + 2;
	}
	rq.method = method;
	rq.path = raw.data;
	rq.headers = h;
	rq.nheaders = nh;
	rq.payload_hash = hash;
	rq.region = s->region;
	rq.service = "s3";
	rq.access_key = s->access_key;
	rq.secret_key = s->secret_key;
	rq.amz_date = date;
	if (sigv4_sign(&rq, &sig, err) < 0)
		goto done;
	for (i = 0; i < nh; i++) {
		if (buf_printf(&lines[i], "%s: %s", h[i].name, h[i].value) < 0)
			goto oom;
		hl[i] = lines[i].data;
	}
	if (buf_printf(&lines[nh], "Authorization: %s", sig.authorization) < 0)
		goto oom;
	hl[nh] = lines[nh].data;
	nr.method = method;
	nr.url = url.data;
	nr.headers = hl;
	nr.nheaders = nh + 1;
	nr.body = body;
	nr.body_len = body ? n : 0;
	nr.max_body = STORE_MAX_OBJECT;
	nr.timeout_ms = s->timeout_ms;
	nr.policy = &s->policy;
	if (store_http(&nr, resp, err) < 0) {
		s3_where((void *)s, key, err->file, sizeof(err->file));
		goto done;
	}
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	sigv4_result_free(&sig);
	for (i = 0; i < 8; i++) {
		if (lines[i].data)
			explicit_bzero(lines[i].data, lines[i].len);
		buf_release(&lines[i]);
	}
	buf_release(&raw);
	buf_release(&url);
	return rc;
}

static int status_err(const struct regnet_resp *resp, const char *where,
		      const char *access_key, struct mlci_err *err)
{
	char code[64];

	s3_error_code(resp->body.data, resp->body.len, code, sizeof(code));
	if (resp->status == 401 || resp->status == 403)
		return err_set(err, MLCI_EXIT_NOINPUT, where,
			       "HTTP %ld%s%s: the credentials were refused (AWS_ACCESS_KEY_ID %s)",
			       resp->status, code[0] ? " " : "", code, access_key);
	return err_set(err, MLCI_EXIT_DATAERR, where, "unexpected HTTP status %ld%s%s",
		       resp->status, code[0] ? " " : "", code);
}

int s3_get_answer(const struct regnet_resp *resp, const char *bucket,
		  const char *where, const char *access_key, struct mlci_err *err)
{
	if (resp->status == 200) {
		if (resp->etag_cut)
			return err_set(err, MLCI_EXIT_DATAERR, where,
				       "the ETag header is longer than %zu bytes",
				       sizeof(resp->etag) - 1);
		return 1;
	}
	if (resp->status == 404) {
		char code[64];

		s3_error_code(resp->body.data, resp->body.len, code, sizeof(code));
		if (!strcmp(code, "NoSuchBucket"))
			return err_set(err, MLCI_EXIT_NOINPUT, NULL,
				       "s3://%s: HTTP 404 NoSuchBucket: no such bucket", bucket);
		return 0;
	}
	return status_err(resp, where, access_key, err);
}

int s3_put_answer(const struct regnet_resp *resp, const char *where,
		  const char *access_key, struct mlci_err *err)
{
	if (resp->status == 200 || resp->status == 201 || resp->status == 204)
		return 0;
	if (resp->status == 412 || resp->status == 409)
		return 1;
	return status_err(resp, where, access_key, err);
}

static int s3_get(void *ctx, const char *key, struct buf *out, int *found,
		  char etag[160], struct mlci_err *err)
{
	const struct s3 *s = ctx;
	struct regnet_resp resp;
	char where[1024];
	int rc = -1, got;

	*found = 0;
	etag[0] = '\0';
	if (s3_request(s, "GET", key, NULL, 0, NULL, &resp, err) < 0)
		return -1;
	s3_where((void *)s, key, where, sizeof(where));
	got = s3_get_answer(&resp, s->bucket, where, s->access_key, err);
	if (got == 1) {
		*found = 1;
		snprintf(etag, 160, "%s", resp.etag);
		buf_reset(out);
		if (buf_add(out, resp.body.data ? resp.body.data : "", resp.body.len) < 0)
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		else
			rc = 0;
	} else if (got == 0) {
		rc = 0;
	}
	buf_release(&resp.body);
	return rc;
}

static int s3_put(void *ctx, const char *key, const void *data, size_t n,
		  enum store_cond cond, const char *etag,
		  char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	const struct s3 *s = ctx;
	struct regnet_resp resp;
	struct buf c;
	char where[1024];
	int rc;

	sha[0] = '\0';
	buf_init(&c);
	if ((cond == STORE_IF_ABSENT && buf_addstr(&c, "If-None-Match: *") < 0) ||
	    (cond == STORE_IF_MATCH && buf_printf(&c, "If-Match: %s", etag) < 0))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (s3_request(s, "PUT", key, data ? data : "", n, c.len ? c.data : NULL, &resp,
		       err) < 0) {
		buf_release(&c);
		return -1;
	}
	s3_where((void *)s, key, where, sizeof(where));
	rc = s3_put_answer(&resp, where, s->access_key, err);
	buf_release(&resp.body);
	buf_release(&c);
	return rc;
}

static const struct store_ops s3_ops = { s3_get, s3_put, s3_where, 1, 1 };

int s3_publish(struct registry *r, const struct registry_item *item,
	       const char *channel, struct registry_result *res,
	       struct mlci_err *err)
{
	return store_publish(&s3_ops, *registry_state(r), registry_opts_of(r), item,
			     channel, res, err);
}

int s3_move(struct registry *r, const struct registry_move *mv,
	    struct registry_result *res, struct mlci_err *err)
{
	return store_move(&s3_ops, *registry_state(r), registry_opts_of(r), mv, res, err);
}
