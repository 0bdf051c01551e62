/*
 * fuzz_gitlab_api - what the GitLab client of mlci-gate (gitlab.h) makes
 * of GitLab's answers other than a page of notes (fuzz_gitlab_notes has
 * those), input as resp.h says; by OP % 3
 *   0  the header lines of a page of notes: X-Next-Page
 *      (gitlab_header_next_page), then the page after page 7
 *      (gitlab_next_page): a kept value is clean and short, a next page
 *      is a number after 7 of at most 9 digits, an empty header the end;
 *   1  the answer to posting (OP bit 2 clear) or editing note 42
 *      (gitlab_note_answer): a positive id, 42 when editing;
 *   2  a downloaded baseline metrics.json (gitlab_baseline_parse) with
 *      the predictions asked for when OP bit 2 is set, from artifact
 *      mlci-out/metrics.json (bit 3 clear) or metrics.json: the file to
 *      fetch next lies beside metrics.json, and the name to save it under
 *      is a plain file name, not metrics.json.
 * Every failure carries a code from the table and a message.
 */
#include "gitlab.h"
#include "resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct pages {
	char next[32];
};

static void header(void *ctx, const char *line, size_t n)
{
	struct pages *p = ctx;

	gitlab_header_next_page(p->next, sizeof(p->next), line, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_resp in;
	struct mlci_err err = { 0 };
	int rc = 0;

	if (fuzz_resp_split(data, size, &in) < 0)
		return 0;
	switch (in.op % 3) {
	case 0: {
		struct pages p = { "" };
		long next = -1;

		fuzz_resp_lines(&in, header, &p);
		fuzz_assert_value(p.next, sizeof(p.next), strlen(p.next) == sizeof(p.next) - 1);
		rc = gitlab_next_page("7", p.next, &next);
		if (rc == 1)
			assert(next > 7 && next <= 999999999L);
		else if (rc == 0)
			assert(!p.next[0] && next == 0);
		else
			assert(rc == -1 && p.next[0] && next == 0);
		rc = 0;	/* no error to check: the caller makes the 65 */
		break;
	}
	case 1: {
		long edited = in.op & 4 ? 0 : 42, id = -1;

		rc = gitlab_note_answer(in.body, in.body_len, edited, &id,
					"https://gitlab.example.com/api/v4/projects/1/merge_requests/3/notes",
					&err);
		if (rc == 0)
			assert(id > 0 && (!edited || id == edited));
		else
			assert(rc == -1 && id == 0);
		break;
	}
	default: {
		const char *path = in.op & 8 ? "metrics.json" : "mlci-out/metrics.json";
		int want = !!(in.op & 4);
		char *ppath = NULL, *pname = NULL;

		rc = gitlab_baseline_parse(in.body, in.body_len,
					   "https://gitlab.example.com/api/v4/projects/1/jobs/artifacts/main/raw/mlci-out/metrics.json?job=mlci-evaluate",
					   path, "main", "mlci-evaluate", want, &ppath, &pname, &err);
		if (rc == 0 && want) {
			size_t dir = in.op & 8 ? 0 : strlen("mlci-out/");

			assert(ppath && pname && pname[0] && pname[0] != '.');
			assert(!strchr(pname, '/') && strcmp(pname, "metrics.json"));
			assert(!strncmp(ppath, path, dir) && !strcmp(ppath + dir, pname));
		} else {
			assert(!ppath && !pname);
		}
		free(ppath);
		free(pname);
		break;
	}
	}
	if (rc < 0)
		fuzz_check_err(&err);
	free((void *)in.body);
	return 0;
}
