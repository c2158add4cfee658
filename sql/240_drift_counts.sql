-- The count of 店舗 + 差異商品 kept by the database, as the counts of sql/210 are: the SKUs that
-- drift (sku.drift = 1) and have a listing in the shop (shop_id 0: in any shop). Counted by a
-- join it read every drifting SKU and probed its listings, 0.26 s at 1M listings with 60% of
-- the SKUs drifting (one stopped shop makes every SKU it lists drift, and that is when a
-- merchant asks for it).
--   drift_sku_count       the count of each shop, the SUM of its 16 slots (as listed_sku_count);
--   sku_shop_listings.drift
--                         on the SKU's all-shops row (shop_id 0) only: the SKU's drift, kept by
--                         the trigger on sku. Every trigger that moves a row of a SKU writes
--                         that row first, so the row is the SKU's lock for its counts: a drift
--                         flip and a listing of the SKU coming or going are done one after the
--                         other, and each sees the other's work.
-- A shop's count moves when a drifting SKU's (SKU, shop) row crosses zero listings, or when a
-- listed SKU's drift flips (for every shop the SKU is listed in).
-- The listing triggers of sql/212 and the procedure of sql/210 are replaced by the same work
-- with the all-shops row written first and the drift counted; listed_sku_count is unchanged.
-- The column is added in place (INSTANT); the rest are triggers, procedures and a new table.
-- sql/210's fill, replaced to set the column and the drift counts too, runs again: a chunk of
-- 1000 SKU ids a transaction while the triggers run; it can be run again at any time.
--
-- db_migrate ends a statement at a line ending with ';', so the semicolons inside the bodies
-- start the next line.
ALTER TABLE sku_shop_listings ADD COLUMN IF NOT EXISTS drift TINYINT NOT NULL DEFAULT 0,
  ALGORITHM=INSTANT, LOCK=NONE;

CREATE TABLE IF NOT EXISTS drift_sku_count (
  shop_id INT NOT NULL,
  slot TINYINT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (shop_id, slot)
) ENGINE=InnoDB;

-- A SKU's drift flips: its all-shops row takes it (created, at no listings, for a SKU not
-- listed yet: the row's lock orders the flip against the SKU's first listing, which then reads
-- the new drift from it), and every shop the SKU is listed in, and shop 0, moves by one. A row
-- that already holds the value moves nothing.
CREATE OR REPLACE TRIGGER sku_drift_count AFTER UPDATE ON sku FOR EACH ROW
BEGIN
  IF (NEW.drift = 1) <> (OLD.drift = 1) THEN
    SET @zaiko_dc_old = NULL
    ; INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off, drift)
      VALUES (NEW.id, 0, 0, 0, 0, NEW.drift = 1)
      ON DUPLICATE KEY UPDATE drift = (@zaiko_dc_old := drift) * 0 + (NEW.drift = 1)
    ; IF @zaiko_dc_old <> (NEW.drift = 1) THEN
      INSERT INTO drift_sku_count (shop_id, slot, n)
        SELECT shop_id, CONNECTION_ID() % 16, IF(NEW.drift = 1, 1, -1) FROM sku_shop_listings
        WHERE sku_id = NEW.id AND listings > 0
        ON DUPLICATE KEY UPDATE n = n + VALUES(n)
    ; END IF
  ; END IF
; END;

