/*
 * util.h - strict number parsing and a growable byte buffer.
 *
 * Numbers are parsed in the C locale (no step calls setlocale), all of
 * the string must be the number, and NaN, infinities and hex forms are
 * refused: a bad number is an error for the caller to report, never a
 * silent zero.
 */
#ifndef MLCI_UTIL_H
#define MLCI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The n <= 8 bytes at s as memcpy into a zeroed word puts them: on a
 * little-endian machine two overlapping loads, no call. */
static inline uint64_t load_upto8(const unsigned char *s, size_t n)
{
	uint64_t w = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n >= 8) {
		memcpy(&w, s, 8);
	} else if (n >= 4) {
		uint32_t lo, hi;

		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		w = lo | (uint64_t)hi << (8 * (n - 4));
	} else if (n >= 2) {
		uint16_t lo, hi;

		memcpy(&lo, s, 2);
		memcpy(&hi, s + n - 2, 2);
		w = lo | (uint64_t)hi << (8 * (n - 2));
	} else if (n) {
		w = s[0];
	}
#else
	memcpy(&w, s, n);
#endif
	return w;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The n (1 to 8) bytes at s as a decimal number, when all are digits:
 * one word, shifted so that the digits lead with zeros, converted with
 * three multiplications. 1, or 0 when a byte is not a digit. */
static inline int digits_upto8(const unsigned char *s, size_t n, uint64_t *out)
{
	uint64_t w = load_upto8(s, n);

	/* leading '0's in the low bytes: the first digit is the low byte */
	if (n < 8)
		w = w << (8 * (8 - n)) | (0x3030303030303030ULL >> (8 * n));
	/* every byte 0x30..0x39 */
	if ((w & 0xf0f0f0f0f0f0f0f0ULL) != 0x3030303030303030ULL ||
	    ((w + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) !=
	    0x3030303030303030ULL)
		return 0;
	w -= 0x3030303030303030ULL;
	w = w * 10 + (w >> 8);
	w = (((w & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
	     (((w >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >> 32;
	*out = w;
	return 1;
}
#endif

/* Parse a whole decimal integer; 0 on success, -1 on anything else. */
int parse_long(const char *s, long *out);

/* Parse a whole finite decimal number; 0 on success, -1 otherwise. */
int parse_double(const char *s, double *out);

/* As parse_double for the n bytes at s (not NUL-terminated). */
int parse_double_n(const char *s, size_t n, double *out);

/*
 * A growable buffer, never NULL-data once initialised: buf_init gives an
 * empty string; buf_release frees; buf_detach hands the memory to the
 * caller (free() it) and leaves the buffer empty. Appends return 0, or -1
 * when memory runs out or max (0 = unlimited) would be exceeded.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);

/* Length (1-4) of the well-formed UTF-8 sequence at s, or 0 when it is
 * not one (overlong, surrogate, beyond U+10FFFF, truncated); *cp (may be
 * NULL) gets the code point. */
size_t utf8_decode(const unsigned char *s, unsigned *cp);

/* 1 when the NUL-terminated s is entirely well-formed UTF-8. */
int utf8_valid(const char *s);

/* The length of s's longest prefix of at most max bytes that does not
 * end inside a UTF-8 sequence, as an int for "%.*s": a name cut to fit
 * a message stays valid UTF-8 (JSON strings must be). */
int utf8_cut(const char *s, size_t max);

/* Format a double the way every report prints numbers: the shortest
 * "%.*g" that reads back to the same value. */
void fmt_double(char *out, size_t n, double v);

/* The online CPUs, 1 to 256. */
int online_cpus(void);

/* qsort's comparison of two uint64_t. */
int cmp_u64(const void *a, const void *b);

/* A fit's r2 from its residual and total sums of squares: constant
 * labels give 1 when fitted exactly, else 0 (metrics.h's convention). */
static inline double r2_of_sums(double rss, double tss)
{
	return tss > 0 ? 1 - rss / tss : (rss == 0 ? 1 : 0);
}

/* A test knob: the environment variable name as a whole number when it
 * is set and at least min, else dflt (a bad value is ignored: a knob
 * never makes a step refuse to run). */
long env_knob(const char *name, long min, long dflt);

#endif
