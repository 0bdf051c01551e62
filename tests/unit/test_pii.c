/*
 * test_pii.c - personal-data classifiers, the column tally and masking.
 *
 * Card numbers and IBANs come from tests/ref/pii_values.json, generated
 * and checked by python-stdnum (tests/ref/pii_values.py); the other
 * values are written here. The real datasets in tests/data are classified
 * column by column: only titanic's Name may be flagged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "pii.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static json_t *ref;

static int setup(void **state)
{
	const char *path = getenv("MLCI_PII_REF");
	json_error_t je;

	if (!path)
		path = "tests/ref/pii_values.json";
	ref = json_load_file(path, 0, &je);
	if (!ref)
		fprintf(stderr, "cannot read %s: %s\n", path, je.text);
	return ref ? 0 : -1;
}

static int teardown(void **state)
{
	json_decref(ref);
	return 0;
}

/* Each value of list: pred(value) == want, else fail naming the value. */
static void each(const char *const *list, size_t n, int (*pred)(const char *),
		 int want, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!!pred(list[i]) != want)
			fail_msg("%s: '%s' should %sbe accepted", what, list[i],
				 want ? "" : "not ");
}

/* The same over an array of the reference file; returns its size. */
static size_t each_ref(const char *key, int (*pred)(const char *), int want)
{
	json_t *a = json_object_get(ref, key), *v;
	size_t i;

	assert_non_null(a);
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);

		assert_non_null(s);
		if (!!pred(s) != want)
			fail_msg("%s: '%s' should %sbe accepted", key, s,
				 want ? "" : "not ");
	}
	return json_array_size(a);
}

static int classify_is(const char *s, int want)
{
	return pii_classify(s) == want;
}

static int is_none(const char *s) { return classify_is(s, -1); }
static int is_email_t(const char *s) { return classify_is(s, PII_EMAIL); }
static int is_phone_t(const char *s) { return classify_is(s, PII_PHONE); }
static int is_card_t(const char *s) { return classify_is(s, PII_CARD); }
static int is_iban_t(const char *s) { return classify_is(s, PII_IBAN); }
static int is_ip_t(const char *s) { return classify_is(s, PII_IP); }
static int is_name_t(const char *s) { return classify_is(s, PII_NAME); }

/* ---- e-mail ---- */

static void test_pii__email(void **state)
{
	static const char *const yes[] = { "ann.lee@example.com",
		"a@b.co", "first.last+tag@sub.example.org",
		"o'brien@example.ie", "x_y-z@mail-server.example.net",
		"  padded@example.com\t", "UPPER@EXAMPLE.COM",
		"user@xn--80ak6aa92e.xn--p1ai", "jos\xc3\xa9@exemple.fr",
		"!#$%&'*+/=?^_`{|}~-@example.com" };
	static const char *const no[] = { "plainaddress", "@example.com",
		"user@", "user@example", "user@.example.com", "user@example..com",
		"user@-example.com", "user@example-.com", ".user@example.com",
		"user.@example.com", "us..er@example.com", "user name@example.com",
		"user@exa mple.com", "user@example.c", "user@example.c0m",
		"a@b@example.com", "\"quoted\"@example.com", "user@[192.168.0.1]",
		"user@192.168.0.1", "user@example.com.", "", "@" };

	each(yes, N(yes), pii_is_email, 1, "email");
	each(yes, N(yes), is_email_t, 1, "classify email");
	each(no, N(no), pii_is_email, 0, "email");
	each(no, N(no), is_none, 1, "classify non-email");
}

static void test_pii__email_lengths(void **state)
{
	char local[80], label[80], addr[200];

	memset(local, 'a', 64);
	local[64] = 0;
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	assert_true(pii_is_email(addr));
	memset(local, 'a', 65);
	local[65] = 0;
	snprintf(addr, sizeof(addr), "%s@example.com", local);
	assert_false(pii_is_email(addr));	/* local part over 64 */
	memset(label, 'b', 63);
	label[63] = 0;
	snprintf(addr, sizeof(addr), "x@%s.com", label);
	assert_true(pii_is_email(addr));
	memset(label, 'b', 64);
	label[64] = 0;
	snprintf(addr, sizeof(addr), "x@%s.com", label);
	assert_false(pii_is_email(addr));	/* a label over 63 */
}

