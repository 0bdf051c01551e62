#include "artifact.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "gitinfo.h"
#include "io.h"
#include "util.h"

/* Artifacts are small; anything bigger than this is not one of ours. */

int artifact_time(char out[32], long long *epoch, struct mlci_err *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t;
	struct tm tm;

	if (sde && *sde) {
		long v;

		if (parse_long(sde, &v) < 0 || v < 0)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "SOURCE_DATE_EPOCH must be a non-negative integer, found '%s'",
				       sde);
		t = (time_t)v;
	} else {
		t = time(NULL);
	}
	if (!gmtime_r(&t, &tm))
		return err_set(err, MLCI_EXIT_USAGE, NULL, "time out of range");
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (epoch)
		*epoch = (long long)t;
	return 0;
}

json_t *artifact_new(const char *kind, int schema_version,
		     const char *producer, struct mlci_err *err)
{
	char when[32];
	json_t *art, *prod, *git;

	if (artifact_time(when, NULL, err) < 0)
		return NULL;
	art = json_object();
	prod = json_object();
	if (!art || !prod) {
		json_decref(art);
		json_decref(prod);
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		return NULL;
	}
	json_object_set_new(prod, "name", json_string(producer));
	json_object_set_new(prod, "version", json_string(MLCI_VERSION));
	json_object_set_new(art, "kind", json_string(kind));
	json_object_set_new(art, "schema_version", json_integer(schema_version));
	json_object_set_new(art, "producer", prod);
	json_object_set_new(art, "created", json_string(when));
	json_object_set_new(art, "inputs", json_array());
	git = gitinfo_describe(".");
	if (git)
		json_object_set_new(art, "git", git);
	return art;
}

int artifact_add_input(json_t *art, const char *role, const char *path,
		       const char *sha256)
{
	json_t *inputs = json_object_get(art, "inputs");
	json_t *in = json_object();

	if (!json_is_array(inputs) || !in) {
		json_decref(in);
		return -1;
	}
	json_object_set_new(in, "role", json_string(role));
	json_object_set_new(in, "path", json_string(path));
	json_object_set_new(in, "sha256", json_string(sha256));
	return json_array_append_new(inputs, in);
}

int artifact_add_input_file(json_t *art, const char *role, const char *path,
			    struct mlci_err *err)
{
	char sha[SHA256_HEX_LEN + 1];

	if (sha256_file(path, sha, err) < 0)
		return -1;
	if (artifact_add_input(art, role, path, sha) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	return 0;
}

const char *artifact_input_sha(const json_t *art, const char *role)
{
	json_t *inputs = json_object_get(art, "inputs"), *in;
	size_t i;

	json_array_foreach(inputs, i, in) {
		const char *r = json_string_value(json_object_get(in, "role"));

		if (r && !strcmp(r, role))
			return json_string_value(json_object_get(in, "sha256"));
	}
	return NULL;
}

/*
 * The artifact writer. jansson's own dump prints reals with %.17g, so 0.85
 * becomes 0.84999999999999998; artifacts are read by people and diffed in
 * merge requests, so reals are written in the shortest form that reads
 * back to the same double (with ".0" kept on whole numbers so they stay
 * reals), keys sorted bytewise, two-space indent.
 */
static int dump_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (buf_addch(b, '"') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			if (buf_addch(b, '\\') < 0 || buf_addch(b, (char)c) < 0)
				return -1;
		} else if (c == '\n') {
			if (buf_addstr(b, "\\n") < 0)
				return -1;
		} else if (c == '\t') {
			if (buf_addstr(b, "\\t") < 0)
				return -1;
		} else if (c == '\r') {
			if (buf_addstr(b, "\\r") < 0)
				return -1;
		} else if (c < 0x20 || c == 0x7f) {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

			if (buf_addstr(b, u) < 0)
				return -1;
		} else if (buf_addch(b, (char)c) < 0) {
			return -1;
		}
	}
	return buf_addch(b, '"');
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int dump_indent(struct buf *b, int depth)
{
	if (buf_addch(b, '\n') < 0)
		return -1;
	while (depth-- > 0)
		if (buf_addstr(b, "  ") < 0)
			return -1;
	return 0;
}

/* A lazy array (artifact_lazy_array): an object of these three keys,
 * which no real key can be (dump_string escapes control characters). */
