/* colorme: the カラーミーショップ API v1 adapter: PUT /v1/products/{id}.json to set a product's
 * or its option variants' stock, GET /v1/products.json to read it back, GET /v1/sales.json by
 * update time for orders and cancellations, an OAuth2 bearer token.
 *
 * Protocol facts relied on (sources: the OpenAPI description GMO Pepabo serves at
 * https://api.shop-pro.jp/v1/swagger.json, as generated into github.com/pepabo/colormeshop-ruby
 * (v1.2.0.rc1, 2023-05-08: README.md, docs/ProductApi.md, SaleApi.md, StockApi.md, Sale.md,
 * SaleDetail.md, ProductVariant.md, Meta.md) and the tool schemas taken from the same
 * description in github.com/pepabo/colormeshop-mcp (tools.json, 2026-04-24):
 * - Host https://api.shop-pro.jp, "Authorization: Bearer {access_token}". The token comes from
 *   the authorization-code grant at /oauth/token and has no expiry (it can be revoked by the
 *   shop). Scopes read_products, write_products, read_sales.
 * - Errors: {"errors": [{"code": n, "message": text, "status": http}]}, e.g. 404100
 *   "レコードが見つかりませんでした。".
 * - PUT /v1/products/{product_id}.json {"product": {"stocks": n}} sets the product's stock
 *   (n ≥ 0; {"increment": n} would add, which a retry could apply twice, so it is not used);
 *   "stocks" is ignored for a product whose stock is kept per option. Per option:
 *   {"product": {"variants": [{"option1_value", "option2_value", "stocks": n}]}}. Unknown keys
 *   are refused (additionalProperties false). The reply is the product.
 * - GET /v1/products.json: ids (comma separated), limit (default 10, max 50), offset → products[]
 *   (id, stocks, variants[] with option1_value, option2_value, stocks) and meta {total, limit,
 *   offset}.
 * - GET /v1/sales.json: update_date_min / update_date_max (updated within), after / before
 *   (ordered within; after defaults to 7 days before, at 0:00), limit (default 10, max 100),
 *   offset → sales[] (id, make_date, update_date as Unix seconds, canceled, paid, delivered,
 *   details[] with id, product_id, option1_value, option2_value, product_num) and meta. A
 *   cancelled sale has canceled true and its product_num set to 0.
 * Unconfirmed, each a per-shop option: the form of the date parameters (tz_offset_s: JST
 * "YYYY-MM-DD HH:MM:SS"), how far back an order can still change (order_lookback_s, 60 days,
 * sent as after), any rate limit (none is documented: pace_ms 0, a 429 waits Retry-After),
 * whether a refresh-token grant exists (tried only when refresh_token, client_id and
 * client_secret are all given), whether sales[] carries details (a sale without them is
 * read with GET /v1/sales/{id}.json).
 *
 * Credentials (JSON): access_token; optionally client_id, client_secret, refresh_token.
 * A listing's item_code is the 商品ID (product_id); its sub_code is empty for the product's
 * own stock, else the option values: option1_value, or option1_value, variant_separator,
 * option2_value.
 * Options (defaults): token_path "/oauth/token", variant_separator "|", pace_ms 0, timeout_ms
 * 0, retry_after_ms 1000, sales_page_size 100, order_lookback_s 5184000, tz_offset_s 32400,
 * max_reply_bytes 16 MiB, verify_stock 1. */
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

#define COLORME_MAX_PAGES 10000
#define COLORME_READ_BATCH 50
#define COLORME_ID_MAX 18

typedef struct {
	struct timespec last;
} colorme_state;

typedef struct {
	cJSON *sale;            /* detached from its page */
	time_t updated;
} sale_ref;

static void pace(mall_shop *shop)
{
	colorme_state *s = mall_state(shop, sizeof(colorme_state));
	if (s)
		mall_pace(&s->last, mall_opt_int(shop, "pace_ms", 0));
}

