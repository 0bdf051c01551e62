/*
 * registry_gitlab.c - the gitlab:// registry: GitLab's generic package
 * registry of one project.
 *
 *   gitlab://            the project of $CI_PROJECT_ID
 *   gitlab://PROJECT     a numeric project id, or its path (group/name)
 *
 * API root, tokens and retries as gitlab.h (gitlab_from_env): uploads and
 * downloads send CI_JOB_TOKEN as JOB-TOKEN when it is set, else
 * MLCI_GITLAB_TOKEN as PRIVATE-TOKEN. The dir:// layout maps onto
 * packages (registry_store.h's keys):
 *   NAME/VER/FILE              package NAME, version VER, file FILE
 *   NAME/channels/CHANNEL.json package NAME, version "channels"
 *   NAME/history.jsonl         package NAME, version "channels",
 *                              file history.jsonl
 * ("channels" is a version name no package may take.) A file is
 * uploaded with PUT /projects/:id/packages/generic/:name/:version/:file
 * ?select=package_file, and the file_sha256 GitLab answers must be the
 * SHA-256 of the bytes sent; downloads are GET of the same path (a
 * redirect to another origin, object storage, is followed without the
 * token; a relative Location is resolved against the URL that answered;
 * a Location longer than 2047 bytes is refused, 65). A channel move or a history line uploads the file again under
 * the same name (GitLab serves the newest): the project must allow
 * duplicate generic packages for that (the default). GitLab has no
 * conditional upload: two deploys racing on one project can both
 * publish a new version or move a channel; run deploys to one project in
 * sequence (a resource_group).
 * Answers: 404 is "no such file"; 401 and 403 are 66 (as for mlci-gate);
 * 400 (a duplicate the project refuses, a file too large) 73; other
 * statuses 65; temporary failures as registry_store.h.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gitlab.h"
#include "hash.h"
#include "redact.h"
#include "registry_store.h"
#include "sigv4.h"

struct glreg {
	struct gitlab g;
	char *project;		/* owned */
	const char *auth_name;	/* "JOB-TOKEN" or "PRIVATE-TOKEN" */
	const char *auth_value;	/* in g */
	const char *auth_from;
	struct http_policy policy;	/* --retries, --timeout, --retry-wait */
};

int gitlab_reg_open(struct registry *r, const char *rest, struct mlci_err *err)
{
	struct glreg *s = calloc(1, sizeof(*s));
	size_t n = strlen(rest);

	if (!s)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	*registry_state(r) = s;
	s->policy = registry_opts_of(r)->http;
	if (gitlab_from_env(&s->g, err) < 0)
		return -1;
	if (strpbrk(rest, "?#@:"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: a gitlab:// registry is gitlab://PROJECT (an id or group/name), with no query, fragment or credentials",
			       registry_url(r));
	while (n && rest[n - 1] == '/')
		n--;
	if (n ? !(s->project = strndup(rest, n)) :
	    s->g.project && !(s->project = strdup(s->g.project)))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (!s->project)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: no project: give gitlab://PROJECT or set CI_PROJECT_ID",
			       registry_url(r));
	if (!s->g.api)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: a gitlab:// registry needs the API URL: CI_API_V4_URL or CI_SERVER_URL is not set",
			       registry_url(r));
	if (strncmp(s->g.api, "http://", 7) && strncmp(s->g.api, "https://", 8))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "the GitLab API URL is not an http(s) URL");
	if (s->g.job_token) {
		s->auth_name = "JOB-TOKEN";
		s->auth_value = s->g.job_token;
		s->auth_from = "CI_JOB_TOKEN";
	} else if (s->g.private_token) {
		s->auth_name = "PRIVATE-TOKEN";
		s->auth_value = s->g.private_token;
		s->auth_from = GITLAB_TOKEN_VAR;
	} else {
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: a gitlab:// registry needs a token: CI_JOB_TOKEN or " GITLAB_TOKEN_VAR,
			       registry_url(r));
	}
	return 0;
}

void gitlab_reg_close(struct registry *r)
{
	struct glreg *s = *registry_state(r);

	if (s) {
		gitlab_free(&s->g);
		free(s->project);
	}
	free(s);
	*registry_state(r) = NULL;
}

/* The package path of key: "NAME/VER/FILE", with NAME/history.jsonl
 * moved into version "channels". */
static int package_path(const char *key, struct buf *out)
{
	const char *slash = strchr(key, '/');

	if (slash && !strcmp(slash + 1, "history.jsonl"))
		return buf_add(out, key, (size_t)(slash - key)) < 0 ||
		       buf_addstr(out, "/channels/history.jsonl") < 0 ? -1 : 0;
	return buf_addstr(out, key);
}

