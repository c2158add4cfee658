/* base: the BASE (thebase.in) API v1 adapter: POST /1/items/edit_stock per item or variation,
 * GET /1/items/detail to read stock back, GET /1/orders + /1/orders/detail for orders and
 * cancellations, OAuth2 access tokens renewed with the refresh token.
 *
 * Protocol facts relied on (source: the official BASE API v1 documentation as published in
 * github.com/baseinc/api-docs, commit 2760123 of 2019-04-11, the last before the text moved
 * to docs.thebase.in/docs/api/ — README.md, base_api_v1_oauth_refresh_token.md,
 * base_api_v1_items_edit_stock.md, base_api_v1_items_detail.md, base_api_v1_orders.md,
 * base_api_v1_orders_detail.md, samples/php):
 * - Host https://api.thebase.in/, paths /1/...; every call carries "Authorization: Bearer
 *   {access_token}"; JSON replies; a success is 200, an error 400 with
 *   {"error": code, "error_description": text}. An invalid access token is
 *   error "invalid_request" ("アクセストークンが無効です。"); a missing scope "invalid_scope".
 * - POST /1/oauth/token, form-encoded, grant_type=refresh_token, client_id, client_secret,
 *   refresh_token, redirect_uri (all required) → access_token, token_type bearer,
 *   expires_in 3600 (access token ≈ 1 h), refresh_token (≈ 30 days).
 * - POST /1/items/edit_stock (scope write_items), form: item_id, and stock, or variation_id +
 *   variation_stock; the variations' stock adds up to the item's stock by itself. Reply: the
 *   item with stock and variations[] (variation_id, variation_stock). Errors: bad_item_id,
 *   bad_variation_id, bad_params, validation_error, not_post_method.
 * - GET /1/items/detail/:item_id → {"item": …} as above.
 * - GET /1/orders (scope read_orders): start_ordered / end_ordered ("yyyy-mm-dd hh:mm:ss"),
 *   limit (default 20, max 100), offset → orders[] with unique_key, ordered, cancelled,
 *   dispatch_status (ordered, cancelled, dispatched, unpaid, shipping), modified — times are
 *   Unix seconds. The list filters by order time only, not by change time.
 * - GET /1/orders/detail/:unique_key → order with order_items[] (order_item_id, item_id,
 *   variation_id, amount, status ordered|cancelled|dispatched, modified).
 * - Limits: 5000 calls per hour and 100000 per day per user, counted back to zero on the
 *   hour; beyond them error hour_api_limit / day_api_limit.
 * Unconfirmed, each a per-shop option: the zone of start_ordered/end_ordered (tz_offset_s,
 * JST), how long after ordering an order still changes (order_lookback_s, 14 days: older
 * orders' cancellations are not seen), the HTTP status of a limit error (400 and 429 both
 * taken), whether an expired token answers 400 or 401 (both taken), whether the refresh
 * token rotates (a new one is stored whenever it comes).
 *
 * Credentials (JSON): client_id, client_secret, refresh_token, redirect_uri; access_token is
 * written back. A listing's item_code is the 商品ID (item_id), its sub_code the 種類ID
 * (variation_id), empty for an item without variations.
 * Options (defaults): token_path "/1/oauth/token", refresh_ahead_s 300, pace_ms 0 (between
 * calls), timeout_ms 0 (the client's), retry_after_ms 1000, orders_page_size 100,
 * order_lookback_s 1209600, tz_offset_s 32400, max_reply_bytes 16 MiB, verify_stock 1 (an
 * edit_stock reply that shows another number is an error). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/buf.h"
#include "core/log.h"
#include "mall/json_field.h"
#include "mall/mall.h"
#include "mall/pace.h"

#define BASE_MAX_PAGES 10000
#define BASE_CODE_MAX 20
/* What an order's unique_key is made of (the documentation shows 16 hex digits); it goes into
 * a URL path as is. */
#define KEY_CHARS "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"

typedef struct {
	struct timespec last;
	time_t limited_until;   /* after hour_api_limit / day_api_limit: no call before this */
	bool limited_day;
} base_state;

