/*
 * redact.h - keep credentials out of messages and artifacts.
 *
 * A URL a user gives (a registry, later an artifact server) may carry a
 * secret: "https://gitlab-ci-token:TOKEN@host/...", "https://TOKEN@host",
 * or "...?private_token=TOKEN". Anything that echoes a URL (an error
 * message, the "target" of deploy.json) shows url_redact's copy instead:
 * the password of the userinfo (or the whole userinfo when it has no
 * ':'), and every query value and the fragment, become "***". Scheme,
 * host, port, path and query names stay, so the message still says where.
 * Owned by the core; used by registry.c and the steps' messages.
 */
#ifndef MLCI_REDACT_H
#define MLCI_REDACT_H

#include <stddef.h>

#define REDACTED "***"

/* A malloc'd redacted copy of url (NULL on out of memory, or if url is
 * NULL). Text that is not a URL is copied unchanged. */
char *url_redact(const char *url);

/* 1 when url_redact would change url. */
int url_has_secret(const char *url);

struct mlci_err;

/* err_set with url, redacted, as the error's "file"; returns -1. */
int err_set_url(struct mlci_err *err, int code, const char *url,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
