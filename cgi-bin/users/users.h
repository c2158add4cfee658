/* users: the accounts that may sign in (roles admin and staff): creation and passwords, for
 * the 利用者 screen and `zaiko-batch useradd`. Not the stock core's: it knows no stock. */
#ifndef ZAIKO_USERS_H
#define ZAIKO_USERS_H

#include "db/db.h"

#define USERS_MIN_PASSWORD 10

/* Creates a user. Returns Z_OK, Z_CONFLICT when the login exists, Z_INVALID with *why
 * (Japanese, static) for a bad login, role or password. */
int users_create(db *d, const char *login, const char *password, const char *role,
                 const char **why);
/* Replaces a user's password (same rules). */
int users_set_password(db *d, long long user_id, const char *password, const char **why);

#endif
