/*
 * rules.h - the gate rule language: lexer, parser and evaluator.
 *
 * A rule compares one metric with a threshold:
 *
 *     rule    := metric CMP expr ["paired"]
 *     metric  := IDENT                        e.g. accuracy, f1_macro
 *     CMP     := ">=" | ">" | "<=" | "<" | "==" | "!="
 *     expr    := term (("+" | "-") term)*
 *     term    := unary (("*" | "/") unary)*
 *     unary   := "-" unary | primary
 *     primary := NUMBER | "baseline" | band | "(" expr ")"
 *     band    := "band" "." ("low" | "high" | "mean" | "sd" | "n")
 *     NUMBER  := digits ["." digits] [("e"|"E") ["+"|"-"] digits]  (or ".5")
 *     IDENT   := [A-Za-z_][A-Za-z0-9_]*
 *
 * `baseline` is the same metric read from the baseline metrics.json, so
 * `f1_macro >= baseline - 0.01` and `rmse <= baseline * 1.05` work. `band.low` ... is the noise band of the
 * same metric over the notes recorded along a git ref's history
 * (mlci-gate --history N, baseline.h: min, max, mean, sample standard
 * deviation and count of the recorded values), so `accuracy >= band.low`
 * and `rmse <= band.high * 1.02` work. A `#`
 * starts a comment that runs to the end of the line. Columns in errors
 * are 1-based byte columns of the text given to the parser.
 *
 * A rule ending in `paired` asks for evidence instead of a point
 * comparison: `accuracy >= baseline - 0.01 paired` is a non-inferiority
 * test on the per-example results of the candidate and the baseline
 * (paired.h), with the margin threshold - baseline. It must use
 * `baseline` and one of >=, >, <=, < (parse errors otherwise, at the
 * column of `paired`).
 *
 * The left-hand side may also name a slice or an operational figure
 * (mlci-evaluate --slice-by, --operational):
 *
 *     subject := metric
 *              | "slice[" key "=" value ("," key "=" value)* "]." metric
 *              | "slices(" key ("," key)* ")." metric
 *              | "operational." metric
 *     key, value := a run of bytes up to the next '=', ',', ']' or ')'
 *              (blanks around it dropped), or a "quoted" string in which
 *              \" and \\ stand for " and \ (for values holding blanks,
 *              commas, brackets or '=': slice[native_country="United States"])
 *
 * An unquoted value `null` names the slice of missing values ("null"
 * quoted is the text). `slice[sex=Female,race=White].accuracy` is one
 * slice (the keys in any order); `slices(sex).recall >= 0.8` stands for
 * the rule over every slice of that column (or combination of columns).
 * Rules over slices and operational figures cannot be `paired`.
 *
 * Comparisons allow for floating-point noise: with
 *     tol = RULE_TOL_ABS + RULE_TOL_REL * max(|value|, |threshold|)
 * (absolute 1e-12, relative 1e-9),
 *     >=  passes when value >= threshold - tol
 *     >   passes when value >  threshold + tol
 *     <=  passes when value <= threshold + tol
 *     <   passes when value <  threshold - tol
 *     ==  passes when |value - threshold| <= tol
 *     !=  passes when |value - threshold| >  tol
 * so 0.3 >= 0.1 + 0.2 passes, while a value truly below fails. Each
 * operator is the exact negation of its opposite (> of <=, < of >=, != of ==).
 */
#ifndef MLCI_RULES_H
#define MLCI_RULES_H

#include <stddef.h>

#include "error.h"
#include "util.h"

#define RULE_TOL_REL 1e-9
#define RULE_TOL_ABS 1e-12

/* Bounds on hostile input: a rule's text (before any '#' comment) is at
 * most RULE_MAX_TEXT bytes, a rule set holds at most RULES_MAX rules
 * (a rules file is also at most 16 MiB). Beyond them: 65 for a rules
 * file (at the line), 64 for --rule. */
#define RULE_MAX_TEXT 65536
#define RULES_MAX 10000
/* A slice selector names at most this many columns (a parse error). */
#define RULE_MAX_SLICE_KEYS 16

/* ---- lexer ---- */

enum rule_tok {
	RT_EOF,		/* end of text, or a '#' comment */
	RT_IDENT,	/* metric names and keywords */
	RT_NUMBER,	/* tok.num holds the value */
	RT_STRING,	/* "..." (reserved for later rule forms) */
	RT_CMP,		/* >= > <= < == != ; tok.op holds which */
	RT_ASSIGN,	/* = */
	RT_PLUS, RT_MINUS, RT_STAR, RT_SLASH,
	RT_LPAREN, RT_RPAREN, RT_LBRACKET, RT_RBRACKET, RT_DOT, RT_COMMA,
};

enum rule_op { RULE_GE, RULE_GT, RULE_LE, RULE_LT, RULE_EQ, RULE_NE };

struct rule_token {
	enum rule_tok kind;
	const char *s;		/* points into the lexed text */
	size_t n;		/* length of the token's text */
	long col;		/* 1-based column of its first byte */
	double num;		/* RT_NUMBER */
	enum rule_op op;	/* RT_CMP */
};

