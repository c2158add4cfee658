/* router: one place that parses input, finds the route and enforces what it needs
 * (login, admin, CSRF, valid fields) before any handler runs. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "core/log.h"
#include "core/url.h"
#include "web/web.h"
#include "core/lang.h"

/* Finds the route for method+path; *path_known tells a 405 from a 404. */
static const web_route *find_route(const char *method, const char *path, bool *path_known)
{
	*path_known = false;
	for (const web_route *rt = web_routes; rt->path; rt++) {
		if (strcmp(rt->path, path))
			continue;
		*path_known = true;
		if (!strcmp(rt->method, method) || (!strcmp(rt->method, "GET") && !strcmp(method, "HEAD")))
			return rt;
	}
	return NULL;
}

static void allow_header(web_request *r)
{
	buf allow = BUF_INIT;
	for (const web_route *rt = web_routes; rt->path; rt++)
		if (!strcmp(rt->path, r->path))
			buf_printf(&allow, "%s%s", allow.len ? ", " : "", rt->method);
	web_header(r, "Allow", buf_str(&allow));
	buf_free(&allow);
}

static bool is_prefix_ci(const char *s, const char *prefix)
{
	return s && !strncasecmp(s, prefix, strlen(prefix));
}

static int parse_body(web_request *r, const char *body, size_t len, const char **why)
{
	web_limits lim = web_default_limits;
	if (r->route->max_body)
		lim.max_file = r->route->max_body;
	if (!len)
		return Z_OK;
	if (is_prefix_ci(r->content_type, "application/x-www-form-urlencoded"))
		return web_parse_urlencoded(body, len, &lim, &r->body_params, why);
	if (is_prefix_ci(r->content_type, "multipart/form-data"))
		return web_parse_multipart(body, len, r->content_type, &lim, &r->body_params, why);
	*why = "msg.web.body_type";
	return Z_INVALID;
}

/* A GET of a page that needs login goes to the login page, coming back afterwards. */
static void to_login(web_request *r)
{
	buf next = BUF_INIT;
	buf_puts(&next, "/login");
	if (!strcmp(r->method, "GET") && strcmp(r->path, "/")) {
		buf_puts(&next, "?next=");
		url_encode(&next, r->path, "/");
	}
	web_redirect(r, buf_str(&next));
	buf_free(&next);
}

size_t web_route_max_body(const char *method, const char *path)
{
	bool known;
	const web_route *rt = find_route(method, path, &known);
	return rt && rt->max_body ? rt->max_body : (1 << 20);
}

void web_dispatch(web_request *r, const char *body, size_t body_len)
{
	const char *why = NULL;
	char msg[300];
	bool known;
	db_take_commit_unknown(r->db); /* a flag left by an earlier request says nothing of this one */
	r->route = find_route(r->method, r->path, &known);
	if (web_parse_cookies(r->cookie_header, &web_default_limits, &r->cookies, &why) != Z_OK) {
		web_error(r, 400, web_lang(r, why));
		return;
	}
	web_lang_choose(r);
	if (!r->route) {
		if (known) {
			allow_header(r);
			web_error(r, 405, web_lang(r, "msg.web.not_allowed"));
		} else {
			web_error(r, 404, web_lang(r, "msg.web.not_found"));
		}
		return;
	}
	if (web_parse_urlencoded(r->query, strlen(r->query), &web_default_limits, &r->query_params,
	                         &why) != Z_OK ||
	    parse_body(r, body, body_len, &why) != Z_OK) {
		web_error(r, 400, web_lang(r, why ? why : "msg.web.bad_request"));
		return;
	}
	if (session_load(r) != Z_OK) {
		web_error(r, db_unavailable(r->db) ? 503 : 500,
		          web_lang(r, "msg.web.db_down"));
		return;
	}
	if (r->user.id)
		r->lang = lang_known(r->user.lang) ? lang_known(r->user.lang) : "ja";
	unsigned needs = r->route->needs;
	bool post = !strcmp(r->method, "POST");
	if (!(needs & ROUTE_PUBLIC) && !r->user.id) {
		if (post || (needs & ROUTE_JSON))
			web_error(r, 401, web_lang(r, "msg.web.login_expired"));
		else
			to_login(r);
		return;
	}
	if ((needs & ROUTE_ADMIN) && !r->user.admin) {
		web_error(r, 403, web_lang(r, "msg.web.admin_only"));
		return;
	}
	if (post && !(needs & ROUTE_NO_CSRF) && !session_csrf_ok(r)) {
		log_warn("router: CSRF token missing or wrong on %s", r->path);
		web_error(r, 403, web_lang(r, "msg.web.csrf"));
		return;
	}
	if (r->route->fields &&
	    web_validate(r, r->route->fields, post ? &r->body_params : &r->query_params, r->values, msg,
	                 sizeof(msg)) != Z_OK) {
		web_error(r, 400, msg);
		return;
	}
	int rc = r->route->handler(r);
	if (rc < 0 && !r->sent) {
		if (db_in_transaction(r->db))
			db_rollback(r->db);
		log_error("router: %s %s failed (%d)", r->method, r->path, rc);
		if (db_take_commit_unknown(r->db)) {
			/* Maybe stored, maybe not: the user must look before doing it again. */
			web_error(r, 503, web_lang(r, WEB_MSG_COMMIT_UNKNOWN));
			return;
		}
		bool down = db_unavailable(r->db);
		web_error(r, down ? 503 : 500,
		          down ? web_lang(r, "msg.web.db_down")
		               : web_lang(r, "msg.web.failed"));
	}
}
