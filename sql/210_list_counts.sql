-- Counts of the 在庫連携 screen's views without a keyword, kept exact by the database in the
-- transaction of every change, so the screen reads them instead of counting 250k–1M index
-- entries (cgi-bin/screens/list.c, page_count):
--   sku_count           every SKU (the default view);
--   listed_sku_count    SKUs with a listing (shop_id 0: in any shop; sync 2: either 在庫連携
--                       state, 1: on, 0: off) — the views 店舗, 在庫連携 and 紐づけ済み, alone
--                       or together, as `EXISTS (SELECT 1 FROM listing l WHERE l.sku_id = s.id
--                       AND l.shop_id = ? AND l.sync = ?)` defines them;
--   sku_shop_listings   the listings of each (SKU, shop), and of each SKU in all shops (shop_id
--                       0): a SKU may hold two listings in one shop (state 'duplicate'), so a
--                       SKU leaves a view only when its last matching listing goes.
-- A count is the SUM of its slots: each connection adds to slot CONNECTION_ID() % 16, so a bulk
-- import, the batch and the screen's edits do not wait on one row (and its lock) until commit.
-- A SKU is deleted only when no listing names it (stock_bulk.c, stock_sets.c), as the
-- definition's join to sku assumes.
--
-- The triggers are created first, then the counts are filled (listed_sku_count_fill), a chunk
-- of 1000 SKU ids per transaction: the chunk's listings are locked in share mode (REPEATABLE
-- READ: the range of ix_sku with its gaps), so no trigger changes the chunk's rows meanwhile,
-- and what the chunk's old rows added to the counts is replaced by what its true rows add.
-- Writers wait only on the chunk being filled (well under a second each); no table is copied
-- or locked whole. The SKU count locks every SKU in share mode for the time of one COUNT(*).
-- The counts are, at all times, the sums over the rows of sku_shop_listings of a row's views
-- (the tables start empty with the triggers, and the triggers and the fill keep that true), so
-- filling again (CALL listed_sku_count_fill()) is harmless: it sets the rows, and with them the
-- counts, to the truth.
--
-- db_migrate ends a statement at a line ending with ';', so the semicolons inside the bodies
-- start the next line.
CREATE TABLE IF NOT EXISTS sku_count (
  slot TINYINT NOT NULL PRIMARY KEY,
  n BIGINT NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS listed_sku_count (
  shop_id INT NOT NULL,
  sync TINYINT NOT NULL,
  slot TINYINT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (shop_id, sync, slot)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS sku_shop_listings (
  sku_id INT NOT NULL,
  shop_id INT NOT NULL,
  listings INT NOT NULL,
  sync_on INT NOT NULL,
  sync_off INT NOT NULL,
  PRIMARY KEY (sku_id, shop_id)
) ENGINE=InnoDB;

-- One listing of (sku, shop, sync) added (delta 1) or gone (-1): the (SKU, shop) and (SKU, all
-- shops) rows move by it, and a view's count moves when its row crosses zero.
CREATE OR REPLACE PROCEDURE listed_sku_move(IN p_sku INT, IN p_shop INT, IN p_sync INT,
                                            IN p_delta INT)
BEGIN
  DECLARE v_shop INT DEFAULT p_shop
  ; DECLARE v_round INT DEFAULT 0
  ; DECLARE v_all, v_on, v_off, v_d INT
  ; DECLARE v_on_d INT DEFAULT IF(p_sync = 1, p_delta, 0)
  ; DECLARE v_off_d INT DEFAULT IF(p_sync = 0, p_delta, 0)
  ; DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; IF p_sku IS NOT NULL THEN
    WHILE v_round < 2 DO
      INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off)
        VALUES (p_sku, v_shop, p_delta, v_on_d, v_off_d)
        ON DUPLICATE KEY UPDATE listings = listings + p_delta, sync_on = sync_on + v_on_d,
                                sync_off = sync_off + v_off_d
      ; SELECT listings, sync_on, sync_off INTO v_all, v_on, v_off FROM sku_shop_listings
        WHERE sku_id = p_sku AND shop_id = v_shop
      ; SET v_d = (v_all > 0) - (v_all - p_delta > 0)
      ; IF v_d <> 0 THEN
        INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (v_shop, 2, v_slot, v_d)
          ON DUPLICATE KEY UPDATE n = n + v_d
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
      ; SET v_shop = 0, v_round = v_round + 1
    ; END WHILE
  ; END IF
; END;

DROP TRIGGER IF EXISTS listing_count_insert;
CREATE TRIGGER listing_count_insert AFTER INSERT ON listing FOR EACH ROW
  CALL listed_sku_move(NEW.sku_id, NEW.shop_id, NEW.sync, 1);

DROP TRIGGER IF EXISTS listing_count_delete;
CREATE TRIGGER listing_count_delete AFTER DELETE ON listing FOR EACH ROW
  CALL listed_sku_move(OLD.sku_id, OLD.shop_id, OLD.sync, -1);

-- The new state is added before the old one leaves: a 在庫連携 switch of a SKU's only listing
-- in a shop then moves the on/off counts and leaves the shop's count alone.
DROP TRIGGER IF EXISTS listing_count_update;
CREATE TRIGGER listing_count_update AFTER UPDATE ON listing FOR EACH ROW
BEGIN
  IF NOT (NEW.sku_id <=> OLD.sku_id) OR NEW.shop_id <> OLD.shop_id OR NEW.sync <> OLD.sync THEN
    CALL listed_sku_move(NEW.sku_id, NEW.shop_id, NEW.sync, 1)
    ; CALL listed_sku_move(OLD.sku_id, OLD.shop_id, OLD.sync, -1)
  ; END IF
; END;

DROP TRIGGER IF EXISTS sku_count_insert;
CREATE TRIGGER sku_count_insert AFTER INSERT ON sku FOR EACH ROW
  INSERT INTO sku_count (slot, n) VALUES (CONNECTION_ID() % 16, 1) ON DUPLICATE KEY UPDATE n = n + 1;

DROP TRIGGER IF EXISTS sku_count_delete;
CREATE TRIGGER sku_count_delete AFTER DELETE ON sku FOR EACH ROW
  INSERT INTO sku_count (slot, n) VALUES (CONNECTION_ID() % 16, -1) ON DUPLICATE KEY UPDATE n = n - 1;

-- Sets every count to the truth while the triggers run (see the top of this file). A chunk that
-- meets a deadlock or a lock wait timeout with a writer is rolled back, waits 50 ms for the
-- writers to pass, and is filled again (at most 2000 times in all, then the error is raised and
-- the migration stops, to be run again; six writers at load 10+ made 100 too few).
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
      ; INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off)
        SELECT sku_id, 0, COUNT(*), SUM(sync = 1), SUM(sync = 0)
        FROM listing FORCE INDEX (ix_sku)
        WHERE sku_id >= v_from AND sku_id < v_from + v_chunk GROUP BY sku_id
      ; INSERT INTO listed_sku_count (shop_id, sync, slot, n)
        SELECT p.shop_id, v.sync, v_slot,
               SUM(CASE v.sync WHEN 2 THEN p.listings > 0 WHEN 1 THEN p.sync_on > 0
                   ELSE p.sync_off > 0 END)
        FROM sku_shop_listings p
        JOIN (SELECT 0 AS sync UNION ALL SELECT 1 UNION ALL SELECT 2) v
        WHERE p.sku_id >= v_from AND p.sku_id < v_from + v_chunk
        GROUP BY p.shop_id, v.sync
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
