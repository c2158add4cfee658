-- The 在庫連携 screen's searches by shop (and 在庫連携 on/off): count a shop's SKUs from the
-- index alone, and test "has a listing in this shop" per SKU with one index probe.
ALTER TABLE listing ADD KEY ix_shop_sku (shop_id, sku_id, sync), ALGORITHM=INPLACE, LOCK=NONE;
