/*
 * http.c - see http.h.
 */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "redact.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- the policy ------------------------------------------------------ */

enum http_class http_classify(int curl_code, long status)
{
	switch ((CURLcode)curl_code) {
	case CURLE_OK:
		if (status == 408 || status == 429 || status >= 500)
			return HTTP_RETRY;
		return status >= 100 ? HTTP_ANSWER : HTTP_RETRY;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return HTTP_FAIL_USAGE;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2_STREAM:
	case CURLE_AGAIN:
		return HTTP_RETRY;
	default:
		return HTTP_FAIL_IO;
	}
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double pol_backoff(const struct http_policy *p)
{
	return p && p->backoff > 0 ? p->backoff : HTTP_DEFAULT_BACKOFF;
}

static double pol_backoff_max(const struct http_policy *p)
{
	return p && p->backoff_max > 0 ? p->backoff_max : HTTP_DEFAULT_BACKOFF_MAX;
}

double http_backoff(const struct http_policy *pol, int retry, uint64_t *rng)
{
	double step = pol_backoff(pol), cap = pol_backoff_max(pol), u;
	int i;

	for (i = 1; i < retry && step < cap; i++)
		step *= 2;
	if (step > cap)
		step = cap;
	u = (double)(rng_next(rng) >> 11) / 9007199254740992.0;	/* [0, 1) */
	return step / 2 + u * (step / 2);
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (!(s > 0))
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- one attempt ----------------------------------------------------- */

struct sink {
	CURL *h;
	struct buf *body;
	size_t max;
	int too_large;
	int oom;
};

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
	struct sink *s = u;
	size_t k = sz * n;

	if (s->body->len + k > s->max) {
		long status = 0;

		/* an error page's body is cut at the cap, not refused */
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 300) {
			buf_add(s->body, p, s->max - s->body->len);
			return k;
		}
		s->too_large = 1;
		return 0;
	}
	if (buf_add(s->body, p, k) < 0) {
		s->oom = 1;
		return 0;
	}
	return k;
}

static int has_header(const char *const *h, const char *name)
{
	size_t n = strlen(name);

	for (; h && *h; h++)
		if (!strncasecmp(*h, name, n) && (*h)[n] == ':')
			return 1;
	return 0;
}

/* The CURLcode of one attempt; the status in *status (0: none). */
static CURLcode attempt(const struct http_request *rq, double timeout,
			struct sink *sink, long *status, char errbuf[CURL_ERROR_SIZE])
{
	CURL *h = curl_easy_init();
	struct curl_slist *hd = NULL, *t;
	const char *const *l;
	CURLcode cc = CURLE_OUT_OF_MEMORY;
	long ms = (long)(timeout * 1000);

	errbuf[0] = '\0';
	*status = 0;
	if (!h)
		return CURLE_OUT_OF_MEMORY;
	sink->h = h;
	if (ms < 1)
		ms = 1;
	for (l = rq->headers; l && *l; l++) {
		if (!(t = curl_slist_append(hd, *l)))
			goto out;
		hd = t;
	}
	if (!(t = curl_slist_append(hd, "Expect:")))
		goto out;
	hd = t;
	if (rq->body && !has_header(rq->headers, "Content-Type")) {
		if (!(t = curl_slist_append(hd, "Content-Type: application/octet-stream")))
			goto out;
		hd = t;
	}
	if (curl_easy_setopt(h, CURLOPT_URL, rq->url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "mlci/" MLCI_VERSION) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink) != CURLE_OK)
		goto out;
	if (rq->body && (curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
					  (curl_off_t)rq->body_size) != CURLE_OK ||
			 curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body) != CURLE_OK))
		goto out;
	if (!strcmp(rq->method, "HEAD")) {
		if (curl_easy_setopt(h, CURLOPT_NOBODY, 1L) != CURLE_OK)
			goto out;
	} else if ((rq->body ? strcmp(rq->method, "POST") : strcmp(rq->method, "GET")) &&
		   curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) != CURLE_OK) {
		goto out;
	}
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
out:
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	return cc;
}

/* ---- messages -------------------------------------------------------- */

/* Replace every occurrence of secret (when it is long enough to mean
 * something) in s by REDACTED. */
static void scrub(char *s, size_t cap, const char *secret)
{
	size_t k = secret ? strlen(secret) : 0, r = strlen(REDACTED);
	char *p, *from = s;

	if (k < 3)
		return;
	while ((p = strstr(from, secret)) != NULL) {
		size_t tail = strlen(p + k);

		if ((size_t)(p - s) + r + tail + 1 > cap)
			tail = cap - (size_t)(p - s) - r - 1;
		memmove(p + r, p + k, tail);
		memcpy(p, REDACTED, r);
		p[r + tail] = '\0';
		from = p + r;	/* a secret holding REDACTED must not loop */
	}
}

