/*
 * leakcheck.c - leakage between splits, personal data, and the derived
 * report outputs of mlci-validate-data. See leakcheck.h for the rules.
 */
#include "leakcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact.h"
#include "dqreport.h"
#include "leakage.h"
#include "pii.h"
#include "profile.h"
#include "sketch.h"
#include "util.h"

#define OOM(err) err_set((err), MLCI_EXIT_SOFTWARE, NULL, "out of memory")

/* A missing cell's hash, in both files. */
#define LC_MISSING 0x8c3b6a0f2e4d1c97ULL

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* ---- personal data ---- */

struct lc_pii {
	size_t ncols;
	int mode;
	double threshold;
	struct pii_col *col;
};

int lc_pii_new(struct lc_pii **out, char *const *names, size_t ncols,
	       int mode, struct mlci_err *err)
{
	struct lc_pii *p = calloc(1, sizeof(*p));
	size_t c;

	*out = NULL;
	if (!p || !(p->col = calloc(ncols ? ncols : 1, sizeof(*p->col)))) {
		free(p);
		return OOM(err);
	}
	p->ncols = ncols;
	p->mode = mode;
	p->threshold = PII_THRESHOLD;
	for (c = 0; c < ncols; c++)
		pii_col_init(&p->col[c], names[c]);
	*out = p;
	return 0;
}

void lc_pii_free(struct lc_pii *p)
{
	if (!p)
		return;
	free(p->col);
	free(p);
}

/*
 * Could s be of any type pii_classify knows? A quick scan that lets
 * through a superset: an '@' (email), a ':' or three dots (IP), 7 digits
 * or more (phone, card) unless the value is a plain decimal number of
 * fewer than 13 digits, two letters first and two digits (IBAN), a blank or
 * comma inside the value with a capital or non-ASCII letter (person
 * names have two words). Most values of most columns fail it, so the
 * detectors run on few of them.
 */
int lc_pii_candidate(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t digits = 0, dots = 0, n = 0;
	int sep = 0, cap = 0, started = 0, plain = 1;
	unsigned char first[4];

	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p; p++, n++) {
		unsigned char c = *p;

		if (c == '@' || c == ':')
			return 1;
		if (n < 4)
			first[n] = c;
		if (c >= '0' && c <= '9')
			digits++;
		else if (c == '.')
			dots++;
		else if (c == '-' && !n)
			;	/* a sign */
		else {
			plain = 0;
			if ((c == ' ' || c == '\t' || c == ',') && started)
				sep = 1;
			else if ((c >= 'A' && c <= 'Z') || c >= 0x80)
				cap = 1;
		}
		started = 1;
	}
	/* a decimal number ([-]digits[.digits]) is of no type unless it
	 * could be a card (13 digits or more): a phone number needs a '+', a
	 * '(' or three groups, an IP address three dots */
	if (plain && dots <= 1 && digits < 13)
		return 0;
	if (digits >= 7 || dots >= 3 || (sep && cap))
		return 1;
	/* an IBAN: a country code, and check digits somewhere after it */
	return n >= 4 && digits >= 2 &&
		((first[0] | 32) >= 'a' && (first[0] | 32) <= 'z') &&
		((first[1] | 32) >= 'a' && (first[1] | 32) <= 'z');
}

void lc_pii_add(struct lc_pii *p, size_t col, const char *s)
{
	if (col >= p->ncols)
		return;
	if (s && !lc_pii_candidate(s))
		p->col[col].values++;	/* what pii_col_add would count */
	else
		pii_col_add(&p->col[col], s);
}

void lc_pii_add_number(struct lc_pii *p, size_t col, const char *s,
		       size_t len)
{
	if (col < p->ncols && lc_pii_plain_number(s, len))
		p->col[col].values++;
	else
		lc_pii_add(p, col, s);
}

void lc_pii_add_plain(struct lc_pii *p, size_t col, size_t n)
{
	if (col < p->ncols)
		p->col[col].values += n;
}

int lc_pii_merge(struct lc_pii *a, const struct lc_pii *b,
		 struct mlci_err *err)
{
	size_t c;

	if (!a || !b || a->ncols != b->ncols || a->mode != b->mode ||
	    a->threshold != b->threshold)
		return err_set(err, MLCI_EXIT_DATAERR, NULL,
			       "--merge: the parts were not made with the same --pii");
	for (c = 0; c < a->ncols; c++)
		pii_col_merge(&a->col[c], &b->col[c]);
	return 0;
}

static const char *const mode_names[] = { "off", "warn", "fail" };

json_t *lc_pii_to_json(const struct lc_pii *p)
{
	json_t *o = json_object(), *cols = json_array();
	size_t c;
	int t;

	if (!o || !cols) {
		json_decref(o);
		json_decref(cols);
		return NULL;
	}
	json_object_set_new(o, "mode", json_string(mode_names[p->mode]));
	json_object_set_new(o, "threshold", json_real(p->threshold));
	for (c = 0; c < p->ncols; c++) {
		json_t *e = json_object(), *m = json_array();

		json_object_set_new(e, "values", json_integer((json_int_t)p->col[c].values));
		json_object_set_new(e, "missing", json_integer((json_int_t)p->col[c].missing));
		for (t = 0; t < PII_NTYPES; t++)
			json_array_append_new(m, json_integer((json_int_t)p->col[c].matches[t]));
		json_object_set_new(e, "matches", m);
		json_array_append_new(cols, e);
	}
	json_object_set_new(o, "columns", cols);
	return o;
}

