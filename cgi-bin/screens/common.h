/* common: helpers shared by the screens: settings, result rows into the page data,
 * fixed flash messages. */
#ifndef ZAIKO_SCREENS_COMMON_H
#define ZAIKO_SCREENS_COMMON_H

#include "web/web.h"

/* Appends the value of setting name to out, or def when the row is absent. Z_OK or Z_ERR. */
int screen_setting_get(db *d, const char *name, const char *def, buf *out);
/* Inserts or replaces setting name. Z_OK or Z_ERR. */
int screen_setting_put(db *d, const char *name, const char *value);

/* Copies the first max rows (all when max < 0) of res into the page data as
 * <prefix>.<row>.<column name>; SQL NULL becomes "". Z_OK or Z_NOMEM. */
int screen_hdf_rows(web_request *r, const char *prefix, const db_res *res, int max);

/* After screen_hdf_rows: a row whose column msg_col holds a stored text as language keys
 * (core/smsg.h) gets <prefix>.<row>.<text_col> in the reader's language, and
 * <prefix>.<row>.<text_col>_shown = 1 (the template then shows it as text, not as data);
 * other rows keep the stored text. Z_OK or Z_NOMEM. */
int screen_stored_texts(web_request *r, const char *prefix, const db_res *res,
                        const char *text_col, const char *msg_col);

/* One flash message chosen by a fixed key (never text from the request). */
typedef struct {
	const char *key;
	const char *message;             /* a language key */
} screen_flash;

/* The declared "msg" field of a page that shows a flash (a redirect's ?msg=key). */
#define SCREEN_FLASH_FIELD \
	{.name = "msg", .type = WF_TEXT, .max = 64, .label = "msg.label.message"}

/* Sets Page.flash when key (the page's SCREEN_FLASH_FIELD) names an entry of table
 * (NULL-key terminated); unknown keys show nothing. */
void screen_flash_show(web_request *r, const screen_flash *table, const char *key);

/* Renders template name with status and the message as Page.error (a form shown
 * again after a refused POST). Returns what web_render returns. */
int screen_render_error(web_request *r, int status, const char *message, const char *name);

/* True when s is a plausible mail address (local@domain, no spaces or controls, ≤ 254). */
bool screen_mail_valid(const char *s);
/* Normalises a list of mail addresses (comma, semicolon, space or line separated) into
 * "a@x, b@y" in out. Z_INVALID with the message in why, in the language of r. */
int screen_mail_list(const web_request *r, const char *in, buf *out, buf *why);

/* s[0..len) as a LIKE pattern matched literally (% _ and the escape character escaped),
 * with a leading and/or trailing % wildcard. malloc'd (caller frees); NULL on no memory. */
char *screen_like_pattern(const char *s, size_t len, bool lead, bool trail);

#endif
