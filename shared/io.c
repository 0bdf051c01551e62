#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open a character device or a FIFO path names for writing, as a shell's
 * '>' does: nothing to rename over it (it is no file of ours). */
static int open_direct(struct afile *f, const char *path, struct mlci_err *err)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, MLCI_EXIT_CANTCREAT, path, "cannot open: %s",
			       strerror(errno));
	f->path = strdup(path);
	f->fp = f->path ? fdopen(fd, "w") : NULL;
	if (!f->fp) {
		close(fd);
		free(f->path);
		memset(f, 0, sizeof(*f));
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
	}
	f->direct = 1;
	return 0;
}

int afile_open(struct afile *f, const char *path, struct mlci_err *err)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen, n;
	char *real = NULL;
	struct stat st, lst;
	int fd;

	memset(f, 0, sizeof(*f));
	if (!*path || (slash && !slash[1]))
		return err_set(err, MLCI_EXIT_CANTCREAT, path, "not a file name");
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return err_set(err, MLCI_EXIT_CANTCREAT, path,
				       "cannot create: is a directory");
		/* /dev/null, /dev/stdout, a FIFO: written through */
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
			return open_direct(f, path, err);
		if (!S_ISREG(st.st_mode))
			return err_set(err, MLCI_EXIT_CANTCREAT, path,
				       "cannot create: not a regular file");
		/* a symbolic link to a file: the file is replaced, in its
		 * own directory, and the link stays */
		if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			real = realpath(path, NULL);
			if (!real)
				return err_set(err, MLCI_EXIT_CANTCREAT, path,
					       "cannot resolve the link: %s",
					       strerror(errno));
		}
	} else if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		return err_set(err, MLCI_EXIT_CANTCREAT, path,
			       "cannot create: a symbolic link to nothing");
	}
	f->path = real ? real : strdup(path);
	if (!f->path) {
		afile_abort(f);
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
	}
	/* errors name the path as given; the temporary goes beside the
	 * file replaced */
	slash = strrchr(f->path, '/');
	dirlen = slash ? (size_t)(slash - f->path) + 1 : 0;
	n = strlen(f->path) + 32;
	f->tmp = malloc(n);
	if (!f->tmp) {
		afile_abort(f);
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
	}
	snprintf(f->tmp, n, "%.*s.%s.tmp-XXXXXX", (int)dirlen, f->path,
		 f->path + dirlen);
	fd = mkstemp(f->tmp);
	if (fd < 0) {
		int e = errno;

		free(f->tmp);
		f->tmp = NULL;
		afile_abort(f);
		return err_set(err, MLCI_EXIT_CANTCREAT, path,
			       "cannot create: %s", strerror(e));
	}
	/* artifacts are shared with the CI job's other steps: 0644 */
	fchmod(fd, 0644);
	f->fp = fdopen(fd, "w");
	if (!f->fp) {
		close(fd);
		afile_abort(f);
		return err_set(err, MLCI_EXIT_CANTCREAT, path, "cannot open");
	}
	return 0;
}

int afile_commit(struct afile *f, struct mlci_err *err)
{
	int bad;

	if (!f->fp)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "file not open");
	if (f->direct) {
		bad = fflush(f->fp) != 0 || ferror(f->fp);
		if (fclose(f->fp) != 0)
			bad = 1;
		f->fp = NULL;
		if (bad)
			err_set(err, MLCI_EXIT_IOERR, f->path, "cannot write: %s",
				strerror(errno));
		free(f->path);
		memset(f, 0, sizeof(*f));
		return bad ? -1 : 0;
	}
	bad = fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0;
	if (fclose(f->fp) != 0)
		bad = 1;
	f->fp = NULL;
	if (bad || rename(f->tmp, f->path) != 0) {
		int e = errno;

		err_set(err, MLCI_EXIT_IOERR, f->path, "cannot write: %s",
			strerror(e));
		afile_abort(f);
		return -1;
	}
	free(f->tmp);
	free(f->path);
	memset(f, 0, sizeof(*f));
	return 0;
}

