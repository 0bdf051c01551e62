/* Unit tests of shared/registry.c: the filesystem registry behind
 * registry_open/registry_publish. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "io.h"
#include "registry.h"

struct fx {
	char dir[64];
	char url[128];
	struct registry *reg;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct mlci_err err = {0};
	struct registry_opts o = { .lock_timeout = 0.3, .producer = "test_registry" };

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mlci-test-registry-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->url, sizeof(f->url), "dir://%s/reg", f->dir);
	if (registry_open(&f->reg, f->url, &o, &err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[256];

	registry_close(f->reg);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", f->dir, f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct registry_item item(const char *version, const char *bytes,
				 char sha[SHA256_HEX_LEN + 1])
{
	struct registry_item it;

	memset(&it, 0, sizeof(it));
	sha256_buf(bytes, strlen(bytes), sha);
	it.name = "demo";
	it.version = version;
	it.archive = bytes;
	it.archive_size = strlen(bytes);
	it.sha256 = sha;
	it.manifest = "{\"kind\": \"mlci.manifest\"}\n";
	it.manifest_size = strlen(it.manifest);
	it.source = "demo.tar.gz";
	return it;
}

static char *slurp(const struct fx *f, const char *rel)
{
	char path[512], *d = NULL;
	struct mlci_err err = {0};

	snprintf(path, sizeof(path), "%s/reg/%s", f->dir, rel);
	if (read_file(path, &d, NULL, 0, &err) < 0)
		return NULL;
	return d;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* No .VER.tmp-* staging directory left in REG/demo. */
static int staging_left(const struct fx *f)
{
	char path[256];
	DIR *d;
	struct dirent *e;
	int found = 0;

	snprintf(path, sizeof(path), "%s/reg/demo", f->dir);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp-"))
			found = 1;
	closedir(d);
	return found;
}

