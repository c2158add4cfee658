/* stock_core: totals and their moves, SKUs, sets, available stock, errors, search documents,
 * and the transaction helper the other stock files share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/smsg.h"
#include "core/utf8.h"
#include "core/log.h"
#include "core/secret.h"
#include "stock/stock.h"
#include "stock/stock_int.h"

#define TX_ATTEMPTS 8
#define SEARCH_DOC_MAX 3000
#define SET_MAX_PARTS 100

/* ---- idset ---- */

int idset_add(idset *s, long long id)
{
	if (id <= 0 || idset_has(s, id))
		return Z_OK;
	if (array_reserve(&s->v, &s->cap, s->n + 1, sizeof(*s->v)) != Z_OK)
		return Z_NOMEM;
	s->v[s->n++] = id;
	hmap_put(&s->index, &id, sizeof(id), 1);
	return Z_OK;
}

bool idset_has(const idset *s, long long id)
{
	return hmap_get(&s->index, &id, sizeof(id)) != HMAP_NONE;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

void idset_sort(idset *s)
{
	if (s->n > 1)
		qsort(s->v, (size_t)s->n, sizeof(*s->v), cmp_ll);
}

void idset_free(idset *s)
{
	free(s->v);
	hmap_free(&s->index);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* ---- transactions ---- */

static void backoff_sleep(int attempt)
{
	unsigned char r = 0;
	secret_random(&r, 1);
	long ms = (long)(1 + r % 8) * (attempt + 1);
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int stock_tx(db *d, int (*fn)(db *d, void *ctx), void *ctx)
{
	if (db_in_transaction(d))
		return fn(d, ctx);
	int rc = Z_ERR;
	for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
		if (db_begin(d) != Z_OK)
			return Z_ERR;
		rc = fn(d, ctx);
		if (rc == Z_OK) {
			if (db_commit(d) == Z_OK)
				return Z_OK;
			rc = Z_ERR;
		}
		bool retry = db_retryable(d);
		db_rollback(d);
		if (!retry)
			return rc;
		backoff_sleep(attempt);
	}
	log_warn("stock: transaction gave up after %d deadlocks", TX_ATTEMPTS);
	return rc;
}

/* ---- errors ---- */

static int verror(db *d, int level, const char *kind, long long shop_id, long long sku_id,
                  long long listing_id, const char *dedupe, const char *smsg, const char *fmt,
                  va_list ap) Z_PRINTF(9, 0);

int stock_error(db *d, int level, const char *kind, long long shop_id, long long sku_id,
                long long listing_id, const char *dedupe, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = verror(d, level, kind, shop_id, sku_id, listing_id, dedupe, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int stock_error_m(db *d, int level, const char *kind, long long shop_id, long long sku_id,
                  long long listing_id, const char *dedupe, const char *msg, const char *fmt,
                  ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = verror(d, level, kind, shop_id, sku_id, listing_id, dedupe, msg, fmt, ap);
	va_end(ap);
	return rc;
}

int stock_error_k(db *d, int level, const char *kind, long long shop_id, long long sku_id,
                  long long listing_id, const char *dedupe, const char *key, const char *fmt,
                  ...)
{
	buf m = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	/* A format smsg cannot take leaves the row its Japanese text alone (m stays empty). */
	int rc = smsg_vkeyf(&m, key, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	rc = verror(d, level, kind, shop_id, sku_id, listing_id, dedupe,
	            rc == Z_OK && m.len ? buf_str(&m) : NULL, fmt, ap);
	va_end(ap);
	buf_free(&m);
	return rc;
}

static int verror(db *d, int level, const char *kind, long long shop_id, long long sku_id,
                  long long listing_id, const char *dedupe, const char *smsg, const char *fmt,
                  va_list ap)
{
	char msg[1001];
	int len = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (smsg && (!smsg_storable(smsg) || utf8_count(smsg, strlen(smsg)) > 2000))
		smsg = NULL;
	if (len < 0)
		return Z_ERR;
	size_t n = utf8_prefix(msg, strlen(msg), 1000);
	msg[n] = '\0';
	char key[200];
	const char *dk = dedupe;
	if (dedupe && strlen(dedupe) > 190) {
		unsigned char h[32];
		secret_sha256(dedupe, strlen(dedupe), h);
		memcpy(key, "h:", 2);
		secret_hex(h, sizeof(h), key + 2);
		dk = key;
	}
	db_val p[] = {DB_I(level), DB_S(kind), shop_id ? DB_I(shop_id) : DB_NUL,
	              sku_id ? DB_I(sku_id) : DB_NUL, listing_id ? DB_I(listing_id) : DB_NUL,
	              DB_S(msg), DB_SOPT(smsg), DB_SOPT(dk)};
	return db_exec(d,
	               "INSERT INTO error_log (level, kind, shop_id, sku_id, listing_id, message, "
	               "message_msg, dedupe, created_at, updated_at) "
	               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP()) "
	               "ON DUPLICATE KEY UPDATE repeat_count = repeat_count + 1, "
	               "updated_at = UTC_TIMESTAMP(), message = VALUES(message), "
	               "message_msg = VALUES(message_msg), level = VALUES(level)",
	               p, (int)Z_ARRAY_LEN(p), NULL, NULL);
}

/* ---- moves ---- */

static const char *const reasons[] = {"initial", "order", "cancel", "manual", "csv", "set"};

static bool known_reason(const char *r)
{
	for (size_t i = 0; r && i < Z_ARRAY_LEN(reasons); i++)
		if (!strcmp(r, reasons[i]))
			return true;
	return false;
}

int stock_move_locked(db *d, long long sku_id, long long delta, const char *reason,
                      const char *ref, long long user_id, long long *total_after)
{
	db_res *r = NULL;
	int rc = db_queryv(d, &r, "SELECT total FROM sku WHERE id = ? FOR UPDATE", DB_I(sku_id));
	if (rc != Z_OK)
		return rc;
	if (r->nrows == 0) {
		db_res_free(r);
		return Z_NOTFOUND;
	}
	long long total = db_get_ll(r, 0, 0, 0), after;
	db_res_free(r);
	if (!known_reason(reason) || stock_check_delta(total, delta, &after) != Z_OK)
		return Z_INVALID;
	if (total_after)
		*total_after = after;
	if (delta == 0)
		return Z_OK;
	char refbuf[256];
	size_t n = utf8_prefix(ref ? ref : "", strlen(ref ? ref : ""), 255);
	memcpy(refbuf, ref ? ref : "", n);
	refbuf[n] = '\0';
	rc = db_execv(d, "UPDATE sku SET total = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
	              DB_I(after), DB_I(sku_id));
	if (rc != Z_OK)
		return rc;
	return db_execv(d,
	                "INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, user_id, "
	                "created_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
	                DB_I(sku_id), DB_I(delta), DB_I(after), DB_S(reason), DB_S(refbuf),
	                user_id ? DB_I(user_id) : DB_NUL);
}

struct total_ctx {
	long long sku_id, value, expected_old, user_id;
	bool absolute, check_old; /* check_old: refuse when the total is not expected_old */
	const char *reason, *ref;
	long long after;
};

static int total_tx(db *d, void *vctx)
{
	struct total_ctx *c = vctx;
	db_res *r = NULL;
	int rc = db_queryv(d, &r, "SELECT total, is_set FROM sku WHERE id = ? FOR UPDATE",
	                   DB_I(c->sku_id));
	if (rc != Z_OK)
		return rc;
	if (r->nrows == 0) {
		db_res_free(r);
		return Z_NOTFOUND;
	}
	long long total = db_get_ll(r, 0, 0, 0);
	bool is_set = db_get_ll(r, 0, 1, 0) != 0;
	db_res_free(r);
	c->after = total;
	if (is_set)
		return Z_INVALID;
	long long delta = c->value;
	if (c->absolute) {
		if (c->check_old && c->expected_old != total)
			return Z_CONFLICT;
		if (c->value < -STOCK_QTY_MAX || c->value > STOCK_QTY_MAX)
			return Z_INVALID;
		delta = c->value - total;
	}
	rc = stock_move_locked(d, c->sku_id, delta, c->reason, c->ref, c->user_id, &c->after);
	if (rc != Z_OK || delta == 0)
		return rc;
	return stock_requeue_skus(d, &c->sku_id, 1);
}

static int run_total(db *d, struct total_ctx *c, long long *total_after)
{
	if (!known_reason(c->reason))
		return Z_INVALID;
	if (!c->absolute && (c->value < -STOCK_QTY_MAX || c->value > STOCK_QTY_MAX))
		return Z_INVALID;
	int rc = stock_tx(d, total_tx, c);
	if (total_after && (rc == Z_OK || rc == Z_CONFLICT))
		*total_after = c->after;
	return rc;
}

int stock_change_total(db *d, long long sku_id, long long delta, const char *reason,
                       const char *ref, long long user_id, long long *total_after)
{
	struct total_ctx c = {sku_id, delta, 0, user_id, false, false, reason, ref, 0};
	return run_total(d, &c, total_after);
}

int stock_set_total(db *d, long long sku_id, long long new_total, const long long *expected_old,
                    const char *reason, const char *ref, long long user_id,
                    long long *total_after)
{
	struct total_ctx c = {sku_id, new_total, expected_old ? *expected_old : 0, user_id, true,
	                      expected_old != NULL, reason, ref, 0};
	return run_total(d, &c, total_after);
}

/* ---- SKUs ---- */

static bool valid_code(const char *code)
{
	size_t chars = 0;
	if (!code || !*code)
		return false;
	for (const unsigned char *p = (const unsigned char *)code; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return false;
		if ((*p & 0xC0) != 0x80)
			chars++;
	}
	return chars <= 128 && code[0] != ' ' && code[strlen(code) - 1] != ' ';
}

struct create_ctx {
	const char *code, *name;
	long long total, id;
};

static int create_tx(db *d, void *vctx)
{
	struct create_ctx *c = vctx;
	db_res *r = NULL;
	idset touched = {0};
	int rc = db_exec(d, "INSERT INTO sku (code, name, total, updated_at) "
	                    "VALUES (?, ?, 0, UTC_TIMESTAMP())",
	                 DB_ARGS(DB_S(c->code), DB_S(c->name ? c->name : "")), NULL, &c->id);
	if (rc != Z_OK)
		goto out;
	if (c->total && (rc = stock_move_locked(d, c->id, c->total, "initial", "", 0, NULL)) != Z_OK)
		goto out;
	/* Listings of every shop already carrying this code link to it now. */
	if ((rc = db_query(d, "SELECT id FROM shop ORDER BY id", NULL, 0, &r)) != Z_OK)
		goto out;
	for (int i = 0; i < r->nrows; i++) {
		long long shop_id = db_get_ll(r, i, 0, 0), affected = 0;
		db_val p[] = {DB_I(c->id), DB_I(shop_id), DB_S(c->code)};
		rc = db_exec(d, "UPDATE listing SET sku_id = ? WHERE shop_id = ? AND sku_code = ? "
		                "AND link_mode = 'code' AND sku_id IS NULL",
		             p, 3, &affected, NULL);
		if (rc == Z_OK && affected > 0)
			rc = stock_check_duplicate_sku(d, shop_id, c->id, &touched);
		if (rc != Z_OK)
			goto out;
	}
	if ((rc = stock_refresh_search_doc(d, c->id)) != Z_OK)
		goto out;
	if ((rc = idset_add(&touched, c->id)) != Z_OK)
		goto out;
	rc = stock_requeue_skus(d, touched.v, touched.n);
out:
	db_res_free(r);
	idset_free(&touched);
	return rc;
}

int stock_sku_create(db *d, const char *code, const char *name, long long total,
                     long long *sku_id)
{
	if (!valid_code(code) || total < -STOCK_QTY_MAX || total > STOCK_QTY_MAX)
		return Z_INVALID;
	struct create_ctx c = {code, name, total, 0};
	int rc = stock_tx(d, create_tx, &c);
	if (rc == Z_OK && sku_id)
		*sku_id = c.id;
	return rc;
}

/* ---- available stock and sets ---- */

static int available_rec(db *d, long long sku_id, int depth, long long *out, bool *is_set,
                         buf *why, buf *msg)
{
	db_res *r = NULL, *parts = NULL;
	long long *avail = NULL;
	int *qty = NULL;
	int rc = db_queryv(d, &r, "SELECT total, is_set FROM sku WHERE id = ?", DB_I(sku_id));
	if (rc != Z_OK)
		goto out;
	if (r->nrows == 0) {
		rc = Z_NOTFOUND;
		goto out;
	}
	bool set = db_get_ll(r, 0, 1, 0) != 0;
	if (is_set)
		*is_set = set;
	if (!set) {
		*out = db_get_ll(r, 0, 0, 0);
		goto out;
	}
	if (depth > STOCK_SET_MAX_DEPTH) {
		/* A cycle slipped in (set_define refuses them): sell nothing rather than loop. */
		log_error("stock: set %lld nests too deep", sku_id);
		*out = 0;
		goto out;
	}
	rc = db_queryv(d, &parts,
	               "SELECT sp.part_sku_id, sp.quantity, s.code, s.reserve FROM set_part sp "
	               "JOIN sku s ON s.id = sp.part_sku_id WHERE sp.set_sku_id = ? ORDER BY s.code",
	               DB_I(sku_id));
	if (rc != Z_OK)
		goto out;
	int n = parts->nrows;
	avail = calloc((size_t)(n ? n : 1), sizeof(*avail));
	qty = calloc((size_t)(n ? n : 1), sizeof(*qty));
	if (!avail || !qty) {
		rc = Z_NOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		qty[i] = (int)db_get_ll(parts, i, 1, 1);
		rc = available_rec(d, db_get_ll(parts, i, 0, 0), depth + 1, &avail[i], NULL, NULL,
		                   NULL);
		if (rc != Z_OK)
			goto out;
		/* A part's 確保在庫 is kept back from every shop, through its sets too. */
		avail[i] -= db_get_ll(parts, i, 3, 0);
	}
	if (stock_set_available_calc(avail, qty, n, out) != Z_OK)
		*out = 0;
	if (why) {
		buf_puts(why, "セット: min(");
		for (int i = 0; i < n; i++)
			buf_printf(why, "%s%s %lld/%d%s%s%s", i ? ", " : "", db_get(parts, i, 2), avail[i],
			           qty[i], db_get_ll(parts, i, 3, 0) ? " (確保 " : "",
			           db_get_ll(parts, i, 3, 0) ? db_get(parts, i, 3) : "",
			           db_get_ll(parts, i, 3, 0) ? ")" : "");
		buf_printf(why, ") = %lld", *out);
	}
	if (msg) { /* the same as stored keys (core/smsg.h), rendering in Japanese to why */
		smsg_key(msg, "msg.push.set_open");
		for (int i = 0; i < n; i++) {
			if (i)
				smsg_lit(msg, ", ");
			bool kept = db_get_ll(parts, i, 3, 0) != 0;
			smsg_key(msg, kept ? "msg.push.set_part_reserve" : "msg.push.set_part");
			smsg_arg(msg, db_get(parts, i, 2));
			smsg_argll(msg, avail[i]);
			smsg_argll(msg, qty[i]);
			if (kept)
				smsg_arg(msg, db_get(parts, i, 3));
		}
		smsg_key(msg, ""); /* a literal: ") = 3" */
		smsg_argf(msg, ") = %lld", *out);
	}
out:
	free(avail);
	free(qty);
	db_res_free(parts);
	db_res_free(r);
	return rc;
}

int stock_available_why(db *d, long long sku_id, long long *out, bool *is_set, buf *why,
                        buf *msg)
{
	return available_rec(d, sku_id, 0, out, is_set, why, msg);
}

int stock_available(db *d, long long sku_id, long long *out)
{
	return available_rec(d, sku_id, 0, out, NULL, NULL, NULL);
}

/* Height of the set tree below sku (up: of the chain of sets above it), 0 when it has no
 * parts (up: no set contains it); Z_CONFLICT when target (0: none) is met on the way. */
static int set_height(db *d, long long sku_id, bool up, long long target, int depth,
                      int *height)
{
	static const char *const next_sql[] = {
		"SELECT part_sku_id FROM set_part WHERE set_sku_id = ?",
		"SELECT set_sku_id FROM set_part WHERE part_sku_id = ?",
	};
	db_res *r = NULL;
	*height = 0;
	if (target && sku_id == target)
		return Z_CONFLICT;
	if (depth > STOCK_SET_MAX_DEPTH + 1) {
		*height = depth;
		return Z_OK;
	}
	int rc = db_queryv(d, &r, next_sql[up], DB_I(sku_id));
	if (rc != Z_OK)
		return rc;
	for (int i = 0; i < r->nrows && rc == Z_OK; i++) {
		int h = 0;
		rc = set_height(d, db_get_ll(r, i, 0, 0), up, target, depth + 1, &h);
		if (h + 1 > *height)
			*height = h + 1;
	}
	db_res_free(r);
	return rc;
}

struct set_ctx {
	long long set_id;
	const stock_set_part *parts;
	int n;
	const char *why;
};

static int set_define_tx(db *d, void *vctx)
{
	struct set_ctx *c = vctx;
	long long found = 0;
	int rc = db_query_ll(d, "SELECT id FROM sku WHERE id = ? FOR UPDATE",
	                     DB_ARGS(DB_I(c->set_id)), 0, &found);
	if (rc != Z_OK)
		return rc;
	if (!found)
		return Z_NOTFOUND;
	int below = 0, above = 0;
	for (int i = 0; i < c->n; i++) {
		found = 0;
		rc = db_query_ll(d, "SELECT id FROM sku WHERE id = ?",
		                 DB_ARGS(DB_I(c->parts[i].part_sku_id)), 0, &found);
		if (rc != Z_OK)
			return rc;
		if (!found) {
			c->why = "msg.set_define.part_missing";
			return Z_INVALID;
		}
		int h = 0;
		rc = set_height(d, c->parts[i].part_sku_id, false, c->set_id, 0, &h);
		if (rc == Z_CONFLICT) {
			c->why = "msg.set_define.cycle";
			return Z_INVALID;
		}
		if (rc != Z_OK)
			return rc;
		if (h > below)
			below = h;
	}
	if ((rc = set_height(d, c->set_id, true, 0, 0, &above)) != Z_OK)
		return rc;
	if (c->n > 0 && below + 1 + above > STOCK_SET_MAX_DEPTH) {
		c->why = "msg.set_define.too_deep";
		return Z_INVALID;
	}
	if ((rc = db_execv(d, "DELETE FROM set_part WHERE set_sku_id = ?", DB_I(c->set_id))) != Z_OK)
		return rc;
	for (int i = 0; i < c->n; i++) {
		rc = db_execv(d, "INSERT INTO set_part (set_sku_id, part_sku_id, quantity) "
		                 "VALUES (?, ?, ?)",
		              DB_I(c->set_id), DB_I(c->parts[i].part_sku_id),
		              DB_I(c->parts[i].quantity));
		if (rc != Z_OK)
			return rc;
	}
	rc = db_execv(d, "UPDATE sku SET is_set = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
	              DB_I(c->n > 0), DB_I(c->set_id));
	if (rc != Z_OK)
		return rc;
	return stock_requeue_skus(d, &c->set_id, 1);
}

int stock_set_define(db *d, long long set_sku_id, const stock_set_part *parts, int n,
                     const char **why)
{
	*why = NULL;
	if (n < 0 || n > SET_MAX_PARTS) {
		*why = "msg.set_define.too_many";
		return Z_INVALID;
	}
	for (int i = 0; i < n; i++) {
		if (parts[i].part_sku_id == set_sku_id) {
			*why = "msg.set_define.self";
			return Z_INVALID;
		}
		if (parts[i].quantity <= 0 || parts[i].quantity > STOCK_PART_QTY_MAX) {
			*why = "msg.set_define.quantity";
			return Z_INVALID;
		}
		for (int j = 0; j < i; j++)
			if (parts[j].part_sku_id == parts[i].part_sku_id) {
				*why = "msg.set_define.twice";
				return Z_INVALID;
			}
	}
	struct set_ctx c = {set_sku_id, parts, n, NULL};
	int rc = stock_tx(d, set_define_tx, &c);
	*why = c.why;
	if (rc == Z_NOTFOUND)
		*why = "msg.set_define.set_missing";
	return rc;
}

/* ---- search documents ---- */

int stock_doc_append(buf *doc, const char *text)
{
	size_t before = doc->len;
	if (before && buf_putc(doc, ' ') != Z_OK)
		return Z_NOMEM;
	if (stock_search_normalize(text ? text : "", doc) != Z_OK)
		return Z_NOMEM;
	if (before && doc->len == before + 1) {
		doc->len = before;
		doc->data[before] = '\0';
	}
	return Z_OK;
}

int stock_refresh_search_doc(db *d, long long sku_id)
{
	db_res *s = NULL, *l = NULL;
	buf doc = BUF_INIT;
	int rc = db_queryv(d, &s, "SELECT code, name FROM sku WHERE id = ?", DB_I(sku_id));
	if (rc != Z_OK)
		goto out;
	if (s->nrows == 0) {
		rc = Z_NOTFOUND;
		goto out;
	}
	rc = db_queryv(d, &l,
	               "SELECT item_code, sub_code, sku_code, name FROM listing WHERE sku_id = ? "
	               "ORDER BY id LIMIT 100",
	               DB_I(sku_id));
	if (rc != Z_OK)
		goto out;
	rc = stock_doc_append(&doc, db_get(s, 0, 0));
	if (rc == Z_OK)
		rc = stock_doc_append(&doc, db_get(s, 0, 1));
	for (int i = 0; i < l->nrows && rc == Z_OK && doc.len < SEARCH_DOC_MAX; i++)
		for (int c = 0; c < 4 && rc == Z_OK; c++)
			rc = stock_doc_append(&doc, db_get(l, i, c));
	if (rc != Z_OK)
		goto out;
	size_t n = utf8_prefix(buf_str(&doc), doc.len, SEARCH_DOC_MAX);
	rc = db_execv(d, "UPDATE sku SET search_doc = ? WHERE id = ?", DB_SN(buf_str(&doc), n),
	              DB_I(sku_id));
out:
	buf_free(&doc);
	db_res_free(l);
	db_res_free(s);
	return rc;
}

/* ---- drift ---- */

int stock_drift_count(db *d, long long *out)
{
	return db_query_ll(d, "SELECT COUNT(*) FROM sku WHERE drift = 1", NULL, 0, 0, out);
}

int stock_drift_page(db *d, const char *after_code, int limit, db_res **out)
{
	if (limit < 1 || limit > 1000)
		return Z_INVALID;
	return db_queryv(d, out,
	                 "SELECT id, code, name, total FROM sku WHERE drift = 1 AND code > ? "
	                 "ORDER BY code LIMIT ?",
	                 DB_S(after_code ? after_code : ""), DB_I(limit));
}
