/* batch/sync: a shop's turn in a cycle. Orders are applied before the fetch cursor moves and
 * every push is absolute, so a run killed at any point is repaired by the next one.
 * A shop whose credentials are refused stops (state 'stopped', a level 9 row, at most one error
 * mail a day); its pushes stay queued. It resumes when new credentials are saved (the shop
 * screen or `shop-credentials` set state 'ok'), or by itself when a probe, at most every
 * stopped_retry_seconds (default 600), finds them working again. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "batch/mail.h"
#include "batch/sync.h"
#include "core/log.h"
#include "core/lang.h"
#include "core/smsg.h"
#include "stock/stock.h"

/* Set by the loop's SIGTERM/SIGINT handler: the work ends at the next step boundary. */
static const volatile sig_atomic_t *stop_flag;
/* A loop worker pushes for at most this long before it looks for orders again (0: the
 * setting push_budget_seconds): a backlog of pushes never keeps its shop's orders waiting. */
static double worker_push_budget;

void sync_set_stop_flag(const volatile sig_atomic_t *flag)
{
	stop_flag = flag;
}

static bool stopping(void)
{
	return stop_flag && *stop_flag;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The shop column that says since when step has been deferred. */
static const char *deferred_column(const char *step)
{
	return !strcmp(step, "fetch") ? "fetch_deferred_since" : "push_deferred_since";
}

/* Notes that step is deferred (from now, unless it already was) and says whether it has been
 * for rate_limit_notice_minutes (15) or more. Waiting out a mall's rate limit is normal
 * pacing: Shopify's bucket refills in seconds, Amazon's getOrders a call a minute. Stock that
 * has not reached a mall for a quarter of an hour is a delay the merchant must know of. */
static bool deferred_long(db *d, const batch_shop *s, const char *step)
{
	const char *col = deferred_column(step);
	char sql[200];
	long long secs = 0;
	long long minutes = batch_setting_int(d, "rate_limit_notice_minutes", 15, 0, 7 * 1440);
	snprintf(sql, sizeof(sql), "UPDATE shop SET %s = COALESCE(%s, UTC_TIMESTAMP()) WHERE id = ?",
	         col, col);
	if (db_execv(d, sql, DB_I(s->ms.id)) != Z_OK)
		return true;
	snprintf(sql, sizeof(sql), "SELECT TIMESTAMPDIFF(SECOND, %s, UTC_TIMESTAMP()) FROM shop "
	                           "WHERE id = ?", col);
	if (db_query_ll(d, sql, DB_ARGS(DB_I(s->ms.id)), 0, &secs) != Z_OK)
		return true;
	return secs >= minutes * 60;
}

/* The step went through: its deferral (if any) is over. */
static int deferral_over(db *d, const batch_shop *s, const char *step)
{
	const char *col = deferred_column(step);
	char sql[160];
	snprintf(sql, sizeof(sql), "UPDATE shop SET %s = NULL WHERE id = ? AND %s IS NOT NULL", col,
	         col);
	return db_execv(d, sql, DB_I(s->ms.id));
}

/* A failed mall call: auth stops the shop; a rate limit defers it; anything else is a level 8
 * row (deduplicated). */
static int mall_failure(db *d, batch_shop *s, const char *step, mall_status *st,
                        sync_stats *stats)
{
	batch_clean_message(st->message);
	if (st->outcome == MALL_RATE_LIMITED) {
		/* Deferred, not failed: the next cycle asks again. A deferral that lasts gets the
		 * row, which goes once the step works again. */
		char key[64];
		snprintf(key, sizeof(key), "%s:%lld", step, s->ms.id);
		log_info("shop %lld %s: rate limited, deferred (%s)", s->ms.id, step, st->message);
		stats->deferred = true;
		if (!deferred_long(d, s, step))
			return Z_OK;
		long secs = (st->retry_after_ms + 999) / 1000;
		buf m = BUF_INIT;
		if (!strcmp(step, "fetch"))
			smsg_keyf(&m, "msg.batch.fetch_limited",
			          "店舗「%s」の受注取得は呼び出し回数の制限により待機中です (約%ld秒後に再開します):",
			          s->name, secs);
		else
			smsg_keyf(&m, "msg.batch.push_limited",
			          "店舗「%s」の在庫反映は呼び出し回数の制限により待機中です (約%ld秒後に再開します):",
			          s->name, secs);
		smsg_lit(&m, " ");
		batch_msg_mall(&m, st->msg, st->message);
		int rc = stock_error_m(d, 8, step, s->ms.id, 0, 0, key, buf_str(&m),
		                       "店舗「%s」の%sは呼び出し回数の制限により待機中です (約%ld秒後に再開します): %s",
		                       s->name, !strcmp(step, "fetch") ? "受注取得" : "在庫反映", secs,
		                       st->message);
		buf_free(&m);
		return rc;
	}
	stats->failed = true;
	if (st->outcome == MALL_AUTH) {
		char reason[400];
		snprintf(reason, sizeof(reason), "認証エラー (%s): %s", step, st->message);
		buf m = BUF_INIT;
		smsg_keyf(&m, "msg.batch.auth_error", "認証エラー (%s):", step);
		smsg_lit(&m, " ");
		batch_msg_mall(&m, st->msg, st->message);
		int rc = batch_shop_stop_m(d, s, reason, buf_str(&m));
		buf_free(&m);
		return rc;
	}
	char key[64];
	snprintf(key, sizeof(key), "%s:%lld", step, s->ms.id);
	log_warn("shop %lld %s: %s (HTTP %d)", s->ms.id, step, st->message, st->http_status);
	buf m = BUF_INIT;
	if (!strcmp(step, "fetch"))
		smsg_keyf(&m, "msg.batch.fetch_failed", "店舗「%s」の受注取得に失敗しました (再試行します):",
		          s->name);
	else
		smsg_keyf(&m, "msg.batch.push_failed", "店舗「%s」の在庫反映に失敗しました (再試行します):",
		          s->name);
	smsg_lit(&m, " ");
	batch_msg_mall(&m, st->msg, st->message);
	int rc = stock_error_m(d, 8, step, s->ms.id, 0, 0, key, buf_str(&m),
	                       "店舗「%s」の%sに失敗しました (再試行します): %s", s->name,
	                       !strcmp(step, "fetch") ? "受注取得" : "在庫反映", st->message);
	buf_free(&m);
	return rc;
}

/* True while the connection that took the shop's lock is the one in use. A lost connection
 * (reconnected underneath) took its GET_LOCK with it, and another host may run the shop now:
 * the step stops before its next write instead of going on without the lock. */
static bool lock_kept(db *d, batch_shop *s, sync_stats *stats)
{
	if (!s->lock_lost && batch_shop_lock_held(d, s->ms.id))
		return true;
	if (!s->lock_lost)
		log_warn("shop %lld: the database connection was made again and the shop's lock went "
		         "with it: the step stops here", s->ms.id);
	s->lock_lost = true;
	stats->failed = true;
	return false;
}

struct fetch_ctx {
	db *d;
	batch_shop *s;
	sync_stats *stats;
	bool failed;
};

/* True when this very version of the order (same mall update time) was applied already:
 * the overlap re-reads the last minutes every cycle, and a loop running every few seconds
 * would otherwise redo each of those orders' transactions each time. */
static bool seen_already(db *d, long long shop_id, const mall_order *o)
{
	long long same = 0;
	char at[20];
	if (!o->updated_at)
		return false;
	batch_datetime(o->updated_at, at);
	if (db_query_ll(d, "SELECT COUNT(*) FROM mall_order WHERE shop_id = ? AND order_no = ? "
	                   "AND mall_updated_at = ? AND cancelled = ?",
	                DB_ARGS(DB_I(shop_id), DB_S(o->order_no), DB_S(at), DB_I(o->cancelled)),
	                0, &same) != Z_OK)
		return false;
	return same > 0;
}

/* True when the re-read order's lines are the lines applied before: the same keys, quantities
 * and cancel flags. A mall may change a line without a new change time (Rakuten removes a line
 * with deleteItemFlag and leaves the order's timestamps as they were). */
static bool same_lines(db *d, long long shop_id, const mall_order *o)
{
	db_res *r = NULL;
	if (db_queryv(d, &r,
	              "SELECT l.line_key, l.quantity, l.cancelled FROM mall_order_line l "
	              "JOIN mall_order m ON m.id = l.order_id WHERE m.shop_id = ? AND m.order_no = ?",
	              DB_I(shop_id), DB_S(o->order_no)) != Z_OK)
		return false;
	bool same = r->nrows == o->nlines;
	for (int i = 0; same && i < o->nlines; i++) {
		const mall_order_line *l = &o->lines[i];
		same = false;
		for (int j = 0; j < r->nrows; j++) {
			if (strcmp(db_get(r, j, 0), l->line_key))
				continue;
			same = db_get_ll(r, j, 1, -1) == l->quantity &&
			       (db_get_ll(r, j, 2, -1) != 0) == l->cancelled;
			break;
		}
	}
	db_res_free(r);
	return same;
}

/* mall_shop.order_known: the header alone (no lines yet) matches what was applied. */
static bool known_head(const struct mall_order *o, void *vctx)
{
	struct fetch_ctx *c = vctx;
	if (!seen_already(c->d, c->s->ms.id, o))
		return false;
	c->stats->unchanged++;
	return true;
}

/* For a mall that folds item codes (Rakuten): the listing's own spelling of the line's code
 * (「ZK-Item12」 for 「zk-item12」) into out, or the line's code when no listing has it. */
static void listing_spelling(db *d, long long shop_id, const mall_order_line *l, char *out,
                             size_t len)
{
	db_res *r = NULL;
	snprintf(out, len, "%s", l->item_code);
	if (db_queryv(d, &r,
	              "SELECT item_code FROM listing WHERE shop_id = ? AND item_code_folded = LOWER(?) "
	              "AND sub_code = ? ORDER BY item_code = ? DESC, id LIMIT 1",
	              DB_I(shop_id), DB_S(l->item_code), DB_S(l->sub_code), DB_S(l->item_code)) ==
	        Z_OK &&
	    r->nrows)
		snprintf(out, len, "%s", db_get(r, 0, 0));
	db_res_free(r);
}

static int on_order(const mall_order *o, void *vctx)
{
	struct fetch_ctx *c = vctx;
	stock_order_line *lines = NULL;
	char (*codes)[128] = NULL;
	if (seen_already(c->d, c->s->ms.id, o) && same_lines(c->d, c->s->ms.id, o)) {
		c->stats->unchanged++;
		return 0;
	}
	if (!lock_kept(c->d, c->s, c->stats)) {
		c->failed = true;
		return 1;
	}
	bool folds = mall_item_code_folds(c->s->mall);
	if (o->nlines > 0 && (!(lines = calloc((size_t)o->nlines, sizeof(*lines))) ||
	                      (folds && !(codes = calloc((size_t)o->nlines, sizeof(*codes)))))) {
		free(lines);
		c->failed = true;
		return 1;
	}
	for (int i = 0; i < o->nlines; i++) {
		const mall_order_line *m = &o->lines[i];
		const char *item = m->item_code;
		if (folds) {
			listing_spelling(c->d, c->s->ms.id, m, codes[i], sizeof(codes[i]));
			item = codes[i];
		}
		lines[i] = (stock_order_line){m->line_key, item, m->sub_code, m->sku_code,
		                              m->quantity, m->cancelled};
	}
	stock_order so = {o->order_no, o->status, o->cancelled, o->ordered_at, o->updated_at,
	                  o->nlines, lines};
	stock_order_result res = {0};
	int rc = stock_apply_order(c->d, c->s->ms.id, &so, &res);
	free(lines);
	free(codes);
	if (rc == Z_INVALID) {
		/* A malformed order must not hold the cursor back forever: record it and go on.
		 * Its number is the mall's text, cleaned like any mall message before it is stored. */
		char no[72], key[128];
		snprintf(no, sizeof(no), "%s", o->order_no);
		batch_clean_message(no);
		snprintf(key, sizeof(key), "order:%lld:%s", c->s->ms.id, no);
		buf m = BUF_INIT;
		smsg_keyf(&m, "msg.batch.bad_order", "注文 %s を取り込めません (注文の内容が不正です)", no);
		stock_error_m(c->d, 8, "order", c->s->ms.id, 0, 0, key, buf_str(&m),
		              "注文 %s を取り込めません (注文の内容が不正です)", no);
		buf_free(&m);
		return 0;
	}
	if (rc != Z_OK) {
		log_error("shop %lld: order %s not applied", c->s->ms.id, o->order_no);
		c->failed = true;
		return 1;
	}
	c->stats->orders++;
	c->stats->new_lines += res.new_lines;
	c->stats->changed_lines += res.changed_lines;
	c->stats->unlinked_lines += res.unlinked_lines;
	c->stats->before_cursor_lines += res.before_cursor_lines;
	return 0;
}

int sync_fetch(db *d, const conf *cfg, batch_shop *s, sync_stats *stats)
{
	mall_status st = {0};
	/* Tokens near expiry are renewed here (and Rakuten's licenseKey expiry is read), so an
	 * expired credential shows up as this shop's stop rather than as a failed push. */
	if (s->adapter->refresh(&s->ms, false, &st) != MALL_OK)
		return mall_failure(d, s, "fetch", &st, stats);
	/* A renewed token is stored now, not after the step: a mall that rotates its refresh
	 * token has already forgotten the old one, and the step may yet be killed. */
	batch_shop_save_credentials(d, cfg, s);
	if (!s->order_cursor)
		return Z_OK; /* 初期受注取得 not done: no order of this shop counts yet */
	/* Not yet due by the mall's limits: skipped (the next cycle asks again), not deferred. */
	if (s->adapter->fetch_due && s->adapter->fetch_due(&s->ms) > 0)
		return Z_OK;
	long long overlap = batch_setting_int(d, "order_overlap_seconds", 600, 0, 7 * 86400);
	/* The window ends after the current second so an order of this very second is seen
	 * now; the cursor moves only to the second's start, so the next window (which starts
	 * there even with no overlap) sees any order of this second the mall had not yet shown. */
	time_t started = time(NULL), until = started + 1;
	time_t from = s->fetch_cursor ? s->fetch_cursor : s->order_cursor;
	time_t since = from - (time_t)overlap;
	struct fetch_ctx c = {d, s, stats, false};
	s->ms.order_known = known_head;
	mall_outcome out = s->adapter->fetch_orders(&s->ms, since, until, on_order, &c, &st);
	s->ms.order_known = NULL;
	if (c.failed) {
		stats->failed = true;
		return Z_ERR;
	}
	if (out != MALL_OK)
		return mall_failure(d, s, "fetch", &st, stats);
	/* Every order of [since, until) is applied: the next window may start at started (less
	 * the overlap again, for orders the mall reports late with an earlier time). */
	if (!lock_kept(d, s, stats))
		return Z_ERR;
	char at[20];
	batch_datetime(started, at);
	int rc = db_execv(d, "UPDATE shop SET fetch_cursor = GREATEST(COALESCE(fetch_cursor, ?), ?), "
	                     "last_fetch_at = UTC_TIMESTAMP() WHERE id = ?",
	                  DB_S(at), DB_S(at), DB_I(s->ms.id));
	if (rc == Z_OK) {
		s->fetch_cursor = started;
		char key[64], stop[64];
		snprintf(key, sizeof(key), "fetch:%lld", s->ms.id);
		snprintf(stop, sizeof(stop), "stopped:%lld", s->ms.id);
		/* A fetch that works again clears its retry notice, and the notice of the stop of a
		 * shop that has resumed (on screen or by a probe): its cause is gone. */
		rc = db_execv(d, "DELETE FROM error_log WHERE dedupe IN (?, ?)", DB_S(key), DB_S(stop));
	}
	if (rc == Z_OK)
		rc = deferral_over(d, s, "fetch");
	return rc;
}

static int store_mall_ref(db *d, const mall_push_item *it)
{
	if (!it->mall_ref_out[0] || (it->mall_ref && !strcmp(it->mall_ref, it->mall_ref_out)))
		return Z_OK;
	return db_execv(d, "UPDATE listing SET mall_ref = ? WHERE id = ?", DB_S(it->mall_ref_out),
	                DB_I(it->listing_id));
}

/* Items of a shop's first claim, before a call has measured what an item costs. */
#define PUSH_FIRST_CLAIM 10

/* Records what the mall answered for each of the n claimed pushes p (items, the call's
 * outcome out and status st): done, refused for the item (with its notice), or back to the
 * queue with back-off (*temporary set, the first reason into first_temporary, which holds
 * a status message). A success clears the listing's earlier notice. */
static int record_pushes(db *d, batch_shop *s, const stock_push *p, mall_push_item *items, int n,
                         mall_outcome out, mall_status *st, sync_stats *stats, bool *temporary,
                         char *first_temporary)
{
	buf healed = BUF_INIT;
	int nhealed = 0;
	db_val heal[100];
	char heal_keys[100][48];
	int rc = Z_OK;
	for (int i = 0; rc == Z_OK && i < n; i++) {
		mall_push_item *it = &items[i];
		mall_outcome o = out == MALL_OK ? it->status.outcome : out;
		batch_clean_message(it->status.message);
		batch_clean_message(st->message);
		const char *msg = it->status.message[0] ? it->status.message : st->message;
		/* msg as the mall's keys, when it has them: the push's result in the reader's
		 * language on the SKU page. */
		const char *form = it->status.message[0] ? it->status.msg : st->msg;
		if (o == MALL_OK) {
			stats->pushed++;
			rc = stock_push_done(d, p[i].id, true, it->wanted, "OK", 0);
			if (rc == Z_OK)
				rc = store_mall_ref(d, it);
			/* The listing's earlier refusal is solved by this success. */
			if (nhealed < (int)Z_ARRAY_LEN(heal)) {
				snprintf(heal_keys[nhealed], sizeof(heal_keys[nhealed]), "push_item:%lld",
				         it->listing_id);
				heal[nhealed] = DB_S(heal_keys[nhealed]);
				buf_puts(&healed, nhealed ? ", ?" : "?");
				nhealed++;
			}
		} else if (o == MALL_ITEM) {
			stats->push_failed++;
			char key[64];
			snprintf(key, sizeof(key), "push_item:%lld", it->listing_id);
			rc = stock_push_done_m(d, p[i].id, false, it->wanted, msg, form, -1);
			if (rc == Z_OK)
				rc = store_mall_ref(d, it); /* e.g. a product type to read again */
			buf m = BUF_INIT;
			smsg_keyf(&m, "msg.batch.push_item", "店舗「%s」の商品 %s%s%s に在庫を反映できません:",
			          s->name, it->item_code, *it->sub_code ? " / " : "", it->sub_code);
			smsg_lit(&m, " ");
			batch_msg_mall(&m, it->status.message[0] ? it->status.msg : st->msg, msg);
			if (rc == Z_OK)
				rc = stock_error_m(d, 8, "push_item", s->ms.id, 0, it->listing_id, key,
				                   buf_str(&m), "店舗「%s」の商品 %s%s%s に在庫を反映できません: %s",
				                   s->name, it->item_code, *it->sub_code ? " / " : "",
				                   it->sub_code, msg);
			buf_free(&m);
		} else {
			/* temporary, or one item rate limited: back-off (the core adds jitter) */
			stats->push_failed++;
			*temporary = true;
			if (!first_temporary[0] && msg[0])
				snprintf(first_temporary, sizeof(st->message), "%s", msg);
			long secs = it->status.retry_after_ms > 0
			                ? (it->status.retry_after_ms + 999) / 1000 : 0;
			rc = stock_push_done_m(d, p[i].id, false, it->wanted, msg, form, (int)secs);
		}
	}
	if (rc == Z_OK && nhealed) {
		char sql[1200];
		snprintf(sql, sizeof(sql), "DELETE FROM error_log WHERE dedupe IN (%s)",
		         buf_str(&healed));
		rc = db_exec(d, sql, heal, nhealed, NULL, NULL);
	}
	buf_free(&healed);
	return rc;
}

int sync_push(db *d, const conf *cfg, batch_shop *s, sync_stats *stats)
{
	stock_push *p = NULL;
	mall_push_item *items = NULL;
	int n = 0, rc = Z_OK;
	int batch = s->adapter->max_push_batch > 0 ? s->adapter->max_push_batch : 1;
	/* A shop may send fewer a call (option push_batch), never more than its mall takes. */
	long long want = mall_opt_int(&s->ms, "push_batch", batch);
	if (want >= 1 && want < batch)
		batch = (int)want;
	long long budget = batch_setting_int(d, "push_budget_seconds", 50, 1, 3600);
	if (worker_push_budget > 0 && worker_push_budget < (double)budget)
		budget = (long long)worker_push_budget;
	long long max_wait_ms = batch_setting_int(d, "rate_wait_max_ms", 2000, 0, 60000);
	double deadline = now_seconds() + (double)budget;
	/* Every claimer of this shop's pushes holds the shop lock, which we hold now: a push
	 * still 'sending' belongs to a run that died (kill -9) and goes back to the queue. */
	if ((rc = stock_release_claims(d, s->ms.id)) != Z_OK)
		return rc;
	if (!(items = calloc((size_t)batch, sizeof(*items))))
		return Z_NOMEM;
	/* Whether this step (not the fetch before it) was deferred. */
	bool deferred_before = stats->deferred;
	stats->deferred = false;
	while (now_seconds() < deadline && !stopping()) {
		mall_status st = {0};
		free(p);
		p = NULL;
		if (!lock_kept(d, s, stats))
			break;
		/* A claim is sent whole before the step looks at the clock again, and the pushes of
		 * an order queued meanwhile wait for it: claim what fits in the time left (at least
		 * one item), as the last calls measured; a few first when nothing is measured yet. A
		 * bulk call (Rakuten, Yahoo) costs little an item and keeps its full size; Amazon's
		 * PATCH a listing at 5/s claims about 5 a second. */
		int size = batch;
		if (s->push_item_seconds > 0) {
			double fit = (deadline - now_seconds()) / s->push_item_seconds;
			if (fit < size)
				size = fit < 1 ? 1 : (int)fit;
		} else if (size > PUSH_FIRST_CLAIM) {
			size = PUSH_FIRST_CLAIM;
		}
		if ((rc = stock_claim_pushes(d, s->ms.id, size, &p, &n)) != Z_OK || n == 0)
			break;
		double call_start = now_seconds();
		memset(items, 0, sizeof(*items) * (size_t)batch);
		for (int i = 0; i < n; i++)
			items[i] = (mall_push_item){.listing_id = p[i].listing_id,
			                            .item_code = p[i].item_code,
			                            .sub_code = p[i].sub_code,
			                            .sku_code = p[i].sku_code,
			                            .mall_ref = p[i].mall_ref[0] ? p[i].mall_ref : NULL,
			                            .wanted = p[i].wanted};
		mall_outcome out = s->adapter->push(&s->ms, items, n, &st);
		if (out == MALL_OK || out == MALL_TEMPORARY) {
			double per = (now_seconds() - call_start) / n;
			s->push_item_seconds = s->push_item_seconds > 0
			                           ? (s->push_item_seconds + per) / 2 : per;
		}
		/* What the mall was told is recorded by the lock's holder only (the claims of a run
		 * that lost it are released by the next one, and pushes are absolute). */
		if (!lock_kept(d, s, stats))
			break;
		for (int i = 0; out == MALL_OK && i < n; i++)
			if (items[i].status.outcome == MALL_AUTH) {
				/* Refused credentials for one item are refused for the shop. */
				st = items[i].status;
				out = MALL_AUTH;
			}
		if (out == MALL_AUTH) {
			rc = mall_failure(d, s, "push", &st, stats); /* releases the claims */
			break;
		}
		if (out == MALL_RATE_LIMITED) {
			/* Not an attempt that failed: the pushes go back as they were. */
			if ((rc = stock_release_claims(d, s->ms.id)) != Z_OK)
				break;
			long wait = st.retry_after_ms > 0 ? st.retry_after_ms : 1000;
			if (wait > max_wait_ms || now_seconds() + wait / 1000.0 >= deadline) {
				rc = mall_failure(d, s, "push", &st, stats); /* deferred, with its row */
				break; /* to the next cycle */
			}
			sleep_ms(wait);
			continue;
		}
		bool temporary = false;
		char first_temporary[sizeof(st.message)] = "";
		rc = record_pushes(d, s, p, items, n, out, &st, stats, &temporary, first_temporary);
		if (rc != Z_OK)
			break;
		if (out == MALL_TEMPORARY || temporary) {
			/* The call went through but items failed: the row says why (an unreadable reply
			 * is a reason too), not an empty call status. */
			if (!st.message[0] && first_temporary[0])
				snprintf(st.message, sizeof(st.message), "%s", first_temporary);
			if (!st.message[0])
				snprintf(st.message, sizeof(st.message), "理由不明の一時的な失敗");
			rc = mall_failure(d, s, "push", &st, stats);
			if (out == MALL_TEMPORARY)
				break; /* the mall is unwell: the rest waits for the next cycle */
		}
	}
	free(p);
	free(items);
	if (rc == Z_OK && stats->pushed > 0)
		rc = db_execv(d, "UPDATE shop SET last_push_at = UTC_TIMESTAMP() WHERE id = ?",
		              DB_I(s->ms.id));
	if (rc == Z_OK && stats->pushed > 0 && !stats->failed && !stats->deferred) {
		/* Pushes that work again clear the shop's retry notice. */
		char key[64];
		snprintf(key, sizeof(key), "push:%lld", s->ms.id);
		rc = db_execv(d, "DELETE FROM error_log WHERE dedupe = ?", DB_S(key));
	}
	if (rc == Z_OK && !stats->deferred && !s->lock_lost)
		rc = deferral_over(d, s, "push");
	stats->deferred = stats->deferred || deferred_before;
	if (rc != Z_OK) {
		/* Leave nothing claimed behind (the next run would release it anyway). */
		stock_release_claims(d, s->ms.id);
		stats->failed = true;
	}
	return rc;
}

static int ignore_order(const mall_order *o, void *ctx)
{
	(void)o;
	(void)ctx;
	return 0;
}

mall_outcome sync_probe(batch_shop *s, mall_status *st)
{
	time_t now = time(NULL);
	mall_outcome out = s->adapter->refresh(&s->ms, false, st);
	if (out != MALL_OK)
		return out;
	/* A real call proves the credentials (a static token or a licenseKey has no refresh). */
	return s->adapter->fetch_orders(&s->ms, now - 60, now + 1, ignore_order, NULL, st);
}

/* A stopped shop is tried again at most every stopped_retry_seconds. */
static void probe_stopped(db *d, const conf *cfg, batch_shop *s)
{
	long long every = batch_setting_int(d, "stopped_retry_seconds", 600, 0, 30 * 86400);
	if (s->probe_at && time(NULL) - s->probe_at < every)
		return;
	mall_status st = {0};
	db_execv(d, "UPDATE shop SET probe_at = UTC_TIMESTAMP() WHERE id = ?", DB_I(s->ms.id));
	if (!s->loaded)
		return;
	if (sync_probe(s, &st) == MALL_OK) {
		batch_shop_save_credentials(d, cfg, s);
		batch_shop_resume(d, s);
	}
}

/* One shop's step under its lock; false when another process holds the shop. */
static bool locked_step(db *d, const conf *cfg, batch_shop *s, sync_stats *stats, int step)
{
	if (!batch_shop_lock(d, s->ms.id)) {
		stats->skipped = true;
		return false;
	}
	s->lock_lost = false;
	if (step == SYNC_FETCH) {
		if (s->stopped)
			probe_stopped(d, cfg, s);
		if (!s->loaded && !s->stopped) {
			stats->failed = true;
			batch_shop_stop_m(d, s, s->load_error, s->load_msg);
		}
		if (!s->stopped)
			sync_fetch(d, cfg, s, stats);
	} else if (!s->stopped) {
		sync_push(d, cfg, s, stats);
	}
	/* A refreshed token is saved even without the lock: the mall has already forgotten the
	 * old one. */
	batch_shop_save_credentials(d, cfg, s);
	if (!s->lock_lost)
		batch_shop_unlock(d, s->ms.id);
	return true;
}

/* How a shop's step ended, as a worker's exit status. */
enum { STEP_OK = 0, STEP_FAILED = 1, STEP_SKIPPED = 3 };

static void log_shop(const batch_shop *s, const sync_stats *st, double secs)
{
	log_info("shop %lld %s%s%s: orders %d new or changed, %d seen before (lines new %d, "
	         "changed %d, unlinked %d), pushes sent %d failed %d, %.3fs",
	         s->ms.id, s->mall, s->stopped ? " (stopped)" : "",
	         st->skipped ? " (held by another run)" : "", st->orders, st->unchanged,
	         st->new_lines, st->changed_lines, st->unlinked_lines, st->pushed, st->push_failed,
	         secs);
}

/* A child's start: it dies with its parent, and never touches the parent's connection (it
 * opens its own). */
static db *child_db(const conf *cfg, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(STEP_FAILED);
	return db_open(cfg);
}

/* One shop's steps in a process of its own: the shops of a cycle run side by side, so a slow
 * mall (an Amazon backlog at 5 PATCH/s) holds up no other shop. */
static pid_t fork_step(const conf *cfg, long long id, int step)
{
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	db *d = child_db(cfg, parent);
	int code = STEP_FAILED;
	batch_shop s;
	/* The shop processes of a run killed just before end a moment after it: wait that moment
	 * rather than skip the shop for a whole cycle. */
	if (d)
		batch_shop_lock_wait(batch_setting_int(d, "shop_lock_wait_seconds", 2, 0, 60));
	if (d && batch_shop_open(d, cfg, id, &s) == Z_OK) {
		sync_stats st = {0};
		double t0 = now_seconds();
		locked_step(d, cfg, &s, &st, step);
		log_shop(&s, &st, now_seconds() - t0);
		code = st.skipped ? STEP_SKIPPED : (st.failed || s.stopped) ? STEP_FAILED : STEP_OK;
		batch_shop_close(&s);
	}
	db_close(d);
	fflush(NULL);
	_exit(code);
}

/* --loop: one worker process per enabled shop, each repeating its own fetch and push every
 * interval with its shop kept open (tokens, connections, adapter state), its row re-read each
 * time (a change of credentials or settings reopens it). It ends when the shop is disabled or
 * deleted, or on SIGTERM. */
static bool keep_open;
static double loop_interval = 5.0;
static struct {
	long long id;
	pid_t pid;
} *workers;
static int nworkers;

void sync_set_interval(double seconds)
{
	loop_interval = seconds > 0 ? seconds : 0;
}

static void sleep_interruptible(double secs)
{
	double until = now_seconds() + secs;
	while (!stopping()) {
		double left = until - now_seconds();
		if (left <= 0)
			break;
		sleep_ms(left > 0.1 ? 100 : (long)(left * 1000) + 1);
	}
}

static void worker_main(const conf *cfg, long long id, pid_t parent)
{
	db *d = child_db(cfg, parent);
	if (d)
		worker_push_budget = (double)batch_setting_int(d, "loop_push_budget_seconds", 2, 1, 3600);
	batch_shop s;
	bool open = false;
	while (d && !stopping()) {
		long long enabled = 0;
		if (db_query_ll(d, "SELECT enabled FROM shop WHERE id = ?", DB_ARGS(DB_I(id)), 0,
		                &enabled) != Z_OK) {
			sleep_interruptible(loop_interval > 1 ? loop_interval : 1);
			continue;
		}
		if (!enabled)
			break;
		if (open) {
			bool same = false;
			int rc = batch_shop_reread(d, &s, &same);
			if (rc == Z_NOTFOUND)
				break;
			if (rc != Z_OK || !same) {
				batch_shop_close(&s);
				open = false;
			}
		}
		if (!open) {
			int rc = batch_shop_open(d, cfg, id, &s);
			if (rc == Z_NOTFOUND)
				break;
			if (rc != Z_OK) {
				sleep_interruptible(loop_interval > 1 ? loop_interval : 1);
				continue;
			}
			open = true;
		}
		sync_stats st = {0};
		double t0 = now_seconds();
		locked_step(d, cfg, &s, &st, SYNC_FETCH);
		if (!stopping())
			locked_step(d, cfg, &s, &st, SYNC_PUSH);
		/* A line when something happened (an idle shop every interval would bury the log). */
		if (st.orders || st.pushed || st.push_failed || st.failed)
			log_shop(&s, &st, now_seconds() - t0);
		sleep_interruptible(loop_interval);
	}
	if (open)
		batch_shop_close(&s);
	db_close(d);
	fflush(NULL);
	_exit(0);
}

static void reap_workers(bool wait_all)
{
	for (int i = 0; i < nworkers; i++) {
		int status;
		pid_t got = waitpid(workers[i].pid, &status, wait_all ? 0 : WNOHANG);
		if (got == workers[i].pid || (got < 0 && errno == ECHILD)) {
			workers[i--] = workers[--nworkers];
		}
	}
}

void sync_keep_shops(bool keep)
{
	keep_open = keep;
	if (!keep) {
		for (int i = 0; i < nworkers; i++)
			kill(workers[i].pid, SIGTERM);
		reap_workers(true);
		free(workers);
		workers = NULL;
		nworkers = 0;
	}
}

/* The loop's turn: a worker for every enabled shop that has none (a worker that ended is
 * started again while its shop is enabled). */
static int supervise(db *d, const conf *cfg)
{
	long long *ids = NULL;
	int n = 0;
	reap_workers(false);
	int rc = batch_shop_ids(d, NULL, &ids, &n);
	if (rc != Z_OK)
		return rc;
	for (int i = 0; i < n && !stopping(); i++) {
		bool running = false;
		for (int j = 0; j < nworkers && !running; j++)
			running = workers[j].id == ids[i];
		if (running)
			continue;
		void *grown = realloc(workers, sizeof(*workers) * (size_t)(nworkers + 1));
		if (!grown) {
			rc = Z_NOMEM;
			break;
		}
		workers = grown;
		pid_t parent = getpid();
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			worker_main(cfg, ids[i], parent);
		if (pid < 0) {
			log_error("cycle: cannot start the worker of shop %lld", ids[i]);
			rc = Z_ERR;
			break;
		}
		workers[nworkers].id = ids[i];
		workers[nworkers].pid = pid;
		nworkers++;
	}
	free(ids);
	return rc;
}

int sync_shops(db *d, const conf *cfg, const char *shop_name, int steps, bool *any_failed)
{
	if (keep_open && !shop_name)
		return supervise(d, cfg);
	long long *ids = NULL;
	int n = 0;
	int rc = batch_shop_ids(d, shop_name, &ids, &n);
	if (rc != Z_OK || n == 0) {
		free(ids);
		return rc;
	}
	/* Side by side only when asked (setting shop_processes > 1): under kill -9 at random
	 * points, shop processes of overlapping runs once left a listing without its pending push.
	 * The cause was in the push queue (a released claim that had reached the mall was taken
	 * as unsent, and the newer push dropped as "held already"; see stock_release_claims), but
	 * crash runs with shop_processes > 1 have not been repeated since; the --loop workers are
	 * the way to run shops independently. */
	long long max_par = batch_setting_int(d, "shop_processes", 1, 1, 256);
	/* Every shop's orders first, then every shop's pushes: an order fetched from the last
	 * shop still reaches the first shop in this same cycle. Within a step the shops run side
	 * by side, each in a process of its own with its own connection and lock. */
	for (int step = SYNC_FETCH; step <= SYNC_PUSH; step <<= 1) {
		if (!(steps & step))
			continue;
		if (n == 1 || max_par == 1) {
			for (int i = 0; i < n && !stopping(); i++) {
				batch_shop s;
				sync_stats st = {0};
				if (batch_shop_open(d, cfg, ids[i], &s) != Z_OK) {
					*any_failed = true;
					continue;
				}
				double t0 = now_seconds();
				locked_step(d, cfg, &s, &st, step);
				log_shop(&s, &st, now_seconds() - t0);
				if (st.failed || s.stopped)
					*any_failed = true;
				batch_shop_close(&s);
			}
			continue;
		}
		pid_t *pids = calloc((size_t)n, sizeof(*pids));
		if (!pids) {
			rc = Z_NOMEM;
			break;
		}
		int running = 0, next = 0, done = 0;
		while (done < next || (next < n && !stopping())) {
			while (next < n && running < max_par && !stopping()) {
				pids[next] = fork_step(cfg, ids[next], step);
				if (pids[next] < 0) {
					*any_failed = true;
					pids[next] = 0;
					next++;
					done++;
					continue;
				}
				running++;
				next++;
			}
			int status;
			pid_t got = wait(&status);
			if (got < 0)
				break;
			for (int i = 0; i < next; i++) {
				if (pids[i] != got)
					continue;
				pids[i] = 0;
				running--;
				done++;
				if (!WIFEXITED(status) || WEXITSTATUS(status) == STEP_FAILED)
					*any_failed = true;
			}
		}
		free(pids);
	}
	free(ids);
	return rc;
}

int sync_alerts(db *d)
{
	char mode[16], to[1000];
	db_res *r = NULL;
	buf crossed = BUF_INIT; /* the indexes (int) of r's rows that crossed */
	int rc, count = 0;
	long long last = -1, upto = 0;
	/* Moves are read once each, from where the last run stopped (kept as a setting), so an
	 * idle cycle costs two indexed reads and a crash between fetch and alerts loses nothing. */
	if ((rc = db_query_ll(d, "SELECT COALESCE(MAX(id), 0) FROM stock_move", NULL, 0, 0,
	                      &upto)) != Z_OK)
		return rc;
	last = batch_setting_int(d, "alert_move_id", -1, 0, INT64_MAX);
	if (last < 0 || last > upto) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", upto);
		return db_execv(d, "REPLACE INTO setting (name, value) VALUES ('alert_move_id', ?)",
		                DB_S(v));
	}
	if (last == upto)
		return Z_OK;
	batch_setting(d, "alert_mode", "off", mode, sizeof(mode));
	long long thr = batch_setting_int(d, "alert_threshold", 0, -STOCK_QTY_MAX, STOCK_QTY_MAX);
	bool per_sku = !strcmp(mode, "per_sku"), all = !strcmp(mode, "all");
	/* Back above the threshold (or alerts off): the next crossing mails again. */
	rc = db_execv(d, "UPDATE sku SET alert_below = 0 WHERE id IN (SELECT sku_id FROM stock_move "
	                 "WHERE id > ? AND id <= ?) AND alert_below = 1 AND "
	                 "(? OR total > IF(?, COALESCE(alert_threshold, total - 1), ?))",
	              DB_I(last), DB_I(upto), DB_I(!per_sku && !all), DB_I(per_sku), DB_I(thr));
	if (rc != Z_OK || (!per_sku && !all))
		goto done;
	rc = db_queryv(d, &r,
	               "SELECT s.id, s.code, s.name, s.total, IF(?, s.alert_threshold, ?) FROM sku s "
	               "WHERE s.id IN (SELECT sku_id FROM stock_move WHERE id > ? AND id <= ? "
	               "AND reason IN ('order', 'set')) AND s.is_set = 0 AND s.alert_below = 0 "
	               "AND s.total <= IF(?, s.alert_threshold, ?) ORDER BY s.code",
	               DB_I(per_sku), DB_I(thr), DB_I(last), DB_I(upto), DB_I(per_sku), DB_I(thr));
	if (rc != Z_OK)
		goto out;
	for (int i = 0; rc == Z_OK && i < r->nrows; i++) {
		long long changed = 0;
		/* Whoever flips the flag mails: two batches never mail one crossing twice. */
		rc = db_exec(d, "UPDATE sku SET alert_below = 1 WHERE id = ? AND alert_below = 0",
		             DB_ARGS(DB_I(db_get_ll(r, i, 0, 0))), &changed, NULL);
		if (rc == Z_OK && changed) {
			count++;
			/* The crossed rows, by their index in r (a row reads the same in any language). */
			buf_append(&crossed, (const char *)&i, sizeof(i));
		}
	}
	if (rc != Z_OK || count == 0)
		goto out;
	/* In each recipient's language: alert_mail_to (else error_mail_to) in Japanese,
	 * error_mail_to_en in English. */
	for (int l = 0; rc == Z_OK && l < MAIL_LANGS; l++) {
		if (l == 0)
			batch_setting(d, "alert_mail_to", "", to, sizeof(to));
		if (l > 0 || !*to)
			batch_setting(d, mail_error_to_settings[l], "", to, sizeof(to));
		if (!*to)
			continue;
		buf subject = BUF_INIT, text = BUF_INIT;
		lang_textf(NULL, mail_langs[l], &subject, "mail.alert.subject", "%d", count);
		const char *intro = lang_get(NULL, mail_langs[l], "mail.alert.intro");
		buf_puts(&text, intro ? intro : "mail.alert.intro");
		buf_puts(&text, "\n\n");
		for (size_t k = 0; k + sizeof(int) <= crossed.len; k += sizeof(int)) {
			int i;
			memcpy(&i, crossed.data + k, sizeof(i));
			lang_textf(NULL, mail_langs[l], &text, "mail.alert.line", "%s%s%s%s",
			           db_get(r, i, 1), db_get(r, i, 2), db_get(r, i, 3), db_get(r, i, 4));
			buf_putc(&text, '\n');
		}
		rc = mail_queue(d, "alert", to, buf_str(&subject), buf_str(&text));
		buf_free(&subject);
		buf_free(&text);
	}
	log_info("alerts: %d SKU(s) crossed the threshold", count);
done:
	if (rc == Z_OK) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", upto);
		rc = db_execv(d, "REPLACE INTO setting (name, value) VALUES ('alert_move_id', ?)",
		              DB_S(v));
	}
