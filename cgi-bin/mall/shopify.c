/* shopify: the Shopify Admin GraphQL adapter: variants by SKU (cached), inventorySetQuantities
 * with compare-and-set and idempotency keys, orders by update time, query-cost throttling.
 *
 * credentials: access_token (a static shpat_ token), or client_id + client_secret for the
 *   client-credentials grant (24 h tokens, access_token then written back).
 * options (default): api_version (2026-01), location_id (the variant's only location),
 *   quantity_name (available), reason (correction), compare_and_set (1), orders_page_size (50),
 *   lines_page_size (40), lookup_page_size (250), levels_page_size (8), max_query_cost (1000),
 *   poll_page_size (5: orders on a fetch's first page, with 10 lines each),
 *   rate_limit (1), max_wait_ms (5000, or the time half the bucket takes to refill when that is
 *   longer), timeout_ms (client default).
 * Page sizes are upper bounds: each query's calculated cost (shopify_query_cost, Shopify's
 * documented rules) is kept within half of max_query_cost (and of the bucket), since Shopify
 * refuses any query whose requested cost is above 1,000 (MAX_COST_EXCEEDED) whatever the
 * bucket holds, and a query must find its whole requested cost in the bucket before it runs
 * (the unused part is refunded after).
 * api_base is required: https://{shop}.myshopify.com.
 * mall_ref / mall_ref_out: "<InventoryItem gid> <Location gid>". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/buf.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/smsg.h"
#include "mall/mall.h"
#include "mall/oauth.h"
#include "mall/pace.h"
#include "mall/retry.h"
#include "mall/shopify_json.h"

#define SHOPIFY_VERSION "2026-01"
/* SKUs per productVariants search; the query string stays well under Shopify's limits. */
#define SHOPIFY_LOOKUP_BATCH 50
/* Shopify's single-query limit (MAX_COST_EXCEEDED above it). */
#define SHOPIFY_MAX_QUERY_COST 1000
#define SHOPIFY_REFRESH_AHEAD 600
/* The longest access token taken (Shopify's are about 40 characters). */
#define SHOPIFY_TOKEN_MAX 1000
#define SHOPIFY_MAX_PAGES 100000

typedef struct cache_entry {
	struct cache_entry *next;
	char *sku;
	char ref[128];          /* "<inventory item gid> <location gid>" */
} cache_entry;

typedef struct {
	cache_entry **slots;
	size_t nslots, count;
	bool cost_known;        /* cost holds the last reply's throttle status */
	mall_bucket cost;
} shopify_state;

/* What push and read_stock learn about one SKU. */
typedef struct {
	const char *sku;
	char ref[128];
	bool resolved;
	bool fresh;             /* from a lookup in this call (not the cache or the batch) */
	bool done;              /* Shopify applied the new quantity */
	bool cas_known;
	int current;            /* available at lookup time, for changeFromQuantity */
	mall_status status;
} target;

static shopify_state *state_of(mall_shop *shop)
{
	return mall_state(shop, sizeof(shopify_state));
}

static size_t hash_sku(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static cache_entry *cache_find(shopify_state *s, const char *sku)
{
	if (!s || !s->nslots)
		return NULL;
	for (cache_entry *e = s->slots[hash_sku(sku) % s->nslots]; e; e = e->next)
		if (!strcmp(e->sku, sku))
			return e;
	return NULL;
}

static void cache_put(shopify_state *s, const char *sku, const char *ref)
{
	cache_entry *e = cache_find(s, sku);
	if (e) {
		snprintf(e->ref, sizeof(e->ref), "%s", ref);
		return;
	}
	if (s->count * 2 >= s->nslots) {
		size_t n = s->nslots ? s->nslots * 2 : 256;
		cache_entry **slots = calloc(n, sizeof(*slots));
		if (!slots)
			return; /* a cache that stops growing only costs lookups */
		for (size_t i = 0; i < s->nslots; i++) {
			for (cache_entry *x = s->slots[i], *next; x; x = next) {
				next = x->next;
				x->next = slots[hash_sku(x->sku) % n];
				slots[hash_sku(x->sku) % n] = x;
			}
		}
		free(s->slots);
		s->slots = slots;
		s->nslots = n;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->sku = strdup(sku))) {
		free(e);
		return;
	}
	snprintf(e->ref, sizeof(e->ref), "%s", ref);
	size_t i = hash_sku(sku) % s->nslots;
	e->next = s->slots[i];
	s->slots[i] = e;
	s->count++;
}

static void cache_drop(shopify_state *s, const char *sku)
{
	if (!s || !s->nslots)
		return;
	for (cache_entry **p = &s->slots[hash_sku(sku) % s->nslots]; *p; p = &(*p)->next) {
		if (!strcmp((*p)->sku, sku)) {
			cache_entry *e = *p;
			*p = e->next;
			free(e->sku);
			free(e);
			s->count--;
			return;
		}
	}
}

static const char *version_of(const mall_shop *shop)
{
	return mall_opt(shop, "api_version", SHOPIFY_VERSION);
}

