/* rakuten_json: 楽天 RMS JSON replies read with cJSON; every field is type-checked and bounded. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/utf8.h"
#include "core/buf.h"
#include "core/jst.h"
#include "mall/json_field.h"
#include "mall/rakuten_json.h"

#define RAKUTEN_MAX_ROWS 100000
#define RAKUTEN_MAX_ORDERS 1000
#define RAKUTEN_MAX_LINES 10000

static cJSON *parse(const char *json, size_t len, char *err, size_t errlen)
{
	if (!json || !len || len > (size_t)RAKUTEN_JSON_MAX_BYTES) {
		snprintf(err, errlen, "empty or oversized JSON (%zu bytes)", len);
		return NULL;
	}
	cJSON *j = cJSON_ParseWithLength(json, len);
	if (!j)
		snprintf(err, errlen, "not JSON");
	else if (!cJSON_IsObject(j)) {
		snprintf(err, errlen, "JSON is not an object");
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

static bool absent(const cJSON *v)
{
	return !v || cJSON_IsNull(v);
}

/* Integral number field: 1 read, 0 absent/null, -1 wrong type or out of [min, max]. */
static int int_field(const cJSON *o, const char *key, long long min, long long max, long long *out)
{
	const cJSON *v = json_member(o, key);
	if (absent(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < (double)min || v->valuedouble > (double)max)
		return -1;
	*out = (long long)v->valuedouble;
	return 1;
}

/* Time field: 1 read, 0 absent/null/empty, -1 unreadable. */
static int time_field(const cJSON *o, const char *key, time_t *out)
{
	char tmp[64];
	if (json_copy_str(o, key, false, tmp, sizeof(tmp)) != Z_OK)
		return -1;
	if (!tmp[0])
		return 0;
	return jst_parse_time(tmp, out) == Z_OK ? 1 : -1;
}

/* s into out, cut (on a character boundary) when it does not fit. */
static void copy_trunc(char *out, size_t outlen, const char *s)
{
	size_t len = utf8_prefix(s, strlen(s), outlen - 1);
	memcpy(out, s, len);
	out[len] = '\0';
}

int rakuten_parse_inventories(const char *json, size_t len, rakuten_inventory **rows, int *nrows,
                              char *err, size_t errlen)
{
	int rc = Z_INVALID, n = 0;
	rakuten_inventory *out = NULL;
	cJSON *j = parse(json, len, err, errlen);
	*rows = NULL;
	*nrows = 0;
	if (!j)
		goto out;
	const cJSON *list = json_member(j, "inventories"), *it;
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > RAKUTEN_MAX_ROWS) {
		snprintf(err, errlen, "no inventories list");
		goto out;
	}
	int size = cJSON_GetArraySize(list);
	if (size && !(out = calloc((size_t)size, sizeof(*out)))) {
		snprintf(err, errlen, "out of memory");
		rc = Z_NOMEM;
		goto out;
	}
	cJSON_ArrayForEach(it, list) {
		rakuten_inventory *r = &out[n];
		if (json_copy_str(it, "manageNumber", true, r->manage_number, sizeof(r->manage_number)) ||
		    json_copy_str(it, "variantId", true, r->variant_id, sizeof(r->variant_id)) ||
		    int_field(it, "quantity", -999999999LL, 999999999LL, &r->quantity) != 1) {
			snprintf(err, errlen, "inventories[%d] lacks a usable manageNumber, variantId or quantity", n);
			goto out;
		}
		n++;
	}
	*rows = out;
	*nrows = n;
	out = NULL;
	rc = Z_OK;
out:
	free(out);
	cJSON_Delete(j);
	return rc;
}

