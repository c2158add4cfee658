/* csvtest: what the CSV unit tests share: reading a sample file under tests/unit/data/csv/.
 * Header-only, for tests; include after cmocka.h. */
#ifndef ZAIKO_CSVTEST_H
#define ZAIKO_CSVTEST_H

#include <stdio.h>
#include "core/buf.h"

/* Reads tests/unit/data/csv/<name> (tests run from the repository root); the caller frees. */
static inline char *slurp(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, "tests/unit/data/csv/%s", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	buf b = BUF_INIT;
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

#endif
