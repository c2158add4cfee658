/* jst: Japan Standard Time and the wall-clock times malls put on the wire (JST unless an
 * offset says otherwise for the Japanese malls, RFC 3339 with a zone for the others), to and
 * from UTC time_t. */
#include <stdio.h>
#include <string.h>
#include "core/jst.h"

/* A wire time as written; the offset (sign, oh, om: east of UTC) counts only when zoned. */
typedef struct {
	int y, mo, d, h, mi, sec;
	int oh, om, sign;
	bool zoned;
} wire_time;

/* How much an "ISO" time may differ from RFC 3339 for one caller. */
typedef struct {
	const char *seps;      /* allowed between date and time */
	const char *utc;       /* letters meaning UTC */
	bool bare_point;       /* "." without fraction digits */
	int max_year;
	int max_offset_h;
} wire_form;

static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char ch = (*p)[i];
		if (ch < '0' || ch > '9')
			return false;
		v = v * 10 + (ch - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool one_of(char ch, const char *set)
{
	return ch && strchr(set, ch);
}

/* "YYYY-MM-DD?HH:MM:SS[.fff][Z|±hh[:]mm]" as form allows; a missing zone leaves !zoned. */
static bool scan_iso(const char *p, const wire_form *form, wire_time *t)
{
	memset(t, 0, sizeof(*t));
	t->sign = 1;
	if (!digits(&p, 4, &t->y) || *p++ != '-' || !digits(&p, 2, &t->mo) || *p++ != '-' ||
	    !digits(&p, 2, &t->d) || !one_of(*p, form->seps))
		return false;
	p++;
	if (!digits(&p, 2, &t->h) || *p++ != ':' || !digits(&p, 2, &t->mi) || *p++ != ':' ||
	    !digits(&p, 2, &t->sec))
		return false;
	if (*p == '.') {
		p++;
		if (!form->bare_point && (*p < '0' || *p > '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (one_of(*p, form->utc)) {
		t->zoned = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		t->zoned = true;
		t->sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &t->oh))
			return false;
		if (*p == ':')
			p++;
		if (!digits(&p, 2, &t->om))
			return false;
	}
	return !*p;
}

/* Range checks shared by every form, then the UTC second. */
static int to_utc(const wire_time *t, const wire_form *form, time_t *out)
{
	if (t->y < 1970 || t->y > form->max_year || t->mo < 1 || t->mo > 12 || t->d < 1 ||
	    t->d > 31 || t->h > 23 || t->mi > 59 || t->sec > 60 || t->oh > form->max_offset_h ||
	    t->om > 59)
		return Z_INVALID;
	struct tm tm = {.tm_year = t->y - 1900, .tm_mon = t->mo - 1, .tm_mday = t->d,
	                .tm_hour = t->h, .tm_min = t->mi, .tm_sec = t->sec};
	time_t u = timegm(&tm);
	if (u == (time_t)-1)
		return Z_INVALID;
	*out = u - t->sign * (t->oh * 3600 + t->om * 60);
	return Z_OK;
}

int jst_parse_time(const char *s, time_t *out)
{
	static const wire_form form = {"T ", "Z", true, 2200, 14};
	wire_time t;
	const char *p = s;
	if (!s)
		return Z_INVALID;
	if (strlen(s) == 14) {
		memset(&t, 0, sizeof(t));
		t.sign = 1;
		if (!digits(&p, 4, &t.y) || !digits(&p, 2, &t.mo) || !digits(&p, 2, &t.d) ||
		    !digits(&p, 2, &t.h) || !digits(&p, 2, &t.mi) || !digits(&p, 2, &t.sec))
			return Z_INVALID;
	} else if (!scan_iso(s, &form, &t)) {
		return Z_INVALID;
	}
	if (!t.zoned)
		t.oh = 9;
	return to_utc(&t, &form, out);
}

int mall_parse_utc_time(const char *s, unsigned flags, time_t *out)
{
	bool lower = flags & MALL_TIME_LOWER, space = flags & MALL_TIME_SPACE;
	const char *seps = lower ? (space ? "Tt " : "Tt") : (space ? "T " : "T");
	const wire_form form = {seps, lower ? "Zz" : "Z", false, 9999, 23};
	wire_time t;
	if (!s || !scan_iso(s, &form, &t) || !t.zoned)
		return Z_INVALID;
	return to_utc(&t, &form, out);
}

int jst_parse_entry(const char *s, time_t *out)
{
	static const wire_form form = {" ", "", false, 2100, 9};
	wire_time t;
	memset(&t, 0, sizeof(t));
	const char *p = s;
	size_t n = s ? strlen(s) : 0;
	if (n != 10 && n != 16)
		return Z_INVALID;
	if (!digits(&p, 4, &t.y) || *p++ != '-' || !digits(&p, 2, &t.mo) || *p++ != '-' ||
	    !digits(&p, 2, &t.d))
		return Z_INVALID;
	if (n == 16 && (*p++ != ' ' || !digits(&p, 2, &t.h) || *p++ != ':' || !digits(&p, 2, &t.mi)))
		return Z_INVALID;
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (t.y % 4 == 0 && t.y % 100 != 0) || t.y % 400 == 0;
	if (t.y < 2000 || t.mo < 1 || t.mo > 12 || t.d > days[t.mo - 1] + (t.mo == 2 && leap))
		return Z_INVALID; /* 2026-02-31 is no date: the database would refuse it */
	t.sign = 1;
	t.oh = 9;
	return to_utc(&t, &form, out);
}

void jst_tm(time_t t, struct tm *out)
{
	time_t j = t + 9 * 3600;
	gmtime_r(&j, out);
}

void jst_format(time_t t, jst_style style, char *out, size_t outlen)
{
	struct tm tm;
	jst_tm(t, &tm);
	if (style == JST_PAGE)
		snprintf(out, outlen, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else if (style == JST_COMPACT)
		snprintf(out, outlen, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d+0900", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
