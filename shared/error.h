/*
 * error.h - the one exit-code table and the error record every core
 * function fills.
 *
 * Core functions return 0 on success and -1 on failure; on failure they
 * fill a caller-supplied struct mlci_err with the exit code the step
 * should end with, the file (and line and column) the problem is in, and
 * a one-line message. The core never prints and never exits: the step
 * prints the error once (cli_report) and returns err.code from main().
 */
#ifndef MLCI_ERROR_H
#define MLCI_ERROR_H

#include <stddef.h>

/* Exit codes, following sysexits.h; no step exits with anything else. */
enum mlci_exit {
	MLCI_EXIT_OK = 0,		/* success; the gate passed */
	MLCI_EXIT_VERDICT = 1,		/* negative verdict: gate failed, data invalid */
	MLCI_EXIT_INCONCLUSIVE = 3,	/* not enough evidence (gate only) */
	MLCI_EXIT_USAGE = 64,		/* usage error */
	MLCI_EXIT_DATAERR = 65,		/* malformed input */
	MLCI_EXIT_NOINPUT = 66,		/* input missing or unreadable */
	MLCI_EXIT_SOFTWARE = 70,	/* internal error */
	MLCI_EXIT_CANTCREAT = 73,	/* cannot create an output */
	MLCI_EXIT_IOERR = 74,		/* I/O error */
	MLCI_EXIT_TEMPFAIL = 75,	/* temporary failure: retry */
};

struct mlci_err {
	int code;		/* one of enum mlci_exit; 0 when clear */
	char file[512];		/* file the error is about, or "" */
	long line;		/* 1-based line, 0 when not applicable */
	long col;		/* 1-based column, 0 when not applicable */
	char msg[512];		/* one line, no trailing newline, no secrets */
};

/* Reset err to "no error". */
void err_clear(struct mlci_err *err);

/* Record an error about FILE (may be NULL); returns -1 so callers can
 * write `return err_set(...)`. A NULL err is allowed and ignored. */
int err_set(struct mlci_err *err, int code, const char *file,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* As err_set, with a 1-based line and column (0 for unknown). */
int err_set_at(struct mlci_err *err, int code, const char *file, long line,
	       long col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Write "file:line:col: msg" (parts omitted when unknown) into out. */
void err_format(const struct mlci_err *err, char *out, size_t n);

/* The short name of an exit code, e.g. "usage" for 64. */
const char *exit_code_name(int code);

#endif
