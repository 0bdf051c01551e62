/*
 * gitlab.c - see gitlab.h.
 */
#include "gitlab.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "redact.h"
#include "util.h"

/* ---- configuration ---- */

static int dup_env(char **out, const char *name)
{
	const char *v = getenv(name);

	*out = NULL;
	if (!v || !*v)
		return 0;
	*out = strdup(v);
	return *out ? 0 : -1;
}

int gitlab_from_env(struct gitlab *g, struct mlci_err *err)
{
	const char *d = getenv("MLCI_HTTP_RETRY_DELAY_MS");
	char *server = NULL;
	long ms;

	memset(g, 0, sizeof(*g));
	g->timeout_ms = GITLAB_DEFAULT_TIMEOUT_MS;
	g->retry_delay_ms = GITLAB_DEFAULT_RETRY_DELAY_MS;
	g->max_body = GITLAB_MAX_BODY;
	if (d && *d) {
		if (parse_long(d, &ms) < 0 || ms < 0 || ms > 600000)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "MLCI_HTTP_RETRY_DELAY_MS is a number of milliseconds (0 to 600000)");
		g->retry_delay_ms = ms;
	}
	if (dup_env(&g->api, "CI_API_V4_URL") < 0 ||
	    dup_env(&server, "CI_SERVER_URL") < 0 ||
	    dup_env(&g->project, "CI_PROJECT_ID") < 0 ||
	    dup_env(&g->job_token, "CI_JOB_TOKEN") < 0 ||
	    dup_env(&g->private_token, GITLAB_TOKEN_VAR) < 0 ||
	    dup_env(&g->mr_iid, "CI_MERGE_REQUEST_IID") < 0 ||
	    dup_env(&g->target_branch, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME") < 0 ||
	    (!g->target_branch && dup_env(&g->target_branch, "CI_DEFAULT_BRANCH") < 0) ||
	    dup_env(&g->job_name, "CI_JOB_NAME") < 0 ||
	    dup_env(&g->commit_sha, "CI_COMMIT_SHA") < 0 ||
	    dup_env(&g->job_url, "CI_JOB_URL") < 0)
		goto oom;
	if (!g->api && server) {
		struct buf b;
		size_t n = strlen(server);

		while (n && server[n - 1] == '/')
			n--;
		buf_init(&b);
		if (buf_add(&b, server, n) < 0 || buf_addstr(&b, "/api/v4") < 0) {
			buf_release(&b);
			goto oom;
		}
		g->api = buf_detach(&b, NULL);
	}
	if (g->api) {
		size_t n = strlen(g->api);

		while (n && g->api[n - 1] == '/')
			g->api[--n] = '\0';
	}
	free(server);
	return 0;
oom:
	free(server);
	gitlab_free(g);
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void gitlab_free(struct gitlab *g)
{
	free(g->api);
	free(g->project);
	free_secret(g->job_token);
	free_secret(g->private_token);
	free(g->mr_iid);
	free(g->target_branch);
	free(g->job_name);
	free(g->commit_sha);
	free(g->job_url);
	memset(g, 0, sizeof(*g));
}

/* ---- URLs ---- */

/* Percent-encode s: everything but the unreserved characters (and '/'
 * with keep_slash). */
static int url_enc(struct buf *b, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
			    *p == '_' || *p == '~' || (keep_slash && *p == '/');

		if (plain ? buf_addch(b, (char)*p) < 0 :
			    buf_addch(b, '%') < 0 || buf_addch(b, hex[*p >> 4]) < 0 ||
			    buf_addch(b, hex[*p & 15]) < 0)
			return -1;
	}
	return 0;
}

/* "API/projects/ID" into b. */
static int url_project(struct buf *b, const struct gitlab *g)
{
	return buf_addstr(b, g->api) < 0 || buf_addstr(b, "/projects/") < 0 ||
	       url_enc(b, g->project, 0) < 0 ? -1 : 0;
}

/* An artifact path is relative, with no empty, "." or ".." segment. */
static int artifact_path_ok(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 0;
	while (*s) {
		size_t n = strcspn(s, "/");

		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n;
		if (*s == '/')
			s++;
		if (!*s && s[-1] == '/')
			return 0;
	}
	return 1;
}

/* ---- HTTP ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct resp {
	long status;
	struct buf body;
	size_t max;
	int too_large;
	char next_page[32];	/* X-Next-Page, "" when none */
	char *location;		/* a redirect's target, or NULL */
};

