/* test_db: the database layer against the private stack's MariaDB: the streamed row iterator
 * (db_query_each) and the whole-result query it shares its fetch loop with; migrations. */
#include "test_stock_util.h"
#include "core/jst.h"

/* The two ways of showing a stored time agree: JST_SQL (pages whose SQL formats the time)
 * reads, second for second, as jst_format's JST_PAGE in C, across midnight, a leap day and a
 * year's end; NULL stays NULL. */
static void jst_sql_reads_as_jst_format(void **state)
{
	const time_t ts[] = {86400, 1709218799, 1709218800, 1798729199, 1798729200, 1893553440};
	for (size_t i = 0; i < Z_ARRAY_LEN(ts); i++) {
		db_res *res = NULL;
		char c[32];
		assert_int_equal(db_queryv(t_db, &res,
		                           "SELECT " JST_SQL("FROM_UNIXTIME(?)", JST_SQL_SECOND) ", "
		                           JST_SQL("FROM_UNIXTIME(?)", JST_SQL_MINUTE) ", "
		                           JST_SQL("NULL", JST_SQL_MINUTE),
		                           DB_I(ts[i]), DB_I(ts[i])),
		                 Z_OK);
		jst_format(ts[i], JST_PAGE, c, sizeof c);
		assert_string_equal(db_get(res, 0, 0), c);
		c[16] = '\0';
		assert_string_equal(db_get(res, 0, 1), c);
		assert_null(db_get(res, 0, 2));
		db_res_free(res);
	}
}

/* The server's count of prepares on this connection. */
static long long prepares(void)
{
	long long n = -1;
	assert_int_equal(db_query_ll(t_db,
	                             "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS "
	                             "WHERE VARIABLE_NAME = 'COM_STMT_PREPARE'",
	                             NULL, 0, -1, &n),
	                 Z_OK);
	return n;
}

static long long run_text(const char *sql, long long x)
{
	long long v = -1;
	assert_int_equal(db_query_ll(t_db, sql, DB_ARGS(DB_I(x)), -1, &v), Z_OK);
	return v;
}

/* The statement cache finds a text by its hash and content, not its address: the same text
 * in another buffer is not prepared again, another text in a reused buffer gets its own
 * statement; past 256 texts the cache starts over and every text still gives its answer. */
static void statement_cache_by_text(void **state)
{
	prepares();
	long long p0 = prepares(); /* its own statement is cached by now */
	char *a = strdup("SELECT 1000 + ?");
	assert_int_equal(run_text(a, 1), 1001);
	assert_int_equal(prepares(), p0 + 1);
	free(a);
	char *b = strdup("SELECT 1000 + ?");
	assert_int_equal(run_text(b, 2), 1002);
	assert_int_equal(prepares(), p0 + 1); /* a hit */
	free(b);
	char *c = strdup("SELECT 2000 + ?"); /* may sit where a and b were */
	assert_int_equal(run_text(c, 3), 2003);
	assert_int_equal(prepares(), p0 + 2);
	free(c);
	char sql[64];
	for (int i = 0; i < 300; i++) {
		snprintf(sql, sizeof sql, "SELECT %d + ?", 10000 + i);
		assert_int_equal(run_text(sql, i), 10000 + 2 * i);
	}
	for (int i = 299; i >= 0; i--) {
		snprintf(sql, sizeof sql, "SELECT %d + ?", 10000 + i);
		assert_int_equal(run_text(sql, 1), 10001 + i);
	}
	assert_int_equal(run_text("SELECT 1000 + ?", 5), 1005);
}

/* Rows of the scratch table: id, a cell of len bytes ('a'..'z' repeated) or NULL. */
static const struct {
	int id;
	int len; /* -1: NULL */
} rows[] = {{1, 0}, {2, 10}, {3, -1}, {4, 300}, {5, 5}, {6, 70000}, {7, 256}, {8, 257}, {9, 12}};

