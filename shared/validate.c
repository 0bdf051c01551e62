/*
 * validate.c - column statistics, schema inference and checking, and
 * the data report. See validate.h for the rules.
 */
#include "validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <errno.h>
#include <regex.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "colstats.h"
#include "io.h"
#include "leakcheck.h"
#include "model.h"
#include "refdrift.h"
#include "sketch.h"
#include "stream.h"
#include "util.h"

#define OOM(err) err_set((err), MLCI_EXIT_SOFTWARE, NULL, "out of memory")

/* ---- types ---- */

static const char *const type_names[] = { "integer", "number", "boolean",
					  "string" };

const char *col_type_name(enum col_type t)
{
	return (unsigned)t < 4 ? type_names[t] : "?";
}

int col_type_parse(const char *s, enum col_type *out)
{
	int i;

	for (i = 0; s && i < 4; i++)
		if (!strcmp(s, type_names[i])) {
			*out = (enum col_type)i;
			return 0;
		}
	return -1;
}

static int is_bool(const char *s)
{
	return !strcasecmp(s, "true") || !strcasecmp(s, "false");
}

int col_type_accepts(enum col_type t, const char *s)
{
	long l;
	double d;

	switch (t) {
	case COL_INTEGER: return parse_long(s, &l) == 0;
	case COL_NUMBER: return parse_double(s, &d) == 0;
	case COL_BOOLEAN: return is_bool(s);
	case COL_STRING: return 1;
	}
	return 0;
}

/* A cell's number in a column known to be numeric. */
static double cell_number(const char *s)
{
	double d = 0;
	long l;

	if (parse_long(s, &l) == 0)
		return (double)l;
	parse_double(s, &d);
	return d;
}

/* A number for a message: integers in full, others shortest round-trip. */
static void num_str(char *out, size_t n, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, n, "%.0f", v);
	else
		fmt_double(out, n, v);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static int is_numeric(enum col_type t)
{
	return t == COL_INTEGER || t == COL_NUMBER;
}

/* ---- statistics ---- */


/* What one checked column collects during the pass, against its schema
 * column: the values of the wrong type, outside the range, and outside
 * the categories, with the first of each (where it was). */
struct colcheck {
	uint64_t type_bad;
	struct first_bad type_first;
	uint64_t range_bad;
	uint32_t range_line, range_col;
	double range_value;
	uint64_t cat_bad;
	char *cat_vals[5];	/* the first unseen values, in row order */
	size_t ncat;
	uint64_t pat_bad;	/* values not matching the column's pattern */
	struct first_bad pat_first;
	int uniq_on;		/* a unique column: uniq holds its values' hashes */
	struct rowset uniq;
	struct first_bad uniq_first;	/* the first repeat found (line 0: none) */
};

/* Everything one pass over the rows accumulates (validate.h: "pass"). */
struct pass {
	size_t ncols;
	char **names;
	struct colacc *acc;
	struct colcheck *chk;	/* ncols; NULL without a schema */
	int *sidx;		/* per column: its schema column, or -1 */
	int label;		/* the label's column, or -1 */
	char *suffix;		/* dropped from label values, or NULL */
	char *lbuf;		/* the label cell without its suffix */
	size_t lcap;
	struct rowset rows;
	uint64_t nrows;
	/* personal data and leakage (leakcheck.h), or NULL */
	struct lc_pii *pii;
	struct lc_leak *leak;
	uint64_t pend[8];	/* row hashes not yet in rows (prefetched) */
	unsigned npend;
	/* per column, numbers waiting for colacc_add_numbers (PASS_RUN a
	 * column, allocated at the first): a column's run is added before
	 * any other value of it, and by pass_flush */
	double *run;
	uint32_t *nrun;
	/* per column, numbers the personal-data tally counts unread, not
	 * yet added to it (by pass_flush) */
	uint64_t *plain;
	int padded;		/* the cells may be read STREAM_PAD bytes ahead */
};

#define PASS_RUN 64

/* what a partial report's "row_keys" says (colacc_cell_key) */
#define ROW_KEYS "numbers by value"

static void colcheck_free(struct colcheck *k)
{
	size_t i;

	free(k->type_first.value);
	for (i = 0; i < k->ncat; i++)
		free(k->cat_vals[i]);
	free(k->pat_first.value);
	free(k->uniq_first.value);
	if (k->uniq_on)
		rowset_free(&k->uniq);
	memset(k, 0, sizeof(*k));
}

static void pass_free(struct pass *p)
{
	size_t c;

	if (!p)
		return;
	for (c = 0; c < p->ncols; c++) {
		if (p->names)
			free(p->names[c]);
		if (p->acc)
			colacc_free(&p->acc[c]);
		if (p->chk)
			colcheck_free(&p->chk[c]);
	}
	free(p->names);
	free(p->run);
	free(p->nrun);
	free(p->plain);
	free(p->acc);
	free(p->chk);
	free(p->sidx);
	free(p->suffix);
	free(p->lbuf);
	rowset_free(&p->rows);
	lc_pii_free(p->pii);
	lc_leak_free(p->leak);
	free(p);
}

static int pass_new(struct pass **out, char *const *names, size_t ncols,
		    const char *label, const char *suffix,
		    const struct schema *sc, struct mlci_err *err)
{
	struct pass *p = calloc(1, sizeof(*p));
	size_t c;

	*out = NULL;
	if (!p)
		return OOM(err);
	p->label = -1;
	rowset_init(&p->rows, ROWSET_CAP);
	p->names = calloc(ncols ? ncols : 1, sizeof(*p->names));
	p->acc = calloc(ncols ? ncols : 1, sizeof(*p->acc));
	p->sidx = calloc(ncols ? ncols : 1, sizeof(*p->sidx));
	if (!p->names || !p->acc || !p->sidx ||
	    (suffix && !(p->suffix = strdup(suffix))))
		goto oom;
	if (sc && !(p->chk = calloc(ncols ? ncols : 1, sizeof(*p->chk))))
		goto oom;
	for (c = 0; c < ncols; c++) {
		int is_label = label && !strcmp(label, names[c]);

		if (!(p->names[c] = strdup(names[c])))
			goto oom;
		/* the label's classes are counted exactly up to what
		 * mlci-train allows, one more to tell "too many" */
		colacc_init(&p->acc[c], is_label ? (uint32_t)MODEL_MAX_CLASSES + 1 :
			    FREQ_CAP);
		p->ncols = c + 1;
		p->sidx[c] = sc ? schema_find(sc, names[c]) : -1;
		if (is_label)
			p->label = (int)c;
	}
	*out = p;
	return 0;
oom:
	pass_free(p);
	return OOM(err);
}

static int copy_first(struct first_bad *f, const char *s, size_t len,
		      uint32_t line, uint32_t col)
{
	if (len > 63)
		len = 63;
	f->value = malloc(len + 1);
	if (!f->value)
		return -1;
	memcpy(f->value, s, len);
	f->value[len] = '\0';
	f->line = line ? line : 1;
	f->col = col;
	return 0;
}

static int in_categories(const struct schema_col *col, const char *s);

/* One non-missing cell against its schema column. */
static int check_cell(struct colcheck *k, const struct schema_col *col,
		      const char *s, size_t len, uint32_t line, uint32_t colno)
{
	if (!col_type_accepts(col->type, s) && !k->type_bad++ &&
	    copy_first(&k->type_first, s, len, line, colno) < 0)
		return -1;
	if (col->has_range && is_numeric(col->type)) {
		double d = cell_number(s);

		if ((d < col->min || d > col->max) && !k->range_bad++) {
			k->range_line = line;
			k->range_col = colno;
			k->range_value = d;
		}
	}
	if (col->categories && !in_categories(col, s)) {
		if (k->ncat < 5) {
			size_t n = len > 40 ? 40 : len;

			if (!(k->cat_vals[k->ncat] = malloc(n + 1)))
				return -1;
			memcpy(k->cat_vals[k->ncat], s, n);
			k->cat_vals[k->ncat++][n] = '\0';
		}
		k->cat_bad++;
	}
	if (col->re && regexec(col->re, s, 0, NULL, 0) != 0 &&
	    !k->pat_bad++ && copy_first(&k->pat_first, s, len, line, colno) < 0)
		return -1;
	if (col->unique) {
		if (!k->uniq_on) {
			rowset_init(&k->uniq, ROWSET_CAP);
			k->uniq_on = 1;
		}
		uint64_t before = k->uniq.dups;
		int is_text;

		/* values as everywhere: numbers by value (1 and 1.0 repeat) */
		if (rowset_add(&k->uniq, sketch_mix(colacc_cell_key(s, len, &is_text))) < 0)
			return -1;
		if (k->uniq.dups > before && !k->uniq_first.line &&
		    copy_first(&k->uniq_first, s, len, line, colno) < 0)
			return -1;
	}
	return 0;
}

/* Add column c's waiting numbers to its accumulator. */
static int pass_run_flush(struct pass *p, size_t c, struct mlci_err *err)
{
	uint32_t n = p->nrun[c];

	p->nrun[c] = 0;
	return n ? colacc_add_numbers(&p->acc[c], p->run + c * PASS_RUN, n, err) : 0;
}

static int pass_flush_rows(struct pass *p)
{
	unsigned i;

	for (i = 0; i < p->npend; i++)
		if (rowset_add(&p->rows, p->pend[i]) < 0)
			return -1;
	p->npend = 0;
	return 0;
}

/* Add one record (ncols cells). The label's suffix is dropped (from a
 * copy) before anything looks at it. */
static int pass_add(struct pass *p, const struct stream_field *f,
		    const struct schema *sc, struct mlci_err *err)
{
	uint64_t h = 0x243f6a8885a308d3ULL;
	size_t c;

	for (c = 0; c < p->ncols; c++) {
		const char *s = f[c].s;
		size_t len = f[c].len;
		uint64_t ch = 0x8c3b6a0f2e4d1c97ULL;	/* missing */

		if (s && (int)c == p->label && p->suffix) {
			size_t n = strlen(p->suffix);

			if (n && len >= n && !memcmp(s + len - n, p->suffix, n)) {
				if (len + 1 > p->lcap) {
					char *nb = realloc(p->lbuf, len + 1);

					if (!nb)
						return OOM(err);
					p->lbuf = nb;
					p->lcap = len + 1;
				}
				len -= n;
				memcpy(p->lbuf, s, len);
				p->lbuf[len] = '\0';
				s = p->lbuf;
			}
		}
		struct colacc_num pre = { 0 };
		const uint64_t *text = NULL;	/* ch, when it is the text's hash */

		/* a column of numbers so far: the number read once, for the
		 * accumulator, the personal-data tally and the row's key */
		if (s && p->acc[c].all_num)
			pre.ok = (p->padded && s == f[c].s ?
				  colacc_number_pad(s, len, &pre.v, &pre.is_int) :
				  colacc_number(s, len, &pre.v, &pre.is_int)) == 0;
		if (s) {
			int is_text = 1;

			/* the cell's key in the row: numbers by value */
			if (pre.ok)
				ch = colacc_number_key(s, len, pre.v, pre.is_int), is_text = 0;
			else if (p->acc[c].all_num)
				ch = sketch_hash(s, len);
			else
				ch = colacc_cell_key(s, len, &is_text);
			if (is_text)
				text = &ch;
		}
		if (p->pii && pre.ok && lc_pii_plain_number(s, len)) {
			if (!p->plain &&
			    !(p->plain = calloc(p->ncols, sizeof(*p->plain))))
				return OOM(err);
			p->plain[c]++;
		} else if (p->pii) {
			lc_pii_add(p->pii, c, s);
		}
		if (p->leak)
			lc_leak_cell(p->leak, c, s, ch);
		/* a column of numbers past its exact frequencies: its numbers
		 * wait in a run, added together */
		if (pre.ok && (pre.is_int || !p->acc[c].all_int) &&
		    colacc_takes_numbers(&p->acc[c]) &&
		    !(pre.is_int && fabs(pre.v) >= COLACC_EXACT_INT)) {
			if (!p->run &&
			    (!(p->run = malloc(p->ncols * PASS_RUN * sizeof(*p->run))) ||
			     !(p->nrun = calloc(p->ncols, sizeof(*p->nrun))))) {
				free(p->run);
				p->run = NULL;
				return OOM(err);
			}
			p->run[c * PASS_RUN + p->nrun[c]++] = pre.v;
			if (p->nrun[c] == PASS_RUN && pass_run_flush(p, c, err) < 0)
				return -1;
		} else if ((p->run && pass_run_flush(p, c, err) < 0) ||
			   colacc_add_parsed(&p->acc[c], s, len, text, f[c].line,
					     f[c].col, p->acc[c].all_num ? &pre : NULL,
					     err) < 0) {
			return -1;
		}
		if (s && p->chk && p->sidx[c] >= 0 &&
		    check_cell(&p->chk[c], &sc->cols[p->sidx[c]], s, len,
			       f[c].line, f[c].col) < 0)
			return OOM(err);
		h = sketch_mix(h ^ ch) * 0x9fb21c651e98df25ULL + (uint64_t)c;
	}
	p->nrows++;
	/* the row set's slot is a cache miss: prefetch it, add it 8 rows on */
	h = sketch_mix(h);
	rowset_prefetch(&p->rows, h);
	if (p->npend == 8 && pass_flush_rows(p) < 0)
		return OOM(err);
	if (p->leak && lc_leak_row(p->leak, p->ncols ? f[0].line : 0, err) < 0)
		return -1;
	p->pend[p->npend++] = h;
	return 0;
}

/* Add the pending row hashes (in order), numbers and distinct-count
 * adds: 0, or -1 out of memory. Before anything reads the pass. */
static int pass_flush(struct pass *p)
{
	struct mlci_err e;
	size_t c;

	if (pass_flush_rows(p) < 0)
		return -1;
	for (c = 0; c < p->ncols; c++) {
		if (p->run && pass_run_flush(p, c, &e) < 0)
			return -1;
		colacc_flush(&p->acc[c]);
		if (p->plain && p->plain[c]) {
			lc_pii_add_plain(p->pii, c, p->plain[c]);
			p->plain[c] = 0;
		}
	}
	return 0;
}

/* b's rows follow a's. */
static int colcheck_merge(struct colcheck *a, const struct colcheck *b)
{
	size_t i;

	if (!a->type_bad && b->type_bad) {
		a->type_first.value = strdup(b->type_first.value ? b->type_first.value : "");
		if (!a->type_first.value)
			return -1;
		a->type_first.line = b->type_first.line;
		a->type_first.col = b->type_first.col;
	}
	a->type_bad += b->type_bad;
	if (!a->range_bad && b->range_bad) {
		a->range_line = b->range_line;
		a->range_col = b->range_col;
		a->range_value = b->range_value;
	}
	a->range_bad += b->range_bad;
	for (i = 0; i < b->ncat && a->ncat < 5; i++)
		if (!(a->cat_vals[a->ncat++] = strdup(b->cat_vals[i])))
			return -1;
	a->cat_bad += b->cat_bad;
	if (!a->pat_bad && b->pat_bad) {
		a->pat_first.value = strdup(b->pat_first.value ? b->pat_first.value : "");
		if (!a->pat_first.value)
			return -1;
		a->pat_first.line = b->pat_first.line;
		a->pat_first.col = b->pat_first.col;
	}
	a->pat_bad += b->pat_bad;
	if (!a->uniq_first.line && b->uniq_first.line) {
		a->uniq_first.value = strdup(b->uniq_first.value ? b->uniq_first.value : "");
		if (!a->uniq_first.value)
			return -1;
		a->uniq_first.line = b->uniq_first.line;
		a->uniq_first.col = b->uniq_first.col;
	}
	if (b->uniq_on) {
		if (!a->uniq_on) {
			rowset_init(&a->uniq, ROWSET_CAP);
			a->uniq_on = 1;
		}
		if (rowset_merge(&a->uniq, &b->uniq) < 0)
			return -1;
	}
	return 0;
}

static int pass_merge(struct pass *a, const struct pass *b,
		      struct mlci_err *err)
{
	size_t c;

