#include "rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "util.h"

/* Rules files are short; anything bigger is a mistake. */
#define RULES_MAX_BYTES ((size_t)16 << 20)
/* Parentheses and unary minus nest at most this deep, and a right-hand
 * side has at most this many nodes (evaluation recurses over them). */
#define RULE_MAX_DEPTH 64
#define RULE_MAX_NODES 1024

/* ---- lexer ---- */

static int is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_opchar(int c)
{
	return c == '<' || c == '>' || c == '=' || c == '!';
}

void rule_lexer_init(struct rule_lexer *lx, const char *text, size_t len)
{
	lx->text = text;
	lx->len = len;
	lx->pos = 0;
	lx->last_end = 0;
}

/* Set a lexer error (message and column only): "WHAT 'S'AFTER", or
 * just WHAT when s is NULL. */
static int lex_fail(struct mlci_err *err, size_t pos, const char *what,
		    const char *s, size_t n, const char *after)
{
	if (s)
		err_set_at(err, 0, NULL, 0, (long)pos + 1, "%s '%.*s%s'%s", what,
			   (int)(n > 40 ? 40 : n), s, n > 40 ? "..." : "", after);
	else
		err_set_at(err, 0, NULL, 0, (long)pos + 1, "%s", what);
	return -1;
}

static int lex_number(struct rule_lexer *lx, struct rule_token *t,
		      struct mlci_err *err)
{
	const char *s = lx->text;
	size_t p = lx->pos, start = p;

	while (p < lx->len && is_digit(s[p]))
		p++;
	if (p < lx->len && s[p] == '.') {
		p++;
		while (p < lx->len && is_digit(s[p]))
			p++;
	}
	if (p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
		size_t q = p + 1;

		if (q < lx->len && (s[q] == '+' || s[q] == '-'))
			q++;
		if (q < lx->len && is_digit(s[q])) {
			while (q < lx->len && is_digit(s[q]))
				q++;
			p = q;
		}
	}
	if (p < lx->len && (is_alpha(s[p]) || is_digit(s[p]) || s[p] == '.')) {
		while (p < lx->len && (is_alpha(s[p]) || is_digit(s[p]) ||
				       s[p] == '.'))
			p++;
		return lex_fail(err, start, "malformed number", s + start,
				p - start, "");
	}
	if (parse_double_n(s + start, p - start, &t->num) < 0)
		return lex_fail(err, start, "number", s + start, p - start,
				" is out of range");
	t->kind = RT_NUMBER;
	t->n = p - start;
	lx->pos = p;
	return 0;
}

static int lex_op(struct rule_lexer *lx, struct rule_token *t,
		  struct mlci_err *err)
{
	static const struct { const char *s; enum rule_op op; } ops[] = {
		{ ">=", RULE_GE }, { ">", RULE_GT }, { "<=", RULE_LE },
		{ "<", RULE_LT }, { "==", RULE_EQ }, { "!=", RULE_NE },
	};
	const char *s = lx->text + lx->pos;
	size_t n = 0, i;

	while (lx->pos + n < lx->len && is_opchar(s[n]))
		n++;
	t->n = n;
	lx->pos += n;
	if (n == 1 && s[0] == '=') {
		t->kind = RT_ASSIGN;
		return 0;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strlen(ops[i].s) == n && !memcmp(ops[i].s, s, n)) {
			t->kind = RT_CMP;
			t->op = ops[i].op;
			return 0;
		}
	}
	return lex_fail(err, (size_t)(s - lx->text), "unknown operator", s, n,
			" (expected >=, >, <=, <, == or !=)");
}

static int lex_string(struct rule_lexer *lx, struct rule_token *t,
		      struct mlci_err *err)
{
	size_t p = lx->pos + 1;