static void resp_reset(struct resp *r)
{
	buf_release(&r->body);
	free(r->location);
	r->location = NULL;
	r->status = 0;
	r->too_large = 0;
	r->next_page[0] = '\0';
}

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
	struct resp *r = u;
	size_t k = sz * n;

	if (r->body.len + k > r->max || buf_add(&r->body, p, k) < 0) {
		r->too_large = 1;
		return 0;
	}
	return k;
}

void gitlab_header_next_page(char *out, size_t cap, const char *p, size_t k)
{
	static const char name[] = "x-next-page:";
	size_t i, j;

	if (!cap)
		return;
	if (k >= 5 && !memcmp(p, "HTTP/", 5)) {
		out[0] = '\0';	/* a new response (after 100 Continue) */
	} else if (k > sizeof(name) - 1 && !strncasecmp(p, name, sizeof(name) - 1)) {
		i = sizeof(name) - 1;
		while (i < k && (p[i] == ' ' || p[i] == '\t'))
			i++;
		for (j = 0; i < k && j + 1 < cap && p[i] != '\r' && p[i] != '\n' &&
			    p[i] != '\0'; i++)
			out[j++] = p[i];
		while (j && (out[j - 1] == ' ' || out[j - 1] == '\t'))
			j--;
		out[j] = '\0';
	}
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
	struct resp *r = u;

	gitlab_header_next_page(r->next_page, sizeof(r->next_page), p, sz * n);
	return sz * n;
}

/* The "scheme://host:port" of url into out (lower-case host, default
 * port filled in); -1 when url does not parse. */
static int url_origin(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		char *c;

		for (c = host; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		rc = snprintf(out, n, "%s://%s:%s", scheme, host, port) < (int)n ? 0 : -1;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* A token header: which one, and its value (never printed). */
struct auth {
	const char *header;	/* "JOB-TOKEN", "PRIVATE-TOKEN", or NULL: none */
	const char *value;
	const char *from;	/* the variable it came from, for messages */
};

/* One request, no retry, no redirect. Returns the CURLcode. */
static CURLcode http_once(const struct gitlab *g, const char *method,
			  const char *url, const struct auth *a,
			  const char *body, struct resp *r,
			  char errbuf[CURL_ERROR_SIZE])
{
	CURL *h;
	struct curl_slist *hd = NULL, *t;
	struct buf ah;
	CURLcode cc = CURLE_OUT_OF_MEMORY;
	char *loc = NULL;

	errbuf[0] = '\0';
	buf_init(&ah);
	h = curl_easy_init();
	if (!h)
		return CURLE_OUT_OF_MEMORY;
	if (a && a->header) {
		if (buf_printf(&ah, "%s: %s", a->header, a->value) < 0)
			goto out;
		t = curl_slist_append(hd, ah.data);
		if (!t)
			goto out;
		hd = t;
	}
	if (body) {
		t = curl_slist_append(hd, "Content-Type: application/json");
		if (!t)
			goto out;
		hd = t;
	}
	t = curl_slist_append(hd, "Expect:");
	if (!t)
		goto out;
	hd = t;
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, g->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, g->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "mlci/" MLCI_VERSION) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, r) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, r) != CURLE_OK)
		goto out;
	if (body && (curl_easy_setopt(h, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
		     curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				      (curl_off_t)strlen(body)) != CURLE_OK))
		goto out;
	if (strcmp(method, "GET") && strcmp(method, "POST") &&
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK)
		goto out;
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (cc == CURLE_OK && r->status >= 300 && r->status < 400 &&
	    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc) {
		r->location = strdup(loc);
		if (!r->location)
			cc = CURLE_OUT_OF_MEMORY;
	}
out:
	curl_slist_free_all(hd);
	if (ah.data)
		explicit_bzero(ah.data, ah.len);
	buf_release(&ah);
	curl_easy_cleanup(h);
	return cc;
}

static int cc_temporary(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT: case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
	case CURLE_SSL_CONNECT_ERROR: case CURLE_HTTP2: case CURLE_HTTP2_STREAM:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return 1;
	default:
		return 0;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}


/*
 * method url: retry temporary failures, follow redirects (GET only; the
 * token only to the API's own origin). Returns 0 with r->status a final
 * status (not 3xx) and r->body the body, or -1 with err set.
 */
