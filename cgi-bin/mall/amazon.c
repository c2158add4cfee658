/* amazon: the Amazon SP-API adapter: LWA tokens, Listings Items 2021-08-01 quantity patches,
 * Orders v0 with paging, and a token bucket per operation.
 *
 * credentials: client_id, client_secret, refresh_token; access_token is written back (cache).
 * options (default): seller_id (required), marketplace_id (A1VC38T7YXB528),
 *   lwa_url (https://api.amazon.com/auth/o2/token), product_type (none: each listing's own),
 *   patch_op (merge),
 *   fulfillment_channel_code (DEFAULT), orders_page_size (100), timeout_ms (client default),
 *   rate_limit (1; 0 turns the buckets off), max_wait_ms (5000), rate_/burst_ + patch (5/5),
 *   listing_get (5/10), orders (0.0167/20), order_items (0.5/30).
 * api_base defaults to https://sellingpartnerapi-fe.amazon.com (the Far East endpoint).
 * A listing is addressed by its seller SKU (the listing's item_code), never by zaiko's SKU
 * code. Its productType (which the PATCH must name) is read once with includedData=summaries
 * and kept as the listing's mall_ref. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/buf.h"
#include "core/log.h"
#include "core/smsg.h"
#include "mall/amazon_json.h"
#include "mall/mall.h"
#include "mall/oauth.h"
#include "mall/pace.h"
#include "mall/retry.h"

#define AMAZON_API_BASE "https://sellingpartnerapi-fe.amazon.com"
#define AMAZON_LWA_URL "https://api.amazon.com/auth/o2/token"
#define AMAZON_MARKETPLACE_JP "A1VC38T7YXB528"
/* A token this close to expiry is renewed before use. */
#define AMAZON_REFRESH_AHEAD 300
/* Amazon refuses LastUpdatedBefore later than two minutes ago. */
#define AMAZON_BEFORE_MARGIN 125
/* Guards against a reply that pages forever. */
#define AMAZON_MAX_PAGES 100000

typedef enum { OP_PATCH, OP_LISTING_GET, OP_ORDERS, OP_ORDER_ITEMS, OP__MAX } amazon_op;

/* Rates (requests per second) and bursts from the models; each is a per-shop option
 * rate_<name> / burst_<name>, since Amazon changes them per seller and over time. */
static const struct {
	const char *name;
	double rate;
	double burst;
} op_limits[OP__MAX] = {
	[OP_PATCH] = {"patch", 5, 5},
	[OP_LISTING_GET] = {"listing_get", 5, 10},
	[OP_ORDERS] = {"orders", 0.0167, 20},
	[OP_ORDER_ITEMS] = {"order_items", 0.5, 30},
};

typedef struct {
	mall_bucket buckets[OP__MAX];
	bool ready[OP__MAX];    /* the bucket's rate and burst are read from the options */
	/* An order listing under way (see fetch_orders). */
	bool resume;
	time_t resume_since;    /* the window start it belongs to */
	time_t resume_t0;       /* when its first page was asked */
	char *resume_token;     /* the NextToken of its next page, NULL after the last */
	amazon_order_head *resume_heads; /* the current page's orders */
	int resume_n, resume_i; /* how many, and the first not yet delivered */
	bool pending_fresh;     /* the next listing starts afresh at pending_after */
	time_t pending_after;
	http_multi *multi;      /* PATCHes in flight side by side (patch_in_flight) */
	int multi_slots;
	double polled_at;       /* when the last fresh listing asked its first page (0: never) */
} amazon_state;

/* A numeric option as a double (JSON number or numeric string), or def. */
static double opt_double(const mall_shop *shop, const char *key, double def)
{
	const cJSON *v = shop->options ? cJSON_GetObjectItemCaseSensitive(shop->options, key) : NULL;
	double d = def;
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
	} else if (cJSON_IsString(v) && v->valuestring) {
		char *end;
		d = strtod(v->valuestring, &end);
		if (end == v->valuestring || *end)
			d = def;
	}
	return isfinite(d) && d > 0 ? d : def;
}

static amazon_state *state_of(mall_shop *shop)
{
	return mall_state(shop, sizeof(amazon_state));
}

static mall_bucket *bucket_of(const mall_shop *shop, amazon_state *s, amazon_op op);

/* Takes one token of op's bucket, waiting up to max_wait_ms; beyond that the call is rate
 * limited and retry_after_ms says when a token will be there. */
static mall_outcome throttle(mall_shop *shop, amazon_op op, mall_status *st)
{
	if (!mall_opt_int(shop, "rate_limit", 1))
		return MALL_OK;
	amazon_state *s = state_of(shop);
	if (!s) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		return MALL_TEMPORARY;
	}
	mall_bucket *b = bucket_of(shop, s, op);
	long max_wait = (long)mall_opt_int(shop, "max_wait_ms", 5000);
	for (;;) {
		long wait = mall_bucket_need(b, 1, true);
		if (!wait)
			return MALL_OK;
		if (wait > max_wait) {
			mall_status_setk(st, MALL_RATE_LIMITED, 0, "msg.mallerr.amazon_op_limited",
			                 "Amazon: %sの呼び出し上限に達しました", op_limits[op].name);
			st->retry_after_ms = wait;
			return MALL_RATE_LIMITED;
		}
		mall_sleep_ms(wait);
	}
}

