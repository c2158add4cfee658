/* hmap: string (or any bytes) → size_t, open addressing; see hmap.h. */
#include <stdlib.h>
#include "core/hmap.h"

struct hmap_slot {
	uint64_t hash;
	size_t off, len; /* the key in m->keys */
	size_t val;      /* HMAP_NONE: the slot is empty */
};

uint64_t hmap_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211u;
	return h;
}

/* The slot holding key, or the empty slot where it would go. nslots is never 0 here. */
static hmap_slot *find(const hmap *m, uint64_t h, const void *key, size_t len)
{
	size_t mask = m->nslots - 1;
	for (size_t k = (size_t)h & mask;; k = (k + 1) & mask) {
		hmap_slot *s = &m->slots[k];
		if (s->val == HMAP_NONE)
			return s;
		if (s->hash == h && s->len == len && !memcmp(m->keys.data + s->off, key, len))
			return s;
	}
}

static void grow(hmap *m)
{
	size_t nslots = m->nslots ? m->nslots * 2 : 64;
	if (nslots > SIZE_MAX / sizeof(hmap_slot))
		z_oom(SIZE_MAX);
	hmap_slot *old = m->slots;
	size_t nold = m->nslots;
	m->slots = z_malloc(nslots * sizeof(hmap_slot));
	m->nslots = nslots;
	for (size_t i = 0; i < nslots; i++)
		m->slots[i].val = HMAP_NONE;
	for (size_t i = 0; i < nold; i++) {
		if (old[i].val == HMAP_NONE)
			continue;
		size_t k = (size_t)old[i].hash & (nslots - 1);
		while (m->slots[k].val != HMAP_NONE)
			k = (k + 1) & (nslots - 1);
		m->slots[k] = old[i];
	}
	free(old);
}

size_t hmap_get(const hmap *m, const void *key, size_t len)
{
	if (!m->n)
		return HMAP_NONE;
	return find(m, hmap_hash(key, len), key, len)->val;
}

size_t hmap_put(hmap *m, const void *key, size_t len, size_t val)
{
	if ((m->n + 1) * 2 > m->nslots) /* at most half full: probes stay short */
		grow(m);
	uint64_t h = hmap_hash(key, len);
	hmap_slot *s = find(m, h, key, len);
	size_t was = s->val;
	if (was == HMAP_NONE) {
		size_t off = m->keys.len;
		buf_append(&m->keys, key, len);
		*s = (hmap_slot){.hash = h, .off = off, .len = len};
		m->n++;
	}
	s->val = val;
	return was;
}

void hmap_reset(hmap *m)
{
	for (size_t i = 0; i < m->nslots; i++)
		m->slots[i].val = HMAP_NONE;
	m->n = 0;
	buf_reset(&m->keys);
}

void hmap_free(hmap *m)
{
	free(m->slots);
	buf_free(&m->keys);
	memset(m, 0, sizeof(*m));
}
