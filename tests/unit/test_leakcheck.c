/*
 * test_leakcheck.c - the glue of --pii and --against: the quick scan that
 * lets only possible personal data reach the detectors, the tallies'
 * partial-report state and merge, and masking a flagged column in a
 * report (its top values, sketch, and the values its messages quote).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "colstats.h"
#include "leakcheck.h"
#include "pii.h"

/* pii_classify(s) >= 0 implies lc_pii_candidate(s). */
static void superset(const char *s)
{
	if (pii_classify(s) >= 0 && !lc_pii_candidate(s))
		fail_msg("'%s' is %s but the scan skips it", s,
			 pii_type_name((enum pii_type)pii_classify(s)));
}

static void test_leakcheck__the_scan_passes_every_value_a_detector_accepts(void **state)
{
	static const char *const known[] = {
		"ann.lee@mail.example", " x@y.io ", "+44 20 7946 0958", "(030) 1234567",
		"555-123-4567", "06 12 34 56 78", "4111 1111 1111 1111", "378282246310005",
		"DE89 3704 0044 0532 0130 00", "gb82west12345698765432", "1.2.3.4", "::1",
		"fe80::1", "::ffff:1.2.3.4", "John Smith", "Dr. Smith", "Mary Ann O'Neill",
		"José Müller", "Braund, Mr. Owen Harris", "\tJohn F. Kennedy",
		"Cumings, Mrs. John Bradley (Florence Briggs Thayer)", "van der Berg, Anna",
	};
	static const char alphabet[] = "0123456789abcxyzABCXYZ@.:-+() ,'\t\xc3\xa9";
	const char *files[] = { "tests/ref/pii_values.json", "tests/ref/pii_planted.csv",
				"tests/data/titanic.csv", "tests/data/adult.data.csv" };
	size_t i, k;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char buf[64];
	double v;
	int isint;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_true(pii_classify(known[i]) >= 0);
		superset(known[i]);
	}
	/* every field of real and reference files (split at commas and
	 * quotes), and every line whole */
	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		FILE *fp = fopen(files[k], "r");
		char line[4096];

		assert_non_null(fp);
		while (fgets(line, sizeof(line), fp)) {
			char *p, *tok;

			line[strcspn(line, "\r\n")] = '\0';
			superset(line);
			for (p = line; (tok = strsep(&p, ",\"")); )
				superset(tok);
		}
		fclose(fp);
	}
	/* random strings over the detectors' characters */
	for (i = 0; i < 300000; i++) {
		size_t n, j;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = 1 + x % 30;
		for (j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[j] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		buf[n] = '\0';
		superset(buf);
	}
	/* numbers and number-like strings, which the scan skips when plain */
	for (i = 0; i < 300000; i++) {
		static const char num[] = "0123456789012345678901234567890123456789.-+ eE";
		size_t n, j;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = 1 + x % 20;
		for (j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[j] = num[x % (j ? sizeof(num) - 1 : 12)];
		}
		buf[n] = '\0';
		superset(buf);
		/* what lc_pii_add_number counts without a look */
		if (n < 13 && buf[0] != '+' && colacc_number(buf, n, &v, &isint) == 0 &&
		    pii_classify(buf) >= 0)
			fail_msg("the number '%s' is %s", buf,
				 pii_type_name((enum pii_type)pii_classify(buf)));
	}
	/* and it does skip plain values */
	assert_false(lc_pii_candidate("42"));
	assert_false(lc_pii_candidate("Bachelors"));
	assert_false(lc_pii_candidate("United-States"));
	assert_false(lc_pii_candidate("3.14159"));
	assert_false(lc_pii_candidate("-0.3315521"));
	assert_false(lc_pii_candidate("123456789012"));
	assert_true(lc_pii_candidate("4111111111111111"));
	assert_true(lc_pii_candidate("+1.2345678"));
}

