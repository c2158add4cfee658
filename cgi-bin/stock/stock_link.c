/* stock_link: links of listings to SKUs (by code or by hand), duplicates within a shop,
 * listing imports, and the bulk recompute of wanted stock and search documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/utf8.h"
#include "core/log.h"
#include "core/secret.h"
#include "stock/stock.h"
#include "stock/stock_int.h"

/* Above this many SKUs a change re-queues in bulk SQL instead of SKU by SKU. */
#define BULK_THRESHOLD 2000
#define DOC_CHUNK 1000

/* Copies at most maxchars UTF-8 characters of s into out (size ≥ 4 * maxchars + 1). */
static const char *cut_chars(const char *s, size_t maxchars, char *out)
{
	size_t chars = 0, i = 0;
	s = s ? s : "";
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == maxchars)
			break;
		out[i] = s[i];
	}
	out[i] = '\0';
	return out;
}

static size_t count_chars(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* ---- duplicates ---- */

static int dup_key(char *out, size_t size, long long shop_id, long long sku_id)
{
	return snprintf(out, size, "duplicate:%lld:%lld", shop_id, sku_id);
}

int stock_check_duplicates(db *d, long long shop_id, idset *touched)
{
	db_res *dup = NULL, *flagged = NULL;
	idset dupskus = {0};
	char key[80];
	int rc = db_queryv(d, &dup,
	                   "SELECT l.sku_id, s.code, GROUP_CONCAT(CONCAT(l.item_code, "
	                   "IF(l.sub_code = '', '', CONCAT(' / ', l.sub_code))) ORDER BY l.id "
	                   "SEPARATOR ', ') FROM listing l JOIN sku s ON s.id = l.sku_id "
	                   "WHERE l.shop_id = ? GROUP BY l.sku_id, s.code HAVING COUNT(*) > 1",
	                   DB_I(shop_id));
	if (rc != Z_OK)
		goto out;
	for (int i = 0; rc == Z_OK && i < dup->nrows; i++) {
		long long sku_id = db_get_ll(dup, i, 0, 0), affected = 0;
		if ((rc = idset_add(&dupskus, sku_id)) != Z_OK)
			break;
		db_val p[] = {DB_I(shop_id), DB_I(sku_id)};
		rc = db_exec(d, "UPDATE listing SET state = 'duplicate' WHERE shop_id = ? "
		                "AND sku_id = ? AND state <> 'duplicate'",
		             p, 2, &affected, NULL);
		if (rc != Z_OK || affected == 0)
			continue;
		if (touched)
			rc = idset_add(touched, sku_id);
		dup_key(key, sizeof(key), shop_id, sku_id);
		if (rc == Z_OK)
			rc = stock_error_k(d, 8, "duplicate", shop_id, sku_id, 0, key,
			                   "msg.stock_error.duplicate",
			                   "複数の商品が紐づいています: SKU %s — %s (解決するまで在庫を"
			                   "反映しません)",
			                   db_get(dup, i, 1), db_get(dup, i, 2));
	}
	if (rc != Z_OK)
		goto out;
	rc = db_queryv(d, &flagged,
	               "SELECT id, sku_id FROM listing WHERE shop_id = ? AND state = 'duplicate'",
	               DB_I(shop_id));
	for (int i = 0; rc == Z_OK && flagged && i < flagged->nrows; i++) {
		long long sku_id = db_get_ll(flagged, i, 1, 0);
		if (sku_id > 0 && idset_has(&dupskus, sku_id))
			continue;
		rc = db_execv(d, "UPDATE listing SET state = 'ok' WHERE id = ?",
		              DB_I(db_get_ll(flagged, i, 0, 0)));
		if (rc == Z_OK && sku_id > 0 && touched)
			rc = idset_add(touched, sku_id);
		if (rc == Z_OK && sku_id > 0) {
			/* Solved: the message leaves the error list. */
			dup_key(key, sizeof(key), shop_id, sku_id);
			rc = db_execv(d, "DELETE FROM error_log WHERE dedupe = ?", DB_S(key));
		}
	}
out:
	idset_free(&dupskus);
	db_res_free(flagged);
	db_res_free(dup);
	return rc;
}

int stock_check_duplicate_sku(db *d, long long shop_id, long long sku_id, idset *touched)
{
	db_res *r = NULL;
	buf names = BUF_INIT;
	char key[80];
	long long affected = 0;
	dup_key(key, sizeof(key), shop_id, sku_id);
	int rc = db_queryv(d, &r,
	                   "SELECT l.id, l.state, l.item_code, l.sub_code, s.code FROM listing l "
	                   "JOIN sku s ON s.id = l.sku_id WHERE l.sku_id = ? AND l.shop_id = ? "
	                   "ORDER BY l.id",
	                   DB_I(sku_id), DB_I(shop_id));
	if (rc != Z_OK)
		goto out;
	if (r->nrows > 1) {
		db_val p[] = {DB_I(sku_id), DB_I(shop_id)};
		rc = db_exec(d, "UPDATE listing SET state = 'duplicate' WHERE sku_id = ? "
		                "AND shop_id = ? AND state <> 'duplicate'",
		             p, 2, &affected, NULL);
		if (rc != Z_OK || affected == 0)
			goto out;
		for (int i = 0; i < r->nrows; i++)
			buf_printf(&names, "%s%s%s%s", i ? ", " : "", db_get(r, i, 2),
			           *db_get(r, i, 3) ? " / " : "", db_get(r, i, 3));
		rc = stock_error_k(d, 8, "duplicate", shop_id, sku_id, 0, key,
		                   "msg.stock_error.duplicate",
		                   "複数の商品が紐づいています: SKU %s — %s (解決するまで在庫を反映しません)",
		                   db_get(r, 0, 4), buf_str(&names));
	} else {
		if (r->nrows == 1 && !strcmp(db_get(r, 0, 1), "duplicate")) {
			rc = db_execv(d, "UPDATE listing SET state = 'ok' WHERE id = ?",
			              DB_I(db_get_ll(r, 0, 0, 0)));
			affected = 1;
		}
		if (rc == Z_OK)
			rc = db_execv(d, "DELETE FROM error_log WHERE dedupe = ?", DB_S(key));
	}
	if (rc == Z_OK && affected > 0 && touched)
		rc = idset_add(touched, sku_id);
out:
	buf_free(&names);
	db_res_free(r);
	return rc;
}

/* ---- relinking ---- */

/* Re-queues and refreshes search documents of the SKUs whose listings changed. */
static int after_link_change(db *d, const idset *touched)
{
	int rc;
	if (touched->n > BULK_THRESHOLD)
		rc = stock_recompute_sql(d, 0, NULL, NULL);
	else
		rc = stock_requeue_skus(d, touched->v, touched->n);
	for (int i = 0; rc == Z_OK && i < touched->n; i++) {
		rc = stock_refresh_search_doc(d, touched->v[i]);
		if (rc == Z_NOTFOUND)
			rc = Z_OK;
	}
	return rc;
}

/* Relinks one shop's code-rule listings, adding old and new SKUs to touched. */
static int relink_in_tx(db *d, long long shop_id, idset *touched)
{
	db_res *r = NULL;
	int rc = db_queryv(d, &r,
	                   "SELECT l.id, l.sku_id, s.id FROM listing l "
	                   "LEFT JOIN sku s ON s.code = l.sku_code AND l.sku_code <> '' "
	                   "WHERE l.shop_id = ? AND l.link_mode = 'code' AND NOT (l.sku_id <=> s.id)",
	                   DB_I(shop_id));
	if (rc != Z_OK)
		return rc;
	for (int i = 0; rc == Z_OK && i < r->nrows; i++) {
		if (db_get(r, i, 1))
			rc = idset_add(touched, db_get_ll(r, i, 1, 0));
		if (rc == Z_OK && db_get(r, i, 2))
			rc = idset_add(touched, db_get_ll(r, i, 2, 0));
	}
	bool changed = r->nrows > 0;
	db_res_free(r);
	if (rc != Z_OK)
		return rc;
	if (changed) {
		rc = db_execv(d,
		              "UPDATE listing l LEFT JOIN sku s ON s.code = l.sku_code "
		              "AND l.sku_code <> '' SET l.sku_id = s.id, "
		              "l.wanted = IF(s.id IS NULL, NULL, l.wanted) "
		              "WHERE l.shop_id = ? AND l.link_mode = 'code' AND NOT (l.sku_id <=> s.id)",
		              DB_I(shop_id));
		if (rc == Z_OK)
			rc = db_execv(d,
			              "DELETE p FROM push p JOIN listing l ON l.id = p.listing_id "
			              "WHERE p.state = 'pending' AND l.shop_id = ? AND l.sku_id IS NULL",
			              DB_I(shop_id));
	}
	if (rc == Z_OK)
		rc = stock_check_duplicates(d, shop_id, touched);
	return rc;
}

static int relink_tx(db *d, void *vctx)
{
	idset touched = {0};
	int rc = relink_in_tx(d, *(long long *)vctx, &touched);
	if (rc == Z_OK)
		rc = after_link_change(d, &touched);
	idset_free(&touched);
	return rc;
}

int stock_relink_shop(db *d, long long shop_id)
{
	return stock_tx(d, relink_tx, &shop_id);
}

struct manual_ctx {
	long long listing_id, sku_id;
};

static int manual_tx(db *d, void *vctx)
{
	struct manual_ctx *c = vctx;
	db_res *r = NULL;
	idset touched = {0};
	int rc = db_queryv(d, &r,
	                   "SELECT shop_id, sku_id, sku_code FROM listing WHERE id = ? FOR UPDATE",
	                   DB_I(c->listing_id));
	if (rc != Z_OK)
		goto out;
	if (r->nrows == 0) {
		rc = Z_NOTFOUND;
		goto out;
	}
	long long shop_id = db_get_ll(r, 0, 0, 0), old = db_get_ll(r, 0, 1, 0), target = 0;
	const char *mode = "manual";
	if (c->sku_id > 0) {
		rc = db_query_ll(d, "SELECT id FROM sku WHERE id = ?", DB_ARGS(DB_I(c->sku_id)), 0,
		                 &target);
		if (rc == Z_OK && !target)
			rc = Z_NOTFOUND;
	} else if (c->sku_id == STOCK_LINK_BY_CODE) {
		mode = "code";
		if (*db_get(r, 0, 2))
			rc = db_query_ll(d, "SELECT id FROM sku WHERE code = ?",
			                 DB_ARGS(DB_S(db_get(r, 0, 2))), 0, &target);
	} else {
		mode = "unlinked";
	}
	if (rc != Z_OK)
		goto out;
	rc = db_execv(d,
	              "UPDATE listing SET sku_id = ?, link_mode = ?, "
	              "wanted = IF(? IS NULL, NULL, wanted), "
	              "state = IF(state = 'duplicate', 'ok', state) WHERE id = ?",
	              target ? DB_I(target) : DB_NUL, DB_S(mode), target ? DB_I(target) : DB_NUL,
	              DB_I(c->listing_id));
	if (rc == Z_OK && !target)
		rc = db_execv(d, "DELETE FROM push WHERE pending_listing = ?", DB_I(c->listing_id));
	if (rc == Z_OK && old > 0)
		rc = idset_add(&touched, old);
	if (rc == Z_OK && target > 0)
		rc = idset_add(&touched, target);
	if (rc == Z_OK && old > 0)
		rc = stock_check_duplicate_sku(d, shop_id, old, &touched);
	if (rc == Z_OK && target > 0)
		rc = stock_check_duplicate_sku(d, shop_id, target, &touched);
	if (rc == Z_OK)
		rc = after_link_change(d, &touched);
out:
	idset_free(&touched);
	db_res_free(r);
	return rc;
}

int stock_link_manual(db *d, long long listing_id, long long sku_id)
{
	struct manual_ctx c = {listing_id, sku_id};
	return stock_tx(d, manual_tx, &c);
}

struct settings_ctx {
	long long listing_id;
	int sync;
	bool has_min, has_max;
	int min, max;
};

static int settings_tx(db *d, void *vctx)
{
	struct settings_ctx *c = vctx;
	db_res *r = NULL;
	int rc = db_queryv(d, &r, "SELECT sku_id FROM listing WHERE id = ? FOR UPDATE",
	                   DB_I(c->listing_id));
	if (rc != Z_OK)
		return rc;
	if (r->nrows == 0) {
		db_res_free(r);
		return Z_NOTFOUND;
	}
	long long sku_id = db_get_ll(r, 0, 0, 0);
	db_res_free(r);
	rc = db_execv(d,
	              "UPDATE listing SET sync = IF(? < 0, sync, ?), min_stock = ?, max_stock = ? "
	              "WHERE id = ?",
	              DB_I(c->sync), DB_I(c->sync), c->has_min ? DB_I(c->min) : DB_NUL,
	              c->has_max ? DB_I(c->max) : DB_NUL, DB_I(c->listing_id));
	if (rc == Z_OK && sku_id > 0)
		rc = stock_requeue_skus(d, &sku_id, 1);
	return rc;
}

int stock_listing_settings(db *d, long long listing_id, int sync, bool has_min, int min,
                           bool has_max, int max, const char **why)
{
	if (stock_check_floor_cap(has_min, min, has_max, max, why) != Z_OK)
		return Z_INVALID;
	if (sync < -1 || sync > 1) {
		*why = "msg.stock.bad_sync";
		return Z_INVALID;
	}
	struct settings_ctx c = {listing_id, sync, has_min, has_max, min, max};
	int rc = stock_tx(d, settings_tx, &c);
	if (rc == Z_NOTFOUND)
		*why = "msg.stock.listing_not_found";
	return rc;
}

struct reserve_ctx {
	long long sku_id, reserve;
};

static int reserve_tx(db *d, void *vctx)
{
	struct reserve_ctx *c = vctx;
	long long found = 0;
	int rc = db_query_ll(d, "SELECT COUNT(*) FROM sku WHERE id = ? FOR UPDATE",
	                     DB_ARGS(DB_I(c->sku_id)), 0, &found);
	if (rc != Z_OK)
		return rc;
	if (!found)
		return Z_NOTFOUND;
	rc = db_execv(d, "UPDATE sku SET reserve = ? WHERE id = ?", DB_I(c->reserve),
	              DB_I(c->sku_id));
	return rc == Z_OK ? stock_requeue_skus(d, &c->sku_id, 1) : rc;
}

int stock_sku_set_reserve(db *d, long long sku_id, long long reserve, const char **why)
{
	*why = NULL;
	if (reserve < 0 || reserve > STOCK_QTY_MAX) {
		*why = "msg.stock.reserve_range";
		return Z_INVALID;
	}
	struct reserve_ctx c = {sku_id, reserve};
	int rc = stock_tx(d, reserve_tx, &c);
	if (rc == Z_NOTFOUND)
		*why = "msg.stock.listing_not_found";
	return rc;
}

/* ---- listing import ---- */

struct import_ctx {
	long long shop_id;
	const stock_listing_row *rows;
	int n;
	bool create_skus;
	stock_import_result res;
	db_res *other_shops;  /* loaded when the first SKU is created, for small imports */
};

/* Relinks one imported listing by its SKU code (small imports: no scan of the shop). */
static int relink_row(db *d, long long shop_id, const stock_listing_row *row, idset *touched)
{
	db_res *r = NULL;
	int rc = db_queryv(d, &r,
	                   "SELECT l.id, l.sku_id, l.link_mode, s.id FROM listing l "
	                   "LEFT JOIN sku s ON s.code = l.sku_code AND l.sku_code <> '' "
	                   "WHERE l.shop_id = ? AND l.item_code = ? AND l.sub_code = ?",
	                   DB_I(shop_id), DB_S(row->item_code),
	                   DB_S(row->sub_code ? row->sub_code : ""));
	if (rc != Z_OK)
		return rc;
	if (r->nrows == 0 || strcmp(db_get(r, 0, 2), "code") ||
	    db_get_ll(r, 0, 1, 0) == db_get_ll(r, 0, 3, 0)) {
		long long current = db_get_ll(r, 0, 1, 0);
		db_res_free(r);
		return current > 0 ? idset_add(touched, current) : Z_OK;
	}
	long long id = db_get_ll(r, 0, 0, 0), old = db_get_ll(r, 0, 1, 0);
	long long target = db_get_ll(r, 0, 3, 0);
	db_res_free(r);
	rc = db_execv(d,
	              "UPDATE listing SET sku_id = ?, wanted = IF(? IS NULL, NULL, wanted), "
	              "state = IF(state = 'duplicate', 'ok', state) WHERE id = ?",
	              target ? DB_I(target) : DB_NUL, target ? DB_I(target) : DB_NUL, DB_I(id));
	if (rc == Z_OK && !target)
		rc = db_execv(d, "DELETE FROM push WHERE pending_listing = ?", DB_I(id));
	if (rc == Z_OK && old > 0)
		rc = stock_check_duplicate_sku(d, shop_id, old, touched);
	if (rc == Z_OK && target > 0)
		rc = stock_check_duplicate_sku(d, shop_id, target, touched);
	if (rc == Z_OK)
		rc = idset_add(touched, old);
	if (rc == Z_OK)
		rc = idset_add(touched, target);
	return rc;
}

/* Links other shops' waiting listings to a SKU just created by a small import. */
static int link_new_sku(db *d, struct import_ctx *c, long long sku_id, const char *code,
                        idset *touched)
{
	int rc = Z_OK;
	if (!c->other_shops &&
	    (rc = db_queryv(d, &c->other_shops, "SELECT id FROM shop WHERE id <> ? ORDER BY id",
	                    DB_I(c->shop_id))) != Z_OK)
		return rc;
	for (int i = 0; rc == Z_OK && i < c->other_shops->nrows; i++) {
		long long shop = db_get_ll(c->other_shops, i, 0, 0), affected = 0;
		db_val p[] = {DB_I(sku_id), DB_I(shop), DB_S(code)};
		rc = db_exec(d, "UPDATE listing SET sku_id = ? WHERE shop_id = ? AND sku_code = ? "
		                "AND link_mode = 'code' AND sku_id IS NULL",
		             p, 3, &affected, NULL);
		if (rc == Z_OK && affected > 0)
			rc = stock_check_duplicate_sku(d, shop, sku_id, touched);
	}
	return rc;
}

const char *stock_listing_row_problem(const stock_listing_row *row)
{
	if (!row->item_code || !*row->item_code)
		return "msg.stock_link.item_code_empty";
	if (count_chars(row->item_code) > 128 || count_chars(row->sub_code) > 128 ||
	    count_chars(row->sku_code) > 128 || count_chars(row->mall_ref) > 128)
		return "msg.stock_link.code_long";
	if (row->has_price && (row->price < 0 || row->price > STOCK_QTY_MAX))
		return "msg.stock_link.price_range";
	/* A mall's own stock may be below 0 (Yahoo overdraft): a value to store and show. */
	if (row->has_stock && (row->stock < -STOCK_QTY_MAX || row->stock > STOCK_QTY_MAX))
		return "msg.stock_link.stock_range";
	return NULL;
}

static int import_row(db *d, struct import_ctx *c, const stock_listing_row *row, int index,
                      idset *touched)
{
	const char *problem = stock_listing_row_problem(row);
	if (problem) {
		if (!c->res.rejected++) {
			c->res.first_error = problem;
			c->res.first_error_line = row->line > 0 ? row->line : index + 1;
		}
		return Z_OK;
	}
	char name[1024], options[1024], image[2048], jan[129];
	long long affected = 0;
	db_val p[] = {DB_I(c->shop_id), DB_S(row->item_code), DB_S(row->sub_code ? row->sub_code : ""),
	              DB_S(row->sku_code ? row->sku_code : ""), DB_SOPT(row->mall_ref),
	              DB_S(cut_chars(row->name, 255, name)), DB_S(cut_chars(row->options, 255, options)),
	              DB_S(cut_chars(row->image_url, 512, image)), DB_S(cut_chars(row->jan, 32, jan)),
	              row->has_price ? DB_I(row->price) : DB_NUL, DB_SOPT(row->extra_json),
	              row->has_stock ? DB_I(row->stock) : DB_NUL, DB_I(row->has_stock),
	              DB_I(row->has_price), DB_I(row->has_stock), DB_I(row->has_stock)};
	int rc = db_exec(d,
	                 "INSERT INTO listing (shop_id, item_code, sub_code, sku_code, mall_ref, name, "
	                 "options, image_url, jan, price, extra, mall_stock, mall_stock_at) VALUES "
	                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, IF(?, UTC_TIMESTAMP(), NULL)) "
	                 "ON DUPLICATE KEY UPDATE sku_code = VALUES(sku_code), "
	                 "mall_ref = COALESCE(VALUES(mall_ref), mall_ref), name = VALUES(name), "
	                 "options = VALUES(options), image_url = VALUES(image_url), "
	                 "jan = VALUES(jan), price = IF(?, VALUES(price), price), "
	                 "extra = COALESCE(VALUES(extra), extra), "
	                 "mall_stock = IF(?, VALUES(mall_stock), mall_stock), "
	                 "mall_stock_at = IF(?, UTC_TIMESTAMP(), mall_stock_at)",
	                 p, (int)Z_ARRAY_LEN(p), &affected, NULL);
	if (rc != Z_OK)
		return rc;
	if (affected == 1)
		c->res.inserted++;
	else if (affected == 2)
		c->res.updated++;
	else
		c->res.unchanged++;
	if (!c->create_skus || !row->sku_code || !*row->sku_code || row->sku_code[0] == ' ')
		return Z_OK;
	long long sku_id = 0;
	affected = 0;
	db_val q[] = {DB_S(row->sku_code), DB_S(name)};
	rc = db_exec(d, "INSERT INTO sku (code, name, total, updated_at) "
	                "VALUES (?, ?, 0, UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE id = id",
	             q, 2, &affected, &sku_id);
	if (rc != Z_OK || affected != 1)
		return rc;
	c->res.skus_created++;
	if (row->has_stock && row->stock)
		rc = stock_move_locked(d, sku_id, row->stock, "initial", "import", 0, NULL);
	if (rc == Z_OK)
		rc = idset_add(touched, sku_id);
	if (rc == Z_OK && c->n <= BULK_THRESHOLD)
		rc = link_new_sku(d, c, sku_id, row->sku_code, touched);
	return rc;
}

