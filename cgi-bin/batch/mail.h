/* batch/mail: the mail queue (error mails, stock alerts, test mails) and sending it by SMTP. */
#ifndef ZAIKO_BATCH_MAIL_H
#define ZAIKO_BATCH_MAIL_H

#include <time.h>
#include "core/buf.h"
#include "core/conf.h"
#include "db/db.h"

/* Queues one mail (recipients: comma-separated addresses). Z_OK, Z_INVALID (no recipient),
 * Z_ERR. */
int mail_queue(db *d, const char *kind, const char *recipients, const char *subject,
               const char *body);

/* Queues an エラー通知 to the setting error_mail_to, unless error_mail_enabled is '0' or no
 * address is set (then nothing is queued and Z_OK is returned). */
int mail_queue_error(db *d, const char *subject, const char *body);

/* The languages mail is written in, each with the setting naming its エラー通知 recipients:
 * error_mail_to (Japanese), error_mail_to_en (English). */
#define MAIL_LANGS 2
extern const char *const mail_langs[MAIL_LANGS];
extern const char *const mail_error_to_settings[MAIL_LANGS];

/* Builds one mail's subject and body in language lang ("ja"/"en") from ctx. */
typedef void (*mail_texts_fn)(const char *lang, void *ctx, buf *subject, buf *body);

/* Queues an エラー通知 in each recipient's language: one mail per language whose setting
 * names addresses, its texts from texts(lang, ctx, ...). Nothing when error_mail_enabled is
 * '0' or no address is set. Z_OK or Z_ERR. */
int mail_queue_error_each(db *d, mail_texts_fn texts, void *ctx);

/* Sends queued mails (oldest first, at most limit) through the SMTP settings (smtp_url,
 * smtp_user, smtp_password sealed with [batch] key_file of cfg, mail_from); records 'sent' or, after 5 failed attempts (a test
 * mail: 1), 'failed' with the server's answer in result. Without smtp_url only test mails are
 * tried (and fail with a clear result). One sender at a time (GET_LOCK 'zaiko.mail').
 * Counts may be NULL. Z_OK, or Z_ERR when a mail could not be sent this time. */
int mail_send_queued(db *d, const conf *cfg, int limit, int *sent, int *failed);

/* Builds the RFC 5322 message (UTF-8, base64 body, MIME-encoded subject) into out. For the
 * SMTP sender and its tests. Z_OK or Z_NOMEM. */
int mail_format(const char *from, const char *to, const char *subject, const char *body,
                time_t date, buf *out);

#endif
