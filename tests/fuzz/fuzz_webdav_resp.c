/*
 * fuzz_webdav_resp - what the http(s):// registry (a WebDAV server,
 * registry_http.c) makes of the bytes it reads back, input as resp.h
 * says (the status and headers are not used: these are bodies of a 200);
 * by OP % 3
 *   0  a channel file (registry_http_channel_parse): one that parses is
 *      an mlci.channel object with string version and sha256;
 *   1  the history hint NAME/history/next (registry_http_hint): always a
 *      number from 1 to the scan limit;
 *   2  history records, the body split at "\n--\n" into event.json files,
 *      each parsed as the rollback walk does (one that does not parse is
 *      skipped), then registry_forward_previous for channel "prod" and
 *      version "1.0.0": a result is {version, sha256}, both strings.
 * Every failure carries a code from the table and a message.
 */
#include <jansson.h>

#include "artifact.h"
#include "registry_impl.h"
#include "resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_resp in;
	struct mlci_err err = { 0 };
	int rc = 0;

	if (fuzz_resp_split(data, size, &in) < 0)
		return 0;
	switch (in.op % 3) {
	case 0: {
		json_t *cur = (json_t *)1;

		rc = registry_http_channel_parse(in.body, in.body_len, "https://dav.example.com/reg",
						 "model/channels/prod.json", &cur, &err);
		if (rc == 0) {
			assert(json_is_object(cur));
			assert(!strcmp(json_string_value(json_object_get(cur, "kind")), KIND_CHANNEL));
			assert(json_is_string(json_object_get(cur, "version")));
			assert(json_is_string(json_object_get(cur, "sha256")));
			json_decref(cur);
		} else {
			assert(rc == -1 && !cur && err.code == MLCI_EXIT_DATAERR);
		}
		break;
	}
	case 1: {
		long n = registry_http_hint(in.body, in.body_len);

		assert(n >= 1 && n <= 1000000L);
		break;
	}
	default: {
		const uint8_t *part[64];
		size_t len[64], np, i;
		json_t *recs = json_array(), *prev;

		if (!recs)
			abort();
		np = fuzz_split((const uint8_t *)in.body, in.body_len, part, len, 64);
		for (i = 0; i < np; i++) {
			json_t *l = json_loadb((const char *)part[i], len[i], 0, NULL);

			if (l)
				json_array_append_new(recs, l);
		}
		prev = registry_forward_previous(recs, "prod", "1.0.0");
		if (prev) {
			assert(json_is_object(prev) && json_object_size(prev) == 2);
			assert(json_is_string(json_object_get(prev, "version")));
			assert(json_is_string(json_object_get(prev, "sha256")));
		}
		json_decref(prev);
		json_decref(recs);
		break;
	}
	}
	if (rc < 0)
		fuzz_check_err(&err);
	free((void *)in.body);
	return 0;
}
