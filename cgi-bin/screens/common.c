/* common: helpers shared by the screens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/smsg.h"
#include "screens/common.h"

int screen_setting_get(db *d, const char *name, const char *def, buf *out)
{
	db_res *res = NULL;
	if (db_queryv(d, &res, "SELECT value FROM setting WHERE name = ?", DB_S(name)) != Z_OK)
		return Z_ERR;
	const char *v = res->nrows ? db_get(res, 0, 0) : def;
	int rc = buf_puts(out, v ? v : "");
	db_res_free(res);
	return rc == Z_OK ? Z_OK : Z_ERR;
}

int screen_setting_put(db *d, const char *name, const char *value)
{
	return db_execv(d, "INSERT INTO setting (name, value) VALUES (?, ?) "
	                   "ON DUPLICATE KEY UPDATE value = VALUES(value)",
	                DB_S(name), DB_S(value));
}

char *screen_like_pattern(const char *s, size_t len, bool lead, bool trail)
{
	buf b = BUF_INIT;
	if (lead)
		buf_putc(&b, '%');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, s[i]);
	}
	if (trail)
		buf_putc(&b, '%');
	buf_str(&b);
	return buf_detach(&b);
}

int screen_hdf_rows(web_request *r, const char *prefix, const db_res *res, int max)
{
	char key[256];
	int n = max >= 0 && max < res->nrows ? max : res->nrows;
	for (int i = 0; i < n; i++)
		for (int c = 0; c < res->ncols; c++) {
			snprintf(key, sizeof(key), "%s.%d.%s", prefix, i, res->names[c]);
			const char *v = db_get(res, i, c);
			if (web_set(r, key, v ? v : "") != Z_OK)
				return Z_NOMEM;
		}
	return Z_OK;
}

int screen_stored_texts(web_request *r, const char *prefix, const db_res *res,
                        const char *text_col, const char *msg_col)
{
	int mc = -1;
	for (int c = 0; c < res->ncols; c++)
		if (!strcmp(res->names[c], msg_col))
			mc = c;
	if (mc < 0)
		return Z_OK;
	char key[256];
	int rc = Z_OK;
	buf out = BUF_INIT;
	for (int i = 0; rc == Z_OK && i < res->nrows; i++) {
		const char *m = db_get(res, i, mc);
		buf_reset(&out);
		if (!m || smsg_render(r->cfg, web_lang_code(r), m, &out) != Z_OK)
			continue;
		snprintf(key, sizeof(key), "%s.%d.%s", prefix, i, text_col);
		rc = web_set(r, key, buf_str(&out)) == Z_OK ? Z_OK : Z_NOMEM;
		snprintf(key, sizeof(key), "%s.%d.%s_shown", prefix, i, text_col);
		if (rc == Z_OK)
			rc = web_set(r, key, "1") == Z_OK ? Z_OK : Z_NOMEM;
	}
	buf_free(&out);
	return rc;
}

void screen_flash_show(web_request *r, const screen_flash *table, const char *key)
{
	for (int i = 0; key && table[i].key; i++)
		if (!strcmp(table[i].key, key)) {
			web_set(r, "Page.flash", web_lang(r, table[i].message));
			return;
		}
}

int screen_render_error(web_request *r, int status, const char *message, const char *name)
{
	web_set(r, "Page.error", message);
	r->status = status;
	return web_render(r, name);
}

bool screen_mail_valid(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n < 3 || n > 254 || !at || at == s || strchr(at + 1, '@') || !at[1])
		return false;
	if (!strchr(at + 1, '.') || s[n - 1] == '.')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>(),;:\"[]\\", *p))
			return false;
	return true;
}

int screen_mail_list(const web_request *r, const char *in, buf *out, buf *why)
{
	char *copy = strdup(in);
	int rc = Z_OK, count = 0;
	if (!copy)
		return Z_NOMEM;
	for (char *save = NULL, *tok = strtok_r(copy, ",; \t\r\n", &save); tok;
	     tok = strtok_r(NULL, ",; \t\r\n", &save)) {
		if (!*tok)
			continue;
		if (!screen_mail_valid(tok)) {
			web_langf(r, why, "msg.common.mail_invalid", "%s", tok);
			rc = Z_INVALID;
			goto out;
		}
		if (++count > 10) {
			buf_puts(why, web_lang(r, "msg.common.mail_max"));
			rc = Z_INVALID;
			goto out;
		}
		buf_printf(out, "%s%s", out->len ? ", " : "", tok);
	}
out:
	free(copy);
	return rc;
}
