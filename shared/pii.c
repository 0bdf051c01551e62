/*
 * pii.c - classify values as personal data, tally columns, mask values.
 * What each classifier accepts is documented in pii.h.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pii.h"
#include "util.h"

static const char *const type_names[PII_NTYPES] = {
	[PII_EMAIL] = "email",
	[PII_PHONE] = "phone",
	[PII_CARD] = "card",
	[PII_IBAN] = "iban",
	[PII_IP] = "ip",
	[PII_NAME] = "person_name",
};

const char *pii_type_name(enum pii_type t)
{
	return (unsigned)t < PII_NTYPES ? type_names[t] : "?";
}

int pii_type_parse(const char *s, enum pii_type *out)
{
	int t;

	for (t = 0; s && t < PII_NTYPES; t++)
		if (!strcmp(s, type_names[t])) {
			*out = (enum pii_type)t;
			return 0;
		}
	return -1;
}

/* ---- character classes (ASCII only: no locale) ---- */

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_alpha(unsigned char c) { return is_upper(c) || is_lower(c); }
static int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }

static char to_upper(char c) { return is_lower((unsigned char)c) ? (char)(c - 32) : c; }
static char to_lower(char c) { return is_upper((unsigned char)c) ? (char)(c + 32) : c; }

/* The value without blanks around it; 0 when empty or too long. */
static size_t span(const char *s, const char **start)
{
	size_t n;

	if (!s)
		return 0;
	while (is_blank((unsigned char)*s))
		s++;
	n = strnlen(s, PII_MAX_VALUE + 1);
	if (n > PII_MAX_VALUE)
		return 0;
	while (n && is_blank((unsigned char)s[n - 1]))
		n--;
	*start = s;
	return n;
}

/* ---- e-mail ---- */

static int is_atext(unsigned char c)
{
	return is_alnum(c) || c >= 0x80 || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

static int label_char(unsigned char c)
{
	return is_alnum(c) || c == '-' || c >= 0x80;
}

static int email_n(const char *p, size_t n)
{
	const char *at = memchr(p, '@', n), *d, *end = p + n, *lab;
	size_t i, local, labels = 0;

	if (!at || memchr(at + 1, '@', (size_t)(end - at - 1)))
		return 0;
	local = (size_t)(at - p);
	if (!local || local > 64 || p[0] == '.' || p[local - 1] == '.')
		return 0;
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '.' ? p[i + 1] == '.' : !is_atext(c))
			return 0;
	}
	d = at + 1;
	if (d >= end || end - d > 253)
		return 0;
	for (lab = d; lab <= end; ) {
		const char *e = memchr(lab, '.', (size_t)(end - lab));
		size_t len;

		if (!e)
			e = end;
		len = (size_t)(e - lab);
		if (!len || len > 63 || lab[0] == '-' || lab[len - 1] == '-')
			return 0;
		for (i = 0; i < len; i++)
			if (!label_char((unsigned char)lab[i]))
				return 0;
		labels++;
		if (e == end) {
			/* the top-level label: letters, or punycode */
			if (len < 2)
				return 0;
			if (!(len > 4 && !strncmp(lab, "xn--", 4)))
				for (i = 0; i < len; i++)
					if (!is_alpha((unsigned char)lab[i]) &&
					    (unsigned char)lab[i] < 0x80)
						return 0;
			break;
		}
		lab = e + 1;
	}
	return labels >= 2;
}

int pii_is_email(const char *s)
{
	const char *p = NULL;
	size_t n = span(s, &p);

	return n && email_n(p, n);
}

/* ---- payment cards ---- */

int pii_luhn_ok(const char *d, size_t n)
{
	unsigned sum = 0;
	size_t i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned v;

		if (!is_digit((unsigned char)d[n - 1 - i]))
			return 0;
		v = (unsigned)(d[n - 1 - i] - '0');
		if (i % 2) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

static unsigned prefix(const char *d, size_t k)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < k; i++)
		v = v * 10 + (unsigned)(d[i] - '0');
	return v;
}

