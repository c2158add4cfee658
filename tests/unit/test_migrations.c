/* The migration rule: every ALTER TABLE, CREATE INDEX and DROP INDEX in sql/NNN_*.sql states its
 * algorithm and lock, so the server refuses (instead of silently copying a big table under a
 * write lock) when it cannot do the change online:
 *   ALGORITHM=INSTANT|INPLACE|NOCOPY with LOCK=NONE — the shop keeps writing;
 *   ALGORITHM=COPY, or a LOCK other than NONE, only below a comment line "-- COPY: why" or
 *   "-- LOCK: why" in the lines just above the statement (a known stall, said out loud).
 * Statements are split as db_migrate splits them (a line ending with ';' ends one; lines
 * starting with -- are comments). `make bench` (tests/bench/migrate_bench.sh) measures the
 * longest write stall of applying them all to a 1M-listing database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper-cased copy of s with every run of white space made one space. */
static void squeeze_upper(const char *s, char *out, size_t n)
{
	size_t k = 0;
	bool space = true;
	for (; *s && k + 1 < n; s++) {
		if (isspace((unsigned char)*s)) {
			if (!space)
				out[k++] = ' ';
			space = true;
		} else {
			out[k++] = (char)toupper((unsigned char)*s);
			space = false;
		}
	}
	out[k] = '\0';
}

/* The value after "NAME" "=" (spaces allowed around '='), or "" when absent. */
static void option_value(const char *up, const char *name, char *out, size_t n)
{
	out[0] = '\0';
	const char *p = up;
	while ((p = strstr(p, name))) {
		bool word_start = p == up || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		const char *q = p + strlen(name);
		p = q;
		if (!word_start)
			continue;
		while (*q == ' ')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ')
			q++;
		size_t k = 0;
		while ((isalnum((unsigned char)*q) || *q == '_') && k + 1 < n)
			out[k++] = *q++;
		out[k] = '\0';
		return;
	}
}

/* NULL when the statement keeps the rule, else why not. comments: the comment lines just
 * above it. */
static const char *lint_statement(const char *stmt, const char *comments)
{
	static char up[65536];
	char alg[32], lock[32];
	squeeze_upper(stmt, up, sizeof(up));
	bool ddl = !strncmp(up, "ALTER TABLE ", 12) || !strncmp(up, "ALTER ONLINE TABLE ", 19) ||
	           !strncmp(up, "DROP INDEX ", 11) || !strncmp(up, "CREATE INDEX ", 13) ||
	           !strncmp(up, "CREATE UNIQUE INDEX ", 20) ||
	           !strncmp(up, "CREATE FULLTEXT INDEX ", 22) ||
	           !strncmp(up, "CREATE OR REPLACE INDEX ", 24);
	if (!ddl)
		return NULL;
	option_value(up, "ALGORITHM", alg, sizeof(alg));
	option_value(up, "LOCK", lock, sizeof(lock));
	if (!*alg)
		return "states no ALGORITHM= (INSTANT, INPLACE or NOCOPY; COPY only with -- COPY: why)";
	if (!*lock)
		return "states no LOCK= (NONE; another only with -- LOCK: why)";
	if (strcmp(alg, "INSTANT") && strcmp(alg, "INPLACE") && strcmp(alg, "NOCOPY") &&
	    strcmp(alg, "COPY"))
		return "ALGORITHM is not INSTANT, INPLACE, NOCOPY or COPY";
	if (strcmp(lock, "NONE") && strcmp(lock, "SHARED") && strcmp(lock, "EXCLUSIVE"))
		return "LOCK is not NONE, SHARED or EXCLUSIVE (DEFAULT says nothing)";
	if (!strcmp(alg, "COPY") && !strstr(comments, "-- COPY:"))
		return "ALGORITHM=COPY without a \"-- COPY: why\" comment above it";
	if (strcmp(lock, "NONE") && !strstr(comments, "-- LOCK:") && !strstr(comments, "-- COPY:"))
		return "a LOCK other than NONE without a \"-- LOCK: why\" comment above it";
	return NULL;
}

