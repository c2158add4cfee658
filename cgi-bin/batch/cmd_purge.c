/* The purge command: deletes history older than the periods of 共通設定 › 保存期間 (push
 * history, fetched orders, login failures, sent mail, finished jobs) and drops the uploaded
 * files of previews never applied after a day.
 *
 * Bounded batches: each statement touches at most CHUNK rows of one primary-key range and
 * commits on its own, so no lock is held longer than a few milliseconds and the batch, the
 * screens and a replica keep going while a year of history goes. The range's upper end (the
 * highest id of an old row) is found once through the time column's index
 * (sql/150_purge_indexes.sql); every DELETE checks the time and state again, so a row changed
 * meanwhile stays.
 *
 * Never purged: stock_move (the ledger: a SKU's total is the sum of its moves, and the moves
 * are what a merchant reconciles against; it grows by one small row per change), pending and
 * sending pushes, queued mail, queued or running jobs other than stale previews. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "batch/batch.h"
#include "batch/retention.h"
#include "batch/shops.h"
#include "core/log.h"
#include "core/strnum.h"

#define CHUNK 1000
/* Orders go with their lines: fewer per transaction. */
#define ORDER_CHUNK 200

struct purge_opts {
	long long pause_ms;  /* sleep between chunks, for a busy primary or a lagging replica */
};

/* One history table purged by primary-key ranges. */
struct history {
	const char *setting;
	const char *table;
	const char *bound_sql;   /* ? = cutoff → the highest id of a row older than it (an
	                          * index-only range scan of the time column's index) */
	const char *delete_sql;  /* ? = lo, hi, cutoff → deletes that id range's old rows */
};

static const struct history histories[] = {
	{"retention_push_days", "push",
	 "SELECT MAX(id) FROM push WHERE created_at < ?",
	 "DELETE FROM push WHERE id >= ? AND id <= ? AND created_at < ? "
	 "AND state IN ('done', 'failed')"},
	{"retention_login_failure_days", "login_failure",
	 "SELECT MAX(id) FROM login_failure WHERE at < ?",
	 "DELETE FROM login_failure WHERE id >= ? AND id <= ? AND at < ?"},
	{"retention_mail_days", "mail_queue",
	 "SELECT MAX(id) FROM mail_queue WHERE created_at < ?",
	 "DELETE FROM mail_queue WHERE id >= ? AND id <= ? AND created_at < ? "
	 "AND state IN ('sent', 'failed')"},
};

static void pause_between(const struct purge_opts *o)
{
	if (o->pause_ms > 0)
		usleep((useconds_t)(o->pause_ms * 1000));
}

/* The period of SETTING in days (0 = keep forever), as the screen stored it. */
static long long period_days(db *d, const char *setting)
{
	for (int i = 0; i < RETENTION_NPERIODS; i++)
		if (!strcmp(retention_periods[i].setting, setting)) {
			long long v = batch_setting_int(d, setting, retention_periods[i].def, 0,
			                                retention_periods[i].max);
			if (v != 0 && v < retention_periods[i].min)
				v = retention_periods[i].min;
			return v;
		}
	return 0;
}

/* cutoff = now - days, as 'YYYY-MM-DD HH:MM:SS' UTC. */
static void cutoff_of(long long days, char out[20])
{
	batch_datetime(time(NULL) - (time_t)days * 86400, out);
}

static int next_id(db *d, const char *table, long long from, long long *out)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT MIN(id) FROM %s WHERE id >= ?", table);
	return db_query_ll(d, sql, DB_ARGS(DB_I(from)), 0, out);
}