/* One order of the list that changed in the window. */
typedef struct {
	char key[64];
	time_t modified;
} base_ref;

static void pace(mall_shop *shop)
{
	base_state *s = mall_state(shop, sizeof(base_state));
	if (s)
		mall_pace(&s->last, mall_opt_int(shop, "pace_ms", 0));
}

/* True when s is a BASE id: 1..BASE_CODE_MAX decimal digits. */
static bool is_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!n || n > BASE_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int put_url(buf *b, const mall_shop *shop, const char *path)
{
	const char *base = shop->api_base ? shop->api_base : "";
	return buf_append(b, base, (size_t)mall_base_len(base)) || buf_puts(b, path);
}

/* "YYYY-MM-DD HH:MM:SS" wall time at the shop's offset (JST unless told). */
static void wall_time(const mall_shop *shop, time_t t, char *out, size_t len)
{
	struct tm tm;
	time_t w = t + (time_t)mall_opt_int(shop, "tz_offset_s", 9 * 3600);
	gmtime_r(&w, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static cJSON *parse_body(const mall_shop *shop, const http_response *r)
{
	long long max = mall_opt_int(shop, "max_reply_bytes", 16L << 20);
	if (!r->body.data || (long long)r->body.len > max)
		return NULL;
	return cJSON_ParseWithLength(r->body.data, r->body.len);
}

/* The error code of a reply ({"error": …}), "" when none. */
static void error_of(const mall_shop *shop, const http_response *r, char *code, size_t len)
{
	cJSON *j = parse_body(shop, r);
	if (json_copy_str(j, "error", false, code, len) != Z_OK)
		code[0] = '\0';
	for (char *p = code; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	cJSON_Delete(j);
}

/* Milliseconds until BASE counts calls from zero again: the next hour, or for the daily
 * limit the next midnight at the shop's offset; one second more for clock skew. */
static long until_reset_ms(const mall_shop *shop, bool day)
{
	time_t now = time(NULL);
	long long off = mall_opt_int(shop, "tz_offset_s", 9 * 3600);
	long long period = day ? 86400 : 3600;
	long long local = (long long)now + off;
	long long left = period - local % period;
	return (long)((left + 1) * 1000);
}

/* The refresh-token grant: a new access token (and refresh token when one comes). */
static mall_outcome grant(mall_shop *shop, mall_status *st)
{
	mall_outcome oc = MALL_TEMPORARY;
	buf url = BUF_INIT, form = BUF_INIT;
	http_response resp;
	cJSON *j = NULL;
	memset(&resp, 0, sizeof(resp));
	const char *cid = mall_cred(shop, "client_id", ""), *sec = mall_cred(shop, "client_secret", "");
	const char *rt = mall_cred(shop, "refresh_token", ""), *redir = mall_cred(shop, "redirect_uri", "");
	if (!*cid || !*sec || !*rt || !*redir || !shop->credentials) {
		mall_status_set(st, MALL_AUTH, 0,
		                "BASEの認証情報 (client_id, client_secret, refresh_token, redirect_uri) が設定されていません");
		return MALL_AUTH;
	}
	if (put_url(&url, shop, mall_opt(shop, "token_path", "/1/oauth/token")) ||
	    buf_puts(&form, "grant_type=refresh_token&client_id=") || http_urlencode(&form, cid) ||
	    buf_puts(&form, "&client_secret=") || http_urlencode(&form, sec) ||
	    buf_puts(&form, "&refresh_token=") || http_urlencode(&form, rt) ||
	    buf_puts(&form, "&redirect_uri=") || http_urlencode(&form, redir)) {
		mall_status_set(st, MALL_TEMPORARY, 0, "メモリ不足");
		goto out;
	}
	const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
	                         "Accept: application/json", NULL};
	http_request req = {"POST", buf_str(&url), headers, buf_str(&form), form.len,
	                    (long)mall_opt_int(shop, "timeout_ms", 0)};
	pace(shop);
	if (http_perform(shop->http, &req, &resp) != Z_OK) {
		mall_status_set(st, MALL_TEMPORARY, 0, "BASEのトークン発行に接続できません: %s", resp.error);
		goto out;
	}
	if (resp.status != 200) {
		char code[48];
		error_of(shop, &resp, code, sizeof(code));
		if (resp.status == 429 || !strcmp(code, "hour_api_limit") || !strcmp(code, "day_api_limit")) {
			mall_status_set(st, MALL_RATE_LIMITED, resp.status, "BASEの呼び出し上限に達しました (%s)", code);
			st->retry_after_ms = resp.status == 429 ? mall_retry_after_ms(shop, &resp)
			                                        : until_reset_ms(shop, !strcmp(code, "day_api_limit"));
		} else if (resp.status >= 500 || resp.status == 408 || !strcmp(code, "server_error")) {
			mall_status_set(st, MALL_TEMPORARY, resp.status,
			                "BASEのトークン発行が一時的に応答できません (HTTP %d)", resp.status);
		} else {
			mall_status_set(st, MALL_AUTH, resp.status,
			                "BASEがトークン発行を拒否しました (%s)。リフレッシュトークンの期限 (30日) が切れた場合はBASEで再認可してください",
			                code[0] ? code : "HTTP");
		}
		oc = st->outcome;
		goto out;
	}
	j = parse_body(shop, &resp);
	const cJSON *at = json_member(j, "access_token"), *ex = json_member(j, "expires_in");
	const cJSON *nrt = json_member(j, "refresh_token");
	if (!cJSON_IsString(at) || !at->valuestring[0] || strlen(at->valuestring) > 2048 ||
	    !http_header_value_ok(at->valuestring) || (ex && !cJSON_IsNumber(ex))) {
		mall_status_set(st, MALL_TEMPORARY, 200, "BASEのトークン応答を解釈できません");
		goto out;
	}
	double secs = ex ? ex->valuedouble : 3600;
	if (secs < 1 || secs > 366 * 86400.0)
		secs = 3600;
	if (mall_cred_set(shop, "access_token", at->valuestring) ||
	    (cJSON_IsString(nrt) && nrt->valuestring[0] && strlen(nrt->valuestring) <= 2048 &&
	     mall_cred_set(shop, "refresh_token", nrt->valuestring))) {
		mall_status_set(st, MALL_TEMPORARY, 0, "メモリ不足");
		goto out;
	}
	shop->credentials_changed = true;
	shop->token_expires_at = time(NULL) + (time_t)secs;
	mall_status_ok(st, 200);
	oc = MALL_OK;
out:
	cJSON_Delete(j);
	buf_free(&url);
	buf_free(&form);
	http_response_free(&resp);
	return oc;
}

static mall_outcome refresh(mall_shop *shop, bool force, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	if (!shop->api_base || !shop->api_base[0]) {
		mall_status_set(st, MALL_AUTH, 0, "BASE: APIのURLが未設定です");
		return MALL_AUTH;
	}
	const char *tok = mall_cred(shop, "access_token", "");
	long long ahead = mall_opt_int(shop, "refresh_ahead_s", 300);
	if (!force && tok[0] && strlen(tok) <= 2048 && http_header_value_ok(tok) &&
	    (!shop->token_expires_at || shop->token_expires_at - ahead > time(NULL))) {
		mall_status_ok(st, 0);
		return MALL_OK;
	}
	return grant(shop, st);
}

/* A non-200 reply of an API call → outcome; *token_bad when it says the token is not good. */
static mall_outcome classify(const mall_shop *shop, const http_response *r, mall_status *st,
                             bool *token_bad)
{
	char code[48];
	int s = r->status;
	error_of(shop, r, code, sizeof(code));
	*token_bad = false;
	if (!strcmp(code, "hour_api_limit") || !strcmp(code, "day_api_limit")) {
		bool day = !strcmp(code, "day_api_limit");
		mall_status_set(st, MALL_RATE_LIMITED, s, "BASEの%sの呼び出し上限に達しました (%s)",
		                day ? "1日" : "1時間", code);
		st->retry_after_ms = until_reset_ms(shop, day);
	} else if (s == 429) {
		mall_status_set(st, MALL_RATE_LIMITED, s, "BASEの呼び出し上限に達しました (HTTP 429)");
		st->retry_after_ms = mall_retry_after_ms(shop, r);
	} else if (s == 401 || !strcmp(code, "invalid_request")) {
		*token_bad = true;
		mall_status_set(st, MALL_AUTH, s, "BASEがアクセストークンを受け付けません (%s)",
		                code[0] ? code : "HTTP 401");
	} else if (s == 403 || !strcmp(code, "invalid_scope") || !strcmp(code, "access_denied")) {
		mall_status_set(st, MALL_AUTH, s,
		                "BASEがこの操作を許可していません (%s)。アプリの権限 (read_items, write_items, read_orders) を確認してください",
		                code[0] ? code : "HTTP 403");
	} else if (s == 0 || s == 408 || s >= 500 || !strcmp(code, "server_error")) {
		mall_status_set(st, MALL_TEMPORARY, s, "BASEが一時的に応答できません (HTTP %d %s)", s, code);
	} else {
		mall_status_set(st, MALL_ITEM, s, "BASEがリクエストを拒否しました (HTTP %d %s)", s,
		                code[0] ? code : "-");
	}
	return st->outcome;
}

/* One call with the token, renewed once when BASE refuses it. On MALL_OK *out holds the
 * parsed 200 reply (the caller deletes it). */
static mall_outcome call(mall_shop *shop, const char *method, const char *path, const char *form,
                         cJSON **out, mall_status *st)
{
	buf url = BUF_INIT;
	http_response resp;
	mall_outcome oc = MALL_TEMPORARY;
	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	if (put_url(&url, shop, path)) {
		mall_status_set(st, oc, 0, "メモリ不足");
		return oc;
	}
	base_state *bs = mall_state(shop, sizeof(base_state));
	if (bs && bs->limited_until > time(NULL)) {
		/* BASE said the hour's (or day's) calls are used up: asking again before the count
		 * starts over would only count against it. */
		mall_status_set(st, MALL_RATE_LIMITED, 0, "BASEの%sの呼び出し上限に達しています",
		                bs->limited_day ? "1日" : "1時間");
		st->retry_after_ms = (long)(bs->limited_until - time(NULL)) * 1000;
		buf_free(&url);
		return MALL_RATE_LIMITED;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		oc = refresh(shop, attempt > 0, st);
		if (oc != MALL_OK)
			break;
		char auth[2200];
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", mall_cred(shop, "access_token", ""));
		const char *headers[] = {auth, "Accept: application/json",
		                         form ? "Content-Type: application/x-www-form-urlencoded" : NULL,
		                         NULL};
		http_request req = {method, buf_str(&url), headers, form, form ? strlen(form) : 0,
		                    (long)mall_opt_int(shop, "timeout_ms", 0)};
		http_response_free(&resp);
		memset(&resp, 0, sizeof(resp));
		pace(shop);
		if (http_perform(shop->http, &req, &resp) != Z_OK) {
			oc = MALL_TEMPORARY;
			mall_status_set(st, oc, 0, "BASEに接続できません: %s", resp.error);
			break;
		}
		if (resp.status == 200) {
			*out = parse_body(shop, &resp);
			if (!*out) {
				oc = MALL_TEMPORARY;
				mall_status_set(st, oc, 200, "BASEの応答を解釈できません");
			} else {
				mall_status_ok(st, 200);
				oc = MALL_OK;
			}
			break;
		}
		bool token_bad;
		oc = classify(shop, &resp, st, &token_bad);
		if (oc == MALL_RATE_LIMITED && bs && resp.status != 429) {
			bs->limited_until = time(NULL) + st->retry_after_ms / 1000;
			bs->limited_day = strstr(st->message, "day_api_limit") != NULL;
		}
		if (!token_bad)
			break;
	}
	http_response_free(&resp);
	buf_free(&url);
	return oc;
}

/* The stock BASE reports for item (and variation var, unless ""): Z_OK with *n, else
 * Z_NOTFOUND (no such variation) or Z_INVALID (no readable number). */
static int stock_in_item(const cJSON *item, const char *var, int *n)
{
	if (!*var)
		return json_get_int(item, "stock", -1000000000, 1000000000, n);
	const cJSON *v;
	cJSON_ArrayForEach(v, json_member(item, "variations")) {
		const cJSON *id = json_member(v, "variation_id");
		char idt[32];
		if (cJSON_IsNumber(id))
			snprintf(idt, sizeof(idt), "%.0f", id->valuedouble);
		else if (cJSON_IsString(id) && strlen(id->valuestring) < sizeof(idt))
			snprintf(idt, sizeof(idt), "%s", id->valuestring);
		else
			continue;
		if (!strcmp(idt, var))
			return json_get_int(v, "variation_stock", -1000000000, 1000000000, n);
	}
	return Z_NOTFOUND;
}

static mall_outcome push(mall_shop *shop, mall_push_item *items, int n, mall_status *st)
{
	mall_outcome oc = MALL_OK;
	memset(st, 0, sizeof(*st));
	int i = 0;
	for (; i < n; i++) {
		mall_push_item *it = &items[i];
		const char *sub = it->sub_code ? it->sub_code : "";
		memset(&it->status, 0, sizeof(it->status));
		it->mall_ref_out[0] = '\0';
		if (!is_id(it->item_code) || (*sub && !is_id(sub))) {
			mall_status_set(&it->status, MALL_ITEM, 0,
			                "BASEの商品ID・種類IDは数字です (%.40s%s%.40s)", it->item_code ? it->item_code : "",
			                *sub ? " / " : "", sub);
			continue;
		}
		int wanted = it->wanted < 0 ? 0 : it->wanted;
		char form[160];
		if (*sub)
			snprintf(form, sizeof(form), "item_id=%s&variation_id=%s&variation_stock=%d",
			         it->item_code, sub, wanted);
		else
			snprintf(form, sizeof(form), "item_id=%s&stock=%d", it->item_code, wanted);
		cJSON *reply = NULL;
		mall_outcome r = call(shop, "POST", "/1/items/edit_stock", form, &reply, &it->status);
		if (r == MALL_OK) {
			int got;
			const cJSON *item = json_member(reply, "item");
			int e = stock_in_item(item, sub, &got);
			if (mall_opt_int(shop, "verify_stock", 1) && e == Z_OK && got != wanted)
				mall_status_set(&it->status, MALL_TEMPORARY, 200,
				                "BASEの在庫数が %d のままです (指定 %d)", got, wanted);
			else if (e == Z_NOTFOUND)
				mall_status_set(&it->status, MALL_ITEM, 200,
				                "BASEの商品 %s に種類ID %s がありません", it->item_code, sub);
		}
		cJSON_Delete(reply);
		if (r != MALL_OK && r != MALL_ITEM) {
			/* The call as a whole failed: this item and the rest wait for the next try. */
			*st = it->status;
			oc = r;
			break;
		}
	}
	for (int k = i + 1; k < n; k++)
		items[k].status = *st;
	return oc;
}

static mall_outcome read_stock(mall_shop *shop, mall_stock_item *items, int n, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < n; i++)
		items[i].found = false;
	for (int i = 0; i < n; i++) {
		if (items[i].found || !is_id(items[i].item_code))
			continue;
		bool asked = false;
		for (int k = 0; k < i && !asked; k++)
			asked = items[k].item_code && !strcmp(items[k].item_code, items[i].item_code);
		if (asked)
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/1/items/detail/%s", items[i].item_code);
		cJSON *reply = NULL;
		mall_outcome r = call(shop, "GET", path, NULL, &reply, st);
		if (r == MALL_ITEM) {
			memset(st, 0, sizeof(*st));
			continue; /* no such item: not found */
		}
		if (r != MALL_OK)
			return r;
		const cJSON *item = json_member(reply, "item");
		for (int k = i; k < n; k++) {
			if (!items[k].item_code || strcmp(items[k].item_code, items[i].item_code))
				continue;
			int got;
			if (stock_in_item(item, items[k].sub_code ? items[k].sub_code : "", &got) == Z_OK) {
				items[k].stock = got;
				items[k].found = true;
			}
		}
		cJSON_Delete(reply);
	}
	mall_status_ok(st, 200);
	return MALL_OK;
}

/* A JSON number or numeric string as an id text ("" for null/absent); false when neither. */
static bool id_text(const cJSON *v, char *out, size_t len)
{
	out[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return true;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e18)
		return snprintf(out, len, "%.0f", v->valuedouble) < (int)len;
	if (cJSON_IsString(v) && is_id(v->valuestring))
		return snprintf(out, len, "%s", v->valuestring) < (int)len;
	return false;
}

static bool unix_time(const cJSON *v, time_t *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 253402300799.0)
		return false;
	*out = (time_t)v->valuedouble;
	return true;
}

