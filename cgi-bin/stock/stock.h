/* stock: the stock core: totals, moves, sets, links, wanted stock, pushes, orders, errors.
 * Knows nothing of HTTP or malls; zaiko.fcgi and zaiko-batch both call it. */
#ifndef ZAIKO_STOCK_H
#define ZAIKO_STOCK_H

#include <time.h>
#include "core/buf.h"
#include "db/db.h"

/* Bounds of every quantity: a total, a delta, an imported stock, floor and cap. */
#define STOCK_QTY_MAX 1000000000LL
/* Bound of one set part's quantity per set. */
#define STOCK_PART_QTY_MAX 1000000
/* Most rows one stock_import_listings call takes (the caller chunks larger files). */
#define STOCK_IMPORT_MAX_ROWS 100000
/* Most lines of one order. */
#define STOCK_ORDER_MAX_LINES 1000
/* Deepest nesting of sets in sets (a guard besides the cycle check). */
#define STOCK_SET_MAX_DEPTH 8
/* A 'sending' push claimed longer ago than this is taken to belong to a crashed batch. */
#define STOCK_CLAIM_STALE_SECONDS 600
/* 反映 of at most this many listings is an edit (its pushes go first); more is a bulk change. */
#define STOCK_PUSH_URGENT_MAX 50

/* ---- pure rules (no database) ---- */

/* What 反映 sends to one listing and the inputs that decided it (the push's *why*). */
typedef struct {
	int wanted;
	char why[200]; /* e.g. "総在庫 12 → 最大 10", "最小 3 以下 → 0"; UTF-8, NUL-terminated */
	char msg[300]; /* the same steps as language keys and numbers (core/smsg.h): msg.push.* */
} stock_wanted;

/* Checks a listing's floor (最小在庫数) and cap (最大在庫数): each 0..STOCK_QTY_MAX and
 * floor ≤ cap when both are set. Z_OK, or Z_INVALID with *why (a language key, static). */
int stock_check_floor_cap(bool has_min, int min, bool has_max, int max, const char **why);

/* The wanted stock of a listing from the available stock of its SKU: available ≤ floor → 0;
 * else available ≥ cap → cap; never below 0. Fills out->why with the inputs. Returns Z_OK,
 * or Z_INVALID (out->wanted = 0, why says so) when floor > cap: such a listing sends 0. */
int stock_wanted_calc(int available, bool has_min, int min, bool has_max, int max,
                      stock_wanted *out);

/* The whole wanted-stock rule, every step in out->why: available (label: "総在庫" or
 * "セット在庫") less the SKU's 確保在庫 reserve (kept back from every shop; below 0 counts as
 * 0), times the shop's 割当率 rate in percent (0..100, rounded down), then the floor and cap
 * as stock_wanted_calc. E.g. "総在庫 10 − 確保 3 = 7 → × 50% = 3 → 最大 2". With reserve 0 and
 * rate 100 it is stock_wanted_calc, why and all. stock_push.c's SQL_WANTED/SQL_WHY are the
 * same rule for plain SKUs; tests/db/test_wanted_rule.c runs both over one table. */
int stock_wanted_steps(const char *label, long long available, long long reserve, int rate,
                       bool has_min, int min, bool has_max, int max, stock_wanted *out);

/* A total after adding delta, refusing |delta| or |result| beyond STOCK_QTY_MAX.
 * Z_OK with *after set, or Z_INVALID. */
int stock_check_delta(long long total, long long delta, long long *after);

/* How many sets the parts allow: min over i of floor(max(avail[i], 0) / qty[i]); 0 when n = 0.
 * Z_INVALID when a quantity is ≤ 0 or > STOCK_PART_QTY_MAX. */
int stock_set_available_calc(const long long *avail, const int *qty, int n, long long *out);

/* Normalises text for the keyword search: search_normalize (stock/search.h) of the
 * NUL-terminated in, appended to out. The screen normalises its terms the same way and
 * matches them as bytes in sku.search_doc. Z_OK or Z_NOMEM. */
