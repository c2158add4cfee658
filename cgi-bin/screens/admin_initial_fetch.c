/* admin_initial_fetch: 初期受注取得 — per shop, start counting orders from now (orders placed
 * before never move stock), as `zaiko-batch initial-fetch SHOP` does. */
#include <stdio.h>
#include "core/jst.h"
#include "core/log.h"
#include "screens/common.h"
#include "screens/screens.h"

enum { PAGE_MSG, PAGE__N };
const web_field admin_initial_fetch_page_fields[PAGE__N + 1] = {
	[PAGE_MSG] = SCREEN_FLASH_FIELD,
	{0},
};

enum { FETCH_SHOP, FETCH_CONFIRM, FETCH__N };
const web_field admin_initial_fetch_fields[FETCH__N + 1] = {
	[FETCH_SHOP] = {.name = "shop", .type = WF_INT, .required = true, .min = 1,
	 .max = 2147483647, .label = "msg.label.shop"},
	[FETCH_CONFIRM] = {.name = "confirm", .type = WF_BOOL, .label = "msg.label.confirmed"},
	{0},
};

static const screen_flash fetch_flashes[] = {
	{"done", "msg.initial_fetch.done"},
	{NULL, NULL},
};

/* GET /admin/initial-fetch: what 初期受注取得 means and when each shop had it. */
int admin_initial_fetch_page(web_request *r)
{
	db_res *res = NULL;
	int rc = db_query(r->db,
	                  "SELECT id, name, mall, enabled, "
	                  "COALESCE(" JST_SQL("initial_fetch_at", JST_SQL_MINUTE) ", '') AS initial_fetch, "
	                  "COALESCE(" JST_SQL("order_cursor", JST_SQL_MINUTE) ", '') AS cursor_at, "
	                  "COALESCE(" JST_SQL("last_fetch_at", JST_SQL_MINUTE) ", '') AS last_fetch "
	                  "FROM shop ORDER BY is_base DESC, id",
	                  NULL, 0, &res);
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.shops", res, -1);
	db_res_free(res);
	if (rc != Z_OK)
		return rc;
	screen_flash_show(r, fetch_flashes,
	                  web_text_of(r, admin_initial_fetch_page_fields, PAGE_MSG));
	web_set(r, "Page.title", web_lang(r, "msg.initial_fetch.title"));
	return web_render(r, "admin_initial_fetch.cs");
}

/* POST /admin/initial-fetch: sets the shop's cursors to now once confirmed. */
int admin_initial_fetch_submit(web_request *r)
{
	long long affected = 0, shop = web_int_of(r, admin_initial_fetch_fields, FETCH_SHOP, 0);
	if (!web_int_of(r, admin_initial_fetch_fields, FETCH_CONFIRM, 0))
		return web_error(r, 400, web_lang(r, "msg.initial_fetch.confirm"));
	/* The same three columns as `zaiko-batch initial-fetch` (batch/cmd_sync.c): the fetch
	 * cursor starts from now too. */
	int rc = db_exec(r->db,
	                 "UPDATE shop SET order_cursor = UTC_TIMESTAMP(), initial_fetch_at = "
	                 "UTC_TIMESTAMP(), fetch_cursor = UTC_TIMESTAMP() WHERE id = ?",
	                 DB_ARGS(DB_I(shop)), &affected, NULL);
	if (rc != Z_OK)
		return rc;
	if (!affected)
		return web_error(r, 404, web_lang(r, "msg.initial_fetch.shop_not_found"));
	log_info("initial-fetch: shop %lld by user %lld", shop, r->user.id);
	return web_redirect(r, "/admin/initial-fetch?msg=done");
}
