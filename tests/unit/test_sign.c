/* Unit tests of shared/sign.c: the DSSE pre-authentication encoding,
 * base64, Ed25519 keys from PEM files, and envelopes signed and
 * verified. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sign.h"
#include "util.h"

/* ---- helpers -------------------------------------------------------- */

/* scratch beside the test binary (in the build tree), removed at the end */
static char dir[300];

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void write_text(const char *name, const char *text)
{
	char p[600];
	FILE *f;

	path_of(p, sizeof(p), name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Write an Ed25519 key pair from a 32-byte seed (NULL: a random one) as
 * NAME.pem (PKCS#8) and NAME.pub.pem (SubjectPublicKeyInfo). */
static void write_keypair(const char *name, const unsigned char *seed)
{
	char p[600], q[64];
	EVP_PKEY *k;
	FILE *f;

	if (seed) {
		k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	} else {
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);

		k = NULL;
		assert_non_null(c);
		assert_int_equal(EVP_PKEY_keygen_init(c), 1);
		assert_int_equal(EVP_PKEY_keygen(c, &k), 1);
		EVP_PKEY_CTX_free(c);
	}
	assert_non_null(k);
	snprintf(q, sizeof(q), "%s.pem", name);
	path_of(p, sizeof(p), q);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	snprintf(q, sizeof(q), "%s.pub.pem", name);
	path_of(p, sizeof(p), q);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	EVP_PKEY_free(k);
}

static struct sign_key *load(const char *name, int private)
{
	char p[600];
	struct sign_key *k = NULL;
	struct mlci_err err = {0};

	path_of(p, sizeof(p), name);
	if (private)
		assert_int_equal(sign_key_load_private(p, "--sign-key", &k, &err), 0);
	else
		assert_int_equal(sign_key_load_public(p, "--verify-key", &k, &err), 0);
	return k;
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void unhex(const char *h, unsigned char *out)
{
	size_t i;

	for (i = 0; h[2 * i]; i++)
		out[i] = (unsigned char)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
}

/* ---- PAE and base64 ------------------------------------------------- */

static void test_sign__pae(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	/* the example in the DSSE protocol description */
	assert_int_equal(dsse_pae("http://example.com/HelloWorld", "hello world", 11, &b), 0);
	assert_string_equal(b.data, "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
	buf_reset(&b);
	/* an empty body, and a body holding NUL and spaces, counted in bytes */
	assert_int_equal(dsse_pae("t", "", 0, &b), 0);
	assert_string_equal(b.data, "DSSEv1 1 t 0 ");
	buf_reset(&b);
	assert_int_equal(dsse_pae(DSSE_INTOTO_TYPE, "a\0 b", 4, &b), 0);
	assert_int_equal(b.len, strlen("DSSEv1 28 application/vnd.in-toto+json 4 ") + 4);
	assert_memory_equal(b.data, "DSSEv1 28 application/vnd.in-toto+json 4 a\0 b", b.len);
	buf_release(&b);
}

static void test_sign__base64(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const bad[] = { "Zg=", "Zg", "Z===", "Zm9v\n", "Zm-v", "Zh==", "Zm9=", "=Zm9", "Zg==Zg==" };
	unsigned char *d;
	size_t n, i;
	struct buf b;

	(void)state;
	buf_init(&b);
	/* RFC 4648's test vectors, both ways */
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		buf_reset(&b);
		assert_int_equal(base64_encode(plain[i], strlen(plain[i]), &b), 0);
		assert_int_equal(b.len, strlen(coded[i]));
		assert_memory_equal(b.data, coded[i], b.len);
		assert_int_equal(base64_decode(coded[i], strlen(coded[i]), &d, &n), 0);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(d, plain[i], n);
		free(d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (base64_decode(bad[i], strlen(bad[i]), &d, &n) == 0)
			fail_msg("'%s' decoded", bad[i]);
	buf_release(&b);
}

/* ---- keys and signatures -------------------------------------------- */

/* RFC 8032, section 7.1, test 2: a one-byte message. */
static void test_sign__rfc8032_vector(void **state)
{
	unsigned char seed[32], sig[SIGN_ED25519_SIG_LEN], want[SIGN_ED25519_SIG_LEN];
	const unsigned char msg[1] = { 0x72 };
	struct sign_key *k, *pub;
	struct mlci_err err = {0};

	(void)state;
	unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", seed);
	unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", want);
	write_keypair("rfc", seed);
	k = load("rfc.pem", 1);
	pub = load("rfc.pub.pem", 0);
	assert_int_equal(sign_bytes(k, msg, 1, sig, &err), 0);
	assert_memory_equal(sig, want, sizeof(sig));
	assert_int_equal(sign_verify(pub, msg, 1, sig, sizeof(sig)), 1);
	/* one key, one id: from the private or the public file */
	assert_string_equal(sign_key_id(k), sign_key_id(pub));
	assert_int_equal(strlen(sign_key_id(k)), 64);
	/* a public key cannot sign */
	assert_int_equal(sign_bytes(pub, msg, 1, sig, &err), -1);
	sign_key_free(k);
	sign_key_free(pub);
}

static void test_sign__envelope_round_trip(void **state)
{
	static const char body[] = "{\"_type\": \"https://in-toto.io/Statement/v1\"}\n";
	struct sign_key *k, *pub, *other;
	struct mlci_err err = {0};
	struct dsse d;
	char *env = NULL, *again = NULL;

	(void)state;
	write_keypair("a", NULL);
	write_keypair("b", NULL);
	k = load("a.pem", 1);
	pub = load("a.pub.pem", 0);
	other = load("b.pub.pem", 0);
	assert_int_equal(dsse_sign(k, DSSE_INTOTO_TYPE, body, strlen(body), &env, &err), 0);
	/* one line, sorted keys */
	assert_non_null(strstr(env, "{\"payload\":\""));
	assert_int_equal(strchr(env, '\n') - env, (long)strlen(env) - 1);
	/* deterministic */
	assert_int_equal(dsse_sign(k, DSSE_INTOTO_TYPE, body, strlen(body), &again, &err), 0);
	assert_string_equal(env, again);

	assert_int_equal(dsse_parse(env, strlen(env), "e", &d, &err), 0);
	assert_string_equal(d.type, DSSE_INTOTO_TYPE);
	assert_int_equal(d.body_size, strlen(body));
	assert_memory_equal(d.body, body, d.body_size);
	assert_int_equal(d.nsig, 1);
	assert_string_equal(d.keyid[0], sign_key_id(pub));
	assert_int_equal(dsse_verify(&d, pub, "e", "a.pub.pem", &err), 0);

	/* another key: refused, naming both key ids */
	assert_int_equal(dsse_verify(&d, other, "e", "b.pub.pem", &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "not by b.pub.pem"));

	/* one byte of the body changed, the signature kept */
	d.body[5] ^= 1;
	assert_int_equal(dsse_verify(&d, pub, "e", "a.pub.pem", &err), -1);
	assert_non_null(strstr(err.msg, "does not verify"));
	d.body[5] ^= 1;
	/* the payload type is signed too */
	d.type[0] = 'x';
	assert_int_equal(dsse_verify(&d, pub, "e", "a.pub.pem", &err), -1);
	d.type[0] = 'a';
	/* a flipped signature bit */
	d.sig[0][10] ^= 0x80;
	assert_int_equal(dsse_verify(&d, pub, "e", "a.pub.pem", &err), -1);
	d.sig[0][10] ^= 0x80;
	/* without a keyid, the signature is tried with the key given */
	d.keyid[0][0] = '\0';
	assert_int_equal(dsse_verify(&d, pub, "e", "a.pub.pem", &err), 0);
	assert_int_equal(dsse_verify(&d, other, "e", "b.pub.pem", &err), -1);
	dsse_release(&d);

	free(env);
	free(again);
	sign_key_free(k);
	sign_key_free(pub);
	sign_key_free(other);
}

static void test_sign__bad_envelopes(void **state)
{
	static const char *const bad[] = {
		"not json",
		"[]",
		"{\"payload\": \"e30=\", \"signatures\": []}",
		"{\"payload\": \"e30=\", \"payloadType\": \"t\", \"signatures\": []}",
		"{\"payload\": \"e30\", \"payloadType\": \"t\", \"signatures\": [{\"sig\": \"AA==\"}]}",
		"{\"payload\": \"e30=\", \"payloadType\": \"t\", \"signatures\": [{\"sig\": 1}]}",
		"{\"payload\": \"e30=\", \"payloadType\": \"t\", \"signatures\": [{\"sig\": \"A\"}]}",
		"{\"payload\": \"e30=\", \"payloadType\": \"t\", \"signatures\": [{\"sig\": \"AA==\", \"keyid\": 5}]}",
	};
	struct mlci_err err = {0};
	struct dsse d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (dsse_parse(bad[i], strlen(bad[i]), "env.jsonl", &d, &err) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(err.code, MLCI_EXIT_DATAERR);
		assert_string_equal(err.file, "env.jsonl");
		assert_null(strchr(err.msg, '\n'));
		dsse_release(&d);
	}
}

static void test_sign__bad_key_files(void **state)
{
	struct sign_key *k = NULL;
	struct mlci_err err = {0};
	char p[600];

	(void)state;
	write_keypair("c", NULL);
	/* missing: 66 */
	path_of(p, sizeof(p), "nope.pem");
	assert_int_equal(sign_key_load_private(p, "--sign-key", &k, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_NOINPUT);
	/* not a key: 64, naming the file and nothing of its contents */
	write_text("junk.pem", "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n");
	path_of(p, sizeof(p), "junk.pem");
	assert_int_equal(sign_key_load_private(p, "--sign-key", &k, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_string_equal(err.file, p);
	assert_null(strstr(err.msg, "c2VjcmV0"));
	/* the public key where the private one goes, and the other way */
	path_of(p, sizeof(p), "c.pub.pem");
	assert_int_equal(sign_key_load_private(p, "--sign-key", &k, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "public key"));
	path_of(p, sizeof(p), "c.pem");
	assert_int_equal(sign_key_load_public(p, "--verify-key", &k, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "private key"));
	assert_null(k);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = {
		"rfc.pem", "rfc.pub.pem", "a.pem", "a.pub.pem", "b.pem", "b.pub.pem",
		"c.pem", "c.pub.pem", "junk.pem",
	};
	char p[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_of(p, sizeof(p), names[i]);
		unlink(p);
	}
	return rmdir(dir);
}

int main(int argc, char **argv)
{
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign__pae),
		cmocka_unit_test(test_sign__base64),
		cmocka_unit_test(test_sign__rfc8032_vector),
		cmocka_unit_test(test_sign__envelope_round_trip),
		cmocka_unit_test(test_sign__bad_envelopes),
		cmocka_unit_test(test_sign__bad_key_files),
	};

	if (slash && (size_t)(slash - argv[0]) + 20 > sizeof(dir))
		slash = NULL;	/* a very long path: the current directory */
	snprintf(dir, sizeof(dir), "%.*stest_sign-XXXXXX",
		 slash ? (int)(slash - argv[0] + 1) : 0, slash ? argv[0] : "");
	return cmocka_run_group_tests(tests, setup, teardown);
}