static int import_tx(db *d, void *vctx)
{
	struct import_ctx *c = vctx;
	idset touched = {0};
	db_res *shops = NULL;
	memset(&c->res, 0, sizeof(c->res));
	int rc = Z_OK;
	for (int i = 0; rc == Z_OK && i < c->n; i++)
		rc = import_row(d, c, &c->rows[i], i, &touched);
	if (rc != Z_OK)
		goto out;
	if (c->n > BULK_THRESHOLD) {
		db_res *r = NULL;
		rc = relink_in_tx(d, c->shop_id, &touched);
		if (rc == Z_OK && c->res.skus_created > 0) {
			/* New SKUs may be what other shops' listings were waiting for. */
			rc = db_queryv(d, &shops, "SELECT id FROM shop WHERE id <> ? ORDER BY id",
			               DB_I(c->shop_id));
			for (int i = 0; rc == Z_OK && i < shops->nrows; i++)
				rc = relink_in_tx(d, db_get_ll(shops, i, 0, 0), &touched);
		}
		if (rc == Z_OK)
			rc = stock_recompute_sql(d, c->res.skus_created ? 0 : c->shop_id, NULL, NULL);
		if (rc == Z_OK)
			rc = db_queryv(d, &r,
			               "SELECT DISTINCT sku_id FROM listing WHERE shop_id = ? "
			               "AND sku_id IS NOT NULL",
			               DB_I(c->shop_id));
		for (int i = 0; rc == Z_OK && i < r->nrows; i++)
			rc = idset_add(&touched, db_get_ll(r, i, 0, 0));
		db_res_free(r);
		for (int i = 0; rc == Z_OK && i < touched.n; i++)
			if ((rc = stock_refresh_search_doc(d, touched.v[i])) == Z_NOTFOUND)
				rc = Z_OK;
		goto out;
	}
	/* Few rows: each listing is relinked on its own, by index, and its SKU re-queued (its
	 * mall stock may have changed). */
	for (int i = 0; rc == Z_OK && i < c->n; i++)
		if (!stock_listing_row_problem(&c->rows[i]))
			rc = relink_row(d, c->shop_id, &c->rows[i], &touched);
	if (rc == Z_OK)
		rc = after_link_change(d, &touched);
out:
	db_res_free(shops);
	db_res_free(c->other_shops);
	c->other_shops = NULL;
	idset_free(&touched);
	return rc;
}

