/* batch/mail: the mail queue and libcurl's SMTP client (smtp://, smtps://, STARTTLS, AUTH). */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "batch/mail.h"
#include "batch/shops.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/smsg.h"
#include "db/setting_secret.h"

#define MAIL_MAX_ATTEMPTS 5

int mail_queue(db *d, const char *kind, const char *recipients, const char *subject,
               const char *body)
{
	if (!recipients || !*recipients)
		return Z_INVALID;
	return db_execv(d, "INSERT INTO mail_queue (kind, recipients, subject, body, created_at) "
	                   "VALUES (?, ?, ?, ?, UTC_TIMESTAMP())",
	                DB_S(kind), DB_S(recipients), DB_S(subject), DB_S(body));
}

int mail_queue_error(db *d, const char *subject, const char *body)
{
	char enabled[16], to[1000];
	batch_setting(d, "error_mail_enabled", "1", enabled, sizeof(enabled));
	batch_setting(d, "error_mail_to", "", to, sizeof(to));
	if (!strcmp(enabled, "0") || !*to)
		return Z_OK;
	return mail_queue(d, "error", to, subject, body);
}

const char *const mail_langs[MAIL_LANGS] = {"ja", "en"};
const char *const mail_error_to_settings[MAIL_LANGS] = {"error_mail_to", "error_mail_to_en"};

int mail_queue_error_each(db *d, mail_texts_fn texts, void *ctx)
{
	char enabled[16];
	int rc = Z_OK;
	batch_setting(d, "error_mail_enabled", "1", enabled, sizeof(enabled));
	if (!strcmp(enabled, "0"))
		return Z_OK;
	for (int i = 0; rc == Z_OK && i < MAIL_LANGS; i++) {
		char to[1000];
		batch_setting(d, mail_error_to_settings[i], "", to, sizeof(to));
		if (!*to)
			continue;
		buf subject = BUF_INIT, body = BUF_INIT;
		texts(mail_langs[i], ctx, &subject, &body);
		rc = mail_queue(d, "error", to, buf_str(&subject), buf_str(&body));
		buf_free(&subject);
		buf_free(&body);
	}
	return rc;
}

/* Base64 of p (OpenSSL's EVP_EncodeBlock), in lines of at most wrap characters (a multiple of
 * 4; 0: one line) joined by CRLF. */
static int base64(buf *out, const unsigned char *p, size_t n, size_t wrap)
{
	size_t chunk = wrap ? wrap / 4 * 3 : n; /* input bytes a line holds */
	for (size_t i = 0; i < n; i += chunk) {
		size_t take = n - i < chunk ? n - i : chunk;
		if (i && buf_puts(out, "\r\n") != Z_OK)
			return Z_NOMEM;
		if (buf_reserve(out, (take + 2) / 3 * 4 + 1) != Z_OK)
			return Z_NOMEM;
		int len = EVP_EncodeBlock((unsigned char *)out->data + out->len, p + i, (int)take);
		out->len += (size_t)len;
	}
	return Z_OK;
}

/* A header value is never allowed to carry a line break (header injection). */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			*s = ' ';
}

