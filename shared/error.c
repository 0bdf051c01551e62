#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct mlci_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

static void err_vset(struct mlci_err *err, int code, const char *file,
		     long line, long col, const char *fmt, va_list ap)
{
	char *nl;

	err->code = code;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->col = col;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	/* keep the message to one line whatever was formatted into it */
	while ((nl = strpbrk(err->msg, "\r\n")) != NULL)
		*nl = ' ';
}

int err_set(struct mlci_err *err, int code, const char *file,
	    const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	err_vset(err, code, file, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int err_set_at(struct mlci_err *err, int code, const char *file, long line,
	       long col, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	err_vset(err, code, file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

void err_format(const struct mlci_err *err, char *out, size_t n)
{
	if (err->file[0] && err->line > 0 && err->col > 0)
		snprintf(out, n, "%s:%ld:%ld: %s", err->file, err->line,
			 err->col, err->msg);
	else if (err->file[0] && err->line > 0)
		snprintf(out, n, "%s:%ld: %s", err->file, err->line, err->msg);
	else if (err->file[0])
		snprintf(out, n, "%s: %s", err->file, err->msg);
	else
		snprintf(out, n, "%s", err->msg);
}

const char *exit_code_name(int code)
{
	switch (code) {
	case MLCI_EXIT_OK: return "ok";
	case MLCI_EXIT_VERDICT: return "verdict";
	case MLCI_EXIT_INCONCLUSIVE: return "inconclusive";
	case MLCI_EXIT_USAGE: return "usage";
	case MLCI_EXIT_DATAERR: return "dataerr";
	case MLCI_EXIT_NOINPUT: return "noinput";
	case MLCI_EXIT_SOFTWARE: return "software";
	case MLCI_EXIT_CANTCREAT: return "cantcreat";
	case MLCI_EXIT_IOERR: return "ioerr";
	case MLCI_EXIT_TEMPFAIL: return "tempfail";
	}
	return "unknown";
}
