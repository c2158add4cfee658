/* libFuzzer target: every parser of Amazon's replies over arbitrary bytes, and the OAuth 2.0
 * token answer every adapter with expiring tokens reads (mall/oauth.c), strict and lenient.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Icgi-bin \
 *   -I/usr/include/cjson tests/fuzz/fuzz_amazon_json.c cgi-bin/mall/amazon_json.c \
 *   cgi-bin/mall/json_field.c cgi-bin/core/jst.c -lcjson -lm
 * Run:   ./fuzz_amazon_json tests/fuzz/corpus/fuzz_amazon_json */
#include <stdlib.h>
#include "fuzz.h"
#include "mall/amazon_json.h"
#include "mall/oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size, 1);
	if (!s)
		return 0;
	char a[256], b[256];
	bool flag;
	int q;
	time_t t;
	amazon_orders_page op;
	amazon_items_page ip;
	amazon_parse_time(s, &t);
	static mall_token_reply tok;
	const mall_oauth strict = {.label = "Amazon", .default_ttl = 3600, .strict_ttl = true,
	                           .rotate = false};
	const mall_oauth lenient = {.label = "BASE", .max_token = 1000, .default_ttl = 0,
	                            .rotate = true};
	mall_oauth_parse(&strict, s, size, &tok, b, sizeof(b));
	mall_oauth_parse(&lenient, s, size, &tok, b, sizeof(b));
	amazon_parse_errors(s, size, a, 16, b, sizeof(b));
	amazon_parse_submission(s, size, &flag, a, sizeof(a), b, sizeof(b));
	amazon_parse_listing(s, size, "DEFAULT", &q, &flag, b, sizeof(b));
	if (amazon_parse_orders(s, size, &op, b, sizeof(b)) == 0)
		amazon_orders_page_free(&op);
	if (amazon_parse_order_items(s, size, &ip, b, sizeof(b)) == 0)
		amazon_items_page_free(&ip);
	free(s);
	return 0;
}