-- sql/212's insert trigger, the all-shops row first. A new all-shops row takes the SKU's drift
-- from sku (no flip can be under way: a flip writes the row first); an existing one gives its
-- own (@zaiko_lc_d), current because this statement holds the row's lock.
CREATE OR REPLACE TRIGGER listing_count_insert AFTER INSERT ON listing FOR EACH ROW
BEGIN
  DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; DECLARE v_on INT DEFAULT NEW.sync = 1
  ; DECLARE v_off INT DEFAULT NEW.sync = 0
  ; IF NEW.sku_id IS NOT NULL THEN
    SET @zaiko_lc_a = 0, @zaiko_lc_n = 0, @zaiko_lc_f = 0,
        @zaiko_lc_a0 = 0, @zaiko_lc_n0 = 0, @zaiko_lc_f0 = 0, @zaiko_lc_d = 0
    ; INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off, drift)
      VALUES (NEW.sku_id, 0, 1, v_on, v_off,
              @zaiko_lc_d := COALESCE((SELECT s.drift = 1 FROM sku s WHERE s.id = NEW.sku_id), 0)),
             (NEW.sku_id, NEW.shop_id, 1, v_on, v_off, 0)
      ON DUPLICATE KEY UPDATE
        listings = IF(shop_id = 0, @zaiko_lc_a0 := listings, @zaiko_lc_a := listings) + 1,
        sync_on = IF(shop_id = 0, @zaiko_lc_n0 := sync_on, @zaiko_lc_n := sync_on) + v_on,
        sync_off = IF(shop_id = 0, @zaiko_lc_f0 := sync_off, @zaiko_lc_f := sync_off) + v_off,
        drift = IF(shop_id = 0, @zaiko_lc_d := drift, drift)
    ; IF @zaiko_lc_a = 0 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (NEW.shop_id, 2, v_slot, 1)
        ON DUPLICATE KEY UPDATE n = n + 1
      ; IF @zaiko_lc_d = 1 THEN
        INSERT INTO drift_sku_count (shop_id, slot, n) VALUES (NEW.shop_id, v_slot, 1)
          ON DUPLICATE KEY UPDATE n = n + 1
      ; END IF
    ; END IF
    ; IF v_on AND @zaiko_lc_n = 0 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (NEW.shop_id, 1, v_slot, 1)
        ON DUPLICATE KEY UPDATE n = n + 1
    ; END IF
    ; IF v_off AND @zaiko_lc_f = 0 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (NEW.shop_id, 0, v_slot, 1)
        ON DUPLICATE KEY UPDATE n = n + 1
    ; END IF
    ; IF @zaiko_lc_a0 = 0 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (0, 2, v_slot, 1)
        ON DUPLICATE KEY UPDATE n = n + 1
      ; IF @zaiko_lc_d = 1 THEN
        INSERT INTO drift_sku_count (shop_id, slot, n) VALUES (0, v_slot, 1)
          ON DUPLICATE KEY UPDATE n = n + 1
      ; END IF
    ; END IF
    ; IF v_on AND @zaiko_lc_n0 = 0 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (0, 1, v_slot, 1)
        ON DUPLICATE KEY UPDATE n = n + 1
    ; END IF
    ; IF v_off AND @zaiko_lc_f0 = 0 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (0, 0, v_slot, 1)
        ON DUPLICATE KEY UPDATE n = n + 1
    ; END IF
  ; END IF
; END;

-- sql/212's delete trigger, the all-shops row first and the drift counted as above.
CREATE OR REPLACE TRIGGER listing_count_delete AFTER DELETE ON listing FOR EACH ROW
BEGIN
  DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; DECLARE v_on INT DEFAULT OLD.sync = 1
  ; DECLARE v_off INT DEFAULT OLD.sync = 0
  ; IF OLD.sku_id IS NOT NULL THEN
    SET @zaiko_lc_a = 0, @zaiko_lc_n = 0, @zaiko_lc_f = 0,
        @zaiko_lc_a0 = 0, @zaiko_lc_n0 = 0, @zaiko_lc_f0 = 0, @zaiko_lc_d = 0
    ; INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off, drift)
      VALUES (OLD.sku_id, 0, -1, -v_on, -v_off,
              @zaiko_lc_d := COALESCE((SELECT s.drift = 1 FROM sku s WHERE s.id = OLD.sku_id), 0)),
             (OLD.sku_id, OLD.shop_id, -1, -v_on, -v_off, 0)
      ON DUPLICATE KEY UPDATE
        listings = IF(shop_id = 0, @zaiko_lc_a0 := listings, @zaiko_lc_a := listings) - 1,
        sync_on = IF(shop_id = 0, @zaiko_lc_n0 := sync_on, @zaiko_lc_n := sync_on) - v_on,
        sync_off = IF(shop_id = 0, @zaiko_lc_f0 := sync_off, @zaiko_lc_f := sync_off) - v_off,
        drift = IF(shop_id = 0, @zaiko_lc_d := drift, drift)
    ; IF @zaiko_lc_a = 1 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (OLD.shop_id, 2, v_slot, -1)
        ON DUPLICATE KEY UPDATE n = n - 1
      ; IF @zaiko_lc_d = 1 THEN
        INSERT INTO drift_sku_count (shop_id, slot, n) VALUES (OLD.shop_id, v_slot, -1)
          ON DUPLICATE KEY UPDATE n = n - 1
      ; END IF
    ; END IF
    ; IF v_on AND @zaiko_lc_n = 1 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (OLD.shop_id, 1, v_slot, -1)
        ON DUPLICATE KEY UPDATE n = n - 1
    ; END IF
    ; IF v_off AND @zaiko_lc_f = 1 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (OLD.shop_id, 0, v_slot, -1)
        ON DUPLICATE KEY UPDATE n = n - 1
    ; END IF
    ; IF @zaiko_lc_a0 = 1 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (0, 2, v_slot, -1)
        ON DUPLICATE KEY UPDATE n = n - 1
      ; IF @zaiko_lc_d = 1 THEN
        INSERT INTO drift_sku_count (shop_id, slot, n) VALUES (0, v_slot, -1)
          ON DUPLICATE KEY UPDATE n = n - 1
      ; END IF
    ; END IF
    ; IF v_on AND @zaiko_lc_n0 = 1 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (0, 1, v_slot, -1)
        ON DUPLICATE KEY UPDATE n = n - 1
    ; END IF
    ; IF v_off AND @zaiko_lc_f0 = 1 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (0, 0, v_slot, -1)
        ON DUPLICATE KEY UPDATE n = n - 1
    ; END IF
  ; END IF
