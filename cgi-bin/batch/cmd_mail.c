/* The mail and mail-test commands, and the queued jobs the batch runs (connection tests). */
#include <stdio.h>
#include <string.h>
#include "batch/batch.h"
#include "batch/mail.h"
#include "batch/shops.h"
#include "batch/sync.h"
#include "core/lang.h"
#include "core/log.h"
#include "core/smsg.h"

int batch_mail(const conf *cfg, db *d, int argc, char **argv)
{
	int sent = 0, failed = 0;
	if (argc != 1) {
		fprintf(stderr, "usage: zaiko-batch mail\n");
		return BATCH_EXIT_USAGE;
	}
	int rc = mail_send_queued(d, cfg, 1000, &sent, &failed);
	printf("sent %d, failed %d\n", sent, failed);
	return rc == Z_OK ? BATCH_EXIT_OK : BATCH_EXIT_FAILED;
}

int batch_mail_test(const conf *cfg, db *d, int argc, char **argv)
{
	long long id = 0;
	db_res *r = NULL;
	if (argc != 2 || argv[1][0] == '-' || !strchr(argv[1], '@')) {
		fprintf(stderr, "usage: zaiko-batch mail-test ADDRESS\n");
		return BATCH_EXIT_USAGE;
	}
	/* In the address's language: English when 共通設定 lists it among the English
	 * recipients (error_mail_to_en), else Japanese. */
	char en[1000];
	batch_setting(d, "error_mail_to_en", "", en, sizeof(en));
	const char *lang = lang_address_listed(en, argv[1]) ? "en" : "ja";
	buf body = BUF_INIT;
	buf_puts(&body, lang_text(lang, "mail.test.body"));
	buf_putc(&body, '\n');
	int rc = db_exec(d, "INSERT INTO mail_queue (kind, recipients, subject, body, created_at) "
	                    "VALUES ('test', ?, ?, ?, UTC_TIMESTAMP())",
	                 DB_ARGS(DB_S(argv[1]), DB_S(lang_text(lang, "mail.test.subject")),
	                         DB_S(buf_str(&body))),
	                 NULL, &id);
	buf_free(&body);
	if (rc != Z_OK)
		return BATCH_EXIT_FAILED;
	mail_send_queued(d, cfg, 1000, NULL, NULL);
	if (db_queryv(d, &r, "SELECT state, COALESCE(result, '') FROM mail_queue WHERE id = ?",
	              DB_I(id)) != Z_OK)
		return BATCH_EXIT_FAILED;
	bool sent = r->nrows && !strcmp(db_get(r, 0, 0), "sent");
	printf("%s: %s\n", r->nrows ? db_get(r, 0, 0) : "?", r->nrows ? db_get(r, 0, 1) : "");
	db_res_free(r);
	return sent ? BATCH_EXIT_OK : BATCH_EXIT_FAILED;
}

/* A connection test: refresh the token and read one listing's stock (or an empty read).
 * Its result is kept in Japanese (job.message, job.result) and as language keys with their
 * arguments (job.message_msg), which 利用店舗設定 shows in its reader's language. */
