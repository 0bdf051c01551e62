/*
 * pushgw.c - Prometheus text exposition and Pushgateway pushes; see
 * pushgw.h.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cli.h"
#include "pushgw.h"
#include "redact.h"

static int is_alpha_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int prom_metric_name_ok(const char *s)
{
	size_t i;

	if (!s || !*s || !(is_alpha_((unsigned char)s[0]) || s[0] == ':'))
		return 0;
	for (i = 1; s[i]; i++)
		if (!is_alpha_((unsigned char)s[i]) && !is_digit((unsigned char)s[i]) &&
		    s[i] != ':')
			return 0;
	return 1;
}

int prom_label_name_ok(const char *s)
{
	size_t i;

	if (!s || !*s || !is_alpha_((unsigned char)s[0]) || !strncmp(s, "__", 2))
		return 0;
	for (i = 1; s[i]; i++)
		if (!is_alpha_((unsigned char)s[i]) && !is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

int prom_escape_value(struct buf *b, const char *v)
{
	for (; *v; v++) {
		int rc;

		if (*v == '\\')
			rc = buf_addstr(b, "\\\\");
		else if (*v == '"')
			rc = buf_addstr(b, "\\\"");
		else if (*v == '\n')
			rc = buf_addstr(b, "\\n");
		else
			rc = buf_addch(b, *v);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int prom_metric(struct buf *b, const char *name, const char *type,
		const char *help)
{
	const char *p;

	if (buf_printf(b, "# HELP %s ", name) < 0)
		return -1;
	for (p = help; *p; p++)
		if ((*p == '\\' ? buf_addstr(b, "\\\\") :
		     *p == '\n' ? buf_addstr(b, "\\n") : buf_addch(b, *p)) < 0)
			return -1;
	return buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

int prom_sample(struct buf *b, const char *name, const struct prom_label *l,
		size_t nl, double value)
{
	size_t i, len = b->len;
	char num[40];

	if (!isfinite(value))
		return -1;
	if (buf_addstr(b, name) < 0)
		goto fail;
	if (nl) {
		if (buf_addch(b, '{') < 0)
			goto fail;
		for (i = 0; i < nl; i++)
			if (buf_printf(b, "%s%s=\"", i ? "," : "", l[i].name) < 0 ||
			    prom_escape_value(b, l[i].value) < 0 ||
			    buf_addch(b, '"') < 0)
				goto fail;
		if (buf_addch(b, '}') < 0)
			goto fail;
	}
	snprintf(num, sizeof(num), "%.17g", value == 0 ? 0.0 : value);
	if (buf_printf(b, " %s\n", num) < 0)
		goto fail;
	return 0;
fail:
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
	return -1;
}

int pushgw_base64url(struct buf *b, const void *p, size_t n)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		char o[4] = { t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63] };

		if (buf_add(b, o, 4) < 0)
			return -1;
	}
	if (n - i == 1) {
		unsigned v = (unsigned)s[i] << 16;
		char o[4] = { t[v >> 18], t[(v >> 12) & 63], '=', '=' };

		return buf_add(b, o, 4);
	}
	if (n - i == 2) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;
		char o[4] = { t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '=' };

		return buf_add(b, o, 4);
	}
	return 0;
}

static int unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		c == '-' || c == '.' || c == '_' || c == '~';
}

int pushgw_segment(struct buf *b, const char *name, const char *value)
{
	const unsigned char *v;

	if (!*value)
		return buf_printf(b, "/%s@base64/=", name);
	if (strchr(value, '/')) {
		if (buf_printf(b, "/%s@base64/", name) < 0)
			return -1;
		return pushgw_base64url(b, value, strlen(value));
	}
	if (buf_printf(b, "/%s/", name) < 0)
		return -1;
	for (v = (const unsigned char *)value; *v; v++)
		if ((unreserved(*v) ? buf_addch(b, (char)*v) :
		     buf_printf(b, "%%%02X", *v)) < 0)
			return -1;
	return 0;
}

int pushgw_path(struct buf *b, const char *job, const struct prom_label *l,
		size_t nl)
{
	size_t i;

	if (buf_addstr(b, "/metrics") < 0 || pushgw_segment(b, "job", job) < 0)
		return -1;
	for (i = 0; i < nl; i++)
		if (pushgw_segment(b, l[i].name, l[i].value) < 0)
			return -1;
	return 0;
}

int pushgw_parse_label(const char *spec, const char *const *reserved,
		       char **dup, struct prom_label *out,
		       struct mlci_err *err)
{
	char *d, *eq;
	size_t i;

	*dup = NULL;
	eq = strchr(spec, '=');
	if (!eq || eq == spec)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--label '%s': expected NAME=VALUE", spec);
	d = strdup(spec);
	if (!d)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	d[eq - spec] = '\0';
	if (!prom_label_name_ok(d)) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--label '%s': '%s' is not a "
			"Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not "
			"starting __)", spec, d);
		free(d);
		return -1;
	}
	for (i = 0; reserved && reserved[i]; i++)
		if (!strcmp(d, reserved[i]))
			break;
	if (!strcmp(d, "job") || (reserved && reserved[i])) {
		err_set(err, MLCI_EXIT_USAGE, NULL, "--label '%s': the label name "
			"'%s' is taken (%s)", spec, d, !strcmp(d, "job") ?
			"give the job with --job" : "a label of the pushed metrics");
		free(d);
		return -1;
	}
	if (!utf8_valid(eq + 1)) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--label '%s': the value is not UTF-8", d);
		free(d);
		return -1;
	}
	*dup = d;
	out->name = d;
	out->value = d + (eq - spec) + 1;
	return 0;
}

/* ---- HTTP ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct answer {
	struct buf body;
};

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
	struct answer *a = u;
	size_t k = sz * n;

	/* only the start of an answer goes into a message */
	if (a->body.len < 4096 && buf_add(&a->body, p, k < 4096 ? k : 4096) < 0)
		return 0;
	return k;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* One PUT: the HTTP status (0: no answer), the curl error text in why. */
