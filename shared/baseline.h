/*
 * baseline.h - gate baselines kept in git: a committed metrics.json at a
 * ref, or a note on the ref's commit in refs/notes/mlci, read with
 * libgit2 without a checkout; recording such notes; and the noise band
 * of a metric over the last notes along a ref's first-parent history.
 *
 * Specs (mlci-gate --baseline):
 *   git:REF:PATH  the blob at PATH in REF's tree (REF: a branch, tag,
 *                 commit or anything git rev-parse takes, without ':')
 *   git:REF       the note of REF's commit in refs/notes/mlci
 * The repository is the one containing the current directory (GIT_DIR
 * and the other GIT_* variables are honoured, as by git).
 *
 * The note (BASELINE_NOTES_REF) is one JSON object, written like every
 * artifact (artifact.h: sorted keys, shortest round-trip numbers):
 *   kind "mlci.baseline-note", schema_version 1,
 *   metrics      the mlci.metrics artifact, as an object
 *   predictions  (when the metrics had a predictions file)
 *                {path (the name metrics.json records), sha256 and bytes
 *                 of the file, encoding "gzip+base64", data}
 * (JSON Schema: shared/schemas/baseline-note.schema.json.) The
 * predictions go gzip-compressed (deterministic: no name, no time)
 * and base64-encoded in the note itself, so the one notes ref carries
 * everything and `git push origin refs/notes/mlci` publishes it; they are
 * checked against their sha256 on reading. A predictions file over
 * BASELINE_MAX_PREDICTIONS bytes is not recorded (65).
 *
 * With git:REF:PATH the predictions (for paired rules) are the blob, in
 * the same tree, named like the file the metrics record, in PATH's
 * directory (as next to a metrics.json on disk).
 *
 * Fetching: when REF does not resolve, or its commit's object is not in
 * the repository (a shallow clone), or refs/notes/mlci is missing, the
 * ref is fetched from the remote (BASELINE_DEFAULT_REMOTE, or the one
 * given) with libgit2, then read. The remote is listed first: a REF it
 * does not advertise is 66; a remote that cannot be reached is tried
 * BASELINE_FETCH_TRIES times, 1 s then 2 s apart, then 75 (temporary).
 * A remote without refs/notes/mlci means nothing was recorded yet (see
 * found below), not an error. REF is looked up on the remote as given
 * when it starts with refs/, as refs/heads/X for REMOTE/X (stored as
 * refs/remotes/REMOTE/X), else as refs/heads/REF, then refs/tags/REF, or
 * as a commit id when it is 40 hex digits. The remote's URL is its
 * remote.NAME.url (url.*.insteadOf is not applied). A failing local
 * remote (a path or file:// URL) or an unsupported URL is 66 at once,
 * not retried. The libgit2 this builds against (1.5) has no fetch depth,
 * so a fetch brings the ref's history minus what the clone has: for the
 * notes ref, its own small history; for a branch, the commits since the
 * clone's. It cannot negotiate from a shallow clone over a smart
 * protocol (git://, https: its walk hits the missing parents), and the
 * remote may leave out a commit behind the boundary (taking the clone to
 * hold every ancestor of its commits). Then the ref goes to a temporary
 * bare repository under TMPDIR instead (nothing to negotiate from: the
 * ref's whole history) and is removed afterwards: a commit is read there;
 * the notes ref is taken from there into the repository (local
 * transport), so that --record adds to the notes recorded before.
 *
 * Outcomes when there is nothing to read: REF's tree has no PATH, the
 * commit has no note, or no refs/notes/mlci exists even on the remote:
 * found is 0 with the reason; the gate then judges every rule over the
 * baseline inconclusive ("no baseline: ...", exit 3), which a first run
 * on a new project can map with --inconclusive pass.
 *
 * Owns nothing global; every call opens and frees its own repository.
 */
#ifndef MLCI_BASELINE_H
#define MLCI_BASELINE_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

#define BASELINE_NOTES_REF "refs/notes/mlci"
#define BASELINE_NOTE_KIND "mlci.baseline-note"
#define BASELINE_NOTE_VERSION 1
#define BASELINE_DEFAULT_REMOTE "origin"
#define BASELINE_FETCH_TRIES 3
#define BASELINE_MAX_PREDICTIONS ((size_t)256 << 20)
/* --history walks at most this many commits back */
#define BASELINE_HISTORY_WALK 10000
#define BASELINE_HISTORY_MAX 1000

/* 1 when s is a git baseline spec ("git:..."). */
int baseline_is_git(const char *s);

/* Split "git:REF[:PATH]" into malloc'd REF and PATH (NULL when absent).
 * 64 on an empty REF or PATH. */
int baseline_spec_parse(const char *spec, char **ref, char **path,
			struct mlci_err *err);

struct baseline_git {
	char *ref;		/* REF */
	char *path;		/* PATH, or NULL: the note */
	char commit[41];	/* REF's commit */
	int found;		/* something was read */
	char reason[256];	/* why not, when !found */
	int fetched;		/* REF or the notes ref came from the remote */
	json_t *metrics;	/* the mlci.metrics artifact (kind, version checked) */
	char sha[65];		/* sha256 of the metrics bytes as stored (a note:
				 * of the metrics as artifact_dumps writes them,
				 * so the file mlci-evaluate wrote hashes alike) */
	char *where;		/* "git:REF:PATH" or "git:REF (note on COMMIT)" */
	char *pred;		/* the predictions file's bytes, or NULL */
	size_t npred;
	char *pred_where;	/* how to name them: "git:REF:DIR/predictions.csv" */
};

