/* shopify_json: parsers of Shopify's (untrusted) GraphQL replies, kept apart to be fuzzed. */
#ifndef ZAIKO_SHOPIFY_JSON_H
#define ZAIKO_SHOPIFY_JSON_H

#include <cJSON.h>
#include "core/zaiko.h"
#include "mall/mall.h"

/* Parsers return Z_OK, Z_INVALID (err says why, in English for the log) or Z_NOMEM. */

typedef struct {
	cJSON *root;            /* the whole reply; freed by shopify_reply_free */
	const cJSON *data;      /* root.data when it is an object, else NULL */
	bool throttled;         /* an error with extensions.code THROTTLED */
	char error[200];        /* the first top-level error message, "" when none */
	char error_code[40];
	bool cost_known;        /* extensions.cost.throttleStatus was readable */
	double requested_cost;
	double available;
	double maximum;
	double restore_rate;
} shopify_reply;

#define SHOPIFY_MAX_LEVELS 8

typedef struct {
	char location_id[100];
	bool has_available;
	int available;
} shopify_level;

typedef struct {
	char sku[128];
	char item_id[100];      /* gid://shopify/InventoryItem/… */
	int nlevels;
	shopify_level levels[SHOPIFY_MAX_LEVELS];
} shopify_variant;

typedef struct {
	int index;              /* the quantities row it names, -1 when none */
	char code[64];
	char message[200];
} shopify_user_error;

typedef struct {
	mall_order order;       /* order.lines malloc'd */
	char id[100];           /* gid://shopify/Order/… for more line items */
	bool lines_more;
	char lines_cursor[256];
} shopify_order;

typedef struct {
	shopify_order *orders;
	int n;
	bool has_next;
	char end_cursor[256];
} shopify_orders_page;

/* "2026-01-02T03:04:05Z" (fractions, offsets allowed) into UTC seconds. */
int shopify_parse_time(const char *s, time_t *out);
/* The envelope: JSON object with optional data, errors, extensions.cost. */
int shopify_parse_reply(const char *body, size_t len, shopify_reply *r, char *err, size_t errlen);
void shopify_reply_free(shopify_reply *r);
/* data.productVariants.nodes into *out (malloc'd array, caller frees). */
int shopify_parse_variants(const cJSON *data, shopify_variant **out, int *n, char *err,
                           size_t errlen);
/* data.inventorySetQuantities.userErrors into *out (malloc'd, caller frees); *n may be 0. */
int shopify_parse_set_result(const cJSON *data, shopify_user_error **out, int *n, char *err,
                             size_t errlen);
/* data.orders into page; free it with shopify_orders_page_free. */
int shopify_parse_orders(const cJSON *data, shopify_orders_page *page, char *err, size_t errlen);
void shopify_orders_page_free(shopify_orders_page *page);
/* data.order.lineItems appended to o (its order.lines grows); updates lines_more/cursor. */
int shopify_parse_order_lines(const cJSON *data, shopify_order *o, char *err, size_t errlen);

/* The calculated cost of a GraphQL document by Shopify's documented rules (shopify.dev,
 * "GraphQL Admin API rate limits", Cost calculation): a scalar or enum field 0, an object 1, a
 * connection (a field with a first: or last: argument) 2 plus that count times the cost of one
 * node (the node object 1 plus what it selects; nodes/edges/pageInfo add nothing more), a
 * mutation 10. variables give the value of a $first. -1 when the text cannot be read. */
long long shopify_query_cost(const char *query, const cJSON *variables);

#endif
