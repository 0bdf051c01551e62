/*
 * hash.h - SHA-256 (OpenSSL's libcrypto) as lowercase hex.
 */
#ifndef MLCI_HASH_H
#define MLCI_HASH_H

#include <stddef.h>

#include "error.h"

#define SHA256_HEX_LEN 64

/* Incremental hashing; sha256_final writes 64 hex digits and a NUL. */
struct sha256_ctx {
	void *md;	/* EVP_MD_CTX, owned */
};

int sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_final(struct sha256_ctx *c, char hex[SHA256_HEX_LEN + 1]);

/* Hash n bytes at p. */
void sha256_buf(const void *p, size_t n, char hex[SHA256_HEX_LEN + 1]);

/* Hash a file's bytes; 66 when it cannot be opened, 74 on read error. */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1],
		struct mlci_err *err);

/* 1 when s is 64 lowercase hex digits. */
int sha256_valid(const char *s);

#endif
