/* stock_order: applying fetched orders to stock, exactly once per line however often they
 * are fetched; cancellations return what was taken; sets move their parts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/log.h"
#include "core/utf8.h"
#include "stock/stock.h"
#include "stock/stock_int.h"

/* One stock move planned by an order, applied after all lines are read, in SKU order. */
typedef struct {
	long long sku_id, delta;
	const char *reason;
	char ref[256];
} planned_move;

typedef struct {
	planned_move *v;
	int n, cap;
} move_list;

struct order_ctx {
	long long shop_id;
	const stock_order *o;
	stock_order_result res;
	move_list moves;
};

static int plan(move_list *m, long long sku_id, long long delta, const char *reason,
                const char *ref)
{
	if (delta == 0)
		return Z_OK;
	if (array_reserve(&m->v, &m->cap, m->n + 1, sizeof(*m->v)) != Z_OK)
		return Z_NOMEM;
	planned_move *p = &m->v[m->n++];
	p->sku_id = sku_id;
	p->delta = delta;
	p->reason = reason;
	snprintf(p->ref, sizeof(p->ref), "%s", ref);
	return Z_OK;
}

static int cmp_move(const void *a, const void *b)
{
	const planned_move *x = a, *y = b;
	return (x->sku_id > y->sku_id) - (x->sku_id < y->sku_id);
}

/* Plans the moves of selling delta of a set: each part by delta × its quantity; parts that
 * are sets themselves pass it down. */
static int plan_set(db *d, move_list *m, long long set_id, const char *set_code,
                    long long delta, const char *order_no, int depth)
{
	db_res *r = NULL;
	if (depth > STOCK_SET_MAX_DEPTH)
		return Z_INVALID;
	int rc = db_queryv(d, &r,
	                   "SELECT sp.part_sku_id, sp.quantity, s.is_set, s.code FROM set_part sp "
	                   "JOIN sku s ON s.id = sp.part_sku_id WHERE sp.set_sku_id = ?",
	                   DB_I(set_id));
	if (rc != Z_OK)
		return rc;
	char ref[256];
	snprintf(ref, sizeof(ref), "set %s order %s", set_code, order_no);
	for (int i = 0; rc == Z_OK && i < r->nrows; i++) {
		long long part = db_get_ll(r, i, 0, 0), q = db_get_ll(r, i, 1, 1);
		long long pd = delta * q; /* |delta| ≤ 1e9, q ≤ 1e6: fits; bounds checked later */
		if (db_get_ll(r, i, 2, 0))
			rc = plan_set(d, m, part, set_code, pd, order_no, depth + 1);
		else
			rc = plan(m, part, pd, "set", ref);
	}
	db_res_free(r);
	return rc;
}

/* Finds the SKU a line sells: the listing by item and sub code, else by SKU code. */
static int resolve_line(db *d, long long shop_id, const stock_order_line *ln,
                        long long *listing_id, long long *sku_id)
{
	db_res *r = NULL;
	*listing_id = *sku_id = 0;
	int rc = db_queryv(d, &r,
	                   "SELECT id, sku_id FROM listing WHERE shop_id = ? AND item_code = ? "
	                   "AND sub_code = ?",
	                   DB_I(shop_id), DB_S(ln->item_code ? ln->item_code : ""),
	                   DB_S(ln->sub_code ? ln->sub_code : ""));
	if (rc != Z_OK)
		return rc;
	if (r->nrows) {
		*listing_id = db_get_ll(r, 0, 0, 0);
		*sku_id = db_get_ll(r, 0, 1, 0);
	}
	db_res_free(r);
	r = NULL;
	if (*sku_id > 0 || !ln->sku_code || !*ln->sku_code)
		return Z_OK;
	rc = db_queryv(d, &r,
	               "SELECT id, sku_id FROM listing WHERE shop_id = ? AND sku_code = ? "
	               "AND sku_id IS NOT NULL ORDER BY id LIMIT 1",
	               DB_I(shop_id), DB_S(ln->sku_code));
	if (rc == Z_OK && r->nrows) {
		*listing_id = db_get_ll(r, 0, 0, 0);
		*sku_id = db_get_ll(r, 0, 1, 0);
	}
	db_res_free(r);
	return rc;
}

