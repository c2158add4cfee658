/* rakuten: the 楽天市場 RMS adapter (Inventory API bulk-upsert/bulk-get, RakutenPay order API
 * searchOrder/getOrder, licenseKey expiry date), authenticated by the ESA header.
 *
 * Credentials (JSON): service_secret, license_key. A listing's item_code is the 商品管理番号
 * (manageNumber), its sub_code the SKU管理番号 (variantId).
 * Options (defaults): content_type "application/json; charset=utf-8", inventory_api_version
 * "2.0" | "2.1", pace_ms 1150 (bulk-upsert), read_pace_ms 230 (bulk-get), order_pace_ms 1150,
 * timeout_ms 0 (the client's), retry_after_ms 1000, max_reply_bytes 16 MiB, push_batch 400,
 * order_lookback_s 1209600 (14 days), search_window_s 5443200 (63 days), search_page_size 1000,
 * search_max_records 15000, search_date_type 1, get_order_batch 100, order_version 7,
 * cancel_on_pending 0 (800 キャンセル確定待ち counts as cancelled when 1), license_check_s
 * 86400, license_warn_days 14. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/evp.h>
#include "core/buf.h"
#include "core/jst.h"
#include "core/log.h"
#include "core/smsg.h"
#include "mall/mall.h"
#include "mall/pace.h"
#include "mall/rakuten_json.h"

#define RAKUTEN_MAX_UPSERT 400
#define RAKUTEN_MAX_GET 1000
#define RAKUTEN_MAX_GET_ORDER 100
#define RAKUTEN_MAX_WINDOW (63L * 86400)

typedef enum { RK_UPSERT, RK_GET, RK_ORDER, RK_LICENSE, RK__MAX } rk_class;

typedef struct {
	struct timespec last[RK__MAX];
	time_t license_checked_at;
} rakuten_state;

static rakuten_state *state(mall_shop *shop)
{
	return mall_state(shop, sizeof(rakuten_state));
}

/* Keeps calls of one class apart: bulk-upsert and orders 1/s, bulk-get 5/s, each with a 15 %
 * margin: the interval is measured where the call leaves, Rakuten counts where it arrives, and
 * a call paced at exactly the limit that the network delivers a little sooner is refused. */
static void pace(mall_shop *shop, rk_class cls)
{
	static const char *const keys[RK__MAX] = {"pace_ms", "read_pace_ms", "order_pace_ms", NULL};
	static const long long defaults[RK__MAX] = {1150, 230, 1150, 0};
	rakuten_state *s = state(shop);
	if (!s)
		return;
	long long ms = keys[cls] ? mall_opt_int(shop, keys[cls], defaults[cls]) : 0;
	mall_pace(&s->last[cls], ms);
}

/* Non-2xx answer → outcome. 400/404 come back as MALL_ITEM; callers decide what that means. */
static mall_outcome classify(const mall_shop *shop, const http_response *r, mall_status *st)
{
	char code[32], msg[200];
	int s = r->status;
	rakuten_first_error(buf_str(&r->body), r->body.len, code, sizeof(code), msg, sizeof(msg));
	if (s == 429) {
		mall_status_setk(st, MALL_RATE_LIMITED, s, "msg.mallerr.rakuten_limited",
		                 "楽天の呼び出し回数制限に達しました (%s)", code);
		st->retry_after_ms = mall_retry_after_ms(shop, r);
	} else if (s == 401) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.rakuten_license_invalid",
		                 "楽天のライセンスキーまたはサービスシークレットが無効か期限切れです。RMSで確認してください (%s %s)",
		                 code, msg);
	} else if (s == 403 || !strcmp(code, "ES04-01")) {
		mall_status_setk(st, MALL_AUTH, s, "msg.mallerr.rakuten_feature_disabled",
		                 "RMSのWEB APIサービスで必要な機能が有効になっていません (%s %s)", code, msg);
	} else if (s >= 500 || s == 408 || s == 0) {
		mall_status_setk(st, MALL_TEMPORARY, s, "msg.mallerr.rakuten_unavailable",
		                 "楽天が一時的に応答できません (HTTP %d %s)", s, code);
	} else if (s == 415 || s == 405) {
		mall_status_setk(st, MALL_TEMPORARY, s, "msg.mallerr.rakuten_format_refused",
		                 "楽天がリクエストの形式を受け付けません (HTTP %d %s)。content_type 設定を確認してください", s, code);
	} else {
		mall_status_setk(st, MALL_ITEM, s, "msg.mallerr.rakuten_request_refused",
		                 "楽天がリクエストを拒否しました (HTTP %d %s %s)", s, code, msg);
	}
	return st->outcome;
}

