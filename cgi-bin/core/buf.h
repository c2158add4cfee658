/* buf: the one growable byte buffer of the program, always NUL-terminated. */
#ifndef ZAIKO_BUF_H
#define ZAIKO_BUF_H

#include <stdarg.h>
#include "core/zaiko.h"

typedef struct {
	char *data;  /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
} buf;

#define BUF_INIT {NULL, 0, 0}

/* Appenders return Z_OK or Z_NOMEM; on Z_NOMEM the buffer is unchanged. */
int buf_append(buf *b, const void *data, size_t len);
int buf_puts(buf *b, const char *s);
int buf_putc(buf *b, char c);
int buf_printf(buf *b, const char *fmt, ...) Z_PRINTF(2, 3);
int buf_vprintf(buf *b, const char *fmt, va_list ap) Z_PRINTF(2, 0);
/* Ensures room for `extra` more bytes plus the NUL. */
int buf_reserve(buf *b, size_t extra);
/* Empties the buffer, keeping its memory. */
void buf_reset(buf *b);
/* Frees the memory; the buffer is empty and reusable afterwards. */
void buf_free(buf *b);
/* Returns the string (never NULL: "" when empty); the buffer still owns it. */
const char *buf_str(const buf *b);
/* Hands the string to the caller, who frees it; the buffer is left empty. */
char *buf_detach(buf *b);

/* Makes room for at least need elements of elem bytes in the array *arrayp points to (a T **),
 * doubling from 8. *cap changes only on success. Z_OK, or Z_NOMEM with the array unchanged. */
int array_reserve(void *arrayp, int *cap, int need, size_t elem);

#endif
