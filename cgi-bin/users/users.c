/* users: creation and password changes, with the rules for logins and passwords. */
#include <string.h>
#include "core/secret.h"
#include "users/users.h"

static const char *check_password(const char *password)
{
	size_t n = strlen(password);
	if (n < USERS_MIN_PASSWORD)
		return "パスワードは10文字以上にしてください。";
	if (n > 200)
		return "パスワードが長すぎます。";
	return NULL;
}

int users_create(db *d, const char *login, const char *password, const char *role,
                 const char **why)
{
	size_t n = strlen(login);
	*why = NULL;
	if (n < 1 || n > 64 || strspn(login, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                      "0123456789._@-") != n) {
		*why = "ログインIDは英数字と . _ @ - の64文字以内にしてください。";
		return Z_INVALID;
	}
	if (strcmp(role, "admin") && strcmp(role, "staff")) {
		*why = "権限が正しくありません。";
		return Z_INVALID;
	}
	if ((*why = check_password(password)))
		return Z_INVALID;
	char hash[256];
	if (secret_hash_password(password, hash, sizeof(hash)) != Z_OK)
		return Z_ERR;
	return db_execv(d, "INSERT INTO app_user (login, password_hash, role, created_at) "
	                   "VALUES (?, ?, ?, UTC_TIMESTAMP())",
	                DB_S(login), DB_S(hash), DB_S(role));
}

int users_set_password(db *d, long long user_id, const char *password, const char **why)
{
	if ((*why = check_password(password)))
		return Z_INVALID;
	char hash[256];
	if (secret_hash_password(password, hash, sizeof(hash)) != Z_OK)
		return Z_ERR;
	return db_execv(d, "UPDATE app_user SET password_hash = ? WHERE id = ?", DB_S(hash),
	                DB_I(user_id));
}
