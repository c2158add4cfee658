/* Tests of the Amazon adapter against tests/sim/amazon_sim.py (checked with Amazon's models). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <time.h>
#include "mall/amazon_json.h"
#include "mall/mall.h"
#include "mall/pace.h"
#include "malltest.h"

static void shop_open(shop_fixture *f, const char *extra_options, long timeout_ms)
{
	char opts[1024];
	/* cJSON finds the first of duplicate keys, so the test's options go first. */
	snprintf(opts, sizeof(opts),
	         "{%s%s\"seller_id\":\"AZAIKODEMO1\",\"lwa_url\":\"%s/auth/o2/token\",\"rate_limit\":0}",
	         extra_options ? extra_options : "", extra_options ? "," : "", S.base);
	fixture_open(f, 1, "Amazonテスト",
	             "{\"client_id\":\"amzn1.application-oa2-client.zaikodemo\","
	             "\"client_secret\":\"zaiko-demo-secret\",\"refresh_token\":\"Atzr|zaiko-demo-refresh\"}",
	             opts, timeout_ms);
}

static int setup(void **state)
{
	sim_reset();
	control("items", "{\"items\":[{\"code\":\"A-1\",\"stock\":5},{\"code\":\"B/2 ＃\",\"stock\":3}]}");
	return 0;
}

static int group_setup(void **state)
{
	return sim_group_start("amazon");
}

static void push3(shop_fixture *f, int a, int b, mall_push_item *items, mall_status *st,
                  mall_outcome want)
{
	memset(items, 0, 3 * sizeof(*items));
	items[0] = (mall_push_item){.listing_id = 1, .item_code = "A-1", .sku_code = "A-1", .wanted = a};
	items[1] = (mall_push_item){.listing_id = 2, .item_code = "NOPE", .sku_code = "NOPE", .wanted = 1};
	items[2] = (mall_push_item){.listing_id = 3, .item_code = "B/2 ＃", .sku_code = "B/2 ＃", .wanted = b};
	assert_int_equal(A->push(&f->shop, items, 3, st), want);
}

static void test_push_sets_quantity_and_caches_token(void **state)
{
	shop_fixture f;
	mall_push_item items[3];
	mall_status st;
	shop_open(&f, NULL, 5000);
	time_t before = time(NULL);
	push3(&f, 7, -2, items, &st, MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_ITEM);
	assert_non_null(strstr(items[1].status.message, "出品がありません"));
	assert_int_equal(items[2].status.outcome, MALL_OK);
	assert_int_equal(sim_stock("A-1", NULL), 7);
	assert_int_equal(sim_stock("B/2 ＃", NULL), 0); /* oversold stock is sent as 0 */
	assert_int_equal(sim_stock("NOPE", NULL), -999);
	assert_true(f.shop.credentials_changed);
	assert_true(mall_cred(&f.shop, "access_token", "")[0] == 'A');
	assert_true(f.shop.token_expires_at >= before + 3600 && f.shop.token_expires_at <= time(NULL) + 3600);
	/* The cached token is reused: one token exchange for two pushes. */
	push3(&f, 8, 1, items, &st, MALL_OK);
	assert_int_equal(sim_calls("/auth/o2/token"), 1);
	assert_int_equal(sim_stock("A-1", NULL), 8);
	shop_free(A, &f.shop);
}

static void test_read_stock(void **state)
{
	shop_fixture f;
	shop_open(&f, NULL, 5000);
	check_read_found_missing(A, &f.shop, "B/2 ＃");
	shop_free(A, &f.shop);
}

static void test_accepted_is_applied_later(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, 5000);
	control("amazon", "{\"apply_delay_ms\":300}");
	mall_push_item it = {.listing_id = 1, .sku_code = "A-1", .wanted = 12};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	/* ACCEPTED only queues the change: reading back at once still shows the old count. */
	mall_stock_item r = {.listing_id = 1, .sku_code = "A-1"};
	assert_int_equal(A->read_stock(&f.shop, &r, 1, &st), MALL_OK);
	assert_int_equal(r.stock, 5);
	for (int i = 0; i < 100 && sim_stock("A-1", NULL) != 12; i++)
		usleep(20000);
	assert_int_equal(A->read_stock(&f.shop, &r, 1, &st), MALL_OK);
	assert_int_equal(r.stock, 12);
	shop_free(A, &f.shop);
}