static void test_leakcheck__tallies_merge_through_their_state(void **state)
{
	char *names[] = { "email", "n" };
	const char *vals[] = { "a.b@example.org", "c@d.example", NULL, "nope", "x@y.io" };
	struct lc_pii *whole, *a, *b, *back;
	struct mlci_err err = { 0 };
	json_t *jw, *jm;
	size_t i;

	assert_int_equal(lc_pii_new(&whole, names, 2, PII_MODE_WARN, &err), 0);
	assert_int_equal(lc_pii_new(&a, names, 2, PII_MODE_WARN, &err), 0);
	assert_int_equal(lc_pii_new(&b, names, 2, PII_MODE_WARN, &err), 0);
	for (i = 0; i < 5; i++) {
		lc_pii_add(whole, 0, vals[i]);
		lc_pii_add(whole, 1, "7");
		lc_pii_add(i < 2 ? a : b, 0, vals[i]);
		lc_pii_add(i < 2 ? a : b, 1, "7");
	}
	jm = lc_pii_to_json(b);
	assert_int_equal(lc_pii_from_json(&back, jm, names, 2, "part", &err), 0);
	json_decref(jm);
	assert_int_equal(lc_pii_merge(a, back, &err), 0);
	lc_pii_free(back);
	jw = lc_pii_to_json(whole);
	jm = lc_pii_to_json(a);
	assert_true(json_equal(jw, jm));
	json_decref(jw);
	json_decref(jm);
	/* another mode does not merge */
	lc_pii_free(b);
	assert_int_equal(lc_pii_new(&b, names, 2, PII_MODE_FAIL, &err), 0);
	assert_int_equal(lc_pii_merge(a, b, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	/* a malformed state is refused */
	jm = json_loads("{\"mode\": \"warn\", \"threshold\": 0.5, \"columns\": "
			"[{\"values\": 1, \"missing\": 0, \"matches\": [2,0,0,0,0,0]},"
			" {\"values\": 0, \"missing\": 0, \"matches\": [0,0,0,0,0,0]}]}", 0, NULL);
	assert_int_equal(lc_pii_from_json(&back, jm, names, 2, "part", &err), -1);
	json_decref(jm);
	lc_pii_free(whole);
	lc_pii_free(a);
	lc_pii_free(b);
}

static void test_leakcheck__a_flagged_column_is_masked_everywhere_in_the_report(void **state)
{
	char *names[] = { "contact", "note" };
	struct lc_pii *p;
	struct mlci_err err = { 0 };
	json_t *rep, *sch;
	char *text;
	size_t i;

	assert_int_equal(lc_pii_new(&p, names, 2, PII_MODE_WARN, &err), 0);
	for (i = 0; i < 10; i++) {
		lc_pii_add(p, 0, i ? "ann.o'lee@mail.example" : "bob@x.example");
		lc_pii_add(p, 1, "hello");
	}
	rep = json_loads(
		"{\"columns\": ["
		" {\"name\": \"contact\", \"type\": \"string\", \"top\": ["
		"  {\"value\": \"ann.o'lee@mail.example\", \"count\": 9},"
		"  {\"value\": \"bob@x.example\", \"count\": 1}],"
		"  \"sketch\": {\"frequencies\": {\"values\": [\"ann.o'lee@mail.example\", \"bob@x.example\"]}}},"
		" {\"name\": \"note\", \"type\": \"string\", \"top\": [{\"value\": \"hello\", \"count\": 10}]}],"
		" \"anomalies\": ["
		"  {\"code\": \"unseen_category\", \"column\": \"contact\", \"message\":"
		"   \"column 'contact': 10 rows with a category the schema does not list: 'ann.o'lee@mail.example', 'bob@x.example'\"},"
		"  {\"code\": \"unseen_category\", \"column\": \"contact\", \"message\":"
		"   \"column 'contact': first 'carol@unlisted.example' at line 3\"},"
		"  {\"code\": \"unseen_category\", \"column\": \"note\", \"message\":"
		"   \"column 'note': 'hello' is new\"}]}", 0, NULL);
	sch = json_loads("{\"columns\": [{\"name\": \"contact\", \"categories\": [\"bob@x.example\"]},"
			 " {\"name\": \"note\", \"categories\": [\"hello\"]}]}", 0, NULL);
	assert_non_null(rep);
	assert_int_equal(lc_report(rep, p, NULL, &err), 0);
	assert_int_equal(lc_scrub_schema(sch, p, &err), 0);
	text = json_dumps(rep, JSON_SORT_KEYS);
	assert_null(strstr(text, "ann"));
	assert_null(strstr(text, "bob"));
	assert_null(strstr(text, "carol"));
	assert_null(strstr(text, "mail.example"));
	assert_non_null(strstr(text, "xxx.x'xxx@xxxx.xxxxxxx"));
	/* the column name and the unflagged column are left alone */
	assert_non_null(strstr(text, "column 'contact'"));
	assert_non_null(strstr(text, "'hello' is new"));
	assert_non_null(strstr(text, "\"value\": \"hello\""));
	assert_null(json_object_get(json_object_get(json_array_get(
		json_object_get(rep, "columns"), 0), "sketch"), "frequencies"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(rep, "pii"), "flagged"), 0)), "contact");
	free(text);
	text = json_dumps(sch, JSON_SORT_KEYS);
	assert_null(strstr(text, "bob"));
	assert_non_null(strstr(text, "hello"));
	free(text);
	json_decref(rep);
	json_decref(sch);
	lc_pii_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leakcheck__the_scan_passes_every_value_a_detector_accepts),
		cmocka_unit_test(test_leakcheck__tallies_merge_through_their_state),
		cmocka_unit_test(test_leakcheck__a_flagged_column_is_masked_everywhere_in_the_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
