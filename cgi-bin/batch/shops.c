/* batch/shops: loading a shop for the batch (sealed credentials), stopping and resuming it,
 * and the per-shop single-flight lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch/mail.h"
#include "batch/shops.h"
#include "core/mallurl.h"
#include "core/log.h"
#include "core/lang.h"
#include "core/seal.h"
#include "core/secret.h"
#include "core/strnum.h"
#include "core/smsg.h"
#include "core/utf8.h"
#include "stock/stock.h"

/* Why the shop cannot be opened: load_error in Japanese, load_msg as language keys. */
static void load_fail(batch_shop *s, const char *key, const char *fmt, ...) Z_PRINTF(3, 4);

static void load_fail(batch_shop *s, const char *key, const char *fmt, ...)
{
	va_list ap;
	buf m = BUF_INIT;
	va_start(ap, fmt);
	vsnprintf(s->load_error, sizeof(s->load_error), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	int rc = smsg_vkeyf(&m, key, fmt, ap);
	va_end(ap);
	s->load_msg[0] = '\0';
	if (rc == Z_OK && m.len < sizeof(s->load_msg))
		memcpy(s->load_msg, buf_str(&m), m.len + 1);
	buf_free(&m);
}

void batch_msg_mall(buf *m, const char *st_msg, const char *text)
{
	if (st_msg && *st_msg) {
		if (m->len)
			buf_putc(m, SMSG_RS);
		buf_puts(m, st_msg);
	} else {
		smsg_lit(m, text);
	}
}

void batch_clean_message(char *m)
{
	size_t n = strlen(m), start = n;
	/* A message cut at a fixed size may end inside a character: drop that partial one. */
	while (start > 0 && ((unsigned char)m[start - 1] & 0xC0) == 0x80)
		start--;
	if (start > 0) {
		unsigned char lead = (unsigned char)m[start - 1];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (n - (start - 1) < want) {
			n = start - 1;
			m[n] = '\0';
		}
	}
	for (size_t k = 0; k < n; k++)
		if (m[k] == '\r' || m[k] == '\n' || m[k] == '\t')
			m[k] = ' ';
	if (!utf8_valid_text(m, n))
		strcpy(m, "(モールの応答を表示できません)");
}

void batch_datetime(time_t t, char out[20])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

void batch_setting(db *d, const char *name, const char *def, char *out, size_t outlen)
{
	db_res *r = NULL;
	snprintf(out, outlen, "%s", def ? def : "");
	if (db_queryv(d, &r, "SELECT value FROM setting WHERE name = ?", DB_S(name)) == Z_OK &&
	    r->nrows > 0 && db_get(r, 0, 0))
		snprintf(out, outlen, "%s", db_get(r, 0, 0));
	db_res_free(r);
}

long long batch_setting_int(db *d, const char *name, long long def, long long min,
                            long long max)
{
	char v[64];
	long long x;
	batch_setting(d, name, "", v, sizeof(v));
	if (!*v || strnum_ll(v, min, max, &x) != Z_OK)
		return def;
	return x;
}

int batch_shop_ids(db *d, const char *name, long long **ids, int *n)
{
	db_res *r = NULL;
	int rc;
	*ids = NULL;
	*n = 0;
	if (name)
		rc = db_queryv(d, &r, "SELECT id FROM shop WHERE name = ?", DB_S(name));
	else
		rc = db_query(d, "SELECT id FROM shop WHERE enabled = 1 ORDER BY id", NULL, 0, &r);
	if (rc != Z_OK)
		return rc;
	if (name && r->nrows == 0) {
		db_res_free(r);
		return Z_NOTFOUND;
	}
	if (r->nrows > 0) {
		*ids = calloc((size_t)r->nrows, sizeof(**ids));
		if (!*ids) {
			db_res_free(r);
			return Z_NOMEM;
		}
	}
	for (int i = 0; i < r->nrows; i++)
		(*ids)[i] = db_get_ll(r, i, 0, 0);
	*n = r->nrows;
	db_res_free(r);
	return Z_OK;
}

static time_t cell_time(const db_res *r, int col)
{
	return db_get(r, 0, col) ? (time_t)db_get_ll(r, 0, col, 0) : 0;
}

static const char SHOP_COLUMNS[] =
	"SELECT name, mall, api_base, state, credentials, options, "
	"UNIX_TIMESTAMP(order_cursor), UNIX_TIMESTAMP(fetch_cursor), "
	"UNIX_TIMESTAMP(token_expires_at), UNIX_TIMESTAMP(probe_at), "
	"UNIX_TIMESTAMP(credentials_expire_at) FROM shop WHERE id = ?";

/* The hash of the columns an adapter is made from; the NUL separators keep fields apart. */
static void row_hash(const db_res *r, unsigned char out[32])
{
	buf b = BUF_INIT;
	static const int cols[] = {1, 2, 4, 5};
	for (size_t i = 0; i < Z_ARRAY_LEN(cols); i++) {
		if (db_get(r, 0, cols[i]))
			buf_append(&b, db_get(r, 0, cols[i]), db_len(r, 0, cols[i]));
		buf_append(&b, i + 1 < Z_ARRAY_LEN(cols) ? "\0" : "", i + 1 < Z_ARRAY_LEN(cols));
	}
	secret_sha256(b.data ? b.data : "", b.len, out);
	buf_free(&b);
}

/* The columns that change without touching the adapter. */
static void take_dynamic(batch_shop *s, const db_res *r)
{
	s->stopped = !strcmp(db_get(r, 0, 3), "stopped");
	s->order_cursor = cell_time(r, 6);
	s->fetch_cursor = cell_time(r, 7);
	s->probe_at = cell_time(r, 9);
	s->credentials_expire_at = cell_time(r, 10);
}

int batch_shop_reread(db *d, batch_shop *s, bool *same)
{
	db_res *r = NULL;
	unsigned char h[32];
	*same = false;
	int rc = db_query(d, SHOP_COLUMNS, DB_ARGS(DB_I(s->ms.id)), &r);
	if (rc == Z_OK && r->nrows == 0)
		rc = Z_NOTFOUND;
	if (rc == Z_OK) {
		row_hash(r, h);
		*same = s->loaded && !memcmp(h, s->row_hash, sizeof(h));
		if (*same)
			take_dynamic(s, r);
	}
	db_res_free(r);
	return rc;
}

int batch_shop_open(db *d, const conf *cfg, long long id, batch_shop *s)
{
	db_res *r = NULL;
	buf plain = BUF_INIT;
	memset(s, 0, sizeof(*s));
	int rc = db_query(d, SHOP_COLUMNS, DB_ARGS(DB_I(id)), &r);
	if (rc != Z_OK)
		goto out;
	if (r->nrows == 0) {
		rc = Z_NOTFOUND;
		goto out;
	}
	snprintf(s->name, sizeof(s->name), "%s", db_get(r, 0, 0));
	snprintf(s->mall, sizeof(s->mall), "%s", db_get(r, 0, 1));
	snprintf(s->api_base, sizeof(s->api_base), "%s", db_get(r, 0, 2));
	take_dynamic(s, r);
	row_hash(r, s->row_hash);
	s->ms.token_expires_at = cell_time(r, 8);
	s->ms.id = id;
	s->ms.name = s->name;
	s->ms.mall = s->mall;
	s->ms.api_base = s->api_base;
	s->adapter = mall_adapter_for(s->mall);
	long timeout = (long)conf_int(cfg, "batch", "http_timeout_ms", 30000, 100, 600000);
	s->ms.http = http_client_new(timeout, true);
	if (!s->ms.http) {
		rc = Z_NOMEM;
		goto out;
	}
	rc = Z_OK;
	if (db_get(r, 0, 5) && *db_get(r, 0, 5)) {
		s->ms.options = cJSON_Parse(db_get(r, 0, 5));
		if (!cJSON_IsObject(s->ms.options)) {
			load_fail(s, "msg.batch.options_json", "店舗の設定 (options) が JSON ではありません");
			goto out;
		}
	}
	if (!s->adapter) {
		load_fail(s, "msg.batch.mall_unknown", "モール %s に対応していません", s->mall);
		goto out;
	}
	if (!db_get(r, 0, 4) || db_len(r, 0, 4) == 0) {
		load_fail(s, "msg.batch.no_credentials", "認証情報が設定されていません");
		goto out;
	}
	int sr = seal_decrypt(conf_get(cfg, "batch", "key_file", NULL), db_get(r, 0, 4),
	                      db_len(r, 0, 4), &plain);
	if (sr != Z_OK) {
		load_fail(s, "msg.batch.credentials_sealed",
		          "認証情報を復号できません (鍵ファイルを確認してください)");
		goto out;
	}
	s->ms.credentials = cJSON_Parse(buf_str(&plain));
	if (!cJSON_IsObject(s->ms.credentials)) {
		cJSON_Delete(s->ms.credentials);
		s->ms.credentials = NULL;
		load_fail(s, "msg.batch.credentials_json", "認証情報が JSON ではありません");
		goto out;
	}
	/* Credentials go only where they were entered for, and only to a place fit for secrets. */
	char why[200], dest[65];
	if (!mallurl_shop_ok(s->api_base, s->ms.options, mallurl_allow_local(cfg), why, sizeof(why))) {
		load_fail(s, "msg.batch.url_refused", "APIのURLに認証情報を送れません: %s", why);
		goto out;
	}
	mallurl_destination(s->mall, s->api_base, s->ms.options, dest);
	const cJSON *sealed_for = cJSON_GetObjectItemCaseSensitive(s->ms.credentials, "_dest");
	if (cJSON_IsString(sealed_for) && strcmp(sealed_for->valuestring, dest)) {
		load_fail(s, "msg.batch.destination_changed",
		          "認証情報を登録したあとでAPIのURL（送信先）が変わりました。認証情報を入力し直してください");
		goto out;
	}
	if (!sealed_for) {
		/* Sealed before destinations were recorded: bound to this one from now on. */
		cJSON_AddStringToObject(s->ms.credentials, "_dest", dest);
		s->ms.credentials_changed = true;
	}
	s->loaded = true;
out:
	if (plain.data)
		memset(plain.data, 0, plain.len);
	buf_free(&plain);
	db_res_free(r);
	return rc;
}

void batch_shop_close(batch_shop *s)
{
	if (s->adapter && s->adapter->release)
		s->adapter->release(&s->ms);
	cJSON_Delete(s->ms.credentials);
	cJSON_Delete(s->ms.options);
	http_client_free(s->ms.http);
	memset(s, 0, sizeof(*s));
}

int batch_seal_credentials(db *d, const conf *cfg, long long shop_id, const char *json)
{
	buf sealed = BUF_INIT;
	db_res *r = NULL;
	char dest[65], *bound = NULL;
	/* Sealed with the place they are for (mallurl_destination): sent nowhere else. */
	int rc = db_queryv(d, &r, "SELECT mall, api_base, COALESCE(options, '') FROM shop WHERE id = ?",
	                   DB_I(shop_id));
	if (rc != Z_OK || !r->nrows) {
		db_res_free(r);
		return rc == Z_OK ? Z_NOTFOUND : rc;
	}
	cJSON *opts = cJSON_Parse(db_get(r, 0, 2));
	mallurl_destination(db_get(r, 0, 0), db_get(r, 0, 1), cJSON_IsObject(opts) ? opts : NULL, dest);
	cJSON_Delete(opts);
	db_res_free(r);
	cJSON *j = cJSON_Parse(json);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return Z_INVALID;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(j, "_dest");
	cJSON_AddStringToObject(j, "_dest", dest);
	bound = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!bound)
		return Z_NOMEM;
	rc = seal_encrypt(conf_get(cfg, "batch", "key_file", NULL), bound, strlen(bound), &sealed);
	memset(bound, 0, strlen(bound));
	cJSON_free(bound);
	if (rc == Z_OK)
		rc = db_execv(d, "UPDATE shop SET credentials = ? WHERE id = ?",
		              DB_SN(sealed.data, sealed.len), DB_I(shop_id));
	buf_free(&sealed);
	return rc;
}

