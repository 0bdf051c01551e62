/*
 * serve.c - mlci-serve's server: model handles, reload, HTTP and
 * metrics; see serve.h.
 *
 * Metrics (/metrics, Prometheus text format 0.0.4):
 *   mlci_serve_requests_total{path,status}        counter
 *   mlci_serve_request_duration_seconds{path}     histogram
 *   mlci_serve_predicted_rows_total               counter
 *   mlci_serve_predictions_total{class}           counter (classifiers)
 *   mlci_serve_prediction_value                   histogram (regressors)
 *   mlci_serve_feature_count_total{feature}       counter: non-missing values
 *   mlci_serve_feature_missing_total{feature}     counter
 *   mlci_serve_feature_value{feature}             summary (_sum, _count; numeric
 *                                                 features)
 *   mlci_serve_feature_mean{feature}              gauge (numeric features)
 *   mlci_serve_model_info{name,version,sha256}    gauge, 1
 *   mlci_serve_model_loaded                       gauge, 0 or 1
 *   mlci_serve_model_loaded_timestamp_seconds     gauge
 *   mlci_serve_reloads_total{result}              counter: loaded,
 *                                                 unchanged, refused
 *   mlci_serve_request_log_errors_total           counter
 * The prediction and feature series belong to the model serving: they
 * start again from zero when another version is swapped in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "artifact.h"
#include "model.h"
#include "package.h"
#include "redact.h"
#include "registry.h"
#include "serve.h"
#include "serve_req.h"
#include "sign.h"
#include "util.h"

/* ---- paths and request metrics ---- */

enum { P_PREDICT, P_HEALTH, P_READY, P_METADATA, P_METRICS, P_OTHER, NPATHS };
static const char *const path_names[NPATHS] = {
	"/predict", "/health", "/ready", "/metadata", "/metrics", "other"
};

