/* Common vocabulary: status codes and small helpers every layer uses. */
#ifndef ZAIKO_H
#define ZAIKO_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* Every fallible function returns one of these; details go to the log. */
typedef enum {
	Z_OK = 0,
	Z_ERR = -1,      /* a bug or an unexpected failure: log it, answer 500 */
	Z_INVALID = -2,  /* bad input from a user or a mall: a clear message, nothing changed */
	Z_NOTFOUND = -3,
	Z_CONFLICT = -4, /* a stale value or a lock held elsewhere: retry or ask the user */
	Z_NOMEM = -5,
} zstatus;

#define Z_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define Z_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define Z_PRINTF(fmt, args)
#endif

#endif
