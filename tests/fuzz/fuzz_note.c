/*
 * fuzz_note - a git note as mlci-gate --baseline git:REF reads it
 * (baseline_note_decode, baseline.h): any bytes, since a note is whatever
 * someone pushed to refs/notes/mlci. A note that decodes is encoded again
 * (baseline_note_encode) and must decode to the same metrics and the
 * same predictions bytes.
 */
#include <assert.h>
#include <string.h>

#include "baseline.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlci_err err = { 0 };
	json_t *m = NULL, *m2 = NULL;
	char *pred = NULL, *pp = NULL, *pred2 = NULL, *pp2 = NULL, *again;
	size_t np = 0, np2 = 0;

	if (baseline_note_decode((const char *)data, size, "note", 1, &m, &pred, &np, &pp,
				 &err) < 0) {
		assert(err.code == MLCI_EXIT_DATAERR || err.code == MLCI_EXIT_SOFTWARE);
		fuzz_check_err(&err);
		assert(!m && !pred);
		return 0;
	}
	assert(m);
	again = baseline_note_encode(m, pp, pred, np, &err);
	assert(again);
	assert(baseline_note_decode(again, strlen(again), "again", 1, &m2, &pred2, &np2, &pp2,
				    &err) == 0);
	assert(json_equal(m, m2));
	assert(np == np2 && (!np || !memcmp(pred, pred2, np)));
	assert(!pp == !pp2 && (!pp || !strcmp(pp, pp2)));
	free(again);
	free(pred), free(pp), free(pred2), free(pp2);
	json_decref(m);
	json_decref(m2);
	return 0;
}
