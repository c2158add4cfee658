/* web: the request every handler receives, the fields it declares, and how it answers. */
#ifndef ZAIKO_WEB_H
#define ZAIKO_WEB_H

#include <ClearSilver.h>
#include <stdarg.h>
#include "core/buf.h"
#include "core/conf.h"
#include "db/db.h"
#include "web/params.h"

/* ---- Declared fields: a handler lists what it accepts; the router validates them. ---- */

typedef enum {
	WF_TEXT,     /* UTF-8 text; min/max are lengths in characters */
	WF_INT,      /* a decimal integer within [min, max] */
	WF_BOOL,     /* "1"/"on" true, "0"/"" false */
	WF_ENUM,     /* one of choices; the index lands in num */
	WF_INT_LIST, /* the same name repeated (checked rows): up to max_count integers in [min, max] */
	WF_TEXT_LIST, /* the same name repeated (form rows): up to max_count texts of at most max
	               * characters each (1000 when 0), empty ones kept in their place */
	WF_FILE,     /* a multipart file part of at most max bytes */
} web_field_type;

typedef struct {
	const char *name;
	web_field_type type;
	bool required;
	long long min, max;
	const char *label;               /* a language key, for messages: "msg.label.total" */
	const char *const *choices;      /* WF_ENUM: NULL-terminated */
	int max_count;                   /* WF_INT_LIST */
	/* WF_FILE: the name may come twice (two files chosen in one box); the second part is
	 * taken as the later field named here, when that field was not sent itself. */
	const char *second;
} web_field;

typedef struct {
	bool present;                    /* sent and not empty */
	const char *text;                /* WF_TEXT, WF_ENUM, WF_FILE (the bytes) */
	size_t len;
	long long num;                   /* WF_INT, WF_BOOL, WF_ENUM index */
	const char *filename;            /* WF_FILE */
	long long *list;                 /* WF_INT_LIST */
	const char **texts;              /* WF_TEXT_LIST */
	int count;                       /* WF_INT_LIST, WF_TEXT_LIST */
} web_value;

#define WEB_MAX_FIELDS 64

/* ---- Routes ---- */

typedef struct web_request web_request;
typedef int (*web_handler)(web_request *r);

enum {
	ROUTE_PUBLIC = 1 << 0, /* no login needed */
	ROUTE_ADMIN = 1 << 1,  /* admin role only */
	ROUTE_JSON = 1 << 2,   /* errors answered as JSON for scripts */
	ROUTE_NO_CSRF = 1 << 3, /* a POST that carries its own proof (login) */
};

typedef struct {
	const char *method;
	const char *path;
	web_handler handler;
	unsigned needs;
	const web_field *fields;         /* NULL-name terminated; may be NULL */
	size_t max_body;                 /* 0: the default */
} web_route;

/* The route table (web/routes.c). */
extern const web_route web_routes[];

/* ---- The request ---- */

typedef struct {
	long long id;
	char login[65];
	bool admin;
	/* 通知設定 joins the 管理者メニュー only while 在庫数通知 is 商品別 (the seed's menu).
	 * Read with the session: only the settings save changes it, and that answers with a
	 * redirect, so the value cannot go stale within a request. */
	bool alerts_menu;
	char csrf[65];
	char lang[3];                    /* the user's language: "ja" or "en" */
} web_user;

struct web_request {
	/* From the server */
	const char *method, *path, *query, *remote_addr, *content_type, *cookie_header;
	const char *accept_language;     /* may be NULL */
	bool https;
	char request_id[17];
	/* Parsed input */
	web_params query_params, body_params, cookies;
	const web_route *route;
	web_value values[WEB_MAX_FIELDS];
	/* Who */
	web_user user;                   /* id 0 when not logged in */
	/* The language of the answer, "ja" or "en" (NULL reads as "ja"): the user's setting once
	 * logged in, before that the language cookie, else Accept-Language (web_lang_choose). */
	const char *lang;
	/* Services */
	db *db;
	const conf *cfg;
	HDF *hdf;                        /* Page data for the template */
	/* The answer */
	int status;
	buf headers;                     /* extra header lines, CRLF-terminated */
	buf body;
	const char *content_type_out;
	bool sent;
	/* Streaming (web_stream_begin), set by the request loop: writes the status line and
	 * headers without a Content-Length, and body bytes straight to the client. */
	void *io;
	void (*io_head)(web_request *r);
	void (*io_write)(web_request *r, const char *s, size_t n);
	size_t streamed;                 /* body bytes written by web_stream_write */
};

