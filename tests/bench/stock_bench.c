/* stock_bench: timing loops for the stock core on a generated stack (tests/bench/stock_bench.sh
 * builds and drives it). Prints one line per figure, each beside a baseline measured just
 * before it in the same run, on the same server, connections and processes, and their ratio:
 *   stock_bench orders N PROCS PREFIX NSKUS [PAGE]  N one-line orders from PROCS processes,
 *                                             PAGE orders per transaction (default 1);
 *                                             baseline: bare commits of PAGE one-row inserts
 *   stock_bench claim SHOP_ID BATCH           claim + done of every pending push of a shop;
 *                                             baseline: two commits of BATCH rows updated by
 *                                             primary key per batch
 *   stock_bench queries REPEAT                the push queue and drift queries, p50/p99;
 *                                             baseline: 100 rows read by primary key
 * The baselines write only to bench_floor, a table of the bench's own (the stack is private). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/conf.h"
#include "core/strnum.h"
#include "db/db.h"
#include "stock/stock.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static db *open_db(void)
{
	conf *cfg = conf_load(NULL);
	db *d = cfg ? db_open(cfg) : NULL;
	if (!d) {
		fprintf(stderr, "stock_bench: no database (ZAIKO_CONF?)\n");
		exit(1);
	}
	/* cfg stays alive with the connection for its reconnects */
	return d;
}

static long long arg(const char *s)
{
	long long v = 0;
	if (strnum_ll(s, 0, 1000000000LL, &v) != Z_OK) {
		fprintf(stderr, "stock_bench: bad number %s\n", s);
		exit(2);
	}
	return v;
}

#define MAX_PAGE 100

/* The baselines' table: never one of the application's. */
static void floor_table(db *d)
{
	if (db_execv(d, "CREATE TABLE IF NOT EXISTS bench_floor (id BIGINT NOT NULL PRIMARY KEY, "
	                "v BIGINT NOT NULL) ENGINE=InnoDB") != Z_OK) {
		fprintf(stderr, "stock_bench: cannot create bench_floor: %s\n", db_error(d));
		exit(1);
	}
}

/* The baseline of an order: a transaction of page one-row inserts and its commit, the
 * least a durable write of page orders costs on this server. */
static int floor_worker(int proc, long long n, int page)
{
	db *d = open_db();
	int failures = 0;
	long long base = ((long long)getpid() * 1000 + proc) * 1000000LL;
	for (long long i = 0; i < n; i += page) {
		int rc = db_begin(d);
		for (int k = 0; rc == Z_OK && k < page && i + k < n; k++)
			rc = db_execv(d, "INSERT INTO bench_floor (id, v) VALUES (?, ?)", DB_I(base + i + k),
			              DB_I(k));
		rc = rc == Z_OK ? db_commit(d) : (db_rollback(d), Z_ERR);
		if (rc != Z_OK)
			failures++;
	}
	db_close(d);
	return failures ? 1 : 0;
}

