/* admin_users: ユーザー管理 — add users, change role, disable or enable, reset a password;
 * the last enabled admin can be neither disabled nor demoted. */
#include <stdio.h>
#include <string.h>
#include "core/jst.h"
#include "core/log.h"
#include "screens/common.h"
#include "screens/screens.h"
#include "users/users.h"

static const char *const roles[] = {"admin", "staff", NULL};
static const char *const langs[] = {"ja", "en", NULL};

enum { PAGE_MSG, PAGE__N };
const web_field admin_users_page_fields[PAGE__N + 1] = {
	[PAGE_MSG] = SCREEN_FLASH_FIELD,
	{0},
};

enum { ADD_LOGIN, ADD_PASSWORD, ADD_ROLE, ADD__N };
const web_field admin_user_add_fields[ADD__N + 1] = {
	[ADD_LOGIN] = {.name = "login", .type = WF_TEXT, .required = true, .min = 1, .max = 64,
	 .label = "msg.label.login"},
	[ADD_PASSWORD] = {.name = "password", .type = WF_TEXT, .required = true, .min = 1,
	 .max = 200, .label = "msg.label.password"},
	[ADD_ROLE] = {.name = "role", .type = WF_ENUM, .required = true, .choices = roles,
	 .label = "msg.label.role"},
	{0},
};

enum { UPDATE_ID, UPDATE_ROLE, UPDATE_DISABLED, UPDATE_LANG, UPDATE__N };
const web_field admin_user_update_fields[UPDATE__N + 1] = {
	[UPDATE_ID] = {.name = "id", .type = WF_INT, .required = true, .min = 1, .max = 2147483647,
	 .label = "msg.label.user"},
	[UPDATE_ROLE] = {.name = "role", .type = WF_ENUM, .required = true, .choices = roles,
	 .label = "msg.label.role"},
	[UPDATE_DISABLED] = {.name = "disabled", .type = WF_BOOL, .label = "msg.label.disabled"},
	[UPDATE_LANG] = {.name = "lang", .type = WF_ENUM, .choices = langs, .label = "msg.label.lang"},
	{0},
};

enum { PASSWORD_ID, PASSWORD_NEW, PASSWORD__N };
const web_field admin_user_password_fields[PASSWORD__N + 1] = {
	[PASSWORD_ID] = {.name = "id", .type = WF_INT, .required = true, .min = 1,
	 .max = 2147483647, .label = "msg.label.user"},
	[PASSWORD_NEW] = {.name = "password", .type = WF_TEXT, .required = true, .min = 1,
	 .max = 200, .label = "msg.label.new_password"},
	{0},
};

static const screen_flash user_flashes[] = {
	{"added", "msg.users.added"},
	{"updated", "msg.users.updated"},
	{"password", "msg.users.password"},
	{NULL, NULL},
};

/* The users page; with an error, the refused form again (login: the login it asked for, or
 * ""). */
static int render_users(web_request *r, int status, const char *error, const char *login)
{
	db_res *res = NULL;
	int rc = db_query(r->db,
	                  "SELECT id, login, role, disabled, lang, "
	                  JST_SQL("created_at", JST_SQL_MINUTE) " AS created "
	                  "FROM app_user ORDER BY login",
	                  NULL, 0, &res);
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.users", res, -1);
	db_res_free(res);
	if (rc != Z_OK)
		return rc;
	web_set(r, "Page.title", web_lang(r, "msg.users.title"));
	web_set_int(r, "Page.me", r->user.id);
	web_set_int(r, "Page.min_password", USERS_MIN_PASSWORD);
	if (error) {
		web_set(r, "Page.form.login", login);
		return screen_render_error(r, status, error, "admin_users.cs");
	}
	screen_flash_show(r, user_flashes, web_text_of(r, admin_users_page_fields, PAGE_MSG));
	return web_render(r, "admin_users.cs");
}

/* GET /admin/users: the users with role, disable and password forms. */
int admin_users_page(web_request *r)
{
	return render_users(r, 200, NULL, "");
}

/* POST /admin/users/add: creates a user through users_create. */
int admin_user_add(web_request *r)
{
	const char *why = NULL;
	const char *login = web_text_of(r, admin_user_add_fields, ADD_LOGIN);
	int rc = users_create(r->db, login, web_text_of(r, admin_user_add_fields, ADD_PASSWORD),
	                      roles[web_int_of(r, admin_user_add_fields, ADD_ROLE, 1)], &why);
	if (rc == Z_INVALID)
		return render_users(r, 400, why, login);
	if (rc == Z_CONFLICT || (rc != Z_OK && db_errno(r->db) == 1062))
		return render_users(r, 400, web_lang(r, "msg.users.login_taken"), login);
	if (rc != Z_OK)
		return rc;
	log_info("users: user added by user %lld", r->user.id);
	return web_redirect(r, "/admin/users?msg=added");
}

