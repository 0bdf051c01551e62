#include "baseline.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "artifact.h"
#include "hash.h"
#include "io.h"
#include "redact.h"
#include "rules.h"
#include "util.h"

/* ---- specs ---- */

int baseline_is_git(const char *s)
{
	return s && !strncmp(s, "git:", 4);
}

int baseline_spec_parse(const char *spec, char **ref, char **path,
			struct mlci_err *err)
{
	const char *s = spec + 4, *colon;

	*ref = *path = NULL;
	if (!baseline_is_git(spec))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--baseline '%.200s' is not a git spec (git:REF or git:REF:PATH)", spec);
	colon = strchr(s, ':');
	if (colon == s || !*s)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--baseline '%.200s': no REF (write git:REF or git:REF:PATH, e.g. git:origin/main:metrics.json)",
			       spec);
	if (colon && !colon[1])
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--baseline '%.200s': empty PATH (write git:REF for the note, git:REF:PATH for a file)",
			       spec);
	*ref = colon ? strndup(s, (size_t)(colon - s)) : strdup(s);
	*path = colon ? strdup(colon + 1) : NULL;
	if (!*ref || (colon && !*path)) {
		free(*ref), free(*path);
		*ref = *path = NULL;
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	return 0;
}

/* ---- libgit2 helpers ---- */

/* libgit2's last message, with the credentials of any URL in it hidden
 * (what sits between "://" and an '@' before the host's end). */
static void git_msg(char *out, size_t n)
{
	const git_error *e = git_error_last();
	const char *s = e && e->message ? e->message : "unknown libgit2 error";
	size_t o = 0;

	while (*s && o + 1 < n) {
		if (!strncmp(s, "://", 3)) {
			const char *at = strchr(s + 3, '@');
			const char *end = strpbrk(s + 3, " '\"/");

			if (at && (!end || at < end) && o + 7 < n) {
				memcpy(out + o, "://" REDACTED, 6);
				o += 6;
				s = at;
				continue;
			}
		}
		out[o++] = *s++;
	}
	out[o] = '\0';
}

static int open_repo(git_repository **repo, struct mlci_err *err)
{
	char m[256];

	if (git_repository_open_ext(repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL) == 0)
		return 0;
	*repo = NULL;
	git_msg(m, sizeof(m));
	return err_set(err, MLCI_EXIT_NOINPUT, NULL,
		       "a git baseline needs a git repository here: %s", m);
}

/* A failure worth retrying: the network, not a remote that is wrong. */
static int transient(const char *url, int klass)
{
	const git_error *e = git_error_last();
	const char *m = e && e->message ? e->message : "";

	if (!strncmp(url, "file://", 7) || url[0] == '/' || url[0] == '.' ||
	    strstr(m, "unsupported URL protocol"))
		return 0;
	return klass == GIT_ERROR_NET || klass == GIT_ERROR_HTTP ||
	       klass == GIT_ERROR_SSL || klass == GIT_ERROR_SSH ||
	       klass == GIT_ERROR_OS || klass == GIT_ERROR_CALLBACK;
}

struct remote_ctx {
	git_repository *repo;
	git_remote *remote;
	const char *name;
	char url[2048];
	const git_remote_head **heads;
	size_t nheads;
};

static void remote_close(struct remote_ctx *rc)
{
	if (rc->remote) {
		git_remote_disconnect(rc->remote);
		git_remote_free(rc->remote);
	}
	rc->remote = NULL;
	rc->heads = NULL;
	rc->nheads = 0;
}

/* remote.NAME.url from the configuration. (git_remote_lookup reads the
 * refspecs through a regular expression that leaks in libgit2 1.5, and
 * mlci only needs the URL: url.*.insteadOf is not applied.) */
static int remote_url(git_repository *repo, const char *name, char *out, size_t n)
{
	git_config *cfg = NULL;
	const char *url = NULL;
	char key[300];
	int r = -1;

	snprintf(key, sizeof(key), "remote.%s.url", name);
	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string(&url, cfg, key) == 0 && url && *url &&
	    strlen(url) < n) {
		snprintf(out, n, "%s", url);
		r = 0;
	}
	git_config_free(cfg);
	return r;
}

/* An unnamed remote for url in repo (no configuration read). */
static int new_remote(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options co;

	git_remote_create_options_init(&co, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	co.repository = repo;
	co.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &co);
}

/* Credentials: an HTTP(S) URL's own user and password are used by
 * libgit2 itself; for SSH, the keys of the running ssh-agent, once. */
static int credentials(git_credential **out, const char *url, const char *user,
		       unsigned int allowed, void *payload)
{
	int *tries = payload;

	(void)url;
	if (!tries || (*tries)++ > 0 || !(allowed & GIT_CREDENTIAL_SSH_KEY))
		return GIT_PASSTHROUGH;
	return git_credential_ssh_key_from_agent(out, user ? user : "git");
}