static int http_request(const struct gitlab *g, const char *method,
			const char *url, const struct auth *a,
			const char *body, struct resp *r, struct mlci_err *err)
{
	char errbuf[CURL_ERROR_SIZE], api_origin[512], origin[512], why[CURL_ERROR_SIZE + 64];
	char *cur = strdup(url);
	int redirects = 0, send_token = 1, attempt, rc = -1;
	CURLcode cc = CURLE_OK;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		free(cur);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot initialise libcurl");
	}
	if (!cur)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (url_origin(g->api, api_origin, sizeof(api_origin)) < 0) {
		err_set_url(err, MLCI_EXIT_USAGE, g->api, "%s", "not an http(s) URL (the GitLab API root)");
		goto out;
	}
	if (!r->max || r->max > g->max_body)
		r->max = g->max_body;
	for (;;) {
		for (attempt = 1;; attempt++) {
			int temporary;

			resp_reset(r);
			cc = http_once(g, method, cur, send_token ? a : NULL, body, r, errbuf);
			if (r->too_large) {
				char lim[64];

				snprintf(lim, sizeof(lim), "%zu", r->max);
				err_set_url(err, MLCI_EXIT_DATAERR, cur,
					"the response is larger than %s bytes", lim);
				goto out;
			}
			if (cc == CURLE_OUT_OF_MEMORY) {
				err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
				goto out;
			}
			temporary = cc != CURLE_OK ? cc_temporary(cc) :
				    r->status == 408 || r->status == 429 || r->status >= 500;
			if (cc != CURLE_OK && !temporary) {
				snprintf(why, sizeof(why), "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
				err_set_url(err, cc == CURLE_UNSUPPORTED_PROTOCOL ||
					     cc == CURLE_URL_MALFORMAT ? MLCI_EXIT_USAGE :
					     MLCI_EXIT_IOERR, cur, "%s", why);
				goto out;
			}
			if (!temporary)
				break;
			if (attempt >= GITLAB_ATTEMPTS) {
				if (cc != CURLE_OK)
					snprintf(why, sizeof(why), "%s, after %d attempts",
						 errbuf[0] ? errbuf : curl_easy_strerror(cc),
						 attempt);
				else
					snprintf(why, sizeof(why), "HTTP %ld, after %d attempts",
						 r->status, attempt);
				err_set_url(err, MLCI_EXIT_TEMPFAIL, cur, "%s", why);
				goto out;
			}
			sleep_ms(g->retry_delay_ms << (attempt - 1));
		}
		if (r->status < 300 || r->status >= 400)
			break;
		if (!r->location || strcmp(method, "GET") || ++redirects > 5) {
			snprintf(why, sizeof(why), "HTTP %ld: %s", r->status,
				 !r->location ? "a redirect without a Location" :
				 strcmp(method, "GET") ? "a redirect of a write" :
				 "more than 5 redirects");
			err_set_url(err, MLCI_EXIT_DATAERR, cur, "%s", why);
			goto out;
		}
		if (url_origin(r->location, origin, sizeof(origin)) < 0 ||
		    strcmp(origin, api_origin))
			send_token = 0;
		free(cur);
		cur = r->location;
		r->location = NULL;
	}
	rc = 0;
out:
	free(cur);
	return rc;
}

/* An error for a status that is not success. what: "no baseline" text
 * for 404, or NULL. */
static int status_err(const char *url, long status, const struct auth *a,
		      const char *what, struct mlci_err *err)
{
	char why[700];

	if (status == 404)
		snprintf(why, sizeof(why), "HTTP 404: %s", what ? what : "not found");
	else if (status == 401 || status == 403)
		snprintf(why, sizeof(why), "HTTP %ld: %s", status,
			 !a || !a->header ? "no token was sent (set CI_JOB_TOKEN or " GITLAB_TOKEN_VAR ")" :
			 status == 401 ? "the token was refused" :
			 "the token is not allowed to do this");
	else
		snprintf(why, sizeof(why), "unexpected HTTP status %ld", status);
	if (a && a->header && (status == 401 || status == 403)) {
		size_t n = strlen(why);

		snprintf(why + n, sizeof(why) - n, " (%s from %s)", a->header, a->from);
	}
	return err_set_url(err, status == 404 || status == 401 || status == 403 ?
		       MLCI_EXIT_NOINPUT : MLCI_EXIT_DATAERR, url, "%s", why);
}

