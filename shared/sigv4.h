/*
 * sigv4.h - AWS Signature Version 4 (header form), as a pure function of
 * its inputs: no clock, no environment, no network, so it is tested
 * against AWS's published vectors with their fixed timestamps.
 *
 * Steps (AWS's names): the canonical request
 *   METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n PAYLOAD-HASH
 * (URI: the path with every byte outside A-Z a-z 0-9 - . _ ~ and '/'
 * percent-encoded once, as S3 wants, no dot-segment normalisation; QUERY:
 * each name=value decoded, re-encoded with the same rule ('/' too), sorted
 * by name then value; HEADERS: lower-case names, values trimmed with inner
 * runs of spaces made one, repeated names joined with ',', sorted), the
 * string to sign
 *   AWS4-HMAC-SHA256 \n DATE \n SCOPE \n hex(SHA-256(canonical request))
 * with SCOPE = YYYYMMDD/REGION/SERVICE/aws4_request, the signing key
 * HMAC(HMAC(HMAC(HMAC("AWS4" SECRET, YYYYMMDD), REGION), SERVICE),
 * "aws4_request"), and the Authorization header value
 *   AWS4-HMAC-SHA256 Credential=KEY/SCOPE, SignedHeaders=..., Signature=...
 * Every header given is signed; the caller passes host, x-amz-date,
 * x-amz-content-sha256 (S3) and x-amz-security-token (when there is a
 * session token) among them, with the same values it sends.
 *
 * The signature and the Authorization value are secrets for as long as
 * they are valid: never print them. Owned by the core; OpenSSL's
 * HMAC-SHA256 stays inside sigv4.c.
 */
#ifndef MLCI_SIGV4_H
#define MLCI_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "error.h"

#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_header {
	const char *name;
	const char *value;
};

struct sigv4_request {
	const char *method;		/* "GET", "PUT", ... */
	const char *path;		/* raw (not percent-encoded), from '/' */
	const char *query;		/* as in the URL without '?', or NULL */
	const struct sigv4_header *headers;
	size_t nheaders;
	const char *payload_hash;	/* hex SHA-256 of the body, or UNSIGNED-PAYLOAD */
	const char *region;		/* "us-east-1" */
	const char *service;		/* "s3" */
	const char *access_key;
	const char *secret_key;
	const char *amz_date;		/* YYYYMMDDTHHMMSSZ (the x-amz-date value) */
};

/* What sigv4_sign computed (all owned; free with sigv4_result_free). */
struct sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signed_headers;		/* "host;x-amz-date" */
	char signature[65];		/* hex */
	char *authorization;		/* the Authorization header's value */
};

/* Sign rq into *out. Returns 0, or -1 with err set (64: a missing or
 * malformed input, e.g. amz_date not YYYYMMDDTHHMMSSZ, a header name with
 * a blank or ':', a path not starting with '/'; 70: out of memory). */
int sigv4_sign(const struct sigv4_request *rq, struct sigv4_result *out,
	       struct mlci_err *err);

/* Free what out holds, wiping the signature and Authorization value;
 * leaves it zeroed. */
void sigv4_result_free(struct sigv4_result *out);

/* The derived signing key (32 bytes) for secret, YYYYMMDD, region and
 * service. Returns 0, or -1 (a NULL input, or OpenSSL failed). */
int sigv4_signing_key(const char *secret, const char *yyyymmdd,
		      const char *region, const char *service,
		      unsigned char key[32]);

/* Percent-encode s (n bytes) the SigV4 way onto *out: unreserved bytes
 * as they are, '/' too when keep_slash, everything else as %XX (upper
 * case). Returns 0, or -1 on out of memory. */
struct buf;
int sigv4_uri_encode(struct buf *out, const char *s, size_t n, int keep_slash);

/* t as YYYYMMDDTHHMMSSZ (UTC) into out. */
void sigv4_amz_date(time_t t, char out[17]);

#endif
