/*
 * fuzz_rules - the gate rule language: the bytes as a rules file
 * (ruleset_load_file), as one --rule text (ruleset_add_text, up to the
 * first NUL) and as one rule_parse input. Every parsed rule's threshold
 * is evaluated against a few baselines; a rule's recorded text must parse
 * again to the same rule (same metric, operator, nodes and threshold).
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct rule *r)
{
	static const double baselines[] = { 0, 1, -1, 0.5, 1e308, -DBL_MAX, DBL_MIN };
	struct rule again;
	struct mlci_err err = { 0 };
	size_t i;

	assert(r->metric && r->text && r->nnodes > 0);
	assert(r->root >= 0 && (size_t)r->root < r->nnodes);
	for (i = 0; i < sizeof(baselines) / sizeof(baselines[0]); i++) {
		double t;

		memset(&err, 0, sizeof(err));
		if (rule_threshold(r, baselines[i], &t, &err) == 0) {
			assert(isfinite(t));
			(void)rule_compare(r->op, baselines[i], t);
		} else {
			fuzz_check_err(&err);
		}
	}
	memset(&err, 0, sizeof(err));
	if (rule_parse(&again, r->text, strlen(r->text), "again", 1,
		       MLCI_EXIT_DATAERR, &err) != 0) {
		fprintf(stderr, "rule text '%s' does not parse again: %s\n",
			r->text, err.msg);
		abort();
	}
	assert(!strcmp(again.metric, r->metric));
	assert(again.op == r->op && again.nnodes == r->nnodes);
	assert(again.uses_baseline == r->uses_baseline);
	rule_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_file ff;
	struct ruleset rs = { 0 };
	struct mlci_err err = { 0 };
	struct rule r;
	char *text;
	size_t i;
	int rc;

	fuzz_file_open(&ff, data, size);
	if (ruleset_load_file(&rs, ff.path, &err) == 0) {
		assert(rs.n > 0);
		for (i = 0; i < rs.n && i < 1000; i++) {
			assert(rs.v[i].code == MLCI_EXIT_DATAERR);
			exercise(&rs.v[i]);
		}
	} else {
		fuzz_check_err(&err);
	}
	ruleset_free(&rs);
	fuzz_file_close(&ff);

	text = fuzz_strndup(data, size);	/* stops at the first NUL */
	memset(&err, 0, sizeof(err));
	if (ruleset_add_text(&rs, text, &err) == 0) {
		assert(rs.n == 1 && rs.v[0].code == MLCI_EXIT_USAGE);
		exercise(&rs.v[0]);
	} else {
		assert(err.code == MLCI_EXIT_USAGE || err.code == MLCI_EXIT_SOFTWARE);
		fuzz_check_err(&err);
	}
	ruleset_free(&rs);
	free(text);

	memset(&err, 0, sizeof(err));
	rc = rule_parse(&r, (const char *)data, size, "fuzz", 7, MLCI_EXIT_DATAERR, &err);
	if (rc == 0) {
		exercise(&r);
		rule_free(&r);
	} else if (rc < 0) {
		fuzz_check_err(&err);
	}
	return 0;
}
