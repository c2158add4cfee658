/* amazon_json: parsers of Amazon's (untrusted) replies, kept apart so they can be fuzzed. */
#ifndef ZAIKO_AMAZON_JSON_H
#define ZAIKO_AMAZON_JSON_H

#include <stddef.h>
#include <time.h>
#include "core/zaiko.h"

/* Every parser returns Z_OK, Z_INVALID (shape or type not as the model says; err explains in
 * a short English phrase for the log) or Z_NOMEM. Nothing is kept from a failed parse. */

typedef struct {
	char order_no[64];
	char status[32];
	bool cancelled;
	time_t ordered_at;
	time_t updated_at;
} amazon_order_head;

typedef struct {
	amazon_order_head *orders; /* malloc'd; freed by amazon_orders_page_free */
	int n;
	char *next_token;          /* malloc'd or NULL when this is the last page */
} amazon_orders_page;

typedef struct {
	char order_item_id[128];
	char seller_sku[128];
	int quantity;
} amazon_order_item;

typedef struct {
	amazon_order_item *items;  /* malloc'd; freed by amazon_items_page_free */
	int n;
	char *next_token;
} amazon_items_page;

/* "2026-01-02T03:04:05Z", fractions and ±hh:mm offsets allowed; into UTC seconds. */
int amazon_parse_time(const char *s, time_t *out);
/* SP-API error envelope {"errors":[{code,message,details}]}: the first error. */
int amazon_parse_errors(const char *body, size_t len, char *code, size_t codelen, char *msg,
                        size_t msglen);
/* ListingsItemSubmissionResponse: *accepted is true for ACCEPTED/VALID; otherwise msg holds
 * the first ERROR issue ("code: message"). */
int amazon_parse_submission(const char *body, size_t len, bool *accepted, char *msg, size_t msglen,
                            char *err, size_t errlen);
/* Item: the quantity of fulfillmentAvailability for channel; *found false when absent. */
int amazon_parse_listing(const char *body, size_t len, const char *channel, int *quantity,
                         bool *found, char *err, size_t errlen);
/* Item with summaries: the productType of the summary for marketplace into out; Z_NOTFOUND
 * when the listing has no summary there. */
int amazon_parse_product_type(const char *body, size_t len, const char *marketplace, char *out,
                              size_t outlen, char *err, size_t errlen);
/* GetOrdersResponse payload. page is zeroed first; free it with amazon_orders_page_free. */
int amazon_parse_orders(const char *body, size_t len, amazon_orders_page *page, char *err,
                        size_t errlen);
void amazon_orders_page_free(amazon_orders_page *page);
/* GetOrderItemsResponse payload. */
int amazon_parse_order_items(const char *body, size_t len, amazon_items_page *page, char *err,
                             size_t errlen);
void amazon_items_page_free(amazon_items_page *page);

#endif
