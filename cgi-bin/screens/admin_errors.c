/* admin_errors: エラー削除 — deletes every error message, or those of one kind, once the
 * user has confirmed. */
#include <stdio.h>
#include <string.h>
#include "core/jst.h"
#include "core/log.h"
#include "screens/common.h"
#include "screens/screens.h"

/* The page after a delete: ?deleted=N, the messages deleted. */
enum { PAGE_DELETED, PAGE__N };
const web_field admin_errors_fields[PAGE__N + 1] = {
	[PAGE_DELETED] = {.name = "deleted", .type = WF_INT, .min = 0, .max = 1LL << 40,
	 .label = "msg.label.count"},
	{0},
};

enum { DELETE_KIND, DELETE_CONFIRM, DELETE__N };
const web_field admin_errors_delete_fields[DELETE__N + 1] = {
	[DELETE_KIND] = {.name = "kind", .type = WF_TEXT, .max = 32, .label = "msg.label.error_kind"},
	[DELETE_CONFIRM] = {.name = "confirm", .type = WF_BOOL, .label = "msg.label.confirmed"},
	{0},
};

/* GET /admin/errors: the error messages counted by kind, with delete buttons. */
int admin_errors_page(web_request *r)
{
	db_res *res = NULL;
	long long total = 0;
	int rc = db_query(r->db,
	                  "SELECT kind, COUNT(*) AS n, MAX(level) AS level, "
	                  JST_SQL("MAX(updated_at)", JST_SQL_MINUTE) " AS last, "
	                  "(SELECT message FROM error_log e2 WHERE e2.kind = e.kind "
	                  "ORDER BY e2.updated_at DESC, e2.id DESC LIMIT 1) AS example, "
	                  "(SELECT message_msg FROM error_log e2 WHERE e2.kind = e.kind "
	                  "ORDER BY e2.updated_at DESC, e2.id DESC LIMIT 1) AS example_msg "
	                  "FROM error_log e GROUP BY kind ORDER BY kind",
	                  NULL, 0, &res);
	if (rc != Z_OK)
		goto out;
	for (int i = 0; i < res->nrows; i++)
		total += db_get_ll(res, i, 1, 0);
	if ((rc = screen_hdf_rows(r, "Page.kinds", res, -1)) != Z_OK ||
	    (rc = screen_stored_texts(r, "Page.kinds", res, "example", "example_msg")) != Z_OK)
		goto out;
	/* Each kind links to its help, as on the 在庫連携 list. */
	for (int i = 0; i < res->nrows && rc == Z_OK; i++) {
		char key[64];
		snprintf(key, sizeof(key), "Page.kinds.%d.help", i);
		rc = web_set(r, key, list_help_kind(db_get(res, i, 0)));
	}
	if (rc != Z_OK)
		goto out;
	web_set_int(r, "Page.total", total);
	/* Only a number is echoed back (the router parsed it as one). */
	if (web_has_of(r, admin_errors_fields, PAGE_DELETED)) {
		buf f = BUF_INIT;
		web_langf(r, &f, "msg.errors.deleted", "%lld",
		          web_int_of(r, admin_errors_fields, PAGE_DELETED, 0));
		web_set(r, "Page.flash", buf_str(&f));
		buf_free(&f);
	}
	web_set(r, "Page.title", web_lang(r, "msg.errors.title"));
	rc = web_render(r, "admin_errors.cs");
out:
	db_res_free(res);
	return rc;
}

/* POST /admin/errors/delete: deletes one kind (or all) once confirmed; back to the page. */
int admin_errors_delete(web_request *r)
{
	long long affected = 0;
	const char *kind = web_text_of(r, admin_errors_delete_fields, DELETE_KIND);
	char next[64];
	int rc;
	if (!web_int_of(r, admin_errors_delete_fields, DELETE_CONFIRM, 0))
		return web_error(r, 400, web_lang(r, "msg.errors.confirm"));
	if (*kind)
		rc = db_exec(r->db, "DELETE FROM error_log WHERE kind = ?", DB_ARGS(DB_S(kind)),
		             &affected, NULL);
	else
		rc = db_exec(r->db, "DELETE FROM error_log", NULL, 0, &affected, NULL);
	if (rc != Z_OK)
		return rc;
	log_info("errors: user %lld deleted %lld error messages", r->user.id, affected);
	snprintf(next, sizeof(next), "/admin/errors?deleted=%lld", affected);
	return web_redirect(r, next);
}
