/* params: every byte a client sends passes through here before a handler sees it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/utf8.h"
#include "web/params.h"

const web_limits web_default_limits = {
	.max_fields = 2000,
	.max_name = 64,
	.max_value = 64 * 1024,
	.max_file = 32 * 1024 * 1024,
};

void web_params_free(web_params *p)
{
	for (int i = 0; i < p->n; i++) {
		free(p->items[i].name);
		free(p->items[i].value);
		free(p->items[i].filename);
		free(p->items[i].content_type);
	}
	free(p->items);
	memset(p, 0, sizeof(*p));
}

const web_param *web_params_get(const web_params *p, const char *name)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->items[i].name, name))
			return &p->items[i];
	return NULL;
}

int web_params_count(const web_params *p, const char *name)
{
	int count = 0;
	for (int i = 0; i < p->n; i++)
		count += !strcmp(p->items[i].name, name);
	return count;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Takes ownership of name and value. */
static int add(web_params *p, char *name, char *value, size_t len, char *filename, char *ctype)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 16;
		web_param *items = realloc(p->items, (size_t)cap * sizeof(*items));
		if (!items)
			goto fail;
		p->items = items;
		p->cap = cap;
	}
	p->items[p->n++] = (web_param){name, value, len, filename, ctype};
	return Z_OK;
fail:
	free(name);
	free(value);
	free(filename);
	free(ctype);
	return Z_NOMEM;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and '+' from s[0..n) into a new string; NULL on a bad escape. */
static char *url_decode(const char *s, size_t n, size_t *outlen)
{
	char *d = malloc(n + 1);
	size_t j = 0;
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			d[j++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(d);
				return NULL;
			}
			d[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			d[j++] = s[i];
		}
	}
	d[j] = '\0';
	*outlen = j;
	return d;
}

int web_parse_urlencoded(const char *s, size_t n, const web_limits *lim, web_params *out,
                         const char **why)
{
	int fields = 0;
	size_t i = 0;
	while (i < n) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			const char *pair = s + i;
			size_t plen = end - i;
			const char *eq = memchr(pair, '=', plen);
			size_t nlen = eq ? (size_t)(eq - pair) : plen;
			size_t vlen = eq ? plen - nlen - 1 : 0;
			size_t dn = 0, dv = 0;
			if (++fields > lim->max_fields) {
				*why = "msg.web.too_many_params";
				return Z_INVALID;
			}
			if (nlen > lim->max_name * 3 || vlen > lim->max_value * 3) {
				*why = "msg.web.too_long";
				return Z_INVALID;
			}
			char *name = url_decode(pair, nlen, &dn);
			char *value = url_decode(eq ? eq + 1 : "", vlen, &dv);
			if (!name || !value) {
				free(name);
				free(value);
				*why = "msg.web.bad_url";
				return Z_INVALID;
			}
			if (!dn || dn > lim->max_name || dv > lim->max_value) {
				free(name);
				free(value);
				*why = dn ? "msg.web.too_long" : "msg.web.no_name";
				return Z_INVALID;
			}
			if (!utf8_valid_text(name, dn) || !utf8_valid_text(value, dv)) {
				free(name);
				free(value);
				*why = "msg.web.not_utf8";
				return Z_INVALID;
			}
			if (add(out, name, value, dv, NULL, NULL) != Z_OK) {
				*why = "msg.web.no_memory";
				return Z_NOMEM;
			}
		}
		i = end + 1;
	}
	return Z_OK;
}

/* The value of a parameter such as boundary=... or name="..." in a header line, copied;
 * NULL when absent or malformed. Quoted values may not contain quotes or line breaks. */
static char *header_param(const char *h, size_t n, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen < n; i++) {
		if ((i == 0 || h[i - 1] == ';' || h[i - 1] == ' ' || h[i - 1] == '\t') &&
		    !strncasecmp(h + i, key, klen) && h[i + klen] == '=') {
			const char *v = h + i + klen + 1;
			const char *end = h + n;
			if (v < end && *v == '"') {
				const char *q = memchr(v + 1, '"', (size_t)(end - v - 1));
				if (!q)
					return NULL;
				return dup_n(v + 1, (size_t)(q - v - 1));
			}
			const char *e = v;
			while (e < end && *e != ';' && *e != ' ' && *e != '\r' && *e != '\n')
				e++;
			return dup_n(v, (size_t)(e - v));
		}
	}
	return NULL;
}

