/* batch/shops: a shop as the batch runs it: its row, decrypted credentials, adapter, lock. */
#ifndef ZAIKO_BATCH_SHOPS_H
#define ZAIKO_BATCH_SHOPS_H

#include <time.h>
#include "core/conf.h"
#include "db/db.h"
#include "mall/mall.h"

typedef struct {
	mall_shop ms;               /* what the adapter sees; strings point into the fields below */
	const mall_adapter *adapter;
	char name[128];
	char mall[16];
	char api_base[256];
	bool stopped;
	time_t order_cursor;        /* 0 while 初期受注取得 has not been done */
	time_t fetch_cursor;        /* 0 = none yet: the fetch starts from order_cursor */
	time_t probe_at;
	time_t credentials_expire_at;
	unsigned char row_hash[32]; /* SHA-256 of what the adapter was made from (mall, base URL,
	                             * sealed credentials, options): a change means reopen */
	bool loaded;                /* credentials decrypted and adapter found */
	bool lock_lost;             /* the connection holding the lock was lost: stop the step */
	double push_item_seconds;   /* a pushed item's share of its call, as last measured (0: not
	                             * yet): sizes the next claim to the time left */
	char load_error[300];       /* why not, in Japanese, for the error row */
	char load_msg[500];         /* the same as language keys (core/smsg.h), or "" */
} batch_shop;

/* Ids of the enabled shops (name: only that one, enabled or not), in id order. *ids is
 * malloc'd (caller frees). Z_OK, Z_NOTFOUND (no shop of that name), Z_ERR. */
int batch_shop_ids(db *d, const char *name, long long **ids, int *n);

/* Reads shop id, decrypts its credentials with the key of cfg [batch] key_file, parses its
 * options and makes its HTTP client. A shop whose credentials cannot be read still opens
 * with loaded = false and load_error set. Free with batch_shop_close. Z_OK, Z_NOTFOUND, Z_ERR. */
int batch_shop_open(db *d, const conf *cfg, long long id, batch_shop *s);
/* Releases the adapter state, credentials, options and HTTP client. */
void batch_shop_close(batch_shop *s);
/* Re-reads an open shop's row for a later cycle of the loop: state, cursors and probe time
 * are updated in place and *same is true when the adapter's inputs are unchanged (so its
 * token, connection and state can be kept); false means close and open again.
 * Z_OK, Z_NOTFOUND, Z_ERR. */
int batch_shop_reread(db *d, batch_shop *s, bool *same);

/* Seals and stores the credentials when the adapter changed them (a refreshed token), with
 * token_expires_at. Z_OK or Z_ERR. */
int batch_shop_save_credentials(db *d, const conf *cfg, batch_shop *s);

/* Stops the shop (state 'stopped', stop_reason), puts its claimed pushes back in the queue,
 * and on the transition from 'ok' writes a level 9 error row and queues ONE error mail.
 * Z_OK or Z_ERR. */
int batch_shop_stop(db *d, batch_shop *s, const char *reason);
/* batch_shop_stop with reason_msg (may be NULL): the reason as language keys (core/smsg.h),
 * kept in shop.stop_reason_msg and in the error row's message_msg. */
int batch_shop_stop_m(db *d, batch_shop *s, const char *reason, const char *reason_msg);
/* Appends to m a mall's message: its keys (st_msg, from mall_status_setk) when it has them,
 * else its text as a literal (the mall's own words, shown as they are). */
void batch_msg_mall(buf *m, const char *st_msg, const char *text);
/* Resumes a stopped shop whose credentials work again. Z_OK or Z_ERR. */
int batch_shop_resume(db *d, batch_shop *s);

/* Takes the shop's single-flight lock (GET_LOCK 'zaiko.shop.<id>', no wait) on this
 * connection. true when held; false when another process holds it or on error. */
bool batch_shop_lock(db *d, long long shop_id);
void batch_shop_unlock(db *d, long long shop_id);
/* How long batch_shop_lock waits for a shop another process holds (default 0: not at all). A
 * run whose predecessor was killed (its shop processes end a moment after it) waits a little. */
void batch_shop_lock_wait(long long seconds);
/* true while this process holds the shop's lock on the connection it took it on. A connection
 * lost and made again (db_generation) has lost its GET_LOCK locks, and another process may hold
 * the shop now. Asks the server (one query). */
bool batch_shop_lock_held(db *d, long long shop_id);

/* Seals json with the key file and inserts or replaces the credentials of shop id.
 * Z_OK, Z_ERR. */
int batch_seal_credentials(db *d, const conf *cfg, long long shop_id, const char *json);

/* A setting's value (the `setting` table) copied into out, or def when absent. */
void batch_setting(db *d, const char *name, const char *def, char *out, size_t outlen);
/* A setting as an integer within [min, max], or def. */
long long batch_setting_int(db *d, const char *name, long long def, long long min,
                            long long max);

/* Makes a mall's message safe to store and show: a character cut in half at the end is
 * dropped, line breaks become spaces, and text that is still not valid UTF-8 is replaced. */
void batch_clean_message(char *m);

/* Formats t (UTC) as "YYYY-MM-DD HH:MM:SS" for DATETIME parameters. */
void batch_datetime(time_t t, char out[20]);

#endif
