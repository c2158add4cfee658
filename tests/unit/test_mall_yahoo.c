/* test_mall_yahoo: the Yahoo!ショッピング adapter against tests/sim/yahoo_sim.py, and its parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "core/jst.h"
#include "mall/mall.h"
#include "mall/yahoo_xml.h"
#include "malltest.h"

static char *public_pem;

typedef struct {
	mall_shop shop;
	const mall_adapter *a;
} fixture;

static int group_setup(void **state)
{
	if (sim_start(&S, "yahoo"))
		return -1;
	buf out = BUF_INIT;
	if (sim_control(&S, "public_key", NULL, &out) != 200)
		return -1;
	cJSON *j = cJSON_Parse(buf_str(&out));
	public_pem = strdup(cJSON_GetObjectItem(j, "public_key")->valuestring);
	cJSON_Delete(j);
	buf_free(&out);
	return 0;
}

static int group_teardown(void **state)
{
	sim_stop(&S);
	free(public_pem);
	return 0;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	sim_reset();
	f->a = mall_adapter_for("yahoo");
	cJSON *cred = cJSON_CreateObject();
	cJSON_AddStringToObject(cred, "client_id", "demo-client");
	cJSON_AddStringToObject(cred, "client_secret", "demo-secret");
	cJSON_AddStringToObject(cred, "refresh_token", "demo-refresh");
	cJSON_AddStringToObject(cred, "seller_id", "demo-store");
	cJSON_AddStringToObject(cred, "public_key", public_pem);
	cJSON_AddStringToObject(cred, "key_version", "1");
	shop_init(&f->shop, 1, "demo", "yahoo", S.base, cred,
	          cJSON_Parse("{\"pace_ms\":0,\"order_pace_ms\":0}"), 3000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	shop_free(f->a, &f->shop);
	free(f);
	return 0;
}

static mall_outcome push1(fixture *f, const char *code, const char *sub, int wanted, mall_status *st)
{
	mall_push_item it = {.listing_id = 1, .item_code = code, .sub_code = sub, .wanted = wanted};
	mall_outcome oc = f->a->push(&f->shop, &it, 1, st);
	if (oc == MALL_OK)
		return it.status.outcome;
	return oc;
}

static void test_push_sets_stock_and_refreshes_token(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"tshirt01\",\"sub\":\"red-m\",\"stock\":3},"
	                 "{\"code\":\"mug02\",\"stock\":9}]}");
	mall_push_item items[] = {
		{.listing_id = 1, .item_code = "tshirt01", .sub_code = "red-m", .wanted = 7},
		{.listing_id = 2, .item_code = "mug02", .sub_code = "", .wanted = 0},
	};
	time_t before = time(NULL);
	assert_int_equal(f->a->push(&f->shop, items, 2, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_OK);
	assert_int_equal(sim_stock("tshirt01", "red-m"), 7);
	assert_int_equal(sim_stock("mug02", ""), 0);
	/* No access token at the start: the adapter fetched one and tells the batch to save it. */
	assert_true(f->shop.credentials_changed);
	assert_non_null(mall_cred(&f->shop, "access_token", NULL));
	assert_true(f->shop.token_expires_at >= before + 3500 && f->shop.token_expires_at <= before + 3700);
	assert_int_equal(sim_calls("/yconnect/v2/token"), 1);
	/* The second push reuses the token. */
	items[0].wanted = 2;
	assert_int_equal(f->a->push(&f->shop, items, 2, &st), MALL_OK);
	assert_int_equal(sim_stock("tshirt01", "red-m"), 2);
	assert_int_equal(sim_calls("/yconnect/v2/token"), 1);
}