/* The first error's code and message of a reply, cleaned for a log line. */
static void error_of(const mall_shop *shop, const http_response *r, char *code, size_t clen,
                     char *msg, size_t mlen)
{
	cJSON *j = mall_parse_body(shop, r);
	const cJSON *e = cJSON_GetArrayItem(json_member(j, "errors"), 0);
	const cJSON *c = json_member(e, "code");
	code[0] = msg[0] = '\0';
	if (cJSON_IsNumber(c))
		snprintf(code, clen, "%.0f", c->valuedouble);
	if (json_copy_str(e, "message", false, msg, mlen) != Z_OK)
		msg[0] = '\0';
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	cJSON_Delete(j);
}

static bool can_grant(const mall_shop *shop)
{
	return mall_cred(shop, "client_id", "")[0] && mall_cred(shop, "client_secret", "")[0] &&
	       mall_cred(shop, "refresh_token", "")[0] && shop->credentials;
}

/* A refused refresh-token grant: the app is authorized again for a new access token. */
static void grant_refused(mall_status *st, int http_status, const char *sp, const char *code)
{
	mall_status_setk(st, MALL_AUTH, http_status, "msg.mallerr.colorme_grant_refused",
	                 "カラーミーショップ: トークンの発行が拒否されました (HTTP %d%s%s)。"
	                 "アプリを再認可してアクセストークンを登録してください",
	                 http_status, sp, code);
}

static mall_outcome refresh(mall_shop *shop, bool force, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	if (!shop->api_base || !shop->api_base[0]) {
		mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.colorme_api_url_missing",
		                 "カラーミーショップ: APIのURLが未設定です");
		return MALL_AUTH;
	}
	/* A token without a refresh token is used as long as カラーミー takes it. */
	bool usable = mall_token_usable(shop, 0);
	if (!force && usable && (mall_token_fresh(shop, 300, 0) || !can_grant(shop))) {
		mall_status_ok(st, 0);
		return MALL_OK;
	}
	if (!can_grant(shop)) {
		if (usable)
			mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.colorme_token_expired",
			                 "カラーミーショップがアクセストークンを受け付けません。"
			                 "アプリを再認可して新しいトークンを登録してください");
		else
			mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.colorme_token_missing",
			                 "カラーミーショップのアクセストークンが設定されていません");
		return MALL_AUTH;
	}
	/* The refresh-token grant, for shops whose app was given one (unconfirmed at カラーミー). */
	const char *form[] = {"grant_type", "refresh_token",
	                      "client_id", mall_cred(shop, "client_id", ""),
	                      "client_secret", mall_cred(shop, "client_secret", ""),
	                      "refresh_token", mall_cred(shop, "refresh_token", ""), NULL};
	const mall_oauth g = {.label = "カラーミーショップ",
	                      .label_key = "msg.mallerr.colorme_name",
	                      .path = mall_opt(shop, "token_path", "/oauth/token"),
	                      .form = form,
	                      .rotate = true,
	                      .refused_grant = grant_refused,
	                      .before = pace};
	return mall_oauth_grant(shop, &g, st);
}

static mall_outcome classify(const mall_shop *shop, const http_response *r, mall_status *st)
{
	char code[24], msg[160];
	int s = r->status;
	error_of(shop, r, code, sizeof(code), msg, sizeof(msg));
	if (s == 429) {
		mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.colorme_limited",
		                 "カラーミーショップの呼び出し上限に達しました (%s)", code);
		st->retry_after_ms = mall_retry_after_ms(shop, r);
	} else if (s == 401) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.colorme_token_refused",
		                 "カラーミーショップがアクセストークンを受け付けません (%s %s)", code, msg);
	} else if (s == 403) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.colorme_not_permitted",
		                 "カラーミーショップがこの操作を許可していません (%s %s)。アプリのスコープ (read_products write_products read_sales) を確認してください",
		                 code, msg);
	} else if (s == 0 || s == 408 || s >= 500) {
		mall_status_setk(st, MALL_TEMPORARY, s, "msg.mallerr.colorme_unavailable",
		                 "カラーミーショップが一時的に応答できません (HTTP %d %s)", s, code);
	} else {
		mall_status_setk(st, MALL_ITEM, s, "msg.mallerr.colorme_request_refused",
		                 "カラーミーショップがリクエストを拒否しました (HTTP %d %s %s)", s,
		                 code, msg);
	}
	return st->outcome;
}

