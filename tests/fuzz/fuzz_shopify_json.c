/* libFuzzer target: every parser of Shopify's GraphQL replies over arbitrary bytes.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Icgi-bin \
 *   -I/usr/include/cjson tests/fuzz/fuzz_shopify_json.c cgi-bin/mall/shopify_json.c \
 *   cgi-bin/mall/json_field.c cgi-bin/core/jst.c -lcjson -lm
 * Run:   ./fuzz_shopify_json tests/fuzz/corpus/fuzz_shopify_json */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "mall/shopify_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size, 1);
	if (!s)
		return 0;
	char err[128];
	time_t t;
	shopify_parse_time(s, &t);
	shopify_reply r;
	if (shopify_parse_reply(s, size, &r, err, sizeof(err)) == 0) {
		shopify_variant *v;
		shopify_user_error *ue;
		shopify_orders_page page;
		int n;
		if (shopify_parse_variants(r.data, &v, &n, err, sizeof(err)) == 0)
			free(v);
		if (shopify_parse_set_result(r.data, &ue, &n, err, sizeof(err)) == 0)
			free(ue);
		if (shopify_parse_orders(r.data, &page, err, sizeof(err)) == 0)
			shopify_orders_page_free(&page);
		shopify_order o;
		memset(&o, 0, sizeof(o));
		shopify_parse_order_lines(r.data, &o, err, sizeof(err));
		free(o.order.lines);
		shopify_reply_free(&r);
	}
	free(s);
	return 0;
}
