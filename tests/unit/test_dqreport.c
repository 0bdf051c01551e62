#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "dqreport.h"
#include "util.h"

/* A data report as mlci-validate-data writes one (the fields these
 * writers read), with a quote and an ampersand to escape. */
static const char *REPORT =
	"{\"kind\": \"mlci.data-report\", \"verdict\": \"fail\", \"label\": \"y\","
	" \"inputs\": [{\"role\": \"data\", \"path\": \"data/train.csv\", \"sha256\": \"00\"}],"
	" \"columns\": [{\"name\": \"age\"}, {\"name\": \"a&b\"}, {\"name\": \"y\"}],"
	" \"anomalies\": ["
	"  {\"code\": \"type_mismatch\", \"severity\": \"error\", \"column\": \"age\","
	"   \"line\": 7, \"message\": \"column 'age': 'abc' is not an integer\"},"
	"  {\"code\": \"constant_column\", \"severity\": \"warning\", \"column\": \"a&b\","
	"   \"message\": \"column \\\"a&b\\\" is constant\"},"
	"  {\"code\": \"unseen_label\", \"severity\": \"error\", \"column\": \"y\","
	"   \"message\": \"label value '7' is not a class\"},"
	"  {\"code\": \"duplicate_rows\", \"severity\": \"warning\","
	"   \"message\": \"3 duplicate rows\"}]}";

static json_t *report(void)
{
	json_error_t je;
	json_t *j = json_loads(REPORT, 0, &je);

	if (!j)
		fail_msg("fixture: %s", je.text);
	return j;
}

static void test_dqreport__codequality_findings(void **state)
{
	json_t *r = report(), *out, *f;
	struct buf b;
	json_error_t je;
	char fp0[65];

	buf_init(&b);
	assert_int_equal(dq_codequality(&b, r), 0);
	out = json_loads(b.data, 0, &je);
	assert_non_null(out);
	assert_int_equal(json_array_size(out), 4);
	f = json_array_get(out, 0);
	assert_string_equal(json_string_value(json_object_get(f, "check_name")), "mlci.data.type_mismatch");
	assert_string_equal(json_string_value(json_object_get(f, "severity")), "critical");
	assert_string_equal(json_string_value(json_object_get(json_object_get(f, "location"), "path")), "data/train.csv");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_object_get(f, "location"), "lines"), "begin")), 7);
	snprintf(fp0, sizeof(fp0), "%s", json_string_value(json_object_get(f, "fingerprint")));
	assert_int_equal(strlen(fp0), 64);
	f = json_array_get(out, 1);
	assert_string_equal(json_string_value(json_object_get(f, "severity")), "minor");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_object_get(f, "location"), "lines"), "begin")), 1);
	assert_string_not_equal(json_string_value(json_object_get(f, "fingerprint")), fp0);
	json_decref(out);

	/* the same report gives the same bytes (fingerprints included) */
	{
		struct buf again;

		buf_init(&again);
		assert_int_equal(dq_codequality(&again, r), 0);
		assert_string_equal(again.data, b.data);
		buf_release(&again);
	}
	buf_release(&b);
	json_decref(r);
}

static void test_dqreport__junit_one_case_per_check_and_valid(void **state)
{
	json_t *r = report();
	struct buf b;
	FILE *fp;
	char path[] = "/tmp/test_dqreport_XXXXXX", cmd[600];
	int fd, rc;

	buf_init(&b);
	assert_int_equal(dq_junit(&b, r, "2023-11-14T22:13:20", "ci"), 0);
	/* columns, rows, label, and three columns: two fail (age, label) */
	assert_non_null(strstr(b.data, "tests=\"6\" failures=\"2\""));
	assert_non_null(strstr(b.data, "<testcase name=\"column a&amp;b\""));
	assert_non_null(strstr(b.data, "<failure type=\"mlci.data.unseen_label\""));
	assert_non_null(strstr(b.data, "warning: column &quot;a&amp;b&quot; is constant"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs(b.data, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd),
		 "xmllint --noout --schema tests/schemas/junit-ant.xsd %s 2>/dev/null && "
		 "xmllint --noout --schema tests/schemas/junit-jenkins-xunit.xsd %s 2>/dev/null",
		 path, path);
	rc = system(cmd);
	remove(path);
	assert_int_equal(rc, 0);
	buf_release(&b);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dqreport__codequality_findings),
		cmocka_unit_test(test_dqreport__junit_one_case_per_check_and_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