int stock_search_normalize(const char *in, buf *out);

/* ---- errors (エラーメッセージ) ---- */

/* Records an error for the screen's error list. level 8: temporary, 9: a shop stopped (DESIGN
 * §4). shop/sku/listing ids may be 0 (none). With a dedupe key a repeat of the same problem
 * raises repeat_count and updated_at (and replaces the message) instead of adding a row. The
 * message is truncated to 1000 bytes on a UTF-8 boundary. Z_OK or Z_ERR. */
int stock_error(db *d, int level, const char *kind, long long shop_id, long long sku_id,
                long long listing_id, const char *dedupe, const char *fmt, ...) Z_PRINTF(8, 9);
/* stock_error with msg (may be NULL): the same message as language keys and arguments
 * (core/smsg.h), kept in error_log.message_msg so each reader sees it in their language; its
 * Japanese rendering must be the text fmt gives. A msg over 2000 characters is not kept. */
int stock_error_m(db *d, int level, const char *kind, long long shop_id, long long sku_id,
                  long long listing_id, const char *dedupe, const char *msg, const char *fmt,
                  ...) Z_PRINTF(9, 10);
/* stock_error with the message kept as language key and arguments too: key's Japanese text is
 * fmt with each conversion made %s (smsg_keyf), so one format gives both the row's text and
 * its message_msg. */
int stock_error_k(db *d, int level, const char *kind, long long shop_id, long long sku_id,
                  long long listing_id, const char *dedupe, const char *key, const char *fmt,
                  ...) Z_PRINTF(9, 10);

/* ---- SKUs and totals ---- */

/* Creates a SKU with an 'initial' stock_move of its total (when not 0) and its search
 * document, then links listings whose SKU code equals it (link_mode 'code') and queues their
 * pushes. Joins the caller's transaction or runs its own. Z_OK with *sku_id, Z_CONFLICT when
 * the code exists, Z_INVALID for an empty/too long code or a total out of bounds. */
int stock_sku_create(db *d, const char *code, const char *name, long long total,
                     long long *sku_id);

/* Adds delta to a SKU's total: one transaction (or the caller's, when db_in_transaction),
 * the SKU row locked (SELECT … FOR UPDATE) and updated, a stock_move row (reason: "initial", "order", "cancel", "manual", "csv",
 * "set"; ref: order number, file name, … may be NULL; user_id 0 = none), then pushes are
 * re-queued for every listing of the SKU and of the sets containing it, recursively.
 * Z_OK with *total_after (may be NULL); Z_NOTFOUND; Z_INVALID for a set SKU (its stock comes
 * from its parts), an unknown reason, or a delta/total beyond ±STOCK_QTY_MAX (nothing
 * changed). Deadlocks are retried when the function owns the transaction. */
int stock_change_total(db *d, long long sku_id, long long delta, const char *reason,
                       const char *ref, long long user_id, long long *total_after);

/* Sets a SKU's total to new_total. *expected_old is the total the user saw (the screen's
 * stale check): Z_CONFLICT, nothing changed and *total_after = the current total, when it
 * differs. Every value, negative ones included (an oversold SKU shows -1), is checked;
 * expected_old = NULL skips the check (a stocktake sets the count as of now) and is not a
 * value anyone can send. Otherwise as stock_change_total (a move of new_total - old; no move
 * when equal). */
int stock_set_total(db *d, long long sku_id, long long new_total, const long long *expected_old,
                    const char *reason, const char *ref, long long user_id,
                    long long *total_after);

/* The available stock of a SKU: its total, as it is (it may be negative after overselling;
 * stock_wanted_calc turns that into 0); for a set, min over parts of
 * floor(max(part available − part 確保在庫, 0) / quantity), recursively; a set with no parts
 * → 0. (The SKU's own 確保在庫 is the wanted rule's, stock_wanted_steps.)
 * Z_OK, Z_NOTFOUND. */