static const double lat_bounds[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
#define NLAT (sizeof(lat_bounds) / sizeof(lat_bounds[0]))

static const double val_bounds[] = {
	-10000, -1000, -100, -10, -1, -0.1, 0, 0.1, 1, 10, 100, 1000, 10000
};
#define NVAL (sizeof(val_bounds) / sizeof(val_bounds[0]))

static const int statuses[] = { 200, 400, 404, 405, 413, 500, 503 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

struct feat_stat {
	unsigned long long count, missing;
	double sum;
};

/* A loaded model and what is counted while it serves. */
struct handle {
	int refs;			/* atomic */
	struct model *m;
	char *name, *version;
	char sha256[SHA256_HEX_LEN + 1];
	char *metadata;			/* /metadata's body */
	double loaded_at;		/* seconds since the epoch */
	size_t *log_map;		/* per request-log column: feature or -1 */
	pthread_mutex_t mu;		/* the counts below */
	unsigned long long rows;
	unsigned long long *class_counts;	/* nclasses */
	unsigned long long val_buckets[NVAL + 1];	/* regressors */
	double val_sum;
	struct feat_stat *feat;		/* nfeatures */
};

struct server {
	struct serve_opts o;
	struct MHD_Daemon *d;
	int fd;
	int port;
	struct sign_key *key;
	char *key_label;
	/* the model serving */
	pthread_mutex_t cur_mu;
	struct handle *cur;
	pthread_mutex_t reload_mu;	/* one reload at a time */
	char refused[SHA256_HEX_LEN + 200];	/* the channel state refused last */
	/* request metrics */
	pthread_mutex_t m_mu;
	unsigned long long req[NPATHS][NSTATUS];
	unsigned long long lat[NPATHS][NLAT + 1];
	double lat_sum[NPATHS];
	unsigned long long reloads_loaded, reloads_unchanged, reloads_refused;
	unsigned long long log_errors;
	/* the request log */
	pthread_mutex_t log_mu;
	FILE *log_fp;
	char **log_cols;		/* header columns, less "prediction" */
	size_t nlog_cols;
	/* the channel poll */
	pthread_t poll;
	int polling;
	int stopping;
	pthread_mutex_t poll_mu;
	pthread_cond_t poll_cond;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void logf_(struct server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logf_(struct server *s, const char *fmt, ...)
{
	char line[1200];
	va_list ap;

	if (!s->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->o.log(s->o.log_ctx, line);
}

/* ---- handles ---- */

static void handle_free(struct handle *h)
{
	if (!h)
		return;
	model_free(h->m);
	free(h->name), free(h->version), free(h->metadata);
	free(h->log_map), free(h->class_counts), free(h->feat);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

static struct handle *acquire(struct server *s)
{
	struct handle *h;

	pthread_mutex_lock(&s->cur_mu);
	h = s->cur;
	if (h)
		__atomic_add_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->cur_mu);
	return h;
}

static void release(struct handle *h)
{
	if (h && __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0)
		handle_free(h);
}

/* Where the source is: the package path (malloc'd) and, in registry
 * mode, the channel's version and sha256. */
struct source {
	char *path;
	char version[160];
	char sha256[SHA256_HEX_LEN + 1];
};

static const char *registry_dir(const struct server *s)
{
	return s->o.registry + strlen("dir://");
}

static int read_channel(struct server *s, struct source *src,
			struct mlci_err *err)
{
	char chan[4096], file[4096];
	json_t *j = NULL;
	const char *ver, *sha;
	struct stat st;
	int rc = -1;

	snprintf(chan, sizeof(chan), "%s/%s/channels/%s.json", registry_dir(s),
		 s->o.name, s->o.channel);
	if (artifact_load(chan, KIND_CHANNEL, SCHEMA_CHANNEL, &j, NULL, err) < 0)
		return -1;
	if (json_get_str(j, "version", &ver, chan, err) < 0 ||
	    json_get_str(j, "sha256", &sha, chan, err) < 0)
		goto done;
	if (package_check_version(ver, "version", err) < 0 ||
	    strlen(sha) != SHA256_HEX_LEN ||
	    strspn(sha, "0123456789abcdef") != SHA256_HEX_LEN) {
		err_set(err, MLCI_EXIT_DATAERR, chan,
			"not a valid version and sha256");
		goto done;
	}
	snprintf(src->version, sizeof(src->version), "%s", ver);
	snprintf(src->sha256, sizeof(src->sha256), "%s", sha);
	snprintf(file, sizeof(file), "%s/%s/%s/%s-%s.tar.gz", registry_dir(s),
		 s->o.name, ver, s->o.name, ver);
	if (stat(file, &st) < 0)
		snprintf(file, sizeof(file), "%s/%s/%s/%s-%s.tar.zst",
			 registry_dir(s), s->o.name, ver, s->o.name, ver);
	if (!(src->path = strdup(file))) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	rc = 0;
done:
	json_decref(j);
	return rc;
}

static void iso_time(double t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *metadata_json(const struct server *s, const struct handle *h,
			   const struct package_info *p, const char *model_sha)
{
	json_t *j = json_object(), *feats = json_array(), *lin;
	char when[40], *text = NULL;
	size_t k;

	if (!j || !feats)
		goto done;
	iso_time(h->loaded_at, when, sizeof(when));
	json_object_set_new(j, "name", json_string(h->name));
	json_object_set_new(j, "version", json_string(h->version));
	json_object_set_new(j, "package_sha256", json_string(h->sha256));
	json_object_set_new(j, "model_sha256", json_string(model_sha));
	json_object_set_new(j, "model_type", json_string(model_type(h->m)));
	json_object_set_new(j, "task", json_string(model_is_classifier(h->m) ?
						   "classification" : "regression"));
	json_object_set_new(j, "label", json_string(model_label(h->m)));
	json_object_set_new(j, "loaded_at", json_string(when));
	json_object_set_new(j, "source", json_string(p->path));
	if (s->o.registry) {
		char *u = url_redact(s->o.registry);

		json_object_set_new(j, "registry", u ? json_string(u) : json_null());
		free(u);
		json_object_set_new(j, "channel", json_string(s->o.channel));
	}
	for (k = 0; k < model_nfeatures(h->m); k++)
		json_array_append_new(feats, json_string(model_feature_name(h->m, k)));
	json_object_set_new(j, "features", feats);
	feats = NULL;
	if (model_is_classifier(h->m)) {
		json_t *cl = json_array();

		for (k = 0; cl && k < model_nclasses(h->m); k++)
			json_array_append_new(cl, json_string(model_class_name(h->m, k)));
		json_object_set_new(j, "classes", cl ? cl : json_null());
	}
	lin = json_object_get(p->manifest_json, "lineage");
	json_object_set_new(j, "lineage", lin ? json_deep_copy(lin) : json_null());
	if (p->is_signed)
		json_object_set_new(j, "signature",
				    json_pack("{s:s, s:b}", "keyid", p->keyid,
					      "verified", p->verified));
	else
		json_object_set_new(j, "signature", json_null());
	text = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2));
done:
	json_decref(feats);
	json_decref(j);
	return text;
}

/* The model.json inside the verified package p, as a model. */
static int package_model(const struct package_info *p, struct model **m,
			 char sha[SHA256_HEX_LEN + 1], struct mlci_err *err)
{
	struct archive a;
	const struct archive_entry *e;
	char member[2 * PACKAGE_NAME_MAX + 40];
	json_error_t je;
	json_t *art = NULL;
	int rc = -1;

	archive_init(&a, 0);
	if (archive_read(&a, p->archive, p->archive_size, p->path, NULL, err) < 0)
		goto done;
	snprintf(member, sizeof(member), "%s-%s/model.json", p->name, p->version);
	e = archive_find(&a, member);
	if (!e || e->type != ARCHIVE_FILE) {
		err_set(err, MLCI_EXIT_DATAERR, p->path, "no %s in the package",
			member);
		goto done;
	}
	sha256_buf(e->data, e->size, sha);
	art = json_loadb((const char *)e->data, e->size, JSON_REJECT_DUPLICATES, &je);
	if (!art) {
		err_set(err, MLCI_EXIT_DATAERR, p->path, "%s:%d:%d: invalid JSON: %s",
			member, je.line, (je.column > 0 ? je.column : 1), je.text);
		goto done;
	}
	rc = model_from_json(m, art, member, err);
done:
	json_decref(art);
	archive_release(&a);
	return rc;
}

/* Map the request log's columns onto h's features. */
static int handle_log_map(const struct server *s, struct handle *h)
{
	size_t c, j;

	free(h->log_map);
	h->log_map = malloc((s->nlog_cols + 1) * sizeof(*h->log_map));
	if (!h->log_map)
		return -1;
	for (c = 0; c < s->nlog_cols; c++) {
		h->log_map[c] = (size_t)-1;
		for (j = 0; j < model_nfeatures(h->m); j++)
			if (!strcmp(s->log_cols[c], model_feature_name(h->m, j)))
				h->log_map[c] = j;
	}
	return 0;
}

/*
 * Load a handle from the source. In registry mode, *unchanged is set
 * (and nothing loaded) when the channel names the version serving.
 */
static int handle_load(struct server *s, struct handle **out, int *unchanged,
		       char *state, size_t nstate, struct mlci_err *err)
{
	struct source src;
	struct package_info p;
	struct handle *h = NULL;
	char model_sha[SHA256_HEX_LEN + 1];
	struct timespec ts;
	int rc = -1;

	*out = NULL;
	*unchanged = 0;
	memset(&src, 0, sizeof(src));
	memset(&p, 0, sizeof(p));
	if (s->o.registry) {
		struct handle *cur;

		if (read_channel(s, &src, err) < 0)
			return -1;
		snprintf(state, nstate, "%s %s", src.version, src.sha256);
		cur = acquire(s);
		if (cur && !strcmp(cur->sha256, src.sha256) &&
		    !strcmp(cur->version, src.version))
			*unchanged = 1;
		release(cur);
		if (*unchanged) {
			free(src.path);
			return 0;
		}
	} else if (!(src.path = strdup(s->o.package))) {
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	}
	if (package_open_key(src.path, s->key, s->key_label, &p, err) < 0)
		goto done;
	if (s->o.registry) {
		if (strcmp(p.sha256, src.sha256)) {
			err_set(err, MLCI_EXIT_DATAERR, src.path,
				"sha256 %s, but the channel '%s' says %s",
				p.sha256, s->o.channel, src.sha256);
			goto done;
		}
		if (strcmp(p.name, s->o.name) || strcmp(p.version, src.version)) {
			err_set(err, MLCI_EXIT_DATAERR, src.path,
				"holds %s %s, not %s %s", p.name, p.version,
				s->o.name, src.version);
			goto done;
		}
	} else {
		snprintf(state, nstate, "%s %s", p.version, p.sha256);
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	pthread_mutex_init(&h->mu, NULL);
	h->refs = 1;
	if (package_model(&p, &h->m, model_sha, err) < 0)
		goto done;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->loaded_at = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	h->name = strdup(p.name);
	h->version = strdup(p.version);
	snprintf(h->sha256, sizeof(h->sha256), "%s", p.sha256);
	h->class_counts = calloc(model_nclasses(h->m) + 1, sizeof(*h->class_counts));
	h->feat = calloc(model_nfeatures(h->m) + 1, sizeof(*h->feat));
	if (!h->name || !h->version || !h->class_counts || !h->feat ||
	    !(h->metadata = metadata_json(s, h, &p, model_sha)) ||
	    (s->log_cols && handle_log_map(s, h) < 0)) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	if (s->cur && !strcmp(s->cur->sha256, h->sha256))
		*unchanged = 1;
	*out = h;
	h = NULL;
	rc = 0;
done:
	handle_free(h);
	package_info_release(&p);
	free(src.path);
	return rc;
}

/* ---- the request log ---- */

static int log_header(const struct handle *h, struct buf *b)
{
	size_t j;
	int rc = 0;

	for (j = 0; j < model_nfeatures(h->m); j++) {
		rc |= serve_csv_field(b, model_feature_name(h->m, j));
		rc |= buf_addch(b, ',');
	}
	rc |= buf_addstr(b, "prediction\n");
	return rc;
}

/* Open the request log for h's features (the first model loaded). */
static int log_open(struct server *s, struct handle *h, struct mlci_err *err)
{
	const char *path = s->o.log_requests;
	struct buf head;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, j;
	long size;
	int rc = -1;

	buf_init(&head);
	if (log_header(h, &head) < 0)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	fp = fopen(path, "a+");
	if (!fp) {
		err_set(err, MLCI_EXIT_CANTCREAT, path, "cannot open: %s",
			strerror(errno));
		goto done;
	}
	if (fseek(fp, 0, SEEK_END) < 0 || (size = ftell(fp)) < 0) {
		err_set(err, MLCI_EXIT_IOERR, path, "cannot seek: %s", strerror(errno));
		goto done;
	}
	if (size > 0) {
		ssize_t got;

		rewind(fp);
		got = getline(&line, &cap, fp);
		if (got < 0 || (size_t)got != head.len ||
		    memcmp(line, head.data, head.len)) {
			err_set(err, MLCI_EXIT_CANTCREAT, path,
				"holds rows of other columns (its header is not "
				"the model's features and 'prediction')");
			goto done;
		}
		fseek(fp, 0, SEEK_END);
	} else if (fwrite(head.data, 1, head.len, fp) != head.len ||
		   fflush(fp) != 0) {
		err_set(err, MLCI_EXIT_IOERR, path, "cannot write: %s",
			strerror(errno));
		goto done;
	}
	s->log_cols = calloc(model_nfeatures(h->m) + 1, sizeof(*s->log_cols));
	if (!s->log_cols) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	for (j = 0; j < model_nfeatures(h->m); j++)
		if (!(s->log_cols[j] = strdup(model_feature_name(h->m, j)))) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto done;
		}
	s->nlog_cols = model_nfeatures(h->m);
	if (handle_log_map(s, h) < 0) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		goto done;
	}
	s->log_fp = fp;
	fp = NULL;
	rc = 0;
done:
	if (rc < 0 && s->log_cols) {
		for (j = 0; j < model_nfeatures(h->m); j++)
			free(s->log_cols[j]);
		free(s->log_cols);
		s->log_cols = NULL;
		s->nlog_cols = 0;
	}
	if (fp)
		fclose(fp);
	free(line);
	buf_release(&head);
	return rc;
}

static void log_rows(struct server *s, const struct handle *h,
		     const struct frame *f, const double *pred)
{
	struct buf b;
	size_t i, c, K = model_nclasses(h->m);
	char num[40];
	int rc = 0, bad;

	if (!s->log_fp)
		return;
	buf_init(&b);
	for (i = 0; i < f->nrows && rc == 0; i++) {
		for (c = 0; c < s->nlog_cols; c++) {
			size_t j = h->log_map[c];

			if (j != (size_t)-1)
				rc |= serve_csv_field(&b, frame_cell(f, i, j));
			rc |= buf_addch(&b, ',');
		}
		if (model_is_classifier(h->m)) {
			rc |= serve_csv_field(&b, model_class_name(h->m,
					      serve_argmax(pred + i * K, K)));
		} else {
			fmt_double(num, sizeof(num), pred[i]);
			rc |= buf_addstr(&b, num);
		}
		rc |= buf_addch(&b, '\n');
	}
	pthread_mutex_lock(&s->log_mu);
	bad = rc || fwrite(b.data, 1, b.len, s->log_fp) != b.len ||
	      fflush(s->log_fp) != 0;
	pthread_mutex_unlock(&s->log_mu);
	if (bad) {
		pthread_mutex_lock(&s->m_mu);
		s->log_errors++;
		pthread_mutex_unlock(&s->m_mu);
	}
	buf_release(&b);
}

/* ---- reload ---- */

static void *poll_main(void *arg);

static int reload(struct server *s, int *changed, int from_poll,
		  struct mlci_err *err)
{
	struct handle *h = NULL, *old;
	char state[SHA256_HEX_LEN + 200] = "";
	int unchanged = 0, rc = -1;

	if (changed)
		*changed = 0;
	pthread_mutex_lock(&s->reload_mu);
	if (handle_load(s, &h, &unchanged, state, sizeof(state), err) < 0) {
		pthread_mutex_lock(&s->m_mu);
		s->reloads_refused++;
		pthread_mutex_unlock(&s->m_mu);
		snprintf(s->refused, sizeof(s->refused), "%s", state);
		goto done;
	}
	if (unchanged) {
		handle_free(h);
		pthread_mutex_lock(&s->m_mu);
		s->reloads_unchanged++;
		pthread_mutex_unlock(&s->m_mu);
		rc = 0;
		goto done;
	}
	if (s->o.log_requests && !s->log_fp && log_open(s, h, err) < 0) {
		handle_free(h);
		goto done;
	}
	pthread_mutex_lock(&s->cur_mu);
	old = s->cur;
	s->cur = h;
	pthread_mutex_unlock(&s->cur_mu);
	release(old);
	s->refused[0] = '\0';
	pthread_mutex_lock(&s->m_mu);
	s->reloads_loaded++;
	pthread_mutex_unlock(&s->m_mu);
	if (changed)
		*changed = 1;
	if (!s->polling && s->o.registry && !from_poll &&
	    pthread_create(&s->poll, NULL, poll_main, s) == 0)
		s->polling = 1;
	rc = 0;
done:
	pthread_mutex_unlock(&s->reload_mu);
	return rc;
}

int serve_reload(struct server *s, int *changed, struct mlci_err *err)
{
	return reload(s, changed, 0, err);
}

void serve_current(struct server *s, char *out, size_t n)
{
	struct handle *h = acquire(s);

	if (h)
		snprintf(out, n, "%s %s", h->name, h->version);
	else if (n)
		out[0] = '\0';
	release(h);
}

/* The poll: reload when the channel names another version than the one
 * serving and than the one refused last. */
static void poll_once(struct server *s)
{
	struct source src;
	struct mlci_err err = {0};
	char state[SHA256_HEX_LEN + 200], was[400] = "";
	struct handle *cur;
	int same, changed = 0;

	memset(&src, 0, sizeof(src));
	if (read_channel(s, &src, &err) < 0) {
		/* a channel file being replaced is renamed into place:
		 * a failure here is a broken or removed channel; keep serving */
		snprintf(state, sizeof(state), "error %.200s", err.msg);
		pthread_mutex_lock(&s->reload_mu);
		same = !strcmp(state, s->refused);
		if (!same) {
			char msg[700];

			snprintf(s->refused, sizeof(s->refused), "%s", state);
			err_format(&err, msg, sizeof(msg));
			pthread_mutex_lock(&s->m_mu);
			s->reloads_refused++;
			pthread_mutex_unlock(&s->m_mu);
			pthread_mutex_unlock(&s->reload_mu);
			serve_current(s, was, sizeof(was));
			logf_(s, "refused the channel: %s; still serving %s", msg, was);
			return;
		}
		pthread_mutex_unlock(&s->reload_mu);
		return;
	}
	free(src.path);
	snprintf(state, sizeof(state), "%s %s", src.version, src.sha256);
	cur = acquire(s);
	same = cur && !strcmp(cur->sha256, src.sha256) &&
	       !strcmp(cur->version, src.version);
	release(cur);
	pthread_mutex_lock(&s->reload_mu);
	same = same || !strcmp(state, s->refused);
	pthread_mutex_unlock(&s->reload_mu);
	if (same)
		return;
	serve_current(s, was, sizeof(was));
	if (reload(s, &changed, 1, &err) < 0) {
		char msg[700];

		err_format(&err, msg, sizeof(msg));
		logf_(s, "refused %s %s: %s; still serving %s", s->o.name,
		      src.version, msg, was);
	} else if (changed) {
		char now[400];

		serve_current(s, now, sizeof(now));
		logf_(s, "channel %s moved: serving %s (was %s)", s->o.channel,
		      now, was);
	}
}

static void *poll_main(void *arg)
{
	struct server *s = arg;
	struct timespec ts;
	double t;

	pthread_mutex_lock(&s->poll_mu);
	while (!s->stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		t = (double)ts.tv_sec + ts.tv_nsec / 1e9 + s->o.poll_seconds;
		ts.tv_sec = (time_t)t;
		ts.tv_nsec = (long)((t - floor(t)) * 1e9);
		pthread_cond_timedwait(&s->poll_cond, &s->poll_mu, &ts);
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->poll_mu);
		poll_once(s);
		pthread_mutex_lock(&s->poll_mu);
	}
	pthread_mutex_unlock(&s->poll_mu);
	return NULL;
}

/* ---- metrics ---- */

static int label_value(struct buf *b, const char *s)
{
	int rc = buf_addch(b, '"');

	for (; *s; s++) {
		if (*s == '\\')
			rc |= buf_addstr(b, "\\\\");
		else if (*s == '"')
			rc |= buf_addstr(b, "\\\"");
		else if (*s == '\n')
			rc |= buf_addstr(b, "\\n");
		else
			rc |= buf_addch(b, *s);
	}
	return rc | buf_addch(b, '"');
}

static int num(struct buf *b, double v)
{
	char t[40];

	if (isnan(v))
		return buf_addstr(b, "NaN");
	if (isinf(v))
		return buf_addstr(b, v > 0 ? "+Inf" : "-Inf");
	fmt_double(t, sizeof(t), v);
	return buf_addstr(b, t);
}

static int head(struct buf *b, const char *name, const char *type,
		const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int render_metrics(struct server *s, struct buf *b)
{
	struct handle *h = acquire(s);
	size_t p, k, j;
	unsigned long long cum;
	int rc = 0;

	pthread_mutex_lock(&s->m_mu);
	rc |= head(b, "mlci_serve_requests_total", "counter",
		   "HTTP requests answered, by path and status.");
	for (p = 0; p < NPATHS; p++)
		for (k = 0; k < NSTATUS; k++)
			if (s->req[p][k])
				rc |= buf_printf(b, "mlci_serve_requests_total{path=\"%s\","
						 "status=\"%d\"} %llu\n", path_names[p],
						 statuses[k], s->req[p][k]);
	rc |= head(b, "mlci_serve_request_duration_seconds", "histogram",
		   "Time from a request's headers to its response, by path.");
	for (p = 0; p < NPATHS; p++) {
		unsigned long long total = 0;

		for (k = 0; k <= NLAT; k++)
			total += s->lat[p][k];
		if (!total)
			continue;
		cum = 0;
		for (k = 0; k < NLAT; k++) {
			cum += s->lat[p][k];
			rc |= buf_printf(b, "mlci_serve_request_duration_seconds_bucket"
					 "{path=\"%s\",le=\"", path_names[p]);
			rc |= num(b, lat_bounds[k]);
			rc |= buf_printf(b, "\"} %llu\n", cum);
		}
		rc |= buf_printf(b, "mlci_serve_request_duration_seconds_bucket"
				 "{path=\"%s\",le=\"+Inf\"} %llu\n", path_names[p], total);
		rc |= buf_printf(b, "mlci_serve_request_duration_seconds_sum{path=\"%s\"} ",
				 path_names[p]);
		rc |= num(b, s->lat_sum[p]);
		rc |= buf_printf(b, "\nmlci_serve_request_duration_seconds_count"
				 "{path=\"%s\"} %llu\n", path_names[p], total);
	}
	rc |= head(b, "mlci_serve_reloads_total", "counter",
		   "Model loads: loaded (swapped in), unchanged, refused.");
	rc |= buf_printf(b, "mlci_serve_reloads_total{result=\"loaded\"} %llu\n"
			 "mlci_serve_reloads_total{result=\"unchanged\"} %llu\n"
			 "mlci_serve_reloads_total{result=\"refused\"} %llu\n",
			 s->reloads_loaded, s->reloads_unchanged, s->reloads_refused);
	rc |= head(b, "mlci_serve_request_log_errors_total", "counter",
		   "Requests whose rows could not be written to the request log.");
	rc |= buf_printf(b, "mlci_serve_request_log_errors_total %llu\n", s->log_errors);
	pthread_mutex_unlock(&s->m_mu);

	rc |= head(b, "mlci_serve_model_loaded", "gauge",
		   "1 once a model is loaded and serving.");
	rc |= buf_printf(b, "mlci_serve_model_loaded %d\n", h ? 1 : 0);
	if (!h)
		return rc ? -1 : 0;
	rc |= head(b, "mlci_serve_model_info", "gauge",
		   "The model serving: package name, version and sha256.");
	rc |= buf_addstr(b, "mlci_serve_model_info{name=");
	rc |= label_value(b, h->name);
	rc |= buf_addstr(b, ",version=");
	rc |= label_value(b, h->version);
	rc |= buf_addstr(b, ",sha256=");
	rc |= label_value(b, h->sha256);
	rc |= buf_addstr(b, "} 1\n");
	rc |= head(b, "mlci_serve_model_loaded_timestamp_seconds", "gauge",
		   "When the model serving was loaded (seconds since the epoch).");
	rc |= buf_addstr(b, "mlci_serve_model_loaded_timestamp_seconds ");
	rc |= num(b, floor(h->loaded_at));
	rc |= buf_addch(b, '\n');

	pthread_mutex_lock(&h->mu);
	rc |= head(b, "mlci_serve_predicted_rows_total", "counter",
		   "Rows predicted by the model serving.");
	rc |= buf_printf(b, "mlci_serve_predicted_rows_total %llu\n", h->rows);
	if (model_is_classifier(h->m)) {
		rc |= head(b, "mlci_serve_predictions_total", "counter",
			   "Rows predicted as each class by the model serving.");
		for (k = 0; k < model_nclasses(h->m); k++) {
			rc |= buf_addstr(b, "mlci_serve_predictions_total{class=");
			rc |= label_value(b, model_class_name(h->m, k));
			rc |= buf_printf(b, "} %llu\n", h->class_counts[k]);
		}
	} else {
		rc |= head(b, "mlci_serve_prediction_value", "histogram",
			   "Values predicted by the model serving.");
		cum = 0;
		for (k = 0; k < NVAL; k++) {
			cum += h->val_buckets[k];
			rc |= buf_addstr(b, "mlci_serve_prediction_value_bucket{le=\"");
			rc |= num(b, val_bounds[k]);
			rc |= buf_printf(b, "\"} %llu\n", cum);
		}
		rc |= buf_printf(b, "mlci_serve_prediction_value_bucket{le=\"+Inf\"} %llu\n",
				 h->rows);
		rc |= buf_addstr(b, "mlci_serve_prediction_value_sum ");
		rc |= num(b, h->val_sum);
		rc |= buf_printf(b, "\nmlci_serve_prediction_value_count %llu\n", h->rows);
	}
	rc |= head(b, "mlci_serve_feature_count_total", "counter",
		   "Non-missing values received per feature.");
	for (j = 0; j < model_nfeatures(h->m); j++) {
		rc |= buf_addstr(b, "mlci_serve_feature_count_total{feature=");
		rc |= label_value(b, model_feature_name(h->m, j));
		rc |= buf_printf(b, "} %llu\n", h->feat[j].count);
	}
	rc |= head(b, "mlci_serve_feature_missing_total", "counter",
		   "Missing values received per feature.");
	for (j = 0; j < model_nfeatures(h->m); j++) {
		rc |= buf_addstr(b, "mlci_serve_feature_missing_total{feature=");
		rc |= label_value(b, model_feature_name(h->m, j));
		rc |= buf_printf(b, "} %llu\n", h->feat[j].missing);
	}
	rc |= head(b, "mlci_serve_feature_value", "summary",
		   "Sum and count of the values received per numeric feature.");
	for (j = 0; j < model_nfeatures(h->m); j++) {
		if (h->m->prep.cols[j].kind != PREP_NUMERIC)
			continue;
		rc |= buf_addstr(b, "mlci_serve_feature_value_sum{feature=");
		rc |= label_value(b, model_feature_name(h->m, j));
		rc |= buf_addstr(b, "} ");
		rc |= num(b, h->feat[j].sum);
		rc |= buf_addstr(b, "\nmlci_serve_feature_value_count{feature=");
		rc |= label_value(b, model_feature_name(h->m, j));
		rc |= buf_printf(b, "} %llu\n", h->feat[j].count);
	}
	rc |= head(b, "mlci_serve_feature_mean", "gauge",
		   "Mean of the values received per numeric feature.");
	for (j = 0; j < model_nfeatures(h->m); j++) {
		if (h->m->prep.cols[j].kind != PREP_NUMERIC || !h->feat[j].count)
			continue;
		rc |= buf_addstr(b, "mlci_serve_feature_mean{feature=");
		rc |= label_value(b, model_feature_name(h->m, j));
		rc |= buf_addstr(b, "} ");
		rc |= num(b, h->feat[j].sum / (double)h->feat[j].count);
		rc |= buf_addch(b, '\n');
	}
	pthread_mutex_unlock(&h->mu);
	release(h);
	return rc ? -1 : 0;
}

static void count_rows(struct handle *h, const struct frame *f,
		       const double *pred)
{
	size_t i, j, K = model_nclasses(h->m), p = model_nfeatures(h->m);

	pthread_mutex_lock(&h->mu);
	h->rows += f->nrows;
	for (i = 0; i < f->nrows; i++) {
		if (model_is_classifier(h->m)) {
			h->class_counts[serve_argmax(pred + i * K, K)]++;
		} else {
			size_t k = 0;

			while (k < NVAL && pred[i] > val_bounds[k])
				k++;
			h->val_buckets[k]++;
			h->val_sum += pred[i];
		}
		for (j = 0; j < p; j++) {
			const char *c = frame_cell(f, i, j);
			double x;

			if (!c) {
				h->feat[j].missing++;
				continue;
			}
			h->feat[j].count++;
			if (h->m->prep.cols[j].kind == PREP_NUMERIC &&
			    parse_double(c, &x) == 0)
				h->feat[j].sum += x;
		}
	}
	pthread_mutex_unlock(&h->mu);
}

/* ---- HTTP ---- */

struct req {
	struct buf body;
	double t0;
	int path;
	int too_large;
	int oom;
	int responded;
};

static int path_index(const char *url)
{
	int p;

	for (p = 0; p < P_OTHER; p++)
		if (!strcmp(url, path_names[p]))
			return p;
	return P_OTHER;
}

static void record(struct server *s, const struct req *r, int status)
{
	double dt = now_mono() - r->t0;
	size_t k, st = NSTATUS;

	for (k = 0; k < NSTATUS; k++)
		if (statuses[k] == status)
			st = k;
	pthread_mutex_lock(&s->m_mu);
	if (st < NSTATUS)
		s->req[r->path][st]++;
	for (k = 0; k < NLAT && dt > lat_bounds[k]; k++)
		;
	s->lat[r->path][k]++;
	s->lat_sum[r->path] += dt;
	pthread_mutex_unlock(&s->m_mu);
}

/* Queue body (malloc'd, taken over) with status and content type. */
static enum MHD_Result reply(struct server *s, struct MHD_Connection *c,
			     struct req *r, int status, const char *ctype,
			     char *body, size_t n, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->responded = 1;
	record(s, r, status);
	return ret;
}

static enum MHD_Result reply_buf(struct server *s, struct MHD_Connection *c,
				 struct req *r, int status, const char *ctype,
				 struct buf *b)
{
	size_t n;
	char *d = buf_detach(b, &n);

	return reply(s, c, r, status, ctype, d, n, NULL);
}

static enum MHD_Result reply_error(struct server *s, struct MHD_Connection *c,
				   struct req *r, int status, const char *allow,
				   const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static enum MHD_Result reply_error(struct server *s, struct MHD_Connection *c,
				   struct req *r, int status, const char *allow,
				   const char *fmt, ...)
{
	char msg[1200];
	struct buf b;
	va_list ap;
	size_t n;
	char *d;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_init(&b);
	if (buf_addstr(&b, "{\"error\": ") < 0 || serve_json_string(&b, msg) < 0 ||
	    buf_addstr(&b, "}\n") < 0) {
		buf_release(&b);
		return MHD_NO;
	}
	d = buf_detach(&b, &n);
	return reply(s, c, r, status, "application/json", d, n, allow);
}

#define JSON_TYPE "application/json"

static enum MHD_Result predict(struct server *s, struct MHD_Connection *c,
			       struct req *r)
{
	struct mlci_err err = {0};
	struct serve_rows rows;
	struct handle *h = acquire(s);
	const char *ctype;
	double *pred = NULL;
	struct buf out;
	enum MHD_Result ret;
	int csv;

	buf_init(&out);
	memset(&rows, 0, sizeof(rows));
	if (!h)
		return reply_error(s, c, r, 503, NULL, "no model loaded yet");
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_CONTENT_TYPE);
	csv = ctype && !strncasecmp(ctype, "text/csv", 8);
	if (serve_rows_parse(&rows, h->m, r->body.data, r->body.len, csv, &err) < 0 ||
	    !(pred = malloc((rows.f.nrows * (model_is_classifier(h->m) ?
					    model_nclasses(h->m) : 1) + 1) *
			    sizeof(*pred))) ||
	    model_predict(h->m, &rows.f, pred, &err) < 0) {
		char msg[1100];

		if (!err.code)
			err_set(&err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
		err_format(&err, msg, sizeof(msg));
		ret = reply_error(s, c, r, err.code == MLCI_EXIT_DATAERR ? 400 : 500,
				  NULL, "%s", msg);
		goto done;
	}
	count_rows(h, &rows.f, pred);
	log_rows(s, h, &rows.f, pred);
	if (serve_render(h->m, h->name, h->version, pred, rows.f.nrows, &out) < 0) {
		ret = reply_error(s, c, r, 500, NULL, "out of memory");
		goto done;
	}
	ret = reply_buf(s, c, r, 200, JSON_TYPE, &out);
done:
	buf_release(&out);
	free(pred);
	serve_rows_release(&rows);
	release(h);
	return ret;
}

static enum MHD_Result get(struct server *s, struct MHD_Connection *c,
			   struct req *r)
{
	struct handle *h;
	struct buf b;
	char *d;

	buf_init(&b);
	switch (r->path) {
	case P_HEALTH:
		d = strdup("{\"status\": \"ok\"}\n");
		return d ? reply(s, c, r, 200, JSON_TYPE, d, strlen(d), NULL) : MHD_NO;
	case P_READY:
		h = acquire(s);
		if (!h)
			return reply_error(s, c, r, 503, NULL, "no model loaded yet");
		buf_addstr(&b, "{\"status\": \"ready\", \"model\": ");
		serve_json_string(&b, h->name);
		buf_addstr(&b, ", \"version\": ");
		serve_json_string(&b, h->version);
		release(h);
		if (buf_addstr(&b, "}\n") < 0) {
			buf_release(&b);
			return MHD_NO;
		}
		return reply_buf(s, c, r, 200, JSON_TYPE, &b);
	case P_METADATA:
		h = acquire(s);
		if (!h)
			return reply_error(s, c, r, 503, NULL, "no model loaded yet");
		if (buf_addstr(&b, h->metadata) < 0 || buf_addch(&b, '\n') < 0) {
			release(h);
			buf_release(&b);
			return MHD_NO;
		}
		release(h);
		return reply_buf(s, c, r, 200, JSON_TYPE, &b);
	default:
		if (render_metrics(s, &b) < 0) {
			buf_release(&b);
			return reply_error(s, c, r, 500, NULL, "out of memory");
		}
		return reply_buf(s, c, r, 200,
				 "text/plain; version=0.0.4; charset=utf-8", &b);
	}
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *data,
			       size_t *size, void **con_cls)
{
	struct server *s = cls;
	struct req *r = *con_cls;
	int is_get;

	if (!r) {
		const char *cl;

		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		buf_init(&r->body);
		r->t0 = now_mono();
		r->path = path_index(url);
		*con_cls = r;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			long n;

			if (parse_long(cl, &n) == 0 && n > s->o.max_body_bytes) {
				r->too_large = 1;
				return reply_error(s, c, r, 413, NULL,
						   "request body of %ld bytes, over "
						   "the limit of %ld", n,
						   s->o.max_body_bytes);
			}
		}
		return MHD_YES;
	}
	if (r->responded) {
		*size = 0;
		return MHD_YES;
	}
	if (*size) {
		if (!r->too_large && !r->oom) {
			if (r->body.len + *size > (size_t)s->o.max_body_bytes) {
				r->too_large = 1;
				buf_release(&r->body);
				buf_init(&r->body);
			} else if (buf_add(&r->body, data, *size) < 0) {
				r->oom = 1;
			}
		}
		*size = 0;
		return MHD_YES;
	}
	is_get = !strcmp(method, MHD_HTTP_METHOD_GET) ||
		 !strcmp(method, MHD_HTTP_METHOD_HEAD);
	if (r->path == P_OTHER)
		return reply_error(s, c, r, 404, NULL, "no such path: %.200s", url);
	if (r->path == P_PREDICT) {
		if (strcmp(method, MHD_HTTP_METHOD_POST))
			return reply_error(s, c, r, 405, "POST",
					   "%.20s %s: use POST", method, url);
		if (r->too_large)
			return reply_error(s, c, r, 413, NULL,
					   "request body over the limit of %ld bytes",
					   s->o.max_body_bytes);
		if (r->oom)
			return reply_error(s, c, r, 500, NULL, "out of memory");
		return predict(s, c, r);
	}
	if (!is_get)
		return reply_error(s, c, r, 405, "GET, HEAD", "%.20s %s: use GET",
				   method, url);
	return get(s, c, r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	if (r) {
		buf_release(&r->body);
		free(r);
		*con_cls = NULL;
	}
}

/* ---- start and stop ---- */

static int listen_on(struct server *s, const char *addr, int *family,
		     struct mlci_err *err)
{
	char host[256], *colon;
	struct addrinfo hints, *ai = NULL;
	long port;
	int fd, one = 1, e;

	if (strlen(addr) >= sizeof(host))
		return err_set(err, MLCI_EXIT_USAGE, NULL, "--listen: too long");
	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':')
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--listen '%s': expected [IPv6]:PORT", addr);
		snprintf(host, sizeof(host), "%.*s", (int)(end - addr - 1), addr + 1);
		colon = (char *)end + 1;
	} else {
		snprintf(host, sizeof(host), "%s", addr);
		colon = strrchr(host, ':');
		if (!colon)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--listen '%s': expected HOST:PORT", addr);
		*colon = '\0';
		colon = (char *)addr + (colon - host);
	}
	if (parse_long(colon + 1, &port) < 0 || port < 0 || port > 65535)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--listen '%s': bad port", addr);
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--listen '%s': not a numeric address (use an IP "
			       "address, e.g. 127.0.0.1:5000 or [::1]:5000)", addr);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return err_set(err, MLCI_EXIT_TEMPFAIL, NULL, "socket: %s",
			       strerror(errno));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		e = errno;
		close(fd);
		freeaddrinfo(ai);
		return err_set(err, e == EADDRINUSE ? MLCI_EXIT_TEMPFAIL :
			       MLCI_EXIT_USAGE, NULL, "cannot listen on %s: %s",
			       addr, strerror(e));
	}
	*family = ai->ai_family;
	freeaddrinfo(ai);
	{
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			s->port = ntohs(ss.ss_family == AF_INET6 ?
					((struct sockaddr_in6 *)&ss)->sin6_port :
					((struct sockaddr_in *)&ss)->sin_port);
	}
	s->fd = fd;
	return 0;
}

static int check_opts(const struct serve_opts *o, struct mlci_err *err)
{
	if (!o->package && !o->registry)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--package or --registry is required");
	if (o->package && o->registry)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "give --package or --registry, not both");
	if (o->package && (o->name || o->channel))
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--name and --channel go with --registry, not --package");
	if (o->registry) {
		struct registry *reg = NULL;
		struct registry_opts ro = { .producer = "mlci-serve" };

		if (!o->name || !o->channel)
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--registry needs --name and --channel");
		if (registry_open(&reg, o->registry, &ro, err) < 0)
			return -1;
		registry_close(reg);
		if (strncmp(o->registry, "dir://", 6))
			return err_set(err, MLCI_EXIT_USAGE, NULL,
				       "--registry: only dir:// registries are served");
		if (package_check_name(o->name, "--name", err) < 0)
			return -1;
		if (package_check_name(o->channel, "--channel", err) < 0)
			return -1;
	}
	if (o->threads < 1 || o->threads > 1024)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--threads must be between 1 and 1024");
	if (o->max_body_bytes < 1)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--max-body-bytes must be positive");
	if (o->timeout < 1)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--timeout must be at least 1 second");
	if (!(o->poll_seconds > 0) || o->poll_seconds > 86400)
		return err_set(err, MLCI_EXIT_USAGE, NULL,
			       "--poll-seconds must be positive (at most 86400)");
	return 0;
}

