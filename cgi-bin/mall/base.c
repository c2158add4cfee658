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
#include "core/smsg.h"
#include "mall/json_field.h"
#include "mall/mall.h"
#include "mall/oauth.h"
#include "mall/pace.h"
#include "mall/retry.h"

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

/* The error code of a reply ({"error": …}), "" when none. */
static void error_of(const mall_shop *shop, const http_response *r, char *code, size_t len)
{
	cJSON *j = mall_parse_body(shop, r);
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

/* BASE's own limit codes on the token endpoint; the rest is read by the shared rules. */
/* A refused refresh-token grant: most often the refresh token's 30 days are over. */
static void grant_refused(mall_status *st, int http_status, const char *sp, const char *code)
{
	mall_status_setk(st, MALL_AUTH, http_status, "msg.mallerr.base_grant_refused",
	                 "BASE: トークンの発行が拒否されました (HTTP %d%s%s)。"
	                 "リフレッシュトークンの期限 (30日) が切れた場合はBASEで再認可してください",
	                 http_status, sp, code);
}

static bool token_refused(mall_shop *shop, const http_response *r, const char *code, mall_status *st)
{
	bool day = !strcmp(code, "day_api_limit");
	if (!day && strcmp(code, "hour_api_limit"))
		return false;
	mall_status_setk(st, MALL_RATE_LIMITED, r->status, "msg.mallerr.base_limited",
	                 "BASEの呼び出し上限に達しました (%s)", code);
	st->retry_after_ms = until_reset_ms(shop, day);
	return true;
}

static mall_outcome refresh(mall_shop *shop, bool force, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	if (!shop->api_base || !shop->api_base[0]) {
		mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.base_api_url_missing",
		                 "BASE: APIのURLが未設定です");
		return MALL_AUTH;
	}
	if (!force && mall_token_fresh(shop, mall_opt_int(shop, "refresh_ahead_s", 300), 0)) {
		mall_status_ok(st, 0);
		return MALL_OK;
	}
	/* The refresh-token grant: a new access token (and refresh token when one comes). */
	const char *form[] = {"grant_type", "refresh_token",
	                      "client_id", mall_cred(shop, "client_id", ""),
	                      "client_secret", mall_cred(shop, "client_secret", ""),
	                      "refresh_token", mall_cred(shop, "refresh_token", ""),
	                      "redirect_uri", mall_cred(shop, "redirect_uri", ""), NULL};
	const mall_oauth g = {.label = "BASE",
	                      .path = mall_opt(shop, "token_path", "/1/oauth/token"),
	                      .form = form,
	                      .default_ttl = 3600,
	                      .rotate = true,
	                      .refused_grant = grant_refused,
	                      .before = pace,
	                      .refused = token_refused};
	return mall_oauth_grant(shop, &g, st);
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
		if (day)
			mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.base_day_limited",
			                 "BASEの1日の呼び出し上限に達しました (%s)", code);
		else
			mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.base_hour_limited",
			                 "BASEの1時間の呼び出し上限に達しました (%s)", code);
		st->retry_after_ms = until_reset_ms(shop, day);
	} else if (s == 429) {
		mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.base_limited_429",
		                 "BASEの呼び出し上限に達しました (HTTP 429)");
		st->retry_after_ms = mall_retry_after_ms(shop, r);
	} else if (s == 401 || !strcmp(code, "invalid_request")) {
		*token_bad = true;
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.base_token_refused",
		                 "BASEがアクセストークンを受け付けません (%s)",
		                 code[0] ? code : "HTTP 401");
	} else if (s == 403 || !strcmp(code, "invalid_scope") || !strcmp(code, "access_denied")) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.base_not_permitted",
		                 "BASEがこの操作を許可していません (%s)。アプリの権限 (read_items, write_items, read_orders) を確認してください",
		                 code[0] ? code : "HTTP 403");
	} else if (s == 0 || s == 408 || s >= 500 || !strcmp(code, "server_error")) {
		mall_status_setk(st, MALL_TEMPORARY, s, "msg.mallerr.base_unavailable",
		                 "BASEが一時的に応答できません (HTTP %d %s)", s, code);
	} else {
		mall_status_setk(st, MALL_ITEM, s, "msg.mallerr.base_request_refused",
		                 "BASEがリクエストを拒否しました (HTTP %d %s)", s,
		                 code[0] ? code : "-");
	}
	return st->outcome;
}

/* BASE said the hour's (or day's) calls are used up: asking again before the count starts
 * over would only count against it. Otherwise the pace between calls. */
static mall_outcome throttle(mall_shop *shop, void *ctx, mall_status *st)
{
	base_state *bs = mall_state(shop, sizeof(base_state));
	if (bs && bs->limited_until > time(NULL)) {
		if (bs->limited_day)
			mall_status_setk(st, MALL_RATE_LIMITED, 0, "msg.mallerr.base_day_limit_waiting",
			                 "BASEの1日の呼び出し上限に達しています");
		else
			mall_status_setk(st, MALL_RATE_LIMITED, 0, "msg.mallerr.base_hour_limit_waiting",
			                 "BASEの1時間の呼び出し上限に達しています");
		st->retry_after_ms = (long)(bs->limited_until - time(NULL)) * 1000;
		return MALL_RATE_LIMITED;
	}
	pace(shop);
	return MALL_OK;
}

/* One answer: 200 done (parsed into *ctx); a refused token renews it; a limit code keeps
 * the shop from asking until the count starts over. */
