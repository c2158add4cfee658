/* conf: a small INI parser: [section], key = value, # and ; comments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/strnum.h"

#define CONF_MAX_BYTES (1 << 20)
#define CONF_MAX_ENTRIES 1024

struct conf_entry {
	char *section, *key, *value;
};

struct conf {
	struct conf_entry *entries;
	size_t count;
};

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

void conf_free(conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->count; i++) {
		free(c->entries[i].section);
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->entries);
	free(c);
}

conf *conf_parse(const char *text, size_t len)
{
	conf *c = calloc(1, sizeof(*c));
	char *copy = malloc(len + 1);
	char section[128] = "";
	int lineno = 0;
	if (!c || !copy)
		goto fail;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(copy, '\0', len)) {
		log_error("conf: NUL byte in configuration");
		goto fail;
	}
	c->entries = calloc(CONF_MAX_ENTRIES, sizeof(*c->entries));
	if (!c->entries)
		goto fail;
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end || end[1] || (size_t)(end - s - 1) >= sizeof(section)) {
				log_error("conf: line %d: bad section header", lineno);
				goto fail;
			}
			*end = '\0';
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq || c->count >= CONF_MAX_ENTRIES) {
			log_error("conf: line %d: expected key = value", lineno);
			goto fail;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		size_t vl = strlen(value);
		if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
			value[vl - 1] = '\0';
			value++;
		}
		if (!*key) {
			log_error("conf: line %d: empty key", lineno);
			goto fail;
		}
		struct conf_entry *e = &c->entries[c->count++];
		e->section = strdup(section);
		e->key = strdup(key);
		e->value = strdup(value);
		if (!e->section || !e->key || !e->value)
			goto fail;
	}
	free(copy);
	return c;
fail:
	free(copy);
	conf_free(c);
	return NULL;
}

const char *conf_default_path(void)
{
	const char *env = getenv("ZAIKO_CONF");
	return env && *env ? env : "/etc/zaiko/zaiko.conf";
}

conf *conf_load(const char *path)
{
	if (!path)
		path = conf_default_path();
	FILE *f = fopen(path, "rb");
	if (!f) {
		log_error("conf: cannot open %s", path);
		return NULL;
	}
	buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > CONF_MAX_BYTES || buf_append(&b, chunk, n) != Z_OK) {
			log_error("conf: %s is too large", path);
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	}
	fclose(f);
	conf *c = conf_parse(buf_str(&b), b.len);
	buf_free(&b);
	return c;
}

const char *conf_get(const conf *c, const char *section, const char *key, const char *def)
{
	if (!c)
		return def;
	/* The last assignment wins, as in most INI readers. */
	for (size_t i = c->count; i-- > 0;)
		if (!strcmp(c->entries[i].section, section) && !strcmp(c->entries[i].key, key))
			return c->entries[i].value;
	return def;
}

long long conf_int(const conf *c, const char *section, const char *key, long long def,
                   long long min, long long max)
{
	const char *v = conf_get(c, section, key, NULL);
	long long out;
	if (!v)
		return def;
	if (strnum_ll(v, min, max, &out) != Z_OK) {
		log_warn("conf: [%s] %s is not a number in %lld..%lld; using %lld", section, key,
		         min, max, def);
		return def;
	}
	return out;
}
