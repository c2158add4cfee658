/* strnum: strict number parsing; no atoi anywhere. */
#ifndef ZAIKO_STRNUM_H
#define ZAIKO_STRNUM_H

#include "core/zaiko.h"

/* Parses all of s (optional sign, decimal digits, nothing else, no spaces) into *out
 * within [min, max]. Returns Z_OK, or Z_INVALID for anything else; *out untouched then. */
int strnum_ll(const char *s, long long min, long long max, long long *out);
int strnum_int(const char *s, int min, int max, int *out);

#endif
