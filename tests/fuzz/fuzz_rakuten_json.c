/* libFuzzer target: every parser of 楽天 RMS's JSON replies over arbitrary bytes.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Icgi-bin \
 *   -I/usr/include/cjson tests/fuzz/fuzz_rakuten_json.c cgi-bin/mall/rakuten_json.c \
 *   cgi-bin/core/jst.c cgi-bin/core/utf8.c cgi-bin/core/buf.c -lcjson -lm
 * Run:   ./fuzz_rakuten_json tests/fuzz/corpus/fuzz_rakuten_json */
#include <stdlib.h>
#include "fuzz.h"
#include "mall/rakuten_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size, 0);
	if (!s)
		return 0;
	char err[200], code[32], msg[200];
	rakuten_inventory *rows = NULL;
	rakuten_error *errs = NULL;
	char (*nums)[64] = NULL;
	mall_order *orders = NULL;
	int n = 0;
	long long total, pages;
	time_t t;
	rakuten_parse_inventories(s, size, &rows, &n, err, sizeof(err));
	free(rows);
	if (rakuten_parse_errors(s, size, &errs, &n) == Z_OK)
		for (int i = 0; i < n; i++)
			if (errs[i].item < -1)
				abort();
	free(errs);
	rakuten_first_error(s, size, code, sizeof(code), msg, sizeof(msg));
	if (rakuten_parse_search(s, size, &nums, &n, &total, &pages, err, sizeof(err)) == Z_OK &&
	    (total < 0 || pages < 0))
		abort();
	free(nums);
	for (int pending = 0; pending < 2; pending++) {
		if (rakuten_parse_orders(s, size, pending, &orders, &n, err, sizeof(err)) == Z_OK) {
			for (int i = 0; i < n; i++)
				for (int k = 0; k < orders[i].nlines; k++)
					if (orders[i].cancelled && !orders[i].lines[k].cancelled)
						abort();
			rakuten_orders_free(orders, n);
		}
	}
	rakuten_parse_expiry(s, size, &t, err, sizeof(err));
	free(s);
	return 0;
}