/* libcurl's error text for cc, with url's userinfo scrubbed out. */
static void curl_why(CURLcode cc, const char *errbuf, const char *url,
		     char *out, size_t n)
{
	CURLU *u = curl_url();
	char *user = NULL, *pass = NULL;

	snprintf(out, n, "%s", errbuf && errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_USER, &user, 0);
		curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
		scrub(out, n, pass);
		scrub(out, n, user);
	}
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
}


int http_status_err(const char *method, const char *url, long status,
		    const char *what, struct mlci_err *err)
{
	const char *why;

	switch (status) {
	case 401: why = "the credentials were refused or are missing"; break;
	case 403: why = "forbidden: the credentials are not allowed to do this"; break;
	case 404: why = "not found"; break;
	case 405: why = "method not allowed (is WebDAV enabled for PUT/MKCOL/MOVE?)"; break;
	case 409: why = "conflict"; break;
	case 413: why = "the server refuses a body this large"; break;
	default: why = "unexpected status"; break;
	}
	return err_set_url(err, status == 401 || status == 403 || status == 404 ?
		       MLCI_EXIT_NOINPUT : MLCI_EXIT_DATAERR, url,
		       "%s%s%s: HTTP %ld: %s", what ? what : "", what ? ": " : "",
		       method, status, why);
}

/* ---- the request ----------------------------------------------------- */

int http_check_url(const char *url, struct mlci_err *err)
{
	CURLU *u;

	pthread_once(&curl_once, curl_init);
	u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = 0;

	if (!u)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0])
		rc = err_set_url(err, MLCI_EXIT_USAGE, url, "%s", "not a valid URL");
	else if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))
		rc = err_set_url(err, MLCI_EXIT_USAGE, url, "only http:// and https:// URLs are supported, not %s://",
			     scheme);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

char *http_url_without_credentials(const char *url)
{
	CURLU *u;
	char *got = NULL, *out = NULL;

	pthread_once(&curl_once, curl_init);
	if (!(u = curl_url()))
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &got, 0) == CURLUE_OK)
		out = strdup(got);
	curl_free(got);
	curl_url_cleanup(u);
	return out;
}

int http_request(const struct http_request *rq, const struct http_policy *pol,
		 struct http_response *resp, struct http_stats *stats,
		 struct mlci_err *err)
{
	char errbuf[CURL_ERROR_SIZE], why[CURL_ERROR_SIZE + 64];
	struct sink sink;
	int retries = pol && pol->retries ? (pol->retries < 0 ? 0 : pol->retries) :
		      HTTP_DEFAULT_RETRIES;
	double timeout = pol && pol->timeout > 0 ? pol->timeout : HTTP_DEFAULT_TIMEOUT;
	uint64_t rng;

	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->body);
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot initialise libcurl");
	if (http_check_url(rq->url, err) < 0)
		return -1;
	if (pol && pol->seed) {
		rng = pol->seed;
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		rng = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^
		      ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)resp;
	}
	sink.body = &resp->body;
	sink.max = rq->max_response ? rq->max_response : HTTP_DEFAULT_MAX_RESPONSE;
	for (;;) {
		CURLcode cc;
		enum http_class k;

		buf_reset(&resp->body);
		sink.too_large = sink.oom = 0;
		resp->attempts++;
		if (stats) {
			stats->requests++;
			if (resp->attempts > 1)
				stats->retries++;
		}
		cc = attempt(rq, timeout, &sink, &resp->status, errbuf);
		if (sink.too_large)
			return err_set_url(err, MLCI_EXIT_DATAERR, rq->url,
				       "%s: the response is larger than %zu bytes",
				       rq->method, sink.max);
		if (sink.oom || cc == CURLE_OUT_OF_MEMORY)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		k = http_classify((int)cc, resp->status);
		if (k == HTTP_ANSWER)
			return 0;
		if (cc != CURLE_OK)
			curl_why(cc, errbuf, rq->url, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "HTTP %ld", resp->status);
		if (k == HTTP_FAIL_USAGE || k == HTTP_FAIL_IO)
			return err_set_url(err, k == HTTP_FAIL_USAGE ? MLCI_EXIT_USAGE : MLCI_EXIT_IOERR,
				       rq->url, "%s: %s", rq->method, why);
		if (resp->attempts > retries)
			return err_set_url(err, MLCI_EXIT_TEMPFAIL, rq->url,
				       "%s: %s, after %d attempt%s", rq->method, why,
				       resp->attempts, resp->attempts == 1 ? "" : "s");
		sleep_s(http_backoff(pol, resp->attempts, &rng));
	}
}

void http_response_release(struct http_response *resp)
{
	if (!resp)
		return;
	buf_release(&resp->body);
	resp->status = 0;
}