typedef struct {
	int n;
	char order_no[10][64];
	int nlines[10];
	bool cancelled[10];
	bool line_cancelled[10];
	int qty_sum[10];
	char keys[10][2][128];
	char sku[10][2][128];
	time_t updated[10];
	int stop_after;
} seen;

static int on_order(const mall_order *o, void *ctx)
{
	seen *s = ctx;
	if (s->n >= 10)
		return 1;
	int i = s->n++;
	snprintf(s->order_no[i], 64, "%s", o->order_no);
	s->nlines[i] = o->nlines;
	s->cancelled[i] = o->cancelled;
	s->updated[i] = o->updated_at;
	s->line_cancelled[i] = o->nlines > 0;
	for (int j = 0; j < o->nlines; j++) {
		s->qty_sum[i] += o->lines[j].quantity;
		s->line_cancelled[i] = s->line_cancelled[i] && o->lines[j].cancelled;
		if (j < 2) {
			snprintf(s->keys[i][j], 128, "%s", o->lines[j].line_key);
			snprintf(s->sku[i][j], 128, "%s", o->lines[j].sku_code);
		}
	}
	return s->stop_after && s->n >= s->stop_after;
}

static void place_orders(int count)
{
	for (int i = 0; i < count; i++) {
		char body[256];
		snprintf(body, sizeof(body),
		         "{\"order_no\":\"250-000000%d-000000%d\",\"lines\":[{\"code\":\"A-1\",\"qty\":%d},"
		         "{\"code\":\"B/2 ＃\",\"qty\":1}]}",
		         i, i, i + 1);
		control("order", body);
	}
}

static void test_fetch_orders_pages_and_cancels(void **state)
{
	shop_fixture f;
	mall_status st;
	seen s = {0};
	shop_open(&f, "\"orders_page_size\":2", 5000);
	control("amazon", "{\"items_page\":1}");
	place_orders(5);
	control("cancel", "{\"order_no\":\"250-0000002-0000002\"}");
	time_t now = time(NULL);
	assert_int_equal(A->fetch_orders(&f.shop, now - 3600, now + 60, on_order, &s, &st), MALL_OK);
	assert_int_equal(s.n, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(s.nlines[i], 2);
		assert_string_not_equal(s.keys[i][0], s.keys[i][1]);
		if (i)
			assert_true(s.updated[i] >= s.updated[i - 1]);
	}
	int ncancelled = 0;
	for (int i = 0; i < 5; i++) {
		bool is_cancelled = !strcmp(s.order_no[i], "250-0000002-0000002");
		ncancelled += s.cancelled[i];
		assert_int_equal(s.cancelled[i], is_cancelled);
		assert_int_equal(s.line_cancelled[i], is_cancelled);
		if (is_cancelled)
			assert_int_equal(s.qty_sum[i], 3 + 1);
	}
	assert_int_equal(ncancelled, 1);
	assert_string_equal(s.sku[0][0], "A-1");
	assert_string_equal(s.sku[0][1], "B/2 ＃");
	/* 5 orders, 2 per page: 3 getOrders calls; 2 lines per order, 1 per page: 10 item calls. */
	assert_int_equal(sim_calls("/orders/v0/orders") - sim_calls("/orderItems"), 3);
	assert_int_equal(sim_calls("/orderItems"), 10);
	shop_free(A, &f.shop);
}

static void test_fetch_orders_window(void **state)
{
	shop_fixture f;
	mall_status st;
	seen s = {0};
	shop_open(&f, NULL, 5000);
	place_orders(2);
	time_t now = time(NULL);
	/* A window that ended long ago is asked with LastUpdatedBefore and finds nothing. */
	assert_int_equal(A->fetch_orders(&f.shop, now - 7200, now - 3600, on_order, &s, &st), MALL_OK);
	assert_int_equal(s.n, 0);
	/* A window starting after the orders finds nothing either. */
	assert_int_equal(A->fetch_orders(&f.shop, now + 5, now + 60, on_order, &s, &st), MALL_OK);
	assert_int_equal(s.n, 0);
	/* A callback that stops the fetch makes it fail, so no cursor moves past unseen orders. */
	s.stop_after = 1;
	assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st),
	                 MALL_TEMPORARY);
	assert_int_equal(s.n, 1);
	shop_free(A, &f.shop);
}

