/* Unit tests of shared/registry_store.c: the publish rules of the network
 * registries over an in-memory store that can lose races on purpose. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "registry_store.h"

#define MAXOBJ 32

struct obj {
	char key[256];
	struct buf data;
	int gen;	/* the ETag */
};

struct mem {
	struct obj o[MAXOBJ];
	int n, gen, puts;
	int conditional;
	/* faults */
	const char *race_key;	/* before the first conditional put of this key,
				 * another writer stores race_data there */
	const char *race_data;
	int corrupt;		/* store the bytes with the first one changed */
};

static struct obj *find(struct mem *m, const char *key)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->o[i].key, key))
			return &m->o[i];
	return NULL;
}

static void store(struct mem *m, const char *key, const void *p, size_t n)
{
	struct obj *o = find(m, key);

	if (!o) {
		assert_true(m->n < MAXOBJ);
		o = &m->o[m->n++];
		snprintf(o->key, sizeof(o->key), "%s", key);
		buf_init(&o->data);
	}
	buf_reset(&o->data);
	buf_add(&o->data, p, n);
	o->gen = ++m->gen;
}

static int mem_get(void *ctx, const char *key, struct buf *out, int *found,
		   char etag[160], struct mlci_err *err)
{
	struct obj *o = find(ctx, key);

	(void)err;
	*found = o != NULL;
	etag[0] = '\0';
	if (o) {
		buf_reset(out);
		buf_add(out, o->data.data, o->data.len);
		snprintf(etag, 160, "\"%d\"", o->gen);
	}
	return 0;
}

static int mem_put(void *ctx, const char *key, const void *data, size_t n,
		   enum store_cond cond, const char *etag,
		   char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	struct mem *m = ctx;
	struct obj *o;
	char cur[32];

	(void)err;
	sha[0] = '\0';
	m->puts++;
	if (m->race_key && cond != STORE_ANY && !strcmp(key, m->race_key)) {
		const char *d = m->race_data;

		m->race_key = NULL;
		if (find(m, key)) {	/* another deploy appended a line */
			struct buf b;

			buf_init(&b);
			buf_add(&b, find(m, key)->data.data, find(m, key)->data.len);
			buf_addstr(&b, d);
			store(m, key, b.data, b.len);
			buf_release(&b);
		} else {
			store(m, key, d, strlen(d));
		}
	}
	o = find(m, key);
	if (o)
		snprintf(cur, sizeof(cur), "\"%d\"", o->gen);
	if ((cond == STORE_IF_ABSENT && o) ||
	    (cond == STORE_IF_MATCH && (!o || strcmp(cur, etag))))
		return 1;
	if (m->corrupt && n) {
		char *c = malloc(n);

		memcpy(c, data, n);
		c[0] ^= 1;
		store(m, key, c, n);
		free(c);
		m->corrupt = 0;
	} else {
		store(m, key, data, n);
	}
	return 0;
}

static void mem_where(void *ctx, const char *key, char *out, size_t n)
{
	(void)ctx;
	snprintf(out, n, "mem://%s", key);
}

static void mem_free(struct mem *m)
{
	int i;

	for (i = 0; i < m->n; i++)
		buf_release(&m->o[i].data);
}

static const struct store_ops ops = { mem_get, mem_put, mem_where, 1, 1 };

struct pkg {
	char sha[SHA256_HEX_LEN + 1];
	struct registry_item it;
};

static void pkg(struct pkg *p, const char *version, const char *bytes)
{
	memset(p, 0, sizeof(*p));
	sha256_buf(bytes, strlen(bytes), p->sha);
	p->it.name = "demo";
	p->it.version = version;
	p->it.archive = bytes;
	p->it.archive_size = strlen(bytes);
	p->it.sha256 = p->sha;
	p->it.manifest = "{}\n";
	p->it.manifest_size = 3;
	p->it.suffix = ".tar.gz";
}

static int history_lines(struct mem *m)
{
	struct obj *o = find(m, "demo/history.jsonl");
	size_t i;
	int n = 0;

	for (i = 0; o && i < o->data.len; i++)
		n += o->data.data[i] == '\n';
	return n;
}

