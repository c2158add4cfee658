/* session: cookie sessions stored hashed, CSRF tokens, login throttling. */
#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "core/secret.h"
#include "web/web.h"

#define THROTTLE_FAILURES 5
#define THROTTLE_MINUTES 15

static bool token_shape_ok(const char *t)
{
	return t && strlen(t) == 64 && strspn(t, "0123456789abcdef") == 64;
}

static long long idle_seconds(const web_request *r)
{
	return conf_int(r->cfg, "web", "session_idle_hours", 8, 1, 24 * 30) * 3600;
}

int session_load(web_request *r)
{
	const web_param *c = web_params_get(&r->cookies, SESSION_COOKIE);
	unsigned char hash[32];
	db_res *res = NULL;
	memset(&r->user, 0, sizeof(r->user));
	if (!c || !token_shape_ok(c->value))
		return Z_OK;
	secret_sha256(c->value, 64, hash);
	int rc = db_queryv(r->db, &res,
	                   "SELECT u.id, u.login, u.role, s.csrf, "
	                   "s.last_seen < UTC_TIMESTAMP() - INTERVAL 60 SECOND, "
	                   "u.role = 'admin' AND EXISTS (SELECT 1 FROM setting WHERE name = "
	                   "'alert_mode' AND value = 'per_sku') FROM session s "
	                   "JOIN app_user u ON u.id = s.user_id "
	                   "WHERE s.token_hash = ? AND u.disabled = 0 "
	                   "AND s.last_seen > UTC_TIMESTAMP() - INTERVAL ? SECOND",
	                   DB_SN((const char *)hash, 32), DB_I(idle_seconds(r)));
	if (rc != Z_OK)
		return Z_ERR;
	if (res->nrows == 1) {
		r->user.id = db_get_ll(res, 0, 0, 0);
		snprintf(r->user.login, sizeof(r->user.login), "%s", db_get(res, 0, 1));
		r->user.admin = !strcmp(db_get(res, 0, 2), "admin");
		snprintf(r->user.csrf, sizeof(r->user.csrf), "%s", db_get(res, 0, 3));
		r->user.alerts_menu = db_get_ll(res, 0, 5, 0) != 0;
		/* Touch at most once a minute: a page view should not always write (nor send a
		 * statement that finds nothing to write). */
		if (db_get_ll(res, 0, 4, 1))
			rc = db_execv(r->db,
			              "UPDATE session SET last_seen = UTC_TIMESTAMP() WHERE token_hash = ? "
			              "AND last_seen < UTC_TIMESTAMP() - INTERVAL 60 SECOND",
			              DB_SN((const char *)hash, 32));
	}
	db_res_free(res);
	return rc;
}

int session_start(web_request *r, long long user_id)
{
	unsigned char raw[32], csrf_raw[32], hash[32];
	char token[65], csrf[65];
	/* A new token at every login: a planted cookie (fixation) is never promoted. */
	session_end(r);
	if (secret_random(raw, sizeof(raw)) != Z_OK || secret_random(csrf_raw, sizeof(csrf_raw)) != Z_OK)
		return Z_ERR;
	secret_hex(raw, sizeof(raw), token);
	secret_hex(csrf_raw, sizeof(csrf_raw), csrf);
	secret_sha256(token, 64, hash);
	if (db_execv(r->db,
	             "INSERT INTO session (token_hash, user_id, csrf, created_at, last_seen) "
	             "VALUES (?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
	             DB_SN((const char *)hash, 32), DB_I(user_id), DB_S(csrf)) != Z_OK)
		return Z_ERR;
	/* Old sessions of anyone are swept now and then, not on every request. */
	if (raw[0] < 8)
		db_execv(r->db, "DELETE FROM session WHERE last_seen < UTC_TIMESTAMP() - INTERVAL ? SECOND",
		         DB_I(idle_seconds(r)));
	return web_cookie(r, SESSION_COOKIE, token, 0);
}

int session_end(web_request *r)
{
	const web_param *c = web_params_get(&r->cookies, SESSION_COOKIE);
	if (c && token_shape_ok(c->value)) {
		unsigned char hash[32];
		secret_sha256(c->value, 64, hash);
		if (db_execv(r->db, "DELETE FROM session WHERE token_hash = ?",
		             DB_SN((const char *)hash, 32)) != Z_OK)
			return Z_ERR;
		web_cookie(r, SESSION_COOKIE, "", -1);
	}
	memset(&r->user, 0, sizeof(r->user));
	return Z_OK;
}

bool session_csrf_ok(const web_request *r)
{
	const web_param *p = web_params_get(&r->body_params, "csrf");
	if (!p || web_params_count(&r->body_params, "csrf") != 1 || !token_shape_ok(p->value))
		return false;
	if (r->user.id)
		return secret_equal(p->value, r->user.csrf, 64);
	/* Before login: the form must echo the pre-login cookie (double submit). */
	const web_param *c = web_params_get(&r->cookies, PRELOGIN_COOKIE);
	return c && token_shape_ok(c->value) && secret_equal(p->value, c->value, 64);
}

int session_throttled(web_request *r, const char *login, const char **why)
{
	long long by_login = 0, by_address = 0;
	if (db_query_ll(r->db,
	                "SELECT COUNT(*) FROM login_failure WHERE login = ? "
	                "AND at > UTC_TIMESTAMP() - INTERVAL ? MINUTE",
	                DB_ARGS(DB_S(login), DB_I(THROTTLE_MINUTES)), 0, &by_login) != Z_OK ||
	    db_query_ll(r->db,
	                "SELECT COUNT(*) FROM login_failure WHERE address = ? "
	                "AND at > UTC_TIMESTAMP() - INTERVAL ? MINUTE",
	                DB_ARGS(DB_S(r->remote_addr), DB_I(THROTTLE_MINUTES)), 0,
	                &by_address) != Z_OK)
		return Z_ERR;
	if (by_login >= THROTTLE_FAILURES || by_address >= THROTTLE_FAILURES) {
		*why = "ログインに続けて失敗したため、15分間ログインできません。"
		       "しばらくしてから、もう一度お試しください。";
		log_warn("login: throttled (%s)", by_login >= THROTTLE_FAILURES ? "account" : "address");
		return Z_CONFLICT;
	}
	return Z_OK;
}

void session_record_failure(web_request *r, const char *login)
{
	db_execv(r->db,
	         "INSERT INTO login_failure (login, address, at) VALUES (?, ?, UTC_TIMESTAMP())",
	         DB_S(login), DB_S(r->remote_addr));
}
