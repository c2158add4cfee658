/* search_bench: the write side of the keyword search index, for tests/bench/screen_bench.sh.
 *   search_bench import SHOP_ID PREFIX N   商品データ取込 of N new products into the base shop
 *                                          (stock_import_listings creating their SKUs, one
 *                                          transaction): "import N rows S s R rows/s"
 *   search_bench build                     search_index_build from empty (force):
 *                                          "build P postings S s"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/conf.h"
#include "core/strnum.h"
#include "db/db.h"
#include "stock/search.h"
#include "stock/stock.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const materials[] = {"オーガニックコットン", "リネン", "ウール", "カシミヤ"};
static const char *const items[] = {"Tシャツ", "靴下", "ストール", "エプロン", "ﾊﾟｼﾞｬﾏ"};
static const char *const colours[] = {"白", "黒", "生成り", "グレー", "水色"};

int main(int argc, char **argv)
{
	conf *cfg = conf_load(NULL);
	db *d = cfg ? db_open(cfg) : NULL;
	if (!d || argc < 2) {
		fprintf(stderr, "usage: search_bench import SHOP_ID PREFIX N | build (ZAIKO_CONF)\n");
		return 2;
	}
	if (!strcmp(argv[1], "build")) {
		long long grams = 0;
		double t0 = now();
		if (search_index_build(d, true, &grams) != Z_OK)
			return 1;
		printf("build %lld postings %.2f s\n", grams, now() - t0);
		return 0;
	}
	long long shop = 0, n = 0;
	if (strcmp(argv[1], "import") || argc != 5 || strnum_ll(argv[2], 1, 1LL << 31, &shop) ||
	    strnum_ll(argv[4], 1, STOCK_IMPORT_MAX_ROWS, &n)) {
		fprintf(stderr, "usage: search_bench import SHOP_ID PREFIX N\n");
		return 2;
	}
	stock_listing_row *rows = calloc((size_t)n, sizeof(*rows));
	char (*codes)[48] = calloc((size_t)n, sizeof(*codes));
	char (*names)[160] = calloc((size_t)n, sizeof(*names));
	if (!rows || !codes || !names)
		return 1;
	for (long long i = 0; i < n; i++) {
		snprintf(codes[i], sizeof(codes[i]), "%s%07lld", argv[3], i);
		snprintf(names[i], sizeof(names[i]), "%s %s %s %lld", materials[i % 4], items[i % 5],
		         colours[(i / 7) % 5], i % 97);
		rows[i] = (stock_listing_row){.item_code = codes[i], .sku_code = codes[i],
		                              .name = names[i], .has_stock = true, .stock = 5};
	}
	stock_import_result res;
	double t0 = now();
	if (stock_import_listings(d, shop, rows, (int)n, true, &res) != Z_OK)
		return 1;
	double s = now() - t0;
	printf("import %lld rows %.2f s %.0f rows/s (%lld SKUs created)\n", n, s, (double)n / s,
	       (long long)res.skus_created);
	db_close(d);
	conf_free(cfg);
	free(rows);
	free(codes);
	free(names);
	return 0;
}