int stock_import_listings(db *d, long long shop_id, const stock_listing_row *rows, int n,
                          bool create_skus, stock_import_result *res)
{
	if (res)
		memset(res, 0, sizeof(*res));
	if (n < 0 || n > STOCK_IMPORT_MAX_ROWS || (n && !rows))
		return Z_INVALID;
	long long found = 0;
	int rc = db_query_ll(d, "SELECT id FROM shop WHERE id = ?", DB_ARGS(DB_I(shop_id)), 0,
	                     &found);
	if (rc != Z_OK)
		return rc;
	if (!found)
		return Z_NOTFOUND;
	struct import_ctx c = {shop_id, rows, n, create_skus, {0}, NULL};
	rc = stock_tx(d, import_tx, &c);
	if (res)
		*res = c.res;
	return rc;
}

/* ---- bulk recompute ---- */

/* stock_refresh_all_docs reads DOC_CHUNK SKUs at a time without locking anything, then writes
 * the documents that changed DOC_TX_ROWS at a time, each group one UPDATE in a transaction of
 * its own: an order waiting for one of those SKUs waits for one statement, not for a whole
 * chunk of round trips (sql/110 has every document of a running shop rewritten, and with
 * sql/180's triggers each write also rewrites the SKU's grams). */
#define DOC_TX_ROWS 100
#define DOC_TX_TRIES 5

