/* shopify_json: parsers of Shopify's GraphQL replies; untrusted input, bounded copies. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/jst.h"
#include "mall/json_field.h"
#include "mall/shopify_json.h"

#define SHOPIFY_MAX_NODES 1000

static bool get_number(const cJSON *obj, const char *key, double *out)
{
	const cJSON *v = json_member(obj, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
	    v->valuedouble > 1e9)
		return false;
	*out = v->valuedouble;
	return true;
}

int shopify_parse_time(const char *s, time_t *out)
{
	return mall_parse_utc_time(s, 0, out);
}

int shopify_parse_reply(const char *body, size_t len, shopify_reply *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(r->root)) {
		json_set_err(err, errlen, "reply is not a JSON object");
		shopify_reply_free(r);
		return Z_INVALID;
	}
	const cJSON *data = json_member(r->root, "data");
	r->data = cJSON_IsObject(data) ? data : NULL;
	const cJSON *errors = json_member(r->root, "errors");
	if (cJSON_IsString(errors)) {
		snprintf(r->error, sizeof(r->error), "%s", errors->valuestring);
	} else if (cJSON_IsArray(errors) && cJSON_GetArraySize(errors) > 0) {
		const cJSON *e0 = cJSON_GetArrayItem(errors, 0);
		const cJSON *m = json_member(e0, "message");
		const cJSON *code = json_member(json_member(e0, "extensions"), "code");
		snprintf(r->error, sizeof(r->error), "%s", cJSON_IsString(m) ? m->valuestring : "error");
		if (cJSON_IsString(code))
			snprintf(r->error_code, sizeof(r->error_code), "%s", code->valuestring);
		const cJSON *e;
		cJSON_ArrayForEach(e, errors)
		{
			const cJSON *c = json_member(json_member(e, "extensions"), "code");
			if (cJSON_IsString(c) && !strcmp(c->valuestring, "THROTTLED"))
				r->throttled = true;
		}
	} else if (errors && !cJSON_IsNull(errors)) {
		snprintf(r->error, sizeof(r->error), "unreadable errors member");
	}
	const cJSON *cost = json_member(json_member(r->root, "extensions"), "cost");
	const cJSON *ts = json_member(cost, "throttleStatus");
	r->cost_known = get_number(ts, "currentlyAvailable", &r->available) &&
	                get_number(ts, "maximumAvailable", &r->maximum) &&
	                get_number(ts, "restoreRate", &r->restore_rate) && r->restore_rate > 0;
	if (!get_number(cost, "requestedQueryCost", &r->requested_cost))
		r->requested_cost = 0;
	if (!r->data && !r->error[0]) {
		json_set_err(err, errlen, "reply without data or errors");
		shopify_reply_free(r);
		return Z_INVALID;
	}
	return Z_OK;
}

void shopify_reply_free(shopify_reply *r)
{
	cJSON_Delete(r->root);
	r->root = NULL;
	r->data = NULL;
}

/* The nodes array of conn (a connection object), bounded. */
static const cJSON *nodes_of(const cJSON *conn)
{
	const cJSON *nodes = json_member(conn, "nodes");
	if (!cJSON_IsArray(nodes) || cJSON_GetArraySize(nodes) > SHOPIFY_MAX_NODES)
		return NULL;
	return nodes;
}