	while (p < lx->len && lx->text[p] != '"' && lx->text[p] != '\n' &&
	       lx->text[p] != '\0') {
		if (lx->text[p] == '\\' && p + 1 < lx->len)
			p++;
		p++;
	}
	if (p >= lx->len || lx->text[p] != '"')
		return lex_fail(err, lx->pos, "unterminated string", NULL, 0, "");
	t->kind = RT_STRING;
	t->n = p + 1 - lx->pos;
	lx->pos = p + 1;
	return 0;
}

int rule_lex(struct rule_lexer *lx, struct rule_token *t, struct mlci_err *err)
{
	const char *s = lx->text;
	unsigned char c;
	int rc = 0;

	while (lx->pos < lx->len && (s[lx->pos] == ' ' || s[lx->pos] == '\t' ||
				     s[lx->pos] == '\r' || s[lx->pos] == '\v' ||
				     s[lx->pos] == '\f'))
		lx->pos++;
	memset(t, 0, sizeof(*t));
	t->s = s + lx->pos;
	t->col = (long)lx->pos + 1;
	if (lx->pos >= lx->len || s[lx->pos] == '#') {
		lx->pos = lx->len;
		t->kind = RT_EOF;
		t->s = s + lx->last_end;
		t->col = (long)lx->last_end + 1;
		return 0;
	}
	c = (unsigned char)s[lx->pos];
	if (is_alpha(c)) {
		size_t p = lx->pos;

		while (p < lx->len && (is_alpha(s[p]) || is_digit(s[p])))
			p++;
		t->kind = RT_IDENT;
		t->n = p - lx->pos;
		lx->pos = p;
	} else if (is_digit(c) || (c == '.' && lx->pos + 1 < lx->len &&
				   is_digit(s[lx->pos + 1]))) {
		rc = lex_number(lx, t, err);
	} else if (is_opchar(c)) {
		rc = lex_op(lx, t, err);
	} else if (c == '"') {
		rc = lex_string(lx, t, err);
	} else {
		static const char single[] = "+-*/()[].,";
		static const enum rule_tok kinds[] = {
			RT_PLUS, RT_MINUS, RT_STAR, RT_SLASH, RT_LPAREN,
			RT_RPAREN, RT_LBRACKET, RT_RBRACKET, RT_DOT, RT_COMMA,
		};
		const char *hit = c ? strchr(single, c) : NULL;
		char shown[32];

		if (!hit) {
			if (c == '\n')
				return lex_fail(err, lx->pos, "unexpected line break",
						NULL, 0, "");
			if (c >= 0xC2 && c <= 0xF4) {
				/* show a whole UTF-8 character when it is one */
				size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4, i;

				for (i = 1; i < n && lx->pos + i < lx->len &&
					    ((unsigned char)s[lx->pos + i] & 0xC0) == 0x80; i++)
					;
				if (i == n)
					return lex_fail(err, lx->pos, "unexpected character",
							s + lx->pos, n, "");
			}
			if (c < 0x20 || c >= 0x7f) {
				snprintf(shown, sizeof(shown), "unexpected byte 0x%02X", c);
				return lex_fail(err, lx->pos, shown, NULL, 0, "");
			}
			return lex_fail(err, lx->pos, "unexpected character",
					s + lx->pos, 1, "");
		}
		t->kind = kinds[hit - single];
		t->n = 1;
		lx->pos++;
	}
	if (rc == 0)
		lx->last_end = lx->pos;
	return rc;
}

/* ---- parser ---- */

struct parser {
	struct rule_lexer lx;
	struct rule_token cur, prev;
	struct rule *r;
	size_t cap;
	const char *file;
	long line;
	int code;
	struct mlci_err *err;
};