/* Parse n bytes as JSON, strictly; 65 naming src on failure. */
static json_t *parse_json_text(const char *text, size_t n, const char *src,
			       struct mlci_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text ? text : "", text ? n : 0, JSON_REJECT_DUPLICATES, &je);

	if (!j)
		err_set_at(err, MLCI_EXIT_DATAERR, src, je.line, (je.column > 0 ? je.column : 1),
			   "not valid JSON: %s", je.text);
	return j;
}

/* ---- the baseline ---- */

static int pick_download_auth(const struct gitlab *g, struct auth *a)
{
	memset(a, 0, sizeof(*a));
	if (g->job_token) {
		a->header = "JOB-TOKEN";
		a->value = g->job_token;
		a->from = "CI_JOB_TOKEN";
	} else if (g->private_token) {
		a->header = "PRIVATE-TOKEN";
		a->value = g->private_token;
		a->from = GITLAB_TOKEN_VAR;
	}
	return 0;
}

/* GET one artifact file into r. */
static int fetch_artifact(const struct gitlab *g, const struct auth *a,
			  const char *ref, const char *job, const char *path,
			  struct resp *r, struct buf *url, struct mlci_err *err)
{
	struct buf what;
	int rc = -1;

	buf_reset(url);
	buf_init(&what);
	if (url_project(url, g) < 0 || buf_addstr(url, "/jobs/artifacts/") < 0 ||
	    url_enc(url, ref, 0) < 0 || buf_addstr(url, "/raw/") < 0 ||
	    url_enc(url, path, 1) < 0 || buf_addstr(url, "?job=") < 0 ||
	    url_enc(url, job, 0) < 0 ||
	    buf_printf(&what, "no baseline: the latest successful pipeline of '%.100s' has no job '%.100s' with an artifact '%.200s'",
		       ref, job, path) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	if (http_request(g, "GET", url->data, a, NULL, r, err) < 0)
		goto out;
	if (r->status != 200) {
		status_err(url->data, r->status, a, what.data, err);
		goto out;
	}
	rc = 0;
out:
	buf_release(&what);
	return rc;
}

/* A file name a downloaded metrics.json may record for its predictions:
 * [A-Za-z0-9._-], not starting with '.'. */
static int safe_name(const char *s)
{
	const char *p;

	if (!*s || *s == '.' || strlen(s) > 200)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static char *join(const char *dir, const char *name)
{
	struct buf b;

	buf_init(&b);
	if (buf_addstr(&b, dir) < 0 || (b.len && b.data[b.len - 1] != '/' &&
					 buf_addch(&b, '/') < 0) ||
	    buf_addstr(&b, name) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int gitlab_baseline_parse(const char *json, size_t n, const char *src, const char *path,
			  const char *ref, const char *job, int predictions,
			  char **pred_path, char **pred_name, struct mlci_err *err)
{
	json_t *m = parse_json_text(json, n, src, err);
	int rc = -1;

	*pred_path = *pred_name = NULL;
	if (!m)
		return -1;
	if (!json_is_object(m)) {
		err_set(err, MLCI_EXIT_DATAERR, path,
			"the baseline from GitLab ('%.100s', job '%.100s') is not a JSON object",
			ref, job);
		goto out;
	}
	if (predictions) {
		const char *rec = json_string_value(json_object_get(
			json_object_get(m, "predictions"), "path"));
		const char *base, *slash = strrchr(path, '/');
		struct buf pp;

		if (!rec) {
			err_set(err, MLCI_EXIT_USAGE, path,
				"a paired rule needs the baseline's predictions, and the baseline metrics.json from GitLab records none (write them with mlci-evaluate --predictions, or give --baseline-predictions)");
			goto out;
		}
		base = strrchr(rec, '/');
		base = base ? base + 1 : rec;
		if (!safe_name(base) || !strcmp(base, "metrics.json")) {
			err_set(err, MLCI_EXIT_DATAERR, path,
				"the baseline's recorded predictions file '%.200s' is not a plain file name",
				base);
			goto out;
		}
		buf_init(&pp);
		if ((slash && buf_add(&pp, path, (size_t)(slash - path + 1)) < 0) ||
		    buf_addstr(&pp, base) < 0 || !(*pred_name = strdup(base))) {
			buf_release(&pp);
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto out;
		}
		*pred_path = buf_detach(&pp, NULL);
	}
	rc = 0;
out:
	json_decref(m);
	return rc;
}

int gitlab_fetch_baseline(const struct gitlab_baseline *b, int predictions,
			  struct gitlab_fetched *out, struct mlci_err *err)
{
	const struct gitlab *g = b->gl;
	const char *ref = b->ref ? b->ref : g->target_branch;
	const char *job = b->job ? b->job : GITLAB_DEFAULT_JOB;
	const char *path = b->artifact ? b->artifact : GITLAB_DEFAULT_ARTIFACT;
	struct resp rm = { 0 }, rp = { 0 };
	struct buf url;
	struct auth a;
	char *ppath = NULL, *base = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!g->api)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--baseline gitlab needs the API URL: CI_API_V4_URL or CI_SERVER_URL is not set");
	if (!g->project)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--baseline gitlab needs the project: CI_PROJECT_ID is not set");
	if (!ref || !*ref)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--baseline gitlab needs a branch: give --baseline-branch, or run in a merge request pipeline (CI_MERGE_REQUEST_TARGET_BRANCH_NAME) or with CI_DEFAULT_BRANCH");
	if (!*job)
		return err_set(err, MLCI_EXIT_USAGE, NULL, "--baseline-job is empty");
	if (!artifact_path_ok(path))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--baseline-artifact '%.200s' is not a relative path inside the job's artifacts",
			       path);
	if (!b->dir || !*b->dir)
		return err_set(err, MLCI_EXIT_USAGE, NULL, "no directory to save the baseline in");
	pick_download_auth(g, &a);
	buf_init(&rm.body);
	buf_init(&rp.body);
	buf_init(&url);
	if (fetch_artifact(g, &a, ref, job, path, &rm, &url, err) < 0) {
		if (rm.status == 404) {	/* nothing recorded there yet */
			char msg[1100];

			err_format(err, msg, sizeof(msg));
			snprintf(out->reason, sizeof(out->reason),
				 "no baseline: %.500s", msg);
			out->not_found = 1;
			memset(err, 0, sizeof(*err));
			rc = 0;
		}
		goto out;
	}
	{
		char *red = url_redact(url.data);

		rc = gitlab_baseline_parse(rm.body.data, rm.body.len, red ? red : "(url)", path,
					   ref, job, predictions, &ppath, &base, err);
		free(red);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (predictions) {
		if (fetch_artifact(g, &a, ref, job, ppath, &rp, &url, err) < 0)
			goto out;
		out->predictions = join(b->dir, base);
		if (!out->predictions) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto out;
		}
	}
	out->metrics = join(b->dir, "metrics.json");
	if (!out->metrics) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	if (mkdir_p(b->dir, err) < 0 ||
	    write_file_atomic(out->metrics, rm.body.data ? rm.body.data : "",
			      rm.body.len, err) < 0)
		goto out;
	if (out->predictions &&
	    write_file_atomic(out->predictions, rp.body.data ? rp.body.data : "",
			      rp.body.len, err) < 0) {
		unlink(out->metrics);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		gitlab_fetched_free(out);
	free(ppath);
	free(base);
	buf_release(&url);
	resp_reset(&rm);
	resp_reset(&rp);
	return rc;
}

void gitlab_fetched_remove(struct gitlab_fetched *f)
{
	if (f->metrics)
		unlink(f->metrics);
	if (f->predictions)
		unlink(f->predictions);
	gitlab_fetched_free(f);
}

void gitlab_fetched_free(struct gitlab_fetched *f)
{
	free(f->metrics);
	free(f->predictions);
	memset(f, 0, sizeof(*f));
}

/* ---- the merge-request note ---- */

int gitlab_note_marker(char *out, size_t n, const char *key)
{
	struct buf b;
	const char *p;
	size_t k = 0;
	int rc = 0;

	buf_init(&b);
	if (buf_addstr(&b, "<!-- mlci-gate:") < 0)
		rc = -1;
	for (p = key ? key : ""; !rc && *p && k < 200; p++, k++) {
		char c = *p;

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || strchr("._:/@+ []-", c)) ||
		    (c == '-' && b.data[b.len - 1] == '-'))
			c = '_';	/* no "--" inside the comment */
		rc = buf_addch(&b, c);
	}
	if (!rc)
		rc = buf_addstr(&b, " -->");
	if (!rc && b.len + 1 > n)
		rc = -1;
	if (!rc)
		memcpy(out, b.data, b.len + 1);
	buf_release(&b);
	return rc;
}

int gitlab_notes_find(const char *json, size_t n, const char *marker,
		      long *id, const char *src, struct mlci_err *err)
{
	json_error_t je;
	json_t *arr = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je), *v;
	size_t i, ml = strlen(marker);
	int rc = 0;

