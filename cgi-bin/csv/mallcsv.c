/* csv/mallcsv: mall product/stock files (Yahoo, Rakuten, Amazon, Shopify, zaiko's own) → listings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "core/hmap.h"
#include "core/lang.h"
#include "core/strnum.h"
#include "csv/mallcsv.h"

#define STOCK_LIMIT 1000000000LL
#define PRICE_LIMIT 1000000000LL
#define RAKUTEN_AXES 6
#define RAKUTEN_ATTRS 100
#define SHOPIFY_OPTIONS 3

static const struct {
	const char *name;
	const char *label; /* a language key */
	const char *mall;
} kinds[MALLCSV__MAX] = {
	[MALLCSV_UNKNOWN] = {"unknown", "msg.csv_kinds.unknown", NULL},
	[MALLCSV_YAHOO_DATA] = {"yahoo-data", "msg.csv_kinds.yahoo_data", "yahoo"},
	[MALLCSV_YAHOO_QUANTITY] = {"yahoo-quantity", "msg.csv_kinds.yahoo_quantity",
		"yahoo"},
	[MALLCSV_RAKUTEN_ITEM] = {"rakuten-item", "msg.csv_kinds.rakuten_item", "rakuten"},
	[MALLCSV_RAKUTEN_SELECT] = {"rakuten-select", "msg.csv_kinds.rakuten_select", "rakuten"},
	[MALLCSV_RAKUTEN_NORMAL] = {"rakuten-normal-item", "msg.csv_kinds.rakuten_normal",
		"rakuten"},
	[MALLCSV_AMAZON_LISTINGS] = {"amazon-listings", "msg.csv_kinds.amazon_listings", "amazon"},
	[MALLCSV_SHOPIFY_PRODUCTS] = {"shopify-products", "msg.csv_kinds.shopify_products", "shopify"},
	[MALLCSV_SHOPIFY_INVENTORY] = {"shopify-inventory", "msg.csv_kinds.shopify_inventory", "shopify"},
	[MALLCSV_ZAIKO] = {"zaiko", "msg.csv_kinds.zaiko", NULL},
	[MALLCSV_BASE_ITEMS] = {"base-items", "msg.csv_kinds.base_items", "base"},
	[MALLCSV_RAKUTEN_PAIR] = {"rakuten-item-select",
		"msg.csv_kinds.rakuten_pair", "rakuten"},
	[MALLCSV_COLORME_PRODUCTS] = {"colorme-products", "msg.csv_kinds.colorme_products",
		"colorme"},
	[MALLCSV_COLORME_OPTIONS] = {"colorme-options", "msg.csv_kinds.colorme_options",
		"colorme"},
	[MALLCSV_COLORME_PAIR] = {"colorme-products-options",
		"msg.csv_kinds.colorme_pair", "colorme"},
};

const char *mallcsv_kind_name(mallcsv_kind k)
{
	return (unsigned)k < MALLCSV__MAX ? kinds[k].name : "unknown";
}

const char *mallcsv_kind_label(mallcsv_kind k, const char *lang)
{
	return lang_text(lang, (unsigned)k < MALLCSV__MAX ? kinds[k].label : kinds[0].label);
}

const char *mallcsv_kind_mall(mallcsv_kind k)
{
	return (unsigned)k < MALLCSV__MAX ? kinds[k].mall : NULL;
}

static bool has(const csv_header *h, const char *name)
{
	return csv_header_find(h, name) >= 0;
}

mallcsv_kind mallcsv_detect(const csv_header *h)
{
	if (has(h, "項目選択肢別在庫用横軸選択肢子番号") ||
			(has(h, "項目選択肢用コントロールカラム") && has(h, "選択肢タイプ")))
		return MALLCSV_RAKUTEN_SELECT;
	if (has(h, "SKU管理番号"))
		return MALLCSV_RAKUTEN_NORMAL;
	if ((has(h, "商品管理番号（商品URL）") || has(h, "商品管理番号")) &&
			(has(h, "在庫タイプ") || has(h, "商品画像URL") || has(h, "在庫数")))
		return MALLCSV_RAKUTEN_ITEM;
	if (has(h, "商品ID") && has(h, "種類ID") && (has(h, "種類在庫数") || has(h, "在庫数")))
		return MALLCSV_BASE_ITEMS;
	if (has(h, "商品ID") && has(h, "登録種別") && has(h, "オプションID"))
		return MALLCSV_COLORME_OPTIONS;
	if (has(h, "商品ID") && has(h, "型番") && has(h, "商品名") &&
			(has(h, "在庫管理") || has(h, "販売価格")))
		return MALLCSV_COLORME_PRODUCTS;
	if (has(h, "code") && has(h, "quantity") && !has(h, "path"))
		return MALLCSV_YAHOO_QUANTITY;
	if (has(h, "code") && has(h, "sub-code") && (has(h, "path") || has(h, "price")))
		return MALLCSV_YAHOO_DATA;
	if (has(h, "Handle") && has(h, "SKU") && (has(h, "Location") || has(h, "COO")))
		return MALLCSV_SHOPIFY_INVENTORY;
	if ((has(h, "Handle") || has(h, "URL handle")) && has(h, "Title") &&
			(has(h, "Variant SKU") || has(h, "SKU")))
		return MALLCSV_SHOPIFY_PRODUCTS;
	if (has(h, "seller-sku") || has(h, "出品者SKU") || (has(h, "sku") && has(h, "quantity")))
		return MALLCSV_AMAZON_LISTINGS;
	/* A 総在庫数 file has SKUコード too: a listing file names its 商品コード (CSV出力 writes
	 * both, and 総在庫数 is then only read back by 総在庫数CSV一括更新). */
	if ((has(h, "SKUコード") || has(h, "sku_code")) &&
			((!has(h, "総在庫数") && !has(h, "total")) || has(h, "商品コード") ||
			 has(h, "item_code")))
		return MALLCSV_ZAIKO;
	return MALLCSV_UNKNOWN;
}

/* ---- Result building ------------------------------------------------------------------------ */

static void listing_free(mallcsv_listing *l)
{
	free(l->item_code);
	free(l->sub_code);
	free(l->sku_code);
	free(l->name);
	free(l->options);
	free(l->image_url);
	free(l->jan);
	free(l->shop);
	free(l->extra);
}

void mallcsv_result_free(mallcsv_result *res)
{
	for (size_t i = 0; i < res->n; i++)
		listing_free(&res->v[i]);
	free(res->v);
	csv_errors_free(&res->errors);
	memset(res, 0, sizeof *res);
}

/* What one row contributes before it is copied into the result; strings are borrowed. */
typedef struct {
	const char *item_code, *sub_code, *sku_code, *name, *options, *image_url, *jan, *shop;
	bool has_price, has_stock;
	long long price, stock;
	char *extra; /* owned: handed to the listing */
	size_t line;
} draft;

static bool blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copies s without blanks (space, TAB, CR, LF) at either end: every listing field is
 * stored trimmed, whether read from one cell or built from several. */
static char *dup_trimmed(const char *s)
{
	if (!s)
		s = "";
	while (blank_char(*s))
		s++;
	size_t len = strlen(s);
	while (len && blank_char(s[len - 1]))
		len--;
	return strndup(s, len);
}

/* Room in res for one more listing. Z_OK or Z_NOMEM. */
static int result_room(mallcsv_result *res)
{
	array_grow(&res->v, &res->cap, res->n, sizeof *res->v);
	return Z_OK;
}

/* Moves l to the end of res, leaving l empty. Z_OK or Z_NOMEM (l untouched). */
static int result_take(mallcsv_result *res, mallcsv_listing *l)
{
	if (result_room(res) != Z_OK)
		return Z_NOMEM;
	res->v[res->n++] = *l;
	memset(l, 0, sizeof *l);
	return Z_OK;
}

/* Copies d into a new listing of res. d->extra (never NULL) is handed over, and d->extra
 * set to NULL, unless the list could not grow. Z_OK or Z_NOMEM. */
static int add_listing(mallcsv_result *res, draft *d)
{
	if (result_room(res) != Z_OK)
		return Z_NOMEM;
	mallcsv_listing *l = &res->v[res->n];
	memset(l, 0, sizeof *l);
	l->item_code = dup_trimmed(d->item_code);
	l->sub_code = dup_trimmed(d->sub_code);
	l->sku_code = dup_trimmed(d->sku_code);
	l->name = dup_trimmed(d->name);
	l->options = dup_trimmed(d->options);
	l->image_url = dup_trimmed(d->image_url);
	l->jan = dup_trimmed(d->jan);
	l->shop = dup_trimmed(d->shop);
	l->extra = d->extra;
	d->extra = NULL;
	l->has_price = d->has_price;
	l->price = d->price;
	l->has_stock = d->has_stock;
	l->stock = d->stock;
	l->line = d->line;
	if (!l->item_code || !l->sub_code || !l->sku_code || !l->name || !l->options ||
			!l->image_url || !l->jan || !l->shop || !l->extra) {
		listing_free(l);
		return Z_NOMEM;
	}
	res->n++;
	return Z_OK;
}

/* What item.csv says of each product, for the SKU rows of select.csv: 商品名 and the axis
 * names (項目選択肢別在庫用横軸項目名 / 縦軸項目名), by 商品管理番号. */
struct rakuten_axes {
	hmap map; /* item code → position */
	char **item, **name, **haxis, **vaxis;
	size_t n, cap;
};

static void axes_free(struct rakuten_axes *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->item[i]);
		free(a->name[i]);
		free(a->haxis[i]);
		free(a->vaxis[i]);
	}
	free(a->item);
	free(a->name);
	free(a->haxis);
	free(a->vaxis);
	hmap_free(&a->map);
	memset(a, 0, sizeof *a);
}