int stock_available(db *d, long long sku_id, long long *out);

/* ---- sets (セット商品) ---- */

typedef struct {
	long long part_sku_id;
	int quantity; /* per set, 1..STOCK_PART_QTY_MAX */
} stock_set_part;

/* Replaces the parts of a set SKU (n = 0 makes it an ordinary SKU again) and re-queues its
 * listings. Refuses, with *why (a language key, static: "msg.set_define.…") and Z_INVALID: a
 * part equal to the set, an unknown part, a part listed twice, a quantity out of bounds, a
 * cycle (a part that is, or contains, the set), nesting deeper than STOCK_SET_MAX_DEPTH,
 * n > 100. Z_NOTFOUND for an
 * unknown set SKU. One transaction (or the caller's). */
int stock_set_define(db *d, long long set_sku_id, const stock_set_part *parts, int n,
                     const char **why);

/* ---- wanted stock and pushes (反映) ---- */

/* Recomputes listing.wanted for every linked listing of these SKUs and of the sets that
 * contain them (recursively), upserts one coalesced pending push per listing whose wanted
 * differs from mall_stock (or mall_stock unknown) when sync = 1, the shop is enabled and the
 * listing's state is ok (a stopped shop keeps its queue: its pushes are still queued), and
 * keeps sku.drift up to date. Run inside the caller's transaction when there is one.
 * Z_OK or Z_ERR. */
int stock_requeue_skus(db *d, const long long *sku_ids, int n);

/* The scratch table of a bulk change (a 総在庫数 CSV): a TEMPORARY TABLE of the connection,
 * (sku_id INT PRIMARY KEY), that the caller fills with the SKUs whose totals it changed
 * (INSERT … SELECT) between stock_changed_open and stock_requeue_changed. */
#define STOCK_CHANGED_TABLE "stock_changed_sku"

/* Creates STOCK_CHANGED_TABLE empty on d's connection (dropping an older one). Z_OK or Z_ERR. */
int stock_changed_open(db *d);

/* stock_requeue_skus for the SKUs in STOCK_CHANGED_TABLE, set-based: wanted stock, pending
 * pushes and sku.drift of the plain SKUs' listings in a few statements per 5,000 SKUs; sets
 * (changed ones, and those containing a changed SKU, recursively) one by one as
 * stock_requeue_skus does. The same rules and outcome as stock_requeue_skus. Run it inside the
 * caller's transaction, with the changed SKUs' rows already locked (FOR UPDATE): that is what
 * keeps concurrent orders out of the listings it rewrites. progress (may be NULL) is called
 * after each step with the SKUs done and their number. Drops the table. Z_OK or Z_ERR. */
int stock_requeue_changed(db *d, void (*progress)(void *ctx, long long done, long long total),
                          void *ctx);

/* ---- bulk changes (stock_bulk.c) ---- */

/* One row of a bulk change of totals: a SKU and its new total, or the delta to add. */
typedef struct {
	long long sku_id;
	long long value;
} stock_total_row;

/* The phases a long bulk call reports: the rows loaded (done of the rows given), then the
 * wanted stock and pushes recomputed (done of the SKUs to recompute). */
enum { STOCK_PHASE_LOAD, STOCK_PHASE_REQUEUE };
typedef void (*stock_progress_fn)(void *ctx, int phase, long long done, long long total);

/* A 総在庫数 file: sets each SKU's total to value (delta: adds value), set-based, with a
 * stock_move (reason 'csv', ref: the file name, may be NULL) for every SKU whose total
 * changes, then stock_requeue_changed for those SKUs, all in one transaction (the caller's
 * when one is open, else its own, retried on deadlock). The SKUs are locked first: an
 * absolute total is the count as of now. A set among the SKUs, or a delta whose result is
 * beyond ±STOCK_QTY_MAX, is refused with Z_INVALID and a message in lang ("ja", "en"; NULL:
 * Japanese) appended to why (nothing changed). progress (may be NULL) gets both phases. Z_OK
 * with *changed = SKUs whose total changed, Z_INVALID, Z_ERR. The SKU ids must be unique and exist. */