static int put_base(buf *b, const mall_shop *shop)
{
	const char *base = shop->api_base ? shop->api_base : "";
	return buf_append(b, base, (size_t)mall_base_len(base));
}

/* A refused client-credentials grant: the app's id, secret or install is not right. */
static void grant_refused(mall_status *st, int http_status, const char *sp, const char *code)
{
	mall_status_setk(st, MALL_AUTH, http_status, "msg.mallerr.shopify_grant_refused",
	                 "Shopify: トークンの発行が拒否されました (HTTP %d%s%s)。アプリの設定を確認してください",
	                 http_status, sp, code);
}

static mall_outcome refresh(mall_shop *shop, bool force, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	if (!shop->api_base || !shop->api_base[0]) {
		mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.shopify_store_url_missing",
		                 "Shopify: ストアのURL (api_base) が未設定です");
		return MALL_AUTH;
	}
	bool can_grant = mall_cred(shop, "client_id", "")[0] && mall_cred(shop, "client_secret", "")[0];
	if (!force && mall_token_fresh(shop, SHOPIFY_REFRESH_AHEAD, SHOPIFY_TOKEN_MAX))
		return MALL_OK;
	if (!can_grant) {
		if (mall_cred(shop, "access_token", "")[0])
			mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.shopify_token_expired",
			                 "Shopify: アクセストークンが無効です。新しいトークンを登録してください");
		else
			mall_status_setk(st, MALL_AUTH, 0, "msg.mallerr.shopify_token_missing",
			                 "Shopify: アクセストークンが未設定です");
		return MALL_AUTH;
	}
	/* The client-credentials grant (24 h tokens) for apps that have a client id and secret. */
	const char *form[] = {"grant_type", "client_credentials",
	                      "client_id", mall_cred(shop, "client_id", ""),
	                      "client_secret", mall_cred(shop, "client_secret", ""), NULL};
	const mall_oauth g = {.label = "Shopify",
	                      .path = "/admin/oauth/access_token",
	                      .form = form,
	                      .max_token = SHOPIFY_TOKEN_MAX,
	                      .default_ttl = 86399,
	                      .strict_ttl = true,
	                      .refused_grant = grant_refused};
	return mall_oauth_grant(shop, &g, st);
}

/* Waits until the cost bucket (as the last reply reported it) holds cost points, or says how
 * long that would take when it is beyond max_wait_ms. Every query asks at most half the bucket
 * (half_cost), and max_wait_ms is by default at least the time half the bucket takes to
 * refill: a call always waits its turn instead of being put off, so the order fetch and the
 * pushes that follow it each get their share of the bucket every cycle. */
static mall_outcome throttle(mall_shop *shop, double cost, mall_status *st)
{
	shopify_state *s = state_of(shop);
	if (!s) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		return MALL_TEMPORARY;
	}
	if (!mall_opt_int(shop, "rate_limit", 1) || !s->cost_known)
		return MALL_OK;
	long wait = mall_bucket_need(&s->cost, cost, false);
	if (!wait)
		return MALL_OK;
	long long half = s->cost.rate > 0 ? (long long)ceil(s->cost.capacity / 2 / s->cost.rate * 1000)
	                                  : 0;
	if (wait > mall_opt_int(shop, "max_wait_ms", half > 5000 && half < 60000 ? half : 5000)) {
		mall_status_setk(st, MALL_RATE_LIMITED, 0, "msg.mallerr.shopify_cost_limited",
		                 "Shopify: APIコストの上限に達しました");
		st->retry_after_ms = wait;
		return MALL_RATE_LIMITED;
	}
	mall_sleep_ms(wait);
	return MALL_OK;
}

static long retry_after_header(const http_response *resp)
{
	long ms;
	return mall_retry_after_header(resp, &ms) ? ms : 1000;
}

/* What one GraphQL call's attempts share: the query's cost and where its reply goes. */
typedef struct {
	double cost;
	shopify_reply *r;
} gql_call;

static mall_outcome throttle_cost(mall_shop *shop, void *ctx, mall_status *st)
{
	return throttle(shop, ((const gql_call *)ctx)->cost, st);
}

/* One GraphQL answer: 401 renews the token; THROTTLED (in a 200 reply) waits; a reply with
 * data is done (parsed into the call's reply), the cost bucket taken from it. */
