/*
 * leakcheck.h - what mlci-validate-data checks beyond one file's
 * statistics: leakage between two splits (--against), personal data in
 * columns (--pii), and the reports derived from the data report (--html,
 * --codequality, --junit). validate.c calls these at a few hook points of
 * its one pass; the rules are documented here.
 *
 * Leakage (--against OTHER; OTHER read with the same reader options as
 * the data, --against-skip-rows aside, and the same --label-suffix on its
 * label). Columns are matched by name; the rows are compared over the
 * columns both files have (in the data's order), each cell by its hash,
 * a missing cell equal to a missing cell (as pandas' merge matches NaN).
 *   - OTHER is read first: the 64-bit hash of each of its rows (all
 *     shared columns; and, when both files have the label, the features
 *     alone) goes into a sorted set, 8 bytes per distinct row, exact up
 *     to LC_ROWS_CAP distinct rows (2,097,152: 16 MiB a set, 24 MiB while
 *     it last grows); past that a hash sample (hashes whose top bits are
 *     zero, halved as needed), the figures scaled up and marked "exact":
 *     false. Then each row of the
 *     data is looked up during its one pass, and after the pass OTHER is
 *     read once more to count its rows that occur in the data and find the
 *     examples' line numbers (its sha256 must not change in between).
 *     Anomalies: shared_rows (error): rows of the data that also occur in
 *     OTHER, with the distinct count, OTHER's count and up to
 *     LC_EXAMPLES pairs of line numbers (never values);
 *     shared_feature_rows (warning): more rows share every feature (all
 *     shared columns but the label) with a row of OTHER than share the
 *     whole row, i.e. the same input with another label.
 *   - id_column (warning): an integer or string column other than the
 *     label with a different value in each of at least
 *     VALIDATE_MIN_ID_ROWS rows: a model can memorise it. The message
 *     says how many of its values also occur in OTHER's column of that
 *     name: exact while the column has at most LC_ID_K (2048) distinct
 *     values, else estimated from a bottom-k sample of its value hashes
 *     (16 KiB a column).
 *   - perfect_predictor (error; with a label): a column other than the
 *     label each of whose values goes with a single label, with at least
 *     two labels in all, over at least LC_MIN_PREDICTOR_ROWS rows with
 *     both a value and a label, and fewer distinct values than half those
 *     rows (so every value repeats on average: an all-distinct column
 *     trivially "predicts" and is an id_column instead). Values and labels
 *     are compared by hash; a column with more than LEAK_MAX_VALUES
 *     distinct values is not judged; a column is dropped (and its table
 *     freed) as soon as one value comes with two labels.
 * The report's "leakage" object holds the figures; the inputs list OTHER
 * with role "against". Not with --shard or --merge (it needs every row).
 *
 * Personal data (--pii fail|warn|off, default warn): every non-missing
 * value of every column goes to pii_col_add during the pass (pii.h has
 * the detectors); a column is flagged for a type when the share of its
 * values of that type reaches pii_col_threshold. Each column with any
 * match gets a "pii" object (pii_col_json: values, matches and share per
 * type, flagged types); the report's "pii" lists the mode, threshold and
 * flagged columns; one anomaly "pii" per flagged column, an error with
 * --pii fail (exit 1), else a warning. The tallies are part of a shard's
 * partial state and merge exactly. A flagged column's raw values are
 * never copied into the report or what is derived from it: its top values
 * are masked (pii_mask), its sketch's frequencies dropped (and for a
 * numeric column also min, max, mean, std, quantiles, histogram and the
 * sketch), the values quoted in its anomalies' messages masked, and the
 * inferred schema keeps no categories or range for it. (A shard's partial
 * report holds the exact accumulators, raw values included, since only
 * the merge can tell what is flagged: keep partial reports private.)
 *
 * Outputs: --html (profile.h), --codequality (GitLab's Code Quality
 * JSON, dqreport.h), --junit (dqreport.h; timestamp from
 * SOURCE_DATE_EPOCH when set), all rendered from the final report and
 * committed together with it.
 */
#ifndef MLCI_LEAKCHECK_H
#define MLCI_LEAKCHECK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "io.h"
#include "stream.h"
#include "validate.h"