int rakuten_parse_errors(const char *json, size_t len, rakuten_error **errs, int *nerrs)
{
	char err[64];
	int rc = Z_INVALID, n = 0;
	rakuten_error *out = NULL;
	cJSON *j = parse(json, len, err, sizeof(err));
	*errs = NULL;
	*nerrs = 0;
	if (!j)
		goto out;
	const cJSON *list = json_member(j, "errors"), *e;
	int size = cJSON_GetArraySize(list);
	if (!cJSON_IsArray(list) || size < 1 || size > RAKUTEN_MAX_ROWS)
		goto out;
	if (!(out = calloc((size_t)size, sizeof(*out)))) {
		rc = Z_NOMEM;
		goto out;
	}
	cJSON_ArrayForEach(e, list) {
		rakuten_error *r = &out[n++];
		const cJSON *code = json_member(e, "code"), *msg = json_member(e, "message");
		const cJSON *path = json_member(json_member(e, "metadata"), "propertyPath");
		r->item = -1;
		copy_trunc(r->code, sizeof(r->code), cJSON_IsString(code) ? code->valuestring : "");
		copy_trunc(r->message, sizeof(r->message), cJSON_IsString(msg) ? msg->valuestring : "");
		if (cJSON_IsString(path) && !strncmp(path->valuestring, "inventories[", 12)) {
			char *end;
			long idx = strtol(path->valuestring + 12, &end, 10);
			if (end != path->valuestring + 12 && *end == ']' && idx >= 0 && idx < 1000000)
				r->item = (int)idx;
		}
	}
	*errs = out;
	*nerrs = n;
	out = NULL;
	rc = Z_OK;
out:
	free(out);
	cJSON_Delete(j);
	return rc;
}

bool rakuten_first_error(const char *json, size_t len, char *code, size_t codelen, char *msg,
                         size_t msglen)
{
	char err[64];
	bool found = false;
	cJSON *j = parse(json, len, err, sizeof(err));
	code[0] = msg[0] = '\0';
	if (!j)
		return false;
	const cJSON *c = NULL, *m = NULL, *e;
	const cJSON *errors = json_member(j, "errors"), *results = json_member(j, "Results");
	if (cJSON_IsArray(errors) && cJSON_GetArraySize(errors) > 0) {
		e = cJSON_GetArrayItem(errors, 0);
		c = json_member(e, "code");
		m = json_member(e, "message");
	} else if (cJSON_IsObject(results)) {
		c = json_member(results, "errorCode");
		m = json_member(results, "message");
	} else {
		cJSON_ArrayForEach(e, json_member(j, "MessageModelList")) {
			const cJSON *type = json_member(e, "messageType");
			if (cJSON_IsString(type) && !strcmp(type->valuestring, "ERROR")) {
				c = json_member(e, "messageCode");
				m = json_member(e, "message");
				break;
			}
		}
	}
	if (cJSON_IsString(c)) {
		copy_trunc(code, codelen, c->valuestring);
		found = true;
	}
	if (cJSON_IsString(m)) {
		copy_trunc(msg, msglen, m->valuestring);
		found = true;
	}
	cJSON_Delete(j);
	return found;
}

int rakuten_parse_search(const char *json, size_t len, char (**numbers)[64], int *nnumbers,
                         long long *total_records, long long *total_pages, char *err, size_t errlen)
{
	int rc = Z_INVALID, n = 0;
	char (*out)[64] = NULL;
	cJSON *j = parse(json, len, err, errlen);
	*numbers = NULL;
	*nnumbers = 0;
	*total_records = *total_pages = 0;
	if (!j)
		goto out;
	const cJSON *list = json_member(j, "orderNumberList"), *it;
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > RAKUTEN_MAX_ROWS) {
		snprintf(err, errlen, "no orderNumberList");
		goto out;
	}
	const cJSON *pg = json_member(j, "PaginationResponseModel");
	if (!absent(pg)) {
		if (!cJSON_IsObject(pg) ||
		    int_field(pg, "totalRecordsAmount", 0, 100000000, total_records) < 0 ||
		    int_field(pg, "totalPages", 0, 100000000, total_pages) < 0) {
			snprintf(err, errlen, "unusable PaginationResponseModel");
			goto out;
		}
	}
	int size = cJSON_GetArraySize(list);
	if (size && !(out = calloc((size_t)size, sizeof(*out)))) {
		snprintf(err, errlen, "out of memory");
		rc = Z_NOMEM;
		goto out;
	}
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) >= 64) {
			snprintf(err, errlen, "orderNumberList[%d] is not an order number", n);
			goto out;
		}
		strcpy(out[n++], it->valuestring);
	}
	if (n && *total_pages == 0) {
		snprintf(err, errlen, "orders without pagination");
		goto out;
	}
	*numbers = out;
	*nnumbers = n;
	out = NULL;
	rc = Z_OK;
out:
	free(out);
	cJSON_Delete(j);
	return rc;
}

