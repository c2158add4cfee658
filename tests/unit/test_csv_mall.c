/* Unit tests of csv/mallcsv: every mall file kind from a sample file, and hostile rows. */
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

/* The value of key in a listing's extra JSON ("" when absent). */
static void assert_extra(const mallcsv_listing *l, const char *key, const char *want)
{
	cJSON *o = cJSON_Parse(l->extra);
	assert_non_null(o);
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	assert_non_null(v);
	assert_string_equal(cJSON_GetStringValue(v), want);
	cJSON_Delete(o);
}

static void assert_no_extra(const mallcsv_listing *l, const char *key)
{
	cJSON *o = cJSON_Parse(l->extra);
	assert_non_null(o);
	assert_null(cJSON_GetObjectItemCaseSensitive(o, key));
	cJSON_Delete(o);
}

static void test_yahoo_data(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("yahoo_data.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_YAHOO_DATA);
	assert_int_equal(res.encoding, CSV_ENC_CP932);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 4);
	const mallcsv_listing *l = &res.v[0];
	assert_string_equal(l->item_code, "tee-001");
	assert_string_equal(l->sub_code, "tee-001-wh-s");
	assert_string_equal(l->sku_code, "tee-001-wh-s");
	assert_string_equal(l->name, "綿Tシャツ ①");
	assert_string_equal(l->options, "カラー:白 / サイズ:S");
	assert_true(l->has_price);
	assert_int_equal(l->price, 2980);
	assert_false(l->has_stock);
	assert_int_equal(l->line, 2);
	/* The multi-line options and explanation cells stay in extra, line breaks and all. */
	assert_extra(l, "options", "カラー 白 黒\r\n\r\nサイズ S M");
	assert_extra(l, "path", "レディース:トップス");
	assert_no_extra(l, "code");
	assert_string_equal(res.v[2].options, "カラー:黒 / サイズ:S");
	assert_string_equal(res.v[2].sub_code, "tee-001-bk-s");
	l = &res.v[3];
	assert_string_equal(l->item_code, "mug-010");
	assert_string_equal(l->sub_code, "");
	assert_string_equal(l->sku_code, "mug-010");
	assert_string_equal(l->name, "マグカップ ㈱髙橋製陶");
	assert_string_equal(l->jan, "4901234567894");
	assert_int_equal(l->price, 1200);
	/* The first product row starts on line 2 and its quoted cells span to line 5. */
	assert_int_equal(l->line, 6);
	assert_extra(l, "sale-price", "990");
	mallcsv_result_free(&res);
}

static void test_yahoo_subcode_grammar(void **state)
{
	(void)state;
	mallcsv_result res;
	/* A #postage_set suffix after the code is cut; an entry without '=' is a row error. */
	const char *in = "code,sub-code,name,price\n"
			"a,色:赤=a-r#postage_set:1&色:青=a-b,A,100\n"
			"b,色:赤,B,100\n"
			"c,色:赤=,C,x\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.n, 2);
	assert_string_equal(res.v[0].sub_code, "a-r");
	assert_string_equal(res.v[1].sub_code, "a-b");
	assert_string_equal(res.v[1].options, "色:青");
	assert_int_equal(res.errors.n, 2);
	assert_string_equal(res.errors.v[0].message, "3行目: sub-code の形式が正しくありません");
	assert_int_equal(res.errors.v[1].line, 4);
	mallcsv_result_free(&res);
}

