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

#endif