int stock_bulk_totals(db *d, const stock_total_row *rows, size_t n, bool delta, const char *ref,
                      long long user_id, stock_progress_fn progress, void *pctx,
                      const char *lang, buf *why, long long *changed);
/* The same with the file's 確保在庫数 as well: reserves (sku_id, the new reserve
 * 0..STOCK_QTY_MAX; unique ids) are written where they differ, in the same transaction and
 * before the re-queue, so every push owed to a changed total or reserve is queued once.
 * *changed counts the SKUs whose total or reserve (or both) changed. A reserve out of range:
 * Z_INVALID, nothing changed. */
int stock_bulk_stock(db *d, const stock_total_row *totals, size_t nt,
                     const stock_total_row *reserves, size_t nr, bool delta, const char *ref,
                     long long user_id, stock_progress_fn progress, void *pctx,
                     const char *lang, buf *why, long long *changed);

/* 商品削除: deletes the listings (and their pending pushes) and, of sku_ids, the SKUs left
 * without listings that no set uses; removes rows from zaiko, never from a mall. stock_move
 * rows stay as the record. The shops concerned are relinked (deleting one of two duplicates
 * solves the duplicate), the remaining SKUs get fresh search documents and pushes. One
 * transaction (the caller's, or its own retried on deadlock). Z_OK or Z_ERR. */
int stock_listing_delete(db *d, const long long *listing_ids, int n, const long long *sku_ids,
                         int nskus);

/* 連携 for every listing: sync = on (or off) everywhere, SYNC_ALL_CHUNK listing ids a
 * transaction, each with a pending recompute marked, then the recompute run
 * (stock_recompute_pending). progress (may be NULL) is called after each chunk's commit with
 * the listing ids passed and the highest (no transaction open: it may write on d). The caller
 * must not hold a transaction. Z_OK with *changed = listings switched, or Z_ERR (*changed =
 * those switched before it). */
int stock_sync_all(db *d, bool on, long long *changed,
                   void (*progress)(void *ctx, long long done, long long total), void *pctx);

/* The 反映 button: recomputes and queues a push for each listing (linked, sync on, state ok,
 * shop enabled) even when the shop already holds that value; other listings are skipped.
 * user_id goes into the why. Z_OK or Z_ERR. */
int stock_queue_listings(db *d, const long long *listing_ids, int n, long long user_id);

/* One claimed push, with what the mall adapter needs to send it. */
typedef struct {
	long long id, listing_id, shop_id;
	int wanted;
	int attempts;           /* failed attempts before this one */
	char item_code[129];
	char sub_code[129];
	char sku_code[129];
	char mall_ref[129];     /* "" when the listing has none */
	char why[256];
} stock_push;

/* For the batch: claims up to limit pending pushes of a shop whose next_try_at has passed
 * (state → 'sending', claimed_at = now): those of orders and edits first (push.bulk 0), then
 * those of bulk changes (CSV, 一括連携, recompute; bulk 1), each oldest first, with FOR UPDATE SKIP LOCKED so two
 * batches never claim the same push; also re-claims 'sending' pushes older than
 * STOCK_CLAIM_STALE_SECONDS (a crashed batch). Pushes of listings no longer eligible (unlinked,
 * sync off, duplicate) are dropped as failed. *out is malloc'd (caller frees; NULL when
 * *n = 0). Z_OK or Z_ERR. */
int stock_claim_pushes(db *d, long long shop_id, int limit, stock_push **out, int *n);

