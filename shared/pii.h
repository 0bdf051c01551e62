/*
 * pii.h - personal data in a column: what one value looks like, a
 * streaming per-column tally, and masking for reports.
 *
 * Pure functions: no I/O, no allocation except pii_mask's result and
 * pii_col_json's. Every classifier first strips ASCII blanks (space, tab)
 * around the value, and takes at most PII_MAX_VALUE bytes (longer values
 * are free text, never a match).
 *
 * What each type accepts (and the near misses it refuses on purpose):
 *
 *   email  local@domain.tld, a practical RFC 5322 subset: the local part
 *          is dot-atoms of letters, digits and !#$%&'*+/=?^_`{|}~- (no
 *          quoted strings, no leading, trailing or double dot, at most 64
 *          bytes); the domain has at least two labels of letters, digits
 *          and inner hyphens (1-63 bytes each, at most 253 in all) and a
 *          top-level label of at least two letters (no IP literals). Bytes
 *          >= 0x80 count as letters (internationalised addresses). No
 *          spaces anywhere.
 *   phone  '+' then 7-15 digits (E.164: the first digit is not 0), spaces,
 *          dashes, dots or one pair of parentheses allowed between digits;
 *          or a national form with separators: 7-15 digits with a
 *          parenthesised group ("(030) 1234567", "(555) 123-4567"), or at
 *          least 9 digits in at least 3 groups ("555-123-4567",
 *          "020 7946 0958", "06 12 34 56 78"). So plain integers, decimals
 *          ("1234567.89"), ZIP+4 codes ("12345-6789"), two-group codes
 *          and short version strings never match. Also refused without '+'
 *          or parentheses: dates (three groups, a 4-digit group first or
 *          last, the others 1-2 digits: "2012-01-01", "01.02.2012") and
 *          thousands grouping (1-3 digits, then groups of exactly 3:
 *          "1 234 567 890"). Missed on purpose: "030 1234567" and other
 *          two-group national numbers without '+' or parentheses.
 *   card   13-19 digits, single spaces or dashes allowed between digit
 *          groups, passing the Luhn check, with a known issuer prefix and
 *          a length that issuer uses: Visa 4 (13, 16, 19), Mastercard
 *          51-55 and 2221-2720 (16), American Express 34, 37 (15),
 *          Discover 6011, 644-649, 65 (16-19), Diners Club 300-305, 36,
 *          38-39 (14-19), JCB 3528-3589 (16-19), UnionPay 62 (16-19).
 *          Maestro and other issuers are not recognised. A random 16-digit
 *          integer with one of these prefixes passes Luhn one time in ten,
 *          so an ID column with such numbers can match ~10% of its values:
 *          below any sensible threshold.
 *   iban   country code, 2 check digits (02-98), BBAN of letters and
 *          digits; the total length that country uses in the SWIFT IBAN
 *          registry (82 countries, every SEPA country among them); ISO
 *          7064 mod-97 == 1. Spaces between groups are allowed, letters
 *          may be lower case. The BBAN's per-country letter/digit layout
 *          is not checked (the mod-97 check catches nearly all typos).
 *   ip     IPv4 dotted quad, each part 0-255 without leading zeros ("0"
 *          alone is fine), or IPv6 as inet_pton(AF_INET6) reads it (so
 *          "::ffff:1.2.3.4" too; no zone index, no brackets). Version
 *          strings with four parts below 256 ("1.2.3.4") do match.
 *   person_name
 *          a heuristic: 2-3 capitalised words ("John Smith", "Mary Ann
 *          O'Neill", "José Müller"), allowing initials ("John F. Kennedy"),
 *          lower-case particles (van, de, von, ...) and suffixes (Jr, III);
 *          or a title (Mr, Mrs, Ms, Miss, Dr, Prof, Master, Rev, Don, ...)
 *          with at least one capitalised word ("Dr. Smith"); or "Last,
 *          First" with up to six words, a title, a parenthesised part and
 *          a quoted nickname ("Braund, Mr. Owen Harris", "Cumings, Mrs.
 *          John Bradley (Florence Briggs Thayer)"). No digits. A word is a
 *          capital letter then at least one small letter (inner capitals
 *          after a small letter, hyphens and apostrophes allowed: McDonald,
 *          Smith-Jones, D'Angelo). Precision/recall: two capitalised words
 *          are also place, product and team names ("New York", "Apple
 *          Watch"), so a column whose name does not look like a name
 *          column needs PII_NAME_THRESHOLD_UNNAMED of its values to match;
 *          ALL-CAPS names, lower-case names and single-word names are
 *          missed (recall traded for precision).
 *
 * A value counts for at most one type, the most specific that matches,
 * in this order: email, iban, card, ip, phone, person_name.
 */
