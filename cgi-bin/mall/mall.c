/* mall: adapter lookup and helpers shared by every adapter. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void mall_status_set(mall_status *st, mall_outcome outcome, int http_status, const char *fmt, ...)
{
	st->outcome = outcome;
	st->http_status = http_status;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	/* A message longer than the field is cut on a character boundary, never inside one. */
	if (n >= (int)sizeof(st->message))
		st->message[utf8_complete(st->message, strlen(st->message))] = '\0';
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

long mall_retry_after_ms(const mall_shop *shop, const http_response *r)
{
	char v[32];
	if (http_header(r, "Retry-After", v, sizeof(v))) {
		char *end;
		errno = 0;
		long long secs = strtoll(v, &end, 10);
		if (!errno && end != v && !*end && secs >= 0 && secs < 86400)
			return secs > 0 ? (long)(secs * 1000) : 1000;
	}
	return (long)mall_opt_int(shop, "retry_after_ms", 1000);
}

void *mall_state(mall_shop *shop, size_t size)
{
	if (!shop->adapter_state)
		shop->adapter_state = calloc(1, size);
	return shop->adapter_state;
}
