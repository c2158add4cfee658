/* test_stock_concurrency: 8 processes, each with its own connection, make 10,000 random
 * moves (orders, cancellations, manual edits, stocktakes, set sales) on 100 SKUs; afterwards
 * every total is the sum of its moves, every order line took exactly what it says, and
 * feeding the whole order stream again changes nothing. */
#include "test_stock_util.h"

#define PROCS 8
#define OPS_TOTAL 10000
#define NSKU 100
#define NSET 6
#define MAX_ORDERS (OPS_TOTAL / PROCS)

static long long skus[NSKU], sets[NSET];
static char sku_codes[NSKU][64], set_codes[NSET][64];
static long long shop_id;
/* The recipes: set i (i < 5) = 2 × part_a[i] + 1 × part_b[i]; set 5 = set 0 + SKU 99. */
static int part_a[5], part_b[5];

typedef struct {
	char no[64];
	char keys[3][8];
	char items[3][64];
	stock_order_line lines[3];
	stock_order o;
} child_order;

static const char *item_of(int k)
{
	return k < NSKU ? sku_codes[k] : set_codes[k - NSKU];
}

static int child(int proc, unsigned seed)
{
	db *d = t_open();
	static child_order orders[MAX_ORDERS];
	int norders = 0, failures = 0;
	unsigned r = seed;
	for (int op = 0; op < OPS_TOTAL / PROCS; op++) {
		int kind = rand_r(&r) % 100, rc = Z_OK;
		if (kind < 40 || norders == 0) {
			child_order *c = &orders[norders];
			memset(c, 0, sizeof(*c));
			snprintf(c->no, sizeof(c->no), "%s-P%d-%d", t_run, proc, norders);
			int n = 1 + rand_r(&r) % 3;
			for (int i = 0; i < n; i++) {
				int k = rand_r(&r) % 100 < 20 ? NSKU + rand_r(&r) % NSET : rand_r(&r) % NSKU;
				snprintf(c->keys[i], sizeof(c->keys[i]), "%d", i + 1);
				snprintf(c->items[i], sizeof(c->items[i]), "%s", item_of(k));
				c->lines[i] = (stock_order_line){.line_key = c->keys[i],
				                                 .item_code = c->items[i],
				                                 .quantity = 1 + rand_r(&r) % 3};
			}
			c->o = (stock_order){.order_no = c->no, .ordered_at = time(NULL), .nlines = n,
			                     .lines = c->lines};
			norders++;
			rc = stock_apply_order(d, shop_id, &c->o, NULL);
		} else if (kind < 55) {
			child_order *c = &orders[rand_r(&r) % norders];
			c->o.cancelled = true;
			rc = stock_apply_order(d, shop_id, &c->o, NULL);
		} else if (kind < 65) {
			child_order *c = &orders[rand_r(&r) % norders];
			c->lines[rand_r(&r) % c->o.nlines].cancelled = true;
			rc = stock_apply_order(d, shop_id, &c->o, NULL);
		} else if (kind < 75) {
			child_order *c = &orders[rand_r(&r) % norders];
			rc = stock_apply_order(d, shop_id, &c->o, NULL);
		} else if (kind < 90) {
			long long delta = (long long)(rand_r(&r) % 11) - 5;
			rc = stock_change_total(d, skus[rand_r(&r) % NSKU], delta, "manual", "test", 0,
			                        NULL);
		} else {
			long long sku = skus[rand_r(&r) % NSKU], seen = 0;
			if (db_query_ll(d, "SELECT total FROM sku WHERE id = ?", DB_ARGS(DB_I(sku)), 0,
			                &seen) != Z_OK)
				failures++;
			rc = stock_set_total(d, sku, seen + (rand_r(&r) % 7) - 3, &seen, "manual", "edit",
			                     0, NULL);
			if (rc == Z_CONFLICT)
				rc = Z_OK; /* an order came in between: the stale screen is refused */
		}
		if (rc != Z_OK) {
			fprintf(stderr, "proc %d op %d kind %d: %d (%s)\n", proc, op, kind, rc,
			        db_error(d));
			failures++;
		}
	}
	db_close(d);
	return failures > 255 ? 255 : failures;
}

