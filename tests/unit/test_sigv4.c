/* Unit tests of shared/sigv4.c against AWS's published vectors: the
 * Signature Version 4 test suite (tests/data/sigv4, see its README) and
 * the worked examples of the Amazon S3 API Reference ("Signature
 * Calculations for the Authorization Header: Transferring Payload in a
 * Single Chunk", and "Deriving the signing key"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "io.h"
#include "sigv4.h"
#include "util.h"

#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define DOC_KEY "AKIAIOSFODNN7EXAMPLE"
#define DOC_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static char *slurp(const char *name, const char *ext, int must)
{
	const char *d = getenv("DATA");
	char path[512], *data = NULL;
	size_t n;
	struct mlci_err err = {0};

	snprintf(path, sizeof(path), "%s/sigv4/%s/%s.%s", d && *d ? d : "tests/data",
		 name, name, ext);
	if (read_file(path, &data, &n, 1 << 20, &err) < 0) {
		if (must)
			fail_msg("cannot read %s: %s", path, err.msg);
		return NULL;
	}
	return data;
}

#define MAXH 16

/* One suite case: parse NAME.req (request line, Name:value headers, a
 * blank line, the body), sign it, compare with NAME.authz and, when the
 * suite has them, NAME.creq and NAME.sts. */
static void check_case(const char *name)
{
	char *req = slurp(name, "req", 1), *authz = slurp(name, "authz", 1);
	char *creq = slurp(name, "creq", 0), *sts = slurp(name, "sts", 0);
	struct sigv4_header h[MAXH];
	struct sigv4_request rq = {0};
	struct sigv4_result out;
	struct mlci_err err = {0};
	char payload[SHA256_HEX_LEN + 1], *line, *next, *body = NULL, *sp, *q;
	const char *date = NULL;
	size_t nh = 0;

	line = req;
	next = strchr(line, '\n');
	*next++ = '\0';
	sp = strchr(line, ' ');
	*sp = '\0';
	rq.method = line;
	rq.path = sp + 1;
	*strrchr(rq.path, ' ') = '\0';
	q = strchr((char *)rq.path, '?');
	if (q) {
		*q = '\0';
		rq.query = q + 1;
	}
	for (line = next; line; line = next) {
		char *colon;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line) {
			body = next;
			break;
		}
		colon = strchr(line, ':');
		assert_non_null(colon);
		*colon = '\0';
		assert_true(nh < MAXH);
		h[nh].name = line;
		h[nh].value = colon + 1;
		if (!strcmp(line, "X-Amz-Date"))
			date = colon + 1;
		nh++;
	}
	sha256_buf(body ? body : "", body ? strlen(body) : 0, payload);
	rq.headers = h;
	rq.nheaders = nh;
	rq.payload_hash = payload;
	rq.region = "us-east-1";
	rq.service = "service";
	rq.access_key = SUITE_KEY;
	rq.secret_key = SUITE_SECRET;
	rq.amz_date = date;
	if (sigv4_sign(&rq, &out, &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	if (creq)
		assert_string_equal(out.canonical_request, creq);
	if (sts)
		assert_string_equal(out.string_to_sign, sts);
	assert_string_equal(out.authorization, authz);
	assert_non_null(strstr(authz, out.signature));
	sigv4_result_free(&out);
	free(req);
	free(authz);
	free(creq);
	free(sts);
}

static void test_sigv4__aws_suite(void **state)
{
	static const char *const cases[] = {
		"get-vanilla", "get-vanilla-query-order-key-case",
		"get-vanilla-query-order-key", "get-vanilla-query-order-value",
		"get-vanilla-empty-query-key", "get-vanilla-query-unreserved",
		"get-vanilla-utf8-query", "get-unreserved", "get-header-value-trim",
		"get-header-key-duplicate", "post-vanilla", "post-vanilla-empty-query-value",
		"post-header-key-sort", "post-header-value-case", "post-x-www-form-urlencoded",
		"post-x-www-form-urlencoded-parameters", "post-sts-header-before",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(cases[i]);
}

/* The S3 API Reference's GET Object example: the first 10 bytes of
 * test.txt from examplebucket, empty payload hash. */
static void test_sigv4__s3_get_object(void **state)
{
	const struct sigv4_header h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
		{ "x-amz-date", "20130524T000000Z" },
	};
	struct sigv4_request rq = { "GET", "/test.txt", NULL, h, 4, SIGV4_EMPTY_SHA256,
				    "us-east-1", "s3", DOC_KEY, DOC_SECRET,
				    "20130524T000000Z" };
	struct sigv4_result out;
	struct mlci_err err = {0};

	(void)state;
	assert_int_equal(sigv4_sign(&rq, &out, &err), 0);
	assert_string_equal(out.canonical_request,
			    "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"
			    "range:bytes=0-9\n"
			    "x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
			    "x-amz-date:20130524T000000Z\n\n"
			    "host;range;x-amz-content-sha256;x-amz-date\n" SIGV4_EMPTY_SHA256);
	assert_string_equal(out.string_to_sign,
			    "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
			    "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
	assert_string_equal(out.signature,
			    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	assert_string_equal(out.authorization,
			    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
			    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
			    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	sigv4_result_free(&out);
}

/* The PUT Object example: "Welcome to Amazon S3." as test$file.text,
 * signed payload, a Date header and a storage class signed too. */
static void test_sigv4__s3_put_object(void **state)
{
	static const char body[] = "Welcome to Amazon S3.";
	char hash[SHA256_HEX_LEN + 1];
	struct sigv4_header h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", NULL },
	};
	struct sigv4_request rq = { "PUT", "/test$file.text", NULL, h, 5, NULL,
				    "us-east-1", "s3", DOC_KEY, DOC_SECRET,
				    "20130524T000000Z" };
	struct sigv4_result out;
	struct mlci_err err = {0};

	(void)state;
	sha256_buf(body, strlen(body), hash);
	assert_string_equal(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	h[4].value = hash;
	rq.payload_hash = hash;
	assert_int_equal(sigv4_sign(&rq, &out, &err), 0);
	assert_non_null(strstr(out.canonical_request, "PUT\n/test%24file.text\n\n"));
	assert_string_equal(out.string_to_sign,
			    "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
			    "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
	assert_string_equal(out.signature,
			    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	assert_string_equal(out.signed_headers,
			    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
	sigv4_result_free(&out);
}

/* GET Bucket Lifecycle (a bare "lifecycle" query, canonical "lifecycle=")
 * and GET Bucket (List Objects) with max-keys and prefix. */
static void test_sigv4__s3_bucket_queries(void **state)
{
	const struct sigv4_header h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
		{ "x-amz-date", "20130524T000000Z" },
	};
	struct sigv4_request rq = { "GET", "/", "lifecycle", h, 3, SIGV4_EMPTY_SHA256,
				    "us-east-1", "s3", DOC_KEY, DOC_SECRET,
				    "20130524T000000Z" };
	struct sigv4_result out;
	struct mlci_err err = {0};

	(void)state;
	assert_int_equal(sigv4_sign(&rq, &out, &err), 0);
	assert_non_null(strstr(out.canonical_request, "GET\n/\nlifecycle=\nhost:"));
	assert_string_equal(out.signature,
			    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
	sigv4_result_free(&out);
	rq.query = "max-keys=2&prefix=J";
	assert_int_equal(sigv4_sign(&rq, &out, &err), 0);
	assert_string_equal(out.signature,
			    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	sigv4_result_free(&out);
	/* the same query given in another order and percent-encoded signs the same */
	rq.query = "prefix=%4A&max-keys=2";
	assert_int_equal(sigv4_sign(&rq, &out, &err), 0);
	assert_string_equal(out.signature,
			    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	sigv4_result_free(&out);
}

/* "Deriving the signing key" in the IAM/General Reference: secret
 * wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam. */
static void test_sigv4__signing_key(void **state)
{
	unsigned char k[32];
	char hex[65];
	size_t i;

	(void)state;
	assert_int_equal(sigv4_signing_key(SUITE_SECRET, "20120215", "us-east-1", "iam", k), 0);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	assert_string_equal(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
	assert_int_equal(sigv4_signing_key(NULL, "20120215", "us-east-1", "iam", k), -1);
}

static void test_sigv4__bad_inputs(void **state)
{
	struct sigv4_header h[] = { { "Host", "x" }, { "x-amz-date", "20150830T123600Z" } };
	struct sigv4_request rq = { "GET", "/", NULL, h, 2, SIGV4_UNSIGNED_PAYLOAD,
				    "us-east-1", "s3", SUITE_KEY, SUITE_SECRET,
				    "20150830T123600Z" };
	struct sigv4_result out;
	struct mlci_err err = {0};

	(void)state;
	assert_int_equal(sigv4_sign(&rq, &out, &err), 0);
	assert_non_null(strstr(out.canonical_request, "\nUNSIGNED-PAYLOAD"));
	sigv4_result_free(&out);
	rq.amz_date = "2015-08-30T12:36:00Z";
	assert_int_equal(sigv4_sign(&rq, &out, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_null(out.authorization);
	rq.amz_date = "20150830T123600Z";
	rq.path = "no-slash";
	assert_int_equal(sigv4_sign(&rq, &out, &err), -1);
	rq.path = "/";
	h[0].name = "Bad Name";
	assert_int_equal(sigv4_sign(&rq, &out, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	h[0].name = "Host";
	rq.region = "us/east";
	assert_int_equal(sigv4_sign(&rq, &out, &err), -1);
	/* the secret never appears in a message */
	assert_null(strstr(err.msg, SUITE_SECRET));
}

static void test_sigv4__encode_and_date(void **state)
{
	struct buf b;
	char d[17];

	(void)state;
	buf_init(&b);
	assert_int_equal(sigv4_uri_encode(&b, "a b/c~d+e\xe1\x88\xb4", 12, 1), 0);
	assert_string_equal(b.data, "a%20b/c~d%2Be%E1%88%B4");
	buf_reset(&b);
	assert_int_equal(sigv4_uri_encode(&b, "a/b", 3, 0), 0);
	assert_string_equal(b.data, "a%2Fb");
	buf_release(&b);
	sigv4_amz_date(1440938160, d);
	assert_string_equal(d, "20150830T123600Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigv4__aws_suite),
		cmocka_unit_test(test_sigv4__s3_get_object),
		cmocka_unit_test(test_sigv4__s3_put_object),
		cmocka_unit_test(test_sigv4__s3_bucket_queries),
		cmocka_unit_test(test_sigv4__signing_key),
		cmocka_unit_test(test_sigv4__bad_inputs),
		cmocka_unit_test(test_sigv4__encode_and_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