/* One call with the ESA header. On MALL_OK resp holds a 2xx reply within the size limit. */
static mall_outcome rk_call(mall_shop *shop, const char *method, const char *path, const char *body,
                            rk_class cls, http_response *resp, mall_status *st)
{
	const char *secret = mall_cred(shop, "service_secret", NULL);
	const char *key = mall_cred(shop, "license_key", NULL);
	char pair[600], b64[820], auth[840], ctype[120], url[1200];
	long long max_bytes = mall_opt_int(shop, "max_reply_bytes", 16L << 20);
	int l = secret && key ? snprintf(pair, sizeof(pair), "%s:%s", secret, key) : -1;
	if (!secret || !*secret || !key || !*key || l < 0 || (size_t)l >= sizeof(pair)) {
		mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.rakuten_credentials_missing",
		                 "楽天の認証情報 (service_secret, license_key) が設定されていません");
		return MALL_AUTH;
	}
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)pair, l);
	snprintf(auth, sizeof(auth), "Authorization: ESA %s", b64);
	const char *ct = mall_opt(shop, "content_type", "application/json; charset=utf-8");
	if (!http_header_value_ok(ct))
		ct = "application/json; charset=utf-8";
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", ct);
	const char *base = shop->api_base ? shop->api_base : "https://api.rms.rakuten.co.jp";
	snprintf(url, sizeof(url), "%.*s%s", mall_base_len(base), base, path);
	const char *headers[] = {auth, body ? ctype : NULL, NULL};
	pace(shop, cls);
	http_request req = {method, url, headers, body, body ? strlen(body) : 0,
	                    (long)mall_opt_int(shop, "timeout_ms", 0)};
	if (http_perform(shop->http, &req, resp) != Z_OK) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.rakuten_connect_failed",
		                 "楽天に接続できません: %s", resp->error);
		smsg_arg_to_key(st->msg, sizeof(st->msg), resp->error, resp->error_key);
		return MALL_TEMPORARY;
	}
	if (resp->status >= 200 && resp->status < 300) {
		if ((long long)resp->body.len > max_bytes) {
			mall_status_setk(st, MALL_TEMPORARY, resp->status, "msg.mallerr.rakuten_reply_too_large",
			                 "楽天の応答が大きすぎます (%zu バイト)",
			                 resp->body.len);
			return MALL_TEMPORARY;
		}
		mall_status_ok(st, resp->status);
		return MALL_OK;
	}
	return classify(shop, resp, st);
}

static void inventory_path(const mall_shop *shop, const char *what, char *out, size_t outlen)
{
	const char *v = mall_opt(shop, "inventory_api_version", "2.0");
	if (strcmp(v, "2.0") && strcmp(v, "2.1"))
		v = "2.0";
	snprintf(out, outlen, "/es/%s/inventories/%s", v, what);
}

static bool manage_number_ok(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return false;
	return n >= 1 && n <= 32;
}

static bool variant_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Sends the items at idx[0..n) in one bulk-upsert; item errors Rakuten attributes to an index
 * are set on that item and listed in refused[]. Returns the call's outcome. */
static mall_outcome upsert(mall_shop *shop, mall_push_item *items, const int *idx, int n,
                           bool *refused, mall_status *st)
{
	char path[64];
	cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "inventories");
	char *body = NULL;
	http_response resp;
	rakuten_error *errs = NULL;
	int nerrs = 0;
	mall_outcome oc = MALL_TEMPORARY;
	memset(&resp, 0, sizeof(resp));
	for (int i = 0; list && i < n; i++) {
		const mall_push_item *it = &items[idx[i]];
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(list, o) ||
		    !cJSON_AddStringToObject(o, "manageNumber", it->item_code) ||
		    !cJSON_AddStringToObject(o, "variantId", it->sub_code) ||
		    !cJSON_AddStringToObject(o, "mode", "ABSOLUTE") ||
		    !cJSON_AddNumberToObject(o, "quantity", it->wanted)) {
			list = NULL;
		}
	}
	if (!list || !(body = cJSON_PrintUnformatted(root))) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
		                 "メモリが足りません");
		goto out;
	}
	inventory_path(shop, "bulk-upsert", path, sizeof(path));
	oc = rk_call(shop, "POST", path, body, RK_UPSERT, &resp, st);
	if (oc != MALL_ITEM || rakuten_parse_errors(buf_str(&resp.body), resp.body.len, &errs, &nerrs))
		goto out;
	for (int e = 0; e < nerrs; e++) {
		int i = errs[e].item;
		if (i < 0 || i >= n || refused[i])
			continue;
		refused[i] = true;
		mall_status_setk(&items[idx[i]].status, MALL_ITEM, resp.status, "msg.mallerr.rakuten_stock_refused",
		                 "楽天が在庫更新を拒否しました (%s: %s)",
		                 errs[e].code, errs[e].message);
	}
