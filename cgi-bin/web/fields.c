/* fields: validation of declared fields into typed values, before any handler runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/strnum.h"
#include "core/utf8.h"
#include "web/web.h"

/* Writes the message of key in the user's language (web_lang_snprintf) and yields Z_INVALID. */
#define FAIL(key, ...) (web_lang_snprintf(r, msg, msglen, key, __VA_ARGS__), Z_INVALID)

/* The second part of a file field whose `second` names this field (two files chosen in
 * one box), or NULL. */
static const web_param *second_part(const web_field *fields, int upto, const web_params *params,
                                    const char *name)
{
	for (int i = 0; i < upto; i++) {
		if (!fields[i].second || strcmp(fields[i].second, name) ||
		    web_params_count(params, fields[i].name) != 2)
			continue;
		int seen = 0;
		for (int k = 0; k < params->n; k++)
			if (!strcmp(params->items[k].name, fields[i].name) && seen++ == 1)
				return &params->items[k];
	}
	return NULL;
}

int web_validate(const web_request *r, const web_field *fields, const web_params *params,
                 web_value *values, char *msg, size_t msglen)
{
	memset(values, 0, sizeof(web_value) * WEB_MAX_FIELDS);
	for (int i = 0; fields && fields[i].name; i++) {
		const web_field *f = &fields[i];
		const char *label = f->label ? web_lang(r, f->label) : f->name;
		web_value *v = &values[i];
		int count = web_params_count(params, f->name);
		const web_param *p = web_params_get(params, f->name);
		if (i >= WEB_MAX_FIELDS) {
			snprintf(msg, msglen, "%s", web_lang(r, "msg.field.too_many_fields"));
			return Z_ERR;
		}
		if (f->type == WF_INT_LIST) {
			if (count > f->max_count)
				return FAIL("msg.field.max_count", "%s%lld", label, (long long)f->max_count);
			v->list = calloc((size_t)(count ? count : 1), sizeof(long long));
			if (!v->list)
				return Z_NOMEM;
			for (int k = 0; k < params->n; k++) {
				const web_param *q = &params->items[k];
				long long x;
				if (strcmp(q->name, f->name))
					continue;
				if (strnum_ll(q->value, f->min, f->max, &x) != Z_OK)
					return FAIL("msg.field.invalid", "%s", label);
				v->list[v->count++] = x;
			}
			v->present = v->count > 0;
			if (f->required && !v->present)
				return FAIL("msg.field.choose", "%s", label);
			continue;
		}
		if (f->type == WF_TEXT_LIST) {
			if (count > f->max_count)
				return FAIL("msg.field.max_count", "%s%lld", label, (long long)f->max_count);
			long long max = f->max ? f->max : 1000;
			v->texts = calloc((size_t)(count ? count : 1), sizeof(*v->texts));
			if (!v->texts)
				return Z_NOMEM;
			for (int k = 0; k < params->n; k++) {
				const web_param *q = &params->items[k];
				if (strcmp(q->name, f->name))
					continue;
				if (q->filename)
					return FAIL("msg.field.invalid", "%s", label);
				if ((long long)utf8_count(q->value, q->len) > max)
					return FAIL("msg.field.length", "%s%lld%lld", label, f->min, max);
				v->texts[v->count++] = q->value;
			}
			v->present = v->count > 0;
			if (f->required && !v->present)
				return FAIL("msg.field.required", "%s", label);
			continue;
		}
		if (!count && (p = second_part(fields, i, params, f->name)))
			count = 1;
		if (count > 1 && !(f->second && count == 2))
			return FAIL("msg.field.duplicated", "%s", label);
		/* A file box left empty comes as a part with an empty name and no bytes: absent. A
		 * file chosen but empty has its name, and is present (the screen says it is empty). */
		v->present = p && (p->len > 0 || (p->filename && *p->filename));
		if (!v->present) {
			if (f->required)
				return f->type == WF_FILE ? FAIL("msg.field.choose_file", "%s", label)
				                          : FAIL("msg.field.required", "%s", label);
			continue;
		}
		v->text = p->value;
		v->len = p->len;
		switch (f->type) {
		case WF_TEXT: {
			if (p->filename)
				return FAIL("msg.field.invalid", "%s", label);
			long long chars = (long long)utf8_count(p->value, p->len);
			long long max = f->max ? f->max : 1000;
			if (chars < f->min || chars > max)
				return FAIL("msg.field.length", "%s%lld%lld", label,
				            f->min, max);
			break;
		}
		case WF_INT:
			if (strnum_ll(p->value, f->min, f->max, &v->num) != Z_OK)
				return FAIL("msg.field.integer", "%s%lld%lld", label,
				            f->min, f->max);
			break;
		case WF_BOOL:
			if (!strcmp(p->value, "1") || !strcmp(p->value, "on"))
				v->num = 1;
			else if (!strcmp(p->value, "0"))
				v->num = 0;
			else
				return FAIL("msg.field.invalid", "%s", label);
			break;
		case WF_ENUM: {
			bool found = false;
			for (int k = 0; f->choices && f->choices[k]; k++)
				if (!strcmp(f->choices[k], p->value)) {
					v->num = k;
					found = true;
				}
			if (!found)
				return FAIL("msg.field.invalid", "%s", label);
			break;
		}
		case WF_FILE:
			if (!p->filename)
				return FAIL("msg.field.choose_file", "%s", label);
			if (f->max && (long long)p->len > f->max)
				return FAIL("msg.field.file_too_large", "%s%lld", label,
				            f->max >> 20);
			v->filename = p->filename;
			break;
		case WF_INT_LIST:
		case WF_TEXT_LIST:
			break;
		}
	}
	return Z_OK;
}

void web_values_free(const web_field *fields, web_value *values)
{
	for (int i = 0; fields && fields[i].name && i < WEB_MAX_FIELDS; i++) {
		free(values[i].list);
		free(values[i].texts);
		values[i].list = NULL;
		values[i].texts = NULL;
	}
}

const web_value *web_value_of(const web_request *r, const web_field *table, int field)
{
	if (!r->route || r->route->fields != table || field < 0 || field >= WEB_MAX_FIELDS ||
	    !table[field].name) {
		log_error("web: field %d of a table that is not the route's (%s)", field,
		          r->path ? r->path : "");
		return NULL;
	}
	return &r->values[field];
}

long long web_int_of(const web_request *r, const web_field *table, int field, long long def)
{
	const web_value *v = web_value_of(r, table, field);
	return v && v->present ? v->num : def;
}

const char *web_text_of(const web_request *r, const web_field *table, int field)
{
	const web_value *v = web_value_of(r, table, field);
	return v && v->present && v->text ? v->text : "";
}

bool web_has_of(const web_request *r, const web_field *table, int field)
{
	const web_value *v = web_value_of(r, table, field);
	return v && v->present;
}
