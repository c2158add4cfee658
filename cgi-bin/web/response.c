/* response: rendering through ClearSilver (escaped by default), redirects, errors, JSON,
 * downloads, headers and cookies. Nothing reaches the client but through these. */
#include <cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/lang.h"
#include "core/log.h"
#include "core/url.h"
#include "web/web.h"

static const char *templates_dir(const web_request *r)
{
	return conf_get(r->cfg, "web", "templates", "/usr/local/share/zaiko/templates");
}

/* Logs a ClearSilver error with what was being done, and frees it. */
static void log_neoerr(const char *what, const char *name, NEOERR **err)
{
	STRING s;
	string_init(&s);
	nerr_error_string(*err, &s);
	log_error("render: %s%s: %s", what, name, s.buf ? s.buf : "");
	string_clear(&s);
	nerr_ignore(err);
}

const char *web_lang_code(const web_request *r)
{
	return r && r->lang && !strcmp(r->lang, "en") ? "en" : "ja";
}

/* The q of one Accept-Language item's parameters (";q=0.5"), 1 when absent, 0 when bad. */
static double accept_q(const char *p, const char *end)
{
	while (p < end) {
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			char num[8];
			size_t n = 0;
			for (p += 2; p < end && n < sizeof(num) - 1 && (isdigit((unsigned char)*p) || *p == '.'); p++)
				num[n++] = *p;
			num[n] = 0;
			return n ? strtod(num, NULL) : 0;
		}
		while (p < end && *p != ';')
			p++;
	}
	return 1;
}

void web_lang_choose(web_request *r)
{
	const web_param *c = web_params_get(&r->cookies, LANG_COOKIE);
	const char *known = c ? lang_known(c->value) : NULL;
	if (known) {
		r->lang = known;
		return;
	}
	r->lang = "ja";
	const char *h = r->accept_language;
	double best = 0;
	/* Items "tag;q=0.8" separated by commas; the primary subtag decides (en-US is en). The
	 * header is bounded by the server; look at no more than 64 items. */
	for (int items = 0; h && *h && items < 64; items++) {
		const char *end = strchr(h, ',');
		if (!end)
			end = h + strlen(h);
		while (h < end && (*h == ' ' || *h == '\t'))
			h++;
		size_t tag = 0;
		while (h + tag < end && isalpha((unsigned char)h[tag]))
			tag++;
		const char *semi = memchr(h, ';', (size_t)(end - h));
		double q = semi ? accept_q(semi, end) : 1;
		if (tag == 2 && q > best) {
			if (!strncasecmp(h, "ja", 2)) {
				best = q;
				r->lang = "ja";
			} else if (!strncasecmp(h, "en", 2)) {
				best = q;
				r->lang = "en";
			}
		}
		h = *end ? end + 1 : end;
	}
}

const char *web_lang(const web_request *r, const char *key)
{
	const char *s = key ? lang_get(r->cfg, web_lang_code(r), key) : NULL;
	if (!s) {
		log_error("lang: no text for %s", key ? key : "(null)");
		return key ? key : "";
	}
	return s;
}

bool web_lang_format_agrees(const char *text, const char *spec)
{
	return lang_format_agrees(text, spec);
}

int web_vlangf(const web_request *r, buf *out, const char *key, const char *spec, va_list ap)
{
	return lang_vtextf(r->cfg, web_lang_code(r), out, key, spec, ap);
}

int web_langf(const web_request *r, buf *out, const char *key, const char *spec, ...)
{
	va_list ap;
	va_start(ap, spec);
	int rc = web_vlangf(r, out, key, spec, ap);
	va_end(ap);
	return rc;
}

void web_lang_snprintf(const web_request *r, char *dst, size_t n, const char *key,
                       const char *spec, ...)
{
	buf b = BUF_INIT;
	va_list ap;
	va_start(ap, spec);
	web_vlangf(r, &b, key, spec, ap);
	va_end(ap);
	if (n) {
		/* Cut at a character boundary: a message may end mid-sentence, never mid-character. */
		size_t len = b.len < n ? b.len : n - 1;
		if (len < b.len)
			while (len && ((unsigned char)buf_str(&b)[len] & 0xC0) == 0x80)
				len--;
		memcpy(dst, buf_str(&b), len);
		dst[len] = '\0';
	}
	buf_free(&b);
}

/* Parsed templates, kept for the worker's life (DESIGN: a worker keeps nothing between
 * requests but caches). Each was parsed once against tmpl_hdf, which holds what parsing reads
 * (the escape mode, the load path); a render points it at the request's HDF for the data and
 * back afterwards. Template files changed on disk are seen by workers started after. */
#define TEMPLATE_CACHE 64
static struct {
	char *name;
	CSPARSE *cs;
	size_t size; /* the largest page it rendered, reserved up front next time */
} templates[TEMPLATE_CACHE];
static int ntemplates;
static HDF *tmpl_hdf;

