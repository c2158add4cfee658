/* hmap: the one hash table of the tree, from a key (bytes, usually a string) to a size_t (an
 * index into the caller's array, a count, a flag). Open addressing with linear probing over a
 * power-of-two slot array, FNV-1a hashes kept beside each slot (a lookup compares the hash
 * before the bytes), keys copied into one growing buffer (nothing borrowed, one allocation for
 * all of them). No deletion: a map is filled, read, then reset or freed (CSV codes in one pass
 * over a file, the ids of one stock change, prepared statements until the cache is full).
 * Zero-initialise; free with hmap_free. Out of memory aborts, as everywhere (core/buf.h). */
#ifndef ZAIKO_HMAP_H
#define ZAIKO_HMAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/buf.h"

#define HMAP_NONE SIZE_MAX /* what hmap_get answers for a key not in the map */

typedef struct hmap_slot hmap_slot;

typedef struct {
	hmap_slot *slots;
	size_t n, nslots;
	buf keys; /* every key's bytes, back to back */
} hmap;

/* FNV-1a of len bytes (64 bits). */
uint64_t hmap_hash(const void *key, size_t len);
/* The value stored for key, or HMAP_NONE. */
size_t hmap_get(const hmap *m, const void *key, size_t len);
/* Stores key → val (val must not be HMAP_NONE; key not inside the map itself); a key already
 * present gets the new value.
 * Returns the value the key had, or HMAP_NONE when it is new. */
size_t hmap_put(hmap *m, const void *key, size_t len, size_t val);
/* Empties the map, keeping its memory for the next fill. */
void hmap_reset(hmap *m);
/* Frees the memory; the map is empty and reusable afterwards. */
void hmap_free(hmap *m);

/* The same for NUL-terminated strings (the NUL is not part of the key). */
static inline size_t hmap_gets(const hmap *m, const char *key)
{
	return hmap_get(m, key, strlen(key));
}
static inline size_t hmap_puts(hmap *m, const char *key, size_t val)
{
	return hmap_put(m, key, strlen(key), val);
}

#endif
