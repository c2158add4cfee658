/* routes: every page and action of zaiko, with what each needs. The router enforces the
 * needs (login unless ROUTE_PUBLIC, admin, CSRF on POST) before the handler runs. */
#include "screens/screens.h"

const web_route web_routes[] = {
	/* method, path, handler, needs, fields, max body */
	{"GET", "/login", login_page, ROUTE_PUBLIC, login_fields, 0},
	{"POST", "/login", login_submit, ROUTE_PUBLIC | ROUTE_NO_CSRF, login_fields, 0},
	{"POST", "/logout", logout_submit, 0, NULL, 0},
	{"GET", "/", stock_list_page, 0, stock_list_fields, 0},
	{NULL, NULL, NULL, 0, NULL, 0},
};