static void test_push_item_errors_stay_on_their_item(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"known\",\"stock\":1}]}");
	mall_push_item items[] = {
		{.listing_id = 1, .item_code = "known", .sub_code = "", .wanted = 5},
		{.listing_id = 2, .item_code = "not-registered", .sub_code = "x1", .wanted = 5},
		{.listing_id = 3, .item_code = "bad code!", .sub_code = "", .wanted = 5},
		{.listing_id = 4, .item_code = "known", .sub_code = "", .wanted = -1},
	};
	assert_int_equal(f->a->push(&f->shop, items, 4, &st), MALL_OK);
	assert_int_equal(items[0].status.outcome, MALL_OK);
	assert_int_equal(items[1].status.outcome, MALL_ITEM);
	assert_int_equal(items[2].status.outcome, MALL_ITEM);
	assert_int_equal(items[3].status.outcome, MALL_ITEM);
	assert_true(strlen(items[1].status.message) > 0);
	assert_int_equal(sim_stock("known", ""), 5);
	assert_int_equal(sim_calls("setStock"), 1);
}

static void test_read_stock(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"a1\",\"sub\":\"s1\",\"stock\":4},"
	                 "{\"code\":\"b2\",\"stock\":0}]}");
	mall_stock_item items[] = {
		{.item_code = "a1", .sub_code = "s1", .stock = 99, .found = true},
		{.item_code = "b2", .sub_code = NULL},
		{.item_code = "nope", .sub_code = "", .stock = 99, .found = true},
	};
	assert_int_equal(f->a->read_stock(&f->shop, items, 3, &st), MALL_OK);
	assert_true(items[0].found);
	assert_int_equal(items[0].stock, 4);
	assert_true(items[1].found);
	assert_int_equal(items[1].stock, 0);
	assert_false(items[2].found);
}

static void test_fetch_orders_pages_to_the_end(void **state)
{
	fixture *f = *state;
	mall_status st;
	orders_seen s;
	memset(&s, 0, sizeof(s));
	json_set_num(f->shop.options, "order_page_size", 2);
	for (int i = 0; i < 5; i++)
		control("order", "{\"lines\":[{\"code\":\"tshirt01\",\"sub\":\"red-m\",\"qty\":2},"
		                 "{\"code\":\"mug02\",\"qty\":1}]}");
	time_t now = time(NULL);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 5);
	assert_int_equal(sim_calls("orderList"), 3);
	assert_int_equal(sim_calls("orderInfo"), 5);
	assert_string_equal(s.order_no[0], "ORD000001");
	assert_string_equal(s.order_no[4], "ORD000005");
	assert_int_equal(s.nlines[0], 2);
	assert_string_equal(s.lines[0][0].line_key, "1");
	assert_string_equal(s.lines[0][0].item_code, "tshirt01");
	assert_string_equal(s.lines[0][0].sub_code, "red-m");
	assert_string_equal(s.lines[0][0].sku_code, "red-m");
	assert_int_equal(s.lines[0][0].quantity, 2);
	assert_string_equal(s.lines[0][1].line_key, "2");
	assert_string_equal(s.lines[0][1].sub_code, "");
	assert_string_equal(s.lines[0][1].sku_code, "mug02");
	assert_false(s.cancelled[0]);
	assert_true(s.ordered_at[0] >= now - 5 && s.ordered_at[0] <= now + 5);

	/* Orders outside the window are not reported. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(f->a->fetch_orders(&f->shop, now + 120, now + 180, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 0);

	/* The callback can stop the fetch. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 2);
}

static void test_fetch_orders_cancelled(void **state)
{
	fixture *f = *state;
	mall_status st;
	orders_seen s;
	memset(&s, 0, sizeof(s));
	control("order", "{\"order_no\":\"demo-store-1\",\"lines\":[{\"code\":\"a\",\"qty\":1},"
	                 "{\"code\":\"b\",\"sub\":\"c\",\"qty\":3}]}");
	control("order", "{\"order_no\":\"demo-store-2\",\"lines\":[{\"code\":\"a\",\"qty\":1}]}");
	control("cancel", "{\"order_no\":\"demo-store-1\"}");
	time_t now = time(NULL);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.order_no[0], "demo-store-1");
	assert_true(s.cancelled[0]);
	assert_true(s.lines[0][0].cancelled);
	assert_true(s.lines[0][1].cancelled);
	assert_false(s.cancelled[1]);
	assert_false(s.lines[1][0].cancelled);
}

static void test_refresh(void **state)
{
	fixture *f = *state;
	mall_status st;
	assert_int_equal(f->a->refresh(&f->shop, false, &st), MALL_OK);
	char first[128];
	snprintf(first, sizeof(first), "%s", mall_cred(&f->shop, "access_token", ""));
	assert_true(strlen(first) > 10);
	/* Not near expiry: no new token. */
	assert_int_equal(f->a->refresh(&f->shop, false, &st), MALL_OK);
	assert_string_equal(mall_cred(&f->shop, "access_token", ""), first);
	/* Forced: a new one. */
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_OK);
	assert_string_not_equal(mall_cred(&f->shop, "access_token", ""), first);
	/* Near expiry (within refresh_ahead_s): a new one. */
	snprintf(first, sizeof(first), "%s", mall_cred(&f->shop, "access_token", ""));
	f->shop.token_expires_at = time(NULL) + 60;
	assert_int_equal(f->a->refresh(&f->shop, false, &st), MALL_OK);
	assert_string_not_equal(mall_cred(&f->shop, "access_token", ""), first);
	/* Client secret wrong → auth. */
	json_set_str(f->shop.credentials, "client_secret", "wrong");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_AUTH);
	/* Refresh token revoked → auth, with a message for the merchant. */
	json_set_str(f->shop.credentials, "client_secret", "demo-secret");
	control("revoke_refresh", "{}");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_AUTH);
	assert_non_null(strstr(st.message, "invalid_grant"));
}