static int cmp_ref(const void *a, const void *b)
{
	const base_ref *x = a, *y = b;
	return x->modified < y->modified ? -1 : x->modified > y->modified;
}

/* One order's detail, handed to cb. */
static mall_outcome one_order(mall_shop *shop, const base_ref *ref, mall_order_cb cb, void *ctx,
                              mall_status *st, bool *stop)
{
	char path[128];
	cJSON *reply = NULL;
	mall_order o;
	mall_order_line *lines = NULL;
	snprintf(path, sizeof(path), "/1/orders/detail/%s", ref->key);
	mall_outcome r = call(shop, "GET", path, NULL, &reply, st);
	if (r != MALL_OK)
		return r == MALL_ITEM ? MALL_TEMPORARY : r;
	memset(&o, 0, sizeof(o));
	const cJSON *ord = json_member(reply, "order"), *its = json_member(ord, "order_items");
	int cnt = cJSON_IsArray(its) ? cJSON_GetArraySize(its) : -1;
	if (json_copy_str(ord, "unique_key", true, o.order_no, sizeof(o.order_no)) ||
	    json_copy_str(ord, "dispatch_status", false, o.status, sizeof(o.status)) ||
	    !unix_time(json_member(ord, "ordered"), &o.ordered_at) || cnt < 0 || cnt > 10000 ||
	    (cnt && !(lines = calloc((size_t)cnt, sizeof(*lines))))) {
		cJSON_Delete(reply);
		mall_status_set(st, MALL_TEMPORARY, 200, "BASE: 注文 %s の応答を解釈できません", ref->key);
		return MALL_TEMPORARY;
	}
	if (!unix_time(json_member(ord, "modified"), &o.updated_at))
		o.updated_at = ref->modified;
	const cJSON *c = json_member(ord, "cancelled");
	o.cancelled = !strcmp(o.status, "cancelled") || (c && !cJSON_IsNull(c) && !cJSON_IsFalse(c));
	const cJSON *li;
	int k = 0;
	cJSON_ArrayForEach(li, its) {
		mall_order_line *l = &lines[k];
		char ls[32];
		if (!id_text(json_member(li, "order_item_id"), l->line_key, sizeof(l->line_key)) ||
		    !l->line_key[0] ||
		    !id_text(json_member(li, "item_id"), l->item_code, sizeof(l->item_code)) ||
		    !id_text(json_member(li, "variation_id"), l->sub_code, sizeof(l->sub_code)) ||
		    json_get_int(li, "amount", 0, 1000000, &l->quantity) ||
		    json_copy_str(li, "status", false, ls, sizeof(ls))) {
			free(lines);
			cJSON_Delete(reply);
			mall_status_set(st, MALL_TEMPORARY, 200, "BASE: 注文 %s の明細を解釈できません", ref->key);
			return MALL_TEMPORARY;
		}
		l->cancelled = o.cancelled || !strcmp(ls, "cancelled");
		k++;
	}
	o.nlines = k;
	o.lines = lines;
	*stop = cb(&o, ctx) != 0;
	free(lines);
	cJSON_Delete(reply);
	if (*stop) {
		mall_status_set(st, MALL_TEMPORARY, 0, "注文の取り込みが中断されました");
		return MALL_TEMPORARY;
	}
	return MALL_OK;
}

