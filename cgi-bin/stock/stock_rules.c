/* stock_rules: the pure stock rules: wanted stock, floor/cap, bounds, set arithmetic, search
 * normalisation. No database here, so tests/unit can check every edge. */
#include <stdio.h>
#include <string.h>
#include "core/smsg.h"
#include "stock/search.h"
#include "stock/stock.h"
#include "stock/stock_int.h"

int stock_check_floor_cap(bool has_min, int min, bool has_max, int max, const char **why)
{
	*why = NULL;
	if (has_min && (min < 0 || min > STOCK_QTY_MAX)) {
		*why = "msg.stock.min_range";
		return Z_INVALID;
	}
	if (has_max && (max < 0 || max > STOCK_QTY_MAX)) {
		*why = "msg.stock.max_range";
		return Z_INVALID;
	}
	if (has_min && has_max && min > max) {
		*why = "msg.stock.min_above_max";
		return Z_INVALID;
	}
	return Z_OK;
}

/* The steps of stock_wanted_steps as stored keys (core/smsg.h), rendering in Japanese to its
 * why text exactly: each step after the first is a literal space then its key. */
static void step_msg(buf *m, const char *key, int n, long long a, long long b)
{
	if (m->len)
		smsg_lit(m, " ");
	smsg_key(m, key);
	if (n > 0)
		smsg_argll(m, a);
	if (n > 1)
		smsg_argll(m, b);
}

static void wanted_msg(stock_wanted *out, const buf *m)
{
	/* Numbers only: at most about 8 segments of 30 bytes, well inside msg. */
	size_t n = m->len < sizeof(out->msg) ? m->len : 0;
	memcpy(out->msg, buf_str(m), n);
	out->msg[n] = '\0';
}

int stock_wanted_steps(const char *label, long long available, long long reserve, int rate,
                       bool has_min, int min, bool has_max, int max, stock_wanted *out)
{
	char steps[120]; /* the longest steps (four numbers of 11 characters) take about 90 bytes */
	buf m = BUF_INIT;
	if (has_min && has_max && min > max) {
		out->wanted = 0;
		snprintf(out->why, sizeof(out->why), "最小 %d > 最大 %d (設定エラー) → 0", min, max);
		step_msg(&m, "msg.push.floor_above_cap", 2, min, max);
		wanted_msg(out, &m);
		buf_free(&m);
		return Z_INVALID;
	}
	if (rate < 0)
		rate = 0;
	if (rate > 100)
		rate = 100;
	int n = snprintf(steps, sizeof(steps), "%s %lld", label, available);
	step_msg(&m, strcmp(label, "セット在庫") ? "msg.push.total" : "msg.push.set_total", 1,
	         available, 0);
	long long net = available;
	if (reserve) {
		net = available - reserve;
		n += snprintf(steps + n, sizeof(steps) - (size_t)n, " − 確保 %lld = %lld", reserve, net);
		if (n >= (int)sizeof(steps))
			n = (int)sizeof(steps) - 1;
		step_msg(&m, "msg.push.reserve", 2, reserve, net);
	}
	long long alloc = net < 0 ? 0 : net;
	bool clamp = net < 0; /* said at the end, unless a step after it shows the 0 */
	if (rate != 100) {
		alloc = alloc * rate / 100; /* rounded down: never more than the share */
		n += snprintf(steps + n, sizeof(steps) - (size_t)n, "%s → × %d%% = %lld",
		              clamp ? " → 0" : "", rate, alloc);
		if (clamp)
			step_msg(&m, "msg.push.zero", 0, 0, 0);
		step_msg(&m, "msg.push.rate", 2, rate, alloc);
		clamp = false;
	}
	if (has_min && alloc <= min) {
		out->wanted = 0;
		snprintf(out->why, sizeof(out->why), "%s → 最小 %d 以下 → 0", steps, min);
		step_msg(&m, "msg.push.floor", 1, min, 0);
	} else if (has_max && alloc >= max) {
		out->wanted = max < 0 ? 0 : max;
		snprintf(out->why, sizeof(out->why), "%s → 最大 %d", steps, max);
		step_msg(&m, "msg.push.cap", 1, max, 0);
	} else if (clamp) {
		out->wanted = 0;
		snprintf(out->why, sizeof(out->why), "%s → 0", steps);
		step_msg(&m, "msg.push.zero", 0, 0, 0);
	} else {
		out->wanted = alloc > STOCK_QTY_MAX ? (int)STOCK_QTY_MAX : (int)alloc;
		snprintf(out->why, sizeof(out->why), "%s", steps);
	}
	wanted_msg(out, &m);
	buf_free(&m);
	return Z_OK;
}

int stock_wanted_label(const char *label, long long available, bool has_min, int min,
                       bool has_max, int max, stock_wanted *out)
{
	return stock_wanted_steps(label, available, 0, 100, has_min, min, has_max, max, out);
}

int stock_wanted_calc(int available, bool has_min, int min, bool has_max, int max,
                      stock_wanted *out)
{
	return stock_wanted_label("総在庫", available, has_min, min, has_max, max, out);
}

int stock_check_delta(long long total, long long delta, long long *after)
{
	if (delta < -STOCK_QTY_MAX || delta > STOCK_QTY_MAX || total < -STOCK_QTY_MAX ||
	    total > STOCK_QTY_MAX)
		return Z_INVALID;
	long long r = total + delta; /* both within ±1e9: cannot overflow */
	if (r < -STOCK_QTY_MAX || r > STOCK_QTY_MAX)
		return Z_INVALID;
	*after = r;
	return Z_OK;
}

int stock_set_available_calc(const long long *avail, const int *qty, int n, long long *out)
{
	long long best = 0;
	for (int i = 0; i < n; i++) {
		if (qty[i] <= 0 || qty[i] > STOCK_PART_QTY_MAX)
			return Z_INVALID;
		long long a = avail[i] < 0 ? 0 : avail[i];
		long long sets = a / qty[i];
		if (i == 0 || sets < best)
			best = sets;
	}
	*out = best;
	return Z_OK;
}

int stock_search_normalize(const char *in, buf *out)
{
	return search_normalize(in, strlen(in), out) == Z_OK ? Z_OK : Z_NOMEM;
}
