/* sku: one SKU's page — its listings, its stock moves with a small server-drawn chart of the
 * total over time, and the push history of its listings. */
#include <stdio.h>
#include <string.h>
#include "core/jst.h"
#include "screens/common.h"
#include "screens/screens.h"
#include "stock/stock.h"

#define MOVE_ROWS 200
#define PUSH_ROWS 100
#define CHART_W 600
#define CHART_H 160
/* The line starts right of the value labels; the bottom 20 px hold the dates. */
#define CHART_X0 40.0
/* Up to this many moves each get a dot on the line. */
#define CHART_DOTS 60

/* Declared fields: the router validates them before the handler runs. */
enum { PAGE_CODE, PAGE_MSG, PAGE__N };
const web_field sku_fields[PAGE__N + 1] = {
	[PAGE_CODE] = {.name = "code", .type = WF_TEXT, .required = true, .min = 1, .max = 128,
	 .label = "msg.label.sku_code"},
	[PAGE_MSG] = SCREEN_FLASH_FIELD,
	{0},
};

enum { RESERVE_CODE, RESERVE_QTY, RESERVE__N };
const web_field sku_reserve_fields[RESERVE__N + 1] = {
	[RESERVE_CODE] = {.name = "code", .type = WF_TEXT, .required = true, .min = 1, .max = 128,
	 .label = "msg.label.sku_code"},
	[RESERVE_QTY] = {.name = "reserve", .type = WF_INT, .required = true, .min = 0,
	 .max = 1000000000, .label = "msg.label.reserve"},
	{0},
};

static const screen_flash sku_flashes[] = {
	{"reserve", "msg.sku.reserve_saved"},
	{NULL, NULL},
};

/* The chart: a polyline of total_after over the moves (oldest left), scaled to the box.
 * Only numbers reach the SVG, so the escaped output is the exact output. */
static void chart(web_request *r, const db_res *moves)
{
	int n = moves->nrows;
	char key[64];
	if (n < 1)
		return;
	long long lo = 0, hi = 0;
	for (int i = 0; i < n; i++) {
		long long v = db_get_ll(moves, i, 2, 0);
		if (i == 0 || v < lo)
			lo = v;
		if (i == 0 || v > hi)
			hi = v;
	}
	if (lo > 0)
		lo = 0;
	if (hi == lo)
		hi = lo + 1;
	buf pts = BUF_INIT;
	/* moves are newest first: draw from the end. */
	for (int k = 0; k < n; k++) {
		long long v = db_get_ll(moves, n - 1 - k, 2, 0);
		double x = n == 1 ? (CHART_X0 + CHART_W - 10.0) / 2.0
		                  : CHART_X0 + (CHART_W - 10.0 - CHART_X0) * k / (n - 1);
		double y = 10.0 + (CHART_H - 30.0) * (double)(hi - v) / (double)(hi - lo);
		buf_printf(&pts, "%s%.1f,%.1f", k ? " " : "", x, y);
		/* A dot per move, so one move (a line of one point draws nothing) and each step
		 * of a few show. */
		if (n <= CHART_DOTS) {
			snprintf(key, sizeof(key), "Page.chart.dots.%d.x", k);
			web_setf(r, key, "%.1f", x);
			snprintf(key, sizeof(key), "Page.chart.dots.%d.y", k);
			web_setf(r, key, "%.1f", y);
		}
		/* One move: a level line across the box at its value. */
		if (n == 1) {
			buf_reset(&pts);
			buf_printf(&pts, "%.1f,%.1f %.1f,%.1f", CHART_X0, y, CHART_W - 10.0, y);
		}
	}
	web_set(r, "Page.chart.points", buf_str(&pts));
	/* The dates of the oldest and newest move shown, under the line's ends. */
	web_set(r, "Page.chart.from", db_get(moves, n - 1, 0));
	web_set(r, "Page.chart.to", db_get(moves, 0, 0));
	web_set_int(r, "Page.chart.hi", hi);
	web_set_int(r, "Page.chart.lo", lo);
	web_set_int(r, "Page.chart.w", CHART_W);
	web_set_int(r, "Page.chart.h", CHART_H);
	buf_free(&pts);
}

/* A move's ref is data (an order number, a file name) or a token the page names in the
 * reader's language ("import", "screen"). A correction on the 在庫連携 screen wrote the Japanese
 * phrase "画面: <login>" before it wrote "screen": such a row of the move's own user reads as
 * "screen" too. moves: at, delta, after, reason, ref, user. */
static int screen_refs(web_request *r, const db_res *moves)
{
	char key[64], old[200];
	for (int i = 0; i < moves->nrows; i++) {
		const char *ref = db_get(moves, i, 4), *user = db_get(moves, i, 5);
		if (!ref || !user || strcmp(db_get(moves, i, 3), "manual"))
			continue;
		snprintf(old, sizeof(old), "画面: %s", user);
		if (strcmp(ref, old))
			continue;
		snprintf(key, sizeof(key), "Page.moves.%d.ref", i);
		if (web_set(r, key, "screen") != Z_OK)
			return Z_NOMEM;
	}
	return Z_OK;
}