static void test_refresh_sends_secret_in_body_when_asked(void **state)
{
	fixture *f = *state;
	mall_status st;
	cJSON_AddStringToObject(f->shop.options, "token_client_auth", "body");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_OK);
}

static void test_expired_token_is_refreshed_and_retried(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"a\",\"stock\":1}]}");
	assert_int_equal(push1(f, "a", "", 2, &st), MALL_OK);
	char first[128];
	snprintf(first, sizeof(first), "%s", mall_cred(&f->shop, "access_token", ""));
	control("fault", "{\"kind\":\"expired_token\",\"path\":\"setStock\"}");
	assert_int_equal(push1(f, "a", "", 3, &st), MALL_OK);
	assert_int_equal(sim_stock("a", ""), 3);
	assert_string_not_equal(mall_cred(&f->shop, "access_token", ""), first);
	assert_int_equal(sim_calls("/yconnect/v2/token"), 2);

	/* Orders too. */
	control("order", "{\"lines\":[{\"code\":\"a\",\"qty\":1}]}");
	control("fault", "{\"kind\":\"expired_token\",\"path\":\"orderList\"}");
	orders_seen s;
	memset(&s, 0, sizeof(s));
	time_t now = time(NULL);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 1);
}

static void test_expired_token_and_refresh_refused_is_auth(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"a\",\"stock\":1}]}");
	assert_int_equal(push1(f, "a", "", 2, &st), MALL_OK);
	control("revoke_refresh", "{}");
	control("fault", "{\"kind\":\"expired_token\",\"path\":\"setStock\"}");
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 4};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_AUTH);
	assert_int_equal(it.status.outcome, MALL_AUTH);
	assert_int_equal(sim_stock("a", ""), 2);
}

