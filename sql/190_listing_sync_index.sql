-- The 在庫連携 screen's 連携 on/off search without a shop: its count (distinct SKUs of the
-- listings with that sync) reads this index's range instead of every listing, and a rare
-- result (a few listings switched off) is paged from that range instead of walking every SKU
-- (cgi-bin/screens/list.c, list_page). Built in place without blocking writes (LOCK=NONE).
ALTER TABLE listing ADD KEY IF NOT EXISTS ix_sync_sku (sync, sku_id), ALGORITHM=INPLACE, LOCK=NONE;