/* ---- phone numbers ---- */

static void test_pii__phone(void **state)
{
	static const char *const yes[] = { "+4915123456789", "+44 20 7946 0958",
		"+1 (555) 123-4567", "+1-202-555-0143", "+33 1 23 45 67 89",
		"+44 (0)20 7946 0958", "+7 495 123-45-67", "+86.10.1234.5678",
		"(555) 123-4567", "(030) 1234567", "(02) 9876 5432",
		"555-123-4567", "555.123.4567", "555 123 4567", "020 7946 0958",
		"06 12 34 56 78", "01.23.45.67.89", "0049 30 1234 5678",
		"+1234567", "+123456789012345" };
	static const char *const no[] = {
		/* integers, decimals, signs */
		"1234567", "5551234567", "123456789012345", "-1234567",
		"1234567.89", "-123-456-7890", "+0123456789", "+123456",
		"+1234567890123456",
		/* dates, times, ZIP codes, versions, thousands */
		"2012-01-01", "01.02.2012", "1.2.2012", "2012 01 01",
		"31-12-1999", "12:30:45", "12345", "12345-6789", "1.2.3",
		"10.20.300", "1 234 567", "1 234 567 890", "123.456.789",
		"12,345,678",
		/* two groups without + or parentheses */
		"030 1234567", "555-1234", "12345 67890",
		/* product codes, malformed */
		"ABC-123-4567", "555--123-4567", "555-123-4567-", "(555 123-4567",
		"555) 123-4567", "((555)) 123-4567", "(555)(123)4567",
		"+ 44 20 7946 0958", "555/123/4567", "555_123_4567", "" };

	each(yes, N(yes), pii_is_phone, 1, "phone");
	each(yes, N(yes), is_phone_t, 1, "classify phone");
	each(no, N(no), pii_is_phone, 0, "phone");
	each(no, N(no), is_phone_t, 0, "classify non-phone");
}

/* ---- cards ---- */

static void test_pii__luhn(void **state)
{
	assert_true(pii_luhn_ok("79927398713", 11));	/* Wikipedia's example */
	assert_false(pii_luhn_ok("79927398710", 11));
	assert_true(pii_luhn_ok("4111111111111111", 16));
	assert_false(pii_luhn_ok("4111111111111112", 16));
	assert_true(pii_luhn_ok("00", 2));
	assert_false(pii_luhn_ok("0", 1));		/* too short */
	assert_false(pii_luhn_ok("4111x11111111111", 16));
}

static void test_pii__cards_reference(void **state)
{
	static const char *const yes[] = { "4111111111111111",
		"4111 1111 1111 1111", "4111-1111-1111-1111", "5500000000000004",
		"2223000048400011", "378282246310005", "3782 822463 10005",
		"6011111111111117", "30569309025904", "3530111333300000",
		"6200000000000005", " 4012888888881881 " };
	static const char *const no[] = { "4111111111111112",	/* Luhn */
		"4111  1111 1111 1111", "4111 1111 1111 1111-", "4111_1111_1111_1111",
		" -4111111111111111", "4111111111111111-", "411111111111111",	/* 15 for Visa */
		"41111111111111111",	/* 17 for Visa */
		"5500 0000 0000 0004 1", "378282246310005 0", "0000000000000000",
		"1234567812345670",	/* Luhn-valid, unknown issuer */
		"4111.1111.1111.1111", "4111111111111111111111" };
	size_t n;

	each(yes, N(yes), pii_is_card, 1, "card");
	each(yes, N(yes), is_card_t, 1, "classify card");
	each(no, N(no), pii_is_card, 0, "card");
	n = each_ref("card_valid", pii_is_card, 1);
	each_ref("card_valid", is_card_t, 1);
	assert_true(n >= 60);
	each_ref("card_bad_luhn", pii_is_card, 0);
	each_ref("card_unknown", pii_is_card, 0);
	each_ref("integers_bad_luhn", pii_is_card, 0);
	each_ref("integers_bad_luhn", is_none, 1);
}

