/*
 * fuzz_gitlab_pkg - what the gitlab:// registry (GitLab's generic
 * packages API) makes of an answer, input as resp.h says: the header
 * lines through regnet_header, then by OP % 3
 *   0  the answer to an upload with ?select=package_file
 *      (gitlab_reg_put_answer): stored only for a 200/201 whose
 *      file_sha256 is the SHA-256 of the bytes sent (the dictionary holds
 *      it), which it hands back;
 *   1  a redirect of a download to the Location header
 *      (gitlab_reg_redirect, resolved against the file's URL): the next
 *      URL is http(s), and the token goes with it only when it has the API
 *      root's scheme, host and port;
 *   2  an error answer (gitlab_reg_status_err, gitlab_reg_message): the
 *      message has no control character, 401/403 are 66, 400 is 73.
 * Every failure carries a code from the table and a message.
 */
#include <curl/curl.h>

#include "hash.h"
#include "registry_store.h"
#include "resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define API "https://gitlab.example.com/api/v4"
#define FILE_URL API "/projects/42/packages/generic/model/1.0.0/model-1.0.0.tar.gz"
#define SENT "the bytes of model-1.0.0.tar.gz"

static void header(void *ctx, const char *line, size_t n)
{
	regnet_header(ctx, line, n);
}

/* next's scheme, host and port are the API root's. */
static int same_origin(const char *next)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int same = 0;

	if (u && curl_url_set(u, CURLUPART_URL, next, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		same = !strcmp(scheme, "https") && !strcmp(host, "gitlab.example.com") &&
		       !strcmp(port, "443");
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_resp in;
	struct regnet_resp resp;
	struct mlci_err err = { 0 };
	char want[SHA256_HEX_LEN + 1], sha[SHA256_HEX_LEN + 1], msg[200];
	size_t i;
	int rc = 0;

	if (fuzz_resp_split(data, size, &in) < 0)
		return 0;
	memset(&resp, 0, sizeof(resp));
	fuzz_resp_lines(&in, header, &resp);
	fuzz_assert_value(resp.location, sizeof(resp.location), resp.location_cut);
	resp.status = in.status;
	buf_init(&resp.body);
	if (buf_add(&resp.body, in.body, in.body_len) < 0)
		abort();

	switch (in.op % 3) {
	case 0:
		sha256_buf(SENT, strlen(SENT), want);
		rc = gitlab_reg_put_answer(&resp, want, FILE_URL, "PRIVATE-TOKEN",
					   "MLCI_GITLAB_TOKEN", sha, &err);
		if (rc == 0)
			assert((in.status == 200 || in.status == 201) && !strcmp(sha, want));
		else
			assert(rc == -1 && !sha[0]);
		break;
	case 1: {
		char *next = NULL;
		int send = -1;

		/* the body, when there is no Location, stands in for one */
		rc = gitlab_reg_redirect(API, FILE_URL, resp.location[0] ? resp.location : in.body,
					 &next, &send, &err);
		if (rc == 0) {
			assert(next && (!strncmp(next, "http://", 7) || !strncmp(next, "https://", 8)));
			assert(send == same_origin(next));
		} else {
			assert(rc == -1 && !next && send == 0);
		}
		free(next);
		break;
	}
	default:
		gitlab_reg_message(resp.body.data, resp.body.len, msg, sizeof(msg));
		for (i = 0; msg[i]; i++)
			assert((unsigned char)msg[i] >= ' ' && msg[i] != 0x7f);
		rc = gitlab_reg_status_err(&resp, FILE_URL, "JOB-TOKEN", "CI_JOB_TOKEN", &err);
		assert(rc == -1);
		if (in.status == 401 || in.status == 403)
			assert(err.code == MLCI_EXIT_NOINPUT);
		else if (in.status == 400)
			assert(err.code == MLCI_EXIT_CANTCREAT);
		else
			assert(err.code == MLCI_EXIT_DATAERR);
		break;
	}
	if (rc < 0)
		fuzz_check_err(&err);
	buf_release(&resp.body);
	free((void *)in.body);
	return 0;
}