static const struct registry_opts ropts = { .producer = "test" };

static void test_registry_store__publish_and_repeat(void **state)
{
	struct mem m = {0};
	struct pkg a;
	struct registry_result res = {0};
	struct mlci_err err = {0};

	(void)state;
	pkg(&a, "1", "bytes one");
	assert_int_equal(store_publish(&ops, &m, &ropts, &a.it, "prod", &res, &err), 0);
	assert_string_equal(res.action, "created");
	assert_string_equal(res.channel_action, "moved");
	assert_string_equal(res.location, "mem://demo/1/demo-1.tar.gz");
	assert_non_null(find(&m, "demo/1/manifest.json"));
	assert_non_null(find(&m, "demo/channels/prod.json"));
	assert_int_equal(history_lines(&m), 2);
	m.puts = 0;
	memset(&res, 0, sizeof(res));
	assert_int_equal(store_publish(&ops, &m, &ropts, &a.it, "prod", &res, &err), 0);
	assert_string_equal(res.action, "unchanged");
	assert_string_equal(res.channel_action, "unchanged");
	assert_int_equal(m.puts, 0);
	assert_int_equal(history_lines(&m), 2);
	mem_free(&m);
}

/* Another deploy stores the version between our look and our write: with
 * the same bytes we are "unchanged", with others refused (1). */