static void test_yahoo_quantity(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("yahoo_quantity.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_YAHOO_QUANTITY);
	assert_int_equal(res.errors.n, 0);
	/* The blank-sub-code parent row of tee-001 is not a SKU. */
	assert_int_equal(res.n, 4);
	assert_int_equal(res.skipped, 1);
	assert_string_equal(res.v[0].sku_code, "tee-001-wh-s");
	assert_int_equal(res.v[0].stock, 5);
	assert_true(res.v[1].has_stock);
	assert_int_equal(res.v[1].stock, -1);
	assert_extra(&res.v[1], "allow-overdraft", "1");
	assert_string_equal(res.v[3].item_code, "mug-010");
	assert_string_equal(res.v[3].sku_code, "mug-010");
	assert_int_equal(res.v[3].stock, 12);
	assert_string_equal(res.v[3].name, "マグカップ ㈱髙橋製陶");
	mallcsv_result_free(&res);
}

static void test_yahoo_quantity_errors(void **state)
{
	(void)state;
	mallcsv_result res;
	const char *in = "code,sub-code,quantity,mode\n"
			"a,a1,5,\n"
			"a,a2,五,\n"
			"a,a1,3,\n"
			",a3,1,\n"
			"b,,1e3,\n"
			"c,,9999999999,\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.errors.n, 5);
	/* Errors come in line order, the duplicate check's included. */
	assert_string_equal(res.errors.v[0].message,
			"3行目: quantity（在庫数）が数値ではありません（五）");
	assert_string_equal(res.errors.v[1].message,
			"4行目: 商品コード a / 子番号 a1 が2行目と重複しています");
	assert_string_equal(res.errors.v[2].message, "5行目: codeが空です");
	assert_int_equal(res.errors.v[3].line, 6);
	assert_int_equal(res.errors.v[4].line, 7);
	mallcsv_result_free(&res);
	/* Three of a kind: both later rows are errors naming the first; one listing stays. */
	const char *three = "code,sub-code,quantity\nx,s,1\ny,,2\nx,s,3\nx,s,4\n";
	assert_int_equal(parse_text(three, &res), Z_OK);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.v[0].stock, 1);
	assert_int_equal(res.errors.n, 2);
	assert_string_equal(res.errors.v[0].message,
			"4行目: 商品コード x / 子番号 s が2行目と重複しています");
	assert_string_equal(res.errors.v[1].message,
			"5行目: 商品コード x / 子番号 s が2行目と重複しています");
	mallcsv_result_free(&res);
}