/* Pushes one item after queueing a fault; returns the call's outcome. */
static mall_outcome push_with_fault(const char *fault, long timeout_ms, mall_status *st,
                                    mall_push_item *item)
{
	shop_fixture f;
	shop_open(&f, NULL, timeout_ms);
	if (fault)
		control("fault", fault);
	*item = (mall_push_item){.listing_id = 1, .sku_code = "A-1", .wanted = 9};
	mall_outcome o = A->push(&f.shop, item, 1, st);
	shop_free(A, &f.shop);
	return o;
}

static void test_faults_on_push(void **state)
{
	mall_status st;
	mall_push_item it;
	assert_int_equal(push_with_fault("{\"kind\":\"latency\",\"ms\":2500,\"path\":\"/listings/\"}",
	                                 1000, &st, &it), MALL_TEMPORARY);
	assert_int_equal(it.status.outcome, MALL_TEMPORARY);
	assert_int_equal(push_with_fault("{\"kind\":\"500\",\"path\":\"/listings/\"}", 5000, &st, &it),
	                 MALL_TEMPORARY);
	assert_int_equal(st.http_status, 500);
	assert_non_null(strstr(st.message, "internal error"));
	assert_int_equal(push_with_fault("{\"kind\":\"429\",\"path\":\"/listings/\"}", 5000, &st, &it),
	                 MALL_RATE_LIMITED);
	assert_int_equal(st.retry_after_ms, 1000);
	assert_int_equal(it.status.outcome, MALL_RATE_LIMITED);
	assert_int_equal(push_with_fault("{\"kind\":\"malformed\",\"path\":\"/listings/\"}", 5000, &st,
	                                 &it), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_TEMPORARY);
	assert_int_equal(push_with_fault("{\"kind\":\"drop\",\"count\":2,\"path\":\"/listings/\"}", 5000, &st, &it),
	                 MALL_TEMPORARY);
	/* An expired token is renewed and the call repeated. */
	int exchanges = sim_calls("/auth/o2/token");
	assert_int_equal(push_with_fault("{\"kind\":\"expired_token\",\"path\":\"/listings/\"}", 5000,
	                                 &st, &it), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_int_equal(sim_stock("A-1", NULL), 9);
	assert_int_equal(sim_calls("/auth/o2/token"), exchanges + 2);
	/* A refused refresh stops the shop. */
	control("amazon", "{\"refresh_ok\":false}");
	assert_int_equal(push_with_fault(NULL, 5000, &st, &it), MALL_AUTH);
	assert_non_null(strstr(st.message, "invalid_grant"));
	/* A malformed token reply is temporary. */
	control("amazon", "{\"refresh_ok\":true}");
	assert_int_equal(push_with_fault("{\"kind\":\"malformed\",\"path\":\"/auth/\"}", 5000, &st, &it),
	                 MALL_TEMPORARY);
}

static void test_expired_token_then_refresh_refused(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, 5000);
	assert_int_equal(A->refresh(&f.shop, false, &st), MALL_OK);
	control("amazon", "{\"refresh_ok\":false}");
	control("fault", "{\"kind\":\"expired_token\",\"path\":\"/orders/\"}");
	seen s = {0};
	time_t now = time(NULL);
	assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st), MALL_AUTH);
	shop_free(A, &f.shop);
	/* Credentials without a refresh token cannot work at all. */
	shop_open(&f, NULL, 5000);
	cJSON_DeleteItemFromObject(f.shop.credentials, "refresh_token");
	assert_int_equal(A->refresh(&f.shop, true, &st), MALL_AUTH);
	assert_non_null(strstr(st.message, "refresh_token"));
	shop_free(A, &f.shop);
}

