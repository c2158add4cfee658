/* Unit tests of csv/mallcsv for BASE's item CSV (row per variation). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "csv/mallcsv.h"
#include "csvtest.h"

#define HEADER "商品ID,商品名,種類ID,種類名,説明,価格,税率,在庫数,公開状態,表示順,種類在庫数," \
               "画像1,画像2,商品コード,種類コード,JAN/GTIN\r\n"

static void test_items_and_variations(void **state)
{
	(void)state;
	mallcsv_result res;
	const char *in = HEADER
		"1001,綿Tシャツ,2001,白 / S,\"説明,改行\n付き\",2980,1,9,1,1,4,https://img/1.jpg,,TEE,TEE-WH-S,4900000000011\r\n"
		"1001,,2002,黒 / S,,2980,1,9,1,1,5,,,TEE,TEE-BK-S,\r\n"
		"1002,マグカップ,,,,1200,1,7,1,2,,https://img/2.jpg,,MUG-1,,4900000000028\r\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_BASE_ITEMS);
	assert_string_equal(mallcsv_kind_mall(res.kind), "base");
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 3);
	const mallcsv_listing *l = &res.v[0];
	assert_string_equal(l->item_code, "1001");
	assert_string_equal(l->sub_code, "2001");
	assert_string_equal(l->sku_code, "TEE-WH-S");
	assert_string_equal(l->name, "綿Tシャツ");
	assert_string_equal(l->options, "白 / S");
	assert_true(l->has_stock);
	assert_int_equal(l->stock, 4);               /* 種類在庫数, not the item's 在庫数 */
	assert_int_equal(l->price, 2980);
	assert_string_equal(l->jan, "4900000000011");
	assert_string_equal(l->image_url, "https://img/1.jpg");
	l = &res.v[1];
	assert_string_equal(l->sub_code, "2002");
	assert_string_equal(l->name, "綿Tシャツ");   /* blank: the item's earlier row */
	assert_int_equal(l->stock, 5);
	l = &res.v[2];
	assert_string_equal(l->item_code, "1002");
	assert_string_equal(l->sub_code, "");
	assert_string_equal(l->sku_code, "MUG-1");
	assert_int_equal(l->stock, 7);
	mallcsv_result_free(&res);
}

static void test_item_row_of_a_variation_item_is_skipped(void **state)
{
	(void)state;
	mallcsv_result res;
	const char *in = HEADER
		"1001,綿Tシャツ,,,,2980,1,9,1,1,,,,TEE,,\r\n"
		"1001,綿Tシャツ,2001,白,,2980,1,9,1,1,4,,,TEE,TEE-WH,\r\n"
		"1001,綿Tシャツ,2002,黒,,2980,1,9,1,1,5,,,TEE,TEE-BK,\r\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.skipped, 1);
	assert_string_equal(res.v[0].sub_code, "2001");
	assert_string_equal(res.v[1].sub_code, "2002");
	mallcsv_result_free(&res);
}

static void test_bad_rows(void **state)
{
	(void)state;
	mallcsv_result res;
	const char *in = HEADER
		",名無し,,,,100,1,1,1,1,,,,X,,\r\n"
		"1003,在庫が変,,,,100,1,たくさん,1,1,,,,Y,,\r\n"
		"1004,価格が変,,,,-1,1,1,1,1,,,,Z,,\r\n"
		"1005,二重,2001,白,,100,1,1,1,1,1,,,W,W1,\r\n"
		"1005,二重,2001,白,,100,1,1,1,1,1,,,W,W1,\r\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.errors.n, 4);
	assert_non_null(strstr(res.errors.v[0].message, "商品ID"));
	assert_non_null(strstr(res.errors.v[1].message, "在庫数"));
	assert_non_null(strstr(res.errors.v[2].message, "価格"));
	assert_non_null(strstr(res.errors.v[3].message, "重複"));
	mallcsv_result_free(&res);
	/* Asked for as another mall's file, it is refused by name. */
	assert_int_equal(mallcsv_parse(HEADER, strlen(HEADER), CSV_ENC__MAX,
	                               MALLCSV_SHOPIFY_PRODUCTS, NULL, &res), Z_INVALID);
	assert_non_null(strstr(res.errors.v[0].message, "BASE"));
	mallcsv_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items_and_variations),
		cmocka_unit_test(test_item_row_of_a_variation_item_is_skipped),
		cmocka_unit_test(test_bad_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
