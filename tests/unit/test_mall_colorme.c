/* Tests of the カラーミーショップ adapter against tests/sim/colorme_sim.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <time.h>
#include "mall/mall.h"
#include "malltest.h"

#define TOKEN "{\"access_token\":\"zaiko-demo-colorme-token\"}"
#define GRANT "{\"access_token\":\"zaiko-demo-colorme-token\",\"client_id\":\"zaiko-demo-colorme\"," \
              "\"client_secret\":\"zaiko-demo-colorme-secret\"," \
              "\"refresh_token\":\"zaiko-demo-colorme-refresh\"}"

static void shop_open(shop_fixture *f, const char *creds, const char *opts)
{
	fixture_open(f, 6, "カラーミーテスト", creds ? creds : TOKEN, opts ? opts : "{}", 5000);
}

static int setup(void **state)
{
	sim_reset();
	control("items", "{\"items\":[{\"code\":\"101\",\"stock\":5},"
	                 "{\"code\":\"202\",\"sub\":\"赤|M\",\"stock\":2},"
	                 "{\"code\":\"202\",\"sub\":\"赤|L\",\"stock\":3},"
	                 "{\"code\":\"303\",\"sub\":\"青\",\"stock\":4}]}");
	return 0;
}

static int group_setup(void **state)
{
	return sim_group_start("colorme");
}

static void test_push_product_and_options(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, NULL);
	mall_push_item items[7] = {
		{.listing_id = 1, .item_code = "101", .sub_code = "", .wanted = 7},
		{.listing_id = 2, .item_code = "202", .sub_code = "赤|L", .wanted = 9},
		{.listing_id = 3, .item_code = "202", .sub_code = "赤|M", .wanted = 1},
		{.listing_id = 4, .item_code = "303", .sub_code = "青", .wanted = -2},
		{.listing_id = 5, .item_code = "P-1", .sub_code = "", .wanted = 1},
		{.listing_id = 6, .item_code = "404", .sub_code = "", .wanted = 1},
		{.listing_id = 7, .item_code = "303", .sub_code = "", .wanted = 6},
	};
	assert_int_equal(A->push(&f.shop, items, 7, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_OK);
	assert_int_equal(items[2].status.outcome, MALL_OK);
	assert_int_equal(items[3].status.outcome, MALL_OK);
	assert_int_equal(items[4].status.outcome, MALL_ITEM);  /* not a product id */
	assert_int_equal(items[5].status.outcome, MALL_ITEM);  /* 404100 */
	assert_non_null(strstr(items[5].status.message, "404100"));
	/* The product's own stock of a product kept per option is ignored by カラーミー: the
	 * reply shows it, and the listing is told to link per option. */
	assert_int_equal(items[6].status.outcome, MALL_ITEM);
	assert_non_null(strstr(items[6].status.message, "オプションごと"));
	assert_int_equal(sim_stock("101", ""), 7);
	assert_int_equal(sim_stock("202", "赤|L"), 9);
	assert_int_equal(sim_stock("202", "赤|M"), 1);
	assert_int_equal(sim_stock("303", "青"), 0);
	/* Both options of product 202 went in one call. */
	assert_int_equal(sim_calls("/v1/products/202.json"), 1);
	/* An option that does not exist is refused for that row only. */
	mall_push_item bad[2] = {{.listing_id = 1, .item_code = "202", .sub_code = "緑|M", .wanted = 1},
	                         {.listing_id = 2, .item_code = "101", .sub_code = "", .wanted = 2}};
	assert_int_equal(A->push(&f.shop, bad, 2, &st), MALL_OK);
	assert_int_equal(bad[0].status.outcome, MALL_ITEM);
	assert_int_equal(bad[1].status.outcome, MALL_OK);
	assert_int_equal(sim_stock("101", ""), 2);
	shop_free(A, &f.shop);
}

static void test_read_stock(void **state)
{
	shop_fixture f;
	mall_status st;
	shop_open(&f, NULL, NULL);
	mall_stock_item items[4] = {{.listing_id = 1, .item_code = "101", .sub_code = ""},
	                            {.listing_id = 2, .item_code = "202", .sub_code = "赤|M"},
	                            {.listing_id = 3, .item_code = "303", .sub_code = "青"},
	                            {.listing_id = 4, .item_code = "909", .sub_code = ""}};
	assert_int_equal(A->read_stock(&f.shop, items, 4, &st), MALL_OK);
	assert_true(items[0].found);
	assert_int_equal(items[0].stock, 5);
	assert_int_equal(items[1].stock, 2);
	assert_int_equal(items[2].stock, 4);
	assert_false(items[3].found);
	assert_int_equal(sim_calls("/v1/products.json"), 1);
	shop_free(A, &f.shop);
}