static void test_token_expiry(void **state)
{
	shop_fixture f;
	mall_status st;
	mall_push_item it = {.listing_id = 1, .item_code = "A-1", .mall_ref = "HOME", .wanted = 2};
	shop_open(&f, NULL, 5000);
	/* A token that lives less than the refresh margin is renewed before each use. */
	control("amazon", "{\"token_ttl\":60}");
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_true(f.shop.token_expires_at <= time(NULL) + 60);
	int exchanges = sim_calls("/auth/o2/token");
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(sim_calls("/auth/o2/token"), exchanges + 1);
	/* A token Amazon expired early (the adapter still thinks it good) is renewed on 403. */
	control("amazon", "{\"token_ttl\":3600}");
	assert_int_equal(A->refresh(&f.shop, true, &st), MALL_OK);
	char old[256];
	snprintf(old, sizeof(old), "%s", mall_cred(&f.shop, "access_token", ""));
	control("amazon", "{\"expire_tokens\":true}");
	it.wanted = 3;
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_string_not_equal(mall_cred(&f.shop, "access_token", ""), old);
	assert_int_equal(sim_stock("A-1", NULL), 3);
	shop_free(A, &f.shop);
}

static void test_faults_on_orders(void **state)
{
	const char *faults[] = {"{\"kind\":\"500\",\"path\":\"/orderItems\"}",
	                        "{\"kind\":\"malformed\",\"path\":\"/orders/v0/orders\"}",
	                        "{\"kind\":\"malformed\",\"path\":\"/orderItems\"}",
	                        "{\"kind\":\"drop\",\"count\":2,\"path\":\"/orders/\"}",
	                        "{\"kind\":\"latency\",\"ms\":2500,\"path\":\"/orders/\"}"};
	place_orders(1);
	for (size_t i = 0; i < Z_ARRAY_LEN(faults); i++) {
		shop_fixture f;
		mall_status st;
		seen s = {0};
		shop_open(&f, NULL, 1000);
		control("fault", faults[i]);
		time_t now = time(NULL);
		assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st),
		                 MALL_TEMPORARY);
		assert_int_equal(s.n, 0);
		shop_free(A, &f.shop);
	}
	shop_fixture f;
	mall_status st;
	seen s = {0};
	shop_open(&f, NULL, 5000);
	control("fault", "{\"kind\":\"429\",\"path\":\"/orders/v0/orders\"}");
	time_t now = time(NULL);
	assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st),
	                 MALL_RATE_LIMITED);
	assert_int_equal(st.retry_after_ms, 1000);
	/* With the faults gone the same fetch succeeds. */
	assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st), MALL_OK);
	assert_int_equal(s.n, 1);
	shop_free(A, &f.shop);
}

static void test_simulator_quota_gives_rate_limited(void **state)
{
	shop_fixture f;
	mall_status st;
	mall_push_item items[20];
	shop_open(&f, NULL, 5000);
	control("limits", "{\"enabled\":true}");
	for (int i = 0; i < 20; i++)
		items[i] = (mall_push_item){.listing_id = i, .sku_code = "A-1", .wanted = i};
	/* The adapter's own buckets are off: the simulator's burst of 5 soon answers 429. */
	assert_int_equal(A->push(&f.shop, items, 20, &st), MALL_RATE_LIMITED);
	assert_int_equal(st.http_status, 429);
	assert_int_equal(st.retry_after_ms, 200); /* one period of x-amzn-RateLimit-Limit: 5 */
	int first = 0;
	while (first < 20 && items[first].status.outcome == MALL_OK)
		first++;
	assert_true(first >= 5 && first < 20);
	for (int i = first; i < 20; i++)
		assert_int_equal(items[i].status.outcome, MALL_RATE_LIMITED);
	assert_int_equal(sim_stock("A-1", NULL), first - 1);
	shop_free(A, &f.shop);
}