#ifndef MLCI_PII_H
#define MLCI_PII_H

#include <stddef.h>

#include <jansson.h>

enum pii_type {
	PII_EMAIL,
	PII_PHONE,
	PII_CARD,
	PII_IBAN,
	PII_IP,
	PII_NAME,
	PII_NTYPES
};

#define PII_MAX_VALUE 256		/* longer values never match */
#define PII_THRESHOLD 0.5		/* default share to flag a column */
#define PII_NAME_THRESHOLD_UNNAMED 0.8	/* person names, column not name-like */
#define PII_MASK_MAX 64			/* characters kept by pii_mask */

/* "email", "phone", "card", "iban", "ip", "person_name". */
const char *pii_type_name(enum pii_type t);

/* Parse a type name; 0, or -1 when unknown. */
int pii_type_parse(const char *s, enum pii_type *out);

/* The type value s looks like, or -1 for none (see the order above). */
int pii_classify(const char *s);

/* Each 1 when s (blanks around it ignored) is such a value. */
int pii_is_email(const char *s);
int pii_is_phone(const char *s);
int pii_is_card(const char *s);
int pii_is_iban(const char *s);
int pii_is_ipv4(const char *s);
int pii_is_ipv6(const char *s);
int pii_is_ip(const char *s);
int pii_is_person_name(const char *s);

/* 1 when the n ASCII digits at d pass the Luhn check (n >= 2). */
int pii_luhn_ok(const char *d, size_t n);

/* 1 when a column called name is likely to hold person names: one of its
 * words (split at non-letters and lower-to-upper case changes) is name,
 * names, fullname, first, firstname, forename, given, givenname, middle,
 * last, lastname, surname, familyname or maiden, in any case. */
int pii_name_column(const char *name);

/*
 * One column's tally, fed one value at a time: bounded memory (a few
 * counters), so it streams, and two tallies of one column's shards merge
 * exactly (pii_col_merge). Initialise with pii_col_init; nothing to free.
 */
struct pii_col {
	int name_column;		/* pii_name_column() of the column's name */
	size_t values;			/* non-missing values fed */
	size_t missing;			/* NULL values fed */
	size_t matches[PII_NTYPES];	/* values classified as each type */
};

/* Start a tally for the column called name (may be NULL). */
void pii_col_init(struct pii_col *c, const char *name);

/* Feed one value; NULL is a missing value. */
void pii_col_add(struct pii_col *c, const char *value);

/* Add the counts of from (another shard of the same column) to into. */
void pii_col_merge(struct pii_col *into, const struct pii_col *from);

/* matches[t] / values, 0 when there are no values. */
double pii_col_share(const struct pii_col *c, enum pii_type t);

/*
 * The share at which c is flagged for t: threshold (PII_THRESHOLD when
 * threshold <= 0), except person names in a column whose name does not
 * look like a name column: at least PII_NAME_THRESHOLD_UNNAMED.
 */
double pii_col_threshold(const struct pii_col *c, enum pii_type t,
			 double threshold);

/* Bit (1u << t) set for each type whose share reaches its threshold;
 * 0 for a column without values. */
unsigned pii_col_flags(const struct pii_col *c, double threshold);

/*
 * The tally as a report object: {"values": N, "flagged": [type...],
 * "matches": {type: N}, "share": {type: x}} with only the types that
 * matched at least once. New reference, or NULL on out of memory.
 */
json_t *pii_col_json(const struct pii_col *c, double threshold);

/*
 * A masked copy of s for reports, which reveals no letter or digit of it:
 * every ASCII letter becomes 'x', every digit '9', every other non-ASCII
 * character (or invalid byte) 'x', control characters '?', and ASCII
 * punctuation and spaces stay, so "ann.lee@mail.example" reads
 * "xxx.xxx@xxxx.xxxxxxx" and "+44 20 7946 0958" reads "+99 99 9999 9999".
 * At most PII_MASK_MAX characters are kept, then "...". No hash is added:
 * a hash of a phone or card number is reversed by trying them all.
 * Caller frees; NULL on out of memory.
 */
char *pii_mask(const char *s);

/* What --pii asks for: off, warn (anomalies are warnings) or fail. */
enum pii_mode { PII_MODE_OFF, PII_MODE_WARN, PII_MODE_FAIL };

/* Parse "off", "warn" or "fail"; 0, or -1 when it is none of them. */
int pii_mode_parse(const char *s, enum pii_mode *out);

#endif