static int get_size(const json_t *o, const char *key, size_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (size_t)json_integer_value(v);
	return 0;
}

int lc_pii_from_json(struct lc_pii **out, const json_t *j, char *const *names,
		     size_t ncols, const char *path, struct mlci_err *err)
{
	const char *mode = json_string_value(json_object_get(j, "mode"));
	json_t *cols = json_object_get(j, "columns"), *thr = json_object_get(j, "threshold");
	struct lc_pii *p;
	size_t c;
	int m, t;

	*out = NULL;
	for (m = 1; mode && m < 3 && strcmp(mode, mode_names[m]); m++)
		;
	if (!mode || m == 3 || !json_is_number(thr) || !json_is_array(cols) ||
	    json_array_size(cols) != ncols)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "malformed partial report: \"state\".\"pii\"");
	if (lc_pii_new(&p, names, ncols, m, err) < 0)
		return -1;
	p->threshold = json_number_value(thr);
	for (c = 0; c < ncols; c++) {
		json_t *e = json_array_get(cols, c), *mt = json_object_get(e, "matches");
		struct pii_col *pc = &p->col[c];
		size_t sum = 0;

		if (get_size(e, "values", &pc->values) < 0 ||
		    get_size(e, "missing", &pc->missing) < 0 ||
		    json_array_size(mt) != PII_NTYPES)
			goto bad;
		for (t = 0; t < PII_NTYPES; t++) {
			json_t *v = json_array_get(mt, (size_t)t);

			if (!json_is_integer(v) || json_integer_value(v) < 0)
				goto bad;
			pc->matches[t] = (size_t)json_integer_value(v);
			sum += pc->matches[t];
		}
		if (sum > pc->values)
			goto bad;
	}
	*out = p;
	return 0;
bad:
	lc_pii_free(p);
	return err_set(err, MLCI_EXIT_DATAERR, path,
		       "malformed partial report: a column's \"pii\" counts");
}

/* The column's flags (0 when not tallied). */
static unsigned pii_flags(const struct lc_pii *p, size_t c)
{
	return p && c < p->ncols ? pii_col_flags(&p->col[c], p->threshold) : 0;
}

static const char *const type_words[] = {
	"e-mail addresses", "phone numbers", "payment card numbers", "IBANs",
	"IP addresses", "person names"
};

static int pii_anomalies(const struct lc_pii *p, const struct data_stats *s,
			 struct anomalies *a)
{
	size_t c;
	int t;

	for (c = 0; c < p->ncols && c < s->ncols; c++) {
		unsigned f = pii_flags(p, c);
		const struct pii_col *pc = &p->col[c];
		char what[400] = "";
		size_t len = 0, most = 0;

		if (!f)
			continue;
		for (t = 0; t < PII_NTYPES; t++)
			if (f & (1u << t)) {
				double sh = pii_col_share(pc, (enum pii_type)t) * 100;

				snprintf(what + len, sizeof(what) - len, "%s%.4g%% %s",
					 len ? ", " : "", sh, type_words[t]);
				len = strlen(what);
				if (pc->matches[t] > most)
					most = pc->matches[t];
			}
		if (anomalies_add(a, "pii", p->mode == PII_MODE_FAIL ? SEV_ERROR :
				  SEV_WARNING, s->cols[c].name, (long)most,
				  "column '%s' holds personal data (%s of its %zu "
				  "values): the reports show its values masked",
				  s->cols[c].name, what, pc->values) < 0)
			return -1;
	}
	return 0;
}

/* ---- leakage: sets of row hashes ---- */

struct example {
	uint64_t h;
	uint32_t data_line, other_line;
};

/* OTHER's distinct row hashes, sorted (a sample past the cap). */
struct hset {
	uint64_t *h;
	size_t n, cap;
	unsigned level;			/* kept: the top level bits are 0 */
	unsigned char *hit;		/* per entry: a data row had it */
	uint64_t data_rows;		/* data rows found in OTHER (kept ones) */
	uint64_t distinct;		/* entries hit */
	uint64_t other_rows;		/* OTHER's rows that occur in the data */
	struct example ex[LC_EXAMPLES];
	size_t nex;
};

static int keep(const struct hset *s, uint64_t h)
{
	return s->level == 0 || (h >> (64 - s->level)) == 0;
}

static void compact(struct hset *s)
{
	size_t i, k = 0;

	if (!s->n)
		return;
	qsort(s->h, s->n, sizeof(*s->h), cmp_u64);
	for (i = 0; i < s->n; i++)
		if ((!k || s->h[k - 1] != s->h[i]) && keep(s, s->h[i]))
			s->h[k++] = s->h[i];
	s->n = k;
}

static int hset_add(struct hset *s, uint64_t h)
{
	if (!keep(s, h))
		return 0;
	if (s->n == s->cap) {
		compact(s);
		if (s->n * 4 > s->cap * 3 || !s->cap) {
			if (s->cap < LC_ROWS_CAP) {
				size_t ncap = s->cap ? s->cap * 2 : 4096;
				uint64_t *nh = realloc(s->h, ncap * sizeof(*nh));

				if (!nh)
					return -1;
				s->h = nh;
				s->cap = ncap;
			} else {
				while (s->n * 2 > s->cap && s->level < 63) {
					s->level++;
					compact(s);
				}
			}
		}
	}
	s->h[s->n++] = h;
	return 0;
}

static int hset_finish(struct hset *s)
{
	compact(s);
	s->hit = calloc(s->n ? s->n : 1, 1);
	return s->hit ? 0 : -1;
}

