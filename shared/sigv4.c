/*
 * sigv4.c - see sigv4.h.
 */
#include "sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"
#include "util.h"

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int sigv4_uri_encode(struct buf *out, const char *s, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (keep_slash && c == '/')) {
			if (buf_addch(out, (char)c) < 0)
				return -1;
		} else if (buf_addch(out, '%') < 0 || buf_addch(out, hex[c >> 4]) < 0 ||
			   buf_addch(out, hex[c & 15]) < 0) {
			return -1;
		}
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) then encode it again, onto out. A '%' not
 * followed by two hex digits stays a literal '%'. */
static int reencode(struct buf *out, const char *s, size_t n)
{
	struct buf raw;
	size_t i;
	int rc;

	buf_init(&raw);
	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			if (buf_addch(&raw, (char)(hi * 16 + lo)) < 0)
				goto oom;
			i += 2;
		} else if (buf_addch(&raw, s[i]) < 0) {
			goto oom;
		}
	}
	rc = sigv4_uri_encode(out, raw.data, raw.len, 0);
	buf_release(&raw);
	return rc;
oom:
	buf_release(&raw);
	return -1;
}

struct qpair {
	char *name;	/* encoded */
	char *value;	/* encoded */
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* The canonical query of q onto out. */
static int canonical_query(struct buf *out, const char *q)
{
	struct qpair *p = NULL;
	size_t np = 0, i;
	const char *s = q;
	int rc = -1;

	if (!q || !*q)
		return 0;
	while (*s) {
		size_t len = strcspn(s, "&"), klen;
		const char *eq = memchr(s, '=', len);
		struct buf k, v;
		struct qpair *t;

		if (len == 0) {
			s++;
			continue;
		}
		klen = eq ? (size_t)(eq - s) : len;
		buf_init(&k);
		buf_init(&v);
		t = realloc(p, (np + 1) * sizeof(*p));
		if (!t || reencode(&k, s, klen) < 0 ||
		    (eq && reencode(&v, eq + 1, len - klen - 1) < 0)) {
			buf_release(&k);
			buf_release(&v);
			if (t)
				p = t;
			goto done;
		}
		p = t;
		p[np].name = buf_detach(&k, NULL);
		p[np].value = buf_detach(&v, NULL);
		np++;
		s += len;
		if (*s == '&')
			s++;
	}
	qsort(p, np, sizeof(*p), qpair_cmp);
	for (i = 0; i < np; i++)
		if ((i && buf_addch(out, '&') < 0) || buf_addstr(out, p[i].name) < 0 ||
		    buf_addch(out, '=') < 0 || buf_addstr(out, p[i].value) < 0)
			goto done;
	rc = 0;
done:
	for (i = 0; i < np; i++) {
		free(p[i].name);
		free(p[i].value);
	}
	free(p);
	return rc;
}

struct hdr {
	char *name;	/* lower case */
	struct buf value;	/* trimmed, joined */
	size_t order;
};

static int hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* value trimmed, runs of blanks made one space, onto b. */
static int add_trimmed(struct buf *b, const char *v)
{
	int space = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
			space = 1;
			continue;
		}
		if (space && buf_addch(b, ' ') < 0)
			return -1;
		space = 0;
		if (buf_addch(b, *v) < 0)
			return -1;
	}
	return 0;
}

static int name_ok(const char *s)
{
	const char *p;

	if (!s || !*s)
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == ':' || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

/* Canonical headers onto ch, signed header names onto sh. */
static int canonical_headers(const struct sigv4_request *rq, struct buf *ch,
			     struct buf *sh, struct mlci_err *err)
{
	struct hdr *h = calloc(rq->nheaders ? rq->nheaders : 1, sizeof(*h));
	size_t i, n = 0, j;
	int rc = -1;

	if (!h)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < rq->nheaders; i++) {
		const char *nm = rq->headers[i].name;

		if (!name_ok(nm) || !rq->headers[i].value) {
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"sigv4: header %zu has no valid name or no value", i + 1);
			goto done;
		}
		h[n].name = strdup(nm);
		buf_init(&h[n].value);
		h[n].order = i;
		if (!h[n].name) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
		for (j = 0; h[n].name[j]; j++)
			if (h[n].name[j] >= 'A' && h[n].name[j] <= 'Z')
				h[n].name[j] = (char)(h[n].name[j] - 'A' + 'a');
		if (add_trimmed(&h[n].value, rq->headers[i].value) < 0) {
			n++;
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
		n++;
	}
	qsort(h, n, sizeof(*h), hdr_cmp);
	for (i = 0; i < n; i = j) {
		if (buf_addstr(ch, h[i].name) < 0 || buf_addch(ch, ':') < 0 ||
		    buf_add(ch, h[i].value.data, h[i].value.len) < 0)
			goto oom;
		for (j = i + 1; j < n && !strcmp(h[j].name, h[i].name); j++)
			if (buf_addch(ch, ',') < 0 ||
			    buf_add(ch, h[j].value.data, h[j].value.len) < 0)
				goto oom;
		if (buf_addch(ch, '\n') < 0 || (sh->len && buf_addch(sh, ';') < 0) ||
		    buf_addstr(sh, h[i].name) < 0)
			goto oom;
	}
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	for (i = 0; i < n; i++) {
		free(h[i].name);
		buf_release(&h[i].value);
	}
	free(h);
	return rc;
}

