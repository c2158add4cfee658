/* zaiko-batch purge against the stack's database: old history goes, what is pending or recent
 * stays, the stock ledger is never touched (every total is still the sum of its moves), and a
 * purged order fetched again never takes stock a second time. */
#include "test_stock_util.h"
#include <sys/wait.h>

#define DAY 86400

/* Runs the real `zaiko-batch purge` (ZAIKO_BUILD, ZAIKO_CONF from tests/run.sh); returns its
 * exit code, its first output line in out. */
static int run_purge(char *out, size_t outlen)
{
	const char *build = getenv("ZAIKO_BUILD");
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/zaiko-batch purge 2>&1", build ? build : "build");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	out[0] = '\0';
	if (!fgets(out, (int)outlen, p))
		out[0] = '\0';
	char rest[512];
	while (fgets(rest, sizeof(rest), p))
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int order_at(long long shop, const char *no, const char *item, int qty, bool cancelled,
                    time_t when, stock_order_result *res)
{
	stock_order_line ln = {.line_key = "1", .item_code = item, .quantity = qty};
	stock_order o = {.order_no = no, .cancelled = cancelled, .ordered_at = when,
	                 .updated_at = when, .nlines = 1, .lines = &ln};
	return stock_apply_order(t_db, shop, &o, res);
}

/* SKUs (of every test) whose total is not the sum of their moves. */
static long long ledger_mismatches(void)
{
	return T_LL("SELECT COUNT(*) FROM sku s WHERE s.is_set = 0 AND s.total <> "
	            "(SELECT COALESCE(SUM(m.delta), 0) FROM stock_move m WHERE m.sku_id = s.id) "
	            "AND ? = ?",
	            DB_I(1), DB_I(1));
}

static void exec_ok(const char *sql, const db_val *p, int n)
{
	assert_int_equal(db_exec(t_db, sql, p, n, NULL, NULL), Z_OK);
}
#define EXEC(sql, ...) exec_ok((sql), DB_ARGS(__VA_ARGS__))
#define EXEC0(sql) exec_ok((sql), NULL, 0)

static void use_default_periods(void)
{
	assert_int_equal(db_exec(t_db, "DELETE FROM setting WHERE name LIKE 'retention\\_%'", NULL,
	                         0, NULL, NULL),
	                 Z_OK);
}

static void test_old_history_goes_pending_and_recent_stay(void **state)
{
	(void)state;
	use_default_periods();
	long long shop = t_shop(true, 1);
	const char *code = t_code("sku");
	long long sku = t_sku(code, 10);
	long long listing = t_listing(shop, code, code, 10);
	const char *tag = t_code("h");
	/* push: done 400 days ago (goes), pending and failed-recent (stay) */
	EXEC("INSERT INTO push (listing_id, shop_id, wanted, why, state, created_at, sent_at) "
	     "VALUES (?, ?, 1, ?, 'done', UTC_TIMESTAMP() - INTERVAL 400 DAY, "
	     "UTC_TIMESTAMP() - INTERVAL 400 DAY), (?, ?, 2, ?, 'failed', "
	     "UTC_TIMESTAMP() - INTERVAL 10 DAY, NULL)",
	     DB_I(listing), DB_I(shop), DB_S(tag), DB_I(listing), DB_I(shop), DB_S(tag));
	/* a pending push left 400 days ago (a shop stopped for a year) is never history */
	EXEC("DELETE FROM push WHERE pending_listing = ?", DB_I(listing));
	EXEC("INSERT INTO push (listing_id, shop_id, wanted, why, state, created_at) VALUES "
	     "(?, ?, 3, ?, 'pending', UTC_TIMESTAMP() - INTERVAL 400 DAY)",
	     DB_I(listing), DB_I(shop), DB_S(tag));
	/* login failures: 2500 of 40 days ago (more than one chunk), one of yesterday */
	EXEC("INSERT INTO login_failure (login, address, at) SELECT ?, '192.0.2.1', "
	     "UTC_TIMESTAMP() - INTERVAL 40 DAY FROM seq_1_to_2500",
	     DB_S(tag));
	EXEC("INSERT INTO login_failure (login, address, at) VALUES (?, '192.0.2.1', "
	     "UTC_TIMESTAMP() - INTERVAL 1 DAY)",
	     DB_S(tag));
	/* mail: sent 100 days ago (goes), queued 100 days ago (stays) */
	EXEC("INSERT INTO mail_queue (kind, recipients, subject, body, state, created_at) VALUES "
	     "('test', 'a@example.jp', ?, 'x', 'sent', UTC_TIMESTAMP() - INTERVAL 100 DAY), "
	     "('test', 'a@example.jp', ?, 'x', 'queued', UTC_TIMESTAMP() - INTERVAL 100 DAY)",
	     DB_S(tag), DB_S(tag));
	/* jobs: done 40 days ago (goes), a preview 2 days old (file dropped), one an hour old
	 * (kept whole), a connection test queued 40 days ago (not ours to touch) */
	EXEC("INSERT INTO job (kind, state, message, payload, created_at, updated_at) VALUES "
	     "('csv_totals', 'done', ?, NULL, UTC_TIMESTAMP() - INTERVAL 40 DAY, "
	     "UTC_TIMESTAMP() - INTERVAL 40 DAY), "
	     "('csv_totals', 'queued', ?, 'SKUコード,総在庫数', UTC_TIMESTAMP() - INTERVAL 2 DAY, "
	     "UTC_TIMESTAMP() - INTERVAL 2 DAY), "
	     "('csv_listings', 'queued', ?, 'x,y', UTC_TIMESTAMP() - INTERVAL 1 HOUR, "
	     "UTC_TIMESTAMP() - INTERVAL 1 HOUR), "
	     "('connection_test', 'queued', ?, NULL, UTC_TIMESTAMP() - INTERVAL 40 DAY, "
	     "UTC_TIMESTAMP() - INTERVAL 40 DAY)",
	     DB_S(tag), DB_S(tag), DB_S(tag), DB_S(tag));
	/* 一括切替: asked about 2 days ago and never confirmed (goes), one whose worker died 2 days
	 * ago while running (goes), one asked about an hour ago (kept) */
	EXEC("INSERT INTO job (kind, state, message, created_at, updated_at) VALUES "
	     "('sync_all', 'queued', ?, UTC_TIMESTAMP() - INTERVAL 2 DAY, "
	     "UTC_TIMESTAMP() - INTERVAL 2 DAY), "
	     "('sync_all', 'running', ?, UTC_TIMESTAMP() - INTERVAL 2 DAY, "
	     "UTC_TIMESTAMP() - INTERVAL 2 DAY), "
	     "('sync_all', 'queued', ?, UTC_TIMESTAMP() - INTERVAL 1 HOUR, "
	     "UTC_TIMESTAMP() - INTERVAL 1 HOUR)",
	     DB_S(tag), DB_S(tag), DB_S(tag));
	long long moves = T_LL("SELECT COUNT(*) FROM stock_move WHERE ? = ?", DB_I(1), DB_I(1));
	long long mismatched = ledger_mismatches();

	char out[512];
	assert_int_equal(run_purge(out, sizeof(out)), 0);
	print_message("%s", out);
	assert_non_null(strstr(out, "purge: "));

	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE why = ? AND state = 'done'",
	                      DB_S(tag)), 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE why = ? AND state = 'failed'",
	                      DB_S(tag)), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE why = ? AND state = 'pending'",
	                      DB_S(tag)), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM login_failure WHERE login = ?", DB_S(tag)), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM mail_queue WHERE subject = ?", DB_S(tag)), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM mail_queue WHERE subject = ? AND state = 'queued'",
	                      DB_S(tag)), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM job WHERE message = ?", DB_S(tag)), 4);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM job WHERE kind = 'sync_all' AND message = ? "
	                      "AND updated_at > UTC_TIMESTAMP() - INTERVAL 1 DAY",
	                      DB_S(tag)), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM job WHERE kind = 'csv_listings' AND message = ? "
	                      "AND state = 'queued' AND payload IS NOT NULL",
	                      DB_S(tag)), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM job WHERE kind = 'connection_test' AND "
	                      "message = ?", DB_S(tag)), 1);
	/* the abandoned preview: its file is gone and it says why (its name, the moves' ref,
	 * stays), in Japanese and as the key every reader's language has */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM job WHERE kind = 'csv_totals' AND state = 'failed' "
	                      "AND payload IS NULL AND error LIKE '%破棄%' AND "
	                      "error_msg = 'msg.job.abandoned' AND message = ? AND created_at < "
	                      "UTC_TIMESTAMP() - INTERVAL 1 DAY",
	                      DB_S(tag)), 1);
	/* the ledger: not a row less, and every total still the sum of its moves */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM stock_move WHERE ? = ?", DB_I(1), DB_I(1)),
	                 moves);
	assert_int_equal(ledger_mismatches(), mismatched);
	assert_int_equal(t_total(sku), t_sum_moves(sku));

	/* 0 keeps forever: an old done push survives a purge */
	EXEC("INSERT INTO push (listing_id, shop_id, wanted, why, state, created_at) VALUES "
	     "(?, ?, 4, ?, 'done', UTC_TIMESTAMP() - INTERVAL 400 DAY)",
	     DB_I(listing), DB_I(shop), DB_S(tag));
	EXEC0("INSERT INTO setting (name, value) VALUES ('retention_push_days', '0') "
	      "ON DUPLICATE KEY UPDATE value = VALUES(value)");
	assert_int_equal(run_purge(out, sizeof(out)), 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE why = ? AND state = 'done'",
	                      DB_S(tag)), 1);
	/* a stored period under the least is read as the least (7 days for pushes) */
	EXEC0("UPDATE setting SET value = '1' WHERE name = 'retention_push_days'");
	EXEC("UPDATE push SET created_at = UTC_TIMESTAMP() - INTERVAL 3 DAY WHERE why = ? AND "
	     "state = 'done'", DB_S(tag));
	assert_int_equal(run_purge(out, sizeof(out)), 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE why = ? AND state = 'done'",
	                      DB_S(tag)), 1);
	use_default_periods();
}

