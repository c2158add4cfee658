-- 確保在庫 (a quantity of a SKU kept back from every shop) and 割当率 (the percentage of the
-- available stock a shop is offered), applied before the listing's 最小/最大.
ALTER TABLE sku ADD COLUMN IF NOT EXISTS reserve INT NOT NULL DEFAULT 0,
  ALGORITHM=INSTANT, LOCK=NONE;
ALTER TABLE shop ADD COLUMN IF NOT EXISTS alloc_rate SMALLINT NOT NULL DEFAULT 100,
  ALGORITHM=INSTANT, LOCK=NONE;