	if (!arr)
		return err_set_at(err, MLCI_EXIT_DATAERR, src, je.line, (je.column > 0 ? je.column : 1),
				  "not valid JSON: %s", je.text);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return err_set(err, MLCI_EXIT_DATAERR, src,
			       "expected a JSON array of notes");
	}
	json_array_foreach(arr, i, v) {
		json_t *jid = json_object_get(v, "id"), *body = json_object_get(v, "body");
		json_t *sys = json_object_get(v, "system");
		const char *text;

		if (!json_is_object(v) || !json_is_integer(jid) ||
		    json_integer_value(jid) <= 0 || json_integer_value(jid) > 0x7fffffffffffLL ||
		    (body && !json_is_string(body) && !json_is_null(body)) ||
		    (sys && !json_is_boolean(sys))) {
			err_set(err, MLCI_EXIT_DATAERR, src,
				"note %zu is not an object with a positive integer id, a string body and a boolean system flag",
				i + 1);
			rc = -1;
			break;
		}
		if (rc || json_is_true(sys) || !json_is_string(body))
			continue;
		text = json_string_value(body);
		if (json_string_length(body) >= ml && !strncmp(text, marker, ml)) {
			*id = (long)json_integer_value(jid);
			rc = 1;
			break;
		}
	}
	json_decref(arr);
	return rc;
}