int mail_format(const char *from, const char *to, const char *subject, const char *body,
                time_t date, buf *out)
{
	char f[320], t[1000], when[64], id[33];
	unsigned char rnd[16];
	struct tm tm;
	snprintf(f, sizeof(f), "%s", from);
	snprintf(t, sizeof(t), "%s", to);
	one_line(f);
	one_line(t);
	gmtime_r(&date, &tm);
	strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (secret_random(rnd, sizeof(rnd)) != Z_OK)
		memset(rnd, 0, sizeof(rnd));
	secret_hex(rnd, sizeof(rnd), id);
	const char *at = strchr(f, '@');
	int rc = buf_printf(out, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?", when, f, t);
	rc = rc ? rc : base64(out, (const unsigned char *)subject, strlen(subject), 0);
	rc = rc ? rc : buf_printf(out, "?=\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
	                               "Content-Type: text/plain; charset=UTF-8\r\n"
	                               "Content-Transfer-Encoding: base64\r\n\r\n",
	                          id, at ? at + 1 : "zaiko.invalid");
	rc = rc ? rc : base64(out, (const unsigned char *)body, strlen(body), 76);
	rc = rc ? rc : buf_puts(out, "\r\n");
	return rc;
}

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct reader *r = ud;
	size_t n = size * nmemb;
	if (n > r->left)
		n = r->left;
	memcpy(ptr, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

/* zaiko's own reasons a mail could not be sent: the Japanese text mail_queue.result keeps and
 * its language key, stored beside it in result_msg (core/smsg.h) so 共通設定's test mails show
 * it in the reader's language. Each text is its key's Japanese in ja.hdf
 * (tests/integration/test_lang_keys.py checks the pairs). An SMTP server's answer has no key. */
enum { SEND_NO_PASSWORD, SEND_NO_SERVER, SEND_NO_RECIPIENT, SEND__N };
static const smsg_keyed send_errors[SEND__N] = {
	[SEND_NO_PASSWORD] = KEYED("msg.mail_result.no_password",
	                           "SMTP パスワードを復号できません（鍵ファイルを確認してください）"),
	[SEND_NO_SERVER] = KEYED("msg.mail_result.no_server",
	                         "SMTP サーバー (smtp_url) が設定されていません"),
	[SEND_NO_RECIPIENT] = KEYED("msg.mail_result.no_recipient", "宛先がありません"),
};

static void own_error(int which, char *err, size_t errlen, const char **err_key)
{
	snprintf(err, errlen, "%s", send_errors[which].text);
	*err_key = send_errors[which].key;
}

/* Sends one message; err gets curl's answer on failure (never a password), or one of
 * send_errors with its key in *err_key (else left NULL). */
static int smtp_send(db *d, const conf *cfg, const char *recipients, const char *subject,
                     const char *body, char *err, size_t errlen, const char **err_key)
{
	char url[512], user[256], from[320];
	buf pass = BUF_INIT;
	char ebuf[CURL_ERROR_SIZE] = "";
	buf msg = BUF_INIT;
	struct curl_slist *rcpt = NULL;
	CURL *c = NULL;
	int rc = Z_ERR;
	batch_setting(d, "smtp_url", "", url, sizeof(url));
	batch_setting(d, "smtp_user", "", user, sizeof(user));
	/* Sealed in the setting table (a clear one from before is sealed now). */
	int pr = setting_secret_get(d, conf_get(cfg, "batch", "key_file", NULL), "smtp_password",
	                            &pass);
	if (pr != Z_OK && pr != Z_NOTFOUND) {
		own_error(SEND_NO_PASSWORD, err, errlen, err_key);
		goto out;
	}
	batch_setting(d, "mail_from", "zaiko@localhost", from, sizeof(from));
	if (!*url) {
		own_error(SEND_NO_SERVER, err, errlen, err_key);
		goto out;
	}
	char list[1000];
	snprintf(list, sizeof(list), "%s", recipients);
	for (char *save = NULL, *a = strtok_r(list, ",; ", &save); a;
	     a = strtok_r(NULL, ",; ", &save)) {
		char addr[330];
		snprintf(addr, sizeof(addr), "<%s>", a);
		struct curl_slist *n = curl_slist_append(rcpt, addr);
		if (!n)
			goto out;
		rcpt = n;
	}
	if (!rcpt) {
		own_error(SEND_NO_RECIPIENT, err, errlen, err_key);
		goto out;
	}
	if (mail_format(from, recipients, subject, body, time(NULL), &msg) != Z_OK)
		goto out;
	struct reader rd = {msg.data, msg.len};
	char mfrom[330];
	snprintf(mfrom, sizeof(mfrom), "<%s>", from);
	if (!(c = curl_easy_init()))
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, mfrom);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	/* smtp:// upgrades with STARTTLS when the server offers it; smtps:// is TLS from the start.
	 * With a password, TLS is required so it never crosses the network in the clear —
	 * except to a loopback server. */
	bool loopback = strstr(url, "://127.0.0.1") || strstr(url, "://localhost") ||
	                strstr(url, "://[::1]");
	curl_easy_setopt(c, CURLOPT_USE_SSL,
	                 (pass.len && !loopback) ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (*user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, buf_str(&pass));
	}
	CURLcode cr = curl_easy_perform(c);
	if (cr != CURLE_OK) {
		snprintf(err, errlen, "%s", *ebuf ? ebuf : curl_easy_strerror(cr));
		goto out;
	}
	rc = Z_OK;
out:
	if (pass.data)
		explicit_bzero(pass.data, pass.len);
	buf_free(&pass);
	curl_easy_cleanup(c);
	curl_slist_free_all(rcpt);
	buf_free(&msg);
	return rc;
}

int mail_send_queued(db *d, const conf *cfg, int limit, int *sent, int *failed)
{
	db_res *r = NULL;
	long long got = 0;
	int ns = 0, nf = 0, rc = Z_OK;
	if (db_query_ll(d, "SELECT GET_LOCK('zaiko.mail', 0)", NULL, 0, 0, &got) != Z_OK)
		return Z_ERR;
	if (got != 1)
		goto done; /* another batch is sending them */
	/* Without a server, mails wait (their attempts are not used up); only a test mail is
	 * answered at once, so the admin learns that the setting is missing. */
	char url[16];
	batch_setting(d, "smtp_url", "", url, sizeof(url));
	rc = db_queryv(d, &r, "SELECT id, recipients, subject, body, attempts, kind FROM mail_queue "
	                      "WHERE state = 'queued' AND (? OR kind = 'test') ORDER BY id LIMIT ?",
	               DB_I(*url != '\0'), DB_I(limit));
	for (int i = 0; rc == Z_OK && i < r->nrows; i++) {
		char err[300] = "";
		const char *err_key = NULL;
		long long id = db_get_ll(r, i, 0, 0), attempts = db_get_ll(r, i, 4, 0) + 1;
		if (smtp_send(d, cfg, db_get(r, i, 1), db_get(r, i, 2), db_get(r, i, 3), err,
		              sizeof(err), &err_key) == Z_OK) {
			ns++;
			rc = db_execv(d, "UPDATE mail_queue SET state = 'sent', attempts = ?, result = 'OK', "
			                 "result_msg = NULL, "
			                 "sent_at = UTC_TIMESTAMP() WHERE id = ?",
			              DB_I(attempts), DB_I(id));
		} else {
			nf++;
			log_warn("mail %lld not sent (attempt %lld): %s", id, attempts, err);
			rc = db_execv(d, "UPDATE mail_queue SET state = ?, attempts = ?, result = ?, "
			                 "result_msg = ? WHERE id = ?",
			              /* A test mail answers the admin now: one try. */
			              DB_S(attempts >= MAIL_MAX_ATTEMPTS || !strcmp(db_get(r, i, 5), "test")
			                       ? "failed" : "queued"),
			              DB_I(attempts), DB_S(err), DB_SOPT(err_key), DB_I(id));
			/* One failure usually means the server is down: leave the rest for later. */
			break;
		}
	}
	db_res_free(r);
	db_query_ll(d, "SELECT RELEASE_LOCK('zaiko.mail')", NULL, 0, 0, &got);
done:
	if (sent)
		*sent = ns;
	if (failed)
		*failed = nf;
	return rc == Z_OK && nf == 0 ? Z_OK : Z_ERR;
}
