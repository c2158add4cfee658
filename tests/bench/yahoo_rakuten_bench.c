/* yahoo_rakuten_bench: stock pushes and order fetches per second through the Yahoo and Rakuten
 * adapters against their loopback simulators with limits and pacing off, beside the bare
 * HTTP round trip to the same simulator (the floor, taken before the pushes and after the
 * fetch): each HTTP call of the adapter as a ratio to it. Run from the repository root.
 *   yahoo_rakuten_bench [ITEMS] [ORDERS]     (defaults 5000 and 200) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/strnum.h"
#include "mall/mall.h"
#include "simctl.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_order(const mall_order *o, void *ctx)
{
	(void)o;
	(*(int *)ctx)++;
	return 0;
}

/* Mall API requests the simulator has logged (its last 1,000; control calls are not logged),
 * or -1. */
static int logged(sim *s)
{
	buf b = BUF_INIT;
	int n = -1;
	if (sim_control(s, "log", NULL, &b) == 200) {
		cJSON *root = cJSON_Parse(buf_str(&b));
		cJSON *reqs = cJSON_GetObjectItem(root, "requests");
		n = cJSON_IsArray(reqs) ? cJSON_GetArraySize(reqs) : -1;
		cJSON_Delete(root);
	}
	buf_free(&b);
	return n;
}

/* The bare round trip: the simulator's most trivial call (POST /_control/limits, a no-op while
 * limits are off), seconds a call. */
static double floor_call(sim *s, int rounds)
{
	double t0 = now_s();
	for (int i = 0; i < rounds; i++)
		sim_control(s, "limits", "{\"enabled\":false}", NULL);
	return (now_s() - t0) / rounds;
}

static int bench(const char *mall, int nitems, int norders)
{
	sim s;
	mall_shop shop;
	mall_status st;
	int rc = 1;
	char (*codes)[32] = calloc((size_t)nitems, sizeof(*codes));
	mall_push_item *items = calloc((size_t)nitems, sizeof(*items));
	if (!codes || !items || sim_start(&s, mall)) {
		fprintf(stderr, "%s: cannot start the simulator\n", mall);
		free(codes);
		free(items);
		return 1;
	}
	const mall_adapter *a = mall_adapter_for(mall);
	memset(&shop, 0, sizeof(shop));
	shop.mall = mall;
	shop.api_base = s.base;
	http_allow_local(true); /* the simulators listen on loopback */
	shop.http = http_client_new(30000, true);
	shop.options = cJSON_Parse("{\"pace_ms\":0,\"order_pace_ms\":0,\"read_pace_ms\":0}");
	sim_control(&s, "limits", "{\"enabled\":false}", NULL);
	if (!strcmp(mall, "yahoo")) {
		buf out = BUF_INIT;
		sim_control(&s, "credentials", NULL, &out);
		shop.credentials = cJSON_Parse(buf_str(&out));
		buf_free(&out);
	} else {
		shop.credentials = cJSON_Parse("{\"service_secret\":\"SP000000_demoSecret\","
		                               "\"license_key\":\"SL000000_demoLicense\"}");
	}
	for (int i = 0; i < nitems; i++) {
		snprintf(codes[i], sizeof(codes[i]), "bench-%d", i);
		items[i] = (mall_push_item){.listing_id = i, .item_code = codes[i], .sub_code = "v1", .wanted = i % 100};
	}
	/* Registered items, so Yahoo echoes every one back. */
	buf seed = BUF_INIT;
	buf_puts(&seed, "{\"items\":[");
	for (int i = 0; i < nitems; i++)
		buf_printf(&seed, "%s{\"code\":\"%s\",\"sub\":\"v1\",\"stock\":1}", i ? "," : "", codes[i]);
	buf_puts(&seed, "]}");
	sim_control(&s, "items", buf_str(&seed), NULL);
	buf_free(&seed);
	a->refresh(&shop, false, &st);

	double floor_before = floor_call(&s, 200);

	int batch = a->max_push_batch, calls = 0, bad = 0;
	double t0 = now_s();
	for (int i = 0; i < nitems; i += batch, calls++) {
		int m = nitems - i < batch ? nitems - i : batch;
		if (a->push(&shop, items + i, m, &st) != MALL_OK)
			bad++;
		for (int k = i; k < i + m; k++)
			if (items[k].status.outcome != MALL_OK)
				bad++;
	}
	double push_s = now_s() - t0;

	for (int i = 0; i < norders; i++)
		sim_control(&s, "order", "{\"lines\":[{\"code\":\"bench-1\",\"sub\":\"v1\",\"qty\":1},"
		                         "{\"code\":\"bench-2\",\"sub\":\"v1\",\"qty\":2}]}", NULL);
	int seen = 0, log0 = logged(&s);
	time_t now = time(NULL);
	t0 = now_s();
	mall_outcome oc = a->fetch_orders(&shop, now - 600, now + 60, count_order, &seen, &st);
	double fetch_s = now_s() - t0;
	int log1 = logged(&s);
	/* The log keeps 1,000 requests: a fetch that filled it has an unknown count. */
	int fcalls = log0 >= 0 && log1 > log0 && log1 < 1000 ? log1 - log0 : -1;
	double floor_s = (floor_before + floor_call(&s, 200)) / 2;

	double push_call = push_s / calls, fetch_call = fcalls > 0 ? fetch_s / fcalls : 0;
	printf("%-8s HTTP floor %5.2f ms/call | push %d items in %d calls: %7.0f items/s, %6.2f ms/call"
	       " = %6.1f x floor (%d failed) | fetch %d orders",
	       mall, floor_s * 1000, nitems, calls, nitems / push_s, push_call * 1000,
	       push_call / floor_s, bad, seen);
	if (fcalls > 0)
		printf(" in %d calls: %6.0f orders/s, %5.2f ms/call = %5.1f x floor", fcalls,
		       seen / fetch_s, fetch_call * 1000, fetch_call / floor_s);
	else
		printf(": %6.0f orders/s (calls not counted)", seen / fetch_s);
	printf("%s\n", oc == MALL_OK ? "" : " (fetch failed)");
	rc = bad || oc != MALL_OK || seen != norders;
	a->release(&shop);
	cJSON_Delete(shop.credentials);
	cJSON_Delete(shop.options);
	http_client_free(shop.http);
	sim_stop(&s);
	free(codes);
	free(items);
	return rc;
}

int main(int argc, char **argv)
{
	int nitems = 5000, norders = 200;
	if ((argc > 1 && strnum_int(argv[1], 1, 1000000, &nitems) != Z_OK) ||
	    (argc > 2 && strnum_int(argv[2], 0, 100000, &norders) != Z_OK)) {
		fprintf(stderr, "usage: yahoo_rakuten_bench [ITEMS] [ORDERS]\n");
		return 2;
	}
	int rc = bench("yahoo", nitems, norders);
	rc |= bench("rakuten", nitems, norders);
	printf("floor: the bare HTTP round trip to the same simulator through the same client (POST\n"
	       "/_control/limits, a no-op), 200 calls before the pushes and 200 after the fetch. x floor: an\n"
	       "adapter's call (building, sending, parsing; the simulator's own work included) per bare round\n"
	       "trip. The simulators are single-process Python, so the figures bound the adapters from below.\n");
	return rc;
}
