/* json_field: type-checked, bounded reads of JSON members for the reply parsers. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "mall/json_field.h"

void json_set_err(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", what);
}

const cJSON *json_member(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

int json_copy_str(const cJSON *obj, const char *key, bool required, char *out, size_t outlen)
{
	const cJSON *v = json_member(obj, key);
	out[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return required ? Z_INVALID : Z_OK;
	if (!cJSON_IsString(v) || !v->valuestring)
		return Z_INVALID;
	size_t n = strlen(v->valuestring);
	if (n >= outlen)
		return Z_INVALID;
	memcpy(out, v->valuestring, n + 1);
	return Z_OK;
}

int json_get_int(const cJSON *obj, const char *key, int min, int max, int *out)
{
	const cJSON *v = json_member(obj, key);
	if (!cJSON_IsNumber(v))
		return Z_INVALID;
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < min || d > max)
		return Z_INVALID;
	*out = (int)d;
	return Z_OK;
}

bool json_unix_time(const cJSON *v, time_t *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 253402300799.0)
		return false;
	*out = (time_t)v->valuedouble;
	return true;
}
