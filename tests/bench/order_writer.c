/* order_writer: applies one-line orders through the stock core (stock_apply_order) on random
 * generated SKUs, one after another, until SIGTERM; writes one line per order to OUT:
 * "start_unix_seconds latency_ms rc". A write stall (a migration's lock, a purge's batch)
 * shows as a long latency. tests/bench/history_bench.sh builds and drives it.
 *   order_writer OUT PREFIX NSKUS SHOP_ID */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/conf.h"
#include "core/strnum.h"
#include "db/db.h"
#include "stock/stock.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long long nskus = 0, shop = 0;
	if (argc != 5 || strnum_ll(argv[3], 1, 100000000, &nskus) != Z_OK ||
	    strnum_ll(argv[4], 1, 1000000000, &shop) != Z_OK) {
		fprintf(stderr, "usage: order_writer OUT PREFIX NSKUS SHOP_ID\n");
		return 2;
	}
	FILE *out = fopen(argv[1], "w");
	conf *cfg = conf_load(NULL);
	db *d = cfg ? db_open(cfg) : NULL;
	if (!out || !d) {
		fprintf(stderr, "order_writer: cannot open %s or the database\n", argv[1]);
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	unsigned seed = (unsigned)getpid() * 2654435761u;
	char no[64], item[64];
	long long n = 0, failed = 0;
	while (!stop) {
		long long i = (long long)(rand_r(&seed) % (unsigned)nskus);
		snprintf(no, sizeof(no), "ow-%d-%lld", (int)getpid(), n++);
		snprintf(item, sizeof(item), "%c%07lld", argv[2][0] | 0x20, i);
		stock_order_line ln = {.line_key = "1", .item_code = item, .quantity = 1};
		stock_order o = {.order_no = no, .ordered_at = time(NULL), .nlines = 1, .lines = &ln};
		double t0 = wall();
		int rc = stock_apply_order(d, shop, &o, NULL);
		double t1 = wall();
		if (rc != Z_OK)
			failed++;
		fprintf(out, "%.3f %.1f %d\n", t0, (t1 - t0) * 1000.0, rc);
		fflush(out);
	}
	fclose(out);
	db_close(d);
	conf_free(cfg);
	fprintf(stderr, "order_writer: %lld orders, %lld failed\n", n, failed);
	return failed ? 1 : 0;
}
