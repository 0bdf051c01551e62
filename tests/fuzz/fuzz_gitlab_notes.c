/*
 * fuzz_gitlab_notes - the parser of a page of merge request notes
 * (gitlab_notes_find), with the note key too coming from the input:
 *
 *   KEY "\n--\n" NOTES.json
 *
 * (no separator: the whole input is the page, with the key "mlci-gate").
 * A note found must have a positive id and a body starting with the
 * marker; the marker itself must be one HTML comment that nothing in the
 * key can close early.
 */
#include <assert.h>
#include <string.h>

#include "fuzz.h"
#include "gitlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[2];
	size_t len[2], np, ml;
	struct mlci_err err = { 0 };
	char *key, marker[300];
	long id = 0;
	int rc;

	np = fuzz_split(data, size, part, len, 2);
	key = np == 2 ? fuzz_strndup(part[0], len[0]) : fuzz_strndup("mlci-gate", 9);
	if (gitlab_note_marker(marker, sizeof(marker), key) < 0) {
		free(key);
		return 0;
	}
	ml = strlen(marker);
	assert(!strncmp(marker, "<!-- mlci-gate:", 15));
	assert(strstr(marker + 4, "--") == marker + ml - 3);
	assert(!strchr(marker + 1, '<') && strchr(marker, '>') == marker + ml - 1);
	rc = gitlab_notes_find((const char *)part[np - 1], len[np - 1], marker, &id,
			       "notes", &err);
	if (rc == 1)
		assert(id > 0);
	else if (rc == 0)
		assert(id == 0);
	else
		fuzz_check_err(&err);
	free(key);
	return 0;
}
