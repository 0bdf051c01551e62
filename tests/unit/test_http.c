#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "http.h"

/* Each wait lies in [step/2, step], step = min(cap, base * 2^(retry-1)). */
static void test_http__backoff_doubles_within_jitter_bounds(void **state)
{
	struct http_policy p = { 3, 5, 0.1, 2.0, 42 };
	uint64_t rng = 42;
	int retry, i;

	for (i = 0; i < 200; i++) {
		double step = 0.1;

		for (retry = 1; retry <= 12; retry++) {
			double w = http_backoff(&p, retry, &rng);

			if (step > 2.0)
				step = 2.0;
			if (!(w >= step / 2 && w <= step))
				fail_msg("retry %d: wait %g outside [%g, %g]", retry, w, step / 2, step);
			step *= 2;
		}
	}
	(void)state;
}

static void test_http__backoff_jitters_and_is_seeded(void **state)
{
	struct http_policy p = { 3, 5, 1.0, 30.0, 0 };
	uint64_t a = 7, b = 7, c = 8;
	double first[64], lo = 1e9, hi = 0;
	int i;

	for (i = 0; i < 64; i++) {
		first[i] = http_backoff(&p, 3, &a);
		assert_true(first[i] == http_backoff(&p, 3, &b));	/* same seed, same waits */
		if (first[i] < lo)
			lo = first[i];
		if (first[i] > hi)
			hi = first[i];
	}
	/* 64 draws of U[2, 4]: spread over most of the interval */
	assert_true(lo < 2.5 && hi > 3.5);
	for (i = 0; i < 64; i++)
		if (http_backoff(&p, 3, &c) != first[i])
			break;
	assert_true(i < 64);	/* another seed, other waits */
	(void)state;
}

static void test_http__backoff_defaults(void **state)
{
	uint64_t rng = 1;
	double w = http_backoff(NULL, 1, &rng);

	assert_true(w >= HTTP_DEFAULT_BACKOFF / 2 && w <= HTTP_DEFAULT_BACKOFF);
	w = http_backoff(NULL, 30, &rng);	/* capped, no overflow */
	assert_true(w >= HTTP_DEFAULT_BACKOFF_MAX / 2 && w <= HTTP_DEFAULT_BACKOFF_MAX);
	(void)state;
}

static void test_http__classify(void **state)
{
	static const long answers[] = { 200, 201, 204, 301, 304, 400, 401, 403, 404, 405, 409, 412 };
	static const long retried[] = { 408, 429, 500, 502, 503, 504, 599 };
	static const int transient[] = { CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST,
					 CURLE_OPERATION_TIMEDOUT, CURLE_PARTIAL_FILE,
					 CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
					 CURLE_WEIRD_SERVER_REPLY, CURLE_SSL_CONNECT_ERROR };
	size_t i;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		assert_int_equal(http_classify(CURLE_OK, answers[i]), HTTP_ANSWER);
	for (i = 0; i < sizeof(retried) / sizeof(retried[0]); i++)
		assert_int_equal(http_classify(CURLE_OK, retried[i]), HTTP_RETRY);
	for (i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		assert_int_equal(http_classify(transient[i], 0), HTTP_RETRY);
	assert_int_equal(http_classify(CURLE_URL_MALFORMAT, 0), HTTP_FAIL_USAGE);
	assert_int_equal(http_classify(CURLE_UNSUPPORTED_PROTOCOL, 0), HTTP_FAIL_USAGE);
	assert_int_equal(http_classify(CURLE_PEER_FAILED_VERIFICATION, 0), HTTP_FAIL_IO);
	assert_int_equal(http_classify(CURLE_LOGIN_DENIED, 0), HTTP_FAIL_IO);
	(void)state;
}

static void test_http__status_errors(void **state)
{
	struct mlci_err err = {0};

	assert_int_equal(http_status_err("PUT", "https://u:pw-secret@h/x", 401, NULL, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_string_equal(err.file, "https://u:***@h/x");
	assert_null(strstr(err.msg, "pw-secret"));
	http_status_err("PUT", "https://h/x", 403, NULL, &err);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	http_status_err("GET", "https://h/x", 404, "reading", &err);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	assert_string_equal(err.msg, "reading: GET: HTTP 404: not found");
	http_status_err("MOVE", "https://h/x", 409, NULL, &err);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	(void)state;
}

static void test_http__bad_urls_are_usage_errors(void **state)
{
	static const char *const bad[] = { "ftp://h/x", "http://", "not a url",
					   "http://h:99999/x", "file:///etc/passwd" };
	struct http_request rq = { "GET", NULL, NULL, NULL, 0, 0 };
	struct http_response resp;
	struct http_stats st = {0};
	struct mlci_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		rq.url = bad[i];
		assert_int_equal(http_request(&rq, NULL, &resp, &st, &err), -1);
		if (err.code != MLCI_EXIT_USAGE)
			fail_msg("%s: exit %d (%s)", bad[i], err.code, err.msg);
		http_response_release(&resp);
	}
	assert_int_equal(st.requests, 0);	/* nothing was sent */
	(void)state;
}

/* A loopback port nothing listens on. */
static int dead_port(void)
{
	struct sockaddr_in a;
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void test_http__refused_is_retried_then_75_without_credentials(void **state)
{
	struct http_policy p = { 2, 2.0, 0.001, 0.002, 5 };
	struct http_request rq = { "PUT", NULL, NULL, "x", 1, 0 };
	struct http_response resp;
	struct http_stats st = {0};
	struct mlci_err err = {0};
	char url[128];

	snprintf(url, sizeof(url), "http://deployer:tok-sEcReT@127.0.0.1:%d/r/x", dead_port());
	rq.url = url;
	assert_int_equal(http_request(&rq, &p, &resp, &st, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_TEMPFAIL);
	assert_int_equal(resp.attempts, 3);
	assert_int_equal(st.requests, 3);
	assert_int_equal(st.retries, 2);
	assert_null(strstr(err.msg, "tok-sEcReT"));
	assert_null(strstr(err.file, "tok-sEcReT"));
	assert_non_null(strstr(err.file, "deployer:***@127.0.0.1"));
	assert_non_null(strstr(err.msg, "after 3 attempts"));
	http_response_release(&resp);
	(void)state;
}

static void test_http__url_without_credentials(void **state)
{
	char *s = http_url_without_credentials("https://u:p@h:8443/a/b");

	assert_non_null(s);
	assert_string_equal(s, "https://h:8443/a/b");
	free(s);
	(void)state;
}

int main(void)
{
	static const char *const proxies[] = { "http_proxy", "HTTP_PROXY", "https_proxy",
					       "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http__backoff_doubles_within_jitter_bounds),
		cmocka_unit_test(test_http__backoff_jitters_and_is_seeded),
		cmocka_unit_test(test_http__backoff_defaults),
		cmocka_unit_test(test_http__classify),
		cmocka_unit_test(test_http__status_errors),
		cmocka_unit_test(test_http__bad_urls_are_usage_errors),
		cmocka_unit_test(test_http__refused_is_retried_then_75_without_credentials),
		cmocka_unit_test(test_http__url_without_credentials),
	};

	size_t i;

	for (i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		unsetenv(proxies[i]);	/* loopback only */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
