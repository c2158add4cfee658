-- The first schema: users and sessions, shops, SKUs, listings, sets, stock moves, pushes,
-- orders, errors, settings and jobs. Identifiers use binary collations (see STACK: ハ=パ).
-- Times are UTC.

CREATE TABLE IF NOT EXISTS app_user (
  id INT AUTO_INCREMENT PRIMARY KEY,
  login VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  role ENUM('admin','staff') NOT NULL DEFAULT 'staff',
  disabled TINYINT NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uq_login (login)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- token_hash is SHA-256 of the cookie's token: a stolen table gives no session.
CREATE TABLE IF NOT EXISTS session (
  token_hash BINARY(32) PRIMARY KEY,
  user_id INT NOT NULL,
  csrf CHAR(64) CHARACTER SET ascii NOT NULL,
  created_at DATETIME NOT NULL,
  last_seen DATETIME NOT NULL,
  KEY ix_user (user_id),
  KEY ix_last_seen (last_seen)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS login_failure (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  login VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
  address VARCHAR(45) CHARACTER SET ascii NOT NULL,
  at DATETIME NOT NULL,
  KEY ix_login (login, at),
  KEY ix_address (address, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS shop (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  mall ENUM('yahoo','rakuten','amazon','shopify') NOT NULL,
  is_base TINYINT NOT NULL DEFAULT 0,
  enabled TINYINT NOT NULL DEFAULT 1,
  state ENUM('ok','stopped') NOT NULL DEFAULT 'ok',
  stop_reason VARCHAR(500) NULL,
  api_base VARCHAR(255) NOT NULL DEFAULT '',
  -- AES-256-GCM sealed JSON of the mall's credentials; never shown again once entered.
  credentials VARBINARY(8192) NULL,
  token_expires_at DATETIME NULL,
  -- Mall-specific knobs (rate limits, seller id, location id, …) as JSON text.
  options TEXT NULL,
  order_cursor DATETIME NULL,
  initial_fetch_at DATETIME NULL,
  last_fetch_at DATETIME NULL,
  last_push_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uq_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS sku (
  id INT AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  name VARCHAR(255) NOT NULL DEFAULT '',
  total INT NOT NULL DEFAULT 0,
  is_set TINYINT NOT NULL DEFAULT 0,
  -- 在庫数通知 per SKU (商品別) and whether the SKU is below it now (once per crossing).
  alert_threshold INT NULL,
  alert_below TINYINT NOT NULL DEFAULT 0,
  -- The keyword search document: codes and names of the SKU and its listings,
  -- normalised and lower-cased in C, searched as bytes.
  search_doc VARBINARY(3000) NOT NULL DEFAULT '',
  -- 1 while any of its listings drifts (差異); kept by the stock core.
  drift TINYINT NOT NULL DEFAULT 0,
  updated_at DATETIME NOT NULL,
  UNIQUE KEY uq_code (code),
  KEY ix_drift (drift, code),
  KEY ix_set (is_set, code),
  KEY ix_total (total)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS listing (
  id INT AUTO_INCREMENT PRIMARY KEY,
  shop_id INT NOT NULL,
  -- The mall's product key: Yahoo code, Rakuten 商品管理番号, Amazon seller-sku, Shopify handle.
  item_code VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  -- The variant within it: Yahoo sub-code, Rakuten SKU管理番号, Shopify variant; '' if none.
  sub_code VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  -- The code that links to a SKU (⑦ SKU in the seed).
  sku_code VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  -- The mall's own id where pushes need one (Shopify inventory item, …).
  mall_ref VARCHAR(128) COLLATE utf8mb4_bin NULL,
  name VARCHAR(255) NOT NULL DEFAULT '',
  options VARCHAR(255) NOT NULL DEFAULT '',
  image_url VARCHAR(512) NOT NULL DEFAULT '',
  jan VARCHAR(32) NOT NULL DEFAULT '',
  price INT NULL,
  -- The mall's other columns as imported (モール別項目), JSON text.
  extra TEXT NULL,
  sync TINYINT NOT NULL DEFAULT 1,
  min_stock INT NULL,
  max_stock INT NULL,
  mall_stock INT NULL,
  mall_stock_at DATETIME NULL,
  sku_id INT NULL,
  link_mode ENUM('code','manual','unlinked') NOT NULL DEFAULT 'code',
  -- What zaiko wants the shop to hold (NULL when not linked), kept by the stock core.
  wanted INT NULL,
  pushed_value INT NULL,
  pushed_at DATETIME NULL,
  state ENUM('ok','duplicate','error') NOT NULL DEFAULT 'ok',
  last_error VARCHAR(500) NULL,
  drift TINYINT AS (IF(sync = 1 AND sku_id IS NOT NULL AND mall_stock IS NOT NULL
                       AND wanted IS NOT NULL AND mall_stock <> wanted, 1, NULL)) PERSISTENT,
  UNIQUE KEY uq_item (shop_id, item_code, sub_code),
  KEY ix_sku (sku_id, shop_id),
  KEY ix_shop_skucode (shop_id, sku_code),
  KEY ix_drift (drift, sku_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS set_part (
  set_sku_id INT NOT NULL,
  part_sku_id INT NOT NULL,
  quantity INT NOT NULL,
  PRIMARY KEY (set_sku_id, part_sku_id),
  KEY ix_part (part_sku_id)
) ENGINE=InnoDB;

-- Every change of a total; per SKU the deltas add up to the total.
CREATE TABLE IF NOT EXISTS stock_move (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  sku_id INT NOT NULL,
  delta INT NOT NULL,
  total_after INT NOT NULL,
  reason ENUM('initial','order','cancel','manual','csv','set') NOT NULL,
  ref VARCHAR(255) NOT NULL DEFAULT '',
  user_id INT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_sku (sku_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One pending push per listing (pending_listing is unique), kept after sending as history.
CREATE TABLE IF NOT EXISTS push (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  listing_id INT NOT NULL,
  shop_id INT NOT NULL,
  wanted INT NOT NULL,
  why VARCHAR(255) NOT NULL DEFAULT '',
  state ENUM('pending','sending','done','failed') NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_try_at DATETIME NULL,
  claimed_at DATETIME NULL,
  result VARCHAR(500) NULL,
  created_at DATETIME NOT NULL,
  sent_at DATETIME NULL,
  pending_listing INT AS (IF(state = 'pending', listing_id, NULL)) PERSISTENT,
  UNIQUE KEY uq_pending (pending_listing),
  KEY ix_queue_shop (state, shop_id, id),
  KEY ix_queue (state, id),
  KEY ix_listing (listing_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS mall_order (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  shop_id INT NOT NULL,
  order_no VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
  status VARCHAR(32) NOT NULL DEFAULT '',
  cancelled TINYINT NOT NULL DEFAULT 0,
  ordered_at DATETIME NULL,
  mall_updated_at DATETIME NULL,
  fetched_at DATETIME NOT NULL,
  UNIQUE KEY uq_order (shop_id, order_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- applied is what this line has taken from stock so far: a line moves stock exactly once,
-- and a cancellation returns exactly what was taken.
CREATE TABLE IF NOT EXISTS mall_order_line (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  line_key VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  item_code VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  sub_code VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  sku_code VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  quantity INT NOT NULL,
  cancelled TINYINT NOT NULL DEFAULT 0,
  listing_id INT NULL,
  sku_id INT NULL,
  applied INT NOT NULL DEFAULT 0,
  state ENUM('new','applied','unlinked','before_cursor','cancelled') NOT NULL DEFAULT 'new',
  UNIQUE KEY uq_line (order_id, line_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- エラーメッセージ. level 8: temporary (retrying), 9: a shop stopped. kind groups the
-- how-to-solve link; dedupe keeps one row per repeated problem.
CREATE TABLE IF NOT EXISTS error_log (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  level TINYINT NOT NULL,
  kind VARCHAR(32) CHARACTER SET ascii NOT NULL,
  shop_id INT NULL,
  sku_id INT NULL,
  listing_id INT NULL,
  message VARCHAR(1000) NOT NULL,
  dedupe VARCHAR(190) COLLATE utf8mb4_bin NULL,
  repeat_count INT NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  UNIQUE KEY uq_dedupe (dedupe),
  KEY ix_updated (updated_at),
  KEY ix_kind (kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS setting (
  name VARCHAR(64) CHARACTER SET ascii PRIMARY KEY,
  value TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Long work (CSV imports, test mails, connection tests) and its progress, polled by pages.
CREATE TABLE IF NOT EXISTS job (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(32) CHARACTER SET ascii NOT NULL,
  state ENUM('queued','running','done','failed') NOT NULL DEFAULT 'queued',
  user_id INT NULL,
  shop_id INT NULL,
  total INT NOT NULL DEFAULT 0,
  done INT NOT NULL DEFAULT 0,
  message VARCHAR(1000) NOT NULL DEFAULT '',
  payload LONGBLOB NULL,
  result MEDIUMTEXT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  KEY ix_state (state, kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Mail waiting for the batch (error mails, stock alerts, test mails) and what became of it.
CREATE TABLE IF NOT EXISTS mail_queue (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(32) CHARACTER SET ascii NOT NULL,
  recipients VARCHAR(1000) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  body MEDIUMTEXT NOT NULL,
  state ENUM('queued','sent','failed') NOT NULL DEFAULT 'queued',
  attempts INT NOT NULL DEFAULT 0,
  result VARCHAR(500) NULL,
  created_at DATETIME NOT NULL,
  sent_at DATETIME NULL,
  KEY ix_state (state, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