/* GET /sku?code=: one SKU's listings, moves with a chart, and push history. */
int sku_page(web_request *r)
{
	db_res *s = NULL, *L = NULL, *moves = NULL, *pushes = NULL;
	int rc = db_queryv(r->db, &s,
	                   "SELECT id, code, name, total, is_set, drift, reserve FROM sku WHERE code = ?",
	                   DB_S(web_text_of(r, sku_fields, PAGE_CODE)));
	if (rc != Z_OK)
		goto out;
	if (!s->nrows) {
		rc = web_error(r, 404, web_lang(r, "msg.sku.not_found"));
		goto out;
	}
	long long id = db_get_ll(s, 0, 0, 0);
	if ((rc = screen_hdf_rows(r, "Page.skus", s, -1)) != Z_OK)
		goto out;
	/* A set holds no stock of its own: its 総在庫数 is what its parts allow, as on the list
	 * and in every export. */
	if (db_get_ll(s, 0, 4, 0) == 1) {
		long long avail = 0;
		if ((rc = stock_available(r->db, id, &avail)) != Z_OK)
			goto out;
		web_set_int(r, "Page.skus.0.total", avail);
	}
	rc = db_queryv(r->db, &L,
	               "SELECT sh.name AS shop, l.item_code AS item, l.sub_code AS sub, l.name, "
	               "l.sync, l.mall_stock AS stock, l.wanted, l.drift, l.state, "
	               "p.id IS NOT NULL AS pending FROM listing l "
	               "JOIN shop sh ON sh.id = l.shop_id "
	               "LEFT JOIN push p ON p.pending_listing = l.id WHERE l.sku_id = ? "
	               "ORDER BY sh.is_base DESC, l.shop_id",
	               DB_I(id));
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.listings", L, -1);
	if (rc != Z_OK)
		goto out;
	rc = db_queryv(r->db, &moves,
	               "SELECT " JST_SQL("m.created_at", JST_SQL_SECOND) " AS `at`, m.delta, m.total_after AS `after`, "
	               "m.reason, m.ref, u.login AS `user` "
	               "FROM stock_move m LEFT JOIN app_user u ON u.id = m.user_id "
	               "WHERE m.sku_id = ? ORDER BY m.id DESC LIMIT ?",
	               DB_I(id), DB_I(MOVE_ROWS));
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.moves", moves, -1);
	if (rc == Z_OK)
		rc = screen_refs(r, moves);
	if (rc != Z_OK)
		goto out;
	chart(r, moves);
	rc = db_queryv(r->db, &pushes,
	               "SELECT " JST_SQL("p.created_at", JST_SQL_SECOND) " AS `at`, sh.name AS shop, l.item_code AS item, p.wanted, "
	               "p.why, p.why_msg, p.state, p.attempts, p.result, p.result_msg, "
	               JST_SQL("p.sent_at", JST_SQL_SECOND) " AS sent "
	               "FROM listing l JOIN push p ON p.listing_id = l.id "
	               "JOIN shop sh ON sh.id = p.shop_id WHERE l.sku_id = ? "
	               "ORDER BY p.id DESC LIMIT ?",
	               DB_I(id), DB_I(PUSH_ROWS));
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.pushes", pushes, -1);
	if (rc == Z_OK)
		rc = screen_stored_texts(r, "Page.pushes", pushes, "why", "why_msg");
	/* Results kept with their keys in the reader's language: a mall's reply, or zaiko's own
	 * (superseded, no longer sent: the msg.push section's), which is no reply of a mall. */
	if (rc == Z_OK)
		rc = screen_stored_texts(r, "Page.pushes", pushes, "result", "result_msg");
	for (int i = 0; rc == Z_OK && i < pushes->nrows; i++) {
		const char *m = db_get(pushes, i, 9);
		char key[64];
		if (!m || strncmp(m, "msg.push.", 9))
			continue;
		snprintf(key, sizeof(key), "Page.pushes.%d.result_own", i);
		rc = web_set(r, key, "1") == Z_OK ? Z_OK : Z_NOMEM;
	}
	if (rc != Z_OK)
		goto out;
	web_setf(r, "Page.title", "SKU %s", db_get(s, 0, 1));
	screen_flash_show(r, sku_flashes, web_text_of(r, sku_fields, PAGE_MSG));
	rc = web_render(r, "sku.cs");
out:
	db_res_free(s);
	db_res_free(L);
	db_res_free(moves);
	db_res_free(pushes);
	return rc;
}

/* POST /sku/reserve: the SKU's 確保在庫数, kept back from every shop; its listings (and those
 * of the sets containing it) are re-queued at once. */
int sku_reserve_submit(web_request *r)
{
	long long id = 0;
	const char *why = NULL;
	const char *code = web_text_of(r, sku_reserve_fields, RESERVE_CODE);
	if (db_query_ll(r->db, "SELECT id FROM sku WHERE code = ?", DB_ARGS(DB_S(code)), 0, &id) !=
	    Z_OK)
		return Z_ERR;
	if (!id)
		return web_error(r, 404, web_lang(r, "msg.sku.not_found"));
	int rc = stock_sku_set_reserve(r->db, id, web_int_of(r, sku_reserve_fields, RESERVE_QTY, 0), &why);
	if (rc == Z_INVALID || rc == Z_NOTFOUND)
		return web_error(r, 400, web_lang(r, why));
	if (rc != Z_OK)
		return Z_ERR;
	buf url = BUF_INIT;
	buf_puts(&url, "/sku?msg=reserve&code=");
	for (const unsigned char *p = (const unsigned char *)code; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~')
			buf_putc(&url, (char)*p);
		else
			buf_printf(&url, "%%%02X", *p);
	}
	rc = web_redirect(r, buf_str(&url));
	buf_free(&url);
	return rc;
}