#define LAZY_N "\001n"
#define LAZY_GEN "\001gen"
#define LAZY_CTX "\001ctx"
/* Past this many bytes, a dump going to a file is written out. */
#define DUMP_FLUSH ((size_t)1 << 20)

typedef json_t *(*lazy_gen)(void *ctx, size_t i);

json_t *artifact_lazy_array(size_t n, json_t *(*gen)(void *ctx, size_t i),
			    void *ctx)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, LAZY_N, json_integer((json_int_t)n)) < 0 ||
	    json_object_set_new(o, LAZY_GEN,
				json_integer((json_int_t)(intptr_t)gen)) < 0 ||
	    json_object_set_new(o, LAZY_CTX,
				json_integer((json_int_t)(intptr_t)ctx)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Write out what b holds to fp (NULL: keep it all). */
static int dump_flush(struct buf *b, FILE *fp)
{
	if (!fp || b->len < DUMP_FLUSH)
		return 0;
	if (fwrite(b->data, 1, b->len, fp) != b->len)
		return -1;
	b->len = 0;
	return 0;
}

static int dump_value(struct buf *b, FILE *fp, const json_t *v, int depth);

/* A lazy array's elements, each made, dumped and let go in turn. */
static int dump_lazy(struct buf *b, FILE *fp, const json_t *v, int depth)
{
	size_t n = (size_t)json_integer_value(json_object_get(v, LAZY_N)), i;
	lazy_gen gen = (lazy_gen)(intptr_t)
		json_integer_value(json_object_get(v, LAZY_GEN));
	void *ctx = (void *)(intptr_t)
		json_integer_value(json_object_get(v, LAZY_CTX));

	if (!n)
		return buf_addstr(b, "[]");
	if (buf_addch(b, '[') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		json_t *x = gen(ctx, i);
		int rc = !x || (i && buf_addch(b, ',') < 0) ||
			dump_indent(b, depth + 1) < 0 ||
			dump_value(b, fp, x, depth + 1) < 0 ||
			dump_flush(b, fp) < 0;

		json_decref(x);
		if (rc)
			return -1;
	}
	if (dump_indent(b, depth) < 0)
		return -1;
	return buf_addch(b, ']');
}

static int dump_value(struct buf *b, FILE *fp, const json_t *v, int depth)
{
	char num[40];
	size_t i, n;

	if (depth > 512)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char **keys;
		const char *k;
		json_t *x;

		if (json_object_get(v, LAZY_GEN))
			return dump_lazy(b, fp, v, depth);
		n = json_object_size(v);
		if (!n)
			return buf_addstr(b, "{}");
		keys = malloc(n * sizeof(*keys));
		if (!keys)
			return -1;
		i = 0;
		json_object_foreach((json_t *)v, k, x)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), key_cmp);
		if (buf_addch(b, '{') < 0)
			goto obj_fail;
		for (i = 0; i < n; i++) {
			if ((i && buf_addch(b, ',') < 0) || dump_indent(b, depth + 1) < 0 ||
			    dump_string(b, keys[i], strlen(keys[i])) < 0 ||
			    buf_addstr(b, ": ") < 0 ||
			    dump_value(b, fp, json_object_get(v, keys[i]), depth + 1) < 0 ||
			    dump_flush(b, fp) < 0)
				goto obj_fail;
		}
		free(keys);
		if (dump_indent(b, depth) < 0)
			return -1;
		return buf_addch(b, '}');
obj_fail:
		free(keys);
		return -1;
	}
	case JSON_ARRAY:
		n = json_array_size(v);
		if (!n)
			return buf_addstr(b, "[]");
		if (buf_addch(b, '[') < 0)
			return -1;
		for (i = 0; i < n; i++)
			if ((i && buf_addch(b, ',') < 0) || dump_indent(b, depth + 1) < 0 ||
			    dump_value(b, fp, json_array_get(v, i), depth + 1) < 0 ||
			    dump_flush(b, fp) < 0)
				return -1;
		if (dump_indent(b, depth) < 0)
			return -1;
		return buf_addch(b, ']');
	case JSON_STRING:
		return dump_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		fmt_double(num, sizeof(num), json_real_value(v));
		if (!strpbrk(num, ".eE"))
			return buf_printf(b, "%s.0", num);
		return buf_addstr(b, num);
	case JSON_TRUE:
		return buf_addstr(b, "true");
	case JSON_FALSE:
		return buf_addstr(b, "false");
	case JSON_NULL:
		return buf_addstr(b, "null");
	}
	return -1;
}