static void make_table(void)
{
	assert_int_equal(db_exec(t_db, "DROP TEMPORARY TABLE IF EXISTS t_each", NULL, 0, NULL, NULL),
	                 Z_OK);
	assert_int_equal(db_exec(t_db,
	                         "CREATE TEMPORARY TABLE t_each (id INT PRIMARY KEY, v LONGTEXT NULL)",
	                         NULL, 0, NULL, NULL),
	                 Z_OK);
	for (size_t i = 0; i < Z_ARRAY_LEN(rows); i++)
		assert_int_equal(db_execv(t_db,
		                          "INSERT INTO t_each VALUES (?, IF(? < 0, NULL, "
		                          "LEFT(REPEAT('abcdefghijklmnopqrstuvwxyz', 3000), ?)))",
		                          DB_I(rows[i].id), DB_I(rows[i].len), DB_I(rows[i].len)),
		                 Z_OK);
}

struct seen {
	int n;
	int stop_after;
	const db_res *expect;
};

static int check_row(void *vctx, const db_row *row)
{
	struct seen *s = vctx;
	assert_int_equal(row->ncols, 3);
	assert_string_equal(row->names[0], "id");
	assert_string_equal(row->names[2], "n");
	assert_int_equal(db_row_ll(row, 0, -1), rows[s->n].id);
	if (rows[s->n].len < 0) {
		assert_null(db_row_get(row, 1));
		assert_int_equal(db_row_len(row, 1), 0);
	} else {
		assert_non_null(db_row_get(row, 1));
		assert_int_equal(db_row_len(row, 1), (unsigned long)rows[s->n].len);
		assert_int_equal(strlen(db_row_get(row, 1)), (size_t)rows[s->n].len);
		if (rows[s->n].len > 0)
			assert_int_equal(db_row_get(row, 1)[rows[s->n].len - 1],
			                 'a' + (rows[s->n].len - 1) % 26);
	}
	/* The same cells as the whole-result query gives. */
	assert_int_equal(db_len(s->expect, s->n, 1), db_row_len(row, 1));
	if (db_row_get(row, 1))
		assert_memory_equal(db_get(s->expect, s->n, 1), db_row_get(row, 1), db_row_len(row, 1));
	assert_int_equal(db_row_ll(row, 2, -1), rows[s->n].len < 0 ? -1 : rows[s->n].len);
	assert_null(db_row_get(row, 3));
	assert_int_equal(db_row_ll(row, 3, 42), 42);
	s->n++;
	return s->n == s->stop_after ? 7 : 0;
}

static const char *const each_sql = "SELECT id, v, LENGTH(v) AS n FROM t_each ORDER BY id";

/* Every row arrives once, in order, with NULLs, empty cells and cells longer than the first
 * buffer (256 bytes, then 70,000) whole; db_query agrees cell for cell. */
static void each_streams_every_row(void **state)
{
	db_res *all = NULL;
	make_table();
	assert_int_equal(db_query(t_db, each_sql, NULL, 0, &all), Z_OK);
	assert_int_equal(all->nrows, (int)Z_ARRAY_LEN(rows));
	assert_int_equal(db_len(all, 5, 1), 70000);
	struct seen s = {0, -1, all};
	assert_int_equal(db_query_each(t_db, each_sql, NULL, 0, check_row, &s), Z_OK);
	assert_int_equal(s.n, (int)Z_ARRAY_LEN(rows));
	/* Again on the cached statement: the buffers start small again and grow again. */
	s.n = 0;
	assert_int_equal(db_query_each(t_db, each_sql, NULL, 0, check_row, &s), Z_OK);
	assert_int_equal(s.n, (int)Z_ARRAY_LEN(rows));
	db_res_free(all);
}

/* A callback's non-zero value stops the loop and is returned; the rest of the result is
 * dropped, so the connection serves the next statement. */
static void each_stops_when_told(void **state)
{
	db_res *all = NULL;
	make_table();
	assert_int_equal(db_query(t_db, each_sql, NULL, 0, &all), Z_OK);
	struct seen s = {0, 3, all};
	assert_int_equal(db_query_each(t_db, each_sql, NULL, 0, check_row, &s), 7);
	assert_int_equal(s.n, 3);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM t_each WHERE id > ?", DB_I(1)),
	                 (long long)Z_ARRAY_LEN(rows) - 1);
	/* Stopping on the big row (the sixth) leaves the connection usable too. */
	s.n = 0;
	s.stop_after = 6;
	assert_int_equal(db_query_each(t_db, each_sql, NULL, 0, check_row, &s), 7);
	assert_int_equal(t_ll("SELECT COUNT(*) FROM t_each", NULL, 0), (long long)Z_ARRAY_LEN(rows));
	db_res_free(all);
}

