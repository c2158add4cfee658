/* malltest: what the mall adapter tests share: the program's one simulator S, its /_control
 * calls and counters, and a mall_shop set up against it and freed. Header-only, for tests
 * that include cmocka first. */
#ifndef ZAIKO_MALLTEST_H
#define ZAIKO_MALLTEST_H

#include <cJSON.h>
#include "mall/mall.h"
#include "simctl.h"

/* What sim_stock answers for an item the simulator does not have. */
#define SIM_NO_STOCK (-999)

static sim S;

/* /_control/<what> with body (GET when NULL): asserts a 200 JSON reply and returns it (caller
 * frees). */
static inline cJSON *control_json(const char *what, const char *body)
{
	buf out = BUF_INIT;
	assert_int_equal(sim_control(&S, what, body, &out), 200);
	cJSON *j = cJSON_Parse(buf_str(&out));
	buf_free(&out);
	assert_non_null(j);
	return j;
}

/* control_json, the reply dropped. */
static inline void control(const char *what, const char *body)
{
	cJSON_Delete(control_json(what, body));
}

/* The adapter under test, set by sim_group_start (unused by tests of parsers alone). */
static const mall_adapter *A __attribute__((unused));

/* A shop of the adapter under test against S; base is the shop's copy of S's address. */
typedef struct {
	mall_shop shop;
	char base[64];
} shop_fixture;

/* A cmocka group setup's body: A is mall's adapter and S its simulator, started. */
static inline int sim_group_start(const char *mall)
{
	A = mall_adapter_for(mall);
	return A && sim_start(&S, mall) == 0 ? 0 : -1;
}

/* The cmocka group teardown that stops S. */
static inline int sim_group_stop(void **state)
{
	sim_stop(&S);
	return 0;
}

/* Clears the simulator's state and turns its rate limits off (each test's starting point). */
static inline void sim_reset(void)
{
	control("reset", "{}");
	control("limits", "{\"enabled\":false}");
}

/* The simulator's stock of the item with code (and sub, unless NULL), or SIM_NO_STOCK. */
static inline int sim_stock(const char *code, const char *sub)
{
	cJSON *j = control_json("stock", NULL), *it;
	int v = SIM_NO_STOCK;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "items"))
		if (!strcmp(cJSON_GetObjectItem(it, "code")->valuestring, code) &&
		    (!sub || !strcmp(cJSON_GetObjectItem(it, "sub")->valuestring, sub)))
			v = cJSON_GetObjectItem(it, "stock")->valueint;
	cJSON_Delete(j);
	return v;
}

/* How many requests the simulator logged on paths containing part. */
static inline int sim_calls(const char *part)
{
	cJSON *j = control_json("log", NULL), *it;
	int n = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "requests"))
		if (strstr(cJSON_GetObjectItem(it, "path")->valuestring, part))
			n++;
	cJSON_Delete(j);
	return n;
}

/* Fills a zeroed shop with its own HTTP client; credentials and options (JSON objects, both
 * asserted non-NULL) become the shop's. shop_free undoes it. */
static inline void shop_init(mall_shop *shop, long long id, const char *name, const char *mall,
                             const char *api_base, cJSON *credentials, cJSON *options,
                             long timeout_ms)
{
	assert_non_null(credentials);
	assert_non_null(options);
	shop->id = id;
	shop->name = name;
	shop->mall = mall;
	shop->api_base = api_base;
	shop->credentials = credentials;
	shop->options = options;
	http_allow_local(true); /* the simulators listen on loopback */
	shop->http = http_client_new(timeout_ms, true);
}

/* Releases the adapter's state and what shop_init gave the shop. */
static inline void shop_free(const mall_adapter *a, mall_shop *shop)
{
	a->release(shop);
	cJSON_Delete(shop->credentials);
	cJSON_Delete(shop->options);
	http_client_free(shop->http);
}

/* Opens f as shop id of A against S with credentials and options (JSON texts). */
static inline void fixture_open(shop_fixture *f, long long id, const char *name,
                                const char *credentials, const char *options, long timeout_ms)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->base, sizeof(f->base), "%s", S.base);
	shop_init(&f->shop, id, name, A->mall, f->base, cJSON_Parse(credentials), cJSON_Parse(options),
	          timeout_ms);
}

/* Replaces key of a JSON object (shop->options, shop->credentials) with a number or string. */
static inline void json_set_num(cJSON *obj, const char *key, double v)
{
	cJSON_DeleteItemFromObject(obj, key);
	cJSON_AddNumberToObject(obj, key, v);
}

static inline void json_set_str(cJSON *obj, const char *key, const char *v)
{
	cJSON_DeleteItemFromObject(obj, key);
	cJSON_AddStringToObject(obj, key, v);
}

