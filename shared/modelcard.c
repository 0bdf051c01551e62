#include "modelcard.h"

#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "io.h"

#define CARD_CONFIG_MAX ((size_t)1 << 20)

static const char *const config_keys[] = {
	"intended_use", "limitations", "owners", "license",
};

static char **config_slot(struct modelcard_config *c, const char *key,
			  size_t len)
{
	char **slots[] = { &c->intended_use, &c->limitations, &c->owners, &c->license };
	size_t i;

	for (i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++)
		if (strlen(config_keys[i]) == len && !strncmp(config_keys[i], key, len))
			return slots[i];
	return NULL;
}

void modelcard_config_release(struct modelcard_config *c)
{
	free(c->intended_use);
	free(c->limitations);
	free(c->owners);
	free(c->license);
	memset(c, 0, sizeof(*c));
}

static int config_json(const char *path, const char *text, size_t n,
		       struct modelcard_config *c, struct mlci_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je), *v;
	const char *k;
	int rc = -1;

	if (!j)
		return err_set_at(err, MLCI_EXIT_DATAERR, path, je.line, (je.column > 0 ? je.column : 1),
				  "invalid JSON: %s", je.text);
	if (!json_is_object(j)) {
		err_set(err, MLCI_EXIT_DATAERR, path, "a card config is a JSON object");
		goto done;
	}
	json_object_foreach(j, k, v) {
		char **slot = config_slot(c, k, strlen(k));
		struct buf b;
		size_t i;
		json_t *o;

		if (!slot) {
			err_set(err, MLCI_EXIT_DATAERR, path,
				"unknown key '%s' (known: intended_use, limitations, owners, license)", k);
			goto done;
		}
		buf_init(&b);
		if (json_is_string(v)) {
			buf_addstr(&b, json_string_value(v));
		} else if (json_is_array(v) && !strcmp(k, "owners")) {
			json_array_foreach(v, i, o) {
				if (!json_is_string(o)) {
					buf_release(&b);
					err_set(err, MLCI_EXIT_DATAERR, path,
						"owners[%zu] is not a string", i);
					goto done;
				}
				if ((i && buf_addch(&b, '\n') < 0) ||
				    buf_addstr(&b, json_string_value(o)) < 0)
					break;
			}
		} else {
			buf_release(&b);
			err_set(err, MLCI_EXIT_DATAERR, path, "'%s' must be a string%s", k,
				strcmp(k, "owners") ? "" : " or an array of strings");
			goto done;
		}
		*slot = buf_detach(&b, NULL);
	}
	rc = 0;
done:
	json_decref(j);
	return rc;
}

/* key: value lines; indented lines continue the value before. */
static int config_lines(const char *path, const char *text,
			struct modelcard_config *c, struct mlci_err *err)
{
	const char *p = text;
	char **cur = NULL;
	long line = 0;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *colon;
		struct buf b;

		line++;
		if (len && p[len - 1] == '\r')
			len--;
		if (len && (p[0] == ' ' || p[0] == '\t') && cur) {
			size_t skip = strspn(p, " \t");

			if (skip < len) {
				buf_init(&b);
				if (buf_addstr(&b, *cur) < 0 || buf_addch(&b, '\n') < 0 ||
				    buf_add(&b, p + skip, len - skip) < 0) {
					buf_release(&b);
					return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
				}
				free(*cur);
				*cur = buf_detach(&b, NULL);
			}
		} else if (len && p[0] != '#' && strspn(p, " \t") < len) {
			char **slot;
			size_t vs;

			colon = memchr(p, ':', len);
			if (!colon)
				return err_set_at(err, MLCI_EXIT_DATAERR, path, line, 1,
						  "expected 'key: value'");
			slot = config_slot(c, p, (size_t)(colon - p));
			if (!slot)
				return err_set_at(err, MLCI_EXIT_DATAERR, path, line, 1,
						  "unknown key '%.*s' (known: intended_use, limitations, owners, license)",
						  (int)(colon - p > 64 ? 64 : colon - p), p);
			if (*slot)
				return err_set_at(err, MLCI_EXIT_DATAERR, path, line, 1,
						  "'%.*s' is given twice", (int)(colon - p), p);
			vs = (size_t)(colon - p) + 1;
			vs += strspn(p + vs, " \t");
			if (vs > len)
				vs = len;
			if (!(*slot = strndup(p + vs, len - vs)))
				return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			if (slot == &c->owners) {
				/* owners: a, b  ->  one per line */
				char *o;

				for (o = *slot; *o; o++)
					if (*o == ',')
						*o = '\n';
			}
			cur = slot;
		}
		p += e ? (size_t)(e - p) + 1 : len;
		if (!e)
			break;
	}
	return 0;
}

