-- The listing triggers of sql/210 and sql/211 with their work written in the trigger, at fewer
-- statements a row: a bulk import, a 一括切替 of 在庫連携 (one UPDATE over every listing) and a
-- bulk delete pay for each row. The counts and their rows are those of sql/210, unchanged:
--   * no CALL of a procedure per row (a stored procedure's CALL from a trigger is the dearest
--     part of the work),
--   * the (SKU, shop) and (SKU, all shops) rows of sku_shop_listings move in ONE statement
--     (an INSERT of both rows … ON DUPLICATE KEY UPDATE, or an UPDATE of both for a 在庫連携
--     switch), which keeps each row's value before the change in a session variable
--     (@zaiko_lc_*) as it writes it, so nothing is read back,
--   * a count is written only when its row crosses zero (as before); a switch where the SKU
--     keeps other listings in both states writes no count.
-- A change of a listing's SKU or shop (a relink, rare) still calls listed_sku_move of sql/210.
-- The session variables are set before each use, so a value from another statement is never
-- read; listing's triggers fire no trigger that would use them meanwhile.
-- No table is altered (triggers only: no ALGORITHM or LOCK applies); a trigger's replacement
-- waits for the transactions writing listing to end, and holds none.
--
-- db_migrate ends a statement at a line ending with ';', so the semicolons inside the bodies
-- start the next line.
CREATE OR REPLACE TRIGGER listing_count_insert AFTER INSERT ON listing FOR EACH ROW
BEGIN
  DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; DECLARE v_on INT DEFAULT NEW.sync = 1
  ; DECLARE v_off INT DEFAULT NEW.sync = 0
  ; IF NEW.sku_id IS NOT NULL THEN
    SET @zaiko_lc_a = 0, @zaiko_lc_n = 0, @zaiko_lc_f = 0,
        @zaiko_lc_a0 = 0, @zaiko_lc_n0 = 0, @zaiko_lc_f0 = 0
    ; INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off)
      VALUES (NEW.sku_id, NEW.shop_id, 1, v_on, v_off), (NEW.sku_id, 0, 1, v_on, v_off)
      ON DUPLICATE KEY UPDATE
        listings = IF(shop_id = 0, @zaiko_lc_a0 := listings, @zaiko_lc_a := listings) + 1,
        sync_on = IF(shop_id = 0, @zaiko_lc_n0 := sync_on, @zaiko_lc_n := sync_on) + v_on,
        sync_off = IF(shop_id = 0, @zaiko_lc_f0 := sync_off, @zaiko_lc_f := sync_off) + v_off
    ; IF @zaiko_lc_a = 0 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (NEW.shop_id, 2, v_slot, 1)
        ON DUPLICATE KEY UPDATE n = n + 1
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

-- A row of sku_shop_listings that did not exist (a listing older than the triggers, its chunk
-- not filled) is created at -1, as sql/210 does; the fill sets it.
CREATE OR REPLACE TRIGGER listing_count_delete AFTER DELETE ON listing FOR EACH ROW
BEGIN
  DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; DECLARE v_on INT DEFAULT OLD.sync = 1
  ; DECLARE v_off INT DEFAULT OLD.sync = 0
  ; IF OLD.sku_id IS NOT NULL THEN
    SET @zaiko_lc_a = 0, @zaiko_lc_n = 0, @zaiko_lc_f = 0,
        @zaiko_lc_a0 = 0, @zaiko_lc_n0 = 0, @zaiko_lc_f0 = 0
    ; INSERT INTO sku_shop_listings (sku_id, shop_id, listings, sync_on, sync_off)
      VALUES (OLD.sku_id, OLD.shop_id, -1, -v_on, -v_off), (OLD.sku_id, 0, -1, -v_on, -v_off)
      ON DUPLICATE KEY UPDATE
        listings = IF(shop_id = 0, @zaiko_lc_a0 := listings, @zaiko_lc_a := listings) - 1,
        sync_on = IF(shop_id = 0, @zaiko_lc_n0 := sync_on, @zaiko_lc_n := sync_on) - v_on,
        sync_off = IF(shop_id = 0, @zaiko_lc_f0 := sync_off, @zaiko_lc_f := sync_off) - v_off
    ; IF @zaiko_lc_a = 1 THEN
      INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (OLD.shop_id, 2, v_slot, -1)
        ON DUPLICATE KEY UPDATE n = n - 1
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

-- 在庫連携 alone switched: the on/off columns of both rows move in one UPDATE. A row that does
-- not exist (a listing older than the triggers, its chunk not filled) leaves its variables
-- NULL, and nothing moves, as in sql/211; the fill sets row and counts alike.
CREATE OR REPLACE TRIGGER listing_count_update AFTER UPDATE ON listing FOR EACH ROW
BEGIN
  DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; DECLARE v_on_d INT DEFAULT (NEW.sync = 1) - (OLD.sync = 1)
  ; DECLARE v_off_d INT DEFAULT (NEW.sync = 0) - (OLD.sync = 0)
  ; DECLARE v_d INT
  ; IF NEW.sku_id <=> OLD.sku_id AND NEW.shop_id = OLD.shop_id THEN
    IF NEW.sku_id IS NOT NULL AND (v_on_d <> 0 OR v_off_d <> 0) THEN
      SET @zaiko_lc_n = NULL, @zaiko_lc_f = NULL, @zaiko_lc_n0 = NULL, @zaiko_lc_f0 = NULL
      ; UPDATE sku_shop_listings
        SET sync_on = IF(shop_id = 0, @zaiko_lc_n0 := sync_on, @zaiko_lc_n := sync_on) + v_on_d,
            sync_off = IF(shop_id = 0, @zaiko_lc_f0 := sync_off, @zaiko_lc_f := sync_off) + v_off_d
        WHERE sku_id = NEW.sku_id AND shop_id IN (NEW.shop_id, 0)
      ; SET v_d = (@zaiko_lc_n + v_on_d > 0) - (@zaiko_lc_n > 0)
      ; IF v_d <> 0 THEN
        INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (NEW.shop_id, 1, v_slot, v_d)
          ON DUPLICATE KEY UPDATE n = n + v_d
      ; END IF
      ; SET v_d = (@zaiko_lc_f + v_off_d > 0) - (@zaiko_lc_f > 0)
      ; IF v_d <> 0 THEN
        INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (NEW.shop_id, 0, v_slot, v_d)
          ON DUPLICATE KEY UPDATE n = n + v_d
      ; END IF
      ; SET v_d = (@zaiko_lc_n0 + v_on_d > 0) - (@zaiko_lc_n0 > 0)
      ; IF v_d <> 0 THEN
        INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (0, 1, v_slot, v_d)
          ON DUPLICATE KEY UPDATE n = n + v_d
      ; END IF
      ; SET v_d = (@zaiko_lc_f0 + v_off_d > 0) - (@zaiko_lc_f0 > 0)
      ; IF v_d <> 0 THEN
        INSERT INTO listed_sku_count (shop_id, sync, slot, n) VALUES (0, 0, v_slot, v_d)
          ON DUPLICATE KEY UPDATE n = n + v_d
      ; END IF
    ; END IF
  ; ELSE
    CALL listed_sku_move(NEW.sku_id, NEW.shop_id, NEW.sync, 1)
    ; CALL listed_sku_move(OLD.sku_id, OLD.shop_id, OLD.sync, -1)
  ; END IF
; END;