/* State shared by the per-kind mappers while one file is read. */
typedef struct {
	csv_reader *r;
	csv_header *h;
	mallcsv_result *res;
	bool *used;     /* columns a mapper consumed; the rest go to extra */
	const struct rakuten_axes *axes; /* item.csv beside a select.csv (mallcsv_parse_pair) */
} mapper;

/* How a message names a column: ja, the file's column name with zaiko's gloss beside it
 * ("quantity（在庫数）", "数量（quantity）"), on a Japanese page; en, the column's English
 * header alone, on an English one. */
static const char *column_name(const mapper *m, const char *ja, const char *en)
{
	const char *lang = m->res->errors.lang;
	return lang && !strcmp(lang, "en") ? en : ja;
}

/* Finds the first existing name of a NULL-terminated list and marks it used; -1 if none. */
static int col_list(mapper *m, const char *const *names)
{
	int i = csv_header_find_any(m->h, names);
	if (i >= 0)
		m->used[i] = true;
	return i;
}

#define COL(m, ...) col_list((m), (const char *const[]){__VA_ARGS__, NULL})

/* The cell as a trimmed string, borrowed from the reader; the trim happens in place
 * (the reader's row buffer is ours to change until the next row). */
static const char *cell(mapper *m, int i)
{
	if (i < 0 || (size_t)i >= m->r->nfields)
		return "";
	char *s = (char *)m->r->fields[i].ptr;
	size_t len = m->r->fields[i].len;
	while (len && blank_char(s[len - 1]))
		s[--len] = '\0';
	while (blank_char(*s))
		s++;
	return s;
}

/* The other columns of the row as a JSON object of non-empty values; caller frees. */
static char *extra_json(mapper *m, cJSON *add)
{
	cJSON *o = add ? add : cJSON_CreateObject();
	char *s = NULL;
	if (!o)
		return NULL;
	for (size_t i = 0; i < m->h->n && i < m->r->nfields; i++) {
		if (m->used[i] || !m->r->fields[i].len || !m->h->names[i][0])
			continue;
		if (cJSON_HasObjectItem(o, m->h->names[i]))
			continue;
		if (!cJSON_AddStringToObject(o, m->h->names[i], m->r->fields[i].ptr))
			goto out;
	}
	s = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return s;
}

/* Adds the row's listing, the row's other columns as its extra: how every mapper ends. */
static int emit(mapper *m, draft *d)
{
	d->extra = extra_json(m, NULL);
	if (!d->extra)
		return Z_NOMEM;
	int rc = add_listing(m->res, d);
	free(d->extra);
	d->extra = NULL;
	return rc;
}

/* Parses a stock cell: blank → not given; otherwise a strict integer within ±10^9. */
static bool parse_stock(mapper *m, const char *s, const char *column, bool *has_v,
		long long *v)
{
	*has_v = false;
	if (!*s)
		return true;
	if (strnum_ll(s, -STOCK_LIMIT, STOCK_LIMIT, v) != Z_OK) {
		csv_errors_add(&m->res->errors, m->r->row_line, "msg.csv.column_nan", "%s%.*s",
				column, csv_clip(s, 40), s);
		return false;
	}
	*has_v = true;
	return true;
}

/* Parses a price cell: blank → not given; an integer, or decimals that are all zero
 * (Shopify writes 2980.00). */
static bool parse_price(mapper *m, const char *s, const char *column, bool *has_v,
		long long *v)
{
	*has_v = false;
	if (!*s)
		return true;
	const char *dot = strchr(s, '.');
	bool ok;
	if (dot) {
		bool zeros = dot[1] != '\0';
		for (const char *p = dot + 1; *p; p++)
			if (*p != '0')
				zeros = false;
		char *whole = strndup(s, (size_t)(dot - s));
		ok = whole && zeros && strnum_ll(whole, 0, PRICE_LIMIT, v) == Z_OK;
		free(whole);
	} else {
		ok = strnum_ll(s, 0, PRICE_LIMIT, v) == Z_OK;
	}
	if (!ok) {
		csv_errors_add(&m->res->errors, m->r->row_line, "msg.csv.column_price", "%s%.*s",
				column, csv_clip(s, 40), s);
		return false;
	}
	*has_v = true;
	return true;
}

static bool require(mapper *m, const char *value, const char *column)
{
	if (*value)
		return true;
	csv_errors_add(&m->res->errors, m->r->row_line, "msg.csv.column_empty", "%s", column);
	return false;
}

/* How every mapper starts a row: a zeroed draft on the row's line whose item code is the
 * cell of col, which must not be blank (false, the row's error noted, when it is). */
static bool draft_start(mapper *m, draft *d, int col, const char *column)
{
	memset(d, 0, sizeof *d);
	d->line = m->r->row_line;
	d->item_code = cell(m, col);
	return require(m, d->item_code, column);
}

/* ---- Yahoo!ショッピング ------------------------------------------------------------------- */

typedef struct {
	mapper *m;
	draft *base;
} yahoo_ctx;

static int yahoo_sub_cb(const char *code, const char *options, void *ctx)
{
	yahoo_ctx *y = ctx;
	draft d = *y->base;
	d.sub_code = code;
	d.sku_code = code;
	d.options = options;
	d.extra = strdup(y->base->extra);
	if (!d.extra)
		return Z_NOMEM;
	int rc = add_listing(y->m->res, &d);
	free(d.extra);
	return rc;
}

/* Appends "名前:値" pairs of one sub-code entry's left side ("カラー:白#サイズ:S") to out as
 * "カラー:白 / サイズ:S". */
static int yahoo_options(const char *s, size_t len, buf *out)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '#')
			continue;
		if (i > start) {
			if (out->len && buf_puts(out, " / ") != Z_OK)
				return Z_NOMEM;
			if (buf_append(out, s + start, i - start) != Z_OK)
				return Z_NOMEM;
		}
		start = i + 1;
	}
	return buf_append(out, "", 0);
}

int mallcsv_yahoo_subcodes(const char *cell_text,
		int (*fn)(const char *code, const char *options, void *ctx), void *ctx)
{
	buf code = BUF_INIT, opts = BUF_INIT;
	int rc = Z_OK;
	const char *p = cell_text;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		/* Defensive parse (CSV-FORMATS §1d): split at the first '=', cut the code at '#'. */
		const char *eq = memchr(p, '=', len);
		if (len == 0) {
			p += amp ? 1 : 0;
			if (!amp)
				break;
			continue;
		}
		if (!eq) {
			rc = Z_INVALID;
			goto out;
		}
		const char *c = eq + 1;
		size_t clen = len - (size_t)(c - p);
		const char *hash = memchr(c, '#', clen);
		if (hash)
			clen = (size_t)(hash - c);
		while (clen && (*c == ' ' || *c == '\r' || *c == '\n' || *c == '\t')) {
			c++;
			clen--;
		}
		while (clen && (c[clen - 1] == ' ' || c[clen - 1] == '\r' || c[clen - 1] == '\n' ||
					c[clen - 1] == '\t'))
			clen--;
		if (clen == 0) {
			rc = Z_INVALID;
			goto out;
		}
		buf_reset(&code);
		buf_reset(&opts);
		if (buf_append(&code, c, clen) != Z_OK ||
				yahoo_options(p, (size_t)(eq - p), &opts) != Z_OK) {
			rc = Z_NOMEM;
			goto out;
		}
		rc = fn(buf_str(&code), buf_str(&opts), ctx);
		if (rc != 0)
			goto out;
		if (!amp)
			break;
		p = amp + 1;
	}
out:
	buf_free(&code);
	buf_free(&opts);
	return rc;
}

typedef struct {
	int code, sub, name, price, jan, quantity;
} yahoo_cols;

static int map_yahoo(mapper *m, const yahoo_cols *c, bool quantity_file)
{
	draft d = {0};
	d.line = m->r->row_line;
	d.item_code = cell(m, c->code);
	d.name = cell(m, c->name);
	const char *sub = cell(m, c->sub);
	if (!require(m, d.item_code, "code"))
		return Z_OK;
	if (quantity_file) {
		if (!parse_stock(m, cell(m, c->quantity),
					column_name(m, "quantity（在庫数）", "quantity"), &d.has_stock,
					&d.stock))
			return Z_OK;
		d.sub_code = sub;
		d.sku_code = *sub ? sub : d.item_code;
		return emit(m, &d);
	}
	if (!parse_price(m, cell(m, c->price), column_name(m, "price（価格）", "price"),
				&d.has_price, &d.price))
		return Z_OK;
	d.jan = cell(m, c->jan);
	if (!*sub) {
		d.sub_code = "";
		d.sku_code = d.item_code;
		return emit(m, &d);
	}
	/* One extra for every SKU of the row, copied into each. */
	d.extra = extra_json(m, NULL);
	if (!d.extra)
		return Z_NOMEM;
	yahoo_ctx y = {m, &d};
	size_t before = m->res->n;
	int rc = mallcsv_yahoo_subcodes(sub, yahoo_sub_cb, &y);
	if (rc == Z_INVALID) {
		/* All or none of the row's SKUs: drop the ones added before the bad entry. */
		while (m->res->n > before)
			listing_free(&m->res->v[--m->res->n]);
		rc = csv_errors_add_key(&m->res->errors, d.line, "msg.csv.yahoo_sub_code");
	}
	free(d.extra);
	return rc;
}

/* ---- 楽天市場 -------------------------------------------------------------------------------- */

/* 子番号 cells sometimes come as ="-blk" or =-blk (Excel text guards); strip them. */
static const char *strip_excel_eq(char *s)
{
	if (s[0] != '=')
		return s;
	s++;
	size_t len = strlen(s);
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s[len - 1] = '\0';
		s++;
	}
	return s;
}

typedef struct {
	int item, number, name, price, type, stock, image;
} rakuten_item_cols;