; END;

-- sql/210's procedure (a listing relinked to another SKU or moved to another shop), the
-- all-shops row first, its drift read back with it and the drift counted as above.
CREATE OR REPLACE PROCEDURE listed_sku_move(IN p_sku INT, IN p_shop INT, IN p_sync INT,
                                            IN p_delta INT)
BEGIN
  DECLARE v_shop INT DEFAULT 0
  ; DECLARE v_round INT DEFAULT 0
  ; DECLARE v_all, v_on, v_off, v_d, v_drift, v_row_drift INT
  ; DECLARE v_on_d INT DEFAULT IF(p_sync = 1, p_delta, 0)
  ; DECLARE v_off_d INT DEFAULT IF(p_sync = 0, p_delta, 0)
  ; DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; IF p_sku IS NOT NULL THEN
    WHILE v_round < 2 DO
      INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off, drift)
        VALUES (p_sku, v_shop, p_delta, v_on_d, v_off_d,
                IF(v_shop = 0, COALESCE((SELECT s.drift = 1 FROM sku s WHERE s.id = p_sku), 0), 0))
        ON DUPLICATE KEY UPDATE listings = listings + p_delta, sync_on = sync_on + v_on_d,
                                sync_off = sync_off + v_off_d
      ; SELECT listings, sync_on, sync_off, drift INTO v_all, v_on, v_off, v_row_drift
        FROM sku_shop_listings WHERE sku_id = p_sku AND shop_id = v_shop
      ; IF v_round = 0 THEN
        SET v_drift = v_row_drift
      ; END IF
      ; SET v_d = (v_all > 0) - (v_all - p_delta > 0)
      ; IF v_d <> 0 THEN
        INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (v_shop, 2, v_slot, v_d)
          ON DUPLICATE KEY UPDATE n = n + v_d
        ; IF v_drift = 1 THEN
          INSERT INTO drift_sku_count (shop_id, slot, n) VALUES (v_shop, v_slot, v_d)
            ON DUPLICATE KEY UPDATE n = n + v_d
        ; END IF
      ; END IF
      ; SET v_d = (v_on > 0) - (v_on - v_on_d > 0)
      ; IF v_d <> 0 THEN
        INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (v_shop, 1, v_slot, v_d)
          ON DUPLICATE KEY UPDATE n = n + v_d
      ; END IF
      ; SET v_d = (v_off > 0) - (v_off - v_off_d > 0)
      ; IF v_d <> 0 THEN
        INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (v_shop, 0, v_slot, v_d)
          ON DUPLICATE KEY UPDATE n = n + v_d
      ; END IF
      ; SET v_shop = p_shop, v_round = v_round + 1
    ; END WHILE
  ; END IF
; END;