static mall_bucket *bucket_of(const mall_shop *shop, amazon_state *s, amazon_op op)
{
	mall_bucket *b = &s->buckets[op];
	if (!s->ready[op]) {
		char key[64];
		snprintf(key, sizeof(key), "rate_%s", op_limits[op].name);
		/* The per-second limits (listings: 5/s) are kept 10 % under, unless set: our clock
		 * starts a call when it leaves, Amazon's bucket counts it when it arrives, and calls
		 * the network bunches together would be refused. */
		double margin = op_limits[op].rate >= 1 ? 0.9 : 1.0;
		b->rate = opt_double(shop, key, op_limits[op].rate * margin);
		snprintf(key, sizeof(key), "burst_%s", op_limits[op].name);
		b->capacity = floor(opt_double(shop, key, op_limits[op].burst));
		if (b->capacity < 1)
			b->capacity = 1;
		b->level = b->capacity;
		b->at = mall_mono_now();
		s->ready[op] = true;
	}
	return b;
}

/* After a 429 the bucket is empty whatever our count said. */
static void bucket_drain(mall_shop *shop, amazon_op op)
{
	amazon_state *s = shop->adapter_state;
	if (s && s->ready[op]) {
		s->buckets[op].level = 0;
		s->buckets[op].at = mall_mono_now();
	}
}

static const char *api_base(const mall_shop *shop)
{
	return shop->api_base && shop->api_base[0] ? shop->api_base : AMAZON_API_BASE;
}

/* Appends the base URL without its trailing slashes. */
static int put_base(buf *b, const mall_shop *shop)
{
	const char *base = api_base(shop);
	return buf_append(b, base, (size_t)mall_base_len(base));
}

/* LWA answers a refused refresh token with 400 or 401 (read by the shared rules); any other
 * refusal is taken as passing trouble, not a reason to stop the shop. */
static bool lwa_refused(mall_shop *shop, const http_response *r, const char *code, mall_status *st)
{
	if (r->status == 400 || r->status == 401 || r->status == 429 || r->status < 400 ||
	    r->status >= 500)
		return false;
	mall_status_setk(st, MALL_TEMPORARY, r->status, "msg.mallerr.amazon_token_failed",
	                 "Amazon: トークン取得に失敗しました (HTTP %d)",
	                 r->status);
	return true;
}

static mall_outcome refresh(mall_shop *shop, bool force, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	if (!force && mall_token_fresh(shop, AMAZON_REFRESH_AHEAD, 0))
		return MALL_OK;
	const char *form[] = {"grant_type", "refresh_token",
	                      "refresh_token", mall_cred(shop, "refresh_token", ""),
	                      "client_id", mall_cred(shop, "client_id", ""),
	                      "client_secret", mall_cred(shop, "client_secret", ""), NULL};
	const mall_oauth g = {.label = "Amazon",
	                      .url = mall_opt(shop, "lwa_url", AMAZON_LWA_URL),
	                      .content_type = "application/x-www-form-urlencoded;charset=UTF-8",
	                      .form = form,
	                      .default_ttl = 3600,
	                      .strict_ttl = true,
	                      .refused = lwa_refused};
	return mall_oauth_grant(shop, &g, st);
}

/* Reads the retry hint of a 429: Retry-After (seconds) or one period of the reported rate. */
static long retry_after(const http_response *resp, amazon_op op)
{
	char v[64];
	long after;
	if (mall_retry_after_header(resp, &after))
		return after;
	double rate = op_limits[op].rate;
	if (http_header(resp, "x-amzn-RateLimit-Limit", v, sizeof(v))) {
		char *end;
		double r = strtod(v, &end);
		if (end != v && isfinite(r) && r > 0)
			rate = r;
	}
	double ms = ceil(1000 / rate);
	return ms > 3600000 ? 3600000 : (long)ms;
}

static mall_outcome throttle_op(mall_shop *shop, void *ctx, mall_status *st)
{
	return throttle(shop, *(const amazon_op *)ctx, st);
}

/* One SP-API answer: 2xx done; 401/403 renews the token; 429 empties our bucket and waits once
 * (our bucket and Amazon's drift apart by network jitter: one short wait and a retry is cheaper
 * than failing the whole batch); any other 4xx is MALL_ITEM with Amazon's error. */
static mall_retry_verdict judge(mall_shop *shop, void *ctx, int hrc, const http_response *resp,
                                mall_status *st)
{
	amazon_op op = *(const amazon_op *)ctx;
	if (hrc != Z_OK) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.amazon_connect_failed",
		                 "Amazon: 通信に失敗しました (%s)", resp->error);
		smsg_arg_to_key(st->msg, sizeof(st->msg), resp->error, resp->error_key);
		return MALL_RETRY_DONE;
	}
	if (resp->status >= 200 && resp->status < 300)
		return MALL_RETRY_DONE;
	char code[64], msg[200];
	if (amazon_parse_errors(resp->body.data ? resp->body.data : "", resp->body.len, code,
	                        sizeof(code), msg, sizeof(msg)))
		snprintf(msg, sizeof(msg), "HTTP %d", resp->status);
	if (resp->status == 403 || resp->status == 401) {
		log_info("amazon: shop %lld: access refused (%s), renewing the token", shop->id, msg);
		mall_status_setk(st, MALL_AUTH, resp->status, "msg.mallerr.amazon_access_denied",
		                 "Amazon: アクセスが拒否されました: %s", msg);
		return MALL_RETRY_RENEW;
	}
	if (resp->status == 429) {
		bucket_drain(shop, op);
		mall_status_setk(st, MALL_RATE_LIMITED, 429, "msg.mallerr.amazon_limit_exceeded",
		                 "Amazon: 呼び出し上限を超えました: %s", msg);
		st->retry_after_ms = retry_after(resp, op);
		return MALL_RETRY_WAIT;
	}
	mall_outcome o = mall_classify_http(resp->status);
	mall_status_set(st, o == MALL_ITEM ? MALL_ITEM : MALL_TEMPORARY, resp->status, "Amazon: %s",
	                msg);
	return MALL_RETRY_DONE;
}

