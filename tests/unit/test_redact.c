#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"

static void redacts_to(const char *url, const char *want)
{
	char *got = url_redact(url);

	assert_non_null(got);
	if (strcmp(got, want))
		fail_msg("url_redact(\"%s\") = \"%s\", expected \"%s\"", url, got, want);
	assert_int_equal(url_has_secret(url), strcmp(url, want) != 0);
	free(got);
}

static void test_redact__userinfo(void **state)
{
	/* GitLab's CI_REPOSITORY_URL shape */
	redacts_to("https://gitlab-ci-token:glcbt-abc123@gitlab.example.com/g/p.git",
		   "https://gitlab-ci-token:***@gitlab.example.com/g/p.git");
	/* a token as the user name, no password */
	redacts_to("https://ghp_abc@host/x", "https://***@host/x");
	/* the last '@' of the authority ends the userinfo ('@' in a password) */
	redacts_to("https://u:p@ss@host:8443/x", "https://u:***@host:8443/x");
	/* an '@' in the path is not userinfo */
	redacts_to("https://host/a@b", "https://host/a@b");
	(void)state;
}

static void test_redact__query_and_fragment(void **state)
{
	redacts_to("https://host/api?private_token=abc&page=2",
		   "https://host/api?private_token=***&page=***");
	redacts_to("s3://bucket/p?X-Amz-Signature=f00#x", "s3://bucket/p?X-Amz-Signature=***#***");
	redacts_to("https://host/p?flag&k=", "https://host/p?flag&k=***");
	redacts_to("https://u:t@host?x=1", "https://u:***@host?x=***");
	(void)state;
}

static void test_redact__leaves_the_rest(void **state)
{
	redacts_to("dir:///srv/registry", "dir:///srv/registry");
	redacts_to("https://host:443/path/to", "https://host:443/path/to");
	redacts_to("not a url", "not a url");
	redacts_to("", "");
	assert_null(url_redact(NULL));
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact__userinfo),
		cmocka_unit_test(test_redact__query_and_fragment),
		cmocka_unit_test(test_redact__leaves_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