out:
	db_res_free(r);
	buf_free(&crossed);
	return rc;
}

/* The mail of credentials about to expire, in one language (mail.expiry). */
typedef struct {
	const char *shop, *at;
} expiry_mail;

static void expiry_texts(const char *lang, void *ctx, buf *subject, buf *body)
{
	const expiry_mail *m = ctx;
	lang_textf(NULL, lang, subject, "mail.expiry.subject", "%s", m->shop);
	lang_textf(NULL, lang, body, "mail.expiry.body", "%s%s", m->shop, m->at);
}

int sync_expiry_warnings(db *d)
{
	db_res *r = NULL;
	long long days = batch_setting_int(d, "expiry_warn_days", 14, 0, 365);
	/* Yahoo's and Amazon's token_expires_at is an hour-long access token (renewed by
	 * refresh); Rakuten's is its licenseKey. credentials_expire_at, when set, wins. */
	static const char expiry[] =
		"COALESCE(credentials_expire_at, IF(mall = 'rakuten', token_expires_at, NULL))";
	char sql[700];
	snprintf(sql, sizeof(sql),
	         "SELECT id, name, %s FROM shop WHERE enabled = 1 AND %s IS NOT NULL AND "
	         "%s <= UTC_TIMESTAMP() + INTERVAL ? DAY AND "
	         "(expiry_warned_for IS NULL OR expiry_warned_for <> %s)",
	         expiry, expiry, expiry, expiry);
	int rc = db_queryv(d, &r, sql, DB_I(days));
	for (int i = 0; rc == Z_OK && i < r->nrows; i++) {
		long long changed = 0;
		rc = db_exec(d, "UPDATE shop SET expiry_warned_for = ? WHERE id = ? AND "
		                "(expiry_warned_for IS NULL OR expiry_warned_for <> ?)",
		             DB_ARGS(DB_S(db_get(r, i, 2)), DB_I(db_get_ll(r, i, 0, 0)),
		                     DB_S(db_get(r, i, 2))), &changed, NULL);
		if (rc != Z_OK || !changed)
			continue;
		expiry_mail m = {db_get(r, i, 1), db_get(r, i, 2)};
		rc = mail_queue_error_each(d, expiry_texts, &m);
	}
	db_res_free(r);
	return rc;
}
