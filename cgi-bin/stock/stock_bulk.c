/* stock_bulk: changes of many rows at once — a 総在庫数 file's totals, set-based, and the
 * deletion of listings (商品削除) — for the screens and any command that needs them. */
#include <stdlib.h>
#include "core/lang.h"
#include "db/db_in.h"
#include "stock/stock_int.h"

/* Rows per multi-row INSERT into the scratch table (two parameters each, under db.h's cap). */
#define BULK_CHUNK 500

struct bulk_totals_ctx {
	const stock_total_row *rows;
	size_t n;
	const stock_total_row *reserves;
	size_t nr;
	bool delta;
	const char *ref;
	long long user_id;
	stock_progress_fn progress;
	void *pctx;
	const char *lang;
	buf *why;
	long long *changed;
};

struct requeue_relay {
	stock_progress_fn progress;
	void *pctx;
};

static void requeue_relay(void *vctx, long long done, long long total)
{
	struct requeue_relay *c = vctx;
	c->progress(c->pctx, STOCK_PHASE_REQUEUE, done, total);
}

/* 確保在庫数 of a file, set-based, inside the caller's transaction: the rows go to the scratch
 * table csv_reserve, their SKUs are locked, each reserve that differs is written and marked
 * changed (the caller re-queues them). A reserve is a setting, not stock: no stock_move. */
static int reserves_load(db *d, const stock_total_row *rows, size_t n, const char *lang,
                         buf *why)
{
	long long bad = 0;
	int rc = db_exec(d, "DROP TEMPORARY TABLE IF EXISTS csv_reserve", NULL, 0, NULL, NULL);
	if (rc == Z_OK)
		rc = db_exec(d,
		             "CREATE TEMPORARY TABLE csv_reserve (sku_id INT PRIMARY KEY, "
		             "value BIGINT NOT NULL, changed TINYINT NOT NULL DEFAULT 0)",
		             NULL, 0, NULL, NULL);
	for (size_t at = 0; rc == Z_OK && at < n; at += BULK_CHUNK) {
		size_t k = n - at < BULK_CHUNK ? n - at : BULK_CHUNK;
		db_val vals[BULK_CHUNK * 2];
		buf sql = BUF_INIT;
		buf_puts(&sql, "INSERT INTO csv_reserve (sku_id, value) VALUES ");
		for (size_t i = 0; i < k; i++) {
			if (rows[at + i].value < 0 || rows[at + i].value > STOCK_QTY_MAX)
				bad++;
			buf_puts(&sql, i ? ",(?,?)" : "(?,?)");
			vals[2 * i] = DB_I(rows[at + i].sku_id);
			vals[2 * i + 1] = DB_I(rows[at + i].value);
		}
		rc = db_exec(d, buf_str(&sql), vals, (int)(2 * k), NULL, NULL);
		buf_free(&sql);
	}
	if (rc == Z_OK && bad) {
		lang_textf(NULL, lang, why, "msg.stock_bulk.reserve_range", "%lld%lld", STOCK_QTY_MAX,
		           bad);
		rc = Z_INVALID;
	}
	if (rc == Z_OK)
		rc = db_query_ll(d,
		                 "SELECT COUNT(*) FROM csv_reserve c "
		                 "STRAIGHT_JOIN sku s ON s.id = c.sku_id FOR UPDATE",
		                 NULL, 0, 0, &bad);
	if (rc == Z_OK)
		rc = db_exec(d,
		             "UPDATE csv_reserve c JOIN sku s ON s.id = c.sku_id SET c.changed = 1 "
		             "WHERE c.value <> s.reserve",
		             NULL, 0, NULL, NULL);
	if (rc == Z_OK)
		rc = db_exec(d,
		             "UPDATE sku s JOIN csv_reserve c ON c.sku_id = s.id "
		             "SET s.reserve = c.value WHERE c.changed = 1",
		             NULL, 0, NULL, NULL);
	return rc;
}

/* The totals, set-based: the rows go to a scratch table, the SKUs are locked, each changed SKU
 * gets the same two writes stock_change_total makes (the new total and a stock_move 'csv'
 * naming the file), then stock_requeue_changed recomputes wanted stock, drift and pushes of
 * the changed SKUs and of the sets that contain them, in the same transaction: the moves and
 * the pushes they owe commit together. Row by row through stock_set_total this ran at ~150
 * rows/s, so a 100k-row file outlived the web server's timeout. */
