/* sessions: the stored side of signing in, for web/session.c (which owns cookies, CSRF and
 * the throttling policy): sessions by the SHA-256 of their token, and the login_gate and
 * login_failure rows that count failed logins. The web front holds no SQL. */
#ifndef ZAIKO_USERS_SESSIONS_H
#define ZAIKO_USERS_SESSIONS_H

#include <stdbool.h>
#include "db/db.h"

#define SESSIONS_HASH_LEN 32 /* SHA-256 of the cookie's token */

/* The user behind a live session. */
typedef struct {
	long long id;
	char login[65];
	bool admin;
	char csrf[65];
	bool alerts_menu; /* an admin while alert_mode is per_sku */
	char lang[3];     /* app_user.lang: "ja" or "en" */
} sessions_user;

/* Finds the session of token hash whose user is enabled, seen within idle_s seconds and
 * created within max_s; touches its last_seen when older than a minute. Z_OK with *found
 * (and *out filled when found), or Z_ERR. */
int sessions_find(db *d, const unsigned char *hash, long long idle_s, long long max_s,
                  sessions_user *out, bool *found);
/* Stores a new session (created and seen now). Z_OK or Z_ERR. */
int sessions_create(db *d, const unsigned char *hash, long long user_id, const char *csrf);
/* Deletes sessions idle beyond idle_s or older than max_s. Z_OK or Z_ERR. */
int sessions_sweep(db *d, long long idle_s, long long max_s);
/* Deletes the session of token hash. Z_OK or Z_ERR. */
int sessions_delete(db *d, const unsigned char *hash);
/* Deletes every session of user_id except the one of keep_hash. Z_OK or Z_ERR. */
int sessions_delete_others(db *d, long long user_id, const unsigned char *keep_hash);

/* Failed logins counted for one attempt, within the caller's transaction. */
typedef struct {
	long long pair;    /* this login from this address, within the window */
	long long address; /* any login from this address, within the window */
	long long account; /* this login from anywhere, within the last minute */
} sessions_failures;

/* Inside a transaction: locks the address's then the login's login_gate row (every attempt
 * locks in this order, so the count below is atomic) and counts the failures of the last
 * window_minutes. Z_OK or a database error. */
int sessions_gate_count(db *d, const char *login, const char *address, int window_minutes,
                        sessions_failures *out);
/* Inside that transaction: records the attempt as a failure in advance (*id for forgiving
 * it). Z_OK or a database error. */
int sessions_failure_add(db *d, const char *login, const char *address, long long *id);
/* The password was right: forgets failure id and this address's earlier failures on login. */
void sessions_failure_forgive(db *d, long long id, const char *login, const char *address);
/* Drops login_gate rows nobody touched for a day. */
void sessions_gate_sweep(db *d);

#endif