static mall_outcome throttle(mall_shop *shop, void *ctx, mall_status *st)
{
	pace(shop);
	return MALL_OK;
}

/* One answer: 2xx done (parsed into *ctx); a 401 renews the token when the shop can. */
static mall_retry_verdict judge(mall_shop *shop, void *ctx, int hrc, const http_response *resp,
                                mall_status *st)
{
	switch (mall_judge_json(shop, false, hrc, resp, ctx)) {
	case MALL_JSON_READ:
		mall_status_ok(st, resp->status);
		return MALL_RETRY_DONE;
	case MALL_JSON_UNREACHABLE:
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.colorme_connect_failed",
		                 "カラーミーショップに接続できません: %s", resp->error);
		smsg_arg_to_key(st->msg, sizeof(st->msg), resp->error, resp->error_key);
		return MALL_RETRY_DONE;
	case MALL_JSON_UNREADABLE:
		mall_status_setk(st, MALL_TEMPORARY, resp->status, "msg.mallerr.colorme_reply_unreadable",
		                 "カラーミーショップの応答を解釈できません");
		return MALL_RETRY_DONE;
	case MALL_JSON_FAILED:
		break;
	}
	classify(shop, resp, st);
	return resp->status == 401 && can_grant(shop) ? MALL_RETRY_RENEW : MALL_RETRY_DONE;
}

/* One call through the shared loop (mall/retry.h); a 401 renews the token once when the
 * shop can. On MALL_OK *out is the reply. */
static mall_outcome call(mall_shop *shop, const char *method, const char *path, const char *json,
                         cJSON **out, mall_status *st)
{
	*out = NULL;
	const mall_retry c = {.refresh = refresh, .throttle = throttle, .judge = judge, .ctx = out,
	                      .auth = "Authorization: Bearer "};
	return mall_retry_json(shop, &c, method, path, json, "application/json", st);
}

/* Splits a sub_code into the two option values (the second "" when there is one option). */
static bool split_sub(const mall_shop *shop, const char *sub, char *o1, char *o2, size_t len)
{
	const char *sep = mall_opt(shop, "variant_separator", "|");
	const char *at = *sep ? strstr(sub, sep) : NULL;
	size_t n1 = at ? (size_t)(at - sub) : strlen(sub);
	const char *rest = at ? at + strlen(sep) : "";
	if (n1 >= len || strlen(rest) >= len)
		return false;
	memcpy(o1, sub, n1);
	o1[n1] = '\0';
	snprintf(o2, len, "%s", rest);
	return true;
}

/* The variant of product p with these option values, or NULL. */
static const cJSON *find_variant(const cJSON *p, const char *o1, const char *o2)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, json_member(p, "variants")) {
		const cJSON *a = json_member(v, "option1_value"), *b = json_member(v, "option2_value");
		const char *av = cJSON_IsString(a) ? a->valuestring : "";
		const char *bv = cJSON_IsString(b) ? b->valuestring : "";
		if (!strcmp(av, o1) && !strcmp(bv, o2))
			return v;
	}
	return NULL;
}

/* The stock product p shows for sub ("" = the product's own): Z_OK, Z_NOTFOUND (no such
 * variant) or Z_INVALID (no number). */
static int stock_in_product(const mall_shop *shop, const cJSON *p, const char *sub, int *n)
{
	if (!*sub)
		return json_get_int(p, "stocks", -1000000000, 1000000000, n);
	char o1[128], o2[128];
	if (!split_sub(shop, sub, o1, o2, sizeof(o1)))
		return Z_NOTFOUND;
	const cJSON *v = find_variant(p, o1, o2);
	return v ? json_get_int(v, "stocks", -1000000000, 1000000000, n) : Z_NOTFOUND;
}