static int bulk_totals_tx(db *d, void *vctx)
{
	struct bulk_totals_ctx *c = vctx;
	bool delta = c->delta;
	long long bad = 0;
	*c->changed = 0;
	int rc = db_exec(d, "DROP TEMPORARY TABLE IF EXISTS csv_total", NULL, 0, NULL, NULL);
	if (rc == Z_OK)
		rc = db_exec(d,
		             "CREATE TEMPORARY TABLE csv_total (sku_id INT PRIMARY KEY, "
		             "value BIGINT NOT NULL, changed TINYINT NOT NULL DEFAULT 0)",
		             NULL, 0, NULL, NULL);
	for (size_t at = 0; rc == Z_OK && at < c->n; at += BULK_CHUNK) {
		size_t k = c->n - at < BULK_CHUNK ? c->n - at : BULK_CHUNK;
		db_val vals[BULK_CHUNK * 2];
		buf sql = BUF_INIT;
		buf_puts(&sql, "INSERT INTO csv_total (sku_id, value) VALUES ");
		for (size_t i = 0; i < k; i++) {
			buf_puts(&sql, i ? ",(?,?)" : "(?,?)");
			vals[2 * i] = DB_I(c->rows[at + i].sku_id);
			vals[2 * i + 1] = DB_I(c->rows[at + i].value);
		}
		rc = db_exec(d, buf_str(&sql), vals, (int)(2 * k), NULL, NULL);
		buf_free(&sql);
		if (c->progress && (at / BULK_CHUNK) % 20 == 19)
			c->progress(c->pctx, STOCK_PHASE_LOAD, (long long)(at + k), (long long)c->n);
	}
	/* Lock every SKU of the file first (the scratch table drives the join, so each row is
	 * read, and locked, by its key), so the moves below read totals no order can change
	 * meanwhile; the sets among them are counted in the same pass. A WHERE on is_set here
	 * would read ix_set and lock only the sets. */
	if (rc == Z_OK)
		rc = db_query_ll(d,
		                 "SELECT COALESCE(SUM(s.is_set), 0) FROM csv_total c "
		                 "STRAIGHT_JOIN sku s ON s.id = c.sku_id FOR UPDATE",
		                 NULL, 0, 0, &bad);
	if (rc == Z_OK && bad) {
		buf_puts(c->why, lang_text(c->lang, "msg.stock_bulk.set_total"));
		rc = Z_INVALID;
	}
	if (rc == Z_OK && delta)
		rc = db_query_ll(d,
		                 "SELECT COUNT(*) FROM sku s JOIN csv_total c ON c.sku_id = s.id "
		                 "WHERE s.total + c.value NOT BETWEEN ? AND ?",
		                 DB_ARGS(DB_I(-STOCK_QTY_MAX), DB_I(STOCK_QTY_MAX)), 0, &bad);
	if (rc == Z_OK && delta && bad) {
		lang_textf(NULL, c->lang, c->why, "msg.stock_bulk.delta_range", "%lld", bad);
		rc = Z_INVALID;
	}
	if (rc == Z_OK)
		rc = db_exec(d,
		             delta ? "UPDATE csv_total c JOIN sku s ON s.id = c.sku_id SET c.changed = 1 "
		                     "WHERE c.value <> 0"
		                   : "UPDATE csv_total c JOIN sku s ON s.id = c.sku_id SET c.changed = 1 "
		                     "WHERE c.value <> s.total",
		             NULL, 0, c->changed, NULL);
	if (rc == Z_OK)
		rc = db_execv(d,
		              delta ? "INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, "
		                      "user_id, created_at) SELECT s.id, c.value, s.total + c.value, "
		                      "'csv', ?, ?, UTC_TIMESTAMP(3) FROM csv_total c "
		                      "JOIN sku s ON s.id = c.sku_id WHERE c.changed = 1"
		                    : "INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, "
		                      "user_id, created_at) SELECT s.id, c.value - s.total, c.value, "
		                      "'csv', ?, ?, UTC_TIMESTAMP(3) FROM csv_total c "
		                      "JOIN sku s ON s.id = c.sku_id WHERE c.changed = 1",
		              DB_S(c->ref ? c->ref : ""), DB_I(c->user_id));
	if (rc == Z_OK)
		rc = db_exec(d,
		             delta ? "UPDATE sku s JOIN csv_total c ON c.sku_id = s.id "
		                     "SET s.total = s.total + c.value, s.updated_at = UTC_TIMESTAMP() "
		                     "WHERE c.changed = 1"
		                   : "UPDATE sku s JOIN csv_total c ON c.sku_id = s.id "
		                     "SET s.total = c.value, s.updated_at = UTC_TIMESTAMP() "
		                     "WHERE c.changed = 1",
		             NULL, 0, NULL, NULL);
	if (rc == Z_OK && c->nr)
		rc = reserves_load(d, c->reserves, c->nr, c->lang, c->why);
	if (rc == Z_OK)
		rc = stock_changed_open(d);
	if (rc == Z_OK)
		rc = db_exec(d,
		             "INSERT INTO " STOCK_CHANGED_TABLE " (sku_id) "
		             "SELECT sku_id FROM csv_total WHERE changed = 1",
		             NULL, 0, NULL, NULL);
	/* A SKU whose reserve and total both changed is one changed SKU. */
	if (rc == Z_OK && c->nr)
		rc = db_exec(d,
		             "INSERT IGNORE INTO " STOCK_CHANGED_TABLE " (sku_id) "
		             "SELECT sku_id FROM csv_reserve WHERE changed = 1",
		             NULL, 0, NULL, NULL);
	if (rc == Z_OK && c->nr)
		rc = db_query_ll(d, "SELECT COUNT(*) FROM " STOCK_CHANGED_TABLE, NULL, 0, 0, c->changed);
	if (rc == Z_OK) {
		struct requeue_relay relay = {c->progress, c->pctx};
		if (c->progress)
			c->progress(c->pctx, STOCK_PHASE_LOAD, (long long)c->n, (long long)c->n);
		rc = stock_requeue_changed(d, c->progress ? requeue_relay : NULL, &relay);
	}
	db_exec(d, "DROP TEMPORARY TABLE IF EXISTS csv_total", NULL, 0, NULL, NULL);
	db_exec(d, "DROP TEMPORARY TABLE IF EXISTS csv_reserve", NULL, 0, NULL, NULL);
	return rc;
}

