/* db_in: IN lists of any length, run DB_IN_BATCH ids at a time. */
#include <stdlib.h>
#include <string.h>
#include "db/db_in.h"

int db_in_placeholders(buf *sql, int n)
{
	for (int i = 0; i < n; i++)
		if (buf_puts(sql, i ? ",?" : "?") != Z_OK)
			return Z_NOMEM;
	return Z_OK;
}

int db_in_each(const long long *ids, int n,
               int (*fn)(const long long *slice, int k, void *ctx), void *ctx)
{
	for (int off = 0; off < n; off += DB_IN_BATCH) {
		int k = n - off < DB_IN_BATCH ? n - off : DB_IN_BATCH;
		int rc = fn(ids + off, k, ctx);
		if (rc != Z_OK)
			return rc;
	}
	return Z_OK;
}

/* Moves the rows of part to the end of all (same columns); part is freed. */
static int append_rows(db_res *all, db_res *part)
{
	size_t have = (size_t)all->nrows * (size_t)all->ncols;
	size_t add = (size_t)part->nrows * (size_t)part->ncols;
	char **cells = realloc(all->cells, (have + add + 1) * sizeof(*cells));
	if (!cells)
		return Z_NOMEM;
	all->cells = cells;
	unsigned long *lens = realloc(all->lens, (have + add + 1) * sizeof(*lens));
	if (!lens)
		return Z_NOMEM;
	all->lens = lens;
	memcpy(all->cells + have, part->cells, add * sizeof(*cells));
	memcpy(all->lens + have, part->lens, add * sizeof(*lens));
	all->nrows += part->nrows;
	/* The cells now belong to all. */
	memset(part->cells, 0, add * sizeof(*cells));
	db_res_free(part);
	return Z_OK;
}

struct query_in {
	db *d;
	const char *head, *tail;
	const db_val *fixed;
	int nfixed;
	db_res *all;
};

static int query_slice(const long long *slice, int k, void *ctx)
{
	struct query_in *q = ctx;
	buf sql = BUF_INIT;
	db_val *vals = calloc((size_t)(q->nfixed + k), sizeof(*vals));
	db_res *part = NULL;
	int rc = vals ? Z_OK : Z_NOMEM;
	if (rc == Z_OK && (buf_puts(&sql, q->head) != Z_OK || buf_puts(&sql, "(") != Z_OK ||
	                   db_in_placeholders(&sql, k) != Z_OK || buf_puts(&sql, ")") != Z_OK ||
	                   buf_puts(&sql, q->tail) != Z_OK))
		rc = Z_NOMEM;
	if (rc == Z_OK) {
		memcpy(vals, q->fixed, sizeof(*vals) * (size_t)q->nfixed);
		for (int i = 0; i < k; i++)
			vals[q->nfixed + i] = DB_I(slice[i]);
		rc = db_query(q->d, buf_str(&sql), vals, q->nfixed + k, &part);
	}
	if (rc == Z_OK) {
		if (!q->all)
			q->all = part;
		else if ((rc = append_rows(q->all, part)) != Z_OK)
			db_res_free(part);
	}
	free(vals);
	buf_free(&sql);
	return rc;
}

int db_query_in(db *d, const char *head, const char *tail, const db_val *fixed, int nfixed,
                const long long *ids, int n, db_res **out)
{
	*out = NULL;
	struct query_in q = {d, head, tail ? tail : "", fixed, nfixed, NULL};
	int rc;
	if (n == 0) {
		/* No ids: the statement's columns with no rows. */
		buf sql = BUF_INIT;
		rc = buf_puts(&sql, head) == Z_OK && buf_puts(&sql, "(NULL)") == Z_OK &&
		             buf_puts(&sql, q.tail) == Z_OK
		         ? db_query(d, buf_str(&sql), fixed, nfixed, out)
		         : Z_NOMEM;
		buf_free(&sql);
		return rc;
	}
	rc = db_in_each(ids, n, query_slice, &q);
	if (rc != Z_OK) {
		db_res_free(q.all);
		return rc;
	}
	*out = q.all;
	return Z_OK;
}
