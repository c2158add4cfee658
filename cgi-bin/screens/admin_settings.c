/* admin_settings: 共通設定 (エラー通知, 在庫数通知, 表示設定, SMTP and its test mail) and
 * 通知設定 (the per-SKU thresholds of 在庫数通知 商品別). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/jst.h"
#include "core/lang.h"
#include "core/log.h"
#include "core/utf8.h"
#include "batch/retention.h"
#include "db/setting_secret.h"
#include "screens/common.h"
#include "screens/screens.h"
#include "stock/stock.h"

/* The settings of this screen, their defaults, and the keys the batch reads. */
static const struct {
	const char *name, *def;
} settings[] = {
	/* The defaults are what the readers do when a row is absent: the batch (batch/mail.c,
	 * batch/sync.c) and, for show_images, the stock list (screens/list.c). */
	{"error_mail_enabled", "1"}, {"error_mail_to", ""}, {"error_mail_to_en", ""},
	{"alert_mode", "off"},
	{"alert_threshold", "0"},    {"show_images", "0"},  {"smtp_url", ""},
	{"smtp_user", ""},           {"mail_from", ""},     {"expiry_warn_days", "14"},
};

static const char *const alert_modes[] = {"off", "all", "per_sku", NULL};

/* GET /admin/settings: the flash of the last save. */
enum { PAGE_MSG, PAGE__N };
const web_field admin_settings_page_fields[PAGE__N + 1] = {
	[PAGE_MSG] = SCREEN_FLASH_FIELD,
	{0},
};

enum {
	SET_MAIL_ENABLED, SET_MAIL_TO, SET_MAIL_TO_EN, SET_ALERT_MODE, SET_ALERT_THRESHOLD,
	SET_SHOW_IMAGES, SET_SMTP_URL, SET_SMTP_USER, SET_SMTP_PASSWORD, SET_SMTP_PASSWORD_CLEAR,
	SET_MAIL_FROM, SET_EXPIRY_WARN_DAYS, SET__N
};
const web_field admin_settings_fields[SET__N + 1] = {
	[SET_MAIL_ENABLED] = {.name = "error_mail_enabled", .type = WF_BOOL,
	 .label = "msg.label.error_alert"},
	[SET_MAIL_TO] = {.name = "error_mail_to", .type = WF_TEXT, .max = 1000,
	 .label = "msg.label.alert_to"},
	[SET_MAIL_TO_EN] = {.name = "error_mail_to_en", .type = WF_TEXT, .max = 1000,
	 .label = "msg.label.alert_to_en"},
	[SET_ALERT_MODE] = {.name = "alert_mode", .type = WF_ENUM, .required = true,
	 .choices = alert_modes, .label = "msg.label.stock_alert"},
	[SET_ALERT_THRESHOLD] = {.name = "alert_threshold", .type = WF_INT, .min = 0,
	 .max = 1000000000, .label = "msg.label.alert_at"},
	[SET_SHOW_IMAGES] = {.name = "show_images", .type = WF_BOOL, .label = "msg.label.image"},
	[SET_SMTP_URL] = {.name = "smtp_url", .type = WF_TEXT, .max = 255,
	 .label = "msg.label.smtp_server"},
	[SET_SMTP_USER] = {.name = "smtp_user", .type = WF_TEXT, .max = 255,
	 .label = "msg.label.smtp_user"},
	[SET_SMTP_PASSWORD] = {.name = "smtp_password", .type = WF_TEXT, .max = 255,
	 .label = "msg.label.smtp_password"},
	[SET_SMTP_PASSWORD_CLEAR] = {.name = "smtp_password_clear", .type = WF_BOOL,
	 .label = "msg.label.smtp_password_clear"},
	[SET_MAIL_FROM] = {.name = "mail_from", .type = WF_TEXT, .max = 254,
	 .label = "msg.label.mail_from"},
	[SET_EXPIRY_WARN_DAYS] = {.name = "expiry_warn_days", .type = WF_INT, .min = 0, .max = 365,
	 .label = "msg.label.expiry_notice_days"},
	{0},
};

