/* stock_push: wanted stock of listings, the coalesced push queue (one pending push per
 * listing), its claims by the batch, outcomes with back-off, drift flags, bulk recompute. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/smsg.h"
#include "core/utf8.h"
#include "core/log.h"
#include "core/secret.h"
#include "stock/stock.h"
#include "stock/stock_int.h"

#define PUSH_WHY_MAX 250
#define PUSH_WHY_MSG_MAX 1000 /* push.why_msg, characters (bytes here: no more) */
#define PUSH_RESULT_MSG_MAX 500 /* push.result_msg, characters */
#define BACKOFF_BASE_SECONDS 30
#define BACKOFF_MAX_SECONDS 3600

/* The results zaiko itself gives a push (no mall answered): the Japanese text push.result keeps
 * and its language key, stored beside it in push.result_msg (core/smsg.h) so the SKU page
 * shows it in the reader's language. Each text is its key's Japanese in ja.hdf
 * (tests/integration/test_lang_keys.py checks the pairs). */
enum { RESULT_GONE, RESULT_SUPERSEDED, RESULT_INTERRUPTED, RESULT__N };
static const smsg_keyed push_results[RESULT__N] = {
	[RESULT_GONE] = KEYED("msg.push.result_gone",
	                      "送信対象外になりました (連携オフ・紐づけ解除・重複)"),
	[RESULT_SUPERSEDED] = KEYED("msg.push.result_superseded", "新しい値に置き換えられました"),
	[RESULT_INTERRUPTED] = KEYED("msg.push.result_interrupted", "送信前に中断しました"),
};

/* Fails a push with one of zaiko's own results (its claim, if any, ends). */
static int fail_push(db *d, long long push_id, int result)
{
	return db_execv(d, "UPDATE push SET state = 'failed', result = ?, result_msg = ?, "
	                   "claimed_at = NULL WHERE id = ?",
	                DB_S(push_results[result].text), DB_S(push_results[result].key),
	                DB_I(push_id));
}

/* Queues (or updates) the listing's one pending push. bulk: queued by a bulk change, claimed
 * after the pushes of orders and edits; a pending push once urgent stays urgent. why is the
 * Japanese breakdown, msg (may be NULL) the same steps as keys and numbers (core/smsg.h),
 * shown in each reader's language; a msg longer than its column is not kept (why shows). */
static int upsert_push(db *d, long long listing_id, long long shop_id, int wanted,
                       const char *why, const char *msg, bool bulk)
{
	size_t n = utf8_prefix(why, strlen(why), PUSH_WHY_MAX);
	if (msg && (strlen(msg) > PUSH_WHY_MSG_MAX || !smsg_storable(msg)))
		msg = NULL;
	return db_execv(d,
	                "INSERT INTO push (listing_id, shop_id, wanted, why, why_msg, state, "
	                "next_try_at, created_at, bulk) VALUES (?, ?, ?, ?, ?, 'pending', "
	                "UTC_TIMESTAMP(), UTC_TIMESTAMP(), ?) "
	                "ON DUPLICATE KEY UPDATE wanted = VALUES(wanted), why = VALUES(why), "
	                "why_msg = VALUES(why_msg), bulk = LEAST(bulk, VALUES(bulk))",
	                DB_I(listing_id), DB_I(shop_id), DB_I(wanted), DB_SN(why, n), DB_SOPT(msg),
	                DB_I(bulk));
}

/* The wanted rule of stock_wanted_steps in SQL for plain SKUs (s: the SKU with its total and
 * 確保在庫 reserve, sh: the shop with its 割当率 alloc_rate, l: the listing's floor and cap). The
 * why texts are the C ones, step for step, so both paths leave the same history;
 * tests/db/test_wanted_rule.c runs both over one table of edge cases. */
#define SQL_NET "(s.total - s.reserve)"
#define SQL_ALLOC "(GREATEST(s.total - s.reserve, 0) * sh.alloc_rate DIV 100)"
#define SQL_WANTED \
	"CASE WHEN l.min_stock IS NOT NULL AND l.max_stock IS NOT NULL " \
	"AND l.min_stock > l.max_stock THEN 0 " \
	"WHEN l.min_stock IS NOT NULL AND " SQL_ALLOC " <= l.min_stock THEN 0 " \
	"WHEN l.max_stock IS NOT NULL AND " SQL_ALLOC " >= l.max_stock THEN l.max_stock " \
	"ELSE " SQL_ALLOC " END"
#define SQL_STEPS \
	"CONCAT('総在庫 ', s.total, " \
	"IF(s.reserve <> 0, CONCAT(' − 確保 ', s.reserve, ' = ', " SQL_NET "), ''), " \
	"IF(sh.alloc_rate <> 100, CONCAT(IF(" SQL_NET " < 0, ' → 0', ''), ' → × ', sh.alloc_rate, " \
	"'% = ', " SQL_ALLOC "), ''))"
#define SQL_WHY \
	"CASE WHEN l.min_stock IS NOT NULL AND l.max_stock IS NOT NULL " \
	"AND l.min_stock > l.max_stock " \
	"THEN CONCAT('最小 ', l.min_stock, ' > 最大 ', l.max_stock, ' (設定エラー) → 0') " \
	"WHEN l.min_stock IS NOT NULL AND " SQL_ALLOC " <= l.min_stock " \
	"THEN CONCAT(" SQL_STEPS ", ' → 最小 ', l.min_stock, ' 以下 → 0') " \
	"WHEN l.max_stock IS NOT NULL AND " SQL_ALLOC " >= l.max_stock " \
	"THEN CONCAT(" SQL_STEPS ", ' → 最大 ', l.max_stock) " \
	"WHEN " SQL_NET " < 0 AND sh.alloc_rate = 100 THEN CONCAT(" SQL_STEPS ", ' → 0') " \
	"ELSE " SQL_STEPS " END"
/* SQL_WHY as stored keys and numbers (core/smsg.h), the form stock_wanted_steps gives msg:
 * segments after RS, arguments after US, a literal space segment between steps. */
