/*
 * fuzz_registry_store - what a network registry hands back, as the
 * publish and channel-move rules of registry_store.c read it: the bytes
 * of a channel file and of history.jsonl come from the fuzzer (a server
 * anyone may have written to), the store is in memory. The first byte
 * picks the operation (publish with a channel, promote, rollback); the
 * rest is the channel file, then after a NUL byte the history. Every run
 * ends in success or a documented error with a message; a success leaves
 * a channel file that parses as one; no key outside the package is ever
 * read or written (a version read back must be a version name).
 */
#include <assert.h>
#include <string.h>

#include "fuzz.h"
#include "hash.h"
#include "registry_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXOBJ 16

struct obj {
	char key[128];
	struct buf data;
	int gen;
};

struct mem {
	struct obj o[MAXOBJ];
	int n, gen;
};

static struct obj *find(struct mem *m, const char *key)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->o[i].key, key))
			return &m->o[i];
	return NULL;
}

static int put_obj(struct mem *m, const char *key, const void *p, size_t n)
{
	struct obj *o = find(m, key);

	if (!o) {
		if (m->n == MAXOBJ)
			return -1;
		o = &m->o[m->n++];
		snprintf(o->key, sizeof(o->key), "%s", key);
		buf_init(&o->data);
	}
	buf_reset(&o->data);
	if (buf_add(&o->data, p, n) < 0)
		return -1;
	o->gen = ++m->gen;
	return 0;
}

/* Every key asked for lies inside the package: a version read back from
 * a channel file must not lead outside it ("demo/../x"). */
static void key_inside(const char *key)
{
	assert(!strncmp(key, "demo/", 5));
	assert(!strstr(key, "..") && !strstr(key, "//") && !strstr(key, "/./"));
}

static int mem_get(void *ctx, const char *key, struct buf *out, int *found,
		   char etag[160], struct mlci_err *err)
{
	struct obj *o = find(ctx, key);

	key_inside(key);

	*found = o != NULL;
	etag[0] = '\0';
	if (o) {
		buf_reset(out);
		if (buf_add(out, o->data.data, o->data.len) < 0)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		snprintf(etag, 160, "\"%d\"", o->gen);
	}
	return 0;
}

static int mem_put(void *ctx, const char *key, const void *data, size_t n,
		   enum store_cond cond, const char *etag,
		   char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	struct mem *m = ctx;
	struct obj *o = find(m, key);
	char cur[32];

	key_inside(key);
	sha[0] = '\0';
	if (o)
		snprintf(cur, sizeof(cur), "\"%d\"", o->gen);
	if ((cond == STORE_IF_ABSENT && o) ||
	    (cond == STORE_IF_MATCH && (!o || strcmp(cur, etag))))
		return 1;
	if (put_obj(m, key, data, n) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "store full");
	return 0;
}

static void mem_where(void *ctx, const char *key, char *out, size_t n)
{
	(void)ctx;
	snprintf(out, n, "mem://%s", key);
}

static const struct store_ops ops = { mem_get, mem_put, mem_where, 1, 1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char tar[] = "package bytes";
	struct mem m = { 0 };
	struct registry_opts ro = { .producer = "fuzz" };
	struct registry_result res;
	struct registry_item it;
	struct mlci_err err = { 0 };
	const uint8_t *nul;
	char sha[SHA256_HEX_LEN + 1];
	size_t nch, i;
	int op, rc;

	if (size < 1)
		return 0;
	op = data[0] % 3;
	data++, size--;
	nul = memchr(data, '\0', size);
	nch = nul ? (size_t)(nul - data) : size;
	sha256_buf(tar, sizeof(tar) - 1, sha);
	/* a published 1.0 and 2.0, and the fuzzer's channel and history */
	if (put_obj(&m, "demo/1.0/manifest.json", "{}\n", 3) < 0 ||
	    put_obj(&m, "demo/2.0/manifest.json", "{}\n", 3) < 0 ||
	    put_obj(&m, "demo/2.0/demo-2.0.tar.gz", tar, sizeof(tar) - 1) < 0 ||
	    put_obj(&m, "demo/channels/prod.json", data, nch) < 0 ||
	    put_obj(&m, "demo/channels/staging.json", data, nch) < 0 ||
	    (nul && put_obj(&m, "demo/history.jsonl", nul + 1, size - nch - 1) < 0))
		abort();
	memset(&res, 0, sizeof(res));
	if (op == 0) {
		memset(&it, 0, sizeof(it));
		it.name = "demo";
		it.version = "2.0";
		it.archive = tar;
		it.archive_size = sizeof(tar) - 1;
		it.sha256 = sha;
		it.manifest = "{}\n";
		it.manifest_size = 3;
		it.suffix = ".tar.gz";
		rc = store_publish(&ops, &m, &ro, &it, "prod", &res, &err);
	} else {
		struct registry_move mv = { op == 1 ? REGISTRY_PROMOTE : REGISTRY_ROLLBACK,
					    "demo", "prod", "staging" };

		rc = store_move(&ops, &m, &ro, &mv, &res, &err);
	}
	if (rc < 0) {
		fuzz_check_err(&err);
	} else {
		/* what was left as the channel parses as one */
		struct obj *c = find(&m, "demo/channels/prod.json");
		json_t *j;

		assert(c);
		j = json_loadb(c->data.data ? c->data.data : "", c->data.len, 0, NULL);
		assert(j && json_is_string(json_object_get(j, "version")) &&
		       json_is_string(json_object_get(j, "sha256")));
		json_decref(j);
	}
	for (i = 0; i < (size_t)m.n; i++)
		buf_release(&m.o[i].data);
	return 0;
}
