/*
 * http.h - one HTTP request over libcurl, with the retry policy every
 * network client of the core shares (registries, later other servers).
 *
 * http_request sends one request (any method, a body from memory, extra
 * header lines) and collects the response body into memory up to a cap.
 * What fails on the way is sorted into two kinds:
 *   retryable  cannot connect or resolve, a timeout, a connection cut
 *              before the whole response arrived (partial transfer, empty
 *              reply, send/receive errors), and the statuses 408, 429 and
 *              5xx. They are retried up to policy->retries times, waiting
 *              http_backoff() between attempts; when the budget is spent
 *              the error is 75 (temporary failure).
 *   final      everything else. A malformed URL or a scheme other than
 *              http/https is 64; other transport errors (TLS certificate
 *              refused, ...) are 74; a response larger than the cap is 65.
 * Any other status (2xx, 3xx, 4xx) is an answer, not an error:
 * http_request returns 0 with it in resp->status, and the caller decides
 * what it means (a 404 often says "not there yet"). http_status_err turns
 * a status the caller did not expect into the shared mapping: 401 and 403
 * are 66 (the credentials were refused or are missing), 404 is 66, other
 * statuses 65. Redirects are not followed.
 *
 * Credentials: a URL's userinfo (https://user:secret@host/...) is sent as
 * HTTP Basic auth by libcurl; header lines may carry an Authorization or
 * token header. Neither is ever part of an error message: messages name
 * the URL as url_redact (redact.h) shows it, and libcurl's own error text
 * is scrubbed of the userinfo too.
 *
 * Thread-safe: libcurl is initialised once; each request uses its own
 * connection (no reuse), so a request is one connection, start to end.
 */
#ifndef MLCI_HTTP_H
#define MLCI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

/* How hard to try. Zero fields take the defaults in brackets. */
struct http_policy {
	int retries;		/* retries after the first attempt [3]; < 0: none */
	double timeout;		/* seconds for one attempt, connect to last byte [30] */
	double backoff;		/* seconds before the first retry [1]; doubles after */
	double backoff_max;	/* cap on one wait [30] */
	uint64_t seed;		/* jitter's random state; 0: seeded from the clock */
};

#define HTTP_DEFAULT_RETRIES 3
#define HTTP_DEFAULT_TIMEOUT 30.0
#define HTTP_DEFAULT_BACKOFF 1.0
#define HTTP_DEFAULT_BACKOFF_MAX 30.0
#define HTTP_DEFAULT_MAX_RESPONSE ((size_t)64 << 20)

struct http_request {
	const char *method;		/* "GET", "PUT", "MKCOL", "MOVE", ... */
	const char *url;		/* http:// or https://, may hold userinfo */
	const char *const *headers;	/* NULL-terminated "Name: value" lines, or NULL */
	const void *body;		/* request body, or NULL for none */
	size_t body_size;
	size_t max_response;		/* cap on the response body; 0: 64 MiB */
};

struct http_response {
	long status;		/* the final attempt's status */
	struct buf body;	/* its body (owned: http_response_release) */
	int attempts;		/* attempts made, >= 1 once a request was sent */
};

/* Running totals a caller may keep across many requests. */
struct http_stats {
	long requests;		/* requests made (each retry counts once more) */
	long retries;		/* of those, retries */
};

/*
 * Send rq under policy pol (NULL: defaults), retrying what is retryable.
 * Returns 0 with resp filled when a non-retryable status arrived (any
 * status; see above), -1 with err set otherwise (64, 65, 70, 74, 75).
 * resp is initialised by the call; release it with http_response_release
 * in both cases. stats (may be NULL) is added to.
 */
int http_request(const struct http_request *rq, const struct http_policy *pol,
		 struct http_response *resp, struct http_stats *stats,
		 struct mlci_err *err);

void http_response_release(struct http_response *resp);

/* 0 when url parses as an http:// or https:// URL with a host; 64
 * naming the redacted URL otherwise. */
int http_check_url(const char *url, struct mlci_err *err);

/* A malloc'd copy of url without its userinfo (for a WebDAV Destination
 * header, say); NULL when url does not parse or out of memory. */
char *http_url_without_credentials(const char *url);

/* An error for an unexpected status of method on url (see above for the
 * codes); what (may be NULL) says what was being done. Returns -1. */
int http_status_err(const char *method, const char *url, long status,
		    const char *what, struct mlci_err *err);

/* ---- the policy, exposed for tests and for other transports ---- */

enum http_class {
	HTTP_ANSWER,		/* a response to hand to the caller */
	HTTP_RETRY,		/* retryable */
	HTTP_FAIL_USAGE,	/* final: bad URL or scheme (64) */
	HTTP_FAIL_IO,		/* final: another transport error (74) */
};

/* Classify one attempt: curl_code is its CURLcode (0 when the transfer
 * completed), status the HTTP status received (0 when none). */
enum http_class http_classify(int curl_code, long status);

/* Seconds to wait before retry number retry (1 for the first): the
 * exponential step min(backoff_max, backoff * 2^(retry-1)) with "equal
 * jitter": uniform in [step/2, step], drawn from *rng (advanced). */
double http_backoff(const struct http_policy *pol, int retry, uint64_t *rng);

#endif
