-- Since when a shop's order fetch / push step has been put off by the mall's rate limit without
-- a run that went through (NULL: it is not). A deferral shorter than the setting
-- rate_limit_notice_minutes (15) is normal pacing and writes no error row; a longer one does.
ALTER TABLE shop ADD COLUMN IF NOT EXISTS fetch_deferred_since DATETIME NULL DEFAULT NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
ALTER TABLE shop ADD COLUMN IF NOT EXISTS push_deferred_since DATETIME NULL DEFAULT NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
