#include "hash.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

static void to_hex(const unsigned char *d, unsigned n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

int sha256_init(struct sha256_ctx *c)
{
	c->md = EVP_MD_CTX_new();
	if (!c->md)
		return -1;
	if (EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c->md);
		c->md = NULL;
		return -1;
	}
	return 0;
}

void sha256_update(struct sha256_ctx *c, const void *p, size_t n)
{
	if (c->md && n)
		EVP_DigestUpdate(c->md, p, n);
}

void sha256_final(struct sha256_ctx *c, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	hex[0] = '\0';
	if (!c->md)
		return;
	if (EVP_DigestFinal_ex(c->md, d, &n) == 1)
		to_hex(d, n, hex);
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}

void sha256_buf(const void *p, size_t n, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256_ctx c;

	hex[0] = '\0';
	if (sha256_init(&c) < 0)
		return;
	sha256_update(&c, p, n);
	sha256_final(&c, hex);
}

int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1],
		struct mlci_err *err)
{
	unsigned char block[65536];
	struct sha256_ctx c;
	FILE *fp = fopen(path, "rb");
	size_t got;

	if (!fp)
		return err_set(err, MLCI_EXIT_NOINPUT, path, "cannot open: %s",
			       strerror(errno));
	if (sha256_init(&c) < 0) {
		fclose(fp);
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "sha256 unavailable");
	}
	while ((got = fread(block, 1, sizeof(block), fp)) > 0)
		sha256_update(&c, block, got);
	if (ferror(fp)) {
		fclose(fp);
		sha256_final(&c, hex);
		return err_set(err, MLCI_EXIT_IOERR, path, "read error");
	}
	fclose(fp);
	sha256_final(&c, hex);
	return 0;
}

int sha256_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != SHA256_HEX_LEN)
		return 0;
	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