/* ---- IBAN ---- */

static void test_pii__iban(void **state)
{
	/* published by the European Committee for Banking Standards */
	static const char *const yes[] = { "DE89370400440532013000",
		"GB82WEST12345698765432", "FR1420041010050500013M02606",
		"DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32",
		"gb82west12345698765432", "NL91ABNA0417164300",
		"BE68539007547034", "NO9386011117947" };
	static const char *const no[] = { "DE89370400440532013001",	/* mod 97 */
		"DE8937040044053201300", "DE893704004405320130000",	/* length */
		"GB82WEST1234569876543", "XX89370400440532013000",	/* country */
		"DE00370400440532013000", "DE99370400440532013000",	/* check 00, 99 */
		"DE89 3704  0044 0532 0130 00", "DE89-3704-0044-0532-0130-00",
		"D89370400440532013000", "8937040044053201300022", "DE",
		"DEAB370400440532013000" };

	each(yes, N(yes), pii_is_iban, 1, "iban");
	each(yes, N(yes), is_iban_t, 1, "classify iban");
	each(no, N(no), pii_is_iban, 0, "iban");
	assert_true(each_ref("iban_valid", pii_is_iban, 1) >= 3 * 82);
	each_ref("iban_valid", is_iban_t, 1);
	each_ref("iban_invalid", pii_is_iban, 0);
}

/* ---- IP ---- */

static void test_pii__ip(void **state)
{
	static const char *const v4[] = { "192.168.1.1", "0.0.0.0",
		"255.255.255.255", "10.0.0.100", "8.8.8.8" };
	static const char *const not_v4[] = { "256.1.1.1", "1.2.3", "1.2.3.4.5",
		"01.2.3.4", "1.02.3.4", "1.2.3.", ".1.2.3", "1..2.3", "1.2.3.4a",
		"1234.1.1.1", "-1.2.3.4", "1.2.3.4 5", "" };
	static const char *const v6[] = { "::1", "2001:db8::8a2e:370:7334",
		"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "fe80::1",
		"::ffff:192.0.2.128", "1:2:3:4:5:6:7:8" };
	static const char *const not_v6[] = { "12:30", "12:30:45",
		"00:1a:2b:3c:4d:5e", "2001:db8::8a2e::7334", "1:2:3:4:5:6:7:8:9",
		"gggg::1", "fe80::1%eth0", "[::1]", ":", "1.2.3.4" };

	each(v4, N(v4), pii_is_ipv4, 1, "ipv4");
	each(v4, N(v4), pii_is_ip, 1, "ip");
	each(v4, N(v4), is_ip_t, 1, "classify ipv4");
	each(not_v4, N(not_v4), pii_is_ipv4, 0, "ipv4");
	each(v6, N(v6), pii_is_ipv6, 1, "ipv6");
	each(v6, N(v6), is_ip_t, 1, "classify ipv6");
	each(not_v6, N(not_v6), pii_is_ipv6, 0, "ipv6");
	each(not_v6 + 1, 5, is_none, 1, "classify non-ip");
}

/* ---- person names ---- */