/* The entry of h, or -1 (also for a hash outside the sample). */
static long hset_find(const struct hset *s, uint64_t h)
{
	size_t lo = 0, hi = s->n;

	if (!keep(s, h))
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->h[lo] == h ? (long)lo : -1;
}

static void hset_free(struct hset *s)
{
	free(s->h);
	free(s->hit);
	memset(s, 0, sizeof(*s));
}

/* A kept count scaled to the whole file. */
static uint64_t scaled(const struct hset *s, uint64_t n)
{
	return s->level ? n << s->level : n;
}

/* ---- leakage: the state ---- */

/* The smallest LC_ID_K distinct value hashes of a column. */
struct bottomk {
	uint64_t *h;
	size_t n;
	unsigned char *hit;
};

struct lc_leak {
	char *path;			/* OTHER */
	struct stream_opts so;
	char *suffix;			/* --label-suffix, or NULL */
	size_t ncols;			/* the data's */
	char **names;
	int label;			/* the data's label column, or -1 */
	size_t ncommon;
	size_t *dcol, *ocol;		/* common column j: data and OTHER index */
	int label_common;		/* the label is a common column */
	char osha[SHA256_HEX_LEN + 1];
	uint64_t orows, drows;
	struct hset full, feat;		/* feat used when label_common */
	uint64_t *cellh;		/* ncols: the current row's cell hashes */
	uint64_t *rowc;			/* ncommon: the same, in common order */
	unsigned char *miss;
	struct bottomk *ids;		/* ncols */
	struct leak_purity *pur;	/* ncols, when there is a label */
};

void lc_leak_free(struct lc_leak *l)
{
	size_t c;

	if (!l)
		return;
	for (c = 0; c < l->ncols; c++) {
		if (l->names)
			free(l->names[c]);
		if (l->ids) {
			free(l->ids[c].h);
			free(l->ids[c].hit);
		}
		if (l->pur)
			leak_purity_free(&l->pur[c]);
	}
	free(l->names);
	free(l->ids);
	free(l->pur);
	free(l->path);
	free(l->suffix);
	free(l->dcol);
	free(l->ocol);
	free(l->cellh);
	free(l->rowc);
	free(l->miss);
	hset_free(&l->full);
	hset_free(&l->feat);
	free(l);
}

/* The cell key of OTHER's field (its label suffix dropped), as the
 * data's (colacc_cell_key: numbers by value). */
static uint64_t other_cell(const struct lc_leak *l, const struct stream_field *f,
			   int is_label)
{
	size_t len = f->len;
	int is_text;

	if (!f->s)
		return LC_MISSING;
	if (is_label && l->suffix) {
		size_t n = strlen(l->suffix);

		if (n && len >= n && !memcmp(f->s + len - n, l->suffix, n))
			len -= n;
	}
	return colacc_cell_key(f->s, len, &is_text);
}

/* The row hashes over the common columns (j in order), from hash(j). */
static void row_hashes(const struct lc_leak *l, const uint64_t *cell,
		       uint64_t *full, uint64_t *feat)
{
	uint64_t a = 0x243f6a8885a308d3ULL, b = a;
	size_t j;

	for (j = 0; j < l->ncommon; j++) {
		a = sketch_mix(a ^ cell[j]) * 0x9fb21c651e98df25ULL + (uint64_t)j;
		if ((int)l->dcol[j] != l->label)
			b = sketch_mix(b ^ cell[j]) * 0x9fb21c651e98df25ULL + (uint64_t)j;
	}
	*full = sketch_mix(a);
	*feat = sketch_mix(b);
}

static int open_other(const struct lc_leak *l, struct stream **st,
		      struct mlci_err *err)
{
	return stream_open(st, l->path, &l->so, err);
}

int lc_leak_new(struct lc_leak **out, const struct validate_opts *o,
		char *const *names, size_t ncols, const char *label,
		struct mlci_err *err)
{
	struct lc_leak *l = calloc(1, sizeof(*l));
	struct stream *st = NULL;
	uint64_t *cell = NULL;
	size_t c, k;
	int rc;

