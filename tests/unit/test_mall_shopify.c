/* Tests of the Shopify adapter against tests/sim/shopify_sim.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <time.h>
#include "mall/mall.h"
#include "mall/shopify_json.h"
#include "malltest.h"

#define STATIC_TOKEN "shpat_zaikodemo0000000000000000000000"

/* creds: a JSON object text; extra: options put first (cJSON finds the first duplicate). */
static void shop_open(shop_fixture *f, const char *creds, const char *extra, long timeout_ms)
{
	char opts[512];
	snprintf(opts, sizeof(opts), "{%s%s\"api_version\":\"2026-04\",\"rate_limit\":0}",
	         extra ? extra : "", extra ? "," : "");
	fixture_open(f, 2, "Shopifyテスト", creds ? creds : "{\"access_token\":\"" STATIC_TOKEN "\"}",
	             opts, timeout_ms);
}

static int setup(void **state)
{
	sim_reset();
	control("items", "{\"items\":[{\"code\":\"A-1\",\"stock\":5},{\"code\":\"B \\\"2\\\\\",\"stock\":3},"
	                 "{\"code\":\"DUP\",\"stock\":1}]}");
	control("shopify", "{\"duplicate\":\"DUP\"}");
	return 0;
}

static int group_setup(void **state)
{
	return sim_group_start("shopify");
}

static void test_push_sets_available_and_reports_ids(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, NULL, 5000);
	mall_push_item items[4] = {
		{.listing_id = 1, .sku_code = "A-1", .wanted = 7},
		{.listing_id = 2, .sku_code = "NOPE", .wanted = 1},
		{.listing_id = 3, .sku_code = "B \"2\\", .wanted = -4},
		{.listing_id = 4, .sku_code = "DUP", .wanted = 2},
	};
	assert_int_equal(A->push(&f.shop, items, 4, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_ITEM);
	assert_int_equal(items[2].status.outcome, MALL_OK);
	assert_int_equal(items[3].status.outcome, MALL_ITEM);
	assert_non_null(strstr(items[3].status.message, "複数"));
	assert_int_equal(sim_stock("A-1", NULL), 7);
	assert_int_equal(sim_stock("B \"2\\", NULL), 0);
	assert_int_equal(sim_stock("DUP", NULL), 1);
	assert_string_equal(items[0].mall_ref_out, "gid://shopify/InventoryItem/1000 gid://shopify/Location/1");
	assert_string_equal(items[1].mall_ref_out, "");
	/* A second push uses the cache: no productVariants lookup, one mutation. */
	int before = sim_calls("/graphql.json");
	items[0].wanted = 9;
	assert_int_equal(A->push(&f.shop, items, 1, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(sim_calls("/graphql.json"), before + 1);
	assert_int_equal(sim_stock("A-1", NULL), 9);
	shop_free(A, &f.shop);
	/* A stored mall_ref is used without a lookup, too. */
	shop_open(&f, NULL, NULL, 5000);
	before = sim_calls("/graphql.json");
	mall_push_item one = {.listing_id = 1, .sku_code = "A-1", .wanted = 11,
	                      .mall_ref = "gid://shopify/InventoryItem/1000 gid://shopify/Location/1"};
	assert_int_equal(A->push(&f.shop, &one, 1, &st), MALL_OK);
	assert_int_equal(one.status.outcome, MALL_OK);
	assert_int_equal(sim_calls("/graphql.json"), before + 1);
	assert_int_equal(sim_stock("A-1", NULL), 11);
	shop_free(A, &f.shop);
}

static void test_stale_ref_is_looked_up_again(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, NULL, 5000);
	mall_push_item it = {.listing_id = 1, .sku_code = "A-1", .wanted = 4,
	                     .mall_ref = "gid://shopify/InventoryItem/777 gid://shopify/Location/1"};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_string_equal(it.mall_ref_out, "gid://shopify/InventoryItem/1000 gid://shopify/Location/1");
	assert_int_equal(sim_stock("A-1", NULL), 4);
	shop_free(A, &f.shop);
}

static void test_lookup_picks_the_exact_sku(void **state)
{
	shop_fixture f;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"A-10\",\"stock\":50},{\"code\":\"A-11\",\"stock\":60}]}");
	/* Pages of 2 variants: "A-1" also finds, so the batch page is full and the
	 * adapter asks again SKU by SKU. */
	shop_open(&f, NULL, "\"lookup_page_size\":2", 5000);
	mall_stock_item items[2] = {{.listing_id = 1, .sku_code = "A-1"},
	                            {.listing_id = 2, .sku_code = "B \"2\\"}};
	assert_int_equal(A->read_stock(&f.shop, items, 2, &st), MALL_OK);
	assert_true(items[0].found);
	assert_int_equal(items[0].stock, 5);
	assert_true(items[1].found);
	assert_int_equal(items[1].stock, 3);
	mall_push_item it = {.listing_id = 1, .sku_code = "A-1", .wanted = 1};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(sim_stock("A-1", NULL), 1);
	assert_int_equal(sim_stock("A-10", NULL), 50);
	shop_free(A, &f.shop);
}

