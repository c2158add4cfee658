/* test_mall_rakuten: the 楽天市場 adapter against tests/sim/rakuten_sim.py, and its parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "core/jst.h"
#include "mall/mall.h"
#include "mall/rakuten_json.h"
#include "malltest.h"


typedef struct {
	mall_shop shop;
	const mall_adapter *a;
} fixture;

static int group_setup(void **state)
{
	return sim_start(&S, "rakuten") ? -1 : 0;
}

static int group_teardown(void **state)
{
	sim_stop(&S);
	return 0;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	sim_reset();
	f->a = mall_adapter_for("rakuten");
	shop_init(&f->shop, 2, "demo", "rakuten", S.base,
	          cJSON_Parse("{\"service_secret\":\"SP000000_demoSecret\","
	                      "\"license_key\":\"SL000000_demoLicense\"}"),
	          cJSON_Parse("{\"pace_ms\":0,\"read_pace_ms\":0,\"order_pace_ms\":0}"), 3000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	shop_free(f->a, &f->shop);
	free(f);
	return 0;
}

static void test_push_sets_stock(void **state)
{
	fixture *f = *state;
	mall_status st;
	mall_push_item items[] = {
		{.listing_id = 1, .item_code = "mng1234", .sub_code = "sku1", .wanted = 70},
		{.listing_id = 2, .item_code = "MNG5678", .sub_code = "Sku-B", .wanted = 0},
	};
	assert_int_equal(f->a->push(&f->shop, items, 2, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_OK);
	assert_int_equal(st.http_status, 204);
	assert_int_equal(sim_stock("mng1234", "sku1"), 70);
	assert_int_equal(sim_stock("mng5678", "Sku-B"), 0);
	/* Absolute: a second push sets, it does not add. */
	items[0].wanted = 5;
	assert_int_equal(f->a->push(&f->shop, items, 1, &st), MALL_OK);
	assert_int_equal(sim_stock("mng1234", "sku1"), 5);
	assert_int_equal(sim_calls("bulk-upsert"), 2);
}

static void test_push_in_chunks_of_400(void **state)
{
	fixture *f = *state;
	mall_status st;
	enum { N = 401 };
	static mall_push_item items[N];
	static char codes[N][16];
	for (int i = 0; i < N; i++) {
		snprintf(codes[i], sizeof(codes[i]), "m%d", i);
		items[i] = (mall_push_item){.listing_id = i, .item_code = codes[i], .sub_code = "v", .wanted = i};
	}
	assert_int_equal(f->a->push(&f->shop, items, N, &st), MALL_OK);
	assert_int_equal(sim_calls("bulk-upsert"), 2);
	assert_int_equal(sim_stock("m400", "v"), 400);
	assert_int_equal(items[400].status.outcome, MALL_OK);
}

static void test_item_errors_stay_on_their_item(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"yoyaku\",\"sub\":\"v1\",\"stock\":1,\"reserved\":true}]}");
	mall_push_item items[] = {
		{.listing_id = 1, .item_code = "ok1", .sub_code = "v1", .wanted = 3},
		{.listing_id = 2, .item_code = "yoyaku", .sub_code = "v1", .wanted = 3},
		{.listing_id = 3, .item_code = "ok2", .sub_code = "v1", .wanted = 4},
		{.listing_id = 4, .item_code = "this-manage-number-is-far-too-long-for-rakuten",
		 .sub_code = "v1", .wanted = 1},
		{.listing_id = 5, .item_code = "bad code", .sub_code = "v1", .wanted = 1},
		{.listing_id = 6, .item_code = "ok3", .sub_code = "v1", .wanted = 100000},
	};
	assert_int_equal(f->a->push(&f->shop, items, 6, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_ITEM);
	assert_non_null(strstr(items[1].status.message, "IE1101"));
	assert_int_equal(items[2].status.outcome, MALL_OK);
	assert_int_equal(items[3].status.outcome, MALL_ITEM);
	assert_int_equal(items[4].status.outcome, MALL_ITEM);
	assert_int_equal(items[5].status.outcome, MALL_ITEM);
	assert_int_equal(sim_stock("ok1", "v1"), 3);
	assert_int_equal(sim_stock("ok2", "v1"), 4);
	assert_int_equal(sim_stock("yoyaku", "v1"), 1);
	/* The refused request and the resend without the refused item. */
	assert_int_equal(sim_calls("bulk-upsert"), 2);
}