static void connection_test(db *d, const conf *cfg, long long job_id, long long shop_id)
{
	batch_shop s;
	mall_status st = {0};
	db_res *r = NULL;
	char result[600];
	buf m = BUF_INIT;
	bool ok = false;
	if (batch_shop_open(d, cfg, shop_id, &s) != Z_OK) {
		snprintf(result, sizeof(result), "店舗が見つかりません");
		smsg_keyf(&m, "msg.job.shop_missing", "店舗が見つかりません");
		goto done;
	}
	if (!s.loaded) {
		snprintf(result, sizeof(result), "%s", s.load_error);
		if (s.load_msg[0])
			buf_puts(&m, s.load_msg);
		goto close;
	}
	if (sync_probe(&s, &st) != MALL_OK) {
		batch_clean_message(st.message);
		snprintf(result, sizeof(result), "接続できません: %s", st.message);
		smsg_keyf(&m, "msg.job.connect_failed", "接続できません:");
		smsg_lit(&m, " ");
		batch_msg_mall(&m, st.msg, st.message);
		goto close;
	}
	batch_shop_save_credentials(d, cfg, &s);
	if (db_queryv(d, &r, "SELECT id, item_code, sub_code, sku_code, mall_ref FROM listing "
	                     "WHERE shop_id = ? ORDER BY id LIMIT 1", DB_I(shop_id)) == Z_OK &&
	    r->nrows) {
		mall_stock_item it = {db_get_ll(r, 0, 0, 0), db_get(r, 0, 1), db_get(r, 0, 2),
		                      db_get(r, 0, 3), db_get(r, 0, 4), 0, false};
		if (s.adapter->read_stock(&s.ms, &it, 1, &st) != MALL_OK) {
			batch_clean_message(st.message);
			snprintf(result, sizeof(result), "在庫の読み取りに失敗しました: %s", st.message);
			smsg_keyf(&m, "msg.job.read_failed", "在庫の読み取りに失敗しました:");
			smsg_lit(&m, " ");
			batch_msg_mall(&m, st.msg, st.message);
			goto close;
		}
		if (it.found) {
			snprintf(result, sizeof(result), "接続できました (商品 %s の在庫数 %d)", it.item_code,
			         it.stock);
			smsg_keyf(&m, "msg.job.connected_stock", "接続できました (商品 %s の在庫数 %d)",
			          it.item_code, it.stock);
		} else {
			snprintf(result, sizeof(result), "接続できました (商品 %s の在庫数: 見つかりません)",
			         it.item_code);
			smsg_keyf(&m, "msg.job.connected_not_found",
			          "接続できました (商品 %s の在庫数: 見つかりません)", it.item_code);
		}
	} else {
		snprintf(result, sizeof(result), "接続できました (認証に成功しました)");
		smsg_keyf(&m, "msg.job.connected", "接続できました (認証に成功しました)");
	}
	ok = true;
close:
	batch_shop_close(&s);
done:
	db_res_free(r);
	/* A form that would not fit job.message_msg, or not be stored, leaves the text alone. */
	bool keep = m.len && m.len <= 1000 && smsg_storable(buf_str(&m));
	db_execv(d, "UPDATE job SET state = ?, message = ?, message_msg = ?, result = ?, done = 1, "
	            "total = 1, updated_at = UTC_TIMESTAMP() WHERE id = ?",
	         DB_S(ok ? "done" : "failed"), DB_S(result), keep ? DB_S(buf_str(&m)) : DB_NUL,
	         DB_S(result), DB_I(job_id));
	buf_free(&m);
}

void batch_run_jobs(db *d, const conf *cfg)
{
	db_res *r = NULL;
	if (db_query(d, "SELECT id, shop_id FROM job WHERE state = 'queued' AND "
	                "kind = 'connection_test' ORDER BY id LIMIT 20", NULL, 0, &r) != Z_OK)
		return;
	for (int i = 0; i < r->nrows; i++) {
		long long changed = 0, id = db_get_ll(r, i, 0, 0), shop_id = db_get_ll(r, i, 1, 0);
		/* Not while a cycle works on the shop (a refresh there and here would race); the job
		 * stays queued for the next run. */
		if (!batch_shop_lock(d, shop_id))
			continue;
		/* Claim it first so a concurrent batch does not test twice. */
		if (db_exec(d, "UPDATE job SET state = 'running', updated_at = UTC_TIMESTAMP() "
		               "WHERE id = ? AND state = 'queued'",
		            DB_ARGS(DB_I(id)), &changed, NULL) == Z_OK && changed)
			connection_test(d, cfg, id, shop_id);
		batch_shop_unlock(d, shop_id);
	}
	db_res_free(r);
}
