/* buf: the growable byte buffer. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"

int buf_reserve(buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len)
		return Z_NOMEM;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return Z_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return Z_NOMEM;
	b->data = p;
	b->cap = cap;
	return Z_OK;
}

int buf_append(buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) != Z_OK)
		return Z_NOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return Z_OK;
}

int buf_puts(buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || buf_reserve(b, (size_t)n) != Z_OK)
		return Z_NOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return Z_OK;
}

int buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void buf_reset(buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

const char *buf_str(const buf *b)
{
	return b->data ? b->data : "";
}

char *buf_detach(buf *b)
{
	char *s = b->data ? b->data : strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

int array_reserve(void *arrayp, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return Z_OK;
	int ncap = *cap > 0 ? *cap : 8;
	while (ncap < need) {
		if (ncap > INT_MAX / 2)
			return Z_NOMEM;
		ncap *= 2;
	}
	if ((size_t)ncap > SIZE_MAX / elem)
		return Z_NOMEM;
	void *old, *grown;
	memcpy(&old, arrayp, sizeof(old));
	grown = realloc(old, (size_t)ncap * elem);
	if (!grown)
		return Z_NOMEM;
	memcpy(arrayp, &grown, sizeof(grown));
	*cap = ncap;
	return Z_OK;
}