/* Applies n one-line orders on random SKUs, page orders per call (1 = stock_apply_order). */
static int order_worker(int proc, long long n, const char *prefix, long long nskus,
                        long long shop_id, int page)
{
	db *d = open_db();
	unsigned r = (unsigned)(proc * 7919 + time(NULL));
	int failures = 0;
	static char no[MAX_PAGE][64], item[MAX_PAGE][64];
	stock_order_line ln[MAX_PAGE];
	stock_order o[MAX_PAGE];
	for (long long i = 0; i < n; i += page) {
		int k = 0;
		for (; k < page && i + k < n; k++) {
			snprintf(no[k], sizeof(no[k]), "bench-%d-%ld-%lld", proc, (long)getpid(), i + k);
			snprintf(item[k], sizeof(item[k]), "%s%07lld", prefix,
			         (long long)(rand_r(&r) % nskus));
			for (char *p = item[k]; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p += 'a' - 'A';
			ln[k] = (stock_order_line){.line_key = "1", .item_code = item[k], .quantity = 1};
			o[k] = (stock_order){.order_no = no[k], .ordered_at = time(NULL), .nlines = 1,
			                     .lines = &ln[k]};
		}
		int rc = page == 1 ? stock_apply_order(d, shop_id, &o[0], NULL)
		                   : stock_apply_orders(d, shop_id, o, k, NULL, NULL);
		if (rc != Z_OK)
			failures++;
	}
	db_close(d);
	return failures ? 1 : 0;
}

/* Runs worker(proc) in procs processes; seconds taken, *failed the processes that failed. */
static double in_procs(long long procs, int (*worker)(int proc, void *ctx), void *ctx, int *failed)
{
	double t0 = now();
	for (long long p = 0; p < procs; p++)
		if (fork() == 0)
			_exit(worker((int)p, ctx));
	for (long long p = 0; p < procs; p++) {
		int st = 0;
		wait(&st);
		*failed += !WIFEXITED(st) || WEXITSTATUS(st);
	}
	return now() - t0;
}

typedef struct {
	long long n, nskus, shop_id;
	const char *prefix;
	int page;
} orders_job;

static int run_orders(int proc, void *ctx)
{
	const orders_job *j = ctx;
	return order_worker(proc, j->n, j->prefix, j->nskus, j->shop_id, j->page);
}

static int run_floor(int proc, void *ctx)
{
	const orders_job *j = ctx;
	return floor_worker(proc, j->n, j->page);
}

static int bench_orders(long long n, long long procs, const char *prefix, long long nskus,
                        int page)
{
	db *d = open_db();
	long long shop_id = 0, pending0 = 0, pending1 = 0;
	db_query_ll(d, "SELECT MIN(id) FROM shop", NULL, 0, 0, &shop_id);
	db_query_ll(d, "SELECT COUNT(*) FROM push WHERE state = 'pending'", NULL, 0, 0, &pending0);
	floor_table(d);
	db_execv(d, "TRUNCATE TABLE bench_floor");
	db_close(d);
	/* The baseline first: a quarter as many orders (at least 100 transactions a process), same
	 * processes and page. */
	long long fn = n / 4 / procs < 100LL * page ? 100LL * page : n / 4 / procs;
	int ffailed = 0, failed = 0;
	orders_job fj = {fn, nskus, shop_id, prefix, page};
	double ft = in_procs(procs, run_floor, &fj, &ffailed);
	double frate = (double)(fn * procs) / ft;
	orders_job oj = {n / procs, nskus, shop_id, prefix, page};
	double t = in_procs(procs, run_orders, &oj, &failed);
	double rate = (double)(n / procs * procs) / t;
	d = open_db();
	db_query_ll(d, "SELECT COUNT(*) FROM push WHERE state = 'pending'", NULL, 0, 0, &pending1);
	db_execv(d, "TRUNCATE TABLE bench_floor");
	db_close(d);
	printf("orders: %lld one-line orders from %lld processes, %d per transaction, in %.2f s = "
	       "%.0f lines/s (pending pushes %lld → %lld)%s\n",
	       n / procs * procs, procs, page, t, rate, pending0, pending1,
	       failed ? " — SOME FAILED" : "");
	printf("  baseline: %lld bare commits of %d one-row insert%s from %lld processes = %.0f rows/s%s;"
	       " ratio %.2f (baseline rate / orders rate)\n",
	       (fn + page - 1) / page * procs, page, page == 1 ? "" : "s", procs, frate,
	       ffailed ? " — SOME FAILED" : "", rate > 0 ? frate / rate : 0.0);
	return failed || ffailed ? 1 : 0;
}

/* The baseline of claim + done: per batch, two commits of batch rows updated by primary key
 * (the claim's and the done's), over as many rows as were claimed. */
static double claim_floor(db *d, long long rows, long long batch)
{
	floor_table(d);
	db_execv(d, "TRUNCATE TABLE bench_floor");
	db_execv(d, "INSERT INTO bench_floor (id, v) SELECT seq, 0 FROM seq_1_to_1000000 WHERE seq <= ?",
	         DB_I(batch));
	double t0 = now();
	for (long long done = 0; done < rows; done += batch)
		for (int round = 0; round < 2; round++) {
			int rc = db_begin(d);
			if (rc == Z_OK)
				rc = db_execv(d, "UPDATE bench_floor SET v = v + 1 WHERE id BETWEEN 1 AND ?",
				              DB_I(rows - done < batch ? rows - done : batch));
			if ((rc == Z_OK ? db_commit(d) : (db_rollback(d), Z_ERR)) != Z_OK)
				return -1;
		}
	double t = now() - t0;
	db_execv(d, "TRUNCATE TABLE bench_floor");
	return t;
}

static int bench_claim(long long shop_id, long long batch)
{
	db *d = open_db();
	double t0 = now();
	long long sent = 0;
	for (;;) {
		stock_push *p = NULL;
		int n = 0;
		if (stock_claim_pushes(d, shop_id, (int)batch, &p, &n) != Z_OK)
			return 1;
		if (n == 0)
			break;
		stock_push_outcome *o = calloc((size_t)n, sizeof(*o));
		for (int i = 0; i < n; i++)
			o[i] = (stock_push_outcome){p[i].id, true, p[i].wanted, "bench", 0};
		if (stock_push_done_many(d, o, n) != Z_OK)
			return 1;
		free(o);
		sent += n;
		free(p);
	}
	double t = now() - t0;
	double ft = claim_floor(d, sent, batch);
	printf("claim+done: %lld pushes of shop %lld in %.2f s = %.0f pushes/s (batches of %lld)\n",
	       sent, shop_id, t, t > 0 ? (double)sent / t : 0.0, batch);
	if (ft > 0)
		printf("  baseline: 2 commits of %lld rows updated by primary key a batch, %lld rows = %.0f rows/s;"
		       " ratio %.2f (claim+done time / baseline time)\n",
		       batch, sent, (double)sent / ft, t / ft);
	else
		printf("  baseline: FAILED: %s\n", db_error(d));
	db_close(d);
	return ft > 0 ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* p50 and p99 of the baseline (timed sets them when label is NULL). */
static double base_p50, base_p99;

static void timed(db *d, const char *label, const char *sql, const db_val *p, int np,
                  int repeat)
{
	double *ms = calloc((size_t)repeat, sizeof(double));
	int rows = 0;
	for (int i = 0; i < repeat; i++) {
		db_res *r = NULL;
		double t0 = now();
		if (db_query(d, sql, p, np, &r) != Z_OK) {
			printf("%-34s FAILED: %s\n", label, db_error(d));
			free(ms);
			return;
		}
		ms[i] = (now() - t0) * 1000;
		rows = r->nrows;
		db_res_free(r);
	}
	qsort(ms, (size_t)repeat, sizeof(double), cmp_double);
	double p50 = ms[repeat / 2], p99 = ms[(repeat * 99) / 100 >= repeat ? repeat - 1 : (repeat * 99) / 100];
	if (!strncmp(label, "baseline", 8)) {
		base_p50 = p50;
		base_p99 = p99;
		printf("%-38s p50 %7.2f ms  p99 %7.2f ms  (%d rows)\n", label, p50, p99, rows);
	} else {
		printf("%-38s p50 %7.2f ms  p99 %7.2f ms  (%d rows)  ratio p50 %6.1f  p99 %6.1f\n", label,
		       p50, p99, rows, base_p50 > 0 ? p50 / base_p50 : 0.0, base_p99 > 0 ? p99 / base_p99 : 0.0);
	}
	free(ms);
}

static int bench_queries(int repeat)
{
	db *d = open_db();
	long long listings = 0, pending = 0, drift = 0, shop_id = 0;
	db_query_ll(d, "SELECT COUNT(*) FROM listing", NULL, 0, 0, &listings);
	db_query_ll(d, "SELECT COUNT(*) FROM push WHERE state = 'pending'", NULL, 0, 0, &pending);
	db_query_ll(d, "SELECT MIN(id) FROM shop", NULL, 0, 0, &shop_id);
	stock_drift_count(d, &drift);
	printf("data: %lld listings, %lld pending pushes, %lld drifting SKUs\n", listings, pending,
	       drift);
	/* The floor of a 100-row page: the same round trip and row count by primary key. */
	timed(d, "baseline: 100 listings by primary key",
	      "SELECT id, sku_id, mall_stock, wanted FROM listing ORDER BY id LIMIT 100", NULL, 0,
	      repeat);
	db_val shop[] = {DB_I(shop_id)};
	/* The claim's own order (stock_claim_pushes: bulk, id; sql/160's ix_queue_shop_bulk). */
	timed(d, "push queue of one shop (100)",
	      "SELECT id, listing_id, wanted FROM push WHERE state = 'pending' AND shop_id = ? "
	      "AND (next_try_at IS NULL OR next_try_at <= UTC_TIMESTAMP()) ORDER BY bulk, id LIMIT 100",
	      shop, 1, repeat);
	timed(d, "push queue, all shops (100)",
	      "SELECT id, listing_id, wanted FROM push WHERE state = 'pending' "
	      "AND (next_try_at IS NULL OR next_try_at <= UTC_TIMESTAMP()) ORDER BY id LIMIT 100",
	      NULL, 0, repeat);
	timed(d, "pending pushes per shop (count)",
	      "SELECT shop_id, COUNT(*) FROM push WHERE state = 'pending' GROUP BY shop_id", NULL, 0,
	      repeat);
	timed(d, "drift count (sku.drift)", "SELECT COUNT(*) FROM sku WHERE drift = 1", NULL, 0,
	      repeat);
	db_val first[] = {DB_S(""), DB_I(100)};
	timed(d, "drift page of 100 (sku.drift)",
	      "SELECT id, code, name, total FROM sku WHERE drift = 1 AND code > ? ORDER BY code "
	      "LIMIT ?",
	      first, 2, repeat);
	timed(d, "drifting listings page (listing.drift)",
	      "SELECT l.id, l.sku_id, l.mall_stock, l.wanted FROM listing l WHERE l.drift = 1 "
	      "ORDER BY l.sku_id LIMIT 100",
	      NULL, 0, repeat);
	printf("ratio: each query's p50 and p99 over the baseline's (measured first, same connection)\n");
	db_close(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "orders")) {
		long long page = argc >= 7 ? arg(argv[6]) : 1;
		if (page < 1 || page > MAX_PAGE)
			return 2;
		return bench_orders(arg(argv[2]), arg(argv[3]), argv[4], arg(argv[5]), (int)page);
	}
	if (argc >= 4 && !strcmp(argv[1], "claim"))
		return bench_claim(arg(argv[2]), arg(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "queries"))
		return bench_queries((int)arg(argv[2]));
	fprintf(stderr, "usage: stock_bench orders N PROCS PREFIX NSKUS [PAGE] | claim SHOP BATCH | "
	                "queries REPEAT\n");
	return 2;
}