/* The fields of admin_settings_fields (a SET_ value): set_text, set_int, set_has. */
WEB_FIELD_READERS(set, admin_settings_fields)

enum { TEST_TO, TEST__N };
const web_field admin_test_mail_fields[TEST__N + 1] = {
	[TEST_TO] = {.name = "to", .type = WF_TEXT, .max = 254, .label = "msg.label.test_mail_to"},
	{0},
};

enum { ALERTS_Q, ALERTS_AFTER, ALERTS_MSG, ALERTS__N };
const web_field admin_alerts_fields[ALERTS__N + 1] = {
	[ALERTS_Q] = {.name = "q", .type = WF_TEXT, .max = 128, .label = "msg.label.sku_code"},
	[ALERTS_AFTER] = {.name = "after", .type = WF_TEXT, .max = 128, .label = "msg.label.page"},
	[ALERTS_MSG] = SCREEN_FLASH_FIELD,
	{0},
};

enum { ALERT_CODE, ALERT_THRESHOLD, ALERT__N };
const web_field admin_alerts_save_fields[ALERT__N + 1] = {
	[ALERT_CODE] = {.name = "code", .type = WF_TEXT, .required = true, .min = 1, .max = 128,
	 .label = "msg.label.sku_code"},
	[ALERT_THRESHOLD] = {.name = "threshold", .type = WF_INT, .min = 0, .max = 1000000000,
	 .label = "msg.label.alert_at"},
	{0},
};

static const screen_flash settings_flashes[] = {
	{"saved", "msg.settings.saved"},
	{"test_queued", "msg.settings.test_queued"},
	{"alert_saved", "msg.settings.alert_saved"},
	{"retention_saved", "msg.settings.retention_saved"},
	{NULL, NULL},
};

/* Fills Page.s.<name> with every setting, stored or default, in one query (the SMTP password
 * only as set or not). */
static int load_settings(web_request *r)
{
	db_res *res = NULL;
	char key[96];
	bool password_set = false;
	/* A password stored in clear before sealing is sealed the first time the page is seen. */
	if (setting_secret_seal_clear(r->db, conf_get(r->cfg, "batch", "key_file", NULL),
	                              "smtp_password") != Z_OK)
		log_warn("settings: the SMTP password could not be sealed or read");
	if (db_query(r->db, "SELECT name, value FROM setting", NULL, 0, &res) != Z_OK)
		return Z_ERR;
	for (size_t i = 0; i < Z_ARRAY_LEN(settings); i++) {
		snprintf(key, sizeof(key), "Page.s.%s", settings[i].name);
		web_set(r, key, settings[i].def);
	}
	for (int row = 0; row < res->nrows; row++) {
		const char *name = db_get(res, row, 0), *value = db_get(res, row, 1);
		if (!strcmp(name, "smtp_password"))
			password_set = *value != '\0';
		for (size_t i = 0; i < Z_ARRAY_LEN(settings); i++)
			if (!strcmp(name, settings[i].name)) {
				snprintf(key, sizeof(key), "Page.s.%s", name);
				web_set(r, key, value);
			}
	}
	web_set(r, "Page.s.smtp_password_set", password_set ? "1" : "0");
	db_res_free(res);
	return Z_OK;
}

/* The last test mails and what became of them. */
static int load_test_mails(web_request *r)
{
	db_res *res = NULL;
	int rc = db_query(r->db,
	                  "SELECT id, recipients, state, COALESCE(result, '') AS result, result_msg, "
	                  JST_SQL("created_at", JST_SQL_MINUTE) " AS created, "
	                  "COALESCE(" JST_SQL("sent_at", JST_SQL_MINUTE) ", '') AS sent FROM mail_queue "
	                  "WHERE kind = 'test' ORDER BY id DESC LIMIT 5",
	                  NULL, 0, &res);
	if (rc == Z_OK)
		rc = screen_hdf_rows(r, "Page.tests", res, -1);
	/* zaiko's own reason (no server, …) in the reader's language; a server's answer as is. */
	if (rc == Z_OK)
		rc = screen_stored_texts(r, "Page.tests", res, "result", "result_msg");
	db_res_free(res);
	return rc;
}

