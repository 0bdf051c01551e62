/*
 * fuzz_predictions - a predictions file (shared/scored.h) read back as a
 * classifier's and as a regressor's, every metric computed on it, a few
 * bootstrap resamples and the paired tests of the file against itself:
 *
 *   PREDICTIONS.csv
 *
 * A defined metric, an interval bound, a difference or a p-value that is
 * NaN is a bug: reports never carry NaN.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "paired.h"
#include "scored.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *path, int classifier)
{
	struct mlci_err err = { 0 };
	struct scored_file f;
	struct metric_table t;
	struct interval iv[SCORED_MAX_METRICS];
	struct paired_result r;
	size_t i;

	if (scored_read_predictions(&f, path, classifier, &err) < 0) {
		assert(err.code == MLCI_EXIT_DATAERR || err.code == MLCI_EXIT_NOINPUT);
		return;
	}
	if (scored_metrics(&f.s, NULL, 0, &t, NULL, NULL, &err) == 0) {
		for (i = 0; i < t.n; i++)
			assert(!t.defined[i] || !isnan(t.value[i]));
		if (scored_bootstrap(&f.s, 3, 1, 0.9, &t, iv, &err) == 0)
			for (i = 0; i < t.n; i++)
				assert(!iv[i].resamples || (!isnan(iv[i].low) && !isnan(iv[i].high)));
		for (i = 0; i < t.n; i++)
			if (paired_bootstrap(&f.s, &f.s, t.name[i], 3, 2, -0.01, 1, 0.05, &r, &err) == 0)
				assert(!isnan(r.diff) && !isnan(r.p_value) && r.diff == 0);
	} else {
		assert(err.code == MLCI_EXIT_DATAERR);
	}
	if (classifier && f.s.n) {
		unsigned char *ok = malloc(f.s.n);

		assert(ok);
		for (i = 0; i < f.s.n; i++)
			ok[i] = f.s.y_pred[i] == f.s.y_true[i];
		if (paired_mcnemar(ok, ok, f.s.n, -0.02, 1, 0.05, &r, &err) == 0)
			assert(!isnan(r.low) && !isnan(r.high) && !isnan(r.p_value));
		free(ok);
	}
	scored_file_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_file in;

	fuzz_file_open(&in, data, size);
	one(in.path, 1);
	one(in.path, 0);
	fuzz_file_close(&in);
	return 0;
}