static void test_pii__person_names(void **state)
{
	static const char *const yes[] = { "John Smith", "Mary Ann Smith",
		"John F. Kennedy", "Martin Luther King Jr", "Mr. John Smith",
		"Dr Smith", "Mrs. Jones", "Prof. Ada Lovelace", "Smith, John",
		"O'Neill, Mary", "Mary O'Neill", "Anne Smith-Jones",
		"Ronald McDonald", "Vincent van Gogh", "Jos\xc3\xa9 M\xc3\xbcller",
		"\xc3\x89mile Zola", "Braund, Mr. Owen Harris",
		"Cumings, Mrs. John Bradley (Florence Briggs Thayer)",
		"McGowan, Miss. Anna \"Annie\"", "van Billiard, Mr. Austin Blyler",
		"Hewlett, Mrs. (Mary D Kingcome)",
		"Rothes, the Countess. of (Lucy Noel Martha Dyer-Edwards)",
		"Petroff, Mr. Pastcho (\"Pentcho\")", "  John Smith  " };
	static const char *const no[] = { "John", "john smith", "JOHN SMITH",
		"John smith", "J. R.", "A B", "Mr.", "Mr. Mrs. Smith",
		"The Quick Brown Fox Jumps", "John Smith 3", "R2 D2",
		"Smith, John, Jr", "Smith,John", "setosa", "Adelie",
		"United-States", "Married-civ-spouse", "Self-emp-not-inc",
		"Never-married", "at_home", "GP", "MALE", "C23 C25 C27",
		"A/5 21171", "PC 17599", "STON/O2. 3101282", "drizzle",
		"John (Smith", "John Smith)", "Smith, ", ", John", "O' Neill",
		"Anne Smith-", "-Anne Smith", "John..Smith", "Jr Smith",
		"John Jr Smith", "van Gogh", "ABc Def", "" };

	each(yes, N(yes), pii_is_person_name, 1, "person name");
	each(yes, N(yes), is_name_t, 1, "classify person name");
	each(no, N(no), pii_is_person_name, 0, "person name");
	each(no, N(no), is_name_t, 0, "classify non-name");
}

static void test_pii__name_column(void **state)
{
	static const char *const yes[] = { "Name", "name", "first_name",
		"FirstName", "lastName", "LASTNAME", "surname", "Surname",
		"customer name", "PassengerName", "given-name", "full_name",
		"maiden", "fname" };
	static const char *const no[] = { "Sex", "Species", "filename",
		"hostname", "username", "rename", "namespace", "firstly",
		"lasting", "ages", "", "nom" };

	each(yes, N(yes), pii_name_column, 1, "name column");
	each(no, N(no), pii_name_column, 0, "name column");
	assert_false(pii_name_column(NULL));
}

/* ---- classification as a whole ---- */

static void test_pii__classify_edges(void **state)
{
	char longv[PII_MAX_VALUE + 40];

	assert_int_equal(pii_classify(NULL), -1);
	assert_int_equal(pii_classify(""), -1);
	assert_int_equal(pii_classify("   "), -1);
	assert_int_equal(pii_classify("42"), -1);
	assert_int_equal(pii_classify("3.14159"), -1);
	assert_int_equal(pii_classify("-0.5"), -1);
	assert_int_equal(pii_classify("1e10"), -1);
	assert_int_equal(pii_classify("true"), -1);
	assert_int_equal(pii_classify("N/A"), -1);
	assert_int_equal(pii_classify("SKU-12345-XL"), -1);
	assert_int_equal(pii_classify("ABC123"), -1);
	assert_int_equal(pii_classify("\xff\xfe"), -1);
	/* a value counts once, for the most specific type */
	assert_int_equal(pii_classify("3782 822463 10005"), PII_CARD);
	assert_int_equal(pii_classify("192.168.100.200"), PII_IP);
	/* too long to be one value */
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = 0;
	memcpy(longv, "x@example.com ", 14);
	assert_int_equal(pii_classify(longv), -1);
	/* leading blanks are skipped first; trailing ones count */
	memset(longv, ' ', sizeof(longv) - 1);
	memcpy(longv + 100, "a@example.com", 13);
	assert_int_equal(pii_classify(longv), PII_EMAIL);
	memset(longv, ' ', sizeof(longv) - 1);
	memcpy(longv + 10, "a@example.com", 13);
	assert_int_equal(pii_classify(longv), -1);
}

static void test_pii__type_names(void **state)
{
	enum pii_type t;
	int i;

	for (i = 0; i < PII_NTYPES; i++) {
		assert_int_equal(pii_type_parse(pii_type_name((enum pii_type)i), &t), 0);
		assert_int_equal(t, i);
	}
	assert_string_equal(pii_type_name(PII_NAME), "person_name");
	assert_string_equal(pii_type_name(PII_NTYPES), "?");
	assert_int_equal(pii_type_parse("name", &t), -1);
	assert_int_equal(pii_type_parse(NULL, &t), -1);
}

