/* db: Connector/C behind a small API: cached prepared statements, whole results as strings,
 * reconnect and re-prepare on a lost connection (never MYSQL_OPT_RECONNECT). */
#include <dirent.h>
#include <errno.h>
#include <mysql.h>
#include <errmsg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/buf.h"
#include "core/hmap.h"
#include "core/log.h"
#include "db/db.h"

#define DB_STMT_CACHE 256
/* IN lists of a page (100 ids) or a CSV chunk (500 codes) bind this many. */
#define DB_MAX_PARAMS 1024

struct db {
	MYSQL *conn;
	const conf *cfg;
	/* Prepared statements, found by their text's hash (hmap keeps a copy of the text and
	 * compares it on a hash match: built SQL is freed and another text may later sit at the
	 * same address). */
	hmap stmt_index; /* SQL text → position in stmts */
	MYSQL_STMT *stmts[DB_STMT_CACHE];
	int nstmts;
	/* Parameter bindings, grown to the most a statement has bound (up to DB_MAX_PARAMS): on
	 * the stack they were 115 KB for every statement. */
	MYSQL_BIND *binds;
	int nbinds;
	bool in_tx;
	/* The connection went away inside the open transaction: the server rolled it back. Every
	 * statement fails until db_rollback (or db_commit) ends it; nothing reconnects meanwhile,
	 * so the rest of a transaction never runs alone, in autocommit, on a new connection. */
	bool tx_lost;
	/* A deadlock (1213) rolled the open transaction back on the server: as with tx_lost, the
	 * statements after it fail (with 1213, so the caller retries the whole transaction)
	 * instead of running in autocommit until the caller notices. */
	bool tx_aborted;
	/* The last COMMIT was sent and its answer lost with the connection: it may or may not have
	 * been applied. Cleared by db_begin and db_take_commit_unknown. */
	bool commit_unknown;
	/* Test stacks only ([test] kill_commit_file): a COMMIT that finds this file removes it
	 * and kills its own connection first, as a network cut or a server crash would. */
	char *kill_commit_file;
	unsigned int last_errno;
	char last_error[512];
	unsigned long generation; /* connections made so far (db_generation) */
	/* Read/write timeout of this connection and its reconnects in seconds; 0: [database]
	 * rw_timeout (db_open_rw). */
	unsigned rw_timeout;
};

static void remember_error(db *d, unsigned int no, const char *msg)
{
	d->last_errno = no;
	snprintf(d->last_error, sizeof(d->last_error), "%s", msg ? msg : "");
}

static void clear_cache(db *d)
{
	for (int i = 0; i < d->nstmts; i++)
		if (d->stmts[i])
			mysql_stmt_close(d->stmts[i]);
	d->nstmts = 0;
	hmap_reset(&d->stmt_index);
}

