/*
 * validate.h - data statistics, schema inference, schema checking and
 * anomalies: the core of mlci-validate-data.
 *
 * Types. A column's type is the narrowest of integer < number that every
 * non-missing value parses as (strictly, C locale), else boolean when
 * every value is true/false (any letter case), else string. 0/1 columns
 * stay integer; yes/no columns are strings (two categories), since yes/no
 * are just as often plain labels. A column with no values at all is a
 * string column.
 *
 * Categories. A string column is categorical when it has at most
 * VALIDATE_MAX_CATEGORIES distinct values and at most half as many
 * distinct values as non-missing values. The label column's values, as
 * written, are its classes when it is a string or boolean column with at
 * most MODEL_MAX_CLASSES (4096, as many classes as mlci-train allows)
 * distinct values, or a numeric column that also passes the string
 * columns' test (wine's 0/1/2 are classes; flights' delay, with hundreds
 * of distinct values, records only its range). A numeric regression
 * target with few distinct values (student G3, abalone rings) looks like
 * classes too: a schema cannot tell them apart, so drop "categories" from
 * such a target's schema column to allow new values.
 *
 * Schema (kind mlci.schema): "columns" in file order (at least one;
 * names non-empty and unique), each {name, type, nullable, min/max for
 * numbers, categories (sorted, byte order; not empty) for categorical
 * columns, optional max_missing and domain}, no other keys; "label" when
 * one was given; "domain". domain "observed" (what --infer-schema writes)
 * means min/max and categories are what the training data showed, so a
 * value outside them is a warning (new data drifting beyond what the
 * model saw); domain "enforced" (the default when a hand-written schema
 * leaves it out) makes them errors. A per-column domain beats the
 * top-level one. The label's categories are always enforced.
 *
 * Constraints. Beside type, nullable, min/max, categories and
 * max_missing, a schema column may carry what a user edits in by hand
 * (inference never writes them):
 *   "pattern": a POSIX extended regular expression every non-missing
 *   value (as written) must match, searched as JSON Schema's "pattern"
 *   is, so anchor it ("^[A-Z]{2}[0-9]{4}$") to match the whole value;
 *   values that do not match are a pattern_mismatch error.
 *   "unique": true: no non-missing value may occur twice (ID columns);
 *   repeats are a duplicate_values error. Exact for up to 1.5 million
 *   distinct values (a 64-bit hash each, at most 16 MiB per unique
 *   column), then estimated from a hash sample as duplicate rows are.
 * Allowed categories are "categories" in an enforced domain; the
 * missing-rate limit is "max_missing"; a range is "min" and "max".
 *
 * Anomalies, each {code, severity, column?, message, count?}:
 *   missing_column error; extra_column warning; type_mismatch error;
 *   out_of_range and unseen_category per domain; missing_over_limit
 *   error (limit: --max-missing, else the schema column's max_missing,
 *   else 0 for a non-nullable schema column, else none); all_missing and
 *   constant_column warning; all_distinct info (an integer or string
 *   column with a different value in each of at least
 *   VALIDATE_MIN_ID_ROWS rows: an identifier?); duplicate_rows warning; label_column_missing, missing_label
 *   and unseen_label error; pattern_mismatch and duplicate_values
 *   error (see Constraints); mixed_types warning (a column with no schema
 *   column, not the label, whose values are at least half numbers but
 *   not all, so it is read as text: counted while its values are exact,
 *   at least VALIDATE_MIN_ID_ROWS values; the first non-number named).
 *   and unseen_label error; pii, shared_rows, shared_feature_rows,
 *   id_column and perfect_predictor (see below).
 *
 * One pass, bounded memory (see stream.h, colstats.h, sketch.h): the
 * data is read a record at a time and every column's statistics are
 * accumulated as it goes, together with the schema checks; memory does
 * not grow with the file, except for duplicate rows: a 64-bit hash per
 * distinct row, up to ROWSET_CAP (1.5 million, 16 MiB), then a hash
 * sample (duplicate_rows_exact false; the count an estimate, exactly 0
 * when no row repeats). Exact as before: counts, missing, types, mean,
 * std (one pass, long double: equal to the two-pass figure to rounding),
 * min, max, and distinct counts and values up to the caps (distinct:
 * 24576 per column, then HyperLogLog; values and top: 4096 distinct, the
 * label 4097, then SpaceSaving). Numeric columns also get "quantiles"
 * (p01 p05 p25 p50 p75 p95 p99, numpy's linear method while exact) and
 * a "histogram" (20 equal-width bins between min and max, fewer for
 * fewer distinct values; numpy.histogram's bins). While a column has at
 * most 4096 distinct values every figure is exact, from its exact
 * frequencies; past that they come from a KLL sketch (quantiles,
 * histogram) and HyperLogLog (distinct). Every column with values has a
 * "sketch" (its exact "frequencies"; once past the cap also "kll" and
 * "distinct" registers) and, when anything is estimated, a
 * "sketch_error": {quantiles: rank error, distinct: relative standard
 * error, frequencies: the most a top count can be over}; the report's
 * "sketch_bounds" states the bounds and caps. Beyond a cap: all_distinct
 * is judged within three standard errors of the estimate, and unseen
 * categories list the first values in row order.
 *
 * Shards (--shard K/N): one byte range of the file, aligned to records;
 * the partial report (kind mlci.data-report with "partial" and "state",
 * the serialized accumulators and checks) has no verdict. --merge PARTS
 * checks they are the N shards of one file and one run, merges them in
 * shard order, and writes the report the whole file would have given:
 * equal in every exact figure, the sketches within their stated error.
 * Each shard records the sha256 of its byte range and the file's size;
 * the merge reads the file when it is there (the shard's --data path,
 * or --data) to record its sha256, checking every range against its
 * shard's hash, else records a sha256 derived from the ordered range
 * hashes (and says so in "merged").
 *
 * Drift (--reference REPORT; the comparison is refdrift.h's): every
 * column is compared with the same column of a stored data report of
 * the training data (a --merge of shards will do; not a partial report,
 * 65), read from the sketches both reports keep, the current data's from
 * the report just built: numeric columns by KS (p-value), Wasserstein
 * (raw, and normalised by the reference's standard deviation) and PSI
 * over the reference's deciles; categorical and boolean columns by
 * chi-square (sparse categories pooled), Jensen-Shannon distance (base 2)
 * and PSI over the categories. PSI smooths every bin by +0.5 (drift.h), so
 * an empty bin gives a finite figure. While either side has at most 1000
 * values a column drifts when its Benjamini-Hochberg q-value (across all
 * columns with a p-value) is at most --drift-alpha (0.05: a 5% false
 * discovery rate over the columns); beyond, where any shift of no
 * consequence is "significant", by effect size: normalised Wasserstein
 * >= --drift-wasserstein (0.1, a tenth of a standard deviation),
 * Jensen-Shannon >= --drift-js (0.1), or PSI >= --drift-psi (0.25: the
 * credit-scoring convention reads PSI < 0.1 as stable, 0.1-0.25 as a
 * moderate and > 0.25 as a significant shift). Columns past the sketch
 * caps carry the KLL rank error: the KS p-value is computed from D minus
 * it (conservative). Not judged: fewer than 5 values on a side, or at
 * most 1000 and categories too sparse for chi-square even pooled.
 * --drift-threshold 'COL:alpha=A,psi=X,wasserstein=X,js=X,severity=S'
 * (or 'COL:off'), repeatable, overrides them for one column. The share
 * is drifted / compared columns (the label apart). Anomalies: drift
 * (per drifted column; --drift-severity, warning by default), dataset_drift
 * error when the share is above --max-drift-share (0.5, Evidently's
 * default), reference_type_mismatch warning (numeric on one side only:
 * not compared). With a label: label_shift warning when a class's share
 * moves by more than --max-label-shift (0.1, absolute), label_class_missing
 * warning (a reference class absent), label_unseen_in_reference error; a
 * numeric target that does not look like classes gets the numeric test
 * (label_drift warning). The report's "drift" object records the
 * reference (also an input with role "reference"), the settings, every
 * column's figures and decision with why, the share and the label section.
 * Leakage, personal data and the derived reports (leakcheck.h has the
 * rules): --against OTHER compares the data with another split (anomalies
 * shared_rows and perfect_predictor, errors; shared_feature_rows and
 * id_column, warnings; the report's "leakage"; not with shards); --pii
 * (pii_mode; the step's default warn) flags columns of personal data
 * (anomaly pii: an error in fail mode, else a warning; a "pii" object per
 * column with matches) and masks their values in the report, the inferred
 * schema and every output; --html, --codequality and --junit are rendered
 * from the final report and written with it, all or none.
 */
