-- Rakuten folds 商品管理番号 to lower case (its orders report "zk-item12" for a listing
-- imported as "ZK-Item12"): order lines are linked through the folded code, found by index.
ALTER TABLE listing
  ADD COLUMN IF NOT EXISTS item_code_folded VARCHAR(128) COLLATE utf8mb4_bin
    AS (LOWER(item_code)) VIRTUAL,
  ALGORITHM=INSTANT, LOCK=NONE;
ALTER TABLE listing
  ADD KEY IF NOT EXISTS ix_shop_folded (shop_id, item_code_folded, sub_code),
  ALGORITHM=INPLACE, LOCK=NONE;
-- When the error mail of a shop's stop was last queued: a shop that stops again soon after
-- resuming mails once a day, while the stop's error row goes as soon as the shop resumes.
ALTER TABLE shop
  ADD COLUMN IF NOT EXISTS stop_mailed_at DATETIME NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
