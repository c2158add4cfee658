/* csv_export: CSV出力 of the 在庫連携 screen — the checked rows (選択) or the whole search
 * result (すべて), in CP932 by default or UTF-8 with a BOM, streamed to the client as it is
 * read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/jst.h"
#include "csv/csv.h"
#include "core/log.h"
#include "csv/encoding.h"
#include "db/db_in.h"
#include "screens/screens.h"
#include "stock/stock.h"
#include "web/params.h"

/* How the file reads, decided here:
 * - One row per listing of the SKU in an enabled shop (the base shop's first), each with the
 *   SKU's code and 総在庫数; a SKU without any listing is one row with its own name. Listings
 *   of disabled shops are left out. Listings without a SKU (the 紐づいていない view) have a
 *   blank 総在庫数.
 * - So the file goes back unchanged: 総在庫数CSV一括更新 takes a SKU repeated with the same
 *   総在庫数 as one row and skips blank ones in this file's shape (stockcsv.c); 商品データ取込
 *   (zaiko形式) takes the rows whose 店舗 is the shop imported into (csv_import.c).
 * - すべて is the search of the screen (the back field carries its query), as the seed says:
 *   「検索結果全ての商品」.
 * - Rows are read by key in chunks of EXPORT_CHUNK SKUs and written to the client as they
 *   come, so a million listings start at once and the worker holds one chunk.
 * - CP932 cannot hold some characters (emoji, 𠮷): each is written as '?', the cells changed
 *   are counted, and the count waits for the 在庫連携 screen (setting export_notice.<user>)
 *   with a UTF-8 button: the file itself is already on its way when the count is known. */
#define EXPORT_CHUNK 500
#define EXPORT_FIRST_CHUNK 50
/* Bytes gathered before a write to the client. */
#define EXPORT_FLUSH 65536

static const char *const scope_choices[] = {"selected", "all", NULL};
static const char *const enc_choices[] = {"cp932", "utf8", NULL};

/* Declared fields: the router validates them before the handler runs. */
enum { EXPORT_SCOPE, EXPORT_ENC, EXPORT_SKU, EXPORT_LISTING, EXPORT_BACK, EXPORT__N };
const web_field csv_export_fields[EXPORT__N + 1] = {
	[EXPORT_SCOPE] = {.name = "scope", .type = WF_ENUM, .required = true,
	 .choices = scope_choices, .label = "msg.label.csv_export"},
	[EXPORT_ENC] = {.name = "enc", .type = WF_ENUM, .choices = enc_choices,
	 .label = "msg.label.encoding"},
	[EXPORT_SKU] = {.name = "sku", .type = WF_INT_LIST, .min = 1, .max = 2147483647,
	 .max_count = 1000, .label = "msg.label.checked"},
	[EXPORT_LISTING] = {.name = "listing", .type = WF_INT_LIST, .min = 1, .max = 2147483647,
	 .max_count = 1000, .label = "msg.label.checked"},
	[EXPORT_BACK] = {.name = "back", .type = WF_TEXT, .max = 1000, .label = "msg.label.back"},
	{0},
};

/* The header; SKUコード, 総在庫数 and 確保在庫数 make the file readable by 総在庫数CSV一括更新, the
 * listing columns by 商品データ取込 (zaiko形式). */
enum { C_SHOP, C_SKU, C_ITEM, C_SUB, C_NAME, C_OPTIONS, C_IMAGE, C_JAN, C_PRICE, C_STOCK,
       C_TOTAL, C_RESERVE, C_SYNC, C_MIN, C_MAX, C__MAX };
static const char *const header[C__MAX] = {"店舗", "SKUコード", "商品コード", "子番号", "商品名",
                                           "選択肢", "画像URL", "JANコード", "価格", "在庫数",
                                           "総在庫数", "確保在庫数", "連携", "最小在庫数",
                                           "最大在庫数"};