/* The parsed template name, parsing it on first use; NULL (logged) on failure. */
static CSPARSE *template_get(const web_request *r, const char *name)
{
	for (int i = 0; i < ntemplates; i++)
		if (!strcmp(templates[i].name, name))
			return templates[i].cs;
	CSPARSE *cs = NULL;
	NEOERR *err = STATUS_OK;
	if (!tmpl_hdf) {
		err = hdf_init(&tmpl_hdf);
		/* Escaping must be on before any template is parsed: every var: is HTML-escaped. */
		if (err == STATUS_OK)
			err = hdf_set_value(tmpl_hdf, "Config.VarEscapeMode", "html");
		if (err == STATUS_OK)
			err = hdf_set_value(tmpl_hdf, "hdf.loadpaths.0", templates_dir(r));
		if (err != STATUS_OK) {
			log_neoerr("", name, &err);
			hdf_destroy(&tmpl_hdf);
			tmpl_hdf = NULL;
			return NULL;
		}
	}
	err = cs_init(&cs, tmpl_hdf);
	if (err == STATUS_OK)
		cs->global_hdf = lang_hdf("ja");
	if (err == STATUS_OK)
		err = cgi_register_strfuncs(cs);
	if (err == STATUS_OK)
		err = cs_parse_file(cs, name);
	char *copy = err == STATUS_OK ? strdup(name) : NULL;
	if (err != STATUS_OK || !copy) {
		if (err != STATUS_OK)
			log_neoerr("", name, &err);
		cs_destroy(&cs);
		return NULL;
	}
	if (ntemplates == TEMPLATE_CACHE) {
		/* More names than the program has templates: keep the first ones, parse the rest
		 * each time rather than grow without bound. */
		free(copy);
		return cs; /* the caller destroys it: see web_render */
	}
	templates[ntemplates].name = copy;
	templates[ntemplates].cs = cs;
	ntemplates++;
	return cs;
}

/* The cache slot of cs, or -1 when it is not kept. */
static int template_slot(const CSPARSE *cs)
{
	for (int i = 0; i < ntemplates; i++)
		if (templates[i].cs == cs)
			return i;
	return -1;
}

/* Pages are reserved at most this big in advance; a larger one grows as it renders. */
#define RESERVE_MAX (2u << 20)

/* ClearSilver's output callback: ~28,000 pieces for the 在庫連携 list. The page's buffer is
 * reserved up front (web_render), so a piece usually fits: copied here without buf_puts's
 * two calls. */
static NEOERR *collect(void *ctx, char *s)
{
	buf *b = ctx;
	size_t n = strlen(s);
	if (b->data && n < b->cap - b->len) {
		memcpy(b->data + b->len, s, n + 1);
		b->len += n;
		return STATUS_OK;
	}
	if (buf_append(b, s, n) != Z_OK)
		return nerr_raise(NERR_NOMEM, "render: out of memory");
	return STATUS_OK;
}

int web_set(web_request *r, const char *key, const char *value)
{
	NEOERR *err = hdf_set_value(r->hdf, key, value ? value : "");
	if (err == STATUS_OK)
		return Z_OK;
	if (nerr_handle(&err, NERR_NOMEM))
		z_oom(strlen(key) + (value ? strlen(value) : 0));
	/* Anything else is a key the program built wrong. */
	log_neoerr("cannot set ", key, &err);
	return Z_ERR;
}

int web_setf(web_request *r, const char *key, const char *fmt, ...)
{
	buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == Z_OK)
		rc = web_set(r, key, buf_str(&b));
	buf_free(&b);
	return rc;
}

int web_set_int(web_request *r, const char *key, long long v)
{
	return web_setf(r, key, "%lld", v);
}

int web_render(web_request *r, const char *name)
{
	CSPARSE *cs = NULL;
	NEOERR *err = STATUS_OK;
	if (strstr(name, "..") || strchr(name, '/'))
		return Z_ERR;
	if (lang_load(r->cfg) != Z_OK)
		return Z_ERR;
	web_set(r, "Req.lang", web_lang_code(r));
	/* The language form's way back: this page when it was a GET, else the start page (a POST's
	 * path may have no page to show). */
	if (r->method && !strcmp(r->method, "GET") && r->path && web_path_is_local(r->path)) {
		if (r->query && *r->query)
			web_setf(r, "Req.here", "%s?%s", r->path, r->query);
		else
			web_set(r, "Req.here", r->path);
	} else {
		web_set(r, "Req.here", "/");
	}
	/* The escape mode is set when the HDF is created (before cs_init), see main.c. */
	if (r->user.id) {
		web_set(r, "User.login", r->user.login);
		web_set(r, "User.admin", r->user.admin ? "1" : "0");
		if (r->user.alerts_menu)
			web_set(r, "Menu.alerts", "1");
		web_set(r, "Csrf", r->user.csrf);
	}
	if (err == STATUS_OK)
		err = hdf_set_value(r->hdf, "hdf.loadpaths.0", templates_dir(r));
	if (err == STATUS_OK && !(cs = template_get(r, name)))
		return Z_ERR;
	buf_reset(&r->body);
	/* The 在庫連携 list is ~430 KB: room for the whole page at once instead of growing
	 * (and copying) it a dozen times while ClearSilver writes it piece by piece. */
	int slot = template_slot(cs);
	if (slot >= 0 && templates[slot].size)
		buf_reserve(&r->body, templates[slot].size + templates[slot].size / 8);
	if (err == STATUS_OK) {
		cs->hdf = r->hdf;
		cs->global_hdf = lang_hdf(web_lang_code(r));
		cs->locals = NULL;
		err = cs_render(cs, &r->body, collect);
		cs->hdf = tmpl_hdf;
		cs->global_hdf = lang_hdf("ja");
		cs->locals = NULL;
		cs->output_ctx = NULL;
	}
	if (slot >= 0 && err == STATUS_OK && r->body.len > templates[slot].size)
		templates[slot].size = r->body.len < RESERVE_MAX ? r->body.len : RESERVE_MAX;
	if (cs && slot < 0)
		cs_destroy(&cs);
	if (err != STATUS_OK) {
		log_neoerr("", name, &err);
		return Z_ERR;
	}
	if (!r->status)
		r->status = 200;
	r->content_type_out = "text/html; charset=utf-8";
	return Z_OK;
}