static mall_retry_verdict judge(mall_shop *shop, void *ctx, int hrc, const http_response *resp,
                                mall_status *st)
{
	gql_call *c = ctx;
	shopify_reply *r = c->r;
	shopify_reply_free(r);
	if (hrc != Z_OK) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.shopify_connect_failed",
		                 "Shopify: 通信に失敗しました (%s)", resp->error);
		smsg_arg_to_key(st->msg, sizeof(st->msg), resp->error, resp->error_key);
		return MALL_RETRY_DONE;
	}
	if (resp->status == 401) {
		mall_status_setk(st, MALL_AUTH, 401, "msg.mallerr.shopify_token_refused",
		                 "Shopify: アクセストークンが拒否されました");
		return MALL_RETRY_RENEW;
	}
	if (resp->status == 429) {
		mall_status_setk(st, MALL_RATE_LIMITED, 429, "msg.mallerr.shopify_limit_exceeded",
		                 "Shopify: 呼び出し上限を超えました");
		st->retry_after_ms = retry_after_header(resp);
		return MALL_RETRY_DONE;
	}
	if (resp->status != 200) {
		mall_status_set(st, MALL_TEMPORARY, resp->status, "Shopify: HTTP %d", resp->status);
		return MALL_RETRY_DONE;
	}
	char err[128];
	if (shopify_parse_reply(resp->body.data ? resp->body.data : "", resp->body.len, r, err,
	                        sizeof(err))) {
		mall_status_setk(st, MALL_TEMPORARY, 200, "msg.mallerr.shopify_reply_bad",
		                 "Shopify: 応答が不正です (%s)", err);
		return MALL_RETRY_DONE;
	}
	shopify_state *s = state_of(shop);
	if (s && r->cost_known) {
		s->cost_known = true;
		s->cost = (mall_bucket){r->available, r->restore_rate, r->maximum, mall_mono_now()};
	}
	if (r->throttled) {
		double need = r->requested_cost > 0 ? r->requested_cost : c->cost;
		mall_status_setk(st, MALL_RATE_LIMITED, 200, "msg.mallerr.shopify_throttled",
		                 "Shopify: APIコストの上限に達しました (THROTTLED)");
		st->retry_after_ms = r->cost_known
		                         ? (long)ceil(fmax(need - r->available, 1) / r->restore_rate * 1000)
		                         : 1000;
		return MALL_RETRY_WAIT;
	}
	if (r->error[0] || !r->data)
		mall_status_setk(st, MALL_TEMPORARY, 200, "msg.mallerr.shopify_graphql_error",
		                 "Shopify: GraphQLエラー: %s%s%s", r->error,
		                 r->error_code[0] ? " " : "", r->error_code);
	else
		mall_status_ok(st, 200);
	return MALL_RETRY_DONE;
}

/* One GraphQL call through the shared loop (mall/retry.h). On MALL_OK, r holds a reply with
 * data (caller frees it). 401 renews the token once (when the shop can); THROTTLED waits once
 * when the wait is short. */
static mall_outcome gql(mall_shop *shop, const char *query, cJSON *variables,
                        shopify_reply *r, mall_status *st)
{
	/* What Shopify will ask of the bucket before it runs the query. */
	long long qcost = shopify_query_cost(query, variables);
	gql_call call = {qcost > 0 ? (double)qcost : 10, r};
	mall_outcome rc = MALL_TEMPORARY;
	buf url = BUF_INIT;
	char *body = NULL;
	http_response resp;
	memset(&resp, 0, sizeof(resp));
	memset(r, 0, sizeof(*r));
	memset(st, 0, sizeof(*st));
	cJSON *req_json = cJSON_CreateObject();
	if (!req_json || !cJSON_AddStringToObject(req_json, "query", query)) {
		cJSON_Delete(variables);
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		goto out;
	}
	cJSON_AddItemToObject(req_json, "variables", variables ? variables : cJSON_CreateObject());
	body = cJSON_PrintUnformatted(req_json);
	if (!body || put_base(&url, shop) ||
	    buf_printf(&url, "/admin/api/%s/graphql.json", version_of(shop))) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		goto out;
	}
	const char *headers[] = {"Content-Type: application/json", "Accept: application/json", NULL};
	const mall_retry c = {.refresh = refresh, .throttle = throttle_cost, .judge = judge,
	                      .ctx = &call, .auth = "X-Shopify-Access-Token: ", .headers = headers,
	                      .may_wait = true};
	http_request req = {"POST", buf_str(&url), NULL, body, strlen(body),
	                    mall_opt_int(shop, "timeout_ms", 0)};
	rc = mall_retry_call(shop, &c, &req, &resp, st);
out:
	if (rc != MALL_OK)
		shopify_reply_free(r);
	cJSON_Delete(req_json);
	free(body);
	buf_free(&url);
	http_response_free(&resp);
	return rc;
}

/* Appends sku as a quoted search term ("…" with \ and " escaped). */
static int put_term(buf *q, const char *sku)
{
	if (buf_puts(q, "sku:\""))
		return Z_NOMEM;
	for (const char *p = sku; *p; p++)
		if ((*p == '"' || *p == '\\') ? buf_putc(q, '\\') || buf_putc(q, *p) : buf_putc(q, *p))
			return Z_NOMEM;
	return buf_putc(q, '"');
}

static const char VARIANTS_QUERY[] =
	"query($q:String!){productVariants(first:%lld, query:$q){nodes{id sku inventoryItem{id "
	"inventoryLevels(first:%lld){nodes{location{id name} quantities(names:[\"available\"]){name "
	"quantity}}}}}}}";

static long long max_cost(const mall_shop *shop)
{
	long long m = mall_opt_int(shop, "max_query_cost", SHOPIFY_MAX_QUERY_COST);
	return m < 10 || m > SHOPIFY_MAX_QUERY_COST ? SHOPIFY_MAX_QUERY_COST : m;
}

