/* Tests of the BASE adapter against tests/sim/base_sim.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <time.h>
#include "mall/mall.h"
#include "malltest.h"

#define CREDS "{\"client_id\":\"zaiko-demo-base\",\"client_secret\":\"zaiko-demo-base-secret\"," \
              "\"refresh_token\":\"zaiko-demo-base-refresh\"," \
              "\"redirect_uri\":\"https://zaiko.example.jp/base/callback\"}"

static void shop_open(shop_fixture *f, const char *creds, const char *opts)
{
	fixture_open(f, 5, "BASEテスト", creds ? creds : CREDS, opts ? opts : "{}", 5000);
}

static int setup(void **state)
{
	sim_reset();
	control("items", "{\"items\":[{\"code\":\"101\",\"stock\":5},"
	                 "{\"code\":\"202\",\"sub\":\"11\",\"stock\":2},"
	                 "{\"code\":\"202\",\"sub\":\"12\",\"stock\":3}]}");
	return 0;
}

static int group_setup(void **state)
{
	return sim_group_start("base");
}

static void test_push_item_and_variation(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, NULL);
	mall_push_item items[5] = {
		{.listing_id = 1, .item_code = "101", .sub_code = "", .wanted = 7},
		{.listing_id = 2, .item_code = "202", .sub_code = "12", .wanted = 9},
		{.listing_id = 3, .item_code = "ABC", .sub_code = "", .wanted = 1},
		{.listing_id = 4, .item_code = "202", .sub_code = "99", .wanted = 1},
		{.listing_id = 5, .item_code = "202", .sub_code = "", .wanted = 4},
	};
	assert_int_equal(A->push(&f.shop, items, 5, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_OK);
	assert_int_equal(items[2].status.outcome, MALL_ITEM);   /* not a BASE id: never sent */
	assert_int_equal(items[3].status.outcome, MALL_ITEM);   /* bad_variation_id */
	assert_non_null(strstr(items[3].status.message, "bad_variation_id"));
	assert_int_equal(items[4].status.outcome, MALL_ITEM);   /* an item with variations */
	assert_int_equal(sim_stock("101", ""), 7);
	assert_int_equal(sim_stock("202", "12"), 9);
	assert_int_equal(sim_stock("202", "11"), 2);
	/* The token was got once with the refresh token and written back with the new one. */
	assert_true(f.shop.credentials_changed);
	assert_string_not_equal(mall_cred(&f.shop, "refresh_token", ""), "zaiko-demo-base-refresh");
	assert_int_equal(sim_calls("/1/oauth/token"), 1);
	/* A negative wanted stock is sent as 0. */
	mall_push_item neg = {.listing_id = 1, .item_code = "101", .sub_code = "", .wanted = -3};
	assert_int_equal(A->push(&f.shop, &neg, 1, &st), MALL_OK);
	assert_int_equal(neg.status.outcome, MALL_OK);
	assert_int_equal(sim_stock("101", ""), 0);
	shop_free(A, &f.shop);
}

static void test_read_stock(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, NULL);
	mall_stock_item items[4] = {{.listing_id = 1, .item_code = "101", .sub_code = ""},
	                            {.listing_id = 2, .item_code = "202", .sub_code = "11"},
	                            {.listing_id = 3, .item_code = "202", .sub_code = "12"},
	                            {.listing_id = 4, .item_code = "303", .sub_code = ""}};
	assert_int_equal(A->read_stock(&f.shop, items, 4, &st), MALL_OK);
	assert_true(items[0].found);
	assert_int_equal(items[0].stock, 5);
	assert_int_equal(items[1].stock, 2);
	assert_int_equal(items[2].stock, 3);
	assert_false(items[3].found);
	assert_int_equal(sim_calls("/1/items/detail/202"), 1); /* one call per item */
	shop_free(A, &f.shop);
}