struct rule_lexer {
	const char *text;
	size_t len;
	size_t pos;
	size_t last_end;	/* byte just past the previous token */
};

/* Start lexing the len bytes at text (a NUL byte inside is an error). */
void rule_lexer_init(struct rule_lexer *lx, const char *text, size_t len);

/* Read the next token into *t. Returns 0, or -1 on a bad character or
 * malformed number with err's message set and err->col its column (the
 * caller adds the file and line; code left 0). At the end or at a '#'
 * returns RT_EOF (col: just past the last token) again and again. */
int rule_lex(struct rule_lexer *lx, struct rule_token *t,
	     struct mlci_err *err);

/* ---- parser ---- */

enum rule_node_kind { RN_NUM, RN_BASELINE, RN_NEG, RN_ADD, RN_SUB, RN_MUL,
		      RN_DIV, RN_BAND };

/* Which part of the band an RN_BAND node reads (its num). */
enum rule_band_part { RULE_BAND_LOW, RULE_BAND_HIGH, RULE_BAND_MEAN, RULE_BAND_SD,
		      RULE_BAND_N, RULE_BAND_PARTS };

/* One expression node; children are indices into rule.nodes. */
struct rule_node {
	enum rule_node_kind kind;
	double num;		/* RN_NUM */
	int a, b;		/* operands (RN_NEG uses a) */
};

/* What the left-hand side names. */
enum rule_scope {
	RULE_METRIC,		/* a metric over the whole evaluation set */
	RULE_SLICE,		/* slice[k=v,...].metric */
	RULE_SLICES,		/* slices(k,...).metric: every slice */
	RULE_OPERATIONAL,	/* operational.figure */
};

/* One key of a slice selector; value NULL for `null` (missing values)
 * and for the keys of slices(...). */
struct rule_slice_key {
	char *col;
	char *value;
};

struct rule {
	char *text;		/* the rule as written, trimmed, no comment */
	char *metric;		/* the metric (or figure) on the left */
	char *subject;		/* the whole left-hand side as written */
	enum rule_scope scope;
	struct rule_slice_key *keys;	/* RULE_SLICE, RULE_SLICES */
	size_t nkeys;
	enum rule_op op;
	struct rule_node *nodes;	/* the right-hand side */
	size_t nnodes;
	int root;		/* index of the right-hand side's top node */
	int uses_baseline;	/* the right-hand side mentions baseline */
	int uses_band;		/* the right-hand side mentions band.* */
	int paired;		/* ends in `paired`: a test, see paired.h */
	char *file;		/* where it came from: "rules.txt" or "--rule '...'" */
	long line;		/* its line in file (1 for --rule) */
	int code;		/* exit code for problems with it: 65 file, 64 --rule */
};

/*
 * Parse one rule from the len bytes at text. Errors name file and line
 * (with the column of the offending token) and carry exit code `code`;
 * file, line and code are kept in *r for later messages.
 * Returns 0 with *r filled (free with rule_free), 1 when the text holds
 * no rule (blank or only a comment; *r zeroed), or -1 with err set.
 */
int rule_parse(struct rule *r, const char *text, size_t len, const char *file,
	       long line, int code, struct mlci_err *err);

/* Free what rule_parse allocated; leaves *r zeroed. */
void rule_free(struct rule *r);

/* Append a slice's selector "slice[k=v,...].metric" to b, quoting a value
 * (or key) only when it needs it; a NULL value is written null. Returns 0,
 * or -1 out of memory. */
int rule_slice_format(struct buf *b, const char *const *cols,
		      const char *const *values, size_t n, const char *metric);

/* The operator's spelling, e.g. ">=". */
const char *rule_op_str(enum rule_op op);

/* ---- rule sets ---- */

struct ruleset {
	struct rule *v;
	size_t n;
};

/* Parse a rules file into rs: one rule per line, '#' comments, blank
 * lines ignored. Missing file: 66; syntax error: 65 "FILE:LINE:COL: ...";
 * a file without any rule: 65. */
int ruleset_load_file(struct ruleset *rs, const char *path,
		      struct mlci_err *err);

/* Parse one command-line rule (--rule TEXT) into rs; errors are 64 and
 * name the rule: "--rule 'accuracy >>= 1':1:10: ...". */
int ruleset_add_text(struct ruleset *rs, const char *text,
		     struct mlci_err *err);

/* Free every rule in rs; leaves it empty. */
void ruleset_free(struct ruleset *rs);

/* ---- evaluation ---- */

/* Evaluate r's right-hand side with `baseline` bound to baseline (ignored
 * when the rule does not use it). Returns 0 with *out finite, or -1 with
 * r->code naming r->file:line (division by zero, overflow). */
int rule_threshold(const struct rule *r, double baseline, double *out,
		   struct mlci_err *err);

/* As rule_threshold, with band.* bound to band[RULE_BAND_*] (band NULL
 * when the rule does not use it; 70 if it does). */
int rule_threshold_band(const struct rule *r, double baseline,
			const double *band, double *out, struct mlci_err *err);

/* 1 when value OP threshold holds within the tolerance above, else 0. */
int rule_compare(enum rule_op op, double value, double threshold);

#endif