/* Keeps only the last path component: a file name is a label, never a path. */
static void strip_path(char *name)
{
	char *base = name;
	for (char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	memmove(name, base, strlen(base) + 1);
}

int web_parse_multipart(const char *body, size_t n, const char *content_type,
                        const web_limits *lim, web_params *out, const char **why)
{
	char delim[80];
	char *boundary = content_type ? header_param(content_type, strlen(content_type), "boundary")
	                              : NULL;
	size_t blen = boundary ? strlen(boundary) : 0;
	int rc = Z_INVALID, parts = 0;
	*why = "msg.web.bad_body";
	if (!boundary || blen < 1 || blen > 70) {
		free(boundary);
		return Z_INVALID;
	}
	/* The first delimiter may lack the leading CRLF; later ones always have it. */
	int dl = snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	free(boundary);
	const char *end = body + n;
	const char *p;
	if (n >= (size_t)dl - 2 && !memcmp(body, delim + 2, (size_t)dl - 2))
		p = body + dl - 2;
	else if (!(p = memmem(body, n, delim, (size_t)dl)))
		return Z_INVALID;
	else
		p += dl;
	for (;;) {
		/* After a delimiter: "--" ends the body, CRLF starts a part. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return Z_OK;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return Z_INVALID;
		p += 2;
		const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!hend || hend - p > 4096) {
			*why = hend ? "msg.web.header_too_long" : *why;
			return Z_INVALID;
		}
		const char *data = hend + 4;
		const char *next = memmem(data, (size_t)(end - data), delim, (size_t)dl);
		if (!next)
			return Z_INVALID;
		if (++parts > lim->max_fields) {
			*why = "msg.web.too_many_params";
			return Z_INVALID;
		}
		char *name = NULL, *filename = NULL, *ctype = NULL;
		bool has_disposition = false;
		for (const char *line = p; line < hend;) {
			const char *eol = memmem(line, (size_t)(hend - line) + 2, "\r\n", 2);
			size_t llen = (size_t)((eol ? eol : hend) - line);
			if (llen > 20 && !strncasecmp(line, "Content-Disposition:", 20)) {
				if (has_disposition)
					goto bad_part;
				has_disposition = true;
				name = header_param(line, llen, "name");
				filename = header_param(line, llen, "filename");
			} else if (llen > 13 && !strncasecmp(line, "Content-Type:", 13)) {
				const char *v = line + 13;
				while (*v == ' ')
					v++;
				free(ctype);
				ctype = dup_n(v, llen - (size_t)(v - line));
			}
			line = eol ? eol + 2 : hend;
		}
		size_t vlen = (size_t)(next - data);
		if (!name || !*name || strlen(name) > lim->max_name ||
		    !utf8_valid_text(name, strlen(name)))
			goto bad_part;
		if (filename) {
			if (!utf8_valid_text(filename, strlen(filename)) || strlen(filename) > 255)
				goto bad_part;
			strip_path(filename);
			if (vlen > lim->max_file) {
				*why = "msg.web.file_too_large";
				goto bad_part;
			}
		} else if (vlen > lim->max_value || !utf8_valid_text(data, vlen)) {
			*why = vlen > lim->max_value ? "msg.web.too_long"
			                             : "msg.web.not_utf8";
			goto bad_part;
		}
		char *value = dup_n(data, vlen);
		if (!value || add(out, name, value, vlen, filename, ctype) != Z_OK) {
			*why = "msg.web.no_memory";
			return Z_NOMEM;
		}
		p = next + dl;
		continue;
bad_part:
		free(name);
		free(filename);
		free(ctype);
		return rc;
	}
}

int web_parse_cookies(const char *header, const web_limits *lim, web_params *out,
                      const char **why)
{
	int count = 0;
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (eq && eq > p && ++count <= 64) {
			size_t nlen = (size_t)(eq - p), vlen = len - nlen - 1;
			while (nlen && p[nlen - 1] == ' ')
				nlen--;
			if (nlen <= lim->max_name && vlen <= 4096 && utf8_valid_text(p, nlen) &&
			    utf8_valid_text(eq + 1, vlen)) {
				char *name = dup_n(p, nlen), *value = dup_n(eq + 1, vlen);
				if (!name || !value || add(out, name, value, vlen, NULL, NULL) != Z_OK) {
					*why = "msg.web.no_memory";
					return Z_NOMEM;
				}
			}
		}
		p = end;
	}
	return Z_OK;
}