static void test_location_option(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, "\"location_id\":\"gid://shopify/Location/9\"", 5000);
	mall_push_item it = {.listing_id = 1, .sku_code = "A-1", .wanted = 4};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_ITEM);
	assert_non_null(strstr(it.status.message, "ロケーション"));
	assert_int_equal(sim_stock("A-1", NULL), 5);
	shop_free(A, &f.shop);
}

static void test_read_stock(void **state)
{
	shop_fixture f;
	shop_open(&f, NULL, NULL, 5000);
	check_read_found_missing(A, &f.shop, "B \"2\\");
	shop_free(A, &f.shop);
}

#define SEEN_MAX 32

typedef struct {
	int n;
	char order_no[SEEN_MAX][64];
	int nlines[SEEN_MAX];
	bool cancelled[SEEN_MAX];
	bool lines_cancelled[SEEN_MAX];
	int qty[SEEN_MAX];
	char first_sku[SEEN_MAX][128];
	char keys[SEEN_MAX][8][128];
	time_t updated[SEEN_MAX];
} seen;

static int on_order(const mall_order *o, void *ctx)
{
	seen *s = ctx;
	if (s->n >= SEEN_MAX)
		return 1;
	int i = s->n++;
	snprintf(s->order_no[i], 64, "%s", o->order_no);
	s->nlines[i] = o->nlines;
	s->cancelled[i] = o->cancelled;
	s->updated[i] = o->updated_at;
	s->lines_cancelled[i] = o->nlines > 0;
	for (int j = 0; j < o->nlines; j++) {
		s->qty[i] += o->lines[j].quantity;
		s->lines_cancelled[i] = s->lines_cancelled[i] && o->lines[j].cancelled;
		if (j < 8)
			snprintf(s->keys[i][j], 128, "%s", o->lines[j].line_key);
	}
	if (o->nlines)
		snprintf(s->first_sku[i], 128, "%s", o->lines[0].sku_code);
	return 0;
}

