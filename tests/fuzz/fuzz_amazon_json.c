/* libFuzzer target: every parser of Amazon's replies over arbitrary bytes.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Icgi-bin \
 *   -I/usr/include/cjson tests/fuzz/fuzz_amazon_json.c cgi-bin/mall/amazon_json.c \
 *   cgi-bin/mall/json_field.c cgi-bin/core/jst.c -lcjson -lm
 * Run:   ./fuzz_amazon_json tests/fuzz/corpus/fuzz_amazon_json */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mall/amazon_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char a[256], b[256];
	long ttl;
	bool flag;
	int q;
	time_t t;
	amazon_orders_page op;
	amazon_items_page ip;
	amazon_parse_time(s, &t);
	amazon_parse_token(s, size, a, sizeof(a), &ttl, b, sizeof(b));
	amazon_parse_lwa_error(s, size, a, sizeof(a));
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
