/*
 * resp.h - a server's answer as the response fuzz targets take it:
 *
 *   OP STATUS-HI STATUS-LO HEADERS "\n--\n" BODY
 *
 * OP picks what the target does with it; the status is 100 + the two
 * bytes modulo 500 (100-599); HEADERS are header lines as libcurl hands
 * them over (each up to and with its '\n', the last one may lack it).
 * Without a separator everything after the status is the body and there
 * are no headers.
 */
#ifndef MLCI_FUZZ_RESP_H
#define MLCI_FUZZ_RESP_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"

struct fuzz_resp {
	unsigned op;
	long status;
	const uint8_t *headers;
	size_t headers_len;
	const char *body;	/* a NUL-terminated copy (free it) */
	size_t body_len;
};

/* 0 with r filled, -1 when the input is too short to mean anything. */
static inline int fuzz_resp_split(const uint8_t *data, size_t n, struct fuzz_resp *r)
{
	const uint8_t *part[2];
	size_t len[2], np;

	if (n < 3)
		return -1;
	r->op = data[0];
	r->status = 100 + (long)(((unsigned)data[1] << 8 | data[2]) % 500);
	np = fuzz_split(data + 3, n - 3, part, len, 2);
	if (np == 2) {
		r->headers = part[0];
		r->headers_len = len[0];
	} else {
		r->headers = NULL;
		r->headers_len = 0;
	}
	r->body_len = len[np - 1];
	r->body = fuzz_strndup(part[np - 1], r->body_len);
	return 0;
}

/* Call fn(ctx, line, n) on each header line of r (with its '\n'). */
static inline void fuzz_resp_lines(const struct fuzz_resp *r,
				   void (*fn)(void *, const char *, size_t), void *ctx)
{
	size_t i = 0;

	while (i < r->headers_len) {
		const uint8_t *nl = memchr(r->headers + i, '\n', r->headers_len - i);
		size_t k = nl ? (size_t)(nl - (r->headers + i)) + 1 : r->headers_len - i;

		fn(ctx, (const char *)r->headers + i, k);
		i += k;
	}
}

/* A header value as the parsers keep it: NUL-terminated inside cap, no
 * CR or LF in it, no blank at either end; a value cut to fit (cut: 1) is
 * only the start of one, so it may end in a blank (its reader refuses
 * it). */
static inline void fuzz_assert_value(const char *v, size_t cap, int cut)
{
	size_t k = strnlen(v, cap);

	assert(k < cap);
	assert(!strpbrk(v, "\r\n"));
	assert(k == 0 || (v[0] != ' ' && v[0] != '\t'));
	assert(k == 0 || cut || (v[k - 1] != ' ' && v[k - 1] != '\t'));
}

#endif