void rakuten_orders_free(mall_order *orders, int norders)
{
	for (int i = 0; orders && i < norders; i++)
		free(orders[i].lines);
	free(orders);
}

static void later(time_t *t, time_t u)
{
	if (u > *t)
		*t = u;
}

/* Fills one order from an OrderModel; lines are malloc'ed into o->lines. */
static int parse_order(const cJSON *m, bool cancel_on_pending, mall_order *o, char *err,
                       size_t errlen)
{
	long long progress = 0, v;
	time_t t;
	const cJSON *pkg, *item;
	int cap = 0;
	if (json_copy_str(m, "orderNumber", true, o->order_no, sizeof(o->order_no)) || !o->order_no[0]) {
		snprintf(err, errlen, "order without a usable orderNumber");
		return Z_INVALID;
	}
	if (int_field(m, "orderProgress", 0, 9999, &progress) != 1) {
		snprintf(err, errlen, "%s: no usable orderProgress", o->order_no);
		return Z_INVALID;
	}
	snprintf(o->status, sizeof(o->status), "%lld", progress);
	o->cancelled = progress == 900 || (cancel_on_pending && progress == 800);
	if (time_field(m, "orderDatetime", &o->ordered_at) != 1) {
		snprintf(err, errlen, "%s: no usable orderDatetime", o->order_no);
		return Z_INVALID;
	}
	/* No "last updated" field exists: take the latest change time the order shows. */
	o->updated_at = o->ordered_at;
	static const char *const stamps[] = {"shopOrderCfmDatetime", "orderFixDatetime",
	                                     "shippingInstDatetime", "shippingCmplRptDatetime"};
	for (size_t i = 0; i < Z_ARRAY_LEN(stamps); i++) {
		int got = time_field(m, stamps[i], &t);
		if (got < 0) {
			snprintf(err, errlen, "%s: unreadable %s", o->order_no, stamps[i]);
			return Z_INVALID;
		}
		if (got)
			later(&o->updated_at, t);
	}
	const cJSON *changes = json_member(m, "ChangeReasonModelList"), *ch;
	if (!absent(changes) && !cJSON_IsArray(changes)) {
		snprintf(err, errlen, "%s: ChangeReasonModelList is not a list", o->order_no);
		return Z_INVALID;
	}
	cJSON_ArrayForEach(ch, changes) {
		if (time_field(ch, "changeApplyDatetime", &t) == 1)
			later(&o->updated_at, t);
		if (time_field(ch, "changeCompleteDatetime", &t) == 1)
			later(&o->updated_at, t);
	}
	const cJSON *pkgs = json_member(m, "PackageModelList");
	if (!cJSON_IsArray(pkgs)) {
		snprintf(err, errlen, "%s: no PackageModelList", o->order_no);
		return Z_INVALID;
	}
	int npkg = 0;
	cJSON_ArrayForEach(pkg, pkgs) {
		const cJSON *items = json_member(pkg, "ItemModelList");
		npkg++;
		if (!cJSON_IsArray(items)) {
			snprintf(err, errlen, "%s: package %d has no ItemModelList", o->order_no, npkg);
			return Z_INVALID;
		}
		int nitem = 0;
		cJSON_ArrayForEach(item, items) {
			nitem++;
			if (o->nlines >= RAKUTEN_MAX_LINES) {
				snprintf(err, errlen, "%s: too many lines", o->order_no);
				return Z_INVALID;
			}
			if (array_reserve(&o->lines, &cap, o->nlines + 1, sizeof(*o->lines)) != Z_OK) {
				snprintf(err, errlen, "out of memory");
				return Z_NOMEM;
			}
			mall_order_line *l = &o->lines[o->nlines];
			char item_number[128];
			memset(l, 0, sizeof(*l));
			if (int_field(item, "itemDetailId", 0, 9007199254740991LL, &v) == 1)
				snprintf(l->line_key, sizeof(l->line_key), "%lld", v);
			else if (json_copy_str(item, "itemDetailId", false, l->line_key, sizeof(l->line_key)) ||
			         !l->line_key[0])
				snprintf(l->line_key, sizeof(l->line_key), "%d-%d", npkg, nitem);
			if (json_copy_str(item, "manageNumber", false, l->item_code, sizeof(l->item_code)) ||
			    json_copy_str(item, "itemNumber", false, item_number, sizeof(item_number))) {
				snprintf(err, errlen, "%s: line %d: bad manageNumber or itemNumber", o->order_no,
				         o->nlines + 1);
				return Z_INVALID;
			}
			if (!l->item_code[0])
				snprintf(l->item_code, sizeof(l->item_code), "%s", item_number);
			if (!l->item_code[0]) {
				snprintf(err, errlen, "%s: line %d without manageNumber", o->order_no, o->nlines + 1);
				return Z_INVALID;
			}
			if (int_field(item, "units", 0, 1000000, &v) != 1) {
				snprintf(err, errlen, "%s: line %d without usable units", o->order_no, o->nlines + 1);
				return Z_INVALID;
			}
			l->quantity = (int)v;
			long long deleted = 0;
			if (int_field(item, "deleteItemFlag", 0, 1, &deleted) < 0) {
				snprintf(err, errlen, "%s: line %d: bad deleteItemFlag", o->order_no, o->nlines + 1);
				return Z_INVALID;
			}
			/* A removed line returns its units unless the shop removed it with
			 * restoreInventoryFlag 2 (在庫を戻さない: RMS keeps the units off its stock, and
			 * so does zaiko); 0 (the item's own setting) and 1 return them (PROTOCOLS §2.4). */
			long long restore = 0;
			if (int_field(item, "restoreInventoryFlag", 0, 2, &restore) < 0) {
				snprintf(err, errlen, "%s: line %d: bad restoreInventoryFlag", o->order_no,
				         o->nlines + 1);
				return Z_INVALID;
			}
			l->cancelled = o->cancelled || (deleted == 1 && restore != 2);
			const cJSON *skus = json_member(item, "SkuModelList");
			if (!absent(skus) && !cJSON_IsArray(skus)) {
				snprintf(err, errlen, "%s: line %d: SkuModelList is not a list", o->order_no,
				         o->nlines + 1);
				return Z_INVALID;
			}
			const cJSON *sku = cJSON_GetArrayItem(skus, 0);
			if (sku && (json_copy_str(sku, "variantId", false, l->sub_code, sizeof(l->sub_code)) ||
			            json_copy_str(sku, "merchantDefinedSkuId", false, l->sku_code,
			                          sizeof(l->sku_code)))) {
				snprintf(err, errlen, "%s: line %d: bad SkuModelList", o->order_no, o->nlines + 1);
				return Z_INVALID;
			}
			if (!l->sku_code[0])
				snprintf(l->sku_code, sizeof(l->sku_code), "%s",
				         item_number[0] ? item_number : l->item_code);
			o->nlines++;
		}
	}
	return Z_OK;
}

