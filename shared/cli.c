#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct cli_opt *find_opt(const struct cli_spec *spec,
				      const char *name, size_t len)
{
	const struct cli_opt *o;

	for (o = spec->opts; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

/* Append name upper-cased, '-' as '_'. */
static size_t env_part(char *out, size_t i, size_t n, const char *name)
{
	for (; *name && i + 1 < n; name++, i++)
		out[i] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
	out[i] = '\0';
	return i;
}

/* MLCI_<OPT>, or with the step's name first, MLCI_<STEP>_<OPT>. */
static void env_name(const char *prog, const char *opt, char *out, size_t n)
{
	size_t i = (size_t)snprintf(out, n, "MLCI_");

	if (prog) {
		if (!strncmp(prog, "mlci-", 5))
			prog += 5;
		i = env_part(out, i, n, prog);
		if (i + 1 < n)
			out[i++] = '_';
	}
	env_part(out, i, n, opt);
}

static int list_push(struct cli_list *l, const char *v)
{
	const char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	char *copy = strdup(v);

	if (!nv || !copy) {
		free(copy);
		if (nv)
			l->v = nv;
		return -1;
	}
	nv[l->n++] = copy;
	l->v = nv;
	return 0;
}

static void list_free(struct cli_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free((char *)l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int set_value(const struct cli_opt *o, const char *v, const char *from,
		     struct mlci_err *err)
{
	switch (o->type) {
	case CLI_STR:
		*(const char **)o->dest = v;
		return 0;
	case CLI_LIST:
		if (list_push(o->dest, v) < 0)
			return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		return 0;
	case CLI_LONG:
		if (parse_long(v, (long *)o->dest) < 0)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "%s --%s: expected an integer, found '%s'",
				       from, o->name, v);
		return 0;
	case CLI_DOUBLE:
		if (parse_double(v, (double *)o->dest) < 0)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "%s --%s: expected a number, found '%s'",
				       from, o->name, v);
		return 0;
	case CLI_FLAG:
		if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
			*(int *)o->dest = 1;
		else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !*v)
			*(int *)o->dest = 0;
		else
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "%s --%s: expected 1/true/yes or 0/false/no, found '%s'",
				       from, o->name, v);
		return 0;
	}
	return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "bad option type");
}

static int apply_env(const struct cli_spec *spec, const unsigned char *seen,
		     struct mlci_err *err)
{
	const struct cli_opt *o;
	char name[128], from[160];
	size_t i;

	for (o = spec->opts, i = 0; o && o->name; o++, i++) {
		const char *v;

		if (seen[i])
			continue;
		/* the step's own variable beats the shared one */
		/* an empty variable is not set (a CI template's empty input) */
		env_name(spec->prog, o->name, name, sizeof(name));
		v = getenv(name);
		if (!v || !*v) {
			env_name(NULL, o->name, name, sizeof(name));
			v = getenv(name);
		}
		if (!v || !*v)
			continue;
		snprintf(from, sizeof(from), "environment %s for", name);
		if (o->type == CLI_LIST) {
			/* one value per line; empty lines ignored */
			const char *p = v;

			while (*p) {
				const char *e = strchr(p, '\n');
				size_t len = e ? (size_t)(e - p) : strlen(p);
				char *one;

				if (len) {
					one = strndup(p, len);
					if (!one || set_value(o, one, from, err) < 0) {
						free(one);
						return err->code ? -1 :
							err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
					}
					free(one);
				}
				p += len + (e ? 1 : 0);
			}
		} else if (set_value(o, v, from, err) < 0) {
			return -1;
		}
	}
	return 0;
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv,
	      struct cli_list *pos, struct mlci_err *err)
{
	const struct cli_opt *o;
	unsigned char *seen;
	size_t nopts = 0;
	int i, rc = -1, only_pos = 0;

	for (o = spec->opts; o && o->name; o++)
		nopts++;
	seen = calloc(nopts + 1, 1);
	if (!seen)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		size_t len;