static void setup_data(void)
{
	shop_id = t_shop(true, 1);
	for (int i = 0; i < NSKU; i++) {
		snprintf(sku_codes[i], sizeof(sku_codes[i]), "%s", t_code("c"));
		skus[i] = t_sku(sku_codes[i], 1000);
		long long l = t_listing(shop_id, sku_codes[i], sku_codes[i], 1000);
		/* some floors and caps, so that the wanted rule has work to do */
		if (i % 5 == 0 || i % 7 == 0) {
			const char *why = NULL;
			assert_int_equal(stock_listing_settings(t_db, l, -1, i % 7 == 0, 990, i % 5 == 0,
			                                        1003, &why),
			                 Z_OK);
		}
	}
	const char *why = NULL;
	for (int i = 0; i < NSET; i++) {
		snprintf(set_codes[i], sizeof(set_codes[i]), "%s", t_code("set"));
		sets[i] = t_sku(set_codes[i], 0);
		t_listing(shop_id, set_codes[i], set_codes[i], 0);
		if (i < 5) {
			part_a[i] = (i * 3) % NSKU;
			part_b[i] = (i * 7 + 1) % NSKU;
			stock_set_part p[] = {{skus[part_a[i]], 2}, {skus[part_b[i]], 1}};
			assert_int_equal(stock_set_define(t_db, sets[i], p, 2, &why), Z_OK);
		} else {
			stock_set_part p[] = {{sets[0], 1}, {skus[99], 1}};
			assert_int_equal(stock_set_define(t_db, sets[i], p, 2, &why), Z_OK);
		}
	}
}

/* Sum of applied quantities of the lines selling sku. */
static long long applied_of(long long sku)
{
	return T_LL("SELECT COALESCE(SUM(l.applied), 0) FROM mall_order_line l JOIN mall_order o "
	            "ON o.id = l.order_id WHERE o.shop_id = ? AND l.sku_id = ?",
	            DB_I(shop_id), DB_I(sku));
}

static void check_invariants(void)
{
	long long taken_by_sets[NSKU] = {0};
	long long set_applied[NSET];
	for (int i = 0; i < NSET; i++)
		set_applied[i] = applied_of(sets[i]);
	for (int i = 0; i < 5; i++) {
		long long n = set_applied[i] + (i == 0 ? set_applied[5] : 0);
		taken_by_sets[part_a[i]] += 2 * n;
		taken_by_sets[part_b[i]] += n;
	}
	taken_by_sets[99] += set_applied[5];
	for (int i = 0; i < NSKU; i++) {
		assert_int_equal(t_total(skus[i]), t_sum_moves(skus[i]));
		long long by_orders = T_LL("SELECT COALESCE(SUM(delta), 0) FROM stock_move WHERE "
		                           "sku_id = ? AND reason IN ('order', 'cancel')",
		                           DB_I(skus[i]));
		assert_int_equal(-by_orders, applied_of(skus[i]));
		long long by_sets = T_LL("SELECT COALESCE(SUM(delta), 0) FROM stock_move WHERE "
		                         "sku_id = ? AND reason = 'set'",
		                         DB_I(skus[i]));
		assert_int_equal(-by_sets, taken_by_sets[i]);
	}
	/* every line took what its state says: its quantity unless cancelled, once */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM mall_order_line l JOIN mall_order o "
	                      "ON o.id = l.order_id WHERE o.shop_id = ? AND l.applied <> "
	                      "IF(o.cancelled OR l.cancelled, 0, l.quantity)",
	                      DB_I(shop_id)),
	                 0);
	/* one pending push per listing at most, and each says what is wanted now */
	assert_int_equal(T_LL("SELECT COUNT(*) FROM push p JOIN listing l ON l.id = p.listing_id "
	                      "WHERE l.shop_id = ? AND p.state = 'pending' AND p.wanted <> l.wanted",
	                      DB_I(shop_id)),
	                 0);
}

/* Feeds every recorded order of the shop again, as the mall would on a re-fetch. */
static void refeed_all(void)
{
	db_res *o = NULL, *l = NULL;
	assert_int_equal(db_queryv(t_db, &o,
	                           "SELECT id, order_no, cancelled FROM mall_order WHERE shop_id = ? "
	                           "ORDER BY id",
	                           DB_I(shop_id)),
	                 Z_OK);
	assert_true(o->nrows > OPS_TOTAL / 4);
	for (int i = 0; i < o->nrows; i++) {
		assert_int_equal(db_queryv(t_db, &l,
		                           "SELECT line_key, item_code, quantity, cancelled FROM "
		                           "mall_order_line WHERE order_id = ? ORDER BY id",
		                           DB_I(db_get_ll(o, i, 0, 0))),
		                 Z_OK);
		stock_order_line lines[3];
		for (int j = 0; j < l->nrows && j < 3; j++)
			lines[j] = (stock_order_line){.line_key = db_get(l, j, 0),
			                              .item_code = db_get(l, j, 1),
			                              .quantity = (int)db_get_ll(l, j, 2, 0),
			                              .cancelled = db_get_ll(l, j, 3, 0) != 0};
		stock_order ord = {.order_no = db_get(o, i, 1), .cancelled = db_get_ll(o, i, 2, 0) != 0,
		                   .ordered_at = time(NULL), .nlines = l->nrows, .lines = lines};
		stock_order_result res;
		assert_int_equal(stock_apply_order(t_db, shop_id, &ord, &res), Z_OK);
		assert_int_equal(res.changed_lines, 0);
		assert_int_equal(res.new_lines, 0);
		db_res_free(l);
	}
	db_res_free(o);
}

