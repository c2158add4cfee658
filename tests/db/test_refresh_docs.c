/* The bulk rebuild of search documents (stock_refresh_all_docs: sql/110 has it run over every
 * SKU of a running shop on `zaiko-batch migrate`, `zaiko-batch recompute` runs it too): it
 * commits in short transactions, so an order waiting for one SKU is not held up by the
 * rest of a chunk, and it leaves alone a document a stock change wrote while it ran. */
#include <signal.h>
#include <sys/wait.h>
#include "test_stock_util.h"

enum { N = 2600, HELD = 2500, DONE_BEFORE = 2350 };

static long long doc_is(long long id, const char *doc)
{
	return T_LL("SELECT search_doc = CAST(? AS BINARY) FROM sku WHERE id = ?", DB_S(doc),
	            DB_I(id));
}

static void rebuild_commits_as_it_goes_and_keeps_newer_documents(void **state)
{
	(void)state;
	long long shop = t_shop(true, 1);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%s", t_code("doc"));
	assert_int_equal(db_execv(t_db,
	                          "INSERT INTO sku (code, name, total, updated_at) "
	                          "SELECT CONCAT(?, '-', LPAD(seq, 5, '0')), CONCAT('リネン シャツ ', seq), "
	                          "0, UTC_TIMESTAMP() FROM seq_1_to_2600",
	                          DB_S(prefix)),
	                 Z_OK);
	assert_int_equal(db_execv(t_db,
	                          "INSERT INTO listing (shop_id, item_code, sku_code, name, sku_id) "
	                          "SELECT ?, code, code, CONCAT('ｺｯﾄﾝ ', name), id FROM sku "
	                          "WHERE code LIKE CONCAT(?, '-%')",
	                          DB_I(shop), DB_S(prefix)),
	                 Z_OK);
	db_res *ids = NULL;
	assert_int_equal(db_queryv(t_db, &ids, "SELECT id FROM sku WHERE code LIKE CONCAT(?, '-%') "
	                                       "ORDER BY id",
	                           DB_S(prefix)),
	                 Z_OK);
	assert_int_equal(ids->nrows, N);
	long long held = db_get_ll(ids, HELD, 0, 0), before = db_get_ll(ids, DONE_BEFORE, 0, 0);
	long long first = db_get_ll(ids, 0, 0, 0);

	/* Every document of the database current; then ours stale. */
	long long changed = 0;
	assert_int_equal(stock_refresh_all_docs(t_db, &changed), Z_OK);
	assert_int_equal(stock_refresh_all_docs(t_db, &changed), Z_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(T_LL("SELECT LOCATE(CAST('こっとん りねん しゃつ' AS BINARY), search_doc) > 0 "
	                      "FROM sku WHERE id = ?",
	                      DB_I(first)),
	                 1);
	assert_int_equal(db_execv(t_db, "UPDATE sku SET search_doc = CAST('stale' AS BINARY) "
	                                "WHERE code LIKE CONCAT(?, '-%')",
	                          DB_S(prefix)),
	                 Z_OK);

	/* A stock change holds one SKU (its document written, not yet committed). */
	db *other = t_open();
	assert_int_equal(db_begin(other), Z_OK);
	assert_int_equal(db_execv(other, "UPDATE sku SET search_doc = CAST('newer' AS BINARY) "
	                                 "WHERE id = ?",
	                          DB_I(held)),
	                 Z_OK);

	/* The rebuild runs in a child with its own connection; it tells what it changed. */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	alarm(120);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		conf *cfg = conf_load(NULL);
		db *d = cfg ? db_open(cfg) : NULL;
		long long n = -1;
		int rc = d ? stock_refresh_all_docs(d, &n) : Z_ERR;
		if (write(fds[1], &n, sizeof(n)) != (ssize_t)sizeof(n))
			rc = Z_ERR;
		_exit(rc == Z_OK ? 0 : 1);
	}
	close(fds[1]);

	/* While it waits for the held SKU, a SKU 150 before it is written and committed: no
	 * transaction of the rebuild spans more than a few rows. */
	int waited = 0;
	while (doc_is(before, "stale") && waited < 600) {
		usleep(100000);
		waited++;
	}
	assert_int_equal(doc_is(before, "stale"), 0);
	assert_int_equal(doc_is(held, "stale"), 1);
	assert_int_equal(db_execv(t_db, "SET SESSION innodb_lock_wait_timeout = 1"), Z_OK);
	assert_int_equal(db_begin(t_db), Z_OK);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM sku WHERE id = ? FOR UPDATE", DB_I(before)), 1);
	assert_int_equal(db_commit(t_db), Z_OK);
	assert_int_equal(db_execv(t_db, "SET SESSION innodb_lock_wait_timeout = DEFAULT"), Z_OK);

	/* The stock change commits; the rebuild goes on and leaves its document as it is. */
	assert_int_equal(db_commit(other), Z_OK);
	db_close(other);
	int status = -1;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	alarm(0);
	long long n = -1;
	assert_int_equal(read(fds[0], &n, sizeof(n)), (ssize_t)sizeof(n));
	close(fds[0]);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(n, N - 1);
	assert_int_equal(doc_is(held, "newer"), 1);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM sku WHERE code LIKE CONCAT(?, '-%') AND "
	                      "search_doc IN (CAST('stale' AS BINARY), CAST('newer' AS BINARY))",
	                      DB_S(prefix)),
	                 1);

	/* The held SKU's document follows on the next rebuild; every document of the run is the
	 * one the rebuild of its SKU alone writes. */
	assert_int_equal(stock_refresh_all_docs(t_db, &changed), Z_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(doc_is(held, "newer"), 0);
	const char *sum = "SELECT SUM(CRC32(search_doc)) FROM sku WHERE code LIKE CONCAT(?, '-%')";
	long long crc = T_LL(sum, DB_S(prefix));
	for (int i = 0; i < N; i++)
		assert_int_equal(stock_refresh_search_doc(t_db, db_get_ll(ids, i, 0, 0)), Z_OK);
	assert_int_equal(T_LL(sum, DB_S(prefix)), crc);
	db_res_free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rebuild_commits_as_it_goes_and_keeps_newer_documents),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