static int connect_server(db *d)
{
	const conf *c = d->cfg;
	const char *sock = conf_get(c, "database", "socket", NULL);
	const char *host = conf_get(c, "database", "host", sock ? NULL : "127.0.0.1");
	unsigned port = (unsigned)conf_int(c, "database", "port", 3306, 1, 65535);
	unsigned timeout = (unsigned)conf_int(c, "database", "connect_timeout", 5, 1, 600);
	unsigned rw_timeout = d->rw_timeout ? d->rw_timeout
	                                    : (unsigned)conf_int(c, "database", "rw_timeout", 60, 1, 3600);

	d->conn = mysql_init(NULL);
	if (!d->conn)
		return Z_NOMEM;
	mysql_options(d->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(d->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(d->conn, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
	mysql_options(d->conn, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	mysql_options(d->conn, MYSQL_INIT_COMMAND,
	              "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
	mysql_options(d->conn, MYSQL_INIT_COMMAND,
	              "SET time_zone = '+00:00', "
	              "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'");
	if (!mysql_real_connect(d->conn, host, conf_get(c, "database", "user", "zaiko"),
	                        conf_get(c, "database", "password", NULL),
	                        conf_get(c, "database", "name", "zaiko"), port, sock, 0)) {
		remember_error(d, mysql_errno(d->conn), mysql_error(d->conn));
		log_error("db: connect failed: %u %s", d->last_errno, d->last_error);
		mysql_close(d->conn);
		d->conn = NULL;
		return Z_ERR;
	}
	d->generation++;
	return Z_OK;
}

db *db_open(const conf *cfg)
{
	return db_open_rw(cfg, 0);
}

db *db_open_rw(const conf *cfg, unsigned rw_timeout)
{
	db *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = cfg;
	d->rw_timeout = rw_timeout;
	const char *kill = conf_get(cfg, "test", "kill_commit_file", NULL);
	if (kill && *kill)
		d->kill_commit_file = strdup(kill);
	if (connect_server(d) != Z_OK) {
		free(d->kill_commit_file);
		free(d);
		return NULL;
	}
	return d;
}

void db_close(db *d)
{
	if (!d)
		return;
	clear_cache(d);
	hmap_free(&d->stmt_index);
	if (d->conn)
		mysql_close(d->conn);
	free(d->kill_commit_file);
	free(d->binds);
	free(d);
}

static bool lost_connection(unsigned int no)
{
	return no == CR_SERVER_GONE_ERROR || no == CR_SERVER_LOST || no == CR_CONN_HOST_ERROR ||
	       no == CR_CONNECTION_ERROR || no == 1243 /* unknown statement handler */ ||
	       no == 1927 /* connection killed */ || no == 4031 /* idle timeout */;
}

/* Forgets a connection that is gone; the next statement outside a transaction opens anew. */
static void drop_connection(db *d)
{
	clear_cache(d);
	if (d->conn)
		mysql_close(d->conn);
	d->conn = NULL;
}

static int reconnect(db *d)
{
	drop_connection(d);
	log_warn("db: reconnecting after error %u", d->last_errno);
	return connect_server(d);
}

static MYSQL_STMT *prepare(db *d, const char *sql)
{
	size_t len = strlen(sql), at = hmap_get(&d->stmt_index, sql, len);
	if (at != HMAP_NONE && d->stmts[at])
		return d->stmts[at];
	if (!d->conn && connect_server(d) != Z_OK)
		return NULL;
	MYSQL_STMT *st = mysql_stmt_init(d->conn);
	if (!st)
		return NULL;
	if (mysql_stmt_prepare(st, sql, len)) {
		remember_error(d, mysql_stmt_errno(st), mysql_stmt_error(st));
		if (!lost_connection(d->last_errno))
			log_error("db: prepare failed: %u %s: %.200s", d->last_errno, d->last_error, sql);
		mysql_stmt_close(st);
		return NULL;
	}
	my_bool update_max = 1;
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
	if (at != HMAP_NONE) {
		d->stmts[at] = st; /* its text's statement was closed by result_failed */
		return st;
	}
	if (d->nstmts == DB_STMT_CACHE) {
		/* Dynamic SQL filled the cache: start over rather than grow without bound. */
		clear_cache(d);
	}
	hmap_put(&d->stmt_index, sql, len, (size_t)d->nstmts);
	d->stmts[d->nstmts++] = st;
	return st;
}

/* A statement whose result set failed after it began (a deadlock or lock wait timeout while a
 * locking read sends its rows, a fetch error): Connector/C still counts rows as owed to it,
 * and its next mysql_stmt_execute would first read them, waiting rw_timeout for packets the
 * server never sends (the server shows the connection as Sleep; after 60 s 2006). So it is
 * closed and its text prepared anew next time; the error is kept for the caller, and inside a
 * transaction it counts as in run(). */
static void result_failed(db *d, const char *sql, MYSQL_STMT *st, const char *what)
{
	/* An unbuffered fetch leaves its error on the connection, not the statement. */
	if (mysql_stmt_errno(st))
		remember_error(d, mysql_stmt_errno(st), mysql_stmt_error(st));
	else if (d->conn && mysql_errno(d->conn))
		remember_error(d, mysql_errno(d->conn), mysql_error(d->conn));
	else
		remember_error(d, 0, what);
	size_t at = hmap_get(&d->stmt_index, sql, strlen(sql));
	if (at != HMAP_NONE && d->stmts[at] == st) {
		mysql_stmt_close(st);
		d->stmts[at] = NULL;
	}
	if (d->in_tx && lost_connection(d->last_errno))
		d->tx_lost = true;
	if (d->in_tx && d->last_errno == 1213)
		d->tx_aborted = true;
}

static int bind_params(db *d, MYSQL_STMT *st, const db_val *params, int n, MYSQL_BIND *binds)
{
	if ((unsigned long)n != mysql_stmt_param_count(st) || n > DB_MAX_PARAMS) {
		remember_error(d, 0, "parameter count mismatch");
		log_error("db: statement wants %lu parameters, got %d",
		          mysql_stmt_param_count(st), n);
		return Z_ERR;
	}
	memset(binds, 0, sizeof(MYSQL_BIND) * (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++) {
		switch (params[i].type) {
		case DB_NULL:
			binds[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case DB_INT:
			binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
			binds[i].buffer = (void *)&params[i].i;
			break;
		case DB_TEXT:
			binds[i].buffer_type = MYSQL_TYPE_STRING;
			binds[i].buffer = (void *)(params[i].s ? params[i].s : "");
			binds[i].buffer_length = params[i].len;
			binds[i].length = (unsigned long *)&params[i].len;
			break;
		}
	}
	if (n && mysql_stmt_bind_param(st, binds)) {
		remember_error(d, mysql_stmt_errno(st), mysql_stmt_error(st));
		return Z_ERR;
	}
	return Z_OK;
}

/* Prepares (from the cache), binds and executes; retries once on a lost connection. */
static MYSQL_STMT *run(db *d, const char *sql, const db_val *params, int n)
{
	int want = n < 1 ? 1 : n > DB_MAX_PARAMS ? DB_MAX_PARAMS : n;
	if (want > d->nbinds) {
		d->binds = z_realloc(d->binds, (size_t)want * sizeof(*d->binds));
		d->nbinds = want;
	}
	MYSQL_BIND *binds = d->binds;
	if (d->in_tx && (d->tx_lost || !d->conn)) {
		/* The transaction died with its connection: refuse rather than run this statement
		 * alone on a new one. */
		d->tx_lost = true;
		remember_error(d, CR_SERVER_LOST, "connection lost inside a transaction");
		return NULL;
	}
	if (d->in_tx && d->tx_aborted) {
		remember_error(d, 1213, "transaction rolled back after a deadlock");
		return NULL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		d->last_errno = 0;
		MYSQL_STMT *st = prepare(d, sql);
		if (st && bind_params(d, st, params, n, binds) == Z_OK) {
			if (!mysql_stmt_execute(st))
				return st;
			remember_error(d, mysql_stmt_errno(st), mysql_stmt_error(st));
		} else if (st) {
			return NULL;
		}
		if (!lost_connection(d->last_errno) || d->in_tx || attempt == 1)
			break;
		if (reconnect(d) != Z_OK)
			break;
	}
	if (d->in_tx && lost_connection(d->last_errno))
		d->tx_lost = true; /* the server rolled it back; the caller must roll back and retry */
	if (d->in_tx && d->last_errno == 1213)
		d->tx_aborted = true;
	if (d->last_errno && !db_retryable(d) && d->last_errno != 1062)
		log_error("db: %u %s: %.200s", d->last_errno, d->last_error, sql);
	return NULL;
}

int db_exec(db *d, const char *sql, const db_val *params, int nparams,
            long long *affected, long long *insert_id)
{
	MYSQL_STMT *st = run(d, sql, params, nparams);
	if (!st)
		return d->last_errno == 1062 ? Z_CONFLICT : Z_ERR;
	if (mysql_stmt_field_count(st))
		mysql_stmt_free_result(st);
	if (affected)
		*affected = (long long)mysql_stmt_affected_rows(st);
	if (insert_id)
		*insert_id = (long long)mysql_stmt_insert_id(st);
	return Z_OK;
}

void db_res_free(db_res *r)
{
	if (!r)
		return;
	/* A row's cells share one allocation, which starts at its first non-NULL cell. */
	if (r->cells)
		for (long row = 0; row < r->nrows; row++)
			for (long i = row * r->ncols; i < (row + 1) * r->ncols; i++)
				if (r->cells[i]) {
					free(r->cells[i]);
					break;
				}
	if (r->names)
		for (int i = 0; i < r->ncols; i++)
			free(r->names[i]);
	free(r->cells);
	free(r->lens);
	free(r->names);
	free(r);
}

/* Cells of a streamed row start this big and grow to the largest seen (the server cannot
 * tell an unbuffered result's widest cell in advance). */
#define DB_STREAM_CELL 256

/* Fetches the rows of an executed statement one by one into column buffers and hands each to
 * fn; fn returning non-zero stops the loop (its value is returned). stored: the result was
 * buffered with mysql_stmt_store_result, so max_length sizes the buffers exactly; else they
 * start at DB_STREAM_CELL and a truncated cell is fetched again into a bigger one. */
static int fetch_rows(db *d, MYSQL_STMT *st, const char *sql, bool stored,
                      int (*fn)(void *ctx, const db_row *row), void *ctx)
{
	int rc = Z_ERR, ncols = 0;
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	MYSQL_BIND *binds = NULL;
	unsigned long *lengths = NULL;
	my_bool *nulls = NULL;
	char **bufs = NULL;
	const char **cells = NULL, **names = NULL;
	if (!meta) {
		remember_error(d, 0, "statement returns no rows");
		return Z_ERR;
	}
	ncols = (int)mysql_num_fields(meta);
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	size_t nc = (size_t)(ncols ? ncols : 1);
	binds = calloc(nc, sizeof(*binds));
	lengths = calloc(nc, sizeof(*lengths));
	nulls = calloc(nc, sizeof(*nulls));
	bufs = calloc(nc, sizeof(*bufs));
	cells = calloc(nc, sizeof(*cells));
	names = calloc(nc, sizeof(*names));
	if (!binds || !lengths || !nulls || !bufs || !cells || !names)
		goto out;
	for (int c = 0; c < ncols; c++) {
		unsigned long size = stored ? fields[c].max_length : DB_STREAM_CELL;
		if (size < 64)
			size = 64; /* numbers and dates converted to text */
		if (!(bufs[c] = malloc(size + 1)))
			goto out;
		names[c] = fields[c].name;
		binds[c].buffer_type = MYSQL_TYPE_STRING;
		binds[c].buffer = bufs[c];
		binds[c].buffer_length = size + 1;
		binds[c].length = &lengths[c];
		binds[c].is_null = &nulls[c];
	}
	if (ncols && mysql_stmt_bind_result(st, binds)) {
		remember_error(d, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
	db_row row = {ncols, cells, lengths, names};
	for (;;) {
		int f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == MYSQL_DATA_TRUNCATED && !stored) {
			bool rebind = false;
			for (int c = 0; c < ncols && f == MYSQL_DATA_TRUNCATED; c++) {
				if (nulls[c] || lengths[c] < binds[c].buffer_length)
					continue;
				char *grown = realloc(bufs[c], lengths[c] + 1);
				if (!grown)
					goto out;
				bufs[c] = grown;
				binds[c].buffer = grown;
				binds[c].buffer_length = lengths[c] + 1;
				if (mysql_stmt_fetch_column(st, &binds[c], (unsigned)c, 0))
					f = 1;
				rebind = true;
			}
			if (f == MYSQL_DATA_TRUNCATED)
				f = 0;
			if (f == 0 && rebind && mysql_stmt_bind_result(st, binds))
				f = 1;
		}
		if (f != 0) {
			result_failed(d, sql, st,
			              f == MYSQL_DATA_TRUNCATED ? "data truncated" : "fetch failed");
			st = NULL;
			if (!db_retryable(d))
				log_error("db: fetch: %s: %.200s", d->last_error, sql);
			goto out;
		}
		for (int c = 0; c < ncols; c++) {
			if (nulls[c]) {
				cells[c] = NULL;
				lengths[c] = 0;
			} else {
				bufs[c][lengths[c]] = '\0';
				cells[c] = bufs[c];
			}
		}
		int stop = fn(ctx, &row);
		if (stop) {
			rc = stop;
			goto out;
		}
	}
	rc = Z_OK;
out:
	/* Also reads and drops the rest of an unbuffered result, so the connection is usable. */
	if (st)
		mysql_stmt_free_result(st);
	mysql_free_result(meta);
	if (bufs)
		for (int c = 0; c < ncols; c++)
			free(bufs[c]);
	free(bufs);
	free(binds);
	free(lengths);
	free(nulls);
	free(cells);
	free(names);
	return rc;
}

/* Copies each row into a db_res whose arrays hold every row of the stored result. */
struct collect {
	db_res *r;
	int row;
};

static int collect_row(void *vctx, const db_row *row)
{
	struct collect *c = vctx;
	db_res *r = c->r;
	if (c->row >= r->nrows)
		return Z_ERR;
	/* One allocation a row, its cells one after the other (a page of the 在庫連携 list is
	 * ~7,000 cells: one malloc and free each was a tenth of the request). */
	size_t size = 0;
	for (int col = 0; col < row->ncols; col++)
		if (row->cells[col])
			size += row->lens[col] + 1;
	char *p = size ? malloc(size) : NULL;
	if (size && !p)
		return Z_NOMEM;
	for (int col = 0; col < row->ncols; col++) {
		size_t i = (size_t)c->row * (size_t)r->ncols + (size_t)col;
		if (!row->cells[col])
			continue;
		memcpy(p, row->cells[col], row->lens[col] + 1);
		r->cells[i] = p;
		r->lens[i] = row->lens[col];
		p += row->lens[col] + 1;
	}
	c->row++;
	return 0;
}

int db_query(db *d, const char *sql, const db_val *params, int nparams, db_res **out)
{
	*out = NULL;
	MYSQL_STMT *st = run(d, sql, params, nparams);
	if (!st)
		return Z_ERR;
	int rc = Z_ERR;
	MYSQL_RES *meta = NULL;
	db_res *r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	if (mysql_stmt_store_result(st)) {
		result_failed(d, sql, st, "store failed");
		st = NULL;
		goto out;
	}
	meta = mysql_stmt_result_metadata(st);
	if (!meta) {
		remember_error(d, 0, "statement returns no rows");
		goto out;
	}
	r->ncols = (int)mysql_num_fields(meta);
	r->nrows = (int)mysql_stmt_num_rows(st);
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	r->names = calloc((size_t)r->ncols + 1, sizeof(*r->names));
	r->cells = calloc((size_t)r->nrows * (size_t)r->ncols + 1, sizeof(*r->cells));
	r->lens = calloc((size_t)r->nrows * (size_t)r->ncols + 1, sizeof(*r->lens));
	if (!r->names || !r->cells || !r->lens)
		goto out;
	for (int c = 0; c < r->ncols; c++)
		if (!(r->names[c] = strdup(fields[c].name)))
			goto out;
	struct collect col = {r, 0};
	rc = fetch_rows(d, st, sql, true, collect_row, &col);
	if (rc == Z_OK && col.row != r->nrows)
		rc = Z_ERR;
	st = NULL; /* fetch_rows freed the result */
out:
	if (st)
		mysql_stmt_free_result(st);
	if (meta)
		mysql_free_result(meta);
	if (rc == Z_OK)
		*out = r;
	else
		db_res_free(r);
	return rc;
}

int db_query_each(db *d, const char *sql, const db_val *params, int nparams,
                  int (*fn)(void *ctx, const db_row *row), void *ctx)
{
	MYSQL_STMT *st = run(d, sql, params, nparams);
	if (!st)
		return Z_ERR;
	return fetch_rows(d, st, sql, false, fn, ctx);
}

const char *db_row_get(const db_row *row, int col)
{
	if (!row || col < 0 || col >= row->ncols)
		return NULL;
	return row->cells[col];
}

unsigned long db_row_len(const db_row *row, int col)
{
	return db_row_get(row, col) ? row->lens[col] : 0;
}

/* A cell as a whole decimal integer, def when NULL or not a number. */
static long long cell_ll(const char *s, long long def)
{
	if (!s)
		return def;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	return (errno || end == s) ? def : v;
}

long long db_row_ll(const db_row *row, int col, long long def)
{
	return cell_ll(db_row_get(row, col), def);
}

int db_query_ll(db *d, const char *sql, const db_val *params, int nparams, long long def,
                long long *out)
{
	db_res *r;
	if (db_query(d, sql, params, nparams, &r) != Z_OK)
		return Z_ERR;
	*out = db_get_ll(r, 0, 0, def);
	db_res_free(r);
	return Z_OK;
}

const char *db_get(const db_res *r, int row, int col)
{
	if (!r || row < 0 || col < 0 || row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[(size_t)row * (size_t)r->ncols + (size_t)col];
}

unsigned long db_len(const db_res *r, int row, int col)
{
	if (!db_get(r, row, col))
		return 0;
	return r->lens[(size_t)row * (size_t)r->ncols + (size_t)col];
}

long long db_get_ll(const db_res *r, int row, int col, long long def)
{
	return cell_ll(db_get(r, row, col), def);
}

static int simple(db *d, const char *sql)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!d->conn && connect_server(d) != Z_OK)
			return Z_ERR;
		if (!mysql_query(d->conn, sql))
			return Z_OK;
		remember_error(d, mysql_errno(d->conn), mysql_error(d->conn));
		if (!lost_connection(d->last_errno) || d->in_tx || attempt == 1 || reconnect(d) != Z_OK)
			break;
	}
	log_error("db: %s: %u %s", sql, d->last_errno, d->last_error);
	return Z_ERR;
}

int db_begin(db *d)
{
	if (d->in_tx) {
		log_error("db: nested transaction");
		return Z_ERR;
	}
	d->commit_unknown = false;
	d->tx_lost = false;
	d->tx_aborted = false;
	if (simple(d, "START TRANSACTION") != Z_OK)
		return Z_ERR;
	d->in_tx = true;
	return Z_OK;
}

/* The test hook: kills this connection from inside it, right before COMMIT. */
static void test_kill_before_commit(db *d)
{
	if (!d->kill_commit_file || unlink(d->kill_commit_file) != 0)
		return;
	log_warn("db: test hook: killing the connection before COMMIT");
	mysql_query(d->conn, "KILL CONNECTION_ID()");
}

/* COMMIT is sent once, on the transaction's own connection, never again on another one: a
 * COMMIT re-sent on a new connection commits nothing and would report success. When the
 * answer is lost with the connection the outcome is unknown (db_take_commit_unknown). */
int db_commit(db *d)
{
	if (!d->in_tx) {
		log_error("db: COMMIT without a transaction");
		remember_error(d, 0, "no transaction");
		return Z_ERR;
	}
	d->in_tx = false;
	if (d->tx_aborted) {
		d->tx_aborted = false;
		remember_error(d, 1213, "transaction rolled back after a deadlock");
		if (d->conn)
			mysql_query(d->conn, "ROLLBACK"); /* nothing left to undo; ends it cleanly */
		return Z_ERR;
	}
	if (d->tx_lost || !d->conn) {
		d->tx_lost = false;
		remember_error(d, CR_SERVER_LOST, "connection lost inside a transaction");
		log_error("db: COMMIT refused: the transaction was lost with its connection");
		drop_connection(d);
		return Z_ERR;
	}
	test_kill_before_commit(d);
	if (!mysql_query(d->conn, "COMMIT"))
		return Z_OK;
	remember_error(d, mysql_errno(d->conn), mysql_error(d->conn));
	if (lost_connection(d->last_errno)) {
		d->commit_unknown = true;
		log_error("db: COMMIT's answer lost with the connection (%u %s): outcome unknown",
		          d->last_errno, d->last_error);
		drop_connection(d);
	} else {
		log_error("db: COMMIT: %u %s", d->last_errno, d->last_error);
	}
	return Z_ERR;
}

int db_rollback(db *d)
{
	bool lost = d->tx_lost;
	d->in_tx = false;
	d->tx_lost = false;
	d->tx_aborted = false;
	if (!d->conn)
		return Z_OK;
	if (lost) {
		/* The server rolled it back when the connection went; nothing to send. */
		drop_connection(d);
		return Z_OK;
	}
	if (!mysql_query(d->conn, "ROLLBACK"))
		return Z_OK;
	unsigned int no = mysql_errno(d->conn);
	if (lost_connection(no)) {
		drop_connection(d); /* a transaction never outlives its connection */
		return Z_OK;
	}
	log_error("db: ROLLBACK: %u %s", no, mysql_error(d->conn));
	return Z_ERR;
}

bool db_take_commit_unknown(db *d)
{
	bool was = d && d->commit_unknown;
	if (d)
		d->commit_unknown = false;
	return was;
}

unsigned long db_generation(const db *d)
{
	return d->generation;
}

bool db_in_transaction(const db *d)
{
	return d->in_tx;
}

unsigned int db_errno(const db *d)
{
	return d->last_errno;
}

const char *db_error(const db *d)
{
	return d->last_error;
}

bool db_retryable(const db *d)
{
	/* 1467: InnoDB could not take the AUTO-INC lock in time; as transient as a deadlock. */
	return d->last_errno == 1213 || d->last_errno == 1205 || d->last_errno == 1467;
}

bool db_unavailable(const db *d)
{
	return !d->conn || lost_connection(d->last_errno) || d->last_errno == 2002 ||
	       d->last_errno == 2003;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int filter_sql(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 8 && e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
	       !strcmp(e->d_name + n - 4, ".sql");
}

/* Splits a migration on lines that end with ';' (our files keep one statement per ';'); a
 * last statement without one is run too, rather than dropped in silence. */
static int apply_file(db *d, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		log_error("migrate: cannot open %s", path);
		return Z_ERR;
	}
	buf stmt = BUF_INIT;
	char line[8192];
	int rc = Z_OK;
	while (rc == Z_OK && fgets(line, sizeof(line), f)) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (s[0] == '-' && s[1] == '-')
			continue;
		buf_puts(&stmt, line);
		while (stmt.len && strchr(" \t\r\n", stmt.data[stmt.len - 1]))
			stmt.data[--stmt.len] = '\0';
		if (stmt.len && stmt.data[stmt.len - 1] == ';') {
			stmt.data[--stmt.len] = '\0';
			if (mysql_query(d->conn, stmt.data)) {
				log_error("migrate: %s: %s", path, mysql_error(d->conn));
				rc = Z_ERR;
			}
			buf_reset(&stmt);
		} else if (stmt.len) {
			buf_putc(&stmt, '\n');
		}
	}
	while (stmt.len && strchr(" \t\r\n", stmt.data[stmt.len - 1]))
		stmt.data[--stmt.len] = '\0';
	if (rc == Z_OK && stmt.len && mysql_query(d->conn, stmt.data)) {
		log_error("migrate: %s: %s", path, mysql_error(d->conn));
		rc = Z_ERR;
	}
	fclose(f);
	buf_free(&stmt);
	return rc;
}

int db_migrate(db *d, const char *dir)
{
	struct dirent **list = NULL;
	int rc = Z_OK;
	if (simple(d, "CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, "
	              "name VARCHAR(200) NOT NULL, applied_at DATETIME NOT NULL)") != Z_OK)
		return Z_ERR;
	/* One migrator at a time, whatever host runs it. */
	long long got = 0;
	if (db_query_ll(d, "SELECT GET_LOCK('zaiko.migrate', 60)", NULL, 0, 0, &got) != Z_OK || !got)
		return Z_ERR;
	int n = scandir(dir, &list, filter_sql, by_name);
	if (n < 0) {
		log_error("migrate: cannot read %s", dir);
		rc = Z_ERR;
	}
	/* Versions are recorded by number: of two files with one number only the first would
	 * ever run, so refuse them all until one is renumbered. */
	for (int i = 0; i < n; i++)
		for (int k = 0; k < i; k++)
			if (strtoll(list[i]->d_name, NULL, 10) == strtoll(list[k]->d_name, NULL, 10)) {
				log_error("migrate: %s and %s have one number; renumber one", list[k]->d_name,
				          list[i]->d_name);
				rc = Z_ERR;
			}
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		long long version = strtoll(name, NULL, 10), done = 0;
		if (rc == Z_OK &&
		    db_query_ll(d, "SELECT COUNT(*) FROM schema_version WHERE version = ?",
		                DB_ARGS(DB_I(version)), 0, &done) == Z_OK && !done) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			log_info("migrate: applying %s", name);
			if (apply_file(d, path) != Z_OK ||
			    db_execv(d, "INSERT INTO schema_version VALUES (?, ?, UTC_TIMESTAMP())",
			             DB_I(version), DB_S(name)) != Z_OK)
				rc = Z_ERR;
		}
		free(list[i]);
	}
	free(list);
	db_query_ll(d, "SELECT RELEASE_LOCK('zaiko.migrate')", NULL, 0, 0, &got);
	return rc;
}
