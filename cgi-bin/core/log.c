/* log: stderr lines with a time, a level and the request id. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/log.h"

static char context[40] = "-";
static log_level min_level = LOG_LEVEL_INFO;

void log_set_context(const char *id)
{
	snprintf(context, sizeof(context), "%s", id ? id : "-");
}

void log_set_level(log_level min)
{
	min_level = min;
}

void log_msg(log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	if (level < min_level)
		return;
	char line[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s [%s] ",
	                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	                 tm.tm_sec, ts.tv_nsec / 1000000, names[level], context);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line, one write: control characters from data never split a record. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s\n", line);
}