/* The language key of the answer when a COMMIT's outcome is unknown (db_take_commit_unknown):
 * not saved as far as the user may assume; look and do it again. */
#define WEB_MSG_COMMIT_UNKNOWN "msg.web.commit_unknown"

/* Typed access to a declared field (the router validated it already), as kcgi's keys: a
 * screen names a route's fields in an enum and declares the table indexed by it, so a
 * misspelt field is a compile error, not a silent default. There is no access by name (make
 * check's field-by-name rule keeps the screens so):
 *     enum { SETS_SAVE_CODE, SETS_SAVE_NAME, SETS_SAVE__N };
 *     const web_field sets_save_fields[SETS_SAVE__N + 1] = {
 *         [SETS_SAVE_CODE] = {.name = "set_code", ...}, [SETS_SAVE_NAME] = {...}, };
 *     web_text_of(r, sets_save_fields, SETS_SAVE_CODE)
 * The table must be the route's (else an error is logged and the field reads as absent). */
const web_value *web_value_of(const web_request *r, const web_field *table, int field);
long long web_int_of(const web_request *r, const web_field *table, int field, long long def);
const char *web_text_of(const web_request *r, const web_field *table, int field); /* "" absent */
bool web_has_of(const web_request *r, const web_field *table, int field);
/* A screen's short readers of its busiest table: WEB_FIELD_READERS(list, list_fields) defines
 * static list_text(r, LIST_Q), list_int(r, LIST_SHOP, 0) and list_has(r, LIST_SHOP). */
#define WEB_FIELD_READERS(prefix, table)                                                        \
	__attribute__((unused)) static const char *prefix##_text(const web_request *r, int field) \
	{                                                                                          \
		return web_text_of(r, table, field);                                               \
	}                                                                                          \
	__attribute__((unused)) static long long prefix##_int(const web_request *r, int field,    \
	                                                      long long def)                      \
	{                                                                                          \
		return web_int_of(r, table, field, def);                                           \
	}                                                                                          \
	__attribute__((unused)) static bool prefix##_has(const web_request *r, int field)         \
	{                                                                                          \
		return web_has_of(r, table, field);                                                \
	}

/* Validates raw params against fields into values; Z_INVALID with a message in msg, in the
 * language of r (labels are language keys). */
int web_validate(const web_request *r, const web_field *fields, const web_params *params,
                 web_value *values, char *msg, size_t msglen);
void web_values_free(const web_field *fields, web_value *values);

/* ---- Text in the user's language (web/response.c) ----
 * Every text a user reads comes from templates/lang/<language>.hdf: templates read it as
 * Lang.*, C code through these with the same key ("msg.stock.not_found" is
 * Lang.msg.stock.not_found). The request's language, else Japanese. */

/* The text of key; the key itself (logged) when no language has it. Owned by the language
 * set, valid for the process: never freed by the caller. */
const char *web_lang(const web_request *r, const char *key);
/* Appends the text of key, formatted with the arguments, to out. spec is the conversions the
 * text holds, in order ("%s%lld"): the compiler checks the arguments against it, and a text
 * whose conversions differ is not used (the Japanese text then; the key when that differs
 * too, logged). Z_OK, or Z_ERR. */
int web_langf(const web_request *r, buf *out, const char *key, const char *spec, ...)
	Z_PRINTF(4, 5);
int web_vlangf(const web_request *r, buf *out, const char *key, const char *spec, va_list ap)
	Z_PRINTF(4, 0);
/* As web_langf, into dst of n bytes (cut at a character boundary when longer). */
void web_lang_snprintf(const web_request *r, char *dst, size_t n, const char *key,
                       const char *spec, ...) Z_PRINTF(5, 6);
/* True when the printf format text holds the same conversions as spec, in the same order
 * (flags and widths aside); false for positional conversions. */
bool web_lang_format_agrees(const char *text, const char *spec);

