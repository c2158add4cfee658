/* rakuten_json: bounded parsers of the 楽天 RMS JSON replies (inventory, orders, errors). */
#ifndef ZAIKO_RAKUTEN_JSON_H
#define ZAIKO_RAKUTEN_JSON_H

#include <stddef.h>
#include <time.h>
#include "core/zaiko.h"
#include "mall/mall.h"

#define RAKUTEN_JSON_MAX_BYTES (32L << 20)

/* One row of bulk-get's "inventories". */
typedef struct {
	char manage_number[64];
	char variant_id[64];
	long long quantity;
} rakuten_inventory;

/* One error of an "errors" list; item is the N of "inventories[N]…", -1 when none. */
typedef struct {
	int item;
	char code[32];
	char message[200];
} rakuten_error;

/* Parses bulk-get's {"inventories":[…]} into *rows (caller frees). Z_OK or Z_INVALID + err. */
int rakuten_parse_inventories(const char *json, size_t len, rakuten_inventory **rows, int *nrows,
                              char *err, size_t errlen);
/* Parses {"errors":[{code,message,metadata.propertyPath}]} into *errs (caller frees);
 * Z_INVALID when the body has no such list. */
int rakuten_parse_errors(const char *json, size_t len, rakuten_error **errs, int *nerrs);
/* The first error code and message of any Rakuten envelope (errors[], Results,
 * MessageModelList ERROR); false if none is found. */
bool rakuten_first_error(const char *json, size_t len, char *code, size_t codelen, char *msg,
                         size_t msglen);
/* Parses a searchOrder reply: the page's order numbers (caller frees *numbers) and the
 * pagination totals (0 when the reply carries null, as on zero hits). */
int rakuten_parse_search(const char *json, size_t len, char (**numbers)[64], int *nnumbers,
                         long long *total_records, long long *total_pages, char *err, size_t errlen);
/* Parses a getOrder reply into *orders (free with rakuten_orders_free). A line is cancelled
 * when its order is (orderProgress 900, or 800 when cancel_on_pending) or it is deleted
 * (deleteItemFlag 1). sku_code: merchantDefinedSkuId, else itemNumber, else manageNumber. */
int rakuten_parse_orders(const char *json, size_t len, bool cancel_on_pending, mall_order **orders,
                         int *norders, char *err, size_t errlen);
void rakuten_orders_free(mall_order *orders, int norders);
/* Parses {"expiryDate":"…"} (JST) into UTC. */
int rakuten_parse_expiry(const char *json, size_t len, time_t *out, char *err, size_t errlen);

#endif
