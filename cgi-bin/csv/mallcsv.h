/* csv/mallcsv: recognise a mall's product/stock file from its header and map rows to listings. */
#ifndef ZAIKO_CSV_MALLCSV_H
#define ZAIKO_CSV_MALLCSV_H

#include "csv/csv.h"

/* The files a merchant may upload unchanged (see shared malls/CSV-FORMATS.md).
 *
 * zaiko's own listing file (MALLCSV_ZAIKO), for shops without a mall file of their own:
 *   SKUコード,商品コード,子番号,商品名,選択肢,画像URL,JANコード,価格,在庫数
 * Only SKUコード is required; the others may be left out and come in any order. English
 * names are accepted too: sku_code,item_code,sub_code,name,options,image_url,jan,price,stock.
 * 商品コード defaults to SKUコード. Blank 価格/在庫数 means "not given". Other columns go to
 * extra. It is written in CP932 or UTF-8 (BOM optional), comma or TAB separated.
 * The file of CSV出力 is this format too (店舗 first, 総在庫数/確保在庫数/連携/最小在庫数/最大在庫数 after,
 * which are zaiko's and not kept): a listing's 店舗 is in shop, so the importer takes the rows
 * of the shop it imports into. */
typedef enum {
	MALLCSV_UNKNOWN = 0,
	MALLCSV_YAHOO_DATA,        /* data.csv: code, sub-code (packed SKUs), name, price, jan */
	MALLCSV_YAHOO_QUANTITY,    /* quantity.csv: code, sub-code, quantity */
	MALLCSV_RAKUTEN_ITEM,      /* item.csv (before the SKU project): one row per item */
	MALLCSV_RAKUTEN_SELECT,    /* select.csv: 選択肢タイプ i rows are the SKUs */
	MALLCSV_RAKUTEN_NORMAL,    /* normal-item.csv (SKU project): product/option/SKU rows */
	MALLCSV_AMAZON_LISTINGS,   /* All Listings Report (TSV, English or Japanese header) */
	MALLCSV_SHOPIFY_PRODUCTS,  /* products_export.csv (legacy or current header) */
	MALLCSV_SHOPIFY_INVENTORY, /* inventory export (row per location, or column per location) */
	MALLCSV_ZAIKO,             /* zaiko's own listing file, above */
	MALLCSV_BASE_ITEMS,        /* BASE's item CSV (商品ID, 種類ID, 種類在庫数, …): row per variation */
	MALLCSV_RAKUTEN_PAIR,      /* item.csv and select.csv read together (mallcsv_parse_pair) */
	MALLCSV_COLORME_PRODUCTS,  /* カラーミーショップ 商品データ (product.csv): row per product */
	MALLCSV_COLORME_OPTIONS,   /* カラーミーショップ 商品オプションデータ: name/item rows */
	MALLCSV_COLORME_PAIR,      /* the two read together (mallcsv_parse_pair) */
	MALLCSV__MAX
} mallcsv_kind;

/* One SKU-level listing as read from a file. Strings are UTF-8, never NULL ("" when the file
 * has none), trimmed, owned by the result. How each kind fills them:
 *   Yahoo data.csv     item=code; one listing per sub-code entry (sub=sku=that code,
 *                      options from its "名前:値#…" side), or sub="" sku=code; price=price
 *   Yahoo quantity.csv item=code, sub=sub-code, sku=sub-code or code, stock=quantity
 *   Rakuten item.csv   item=商品管理番号, sku=商品番号 or 商品管理番号, stock only for 在庫タイプ 1,
 *                      image=first of the space-separated 商品画像URL
 *   Rakuten select.csv item=商品管理番号, sub=横軸子番号+縦軸子番号 (Excel ="…" removed),
 *                      sku=item+sub, options="横軸選択肢 / 縦軸選択肢"
 *   Rakuten normal     item=商品管理番号, sub=SKU管理番号, sku=システム連携用SKU番号, else
 *                      商品番号 (single-SKU item) or SKU管理番号; name/image from the product
 *                      row; options named by バリエーション項目名定義; jan from a 商品属性 JAN pair
 *   Amazon             item=sku=seller-sku/出品者SKU; stock blank for FBA rows
 *   Shopify products   item=Handle, sub=option values "白 / S" ("" for Default Title),
 *                      sku=Variant SKU (may be ""), jan=Variant Barcode
 *   Shopify inventory  as products; stock = sum of Available over locations, each location
 *                      in extra {"locations":{name:qty}}; "not stocked" counts as nothing
 *   BASE items         item=商品ID, sub=種類ID ("" for an item without variations),
 *                      sku=種類コード (variation) or 商品コード, options=種類名, stock=
 *                      種類在庫数 (variation) or 在庫数, price=価格, jan=JAN/GTIN, image=画像1;
 *                      an item's row without 種類ID is skipped when it has variation rows;
 *                      a blank 商品名 is the item's earlier row's
 *   カラーミー products item=商品ID, sub="", sku=型番, name=商品名, price=販売価格, jan=
 *                      JAN/ISBN(GTIN), image=商品画像URL, stock=在庫数 unless 在庫管理 is
 *                      「在庫管理しない」 (then not given)
 *   カラーミー options an 「item」 row: item=商品ID, sub=オプション名１ value, or value1 "|"
 *                      value2 (the colorme adapter's variant_separator default), sku=型番,
 *                      stock=在庫数, price=販売価格, options="軸1:値1 / 軸2:値2" with the axis
 *                      names of the product's 「name」 row (skipped); name="" (not in the file)
 *   カラーミー pair    the options get 商品名 and 商品画像URL from the product file, and no stock
 *                      when the product is 「在庫管理しない」; a product row of a product with
 *                      option rows is skipped (its stock is the options' sum)
 * Duplicates of one (item, sub) are row errors naming both lines. */