int shopify_parse_variants(const cJSON *data, shopify_variant **out, int *n, char *err,
                           size_t errlen)
{
	*out = NULL;
	*n = 0;
	const cJSON *nodes = nodes_of(json_member(data, "productVariants"));
	if (!nodes) {
		json_set_err(err, errlen, "productVariants.nodes missing");
		return Z_INVALID;
	}
	int count = cJSON_GetArraySize(nodes);
	shopify_variant *v = calloc(count ? (size_t)count : 1, sizeof(*v));
	if (!v)
		return Z_NOMEM;
	const cJSON *node;
	cJSON_ArrayForEach(node, nodes)
	{
		shopify_variant *x = &v[*n];
		const cJSON *item = json_member(node, "inventoryItem");
		if (json_copy_str(node, "sku", false, x->sku, sizeof(x->sku)) ||
		    json_copy_str(item, "id", true, x->item_id, sizeof(x->item_id))) {
			json_set_err(err, errlen, "variant without sku or inventoryItem.id");
			goto bad;
		}
		const cJSON *levels = nodes_of(json_member(item, "inventoryLevels"));
		if (!levels) {
			json_set_err(err, errlen, "inventoryLevels.nodes missing");
			goto bad;
		}
		const cJSON *lv;
		cJSON_ArrayForEach(lv, levels)
		{
			if (x->nlevels == SHOPIFY_MAX_LEVELS)
				break;
			shopify_level *l = &x->levels[x->nlevels];
			if (json_copy_str(json_member(lv, "location"), "id", true, l->location_id,
			             sizeof(l->location_id))) {
				json_set_err(err, errlen, "inventory level without location.id");
				goto bad;
			}
			const cJSON *qs = json_member(lv, "quantities");
			const cJSON *qlist = cJSON_IsArray(qs) ? qs : NULL;
			const cJSON *q;
			cJSON_ArrayForEach(q, qlist)
			{
				const cJSON *name = json_member(q, "name");
				if (cJSON_IsString(name) && !strcmp(name->valuestring, "available")) {
					if (json_get_int(q, "quantity", -1000000000, 1000000000, &l->available)) {
						json_set_err(err, errlen, "available quantity is not an integer");
						goto bad;
					}
					l->has_available = true;
				}
			}
			x->nlevels++;
		}
		(*n)++;
	}
	*out = v;
	return Z_OK;
bad:
	free(v);
	*n = 0;
	return Z_INVALID;
}

int shopify_parse_set_result(const cJSON *data, shopify_user_error **out, int *n, char *err,
                             size_t errlen)
{
	*out = NULL;
	*n = 0;
	const cJSON *ue = json_member(json_member(data, "inventorySetQuantities"), "userErrors");
	if (!cJSON_IsArray(ue) || cJSON_GetArraySize(ue) > SHOPIFY_MAX_NODES) {
		json_set_err(err, errlen, "inventorySetQuantities.userErrors missing");
		return Z_INVALID;
	}
	int count = cJSON_GetArraySize(ue);
	shopify_user_error *e = calloc(count ? (size_t)count : 1, sizeof(*e));
	if (!e)
		return Z_NOMEM;
	const cJSON *x;
	cJSON_ArrayForEach(x, ue)
	{
		shopify_user_error *u = &e[*n];
		const cJSON *m = json_member(x, "message");
		const cJSON *c = json_member(x, "code");
		snprintf(u->message, sizeof(u->message), "%s", cJSON_IsString(m) ? m->valuestring : "");
		snprintf(u->code, sizeof(u->code), "%s", cJSON_IsString(c) ? c->valuestring : "");
		u->index = -1;
		/* field: ["input","quantities","<row>",…] names the row at fault. */
		const cJSON *f = json_member(x, "field");
		const cJSON *f1 = cJSON_IsArray(f) ? cJSON_GetArrayItem(f, 1) : NULL;
		const cJSON *f2 = cJSON_IsArray(f) ? cJSON_GetArrayItem(f, 2) : NULL;
		if (cJSON_IsString(f1) && !strcmp(f1->valuestring, "quantities") && cJSON_IsString(f2)) {
			char *end;
			long idx = strtol(f2->valuestring, &end, 10);
			if (end != f2->valuestring && !*end && idx >= 0 && idx < 100000)
				u->index = (int)idx;
		}
		(*n)++;
	}
	*out = e;
	return Z_OK;
}