/* Connect to the remote and list its refs, retrying a transient failure. */
static int remote_open(struct remote_ctx *rc, git_repository *repo,
		       const char *name, struct mlci_err *err)
{
	git_remote_callbacks cb;
	char m[256];
	int i;

	memset(rc, 0, sizeof(*rc));
	rc->repo = repo;
	rc->name = name;
	if (remote_url(repo, name, rc->url, sizeof(rc->url)) != 0 ||
	    new_remote(&rc->remote, repo, rc->url) != 0) {
		rc->remote = NULL;
		return err_set(err, MLCI_EXIT_NOINPUT, NULL,
			       "the baseline is not in this repository and there is no remote '%.100s' to fetch it from (--baseline-remote NAME)",
			       name);
	}
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb.credentials = credentials;
	for (i = 0; i < BASELINE_FETCH_TRIES; i++) {
		const git_error *e;
		int klass, tries = 0;

		if (i)
			sleep((unsigned)i);
		cb.payload = &tries;
		if (git_remote_connect(rc->remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) == 0 &&
		    git_remote_ls(&rc->heads, &rc->nheads, rc->remote) == 0)
			return 0;
		int again;

		e = git_error_last();
		klass = e ? e->klass : GIT_ERROR_NONE;
		git_msg(m, sizeof(m));
		again = transient(rc->url, klass);
		git_remote_disconnect(rc->remote);
		if (!again) {
			remote_close(rc);
			return err_set(err, MLCI_EXIT_NOINPUT, NULL,
				       "cannot read remote '%.100s': %s", name, m);
		}
	}
	remote_close(rc);
	return err_set(err, MLCI_EXIT_TEMPFAIL, NULL,
		       "remote '%.100s' unreachable after %d tries: %s", name,
		       BASELINE_FETCH_TRIES, m);
}

static const git_remote_head *remote_find(const struct remote_ctx *rc,
					  const char *refname)
{
	size_t i;

	for (i = 0; i < rc->nheads; i++)
		if (!strcmp(rc->heads[i]->name, refname))
			return rc->heads[i];
	return NULL;
}

/* Fetch "+src:dst" from the remote into repo (a connection of its own). */
static int fetch_into(git_repository *repo, const char *url, const char *src,
		      const char *dst, const char *name, struct mlci_err *err)
{
	git_remote *r = NULL;
	git_fetch_options fo;
	char spec[1200], m[256];
	char *specs[1];
	git_strarray sa;
	int i, klass = 0, tmp = 0;

	snprintf(spec, sizeof(spec), "+%s:%s", src, dst);
	specs[0] = spec;
	sa.strings = specs;
	sa.count = 1;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.update_fetchhead = 0;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (new_remote(&r, repo, url) != 0) {
		git_msg(m, sizeof(m));
		return err_set(err, MLCI_EXIT_NOINPUT, NULL, "remote '%.100s': %s", name, m);
	}
	fo.callbacks.credentials = credentials;
	for (i = 0; i < BASELINE_FETCH_TRIES; i++) {
		const git_error *e;
		int tries = 0;

		if (i)
			sleep((unsigned)i);
		fo.callbacks.payload = &tries;
		if (git_remote_fetch(r, &sa, &fo, "mlci: fetch baseline") == 0) {
			git_remote_free(r);
			return 0;
		}
		e = git_error_last();
		klass = e ? e->klass : GIT_ERROR_NONE;
		git_msg(m, sizeof(m));
		if (!(tmp = transient(url, klass)))
			break;
	}
	git_remote_free(r);
	return err_set(err, tmp ? MLCI_EXIT_TEMPFAIL : MLCI_EXIT_NOINPUT,
		       NULL, "cannot fetch %.200s from remote '%.100s': %s", src, name, m);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

/* A temporary bare repository: dir gets its path (remove it with
 * rm_tree, also after a failure once dir[0] is set). */
static int tmp_repo(char *dir, size_t n, git_repository **out, struct mlci_err *err)
{
	const char *td = getenv("TMPDIR");
	char m[256];

	*out = NULL;
	snprintf(dir, n, "%s/mlci-fetch-XXXXXX", td && *td ? td : P_tmpdir);
	if (!mkdtemp(dir)) {
		dir[0] = '\0';
		return err_set(err, MLCI_EXIT_CANTCREAT, NULL,
			       "cannot create a temporary directory to fetch the baseline into: %s",
			       strerror(errno));
	}
	if (git_repository_init(out, dir, 1) != 0) {
		*out = NULL;
		git_msg(m, sizeof(m));
		return err_set(err, MLCI_EXIT_CANTCREAT, NULL,
			       "cannot create a temporary repository: %s", m);
	}
	return 0;
}

static void rm_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Fetch src into repo's dst through a temporary bare repository: the
 * remote sends src's history to an empty repository (nothing to
 * negotiate, which libgit2 1.5 cannot do from a shallow clone), and
 * repo takes what it lacks from there over the local transport.
 */
static int fetch_isolated(git_repository *repo, const char *url, const char *src,
			  const char *dst, const char *name, struct mlci_err *err)
{
	git_repository *tmp = NULL;
	char dir[512], local[600];
	int rc = -1;

	if (tmp_repo(dir, sizeof(dir), &tmp, err) == 0 &&
	    fetch_into(tmp, url, src, "refs/mlci/fetched", name, err) == 0) {
		snprintf(local, sizeof(local), "file://%s", dir);
		rc = fetch_into(repo, local, "refs/mlci/fetched", dst, "a temporary copy", err);
	}
	git_repository_free(tmp);
	rm_tree(dir);
	return rc;
}

/* ---- reading ---- */