static int render_settings(web_request *r, int status, const char *error);

/* ---- 保存期間: how long each history is kept (zaiko-batch purge deletes what is older) ---- */

/* In the order of retention_periods (batch/retention.h): field i is period i's setting. */
enum { KEEP_PUSH, KEEP_ORDER, KEEP_LOGIN_FAILURE, KEEP_MAIL, KEEP_JOB, KEEP__N };
_Static_assert(KEEP__N == RETENTION_NPERIODS, "a field per retention period");
const web_field admin_retention_fields[KEEP__N + 1] = {
	[KEEP_PUSH] = {.name = "retention_push_days", .type = WF_INT, .required = true, .min = 0,
	 .max = 3650, .label = "msg.label.push_keep"},
	[KEEP_ORDER] = {.name = "retention_order_days", .type = WF_INT, .required = true, .min = 0,
	 .max = 3650, .label = "msg.label.order_keep"},
	[KEEP_LOGIN_FAILURE] = {.name = "retention_login_failure_days", .type = WF_INT,
	 .required = true, .min = 0, .max = 3650, .label = "msg.label.login_failure_keep"},
	[KEEP_MAIL] = {.name = "retention_mail_days", .type = WF_INT, .required = true, .min = 0,
	 .max = 3650, .label = "msg.label.mail_keep"},
	[KEEP_JOB] = {.name = "retention_job_days", .type = WF_INT, .required = true, .min = 0,
	 .max = 3650, .label = "msg.label.job_keep"},
	{0},
};

/* Page.keep.<setting> = the stored period or its default; Page.keep_min.<setting> its least
 * period. Values as sent (a refused form) are set afterwards by the caller. */
static int load_retention(web_request *r)
{
	char key[96];
	buf v = BUF_INIT;
	int rc = Z_OK;
	for (int i = 0; rc == Z_OK && i < RETENTION_NPERIODS; i++) {
		char def[16];
		snprintf(def, sizeof(def), "%d", retention_periods[i].def);
		buf_reset(&v);
		snprintf(key, sizeof(key), "Page.keep.%s", retention_periods[i].setting);
		if (!hdf_get_value(r->hdf, key, NULL) &&
		    (rc = screen_setting_get(r->db, retention_periods[i].setting, def, &v)) == Z_OK)
			web_set(r, key, buf_str(&v));
		snprintf(key, sizeof(key), "Page.keep_min.%s", retention_periods[i].setting);
		web_set_int(r, key, retention_periods[i].min);
	}
	buf_free(&v);
	return rc;
}

/* POST /admin/settings/retention: the five periods, all or none. 0 keeps forever; any other
 * period has its least (orders 90 days, so a refetched order cannot move stock twice). */