static void test_rakuten_item(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("rakuten_item.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_RAKUTEN_ITEM);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.skipped, 1); /* tee-001 has 在庫タイプ 2 */
	const mallcsv_listing *l = &res.v[0];
	assert_string_equal(l->item_code, "mug-010");
	assert_string_equal(l->sku_code, "MUG-010");
	assert_string_equal(l->name, "マグカップ ㈱髙橋製陶 ～限定～");
	assert_string_equal(l->image_url, "https://image.rakuten.co.jp/shop/cabinet/mug1.jpg");
	assert_int_equal(l->price, 1200);
	assert_int_equal(l->stock, 12);
	assert_extra(l, "PC用商品説明文", "<b>電子レンジ対応</b>\r\n食洗機OK");
	assert_extra(l, "在庫数表示", "0");
	/* 商品番号 blank: the SKU code falls back to 商品管理番号. */
	assert_string_equal(res.v[1].sku_code, "towel-3");
	assert_int_equal(res.v[1].stock, 7);
	assert_int_equal(res.v[1].line, 5);
	mallcsv_result_free(&res);
}

static void test_rakuten_select(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("rakuten_select.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_RAKUTEN_SELECT);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 3);
	assert_int_equal(res.skipped, 1);
	assert_string_equal(res.v[0].sub_code, "-wh-s");
	assert_string_equal(res.v[0].sku_code, "tee-001-wh-s");
	assert_string_equal(res.v[0].options, "白 / S");
	assert_int_equal(res.v[0].stock, 5);
	/* ="-bk" and =-s lose their Excel guards. */
	assert_string_equal(res.v[2].sub_code, "-bk-s");
	assert_int_equal(res.v[2].stock, 2);
	mallcsv_result_free(&res);
}

static void test_rakuten_normal_item(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("rakuten_normal_item.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_RAKUTEN_NORMAL);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 3);
	assert_int_equal(res.skipped, 2); /* tee-001's product row and option row */
	const mallcsv_listing *l = &res.v[0];
	assert_string_equal(l->item_code, "tee-001");
	assert_string_equal(l->sub_code, "sku-wh-s");
	assert_string_equal(l->sku_code, "TEE-001-WH-S");
	assert_string_equal(l->name, "綿Tシャツ ①");
	assert_string_equal(l->options, "カラー:白 / サイズ:S");
	assert_string_equal(l->jan, "4900000000011");
	assert_string_equal(l->image_url, "/tee/tee-001.jpg");
	assert_int_equal(l->price, 2980);
	assert_int_equal(l->stock, 5);
	assert_int_equal(l->line, 5); /* product row's description spans lines 2-3 */
	assert_string_equal(res.v[1].options, "カラー:黒 / サイズ:M");
	assert_int_equal(res.v[1].stock, 0);
	assert_true(res.v[1].has_stock);
	/* A single item: normal-inventory SKU, blank システム連携用SKU番号 → 商品番号. */
	l = &res.v[2];
	assert_string_equal(l->sub_code, "normal-inventory");
	assert_string_equal(l->sku_code, "MUG-010");
	assert_string_equal(l->name, "マグカップ ㈱髙橋製陶");
	assert_extra(l, "カタログID", "4901234567894");
	mallcsv_result_free(&res);
}

static void test_rakuten_normal_out_of_order(void **state)
{
	(void)state;
	mallcsv_result res;
	/* SKU rows before their product row still get its name; 通常購入販売価格 is accepted. */
	const char *in = "商品管理番号(商品URL),商品番号,商品名,SKU管理番号,システム連携用SKU番号,通常購入販売価格,在庫数\n"
			"x,,,s1,,500,1\n"
			"x,,,s2,,500,abc\n"
			"x,,,s3,,500,2\n"
			"x,X-1,商品X,,,,\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.n, 2);
	assert_string_equal(res.v[0].name, "商品X");
	assert_int_equal(res.v[0].price, 500);
	/* Several SKUs and no システム連携用SKU番号: each falls back to its SKU管理番号. */
	assert_string_equal(res.v[0].sku_code, "s1");
	assert_string_equal(res.v[1].sku_code, "s3");
	assert_int_equal(res.errors.n, 1);
	assert_string_equal(res.errors.v[0].message, "3行目: 在庫数が数値ではありません（abc）");
	mallcsv_result_free(&res);
}

static void test_amazon_jp(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("amazon_listings_jp.txt", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_AMAZON_LISTINGS);
	assert_int_equal(res.encoding, CSV_ENC_CP932);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 2);
	assert_string_equal(res.v[0].sku_code, "TEE-001-WH-S");
	assert_string_equal(res.v[0].item_code, "TEE-001-WH-S");
	assert_string_equal(res.v[0].name, "綿Tシャツ 白 S");
	assert_int_equal(res.v[0].stock, 5);
	assert_int_equal(res.v[0].price, 1 * 2980);
	assert_extra(&res.v[0], "商品ID", "B0TEST0001");
	/* FBA row: blank 数量 means zaiko has no stock to push there. */
	assert_false(res.v[1].has_stock);
	assert_extra(&res.v[1], "フルフィルメント・チャンネル", "AMAZON_JP");
	mallcsv_result_free(&res);
}

static void test_amazon_en(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("amazon_listings_en.txt", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_AMAZON_LISTINGS);
	assert_int_equal(res.encoding, CSV_ENC_UTF8);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.v[0].sku_code, "TEE-001-WH-S");
	assert_string_equal(res.v[0].image_url, "https://m.media-amazon.com/tee.jpg");
	assert_extra(&res.v[0], "asin1", "B0TEST0001");
	mallcsv_result_free(&res);
}

static void test_amazon_template(void **state)
{
	(void)state;
	mallcsv_result res;
	const char *in = "TemplateType=fptcustom\tVersion=2021.1\t注意\n"
			"商品管理番号\t商品名\t在庫数\n"
			"sku\ttitle\tquantity\n"
			"A-1\tテスト\t4\n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_AMAZON_LISTINGS);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.v[0].name, "テスト");
	assert_int_equal(res.v[0].stock, 4);
	assert_int_equal(res.v[0].line, 4);
	mallcsv_result_free(&res);
}

static void test_shopify_products(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("shopify_products.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_SHOPIFY_PRODUCTS);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 3);
	assert_int_equal(res.skipped, 1); /* the image-only row */
	const mallcsv_listing *l = &res.v[0];
	assert_string_equal(l->item_code, "tee-001");
	assert_string_equal(l->sub_code, "白 / S");
	assert_string_equal(l->sku_code, "TEE-001-WH-S");
	assert_string_equal(l->options, "カラー:白 / サイズ:S");
	assert_string_equal(l->jan, "4900000000011");
	assert_int_equal(l->price, 2980);
	assert_int_equal(l->stock, 5);
	assert_extra(l, "Vendor", "髙橋衣料");
	/* A continuation row inherits title and option names from the product's first row. */
	l = &res.v[1];
	assert_string_equal(l->name, "綿Tシャツ");
	assert_string_equal(l->options, "カラー:黒 / サイズ:S");
	assert_string_equal(l->image_url, "https://cdn.example/tee-bk.jpg");
	assert_int_equal(l->line, 4);
	/* Default Title is no variation. */
	l = &res.v[2];
	assert_string_equal(l->sub_code, "");
	assert_string_equal(l->options, "");
	assert_string_equal(l->sku_code, "MUG-010");
	mallcsv_result_free(&res);
}

static void test_shopify_products_current(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("shopify_products_current.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_SHOPIFY_PRODUCTS);
	assert_int_equal(res.encoding, CSV_ENC_UTF8_BOM);
	assert_int_equal(res.n, 2);
	assert_string_equal(res.v[0].item_code, "tee-001");
	assert_string_equal(res.v[1].sku_code, "TEE-001-BK");
	assert_string_equal(res.v[1].options, "カラー:黒");
	assert_int_equal(res.v[1].stock, -2);
	assert_string_equal(res.v[1].image_url, "https://cdn.example/tee.jpg");
	mallcsv_result_free(&res);
}

/* A column's gloss follows the message's language: zaiko's Japanese gloss on a Japanese page
 * as before; an English page names the column by its English header alone. */
static void test_column_glosses_in_english(void **state)
{
	(void)state;
	static const struct {
		const char *in, *ja, *en;
	} cases[] = {
		{"code,sub-code,quantity\na,a1,五\n",
		 "2行目: quantity（在庫数）が数値ではありません（五）",
		 "Line 2: quantity is not a number (五)"},
		{"code,name,price,sub-code\na,A,x,\n",
		 "2行目: price（価格）が0以上の整数ではありません（x）",
		 "Line 2: price is not a whole number of 0 or more (x)"},
		{"seller-sku\tprice\tquantity\nA1\t100\tmany\n",
		 "2行目: 数量（quantity）が数値ではありません（many）",
		 "Line 2: quantity is not a number (many)"},
		{"Handle,Title,Variant SKU,Variant Inventory Qty,Variant Price\nh,T,S1,x,1\n",
		 "2行目: Variant Inventory Qty（在庫数）が数値ではありません（x）",
		 "Line 2: Variant Inventory Qty is not a number (x)"},
		{"Handle,Title,SKU,COO,倉庫A\nh,T,S1,,x\n",
		 "2行目: Available（在庫数）が数値ではありません（x）",
		 "Line 2: Available is not a number (x)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mallcsv_result res;
		csv_limits en = {.lang = "en"};
		assert_int_equal(parse_text(cases[i].in, &res), Z_OK);
		assert_int_equal(res.errors.n, 1);
		assert_string_equal(res.errors.v[0].message, cases[i].ja);
		mallcsv_result_free(&res);
		assert_int_equal(mallcsv_parse(cases[i].in, strlen(cases[i].in), CSV_ENC__MAX,
				MALLCSV_UNKNOWN, &en, &res), Z_OK);
		assert_int_equal(res.errors.n, 1);
		assert_string_equal(res.errors.v[0].message, cases[i].en);
		mallcsv_result_free(&res);
	}
}

static void test_shopify_inventory(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("shopify_inventory.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_SHOPIFY_INVENTORY);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 2);
	/* Two locations of one variant add up. */
	assert_string_equal(res.v[0].sku_code, "TEE-001-WH");
	assert_int_equal(res.v[0].stock, 8);
	cJSON *o = cJSON_Parse(res.v[0].extra);
	cJSON *locs = cJSON_GetObjectItemCaseSensitive(o, "locations");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(locs, "本社倉庫")), "5");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(locs, "大阪倉庫")), "3");
	cJSON_Delete(o);
	assert_false(res.v[1].has_stock); /* not stocked */
	mallcsv_result_free(&res);

	assert_int_equal(parse_file("shopify_inventory_old.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_SHOPIFY_INVENTORY);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.v[0].stock, 8);
	assert_int_equal(res.v[1].stock, 4);
	assert_true(res.v[1].has_stock);
	mallcsv_result_free(&res);

	/* Every location column counts, however many the shop has. */
	buf in = BUF_INIT;
	buf_puts(&in, "Handle,Title,SKU,COO");
	for (int i = 1; i <= 100; i++)
		buf_printf(&in, ",倉庫%d", i);
	buf_puts(&in, "\ntee-001,綿Tシャツ,TEE-001,");
	for (int i = 1; i <= 100; i++)
		buf_puts(&in, ",1");
	buf_puts(&in, "\n");
	assert_int_equal(parse_text(buf_str(&in), &res), Z_OK);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.v[0].stock, 100);
	o = cJSON_Parse(res.v[0].extra);
	locs = cJSON_GetObjectItemCaseSensitive(o, "locations");
	assert_int_equal(cJSON_GetArraySize(locs), 100);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(locs, "倉庫100")), "1");
	cJSON_Delete(o);
	mallcsv_result_free(&res);
	buf_free(&in);
}