/* One PUT for the items idx[0..k) of one product. */
static mall_outcome put_product(mall_shop *shop, mall_push_item *items, const int *idx, int k,
                                mall_status *st)
{
	const char *pid = items[idx[0]].item_code;
	cJSON *body = cJSON_CreateObject(), *prod = cJSON_AddObjectToObject(body, "product");
	cJSON *vars = NULL;
	char path[64], o1[128], o2[128];
	int live = 0;
	for (int i = 0; prod && i < k; i++) {
		mall_push_item *it = &items[idx[i]];
		const char *sub = it->sub_code ? it->sub_code : "";
		int wanted = it->wanted < 0 ? 0 : it->wanted;
		if (!*sub) {
			cJSON_DeleteItemFromObject(prod, "stocks");
			cJSON_AddNumberToObject(prod, "stocks", wanted);
			live++;
			continue;
		}
		if (!split_sub(shop, sub, o1, o2, sizeof(o1)) || !o1[0]) {
			mall_status_setk(&it->status, MALL_ITEM, 0, "msg.mallerr.colorme_option_bad",
			                 "カラーミーショップのオプションの値が不正です (%.60s)", sub);
			continue;
		}
		if (!vars && !(vars = cJSON_AddArrayToObject(prod, "variants")))
			break;
		cJSON *v = cJSON_CreateObject();
		if (!v)
			break;
		cJSON_AddItemToArray(vars, v);
		cJSON_AddStringToObject(v, "option1_value", o1);
		if (o2[0])
			cJSON_AddStringToObject(v, "option2_value", o2);
		cJSON_AddNumberToObject(v, "stocks", wanted);
		live++;
	}
	char *text = prod ? cJSON_PrintUnformatted(body) : NULL;
	cJSON_Delete(body);
	if (!text) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		return MALL_TEMPORARY;
	}
	if (!live) {
		free(text);
		return MALL_OK;
	}
	snprintf(path, sizeof(path), "/v1/products/%s.json", pid);
	cJSON *reply = NULL;
	mall_outcome r = call(shop, "PUT", path, text, &reply, st);
	free(text);
	if (r != MALL_OK && r != MALL_ITEM)
		return r;
	const cJSON *p = json_member(reply, "product");
	for (int i = 0; i < k; i++) {
		mall_push_item *it = &items[idx[i]];
		if (it->status.outcome != MALL_OK)
			continue;
		if (r == MALL_ITEM) {
			it->status = *st;
			continue;
		}
		const char *sub = it->sub_code ? it->sub_code : "";
		int wanted = it->wanted < 0 ? 0 : it->wanted, got;
		int e = stock_in_product(shop, p, sub, &got);
		if (!p || !mall_opt_int(shop, "verify_stock", 1) || e == Z_INVALID)
			continue;
		if (e == Z_NOTFOUND)
			mall_status_setk(&it->status, MALL_ITEM, 200, "msg.mallerr.colorme_option_missing",
			                 "カラーミーショップの商品 %s にオプション「%.60s」がありません", pid, sub);
		else if (got != wanted && *sub)
			mall_status_setk(&it->status, MALL_ITEM, 200, "msg.mallerr.colorme_stock_unchanged",
			                 "カラーミーショップの在庫数が %d のままです (指定 %d)", got, wanted);
		else if (got != wanted)
			mall_status_setk(&it->status, MALL_ITEM, 200,
			                 "msg.mallerr.colorme_stock_unchanged_item",
			                 "カラーミーショップの在庫数が %d のままです (指定 %d)。"
			                 "オプションごとに在庫管理している商品は、オプションごとに連携してください",
			                 got, wanted);
	}
	cJSON_Delete(reply);
	mall_status_ok(st, 200);
	return MALL_OK;
}