static void test_fetch_orders_pages_lines_and_cancels(void **state)
{
	shop_fixture f;
	mall_status st;
	seen s = {0};
	shop_open(&f, NULL, "\"orders_page_size\":2,\"lines_page_size\":2", 5000);
	for (int i = 0; i < 5; i++) {
		char body[256];
		snprintf(body, sizeof(body),
		         "{\"order_no\":\"#10%02d\",\"lines\":[{\"code\":\"A-1\",\"qty\":%d},"
		         "{\"code\":\"B \\\"2\\\\\",\"qty\":1},{\"code\":\"C\",\"qty\":1}]}",
		         i, i + 1);
		control("order", body);
	}
	control("cancel", "{\"order_no\":\"#1003\"}");
	time_t now = time(NULL);
	assert_int_equal(A->fetch_orders(&f.shop, now - 3600, now + 60, on_order, &s, &st), MALL_OK);
	assert_int_equal(s.n, 5);
	int ncancelled = 0;
	for (int i = 0; i < 5; i++) {
		bool c = !strcmp(s.order_no[i], "#1003");
		ncancelled += c;
		assert_int_equal(s.nlines[i], 3);
		assert_int_equal(s.cancelled[i], c);
		assert_int_equal(s.lines_cancelled[i], c);
		assert_string_equal(s.first_sku[i], "A-1");
		assert_string_not_equal(s.keys[i][0], s.keys[i][2]);
		if (c)
			assert_int_equal(s.qty[i], 4 + 1 + 1); /* ordered quantities, flagged cancelled */
		if (i)
			assert_true(s.updated[i] >= s.updated[i - 1]);
	}
	assert_int_equal(ncancelled, 1);
	shop_free(A, &f.shop);
	/* A window before the orders finds none. */
	seen none = {0};
	shop_open(&f, NULL, NULL, 5000);
	assert_int_equal(A->fetch_orders(&f.shop, now - 7200, now - 3600, on_order, &none, &st), MALL_OK);
	assert_int_equal(none.n, 0);
	shop_free(A, &f.shop);
}

/* Shopify's calculated cost: the figures for the old defaults, and every query the
 * adapter sends with its defaults stays within the 1,000-point limit the simulator enforces. */
static void test_query_cost_within_limit(void **state)
{
	const char *orders = "query($q:String,$after:String){orders(first:50, after:$after, query:$q, "
	                     "sortKey:UPDATED_AT){pageInfo{hasNextPage endCursor} nodes{id name createdAt "
	                     "updatedAt cancelledAt displayFinancialStatus displayFulfillmentStatus "
	                     "lineItems(first:100){pageInfo{hasNextPage endCursor} nodes{id sku quantity "
	                     "currentQuantity variant{id sku}}}}}}";
	assert_int_equal(shopify_query_cost(orders, NULL), 2 + 50 * (1 + 2 + 100 * 2));
	const char *variants = "query($q:String!){productVariants(first:$n, query:$q){nodes{id sku "
	                       "inventoryItem{id inventoryLevels(first:8){nodes{location{id name} "
	                       "quantities(names:[\"available\"]){name quantity}}}}}}}";
	cJSON *vars = cJSON_Parse("{\"n\":250}");
	assert_int_equal(shopify_query_cost(variants, vars), 2 + 250 * (1 + 1 + 2 + 8 * 3));
	cJSON_Delete(vars);
	assert_int_equal(shopify_query_cost("query{shop{id name}}", NULL), 1);
	assert_int_equal(shopify_query_cost("{a:products(last:3){edges{cursor node{id}}}}", NULL), 2 + 3);
	assert_int_equal(shopify_query_cost("mutation($i:X!){inventorySetQuantities(input:$i){userErrors{code}}}",
	                                    NULL), 10);
	assert_int_equal(shopify_query_cost("query{shop{id}", NULL), -1);
	/* With the defaults: 30 orders, one of 45 lines (beyond a nested page), all read. */
	shop_fixture f;
	mall_status st;
	seen s = {0};
	char body[4096];
	int w = snprintf(body, sizeof(body), "{\"order_no\":\"#BIG\",\"lines\":[");
	for (int i = 0; i < 45; i++)
		w += snprintf(body + w, sizeof(body) - (size_t)w, "%s{\"code\":\"A-1\",\"qty\":1}", i ? "," : "");
	snprintf(body + w, sizeof(body) - (size_t)w, "]}");
	control("order", body);
	for (int i = 0; i < 29; i++)
		control("order", "{\"lines\":[{\"code\":\"A-1\",\"qty\":1}]}");
	shop_open(&f, NULL, NULL, 5000);
	time_t now = time(NULL);
	assert_int_equal(A->fetch_orders(&f.shop, now - 3600, now + 60, on_order, &s, &st), MALL_OK);
	assert_int_equal(s.n, 30);
	int big = -1;
	for (int i = 0; i < s.n; i++)
		if (!strcmp(s.order_no[i], "#BIG"))
			big = i;
	assert_true(big >= 0);
	assert_int_equal(s.nlines[big], 45);
	/* A lookup of 60 SKUs with the defaults: pages the simulator accepts. */
	mall_stock_item items[60];
	char codes[60][16];
	buf ib = BUF_INIT;
	buf_puts(&ib, "{\"items\":[");
	for (int i = 0; i < 60; i++) {
		snprintf(codes[i], sizeof(codes[i]), "Z-%02d", i);
		buf_printf(&ib, "%s{\"code\":\"%s\",\"stock\":%d}", i ? "," : "", codes[i], i);
		items[i] = (mall_stock_item){.listing_id = i + 1, .sku_code = codes[i]};
	}
	buf_puts(&ib, "]}");
	control("items", buf_str(&ib));
	buf_free(&ib);
	assert_int_equal(A->read_stock(&f.shop, items, 60, &st), MALL_OK);
	for (int i = 0; i < 60; i++) {
		assert_true(items[i].found);
		assert_int_equal(items[i].stock, i);
	}
	shop_free(A, &f.shop);
}

