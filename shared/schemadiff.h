/*
 * schemadiff.h - compare two schemas (mlci.schema) and classify every
 * change as breaking or additive: the core of mlci-validate-data
 * --schema-diff OLD NEW.
 *
 * Point of view. The schema is the contract between the producers of the
 * data and its consumer, the model. A change is breaking when data that
 * passed the old schema can fail the new one (producers break), or when
 * the new schema no longer promises a column the old one did (consumers
 * break); it is additive when everything that passed still passes and
 * nothing promised is lost. Columns are matched by name; their order is
 * not part of the contract and is not reported.
 *
 * Change kinds (column is NULL for the schema-level ones):
 *   label_changed            breaking   the label column differs (or is added/dropped)
 *   domain_enforced          breaking   observed -> enforced: range and category
 *                                       violations become errors (schema-level when
 *                                       the top-level domain changed; per column when
 *                                       a column's own domain changed otherwise)
 *   domain_observed          additive   enforced -> observed
 *   column_removed           breaking   consumers lose the column
 *   column_added             breaking   data without the column fails the new
 *                                       schema (missing_column is an error, nullable
 *                                       or not: nullable allows empty cells, not an
 *                                       absent column)
 *   column_renamed           breaking   a removed and an added column with the same
 *                                       type, nullability, range, categories and
 *                                       max_missing, and either a range or categories
 *                                       or the same position: reported once, as a
 *                                       likely rename ("renamed?"), instead of a
 *                                       removal and an addition
 *   type_narrowed            breaking   the new type accepts less: string -> number,
 *                                       integer or boolean; number -> integer
 *   type_widened             additive   integer -> number; anything -> string
 *   type_changed             breaking   boolean <-> integer or number
 *   became_required          breaking   nullable -> not nullable
 *   became_nullable          additive
 *   category_removed         breaking   one per value no longer listed
 *   category_added           additive   one per value newly listed
 *   categories_restricted    breaking   a category list where there was none
 *   categories_unrestricted  additive   the category list dropped
 *   min_raised, max_lowered  breaking   the range tightened
 *   min_lowered, max_raised  additive   the range widened
 *   range_added              breaking   a range where there was none
 *   range_removed            additive
 *   max_missing_lowered      breaking   the missing-value limit (max_missing, else 0
 *                                       for a required column, else none) went down
 *   max_missing_raised       additive   ... went up; both only when max_missing is
 *                                       given on either side (a nullability change
 *                                       alone is reported as became_*)
 *   pattern_added            breaking   a "pattern" where there was none
 *   pattern_changed          breaking   another pattern (regexes cannot be compared)
 *   pattern_removed          additive
 *   became_unique            breaking   "unique": true where it was not
 *   unique_dropped           additive
 * A domain change matters even in an observed schema: a narrower contract
 * is worth a reviewer's look, so category_removed and friends are breaking
 * whatever the domain.
 */
#ifndef MLCI_SCHEMADIFF_H
#define MLCI_SCHEMADIFF_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "util.h"
#include "validate.h"

#define KIND_SCHEMA_DIFF "mlci.schema-diff"
#define SCHEMA_SCHEMA_DIFF 1

struct schema_change {
	const char *kind;	/* static, e.g. "column_removed" */
	char *column;		/* owned; NULL for a schema-level change */
	int breaking;		/* 1 breaking, 0 additive */
	char *old_value;	/* owned display text, or NULL when there was none */
	char *new_value;	/* owned display text, or NULL */
	char *message;		/* owned, one line */
};

struct schema_diff {
	struct schema_change *v;
	size_t n, cap;
	size_t breaking, additive;
};

/*
 * Compare old_sc with new_sc and fill d (zeroed first) with every change,
 * schema-level ones first, then by old column order, then added columns
 * in new order. Free with schema_diff_free. 70 on out of memory.
 */
int schema_diff_compute(struct schema_diff *d, const struct schema *old_sc,
			const struct schema *new_sc, struct mlci_err *err);

/* Free every change; d is left empty (safe on a zeroed diff). */
void schema_diff_free(struct schema_diff *d);

/* "breaking" when a change is breaking, else "additive" when there are
 * changes, else "unchanged". */
const char *schema_diff_verdict(const struct schema_diff *d);

/*
 * Append the changes as an aligned text table (header "change  column
 * old → new  verdict", one row per change, UTF-8; control characters in
 * names shown as '?', long cells cut with "..."), or "no changes\n".
 * 0, or -1 on out of memory.
 */
int schema_diff_table(const struct schema_diff *d, struct buf *out);

/* The "changes" array ([{kind, column, breaking, old, new, message}],
 * column/old/new null when absent). New reference, or NULL. */
json_t *schema_diff_json(const struct schema_diff *d);

/* What mlci-validate-data --schema-diff was asked. */
struct schema_diff_opts {
	const char *old_path;	/* the schema the data satisfied so far */
	const char *new_path;	/* the proposed schema */
	const char *out;	/* write the mlci.schema-diff artifact here, or NULL */
	const char *producer;	/* "mlci-validate-data" */
};

struct schema_diff_result {
	struct schema_diff diff;
	json_t *artifact;	/* kind mlci.schema-diff: envelope, inputs
				 * (role "baseline": old, "schema": new),
				 * changes, counts, verdict (owned) */
};

/*
 * Load both schemas (artifact_load + schema_from_json), compare them, and
 * write the artifact atomically when o->out is set. Errors: 64 (--out
 * naming an input), 66 missing file, 65 malformed or not an mlci.schema,
 * 73/74 output; then nothing is written. A breaking change is not an
 * error: see res->diff.breaking.
 */
int schema_diff_run(const struct schema_diff_opts *o,
		    struct schema_diff_result *res, struct mlci_err *err);

/* Free the diff and the artifact; safe on a zeroed result. */
void schema_diff_result_free(struct schema_diff_result *res);

/* What --schema-diff prints: the artifact (json), or the table and the
 * summary line (naming o->out when there is one). 0, or -1 on out of
 * memory. */
int schema_diff_output(const struct schema_diff_opts *o,
		       const struct schema_diff_result *res, int json,
		       struct buf *out);

/* One line for stdout: "OLD → NEW: 3 changes, 1 breaking, 2 additive:
 * breaking". 0, or -1 on out of memory. */
int schema_diff_summary(const struct schema_diff_opts *o,
			const struct schema_diff *d, struct buf *out);

#endif