/* One changed document: the SKU, the document read (hex, for the compare) and the new one,
 * both as offsets into the chunk's buffer. */
struct doc_write {
	long long id;
	size_t old_at, new_at, new_len;
};

/* The UPDATE of DOC_TX_ROWS documents: one text whatever the number (unused places are NULL
 * and match nothing), so the statement is prepared once. A document is replaced only while it
 * is still the one read. */
static int doc_update_sql(buf *sql)
{
	int rc = buf_puts(sql, "UPDATE sku SET search_doc = CASE");
	for (int i = 0; rc == Z_OK && i < DOC_TX_ROWS; i++)
		rc = buf_puts(sql, " WHEN id = ? AND search_doc = UNHEX(?) THEN ?");
	if (rc == Z_OK)
		rc = buf_puts(sql, " ELSE search_doc END WHERE id IN (?");
	for (int i = 1; rc == Z_OK && i < DOC_TX_ROWS; i++)
		rc = buf_puts(sql, ", ?");
	return rc == Z_OK ? buf_puts(sql, ")") : rc;
}

/* Writes w[0..n): DOC_TX_ROWS at a time, each UPDATE its own transaction (or all in the
 * caller's, when it holds one). A document written meanwhile (a stock change refreshes its
 * SKU's document in its own transaction, from the rows it just wrote) stays. A deadlock or lock
 * wait timeout rolls back that group alone, and it is tried again. */
