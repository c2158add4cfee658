/* pace: minimum intervals and token buckets on the monotonic clock, shared by the adapters. */
#include <errno.h>
#include <math.h>
#include "mall/pace.h"

double mall_mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mall_sleep_ms(long ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void mall_pace(struct timespec *last, long long min_ms)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (min_ms > 0 && (last->tv_sec || last->tv_nsec)) {
		long long waited = (now.tv_sec - last->tv_sec) * 1000LL + (now.tv_nsec - last->tv_nsec) / 1000000;
		if (waited >= 0 && waited < min_ms) {
			mall_sleep_ms((long)(min_ms - waited));
			clock_gettime(CLOCK_MONOTONIC, &now);
		}
	}
	*last = now;
}

long mall_bucket_need(mall_bucket *b, double cost, bool take)
{
	double now = mall_mono_now();
	double level = fmin(b->capacity, b->level + (now - b->at) * b->rate);
	if (take) {
		b->level = level;
		b->at = now;
	}
	if (level >= cost) {
		if (take)
			b->level -= cost;
		return 0;
	}
	return (long)ceil((cost - level) / b->rate * 1000);
}