static void test_pii__mode_parse(void **state)
{
	enum pii_mode m;

	assert_int_equal(pii_mode_parse("off", &m), 0);
	assert_int_equal(m, PII_MODE_OFF);
	assert_int_equal(pii_mode_parse("warn", &m), 0);
	assert_int_equal(m, PII_MODE_WARN);
	assert_int_equal(pii_mode_parse("fail", &m), 0);
	assert_int_equal(m, PII_MODE_FAIL);
	assert_int_equal(pii_mode_parse("FAIL", &m), -1);
	assert_int_equal(pii_mode_parse("", &m), -1);
	assert_int_equal(pii_mode_parse(NULL, &m), -1);
}

/* ---- the column tally ---- */

static void test_pii__col_share_and_threshold(void **state)
{
	struct pii_col c;
	int i;

	pii_col_init(&c, "contact");
	assert_false(c.name_column);
	assert_int_equal(pii_col_flags(&c, 0), 0);	/* nothing fed */
	assert_true(pii_col_share(&c, PII_EMAIL) == 0);
	for (i = 0; i < 5; i++)
		pii_col_add(&c, "ann@example.com");
	for (i = 0; i < 5; i++)
		pii_col_add(&c, "n/a");
	pii_col_add(&c, NULL);
	assert_int_equal(c.values, 10);
	assert_int_equal(c.missing, 1);
	assert_int_equal(c.matches[PII_EMAIL], 5);
	assert_true(pii_col_share(&c, PII_EMAIL) == 0.5);
	assert_int_equal(pii_col_flags(&c, 0), 1u << PII_EMAIL);	/* 0.5 >= 0.5 */
	assert_int_equal(pii_col_flags(&c, 0.6), 0);
	assert_true(pii_col_threshold(&c, PII_EMAIL, 0) == PII_THRESHOLD);
	assert_true(pii_col_threshold(&c, PII_EMAIL, 0.3) == 0.3);
	pii_col_add(&c, "bob");
	assert_int_equal(pii_col_flags(&c, 0), 0);	/* 5/11 */
}

static void test_pii__col_name_threshold(void **state)
{
	struct pii_col named, other;
	int i;

	pii_col_init(&named, "customer_name");
	pii_col_init(&other, "city");
	assert_true(named.name_column);
	for (i = 0; i < 6; i++) {
		pii_col_add(&named, "New York");
		pii_col_add(&other, "New York");
	}
	for (i = 0; i < 4; i++) {
		pii_col_add(&named, "London");
		pii_col_add(&other, "London");
	}
	/* 60% two-capitalised-word values: a name column, not a city column */
	assert_int_equal(pii_col_flags(&named, 0), 1u << PII_NAME);
	assert_int_equal(pii_col_flags(&other, 0), 0);
	assert_true(pii_col_threshold(&other, PII_NAME, 0) == PII_NAME_THRESHOLD_UNNAMED);
	assert_true(pii_col_threshold(&other, PII_NAME, 0.9) == 0.9);
	assert_true(pii_col_threshold(&named, PII_NAME, 0) == PII_THRESHOLD);
	for (i = 0; i < 12; i++)
		pii_col_add(&other, "Los Angeles");
	assert_int_equal(pii_col_flags(&other, 0), 1u << PII_NAME);	/* 18/22 */
}

static void test_pii__col_merge(void **state)
{
	static const char *const v[] = { "+44 20 7946 0958", "x", NULL,
		"192.168.0.1", "4111111111111111", "DE89370400440532013000",
		"a@b.co", "Ann Lee", NULL, "12" };
	struct pii_col whole, a, b;
	size_t i;
	int t;

	pii_col_init(&whole, "c");
	pii_col_init(&a, "c");
	pii_col_init(&b, "c");
	for (i = 0; i < N(v); i++) {
		pii_col_add(&whole, v[i]);
		pii_col_add(i < 4 ? &a : &b, v[i]);
	}
	pii_col_merge(&a, &b);
	assert_int_equal(a.values, whole.values);
	assert_int_equal(a.missing, whole.missing);
	for (t = 0; t < PII_NTYPES; t++) {
		assert_int_equal(a.matches[t], whole.matches[t]);
		assert_int_equal(whole.matches[t], 1);	/* one of each type */
	}
	assert_int_equal(whole.values, 8);
}

