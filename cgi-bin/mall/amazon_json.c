/* amazon_json: parsers of Amazon's SP-API and LWA replies; untrusted input, bounded copies. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/jst.h"
#include "mall/http.h"
#include "mall/json_field.h"
#include "mall/amazon_json.h"

#define AMAZON_MAX_ORDERS_PER_PAGE 1000
#define AMAZON_MAX_ITEMS_PER_PAGE 1000

static int dup_token(const cJSON *obj, const char *key, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return Z_OK;
	if (!cJSON_IsString(v) || !v->valuestring || !*v->valuestring || strlen(v->valuestring) > 4096)
		return Z_INVALID;
	*out = strdup(v->valuestring);
	return *out ? Z_OK : Z_NOMEM;
}

int amazon_parse_time(const char *s, time_t *out)
{
	return mall_parse_utc_time(s, MALL_TIME_LOWER | MALL_TIME_SPACE, out);
}

int amazon_parse_errors(const char *body, size_t len, char *code, size_t codelen, char *msg,
                        size_t msglen)
{
	int rc = Z_INVALID;
	code[0] = msg[0] = '\0';
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
	const cJSON *first = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
	if (!cJSON_IsObject(first))
		goto out;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(first, "code");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(first, "message");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(first, "details");
	if (!cJSON_IsString(c) || !cJSON_IsString(m))
		goto out;
	snprintf(code, codelen, "%s", c->valuestring);
	if (cJSON_IsString(d) && d->valuestring[0])
		snprintf(msg, msglen, "%s (%s)", m->valuestring, d->valuestring);
	else
		snprintf(msg, msglen, "%s", m->valuestring);
	rc = Z_OK;
out:
	cJSON_Delete(root);
	return rc;
}

int amazon_parse_submission(const char *body, size_t len, bool *accepted, char *msg, size_t msglen,
                            char *err, size_t errlen)
{
	int rc = Z_INVALID;
	char status[16];
	msg[0] = '\0';
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root) || json_copy_str(root, "status", true, status, sizeof(status))) {
		json_set_err(err, errlen, "submission reply without a status");
		goto out;
	}
	if (!strcmp(status, "ACCEPTED") || !strcmp(status, "VALID")) {
		*accepted = true;
	} else if (!strcmp(status, "INVALID")) {
		*accepted = false;
		const cJSON *issues = cJSON_GetObjectItemCaseSensitive(root, "issues");
		const cJSON *list = cJSON_IsArray(issues) ? issues : NULL;
		const cJSON *is;
		snprintf(msg, msglen, "INVALID");
		cJSON_ArrayForEach(is, list)
		{
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(is, "code");
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(is, "message");
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(is, "severity");
			if (cJSON_IsString(s) && strcmp(s->valuestring, "ERROR"))
				continue;
			snprintf(msg, msglen, "%s: %s", cJSON_IsString(c) ? c->valuestring : "?",
			         cJSON_IsString(m) ? m->valuestring : "");
			break;
		}
	} else {
		json_set_err(err, errlen, "submission reply with an unknown status");
		goto out;
	}
	rc = Z_OK;
out:
	cJSON_Delete(root);
	return rc;
}

int amazon_parse_product_type(const char *body, size_t len, const char *marketplace, char *out,
                              size_t outlen, char *err, size_t errlen)
{
	int rc = Z_INVALID;
	out[0] = '\0';
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "sku"))) {
		json_set_err(err, errlen, "listing reply without a sku");
		goto out;
	}
	const cJSON *sums = cJSON_GetObjectItemCaseSensitive(root, "summaries"), *e;
	if (sums && !cJSON_IsArray(sums)) {
		json_set_err(err, errlen, "summaries is not an array");
		goto out;
	}
	rc = Z_NOTFOUND;
	cJSON_ArrayForEach(e, sums)
	{
		char mp[64], type[128];
		if (!cJSON_IsObject(e) || json_copy_str(e, "marketplaceId", true, mp, sizeof(mp)) ||
		    json_copy_str(e, "productType", true, type, sizeof(type))) {
			json_set_err(err, errlen, "summary without a marketplaceId or productType");
			rc = Z_INVALID;
			goto out;
		}
		/* A product type is an upper-case word (LUGGAGE, HOME_BED_AND_BATH, …). */
		if (!type[0]) {
			json_set_err(err, errlen, "productType is empty");
			rc = Z_INVALID;
			goto out;
		}
		for (const char *c = type; *c; c++)
			if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_')) {
				json_set_err(err, errlen, "productType is not a product type name");
				rc = Z_INVALID;
				goto out;
			}
		if (strcmp(mp, marketplace))
			continue;
		if (strlen(type) + 1 > outlen) {
			json_set_err(err, errlen, "productType too long");
			rc = Z_INVALID;
			goto out;
		}
		snprintf(out, outlen, "%s", type);
		rc = Z_OK;
		break;
	}
out:
	cJSON_Delete(root);
	return rc;
}

