/* test_list_counts: the counts the database keeps for the 在庫連携 screen (sql/210_list_counts.sql:
 * sku_count, listed_sku_count, sku_shop_listings; sql/240: drift_sku_count and the all-shops
 * rows' drift) equal plain COUNTs after 6 processes, each with its own connection, made random
 * transactions on 3 shops and 40 SKUs — listings added (some a second listing of a SKU in one
 * shop, as a 'duplicate'), deleted, relinked to another SKU or to none, moved to another shop,
 * switched 在庫連携 on and off one by one and a shop at a time, SKUs added and deleted, SKUs'
 * drift flipped one by one and many at once, some transactions rolled back — while the fill ran
 * twice and had to set right counts spoilt on purpose before the writers started, as the
 * triggers leave them until the fill has passed. The listing triggers and the fill are those of
 * sql/240 (sql/212's work inline, the rows' old values kept as they are written, and the drift),
 * the relink and shop move going through its procedure. */
#include "test_stock_util.h"

#define PROCS 6
#define TX_PER_PROC 150
#define NSKU 40
#define NSHOP 3

static long long skus[NSKU], shops[NSHOP];

/* Runs the fill procedure through the mariadb client of the test stack (a CALL is not a
 * statement the library prepares). 0 when it ran. */
static int run_fill(void)
{
	const char *root = getenv("ZAIKO_ROOT"), *stack = getenv("ZAIKO_STACK_DIR");
	char cmd[2048];
	if (!root || !stack)
		return -1;
	snprintf(cmd, sizeof(cmd),
	         "'%s/tests/stack/stack.sh' sql '%s' -e 'CALL listed_sku_count_fill()' >/dev/null",
	         root, stack);
	return system(cmd) == 0 ? 0 : -1;
}

/* A random listing of the test's shops; 0 when there is none. */
static long long any_listing(db *d, unsigned *r)
{
	long long id = 0;
	db_val p[] = {DB_I(shops[0]), DB_I(shops[1]), DB_I(shops[2]), DB_I(rand_r(r) % 1000)};
	db_query_ll(d,
	            "SELECT id FROM listing WHERE shop_id IN (?, ?, ?) ORDER BY id "
	            "LIMIT 1 OFFSET ?",
	            p, 4, 0, &id);
	if (!id)
		db_query_ll(d, "SELECT MIN(id) FROM listing WHERE shop_id IN (?, ?, ?)", p, 3, 0, &id);
	return id;
}