/* The most a lookup or an order page may ask: half of max_cost or of the bucket (as last
 * reported), whichever is less. A query near the 1,000-point limit needs a full bucket before
 * it may run: polled every few seconds, such queries alone drained the bucket and the pushes
 * behind them never found room. */
static long long half_cost(mall_shop *shop)
{
	double m = (double)max_cost(shop);
	shopify_state *s = state_of(shop);
	if (s && s->cost_known && s->cost.capacity > 0 && s->cost.capacity < m)
		m = s->cost.capacity;
	return m / 2 < 10 ? 10 : (long long)(m / 2);
}

/* The cost of fmt with the page sizes outer and inner (inner < 0: fmt has one %lld). */
static long long cost_of(const char *fmt, long long outer, long long inner)
{
	char q[2048];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (inner < 0)
		snprintf(q, sizeof(q), fmt, outer);
	else
		snprintf(q, sizeof(q), fmt, outer, inner);
#pragma GCC diagnostic pop
	return shopify_query_cost(q, NULL);
}

/* The largest outer page size in [1, want] whose query costs at most max (cost grows with
 * outer by the same step each time, so two costs give the answer; the loop only confirms).
 * 0 when even one is too dear. */
static long long fit_outer(const char *fmt, long long want, long long inner, long long max)
{
	long long c1 = cost_of(fmt, 1, inner), c2 = cost_of(fmt, 2, inner);
	if (c1 < 0 || c2 < 0 || c1 > max)
		return 0;
	long long step = c2 - c1, n = want;
	if (step > 0 && (max - c1) / step + 1 < n)
		n = (max - c1) / step + 1;
	while (n > 1 && cost_of(fmt, n, inner) > max)
		n--;
	return n < 1 ? 1 : n;
}

/* Page sizes of a query with a nested connection: inner first (halved until one outer node
 * fits), then as many outer nodes as the limit allows. */
static void fit_pages(mall_shop *shop, const char *fmt, long long want_outer,
                      long long want_inner, long long *outer, long long *inner)
{
	long long max = half_cost(shop);
	*inner = want_inner;
	while (*inner > 1 && fit_outer(fmt, 1, *inner, max) < 1)
		*inner /= 2;
	*outer = fit_outer(fmt, want_outer, *inner, max);
	if (*outer < 1)
		*outer = 1;
}

/* Picks the variant and location of t->sku from a lookup, filling t or t->status. */
static void resolve(const mall_shop *shop, target *t, const shopify_variant *v, int nv)
{
	const shopify_variant *hit = NULL;
	int nhits = 0;
	for (int i = 0; i < nv; i++) {
		if (!strcmp(v[i].sku, t->sku)) {
			hit = &v[i];
			nhits++;
		}
	}
	if (!nhits) {
		mall_status_setk(&t->status, MALL_ITEM, 200, "msg.mallerr.shopify_variant_missing",
		                 "Shopify: SKU %s の商品バリエーションがありません",
		                 t->sku);
		return;
	}
	if (nhits > 1) {
		mall_status_setk(&t->status, MALL_ITEM, 200, "msg.mallerr.shopify_sku_shared",
		                 "Shopify: SKU %s が複数のバリエーションで使われています", t->sku);
		return;
	}
	const char *want = mall_opt(shop, "location_id", "");
	const shopify_level *lv = NULL;
	for (int i = 0; i < hit->nlevels; i++)
		if (want[0] ? !strcmp(hit->levels[i].location_id, want) : hit->nlevels == 1)
			lv = &hit->levels[i];
	if (!lv) {
		if (want[0])
			mall_status_setk(&t->status, MALL_ITEM, 200, "msg.mallerr.shopify_location_untracked",
			                 "Shopify: SKU %s は指定のロケーションで在庫管理されていません", t->sku);
		else
			mall_status_setk(&t->status, MALL_ITEM, 200, "msg.mallerr.shopify_locations_many",
			                 "Shopify: SKU %s に複数のロケーションがあります。"
			                 "location_id を設定してください",
			                 t->sku);
		return;
	}
	int w = snprintf(t->ref, sizeof(t->ref), "%s %s", hit->item_id, lv->location_id);
	if (w < 0 || (size_t)w >= sizeof(t->ref)) {
		mall_status_setk(&t->status, MALL_ITEM, 200, "msg.mallerr.shopify_id_too_long",
		                 "Shopify: SKU %s のIDが長すぎます", t->sku);
		return;
	}
	t->resolved = true;
	t->fresh = true;
	t->cas_known = lv->has_available;
	t->current = lv->available;
}

/* Looks up every unresolved target in batches; a call failure is returned as is. Shopify's
 * SKU search also matches similar SKUs: when a reply fills its page the exact variant may
 * have been cut off, so the rest of the call asks one SKU at a time. */