int rakuten_parse_orders(const char *json, size_t len, bool cancel_on_pending, mall_order **orders,
                         int *norders, char *err, size_t errlen)
{
	int rc = Z_INVALID, n = 0;
	mall_order *out = NULL;
	cJSON *j = parse(json, len, err, errlen);
	*orders = NULL;
	*norders = 0;
	if (!j)
		goto out;
	const cJSON *list = json_member(j, "OrderModelList"), *m;
	int size = cJSON_GetArraySize(list);
	if (!cJSON_IsArray(list) || size > RAKUTEN_MAX_ORDERS) {
		snprintf(err, errlen, "no usable OrderModelList");
		goto out;
	}
	if (size && !(out = calloc((size_t)size, sizeof(*out)))) {
		snprintf(err, errlen, "out of memory");
		rc = Z_NOMEM;
		goto out;
	}
	cJSON_ArrayForEach(m, list) {
		int prc = parse_order(m, cancel_on_pending, &out[n], err, errlen);
		n++;
		if (prc != Z_OK) {
			rc = prc;
			goto out;
		}
	}
	*orders = out;
	*norders = n;
	out = NULL;
	rc = Z_OK;
out:
	rakuten_orders_free(out, n);
	cJSON_Delete(j);
	return rc;
}

int rakuten_parse_expiry(const char *json, size_t len, time_t *out, char *err, size_t errlen)
{
	int rc = Z_INVALID;
	cJSON *j = parse(json, len, err, errlen);
	if (j && time_field(j, "expiryDate", out) == 1)
		rc = Z_OK;
	else if (j)
		snprintf(err, errlen, "no usable expiryDate");
	cJSON_Delete(j);
	return rc;
}