static int map_rakuten_item(mapper *m, const rakuten_item_cols *c)
{
	draft d;
	if (!draft_start(m, &d, c->item, "商品管理番号（商品URL）"))
		return Z_OK;
	const char *type = cell(m, c->type);
	if (strcmp(type, "2") == 0) {
		/* 項目選択肢別在庫: the SKUs and their stock are in select.csv. */
		m->res->skipped++;
		return Z_OK;
	}
	const char *number = cell(m, c->number);
	d.sku_code = *number ? number : d.item_code;
	d.sub_code = "";
	d.name = cell(m, c->name);
	if (!parse_price(m, cell(m, c->price), "販売価格", &d.has_price, &d.price))
		return Z_OK;
	if (c->type < 0 || strcmp(type, "1") == 0 || !*type) {
		if (!parse_stock(m, cell(m, c->stock), "在庫数", &d.has_stock, &d.stock))
			return Z_OK;
	}
	/* Several image URLs are separated by spaces; the first is the main one. */
	const char *img = cell(m, c->image);
	char *first = strndup(img, strcspn(img, " "));
	if (!first)
		return Z_NOMEM;
	d.image_url = first;
	int rc = emit(m, &d);
	free(first);
	return rc;
}

typedef struct {
	int item, type, hname, hcode, vname, vcode, stock;
} rakuten_select_cols;

static int map_rakuten_select(mapper *m, const rakuten_select_cols *c)
{
	draft d = {0};
	d.line = m->r->row_line;
	if (strcmp(cell(m, c->type), "i") != 0) {
		m->res->skipped++;
		return Z_OK;
	}
	d.item_code = cell(m, c->item);
	if (!require(m, d.item_code, "商品管理番号（商品URL）"))
		return Z_OK;
	const char *hcode = strip_excel_eq((char *)cell(m, c->hcode));
	const char *vcode = strip_excel_eq((char *)cell(m, c->vcode));
	const char *hname = cell(m, c->hname), *vname = cell(m, c->vname);
	/* With item.csv beside it: the product's name and its axis names (横軸/縦軸項目名). */
	const char *haxis = "", *vaxis = "";
	size_t ai = m->axes ? hmap_gets(&m->axes->map, d.item_code) : HMAP_NONE;
	if (ai != HMAP_NONE) {
		d.name = m->axes->name[ai];
		haxis = m->axes->haxis[ai];
		vaxis = m->axes->vaxis[ai];
	}
	buf sub = BUF_INIT, sku = BUF_INIT, opts = BUF_INIT;
	int rc = Z_NOMEM;
	if (buf_puts(&sub, hcode) != Z_OK || buf_puts(&sub, vcode) != Z_OK)
		goto out;
	if (buf_puts(&sku, d.item_code) != Z_OK || buf_puts(&sku, buf_str(&sub)) != Z_OK)
		goto out;
	if (*hname && *haxis && buf_printf(&opts, "%s:", haxis) != Z_OK)
		goto out;
	if (buf_puts(&opts, hname) != Z_OK)
		goto out;
	if (*vname && ((*hname && buf_puts(&opts, " / ") != Z_OK) ||
			(*vaxis && buf_printf(&opts, "%s:", vaxis) != Z_OK) ||
			buf_puts(&opts, vname) != Z_OK))
		goto out;
	rc = Z_OK;
	if (!buf_str(&sub)[0]) {
		rc = csv_errors_add_key(&m->res->errors, d.line, "msg.csv.rakuten_sub_empty");
		goto out;
	}
	if (!parse_stock(m, cell(m, c->stock), "項目選択肢別在庫用在庫数", &d.has_stock, &d.stock))
		goto out;
	d.sub_code = buf_str(&sub);
	d.sku_code = buf_str(&sku);
	d.options = buf_str(&opts);
	rc = emit(m, &d);
out:
	buf_free(&sub);
	buf_free(&sku);
	buf_free(&opts);
	return rc;
}

/* One product of normal-item.csv as its product row told it. */
typedef struct {
	char *item;
	char *number, *name, *image, *keydefs, *namedefs;
	size_t nsku;
} rakuten_product;

typedef struct {
	rakuten_product *v;
	size_t n, cap;
	hmap index; /* item code → position in v */
} product_table;

static void products_free(product_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].item);
		free(t->v[i].number);
		free(t->v[i].name);
		free(t->v[i].image);
		free(t->v[i].keydefs);
		free(t->v[i].namedefs);
	}
	free(t->v);
	hmap_free(&t->index);
	memset(t, 0, sizeof *t);
}

/* Returns the product of item, creating an empty one when create is true; NULL if none or
 * out of memory. */
static rakuten_product *product_get(product_table *t, const char *item, bool create)
{
	size_t i = hmap_gets(&t->index, item);
	if (i != HMAP_NONE)
		return &t->v[i];
	if (!create)
		return NULL;
	array_grow(&t->v, &t->cap, t->n, sizeof *t->v);
	rakuten_product *p = &t->v[t->n];
	memset(p, 0, sizeof *p);
	p->item = strdup(item);
	if (!p->item)
		return NULL;
	hmap_puts(&t->index, p->item, t->n);
	t->n++;
	return p;
}

typedef struct {
	int item, number, name, type, sku, syssku, keydefs, namedefs, price, stock, image,
			skuimage;
	int key[RAKUTEN_AXES], choice[RAKUTEN_AXES];
	int attr_name[RAKUTEN_ATTRS], attr_value[RAKUTEN_ATTRS];
} rakuten_normal_cols;

/* Finds the n-th (0-based) entry of a '|'-separated definition list. */
static bool pipe_entry(const char *list, size_t n, const char **entry, size_t *len)
{
	for (size_t i = 0; list && *list; i++) {
		const char *bar = strchr(list, '|');
		size_t l = bar ? (size_t)(bar - list) : strlen(list);
		if (i == n) {
			*entry = list;
			*len = l;
			return true;
		}
		if (!bar)
			break;
		list = bar + 1;
	}
	return false;
}

/* Builds "カラー:白 / サイズ:S" from the SKU row's key/choice pairs, naming each axis by the
 * product's 項目名定義 entry at the key's position in 項目キー定義 when the product row
 * came first (it does in RMS downloads), else by the key itself. */
static int rakuten_options(mapper *m, const rakuten_normal_cols *c, const rakuten_product *p,
		buf *out)
{
	for (int i = 0; i < RAKUTEN_AXES; i++) {
		const char *key = cell(m, c->key[i]);
		const char *choice = cell(m, c->choice[i]);
		if (!*choice)
			continue;
		const char *label = key, *entry;
		size_t llen = strlen(key), elen;
		for (size_t j = 0; p && *key && pipe_entry(p->keydefs, j, &entry, &elen); j++) {
			if (elen != llen || memcmp(entry, key, elen) != 0)
				continue;
			if (pipe_entry(p->namedefs, j, &entry, &elen) && elen) {
				label = entry;
				llen = elen;
			}
			break;
		}
		if (out->len && buf_puts(out, " / ") != Z_OK)
			return Z_NOMEM;
		if (llen && (buf_append(out, label, llen) != Z_OK || buf_putc(out, ':') != Z_OK))
			return Z_NOMEM;
		if (buf_puts(out, choice) != Z_OK)
			return Z_NOMEM;
	}
	return buf_append(out, "", 0);
}

static int set_str(char **dst, const char *s)
{
	if (!*s)
		return Z_OK;
	char *n = strdup(s);
	if (!n)
		return Z_NOMEM;
	free(*dst);
	*dst = n;
	return Z_OK;
}

static int map_rakuten_normal(mapper *m, const rakuten_normal_cols *c, product_table *t)
{
	draft d;
	if (!draft_start(m, &d, c->item, "商品管理番号（商品URL）"))
		return Z_OK;
	const char *sku = cell(m, c->sku);
	if (*cell(m, c->type)) {
		m->res->skipped++; /* option row: a 商品オプション, not a SKU */
		return Z_OK;
	}
	rakuten_product *p = product_get(t, d.item_code, true);
	if (!p)
		return Z_NOMEM;
	/* Product fields: usually on the product row, but a single item may carry them on
	 * its one SKU row; SKU rows that follow inherit them. */
	if (set_str(&p->number, cell(m, c->number)) != Z_OK ||
			set_str(&p->name, cell(m, c->name)) != Z_OK ||
			set_str(&p->image, cell(m, c->image)) != Z_OK ||
			set_str(&p->keydefs, cell(m, c->keydefs)) != Z_OK ||
			set_str(&p->namedefs, cell(m, c->namedefs)) != Z_OK)
		return Z_NOMEM;
	if (!*sku) {
		m->res->skipped++;
		return Z_OK;
	}
	p->nsku++;
	if (!parse_price(m, cell(m, c->price), "販売価格", &d.has_price, &d.price))
		return Z_OK;
	if (!parse_stock(m, cell(m, c->stock), "在庫数", &d.has_stock, &d.stock))
		return Z_OK;
	for (int i = 0; i < RAKUTEN_ATTRS && !d.jan; i++) {
		const char *an = cell(m, c->attr_name[i]);
		if (strcasecmp(an, "JAN") == 0 || strcasecmp(an, "JANコード") == 0 ||
				strcasecmp(an, "JAN/EAN") == 0)
			d.jan = cell(m, c->attr_value[i]);
	}
	buf opts = BUF_INIT;
	int rc = rakuten_options(m, c, p, &opts);
	if (rc != Z_OK)
		goto out;
	d.sub_code = sku;
	d.sku_code = cell(m, c->syssku);
	d.name = cell(m, c->name);
	d.image_url = cell(m, c->skuimage);
	d.options = buf_str(&opts);
	rc = emit(m, &d);
out:
	buf_free(&opts);
	return rc;
}

/* Fills what SKU rows inherit from their product row: name, image, and the SKU code when
 * システム連携用SKU番号 is blank (商品番号 for a single-SKU product, else SKU管理番号). */
