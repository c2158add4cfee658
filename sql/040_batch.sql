-- The batch's own bookkeeping on shops. order_cursor stays the 初期受注取得 moment (orders
-- placed before it never move stock); fetch_cursor is where the next order fetch starts (less
-- an overlap), moved only after the fetched orders are applied.
ALTER TABLE shop
  ADD COLUMN IF NOT EXISTS fetch_cursor DATETIME NULL AFTER initial_fetch_at,
  ADD COLUMN IF NOT EXISTS probe_at DATETIME NULL,
  ADD COLUMN IF NOT EXISTS credentials_expire_at DATETIME NULL,
  ADD COLUMN IF NOT EXISTS expiry_warned_for DATETIME NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
-- probe_at: when a stopped shop was last tried (refresh) to see whether it can resume.
-- credentials_expire_at: when the long-lived credential ends (Rakuten's licenseKey, Yahoo's
-- refresh token); token_expires_at is the short access token's. expiry_warned_for: the
-- credentials_expire_at an expiry warning mail was queued for (once per expiry).