int batch_shop_save_credentials(db *d, const conf *cfg, batch_shop *s)
{
	if (!s->ms.credentials_changed || !s->ms.credentials)
		return Z_OK;
	char *json = cJSON_PrintUnformatted(s->ms.credentials);
	if (!json)
		return Z_NOMEM;
	int rc = batch_seal_credentials(d, cfg, s->ms.id, json);
	if (rc == Z_OK) {
		/* Our own save is no change from outside: the loop keeps this adapter. */
		db_res *r = NULL;
		if (db_query(d, SHOP_COLUMNS, DB_ARGS(DB_I(s->ms.id)), &r) == Z_OK && r->nrows)
			row_hash(r, s->row_hash);
		db_res_free(r);
	}
	memset(json, 0, strlen(json));
	cJSON_free(json);
	if (rc == Z_OK && s->ms.token_expires_at) {
		char at[20];
		batch_datetime(s->ms.token_expires_at, at);
		rc = db_execv(d, "UPDATE shop SET token_expires_at = ? WHERE id = ?", DB_S(at),
		              DB_I(s->ms.id));
	}
	if (rc == Z_OK)
		s->ms.credentials_changed = false;
	else
		log_error("shop %lld: could not save refreshed credentials", s->ms.id);
	return rc;
}

/* The mail of a stopped shop in one language (mail.stopped in the language files). */
typedef struct {
	const batch_shop *s;
	const char *msg;
	const char *form; /* msg as language keys (core/smsg.h), or NULL */
} stopped_mail;

