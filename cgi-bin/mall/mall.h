/* mall: the one interface every mall adapter implements; the batch is its only caller. */
#ifndef ZAIKO_MALL_H
#define ZAIKO_MALL_H

#include <time.h>
#include <cJSON.h>
#include "core/zaiko.h"
#include "mall/http.h"

/* How a call (or one item of it) ended. The batch decides what to do from this alone. */
typedef enum {
	MALL_OK = 0,
	MALL_TEMPORARY,    /* network, 5xx, malformed reply: retry later with back-off */
	MALL_RATE_LIMITED, /* 429 / quota: retry after retry_after_ms */
	MALL_AUTH,         /* credentials refused or expired beyond refresh: the shop stops */
	MALL_ITEM,         /* this listing only (unknown code, invalid value) */
} mall_outcome;

typedef struct {
	mall_outcome outcome;
	int http_status;       /* 0 when no HTTP answer came */
	long retry_after_ms;   /* for MALL_RATE_LIMITED; 0 = unknown */
	char message[300];     /* Japanese where shown to the merchant; never a secret */
	char msg[600];         /* message as language keys (core/smsg.h) when set by
	                        * mall_status_setk, else "": stored beside the text */
} mall_status;

struct mall_order;

/* A shop as an adapter sees it. The batch fills it from the shop row; the adapter may
 * change credentials (a refreshed token) and sets credentials_changed so the batch saves them. */
typedef struct mall_shop {
	long long id;
	const char *name;
	const char *mall;       /* "yahoo", "rakuten", "amazon", "shopify", "base", "colorme" */
	const char *api_base;   /* e.g. https://circus.shopping.yahooapis.jp or a loopback simulator */
	cJSON *credentials;     /* decrypted JSON object; owned by the batch */
	cJSON *options;         /* JSON object of per-shop knobs (limits, seller id, …); may be NULL */
	bool credentials_changed;
	time_t token_expires_at; /* set by refresh when known; 0 = unknown */
	http_client *http;      /* one per shop, connection reused across calls */
	void *adapter_state;    /* the adapter's own (token buckets, caches); freed by its release */
	/* Set by the batch before fetch_orders, or NULL: true when the order as its header shows
	 * it (order_no, updated_at, cancelled; no lines) was applied already and is unchanged, so
	 * an adapter that reads lines in a call of their own may skip that call. ctx is the one
	 * given to fetch_orders. */
	bool (*order_known)(const struct mall_order *head, void *ctx);
} mall_shop;

/* One listing to push: absolute wanted stock. The adapter fills status (and mall_ref when it
 * learned the mall's own id, e.g. Shopify's inventory item, so the batch stores it). */
typedef struct {
	long long listing_id;
	const char *item_code;
	const char *sub_code;
	const char *sku_code;
	const char *mall_ref;   /* may be NULL */
	int wanted;
	mall_status status;
	char mall_ref_out[128];
} mall_push_item;

typedef struct {
	char line_key[128];     /* stable per line within the order (line id or index) */
	char item_code[128];
	char sub_code[128];
	char sku_code[128];     /* the code zaiko links by */
	int quantity;
	bool cancelled;         /* this line (or the whole order) is cancelled */
} mall_order_line;

typedef struct mall_order {
	char order_no[64];
	char status[32];
	bool cancelled;
	time_t ordered_at;
	time_t updated_at;      /* the mall's last change, UTC */
	int nlines;
	mall_order_line *lines; /* owned by the adapter for the duration of the callback */
} mall_order;

/* Called once per order found; returning non-zero stops the fetch (the error is the caller's). */
typedef int (*mall_order_cb)(const mall_order *order, void *ctx);

/* One listing whose stock is read back. */
typedef struct {
	long long listing_id;
	const char *item_code;
	const char *sub_code;
	const char *sku_code;
	const char *mall_ref;
	int stock;              /* filled when found */
	bool found;
} mall_stock_item;