int serve_start(struct server **out, const struct serve_opts *o,
		struct mlci_err *err)
{
	struct server *s;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	int family = AF_INET;

	*out = NULL;
	if (check_opts(o, err) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	s->o = *o;
	s->fd = -1;
	pthread_mutex_init(&s->cur_mu, NULL);
	pthread_mutex_init(&s->reload_mu, NULL);
	pthread_mutex_init(&s->m_mu, NULL);
	pthread_mutex_init(&s->log_mu, NULL);
	pthread_mutex_init(&s->poll_mu, NULL);
	pthread_cond_init(&s->poll_cond, NULL);
	if (o->verify_key) {
		if (sign_key_load_public(o->verify_key, "--verify-key", &s->key, err) < 0)
			goto fail;
		if (!(s->key_label = strdup(o->verify_key))) {
			err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
			goto fail;
		}
	}
	if (listen_on(s, o->listen, &family, err) < 0)
		goto fail;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->fd,
				MHD_OPTION_THREAD_POOL_SIZE,
				(unsigned)(o->threads > 1 ? o->threads : 0),
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout,
				MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_END);
	if (!s->d) {
		err_set(err, MLCI_EXIT_SOFTWARE, NULL,
			"cannot start the HTTP server on %s", o->listen);
		goto fail;
	}
	s->fd = -1;	/* the daemon's now: MHD_stop_daemon closes it */
	*out = s;
	return 0;
fail:
	serve_stop(s);
	return -1;
}

int serve_port(const struct server *s)
{
	return s->port;
}

void serve_stop(struct server *s)
{
	size_t j;

	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	if (s->fd >= 0)
		close(s->fd);
	if (s->polling) {
		pthread_mutex_lock(&s->poll_mu);
		s->stopping = 1;
		pthread_cond_broadcast(&s->poll_cond);
		pthread_mutex_unlock(&s->poll_mu);
		pthread_join(s->poll, NULL);
	}
	release(s->cur);
	if (s->log_fp)
		fclose(s->log_fp);
	for (j = 0; j < s->nlog_cols; j++)
		free(s->log_cols[j]);
	free(s->log_cols);
	sign_key_free(s->key);
	free(s->key_label);
	pthread_mutex_destroy(&s->cur_mu);
	pthread_mutex_destroy(&s->reload_mu);
	pthread_mutex_destroy(&s->m_mu);
	pthread_mutex_destroy(&s->log_mu);
	pthread_mutex_destroy(&s->poll_mu);
	pthread_cond_destroy(&s->poll_cond);
	free(s);
}
