/*
 * gitlab.h - the GitLab REST API (v4) as the gate uses it: the baseline
 * from the target branch's latest successful pipeline, and one sticky
 * merge-request note with the gate's report.
 *
 * Where to: struct gitlab, filled from the CI variables by gitlab_from_env:
 *   API root     CI_API_V4_URL, else CI_SERVER_URL + "/api/v4"
 *   project      CI_PROJECT_ID (a numeric id, or a path "group/name",
 *                which is sent URL-encoded)
 *   tokens       CI_JOB_TOKEN (header JOB-TOKEN) and GITLAB_TOKEN_VAR
 *                (MLCI_GITLAB_TOKEN: a project or personal access token,
 *                header PRIVATE-TOKEN). Downloads send the job token when
 *                there is one, else the access token; notes need the
 *                access token (a job token cannot post notes).
 *   MR           CI_MERGE_REQUEST_IID; the baseline branch is
 *                CI_MERGE_REQUEST_TARGET_BRANCH_NAME, else CI_DEFAULT_BRANCH
 *   note key     CI_JOB_NAME (else "mlci-gate")
 * Tokens are only ever put in request headers: never in a URL, a message
 * or a file, and a redirect to another host (object storage) is followed
 * without them.
 *
 * Requests: every path parameter is percent-encoded as one segment (a
 * branch "feature/x" is "feature%2Fx"), an artifact path segment by
 * segment (its '/' kept), query values in full. A temporary failure (no
 * connection, a timeout, a transfer cut short, HTTP 408, 429 or 5xx) is
 * tried again, GITLAB_ATTEMPTS times in all, waiting retry_delay_ms, then
 * twice that, ...; when the attempts run out the error is 75. Redirects
 * are followed (at most 5). A response body larger than max_body (an
 * artifact file) or GITLAB_MAX_NOTES_BODY (notes) is an error (65).
 * Other outcomes: 404 is 66 (nothing there), 401 and 403 are
 * 66 (the file cannot be read with this token), other statuses 65.
 * Messages name the URL (url_redact'ed) and the status, never a token.
 *
 * Owned by the core; libcurl and jansson stay inside gitlab.c.
 */
#ifndef MLCI_GITLAB_H
#define MLCI_GITLAB_H

#include <stddef.h>

#include "error.h"

#define GITLAB_TOKEN_VAR "MLCI_GITLAB_TOKEN"
#define GITLAB_DEFAULT_JOB "mlci-evaluate"
#define GITLAB_DEFAULT_ARTIFACT "mlci-out/metrics.json"
#define GITLAB_ATTEMPTS 3
#define GITLAB_DEFAULT_TIMEOUT_MS 30000L
#define GITLAB_DEFAULT_RETRY_DELAY_MS 1000L	/* MLCI_HTTP_RETRY_DELAY_MS */
#define GITLAB_MAX_BODY (256UL << 20)	/* an artifact file */
#define GITLAB_MAX_NOTES_BODY (8UL << 20)	/* a page of notes, a note */
#define GITLAB_MAX_NOTE_PAGES 1000

struct gitlab {
	char *api;		/* API root, no trailing '/', or NULL */
	char *project;		/* project id or path, or NULL */
	char *job_token;	/* CI_JOB_TOKEN, or NULL */
	char *private_token;	/* $MLCI_GITLAB_TOKEN, or NULL */
	char *mr_iid;		/* CI_MERGE_REQUEST_IID, or NULL */
	char *target_branch;	/* the baseline branch from the CI variables, or NULL */
	char *job_name;		/* CI_JOB_NAME, or NULL */
	char *commit_sha;	/* CI_COMMIT_SHA, or NULL */
	char *job_url;		/* CI_JOB_URL, or NULL */
	long timeout_ms;	/* per request */
	long retry_delay_ms;	/* before the second attempt; doubled after */
	size_t max_body;	/* bytes of a response body */
};

/* Fill g from the environment (empty variables count as unset), with the
 * default timeout, delay (MLCI_HTTP_RETRY_DELAY_MS when set, a number of
 * milliseconds) and body limit. Returns 0, or -1 with err set (70: out of
 * memory; 64: a bad MLCI_HTTP_RETRY_DELAY_MS). Free with gitlab_free. */
int gitlab_from_env(struct gitlab *g, struct mlci_err *err);

/* Free what g owns; leaves it zeroed. */
void gitlab_free(struct gitlab *g);

/* What to download as the baseline. */
struct gitlab_baseline {
	const struct gitlab *gl;
	const char *ref;	/* branch or tag; NULL: gl->target_branch */
	const char *job;	/* job name; NULL: GITLAB_DEFAULT_JOB */
	const char *artifact;	/* metrics.json's path in the job's artifacts;
				 * NULL: GITLAB_DEFAULT_ARTIFACT */
	const char *dir;	/* where the files are saved (made if missing) */
};

/* The files gitlab_fetch_baseline saved (owned; NULL when not saved). */
struct gitlab_fetched {
	char *metrics;		/* DIR/metrics.json */
	char *predictions;	/* DIR/NAME, NAME the one metrics.json records */
	int not_found;		/* 404 for metrics.json: no baseline there */
	char reason[600];	/* why, when not_found */
};

