/* test_stock_rules: the pure stock rules: wanted stock, floor and cap, bounds, set
 * arithmetic and the search normaliser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <string.h>
#include "stock/stock.h"
#include "stock/stock_int.h"

static int wanted(int avail, bool has_min, int min, bool has_max, int max)
{
	stock_wanted w;
	memset(&w, 0x55, sizeof(w));
	assert_int_equal(stock_wanted_calc(avail, has_min, min, has_max, max, &w), Z_OK);
	assert_non_null(memchr(w.why, '\0', sizeof(w.why)));
	assert_true(w.why[0] != '\0');
	return w.wanted;
}

static void test_plain(void **state)
{
	(void)state;
	assert_int_equal(wanted(0, false, 0, false, 0), 0);
	assert_int_equal(wanted(7, false, 0, false, 0), 7);
	assert_int_equal(wanted(-3, false, 0, false, 0), 0);
	assert_int_equal(wanted(INT_MIN, false, 0, false, 0), 0);
	assert_int_equal(wanted(1000000000, false, 0, false, 0), 1000000000);
}

static void test_floor(void **state)
{
	(void)state;
	assert_int_equal(wanted(3, true, 3, false, 0), 0);  /* at the floor → 0 */
	assert_int_equal(wanted(2, true, 3, false, 0), 0);
	assert_int_equal(wanted(4, true, 3, false, 0), 4);
	assert_int_equal(wanted(-5, true, 3, false, 0), 0);
	assert_int_equal(wanted(0, true, 0, false, 0), 0);
	assert_int_equal(wanted(1, true, 0, false, 0), 1);
}

static void test_cap(void **state)
{
	(void)state;
	assert_int_equal(wanted(12, false, 0, true, 10), 10);
	assert_int_equal(wanted(10, false, 0, true, 10), 10);
	assert_int_equal(wanted(9, false, 0, true, 10), 9);
	assert_int_equal(wanted(5, false, 0, true, 0), 0);
	assert_int_equal(wanted(-1, false, 0, true, 10), 0);
	/* floor and cap together; floor = cap: at it → 0, above it → cap */
	assert_int_equal(wanted(5, true, 5, true, 5), 0);
	assert_int_equal(wanted(6, true, 5, true, 5), 5);
	assert_int_equal(wanted(8, true, 2, true, 10), 8);
	assert_int_equal(wanted(2, true, 2, true, 10), 0);
	assert_int_equal(wanted(50, true, 2, true, 10), 10);
}

static void test_why(void **state)
{
	(void)state;
	stock_wanted w;
	stock_wanted_calc(12, false, 0, true, 10, &w);
	assert_string_equal(w.why, "総在庫 12 → 最大 10");
	stock_wanted_calc(3, true, 3, false, 0, &w);
	assert_string_equal(w.why, "総在庫 3 → 最小 3 以下 → 0");
	stock_wanted_calc(7, false, 0, false, 0, &w);
	assert_string_equal(w.why, "総在庫 7");
}

static void test_floor_above_cap(void **state)
{
	(void)state;
	const char *why = NULL;
	stock_wanted w;
	assert_int_equal(stock_check_floor_cap(true, 6, true, 5, &why), Z_INVALID);
	assert_non_null(why);
	assert_int_equal(stock_check_floor_cap(true, 5, true, 5, &why), Z_OK);
	assert_null(why);
	assert_int_equal(stock_check_floor_cap(true, -1, false, 0, &why), Z_INVALID);
	assert_int_equal(stock_check_floor_cap(false, 0, true, 1000000001, &why), Z_INVALID);
	assert_int_equal(stock_check_floor_cap(false, 9, true, 1000000000, &why), Z_OK);
	/* If one slips into the data anyway, the listing is sent 0. */
	assert_int_equal(stock_wanted_calc(100, true, 6, true, 5, &w), Z_INVALID);
	assert_int_equal(w.wanted, 0);
}