/* One SP-API call with a valid token through the shared loop (mall/retry.h).
 * MALL_OK: a 2xx reply (in resp). MALL_ITEM: a 4xx other than 401/403/429, resp holds it and
 * st->message Amazon's error. Anything else: the call failed as st says. */
static mall_outcome api_call(mall_shop *shop, amazon_op op, const char *method, const char *url,
                             const char *body, http_response *resp, mall_status *st)
{
	const char *headers[] = {"Accept: application/json",
	                         body ? "Content-Type: application/json" : NULL, NULL};
	const mall_retry c = {.refresh = refresh, .throttle = throttle_op, .judge = judge, .ctx = &op,
	                      .auth = "x-amz-access-token: ", .headers = headers, .may_wait = true};
	http_request req = {method, url, NULL, body, body ? strlen(body) : 0,
	                    mall_opt_int(shop, "timeout_ms", 0)};
	return mall_retry_call(shop, &c, &req, resp, st);
}

static const char *body_of(const http_response *resp)
{
	return resp->body.data ? resp->body.data : "";
}

/* URL of one listing: {base}/listings/2021-08-01/items/{seller}/{sku}?marketplaceIds=… */
static int listing_url(buf *u, const mall_shop *shop, const char *sku)
{
	if (put_base(u, shop) || buf_puts(u, "/listings/2021-08-01/items/") ||
	    http_urlencode(u, mall_opt(shop, "seller_id", "")) || buf_putc(u, '/') ||
	    http_urlencode(u, sku) || buf_puts(u, "?marketplaceIds=") ||
	    http_urlencode(u, mall_opt(shop, "marketplace_id", AMAZON_MARKETPLACE_JP)))
		return Z_NOMEM;
	return Z_OK;
}

static bool need_seller(mall_shop *shop, mall_status *st)
{
	if (mall_opt(shop, "seller_id", "")[0])
		return true;
	mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.amazon_seller_id_missing",
	                 "Amazon: 出品者ID (seller_id) が未設定です");
	return false;
}