int stock_bulk_totals(db *d, const stock_total_row *rows, size_t n, bool delta, const char *ref,
                      long long user_id, stock_progress_fn progress, void *pctx,
                      const char *lang, buf *why, long long *changed)
{
	return stock_bulk_stock(d, rows, n, NULL, 0, delta, ref, user_id, progress, pctx, lang, why,
	                        changed);
}

int stock_bulk_stock(db *d, const stock_total_row *totals, size_t nt,
                     const stock_total_row *reserves, size_t nr, bool delta, const char *ref,
                     long long user_id, stock_progress_fn progress, void *pctx,
                     const char *lang, buf *why, long long *changed)
{
	struct bulk_totals_ctx c = {totals, nt, reserves, nr, delta, ref, user_id, progress, pctx,
	                            lang, why, changed};
	return stock_tx(d, bulk_totals_tx, &c);
}

/* ---- 商品削除 ---- */

struct delete_ctx {
	const long long *listing_ids;
	int n;
	const long long *sku_ids;
	int nskus;
};

/* One slice of the listings being deleted: their pending pushes, then the listings. */
static int delete_slice(const long long *ids, int k, void *vctx)
{
	db *d = vctx;
	buf in = BUF_INIT, sql = BUF_INIT;
	db_val *vals = calloc((size_t)k, sizeof(db_val));
	int rc = Z_NOMEM;
	if (!vals)
		goto out;
	for (int i = 0; i < k; i++)
		vals[i] = DB_I(ids[i]);
	if (db_in_placeholders(&in, k) != Z_OK)
		goto out;
	buf_printf(&sql, "DELETE FROM push WHERE state = 'pending' AND listing_id IN (%s)",
	           buf_str(&in));
	rc = db_exec(d, buf_str(&sql), vals, k, NULL, NULL);
	buf_reset(&sql);
	buf_printf(&sql, "DELETE FROM listing WHERE id IN (%s)", buf_str(&in));
	if (rc == Z_OK)
		rc = db_exec(d, buf_str(&sql), vals, k, NULL, NULL);
out:
	free(vals);
	buf_free(&in);
	buf_free(&sql);
	return rc;
}

