-- Pushes queued by a bulk change (総在庫数 CSV, 一括連携, a shop's first import, a recompute)
-- carry bulk = 1; those of an order, a cancel or an edit on a screen carry 0 and are claimed
-- first, so an order's few SKUs never wait behind a thousand-SKU backlog of the same shop.
-- One pending push per listing still holds the newest wanted value (pending_listing).
ALTER TABLE push
  ADD COLUMN IF NOT EXISTS bulk TINYINT NOT NULL DEFAULT 0,
  ALGORITHM=INSTANT, LOCK=NONE;
-- The claim reads (state, shop_id) in (bulk, id) order and stops at its limit.
ALTER TABLE push
  ADD KEY IF NOT EXISTS ix_queue_shop_bulk (state, shop_id, bulk, id),
  ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE push
  DROP KEY IF EXISTS ix_queue_shop,
  ALGORITHM=INPLACE, LOCK=NONE;