int admin_retention_save(web_request *r)
{
	/* The names of retention_periods (batch/retention.h), in its order, as language keys. */
	static const char *const retention_keys[] = {
		"msg.settings.keep_push", "msg.settings.keep_order", "msg.settings.keep_login_failure",
		"msg.settings.keep_mail", "msg.settings.keep_job"};
	_Static_assert(sizeof(retention_keys) / sizeof(retention_keys[0]) == RETENTION_NPERIODS,
	               "a key per retention period");
	char key[96], num[32];
	/* The fields and the periods are two tables kept in one order: refuse rather than store
	 * one period's days under another's name. */
	for (int i = 0; i < RETENTION_NPERIODS; i++)
		if (strcmp(admin_retention_fields[i].name, retention_periods[i].setting)) {
			log_error("settings: retention field %d is %s, the period %s", i,
			          admin_retention_fields[i].name, retention_periods[i].setting);
			return Z_ERR;
		}
	for (int i = 0; i < RETENTION_NPERIODS; i++) {
		long long v = web_int_of(r, admin_retention_fields, i, 0);
		if (v != 0 && v < retention_periods[i].min) {
			buf why = BUF_INIT;
			web_langf(r, &why, "msg.settings.keep_min", "%s%d", web_lang(r, retention_keys[i]),
			          retention_periods[i].min);
			for (int k = 0; k < RETENTION_NPERIODS; k++) {
				snprintf(key, sizeof(key), "Page.keep.%s", retention_periods[k].setting);
				web_set(r, key, web_text_of(r, admin_retention_fields, k));
			}
			int rc = load_settings(r) == Z_OK ? render_settings(r, 400, buf_str(&why)) : Z_ERR;
			buf_free(&why);
			return rc;
		}
	}
	int rc = db_begin(r->db);
	for (int i = 0; rc == Z_OK && i < RETENTION_NPERIODS; i++) {
		snprintf(num, sizeof(num), "%lld", web_int_of(r, admin_retention_fields, i, 0));
		rc = screen_setting_put(r->db, retention_periods[i].setting, num);
	}
	if (rc == Z_OK)
		rc = db_commit(r->db);
	if (rc != Z_OK) {
		if (db_in_transaction(r->db))
			db_rollback(r->db);
		return rc;
	}
	log_info("settings: retention periods saved by user %lld", r->user.id);
	return web_redirect(r, "/admin/settings?msg=retention_saved#retention");
}

static int render_settings(web_request *r, int status, const char *error)
{
	web_set(r, "Page.title", web_lang(r, "msg.settings.title"));
	if (load_retention(r) != Z_OK || load_test_mails(r) != Z_OK)
		return Z_ERR;
	if (error)
		return screen_render_error(r, status, error, "admin_settings.cs");
	return web_render(r, "admin_settings.cs");
}

/* GET /admin/settings: the 共通設定 form and the last test mails. */
int admin_settings_page(web_request *r)
{
	if (load_settings(r) != Z_OK)
		return Z_ERR;
	screen_flash_show(r, settings_flashes, web_text_of(r, admin_settings_page_fields, PAGE_MSG));
	return render_settings(r, 200, NULL);
}

/* Shows the form again with the values as sent and the reason. */
static int settings_refused(web_request *r, const char *why)
{
	if (load_settings(r) != Z_OK)
		return Z_ERR;
	web_set(r, "Page.s.error_mail_enabled", set_int(r, SET_MAIL_ENABLED, 0) ? "1" : "0");
	web_set(r, "Page.s.error_mail_to", set_text(r, SET_MAIL_TO));
	web_set(r, "Page.s.error_mail_to_en", set_text(r, SET_MAIL_TO_EN));
	web_set(r, "Page.s.alert_mode", alert_modes[set_int(r, SET_ALERT_MODE, 0)]);
	web_set(r, "Page.s.alert_threshold", set_text(r, SET_ALERT_THRESHOLD));
	web_set(r, "Page.s.show_images", set_int(r, SET_SHOW_IMAGES, 0) ? "1" : "0");
	web_set(r, "Page.s.smtp_url", set_text(r, SET_SMTP_URL));
	web_set(r, "Page.s.smtp_user", set_text(r, SET_SMTP_USER));
	web_set(r, "Page.s.mail_from", set_text(r, SET_MAIL_FROM));
	web_set(r, "Page.s.expiry_warn_days", set_text(r, SET_EXPIRY_WARN_DAYS));
	return render_settings(r, 400, why);
}

static bool smtp_url_ok(const char *url)
{
	if (!*url)
		return true;
	if (strncmp(url, "smtp://", 7) && strncmp(url, "smtps://", 8))
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return strlen(url) > 8;
}