static int listing_delete_tx(db *d, void *vctx)
{
	struct delete_ctx *c = vctx;
	db_res *affected = NULL;
	/* Any number of listings: the ids go in slices (a statement binds at most 1,024 values),
	 * all inside this one transaction, so the delete is still all or nothing. */
	int rc = db_query_in(d, "SELECT DISTINCT shop_id, COALESCE(sku_id, 0) FROM listing WHERE id IN ",
	                     " FOR UPDATE", NULL, 0, c->listing_ids, c->n, &affected);
	if (rc == Z_OK)
		rc = db_in_each(c->listing_ids, c->n, delete_slice, d);
	for (int i = 0; rc == Z_OK && i < c->nskus; i++)
		rc = db_execv(d,
		              "DELETE FROM sku WHERE id = ? "
		              "AND NOT EXISTS (SELECT 1 FROM listing WHERE sku_id = ?) "
		              "AND NOT EXISTS (SELECT 1 FROM set_part WHERE set_sku_id = ? "
		              "OR part_sku_id = ?)",
		              DB_I(c->sku_ids[i]), DB_I(c->sku_ids[i]), DB_I(c->sku_ids[i]),
		              DB_I(c->sku_ids[i]));
	/* Deleting one of two duplicates solves the duplicate; the rest get fresh drift flags,
	 * search documents and pushes. (Rows of several slices may name a shop or SKU again.) */
	long long last_shop = 0;
	for (int i = 0; rc == Z_OK && affected && i < affected->nrows; i++) {
		long long shop = db_get_ll(affected, i, 0, 0), sku = db_get_ll(affected, i, 1, 0);
		if (shop != last_shop)
			rc = stock_relink_shop(d, shop);
		last_shop = shop;
		if (rc == Z_OK && sku > 0) {
			rc = stock_refresh_search_doc(d, sku);
			if (rc == Z_NOTFOUND)
				rc = Z_OK;
			else if (rc == Z_OK)
				rc = stock_requeue_skus(d, &sku, 1);
		}
	}
	db_res_free(affected);
	return rc;
}

int stock_listing_delete(db *d, const long long *listing_ids, int n, const long long *sku_ids,
                         int nskus)
{
	struct delete_ctx c = {listing_ids, n, sku_ids, nskus};
	if (n < 0 || nskus < 0)
		return Z_INVALID;
	return stock_tx(d, listing_delete_tx, &c);
}

/* ---- 連携 for every listing ---- */

/* Listing ids a transaction of 一括切替 switches: at 1M listings one UPDATE of them all held
 * every listing's lock for 60 s (the list counts' triggers run for each row), and no order
 * could be applied meanwhile; a chunk holds its locks for about 0.3 s. */
#define SYNC_ALL_CHUNK 5000

int stock_sync_all(db *d, bool on, long long *changed,
                   void (*progress)(void *ctx, long long done, long long total), void *pctx)
{
	/* Each chunk's switch commits with the pending-recompute marker, so a switch cut short
	 * (the listings it reached switched, the rest not) is still recomputed, and asking again
	 * finishes it. Wanted stock, drift flags and pushes of every listing follow at the end
	 * (or in the batch's next cycle). Listings added meanwhile keep their own state. */
	long long max = 0;
	*changed = 0;
	int rc = db_query_ll(d, "SELECT COALESCE(MAX(id), 0) FROM listing", NULL, 0, 0, &max);
	for (long long lo = 0; rc == Z_OK && lo < max; lo += SYNC_ALL_CHUNK) {
		long long n = 0;
		rc = db_begin(d);
		if (rc == Z_OK)
			rc = db_exec(d, "UPDATE listing SET sync = ? WHERE id > ? AND id <= ? AND sync <> ?",
			             DB_ARGS(DB_I(on), DB_I(lo), DB_I(lo + SYNC_ALL_CHUNK), DB_I(on)), &n,
			             NULL);
		if (rc == Z_OK && n)
			rc = stock_recompute_mark(d);
		if (rc == Z_OK)
			rc = db_commit(d);
		else if (db_in_transaction(d))
			db_rollback(d);
		if (rc == Z_OK)
			*changed += n;
		if (rc == Z_OK && progress)
			progress(pctx, lo + SYNC_ALL_CHUNK < max ? lo + SYNC_ALL_CHUNK : max, max);
	}
	if (rc == Z_OK && *changed)
		rc = stock_recompute_pending(d);
	return rc;
}
