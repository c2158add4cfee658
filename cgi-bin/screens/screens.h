/* screens: the handlers and field declarations of every screen, for the route table. */
#ifndef ZAIKO_SCREENS_H
#define ZAIKO_SCREENS_H

#include <cJSON.h>

#include "stock/search.h"
#include "web/web.h"

/* login.c */
extern const web_field login_fields[];
int login_page(web_request *r);
int login_submit(web_request *r);
int logout_submit(web_request *r);
/* POST /lang: the user's (or, before login, the browser's) language. */
extern const web_field lang_fields[];
int lang_submit(web_request *r);

/* list.c: the 在庫連携 list */
extern const web_field list_fields[];
int list_page(web_request *r);
/* GET /stock/rows (JSON): the on-screen rows' totals and listings, and the stopped shops. */
extern const web_field list_rows_fields[];
int list_rows_json(web_request *r);
/* The /stock/help page of an error kind ("other" for kinds without their own); static. */
const char *list_help_kind(const char *kind);

/* sets.c: セット商品 (セット登録, CSV取込, CSV出力) */
extern const web_field sets_edit_fields[], sets_save_fields[], sets_preview_fields[],
	sets_delete_fields[], sets_import_fields[], sets_import_apply_fields[], sets_export_fields[];
int sets_edit_page(web_request *r);
int sets_save(web_request *r);
int sets_delete(web_request *r);
int sets_preview_json(web_request *r);
int sets_import_page(web_request *r);
int sets_import_preview(web_request *r);
int sets_import_apply(web_request *r);
int sets_export_page(web_request *r);
int sets_export_download(web_request *r);

/* list.c, list_edit.c, csv_*.c, sku.c: the rest of the 在庫連携 screen */
extern const web_field list_help_fields[], list_total_fields[], list_limits_fields[],
	list_sync_fields[], list_push_fields[], list_delete_fields[], list_sync_all_fields[],
	csv_export_fields[], csv_page_fields[], csv_totals_fields[], csv_listings_fields[],
	csv_apply_fields[], csv_job_fields[], sku_fields[], sku_reserve_fields[];
int list_help_page(web_request *r);
int list_total_submit(web_request *r);
int list_limits_submit(web_request *r);
int list_sync_submit(web_request *r);
int list_push_submit(web_request *r);
int list_delete_submit(web_request *r);
int list_sync_all_submit(web_request *r);
int csv_export_submit(web_request *r);
/* Sets Page.export_replaced (cells written as '?' by this user's last CP932 export) once. */
int csv_export_notice(web_request *r);
int csv_totals_page(web_request *r);
int csv_totals_upload(web_request *r);
int csv_listings_page(web_request *r);
int csv_listings_upload(web_request *r);
int csv_apply_submit(web_request *r);
int csv_job_json(web_request *r);
int sku_page(web_request *r);
int sku_reserve_submit(web_request *r);
extern const web_field list_link_fields[];
int list_link_submit(web_request *r);
/* The 在庫連携 search conditions of the request (q points into it); the CSV export reads the
 * same fields so すべて exports the search result. */
void list_search_read(web_request *r, search_filter *s);
/* Forgets the cached SKU count of this worker (after rows were added or deleted). */
void list_count_cache_clear(void);
/* A listing's state as a cell shows it (mall stock, wanted, drift, 反映待ち, sync, floor/cap):
 * LIST_STATE_SQL followed by a WHERE on l, and list_state_json to add its rows to arr, one
 * object a listing (stock.js redraws cells from them after a poll or an edit). */
#define LIST_STATE_SQL \
	"SELECT l.id, l.mall_stock, l.wanted, l.drift, p.id IS NOT NULL, l.sync, l.min_stock, " \
	"l.max_stock FROM listing l LEFT JOIN push p ON p.pending_listing = l.id "
void list_state_json(const db_res *L, cJSON *arr);

/* admin_*.c: 管理者メニュー (every route ROUTE_ADMIN) */
extern const web_field admin_settings_page_fields[], admin_settings_fields[],
	admin_test_mail_fields[], admin_alerts_fields[], admin_alerts_save_fields[];
int admin_settings_page(web_request *r);
int admin_settings_save(web_request *r);
int admin_test_mail(web_request *r);
extern const web_field admin_retention_fields[];
int admin_retention_save(web_request *r);
int admin_alerts_page(web_request *r);
int admin_alerts_save(web_request *r);
extern const web_field admin_shops_page_fields[], admin_shops_fields[], admin_shop_save_fields[],
	admin_shop_test_fields[];
extern const web_field admin_shop_delete_fields[];
int admin_shop_delete(web_request *r);
int admin_shops_page(web_request *r);
int admin_shop_edit_page(web_request *r);
int admin_shop_save(web_request *r);
int admin_shop_test(web_request *r);
extern const web_field admin_errors_fields[], admin_errors_delete_fields[];
int admin_errors_page(web_request *r);
int admin_errors_delete(web_request *r);
extern const web_field admin_initial_fetch_page_fields[], admin_initial_fetch_fields[];
int admin_initial_fetch_page(web_request *r);
int admin_initial_fetch_submit(web_request *r);
extern const web_field admin_users_page_fields[], admin_user_add_fields[], admin_user_update_fields[],
	admin_user_password_fields[];
int admin_users_page(web_request *r);
int admin_user_add(web_request *r);
int admin_user_update(web_request *r);
int admin_user_password(web_request *r);

#endif