static int purge_history(db *d, const struct history *h, const struct purge_opts *o,
                         long long *deleted)
{
	long long days = period_days(d, h->setting), hi = 0, lo = 0, n;
	char cutoff[20];
	*deleted = 0;
	if (days == 0)
		return Z_OK;
	cutoff_of(days, cutoff);
	if (db_query_ll(d, h->bound_sql, DB_ARGS(DB_S(cutoff)), 0, &hi) != Z_OK)
		return Z_ERR;
	if (hi == 0 || next_id(d, h->table, 0, &lo) != Z_OK)
		return hi == 0 ? Z_OK : Z_ERR;
	while (lo > 0 && lo <= hi) {
		long long end = lo + CHUNK - 1 < hi ? lo + CHUNK - 1 : hi;
		if (db_exec(d, h->delete_sql, DB_ARGS(DB_I(lo), DB_I(end), DB_S(cutoff)), &n, NULL) !=
		    Z_OK)
			return Z_ERR;
		*deleted += n;
		if (end == hi || next_id(d, h->table, end + 1, &lo) != Z_OK)
			break;
		pause_between(o);
	}
	return Z_OK;
}

/* Fetched orders and their lines, ORDER_CHUNK orders a transaction. First the moment before
 * which orders were purged is recorded (it only moves forward): the stock core treats an order
 * placed before it as placed before 初期受注取得, so an order fetched again after its row is
 * gone never takes stock a second time. Orders of unknown time are kept. */
static int purge_orders(db *d, const struct purge_opts *o, long long *orders, long long *lines)
{
	long long days = period_days(d, "retention_order_days"), hi = 0, lo = 0, n;
	char cutoff[20];
	*orders = *lines = 0;
	if (days == 0)
		return Z_OK;
	cutoff_of(days, cutoff);
	if (db_execv(d, "INSERT INTO setting (name, value) VALUES ('orders_purged_before', ?) "
	                "ON DUPLICATE KEY UPDATE value = IF(value > VALUES(value), value, "
	                "VALUES(value))",
	             DB_S(cutoff)) != Z_OK)
		return Z_ERR;
	if (db_query_ll(d, "SELECT MAX(id) FROM mall_order WHERE fetched_at < ?",
	                DB_ARGS(DB_S(cutoff)), 0, &hi) != Z_OK)
		return Z_ERR;
	if (hi == 0)
		return Z_OK;
	if (next_id(d, "mall_order", 0, &lo) != Z_OK)
		return Z_ERR;
	while (lo > 0 && lo <= hi) {
		long long end = lo + ORDER_CHUNK - 1 < hi ? lo + ORDER_CHUNK - 1 : hi;
		db_val p[] = {DB_I(lo), DB_I(end), DB_S(cutoff), DB_S(cutoff), DB_S(cutoff)};
		int rc = db_begin(d);
		/* The order rows are locked first, as the stock core's upsert does: an order being
		 * fetched again right now waits, or is not old any more when we look. */
		if (rc == Z_OK) {
			db_res *locked = NULL;
			rc = db_query(d,
			              "SELECT id FROM mall_order WHERE id >= ? AND id <= ? AND fetched_at < ? "
			              "AND ordered_at < ? AND COALESCE(mall_updated_at, ordered_at) < ? "
			              "FOR UPDATE",
			              p, (int)Z_ARRAY_LEN(p), &locked);
			db_res_free(locked);
		}
		if (rc == Z_OK)
			rc = db_exec(d,
			             "DELETE l FROM mall_order_line l JOIN mall_order o ON o.id = l.order_id "
			             "WHERE o.id >= ? AND o.id <= ? AND o.fetched_at < ? AND o.ordered_at < ? "
			             "AND COALESCE(o.mall_updated_at, o.ordered_at) < ?",
			             p, (int)Z_ARRAY_LEN(p), &n, NULL);
		if (rc == Z_OK)
			*lines += n;
		if (rc == Z_OK)
			rc = db_exec(d,
			             "DELETE FROM mall_order WHERE id >= ? AND id <= ? AND fetched_at < ? "
			             "AND ordered_at < ? AND COALESCE(mall_updated_at, ordered_at) < ?",
			             p, (int)Z_ARRAY_LEN(p), &n, NULL);
		if (rc == Z_OK)
			*orders += n;
		if (rc == Z_OK)
			rc = db_commit(d);
		if (rc != Z_OK) {
			if (db_in_transaction(d))
				db_rollback(d);
			return Z_ERR;
		}
		if (end == hi || next_id(d, "mall_order", end + 1, &lo) != Z_OK)
			break;
		pause_between(o);
	}
	return Z_OK;
}