static void test_sales_and_cancellation(void **state)
{
	shop_fixture f;
	mall_status st;
	orders_seen seen = {0};
	time_t t0 = time(NULL) - 2;
	cJSON *o1 = control_json("order", "{\"lines\":[{\"code\":\"101\",\"qty\":2},"
	                                  "{\"code\":\"202\",\"sub\":\"赤|M\",\"qty\":1}]}");
	char no[32];
	snprintf(no, sizeof(no), "%s", cJSON_GetObjectItem(o1, "order_no")->valuestring);
	cJSON_Delete(o1);
	sleep(1);
	control("order", "{\"lines\":[{\"code\":\"303\",\"sub\":\"青\",\"qty\":1}]}");
	shop_open(&f, NULL, "{\"sales_page_size\":1}");
	assert_int_equal(A->fetch_orders(&f.shop, t0, time(NULL) + 1, collect_orders, &seen, &st), MALL_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.order_no[0], no);
	assert_int_equal(seen.nlines[0], 2);
	assert_string_equal(seen.lines[0][0].item_code, "101");
	assert_string_equal(seen.lines[0][0].sub_code, "");
	assert_int_equal(seen.lines[0][0].quantity, 2);
	assert_string_equal(seen.lines[0][1].sub_code, "赤|M");
	assert_string_equal(seen.lines[1][0].sub_code, "青");
	assert_false(seen.cancelled[0]);
	sleep(1);
	time_t t1 = time(NULL);
	memset(&seen, 0, sizeof(seen));
	char body[96];
	snprintf(body, sizeof(body), "{\"order_no\":\"%s\"}", no);
	control("cancel", body);
	/* Sales without details are read one by one. */
	control("colorme", "{\"omit_details\":true}");
	assert_int_equal(A->fetch_orders(&f.shop, t1, time(NULL) + 1, collect_orders, &seen, &st), MALL_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.order_no[0], no);
	assert_true(seen.cancelled[0]);
	assert_true(seen.lines[0][0].cancelled);
	assert_int_equal(seen.nlines[0], 2);
	char path[64];
	snprintf(path, sizeof(path), "/v1/sales/%s.json", no);
	assert_int_equal(sim_calls(path), 1);
	shop_free(A, &f.shop);
}

static void test_revoked_token(void **state)
{
	shop_fixture f;
	mall_status st;
	mall_push_item it = {.listing_id = 1, .item_code = "101", .sub_code = "", .wanted = 3};
	/* A token alone: a 401 stops the shop. */
	control("colorme", "{\"revoke\":true}");
	shop_open(&f, NULL, NULL);
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_AUTH);
	assert_int_equal(it.status.outcome, MALL_AUTH);
	assert_int_equal(sim_stock("101", ""), 5);
	shop_free(A, &f.shop);
	/* With a refresh token the shop renews it once and goes on. */
	shop_open(&f, GRANT, NULL);
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_OK);
	assert_int_equal(it.status.outcome, MALL_OK);
	assert_true(f.shop.credentials_changed);
	assert_int_equal(sim_stock("101", ""), 3);
	control("colorme", "{\"revoke\":true,\"refresh_ok\":false}");
	assert_int_equal(A->push(&f.shop, &it, 1, &st), MALL_AUTH);
	shop_free(A, &f.shop);
}

static void test_faults(void **state)
{
	shop_fixture f;
	shop_open(&f, NULL, NULL);
	mall_push_item it = {.listing_id = 1, .item_code = "101", .sub_code = "", .wanted = 6};
	check_common_faults(&f, &it, "/v1/products/", "/v1/sales.json");
	shop_free(A, &f.shop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_push_product_and_options, setup),
		cmocka_unit_test_setup(test_read_stock, setup),
		cmocka_unit_test_setup(test_sales_and_cancellation, setup),
		cmocka_unit_test_setup(test_revoked_token, setup),
		cmocka_unit_test_setup(test_faults, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, sim_group_stop);
}