/* For the batch: the outcome of one claimed push. ok: done, sent_at, listing.mall_stock =
 * pushed_value = sent_value with their times (a newer pending push of the listing stays
 * queued). Not ok with retry_after_seconds ≥ 0: a temporary failure: back to pending with
 * attempts + 1 and next_try_at = now + max(retry_after, exponential back-off with jitter,
 * capped at an hour) — unless a newer pending push exists, then this one is marked failed
 * (superseded). retry_after_seconds < 0: a permanent failure: failed, listing.last_error =
 * result. result (may be NULL) is kept as the push history. Z_OK, Z_NOTFOUND, Z_ERR. */
int stock_push_done(db *d, long long push_id, bool ok, int sent_value, const char *result,
                    int retry_after_seconds);
/* stock_push_done with result_msg (may be NULL): a failure's result as language keys and
 * arguments (core/smsg.h; a mall's status msg), kept in push.result_msg so the SKU page shows
 * it in the reader's language. Its Japanese rendering must be result; it is not kept when
 * result is cut to its column, or when it is over 500 characters. */
int stock_push_done_m(db *d, long long push_id, bool ok, int sent_value, const char *result,
                      const char *result_msg, int retry_after_seconds);

/* The outcome of one push of a bulk call, for stock_push_done_many. */
typedef struct {
	long long push_id;
	bool ok;
	int sent_value;
	const char *result;       /* may be NULL */
	int retry_after_seconds;  /* as stock_push_done */
} stock_push_outcome;

/* stock_push_done for many pushes in one transaction (one commit for a mall's bulk call:
 * much faster than one each). Pushes no longer 'sending' are skipped. Z_OK, Z_INVALID, Z_ERR
 * (then nothing was recorded). */
int stock_push_done_many(db *d, const stock_push_outcome *outcomes, int n);

/* For the batch: puts a shop's 'sending' pushes back to pending (a cycle ending early, a shop
 * stopped mid-send, a rate limit met halfway through a call) with the listing's wanted stock
 * of now; those with a newer pending push are marked failed (superseded). A released claim
 * may have reached the mall (a killed run's, some PATCHes of a call that went through), so
 * what the shop holds is unknown: the listing's mall_stock becomes NULL, and a push stays owed
 * whatever the wanted stock becomes until one lands. Z_OK or Z_ERR. */
int stock_release_claims(db *d, long long shop_id);

/* A SKU's 確保在庫 (0..STOCK_QTY_MAX kept back from every shop, through its sets too): stored
 * and the SKU (and the sets that contain it) re-queued, in one transaction (or the
 * caller's). Z_OK, Z_INVALID (*why a language key, static), Z_NOTFOUND, Z_ERR. */
int stock_sku_set_reserve(db *d, long long sku_id, long long reserve, const char **why);

/* The screen's per-listing settings: 連携 (sync: 1 on, 0 off, -1 unchanged) and 最小・最大在庫数
 * (has_min/has_max false = none). Checks them (stock_check_floor_cap, *why a language key),
 * stores them and re-queues the listing's SKU, in one transaction (or the caller's).
 * Z_OK, Z_INVALID, Z_NOTFOUND, Z_ERR. */
int stock_listing_settings(db *d, long long listing_id, int sync, bool has_min, int min,
                           bool has_max, int max, const char **why);

/* ---- links (紐づけ) ---- */

/* Pass to stock_link_manual to give a listing back to the SKU-code rule. */
#define STOCK_LINK_BY_CODE (-1LL)

/* Recomputes a shop's links by exact SKU code for link_mode = 'code' listings (manual links
 * and manual unlinks survive), flags two or more listings of the shop with one SKU code as
 * 'duplicate' (neither is pushed; an error_log row 「複数の商品が紐づいています」 names them),
 * clears the state once solved, and re-queues the SKUs whose links changed. One transaction
 * (or the caller's). Z_OK or Z_ERR. */
int stock_relink_shop(db *d, long long shop_id);