static void test_own_buckets_keep_under_quota(void **state)
{
	shop_fixture f;
	mall_status st;
	mall_push_item items[8];
	shop_open(&f, "\"rate_limit\":1", 5000);
	control("limits", "{\"enabled\":true}");
	for (int i = 0; i < 8; i++)
		items[i] = (mall_push_item){.listing_id = i, .sku_code = "A-1", .wanted = i + 10};
	assert_int_equal(A->push(&f.shop, items, 8, &st), MALL_OK);
	for (int i = 0; i < 8; i++)
		assert_int_equal(items[i].status.outcome, MALL_OK);
	assert_int_equal(sim_stock("A-1", NULL), 17);
	shop_free(A, &f.shop);
	/* getOrders refills at one per minute: beyond max_wait_ms the call is rate limited at once. */
	shop_open(&f, "\"rate_limit\":1,\"burst_orders\":1,\"max_wait_ms\":100", 5000);
	seen s = {0};
	time_t now = time(NULL);
	assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st), MALL_OK);
	assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st),
	                 MALL_RATE_LIMITED);
	assert_true(st.retry_after_ms > 50000 && st.retry_after_ms <= 60000);
	assert_int_equal(st.http_status, 0);
	shop_free(A, &f.shop);
	/* Polled no more often than getOrders refills, though the burst (20) has calls to spare:
	 * the next listing is due a minute after the last began. */
	shop_open(&f, "\"rate_limit\":1", 5000);
	assert_int_equal(A->fetch_due(&f.shop), 0);
	assert_int_equal(A->fetch_orders(&f.shop, now - 60, now + 60, on_order, &s, &st), MALL_OK);
	long due = A->fetch_due(&f.shop);
	assert_true(due > 55000 && due <= 60000);
	shop_free(A, &f.shop);
	shop_open(&f, "\"rate_limit\":0", 5000);
	assert_int_equal(A->fetch_due(&f.shop), 0);
	shop_free(A, &f.shop);
}

static void test_parsers_reject_bad_shapes(void **state)
{
	amazon_orders_page op;
	amazon_items_page ip;
	char err[128], msg[100];
	bool accepted, found;
	int q;
	time_t t;
	const char *bad_orders[] = {"", "[]", "{\"payload\":{}}", "{\"payload\":{\"Orders\":{}}}",
	                            "{\"payload\":{\"Orders\":[{\"AmazonOrderId\":1}]}}",
	                            "{\"payload\":{\"Orders\":[{\"AmazonOrderId\":\"x\",\"OrderStatus\":"
	                            "\"Pending\",\"PurchaseDate\":\"yesterday\",\"LastUpdateDate\":\"\"}]}}",
	                            "{\"payload\":{\"Orders\":[],\"NextToken\":5}}"};
	for (size_t i = 0; i < Z_ARRAY_LEN(bad_orders); i++)
		assert_int_equal(amazon_parse_orders(bad_orders[i], strlen(bad_orders[i]), &op, err,
		                                     sizeof(err)), Z_INVALID);
	const char *bad_items[] = {"{\"payload\":{\"OrderItems\":[{\"OrderItemId\":\"1\",\"QuantityOrdered\":1.5}]}}",
	                           "{\"payload\":{\"OrderItems\":[{\"OrderItemId\":\"1\",\"QuantityOrdered\":-1}]}}",
	                           "{\"payload\":{\"OrderItems\":[{\"OrderItemId\":\"1\",\"SellerSKU\":[],\"QuantityOrdered\":1}]}}"};
	for (size_t i = 0; i < Z_ARRAY_LEN(bad_items); i++)
		assert_int_equal(amazon_parse_order_items(bad_items[i], strlen(bad_items[i]), &ip, err,
		                                          sizeof(err)), Z_INVALID);
	const char *ok = "{\"payload\":{\"OrderItems\":[{\"OrderItemId\":\"1\",\"QuantityOrdered\":2}],"
	                 "\"NextToken\":\"abc\"}}";
	assert_int_equal(amazon_parse_order_items(ok, strlen(ok), &ip, err, sizeof(err)), Z_OK);
	assert_int_equal(ip.n, 1);
	assert_int_equal(ip.items[0].quantity, 2);
	assert_string_equal(ip.next_token, "abc");
	amazon_items_page_free(&ip);
	assert_int_equal(amazon_parse_submission("{\"status\":\"MAYBE\"}", 18, &accepted, msg,
	                                         sizeof(msg), err, sizeof(err)), Z_INVALID);
	assert_int_equal(amazon_parse_listing("{\"sku\":\"a\",\"fulfillmentAvailability\":[{\"fulfillmentChannelCode\":\"DEFAULT\",\"quantity\":-3}]}",
	                                      87, "DEFAULT", &q, &found, err, sizeof(err)), Z_INVALID);
	assert_int_equal(amazon_parse_time("2026-01-02T03:04:05.123+09:00", &t), Z_OK);
	assert_int_equal((long long)t, 1767290645LL);
	assert_int_equal(amazon_parse_time("2026-01-02T03:04:05", &t), Z_INVALID);
	assert_int_equal(amazon_parse_time("2026-13-02T03:04:05Z", &t), Z_INVALID);
}