static void test_read_stock(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"mng1\",\"sub\":\"v1\",\"stock\":4},"
	                 "{\"code\":\"mng2\",\"sub\":\"v2\",\"stock\":0}]}");
	mall_stock_item items[] = {
		{.item_code = "MNG1", .sub_code = "v1", .stock = 99},
		{.item_code = "mng2", .sub_code = "v2", .stock = 99},
		{.item_code = "mng2", .sub_code = "V2", .stock = 99, .found = true},
		{.item_code = "none", .sub_code = "v1", .stock = 99, .found = true},
	};
	assert_int_equal(f->a->read_stock(&f->shop, items, 4, &st), MALL_OK);
	assert_true(items[0].found);
	assert_int_equal(items[0].stock, 4);
	assert_true(items[1].found);
	assert_int_equal(items[1].stock, 0);
	assert_false(items[2].found); /* variantId is case-sensitive */
	assert_false(items[3].found);
}

static void test_fetch_orders_pages_to_the_end(void **state)
{
	fixture *f = *state;
	mall_status st;
	orders_seen s;
	memset(&s, 0, sizeof(s));
	json_set_num(f->shop.options, "search_page_size", 2);
	json_set_num(f->shop.options, "get_order_batch", 2);
	control("items", "{\"items\":[{\"code\":\"mng1\",\"sub\":\"v1\",\"stock\":9,\"sku\":\"SKU-001\"}]}");
	for (int i = 0; i < 5; i++)
		control("order", "{\"lines\":[{\"code\":\"mng1\",\"sub\":\"v1\",\"qty\":2},"
		                 "{\"code\":\"mng2\",\"sub\":\"v2\",\"qty\":1}]}");
	time_t now = time(NULL);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 5);
	assert_int_equal(sim_calls("searchOrder"), 3);
	assert_int_equal(sim_calls("getOrder"), 3);
	assert_string_equal(s.order_no[0], "ORD000001");
	assert_string_equal(s.order_no[4], "ORD000005");
	assert_string_equal(s.status[0], "300");
	assert_int_equal(s.nlines[0], 2);
	assert_string_equal(s.lines[0][0].item_code, "mng1");
	assert_string_equal(s.lines[0][0].sub_code, "v1");
	assert_string_equal(s.lines[0][0].sku_code, "SKU-001");
	assert_int_equal(s.lines[0][0].quantity, 2);
	/* Without a システム連携用SKU番号 the item number stands in. */
	assert_string_equal(s.lines[0][1].sku_code, "mng2");
	assert_string_not_equal(s.lines[0][0].line_key, s.lines[0][1].line_key);
	assert_true(s.ordered_at[0] >= now - 5 && s.ordered_at[0] <= now + 5);
	/* line keys are stable across fetches */
	char key[128];
	snprintf(key, sizeof(key), "%s", s.lines[0][1].line_key);
	memset(&s, 0, sizeof(s));
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_string_equal(s.lines[0][1].line_key, key);
	/* The callback can stop the fetch. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 3;
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 3);
}

static void test_fetch_orders_splits_long_ranges(void **state)
{
	fixture *f = *state;
	mall_status st;
	orders_seen s;
	memset(&s, 0, sizeof(s));
	json_set_num(f->shop.options, "order_lookback_s", 0);
	control("order", "{\"lines\":[{\"code\":\"mng1\",\"sub\":\"v1\",\"qty\":1}]}");
	time_t now = time(NULL);
	/* 200 days: four windows of at most 63 days (the simulator refuses longer ones). */
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 200 * 86400, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(sim_calls("searchOrder"), 4);
	assert_int_equal(s.n, 1);
}

static void test_fetch_orders_splits_crowded_windows(void **state)
{
	fixture *f = *state;
	mall_status st;
	orders_seen s;
	memset(&s, 0, sizeof(s));
	json_set_num(f->shop.options, "search_max_records", 2);
	for (int i = 0; i < 5; i++)
		control("order", "{\"lines\":[{\"code\":\"mng1\",\"sub\":\"v1\",\"qty\":1}]}");
	time_t now = time(NULL);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	/* Every order once, none lost or doubled by the split. */
	assert_int_equal(s.n, 5);
	for (int i = 0; i < 5; i++) {
		char want[16];
		snprintf(want, sizeof(want), "ORD%06d", i + 1);
		assert_string_equal(s.order_no[i], want);
	}
	assert_true(sim_calls("searchOrder") > 3);
}