static void test_zaiko_format(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_file("zaiko_listings.csv", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_ZAIKO);
	assert_int_equal(res.errors.n, 0);
	assert_int_equal(res.n, 2);
	const mallcsv_listing *l = &res.v[0];
	assert_string_equal(l->sku_code, "TEE-001-WH-S");
	assert_string_equal(l->item_code, "tee-001");
	assert_string_equal(l->sub_code, "wh-s");
	assert_string_equal(l->options, "カラー:白 / サイズ:S");
	assert_string_equal(l->jan, "4900000000011");
	assert_int_equal(l->stock, 5);
	assert_string_equal(l->extra, "{\"メモ\":\"春物\"}");
	l = &res.v[1];
	assert_string_equal(l->item_code, "MUG-010");
	assert_false(l->has_stock);
	assert_true(l->has_price);
	mallcsv_result_free(&res);
}

static void test_zaiko_format_errors(void **state)
{
	(void)state;
	mallcsv_result res;
	const char *in = "sku_code,name,price,stock\n"
			"'-A,\"'=HYPERLINK(\"\"x\"\")\",10,1\n"
			"B,b,-5,1\n"
			"C,c,1.5,1\n"
			",d,1,1\n"
			",,,\n"
			"E,e,, 7 \n";
	assert_int_equal(parse_text(in, &res), Z_OK);
	assert_int_equal(res.n, 2);
	assert_string_equal(res.v[0].sku_code, "-A");
	assert_string_equal(res.v[0].name, "=HYPERLINK(\"x\")");
	assert_int_equal(res.v[1].stock, 7);
	assert_int_equal(res.errors.n, 3);
	assert_string_equal(res.errors.v[0].message, "3行目: 価格が0以上の整数ではありません（-5）");
	assert_int_equal(res.errors.v[1].line, 4);
	assert_string_equal(res.errors.v[2].message, "5行目: SKUコードが空です");
	mallcsv_result_free(&res);
}