static bool header_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

int web_header(web_request *r, const char *name, const char *value)
{
	if (!header_safe(name) || !header_safe(value)) {
		log_warn("response: header %s refused: control characters", name);
		return Z_INVALID;
	}
	return buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

bool web_path_is_local(const char *path)
{
	/* "//host" and "/\host" would leave the site. */
	return path[0] == '/' && path[1] != '/' && path[1] != '\\' && header_safe(path);
}

int web_redirect(web_request *r, const char *path)
{
	if (!web_path_is_local(path))
		path = "/";
	r->status = 303;
	buf_reset(&r->body);
	return web_header(r, "Location", path);
}

int web_error(web_request *r, int status, const char *message)
{
	r->status = status;
	buf_reset(&r->body);
	if (r->route && (r->route->needs & ROUTE_JSON)) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", message);
		return web_json(r, status, o);
	}
	web_set(r, "Page.title", web_lang(r, status >= 500 ? "msg.web.error_title" : "msg.web.input_error_title"));
	web_set(r, "Page.error", message);
	web_set_int(r, "Page.status", status);
	if (web_render(r, "error.cs") != Z_OK) {
		buf_reset(&r->body);
		buf_puts(&r->body, "<!doctype html><meta charset=utf-8><title>エラー</title><p>エラーが発生しました。</p>");
		r->content_type_out = "text/html; charset=utf-8";
	}
	r->status = status;
	return Z_OK;
}

int web_json(web_request *r, int status, cJSON *root)
{
	char *s = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!s)
		return Z_NOMEM;
	buf_reset(&r->body);
	int rc = buf_puts(&r->body, s);
	free(s);
	r->status = status;
	r->content_type_out = "application/json; charset=utf-8";
	return rc;
}

/* Sets the Content-Disposition of a download named filename. */
static int disposition(web_request *r, const char *filename)
{
	buf cd = BUF_INIT;
	buf_puts(&cd, "attachment; filename=\"");
	/* An ASCII fallback for old clients, then the real name percent-encoded (RFC 5987). */
	for (const char *p = filename; *p; p++)
		buf_putc(&cd, ((unsigned char)*p < 0x80 && *p != '"' && *p != '\\' && *p >= 0x20)
		                  ? *p : '_');
	buf_puts(&cd, "\"; filename*=UTF-8''");
	url_encode(&cd, filename, NULL);
	int rc = web_header(r, "Content-Disposition", buf_str(&cd));
	buf_free(&cd);
	return rc;
}

int web_stream_begin(web_request *r, const char *content_type, const char *filename)
{
	if (!r->io_head || !r->io_write || r->sent)
		return Z_ERR;
	int rc = disposition(r, filename);
	if (rc != Z_OK)
		return rc;
	r->status = 200;
	r->content_type_out = content_type;
	buf_reset(&r->body);
	r->io_head(r);
	r->sent = true;
	return Z_OK;
}

void web_stream_write(web_request *r, const char *s, size_t n)
{
	if (r->sent && r->io_write && n) {
		r->io_write(r, s, n);
		r->streamed += n;
	}
}

int web_download(web_request *r, const char *content_type, const char *filename, buf *b)
{
	int rc = disposition(r, filename);
	buf_free(&r->body);
	r->body = *b;
	*b = (buf)BUF_INIT;
	r->status = 200;
	r->content_type_out = content_type;
	return rc;
}

int web_cookie(web_request *r, const char *name, const char *value, long max_age)
{
	buf c = BUF_INIT;
	if (max_age < 0)
		buf_printf(&c, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s", name,
		           r->https ? "; Secure" : "");
	else if (max_age == 0)
		buf_printf(&c, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", name, value,
		           r->https ? "; Secure" : "");
	else
		buf_printf(&c, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s", name, value,
		           max_age, r->https ? "; Secure" : "");
	int rc = web_header(r, "Set-Cookie", buf_str(&c));
	buf_free(&c);
	return rc;
}
