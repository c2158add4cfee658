/* stock_rules: the pure stock rules: wanted stock, floor/cap, bounds, set arithmetic, search
 * normalisation. No database here, so tests/unit can check every edge. */
#include <stdio.h>
#include <string.h>
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
	const unsigned char *p = (const unsigned char *)in;
	bool space = false;
	bool any = false;
	while (*p) {
		unsigned int c = *p;
		size_t adv = 1;
		/* U+FF01..U+FF5E is EF BC 81..EF BD 9E; U+3000 is E3 80 80. */
		if (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2] >= 0x80 && p[2] <= 0xBF) {
			unsigned int cp = 0xFF00u + ((p[1] == 0xBD) ? 0x40u : 0u) + (p[2] - 0x80u);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				c = cp - 0xFF01 + 0x21;
				adv = 3;
			}
		} else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
			c = ' ';
			adv = 3;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			space = true;
			p += adv;
			continue;
		}
		if (space && any && buf_putc(out, ' ') != Z_OK)
			return Z_NOMEM;
		space = false;
		if (adv == 3 || c < 0x80) {
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (buf_putc(out, (char)c) != Z_OK)
				return Z_NOMEM;
		} else if (buf_putc(out, (char)c) != Z_OK) {
			return Z_NOMEM;
		}
		any = true;
		p += adv;
	}
	return Z_OK;
}