/* Appends the lines of a lineItems connection to o, with o's cancellation. */
static int add_lines(const cJSON *conn, shopify_order *o, char *err, size_t errlen)
{
	const cJSON *nodes = nodes_of(conn);
	const cJSON *pi = json_member(conn, "pageInfo");
	const cJSON *more = json_member(pi, "hasNextPage");
	if (!nodes || !cJSON_IsBool(more)) {
		json_set_err(err, errlen, "lineItems without nodes or pageInfo");
		return Z_INVALID;
	}
	int add = cJSON_GetArraySize(nodes);
	if (o->order.nlines + add > 100000) {
		json_set_err(err, errlen, "too many line items");
		return Z_INVALID;
	}
	mall_order_line *grown = realloc(o->order.lines,
	                                 (size_t)(o->order.nlines + add + 1) * sizeof(*grown));
	if (!grown)
		return Z_NOMEM;
	o->order.lines = grown;
	const cJSON *ln;
	cJSON_ArrayForEach(ln, nodes)
	{
		mall_order_line *l = &o->order.lines[o->order.nlines];
		memset(l, 0, sizeof(*l));
		char line_sku[128];
		int qty = 0, current = 0;
		const cJSON *variant = json_member(ln, "variant");
		if (json_copy_str(ln, "id", true, l->line_key, sizeof(l->line_key)) ||
		    json_copy_str(ln, "sku", false, line_sku, sizeof(line_sku)) ||
		    (variant && !cJSON_IsNull(variant) &&
		     json_copy_str(variant, "sku", false, l->sku_code, sizeof(l->sku_code))) ||
		    json_get_int(ln, "quantity", 0, 1000000, &qty)) {
			json_set_err(err, errlen, "line item without id or quantity");
			return Z_INVALID;
		}
		if (json_member(ln, "currentQuantity")) {
			if (json_get_int(ln, "currentQuantity", 0, 1000000, &current)) {
				json_set_err(err, errlen, "line item with a bad currentQuantity");
				return Z_INVALID;
			}
		} else {
			current = qty;
		}
		/* The variant's sku is today's; the line's is what was sold: fall back to it. */
		if (!l->sku_code[0])
			snprintf(l->sku_code, sizeof(l->sku_code), "%s", line_sku);
		snprintf(l->item_code, sizeof(l->item_code), "%s", l->sku_code);
		l->cancelled = o->order.cancelled;
		/* Net demand of a live order; what was ordered when the whole order is cancelled. */
		l->quantity = o->order.cancelled ? qty : current;
		o->order.nlines++;
	}
	o->lines_more = cJSON_IsTrue(more);
	if (o->lines_more &&
	    json_copy_str(pi, "endCursor", true, o->lines_cursor, sizeof(o->lines_cursor))) {
		json_set_err(err, errlen, "lineItems hasNextPage without endCursor");
		return Z_INVALID;
	}
	return Z_OK;
}

int shopify_parse_orders(const cJSON *data, shopify_orders_page *page, char *err, size_t errlen)
{
	int rc = Z_INVALID;
	memset(page, 0, sizeof(*page));
	const cJSON *conn = json_member(data, "orders");
	const cJSON *nodes = nodes_of(conn);
	const cJSON *pi = json_member(conn, "pageInfo");
	const cJSON *more = json_member(pi, "hasNextPage");
	if (!nodes || !cJSON_IsBool(more)) {
		json_set_err(err, errlen, "orders without nodes or pageInfo");
		return Z_INVALID;
	}
	page->has_next = cJSON_IsTrue(more);
	if (page->has_next && json_copy_str(pi, "endCursor", true, page->end_cursor, sizeof(page->end_cursor))) {
		json_set_err(err, errlen, "orders hasNextPage without endCursor");
		return Z_INVALID;
	}
	int count = cJSON_GetArraySize(nodes);
	page->orders = calloc(count ? (size_t)count : 1, sizeof(*page->orders));
	if (!page->orders)
		return Z_NOMEM;
	const cJSON *node;
	cJSON_ArrayForEach(node, nodes)
	{
		shopify_order *o = &page->orders[page->n++];
		char when[64];
		const cJSON *cancelled = json_member(node, "cancelledAt");
		if (json_copy_str(node, "id", true, o->id, sizeof(o->id)) ||
		    json_copy_str(node, "name", true, o->order.order_no, sizeof(o->order.order_no)) ||
		    json_copy_str(node, "createdAt", true, when, sizeof(when)) ||
		    shopify_parse_time(when, &o->order.ordered_at) ||
		    json_copy_str(node, "updatedAt", true, when, sizeof(when)) ||
		    shopify_parse_time(when, &o->order.updated_at) ||
		    (cancelled && !cJSON_IsNull(cancelled) && !cJSON_IsString(cancelled))) {
			json_set_err(err, errlen, "order without id, name, createdAt or updatedAt");
			goto out;
		}
		o->order.cancelled = cJSON_IsString(cancelled);
		if (json_copy_str(node, "displayFulfillmentStatus", false, o->order.status,
		             sizeof(o->order.status)))
			o->order.status[0] = '\0';
		if (o->order.cancelled)
			snprintf(o->order.status, sizeof(o->order.status), "CANCELLED");
		rc = add_lines(json_member(node, "lineItems"), o, err, errlen);
		if (rc)
			goto out;
		rc = Z_INVALID;
	}
	rc = Z_OK;
out:
	if (rc)
		shopify_orders_page_free(page);
	return rc;
}

