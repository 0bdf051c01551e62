/*
 * registry_net.h - the one HTTP exchange the network registries (s3://,
 * gitlab://) make: a method, a URL, request headers, a body from memory,
 * the response body to memory (capped), its status, ETag and Location
 * (redirects are not followed). No retry here: registry_store.c decides what to try again. libcurl stays inside
 * registry_net.c.
 */
#ifndef MLCI_REGISTRY_NET_H
#define MLCI_REGISTRY_NET_H

#include <stddef.h>

#include "error.h"
#include "http.h"
#include "util.h"

struct regnet_req {
	const char *method;		/* "GET", "HEAD", "PUT" */
	const char *url;
	const char *const *headers;	/* "Name: value" lines (may hold secrets) */
	size_t nheaders;
	const void *body;		/* sent when method is PUT (may be empty) */
	size_t body_len;
	size_t max_body;		/* a longer response body is an error (65) */
	long timeout_ms;		/* whole request and connect; <= 0: 30 s */
	/* store_http's retries and waits (NULL: http.h's defaults) */
	const struct http_policy *policy;
};

struct regnet_resp {
	long status;		/* HTTP status; 0 when there was no answer */
	struct buf body;	/* initialised by regnet_once; buf_release it */
	char etag[160];		/* ETag header, "" when none */
	char location[2048];	/* Location header (a redirect), "" when none */
	int etag_cut;		/* 1: the ETag did not fit etag (it holds the start) */
	int location_cut;	/* 1: the Location did not fit location */
};

/*
 * One header line of a response as libcurl hands it over: the status
 * line ("HTTP/1.1 200 OK\r\n"), a "Name: value\r\n" line, or the blank
 * line ending the headers. n bytes, not NUL-terminated, may hold any
 * byte. A status line starts a new response (after a 1xx): the ETag and
 * Location seen so far are forgotten. ETag and Location (names in any
 * case) go into resp with the blanks around the value dropped, cut at
 * the first CR, LF or NUL; a value longer than its field sets etag_cut
 * or location_cut (the caller refuses it, 65: a cut ETag would never
 * match, a cut Location goes somewhere else). Other lines are ignored.
 * No I/O: regnet_once's header callback, and the fuzz target.
 */
void regnet_header(struct regnet_resp *resp, const char *line, size_t n);

/*
 * One attempt. Returns 0 with resp->status set (any status), or -1 with
 * err set: *temporary is 1 for a failure worth trying again (no
 * connection, timeout, cut transfer; code 75), 0 otherwise (a bad URL:
 * 64; a body over max_body: 65; out of memory: 70). Messages name the
 * url as url_redact shows it, never a header.
 */
int regnet_once(const struct regnet_req *rq, struct regnet_resp *resp,
		int *temporary, struct mlci_err *err);

#endif