int amazon_parse_listing(const char *body, size_t len, const char *channel, int *quantity,
                         bool *found, char *err, size_t errlen)
{
	int rc = Z_INVALID;
	*found = false;
	cJSON *root = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(root) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "sku"))) {
		json_set_err(err, errlen, "listing reply without a sku");
		goto out;
	}
	const cJSON *fa = cJSON_GetObjectItemCaseSensitive(root, "fulfillmentAvailability");
	if (fa && !cJSON_IsArray(fa)) {
		json_set_err(err, errlen, "fulfillmentAvailability is not an array");
		goto out;
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, fa)
	{
		char code[64];
		if (!cJSON_IsObject(e) || json_copy_str(e, "fulfillmentChannelCode", true, code, sizeof(code))) {
			json_set_err(err, errlen, "fulfillmentAvailability entry without a channel");
			goto out;
		}
		if (strcmp(code, channel))
			continue;
		int q = 0;
		if (cJSON_GetObjectItemCaseSensitive(e, "quantity") &&
		    json_get_int(e, "quantity", 0, 100000000, &q)) {
			json_set_err(err, errlen, "fulfillmentAvailability quantity is not a count");
			goto out;
		}
		*quantity = q;
		*found = true;
		break;
	}
	rc = Z_OK;
out:
	cJSON_Delete(root);
	return rc;
}

/* The payload object of a v0 Orders reply, or NULL. */
static const cJSON *payload_of(const cJSON *root)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "payload");
	return cJSON_IsObject(p) ? p : NULL;
}

/* payload.<key> of a v0 Orders reply to op when it is an array of at most max entries; else
 * NULL and err says which it was not. */
static const cJSON *payload_list(const cJSON *root, const char *op, const char *key, int max,
                                 char *err, size_t errlen)
{
	const cJSON *payload = payload_of(root);
	const cJSON *list = payload ? cJSON_GetObjectItemCaseSensitive(payload, key) : NULL;
	char why[100];
	if (!cJSON_IsArray(list))
		snprintf(why, sizeof(why), "%s reply without payload.%s", op, key);
	else if (cJSON_GetArraySize(list) > max)
		snprintf(why, sizeof(why), "%s page too large", op);
	else
		return list;
	json_set_err(err, errlen, why);
	return NULL;
}

int amazon_parse_orders(const char *body, size_t len, amazon_orders_page *page, char *err,
                        size_t errlen)
{
	int rc = Z_INVALID;
	memset(page, 0, sizeof(*page));
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *orders = payload_list(root, "getOrders", "Orders", AMAZON_MAX_ORDERS_PER_PAGE,
	                                   err, errlen);
	if (!orders)
		goto out;
	int n = cJSON_GetArraySize(orders);
	page->orders = calloc(n ? (size_t)n : 1, sizeof(*page->orders));
	if (!page->orders) {
		rc = Z_NOMEM;
		goto out;
	}
	const cJSON *o;
	cJSON_ArrayForEach(o, orders)
	{
		amazon_order_head *h = &page->orders[page->n];
		char when[64];
		if (!cJSON_IsObject(o) || json_copy_str(o, "AmazonOrderId", true, h->order_no, sizeof(h->order_no)) ||
		    !h->order_no[0] || json_copy_str(o, "OrderStatus", true, h->status, sizeof(h->status))) {
			json_set_err(err, errlen, "order without AmazonOrderId or OrderStatus");
			goto out;
		}
		if (json_copy_str(o, "PurchaseDate", true, when, sizeof(when)) ||
		    amazon_parse_time(when, &h->ordered_at) ||
		    json_copy_str(o, "LastUpdateDate", true, when, sizeof(when)) ||
		    amazon_parse_time(when, &h->updated_at)) {
			json_set_err(err, errlen, "order with a bad PurchaseDate or LastUpdateDate");
			goto out;
		}
		h->cancelled = !strcmp(h->status, "Canceled");
		page->n++;
	}
	if (dup_token(payload_of(root), "NextToken", &page->next_token)) {
		json_set_err(err, errlen, "bad NextToken");
		goto out;
	}
	rc = Z_OK;
out:
	if (rc)
		amazon_orders_page_free(page);
	cJSON_Delete(root);
	return rc;
}

void amazon_orders_page_free(amazon_orders_page *page)
{
	free(page->orders);
	free(page->next_token);
	memset(page, 0, sizeof(*page));
}

int amazon_parse_order_items(const char *body, size_t len, amazon_items_page *page, char *err,
                             size_t errlen)
{
	int rc = Z_INVALID;
	memset(page, 0, sizeof(*page));
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *items = payload_list(root, "getOrderItems", "OrderItems",
	                                  AMAZON_MAX_ITEMS_PER_PAGE, err, errlen);
	if (!items)
		goto out;
	int n = cJSON_GetArraySize(items);
	page->items = calloc(n ? (size_t)n : 1, sizeof(*page->items));
	if (!page->items) {
		rc = Z_NOMEM;
		goto out;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		amazon_order_item *x = &page->items[page->n];
		if (!cJSON_IsObject(it) ||
		    json_copy_str(it, "OrderItemId", true, x->order_item_id, sizeof(x->order_item_id)) ||
		    !x->order_item_id[0] ||
		    json_copy_str(it, "SellerSKU", false, x->seller_sku, sizeof(x->seller_sku)) ||
		    json_get_int(it, "QuantityOrdered", 0, 1000000, &x->quantity)) {
			json_set_err(err, errlen, "order item without OrderItemId, SellerSKU or QuantityOrdered");
			goto out;
		}
		page->n++;
	}
	if (dup_token(payload_of(root), "NextToken", &page->next_token)) {
		json_set_err(err, errlen, "bad NextToken");
		goto out;
	}
	rc = Z_OK;
out:
	if (rc)
		amazon_items_page_free(page);
	cJSON_Delete(root);
	return rc;
}

void amazon_items_page_free(amazon_items_page *page)
{
	free(page->items);
	free(page->next_token);
	memset(page, 0, sizeof(*page));
}