	for (c = 0; c < a->ncols; c++) {
		if (colacc_merge(&a->acc[c], &b->acc[c], err) < 0)
			return -1;
		if (a->chk && colcheck_merge(&a->chk[c], &b->chk[c]) < 0)
			return OOM(err);
	}
	a->nrows += b->nrows;
	if (pass_flush_rows(a) < 0 || rowset_merge(&a->rows, &b->rows) < 0)
		return OOM(err);
	if ((a->pii || b->pii) && lc_pii_merge(a->pii, b->pii, err) < 0)
		return -1;
	return 0;
}

/* ---- statistics ---- */

static int cmp_value(const void *a, const void *b)
{
	return strcmp(((const struct value_count *)a)->value,
		      ((const struct value_count *)b)->value);
}

/* Few distinct values, each repeated on average: categories. */
static int looks_categorical(const struct col_stats *cs)
{
	return cs->nvalues <= VALIDATE_MAX_CATEGORIES &&
		cs->nvalues * 2 <= cs->count;
}

static enum col_type acc_type(const struct colacc *a)
{
	if (!a->count)
		return COL_STRING;
	if (a->all_int)
		return COL_INTEGER;
	if (a->all_num)
		return COL_NUMBER;
	if (a->all_bool)
		return COL_BOOLEAN;
	return COL_STRING;
}

/* The distinct values and their counts (exact frequencies only), and the
 * most frequent (estimates past the cap). */
static int value_stats(struct col_stats *cs, const struct colacc *a, int list,
		       struct mlci_err *err)
{
	const struct freq_entry **by_count = freq_sorted(&a->freq, 1);
	size_t k = a->freq.n, i;

	if (k && !by_count)
		return OOM(err);
	cs->values_exact = !a->freq.ss && a->freq_state == FREQ_COMPLETE;
	if (list && cs->values_exact) {
		cs->values = calloc(k ? k : 1, sizeof(*cs->values));
		if (!cs->values)
			goto oom;
		for (i = 0; i < k; i++) {
			cs->values[i].value = by_count[i]->value;
			cs->values[i].count = (size_t)by_count[i]->count;
		}
		qsort(cs->values, k, sizeof(*cs->values), cmp_value);
		cs->nvalues = k;
	}
	cs->ntop = k < VALIDATE_TOP_VALUES ? k : VALIDATE_TOP_VALUES;
	cs->top = calloc(cs->ntop ? cs->ntop : 1, sizeof(*cs->top));
	if (!cs->top)
		goto oom;
	for (i = 0; i < cs->ntop; i++) {
		cs->top[i].value = by_count[i]->value;
		cs->top[i].count = (size_t)by_count[i]->count;
	}
	free(by_count);
	return 0;
oom:
	free(by_count);
	return OOM(err);
}

static int column_from_acc(struct col_stats *cs, const char *name,
			   const struct colacc *a, int is_label,
			   struct mlci_err *err)
{
	int exact = 1;

	cs->name = name;
	cs->acc = a;
	cs->type = acc_type(a);
	cs->count = (size_t)a->count;
	cs->missing = (size_t)a->missing;
	cs->mean = cs->std = cs->min = cs->max = NAN;
	cs->values_exact = 1;
	cs->distinct_exact = 1;
	if (!cs->count)
		return 0;
	if (is_numeric(cs->type)) {
		cs->mean = moments_mean(&a->mom);
		cs->std = moments_std(&a->mom);
		cs->min = a->mom.min;
		cs->max = a->mom.max;
		cs->distinct = (size_t)colacc_distinct(a, 1, &exact);
		cs->distinct_exact = exact;
		if (!is_label)
			return 0;
	} else {
		cs->distinct = (size_t)colacc_distinct(a, 0, &exact);
		cs->distinct_exact = exact;
	}
	/* the label's values as written are its classes, whatever its type;
	 * a numeric label keeps its numeric distinct count */
	if (value_stats(cs, a, 1, err) < 0)
		return -1;
	/* a string or boolean label is a class label; a numeric one only
	 * when it looks categorical (wine's 0/1/2, not flights' delay) */
	if (!cs->values)
		cs->categorical = 0;
	else if (is_label)
		cs->categorical = cs->nvalues <= MODEL_MAX_CLASSES &&
			(!is_numeric(cs->type) || looks_categorical(cs));
	else
		cs->categorical = cs->type == COL_STRING && looks_categorical(cs);
	return 0;
}

/* Statistics from a finished pass, which s then owns. */
static int stats_from_pass(struct data_stats *s, struct pass *p,
			   struct mlci_err *err)
{
	size_t c;
	int exact;

	memset(s, 0, sizeof(*s));
	if (pass_flush(p) < 0)
		return OOM(err);
	s->priv = p;
	s->nrows = (size_t)p->nrows;
	s->ncols = p->ncols;
	s->cols = calloc(p->ncols ? p->ncols : 1, sizeof(*s->cols));
	if (!s->cols)
		goto oom;
	for (c = 0; c < p->ncols; c++)
		if (column_from_acc(&s->cols[c], p->names[c], &p->acc[c],
				    (int)c == p->label, err) < 0)
			goto fail;
	s->duplicate_rows = (size_t)rowset_dups(&p->rows, &exact);
	s->duplicates_exact = exact;
	return 0;
oom:
	OOM(err);
fail:
	data_stats_free(s);
	return -1;
}

int data_stats_compute(struct data_stats *s, const struct frame *f,
		       const char *label, struct mlci_err *err)
{
	struct stream_field *row;
	struct pass *p;
	size_t r, c;

	memset(s, 0, sizeof(*s));
	if (pass_new(&p, f->names, f->ncols, label, NULL, NULL, err) < 0)
		return -1;
	row = calloc(f->ncols ? f->ncols : 1, sizeof(*row));
	if (!row) {
		pass_free(p);
		return OOM(err);
	}
	for (r = 0; r < f->nrows; r++) {
		for (c = 0; c < f->ncols; c++) {
			size_t i = r * f->ncols + c;

			row[c].s = f->cells[i];
			row[c].len = f->cells[i] ? strlen(f->cells[i]) : 0;
			row[c].line = f->line[i];
			row[c].col = f->col[i];
		}
		if (pass_add(p, row, NULL, err) < 0) {
			free(row);
			pass_free(p);
			return -1;
		}
	}
	free(row);
	return stats_from_pass(s, p, err);
}

void data_stats_free(struct data_stats *s)
{
	size_t c;

	for (c = 0; s->cols && c < s->ncols; c++) {
		free(s->cols[c].values);
		free(s->cols[c].top);
	}
	free(s->cols);
	pass_free(s->priv);
	memset(s, 0, sizeof(*s));
}

/* An integer-valued number as a JSON integer, anything else as a real;
 * NaN as null. */
static json_t *json_num(double v)
{
	if (isnan(v))
		return json_null();
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static const double qlevels[] = { 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 };
static const char *const qnames[] = { "p01", "p05", "p25", "p50", "p75",
				      "p95", "p99" };

#define HIST_BINS 20

/* Quantiles and a histogram (20 bins, fewer for fewer distinct values)
 * from the column's distribution. */
static int numeric_sketch_json(json_t *o, const struct col_stats *cs)
{
	struct kll_view v;
	json_t *q = json_object(), *h = json_object(), *e = json_array(),
	       *cnt = json_array();
	double edges[HIST_BINS + 1];
	uint64_t counts[HIST_BINS];
	size_t i, nb = HIST_BINS;

	if (!q || !h || !e || !cnt || colacc_view(cs->acc, &v) < 0) {
		json_decref(q);
		json_decref(h);
		json_decref(e);
		json_decref(cnt);
		return -1;
	}
	for (i = 0; i < sizeof(qlevels) / sizeof(qlevels[0]); i++)
		json_object_set_new(q, qnames[i], json_real(kll_quantile(&v, qlevels[i])));
	if (cs->distinct_exact && cs->distinct < nb)
		nb = cs->distinct;
	nb = kll_histogram(&v, nb, edges, counts);
	for (i = 0; i <= nb; i++)
		json_array_append_new(e, json_real(edges[i]));
	for (i = 0; i < nb; i++)
		json_array_append_new(cnt, json_integer((json_int_t)counts[i]));
	json_object_set_new(h, "edges", e);
	json_object_set_new(h, "counts", cnt);
	json_object_set_new(h, "exact", json_boolean(v.exact));
	json_object_set_new(o, "quantiles", q);
	json_object_set_new(o, "histogram", h);
	kll_view_free(&v);
	return 0;
}

/* The column's sketches, for drift checks against this report later,
 * and how far off what comes from them can be: while the exact
 * frequencies hold every value they are the sketch (and every figure
 * is exact); else a KLL (numbers), HyperLogLog registers, and the
 * frequencies if kept (SpaceSaving past the cap). sketch_error: the
 * normalized rank error of quantiles and histograms, the distinct
 * count's relative standard error, the most a count can be over: 0
 * when exact. */
static void sketch_json(json_t *o, const struct col_stats *cs)
{
	const struct colacc *a = cs->acc;
	int num = is_numeric(cs->type) && cs->count;
	json_t *sk = json_object(), *se = json_object();

	if (a->live) {
		if (num)
			json_object_set_new(sk, "kll", kll_to_json(&a->kll));
		json_object_set_new(sk, "distinct", dcount_to_json(
			num ? &a->dnum : &a->dstr, 0));
	}
	if (a->freq_state != FREQ_DROPPED)
		json_object_set_new(sk, "frequencies", freq_to_json(&a->freq));
	if (num && a->live && a->kll.compacted)
		json_object_set_new(se, "quantiles", json_real(KLL_RANK_ERROR));
	if (!cs->distinct_exact)
		json_object_set_new(se, "distinct", json_real(HLL_REL_ERROR));
	if (a->freq_state == FREQ_PARTIAL)
		json_object_set_new(se, "frequencies", json_string(
			"partial: the rows after the column's first non-number"));
	else if (a->freq_state == FREQ_COMPLETE && a->freq.ss)
		json_object_set_new(se, "frequencies", json_integer(
			(json_int_t)freq_max_overcount(&a->freq)));
	json_object_set_new(o, "sketch", sk);
	/* only what is estimated; the bounds are in the report's
	 * "sketch_bounds" */
	if (json_object_size(se))
		json_object_set_new(o, "sketch_error", se);
	else
		json_decref(se);
}

/* What the sketches promise, once per report. */
static json_t *sketch_bounds_json(void)
{
	json_t *o = json_object();

	json_object_set_new(o, "quantile_rank_error", json_real(KLL_RANK_ERROR));
	json_object_set_new(o, "quantile_confidence", json_real(0.99));
	json_object_set_new(o, "kll_k", json_integer(KLL_K));
	json_object_set_new(o, "distinct_relative_standard_error",
			    json_real(HLL_REL_ERROR));
	json_object_set_new(o, "hll_precision", json_integer(HLL_P));
	json_object_set_new(o, "exact_distinct_up_to", json_integer(DCOUNT_EXACT));
	json_object_set_new(o, "exact_frequencies_up_to", json_integer(FREQ_CAP));
	json_object_set_new(o, "exact_duplicate_rows_up_to", json_integer(ROWSET_CAP));
	json_object_set_new(o, "meaning", json_string(
		"a column's sketch_error names what is estimated: quantiles and "
		"histogram (normalized rank error, with the confidence), distinct "
		"(relative standard error), frequencies (the most a count can be "
		"over); a column without one is exact"));
	return o;
}

json_t *data_stats_json(const struct data_stats *s)
{
	json_t *arr = json_array();
	size_t c, i;

	if (!arr)
		return NULL;
	for (c = 0; c < s->ncols; c++) {
		const struct col_stats *cs = &s->cols[c];
		json_t *o = json_object();

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
		json_object_set_new(o, "name", json_string(cs->name));
		json_object_set_new(o, "type", json_string(col_type_name(cs->type)));
		json_object_set_new(o, "count", json_integer((json_int_t)cs->count));
		json_object_set_new(o, "missing", json_integer((json_int_t)cs->missing));
		json_object_set_new(o, "missing_rate", json_real(s->nrows ?
			(double)cs->missing / (double)s->nrows : 0));
		json_object_set_new(o, "distinct", json_integer((json_int_t)cs->distinct));
		if (is_numeric(cs->type) && cs->count) {
			/* integer columns' mean and std stay reals */
			json_object_set_new(o, "mean", json_real(cs->mean));
			/* null: fewer than 2 values, or beyond a double */
			json_object_set_new(o, "std", !isfinite(cs->std) ?
					    json_null() : json_real(cs->std));
			json_object_set_new(o, "min", cs->type == COL_INTEGER ?
					    json_num(cs->min) : json_real(cs->min));
			json_object_set_new(o, "max", cs->type == COL_INTEGER ?
					    json_num(cs->max) : json_real(cs->max));
			if (cs->acc && numeric_sketch_json(o, cs) < 0) {
				json_decref(arr);
				return NULL;
			}
		}
		if (cs->type == COL_STRING)
			json_object_set_new(o, "categorical",
					    json_boolean(cs->categorical));
		if (cs->top && !is_numeric(cs->type)) {
			json_t *top = json_array();

			for (i = 0; top && i < cs->ntop; i++) {
				json_t *t = json_object();

				json_object_set_new(t, "value",
						    json_string(cs->top[i].value));
				json_object_set_new(t, "count",
					json_integer((json_int_t)cs->top[i].count));
				json_array_append_new(top, t);
			}
			json_object_set_new(o, "top", top);
		}
		if (cs->acc && cs->count)
			sketch_json(o, cs);
	}
	return arr;
}

/* ---- anomalies ---- */

static const char *const sev_names[] = { "error", "warning", "info" };

static int anomalies_vadd(struct anomalies *a, const char *code,
			  enum severity sev, const char *column, long count,
			  uint32_t line, uint32_t col, const char *fmt,
			  va_list ap)
	__attribute__((format(printf, 8, 0)));

int anomalies_add(struct anomalies *a, const char *code, enum severity sev,
		  const char *column, long count, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = anomalies_vadd(a, code, sev, column, count, 0, 0, fmt, ap);
	va_end(ap);
	return rc;
}

int anomalies_add_at(struct anomalies *a, const char *code, enum severity sev,
		     const char *column, long count, uint32_t line,
		     uint32_t col, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = anomalies_vadd(a, code, sev, column, count, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

static int anomalies_vadd(struct anomalies *a, const char *code,
			  enum severity sev, const char *column, long count,
			  uint32_t line, uint32_t col, const char *fmt,
			  va_list ap)
{
	struct anomaly *x;
	char msg[1024];

	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct anomaly *nv = realloc(a->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		a->v = nv;
		a->cap = ncap;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	x = &a->v[a->n];
	x->code = code;
	x->severity = sev;
	x->count = count;
	x->line = line;
	x->col = col;
	x->column = column ? strdup(column) : NULL;
	x->message = strdup(msg);
	if (!x->message || (column && !x->column)) {
		free(x->column);
		free(x->message);
		return -1;
	}
	a->n++;
	if (sev == SEV_ERROR)
		a->errors++;
	else if (sev == SEV_WARNING)
		a->warnings++;
	else
		a->infos++;
	return 0;
}

void anomalies_free(struct anomalies *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].column);
		free(a->v[i].message);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

json_t *anomalies_json(const struct anomalies *a)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < a->n; i++) {
		const struct anomaly *x = &a->v[i];
		json_t *o = json_object();

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
		json_object_set_new(o, "code", json_string(x->code));
		json_object_set_new(o, "severity",
				    json_string(sev_names[x->severity]));
		json_object_set_new(o, "message", json_string(x->message));
		if (x->column)
			json_object_set_new(o, "column", json_string(x->column));
		if (x->count >= 0)
			json_object_set_new(o, "count", json_integer(x->count));
		if (x->line) {
			json_object_set_new(o, "line", json_integer(x->line));
			json_object_set_new(o, "col", json_integer(x->col));
		}
	}
	return arr;
}

/* ---- schemas ---- */

void schema_free(struct schema *sc)
{
	size_t i, k;

	for (i = 0; sc->cols && i < sc->ncols; i++) {
		free(sc->cols[i].name);
		for (k = 0; k < sc->cols[i].ncategories; k++)
			free(sc->cols[i].categories[k]);
		free(sc->cols[i].categories);
		free(sc->cols[i].pattern);
		if (sc->cols[i].re) {
			regfree(sc->cols[i].re);
			free(sc->cols[i].re);
		}
	}
	free(sc->cols);
	free(sc->label);
	memset(sc, 0, sizeof(*sc));
}

int schema_find(const struct schema *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->ncols; i++)
		if (!strcmp(sc->cols[i].name, name))
			return (int)i;
	return -1;
}

