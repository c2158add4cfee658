/* csvtest: what the CSV unit tests share: reading a sample file under tests/unit/data/csv/
 * and parsing a mall file (a sample or a text). Header-only, for tests; include after cmocka.h. */
#ifndef ZAIKO_CSVTEST_H
#define ZAIKO_CSVTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "csv/mallcsv.h"

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

/* The sample file name parsed as an upload would be (kind and encoding found). */
static inline int parse_file(const char *name, mallcsv_result *res)
{
	size_t len;
	char *data = slurp(name, &len);
	int rc = mallcsv_parse(data, len, CSV_ENC__MAX, MALLCSV_UNKNOWN, NULL, res);
	free(data);
	return rc;
}

/* A mall file given as UTF-8 text, its kind and encoding found as an upload's would be. */
static inline int parse_text(const char *text, mallcsv_result *res)
{
	return mallcsv_parse(text, strlen(text), CSV_ENC__MAX, MALLCSV_UNKNOWN, NULL, res);
}

#endif
