/* strnum: bounded decimal parsing. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include "core/strnum.h"

int strnum_ll(const char *s, long long min, long long max, long long *out)
{
	if (!s || !*s)
		return Z_INVALID;
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return Z_INVALID;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return Z_INVALID;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return Z_INVALID;
	*out = v;
	return Z_OK;
}

int strnum_int(const char *s, int min, int max, int *out)
{
	long long v;
	if (strnum_ll(s, min, max, &v) != Z_OK)
		return Z_INVALID;
	*out = (int)v;
	return Z_OK;
}