struct reader {
	git_repository *repo;	/* the repository */
	git_repository *tmp;	/* a temporary bare repository the commit was
				 * fetched into, or NULL */
	char tmpdir[512];
	const char *remote;
	int fetched;
};

static void reader_close(struct reader *rd)
{
	git_repository_free(rd->tmp);
	git_repository_free(rd->repo);
	rm_tree(rd->tmpdir);
	memset(rd, 0, sizeof(*rd));
}

/* REF as the remote names it, and where to keep it locally. */
static int remote_names(const struct remote_ctx *rc, const char *ref,
			char *src, char *dst, size_t n)
{
	size_t ln = strlen(rc->name);
	const char *cands[3];
	char a[600], b[600], c[600];
	size_t i;

	if (!strncmp(ref, "refs/", 5)) {
		if (!remote_find(rc, ref))
			return -1;
		snprintf(src, n, "%s", ref);
		snprintf(dst, n, "%s", ref);
		return 0;
	}
	if (!strncmp(ref, rc->name, ln) && ref[ln] == '/') {
		snprintf(src, n, "refs/heads/%s", ref + ln + 1);
		if (!remote_find(rc, src))
			return -1;
		snprintf(dst, n, "refs/remotes/%s", ref);
		return 0;
	}
	snprintf(a, sizeof(a), "refs/heads/%s", ref);
	snprintf(b, sizeof(b), "refs/tags/%s", ref);
	snprintf(c, sizeof(c), "refs/remotes/%s/%s", rc->name, ref);
	cands[0] = a;
	cands[1] = b;
	for (i = 0; i < 2; i++)
		if (remote_find(rc, cands[i])) {
			snprintf(src, n, "%s", cands[i]);
			snprintf(dst, n, "%s", i == 0 ? c : b);
			return 0;
		}
	return -1;
}

/*
 * The commit spec names in repo: 0 found, 1 not (unknown, or its object
 * is missing). References and hex ids are looked up directly; only specs
 * with rev-parse syntax (~ ^ @ : {) go through git_revparse_single,
 * whose describe-name fallback leaks in libgit2 1.5 on a miss.
 */
static int lookup_commit(git_repository *repo, const char *spec, git_commit **out)
{
	git_reference *ref = NULL;
	git_object *obj = NULL, *peeled = NULL;
	size_t n = strlen(spec), i;
	int hex = n >= 4 && n <= GIT_OID_HEXSZ;

	*out = NULL;
	for (i = 0; hex && i < n; i++)
		hex = strchr("0123456789abcdefABCDEF", spec[i]) != NULL;
	if (git_reference_dwim(&ref, repo, spec) == 0) {
		int r = git_reference_peel(&peeled, ref, GIT_OBJECT_COMMIT);

		git_reference_free(ref);
		if (r == 0) {
			*out = (git_commit *)peeled;
			return 0;
		}
		return 1;
	}
	if (hex) {
		git_oid oid;

		if (git_oid_fromstrn(&oid, spec, n) == 0 &&
		    git_object_lookup_prefix(&obj, repo, &oid, n, GIT_OBJECT_ANY) == 0)
			goto peel;
		return 1;
	}
	if (!strpbrk(spec, "~^@:{") || git_revparse_single(&obj, repo, spec) != 0)
		return 1;
peel:
	i = (size_t)git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (i != 0)
		return 1;
	*out = (git_commit *)peeled;
	return 0;
}

/* The commit of object oid (a commit, or an annotated tag of one). */
static int commit_of(git_repository *repo, const git_oid *oid, git_commit **out)
{
	git_object *obj = NULL, *peeled = NULL;
	int r;

	*out = NULL;
	if (git_object_lookup(&obj, repo, oid, GIT_OBJECT_ANY) != 0)
		return -1;
	r = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (r != 0)
		return -1;
	*out = (git_commit *)peeled;
	return 0;
}

/* The commit REF names, fetching it when this repository lacks it. */
static int resolve_commit(struct reader *rd, const char *ref, git_commit **out,
			  struct mlci_err *err)
{
	git_oid oid;
	struct remote_ctx rc;
	char src[600], dst[600], m[256];
	const git_remote_head *h;
	int have_oid = 0;

	*out = NULL;
	if (lookup_commit(rd->repo, ref, out) == 0)
		return 0;
	/* the name or its object is missing: ask the remote */
	if (remote_open(&rc, rd->repo, rd->remote, err) < 0)
		return -1;
	if (remote_names(&rc, ref, src, dst, sizeof(src)) < 0) {
		if (git_oid_fromstrn(&oid, ref, strlen(ref)) == 0 &&
		    strlen(ref) == GIT_OID_HEXSZ) {
			have_oid = 1;
			snprintf(src, sizeof(src), "%s", ref);
		} else {
			remote_close(&rc);
			return err_set(err, MLCI_EXIT_NOINPUT, NULL,
				       "baseline ref '%.200s' is neither in this repository nor on remote '%.100s'",
				       ref, rd->remote);
		}
	} else {
		h = remote_find(&rc, src);
		git_oid_cpy(&oid, &h->oid);
	}
	{
		char url[2048];

		snprintf(url, sizeof(url), "%s", rc.url);
		remote_close(&rc);
		if (!have_oid) {
			/* the object may already be here under another name */
			if (commit_of(rd->repo, &oid, out) == 0) {
				rd->fetched = 1;
				return 0;
			}
			if (fetch_into(rd->repo, url, src, dst, rd->remote, err) < 0) {
				if (err && err->code == MLCI_EXIT_TEMPFAIL)
					return -1;
				/* the shallow clone's negotiation left the
				 * commit out: try the empty repository below */
				err_clear(err);
			} else {
				rd->fetched = 1;
				if (commit_of(rd->repo, &oid, out) == 0)
					return 0;
			}
		}
		/* a shallow clone had the commit's descendants and told the
		 * remote so: fetch into an empty repository instead */
		{
			if (tmp_repo(rd->tmpdir, sizeof(rd->tmpdir), &rd->tmp, err) < 0)
				return -1;
			if (fetch_into(rd->tmp, url, have_oid ? ref : src,
				       "refs/mlci/baseline", rd->remote, err) < 0)
				return -1;
			rd->fetched = 1;
			if (commit_of(rd->tmp, &oid, out) != 0) {
				git_msg(m, sizeof(m));
				return err_set(err, MLCI_EXIT_NOINPUT, NULL,
					       "baseline ref '%.200s': commit not found after fetching it: %s",
					       ref, m);
			}
		}
	}
	return 0;
}

