/* jst: Japan Standard Time (UTC+9, no daylight saving), the merchant's clock, to and from UTC
 * for the screens and the malls (Yahoo and 楽天 speak it; RFC 3339 with a zone for Amazon and
 * Shopify). In core so the web and the malls share one. */
#ifndef ZAIKO_JST_H
#define ZAIKO_JST_H

#include <stddef.h>
#include <time.h>
#include "core/zaiko.h"

/* Parses "YYYY-MM-DDTHH:MM:SS" (space for T, fraction, Z, +09:00 or +0900 allowed) or
 * "YYYYMMDDHHMMSS" into UTC; without an offset the time is JST. Z_OK or Z_INVALID. */
int jst_parse_time(const char *s, time_t *out);

/* Widenings of mall_parse_utc_time's form, for a mall that is known to send them. */
enum {
	MALL_TIME_LOWER = 1, /* 't' and 'z' as well as 'T' and 'Z' */
	MALL_TIME_SPACE = 2, /* ' ' in place of 'T' */
};
/* Parses RFC 3339 "YYYY-MM-DDTHH:MM:SS[.d+](Z|±hh[:]mm)" (the zone required, years
 * 1970..9999, offsets below 24 h) into UTC; flags (MALL_TIME_*) widen the form. Z_OK, or
 * Z_INVALID with *out untouched. */
int mall_parse_utc_time(const char *s, unsigned flags, time_t *out);

/* Parses what a person types in a form for a JST time: "YYYY-MM-DD" (midnight) or
 * "YYYY-MM-DD HH:MM", a real date (no 2026-02-31) of the years 2000..2100, into UTC. Z_OK or
 * Z_INVALID with *out untouched. */
int jst_parse_entry(const char *s, time_t *out);

typedef enum {
	JST_COMPACT,  /* YYYYMMDDHHMMSS (Yahoo orderList) */
	JST_ISO_0900, /* YYYY-MM-DDTHH:MM:SS+0900 (Rakuten searchOrder) */
	JST_PAGE,     /* YYYY-MM-DD HH:MM:SS (as the screens show it) */
} jst_style;

/* Formats UTC t as JST wall-clock time in out (20 bytes suffice for COMPACT and PAGE, 25 for
 * ISO). */
void jst_format(time_t t, jst_style style, char *out, size_t outlen);
/* UTC t as JST broken-down time (for strftime). */
void jst_tm(time_t t, struct tm *out);

/* The same clock in SQL, for a page that shows a stored time: the expression showing col (a
 * UTC DATETIME column or expression; the connection's zone is UTC) as JST in DATE_FORMAT's
 * fmt, NULL for NULL. JST_SQL("m.created_at", JST_SQL_SECOND) reads as jst_format's JST_PAGE;
 * tests/db/test_db.c holds them to the same text. col and fmt are string literals. */
#define JST_SQL(col, fmt) "DATE_FORMAT(" col " + INTERVAL 9 HOUR, '" fmt "')"
#define JST_SQL_MINUTE "%Y-%m-%d %H:%i"
#define JST_SQL_SECOND "%Y-%m-%d %H:%i:%s"

#endif