static void test_registry_store__lost_race_for_the_version(void **state)
{
	struct mem m = {0};
	struct pkg a;
	struct registry_result res = {0};
	struct mlci_err err = {0};

	(void)state;
	pkg(&a, "1", "bytes one");
	m.race_key = "demo/1/demo-1.tar.gz";
	m.race_data = "bytes one";
	assert_int_equal(store_publish(&ops, &m, &ropts, &a.it, NULL, &res, &err), 0);
	assert_string_equal(res.action, "unchanged");
	mem_free(&m);

	memset(&m, 0, sizeof(m));
	memset(&res, 0, sizeof(res));
	m.race_key = "demo/1/demo-1.tar.gz";
	m.race_data = "other bytes";
	assert_int_equal(store_publish(&ops, &m, &ropts, &a.it, "prod", &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_VERDICT);
	assert_non_null(strstr(err.msg, "versions are immutable"));
	assert_null(find(&m, "demo/channels/prod.json"));
	mem_free(&m);
}

/* Another deploy appends a history line between our read and our write:
 * we read again, and both lines are kept. */
static void test_registry_store__history_race_keeps_both_lines(void **state)
{
	struct mem m = {0};
	struct pkg a, b;
	struct registry_result res = {0};
	struct mlci_err err = {0};

	(void)state;
	pkg(&a, "1", "bytes one");
	pkg(&b, "2", "bytes two");
	assert_int_equal(store_publish(&ops, &m, &ropts, &a.it, NULL, &res, &err), 0);
	m.race_key = "demo/history.jsonl";
	m.race_data = "{\"event\":\"publish\",\"version\":\"9\"}\n";
	memset(&res, 0, sizeof(res));
	assert_int_equal(store_publish(&ops, &m, &ropts, &b.it, NULL, &res, &err), 0);
	assert_int_equal(history_lines(&m), 3);
	assert_non_null(strstr(find(&m, "demo/history.jsonl")->data.data, "\"version\":\"9\""));
	mem_free(&m);
}

/* Stored bytes that read back different are an I/O error (74). */
static void test_registry_store__read_back(void **state)
{
	struct mem m = {0};
	struct pkg a;
	struct registry_result res = {0};
	struct mlci_err err = {0};

	(void)state;
	pkg(&a, "1", "bytes one");
	m.corrupt = 1;
	assert_int_equal(store_publish(&ops, &m, &ropts, &a.it, "prod", &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_IOERR);
	assert_non_null(strstr(err.msg, "stored bytes have sha256"));
	assert_null(find(&m, "demo/channels/prod.json"));
	mem_free(&m);
}

/* A channel object that is not a channel stops the deploy before anything
 * is written (65); the next deploy of a version whose manifest is missing
 * (a deploy cut off after the tarball) puts it and records the publish as
 * recovered. */
static void test_registry_store__broken_channel_and_repair(void **state)
{
	struct mem m = {0};
	struct pkg a;
	struct registry_result res = {0};
	struct mlci_err err = {0};

	(void)state;
	pkg(&a, "1", "bytes one");
	store(&m, "demo/channels/prod.json", "{\"kind\":\"mlci.model\"}", 21);
	assert_int_equal(store_publish(&ops, &m, &ropts, &a.it, "prod", &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(err.file, "mem://demo/channels/prod.json");
	assert_null(find(&m, "demo/1/demo-1.tar.gz"));
	mem_free(&m);

	memset(&m, 0, sizeof(m));
	store(&m, "demo/1/demo-1.tar.gz", "bytes one", 9);
	memset(&res, 0, sizeof(res));
	assert_int_equal(store_publish(&ops, &m, &ropts, &a.it, NULL, &res, &err), 0);
	assert_string_equal(res.action, "unchanged");
	assert_non_null(find(&m, "demo/1/manifest.json"));
	assert_int_equal(history_lines(&m), 1);
	assert_non_null(strstr(find(&m, "demo/history.jsonl")->data.data, "\"recovered\":true"));
	mem_free(&m);
}

/* A channel file read back names the version a move goes to: it must be a
 * version name and a SHA-256 before it is used in a key (a server's
 * "../.." would reach outside the package) or written into a record. */
static void chan(struct mem *m, const char *key, const char *version, const char *sha,
		 const char *prev)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"kind\":\"mlci.channel\",\"schema_version\":1,\"name\":\"demo\",\"version\":\"%s\",\"sha256\":\"%s\",\"previous\":%s}",
		 version, sha, prev);
	store(m, key, text, strlen(text));
}

static void test_registry_store__damaged_pointer(void **state)
{
	struct mem m = {0};
	struct registry_result res = {0};
	struct mlci_err err = {0};
	struct registry_move promote = { REGISTRY_PROMOTE, "demo", "prod", "staging" };
	struct registry_move rollback = { REGISTRY_ROLLBACK, "demo", "prod", NULL };
	char sha[SHA256_HEX_LEN + 1], prev[256];
	int before;

	(void)state;
	sha256_buf("bytes one", 9, sha);
	store(&m, "demo/1/manifest.json", "{}", 2);
	store(&m, "../etc/manifest.json", "{}", 2);
	chan(&m, "demo/channels/staging.json", "../../etc", sha, "null");
	before = m.puts;
	assert_int_equal(store_move(&ops, &m, &ropts, &promote, &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_string_equal(err.file, "mem://demo/channels/staging.json");
	assert_non_null(strstr(err.msg, "channel 'staging' is damaged: its version '../../etc' must not"));
	assert_int_equal(m.puts, before);	/* nothing written */

	chan(&m, "demo/channels/staging.json", "1", "not-a-sha", "null");
	assert_int_equal(store_move(&ops, &m, &ropts, &promote, &res, &err), -1);
	assert_non_null(strstr(err.msg, "its sha256 is not a SHA-256"));

	/* a rollback to a previous pointer that is no version */
	snprintf(prev, sizeof(prev), "{\"version\":\"1/../..\",\"sha256\":\"%s\"}", sha);
	chan(&m, "demo/channels/prod.json", "1", sha, prev);
	assert_int_equal(store_move(&ops, &m, &ropts, &rollback, &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_DATAERR);
	assert_non_null(strstr(err.msg, "the previous version of channel 'prod' is damaged"));

	/* a sound pointer still moves */
	chan(&m, "demo/channels/staging.json", "1", sha, "null");
	memset(&res, 0, sizeof(res));
	assert_int_equal(store_move(&ops, &m, &ropts, &promote, &res, &err), 0);
	assert_string_equal(res.version, "1");
	mem_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_store__publish_and_repeat),
		cmocka_unit_test(test_registry_store__lost_race_for_the_version),
		cmocka_unit_test(test_registry_store__history_race_keeps_both_lines),
		cmocka_unit_test(test_registry_store__read_back),
		cmocka_unit_test(test_registry_store__broken_channel_and_repair),
		cmocka_unit_test(test_registry_store__damaged_pointer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