/* The PATCH body setting quantity on the configured channel (merge keeps restock data). */
static char *patch_body(const mall_shop *shop, const char *product_type, int quantity)
{
	char *out = NULL;
	cJSON *root = cJSON_CreateObject();
	cJSON *patches = cJSON_AddArrayToObject(root, "patches");
	cJSON *p = cJSON_CreateObject();
	cJSON *values = cJSON_CreateArray();
	cJSON *v = cJSON_CreateObject();
	if (!root || !patches || !p || !values || !v) {
		cJSON_Delete(p);
		cJSON_Delete(values);
		cJSON_Delete(v);
		goto out;
	}
	cJSON_AddItemToArray(patches, p);
	cJSON_AddItemToArray(values, v);
	if (!cJSON_AddStringToObject(root, "productType", product_type) ||
	    !cJSON_AddStringToObject(p, "op", mall_opt(shop, "patch_op", "merge")) ||
	    !cJSON_AddStringToObject(p, "path", "/attributes/fulfillment_availability")) {
		cJSON_Delete(values);
		goto out;
	}
	cJSON_AddItemToObject(p, "value", values);
	if (!cJSON_AddStringToObject(v, "fulfillment_channel_code",
	                             mall_opt(shop, "fulfillment_channel_code", "DEFAULT")) ||
	    !cJSON_AddNumberToObject(v, "quantity", quantity))
		goto out;
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

/* A listing's seller SKU: the mall's own identifier, which the listing's item_code holds. */
static const char *seller_sku(const char *item_code, const char *sku_code)
{
	return item_code && item_code[0] ? item_code : sku_code;
}

static bool product_type_ok(const char *t)
{
	if (!t || !t[0] || strlen(t) > 100)
		return false;
	for (; *t; t++)
		if (!((*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') || *t == '_'))
			return false;
	return true;
}

/* Reads the listing's productType (getListingsItem with includedData=summaries) into type.
 * MALL_ITEM when the listing is not there or has no summary in the marketplace. */
static mall_outcome read_product_type(mall_shop *shop, const char *sku, char *type, size_t len,
                                      bool *unreadable, mall_status *st)
{
	*unreadable = false;
	http_response resp;
	buf url = BUF_INIT;
	memset(&resp, 0, sizeof(resp));
	mall_outcome o = MALL_TEMPORARY;
	if (listing_url(&url, shop, sku) || buf_puts(&url, "&includedData=summaries")) {
		mall_status_setk(st, o, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		goto out;
	}
	o = api_call(shop, OP_LISTING_GET, "GET", buf_str(&url), NULL, &resp, st);
	if (o == MALL_ITEM && resp.status == 404) {
		mall_status_setk(st, MALL_ITEM, 404, "msg.mallerr.amazon_listing_missing",
		                 "Amazon: 出品者SKU %s の出品がありません", sku);
		goto out;
	}
	if (o != MALL_OK)
		goto out;
	char err[128];
	int e = amazon_parse_product_type(body_of(&resp), resp.body.len,
	                                  mall_opt(shop, "marketplace_id", AMAZON_MARKETPLACE_JP), type,
	                                  len, err, sizeof(err));
	if (e == Z_NOTFOUND) {
		o = MALL_ITEM;
		mall_status_setk(st, o, resp.status, "msg.mallerr.amazon_product_type_missing",
		                 "Amazon: 出品者SKU %s の商品タイプがこのマーケットプレイスにありません",
		                 sku);
	} else if (e != Z_OK) {
		o = MALL_TEMPORARY;
		*unreadable = true;
		mall_status_setk(st, o, resp.status, "msg.mallerr.amazon_listing_reply_bad",
		                 "Amazon: 出品情報の応答が不正です (%s)", err);
	}
out:
	buf_free(&url);
	http_response_free(&resp);
	return o;
}

static void fail_rest(mall_push_item *items, int from, int n, const mall_status *st)
{
	for (int i = from; i < n; i++)
		items[i].status = *st;
}

/* What a 2xx answer to a listing PATCH says about the item. */
static void patch_result(mall_push_item *it, const http_response *resp)
{
	bool accepted = false;
	char msg[200], err[128];
	if (amazon_parse_submission(body_of(resp), resp->body.len, &accepted, msg, sizeof(msg), err,
	                            sizeof(err))) {
		mall_status_setk(&it->status, MALL_TEMPORARY, resp->status, "msg.mallerr.amazon_reply_bad",
		                 "Amazon: 応答が不正です (%s)",
		                 err);
		return;
	}
	if (!accepted) {
		mall_status_setk(&it->status, MALL_ITEM, resp->status, "msg.mallerr.amazon_stock_refused",
		                 "Amazon: 在庫数が受け付けられませんでした: %s", msg);
		/* A kept product type that no longer matches is read again next time. */
		if (!it->mall_ref_out[0] && product_type_ok(it->mall_ref) && strstr(msg, "productType"))
			snprintf(it->mall_ref_out, sizeof(it->mall_ref_out), "-");
	}
}

/* One PATCH through api_call (token renewal, one wait on a 429). MALL_OK or MALL_ITEM: the
 * item's status says; anything else is the call's failure. */
static mall_outcome patch_one(mall_shop *shop, mall_push_item *it, const char *url,
                              const char *body)
{
	http_response resp;
	memset(&resp, 0, sizeof(resp));
	mall_outcome o = api_call(shop, OP_PATCH, "PATCH", url, body, &resp, &it->status);
	if (o == MALL_OK)
		patch_result(it, &resp);
	http_response_free(&resp);
	return o == MALL_ITEM ? MALL_OK : o;
}

/* Reads the answer to a PATCH sent side by side into the item's status: false when it is
 * to be sent again one by one (401/403: the token renewed; 429: after Amazon's wait). */
static bool in_flight_answer(mall_shop *shop, mall_push_item *it, int hrc, const http_response *resp)
{
	if (hrc != Z_OK) {
		mall_status_setk(&it->status, MALL_TEMPORARY, 0, "msg.mallerr.amazon_connect_failed",
		                 "Amazon: 通信に失敗しました (%s)",
		                 resp->error);
		smsg_arg_to_key(it->status.msg, sizeof(it->status.msg), resp->error, resp->error_key);
	} else if (resp->status >= 200 && resp->status < 300) {
		patch_result(it, resp);
	} else if (resp->status == 401 || resp->status == 403 || resp->status == 429) {
		if (resp->status == 429)
			bucket_drain(shop, OP_PATCH);
		return false;
	} else {
		char code[64], msg[200];
		if (amazon_parse_errors(body_of(resp), resp->body.len, code, sizeof(code), msg,
		                        sizeof(msg)))
			snprintf(msg, sizeof(msg), "HTTP %d", resp->status);
		mall_outcome o = mall_classify_http(resp->status);
		mall_status_set(&it->status, o == MALL_ITEM ? MALL_ITEM : MALL_TEMPORARY, resp->status,
		                "Amazon: %s", msg);
	}
	return true;
}

/* The PATCHes of ready items with up to inflight of them under way at once, each started
 * when the bucket holds a token: when a round trip takes longer than the limit's interval
 * (200 ms at 5/s), the limit, not the round trip, sets the pace. An answer of 403 or 429 is
 * sent again afterwards one by one (token renewal, the wait Amazon asks). */
static mall_outcome send_in_flight(mall_shop *shop, mall_push_item *items, int n, char **urls,
                                   char **bodies, int inflight, mall_status *st)
{
	amazon_state *s = state_of(shop);
	mall_outcome rc = s ? refresh(shop, false, st) : MALL_TEMPORARY;
	bool *redo = calloc((size_t)n, sizeof(*redo));
	bool *flying = calloc((size_t)n, sizeof(*flying));
	long timeout = (long)mall_opt_int(shop, "timeout_ms", 0);
	if (rc == MALL_OK && s && (!s->multi || s->multi_slots != inflight)) {
		http_multi_free(s->multi);
		s->multi = http_multi_new(inflight, timeout > 0 ? timeout : 30000, true);
		s->multi_slots = s->multi ? inflight : 0;
	}
	if (rc != MALL_OK || !s || !s->multi || !redo || !flying) {
		if (rc == MALL_OK)
			mall_status_setk(st, rc = MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
			                 "メモリ不足");
		for (int i = 0; i < n; i++)
			if (urls[i])
				items[i].status = *st;
		free(redo);
		free(flying);
		return rc;
	}
	mall_bucket *b = bucket_of(shop, s, OP_PATCH);
	long max_wait = (long)mall_opt_int(shop, "max_wait_ms", 5000);
	char auth[2200];
	snprintf(auth, sizeof(auth), "x-amz-access-token: %s", mall_cred(shop, "access_token", ""));
	const char *headers[] = {auth, "Accept: application/json", "Content-Type: application/json",
	                         NULL};
	int next = 0;
	bool limited = false;
	mall_status lim = {0};
	for (;;) {
		while (!limited && next < n && http_multi_running(s->multi) < inflight) {
			if (!urls[next]) {
				next++;
				continue;
			}
			/* One listing never has two PATCHes under way, and one sent again later takes the
			 * later values with it: the last value must land last. */
			bool in_air = false, later = false;
			for (int k = 0; k < next; k++) {
				if (!strcmp(urls[k], urls[next])) {
					in_air = in_air || flying[k];
					later = later || redo[k];
				}
			}
			if (later) {
				redo[next++] = true;
				continue;
			}
			if (in_air)
				break;
			long wait = mall_bucket_need(b, 1, true);
			if (wait) {
				if (http_multi_running(s->multi) > 0)
					break; /* an answer may come first */
				if (wait > max_wait) {
					limited = true;
					mall_status_setk(&lim, MALL_RATE_LIMITED, 0, "msg.mallerr.amazon_patch_limited",
					                 "Amazon: patchの呼び出し上限に達しました");
					lim.retry_after_ms = wait;
					break;
				}
				mall_sleep_ms(wait);
				continue;
			}
			http_request req = {"PATCH", urls[next], headers, bodies[next], strlen(bodies[next]),
			                    timeout};
			if (http_multi_start(s->multi, &req, (void *)(intptr_t)next) != Z_OK) {
				mall_status_setk(&items[next].status, MALL_TEMPORARY, 0, "msg.mallerr.amazon_cannot_send",
				                 "Amazon: 送信できません");
				next++;
				continue;
			}
			flying[next++] = true;
		}
		if (!http_multi_running(s->multi)) {
			if (limited || next >= n)
				break;
			continue;
		}
		long wait = !limited && next < n ? mall_bucket_need(b, 1, false) : 1000;
		void *tag = NULL;
		int hrc = Z_ERR;
		http_response resp;
		memset(&resp, 0, sizeof(resp));
		int got = http_multi_next(s->multi, wait > 0 ? wait : 1, &tag, &resp, &hrc);
		if (got < 0) {
			http_response_free(&resp);
			mall_status_setk(st, rc = MALL_TEMPORARY, 0, "msg.mallerr.amazon_transfer_failed",
			                 "Amazon: 通信に失敗しました (libcurl)");
			http_multi_free(s->multi); /* what was under way is dropped with it */
			s->multi = NULL;
			s->multi_slots = 0;
			for (int i = 0; i < n; i++)
				if (urls[i] && items[i].status.outcome == MALL_OK && !redo[i])
					items[i].status = *st;
			free(redo);
			free(flying);
			return rc;
		}
		if (got == 1) {
			int i = (int)(intptr_t)tag;
			mall_push_item *it = &items[i];
			flying[i] = false;
			redo[i] = !in_flight_answer(shop, it, hrc, &resp);
		}
		http_response_free(&resp);
	}
	for (int i = next; i < n; i++)
		if (urls[i]) {
			items[i].status = lim;
			*st = lim;
			rc = MALL_RATE_LIMITED;
		}
	for (int i = 0; i < n && rc == MALL_OK; i++) {
		if (!redo[i])
			continue;
		mall_outcome o = patch_one(shop, &items[i], urls[i], bodies[i]);
		if (o != MALL_OK) {
			*st = items[i].status;
			rc = o;
			for (int k = i + 1; k < n; k++)
				if (redo[k])
					items[k].status = *st;
		}
	}
	free(redo);
	free(flying);
	return rc;
}

/* The product type read earlier in this call for the same seller SKU. */
static bool same_sku_type(const mall_push_item *items, int upto, const char *sku, char *type,
                          size_t len)
{
	for (int k = 0; k < upto; k++)
		if (items[k].mall_ref_out[0] && product_type_ok(items[k].mall_ref_out) &&
		    !strcmp(seller_sku(items[k].item_code, items[k].sku_code), sku)) {
			snprintf(type, len, "%s", items[k].mall_ref_out);
			return true;
		}
	return false;
}

static mall_outcome push(mall_shop *shop, mall_push_item *items, int n, mall_status *st)
{
	mall_outcome rc = MALL_OK;
	buf url = BUF_INIT;
	char **urls = calloc(n ? (size_t)n : 1, sizeof(*urls));
	char **bodies = calloc(n ? (size_t)n : 1, sizeof(*bodies));
	memset(st, 0, sizeof(*st));
	if (!urls || !bodies) {
		mall_status_setk(st, rc = MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		fail_rest(items, 0, n, st);
		goto out;
	}
	if (!need_seller(shop, st)) {
		fail_rest(items, 0, n, st);
		rc = st->outcome;
		goto out;
	}
	/* First what each PATCH needs (a product type read where none is kept), then the PATCHes. */
	for (int i = 0; i < n; i++) {
		mall_push_item *it = &items[i];
		memset(&it->status, 0, sizeof(it->status));
		it->mall_ref_out[0] = '\0';
		const char *sku = seller_sku(it->item_code, it->sku_code);
		if (!sku || !sku[0]) {
			mall_status_setk(&it->status, MALL_ITEM, 0, "msg.mallerr.amazon_sku_empty",
			                 "出品者SKUが空です");
			continue;
		}
		/* The product type: the shop's fixed one, the one kept with the listing, or read now. */
		char type[128];
		const char *fixed = mall_opt(shop, "product_type", "");
		if (product_type_ok(fixed)) {
			snprintf(type, sizeof(type), "%s", fixed);
		} else if (product_type_ok(it->mall_ref)) {
			snprintf(type, sizeof(type), "%s", it->mall_ref);
		} else if (same_sku_type(items, i, sku, type, sizeof(type))) {
			snprintf(it->mall_ref_out, sizeof(it->mall_ref_out), "%s", type);
		} else {
			bool unreadable;
			mall_outcome t = read_product_type(shop, sku, type, sizeof(type), &unreadable,
			                                   &it->status);
			/* This listing's own trouble (not there, a reply that cannot be read): the
			 * others go on. */
			if (t == MALL_ITEM || unreadable)
				continue;
			if (t != MALL_OK) {
				*st = it->status;
				rc = t;
				fail_rest(items, i + 1, n, st);
				goto out;
			}
			snprintf(it->mall_ref_out, sizeof(it->mall_ref_out), "%s", type);
		}
		bodies[i] = patch_body(shop, type, it->wanted < 0 ? 0 : it->wanted);
		buf_reset(&url);
		if (!bodies[i] || listing_url(&url, shop, sku) || !(urls[i] = strdup(buf_str(&url)))) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
			                 "メモリ不足");
			rc = MALL_TEMPORARY;
			fail_rest(items, i, n, st);
			goto out;
		}
	}
	/* Side by side only where the adapter keeps the pace itself (its own bucket). */
	long long inflight = mall_opt_int(shop, "rate_limit", 1) ? mall_opt_int(shop, "patch_in_flight", 5) : 1;
	if (inflight > 1) {
		rc = send_in_flight(shop, items, n, urls, bodies, inflight > 20 ? 20 : (int)inflight, st);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!urls[i])
			continue;
		mall_outcome o = patch_one(shop, &items[i], urls[i], bodies[i]);
		if (o != MALL_OK) {
			*st = items[i].status;
			rc = o;
			fail_rest(items, i + 1, n, st);
			goto out;
		}
	}
out:
	for (int i = 0; i < n; i++) {
		free(urls ? urls[i] : NULL);
		free(bodies ? bodies[i] : NULL);
	}
	free(urls);
	free(bodies);
	buf_free(&url);
	return rc;
}

static mall_outcome read_stock(mall_shop *shop, mall_stock_item *items, int n, mall_status *st)
{
	mall_outcome rc = MALL_OK;
	http_response resp;
	buf url = BUF_INIT;
	memset(&resp, 0, sizeof(resp));
	memset(st, 0, sizeof(*st));
	if (!need_seller(shop, st))
		return st->outcome;
	const char *channel = mall_opt(shop, "fulfillment_channel_code", "DEFAULT");
	for (int i = 0; i < n; i++) {
		mall_stock_item *it = &items[i];
		it->found = false;
		const char *sku = seller_sku(it->item_code, it->sku_code);
		if (!sku || !sku[0])
			continue;
		buf_reset(&url);
		if (listing_url(&url, shop, sku) || buf_puts(&url, "&includedData=fulfillmentAvailability")) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
			                 "メモリ不足");
			rc = MALL_TEMPORARY;
			goto out;
		}
		mall_status one;
		mall_outcome o = api_call(shop, OP_LISTING_GET, "GET", buf_str(&url), NULL, &resp, &one);
		if (o == MALL_ITEM && resp.status == 404)
			continue;
		if (o != MALL_OK) {
			*st = one;
			rc = o == MALL_ITEM ? MALL_TEMPORARY : o;
			st->outcome = rc;
			goto out;
		}
		char err[128];
		if (amazon_parse_listing(body_of(&resp), resp.body.len, channel, &it->stock, &it->found,
		                         err, sizeof(err))) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.amazon_reply_bad",
			                 "Amazon: 応答が不正です (%s)", err);
			rc = MALL_TEMPORARY;
			goto out;
		}
	}