static void test_latency_beyond_timeout_is_temporary(void **state)
{
	fixture *f = *state;
	mall_status st;
	assert_int_equal(f->a->refresh(&f->shop, false, &st), MALL_OK);
	json_set_num(f->shop.options, "timeout_ms", 300);
	control("fault", "{\"kind\":\"latency\",\"ms\":1200,\"path\":\"getStock\"}");
	mall_stock_item it = {.item_code = "a"};
	assert_int_equal(f->a->read_stock(&f->shop, &it, 1, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 0);
	/* Latency within the timeout is fine. */
	json_set_num(f->shop.options, "timeout_ms", 3000);
	control("fault", "{\"kind\":\"latency\",\"ms\":200,\"path\":\"getStock\"}");
	assert_int_equal(f->a->read_stock(&f->shop, &it, 1, &st), MALL_OK);
}

static void test_server_error_is_temporary(void **state)
{
	fixture *f = *state;
	mall_status st;
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 1};
	control("fault", "{\"kind\":\"500\",\"path\":\"setStock\"}");
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 500);
	assert_int_equal(it.status.outcome, MALL_TEMPORARY);
	control("fault", "{\"kind\":\"500\",\"path\":\"orderList\"}");
	orders_seen s;
	memset(&s, 0, sizeof(s));
	assert_int_equal(f->a->fetch_orders(&f->shop, 0, time(NULL), collect_orders, &s, &st), MALL_TEMPORARY);
}

static void test_429_is_rate_limited(void **state)
{
	fixture *f = *state;
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 1};
	check_push_429(f->a, &f->shop, &it, "setStock");
}

static void test_limits_and_pacing(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("limits", "{\"enabled\":true}");
	/* Without pacing the second call within a second is refused by the simulator. */
	assert_int_equal(push1(f, "a", "", 1, &st), MALL_ITEM); /* unregistered, but accepted */
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 2};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_RATE_LIMITED);
	assert_int_equal(st.http_status, 403); /* Yahoo's answer to it: "Your Request was Forbidden" */
	assert_int_equal(st.retry_after_ms, 2000);
	/* With the default pacing (1 s and a margin) both pass. */
	json_set_num(f->shop.options, "pace_ms", 1150);
	usleep(1100000);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs >= 0.9);
}

static void test_malformed_reply_is_temporary(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"a\",\"stock\":1}]}");
	mall_stock_item it = {.item_code = "a"};
	control("fault", "{\"kind\":\"malformed\",\"path\":\"getStock\"}");
	assert_int_equal(f->a->read_stock(&f->shop, &it, 1, &st), MALL_TEMPORARY);
	assert_non_null(strstr(st.message, "getStock"));
	control("order", "{\"lines\":[{\"code\":\"a\",\"qty\":1}]}");
	control("fault", "{\"kind\":\"malformed\",\"path\":\"orderInfo\"}");
	orders_seen s;
	memset(&s, 0, sizeof(s));
	time_t now = time(NULL);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_TEMPORARY);
	assert_int_equal(s.n, 0);
	/* A malformed token reply too. */
	control("fault", "{\"kind\":\"malformed\",\"path\":\"/yconnect\"}");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_TEMPORARY);
}

static void test_dropped_connection_is_temporary(void **state)
{
	fixture *f = *state;
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 1};
	check_push_dropped(f->a, &f->shop, &it, "setStock");
}

static void test_daily_quota_is_rate_limited(void **state)
{
	fixture *f = *state;
	mall_status st;
	/* Forbidden answers that go on past quota_after_ms are the daily quota. */
	cJSON_AddNumberToObject(f->shop.options, "quota_after_ms", 0);
	control("quota", "{\"count\":1}");
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_RATE_LIMITED);
	assert_int_equal(st.http_status, 403);
	assert_int_equal(st.retry_after_ms, 3600000);
}

/* Yahoo answers calls closer than a second with the daily quota's 403 "Your Request was
 * Forbidden": the adapter takes it for the per-second throttle (a short wait), not a day. */
static void test_per_second_throttle_is_a_short_rate_limit(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"a\",\"stock\":1}]}");
	control("limits", "{\"enabled\":true}");
	cJSON_ReplaceItemInObject(f->shop.options, "pace_ms", cJSON_CreateNumber(0));
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	it.wanted = 2;
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_RATE_LIMITED);
	assert_int_equal(st.http_status, 403);
	assert_true(st.retry_after_ms > 0 && st.retry_after_ms <= 2000);
	assert_non_null(strstr(st.message, "1秒に1回"));
	/* Paced as by default (a second and a margin), the same pushes all pass. */
	cJSON_ReplaceItemInObject(f->shop.options, "pace_ms", cJSON_CreateNumber(1150));
	usleep(1200000);
	for (int i = 0; i < 3; i++) {
		it.wanted = 10 + i;
		assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	}
	control("limits", "{\"enabled\":false}");
}

