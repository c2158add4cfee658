/* screens: the handlers and field declarations of every screen, for the route table. */
#ifndef ZAIKO_SCREENS_H
#define ZAIKO_SCREENS_H

#include "web/web.h"

/* login.c */
extern const web_field login_fields[];
int login_page(web_request *r);
int login_submit(web_request *r);
int logout_submit(web_request *r);

/* stock.c: the 在庫連携 screen */
extern const web_field stock_list_fields[];
int stock_list_page(web_request *r);

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

/* admin_*.c: 管理者メニュー (every route ROUTE_ADMIN) */
extern const web_field admin_settings_fields[], admin_test_mail_fields[], admin_alerts_fields[],
	admin_alerts_save_fields[];
int admin_settings_page(web_request *r);
int admin_settings_save(web_request *r);
int admin_test_mail(web_request *r);
int admin_alerts_page(web_request *r);
int admin_alerts_save(web_request *r);
extern const web_field admin_shops_fields[], admin_shop_save_fields[], admin_shop_test_fields[];
int admin_shops_page(web_request *r);
int admin_shop_edit_page(web_request *r);
int admin_shop_save(web_request *r);
int admin_shop_test(web_request *r);
extern const web_field admin_errors_delete_fields[];
int admin_errors_page(web_request *r);
int admin_errors_delete(web_request *r);
extern const web_field admin_initial_fetch_fields[];
int admin_initial_fetch_page(web_request *r);
int admin_initial_fetch_submit(web_request *r);
extern const web_field admin_user_add_fields[], admin_user_update_fields[],
	admin_user_password_fields[];
int admin_users_page(web_request *r);
int admin_user_add(web_request *r);
int admin_user_update(web_request *r);
int admin_user_password(web_request *r);

#endif
