/* lang: the language files, read once per process (see lang.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/lang.h"
#include "core/log.h"

enum { LANG_JA, LANG_EN, LANG_N };
static const char *const lang_names[LANG_N] = {"ja", "en"};
static HDF *langs[LANG_N];

static int lang_index(const char *lang)
{
	return lang && !strcmp(lang, "en") ? LANG_EN : LANG_JA;
}

/* Where the templates are: cfg's [web] templates; without a cfg (a reader called before any
 * program loaded the files: unit tests, fuzz targets) $ZAIKO_TEMPLATES, else the tree's
 * templates under $ZAIKO_ROOT or the current directory. */
static const char *templates_dir(const conf *cfg, char *tmp, size_t n)
{
	if (cfg)
		return conf_get(cfg, "web", "templates", "/usr/local/share/zaiko/templates");
	const char *env = getenv("ZAIKO_TEMPLATES");
	if (env && *env)
		return env;
	env = getenv("ZAIKO_ROOT");
	snprintf(tmp, n, "%s/templates", env && *env ? env : ".");
	return tmp;
}

/* Reads the set of language upto: Japanese, then upto's own file over it. */
static int read_set(const conf *cfg, int upto)
{
	char tmp[900];
	const char *dir = templates_dir(cfg, tmp, sizeof(tmp));
	char path[1100] = "";
	HDF *under = NULL;
	NEOERR *err = hdf_init(&langs[upto]);
	if (err == STATUS_OK)
		err = hdf_get_node(langs[upto], "Lang", &under);
	/* Japanese first, then the language itself over it. */
	const int order[2] = {LANG_JA, upto};
	for (int k = 0; err == STATUS_OK && k < (upto == LANG_JA ? 1 : 2); k++) {
		snprintf(path, sizeof(path), "%s/lang/%s.hdf", dir, lang_names[order[k]]);
		err = hdf_read_file(under, path);
	}
	if (err == STATUS_OK)
		return Z_OK;
	STRING s;
	string_init(&s);
	nerr_error_string(err, &s);
	log_error("lang: cannot read %s: %s", path, s.buf ? s.buf : "");
	string_clear(&s);
	nerr_ignore(&err);
	hdf_destroy(&langs[upto]);
	langs[upto] = NULL;
	return Z_ERR;
}

int lang_load(const conf *cfg)
{
	/* Without a cfg a failed read is not tried again on every message. */
	static bool failed_without_cfg;
	if (!cfg && failed_without_cfg && (!langs[LANG_JA] || !langs[LANG_EN]))
		return Z_ERR;
	for (int i = 0; i < LANG_N; i++)
		if (!langs[i] && read_set(cfg, i) != Z_OK) {
			if (!cfg)
				failed_without_cfg = true;
			return Z_ERR;
		}
	return Z_OK;
}

const char *lang_known(const char *s)
{
	if (!s)
		return NULL;
	if (!strcmp(s, "en"))
		return "en";
	if (!strcmp(s, "ja"))
		return "ja";
	return NULL;
}

HDF *lang_hdf(const char *lang)
{
	return langs[lang_index(lang)];
}

const char *lang_get(const conf *cfg, const char *lang, const char *key)
{
	char name[256];
	if (!key || lang_load(cfg) != Z_OK ||
	    (size_t)snprintf(name, sizeof(name), "Lang.%s", key) >= sizeof(name))
		return NULL;
	return hdf_get_value(langs[lang_index(lang)], name, NULL);
}

const char *lang_text(const char *lang, const char *key)
{
	const char *s = lang_get(NULL, lang, key);
	if (s)
		return s;
	log_error("lang: no text for %s", key ? key : "(null)");
	return key ? key : "";
}

bool lang_address_listed(const char *list, const char *address)
{
	size_t n = address ? strlen(address) : 0;
	while (n && address[n - 1] == ' ')
		n--;
	while (n && *address == ' ') {
		address++;
		n--;
	}
	if (!list || !n)
		return false;
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		size_t len = (size_t)(end - p);
		while (len && p[len - 1] == ' ')
			len--;
		if (len == n && !strncasecmp(p, address, n))
			return true;
		p = end;
	}
	return false;
}

/* Appends to out the conversions of the printf format fmt, one per conversion, without flags
 * and widths ("%5lld and %-s" gives "%lld%s"); %% is no conversion. False when a conversion
 * is one lang_textf does not take (positional %1$s, %n, an unterminated %). */
static bool format_conversions(const char *fmt, buf *out)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		while (*p && strchr("-+ #0123456789", *p))
			p++;
		if (*p == '$')
			return false;
		buf_putc(out, '%');
		if (*p == '.') {
			p++;
			if (*p == '*')
				buf_puts(out, ".*");
			while (*p && strchr("0123456789*", *p))
				p++;
		}
		while (*p && strchr("hlLqjzt", *p))
			buf_putc(out, *p++);
		if (!*p || !strchr("diouxXeEfFgGaAcsp", *p))
			return false;
		buf_putc(out, *p);
	}
	return true;
}

bool lang_format_agrees(const char *text, const char *spec)
{
	buf a = BUF_INIT, b = BUF_INIT;
	bool same = format_conversions(text, &a) && format_conversions(spec, &b) &&
	            !strcmp(buf_str(&a), buf_str(&b));
	buf_free(&a);
	buf_free(&b);
	return same;
}

/* The text of key in lang that holds exactly the conversions of spec, else the Japanese one
 * that does; NULL (logged) when neither does. */
static const char *lang_format(const conf *cfg, const char *lang, const char *key,
                               const char *spec)
{
	const char *s = lang_get(cfg, lang, key);
	if (s && lang_format_agrees(s, spec))
		return s;
	if (s)
		log_error("lang: %s does not hold the conversions %s", key, spec);
	s = lang_get(cfg, "ja", key);
	if (s && lang_format_agrees(s, spec))
		return s;
	log_error("lang: no text for %s with the conversions %s", key, spec);
	return NULL;
}

int lang_vtextf(const conf *cfg, const char *lang, buf *out, const char *key, const char *spec,
                va_list ap)
{
	const char *text = lang_format(cfg, lang, key, spec);
	if (!text)
		return buf_puts(out, key);
	return buf_vprintf(out, text, ap);
}

int lang_textf(const conf *cfg, const char *lang, buf *out, const char *key, const char *spec,
               ...)
{
	va_list ap;
	va_start(ap, spec);
	int rc = lang_vtextf(cfg, lang, out, key, spec, ap);
	va_end(ap);
	return rc;
}
