/* sessions: stored sessions and login failure counts; see sessions.h. */
#include <stdio.h>
#include <string.h>
#include "users/sessions.h"

#define HASH(h) DB_SN((const char *)(h), SESSIONS_HASH_LEN)

int sessions_find(db *d, const unsigned char *hash, long long idle_s, long long max_s,
                  sessions_user *out, bool *found)
{
	db_res *res = NULL;
	*found = false;
	memset(out, 0, sizeof(*out));
	int rc = db_queryv(d, &res,
	                   "SELECT u.id, u.login, u.role, s.csrf, "
	                   "s.last_seen < UTC_TIMESTAMP() - INTERVAL 60 SECOND, "
	                   "u.role = 'admin' AND EXISTS (SELECT 1 FROM setting WHERE name = "
	                   "'alert_mode' AND value = 'per_sku'), u.lang FROM session s "
	                   "JOIN app_user u ON u.id = s.user_id "
	                   "WHERE s.token_hash = ? AND u.disabled = 0 "
	                   "AND s.last_seen > UTC_TIMESTAMP() - INTERVAL ? SECOND "
	                   "AND s.created_at > UTC_TIMESTAMP() - INTERVAL ? SECOND",
	                   HASH(hash), DB_I(idle_s), DB_I(max_s));
	if (rc != Z_OK)
		return Z_ERR;
	if (res->nrows == 1) {
		*found = true;
		out->id = db_get_ll(res, 0, 0, 0);
		snprintf(out->login, sizeof(out->login), "%s", db_get(res, 0, 1));
		out->admin = !strcmp(db_get(res, 0, 2), "admin");
		snprintf(out->csrf, sizeof(out->csrf), "%s", db_get(res, 0, 3));
		out->alerts_menu = db_get_ll(res, 0, 5, 0) != 0;
		snprintf(out->lang, sizeof(out->lang), "%s", db_get(res, 0, 6));
		/* Touch at most once a minute: a page view should not always write (nor send a
		 * statement that finds nothing to write). */
		if (db_get_ll(res, 0, 4, 1))
			rc = db_execv(d,
			              "UPDATE session SET last_seen = UTC_TIMESTAMP() WHERE token_hash = ? "
			              "AND last_seen < UTC_TIMESTAMP() - INTERVAL 60 SECOND",
			              HASH(hash));
	}
	db_res_free(res);
	return rc;
}

int sessions_create(db *d, const unsigned char *hash, long long user_id, const char *csrf)
{
	return db_execv(d,
	                "INSERT INTO session (token_hash, user_id, csrf, created_at, last_seen) "
	                "VALUES (?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
	                HASH(hash), DB_I(user_id), DB_S(csrf)) == Z_OK
	               ? Z_OK
	               : Z_ERR;
}

int sessions_sweep(db *d, long long idle_s, long long max_s)
{
	return db_execv(d, "DELETE FROM session WHERE last_seen < UTC_TIMESTAMP() - INTERVAL ? SECOND "
	                   "OR created_at < UTC_TIMESTAMP() - INTERVAL ? SECOND",
	                DB_I(idle_s), DB_I(max_s));
}

int sessions_delete(db *d, const unsigned char *hash)
{
	return db_execv(d, "DELETE FROM session WHERE token_hash = ?", HASH(hash)) == Z_OK ? Z_OK
	                                                                                  : Z_ERR;
}

int sessions_delete_others(db *d, long long user_id, const unsigned char *keep_hash)
{
	return db_execv(d, "DELETE FROM session WHERE user_id = ? AND token_hash <> ?",
	                DB_I(user_id), HASH(keep_hash));
}

int sessions_gate_count(db *d, const char *login, const char *address, int window_minutes,
                        sessions_failures *out)
{
	memset(out, 0, sizeof(*out));
	/* The address's row first, then the account's. */
	int rc = db_execv(d,
	                  "INSERT INTO login_gate (kind, name, touched) VALUES ('i', ?, "
	                  "UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE touched = VALUES(touched)",
	                  DB_S(address));
	if (rc == Z_OK)
		rc = db_execv(d,
		              "INSERT INTO login_gate (kind, name, touched) VALUES ('a', ?, "
		              "UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE touched = VALUES(touched)",
		              DB_S(login));
	if (rc == Z_OK)
		rc = db_query_ll(d,
		                 "SELECT COUNT(*) FROM login_failure WHERE login = ? AND address = ? "
		                 "AND at > UTC_TIMESTAMP() - INTERVAL ? MINUTE",
		                 DB_ARGS(DB_S(login), DB_S(address), DB_I(window_minutes)), 0,
		                 &out->pair);
	if (rc == Z_OK)
		rc = db_query_ll(d,
		                 "SELECT COUNT(*) FROM login_failure WHERE address = ? "
		                 "AND at > UTC_TIMESTAMP() - INTERVAL ? MINUTE",
		                 DB_ARGS(DB_S(address), DB_I(window_minutes)), 0, &out->address);
	if (rc == Z_OK)
		rc = db_query_ll(d,
		                 "SELECT COUNT(*) FROM login_failure WHERE login = ? "
		                 "AND at > UTC_TIMESTAMP() - INTERVAL 1 MINUTE",
		                 DB_ARGS(DB_S(login)), 0, &out->account);
	return rc;
}

int sessions_failure_add(db *d, const char *login, const char *address, long long *id)
{
	return db_exec(d,
	               "INSERT INTO login_failure (login, address, at) VALUES (?, ?, UTC_TIMESTAMP())",
	               DB_ARGS(DB_S(login), DB_S(address)), NULL, id);
}

void sessions_failure_forgive(db *d, long long id, const char *login, const char *address)
{
	db_execv(d, "DELETE FROM login_failure WHERE id = ? OR (login = ? AND address = ?)",
	         DB_I(id), DB_S(login), DB_S(address));
}

void sessions_gate_sweep(db *d)
{
	db_execv(d, "DELETE FROM login_gate WHERE touched < UTC_TIMESTAMP() - INTERVAL 1 DAY");
}