#ifndef MLCI_VALIDATE_H
#define MLCI_VALIDATE_H

#include <stddef.h>

#include <jansson.h>

#include "colstats.h"
#include "csv.h"
#include "error.h"
#include "stream.h"
#include "util.h"

#define VALIDATE_MAX_CATEGORIES 50
#define VALIDATE_TOP_VALUES 10
#define VALIDATE_MIN_ID_ROWS 20	/* rows before all_distinct is reported */

enum col_type { COL_INTEGER, COL_NUMBER, COL_BOOLEAN, COL_STRING };

/* "integer", "number", "boolean", "string". */
const char *col_type_name(enum col_type t);

/* Parse a type name; 0, or -1 when unknown. */
int col_type_parse(const char *s, enum col_type *out);

/* 1 when s is a value of type t ("string" takes anything). */
int col_type_accepts(enum col_type t, const char *s);

struct value_count {
	const char *value;	/* points into the frame */
	size_t count;
};

/* One column's statistics. Strings point into the accumulators the
 * data_stats owns. */
struct col_stats {
	const char *name;
	enum col_type type;
	size_t count;		/* non-missing values */
	size_t missing;
	/* integer and number columns; std is the sample standard deviation
	 * (n - 1, as pandas' describe), NaN when count < 2, +inf when it is
	 * beyond a double (values near DBL_MAX); no sum overflows before */
	double mean, std, min, max;
	size_t distinct;	/* distinct non-missing values (numbers by value) */
	int categorical;	/* see the header comment */
	/* string and boolean columns, and the label column whatever its
	 * type: every distinct value (as written) with its count,
	 * sorted by value (byte order); top: the most frequent, most first,
	 * ties by value; at most VALIDATE_TOP_VALUES */
	struct value_count *values;
	size_t nvalues;
	struct value_count *top;
	size_t ntop;
	int distinct_exact;	/* distinct is a count, not an estimate */
	int values_exact;	/* top counts are exact, not SpaceSaving's */
	const struct colacc *acc;	/* the sketches (owned by data_stats) */
};