out:
	buf_free(&url);
	http_response_free(&resp);
	return rc;
}

static void iso_utc(char *out, size_t len, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmp_heads(const void *a, const void *b)
{
	const amazon_order_head *x = a, *y = b;
	if (x->updated_at != y->updated_at)
		return x->updated_at < y->updated_at ? -1 : 1;
	return strcmp(x->order_no, y->order_no);
}

/* One page of getOrders: the first (LastUpdatedAfter since; LastUpdatedBefore until when Amazon
 * allows one that recent) or the one next names. Headers outside [since, until) are dropped,
 * the rest sorted into *heads (malloc'd); *next_out gets the page's NextToken (malloc'd) or NULL. */
static mall_outcome list_page(mall_shop *shop, const char *next, time_t since, time_t until,
                              amazon_order_head **heads, int *nheads, char **next_out,
                              mall_status *st)
{
	mall_outcome rc = MALL_TEMPORARY;
	http_response resp;
	amazon_orders_page page = {0};
	buf url = BUF_INIT;
	amazon_order_head *all = NULL;
	int n = 0, cap = 0;
	memset(&resp, 0, sizeof(resp));
	*heads = NULL;
	*nheads = 0;
	*next_out = NULL;
	time_t now = time(NULL);
	long long per_page = mall_opt_int(shop, "orders_page_size", 100);
	if (per_page < 1 || per_page > 100)
		per_page = 100;
	char when[32];
	int e = put_base(&url, shop) || buf_puts(&url, "/orders/v0/orders?MarketplaceIds=") ||
	        http_urlencode(&url, mall_opt(shop, "marketplace_id", AMAZON_MARKETPLACE_JP));
	if (next) {
		e = e || buf_puts(&url, "&NextToken=") || http_urlencode(&url, next);
	} else {
		iso_utc(when, sizeof(when), since);
		e = e || buf_printf(&url, "&LastUpdatedAfter=%s", when);
		/* Too recent a bound is refused: then ask up to now and drop the rest here. */
		if (until <= now - AMAZON_BEFORE_MARGIN) {
			iso_utc(when, sizeof(when), until);
			e = e || buf_printf(&url, "&LastUpdatedBefore=%s", when);
		}
		e = e || buf_printf(&url, "&MaxResultsPerPage=%lld", per_page);
	}
	if (e) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		goto out;
	}
	rc = api_call(shop, OP_ORDERS, "GET", buf_str(&url), NULL, &resp, st);
	if (rc != MALL_OK)
		goto out; /* MALL_ITEM (a 4xx such as a NextToken no longer valid) for the caller */
	char err[128];
	rc = MALL_TEMPORARY;
	if (amazon_parse_orders(body_of(&resp), resp.body.len, &page, err, sizeof(err))) {
		mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.amazon_order_list_bad",
		                 "Amazon: 注文一覧の応答が不正です (%s)",
		                 err);
		goto out;
	}
	for (int i = 0; i < page.n; i++) {
		if (page.orders[i].updated_at < since || page.orders[i].updated_at >= until)
			continue;
		if (array_reserve(&all, &cap, n + 1, sizeof(*all)) != Z_OK) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
			                 "メモリ不足");
			goto out;
		}
		all[n++] = page.orders[i];
	}
	if (n > 1)
		qsort(all, (size_t)n, sizeof(*all), cmp_heads);
	*heads = all;
	*nheads = n;
	*next_out = page.next_token;
	page.next_token = NULL;
	all = NULL;
	rc = MALL_OK;