/* The listing columns, in header order from C_SHOP (C_SKU, C_TOTAL and C_RESERVE come from
 * the SKU). */
#define LISTING_COLS                                                                          \
	"sh.name, l.sku_code, l.item_code, l.sub_code, l.name, l.options, l.image_url, l.jan, "   \
	"l.price, l.mall_stock, NULL, NULL, l.sync, l.min_stock, l.max_stock"

typedef struct {
	web_request *r;
	csv_writer w;
	buf out;
	buf scratch;
	bool cp932;
	long long changed_cells;
	long long rows;
	bool streaming;
	const char *filename;
} export;

/* Sends what is gathered once there is enough (or everything, with force). */
static void flush(export *x, bool force)
{
	if (x->streaming && (force || x->out.len >= EXPORT_FLUSH) && x->out.len) {
		web_stream_write(x->r, x->out.data, x->out.len);
		buf_reset(&x->out);
	}
}

/* Starts the answer before the first row. */
static int begin(export *x)
{
	if (x->streaming)
		return Z_OK;
	int rc = web_stream_begin(x->r, x->cp932 ? "text/csv; charset=Shift_JIS"
	                                         : "text/csv; charset=utf-8",
	                          x->filename);
	if (rc != Z_OK)
		return rc;
	x->streaming = true;
	rc = csv_writer_row(&x->w, header, C__MAX);
	flush(x, false);
	return rc;
}

/* Writes one row; in CP932 a cell holding a character it cannot encode is counted. */
static int put_row(export *x, const char *const *f)
{
	int rc = begin(x);
	if (rc != Z_OK)
		return rc;
	if (x->cp932) {
		for (int c = 0; c < C__MAX; c++) {
			const char *v = f[c];
			bool ascii = true;
			for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p && ascii; p++)
				ascii = *p < 0x80;
			if (ascii)
				continue;
			buf_reset(&x->scratch);
			if (csv_utf8_to_cp932(v, strlen(v), false, &x->scratch, NULL, NULL) == Z_INVALID)
				x->changed_cells++;
		}
	}
	rc = csv_writer_row(&x->w, f, C__MAX);
	x->rows++;
	flush(x, false);
	return rc;
}

/* Writes the SKUs of s (columns id, code, name, total, is_set, reserve; in the order to write) with
 * their listings in enabled shops. A set's 総在庫数 is what its parts allow, as the list and
 * the malls get it (its stored total is not kept). */
