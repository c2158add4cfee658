/* login: the login page, login with throttling, logout. */
#include "core/log.h"
#include "core/secret.h"
#include "core/lang.h"
#include "screens/screens.h"

/* GET and POST /login. */
enum { LOGIN_LOGIN, LOGIN_PASSWORD, LOGIN_NEXT, LOGIN__N };
const web_field login_fields[LOGIN__N + 1] = {
	[LOGIN_LOGIN] = {.name = "login", .type = WF_TEXT, .max = 64, .label = "msg.label.login"},
	[LOGIN_PASSWORD] = {.name = "password", .type = WF_TEXT, .max = 200,
	 .label = "msg.label.password"},
	[LOGIN_NEXT] = {.name = "next", .type = WF_TEXT, .max = 500, .label = "msg.label.move_to"},
	{0},
};

/* Only a local path may follow a login (no open redirect). */
static const char *safe_next(const char *next)
{
	return web_path_is_local(next) ? next : "/";
}

/* Shows the form with a fresh pre-login token (the form's CSRF proof). */
static int show_form(web_request *r, int status, const char *message)
{
	unsigned char raw[32];
	char token[65];
	if (secret_random(raw, sizeof(raw)) != Z_OK)
		return Z_ERR;
	secret_hex(raw, sizeof(raw), token);
	web_cookie(r, PRELOGIN_COOKIE, token, 3600);
	web_set(r, "Page.title", web_lang(r, "msg.login.title"));
	web_set(r, "Page.prelogin", token);
	web_set(r, "Page.login", web_text_of(r, login_fields, LOGIN_LOGIN));
	web_set(r, "Page.next", safe_next(web_text_of(r, login_fields, LOGIN_NEXT)));
	if (message)
		web_set(r, "Page.error", message);
	r->status = status;
	return web_render(r, "login.cs");
}

int login_page(web_request *r)
{
	if (r->user.id)
		return web_redirect(r, "/");
	return show_form(r, 200, NULL);
}

int login_submit(web_request *r)
{
	const char *login = web_text_of(r, login_fields, LOGIN_LOGIN);
	const char *password = web_text_of(r, login_fields, LOGIN_PASSWORD);
	const char *why = NULL;
	db_res *res = NULL;
	if (!session_csrf_ok(r))
		return show_form(r, 403, web_lang(r, "msg.login.expired"));
	if (!*login || !*password)
		return show_form(r, 400, web_lang(r, "msg.login.empty"));
	long long attempt = 0;
	int rc = session_login_gate(r, login, &attempt, &why);
	if (rc == Z_CONFLICT)
		return show_form(r, 429, why);
	if (rc != Z_OK)
		return Z_ERR;
	if (db_queryv(r->db, &res,
	              "SELECT id, password_hash, lang FROM app_user WHERE login = ? AND disabled = 0",
	              DB_S(login)) != Z_OK)
		return Z_ERR;
	bool ok = secret_check_password(password, res->nrows ? db_get(res, 0, 1) : NULL);
	long long user_id = ok ? db_get_ll(res, 0, 0, 0) : 0;
	const char *lang = ok ? lang_known(db_get(res, 0, 2)) : NULL;
	db_res_free(res);
	if (!ok) {
		/* Already counted by the gate. */
		log_info("login: failed for an account");
		return show_form(r, 401, web_lang(r, "msg.login.wrong"));
	}
	session_login_succeeded(r, login, attempt);
	if (session_start(r, user_id) != Z_OK)
		return Z_ERR;
	web_cookie(r, PRELOGIN_COOKIE, "", -1);
	/* The login page after a logout speaks the user's language. */
	if (lang)
		web_cookie(r, LANG_COOKIE, lang, LANG_COOKIE_SECONDS);
	log_info("login: user %lld", user_id);
	return web_redirect(r, safe_next(web_text_of(r, login_fields, LOGIN_NEXT)));
}

int logout_submit(web_request *r)
{
	if (session_end(r) != Z_OK)
		return Z_ERR;
	return web_redirect(r, "/login");
}

static const char *const lang_choices[] = {"ja", "en", NULL};

enum { LANG_LANG, LANG_NEXT, LANG__N };
const web_field lang_fields[LANG__N + 1] = {
	[LANG_LANG] = {.name = "lang", .type = WF_ENUM, .required = true, .choices = lang_choices,
	 .label = "msg.label.lang"},
	[LANG_NEXT] = {.name = "next", .type = WF_TEXT, .max = 500, .label = "msg.label.move_to"},
	{0},
};

/* POST /lang: the language of the screens. A logged-in user's choice is stored with the user
 * (it is theirs on every device and in their mail); the cookie makes the login page follow
 * it, and is all there is before login. Back to the page the form was on. */
int lang_submit(web_request *r)
{
	const char *lang = lang_choices[web_int_of(r, lang_fields, LANG_LANG, 0)];
	if (r->user.id &&
	    db_execv(r->db, "UPDATE app_user SET lang = ? WHERE id = ?", DB_S(lang),
	             DB_I(r->user.id)) != Z_OK)
		return Z_ERR;
	web_cookie(r, LANG_COOKIE, lang, LANG_COOKIE_SECONDS);
	return web_redirect(r, safe_next(web_text_of(r, lang_fields, LANG_NEXT)));
}