static void test_concurrent_moves(void **state)
{
	(void)state;
	setup_data();
	int failed = t_fork_writers(PROCS, child);
	assert_int_equal(failed, 0);
	check_invariants();
	/* the whole stream again: no move, no total changes */
	long long totals[NSKU];
	for (int i = 0; i < NSKU; i++)
		totals[i] = t_total(skus[i]);
	long long last_move = T_LL("SELECT MAX(id) FROM stock_move WHERE sku_id >= ?", DB_I(skus[0]));
	refeed_all();
	assert_int_equal(T_LL("SELECT MAX(id) FROM stock_move WHERE sku_id >= ?", DB_I(skus[0])),
	                 last_move);
	for (int i = 0; i < NSKU; i++)
		assert_int_equal(t_total(skus[i]), totals[i]);
	check_invariants();
	/* the bulk recompute finds nothing to change: both paths agree on wanted and why (each
	 * row that differs is printed, so a failure says which listing and how) */
	const char *snap = "SELECT l.id, l.wanted, p.wanted, p.why FROM listing l LEFT JOIN push p "
	                   "ON p.pending_listing = l.id WHERE l.shop_id = ? ORDER BY l.id";
	db_res *before = NULL, *after = NULL;
	assert_int_equal(db_queryv(t_db, &before, snap, DB_I(shop_id)), Z_OK);
	assert_int_equal(stock_recompute_all(t_db, NULL, NULL, NULL), Z_OK);
	assert_int_equal(db_queryv(t_db, &after, snap, DB_I(shop_id)), Z_OK);
	assert_int_equal(before->nrows, after->nrows);
	int differ = 0;
	for (int i = 0; i < before->nrows; i++) {
		bool same = true;
		for (int c = 0; c < 4; c++) {
			const char *x = db_get(before, i, c), *y = db_get(after, i, c);
			same = same && ((!x && !y) || (x && y && !strcmp(x, y)));
		}
		if (!same && ++differ <= 10)
			fprintf(stderr, "listing %s: wanted %s, push %s (%s) -> wanted %s, push %s (%s)\n",
			        db_get(before, i, 0), db_get(before, i, 1), db_get(before, i, 2),
			        db_get(before, i, 3), db_get(after, i, 1), db_get(after, i, 2),
			        db_get(after, i, 3));
	}
	assert_int_equal(differ, 0);
	db_res_free(before);
	db_res_free(after);
}

/* Two parts of one set changed at the same time, each in its own transaction: the second must
 * compute the set's wanted stock from the first's new total, not from the total it read before
 * the first committed (a write skew that left the set's listing, and the number pushed, stale
 * until the next change). The first holds its transaction open while the second runs in a
 * child; without the set's row locked first, the second reads the old total and then waits only
 * for the listing's row. */
static void test_parts_of_one_set_changed_at_once(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	const char *a_code = t_code("pa"), *b_code = t_code("pb"), *s_code = t_code("ps");
	char a[64], b[64], set[64];
	snprintf(a, sizeof(a), "%s", a_code);
	snprintf(b, sizeof(b), "%s", b_code);
	snprintf(set, sizeof(set), "%s", s_code);
	long long pa = t_sku(a, 10), pb = t_sku(b, 10), ps = t_sku(set, 0);
	long long listing = t_listing(shop, set, set, 10);
	const char *why = NULL;
	stock_set_part parts[] = {{pa, 1}, {pb, 1}};
	assert_int_equal(stock_set_define(t_db, ps, parts, 2, &why), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(listing)), 10);

	assert_int_equal(db_begin(t_db), Z_OK);
	assert_int_equal(stock_change_total(t_db, pa, -5, "manual", "test", 0, NULL), Z_OK);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		db *d = t_open();
		int rc = stock_change_total(d, pb, -1, "manual", "test", 0, NULL);
		db_close(d);
		_exit(rc == Z_OK ? 0 : 1);
	}
	usleep(800 * 1000); /* the child reaches the set (and waits) before this commits */
	assert_int_equal(db_commit(t_db), Z_OK);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(t_total(pa), 5);
	assert_int_equal(t_total(pb), 9);
	/* min(5 / 1, 9 / 1) */
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(listing)), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_moves),
		cmocka_unit_test(test_parts_of_one_set_changed_at_once),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
