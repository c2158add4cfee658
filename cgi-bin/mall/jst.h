/* jst: mall wire times (Japan Standard Time, UTC+9, no daylight saving) to and from UTC. */
#ifndef ZAIKO_JST_H
#define ZAIKO_JST_H

#include <stddef.h>
#include <time.h>
#include "core/zaiko.h"

/* Parses "YYYY-MM-DDTHH:MM:SS" (space for T, fraction, Z, +09:00 or +0900 allowed) or
 * "YYYYMMDDHHMMSS" into UTC; without an offset the time is JST. Z_OK or Z_INVALID. */
int jst_parse_time(const char *s, time_t *out);
typedef enum {
	JST_COMPACT,  /* YYYYMMDDHHMMSS (Yahoo orderList) */
	JST_ISO_0900, /* YYYY-MM-DDTHH:MM:SS+0900 (Rakuten searchOrder) */
} jst_style;

/* Formats UTC t as JST wall-clock time in out (20 bytes suffice for COMPACT, 25 for ISO). */
void jst_format(time_t t, jst_style style, char *out, size_t outlen);

#endif
