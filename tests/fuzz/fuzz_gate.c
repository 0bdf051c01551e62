/*
 * fuzz_gate - the gate's reading of metrics.json (and a baseline) through
 * the public gate_run, with the rules too coming from the input:
 *
 *   RULES "\n--\n" METRICS.json [ "\n--\n" BASELINE.json ]
 *
 * (no separator: the whole input is metrics.json, with fixed rules). All
 * five outputs are written (gate.json, JUnit, Markdown, OpenMetrics,
 * dotenv) into a scratch directory, so the report writers see whatever
 * metric names and values the reader let through.
 */
#include <assert.h>
#include <string.h>

#include "fuzz.h"
#include "gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fixed_rules[] =
		"accuracy >= 0.5\nf1_macro >= baseline - 0.01\nrmse <= baseline * 1.05\n";
	const uint8_t *part[3];
	size_t len[3], np;
	struct fuzz_file rules, met, base;
	struct gate_opts o;
	struct gate_result res;
	struct mlci_err err = { 0 };
	char out[5][512];
	const char *names[5] = { "gate.json", "junit.xml", "gate.md", "metrics.txt", "gate.env" };
	int i;

	np = fuzz_split(data, size, part, len, 3);
	if (np == 1) {
		fuzz_file_open(&rules, fixed_rules, sizeof(fixed_rules) - 1);
		fuzz_file_open(&met, part[0], len[0]);
		fuzz_file_open(&base, part[0], len[0]);
	} else {
		fuzz_file_open(&rules, part[0], len[0]);
		fuzz_file_open(&met, part[1], len[1]);
		fuzz_file_open(&base, part[np - 1], len[np - 1]);
	}
	for (i = 0; i < 5; i++)
		snprintf(out[i], sizeof(out[i]), "%s/%s", fuzz_tmpdir(), names[i]);
	memset(&o, 0, sizeof(o));
	o.producer = "mlci-gate";
	o.metrics = met.path;
	o.baseline = base.path;
	o.rules_file = rules.path;
	o.out = out[0];
	o.junit = out[1];
	o.markdown = out[2];
	o.openmetrics = out[3];
	o.dotenv = out[4];
	if (gate_run(&o, &res, &err) == 0) {
		struct buf b;

		assert(res.json != NULL);
		buf_init(&b);
		assert(gate_summary(&res, &b) == 0);
		assert(!strchr(b.data, '\n'));
		buf_release(&b);
		gate_result_free(&res);
	} else {
		fuzz_check_err(&err);
	}
	fuzz_file_close(&rules);
	fuzz_file_close(&met);
	fuzz_file_close(&base);
	return 0;
}