/* One random change; Z_OK or the database's error (the transaction is then rolled back). */
static int change(db *d, int proc, int n, unsigned *r)
{
	char code[96];
	long long shop = shops[rand_r(r) % NSHOP], sku = skus[rand_r(r) % NSKU];
	int kind = rand_r(r) % 112, sync = rand_r(r) % 100 < 80;
	snprintf(code, sizeof(code), "%s-p%d-%d-%u", t_run, proc, n, rand_r(r));
	if (kind >= 106) /* a SKU's drift flips, as a push or a recompute finds it */
		return db_execv(d, "UPDATE sku SET drift = 1 - drift WHERE id = ?", DB_I(sku));
	if (kind >= 100) /* the drift of many SKUs at once, as the bulk recompute sets it */
		return db_execv(d, "UPDATE sku SET drift = (id % 3 = ?) WHERE id BETWEEN ? AND ?",
		                DB_I(rand_r(r) % 3), DB_I(skus[0]), DB_I(sku));
	if (kind < 30) /* a listing, now and then of no SKU */
		return db_execv(d,
		                "INSERT INTO listing (shop_id, item_code, sku_code, sku_id, sync) "
		                "VALUES (?, ?, ?, ?, ?)",
		                DB_I(shop), DB_S(code), DB_S(code),
		                rand_r(r) % 10 ? DB_I(sku) : DB_NUL, DB_I(sync));
	long long id = any_listing(d, r);
	if (!id)
		return Z_OK;
	if (kind < 40) /* a second listing of a SKU in the same shop: a duplicate */
		return db_execv(d,
		                "INSERT INTO listing (shop_id, item_code, sku_code, sku_id, sync, state) "
		                "SELECT shop_id, ?, sku_code, sku_id, ?, 'duplicate' FROM listing "
		                "WHERE id = ?",
		                DB_S(code), DB_I(sync), DB_I(id));
	if (kind < 55)
		return db_execv(d, "DELETE FROM listing WHERE id = ?", DB_I(id));
	if (kind < 67) /* relinked to another SKU, or unlinked */
		return db_execv(d, "UPDATE listing SET sku_id = ? WHERE id = ?",
		                rand_r(r) % 6 ? DB_I(sku) : DB_NUL, DB_I(id));
	if (kind < 82)
		return db_execv(d, "UPDATE listing SET sync = 1 - sync WHERE id = ?", DB_I(id));
	if (kind < 87)
		return db_execv(d, "UPDATE listing SET shop_id = ? WHERE id = ?", DB_I(shop), DB_I(id));
	if (kind < 91) /* 在庫連携 of a shop's listings at once */
		return db_execv(d, "UPDATE listing SET sync = ? WHERE shop_id = ? AND sku_id <= ?",
		                DB_I(sync), DB_I(shop), DB_I(sku));
	if (kind < 93) /* the 在庫連携 and the SKU of a listing in one update */
		return db_execv(d, "UPDATE listing SET sync = 1 - sync, sku_id = ? WHERE id = ?",
		                DB_I(sku), DB_I(id));
	if (kind < 97)
		return db_execv(d, "INSERT INTO sku (code, name, updated_at) VALUES (?, 'c', "
		                   "UTC_TIMESTAMP())",
		                DB_S(code));
	/* a SKU of this run that no listing names (those of skus[] stay: listings name them) */
	return db_execv(d,
	                "DELETE FROM sku WHERE code LIKE CONCAT(?, '-p%') AND id = (SELECT id FROM "
	                "(SELECT MAX(id) AS id FROM sku WHERE code LIKE CONCAT(?, '-p%')) m)",
	                DB_S(t_run), DB_S(t_run));
}

static int child(int proc, unsigned seed)
{
	db *d = t_open();
	unsigned r = seed;
	int done = 0, n = 0;
	if (proc == 0 && run_fill() != 0)
		return 2;
	for (int tx = 0; tx < TX_PER_PROC; tx++) {
		if (proc == 0 && tx == TX_PER_PROC / 2 && run_fill() != 0)
			return 2;
		int rc = db_begin(d), ops = 1 + rand_r(&r) % 4;
		for (int i = 0; rc == Z_OK && i < ops; i++)
			rc = change(d, proc, n++, &r);
		/* Deadlocks and lock waits roll the whole transaction back: as good a test. */
		if (rc == Z_OK && rand_r(&r) % 100 < 15)
			rc = db_rollback(d);
		else if (rc == Z_OK)
			rc = db_commit(d) == Z_OK ? Z_OK : Z_ERR;
		else
			db_rollback(d);
		if (rc == Z_OK)
			done++;
	}
	db_close(d);
	return done >= TX_PER_PROC / 2 ? 0 : 1;
}

/* Prints the rows of sql (a mismatch) and returns how many there were. */
static long long report(const char *what, const char *sql, const db_val *p, int n)
{
	db_res *res = NULL;
	assert_int_equal(db_query(t_db, sql, p, n, &res), Z_OK);
	long long rows = res->nrows;
	for (int i = 0; i < res->nrows; i++) {
		fprintf(stderr, "%s:", what);
		for (int c = 0; c < res->ncols; c++)
			fprintf(stderr, " %s", db_get(res, i, c) ? db_get(res, i, c) : "NULL");
		fprintf(stderr, "\n");
	}
	db_res_free(res);
	return rows;
}

/* Every count against its plain definition: the views of the screen (shop 0 = any shop, sync
 * 2 = either) for every shop, the SKU count, and the (SKU, shop) rows of this run's SKUs. */