static mall_outcome push_with_fault(const char *creds, const char *fault, long timeout_ms,
                                    mall_status *st, mall_push_item *it)
{
	shop_fixture f;
	shop_open(&f, creds, NULL, timeout_ms);
	control("shopify", "{\"clear_faults\":true}");
	if (fault)
		control("fault", fault);
	*it = (mall_push_item){.listing_id = 1, .sku_code = "A-1", .wanted = 6};
	mall_outcome o = A->push(&f.shop, it, 1, st);
	shop_free(A, &f.shop);
	return o;
}

#define CLIENT_CREDS "{\"client_id\":\"zaiko-demo-client\",\"client_secret\":\"zaiko-demo-shopify-secret\"}"

static void test_faults(void **state)
{
	mall_status st;
	mall_push_item it;
	assert_int_equal(push_with_fault(NULL, "{\"kind\":\"latency\",\"ms\":2500}", 1000, &st, &it),
	                 MALL_TEMPORARY);
	assert_int_equal(it.status.outcome, MALL_TEMPORARY);
	assert_int_equal(push_with_fault(NULL, "{\"kind\":\"500\"}", 5000, &st, &it), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 500);
	assert_int_equal(push_with_fault(NULL, "{\"kind\":\"429\"}", 5000, &st, &it), MALL_RATE_LIMITED);
	assert_int_equal(st.retry_after_ms, 1000);
	assert_int_equal(it.status.outcome, MALL_RATE_LIMITED);
	assert_int_equal(push_with_fault(NULL, "{\"kind\":\"malformed\"}", 5000, &st, &it), MALL_TEMPORARY);
	assert_int_equal(push_with_fault(NULL, "{\"kind\":\"drop\",\"count\":2}", 5000, &st, &it),
	                 MALL_TEMPORARY);
	/* A static token refused: nothing to renew it with. */
	assert_int_equal(push_with_fault(NULL, "{\"kind\":\"expired_token\"}", 5000, &st, &it), MALL_AUTH);
	/* A client-credentials app gets a new token and the call succeeds. */
	assert_int_equal(push_with_fault(CLIENT_CREDS, NULL, 5000, &st, &it), MALL_OK);
	int grants = sim_calls("/admin/oauth/access_token");
	assert_int_equal(push_with_fault(CLIENT_CREDS, "{\"kind\":\"expired_token\",\"path\":\"graphql\"}",
	                                 5000, &st, &it), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_int_equal(sim_calls("/admin/oauth/access_token"), grants + 2);
	assert_int_equal(sim_stock("A-1", NULL), 6);
	control("shopify", "{\"refresh_ok\":false}");
	assert_int_equal(push_with_fault(CLIENT_CREDS, NULL, 5000, &st, &it), MALL_AUTH);
	control("shopify", "{\"refresh_ok\":true}");
	/* Faults while fetching orders. */
	const char *faults[] = {"{\"kind\":\"500\"}", "{\"kind\":\"malformed\"}", "{\"kind\":\"drop\",\"count\":2}",
	                        "{\"kind\":\"latency\",\"ms\":2500}"};
	control("order", "{\"lines\":[{\"code\":\"A-1\",\"qty\":1}]}");
	for (size_t i = 0; i < Z_ARRAY_LEN(faults); i++) {
		shop_fixture f;
		seen s = {0};
		shop_open(&f, NULL, NULL, 1000);
		control("shopify", "{\"clear_faults\":true}");
		control("fault", faults[i]);
		time_t now = time(NULL);
		assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st),
		                 MALL_TEMPORARY);
		assert_int_equal(s.n, 0);
		shop_free(A, &f.shop);
	}
}

