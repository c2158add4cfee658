/* db: the one way to the database: prepared statements only, results as strings. */
#ifndef ZAIKO_DB_H
#define ZAIKO_DB_H

#include <string.h>
#include "core/conf.h"
#include "core/zaiko.h"

typedef struct db db;

typedef enum { DB_NULL, DB_INT, DB_TEXT } db_type;

/* One parameter of a statement; the text is borrowed for the call only. */
typedef struct {
	db_type type;
	long long i;
	const char *s;
	size_t len;
} db_val;

#define DB_I(x) ((db_val){DB_INT, (long long)(x), NULL, 0})
#define DB_S(x) ((db_val){DB_TEXT, 0, (x), strlen(x)})
#define DB_SN(x, n) ((db_val){DB_TEXT, 0, (x), (n)})
#define DB_NUL ((db_val){DB_NULL, 0, NULL, 0})
/* A text that may be NULL: SQL NULL then. */
#define DB_SOPT(x) ((x) ? DB_S(x) : DB_NUL)

/* A whole result, copied out of the server's buffers. The cells of one row share one
 * allocation, which starts at the row's first non-NULL cell (db_res_free frees that one):
 * move whole rows between results, never single cells. */
typedef struct {
	int nrows, ncols;
	char **cells;          /* nrows * ncols; NULL for SQL NULL */
	unsigned long *lens;   /* byte length of each cell */
	char **names;          /* column names */
} db_res;

/* Opens a connection from the [database] section of the configuration: socket or host/port,
 * user, password, name. utf8mb4, READ COMMITTED. Returns NULL (logged) on failure. */
db *db_open(const conf *cfg);
/* db_open with a read/write timeout of its own (seconds; 0: [database] rw_timeout), kept on
 * reconnects: Connector/C's client-side MYSQL_OPT_READ_TIMEOUT/WRITE_TIMEOUT, how long one
 * statement's answer may take before the connection counts as lost. */
db *db_open_rw(const conf *cfg, unsigned rw_timeout);
void db_close(db *d);

/* Runs a statement that returns no rows. affected and insert_id may be NULL.
 * Reconnects and re-prepares once on a lost connection outside a transaction. */
int db_exec(db *d, const char *sql, const db_val *params, int nparams,
            long long *affected, long long *insert_id);
/* Runs a query; *out is set (free with db_res_free) on Z_OK. */
int db_query(db *d, const char *sql, const db_val *params, int nparams, db_res **out);
void db_res_free(db_res *r);

/* Convenience: the first column of the first row as an integer (def if no row or NULL). */
int db_query_ll(db *d, const char *sql, const db_val *params, int nparams, long long def,
                long long *out);

/* One row of a streamed query (db_query_each); every pointer is valid during the call only. */
typedef struct {
	int ncols;
	const char *const *cells;    /* NULL for SQL NULL, else NUL-terminated */
	const unsigned long *lens;   /* byte length of each cell */
	const char *const *names;    /* column names */
} db_row;

/* Runs a query and hands its rows to fn one at a time as the server sends them, so a big read
 * (an export of every SKU) holds one row in memory instead of copying every cell first:
 *
 *     static int put_row(void *ctx, const db_row *row)   // 0: next row, please
 *     {
 *         return csv_writer_row(ctx, row->cells, (size_t)row->ncols);
 *     }
 *     rc = db_query_each(d, "SELECT code, name FROM sku ORDER BY code", NULL, 0, put_row, &w);
 *
 * fn returns 0 to go on; anything else stops the loop and is what db_query_each returns (a
 * Z_* error, or a positive value of the caller's meaning "enough"); the rest of the result is
 * read and dropped. While the loop runs the connection is busy with the result: fn must not
 * use d (a second db_open connection may be used), and should be quick, as the server waits
 * on it (net_write_timeout). Z_OK after the last row, Z_ERR, Z_NOMEM, or fn's value. */
int db_query_each(db *d, const char *sql, const db_val *params, int nparams,
                  int (*fn)(void *ctx, const db_row *row), void *ctx);

/* Cell access of a streamed row; out-of-range reads give NULL / 0 / def. */
const char *db_row_get(const db_row *row, int col);
unsigned long db_row_len(const db_row *row, int col);
long long db_row_ll(const db_row *row, int col, long long def);

/* Cell access; out-of-range reads give NULL / def. */
const char *db_get(const db_res *r, int row, int col);
long long db_get_ll(const db_res *r, int row, int col, long long def);
unsigned long db_len(const db_res *r, int row, int col);

/* Variadic forms: db_execv(d, sql, DB_I(1), DB_S("x")) */
#define DB_ARGS(...) ((const db_val[]){__VA_ARGS__}), \
	((int)(sizeof((db_val[]){__VA_ARGS__}) / sizeof(db_val)))
#define db_execv(d, sql, ...) db_exec((d), (sql), DB_ARGS(__VA_ARGS__), NULL, NULL)
#define db_queryv(d, out, sql, ...) db_query((d), (sql), DB_ARGS(__VA_ARGS__), (out))

/* Transactions. db_begin fails if one is already open. Inside a transaction nothing
 * reconnects: when the connection goes, every later statement and the COMMIT fail (the server
 * rolled the transaction back) until db_rollback ends it. db_commit sends COMMIT once on the
 * transaction's connection; Z_ERR when it failed or its answer was lost (then
 * db_take_commit_unknown is true: it may have been applied or not, so the caller reports
 * "not saved, check and retry" and keeps whatever lets the user apply it again). */
int db_begin(db *d);
int db_commit(db *d);
int db_rollback(db *d);
/* True once after a COMMIT whose outcome is unknown; cleared by reading and by db_begin. */
bool db_take_commit_unknown(db *d);
bool db_in_transaction(const db *d);
/* Counts the connections this handle has made: a change means the connection was lost and
 * made again, and with it every session state (GET_LOCK locks, variables) is gone. */
unsigned long db_generation(const db *d);

/* The server's error of the last failed call (0 if none), and its text. */
unsigned int db_errno(const db *d);
const char *db_error(const db *d);
/* True for deadlock (1213), lock wait timeout (1205) and a missed AUTO-INC lock (1467):
 * retry the whole transaction. */
bool db_retryable(const db *d);
/* True when the server could not be reached (the web answers 503). */
bool db_unavailable(const db *d);

/* Runs every sql/NNN_*.sql in dir not yet recorded in schema_version, in order. */
int db_migrate(db *d, const char *dir);

#endif
