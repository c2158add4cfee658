/* buf: the growable byte buffer. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/log.h"

_Noreturn void z_oom(size_t size)
{
	log_error("out of memory (%zu bytes): stopping", size);
	abort();
}

void *z_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		z_oom(size);
	return p;
}

void *z_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		z_oom(SIZE_MAX);
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		z_oom(n * size);
	return p;
}

void *z_realloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q)
		z_oom(size);
	return q;
}

char *z_strdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		z_oom(strlen(s) + 1);
	return d;
}

int buf_reserve(buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len)
		z_oom(SIZE_MAX); /* no such buffer could exist */
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return Z_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = z_realloc(b->data, cap);
	b->cap = cap;
	return Z_OK;
}

int buf_append(buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
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
	if (n < 0)
		z_oom((size_t)INT_MAX + 1); /* output longer than vsnprintf can count */
	buf_reserve(b, (size_t)n);
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
	char *s = b->data ? b->data : z_strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

size_t array_doubled(size_t cap)
{
	if (cap > SIZE_MAX / 2) {
		log_error("out of memory: a list of %zu elements cannot double", cap);
		abort();
	}
	return cap ? cap * 2 : 16;
}

void *z_reallocarray(void *p, size_t n, size_t elem)
{
	if (elem && n > SIZE_MAX / elem) {
		log_error("out of memory: %zu elements of %zu bytes", n, elem);
		abort();
	}
	return z_realloc(p, n * elem);
}

void array_grow(void *arrayp, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return;
	size_t ncap = array_doubled(*cap);
	void *old, *grown;
	memcpy(&old, arrayp, sizeof(old));
	grown = z_reallocarray(old, ncap, elem);
	memcpy(arrayp, &grown, sizeof(grown));
	*cap = ncap;
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
	grown = z_realloc(old, (size_t)ncap * elem);
	memcpy(arrayp, &grown, sizeof(grown));
	*cap = ncap;
	return Z_OK;
}
