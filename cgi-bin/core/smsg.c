/* smsg: stored texts as language keys plus arguments (see smsg.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/lang.h"
#include "core/log.h"
#include "core/smsg.h"
#include "core/utf8.h"

void smsg_key(buf *m, const char *key)
{
	if (m->len)
		buf_putc(m, SMSG_RS);
	buf_puts(m, key);
}

/* s with control characters made spaces, so it cannot break the form. */
static void smsg_arg_text(buf *m, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
		buf_putc(m, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
}

void smsg_arg(buf *m, const char *s)
{
	buf_putc(m, SMSG_US);
	smsg_arg_text(m, s);
}

void smsg_argf(buf *m, const char *fmt, ...)
{
	buf a = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&a, fmt, ap);
	va_end(ap);
	smsg_arg(m, buf_str(&a));
	buf_free(&a);
}

void smsg_argll(buf *m, long long v)
{
	smsg_argf(m, "%lld", v);
}

void smsg_argkey(buf *m, const char *key)
{
	smsg_arg(m, "");
	buf_putc(m, SMSG_KEYARG);
	smsg_arg_text(m, key);
}

int smsg_arg_to_key(char *m, size_t cap, const char *text, const char *key)
{
	size_t tlen = text ? strlen(text) : 0, klen = key ? strlen(key) : 0, n = strlen(m);
	if (!tlen || !klen)
		return Z_NOTFOUND;
	buf out = BUF_INIT;
	int found = 0;
	for (size_t i = 0; i < n;) {
		/* An argument that is text: after a US, up to the next US, RS or the end. */
		if (m[i] == SMSG_US && !strncmp(m + i + 1, text, tlen) &&
		    (!m[i + 1 + tlen] || m[i + 1 + tlen] == SMSG_US || m[i + 1 + tlen] == SMSG_RS)) {
			smsg_argkey(&out, key);
			found++;
			i += 1 + tlen;
		} else {
			buf_putc(&out, m[i++]);
		}
	}
	int rc = !found ? Z_NOTFOUND : out.len >= cap ? Z_NOMEM : Z_OK;
	if (rc == Z_OK)
		memcpy(m, buf_str(&out), out.len + 1);
	buf_free(&out);
	return rc;
}

void smsg_lit(buf *m, const char *s)
{
	smsg_key(m, "");
	smsg_arg(m, s);
}

void smsg_add(buf *m, const char *key, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	smsg_key(m, key);
	for (int i = 0; i < n; i++)
		smsg_arg(m, va_arg(ap, const char *));
	va_end(ap);
}

int smsg_vkeyf(buf *m, const char *key, const char *fmt, va_list ap)
{
	buf seg = BUF_INIT;
	va_list aq;
	va_copy(aq, ap);
	int rc = Z_OK;
	smsg_key(&seg, key);
	for (const char *p = fmt; rc == Z_OK && *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		char spec[32];
		size_t k = 0;
		int star[2], nstar = 0;
		spec[k++] = *p++;
		while (*p && strchr("-+ #0", *p) && k < 20)
			spec[k++] = *p++;
		for (int part = 0; part < 2; part++) { /* width, then .precision */
			if (part == 1) {
				if (*p != '.')
					break;
				spec[k++] = *p++;
			}
			if (*p == '*') {
				star[nstar++] = va_arg(aq, int);
				spec[k++] = *p++;
			}
			while (*p >= '0' && *p <= '9' && k < 24)
				spec[k++] = *p++;
		}
		int len = 0; /* 1 h, 2 l, 3 ll, 4 z */
		if (*p == 'h')
			len = 1, spec[k++] = *p++;
		else if (p[0] == 'l' && p[1] == 'l')
			len = 3, spec[k++] = *p++, spec[k++] = *p++;
		else if (*p == 'l')
			len = 2, spec[k++] = *p++;
		else if (*p == 'z')
			len = 4, spec[k++] = *p++;
		if (!*p || !strchr("diuxcs", *p) || (*p == 's' && len) || (*p == 'c' && len)) {
			rc = Z_INVALID;
			break;
		}
		char conv = *p;
		spec[k++] = conv;
		spec[k] = '\0';
		buf a = BUF_INIT;
		/* The pieces of one conversion, formatted as the whole text would format it. */
#define SMSG_ONE(v) \
	(nstar == 2 ? buf_printf(&a, spec, star[0], star[1], v) \
	 : nstar == 1 ? buf_printf(&a, spec, star[0], v) : buf_printf(&a, spec, v))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (conv == 's')
			SMSG_ONE(va_arg(aq, const char *));
		else if (conv == 'c')
			SMSG_ONE(va_arg(aq, int));
		else if (conv == 'd' || conv == 'i')
			len == 3 ? SMSG_ONE(va_arg(aq, long long)) : len == 2 ? SMSG_ONE(va_arg(aq, long))
			: len == 4 ? SMSG_ONE(va_arg(aq, long)) : SMSG_ONE(va_arg(aq, int));
		else
			len == 3 ? SMSG_ONE(va_arg(aq, unsigned long long))
			: len == 2 || len == 4 ? SMSG_ONE(va_arg(aq, unsigned long))
			: SMSG_ONE(va_arg(aq, unsigned));
#pragma GCC diagnostic pop
#undef SMSG_ONE
		smsg_arg(&seg, buf_str(&a));
		buf_free(&a);
	}
	va_end(aq);
	if (rc == Z_OK) {
		if (m->len)
			buf_putc(m, SMSG_RS);
		buf_puts(m, buf_str(&seg));
	}
	buf_free(&seg);
	return rc;
}