/* Lints one file; returns the number of statements breaking the rule (each printed). */
static int lint_file(const char *path, int *ddl_count)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char line[8192];
	static char stmt[65536], comments[16384];
	size_t slen = 0, clen = 0;
	int bad = 0;
	stmt[0] = comments[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (s[0] == '-' && s[1] == '-') {
			if (!slen && clen + strlen(s) + 1 < sizeof(comments)) {
				memcpy(comments + clen, s, strlen(s) + 1);
				clen += strlen(s);
			}
			continue;
		}
		if (slen + strlen(line) + 1 < sizeof(stmt)) {
			memcpy(stmt + slen, line, strlen(line) + 1);
			slen += strlen(line);
		}
		char *end = stmt + slen;
		while (end > stmt && isspace((unsigned char)end[-1]))
			end--;
		if (end > stmt && end[-1] == ';') {
			char up[32];
			squeeze_upper(stmt, up, sizeof(up));
			if (!strncmp(up, "ALTER", 5) || !strncmp(up, "DROP INDEX", 10) ||
			    strstr(up, "INDEX"))
				(*ddl_count)++;
			const char *why = lint_statement(stmt, comments);
			if (why) {
				print_message("%s: %s:\n  %.300s\n", path, why, stmt);
				bad++;
			}
			slen = clen = 0;
			stmt[0] = comments[0] = '\0';
		}
	}
	fclose(f);
	return bad;
}

static void test_rule_itself(void **state)
{
	(void)state;
	const char *none = "";
	assert_null(lint_statement("ALTER TABLE t ADD KEY k (a), ALGORITHM=INPLACE, LOCK=NONE", none));
	assert_null(lint_statement("alter table t add column c int,\n algorithm = instant ,lock= none",
	                           none));
	assert_null(lint_statement("CREATE INDEX k ON t (a) ALGORITHM=INPLACE LOCK=NONE", none));
	assert_null(lint_statement("CREATE TABLE t (a INT)", none));
	assert_null(lint_statement("INSERT INTO t VALUES (1)", none));
	assert_non_null(lint_statement("ALTER TABLE t ADD KEY k (a)", none));
	assert_non_null(lint_statement("ALTER TABLE t ADD KEY k (a), ALGORITHM=INPLACE", none));
	assert_non_null(lint_statement("ALTER TABLE t ADD KEY k (a), LOCK=NONE", none));
	assert_non_null(lint_statement("ALTER TABLE t ADD KEY k (a), ALGORITHM=DEFAULT, LOCK=NONE",
	                               none));
	assert_non_null(lint_statement("ALTER TABLE t ADD KEY k (a), ALGORITHM=INPLACE, LOCK=DEFAULT",
	                               none));
	assert_non_null(lint_statement("ALTER TABLE t MODIFY c INT, ALGORITHM=COPY, LOCK=SHARED", none));
	assert_null(lint_statement("ALTER TABLE t MODIFY c INT, ALGORITHM=COPY, LOCK=SHARED",
	                           "-- COPY: a stored generated column's expression\n"));
	assert_non_null(lint_statement("ALTER TABLE t ADD KEY k (a), ALGORITHM=INPLACE, LOCK=SHARED",
	                               none));
	assert_non_null(lint_statement("DROP INDEX k ON t", none));
	/* a column named lock_state does not count as LOCK= */
	assert_non_null(lint_statement("ALTER TABLE t ADD COLUMN lock_state INT DEFAULT 0, "
	                               "ALGORITHM=INSTANT", none));
}

static int sql_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 4 && isdigit((unsigned char)e->d_name[0]) && !strcmp(e->d_name + n - 4, ".sql");
}

static void test_every_migration_states_algorithm_and_lock(void **state)
{
	(void)state;
	const char *root = getenv("ZAIKO_ROOT");
	char dir[4096], path[8192];
	snprintf(dir, sizeof(dir), "%s/sql", root && *root ? root : ".");
	struct dirent **list = NULL;
	int n = scandir(dir, &list, sql_file, alphasort);
	assert_true(n > 0);
	int bad = 0, ddl = 0;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		bad += lint_file(path, &ddl);
		free(list[i]);
	}
	free(list);
	print_message("%d migration files, %d ALTER/INDEX statements, %d breaking the rule\n", n,
	              ddl, bad);
	assert_true(ddl > 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_itself),
		cmocka_unit_test(test_every_migration_states_algorithm_and_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
