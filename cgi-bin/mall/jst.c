/* jst: the wall-clock times Japanese malls put on the wire (JST unless an offset says
 * otherwise), to and from UTC time_t. */
#include <stdio.h>
#include <string.h>
#include "mall/jst.h"

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

int jst_parse_time(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, oh = 9, om = 0, sign = 1;
	const char *p = s;
	if (!s)
		return Z_INVALID;
	if (strlen(s) == 14) {
		if (!digits(&p, 4, &y) || !digits(&p, 2, &mo) || !digits(&p, 2, &d) ||
		    !digits(&p, 2, &h) || !digits(&p, 2, &mi) || !digits(&p, 2, &sec))
			return Z_INVALID;
	} else {
		if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
		    !digits(&p, 2, &d) || (*p != 'T' && *p != ' '))
			return Z_INVALID;
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
		    !digits(&p, 2, &sec))
			return Z_INVALID;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if (*p == 'Z') {
			oh = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (!digits(&p, 2, &oh))
				return Z_INVALID;
			if (*p == ':')
				p++;
			if (!digits(&p, 2, &om))
				return Z_INVALID;
		}
		if (*p)
			return Z_INVALID;
	}
	if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || oh > 14 || om > 59)
		return Z_INVALID;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
	                .tm_min = mi, .tm_sec = sec};
	*out = timegm(&tm) - sign * (oh * 3600 + om * 60);
	return Z_OK;
}

void jst_format(time_t t, jst_style style, char *out, size_t outlen)
{
	struct tm tm;
	time_t j = t + 9 * 3600;
	gmtime_r(&j, &tm);
	if (style == JST_COMPACT)
		snprintf(out, outlen, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d+0900", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