	*out = NULL;
	if (!l)
		return OOM(err);
	l->label = -1;
	l->ncols = ncols;
	stream_opts_init(&l->so);
	l->so.csv = o->csv;
	l->so.format = o->format;
	if (o->against_skip_rows >= 0)
		l->so.csv.skip_rows = o->against_skip_rows;
	if (!(l->path = strdup(o->against)) ||
	    (o->label_suffix && !(l->suffix = strdup(o->label_suffix))) ||
	    !(l->names = calloc(ncols ? ncols : 1, sizeof(*l->names))) ||
	    !(l->cellh = calloc(ncols ? ncols : 1, sizeof(*l->cellh))) ||
	    !(l->miss = calloc(ncols ? ncols : 1, 1)) ||
	    !(l->ids = calloc(ncols ? ncols : 1, sizeof(*l->ids))) ||
	    !(l->dcol = calloc(ncols ? ncols : 1, sizeof(*l->dcol))) ||
	    !(l->ocol = calloc(ncols ? ncols : 1, sizeof(*l->ocol))))
		goto oom;
	for (c = 0; c < ncols; c++) {
		if (!(l->names[c] = strdup(names[c])))
			goto oom;
		if (label && !strcmp(label, names[c]))
			l->label = (int)c;
	}
	if (l->label >= 0) {
		if (!(l->pur = calloc(ncols, sizeof(*l->pur))))
			goto oom;
		for (c = 0; c < ncols; c++)
			leak_purity_init(&l->pur[c]);
	}
	if (open_other(l, &st, err) < 0)
		goto fail;
	for (c = 0; c < ncols; c++) {
		for (k = 0; k < st->ncols && strcmp(st->names[k], names[c]); k++)
			;
		if (k == st->ncols)
			continue;
		l->dcol[l->ncommon] = c;
		l->ocol[l->ncommon++] = k;
		if ((int)c == l->label)
			l->label_common = 1;
	}
	if (!l->ncommon) {
		err_set(err, MLCI_EXIT_DATAERR, l->path,
			"no column in common with the data (--against): the "
			"columns are matched by name");
		goto fail;
	}
	if (!(cell = calloc(l->ncommon, sizeof(*cell))))
		goto oom;
	while ((rc = stream_next(st, err)) > 0) {
		uint64_t a, b;

		for (k = 0; k < l->ncommon; k++)
			cell[k] = other_cell(l, &st->fields[l->ocol[k]],
					     (int)l->dcol[k] == l->label);
		row_hashes(l, cell, &a, &b);
		if (hset_add(&l->full, a) < 0 ||
		    (l->label_common && hset_add(&l->feat, b) < 0))
			goto oom;
		l->orows++;
	}
	if (rc < 0)
		goto fail;
	memcpy(l->osha, st->sha256, sizeof(l->osha));
	if (hset_finish(&l->full) < 0 || (l->label_common && hset_finish(&l->feat) < 0))
		goto oom;
	stream_close(st);
	l->rowc = cell;
	*out = l;
	return 0;
oom:
	OOM(err);
fail:
	stream_close(st);
	free(cell);
	lc_leak_free(l);
	return -1;
}

void lc_leak_cell(struct lc_leak *l, size_t col, const char *s, uint64_t h)
{
	if (col >= l->ncols)
		return;
	l->miss[col] = !s;
	l->cellh[col] = s ? h : LC_MISSING;
}

/* Add h to the bottom-k sample of a column. */
static int bottomk_add(struct bottomk *b, uint64_t h)
{
	size_t lo = 0, hi = b->n;

	if (b->n == LC_ID_K && h >= b->h[b->n - 1])
		return 0;
	if (!b->h && !(b->h = malloc(LC_ID_K * sizeof(*b->h))))
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->n && b->h[lo] == h)
		return 0;
	if (b->n == LC_ID_K)
		b->n--;
	memmove(b->h + lo + 1, b->h + lo, (b->n - lo) * sizeof(*b->h));
	b->h[lo] = h;
	b->n++;
	return 0;
}

/* Data row at line matched entry i (hash h); example: keep it as one of
 * the set's examples if there is room. */
static void hit(struct hset *s, long i, uint32_t line, uint64_t h, int example)
{
	s->data_rows++;
	if (!(s->hit[i] & 1)) {
		s->hit[i] |= 1;
		s->distinct++;
	}
	/* (bit 2: the entry has its example) */
	if (example && !(s->hit[i] & 2) && s->nex < LC_EXAMPLES) {
		s->hit[i] |= 2;
		s->ex[s->nex].h = h;
		s->ex[s->nex].data_line = line;
		s->ex[s->nex++].other_line = 0;
	}
}

int lc_leak_row(struct lc_leak *l, uint32_t line, struct mlci_err *err)
{
	uint64_t a, b;
	size_t j, c;
	long i;

	for (j = 0; j < l->ncommon; j++)
		l->rowc[j] = l->cellh[l->dcol[j]];
	row_hashes(l, l->rowc, &a, &b);
	l->drows++;
	long full = hset_find(&l->full, a);

	if (full >= 0)
		hit(&l->full, full, line, a, 1);
	/* the feature rows' examples are rows whose label differs (the
	 * shared rows have their own) */
	if (l->label_common && (i = hset_find(&l->feat, b)) >= 0)
		hit(&l->feat, i, line, b, full < 0);
	for (c = 0; c < l->ncols; c++) {
		if (l->miss[c])
			continue;
		if (bottomk_add(&l->ids[c], l->cellh[c]) < 0)
			return OOM(err);
		if (l->pur && (int)c != l->label && !l->miss[l->label]) {
			struct leak_purity *p = &l->pur[c];

			/* decided: not a perfect predictor; free its table */
			if (p->mixed_values || p->overflow) {
				if (p->key) {
					leak_purity_free(p);
					p->overflow = 1;
				}
				continue;
			}
			if (leak_purity_add_hash(p, l->cellh[c],
						 l->cellh[l->label]) < 0)
				return OOM(err);
		}
	}
	return 0;
}

/* ---- after the pass ---- */

static int is_id_column(const struct col_stats *cs, size_t nrows)
{
	if (nrows < VALIDATE_MIN_ID_ROWS || !cs->count ||
	    (cs->type != COL_STRING && cs->type != COL_INTEGER))
		return 0;
	if (cs->distinct_exact)
		return cs->distinct == nrows;
	return fabs((double)cs->distinct - (double)nrows) <=
		3 * HLL_REL_ERROR * (double)nrows;
}

/* OTHER's column named like data column c, or -1. */
static long other_col(const struct lc_leak *l, size_t c)
{
	size_t j;

	for (j = 0; j < l->ncommon; j++)
		if (l->dcol[j] == c)
			return (long)l->ocol[j];
	return -1;
}

static int bottomk_find(const struct bottomk *b, uint64_t h)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n && b->h[lo] == h ? (int)lo : -1;
}