static void test_token_that_really_expired_is_renewed(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("items", "{\"items\":[{\"code\":\"a\",\"stock\":1}]}");
	control("token_ttl", "{\"seconds\":1}");
	assert_int_equal(push1(f, "a", "", 2, &st), MALL_OK);
	/* Forget when it expires, so only Yahoo's 401 can tell. */
	f->shop.token_expires_at = 0;
	usleep(1300000);
	assert_int_equal(push1(f, "a", "", 3, &st), MALL_OK);
	assert_int_equal(sim_stock("a", ""), 3);
	assert_int_equal(sim_calls("/yconnect/v2/token"), 2);
	/* Known expiry within refresh_ahead_s: renewed before the call, no 401 needed. */
	assert_int_equal(push1(f, "a", "", 4, &st), MALL_OK);
	assert_int_equal(sim_calls("/yconnect/v2/token"), 3);
	/* 1 + (refused, retried) + 1: the last push met no 401. */
	assert_int_equal(sim_calls("setStock"), 4);
}

static void test_oversized_reply_is_temporary(void **state)
{
	fixture *f = *state;
	control("items", "{\"items\":[{\"code\":\"a\",\"stock\":1}]}");
	mall_stock_item it = {.item_code = "a"};
	check_read_oversized(f->a, &f->shop, &it);
}

static void test_token_endpoint_faults(void **state)
{
	fixture *f = *state;
	mall_status st;
	control("fault", "{\"kind\":\"500\",\"path\":\"/yconnect\"}");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_TEMPORARY);
	assert_int_equal(st.http_status, 500);
	control("fault", "{\"kind\":\"429\",\"path\":\"/yconnect\"}");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_RATE_LIMITED);
	assert_int_equal(st.retry_after_ms, 1000);
	json_set_num(f->shop.options, "timeout_ms", 300);
	control("fault", "{\"kind\":\"latency\",\"ms\":1200,\"path\":\"/yconnect\"}");
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_TEMPORARY);
	/* A push that needs a token and cannot get one carries the refresh's outcome. */
	control("fault", "{\"kind\":\"500\",\"path\":\"/yconnect\"}");
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_TEMPORARY);
	assert_int_equal(it.status.outcome, MALL_TEMPORARY);
	assert_int_equal(sim_calls("setStock"), 0);
	json_set_num(f->shop.options, "timeout_ms", 3000);
	assert_int_equal(f->a->refresh(&f->shop, true, &st), MALL_OK);
}

static void test_without_public_key_orders_stop_after_the_unsigned_period(void **state)
{
	fixture *f = *state;
	mall_status st;
	orders_seen s;
	memset(&s, 0, sizeof(s));
	control("order", "{\"lines\":[{\"code\":\"a\",\"qty\":1}]}");
	cJSON_DeleteItemFromObject(f->shop.credentials, "public_key");
	time_t now = time(NULL);
	/* Unsigned calls allowed for a while (Yahoo: 12 hours of refresh token)... */
	control("signature", "{\"required\":false,\"unsigned_hours\":0.0003}");
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 1);
	/* ...then re-authorization is required: the shop stops with a message saying so. */
	usleep(1300000);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_AUTH);
	assert_non_null(strstr(st.message, "px-04102"));
}

static char *other_public_key(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(b, k);
	char *data;
	long len = BIO_get_mem_data(b, &data);
	/* The BIO's bytes are not NUL-terminated: copy exactly len of them. */
	char *pem = malloc((size_t)len + 1);
	memcpy(pem, data, (size_t)len);
	pem[len] = '\0';
	BIO_free(b);
	EVP_PKEY_free(k);
	return pem;
}