static mall_outcome lookup(mall_shop *shop, target *ts, int n, mall_status *st)
{
	mall_outcome rc = MALL_OK;
	buf q = BUF_INIT;
	shopify_reply r = {0};
	shopify_variant *v = NULL;
	long long page = mall_opt_int(shop, "lookup_page_size", 250);
	long long levels = mall_opt_int(shop, "levels_page_size", SHOPIFY_MAX_LEVELS);
	char query[sizeof(VARIANTS_QUERY) + 32];
	int *idx = calloc(n ? (size_t)n : 1, sizeof(*idx));
	if (!idx) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		return MALL_TEMPORARY;
	}
	if (page < 1 || page > 250)
		page = 250;
	if (levels < 1 || levels > SHOPIFY_MAX_LEVELS)
		levels = SHOPIFY_MAX_LEVELS;
	fit_pages(shop, VARIANTS_QUERY, page, levels, &page, &levels);
	bool wide = false;      /* one SKU asked again with a whole page */
	/* A page filled by the hits means some may be cut off: ask for fewer SKUs than a page
	 * holds, so that one similar SKU each does not fill it. */
	int per = page / 2 < SHOPIFY_LOOKUP_BATCH ? (int)(page / 2) : SHOPIFY_LOOKUP_BATCH;
	if (per < 1)
		per = 1;
	for (int start = 0; start < n;) {
		int k = 0;
		buf_reset(&q);
		for (; start < n && k < per; start++) {
			if (ts[start].resolved || ts[start].status.outcome != MALL_OK)
				continue;
			if ((k && buf_puts(&q, " OR ")) || put_term(&q, ts[start].sku)) {
				rc = MALL_TEMPORARY;
				mall_status_setk(st, rc, 0, "msg.mallerr.out_of_memory",
				                 "メモリ不足");
				goto out;
			}
			idx[k++] = start;
		}
		if (!k)
			continue;
		/* A page sized to the SKUs asked (each may match a few similar ones): what a query
		 * asks of the bucket follows the work, not the largest page allowed. */
		long long first = wide || 2LL * k + 3 > page ? page : 2LL * k + 3;
		snprintf(query, sizeof(query), VARIANTS_QUERY, first, levels);
		cJSON *vars = cJSON_CreateObject();
		if (!vars || !cJSON_AddStringToObject(vars, "q", buf_str(&q))) {
			cJSON_Delete(vars);
			rc = MALL_TEMPORARY;
			mall_status_setk(st, rc, 0, "msg.mallerr.out_of_memory",
			                 "メモリ不足");
			goto out;
		}
		rc = gql(shop, query, vars, &r, st);
		if (rc != MALL_OK)
			goto out;
		int nv = 0;
		char err[128];
		if (shopify_parse_variants(r.data, &v, &nv, err, sizeof(err))) {
			rc = MALL_TEMPORARY;
			mall_status_setk(st, rc, 200, "msg.mallerr.shopify_search_reply_bad",
			                 "Shopify: 商品検索の応答が不正です (%s)", err);
			goto out;
		}
		shopify_reply_free(&r);
		if (nv >= first && (k > 1 || first < page)) {
			/* Filled: the exact variant may have been cut off. Several SKUs are asked again
			 * one at a time, one SKU once more with a whole page. */
			if (k > 1)
				per = 1;
			else
				wide = true;
			start = idx[0];
		} else {
			wide = false;
			shopify_state *s = state_of(shop);
			for (int i = 0; i < k; i++) {
				resolve(shop, &ts[idx[i]], v, nv);
				if (s && ts[idx[i]].resolved)
					cache_put(s, ts[idx[i]].sku, ts[idx[i]].ref);
			}
		}
		free(v);
		v = NULL;
	}
out:
	free(v);
	shopify_reply_free(&r);
	free(idx);
	buf_free(&q);
	return rc;
}

/* Splits "item location" into the two gids; false when the reference is not ours. */
static bool split_ref(const char *ref, char *item, char *loc, size_t len)
{
	const char *sp = strchr(ref, ' ');
	if (!sp || (size_t)(sp - ref) >= len || strlen(sp + 1) >= len ||
	    strncmp(ref, "gid://shopify/InventoryItem/", 28) || strncmp(sp + 1, "gid://shopify/Location/", 23))
		return false;
	memcpy(item, ref, (size_t)(sp - ref));
	item[sp - ref] = '\0';
	snprintf(loc, len, "%s", sp + 1);
	return true;
}