#define SQL_RS "CHAR(30 USING utf8mb4)"
#define SQL_US "CHAR(31 USING utf8mb4)"
#define SQL_SEP SQL_RS ", " SQL_US ", ' ', " SQL_RS
#define SQL_STEPS_MSG \
	"CONCAT('msg.push.total', " SQL_US ", s.total, " \
	"IF(s.reserve <> 0, CONCAT(" SQL_SEP ", 'msg.push.reserve', " SQL_US ", s.reserve, " \
	SQL_US ", " SQL_NET "), ''), " \
	"IF(sh.alloc_rate <> 100, CONCAT(IF(" SQL_NET " < 0, CONCAT(" SQL_SEP ", 'msg.push.zero'), " \
	"''), " SQL_SEP ", 'msg.push.rate', " SQL_US ", sh.alloc_rate, " SQL_US ", " SQL_ALLOC \
	"), ''))"
#define SQL_WHY_MSG \
	"CASE WHEN l.min_stock IS NOT NULL AND l.max_stock IS NOT NULL " \
	"AND l.min_stock > l.max_stock " \
	"THEN CONCAT('msg.push.floor_above_cap', " SQL_US ", l.min_stock, " SQL_US ", l.max_stock) " \
	"WHEN l.min_stock IS NOT NULL AND " SQL_ALLOC " <= l.min_stock " \
	"THEN CONCAT(" SQL_STEPS_MSG ", " SQL_SEP ", 'msg.push.floor', " SQL_US ", l.min_stock) " \
	"WHEN l.max_stock IS NOT NULL AND " SQL_ALLOC " >= l.max_stock " \
	"THEN CONCAT(" SQL_STEPS_MSG ", " SQL_SEP ", 'msg.push.cap', " SQL_US ", l.max_stock) " \
	"WHEN " SQL_NET " < 0 AND sh.alloc_rate = 100 " \
	"THEN CONCAT(" SQL_STEPS_MSG ", " SQL_SEP ", 'msg.push.zero') " \
	"ELSE " SQL_STEPS_MSG " END"

/* stock_requeue_one for a plain SKU in four statements instead of a few per listing: the
 * path every order line takes. */
static int requeue_plain_sql(db *d, long long sku_id, bool bulk)
{
	int rc = db_execv(d,
	                  "UPDATE listing l JOIN sku s ON s.id = l.sku_id "
	                  "JOIN shop sh ON sh.id = l.shop_id SET l.wanted = " SQL_WANTED
	                  " WHERE l.sku_id = ? AND NOT (l.wanted <=> (" SQL_WANTED "))",
	                  DB_I(sku_id));
	if (rc == Z_OK)
		rc = db_execv(d,
		              "DELETE p FROM listing l JOIN shop sh ON sh.id = l.shop_id "
		              "JOIN push p ON p.pending_listing = l.id WHERE l.sku_id = ? "
		              "AND (l.sync <> 1 OR l.state <> 'ok' OR sh.enabled <> 1 "
		              "OR l.mall_stock <=> l.wanted)",
		              DB_I(sku_id));
	/* Selected, then upserted one by one: INSERT … SELECT would take the table's AUTO-INC
	 * lock for the whole statement and serialise (and fail, 1467) concurrent orders. */
	db_res *r = NULL;
	if (rc == Z_OK)
		rc = db_queryv(d, &r,
		               "SELECT l.id, l.shop_id, l.wanted, " SQL_WHY ", " SQL_WHY_MSG
		               " FROM listing l "
		               "JOIN sku s ON s.id = l.sku_id JOIN shop sh ON sh.id = l.shop_id "
		               "WHERE l.sku_id = ? AND l.sync = 1 AND l.state = 'ok' AND sh.enabled = 1 "
		               "AND NOT (l.mall_stock <=> l.wanted)",
		               DB_I(sku_id));
	for (int i = 0; rc == Z_OK && i < r->nrows; i++)
		rc = upsert_push(d, db_get_ll(r, i, 0, 0), db_get_ll(r, i, 1, 0),
		                 (int)db_get_ll(r, i, 2, 0), db_get(r, i, 3), db_get(r, i, 4), bulk);
	db_res_free(r);
	return rc;
}

/* prefix: the Japanese text put before the why of a forced push ("反映: "), prefix_msg the
 * same as stored keys (NULL: none). */