int schema_infer(struct schema *sc, const struct data_stats *s,
		 const char *label, struct mlci_err *err)
{
	size_t c, k;

	memset(sc, 0, sizeof(*sc));
	sc->cols = calloc(s->ncols ? s->ncols : 1, sizeof(*sc->cols));
	if (!sc->cols || (label && !(sc->label = strdup(label))))
		goto oom;
	sc->ncols = s->ncols;
	for (c = 0; c < s->ncols; c++) {
		const struct col_stats *cs = &s->cols[c];
		struct schema_col *col = &sc->cols[c];

		col->max_missing = -1;
		col->type = cs->type;
		col->nullable = cs->missing > 0;
		if (!(col->name = strdup(cs->name)))
			goto oom;
		if (is_numeric(cs->type) && cs->count) {
			col->has_range = 1;
			col->min = cs->min;
			col->max = cs->max;
		}
		if (!cs->categorical)
			continue;
		col->categories = calloc(cs->nvalues ? cs->nvalues : 1,
					 sizeof(*col->categories));
		if (!col->categories)
			goto oom;
		for (k = 0; k < cs->nvalues; k++) {
			if (!(col->categories[k] = strdup(cs->values[k].value)))
				goto oom;
			col->ncategories++;
		}
	}
	return 0;
oom:
	schema_free(sc);
	return OOM(err);
}

int schema_to_json(const struct schema *sc, json_t *art)
{
	json_t *cols = json_array();
	size_t i, k;

	if (!cols)
		return -1;
	for (i = 0; i < sc->ncols; i++) {
		const struct schema_col *col = &sc->cols[i];
		json_t *o = json_object();

		if (!o || json_array_append_new(cols, o) < 0) {
			json_decref(cols);
			return -1;
		}
		json_object_set_new(o, "name", json_string(col->name));
		json_object_set_new(o, "type", json_string(col_type_name(col->type)));
		json_object_set_new(o, "nullable", json_boolean(col->nullable));
		if (col->has_range) {
			json_object_set_new(o, "min", col->type == COL_INTEGER ?
					    json_num(col->min) : json_real(col->min));
			json_object_set_new(o, "max", col->type == COL_INTEGER ?
					    json_num(col->max) : json_real(col->max));
		}
		if (col->categories) {
			json_t *cat = json_array();

			for (k = 0; cat && k < col->ncategories; k++)
				json_array_append_new(cat,
					json_string(col->categories[k]));
			json_object_set_new(o, "categories", cat);
		}
		if (col->max_missing >= 0)
			json_object_set_new(o, "max_missing",
					    json_real(col->max_missing));
		if (col->enforced != sc->enforced)
			json_object_set_new(o, "domain", json_string(
				col->enforced ? "enforced" : "observed"));
		if (col->pattern)
			json_object_set_new(o, "pattern", json_string(col->pattern));
		if (col->unique)
			json_object_set_new(o, "unique", json_true());
	}
	json_object_set_new(art, "columns", cols);
	json_object_set_new(art, "domain",
			    json_string(sc->enforced ? "enforced" : "observed"));
	if (sc->label)
		json_object_set_new(art, "label", json_string(sc->label));
	return 0;
}

static int parse_domain(const json_t *v, int dflt, int *out)
{
	const char *s;

	if (!v) {
		*out = dflt;
		return 0;
	}
	s = json_string_value(v);
	if (s && !strcmp(s, "enforced"))
		*out = 1;
	else if (s && !strcmp(s, "observed"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A 65 error about schema column i (0-based; messages count from 1),
 * naming it when it has a name. */
static int bad_col(struct mlci_err *err, const char *path, size_t i,
		   const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int bad_col(struct mlci_err *err, const char *path, size_t i,
		   const char *name, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (name)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "schema column %zu ('%.100s'): %s", i + 1, name, what);
	return err_set(err, MLCI_EXIT_DATAERR, path, "schema column %zu: %s",
		       i + 1, what);
}

/* The keys a schema column may have (as schema.schema.json). */
static const char *const col_keys[] = { "name", "type", "nullable", "min",
	"max", "categories", "max_missing", "domain", "pattern", "unique", NULL };

#define PATTERN_MAX 1024	/* bytes in a "pattern" */
#define PATTERN_MAX_SIZE 100000	/* atoms once bounded repeats are expanded */
#define PATTERN_MAX_DEPTH 32	/* nested groups */

/* A bound on the size of the pattern once every {m,n} is expanded (as
 * regcomp expands them: "((a{1,100}){1,100}){1,100}" is a million
 * atoms), so that a schema cannot make regcomp take gigabytes; and no
 * back-references (\1...\9, a glibc extension whose matching can take
 * exponential time). NULL when acceptable, else the reason. */
static const char *pattern_cost(const char *p)
{
	double sum[PATTERN_MAX_DEPTH + 1] = { 0 }, last[PATTERN_MAX_DEPTH + 1] = { 0 };
	int d = 0;

	for (; *p; p++) {
		double atom = 1;

		if (*p == '\\') {
			if (p[1] >= '1' && p[1] <= '9')
				return "back-references (\\1 ... \\9) are not supported";
			if (p[1])
				p++;
		} else if (*p == '[') {
			/* a bracket expression is one atom: skip to its ']' */
			const char *q = p + 1;

			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']') {
				if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
					const char *e = strchr(q + 2, q[1]);

					q = e && e[1] == ']' ? e + 2 : q + 1;
				} else {
					q++;
				}
			}
			if (!*q)
				return NULL;	/* regcomp reports it */
			p = q;
		} else if (*p == '(') {
			if (d == PATTERN_MAX_DEPTH)
				return "groups nested too deep";
			sum[++d] = 0;
			last[d] = 0;
			continue;
		} else if (*p == ')' && d > 0) {
			atom = sum[d--];
		} else if (*p == '{') {
			long lo = 0, hi;
			char *e;

			lo = strtol(p + 1, &e, 10);
			hi = lo;
			if (*e == ',')
				hi = e[1] == '}' ? lo + 1 : strtol(e + 1, &e, 10);
			if (hi < lo)
				hi = lo;
			/* the repeated atom counts hi times in all */
			sum[d] += last[d] * ((double)(hi > 0 ? hi : 1) - 1);
			if (sum[d] > PATTERN_MAX_SIZE)
				return "its bounded repeats ({m,n}) expand too far";
			e = strchr(p, '}');
			if (!e)
				return NULL;
			p = e;
			continue;
		} else if (*p == '*' || *p == '+' || *p == '?' || *p == '|' ||
			   *p == '^' || *p == '$') {
			continue;
		}
		sum[d] += atom;
		last[d] = atom;
		if (sum[d] > PATTERN_MAX_SIZE)
			return "its bounded repeats ({m,n}) expand too far";
	}
	return NULL;
}

/* Compile a column's "pattern" (a POSIX extended regex). */
static int schema_pattern(struct schema_col *col, const json_t *v, size_t i,
			  const char *path, struct mlci_err *err)
{
	const char *pat = json_string_value(v), *why;
	int rc;

	if (!pat || !*pat)
		return bad_col(err, path, i, col->name, "\"pattern\" must be a "
			       "non-empty string (a POSIX extended regular "
			       "expression)");
	if (strlen(pat) > PATTERN_MAX)
		return bad_col(err, path, i, col->name, "\"pattern\" is longer "
			       "than %d bytes", PATTERN_MAX);
	if ((why = pattern_cost(pat)))
		return bad_col(err, path, i, col->name, "\"pattern\" is refused: "
			       "%s", why);
	if (!(col->pattern = strdup(pat)) || !(col->re = malloc(sizeof(regex_t))))
		return OOM(err);
	rc = regcomp(col->re, pat, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[160];

		regerror(rc, col->re, msg, sizeof(msg));
		free(col->re);
		col->re = NULL;
		return bad_col(err, path, i, col->name, "\"pattern\" is not a "
			       "valid POSIX extended regular expression: %s", msg);
	}
	return 0;
}

static int schema_col_from_json(struct schema_col *col, const json_t *o,
				size_t i, int dflt_enforced, const char *path,
				struct mlci_err *err)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *key;
	json_t *v, *cat;
	size_t k;

	col->max_missing = -1;
	if (!json_is_object(o))
		return bad_col(err, path, i, NULL, "expected an object, "
			       "{\"name\": ..., \"type\": ...}");
	if (!name || !*name)
		return bad_col(err, path, i, NULL,
			       "\"name\" is missing or not a non-empty string");
	if (!(col->name = strdup(name)))
		return OOM(err);
	json_object_foreach((json_t *)o, key, v) {
		for (k = 0; col_keys[k] && strcmp(col_keys[k], key); k++)
			;
		if (!col_keys[k])
			return bad_col(err, path, i, name,
				       "unknown key \"%.60s\" (known: name, type, "
				       "nullable, min, max, categories, "
				       "max_missing, domain, pattern, unique)", key);
	}
	if (col_type_parse(json_string_value(json_object_get(o, "type")),
			   &col->type) < 0)
		return bad_col(err, path, i, name, "\"type\" must be integer, "
			       "number, boolean or string");
	v = json_object_get(o, "nullable");
	if (v && !json_is_boolean(v))
		return bad_col(err, path, i, name,
			       "\"nullable\" must be true or false");
	col->nullable = v ? json_is_true(v) : 1;
	if (json_object_get(o, "min") || json_object_get(o, "max")) {
		if (!is_numeric(col->type) ||
		    !json_is_number(json_object_get(o, "min")) ||
		    !json_is_number(json_object_get(o, "max")))
			return bad_col(err, path, i, name, "\"min\" and \"max\" "
				       "must both be numbers, on a numeric column");
		col->has_range = 1;
		col->min = json_number_value(json_object_get(o, "min"));
		col->max = json_number_value(json_object_get(o, "max"));
		if (col->min > col->max)
			return bad_col(err, path, i, name,
				       "\"min\" is above \"max\"");
	}
	v = json_object_get(o, "max_missing");
	if (v) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 1)
			return bad_col(err, path, i, name, "\"max_missing\" must "
				       "be a rate between 0 and 1");
		col->max_missing = json_number_value(v);
	}
	if (parse_domain(json_object_get(o, "domain"), dflt_enforced,
			 &col->enforced) < 0)
		return bad_col(err, path, i, name, "\"domain\" must be "
			       "\"observed\" or \"enforced\"");
	v = json_object_get(o, "unique");
	if (v && !json_is_boolean(v))
		return bad_col(err, path, i, name, "\"unique\" must be true or false");
	col->unique = v && json_is_true(v);
	v = json_object_get(o, "pattern");
	if (v && schema_pattern(col, v, i, path, err) < 0)
		return -1;
	cat = json_object_get(o, "categories");
	if (!cat)
		return 0;
	if (!json_is_array(cat))
		return bad_col(err, path, i, name, "\"categories\" must be an "
			       "array of strings");
	if (!json_array_size(cat))
		return bad_col(err, path, i, name, "\"categories\" is empty, so "
			       "no value would be allowed (leave it out to "
			       "allow any)");
	col->categories = calloc(json_array_size(cat) + 1,
				 sizeof(*col->categories));
	if (!col->categories)
		return OOM(err);
	for (k = 0; k < json_array_size(cat); k++) {
		const char *s = json_string_value(json_array_get(cat, k));

		if (!s)
			return bad_col(err, path, i, name,
				       "category %zu is not a string", k + 1);
		if (!(col->categories[k] = strdup(s)))
			return OOM(err);
		col->ncategories++;
	}
	qsort(col->categories, col->ncategories, sizeof(char *), cmp_cstr);
	return 0;
}

static int cmp_col_name(const void *a, const void *b, void *arg)
{
	const struct schema_col *cols = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(cols[x].name, cols[y].name);

	return d ? d : x < y ? -1 : x > y;
}

/* A column name given twice: 65 naming both columns. */
static int check_unique(const struct schema *sc, const char *path,
			struct mlci_err *err)
{
	size_t *idx = malloc((sc->ncols + 1) * sizeof(*idx)), i, first = 0, dup = 0;
	int found = 0;

	if (!idx)
		return OOM(err);
	for (i = 0; i < sc->ncols; i++)
		idx[i] = i;
	qsort_r(idx, sc->ncols, sizeof(*idx), cmp_col_name, sc->cols);
	/* sorted by name, then position: a group's second entry is its
	 * first repeat, the entry before it the name's first column; report
	 * the repeat that comes first in the file */
	for (i = 1; i < sc->ncols; i++)
		if (!strcmp(sc->cols[idx[i]].name, sc->cols[idx[i - 1]].name) &&
		    (!found || idx[i] < dup)) {
			found = 1;
			dup = idx[i];
			first = idx[i - 1];
		}
	free(idx);
	if (!found)
		return 0;
	return bad_col(err, path, dup, sc->cols[dup].name,
		       "the name appears twice (also column %zu)", first + 1);
}

int schema_from_json(struct schema *sc, const json_t *art, const char *path,
		     struct mlci_err *err)
{
	json_t *cols, *label;
	size_t i;

	memset(sc, 0, sizeof(*sc));
	if (json_get_array(art, "columns", &cols, path, err) < 0)
		return -1;
	if (parse_domain(json_object_get(art, "domain"), 1, &sc->enforced) < 0)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "\"domain\" must be \"observed\" or \"enforced\"");
	label = json_object_get(art, "label");
	if (label && !json_is_null(label) &&
	    (!json_is_string(label) || !*json_string_value(label)))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "\"label\" must be a non-empty string");
	if (!json_array_size(cols))
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "\"columns\" is empty: a schema must list at "
			       "least one column");
	if (label && json_is_string(label) &&
	    !(sc->label = strdup(json_string_value(label))))
		return OOM(err);
	sc->cols = calloc(json_array_size(cols) + 1, sizeof(*sc->cols));
	if (!sc->cols)
		goto oom;
	for (i = 0; i < json_array_size(cols); i++) {
		int rc = schema_col_from_json(&sc->cols[i],
					      json_array_get(cols, i), i,
					      sc->enforced, path, err);

		sc->ncols++;
		if (rc < 0)
			goto fail;
	}
	if (check_unique(sc, path, err) < 0)
		goto fail;
	return 0;
oom:
	OOM(err);
fail:
	schema_free(sc);
	return -1;
}

/* ---- checks ---- */


/* Does a value of data type d always fit schema type s? */
static int type_fits(enum col_type s, enum col_type d)
{
	return s == d || s == COL_STRING || (s == COL_NUMBER && d == COL_INTEGER);
}

static void pct(char *out, size_t n, double rate)
{
	char v[40];

	num_str(v, sizeof(v), round(rate * 1e6) / 1e4);
	snprintf(out, n, "%s%%", v);
}

static int in_categories(const struct schema_col *col, const char *s)
{
	return bsearch(&s, col->categories, col->ncategories, sizeof(char *),
		       cmp_cstr) != NULL;
}

/* Append the quoted value to list (up to 5 of them). */
static void list_value(char *list, size_t n, size_t *listed, const char *v)
{
	size_t len = strlen(list);

	if (*listed < 5)
		snprintf(list + len, n - len, "%s'%.40s'", *listed ? ", " : "", v);
	else if (*listed == 5)
		snprintf(list + len, n - len, ", ...");
	(*listed)++;
}