/* The second read of OTHER: its rows found in the data, the examples'
 * lines, and the identifier columns' shared values. */
static int second_read(struct lc_leak *l, const int *idc, struct mlci_err *err)
{
	struct stream *st = NULL;
	uint64_t *cell = calloc(l->ncommon, sizeof(*cell)), line = 0;
	size_t k, c, e;
	int rc;

	if (!cell)
		return OOM(err);
	for (c = 0; c < l->ncols; c++)
		if (idc[c] >= 0 && !(l->ids[c].hit = calloc(l->ids[c].n + 1, 1))) {
			free(cell);
			return OOM(err);
		}
	if (open_other(l, &st, err) < 0) {
		free(cell);
		return -1;
	}
	while ((rc = stream_next(st, err)) > 0) {
		struct hset *sets[2] = { &l->full, &l->feat };
		uint64_t h[2];
		int s;

		line = st->fields[0].line;
		for (k = 0; k < l->ncommon; k++)
			cell[k] = other_cell(l, &st->fields[l->ocol[k]],
					     (int)l->dcol[k] == l->label);
		row_hashes(l, cell, &h[0], &h[1]);
		for (s = 0; s < (l->label_common ? 2 : 1); s++) {
			long i = hset_find(sets[s], h[s]);

			if (i < 0 || !sets[s]->hit[i])
				continue;
			sets[s]->other_rows++;
			for (e = 0; e < sets[s]->nex; e++)
				if (sets[s]->ex[e].h == h[s] && !sets[s]->ex[e].other_line)
					sets[s]->ex[e].other_line = (uint32_t)line;
		}
		for (c = 0; c < l->ncols; c++) {
			const struct stream_field *f;
			struct bottomk *b = &l->ids[c];
			int i;

			if (idc[c] < 0)
				continue;
			f = &st->fields[idc[c]];
			if (!f->s)
				continue;
			{
				int is_text;

				i = bottomk_find(b, colacc_cell_key(f->s, f->len, &is_text));
			}
			if (i >= 0)
				b->hit[i] = 1;
		}
	}
	free(cell);
	if (rc == 0 && strcmp(st->sha256, l->osha))
		rc = err_set(err, MLCI_EXIT_DATAERR, l->path,
			     "changed while it was being read (--against)");
	stream_close(st);
	return rc < 0 ? -1 : 0;
}

/* The shared values of an identifier column (scaled when sampled). */
static uint64_t id_shared(const struct bottomk *b, size_t distinct, int *exact)
{
	size_t i, hits = 0;

	for (i = 0; b->hit && i < b->n; i++)
		hits += b->hit[i];
	*exact = b->n < LC_ID_K || distinct <= LC_ID_K;
	if (*exact || !b->n)
		return hits;
	return (uint64_t)llround((double)hits * (double)distinct / (double)b->n);
}

static void examples_text(char *out, size_t n, const struct hset *s)
{
	size_t e, len = 0;

	out[0] = '\0';
	for (e = 0; e < s->nex && e < 3; e++) {
		snprintf(out + len, n - len, "%sline %u = its line %u",
			 e ? ", " : "", s->ex[e].data_line, s->ex[e].other_line);
		len = strlen(out);
	}
}

static int leak_anomalies(struct lc_leak *l, const struct data_stats *s,
			  const char *label, struct anomalies *a,
			  struct mlci_err *err)
{
	int *idc = calloc(l->ncols ? l->ncols : 1, sizeof(*idc));
	char ex[200];
	size_t c;
	int rc = -1;

