/* The commands that talk to malls: cycle (and --loop), fetch, push, initial-fetch. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "batch/batch.h"
#include "batch/mail.h"
#include "batch/sync.h"
#include "core/log.h"
#include "core/strnum.h"
#include "stock/stock.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* After the shops: alert mails for crossings caused by this run's orders, expiry warnings,
 * queued jobs, then every queued mail. */
static void after_shops(db *d, const conf *cfg, bool *any_failed)
{
	if (sync_alerts(d) != Z_OK)
		*any_failed = true;
	if (sync_expiry_warnings(d) != Z_OK)
		*any_failed = true;
	batch_run_jobs(d, cfg);
	if (mail_send_queued(d, cfg, 100, NULL, NULL) != Z_OK)
		log_warn("cycle: some mail could not be sent; it stays queued");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int one_cycle(db *d, const conf *cfg, bool *any_failed)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Pushes owed by a large change whose request ended before it re-queued them. */
	if (stock_recompute_pending(d) != Z_OK)
		*any_failed = true;
	int rc = sync_shops(d, cfg, NULL, SYNC_FETCH | SYNC_PUSH, any_failed);
	if (rc != Z_OK)
		return rc;
	double shops = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	after_shops(d, cfg, any_failed);
	double after = seconds_since(&t1);
	/* The per-shop lines say where a cycle's time went; this one says when it was not there. */
	if (after > 1.0)
		log_warn("cycle: shops %.3fs, alerts, jobs and mail %.3fs", shops, after);
	return Z_OK;
}

int batch_cycle(const conf *cfg, db *d, int argc, char **argv)
{
	bool loop = false;
	double interval = 5.0;
	for (int i = 1; i < argc; i++) {
		long long ms;
		if (!strcmp(argv[i], "--loop"))
			loop = true;
		else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			/* seconds, with up to three decimals: "0.5" */
			char tmp[32];
			const char *v = argv[++i];
			const char *dot = strchr(v, '.');
			if (strlen(v) >= sizeof(tmp) - 4)
				goto usage;
			if (dot) {
				char frac[4] = "000";
				size_t fl = strlen(dot + 1);
				if (fl > 3 || fl == 0)
					goto usage;
				memcpy(frac, dot + 1, fl);
				snprintf(tmp, sizeof(tmp), "%.*s%s", (int)(dot - v), v, frac);
			} else {
				snprintf(tmp, sizeof(tmp), "%s000", v);
			}
			if (strnum_ll(tmp, 10, 3600000, &ms) != Z_OK)
				goto usage;
			interval = (double)ms / 1000.0;
		} else
			goto usage;
	}
	if (!loop) {
		bool failed = false;
		if (one_cycle(d, cfg, &failed) != Z_OK)
			return BATCH_EXIT_FAILED;
		return failed ? BATCH_EXIT_FAILED : BATCH_EXIT_OK;
	}
	/* No SA_RESTART: a signal cuts the sleep short; the cycle ends between steps. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_info("cycle: looping every %.3fs", interval);
	sync_set_interval(interval);
	sync_set_stop_flag(&stop_requested);
	sync_keep_shops(true);
	while (!stop_requested) {
		bool failed = false;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		one_cycle(d, cfg, &failed);
		if (stop_requested)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double spent = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		double left = interval - spent;
		if (left > 0 && !stop_requested) {
			struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
			nanosleep(&ts, NULL);
		}
	}
	sync_keep_shops(false);
	log_info("cycle: stopped by signal");
	return BATCH_EXIT_OK;
usage:
	fprintf(stderr, "usage: zaiko-batch cycle [--loop] [--interval SECONDS]\n");
	return BATCH_EXIT_USAGE;
}

static int one_step(const conf *cfg, db *d, int argc, char **argv, int steps)
{
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: zaiko-batch %s [SHOP]\n", argv[0]);
		return BATCH_EXIT_USAGE;
	}
	bool failed = false;
	int rc = sync_shops(d, cfg, argc == 2 ? argv[1] : NULL, steps, &failed);
	if (rc == Z_NOTFOUND) {
		fprintf(stderr, "%s: no shop named '%s'\n", argv[0], argv[1]);
		return BATCH_EXIT_USAGE;
	}
	if (rc != Z_OK)
		return BATCH_EXIT_FAILED;
	if ((steps & SYNC_FETCH) && sync_alerts(d) != Z_OK)
		failed = true;
	mail_send_queued(d, cfg, 100, NULL, NULL);
	return failed ? BATCH_EXIT_FAILED : BATCH_EXIT_OK;
}

int batch_fetch(const conf *cfg, db *d, int argc, char **argv)
{
	return one_step(cfg, d, argc, argv, SYNC_FETCH);
}

int batch_push(const conf *cfg, db *d, int argc, char **argv)
{
	return one_step(cfg, d, argc, argv, SYNC_PUSH);
}

int batch_initial_fetch(const conf *cfg, db *d, int argc, char **argv)
{
	long long changed = 0;
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: zaiko-batch initial-fetch SHOP\n");
		return BATCH_EXIT_USAGE;
	}
	/* From now on this shop's orders count; older ones are recorded but never move stock.
	 * The fetch cursor starts here too (the overlap still looks a little back). */
	int rc = db_exec(d, "UPDATE shop SET order_cursor = UTC_TIMESTAMP(), "
	                    "initial_fetch_at = UTC_TIMESTAMP(), fetch_cursor = UTC_TIMESTAMP() "
	                    "WHERE name = ?",
	                 DB_ARGS(DB_S(argv[1])), &changed, NULL);
	if (rc != Z_OK)
		return BATCH_EXIT_FAILED;
	if (!changed) {
		fprintf(stderr, "initial-fetch: no shop named '%s'\n", argv[1]);
		return BATCH_EXIT_USAGE;
	}
	log_info("initial-fetch: shop '%s' counts orders from now", argv[1]);
	return BATCH_EXIT_OK;
}
