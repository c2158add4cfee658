-- listing.drift is 0 or 1, never NULL. As NULL-or-1 the column grew by a byte whenever a
-- listing began to drift, and InnoDB rewrote the row instead of updating it in place: a
-- 100k-row stocktake that moves every listing's wanted stock wrote 777 MB of redo in 8 s,
-- against 61 MB in 2.3 s with 0/1. Every reader asks for drift = 1 (ix_drift finds those).
-- COPY: MariaDB rewrites the table to change a stored generated column's expression (INPLACE
-- and INSTANT are refused); writes to listing wait while it copies (LOCK=SHARED: reads go
-- on). Instant on a new installation; on a large shop upgrading from before 060, run
-- `zaiko-batch migrate` in a quiet hour (make bench's migrate table shows the stall).
ALTER TABLE listing
  MODIFY drift TINYINT AS (IF(sync = 1 AND sku_id IS NOT NULL AND mall_stock IS NOT NULL
                              AND wanted IS NOT NULL AND mall_stock <> wanted, 1, 0)) PERSISTENT,
  ALGORITHM=COPY, LOCK=SHARED;