void shopify_orders_page_free(shopify_orders_page *page)
{
	for (int i = 0; i < page->n; i++)
		free(page->orders[i].order.lines);
	free(page->orders);
	memset(page, 0, sizeof(*page));
}

int shopify_parse_order_lines(const cJSON *data, shopify_order *o, char *err, size_t errlen)
{
	const cJSON *order = json_member(data, "order");
	if (!cJSON_IsObject(order)) {
		json_set_err(err, errlen, "order missing");
		return Z_INVALID;
	}
	return add_lines(json_member(order, "lineItems"), o, err, errlen);
}

/* ---- calculated query cost ------------------------------------------------------------------ */

typedef struct {
	const char *p;
	const cJSON *vars;
	int depth;
	bool bad;
} gql_lexer;

static void gql_space(gql_lexer *l)
{
	for (;;) {
		while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r' || *l->p == ',')
			l->p++;
		if (*l->p != '#')
			return;
		while (*l->p && *l->p != '\n')
			l->p++;
	}
}

static bool gql_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Copies a name into out (truncated); false when there is none. */
static bool gql_name(gql_lexer *l, char *out, size_t len)
{
	gql_space(l);
	size_t n = 0;
	if (!gql_name_char(*l->p))
		return false;
	while (gql_name_char(*l->p)) {
		if (n + 1 < len)
			out[n++] = *l->p;
		l->p++;
	}
	out[n] = '\0';
	return true;
}

/* Skips one value (string, number, name, $var, list, object); its integer value, when it
 * has one, goes to *num (else -1). */
static void gql_value(gql_lexer *l, long long *num)
{
	*num = -1;
	gql_space(l);
	char c = *l->p;
	if (c == '"') {
		for (l->p++; *l->p && *l->p != '"'; l->p++)
			if (*l->p == '\\' && l->p[1])
				l->p++;
		if (*l->p != '"')
			l->bad = true;
		else
			l->p++;
	} else if (c == '[' || c == '{') {
		char close = c == '[' ? ']' : '}';
		if (++l->depth > 50) {
			l->bad = true;
			return;
		}
		l->p++;
		for (;;) {
			gql_space(l);
			if (*l->p == close) {
				l->p++;
				break;
			}
			if (!*l->p || l->bad) {
				l->bad = true;
				break;
			}
			long long ignored;
			if (c == '{') {
				char name[64];
				gql_space(l);
				if (!gql_name(l, name, sizeof(name)) || (gql_space(l), *l->p != ':')) {
					l->bad = true;
					break;
				}
				l->p++;
			}
			gql_value(l, &ignored);
		}
		l->depth--;
	} else if (c == '$') {
		char name[64];
		l->p++;
		if (!gql_name(l, name, sizeof(name))) {
			l->bad = true;
			return;
		}
		const cJSON *v = l->vars ? cJSON_GetObjectItemCaseSensitive(l->vars, name) : NULL;
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e6)
			*num = (long long)v->valuedouble;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		char *end;
		long long v = strtoll(l->p, &end, 10);
		if (end == l->p)
			l->bad = true;
		l->p = end;
		while (gql_name_char(*l->p) || *l->p == '.' || *l->p == '+' || *l->p == '-')
			l->p++; /* a float's rest */
		*num = v >= 0 && v <= 1000000 ? v : -1;
	} else {
		char name[64];
		if (!gql_name(l, name, sizeof(name)))
			l->bad = true;
	}
}

static long long gql_selection(gql_lexer *l, bool in_connection);