out:
	free(all);
	amazon_orders_page_free(&page);
	buf_free(&url);
	http_response_free(&resp);
	return rc;
}

/* Fetches every line of one order (paging) into order->lines (malloc'd). */
static mall_outcome order_lines(mall_shop *shop, const amazon_order_head *h, mall_order *order,
                                mall_status *st)
{
	mall_outcome rc = MALL_TEMPORARY;
	http_response resp;
	amazon_items_page page = {0};
	buf url = BUF_INIT;
	char *next = NULL;
	int cap = 0;
	memset(&resp, 0, sizeof(resp));
	for (int pages = 0;; pages++) {
		buf_reset(&url);
		if (pages >= AMAZON_MAX_PAGES || put_base(&url, shop) ||
		    buf_puts(&url, "/orders/v0/orders/") || http_urlencode(&url, h->order_no) ||
		    buf_puts(&url, "/orderItems") ||
		    (next && (buf_puts(&url, "?NextToken=") || http_urlencode(&url, next)))) {
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.amazon_order_items_failed",
			                 "Amazon: 注文明細を取得できません");
			goto out;
		}
		rc = api_call(shop, OP_ORDER_ITEMS, "GET", buf_str(&url), NULL, &resp, st);
		if (rc != MALL_OK) {
			if (rc == MALL_ITEM)
				st->outcome = rc = MALL_TEMPORARY;
			goto out;
		}
		rc = MALL_TEMPORARY;
		char err[128];
		if (amazon_parse_order_items(body_of(&resp), resp.body.len, &page, err, sizeof(err))) {
			mall_status_setk(st, MALL_TEMPORARY, resp.status, "msg.mallerr.amazon_order_items_bad",
			                 "Amazon: 注文 %s の明細応答が不正です (%s)", h->order_no, err);
			goto out;
		}
		for (int i = 0; i < page.n; i++) {
			if (array_reserve(&order->lines, &cap, order->nlines + 1, sizeof(*order->lines)) !=
			    Z_OK) {
				mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
				                 "メモリ不足");
				goto out;
			}
			mall_order_line *l = &order->lines[order->nlines++];
			const amazon_order_item *it = &page.items[i];
			memset(l, 0, sizeof(*l));
			snprintf(l->line_key, sizeof(l->line_key), "%s", it->order_item_id);
			snprintf(l->item_code, sizeof(l->item_code), "%s", it->seller_sku);
			snprintf(l->sku_code, sizeof(l->sku_code), "%s", it->seller_sku);
			l->quantity = it->quantity;
			l->cancelled = h->cancelled;
		}
		free(next);
		next = page.next_token;
		page.next_token = NULL;
		amazon_items_page_free(&page);
		if (!next)
			break;
	}
	rc = MALL_OK;