static mall_outcome fetch_orders(mall_shop *shop, time_t since, time_t until, mall_order_cb cb,
                                 void *ctx, mall_status *st)
{
	mall_outcome oc = MALL_OK;
	base_ref *refs = NULL;
	int nrefs = 0, cap = 0;
	memset(st, 0, sizeof(*st));
	long long limit = mall_opt_int(shop, "orders_page_size", 100);
	long long back = mall_opt_int(shop, "order_lookback_s", 14 * 86400);
	if (limit < 1 || limit > 100)
		limit = 100;
	if (back < 0 || back > 366 * 86400LL)
		back = 14 * 86400;
	char from[24], to[24];
	wall_time(shop, since - (time_t)back, from, sizeof(from));
	wall_time(shop, until, to, sizeof(to));
	for (long long offset = 0, pages = 0;; pages++) {
		buf path = BUF_INIT;
		cJSON *reply = NULL;
		if (pages > BASE_MAX_PAGES || buf_puts(&path, "/1/orders?start_ordered=") ||
		    http_urlencode(&path, from) || buf_puts(&path, "&end_ordered=") ||
		    http_urlencode(&path, to) ||
		    buf_printf(&path, "&limit=%lld&offset=%lld", limit, offset)) {
			buf_free(&path);
			oc = MALL_TEMPORARY;
			mall_status_set(st, oc, 0, "BASE: 注文一覧を取得できません");
			goto out;
		}
		oc = call(shop, "GET", buf_str(&path), NULL, &reply, st);
		buf_free(&path);
		if (oc != MALL_OK) {
			if (oc == MALL_ITEM)
				oc = st->outcome = MALL_TEMPORARY;
			goto out;
		}
		const cJSON *orders = json_member(reply, "orders"), *o;
		if (!cJSON_IsArray(orders)) {
			cJSON_Delete(reply);
			oc = MALL_TEMPORARY;
			mall_status_set(st, oc, 200, "BASE: 注文一覧の応答を解釈できません");
			goto out;
		}
		int got = 0;
		cJSON_ArrayForEach(o, orders) {
			base_ref r;
			got++;
			if (json_copy_str(o, "unique_key", true, r.key, sizeof(r.key)) || !r.key[0] ||
			    strspn(r.key, KEY_CHARS) != strlen(r.key) ||
			    !unix_time(json_member(o, "modified"), &r.modified)) {
				cJSON_Delete(reply);
				oc = MALL_TEMPORARY;
				mall_status_set(st, oc, 200, "BASE: 注文一覧に解釈できない注文があります");
				goto out;
			}
			if (r.modified < since || r.modified >= until)
				continue;
			bool dup = false;
			for (int k = 0; k < nrefs && !dup; k++)
				dup = !strcmp(refs[k].key, r.key);
			if (dup)
				continue;
			if (array_reserve(&refs, &cap, nrefs + 1, sizeof(*refs))) {
				cJSON_Delete(reply);
				oc = MALL_TEMPORARY;
				mall_status_set(st, oc, 0, "メモリ不足");
				goto out;
			}
			refs[nrefs++] = r;
		}
		cJSON_Delete(reply);
		if (got < limit)
			break;
		offset += got;
	}
	/* Oldest change first, each order with its lines. */
	if (nrefs)
		qsort(refs, (size_t)nrefs, sizeof(*refs), cmp_ref);
	for (int k = 0; k < nrefs; k++) {
		bool stop = false;
		oc = one_order(shop, &refs[k], cb, ctx, st, &stop);
		if (oc != MALL_OK)
			goto out;
	}
	mall_status_ok(st, 200);
	oc = MALL_OK;
out:
	free(refs);
	return oc;
}

static void release(mall_shop *shop)
{
	free(shop->adapter_state);
	shop->adapter_state = NULL;
}

const mall_adapter mall_base = {"base", 50, 50, push, fetch_orders, read_stock, refresh, release};