static int check_categories(const struct col_stats *cs,
			    const struct colcheck *k,
			    const struct schema_col *col, int is_label,
			    struct anomalies *a)
{
	char list[400] = "";
	size_t listed = 0, rows = 0, i;

	if (cs->values) {
		for (i = 0; i < cs->nvalues; i++)
			if (!in_categories(col, cs->values[i].value)) {
				rows += cs->values[i].count;
				list_value(list, sizeof(list), &listed,
					   cs->values[i].value);
			}
	} else {
		/* numeric-looking values in a string column (or more distinct
		 * values than are counted): the first ones, in row order */
		rows = (size_t)k->cat_bad;
		for (i = 0; i < k->ncat; i++)
			list_value(list, sizeof(list), &listed, k->cat_vals[i]);
	}
	if (!rows)
		return 0;
	if (is_label)
		return anomalies_add(a, "unseen_label", SEV_ERROR, cs->name,
				     (long)rows,
				     "label '%s': %zu row%s with a class the schema does not list: %s",
				     cs->name, rows, plural(rows), list);
	return anomalies_add(a, "unseen_category",
			     col->enforced ? SEV_ERROR : SEV_WARNING, cs->name,
			     (long)rows,
			     "column '%s': %zu row%s with a category the schema does not list: %s",
			     cs->name, rows, plural(rows), list);
}

/* The user's "pattern" and "unique" (validate.h: Constraints). */
static int check_constraints(const struct col_stats *cs,
			     const struct colcheck *k,
			     const struct schema_col *col, struct anomalies *a)
{
	if (col->re && k->pat_bad) {
		size_t bad = (size_t)k->pat_bad;

		if (anomalies_add_at(a, "pattern_mismatch", SEV_ERROR, cs->name,
				  (long)bad, k->pat_first.line, k->pat_first.col,
				  "column '%s': %zu value%s not "
				  "match the pattern '%.80s' (first '%.40s' at "
				  "line %u, column %u)", cs->name, bad,
				  bad == 1 ? " does" : "s do", col->pattern,
				  k->pat_first.value ? k->pat_first.value : "",
				  k->pat_first.line, k->pat_first.col) < 0)
			return -1;
	}
	if (col->unique && k->uniq_on) {
		int exact;
		uint64_t dups = rowset_dups(&k->uniq, &exact);

		char where[128] = "";

		/* where: the first repeat a shard found, when one did (a value
		 * repeated across shards is found by the merge only) */
		if (k->uniq_first.line)
			snprintf(where, sizeof(where), " (first '%.40s' at line %u, "
				 "column %u)", k->uniq_first.value ?
				 k->uniq_first.value : "", k->uniq_first.line,
				 k->uniq_first.col);
		if (dups && anomalies_add_at(a, "duplicate_values", SEV_ERROR,
					     cs->name, (long)dups,
					     k->uniq_first.line, k->uniq_first.col,
					     "column '%s' must be unique, but %s%llu "
					     "value%s an earlier one%s%s", cs->name,
					     exact ? "" : "about ",
					     (unsigned long long)dups,
					     dups == 1 ? " repeats" : "s repeat",
					     where, exact ? "" : " (estimated from a "
					     "sample of value hashes)") < 0)
			return -1;
	}
	return 0;
}

static int check_against(const struct col_stats *cs, const struct colcheck *k,
			 const struct schema_col *col, int is_label,
			 struct anomalies *a)
{
	char lo[40], hi[40], v[40];

	if (!type_fits(col->type, cs->type) && k->type_bad) {
		size_t bad = (size_t)k->type_bad;

		return anomalies_add(a, "type_mismatch", SEV_ERROR,
				     cs->name, (long)bad,
				     "column '%s': %zu value%s not %s "
				     "(first '%.40s' at line %u, column %u)",
				     cs->name, bad, bad == 1 ? " is" : "s are",
				     col_type_name(col->type),
				     k->type_first.value ? k->type_first.value : "",
				     k->type_first.line, k->type_first.col);
	}
	if (col->has_range && is_numeric(col->type) && k->range_bad) {
		size_t bad = (size_t)k->range_bad;

		num_str(lo, sizeof(lo), col->min);
		num_str(hi, sizeof(hi), col->max);
		num_str(v, sizeof(v), k->range_value);
		if (anomalies_add(a, "out_of_range",
				  col->enforced ? SEV_ERROR : SEV_WARNING,
				  cs->name, (long)bad,
				  "column '%s': %zu value%s outside the "
				  "schema's range [%s, %s] (first %s at "
				  "line %u, column %u)", cs->name, bad,
				  plural(bad), lo, hi, v, k->range_line,
				  k->range_col) < 0)
			return -1;
	}
	if (col->categories && check_categories(cs, k, col, is_label, a) < 0)
		return -1;
	return check_constraints(cs, k, col, a);
}

/* Every value in a different row: exactly, or (an estimated distinct
 * count) within three standard errors. */
static int all_distinct(const struct col_stats *cs, size_t nrows)
{
	if (cs->distinct_exact)
		return cs->distinct == nrows;
	return fabs((double)cs->distinct - (double)nrows) <=
		3 * HLL_REL_ERROR * (double)nrows;
}

/* A string column whose values are mostly numbers, and so were read as
 * text for a few stray ones ("n/a", "12,5", "abc"): a warning naming the
 * first, while the values are counted exactly (validate.h). */
static int mixed_types(const struct col_stats *cs, struct anomalies *a)
{
	size_t i, nnum = 0;
	const struct first_bad *fb;

	if (cs->type != COL_STRING || !cs->values || !cs->acc ||
	    cs->count < VALIDATE_MIN_ID_ROWS)
		return 0;
	for (i = 0; i < cs->nvalues; i++) {
		double d;
		int is_int;

		if (colacc_number(cs->values[i].value, strlen(cs->values[i].value),
				  &d, &is_int) == 0)
			nnum += cs->values[i].count;
	}
	if (nnum * 2 < cs->count || nnum == cs->count)
		return 0;
	fb = &cs->acc->not_num;
	return anomalies_add(a, "mixed_types", SEV_WARNING, cs->name,
			     (long)(cs->count - nnum), "column '%s' is mostly "
			     "numbers (%zu of %zu values), so it was read as text "
			     "for %zu that are not (first '%.40s' at line %u, "
			     "column %u)", cs->name, nnum, cs->count,
			     cs->count - nnum, fb->value ? fb->value : "",
			     fb->line, fb->col);
}

static int check_column(const struct data_stats *s, size_t c,
			const struct schema *sc, const struct colcheck *k,
			const struct check_opts *o, struct anomalies *a)
{
	const struct col_stats *cs = &s->cols[c];
	int is_label = o->label && !strcmp(o->label, cs->name);
	int si = sc ? schema_find(sc, cs->name) : -1;
	const struct schema_col *col = si >= 0 ? &sc->cols[si] : NULL;
	double limit = o->max_missing, rate;
	char p1[48], p2[48];

	if (sc && !col && anomalies_add(a, "extra_column", SEV_WARNING,
					cs->name, -1,
					"column '%s' is not in the schema",
					cs->name) < 0)
		return -1;
	if (col && k && check_against(cs, k, col, is_label, a) < 0)
		return -1;
	if (limit < 0 && col)
		limit = col->max_missing >= 0 ? col->max_missing :
			!col->nullable ? 0 : -1;
	rate = s->nrows ? (double)cs->missing / (double)s->nrows : 0;
	if (is_label && cs->missing) {
		if (anomalies_add(a, "missing_label", SEV_ERROR, cs->name,
				  (long)cs->missing,
				  "label '%s': %zu row%s no label value",
				  cs->name, cs->missing,
				  cs->missing == 1 ? " has" : "s have") < 0)
			return -1;
	} else if (!is_label && limit >= 0 && rate > limit) {
		pct(p1, sizeof(p1), rate);
		pct(p2, sizeof(p2), limit);
		if (anomalies_add(a, "missing_over_limit", SEV_ERROR, cs->name,
				  (long)cs->missing,
				  "column '%s': %zu missing value%s (%s), over "
				  "the limit of %s%s", cs->name, cs->missing,
				  plural(cs->missing), p1, p2, col && limit == 0 &&
				  o->max_missing < 0 ? " (not nullable)" : "") < 0)
			return -1;
	}
	if (!cs->count)
		return anomalies_add(a, "all_missing", SEV_WARNING, cs->name,
				     (long)cs->missing,
				     "column '%s' has no values at all", cs->name);
	if (!col && !is_label && mixed_types(cs, a) < 0)
		return -1;
	if (cs->distinct == 1 && cs->distinct_exact) {
		char v[48];

		if (is_numeric(cs->type))
			num_str(v, sizeof(v), cs->min);
		else
			snprintf(v, sizeof(v), "%.40s", cs->values ?
				 cs->values[0].value : cs->top[0].value);
		return anomalies_add(a, "constant_column", SEV_WARNING, cs->name,
				     (long)cs->count,
				     "column '%s' has the same value, '%s', in "
				     "every row that has one", cs->name, v);
	}
	if (!is_label && s->nrows >= VALIDATE_MIN_ID_ROWS &&
	    all_distinct(cs, s->nrows) &&
	    (cs->type == COL_STRING || cs->type == COL_INTEGER))
		return anomalies_add(a, "all_distinct", SEV_INFO, cs->name,
				     (long)cs->distinct,
				     cs->distinct_exact ?
				     "column '%s' has a different value in "
				     "every row: an identifier, not a feature?" :
				     "column '%s' has a different value in "
				     "(about) every row: an identifier, not a feature?",
				     cs->name);
	return 0;
}

/* The anomalies of statistics s (column names in s), with the values'
 * checks k against sc (NULL: none). */
static int checks_run(const struct data_stats *s, const struct schema *sc,
		      const struct colcheck *k, const struct check_opts *o,
		      struct anomalies *a, struct mlci_err *err)
{
	size_t i, c;

	for (i = 0; sc && i < sc->ncols; i++) {
		const char *name = sc->cols[i].name;

		for (c = 0; c < s->ncols && strcmp(s->cols[c].name, name); c++)
			;
		if (c < s->ncols || (o->label && !strcmp(o->label, name)))
			continue;
		if (anomalies_add(a, "missing_column", SEV_ERROR, name, -1,
				  "column '%s' of the schema is not in the data",
				  name) < 0)
			return OOM(err);
	}
	for (c = 0; o->label && c < s->ncols && strcmp(s->cols[c].name, o->label); c++)
		;
	if (o->label && c == s->ncols &&
	    anomalies_add(a, "label_column_missing", SEV_ERROR, o->label, -1,
			  "label column '%s' is not in the data", o->label) < 0)
		return OOM(err);
	for (c = 0; c < s->ncols; c++)
		if (check_column(s, c, sc, k ? &k[c] : NULL, o, a) < 0)
			return OOM(err);
	if (s->duplicate_rows && s->duplicates_exact &&
	    anomalies_add(a, "duplicate_rows", SEV_WARNING, NULL,
			  (long)s->duplicate_rows,
			  "%zu row%s repeat%s an earlier row exactly",
			  s->duplicate_rows, plural(s->duplicate_rows),
			  s->duplicate_rows == 1 ? "s" : "") < 0)
		return OOM(err);
	if (s->duplicate_rows && !s->duplicates_exact &&
	    anomalies_add(a, "duplicate_rows", SEV_WARNING, NULL,
			  (long)s->duplicate_rows,
			  "about %zu rows repeat an earlier row exactly "
			  "(estimated from a sample of the rows' hashes)",
			  s->duplicate_rows) < 0)
		return OOM(err);
	return 0;
}

int data_check(const struct frame *f, const struct data_stats *s,
	       const struct schema *sc, const struct check_opts *o,
	       struct anomalies *a, struct mlci_err *err)
{
	struct colcheck *k = NULL;
	size_t r, c;
	int rc;

	if (sc) {
		k = calloc(f->ncols ? f->ncols : 1, sizeof(*k));
		if (!k)
			return OOM(err);
		for (c = 0; c < f->ncols; c++) {
			int si = schema_find(sc, f->names[c]);

			for (r = 0; si >= 0 && r < f->nrows; r++) {
				size_t i = r * f->ncols + c;
				const char *v = f->cells[i];

				if (v && check_cell(&k[c], &sc->cols[si], v, strlen(v),
						    f->line[i], f->col[i]) < 0) {
					rc = OOM(err);
					goto out;
				}
			}
		}
	}
	rc = checks_run(s, sc, k, o, a, err);
out:
	for (c = 0; k && c < f->ncols; c++)
		colcheck_free(&k[c]);
	free(k);
	return rc;
}

/* ---- the step's work ---- */

/* A "no such column" error that lists what there is. */
static int no_label(char *const *names, size_t ncols, const char *path,
		    const char *label, struct mlci_err *err)
{
	struct buf b;
	size_t c;
	int rc;

	buf_init(&b);
	for (c = 0; c < ncols && b.len < 300; c++)
		buf_printf(&b, "%s%s", c ? ", " : "", names[c]);
	if (c < ncols)
		buf_addstr(&b, ", ...");
	rc = err_set(err, MLCI_EXIT_DATAERR, path,
		     "no column '%s' (from --label); the columns are: %s",
		     label, b.data ? b.data : "");
	buf_release(&b);
	return rc;
}

static json_t *build_report(const struct validate_opts *o, const char *data,
			    const char *data_sha, const char *schema,
			    const char *schema_sha, const struct data_stats *s,
			    const struct anomalies *a, const char *label,
			    struct mlci_err *err)
{
	json_t *art = artifact_new(KIND_DATA_REPORT, SCHEMA_DATA_REPORT,
				   o->producer, err);
	json_t *sum;

	if (!art)
		return NULL;
	sum = json_object();
	if (artifact_add_input(art, "data", data, data_sha) < 0 ||
	    (schema_sha &&
	     artifact_add_input(art, "schema", schema, schema_sha) < 0) ||
	    !sum)
		goto oom;
	json_object_set_new(art, "rows", json_integer((json_int_t)s->nrows));
	json_object_set_new(art, "columns", data_stats_json(s));
	json_object_set_new(art, "anomalies", anomalies_json(a));
	json_object_set_new(art, "duplicate_rows",
			    json_integer((json_int_t)s->duplicate_rows));
	json_object_set_new(art, "duplicate_rows_exact",
			    json_boolean(s->duplicates_exact));
	json_object_set_new(art, "sketch_bounds", sketch_bounds_json());
	json_object_set_new(sum, "errors", json_integer((json_int_t)a->errors));
	json_object_set_new(sum, "warnings", json_integer((json_int_t)a->warnings));
	json_object_set_new(sum, "infos", json_integer((json_int_t)a->infos));
	json_object_set_new(art, "summary", sum);
	json_object_set_new(art, "verdict", json_string(a->errors ? "fail" : "pass"));
	if (label)
		json_object_set_new(art, "label", json_string(label));
	if (!json_is_array(json_object_get(art, "columns")) ||
	    !json_is_array(json_object_get(art, "anomalies")))
		goto oom;
	return art;
oom:
	json_decref(sum);
	json_decref(art);
	OOM(err);
	return NULL;
}

static json_t *build_schema(const struct validate_opts *o,
			    const struct data_stats *s, const char *label,
			    struct mlci_err *err)
{
	struct schema sc;
	json_t *art;

	if (schema_infer(&sc, s, label, err) < 0)
		return NULL;
	/* a contract to commit and review, not a run record: no time, commit,
	 * input path or hash, row count (the data report keeps those), so
	 * data of the same shape infers the same bytes */
	art = artifact_new(KIND_SCHEMA, SCHEMA_SCHEMA, o->producer, err);
	if (art) {
		json_object_del(art, "created");
		json_object_del(art, "git");
		json_object_del(art, "inputs");
		if (schema_to_json(&sc, art) < 0) {
			json_decref(art);
			art = NULL;
			OOM(err);
		}
	}
	schema_free(&sc);
	return art;
}

/* Write every (path, artifact) pair, all or none. */
static int write_all(const char **paths, json_t **arts, size_t n,
		     struct mlci_err *err)
{
	struct afile af[2];
	size_t i, opened = 0;
	int rc = -1;