/* One field: alias, arguments, directives, selection; its cost. */
static long long gql_field(gql_lexer *l, bool in_connection)
{
	char name[64];
	if (!gql_name(l, name, sizeof(name))) {
		l->bad = true;
		return 0;
	}
	gql_space(l);
	if (*l->p == ':') { /* alias: the field's own name follows */
		l->p++;
		if (!gql_name(l, name, sizeof(name))) {
			l->bad = true;
			return 0;
		}
		gql_space(l);
	}
	long long count = -1;
	if (*l->p == '(') {
		l->p++;
		for (;;) {
			char arg[64];
			gql_space(l);
			if (*l->p == ')') {
				l->p++;
				break;
			}
			if (!gql_name(l, arg, sizeof(arg)) || (gql_space(l), *l->p != ':') || l->bad) {
				l->bad = true;
				return 0;
			}
			l->p++;
			long long v;
			gql_value(l, &v);
			if (l->bad)
				return 0;
			if (!strcmp(arg, "first") || !strcmp(arg, "last"))
				count = v < 0 ? 0 : v;
		}
	}
	for (gql_space(l); *l->p == '@'; gql_space(l)) { /* directives cost nothing */
		char dir[64];
		l->p++;
		if (!gql_name(l, dir, sizeof(dir))) {
			l->bad = true;
			return 0;
		}
		gql_space(l);
		if (*l->p == '(') {
			for (l->p++;;) {
				char arg[64];
				long long v;
				gql_space(l);
				if (*l->p == ')') {
					l->p++;
					break;
				}
				if (!gql_name(l, arg, sizeof(arg)) || (gql_space(l), *l->p != ':')) {
					l->bad = true;
					return 0;
				}
				l->p++;
				gql_value(l, &v);
				if (l->bad)
					return 0;
			}
		}
	}
	gql_space(l);
	if (*l->p != '{')
		return 0; /* a scalar or enum */
	if (in_connection) {
		/* Inside a connection: its nodes (or edges { node }) are what first counts, and
		 * pageInfo is part of the connection's own 2. */
		if (!strcmp(name, "nodes") || !strcmp(name, "node"))
			return 1 + gql_selection(l, false);
		if (!strcmp(name, "edges"))
			return gql_selection(l, true);
		gql_selection(l, false);
		return 0;
	}
	if (count >= 0)
		return 2 + count * gql_selection(l, true);
	return 1 + gql_selection(l, false);
}

static long long gql_selection(gql_lexer *l, bool in_connection)
{
	long long sum = 0;
	gql_space(l);
	if (*l->p != '{' || ++l->depth > 50) {
		l->bad = true;
		return 0;
	}
	l->p++;
	for (;;) {
		gql_space(l);
		if (*l->p == '}') {
			l->p++;
			break;
		}
		if (!*l->p || l->bad) {
			l->bad = true;
			break;
		}
		if (l->p[0] == '.' && l->p[1] == '.' && l->p[2] == '.') {
			/* an inline fragment: "... on Type { … }" counts as its fields */
			char on[64], type[64];
			l->p += 3;
			if (gql_name(l, on, sizeof(on)) && !strcmp(on, "on"))
				gql_name(l, type, sizeof(type));
			long long part = gql_selection(l, in_connection);
			sum += part;
			continue;
		}
		long long c = gql_field(l, in_connection);
		if (sum > (1LL << 40) || c > (1LL << 40)) {
			l->bad = true;
			break;
		}
		sum += c;
	}
	l->depth--;
	return sum;
}

long long shopify_query_cost(const char *query, const cJSON *variables)
{
	gql_lexer l = {query ? query : "", variables, 0, false};
	char word[64];
	bool mutation = false;
	gql_space(&l);
	if (*l.p != '{') {
		if (!gql_name(&l, word, sizeof(word)))
			return -1;
		if (!strcmp(word, "mutation"))
			mutation = true;
		else if (strcmp(word, "query"))
			return -1;
		char opname[64];
		gql_name(&l, opname, sizeof(opname));
		gql_space(&l);
		if (*l.p == '(') { /* variable definitions */
			int depth = 0;
			for (; *l.p; l.p++) {
				if (*l.p == '(')
					depth++;
				else if (*l.p == ')' && --depth == 0) {
					l.p++;
					break;
				}
			}
		}
	}
	long long cost = gql_selection(&l, false);
	gql_space(&l);
	if (l.bad || *l.p)
		return -1;
	return mutation ? 10 : cost;
}