/* Make sure refs/notes/mlci is here, fetching it when missing. Returns 1
 * when present, 0 when the remote does not have it either. */
static int ensure_notes(git_repository *repo, const char *remote_name,
			int missing_remote_ok, int *fetched, struct mlci_err *err)
{
	git_reference *r = NULL;
	struct remote_ctx rc;
	char url[2048];

	if (git_reference_lookup(&r, repo, BASELINE_NOTES_REF) == 0) {
		git_reference_free(r);
		return 1;
	}
	if (missing_remote_ok && remote_url(repo, remote_name, url, sizeof(url)) != 0)
		return 0;
	if (remote_open(&rc, repo, remote_name, err) < 0)
		return -1;
	if (!remote_find(&rc, BASELINE_NOTES_REF)) {
		remote_close(&rc);
		return 0;
	}
	snprintf(url, sizeof(url), "%s", rc.url);
	remote_close(&rc);
	if (fetch_into(repo, url, BASELINE_NOTES_REF, BASELINE_NOTES_REF,
		       remote_name, err) < 0) {
		/* a shallow clone's negotiation fails on its missing parents */
		if (err && err->code == MLCI_EXIT_TEMPFAIL)
			return -1;
		err_clear(err);
		if (fetch_isolated(repo, url, BASELINE_NOTES_REF, BASELINE_NOTES_REF,
				   remote_name, err) < 0)
			return -1;
	}
	if (fetched)
		*fetched = 1;
	return 1;
}

/* The note on commit oid as a malloc'd text; 0 found, 1 none. */
static int read_note(git_repository *repo, const git_oid *oid, char **text,
		     size_t *n, struct mlci_err *err)
{
	git_note *note = NULL;
	const char *msg;
	int r = git_note_read(&note, repo, BASELINE_NOTES_REF, oid);

	*text = NULL;
	*n = 0;
	if (r == GIT_ENOTFOUND)
		return 1;
	if (r != 0) {
		char m[256];

		git_msg(m, sizeof(m));
		return err_set(err, MLCI_EXIT_DATAERR, NULL, "cannot read %s: %s",
			       BASELINE_NOTES_REF, m);
	}
	msg = git_note_message(note);
	*n = strlen(msg ? msg : "");
	*text = strdup(msg ? msg : "");
	git_note_free(note);
	if (!*text)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	return 0;
}

/* The blob at path in commit's tree: 0 read, 1 absent. */
static int read_blob(git_commit *c, const char *path, char **data, size_t *n,
		     struct mlci_err *err)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int rc = 1;

	*data = NULL;
	*n = 0;
	if (git_commit_tree(&tree, c) != 0) {
		char m[256];

		git_msg(m, sizeof(m));
		return err_set(err, MLCI_EXIT_NOINPUT, NULL, "cannot read the commit's tree: %s", m);
	}
	if (git_tree_entry_bypath(&e, tree, path) != 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		goto out;
	if (git_blob_lookup(&blob, git_commit_owner(c), git_tree_entry_id(e)) != 0) {
		char m[256];

		git_msg(m, sizeof(m));
		rc = err_set(err, MLCI_EXIT_NOINPUT, NULL, "cannot read %s: %s", path, m);
		goto out;
	}
	*n = (size_t)git_blob_rawsize(blob);
	*data = malloc(*n + 1);
	if (!*data) {
		rc = err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto out;
	}
	memcpy(*data, git_blob_rawcontent(blob), *n);
	(*data)[*n] = '\0';
	rc = 0;
out:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return rc;
}

