/* libFuzzer target: every parser of Yahoo!ショッピング's XML replies over arbitrary bytes.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Icgi-bin \
 *   -I/usr/include/cjson tests/fuzz/fuzz_yahoo_xml.c cgi-bin/mall/yahoo_xml.c cgi-bin/core/jst.c \
 *   cgi-bin/core/buf.c cgi-bin/core/strnum.c cgi-bin/core/utf8.c -lexpat
 * Run:   ./fuzz_yahoo_xml tests/fuzz/corpus/fuzz_yahoo_xml */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "core/jst.h"
#include "mall/yahoo_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy without a NUL: the parsers must honour the length. */
	char *s = fuzz_copy(data, size, 0);
	if (!s)
		return 0;
	char err[200], code[32], msg[200];
	yahoo_stock_row *rows = NULL;
	yahoo_order_ref *refs = NULL;
	int n = 0;
	long long total;
	mall_order o;
	if (yahoo_parse_stock(s, size, &rows, &n, err, sizeof(err)) == Z_OK)
		for (int i = 0; i < n; i++)
			if (strlen(rows[i].item_code) >= sizeof(rows[i].item_code))
				abort();
	free(rows);
	if (yahoo_parse_order_list(s, size, &total, &refs, &n, err, sizeof(err)) == Z_OK && total < 0)
		abort();
	free(refs);
	if (yahoo_parse_order_info(s, size, &o, err, sizeof(err)) == Z_OK) {
		for (int i = 0; i < o.nlines; i++)
			if (o.lines[i].quantity < 0 || (o.cancelled && !o.lines[i].cancelled))
				abort();
		yahoo_order_clear(&o);
	}
	yahoo_parse_error(s, size, code, sizeof(code), msg, sizeof(msg));
	/* The time parser takes a NUL-terminated string. */
	char t[64];
	time_t when;
	size_t tl = size < sizeof(t) - 1 ? size : sizeof(t) - 1;
	memcpy(t, data, tl);
	t[tl] = '\0';
	jst_parse_time(t, &when);
	free(s);
	return 0;
}