#define LC_ROWS_CAP (1u << 21)
#define LC_ID_K 2048
#define LC_EXAMPLES 5
#define LC_MIN_PREDICTOR_ROWS 20

/* ---- personal data ---- */

struct lc_pii;

/* The command line's --pii, --against and --against-skip-rows into o
 * (64 on a bad mode, a skip count below 0, or a skip without --against).
 * pii NULL: the default, warn. against_skip -1: not given. */
int lc_opts_set(struct validate_opts *o, const char *pii, const char *against,
		long against_skip, struct mlci_err *err);

/* Tallies for ncols columns; mode is an enum pii_mode (not off). */
int lc_pii_new(struct lc_pii **out, char *const *names, size_t ncols,
	       int mode, struct mlci_err *err);
void lc_pii_free(struct lc_pii *p);

/* 0 when s cannot be of any type pii_classify knows (a quick scan: a
 * superset of the values it accepts passes); lc_pii_add classifies only
 * the values that pass. */
int lc_pii_candidate(const char *s);

/* One value of column col; NULL when missing. */
void lc_pii_add(struct lc_pii *p, size_t col, const char *s);

/* lc_pii_add of a value colacc_number read as a number (len bytes):
 * one shorter than 13 bytes that does not begin with '+' has too few
 * digits for a card, no '+', '(' or three digit groups for a phone and
 * no three dots for an IP address, and is counted without a scan. */
void lc_pii_add_number(struct lc_pii *p, size_t col, const char *s,
		       size_t len);

/* That test: 1 when a number of len bytes at s is counted unscanned. */
static inline int lc_pii_plain_number(const char *s, size_t len)
{
	return len < 13 && s[0] != '+';
}

/* n values of column col that lc_pii_plain_number passed, counted at
 * once (the tally is a count: where they fall in the column does not
 * matter). */
void lc_pii_add_plain(struct lc_pii *p, size_t col, size_t n);

/* b's counts into a's (shards of one run: same mode, same columns). */
int lc_pii_merge(struct lc_pii *a, const struct lc_pii *b,
		 struct mlci_err *err);

/* The state for a partial report, and back (65 naming path). */
json_t *lc_pii_to_json(const struct lc_pii *p);
int lc_pii_from_json(struct lc_pii **out, const json_t *j, char *const *names,
		     size_t ncols, const char *path, struct mlci_err *err);

/* ---- leakage ---- */

struct lc_leak;

/*
 * Read o->against (the first of its two reads) for data columns names;
 * label (may be NULL) the label's name. 66/65 naming the file, 65 when it
 * shares no column with the data.
 */
int lc_leak_new(struct lc_leak **out, const struct validate_opts *o,
		char *const *names, size_t ncols, const char *label,
		struct mlci_err *err);
void lc_leak_free(struct lc_leak *l);

/* One cell of the current data row (s NULL: missing; h its sketch_hash),
 * then the end of the row (line: where it starts). */
void lc_leak_cell(struct lc_leak *l, size_t col, const char *s, uint64_t h);
int lc_leak_row(struct lc_leak *l, uint32_t line, struct mlci_err *err);

/* ---- after the pass ---- */

/* The anomalies of personal data and leakage (either may be NULL); reads
 * OTHER the second time. 70/65/74. */
int lc_checks(struct lc_pii *pii, struct lc_leak *leak,
	      const struct data_stats *s, const char *label,
	      struct anomalies *a, struct mlci_err *err);

/* Add "leakage", "pii" and the columns' "pii" to a report, and mask the
 * flagged columns (see above). 70 on out of memory. */
int lc_report(json_t *report, const struct lc_pii *pii,
	      const struct lc_leak *leak, struct mlci_err *err);

/* Drop the flagged columns' categories and ranges from an inferred
 * schema. */
int lc_scrub_schema(json_t *schema, const struct lc_pii *pii,
		    struct mlci_err *err);

/* Open o->html, o->codequality and o->junit (those given) as af[*n...]
 * and write what report renders to; the caller commits or aborts. */
int lc_write_outputs(const struct validate_opts *o, const json_t *report,
		     struct afile *af, size_t *n, struct mlci_err *err);

#endif