static void check_counts(void)
{
	long long bad = 0;
	bad += report("listed_sku_count (shop, sync, kept, counted)",
	              "SELECT sh.id, v.sync, "
	              "(SELECT COALESCE(SUM(c.n), 0) FROM listed_sku_count c "
	              " WHERE c.shop_id = sh.id AND c.sync = v.sync) AS kept, "
	              "(SELECT COUNT(DISTINCT l.sku_id) FROM listing l WHERE l.sku_id IS NOT NULL "
	              " AND (sh.id = 0 OR l.shop_id = sh.id) AND (v.sync = 2 OR l.sync = v.sync)) "
	              " AS counted "
	              "FROM (SELECT 0 AS id UNION ALL SELECT id FROM shop) sh "
	              "JOIN (SELECT 0 AS sync UNION ALL SELECT 1 UNION ALL SELECT 2) v "
	              "HAVING kept <> counted",
	              NULL, 0);
	bad += report("drift_sku_count (shop, kept, counted)",
	              "SELECT sh.id, "
	              "(SELECT COALESCE(SUM(c.n), 0) FROM drift_sku_count c WHERE c.shop_id = sh.id) "
	              " AS kept, "
	              "(SELECT COUNT(DISTINCT l.sku_id) FROM listing l JOIN sku s ON s.id = l.sku_id "
	              " WHERE s.drift = 1 AND (sh.id = 0 OR l.shop_id = sh.id)) AS counted "
	              "FROM (SELECT 0 AS id UNION ALL SELECT id FROM shop) sh HAVING kept <> counted",
	              NULL, 0);
	bad += report("sku_count (kept, counted)",
	              "SELECT (SELECT COALESCE(SUM(n), 0) FROM sku_count) AS kept, "
	              "(SELECT COUNT(*) FROM sku) AS counted HAVING kept <> counted",
	              NULL, 0);
	db_val p[] = {DB_I(skus[0]), DB_I(skus[NSKU - 1]), DB_I(skus[0]), DB_I(skus[NSKU - 1]),
	              DB_I(skus[0]), DB_I(skus[NSKU - 1])};
	bad += report("sku_shop_listings (sku, shop, kept, counted)",
	              "SELECT t.sku_id, t.shop_id, "
	              "CONCAT_WS('/', k.listings, k.sync_on, k.sync_off), "
	              "CONCAT_WS('/', t.listings, t.sync_on, t.sync_off) FROM "
	              "(SELECT sku_id, shop_id, COUNT(*) AS listings, SUM(sync = 1) AS sync_on, "
	              "  SUM(sync = 0) AS sync_off FROM listing WHERE sku_id BETWEEN ? AND ? "
	              "  GROUP BY sku_id, shop_id "
	              " UNION ALL SELECT sku_id, 0, COUNT(*), SUM(sync = 1), SUM(sync = 0) "
	              "  FROM listing WHERE sku_id BETWEEN ? AND ? GROUP BY sku_id) t "
	              "LEFT JOIN sku_shop_listings k ON k.sku_id = t.sku_id AND k.shop_id = t.shop_id "
	              "WHERE NOT (k.listings <=> t.listings AND k.sync_on <=> t.sync_on "
	              "AND k.sync_off <=> t.sync_off) "
	              "UNION ALL SELECT k.sku_id, k.shop_id, k.listings, 'none' "
	              "FROM sku_shop_listings k WHERE k.sku_id BETWEEN ? AND ? AND k.listings <> 0 "
	              "AND NOT EXISTS (SELECT 1 FROM listing l WHERE l.sku_id = k.sku_id "
	              "AND (k.shop_id = 0 OR l.shop_id = k.shop_id))",
	              p, 6);
	bad += report("sku_shop_listings.drift of a listed SKU (sku, kept, sku.drift)",
	              "SELECT s.id, k.drift, s.drift FROM sku s "
	              "JOIN sku_shop_listings k ON k.sku_id = s.id AND k.shop_id = 0 "
	              "WHERE s.id BETWEEN ? AND ? AND k.listings > 0 AND k.drift <> (s.drift = 1)",
	              p, 2);
	assert_int_equal(bad, 0);
}