	memset(af, 0, sizeof(af));
	for (i = 0; i < n; i++) {
		char *text = artifact_dumps(arts[i]);

		if (!text) {
			OOM(err);
			goto out;
		}
		if (afile_open(&af[i], paths[i], err) < 0) {
			free(text);
			goto out;
		}
		opened++;
		fputs(text, af[i].fp);
		free(text);
	}
	for (i = 0; i < n; i++)
		if (afile_commit(&af[i], err) < 0)
			goto out;
	rc = 0;
out:
	for (i = 0; i < opened; i++)
		afile_abort(&af[i]);
	return rc;
}

/* Outputs written one at a time into temporaries (so only one is in
 * memory as text), committed together at the end or all removed. */
struct outputs {
	struct afile af[5];
	size_t n;
};

static int out_write(struct outputs *w, const char *path, const json_t *art,
		     struct mlci_err *err)
{
	char *text = artifact_dumps(art);
	int rc;

	if (!text)
		return OOM(err);
	rc = afile_open(&w->af[w->n], path, err);
	if (rc == 0) {
		w->n++;
		fputs(text, w->af[w->n - 1].fp);
	}
	free(text);
	return rc;
}

static int out_commit(struct outputs *w, struct mlci_err *err)
{
	char *done[5] = { 0 };
	size_t i, k;
	int rc = 0;

	for (i = 0; i < w->n; i++) {
		done[i] = strdup(w->af[i].path);
		if (afile_commit(&w->af[i], err) < 0) {
			/* all or none: remove the ones already in place */
			for (k = 0; k < i; k++)
				if (done[k])
					unlink(done[k]);
			rc = -1;
			break;
		}
	}
	for (k = 0; k < 5; k++)
		free(done[k]);
	return rc;
}

static void out_abort(struct outputs *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		afile_abort(&w->af[i]);
}

/* The report (and the inferred schema) from a finished pass, written.
 * The pass's memory goes before the report is turned into text. */
static int finish(const struct validate_opts *o, struct pass *p,
		  const char *data, const char *data_sha,
		  const struct schema *sc, const char *schema,
		  const char *schema_sha, const char *label,
		  json_t *(*extra)(json_t *art, void *arg), void *arg,
		  struct validate_result *res, struct mlci_err *err)
{
	struct data_stats s;
	struct anomalies a;
	struct check_opts co;
	struct outputs w;
	json_t *inferred = NULL;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	memset(&w, 0, sizeof(w));
	if (stats_from_pass(&s, p, err) < 0)
		return -1;
	co.label = label;
	co.max_missing = o->max_missing;
	if (checks_run(&s, sc, p->chk, &co, &a, err) < 0 ||
	    lc_checks(p->pii, p->leak, &s, label, &a, err) < 0)
		goto out;
	if (o->infer_schema) {
		if (!(inferred = build_schema(o, &s, label, err)) ||
		    lc_scrub_schema(inferred, p->pii, err) < 0 ||
		    out_write(&w, o->infer_schema, inferred, err) < 0)
			goto out;
		json_decref(inferred);
		inferred = NULL;
	}
	res->report = build_report(o, data, data_sha, schema, schema_sha, &s,
				   &a, label, err);
	if (!res->report || (extra && !extra(res->report, arg)) ||
	    lc_report(res->report, p->pii, p->leak, err) < 0)
		goto out;
	/* drift against a reference report (refdrift.h) */
	if (o->drift_ref) {
		struct refdrift_summary ds;

		if (refdrift_apply(o->drift_ref, res->report, label, &a, &ds, err) < 0)
			goto out;
		res->drift = 1;
		res->drift_compared = ds.compared;
		res->drift_drifted = ds.drifted;
		res->drift_share = ds.share;
	}
	res->rows = s.nrows;
	res->cols = s.ncols;
	res->errors = a.errors;
	res->warnings = a.warnings;
	res->infos = a.infos;
	res->pass = a.errors == 0;
	data_stats_free(&s);
	if ((o->out && out_write(&w, o->out, res->report, err) < 0) ||
	    lc_write_outputs(o, res->report, w.af, &w.n, err) < 0 ||
	    out_commit(&w, err) < 0)
		goto out;
	rc = 0;
out:
	out_abort(&w);
	if (rc < 0) {
		json_decref(res->report);
		res->report = NULL;
	}
	json_decref(inferred);
	anomalies_free(&a);
	data_stats_free(&s);
	return rc;
}

/* ---- partial reports ---- */

static json_t *first_json(uint32_t line, uint32_t col, json_t *value)
{
	json_t *o = json_object();

	json_object_set_new(o, "line", json_integer(line));
	json_object_set_new(o, "col", json_integer(col));
	json_object_set_new(o, "value", value);
	return o;
}

static json_t *colcheck_to_json(const struct colcheck *k)
{
	json_t *o = json_object(), *cv = json_array();
	size_t i;

	json_object_set_new(o, "type_bad", json_integer((json_int_t)k->type_bad));
	json_object_set_new(o, "type_first", k->type_bad ?
		first_json(k->type_first.line, k->type_first.col,
			   json_string(k->type_first.value ? k->type_first.value : "")) :
		json_null());
	json_object_set_new(o, "range_bad", json_integer((json_int_t)k->range_bad));
	json_object_set_new(o, "range_first", k->range_bad ?
		first_json(k->range_line, k->range_col, json_real(k->range_value)) :
		json_null());
	json_object_set_new(o, "cat_bad", json_integer((json_int_t)k->cat_bad));
	for (i = 0; i < k->ncat; i++)
		json_array_append_new(cv, json_string(k->cat_vals[i]));
	json_object_set_new(o, "cat_values", cv);
	if (k->pat_bad) {
		json_object_set_new(o, "pattern_bad", json_integer((json_int_t)k->pat_bad));
		json_object_set_new(o, "pattern_first",
			first_json(k->pat_first.line, k->pat_first.col,
				   json_string(k->pat_first.value ? k->pat_first.value : "")));
	}
	if (k->uniq_on)
		json_object_set_new(o, "unique", rowset_to_json(&k->uniq));
	if (k->uniq_first.line)
		json_object_set_new(o, "unique_first",
			first_json(k->uniq_first.line, k->uniq_first.col,
				   json_string(k->uniq_first.value ? k->uniq_first.value : "")));
	return o;
}

static int get_count(const json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_pos(const json_t *f, uint32_t *line, uint32_t *col)
{
	json_t *l = json_object_get(f, "line"), *c = json_object_get(f, "col");

	if (!json_is_integer(l) || !json_is_integer(c) ||
	    json_integer_value(l) < 0 || json_integer_value(l) > UINT32_MAX ||
	    json_integer_value(c) < 0 || json_integer_value(c) > UINT32_MAX)
		return -1;
	*line = (uint32_t)json_integer_value(l);
	*col = (uint32_t)json_integer_value(c);
	return 0;
}

static int colcheck_from_json(struct colcheck *k, const json_t *o)
{
	json_t *tf = json_object_get(o, "type_first"), *rf = json_object_get(o, "range_first");
	json_t *cv = json_object_get(o, "cat_values");
	size_t i;

	if (get_count(o, "type_bad", &k->type_bad) < 0 ||
	    get_count(o, "range_bad", &k->range_bad) < 0 ||
	    get_count(o, "cat_bad", &k->cat_bad) < 0 || !json_is_array(cv) ||
	    json_array_size(cv) > 5 || json_array_size(cv) > k->cat_bad)
		return -1;
	if (k->type_bad) {
		const char *v = json_string_value(json_object_get(tf, "value"));

		if (!v || get_pos(tf, &k->type_first.line, &k->type_first.col) < 0 ||
		    !(k->type_first.value = strdup(v)))
			return -1;
	}
	if (k->range_bad) {
		json_t *v = json_object_get(rf, "value");

		if (!json_is_number(v) || get_pos(rf, &k->range_line, &k->range_col) < 0)
			return -1;
		k->range_value = json_number_value(v);
	}
	for (i = 0; i < json_array_size(cv); i++) {
		const char *v = json_string_value(json_array_get(cv, i));

		if (!v || !(k->cat_vals[k->ncat] = strdup(v)))
			return -1;
		k->ncat++;
	}
	if (json_object_get(o, "pattern_bad")) {
		json_t *pf = json_object_get(o, "pattern_first");
		const char *v = json_string_value(json_object_get(pf, "value"));

		if (get_count(o, "pattern_bad", &k->pat_bad) < 0 || !k->pat_bad ||
		    !v || get_pos(pf, &k->pat_first.line, &k->pat_first.col) < 0 ||
		    !(k->pat_first.value = strdup(v)))
			return -1;
	}
	if (json_object_get(o, "unique_first")) {
		json_t *uf = json_object_get(o, "unique_first");
		const char *v = json_string_value(json_object_get(uf, "value"));

		if (!v || get_pos(uf, &k->uniq_first.line, &k->uniq_first.col) < 0 ||
		    !k->uniq_first.line || !(k->uniq_first.value = strdup(v)))
			return -1;
	}
	if (json_object_get(o, "unique")) {
		struct mlci_err ignored = {0};

		k->uniq_on = 1;
		if (rowset_from_json(&k->uniq, json_object_get(o, "unique"),
				     NULL, &ignored) < 0)
			return -1;
	}
	return 0;
}

static json_t *pass_to_json(const struct pass *p)
{
	json_t *o = json_object(), *names = json_array(), *cols = json_array();
	size_t c;

	if (!o || !names || !cols) {
		json_decref(o);
		json_decref(names);
		json_decref(cols);
		return NULL;
	}
	for (c = 0; c < p->ncols; c++) {
		json_t *e = json_object();

		json_array_append_new(names, json_string(p->names[c]));
		json_object_set_new(e, "acc", colacc_to_json(&p->acc[c]));
		json_object_set_new(e, "check", p->chk ? colcheck_to_json(&p->chk[c]) :
				    json_null());
		json_array_append_new(cols, e);
	}
	json_object_set_new(o, "names", names);
	json_object_set_new(o, "columns", cols);
	json_object_set_new(o, "nrows", json_integer((json_int_t)p->nrows));
	json_object_set_new(o, "rows", rowset_to_json(&p->rows));
	if (p->pii)
		json_object_set_new(o, "pii", lc_pii_to_json(p->pii));
	return o;
}

static int pass_from_json(struct pass **out, const json_t *j, const char *label,
			  const char *suffix, const struct schema *sc,
			  const char *path, struct mlci_err *err)
{
	json_t *names = json_object_get(j, "names"), *cols = json_object_get(j, "columns");
	size_t n = json_array_size(names), c;
	char **nm;
	struct pass *p;

	*out = NULL;
	if (!json_is_array(names) || !n || !json_is_array(cols) ||
	    json_array_size(cols) != n)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "malformed partial report: \"state\" needs names and columns");
	nm = calloc(n, sizeof(*nm));
	if (!nm)
		return OOM(err);
	for (c = 0; c < n; c++)
		if (!(nm[c] = (char *)json_string_value(json_array_get(names, c)))) {
			free(nm);
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "malformed partial report: a column name "
				       "is not a string");
		}
	if (pass_new(&p, nm, n, label, suffix, sc, err) < 0) {
		free(nm);
		return -1;
	}
	free(nm);
	for (c = 0; c < n; c++) {
		json_t *e = json_array_get(cols, c), *chk = json_object_get(e, "check");

		colacc_free(&p->acc[c]);
		if (colacc_from_json(&p->acc[c], json_object_get(e, "acc"), path,
				     err) < 0) {
			colacc_init(&p->acc[c], FREQ_CAP);
			pass_free(p);
			return -1;
		}
		if (sc && (!json_is_object(chk) ||
			   colcheck_from_json(&p->chk[c], chk) < 0)) {
			pass_free(p);
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "malformed partial report: column %zu's "
				       "schema checks", c + 1);
		}
	}
	rowset_free(&p->rows);
	if (get_count(j, "nrows", &p->nrows) < 0 ||
	    rowset_from_json(&p->rows, json_object_get(j, "rows"), path, err) < 0) {
		pass_free(p);
		if (!err->code)
			err_set(err, MLCI_EXIT_DATAERR, path,
				"malformed partial report: \"nrows\"");
		return -1;
	}
	if (json_object_get(j, "pii") &&
	    lc_pii_from_json(&p->pii, json_object_get(j, "pii"), p->names, n,
			     path, err) < 0) {
		pass_free(p);
		return -1;
	}
	for (c = 0; c < n; c++)
		if (p->acc[c].count + p->acc[c].missing != p->nrows) {
			pass_free(p);
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "malformed partial report: column %zu does "
				       "not count every row", c + 1);
		}
	*out = p;
	return 0;
}

static json_t *options_json(const struct validate_opts *o, const char *label)
{
	json_t *opt = json_object();

	json_object_set_new(opt, "label", label ? json_string(label) : json_null());
	json_object_set_new(opt, "label_suffix", o->label_suffix && label ?
			    json_string(o->label_suffix) : json_null());
	json_object_set_new(opt, "max_missing", o->max_missing >= 0 ?
			    json_real(o->max_missing) : json_null());
	return opt;
}

/* Write shard K's partial report; frees the pass (once its state is
 * JSON) before the report becomes text. */
static int write_partial(const struct validate_opts *o, const struct stream *st,
			 struct pass *p, const struct schema *sc,
			 const char *schema_sha, const char *label,
			 struct validate_result *res, struct mlci_err *err)
{
	uint64_t nrows = p->nrows;
	size_t ncols = p->ncols;

	json_t *art = artifact_new(KIND_DATA_REPORT, SCHEMA_DATA_REPORT,
				   o->producer, err);
	json_t *part = json_object(), *state, *range = json_array(),
	       *recs = json_array();
	const char *paths[1];

	if (!art) {
		pass_free(p);
		goto fail;
	}
	state = pass_flush(p) < 0 ? NULL : pass_to_json(p);
	pass_free(p);
	if (!part || !range || !recs || !state ||
	    artifact_add_input(art, "data", o->data, st->sha256) < 0 ||
	    (sc && artifact_add_input(art, "schema", o->schema, schema_sha) < 0)) {
		json_decref(state);
		OOM(err);
		goto fail;
	}
	json_array_append_new(range, json_integer((json_int_t)st->range_start));
	json_array_append_new(range, json_integer((json_int_t)st->range_end));
	json_array_append_new(recs, json_integer((json_int_t)st->first_record));
	json_array_append_new(recs, json_integer((json_int_t)st->end_record));
	json_object_set_new(part, "shard", json_integer(o->shard));
	json_object_set_new(part, "of", json_integer(o->nshards));
	json_object_set_new(part, "range", range);
	json_object_set_new(part, "records", recs);
	range = recs = NULL;
	json_object_set_new(part, "range_sha256", json_string(st->sha256));
	json_object_set_new(part, "row_keys", json_string(ROW_KEYS));
	json_object_set_new(part, "file_size", json_integer((json_int_t)st->file_size));
	json_object_set_new(part, "format", json_string(
		st->format == STREAM_JSONL ? "jsonl" : "csv"));
	json_object_set_new(part, "rows", json_integer((json_int_t)nrows));
	json_object_set_new(part, "options", options_json(o, label));
	if (sc) {
		json_t *so = json_object();

		if (!so || schema_to_json(sc, so) < 0) {
			json_decref(so);
			json_decref(state);
			OOM(err);
			goto fail;
		}
		json_object_set_new(part, "schema", so);
		json_object_set_new(part, "schema_sha256", json_string(schema_sha));
	}
	json_object_set_new(art, "partial", part);
	part = NULL;
	json_object_set_new(art, "state", state);
	json_object_set_new(art, "rows", json_integer((json_int_t)nrows));
	if (label)
		json_object_set_new(art, "label", json_string(label));
	paths[0] = o->out;
	if (write_all(paths, &art, 1, err) < 0)
		goto fail;
	res->report = art;
	res->partial = 1;
	res->rows = (size_t)nrows;
	res->cols = ncols;
	res->pass = 1;
	return 0;
fail:
	json_decref(part);
	json_decref(range);
	json_decref(recs);
	json_decref(art);
	return -1;
}

