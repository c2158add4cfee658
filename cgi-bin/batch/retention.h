/* retention: how long zaiko keeps each kind of history (共通設定 › 保存期間), read by the
 * screen that sets the periods and by `zaiko-batch purge`, which deletes what is older.
 * Header only, so the web front uses the same table without linking the batch. */
#ifndef ZAIKO_RETENTION_H
#define ZAIKO_RETENTION_H

typedef struct {
	const char *setting; /* setting.name, a number of days; 0 keeps the history forever */
	const char *label;   /* the 共通設定 label (and the message's name for it) */
	int def, min, max;   /* default when no row is stored; min/max for a period other than 0 */
} retention_period;

/* Fetched orders keep at least 90 days: a purged order fetched again (a late cancellation,
 * a mall that returns old orders) must not move stock twice, and the purge records the
 * moment before which orders are treated as placed before 初期受注取得 (orders_purged_before). */
static const retention_period retention_periods[] = {
	{"retention_push_days", "在庫更新の履歴", 90, 7, 3650},
	{"retention_order_days", "取得した受注", 365, 90, 3650},
	{"retention_login_failure_days", "ログイン失敗の記録", 30, 1, 3650},
	{"retention_mail_days", "送信済みメール", 90, 1, 3650},
	{"retention_job_days", "終了した処理（CSV取込など）", 30, 1, 3650},
};

/* Upload payloads of previews never applied are dropped after this many hours (fixed). */
#define RETENTION_ABANDONED_PREVIEW_HOURS 24

#define RETENTION_NPERIODS ((int)(sizeof(retention_periods) / sizeof(retention_periods[0])))

#endif