static void test_fetch_orders_cancelled(void **state)
{
	fixture *f = *state;
	mall_status st;
	orders_seen s;
	memset(&s, 0, sizeof(s));
	control("order", "{\"order_no\":\"123456-20261127-00000001\",\"lines\":[{\"code\":\"a\",\"sub\":\"x\","
	                 "\"qty\":1},{\"code\":\"b\",\"sub\":\"y\",\"qty\":2}]}");
	control("order", "{\"order_no\":\"123456-20261127-00000002\",\"lines\":[{\"code\":\"a\",\"sub\":\"x\","
	                 "\"qty\":1}]}");
	control("cancel", "{\"order_no\":\"123456-20261127-00000001\"}");
	time_t now = time(NULL);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 2);
	assert_true(s.cancelled[0]);
	assert_string_equal(s.status[0], "900");
	assert_true(s.lines[0][0].cancelled);
	assert_true(s.lines[0][1].cancelled);
	assert_false(s.cancelled[1]);
	assert_false(s.lines[1][0].cancelled);
	/* A cancellation shows up in later fetches too, even when the order is older. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(f->a->fetch_orders(&f->shop, now + 60, now + 120, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 1);
	assert_true(s.cancelled[0]);
}

static void test_refresh_reads_license_expiry(void **state)
{
	fixture *f = *state;
	mall_status st;
	time_t now = time(NULL);
	assert_int_equal(f->a->refresh(&f->shop, false, &st), MALL_OK);
	assert_true(f->shop.token_expires_at > now + 89 * 86400 && f->shop.token_expires_at < now + 91 * 86400);
	assert_true(f->shop.credentials_changed); /* so the batch stores the new expiry */
	assert_string_equal(st.message, "");
	f->shop.credentials_changed = false;
	/* Read again only after license_check_s (a day) unless forced. */
	assert_int_equal(f->a->refresh(&f->shop, false, &st), MALL_OK);
	assert_int_equal(sim_calls("expiry-date"), 1);
	assert_false(f->shop.credentials_changed);
	f->shop.token_expires_at = now + 86400;
	json_set_num(f->shop.options, "license_check_s", 0);
	assert_int_equal(f->a->refresh(&f->shop, false, &st), MALL_OK);
	assert_int_equal(sim_calls("expiry-date"), 2);
	assert_true(f->shop.token_expires_at > now + 89 * 86400);
	/* Near expiry: still usable, with a warning. */
	char exp[64], body[128];
	jst_format(now + 5 * 86400, JST_ISO_0900, exp, sizeof(exp));
	exp[19] = '\0';
	snprintf(body, sizeof(body), "{\"expiry\":\"%s\"}", exp);
	control("license", body);
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_OK);
	assert_true(f->shop.token_expires_at >= now + 5 * 86400 - 2 && f->shop.token_expires_at <= now + 5 * 86400 + 2);
	assert_non_null(strstr(st.message, "近づいて"));
	/* Expired: every call is refused. */
	jst_format(now - 60, JST_ISO_0900, exp, sizeof(exp));
	exp[19] = '\0';
	snprintf(body, sizeof(body), "{\"expiry\":\"%s\"}", exp);
	control("license", body);
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_AUTH);
	mall_push_item it = {.item_code = "a", .sub_code = "b", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_AUTH);
	assert_int_equal(st.http_status, 401);
}

static void test_wrong_credentials_are_auth(void **state)
{
	fixture *f = *state;
	mall_status st;
	cJSON_ReplaceItemInObject(f->shop.credentials, "license_key", cJSON_CreateString("SL-wrong"));
	mall_push_item it = {.item_code = "a", .sub_code = "b", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_AUTH);
	assert_int_equal(it.status.outcome, MALL_AUTH);
	assert_non_null(strstr(st.message, "GA0001"));
	orders_seen s;
	memset(&s, 0, sizeof(s));
	assert_int_equal(f->a->fetch_orders(&f->shop, 0, time(NULL), collect_orders, &s, &st), MALL_AUTH);
	cJSON_DeleteItemFromObject(f->shop.credentials, "license_key");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_AUTH);
}

static void test_content_type_is_configurable(void **state)
{
	fixture *f = *state;
	mall_status st;
	mall_push_item it = {.item_code = "a", .sub_code = "b", .wanted = 1};
	json_set_str(f->shop.options, "content_type", "application/json;charset=utf-8");
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	json_set_str(f->shop.options, "content_type", "text/plain");
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 415);
}