static mall_outcome push(mall_shop *shop, mall_push_item *items, int n, mall_status *st)
{
	mall_outcome oc = MALL_OK;
	int *idx = calloc(n ? (size_t)n : 1, sizeof(*idx));
	bool *done = calloc(n ? (size_t)n : 1, sizeof(*done));
	memset(st, 0, sizeof(*st));
	if (!idx || !done) {
		free(idx);
		free(done);
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		for (int i = 0; i < n; i++)
			items[i].status = *st;
		return MALL_TEMPORARY;
	}
	for (int i = 0; i < n; i++) {
		memset(&items[i].status, 0, sizeof(items[i].status));
		items[i].mall_ref_out[0] = '\0';
		if (!mall_is_digits(items[i].item_code, COLORME_ID_MAX)) {
			mall_status_setk(&items[i].status, MALL_ITEM, 0, "msg.mallerr.colorme_id_not_number",
			                 "カラーミーショップの商品IDは数字です (%.40s)",
			                 items[i].item_code ? items[i].item_code : "");
			done[i] = true;
		}
	}
	for (int i = 0; i < n; i++) {
		if (done[i])
			continue;
		/* Every row of this product goes in one call; a second row for the same option
		 * goes in a later call, when the loop reaches it. */
		int k = 0;
		for (int j = i; j < n; j++) {
			if (done[j] || strcmp(items[j].item_code, items[i].item_code))
				continue;
			bool twice = false;
			for (int q = 0; q < k && !twice; q++)
				twice = !strcmp(items[idx[q]].sub_code ? items[idx[q]].sub_code : "",
				                items[j].sub_code ? items[j].sub_code : "");
			if (!twice) {
				idx[k++] = j;
				done[j] = true;
			}
		}
		mall_outcome r = put_product(shop, items, idx, k, st);
		if (r != MALL_OK) {
			/* Rows of earlier calls are settled; this call's and the rest carry its failure. */
			for (int q = 0; q < k; q++)
				items[idx[q]].status = *st;
			for (int j = 0; j < n; j++)
				if (!done[j])
					items[j].status = *st;
			oc = r;
			break;
		}
	}
	free(idx);
	free(done);
	return oc;
}

static mall_outcome read_stock(mall_shop *shop, mall_stock_item *items, int n, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < n; i++)
		items[i].found = false;
	for (int start = 0; start < n;) {
		buf path = BUF_INIT;
		int k = 0, next = start;
		if (buf_puts(&path, "/v1/products.json?ids=")) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
			                 "メモリ不足");
			return MALL_TEMPORARY;
		}
		for (; next < n && k < COLORME_READ_BATCH; next++) {
			if (!mall_is_digits(items[next].item_code, COLORME_ID_MAX))
				continue;
			bool asked = false;
			for (int q = start; q < next && !asked; q++)
				asked = mall_is_digits(items[q].item_code, COLORME_ID_MAX) && !strcmp(items[q].item_code, items[next].item_code);
			if (asked)
				continue;
			if ((k && buf_putc(&path, ',')) || buf_puts(&path, items[next].item_code)) {
				buf_free(&path);
				mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
				                 "メモリ不足");
				return MALL_TEMPORARY;
			}
			k++;
		}
		if (!k) {
			buf_free(&path);
			break;
		}
		buf_printf(&path, "&limit=%d", COLORME_READ_BATCH);
		cJSON *reply = NULL;
		mall_outcome r = call(shop, "GET", buf_str(&path), NULL, &reply, st);
		buf_free(&path);
		if (r != MALL_OK)
			return r == MALL_ITEM ? (st->outcome = MALL_TEMPORARY) : r;
		const cJSON *p;
		cJSON_ArrayForEach(p, json_member(reply, "products")) {
			const cJSON *id = json_member(p, "id");
			char idt[32];
			if (!cJSON_IsNumber(id))
				continue;
			snprintf(idt, sizeof(idt), "%.0f", id->valuedouble);
			for (int q = start; q < next; q++) {
				int got;
				if (mall_is_digits(items[q].item_code, COLORME_ID_MAX) && !strcmp(items[q].item_code, idt) &&
				    stock_in_product(shop, p, items[q].sub_code ? items[q].sub_code : "", &got) == Z_OK) {
					items[q].stock = got;
					items[q].found = true;
				}
			}
		}
		cJSON_Delete(reply);
		start = next;
	}
	mall_status_ok(st, 200);
	return MALL_OK;
}

static int cmp_sale(const void *a, const void *b)
{
	const sale_ref *x = a, *y = b;
	return x->updated < y->updated ? -1 : x->updated > y->updated;
}

