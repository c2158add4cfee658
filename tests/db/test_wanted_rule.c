/* The wanted-stock rule over one table of edge cases, run through both of its definitions:
 * the C function stock_wanted_steps (sets, 反映) and the SQL of stock_push.c (every order line
 * and bulk change of a plain SKU). Both must give the same wanted stock and the same why, the
 * why showing every step (総在庫 − 確保 → × 割当率, rounded down → 最小/最大). */
#include "test_stock_util.h"
#include "core/lang.h"
#include "core/smsg.h"

/* The pending push of listing l: its why, and its why_msg (the same steps as language keys,
 * core/smsg.h) rendered in Japanese must be that text exactly; returns the English. */
static const char *push_why_checked(long long l, const char *want_ja)
{
	static char en[400];
	static conf *lc;
	if (!lc) {
		const char *dir = getenv("ZAIKO_TEMPLATES");
		char text[1200];
		snprintf(text, sizeof(text), "[web]\ntemplates = %s\n", dir && *dir ? dir : "templates");
		lc = conf_parse(text, strlen(text));
		assert_non_null(lc);
		assert_int_equal(lang_load(lc), Z_OK);
	}
	db_res *r = NULL;
	assert_int_equal(db_queryv(t_db, &r, "SELECT why, why_msg FROM push WHERE pending_listing = ?",
	                           DB_I(l)), Z_OK);
	assert_int_equal(r->nrows, 1);
	if (want_ja)
		assert_string_equal(db_get(r, 0, 0), want_ja);
	assert_non_null(db_get(r, 0, 1));
	buf ja = BUF_INIT, e = BUF_INIT;
	assert_int_equal(smsg_render(lc, "ja", db_get(r, 0, 1), &ja), Z_OK);
	assert_string_equal(buf_str(&ja), db_get(r, 0, 0));
	assert_int_equal(smsg_render(lc, "en", db_get(r, 0, 1), &e), Z_OK);
	snprintf(en, sizeof(en), "%s", buf_str(&e));
	buf_free(&ja);
	buf_free(&e);
	db_res_free(r);
	return en;
}

typedef struct {
	long long total, reserve;
	int rate;
	int min, max;          /* -1: not set */
	int want;
	const char *why;       /* the C and SQL why, exactly */
} rule_case;

static const rule_case cases[] = {
	/* the rule before 確保在庫 and 割当率: unchanged texts */
	{10, 0, 100, -1, -1, 10, "総在庫 10"},
	{10, 0, 100, 3, 5, 5, "総在庫 10 → 最大 5"},
	{3, 0, 100, 3, 5, 0, "総在庫 3 → 最小 3 以下 → 0"},
	{-4, 0, 100, -1, -1, 0, "総在庫 -4 → 0"},
	{-4, 0, 100, 2, -1, 0, "総在庫 -4 → 最小 2 以下 → 0"},
	{8, 0, 100, 4, 4, 4, "総在庫 8 → 最大 4"},                    /* floor = cap */
	{4, 0, 100, 4, 4, 0, "総在庫 4 → 最小 4 以下 → 0"},           /* floor = cap, at it */
	{8, 0, 100, 5, 3, 0, "最小 5 > 最大 3 (設定エラー) → 0"},     /* floor > cap */
	/* 確保在庫 */
	{10, 3, 100, -1, -1, 7, "総在庫 10 − 確保 3 = 7"},
	{3, 5, 100, -1, -1, 0, "総在庫 3 − 確保 5 = -2 → 0"},         /* reserve above total */
	{5, 5, 100, -1, -1, 0, "総在庫 5 − 確保 5 = 0"},
	{3, 5, 100, 1, -1, 0, "総在庫 3 − 確保 5 = -2 → 最小 1 以下 → 0"},
	{-2, 1, 100, -1, -1, 0, "総在庫 -2 − 確保 1 = -3 → 0"},
	/* 割当率, rounded down */
	{7, 0, 50, -1, -1, 3, "総在庫 7 → × 50% = 3"},
	{1, 0, 99, -1, -1, 0, "総在庫 1 → × 99% = 0"},
	{10, 0, 0, -1, -1, 0, "総在庫 10 → × 0% = 0"},                 /* rate 0 % */
	{10, 0, 100, -1, -1, 10, "総在庫 10"},                          /* rate 100 % */
	{3, 5, 50, -1, -1, 0, "総在庫 3 − 確保 5 = -2 → 0 → × 50% = 0"},
	/* both, then the floor and cap, which apply to the shop's share */
	{10, 3, 50, -1, 2, 2, "総在庫 10 − 確保 3 = 7 → × 50% = 3 → 最大 2"},
	{10, 3, 50, 3, -1, 0, "総在庫 10 − 確保 3 = 7 → × 50% = 3 → 最小 3 以下 → 0"},
	{10, 3, 50, 2, 9, 3, "総在庫 10 − 確保 3 = 7 → × 50% = 3"},
	{1000000000, 1, 33, -1, -1, 329999999, "総在庫 1000000000 − 確保 1 = 999999999 → × 33% = 329999999"},
};