/* Trim blanks around every line of an owners list. */
static void tidy_owners(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		char *e;

		r += strspn(r, " \t");
		e = strchr(r, '\n');
		if (!e)
			e = r + strlen(r);
		while (e > r && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > r) {
			if (w != s)
				*w++ = '\n';
			memmove(w, r, (size_t)(e - r));
			w += e - r;
		}
		r = e + strspn(e, " \t");
		if (*r == '\n')
			r++;
	}
	*w = '\0';
}

int modelcard_config_load(const char *path, struct modelcard_config *c,
			  struct mlci_err *err)
{
	char *text;
	size_t n;
	int rc;

	memset(c, 0, sizeof(*c));
	if (read_file(path, &text, &n, CARD_CONFIG_MAX, err) < 0)
		return -1;
	if (strlen(text) != n || !utf8_valid(text)) {
		free(text);
		return err_set(err, MLCI_EXIT_DATAERR, path, "not UTF-8 text");
	}
	if (text[strspn(text, " \t\r\n")] == '{')
		rc = config_json(path, text, n, c, err);
	else
		rc = config_lines(path, text, c, err);
	free(text);
	if (rc == 0 && c->owners)
		tidy_owners(c->owners);
	if (rc < 0)
		modelcard_config_release(c);
	return rc;
}

/* ---- rendering ------------------------------------------------------ */

/* A table cell or inline text: '|' escaped, line breaks as spaces. */
static void cell(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_addstr(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			buf_addch(b, ' ');
		else
			buf_addch(b, *s);
	}
}

static void value(struct buf *b, const json_t *v)
{
	char num[40];

	switch (json_typeof(v)) {
	case JSON_STRING:
		cell(b, json_string_value(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		fmt_double(num, sizeof(num), json_real_value(v));
		buf_addstr(b, num);
		break;
	case JSON_TRUE:
		buf_addstr(b, "true");
		break;
	case JSON_FALSE:
		buf_addstr(b, "false");
		break;
	default:
		buf_addstr(b, "n/a");
		break;
	}
}

/* As value, a real to 4 significant digits (the exact figures are in
 * metrics.json and gate.json). */
static void value4(struct buf *b, const json_t *v)
{
	if (json_is_real(v))
		buf_printf(b, "%.4g", json_real_value(v));
	else
		value(b, v);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* obj's keys, sorted (caller frees the array, not the keys). */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
	const char **k, *key;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	k = malloc((*n ? *n : 1) * sizeof(*k));
	if (!k)
		return NULL;
	json_object_foreach((json_t *)obj, key, v)
		k[i++] = key;
	qsort(k, *n, sizeof(*k), key_cmp);
	return k;
}

static void list(struct buf *b, const json_t *arr, size_t max)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		if (i == max) {
			buf_printf(b, ", ... (%zu in all)", json_array_size(arr));
			break;
		}
		if (i)
			buf_addstr(b, ", ");
		buf_addch(b, '`');
		value(b, v);
		buf_addch(b, '`');
	}
}

static void text_section(struct buf *b, const char *title, const char *text,
			 int as_list)
{
	buf_printf(b, "\n## %s\n\n", title);
	if (!text || !*text) {
		buf_addstr(b, "Not stated.\n");
		return;
	}
	if (as_list) {
		const char *p = text;

		while (*p) {
			size_t len = strcspn(p, "\n");

			buf_addstr(b, "- ");
			buf_add(b, p, len);
			buf_addch(b, '\n');
			p += len;
			if (*p)
				p++;
		}
		return;
	}
	buf_addstr(b, text);
	if (text[strlen(text) - 1] != '\n')
		buf_addch(b, '\n');
}