int baseline_parse_metrics(const char *text, size_t n, const char *where,
			   json_t **art, struct mlci_err *err)
{
	json_error_t je;
	const char *k;
	json_t *v, *j;

	*art = NULL;
	j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return err_set_at(err, MLCI_EXIT_DATAERR, where, je.line, (je.column > 0 ? je.column : 1),
				  "invalid JSON: %s", je.text);
	k = json_is_object(j) ? json_string_value(json_object_get(j, "kind")) : NULL;
	if (!k || strcmp(k, KIND_METRICS)) {
		err_set(err, MLCI_EXIT_DATAERR, where,
			"expected an artifact of kind '%s', found %s%s%s", KIND_METRICS,
			k ? "'" : "", k ? k : "none", k ? "'" : "");
		json_decref(j);
		return -1;
	}
	v = json_object_get(j, "schema_version");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > SCHEMA_METRICS) {
		err_set(err, MLCI_EXIT_DATAERR, where,
			"%s schema_version missing or not supported (this mlci reads up to %d)",
			KIND_METRICS, SCHEMA_METRICS);
		json_decref(j);
		return -1;
	}
	if (!json_is_object(json_object_get(j, "metrics"))) {
		err_set(err, MLCI_EXIT_DATAERR, where, "no \"metrics\" object");
		json_decref(j);
		return -1;
	}
	*art = j;
	return 0;
}

int baseline_git_load(const char *spec, const struct baseline_git_opts *o,
		      struct baseline_git *b, struct mlci_err *err)
{
	struct reader rd;
	git_commit *c = NULL;
	char *text = NULL, *ppath = NULL;
	size_t n = 0;
	int rc = -1, r;
	struct buf w;

	memset(b, 0, sizeof(*b));
	memset(&rd, 0, sizeof(rd));
	buf_init(&w);
	rd.remote = o && o->remote ? o->remote : BASELINE_DEFAULT_REMOTE;
	if (baseline_spec_parse(spec, &b->ref, &b->path, err) < 0)
		return -1;
	git_libgit2_init();
	if (open_repo(&rd.repo, err) < 0 || resolve_commit(&rd, b->ref, &c, err) < 0)
		goto out;
	git_oid_tostr(b->commit, sizeof(b->commit), git_commit_id(c));
	if (b->path) {
		if (buf_printf(&w, "git:%s:%s", b->ref, b->path) < 0)
			goto oom;
		b->where = buf_detach(&w, NULL);
		if (!b->where)
			goto oom;
		r = read_blob(c, b->path, &text, &n, err);
		if (r < 0)
			goto out;
		if (r == 1) {
			snprintf(b->reason, sizeof(b->reason),
				 "no baseline: %.100s has no %.100s at %.12s", b->ref, b->path,
				 b->commit);
			rc = 0;
			goto out;
		}
		if (baseline_parse_metrics(text, n, b->where, &b->metrics, err) < 0)
			goto out;
		sha256_buf(text, n, b->sha);
		if (o && o->want_predictions) {
			json_t *pj = json_object_get(b->metrics, "predictions");
			const char *rec = json_string_value(json_object_get(pj, "path"));

			if (rec) {
				const char *slash = strrchr(b->path, '/'), *base = strrchr(rec, '/');
				struct buf p;

				base = base ? base + 1 : rec;
				buf_init(&p);
				if ((slash && buf_add(&p, b->path, (size_t)(slash - b->path + 1)) < 0) ||
				    buf_addstr(&p, base) < 0) {
					buf_release(&p);
					goto oom;
				}
				r = read_blob(c, p.data, &b->pred, &b->npred, err);
				if (r == 0 && buf_printf(&w, "git:%s:%s", b->ref, p.data) == 0)
					b->pred_where = buf_detach(&w, NULL);
				buf_release(&p);
				if (r < 0)
					goto out;
			}
		}
	} else {
		r = ensure_notes(rd.repo, rd.remote, 0, &rd.fetched, err);
		if (r < 0)
			goto out;
		if (buf_printf(&w, "git:%s (note on %.12s)", b->ref, b->commit) < 0)
			goto oom;
		b->where = buf_detach(&w, NULL);
		if (!b->where)
			goto oom;
		if (r == 0) {
			snprintf(b->reason, sizeof(b->reason),
				 "no baseline: no %s here or on remote '%.100s' (nothing recorded yet: mlci-gate --record)",
				 BASELINE_NOTES_REF, rd.remote);
			rc = 0;
			goto out;
		}
		r = read_note(rd.repo, git_commit_id(c), &text, &n, err);
		if (r < 0)
			goto out;
		if (r == 1) {
			snprintf(b->reason, sizeof(b->reason),
				 "no baseline: %.100s (%.12s) has no note in %s", b->ref,
				 b->commit, BASELINE_NOTES_REF);
			rc = 0;
			goto out;
		}
		if (baseline_note_decode(text, n, b->where, o && o->want_predictions,
					 &b->metrics, &b->pred, &b->npred, &ppath, err) < 0)
			goto out;
		{
			/* the bytes mlci writes for this artifact: a metrics.json
			 * from mlci-evaluate hashes as it did on disk */
			char *dump = artifact_dumps(b->metrics);

			if (!dump)
				goto oom;
			sha256_buf(dump, strlen(dump), b->sha);
			free(dump);
		}
		if (b->pred) {
			const char *base = strrchr(ppath, '/');

			if (buf_printf(&w, "git:%s (note on %.12s):%s", b->ref, b->commit,
				       base ? base + 1 : ppath) < 0)
				goto oom;
			b->pred_where = buf_detach(&w, NULL);
			if (!b->pred_where)
				goto oom;
		}
	}
	b->found = 1;
	rc = 0;
	goto out;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	b->fetched = rd.fetched;
	free(text);
	free(ppath);
	buf_release(&w);
	git_commit_free(c);
	reader_close(&rd);
	git_libgit2_shutdown();
	if (rc < 0)
		baseline_git_free(b);
	return rc;
}