static int write_docs(db *d, const char *sql, const struct doc_write *w, int n,
                      const char *text, long long *changed)
{
	bool own = !db_in_transaction(d);
	int tries = 0;
	db_val p[DOC_TX_ROWS * 4];
	for (int start = 0; start < n;) {
		int k = n - start < DOC_TX_ROWS ? n - start : DOC_TX_ROWS;
		for (int i = 0; i < DOC_TX_ROWS; i++) {
			p[i * 3] = p[i * 3 + 1] = p[i * 3 + 2] = p[DOC_TX_ROWS * 3 + i] = DB_NUL;
			if (i >= k)
				continue;
			const struct doc_write *x = &w[start + i];
			p[i * 3] = p[DOC_TX_ROWS * 3 + i] = DB_I(x->id);
			p[i * 3 + 1] = DB_S(text + x->old_at);
			p[i * 3 + 2] = DB_SN(text + x->new_at, x->new_len);
		}
		long long done = 0;
		int rc = own ? db_begin(d) : Z_OK;
		if (rc == Z_OK)
			rc = db_exec(d, sql, p, (int)Z_ARRAY_LEN(p), &done, NULL);
		if (own && rc == Z_OK)
			rc = db_commit(d);
		if (rc == Z_OK) {
			*changed += done;
			start += k;
			tries = 0;
			continue;
		}
		if (!own)
			return rc;
		bool again = db_retryable(d) && ++tries < DOC_TX_TRIES;
		if (db_in_transaction(d))
			db_rollback(d);
		if (!again)
			return rc;
	}
	return Z_OK;
}