/* Listings of any mall exported in zaiko's format read back unchanged (extra aside). */
static void test_zaiko_write_round_trip(void **state)
{
	(void)state;
	mallcsv_result a, b;
	assert_int_equal(parse_file("rakuten_normal_item.csv", &a), Z_OK);
	assert_int_equal(a.n, 3);
	/* Values the formula guard must protect. */
	free(a.v[0].name);
	a.v[0].name = strdup("=HYPERLINK(\"http://x\")");
	free(a.v[1].sku_code);
	a.v[1].sku_code = strdup("-BK-M");
	a.v[1].stock = -3;
	for (int enc = 0; enc < CSV_OUT__MAX; enc++) {
		buf out = BUF_INIT;
		csv_writer w;
		csv_writer_init(&w, &out, (csv_out_encoding)enc);
		assert_int_equal(mallcsv_write_zaiko(&w, a.v, a.n), Z_OK);
		csv_writer_free(&w);
		assert_int_equal(mallcsv_parse(out.data, out.len, CSV_ENC__MAX, MALLCSV_ZAIKO, NULL, &b),
				Z_OK);
		assert_int_equal(b.errors.n, 0);
		assert_int_equal(b.n, a.n);
		for (size_t i = 0; i < a.n; i++) {
			assert_string_equal(b.v[i].sku_code, a.v[i].sku_code);
			assert_string_equal(b.v[i].item_code, a.v[i].item_code);
			assert_string_equal(b.v[i].sub_code, a.v[i].sub_code);
			assert_string_equal(b.v[i].name, a.v[i].name);
			assert_string_equal(b.v[i].options, a.v[i].options);
			assert_string_equal(b.v[i].image_url, a.v[i].image_url);
			assert_string_equal(b.v[i].jan, a.v[i].jan);
			assert_int_equal(b.v[i].has_price, a.v[i].has_price);
			assert_int_equal(b.v[i].price, a.v[i].price);
			assert_int_equal(b.v[i].has_stock, a.v[i].has_stock);
			assert_int_equal(b.v[i].stock, a.v[i].stock);
		}
		mallcsv_result_free(&b);
		buf_free(&out);
	}
	mallcsv_result_free(&a);
}