out:
	free(errs);
	free(body);
	cJSON_Delete(root);
	http_response_free(&resp);
	return oc;
}

static mall_outcome push_chunk(mall_shop *shop, mall_push_item *items, int n, mall_status *st)
{
	int *idx = calloc((size_t)n + 1, sizeof(*idx)), m = 0;
	bool *refused = calloc((size_t)n + 1, sizeof(*refused));
	mall_outcome oc = MALL_OK;
	mall_status_ok(st, 0);
	if (!idx || !refused) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
		                 "メモリが足りません");
		oc = MALL_TEMPORARY;
		for (int i = 0; i < n; i++)
			items[i].status = *st;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		mall_push_item *it = &items[i];
		if (!manage_number_ok(it->item_code) || !variant_ok(it->sub_code)) {
			mall_status_setk(&it->status, MALL_ITEM, 0, "msg.mallerr.rakuten_code_invalid",
			                 "商品管理番号（英数字・-・_、32文字まで）またはSKU管理番号（32バイトまで）が正しくありません");
		} else if (it->wanted < 0 || it->wanted > 99999) {
			mall_status_setk(&it->status, MALL_ITEM, 0, "msg.mallerr.rakuten_stock_range",
			                 "楽天の在庫数は0〜99999です（%d は送れません）", it->wanted);
		} else {
			mall_status_ok(&it->status, 0);
			idx[m++] = i;
		}
	}
	/* Rakuten refuses the whole request for one bad item; send the others again once. */
	for (int attempt = 0; attempt < 2 && m > 0; attempt++) {
		memset(refused, 0, (size_t)m * sizeof(*refused));
		oc = upsert(shop, items, idx, m, refused, st);
		if (oc == MALL_OK) {
			for (int i = 0; i < m; i++)
				mall_status_ok(&items[idx[i]].status, st->http_status);
			break;
		}
		int left = 0;
		for (int i = 0; i < m; i++)
			if (!refused[i])
				idx[left++] = idx[i];
		bool attributed = left < m;
		m = left;
		if (oc != MALL_ITEM || !attributed || attempt == 1) {
			for (int i = 0; i < m; i++)
				items[idx[i]].status = *st;
			break;
		}
	}
	/* Item errors alone leave the call itself a success. */
	if (oc == MALL_ITEM)
		oc = MALL_OK, mall_status_ok(st, st->http_status);
out:
	free(idx);
	free(refused);
	return oc;
}

static mall_outcome push(mall_shop *shop, mall_push_item *items, int n, mall_status *st)
{
	long long chunk = mall_opt_int(shop, "push_batch", RAKUTEN_MAX_UPSERT);
	mall_outcome oc = MALL_OK;
	if (chunk < 1 || chunk > RAKUTEN_MAX_UPSERT)
		chunk = RAKUTEN_MAX_UPSERT;
	mall_status_ok(st, 0);
	for (int i = 0; i < n; i += (int)chunk) {
		int m = n - i < chunk ? n - i : (int)chunk;
		if (oc == MALL_OK || oc == MALL_ITEM)
			oc = push_chunk(shop, items + i, m, st);
		else
			for (int k = i; k < i + m; k++)
				items[k].status = *st;
	}
	return oc;
}

