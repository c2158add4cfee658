/* smsg: a text kept in the database as language keys with their arguments, so each reader
 * sees it in their own language (templates/lang/<lang>.hdf) instead of the language of the
 * process that wrote it. Written beside the Japanese text the row always had (the `*_msg`
 * columns of migration 185); a row without one (older rows) shows its text as it is.
 *
 * The form: segments separated by RS (0x1e), each a key followed by its arguments, each after
 * a US (0x1f): "msg.push.total\x1f12\x1e\x1f \x1emsg.push.cap\x1f5". A segment whose key is
 * empty is literal text (language-neutral pieces: spaces, ", ", numbers). The text of a key
 * takes its arguments through %s (and %% for a per cent sign); nothing else. An argument that
 * starts with GS (0x1d) is itself a key whose text takes no argument ("\x1fmsg.a\x1f\x1dmsg.b"):
 * a name or a phrase of zaiko's own inside another text, also shown in the reader's language
 * (rows written before it never hold a GS: smsg_arg makes it a space). */
#ifndef ZAIKO_SMSG_H
#define ZAIKO_SMSG_H

#include <stdarg.h>
#include <stdbool.h>
#include "core/buf.h"
#include "core/conf.h"
#include "core/zaiko.h"

#define SMSG_RS '\x1e'
#define SMSG_US '\x1f'
#define SMSG_KEYARG '\x1d'

/* A text zaiko writes itself, paired with its key: text is the key's Japanese in ja.hdf,
 * stored as the row's text with the key beside it (tests/integration/test_lang_keys.py checks
 * each KEYED pair against ja.hdf). */
typedef struct {
	const char *key, *text;
} smsg_keyed;
#define KEYED(key, ja) {key, ja}

/* Starts a segment of key (a "msg." key of [a-z0-9_.]); its arguments follow. */
void smsg_key(buf *m, const char *key);
/* An argument of the last segment (NULL as ""); control characters become spaces, so an
 * argument cannot break the form. */
void smsg_arg(buf *m, const char *s);
void smsg_argf(buf *m, const char *fmt, ...) Z_PRINTF(2, 3);
void smsg_argll(buf *m, long long v);
/* An argument of the last segment that is the text of key (a "msg." key whose texts take no
 * argument) in the reader's language. */
void smsg_argkey(buf *m, const char *key);
/* For a caller of smsg_vkeyf (mall_status_setk) whose %s argument has a key of its own: in
 * the stored form m (a string in an array of cap bytes), each argument that is text becomes
 * the argument key (smsg_argkey). Z_OK when one did; Z_NOTFOUND when none is text (or key
 * or text is NULL or empty); Z_NOMEM when the result would not fit: m is then unchanged. */
int smsg_arg_to_key(char *m, size_t cap, const char *text, const char *key);
/* A literal segment (text shown as it is in every language). */
void smsg_lit(buf *m, const char *s);
/* A key segment with n string arguments. */
void smsg_add(buf *m, const char *key, int n, ...);
/* A key segment whose arguments are those of a printf call: each conversion of fmt (the
 * Japanese text of key as a format, "%sに接続できません: %s") formats its own argument, which
 * becomes a string argument; so key's language texts hold %s where fmt has any conversion,
 * and the Japanese one is fmt with each conversion made %s (tests/integration/
 * test_lang_keys.py checks that for every literal call). Conversions: d i u x c s with
 * h l ll z, flags, widths and precisions (also *). Z_OK, or Z_INVALID (nothing appended) for
 * another conversion. */
int smsg_vkeyf(buf *m, const char *key, const char *fmt, va_list ap) Z_PRINTF(3, 0);
int smsg_keyf(buf *m, const char *key, const char *fmt, ...) Z_PRINTF(3, 4);
/* True when m is well-formed UTF-8 with no control character but RS, US and a GS that starts
 * an argument: a form that may be stored (an argument cut inside a character, or a mall's
 * stray byte, is not). */
bool smsg_storable(const char *m);
/* Appends m's segments to out in lang ("ja", "en"; English lacks a key → Japanese). Z_OK, or
 * Z_INVALID when m is malformed, names a key no file has, or gives a text other than the
 * number of arguments it takes (out then holds a partial text: callers show the stored text
 * instead). cfg as lang_get. */
int smsg_render(const conf *cfg, const char *lang, const char *m, buf *out);
/* The text to show: m rendered in lang when m is set and renders, else text. Into out. */
void smsg_show(const conf *cfg, const char *lang, const char *text, const char *m, buf *out);

#endif
