/* The recompute command: wanted stock, pending pushes, drift flags and search documents of
 * everything, rebuilt in bulk (after a data load, a restore or a rule change). */
#include <stdio.h>
#include <time.h>
#include "batch/batch.h"
#include "core/log.h"
#include "stock/stock.h"

int batch_recompute(const conf *cfg, db *d, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "usage: zaiko-batch recompute\n");
		return BATCH_EXIT_USAGE;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long long listings = 0, docs = 0, pending = 0, drifting = 0;
	if (stock_recompute_all(d, &listings, &docs, &pending) != Z_OK ||
	    stock_drift_count(d, &drifting) != Z_OK) {
		log_error("recompute: failed");
		return BATCH_EXIT_FAILED;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("recompute: %lld listings, %lld search documents rewritten, %lld pushes pending, "
	       "%lld SKUs drifting, %.1f s\n",
	       listings, docs, pending, drifting, s);
	return BATCH_EXIT_OK;
}
