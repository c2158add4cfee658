/* setting_secret: secrets kept in the setting table (the SMTP password), sealed with the same
 * key file and AES-256-GCM as the malls' credentials. The stored value is "sealed:" and the
 * sealed bytes in hex; a value without that prefix is a clear one from before sealing and is
 * sealed in place the first time it is read. The plain text never goes back to a page. */
#include <string.h>
#include <strings.h>
#include "core/log.h"
#include "core/seal.h"
#include "core/secret.h"
#include "db/db.h"
#include "db/setting_secret.h"

#define PREFIX "sealed:"

static void wipe(buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->len);
}

static int unhex(const char *s, size_t n, buf *out)
{
	if (n % 2)
		return Z_INVALID;
	for (size_t i = 0; i < n; i += 2) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[i + (size_t)k];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return Z_INVALID;
			v = v * 16 + d;
		}
		if (buf_putc(out, (char)v) != Z_OK)
			return Z_NOMEM;
	}
	return Z_OK;
}

/* The stored form of plain: PREFIX + hex(sealed). */
static int seal_value(const char *key_file, const char *plain, buf *out)
{
	buf sealed = BUF_INIT;
	int rc = seal_encrypt(key_file, plain, strlen(plain), &sealed);
	if (rc == Z_OK && buf_puts(out, PREFIX) == Z_OK && buf_reserve(out, sealed.len * 2 + 1) == Z_OK) {
		char pair[3];
		for (size_t i = 0; i < sealed.len && rc == Z_OK; i++) {
			secret_hex(sealed.data + i, 1, pair);
			rc = buf_puts(out, pair);
		}
	} else if (rc == Z_OK) {
		rc = Z_NOMEM;
	}
	wipe(&sealed);
	buf_free(&sealed);
	return rc;
}

int setting_secret_put(db *d, const char *key_file, const char *name, const char *plain)
{
	if (!plain || !*plain)
		return db_execv(d, "DELETE FROM setting WHERE name = ?", DB_S(name));
	if (!key_file) {
		log_error("settings: no [batch] key_file to seal %s with", name);
		return Z_ERR;
	}
	buf v = BUF_INIT;
	int rc = seal_value(key_file, plain, &v);
	if (rc == Z_OK)
		rc = db_execv(d, "INSERT INTO setting (name, value) VALUES (?, ?) "
		                 "ON DUPLICATE KEY UPDATE value = VALUES(value)",
		              DB_S(name), DB_S(buf_str(&v)));
	buf_free(&v);
	return rc;
}

int setting_secret_get(db *d, const char *key_file, const char *name, buf *out)
{
	db_res *r = NULL;
	int rc = db_queryv(d, &r, "SELECT value FROM setting WHERE name = ?", DB_S(name));
	if (rc != Z_OK)
		return rc;
	const char *v = r->nrows ? db_get(r, 0, 0) : NULL;
	if (!v || !*v) {
		db_res_free(r);
		return Z_NOTFOUND;
	}
	size_t plen = strlen(PREFIX);
	if (strncmp(v, PREFIX, plen)) {
		/* Stored before sealing: seal it now (unless someone changed it meanwhile). */
		buf sealed = BUF_INIT;
		rc = buf_puts(out, v);
		if (rc == Z_OK && key_file && seal_value(key_file, v, &sealed) == Z_OK) {
			if (db_execv(d, "UPDATE setting SET value = ? WHERE name = ? AND value = ?",
			             DB_S(buf_str(&sealed)), DB_S(name), DB_S(v)) == Z_OK)
				log_info("settings: %s sealed in place", name);
		}
		buf_free(&sealed);
		db_res_free(r);
		return rc;
	}
	buf raw = BUF_INIT;
	rc = unhex(v + plen, strlen(v + plen), &raw);
	if (rc == Z_OK)
		rc = key_file ? seal_decrypt(key_file, raw.data, raw.len, out) : Z_ERR;
	if (rc != Z_OK)
		log_error("settings: %s cannot be unsealed (wrong or missing key file?)", name);
	wipe(&raw);
	buf_free(&raw);
	db_res_free(r);
	return rc;
}

int setting_secret_seal_clear(db *d, const char *key_file, const char *name)
{
	buf plain = BUF_INIT;
	int rc = setting_secret_get(d, key_file, name, &plain);
	wipe(&plain);
	buf_free(&plain);
	return rc == Z_NOTFOUND ? Z_OK : rc;
}
