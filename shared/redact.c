/*
 * redact.c - see redact.h.
 */
#include "redact.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

char *url_redact(const char *url)
{
	const char *sep, *auth, *end, *at, *colon, *q, *p;
	struct buf b;

	if (!url)
		return NULL;
	sep = strstr(url, "://");
	if (!sep)
		return strdup(url);
	buf_init(&b);
	auth = sep + 3;
	end = auth + strcspn(auth, "/?#");
	/* the last '@' of the authority ends the userinfo */
	at = NULL;
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (buf_add(&b, url, (size_t)(auth - url)) < 0)
		goto oom;
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon) {
			if (buf_add(&b, auth, (size_t)(colon + 1 - auth)) < 0 ||
			    buf_addstr(&b, REDACTED) < 0)
				goto oom;
		} else if (buf_addstr(&b, REDACTED) < 0) {
			goto oom;
		}
		p = at;
	} else {
		p = auth;
	}
	q = p + strcspn(p, "?#");
	if (buf_add(&b, p, (size_t)(q - p)) < 0)
		goto oom;
	if (*q == '?') {
		/* every value: names stay, values go */
		p = q + 1;
		if (buf_addch(&b, '?') < 0)
			goto oom;
		while (*p && *p != '#') {
			size_t n = strcspn(p, "&#"), k = strcspn(p, "=&#");

			if (buf_add(&b, p, k) < 0 ||
			    (k < n && (buf_addch(&b, '=') < 0 ||
				       buf_addstr(&b, REDACTED) < 0)))
				goto oom;
			p += n;
			if (*p == '&') {
				if (buf_addch(&b, '&') < 0)
					goto oom;
				p++;
			}
		}
		q = p;
	}
	if (*q == '#' && (buf_addstr(&b, "#" REDACTED) < 0))
		goto oom;
	return buf_detach(&b, NULL);
oom:
	buf_release(&b);
	return NULL;
}

int url_has_secret(const char *url)
{
	char *r = url_redact(url);
	int changed = !r || strcmp(r, url);

	free(r);
	return changed;
}

int err_set_url(struct mlci_err *err, int code, const char *url,
		const char *fmt, ...)
{
	char *red = url_redact(url), msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc = err_set(err, code, red ? red : "(url)", "%s", msg);
	free(red);
	return rc;
}
