/*
 * registry_net.c - see registry_net.h.
 */
#include "registry_net.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "redact.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc;

static void init(void)
{
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
	struct regnet_resp *resp;
	size_t max;
	int too_large;
};

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
	struct sink *s = u;
	size_t k = sz * n;

	if (s->resp->body.len + k > s->max || buf_add(&s->resp->body, p, k) < 0) {
		s->too_large = 1;
		return 0;
	}
	return k;
}

/* The value of header line p (n bytes) from byte i (after the name), into
 * dst (cap bytes): blanks around it dropped. 1 when it did not fit. */
static int header_value(const char *p, size_t n, size_t i, char *dst, size_t cap)
{
	size_t j = 0, end;
	int cut = 0;

	for (; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	for (end = i; end < n && p[end] != '\r' && p[end] != '\n' && p[end] != '\0'; end++)
		;
	while (end > i && (p[end - 1] == ' ' || p[end - 1] == '\t'))
		end--;
	for (; i < end; i++) {
		if (j + 1 >= cap) {
			cut = 1;
			break;
		}
		dst[j++] = p[i];
	}
	dst[j] = '\0';
	return cut;
}

void regnet_header(struct regnet_resp *resp, const char *p, size_t k)
{
	if (k >= 5 && !memcmp(p, "HTTP/", 5)) {
		resp->etag[0] = '\0';
		resp->location[0] = '\0';
		resp->etag_cut = resp->location_cut = 0;
	} else if (k >= 5 && !strncasecmp(p, "etag:", 5)) {
		resp->etag_cut = header_value(p, k, 5, resp->etag, sizeof(resp->etag));
	} else if (k >= 9 && !strncasecmp(p, "location:", 9)) {
		resp->location_cut = header_value(p, k, 9, resp->location,
						  sizeof(resp->location));
	}
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
	struct sink *s = u;

	regnet_header(s->resp, p, sz * n);
	return sz * n;
}

static int fail(struct mlci_err *err, int code, const char *url, const char *why)
{
	char *red = url_redact(url);
	int rc = err_set(err, code, red ? red : "(url)", "%s", why);

	free(red);
	return rc;
}

int regnet_once(const struct regnet_req *rq, struct regnet_resp *resp,
		int *temporary, struct mlci_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hd = NULL, *t;
	struct sink s = { resp, rq->max_body, 0 };
	long timeout = rq->timeout_ms > 0 ? rq->timeout_ms : 30000;
	CURL *h = NULL;
	CURLcode cc;
	size_t i;
	int rc = -1;

	*temporary = 0;
	buf_init(&resp->body);
	resp->status = 0;
	resp->etag[0] = '\0';
	resp->location[0] = '\0';
	resp->etag_cut = resp->location_cut = 0;
	pthread_once(&once, init);
	if (init_rc != CURLE_OK || !(h = curl_easy_init()))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot initialise libcurl");
	for (i = 0; i < rq->nheaders; i++) {
		if (!(t = curl_slist_append(hd, rq->headers[i])))
			goto oom;
		hd = t;
	}
	if (!(t = curl_slist_append(hd, "Expect:")))
		goto oom;
	hd = t;
	if (curl_easy_setopt(h, CURLOPT_URL, rq->url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "mlci/" MLCI_VERSION) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, &s) != CURLE_OK)
		goto oom;
	if (!strcmp(rq->method, "HEAD")) {
		if (curl_easy_setopt(h, CURLOPT_NOBODY, 1L) != CURLE_OK)
			goto oom;
	} else if (!strcmp(rq->method, "PUT") || !strcmp(rq->method, "POST")) {
		if (curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "") != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				     (curl_off_t)rq->body_len) != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) != CURLE_OK)
			goto oom;
	} else if (strcmp(rq->method, "GET") &&
		   curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) != CURLE_OK) {
		goto oom;
	}
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (s.too_large) {
		char why[96];

		snprintf(why, sizeof(why), "the response is larger than %zu bytes", rq->max_body);
		fail(err, MLCI_EXIT_DATAERR, rq->url, why);
	} else if (cc == CURLE_OUT_OF_MEMORY) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	} else if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT) {
		fail(err, MLCI_EXIT_USAGE, rq->url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	} else if (cc != CURLE_OK) {
		*temporary = 1;
		fail(err, MLCI_EXIT_TEMPFAIL, rq->url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	} else {
		rc = 0;
	}
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	if (rc < 0)
		buf_release(&resp->body);
	return rc;
}