struct pass;
struct refdrift_opts;
struct refdrift_ref;

struct data_stats {
	size_t nrows, ncols;
	struct col_stats *cols;
	size_t duplicate_rows;	/* rows equal to an earlier row (as pandas' duplicated) */
	int duplicates_exact;	/* 0: estimated from a sample of row hashes */
	struct pass *priv;	/* the accumulators the figures come from */
};

/*
 * Compute every column's statistics and the duplicate-row count of f
 * (the same accumulators a streamed pass uses). label (may be NULL)
 * names the label column, whose values are classes (see Categories
 * above). Free with data_stats_free. 70 on out of memory.
 */
int data_stats_compute(struct data_stats *s, const struct frame *f,
		       const char *label, struct mlci_err *err);

void data_stats_free(struct data_stats *s);

/* The "columns" array of a data report. New reference, or NULL. */
json_t *data_stats_json(const struct data_stats *s);

enum severity { SEV_ERROR, SEV_WARNING, SEV_INFO };

struct anomaly {
	const char *code;	/* static string, e.g. "missing_column" */
	enum severity severity;
	char *column;		/* owned, or NULL for a dataset-level one */
	char *message;		/* owned, one line */
	long count;		/* how many values or rows; -1 when not counted */
	uint32_t line, col;	/* where in the data (the first case); 0: nowhere */
};

struct anomalies {
	struct anomaly *v;
	size_t n, cap;
	size_t errors, warnings, infos;
};