static int rakuten_normal_finish(mallcsv_result *res, size_t first, product_table *t)
{
	for (size_t i = first; i < res->n; i++) {
		mallcsv_listing *l = &res->v[i];
		rakuten_product *p = product_get(t, l->item_code, false);
		if (!p)
			continue;
		if (!l->name[0] && p->name && set_str(&l->name, p->name) != Z_OK)
			return Z_NOMEM;
		if (!l->image_url[0] && p->image && set_str(&l->image_url, p->image) != Z_OK)
			return Z_NOMEM;
		if (!l->sku_code[0]) {
			const char *code = p->nsku == 1 ? (p->number ? p->number : p->item) : l->sub_code;
			if (set_str(&l->sku_code, code) != Z_OK)
				return Z_NOMEM;
		}
	}
	return Z_OK;
}

/* ---- Amazon -------------------------------------------------------------------------------- */

typedef struct {
	int sku, name, price, quantity, image;
} amazon_cols;

static int map_amazon(mapper *m, const amazon_cols *c)
{
	draft d;
	if (!draft_start(m, &d, c->sku,
			column_name(m, "出品者SKU（seller-sku）", "seller-sku")))
		return Z_OK;
	d.sku_code = d.item_code;
	d.sub_code = "";
	d.name = cell(m, c->name);
	d.image_url = cell(m, c->image);
	if (!parse_price(m, cell(m, c->price), column_name(m, "価格（price）", "price"),
				&d.has_price, &d.price))
		return Z_OK;
	/* Blank for FBA rows: Amazon holds that stock, zaiko does not push it. */
	if (!parse_stock(m, cell(m, c->quantity),
				column_name(m, "数量（quantity）", "quantity"), &d.has_stock,
				&d.stock))
		return Z_OK;
	return emit(m, &d);
}

/* ---- Shopify ------------------------------------------------------------------------------- */

typedef struct {
	int handle, title, sku, qty, price, barcode, image, vimage;
	int oname[SHOPIFY_OPTIONS], ovalue[SHOPIFY_OPTIONS];
	int location, available, coo;
	int *stock_columns;   /* old inventory layout: one column per location, after COO */
	size_t nstock_columns;
} shopify_cols;

typedef struct {
	char *handle, *title, *image;
	char *oname[SHOPIFY_OPTIONS];
} shopify_product;

static void shopify_product_free(shopify_product *p)
{
	free(p->handle);
	free(p->title);
	free(p->image);
	for (int i = 0; i < SHOPIFY_OPTIONS; i++)
		free(p->oname[i]);
	memset(p, 0, sizeof *p);
}

/* Option values joined as the sub code ("白 / S") and labelled as the options
 * ("カラー:白 / サイズ:S"); Shopify's "Title: Default Title" means no variation. */
static int shopify_options(mapper *m, const shopify_cols *c, char *const *names, buf *sub,
		buf *opts)
{
	for (int i = 0; i < SHOPIFY_OPTIONS; i++) {
		const char *v = cell(m, c->ovalue[i]);
		const char *n = cell(m, c->oname[i]);
		if (!*n && names && names[i])
			n = names[i];
		if (!*v || strcmp(v, "Default Title") == 0)
			continue;
		if (sub->len && buf_puts(sub, " / ") != Z_OK)
			return Z_NOMEM;
		if (buf_puts(sub, v) != Z_OK)
			return Z_NOMEM;
		if (opts->len && buf_puts(opts, " / ") != Z_OK)
			return Z_NOMEM;
		if (*n && (buf_puts(opts, n) != Z_OK || buf_putc(opts, ':') != Z_OK))
			return Z_NOMEM;
		if (buf_puts(opts, v) != Z_OK)
			return Z_NOMEM;
	}
	if (buf_append(sub, "", 0) != Z_OK || buf_append(opts, "", 0) != Z_OK)
		return Z_NOMEM;
	return Z_OK;
}

static int map_shopify_products(mapper *m, const shopify_cols *c, shopify_product *p)
{
	draft d;
	if (!draft_start(m, &d, c->handle, "Handle"))
		return Z_OK;
	if (!p->handle || strcmp(p->handle, d.item_code) != 0) {
		shopify_product_free(p);
		p->handle = strdup(d.item_code);
		p->title = strdup(cell(m, c->title));
		p->image = strdup(cell(m, c->image));
		if (!p->handle || !p->title || !p->image)
			return Z_NOMEM;
		for (int i = 0; i < SHOPIFY_OPTIONS; i++)
			if (!(p->oname[i] = strdup(cell(m, c->oname[i]))))
				return Z_NOMEM;
	}
	const char *sku = cell(m, c->sku);
	bool variant = *sku;
	for (int i = 0; i < SHOPIFY_OPTIONS; i++)
		if (*cell(m, c->ovalue[i]))
			variant = true;
	if (!variant) {
		m->res->skipped++; /* an image-only row */
		return Z_OK;
	}
	buf sub = BUF_INIT, opts = BUF_INIT;
	int rc = shopify_options(m, c, p->oname, &sub, &opts);
	if (rc != Z_OK)
		goto out;
	if (!parse_stock(m, cell(m, c->qty),
				column_name(m, "Variant Inventory Qty（在庫数）", "Variant Inventory Qty"),
				&d.has_stock, &d.stock))
		goto out;
	if (!parse_price(m, cell(m, c->price),
				column_name(m, "Variant Price（価格）", "Variant Price"), &d.has_price,
				&d.price))
		goto out;
	d.sku_code = sku;
	d.sub_code = buf_str(&sub);
	d.options = buf_str(&opts);
	d.name = p->title;
	d.jan = cell(m, c->barcode);
	d.image_url = cell(m, c->vimage);
	if (!*d.image_url)
		d.image_url = cell(m, c->image);
	if (!*d.image_url)
		d.image_url = p->image;
	rc = emit(m, &d);
out:
	buf_free(&sub);
	buf_free(&opts);
	return rc;
}

/* Adds one location's quantity to a listing's extra {"locations":{name:qty}}. */
static int add_location(char **extra, const char *location, const char *qty)
{
	cJSON *o = cJSON_Parse(*extra);
	int rc = Z_NOMEM;
	char *s = NULL;
	if (!o)
		goto out;
	cJSON *locs = cJSON_GetObjectItemCaseSensitive(o, "locations");
	if (!locs && !(locs = cJSON_AddObjectToObject(o, "locations")))
		goto out;
	if (!cJSON_HasObjectItem(locs, location) &&
			!cJSON_AddStringToObject(locs, location, qty))
		goto out;
	if (!(s = cJSON_PrintUnformatted(o)))
		goto out;
	free(*extra);
	*extra = s;
	rc = Z_OK;
out:
	cJSON_Delete(o);
	return rc;
}

/* The i-th (location name, quantity text) pair of the row: the row's Location and
 * Available in the new layout (one pair), a location column in the old one. */
static void shopify_location(mapper *m, const shopify_cols *c, size_t i, const char **name,
		const char **qty)
{
	if (c->location >= 0) {
		*name = cell(m, c->location);
		*qty = cell(m, c->available);
	} else {
		*name = m->h->names[c->stock_columns[i]];
		*qty = cell(m, c->stock_columns[i]);
	}
}

/* The inventory export: rows of one variant at several locations (new layout) are merged
 * into one listing whose stock is the sum of Available; the old layout has one column per
 * location after COO. "not stocked" cells count as nothing. */