/*
 * Download the baseline's metrics.json from the latest successful
 * pipeline of the ref (GET /projects/:id/jobs/artifacts/:ref/raw/PATH
 * ?job=NAME) into b->dir/metrics.json; with predictions set, also the
 * predictions file it records (looked for beside it in the artifacts, as
 * mlci-gate looks for it beside a local metrics.json) into b->dir under
 * its recorded name. Each file is checked (metrics.json must be a JSON
 * object, truncated or not JSON: 65) and written atomically. Returns 0
 * with *out filled (out->not_found, nothing saved, when the ref has no
 * such artifact: a 404 for metrics.json), or -1 with err set (64: no API
 * URL, project, ref or token; 66: 404 for the predictions, 401, 403; 75:
 * temporary failure after the retries; 65: other responses; 73/74: the
 * files) and nothing saved.
 */
int gitlab_fetch_baseline(const struct gitlab_baseline *b, int predictions,
			  struct gitlab_fetched *out, struct mlci_err *err);

/* Remove the files *f names (unlink) and free it; leaves it zeroed. */
void gitlab_fetched_remove(struct gitlab_fetched *f);

/* Free *f, leaving the files; leaves it zeroed. */
void gitlab_fetched_free(struct gitlab_fetched *f);

/* The hidden marker that identifies the note of key: "<!-- mlci-gate:KEY -->",
 * KEY with every character outside [A-Za-z0-9._:/@+ \[\]-] made '_' (so no
 * "-->"), cut to 200 bytes. Returns 0, or -1 when out (n bytes) is too small. */
int gitlab_note_marker(char *out, size_t n, const char *key);

/*
 * Find, in one page of GET .../notes (a JSON array of note objects), the
 * first note that is not a system note and whose body starts with marker.
 * Parsed strictly: an array of objects, each with a positive integer "id";
 * "body" a string (or absent); "system" a boolean (or absent). Returns 1
 * with *id set, 0 when no note matches, or -1 with a 65 error naming src.
 */
int gitlab_notes_find(const char *json, size_t n, const char *marker,
		      long *id, const char *src, struct mlci_err *err);

/* What gitlab_note_upsert did. */
struct gitlab_note {
	long id;		/* the note's id */
	int created;		/* 1 posted, 0 edited in place */
	size_t pages;		/* note pages read looking for the marker */
};

/*
 * Post body (Markdown, UTF-8) as the sticky note of key on the merge
 * request gl->mr_iid, or edit the note already carrying key's marker:
 * list the notes (GET .../merge_requests/:iid/notes?per_page=100&page=N,
 * oldest first, following X-Next-Page), then PUT .../notes/:note_id, or
 * POST .../notes. The note's body is the marker line, then body, then
 * a footer line with the commit (CI_COMMIT_SHA) and a link to the job
 * (CI_JOB_URL, when it is a plain http(s) URL), so a reader sees which push
 * the report is about.
 * Returns 0 with *out filled, or -1 with err set (64: no API URL,
 * project, MR or access token; then as for downloads).
 */
int gitlab_note_upsert(const struct gitlab *gl, const char *key,
		       const char *body, struct gitlab_note *out,
		       struct mlci_err *err);

/* ---- what the client makes of GitLab's answers: no I/O, so that unit
 * tests and the fuzz target can hand them any bytes a server might ---- */

/* One response header line (n bytes, not NUL-terminated, any bytes) as
 * libcurl hands it over: X-Next-Page's value (name in any case, blanks
 * around it dropped, cut at CR, LF or NUL and to fit out's cap bytes) goes
 * into out; a status line ("HTTP/...") starts a new response and empties
 * out; other lines leave it alone. */
void gitlab_header_next_page(char *out, size_t cap, const char *line, size_t n);

/* The page to ask for after page (the decimal number just asked for)
 * given X-Next-Page header: 0 when header is empty (the last page), 1
 * with *next when it is a number of at most 9 digits after page, -1 (a
 * 65 for the caller) otherwise. */
int gitlab_next_page(const char *page, const char *header, long *next);

/* The answer to POST or PUT of a note (n bytes): 0 with *id the note's
 * positive id, which must be edited when that is not 0 (a PUT of note
 * edited); -1 with a 65 error naming src (not JSON, no id, another id). */
int gitlab_note_answer(const char *json, size_t n, long edited, long *id,
		       const char *src, struct mlci_err *err);

/* The baseline metrics.json downloaded from artifact path of job on ref
 * (n bytes; src names the URL for a JSON error): 0 when it is a JSON
 * object; with predictions, also *pred_path, the artifact path of the
 * predictions file it records (in path's directory), and *pred_name, the
 * plain file name to save it under (both malloc'd, else NULL). -1 with
 * err: not JSON or not an object (65), no predictions recorded (64: the
 * paired rule cannot run), a recorded name that is not a plain file name
 * or is metrics.json (65). */
int gitlab_baseline_parse(const char *json, size_t n, const char *src, const char *path,
			  const char *ref, const char *job, int predictions,
			  char **pred_path, char **pred_name, struct mlci_err *err);

/* 1 when gl has what a note needs (API URL, project, MR and an access
 * token), else 0. */
int gitlab_note_possible(const struct gitlab *gl);

#endif