static mall_outcome read_stock(mall_shop *shop, mall_stock_item *items, int n, mall_status *st)
{
	char path[64], err[200];
	http_response resp;
	rakuten_inventory *rows = NULL;
	int nrows = 0;
	mall_outcome oc = MALL_OK;
	memset(&resp, 0, sizeof(resp));
	mall_status_ok(st, 0);
	inventory_path(shop, "bulk-get", path, sizeof(path));
	for (int start = 0; start < n && oc == MALL_OK; start += RAKUTEN_MAX_GET) {
		int end = n - start > RAKUTEN_MAX_GET ? start + RAKUTEN_MAX_GET : n, nsent = 0;
		cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "inventories");
		char *body = NULL;
		for (int i = start; i < end; i++) {
			items[i].found = false;
			items[i].stock = 0;
			if (!manage_number_ok(items[i].item_code) || !variant_ok(items[i].sub_code))
				continue;
			cJSON *o = cJSON_CreateObject();
			if (!list || !o || !cJSON_AddItemToArray(list, o) ||
			    !cJSON_AddStringToObject(o, "manageNumber", items[i].item_code) ||
			    !cJSON_AddStringToObject(o, "variantId", items[i].sub_code))
				list = NULL;
			nsent++;
		}
		if (nsent && (!list || !(body = cJSON_PrintUnformatted(root)))) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
			                 "メモリが足りません");
			oc = MALL_TEMPORARY;
		} else if (nsent) {
			oc = rk_call(shop, "POST", path, body, RK_GET, &resp, st);
		}
		free(body);
		cJSON_Delete(root);
		if (oc != MALL_OK || !nsent)
			continue;
		free(rows);
		rows = NULL;
		if (rakuten_parse_inventories(buf_str(&resp.body), resp.body.len, &rows, &nrows, err,
		                              sizeof(err)) != Z_OK) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.rakuten_bulk_get_unreadable",
			                 "楽天のbulk-get応答を解釈できません: %s", err);
			oc = MALL_TEMPORARY;
			break;
		}
		for (int i = start; i < end; i++)
			for (int r = 0; r < nrows; r++)
				/* Rakuten folds manageNumber to lowercase; variantId is case-sensitive. */
				if (!strcasecmp(rows[r].manage_number, items[i].item_code ? items[i].item_code : "") &&
				    !strcmp(rows[r].variant_id, items[i].sub_code ? items[i].sub_code : "") &&
				    rows[r].quantity >= -999999999 && rows[r].quantity <= 999999999) {
					items[i].found = true;
					items[i].stock = (int)rows[r].quantity;
					break;
				}
	}
	free(rows);
	http_response_free(&resp);
	return oc;
}

typedef struct {
	char (*numbers)[64];
	int n, cap;
} number_list;

/* Pages through searchOrder for [from, to) and appends the order numbers; a window with more
 * hits than Rakuten will list is split in two. */
static mall_outcome search_window(mall_shop *shop, time_t from, time_t to, number_list *out,
                                  int depth, mall_status *st)
{
	long long page_size = mall_opt_int(shop, "search_page_size", 1000);
	long long max_records = mall_opt_int(shop, "search_max_records", 15000);
	long long date_type = mall_opt_int(shop, "search_date_type", 1);
	char start[32], end[32], err[200];
	buf body = BUF_INIT;
	http_response resp;
	char (*nums)[64] = NULL;
	int nnums = 0;
	long long total = 0, pages = 0;
	mall_outcome oc = MALL_OK;
	memset(&resp, 0, sizeof(resp));
	if (page_size < 1 || page_size > 1000)
		page_size = 1000;
	if (date_type < 1 || date_type > 6)
		date_type = 1;
	jst_format(from, JST_ISO_0900, start, sizeof(start));
	jst_format(to - 1, JST_ISO_0900, end, sizeof(end));
	for (long long page = 1;; page++) {
		buf_reset(&body);
		if (buf_printf(&body,
		               "{\"dateType\":%lld,\"startDatetime\":\"%s\",\"endDatetime\":\"%s\","
		               "\"PaginationRequestModel\":{\"requestRecordsAmount\":%lld,\"requestPage\":%lld,"
		               "\"SortModelList\":[{\"sortColumn\":1,\"sortDirection\":1}]}}",
		               date_type, start, end, page_size, page)) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
			                 "メモリが足りません");
			oc = MALL_TEMPORARY;
			goto out;
		}
		oc = rk_call(shop, "POST", "/es/2.0/order/searchOrder/", buf_str(&body), RK_ORDER, &resp, st);
		if (oc == MALL_ITEM) /* our search was refused: no listing can fix that */
			st->outcome = oc = MALL_TEMPORARY;
		if (oc != MALL_OK)
			goto out;
		free(nums);
		nums = NULL;
		if (rakuten_parse_search(buf_str(&resp.body), resp.body.len, &nums, &nnums, &total, &pages,
		                         err, sizeof(err)) != Z_OK) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.rakuten_search_order_unreadable",
			                 "楽天のsearchOrder応答を解釈できません: %s", err);
			oc = MALL_TEMPORARY;
			goto out;
		}
		if (page == 1 && total > max_records && to - from > 60 && depth < 20) {
			time_t mid = from + (to - from) / 2;
			oc = search_window(shop, from, mid, out, depth + 1, st);
			if (oc == MALL_OK)
				oc = search_window(shop, mid, to, out, depth + 1, st);
			goto out;
		}
		if (nnums && out->n + nnums > out->cap) {
			int cap = out->cap ? out->cap : 256;
			while (cap < out->n + nnums)
				cap *= 2;
			if (cap > 2000000) {
				mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.rakuten_too_many_orders",
				                 "楽天の注文が多すぎます");
				oc = MALL_TEMPORARY;
				goto out;
			}
			char (*grown)[64] = realloc(out->numbers, (size_t)cap * sizeof(*grown));
			if (!grown) {
				mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
				                 "メモリが足りません");
				oc = MALL_TEMPORARY;
				goto out;
			}
			out->numbers = grown;
			out->cap = cap;
		}
		if (nnums) {
			memcpy(out->numbers + out->n, nums, (size_t)nnums * sizeof(*nums));
			out->n += nnums;
		}
		if (nnums == 0 || page >= pages)
			break;
	}