/* A shop whose seller SKUs differ from zaiko's SKU codes: the PATCH goes to the seller SKU
 * with the listing's own product type, read once (summaries) and handed back to be kept. */
static void test_push_by_seller_sku_with_product_type(void **state)
{
	shop_fixture f;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"AMZ-010\",\"stock\":5}]}");
	control("amazon", "{\"product_types\":{\"AMZ-010\":\"LUGGAGE\"}}");
	shop_open(&f, NULL, 5000);
	mall_push_item it = {.listing_id = 1, .item_code = "AMZ-010", .sku_code = "ZK-010", .wanted = 7};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_int_equal(sim_stock("AMZ-010", NULL), 7);
	assert_int_equal(sim_stock("ZK-010", NULL), SIM_NO_STOCK);
	assert_string_equal(it.mall_ref_out, "LUGGAGE");
	/* Kept: the next push asks for no listing. */
	int gets = sim_calls("/listings/");
	it = (mall_push_item){.listing_id = 1, .item_code = "AMZ-010", .sku_code = "ZK-010",
	                      .mall_ref = "LUGGAGE", .wanted = 6};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_int_equal(sim_calls("/listings/"), gets + 1);
	assert_int_equal(sim_stock("AMZ-010", NULL), 6);
	/* A kept type that no longer matches is refused, and dropped to be read again. */
	it = (mall_push_item){.listing_id = 1, .item_code = "AMZ-010", .sku_code = "ZK-010",
	                      .mall_ref = "HOME", .wanted = 4};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_ITEM);
	assert_non_null(strstr(it.status.message, "productType"));
	assert_string_equal(it.mall_ref_out, "-");
	assert_int_equal(sim_stock("AMZ-010", NULL), 6);
	/* The generic PRODUCT is refused by the simulator as by Amazon (the type must match). */
	shop_free(A, &f.shop);
	shop_open(&f, "\"product_type\":\"PRODUCT\"", 5000);
	it = (mall_push_item){.listing_id = 1, .item_code = "AMZ-010", .sku_code = "ZK-010", .wanted = 3};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_ITEM);
	assert_int_equal(sim_stock("AMZ-010", NULL), 6);
	shop_free(A, &f.shop);
}

static const char *known_order;

static bool order_known(const struct mall_order *head, void *ctx)
{
	(void)ctx;
	return known_order && !strcmp(head->order_no, known_order);
}

/* getOrders refills one call a minute: a listing cut short by the limit goes on from its
 * NextToken in the next fetch of the same window, never from page 1; an order the batch
 * knows unchanged is not read again with getOrderItems. */
static void test_orders_continue_after_throttle(void **state)
{
	shop_fixture f;
	mall_status st;
	seen s = {0};
	for (int i = 0; i < 5; i++) {
		char body[200];
		snprintf(body, sizeof(body), "{\"order_no\":\"250-000000%d-000000%d\",\"ago\":%d,"
		         "\"lines\":[{\"code\":\"A-1\",\"qty\":1}]}", i, i, 120 - i);
		control("order", body);
	}
	shop_open(&f, "\"rate_limit\":1,\"burst_orders\":1,\"rate_orders\":0.5,\"max_wait_ms\":100,"
	              "\"orders_page_size\":2", 5000);
	known_order = "250-0000003-0000003";
	f.shop.order_known = order_known;
	time_t now = time(NULL), since = now - 3600;
	int rounds = 0;
	mall_outcome o;
	while ((o = A->fetch_orders(&f.shop, since, now + 60, on_order, &s, &st)) == MALL_RATE_LIMITED &&
	       rounds < 10) {
		rounds++;
		assert_true(st.retry_after_ms > 100 && st.retry_after_ms <= 2000);
		usleep((useconds_t)st.retry_after_ms * 1000);
	}
	assert_int_equal(o, MALL_OK);
	/* Three pages, one call a fetch, then the listing of what changed since it began. */
	assert_int_equal(rounds, 3);
	assert_int_equal(s.n, 4);                /* five orders, one of them known */
	for (int i = 0; i < s.n; i++) {
		assert_string_not_equal(s.order_no[i], known_order);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(s.order_no[i], s.order_no[j]);
	}
	assert_int_equal(sim_calls("/orderItems"), 4);
	/* getOrders answered (a 403 renewing the token may come between) */
	int lists = 0;
	cJSON *lg = control_json("log", NULL), *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(lg, "requests"))
		lists += !strcmp(cJSON_GetObjectItem(e, "path")->valuestring, "/orders/v0/orders") &&
		         cJSON_GetObjectItem(e, "status")->valueint == 200;
	cJSON_Delete(lg);
	assert_int_equal(lists, 4);
	known_order = NULL;
	shop_free(A, &f.shop);
}

