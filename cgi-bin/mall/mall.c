/* mall: adapter lookup and helpers shared by every adapter. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/smsg.h"
#include "core/utf8.h"
#include "mall/mall.h"

extern const mall_adapter mall_yahoo, mall_rakuten, mall_amazon, mall_shopify;
extern const mall_adapter mall_base, mall_colorme;

const mall_adapter *mall_adapter_for(const char *mall)
{
	static const mall_adapter *const all[] = {&mall_yahoo, &mall_rakuten, &mall_amazon,
	                                          &mall_shopify, &mall_base, &mall_colorme};
	for (size_t i = 0; mall && i < Z_ARRAY_LEN(all); i++)
		if (!strcmp(all[i]->mall, mall))
			return all[i];
	return NULL;
}

bool mall_item_code_folds(const char *mall)
{
	/* RMS folds 商品管理番号 to lower case (PROTOCOLS §2.2). */
	return mall && !strcmp(mall, "rakuten");
}

static void status_vset(mall_status *st, mall_outcome outcome, int http_status,
                        const char *fmt, va_list ap) Z_PRINTF(4, 0);

static void status_vset(mall_status *st, mall_outcome outcome, int http_status,
                        const char *fmt, va_list ap)
{
	st->outcome = outcome;
	st->http_status = http_status;
	st->msg[0] = '\0';
	int n = vsnprintf(st->message, sizeof(st->message), fmt, ap);
	/* A message longer than the field is cut on a character boundary, never inside one. */
	if (n >= (int)sizeof(st->message))
		st->message[utf8_complete(st->message, strlen(st->message))] = '\0';
}

void mall_status_set(mall_status *st, mall_outcome outcome, int http_status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_vset(st, outcome, http_status, fmt, ap);
	va_end(ap);
}

void mall_status_setk(mall_status *st, mall_outcome outcome, int http_status, const char *key,
                      const char *fmt, ...)
{
	va_list ap;
	buf m = BUF_INIT;
	va_start(ap, fmt);
	int rc = smsg_vkeyf(&m, key, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	status_vset(st, outcome, http_status, fmt, ap);
	va_end(ap);
	/* Kept only whole: a cut form would not render (the text shows then). */
	if (rc == Z_OK && m.len < sizeof(st->msg))
		memcpy(st->msg, buf_str(&m), m.len + 1);
	buf_free(&m);
}

mall_outcome mall_classify_http(int http_status)
{
	if (http_status >= 200 && http_status < 300)
		return MALL_OK;
	if (http_status == 401 || http_status == 403)
		return MALL_AUTH;
	if (http_status == 429)
		return MALL_RATE_LIMITED;
	if (http_status == 0 || http_status >= 500 || http_status == 408)
		return MALL_TEMPORARY;
	return MALL_ITEM;
}

static const char *json_str(const cJSON *obj, const char *key, const char *def)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : def;
}

const char *mall_cred(const mall_shop *shop, const char *key, const char *def)
{
	return json_str(shop->credentials, key, def);
}

const char *mall_opt(const mall_shop *shop, const char *key, const char *def)
{
	return json_str(shop->options, key, def);
}

long long mall_opt_int(const mall_shop *shop, const char *key, long long def)
{
	const cJSON *v = shop->options ? cJSON_GetObjectItemCaseSensitive(shop->options, key) : NULL;
	/* Converting a double beyond long long's range is undefined: such a knob is no knob. */
	if (cJSON_IsNumber(v))
		return v->valuedouble > -9e18 && v->valuedouble < 9e18 ? (long long)v->valuedouble : def;
	if (cJSON_IsString(v) && v->valuestring) {
		char *end;
		long long x = strtoll(v->valuestring, &end, 10);
		if (end != v->valuestring && !*end)
			return x;
	}
	return def;
}

void mall_status_ok(mall_status *st, int http_status)
{
	memset(st, 0, sizeof(*st));
	st->outcome = MALL_OK;
	st->http_status = http_status;
}

int mall_cred_set(mall_shop *shop, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value);
	if (!v)
		return Z_NOMEM;
	if (cJSON_GetObjectItemCaseSensitive(shop->credentials, key))
		cJSON_ReplaceItemInObjectCaseSensitive(shop->credentials, key, v);
	else
		cJSON_AddItemToObject(shop->credentials, key, v);
	return Z_OK;
}

int mall_base_len(const char *base)
{
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	return (int)n;
}

bool mall_retry_after_header(const http_response *r, long *ms)
{
	char v[64];
	if (!http_header(r, "Retry-After", v, sizeof(v)))
		return false;
	char *end;
	double s = strtod(v, &end);
	if (end == v || *end || !isfinite(s) || s < 0 || s >= 86400)
		return false;
	*ms = (long)ceil(s * 1000);
	return true;
}

long mall_retry_after_ms(const mall_shop *shop, const http_response *r)
{
	long ms;
	if (mall_retry_after_header(r, &ms))
		return ms > 0 ? ms : 1000;
	return (long)mall_opt_int(shop, "retry_after_ms", 1000);
}

int mall_put_url(buf *b, const mall_shop *shop, const char *path)
{
	const char *base = shop->api_base ? shop->api_base : "";
	return buf_append(b, base, (size_t)mall_base_len(base)) || buf_puts(b, path);
}

bool mall_is_digits(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (!n || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

void mall_wall_time(const mall_shop *shop, time_t t, char *out, size_t len)
{
	struct tm tm;
	time_t w = t + (time_t)mall_opt_int(shop, "tz_offset_s", 9 * 3600);
	gmtime_r(&w, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

cJSON *mall_parse_body(const mall_shop *shop, const http_response *r)
{
	long long max = mall_opt_int(shop, "max_reply_bytes", 16L << 20);
	if (!r->body.data || (long long)r->body.len > max)
		return NULL;
	return cJSON_ParseWithLength(r->body.data, r->body.len);
}

void mall_release_state(mall_shop *shop)
{
	free(shop->adapter_state);
	shop->adapter_state = NULL;
}

void *mall_state(mall_shop *shop, size_t size)
{
	if (!shop->adapter_state)
		shop->adapter_state = calloc(1, size);
	return shop->adapter_state;
}