static void test_purged_order_fetched_again_moves_nothing(void **state)
{
	(void)state;
	use_default_periods();
	/* Orders of 300 days ago, kept 200 days: after any mark an earlier purge left (365). */
	EXEC0("INSERT INTO setting (name, value) VALUES ('retention_order_days', '200')");
	long long shop = t_shop(true, 1);
	EXEC("UPDATE shop SET order_cursor = UTC_TIMESTAMP() - INTERVAL 800 DAY WHERE id = ?",
	     DB_I(shop));
	const char *code = t_code("ord");
	long long sku = t_sku(code, 10);
	t_listing(shop, code, code, 10);
	char old_no[64], new_no[64];
	snprintf(old_no, sizeof(old_no), "%s", t_code("old"));
	snprintf(new_no, sizeof(new_no), "%s", t_code("new"));
	time_t now = time(NULL);
	stock_order_result res;
	assert_int_equal(order_at(shop, old_no, code, 2, false, now - 300 * DAY, &res), Z_OK);
	assert_int_equal(order_at(shop, new_no, code, 1, false, now - 10 * DAY, &res), Z_OK);
	assert_int_equal(t_total(sku), 7);
	/* the old order was last fetched a year ago */
	EXEC("UPDATE mall_order SET fetched_at = UTC_TIMESTAMP() - INTERVAL 300 DAY "
	     "WHERE shop_id = ? AND order_no = ?", DB_I(shop), DB_S(old_no));
	long long moves = t_moves(sku);

	char out[512];
	assert_int_equal(run_purge(out, sizeof(out)), 0);
	print_message("%s", out);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM mall_order WHERE shop_id = ? AND order_no = ?",
	                      DB_I(shop), DB_S(old_no)), 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM mall_order_line l LEFT JOIN mall_order o ON "
	                      "o.id = l.order_id WHERE o.id IS NULL AND ? = ?", DB_I(1), DB_I(1)), 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM mall_order o JOIN mall_order_line l ON "
	                      "l.order_id = o.id WHERE o.shop_id = ? AND o.order_no = ?",
	                      DB_I(shop), DB_S(new_no)), 1);
	assert_int_equal(t_moves(sku), moves);
	assert_int_equal(t_total(sku), 7);
	assert_int_equal(t_total(sku), t_sum_moves(sku));
	assert_int_equal(T_LL("SELECT COUNT(*) FROM setting WHERE name = 'orders_purged_before' "
	                      "AND CAST(value AS DATETIME) BETWEEN UTC_TIMESTAMP() - INTERVAL 201 DAY "
	                      "AND UTC_TIMESTAMP() - INTERVAL 199 DAY AND ? = ?", DB_I(1), DB_I(1)), 1);

	/* the mall returns the purged order again, then its cancellation: stock stays as it is */
	assert_int_equal(order_at(shop, old_no, code, 2, false, now - 300 * DAY, &res), Z_OK);
	assert_int_equal(res.before_cursor_lines, 1);
	assert_int_equal(t_total(sku), 7);
	assert_int_equal(order_at(shop, old_no, code, 2, true, now - 300 * DAY, &res), Z_OK);
	assert_int_equal(t_total(sku), 7);
	/* the recent order still moves as ever: its cancellation returns its one */
	assert_int_equal(order_at(shop, new_no, code, 1, true, now - 10 * DAY, &res), Z_OK);
	assert_int_equal(t_total(sku), 8);
	assert_int_equal(t_total(sku), t_sum_moves(sku));
	/* a new order placed now is not before the mark */
	assert_int_equal(order_at(shop, t_code("now"), code, 3, false, now, &res), Z_OK);
	assert_int_equal(res.before_cursor_lines, 0);
	assert_int_equal(t_total(sku), 5);
	assert_int_equal(t_total(sku), t_sum_moves(sku));
	use_default_periods();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_history_goes_pending_and_recent_stay),
		cmocka_unit_test(test_purged_order_fetched_again_moves_nothing),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
