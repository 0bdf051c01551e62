#include "sign.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

#define KEY_FILE_MAX ((size_t)64 << 10)

struct sign_key {
	EVP_PKEY *pkey;
	int private;
	char id[SHA256_HEX_LEN + 1];
};

/* No passphrase prompt: an encrypted key is refused, not asked for. */
static int no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

static int key_id(struct sign_key *k, struct mlci_err *err)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k->pkey, &der);

	if (n <= 0) {
		ERR_clear_error();
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			       "cannot encode the public key");
	}
	sha256_buf(der, (size_t)n, k->id);
	OPENSSL_free(der);
	return 0;
}

static int load(const char *path, const char *what, int private,
		struct sign_key **out, struct mlci_err *err)
{
	char *text = NULL;
	size_t n = 0;
	BIO *bio;
	EVP_PKEY *pkey;
	struct sign_key *k;
	const char *kind = private ? "an Ed25519 private key (unencrypted PKCS#8 PEM)" :
		"an Ed25519 public key (SubjectPublicKeyInfo PEM)";

	*out = NULL;
	/* a CI variable of type Variable instead of File holds the key
	 * itself: never echo it as if it were a file name */
	if (strchr(path, '\n') || strstr(path, "-----BEGIN"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "%s holds key material, not a file name (in CI, use a variable of type File)",
			       what);
	if (read_file(path, &text, &n, KEY_FILE_MAX, err) < 0) {
		if (err->code == MLCI_EXIT_DATAERR)
			err->code = MLCI_EXIT_USAGE;	/* too large to be a key */
		return -1;
	}
	bio = BIO_new_mem_buf(text, (int)n);
	pkey = !bio ? NULL : private ?
		PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) :
		PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!pkey || EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
		const char *why = "";

		if (pkey)
			why = ": another algorithm";
		else if (strstr(text, "ENCRYPTED PRIVATE KEY"))
			why = ": encrypted keys are not supported";
		else if (!private && strstr(text, "PRIVATE KEY"))
			why = ": it holds a private key (give the public key: openssl pkey -pubout)";
		else if (private && strstr(text, "PUBLIC KEY"))
			why = ": it holds a public key";
		EVP_PKEY_free(pkey);
		OPENSSL_cleanse(text, n);
		free(text);
		return err_set(err, MLCI_EXIT_USAGE, path, "%s is not %s%s", what,
			       kind, why);
	}
	OPENSSL_cleanse(text, n);
	free(text);
	if (!(k = calloc(1, sizeof(*k)))) {
		EVP_PKEY_free(pkey);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	k->pkey = pkey;
	k->private = private;
	if (key_id(k, err) < 0) {
		sign_key_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

int sign_key_load_private(const char *path, const char *what,
			  struct sign_key **out, struct mlci_err *err)
{
	return load(path, what, 1, out, err);
}

int sign_key_load_public(const char *path, const char *what,
			 struct sign_key **out, struct mlci_err *err)
{
	return load(path, what, 0, out, err);
}

void sign_key_free(struct sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *sign_key_id(const struct sign_key *k)
{
	return k->id;
}

int dsse_pae(const char *type, const void *body, size_t n, struct buf *out)
{
	if (buf_printf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, n) < 0 ||
	    buf_add(out, body, n) < 0)
		return -1;
	return 0;
}

int sign_bytes(const struct sign_key *k, const void *msg, size_t n,
	       unsigned char sig[SIGN_ED25519_SIG_LEN], struct mlci_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = SIGN_ED25519_SIG_LEN;
	int ok;

	if (!k->private) {
		EVP_MD_CTX_free(ctx);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "signing needs a private key");
	}
	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		EVP_DigestSign(ctx, sig, &len, msg, n) == 1 &&
		len == SIGN_ED25519_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "Ed25519 signing failed");
	return 0;
}

int sign_verify(const struct sign_key *k, const void *msg, size_t n,
		const unsigned char *sig, size_t len)
{
	EVP_MD_CTX *ctx;
	int ok;

	if (len != SIGN_ED25519_SIG_LEN)
		return 0;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		EVP_DigestVerify(ctx, sig, len, msg, n) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* ---- base64 --------------------------------------------------------- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(const void *p, size_t n, struct buf *out)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63],
			      b64[v & 63] };

		if (buf_add(out, q, 4) < 0)
			return -1;
	}
	if (n - i == 1) {
		unsigned v = (unsigned)s[i] << 16;
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], '=', '=' };

		return buf_add(out, q, 4);
	}
	if (n - i == 2) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], '=' };

		return buf_add(out, q, 4);
	}
	return 0;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int base64_decode(const char *s, size_t n, unsigned char **out, size_t *len)
{
	unsigned char *d;
	size_t i, o = 0;

	*out = NULL;
	*len = 0;
	if (n % 4)
		return -1;
	d = malloc(n / 4 * 3 + 1);
	if (!d)
		return -1;
	for (i = 0; i < n; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64_value(s[i + k])) < 0)
				goto bad;
		}
		{
			unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 |
				(unsigned)v[2] << 6 | (unsigned)v[3];

			/* the unused bits of a padded group must be zero */
			if ((pad == 1 && (x & 0xff)) || (pad == 2 && (x & 0xffff)))
				goto bad;
			d[o++] = (unsigned char)(x >> 16);
			if (pad < 2)
				d[o++] = (unsigned char)(x >> 8);
			if (pad < 1)
				d[o++] = (unsigned char)x;
		}
	}
	*out = d;
	*len = o;
	return 0;
bad:
	free(d);
	return -1;
}

/* ---- DSSE ----------------------------------------------------------- */