void baseline_git_free(struct baseline_git *b)
{
	free(b->ref);
	free(b->path);
	json_decref(b->metrics);
	free(b->where);
	free(b->pred);
	free(b->pred_where);
	memset(b, 0, sizeof(*b));
}

/* ---- note encoding ---- */

static int gzip_buf(const char *in, size_t n, unsigned char **out, size_t *nout)
{
	z_stream z;
	uLong cap = compressBound((uLong)n) + 64;
	int r;

	*out = malloc(cap);
	if (!*out)
		return -1;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(*out);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH);
	*nout = z.total_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(*out);
		return -1;
	}
	return 0;
}

/* gunzip exactly want bytes; -1 on a bad stream or another size. */
static int gunzip_buf(const unsigned char *in, size_t n, size_t want, char **out)
{
	z_stream z;
	int r;

	*out = malloc(want + 1);
	if (!*out)
		return -1;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		free(*out);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)*out;
	z.avail_out = (uInt)(want + 1);
	r = inflate(&z, Z_FINISH);
	if (r != Z_STREAM_END || z.total_out != want) {
		inflateEnd(&z);
		free(*out);
		*out = NULL;
		return -1;
	}
	inflateEnd(&z);
	(*out)[want] = '\0';
	return 0;
}

char *baseline_note_encode(const json_t *metrics, const char *pred_path,
			   const char *pred, size_t npred, struct mlci_err *err)
{
	json_t *note = json_object();
	char *text = NULL;

	if (!note)
		goto oom;
	json_object_set_new(note, "kind", json_string(BASELINE_NOTE_KIND));
	json_object_set_new(note, "schema_version", json_integer(BASELINE_NOTE_VERSION));
	json_object_set(note, "metrics", (json_t *)metrics);
	if (pred) {
		unsigned char *gz = NULL;
		char *b64;
		size_t ngz = 0;
		char sha[SHA256_HEX_LEN + 1];
		json_t *pj;

		if (npred > BASELINE_MAX_PREDICTIONS) {
			json_decref(note);
			err_set(err, MLCI_EXIT_DATAERR, pred_path,
				"predictions file of %zu bytes is too large for a note (at most %zu)",
				npred, BASELINE_MAX_PREDICTIONS);
			return NULL;
		}
		if (gzip_buf(pred, npred, &gz, &ngz) < 0)
			goto oom;
		b64 = malloc(4 * ((ngz + 2) / 3) + 1);
		if (!b64) {
			free(gz);
			goto oom;
		}
		EVP_EncodeBlock((unsigned char *)b64, gz, (int)ngz);
		free(gz);
		sha256_buf(pred, npred, sha);
		pj = json_pack("{s:s, s:s, s:I, s:s, s:s}", "path", pred_path ? pred_path : "predictions.csv",
			       "sha256", sha, "bytes", (json_int_t)npred,
			       "encoding", "gzip+base64", "data", b64);
		free(b64);
		if (!pj || json_object_set_new(note, "predictions", pj) < 0)
			goto oom;
	}
	text = artifact_dumps(note);
	json_decref(note);
	if (!text)
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	return text;
oom:
	json_decref(note);
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	return NULL;
}

int baseline_note_decode(const char *text, size_t n, const char *where,
			 int want_pred, json_t **metrics, char **pred,
			 size_t *npred, char **pred_path, struct mlci_err *err)
{
	json_error_t je;
	json_t *note, *m, *pj, *v;
	const char *k;
	char *dump;
	int rc;

	*metrics = NULL;
	if (pred)
		*pred = NULL, *npred = 0, *pred_path = NULL;
	note = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!note)
		return err_set_at(err, MLCI_EXIT_DATAERR, where, je.line, (je.column > 0 ? je.column : 1),
				  "invalid JSON in the note: %s", je.text);
	k = json_is_object(note) ? json_string_value(json_object_get(note, "kind")) : NULL;
	v = json_object_get(note, "schema_version");
	if (!k || strcmp(k, BASELINE_NOTE_KIND) || !json_is_integer(v) ||
	    json_integer_value(v) < 1 || json_integer_value(v) > BASELINE_NOTE_VERSION) {
		json_decref(note);
		return err_set(err, MLCI_EXIT_DATAERR, where,
			       "the note is not an %s of version %d (record it with mlci-gate --record)",
			       BASELINE_NOTE_KIND, BASELINE_NOTE_VERSION);
	}
	m = json_object_get(note, "metrics");
	/* check the metrics as if they were read from a file */
	dump = m ? json_dumps(m, JSON_SORT_KEYS) : NULL;
	if (!dump) {
		json_decref(note);
		return err_set(err, MLCI_EXIT_DATAERR, where, "the note has no metrics");
	}
	rc = baseline_parse_metrics(dump, strlen(dump), where, metrics, err);
	free(dump);
	if (rc < 0) {
		json_decref(note);
		return -1;
	}
	pj = json_object_get(note, "predictions");
	if (want_pred && pred && pj) {
		const char *enc = json_string_value(json_object_get(pj, "encoding"));
		const char *data = json_string_value(json_object_get(pj, "data"));
		const char *sha = json_string_value(json_object_get(pj, "sha256"));
		const char *pp = json_string_value(json_object_get(pj, "path"));
		json_t *bj = json_object_get(pj, "bytes");
		size_t len = data ? strlen(data) : 0, want = 0;
		unsigned char *gz = NULL;
		char got[SHA256_HEX_LEN + 1];
		int ngz;

		if (!enc || strcmp(enc, "gzip+base64") || !data || !sha || !pp ||
		    !json_is_integer(bj) || json_integer_value(bj) < 0 ||
		    (size_t)json_integer_value(bj) > BASELINE_MAX_PREDICTIONS || len % 4 ||
		    len > (size_t)INT_MAX) {
			err_set(err, MLCI_EXIT_DATAERR, where,
				"the note's predictions are malformed (expected {path, sha256, bytes, encoding \"gzip+base64\", data})");
			goto fail;
		}
		want = (size_t)json_integer_value(bj);
		gz = malloc(len / 4 * 3 + 1);
		if (!gz) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto fail;
		}
		ngz = EVP_DecodeBlock(gz, (const unsigned char *)data, (int)len);
		rc = ngz < 0 ? -1 : gunzip_buf(gz, (size_t)ngz, want, pred);
		free(gz);
		if (rc < 0) {
			err_set(err, MLCI_EXIT_DATAERR, where,
				"the note's predictions do not decode (gzip+base64 of %zu bytes)", want);
			goto fail;
		}
		*npred = want;
		sha256_buf(*pred, *npred, got);
		if (strcmp(got, sha)) {
			err_set(err, MLCI_EXIT_DATAERR, where,
				"the note's predictions do not match their sha256");
			goto fail;
		}
		*pred_path = strdup(pp);
		if (!*pred_path) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto fail;
		}
	}
	json_decref(note);
	return 0;
