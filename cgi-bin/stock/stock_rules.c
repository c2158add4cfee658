/* stock_rules: the pure stock rules: wanted stock, floor/cap, bounds, set arithmetic, search
 * normalisation. No database here, so tests/unit can check every edge. */
#include <stdio.h>
#include <string.h>
#include "stock/search.h"
#include "stock/stock.h"
#include "stock/stock_int.h"

int stock_check_floor_cap(bool has_min, int min, bool has_max, int max, const char **why)
{
	*why = NULL;
	if (has_min && (min < 0 || min > STOCK_QTY_MAX)) {
		*why = "最小在庫数は0以上10億以下にしてください。";
		return Z_INVALID;
	}
	if (has_max && (max < 0 || max > STOCK_QTY_MAX)) {
		*why = "最大在庫数は0以上10億以下にしてください。";
		return Z_INVALID;
	}
	if (has_min && has_max && min > max) {
		*why = "最小在庫数が最大在庫数より大きくなっています。";
		return Z_INVALID;
	}
	return Z_OK;
}

int stock_wanted_label(const char *label, long long available, bool has_min, int min,
                       bool has_max, int max, stock_wanted *out)
{
	if (has_min && has_max && min > max) {
		out->wanted = 0;
		snprintf(out->why, sizeof(out->why), "最小 %d > 最大 %d (設定エラー) → 0", min, max);
		return Z_INVALID;
	}
	if (has_min && available <= min) {
		out->wanted = 0;
		snprintf(out->why, sizeof(out->why), "%s %lld → 最小 %d 以下 → 0", label, available,
		         min);
	} else if (has_max && available >= max) {
		out->wanted = max < 0 ? 0 : max;
		snprintf(out->why, sizeof(out->why), "%s %lld → 最大 %d", label, available, max);
	} else if (available < 0) {
		out->wanted = 0;
		snprintf(out->why, sizeof(out->why), "%s %lld → 0", label, available);
	} else {
		out->wanted = available > STOCK_QTY_MAX ? (int)STOCK_QTY_MAX : (int)available;
		snprintf(out->why, sizeof(out->why), "%s %lld", label, available);
	}
	return Z_OK;
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