int smsg_keyf(buf *m, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = smsg_vkeyf(m, key, fmt, ap);
	va_end(ap);
	return rc;
}

bool smsg_storable(const char *m)
{
	size_t n = strlen(m);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)m[i];
		if ((c < 0x20 && c != (unsigned char)SMSG_RS && c != (unsigned char)SMSG_US &&
		     !(c == (unsigned char)SMSG_KEYARG && i && m[i - 1] == SMSG_US)) || c == 0x7f)
			return false;
		size_t len = utf8_decode(m + i, n - i, NULL);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

/* The number of %s in text, -1 when it holds another conversion. */
static int text_args(const char *text)
{
	int n = 0;
	for (const char *p = text; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%')
			p++;
		else if (p[1] == 's')
			n++, p++;
		else
			return -1;
	}
	return n;
}

static bool key_ok(const char *k, size_t len)
{
	if (len < 5 || len > 120 || strncmp(k, "msg.", 4))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_' ||
		      k[i] == '.'))
			return false;
	return true;
}

static int render_segment(const conf *cfg, const char *lang, const char *seg, const char *end,
                          buf *out);

/* An argument [a, a + len): its text, or for a GS and a key the key's text (one that takes
 * no argument; the slice holds no US, so render_segment reads it as a key alone). */
static int put_arg(const conf *cfg, const char *lang, const char *a, size_t len, buf *out)
{
	if (!len || a[0] != SMSG_KEYARG) {
		buf_append(out, a, len);
		return Z_OK;
	}
	if (len == 1)
		return Z_INVALID; /* a GS without a key would render as an empty literal */
	return render_segment(cfg, lang, a + 1, a + len, out);
}

/* One segment [seg, end): key, then args after each US. */
static int render_segment(const conf *cfg, const char *lang, const char *seg, const char *end,
                          buf *out)
{
	const char *args[16];
	size_t alen[16];
	int n = 0;
	const char *k_end = memchr(seg, SMSG_US, (size_t)(end - seg));
	if (!k_end)
		k_end = end;
	for (const char *p = k_end; p < end;) {
		const char *a = p + 1, *next = memchr(a, SMSG_US, (size_t)(end - a));
		if (!next)
			next = end;
		if (n == 16)
			return Z_INVALID;
		args[n] = a;
		alen[n++] = (size_t)(next - a);
		p = next;
	}
	size_t klen = (size_t)(k_end - seg);
	if (klen == 0) { /* literal */
		for (int i = 0; i < n; i++)
			if (put_arg(cfg, lang, args[i], alen[i], out) != Z_OK)
				return Z_INVALID;
		return Z_OK;
	}
	char key[128];
	if (!key_ok(seg, klen))
		return Z_INVALID;
	memcpy(key, seg, klen);
	key[klen] = '\0';
	const char *text = lang_get(cfg, lang, key);
	if (text && text_args(text) != n) {
		log_error("smsg: %s in %s does not take %d arguments", key, lang ? lang : "ja", n);
		text = lang_get(cfg, "ja", key);
	}
	if (!text || text_args(text) != n)
		return Z_INVALID;
	int i = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '%' && p[1] == '%') {
			buf_putc(out, '%');
			p++;
		} else if (*p == '%' && p[1] == 's') {
			if (put_arg(cfg, lang, args[i], alen[i], out) != Z_OK)
				return Z_INVALID;
			i++;
			p++;
		} else {
			buf_putc(out, *p);
		}
	}
	return Z_OK;
}

int smsg_render(const conf *cfg, const char *lang, const char *m, buf *out)
{
	if (!m || !*m)
		return Z_INVALID;
	for (const char *seg = m;;) {
		const char *end = strchr(seg, SMSG_RS);
		if (!end)
			end = seg + strlen(seg);
		if (render_segment(cfg, lang, seg, end, out) != Z_OK)
			return Z_INVALID;
		if (!*end)
			return Z_OK;
		seg = end + 1;
	}
}

void smsg_show(const conf *cfg, const char *lang, const char *text, const char *m, buf *out)
{
	buf b = BUF_INIT;
	if (m && *m && smsg_render(cfg, lang, m, &b) == Z_OK)
		buf_puts(out, buf_str(&b));
	else
		buf_puts(out, text ? text : "");
	buf_free(&b);
}