static void test_client_credentials_token_lifetime(void **state)
{
	shop_fixture f;
	mall_status st;
	mall_push_item it = {.listing_id = 1, .sku_code = "A-1", .wanted = 2};
	control("shopify", "{\"token_ttl\":60}");
	shop_open(&f, CLIENT_CREDS, NULL, 5000);
	time_t before = time(NULL);
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_true(f.shop.credentials_changed);
	assert_true(f.shop.token_expires_at >= before + 60 && f.shop.token_expires_at <= time(NULL) + 60);
	/* Inside the refresh margin: the next call gets a new token first. */
	int grants = sim_calls("/admin/oauth/access_token");
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(sim_calls("/admin/oauth/access_token"), grants + 1);
	/* A day-long token is kept. */
	control("shopify", "{\"token_ttl\":86399}");
	assert_int_equal(A->refresh(&f.shop, true, &st), MALL_OK);
	grants = sim_calls("/admin/oauth/access_token");
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(A->refresh(&f.shop, false, &st), MALL_OK);
	assert_int_equal(sim_calls("/admin/oauth/access_token"), grants);
	shop_free(A, &f.shop);
	/* A shop with neither a token nor client credentials cannot start. */
	shop_open(&f, "{}", NULL, 5000);
	assert_int_equal(A->refresh(&f.shop, false, &st), MALL_AUTH);
	shop_free(A, &f.shop);
}

static void test_throttled_cost(void **state)
{
	shop_fixture f;
	mall_status st;
	/* A tiny bucket: the first mutation (10 points) fits, the second is THROTTLED. */
	shop_open(&f, NULL, NULL, 5000);
	mall_push_item it = {.listing_id = 1, .sku_code = "A-1", .wanted = 2};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK); /* looks the SKU up */
	shop_free(A, &f.shop);
	control("limits", "{\"enabled\":true}");
	control("shopify", "{\"bucket_max\":15,\"restore_rate\":1}");
	shop_open(&f, NULL, NULL, 5000);
	it = (mall_push_item){.listing_id = 1, .sku_code = "A-1", .wanted = 3,
	                      .mall_ref = "gid://shopify/InventoryItem/1000 gid://shopify/Location/1"};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	it.wanted = 4;
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_RATE_LIMITED);
	assert_int_equal(it.status.outcome, MALL_RATE_LIMITED);
	/* 10 points needed, about 5 there, 1 point a second. */
	assert_true(st.retry_after_ms >= 4000 && st.retry_after_ms <= 6000);
	assert_int_equal(sim_stock("A-1", NULL), 3);
	shop_free(A, &f.shop);
	/* With its own throttle on, the adapter waits for the points instead. */
	control("shopify", "{\"bucket_max\":15,\"restore_rate\":20}");
	shop_open(&f, NULL, "\"rate_limit\":1", 5000);
	for (int i = 0; i < 3; i++) {
		it = (mall_push_item){.listing_id = 1, .sku_code = "A-1", .wanted = 20 + i,
		                      .mall_ref = "gid://shopify/InventoryItem/1000 gid://shopify/Location/1"};
		assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
		assert_int_equal(it.status.outcome, MALL_OK);
	}
	assert_int_equal(sim_stock("A-1", NULL), 22);
	shop_free(A, &f.shop);
	/* Beyond max_wait_ms it reports the wait without calling. */
	control("shopify", "{\"bucket_max\":15,\"restore_rate\":0.5}");
	shop_open(&f, NULL, "\"rate_limit\":1,\"max_wait_ms\":100", 5000);
	it = (mall_push_item){.listing_id = 1, .sku_code = "A-1", .wanted = 30,
	                      .mall_ref = "gid://shopify/InventoryItem/1000 gid://shopify/Location/1"};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	int calls = sim_calls("/graphql.json");
	it.wanted = 31;
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_RATE_LIMITED);
	assert_true(st.retry_after_ms > 100);
	assert_int_equal(sim_calls("/graphql.json"), calls);
	shop_free(A, &f.shop);
}