static void format_time(time_t t, char *out, size_t size)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static int apply_line(db *d, struct order_ctx *c, long long order_id, bool before_cursor,
                      const stock_order_line *ln)
{
	db_res *r = NULL;
	const stock_order *o = c->o;
	int rc = db_queryv(d, &r,
	                   "SELECT id, applied, sku_id, listing_id FROM mall_order_line "
	                   "WHERE order_id = ? AND line_key = ? FOR UPDATE",
	                   DB_I(order_id), DB_S(ln->line_key));
	if (rc != Z_OK)
		return rc;
	bool exists = r->nrows > 0;
	long long line_id = db_get_ll(r, 0, 0, 0), applied = db_get_ll(r, 0, 1, 0);
	long long sku_id = db_get_ll(r, 0, 2, 0), listing_id = db_get_ll(r, 0, 3, 0);
	db_res_free(r);
	r = NULL;
	bool cancelled = o->cancelled || ln->cancelled;
	/* The cursor decides only for lines that never moved stock: a later 初期受注取得 does not
	 * give back what earlier orders took. */
	long long desired = cancelled ? 0 : ln->quantity;
	/* What was taken goes back to the SKU it was taken from, even if the link changed. */
	if (applied == 0 && (rc = resolve_line(d, c->shop_id, ln, &listing_id, &sku_id)) != Z_OK)
		return rc;
	const char *state;
	long long delta = 0;
	if (before_cursor && applied == 0) {
		state = "before_cursor";
	} else if (sku_id <= 0 && applied == 0) {
		state = desired > 0 ? "unlinked" : (cancelled ? "cancelled" : "new");
		desired = 0;
	} else {
		delta = desired - applied;
		state = desired > 0 ? "applied" : (cancelled ? "cancelled" : "new");
	}
	if (!exists)
		c->res.new_lines++;
	if (delta != 0) {
		db_res *s = NULL;
		c->res.changed_lines++;
		rc = db_queryv(d, &s, "SELECT is_set, code FROM sku WHERE id = ?", DB_I(sku_id));
		if (rc != Z_OK)
			return rc;
		bool is_set = s->nrows && db_get_ll(s, 0, 0, 0);
		char code[200];
		snprintf(code, sizeof(code), "%s", s->nrows ? db_get(s, 0, 1) : "");
		db_res_free(s);
		/* Stock goes down by what is taken: a sale is a negative move. */
		if (is_set)
			rc = plan_set(d, &c->moves, sku_id, code, -delta, o->order_no, 0);
		else
			rc = plan(&c->moves, sku_id, -delta, delta > 0 ? "order" : "cancel", o->order_no);
		if (rc != Z_OK)
			return rc;
	}
	if (!strcmp(state, "unlinked")) {
		c->res.unlinked_lines++;
		char key[400];
		snprintf(key, sizeof(key), "unlinked:%lld:%s:%s:%s", c->shop_id,
		         ln->item_code ? ln->item_code : "", ln->sub_code ? ln->sub_code : "",
		         ln->sku_code ? ln->sku_code : "");
		rc = stock_error_k(d, 8, "unlinked", c->shop_id, 0, listing_id, key,
		                   "msg.stock_error.unlinked",
		                   "SKUが紐づいていない商品の受注がありました (在庫は変わりません): "
		                   "注文 %s 商品コード %s%s%s SKU %s",
		                   o->order_no, ln->item_code ? ln->item_code : "",
		                   ln->sub_code && *ln->sub_code ? " / " : "",
		                   ln->sub_code ? ln->sub_code : "", ln->sku_code ? ln->sku_code : "");
		if (rc != Z_OK)
			return rc;
	}
	if (!strcmp(state, "before_cursor"))
		c->res.before_cursor_lines++;
	db_val p[] = {DB_I(order_id), DB_S(ln->line_key), DB_S(ln->item_code ? ln->item_code : ""),
	              DB_S(ln->sub_code ? ln->sub_code : ""), DB_S(ln->sku_code ? ln->sku_code : ""),
	              DB_I(ln->quantity), DB_I(ln->cancelled), listing_id ? DB_I(listing_id) : DB_NUL,
	              sku_id > 0 ? DB_I(sku_id) : DB_NUL, DB_I(applied + delta), DB_S(state)};
	if (exists) {
		db_val q[] = {p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], DB_I(line_id)};
		return db_exec(d,
		               "UPDATE mall_order_line SET item_code = ?, sub_code = ?, sku_code = ?, "
		               "quantity = ?, cancelled = ?, listing_id = ?, sku_id = ?, applied = ?, "
		               "state = ? WHERE id = ?",
		               q, (int)Z_ARRAY_LEN(q), NULL, NULL);
	}
	return db_exec(d,
	               "INSERT INTO mall_order_line (order_id, line_key, item_code, sub_code, "
	               "sku_code, quantity, cancelled, listing_id, sku_id, applied, state) "
	               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	               p, (int)Z_ARRAY_LEN(p), NULL, NULL);
}