static void test_expired_license_fault_is_auth(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("fault", "{\"kind\":\"expired_token\",\"path\":\"bulk-upsert\"}");
	mall_push_item it = {.item_code = "a", .sub_code = "b", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_AUTH);
	assert_int_equal(it.status.outcome, MALL_AUTH);
}

static void test_latency_beyond_timeout_is_temporary(void **state)
{
	fixture *f = *state;
	mall_status st;
	json_set_num(f->shop.options, "timeout_ms", 300);
	control("fault", "{\"kind\":\"latency\",\"ms\":1200,\"path\":\"bulk-get\"}");
	mall_stock_item it = {.item_code = "a", .sub_code = "b"};
	assert_int_equal(f->a->read_stock(&f->shop, &it, 1, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 0);
}

static void test_server_error_is_temporary(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("fault", "{\"kind\":\"500\",\"path\":\"searchOrder\"}");
	orders_seen s;
	memset(&s, 0, sizeof(s));
	time_t now = time(NULL);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now, collect_orders, &s, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 500);
	control("fault", "{\"kind\":\"500\",\"path\":\"bulk-upsert\"}");
	mall_push_item it = {.item_code = "a", .sub_code = "b", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_TEMPORARY);
	assert_int_equal(it.status.outcome, MALL_TEMPORARY);
}

static void test_429_is_rate_limited(void **state)
{
	fixture *f = *state;
	mall_push_item it = {.item_code = "a", .sub_code = "b", .wanted = 1};
	check_push_429(f->a, &f->shop, &it, "bulk-upsert");
}

static void test_limits_and_pacing(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("limits", "{\"enabled\":true}");
	mall_push_item it = {.item_code = "a", .sub_code = "b", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_RATE_LIMITED);
	/* Paced with a margin, as the adapter is by default: the simulator counts a strict sliding
	 * second of arrivals, and one paced exactly at the limit is refused when calls bunch. */
	json_set_num(f->shop.options, "pace_ms", 1150);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs >= 0.9);
}

static void test_malformed_reply_is_temporary(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"a\",\"sub\":\"b\",\"stock\":1}]}");
	control("fault", "{\"kind\":\"malformed\",\"path\":\"bulk-get\"}");
	mall_stock_item it = {.item_code = "a", .sub_code = "b"};
	assert_int_equal(f->a->read_stock(&f->shop, &it, 1, &st), MALL_TEMPORARY);
	assert_non_null(strstr(st.message, "bulk-get"));
	control("order", "{\"lines\":[{\"code\":\"a\",\"sub\":\"b\",\"qty\":1}]}");
	orders_seen s;
	memset(&s, 0, sizeof(s));
	time_t now = time(NULL);
	control("fault", "{\"kind\":\"malformed\",\"path\":\"getOrder\"}");
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_TEMPORARY);
	control("fault", "{\"kind\":\"malformed\",\"path\":\"searchOrder\"}");
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_TEMPORARY);
	control("fault", "{\"kind\":\"malformed\",\"path\":\"expiry-date\"}");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_TEMPORARY);
	assert_int_equal(s.n, 0);
}