static void test_compare_and_set_stale(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, NULL, 5000);
	/* A unit sells between the adapter's lookup (5 available) and its set: the set is refused
	 * as stale, nothing is overwritten, and the item is left to a later retry. */
	control("shopify", "{\"sell_before_set\":\"A-1\"}");
	mall_push_item items[2] = {{.listing_id = 1, .sku_code = "A-1", .wanted = 8},
	                           {.listing_id = 2, .sku_code = "B \"2\\", .wanted = 2}};
	assert_int_equal(A->push(&f.shop, items, 2, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_TEMPORARY);
	assert_non_null(strstr(items[0].status.message, "変わりました"));
	assert_int_equal(sim_stock("A-1", NULL), 4);
	/* The other row of the refused mutation was sent again on its own. */
	assert_int_equal(items[1].status.outcome, MALL_OK);
	assert_int_equal(sim_stock("B \"2\\", NULL), 2);
	shop_free(A, &f.shop);
}

static void test_legacy_version_compare_quantity(void **state)
{
	shop_fixture f;
	mall_status st;
	/* 2025-10 knows only compareQuantity: the same push, the same stale protection. */
	shop_open(&f, NULL, "\"api_version\":\"2025-10\"", 5000);
	mall_push_item it = {.listing_id = 1, .sku_code = "A-1", .wanted = 8};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_int_equal(sim_stock("A-1", NULL), 8);
	shop_free(A, &f.shop);
	shop_open(&f, NULL, "\"api_version\":\"2025-10\"", 5000);
	control("shopify", "{\"sell_before_set\":\"A-1\"}");
	it.wanted = 2;
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_TEMPORARY);
	assert_int_equal(sim_stock("A-1", NULL), 7);
	shop_free(A, &f.shop);
	/* A stored id (no fresh count) goes without a compare value. */
	shop_open(&f, NULL, "\"api_version\":\"2025-10\"", 5000);
	it = (mall_push_item){.listing_id = 1, .sku_code = "A-1", .wanted = 3,
	                      .mall_ref = "gid://shopify/InventoryItem/1000 gid://shopify/Location/1"};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_int_equal(sim_stock("A-1", NULL), 3);
	shop_free(A, &f.shop);
}