struct baseline_git_opts {
	const char *remote;	/* NULL: BASELINE_DEFAULT_REMOTE */
	int want_predictions;	/* read the predictions too (paired rules) */
};

/*
 * Read the baseline spec names. Returns 0 with *b filled (free with
 * baseline_git_free; b->found says whether there was a baseline), or -1
 * with err set: 64 bad spec, 65 a metrics file or note that is not valid
 * JSON (named "git:REF:PATH", with line and column; NaN is not JSON) or
 * not an mlci.metrics artifact, 66 no repository here, REF unknown
 * locally and on the remote, or no such remote, 75 remote unreachable.
 */
int baseline_git_load(const char *spec, const struct baseline_git_opts *o,
		      struct baseline_git *b, struct mlci_err *err);

void baseline_git_free(struct baseline_git *b);

/* ---- notes ---- */

/*
 * Encode a note: metrics is the mlci.metrics artifact; pred (npred
 * bytes, may be NULL) the predictions file, pred_path the name the
 * metrics record for it. Returns a malloc'd NUL-terminated text, or NULL
 * with err set (65 predictions too large, 70 memory).
 */
char *baseline_note_encode(const json_t *metrics, const char *pred_path,
			   const char *pred, size_t npred, struct mlci_err *err);

/*
 * Decode a note's text (named where in errors): *metrics gets a new
 * reference to the metrics artifact (kind and version checked); with
 * want_pred, *pred and *npred the predictions (NULL when the note has none,
 * checked against their sha256) and *pred_path their recorded name.
 * 65 on any malformed part.
 */
int baseline_note_decode(const char *text, size_t n, const char *where,
			 int want_pred, json_t **metrics, char **pred,
			 size_t *npred, char **pred_path, struct mlci_err *err);

/*
 * Parse metrics bytes named where into a checked mlci.metrics artifact
 * (65: invalid JSON with line and column, wrong kind or version).
 */
int baseline_parse_metrics(const char *text, size_t n, const char *where,
			   json_t **art, struct mlci_err *err);

struct baseline_record_opts {
	const char *metrics;	/* metrics.json */
	const char *predictions;	/* its predictions file, or NULL: the one
					 * it records, next to it (if any) */
	const char *ref;	/* the commit to annotate; NULL: HEAD */
	const char *remote;	/* where refs/notes/mlci comes from when it
				 * is missing locally; NULL: origin */
};

struct baseline_record_result {
	char commit[41];	/* the annotated commit */
	int replaced;		/* there was another note on it */
	int unchanged;		/* the same note was already there */
	int with_predictions;
	size_t bytes;		/* the note's size */
};

/*
 * Write the metrics (and predictions) as the note of the commit in
 * refs/notes/mlci, replacing any note it had (an identical note is left
 * as it is: no new notes commit). The working tree and the index are not
 * touched. When refs/notes/mlci is missing locally, it is first fetched
 * from the remote if the repository has that remote (so the notes
 * recorded before are kept); a remote without it is fine. 66 no
 * repository, metrics or recorded predictions missing, REF unknown; 65
 * bad metrics; 75 remote unreachable; 73 the notes ref cannot be written.
 */
int baseline_record(const struct baseline_record_opts *o,
		    struct baseline_record_result *res, struct mlci_err *err);

/* ---- noise bands ---- */

/*
 * The band of n recorded values of a metric:
 *   low, high  the smallest and largest value
 *   mean       their mean
 *   sd         their sample standard deviation (n - 1)
 *   n          how many
 * Returns 0, or 1 (undefined: fewer than 2 values; only n is set).
 */
struct baseline_band {
	double low, high, mean, sd;
	size_t n;
};

int baseline_band(const double *v, size_t n, struct baseline_band *out);

/* Where the candidate falls: "below" (< low), "above" (> high) or
 * "within" (within RULE_TOL_* of the ends counts as within). */
const char *baseline_band_position(const struct baseline_band *b, double value);

struct baseline_history {
	char *ref;
	char commit[41];	/* where the walk started */
	size_t walked;		/* commits looked at */
	int truncated;		/* the walk stopped at a shallow clone's boundary:
				 * the rest could not be fetched */
	json_t *notes;		/* [{commit, metrics}] newest first */
};

/*
 * The metrics of the last `want` notes along the first-parent history
 * of ref (its own commit included), fetching refs/notes/mlci when it is
 * missing. At a shallow clone's boundary, ref's whole history is fetched
 * into a temporary repository (as above) and the walk goes on there;
 * if that fails, it ends (truncated). At most BASELINE_HISTORY_WALK
 * commits. No notes: an empty list, not an error. Errors as
 * baseline_git_load.
 */
int baseline_history_load(const char *ref, size_t want,
			  const struct baseline_git_opts *o,
			  struct baseline_history *h, struct mlci_err *err);

void baseline_history_free(struct baseline_history *h);

#endif