static void test_dropped_connection_is_temporary(void **state)
{
	fixture *f = *state;
	mall_status st;
	mall_push_item it = {.item_code = "a", .sub_code = "b", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	check_push_dropped(f->a, &f->shop, &it, "bulk-upsert");
}

static void test_oversized_reply_is_temporary(void **state)
{
	fixture *f = *state;
	control("items", "{\"items\":[{\"code\":\"a\",\"sub\":\"b\",\"stock\":1}]}");
	mall_stock_item it = {.item_code = "a", .sub_code = "b"};
	check_read_oversized(f->a, &f->shop, &it);
}

static void test_parsers_refuse_bad_replies(void **state)
{
	char err[200];
	mall_order *orders;
	int n;
	const char *ok = "{\"OrderModelList\":[{\"orderNumber\":\"1-2-3\",\"orderProgress\":300,"
	                 "\"orderDatetime\":\"2023-04-17T13:01:20+0900\",\"PackageModelList\":[{"
	                 "\"ItemModelList\":[{\"itemDetailId\":77,\"itemNumber\":\"c3ps390M090\","
	                 "\"manageNumber\":\"c3ps390\",\"units\":1,\"deleteItemFlag\":1,"
	                 "\"SkuModelList\":[{\"variantId\":\"11\",\"merchantDefinedSkuId\":null}]}]}]}]}";
	assert_int_equal(rakuten_parse_orders(ok, strlen(ok), false, &orders, &n, err, sizeof(err)), Z_OK);
	assert_int_equal(n, 1);
	assert_int_equal(orders[0].ordered_at, 1681704080);
	assert_string_equal(orders[0].lines[0].line_key, "77");
	assert_string_equal(orders[0].lines[0].sub_code, "11");
	assert_string_equal(orders[0].lines[0].sku_code, "c3ps390M090");
	assert_true(orders[0].lines[0].cancelled); /* deleted line */
	assert_false(orders[0].cancelled);
	rakuten_orders_free(orders, n);
	const char *units_str = "{\"OrderModelList\":[{\"orderNumber\":\"1\",\"orderProgress\":300,"
	                        "\"orderDatetime\":\"2023-04-17T13:01:20+0900\",\"PackageModelList\":[{"
	                        "\"ItemModelList\":[{\"manageNumber\":\"m\",\"units\":\"1\"}]}]}]}";
	assert_int_equal(rakuten_parse_orders(units_str, strlen(units_str), false, &orders, &n, err,
	                                      sizeof(err)), Z_INVALID);
	assert_non_null(strstr(err, "units"));
	const char *pending = "{\"OrderModelList\":[{\"orderNumber\":\"1\",\"orderProgress\":800,"
	                      "\"orderDatetime\":\"2023-04-17T13:01:20+0900\",\"PackageModelList\":[]}]}";
	assert_int_equal(rakuten_parse_orders(pending, strlen(pending), false, &orders, &n, err, sizeof(err)), Z_OK);
	assert_false(orders[0].cancelled);
	rakuten_orders_free(orders, n);
	assert_int_equal(rakuten_parse_orders(pending, strlen(pending), true, &orders, &n, err, sizeof(err)), Z_OK);
	assert_true(orders[0].cancelled);
	rakuten_orders_free(orders, n);
	const char *no_date = "{\"OrderModelList\":[{\"orderNumber\":\"1\",\"orderProgress\":300,"
	                      "\"PackageModelList\":[]}]}";
	assert_int_equal(rakuten_parse_orders(no_date, strlen(no_date), false, &orders, &n, err, sizeof(err)),
	                 Z_INVALID);
	assert_int_equal(rakuten_parse_orders("[1]", 3, false, &orders, &n, err, sizeof(err)), Z_INVALID);
	rakuten_inventory *rows;
	const char *inv = "{\"inventories\":[{\"manageNumber\":\"a\",\"variantId\":\"b\",\"quantity\":1.5}]}";
	assert_int_equal(rakuten_parse_inventories(inv, strlen(inv), &rows, &n, err, sizeof(err)), Z_INVALID);
	char (*nums)[64];
	long long total, pages;
	const char *zero = "{\"orderNumberList\":[],\"PaginationResponseModel\":null}";
	assert_int_equal(rakuten_parse_search(zero, strlen(zero), &nums, &n, &total, &pages, err, sizeof(err)), Z_OK);
	assert_int_equal(n, 0);
	free(nums);
	const char *nolist = "{\"orderNumberList\":null}";
	assert_int_equal(rakuten_parse_search(nolist, strlen(nolist), &nums, &n, &total, &pages, err,
	                                      sizeof(err)), Z_INVALID);
	rakuten_error *errs;
	const char *e = "{\"errors\":[{\"code\":\"IE0004\",\"message\":\"too long\",\"metadata\":"
	                "{\"propertyPath\":\"inventories[3].manageNumber\"}},{\"code\":\"X\"}]}";
	assert_int_equal(rakuten_parse_errors(e, strlen(e), &errs, &n), Z_OK);
	assert_int_equal(n, 2);
	assert_int_equal(errs[0].item, 3);
	assert_string_equal(errs[0].code, "IE0004");
	assert_int_equal(errs[1].item, -1);
	free(errs);
	time_t t;
	const char *exp = "{\"expiryDate\":\"2026-11-28T23:59:59\"}";
	assert_int_equal(rakuten_parse_expiry(exp, strlen(exp), &t, err, sizeof(err)), Z_OK);
	assert_int_equal(t, 1795877999);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers_refuse_bad_replies),
		cmocka_unit_test_setup_teardown(test_push_sets_stock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_in_chunks_of_400, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_errors_stay_on_their_item, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_stock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_orders_pages_to_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_orders_splits_long_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_orders_splits_crowded_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_orders_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_reads_license_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_credentials_are_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_type_is_configurable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_license_fault_is_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_beyond_timeout_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_error_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_429_is_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_pacing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_reply_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_connection_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_reply_is_temporary, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
