/* strnum: strict number parsing; no atoi anywhere. */
#ifndef ZAIKO_STRNUM_H
#define ZAIKO_STRNUM_H

#include "core/zaiko.h"

/* Parses all of s (optional sign, decimal digits, nothing else, no spaces) into *out
 * within [min, max]. Returns Z_OK, or Z_INVALID for anything else; *out untouched then. */
int strnum_ll(const char *s, long long min, long long max, long long *out);
int strnum_int(const char *s, int min, int max, int *out);

/* Writes s to out (size n) as a number typed by a person is meant: full-width digits and
 * signs (what a Japanese IME types: ０-９, ＋, －, −, ‐, ー, ｰ and the dashes) become ASCII,
 * ASCII and ideographic spaces are dropped. The screen's edit boxes read numbers by the same
 * rule (htdocs/js/stock.js normalize). Returns Z_OK, or Z_INVALID when out is too small. */
int strnum_fold(const char *s, char *out, size_t n);

#endif