static void test_signature_checked(void **state)
{
	fixture *f = *state;
	mall_status st;
	orders_seen s;
	memset(&s, 0, sizeof(s));
	control("order", "{\"lines\":[{\"code\":\"a\",\"qty\":1}]}");
	time_t now = time(NULL);
	/* A key the simulator does not hold. */
	char *pem = other_public_key();
	json_set_str(f->shop.credentials, "public_key", pem);
	free(pem);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_AUTH);
	assert_non_null(strstr(st.message, "px-04102"));
	/* The right key but another key version. */
	json_set_str(f->shop.credentials, "public_key", public_pem);
	json_set_str(f->shop.credentials, "key_version", "2");
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_AUTH);
	/* No key at all. */
	cJSON_DeleteItemFromObject(f->shop.credentials, "public_key");
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_AUTH);
	/* Garbage instead of a PEM: refused before any call. */
	json_set_str(f->shop.credentials, "public_key", "not a key");
	json_set_str(f->shop.credentials, "key_version", "1");
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_AUTH);
	assert_int_equal(s.n, 0);
	/* Back to the right one. */
	json_set_str(f->shop.credentials, "public_key", public_pem);
	assert_int_equal(f->a->fetch_orders(&f->shop, now - 60, now + 60, collect_orders, &s, &st), MALL_OK);
	assert_int_equal(s.n, 1);
}

static void test_bad_credentials_never_reach_a_header(void **state)
{
	fixture *f = *state;
	mall_status st;
	json_set_str(f->shop.credentials, "seller_id", "Bad Seller<");
	mall_push_item it = {.item_code = "a", .sub_code = "", .wanted = 1};
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_AUTH);
	assert_int_equal(it.status.outcome, MALL_AUTH);
	json_set_str(f->shop.credentials, "seller_id", "demo-store");
	json_set_str(f->shop.credentials, "key_version", "1\r\nX-Evil: 1");
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_AUTH);
	json_set_str(f->shop.credentials, "key_version", "1");
	assert_int_equal(sim_calls("setStock"), 0);
	/* A stored token unfit for a header is replaced by a fresh one. */
	json_set_str(f->shop.credentials, "access_token", "abc\r\nX-Evil: 1");
	assert_int_equal(f->a->push(&f->shop, &it, 1, &st), MALL_OK);
	assert_null(strchr(mall_cred(&f->shop, "access_token", ""), '\n'));
}

static void test_parse_time(void **state)
{
	time_t t;
	assert_int_equal(jst_parse_time("2024-01-01T09:00:00+09:00", &t), Z_OK);
	assert_int_equal(t, 1704067200);
	assert_int_equal(jst_parse_time("2024-01-01T09:00:00", &t), Z_OK);
	assert_int_equal(t, 1704067200);
	assert_int_equal(jst_parse_time("20240101090000", &t), Z_OK);
	assert_int_equal(t, 1704067200);
	assert_int_equal(jst_parse_time("2024-01-01T00:00:00Z", &t), Z_OK);
	assert_int_equal(t, 1704067200);
	assert_int_equal(jst_parse_time("2024-01-01T09:00:00+0900", &t), Z_OK);
	assert_int_equal(t, 1704067200);
	assert_int_equal(jst_parse_time("2024-13-01T09:00:00", &t), Z_INVALID);
	assert_int_equal(jst_parse_time("2024-01-01T09:00:00+09:00x", &t), Z_INVALID);
	assert_int_equal(jst_parse_time("yesterday", &t), Z_INVALID);
	char out[32];
	jst_format(1704067200, JST_COMPACT, out, sizeof(out));
	assert_string_equal(out, "20240101090000");
	jst_format(1704067200, JST_ISO_0900, out, sizeof(out));
	assert_string_equal(out, "2024-01-01T09:00:00+0900");
}

