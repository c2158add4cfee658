/* strnum: bounded decimal parsing. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
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

/* The multi-byte characters strnum_fold reads as an ASCII sign. */
static const struct {
	const char *utf8;
	char ascii;
} fold_signs[] = {
	{"\xef\xbc\x8b", '+'}, /* ＋ */
	{"\xef\xbc\x8d", '-'}, /* － */
	{"\xe2\x88\x92", '-'}, /* − minus sign */
	{"\xe2\x80\x90", '-'}, /* ‐ hyphen */
	{"\xe2\x80\x91", '-'}, /* ‑ non-breaking hyphen */
	{"\xe2\x80\x93", '-'}, /* – en dash */
	{"\xe2\x80\x94", '-'}, /* — em dash */
	{"\xe2\x80\x95", '-'}, /* ― horizontal bar */
	{"\xe3\x83\xbc", '-'}, /* ー long vowel mark */
	{"\xef\xbd\xb0", '-'}, /* ｰ half-width long vowel mark */
};

int strnum_fold(const char *s, char *out, size_t n)
{
	size_t o = 0;
	while (*s) {
		char c = 0;
		size_t used = 1;
		const unsigned char *u = (const unsigned char *)s;
		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) { /* ideographic space */
			s += 3;
			continue;
		}
		if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 && u[2] <= 0x99) {
			c = (char)('0' + (u[2] - 0x90)); /* ０-９ */
			used = 3;
		} else {
			for (size_t i = 0; i < sizeof fold_signs / sizeof fold_signs[0]; i++) {
				size_t len = strlen(fold_signs[i].utf8);
				if (!strncmp(s, fold_signs[i].utf8, len)) {
					c = fold_signs[i].ascii;
					used = len;
					break;
				}
			}
		}
		if (!c)
			c = *s;
		if (o + 1 >= n)
			return Z_INVALID;
		out[o++] = c;
		s += used;
	}
	if (!n)
		return Z_INVALID;
	out[o] = '\0';
	return Z_OK;
}
