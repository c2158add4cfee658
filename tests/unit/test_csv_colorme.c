/* Unit tests of csv/mallcsv for カラーミーショップ's 商品データ and 商品オプションデータ downloads,
 * alone and read together. The fixtures follow the documented layout (sources at the top of
 * the カラーミーショップ section of cgi-bin/csv/mallcsv.c): CP932, every cell quoted, CRLF, the
 * 60-column product header, a description of several lines with quotes and commas, and the
 * option file's name/item rows with full-width digits in two column names. */
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

static const mallcsv_listing *find(const mallcsv_result *res, const char *item, const char *sub)
{
	for (size_t i = 0; i < res->n; i++)
		if (!strcmp(res->v[i].item_code, item) && !strcmp(res->v[i].sub_code, sub))
			return &res->v[i];
	return NULL;
}

static void test_products(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("colorme_products.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_COLORME_PRODUCTS);
	assert_string_equal(mallcsv_kind_mall(res.kind), "colorme");
	assert_int_equal(res.encoding, CSV_ENC_CP932);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 4);
	const mallcsv_listing *l = &res.v[0];
	assert_string_equal(l->item_code, "41000001");
	assert_string_equal(l->sub_code, "");
	assert_string_equal(l->sku_code, "SHIRT");
	assert_string_equal(l->name, "麻のシャツ");
	assert_string_equal(l->image_url, "https://img.shop-pro.jp/p/41000001.jpg");
	assert_true(l->has_price);
	assert_int_equal(l->price, 4800);
	assert_true(l->has_stock);
	assert_int_equal(l->stock, 7);
	assert_int_equal(l->line, 2);
	/* The long descriptions stay out of extra; the other columns are kept. */
	cJSON *extra = cJSON_Parse(l->extra);
	assert_non_null(extra);
	assert_null(cJSON_GetObjectItem(extra, "商品説明"));
	assert_null(cJSON_GetObjectItem(extra, "簡易説明"));
	assert_string_equal(cJSON_GetObjectItem(extra, "大カテゴリー")->valuestring, "衣類");
	cJSON_Delete(extra);
	l = &res.v[1];
	assert_string_equal(l->jan, "4900000000011");
	assert_int_equal(l->stock, 12);
	assert_int_equal(l->line, 6); /* the description of the first product spans 4 lines */
	l = &res.v[2];
	assert_string_equal(l->sku_code, "");   /* no 型番: a listing without a SKU code */
	assert_false(l->has_stock);             /* 在庫管理しない */
	mallcsv_result_free(&res);
}

static void test_options(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("colorme_options.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_COLORME_OPTIONS);
	assert_int_equal(res.encoding, CSV_ENC_CP932);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 5);
	assert_int_equal(res.skipped, 2); /* the two 「name」 rows */
	const mallcsv_listing *l = &res.v[0];
	assert_string_equal(l->item_code, "41000001");
	assert_string_equal(l->sub_code, "白|S");
	assert_string_equal(l->options, "カラー:白 / サイズ:S");
	assert_string_equal(l->sku_code, "SHIRT-WH-S");
	assert_string_equal(l->name, "");
	assert_true(l->has_stock);
	assert_int_equal(l->stock, 3);
	assert_int_equal(l->price, 4800);
	assert_int_equal(l->line, 3);
	l = find(&res, "41000001", "紺|M");
	assert_non_null(l);
	assert_int_equal(l->stock, 0);
	assert_int_equal(l->price, 5200);
	l = find(&res, "41000004", "１年生");
	assert_non_null(l);
	assert_string_equal(l->options, "学年:１年生");
	l = find(&res, "41000004", "２年生");
	assert_non_null(l);
	assert_false(l->has_price); /* blank: the product's price */
	assert_int_equal(l->stock, 2);
	mallcsv_result_free(&res);
}