static void test_file_level_errors(void **state)
{
	(void)state;
	mallcsv_result res;
	assert_int_equal(parse_text("", &res), Z_INVALID);
	assert_string_equal(res.errors.v[0].message, "ファイルが空です");
	mallcsv_result_free(&res);
	assert_int_equal(parse_text("foo,bar\n1,2\n", &res), Z_INVALID);
	assert_non_null(strstr(res.errors.v[0].message, "判別できません"));
	mallcsv_result_free(&res);
	/* Header only: nothing to import, nothing wrong. */
	assert_int_equal(parse_text("code,sub-code,quantity\r\n", &res), Z_OK);
	assert_int_equal(res.kind, MALLCSV_YAHOO_QUANTITY);
	assert_int_equal(res.n, 0);
	assert_int_equal(res.errors.n, 0);
	mallcsv_result_free(&res);
	/* Unterminated quote: the whole file is refused with the line where the quote opened. */
	assert_int_equal(parse_text("code,sub-code,quantity\nx,,1\na,\"b,1\nc,d,2\n", &res),
			Z_INVALID);
	assert_int_equal(res.errors.n, 1);
	assert_int_equal(res.errors.v[0].line, 3);
	assert_non_null(strstr(res.errors.v[0].message, "3行目: 引用符"));
	assert_int_equal(res.n, 0); /* the good row before it is not handed out */
	mallcsv_result_free(&res);
	/* Undecodable CP932 byte: the line is named. */
	const char *bad = "code,sub-code,quantity\r\n\x8D\xDD,,1\r\nx\x81\x7F,,2\r\n";
	assert_int_equal(parse_text(bad, &res), Z_INVALID);
	assert_non_null(strstr(res.errors.v[0].message, "3行目"));
	mallcsv_result_free(&res);
	/* Wrong kind for the shop. */
	size_t len;
	char *data = slurp("yahoo_quantity.csv", &len);
	assert_int_equal(mallcsv_parse(data, len, CSV_ENC__MAX, MALLCSV_SHOPIFY_PRODUCTS, NULL, &res),
			Z_INVALID);
	assert_non_null(strstr(res.errors.v[0].message, "quantity.csv"));
	mallcsv_result_free(&res);
	/* Bounds. */
	csv_limits lim = {.max_rows = 3};
	assert_int_equal(mallcsv_parse(data, len, CSV_ENC__MAX, MALLCSV_UNKNOWN, &lim, &res),
			Z_INVALID);
	assert_int_equal(res.errors.v[0].line, 4);
	mallcsv_result_free(&res);
	lim = (csv_limits){.max_bytes = 100};
	assert_int_equal(mallcsv_parse(data, len, CSV_ENC__MAX, MALLCSV_UNKNOWN, &lim, &res),
			Z_INVALID);
	assert_non_null(strstr(res.errors.v[0].message, "大きすぎます"));
	mallcsv_result_free(&res);
	free(data);
}