static int count_row(void *vctx, const db_row *row)
{
	(*(long long *)vctx) += db_row_ll(row, 0, 0);
	return 0;
}

/* Parameters bind as in db_query; an empty result calls nothing; a bad statement fails. */
static void each_params_empty_and_errors(void **state)
{
	long long sum = 0;
	make_table();
	assert_int_equal(db_query_each(t_db, "SELECT id FROM t_each WHERE id BETWEEN ? AND ?",
	                               DB_ARGS(DB_I(2), DB_I(4)), count_row, &sum),
	                 Z_OK);
	assert_int_equal(sum, 2 + 3 + 4);
	sum = 0;
	assert_int_equal(db_query_each(t_db, "SELECT id FROM t_each WHERE id > ?", DB_ARGS(DB_I(99)),
	                               count_row, &sum),
	                 Z_OK);
	assert_int_equal(sum, 0);
	assert_int_equal(db_query_each(t_db, "SELECT nosuchcolumn FROM t_each", NULL, 0, count_row,
	                               &sum),
	                 Z_ERR);
	assert_int_equal(db_query_each(t_db, "SELECT id FROM t_each WHERE id = ?", NULL, 0,
	                               count_row, &sum),
	                 Z_ERR);
	assert_int_equal(t_ll("SELECT 5", NULL, 0), 5);
}

/* ---- migrations ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_dir(const char *dir, const char *const *names, int n)
{
	char path[512];
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Two files with one number are refused and neither runs; a last statement without ';' runs.
 * Version numbers unique to this run, removed afterwards. */
static void migrate_numbers_and_last_statement(void **state)
{
	char dir[] = "/tmp/zaiko-migrate-XXXXXX", name[3][64], table[64];
	long long v = 2000000000LL - (long long)(getpid() % 1000000) * 2;
	assert_non_null(mkdtemp(dir));
	snprintf(table, sizeof(table), "t_mig_%s", t_run);
	snprintf(name[0], 64, "%lld_one.sql", v);
	snprintf(name[1], 64, "%lld_two.sql", v);
	char sql[512];
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (id INT);\n", table);
	write_file(dir, name[0], sql);
	write_file(dir, name[1], sql);
	assert_int_equal(db_migrate(t_db, dir), Z_ERR);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM schema_version WHERE version = ?", DB_I(v)), 0);
	assert_int_equal(T_LL("SELECT COUNT(*) FROM information_schema.tables WHERE "
	                      "table_schema = DATABASE() AND table_name = ?", DB_S(table)),
	                 0);
	/* Renumbered, with the second file's last statement lacking its ';' and followed by
	 * blank lines: both apply, in order. */
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name[1]);
	unlink(path);
	snprintf(name[2], 64, "%lld_two.sql", v + 1);
	snprintf(sql, sizeof(sql), "-- rows\nINSERT INTO %s VALUES (1);\nINSERT INTO %s\n  VALUES (2)\n\n",
	         table, table);
	write_file(dir, name[2], sql);
	int rc = db_migrate(t_db, dir);
	long long applied = T_LL("SELECT COUNT(*) FROM schema_version WHERE version IN (?, ?)",
	                         DB_I(v), DB_I(v + 1));
	char q[200];
	snprintf(q, sizeof(q), "SELECT COALESCE(SUM(id), -1) FROM %s", table);
	long long sum = t_ll(q, NULL, 0);
	snprintf(q, sizeof(q), "DROP TABLE IF EXISTS %s", table);
	db_exec(t_db, q, NULL, 0, NULL, NULL);
	db_execv(t_db, "DELETE FROM schema_version WHERE version IN (?, ?)", DB_I(v), DB_I(v + 1));
	const char *const names[] = {name[0], name[2]};
	remove_dir(dir, names, 2);
	assert_int_equal(rc, Z_OK);
	assert_int_equal(applied, 2);
	assert_int_equal(sum, 3);
}