static void model_section(struct buf *b, const json_t *model)
{
	const json_t *m = json_object_get(model, "model");
	const json_t *params = json_object_get(m, "params");
	const json_t *classes = json_object_get(model, "classes");
	const json_t *feats = json_object_get(model, "features");
	const char **keys;
	size_t n, i;

	buf_addstr(b, "\n## Model\n\n");
	buf_addstr(b, "- Type: ");
	value(b, json_object_get(m, "type"));
	buf_addstr(b, "\n- Task: ");
	value(b, json_object_get(model, "task"));
	buf_addstr(b, "\n- Label: `");
	value(b, json_object_get(model, "label"));
	buf_addstr(b, "`\n");
	if (json_is_array(classes)) {
		buf_printf(b, "- Classes (%zu): ", json_array_size(classes));
		list(b, classes, 20);
		buf_addch(b, '\n');
	}
	buf_printf(b, "- Features (%zu): ", json_array_size(feats));
	list(b, feats, 30);
	buf_addch(b, '\n');
	if (json_is_object(params) && (keys = sorted_keys(params, &n)) != NULL) {
		buf_addstr(b, "- Parameters:");
		if (!n)
			buf_addstr(b, " defaults");
		for (i = 0; i < n; i++) {
			buf_printf(b, "%s `%s` = ", i ? "," : "", keys[i]);
			value(b, json_object_get(params, keys[i]));
		}
		buf_addch(b, '\n');
		free(keys);
	}
}

static void data_section(struct buf *b, const json_t *dr)
{
	const json_t *cols = json_object_get(dr, "columns"), *c, *an;
	size_t i, nerr = 0, nwarn = 0, ninfo = 0;

	buf_addstr(b, "\n## Training data\n\n");
	if (!dr) {
		buf_addstr(b, "No data report was packaged.\n");
		return;
	}
	buf_addstr(b, "- Rows: ");
	value(b, json_object_get(dr, "rows"));
	buf_printf(b, "\n- Columns: %zu\n", json_array_size(cols));
	json_array_foreach(json_object_get(dr, "anomalies"), i, an) {
		const char *sev = json_string_value(json_object_get(an, "severity"));

		if (sev && !strcmp(sev, "error"))
			nerr++;
		else if (sev && !strcmp(sev, "warning"))
			nwarn++;
		else
			ninfo++;
	}
	buf_printf(b, "- Anomalies: %zu error(s), %zu warning(s), %zu info\n",
		   nerr, nwarn, ninfo);
	buf_addstr(b, "- Verdict: ");
	value(b, json_object_get(dr, "verdict"));
	buf_addch(b, '\n');
	if (!json_array_size(cols))
		return;
	buf_addstr(b, "\n| column | type | missing | distinct |\n|---|---|---|---|\n");
	json_array_foreach(cols, i, c) {
		buf_addstr(b, "| ");
		value(b, json_object_get(c, "name"));
		buf_addstr(b, " | ");
		value(b, json_object_get(c, "type"));
		buf_addstr(b, " | ");
		if (json_is_number(json_object_get(c, "missing_rate"))) {
			double r = 100 * json_number_value(json_object_get(c, "missing_rate"));

			if (r == 0)
				buf_addstr(b, "0%");
			else
				buf_printf(b, "%.2f%%", r);
		} else {
			buf_addstr(b, "n/a");
		}
		buf_addstr(b, " | ");
		value(b, json_object_get(c, "distinct"));
		buf_addstr(b, " |\n");
	}
}