int gitlab_note_possible(const struct gitlab *gl)
{
	return gl->api && gl->project && gl->mr_iid && gl->private_token;
}

static int all_digits(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

/* The note's last line: which commit, which job (only what is safe to
 * put in Markdown as it is). */
static int note_footer(struct buf *b, const struct gitlab *gl)
{
	const char *sha = gl->commit_sha, *url = gl->job_url;
	int has_sha = sha && strlen(sha) >= 8 && strspn(sha, "0123456789abcdef") == strlen(sha);
	int has_url = url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)) &&
		      strlen(url) < 500 && !strpbrk(url, " \t\r\n()[]<>\"'`\\");

	if (!has_sha && !has_url)
		return 0;
	if (buf_addstr(b, "\n<sub>mlci-gate") < 0 ||
	    (has_sha && buf_printf(b, " \xC2\xB7 commit %.12s", sha) < 0) ||
	    (has_url && buf_printf(b, " \xC2\xB7 [job](%s)", url) < 0) ||
	    buf_addstr(b, "</sub>\n") < 0)
		return -1;
	return 0;
}

int gitlab_next_page(const char *page, const char *header, long *next)
{
	long cur;

	*next = 0;
	if (!header[0])
		return 0;
	if (parse_long(page, &cur) < 0 || !all_digits(header, 9) ||
	    parse_long(header, next) < 0 || *next <= cur) {
		*next = 0;
		return -1;
	}
	return 1;
}

int gitlab_note_answer(const char *json, size_t n, long edited, long *id,
		       const char *src, struct mlci_err *err)
{
	json_t *got = parse_json_text(json, n, src, err), *jid;

	*id = 0;
	if (!got)
		return -1;
	jid = json_object_get(got, "id");
	if (!json_is_integer(jid) || json_integer_value(jid) <= 0 ||
	    json_integer_value(jid) > 0x7fffffffffffLL ||
	    (edited && json_integer_value(jid) != edited)) {
		json_decref(got);
		return err_set(err, MLCI_EXIT_DATAERR, src, "%s",
			       "the answer is not the note (no id, or another one)");
	}
	*id = (long)json_integer_value(jid);
	json_decref(got);
	return 0;
}

/* GitLab keeps a note to 1,000,000 characters: cut a longer body at a
 * UTF-8 boundary, with a line saying so. */
#define NOTE_MAX 1000000

int gitlab_note_upsert(const struct gitlab *gl, const char *key,
		       const char *body, struct gitlab_note *out,
		       struct mlci_err *err)
{
	struct auth a = { "PRIVATE-TOKEN", gl->private_token, GITLAB_TOKEN_VAR };
	char marker[300], page[32] = "1";
	struct buf base, url, text;
	struct resp r = { 0 };
	json_t *req = NULL;
	char *payload = NULL;
	long id = 0;
	int found = 0, rc = -1;
	size_t blen = strlen(body);