static void test_counts_equal_their_definition(void **state)
{
	(void)state;
	for (int i = 0; i < NSHOP; i++)
		shops[i] = t_shop(true, -1);
	for (int i = 0; i < NSKU; i++) {
		db_val p[] = {DB_S(t_code("sku"))};
		assert_int_equal(db_exec(t_db, "INSERT INTO sku (code, name, updated_at) "
		                               "VALUES (?, 'c', UTC_TIMESTAMP())",
		                         p, 1, NULL, &skus[i]),
		                 Z_OK);
	}
	for (int i = 0; i < NSKU; i++)
		assert_int_equal(db_execv(t_db,
		                          "INSERT INTO listing (shop_id, item_code, sku_id, sync) "
		                          "VALUES (?, ?, ?, ?)",
		                          DB_I(shops[i % NSHOP]), DB_S(t_code("l")), DB_I(skus[i]),
		                          DB_I(i % 4 != 0)),
		                 Z_OK);
	check_counts();
	/* What the triggers leave before the fill has passed (rows counted from 0 when listings
	 * existed before the triggers did): wrong (SKU, shop) rows, the counts agreeing with them,
	 * and a wrong SKU count. The fill must set them right while the writers run. */
	assert_int_equal(db_execv(t_db, "UPDATE sku_shop_listings SET listings = listings + 3 "
	                                "WHERE sku_id = ?",
	                          DB_I(skus[1])),
	                 Z_OK);
	assert_int_equal(db_execv(t_db, "INSERT INTO sku_shop_listings (sku_id, shop_id, listings, "
	                                "sync_on, sync_off) VALUES (?, ?, 2, 2, 0)",
	                          DB_I(skus[0]), DB_I(shops[1])),
	                 Z_OK);
	assert_int_equal(db_execv(t_db, "INSERT INTO listed_sku_count (shop_id, sync, slot, n) "
	                                "VALUES (?, 1, 15, 1), (?, 2, 15, 1) "
	                                "ON DUPLICATE KEY UPDATE n = n + 1",
	                          DB_I(shops[1]), DB_I(shops[1])),
	                 Z_OK);
	assert_int_equal(db_execv(t_db, "INSERT INTO sku_count (slot, n) VALUES (15, 2) "
	                                "ON DUPLICATE KEY UPDATE n = n + 2"),
	                 Z_OK);
	/* A drift the all-shops row holds and the SKU does not, the drift counts agreeing. */
	assert_int_equal(db_execv(t_db, "UPDATE sku_shop_listings SET drift = 1 "
	                                "WHERE sku_id = ? AND shop_id = 0",
	                          DB_I(skus[2])),
	                 Z_OK);
	assert_int_equal(db_execv(t_db, "INSERT INTO drift_sku_count (shop_id, slot, n) "
	                                "SELECT shop_id, 15, 1 FROM sku_shop_listings "
	                                "WHERE sku_id = ? AND listings > 0 "
	                                "ON DUPLICATE KEY UPDATE n = n + 1",
	                          DB_I(skus[2])),
	                 Z_OK);

	int failed = t_fork_writers(PROCS, child);
	assert_int_equal(failed, 0);
	/* The random world held what the counts must get right. */
	db_val sh[] = {DB_I(shops[0]), DB_I(shops[1]), DB_I(shops[2])};
	assert_true(t_ll("SELECT COUNT(*) FROM (SELECT 1 FROM listing WHERE shop_id IN (?, ?, ?) "
	                 "AND sku_id IS NOT NULL GROUP BY shop_id, sku_id HAVING COUNT(*) > 1) x",
	                 sh, 3) > 0);
	assert_true(t_ll("SELECT COUNT(*) FROM listing WHERE shop_id IN (?, ?, ?) AND sync = 0",
	                 sh, 3) > 0);
	assert_true(t_ll("SELECT COUNT(*) FROM listing WHERE shop_id IN (?, ?, ?) "
	                 "AND sku_id IS NULL",
	                 sh, 3) > 0);
	db_val ids[] = {DB_I(skus[0]), DB_I(skus[NSKU - 1])};
	assert_true(t_ll("SELECT COUNT(*) FROM sku WHERE id BETWEEN ? AND ? AND drift = 1", ids, 2) >
	            0);
	check_counts();
	/* Its SKUs were made by plain SQL, without search documents' postings: they go, so the
	 * later tests' searches (index against scan) do not meet them. */
	assert_int_equal(db_execv(t_db, "DELETE FROM listing WHERE shop_id IN (?, ?, ?)", DB_I(shops[0]),
	                          DB_I(shops[1]), DB_I(shops[2])),
	                 Z_OK);
	assert_int_equal(db_execv(t_db, "DELETE FROM sku WHERE code LIKE CONCAT(?, '-%')", DB_S(t_run)),
	                 Z_OK);
	check_counts();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_equal_their_definition),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