fail:
	if (pred) {
		free(*pred);
		*pred = NULL;
		*npred = 0;
	}
	json_decref(note);
	json_decref(*metrics);
	*metrics = NULL;
	return -1;
}

/* ---- recording ---- */

int baseline_record(const struct baseline_record_opts *o,
		    struct baseline_record_result *res, struct mlci_err *err)
{
	git_repository *repo = NULL;
	git_commit *commit = NULL;
	git_signature *sig = NULL;
	git_oid note_oid;
	json_t *art = NULL;
	char *mtext = NULL, *ptext = NULL, *ppath = NULL, *note = NULL, *old = NULL;
	const char *rec = NULL;
	size_t mn = 0, pn = 0, on = 0;
	char m[256];
	int rc = -1, r;

	memset(res, 0, sizeof(*res));
	if (read_file(o->metrics, &mtext, &mn, 0, err) < 0)
		return -1;
	if (baseline_parse_metrics(mtext, mn, o->metrics, &art, err) < 0)
		goto out0;
	{
		json_t *pj = json_object_get(art, "predictions");
		const char *sha = json_string_value(json_object_get(pj, "sha256"));

		rec = json_string_value(json_object_get(pj, "path"));
		if (o->predictions) {
			ppath = strdup(o->predictions);
		} else if (rec) {
			const char *slash = strrchr(o->metrics, '/'), *base = strrchr(rec, '/');
			struct buf b;

			base = base ? base + 1 : rec;
			buf_init(&b);
			if (slash)
				buf_add(&b, o->metrics, (size_t)(slash - o->metrics + 1));
			buf_addstr(&b, base);
			ppath = buf_detach(&b, NULL);
		}
		if ((o->predictions || rec) && !ppath) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto out0;
		}
		if (ppath) {
			char got[SHA256_HEX_LEN + 1];

			if (read_file(ppath, &ptext, &pn, BASELINE_MAX_PREDICTIONS, err) < 0)
				goto out0;
			sha256_buf(ptext, pn, got);
			if (sha && strcmp(got, sha)) {
				err_set(err, MLCI_EXIT_DATAERR, ppath,
					"not the predictions %s was computed from (its sha256 differs from the one recorded there)",
					o->metrics);
				goto out0;
			}
		}
	}
	note = baseline_note_encode(art, rec ? rec : ppath, ptext, pn, err);
	if (!note)
		goto out0;
	res->bytes = strlen(note);
	res->with_predictions = ptext != NULL;
	git_libgit2_init();
	if (open_repo(&repo, err) < 0)
		goto out;
	if (lookup_commit(repo, o->ref ? o->ref : "HEAD", &commit) != 0) {
		err_set(err, MLCI_EXIT_NOINPUT, NULL, "--record-ref '%.200s' does not name a commit here",
			o->ref ? o->ref : "HEAD");
		goto out;
	}
	git_oid_tostr(res->commit, sizeof(res->commit), git_commit_id(commit));
	if (ensure_notes(repo, o->remote ? o->remote : BASELINE_DEFAULT_REMOTE, 1, NULL, err) < 0)
		goto out;
	r = read_note(repo, git_commit_id(commit), &old, &on, err);
	if (r < 0)
		goto out;
	if (r == 0) {
		res->replaced = 1;
		if (!strcmp(old, note)) {
			res->unchanged = 1;
			rc = 0;
			goto out;
		}
	}
	if (git_signature_default(&sig, repo) != 0 &&
	    git_signature_now(&sig, "mlci", "mlci@localhost") != 0) {
		git_msg(m, sizeof(m));
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "cannot make a signature: %s", m);
		goto out;
	}
	if (git_note_create(&note_oid, repo, BASELINE_NOTES_REF, sig, sig,
			    git_commit_id(commit), note, 1) != 0) {
		git_msg(m, sizeof(m));
		err_set(err, MLCI_EXIT_CANTCREAT, NULL, "cannot write the note in %s: %s",
			BASELINE_NOTES_REF, m);
		goto out;
	}
	rc = 0;