/* POST /admin/settings: validates and stores every setting in one transaction. */
int admin_settings_save(web_request *r)
{
	buf to = BUF_INIT, to_en = BUF_INIT, why = BUF_INIT;
	int rc = Z_OK;
	bool mail_on = set_int(r, SET_MAIL_ENABLED, 0) != 0;
	long long mode = set_int(r, SET_ALERT_MODE, 0);
	const char *from = set_text(r, SET_MAIL_FROM), *url = set_text(r, SET_SMTP_URL);
	char num[32];

	if (screen_mail_list(r, set_text(r, SET_MAIL_TO), &to, &why) != Z_OK ||
	    screen_mail_list(r, set_text(r, SET_MAIL_TO_EN), &to_en, &why) != Z_OK) {
		rc = settings_refused(r, buf_str(&why));
		goto out;
	}
	/* Japanese and English recipients (mail in each one's language): one list may be empty. */
	if (mail_on && !to.len && !to_en.len) {
		rc = settings_refused(r, web_lang(r, "msg.settings.mail_to_needed"));
		goto out;
	}
	if (mode == 1 && !set_has(r, SET_ALERT_THRESHOLD)) {
		rc = settings_refused(r, web_lang(r, "msg.settings.threshold_needed"));
		goto out;
	}
	if (*from && !screen_mail_valid(from)) {
		rc = settings_refused(r, web_lang(r, "msg.settings.bad_from"));
		goto out;
	}
	if (set_has(r, SET_SMTP_PASSWORD) && !conf_get(r->cfg, "batch", "key_file", NULL)) {
		rc = settings_refused(r, web_lang(r, "msg.settings.no_key_file"));
		goto out;
	}
	if (!smtp_url_ok(url)) {
		rc = settings_refused(r, web_lang(r, "msg.settings.bad_smtp"));
		goto out;
	}
	if ((rc = db_begin(r->db)) != Z_OK)
		goto out;
	rc = screen_setting_put(r->db, "error_mail_enabled", mail_on ? "1" : "0");
	if (rc == Z_OK)
		rc = screen_setting_put(r->db, "error_mail_to", buf_str(&to));
	if (rc == Z_OK)
		rc = screen_setting_put(r->db, "error_mail_to_en", buf_str(&to_en));
	if (rc == Z_OK)
		rc = screen_setting_put(r->db, "alert_mode", alert_modes[mode]);
	snprintf(num, sizeof(num), "%lld", set_int(r, SET_ALERT_THRESHOLD, 0));
	if (rc == Z_OK && set_has(r, SET_ALERT_THRESHOLD))
		rc = screen_setting_put(r->db, "alert_threshold", num);
	if (rc == Z_OK)
		rc = screen_setting_put(r->db, "show_images", set_int(r, SET_SHOW_IMAGES, 0) ? "1" : "0");
	if (rc == Z_OK)
		rc = screen_setting_put(r->db, "smtp_url", url);
	if (rc == Z_OK)
		rc = screen_setting_put(r->db, "smtp_user", set_text(r, SET_SMTP_USER));
	if (rc == Z_OK)
		rc = screen_setting_put(r->db, "mail_from", from);
	snprintf(num, sizeof(num), "%lld", set_int(r, SET_EXPIRY_WARN_DAYS, 14));
	if (rc == Z_OK)
		rc = screen_setting_put(r->db, "expiry_warn_days", num);
	/* Write-only and sealed with the malls' key: an empty field keeps the stored password;
	 * only the box clears it. */
	if (rc == Z_OK && set_has(r, SET_SMTP_PASSWORD))
		rc = setting_secret_put(r->db, conf_get(r->cfg, "batch", "key_file", NULL),
		                        "smtp_password", set_text(r, SET_SMTP_PASSWORD));
	else if (rc == Z_OK && set_int(r, SET_SMTP_PASSWORD_CLEAR, 0))
		rc = setting_secret_put(r->db, NULL, "smtp_password", "");
	if (rc == Z_OK)
		rc = db_commit(r->db);
	if (rc != Z_OK)
		goto out;
	log_info("settings: saved by user %lld", r->user.id);
	rc = web_redirect(r, "/admin/settings?msg=saved");
out:
	if (db_in_transaction(r->db))
		db_rollback(r->db);
	buf_free(&to);
	buf_free(&to_en);
	buf_free(&why);
	return rc;
}

