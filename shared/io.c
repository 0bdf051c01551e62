#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An afile's stream writes through its descriptor and keeps the first
 * failed write's errno: stdio keeps only an error flag, and by the time
 * the file is committed errno says something else. */
struct afile_sink {
	int fd;
	int err;
};

static ssize_t sink_write(void *c, const char *buf, size_t n)
{
	struct afile_sink *k = c;
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(k->fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!k->err)
				k->err = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;	/* short: stdio sets its error flag */
}

static int sink_close(void *c)
{
	struct afile_sink *k = c;
	int rc = close(k->fd);

	if (rc != 0 && !k->err)
		k->err = errno;
	k->fd = -1;
	return rc;
}

/* f->fp over fd (which it owns from here, even on failure). */
static int sink_open(struct afile *f, int fd)
{
	cookie_io_functions_t io = { NULL, sink_write, NULL, sink_close };

	f->sink = malloc(sizeof(*f->sink));
	if (f->sink) {
		f->sink->fd = fd;
		f->sink->err = 0;
		f->fp = fopencookie(f->sink, "w", io);
	}
	if (!f->fp) {
		close(fd);
		free(f->sink);
		f->sink = NULL;
		return -1;
	}
	return 0;
}

const char *afile_error(const struct afile *f)
{
	return strerror(f->sink && f->sink->err ? f->sink->err : errno);
}

int afile_fd(const struct afile *f)
{
	return f->sink ? f->sink->fd : -1;
}

/* Open a character device or a FIFO path names for writing, as a shell's
 * '>' does: nothing to rename over it (it is no file of ours). */
static int open_direct(struct afile *f, const char *path, struct mlci_err *err)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, MLCI_EXIT_CANTCREAT, path, "cannot open: %s",
			       strerror(errno));
	f->path = strdup(path);
	if (!f->path || sink_open(f, fd) < 0) {
		if (!f->path)
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
	if (sink_open(f, fd) < 0) {
		afile_abort(f);
		return err_set(err, MLCI_EXIT_CANTCREAT, path, "cannot open");
	}
	return 0;
}

/* Flush and close f->fp (fsync first unless direct): 0, or the errno of
 * the first thing that failed (a write before this one included). */
static int close_stream(struct afile *f)
{
	int e = 0;

	if (fflush(f->fp) != 0 || ferror(f->fp))
		e = errno ? errno : EIO;
	if (!e && !f->direct && fsync(f->sink->fd) != 0)
		e = errno;
	if (fclose(f->fp) != 0 && !e)
		e = errno ? errno : EIO;
	f->fp = NULL;
	if (f->sink->err)
		e = f->sink->err;
	free(f->sink);
	f->sink = NULL;
	return e;
}

int afile_commit(struct afile *f, struct mlci_err *err)
{
	int bad;

	if (!f->fp)
		return err_set(err, MLCI_EXIT_SOFTWARE, f->path, "file not open");
	errno = 0;
	bad = close_stream(f);
	if (f->direct) {
		if (bad)
			err_set(err, MLCI_EXIT_IOERR, f->path, "cannot write: %s",
				strerror(bad));
		free(f->path);
		memset(f, 0, sizeof(*f));
		return bad ? -1 : 0;
	}
	if (!bad && rename(f->tmp, f->path) != 0)
		bad = errno;
	if (bad) {
		err_set(err, MLCI_EXIT_IOERR, f->path, "cannot write: %s",
			strerror(bad));
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
	else if (f->sink && f->sink->fd >= 0)
		close(f->sink->fd);
	free(f->sink);
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
		err_set(err, MLCI_EXIT_IOERR, path, "cannot write: %s",
			afile_error(&f));
		afile_abort(&f);
		return -1;
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