typedef struct {
	char *item_code;  /* the mall's product code (Yahoo code, 商品管理番号, Handle, seller-sku) */
	char *sub_code;   /* the variation code within the item ("" for single items) */
	char *sku_code;   /* the merchant's SKU code that links listings of different shops */
	char *name;
	char *options;    /* "カラー:白 / サイズ:S" */
	char *image_url;
	char *jan;
	bool has_price;
	long long price;  /* yen */
	bool has_stock;
	long long stock;  /* may be negative (Yahoo overdraft) */
	char *extra;      /* the other columns as a JSON object string {"column":"value",...} */
	char *shop;       /* zaiko's file: the 店舗 column ("" when none) */
	size_t line;      /* physical line of the row this listing came from */
} mallcsv_listing;

typedef struct {
	mallcsv_kind kind;
	csv_encoding encoding;
	mallcsv_listing *v;
	size_t n, cap;
	size_t skipped;     /* rows that are not SKUs: Yahoo quantity parent rows, Rakuten
			     * normal-item product and option rows, select.csv rows other than
			     * i, item.csv rows of 在庫タイプ 2, Shopify image-only rows */
	csv_errors errors;  /* row errors; rows with errors give no listing */
	bool has_shop_column; /* zaiko's file with a 店舗 column (CSV出力) */
} mallcsv_result;

/* Detects the kind from a loaded header (CSV-FORMATS §7 keys); MALLCSV_UNKNOWN if none fits. */
mallcsv_kind mallcsv_detect(const csv_header *h);
/* Short ASCII name ("yahoo-data", "rakuten-normal-item", …) and the label in lang ("ja",
 * "en"; NULL: Japanese; the msg.csv_kinds texts); static. */
const char *mallcsv_kind_name(mallcsv_kind k);
const char *mallcsv_kind_label(mallcsv_kind k, const char *lang);
/* The mall of the kind: "yahoo", "rakuten", "amazon", "shopify", "base", or NULL for
 * MALLCSV_ZAIKO. */
const char *mallcsv_kind_mall(mallcsv_kind k);

/* Decodes (CSV_ENC__MAX = detect), reads and maps a whole uploaded file into res (zeroed by
 * this function first). expect = MALLCSV_UNKNOWN detects the kind; anything else requires
 * that kind. Returns Z_OK when the file was read to its end — row errors may still be in
 * res->errors, and the caller decides whether one error refuses the file — or Z_INVALID
 * when it could not be read at all (encoding, unknown header, unterminated quote, a bound):
 * the reason is in res->errors and res holds no listings. Z_NOMEM on no memory. Free with mallcsv_result_free. */
int mallcsv_parse(const char *data, size_t len, csv_encoding enc, mallcsv_kind expect,
		const csv_limits *lim, mallcsv_result *res);
/* Rakuten's older format is two files: item.csv (products; 在庫タイプ 1 rows are SKUs) and
 * select.csv (the SKU rows of 在庫タイプ 2 products). Read together, in either order, the
 * SKUs of select.csv get their product's 商品名 and options with axis names from item.csv
 * (「カラー:白 / サイズ:S」, not 「白 / S」). res->kind is MALLCSV_RAKUTEN_PAIR; the listings
 * are item.csv's then select.csv's, each with its line in its own file; messages name the
 * file. カラーミーショップ's 商品データ and 商品オプションデータ are read together the same way
 * (MALLCSV_COLORME_PAIR, see above). Z_INVALID when the two are not such a pair. Returns as
 * mallcsv_parse. */
int mallcsv_parse_pair(const char *a, size_t alen, const char *b, size_t blen,
		const csv_limits *lim, mallcsv_result *res);
/* The same over input already in UTF-8 (no BOM needed). */
int mallcsv_parse_utf8(const char *data, size_t len, mallcsv_kind expect,
		const csv_limits *lim, mallcsv_result *res);
/* zaiko's file with a 店舗 column (CSV出力): keeps the listings whose 店舗 is shop, drops the
 * others (other shops' rows, and a SKU's row without any listing) and counts them in
 * skipped; returns how many were dropped. Other files are left as they are (0). */
size_t mallcsv_keep_shop(mallcsv_result *res, const char *shop);
/* Frees every listing and error. */
void mallcsv_result_free(mallcsv_result *res);

/* Writes listings in zaiko's own listing format (the header above, without extra columns)
 * with w; reading the output back with mallcsv_parse gives the same listings. Z_OK,
 * Z_NOMEM, or Z_INVALID when a cell cannot be encoded (w->bad_row, w->bad_char). */
int mallcsv_write_zaiko(csv_writer *w, const mallcsv_listing *v, size_t n);

/* Splits a Yahoo sub-code cell ("カラー:白#サイズ:S=tee-s&カラー:黒#サイズ:S=tee-bk-s") into
 * entries; calls fn(code, options, ctx) for each, code and options NUL-terminated UTF-8
 * ("カラー:白 / サイズ:S"), valid during the call. A non-zero return from fn stops and is
 * returned. Z_INVALID when an entry has no '=' or an empty code. */
int mallcsv_yahoo_subcodes(const char *cell,
		int (*fn)(const char *code, const char *options, void *ctx), void *ctx);

#endif
