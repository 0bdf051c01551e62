#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "profile.h"

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

static void test_profile__every_column_chart_and_escaping(void **state)
{
	const char *text =
		"{\"kind\": \"mlci.data-report\", \"verdict\": \"fail\", \"rows\": 4,"
		" \"duplicate_rows\": 0,"
		" \"inputs\": [{\"role\": \"data\", \"path\": \"d<1>.csv\", \"sha256\": \"00\"}],"
		" \"columns\": ["
		"  {\"name\": \"age\", \"type\": \"integer\", \"count\": 4, \"mean\": 2.5,"
		"   \"histogram\": {\"edges\": [1, 2, 3, 4], \"counts\": [1, 2, 1]}},"
		"  {\"name\": \"<script>\", \"type\": \"string\", \"count\": 4,"
		"   \"top\": [{\"value\": \"a&b\", \"count\": 3}, {\"value\": \"c\", \"count\": 1}]}],"
		" \"drift\": {\"reference\": {\"path\": \"ref<.json\"}, \"compared\": 1,"
		"  \"drifted\": 1, \"share\": 1.0, \"dataset_drift\": true, \"columns\": ["
		"  {\"name\": \"age\", \"compared\": true, \"drifted\": true, \"test\": \"ks\","
		"   \"statistic\": 0.5, \"p_value\": 0.01, \"q_value\": 0.02, \"psi\": 0.31,"
		"   \"effect\": 0.4, \"effect_measure\": \"wasserstein_norm\", \"why\": \"q <= 0.05\"}]},"
		" \"anomalies\": [{\"code\": \"constant_column\", \"severity\": \"warning\","
		"   \"column\": \"<script>\", \"message\": \"x\"},"
		"  {\"code\": \"type_mismatch\", \"severity\": \"error\", \"column\": \"age\","
		"   \"message\": \"bad\"}]}";
	json_error_t je;
	json_t *r = json_loads(text, 0, &je);
	struct buf b;

	assert_non_null(r);
	buf_init(&b);
	assert_int_equal(profile_html(&b, r), 0);
	assert_true(strncmp(b.data, "<!DOCTYPE html>", 15) == 0);
	assert_null(strstr(b.data, "<script"));	/* no script, and names escaped */
	assert_non_null(strstr(b.data, "<h3>&lt;script&gt; "));
	assert_non_null(strstr(b.data, "<h1>d&lt;1&gt;.csv</h1>"));
	assert_int_equal(count(b.data, " id=\"col-"), 2);
	assert_non_null(strstr(b.data, "<div class=\"card error\" id=\"col-age\""));
	assert_int_equal(count(b.data, "fill=\"#5c85d6\""), 3);	/* three bins */
	assert_int_equal(count(b.data, "fill=\"#7cb342\""), 2);	/* two top values */
	assert_non_null(strstr(b.data, ">a&amp;b<title>a&amp;b</title></text>"));
	/* drift: the section (reference escaped) and the card's figures */
	assert_non_null(strstr(b.data, "<h2 id=\"drift\">Drift against ref&lt;.json</h2>"));
	assert_non_null(strstr(b.data, "1 of 1 compared columns drifted (100%)"));
	assert_non_null(strstr(b.data, "<a href=\"#col-age\">age</a></td><td>ks</td><td>0.01 / 0.02</td>"));
	assert_non_null(strstr(b.data, "<strong>drifted</strong> <span class=\"muted\">q &lt;= 0.05</span>"));
	assert_non_null(strstr(b.data, ">ks statistic<"));
	assert_non_null(strstr(b.data, ">psi</td><td>0.31<"));
	/* errors are listed before warnings */
	assert_true(strstr(b.data, "<tr class=\"error\">") < strstr(b.data, "<tr class=\"warning\">"));
	buf_release(&b);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile__every_column_chart_and_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