static int order_tx(db *d, void *vctx)
{
	struct order_ctx *c = vctx;
	const stock_order *o = c->o;
	db_res *r = NULL;
	idset touched = {0};
	memset(&c->res, 0, sizeof(c->res));
	c->moves.n = 0;
	char ordered[32] = "", updated[32] = "";
	if (o->ordered_at)
		format_time(o->ordered_at, ordered, sizeof(ordered));
	if (o->updated_at)
		format_time(o->updated_at, updated, sizeof(updated));
	/* An order of unknown time counts as after the cursor (NULL > … is NULL → 0). An order
	 * placed before orders_purged_before (zaiko-batch purge) counts as before it: its row may
	 * be gone, and fetched again it must not take stock a second time. */
	int rc = db_queryv(d, &r,
	                   "SELECT order_cursor IS NULL, COALESCE(order_cursor > ?, 0) OR "
	                   "COALESCE((SELECT CAST(value AS DATETIME) FROM setting "
	                   "WHERE name = 'orders_purged_before') > ?, 0) FROM shop WHERE id = ?",
	                   o->ordered_at ? DB_S(ordered) : DB_NUL,
	                   o->ordered_at ? DB_S(ordered) : DB_NUL, DB_I(c->shop_id));
	if (rc != Z_OK)
		goto out;
	if (r->nrows == 0) {
		rc = Z_NOTFOUND;
		goto out;
	}
	bool before_cursor = db_get_ll(r, 0, 0, 1) != 0 || db_get_ll(r, 0, 1, 0) != 0;
	long long order_id = 0;
	db_val p[] = {DB_I(c->shop_id), DB_S(o->order_no), DB_S(o->status ? o->status : ""),
	              DB_I(o->cancelled), o->ordered_at ? DB_S(ordered) : DB_NUL,
	              o->updated_at ? DB_S(updated) : DB_NUL};
	/* The upsert locks the order row: two batches feeding one order take turns. */
	rc = db_exec(d,
	             "INSERT INTO mall_order (shop_id, order_no, status, cancelled, ordered_at, "
	             "mall_updated_at, fetched_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP()) "
	             "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), status = VALUES(status), "
	             "cancelled = VALUES(cancelled), ordered_at = VALUES(ordered_at), "
	             "mall_updated_at = VALUES(mall_updated_at), fetched_at = VALUES(fetched_at)",
	             p, (int)Z_ARRAY_LEN(p), NULL, &order_id);
	if (rc != Z_OK)
		goto out;
	for (int i = 0; rc == Z_OK && i < o->nlines; i++)
		rc = apply_line(d, c, order_id, before_cursor, &o->lines[i]);
	if (rc != Z_OK)
		goto out;
	/* Locks in SKU order, so two orders touching the same SKUs cannot deadlock on them. */
	qsort(c->moves.v, (size_t)c->moves.n, sizeof(*c->moves.v), cmp_move);
	for (int i = 0; rc == Z_OK && i < c->moves.n; i++) {
		planned_move *m = &c->moves.v[i];
		rc = stock_move_locked(d, m->sku_id, m->delta, m->reason, m->ref, 0, NULL);
		if (rc == Z_NOTFOUND)
			rc = Z_OK; /* the SKU was deleted: nothing left to move */
		if (rc == Z_OK && !idset_has(&touched, m->sku_id)) {
			rc = idset_add(&touched, m->sku_id);
			c->res.skus_touched++;
		}
	}
	if (rc == Z_OK)
		rc = stock_requeue_skus(d, touched.v, touched.n);
out:
	db_res_free(r);
	idset_free(&touched);
	return rc;
}