/* ---- the pass in blocks, on several threads ----
 *
 * The records are read as fixed-size blocks of the file (their size
 * does not depend on the thread count), each parsed by its own stream
 * into cells (text, hash, line and column), then fed to the column
 * accumulators in file order: each group of columns takes the blocks
 * one after the other, and the row hashes go to the row set in order.
 * So every accumulator sees exactly the values, in exactly the order, a
 * single pass gives it, and the report is the same byte for byte
 * whatever the thread count (sketches included). A block after the
 * first begins at the first line start at or after its nominal offset,
 * a guess checked against where the block before it stopped (a quoted
 * field may span lines): a wrong guess is parsed again from there, so
 * parse errors are reported for the first bad block in file order.
 * The file's SHA-256 is computed in order alongside, by whichever
 * thread is free. Memory: at most `window` blocks are held at once.
 */

#define BLOCK_SIZE ((uint64_t)512 << 10)
#define HASH_STEP ((size_t)1 << 20)
#define WINDOW_MAX 6
#define MISSING_HASH 0x8c3b6a0f2e4d1c97ULL
#define NO_CELL UINT32_MAX

/* A cell of a block: its text (off NO_CELL: missing), and its number
 * as colacc_number reads it, or its hash when it is not a number (the
 * accumulators of a column of numbers then need neither the text nor
 * the hash, which they compute when they do: the cells are read on
 * another core); where it
 * is comes from its row's struct rowpos: a cell of a one-line row is at
 * the row's line, at the row's first cell's column plus its text's
 * distance from that cell's text, less CELL_SHIFT's 0, 1 or 2 minus one
 * (an opening quote is a column the text does not start at); the cells
 * of other rows have their own line and column (xlc). */
struct cell {
	union {
		double v;	/* its number (CELL_NUM), parsed ahead */
		uint64_t hash;	/* otherwise its hash */
	} u;
	uint32_t off;
	uint32_t len;		/* low CELL_LEN bits; the flags and shift above */
};

#define CELL_LEN 0x07ffffffu	/* records are shorter (STREAM_MAX_RECORD) */
#define CELL_PLAIN (1u << 27)	/* a number lc_pii_plain_number passes */
#define CELL_NUM (1u << 28)	/* colacc_number read a number */
#define CELL_INT (1u << 29)	/* an integer */
#define CELL_SHIFT 30

struct rowpos {
	uint32_t line, col;	/* the first cell's (line relative to the block) */
	uint32_t text;		/* the first cell's text offset */
	uint32_t xpos;		/* NO_CELL, or the row's (line, col) pairs in xlc */
};

enum { B_FREE, B_TODO, B_BUSY, B_PARSED, B_DONE };

struct blk {
	int state;
	uint64_t k;		/* block number */
	uint64_t from, end_limit;
	int exact;		/* from is a known record start */
	uint64_t first, stop, end_rec;	/* first record (or stop), stop, past the last */
	uint32_t line_first, line_stop;	/* relative lines there */
	long base;		/* absolute line of from */
	char *text;
	size_t tlen, tcap;
	struct cell *cells;
	struct rowpos *rows;
	uint32_t *xlc;		/* (line, col) of each cell of a multi-line row */
	size_t xn, xcap;
	uint64_t *rh;
	size_t nrows, rcap;
	int failed;
	struct mlci_err err;
};

struct par {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct stream *st;
	struct pass *p;
	const struct schema *sc;
	size_t ncols;
	unsigned ngroups, window, nthreads;
	uint64_t R, region_end, end_limit, B, nblocks;
	uint32_t L0;
	int at_data_start;
	struct blk *slot;
	uint64_t next_new, vk, rk;
	uint64_t *gk;
	unsigned char *grun;
	size_t *col_first, *col_width;	/* per column: its group's first, width */
	int rrun, sha_run, sha_done;
	/* the verified blocks so far */
	uint64_t prev_stop;
	uint32_t prev_line_stop;
	long prev_base;
	uint64_t nrecords, first_record, end_record;
	int have_rows;
	int failed;
	struct mlci_err err;
};

static struct blk *blk_of(struct par *x, uint64_t k)
{
	return &x->slot[k % x->window];
}

static void blk_release(struct blk *b)
{
	free(b->text);
	free(b->cells);
	free(b->rows);
	free(b->xlc);
	free(b->rh);
}

/* Columns are fed in groups [group_first(g), group_first(g + 1)), one
 * task a block; a block's cells are stored group by group, each group's
 * row by row, so that a task reads one stream and a parser writes
 * ngroups. */
static size_t group_first(const struct par *x, unsigned g)
{
	return x->ncols * g / x->ngroups;
}

static size_t group_width(const struct par *x, unsigned g)
{
	return group_first(x, g + 1) - group_first(x, g);
}

static struct cell *cell_at(const struct par *x, const struct blk *b,
			    size_t r, size_t c)
{
	size_t c0 = x->col_first[c];

	return b->cells + b->rcap * c0 + r * x->col_width[c] + (c - c0);
}

/* Row b->nrows spans lines: its cells' own lines and columns. */
static int own_places(struct blk *b, const struct stream_field *f, size_t n)
{
	size_t c;

	if (b->xn + 2 * n > b->xcap) {
		size_t nc = b->xcap ? b->xcap : 1024;
		uint32_t *nx;

		while (nc < b->xn + 2 * n)
			nc *= 2;
		if (!(nx = realloc(b->xlc, nc * sizeof(*nx))))
			return -1;
		b->xlc = nx;
		b->xcap = nc;
	}
	b->rows[b->nrows].xpos = (uint32_t)b->xn;
	for (c = 0; c < n; c++) {
		b->xlc[b->xn++] = f[c].line;
		b->xlc[b->xn++] = f[c].col;
	}
	return 0;
}

/* Parse block b (its from and end_limit set) into cells. */
static void blk_parse(struct par *x, struct blk *b)
{
	struct stream *bs = NULL;
	struct pass *p = x->p;
	size_t n = x->ncols, slen = p->suffix ? strlen(p->suffix) : 0;
	int rc;

	b->tlen = b->nrows = b->xn = 0;
	b->failed = 0;
	err_clear(&b->err);
	if (stream_block_open(&bs, x->st, b->from, b->end_limit,
			      b->k == 0 && x->at_data_start, &b->err) < 0) {
		b->failed = 1;
		return;
	}
	while ((rc = stream_next(bs, &b->err)) > 0) {
		const struct stream_field *f = bs->fields;
		uint64_t h = 0x243f6a8885a308d3ULL;
		const char *lo;
		size_t c, need, cf;
		struct rowpos *rp;
		long d;
		double nv;
		int isint;

		if (b->nrows == 0)
			b->line_first = f[0].line;
		if (b->nrows == b->rcap) {
			/* by group of columns: group g's cells row by row from
			 * rcap * (its first column) (see cell_at) */
			size_t nc = b->rcap ? b->rcap * 2 : 1024;
			uint64_t *nr = realloc(b->rh, nc * sizeof(*nr));
			struct rowpos *np = nr ? realloc(b->rows, nc * sizeof(*np)) : NULL;
			struct cell *ncl = np ? malloc(nc * n * sizeof(*ncl)) : NULL;
			unsigned g;

			if (nr)
				b->rh = nr;
			if (np)
				b->rows = np;
			if (!ncl)
				goto oom;
			for (g = 0; g < x->ngroups && b->nrows; g++)
				memcpy(ncl + nc * group_first(x, g),
				       b->cells + b->rcap * group_first(x, g),
				       b->nrows * group_width(x, g) * sizeof(*ncl));
			free(b->cells);
			b->cells = ncl;
			b->rcap = nc;
		}
		/* the record's fields lie NUL-terminated in the stream's
		 * buffer, in order: one copy of that span holds them all */
		for (c = 0; c < n && !f[c].s; c++)
			;
		lo = c < n ? f[c].s : NULL;
		rp = &b->rows[b->nrows];
		rp->line = c < n ? f[c].line : 1;
		rp->col = c < n ? f[c].col : 1;
		rp->text = (uint32_t)b->tlen;
		rp->xpos = NO_CELL;
		cf = c;
		for (c = n; c > 0 && !f[c - 1].s; c--)
			;
		need = lo ? (size_t)(f[c - 1].s + f[c - 1].len + 1 - lo) : 0;
		/* COLACC_PAD bytes to spare: colacc_number_pad reads ahead */
		if (b->tlen + need + COLACC_PAD > b->tcap) {
			size_t nc = b->tcap ? b->tcap : (size_t)1 << 16;
			char *nt;

			while (nc < b->tlen + need + COLACC_PAD)
				nc *= 2;
			if (!(nt = realloc(b->text, nc)))
				goto oom;
			b->text = nt;
			b->tcap = nc;
		}
		if (need)
			memcpy(b->text + b->tlen, lo, need);
		for (c = 0; c < n; c++) {
			struct cell *cl = cell_at(x, b, b->nrows, c);
			const char *s = f[c].s;
			size_t len = f[c].len;
			uint64_t ch = MISSING_HASH;

			cl->u.hash = 0;
			if (!s) {
				cl->off = NO_CELL;
				cl->len = 0;
			} else {
				size_t off = b->tlen + (size_t)(s - lo);

				/* the label's suffix goes before anything looks at it */
				if ((int)c == p->label && slen && len >= slen &&
				    !memcmp(s + len - slen, p->suffix, slen)) {
					len -= slen;
					b->text[off + len] = '\0';
				}
				cl->off = (uint32_t)off;
				cl->len = (uint32_t)len;
				/* the cell's key in the row: numbers by value
				 * (colacc_cell_key), other text by its hash */
				if (colacc_number_pad(b->text + off, len, &nv, &isint) == 0) {
					ch = colacc_number_key(b->text + off, len, nv, isint);
					cl->u.v = nv;
					cl->len |= CELL_NUM | (isint ? CELL_INT : 0) |
						(lc_pii_plain_number(s, len) ? CELL_PLAIN : 0);
				} else {
					ch = sketch_hash(s, len);
					cl->u.hash = ch;
				}
				/* where it is, from its row's first cell */
				d = (long)(s - lo) - ((long)f[c].col - (long)f[cf].col);
				if (f[c].line == f[cf].line && d >= -1 && d <= 1)
					cl->len |= (uint32_t)(d + 1) << CELL_SHIFT;
				else if (rp->xpos == NO_CELL && own_places(b, f, n) < 0)
					goto oom;
			}
			h = sketch_mix(h ^ ch) * 0x9fb21c651e98df25ULL + (uint64_t)c;
		}
		b->tlen += need;
		b->rh[b->nrows++] = sketch_mix(h);
	}
	if (rc < 0) {
		b->failed = 1;
	} else {
		stream_block_state(bs, &b->stop, &b->line_stop);
		b->first = b->nrows ? bs->first_record : b->stop;
		b->end_rec = b->nrows ? bs->end_record : b->stop;
		if (!b->nrows)
			b->line_first = b->line_stop;
	}
	stream_close(bs);
	return;
oom:
	stream_close(bs);
	b->failed = 1;
	OOM(&b->err);
}

/* Where the (present) cell cl of row r, column c of block b is. */
static void cell_place(const struct blk *b, size_t r, size_t c,
		       const struct cell *cl, uint32_t *line, uint32_t *col)
{
	const struct rowpos *rp = &b->rows[r];
	long base = b->base - 1;

	if (rp->xpos == NO_CELL) {
		*line = (uint32_t)(base + rp->line);
		*col = rp->col + (cl->off - rp->text) - (cl->len >> CELL_SHIFT) + 1;
	} else {
		*line = (uint32_t)(base + b->xlc[rp->xpos + 2 * c]);
		*col = b->xlc[rp->xpos + 2 * c + 1];
	}
}

/* Feed one cell of block b (row r, column c; cl its cell) to the
 * accumulator, the personal-data tally and the checks. */
static int blk_cell(struct par *x, struct blk *b, size_t r, size_t c,
		    const struct cell *cl, struct mlci_err *err)
{
	struct pass *p = x->p;
	struct colacc_num pre;
	const char *s = NULL;
	size_t len = cl->len & CELL_LEN;
	uint32_t line = 0, col = 0;

	if (cl->off != NO_CELL) {
		s = b->text + cl->off;
		cell_place(b, r, c, cl, &line, &col);
	}
	pre.ok = (cl->len & CELL_NUM) != 0;
	pre.is_int = (cl->len & CELL_INT) != 0;
	pre.v = pre.ok ? cl->u.v : 0;
	/* personal data: a tally per column, so columns may go on
	 * different threads */
	if (p->pii && pre.ok)
		lc_pii_add_number(p->pii, c, s, len);
	else if (p->pii)
		lc_pii_add(p->pii, c, s);
	if (colacc_add_parsed(&p->acc[c], s, len, pre.ok ? NULL : &cl->u.hash,
			      line, col, &pre, err) < 0)
		return -1;
	if (s && p->chk && p->sidx[c] >= 0 &&
	    check_cell(&p->chk[c], &x->sc->cols[p->sidx[c]], s, len, line,
		       col) < 0)
		return OOM(err);
	return 0;
}

/* Feed block b's columns [c0, c1) to the accumulators: column by
 * column (each accumulator sees its values in row order, as a single
 * pass gives them), a column of numbers past its exact frequencies in
 * runs (colacc_add_numbers: each summary's work in a loop of its own,
 * its memory in the cache throughout), any other cell one at a time. */
static int blk_acc(struct par *x, struct blk *b, size_t c0, size_t c1,
		   struct mlci_err *err)
{
	struct pass *p = x->p;
	size_t w = c1 - c0, r, c;

	for (c = c0; c < c1; c++) {
		struct colacc *a = &p->acc[c];
		const struct cell *cl = b->cells + b->rcap * c0 + (c - c0);
		int checked = p->chk && p->sidx[c] >= 0;
		double run[COLACC_RUN];
		size_t nrun = 0, nplain = 0;

		for (r = 0; r < b->nrows; r++, cl += w) {
			uint32_t need = a->all_int ? CELL_NUM | CELL_INT : CELL_NUM;

			/* (an integer beyond 2^53 needs its text for its key) */
			if ((cl->len & need) == need && colacc_takes_numbers(a) &&
			    !((cl->len & CELL_INT) && fabs(cl->u.v) >= COLACC_EXACT_INT)) {
				if (checked) {
					uint32_t line, col;

					cell_place(b, r, c, cl, &line, &col);
					if (check_cell(&p->chk[c], &x->sc->cols[p->sidx[c]],
						       b->text + cl->off, cl->len & CELL_LEN,
						       line, col) < 0)
						return OOM(err);
				}
				/* personal data: most numbers are counted, not
				 * read again */
				if (p->pii && (cl->len & CELL_PLAIN))
					nplain++;
				else if (p->pii)
					lc_pii_add(p->pii, c, b->text + cl->off);
				run[nrun++] = cl->u.v;
				if (nrun == COLACC_RUN) {
					if (colacc_add_numbers(a, run, nrun, err) < 0)
						return -1;
					nrun = 0;
				}
				continue;
			}
			if (nrun && colacc_add_numbers(a, run, nrun, err) < 0)
				return -1;
			nrun = 0;
			if (blk_cell(x, b, r, c, cl, err) < 0)
				return -1;
		}
		if (nrun && colacc_add_numbers(a, run, nrun, err) < 0)
			return -1;
		if (nplain)
			lc_pii_add_plain(p->pii, c, nplain);
	}
	return 0;
}

static int blk_rows(struct par *x, struct blk *b, struct mlci_err *err)
{
	size_t r;

	for (r = 0; r < b->nrows; r++) {
		if (r + 16 < b->nrows)
			rowset_prefetch(&x->p->rows, b->rh[r + 16]);
		if (rowset_add(&x->p->rows, b->rh[r]) < 0)
			return OOM(err);
	}
	x->p->nrows += b->nrows;
	return 0;
}

