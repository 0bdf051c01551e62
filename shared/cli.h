/*
 * cli.h - option tables, MLCI_<NAME> environment fallbacks, --help and
 * --version, and the one place an error is printed.
 *
 * This is the steps' edge of the core: it is the only shared module that
 * writes to stdout/stderr, and it does so only when a step asks it to.
 *
 * Every long option --some-name can also be set from the environment as
 * MLCI_SOME_NAME, or as MLCI_<STEP>_SOME_NAME (MLCI_TRAIN_MODEL for
 * mlci-train's --model) for one step only; the step's variable beats the
 * shared one, and a flag on the command line beats both. The shared names
 * suit options that mean the same everywhere (MLCI_LABEL, MLCI_TRIM); the
 * step names keep apart those that do not (--model is an algorithm to
 * mlci-train and a file to mlci-evaluate). A
 * repeatable option (CLI_LIST) read from the environment takes one value
 * per line. Flags (CLI_FLAG) read 1/true/yes or 0/false/no.
 *
 * A step may declare its own "version" option (mlci-package --version
 * VER): "--version VALUE" then sets it, and a bare --version still prints
 * mlci's version.
 */
#ifndef MLCI_CLI_H
#define MLCI_CLI_H

#include <stdio.h>

#include "error.h"

#define MLCI_VERSION "0.1.0"

enum cli_type {
	CLI_STR,	/* dest: const char **          --name VALUE */
	CLI_LIST,	/* dest: struct cli_list *      repeatable */
	CLI_LONG,	/* dest: long *                 strict integer */
	CLI_DOUBLE,	/* dest: double *               strict number */
	CLI_FLAG,	/* dest: int *                  --name sets 1 */
};

/* A repeatable option's values; owned by cli (free with cli_release). */
struct cli_list {
	const char **v;
	size_t n;
};

struct cli_opt {
	const char *name;	/* long name without "--"; NULL ends the table */
	enum cli_type type;
	void *dest;
	const char *arg;	/* metavariable shown in --help, e.g. "FILE" */
	const char *help;	/* one line */
};

struct cli_spec {
	const char *prog;	/* "mlci-train" */
	const char *usage;	/* "--data FILE --label COL --out FILE [options]" */
	const char *about;	/* one paragraph shown under the usage line */
	const struct cli_opt *opts;
	const char *more;	/* optional text after the option list */
	int max_positional;	/* how many bare arguments are allowed (0: none) */
};

enum cli_result {
	CLI_RUN = 0,		/* options parsed: run the step */
	CLI_DONE = 1,		/* --help or --version was printed: exit 0 */
};

/*
 * Parse argv (and the MLCI_* environment) into the option table's
 * destinations. Bare arguments go to pos (may be NULL when none are
 * allowed). Returns CLI_RUN, CLI_DONE, or -1 with err set (code 64).
 */
int cli_parse(const struct cli_spec *spec, int argc, char **argv,
	      struct cli_list *pos, struct mlci_err *err);

/* Free what cli_parse allocated for the table's lists and pos. */
void cli_release(const struct cli_spec *spec, struct cli_list *pos);

/* Print --help text to fp. */
void cli_help(const struct cli_spec *spec, FILE *fp);

/* Fail with a usage error unless value is set: "--NAME is required". */
int cli_require(const char *name, const char *value, struct mlci_err *err);

/* Print "prog: <error>" once on stderr; return the exit code to use
 * (70 if err carries none). */
int cli_report(const char *prog, const struct mlci_err *err);

/* A step's last word: stdout flushed; rc, or 74 with one line saying why
 * standard output could not be written (a summary or a --json report
 * lost to a full disk is an error, not a success). */
int cli_finish_stdout(const char *prog, int rc);

/* Print "prog: warning: <msg>" on stderr. */
void cli_warn(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