typedef struct {
	const char *mall;
	int max_push_batch;     /* items per push call */
	int max_read_batch;
	/* Pushes n items (n <= max_push_batch). Returns the call's outcome; each item's status
	 * is filled too (all the same as the call's when the call as a whole failed). */
	mall_outcome (*push)(mall_shop *shop, mall_push_item *items, int n, mall_status *st);
	/* Every order created or changed in [since, until), oldest first, paging to the end. */
	mall_outcome (*fetch_orders)(mall_shop *shop, time_t since, time_t until, mall_order_cb cb,
	                             void *ctx, mall_status *st);
	mall_outcome (*read_stock)(mall_shop *shop, mall_stock_item *items, int n, mall_status *st);
	/* Gets a fresh access token when it is missing or near expiry (force: always). */
	mall_outcome (*refresh)(mall_shop *shop, bool force, mall_status *st);
	/* Frees adapter_state. */
	void (*release)(mall_shop *shop);
	/* Milliseconds until an order fetch is due by the mall's documented limits (0: now), so
	 * that polling keeps to the rate the mall's bucket refills at instead of running into
	 * the limit; may be NULL (always due). A fetch not yet due is skipped, not deferred. */
	long (*fetch_due)(mall_shop *shop);
} mall_adapter;

/* The adapter for a mall name, or NULL. */
const mall_adapter *mall_adapter_for(const char *mall);
/* true when the mall compares item codes without regard to case and reports them folded to
 * lower case (Rakuten's manageNumber): an order line's item_code then matches a listing's
 * whatever its case. */
bool mall_item_code_folds(const char *mall);

/* Helpers shared by adapters. */
void mall_status_set(mall_status *st, mall_outcome outcome, int http_status, const char *fmt, ...)
	Z_PRINTF(4, 5);
/* mall_status_set, also keeping the message as key with the call's arguments in st->msg, so
 * the merchant reads it in their language: key's Japanese text (msg.mallerr.*) is fmt with
 * every conversion made %s (tests/integration/test_lang_keys.py checks it). */
void mall_status_setk(mall_status *st, mall_outcome outcome, int http_status, const char *key,
                      const char *fmt, ...) Z_PRINTF(5, 6);
/* Classifies an HTTP status alone: 2xx ok, 401/403 auth, 429 rate limited, 5xx/0 temporary,
 * other 4xx item. Adapters refine this with the mall's error body. */
mall_outcome mall_classify_http(int http_status);
/* A string field of shop->credentials or shop->options, or def. */
const char *mall_cred(const mall_shop *shop, const char *key, const char *def);
const char *mall_opt(const mall_shop *shop, const char *key, const char *def);
long long mall_opt_int(const mall_shop *shop, const char *key, long long def);
/* shop->adapter_state, allocated zeroed (size bytes) on first use; NULL when out of memory.
 * The adapter's release frees it. */
void *mall_state(mall_shop *shop, size_t size);
/* Sets st to MALL_OK with http_status and no message. */
void mall_status_ok(mall_status *st, int http_status);
/* Sets (adds or replaces) the string key of shop->credentials, which must exist. Z_OK or Z_NOMEM;
 * the caller sets credentials_changed. */
int mall_cred_set(mall_shop *shop, const char *key, const char *value);
/* The length of base without its trailing slashes, so that a path can follow it. */
int mall_base_len(const char *base);
/* The wait a 429 asks for: Retry-After in whole seconds (0 counts as 1 s), else the shop's
 * option retry_after_ms (1000). */
long mall_retry_after_ms(const mall_shop *shop, const http_response *r);
/* Retry-After in seconds (a fraction allowed, below a day) as milliseconds, rounded up, into
 * *ms; false when the header is absent or unreadable. */
bool mall_retry_after_header(const http_response *r, long *ms);
/* Appends the shop's api_base (trailing slashes dropped) and path. */
int mall_put_url(buf *b, const mall_shop *shop, const char *path);
/* True when s is 1..max decimal digits (a mall's numeric id, safe in a URL path). */
bool mall_is_digits(const char *s, size_t max);
/* "YYYY-MM-DD HH:MM:SS" wall time of t at the shop's tz_offset_s (JST, 32400, unless set). */
void mall_wall_time(const mall_shop *shop, time_t t, char *out, size_t len);
/* The reply's JSON, or NULL when there is none, it is larger than the shop's max_reply_bytes
 * (16 MiB) or it does not parse. The caller deletes it. */
cJSON *mall_parse_body(const mall_shop *shop, const http_response *r);
/* A release for adapters whose state is one allocation (mall_state). */
void mall_release_state(mall_shop *shop);

#endif