static void test_c_and_sql_agree_over_the_table(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const rule_case *c = &cases[i];
		stock_wanted w;
		print_message("case %zu: %s\n", i, c->why);
		stock_wanted_steps("総在庫", c->total, c->reserve, c->rate, c->min >= 0, c->min,
		                   c->max >= 0, c->max, &w);
		assert_int_equal(w.wanted, c->want);
		assert_string_equal(w.why, c->why);
		/* The same case through the SQL of an order line's re-queue. */
		const char *code = t_code("rule");
		long long sku = t_sku(code, 0);
		long long l = t_listing(shop, code, code, 999999);
		assert_int_equal(db_execv(t_db, "UPDATE shop SET alloc_rate = ? WHERE id = ?",
		                          DB_I(c->rate), DB_I(shop)), Z_OK);
		assert_int_equal(db_execv(t_db, "UPDATE sku SET total = ?, reserve = ? WHERE id = ?",
		                          DB_I(c->total), DB_I(c->reserve), DB_I(sku)), Z_OK);
		assert_int_equal(db_execv(t_db, "UPDATE listing SET min_stock = IF(? < 0, NULL, ?), "
		                                "max_stock = IF(? < 0, NULL, ?) WHERE id = ?",
		                          DB_I(c->min), DB_I(c->min), DB_I(c->max), DB_I(c->max), DB_I(l)),
		                 Z_OK);
		assert_int_equal(stock_requeue_skus(t_db, &sku, 1), Z_OK);
		assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(l)), c->want);
		assert_int_equal(T_LL("SELECT wanted FROM push WHERE pending_listing = ?", DB_I(l)),
		                 c->want);
		const char *en = push_why_checked(l, c->why);
		print_message("  en: %s\n", en);
		/* The C path (a 反映) stores the same steps, prefixed. */
		assert_int_equal(stock_queue_listings(t_db, &l, 1, 7), Z_OK);
		char forced[300];
		snprintf(forced, sizeof(forced), "反映 (ユーザー 7): %s", c->why);
		char forced_en[500];
		snprintf(forced_en, sizeof(forced_en), "Push (user 7): %s", en);
		assert_string_equal(push_why_checked(l, forced), forced_en);
		/* And through the bulk recompute of the shop (the SQL of a CSV change). */
		assert_int_equal(db_execv(t_db, "UPDATE listing SET wanted = NULL WHERE id = ?", DB_I(l)),
		                 Z_OK);
		assert_int_equal(db_execv(t_db, "DELETE FROM push WHERE pending_listing = ?", DB_I(l)),
		                 Z_OK);
		assert_int_equal(stock_recompute_all(t_db, NULL, NULL, NULL), Z_OK);
		assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(l)), c->want);
		assert_string_equal(push_why_checked(l, c->why), en);
		/* Sync off: the wanted stock is kept, nothing is pushed. */
		assert_int_equal(db_execv(t_db, "UPDATE listing SET sync = 0 WHERE id = ?", DB_I(l)), Z_OK);
		assert_int_equal(stock_requeue_skus(t_db, &sku, 1), Z_OK);
		assert_int_equal(T_LL("SELECT COUNT(*) FROM push WHERE pending_listing = ?", DB_I(l)), 0);
		assert_int_equal(db_execv(t_db, "UPDATE listing SET sync = 0, sku_id = NULL WHERE id = ?",
		                          DB_I(l)), Z_OK);
	}
	assert_int_equal(db_execv(t_db, "UPDATE shop SET enabled = 0 WHERE id = ?", DB_I(shop)), Z_OK);
}