int dsse_sign(const struct sign_key *k, const char *type, const void *body,
	      size_t n, char **out, struct mlci_err *err)
{
	struct buf pae, enc;
	unsigned char sig[SIGN_ED25519_SIG_LEN];
	json_t *env = NULL, *s;
	char *text = NULL;
	int rc = -1;

	*out = NULL;
	buf_init(&pae);
	buf_init(&enc);
	if (dsse_pae(type, body, n, &pae) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (sign_bytes(k, pae.data, pae.len, sig, err) < 0)
		goto done;
	env = json_object();
	s = json_object();
	if (base64_encode(body, n, &enc) < 0 || !env || !s) {
		json_decref(s);
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	json_object_set_new(env, "payloadType", json_string(type));
	json_object_set_new(env, "payload", json_stringn(enc.data, enc.len));
	buf_reset(&enc);
	if (base64_encode(sig, sizeof(sig), &enc) < 0) {
		json_decref(s);
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	json_object_set_new(s, "keyid", json_string(k->id));
	json_object_set_new(s, "sig", json_stringn(enc.data, enc.len));
	json_object_set_new(env, "signatures", json_pack("[o]", s));
	text = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot serialise the envelope");
		goto done;
	}
	buf_reset(&pae);
	if (buf_addstr(&pae, text) < 0 || buf_addch(&pae, '\n') < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	*out = buf_detach(&pae, NULL);
	rc = 0;
done:
	free(text);
	json_decref(env);
	buf_release(&pae);
	buf_release(&enc);
	return rc;
}

void dsse_release(struct dsse *d)
{
	size_t i;

	for (i = 0; i < d->nsig; i++) {
		if (d->keyid)
			free(d->keyid[i]);
		if (d->sig)
			free(d->sig[i]);
	}
	free(d->keyid);
	free(d->sig);
	free(d->sig_size);
	free(d->type);
	free(d->body);
	memset(d, 0, sizeof(*d));
}

int dsse_parse(const char *text, size_t n, const char *label, struct dsse *d,
	       struct mlci_err *err)
{
	json_error_t je;
	json_t *env, *sigs, *s;
	const char *type, *payload;
	size_t i;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	env = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!env)
		return err_set(err, MLCI_EXIT_DATAERR, label,
			       "not a DSSE envelope: invalid JSON at %d:%d: %s",
			       je.line, (je.column > 0 ? je.column : 1), je.text);
	if (!json_is_object(env)) {
		err_set(err, MLCI_EXIT_DATAERR, label, "not a DSSE envelope");
		goto done;
	}
	type = json_string_value(json_object_get(env, "payloadType"));
	payload = json_string_value(json_object_get(env, "payload"));
	sigs = json_object_get(env, "signatures");
	if (!type || !payload || !json_is_array(sigs)) {
		err_set(err, MLCI_EXIT_DATAERR, label,
			"not a DSSE envelope (payloadType, payload and signatures are required)");
		goto done;
	}
	if (!(d->type = strdup(type))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (base64_decode(payload, strlen(payload), &d->body, &d->body_size) < 0) {
		err_set(err, MLCI_EXIT_DATAERR, label, "payload is not valid base64");
		goto done;
	}
	if (!json_array_size(sigs)) {
		err_set(err, MLCI_EXIT_DATAERR, label, "the envelope holds no signature");
		goto done;
	}
	d->keyid = calloc(json_array_size(sigs), sizeof(*d->keyid));
	d->sig = calloc(json_array_size(sigs), sizeof(*d->sig));
	d->sig_size = calloc(json_array_size(sigs), sizeof(*d->sig_size));
	if (!d->keyid || !d->sig || !d->sig_size) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	json_array_foreach(sigs, i, s) {
		const char *kid = json_string_value(json_object_get(s, "keyid"));
		const char *sig = json_string_value(json_object_get(s, "sig"));

		d->nsig = i + 1;
		if (!sig || (json_object_get(s, "keyid") && !kid)) {
			err_set(err, MLCI_EXIT_DATAERR, label,
				"signature %zu: sig (and keyid, when present) must be strings", i + 1);
			goto done;
		}
		if (!(d->keyid[i] = strdup(kid ? kid : ""))) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
		if (base64_decode(sig, strlen(sig), &d->sig[i], &d->sig_size[i]) < 0) {
			err_set(err, MLCI_EXIT_DATAERR, label,
				"signature %zu is not valid base64", i + 1);
			goto done;
		}
	}
	rc = 0;
done:
	json_decref(env);
	if (rc < 0)
		dsse_release(d);
	return rc;
}

int dsse_verify(const struct dsse *d, const struct sign_key *k,
		const char *label, const char *key_label, struct mlci_err *err)
{
	struct buf pae;
	size_t i;
	int ok = 0, named = 0;

	buf_init(&pae);
	if (dsse_pae(d->type, d->body, d->body_size, &pae) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	for (i = 0; i < d->nsig && !ok; i++) {
		if (d->keyid[i][0] && strcmp(d->keyid[i], k->id))
			continue;	/* another key's signature */
		named = 1;
		ok = sign_verify(k, pae.data, pae.len, d->sig[i], d->sig_size[i]);
	}
	buf_release(&pae);
	if (ok)
		return 0;
	if (!named)
		return err_set(err, MLCI_EXIT_DATAERR, label,
			       "signed by key %.16s..., not by %s (key %.16s...)",
			       d->keyid[0], key_label, k->id);
	return err_set(err, MLCI_EXIT_DATAERR, label,
		       "the signature does not verify with %s: the signed statement or the signature was altered",
		       key_label);
}