/* The oldest block some consumer still needs. */
static uint64_t par_low(const struct par *x)
{
	uint64_t low = x->rk;
	unsigned g;

	for (g = 0; g < x->ngroups; g++)
		if (x->gk[g] < low)
			low = x->gk[g];
	return low;
}

/* Check the parsed blocks in order (under the lock). */
static void par_verify(struct par *x)
{
	while (!x->failed && x->vk < x->next_new) {
		struct blk *b = blk_of(x, x->vk);
		int ok;

		if (b->state != B_PARSED)
			return;
		ok = b->exact || (!b->failed && b->first == x->prev_stop);
		if (!ok) {
			b->from = x->prev_stop;
			b->exact = 1;
			b->state = B_TODO;
			return;
		}
		if (x->vk == 0)
			b->base = (long)x->L0;
		else
			b->base = x->prev_base + (long)x->prev_line_stop -
				(long)(b->failed ? 1 : b->line_first);
		if (b->failed) {
			x->err = b->err;
			if (x->err.line > 0)
				x->err.line += b->base - 1;
			x->failed = 1;
			return;
		}
		b->state = B_DONE;
		x->prev_stop = b->stop;
		x->prev_line_stop = b->line_stop;
		x->prev_base = b->base;
		if (b->nrows) {
			if (!x->have_rows)
				x->first_record = b->first;
			x->have_rows = 1;
			x->end_record = b->end_rec;
		}
		x->nrecords += b->nrows;
		x->vk++;
	}
}

/* Start block k: its nominal range and guessed start (under the lock;
 * the guess is made by the parser, outside it). */
static void blk_start(struct par *x, uint64_t k)
{
	struct blk *b = blk_of(x, k);

	b->k = k;
	b->end_limit = k + 1 == x->nblocks ? x->end_limit : x->R + (k + 1) * x->B;
	b->from = x->R + k * x->B;
	b->exact = k == 0;
	b->state = B_TODO;
}

/* b->from moved to the first line start at or after it (a guess: it may
 * be inside a quoted field); the end of the file if none. */
static int guess_start(struct par *x, struct blk *b)
{
	return stream_line_start(x->st->path, b->from, &b->from, &b->err);
}

/* A group of columns ready for its next block: the one furthest behind,
 * among the thread's own groups (mine) or the others'; UINT_MAX none. */
static unsigned ready_group(const struct par *x, unsigned id, int mine)
{
	unsigned g, pick = UINT_MAX;

	for (g = 0; g < x->ngroups; g++)
		if (((g % x->nthreads == id) == mine) && !x->grun[g] &&
		    x->gk[g] < x->vk && (pick == UINT_MAX || x->gk[g] < x->gk[pick]))
			pick = g;
	return pick;
}

struct worker {
	struct par *x;
	unsigned id;
};

static void *par_worker(void *arg)
{
	struct par *x = ((struct worker *)arg)->x;
	unsigned id = ((struct worker *)arg)->id;

	pthread_mutex_lock(&x->mu);
	for (;;) {
		struct blk *b = NULL;
		uint64_t k, low;
		unsigned pick;
		struct mlci_err e;
		int rc = 0, done = 0;

		par_verify(x);
		if (x->failed)
			break;
		/* a thread keeps to its own groups of columns (their sketches
		 * stay in its core's cache), the one furthest behind first;
		 * it takes another's only when there is nothing else to do */
		pick = ready_group(x, id, 1);
		if (pick == UINT_MAX && !(!x->rrun && x->rk < x->vk) &&
		    !(x->vk < x->next_new && blk_of(x, x->vk)->state == B_TODO) &&
		    !(!x->sha_run && !x->sha_done) &&
		    !(x->next_new < x->nblocks && x->next_new < par_low(x) + x->window))
			pick = ready_group(x, id, 0);
		if (pick != UINT_MAX) {
			size_t c0 = x->ncols * pick / x->ngroups;
			size_t c1 = x->ncols * (pick + 1) / x->ngroups;

			k = x->gk[pick];
			x->grun[pick] = 1;
			pthread_mutex_unlock(&x->mu);
			err_clear(&e);
			rc = blk_acc(x, blk_of(x, k), c0, c1, &e);
			pthread_mutex_lock(&x->mu);
			x->grun[pick] = 0;
			x->gk[pick]++;
			goto after;
		}
		if (!x->rrun && x->rk < x->vk) {
			k = x->rk;
			x->rrun = 1;
			pthread_mutex_unlock(&x->mu);
			err_clear(&e);
			rc = blk_rows(x, blk_of(x, k), &e);
			pthread_mutex_lock(&x->mu);
			x->rrun = 0;
			x->rk++;
			goto after;
		}
		/* a block to parse again from where the one before stopped */
		if (x->vk < x->next_new && blk_of(x, x->vk)->state == B_TODO &&
		    blk_of(x, x->vk)->exact) {
			b = blk_of(x, x->vk);
		} else if (!x->sha_run && !x->sha_done) {
			x->sha_run = 1;
			pthread_mutex_unlock(&x->mu);
			err_clear(&e);
			rc = stream_hash_step(x->st, HASH_STEP, &done, &e);
			pthread_mutex_lock(&x->mu);
			x->sha_run = 0;
			x->sha_done = done;
			goto after;
		} else {
			low = par_low(x);
			if (x->next_new < x->nblocks && x->next_new < low + x->window) {
				blk_start(x, x->next_new);
				b = blk_of(x, x->next_new);
				x->next_new++;
			}
		}
		if (b) {
			int guess = !b->exact;

			b->state = B_BUSY;
			pthread_mutex_unlock(&x->mu);
			if (guess && guess_start(x, b) < 0)
				b->failed = 1;
			else
				blk_parse(x, b);
			pthread_mutex_lock(&x->mu);
			b->state = B_PARSED;
			pthread_cond_broadcast(&x->cv);
			continue;
		}
		if (x->vk == x->nblocks && x->rk == x->nblocks && x->sha_done &&
		    par_low(x) == x->nblocks)
			break;
		pthread_cond_wait(&x->cv, &x->mu);
		continue;
after:
		if (rc < 0 && !x->failed) {
			x->err = e;
			x->failed = 1;
		}
		pthread_cond_broadcast(&x->cv);
	}
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

/* The block size: BLOCK_SIZE, or MLCI_VALIDATE_BLOCK_SIZE (bytes, for
 * tests: many blocks from a small file). */
static uint64_t block_size(void)
{
	return (uint64_t)env_knob("MLCI_VALIDATE_BLOCK_SIZE", 1, (long)BLOCK_SIZE);
}

/* Read st's records into p on nthreads threads. 1: done; 0: the file
 * is too small or cannot be split (read it the usual way); -1 error. */
static int run_blocks(struct stream *st, struct pass *p, const struct schema *sc,
		      unsigned nthreads, struct mlci_err *err)
{
	struct par x;
	pthread_t tid[VALIDATE_MAX_THREADS];
	struct worker wk[VALIDATE_MAX_THREADS];
	unsigned i, started = 0;
	uint64_t k;
	int rc = -1;

	if (nthreads < 2 || !stream_can_split(st))
		return 0;
	memset(&x, 0, sizeof(x));
	x.st = st;
	x.p = p;
	x.sc = sc;
	x.ncols = p->ncols;
	x.B = block_size();
	stream_position(st, &x.R, &x.L0, &x.end_limit);
	x.region_end = x.end_limit < st->file_size ? x.end_limit : st->file_size;
	if (x.region_end <= x.R || x.region_end - x.R < 2 * x.B || !x.ncols)
		return 0;
	x.nblocks = (x.region_end - x.R + x.B - 1) / x.B;
	x.at_data_start = x.R == st->data_start;
	/* blocks held at once: enough for every thread to have one, and one
	 * or two waiting, but the memory bound does not grow past 6 (about
	 * 2.5 MB each: the text, 24 bytes a cell and 8 a row) */
	x.window = nthreads + 2 < WINDOW_MAX ? nthreads + 2 : WINDOW_MAX;
	x.ngroups = (unsigned)(x.ncols < 4 * nthreads ? x.ncols : 4 * nthreads);
	x.slot = calloc(x.window, sizeof(*x.slot));
	x.gk = calloc(x.ngroups, sizeof(*x.gk));
	x.grun = calloc(x.ngroups, 1);
	x.col_first = calloc(x.ncols, sizeof(*x.col_first));
	x.col_width = calloc(x.ncols, sizeof(*x.col_width));
	if (!x.slot || !x.gk || !x.grun || !x.col_first || !x.col_width) {
		free(x.slot);
		free(x.gk);
		free(x.grun);
		free(x.col_first);
		free(x.col_width);
		return OOM(err);
	}
	for (i = 0; i < x.ngroups; i++) {
		size_t c;

		for (c = group_first(&x, i); c < group_first(&x, i + 1); c++) {
			x.col_first[c] = group_first(&x, i);
			x.col_width[c] = group_width(&x, i);
		}
	}
	pthread_mutex_init(&x.mu, NULL);
	pthread_cond_init(&x.cv, NULL);
#ifdef __GLIBC__
	/* one malloc arena: per-thread arenas would each keep the blocks and
	 * accumulator memory their thread freed (12 MB more on 8 threads) */
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 1);
#endif
	x.nthreads = nthreads;
	for (i = 0; i < nthreads; i++) {
		wk[i].x = &x;
		wk[i].id = i;
	}
	for (i = 1; i < nthreads; i++) {
		if (pthread_create(&tid[started], NULL, par_worker, &wk[i]) != 0)
			break;
		started++;
	}
	pthread_mutex_lock(&x.mu);
	x.nthreads = started + 1;	/* fewer started: fewer owners */
	pthread_mutex_unlock(&x.mu);
	par_worker(&wk[0]);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (x.failed) {
		*err = x.err;
	} else if (stream_blocks_end(st, x.nrecords, x.have_rows ? x.first_record :
				     x.prev_stop, x.have_rows ? x.end_record :
				     x.prev_stop, err) == 0) {
		rc = 1;
	}
	for (k = 0; k < x.window; k++)
		blk_release(&x.slot[k]);
	free(x.slot);
	free(x.gk);
	free(x.grun);
	free(x.col_first);
	free(x.col_width);
	pthread_mutex_destroy(&x.mu);
	pthread_cond_destroy(&x.cv);
	return rc;
}

/* The thread count: --threads, else MLCI_THREADS via the step, else the
 * online CPUs (at most VALIDATE_DEFAULT_THREADS). */
static unsigned thread_count(const struct validate_opts *o)
{
	int n = online_cpus();

	if (o->threads)
		return o->threads;
	return n > VALIDATE_DEFAULT_THREADS ? VALIDATE_DEFAULT_THREADS : (unsigned)n;
}

/* ---- one pass over the data ---- */

static int run_stream(const struct validate_opts *o, struct validate_result *res,
		      struct mlci_err *err)
{
	struct stream_opts so;
	struct stream *st = NULL;
	struct schema sc;
	struct pass *p = NULL;
	json_t *sart = NULL;
	char ssha[SHA256_HEX_LEN + 1];
	const char *label;
	int rc = -1, have_schema = 0;
	size_t c;

	memset(&sc, 0, sizeof(sc));
	stream_opts_init(&so);
	so.csv = o->csv;
	so.format = o->format;
	so.shard = o->shard;
	so.nshards = o->nshards;
	if (stream_open(&st, o->data, &so, err) < 0)
		return -1;
	if (o->schema) {
		if (artifact_load(o->schema, KIND_SCHEMA, SCHEMA_SCHEMA, &sart,
				  ssha, err) < 0 ||
		    schema_from_json(&sc, sart, o->schema, err) < 0)
			goto out;
		have_schema = 1;
	}
	label = o->label ? o->label : sc.label;
	if (o->label_suffix && !label) {
		err_set(err, MLCI_EXIT_USAGE, NULL,
			"--label-suffix needs --label (or a schema with a label)");
		goto out;
	}
	for (c = 0; o->label && c < st->ncols && strcmp(st->names[c], o->label); c++)
		;
	if (o->label && c == st->ncols) {
		no_label(st->names, st->ncols, st->path, o->label, err);
		goto out;
	}
	if (pass_new(&p, st->names, st->ncols, label, o->label_suffix,
		     have_schema ? &sc : NULL, err) < 0)
		goto out;
	/* personal data and leakage (leakcheck.h) */
	if ((o->pii_mode && lc_pii_new(&p->pii, st->names, st->ncols,
				       o->pii_mode, err) < 0) ||
	    (o->against && lc_leak_new(&p->leak, o, st->names, st->ncols,
				       label, err) < 0))
		goto out;
	/* a CSV record's cells: room to read a word past their ends */
	p->padded = st->format == STREAM_CSV && STREAM_PAD >= COLACC_PAD;
	/* leakage hashes whole rows in order: one thread */
	rc = run_blocks(st, p, have_schema ? &sc : NULL,
			p->leak ? 1 : thread_count(o), err);
	if (rc == 1)
		rc = 0;
	else if (rc == 0)
		while ((rc = stream_next(st, err)) > 0)
			if (pass_add(p, st->fields, have_schema ? &sc : NULL, err) < 0)
				break;
	if (rc != 0) {
		rc = -1;
		goto out;
	}
	rc = -1;
	if (o->nshards) {
		rc = write_partial(o, st, p, have_schema ? &sc : NULL, ssha, label,
				   res, err);
		p = NULL;	/* freed */
		goto out;
	}
	rc = finish(o, p, o->data, st->sha256, have_schema ? &sc : NULL,
		    o->schema, have_schema ? ssha : NULL, label, NULL, NULL, res,
		    err);
	p = NULL;	/* finish owns it */
out:
	pass_free(p);
	json_decref(sart);
	schema_free(&sc);
	stream_close(st);
	return rc;
}

/* ---- merging partial reports ---- */

struct part {
	const char *path;
	json_t *art;
	const json_t *partial;
	char sha[SHA256_HEX_LEN + 1];
	unsigned shard;
	uint64_t start, end;
	const char *range_sha;
};

static int cmp_part(const void *a, const void *b)
{
	const struct part *x = a, *y = b;

	return x->shard < y->shard ? -1 : x->shard > y->shard;
}

static int range_of(const json_t *r, uint64_t *a, uint64_t *b)
{
	json_t *x = json_array_get(r, 0), *y = json_array_get(r, 1);

	if (!json_is_array(r) || json_array_size(r) != 2 || !json_is_integer(x) ||
	    !json_is_integer(y) || json_integer_value(x) < 0 ||
	    json_integer_value(y) < json_integer_value(x))
		return -1;
	*a = (uint64_t)json_integer_value(x);
	*b = (uint64_t)json_integer_value(y);
	return 0;
}

static const char *data_path_of(const json_t *art)
{
	json_t *in = json_object_get(art, "inputs"), *e;
	size_t i;

	json_array_foreach(in, i, e) {
		const char *role = json_string_value(json_object_get(e, "role"));

		if (role && !strcmp(role, "data"))
			return json_string_value(json_object_get(e, "path"));
	}
	return NULL;
}

/* Load and check the parts: partial reports of one file, one run, every
 * shard once. Sorted by shard. */
static int load_parts(const struct validate_opts *o, struct part *parts,
		      struct mlci_err *err)
{
	size_t n = o->nmerge, i;
	long of = 0;
	const char *keys[] = { "file_size", "format", "options", "schema_sha256" };