static long put_once(const char *url, const char *body, long timeout_ms,
		     struct answer *a, char *why, size_t nwhy)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hd = NULL, *t;
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode cc = CURLE_OUT_OF_MEMORY;

	if (!h) {
		snprintf(why, nwhy, "out of memory");
		return 0;
	}
	t = curl_slist_append(hd, "Content-Type: text/plain; version=0.0.4");
	if (t)
		hd = t;
	t = t ? curl_slist_append(hd, "Expect:") : NULL;
	if (t)
		hd = t;
	if (t && curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "mlci/" MLCI_VERSION) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, a) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
			     (curl_off_t)strlen(body)) == CURLE_OK)
		cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(why, nwhy, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	return status;
}

/* The first line of an answer, printable ASCII only, for a message. */
static void first_line(const struct buf *b, char *out, size_t n)
{
	size_t i, j = 0;

	for (i = 0; b->data && i < b->len && j + 1 < n; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (c == '\n' || c == '\r')
			break;
		out[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[j] = '\0';
}

int pushgw_push(const struct pushgw_opts *o, const char *body, int *tries,
		struct mlci_err *err)
{
	struct buf url, path;
	char why[CURL_ERROR_SIZE + 64] = "", *shown;
	int attempts = o->attempts > 0 ? o->attempts : 3, i, made = 0, rc = -1;
	long timeout = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	long backoff = o->backoff_ms > 0 ? o->backoff_ms : 500;
	size_t ulen;

	if (tries)
		*tries = 0;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "libcurl: %s",
			       curl_easy_strerror(curl_init_rc));
	buf_init(&url);
	buf_init(&path);
	ulen = strlen(o->url);
	while (ulen && o->url[ulen - 1] == '/')
		ulen--;
	if (buf_add(&url, o->url, ulen) < 0 ||
	    pushgw_path(&path, o->job, o->labels, o->nlabels) < 0 ||
	    buf_addstr(&url, path.data) < 0) {
		buf_release(&url);
		buf_release(&path);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	for (i = 0; i < attempts; i++) {
		struct answer a;
		long status;

		if (i)
			pause_ms(backoff << (i - 1));
		buf_init(&a.body);
		why[0] = '\0';
		status = put_once(url.data, body, timeout, &a, why, sizeof(why));
		made = i + 1;
		if (tries)
			*tries = made;
		if (status >= 200 && status < 300) {
			buf_release(&a.body);
			rc = 0;
			break;
		}
		if (status) {
			char line[200];

			first_line(&a.body, line, sizeof(line));
			snprintf(why, sizeof(why), "HTTP %ld%s%s", status,
				 line[0] ? ": " : "", line);
		}
		buf_release(&a.body);
		if (status >= 400 && status < 500)
			break;	/* refused: the same body would be again */
	}
	if (rc < 0) {
		shown = url_redact(url.data);
		err_set(err, MLCI_EXIT_TEMPFAIL, NULL,
			"push to %s failed after %d tr%s: %s",
			shown ? shown : "the Pushgateway", made,
			made == 1 ? "y" : "ies", why);
		free(shown);
	}
	buf_release(&url);
	buf_release(&path);
	return rc;
}
