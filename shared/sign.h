/*
 * sign.h - Ed25519 keys (OpenSSL's libcrypto) and DSSE envelopes.
 *
 * Keys are PEM files as `openssl genpkey -algorithm ed25519` writes them:
 * a PKCS#8 private key ("BEGIN PRIVATE KEY", unencrypted) for signing, a
 * SubjectPublicKeyInfo public key ("BEGIN PUBLIC KEY", from `openssl pkey
 * -pubout`) for verifying. A key's id is the sha256 (hex) of its public
 * key's DER SubjectPublicKeyInfo, so the same id comes from either file.
 * A private key's bytes are wiped from memory once parsed and are never
 * written into a message or an output.
 *
 * A signature is a DSSE envelope (github.com/secure-systems-lab/dsse),
 * one JSON line with sorted keys:
 *   {"payload": BASE64(body), "payloadType": TYPE,
 *    "signatures": [{"keyid": KEYID, "sig": BASE64(sig)}]}
 * where sig is Ed25519 (pure, no pre-hash) over the pre-authentication
 * encoding PAE(TYPE, body) =
 *   "DSSEv1" SP LEN(TYPE) SP TYPE SP LEN(body) SP body
 * (SP one space, LEN the byte count in ASCII decimal). Base64 is the
 * standard alphabet with padding. Ed25519 is deterministic: the same key
 * and body give the same envelope bytes.
 */
#ifndef MLCI_SIGN_H
#define MLCI_SIGN_H

#include <stddef.h>

#include "error.h"
#include "hash.h"
#include "util.h"

#define SIGN_ED25519_SIG_LEN 64
#define DSSE_INTOTO_TYPE "application/vnd.in-toto+json"

struct sign_key;

/*
 * Load an Ed25519 key from a PEM file; what names the option in messages
 * ("--sign-key"). Missing or unreadable: 66; not a PEM key of that kind
 * (another algorithm, an encrypted or public key given as private, ...):
 * 64; a "path" that is key material (a PEM text, as a CI variable of
 * the wrong type gives): 64, not echoed. Messages name the file, never
 * its contents. Free with sign_key_free.
 */
int sign_key_load_private(const char *path, const char *what,
			  struct sign_key **out, struct mlci_err *err);
int sign_key_load_public(const char *path, const char *what,
			 struct sign_key **out, struct mlci_err *err);

void sign_key_free(struct sign_key *k);

/* The key's id (see above), 64 hex digits. */
const char *sign_key_id(const struct sign_key *k);

/* Append PAE(type, body) to out; -1 when memory runs out. */
int dsse_pae(const char *type, const void *body, size_t n, struct buf *out);

/* Ed25519 signature of n bytes with a private key into sig; 70 on an
 * OpenSSL failure. */
int sign_bytes(const struct sign_key *k, const void *msg, size_t n,
	       unsigned char sig[SIGN_ED25519_SIG_LEN], struct mlci_err *err);

/* 1 when sig (len bytes) is k's signature of msg, 0 when not. */
int sign_verify(const struct sign_key *k, const void *msg, size_t n,
		const unsigned char *sig, size_t len);

/* Standard base64 with padding, appended to out; -1 out of memory. */
int base64_encode(const void *p, size_t n, struct buf *out);

/* Strict decode (standard alphabet, padding required, nothing else):
 * the bytes in *out (malloc'd, caller frees), or -1. */
int base64_decode(const char *s, size_t n, unsigned char **out, size_t *len);

/* A DSSE envelope of body signed with k, as one JSON line with a
 * trailing newline, into *out (malloc'd). */
int dsse_sign(const struct sign_key *k, const char *type, const void *body,
	      size_t n, char **out, struct mlci_err *err);

/* A DSSE envelope read back (not yet verified). */
struct dsse {
	char *type;		/* payloadType (owned) */
	unsigned char *body;	/* decoded payload (owned) */
	size_t body_size;
	size_t nsig;
	char **keyid;		/* per signature, "" when absent (owned) */
	unsigned char **sig;	/* decoded (owned) */
	size_t *sig_size;
};

/* Parse an envelope; label names it in errors (65: not JSON, a field
 * missing or of the wrong type, bad base64, no signature). Free with
 * dsse_release (also after failure). */
int dsse_parse(const char *text, size_t n, const char *label, struct dsse *d,
	       struct mlci_err *err);

void dsse_release(struct dsse *d);

/* 0 when one of d's signatures is k's over PAE(d->type, d->body); else
 * 65 naming label: signed by another key (the key ids in the message) or
 * a signature that does not verify (the payload or signature tampered). */
int dsse_verify(const struct dsse *d, const struct sign_key *k,
		const char *label, const char *key_label, struct mlci_err *err);

#endif