static int requeue_one(db *d, long long sku_id, const idset *force_ids, const char *prefix,
                       const char *prefix_msg, bool bulk)
{
	db_res *r = NULL;
	buf setwhy = BUF_INIT, why = BUF_INIT, setmsg = BUF_INIT, msg = BUF_INIT;
	long long avail = 0;
	bool is_set = false;
	/* A set's stock is read from its parts' totals, which other transactions may be changing
	 * at the same time: two of them changing two parts would each compute the set from the
	 * other's old total, and the later write would leave the set's wanted stock too high until
	 * the next change. Locking the set's row first makes them take turns, and the second then
	 * reads the first's committed totals (READ COMMITTED). A plain SKU's row is not locked here
	 * (the change of its total holds it already). */
	long long set_id = 0;
	int rc = db_query_ll(d, "SELECT id FROM sku WHERE id = ? AND is_set = 1 FOR UPDATE",
	                     DB_ARGS(DB_I(sku_id)), 0, &set_id);
	if (rc == Z_OK)
		rc = stock_available_why(d, sku_id, &avail, &is_set, &setwhy, &setmsg);
	if (rc == Z_NOTFOUND) {
		rc = Z_OK; /* deleted meanwhile: nothing to push */
		goto out;
	}
	if (rc != Z_OK)
		goto out;
	if (!is_set && !force_ids) {
		rc = requeue_plain_sql(d, sku_id, bulk);
		goto drift;
	}
	rc = db_queryv(d, &r,
	               "SELECT l.id, l.shop_id, l.sync, l.min_stock, l.max_stock, l.mall_stock, "
	               "l.wanted, l.state, sh.enabled, sh.alloc_rate, s.reserve FROM listing l "
	               "JOIN shop sh ON sh.id = l.shop_id JOIN sku s ON s.id = l.sku_id "
	               "WHERE l.sku_id = ? ORDER BY l.id",
	               DB_I(sku_id));
	if (rc != Z_OK)
		goto out;
	for (int i = 0; i < r->nrows && rc == Z_OK; i++) {
		long long id = db_get_ll(r, i, 0, 0), shop_id = db_get_ll(r, i, 1, 0);
		bool has_min = db_get(r, i, 3) != NULL, has_max = db_get(r, i, 4) != NULL;
		stock_wanted w;
		stock_wanted_steps(is_set ? "セット在庫" : "総在庫", avail, db_get_ll(r, i, 10, 0),
		                   (int)db_get_ll(r, i, 9, 100), has_min, (int)db_get_ll(r, i, 3, 0),
		                   has_max, (int)db_get_ll(r, i, 4, 0), &w);
		if (db_get(r, i, 6) == NULL || db_get_ll(r, i, 6, 0) != w.wanted)
			rc = db_execv(d, "UPDATE listing SET wanted = ? WHERE id = ?", DB_I(w.wanted),
			              DB_I(id));
		if (rc != Z_OK)
			break;
		bool eligible = db_get_ll(r, i, 2, 0) == 1 && db_get_ll(r, i, 8, 0) == 1 &&
		                !strcmp(db_get(r, i, 7), "ok");
		bool forced = force_ids && idset_has(force_ids, id);
		bool differs = db_get(r, i, 5) == NULL || db_get_ll(r, i, 5, 0) != w.wanted;
		if (eligible && (forced || differs)) {
			buf_reset(&why);
			buf_reset(&msg);
			if (forced && prefix)
				buf_puts(&why, prefix);
			if (forced && prefix_msg)
				buf_puts(&msg, prefix_msg);
			if (setwhy.len)
				buf_printf(&why, "%s; ", buf_str(&setwhy));
			if (setmsg.len) {
				if (msg.len)
					buf_putc(&msg, SMSG_RS);
				buf_puts(&msg, buf_str(&setmsg));
				smsg_lit(&msg, "; ");
			}
			buf_puts(&why, w.why);
			if (msg.len)
				buf_putc(&msg, SMSG_RS);
			buf_puts(&msg, w.msg);
			rc = upsert_push(d, id, shop_id, w.wanted, buf_str(&why), buf_str(&msg), bulk);
		} else if (!forced) {
			/* The shop holds the value already, or may not be pushed: an older pending
			 * push of another value must not be sent. */
			rc = db_execv(d, "DELETE FROM push WHERE pending_listing = ?", DB_I(id));
		}
	}
drift:
	if (rc == Z_OK)
		rc = db_execv(d,
		              "UPDATE sku SET drift = (SELECT COUNT(*) > 0 FROM listing "
		              "WHERE sku_id = ? AND drift = 1) WHERE id = ?",
		              DB_I(sku_id), DB_I(sku_id));
out:
	buf_free(&why);
	buf_free(&setwhy);
	buf_free(&msg);
	buf_free(&setmsg);
	db_res_free(r);
	return rc;
}

int stock_requeue_one(db *d, long long sku_id, const idset *force_ids, const char *prefix)
{
	return requeue_one(d, sku_id, force_ids, prefix, NULL, false);
}

/* Ids per query of add_containing_sets. Lists are padded to a power of two so that at most
 * nine statement texts reach the statement cache. */
#define CONTAINING_CHUNK 256

/* Adds to s every set that contains, directly or not, an id already in s. */
static int add_containing_sets(db *d, idset *s)
{
	db_val p[CONTAINING_CHUNK];
	buf sql = BUF_INIT;
	int rc = Z_OK;
	/* s grows while we walk it: a breadth-first walk up the set tree, a chunk of ids per
	 * query. The depth bound of set_define keeps it finite; the seen check keeps it finite
	 * even with a cycle. */
	for (int lo = 0; lo < s->n && rc == Z_OK;) {
		int n = s->n - lo < CONTAINING_CHUNK ? s->n - lo : CONTAINING_CHUNK, width = 1;
		while (width < n)
			width *= 2;
		buf_reset(&sql);
		rc = buf_puts(&sql, "SELECT DISTINCT set_sku_id FROM set_part WHERE part_sku_id IN (?");
		for (int i = 1; rc == Z_OK && i < width; i++)
			rc = buf_puts(&sql, ", ?");
		if (rc == Z_OK)
			rc = buf_putc(&sql, ')');
		/* Padding repeats the last id: it matches nothing new. */
		for (int i = 0; i < width; i++)
			p[i] = DB_I(s->v[lo + (i < n ? i : n - 1)]);
		lo += n;
		db_res *r = NULL;
		if (rc == Z_OK)
			rc = db_query(d, buf_str(&sql), p, width, &r);
		for (int j = 0; rc == Z_OK && j < r->nrows; j++)
			rc = idset_add(s, db_get_ll(r, j, 0, 0));
		db_res_free(r);
	}
	buf_free(&sql);
	return rc;
}

/* Re-queues the SKUs in all and every set that contains one of them, in id order: a fixed
 * order keeps concurrent transactions from locking listings crosswise. */
static int requeue_with_sets(db *d, idset *all)
{
	int rc = add_containing_sets(d, all);
	idset_sort(all);
	for (int i = 0; i < all->n && rc == Z_OK; i++)
		rc = stock_requeue_one(d, all->v[i], NULL, NULL);
	return rc;
}

int stock_requeue_skus(db *d, const long long *sku_ids, int n)
{
	idset all = {0};
	int rc = Z_OK;
	for (int i = 0; i < n && rc == Z_OK; i++)
		if (sku_ids[i] > 0)
			rc = idset_add(&all, sku_ids[i]);
	if (rc == Z_OK)
		rc = requeue_with_sets(d, &all);
	idset_free(&all);
	return rc;
}

/* ---- set-based re-queue of many changed SKUs ---- */

/* Changed SKUs per round of stock_requeue_changed: each round's INSERT … SELECT holds the push
 * table's AUTO-INC lock (concurrent orders queueing pushes wait for it) for ~20k listings. */
#define CHANGED_CHUNK 5000

int stock_changed_open(db *d)
{
	int rc = db_exec(d, "DROP TEMPORARY TABLE IF EXISTS " STOCK_CHANGED_TABLE, NULL, 0, NULL,
	                 NULL);
	if (rc == Z_OK)
		rc = db_exec(d,
		             "CREATE TEMPORARY TABLE " STOCK_CHANGED_TABLE
		             " (sku_id INT PRIMARY KEY)",
		             NULL, 0, NULL, NULL);
	return rc;
}

