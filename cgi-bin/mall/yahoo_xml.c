/* yahoo_xml: Yahoo!ショッピング XML replies read with expat into a small bounded tree. */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/jst.h"
#include "core/strnum.h"
#include "core/utf8.h"
#include "mall/yahoo_xml.h"

#define YAHOO_MAX_LINES 10000

typedef struct yx_node {
	char *name;
	buf text;
	struct yx_node *child, *last, *next, *parent;
} yx_node;

typedef struct {
	XML_Parser parser;
	yx_node *root, *cur;
	int depth;
	long nodes;
	bool failed;
	char why[96];
} yx_ctx;

static void yx_free(yx_node *n)
{
	while (n) {
		yx_node *next = n->next;
		yx_free(n->child);
		free(n->name);
		buf_free(&n->text);
		free(n);
		n = next;
	}
}

static void yx_fail(yx_ctx *c, const char *why)
{
	if (!c->failed) {
		c->failed = true;
		snprintf(c->why, sizeof(c->why), "%s", why);
		XML_StopParser(c->parser, XML_FALSE);
	}
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	yx_ctx *c = ud;
	if (c->failed)
		return;
	if (c->depth >= YAHOO_XML_MAX_DEPTH || ++c->nodes > YAHOO_XML_MAX_NODES) {
		yx_fail(c, "XML too deep or too large");
		return;
	}
	yx_node *n = calloc(1, sizeof(*n));
	if (!n || !(n->name = strdup(name))) {
		free(n);
		yx_fail(c, "out of memory");
		return;
	}
	n->parent = c->cur;
	if (c->cur) {
		if (c->cur->last)
			c->cur->last->next = n;
		else
			c->cur->child = n;
		c->cur->last = n;
	} else {
		c->root = n;
	}
	c->cur = n;
	c->depth++;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	yx_ctx *c = ud;
	if (c->failed || !c->cur)
		return;
	c->cur = c->cur->parent;
	c->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	yx_ctx *c = ud;
	if (c->failed || !c->cur || len <= 0)
		return;
	if (c->cur->text.len + (size_t)len > YAHOO_XML_MAX_TEXT) {
		yx_fail(c, "XML text too long");
		return;
	}
	if (buf_append(&c->cur->text, s, (size_t)len) != Z_OK)
		yx_fail(c, "out of memory");
}

/* A reply never needs a DTD; refusing one shuts out entity expansion tricks. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
	yx_fail(ud, "XML with a DTD");
}

static yx_node *yx_parse(const char *xml, size_t len, char *err, size_t errlen)
{
	yx_ctx c;
	memset(&c, 0, sizeof(c));
	if (!xml || len == 0 || len > (size_t)YAHOO_XML_MAX_BYTES || len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "empty or oversized XML (%zu bytes)", len);
		return NULL;
	}
	c.parser = XML_ParserCreate("UTF-8");
	if (!c.parser) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	XML_SetUserData(c.parser, &c);
	XML_SetElementHandler(c.parser, on_start, on_end);
	XML_SetCharacterDataHandler(c.parser, on_text);
	XML_SetStartDoctypeDeclHandler(c.parser, on_doctype);
	enum XML_Status rc = XML_Parse(c.parser, xml, (int)len, XML_TRUE);
	if (!c.failed && rc != XML_STATUS_OK)
		snprintf(c.why, sizeof(c.why), "XML error at line %lu: %s",
		         (unsigned long)XML_GetCurrentLineNumber(c.parser),
		         XML_ErrorString(XML_GetErrorCode(c.parser)));
	XML_ParserFree(c.parser);
	if (c.failed || rc != XML_STATUS_OK || !c.root) {
		snprintf(err, errlen, "%s", c.why[0] ? c.why : "no XML element");
		yx_free(c.root);
		return NULL;
	}
	return c.root;
}

static const yx_node *yx_child(const yx_node *n, const char *name)
{
	for (const yx_node *k = n ? n->child : NULL; k; k = k->next)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

/* The trimmed text of child `name` copied into out; false when absent or (unless trunc)
 * too long. */
