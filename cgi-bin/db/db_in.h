/* db_in: long IN lists run in batches. A statement binds at most 1024 values (db.c), and a
 * merchant may check a thousand rows or more: callers cut their id lists with db_in_each and
 * build each statement's list with db_in_placeholders. */
#ifndef ZAIKO_DB_IN_H
#define ZAIKO_DB_IN_H

#include "core/buf.h"
#include "db/db.h"

/* Ids bound in one statement's IN list: well below the bind limit, so a statement may bind a
 * few values of its own beside them. */
#define DB_IN_BATCH 500

/* Appends "?,?,…,?" (n placeholders, n ≥ 1) to sql. Z_OK or Z_NOMEM. */
int db_in_placeholders(buf *sql, int n);

/* Calls fn(slice, k, ctx) for consecutive slices of ids[0..n), each of at most DB_IN_BATCH
 * ids, in order; stops at and returns the first result other than Z_OK. Z_OK for n = 0
 * (fn is not called). */
int db_in_each(const long long *ids, int n,
               int (*fn)(const long long *slice, int k, void *ctx), void *ctx);

/* db_query over an IN list that may be long: head + "(?,…)" + tail is run per slice of ids
 * and the rows are appended to one result, in slice order (an ORDER BY in tail orders rows
 * within a slice only). fixed[0..nfixed) are bound before the ids (placeholders in head).
 * *out (free with db_res_free) on Z_OK; Z_ERR or Z_NOMEM otherwise. */
int db_query_in(db *d, const char *head, const char *tail, const db_val *fixed, int nfixed,
                const long long *ids, int n, db_res **out);

#endif
