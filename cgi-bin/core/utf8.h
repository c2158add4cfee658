/* utf8: validity checks and safe truncation of UTF-8 text. */
#ifndef ZAIKO_UTF8_H
#define ZAIKO_UTF8_H

#include "core/zaiko.h"

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF)
 * and holds no NUL and no C0 control other than TAB, LF and CR. */
bool utf8_valid_text(const char *s, size_t n);
/* Decodes the well-formed character at s[0..n) (no overlong form, surrogate or code point
 * beyond U+10FFFF): its length 1..4 with *cp (may be NULL) set, or 0 when s starts with a
 * malformed or cut-short sequence (n = 0 too). The one UTF-8 decoder of the program. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* The longest prefix of s (at most max bytes) that ends on a character boundary. */
size_t utf8_prefix(const char *s, size_t n, size_t max);
/* n less a character cut short at the end of s[0..n) (as snprintf leaves one). */
size_t utf8_complete(const char *s, size_t n);
/* Number of characters (code points) in well-formed s[0..n). */
size_t utf8_count(const char *s, size_t n);

#endif
