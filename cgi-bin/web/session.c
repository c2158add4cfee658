/* session: cookie sessions stored hashed, CSRF tokens, login throttling. */
#include <stdio.h>
#include <string.h>
#include "core/log.h"
#include "core/secret.h"
#include "users/sessions.h"
#include "web/web.h"

/* Login throttling, decided here:
 * - An account is locked out for an address after THROTTLE_PAIR failures from that address
 *   within THROTTLE_MINUTES: guessing from one place stops, and nobody else is locked out.
 * - An address is locked out after THROTTLE_ADDRESS failures on any accounts within
 *   THROTTLE_MINUTES: spraying many accounts from one place stops.
 * - Across all addresses, an account takes at most THROTTLE_ACCOUNT_RATE failures a minute;
 *   beyond that only addresses with no failure on it within THROTTLE_MINUTES are heard. A
 *   distributed guesser gets one guess per address per THROTTLE_MINUTES while the legitimate
 *   user, typing the right password at a place that has not failed, is never kept out.
 * The count is atomic: an attempt locks its address's and its account's login_gate rows (in
 * that order), counts, and records itself as a failure before the password is checked; a
 * success deletes the row again. Forty parallel wrong passwords get exactly THROTTLE_PAIR
 * evaluations. */
#define THROTTLE_PAIR 5
#define THROTTLE_ADDRESS 20
#define THROTTLE_ACCOUNT_RATE 10
#define THROTTLE_MINUTES 15
#define GATE_ATTEMPTS 5

static bool token_shape_ok(const char *t)
{
	return t && strlen(t) == 64 && strspn(t, "0123456789abcdef") == 64;
}

static long long idle_seconds(const web_request *r)
{
	return conf_int(r->cfg, "web", "session_idle_hours", 8, 1, 24 * 30) * 3600;
}

/* A session ends this long after its login however much it is used ([web] session_max_hours,
 * 24 by default): a stolen cookie does not live for ever, and a daily user logs in daily. */
static long long max_seconds(const web_request *r)
{
	return conf_int(r->cfg, "web", "session_max_hours", 24, 1, 24 * 90) * 3600;
}

int session_load(web_request *r)
{
	const web_param *c = web_params_get(&r->cookies, SESSION_COOKIE);
	unsigned char hash[32];
	memset(&r->user, 0, sizeof(r->user));
	if (!c || !token_shape_ok(c->value))
		return Z_OK;
	secret_sha256(c->value, 64, hash);
	sessions_user u;
	bool found;
	int rc = sessions_find(r->db, hash, idle_seconds(r), max_seconds(r), &u, &found);
	if (found) {
		r->user.id = u.id;
		snprintf(r->user.login, sizeof(r->user.login), "%s", u.login);
		r->user.admin = u.admin;
		snprintf(r->user.csrf, sizeof(r->user.csrf), "%s", u.csrf);
		r->user.alerts_menu = u.alerts_menu;
		snprintf(r->user.lang, sizeof(r->user.lang), "%s", u.lang);
	}
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
	if (sessions_create(r->db, hash, user_id, csrf) != Z_OK)
		return Z_ERR;
	/* Old sessions of anyone are swept now and then, not on every request. */
	if (raw[0] < 8)
		sessions_sweep(r->db, idle_seconds(r), max_seconds(r));
	return web_cookie(r, SESSION_COOKIE, token, 0);
}

int session_end(web_request *r)
{
	const web_param *c = web_params_get(&r->cookies, SESSION_COOKIE);
	if (c && token_shape_ok(c->value)) {
		unsigned char hash[32];
		secret_sha256(c->value, 64, hash);
		if (sessions_delete(r->db, hash) != Z_OK)
			return Z_ERR;
		web_cookie(r, SESSION_COOKIE, "", -1);
	}
	memset(&r->user, 0, sizeof(r->user));
	return Z_OK;
}

int session_end_others(web_request *r, long long user_id)
{
	const web_param *c = web_params_get(&r->cookies, SESSION_COOKIE);
	unsigned char hash[32];
	memset(hash, 0, sizeof(hash));
	/* The current session is kept only when it is that user's own. */
	if (c && token_shape_ok(c->value) && user_id == r->user.id)
		secret_sha256(c->value, 64, hash);
	return sessions_delete_others(r->db, user_id, hash);
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

/* One try at the gate inside a transaction: Z_OK with *attempt (the failure row recorded in
 * advance), Z_CONFLICT with *why, or a database error. */
static int gate_once(web_request *r, const char *login, long long *attempt, const char **why)
{
	sessions_failures n;
	const char *addr = r->remote_addr ? r->remote_addr : "";
	int rc = db_begin(r->db);
	if (rc == Z_OK)
		rc = sessions_gate_count(r->db, login, addr, THROTTLE_MINUTES, &n);
	if (rc != Z_OK)
		goto out;
	if (n.pair >= THROTTLE_PAIR || n.address >= THROTTLE_ADDRESS) {
		*why = web_lang(r, "msg.web.throttled_address");
		log_warn("login: throttled (%s)", n.pair >= THROTTLE_PAIR ? "account at address"
		                                                        : "address");
		rc = Z_CONFLICT;
		goto out;
	}
	if (n.account >= THROTTLE_ACCOUNT_RATE && n.pair > 0) {
		*why = web_lang(r, "msg.web.throttled_account");
		log_warn("login: throttled (account rate)");
		rc = Z_CONFLICT;
		goto out;
	}
	rc = sessions_failure_add(r->db, login, addr, attempt);
	if (rc == Z_OK)
		return db_commit(r->db);
out:
	if (db_in_transaction(r->db))
		db_rollback(r->db);
	return rc;
}

int session_login_gate(web_request *r, const char *login, long long *attempt, const char **why)
{
	int rc = Z_ERR;
	*attempt = 0;
	for (int i = 0; i < GATE_ATTEMPTS; i++) {
		rc = gate_once(r, login, attempt, why);
		if (rc != Z_ERR || !db_retryable(r->db))
			break;
	}
	/* Now and then, anchors nobody used for a day go. */
	unsigned char roll = 0;
	if (rc == Z_OK && secret_random(&roll, 1) == Z_OK && roll < 4)
		sessions_gate_sweep(r->db);
	return rc;
}

void session_login_succeeded(web_request *r, const char *login, long long attempt)
{
	/* Not a failure after all; and this address's earlier failures on the account are
	 * forgiven by knowing the password. */
	sessions_failure_forgive(r->db, attempt, login, r->remote_addr ? r->remote_addr : "");
}
