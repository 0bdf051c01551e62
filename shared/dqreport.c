#include "dqreport.h"

#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "hash.h"
#include "report.h"

static const char *data_path(const json_t *report)
{
	json_t *inputs = json_object_get(report, "inputs"), *in;
	size_t i;

	json_array_foreach(inputs, i, in) {
		const char *role = json_string_value(json_object_get(in, "role"));

		if (role && !strcmp(role, "data"))
			return json_string_value(json_object_get(in, "path"));
	}
	return "data";
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static const char *cq_severity(const char *sev)
{
	if (!strcmp(sev, "error"))
		return "critical";
	if (!strcmp(sev, "warning"))
		return "minor";
	return "info";
}

int dq_codequality(struct buf *b, const json_t *report)
{
	json_t *anomalies = json_object_get(report, "anomalies"), *a;
	json_t *out = json_array();
	const char *path = data_path(report);
	char *text;
	size_t i;
	int rc;

	if (!out)
		return -1;
	json_array_foreach(anomalies, i, a) {
		json_t *f = json_object(), *loc = json_object(), *lines = json_object();
		json_t *line = json_object_get(a, "line");
		struct buf key;
		char check[128], fp[SHA256_HEX_LEN + 1];

		buf_init(&key);
		if (!f || !loc || !lines ||
		    buf_printf(&key, "%s\n%s\n%s", path, str(a, "code"), str(a, "column")) < 0) {
			json_decref(f);
			json_decref(loc);
			json_decref(lines);
			buf_release(&key);
			json_decref(out);
			return -1;
		}
		sha256_buf(key.data, key.len, fp);
		buf_release(&key);
		snprintf(check, sizeof(check), "mlci.data.%s", str(a, "code"));
		json_object_set_new(lines, "begin", json_is_integer(line) ?
				    json_integer(json_integer_value(line)) : json_integer(1));
		json_object_set_new(loc, "path", json_string(path));
		json_object_set_new(loc, "lines", lines);
		json_object_set_new(f, "description", json_string(str(a, "message")));
		json_object_set_new(f, "check_name", json_string(check));
		json_object_set_new(f, "fingerprint", json_string(fp));
		json_object_set_new(f, "severity", json_string(cq_severity(str(a, "severity"))));
		json_object_set_new(f, "location", loc);
		json_array_append_new(out, f);
	}
	text = artifact_dumps(out);
	json_decref(out);
	if (!text)
		return -1;
	rc = buf_addstr(b, text);
	free(text);
	return rc;
}

/* Which check an anomaly belongs to: "columns", "rows", "label" or
 * "column NAME" (written into name). */
static void check_of(const json_t *a, char *name, size_t n)
{
	const char *code = str(a, "code"), *col = str(a, "column");

	if (!strcmp(code, "missing_column") || !strcmp(code, "extra_column"))
		snprintf(name, n, "columns");
	else if (!strcmp(code, "duplicate_rows"))
		snprintf(name, n, "rows");
	else if (!strncmp(code, "label", 5) || strstr(code, "_label"))
		snprintf(name, n, "label");
	else if (*col)
		snprintf(name, n, "column %s", col);
	else
		snprintf(name, n, "rows");
}

static int add_case(struct buf *b, const char *name, const json_t *anomalies,
		    size_t *failures)
{
	json_t *a;
	size_t i;
	int failed = 0, rc = 0;
	char which[600];

	rc |= buf_addstr(b, "    <testcase name=\"");
	rc |= xml_escape(b, name, 1);
	rc |= buf_addstr(b, "\" classname=\"mlci-validate-data\" time=\"0.000\"");
	json_array_foreach(anomalies, i, a) {
		check_of(a, which, sizeof(which));
		if (strcmp(which, name) || strcmp(str(a, "severity"), "error"))
			continue;
		if (!failed) {
			rc |= buf_addstr(b, ">\n      <failure type=\"mlci.data.");
			rc |= xml_escape(b, str(a, "code"), 1);
			rc |= buf_addstr(b, "\" message=\"");
			rc |= xml_escape(b, str(a, "message"), 1);
			rc |= buf_addstr(b, "\">");
		}
		rc |= xml_escape(b, str(a, "message"), 0);
		rc |= buf_addstr(b, "\n");
		failed = 1;
	}
	if (failed) {
		rc |= buf_addstr(b, "</failure>\n    </testcase>\n");
		(*failures)++;
	} else {
		rc |= buf_addstr(b, "/>\n");
	}
	return rc ? -1 : 0;
}

int dq_junit(struct buf *b, const json_t *report, const char *timestamp,
	     const char *hostname)
{
	json_t *anomalies = json_object_get(report, "anomalies"), *cols, *c, *a;
	struct buf cases;
	size_t i, ntests = 0, nfail = 0;
	int rc = 0, has_label = json_is_string(json_object_get(report, "label"));
	char name[600];

	buf_init(&cases);
	rc |= add_case(&cases, "columns", anomalies, &nfail), ntests++;
	rc |= add_case(&cases, "rows", anomalies, &nfail), ntests++;
	if (has_label)
		rc |= add_case(&cases, "label", anomalies, &nfail), ntests++;
	cols = json_object_get(report, "columns");
	json_array_foreach(cols, i, c) {
		snprintf(name, sizeof(name), "column %s", str(c, "name"));
		rc |= add_case(&cases, name, anomalies, &nfail);
		ntests++;
	}
	rc |= buf_addstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	rc |= buf_printf(b, "  <testsuite name=\"mlci-validate-data\" package=\"mlci\" id=\"0\" "
			 "tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" "
			 "time=\"0.000\" timestamp=\"%s\" hostname=\"", ntests, nfail, timestamp);
	rc |= xml_escape(b, hostname && *hostname ? hostname : "localhost", 1);
	rc |= buf_addstr(b, "\">\n    <properties>\n      <property name=\"mlci.data\" value=\"");
	rc |= xml_escape(b, data_path(report), 1);
	rc |= buf_addstr(b, "\"/>\n      <property name=\"mlci.verdict\" value=\"");
	rc |= xml_escape(b, str(report, "verdict"), 1);
	rc |= buf_addstr(b, "\"/>\n    </properties>\n");
	rc |= buf_add(b, cases.data, cases.len);
	rc |= buf_addstr(b, "    <system-out>");
	json_array_foreach(anomalies, i, a) {
		if (!strcmp(str(a, "severity"), "error"))
			continue;
		rc |= xml_escape(b, str(a, "severity"), 0);
		rc |= buf_addstr(b, ": ");
		rc |= xml_escape(b, str(a, "message"), 0);
		rc |= buf_addstr(b, "\n");
	}
	rc |= buf_addstr(b, "</system-out>\n    <system-err/>\n  </testsuite>\n</testsuites>\n");
	buf_release(&cases);
	return rc ? -1 : 0;
}