/* Append an anomaly (message printf-style). 0, or -1 on out of memory. */
int anomalies_add(struct anomalies *a, const char *code, enum severity sev,
		  const char *column, long count, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The same with the data's line and column (0, 0: none), which the
 * report gives as "line" and "col" (and Code Quality points at). */
int anomalies_add_at(struct anomalies *a, const char *code, enum severity sev,
		     const char *column, long count, uint32_t line,
		     uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

void anomalies_free(struct anomalies *a);

/* The "anomalies" array of a data report. New reference, or NULL. */
json_t *anomalies_json(const struct anomalies *a);

struct schema_col {
	char *name;
	enum col_type type;
	int nullable;
	int has_range;
	double min, max;
	char **categories;	/* sorted; NULL when none */
	size_t ncategories;
	double max_missing;	/* < 0 when not given */
	int enforced;		/* 1: domain violations are errors */
	/* constraints a user adds (never inferred): see "Constraints" */
	char *pattern;		/* POSIX extended regex, or NULL */
	void *re;		/* the compiled pattern (regex_t) */
	int unique;		/* 1: no value may repeat (an ID column) */
};

struct schema {
	struct schema_col *cols;
	size_t ncols;
	char *label;		/* or NULL */
	int enforced;		/* the top-level domain: 1 "enforced", 0 "observed" */
};

/* Infer a schema from statistics (domain "observed"). label may be NULL.
 * Free with schema_free. 70 on out of memory. */
int schema_infer(struct schema *sc, const struct data_stats *s,
		 const char *label, struct mlci_err *err);

/* Read the "columns" (and "label", "domain") of an mlci.schema artifact;
 * 65 naming path (and the column's position and name) on anything
 * malformed: no columns, a column without a name, a name given twice,
 * an unknown type or key, ... */
int schema_from_json(struct schema *sc, const json_t *art, const char *path,
		     struct mlci_err *err);

/* Add "columns", "label" and "domain" to an artifact object. */
int schema_to_json(const struct schema *sc, json_t *art);

void schema_free(struct schema *sc);

/* Index of the schema column called name, or -1. */
int schema_find(const struct schema *sc, const char *name);

struct check_opts {
	const char *label;	/* label column, or NULL */
	double max_missing;	/* missing-rate limit for every column; < 0: none */
};

/*
 * Find the anomalies of f (with statistics s) against sc (may be NULL:
 * only the schema-free checks run). Appends to a. 70 on out of memory.
 */
int data_check(const struct frame *f, const struct data_stats *s,
	       const struct schema *sc, const struct check_opts *o,
	       struct anomalies *a, struct mlci_err *err);

/* What mlci-validate-data was asked to do. */
struct validate_opts {
	const char *data;		/* CSV to read */
	struct csv_opts csv;
	const char *label_suffix;	/* stripped from label values, or NULL */
	const char *label;		/* or NULL (then the schema's, if any) */
	const char *schema;		/* check against this mlci.schema, or NULL */
	const char *infer_schema;	/* write the inferred schema here, or NULL */
	const char *out;		/* the data report; NULL: not written, only
					 * kept in res->report (a caller in the
					 * library; not with shards or merges) */
	double max_missing;		/* < 0: not given */
	const char *producer;		/* "mlci-validate-data" */
	enum stream_format format;	/* csv, jsonl, or auto (by name) */
	unsigned shard, nshards;	/* write shard K of N's partial report; 0: whole */
	int shard_from_ci;	/* the shard came from CI_NODE_INDEX/CI_NODE_TOTAL */
	const char *const *merge;	/* merge these partial reports instead */
	size_t nmerge;
	/* drift against a reference report (refdrift.h), or NULL */
	const struct refdrift_opts *drift;
	const struct refdrift_ref *drift_ref;	/* internal: the loaded reference */
	/* leakage, personal data and report outputs (leakcheck.h) */
	const char *against;		/* compare with this file (--against), or NULL */
	long against_skip_rows;		/* its --skip-rows; < 0: the data's */
	int pii_mode;			/* enum pii_mode; 0 (off) when zeroed */
	int pii_given;			/* --pii was given (not with --merge) */
	const char *html;		/* the HTML profile, or NULL */
	const char *codequality;	/* GitLab Code Quality JSON, or NULL */
	const char *junit;		/* JUnit XML, or NULL */
	unsigned threads;		/* reading threads; 0: the online CPUs, at
					 * most VALIDATE_DEFAULT_THREADS */
};

#define VALIDATE_MAX_THREADS 64
#define VALIDATE_DEFAULT_THREADS 8

struct validate_result {
	size_t rows, cols;
	size_t errors, warnings, infos;
	int pass;			/* no error-severity anomaly */
	int partial;			/* a shard's partial report was written */
	size_t shards;			/* a merge of this many shards */
	json_t *report;			/* the report written (owned) */
	/* with a reference: columns compared, drifted, and their share */
	int drift;
	size_t drift_compared, drift_drifted;
	double drift_share;
};

/*
 * Read the data (one pass), compute statistics, infer and/or check the
 * schema, and write the report (and inferred schema) atomically: both or
 * none. A plain CSV file of two blocks (1 MiB) or more is read on
 * o->threads threads (see validate.c: the report does not depend on the
 * count). With nshards: write shard K's partial report. With nmerge: merge
 * partial reports into the report. Errors: 64 bad options (a shard spec
 * out of range, --infer-schema with a shard, data options with --merge),
 * 65/66 data, schema or parts (not the shards of one run, one missing or
 * given twice), 73/74 outputs; then no output is left. A failing verdict
 * is not an error: see res->pass.
 */
int validate_run(const struct validate_opts *o, struct validate_result *res,
		 struct mlci_err *err);

void validate_result_free(struct validate_result *res);

/* What mlci-validate-data prints on stdout after validate_run: the
 * report itself (json), or one summary line (a shard's, or the verdict
 * with the counts and, with a reference, the drift share). 0, or -1 on
 * out of memory. */
int validate_summary(const struct validate_opts *o,
		     const struct validate_result *res, int json,
		     struct buf *out);

#endif