out:
	free(nums);
	buf_free(&body);
	http_response_free(&resp);
	return oc;
}

static bool in_range(time_t t, time_t since, time_t until)
{
	return t >= since && t < until;
}

static bool worth_reporting(const mall_order *o, time_t since, time_t until)
{
	if (in_range(o->ordered_at, since, until) || in_range(o->updated_at, since, until))
		return true;
	/* No reliable change time exists: cancellations are repeated; the batch applies each once. */
	for (int i = 0; i < o->nlines; i++)
		if (o->lines[i].cancelled)
			return true;
	return false;
}

static mall_outcome fetch_orders(mall_shop *shop, time_t since, time_t until, mall_order_cb cb,
                                 void *ctx, mall_status *st)
{
	long long lookback = mall_opt_int(shop, "order_lookback_s", 14 * 86400);
	long long window = mall_opt_int(shop, "search_window_s", RAKUTEN_MAX_WINDOW);
	long long batch = mall_opt_int(shop, "get_order_batch", RAKUTEN_MAX_GET_ORDER);
	long long version = mall_opt_int(shop, "order_version", 7);
	bool pending = mall_opt_int(shop, "cancel_on_pending", 0) != 0;
	number_list list = {NULL, 0, 0};
	buf body = BUF_INIT;
	http_response resp;
	mall_order *orders = NULL;
	int norders = 0;
	char err[200];
	mall_outcome oc = MALL_OK;
	memset(&resp, 0, sizeof(resp));
	mall_status_ok(st, 0);
	if (lookback < 0)
		lookback = 0;
	if (window < 60 || window > RAKUTEN_MAX_WINDOW)
		window = RAKUTEN_MAX_WINDOW;
	if (batch < 1 || batch > RAKUTEN_MAX_GET_ORDER)
		batch = RAKUTEN_MAX_GET_ORDER;
	/* searchOrder cannot ask "changed since": search back by order date to see cancellations. */
	for (time_t from = since - (time_t)lookback; from < until && oc == MALL_OK;) {
		time_t to = until - from > window ? from + (time_t)window : until;
		oc = search_window(shop, from, to, &list, 0, st);
		from = to;
	}
	for (int i = 0; i < list.n && oc == MALL_OK; i += (int)batch) {
		int m = list.n - i < batch ? list.n - i : (int)batch;
		buf_reset(&body);
		if (buf_puts(&body, "{\"orderNumberList\":[")) {
			oc = MALL_TEMPORARY;
			break;
		}
		for (int k = 0; k < m; k++) {
			cJSON *s = cJSON_CreateString(list.numbers[i + k]);
			char *q = s ? cJSON_PrintUnformatted(s) : NULL;
			int rc = q ? buf_printf(&body, "%s%s", k ? "," : "", q) : Z_NOMEM;
			free(q);
			cJSON_Delete(s);
			if (rc) {
				oc = MALL_TEMPORARY;
				break;
			}
		}
		if (oc != MALL_OK || buf_printf(&body, "],\"version\":%lld}", version)) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
			                 "メモリが足りません");
			oc = MALL_TEMPORARY;
			break;
		}
		oc = rk_call(shop, "POST", "/es/2.0/order/getOrder/", buf_str(&body), RK_ORDER, &resp, st);
		if (oc == MALL_ITEM)
			st->outcome = oc = MALL_TEMPORARY;
		if (oc != MALL_OK)
			break;
		rakuten_orders_free(orders, norders);
		orders = NULL;
		norders = 0;
		if (rakuten_parse_orders(buf_str(&resp.body), resp.body.len, pending, &orders, &norders, err,
		                         sizeof(err)) != Z_OK) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.rakuten_get_order_unreadable",
			                 "楽天のgetOrder応答を解釈できません: %s", err);
			oc = MALL_TEMPORARY;
			break;
		}
		if (norders < m)
			log_warn("rakuten: shop %lld: getOrder returned %d of %d orders", shop->id, norders, m);
		for (int k = 0; k < norders; k++) {
			if (!worth_reporting(&orders[k], since, until))
				continue;
			if (cb(&orders[k], ctx)) {
				mall_status_set(st, MALL_OK, resp.status, "stopped by the caller at %s",
				                orders[k].order_no);
				goto out;
			}
		}
	}