/* Queues the test mail to the addresses to, in lang. */
static int queue_test_mail(web_request *r, const char *to, const char *lang)
{
	buf subject = BUF_INIT, body = BUF_INIT;
	buf_puts(&subject, lang_text(lang, "mail.test.screen_subject"));
	lang_textf(r->cfg, lang, &body, "mail.test.screen_body", "%s", r->user.login);
	buf_putc(&body, '\n');
	int rc = db_execv(r->db, "INSERT INTO mail_queue (kind, recipients, subject, body, state, "
	                         "created_at) VALUES ('test', ?, ?, ?, 'queued', UTC_TIMESTAMP())",
	                  DB_S(to), DB_S(buf_str(&subject)), DB_S(buf_str(&body)));
	buf_free(&subject);
	buf_free(&body);
	return rc;
}

/* POST /admin/settings/test-mail: queues a test mail (kind 'test') for the batch: to the
 * address typed, in the language of the list that names it (else the user's); without one,
 * to each recipient list in its language (error_mail_to Japanese, error_mail_to_en English). */
int admin_test_mail(web_request *r)
{
	buf to = BUF_INIT, to_en = BUF_INIT, smtp = BUF_INIT;
	int rc;
	const char *asked = web_text_of(r, admin_test_mail_fields, TEST_TO);
	if ((rc = screen_setting_get(r->db, "smtp_url", "", &smtp)) != Z_OK)
		goto out;
	if (!smtp.len) {
		rc = load_settings(r) == Z_OK
		         ? render_settings(r, 400, web_lang(r, "msg.settings.smtp_first"))
		         : Z_ERR;
		goto out;
	}
	if (*asked && !screen_mail_valid(asked)) {
		rc = load_settings(r) == Z_OK
		         ? render_settings(r, 400, web_lang(r, "msg.settings.bad_test_to"))
		         : Z_ERR;
		goto out;
	}
	if ((rc = screen_setting_get(r->db, "error_mail_to", "", &to)) != Z_OK ||
	    (rc = screen_setting_get(r->db, "error_mail_to_en", "", &to_en)) != Z_OK)
		goto out;
	if (*asked) {
		const char *lang = lang_address_listed(buf_str(&to_en), asked) ? "en"
		                   : lang_address_listed(buf_str(&to), asked)  ? "ja"
		                                                                : web_lang_code(r);
		rc = queue_test_mail(r, asked, lang);
	} else if (!to.len && !to_en.len) {
		rc = load_settings(r) == Z_OK
		         ? render_settings(r, 400, web_lang(r, "msg.settings.test_to_needed"))
		         : Z_ERR;
		goto out;
	} else {
		if (to.len)
			rc = queue_test_mail(r, buf_str(&to), "ja");
		if (rc == Z_OK && to_en.len)
			rc = queue_test_mail(r, buf_str(&to_en), "en");
	}
	if (rc != Z_OK)
		goto out;
	log_info("settings: test mail queued by user %lld", r->user.id);
	rc = web_redirect(r, "/admin/settings?msg=test_queued");
out:
	buf_free(&to);
	buf_free(&to_en);
	buf_free(&smtp);
	return rc;
}

/* ---- 通知設定: per-SKU thresholds ---- */

/* The 通知設定 page from code prefix q after code after, with the flash of key (may be
 * NULL) or the error. */