static bool yx_copy_mode(const yx_node *n, const char *name, char *out, size_t outlen, bool trunc)
{
	const yx_node *k = yx_child(n, name);
	out[0] = '\0';
	if (!k)
		return false;
	const char *s = buf_str(&k->text);
	size_t len = strlen(s);
	while (len && strchr(" \t\r\n", *s)) {
		s++;
		len--;
	}
	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	if (len >= outlen) {
		if (!trunc)
			return false;
		len = utf8_prefix(s, len, outlen - 1);
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

static bool yx_copy(const yx_node *n, const char *name, char *out, size_t outlen)
{
	return yx_copy_mode(n, name, out, outlen, false);
}

/* Integer child: 1 found and valid, 0 absent or empty, -1 present but not a number. */
static int yx_int(const yx_node *n, const char *name, long long min, long long max, long long *v)
{
	char tmp[32];
	if (!yx_child(n, name))
		return 0;
	if (!yx_copy(n, name, tmp, sizeof(tmp)))
		return -1;
	if (!tmp[0])
		return 0;
	return strnum_ll(tmp, min, max, v) == Z_OK ? 1 : -1;
}

/* Time child: 1 found and valid, 0 absent or empty, -1 unreadable. */
static int yx_time(const yx_node *n, const char *name, time_t *t)
{
	char tmp[64];
	*t = 0;
	if (!yx_child(n, name))
		return 0;
	if (!yx_copy(n, name, tmp, sizeof(tmp)))
		return -1;
	if (!tmp[0])
		return 0;
	return jst_parse_time(tmp, t) == Z_OK ? 1 : -1;
}

int yahoo_parse_stock(const char *xml, size_t len, yahoo_stock_row **rows, int *nrows,
                      char *err, size_t errlen)
{
	int rc = Z_INVALID, n = 0, cap = 0;
	yahoo_stock_row *out = NULL;
	yx_node *root = yx_parse(xml, len, err, errlen);
	*rows = NULL;
	*nrows = 0;
	if (!root)
		goto out;
	if (strcmp(root->name, "ResultSet")) {
		snprintf(err, errlen, "root element is <%s>, not <ResultSet>", root->name);
		goto out;
	}
	for (const yx_node *r = root->child; r; r = r->next) {
		if (strcmp(r->name, "Result"))
			continue;
		if (array_reserve(&out, &cap, n + 1, sizeof(*out)) != Z_OK) {
			snprintf(err, errlen, "out of memory");
			rc = Z_NOMEM;
			goto out;
		}
		yahoo_stock_row *row = &out[n];
		memset(row, 0, sizeof(*row));
		long long v;
		if (!yx_copy(r, "ItemCode", row->item_code, sizeof(row->item_code)) ||
		    !row->item_code[0]) {
			snprintf(err, errlen, "Result %d without a usable ItemCode", n + 1);
			goto out;
		}
		if (yx_child(r, "SubCode") && !yx_copy(r, "SubCode", row->sub_code, sizeof(row->sub_code))) {
			snprintf(err, errlen, "Result %d: SubCode too long", n + 1);
			goto out;
		}
		int got = yx_int(r, "Status", -1000, 1000, &v);
		if (got < 0) {
			snprintf(err, errlen, "Result %d: Status is not a number", n + 1);
			goto out;
		}
		row->status = got ? (int)v : -1;
		got = yx_int(r, "Quantity", -999999999LL, 999999999LL, &v);
		if (got < 0) {
			snprintf(err, errlen, "Result %d: Quantity is not a number", n + 1);
			goto out;
		}
		row->has_quantity = got == 1;
		row->quantity = got ? v : 0;
		n++;
	}
	*rows = out;
	*nrows = n;
	out = NULL;
	rc = Z_OK;
out:
	free(out);
	yx_free(root);
	return rc;
}

int yahoo_parse_order_list(const char *xml, size_t len, long long *total, yahoo_order_ref **refs,
                           int *nrefs, char *err, size_t errlen)
{
	int rc = Z_INVALID, n = 0, cap = 0;
	yahoo_order_ref *out = NULL;
	char status[32];
	yx_node *root = yx_parse(xml, len, err, errlen);
	*refs = NULL;
	*nrefs = 0;
	*total = 0;
	if (!root)
		goto out;
	if (strcmp(root->name, "Result")) {
		snprintf(err, errlen, "root element is <%s>, not <Result>", root->name);
		goto out;
	}
	if (!yx_copy(root, "Status", status, sizeof(status)) || strcmp(status, "OK")) {
		snprintf(err, errlen, "Status is not OK");
		goto out;
	}
	const yx_node *search = yx_child(root, "Search");
	if (!search || yx_int(search, "TotalCount", 0, 100000000, total) != 1) {
		snprintf(err, errlen, "no usable Search/TotalCount");
		goto out;
	}
	for (const yx_node *o = search->child; o; o = o->next) {
		if (strcmp(o->name, "OrderInfo"))
			continue;
		if (array_reserve(&out, &cap, n + 1, sizeof(*out)) != Z_OK) {
			snprintf(err, errlen, "out of memory");
			rc = Z_NOMEM;
			goto out;
		}
		yahoo_order_ref *r = &out[n];
		memset(r, 0, sizeof(*r));
		if (!yx_copy(o, "OrderId", r->order_id, sizeof(r->order_id)) || !r->order_id[0]) {
			snprintf(err, errlen, "OrderInfo %d without a usable OrderId", n + 1);
			goto out;
		}
		if (yx_time(o, "OrderTime", &r->order_time) < 0 ||
		    yx_time(o, "LastUpdateTime", &r->last_update) < 0) {
			snprintf(err, errlen, "OrderInfo %d: unreadable time", n + 1);
			goto out;
		}
		n++;
	}
	*refs = out;
	*nrefs = n;
	out = NULL;
	rc = Z_OK;
out:
	free(out);
	yx_free(root);
	return rc;
}

void yahoo_order_clear(mall_order *order)
{
	free(order->lines);
	memset(order, 0, sizeof(*order));
}

int yahoo_parse_order_info(const char *xml, size_t len, mall_order *order, char *err,
                           size_t errlen)
{
	int rc = Z_INVALID, n = 0, cap = 0;
	char status[32], reason[32];
	long long v;
	yx_node *root = yx_parse(xml, len, err, errlen);
	memset(order, 0, sizeof(*order));
	if (!root)
		goto out;
	const yx_node *result = !strcmp(root->name, "ResultSet") ? yx_child(root, "Result") : NULL;
	if (!result) {
		snprintf(err, errlen, "no ResultSet/Result");
		goto out;
	}
	if (!yx_copy(result, "Status", status, sizeof(status)) || strcmp(status, "OK")) {
		snprintf(err, errlen, "Status is not OK");
		goto out;
	}
	const yx_node *info = yx_child(result, "OrderInfo");
	if (!info || !yx_copy(info, "OrderId", order->order_no, sizeof(order->order_no)) ||
	    !order->order_no[0]) {
		snprintf(err, errlen, "no usable OrderInfo/OrderId");
		goto out;
	}
	int got = yx_int(info, "OrderStatus", 0, 99, &v);
	if (got < 0) {
		snprintf(err, errlen, "OrderStatus is not a number");
		goto out;
	}
	if (got)
		snprintf(order->status, sizeof(order->status), "%lld", v);
	if (yx_child(info, "CancelReason") && !yx_copy(info, "CancelReason", reason, sizeof(reason))) {
		snprintf(err, errlen, "CancelReason too long");
		goto out;
	}
	order->cancelled = (got && v == 4) || (yx_child(info, "CancelReason") && reason[0]);
	if (yx_time(info, "OrderTime", &order->ordered_at) < 0 ||
	    yx_time(info, "LastUpdateTime", &order->updated_at) < 0) {
		snprintf(err, errlen, "unreadable OrderTime or LastUpdateTime");
		goto out;
	}
	for (const yx_node *it = info->child; it; it = it->next) {
		if (strcmp(it->name, "Item"))
			continue;
		if (n >= YAHOO_MAX_LINES) {
			snprintf(err, errlen, "too many Item lines");
			goto out;
		}
		if (array_reserve(&order->lines, &cap, n + 1, sizeof(*order->lines)) != Z_OK) {
			snprintf(err, errlen, "out of memory");
			rc = Z_NOMEM;
			goto out;
		}
		mall_order_line *l = &order->lines[n];
		memset(l, 0, sizeof(*l));
		if (!yx_copy(it, "ItemId", l->item_code, sizeof(l->item_code)) || !l->item_code[0]) {
			snprintf(err, errlen, "Item %d without a usable ItemId", n + 1);
			goto out;
		}
		if (yx_child(it, "SubCode") && !yx_copy(it, "SubCode", l->sub_code, sizeof(l->sub_code))) {
			snprintf(err, errlen, "Item %d: SubCode too long", n + 1);
			goto out;
		}
		if (yx_int(it, "Quantity", 0, 1000000, &v) != 1) {
			snprintf(err, errlen, "Item %d without a usable Quantity", n + 1);
			goto out;
		}
		l->quantity = (int)v;
		if (!yx_copy(it, "LineId", l->line_key, sizeof(l->line_key)) || !l->line_key[0])
			snprintf(l->line_key, sizeof(l->line_key), "%d", n + 1);
		/* The SKU a Yahoo listing links by is its sub-code, or the item code without one. */
		snprintf(l->sku_code, sizeof(l->sku_code), "%s", l->sub_code[0] ? l->sub_code : l->item_code);
		l->cancelled = order->cancelled;
		n++;
	}
	order->nlines = n;
	rc = Z_OK;
out:
	if (rc != Z_OK)
		yahoo_order_clear(order);
	yx_free(root);
	return rc;
}

static bool find_text(const yx_node *n, const char *name, char *out, size_t outlen)
{
	for (; n; n = n->next) {
		if (yx_copy_mode(n, name, out, outlen, true) && out[0])
			return true;
		if (find_text(n->child, name, out, outlen))
			return true;
	}
	return false;
}

bool yahoo_parse_error(const char *xml, size_t len, char *code, size_t codelen, char *msg,
                       size_t msglen)
{
	char err[128];
	code[0] = msg[0] = '\0';
	yx_node *root = yx_parse(xml, len, err, sizeof(err));
	if (!root)
		return false;
	/* Check the root itself too: <Error><Code> sits directly under it. */
	yx_node top = {.name = (char *)"", .child = root};
	bool found = find_text(&top, "Code", code, codelen);
	found = find_text(&top, "Message", msg, msglen) || found;
	yx_free(root);
	return found;
}