static int map_shopify_inventory(mapper *m, const shopify_cols *c)
{
	draft d;
	if (!draft_start(m, &d, c->handle, "Handle"))
		return Z_OK;
	buf sub = BUF_INIT, opts = BUF_INIT;
	int rc = shopify_options(m, c, NULL, &sub, &opts);
	if (rc != Z_OK)
		goto out;
	d.sku_code = cell(m, c->sku);
	d.sub_code = buf_str(&sub);
	d.options = buf_str(&opts);
	d.name = cell(m, c->title);
	size_t nloc = c->location >= 0 ? 1 : c->nstock_columns;
	const char *lname, *lqty;
	for (size_t i = 0; i < nloc; i++) {
		bool hv;
		long long v;
		shopify_location(m, c, i, &lname, &lqty);
		if (strcasecmp(lqty, "not stocked") == 0 || !*lqty)
			continue;
		if (!parse_stock(m, lqty, column_name(m, "Available（在庫数）", "Available"), &hv,
				&v))
			goto out;
		d.has_stock = true;
		d.stock += v;
		if (d.stock > STOCK_LIMIT || d.stock < -STOCK_LIMIT) {
			rc = csv_errors_add_key(&m->res->errors, d.line, "msg.csv.stock_sum_big");
			goto out;
		}
	}
	mallcsv_listing *prev = m->res->n ? &m->res->v[m->res->n - 1] : NULL;
	if (c->location >= 0 && prev && strcmp(prev->item_code, d.item_code) == 0 &&
			strcmp(prev->sku_code, d.sku_code) == 0 &&
			strcmp(prev->sub_code, d.sub_code) == 0) {
		/* The same variant at another location. */
		if (d.has_stock) {
			if (prev->stock + d.stock > STOCK_LIMIT || prev->stock + d.stock < -STOCK_LIMIT) {
				rc = csv_errors_add_key(&m->res->errors, d.line, "msg.csv.stock_sum_big");
				goto out;
			}
			prev->stock += d.stock;
			prev->has_stock = true;
		}
		shopify_location(m, c, 0, &lname, &lqty);
		rc = add_location(&prev->extra, lname, lqty);
		goto out;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *locs = o ? cJSON_AddObjectToObject(o, "locations") : NULL;
	for (size_t i = 0; locs && i < nloc; i++) {
		shopify_location(m, c, i, &lname, &lqty);
		if (*lname && !cJSON_HasObjectItem(locs, lname))
			cJSON_AddStringToObject(locs, lname, lqty);
	}
	d.extra = o ? extra_json(m, o) : NULL;
	if (!d.extra) {
		rc = Z_NOMEM;
		goto out;
	}
	rc = add_listing(m->res, &d);
	free(d.extra);
out:
	buf_free(&sub);
	buf_free(&opts);
	return rc;
}

/* ---- BASE ---------------------------------------------------------------------------------- */

typedef struct {
	int item, name, var, varname, price, stock, varstock, code, varcode, jan, image;
} base_cols;

/* One row of BASE's item CSV: a variation (種類ID given) or an item without variations. The
 * column names are those of the file BASE's CSV app writes (not in BASE's API documentation:
 * taken from files merchants publish). */
static int map_base(mapper *m, const base_cols *c)
{
	draft d;
	if (!draft_start(m, &d, c->item, "商品ID"))
		return Z_OK;
	d.sub_code = cell(m, c->var);
	d.name = cell(m, c->name);
	/* A variation row may leave the item's columns blank: the item's earlier row names it. */
	for (size_t i = m->res->n; !*d.name && i-- > 0;)
		if (strcmp(m->res->v[i].item_code, d.item_code) == 0)
			d.name = m->res->v[i].name;
	if (*d.sub_code) {
		d.options = cell(m, c->varname);
		d.sku_code = cell(m, c->varcode);
		if (!parse_stock(m, cell(m, c->varstock), "種類在庫数", &d.has_stock, &d.stock))
			return Z_OK;
	} else {
		d.sku_code = cell(m, c->code);
		if (!parse_stock(m, cell(m, c->stock), "在庫数", &d.has_stock, &d.stock))
			return Z_OK;
	}
	if (!parse_price(m, cell(m, c->price), "価格", &d.has_price, &d.price))
		return Z_OK;
	d.jan = cell(m, c->jan);
	d.image_url = cell(m, c->image);
	return emit(m, &d);
}

/* Drops the variation-less row of an item that has variation rows (the item itself, not a
 * SKU). */
static void base_finish(mallcsv_result *res)
{
	size_t w = 0;
	for (size_t i = 0; i < res->n; i++) {
		bool parent = false;
		for (size_t k = 0; !res->v[i].sub_code[0] && !parent && k < res->n; k++)
			parent = res->v[k].sub_code[0] &&
			         strcmp(res->v[k].item_code, res->v[i].item_code) == 0;
		if (parent) {
			listing_free(&res->v[i]);
			res->skipped++;
		} else {
			res->v[w++] = res->v[i];
		}
	}
	res->n = w;
}

/* ---- カラーミーショップ -------------------------------------------------------------------- */

/* The column facts, with their sources (no official page of the download format could be read
 * from here: help.shop-pro.jp and shop-pro.jp/manual are not reachable directly):
 * - 商品オプションデータ: the official manual page 「商品オプション一括登録」
 *   (https://shop-pro.jp/manual/option_imp, as stored by the search service) gives the upload
 *   format: 10 columns 商品ID, 登録種別, オプション名1, オプション名2, オプションID, 型番, 在庫数,
 *   適正在庫数, 販売価格, 会員価格; 登録種別 「name」 (a row naming the option axes: オプション名1/2
 *   are the axis names) or 「item」 (a row per option value: オプション名1/2 are the values).
 * - The download is the same 10 columns with full-width digits in two names (オプション名１,
 *   オプション名２), every cell quoted, a 「name」 row before its product's 「item」 rows, and
 *   販売価格 blank on some rows: a real merchant's export published in
 *   github.com/yasu0311/iorishobo (colorme_data/option_csv_download_20260621_192106.csv, commit
 *   28ee79c) and read by its importer (app/Services/Colorme/ProductImporter.php, commit 2484fcf,
 *   which accepts both spellings).
 * - 商品データ (product.csv): that merchant's export (colorme_data/product.csv, commit 28ee79c),
 *   60 columns starting 商品ID, 大カテゴリー, 小カテゴリー, 型番, 商品名, 商品画像URL, …, 販売価格,
 *   会員価格, 定価, 原価, 在庫数, 在庫管理 (「在庫管理する」/「在庫管理しない」), … , JAN/ISBN(GTIN),
 *   …, 掲載設定; cells quoted, descriptions holding HTML over several lines; the product row of a
 *   product with options carries the options' summed 在庫数. Its docs/colorme-csv-export.md (same
 *   repository) says the files are usually Shift_JIS (CP932) and may end in a blank column.
 * - Encoding is detected as for every upload (CP932 or UTF-8, BOM optional).
 * Unconfirmed: whether a shop that changed the option separator (the adapter's
 * variant_separator) exists — sub codes are built with "|", the adapter's default; whether
 * 型番 is unique per product (it is the SKU code here, as the merchant's own code). */

typedef struct {
	int item, name, sku, image, price, stock, managed, jan;
} colorme_product_cols;

typedef struct {
	int item, kind, v1, v2, sku, stock, price;
} colorme_option_cols;

/* The axis names of the last 「name」 row (a product's item rows follow it). */
typedef struct {
	char *item, *axis1, *axis2;
} colorme_axes;

static void colorme_axes_free(colorme_axes *a)
{
	free(a->item);
	free(a->axis1);
	free(a->axis2);
	memset(a, 0, sizeof *a);
}

static int map_colorme_product(mapper *m, const colorme_product_cols *c)
{
	draft d;
	if (!draft_start(m, &d, c->item, "商品ID"))
		return Z_OK;
	d.name = cell(m, c->name);
	d.sku_code = cell(m, c->sku);
	d.image_url = cell(m, c->image);
	d.jan = cell(m, c->jan);
	if (!parse_price(m, cell(m, c->price), "販売価格", &d.has_price, &d.price))
		return Z_OK;
	if (!parse_stock(m, cell(m, c->stock), "在庫数", &d.has_stock, &d.stock))
		return Z_OK;
	/* Unmanaged stock is not a number the shop sells from. */
	if (strcmp(cell(m, c->managed), "在庫管理しない") == 0)
		d.has_stock = false;
	return emit(m, &d);
}

static int map_colorme_option(mapper *m, const colorme_option_cols *c, colorme_axes *ax)
{
	const char *item = cell(m, c->item), *kind = cell(m, c->kind);
	const char *v1 = cell(m, c->v1), *v2 = cell(m, c->v2);
	if (!require(m, item, "商品ID"))
		return Z_OK;
	if (strcmp(kind, "name") == 0) {
		colorme_axes_free(ax);
		ax->item = strdup(item);
		ax->axis1 = strdup(v1);
		ax->axis2 = strdup(v2);
		m->res->skipped++;
		return ax->item && ax->axis1 && ax->axis2 ? Z_OK : Z_NOMEM;
	}
	if (strcmp(kind, "item") != 0) {
		csv_errors_add(&m->res->errors, m->r->row_line, "msg.csv.colorme_kind", "%.*s",
				csv_clip(kind, 40), kind);
		return Z_OK;
	}
	if (!require(m, v1, "オプション名1"))
		return Z_OK;
	draft d = {0};
	d.line = m->r->row_line;
	d.item_code = item;
	d.sku_code = cell(m, c->sku);
	if (!parse_stock(m, cell(m, c->stock), "在庫数", &d.has_stock, &d.stock) ||
			!parse_price(m, cell(m, c->price), "販売価格", &d.has_price, &d.price))
		return Z_OK;
	buf sub = BUF_INIT, opt = BUF_INIT;
	bool named = ax->item && strcmp(ax->item, item) == 0;
	buf_puts(&sub, v1);
	if (named && *ax->axis1)
		buf_printf(&opt, "%s:", ax->axis1);
	buf_puts(&opt, v1);
	if (*v2) {
		buf_printf(&sub, "|%s", v2);
		buf_puts(&opt, " / ");
		if (named && *ax->axis2)
			buf_printf(&opt, "%s:", ax->axis2);
		buf_puts(&opt, v2);
	}
	d.sub_code = buf_str(&sub);
	d.options = buf_str(&opt);
	int rc = emit(m, &d);
	buf_free(&sub);
	buf_free(&opt);
	return rc;
}

/* The two files read together: products (p) and options (o), moved into res. */
static int colorme_merge(mallcsv_result *res, mallcsv_result *p, mallcsv_result *o)
{
	hmap prod = {0}, optioned = {0};
	int rc = Z_OK;
	for (size_t i = 0; i < p->n && rc == Z_OK; i++)
		if (hmap_gets(&prod, p->v[i].item_code) == HMAP_NONE)
			hmap_puts(&prod, p->v[i].item_code, i);
	for (size_t i = 0; i < o->n && rc == Z_OK; i++) {
		mallcsv_listing *l = &o->v[i];
		if (hmap_gets(&optioned, l->item_code) == HMAP_NONE)
			hmap_puts(&optioned, l->item_code, i);
		size_t k = hmap_gets(&prod, l->item_code);
		if (k == HMAP_NONE)
			continue;
		const mallcsv_listing *q = &p->v[k];
		if (!*l->name) {
			char *n = strdup(q->name);
			if (!n) {
				rc = Z_NOMEM;
				break;
			}
			free(l->name);
			l->name = n;
		}
		if (!*l->image_url && *q->image_url) {
			char *u = strdup(q->image_url);
			if (!u) {
				rc = Z_NOMEM;
				break;
			}
			free(l->image_url);
			l->image_url = u;
		}
		if (!q->has_stock)
			l->has_stock = false;
	}
	/* The products without options, then the options. */
	for (int f = 0; f < 2 && rc == Z_OK; f++) {
		mallcsv_result *from = f ? o : p;
		for (size_t i = 0; i < from->n && rc == Z_OK; i++) {
			mallcsv_listing *l = &from->v[i];
			if (!f && hmap_gets(&optioned, l->item_code) != HMAP_NONE) {
				res->skipped++;
				continue;
			}
			rc = result_take(res, l);
		}
	}
	hmap_free(&prod);
	hmap_free(&optioned);
	return rc;
}

/* ---- zaiko's own file ---------------------------------------------------------------------- */

typedef struct {
	int sku, item, sub, name, options, image, jan, price, stock, shop;
} zaiko_cols;

static int map_zaiko(mapper *m, const zaiko_cols *c)
{
	draft d = {0};
	d.line = m->r->row_line;
	d.sku_code = csv_unguard(cell(m, c->sku));
	if (!require(m, d.sku_code, "SKUコード"))
		return Z_OK;
	d.item_code = csv_unguard(cell(m, c->item));
	if (!*d.item_code)
		d.item_code = d.sku_code;
	d.sub_code = csv_unguard(cell(m, c->sub));
	d.name = csv_unguard(cell(m, c->name));
	d.options = csv_unguard(cell(m, c->options));
	d.image_url = csv_unguard(cell(m, c->image));
	d.jan = csv_unguard(cell(m, c->jan));
	d.shop = csv_unguard(cell(m, c->shop));
	if (!parse_price(m, cell(m, c->price), "価格", &d.has_price, &d.price))
		return Z_OK;
	if (!parse_stock(m, cell(m, c->stock), "在庫数", &d.has_stock, &d.stock))
		return Z_OK;
	return emit(m, &d);
}

int mallcsv_write_zaiko(csv_writer *w, const mallcsv_listing *v, size_t n)
{
	static const char *const header[] = {"SKUコード", "商品コード", "子番号", "商品名", "選択肢",
		"画像URL", "JANコード", "価格", "在庫数"};
	int rc = csv_writer_row(w, header, Z_ARRAY_LEN(header));
	for (size_t i = 0; i < n && rc == Z_OK; i++) {
		const mallcsv_listing *l = &v[i];
		const char *texts[] = {l->sku_code, l->item_code, l->sub_code, l->name, l->options,
			l->image_url, l->jan};
		for (size_t k = 0; k < Z_ARRAY_LEN(texts) && rc == Z_OK; k++)
			rc = csv_writer_str(w, texts[k]);
		if (rc == Z_OK)
			rc = l->has_price ? csv_writer_ll(w, l->price) : csv_writer_str(w, "");
		if (rc == Z_OK)
			rc = l->has_stock ? csv_writer_ll(w, l->stock) : csv_writer_str(w, "");
		if (rc == Z_OK)
			rc = csv_writer_end_row(w);
	}
	return rc;
}

/* ---- Whole-file checks ------------------------------------------------------------------- */

static int cmp_listing(const void *a, const void *b, void *ctx)
{
	const mallcsv_result *res = ctx;
	const mallcsv_listing *x = &res->v[*(const size_t *)a];
	const mallcsv_listing *y = &res->v[*(const size_t *)b];
	/* Rows of different shops (CSV出力's 店舗) are not duplicates of each other. */
	int c = strcmp(x->shop, y->shop);
	if (!c)
		c = strcmp(x->item_code, y->item_code);
	if (!c)
		c = strcmp(x->sub_code, y->sub_code);
	if (!c)
		c = x->line < y->line ? -1 : x->line > y->line;
	return c;
}

/* Finds (item_code, sub_code) pairs given twice (an error naming both lines; the later
 * listing is dropped) and, in Yahoo quantity files, the blank-sub-code parent row of an
 * item that has sub-code rows (not a SKU: dropped and counted as skipped). */
static int check_duplicates(mallcsv_result *res)
{
	if (res->n < 2)
		return Z_OK;
	size_t *idx = malloc(res->n * sizeof *idx);
	bool *drop = calloc(res->n, sizeof *drop);
	int rc = Z_NOMEM;
	if (!idx || !drop)
		goto out;
	for (size_t i = 0; i < res->n; i++)
		idx[i] = i;
	qsort_r(idx, res->n, sizeof *idx, cmp_listing, res);
	/* idx[head] is the first (earliest line) listing of the current (item, sub) run. */
	size_t head = 0;
	for (size_t k = 1; k < res->n; k++) {
		mallcsv_listing *first = &res->v[idx[head]], *b = &res->v[idx[k]];
		bool same_item = strcmp(first->shop, b->shop) == 0 &&
				strcmp(first->item_code, b->item_code) == 0;
		if (same_item && strcmp(first->sub_code, b->sub_code) == 0) {
			drop[idx[k]] = true;
			if (b->sub_code[0])
				rc = csv_errors_add(&res->errors, b->line, "msg.csv.item_sub_twice",
						"%.*s%.*s%zu",
						csv_clip(b->item_code, 60), b->item_code,
						csv_clip(b->sub_code, 60), b->sub_code, first->line);
			else
				rc = csv_errors_add(&res->errors, b->line, "msg.csv.item_twice", "%.*s%zu",
						csv_clip(b->item_code, 60), b->item_code, first->line);
			if (rc != Z_OK)
				goto out;
			continue;
		}
		if (same_item && res->kind == MALLCSV_YAHOO_QUANTITY && !first->sub_code[0]) {
			drop[idx[head]] = true;
			res->skipped++;
		}
		head = k;
	}
	size_t w = 0;
	for (size_t i = 0; i < res->n; i++) {
		if (drop[i])
			listing_free(&res->v[i]);
		else
			res->v[w++] = res->v[i];
	}
	res->n = w;
	rc = Z_OK;
out:
	free(idx);
	free(drop);
	return rc;
}

/* ---- Driver ---------------------------------------------------------------------------------- */

size_t mallcsv_keep_shop(mallcsv_result *res, const char *shop)
{
	if (!res->has_shop_column)
		return 0;
	size_t w = 0, dropped = 0;
	for (size_t i = 0; i < res->n; i++) {
		if (strcmp(res->v[i].shop, shop) != 0) {
			listing_free(&res->v[i]);
			dropped++;
		} else {
			res->v[w++] = res->v[i];
		}
	}
	res->n = w;
	res->skipped += dropped;
	return dropped;
}

/* Finds and marks "<prefix><n><suffix>" (Option1 Name, バリエーション項目キー1). */
static int find_indexed(mapper *m, const char *prefix, int n, const char *suffix)
{
	char name[128];
	snprintf(name, sizeof name, "%s%d%s", prefix, n, suffix);
	return COL(m, name);
}

/* True when the first line is the header of an Amazon listings report: tab-separated, with
 * seller-sku or 出品者SKU among its names. */
static bool amazon_report(const char *data, size_t len)
{
	size_t n = 0;
	while (n < len && data[n] != '\n' && data[n] != '\r')
		n++;
	if (!memchr(data, '\t', n))
		return false;
	for (const char *const *k = (const char *const[]){"seller-sku", "出品者SKU", NULL}; *k; k++) {
		size_t kl = strlen(*k);
		for (size_t i = 0; i + kl <= n; i++)
			if (!memcmp(data + i, *k, kl) && (i == 0 || data[i - 1] == '\t') &&
					(i + kl == n || data[i + kl] == '\t'))
				return true;
	}
	return false;
}

/* Where a read failed: the reader's message, which starts with its line number. */
static int read_failed(csv_reader *r, mallcsv_result *res, int rc)
{
	if (rc == Z_INVALID && csv_errors_add_text(&res->errors, 0, buf_str(&r->error)) == Z_OK &&
			res->errors.n)
		res->errors.v[res->errors.n - 1].line = r->err_line;
	return rc;
}

/* How a parse ends: a file that could not be read to its end (rc not Z_OK) yields no
 * listings, since half a file must not look like a whole one; errors in line order. */
static void settle(mallcsv_result *res, int rc)
{
	if (rc != Z_OK) {
		for (size_t i = 0; i < res->n; i++)
			listing_free(&res->v[i]);
		res->n = 0;
	}
	csv_errors_sort(&res->errors);
}

/* Reads r up to its header into h, and the file's kind into res->kind: refused (Z_INVALID,
 * the reason in res->errors) when it is empty, of no known kind, or not expect. */
static int read_header(csv_reader *r, csv_header *h, mallcsv_kind expect, mallcsv_result *res)
{
	int rc = csv_next(r);
	if (rc == 0) {
		rc = Z_INVALID;
		csv_errors_add_key(&res->errors, 0, "msg.csv.empty");
		return rc;
	}
	if (rc < 0)
		return read_failed(r, res, rc);
	/* Amazon category templates put two rows above the key row that starts with sku. */
	if (r->nfields && strncmp(r->fields[0].ptr, "TemplateType=", 13) == 0) {
		for (int i = 0; i < 2 && rc == 1 && strcmp(csv_get(r, 0), "sku") != 0; i++)
			rc = csv_next(r);
		if (rc < 0)
			return read_failed(r, res, rc);
		if (rc == 0) {
			rc = Z_INVALID;
			csv_errors_add_key(&res->errors, 0, "msg.csv.amazon_no_header");
			return rc;
		}
	}
	if ((rc = csv_header_load(h, r)) != Z_OK)
		return rc;
	res->kind = mallcsv_detect(h);
	if (res->kind == MALLCSV_UNKNOWN) {
		const char *first = h->n ? h->names[0] : "";
		rc = Z_INVALID;
		csv_errors_add(&res->errors, h->line, "msg.csv.kind_unknown", "%.*s",
				csv_clip(first, 60), first);
		return rc;
	}
	if (expect != MALLCSV_UNKNOWN && expect != res->kind) {
		rc = Z_INVALID;
		csv_errors_add(&res->errors, h->line, "msg.csv.kind_other", "%s%s",
				mallcsv_kind_label(res->kind, res->errors.lang),
				mallcsv_kind_label(expect, res->errors.lang));
		return rc;
	}
	return Z_OK;
}

/* The column indexes of a file, by kind (only its kind's member is filled). */
typedef struct {
	yahoo_cols yahoo;
	rakuten_item_cols ritem;
	rakuten_select_cols rselect;
	rakuten_normal_cols rnormal;
	amazon_cols amazon;
	shopify_cols shopify;
	zaiko_cols zaiko;
	base_cols base;
	colorme_product_cols cproduct;
	colorme_option_cols coption;
} kind_cols;

/* Finds the columns of the file's kind in its header, marking them used. */
static int find_columns(mapper *m, kind_cols *c)
{
	switch (m->res->kind) {
	case MALLCSV_YAHOO_DATA:
	case MALLCSV_YAHOO_QUANTITY:
		c->yahoo = (yahoo_cols){COL(m, "code"), COL(m, "sub-code"), COL(m, "name"),
			COL(m, "price"), COL(m, "jan"), COL(m, "quantity")};
		break;
	case MALLCSV_RAKUTEN_ITEM:
		c->ritem = (rakuten_item_cols){COL(m, "商品管理番号（商品URL）", "商品管理番号"), COL(m, "商品番号"),
			COL(m, "商品名"), COL(m, "販売価格", "通常購入販売価格"), COL(m, "在庫タイプ"),
			COL(m, "在庫数"), COL(m, "商品画像URL")};
		break;
	case MALLCSV_RAKUTEN_SELECT:
		c->rselect = (rakuten_select_cols){COL(m, "商品管理番号（商品URL）", "商品管理番号"), COL(m, "選択肢タイプ"),
			COL(m, "項目選択肢別在庫用横軸選択肢"), COL(m, "項目選択肢別在庫用横軸選択肢子番号"),
			COL(m, "項目選択肢別在庫用縦軸選択肢"), COL(m, "項目選択肢別在庫用縦軸選択肢子番号"),
			COL(m, "項目選択肢別在庫用在庫数")};
		break;
	case MALLCSV_RAKUTEN_NORMAL:
		c->rnormal.item = COL(m, "商品管理番号（商品URL）", "商品管理番号");
		c->rnormal.number = COL(m, "商品番号");
		c->rnormal.name = COL(m, "商品名");
		c->rnormal.type = COL(m, "選択肢タイプ");
		c->rnormal.sku = COL(m, "SKU管理番号");
		c->rnormal.syssku = COL(m, "システム連携用SKU番号");
		c->rnormal.keydefs = COL(m, "バリエーション項目キー定義");
		c->rnormal.namedefs = COL(m, "バリエーション項目名定義");
		c->rnormal.price = COL(m, "販売価格", "通常購入販売価格");
		c->rnormal.stock = COL(m, "在庫数");
		c->rnormal.image = COL(m, "商品画像パス1");
		c->rnormal.skuimage = COL(m, "SKU画像パス");
		for (int i = 0; i < RAKUTEN_AXES; i++) {
			c->rnormal.key[i] = find_indexed(m, "バリエーション項目キー", i + 1, "");
			c->rnormal.choice[i] = find_indexed(m, "バリエーション項目選択肢", i + 1, "");
		}
		for (int i = 0; i < RAKUTEN_ATTRS; i++) {
			char name[64];
			snprintf(name, sizeof name, "商品属性（項目）%d", i + 1);
			c->rnormal.attr_name[i] = csv_header_find(m->h, name);
			snprintf(name, sizeof name, "商品属性（値）%d", i + 1);
			c->rnormal.attr_value[i] = csv_header_find(m->h, name);
		}
		break;
	case MALLCSV_AMAZON_LISTINGS:
		c->amazon = (amazon_cols){COL(m, "seller-sku", "出品者SKU", "sku"),
			COL(m, "item-name", "商品名", "title"), COL(m, "price", "価格"),
			COL(m, "quantity", "数量"), COL(m, "image-url")};
		break;
	case MALLCSV_SHOPIFY_PRODUCTS:
	case MALLCSV_SHOPIFY_INVENTORY:
		c->shopify.handle = COL(m, "Handle", "URL handle");
		c->shopify.title = COL(m, "Title");
		c->shopify.sku = COL(m, "Variant SKU", "SKU");
		c->shopify.qty = COL(m, "Variant Inventory Qty", "Inventory quantity");
		c->shopify.price = COL(m, "Variant Price", "Price");
		c->shopify.barcode = COL(m, "Variant Barcode", "Barcode");
		c->shopify.image = COL(m, "Image Src", "Product image URL");
		c->shopify.vimage = COL(m, "Variant Image");
		for (int i = 0; i < SHOPIFY_OPTIONS; i++) {
			c->shopify.oname[i] = find_indexed(m, "Option", i + 1, " Name");
			c->shopify.ovalue[i] = find_indexed(m, "Option", i + 1, " Value");
		}
		c->shopify.location = COL(m, "Location");
		c->shopify.available = COL(m, "Available (not editable)", "Available");
		c->shopify.coo = COL(m, "COO");
		if (m->res->kind == MALLCSV_SHOPIFY_INVENTORY && c->shopify.location >= 0 &&
				c->shopify.available < 0) {
			csv_errors_add_key(&m->res->errors, m->h->line, "msg.csv.shopify_available");
			return Z_INVALID;
		}
		if (m->res->kind == MALLCSV_SHOPIFY_INVENTORY && c->shopify.location < 0) {
			/* Old layout: the known columns after COO are not locations. */
			COL(m, "HS Code");
			COL(m, "Bin name");
			c->shopify.stock_columns = malloc(m->h->n * sizeof *c->shopify.stock_columns);
			if (!c->shopify.stock_columns)
				return Z_NOMEM;
			for (size_t i = (size_t)c->shopify.coo + 1; i < m->h->n; i++) {
				if (m->used[i])
					continue;
				c->shopify.stock_columns[c->shopify.nstock_columns++] = (int)i;
				m->used[i] = true;
			}
		}
		break;
	case MALLCSV_ZAIKO:
		c->zaiko = (zaiko_cols){COL(m, "SKUコード", "sku_code"), COL(m, "商品コード", "item_code"),
			COL(m, "子番号", "sub_code"), COL(m, "商品名", "name"),
			COL(m, "選択肢", "options"), COL(m, "画像URL", "image_url"),
			COL(m, "JANコード", "JAN", "jan"), COL(m, "価格", "price"),
			COL(m, "在庫数", "stock"), COL(m, "店舗", "shop")};
		m->res->has_shop_column = c->zaiko.shop >= 0;
		/* CSV出力's SKU columns are zaiko's own, not the mall's (not kept in extra). */
		COL(m, "総在庫数", "total");
		COL(m, "確保在庫数", "reserve");
		COL(m, "連携", "sync");
		COL(m, "最小在庫数", "min_stock");
		COL(m, "最大在庫数", "max_stock");
		break;
	case MALLCSV_COLORME_PRODUCTS:
		c->cproduct = (colorme_product_cols){COL(m, "商品ID"), COL(m, "商品名"), COL(m, "型番"),
			COL(m, "商品画像URL"), COL(m, "販売価格"), COL(m, "在庫数"), COL(m, "在庫管理"),
			COL(m, "JAN/ISBN(GTIN)", "JANコード")};
		/* Descriptions are long HTML that stock never needs: not kept in extra. */
		COL(m, "商品説明");
		COL(m, "簡易説明");
		COL(m, "フィーチャーフォン向けショップ用商品説明");
		COL(m, "スマートフォンショップ用商品説明");
		COL(m, "広告用商品説明");
		break;
	case MALLCSV_COLORME_OPTIONS:
		c->coption = (colorme_option_cols){COL(m, "商品ID"), COL(m, "登録種別"),
			COL(m, "オプション名１", "オプション名1"), COL(m, "オプション名２", "オプション名2"),
			COL(m, "型番"), COL(m, "在庫数"), COL(m, "販売価格")};
		break;
	case MALLCSV_BASE_ITEMS:
		c->base = (base_cols){COL(m, "商品ID"), COL(m, "商品名"), COL(m, "種類ID"),
			COL(m, "種類名"), COL(m, "価格"), COL(m, "在庫数"), COL(m, "種類在庫数"),
			COL(m, "商品コード"), COL(m, "種類コード"), COL(m, "JAN/GTIN", "JANコード"),
			COL(m, "画像1")};
		break;
	default:
		break;
	}
	return Z_OK;
}

/* Maps one row of the file's kind. */
static int map_row(mapper *m, const kind_cols *c, product_table *products, shopify_product *shop,
		colorme_axes *cax)
{
	switch (m->res->kind) {
	case MALLCSV_YAHOO_DATA:
		return map_yahoo(m, &c->yahoo, false);
	case MALLCSV_YAHOO_QUANTITY:
		return map_yahoo(m, &c->yahoo, true);
	case MALLCSV_RAKUTEN_ITEM:
		return map_rakuten_item(m, &c->ritem);
	case MALLCSV_RAKUTEN_SELECT:
		return map_rakuten_select(m, &c->rselect);
	case MALLCSV_RAKUTEN_NORMAL:
		return map_rakuten_normal(m, &c->rnormal, products);
	case MALLCSV_AMAZON_LISTINGS:
		return map_amazon(m, &c->amazon);
	case MALLCSV_SHOPIFY_PRODUCTS:
		return map_shopify_products(m, &c->shopify, shop);
	case MALLCSV_SHOPIFY_INVENTORY:
		return map_shopify_inventory(m, &c->shopify);
	case MALLCSV_ZAIKO:
		return map_zaiko(m, &c->zaiko);
	case MALLCSV_BASE_ITEMS:
		return map_base(m, &c->base);
	case MALLCSV_COLORME_PRODUCTS:
		return map_colorme_product(m, &c->cproduct);
	case MALLCSV_COLORME_OPTIONS:
		return map_colorme_option(m, &c->coption, cax);
	default:
		return Z_OK;
	}
}

/* Reads one file (UTF-8): its header, the columns of its kind, then every row. */
static int parse_utf8(const char *data, size_t len, mallcsv_kind expect,
		const csv_limits *lim, const struct rakuten_axes *axes, mallcsv_result *res)
{
	csv_reader r;
	csv_header h = {0};
	mapper m = {&r, &h, res, NULL, axes};
	product_table products = {0};
	shopify_product shop = {0};
	colorme_axes cax = {0};
	kind_cols cols;
	memset(&cols, 0, sizeof cols);
	memset(res, 0, sizeof *res);
	res->errors.lang = lim ? lim->lang : NULL;
	csv_limits amazon;
	if (amazon_report(data, len)) {
		/* Amazon's reports are tab-separated text, not CSV: a quote is an ordinary
		 * character (a name may start with one) and a field never spans lines. */
		amazon = lim ? *lim : (csv_limits){0};
		amazon.delim = '\t';
		amazon.literal_quotes = true;
		lim = &amazon;
	}
	int rc = csv_reader_init(&r, data, len, lim);
	if (rc != Z_OK) {
		csv_errors_add_text(&res->errors, 0, buf_str(&r.error));
		goto out;
	}
	if ((rc = read_header(&r, &h, expect, res)) != Z_OK)
		goto out;
	m.used = calloc(h.n ? h.n : 1, sizeof *m.used);
	if (!m.used) {
		rc = Z_NOMEM;
		goto out;
	}
	if ((rc = find_columns(&m, &cols)) != Z_OK)
		goto out;
	while ((rc = csv_next(&r)) == 1) {
		if (csv_row_blank(&r))
			continue;
		if ((rc = map_row(&m, &cols, &products, &shop, &cax)) != Z_OK)
			break;
	}
	if (rc < 0 && rc != Z_NOMEM) {
		read_failed(&r, res, rc);
		goto out;
	}
	if (rc != Z_OK && rc != 0)
		goto out;
	rc = Z_OK;
	if (res->kind == MALLCSV_RAKUTEN_NORMAL)
		rc = rakuten_normal_finish(res, 0, &products);
	if (res->kind == MALLCSV_BASE_ITEMS)
		base_finish(res);
	if (rc == Z_OK)
		rc = check_duplicates(res);
out:
	settle(res, rc);
	shopify_product_free(&shop);
	products_free(&products);
	colorme_axes_free(&cax);
	free(m.used);
	free(cols.shopify.stock_columns);
	csv_header_free(&h);
	csv_reader_free(&r);
	return rc;
}

int mallcsv_parse_utf8(const char *data, size_t len, mallcsv_kind expect,
		const csv_limits *lim, mallcsv_result *res)
{
	return parse_utf8(data, len, expect, lim, NULL, res);
}

/* Reads item.csv's product names and axis names into a (zeroed first). Z_OK, Z_NOMEM, or
 * Z_INVALID when the file cannot be read (the full parse reports why). */
static int read_axes(const char *data, size_t len, const csv_limits *lim,
		struct rakuten_axes *a)
{
	csv_reader r;
	csv_header h = {0};
	memset(a, 0, sizeof *a);
	int rc = csv_reader_init(&r, data, len, lim);
	if (rc == Z_OK)
		rc = csv_next(&r) == 1 ? csv_header_load(&h, &r) : Z_INVALID;
	int ci = csv_header_find_any(&h, (const char *const[]){"商品管理番号（商品URL）", "商品管理番号",
			NULL});
	int ni = csv_header_find(&h, "商品名");
	int hi = csv_header_find(&h, "項目選択肢別在庫用横軸項目名");
	int vi = csv_header_find(&h, "項目選択肢別在庫用縦軸項目名");
	while (rc == Z_OK && ci >= 0 && (rc = csv_next(&r)) == 1) {
		rc = Z_OK;
		const char *item = csv_get(&r, ci);
		if (!*item || hmap_gets(&a->map, item) != HMAP_NONE)
			continue;
		if (a->n == a->cap) {
			size_t cap = array_doubled(a->cap);
			a->item = z_reallocarray(a->item, cap, sizeof *a->item);
			a->name = z_reallocarray(a->name, cap, sizeof *a->name);
			a->haxis = z_reallocarray(a->haxis, cap, sizeof *a->haxis);
			a->vaxis = z_reallocarray(a->vaxis, cap, sizeof *a->vaxis);
			a->cap = cap;
		}
		a->item[a->n] = dup_trimmed(item);
		a->name[a->n] = dup_trimmed(csv_get(&r, ni));
		a->haxis[a->n] = dup_trimmed(csv_get(&r, hi));
		a->vaxis[a->n] = dup_trimmed(csv_get(&r, vi));
		if (!a->item[a->n] || !a->name[a->n] || !a->haxis[a->n] || !a->vaxis[a->n]) {
			free(a->item[a->n]);
			free(a->name[a->n]);
			free(a->haxis[a->n]);
			free(a->vaxis[a->n]);
			rc = Z_NOMEM;
			break;
		}
		hmap_puts(&a->map, a->item[a->n], a->n);
		a->n++;
	}
	if (rc == 0)
		rc = Z_OK;
	csv_header_free(&h);
	csv_reader_free(&r);
	return rc;
}

/* Moves the errors of one file of a pair into res, each named by its file (a language key,
 * or the file's own name). */
static int take_errors(mallcsv_result *res, const csv_errors *from, const char *file)
{
	if (!strncmp(file, "msg.", 4))
		file = lang_text(res->errors.lang, file);
	for (size_t i = 0; i < from->n; i++)
		if (csv_errors_add(&res->errors, 0, "msg.csv.in_file", "%s%s", file,
		                   from->v[i].message) != Z_OK)
			return Z_NOMEM;
	return Z_OK;
}

int mallcsv_parse_pair(const char *a, size_t alen, const char *b, size_t blen,
		const csv_limits *lim, mallcsv_result *res)
{
	buf text[2] = {BUF_INIT, BUF_INIT};
	csv_limits l[2];
	csv_encoding enc[2] = {CSV_ENC__MAX, CSV_ENC__MAX};
	mallcsv_result part[2];
	struct rakuten_axes axes = {0};
	const char *data[2] = {a, b};
	size_t len[2] = {alen, blen};
	int rc = Z_OK, item = -1, cprod = -1;
	memset(res, 0, sizeof *res);
	memset(part, 0, sizeof part);
	for (int i = 0; i < 2 && rc == Z_OK; i++)
		rc = csv_decode_upload(data[i], len[i], &enc[i], lim, &text[i], &l[i], &res->errors);
	/* Which is which: parse both as they are, then require one of each. */
	for (int i = 0; i < 2 && rc == Z_OK; i++) {
		rc = parse_utf8(buf_str(&text[i]), text[i].len, MALLCSV_UNKNOWN, &l[i], NULL, &part[i]);
		if (rc == Z_OK && part[i].kind == MALLCSV_RAKUTEN_ITEM)
			item = i;
		if (rc == Z_OK && part[i].kind == MALLCSV_COLORME_PRODUCTS)
			cprod = i;
		if (rc == Z_INVALID)
			take_errors(res, &part[i].errors, i ? "msg.csv.file_second" : "msg.csv.file_first");
	}
	if (rc == Z_OK && cprod >= 0 && part[1 - cprod].kind == MALLCSV_COLORME_OPTIONS) {
		int opt = 1 - cprod;
		res->kind = MALLCSV_COLORME_PAIR;
		res->encoding = enc[cprod];
		res->skipped = part[0].skipped + part[1].skipped;
		rc = take_errors(res, &part[cprod].errors, "msg.csv.file_colorme_products");
		if (rc == Z_OK)
			rc = take_errors(res, &part[opt].errors, "msg.csv.file_colorme_options");
		if (rc == Z_OK)
			rc = colorme_merge(res, &part[cprod], &part[opt]);
		if (rc == Z_OK)
			rc = check_duplicates(res);
		goto out;
	}
	if (rc == Z_OK && (item < 0 || part[1 - item].kind != MALLCSV_RAKUTEN_SELECT)) {
		csv_errors_add(&res->errors, 0, "msg.csv.pair_wrong", "%s%s",
				mallcsv_kind_label(part[0].kind, res->errors.lang),
				mallcsv_kind_label(part[1].kind, res->errors.lang));
		rc = Z_INVALID;
	}
	if (rc != Z_OK)
		goto out;
	int sel = 1 - item;
	mallcsv_result_free(&part[sel]);
	rc = read_axes(buf_str(&text[item]), text[item].len, &l[item], &axes);
	if (rc == Z_OK)
		rc = parse_utf8(buf_str(&text[sel]), text[sel].len, MALLCSV_RAKUTEN_SELECT, &l[sel],
				&axes, &part[sel]);
	if (rc == Z_INVALID)
		take_errors(res, &part[sel].errors, "select.csv");
	if (rc != Z_OK)
		goto out;
	res->kind = MALLCSV_RAKUTEN_PAIR;
	res->encoding = enc[item];
	res->skipped = part[0].skipped + part[1].skipped;
	if (take_errors(res, &part[item].errors, "item.csv") != Z_OK ||
			take_errors(res, &part[sel].errors, "select.csv") != Z_OK) {
		rc = Z_NOMEM;
		goto out;
	}
	/* item.csv's own SKUs (在庫タイプ 1), then select.csv's. */
	for (int k = 0; k < 2 && rc == Z_OK; k++) {
		mallcsv_result *p = &part[k ? sel : item];
		for (size_t i = 0; i < p->n && rc == Z_OK; i++) {
			rc = result_take(res, &p->v[i]);
		}
		if (rc == Z_OK)
			p->n = 0;
	}
	if (rc == Z_OK)
		rc = check_duplicates(res);
out:
	settle(res, rc);
	axes_free(&axes);
	mallcsv_result_free(&part[0]);
	mallcsv_result_free(&part[1]);
	buf_free(&text[0]);
	buf_free(&text[1]);
	return rc;
}

int mallcsv_parse(const char *data, size_t len, csv_encoding enc, mallcsv_kind expect,
		const csv_limits *lim, mallcsv_result *res)
{
	memset(res, 0, sizeof *res);
	buf text = BUF_INIT;
	csv_limits l;
	int rc = csv_decode_upload(data, len, &enc, lim, &text, &l, &res->errors);
	if (rc == Z_OK)
		rc = mallcsv_parse_utf8(buf_str(&text), text.len, expect, &l, res);
	res->encoding = enc;
	buf_free(&text);
	return rc;
}