int stock_refresh_all_docs(db *d, long long *changed)
{
	long long after = 0;
	buf doc = BUF_INIT, text = BUF_INIT, sql = BUF_INIT;
	struct doc_write *w = calloc(DOC_CHUNK, sizeof(*w));
	int rc = w ? doc_update_sql(&sql) : Z_NOMEM;
	*changed = 0;
	while (rc == Z_OK) {
		db_res *s = NULL, *l = NULL;
		rc = db_queryv(d, &s, "SELECT id, code, name, search_doc FROM sku WHERE id > ? "
		                      "ORDER BY id LIMIT ?",
		               DB_I(after), DB_I(DOC_CHUNK));
		if (rc != Z_OK || s->nrows == 0) {
			db_res_free(s);
			break;
		}
		long long last = db_get_ll(s, s->nrows - 1, 0, 0);
		rc = db_queryv(d, &l,
		               "SELECT sku_id, item_code, sub_code, sku_code, name FROM listing "
		               "WHERE sku_id > ? AND sku_id <= ? ORDER BY sku_id, id",
		               DB_I(after), DB_I(last));
		int j = 0, nw = 0;
		buf_reset(&text);
		for (int i = 0; rc == Z_OK && i < s->nrows; i++) {
			long long id = db_get_ll(s, i, 0, 0);
			buf_reset(&doc);
			const char *fields[2] = {db_get(s, i, 1), db_get(s, i, 2)};
			for (int f = 0; f < 2; f++)
				stock_doc_append(&doc, fields[f]);
			int nl = 0;
			for (; j < l->nrows && db_get_ll(l, j, 0, 0) == id; j++, nl++)
				for (int f = 1; f <= 4 && nl < 100 && doc.len < 3000; f++)
					stock_doc_append(&doc, db_get(l, j, f));
			size_t n = utf8_prefix(buf_str(&doc), doc.len, 3000);
			size_t old_len = db_len(s, i, 3);
			if (n == old_len && !memcmp(buf_str(&doc), db_get(s, i, 3), n))
				continue;
			char *hex = malloc(old_len * 2 + 1);
			if (!hex) {
				rc = Z_NOMEM;
				break;
			}
			secret_hex(db_get(s, i, 3), old_len, hex);
			w[nw] = (struct doc_write){id, text.len, 0, n};
			rc = buf_append(&text, hex, old_len * 2 + 1);
			free(hex);
			w[nw].new_at = text.len;
			if (rc == Z_OK)
				rc = buf_append(&text, buf_str(&doc), n);
			nw++;
		}
		db_res_free(l);
		db_res_free(s);
		if (rc == Z_OK)
			rc = write_docs(d, buf_str(&sql), w, nw, buf_str(&text), changed);
		after = last;
	}
	free(w);
	buf_free(&sql);
	buf_free(&text);
	buf_free(&doc);
	return rc == Z_OK ? Z_OK : Z_ERR;
}