/* A PATCH that takes longer than the limit's interval (600 ms against 200 ms at 5/s): several
 * are kept in flight, so ten take about what the limit allows, not ten round trips; the
 * simulator's quota (5/s, burst 5) is never exceeded. */
static void test_patches_in_flight_keep_the_limits_pace(void **state)
{
	shop_fixture f;
	mall_status st;
	mall_push_item items[10];
	char codes[10][16];
	buf ib = BUF_INIT;
	buf_puts(&ib, "{\"items\":[");
	for (int i = 0; i < 10; i++) {
		snprintf(codes[i], sizeof(codes[i]), "AMZ-F%02d", i);
		buf_printf(&ib, "%s{\"code\":\"%s\",\"stock\":0}", i ? "," : "", codes[i]);
		items[i] = (mall_push_item){.listing_id = i + 1, .item_code = codes[i], .sku_code = "X",
		                            .mall_ref = "HOME", .wanted = i + 1};
	}
	buf_puts(&ib, "]}");
	control("items", buf_str(&ib));
	buf_free(&ib);
	control("limits", "{\"enabled\":true}");
	control("fault", "{\"kind\":\"latency\",\"ms\":600,\"count\":10,\"path\":\"/listings/\"}");
	shop_open(&f, "\"rate_limit\":1", 10000);
	assert_int_equal(A->refresh(&f.shop, false, &st), MALL_OK);
	double t0 = mall_mono_now();
	assert_int_equal(A->push(&f.shop, items, 10, &st), MALL_OK);
	double secs = mall_mono_now() - t0;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(items[i].status.outcome, MALL_OK);
		assert_int_equal(sim_stock(codes[i], NULL), i + 1);
	}
	print_message("10 PATCHes of 600 ms at 5/s: %.2f s\n", secs);
	assert_true(secs < 3.5); /* one at a time: 6 s and more */
	cJSON *lg = control_json("log", NULL), *e;
	int refused = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(lg, "requests"))
		refused += cJSON_GetObjectItem(e, "status")->valueint == 429;
	cJSON_Delete(lg);
	assert_int_equal(refused, 0);
	shop_free(A, &f.shop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_push_sets_quantity_and_caches_token, setup),
		cmocka_unit_test_setup(test_read_stock, setup),
		cmocka_unit_test_setup(test_accepted_is_applied_later, setup),
		cmocka_unit_test_setup(test_fetch_orders_pages_and_cancels, setup),
		cmocka_unit_test_setup(test_fetch_orders_window, setup),
		cmocka_unit_test_setup(test_faults_on_push, setup),
		cmocka_unit_test_setup(test_expired_token_then_refresh_refused, setup),
		cmocka_unit_test_setup(test_token_expiry, setup),
		cmocka_unit_test_setup(test_faults_on_orders, setup),
		cmocka_unit_test_setup(test_simulator_quota_gives_rate_limited, setup),
		cmocka_unit_test_setup(test_own_buckets_keep_under_quota, setup),
		cmocka_unit_test(test_parsers_reject_bad_shapes),
		cmocka_unit_test_setup(test_push_by_seller_sku_with_product_type, setup),
		cmocka_unit_test_setup(test_orders_continue_after_throttle, setup),
		cmocka_unit_test_setup(test_patches_in_flight_keep_the_limits_pace, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, sim_group_stop);
}