	if (!idc)
		return OOM(err);
	for (c = 0; c < l->ncols; c++)
		idc[c] = c < s->ncols && (int)c != l->label &&
			is_id_column(&s->cols[c], s->nrows) ? (int)other_col(l, c) : -1;
	if (second_read(l, idc, err) < 0)
		goto out;
	if (l->full.distinct) {
		const struct hset *h = &l->full;
		uint64_t dr = scaled(h, h->data_rows), ds = scaled(h, h->distinct),
			 orw = scaled(h, h->other_rows);

		examples_text(ex, sizeof(ex), h);
		if (anomalies_add(a, "shared_rows", SEV_ERROR, NULL, (long)dr,
				  "%s%llu row%s of the data (%llu distinct) also "
				  "occur%s in '%s' (%llu of its rows): the splits "
				  "overlap, e.g. %s", h->level ? "about " : "",
				  (unsigned long long)dr, plural(dr),
				  (unsigned long long)ds, dr == 1 ? "s" : "",
				  l->path, (unsigned long long)orw, ex) < 0)
			goto oom;
	}
	if (l->label_common && l->feat.data_rows > l->full.data_rows) {
		const struct hset *h = &l->feat;
		uint64_t more = scaled(h, h->data_rows) - scaled(&l->full, l->full.data_rows);

		examples_text(ex, sizeof(ex), h);
		if (anomalies_add(a, "shared_feature_rows", SEV_WARNING, NULL,
				  (long)more, "%s%llu more row%s of the data share "
				  "every feature with a row of '%s' but not the "
				  "label (%llu in all, e.g. %s)", h->level ? "about " : "",
				  (unsigned long long)more, plural(more), l->path,
				  (unsigned long long)scaled(h, h->data_rows), ex) < 0)
			goto oom;
	}
	for (c = 0; c < l->ncols && c < s->ncols; c++) {
		const struct col_stats *cs = &s->cols[c];
		char tail[200];
		int exact;

		if ((int)c == l->label || !is_id_column(cs, s->nrows))
			continue;
		/* no quoted path: a flagged column's messages have their
		 * quoted parts masked */
		if (idc[c] < 0) {
			snprintf(tail, sizeof(tail), "the other split (--against) "
				 "has no column of that name");
		} else {
			uint64_t n = id_shared(&l->ids[c], cs->distinct, &exact);

			if (n)
				snprintf(tail, sizeof(tail), "%s%llu of its values "
					 "also occur in the other split (--against)",
					 exact ? "" : "about ", (unsigned long long)n);
			else
				snprintf(tail, sizeof(tail), "none of its values "
					 "occur in the other split (--against)");
		}
		if (anomalies_add(a, "id_column", SEV_WARNING, cs->name,
				  (long)cs->distinct, "column '%s' has a different "
				  "value in every row: an identifier a model can "
				  "memorise, not a feature; %s", cs->name, tail) < 0)
			goto oom;
	}
	for (c = 0; l->pur && c < l->ncols && c < s->ncols; c++) {
		const struct leak_purity *p = &l->pur[c];

		if ((int)c == l->label || !leak_purity_perfect(p) ||
		    p->rows < LC_MIN_PREDICTOR_ROWS)
			continue;
		if (anomalies_add(a, "perfect_predictor", SEV_ERROR, s->cols[c].name,
				  (long)p->rows, "column '%s' predicts the label "
				  "'%s' perfectly: each of its %zu values goes with "
				  "one label over %zu rows (is it derived from the "
				  "label?)", s->cols[c].name, label ? label : "",
				  p->used, p->rows) < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	OOM(err);
out:
	free(idc);
	return rc;
}

int lc_checks(struct lc_pii *pii, struct lc_leak *leak,
	      const struct data_stats *s, const char *label,
	      struct anomalies *a, struct mlci_err *err)
{
	if (pii && pii_anomalies(pii, s, a) < 0)
		return OOM(err);
	if (leak && leak_anomalies(leak, s, label, a, err) < 0)
		return -1;
	return 0;
}

/* ---- the report ---- */

static json_t *hset_json(const struct hset *h)
{
	json_t *o = json_object(), *ex = json_array();
	size_t e;

	json_object_set_new(o, "data_rows", json_integer((json_int_t)scaled(h, h->data_rows)));
	json_object_set_new(o, "distinct", json_integer((json_int_t)scaled(h, h->distinct)));
	json_object_set_new(o, "against_rows", json_integer((json_int_t)scaled(h, h->other_rows)));
	json_object_set_new(o, "exact", json_boolean(h->level == 0));
	for (e = 0; e < h->nex; e++) {
		json_t *x = json_object();

		json_object_set_new(x, "data_line", json_integer(h->ex[e].data_line));
		json_object_set_new(x, "against_line", json_integer(h->ex[e].other_line));
		json_array_append_new(ex, x);
	}
	json_object_set_new(o, "examples", ex);
	return o;
}

static json_t *leak_json(const struct lc_leak *l, const json_t *cols)
{
	json_t *o = json_object(), *cmp = json_array(), *ids = json_array(),
	       *pp = json_array(), *b = json_object();
	size_t j, c;

	json_object_set_new(o, "against", json_string(l->path));
	json_object_set_new(o, "against_rows", json_integer((json_int_t)l->orows));
	for (j = 0; j < l->ncommon; j++)
		json_array_append_new(cmp, json_string(l->names[l->dcol[j]]));
	json_object_set_new(o, "columns_compared", cmp);
	json_object_set_new(o, "rows", hset_json(&l->full));
	if (l->label_common)
		json_object_set_new(o, "feature_rows", hset_json(&l->feat));
	for (c = 0; c < l->ncols; c++) {
		json_t *cj = json_array_get(cols, c);
		json_t *d = json_object_get(cj, "distinct");
		const char *type = json_string_value(json_object_get(cj, "type"));
		struct col_stats cs;
		long oc;

		memset(&cs, 0, sizeof(cs));
		if ((int)c == l->label || !json_is_integer(d) || !type)
			continue;
		cs.count = (size_t)json_integer_value(json_object_get(cj, "count"));
		cs.distinct = (size_t)json_integer_value(d);
		cs.distinct_exact = !json_object_get(json_object_get(cj, "sketch_error"),
						     "distinct");
		cs.type = !strcmp(type, "string") ? COL_STRING :
			!strcmp(type, "integer") ? COL_INTEGER : COL_NUMBER;
		if (!is_id_column(&cs, (size_t)l->drows))
			continue;
		{
			json_t *e = json_object();
			int exact = 1;

			oc = other_col(l, c);
			json_object_set_new(e, "column", json_string(l->names[c]));
			json_object_set_new(e, "distinct", json_integer((json_int_t)cs.distinct));
			json_object_set_new(e, "in_against", json_boolean(oc >= 0));
			if (oc >= 0) {
				uint64_t n = id_shared(&l->ids[c], cs.distinct, &exact);

				json_object_set_new(e, "shared_values", json_integer((json_int_t)n));
				json_object_set_new(e, "exact", json_boolean(exact));
			}
			json_array_append_new(ids, e);
		}
	}
	json_object_set_new(o, "id_columns", ids);
	for (c = 0; l->pur && c < l->ncols; c++) {
		const struct leak_purity *p = &l->pur[c];
		json_t *e;

		if ((int)c == l->label || !leak_purity_perfect(p) ||
		    p->rows < LC_MIN_PREDICTOR_ROWS)
			continue;
		e = json_object();
		json_object_set_new(e, "column", json_string(l->names[c]));
		json_object_set_new(e, "values", json_integer((json_int_t)p->used));
		json_object_set_new(e, "rows", json_integer((json_int_t)p->rows));
		json_array_append_new(pp, e);
	}
	if (l->pur)
		json_object_set_new(o, "perfect_predictors", pp);
	else
		json_decref(pp);
	json_object_set_new(b, "exact_rows_up_to", json_integer(LC_ROWS_CAP));
	json_object_set_new(b, "id_sample", json_integer(LC_ID_K));
	json_object_set_new(b, "predictor_values_up_to", json_integer(LEAK_MAX_VALUES));
	json_object_set_new(b, "predictor_min_rows", json_integer(LC_MIN_PREDICTOR_ROWS));
	json_object_set_new(o, "bounds", b);
	return o;
}

/* Replace every "'PREFIX'" (PREFIX: up to 40 bytes of v, as messages
 * quote values) in *msg with the masked form. */
static int replace_value(char **msg, const char *v)
{
	char needle[48], *mask, *at, *m;
	size_t nl, ml;
	struct buf b;

	snprintf(needle, sizeof(needle), "'%.40s'", v);
	if (!strstr(*msg, needle))
		return 0;
	nl = strlen(needle);
	needle[nl - 1] = '\0';
	mask = pii_mask(needle + 1);
	needle[nl - 1] = '\'';
	if (!mask)
		return -1;
	ml = strlen(mask);
	buf_init(&b);
	m = *msg;
	while ((at = strstr(m, needle))) {
		if (buf_add(&b, m, (size_t)(at - m)) < 0 || buf_addch(&b, '\'') < 0 ||
		    buf_add(&b, mask, ml) < 0 || buf_addch(&b, '\'') < 0)
			goto oom;
		m = at + nl;
	}
	if (buf_addstr(&b, m) < 0)
		goto oom;
	free(mask);
	free(*msg);
	*msg = buf_detach(&b, NULL);
	return *msg ? 0 : -1;
oom:
	free(mask);
	buf_release(&b);
	return -1;
}

/* Mask every quoted part of msg after its "'NAME'" (the column's name). */
static int mask_quoted(char **msg, const char *name)
{
	char pre[300], *at;
	struct buf b;
	const char *p;

	snprintf(pre, sizeof(pre), "'%s'", name);
	at = strstr(*msg, pre);
	p = at ? at + strlen(pre) : *msg;
	buf_init(&b);
	if (buf_add(&b, *msg, (size_t)(p - *msg)) < 0)
		goto oom;
	while (*p) {
		const char *q, *end;
		char *part, *mask;

		if (*p != '\'') {
			if (buf_addch(&b, *p++) < 0)
				goto oom;
			continue;
		}
		q = p + 1;
		end = strchr(q, '\'');
		if (!end)
			end = q + strlen(q);
		part = strndup(q, (size_t)(end - q));
		mask = part ? pii_mask(part) : NULL;
		free(part);
		if (!mask || buf_addch(&b, '\'') < 0 || buf_addstr(&b, mask) < 0) {
			free(mask);
			goto oom;
		}
		free(mask);
		if (*end && buf_addch(&b, '\'') < 0)
			goto oom;
		p = *end ? end + 1 : end;
	}
	free(*msg);
	*msg = buf_detach(&b, NULL);
	return *msg ? 0 : -1;
oom:
	buf_release(&b);
	return -1;
}

/* The raw values the column's entry holds: top and frequencies. */
static int mask_messages(json_t *report, const json_t *col, const char *name)
{
	json_t *anomalies = json_object_get(report, "anomalies"), *a;
	json_t *top = json_object_get(col, "top"), *t;
	json_t *vals = json_object_get(json_object_get(json_object_get(col, "sketch"),
						       "frequencies"), "values");
	size_t i, k;

	json_array_foreach(anomalies, i, a) {
		const char *c = json_string_value(json_object_get(a, "column"));
		const char *m = json_string_value(json_object_get(a, "message"));
		char *msg;

		if (!c || strcmp(c, name) || !m || !(msg = strdup(m)))
			continue;
		json_array_foreach(top, k, t)
			if (json_string_value(json_object_get(t, "value")) &&
			    replace_value(&msg, json_string_value(json_object_get(t, "value"))) < 0)
				goto oom;
		json_array_foreach(vals, k, t)
			if (json_string_value(t) && replace_value(&msg, json_string_value(t)) < 0)
				goto oom;
		if (mask_quoted(&msg, name) < 0)
			goto oom;
		json_object_set_new(a, "message", json_string(msg));
		free(msg);
		continue;
oom:
		free(msg);
		return -1;
	}
	return 0;
}

/* Mask column entry col (flagged) and its anomalies' messages. */
static int mask_column(json_t *report, json_t *col)
{
	const char *name = json_string_value(json_object_get(col, "name"));
	const char *type = json_string_value(json_object_get(col, "type"));
	json_t *top = json_object_get(col, "top"), *t;
	json_t *sk = json_object_get(col, "sketch");
	size_t i;

	if (!name || mask_messages(report, col, name) < 0)
		return -1;
	json_array_foreach(top, i, t) {
		char *m = pii_mask(json_string_value(json_object_get(t, "value")));

		if (!m)
			return -1;
		json_object_set_new(t, "value", json_string(m));
		free(m);
	}
	if (sk)
		json_object_del(sk, "frequencies");
	if (type && (!strcmp(type, "integer") || !strcmp(type, "number"))) {
		static const char *const drop[] = { "min", "max", "mean", "std",
			"quantiles", "histogram", "sketch", "sketch_error", NULL };

		for (i = 0; drop[i]; i++)
			json_object_del(col, drop[i]);
	}
	json_object_set_new(col, "masked", json_true());
	return 0;
}

int lc_report(json_t *report, const struct lc_pii *pii,
	      const struct lc_leak *leak, struct mlci_err *err)
{
	json_t *cols = json_object_get(report, "columns");
	size_t c;

	/* leakage first: it reads the columns' figures masking may drop */
	if (leak) {
		json_t *lj = leak_json(leak, cols);

		if (!lj || artifact_add_input(report, "against", leak->path,
					      leak->osha) < 0) {
			json_decref(lj);
			return OOM(err);
		}
		json_object_set_new(report, "leakage", lj);
		/* where a shared row is: the first example's line, so Code
		 * Quality points at it */
		{
			json_t *an = json_object_get(report, "anomalies"), *a;
			size_t i;

			json_array_foreach(an, i, a) {
				const char *code = json_string_value(json_object_get(a, "code"));
				const struct hset *h = !code ? NULL :
					!strcmp(code, "shared_rows") ? &leak->full :
					!strcmp(code, "shared_feature_rows") ? &leak->feat : NULL;

				if (h && h->nex && h->ex[0].data_line)
					json_object_set_new(a, "line",
							    json_integer(h->ex[0].data_line));
			}
		}
	}
	if (pii) {
		json_t *o = json_object(), *fl = json_array();

		if (!o || !fl) {
			json_decref(o);
			json_decref(fl);
			return OOM(err);
		}
		for (c = 0; c < pii->ncols && c < json_array_size(cols); c++) {
			json_t *col = json_array_get(cols, c), *pj;
			int t, any = 0;

			for (t = 0; t < PII_NTYPES; t++)
				any |= pii->col[c].matches[t] > 0;
			if (!any)
				continue;
			if (!(pj = pii_col_json(&pii->col[c], pii->threshold)))
				break;
			json_object_set_new(col, "pii", pj);
			if (!pii_flags(pii, c))
				continue;
			json_array_append_new(fl, json_string(json_string_value(
				json_object_get(col, "name"))));
			if (mask_column(report, col) < 0)
				break;
		}
		if (c < pii->ncols && c < json_array_size(cols)) {
			json_decref(o);
			json_decref(fl);
			return OOM(err);
		}
		json_object_set_new(o, "mode", json_string(mode_names[pii->mode]));
		json_object_set_new(o, "threshold", json_real(pii->threshold));
		json_object_set_new(o, "flagged", fl);
		json_object_set_new(report, "pii", o);
	}
	return 0;
}

int lc_scrub_schema(json_t *schema, const struct lc_pii *pii,
		    struct mlci_err *err)
{
	json_t *cols = json_object_get(schema, "columns");
	size_t c;

	for (c = 0; pii && c < pii->ncols && c < json_array_size(cols); c++) {
		json_t *col = json_array_get(cols, c);

		if (!pii_flags(pii, c))
			continue;
		json_object_del(col, "categories");
		json_object_del(col, "min");
		json_object_del(col, "max");
	}
	return 0;
}

/* ---- outputs ---- */

static int put(struct afile *af, size_t *n, const char *path,
	       const struct buf *b, struct mlci_err *err)
{
	if (afile_open(&af[*n], path, err) < 0)
		return -1;
	(*n)++;
	if (b->len && fwrite(b->data, 1, b->len, af[*n - 1].fp) != b->len)
		return err_set(err, MLCI_EXIT_IOERR, path, "cannot write: %s",
			       afile_error(&af[*n - 1]));
	return 0;
}

int lc_write_outputs(const struct validate_opts *o, const json_t *report,
		     struct afile *af, size_t *n, struct mlci_err *err)
{
	struct buf b;
	int rc = -1;

	buf_init(&b);
	if (o->html) {
		if (profile_html(&b, report) < 0) {
			OOM(err);
			goto out;
		}
		if (put(af, n, o->html, &b, err) < 0)
			goto out;
		buf_reset(&b);
	}
	if (o->codequality) {
		if (dq_codequality(&b, report) < 0) {
			OOM(err);
			goto out;
		}
		if (put(af, n, o->codequality, &b, err) < 0)
			goto out;
		buf_reset(&b);
	}
	if (o->junit) {
		char when[32], ts[20], host[256];

		if (artifact_time(when, NULL, err) < 0)
			goto out;
		snprintf(ts, sizeof(ts), "%.19s", when);
		if (gethostname(host, sizeof(host) - 1) != 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		if (dq_junit(&b, report, ts, host) < 0) {
			OOM(err);
			goto out;
		}
		if (put(af, n, o->junit, &b, err) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

int lc_opts_set(struct validate_opts *o, const char *pii, const char *against,
		long against_skip, struct mlci_err *err)
{
	enum pii_mode mode = PII_MODE_WARN;

	if (pii && pii_mode_parse(pii, &mode) < 0)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--pii: expected fail, warn or off, not '%.60s'", pii);
	if (against_skip != -1 && !against)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--against-skip-rows goes with --against FILE");
	if (against_skip < -1)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--against-skip-rows: expected a count of lines, 0 or more");
	o->pii_mode = (int)mode;
	o->pii_given = pii != NULL;
	o->against = against;
	o->against_skip_rows = against_skip;
	return 0;
}