/* Jobs: previews never applied (or an apply that died) lose their uploaded file after a day,
 * and a 一括切替 asked about and never confirmed (or whose worker died) goes; finished jobs go
 * after their period. The job table is small: LIMIT batches suffice. */
static int purge_jobs(db *d, const struct purge_opts *o, long long *dropped, long long *deleted)
{
	long long n = 0, days = period_days(d, "retention_job_days");
	*dropped = *deleted = 0;
	do {
		if (db_exec(d,
		            "UPDATE job SET state = 'failed', payload = NULL, error = ?, error_msg = ?, "
		            "updated_at = UTC_TIMESTAMP() WHERE state IN ('queued', 'running') "
		            "AND kind IN ('csv_totals', 'csv_listings') "
		            "AND updated_at < UTC_TIMESTAMP() - INTERVAL ? HOUR LIMIT 100",
		            DB_ARGS(DB_S("反映されないまま1日が過ぎたため、アップロードされたファイルを"
		                         "破棄しました。もう一度ファイルを選択してください。"),
		                    DB_S("msg.job.abandoned"), DB_I(RETENTION_ABANDONED_PREVIEW_HOURS)),
		            &n, NULL) != Z_OK)
			return Z_ERR;
		*dropped += n;
	} while (n == 100);
	do {
		if (db_exec(d,
		            "DELETE FROM job WHERE (kind = 'set_csv_preview' OR (kind = 'sync_all' "
		            "AND state IN ('queued', 'running'))) "
		            "AND updated_at < UTC_TIMESTAMP() - INTERVAL ? HOUR LIMIT 100",
		            DB_ARGS(DB_I(RETENTION_ABANDONED_PREVIEW_HOURS)), &n, NULL) != Z_OK)
			return Z_ERR;
		*dropped += n;
	} while (n == 100);
	if (days == 0)
		return Z_OK;
	do {
		if (db_exec(d,
		            "DELETE FROM job WHERE state IN ('done', 'failed') "
		            "AND updated_at < UTC_TIMESTAMP() - INTERVAL ? DAY LIMIT 500",
		            DB_ARGS(DB_I(days)), &n, NULL) != Z_OK)
			return Z_ERR;
		*deleted += n;
		if (n == 500)
			pause_between(o);
	} while (n == 500);
	return Z_OK;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int batch_purge(const conf *cfg, db *d, int argc, char **argv)
{
	struct purge_opts o = {0};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pause-ms") && i + 1 < argc &&
		    strnum_ll(argv[i + 1], 0, 60000, &o.pause_ms) == Z_OK) {
			i++;
			continue;
		}
		fprintf(stderr, "usage: zaiko-batch purge [--pause-ms MS]\n");
		return BATCH_EXIT_USAGE;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long long n[Z_ARRAY_LEN(histories)], orders = 0, lines = 0, dropped = 0, jobs = 0, all = 0;
	int rc = Z_OK;
	for (size_t i = 0; rc == Z_OK && i < Z_ARRAY_LEN(histories); i++)
		if ((rc = purge_history(d, &histories[i], &o, &n[i])) == Z_OK)
			all += n[i];
	if (rc == Z_OK)
		rc = purge_orders(d, &o, &orders, &lines);
	if (rc == Z_OK)
		rc = purge_jobs(d, &o, &dropped, &jobs);
	if (rc != Z_OK) {
		log_error("purge: failed: %s", db_error(d));
		return BATCH_EXIT_FAILED;
	}
	all += orders + lines + jobs;
	double s = seconds_since(&t0);
	printf("purge: %lld pushes, %lld login failures, %lld mails, %lld orders (%lld lines), "
	       "%lld jobs deleted; %lld preview uploads dropped; %lld rows in %.2f s (%.0f rows/s)\n",
	       n[0], n[1], n[2], orders, lines, jobs, dropped, all, s, s > 0 ? (double)all / s : 0.0);
	log_info("purge: %lld rows deleted in %.2f s", all, s);
	return BATCH_EXIT_OK;
}