static void test_sets_respect_reserve_and_rate(void **state)
{
	(void)state;
	const char *why = NULL;
	long long shop = t_shop(true, 1);
	long long p = t_sku(t_code("part"), 10), q = t_sku(t_code("part"), 7);
	const char *scode = t_code("set");
	long long s = t_sku(scode, 0);
	stock_set_part parts[] = {{p, 2}, {q, 1}};
	assert_int_equal(stock_set_define(t_db, s, parts, 2, &why), Z_OK);
	long long l = t_listing(shop, scode, scode, 999999);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(l)), 5); /* min(5, 7) */
	/* P's reserve is kept back through the set too: min((10 − 4) / 2, 7) = 3. */
	assert_int_equal(db_execv(t_db, "UPDATE sku SET reserve = 4 WHERE id = ?", DB_I(p)), Z_OK);
	assert_int_equal(stock_requeue_skus(t_db, &p, 1), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(l)), 3);
	/* The set's own reserve, then the shop's rate, rounded down: (3 − 1) × 60 % = 1. */
	assert_int_equal(db_execv(t_db, "UPDATE sku SET reserve = 1 WHERE id = ?", DB_I(s)), Z_OK);
	assert_int_equal(db_execv(t_db, "UPDATE shop SET alloc_rate = 60 WHERE id = ?", DB_I(shop)),
	                 Z_OK);
	assert_int_equal(stock_requeue_skus(t_db, &s, 1), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(l)), 1);
	db_res *r = NULL;
	assert_int_equal(db_queryv(t_db, &r, "SELECT why FROM push WHERE pending_listing = ?",
	                           DB_I(l)), Z_OK);
	assert_int_equal(r->nrows, 1);
	print_message("set why: %s\n", db_get(r, 0, 0));
	assert_non_null(strstr(db_get(r, 0, 0), "/2 (確保 4)"));
	assert_non_null(strstr(db_get(r, 0, 0), "セット在庫 3 − 確保 1 = 2 → × 60% = 1"));
	db_res_free(r);
	const char *en = push_why_checked(l, NULL);
	print_message("set why, en: %s\n", en);
	assert_non_null(strstr(en, "Set: min("));
	assert_non_null(strstr(en, "/2 (reserve 4)"));
	assert_non_null(strstr(en, "; Set stock 3 − reserve 1 = 2 → × 60% = 1"));
	/* A set's parts whose reserve is above their total allow no set. */
	assert_int_equal(db_execv(t_db, "UPDATE sku SET reserve = 50 WHERE id = ?", DB_I(q)), Z_OK);
	assert_int_equal(stock_requeue_skus(t_db, &q, 1), Z_OK);
	assert_int_equal(T_LL("SELECT wanted FROM listing WHERE id = ?", DB_I(l)), 0);
	assert_int_equal(db_execv(t_db, "UPDATE shop SET enabled = 0 WHERE id = ?", DB_I(shop)), Z_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c_and_sql_agree_over_the_table),
		cmocka_unit_test(test_sets_respect_reserve_and_rate),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