static void test_registry__create(void **state)
{
	struct fx *f = *state;
	struct mlci_err err = {0};
	struct registry_result res;
	char sha[SHA256_HEX_LEN + 1], path[256], *s;
	struct registry_item it = item("1.0", "archive bytes v1", sha);
	struct stat st;

	assert_int_equal(registry_publish(f->reg, &it, NULL, &res, &err), 0);
	assert_string_equal(res.action, "created");
	assert_string_equal(res.channel_action, "");
	s = slurp(f, "demo/1.0/demo-1.0.tar.gz");
	assert_non_null(s);
	assert_string_equal(s, "archive bytes v1");
	free(s);
	s = slurp(f, "demo/1.0/manifest.json");
	assert_non_null(s);
	assert_string_equal(s, it.manifest);
	free(s);
	snprintf(path, sizeof(path), "%s/reg/demo/1.0/demo-1.0.tar.gz", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	snprintf(path, sizeof(path), "%s/reg/demo/1.0", f->dir);
	assert_string_equal(res.location, path);
	s = slurp(f, "demo/history.jsonl");
	assert_int_equal(count_lines(s), 1);
	assert_non_null(strstr(s, "\"event\":\"publish\""));
	free(s);
	assert_false(staging_left(f));
}

static void test_registry__idempotent_redeploy(void **state)
{
	struct fx *f = *state;
	struct mlci_err err = {0};
	struct registry_result res;
	char sha[SHA256_HEX_LEN + 1], *s;
	struct registry_item it = item("1.0", "archive bytes v1", sha);

	assert_int_equal(registry_publish(f->reg, &it, NULL, &res, &err), 0);
	assert_int_equal(registry_publish(f->reg, &it, NULL, &res, &err), 0);
	assert_string_equal(res.action, "unchanged");
	s = slurp(f, "demo/history.jsonl");
	assert_int_equal(count_lines(s), 1);	/* nothing happened the 2nd time */
	free(s);
}

static void test_registry__refuses_different_bytes(void **state)
{
	struct fx *f = *state;
	struct mlci_err err = {0};
	struct registry_result res;
	char sha1[SHA256_HEX_LEN + 1], sha2[SHA256_HEX_LEN + 1], *s;
	struct registry_item a = item("1.0", "archive bytes v1", sha1);
	struct registry_item b = item("1.0", "other bytes", sha2);

	assert_int_equal(registry_publish(f->reg, &a, "prod", &res, &err), 0);
	assert_int_equal(registry_publish(f->reg, &b, "prod", &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_VERDICT);
	assert_non_null(strstr(err.msg, "immutable"));
	assert_non_null(strstr(err.file, "/reg/demo/1.0"));
	s = slurp(f, "demo/1.0/demo-1.0.tar.gz");
	assert_string_equal(s, "archive bytes v1");
	free(s);
	s = slurp(f, "demo/channels/prod.json");
	assert_non_null(strstr(s, sha1));
	free(s);
	assert_false(staging_left(f));
}

static void test_registry__channel_previous(void **state)
{
	struct fx *f = *state;
	struct mlci_err err = {0};
	struct registry_result res;
	char sha1[SHA256_HEX_LEN + 1], sha2[SHA256_HEX_LEN + 1], path[256];
	struct registry_item v1 = item("1.0", "archive bytes v1", sha1);
	struct registry_item v2 = item("2.0", "archive bytes v2", sha2);
	json_t *ch, *prev;
	char *s;

	assert_int_equal(registry_publish(f->reg, &v1, "prod", &res, &err), 0);
	assert_string_equal(res.channel_action, "moved");
	assert_string_equal(res.previous_version, "");
	assert_int_equal(registry_publish(f->reg, &v2, "prod", &res, &err), 0);
	assert_string_equal(res.action, "created");
	assert_string_equal(res.channel_action, "moved");
	assert_string_equal(res.previous_version, "1.0");
	assert_string_equal(res.previous_sha256, sha1);
	/* the same again: nothing moves, previous still reported */
	assert_int_equal(registry_publish(f->reg, &v2, "prod", &res, &err), 0);
	assert_string_equal(res.action, "unchanged");
	assert_string_equal(res.channel_action, "unchanged");
	assert_string_equal(res.previous_version, "1.0");

	snprintf(path, sizeof(path), "%s/reg/demo/channels/prod.json", f->dir);
	assert_int_equal(artifact_load(path, KIND_CHANNEL, SCHEMA_CHANNEL, &ch, NULL, &err), 0);
	assert_string_equal(json_string_value(json_object_get(ch, "version")), "2.0");
	assert_string_equal(json_string_value(json_object_get(ch, "sha256")), sha2);
	assert_string_equal(json_string_value(json_object_get(ch, "channel")), "prod");
	prev = json_object_get(ch, "previous");
	assert_true(json_is_object(prev));
	assert_string_equal(json_string_value(json_object_get(prev, "version")), "1.0");
	assert_string_equal(json_string_value(json_object_get(prev, "sha256")), sha1);
	json_decref(ch);
	/* publish v1, move prod, publish v2, move prod */
	s = slurp(f, "demo/history.jsonl");
	assert_int_equal(count_lines(s), 4);
	free(s);
	/* a second channel starts with no previous */
	assert_int_equal(registry_publish(f->reg, &v1, "staging", &res, &err), 0);
	assert_string_equal(res.channel_action, "moved");
	assert_string_equal(res.previous_version, "");
}

static void test_registry__lock_held(void **state)
{
	struct fx *f = *state;
	struct mlci_err err = {0};
	struct registry_result res;
	char sha[SHA256_HEX_LEN + 1], path[256];
	struct registry_item it = item("1.0", "archive bytes v1", sha);
	int fd;

	snprintf(path, sizeof(path), "%s/reg/demo", f->dir);
	assert_int_equal(mkdir_p(path, &err), 0);
	snprintf(path, sizeof(path), "%s/reg/demo/.lock", f->dir);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(registry_publish(f->reg, &it, NULL, &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_TEMPFAIL);
	snprintf(path, sizeof(path), "%s/reg/demo/1.0", f->dir);
	assert_int_equal(access(path, F_OK), -1);
	close(fd);
	assert_int_equal(registry_publish(f->reg, &it, NULL, &res, &err), 0);
}

static void test_registry__bad_names(void **state)
{
	struct fx *f = *state;
	struct mlci_err err = {0};
	struct registry_result res;
	char sha[SHA256_HEX_LEN + 1];
	struct registry_item it = item("../1.0", "x", sha);

	assert_int_equal(registry_publish(f->reg, &it, NULL, &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	it.version = "channels";
	assert_int_equal(registry_publish(f->reg, &it, NULL, &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	it.version = "1.0";
	assert_int_equal(registry_publish(f->reg, &it, "a/b", &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
	it.name = ".lock";
	assert_int_equal(registry_publish(f->reg, &it, NULL, &res, &err), -1);
	assert_int_equal(err.code, MLCI_EXIT_USAGE);
}

static void test_registry__schemes(void **state)
{
	struct registry *r = NULL;
	struct mlci_err err = {0};
	const char *bad[] = { "s3://bucket/models", "https://example.com/reg?x=1",
			      "gitlab://group/project", "ftp://x", "/plain/path",
			      "dir://relative/path", "http:///no/host", "https://h:99999/x" };
	size_t i;

	(void)state;
	/* s3:// and gitlab:// refuse to open without credentials or an API */
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("CI_API_V4_URL");
	unsetenv("CI_SERVER_URL");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&err);
		assert_int_equal(registry_open(&r, bad[i], NULL, &err), -1);
		assert_null(r);
		assert_int_equal(err.code, MLCI_EXIT_USAGE);
	}
	assert_int_equal(registry_open(&r, "dir:///tmp/x/", NULL, &err), 0);
	assert_string_equal(registry_url(r), "dir:///tmp/x/");
	registry_close(r);
	/* http(s):// opens without touching the network; the URL shown is redacted */
	assert_int_equal(registry_open(&r, "https://ci:tok@example.com/reg/", NULL, &err), 0);
	assert_string_equal(registry_url(r), "https://ci:***@example.com/reg/");
	registry_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registry__create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__idempotent_redeploy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__refuses_different_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__channel_previous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__lock_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__bad_names, setup, teardown),
		cmocka_unit_test(test_registry__schemes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
