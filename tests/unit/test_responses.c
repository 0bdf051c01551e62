/* Unit tests of what the network clients make of a server's answer, the
 * parsers the response fuzz targets drive: header lines (registry_net.h,
 * gitlab.h), S3's answers, GitLab's package and API answers, a WebDAV
 * registry's files. No network: each takes the bytes directly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitlab.h"
#include "hash.h"
#include "registry_impl.h"
#include "registry_store.h"

static void hl(struct regnet_resp *r, const char *line)
{
	regnet_header(r, line, strlen(line));
}

static void resp_set(struct regnet_resp *r, long status, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	buf_init(&r->body);
	assert_int_equal(buf_add(&r->body, body, strlen(body)), 0);
}

static void test_responses__regnet_header(void **state)
{
	struct regnet_resp r;
	char long_etag[400];

	memset(&r, 0, sizeof(r));
	hl(&r, "HTTP/1.1 200 OK\r\n");
	hl(&r, "ETag: \"9e107d9d372bb6826bd81d3542a419d6\"\r\n");
	hl(&r, "Content-Length: 3\r\n");
	assert_string_equal(r.etag, "\"9e107d9d372bb6826bd81d3542a419d6\"");
	assert_int_equal(r.etag_cut, 0);
	/* any case, blanks around the value dropped (trailing ones too) */
	hl(&r, "etag:\t \"abc-12\" \t\r\n");
	assert_string_equal(r.etag, "\"abc-12\"");
	hl(&r, "LOCATION: https://storage.example.com/x?sig=1\r\n");
	assert_string_equal(r.location, "https://storage.example.com/x?sig=1");
	/* a NUL ends the value; a line without its CRLF is fine */
	regnet_header(&r, "ETag: \"ab\"\0junk\r\n", 17);
	assert_string_equal(r.etag, "\"ab\"");
	hl(&r, "ETag: \"last\"");
	assert_string_equal(r.etag, "\"last\"");
	/* a new response (after a 100 Continue) forgets the earlier one */
	hl(&r, "HTTP/1.1 200 OK\r\n");
	assert_string_equal(r.etag, "");
	assert_string_equal(r.location, "");
	/* too long for the field: cut and flagged, so the caller refuses it;
	 * the cut start may end in a blank (fuzz_s3_resp's
	 * crashers/s3_resp/etag-cut-ends-in-tab: the harness asked for no
	 * trailing blank even then) */
	memset(long_etag, 'e', sizeof(long_etag));
	memcpy(long_etag, "ETag: ", 6);
	memset(long_etag + 6 + 150, '\t', 20);
	memcpy(long_etag + sizeof(long_etag) - 3, "\r\n", 3);
	hl(&r, long_etag);
	assert_int_equal(r.etag_cut, 1);
	assert_int_equal(strlen(r.etag), sizeof(r.etag) - 1);
	hl(&r, "HTTP/1.1 200 OK\r\n");
	assert_int_equal(r.etag_cut, 0);
	/* not a header we keep, or too short to be one */
	hl(&r, "ETa");
	hl(&r, "X-ETag: 1\r\n");
	hl(&r, "\r\n");
	assert_string_equal(r.etag, "");
	(void)state;
}