char *artifact_dumps(const json_t *art)
{
	struct buf b;

	buf_init(&b);
	if (dump_value(&b, NULL, art, 0) < 0 || buf_addch(&b, '\n') < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int artifact_write(const char *path, const json_t *art, struct mlci_err *err)
{
	struct afile f;
	struct buf b;
	int bad;

	if (afile_open(&f, path, err) < 0)
		return -1;
	buf_init(&b);
	/* written as it is serialised: a megabyte at a time */
	errno = 0;
	bad = dump_value(&b, f.fp, art, 0) < 0 || buf_addch(&b, '\n') < 0;
	if (!bad && b.len && fwrite(b.data, 1, b.len, f.fp) != b.len)
		bad = 1;
	buf_release(&b);
	if (bad) {
		int io = ferror(f.fp), e = errno;

		afile_abort(&f);
		if (!io)
			return err_set(err, MLCI_EXIT_SOFTWARE, path,
				       "cannot serialise");
		return e ? err_set(err, MLCI_EXIT_IOERR, path,
				   "cannot write: %s", strerror(e)) :
			err_set(err, MLCI_EXIT_IOERR, path, "cannot write");
	}
	return afile_commit(&f, err);
}

int json_load_path(const char *path, json_t **out, struct mlci_err *err)
{
	json_error_t je;
	char *text;
	size_t n;

	*out = NULL;
	if (read_file(path, &text, &n, ARTIFACT_MAX_BYTES, err) < 0)
		return -1;
	*out = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!*out)
		return err_set_at(err, MLCI_EXIT_DATAERR, path, je.line,
				  (je.column > 0 ? je.column : 1), "invalid JSON: %s", je.text);
	return 0;
}

/* ---- an array's elements found in the text (artifact.h) ---- */

/* Past a JSON string opening at t[i] ('"'): the index after its close,
 * or n when it does not close. */
static size_t skip_string(const char *t, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (t[i] == '\\')
			i++;
		else if (t[i] == '"')
			return i + 1;
	}
	return n;
}

static size_t skip_ws(const char *t, size_t n, size_t i)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' ||
			 t[i] == '\r'))
		i++;
	return i;
}

/* Past the JSON value starting at t[i] (brackets and strings matched,
 * nothing else checked): its end, or n. */
static size_t skip_value(const char *t, size_t n, size_t i)
{
	size_t depth = 0;

	while (i < n) {
		char c = t[i];

		if (c == '"') {
			i = skip_string(t, n, i);
			if (!depth)
				return i;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return i;	/* the end of the container holding it */
			if (!--depth)
				return i + 1;
		} else if (!depth && (c == ',' || c == ' ' || c == '\n' ||
				      c == '\t' || c == '\r')) {
			return i;
		}
		i++;
	}
	return n;
}

/* In the object at t[i] ('{'), the value of key k: its start, or n. */
static size_t member(const char *t, size_t n, size_t i, const char *k)
{
	size_t kl = strlen(k);

	i = skip_ws(t, n, i + 1);
	while (i < n && t[i] == '"') {
		size_t ke = skip_string(t, n, i);
		int hit = ke - i == kl + 2 && !memcmp(t + i + 1, k, kl);

		i = skip_ws(t, n, ke);
		if (i >= n || t[i] != ':')
			return n;
		i = skip_ws(t, n, i + 1);
		if (hit)
			return i;
		i = skip_ws(t, n, skip_value(t, n, i));
		if (i >= n || t[i] != ',')
			return n;
		i = skip_ws(t, n, i + 1);
	}
	return n;
}

int json_array_spans(const char *text, size_t n, const char *k1,
		     const char *k2, struct json_span *arr,
		     struct json_span **elems, size_t *nelems)
{
	struct json_span *e = NULL;
	size_t i = skip_ws(text, n, 0), cap = 0, ne = 0;