/* Links a listing by hand to sku_id (link_mode 'manual'); 0 unlinks it by hand
 * (link_mode 'unlinked': the code rule no longer links it); STOCK_LINK_BY_CODE returns it to
 * the code rule. Re-queues the SKUs involved. Z_OK, Z_NOTFOUND (listing or SKU), Z_ERR. */
int stock_link_manual(db *d, long long listing_id, long long sku_id);

/* ---- listing import (商品取込) ---- */

/* One listing as read from a mall API or CSV. Strings are borrowed; NULL reads as "". */
typedef struct {
	const char *item_code;   /* required */
	const char *sub_code;
	const char *sku_code;
	const char *name;
	const char *options;
	const char *image_url;
	const char *jan;
	const char *mall_ref;    /* NULL keeps the stored one */
	bool has_price;
	int price;
	bool has_stock;          /* the mall's stock column is known */
	int stock;
	const char *extra_json;  /* モール別項目 as JSON text; NULL keeps the stored one */
	int line;                /* the file's physical line, named in messages (0: the index) */
} stock_listing_row;

/* Why stock_import_listings would refuse row (a language key, static: "msg.stock_link.…"), or
 * NULL: a preview checks its rows with it so that what it accepts the apply accepts. */
const char *stock_listing_row_problem(const stock_listing_row *row);

typedef struct {
	int inserted, updated, unchanged;
	int skus_created;
	int rejected;            /* rows refused (empty item code, out-of-bounds numbers) */
	const char *first_error; /* the first refused row's reason (a language key), NULL if none */
	int first_error_line;    /* its line (the row's line, else its index from 1) */
} stock_import_result;

/* Upserts listings by (shop_id, item_code, sub_code), keeping sync, min, max and manual links;
 * a known stock column sets mall_stock (and mall_stock_at). create_skus (the base shop):
 * creates the missing SKUs of non-empty SKU codes (name from the listing; total = imported
 * stock, with an 'initial' stock_move, for NEW SKUs only), and links other shops' listings
 * waiting for them. Then relinks (up to 2,000 rows: just the imported listings, by index;
 * more: the whole shop, and the wanted stock in bulk SQL), flags duplicates, refreshes the
 * search documents and re-queues pushes. At most STOCK_IMPORT_MAX_ROWS rows; all in one
 * transaction (the caller's when it holds one: an all-or-nothing CSV import). Bad rows are
 * counted in res->rejected and skipped. Z_OK, Z_INVALID (n out of bounds), Z_NOTFOUND (shop),
 * Z_ERR. */
int stock_import_listings(db *d, long long shop_id, const stock_listing_row *rows, int n,
                          bool create_skus, stock_import_result *res);

/* ---- orders (受注) ---- */

typedef struct {
	const char *line_key;    /* unique within the order (the mall's line id or position) */
	const char *item_code;
	const char *sub_code;
	const char *sku_code;
	int quantity;            /* 0..STOCK_QTY_MAX */
	bool cancelled;
} stock_order_line;

typedef struct {
	const char *order_no;
	const char *status;      /* the mall's status word, kept for the screen; may be NULL */
	bool cancelled;          /* the whole order: every line's desired stock is 0 */
	time_t ordered_at;       /* UTC; 0 = unknown (taken as after the cursor) */
	time_t updated_at;       /* the mall's last change, UTC; 0 = unknown */
	int nlines;
	const stock_order_line *lines;
} stock_order;

typedef struct {
	int new_lines;           /* lines seen for the first time */
	int changed_lines;       /* lines whose applied quantity changed (incl. first sales) */
	int unlinked_lines;
	int before_cursor_lines; /* before 初期受注取得: recorded, no stock change */
	int skus_touched;        /* stock moves made (set parts count one each) */
} stock_order_result;