	memset(out, 0, sizeof(*out));
	if (!gl->api || !gl->project)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "a merge request note needs CI_API_V4_URL (or CI_SERVER_URL) and CI_PROJECT_ID");
	if (!gl->mr_iid)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "a merge request note needs CI_MERGE_REQUEST_IID (a merge request pipeline)");
	if (!all_digits(gl->mr_iid, 18))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "CI_MERGE_REQUEST_IID is not a number");
	if (!gl->private_token)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "a merge request note needs an access token in " GITLAB_TOKEN_VAR
			       " (CI_JOB_TOKEN cannot post notes)");
	if (gitlab_note_marker(marker, sizeof(marker), key) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "note marker too long");
	buf_init(&base);
	buf_init(&url);
	buf_init(&text);
	buf_init(&r.body);
	r.max = GITLAB_MAX_NOTES_BODY;
	if (url_project(&base, gl) < 0 || buf_addstr(&base, "/merge_requests/") < 0 ||
	    url_enc(&base, gl->mr_iid, 0) < 0 || buf_addstr(&base, "/notes") < 0)
		goto oom;
	for (out->pages = 0; out->pages < GITLAB_MAX_NOTE_PAGES;) {
		long next;
		int more;

		buf_reset(&url);
		if (buf_printf(&url, "%s?per_page=100&page=%s&sort=asc&order_by=created_at",
			       base.data, page) < 0)
			goto oom;
		if (http_request(gl, "GET", url.data, &a, NULL, &r, err) < 0)
			goto out;
		out->pages++;
		if (r.status != 200) {
			status_err(url.data, r.status, &a, NULL, err);
			goto out;
		}
		{
			char *red = url_redact(url.data);

			found = gitlab_notes_find(r.body.data ? r.body.data : "", r.body.len,
						  marker, &id, red ? red : "(url)", err);
			free(red);
		}
		if (found < 0)
			goto out;
		if (found)
			break;
		more = gitlab_next_page(page, r.next_page, &next);
		if (more == 0)
			break;
		if (more < 0) {
			err_set_url(err, MLCI_EXIT_DATAERR, url.data, "%s",
				"X-Next-Page is not a page after this one");
			goto out;
		}
		snprintf(page, sizeof(page), "%ld", next);
	}
	if (buf_addstr(&text, marker) < 0 || buf_addch(&text, '\n') < 0)
		goto oom;
	if (text.len + blen + 600 > NOTE_MAX) {
		static const char cut[] = "\n\n*(report cut: too long for a note)*\n";
		size_t keep = NOTE_MAX - text.len - sizeof(cut) - 600;	/* and the footer */

		while (keep && ((unsigned char)body[keep] & 0xC0) == 0x80)
			keep--;
		if (buf_add(&text, body, keep) < 0 || buf_addstr(&text, cut) < 0)
			goto oom;
	} else if (buf_add(&text, body, blen) < 0) {
		goto oom;
	}
	if (note_footer(&text, gl) < 0)
		goto oom;
	req = json_pack("{s:s}", "body", text.data);
	if (!req) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "the note is not valid UTF-8");
		goto out;
	}
	payload = json_dumps(req, JSON_COMPACT);
	if (!payload)
		goto oom;
	buf_reset(&url);
	if (found ? buf_printf(&url, "%s/%ld", base.data, id) < 0 :
		    buf_addstr(&url, base.data) < 0)
		goto oom;
	if (http_request(gl, found ? "PUT" : "POST", url.data, &a, payload, &r, err) < 0)
		goto out;
	if (r.status != 200 && r.status != 201) {
		status_err(url.data, r.status, &a, NULL, err);
		goto out;
	}
	{
		char *red = url_redact(url.data);

		found = gitlab_note_answer(r.body.data, r.body.len, found ? id : 0, &out->id,
					   red ? red : "(url)", err) < 0 ? -1 : found;
		free(red);
	}
	if (found < 0)
		goto out;
	out->created = !found;
	rc = 0;
	goto out;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	json_decref(req);
	free(payload);
	resp_reset(&r);
	buf_release(&base);
	buf_release(&url);
	buf_release(&text);
	return rc;
}
