/* fuzz.h: what the libFuzzer targets in tests/fuzz share — the entry point's prototype and the
 * heap copy of an input that a parser is given. */
#ifndef ZAIKO_FUZZ_H
#define ZAIKO_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data[0..size) in a malloc'd block of its own (free it). Without nul the block holds exactly
 * size bytes and no terminator, so ASan stops a parser that reads past the length it was
 * given; with nul a '\0' follows, for parsers of C strings. NULL when out of memory. */
static inline char *fuzz_copy(const uint8_t *data, size_t size, int nul)
{
	size_t room = size + (nul ? 1 : 0);
	char *s = malloc(room ? room : 1);
	if (!s)
		return NULL;
	if (size)
		memcpy(s, data, size);
	if (nul)
		s[size] = '\0';
	return s;
}

#endif