/* ---- Languages (web/response.c): templates/lang/ja.hdf and en.hdf, read once per process. */

#define LANG_COOKIE "zaiko_lang"
#define LANG_COOKIE_SECONDS (400L * 24 * 3600)
/* "ja" or "en": the request's language. */
const char *web_lang_code(const web_request *r);
/* The language before login: the LANG_COOKIE cookie, else the first of ja/en in
 * Accept-Language by preference (q), else Japanese. Sets r->lang. The language files
 * themselves: core/lang.h. */
void web_lang_choose(web_request *r);

/* ---- Answers (web/response.c). Each sets r->status and the body; the loop sends it. ---- */

/* Renders templates/<name> with r->hdf (plus Lang.*, User.*, Csrf). 200 unless status set. */
int web_render(web_request *r, const char *name);
/* True for a path of this site: starts with one '/', no "//" or "/\" host, no control
 * characters. */
bool web_path_is_local(const char *path);
/* 303 See Other to a local path; any other target goes to "/". */
int web_redirect(web_request *r, const char *path);
/* A page with a Japanese message, status 4xx/5xx; JSON for ROUTE_JSON routes. */
int web_error(web_request *r, int status, const char *message);
/* A JSON answer; takes ownership of the cJSON tree. */
struct cJSON;
int web_json(web_request *r, int status, struct cJSON *root);
/* A download: content type, file name (ASCII fallback + RFC 5987 UTF-8), bytes taken from b. */
int web_download(web_request *r, const char *content_type, const char *filename, buf *b);
/* A download written while it is produced: sends the status line and headers now (200, no
 * Content-Length), after which the handler writes the body with web_stream_write and may not
 * answer anything else (r->sent). Z_OK, or Z_ERR when the loop cannot stream. */
int web_stream_begin(web_request *r, const char *content_type, const char *filename);
/* Writes body bytes of a streamed answer. */
void web_stream_write(web_request *r, const char *s, size_t n);
/* Adds a header line; name and value must hold no CR/LF (refused otherwise). */
int web_header(web_request *r, const char *name, const char *value);
/* Sets a cookie: HttpOnly, SameSite=Strict, Path=/, Secure under HTTPS; max_age < 0 deletes. */
int web_cookie(web_request *r, const char *name, const char *value, long max_age);

/* Page data for the template: r->hdf's key = value (NULL reads as ""). Out of memory aborts
 * (core/buf.h), so the result needs no check: Z_OK, or Z_ERR (logged) for a malformed key. */
int web_set(web_request *r, const char *key, const char *value);
int web_setf(web_request *r, const char *key, const char *fmt, ...) Z_PRINTF(3, 4);
int web_set_int(web_request *r, const char *key, long long v);

/* ---- Sessions and login (web/session.c) ---- */

#define SESSION_COOKIE "zaiko_session"
#define PRELOGIN_COOKIE "zaiko_pre"

/* Loads the user of the session cookie, touching last_seen; r->user.id stays 0 if none. */
int session_load(web_request *r);
/* Creates a session for user_id (a new token), sets the cookie. */
int session_start(web_request *r, long long user_id);
/* Deletes the current session and its cookie. */
int session_end(web_request *r);
/* Ends every session of user_id but the current one (kept only when it is that user's). */
int session_end_others(web_request *r, long long user_id);
/* True when the POSTed csrf field matches the session's (or, before login, the pre-login
 * cookie's) token. */
bool session_csrf_ok(const web_request *r);
/* Login throttling (the rules are at the top of session.c). Before the password is checked:
 * Z_OK with *attempt, the attempt already recorded as a failure (atomically with the count);
 * Z_CONFLICT with a Japanese *why when this attempt may not be heard; Z_ERR. */
int session_login_gate(web_request *r, const char *login, long long *attempt, const char **why);
/* The password was right: the attempt was no failure. */
void session_login_succeeded(web_request *r, const char *login, long long attempt);

/* ---- The dispatcher (web/router.c) ---- */

/* Handles one request end to end: parse, route, needs, validate, handler. */
void web_dispatch(web_request *r, const char *body, size_t body_len);
/* The body size a route accepts (checked before the body is read: 413 beyond it). */
size_t web_route_max_body(const char *method, const char *path);

#endif