static int write_skus(export *x, const db_res *s)
{
	long long ids[EXPORT_CHUNK] = {0};
	db_res *L = NULL;
	int n = s->nrows < EXPORT_CHUNK ? s->nrows : EXPORT_CHUNK;
	for (int i = 0; i < n; i++)
		ids[i] = db_get_ll(s, i, 0, 0);
	int rc = db_query_in(x->r->db,
	                     "SELECT l.sku_id, " LISTING_COLS " FROM listing l "
	                     "JOIN shop sh ON sh.id = l.shop_id "
	                     "WHERE sh.enabled = 1 AND l.sku_id IN ",
	                     " ORDER BY l.sku_id, sh.is_base DESC, l.shop_id, l.item_code, l.sub_code",
	                     NULL, 0, ids, n, &L);
	if (rc != Z_OK)
		return rc;
	for (int i = 0; i < n && rc == Z_OK; i++) {
		long long id = ids[i];
		/* L is ordered by sku_id: find the first listing of this SKU. */
		int lo = 0, hi = L->nrows;
		while (lo < hi) {
			int mid = lo + (hi - lo) / 2;
			if (db_get_ll(L, mid, 0, 0) < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		const char *f[C__MAX];
		const char *total = db_get(s, i, 3);
		char set_total[24];
		bool any = false;
		if (db_get_ll(s, i, 4, 0) == 1) {
			long long avail = 0;
			if ((rc = stock_available(x->r->db, id, &avail)) != Z_OK)
				break;
			snprintf(set_total, sizeof(set_total), "%lld", avail);
			total = set_total;
		}
		for (int k = lo; k < L->nrows && db_get_ll(L, k, 0, 0) == id && rc == Z_OK; k++) {
			for (int c = 0; c < C__MAX; c++)
				f[c] = db_get(L, k, c + 1);
			f[C_SKU] = db_get(s, i, 1);
			f[C_TOTAL] = total;
			f[C_RESERVE] = db_get(s, i, 5);
			rc = put_row(x, f);
			any = true;
		}
		if (!any && rc == Z_OK) {
			memset(f, 0, sizeof(f));
			f[C_SKU] = db_get(s, i, 1);
			f[C_NAME] = db_get(s, i, 2);
			f[C_TOTAL] = total;
			f[C_RESERVE] = db_get(s, i, 5);
			rc = put_row(x, f);
		}
	}
	db_res_free(L);
	return rc;
}

/* Writes listing rows of res (columns id, then LISTING_COLS). */
static int write_listings(export *x, const db_res *res)
{
	int rc = Z_OK;
	for (int i = 0; i < res->nrows && rc == Z_OK; i++) {
		const char *f[C__MAX];
		for (int c = 0; c < C__MAX; c++)
			f[c] = db_get(res, i, c + 1);
		rc = put_row(x, f);
	}
	return rc;
}

/* すべて of the SKU view: the search's WHERE, read by code in chunks. */
static int export_search_skus(export *x, search_where *w)
{
	buf sql = BUF_INIT, after = BUF_INIT;
	int rc = Z_OK;
	bool first = true;
	for (;;) {
		db_val vals[SEARCH_MAX_VALS + 2];
		int n = w->n;
		memcpy(vals, w->vals, sizeof(db_val) * (size_t)w->n);
		buf_reset(&sql);
		buf_puts(&sql, "SELECT s.id, s.code, s.name, s.total, s.is_set, s.reserve FROM sku s");
		buf_puts(&sql, buf_str(&w->sql));
		if (!first) {
			buf_puts(&sql, w->sql.len ? " AND s.code > ?" : " WHERE s.code > ?");
			vals[n++] = DB_SN(buf_str(&after), after.len);
		}
		buf_puts(&sql, " ORDER BY s.code LIMIT ?");
		/* A small first chunk: the first bytes leave at once. */
		int want = first ? EXPORT_FIRST_CHUNK : EXPORT_CHUNK;
		vals[n++] = DB_I(want);
		db_res *s = NULL;
		rc = db_query(x->r->db, buf_str(&sql), vals, n, &s);
		if (rc == Z_OK && (s->nrows || first))
			rc = s->nrows ? write_skus(x, s) : begin(x);
		int got = s ? s->nrows : 0;
		if (rc == Z_OK && got) {
			buf_reset(&after);
			buf_append(&after, db_get(s, got - 1, 1), db_len(s, got - 1, 1));
		}
		db_res_free(s);
		if (first)
			flush(x, true);
		first = false;
		if (rc != Z_OK || got < want)
			break;
	}
	buf_free(&sql);
	buf_free(&after);
	return rc;
}

/* すべて of the 紐づいていない view: its listings by id in chunks. */
static int export_search_unlinked(export *x, search_where *w)
{
	buf sql = BUF_INIT;
	long long after = 0;
	int rc = Z_OK;
	for (;;) {
		db_val vals[SEARCH_MAX_VALS + 2];
		int n = w->n;
		memcpy(vals, w->vals, sizeof(db_val) * (size_t)w->n);
		buf_reset(&sql);
		buf_puts(&sql, "SELECT l.id, " LISTING_COLS " FROM listing l "
		               "JOIN shop sh ON sh.id = l.shop_id");
		buf_puts(&sql, buf_str(&w->sql));
		buf_puts(&sql, " AND sh.enabled = 1 AND l.id > ? ORDER BY l.id LIMIT ?");
		vals[n++] = DB_I(after);
		vals[n++] = DB_I(EXPORT_CHUNK);
		db_res *res = NULL;
		rc = db_query(x->r->db, buf_str(&sql), vals, n, &res);
		if (rc == Z_OK)
			rc = res->nrows ? write_listings(x, res) : begin(x);
		int got = res ? res->nrows : 0;
		if (got)
			after = db_get_ll(res, got - 1, 0, 0);
		db_res_free(res);
		if (rc != Z_OK || got < EXPORT_CHUNK)
			break;
	}
	buf_free(&sql);
	return rc;
}

struct selected {
	export *x;
};

/* 選択: one slice of checked SKU ids, in code order. */
static int export_sku_slice(const long long *ids, int k, void *ctx)
{
	export *x = ((struct selected *)ctx)->x;
	db_res *s = NULL;
	int rc = db_query_in(x->r->db,
	                     "SELECT s.id, s.code, s.name, s.total, s.is_set, s.reserve FROM sku s "
	                     "WHERE s.id IN ",
	                     " ORDER BY s.code", NULL, 0, ids, k, &s);
	if (rc == Z_OK && s->nrows)
		rc = write_skus(x, s);
	db_res_free(s);
	return rc;
}

/* 選択 of listing rows (the 紐づいていない view): those still without a SKU. */
static int export_listing_slice(const long long *ids, int k, void *ctx)
{
	export *x = ((struct selected *)ctx)->x;
	db_res *res = NULL;
	int rc = db_query_in(x->r->db,
	                     "SELECT l.id, " LISTING_COLS " FROM listing l "
	                     "JOIN shop sh ON sh.id = l.shop_id "
	                     "WHERE l.sku_id IS NULL AND sh.enabled = 1 AND l.id IN ",
	                     " ORDER BY l.id", NULL, 0, ids, k, &res);
	if (rc == Z_OK)
		rc = write_listings(x, res);
	db_res_free(res);
	return rc;
}

/* The search of the screen the export was asked from: its query string is the back field,
 * validated with the list's own fields. sub holds the values (free with web_values_free). */
static int read_back_search(web_request *r, web_request *sub, web_params *params,
                            search_filter *s, char *msg, size_t msglen)
{
	static const web_route list_route = {.method = "GET", .path = "/",
	                                     .fields = list_fields};
	const char *back = web_text_of(r, csv_export_fields, EXPORT_BACK), *why = NULL;
	memset(sub, 0, sizeof(*sub));
	sub->route = &list_route;
	if (web_parse_urlencoded(back, strlen(back), &web_default_limits, params, &why) != Z_OK) {
		snprintf(msg, msglen, "%s", web_lang(r, why ? why : "msg.csv_export.bad_search"));
		return Z_INVALID;
	}
	if (web_validate(r, list_fields, params, sub->values, msg, msglen) != Z_OK)
		return Z_INVALID;
	list_search_read(sub, s);
	return Z_OK;
}

/* Keeps the count of changed cells for the 在庫連携 screen. */
static void remember_notice(web_request *r, long long cells, bool all)
{
	char name[64], value[64];
	snprintf(name, sizeof(name), "export_notice.%lld", (long long)r->user.id);
	snprintf(value, sizeof(value), "%lld %s", cells, all ? "all" : "selected");
	if (cells > 0)
		db_execv(r->db,
		         "INSERT INTO setting (name, value) VALUES (?, ?) "
		         "ON DUPLICATE KEY UPDATE value = VALUES(value)",
		         DB_S(name), DB_S(value));
	else
		db_execv(r->db, "DELETE FROM setting WHERE name = ?", DB_S(name));
}

int csv_export_notice(web_request *r)
{
	char name[64];
	db_res *res = NULL;
	snprintf(name, sizeof(name), "export_notice.%lld", (long long)r->user.id);
	int rc = db_queryv(r->db, &res, "SELECT value FROM setting WHERE name = ?", DB_S(name));
	if (rc != Z_OK || res->nrows == 0) {
		db_res_free(res);
		return rc;
	}
	long long cells = 0;
	char scope[16] = "";
	if (sscanf(db_get(res, 0, 0), "%lld %15s", &cells, scope) == 2 && cells > 0) {
		web_set_int(r, "Page.export_replaced", cells);
		web_set(r, "Page.export_replaced_scope", scope);
	}
	db_res_free(res);
	/* Shown once. */
	return db_execv(r->db, "DELETE FROM setting WHERE name = ?", DB_S(name));
}

/* POST /stock/export: the CSV download of the checked rows or of the search result. */
int csv_export_submit(web_request *r)
{
	bool all = web_int_of(r, csv_export_fields, EXPORT_SCOPE, 0) == 1;
	csv_out_encoding enc = web_int_of(r, csv_export_fields, EXPORT_ENC, 0) == 1 ? CSV_OUT_UTF8_BOM
	                                                                            : CSV_OUT_CP932;
	export x = {.r = r, .out = BUF_INIT, .scratch = BUF_INIT, .cp932 = enc == CSV_OUT_CP932};
	search_where w = {0};
	web_request *sub = NULL;
	web_params params = {0};
	char name[64], msg[300];
	int rc;
	csv_writer_init(&x.w, &x.out, enc);
	x.w.replace_unmappable = true;

	/* The merchant's clock: JST whatever the server's zone. */
	struct tm tm;
	jst_tm(time(NULL), &tm);
	strftime(name, sizeof(name),
	         all ? "zaiko_all_%Y%m%d_%H%M%S.csv" : "zaiko_selected_%Y%m%d_%H%M%S.csv", &tm);
	x.filename = name;

	if (all) {
		search_filter s;
		sub = calloc(1, sizeof(*sub));
		if (!sub) {
			rc = Z_NOMEM;
			goto out;
		}
		if (read_back_search(r, sub, &params, &s, msg, sizeof(msg)) != Z_OK) {
			rc = web_error(r, 400, msg);
			goto out;
		}
		s.db = r->db; /* the search index, as the screen reads it */
		int trc = s.unlinked ? search_where_unlinked(&s, &w) : search_where_skus(&s, &w);
		if (trc == Z_INVALID) {
			rc = web_error(r, 400, web_lang(r, "msg.csv_export.keywords_max"));
			goto out;
		}
		rc = trc != Z_OK ? trc
		     : s.unlinked ? export_search_unlinked(&x, &w)
		                  : export_search_skus(&x, &w);
	} else {
		const web_value *skus = web_value_of(r, csv_export_fields, EXPORT_SKU);
		const web_value *lst = web_value_of(r, csv_export_fields, EXPORT_LISTING);
		int ns = skus && skus->present ? skus->count : 0;
		int nl = lst && lst->present ? lst->count : 0;
		if (!ns && !nl) {
			rc = web_error(r, 400, web_lang(r, "msg.csv_export.none"));
			goto out;
		}
		struct selected sel = {&x};
		rc = db_in_each(ns ? skus->list : NULL, ns, export_sku_slice, &sel);
		if (rc == Z_OK)
			rc = db_in_each(nl ? lst->list : NULL, nl, export_listing_slice, &sel);
		if (rc == Z_OK)
			rc = begin(&x);
	}
	if (rc == Z_OK) {
		flush(&x, true);
		if (x.cp932)
			remember_notice(r, x.changed_cells, all);
	} else if (x.streaming) {
		/* The answer has begun: the client gets a short file, the log says why. */
		log_error("export: stopped after %lld rows (%d)", x.rows, rc);
		flush(&x, true);
	}
out:
	if (sub) {
		web_values_free(list_fields, sub->values);
		free(sub);
	}
	web_params_free(&params);
	search_where_free(&w);
	csv_writer_free(&x.w);
	buf_free(&x.out);
	buf_free(&x.scratch);
	return rc;
}