/* POST /admin/users/update: role and disabled, never leaving no enabled admin. */
int admin_user_update(web_request *r)
{
	db_res *res = NULL;
	long long id = web_int_of(r, admin_user_update_fields, UPDATE_ID, 0), exists = 0;
	long long other_admins = 0;
	const char *role = roles[web_int_of(r, admin_user_update_fields, UPDATE_ROLE, 1)];
	bool disabled = web_int_of(r, admin_user_update_fields, UPDATE_DISABLED, 0) != 0;
	/* Not sent (an older form): the user's language stays. */
	const char *lang = web_has_of(r, admin_user_update_fields, UPDATE_LANG)
	                       ? langs[web_int_of(r, admin_user_update_fields, UPDATE_LANG, 0)]
	                       : NULL;
	int rc = db_begin(r->db);
	if (rc != Z_OK)
		return rc;
	/* Locking every admin row makes two concurrent demotions see each other. */
	if ((rc = db_query(r->db, "SELECT id FROM app_user WHERE role = 'admin' AND disabled = 0 "
	                          "ORDER BY id FOR UPDATE",
	                   NULL, 0, &res)) != Z_OK)
		goto out;
	if ((rc = db_query_ll(r->db, "SELECT COUNT(*) FROM app_user WHERE id = ?",
	                      DB_ARGS(DB_I(id)), 0, &exists)) != Z_OK)
		goto out;
	if (!exists) {
		db_rollback(r->db);
		rc = web_error(r, 404, web_lang(r, "msg.users.not_found"));
		goto out;
	}
	for (int i = 0; i < res->nrows; i++)
		if (db_get_ll(res, i, 0, 0) != id)
			other_admins++;
	if ((disabled || strcmp(role, "admin")) && other_admins == 0) {
		db_rollback(r->db);
		rc = render_users(r, 400, web_lang(r, "msg.users.last_admin"), "");
		goto out;
	}
	if ((rc = db_execv(r->db,
	                   "UPDATE app_user SET role = ?, disabled = ?, lang = COALESCE(?, lang) "
	                   "WHERE id = ?",
	                   DB_S(role), DB_I(disabled), DB_SOPT(lang),
	                   DB_I(id))) != Z_OK)
		goto out;
	/* A disabled user is out now, not at the next login (a role is read with the session on
	 * every request, so a changed one needs nothing here). */
	if ((rc = db_execv(r->db, "DELETE FROM session WHERE user_id = ? AND user_id <> ?",
	                   DB_I(disabled ? id : 0), DB_I(r->user.id))) != Z_OK)
		goto out;
	if ((rc = db_commit(r->db)) != Z_OK)
		goto out;
	log_info("users: user %lld changed by user %lld (role %s, disabled %d, lang %s)", id,
	         r->user.id, role, disabled, lang ? lang : "kept");
	rc = web_redirect(r, "/admin/users?msg=updated");
out:
	if (db_in_transaction(r->db))
		db_rollback(r->db);
	db_res_free(res);
	return rc;
}

/* POST /admin/users/password: resets a password and ends that user's sessions. */
int admin_user_password(web_request *r)
{
	const char *why = NULL;
	long long id = web_int_of(r, admin_user_password_fields, PASSWORD_ID, 0), exists = 0;
	if (db_query_ll(r->db, "SELECT COUNT(*) FROM app_user WHERE id = ?", DB_ARGS(DB_I(id)), 0,
	                &exists) != Z_OK)
		return Z_ERR;
	if (!exists)
		return web_error(r, 404, web_lang(r, "msg.users.not_found"));
	/* The new password and the end of every session opened with the old one commit together
	 * (the admin's current session stays when it is their own password). */
	int rc = db_begin(r->db);
	if (rc == Z_OK)
		rc = users_set_password(r->db, id,
		                        web_text_of(r, admin_user_password_fields, PASSWORD_NEW), &why);
	if (rc == Z_OK)
		rc = session_end_others(r, id);
	if (rc == Z_OK)
		rc = db_commit(r->db);
	if (db_in_transaction(r->db))
		db_rollback(r->db);
	if (rc == Z_INVALID)
		return render_users(r, 400, why, "");
	if (rc != Z_OK)
		return rc;
	log_info("users: password of user %lld reset by user %lld", id, r->user.id);
	return web_redirect(r, "/admin/users?msg=password");
}