/* Records an order and applies it to stock, in one transaction with row locks (retried on
 * deadlock; the caller must not hold a transaction). Per line: the listing is found by
 * shop + item_code/sub_code, else shop + sku_code; desired = cancelled ? 0 : quantity;
 * delta = desired - applied is moved (reason order/cancel, ref = order_no; a set moves its
 * parts by delta × part quantity with reason 'set', ref "set CODE order NO"); applied =
 * desired. So a re-fetched order changes nothing and a cancellation returns exactly what was
 * taken. An unlinked line moves nothing, is marked 'unlinked' and logs a deduplicated error.
 * Orders placed before the shop's order_cursor (or any while it is NULL) are recorded as
 * 'before_cursor' and never move stock. *res may be NULL. Z_OK, Z_INVALID (bad order),
 * Z_NOTFOUND (shop), Z_ERR. */
int stock_apply_order(db *d, long long shop_id, const stock_order *order,
                      stock_order_result *res);

/* stock_apply_order for a page of orders of one shop in one transaction: one commit instead of
 * n (a commit costs a disk flush). res (may be NULL) gets one result per order. If any order
 * fails, the page is rolled back and each order is applied on its own, so one bad order does
 * not hold up the others; rcs (may be NULL) gets each order's status then. Returns Z_OK when
 * every order was applied, else the first failure's status. At most 1000 orders. */
int stock_apply_orders(db *d, long long shop_id, const stock_order *orders, int n,
                       stock_order_result *res, int *rcs);

/* ---- search document and drift (差異) ---- */

/* Rebuilds sku.search_doc: stock_search_normalize of "code name" and every linked listing's
 * "item_code sub_code sku_code name", space-separated, cut to 3000 bytes on a UTF-8 boundary.
 * Z_OK, Z_NOTFOUND, Z_ERR. */
int stock_refresh_search_doc(db *d, long long sku_id);

/* Rebuilds every search document: reads the SKUs in chunks without locks and writes only the
 * changed documents, 100 to an UPDATE, each UPDATE its own transaction unless the caller holds
 * one (a waiting order waits for one statement). A document changed since it was read (a stock
 * change wrote it) is left as it is. *changed gets the number written. Z_OK or Z_ERR. */
int stock_refresh_all_docs(db *d, long long *changed);

/* Number of SKUs with a drifting listing (sku.drift = 1, via its index). Z_OK or Z_ERR. */
int stock_drift_count(db *d, long long *out);

/* A page of drifting SKUs in code order after after_code ("" = from the start): columns
 * id, code, name, total. *out is freed by the caller with db_res_free. Z_OK or Z_ERR. */
int stock_drift_page(db *d, const char *after_code, int limit, db_res **out);

/* Bulk recompute for `zaiko-batch recompute`: listing.wanted for every listing, sku.drift,
 * every search document, and a pending push for every eligible listing whose wanted differs
 * (pending pushes no longer needed are dropped). A few bulk statements, each its own
 * transaction unless the caller holds one, then the search documents in chunks of 1,000 SKUs.
 * *listings: listings seen; *skus: search documents rewritten; *queued: pushes pending after.
 * Counts may be NULL. Z_OK or Z_ERR. */
int stock_recompute_all(db *d, long long *listings, long long *skus, long long *queued);

/* A change too big to re-queue inside its own transaction (a large stocktake, 連携 for every
 * listing) marks a recompute as pending in that same transaction, so a crash after its commit
 * cannot lose the pushes it owes: the marker survives and the next caller of
 * stock_recompute_pending (the request itself right after its commit, or the batch's next
 * cycle) does the work. Z_OK or Z_ERR. */
int stock_recompute_mark(db *d);
/* Runs stock_recompute_all if a recompute is pending, then clears the marker it saw (a
 * marker set meanwhile stays for the next call). Z_OK (also when none was pending) or Z_ERR. */
int stock_recompute_pending(db *d);

/* Runs fn(d, ctx) in a transaction: the caller's when one is open, else its own, retried on
 * deadlock and lock wait timeout (fn must start over cleanly each time). Returns fn's status
 * (Z_ERR if the commit failed). */
int stock_tx(db *d, int (*fn)(db *d, void *ctx), void *ctx);

#endif