static void test_delta_bounds(void **state)
{
	(void)state;
	long long after = 0;
	assert_int_equal(stock_check_delta(5, -7, &after), Z_OK);
	assert_int_equal(after, -2);
	assert_int_equal(stock_check_delta(0, 1000000000LL, &after), Z_OK);
	assert_int_equal(stock_check_delta(1, 1000000000LL, &after), Z_INVALID);
	assert_int_equal(stock_check_delta(0, 1000000001LL, &after), Z_INVALID);
	assert_int_equal(stock_check_delta(-1000000000LL, -1, &after), Z_INVALID);
	assert_int_equal(stock_check_delta(0, LLONG_MAX, &after), Z_INVALID);
	assert_int_equal(stock_check_delta(0, LLONG_MIN, &after), Z_INVALID);
	assert_int_equal(stock_check_delta(LLONG_MAX, -1, &after), Z_INVALID);
}

static void test_sets(void **state)
{
	(void)state;
	long long out = -1;
	long long a1[] = {7, 9};
	int q1[] = {2, 3};
	assert_int_equal(stock_set_available_calc(a1, q1, 2, &out), Z_OK);
	assert_int_equal(out, 3); /* min(3, 3) */
	long long a2[] = {7, 100};
	int q2[] = {2, 1};
	assert_int_equal(stock_set_available_calc(a2, q2, 2, &out), Z_OK);
	assert_int_equal(out, 3);
	long long a3[] = {-4, 100};
	assert_int_equal(stock_set_available_calc(a3, q2, 2, &out), Z_OK);
	assert_int_equal(out, 0); /* a negative part allows no set */
	assert_int_equal(stock_set_available_calc(NULL, NULL, 0, &out), Z_OK);
	assert_int_equal(out, 0); /* a set with no parts sells nothing */
	long long a4[] = {1000000000LL};
	int q4[] = {1000000};
	assert_int_equal(stock_set_available_calc(a4, q4, 1, &out), Z_OK);
	assert_int_equal(out, 1000);
	int bad[][1] = {{0}, {-1}, {1000001}, {INT_MAX}, {INT_MIN}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(stock_set_available_calc(a4, bad[i], 1, &out), Z_INVALID);
}

static void norm(const char *in, const char *want)
{
	buf b = BUF_INIT;
	assert_int_equal(stock_search_normalize(in, &b), Z_OK);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_normalize(void **state)
{
	(void)state;
	norm("ABC-01", "abc-01");
	norm("ＡＢＣ－０１", "abc-01");
	norm("ｔシャツ　白 Ｍ", "tしゃつ 白 m");
	norm("  a \t\n b  ", "a b");
	norm("オーガニックコットン Tシャツ", "お-がにっくこっとん tしゃつ");
	norm("🍣Ｚ", "🍣z");
	norm("", "");
	/* Unicode case folding, not only ASCII (the table is in test_search.c). */
	norm("ΑΒ", "αβ");
}

static void test_idset(void **state)
{
	(void)state;
	idset s = {0};
	for (long long i = 1; i <= 100000; i++)
		assert_int_equal(idset_add(&s, (i * 7919) % 100003 + 1), Z_OK);
	for (long long i = 1; i <= 100000; i++)
		assert_int_equal(idset_add(&s, (i * 7919) % 100003 + 1), Z_OK);
	assert_int_equal(s.n, 100000);
	assert_true(idset_has(&s, (5 * 7919) % 100003 + 1));
	int missing = 0;
	for (long long id = 1; id <= 100003; id++)
		missing += !idset_has(&s, id);
	assert_int_equal(missing, 3);
	assert_int_equal(idset_add(&s, 0), Z_OK); /* ignored */
	assert_int_equal(s.n, 100000);
	idset_sort(&s);
	for (int i = 1; i < s.n; i++)
		assert_true(s.v[i - 1] < s.v[i]);
	assert_true(idset_has(&s, s.v[500]));
	idset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),       cmocka_unit_test(test_floor),
		cmocka_unit_test(test_cap),         cmocka_unit_test(test_why),
		cmocka_unit_test(test_floor_above_cap), cmocka_unit_test(test_delta_bounds),
		cmocka_unit_test(test_sets),        cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_idset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
