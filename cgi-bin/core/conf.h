/* conf: the INI-style configuration file (conf/zaiko.conf.example). */
#ifndef ZAIKO_CONF_H
#define ZAIKO_CONF_H

#include "core/zaiko.h"

typedef struct conf conf;

/* Reads path (or $ZAIKO_CONF, or /etc/zaiko/zaiko.conf when path is NULL).
 * Returns NULL and logs the line on a syntax error; the caller frees with conf_free. */
conf *conf_load(const char *path);
/* Parses text already in memory; the same rules as conf_load. */
conf *conf_parse(const char *text, size_t len);
void conf_free(conf *c);
/* The value of key in [section], or def; the conf owns the string. */
const char *conf_get(const conf *c, const char *section, const char *key, const char *def);
/* An integer value within [min, max], or def when absent or invalid (invalid is logged). */
long long conf_int(const conf *c, const char *section, const char *key, long long def,
                   long long min, long long max);
/* The path that conf_load would read when given NULL. */
const char *conf_default_path(void);

#endif