/* A sale (with its details) handed to cb as one order. */
static mall_outcome one_sale(mall_shop *shop, const cJSON *sale, time_t updated, mall_order_cb cb,
                             void *ctx, mall_status *st)
{
	mall_order o;
	cJSON *fetched = NULL;
	mall_order_line *lines = NULL;
	memset(&o, 0, sizeof(o));
	const cJSON *id = json_member(sale, "id");
	if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble >= 1e18) {
		mall_status_setk(st, MALL_TEMPORARY, 200, "msg.mallerr.colorme_sale_id_unreadable",
		                 "カラーミーショップ: 受注IDを解釈できません");
		return MALL_TEMPORARY;
	}
	snprintf(o.order_no, sizeof(o.order_no), "%.0f", id->valuedouble);
	const cJSON *details = json_member(sale, "details");
	if (!cJSON_IsArray(details)) {
		char path[96];
		snprintf(path, sizeof(path), "/v1/sales/%s.json", o.order_no);
		mall_outcome r = call(shop, "GET", path, NULL, &fetched, st);
		if (r != MALL_OK)
			return r == MALL_ITEM ? (st->outcome = MALL_TEMPORARY) : r;
		sale = json_member(fetched, "sale");
		details = json_member(sale, "details");
	}
	int cnt = cJSON_IsArray(details) ? cJSON_GetArraySize(details) : -1;
	if (cnt < 0 || cnt > 10000 || !json_unix_time(json_member(sale, "make_date"), &o.ordered_at) ||
	    (cnt && !(lines = calloc((size_t)cnt, sizeof(*lines))))) {
		cJSON_Delete(fetched);
		mall_status_setk(st, MALL_TEMPORARY, 200, "msg.mallerr.colorme_sale_unreadable",
		                 "カラーミーショップ: 受注 %s を解釈できません", o.order_no);
		return MALL_TEMPORARY;
	}
	o.updated_at = updated;
	o.cancelled = cJSON_IsTrue(json_member(sale, "canceled"));
	snprintf(o.status, sizeof(o.status), "%s",
	         o.cancelled ? "canceled"
	         : cJSON_IsTrue(json_member(sale, "delivered")) ? "delivered"
	         : cJSON_IsTrue(json_member(sale, "paid"))      ? "paid"
	                                                        : "accepted");
	const char *sep = mall_opt(shop, "variant_separator", "|");
	const cJSON *d;
	int k = 0;
	cJSON_ArrayForEach(d, details) {
		mall_order_line *l = &lines[k];
		const cJSON *lid = json_member(d, "id"), *pid = json_member(d, "product_id");
		char o1[128], o2[128];
		if (!cJSON_IsNumber(lid) || !cJSON_IsNumber(pid) || lid->valuedouble < 0 ||
		    pid->valuedouble < 0 || lid->valuedouble >= 1e18 || pid->valuedouble >= 1e18 ||
		    json_copy_str(d, "option1_value", false, o1, sizeof(o1)) ||
		    json_copy_str(d, "option2_value", false, o2, sizeof(o2)) ||
		    json_get_int(d, "product_num", 0, 1000000, &l->quantity)) {
			free(lines);
			cJSON_Delete(fetched);
			mall_status_setk(st, MALL_TEMPORARY, 200, "msg.mallerr.colorme_sale_items_unreadable",
			                 "カラーミーショップ: 受注 %s の明細を解釈できません",
			                 o.order_no);
			return MALL_TEMPORARY;
		}
		snprintf(l->line_key, sizeof(l->line_key), "%.0f", lid->valuedouble);
		snprintf(l->item_code, sizeof(l->item_code), "%.0f", pid->valuedouble);
		/* Option values too long for a code leave the line unlinked (reported) rather than
		 * cut into another option's name. */
		if (strlen(o1) + (o2[0] ? strlen(sep) + strlen(o2) : 0) >= sizeof(l->sub_code))
			l->item_code[0] = '\0';
		else if (o2[0])
			strcat(strcat(strcpy(l->sub_code, o1), sep), o2);
		else
			strcpy(l->sub_code, o1);
		l->cancelled = o.cancelled;
		k++;
	}
	o.nlines = k;
	o.lines = lines;
	int stop = cb(&o, ctx);
	free(lines);
	cJSON_Delete(fetched);
	if (stop) {
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
	sale_ref *refs = NULL;
	int nrefs = 0, cap = 0;
	memset(st, 0, sizeof(*st));
	long long limit = mall_opt_int(shop, "sales_page_size", 100);
	long long back = mall_opt_int(shop, "order_lookback_s", 60 * 86400);
	if (limit < 1 || limit > 100)
		limit = 100;
	if (back < 0 || back > 366 * 86400LL)
		back = 60 * 86400;
	char after[24], from[24], to[24];
	mall_wall_time(shop, since - (time_t)back, after, sizeof(after));
	mall_wall_time(shop, since, from, sizeof(from));
	mall_wall_time(shop, until, to, sizeof(to));
	for (long long offset = 0, pages = 0;; pages++) {
		buf path = BUF_INIT;
		cJSON *reply = NULL;
		if (pages > COLORME_MAX_PAGES || buf_puts(&path, "/v1/sales.json?after=") ||
		    http_urlencode(&path, after) || buf_puts(&path, "&update_date_min=") ||
		    http_urlencode(&path, from) || buf_puts(&path, "&update_date_max=") ||
		    http_urlencode(&path, to) ||
		    buf_printf(&path, "&limit=%lld&offset=%lld", limit, offset)) {
			buf_free(&path);
			oc = MALL_TEMPORARY;
			mall_status_setk(st, oc, 0, "msg.mallerr.colorme_sale_list_failed",
			                 "カラーミーショップ: 受注一覧を取得できません");
			goto out;
		}
		oc = call(shop, "GET", buf_str(&path), NULL, &reply, st);
		buf_free(&path);
		if (oc != MALL_OK) {
			if (oc == MALL_ITEM)
				oc = st->outcome = MALL_TEMPORARY;
			goto out;
		}
		cJSON *sales = cJSON_GetObjectItemCaseSensitive(reply, "sales");
		const cJSON *total = json_member(json_member(reply, "meta"), "total");
		if (!cJSON_IsArray(sales)) {
			cJSON_Delete(reply);
			oc = MALL_TEMPORARY;
			mall_status_setk(st, oc, 200, "msg.mallerr.colorme_sale_list_unreadable",
			                 "カラーミーショップ: 受注一覧の応答を解釈できません");
			goto out;
		}
		int got = cJSON_GetArraySize(sales);
		while (cJSON_GetArraySize(sales) > 0) {
			cJSON *s = cJSON_DetachItemFromArray(sales, 0);
			sale_ref r = {s, 0};
			if (!json_unix_time(json_member(s, "update_date"), &r.updated)) {
				cJSON_Delete(s);
				cJSON_Delete(reply);
				oc = MALL_TEMPORARY;
				mall_status_setk(st, oc, 200, "msg.mallerr.colorme_sale_list_bad_sale",
				                 "カラーミーショップ: 受注一覧に解釈できない受注があります");
				goto out;
			}
			if (r.updated < since || r.updated >= until) {
				cJSON_Delete(s);
				continue;
			}
			if (array_reserve(&refs, &cap, nrefs + 1, sizeof(*refs))) {
				cJSON_Delete(s);
				cJSON_Delete(reply);
				oc = MALL_TEMPORARY;
				mall_status_setk(st, oc, 0, "msg.mallerr.out_of_memory",
				                 "メモリ不足");
				goto out;
			}
			refs[nrefs++] = r;
		}
		/* total lives in reply: read it before the reply goes. */
		bool last = got < limit || (cJSON_IsNumber(total) && offset + got >= total->valuedouble);
		cJSON_Delete(reply);
		offset += got;
		if (last)
			break;
	}
	if (nrefs)
		qsort(refs, (size_t)nrefs, sizeof(*refs), cmp_sale);
	for (int k = 0; k < nrefs; k++) {
		oc = one_sale(shop, refs[k].sale, refs[k].updated, cb, ctx, st);
		if (oc != MALL_OK)
			goto out;
	}
	mall_status_ok(st, 200);
	oc = MALL_OK;
out:
	for (int k = 0; k < nrefs; k++)
		cJSON_Delete(refs[k].sale);
	free(refs);
	return oc;
}

const mall_adapter mall_colorme = {"colorme", 100, 100, push, fetch_orders, read_stock, refresh,
                                   mall_release_state, NULL};
