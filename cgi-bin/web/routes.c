/* routes: every page and action of zaiko, with what each needs. The router enforces the
 * needs (login unless ROUTE_PUBLIC, admin, CSRF on POST) before the handler runs. */
#include "screens/screens.h"

const web_route web_routes[] = {
	/* method, path, handler, needs, fields, max body */
	{"GET", "/login", login_page, ROUTE_PUBLIC, login_fields, 0},
	{"POST", "/login", login_submit, ROUTE_PUBLIC | ROUTE_NO_CSRF, login_fields, 0},
	{"POST", "/logout", logout_submit, 0, NULL, 0},
	{"GET", "/", stock_list_page, 0, stock_list_fields, 0},
	/* セット商品 (sets.c) */
	{"GET", "/sets/edit", sets_edit_page, 0, sets_edit_fields, 0},
	{"POST", "/sets/save", sets_save, 0, sets_save_fields, 0},
	{"POST", "/sets/delete", sets_delete, 0, sets_delete_fields, 0},
	{"GET", "/sets/preview", sets_preview_json, ROUTE_JSON, sets_preview_fields, 0},
	{"GET", "/sets/import", sets_import_page, 0, NULL, 0},
	{"POST", "/sets/import", sets_import_preview, 0, sets_import_fields, 8 << 20},
	{"POST", "/sets/import/apply", sets_import_apply, 0, sets_import_apply_fields, 0},
	{"GET", "/sets/export", sets_export_page, 0, NULL, 0},
	{"GET", "/sets/export/download", sets_export_download, 0, sets_export_fields, 0},
	/* 管理者メニュー (admin_*.c) */
	{"GET", "/admin/settings", admin_settings_page, ROUTE_ADMIN, NULL, 0},
	{"POST", "/admin/settings", admin_settings_save, ROUTE_ADMIN, admin_settings_fields, 0},
	{"POST", "/admin/settings/test-mail", admin_test_mail, ROUTE_ADMIN, admin_test_mail_fields, 0},
	{"GET", "/admin/alerts", admin_alerts_page, ROUTE_ADMIN, admin_alerts_fields, 0},
	{"POST", "/admin/alerts", admin_alerts_save, ROUTE_ADMIN, admin_alerts_save_fields, 0},
	{"GET", "/admin/shops", admin_shops_page, ROUTE_ADMIN, NULL, 0},
	{"GET", "/admin/shops/edit", admin_shop_edit_page, ROUTE_ADMIN, admin_shops_fields, 0},
	{"POST", "/admin/shops/save", admin_shop_save, ROUTE_ADMIN, admin_shop_save_fields, 0},
	{"POST", "/admin/shops/test", admin_shop_test, ROUTE_ADMIN, admin_shop_test_fields, 0},
	{"GET", "/admin/errors", admin_errors_page, ROUTE_ADMIN, NULL, 0},
	{"POST", "/admin/errors/delete", admin_errors_delete, ROUTE_ADMIN, admin_errors_delete_fields, 0},
	{"GET", "/admin/initial-fetch", admin_initial_fetch_page, ROUTE_ADMIN, NULL, 0},
	{"POST", "/admin/initial-fetch", admin_initial_fetch_submit, ROUTE_ADMIN,
	 admin_initial_fetch_fields, 0},
	{"GET", "/admin/users", admin_users_page, ROUTE_ADMIN, NULL, 0},
	{"POST", "/admin/users/add", admin_user_add, ROUTE_ADMIN, admin_user_add_fields, 0},
	{"POST", "/admin/users/update", admin_user_update, ROUTE_ADMIN, admin_user_update_fields, 0},
	{"POST", "/admin/users/password", admin_user_password, ROUTE_ADMIN,
	 admin_user_password_fields, 0},
	{NULL, NULL, NULL, 0, NULL, 0},
};