/* The ids (lo, hi] of each round of CHANGED_CHUNK changed SKUs: bounds[0] = 0, bounds[i] the
 * highest id of round i; *n rounds. bounds is malloc'd (caller frees). */
static int changed_rounds(db *d, long long **bounds, int *n)
{
	db_res *r = NULL;
	*bounds = NULL;
	*n = 0;
	/* Every CHANGED_CHUNK-th id, and the last one. */
	int rc = db_queryv(d, &r,
	                   "SELECT sku_id FROM (SELECT sku_id, "
	                   "ROW_NUMBER() OVER (ORDER BY sku_id) k, COUNT(*) OVER () m "
	                   "FROM " STOCK_CHANGED_TABLE ") x "
	                   "WHERE k % ? = 0 OR k = m ORDER BY sku_id",
	                   DB_I(CHANGED_CHUNK));
	if (rc != Z_OK)
		return rc;
	*bounds = calloc((size_t)r->nrows + 1, sizeof(long long));
	if (!*bounds) {
		db_res_free(r);
		return Z_NOMEM;
	}
	for (int i = 0; i < r->nrows; i++)
		(*bounds)[i + 1] = db_get_ll(r, i, 0, 0);
	*n = r->nrows;
	db_res_free(r);
	return Z_OK;
}

/* requeue_plain_sql's first step for the changed plain SKUs with ids in (lo, hi]. The changed
 * table drives the join (STRAIGHT_JOIN): a file of ten SKUs reads their listings, not the
 * whole table. */
static int changed_wanted(db *d, long long lo, long long hi)
{
	return db_execv(d,
	                "UPDATE " STOCK_CHANGED_TABLE " c "
	                "STRAIGHT_JOIN listing l ON l.sku_id = c.sku_id "
	                "JOIN sku s ON s.id = l.sku_id JOIN shop sh ON sh.id = l.shop_id "
	                "SET l.wanted = " SQL_WANTED
	                " WHERE c.sku_id > ? AND c.sku_id <= ? AND s.is_set = 0 "
	                "AND NOT (l.wanted <=> (" SQL_WANTED "))",
	                DB_I(lo), DB_I(hi));
}

/* requeue_plain_sql's second step for every changed plain SKU at once, once their wanted
 * stock is final: pending pushes that must not be sent. Read from the smaller side: the
 * pending queue (usually short) or the changed SKUs' listings. */
static int changed_drop_pushes(db *d, long long changed)
{
	long long pending = 0;
	int rc = db_query_ll(d, "SELECT COUNT(*) FROM push WHERE state = 'pending'", NULL, 0, 0,
	                     &pending);
	if (rc != Z_OK)
		return rc;
	if (pending < changed)
		return db_exec(d,
		               "DELETE p FROM push p "
		               "STRAIGHT_JOIN listing l ON l.id = p.pending_listing "
		               "JOIN " STOCK_CHANGED_TABLE " c ON c.sku_id = l.sku_id "
		               "JOIN sku s ON s.id = l.sku_id JOIN shop sh ON sh.id = l.shop_id "
		               "WHERE p.pending_listing IS NOT NULL AND s.is_set = 0 "
		               "AND (l.sync <> 1 OR l.state <> 'ok' OR sh.enabled <> 1 "
		               "OR l.mall_stock <=> l.wanted)",
		               NULL, 0, NULL, NULL);
	return db_exec(d,
	               "DELETE p FROM " STOCK_CHANGED_TABLE " c STRAIGHT_JOIN listing l "
	               "ON l.sku_id = c.sku_id JOIN sku s ON s.id = l.sku_id "
	               "JOIN shop sh ON sh.id = l.shop_id JOIN push p ON p.pending_listing = l.id "
	               "WHERE s.is_set = 0 AND (l.sync <> 1 OR l.state <> 'ok' OR sh.enabled <> 1 "
	               "OR l.mall_stock <=> l.wanted)",
	               NULL, 0, NULL, NULL);
}

/* requeue_plain_sql's last steps for the changed plain SKUs with ids in (lo, hi]: a pending
 * push for each listing to send (INSERT … SELECT, as the bulk recompute does: a bulk change
 * may hold the AUTO-INC lock for one round), then the SKUs' drift flags. */
static int changed_pushes(db *d, long long lo, long long hi)
{
	int rc = db_execv(d,
	                  "INSERT INTO push (listing_id, shop_id, wanted, why, why_msg, state, "
	                  "next_try_at, created_at, bulk) SELECT l.id, l.shop_id, l.wanted, " SQL_WHY
	                  ", " SQL_WHY_MSG ", 'pending', "
	                  "UTC_TIMESTAMP(), UTC_TIMESTAMP(), 1 FROM " STOCK_CHANGED_TABLE " c "
	                  "STRAIGHT_JOIN listing l ON l.sku_id = c.sku_id "
	                  "JOIN sku s ON s.id = l.sku_id JOIN shop sh ON sh.id = l.shop_id "
	                  "WHERE c.sku_id > ? AND c.sku_id <= ? AND s.is_set = 0 AND l.sync = 1 "
	                  "AND l.state = 'ok' AND sh.enabled = 1 "
	                  "AND NOT (l.mall_stock <=> l.wanted) "
	                  "ON DUPLICATE KEY UPDATE wanted = VALUES(wanted), why = VALUES(why), "
	                  "why_msg = VALUES(why_msg)",
	                  DB_I(lo), DB_I(hi)); /* an urgent pending push stays urgent */
	if (rc == Z_OK)
		rc = db_execv(d,
		              "UPDATE " STOCK_CHANGED_TABLE " c STRAIGHT_JOIN sku s "
		              "ON s.id = c.sku_id SET s.drift = EXISTS (SELECT 1 FROM listing l "
		              "WHERE l.sku_id = s.id AND l.drift = 1) "
		              "WHERE c.sku_id > ? AND c.sku_id <= ? AND s.is_set = 0",
		              DB_I(lo), DB_I(hi));
	return rc;
}