void afile_abort(struct afile *f)
{
	if (f->fp)
		fclose(f->fp);
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

int write_file_atomic(const char *path, const void *data, size_t n,
		      struct mlci_err *err)
{
	struct afile f;

	if (afile_open(&f, path, err) < 0)
		return -1;
	if (n && fwrite(data, 1, n, f.fp) != n) {
		afile_abort(&f);
		return err_set(err, MLCI_EXIT_IOERR, path, "cannot write");
	}
	return afile_commit(&f, err);
}

int read_file(const char *path, char **data, size_t *n, size_t max,
	      struct mlci_err *err)
{
	FILE *fp;
	char *d = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	*data = NULL;
	if (n)
		*n = 0;
	if (!max)
		max = (size_t)1 << 30;
	fp = fopen(path, "rb");
	if (!fp)
		return err_set(err, MLCI_EXIT_NOINPUT, path, "cannot open: %s",
			       strerror(errno));
	if (fstat(fileno(fp), &st) != 0)
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode)) {
		fclose(fp);
		return err_set(err, MLCI_EXIT_NOINPUT, path, "is a directory");
	}
	/* a regular file's size is known: refuse it before reading any of
	 * it (a sparse 10 GB file costs nothing to make) */
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		fclose(fp);
		return err_set(err, MLCI_EXIT_DATAERR, path,
			       "larger than the %zu-byte limit", max);
	}
	for (;;) {
		size_t got;

		if (cap - len < 65536 + 1) {
			char *nd;

			cap = cap ? cap * 2 : 65536 * 2;
			/* never more than the limit and one read past it, so a
			 * pipe that never ends costs at most max bytes */
			if (cap > max + 65536 + 2)
				cap = max + 65536 + 2;
			nd = realloc(d, cap);
			if (!nd) {
				free(d);
				fclose(fp);
				return err_set(err, MLCI_EXIT_SOFTWARE, path,
					       "out of memory");
			}
			d = nd;
		}
		got = fread(d + len, 1, cap - len - 1, fp);
		len += got;
		if (len > max) {
			free(d);
			fclose(fp);
			return err_set(err, MLCI_EXIT_DATAERR, path,
				       "larger than the %zu-byte limit", max);
		}
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		free(d);
		fclose(fp);
		return err_set(err, MLCI_EXIT_IOERR, path, "read error");
	}
	fclose(fp);
	d[len] = '\0';
	*data = d;
	if (n)
		*n = len;
	return 0;
}

/* path with its directory resolved (the file itself may not exist yet);
 * NULL when the directory does not exist either. Caller frees. */
static char *resolve_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real, *out = NULL;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return NULL;
	real = realpath(dir, NULL);
	free(dir);
	if (real && asprintf(&out, "%s/%s", real, slash ? slash + 1 : path) < 0)
		out = NULL;
	free(real);
	return out;
}

int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ra, *rb;
	int same;

	if (!strcmp(a, b))
		return 1;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	ra = resolve_dir(a);
	rb = resolve_dir(b);
	same = ra && rb && !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

int check_output_paths(const struct path_role *out, size_t nout,
		       const struct path_role *in, size_t nin,
		       struct mlci_err *err)
{
	size_t i, j;

	for (i = 0; i < nout; i++) {
		if (!out[i].path)
			continue;
		for (j = 0; j < i; j++)
			if (out[j].path && same_file(out[i].path, out[j].path))
				return err_set(err, MLCI_EXIT_USAGE, NULL,
					       "%s and %s name the same file '%s'",
					       out[j].opt, out[i].opt, out[i].path);
		for (j = 0; j < nin; j++)
			if (in[j].path && same_file(out[i].path, in[j].path))
				return err_set(err, MLCI_EXIT_USAGE, NULL,
					       "%s '%s' would overwrite the %s input",
					       out[i].opt, out[i].path, in[j].opt);
	}
	return 0;
}

int mkdir_p(const char *path, struct mlci_err *err)
{
	char *p = strdup(path), *s;

	if (!p)
		return err_set(err, MLCI_EXIT_SOFTWARE, path, "out of memory");
	for (s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				int e = errno;

				free(p);
				return err_set(err, MLCI_EXIT_CANTCREAT, path,
					       "cannot create directory: %s",
					       strerror(e));
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}
