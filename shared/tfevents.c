/* TensorBoard event files (see tfevents.h). */
#include "tfevents.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

uint32_t tfevents_crc32c(uint32_t crc, const void *p, size_t n)
{
	static uint32_t table[256];
	static int ready;
	const unsigned char *s = p;
	size_t i;

	if (!ready) {	/* idempotent: racing threads write the same values */
		uint32_t k, c;
		int b;

		for (k = 0; k < 256; k++) {
			c = k;
			for (b = 0; b < 8; b++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
			table[k] = c;
		}
		ready = 1;
	}
	crc = ~crc;
	for (i = 0; i < n; i++)
		crc = table[(crc ^ s[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t tfevents_mask(uint32_t crc)
{
	return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

/* A growing byte buffer; failed is set once memory runs out. */
struct buf {
	unsigned char *p;
	size_t n, cap;
	int failed;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->failed)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *np;

		while (cap < b->n + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put_varint(struct buf *b, uint64_t v)
{
	unsigned char t[10];
	size_t n = 0;

	do {
		t[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	put(b, t, n);
}

static void put_le(struct buf *b, uint64_t v, size_t n)
{
	unsigned char t[8];
	size_t i;

	for (i = 0; i < n; i++)
		t[i] = (unsigned char)(v >> (8 * i));
	put(b, t, n);
}

static void put_double(struct buf *b, double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	put_le(b, u, 8);
}

/* One framed record holding the event in ev. */
static void put_record(struct buf *out, const struct buf *ev)
{
	unsigned char len[8];
	size_t i;

	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)ev->n >> (8 * i));
	put(out, len, 8);
	put_le(out, tfevents_mask(tfevents_crc32c(0, len, 8)), 4);
	put(out, ev->p, ev->n);
	put_le(out, tfevents_mask(tfevents_crc32c(0, ev->p, ev->n)), 4);
}

/* Event {wall_time, step, summary {value {tag, simple_value}}}. */
static void put_scalar(struct buf *out, double wall, long step,
		       const char *tag, float v)
{
	struct buf ev = { 0 }, val = { 0 }, sum = { 0 };
	size_t tl = strlen(tag);
	uint32_t bits;

	memcpy(&bits, &v, 4);
	put_varint(&val, 0x0a);			/* Value.tag */
	put_varint(&val, tl);
	put(&val, tag, tl);
	put_varint(&val, 0x15);			/* Value.simple_value, fixed32 */
	put_le(&val, bits, 4);
	put_varint(&sum, 0x0a);			/* Summary.value */
	put_varint(&sum, val.n);
	put(&sum, val.p, val.n);
	put_varint(&ev, 0x09);			/* Event.wall_time, fixed64 */
	put_double(&ev, wall);
	put_varint(&ev, 0x10);			/* Event.step, varint */
	put_varint(&ev, (uint64_t)step);
	put_varint(&ev, 0x2a);			/* Event.summary */
	put_varint(&ev, sum.n);
	put(&ev, sum.p, sum.n);
	if (val.failed || sum.failed || ev.failed)
		out->failed = 1;
	else
		put_record(out, &ev);
	free(val.p);
	free(sum.p);
	free(ev.p);
}

static int is_curve(const json_t *a)
{
	size_t i, numbers = 0;

	if (!json_is_array(a) || !json_array_size(a))
		return 0;
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *x = json_array_get(a, i);

		if (json_is_number(x))
			numbers++;
		else if (!json_is_null(x))
			return 0;
	}
	return numbers > 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

long tfevents_write(const char *dir, const json_t *training, long long epoch,
		    char **path, struct mlci_err *err)
{
	struct buf out = { 0 }, first = { 0 };
	const char **keys = NULL;
	const char *key;
	json_t *v;
	size_t nk = 0, i, j;
	long points = 0;
	double wall = (double)epoch;
	static const char version[] = "brain.Event:2";
	int rc = -1;

	*path = NULL;
	keys = calloc(json_object_size(training) + 1, sizeof(*keys));
	if (!keys)
		return err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
	json_object_foreach((json_t *)training, key, v)
		if (is_curve(v))
			keys[nk++] = key;
	if (!nk) {
		free(keys);
		return 0;
	}
	qsort(keys, nk, sizeof(*keys), cmp_str);
	put_varint(&first, 0x09);
	put_double(&first, wall);
	put_varint(&first, 0x10);
	put_varint(&first, 0);
	put_varint(&first, 0x1a);		/* Event.file_version */
	put_varint(&first, sizeof(version) - 1);
	put(&first, version, sizeof(version) - 1);
	if (first.failed)
		goto oom;
	put_record(&out, &first);
	for (i = 0; i < nk; i++) {
		const json_t *a = json_object_get(training, keys[i]);
		size_t tl = strlen(keys[i]) + 7;
		char *tag = malloc(tl);

		if (!tag)
			goto oom;
		snprintf(tag, tl, "train/%s", keys[i]);
		for (j = 0; j < json_array_size(a); j++) {
			const json_t *x = json_array_get(a, j);

			if (!json_is_number(x))
				continue;
			put_scalar(&out, wall, (long)j + 1, tag,
				   (float)json_number_value(x));
			points++;
		}
		free(tag);
	}
	if (out.failed)
		goto oom;
	{
		size_t pl = strlen(dir) + 64;

		*path = malloc(pl);
		if (!*path)
			goto oom;
		snprintf(*path, pl, "%s/events.out.tfevents.%lld.mlci-train",
			 dir, epoch);
	}
	if (mkdir_p(dir, err) < 0 ||
	    write_file_atomic(*path, out.p, out.n, err) < 0) {
		free(*path);
		*path = NULL;
		goto out;
	}
	rc = 0;
	goto out;
oom:
	err_set(err, MLCI_EXIT_SOFTWARE, NULL, "out of memory");
out:
	free(out.p);
	free(first.p);
	free(keys);
	return rc < 0 ? -1 : points;
}