int stock_requeue_changed(db *d, void (*progress)(void *ctx, long long done, long long total),
                          void *ctx)
{
	db_res *sets = NULL;
	idset all = {0};
	long long *bounds = NULL, total = 0;
	int rounds = 0;
	int rc = db_query_ll(d, "SELECT COUNT(*) FROM " STOCK_CHANGED_TABLE, NULL, 0, 0, &total);
	if (rc == Z_OK)
		rc = changed_rounds(d, &bounds, &rounds);
	/* Progress counts 2 steps per round: wanted stock, then pushes and drift. */
	for (int i = 0; rc == Z_OK && i < rounds; i++) {
		rc = changed_wanted(d, bounds[i], bounds[i + 1]);
		if (progress)
			progress(ctx, total * (i + 1) / (2 * rounds), total);
	}
	if (rc == Z_OK && rounds)
		rc = changed_drop_pushes(d, total);
	for (int i = 0; rc == Z_OK && i < rounds; i++) {
		rc = changed_pushes(d, bounds[i], bounds[i + 1]);
		if (progress)
			progress(ctx, total / 2 + total * (i + 1) / (2 * rounds), total);
	}
	free(bounds);
	/* Sets are few: the ones changed themselves and those containing a changed SKU, then their
	 * containing sets, go the C path (their arithmetic and why), in id order like
	 * stock_requeue_skus. */
	if (rc == Z_OK)
		rc = db_query(d,
		              "SELECT c.sku_id FROM " STOCK_CHANGED_TABLE " c "
		              "JOIN sku s ON s.id = c.sku_id WHERE s.is_set = 1 "
		              "UNION SELECT sp.set_sku_id FROM " STOCK_CHANGED_TABLE " c "
		              "JOIN set_part sp ON sp.part_sku_id = c.sku_id",
		              NULL, 0, &sets);
	for (int i = 0; rc == Z_OK && i < sets->nrows; i++)
		rc = idset_add(&all, db_get_ll(sets, i, 0, 0));
	if (rc == Z_OK)
		rc = requeue_with_sets(d, &all);
	idset_free(&all);
	db_res_free(sets);
	if (rc == Z_OK)
		rc = db_exec(d, "DROP TEMPORARY TABLE IF EXISTS " STOCK_CHANGED_TABLE, NULL, 0,
		             NULL, NULL);
	return rc;
}

struct queue_ctx {
	const long long *ids;
	int n;
	long long user_id;
};

static int queue_tx(db *d, void *vctx)
{
	struct queue_ctx *c = vctx;
	idset skus = {0}, force = {0};
	int rc = Z_OK;
	for (int i = 0; i < c->n && rc == Z_OK; i++) {
		long long sku_id = 0;
		rc = db_query_ll(d, "SELECT sku_id FROM listing WHERE id = ?",
		                 DB_ARGS(DB_I(c->ids[i])), 0, &sku_id);
		if (rc == Z_OK && sku_id > 0) {
			rc = idset_add(&skus, sku_id);
			if (rc == Z_OK)
				rc = idset_add(&force, c->ids[i]);
		}
	}
	char prefix[64];
	buf pmsg = BUF_INIT;
	if (c->user_id) {
		snprintf(prefix, sizeof(prefix), "反映 (ユーザー %lld): ", c->user_id);
		smsg_key(&pmsg, "msg.push.forced_user");
		smsg_argll(&pmsg, c->user_id);
	} else {
		snprintf(prefix, sizeof(prefix), "反映: ");
		smsg_key(&pmsg, "msg.push.forced");
	}
	smsg_lit(&pmsg, " ");
	idset_sort(&skus);
	/* 反映 of a few rows is an edit on the screen; of many, a bulk change. */
	bool bulk = c->n > STOCK_PUSH_URGENT_MAX;
	for (int i = 0; i < skus.n && rc == Z_OK; i++)
		rc = requeue_one(d, skus.v[i], &force, prefix, buf_str(&pmsg), bulk);
	buf_free(&pmsg);
	idset_free(&skus);
	idset_free(&force);
	return rc;
}

int stock_queue_listings(db *d, const long long *listing_ids, int n, long long user_id)
{
	if (n < 0)
		return Z_INVALID;
	struct queue_ctx c = {listing_ids, n, user_id};
	return stock_tx(d, queue_tx, &c);
}

/* ---- the batch's side ---- */

/* A claim whose outcome is unknown (its run died, or its step was cut after the call) may have
 * set the shop's stock: zaiko no longer knows what the shop holds. With mall_stock NULL, the
 * listing's pending push is never dropped as "the shop holds it already" (mall_stock <=>
 * wanted) until a push lands and records the value again. */
static int forget_mall_stock(db *d, long long listing_id)
{
	return db_execv(d, "UPDATE listing SET mall_stock = NULL WHERE id = ?", DB_I(listing_id));
}

struct claim_ctx {
	long long shop_id;
	int limit;
	stock_push *out;
	int n;
};