static int p_fail(struct parser *p, long col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int p_fail(struct parser *p, long col, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(p->err->msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set_at(p->err, p->code, p->file, p->line, col, "%s", msg);
}

static int p_next(struct parser *p)
{
	p->prev = p->cur;
	if (rule_lex(&p->lx, &p->cur, p->err) < 0) {
		long col = p->err->col;
		char msg[sizeof(p->err->msg)];

		memcpy(msg, p->err->msg, sizeof(msg));
		return p_fail(p, col, "%s", msg);
	}
	return 0;
}

/* A token's text for messages, quoted: 'abc' (long ones cut). */
static const char *tok_show(const struct rule_token *t, char *out, size_t n)
{
	if (t->kind == RT_EOF)
		snprintf(out, n, "the end of the rule");
	else
		snprintf(out, n, "'%.*s%s'", (int)(t->n > 40 ? 40 : t->n), t->s,
			 t->n > 40 ? "..." : "");
	return out;
}

/* ", found 'X'" unless at the end. */
static const char *found(const struct rule_token *t, char *out, size_t n)
{
	char tmp[64];

	if (t->kind == RT_EOF)
		snprintf(out, n, "%s", "");
	else
		snprintf(out, n, ", found %s", tok_show(t, tmp, sizeof(tmp)));
	return out;
}

static int tok_is(const struct rule_token *t, const char *word)
{
	return t->kind == RT_IDENT && t->n == strlen(word) &&
	       !memcmp(t->s, word, t->n);
}

static int new_node(struct parser *p, enum rule_node_kind kind, double num,
		    int a, int b)
{
	struct rule *r = p->r;

	if (r->nnodes >= RULE_MAX_NODES)
		return p_fail(p, p->cur.col, "expression too long (at most %d terms)",
			      RULE_MAX_NODES);
	if (r->nnodes == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct rule_node *nv = realloc(r->nodes, cap * sizeof(*nv));

		if (!nv)
			return err_set(p->err, MLCI_EXIT_SOFTWARE, NULL,
				       "out of memory");
		r->nodes = nv;
		p->cap = cap;
	}
	r->nodes[r->nnodes].kind = kind;
	r->nodes[r->nnodes].num = num;
	r->nodes[r->nnodes].a = a;
	r->nodes[r->nnodes].b = b;
	if (kind == RN_BASELINE)
		r->uses_baseline = 1;
	if (kind == RN_BAND)
		r->uses_band = 1;
	return (int)r->nnodes++;
}

static int parse_expr(struct parser *p, int depth);

static int parse_primary(struct parser *p, int depth)
{
	char a[64], b[80];
	int n;

	if (p->cur.kind == RT_NUMBER) {
		n = new_node(p, RN_NUM, p->cur.num, -1, -1);
		return n < 0 || p_next(p) < 0 ? -1 : n;
	}
	if (tok_is(&p->cur, "baseline")) {
		n = new_node(p, RN_BASELINE, 0, -1, -1);
		return n < 0 || p_next(p) < 0 ? -1 : n;
	}
	if (tok_is(&p->cur, "band")) {
		static const char *const parts[] = { "low", "high", "mean", "sd", "n" };
		size_t i;

		if (p_next(p) < 0)
			return -1;
		if (p->cur.kind != RT_DOT)
			return p_fail(p, p->cur.col,
				      "expected '.' after 'band' (band.low, band.high, band.mean, band.sd or band.n)%s",
				      found(&p->cur, b, sizeof(b)));
		if (p_next(p) < 0)
			return -1;
		for (i = 0; i < RULE_BAND_PARTS; i++)
			if (tok_is(&p->cur, parts[i]))
				break;
		if (i == RULE_BAND_PARTS)
			return p_fail(p, p->cur.col,
				      "expected low, high, mean, sd or n after 'band.'%s",
				      found(&p->cur, b, sizeof(b)));
		n = new_node(p, RN_BAND, (double)i, -1, -1);
		return n < 0 || p_next(p) < 0 ? -1 : n;
	}
	if (p->cur.kind == RT_LPAREN) {
		struct rule_token open = p->cur;

		if (depth >= RULE_MAX_DEPTH)
			return p_fail(p, p->cur.col, "expression nested too deeply");
		if (p_next(p) < 0 || (n = parse_expr(p, depth + 1)) < 0)
			return -1;
		if (p->cur.kind != RT_RPAREN)
			return p_fail(p, p->cur.col,
				      "expected ')' to close the '(' at column %ld%s",
				      open.col, found(&p->cur, b, sizeof(b)));
		return p_next(p) < 0 ? -1 : n;
	}
	if (p->cur.kind == RT_IDENT)
		return p_fail(p, p->cur.col,
			      "unknown name %s after %s (expected a number, 'baseline' or 'band.*')",
			      tok_show(&p->cur, b, sizeof(b)),
			      tok_show(&p->prev, a, sizeof(a)));
	return p_fail(p, p->cur.col, "expected a number or 'baseline' after %s%s",
		      tok_show(&p->prev, a, sizeof(a)),
		      found(&p->cur, b, sizeof(b)));
}

static int parse_unary(struct parser *p, int depth)
{
	int a;

	if (p->cur.kind != RT_MINUS)
		return parse_primary(p, depth);
	if (depth >= RULE_MAX_DEPTH)
		return p_fail(p, p->cur.col, "expression nested too deeply");
	if (p_next(p) < 0 || (a = parse_unary(p, depth + 1)) < 0)
		return -1;
	return new_node(p, RN_NEG, 0, a, -1);
}

static int parse_term(struct parser *p, int depth)
{
	int a = parse_unary(p, depth), b;

	while (a >= 0 && (p->cur.kind == RT_STAR || p->cur.kind == RT_SLASH)) {
		enum rule_node_kind k = p->cur.kind == RT_STAR ? RN_MUL : RN_DIV;

		if (p_next(p) < 0 || (b = parse_unary(p, depth)) < 0)
			return -1;
		a = new_node(p, k, 0, a, b);
	}
	return a;
}

static int parse_expr(struct parser *p, int depth)
{
	int a = parse_term(p, depth), b;

	while (a >= 0 && (p->cur.kind == RT_PLUS || p->cur.kind == RT_MINUS)) {
		enum rule_node_kind k = p->cur.kind == RT_PLUS ? RN_ADD : RN_SUB;

		if (p_next(p) < 0 || (b = parse_term(p, depth)) < 0)
			return -1;
		a = new_node(p, k, 0, a, b);
	}
	return a;
}

/* ---- slice and operational selectors ---- */

static size_t skip_blanks(const char *s, size_t len, size_t p)
{
	while (p < len && (s[p] == ' ' || s[p] == '\t'))
		p++;
	return p;
}

/* One key or value of a selector at *pos: a "quoted" string or a bare run
 * up to a byte of stop (blanks trimmed). *out is malloc'd; *quoted says
 * which. 0, or -1 with the error at its column. */
static int sel_item(struct parser *p, size_t *pos, const char *stop,
		    const char *what, char **out, int *quoted)
{
	const char *s = p->lx.text;
	size_t len = p->lx.len, q = skip_blanks(s, len, *pos), start = q, end, n;
	struct buf b;

	buf_init(&b);
	*quoted = 0;
	if (q < len && s[q] == '"') {
		for (q++; q < len && s[q] != '"'; q++) {
			if (s[q] == '\\' && q + 1 < len && (s[q + 1] == '"' || s[q + 1] == '\\'))
				q++;
			if (s[q] == '\n' || s[q] == '\0' || buf_addch(&b, s[q]) < 0)
				break;
		}
		if (q >= len || s[q] != '"') {
			buf_release(&b);
			return p_fail(p, (long)start + 1, "unterminated string in %s", what);
		}
		*quoted = 1;
		q++;
	} else {
		while (q < len && !strchr(stop, s[q]) && s[q] != '"' && s[q] != '\n' &&
		       s[q] != '\0' && s[q] != '#')
			q++;
		for (end = q; end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'); end--)
			;
		if (end == start)
			return p_fail(p, (long)start + 1, "expected %s", what);
		if (buf_add(&b, s + start, end - start) < 0) {
			buf_release(&b);
			return err_set(p->err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		}
	}
	*out = buf_detach(&b, NULL);
	if (!*out)
		return err_set(p->err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	/* what the lexer would refuse outside quotes is refused here too:
	 * control characters and bytes that are not UTF-8 */
	for (end = start; end < q; end += n) {
		unsigned char c = (unsigned char)s[end], ch[5] = { 0 };
		size_t n0;

		/* decode from a bounded copy: the text need not end in a NUL */
		memcpy(ch, s + end, q - end < 4 ? q - end : 4);
		n0 = utf8_decode(ch, NULL);
		n = n0 ? n0 : 1;
		if (!n0 || (c < 0x20 && c != '\t')) {
			free(*out);
			*out = NULL;
			return p_fail(p, (long)end + 1, "unexpected byte 0x%02X in %s", c, what);
		}
	}
	*pos = skip_blanks(s, len, q);
	return 0;
}

/*
 * After `slice` or `slices` (p->cur), with the raw text at p->lx.pos
 * being '[' or '(': read the keys (and values) and the ".metric" that
 * follows; p->cur is then the token after the metric.
 */
static int parse_selector(struct parser *p, int many)
{
	struct rule *r = p->r;
	const char *s = p->lx.text, *what = many ? "slices(COL).METRIC" : "slice[COL=VALUE].METRIC";
	size_t len = p->lx.len, pos = skip_blanks(s, len, p->lx.pos) + 1, i;
	char close = many ? ')' : ']';
	char b[80];

	for (;;) {
		struct rule_slice_key *nk;
		char *col = NULL, *val = NULL;
		size_t at = skip_blanks(s, len, pos);
		int quoted;

		if (r->nkeys == RULE_MAX_SLICE_KEYS)
			return p_fail(p, (long)at + 1, "more than %d columns in %s",
				      RULE_MAX_SLICE_KEYS, what);

		if (sel_item(p, &pos, many ? ",)" : "=,]", "a column name", &col, &quoted) < 0)
			return -1;
		for (i = 0; i < r->nkeys; i++)
			if (!strcmp(r->keys[i].col, col)) {
				free(col);
				return p_fail(p, (long)at + 1, "column '%.100s' is named twice in %s",
					      r->keys[i].col, what);
			}
		if (!many) {
			if (pos >= len || s[pos] != '=') {
				free(col);
				return p_fail(p, (long)pos + 1, "expected '=' after the column name in %s", what);
			}
			pos++;
			if (sel_item(p, &pos, ",]", "a value", &val, &quoted) < 0) {
				free(col);
				return -1;
			}
			if (!quoted && !strcmp(val, "null")) {
				free(val);
				val = NULL;
			}
		}
		nk = realloc(r->keys, (r->nkeys + 1) * sizeof(*nk));
		if (!nk) {
			free(col), free(val);
			return err_set(p->err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		}
		r->keys = nk;
		r->keys[r->nkeys].col = col;
		r->keys[r->nkeys++].value = val;
		if (pos < len && s[pos] == ',') {
			pos++;
			continue;
		}
		if (pos < len && s[pos] == close)
			break;
		return p_fail(p, (long)pos + 1, "expected ',' or '%c' in %s", close, what);
	}
	p->lx.pos = p->lx.last_end = pos + 1;
	if (p_next(p) < 0)
		return -1;
	if (p->cur.kind != RT_DOT)
		return p_fail(p, p->cur.col, "expected '.' and a metric after '%c' in %s%s",
			      close, what, found(&p->cur, b, sizeof(b)));
	if (p_next(p) < 0)
		return -1;
	if (p->cur.kind != RT_IDENT || tok_is(&p->cur, "baseline"))
		return p_fail(p, p->cur.col, "expected a metric name after '.'%s",
			      found(&p->cur, b, sizeof(b)));
	r->scope = many ? RULE_SLICES : RULE_SLICE;
	return 0;
}

/* The left-hand side: a metric, a slice selector or operational.figure;
 * p->cur is its last token (the metric's name). */
static int parse_subject(struct parser *p)
{
	const char *s = p->lx.text;
	size_t q = skip_blanks(s, p->lx.len, p->lx.pos);
	char b[80];

	if (tok_is(&p->cur, "slice") && q < p->lx.len && s[q] == '[')
		return parse_selector(p, 0);
	if (tok_is(&p->cur, "slices") && q < p->lx.len && s[q] == '(')
		return parse_selector(p, 1);
	if (tok_is(&p->cur, "operational") && q < p->lx.len && s[q] == '.') {
		p->lx.pos = p->lx.last_end = q + 1;	/* past the '.' */
		if (p_next(p) < 0)
			return -1;
		if (p->cur.kind != RT_IDENT)
			return p_fail(p, p->cur.col,
				      "expected an operational figure after 'operational.' (e.g. latency_p95_ms)%s",
				      found(&p->cur, b, sizeof(b)));
		p->r->scope = RULE_OPERATIONAL;
	}
	return 0;
}

static int needs_quotes(const char *v)
{
	const char *c;

	if (!*v || !strcmp(v, "null") || v[0] == ' ' || v[strlen(v) - 1] == ' ')
		return 1;
	for (c = v; *c; c++)
		if (strchr(" ,[]()=\"\\#\t\n", *c))
			return 1;
	return 0;
}

static int add_quoted(struct buf *b, const char *v)
{
	int rc = 0;

	if (!needs_quotes(v))
		return buf_addstr(b, v);
	rc |= buf_addch(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			rc |= buf_addch(b, '\\');
		rc |= buf_addch(b, *v);
	}
	rc |= buf_addch(b, '"');
	return rc ? -1 : 0;
}

int rule_slice_format(struct buf *b, const char *const *cols,
		      const char *const *values, size_t n, const char *metric)
{
	size_t i;
	int rc = buf_addstr(b, "slice[");

	for (i = 0; !rc && i < n; i++) {
		rc = (i && buf_addch(b, ',')) || add_quoted(b, cols[i]) || buf_addch(b, '=') ||
		     (values[i] ? add_quoted(b, values[i]) : buf_addstr(b, "null"));
	}
	return rc || buf_printf(b, "].%s", metric) ? -1 : 0;
}

const char *rule_op_str(enum rule_op op)
{
	switch (op) {
	case RULE_GE: return ">=";
	case RULE_GT: return ">";
	case RULE_LE: return "<=";
	case RULE_LT: return "<";
	case RULE_EQ: return "==";
	case RULE_NE: return "!=";
	}
	return "?";
}

void rule_free(struct rule *r)
{
	size_t i;

	for (i = 0; i < r->nkeys; i++)
		free(r->keys[i].col), free(r->keys[i].value);
	free(r->keys);
	free(r->subject);
	free(r->text);
	free(r->metric);
	free(r->nodes);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

int rule_parse(struct rule *r, const char *text, size_t len, const char *file,
	       long line, int code, struct mlci_err *err)
{
	struct parser p;
	char a[64], b[80];
	size_t start;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	{
		/* a rule is a line of a few dozen bytes: refuse a huge one
		 * before lexing it (what follows a '#' is a comment) */
		const char *hash = memchr(text, '#', len);
		size_t n = hash ? (size_t)(hash - text) : len;

		if (n > RULE_MAX_TEXT)
			return err_set_at(err, code, file, line, 1,
					  "rule is longer than %d bytes", RULE_MAX_TEXT);
	}
	rule_lexer_init(&p.lx, text, len);
	p.r = r;
	p.file = file;
	p.line = line;
	p.code = code;
	p.err = err;
	if (p_next(&p) < 0)
		goto fail;
	if (p.cur.kind == RT_EOF)
		return 1;
	start = (size_t)(p.cur.col - 1);
	if (p.cur.kind != RT_IDENT || tok_is(&p.cur, "baseline")) {
		p_fail(&p, p.cur.col, "expected a metric name at the start of the rule, found %s",
		       tok_show(&p.cur, b, sizeof(b)));
		goto fail;
	}
	if (parse_subject(&p) < 0)
		goto fail;
	r->metric = strndup(p.cur.s, p.cur.n);
	r->subject = strndup(text + start, p.lx.last_end - start);
	if (!r->metric || !r->subject) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto fail;
	}
	if (p_next(&p) < 0)
		goto fail;
	if (p.cur.kind != RT_CMP) {
		p_fail(&p, p.cur.col,
		       "expected a comparison operator (>=, >, <=, <, ==, !=) after %s%s%s",
		       tok_show(&p.prev, a, sizeof(a)), found(&p.cur, b, sizeof(b)),
		       p.cur.kind == RT_ASSIGN ? " (did you mean '=='?)" : "");
		goto fail;
	}
	r->op = p.cur.op;
	if (p_next(&p) < 0 || (r->root = parse_expr(&p, 0)) < 0)
		goto fail;
	if (tok_is(&p.cur, "paired")) {
		long col = p.cur.col;

		if (!r->uses_baseline) {
			p_fail(&p, col, "'paired' compares with the baseline: the right-hand side must use 'baseline' (e.g. 'accuracy >= baseline - 0.01 paired')");
			goto fail;
		}
		if (r->scope != RULE_METRIC) {
			p_fail(&p, col, "'paired' compares two models over the whole evaluation set, not a slice or an operational figure");
			goto fail;
		}
		if (r->op == RULE_EQ || r->op == RULE_NE) {
			p_fail(&p, col, "'paired' needs >=, >, <= or < (a test of non-inferiority), not '%s'",
			       rule_op_str(r->op));
			goto fail;
		}
		r->paired = 1;
		if (p_next(&p) < 0)
			goto fail;
		if (p.cur.kind != RT_EOF) {
			p_fail(&p, p.cur.col, "expected the end of the rule after 'paired'%s",
			       found(&p.cur, b, sizeof(b)));
			goto fail;
		}
	}
	if (p.cur.kind != RT_EOF) {
		p_fail(&p, p.cur.col,
		       "expected an operator or the end of the rule after %s%s",
		       tok_show(&p.prev, a, sizeof(a)), found(&p.cur, b, sizeof(b)));
		goto fail;
	}
	r->text = strndup(text + start, p.lx.last_end - start);
	r->file = strdup(file ? file : "");
	r->line = line;
	r->code = code;
	if (!r->text || !r->file) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto fail;
	}
	return 0;
fail:
	rule_free(r);
	return -1;
}

/* ---- rule sets ---- */

static int ruleset_push(struct ruleset *rs, struct rule *r,
			struct mlci_err *err)
{
	struct rule *nv = realloc(rs->v, (rs->n + 1) * sizeof(*nv));

	if (!nv) {
		rule_free(r);
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	rs->v = nv;
	rs->v[rs->n++] = *r;
	return 0;
}

int ruleset_load_file(struct ruleset *rs, const char *path,
		      struct mlci_err *err)
{
	char *text;
	size_t n, pos = 0, before = rs->n;
	long line = 0;

	if (read_file(path, &text, &n, RULES_MAX_BYTES, err) < 0)
		return -1;
	if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		pos = 3;
	while (pos < n) {
		const char *s = text + pos, *nl = memchr(s, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - s) : n - pos;
		struct rule r;
		int rc;

		line++;
		rc = rule_parse(&r, s, len, path, line, MLCI_EXIT_DATAERR, err);
		if (rc == 0 && rs->n >= RULES_MAX) {
			rule_free(&r);
			err_set_at(err, MLCI_EXIT_DATAERR, path, line, 0,
				   "more than %d rules", RULES_MAX);
			rc = -1;
		}
		if (rc < 0 || (rc == 0 && ruleset_push(rs, &r, err) < 0)) {
			free(text);
			return -1;
		}
		pos += len + (nl ? 1 : 0);
	}
	free(text);
	if (rs->n == before)
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "no rules (write one per line, e.g. 'accuracy >= 0.9')");
	return 0;
}

int ruleset_add_text(struct ruleset *rs, const char *text,
		     struct mlci_err *err)
{
	char label[256];
	size_t i, n;
	struct rule r;
	int rc;

	n = (size_t)snprintf(label, sizeof(label), "--rule '%.200s%s'", text,
			     strlen(text) > 200 ? "..." : "");
	for (i = 0; i < n && i < sizeof(label); i++)
		if ((unsigned char)label[i] < 0x20)
			label[i] = '?';
	rc = rule_parse(&r, text, strlen(text), label, 1, MLCI_EXIT_USAGE, err);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(err, MLCI_EXIT_USAGE, label,
			       "empty rule (expected e.g. 'accuracy >= 0.9')");
	if (rs->n >= RULES_MAX) {
		rule_free(&r);
		return err_set(err, MLCI_EXIT_USAGE, label, "more than %d rules",
			       RULES_MAX);
	}
	return ruleset_push(rs, &r, err);
}

void ruleset_free(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rule_free(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

/* ---- evaluation ---- */

static int eval_node(const struct rule *r, int i, double baseline,
		     const double *band, double *out, struct mlci_err *err)
{
	const struct rule_node *nd = &r->nodes[i];
	double a = 0, b = 0;

	if (nd->kind == RN_NUM) {
		*out = nd->num;
		return 0;
	}
	if (nd->kind == RN_BASELINE) {
		*out = baseline;
		return 0;
	}
	if (nd->kind == RN_BAND) {
		if (!band)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "rule '%s': no band", r->text);
		*out = band[(int)nd->num];
		return 0;
	}
	if (eval_node(r, nd->a, baseline, band, &a, err) < 0)
		return -1;
	if (nd->kind != RN_NEG && eval_node(r, nd->b, baseline, band, &b, err) < 0)
		return -1;
	switch (nd->kind) {
	case RN_NEG: *out = -a; break;
	case RN_ADD: *out = a + b; break;
	case RN_SUB: *out = a - b; break;
	case RN_MUL: *out = a * b; break;
	case RN_DIV:
		if (b == 0)
			return err_set_at(err, r->code, r->file, r->line, 0,
					  "division by zero in rule '%s'", r->text);
		*out = a / b;
		break;
	default:
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "bad rule node");
	}
	return 0;
}

int rule_threshold(const struct rule *r, double baseline, double *out,
		   struct mlci_err *err)
{
	return rule_threshold_band(r, baseline, NULL, out, err);
}

int rule_threshold_band(const struct rule *r, double baseline,
			const double *band, double *out, struct mlci_err *err)
{
	if (!r->nnodes)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "empty rule");
	if (eval_node(r, r->root, baseline, band, out, err) < 0)
		return -1;
	if (!isfinite(*out))
		return err_set_at(err, r->code, r->file, r->line, 0,
				  "the threshold of rule '%s' is not a finite number",
				  r->text);
	return 0;
}

int rule_compare(enum rule_op op, double value, double threshold)
{
	double scale = fmax(fabs(value), fabs(threshold));
	double tol = RULE_TOL_ABS + RULE_TOL_REL * scale;

	switch (op) {
	case RULE_GE: return value >= threshold - tol;
	case RULE_GT: return value > threshold + tol;
	case RULE_LE: return value <= threshold + tol;
	case RULE_LT: return value < threshold - tol;
	case RULE_EQ: return fabs(value - threshold) <= tol;
	case RULE_NE: return fabs(value - threshold) > tol;
	}
	return 0;
}
