/*
 * pushgw.h - Prometheus text exposition and pushing it to a Pushgateway.
 *
 * Exposition (text format 0.0.4, what a Pushgateway accepts and
 * `promtool check metrics` lints): each metric's "# HELP" and "# TYPE"
 * lines, then its samples "name{l="v",...} value", no timestamps (a
 * Pushgateway rejects pushed samples with timestamps), one LF after each
 * line. Label values escape backslash, double quote and newline as \\,
 * \" and \n; values are printed with 17 significant digits (%.17g) so
 * they read back exactly, and never as NaN or Inf (prom_sample refuses
 * them).
 *
 * Grouping key (the URL path): /metrics/job/<job>{/<label>/<value>}. A
 * value that is empty or contains '/' is written in the base64 form
 * <label>@base64/<value in URL-safe base64, RFC 4648 section 5, padded>
 * (an empty value as "=", which the Pushgateway reads as empty); any
 * other value is percent-encoded (every byte but A-Z a-z 0-9 - . _ ~).
 *
 * Pushing: PUT of the exposition text (the group's metrics are all
 * replaced), Content-Type "text/plain; version=0.0.4". A transport error
 * or a 5xx answer is retried, after 0.5 s, 1 s, 2 s ...; a 4xx is not
 * (the same body would be refused again). Pure functions but
 * pushgw_push; nothing here prints.
 */
#ifndef MLCI_PUSHGW_H
#define MLCI_PUSHGW_H

#include <stddef.h>

#include "error.h"
#include "util.h"

struct prom_label {
	const char *name;
	const char *value;
};

/* 1 when s is a metric name [a-zA-Z_:][a-zA-Z0-9_:]*. */
int prom_metric_name_ok(const char *s);

/* 1 when s is a label name [a-zA-Z_][a-zA-Z0-9_]* not starting "__". */
int prom_label_name_ok(const char *s);

/* Append v with \\, \" and \n escaped (the label value escaping). */
int prom_escape_value(struct buf *b, const char *v);

/* Append "# HELP name help\n# TYPE name type\n" (help: \\ and \n
 * escaped). type is "gauge", "counter", ... 0, or -1 (memory). */
int prom_metric(struct buf *b, const char *name, const char *type,
		const char *help);

/* Append one sample line "name{labels} value\n" (no braces without
 * labels). -1 on out of memory or a non-finite value (nothing appended). */
int prom_sample(struct buf *b, const char *name, const struct prom_label *l,
		size_t nl, double value);

/* Append the URL-safe base64 (padded) of n bytes of p. */
int pushgw_base64url(struct buf *b, const void *p, size_t n);

/* Append one grouping path segment pair "/<name>/<value>", or
 * "/<name>@base64/<b64>" for a value empty or containing '/'. */
int pushgw_segment(struct buf *b, const char *name, const char *value);

/* Append "/metrics/job/<job>" and each label's segment pair. */
int pushgw_path(struct buf *b, const char *job, const struct prom_label *l,
		size_t nl);

/* Check a --label K=V spec (K a label name, not "job", not one of the
 * reserved names given, NULL-terminated) and split it: *name and
 * *value point into a copy the caller frees (*dup). 64 naming the spec. */
int pushgw_parse_label(const char *spec, const char *const *reserved,
		       char **dup, struct prom_label *out,
		       struct mlci_err *err);

struct pushgw_opts {
	const char *url;	/* the Pushgateway, http(s)://host:port[/prefix] */
	const char *job;
	const struct prom_label *labels;	/* grouping labels */
	size_t nlabels;
	int attempts;		/* tries in all; 0: 3 */
	long timeout_ms;	/* per try; 0: 10000 */
	long backoff_ms;	/* the first pause; doubles; 0: 500 */
};

/*
 * PUT body to the group's URL. 0 on a 2xx answer; else -1 with
 * MLCI_EXIT_TEMPFAIL (75) and a one-line reason naming the URL without
 * its user:password ("HTTP 400: <first line of the answer>", "connection
 * refused", ...) after the last try. *tries (may be NULL) gets the tries
 * made.
 */
int pushgw_push(const struct pushgw_opts *o, const char *body, int *tries,
		struct mlci_err *err);

#endif
