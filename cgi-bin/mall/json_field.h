/* json_field: bounded reads of members of untrusted JSON replies (every JSON mall). */
#ifndef ZAIKO_JSON_FIELD_H
#define ZAIKO_JSON_FIELD_H

#include <stddef.h>
#include <time.h>
#include <cJSON.h>
#include "core/zaiko.h"

/* Writes what into err when err is given (parsers' short English reason for the log). */
void json_set_err(char *err, size_t errlen, const char *what);
/* obj's member key when obj is an object, else NULL. */
const cJSON *json_member(const cJSON *obj, const char *key);
/* Copies string member key into out ("" when absent or null). Z_INVALID when it is required
 * and absent, not a string, or does not fit: a cut identifier would name another thing. */
int json_copy_str(const cJSON *obj, const char *key, bool required, char *out, size_t outlen);
/* Integral number member key within [min, max] into *out; Z_INVALID otherwise (absent too). */
int json_get_int(const cJSON *obj, const char *key, int min, int max, int *out);
/* A JSON number of Unix seconds (0 .. year 9999) into *out; false otherwise. */
bool json_unix_time(const cJSON *v, time_t *out);

#endif