out:
	free(next);
	amazon_items_page_free(&page);
	buf_free(&url);
	http_response_free(&resp);
	return rc;
}

static void resume_clear(amazon_state *s)
{
	free(s->resume_token);
	free(s->resume_heads);
	s->resume_token = NULL;
	s->resume_heads = NULL;
	s->resume_n = s->resume_i = 0;
	s->resume = false;
	s->pending_fresh = false;
}

/* Orders are delivered page by page. A listing cut short (getOrders or getOrderItems rate
 * limited, the mall unwell) keeps its place in the adapter state: the next fetch of the same
 * window start goes on from the order and NextToken where it stopped instead of page 1 (with
 * getOrders' refill of one call a minute, a restart would never reach page 2). A listing that
 * ran over several fetches covers orders changed before its first page was asked; a fresh
 * listing from then covers the rest of the window. */
static mall_outcome fetch_orders(mall_shop *shop, time_t since, time_t until, mall_order_cb cb,
                                 void *ctx, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	amazon_state *s = state_of(shop);
	if (!s) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		return MALL_TEMPORARY;
	}
	if (s->resume && s->resume_since != since)
		resume_clear(s);
	/* A listing that read pages in an earlier fetch covers orders changed before it began. */
	bool continued = s->resume && !s->pending_fresh;
	time_t after = s->resume && s->pending_fresh ? s->pending_after : since;
	for (int pages = 0;; pages++) {
		mall_outcome rc;
		if (pages >= AMAZON_MAX_PAGES) {
			resume_clear(s);
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.amazon_order_pages_endless",
			                 "Amazon: 注文一覧のページが終わりません");
			return MALL_TEMPORARY;
		}
		if (!s->resume || s->pending_fresh) {
			time_t t0 = time(NULL);
			s->polled_at = mall_mono_now();
			amazon_order_head *heads;
			int n;
			char *next;
			rc = list_page(shop, NULL, after, until, &heads, &n, &next, st);
			if (rc != MALL_OK)
				return rc == MALL_ITEM ? (st->outcome = MALL_TEMPORARY) : rc;
			s->resume = true;
			s->pending_fresh = false;
			s->resume_since = since;
			s->resume_t0 = t0;
			s->resume_token = next;
			s->resume_heads = heads;
			s->resume_n = n;
			s->resume_i = 0;
		}
		while (s->resume_i < s->resume_n) {
			const amazon_order_head *h = &s->resume_heads[s->resume_i];
			mall_order order;
			memset(&order, 0, sizeof(order));
			snprintf(order.order_no, sizeof(order.order_no), "%s", h->order_no);
			snprintf(order.status, sizeof(order.status), "%s", h->status);
			order.cancelled = h->cancelled;
			order.ordered_at = h->ordered_at;
			order.updated_at = h->updated_at;
			/* Applied already and unchanged: getOrderItems (0.5/s) is not asked again. */
			if (shop->order_known && shop->order_known(&order, ctx)) {
				s->resume_i++;
				continue;
			}
			rc = order_lines(shop, h, &order, st);
			if (rc == MALL_OK && cb(&order, ctx)) {
				mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.orders_interrupted",
				                 "注文の取り込みが中断されました");
				rc = MALL_TEMPORARY;
			}
			free(order.lines);
			if (rc != MALL_OK)
				return rc; /* this order first, next time */
			s->resume_i++;
		}
		if (s->resume_token) {
			amazon_order_head *heads;
			int n;
			char *next;
			rc = list_page(shop, s->resume_token, since, until, &heads, &n, &next, st);
			if (rc == MALL_ITEM) {
				/* The NextToken is refused (expired): the window is read again from its start. */
				resume_clear(s);
				st->outcome = MALL_TEMPORARY;
				return MALL_TEMPORARY;
			}
			if (rc != MALL_OK)
				return rc;
			free(s->resume_token);
			free(s->resume_heads);
			s->resume_token = next;
			s->resume_heads = heads;
			s->resume_n = n;
			s->resume_i = 0;
			continue;
		}
		time_t t0 = s->resume_t0;
		resume_clear(s);
		if (!continued || until <= t0 + 1)
			return MALL_OK;
		/* Begun in an earlier fetch: the orders changed since its first page still count,
		 * read by a listing of their own (kept as pending when the limit stops it). */
		continued = false;
		after = t0 - 5 > since ? t0 - 5 : since;
		s->resume = true;
		s->resume_since = since;
		s->pending_fresh = true;
		s->pending_after = after;
	}
}

/* getOrders refills one call a minute (burst 20): a new listing is due no sooner than one
 * refill after the last one began, so polling every few seconds keeps to the quota and the
 * burst stays for paging; a listing under way goes on as soon as its bucket holds a call. */
static long fetch_due(mall_shop *shop)
{
	amazon_state *s = state_of(shop);
	if (!s || !mall_opt_int(shop, "rate_limit", 1))
		return 0;
	mall_bucket *b = bucket_of(shop, s, OP_ORDERS);
	long wait = mall_bucket_need(b, 1, false);
	if ((s->resume && !s->pending_fresh) || s->polled_at <= 0)
		return wait;
	double left = s->polled_at + 1 / b->rate - mall_mono_now();
	long ms = left > 0 ? (long)ceil(left * 1000) : 0;
	return ms > wait ? ms : wait;
}

static void release(mall_shop *shop)
{
	if (shop->adapter_state) {
		amazon_state *s = shop->adapter_state;
		resume_clear(s);
		http_multi_free(s->multi);
	}
	free(shop->adapter_state);
	shop->adapter_state = NULL;
}

const mall_adapter mall_amazon = {"amazon", 100, 100, push, fetch_orders, read_stock, refresh, release,
                                  fetch_due};
