/* log: one line per event on stderr, tagged with the current request id. */
#ifndef ZAIKO_LOG_H
#define ZAIKO_LOG_H

#include "core/zaiko.h"

typedef enum { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } log_level;

/* Sets the tag printed on every line (a request id, or "batch"); copied. */
void log_set_context(const char *id);
void log_set_level(log_level min);
void log_msg(log_level level, const char *fmt, ...) Z_PRINTF(2, 3);

/* Never pass a password, token or credential to these. */
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