	*elems = NULL;
	*nelems = 0;
	if (i >= n || text[i] != '{' ||
	    (i = member(text, n, i, k1)) >= n || text[i] != '{' ||
	    (i = member(text, n, i, k2)) >= n || text[i] != '[')
		return -1;
	arr->off = i;
	i = skip_ws(text, n, i + 1);
	while (i < n && text[i] != ']') {
		size_t end = skip_value(text, n, i);

		if (end >= n || end == i)
			goto fail;
		if (ne == cap) {
			struct json_span *x;

			cap = cap ? cap * 2 : 64;
			if (!(x = realloc(e, cap * sizeof(*e))))
				goto fail;
			e = x;
		}
		e[ne].off = i;
		e[ne++].len = end - i;
		i = skip_ws(text, n, end);
		if (i < n && text[i] == ',')
			i = skip_ws(text, n, i + 1);
		else if (i >= n || text[i] != ']')
			goto fail;
	}
	if (i >= n)
		goto fail;
	arr->len = i + 1 - arr->off;
	*elems = e;
	*nelems = ne;
	return 0;
fail:
	free(e);
	return -1;
}

char *json_blank_span(const char *text, size_t n, const struct json_span *sp,
		      size_t *outlen)
{
	size_t i, nl = 0, last = sp->off, k = 0, tail;
	char *o;

	for (i = sp->off; i < sp->off + sp->len; i++)
		if (text[i] == '\n')
			nl++, last = i;
	/* the closing bracket's column: spaces from its line's start (or
	 * from the opening bracket on the same line) */
	tail = sp->off + sp->len - 1 - last - (nl ? 1 : 0);
	if (!nl)
		tail = sp->len - 2;
	o = malloc(sp->off + 2 + nl + tail + (n - sp->off - sp->len) + 1);
	if (!o)
		return NULL;
	memcpy(o, text, sp->off);
	k = sp->off;
	o[k++] = '[';
	memset(o + k, '\n', nl);
	k += nl;
	memset(o + k, ' ', tail);
	k += tail;
	o[k++] = ']';
	memcpy(o + k, text + sp->off + sp->len, n - sp->off - sp->len);
	k += n - sp->off - sp->len;
	o[k] = '\0';
	*outlen = k;
	return o;
}

int artifact_check(const json_t *j, const char *path, const char *kind,
		   int max_version, struct mlci_err *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(j))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "not an mlci artifact (expected a JSON object)");
	k = json_string_value(json_object_get(j, "kind"));
	if (!k || strcmp(k, kind))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "expected an artifact of kind '%s', found %s%s%s", kind,
			       k ? "'" : "", k ? k : "none", k ? "'" : "");
	v = json_object_get(j, "schema_version");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > max_version) {
		if (json_is_integer(v))
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "%s schema_version %lld is not supported (this mlci reads up to %d)",
				       kind, (long long)json_integer_value(v), max_version);
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "schema_version missing or not an integer");
	}
	return 0;
}

int artifact_load(const char *path, const char *kind, int max_version,
		  json_t **out, char sha[SHA256_HEX_LEN + 1],
		  struct mlci_err *err)
{
	json_t *j;

	*out = NULL;
	if (json_load_path(path, &j, err) < 0)
		return -1;
	if (artifact_check(j, path, kind, max_version, err) < 0) {
		json_decref(j);
		return -1;
	}
	if (sha && sha256_file(path, sha, err) < 0) {
		json_decref(j);
		return -1;
	}
	*out = j;
	return 0;
}

static json_t *get_typed(const json_t *obj, const char *key, const char *what,
			 int ok, const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || !ok)
		err_set(err, MLCI_EXIT_DATAERR, file, "field '%s' %s", key,
			v ? what : "is missing");
	return v && ok ? v : NULL;
}

int json_get_str(const json_t *obj, const char *key, const char **out,
		 const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not a string", json_is_string(v), file, err))
		return -1;
	*out = json_string_value(v);
	return 0;
}

int json_get_num(const json_t *obj, const char *key, double *out,
		 const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not a number", json_is_number(v), file, err))
		return -1;
	*out = json_number_value(v);
	return 0;
}

int json_get_int(const json_t *obj, const char *key, long *out,
		 const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not an integer", json_is_integer(v), file, err))
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

int json_get_array(const json_t *obj, const char *key, json_t **out,
		   const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not an array", json_is_array(v), file, err))
		return -1;
	*out = v;
	return 0;
}

int json_get_object(const json_t *obj, const char *key, json_t **out,
		    const char *file, struct mlci_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!get_typed(obj, key, "is not an object", json_is_object(v), file, err))
		return -1;
	*out = v;
	return 0;
}
