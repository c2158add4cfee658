/* pace: the waiting every adapter does before a call: a minimum interval between calls of one
 * kind (Yahoo, 楽天) and token buckets (Amazon's per operation, Shopify's query cost). */
#ifndef ZAIKO_PACE_H
#define ZAIKO_PACE_H

#include <time.h>
#include "core/zaiko.h"

/* A token bucket on the monotonic clock: level tokens at time at (seconds), refilled at rate
 * per second up to capacity. */
typedef struct {
	double level;
	double rate;
	double capacity;
	double at;
} mall_bucket;

/* Monotonic seconds (CLOCK_MONOTONIC): for intervals only, never a wall time. */
double mall_mono_now(void);
/* Sleeps ms milliseconds, resuming after signals. */
void mall_sleep_ms(long ms);
/* Waits until min_ms have passed since *last (no wait on the first call, a zero *last, or when
 * min_ms <= 0), then sets *last to now. */
void mall_pace(struct timespec *last, long long min_ms);
/* Refills b up to now. Returns 0 when it holds cost tokens (removed when take; b is left as it
 * was when !take), else the milliseconds until it will (rounded up). rate must be > 0. */
long mall_bucket_need(mall_bucket *b, double cost, bool take);

#endif