static int file_url(const struct glreg *s, const char *key, struct buf *url)
{
	struct buf p;
	int rc;

	buf_init(&p);
	rc = package_path(key, &p) < 0 || buf_addstr(url, s->g.api) < 0 ||
	     buf_addstr(url, "/projects/") < 0 ||
	     sigv4_uri_encode(url, s->project, strlen(s->project), 0) < 0 ||
	     buf_addstr(url, "/packages/generic/") < 0 ||
	     sigv4_uri_encode(url, p.data, p.len, 1) < 0 ? -1 : 0;
	buf_release(&p);
	return rc;
}

static void gl_where(void *ctx, const char *key, char *out, size_t n)
{
	const struct glreg *s = ctx;
	struct buf url;

	buf_init(&url);
	if (file_url(s, key, &url) == 0) {
		char *red = url_redact(url.data);

		snprintf(out, n, "%s", red ? red : url.data);
		free(red);
	} else {
		snprintf(out, n, "gitlab://%s/%s", s->project, key);
	}
	buf_release(&url);
}

static int origin_of(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		rc = snprintf(out, n, "%s://%s:%s", scheme, host, port) < (int)n ? 0 : -1;
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int gitlab_reg_redirect(const char *api, const char *cur, const char *location,
			char **next, int *send_token, struct mlci_err *err)
{
	CURLU *u = curl_url();
	char *got = NULL, *scheme = NULL, api_origin[512], origin[512];
	int rc = -1;

	*next = NULL;
	*send_token = 0;
	if (!u)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	/* a relative Location is resolved against the URL that answered it */
	if (curl_url_set(u, CURLUPART_URL, cur, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &got, 0) != CURLUE_OK) {
		err_set(err, MLCI_EXIT_DATAERR, NULL, "a redirect to something that is not a URL");
		goto done;
	}
	if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		err_set(err, MLCI_EXIT_DATAERR, NULL, "a redirect to a %.20s:// URL, not http(s)",
			scheme);
		goto done;
	}
	if (!(*next = strdup(got))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	*send_token = origin_of(api, api_origin, sizeof(api_origin)) == 0 &&
		      origin_of(*next, origin, sizeof(origin)) == 0 &&
		      !strcmp(origin, api_origin);
	rc = 0;
done:
	curl_free(got);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

/* One request to url with the token (dropped on a redirect to another
 * origin; GET follows at most 5). */
static int gl_request(const struct glreg *s, const char *method, const char *url,
		      const void *body, size_t n, struct regnet_resp *resp,
		      struct mlci_err *err)
{
	struct buf auth;
	const char *hl[2];
	struct regnet_req rq = {0};
	char *cur = strdup(url);
	int redirects = 0, send = 1, rc = -1;

	buf_init(&auth);
	if (!cur || buf_printf(&auth, "%s: %s", s->auth_name, s->auth_value) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	hl[0] = auth.data;
	hl[1] = "Content-Type: application/octet-stream";
	for (;;) {
		char *next;
		int keep;

		rq.method = method;
		rq.url = cur;
		rq.headers = send ? hl : hl + 1;
		rq.nheaders = (send ? 1 : 0) + (body ? 1 : 0);
		rq.body = body;
		rq.body_len = n;
		rq.max_body = STORE_MAX_OBJECT;
		rq.timeout_ms = s->policy.timeout > 0 ? (long)(s->policy.timeout * 1000) :
				s->g.timeout_ms;
		rq.policy = &s->policy;
		if (store_http(&rq, resp, err) < 0) {
			if (!err->file[0]) {
				char *red = url_redact(cur);

				snprintf(err->file, sizeof(err->file), "%s", red ? red : "(url)");
				free(red);
			}
			goto done;
		}
		if (resp->status < 300 || resp->status >= 400)
			break;
		if (!resp->location[0] || resp->location_cut || strcmp(method, "GET") ||
		    ++redirects > 5) {
			char *red = url_redact(cur);

			err_set(err, MLCI_EXIT_DATAERR, red ? red : "(url)", "HTTP %ld: %s",
				resp->status, !resp->location[0] ? "a redirect without a Location" :
				resp->location_cut ? "a redirect with a Location too long to follow" :
				strcmp(method, "GET") ? "a redirect of an upload" :
				"more than 5 redirects");
			free(red);
			buf_release(&resp->body);
			goto done;
		}
		if (gitlab_reg_redirect(s->g.api, cur, resp->location, &next, &keep, err) < 0) {
			char *red = url_redact(cur);

			snprintf(err->file, sizeof(err->file), "%s", red ? red : "(url)");
			free(red);
			buf_release(&resp->body);
			goto done;
		}
		send = send && keep;
		free(cur);
		cur = next;
		buf_release(&resp->body);
	}
	rc = 0;
done:
	if (auth.data)
		explicit_bzero(auth.data, auth.len);
	buf_release(&auth);
	free(cur);
	return rc;
}

void gitlab_reg_message(const char *body, size_t n, char *out, size_t cap)
{
	json_t *j = json_loadb(body ? body : "", body ? n : 0, 0, NULL);
	const char *m = json_string_value(json_object_get(j, "message"));
	size_t i, k = 0;

	if (!cap) {
		json_decref(j);
		return;
	}
	for (i = 0; m && m[i] && k + 1 < cap; i++)
		if ((unsigned char)m[i] >= ' ' && m[i] != 0x7f)
			out[k++] = m[i];
	out[k] = '\0';
	json_decref(j);
}

int gitlab_reg_status_err(const struct regnet_resp *resp, const char *where,
			  const char *auth_name, const char *auth_from,
			  struct mlci_err *err)
{
	char msg[200];

	if (resp->status == 401 || resp->status == 403)
		return err_set(err, MLCI_EXIT_NOINPUT, where, "HTTP %ld: %s (%s from %s)",
			       resp->status, resp->status == 401 ? "the token was refused" :
			       "the token is not allowed to do this", auth_name, auth_from);
	gitlab_reg_message(resp->body.data, resp->body.len, msg, sizeof(msg));
	if (resp->status == 400)
		return err_set(err, MLCI_EXIT_CANTCREAT, where,
			       "HTTP 400: GitLab refused the upload%s%s%s", msg[0] ? " (" : "",
			       msg, msg[0] ? ")" : "");
	return err_set(err, MLCI_EXIT_DATAERR, where, "unexpected HTTP status %ld", resp->status);
}

int gitlab_reg_put_answer(const struct regnet_resp *resp, const char *want,
			  const char *where, const char *auth_name, const char *auth_from,
			  char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	json_t *j;
	const char *got;
	int rc = -1;

	sha[0] = '\0';
	if (resp->status != 200 && resp->status != 201)
		return gitlab_reg_status_err(resp, where, auth_name, auth_from, err);
	j = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	got = json_string_value(json_object_get(j, "file_sha256"));
	if (!got || !sha256_valid(got)) {
		err_set(err, MLCI_EXIT_DATAERR, where,
			"the answer to the upload has no file_sha256");
	} else if (strcmp(got, want)) {
		err_set(err, MLCI_EXIT_IOERR, where,
			"GitLab stored bytes with sha256 %.12s..., the upload had %.12s...",
			got, want);
	} else {
		snprintf(sha, SHA256_HEX_LEN + 1, "%s", got);
		rc = 0;
	}
	json_decref(j);
	return rc;
}

static int gl_get(void *ctx, const char *key, struct buf *out, int *found,
		  char etag[160], struct mlci_err *err)
{
	const struct glreg *s = ctx;
	struct regnet_resp resp;
	struct buf url;
	int rc = -1;

	*found = 0;
	etag[0] = '\0';
	buf_init(&url);
	if (file_url(s, key, &url) < 0) {
		buf_release(&url);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	if (gl_request(s, "GET", url.data, NULL, 0, &resp, err) < 0) {
		buf_release(&url);
		return -1;
	}
	if (resp.status == 200) {
		*found = 1;
		buf_reset(out);
		rc = buf_add(out, resp.body.data ? resp.body.data : "", resp.body.len) < 0 ?
		     err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory") : 0;
	} else if (resp.status == 404) {
		rc = 0;
	} else {
		char where[1024];

		gl_where((void *)s, key, where, sizeof(where));
		gitlab_reg_status_err(&resp, where, s->auth_name, s->auth_from, err);
	}
	buf_release(&resp.body);
	buf_release(&url);
	return rc;
}

static int gl_put(void *ctx, const char *key, const void *data, size_t n,
		  enum store_cond cond, const char *etag,
		  char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	const struct glreg *s = ctx;
	struct regnet_resp resp;
	struct buf url;
	char want[SHA256_HEX_LEN + 1], where[1024];
	int rc;

	sha[0] = '\0';
	buf_init(&url);
	if (file_url(s, key, &url) < 0 || buf_addstr(&url, "?select=package_file") < 0) {
		buf_release(&url);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	if (gl_request(s, "PUT", url.data, data ? data : "", n, &resp, err) < 0) {
		buf_release(&url);
		return -1;
	}
	gl_where((void *)s, key, where, sizeof(where));
	sha256_buf(data ? data : "", n, want);
	rc = gitlab_reg_put_answer(&resp, want, where, s->auth_name, s->auth_from, sha, err);
	buf_release(&resp.body);
	buf_release(&url);
	return rc;
}

static const struct store_ops gl_ops = { gl_get, gl_put, gl_where, 0, 0 };

int gitlab_reg_publish(struct registry *r, const struct registry_item *item,
		       const char *channel, struct registry_result *res,
		       struct mlci_err *err)
{
	return store_publish(&gl_ops, *registry_state(r), registry_opts_of(r), item,
			     channel, res, err);
}

int gitlab_reg_move(struct registry *r, const struct registry_move *mv,
		    struct registry_result *res, struct mlci_err *err)
{
	return store_move(&gl_ops, *registry_state(r), registry_opts_of(r), mv, res, err);
}