/* A mall's text fits its column: NULL (stored as '') or valid UTF-8 of at most max
 * characters. The database would refuse anything else (strict mode), as a failure that
 * stops the fetch every cycle instead of one malformed order set aside. */
static bool text_fits(const char *s, size_t max)
{
	if (!s)
		return true;
	size_t n = strlen(s);
	return utf8_valid_text(s, n) && utf8_count(s, n) <= max;
}

static bool valid_order(const stock_order *o)
{
	if (!o || !o->order_no || !*o->order_no || !text_fits(o->order_no, 64) ||
	    !text_fits(o->status, 32) || o->nlines < 0 || o->nlines > STOCK_ORDER_MAX_LINES ||
	    (o->nlines && !o->lines))
		return false;
	for (int i = 0; i < o->nlines; i++) {
		const stock_order_line *l = &o->lines[i];
		if (!l->line_key || !*l->line_key || !text_fits(l->line_key, 128) ||
		    !text_fits(l->item_code, 128) || !text_fits(l->sub_code, 128) ||
		    !text_fits(l->sku_code, 128) || l->quantity < 0 || l->quantity > STOCK_QTY_MAX)
			return false;
		for (int j = 0; j < i; j++)
			if (!strcmp(o->lines[j].line_key, l->line_key))
				return false;
	}
	return true;
}

int stock_apply_order(db *d, long long shop_id, const stock_order *order,
                      stock_order_result *res)
{
	if (res)
		memset(res, 0, sizeof(*res));
	if (!valid_order(order))
		return Z_INVALID;
	if (db_in_transaction(d)) {
		log_error("stock: stock_apply_order inside a transaction");
		return Z_ERR;
	}
	struct order_ctx c = {shop_id, order, {0}, {0}};
	int rc = stock_tx(d, order_tx, &c);
	free(c.moves.v);
	if (rc == Z_OK && res)
		*res = c.res;
	return rc;
}

struct page_ctx {
	long long shop_id;
	const stock_order *orders;
	int n;
	stock_order_result *res;
	move_list moves;
};

static int page_tx(db *d, void *vctx)
{
	struct page_ctx *p = vctx;
	for (int i = 0; i < p->n; i++) {
		struct order_ctx c = {p->shop_id, &p->orders[i], {0}, p->moves};
		int rc = order_tx(d, &c);
		p->moves = c.moves; /* the buffer is reused from order to order */
		if (rc != Z_OK)
			return rc;
		if (p->res)
			p->res[i] = c.res;
	}
	return Z_OK;
}

int stock_apply_orders(db *d, long long shop_id, const stock_order *orders, int n,
                       stock_order_result *res, int *rcs)
{
	if (n < 0 || n > 1000 || (n && !orders))
		return Z_INVALID;
	if (db_in_transaction(d)) {
		log_error("stock: stock_apply_orders inside a transaction");
		return Z_ERR;
	}
	bool all_valid = true;
	for (int i = 0; i < n; i++) {
		if (res)
			memset(&res[i], 0, sizeof(res[i]));
		if (rcs)
			rcs[i] = Z_OK;
		all_valid = all_valid && valid_order(&orders[i]);
	}
	int rc = Z_ERR;
	if (all_valid) {
		struct page_ctx p = {shop_id, orders, n, res, {0}};
		rc = stock_tx(d, page_tx, &p);
		free(p.moves.v);
		if (rc == Z_OK)
			return Z_OK;
	}
	/* One order spoiled the page: each on its own. */
	int first = Z_OK;
	for (int i = 0; i < n; i++) {
		rc = stock_apply_order(d, shop_id, &orders[i], res ? &res[i] : NULL);
		if (rcs)
			rcs[i] = rc;
		if (rc != Z_OK && first == Z_OK)
			first = rc;
	}
	return first;
}