static void test_parsers(void **state)
{
	shopify_reply r;
	char err[128];
	const char *bad[] = {"", "[]", "{}", "{\"data\":5}"};
	for (size_t i = 0; i < Z_ARRAY_LEN(bad); i++)
		assert_int_equal(shopify_parse_reply(bad[i], strlen(bad[i]), &r, err, sizeof(err)), Z_INVALID);
	const char *thr = "{\"errors\":[{\"message\":\"Throttled\",\"extensions\":{\"code\":\"THROTTLED\"}}],"
	                  "\"extensions\":{\"cost\":{\"requestedQueryCost\":50,\"actualQueryCost\":null,"
	                  "\"throttleStatus\":{\"maximumAvailable\":1000,\"currentlyAvailable\":10,\"restoreRate\":50}}}}";
	assert_int_equal(shopify_parse_reply(thr, strlen(thr), &r, err, sizeof(err)), Z_OK);
	assert_true(r.throttled);
	assert_true(r.cost_known);
	assert_true(r.requested_cost == 50 && r.available == 10 && r.restore_rate == 50);
	shopify_reply_free(&r);
	const char *orders = "{\"data\":{\"orders\":{\"pageInfo\":{\"hasNextPage\":true},\"nodes\":[]}}}";
	shopify_orders_page page;
	assert_int_equal(shopify_parse_reply(orders, strlen(orders), &r, err, sizeof(err)), Z_OK);
	assert_int_equal(shopify_parse_orders(r.data, &page, err, sizeof(err)), Z_INVALID);
	shopify_reply_free(&r);
	const char *lines = "{\"data\":{\"orders\":{\"pageInfo\":{\"hasNextPage\":false},\"nodes\":[{\"id\":\"g\","
	                    "\"name\":\"#1\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T09:00:00+09:00\","
	                    "\"cancelledAt\":null,\"lineItems\":{\"pageInfo\":{\"hasNextPage\":false},\"nodes\":"
	                    "[{\"id\":\"l\",\"sku\":\"S\",\"quantity\":3,\"currentQuantity\":2,\"variant\":null}]}}]}}}";
	assert_int_equal(shopify_parse_reply(lines, strlen(lines), &r, err, sizeof(err)), Z_OK);
	assert_int_equal(shopify_parse_orders(r.data, &page, err, sizeof(err)), Z_OK);
	assert_int_equal(page.n, 1);
	assert_int_equal((long long)page.orders[0].order.updated_at, 1767225600LL);
	assert_int_equal(page.orders[0].order.lines[0].quantity, 2);
	assert_string_equal(page.orders[0].order.lines[0].sku_code, "S");
	shopify_orders_page_free(&page);
	shopify_reply_free(&r);
	const char *neg = "{\"data\":{\"orders\":{\"pageInfo\":{\"hasNextPage\":false},\"nodes\":[{\"id\":\"g\","
	                  "\"name\":\"#1\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\","
	                  "\"lineItems\":{\"pageInfo\":{\"hasNextPage\":false},\"nodes\":[{\"id\":\"l\",\"quantity\":\"3\"}]}}]}}}";
	assert_int_equal(shopify_parse_reply(neg, strlen(neg), &r, err, sizeof(err)), Z_OK);
	assert_int_equal(shopify_parse_orders(r.data, &page, err, sizeof(err)), Z_INVALID);
	shopify_reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_push_sets_available_and_reports_ids, setup),
		cmocka_unit_test_setup(test_stale_ref_is_looked_up_again, setup),
		cmocka_unit_test_setup(test_lookup_picks_the_exact_sku, setup),
		cmocka_unit_test_setup(test_location_option, setup),
		cmocka_unit_test_setup(test_read_stock, setup),
		cmocka_unit_test_setup(test_fetch_orders_pages_lines_and_cancels, setup),
		cmocka_unit_test_setup(test_query_cost_within_limit, setup),
		cmocka_unit_test_setup(test_faults, setup),
		cmocka_unit_test_setup(test_client_credentials_token_lifetime, setup),
		cmocka_unit_test_setup(test_throttled_cost, setup),
		cmocka_unit_test_setup(test_compare_and_set_stale, setup),
		cmocka_unit_test_setup(test_legacy_version_compare_quantity, setup),
		cmocka_unit_test(test_parsers),
	};
	return cmocka_run_group_tests(tests, group_setup, sim_group_stop);
}