static int render_alerts(web_request *r, int status, const char *error, const char *q,
                         const char *after, const char *flash)
{
	db_res *res = NULL;
	buf mode = BUF_INIT;
	char *like = NULL;
	int rc = screen_setting_get(r->db, "alert_mode", "off", &mode);
	if (rc != Z_OK)
		goto out;
	web_set(r, "Page.title", web_lang(r, "msg.settings.alerts_title"));
	web_set(r, "Page.mode", buf_str(&mode));
	web_set(r, "Page.q", q);
	/* A code prefix uses the unique index; % and _ in the code are matched literally. */
	if (!(like = screen_like_pattern(q, strlen(q), false, true))) {
		rc = Z_NOMEM;
		goto out;
	}
	rc = db_queryv(r->db, &res,
	               "SELECT code, name, total, COALESCE(alert_threshold, '') AS threshold, "
	               "alert_below AS below, id, is_set FROM sku WHERE code LIKE ? AND code > ? "
	               "ORDER BY code LIMIT 101",
	               DB_S(like), DB_S(after));
	if (rc != Z_OK)
		goto out;
	if (res->nrows > 100)
		web_set(r, "Page.next_after", db_get(res, 99, 0));
	if ((rc = screen_hdf_rows(r, "Page.rows", res, 100)) != Z_OK)
		goto out;
	/* A set's 総在庫数 is what its parts allow, as on the 在庫連携 list. */
	for (int i = 0; i < res->nrows && i < 100 && rc == Z_OK; i++) {
		if (db_get_ll(res, i, 6, 0) != 1)
			continue;
		long long avail = 0;
		char key[64];
		if ((rc = stock_available(r->db, db_get_ll(res, i, 5, 0), &avail)) != Z_OK)
			break;
		snprintf(key, sizeof(key), "Page.rows.%d.total", i);
		rc = web_set_int(r, key, avail);
	}
	if (rc != Z_OK)
		goto out;
	screen_flash_show(r, settings_flashes, flash);
	rc = error ? screen_render_error(r, status, error, "admin_alerts.cs")
	           : web_render(r, "admin_alerts.cs");
out:
	db_res_free(res);
	buf_free(&mode);
	free(like);
	return rc;
}

/* GET /admin/alerts: 通知設定, SKUs by code prefix with their thresholds. */
int admin_alerts_page(web_request *r)
{
	return render_alerts(r, 200, NULL, web_text_of(r, admin_alerts_fields, ALERTS_Q),
	                     web_text_of(r, admin_alerts_fields, ALERTS_AFTER),
	                     web_text_of(r, admin_alerts_fields, ALERTS_MSG));
}

/* POST /admin/alerts: sets (or clears, when empty) one SKU's threshold. */
int admin_alerts_save(web_request *r)
{
	long long affected = 0;
	const char *code = web_text_of(r, admin_alerts_save_fields, ALERT_CODE);
	int rc;
	if (web_has_of(r, admin_alerts_save_fields, ALERT_THRESHOLD))
		rc = db_exec(r->db, "UPDATE sku SET alert_threshold = ?, alert_below = 0 WHERE code = ?",
		             DB_ARGS(DB_I(web_int_of(r, admin_alerts_save_fields, ALERT_THRESHOLD, 0)),
		                     DB_S(code)), &affected, NULL);
	else
		rc = db_exec(r->db, "UPDATE sku SET alert_threshold = NULL, alert_below = 0 WHERE code = ?",
		             DB_ARGS(DB_S(code)), &affected, NULL);
	if (rc != Z_OK)
		return rc;
	long long exists = 0;
	if (!affected && db_query_ll(r->db, "SELECT COUNT(*) FROM sku WHERE code = ?",
	                             DB_ARGS(DB_S(code)), 0, &exists) != Z_OK)
		return Z_ERR;
	if (!affected && !exists)
		return render_alerts(r, 400, web_lang(r, "msg.settings.sku_unknown"), "", "", NULL);
	return web_redirect(r, "/admin/alerts?msg=alert_saved");
}