static void metrics_section(struct buf *b, const json_t *m)
{
	const json_t *vals = json_object_get(m, "metrics");
	const json_t *ivs = json_object_get(m, "intervals");
	const json_t *boot = json_object_get(m, "bootstrap");
	const char **keys;
	size_t n, i;
	char num[40];

	buf_addstr(b, "\n## Evaluation\n\n");
	if (!m) {
		buf_addstr(b, "No metrics were packaged.\n");
		return;
	}
	buf_addstr(b, "Evaluated on ");
	value(b, json_object_get(m, "n_rows"));
	buf_addstr(b, " rows");
	if (json_is_object(boot)) {
		fmt_double(num, sizeof(num),
			   100 * json_number_value(json_object_get(boot, "level")));
		buf_printf(b, "; intervals are %s%% bootstrap percentile intervals over ", num);
		value(b, json_object_get(boot, "resamples"));
		buf_addstr(b, " resamples (seed ");
		value(b, json_object_get(boot, "seed"));
		buf_addstr(b, ")");
	}
	buf_addstr(b, ".\n\n| metric | value | interval |\n|---|---|---|\n");
	if (!json_is_object(vals) || !(keys = sorted_keys(vals, &n)))
		return;
	for (i = 0; i < n; i++) {
		const json_t *iv = json_object_get(ivs, keys[i]);

		buf_addstr(b, "| ");
		cell(b, keys[i]);
		buf_addstr(b, " | ");
		value4(b, json_object_get(vals, keys[i]));
		buf_addstr(b, " | ");
		if (iv) {
			buf_addstr(b, "[");
			value4(b, json_object_get(iv, "low"));
			buf_addstr(b, ", ");
			value4(b, json_object_get(iv, "high"));
			buf_addstr(b, "]");
		} else {
			buf_addstr(b, "n/a");
		}
		buf_addstr(b, " |\n");
	}
	free(keys);
}

static void gate_section(struct buf *b, const json_t *g)
{
	const json_t *r;
	size_t i;

	buf_addstr(b, "\n## Gate\n\n");
	if (!g) {
		buf_addstr(b, "No gate was packaged.\n");
		return;
	}
	buf_addstr(b, "- Verdict: **");
	value(b, json_object_get(g, "verdict"));
	buf_addstr(b, "**\n");
	if (json_object_get(g, "decision")) {
		buf_addstr(b, "- Decision: ");
		value(b, json_object_get(g, "decision"));
		buf_addch(b, '\n');
	}
	buf_addstr(b, "\n| rule | value | threshold | status |\n|---|---|---|---|\n");
	json_array_foreach(json_object_get(g, "rules"), i, r) {
		buf_addstr(b, "| `");
		value(b, json_object_get(r, "rule"));
		buf_addstr(b, "` | ");
		value4(b, json_object_get(r, "value"));
		buf_addstr(b, " | ");
		value4(b, json_object_get(r, "threshold"));
		buf_addstr(b, " | ");
		value(b, json_object_get(r, "status"));
		buf_addstr(b, " |\n");
	}
}

static void sha_line(struct buf *b, const char *what, const char *sha)
{
	if (sha)
		buf_printf(b, "| %s | `%s` |\n", what, sha);
}

int modelcard_render(const struct modelcard_in *in, struct buf *out,
		     struct mlci_err *err)
{
	const struct modelcard_config *c = in->config;
	size_t start = out->len;
	int rc;

	buf_printf(out, "# Model card: %s %s\n", in->name, in->version);
	buf_addstr(out, "\nGenerated by mlci-package from the artifacts in this package.\n");
	model_section(out, in->model);
	text_section(out, "Intended use", c ? c->intended_use : NULL, 0);
	text_section(out, "Limitations", c ? c->limitations : NULL, 0);
	text_section(out, "Owners", c ? c->owners : NULL, 1);
	text_section(out, "License", c ? c->license : NULL, 0);
	data_section(out, in->data_report);
	metrics_section(out, in->metrics);
	gate_section(out, in->gate);
	buf_addstr(out, "\n## Provenance\n\n| file | sha256 |\n|---|---|\n");
	sha_line(out, "training data", in->data_sha256);
	sha_line(out, "model.json", in->model_sha256);
	sha_line(out, "metrics.json", in->metrics_sha256);
	sha_line(out, "gate.json", in->gate_sha256);
	sha_line(out, "data-report.json", in->data_report_sha256);
	sha_line(out, "schema.json", in->schema_sha256);
	rc = buf_addstr(out, "\nprovenance.json holds the in-toto provenance statement of these files.\n");
	if (rc < 0 || !out->data) {
		out->len = start;
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	return 0;
}