/* A known issuer's prefix, with a length that issuer uses. */
static int card_issuer(const char *d, size_t n)
{
	unsigned p2 = prefix(d, 2), p3 = prefix(d, 3), p4 = prefix(d, 4);

	if (d[0] == '4')				/* Visa */
		return n == 13 || n == 16 || n == 19;
	if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
		return n == 16;				/* Mastercard */
	if (p2 == 34 || p2 == 37)			/* American Express */
		return n == 15;
	if (n < 14)
		return 0;
	if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39)
		return 1;				/* Diners Club, 14-19 */
	if (n < 16)
		return 0;
	return p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 ||	/* Discover */
	       (p4 >= 3528 && p4 <= 3589) ||				/* JCB */
	       p2 == 62;						/* UnionPay */
}

/* Copy the digits of p (digit groups split by single spaces or dashes)
 * to d; the digit count, or 0 when p is not so shaped or too long. */
static size_t digit_groups(const char *p, size_t n, char *d, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (is_digit(c)) {
			if (k == max)
				return 0;
			d[k++] = (char)c;
		} else if ((c == ' ' || c == '-') && i && i + 1 < n &&
			   is_digit((unsigned char)p[i - 1]) &&
			   is_digit((unsigned char)p[i + 1])) {
			continue;
		} else {
			return 0;
		}
	}
	return k;
}

static int card_n(const char *p, size_t n)
{
	char d[20];
	size_t k = digit_groups(p, n, d, sizeof(d));

	return k >= 13 && k <= 19 && card_issuer(d, k) && pii_luhn_ok(d, k);
}

int pii_is_card(const char *s)
{
	const char *p = NULL;
	size_t n = span(s, &p);

	return n && card_n(p, n);
}

/* ---- IBAN ---- */

/* Total IBAN length per country, from the SWIFT IBAN registry (as
 * shipped in python-stdnum 1.18's iban.dat); sorted for bsearch. */
