#include "registry.h"
#include "registry_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "artifact.h"
#include "io.h"
#include "package.h"
#include "redact.h"
#include "registry_store.h"
#include "sign.h"
#include "util.h"

#define DEFAULT_LOCK_TIMEOUT 60.0

/* ---- helpers -------------------------------------------------------- */

static char *path_join(const char *a, const char *b)
{
	struct buf s;
	size_t n = strlen(a);

	buf_init(&s);
	if (buf_addstr(&s, a) < 0 || (n && a[n - 1] != '/' && buf_addch(&s, '/') < 0) ||
	    buf_addstr(&s, b) < 0) {
		buf_release(&s);
		return NULL;
	}
	return buf_detach(&s, NULL);
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static const char *str_or_empty(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the filesystem backend ----------------------------------------- */

struct dir_state {
	char *root;
};

static int dir_open(struct registry *r, const char *rest, struct mlci_err *err)
{
	struct dir_state *s;
	size_t n = strlen(rest);

	if (rest[0] != '/')
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: a dir:// registry needs an absolute path (dir:///path/to/registry)",
			       r->url);
	if (strpbrk(rest, "?#"))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: a dir:// registry takes no query (?...) or fragment (#...)",
			       r->url);
	while (n > 1 && rest[n - 1] == '/')
		n--;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->root = strndup(rest, n))) {
		free(s);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	r->state = s;
	return 0;
}

static void dir_close(struct registry *r)
{
	struct dir_state *s = r->state;

	if (s)
		free(s->root);
	free(s);
	r->state = NULL;
}

/* flock path, polling until timeout seconds have passed; returns the fd. */
static int take_lock(const char *path, double timeout, struct mlci_err *err)
{
	double start = now_s();
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return err_set(err, MLCI_EXIT_CANTCREAT, path, "cannot create lock: %s",
			       strerror(errno));
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			close(fd);
			return err_set(err, MLCI_EXIT_IOERR, path, "cannot lock: %s",
				       strerror(e));
		}
		if (now_s() - start >= timeout) {
			close(fd);
			return err_set(err, MLCI_EXIT_TEMPFAIL, path,
				       "held by another deploy; gave up after %g s", timeout);
		}
		sleep_ms(50);
	}
}

/* Same bytes already stored under vdir? 1 yes, 0 differ, -1 error. */
static int same_version(const char *vdir, const char *file,
			const struct registry_item *it, char got[SHA256_HEX_LEN + 1],
			struct mlci_err *err)
{
	char *p = path_join(vdir, file);
	int rc;

	if (!p)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	rc = sha256_file(p, got, err);
	if (rc < 0) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		err_set(err, MLCI_EXIT_DATAERR, p, "damaged registry entry: %s", why);
		free(p);
		return -1;
	}
	free(p);
	return !strcmp(got, it->sha256);
}

/* The tarball an existing version holds: tarname when it is there, else
 * the same name with the other compression's suffix when that one is
 * (so a .tar.zst under a version published as .tar.gz is "different
 * bytes", not a damaged entry). */
static const char *stored_tarball(const char *vdir, struct buf *tarname,
				  const struct registry_item *it)
{
	static const char *const suffixes[] = { ".tar.gz", ".tar.zst" };
	char *p = path_join(vdir, tarname->data);
	size_t i;
	int here = p && access(p, F_OK) == 0;

	free(p);
	for (i = 0; !here && i < 2; i++) {
		struct buf other;

		buf_init(&other);
		if (buf_printf(&other, "%s-%s%s", it->name, it->version, suffixes[i]) == 0 &&
		    (p = path_join(vdir, other.data)) != NULL) {
			if (access(p, F_OK) == 0) {
				buf_reset(tarname);
				buf_addstr(tarname, other.data);
				here = 1;
			}
			free(p);
		}
		buf_release(&other);
	}
	return tarname->data;
}

static int stage_file(const char *dir, const char *name, const void *data,
		      size_t n, struct mlci_err *err)
{
	char *p = path_join(dir, name);
	int rc;

	if (!p)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	rc = write_file_atomic(p, data, n, err);
	if (rc == 0 && chmod(p, 0444) != 0)
		rc = err_set(err, MLCI_EXIT_IOERR, p, "chmod: %s", strerror(errno));
	free(p);
	return rc;
}

