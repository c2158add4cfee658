/* lang: the language files templates/lang/ja.hdf and en.hdf, read once per process, for both
 * programs: the screens (web/response.c renders with them and gives handlers their texts) and
 * the batch's mail. Keys are without the "Lang." the templates see ("menu.stock"). */
#ifndef ZAIKO_LANG_H
#define ZAIKO_LANG_H

#include <ClearSilver.h>
#include <stdarg.h>
#include <stdbool.h>
#include "core/buf.h"
#include "core/conf.h"
#include "core/zaiko.h"

/* Reads both files from cfg's [web] templates (once; later calls return at once, cfg may be
 * NULL then). English is read over Japanese: a key English lacks shows in Japanese. Z_OK or
 * Z_ERR (logged). */
int lang_load(const conf *cfg);
/* "en" or "ja" for a stored value, a cookie or a form field; NULL for anything else. */
const char *lang_known(const char *s);
/* The data set of a language (the node holding "Lang"), NULL before lang_load succeeded. */
HDF *lang_hdf(const char *lang);
/* The text of key in lang (English falls back to Japanese); NULL when no file has it. */
const char *lang_get(const conf *cfg, const char *lang, const char *key);
/* The text of key in lang, for a text without conversions: Japanese when lang lacks it, the key
 * itself (logged) when no file has it. Never NULL. */
const char *lang_text(const char *lang, const char *key);
/* True when address is one of list's (comma-separated, spaces around each ignored; compared
 * without ASCII case): how mail picks a recipient's language from the recipient lists
 * (error_mail_to_en names the English ones). */
bool lang_address_listed(const char *list, const char *address);
/* True when the printf format text holds the same conversions as spec, in the same order
 * (flags and widths aside); false for positional conversions. */
bool lang_format_agrees(const char *text, const char *spec);
/* Appends the text of key in lang formatted with the arguments; spec is the conversions the
 * text holds ("%s%lld"), checked by the compiler against the arguments, and a text whose
 * conversions differ is not used (Japanese then; the key itself when that differs too,
 * logged). Z_OK or Z_ERR. */
int lang_vtextf(const conf *cfg, const char *lang, buf *out, const char *key, const char *spec,
                va_list ap) Z_PRINTF(5, 0);
int lang_textf(const conf *cfg, const char *lang, buf *out, const char *key, const char *spec,
               ...) Z_PRINTF(5, 6);

#endif
