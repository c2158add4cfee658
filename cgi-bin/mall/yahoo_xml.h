/* yahoo_xml: bounded parsers of the Yahoo!ショッピング XML replies (stock, orders, errors). */
#ifndef ZAIKO_YAHOO_XML_H
#define ZAIKO_YAHOO_XML_H

#include <stddef.h>
#include <time.h>
#include "core/zaiko.h"
#include "mall/mall.h"

/* Hard caps: a reply beyond them is refused as malformed rather than trusted. */
#define YAHOO_XML_MAX_BYTES (32L << 20)
#define YAHOO_XML_MAX_NODES 400000
#define YAHOO_XML_MAX_DEPTH 32
#define YAHOO_XML_MAX_TEXT 65536

/* One <Result> of setStock or getStock. status: getStock's 1/0, -1 when absent. */
typedef struct {
	char item_code[128];
	char sub_code[128];
	int status;
	bool has_quantity;
	long long quantity;
} yahoo_stock_row;

/* One <OrderInfo> of orderList. Times are 0 when the reply did not carry them. */
typedef struct {
	char order_id[64];
	time_t order_time;
	time_t last_update;
} yahoo_order_ref;

/* Parses a setStock/getStock ResultSet into *rows (caller frees with free()). Returns Z_OK,
 * or Z_INVALID with a reason in err when the reply is not one. */
int yahoo_parse_stock(const char *xml, size_t len, yahoo_stock_row **rows, int *nrows,
                      char *err, size_t errlen);
/* Parses an orderList reply: TotalCount and the page's orders (caller frees *refs). */
int yahoo_parse_order_list(const char *xml, size_t len, long long *total, yahoo_order_ref **refs,
                           int *nrefs, char *err, size_t errlen);
/* Parses an orderInfo reply into *order (updated_at stays 0 without LastUpdateTime);
 * order->lines is malloc'ed (free with yahoo_order_clear). Cancelled order (OrderStatus 4 or a CancelReason) → every line cancelled. */
int yahoo_parse_order_info(const char *xml, size_t len, mall_order *order, char *err,
                           size_t errlen);
/* Frees what yahoo_parse_order_info allocated and zeroes the order. */
void yahoo_order_clear(mall_order *order);
/* Reads <Error><Code>/<Message> (or the first Code/Message anywhere); false if neither. */
bool yahoo_parse_error(const char *xml, size_t len, char *code, size_t codelen, char *msg,
                       size_t msglen);

#endif