out:
	git_signature_free(sig);
	git_commit_free(commit);
	git_repository_free(repo);
	git_libgit2_shutdown();
out0:
	json_decref(art);
	free(mtext), free(ptext), free(ppath), free(note), free(old);
	return rc;
}

/* ---- bands ---- */

int baseline_band(const double *v, size_t n, struct baseline_band *out)
{
	double mean = 0, m2 = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n < 2)
		return 1;
	out->low = out->high = v[0];
	/* two passes: the mean, then the squared deviations from it */
	for (i = 0; i < n; i++) {
		mean += v[i];
		if (v[i] < out->low)
			out->low = v[i];
		if (v[i] > out->high)
			out->high = v[i];
	}
	mean /= (double)n;
	for (i = 0; i < n; i++)
		m2 += (v[i] - mean) * (v[i] - mean);
	out->mean = mean;
	out->sd = sqrt(m2 / (double)(n - 1));
	return 0;
}

const char *baseline_band_position(const struct baseline_band *b, double value)
{
	if (!rule_compare(RULE_GE, value, b->low))
		return "below";
	if (!rule_compare(RULE_LE, value, b->high))
		return "above";
	return "within";
}

/* REF's whole history into a temporary repository (rd->tmp). */
static int deepen(struct reader *rd, const char *ref, struct mlci_err *err)
{
	struct remote_ctx rc;
	char src[600], dst[600], url[2048];

	if (remote_open(&rc, rd->repo, rd->remote, err) < 0)
		return -1;
	if (remote_names(&rc, ref, src, dst, sizeof(src)) < 0) {
		remote_close(&rc);
		return err_set(err, MLCI_EXIT_NOINPUT, NULL, "no %s on the remote", ref);
	}
	snprintf(url, sizeof(url), "%s", rc.url);
	remote_close(&rc);
	if (tmp_repo(rd->tmpdir, sizeof(rd->tmpdir), &rd->tmp, err) < 0)
		return -1;
	return fetch_into(rd->tmp, url, src, "refs/mlci/baseline", rd->remote, err);
}

int baseline_history_load(const char *ref, size_t want,
			  const struct baseline_git_opts *o,
			  struct baseline_history *h, struct mlci_err *err)
{
	struct reader rd;
	git_commit *c = NULL;
	int rc = -1, r;

	memset(h, 0, sizeof(*h));
	memset(&rd, 0, sizeof(rd));
	rd.remote = o && o->remote ? o->remote : BASELINE_DEFAULT_REMOTE;
	h->ref = strdup(ref);
	h->notes = json_array();
	if (!h->ref || !h->notes) {
		baseline_history_free(h);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	git_libgit2_init();
	if (open_repo(&rd.repo, err) < 0 || resolve_commit(&rd, ref, &c, err) < 0)
		goto out;
	git_oid_tostr(h->commit, sizeof(h->commit), git_commit_id(c));
	r = ensure_notes(rd.repo, rd.remote, 0, &rd.fetched, err);
	if (r < 0)
		goto out;
	while (r == 1 && c && json_array_size(h->notes) < want &&
	       h->walked < BASELINE_HISTORY_WALK) {
		char *text = NULL, oid[41], where[128];
		size_t n;
		json_t *m = NULL;
		git_commit *parent = NULL;
		int nr;

		h->walked++;
		git_oid_tostr(oid, sizeof(oid), git_commit_id(c));
		nr = read_note(rd.repo, git_commit_id(c), &text, &n, err);
		if (nr < 0)
			goto out;
		if (nr == 0) {
			snprintf(where, sizeof(where), "%s (note on %.12s)", BASELINE_NOTES_REF, oid);
			if (baseline_note_decode(text, n, where, 0, &m, NULL, NULL, NULL, err) < 0) {
				free(text);
				goto out;
			}
			free(text);
			if (json_array_append_new(h->notes, json_pack("{s:s, s:o}", "commit", oid,
								     "metrics", m)) < 0) {
				err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
				goto out;
			}
		}
		if (git_commit_parentcount(c) == 0)
			break;
		if (git_commit_parent(&parent, c, 0) != 0) {
			/* a shallow clone's boundary: the rest of the history
			 * from the remote, once, else the walk ends here */
			const git_oid *pid = git_commit_parent_id(c, 0);

			if (rd.tmp || !pid || deepen(&rd, ref, err) < 0 ||
			    commit_of(rd.tmp, pid, &parent) != 0) {
				err_clear(err);
				h->truncated = 1;
				break;
			}
			rd.fetched = 1;
		}
		git_commit_free(c);
		c = parent;
	}
	rc = 0;
out:
	git_commit_free(c);
	reader_close(&rd);
	git_libgit2_shutdown();
	if (rc < 0)
		baseline_history_free(h);
	return rc;
}

void baseline_history_free(struct baseline_history *h)
{
	free(h->ref);
	json_decref(h->notes);
	memset(h, 0, sizeof(*h));
}