		if (only_pos || a[0] != '-' || !a[1]) {
			if (!pos || (spec->max_positional >= 0 &&
				     pos->n >= (size_t)spec->max_positional)) {
				err_set(err, MLCI_EXIT_USAGE, NULL,
					"unexpected argument '%s' (see --help)", a);
				goto done;
			}
			if (list_push(pos, a) < 0) {
				err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
				goto done;
			}
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			cli_help(spec, stdout);
			rc = CLI_DONE;
			goto done;
		}
		/* a step with its own --version VALUE (mlci-package) keeps
		 * the bare flag for mlci's version */
		if (!strcmp(a, "--version") &&
		    !(find_opt(spec, "version", 7) && i + 1 < argc &&
		      strncmp(argv[i + 1], "--", 2))) {
			printf("%s %s\n", spec->prog, MLCI_VERSION);
			rc = CLI_DONE;
			goto done;
		}
		if (a[1] != '-') {
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"unknown option '%s' (see --help)", a);
			goto done;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		o = find_opt(spec, a, len);
		if (!o) {
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"unknown option '--%.*s' (see --help)", (int)len, a);
			goto done;
		}
		if (o->type == CLI_FLAG) {
			val = eq ? eq + 1 : "1";
		} else if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			err_set(err, MLCI_EXIT_USAGE, NULL,
				"option '--%s' needs a value", o->name);
			goto done;
		}
		seen[o - spec->opts] = 1;
		if (set_value(o, val, "option", err) < 0)
			goto done;
	}
	if (apply_env(spec, seen, err) < 0)
		goto done;
	rc = CLI_RUN;
done:
	free(seen);
	return rc;
}

void cli_release(const struct cli_spec *spec, struct cli_list *pos)
{
	const struct cli_opt *o;

	for (o = spec->opts; o && o->name; o++)
		if (o->type == CLI_LIST)
			list_free(o->dest);
	list_free(pos);
}

void cli_help(const struct cli_spec *spec, FILE *fp)
{
	const struct cli_opt *o;
	char left[96], env[128];

	fprintf(fp, "usage: %s %s\n\n", spec->prog, spec->usage);
	if (spec->about)
		fprintf(fp, "%s\n\n", spec->about);
	fprintf(fp, "options:\n");
	for (o = spec->opts; o && o->name; o++) {
		if (o->type == CLI_FLAG)
			snprintf(left, sizeof(left), "--%s", o->name);
		else
			snprintf(left, sizeof(left), "--%s %s", o->name,
				 o->arg ? o->arg : "VALUE");
		env_name(NULL, o->name, env, sizeof(env));
		fprintf(fp, "  %-26s %s [%s]\n", left, o->help, env);
	}
	fprintf(fp, "  %-26s %s\n", "--help", "print this help and exit");
	fprintf(fp, "  %-26s %s\n", "--version", "print the version and exit");
	env_name(spec->prog, "NAME", env, sizeof(env));
	fprintf(fp, "\nEvery option can also be set as MLCI_NAME (shown in brackets), or as\n"
		    "%s for this step only, which wins; a flag beats both.\n"
		    "An empty variable counts as not set.\n", env);
	if (spec->more)
		fprintf(fp, "\n%s", spec->more);
	fprintf(fp, "\nexit codes: 0 ok, 1 negative verdict, 3 inconclusive, 64 usage,\n"
		    "65 malformed input, 66 missing input, 70 internal error,\n"
		    "73 cannot create output, 74 I/O error, 75 temporary failure\n");
}

int cli_require(const char *name, const char *value, struct mlci_err *err)
{
	if (value && *value)
		return 0;
	return err_set(err, MLCI_EXIT_USAGE, NULL, "--%s is required (see --help)", name);
}

int cli_finish_stdout(const char *prog, int rc)
{
	struct mlci_err err = {0};

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	/* an earlier write failed when errno is 0 here: its reason is gone */
	if (errno)
		err_set(&err, MLCI_EXIT_IOERR, "standard output", "cannot write: %s",
			strerror(errno));
	else
		err_set(&err, MLCI_EXIT_IOERR, "standard output",
			"cannot write (a write to it failed)");
	return cli_report(prog, &err);
}

int cli_report(const char *prog, const struct mlci_err *err)
{
	char line[1200], *c;

	err_format(err, line, sizeof(line));
	/* one line, whatever a file name holds */
	for (c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	fprintf(stderr, "%s: %s\n", prog, line);
	return err->code ? err->code : MLCI_EXIT_SOFTWARE;
}

void cli_warn(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
