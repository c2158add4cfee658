/* shopify: placeholder adapter until the real one lands; every call is a temporary failure. */
#include "mall/mall.h"

static mall_outcome not_yet(mall_status *st)
{
	mall_status_set(st, MALL_TEMPORARY, 0, "adapter not built yet");
	return MALL_TEMPORARY;
}

static mall_outcome push(mall_shop *shop, mall_push_item *items, int n, mall_status *st)
{
	return not_yet(st);
}

static mall_outcome fetch_orders(mall_shop *shop, time_t since, time_t until, mall_order_cb cb,
                                 void *ctx, mall_status *st)
{
	return not_yet(st);
}

static mall_outcome read_stock(mall_shop *shop, mall_stock_item *items, int n, mall_status *st)
{
	return not_yet(st);
}

static mall_outcome refresh(mall_shop *shop, bool force, mall_status *st)
{
	return not_yet(st);
}

static void release(mall_shop *shop)
{
}

const mall_adapter mall_shopify = {"shopify", 100, 100, push, fetch_orders, read_stock, refresh, release};