/* What collect_orders keeps of the first ten orders a fetch hands over (n counts all). */
typedef struct {
	int n;
	char order_no[10][64];
	char status[10][32];
	int nlines[10];
	mall_order_line lines[10][4];
	bool cancelled[10];
	time_t ordered_at[10];
	int stop_after;         /* stop the fetch after this many orders; 0: never */
} orders_seen;

/* A mall_order_cb filling the orders_seen at ctx. */
static inline int collect_orders(const mall_order *o, void *ctx)
{
	orders_seen *s = ctx;
	if (s->n < 10) {
		snprintf(s->order_no[s->n], 64, "%s", o->order_no);
		snprintf(s->status[s->n], 32, "%s", o->status);
		s->nlines[s->n] = o->nlines;
		for (int i = 0; i < o->nlines && i < 4; i++)
			s->lines[s->n][i] = o->lines[i];
		s->cancelled[s->n] = o->cancelled;
		s->ordered_at[s->n] = o->ordered_at;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

/* Arms the simulator's next fault of kind on requests whose path contains path (count times
 * when count > 0). */
static inline void sim_fault(const char *kind, int count, const char *path)
{
	char body[200];
	if (count > 0)
		snprintf(body, sizeof(body), "{\"kind\":\"%s\",\"count\":%d,\"path\":\"%s\"}", kind,
		         count, path);
	else
		snprintf(body, sizeof(body), "{\"kind\":\"%s\",\"path\":\"%s\"}", kind, path);
	control("fault", body);
}

/* A 429 (Retry-After: 1) on push_path: the push and its item are rate limited for 1 s. */
static inline void check_push_429(const mall_adapter *a, mall_shop *shop, mall_push_item *it,
                                  const char *push_path)
{
	mall_status st;
	sim_fault("429", 0, push_path);
	assert_int_equal(a->push(shop, it, 1, &st), MALL_RATE_LIMITED);
	assert_int_equal(st.retry_after_ms, 1000);
	assert_int_equal(it->status.outcome, MALL_RATE_LIMITED);
}

/* Two dropped connections on push_path (curl resends once by itself when a reused connection
 * dies unanswered): temporary with no HTTP status; the next push works again. */
static inline void check_push_dropped(const mall_adapter *a, mall_shop *shop, mall_push_item *it,
                                      const char *push_path)
{
	mall_status st;
	sim_fault("drop", 2, push_path);
	assert_int_equal(a->push(shop, it, 1, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 0);
	assert_int_equal(a->push(shop, it, 1, &st), MALL_OK);
}

/* A stock reply longer than the shop's max_reply_bytes (set to 50 here) is temporary and
 * finds nothing. */
static inline void check_read_oversized(const mall_adapter *a, mall_shop *shop, mall_stock_item *it)
{
	mall_status st;
	json_set_num(shop->options, "max_reply_bytes", 50);
	assert_int_equal(a->read_stock(shop, it, 1, &st), MALL_TEMPORARY);
	assert_false(it->found);
}

/* One stock read of three listings on a shop whose simulator holds A-1 (5) and the item
 * third (3): the first found by its SKU code, NOPE not found, the third by its item code
 * (a code the mall's query must escape). */
static inline void check_read_found_missing(const mall_adapter *a, mall_shop *shop,
                                            const char *third)
{
	mall_status st;
	mall_stock_item items[3] = {{.listing_id = 1, .sku_code = "A-1"},
	                            {.listing_id = 2, .sku_code = "NOPE"},
	                            {.listing_id = 3, .item_code = third}};
	assert_int_equal(a->read_stock(shop, items, 3, &st), MALL_OK);
	assert_true(items[0].found);
	assert_int_equal(items[0].stock, 5);
	assert_false(items[1].found);
	assert_true(items[2].found);
	assert_int_equal(items[2].stock, 3);
}

/* The faults BASE and カラーミー meet alike, on a fresh shop f with item it (an item of
 * the simulator's): a 500 on push_path is temporary; a 429 (Retry-After: 1) rate limited for
 * 1 s; a cut-short reply of orders_path temporary; then the push goes through. */
static inline void check_common_faults(shop_fixture *f, mall_push_item *it, const char *push_path,
                                       const char *orders_path)
{
	mall_status st;
	orders_seen seen = {0};
	sim_fault("500", 0, push_path);
	assert_int_equal(A->push(&f->shop, it, 1, &st), MALL_TEMPORARY);
	assert_int_equal(it->status.outcome, MALL_TEMPORARY);
	check_push_429(A, &f->shop, it, push_path);
	sim_fault("malformed", 0, orders_path);
	assert_int_equal(A->fetch_orders(&f->shop, time(NULL) - 60, time(NULL) + 1, collect_orders,
	                                 &seen, &st), MALL_TEMPORARY);
	assert_int_equal(A->push(&f->shop, it, 1, &st), MALL_OK);
	assert_int_equal(sim_stock(it->item_code, it->sub_code), it->wanted);
}

#endif
