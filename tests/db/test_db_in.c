/* test_db_in: IN lists longer than a statement may bind (1,024 values) run in batches and
 * give every row once, in slice order. */
#include "test_stock_util.h"
#include "db/db_in.h"

static int count_slices(const long long *slice, int k, void *ctx)
{
	int *seen = ctx;
	assert_true(k >= 1 && k <= DB_IN_BATCH);
	for (int i = 0; i < k; i++)
		assert_int_equal(slice[i], seen[1] + i + 1);
	seen[0]++;
	seen[1] += k;
	return Z_OK;
}

static void test_long_in_list(void **state)
{
	(void)state;
	enum { N = 1300 };
	static long long ids[N];
	for (int i = 0; i < N; i++)
		ids[i] = i + 1;
	int seen[2] = {0, 0};
	assert_int_equal(db_in_each(ids, N, count_slices, seen), Z_OK);
	assert_int_equal(seen[0], 3);
	assert_int_equal(seen[1], N);

	/* 1,300 ids through one "statement": a derived table of numbers stands for any table. */
	db_res *res = NULL;
	const char *head = "SELECT n.v, ? FROM (SELECT seq AS v FROM seq_1_to_2000) n WHERE n.v IN ";
	assert_int_equal(db_query_in(t_db, head, " ORDER BY n.v", (db_val[]){DB_S("x")}, 1, ids, N,
	                             &res),
	                 Z_OK);
	assert_int_equal(res->nrows, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(db_get_ll(res, i, 0, -1), i + 1);
		assert_string_equal(db_get(res, i, 1), "x");
	}
	db_res_free(res);
	/* none: the columns, no rows */
	assert_int_equal(db_query_in(t_db, head, "", (db_val[]){DB_S("x")}, 1, ids, 0, &res), Z_OK);
	assert_int_equal(res->nrows, 0);
	db_res_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_in_list),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