int stock_recompute_all(db *d, long long *listings, long long *skus, long long *queued)
{
	long long docs = 0, l = 0;
	int rc = stock_recompute_sql(d, 0, &l, NULL);
	if (rc == Z_OK)
		rc = stock_refresh_all_docs(d, &docs);
	if (listings)
		*listings = l;
	if (skus)
		*skus = docs;
	if (queued && rc == Z_OK)
		rc = db_query_ll(d, "SELECT COUNT(*) FROM push WHERE state = 'pending'", NULL, 0, 0,
		                 queued);
	return rc;
}

int stock_recompute_mark(db *d)
{
	unsigned char rnd[16];
	char token[33];
	if (secret_random(rnd, sizeof(rnd)) != Z_OK)
		return Z_ERR;
	secret_hex(rnd, sizeof(rnd), token);
	return db_execv(d,
	                "INSERT INTO setting (name, value) VALUES ('recompute_pending', ?) "
	                "ON DUPLICATE KEY UPDATE value = VALUES(value)",
	                DB_S(token));
}

int stock_recompute_pending(db *d)
{
	db_res *res = NULL;
	if (db_query(d, "SELECT value FROM setting WHERE name = 'recompute_pending'", NULL, 0,
	             &res) != Z_OK)
		return Z_ERR;
	char token[65] = "";
	if (res->nrows)
		snprintf(token, sizeof(token), "%s", db_get(res, 0, 0));
	db_res_free(res);
	if (!*token)
		return Z_OK;
	if (stock_recompute_all(d, NULL, NULL, NULL) != Z_OK)
		return Z_ERR;
	return db_execv(d, "DELETE FROM setting WHERE name = 'recompute_pending' AND value = ?",
	                DB_S(token));
}