static void stopped_texts(const char *lang, void *ctx, buf *subject, buf *body)
{
	const stopped_mail *m = ctx;
	buf reason = BUF_INIT;
	smsg_show(NULL, lang, m->msg, m->form, &reason); /* the reason in the mail's language */
	lang_textf(NULL, lang, subject, "mail.stopped.subject", "%s", m->s->name);
	lang_textf(NULL, lang, body, "mail.stopped.body", "%s%s%s", m->s->name, m->s->mall,
	               buf_str(&reason));
	buf_free(&reason);
}

int batch_shop_stop(db *d, batch_shop *s, const char *reason)
{
	return batch_shop_stop_m(d, s, reason, NULL);
}

int batch_shop_stop_m(db *d, batch_shop *s, const char *reason, const char *reason_msg)
{
	long long changed = 0;
	char msg[500];
	snprintf(msg, sizeof(msg), "%s", reason);
	batch_clean_message(msg);
	if (reason_msg && (!*reason_msg || !smsg_storable(reason_msg) ||
	                   utf8_count(reason_msg, strlen(reason_msg)) > 1000))
		reason_msg = NULL;
	int rc = db_exec(d, "UPDATE shop SET state = 'stopped', stop_reason = ?, "
	                    "stop_reason_msg = ?, probe_at = UTC_TIMESTAMP() "
	                    "WHERE id = ? AND state = 'ok'",
	                 DB_ARGS(DB_S(msg), DB_SOPT(reason_msg), DB_I(s->ms.id)), &changed, NULL);
	s->stopped = true;
	if (rc == Z_OK)
		rc = stock_release_claims(d, s->ms.id);
	if (rc != Z_OK || !changed)
		return rc;
	log_warn("shop %lld stopped: %s", s->ms.id, msg);
	char key[64];
	long long recent = 0;
	snprintf(key, sizeof(key), "stopped:%lld", s->ms.id);
	/* A shop that stops again soon after resuming (a half-fixed credential) mails once a day,
	 * not once per retry. The stop's error row goes when the shop resumes, so the shop row
	 * remembers the mail (whoever sets it mails). */
	rc = db_exec(d, "UPDATE shop SET stop_mailed_at = UTC_TIMESTAMP() WHERE id = ? AND "
	                "(stop_mailed_at IS NULL OR stop_mailed_at <= UTC_TIMESTAMP() - INTERVAL 1 DAY)",
	             DB_ARGS(DB_I(s->ms.id)), &recent, NULL);
	recent = rc == Z_OK && recent == 0;
	buf em = BUF_INIT;
	if (reason_msg) {
		smsg_keyf(&em, "msg.batch.stopped", "店舗「%s」の連携を停止しました:", s->name);
		smsg_lit(&em, " ");
		buf_putc(&em, SMSG_RS);
		buf_puts(&em, reason_msg);
		smsg_lit(&em, " ");
		smsg_key(&em, "msg.batch.stopped_tail");
	}
	if (rc == Z_OK)
		rc = stock_error_m(d, 9, "shop_stopped", s->ms.id, 0, 0, key, em.len ? buf_str(&em) : NULL,
	                 "店舗「%s」の連携を停止しました: %s (認証情報を更新すると再開します)",
	                 s->name, msg);
	buf_free(&em);
	if (rc == Z_OK && !recent) {
		stopped_mail m = {s, msg, reason_msg};
		rc = mail_queue_error_each(d, stopped_texts, &m);
	}
	return rc;
}

