/* csv_export: CSV出力 of the 在庫連携 screen — the checked rows (選択) or every listing of the
 * base shop (すべて), in CP932 by default or UTF-8 with a BOM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "csv/csv.h"
#include "screens/screens.h"
#include "stock/stock.h"

static const char *const scope_choices[] = {"selected", "all", NULL};
static const char *const enc_choices[] = {"cp932", "utf8", NULL};

/* Declared fields: the router validates them before the handler runs. */
const web_field csv_export_fields[] = {
	{.name = "scope", .type = WF_ENUM, .required = true, .choices = scope_choices,
	 .label = "CSV出力"},
	{.name = "enc", .type = WF_ENUM, .choices = enc_choices, .label = "文字コード"},
	{.name = "sku", .type = WF_INT_LIST, .min = 1, .max = 2147483647, .max_count = 1000,
	 .label = "選択"},
	{.name = "listing", .type = WF_INT_LIST, .min = 1, .max = 2147483647, .max_count = 1000,
	 .label = "選択"},
	{.name = "back", .type = WF_TEXT, .max = 1000, .label = "戻り先"},
	{0},
};

/* The header; SKUコード and 総在庫数 make the file readable by 総在庫数CSV一括更新, the
 * listing columns by 商品データ取込 (zaiko形式). */
static const char *const header[] = {"店舗", "SKUコード", "商品コード", "子番号", "商品名",
                                     "選択肢", "画像URL", "JANコード", "価格", "在庫数",
                                     "総在庫数", "連携", "最小在庫数", "最大在庫数"};

static const char *const select_cols =
	"SELECT sh.name, l.sku_code, l.item_code, l.sub_code, l.name, l.options, l.image_url, "
	"l.jan, l.price, l.mall_stock, k.total, l.sync, l.min_stock, l.max_stock, k.id, k.is_set "
	"FROM listing l JOIN shop sh ON sh.id = l.shop_id LEFT JOIN sku k ON k.id = l.sku_id ";

static int write_rows(db *d, csv_writer *w, const db_res *res)
{
	for (int i = 0; i < res->nrows; i++) {
		const char *f[14];
		char set_total[24];
		for (int c = 0; c < 14; c++)
			f[c] = db_get(res, i, c);
		/* A set's 総在庫数 is what its parts allow, as the list and the malls get it (its
		 * stored total is not kept). */
		if (db_get_ll(res, i, 15, 0) == 1) {
			long long avail = 0;
			int arc = stock_available(d, db_get_ll(res, i, 14, 0), &avail);
			if (arc != Z_OK)
				return arc;
			snprintf(set_total, sizeof(set_total), "%lld", avail);
			f[10] = set_total;
		}
		int rc = csv_writer_row(w, f, 14);
		if (rc != Z_OK)
			return rc;
	}
	return Z_OK;
}

/* POST /stock/export: the CSV download of the checked rows or of the base shop. */
int csv_export_submit(web_request *r)
{
	bool all = web_int(r, "scope", 0) == 1;
	csv_out_encoding enc = web_int(r, "enc", 0) == 1 ? CSV_OUT_UTF8_BOM : CSV_OUT_CP932;
	db_res *res = NULL;
	long long *ids = NULL;
	int n = 0, rc;
	buf out = BUF_INIT, sql = BUF_INIT;
	csv_writer w;
	csv_writer_init(&w, &out, enc);

	buf_puts(&sql, select_cols);
	if (all) {
		long long bases = 0;
		rc = db_query_ll(r->db, "SELECT COUNT(*) FROM shop WHERE is_base = 1", NULL, 0, 0,
		                 &bases);
		if (rc != Z_OK)
			goto out;
		if (!bases) {
			rc = web_error(r, 400, "基本モールの店舗が設定されていません。利用店舗設定で基本モールを選んでください。");
			goto out;
		}
		buf_puts(&sql, "WHERE sh.is_base = 1 ORDER BY l.sku_code, l.item_code, l.sub_code");
		rc = db_query(r->db, buf_str(&sql), NULL, 0, &res);
	} else {
		rc = stock_checked_listings(r, &ids, &n);
		if (rc != Z_OK)
			goto out;
		if (!n) {
			rc = web_error(r, 400, "出力する商品にチェックを入れてください。");
			goto out;
		}
		db_val *vals = calloc((size_t)n, sizeof(db_val));
		if (!vals) {
			rc = Z_NOMEM;
			goto out;
		}
		buf_puts(&sql, "WHERE l.id IN (");
		for (int i = 0; i < n; i++) {
			buf_puts(&sql, i ? ",?" : "?");
			vals[i] = DB_I(ids[i]);
		}
		buf_puts(&sql, ") ORDER BY l.sku_code, sh.is_base DESC, l.shop_id, l.item_code");
		rc = db_query(r->db, buf_str(&sql), vals, n, &res);
		free(vals);
	}
	if (rc != Z_OK)
		goto out;
	rc = csv_writer_row(&w, header, Z_ARRAY_LEN(header));
	if (rc == Z_OK)
		rc = write_rows(r->db, &w, res);
	if (rc == Z_INVALID) {
		char msg[300];
		snprintf(msg, sizeof(msg),
		         "%zu行目に Shift_JIS (CP932) で表せない文字（絵文字など）があります。"
		         "文字コードに UTF-8 を選んで出力してください。",
		         w.bad_row);
		rc = web_error(r, 400, msg);
		goto out;
	}
	if (rc != Z_OK)
		goto out;
	char name[64];
	/* The merchant's clock: JST whatever the server's zone. */
	time_t now = time(NULL) + 9 * 3600;
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(name, sizeof(name), all ? "zaiko_all_%Y%m%d_%H%M%S.csv" : "zaiko_selected_%Y%m%d_%H%M%S.csv",
	         &tm);
	rc = web_download(r,
	                  enc == CSV_OUT_CP932 ? "text/csv; charset=Shift_JIS"
	                                       : "text/csv; charset=utf-8",
	                  name, &out);
out:
	csv_writer_free(&w);
	buf_free(&out);
	buf_free(&sql);
	db_res_free(res);
	free(ids);
	return rc;
}