/* A locking read that fails after its result set began (a lock wait timeout, as a deadlock
 * would, comes after the column metadata) leaves its cached statement as Connector/C knows
 * it: rows announced, none read. Run again, the statement first "flushes" those rows and
 * waits for packets the server never sends (the loop worker's 60 s stall in release_tx's
 * SELECT ... FOR UPDATE, the server showing the connection as Sleep). The next run of the
 * same text must answer at once, in a transaction too, whether the failed read was whole or
 * streamed. alarm() ends a hung run instead of waiting for the read timeout. */
static int tally_row(void *ctx, const db_row *row)
{
	(void)row;
	(*(int *)ctx)++;
	return 0;
}

static void failed_locking_read_leaves_its_statement_usable(void **state)
{
	char table[64], sql[200];
	snprintf(table, sizeof(table), "t_stall_%s", t_run);
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (id INT PRIMARY KEY) ENGINE=InnoDB", table);
	assert_int_equal(db_exec(t_db, sql, NULL, 0, NULL, NULL), Z_OK);
	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (1), (2), (3)", table);
	assert_int_equal(db_exec(t_db, sql, NULL, 0, NULL, NULL), Z_OK);
	assert_int_equal(db_exec(t_db, "SET SESSION innodb_lock_wait_timeout = 1", NULL, 0, NULL,
	                         NULL),
	                 Z_OK);
	db *other = t_open();
	char lock2[200], whole[200], streamed[200];
	snprintf(lock2, sizeof(lock2), "SELECT id FROM %s WHERE id = 2 FOR UPDATE", table);
	snprintf(whole, sizeof(whole), "SELECT id FROM %s WHERE id >= ? ORDER BY id FOR UPDATE",
	         table);
	snprintf(streamed, sizeof(streamed),
	         "SELECT id FROM %s WHERE id >= ? ORDER BY id LOCK IN SHARE MODE", table);
	alarm(30);
	for (int round = 0; round < 2; round++) {
		const char *q = round ? streamed : whole;
		db_res *r = NULL;
		assert_int_equal(db_begin(other), Z_OK);
		assert_int_equal(db_query(other, lock2, NULL, 0, &r), Z_OK);
		db_res_free(r);
		r = NULL;
		/* Row 1 is sent, row 2 waits for the lock and times out. */
		assert_int_equal(db_begin(t_db), Z_OK);
		int got = 0;
		int rc = round ? db_query_each(t_db, q, DB_ARGS(DB_I(1)), tally_row, &got)
		               : db_query(t_db, q, DB_ARGS(DB_I(1)), &r);
		assert_int_equal(rc, Z_ERR);
		assert_int_equal(db_errno(t_db), 1205);
		db_rollback(t_db);
		db_rollback(other);
		/* The same cached text again, in a transaction (where a lost connection is not
		 * retried): every row, at once. */
		unsigned long gen = db_generation(t_db);
		assert_int_equal(db_begin(t_db), Z_OK);
		got = 0;
		if (round) {
			assert_int_equal(db_query_each(t_db, q, DB_ARGS(DB_I(1)), tally_row, &got), Z_OK);
		} else {
			assert_int_equal(db_query(t_db, q, DB_ARGS(DB_I(1)), &r), Z_OK);
			got = r->nrows;
			db_res_free(r);
		}
		assert_int_equal(got, 3);
		assert_int_equal(db_commit(t_db), Z_OK);
		assert_int_equal(db_generation(t_db), gen);
	}
	alarm(0);
	db_close(other);
	db_exec(t_db, "SET SESSION innodb_lock_wait_timeout = DEFAULT", NULL, 0, NULL, NULL);
	snprintf(sql, sizeof(sql), "DROP TABLE %s", table);
	assert_int_equal(db_exec(t_db, sql, NULL, 0, NULL, NULL), Z_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statement_cache_by_text),
		cmocka_unit_test(jst_sql_reads_as_jst_format),
		cmocka_unit_test(each_streams_every_row),
		cmocka_unit_test(each_stops_when_told),
		cmocka_unit_test(each_params_empty_and_errors),
		cmocka_unit_test(migrate_numbers_and_last_statement),
		cmocka_unit_test(failed_locking_read_leaves_its_statement_usable),
	};
	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