static void test_responses__s3(void **state)
{
	struct regnet_resp r;
	struct mlci_err err = { 0 };
	char code[64];
	static const char *const nsb =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
		"<Message>x</Message></Error>";

	s3_error_code(nsb, strlen(nsb), code, sizeof(code));
	assert_string_equal(code, "NoSuchBucket");
	/* only letters and digits, cut to fit; none without both tags */
	s3_error_code("<Code>Ac<b>c\"ess</Code>", 23, code, sizeof(code));
	assert_string_equal(code, "Acbcess");
	s3_error_code("<Code>AccessDenied", 18, code, sizeof(code));
	assert_string_equal(code, "");
	s3_error_code("<Code>AccessDenied</Code>", 25, code, 7);
	assert_string_equal(code, "Access");
	/* bytes after a NUL still count; the tags must lie inside n */
	s3_error_code("\0<Code>X1</Code>", 16, code, sizeof(code));
	assert_string_equal(code, "X1");
	s3_error_code("<Code>X1</Code>", 10, code, sizeof(code));
	assert_string_equal(code, "");
	s3_error_code(NULL, 0, code, sizeof(code));
	assert_string_equal(code, "");

	resp_set(&r, 200, "{}");
	assert_int_equal(s3_get_answer(&r, "b", "s3://b/k", "AKID", &err), 1);
	r.etag_cut = 1;
	assert_int_equal(s3_get_answer(&r, "b", "s3://b/k", "AKID", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "ETag"));
	buf_release(&r.body);

	resp_set(&r, 404, "<Error><Code>NoSuchKey</Code></Error>");
	assert_int_equal(s3_get_answer(&r, "b", "s3://b/k", "AKID", &err), 0);
	buf_release(&r.body);
	resp_set(&r, 404, nsb);
	assert_int_equal(s3_get_answer(&r, "b", "s3://b/k", "AKID", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_string_equal(err.msg, "s3://b: HTTP 404 NoSuchBucket: no such bucket");
	buf_release(&r.body);
	resp_set(&r, 403, "<Error><Code>SignatureDoesNotMatch</Code></Error>");
	assert_int_equal(s3_get_answer(&r, "b", "s3://b/k", "AKID", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_string_equal(err.file, "s3://b/k");
	assert_non_null(strstr(err.msg, "HTTP 403 SignatureDoesNotMatch"));
	assert_int_equal(s3_put_answer(&r, "s3://b/k", "AKID", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	buf_release(&r.body);
	resp_set(&r, 301, "<Error><Code>PermanentRedirect</Code></Error>");
	assert_int_equal(s3_get_answer(&r, "b", "s3://b/k", "AKID", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "301 PermanentRedirect"));
	buf_release(&r.body);

	resp_set(&r, 204, "");
	assert_int_equal(s3_put_answer(&r, "s3://b/k", "AKID", &err), 0);
	r.status = 412;
	assert_int_equal(s3_put_answer(&r, "s3://b/k", "AKID", &err), 1);
	r.status = 409;
	assert_int_equal(s3_put_answer(&r, "s3://b/k", "AKID", &err), 1);
	r.status = 400;
	assert_int_equal(s3_put_answer(&r, "s3://b/k", "AKID", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	buf_release(&r.body);
	(void)state;
}

#define API "https://gitlab.example.com/api/v4"
#define CUR API "/projects/42/packages/generic/m/1/f"

static void redirect(const char *loc, int rc, const char *want, int send)
{
	struct mlci_err err = { 0 };
	char *next = (char *)1;
	int s = -1;

	assert_int_equal(gitlab_reg_redirect(API, CUR, loc, &next, &s, &err), rc);
	if (rc == 0) {
		assert_string_equal(next, want);
		assert_int_equal(s, send);
	} else {
		assert_null(next);
		assert_int_equal(s, 0);
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	}
	free(next);
}

static void test_responses__gitlab_redirect(void **state)
{
	/* object storage: another origin, no token */
	redirect("https://storage.example.com/p/f?X-Amz-Signature=1", 0,
		 "https://storage.example.com/p/f?X-Amz-Signature=1", 0);
	/* the API's own origin keeps it (the default port spelled out too) */
	redirect("https://gitlab.example.com:443/api/v4/x", 0,
		 "https://gitlab.example.com:443/api/v4/x", 1);
	/* a relative Location is resolved against the URL that answered:
	 * before, it was followed as it was (a malformed URL, exit 64) */
	redirect("/api/v4/projects/7/packages/generic/m/1/f", 0,
		 "https://gitlab.example.com/api/v4/projects/7/packages/generic/m/1/f", 1);
	redirect("../2/f", 0, API "/projects/42/packages/generic/m/2/f", 1);
	/* a downgrade to http or another port is another origin */
	redirect("http://gitlab.example.com/api/v4/x", 0, "http://gitlab.example.com/api/v4/x", 0);
	redirect("https://gitlab.example.com:8443/x", 0, "https://gitlab.example.com:8443/x", 0);
	/* not http(s), or no URL */
	redirect("file:///etc/passwd", -1, NULL, 0);
	redirect("ftp://gitlab.example.com/x", -1, NULL, 0);
	redirect("http://[::1", -1, NULL, 0);
	(void)state;
}

static void test_responses__gitlab_packages(void **state)
{
	struct regnet_resp r;
	struct mlci_err err = { 0 };
	char want[SHA256_HEX_LEN + 1], sha[SHA256_HEX_LEN + 1], body[512], msg[200];

	sha256_buf("bytes", 5, want);
	snprintf(body, sizeof(body),
		 "{\"id\":7,\"package_id\":1,\"file_name\":\"f\",\"size\":5,\"file_sha256\":\"%s\"}",
		 want);
	resp_set(&r, 201, body);
	assert_int_equal(gitlab_reg_put_answer(&r, want, "w", "JOB-TOKEN", "CI_JOB_TOKEN", sha,
					       &err), 0);
	assert_string_equal(sha, want);
	buf_release(&r.body);
	resp_set(&r, 201, "{\"message\":\"201 Created\"}");
	assert_int_equal(gitlab_reg_put_answer(&r, want, "w", "JOB-TOKEN", "CI_JOB_TOKEN", sha,
					       &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(sha, "");
	buf_release(&r.body);
	{	/* GitLab stored other bytes */
		char other[SHA256_HEX_LEN + 1];

		sha256_buf("other bytes", 11, other);
		snprintf(body, sizeof(body), "{\"id\":8,\"file_sha256\":\"%s\"}", other);
	}
	resp_set(&r, 200, body);
	assert_int_equal(gitlab_reg_put_answer(&r, want, "w", "JOB-TOKEN", "CI_JOB_TOKEN", sha,
					       &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_IOERR);
	buf_release(&r.body);
	resp_set(&r, 400, "{\"message\":\"Duplicate package\\n\\u0007is not allowed\"}");
	assert_int_equal(gitlab_reg_put_answer(&r, want, "w", "JOB-TOKEN", "CI_JOB_TOKEN", sha,
					       &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_CANTCREAT);
	assert_string_equal(err.msg,
			    "HTTP 400: GitLab refused the upload (Duplicate packageis not allowed)");
	buf_release(&r.body);
	resp_set(&r, 403, "{}");
	assert_int_equal(gitlab_reg_status_err(&r, "w", "PRIVATE-TOKEN", GITLAB_TOKEN_VAR, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_non_null(strstr(err.msg, "PRIVATE-TOKEN from " GITLAB_TOKEN_VAR));
	buf_release(&r.body);
	/* a message that is no string, or no JSON at all */
	gitlab_reg_message("{\"message\":{\"file\":[\"too large\"]}}", 34, msg, sizeof(msg));
	assert_string_equal(msg, "");
	gitlab_reg_message("<html>", 6, msg, sizeof(msg));
	assert_string_equal(msg, "");
	gitlab_reg_message(NULL, 0, msg, sizeof(msg));
	assert_string_equal(msg, "");
	(void)state;
}

static void test_responses__gitlab_api(void **state)
{
	struct mlci_err err = { 0 };
	char next[32] = "";
	char *pp, *pn;
	long n, id;
	static const char nul_line[] = "X-Next-Page: 12\0junk\r\n";

	gitlab_header_next_page(next, sizeof(next), "X-Next-Page: 8 \r\n", 17);
	assert_string_equal(next, "8");
	assert_int_equal(gitlab_next_page("7", next, &n), 1);
	assert_int_equal(n, 8);
	/* a NUL ends the value (fuzz_gitlab_api's
	 * crashers/gitlab_api/next-page-nul: it was copied on, so the value
	 * seen as a string ended in the blanks before the NUL) */
	gitlab_header_next_page(next, sizeof(next), nul_line, sizeof(nul_line) - 1);
	assert_string_equal(next, "12");
	gitlab_header_next_page(next, sizeof(next), "x-next-page:\t\x00\t 9\r\n", 18);
	assert_string_equal(next, "");
	gitlab_header_next_page(next, sizeof(next), "X-Next-Page: 3\r\n", 16);
	assert_int_equal(gitlab_next_page("7", next, &n), -1);
	gitlab_header_next_page(next, sizeof(next), "HTTP/1.1 200 OK\r\n", 17);
	assert_string_equal(next, "");
	assert_int_equal(gitlab_next_page("7", next, &n), 0);
	assert_int_equal(gitlab_next_page("7", "1234567890", &n), -1);
	assert_int_equal(gitlab_next_page("7", "+8", &n), -1);

	assert_int_equal(gitlab_note_answer("{\"id\":42,\"body\":\"x\"}", 20, 42, &id, "u", &err), 0);
	assert_int_equal(id, 42);
	assert_int_equal(gitlab_note_answer("{\"id\":43}", 9, 42, &id, "u", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(gitlab_note_answer("{\"id\":43}", 9, 0, &id, "u", &err), 0);
	assert_int_equal(gitlab_note_answer("{\"id\":0}", 8, 0, &id, "u", &err), -1);
	assert_int_equal(gitlab_note_answer("{\"id\":1e3}", 10, 0, &id, "u", &err), -1);
	assert_int_equal(gitlab_note_answer("[", 1, 0, &id, "u", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);

	assert_int_equal(gitlab_baseline_parse("{\"predictions\":{\"path\":\"out/p.csv\"}}", 36,
					       "u", "mlci-out/metrics.json", "main", "ev", 1,
					       &pp, &pn, &err), 0);
	assert_string_equal(pp, "mlci-out/p.csv");
	assert_string_equal(pn, "p.csv");
	free(pp);
	free(pn);
	assert_int_equal(gitlab_baseline_parse("{}", 2, "u", "metrics.json", "main", "ev", 0,
					       &pp, &pn, &err), 0);
	assert_null(pp);
	assert_int_equal(gitlab_baseline_parse("{}", 2, "u", "metrics.json", "main", "ev", 1,
					       &pp, &pn, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_int_equal(gitlab_baseline_parse("{\"predictions\":{\"path\":\"a/.hidden\"}}", 36,
					       "u", "metrics.json", "main", "ev", 1, &pp, &pn,
					       &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(gitlab_baseline_parse("{\"predictions\":{\"path\":\"metrics.json\"}}", 39,
					       "u", "metrics.json", "main", "ev", 1, &pp, &pn,
					       &err), -1);
	assert_int_equal(gitlab_baseline_parse("[]", 2, "u", "metrics.json", "main", "ev", 0,
					       &pp, &pn, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_int_equal(gitlab_baseline_parse("{\"a\":1,\"a\":2}", 13, "u", "metrics.json",
					       "main", "ev", 0, &pp, &pn, &err), -1);
	assert_string_equal(err.file, "u");
	(void)state;
}

static void test_responses__webdav(void **state)
{
	struct mlci_err err = { 0 };
	json_t *cur;
	static const char ok[] =
		"{\"kind\":\"mlci.channel\",\"schema_version\":1,\"version\":\"1.0.0\",\"sha256\":\"ab\"}";

	assert_int_equal(registry_http_channel_parse(ok, sizeof(ok) - 1, "https://dav/r",
						     "m/channels/prod.json", &cur, &err), 0);
	assert_string_equal(json_string_value(json_object_get(cur, "version")), "1.0.0");
	json_decref(cur);
	assert_int_equal(registry_http_channel_parse("{\"kind\":\"mlci.channel\",\"schema_version\":99,\"version\":\"1\",\"sha256\":\"x\"}",
						     72, "https://dav/r", "m/channels/prod.json",
						     &cur, &err), -1);
	assert_null(cur);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(err.file, "https://dav/r");
	assert_int_equal(registry_http_channel_parse("", 0, "s", "p", &cur, &err), -1);
	assert_int_equal(registry_http_channel_parse(NULL, 0, "s", "p", &cur, &err), -1);

	assert_int_equal(registry_http_hint("17\n", 3), 17);
	assert_int_equal(registry_http_hint(" 5", 2), 5);
	assert_int_equal(registry_http_hint("0", 1), 1);
	assert_int_equal(registry_http_hint("-3", 2), 1);
	assert_int_equal(registry_http_hint("1000001", 7), 1);
	assert_int_equal(registry_http_hint("1000000", 7), 1000000);
	assert_int_equal(registry_http_hint("99999999999999999999999999", 26), 1);
	assert_int_equal(registry_http_hint("12", 1), 1);	/* only n bytes */
	assert_int_equal(registry_http_hint("", 0), 1);
	assert_int_equal(registry_http_hint("x", 1), 1);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_responses__regnet_header),
		cmocka_unit_test(test_responses__s3),
		cmocka_unit_test(test_responses__gitlab_redirect),
		cmocka_unit_test(test_responses__gitlab_packages),
		cmocka_unit_test(test_responses__gitlab_api),
		cmocka_unit_test(test_responses__webdav),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