static void test_detect_kinds(void **state)
{
	(void)state;
	static const struct {
		const char *header;
		mallcsv_kind kind;
	} cases[] = {
		{"path,name,code,sub-code,price", MALLCSV_YAHOO_DATA},
		{"code,sub-code,quantity,allow-overdraft,stock-close", MALLCSV_YAHOO_QUANTITY},
		{"コントロールカラム,商品管理番号（商品URL）,商品番号,商品名,在庫タイプ,在庫数", MALLCSV_RAKUTEN_ITEM},
		{"商品管理番号,商品名,販売価格,在庫数", MALLCSV_RAKUTEN_ITEM},
		{"項目選択肢用コントロールカラム,商品管理番号（商品URL）,選択肢タイプ,項目選択肢別在庫用横軸選択肢子番号", MALLCSV_RAKUTEN_SELECT},
		{"商品管理番号（商品URL）,商品名,SKU管理番号,在庫数", MALLCSV_RAKUTEN_NORMAL},
		{"item-name\tseller-sku\tquantity", MALLCSV_AMAZON_LISTINGS},
		{"sku\tprice\tquantity\thandling-time", MALLCSV_AMAZON_LISTINGS},
		{"Handle,Title,Variant SKU,Variant Inventory Qty", MALLCSV_SHOPIFY_PRODUCTS},
		{"URL handle,Title,SKU,Inventory quantity", MALLCSV_SHOPIFY_PRODUCTS},
		{"Handle,Title,SKU,COO,Location,Available (not editable)", MALLCSV_SHOPIFY_INVENTORY},
		{"SKUコード,商品名,在庫数", MALLCSV_ZAIKO},
		{"SKUコード,総在庫数", MALLCSV_UNKNOWN},
		{"syohin_code,zaiko_su", MALLCSV_UNKNOWN},
	};
	for (size_t i = 0; i < Z_ARRAY_LEN(cases); i++) {
		csv_reader r;
		csv_header h;
		csv_reader_init(&r, cases[i].header, strlen(cases[i].header), NULL);
		assert_int_equal(csv_next(&r), 1);
		assert_int_equal(csv_header_load(&h, &r), Z_OK);
		if (mallcsv_detect(&h) != cases[i].kind)
			fail_msg("%s: got %s", cases[i].header, mallcsv_kind_name(mallcsv_detect(&h)));
		csv_header_free(&h);
		csv_reader_free(&r);
	}
	assert_string_equal(mallcsv_kind_mall(MALLCSV_RAKUTEN_NORMAL), "rakuten");
	assert_null(mallcsv_kind_mall(MALLCSV_ZAIKO));
}

/* Many rows: the duplicate check and the Rakuten product table work beyond their first
 * allocation. */
static void test_many_rows(void **state)
{
	(void)state;
	buf in = BUF_INIT;
	buf_puts(&in, "商品管理番号（商品URL）,商品番号,商品名,SKU管理番号,システム連携用SKU番号,販売価格,在庫数\r\n");
	for (int i = 0; i < 3000; i++) {
		buf_printf(&in, "p%d,P%d,商品%d,,,,\r\n", i, i, i);
		buf_printf(&in, "p%d,,,s,P%d-S,100,%d\r\n", i, i, i);
	}
	buf_puts(&in, "p7,,,s,DUP,100,1\r\n");
	mallcsv_result res;
	assert_int_equal(mallcsv_parse(in.data, in.len, CSV_ENC__MAX, MALLCSV_UNKNOWN, NULL, &res),
			Z_OK);
	assert_int_equal(res.n, 3000);
	assert_string_equal(res.v[2999].name, "商品2999");
	assert_int_equal(res.v[2999].stock, 2999);
	assert_int_equal(res.errors.n, 1);
	assert_string_equal(res.errors.v[0].message,
			"6002行目: 商品コード p7 / 子番号 s が17行目と重複しています");
	mallcsv_result_free(&res);
	buf_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yahoo_data),
		cmocka_unit_test(test_yahoo_subcode_grammar),
		cmocka_unit_test(test_yahoo_quantity),
		cmocka_unit_test(test_yahoo_quantity_errors),
		cmocka_unit_test(test_rakuten_item),
		cmocka_unit_test(test_rakuten_select),
		cmocka_unit_test(test_rakuten_normal_item),
		cmocka_unit_test(test_rakuten_normal_out_of_order),
		cmocka_unit_test(test_amazon_jp),
		cmocka_unit_test(test_amazon_en),
		cmocka_unit_test(test_amazon_template),
		cmocka_unit_test(test_shopify_products),
		cmocka_unit_test(test_shopify_products_current),
		cmocka_unit_test(test_column_glosses_in_english),
		cmocka_unit_test(test_shopify_inventory),
		cmocka_unit_test(test_zaiko_format),
		cmocka_unit_test(test_zaiko_format_errors),
		cmocka_unit_test(test_zaiko_write_round_trip),
		cmocka_unit_test(test_file_level_errors),
		cmocka_unit_test(test_detect_kinds),
		cmocka_unit_test(test_many_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