static void test_pii__col_json(void **state)
{
	struct pii_col c;
	json_t *j;
	char *s;

	pii_col_init(&c, "Name");
	pii_col_add(&c, "Ann Lee");
	pii_col_add(&c, "Bob Stone");
	pii_col_add(&c, "bob@example.com");
	pii_col_add(&c, "x");
	j = pii_col_json(&c, 0);
	assert_non_null(j);
	s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"flagged\":[\"person_name\"],"
			    "\"matches\":{\"email\":1,\"person_name\":2},"
			    "\"share\":{\"email\":0.25,\"person_name\":0.5},"
			    "\"values\":4}");
	free(s);
	json_decref(j);
}

/* ---- masking ---- */

static void mask_is(const char *in, const char *want)
{
	char *m = pii_mask(in);

	assert_non_null(m);
	assert_string_equal(m, want);
	free(m);
}

static void test_pii__mask(void **state)
{
	char longv[200];
	char *m;
	size_t i;

	mask_is("ann.lee@mail.example", "xxx.xxx@xxxx.xxxxxxx");
	mask_is("+44 20 7946 0958", "+99 99 9999 9999");
	mask_is("DE89 3704 0044 0532 0130 00", "xx99 9999 9999 9999 9999 99");
	mask_is("Braund, Mr. Owen Harris", "xxxxxx, xx. xxxx xxxxxx");
	mask_is("Jos\xc3\xa9 M\xc3\xbcller", "xxxx xxxxxx");	/* one x per character */
	mask_is("a\tb\nc\x7f", "x?x?x?");
	mask_is("\xff\xfe", "xx");				/* invalid bytes */
	mask_is("", "");
	mask_is(NULL, "");
	memset(longv, 'z', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = 0;
	m = pii_mask(longv);
	assert_int_equal(strlen(m), PII_MASK_MAX + 3);
	assert_string_equal(m + PII_MASK_MAX, "...");
	free(m);
	/* no letter or digit survives, whatever the input */
	for (i = 0; i < 256; i++) {
		char in[4] = { (char)(i ? i : 1), 'Q', '7', 0 };

		m = pii_mask(in);
		assert_non_null(m);
		assert_null(strpbrk(m, "abcdefghijklmnopqrstuvwyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678"));
		free(m);
	}
}

/* Random strings over the characters the classifiers care about: no
 * crash or out-of-bounds read (run under ASan), and masks stay masked. */
static void test_pii__random_values(void **state)
{
	static const char alphabet[] = "0123456789+-(). @:,'\"/AZaz\xc3\xa9\xe2\x80\x99\t";
	uint32_t x = 12345;
	char v[PII_MAX_VALUE + 8];
	size_t i, k, n, hits = 0;

	for (i = 0; i < 200000; i++) {
		char *m;

		x = x * 1103515245u + 12345u;
		n = (x >> 16) % 40;
		if (i % 1000 == 0)
			n = PII_MAX_VALUE + 4;
		for (k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			v[k] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
		}
		v[n] = 0;
		hits += pii_classify(v) >= 0;
		(void)pii_is_email(v);
		(void)pii_is_phone(v);
		(void)pii_is_card(v);
		(void)pii_is_iban(v);
		(void)pii_is_ip(v);
		(void)pii_is_person_name(v);
		(void)pii_name_column(v);
		m = pii_mask(v);
		assert_non_null(m);
		assert_null(strpbrk(m, "abcdefghijklmnopqrstuvwyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678"));
		free(m);
	}
	assert_true(hits > 0);	/* a few random strings are phone numbers */
}

/* ---- the real datasets ---- */

static const char *data_path(char *out, size_t n, const char *name)
{
	const char *d = getenv("DATA");

	snprintf(out, n, "%s/%s", d && *d ? d : "tests/data", name);
	return out;
}

#define ADULT "age,workclass,fnlwgt,education,education_num,marital_status," \
	"occupation,relationship,race,sex,capital_gain,capital_loss," \
	"hours_per_week,native_country,income"
#define ABALONE "sex,length,diameter,height,whole_weight,shucked_weight," \
	"viscera_weight,shell_weight,rings"

/* Classify every column of a file; the flags of column `want` (or none)
 * are returned in *flags, and every other column must have none. */
static void scan_file(const char *name, const char *columns, int trim,
		      long skip, const char *want, unsigned *flags, double *share)
{
	struct frame f = { 0 };
	struct csv_opts o;
	struct mlci_err err = { 0 };
	char path[512];
	size_t r, c;

	csv_opts_init(&o);
	o.columns = columns;
	o.trim = trim;
	o.skip_rows = skip;
	if (frame_load(&f, data_path(path, sizeof(path), name), &o, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	for (c = 0; c < f.ncols; c++) {
		struct pii_col pc;
		unsigned fl;

		pii_col_init(&pc, f.names[c]);
		for (r = 0; r < f.nrows; r++)
			pii_col_add(&pc, frame_cell(&f, r, c));
		fl = pii_col_flags(&pc, 0);
		if (want && !strcmp(f.names[c], want)) {
			*flags = fl;
			*share = pii_col_share(&pc, PII_NAME);
		} else if (fl) {
			fail_msg("%s: column '%s' flagged (%#x)", name, f.names[c], fl);
		}
	}
	frame_free(&f);
}

static void test_pii__real_titanic_names(void **state)
{
	unsigned flags = 0;
	double share = 0;

	scan_file("titanic.csv", NULL, 0, 0, "Name", &flags, &share);
	assert_int_equal(flags, 1u << PII_NAME);
	assert_true(share > 0.99);	/* 888 of 891 */
}

static void test_pii__real_files_unflagged(void **state)
{
	static const char *const files[] = { "iris.csv", "penguins.csv",
		"student_mat.csv", "breast_cancer.csv", "wine.csv",
		"diabetes_progression.csv", "seattle_weather.csv",
		"flights_200k.csv" };
	unsigned flags = 0;
	double share = 0;
	size_t i;

	for (i = 0; i < N(files); i++)
		scan_file(files[i], NULL, 0, 0, NULL, &flags, &share);
	scan_file("adult.data.csv", ADULT, 1, 0, NULL, &flags, &share);
	scan_file("adult.data.csv", ADULT, 0, 0, NULL, &flags, &share);
	scan_file("adult.test.csv", ADULT, 1, 1, NULL, &flags, &share);
	scan_file("abalone.data", ABALONE, 0, 0, NULL, &flags, &share);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pii__email),
		cmocka_unit_test(test_pii__email_lengths),
		cmocka_unit_test(test_pii__phone),
		cmocka_unit_test(test_pii__luhn),
		cmocka_unit_test(test_pii__cards_reference),
		cmocka_unit_test(test_pii__iban),
		cmocka_unit_test(test_pii__ip),
		cmocka_unit_test(test_pii__person_names),
		cmocka_unit_test(test_pii__name_column),
		cmocka_unit_test(test_pii__classify_edges),
		cmocka_unit_test(test_pii__type_names),
		cmocka_unit_test(test_pii__mode_parse),
		cmocka_unit_test(test_pii__col_share_and_threshold),
		cmocka_unit_test(test_pii__col_name_threshold),
		cmocka_unit_test(test_pii__col_merge),
		cmocka_unit_test(test_pii__col_json),
		cmocka_unit_test(test_pii__mask),
		cmocka_unit_test(test_pii__random_values),
		cmocka_unit_test(test_pii__real_titanic_names),
		cmocka_unit_test(test_pii__real_files_unflagged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