int batch_shop_resume(db *d, batch_shop *s)
{
	long long changed = 0;
	int rc = db_exec(d, "UPDATE shop SET state = 'ok', stop_reason = NULL, "
	                    "stop_reason_msg = NULL, probe_at = NULL "
	                    "WHERE id = ? AND state = 'stopped'",
	                 DB_ARGS(DB_I(s->ms.id)), &changed, NULL);
	s->stopped = false;
	if (rc == Z_OK && changed) {
		char key[64];
		snprintf(key, sizeof(key), "stopped:%lld", s->ms.id);
		log_info("shop %lld resumed: credentials work again", s->ms.id);
		/* The stop's cause is gone, and so is its row. */
		rc = db_execv(d, "DELETE FROM error_log WHERE dedupe = ?", DB_S(key));
	}
	return rc;
}

/* The locks this process holds, with the connection they were taken on (db_generation). */
static struct {
	long long shop_id;
	unsigned long generation;
} held[256];
static int nheld;
static long long lock_wait_seconds;

void batch_shop_lock_wait(long long seconds)
{
	lock_wait_seconds = seconds < 0 ? 0 : seconds;
}

bool batch_shop_lock(db *d, long long shop_id)
{
	char name[64];
	long long got = 0;
	snprintf(name, sizeof(name), "zaiko.shop.%lld", shop_id);
	if (db_query_ll(d, "SELECT GET_LOCK(?, ?)", DB_ARGS(DB_S(name), DB_I(lock_wait_seconds)), 0,
	                &got) != Z_OK)
		return false;
	if (got != 1)
		return false;
	int i = 0;
	while (i < nheld && held[i].shop_id != shop_id)
		i++;
	if (i == nheld) {
		if (nheld == (int)Z_ARRAY_LEN(held)) {
			batch_shop_unlock(d, shop_id);
			return false;
		}
		nheld++;
	}
	held[i].shop_id = shop_id;
	held[i].generation = db_generation(d);
	return true;
}

bool batch_shop_lock_held(db *d, long long shop_id)
{
	int i = 0;
	while (i < nheld && held[i].shop_id != shop_id)
		i++;
	if (i == nheld || held[i].generation != db_generation(d))
		return false;
	/* Asking the server also finds a connection killed since the last statement (the
	 * question then reconnects, and the generation tells). */
	char name[64];
	long long mine = 0;
	snprintf(name, sizeof(name), "zaiko.shop.%lld", shop_id);
	return db_query_ll(d, "SELECT COALESCE(IS_USED_LOCK(?) = CONNECTION_ID(), 0)",
	                   DB_ARGS(DB_S(name)), 0, &mine) == Z_OK &&
	       mine == 1 && held[i].generation == db_generation(d);
}

void batch_shop_unlock(db *d, long long shop_id)
{
	char name[64];
	long long got = 0;
	snprintf(name, sizeof(name), "zaiko.shop.%lld", shop_id);
	for (int i = 0; i < nheld; i++)
		if (held[i].shop_id == shop_id)
			held[i--] = held[--nheld];
	db_query_ll(d, "SELECT RELEASE_LOCK(?)", DB_ARGS(DB_S(name)), 0, &got);
}
