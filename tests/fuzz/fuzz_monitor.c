/*
 * fuzz_monitor - a monitor history (JSON Lines, mlci-monitor --history)
 * as monitor_history_parse reads it: any bytes, since the file is
 * whatever earlier runs, or anyone, left in a CI cache. A history that
 * parses is judged (monitor_history_judge, its last line as the current
 * run, three values enough to judge): every figure written must be
 * finite, and the anomalies one per flagged figure.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void all_finite(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_real(v))
		assert(isfinite(json_real_value(v)));
	else if (json_is_object(v))
		json_object_foreach((json_t *)v, k, x)
			all_finite(x);
	else if (json_is_array(v))
		json_array_foreach(v, i, x)
			all_finite(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlci_err err = { 0 };
	struct monitor_history h;
	struct monitor_opts o;
	json_t *out, *anoms, *figs;
	size_t flagged = 0, i, n = 0;

	if (monitor_history_parse((const char *)data, size, "history.jsonl", &h,
				  &err) < 0) {
		assert(err.code == MLCI_EXIT_DATAERR || err.code == MLCI_EXIT_SOFTWARE);
		fuzz_check_err(&err);
		assert(!h.n && !h.lines);
		return 0;
	}
	if (!h.n) {
		monitor_history_free(&h);
		return 0;
	}
	monitor_opts_init(&o);
	o.min_history = 3;
	out = json_object();
	anoms = json_array();
	assert(out && anoms);
	h.n--;	/* the last line is the current run */
	if (monitor_history_judge(&o, &h, h.lines[h.n], out, anoms, &flagged,
				  &err) == 0) {
		all_finite(out);
		figs = json_object_get(out, "figures");
		for (i = 0; i < json_array_size(figs); i++)
			n += json_is_true(json_object_get(json_array_get(figs, i),
							  "anomaly"));
		assert(n == flagged && json_array_size(anoms) == flagged);
	} else {
		assert(err.code == MLCI_EXIT_SOFTWARE);
	}
	h.n++;
	json_decref(out);
	json_decref(anoms);
	monitor_history_free(&h);
	return 0;
}