static void test_orders_and_cancellation(void **state)
{
	shop_fixture f;
	mall_status st;
	orders_seen seen = {0};
	time_t t0 = time(NULL) - 2;
	control("order", "{\"order_no\":\"AAAA0000BBBB1111\",\"lines\":[{\"code\":\"101\",\"qty\":2},"
	                 "{\"code\":\"202\",\"sub\":\"11\",\"qty\":1}]}");
	sleep(1);
	control("order", "{\"order_no\":\"CCCC0000DDDD2222\",\"lines\":[{\"code\":\"101\",\"qty\":1}]}");
	/* Pages of one order: the adapter pages to the end. */
	shop_open(&f, NULL, "{\"orders_page_size\":1}");
	assert_int_equal(A->fetch_orders(&f.shop, t0, time(NULL) + 2, collect_orders, &seen, &st), MALL_OK);
	assert_int_equal(seen.n, 2);
	/* Oldest change first, though BASE lists newest first. */
	assert_string_equal(seen.order_no[0], "AAAA0000BBBB1111");
	assert_int_equal(seen.nlines[0], 2);
	assert_string_equal(seen.lines[0][0].item_code, "101");
	assert_string_equal(seen.lines[0][0].sub_code, "");
	assert_int_equal(seen.lines[0][0].quantity, 2);
	assert_string_equal(seen.lines[0][1].item_code, "202");
	assert_string_equal(seen.lines[0][1].sub_code, "11");
	assert_false(seen.cancelled[0]);
	/* A window after both orders sees nothing; a cancellation later shows again. */
	sleep(1);
	time_t t1 = time(NULL);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(A->fetch_orders(&f.shop, t1, t1 + 1, collect_orders, &seen, &st), MALL_OK);
	assert_int_equal(seen.n, 0);
	control("cancel", "{\"order_no\":\"AAAA0000BBBB1111\"}");
	assert_int_equal(A->fetch_orders(&f.shop, t1, time(NULL) + 1, collect_orders, &seen, &st), MALL_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.order_no[0], "AAAA0000BBBB1111");
	assert_true(seen.cancelled[0]);
	assert_true(seen.lines[0][0].cancelled);
	assert_string_equal(seen.status[0], "cancelled");
	/* An order placed before the lookback is not listed at all (the documented limit of
	 * a list by order time). */
	memset(&seen, 0, sizeof(seen));
	json_set_num(f.shop.options, "order_lookback_s", 0);
	assert_int_equal(A->fetch_orders(&f.shop, t1, time(NULL) + 1, collect_orders, &seen, &st), MALL_OK);
	assert_int_equal(seen.n, 0);
	shop_free(A, &f.shop);
}

static void test_expired_token_is_renewed_once(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, NULL);
	mall_push_item it = {.listing_id = 1, .item_code = "101", .sub_code = "", .wanted = 3};
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	control("base", "{\"expire_tokens\":true}");
	it.wanted = 4;
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_int_equal(sim_stock("101", ""), 4);
	assert_int_equal(sim_calls("/1/oauth/token"), 2);
	/* A refused refresh token stops the shop: MALL_AUTH with BASE's reason. */
	control("base", "{\"expire_tokens\":true,\"refresh_ok\":false}");
	it.wanted = 5;
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_AUTH);
	assert_int_equal(it.status.outcome, MALL_AUTH);
	assert_non_null(strstr(st.message, "再認可"));
	assert_int_equal(sim_stock("101", ""), 4);
	shop_free(A, &f.shop);
	/* Credentials without a refresh token: MALL_AUTH before any call. */
	shop_open(&f, "{\"client_id\":\"x\"}", NULL);
	assert_int_equal(A->refresh(&f.shop, false, &st), MALL_AUTH);
	shop_free(A, &f.shop);
}

static void test_hour_limit_waits_for_the_next_hour(void **state)
{
	shop_fixture f;
	mall_status st;
	control("limits", "{\"enabled\":true}");
	control("base", "{\"hour_limit\":1}");
	shop_open(&f, NULL, NULL);
	mall_push_item items[2] = {{.listing_id = 1, .item_code = "101", .sub_code = "", .wanted = 8},
	                           {.listing_id = 2, .item_code = "202", .sub_code = "11", .wanted = 8}};
	assert_int_equal(A->push(&f.shop, items, 2, &st), MALL_RATE_LIMITED);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_RATE_LIMITED);
	assert_non_null(strstr(st.message, "hour_api_limit"));
	/* Until the next full hour (and one second): never more than an hour. */
	time_t now = time(NULL);
	long want = (long)(3600 - now % 3600 + 1) * 1000;
	assert_true(st.retry_after_ms >= want - 2000 && st.retry_after_ms <= want + 1000);
	assert_int_equal(sim_stock("101", ""), 8);
	assert_int_equal(sim_stock("202", "11"), 2);
	/* Until then the adapter does not ask again: a call would only count against it. */
	int calls = sim_calls("/1/items/edit_stock");
	assert_int_equal(A->push(&f.shop, &items[1], 1, &st), MALL_RATE_LIMITED);
	assert_true(st.retry_after_ms > 0);
	assert_int_equal(sim_calls("/1/items/edit_stock"), calls);
	shop_free(A, &f.shop);
}

static void test_faults(void **state)
{
	shop_fixture f;
	shop_open(&f, NULL, NULL);
	mall_push_item it = {.listing_id = 1, .item_code = "101", .sub_code = "", .wanted = 6};
	check_common_faults(&f, &it, "/1/items/edit_stock", "/1/orders");
	shop_free(A, &f.shop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_push_item_and_variation, setup),
		cmocka_unit_test_setup(test_read_stock, setup),
		cmocka_unit_test_setup(test_orders_and_cancellation, setup),
		cmocka_unit_test_setup(test_expired_token_is_renewed_once, setup),
		cmocka_unit_test_setup(test_hour_limit_waits_for_the_next_hour, setup),
		cmocka_unit_test_setup(test_faults, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, sim_group_stop);
}