static void test_parsers_refuse_bad_replies(void **state)
{
	mall_order o;
	char err[200];
	yahoo_stock_row *rows;
	int n;
	const char *ok = "<ResultSet><Result><Status>OK</Status><OrderInfo><OrderId>x-1</OrderId>"
	                 "<OrderStatus>2</OrderStatus><Item><ItemId>a</ItemId><Quantity>2</Quantity>"
	                 "</Item></OrderInfo></Result></ResultSet>";
	assert_int_equal(yahoo_parse_order_info(ok, strlen(ok), &o, err, sizeof(err)), Z_OK);
	assert_int_equal(o.nlines, 1);
	assert_string_equal(o.lines[0].line_key, "1");
	yahoo_order_clear(&o);
	const char *bad_qty = "<ResultSet><Result><Status>OK</Status><OrderInfo><OrderId>x-1</OrderId>"
	                      "<Item><ItemId>a</ItemId><Quantity>two</Quantity></Item></OrderInfo>"
	                      "</Result></ResultSet>";
	assert_int_equal(yahoo_parse_order_info(bad_qty, strlen(bad_qty), &o, err, sizeof(err)), Z_INVALID);
	assert_non_null(strstr(err, "Quantity"));
	const char *no_id = "<ResultSet><Result><Status>OK</Status><OrderInfo><Item><ItemId>a</ItemId>"
	                    "<Quantity>1</Quantity></Item></OrderInfo></Result></ResultSet>";
	assert_int_equal(yahoo_parse_order_info(no_id, strlen(no_id), &o, err, sizeof(err)), Z_INVALID);
	const char *ng = "<ResultSet><Result><Status>NG</Status></Result></ResultSet>";
	assert_int_equal(yahoo_parse_order_info(ng, strlen(ng), &o, err, sizeof(err)), Z_INVALID);
	const char *dtd = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><ResultSet/>";
	assert_int_equal(yahoo_parse_stock(dtd, strlen(dtd), &rows, &n, err, sizeof(err)), Z_INVALID);
	const char *trunc = "<ResultSet><Result><ItemCode>a</ItemCode>";
	assert_int_equal(yahoo_parse_stock(trunc, strlen(trunc), &rows, &n, err, sizeof(err)), Z_INVALID);
	const char *bigq = "<ResultSet><Result><ItemCode>a</ItemCode><Quantity>99999999999</Quantity>"
	                   "</Result></ResultSet>";
	assert_int_equal(yahoo_parse_stock(bigq, strlen(bigq), &rows, &n, err, sizeof(err)), Z_INVALID);
	const char *list = "<Result><Status>OK</Status><Search><TotalCount>-1</TotalCount></Search></Result>";
	yahoo_order_ref *refs;
	long long total;
	assert_int_equal(yahoo_parse_order_list(list, strlen(list), &total, &refs, &n, err, sizeof(err)),
	                 Z_INVALID);
	char code[32], msg[100];
	const char *e = "<?xml version=\"1.0\"?><Error><Message>\"seller_id\" is not specified</Message>"
	                "<Code>px-04001</Code></Error>";
	assert_true(yahoo_parse_error(e, strlen(e), code, sizeof(code), msg, sizeof(msg)));
	assert_string_equal(code, "px-04001");
	assert_string_equal(msg, "\"seller_id\" is not specified");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parsers_refuse_bad_replies),
		cmocka_unit_test_setup_teardown(test_push_sets_stock_and_refreshes_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_item_errors_stay_on_their_item, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_stock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_orders_pages_to_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_orders_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_sends_secret_in_body_when_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_token_is_refreshed_and_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_token_and_refresh_refused_is_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_beyond_timeout_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_error_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_429_is_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_pacing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_reply_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_connection_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signature_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_credentials_never_reach_a_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daily_quota_is_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_second_throttle_is_a_short_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_that_really_expired_is_renewed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_reply_is_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_endpoint_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_public_key_orders_stop_after_the_unsigned_period,
		                                setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
