/* test_stock_util: fixtures for the stock core's database tests: a connection, shops, SKUs
 * and listings with codes unique to this run, so tests never see each other's rows. */
#ifndef TEST_STOCK_UTIL_H
#define TEST_STOCK_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "core/conf.h"
#include "db/db.h"
#include "stock/stock.h"

static conf *t_cfg;
static db *t_db;
static char t_run[32];
static int t_seq;

static db *t_open(void)
{
	if (!t_cfg)
		t_cfg = conf_load(NULL);
	assert_non_null(t_cfg);
	db *d = db_open(t_cfg);
	assert_non_null(d);
	return d;
}

static inline int t_setup(void **state)
{
	(void)state;
	t_db = t_open();
	snprintf(t_run, sizeof(t_run), "%lx%x", (unsigned long)time(NULL), (unsigned)getpid());
	return 0;
}

static inline int t_teardown(void **state)
{
	(void)state;
	db_close(t_db);
	conf_free(t_cfg);
	t_db = NULL;
	t_cfg = NULL;
	return 0;
}

/* A code unique to this run: "<run>-<tag>-<n>"; static storage rotates over 16 slots. */
static const char *t_code(const char *tag)
{
	static char slots[16][64];
	char *s = slots[t_seq % 16];
	snprintf(s, 64, "%s-%s-%d", t_run, tag, t_seq++);
	return s;
}

static inline long long t_ll(const char *sql, const db_val *p, int n)
{
	long long v = -999;
	assert_int_equal(db_query_ll(t_db, sql, p, n, -999, &v), Z_OK);
	return v;
}
#define T_LL(sql, ...) t_ll((sql), DB_ARGS(__VA_ARGS__))

/* A shop; cursor_days_ago < 0 leaves order_cursor NULL (初期受注取得 not done). */
static inline long long t_shop(bool enabled, int cursor_days_ago)
{
	long long id = 0;
	char name[80];
	snprintf(name, sizeof(name), "%s", t_code("shop"));
	db_val p[] = {DB_S(name), DB_I(enabled), DB_I(cursor_days_ago)};
	assert_int_equal(db_exec(t_db,
	                         "INSERT INTO shop (name, mall, enabled, order_cursor, created_at) "
	                         "VALUES (?, 'yahoo', ?, IF(? < 0, NULL, UTC_TIMESTAMP() - "
	                         "INTERVAL 1 DAY), UTC_TIMESTAMP())",
	                         p, 3, NULL, &id),
	                 Z_OK);
	return id;
}

static inline long long t_sku(const char *code, long long total)
{
	long long id = 0;
	assert_int_equal(stock_sku_create(t_db, code, "テスト商品", total, &id), Z_OK);
	return id;
}

static inline long long t_total(long long sku_id)
{
	return T_LL("SELECT total FROM sku WHERE id = ?", DB_I(sku_id));
}

/* A listing imported into a shop with item code = code, SKU code = sku_code. */
static inline long long t_listing(long long shop_id, const char *item, const char *sku_code,
                           int mall_stock)
{
	stock_listing_row row = {.item_code = item, .sku_code = sku_code, .name = item,
	                         .has_stock = mall_stock >= 0, .stock = mall_stock};
	stock_import_result res;
	assert_int_equal(stock_import_listings(t_db, shop_id, &row, 1, false, &res), Z_OK);
	return T_LL("SELECT id FROM listing WHERE shop_id = ? AND item_code = ?", DB_I(shop_id),
	            DB_S(item));
}

static inline long long t_moves(long long sku_id)
{
	return T_LL("SELECT COUNT(*) FROM stock_move WHERE sku_id = ?", DB_I(sku_id));
}

static inline long long t_sum_moves(long long sku_id)
{
	return T_LL("SELECT COALESCE(SUM(delta), 0) FROM stock_move WHERE sku_id = ?",
	            DB_I(sku_id));
}

/* An order of one line selling qty of item; cancelled marks the whole order. */
static inline int t_order1(long long shop_id, const char *order_no, const char *item, int qty,
                    bool cancelled, stock_order_result *res)
{
	stock_order_line ln = {.line_key = "1", .item_code = item, .quantity = qty};
	stock_order o = {.order_no = order_no, .cancelled = cancelled, .ordered_at = time(NULL),
	                 .nlines = 1, .lines = &ln};
	return stock_apply_order(t_db, shop_id, &o, res);
}

/* Runs child(proc, seed) in n processes at once, each with its own connection (t_db is closed
 * first: children must not share the parent's); reopens t_db and returns how many children
 * failed (exit status not 0), each said on stderr. */
static inline int t_fork_writers(int n, int (*child)(int proc, unsigned seed))
{
	pid_t pids[64];
	assert_true(n > 0 && n <= (int)(sizeof(pids) / sizeof(pids[0])));
	db_close(t_db);
	t_db = NULL;
	for (int p = 0; p < n; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0)
			_exit(child(p, (unsigned)time(NULL) * 31u + (unsigned)p));
	}
	int failed = 0;
	for (int p = 0; p < n; p++) {
		int status = 0;
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "writer %d: status %d\n", p, status);
			failed++;
		}
	}
	t_db = t_open();
	return failed;
}

#endif