/* A fresh idempotency key (UUID v4 form). */
static void new_key(char out[37])
{
	unsigned char b[16];
	char hex[33];
	if (secret_random(b, sizeof(b)) != Z_OK)
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() & 0xff);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	secret_hex(b, sizeof(b), hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* One inventorySetQuantities call for the pending targets (rows[] maps rows to items). */
static mall_outcome set_quantities(mall_shop *shop, const mall_push_item *items, target *ts,
                                   const int *rows, int nrows, mall_status *st)
{
	mall_outcome rc = MALL_TEMPORARY;
	shopify_reply r = {0};
	shopify_user_error *ue = NULL;
	int nue = 0;
	char key[37], query[640], err[128];
	bool legacy = strcmp(version_of(shop), "2026-01") < 0; /* before changeFromQuantity */
	cJSON *vars = cJSON_CreateObject();
	cJSON *input = cJSON_AddObjectToObject(vars, "input");
	cJSON *qs = cJSON_AddArrayToObject(input, "quantities");
	if (!qs || !cJSON_AddStringToObject(input, "name", mall_opt(shop, "quantity_name", "available")) ||
	    !cJSON_AddStringToObject(input, "reason", mall_opt(shop, "reason", "correction"))) {
		mall_status_setk(st, rc, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		cJSON_Delete(vars);
		return rc;
	}
	bool all_known = true;
	for (int i = 0; i < nrows; i++)
		all_known = all_known && ts[rows[i]].cas_known;
	bool use_cas = mall_opt_int(shop, "compare_and_set", 1) != 0;
	for (int i = 0; i < nrows; i++) {
		target *t = &ts[rows[i]];
		char item[100], loc[100];
		cJSON *row = cJSON_CreateObject();
		split_ref(t->ref, item, loc, sizeof(item));
		if (!row) {
			mall_status_setk(st, rc, 0, "msg.mallerr.out_of_memory",
			                 "メモリ不足");
			cJSON_Delete(vars);
			return rc;
		}
		cJSON_AddItemToArray(qs, row);
		int wanted = items[rows[i]].wanted < 0 ? 0 : items[rows[i]].wanted;
		cJSON_AddStringToObject(row, "inventoryItemId", item);
		cJSON_AddStringToObject(row, "locationId", loc);
		cJSON_AddNumberToObject(row, "quantity", wanted);
		if (legacy) {
			if (use_cas && all_known)
				cJSON_AddNumberToObject(row, "compareQuantity", t->current);
		} else if (use_cas && t->cas_known) {
			cJSON_AddNumberToObject(row, "changeFromQuantity", t->current);
		} else {
			cJSON_AddNullToObject(row, "changeFromQuantity");
		}
	}
	if (legacy && !(use_cas && all_known))
		cJSON_AddBoolToObject(input, "ignoreCompareQuantity", true);
	/* @idempotent exists from 2026-01 on; an older version refuses the unknown directive. */
	char directive[80] = "";
	if (!legacy) {
		new_key(key);
		snprintf(directive, sizeof(directive), "@idempotent(key: \"%s\")", key);
	}
	snprintf(query, sizeof(query),
	         "mutation($input: InventorySetQuantitiesInput!){inventorySetQuantities(input:$input) "
	         "%s{inventoryAdjustmentGroup{reason changes{name delta}} "
	         "userErrors{code field message}}}",
	         directive);
	rc = gql(shop, query, vars, &r, st);
	if (rc != MALL_OK)
		goto out;
	rc = MALL_TEMPORARY;
	if (shopify_parse_set_result(r.data, &ue, &nue, err, sizeof(err))) {
		mall_status_setk(st, rc, 200, "msg.mallerr.shopify_update_reply_bad",
		                 "Shopify: 在庫更新の応答が不正です (%s)", err);
		goto out;
	}
	rc = MALL_OK;
	/* Any user error leaves the whole mutation unapplied: the rows it names are settled
	 * here, the others stay pending and the caller sends them again. */
	for (int e = 0; e < nue; e++) {
		int from = 0, to = nrows;
		if (ue[e].index >= 0 && ue[e].index < nrows) {
			from = ue[e].index;
			to = from + 1;
		}
		for (int i = from; i < to; i++) {
			target *t = &ts[rows[i]];
			if (!strcmp(ue[e].code, "CHANGE_FROM_QUANTITY_STALE") ||
			    !strcmp(ue[e].code, "COMPARE_QUANTITY_STALE"))
				mall_status_setk(&t->status, MALL_TEMPORARY, 200, "msg.mallerr.shopify_stock_raced",
				                 "Shopify: 在庫数が更新中に変わりました (%s)", t->sku);
			else if (!t->fresh && (!strcmp(ue[e].code, "INVALID_INVENTORY_ITEM") ||
			                       !strcmp(ue[e].code, "INVALID_LOCATION")))
				t->resolved = false; /* a stale stored id: look the SKU up again */
			else
				mall_status_set(&t->status, MALL_ITEM, 200, "Shopify: %s (%s)", ue[e].message,
				                ue[e].code);
		}
	}
	for (int i = 0; !nue && i < nrows; i++)
		ts[rows[i]].done = true;
out:
	free(ue);
	shopify_reply_free(&r);
	return rc;
}

static mall_outcome push(mall_shop *shop, mall_push_item *items, int n, mall_status *st)
{
	mall_outcome rc = MALL_OK;
	shopify_state *s = state_of(shop);
	target *ts = calloc(n ? (size_t)n : 1, sizeof(*ts));
	int *rows = calloc(n ? (size_t)n : 1, sizeof(*rows));
	memset(st, 0, sizeof(*st));
	if (!ts || !rows || !s) {
		rc = MALL_TEMPORARY;
		mall_status_setk(st, rc, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		mall_push_item *it = &items[i];
		target *t = &ts[i];
		memset(&it->status, 0, sizeof(it->status));
		it->mall_ref_out[0] = '\0';
		t->sku = it->sku_code && it->sku_code[0] ? it->sku_code : it->item_code;
		if (!t->sku || !t->sku[0]) {
			mall_status_setk(&t->status, MALL_ITEM, 0, "msg.mallerr.shopify_sku_empty",
			                 "SKUコードが空です");
			continue;
		}
		char item[100], loc[100];
		const cache_entry *e = cache_find(s, t->sku);
		const char *ref = e ? e->ref : it->mall_ref;
		if (ref && split_ref(ref, item, loc, sizeof(item))) {
			snprintf(t->ref, sizeof(t->ref), "%s", ref);
			t->resolved = true;
		}
	}
	/* Each round settles at least one row or re-resolves a stale id, so few are needed. */
	for (int round = 0; round < 4; round++) {
		rc = lookup(shop, ts, n, st);
		if (rc != MALL_OK)
			goto fail;
		int nrows = 0;
		for (int i = 0; i < n && nrows < 250; i++)
			if (!ts[i].done && ts[i].resolved && ts[i].status.outcome == MALL_OK)
				rows[nrows++] = i;
		if (!nrows)
			break;
		rc = set_quantities(shop, items, ts, rows, nrows, st);
		if (rc != MALL_OK)
			goto fail;
		for (int i = 0; i < nrows; i++)
			if (!ts[rows[i]].resolved)
				cache_drop(s, ts[rows[i]].sku);
	}
	for (int i = 0; i < n; i++) {
		if (ts[i].resolved)
			snprintf(items[i].mall_ref_out, sizeof(items[i].mall_ref_out), "%s", ts[i].ref);
		if (ts[i].status.outcome != MALL_OK) {
			items[i].status = ts[i].status;
		} else if (!ts[i].done) {
			mall_status_setk(&items[i].status, MALL_TEMPORARY, 0, "msg.mallerr.shopify_stock_not_updated",
			                 "Shopify: SKU %s の在庫を更新できませんでした", ts[i].sku);
		}
	}
	rc = MALL_OK;
	goto out;
fail:
	for (int i = 0; i < n; i++) {
		if (ts && ts[i].resolved)
			snprintf(items[i].mall_ref_out, sizeof(items[i].mall_ref_out), "%s", ts[i].ref);
		if (ts && ts[i].status.outcome != MALL_OK)
			items[i].status = ts[i].status;
		else if (!ts || !ts[i].done)
			items[i].status = *st;
	}
out:
	free(ts);
	free(rows);
	return rc;
}

static mall_outcome read_stock(mall_shop *shop, mall_stock_item *items, int n, mall_status *st)
{
	memset(st, 0, sizeof(*st));
	target *ts = calloc(n ? (size_t)n : 1, sizeof(*ts));
	if (!ts) {
		mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.out_of_memory",
		                 "メモリ不足");
		return MALL_TEMPORARY;
	}
	for (int i = 0; i < n; i++) {
		items[i].found = false;
		ts[i].sku = items[i].sku_code && items[i].sku_code[0] ? items[i].sku_code : items[i].item_code;
		if (!ts[i].sku || !ts[i].sku[0])
			mall_status_setk(&ts[i].status, MALL_ITEM, 0, "msg.mallerr.shopify_sku_empty",
			                 "SKUコードが空です");
	}
	mall_outcome rc = lookup(shop, ts, n, st);
	for (int i = 0; rc == MALL_OK && i < n; i++) {
		if (ts[i].resolved && ts[i].cas_known) {
			items[i].found = true;
			items[i].stock = ts[i].current;
		}
	}
	free(ts);
	return rc;
}

static const char ORDERS_QUERY[] =
	"query($q:String,$after:String){orders(first:%lld, after:$after, query:$q, sortKey:UPDATED_AT)"
	"{pageInfo{hasNextPage endCursor} nodes{id name createdAt updatedAt cancelledAt "
	"displayFinancialStatus displayFulfillmentStatus lineItems(first:%lld){pageInfo{hasNextPage "
	"endCursor} nodes{id sku quantity currentQuantity variant{id sku}}}}}}";
static const char ORDER_LINES_QUERY[] =
	"query($id:ID!,$after:String){order(id:$id){id lineItems(first:%lld, after:$after){pageInfo{"
	"hasNextPage endCursor} nodes{id sku quantity currentQuantity variant{id sku}}}}}";

static void iso_utc(char *out, size_t len, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Pages the line items of o beyond its first page. */
static mall_outcome more_lines(mall_shop *shop, shopify_order *o, long long per_page,
                               mall_status *st)
{
	char query[512], err[128];
	shopify_reply r = {0};
	long long fit = fit_outer(ORDER_LINES_QUERY, 250, -1, half_cost(shop));
	if (fit < per_page)
		per_page = fit;
	snprintf(query, sizeof(query), ORDER_LINES_QUERY, per_page);
	for (int pages = 0; o->lines_more; pages++) {
		cJSON *vars = cJSON_CreateObject();
		if (pages > SHOPIFY_MAX_PAGES || !vars || !cJSON_AddStringToObject(vars, "id", o->id) ||
		    !cJSON_AddStringToObject(vars, "after", o->lines_cursor)) {
			cJSON_Delete(vars);
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.shopify_order_items_failed",
			                 "Shopify: 注文明細を取得できません");
			return MALL_TEMPORARY;
		}
		mall_outcome rc = gql(shop, query, vars, &r, st);
		if (rc != MALL_OK)
			return rc;
		int e = shopify_parse_order_lines(r.data, o, err, sizeof(err));
		shopify_reply_free(&r);
		if (e) {
			mall_status_setk(st, MALL_TEMPORARY, 200, "msg.mallerr.shopify_order_items_bad",
			                 "Shopify: 注文 %s の明細応答が不正です (%s)",
			                 o->order.order_no, err);
			return MALL_TEMPORARY;
		}
	}
	return MALL_OK;
}

/* The page sizes of an order fetch: the first page's (poll_*: a poll mostly finds a few
 * orders or none, so it asks for few and costs little) and the later pages'. */
typedef struct {
	long long poll_orders, poll_lines, orders, lines;
} order_pages;

static order_pages pages_of(mall_shop *shop)
{
	order_pages p;
	p.orders = mall_opt_int(shop, "orders_page_size", 50);
	p.lines = mall_opt_int(shop, "lines_page_size", 40);
	if (p.orders < 1 || p.orders > 250)
		p.orders = 50;
	if (p.lines < 1 || p.lines > 250)
		p.lines = 40;
	fit_pages(shop, ORDERS_QUERY, p.orders, p.lines, &p.orders, &p.lines);
	p.poll_orders = mall_opt_int(shop, "poll_page_size", 5);
	if (p.poll_orders < 1 || p.poll_orders > p.orders)
		p.poll_orders = p.orders;
	p.poll_lines = p.lines < 10 ? p.lines : 10;
	return p;
}

static mall_outcome fetch_orders(mall_shop *shop, time_t since, time_t until, mall_order_cb cb,
                                 void *ctx, mall_status *st)
{
	mall_outcome rc = MALL_TEMPORARY;
	shopify_reply r = {0};
	shopify_orders_page page = {0};
	char query[1024], q[160], a[32], b[32], cursor[256] = "", err[128];
	memset(st, 0, sizeof(*st));
	order_pages pg = pages_of(shop);
	long long lines = pg.lines;
	snprintf(query, sizeof(query), ORDERS_QUERY, pg.poll_orders, pg.poll_lines);
	iso_utc(a, sizeof(a), since);
	iso_utc(b, sizeof(b), until);
	snprintf(q, sizeof(q), "updated_at:>='%s' AND updated_at:<'%s'", a, b);
	for (int pages = 0;; pages++) {
		cJSON *vars = cJSON_CreateObject();
		if (pages > SHOPIFY_MAX_PAGES || !vars || !cJSON_AddStringToObject(vars, "q", q) ||
		    !(cursor[0] ? cJSON_AddStringToObject(vars, "after", cursor)
		                : cJSON_AddNullToObject(vars, "after"))) {
			cJSON_Delete(vars);
			mall_status_setk(st, MALL_TEMPORARY, 0, "msg.mallerr.shopify_order_list_failed",
			                 "Shopify: 注文一覧を取得できません");
			goto out;
		}
		rc = gql(shop, query, vars, &r, st);
		if (rc != MALL_OK)
			goto out;
		rc = MALL_TEMPORARY;
		if (shopify_parse_orders(r.data, &page, err, sizeof(err))) {
			mall_status_setk(st, rc, 200, "msg.mallerr.shopify_order_list_bad",
			                 "Shopify: 注文一覧の応答が不正です (%s)", err);
			goto out;
		}
		shopify_reply_free(&r);
		for (int i = 0; i < page.n; i++) {
			shopify_order *o = &page.orders[i];
			if (o->order.updated_at < since || o->order.updated_at >= until)
				continue;
			rc = more_lines(shop, o, lines, st);
			if (rc != MALL_OK)
				goto out;
			if (cb(&o->order, ctx)) {
				rc = MALL_TEMPORARY;
				mall_status_setk(st, rc, 0, "msg.mallerr.orders_interrupted",
				                 "注文の取り込みが中断されました");
				goto out;
			}
		}
		bool more = page.has_next;
		snprintf(cursor, sizeof(cursor), "%s", page.end_cursor);
		shopify_orders_page_free(&page);
		if (!more)
			break;
		snprintf(query, sizeof(query), ORDERS_QUERY, pg.orders, pg.lines);
	}
	rc = MALL_OK;
out:
	shopify_orders_page_free(&page);
	shopify_reply_free(&r);
	return rc;
}

static void release(mall_shop *shop)
{
	shopify_state *s = shop->adapter_state;
	if (!s)
		return;
	for (size_t i = 0; i < s->nslots; i++) {
		for (cache_entry *e = s->slots[i], *next; e; e = next) {
			next = e->next;
			free(e->sku);
			free(e);
		}
	}
	free(s->slots);
	free(s);
	shop->adapter_state = NULL;
}

const mall_adapter mall_shopify = {"shopify", 100, 100, push, fetch_orders, read_stock, refresh, release,
                                   NULL};