static void test_pair(void **state)
{
	(void)state;
	size_t plen, olen;
	char *prod = slurp("colorme_products.csv", &plen);
	char *opt = slurp("colorme_options.csv", &olen);
	mallcsv_result res;
	/* Either order. */
	assert_int_equal(mallcsv_parse_pair(opt, olen, prod, plen, NULL, &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_COLORME_PAIR);
	assert_string_equal(mallcsv_kind_mall(res.kind), "colorme");
	assert_int_equal(res.errors.n, 0);
	/* The products without options, then every option; the products with options are not
	 * SKUs (their 在庫数 is the options' sum). */
	assert_int_equal(res.n, 7);
	assert_int_equal(res.skipped, 4);
	assert_null(find(&res, "41000001", ""));
	assert_null(find(&res, "41000004", ""));
	assert_non_null(find(&res, "41000002", ""));
	assert_non_null(find(&res, "41000003", ""));
	const mallcsv_listing *l = find(&res, "41000001", "白|M");
	assert_non_null(l);
	assert_string_equal(l->name, "麻のシャツ");
	assert_string_equal(l->image_url, "https://img.shop-pro.jp/p/41000001.jpg");
	assert_string_equal(l->sku_code, "SHIRT-WH-M");
	assert_true(l->has_stock);
	assert_int_equal(l->stock, 4);
	l = find(&res, "41000004", "１年生");
	assert_non_null(l);
	assert_string_equal(l->name, "問題集");
	assert_false(l->has_stock); /* the product is 在庫管理しない */
	mallcsv_result_free(&res);
	/* A カラーミー file beside another mall's is refused, naming both. */
	const char *yahoo = "code,sub-code,quantity\r\nA,,1\r\n";
	assert_int_equal(mallcsv_parse_pair(prod, plen, yahoo, strlen(yahoo), NULL, &res),
			Z_INVALID);
	assert_int_equal(res.n, 0);
	assert_non_null(strstr(res.errors.v[0].message, "カラーミーショップ 商品データ"));
	assert_non_null(strstr(res.errors.v[0].message, "Yahoo!ショッピング"));
	mallcsv_result_free(&res);
	/* Two product files are no pair either. */
	assert_int_equal(mallcsv_parse_pair(prod, plen, prod, plen, NULL, &res), Z_INVALID);
	mallcsv_result_free(&res);
	free(prod);
	free(opt);
}

static void test_bad_rows(void **state)
{
	(void)state;
	mallcsv_result res;
	/* The manual's upload spelling (half-width digits) is read too. */
	const char *in =
		"商品ID,登録種別,オプション名1,オプション名2,オプションID,型番,在庫数,適正在庫数,販売価格,会員価格\r\n"
		"100,name,色,,,,,,,\r\n"
		"100,item,赤,,1,R,2,,,\r\n"
		"100,item,,,2,X,1,,,\r\n"
		"100,itme,青,,3,B,1,,,\r\n"
		"100,item,緑,,4,G,たくさん,,,\r\n"
		"100,item,黄,,5,Y,1,,-5,\r\n"
		",item,紫,,6,P,1,,,\r\n"
		"100,item,赤,,7,R2,1,,,\r\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_COLORME_OPTIONS);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.v[0].options, "色:赤");
	assert_int_equal(res.errors.n, 6);
	assert_string_equal(res.errors.v[0].message, "4行目: オプション名1が空です");
	assert_non_null(strstr(res.errors.v[1].message, "5行目: 登録種別が正しくありません（name または item）（itme）"));
	assert_non_null(strstr(res.errors.v[2].message, "6行目: 在庫数が数値ではありません"));
	assert_non_null(strstr(res.errors.v[3].message, "7行目: 販売価格が0以上の整数ではありません"));
	assert_string_equal(res.errors.v[4].message, "8行目: 商品IDが空です");
	assert_non_null(strstr(res.errors.v[5].message, "重複"));
	mallcsv_result_free(&res);
	/* Products: a blank 商品ID and a price that is not a number name their lines. */
	in = "商品ID,型番,商品名,販売価格,在庫数,在庫管理\r\n"
	     ",A,名無し,100,1,在庫管理する\r\n"
	     "200,B,値段が変,千円,1,在庫管理する\r\n"
	     "201,C,よい商品,100,5,在庫管理する\r\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_COLORME_PRODUCTS);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.errors.n, 2);
	assert_string_equal(res.errors.v[0].message, "2行目: 商品IDが空です");
	assert_non_null(strstr(res.errors.v[1].message, "3行目: 販売価格が0以上の整数ではありません"));
	mallcsv_result_free(&res);
	/* Asked for as another mall's file, it is refused by name. */
	assert_int_equal(mallcsv_parse(in, strlen(in), CSV_ENC__MAX, MALLCSV_BASE_ITEMS, NULL, &res),
			Z_INVALID);
	assert_non_null(strstr(res.errors.v[0].message, "カラーミーショップ"));
	mallcsv_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_products),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_bad_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
