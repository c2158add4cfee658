/* buf: the one growable byte buffer of the program, always NUL-terminated, and the
 * program's allocator.
 *
 * Out of memory — the one policy (as redis's zmalloc): an allocation that fails is not an
 * error a caller handles, it ends the process. buf_*, array_reserve's growth, z_malloc,
 * z_calloc, z_realloc, z_strdup and web_set* log "out of memory" and abort(). So a buf_* call
 * cannot fail and its result needs no check; new code allocates through z_* (or buf) and
 * does not test for NULL. Why: a check at each of hundreds of call sites was a promise nobody
 * kept (most results went unchecked), and an untested recovery path is worse than a clean
 * stop. What a stop costs: the database rolls back the open transaction (stock is never half
 * moved), the FastCGI manager starts a new worker, the batch's next cycle picks up the work.
 * Bounds on untrusted sizes (request bodies, CSV files, mall answers) are checked before
 * anything is allocated, so input cannot drive a worker out of memory. Z_NOMEM stays for
 * older code whose malloc checks are still in place (harmless, removed as code is touched)
 * and for sizes that cannot be represented at all (array_reserve's overflow). */
#ifndef ZAIKO_BUF_H
#define ZAIKO_BUF_H

#include <stdarg.h>
#include "core/zaiko.h"

/* Allocation that never returns NULL: on failure, logs and aborts (see above). z_calloc also
 * aborts when n * size overflows. Free with free(). */
void *z_malloc(size_t size);
void *z_calloc(size_t n, size_t size);
void *z_realloc(void *p, size_t size);
char *z_strdup(const char *s);
/* Logs that size bytes could not be had and aborts; for the allocation failure of a library
 * (ClearSilver, cJSON) whose out-of-memory error reaches us as a return code. */
_Noreturn void z_oom(size_t size);

typedef struct {
	char *data;  /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
} buf;

#define BUF_INIT {NULL, 0, 0}

/* Appenders return Z_OK (always: out of memory aborts, see above). */
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
 * doubling from 8. *cap changes only on success. Z_OK, or Z_NOMEM with the array unchanged
 * when the size cannot be represented (need beyond INT_MAX / 2, or the bytes beyond SIZE_MAX);
 * a failing allocation aborts. */
int array_reserve(void *arrayp, int *cap, int need, size_t elem);
/* Growth of a list counted in size_t (n used of *cap): when n has reached *cap, the array
 * *arrayp points to (a T **) is doubled, from 16. Never fails: out of memory, or a size that
 * cannot be represented, aborts (the policy above). array_doubled is the next capacity, for
 * several arrays that share one count; z_reallocarray grows one of them to it. */
void array_grow(void *arrayp, size_t *cap, size_t n, size_t elem);
size_t array_doubled(size_t cap);
void *z_reallocarray(void *p, size_t n, size_t elem);

#endif