out:
	rakuten_orders_free(orders, norders);
	free(list.numbers);
	buf_free(&body);
	http_response_free(&resp);
	return oc;
}

static mall_outcome refresh(mall_shop *shop, bool force, mall_status *st)
{
	rakuten_state *s = state(shop);
	time_t now = time(NULL), expiry;
	long long every = mall_opt_int(shop, "license_check_s", 86400);
	long long warn_days = mall_opt_int(shop, "license_warn_days", 14);
	const char *key = mall_cred(shop, "license_key", "");
	buf path = BUF_INIT;
	http_response resp;
	char err[200], day[32];
	mall_outcome oc;
	memset(&resp, 0, sizeof(resp));
	mall_status_ok(st, 0);
	/* The licenseKey is no token to renew: only its expiry is read, once per process and
	 * then at most every license_check_s (a long-running batch loop). */
	if (!force && shop->token_expires_at > now && s && s->license_checked_at &&
	    now - s->license_checked_at < every)
		return MALL_OK;
	if (buf_puts(&path, "/es/1.0/license-management/license-key/expiry-date?licenseKey=") ||
	    http_urlencode(&path, key)) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.not_enough_memory",
		                 "メモリが足りません");
		oc = MALL_TEMPORARY;
		goto out;
	}
	oc = rk_call(shop, "GET", buf_str(&path), NULL, RK_LICENSE, &resp, st);
	if (oc == MALL_ITEM) /* 400 on this call means the key itself is not accepted */
		st->outcome = oc = MALL_AUTH;
	if (oc != MALL_OK)
		goto out;
	if (rakuten_parse_expiry(buf_str(&resp.body), resp.body.len, &expiry, err, sizeof(err)) != Z_OK) {
		mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.rakuten_license_expiry_unreadable",
		                 "楽天のライセンス期限応答を解釈できません: %s", err);
		oc = MALL_TEMPORARY;
		goto out;
	}
	/* The batch stores token_expires_at with the credentials: flag a new expiry so it does. */
	if (shop->token_expires_at != expiry)
		shop->credentials_changed = true;
	shop->token_expires_at = expiry;
	if (s)
		s->license_checked_at = now;
	jst_format(expiry, JST_ISO_0900, day, sizeof(day));
	day[10] = '\0';
	if (expiry <= now) {
		mall_status_setk(st, MALL_AUTH, resp.status, "msg.mallerr.rakuten_license_expired",
		                 "楽天のライセンスキーの有効期限 (%s) が切れています。RMSで更新してください", day);
		oc = MALL_AUTH;
	} else if (expiry - now < warn_days * 86400) {
		mall_status_setk(st, MALL_OK, resp.status, "msg.mallerr.rakuten_license_expiring",
		                 "楽天のライセンスキーの有効期限 (%s) が近づいています。RMSで更新してください", day);
	}
out:
	buf_free(&path);
	http_response_free(&resp);
	return oc;
}

static void release(mall_shop *shop)
{
	free(shop->adapter_state);
	shop->adapter_state = NULL;
}

const mall_adapter mall_rakuten = {"rakuten", RAKUTEN_MAX_UPSERT, RAKUTEN_MAX_GET, push,
                                   fetch_orders, read_stock, refresh, release, NULL};