-- sql/210's fill, which also sets the all-shops rows' drift and the drift counts. A chunk's
-- listings are locked in share mode (with their gaps: no listing of the chunk comes or goes),
-- then its SKUs (no drift flips: an order on one of them waits for the chunk, well under a
-- second), and what the chunk's rows added to every count is replaced by what their true rows
-- add. A chunk that meets a deadlock or a lock wait timeout with a writer is rolled back, waits
-- 50 ms, and is filled again (at most 2000 times in all, then the error is raised and the
-- migration stops, to be run again). Run again at any time, it sets rows and counts right.
CREATE OR REPLACE PROCEDURE listed_sku_count_fill()
BEGIN
  DECLARE v_from INT DEFAULT 0
  ; DECLARE v_chunk INT DEFAULT 1000
  ; DECLARE v_locked BIGINT
  ; DECLARE v_failed INT DEFAULT 0
  ; DECLARE v_retries INT DEFAULT 0
  ; DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; DECLARE v_isolation VARCHAR(40) DEFAULT @@SESSION.tx_isolation
  ; SET SESSION tx_isolation = 'REPEATABLE-READ'
  ; REPEAT
    SET v_failed = 0
    ; BEGIN
      DECLARE EXIT HANDLER FOR 1205, 1213 BEGIN ROLLBACK
      ; SET v_failed = 1
      ; END
      ; START TRANSACTION
      ; SELECT COUNT(*) INTO v_locked FROM sku LOCK IN SHARE MODE
      ; DELETE FROM sku_count
      ; INSERT INTO sku_count (slot, n) VALUES (v_slot, v_locked)
      ; COMMIT
    ; END
    ; SET v_retries = v_retries + v_failed
    ; IF v_failed = 1 THEN
      DO SLEEP(0.05)
    ; END IF
  ; UNTIL v_failed = 0 OR v_retries > 2000 END REPEAT
  ; WHILE v_retries <= 2000 AND v_from <= (SELECT COALESCE(MAX(sku_id), 0) FROM listing) DO
    SET v_failed = 0
    ; BEGIN
      DECLARE EXIT HANDLER FOR 1205, 1213 BEGIN ROLLBACK
      ; SET v_failed = 1
      ; END
      ; START TRANSACTION
      ; SELECT COUNT(*) INTO v_locked FROM listing FORCE INDEX (ix_sku)
        WHERE sku_id >= v_from AND sku_id < v_from + v_chunk LOCK IN SHARE MODE
      ; SELECT COUNT(*) INTO v_locked FROM sku
        WHERE id >= v_from AND id < v_from + v_chunk LOCK IN SHARE MODE
      ; INSERT INTO drift_sku_count (shop_id, slot, n)
        SELECT p.shop_id, v_slot, -COUNT(*)
        FROM sku_shop_listings z JOIN sku_shop_listings p ON p.sku_id = z.sku_id
        WHERE z.sku_id >= v_from AND z.sku_id < v_from + v_chunk AND z.shop_id = 0
          AND z.drift = 1 AND p.listings > 0
        GROUP BY p.shop_id
        ON DUPLICATE KEY UPDATE n = n + VALUES(n)
      ; INSERT INTO listed_sku_count (shop_id, sync, slot, n)
        SELECT p.shop_id, v.sync, v_slot,
               -SUM(CASE v.sync WHEN 2 THEN p.listings > 0 WHEN 1 THEN p.sync_on > 0
                    ELSE p.sync_off > 0 END)
        FROM sku_shop_listings p
        JOIN (SELECT 0 AS sync UNION ALL SELECT 1 UNION ALL SELECT 2) v
        WHERE p.sku_id >= v_from AND p.sku_id < v_from + v_chunk
        GROUP BY p.shop_id, v.sync
        ON DUPLICATE KEY UPDATE n = n + VALUES(n)
      ; DELETE FROM sku_shop_listings WHERE sku_id >= v_from AND sku_id < v_from + v_chunk
      ; INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off)
        SELECT sku_id, shop_id, COUNT(*), SUM(sync = 1), SUM(sync = 0)
        FROM listing FORCE INDEX (ix_sku)
        WHERE sku_id >= v_from AND sku_id < v_from + v_chunk GROUP BY sku_id, shop_id
      ; INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off, drift)
        SELECT l.sku_id, 0, COUNT(*), SUM(l.sync = 1), SUM(l.sync = 0),
               COALESCE(MAX(s.drift = 1), 0)
        FROM listing l FORCE INDEX (ix_sku) LEFT JOIN sku s ON s.id = l.sku_id
        WHERE l.sku_id >= v_from AND l.sku_id < v_from + v_chunk GROUP BY l.sku_id
      ; INSERT INTO listed_sku_count (shop_id, sync, slot, n)
        SELECT p.shop_id, v.sync, v_slot,
               SUM(CASE v.sync WHEN 2 THEN p.listings > 0 WHEN 1 THEN p.sync_on > 0
                   ELSE p.sync_off > 0 END)
        FROM sku_shop_listings p
        JOIN (SELECT 0 AS sync UNION ALL SELECT 1 UNION ALL SELECT 2) v
        WHERE p.sku_id >= v_from AND p.sku_id < v_from + v_chunk
        GROUP BY p.shop_id, v.sync
        ON DUPLICATE KEY UPDATE n = n + VALUES(n)
      ; INSERT INTO drift_sku_count (shop_id, slot, n)
        SELECT p.shop_id, v_slot, COUNT(*)
        FROM sku_shop_listings z JOIN sku_shop_listings p ON p.sku_id = z.sku_id
        WHERE z.sku_id >= v_from AND z.sku_id < v_from + v_chunk AND z.shop_id = 0
          AND z.drift = 1 AND p.listings > 0
        GROUP BY p.shop_id
        ON DUPLICATE KEY UPDATE n = n + VALUES(n)
      ; COMMIT
    ; END
    ; IF v_failed = 0 THEN
      SET v_from = v_from + v_chunk
    ; ELSE
      SET v_retries = v_retries + 1
      ; DO SLEEP(0.05)
    ; END IF
  ; END WHILE
  ; SET SESSION tx_isolation = v_isolation
  ; IF v_retries > 2000 THEN
    SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'listed_sku_count_fill: too many deadlocks'
  ; END IF
; END;

CALL listed_sku_count_fill();
