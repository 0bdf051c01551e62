#include "leakage.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, then a final avalanche (splitmix64's) so table slots spread. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h ? h : 1;	/* 0 marks an empty slot */
}

uint64_t leak_row_hash(const char *const *cells, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		/* length-prefixed, with a distinct tag for a missing cell */
		uint64_t len = cells[i] ? (uint64_t)strlen(cells[i]) : UINT64_MAX;

		h = fnv(h, &len, sizeof(len));
		if (cells[i])
			h = fnv(h, cells[i], (size_t)len);
	}
	return mix(h);
}

static uint64_t str_hash(const char *s)
{
	return mix(fnv(1469598103934665603ULL, s, strlen(s)));
}

void leak_rows_init(struct leak_rows *s)
{
	memset(s, 0, sizeof(*s));
}

void leak_rows_free(struct leak_rows *s)
{
	free(s->key);
	free(s->count);
	leak_rows_init(s);
}

static size_t slot_of(const uint64_t *key, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (key[i] && key[i] != h)
		i = (i + 1) & (cap - 1);
	return i;
}

static int rows_grow(struct leak_rows *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024, i;
	uint64_t *key = calloc(cap, sizeof(*key));
	uint32_t *count = calloc(cap, sizeof(*count));

	if (!key || !count) {
		free(key);
		free(count);
		return -1;
	}
	for (i = 0; i < s->cap; i++)
		if (s->key[i]) {
			size_t j = slot_of(key, cap, s->key[i]);

			key[j] = s->key[i];
			count[j] = s->count[i];
		}
	free(s->key);
	free(s->count);
	s->key = key;
	s->count = count;
	s->cap = cap;
	return 0;
}

int leak_rows_add(struct leak_rows *s, uint64_t h)
{
	size_t i;

	h = h ? h : 1;
	if ((s->used + 1) * 2 > s->cap && rows_grow(s) < 0)
		return -1;
	i = slot_of(s->key, s->cap, h);
	if (!s->key[i]) {
		s->key[i] = h;
		s->used++;
	}
	if (s->count[i] < UINT32_MAX)
		s->count[i]++;
	s->rows++;
	return 0;
}

size_t leak_rows_count(const struct leak_rows *s, uint64_t h)
{
	size_t i;

	if (!s->cap)
		return 0;
	i = slot_of(s->key, s->cap, h ? h : 1);
	return s->key[i] ? s->count[i] : 0;
}

void leak_purity_init(struct leak_purity *p)
{
	memset(p, 0, sizeof(*p));
}

void leak_purity_free(struct leak_purity *p)
{
	free(p->key);
	free(p->label);
	free(p->mixed);
	leak_purity_init(p);
}

static int purity_grow(struct leak_purity *p)
{
	size_t cap = p->cap ? p->cap * 2 : 256, i;
	uint64_t *key = calloc(cap, sizeof(*key));
	uint64_t *label = calloc(cap, sizeof(*label));
	unsigned char *mixed = calloc(cap, 1);

	if (!key || !label || !mixed) {
		free(key);
		free(label);
		free(mixed);
		return -1;
	}
	for (i = 0; i < p->cap; i++)
		if (p->key[i]) {
			size_t j = slot_of(key, cap, p->key[i]);

			key[j] = p->key[i];
			label[j] = p->label[i];
			mixed[j] = p->mixed[i];
		}
	free(p->key);
	free(p->label);
	free(p->mixed);
	p->key = key;
	p->label = label;
	p->mixed = mixed;
	p->cap = cap;
	return 0;
}

int leak_purity_add(struct leak_purity *p, const char *value,
		    const char *label)
{
	if (!value || !label)
		return 0;
	return leak_purity_add_hash(p, str_hash(value), str_hash(label));
}

int leak_purity_add_hash(struct leak_purity *p, uint64_t vh, uint64_t lh)
{
	size_t i;

	/* spread the caller's hash over the table (mix is a bijection but
	 * for the one value it maps to 0, which marks an empty slot) */
	vh = mix(vh);
	p->rows++;
	if (p->rows == 1)
		p->first_label = lh;
	else if (lh != p->first_label)
		p->two_labels = 1;
	if (p->overflow)
		return 0;
	if (p->cap) {
		i = slot_of(p->key, p->cap, vh);
		if (p->key[i]) {
			if (p->label[i] != lh && !p->mixed[i]) {
				p->mixed[i] = 1;
				p->mixed_values++;
			}
			return 0;
		}
	}
	if (p->used >= LEAK_MAX_VALUES) {
		p->overflow = 1;
		return 0;
	}
	if ((p->used + 1) * 2 > p->cap && purity_grow(p) < 0)
		return -1;
	i = slot_of(p->key, p->cap, vh);
	p->key[i] = vh;
	p->label[i] = lh;
	p->used++;
	return 0;
}

int leak_purity_perfect(const struct leak_purity *p)
{
	return !p->overflow && p->two_labels && p->mixed_values == 0 &&
	       p->used * 2 < p->rows;
}