static void copy_cell(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Takes one locked push into the claim, or drops it when its listing may no longer be
 * pushed. */
static int take_claim(db *d, struct claim_ctx *c, long long push_id)
{
	db_res *r = NULL;
	int rc = db_queryv(d, &r,
	                   "SELECT p.id, p.listing_id, p.shop_id, p.wanted, p.attempts, p.why, "
	                   "l.item_code, l.sub_code, l.sku_code, l.mall_ref, l.sync, l.sku_id, "
	                   "l.state FROM push p LEFT JOIN listing l ON l.id = p.listing_id "
	                   "WHERE p.id = ?",
	                   DB_I(push_id));
	if (rc != Z_OK)
		return rc;
	if (r->nrows == 0)
		goto out;
	if (db_get(r, 0, 6) == NULL || db_get_ll(r, 0, 10, 0) != 1 || db_get(r, 0, 11) == NULL ||
	    strcmp(db_get(r, 0, 12), "ok")) {
		rc = fail_push(d, push_id, RESULT_GONE);
		goto out;
	}
	rc = db_execv(d, "UPDATE push SET state = 'sending', claimed_at = UTC_TIMESTAMP() "
	                 "WHERE id = ?",
	              DB_I(push_id));
	if (rc != Z_OK)
		goto out;
	stock_push *p = &c->out[c->n++];
	memset(p, 0, sizeof(*p));
	p->id = push_id;
	p->listing_id = db_get_ll(r, 0, 1, 0);
	p->shop_id = db_get_ll(r, 0, 2, 0);
	p->wanted = (int)db_get_ll(r, 0, 3, 0);
	p->attempts = (int)db_get_ll(r, 0, 4, 0);
	copy_cell(p->why, sizeof(p->why), db_get(r, 0, 5));
	copy_cell(p->item_code, sizeof(p->item_code), db_get(r, 0, 6));
	copy_cell(p->sub_code, sizeof(p->sub_code), db_get(r, 0, 7));
	copy_cell(p->sku_code, sizeof(p->sku_code), db_get(r, 0, 8));
	copy_cell(p->mall_ref, sizeof(p->mall_ref), db_get(r, 0, 9));
out:
	db_res_free(r);
	return rc;
}

static int claim_tx(db *d, void *vctx)
{
	struct claim_ctx *c = vctx;
	db_res *stale = NULL, *r = NULL;
	c->n = 0;
	/* A crashed batch left these: superseded ones fail, the rest are sent again. */
	int rc = db_queryv(d, &stale,
	                   "SELECT id, listing_id FROM push WHERE state = 'sending' AND shop_id = ? "
	                   "AND claimed_at < UTC_TIMESTAMP() - INTERVAL ? SECOND ORDER BY id "
	                   "LIMIT ? FOR UPDATE SKIP LOCKED",
	                   DB_I(c->shop_id), DB_I(STOCK_CLAIM_STALE_SECONDS), DB_I(c->limit));
	if (rc != Z_OK)
		goto out;
	for (int i = 0; i < stale->nrows && rc == Z_OK && c->n < c->limit; i++) {
		long long id = db_get_ll(stale, i, 0, 0), listing_id = db_get_ll(stale, i, 1, 0);
		long long newer = 0;
		/* It may have reached the mall: what the shop holds is unknown from now on. */
		rc = forget_mall_stock(d, listing_id);
		if (rc == Z_OK)
			rc = db_query_ll(d, "SELECT id FROM push WHERE pending_listing = ?",
			                 DB_ARGS(DB_I(listing_id)), 0, &newer);
		if (rc == Z_OK && newer)
			rc = fail_push(d, id, RESULT_SUPERSEDED);
		else if (rc == Z_OK)
			/* Sent again with the wanted stock of now, not the claim's old value. */
			rc = db_execv(d, "UPDATE push p JOIN listing l ON l.id = p.listing_id "
			                 "SET p.wanted = COALESCE(l.wanted, p.wanted) WHERE p.id = ?",
			              DB_I(id));
		if (rc == Z_OK && !newer)
			rc = take_claim(d, c, id);
	}
	if (rc != Z_OK || c->n >= c->limit)
		goto out;
	rc = db_queryv(d, &r,
	               "SELECT id FROM push WHERE state = 'pending' AND shop_id = ? "
	               "AND (next_try_at IS NULL OR next_try_at <= UTC_TIMESTAMP()) "
	               "ORDER BY bulk, id LIMIT ? FOR UPDATE SKIP LOCKED",
	               DB_I(c->shop_id), DB_I(c->limit - c->n));
	for (int i = 0; rc == Z_OK && i < r->nrows; i++)
		rc = take_claim(d, c, db_get_ll(r, i, 0, 0));
out:
	db_res_free(stale);
	db_res_free(r);
	return rc;
}

int stock_claim_pushes(db *d, long long shop_id, int limit, stock_push **out, int *n)
{
	*out = NULL;
	*n = 0;
	if (limit < 1 || limit > 10000)
		return Z_INVALID;
	struct claim_ctx c = {shop_id, limit, calloc((size_t)limit, sizeof(stock_push)), 0};
	if (!c.out)
		return Z_NOMEM;
	int rc = stock_tx(d, claim_tx, &c);
	if (rc != Z_OK || c.n == 0) {
		free(c.out);
		return rc;
	}
	*out = c.out;
	*n = c.n;
	return Z_OK;
}

static int backoff_seconds(int attempts, int retry_after)
{
	long long s = BACKOFF_BASE_SECONDS;
	for (int i = 0; i < attempts && s < BACKOFF_MAX_SECONDS; i++)
		s *= 2;
	if (s > BACKOFF_MAX_SECONDS)
		s = BACKOFF_MAX_SECONDS;
	/* ±25 % jitter so a shop's failed pushes do not all come back in the same second. */
	unsigned short r = 0;
	secret_random(&r, sizeof(r));
	s = s * 3 / 4 + (long long)(r % (unsigned)(s / 2 + 1));
	if (retry_after > s)
		s = retry_after > BACKOFF_MAX_SECONDS ? BACKOFF_MAX_SECONDS : retry_after;
	return (int)s;
}

struct done_ctx {
	long long push_id;
	bool ok;
	int sent, retry_after;
	const char *result;
	const char *result_msg; /* may be NULL */
};

/* Puts a claimed push back in the queue, or fails it when a newer one waits. maybe_sent: the
 * mall may have taken it (see forget_mall_stock). result: the mall's reply with result_msg
 * its keys (may be NULL), or with own >= 0 one of push_results (both are then ignored). */
static int requeue_claim(db *d, long long push_id, long long listing_id, int delay,
                         bool count_attempt, const char *result, const char *result_msg,
                         int own, bool maybe_sent)
{
	long long newer = 0;
	int rc = maybe_sent ? forget_mall_stock(d, listing_id) : Z_OK;
	if (rc == Z_OK)
		rc = db_query_ll(d, "SELECT id FROM push WHERE pending_listing = ?",
		                 DB_ARGS(DB_I(listing_id)), 0, &newer);
	if (rc != Z_OK)
		return rc;
	if (newer)
		return fail_push(d, push_id, RESULT_SUPERSEDED);
	/* It goes back with the listing's wanted stock as it is now, not as it was at the claim:
	 * while it was out, the total may have moved to what zaiko last recorded the shop as
	 * holding, so no newer push was queued, yet the shop may have got the claimed value. */
	rc = db_execv(d,
	              "UPDATE push p JOIN listing l ON l.id = p.listing_id "
	              "SET p.state = 'pending', p.wanted = COALESCE(l.wanted, p.wanted), "
	              "p.attempts = p.attempts + ?, "
	              "p.next_try_at = UTC_TIMESTAMP() + INTERVAL ? SECOND, p.claimed_at = NULL, "
	              "p.result = ?, p.result_msg = ? WHERE p.id = ?",
	              DB_I(count_attempt), DB_I(delay),
	              own >= 0 ? DB_S(push_results[own].text) : DB_SOPT(result),
	              own >= 0 ? DB_S(push_results[own].key) : DB_SOPT(result_msg), DB_I(push_id));
	if (rc == Z_CONFLICT) /* a newer push was queued since we looked */
		rc = fail_push(d, push_id, RESULT_SUPERSEDED);
	return rc;
}

static int done_tx(db *d, void *vctx)
{
	struct done_ctx *c = vctx;
	db_res *r = NULL;
	char result[501];
	size_t n = c->result ? utf8_prefix(c->result, strlen(c->result), 500) : 0;
	memcpy(result, c->result ? c->result : "", n);
	result[n] = '\0';
	/* Keys whose Japanese is no longer the (cut) text are not kept. */
	const char *rmsg = c->result_msg;
	if (rmsg && (!*rmsg || !c->result || n < strlen(c->result) || !smsg_storable(rmsg) ||
	             utf8_count(rmsg, strlen(rmsg)) > PUSH_RESULT_MSG_MAX))
		rmsg = NULL;
	int rc = db_queryv(d, &r,
	                   "SELECT p.listing_id, p.attempts, p.state, l.sku_id FROM push p "
	                   "LEFT JOIN listing l ON l.id = p.listing_id WHERE p.id = ? FOR UPDATE",
	                   DB_I(c->push_id));
	if (rc != Z_OK)
		goto out;
	if (r->nrows == 0 || strcmp(db_get(r, 0, 2), "sending")) {
		rc = Z_NOTFOUND;
		goto out;
	}
	long long listing_id = db_get_ll(r, 0, 0, 0), sku_id = db_get_ll(r, 0, 3, 0);
	int attempts = (int)db_get_ll(r, 0, 1, 0);
	if (c->ok) {
		rc = db_execv(d, "UPDATE push SET state = 'done', sent_at = UTC_TIMESTAMP(), "
		                 "result = ?, result_msg = NULL, wanted = ? WHERE id = ?",
		              DB_S(result), DB_I(c->sent), DB_I(c->push_id));
		if (rc == Z_OK)
			rc = db_execv(d,
			              "UPDATE listing SET mall_stock = ?, mall_stock_at = UTC_TIMESTAMP(), "
			              "pushed_value = ?, pushed_at = UTC_TIMESTAMP(), last_error = NULL "
			              "WHERE id = ?",
			              DB_I(c->sent), DB_I(c->sent), DB_I(listing_id));
		/* The total may have moved while this push was on the wire: queue again if the
		 * shop now holds something else than wanted, and refresh the drift flag. */
		if (rc == Z_OK && sku_id > 0)
			rc = stock_requeue_one(d, sku_id, NULL, NULL);
	} else if (c->retry_after >= 0) {
		/* A temporary failure: the mall did not take the value. */
		rc = requeue_claim(d, c->push_id, listing_id, backoff_seconds(attempts, c->retry_after),
		                   true, result, rmsg, -1, false);
	} else {
		rc = db_execv(d, "UPDATE push SET state = 'failed', result = ?, result_msg = ?, "
		                 "claimed_at = NULL WHERE id = ?",
		              DB_S(result), DB_SOPT(rmsg), DB_I(c->push_id));
		if (rc == Z_OK)
			rc = db_execv(d, "UPDATE listing SET last_error = ? WHERE id = ?", DB_S(result),
			              DB_I(listing_id));
	}
out:
	db_res_free(r);
	return rc;
}

int stock_push_done(db *d, long long push_id, bool ok, int sent_value, const char *result,
                    int retry_after_seconds)
{
	if (ok && (sent_value < 0 || sent_value > STOCK_QTY_MAX))
		return Z_INVALID;
	struct done_ctx c = {push_id, ok, sent_value, retry_after_seconds, result, NULL};
	return stock_tx(d, done_tx, &c);
}

int stock_push_done_m(db *d, long long push_id, bool ok, int sent_value, const char *result,
                      const char *result_msg, int retry_after_seconds)
{
	if (ok && (sent_value < 0 || sent_value > STOCK_QTY_MAX))
		return Z_INVALID;
	struct done_ctx c = {push_id, ok, sent_value, retry_after_seconds, result, result_msg};
	return stock_tx(d, done_tx, &c);
}

struct many_ctx {
	const stock_push_outcome *o;
	int n;
};

static int done_many_tx(db *d, void *vctx)
{
	struct many_ctx *m = vctx;
	for (int i = 0; i < m->n; i++) {
		const stock_push_outcome *o = &m->o[i];
		struct done_ctx c = {o->push_id, o->ok, o->sent_value, o->retry_after_seconds,
		                     o->result, NULL};
		int rc = done_tx(d, &c);
		if (rc != Z_OK && rc != Z_NOTFOUND)
			return rc;
	}
	return Z_OK;
}

int stock_push_done_many(db *d, const stock_push_outcome *outcomes, int n)
{
	if (n < 0 || (n && !outcomes))
		return Z_INVALID;
	for (int i = 0; i < n; i++)
		if (outcomes[i].ok &&
		    (outcomes[i].sent_value < 0 || outcomes[i].sent_value > STOCK_QTY_MAX))
			return Z_INVALID;
	struct many_ctx m = {outcomes, n};
	return stock_tx(d, done_many_tx, &m);
}

static int release_tx(db *d, void *vctx)
{
	long long shop_id = *(long long *)vctx;
	db_res *r = NULL;
	int rc = db_queryv(d, &r,
	                   "SELECT id, listing_id FROM push WHERE state = 'sending' AND shop_id = ? "
	                   "ORDER BY id FOR UPDATE",
	                   DB_I(shop_id));
	for (int i = 0; rc == Z_OK && i < r->nrows; i++)
		rc = requeue_claim(d, db_get_ll(r, i, 0, 0), db_get_ll(r, i, 1, 0), 0, false, NULL,
		                   NULL, RESULT_INTERRUPTED, true);
	db_res_free(r);
	return rc;
}

int stock_release_claims(db *d, long long shop_id)
{
	return stock_tx(d, release_tx, &shop_id);
}

/* ---- bulk recompute ---- */

#define RECOMPUTE_CHUNK 20000
/* SKU ids of one statement setting the drift flags (see stock_recompute_sql). */
#define DRIFT_CHUNK 2000

/* One chunk of listing ids (lo, hi] of the bulk recompute. Driving every statement by the
 * listing's primary key keeps the updated table first in the join: no temporary table of a
 * million row ids, and locks held for one chunk only. */
static int recompute_chunk(db *d, long long shop_id, long long lo, long long hi, long long *q)
{
	static const char *const steps[] = {
		"UPDATE listing l JOIN sku s ON s.id = l.sku_id JOIN shop sh ON sh.id = l.shop_id "
		"SET l.wanted = " SQL_WANTED
		" WHERE s.is_set = 0 AND (? = 0 OR l.shop_id = ?) AND l.id > ? AND l.id <= ? "
		"AND NOT (l.wanted <=> (" SQL_WANTED "))",
		"UPDATE listing l SET l.wanted = NULL WHERE l.sku_id IS NULL "
		"AND l.wanted IS NOT NULL AND (? = 0 OR l.shop_id = ?) "
		"AND l.id > ? AND l.id <= ?",
		/* Pending pushes that must not be sent any more (the shop holds the value, or the
		 * listing may not be pushed). */
		"DELETE p FROM listing l JOIN shop sh ON sh.id = l.shop_id "
		"JOIN push p ON p.pending_listing = l.id "
		"WHERE (? = 0 OR l.shop_id = ?) AND l.id > ? AND l.id <= ? "
		"AND (l.sku_id IS NULL OR l.sync <> 1 OR l.state <> 'ok' "
		"OR sh.enabled <> 1 OR l.wanted IS NULL OR l.mall_stock <=> l.wanted)",
		/* Last: its row count is the pushes queued. */
		"INSERT INTO push (listing_id, shop_id, wanted, why, why_msg, state, next_try_at, "
		"created_at, bulk) SELECT l.id, l.shop_id, l.wanted, " SQL_WHY ", " SQL_WHY_MSG
		", 'pending', "
		"UTC_TIMESTAMP(), UTC_TIMESTAMP(), 1 FROM listing l "
		"JOIN sku s ON s.id = l.sku_id JOIN shop sh ON sh.id = l.shop_id "
		"WHERE s.is_set = 0 AND (? = 0 OR l.shop_id = ?) "
		"AND l.id > ? AND l.id <= ? AND l.sync = 1 "
		"AND l.state = 'ok' AND sh.enabled = 1 AND l.wanted IS NOT NULL "
		"AND NOT (l.mall_stock <=> l.wanted) "
		"ON DUPLICATE KEY UPDATE wanted = VALUES(wanted), why = VALUES(why), "
		"why_msg = VALUES(why_msg)", /* bulk kept */
	};
	const int nsteps = (int)(sizeof(steps) / sizeof(steps[0]));
	db_val p[] = {DB_I(shop_id), DB_I(shop_id), DB_I(lo), DB_I(hi)};
	long long n = 0;
	int rc = Z_OK;
	for (int i = 0; rc == Z_OK && i < nsteps; i++)
		rc = db_exec(d, steps[i], p, 4, i == nsteps - 1 ? &n : NULL, NULL);
	*q += n;
	return rc;
}

int stock_recompute_sql(db *d, long long shop_id, long long *listings, long long *queued)
{
	db_res *sets = NULL, *range = NULL;
	long long count = 0, q = 0;
	db_val p2[] = {DB_I(shop_id), DB_I(shop_id)};
	/* (? = 0 OR l.shop_id = ?) selects every shop or one. */
	int rc = db_query(d, "SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0), COUNT(*) "
	                     "FROM listing l WHERE (? = 0 OR l.shop_id = ?)",
	                  p2, 2, &range);
	if (rc != Z_OK)
		goto out;
	long long lo = db_get_ll(range, 0, 0, 0) - 1, max = db_get_ll(range, 0, 1, 0);
	count = db_get_ll(range, 0, 2, 0);
	for (; rc == Z_OK && lo < max; lo += RECOMPUTE_CHUNK) {
		long long hi = lo + RECOMPUTE_CHUNK;
		bool own = !db_in_transaction(d);
		if (own && (rc = db_begin(d)) != Z_OK)
			break;
		rc = recompute_chunk(d, shop_id, lo, hi, &q);
		if (own && rc == Z_OK)
			rc = db_commit(d);
		else if (own)
			db_rollback(d);
	}
	if (rc != Z_OK)
		goto out;
	/* Sets are few: the C path does their arithmetic and why. */
	rc = db_query(d, "SELECT id FROM sku WHERE is_set = 1 ORDER BY id", NULL, 0, &sets);
	for (int i = 0; rc == Z_OK && i < sets->nrows; i++)
		rc = stock_requeue_one(d, db_get_ll(sets, i, 0, 0), NULL, NULL);
	if (rc != Z_OK)
		goto out;
	/* The SKUs' drift flags, DRIFT_CHUNK SKU ids a statement: one statement over every SKU
	 * held the drifting listings it read until its end (0.6 s at 1M listings), and an order
	 * that touched one of them waited for it. Each flip also moves the 店舗 + 差異商品 counts
	 * (sql/240's trigger, ~50 µs): 20,000 flips held their SKUs for 1–2 s. */
	long long skus = 0;
	rc = db_query_ll(d, "SELECT COALESCE(MAX(id), 0) FROM sku", NULL, 0, 0, &skus);
	for (long long from = 0; rc == Z_OK && from < skus; from += DRIFT_CHUNK) {
		long long to = from + DRIFT_CHUNK;
		rc = db_execv(d,
		              "UPDATE sku s LEFT JOIN (SELECT DISTINCT sku_id FROM listing "
		              "WHERE drift = 1 AND sku_id > ? AND sku_id <= ?) x ON x.sku_id = s.id "
		              "SET s.drift = (x.sku_id IS NOT NULL) "
		              "WHERE s.id > ? AND s.id <= ? AND s.drift <> (x.sku_id IS NOT NULL)",
		              DB_I(from), DB_I(to), DB_I(from), DB_I(to));
	}
out:
	db_res_free(range);
	db_res_free(sets);
	if (listings)
		*listings = count;
	if (queued)
		*queued = q;
	return rc;
}