static const struct iban_country {
	char cc[3];
	unsigned char len;
} iban_len[] = {
	{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20},
	{"BE", 16}, {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28},
	{"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27},
	{"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
	{"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18},
	{"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23},
	{"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
	{"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
	{"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MR", 27},
	{"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24}, {"PL", 28},
	{"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
	{"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24},
	{"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26},
	{"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

static int cmp_cc(const void *key, const void *elem)
{
	return strncmp(key, elem, 2);
}

static int iban_n(const char *p, size_t n)
{
	char v[35];
	size_t i, k = 0, want;
	unsigned rem = 0;
	const struct iban_country *e;

	/* compact: single spaces between groups */
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == ' ' && i && i + 1 < n && p[i + 1] != ' ')
			continue;
		if (!is_alnum((unsigned char)c) || k == sizeof(v) - 1)
			return 0;
		v[k++] = to_upper(c);
	}
	v[k] = 0;
	if (k < 15 || !is_upper((unsigned char)v[0]) ||
	    !is_upper((unsigned char)v[1]) || !is_digit((unsigned char)v[2]) ||
	    !is_digit((unsigned char)v[3]))
		return 0;
	e = bsearch(v, iban_len, sizeof(iban_len) / sizeof(iban_len[0]),
		    sizeof(iban_len[0]), cmp_cc);
	if (!e)
		return 0;
	want = e->len;
	if (k != want || prefix(v + 2, 2) < 2 || prefix(v + 2, 2) > 98)
		return 0;
	/* ISO 7064 mod 97-10: the first four characters moved to the end,
	 * letters as 10..35 */
	for (i = 0; i < k; i++) {
		char c = v[(i + 4) % k];

		if (is_digit((unsigned char)c))
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return rem == 1;
}

int pii_is_iban(const char *s)
{
	const char *p = NULL;
	size_t n = span(s, &p);

	return n && iban_n(p, n);
}

/* ---- IP addresses ---- */

static int ipv4_n(const char *p, size_t n)
{
	size_t i = 0, part;

	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		while (i < n && is_digit((unsigned char)p[i]) && i - start < 3)
			v = v * 10 + (unsigned)(p[i++] - '0');
		if (i == start || v > 255 || (p[start] == '0' && i - start > 1))
			return 0;
		if (part < 3) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n;
}

static int ipv6_n(const char *p, size_t n)
{
	char v[64];
	unsigned char addr[16];

	if (n < 2 || n >= sizeof(v) || !memchr(p, ':', n))
		return 0;
	memcpy(v, p, n);
	v[n] = 0;
	return inet_pton(AF_INET6, v, addr) == 1;
}

int pii_is_ipv4(const char *s)
{
	const char *p = NULL;
	size_t n = span(s, &p);

	return n && ipv4_n(p, n);
}

int pii_is_ipv6(const char *s)
{
	const char *p = NULL;
	size_t n = span(s, &p);

	return n && ipv6_n(p, n);
}

int pii_is_ip(const char *s)
{
	return pii_is_ipv4(s) || pii_is_ipv6(s);
}

/* ---- phone numbers ---- */

#define MAX_GROUPS 16

static int phone_n(const char *p, size_t n)
{
	size_t g[MAX_GROUPS], ng = 0, digits = 0, i = 0, k;
	int plus = 0, paren = 0, in_paren = 0;
	char prev = 0, first = 0;	/* 'd' digit, 's' separator, '(' or ')' */

	if (p[0] == '+') {
		plus = 1;
		i = 1;
		if (n < 2 || !is_digit((unsigned char)p[1]))
			return 0;
	}
	for (; i < n; i++) {
		char c = p[i];

		if (is_digit((unsigned char)c)) {
			if (!digits)
				first = c;
			if (prev != 'd') {
				if (ng == MAX_GROUPS)
					return 0;
				g[ng++] = 0;
			}
			g[ng - 1]++;
			digits++;
			prev = 'd';
		} else if (c == '(') {
			/* once, at the start or after a separator */
			if (paren || in_paren || (prev && prev != 's'))
				return 0;
			paren = in_paren = 1;
			prev = '(';
		} else if (c == ')') {
			if (!in_paren || prev != 'd')
				return 0;
			in_paren = 0;
			prev = ')';
		} else if (c == ' ' || c == '-' || c == '.') {
			/* between digits, or after ")"; never doubled */
			if ((prev != 'd' && prev != ')') || in_paren)
				return 0;
			prev = 's';
		} else {
			return 0;
		}
	}
	if (prev != 'd' || in_paren || digits < 7 || digits > 15)
		return 0;
	if (plus)
		return first != '0';
	if (paren)
		return 1;
	if (ng < 3 || digits < 9)
		return 0;
	/* dates: 2012-01-01, 01.02.2012 */
	if (ng == 3 && ((g[0] == 4 && g[1] <= 2 && g[2] <= 2) ||
			(g[2] == 4 && g[0] <= 2 && g[1] <= 2)))
		return 0;
	/* thousands grouping: 1 234 567 890 */
	if (g[0] <= 3) {
		for (k = 1; k < ng && g[k] == 3; k++)
			;
		if (k == ng)
			return 0;
	}
	return 1;
}

int pii_is_phone(const char *s)
{
	const char *p = NULL;
	size_t n = span(s, &p);

	return n && phone_n(p, n);
}

/* ---- person names ---- */

enum letter_case { NOT_LETTER, UPPER, LOWER };

/* The case of the character at p (*len gets its byte length): ASCII
 * letters, and for non-ASCII letters a rough rule over Latin-1, Latin
 * Extended-A, Greek and Cyrillic (other scripts count as lower case). */
static enum letter_case char_case(const char *p, size_t *len)
{
	unsigned char c = (unsigned char)*p;
	unsigned cp;

	*len = 1;
	if (c < 0x80)
		return is_upper(c) ? UPPER : is_lower(c) ? LOWER : NOT_LETTER;
	*len = utf8_decode((const unsigned char *)p, &cp);
	if (!*len) {
		*len = 1;
		return NOT_LETTER;
	}
	if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 ||
	    (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
	    (cp >= 0xFE00 && cp <= 0xFFFF))
		return NOT_LETTER;
	if (cp <= 0xDE || (cp >= 0x100 && cp <= 0x17F && !(cp & 1)) ||
	    (cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x400 && cp <= 0x42F))
		return UPPER;
	return LOWER;
}

/* A capitalised word: a capital, then letters with at least one small
 * one; a capital only after a small letter; ' - and U+2019 only between
 * letters. */
static int name_word(const char *p, size_t n)
{
	size_t i, len;
	int small = 0;
	enum letter_case prev;

	if (char_case(p, &len) != UPPER || len >= n)
		return 0;
	prev = UPPER;
	for (i = len; i < n; i += len) {
		enum letter_case c = char_case(p + i, &len);
		int apos = p[i] == '\'' || p[i] == '-' ||
			   (n - i >= 3 && !memcmp(p + i, "\xe2\x80\x99", 3));

		if (apos) {
			if (p[i] != '\'' && p[i] != '-')
				len = 3;
			if (prev == NOT_LETTER || i + len >= n)
				return 0;
			prev = NOT_LETTER;
			continue;
		}
		if (c == NOT_LETTER || (c == UPPER && prev == UPPER))
			return 0;
		if (c == LOWER)
			small = 1;
		prev = c;
	}
	return small && prev != NOT_LETTER;
}

static int in_list(const char *p, size_t n, const char *const *list, int fold)
{
	size_t i, k;

	for (k = 0; list[k]; k++) {
		if (strlen(list[k]) != n)
			continue;
		for (i = 0; i < n; i++)
			if ((fold ? to_lower(p[i]) : p[i]) != list[k][i])
				break;
		if (i == n)
			return 1;
	}
	return 0;
}

static const char *const titles[] = { "mr", "mrs", "ms", "miss", "mx", "dr",
	"prof", "sir", "dame", "lady", "lord", "rev", "fr", "master", "mme",
	"mlle", "madame", "don", "dona", "herr", "frau", "capt", "col", "major",
	"countess", "count", "jonkheer", NULL };
static const char *const particles[] = { "van", "von", "der", "den", "de",
	"del", "della", "di", "da", "du", "la", "le", "bin", "al", "el", "ten",
	"ter", "dos", "das", "y", "of", "the", "zu", "af", NULL };
static const char *const suffixes[] = { "Jr", "Sr", "II", "III", "IV", NULL };

enum name_tok { TOK_WORD, TOK_INITIAL, TOK_TITLE, TOK_PARTICLE, TOK_SUFFIX };

static int name_token(const char *p, size_t n)
{
	size_t core = n && p[n - 1] == '.' ? n - 1 : n;

	if (!core)
		return -1;
	if (is_upper((unsigned char)p[0]) && in_list(p, core, titles, 1))
		return TOK_TITLE;
	if (in_list(p, core, suffixes, 0))
		return TOK_SUFFIX;
	if (core == 1 && is_upper((unsigned char)p[0]))
		return TOK_INITIAL;
	if (core == n && in_list(p, n, particles, 0))
		return TOK_PARTICLE;
	if (core == n && name_word(p, n))
		return TOK_WORD;
	return -1;
}

struct name_scan {
	size_t words, initials, titles, tokens, extras, suffixes;
	size_t last_words, last_tokens;	/* before the comma */
	int comma, first_tok, title_pos, bad_last, suffix_last;
};

static int person_name_n(const char *p, size_t n)
{
	struct name_scan s;
	int in_paren = 0, in_quote = 0, parens = 0;
	size_t i = 0;

	memset(&s, 0, sizeof(s));
	s.first_tok = s.title_pos = -1;
	for (i = 0; i < n; i++)
		if (is_digit((unsigned char)p[i]) || p[i] == '\t')
			return 0;
	i = 0;
	while (i < n) {
		size_t a, b;
		int t, extra, comma = 0;

		while (i < n && p[i] == ' ')
			i++;
		if (i == n)
			break;
		a = i;
		while (i < n && p[i] != ' ')
			i++;
		b = i;
		/* opening marks */
		while (a < b && (p[a] == '(' || p[a] == '"')) {
			if (p[a] == '(') {
				if (in_paren || parens++)
					return 0;
				in_paren = 1;
			} else {
				if (in_quote)
					return 0;
				in_quote = 1;
			}
			a++;
		}
		extra = in_paren || in_quote;
		/* closing marks and a comma */
		while (a < b && (p[b - 1] == ')' || p[b - 1] == '"' ||
				 p[b - 1] == ',')) {
			if (p[b - 1] == ',') {
				if (comma || in_paren || in_quote || s.comma ||
				    b != i)
					return 0;
				comma = 1;
			} else if (p[b - 1] == ')') {
				if (!in_paren)
					return 0;
				in_paren = 0;
			} else {
				if (!in_quote)
					return 0;
				in_quote = 0;
			}
			b--;
		}
		if (a == b || memchr(p + a, ',', b - a) ||
		    memchr(p + a, '(', b - a) || memchr(p + a, ')', b - a) ||
		    memchr(p + a, '"', b - a))
			return 0;
		t = name_token(p + a, b - a);
		if (t < 0)
			return 0;
		if (extra) {
			if (++s.extras > 8)
				return 0;
		} else {
			if (s.suffix_last)
				return 0;	/* a suffix ends the name */
			if (s.first_tok < 0)
				s.first_tok = t;
			switch (t) {
			case TOK_WORD: s.words++; break;
			case TOK_INITIAL: s.initials++; break;
			case TOK_TITLE:
				if (s.titles++)
					return 0;
				s.title_pos = (int)s.tokens;
				break;
			case TOK_SUFFIX:
				s.suffixes++;
				s.suffix_last = !comma;
				break;
			default: break;
			}
			if (!s.comma && t != TOK_WORD && t != TOK_PARTICLE &&
			    t != TOK_SUFFIX)
				s.bad_last = 1;
			s.tokens++;
			if (s.tokens > 10)
				return 0;
		}
		if (comma) {
			s.comma = 1;
			s.last_words = s.words;
			s.last_tokens = s.tokens;
		}
	}
	if (in_paren || in_quote || s.initials > 3 || s.suffixes > 1)
		return 0;
	if (s.comma) {
		/* Last, First: 1-3 tokens of words and particles before the
		 * comma, a title, word or initial after it */
		size_t after = s.words - s.last_words + s.initials + s.titles;

		return !s.bad_last && s.last_words >= 1 && s.last_tokens <= 3 &&
		       s.tokens > s.last_tokens && after >= 1 && s.words <= 6;
	}
	if (s.titles)
		return s.title_pos == 0 && s.words >= 1 && s.words <= 4;
	return s.first_tok == TOK_WORD && s.words >= 2 && s.words <= 3 &&
	       s.initials <= 2 && s.tokens <= 6;
}

int pii_is_person_name(const char *s)
{
	const char *p = NULL;
	size_t n = span(s, &p);

	return n && person_name_n(p, n);
}

int pii_name_column(const char *name)
{
	static const char *const words[] = { "name", "names", "fullname",
		"first", "firstname", "forename", "given", "givenname",
		"middle", "last", "lastname", "surname", "familyname",
		"maiden", "fname", "lname", NULL };
	const char *p = name, *w;

	if (!name)
		return 0;
	while (*p) {
		size_t n;

		while (*p && !is_alpha((unsigned char)*p))
			p++;
		w = p;
		while (is_alpha((unsigned char)*p) &&
		       !(p > w && is_lower((unsigned char)p[-1]) &&
			 is_upper((unsigned char)*p)))
			p++;
		n = (size_t)(p - w);
		if (n && in_list(w, n, words, 1))
			return 1;
	}
	return 0;
}

/* ---- classification and the column tally ---- */

int pii_classify(const char *s)
{
	const char *p = NULL;
	size_t n = span(s, &p), i, digits = 0, alpha = 0;
	int at = 0, colon = 0;

	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		digits += is_digit(c);
		alpha += is_alpha(c) || c >= 0x80;
		at |= c == '@';
		colon |= c == ':';
	}
	if (at)
		return email_n(p, n) ? PII_EMAIL : -1;
	if (colon)
		return ipv6_n(p, n) ? PII_IP : -1;
	if (digits >= 2 && alpha >= 2 && iban_n(p, n))
		return PII_IBAN;
	if (!alpha) {
		if (digits >= 13 && card_n(p, n))
			return PII_CARD;
		if (ipv4_n(p, n))
			return PII_IP;
		if (digits >= 7 && phone_n(p, n))
			return PII_PHONE;
		return -1;
	}
	if (!digits && person_name_n(p, n))
		return PII_NAME;
	return -1;
}

void pii_col_init(struct pii_col *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->name_column = pii_name_column(name);
}

void pii_col_add(struct pii_col *c, const char *value)
{
	int t;

	if (!value) {
		c->missing++;
		return;
	}
	c->values++;
	t = pii_classify(value);
	if (t >= 0)
		c->matches[t]++;
}

void pii_col_merge(struct pii_col *into, const struct pii_col *from)
{
	int t;

	into->values += from->values;
	into->missing += from->missing;
	for (t = 0; t < PII_NTYPES; t++)
		into->matches[t] += from->matches[t];
}

double pii_col_share(const struct pii_col *c, enum pii_type t)
{
	if (!c->values || (unsigned)t >= PII_NTYPES)
		return 0;
	return (double)c->matches[t] / (double)c->values;
}

double pii_col_threshold(const struct pii_col *c, enum pii_type t,
			 double threshold)
{
	if (threshold <= 0)
		threshold = PII_THRESHOLD;
	if (t == PII_NAME && !c->name_column &&
	    threshold < PII_NAME_THRESHOLD_UNNAMED)
		threshold = PII_NAME_THRESHOLD_UNNAMED;
	return threshold;
}

unsigned pii_col_flags(const struct pii_col *c, double threshold)
{
	unsigned flags = 0;
	int t;

	for (t = 0; t < PII_NTYPES; t++)
		if (c->matches[t] &&
		    pii_col_share(c, (enum pii_type)t) >=
		    pii_col_threshold(c, (enum pii_type)t, threshold))
			flags |= 1u << t;
	return flags;
}

json_t *pii_col_json(const struct pii_col *c, double threshold)
{
	json_t *o = json_object(), *flagged = json_array(),
	       *matches = json_object(), *share = json_object();
	unsigned flags = pii_col_flags(c, threshold);
	int t, bad = !o || !flagged || !matches || !share;

	for (t = 0; !bad && t < PII_NTYPES; t++) {
		if (!c->matches[t])
			continue;
		if ((flags & (1u << t)) &&
		    json_array_append_new(flagged, json_string(type_names[t])) < 0)
			bad = 1;
		if (json_object_set_new(matches, type_names[t],
					json_integer((json_int_t)c->matches[t])) < 0 ||
		    json_object_set_new(share, type_names[t],
					json_real(pii_col_share(c, (enum pii_type)t))) < 0)
			bad = 1;
	}
	if (bad || json_object_set_new(o, "values",
				       json_integer((json_int_t)c->values)) < 0 ||
	    json_object_set(o, "flagged", flagged) < 0 ||
	    json_object_set(o, "matches", matches) < 0 ||
	    json_object_set(o, "share", share) < 0) {
		json_decref(o);
		o = NULL;
	}
	json_decref(flagged);
	json_decref(matches);
	json_decref(share);
	return o;
}

/* ---- masking ---- */

char *pii_mask(const char *s)
{
	struct buf b;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t kept = 0;

	buf_init(&b);
	while (*p) {
		char c;
		size_t len = 1;

		if (kept == PII_MASK_MAX) {
			if (buf_addstr(&b, "...") < 0)
				goto oom;
			break;
		}
		if (is_alpha(*p))
			c = 'x';
		else if (is_digit(*p))
			c = '9';
		else if (*p < 0x20 || *p == 0x7f)
			c = '?';
		else if (*p < 0x80)
			c = (char)*p;
		else {
			len = utf8_decode(p, NULL);
			if (!len)
				len = 1;
			c = 'x';
		}
		if (buf_addch(&b, c) < 0)
			goto oom;
		p += len;
		kept++;
	}
	return buf_detach(&b, NULL);
oom:
	buf_release(&b);
	return NULL;
}

int pii_mode_parse(const char *s, enum pii_mode *out)
{
	if (!s)
		return -1;
	if (!strcmp(s, "off"))
		*out = PII_MODE_OFF;
	else if (!strcmp(s, "warn"))
		*out = PII_MODE_WARN;
	else if (!strcmp(s, "fail"))
		*out = PII_MODE_FAIL;
	else
		return -1;
	return 0;
}
