/*
 * fuzz_s3_resp - what the s3:// registry makes of an S3 answer: its
 * header lines through regnet_header (registry_net.h: ETag, Location),
 * then the answer to a GET (s3_get_answer; OP bit 0 clear) or a PUT
 * (s3_put_answer; bit 0 set), and s3_error_code on the body. Input as
 * resp.h says. Checked: a kept ETag or Location is one clean value (or
 * flagged cut at its field's size); a GET is "there" only for a 200
 * with a whole ETag, "absent" only for a 404 that is not NoSuchBucket; a
 * PUT is stored only for 200/201/204 and lost a race only for 412/409;
 * every failure carries a code from the table and a message (401/403:
 * 66); the error code is letters and digits.
 */
#include <ctype.h>

#include "registry_store.h"
#include "resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ACCESS_KEY "AKIDFUZZEXAMPLE"

static void header(void *ctx, const char *line, size_t n)
{
	regnet_header(ctx, line, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_resp in;
	struct regnet_resp resp;
	struct mlci_err err = { 0 };
	char code[64];
	size_t i;
	int rc;

	if (fuzz_resp_split(data, size, &in) < 0)
		return 0;
	memset(&resp, 0, sizeof(resp));
	fuzz_resp_lines(&in, header, &resp);
	fuzz_assert_value(resp.etag, sizeof(resp.etag), resp.etag_cut);
	fuzz_assert_value(resp.location, sizeof(resp.location), resp.location_cut);
	assert(!resp.etag_cut || strlen(resp.etag) == sizeof(resp.etag) - 1);
	assert(!resp.location_cut || strlen(resp.location) == sizeof(resp.location) - 1);
	resp.status = in.status;
	buf_init(&resp.body);
	if (buf_add(&resp.body, in.body, in.body_len) < 0)
		abort();

	s3_error_code(resp.body.data, resp.body.len, code, sizeof(code));
	for (i = 0; code[i]; i++)
		assert(isalnum((unsigned char)code[i]));
	s3_error_code(NULL, 0, code, sizeof(code));
	assert(!code[0]);

	if (!(in.op & 1)) {
		rc = s3_get_answer(&resp, "fuzz-bucket", "s3://fuzz-bucket/m/1/manifest.json",
				   ACCESS_KEY, &err);
		if (rc == 1)
			assert(in.status == 200 && !resp.etag_cut);
		else if (rc == 0)
			assert(in.status == 404);
		else
			assert(rc == -1 && (in.status != 200 || resp.etag_cut));
		if (rc < 0 && in.status == 404) {
			s3_error_code(resp.body.data, resp.body.len, code, sizeof(code));
			assert(!strcmp(code, "NoSuchBucket") && err.code == MLCI_EXIT_NOINPUT);
		}
	} else {
		rc = s3_put_answer(&resp, "s3://fuzz-bucket/m/channels/prod.json", ACCESS_KEY,
				   &err);
		if (rc == 0)
			assert(in.status == 200 || in.status == 201 || in.status == 204);
		else if (rc == 1)
			assert(in.status == 412 || in.status == 409);
		else
			assert(rc == -1);
	}
	if (rc < 0) {
		fuzz_check_err(&err);
		if (in.status == 401 || in.status == 403)
			assert(err.code == MLCI_EXIT_NOINPUT);
	}
	buf_release(&resp.body);
	free((void *)in.body);
	return 0;
}