	for (i = 0; i < n; i++) {
		struct part *pt = &parts[i];
		json_t *sh, *ofv;
		long pof;

		pt->path = o->merge[i];
		if (artifact_load(pt->path, KIND_DATA_REPORT, SCHEMA_DATA_REPORT,
				  &pt->art, pt->sha, err) < 0)
			return -1;
		pt->partial = json_object_get(pt->art, "partial");
		if (!json_is_object(pt->partial))
			return err_set(err, MLCI_EXIT_DATAERR, pt->path,
				       "not a partial report (one written with "
				       "--shard K/N)");
		sh = json_object_get(pt->partial, "shard");
		ofv = json_object_get(pt->partial, "of");
		pt->range_sha = json_string_value(json_object_get(pt->partial,
								  "range_sha256"));
		/* row hashes of an older release key cells by their text:
		 * they cannot be counted with these */
		if (!json_is_string(json_object_get(pt->partial, "row_keys")) ||
		    strcmp(json_string_value(json_object_get(pt->partial, "row_keys")),
			   ROW_KEYS))
			return err_set(err, MLCI_EXIT_DATAERR, pt->path,
				       "a partial report of an older release (its rows "
				       "are keyed by their text, not their numbers' "
				       "values): make every shard with this one");
		if (!json_is_integer(sh) || !json_is_integer(ofv) ||
		    json_integer_value(ofv) < 1 || json_integer_value(ofv) > 1000000 ||
		    json_integer_value(sh) < 1 ||
		    json_integer_value(sh) > json_integer_value(ofv) ||
		    range_of(json_object_get(pt->partial, "range"), &pt->start,
			     &pt->end) < 0 || !sha256_valid(pt->range_sha ? pt->range_sha : "") ||
		    !json_is_object(json_object_get(pt->art, "state")) ||
		    !json_is_integer(json_object_get(pt->partial, "file_size")))
			return err_set(err, MLCI_EXIT_DATAERR, pt->path,
				       "malformed partial report: \"partial\" needs "
				       "shard, of, range, range_sha256, file_size");
		pt->shard = (unsigned)json_integer_value(sh);
		pof = (long)json_integer_value(ofv);
		/* keep what the checks need; the state is read again, one
		 * part at a time, when it is merged */
		{
			json_t *keep = json_object(), *st = json_object();
			json_t *names = json_object_get(json_object_get(pt->art, "state"),
							"names");

			if (!keep || !st) {
				json_decref(keep);
				json_decref(st);
				return OOM(err);
			}
			json_object_set_new(keep, "partial",
					    json_deep_copy(pt->partial));
			json_object_set_new(keep, "inputs", json_deep_copy(
				json_object_get(pt->art, "inputs")));
			json_object_set_new(st, "names", names ?
					    json_deep_copy(names) : json_null());
			json_object_set_new(keep, "state", st);
			json_decref(pt->art);
			pt->art = keep;
			pt->partial = json_object_get(keep, "partial");
			pt->range_sha = json_string_value(json_object_get(pt->partial,
									  "range_sha256"));
			if (!pt->partial || !pt->range_sha)
				return OOM(err);
		}
		if (i == 0)
			of = pof;
		else if (pof != of)
			return err_set(err, MLCI_EXIT_DATAERR, pt->path,
				       "shard %u of %ld, but %s is a shard of %ld",
				       pt->shard, pof, parts[0].path, of);
	}
	qsort(parts, n, sizeof(*parts), cmp_part);
	for (i = 1; i < n; i++)
		if (parts[i].shard == parts[i - 1].shard)
			return err_set(err, MLCI_EXIT_DATAERR, parts[i].path,
				       "shard %u of %ld is given twice (also %s)",
				       parts[i].shard, of, parts[i - 1].path);
	if ((long)n != of) {
		unsigned want = 1;

		for (i = 0; i < n && parts[i].shard == want; i++)
			want++;
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "--merge: shard %u of %ld is missing (%zu part%s given)",
			       want, of, n, n == 1 ? "" : "s");
	}
	for (i = 0; i < n; i++) {
		const json_t *a = parts[0].partial, *b = parts[i].partial;
		const json_t *sa = json_object_get(parts[0].art, "state");
		const json_t *sb = json_object_get(parts[i].art, "state");
		size_t k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			json_t *x = json_object_get(a, keys[k]), *y = json_object_get(b, keys[k]);

			if ((x || y) && (!x || !y || !json_equal(x, y)))
				return err_set(err, MLCI_EXIT_DATAERR, parts[i].path,
					       "not from the same run as %s (its "
					       "\"%s\" differs)", parts[0].path, keys[k]);
		}
		if (!json_equal(json_object_get(sa, "names"), json_object_get(sb, "names")))
			return err_set(err, MLCI_EXIT_DATAERR, parts[i].path,
				       "not from the same run as %s (its columns "
				       "differ)", parts[0].path);
		if ((i == 0 && parts[i].start != 0) ||
		    (i > 0 && parts[i].start != parts[i - 1].end) ||
		    (i + 1 == n && parts[i].end != (uint64_t)json_integer_value(
			    json_object_get(a, "file_size"))))
			return err_set(err, MLCI_EXIT_DATAERR, parts[i].path,
				       "its byte range does not continue the "
				       "previous shard's: the parts are not of one file");
	}
	return 0;
}

/*
 * The data file's sha256, reading it once and checking that each range
 * hashes as its shard said: 1 verified (sha set), 0 when the file is not
 * there to read, -1 (65) when it is not the file that was sharded.
 */
static int verify_file(const char *path, const struct part *parts, size_t n,
		       uint64_t size, char sha[SHA256_HEX_LEN + 1],
		       struct mlci_err *err)
{
	FILE *fp = path ? fopen(path, "rb") : NULL;
	struct sha256_ctx whole, range;
	unsigned char *buf;
	struct stat st;
	uint64_t at = 0;
	size_t i;

	if (!fp)
		return 0;
	if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return 0;
	}
	if ((uint64_t)st.st_size != size) {
		fclose(fp);
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "%llu bytes, but the partial reports were made "
			       "from a file of %llu: not the file that was sharded",
			       (unsigned long long)st.st_size,
			       (unsigned long long)size);
	}
	buf = malloc(1 << 20);
	if (!buf || sha256_init(&whole) < 0) {
		free(buf);
		fclose(fp);
		return OOM(err);
	}
	for (i = 0; i < n; i++) {
		char got[SHA256_HEX_LEN + 1];

		if (sha256_init(&range) < 0) {
			sha256_final(&whole, sha);
			free(buf);
			fclose(fp);
			return OOM(err);
		}
		while (at < parts[i].end) {
			size_t want = parts[i].end - at < (1 << 20) ?
				(size_t)(parts[i].end - at) : (1 << 20);
			size_t r = fread(buf, 1, want, fp);

			if (!r)
				break;
			sha256_update(&whole, buf, r);
			sha256_update(&range, buf, r);
			at += r;
		}
		sha256_final(&range, got);
		if (at != parts[i].end || strcmp(got, parts[i].range_sha)) {
			sha256_final(&whole, sha);
			free(buf);
			fclose(fp);
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "bytes %llu to %llu are not what shard %u "
				       "read (%s): the file changed since",
				       (unsigned long long)parts[i].start,
				       (unsigned long long)parts[i].end, parts[i].shard,
				       parts[i].path);
		}
	}
	sha256_final(&whole, sha);
	free(buf);
	fclose(fp);
	return 1;
}

struct merge_info {
	const struct part *parts;
	size_t n;
	int verified;
};

static json_t *merge_extra(json_t *art, void *arg)
{
	const struct merge_info *mi = arg;
	json_t *m = json_object(), *shards = json_array();
	size_t i;

	for (i = 0; i < mi->n; i++) {
		json_t *e = json_object(), *r = json_array();

		if (artifact_add_input(art, "data-report", mi->parts[i].path,
				       mi->parts[i].sha) < 0)
			return NULL;
		json_array_append_new(r, json_integer((json_int_t)mi->parts[i].start));
		json_array_append_new(r, json_integer((json_int_t)mi->parts[i].end));
		json_object_set_new(e, "range", r);
		json_object_set_new(e, "range_sha256", json_string(mi->parts[i].range_sha));
		json_object_set_new(e, "rows", json_deep_copy(json_object_get(
			mi->parts[i].partial, "rows")));
		json_array_append_new(shards, e);
	}
	json_object_set_new(m, "shards", shards);
	json_object_set_new(m, "data_sha256", json_string(mi->verified ?
		"the file's, verified against every shard's range" :
		"derived from the shards' range hashes (the file was not there to read)"));
	json_object_set_new(art, "merged", m);
	return art;
}

static int run_merge(const struct validate_opts *o, struct validate_result *res,
		     struct mlci_err *err)
{
	size_t n = o->nmerge, i;
	struct part *parts = calloc(n ? n : 1, sizeof(*parts));
	struct schema sc;
	struct pass *p = NULL, *q = NULL;
	struct merge_info mi;
	const json_t *opt, *sobj;
	const char *label, *suffix, *data, *spath = NULL, *ssha;
	char sha[SHA256_HEX_LEN + 1];
	int rc = -1, have_schema = 0, v;
	double mm;

	memset(&sc, 0, sizeof(sc));
	if (!parts)
		return OOM(err);
	if (load_parts(o, parts, err) < 0)
		goto out;
	opt = json_object_get(parts[0].partial, "options");
	label = json_string_value(json_object_get(opt, "label"));
	suffix = json_string_value(json_object_get(opt, "label_suffix"));
	mm = json_is_number(json_object_get(opt, "max_missing")) ?
		json_number_value(json_object_get(opt, "max_missing")) : -1;
	sobj = json_object_get(parts[0].partial, "schema");
	ssha = json_string_value(json_object_get(parts[0].partial, "schema_sha256"));
	if (sobj) {
		json_t *in = json_object_get(parts[0].art, "inputs"), *e;

		if (schema_from_json(&sc, sobj, parts[0].path, err) < 0)
			goto out;
		have_schema = 1;
		json_array_foreach(in, i, e)
			if (json_string_value(json_object_get(e, "role")) &&
			    !strcmp(json_string_value(json_object_get(e, "role")), "schema"))
				spath = json_string_value(json_object_get(e, "path"));
		if (!ssha || !sha256_valid(ssha)) {
			err_set(err, MLCI_EXIT_DATAERR, parts[0].path,
				"malformed partial report: \"schema_sha256\"");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		struct pass **dst = i ? &q : &p;
		char again[SHA256_HEX_LEN + 1];
		json_t *art;

		if (artifact_load(parts[i].path, KIND_DATA_REPORT, SCHEMA_DATA_REPORT,
				  &art, again, err) < 0)
			goto out;
		if (strcmp(again, parts[i].sha)) {
			json_decref(art);
			err_set(err, MLCI_EXIT_DATAERR, parts[i].path,
				"changed while the parts were being merged");
			goto out;
		}
		rc = pass_from_json(dst, json_object_get(art, "state"), label,
				    suffix, have_schema ? &sc : NULL, parts[i].path,
				    err);
		json_decref(art);
		rc = rc < 0 ? -1 : 0;
		if (rc < 0)
			goto out;
		rc = -1;
		if (i) {
			if (pass_merge(p, q, err) < 0)
				goto out;
			pass_free(q);
			q = NULL;
		}
	}
	if (!p->nrows) {
		err_set(err, MLCI_EXIT_DATAERR, data_path_of(parts[0].art),
			"a header row but no data rows");
		goto out;
	}
	data = o->data ? o->data : data_path_of(parts[0].art);
	v = verify_file(data, parts, n, (uint64_t)json_integer_value(
		json_object_get(parts[0].partial, "file_size")), sha, err);
	if (v < 0)
		goto out;
	if (v == 0) {
		struct buf b;

		if (o->data) {
			err_set(err, MLCI_EXIT_NOINPUT, o->data, "cannot open: %s",
				strerror(ENOENT));
			goto out;
		}
		buf_init(&b);
		buf_addstr(&b, "mlci merged shards\n");
		for (i = 0; i < n; i++)
			buf_printf(&b, "%u/%zu %llu %llu %s\n", parts[i].shard, n,
				   (unsigned long long)parts[i].start,
				   (unsigned long long)parts[i].end, parts[i].range_sha);
		sha256_buf(b.data, b.len, sha);
		buf_release(&b);
	}
	{
		struct validate_opts mo = *o;

		mo.max_missing = mm;
		mi.parts = parts;
		mi.n = n;
		mi.verified = v;
		rc = finish(&mo, p, data ? data : "", sha, have_schema ? &sc : NULL,
			    spath ? spath : "", have_schema ? ssha : NULL, label,
			    merge_extra, &mi, res, err);
		p = NULL;
	}
	res->shards = n;
out:
	pass_free(p);
	pass_free(q);
	schema_free(&sc);
	for (i = 0; i < n; i++)
		json_decref(parts[i].art);
	free(parts);
	return rc;
}

/* --reference: load and check the reference report before the data is
 * read, then run with it (refdrift.h). */
static int run_with_reference(const struct validate_opts *o,
			      struct validate_result *res, struct mlci_err *err)
{
	struct validate_opts ro = *o;
	struct refdrift_ref ref;
	int rc;

	if (o->nshards)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--reference needs every row: give it to the "
			       "--merge of the shards instead");
	rc = refdrift_load(o->drift, &ref, err);
	if (rc == 0) {
		ro.drift_ref = &ref;
		rc = validate_run(&ro, res, err);
	}
	refdrift_ref_free(&ref);
	return rc;
}

int validate_run(const struct validate_opts *o, struct validate_result *res,
		 struct mlci_err *err)
{
	memset(res, 0, sizeof(*res));
	if (o->drift && o->drift->reference && !o->drift_ref)
		return run_with_reference(o, res, err);
	if (o->schema && o->infer_schema)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "give --schema or --infer-schema, not both");
	if (o->max_missing > 1)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--max-missing: expected a rate between 0 and 1");
	if (o->nmerge) {
		if (o->nshards || o->schema || o->label || o->label_suffix ||
		    o->max_missing >= 0 || o->pii_given || o->against)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--merge takes the shards' options from the "
				       "partial reports: give only the parts, --out, "
				       "--infer-schema, --html, --codequality, --junit "
				       "and --data");
		return run_merge(o, res, err);
	}
	if (o->nshards && o->infer_schema)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--infer-schema needs every row: give it to the "
			       "--merge of the shards instead");
	/* leakage needs every row; the other outputs need the verdict */
	if (o->nshards && o->against)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--against needs every row of the data: not with --shard");
	if (o->nshards && (o->html || o->codequality || o->junit))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--%s needs every row: give it to the --merge of "
			       "the shards instead", o->html ? "html" :
			       o->codequality ? "codequality" : "junit");
	if (o->nshards && (o->shard < 1 || o->shard > o->nshards))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--shard %u/%u: the shard number must be 1 to %u",
			       o->shard, o->nshards, o->nshards);
	return run_stream(o, res, err);
}

void validate_result_free(struct validate_result *res)
{
	json_decref(res->report);
	memset(res, 0, sizeof(*res));
}

int validate_summary(const struct validate_opts *o,
		     const struct validate_result *res, int json,
		     struct buf *out)
{
	const char *prog = o->producer ? o->producer : "mlci-validate-data";
	char what[600], drifted[128] = "";

	if (json) {
		char *text = artifact_dumps(res->report);
		int rc = text ? buf_addstr(out, text) : -1;

		free(text);
		return rc;
	}
	if (res->partial)
		return buf_printf(out, "%s: %s: shard %u/%u%s: %zu rows, %zu columns: "
				  "partial report written (merge the shards for "
				  "the verdict%s)\n", prog, o->data, o->shard,
				  o->nshards, o->shard_from_ci ?
				  " (CI_NODE_INDEX/CI_NODE_TOTAL)" : "",
				  res->rows, res->cols, o->shard_from_ci ?
				  "; --shard none checks the whole file here" : "");
	if (res->shards)
		snprintf(what, sizeof(what), "%zu merged shards", res->shards);
	else
		snprintf(what, sizeof(what), "%s", o->data);
	if (res->drift)
		snprintf(drifted, sizeof(drifted), ", drift %zu of %zu columns (%.0f%%)",
			 res->drift_drifted, res->drift_compared,
			 100 * res->drift_share);
	return buf_printf(out, "%s: %s: %zu rows, %zu columns, %zu error%s, "
			  "%zu warning%s%s: %s\n", prog, what, res->rows,
			  res->cols, res->errors, res->errors == 1 ? "" : "s",
			  res->warnings, res->warnings == 1 ? "" : "s", drifted,
			  res->pass ? "pass" : "fail");
}