static mall_retry_verdict judge(mall_shop *shop, void *ctx, int hrc, const http_response *resp,
                                mall_status *st)
{
	switch (mall_judge_json(shop, true, hrc, resp, ctx)) {
	case MALL_JSON_READ:
		mall_status_ok(st, resp->status);
		return MALL_RETRY_DONE;
	case MALL_JSON_UNREACHABLE:
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.base_connect_failed",
		                 "BASEに接続できません: %s", resp->error);
		smsg_arg_to_key(st->msg, sizeof(st->msg), resp->error, resp->error_key);
		return MALL_RETRY_DONE;
	case MALL_JSON_UNREADABLE:
		mall_status_setk(st, MALL_TEMPORARY, resp->status, "msg.mallerr.base_reply_unreadable",
		                 "BASEの応答を解釈できません");
		return MALL_RETRY_DONE;
	case MALL_JSON_FAILED:
		break;
	}
	bool token_bad;
	base_state *bs = mall_state(shop, sizeof(base_state));
	if (classify(shop, resp, st, &token_bad) == MALL_RATE_LIMITED && bs && resp->status != 429) {
		bs->limited_until = time(NULL) + st->retry_after_ms / 1000;
		bs->limited_day = strstr(st->message, "day_api_limit") != NULL;
	}
	return token_bad ? MALL_RETRY_RENEW : MALL_RETRY_DONE;
}

/* One call with the token through the shared loop (mall/retry.h), renewed once when BASE
 * refuses it. On MALL_OK *out holds the parsed 200 reply (the caller deletes it). */
static mall_outcome call(mall_shop *shop, const char *method, const char *path, const char *form,
                         cJSON **out, mall_status *st)
{
	*out = NULL;
	const mall_retry c = {.refresh = refresh, .throttle = throttle, .judge = judge, .ctx = out,
	                      .auth = "Authorization: Bearer "};
	return mall_retry_json(shop, &c, method, path, form, "application/x-www-form-urlencoded", st);
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
		if (!mall_is_digits(it->item_code, BASE_CODE_MAX) || (*sub && !mall_is_digits(sub, BASE_CODE_MAX))) {
			mall_status_setk(&it->status, MALL_ITEM, 0, "msg.mallerr.base_ids_not_numbers",
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
				mall_status_setk(&it->status, MALL_TEMPORARY, 200, "msg.mallerr.base_stock_unchanged",
				                 "BASEの在庫数が %d のままです (指定 %d)", got, wanted);
			else if (e == Z_NOTFOUND)
				mall_status_setk(&it->status, MALL_ITEM, 200, "msg.mallerr.base_variation_missing",
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
		if (items[i].found || !mall_is_digits(items[i].item_code, BASE_CODE_MAX))
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
	if (cJSON_IsString(v) && mall_is_digits(v->valuestring, BASE_CODE_MAX))
		return snprintf(out, len, "%s", v->valuestring) < (int)len;
	return false;
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
	    !json_unix_time(json_member(ord, "ordered"), &o.ordered_at) || cnt < 0 || cnt > 10000 ||
	    (cnt && !(lines = calloc((size_t)cnt, sizeof(*lines))))) {
		cJSON_Delete(reply);
		mall_status_setk(st, MALL_TEMPORARY, 200, "msg.mallerr.base_order_unreadable",
		                 "BASE: 注文 %s の応答を解釈できません", ref->key);
		return MALL_TEMPORARY;
	}
	if (!json_unix_time(json_member(ord, "modified"), &o.updated_at))
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
			mall_status_setk(st, MALL_TEMPORARY, 200, "msg.mallerr.base_order_items_unreadable",
			                 "BASE: 注文 %s の明細を解釈できません", ref->key);
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
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.orders_interrupted",
		                 "注文の取り込みが中断されました");
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
	mall_wall_time(shop, since - (time_t)back, from, sizeof(from));
	mall_wall_time(shop, until, to, sizeof(to));
	for (long long offset = 0, pages = 0;; pages++) {
		buf path = BUF_INIT;
		cJSON *reply = NULL;
		if (pages > BASE_MAX_PAGES || buf_puts(&path, "/1/orders?start_ordered=") ||
		    http_urlencode(&path, from) || buf_puts(&path, "&end_ordered=") ||
		    http_urlencode(&path, to) ||
		    buf_printf(&path, "&limit=%lld&offset=%lld", limit, offset)) {
			buf_free(&path);
			oc = MALL_TEMPORARY;
			mall_status_setk(st, oc, 0, "msg.mallerr.base_order_list_failed",
			                 "BASE: 注文一覧を取得できません");
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
			mall_status_setk(st, oc, 200, "msg.mallerr.base_order_list_unreadable",
			                 "BASE: 注文一覧の応答を解釈できません");
			goto out;
		}
		int got = 0;
		cJSON_ArrayForEach(o, orders) {
			base_ref r;
			got++;
			if (json_copy_str(o, "unique_key", true, r.key, sizeof(r.key)) || !r.key[0] ||
			    strspn(r.key, KEY_CHARS) != strlen(r.key) ||
			    !json_unix_time(json_member(o, "modified"), &r.modified)) {
				cJSON_Delete(reply);
				oc = MALL_TEMPORARY;
				mall_status_setk(st, oc, 200, "msg.mallerr.base_order_list_bad_order",
				                 "BASE: 注文一覧に解釈できない注文があります");
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
				mall_status_setk(st, oc, 0, "msg.mallerr.out_of_memory",
				                 "メモリ不足");
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

const mall_adapter mall_base = {"base", 50, 50, push, fetch_orders, read_stock, refresh,
                                   mall_release_state, NULL};
