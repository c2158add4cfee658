/* order_writer: applies one-line orders on random generated SKUs, one after another, until
 * SIGTERM; writes one line per order to OUT: "start_unix_seconds latency_ms rc". A write stall
 * (a migration's lock, a purge's batch) shows as a long latency. tests/bench/history_bench.sh
 * builds and drives it.
 *   order_writer OUT PREFIX NSKUS SHOP_ID
 * The migration bench starts at sql/001 and applies every later migration under it, so the
 * writer cannot be the stock core of today (stock_apply_order reads columns of later
 * migrations and would be refused until they are applied). It does what applying an order
 * writes, in plain SQL on sql/001's columns only, in one transaction, in the core's order:
 * the order and its line, the listing looked up by its code, the SKU locked and its total
 * lowered, a stock_move (reason 'order', ref the order number), the SKU's listings' wanted
 * and a pending push for each of them. The same rows and indexes every migration's ALTER
 * touches are written, at every schema step. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/conf.h"
#include "core/strnum.h"
#include "db/db.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* One order in one transaction; Z_OK when applied. */
static int apply_order(db *d, long long shop, const char *no, const char *item)
{
	db_res *r = NULL;
	long long order_id = 0, listing = 0, sku = 0, total = 0;
	int rc = db_begin(d);
	if (rc == Z_OK)
		rc = db_exec(d, "INSERT INTO mall_order (shop_id, order_no, status, ordered_at, "
		                "mall_updated_at, fetched_at) VALUES (?, ?, 'new', UTC_TIMESTAMP(), "
		                "UTC_TIMESTAMP(), UTC_TIMESTAMP())",
		             DB_ARGS(DB_I(shop), DB_S(no)), NULL, &order_id);
	if (rc == Z_OK)
		rc = db_queryv(d, &r, "SELECT id, sku_id FROM listing WHERE shop_id = ? AND "
		                      "item_code = ? AND sub_code = ''", DB_I(shop), DB_S(item));
	if (rc == Z_OK && (r->nrows != 1 || !db_get(r, 0, 1)))
		rc = Z_NOTFOUND;
	if (rc == Z_OK) {
		listing = db_get_ll(r, 0, 0, 0);
		sku = db_get_ll(r, 0, 1, 0);
	}
	db_res_free(r);
	if (rc == Z_OK)
		rc = db_query_ll(d, "SELECT total FROM sku WHERE id = ? FOR UPDATE", DB_ARGS(DB_I(sku)), 0,
		                 &total);
	total -= 1;
	if (rc == Z_OK)
		rc = db_execv(d, "UPDATE sku SET total = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
		              DB_I(total), DB_I(sku));
	if (rc == Z_OK)
		rc = db_execv(d, "INSERT INTO stock_move (sku_id, delta, total_after, reason, ref, "
		                 "created_at) VALUES (?, -1, ?, 'order', ?, UTC_TIMESTAMP(3))",
		              DB_I(sku), DB_I(total), DB_S(no));
	if (rc == Z_OK)
		rc = db_execv(d, "INSERT INTO mall_order_line (order_id, line_key, item_code, quantity, "
		                 "listing_id, sku_id, applied, state) VALUES (?, '1', ?, 1, ?, ?, 1, "
		                 "'applied')",
		              DB_I(order_id), DB_S(item), DB_I(listing), DB_I(sku));
	if (rc == Z_OK)
		rc = db_execv(d, "UPDATE listing SET wanted = GREATEST(?, 0) WHERE sku_id = ? AND sync = 1",
		              DB_I(total), DB_I(sku));
	if (rc == Z_OK)
		rc = db_execv(d, "INSERT INTO push (listing_id, shop_id, wanted, why, created_at) "
		                 "SELECT id, shop_id, GREATEST(?, 0), 'order_writer', UTC_TIMESTAMP() "
		                 "FROM listing WHERE sku_id = ? AND sync = 1 AND id <> ? "
		                 "ON DUPLICATE KEY UPDATE wanted = VALUES(wanted)",
		              DB_I(total), DB_I(sku), DB_I(listing));
	if (rc == Z_OK)
		rc = db_commit(d);
	if (rc != Z_OK) {
		static int told;
		if (told++ < 20)
			fprintf(stderr, "order_writer: %s refused: %s\n", no,
			        rc == Z_NOTFOUND ? "no linked listing" : db_error(d));
		if (db_in_transaction(d))
			db_rollback(d);
	}
	return rc;
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
		double t0 = wall();
		/* A deadlock or lock wait timeout is retried (up to 3 times): the wait is part of
		 * the order's latency, as it would be for the batch. */
		int rc = apply_order(d, shop, no, item);
		for (int tries = 1; rc != Z_OK && tries < 4 && db_retryable(d); tries++)
			rc = apply_order(d, shop, no, item);
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
