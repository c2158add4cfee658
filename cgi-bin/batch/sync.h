/* batch/sync: one shop's turn in a cycle: fetch orders → stock, send pushes; and the alerts. */
#ifndef ZAIKO_BATCH_SYNC_H
#define ZAIKO_BATCH_SYNC_H

#include <signal.h>
#include "batch/shops.h"
#include "core/conf.h"
#include "db/db.h"

/* The steps of a shop's turn. */
enum { SYNC_FETCH = 1, SYNC_PUSH = 2 };

typedef struct {
	int orders, new_lines, changed_lines, unlinked_lines, before_cursor_lines;
	int unchanged;       /* orders re-read in the overlap, unchanged since applied */
	int pushed, push_failed;
	bool failed;         /* a step of this shop did not complete (the exit code says so) */
	bool skipped;        /* another process holds the shop */
	bool deferred;       /* a step was put off by the mall's rate limit */
} sync_stats;

/* Fetches the shop's orders since its fetch cursor (less the overlap setting
 * order_overlap_seconds, default 600), applies each with stock_apply_order, and moves the
 * cursor to the window's end only when every order was applied. Z_OK or Z_ERR (stats->failed
 * says whether the shop failed; an auth failure stops the shop). */
int sync_fetch(db *d, const conf *cfg, batch_shop *s, sync_stats *stats);

/* Sends the shop's pending pushes in the adapter's bulk calls until none is due, the push
 * budget is spent or the mall refuses. Z_OK or Z_ERR. */
int sync_push(db *d, const conf *cfg, batch_shop *s, sync_stats *stats);

/* Runs the steps for every enabled shop (or the named one) that no other process holds:
 * lock, open, probe a stopped shop, fetch, push, save refreshed credentials, one log line.
 * *any_failed is set when some shop failed. Z_OK, Z_NOTFOUND (no such shop), Z_ERR. */
int sync_shops(db *d, const conf *cfg, const char *shop_name, int steps, bool *any_failed);

/* The flag a signal handler sets to end the work early: sync_shops and sync_push stop at the
 * next step boundary (between shops, between bulk calls), leaving nothing half done. */
void sync_set_stop_flag(const volatile sig_atomic_t *flag);

/* true: the --loop. sync_shops (for every shop) then starts a worker process per enabled
 * shop that has none, and each worker repeats its shop's fetch and push every interval on
 * its own (sync_set_interval), with the shop kept open (tokens, connections, adapter state)
 * while its row is unchanged: no shop waits for another. false stops the workers (SIGTERM)
 * and waits for them. Without it, a call runs each step of every shop side by side, a
 * process per shop when the setting shop_processes (default 1: one after another) allows
 * more than one at once, and waits for them. */
void sync_keep_shops(bool keep);
void sync_set_interval(double seconds);

/* 在庫数通知: over the stock moves made since the last call (setting alert_move_id; the first
 * call only starts there), SKUs whose order or set moves brought their total to or below the
 * threshold (alert_mode all / per_sku) are marked alert_below and get one mail; SKUs of any
 * move that are back above it are reset. Z_OK or Z_ERR. */
int sync_alerts(db *d);

/* Queues one mail per expiry of a shop's long-lived credential within expiry_warn_days
 * (default 14). Z_OK or Z_ERR. */
int sync_expiry_warnings(db *d);

/* Checks a shop's credentials: refresh when due, then a one-minute order fetch that applies
 * nothing. The outcome of the first call that failed, or MALL_OK. */
mall_outcome sync_probe(batch_shop *s, mall_status *st);

#endif