static int hmac(const void *key, size_t klen, const void *msg, size_t n,
		unsigned char out[32])
{
	unsigned int len = 32;

	return HMAC(EVP_sha256(), key, (int)klen, msg, n, out, &len) && len == 32 ? 0 : -1;
}

int sigv4_signing_key(const char *secret, const char *yyyymmdd,
		      const char *region, const char *service,
		      unsigned char key[32])
{
	struct buf k;
	unsigned char a[32], b[32];
	int rc = -1;

	if (!secret || !yyyymmdd || !region || !service)
		return -1;
	buf_init(&k);
	if (buf_addstr(&k, "AWS4") == 0 && buf_addstr(&k, secret) == 0 &&
	    hmac(k.data, k.len, yyyymmdd, strlen(yyyymmdd), a) == 0 &&
	    hmac(a, 32, region, strlen(region), b) == 0 &&
	    hmac(b, 32, service, strlen(service), a) == 0 &&
	    hmac(a, 32, "aws4_request", 12, key) == 0)
		rc = 0;
	explicit_bzero(a, sizeof(a));
	explicit_bzero(b, sizeof(b));
	if (k.data)
		explicit_bzero(k.data, k.len);
	buf_release(&k);
	return rc;
}

static int date_ok(const char *d)
{
	size_t i;

	if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return 0;
	for (i = 0; i < 15; i++)
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			return 0;
	return 1;
}

static int token_ok(const char *s)
{
	return s && *s && !strpbrk(s, "/\n\r ,");
}

int sigv4_sign(const struct sigv4_request *rq, struct sigv4_result *out,
	       struct mlci_err *err)
{
	struct buf cr, sts, ch, sh, auth;
	char date[9], crhash[SHA256_HEX_LEN + 1];
	unsigned char key[32], sig[32];
	static const char hex[] = "0123456789abcdef";
	int rc = -1;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!rq->method || !*rq->method || strpbrk(rq->method, " \n\r"))
		return err_set(err, MLCI_EXIT_USAGE, NULL, "sigv4: no method");
	if (!rq->path || rq->path[0] != '/')
		return err_set(err, MLCI_EXIT_USAGE, NULL, "sigv4: the path must start with '/'");
	if (!date_ok(rq->amz_date))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "sigv4: the date must be YYYYMMDDTHHMMSSZ");
	if (!token_ok(rq->region) || !token_ok(rq->service) || !token_ok(rq->access_key) ||
	    !rq->secret_key || !rq->payload_hash || !*rq->payload_hash)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "sigv4: region, service, access key, secret key and payload hash are needed");
	memcpy(date, rq->amz_date, 8);
	date[8] = '\0';
	buf_init(&cr);
	buf_init(&sts);
	buf_init(&ch);
	buf_init(&sh);
	buf_init(&auth);
	if (canonical_headers(rq, &ch, &sh, err) < 0)
		goto done;
	if (buf_addstr(&cr, rq->method) < 0 || buf_addch(&cr, '\n') < 0 ||
	    sigv4_uri_encode(&cr, rq->path, strlen(rq->path), 1) < 0 ||
	    buf_addch(&cr, '\n') < 0 || canonical_query(&cr, rq->query) < 0 ||
	    buf_addch(&cr, '\n') < 0 || buf_add(&cr, ch.data, ch.len) < 0 ||
	    buf_addch(&cr, '\n') < 0 || buf_add(&cr, sh.data, sh.len) < 0 ||
	    buf_addch(&cr, '\n') < 0 || buf_addstr(&cr, rq->payload_hash) < 0)
		goto oom;
	sha256_buf(cr.data, cr.len, crhash);
	if (buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
		       rq->amz_date, date, rq->region, rq->service, crhash) < 0)
		goto oom;
	if (sigv4_signing_key(rq->secret_key, date, rq->region, rq->service, key) < 0 ||
	    hmac(key, 32, sts.data, sts.len, sig) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "sigv4: HMAC-SHA256 failed");
		goto done;
	}
	for (i = 0; i < 32; i++) {
		out->signature[2 * i] = hex[sig[i] >> 4];
		out->signature[2 * i + 1] = hex[sig[i] & 15];
	}
	out->signature[64] = '\0';
	if (buf_printf(&auth, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
		       rq->access_key, date, rq->region, rq->service, sh.data,
		       out->signature) < 0)
		goto oom;
	out->canonical_request = buf_detach(&cr, NULL);
	out->string_to_sign = buf_detach(&sts, NULL);
	out->signed_headers = buf_detach(&sh, NULL);
	out->authorization = buf_detach(&auth, NULL);
	rc = 0;
	goto done;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
done:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(sig, sizeof(sig));
	if (rc < 0)
		explicit_bzero(out->signature, sizeof(out->signature));
	buf_release(&cr);
	buf_release(&sts);
	buf_release(&ch);
	buf_release(&sh);
	if (auth.data)
		explicit_bzero(auth.data, auth.len);
	buf_release(&auth);
	return rc;
}

void sigv4_result_free(struct sigv4_result *out)
{
	free(out->canonical_request);
	free(out->string_to_sign);
	free(out->signed_headers);
	if (out->authorization) {
		explicit_bzero(out->authorization, strlen(out->authorization));
		free(out->authorization);
	}
	explicit_bzero(out->signature, sizeof(out->signature));
	memset(out, 0, sizeof(*out));
}

void sigv4_amz_date(time_t t, char out[17])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}
