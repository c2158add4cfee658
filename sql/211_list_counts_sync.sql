-- 在庫連携 switched on or off (the SKU and shop unchanged), the commonest change of a counted
-- column (a shop's or every listing at once, from the screen): only the on/off columns of the
-- (SKU, shop) and (SKU, all shops) rows of sql/210 move, in one UPDATE each, instead of the
-- listing leaving and coming back (two upserts each). The counts stay those of sql/210.
-- No table is altered (procedure and trigger only: no ALGORITHM or LOCK applies); a trigger's
-- replacement waits for the transactions writing listing to end, and holds none.
--
-- db_migrate ends a statement at a line ending with ';', so the semicolons inside the bodies
-- start the next line.
CREATE OR REPLACE PROCEDURE listed_sku_resync(IN p_sku INT, IN p_shop INT, IN p_sync INT,
                                              IN p_old_sync INT)
BEGIN
  DECLARE v_shop INT DEFAULT p_shop
  ; DECLARE v_round INT DEFAULT 0
  ; DECLARE v_on, v_off, v_d INT
  ; DECLARE v_on_d INT DEFAULT (p_sync = 1) - (p_old_sync = 1)
  ; DECLARE v_off_d INT DEFAULT (p_sync = 0) - (p_old_sync = 0)
  ; DECLARE v_slot INT DEFAULT CONNECTION_ID() % 16
  ; IF p_sku IS NOT NULL AND (v_on_d <> 0 OR v_off_d <> 0) THEN
    WHILE v_round < 2 DO
      UPDATE sku_shop_listings SET sync_on = sync_on + v_on_d, sync_off = sync_off + v_off_d
        WHERE sku_id = p_sku AND shop_id = v_shop
      ; SET v_on = NULL, v_off = NULL
      ; SELECT sync_on, sync_off INTO v_on, v_off FROM sku_shop_listings
        WHERE sku_id = p_sku AND shop_id = v_shop
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

-- The row of the listing's (SKU, shop) exists (the listing is counted in it), so the UPDATE
-- finds it; where it does not yet (a listing older than the triggers, its chunk not filled),
-- nothing moves and the fill sets row and counts alike. Anything else than the 在庫連携 alone
-- moves as in sql/210.
DROP TRIGGER IF EXISTS listing_count_update;
CREATE TRIGGER listing_count_update AFTER UPDATE ON listing FOR EACH ROW
BEGIN
  IF NEW.sku_id <=> OLD.sku_id AND NEW.shop_id = OLD.shop_id THEN
    IF NEW.sync <> OLD.sync THEN
      CALL listed_sku_resync(NEW.sku_id, NEW.shop_id, NEW.sync, OLD.sync)
    ; END IF
  ; ELSE
    CALL listed_sku_move(NEW.sku_id, NEW.shop_id, NEW.sync, 1)
    ; CALL listed_sku_move(OLD.sku_id, OLD.shop_id, OLD.sync, -1)
  ; END IF
; END;