static void unstage(const char *dir, const char *tarname)
{
	const char *names[] = { tarname, "manifest.json", "provenance.json",
				"provenance.intoto.jsonl" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = path_join(dir, names[i]);

		if (p)
			unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* Write NAME/VER via a staging directory renamed into place. */
static int put_version(const char *ndir, const char *vdir,
		       const struct registry_item *it, const char *tarname,
		       struct mlci_err *err)
{
	struct buf tmpl;
	int rc = -1;

	buf_init(&tmpl);
	if (buf_printf(&tmpl, "%s/.%s.tmp-XXXXXX", ndir, it->version) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (!mkdtemp(tmpl.data)) {
		err_set(err, MLCI_EXIT_CANTCREAT, ndir, "cannot create a staging directory: %s",
			strerror(errno));
		goto done;
	}
	if (stage_file(tmpl.data, tarname, it->archive, it->archive_size, err) < 0 ||
	    stage_file(tmpl.data, "manifest.json", it->manifest, it->manifest_size, err) < 0 ||
	    (it->provenance &&
	     stage_file(tmpl.data, "provenance.json", it->provenance, it->provenance_size, err) < 0) ||
	    (it->envelope &&
	     stage_file(tmpl.data, "provenance.intoto.jsonl", it->envelope, it->envelope_size,
			err) < 0))
		goto fail;
	if (chmod(tmpl.data, 0755) != 0 || rename(tmpl.data, vdir) != 0) {
		err_set(err, MLCI_EXIT_IOERR, vdir, "cannot move the version into place: %s",
			strerror(errno));
		goto fail;
	}
	fsync_dir(ndir);
	rc = 0;
	goto done;
fail:
	unstage(tmpl.data, tarname);
done:
	buf_release(&tmpl);
	return rc;
}

static int history_add(const char *ndir, json_t *line, struct mlci_err *err)
{
	char *p = path_join(ndir, "history.jsonl");
	char *s = json_dumps(line, JSON_SORT_KEYS | JSON_COMPACT);
	int fd = -1, rc = -1;
	size_t n;

	if (!p || !s) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	n = strlen(s);
	s[n] = '\n';	/* replaces the NUL; written by length */
	fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, s, n + 1) != (ssize_t)(n + 1) || fsync(fd) != 0) {
		err_set(err, MLCI_EXIT_IOERR, p, "cannot append: %s", strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	free(s);
	free(p);
	return rc;
}

#define HISTORY_MAX ((size_t)256 << 20)	/* bytes of history.jsonl read back */

/*
 * Does history.jsonl record this state? For "publish": a publish line
 * for version. For "channel": the channel's last line names version. A
 * deploy killed between moving a version or a channel into place and
 * appending its line leaves the registry consistent but the history one
 * line short; the next deploy of the same package finds the version (or
 * channel) already there and calls this to append the missing line.
 * Lines that do not parse are skipped. 1 recorded, 0 not, -1 error.
 */
static int history_records(const char *ndir, const char *event,
			   const char *channel, const char *version,
			   struct mlci_err *err)
{
	char *p = path_join(ndir, "history.jsonl"), *data = NULL;
	int found;
	size_t n;

	if (!p)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (access(p, F_OK) != 0) {
		free(p);
		return 0;
	}
	if (read_file(p, &data, &n, HISTORY_MAX, err) < 0) {
		free(p);
		return -1;
	}
	found = registry_history_has(data, n, event, channel, version);
	free(data);
	free(p);
	return found < 0 ? err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory") : found;
}

int registry_history_has(const char *text, size_t len, const char *event,
			 const char *channel, const char *version)
{
	json_t *recs = registry_history_parse(text, len);
	size_t i;
	int found = 0;

	if (!recs)
		return -1;
	for (i = 0; i < json_array_size(recs); i++) {
		const json_t *l = json_array_get(recs, i);
		const char *e = json_string_value(json_object_get(l, "event"));
		const char *v = json_string_value(json_object_get(l, "version"));
		const char *c = json_string_value(json_object_get(l, "channel"));

		if (e && v && !strcmp(e, event)) {
			if (!channel && !strcmp(v, version))
				found = 1;
			else if (channel && c && !strcmp(c, channel))
				found = !strcmp(v, version);
		}
	}
	json_decref(recs);
	return found;
}

/* Append event's line unless history_records finds it (marked
 * "recovered": it is written by a later run than the change). */
static int history_repair(const char *ndir, const char *event, const char *when,
			  const struct registry_item *it, const char *channel,
			  const struct registry_result *res, struct mlci_err *err);

json_t *registry_history_line(const char *event, const char *when,
			    const struct registry_item *it, const char *channel,
			    const struct registry_result *res)
{
	json_t *l = json_object();

	json_object_set_new(l, "event", json_string(event));
	json_object_set_new(l, "time", json_string(when));
	json_object_set_new(l, "name", json_string(it->name));
	json_object_set_new(l, "version", json_string(it->version));
	json_object_set_new(l, "sha256", json_string(it->sha256));
	if (channel) {
		json_object_set_new(l, "channel", json_string(channel));
		json_object_set_new(l, "previous", res->previous_version[0] ?
				    json_string(res->previous_version) : json_null());
	}
	return l;
}

json_t *registry_channel_doc(const struct registry_opts *o,
			     const struct registry_item *it, const char *channel,
			     const char *when, json_t *prev, struct mlci_err *err)
{
	json_t *next = artifact_new(KIND_CHANNEL, SCHEMA_CHANNEL,
				    o->producer ? o->producer : "mlci-deploy", err);

	if (!next) {
		json_decref(prev);
		return NULL;
	}
	json_object_set_new(next, "name", json_string(it->name));
	json_object_set_new(next, "channel", json_string(channel));
	json_object_set_new(next, "version", json_string(it->version));
	json_object_set_new(next, "sha256", json_string(it->sha256));
	json_object_set_new(next, "previous", prev ? prev : json_null());
	json_object_set_new(next, "updated", json_string(when));
	if (it->source)
		artifact_add_input(next, "package", it->source, it->sha256);
	return next;
}

static int history_repair(const char *ndir, const char *event, const char *when,
			  const struct registry_item *it, const char *channel,
			  const struct registry_result *res, struct mlci_err *err)
{
	int has = history_records(ndir, event, channel, it->version, err);
	json_t *line;

	if (has != 0)
		return has < 0 ? -1 : 0;
	line = registry_history_line(event, when, it, channel, res);
	if (!line)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_object_set_new(line, "recovered", json_true());
	has = history_add(ndir, line, err);
	json_decref(line);
	return has;
}

/* Point channels/CHANNEL.json at the item; fill res's previous fields.
 * keep (may be NULL) is the new file's previous instead of the version
 * the channel pointed at (a rollback's). */
static int move_channel_keep(struct registry *r, const char *ndir,
			     const struct registry_item *it, const char *channel,
			     const json_t *keep, struct registry_result *res,
			     struct mlci_err *err);

static int move_channel(struct registry *r, const char *ndir,
			const struct registry_item *it, const char *channel,
			struct registry_result *res, struct mlci_err *err)
{
	return move_channel_keep(r, ndir, it, channel, NULL, res, err);
}

static int move_channel_keep(struct registry *r, const char *ndir,
			     const struct registry_item *it, const char *channel,
			     const json_t *keep, struct registry_result *res,
			     struct mlci_err *err)
{
	char *cdir = path_join(ndir, "channels"), *cpath = NULL;
	struct buf file;
	json_t *cur = NULL, *next = NULL, *prev = NULL;
	char when[32];
	int rc = -1;

	buf_init(&file);
	if (!cdir || buf_printf(&file, "%s.json", channel) < 0 ||
	    !(cpath = path_join(cdir, file.data))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (mkdir(cdir, 0755) != 0 && errno != EEXIST) {
		err_set(err, MLCI_EXIT_CANTCREAT, cdir, "cannot create: %s", strerror(errno));
		goto done;
	}
	if (access(cpath, F_OK) == 0) {
		const char *v, *s;

		if (artifact_load(cpath, KIND_CHANNEL, SCHEMA_CHANNEL, &cur, NULL, err) < 0 ||
		    json_get_str(cur, "version", &v, cpath, err) < 0 ||
		    json_get_str(cur, "sha256", &s, cpath, err) < 0)
			goto done;
		if (!strcmp(v, it->version) && !strcmp(s, it->sha256)) {
			json_t *p = json_object_get(cur, "previous");

			snprintf(res->channel_action, sizeof(res->channel_action), "unchanged");
			if (json_is_object(p)) {
				snprintf(res->previous_version, sizeof(res->previous_version), "%s",
					 str_or_empty(json_object_get(p, "version")));
				snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s",
					 str_or_empty(json_object_get(p, "sha256")));
			}
			rc = 0;
			goto done;
		}
		snprintf(res->previous_version, sizeof(res->previous_version), "%s", v);
		snprintf(res->previous_sha256, sizeof(res->previous_sha256), "%s", s);
		prev = json_object();
		json_object_set_new(prev, "version", json_string(v));
		json_object_set_new(prev, "sha256", json_string(s));
	}
	if (keep) {
		json_decref(prev);
		prev = json_deep_copy(keep);
	}
	if (artifact_time(when, NULL, err) < 0)
		goto done;
	next = registry_channel_doc(&r->opts, it, channel, when, prev, err);
	prev = NULL;	/* taken by registry_channel_doc */
	if (!next || artifact_write(cpath, next, err) < 0)
		goto done;
	fsync_dir(cdir);
	snprintf(res->channel_action, sizeof(res->channel_action), "moved");
	rc = 0;
done:
	json_decref(prev);
	json_decref(next);
	json_decref(cur);
	buf_release(&file);
	free(cpath);
	free(cdir);
	return rc;
}

/* The channel file that move_channel will read, checked before anything
 * is published: a broken channel must not leave a new version behind a
 * failed deploy. 0 when absent or readable. */
static int channel_readable(const char *ndir, const char *channel,
			    struct mlci_err *err)
{
	struct buf file;
	char *cpath = NULL;
	json_t *cur = NULL;
	const char *v, *s;
	int rc = 0;

	buf_init(&file);
	if (buf_printf(&file, "channels/%s.json", channel) < 0 ||
	    !(cpath = path_join(ndir, file.data)))
		rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	else if (access(cpath, F_OK) == 0 &&
		 (artifact_load(cpath, KIND_CHANNEL, SCHEMA_CHANNEL, &cur, NULL, err) < 0 ||
		  json_get_str(cur, "version", &v, cpath, err) < 0 ||
		  json_get_str(cur, "sha256", &s, cpath, err) < 0))
		rc = -1;
	json_decref(cur);
	buf_release(&file);
	free(cpath);
	return rc;
}

static int dir_publish(struct registry *r, const struct registry_item *it,
		       const char *channel, struct registry_result *res,
		       struct mlci_err *err)
{
	struct dir_state *s = r->state;
	char *ndir = NULL, *vdir = NULL, *lock = NULL, when[32];
	char got[SHA256_HEX_LEN + 1];
	struct buf tarname;
	struct stat st;
	int fd = -1, rc = -1, same;
	double timeout = r->opts.lock_timeout > 0 ? r->opts.lock_timeout : DEFAULT_LOCK_TIMEOUT;

	buf_init(&tarname);
	if (buf_printf(&tarname, "%s-%s%s", it->name, it->version,
		       it->suffix ? it->suffix : ".tar.gz") < 0 ||
	    !(ndir = path_join(s->root, it->name)) ||
	    !(vdir = path_join(ndir, it->version)) ||
	    !(lock = path_join(ndir, ".lock"))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (artifact_time(when, NULL, err) < 0 || mkdir_p(ndir, err) < 0)
		goto done;
	if ((fd = take_lock(lock, timeout, err)) < 0)
		goto done;
	if (channel && channel_readable(ndir, channel, err) < 0)
		goto done;
	snprintf(res->location, sizeof(res->location), "%s", vdir);
	if (lstat(vdir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			err_set(err, MLCI_EXIT_CANTCREAT, vdir, "exists and is not a version directory");
			goto done;
		}
		if ((same = same_version(vdir, stored_tarball(vdir, &tarname, it), it,
					 got, err)) < 0)
			goto done;
		if (!same) {
			err_set(err, MLCI_EXIT_VERDICT, vdir,
				"version already published with different bytes (sha256 %.12s..., this package %.12s...); versions are immutable",
				got, it->sha256);
			goto done;
		}
		snprintf(res->action, sizeof(res->action), "unchanged");
		if (history_repair(ndir, "publish", when, it, NULL, res, err) < 0)
			goto done;
	} else if (errno != ENOENT) {
		err_set(err, MLCI_EXIT_IOERR, vdir, "cannot stat: %s", strerror(errno));
		goto done;
	} else {
		if (put_version(ndir, vdir, it, tarname.data, err) < 0)
			goto done;
		snprintf(res->action, sizeof(res->action), "created");
		json_t *line = registry_history_line("publish", when, it, NULL, res);
		int hrc = history_add(ndir, line, err);

		json_decref(line);
		if (hrc < 0)
			goto done;
	}
	if (channel) {
		if (move_channel(r, ndir, it, channel, res, err) < 0)
			goto done;
		if (!strcmp(res->channel_action, "moved")) {
			json_t *line = registry_history_line("channel", when, it, channel, res);
			int hrc = history_add(ndir, line, err);

			json_decref(line);
			if (hrc < 0)
				goto done;
		} else if (history_repair(ndir, "channel", when, it, channel, res,
					  err) < 0) {
			goto done;
		}
	}
	rc = 0;
done:
	if (fd >= 0)
		close(fd);	/* releases the lock */
	buf_release(&tarname);
	free(lock);
	free(vdir);
	free(ndir);
	return rc;
}

/* channels/CHANNEL.json's version and sha256 into v, sh (and its
 * previous object, a new reference, into prev when not NULL). 1 when
 * there is no such channel. */
static int read_channel(const char *ndir, const char *channel, char *v,
			size_t vn, char sh[SHA256_HEX_LEN + 1], json_t **prev,
			struct mlci_err *err)
{
	struct buf file;
	char *cpath = NULL;
	json_t *cur = NULL;
	const char *cv, *cs;
	int rc = -1;

	buf_init(&file);
	if (buf_printf(&file, "channels/%s.json", channel) < 0 ||
	    !(cpath = path_join(ndir, file.data))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (access(cpath, F_OK) != 0) {
		rc = 1;
		goto done;
	}
	if (artifact_load(cpath, KIND_CHANNEL, SCHEMA_CHANNEL, &cur, NULL, err) < 0 ||
	    json_get_str(cur, "version", &cv, cpath, err) < 0 ||
	    json_get_str(cur, "sha256", &cs, cpath, err) < 0)
		goto done;
	snprintf(v, vn, "%s", cv);
	snprintf(sh, SHA256_HEX_LEN + 1, "%s", cs);
	if (prev) {
		json_t *p = json_object_get(cur, "previous");

		*prev = json_is_object(p) ? json_incref(p) : NULL;
	}
	rc = 0;
done:
	json_decref(cur);
	buf_release(&file);
	free(cpath);
	return rc;
}

int registry_rollback_to(const json_t *previous, const struct registry_move *mv,
			 const char *cur, const char *where, const char **version,
			 const char **sha256, struct mlci_err *err)
{
	char what[200];

	*version = json_string_value(json_object_get(previous, "version"));
	*sha256 = json_string_value(json_object_get(previous, "sha256"));
	if (!*version || !*sha256)
		return err_set(err, MLCI_EXIT_VERDICT, where,
			       "channel '%s' of '%s' has no earlier version to roll back to (it points at %s)",
			       mv->channel, mv->name, cur);
	snprintf(what, sizeof(what), "the previous version of channel '%s'", mv->channel);
	return registry_check_pointer(*version, *sha256, where, what, err);
}

int registry_check_pointer(const char *version, const char *sha256, const char *where,
			   const char *what, struct mlci_err *err)
{
	struct mlci_err why = { 0 };

	if (!version || package_check_version(version, "its version", &why) < 0)
		return err_set(err, MLCI_EXIT_DATAERR, where, "%s is damaged: %s", what,
			       version ? why.msg : "it names no version");
	if (!sha256 || !sha256_valid(sha256))
		return err_set(err, MLCI_EXIT_DATAERR, where,
			       "%s is damaged: its sha256 is not a SHA-256 in hex", what);
	return 0;
}

json_t *registry_history_parse(const char *text, size_t len)
{
	char *data = strndup(text ? text : "", len), *line, *next;
	json_t *recs = json_array();

	if (!data || !recs) {
		free(data);
		json_decref(recs);
		return NULL;
	}
	for (line = data; *line; line = next) {
		json_t *l;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if ((l = json_loads(line, 0, NULL)))	/* unparsable: skipped */
			json_array_append_new(recs, l);
	}
	free(data);
	return recs;
}

json_t *registry_forward_previous(const json_t *recs, const char *channel,
				  const char *version)
{
	const char *want = NULL;
	size_t i;

	for (i = 0; i < json_array_size(recs); i++) {
		const json_t *l = json_array_get(recs, i);
		const char *e = json_string_value(json_object_get(l, "event"));
		const char *v = json_string_value(json_object_get(l, "version"));
		const char *c = json_string_value(json_object_get(l, "channel"));

		if (e && v && c && !strcmp(c, channel) && !strcmp(v, version) &&
		    (!strcmp(e, "channel") || !strcmp(e, "promote")))
			want = json_string_value(json_object_get(l, "previous"));
	}
	for (i = 0; want && i < json_array_size(recs); i++) {
		const json_t *l = json_array_get(recs, i);
		const char *e = json_string_value(json_object_get(l, "event"));
		const char *v = json_string_value(json_object_get(l, "version"));
		const char *sh = json_string_value(json_object_get(l, "sha256"));

		if (e && v && sh && !strcmp(e, "publish") && !strcmp(v, want))
			return json_pack("{s:s, s:s}", "version", v, "sha256", sh);
	}
	return NULL;
}

/* registry_forward_previous over NAME's history.jsonl in ndir. */
static int forward_previous(const char *ndir, const char *channel,
			    const char *version, json_t **out,
			    struct mlci_err *err)
{
	char *p = path_join(ndir, "history.jsonl"), *data = NULL;
	json_t *recs;
	size_t n = 0;

	*out = NULL;
	if (!p)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (access(p, F_OK) == 0 && read_file(p, &data, &n, HISTORY_MAX, err) < 0) {
		free(p);
		return -1;
	}
	recs = registry_history_parse(data, n);
	free(data);
	free(p);
	if (!recs)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	*out = registry_forward_previous(recs, channel, version);
	json_decref(recs);
	return 0;
}

static int dir_move(struct registry *r, const struct registry_move *mv,
		    struct registry_result *res, struct mlci_err *err)
{
	struct dir_state *s = r->state;
	char *ndir = NULL, *lock = NULL, *vdir = NULL, when[32];
	char ver[160], sha[SHA256_HEX_LEN + 1], what[200];
	const char *src = mv->op == REGISTRY_PROMOTE ? mv->from : mv->channel;
	json_t *prev = NULL, *keep = NULL;
	struct registry_item it;
	struct stat st;
	int fd = -1, rc = -1, got;
	double timeout = r->opts.lock_timeout > 0 ? r->opts.lock_timeout : DEFAULT_LOCK_TIMEOUT;

	if (!(ndir = path_join(s->root, mv->name)) ||
	    !(lock = path_join(ndir, ".lock"))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (lstat(ndir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		err_set(err, MLCI_EXIT_NOINPUT, ndir, "no package '%s' in this registry",
			mv->name);
		goto done;
	}
	if (artifact_time(when, NULL, err) < 0 ||
	    (fd = take_lock(lock, timeout, err)) < 0)
		goto done;
	got = read_channel(ndir, src, ver, sizeof(ver), sha,
			   mv->op == REGISTRY_ROLLBACK ? &prev : NULL, err);
	if (got < 0)
		goto done;
	if (got) {
		err_set(err, MLCI_EXIT_NOINPUT, ndir, "package '%s' has no channel '%s'",
			mv->name, src);
		goto done;
	}
	snprintf(what, sizeof(what), "channel '%s'", src);
	if (registry_check_pointer(ver, sha, ndir, what, err) < 0)
		goto done;
	if (mv->op == REGISTRY_ROLLBACK) {
		const char *pv, *ps;

		if (registry_rollback_to(prev, mv, ver, ndir, &pv, &ps, err) < 0)
			goto done;
		snprintf(ver, sizeof(ver), "%s", pv);
		snprintf(sha, sizeof(sha), "%s", ps);
		if (forward_previous(ndir, mv->channel, ver, &keep, err) < 0)
			goto done;
		if (!keep)
			keep = json_null();
	}
	if (!(vdir = path_join(ndir, ver))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (lstat(vdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		err_set(err, MLCI_EXIT_DATAERR, vdir,
			"channel '%s' names version %s, which is not in the registry", src, ver);
		goto done;
	}
	memset(&it, 0, sizeof(it));
	it.name = mv->name;
	it.version = ver;
	it.sha256 = sha;
	snprintf(res->action, sizeof(res->action), "%s",
		 mv->op == REGISTRY_PROMOTE ? "promoted" : "rolled-back");
	snprintf(res->location, sizeof(res->location), "%s", vdir);
	snprintf(res->version, sizeof(res->version), "%s", ver);
	snprintf(res->sha256, sizeof(res->sha256), "%s", sha);
	if (move_channel_keep(r, ndir, &it, mv->channel, keep, res, err) < 0)
		goto done;
	if (!strcmp(res->channel_action, "moved")) {
		json_t *line = registry_history_line(mv->op == REGISTRY_PROMOTE ? "promote" : "rollback",
					    when, &it, mv->channel, res);
		int hrc;

		if (!line) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
		if (mv->op == REGISTRY_PROMOTE)
			json_object_set_new(line, "from_channel", json_string(mv->from));
		hrc = history_add(ndir, line, err);
		json_decref(line);
		if (hrc < 0)
			goto done;
	}
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	json_decref(prev);
	json_decref(keep);
	free(vdir);
	free(lock);
	free(ndir);
	return rc;
}

/* ---- the interface -------------------------------------------------- */

static const struct registry_backend backends[] = {
	{ "dir", dir_open, dir_publish, dir_close, dir_move },
	{ "s3", s3_open, s3_publish, s3_close, s3_move },
	{ "http", registry_http_open, registry_http_publish, registry_http_close,
	  registry_http_move },
	{ "https", registry_http_open, registry_http_publish, registry_http_close,
	  registry_http_move },
	{ "gitlab", gitlab_reg_open, gitlab_reg_publish, gitlab_reg_close,
	  gitlab_reg_move },
};

const struct registry_opts *registry_opts_of(const struct registry *r)
{
	return &r->opts;
}

void **registry_state(struct registry *r)
{
	return &r->state;
}

int registry_open(struct registry **out, const char *url,
		  const struct registry_opts *opts, struct mlci_err *err)
{
	const char *sep = url ? strstr(url, "://") : NULL;
	struct registry *r;
	char *shown;		/* url as messages may show it (redact.h) */
	size_t i, n;

	*out = NULL;
	if (!(shown = url_redact(url ? url : "")))
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	if (!sep) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--to '%s' is not a registry URL (expected dir:///path/to/registry, https://host/path, s3://bucket/prefix or gitlab://PROJECT)",
			shown);
		free(shown);
		return -1;
	}
	n = (size_t)(sep - url);
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strlen(backends[i].scheme) == n && !strncmp(url, backends[i].scheme, n))
			break;
	if (i == sizeof(backends) / sizeof(backends[0]) || !backends[i].open) {
		if (i == sizeof(backends) / sizeof(backends[0]))
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"--to %s: unknown registry scheme '%.*s' (supported: dir://, http://, https://, s3://, gitlab://)",
				shown, (int)n, url);
		else
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"--to %s: %s:// registries are not supported yet (supported: dir://, http://, https://, s3://, gitlab://)",
				shown, backends[i].scheme);
		free(shown);
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		free(shown);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	r->url = shown;
	r->backend = &backends[i];
	if (!(r->raw_url = strdup(url))) {
		registry_close(r);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	if (opts)
		r->opts = *opts;
	if (r->backend->open(r, sep + 3, err) < 0) {
		registry_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

int registry_publish(struct registry *r, const struct registry_item *item,
		     const char *channel, struct registry_result *res,
		     struct mlci_err *err)
{
	memset(res, 0, sizeof(*res));
	if (package_check_name(item->name, "package name", err) < 0 ||
	    package_check_version(item->version, "package version", err) < 0 ||
	    (channel && package_check_name(channel, "--channel", err) < 0))
		return -1;
	return r->backend->publish(r, item, channel, res, err);
}

int registry_move(struct registry *r, const struct registry_move *mv,
		  struct registry_result *res, struct mlci_err *err)
{
	memset(res, 0, sizeof(*res));
	if (package_check_name(mv->name, "--name", err) < 0 ||
	    package_check_name(mv->channel, mv->op == REGISTRY_PROMOTE ?
			       "--to-channel" : "--rollback", err) < 0 ||
	    (mv->op == REGISTRY_PROMOTE &&
	     package_check_name(mv->from, "--promote", err) < 0))
		return -1;
	if (mv->op == REGISTRY_PROMOTE && !strcmp(mv->from, mv->channel))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--promote and --to-channel name the same channel '%s'",
			       mv->channel);
	if (!r->backend->move)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--to %s: %s:// registries cannot move channels yet (dir:// can)",
			       r->url, r->backend->scheme);
	return r->backend->move(r, mv, res, err);
}

const char *registry_url(const struct registry *r)
{
	return r->url;
}

void registry_close(struct registry *r)
{
	if (!r)
		return;
	if (r->backend && r->backend->close)
		r->backend->close(r);
	free(r->url);
	free(r->raw_url);
	free(r);
}

/* ---- mlci-deploy's run ---------------------------------------------- */

static json_t *deploy_json(const struct deploy_opts *o, const struct package_info *p,
			   const struct registry_result *res, struct mlci_err *err)
{
	json_t *d = artifact_new(KIND_DEPLOY, SCHEMA_DEPLOY,
				 o->producer ? o->producer : "mlci-deploy", err);
	json_t *prev;

	if (!d)
		return NULL;
	if (artifact_add_input_file(d, "package", o->package, err) < 0) {
		json_decref(d);
		return NULL;
	}
	{
		char *shown = url_redact(o->to);

		if (!shown) {
			json_decref(d);
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			return NULL;
		}
		json_object_set_new(d, "target", json_string(shown));
		free(shown);
	}
	json_object_set_new(d, "name", json_string(p->name));
	json_object_set_new(d, "version", json_string(p->version));
	json_object_set_new(d, "sha256", json_string(p->sha256));
	json_object_set_new(d, "action", json_string(res->action));
	json_object_set_new(d, "location", json_string(res->location));
	json_object_set_new(d, "channel", o->channel ? json_string(o->channel) : json_null());
	json_object_set_new(d, "channel_action", o->channel ?
			    json_string(res->channel_action) : json_null());
	if (res->previous_version[0]) {
		prev = json_object();
		json_object_set_new(prev, "version", json_string(res->previous_version));
		json_object_set_new(prev, "sha256", json_string(res->previous_sha256));
	} else {
		prev = json_null();
	}
	json_object_set_new(d, "previous", prev);
	if (p->is_signed) {
		json_t *sig = json_object();

		json_object_set_new(sig, "keyid", json_string(p->keyid));
		json_object_set_new(sig, "verified", json_boolean(p->verified));
		json_object_set_new(d, "signature", sig);
	} else {
		json_object_set_new(d, "signature", json_null());
	}
	if (res->http.requests > 0) {
		json_t *t = json_object();

		json_object_set_new(t, "requests", json_integer(res->http.requests));
		json_object_set_new(t, "retries", json_integer(res->http.retries));
		json_object_set_new(d, "transport", t);
	}
	return d;
}

/* deploy.json d into out (opened on path), committed. */
static int write_deploy(struct afile *out, const json_t *d, const char *path,
			struct mlci_err *err)
{
	char *text = artifact_dumps(d);
	int rc = 0;

	if (!text)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot serialise deploy.json");
	if (fputs(text, out->fp) == EOF)
		rc = err_set(err, MLCI_EXIT_IOERR, path, "cannot write");
	free(text);
	return rc < 0 ? rc : afile_commit(out, err);
}

/* deploy.json of a channel move. */
static json_t *move_json(const struct deploy_opts *o, const struct registry_result *res,
			 struct mlci_err *err)
{
	json_t *d = artifact_new(KIND_DEPLOY, SCHEMA_DEPLOY,
				 o->producer ? o->producer : "mlci-deploy", err);
	char *shown = url_redact(o->to);

	if (!d || !shown) {
		json_decref(d);
		free(shown);
		if (d)
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		return NULL;
	}
	json_object_set_new(d, "target", json_string(shown));
	free(shown);
	json_object_set_new(d, "name", json_string(o->name));
	json_object_set_new(d, "version", json_string(res->version));
	json_object_set_new(d, "sha256", json_string(res->sha256));
	json_object_set_new(d, "action", json_string(res->action));
	json_object_set_new(d, "location", json_string(res->location));
	json_object_set_new(d, "channel", json_string(o->promote ? o->to_channel : o->rollback));
	json_object_set_new(d, "channel_action", json_string(res->channel_action));
	if (o->promote)
		json_object_set_new(d, "from_channel", json_string(o->promote));
	json_object_set_new(d, "previous", res->previous_version[0] ?
			    json_pack("{s:s, s:s}", "version", res->previous_version,
				      "sha256", res->previous_sha256) : json_null());
	json_object_set_new(d, "signature", json_null());
	return d;
}

/* deploy_run for --promote / --rollback. */
static int move_run(const struct deploy_opts *o, struct deploy_result *r,
		    struct mlci_err *err)
{
	struct registry_opts ropts = { .lock_timeout = o->lock_timeout, .producer = o->producer,
				       .http = o->http, .s3_endpoint = o->s3_endpoint };
	struct registry_move mv = { o->promote ? REGISTRY_PROMOTE : REGISTRY_ROLLBACK,
				    o->name, o->promote ? o->to_channel : o->rollback,
				    o->promote };
	struct registry *reg = NULL;
	struct afile out;
	int rc = -1;

	memset(&out, 0, sizeof(out));
	if (registry_open(&reg, o->to, &ropts, err) < 0)
		return -1;
	if (afile_open(&out, o->out, err) < 0 ||
	    registry_move(reg, &mv, &r->reg, err) < 0 ||
	    !(r->deploy = move_json(o, &r->reg, err)))
		goto done;
	if (write_deploy(&out, r->deploy, o->out, err) < 0)
		goto done;
	if (!(r->name = strdup(o->name)) || !(r->version = strdup(r->reg.version))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	memcpy(r->sha256, r->reg.sha256, sizeof(r->sha256));
	rc = 0;
done:
	afile_abort(&out);
	registry_close(reg);
	return rc;
}

int deploy_run(const struct deploy_opts *o, struct deploy_result *r,
	       struct mlci_err *err)
{
	struct registry_opts ropts = { .lock_timeout = o->lock_timeout, .producer = o->producer,
				       .http = o->http, .s3_endpoint = o->s3_endpoint };
	struct registry *reg = NULL;
	struct sign_key *key = NULL;
	struct package_info p;
	struct registry_item it;
	struct afile out;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (o->promote || o->rollback)
		return move_run(o, r, err);
	memset(&p, 0, sizeof(p));
	memset(&out, 0, sizeof(out));
	if (registry_open(&reg, o->to, &ropts, err) < 0)
		return -1;
	if ((o->channel && package_check_name(o->channel, "--channel", err) < 0) ||
	    (o->verify_key &&
	     sign_key_load_public(o->verify_key, "--verify-key", &key, err) < 0) ||
	    package_open_key(o->package, key, o->verify_key, &p, err) < 0 ||
	    afile_open(&out, o->out, err) < 0)
		goto done;
	memset(&it, 0, sizeof(it));
	it.name = p.name;
	it.version = p.version;
	it.archive = p.archive;
	it.archive_size = p.archive_size;
	it.sha256 = p.sha256;
	it.manifest = p.manifest;
	it.manifest_size = p.manifest_size;
	it.source = o->package;
	it.suffix = !strcmp(p.compression, "zstd") ? ".tar.zst" : ".tar.gz";
	it.provenance = p.provenance;
	it.provenance_size = p.provenance_size;
	it.envelope = p.envelope;
	it.envelope_size = p.envelope_size;
	if (registry_publish(reg, &it, o->channel, &r->reg, err) < 0)
		goto done;
	if (!(r->deploy = deploy_json(o, &p, &r->reg, err)))
		goto done;
	if (write_deploy(&out, r->deploy, o->out, err) < 0)
		goto done;
	r->name = p.name;
	r->version = p.version;
	p.name = p.version = NULL;
	memcpy(r->sha256, p.sha256, sizeof(r->sha256));
	rc = 0;
done:
	afile_abort(&out);
	package_info_release(&p);
	sign_key_free(key);
	registry_close(reg);
	return rc;
}

void deploy_result_release(struct deploy_result *r)
{
	free(r->name);
	free(r->version);
	json_decref(r->deploy);
	memset(r, 0, sizeof(*r));
}
