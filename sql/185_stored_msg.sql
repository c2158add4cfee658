-- Texts kept in the database as language keys with their arguments (core/smsg.h), beside the
-- Japanese text each row always had: a page shows the key form in its reader's language, and
-- a row without it (written before, or by a path that has none) shows its text as it is.
-- CSV exports and mails keep reading the Japanese text columns.
ALTER TABLE push ADD COLUMN IF NOT EXISTS why_msg VARCHAR(1000) NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
ALTER TABLE error_log ADD COLUMN IF NOT EXISTS message_msg VARCHAR(2000) NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
ALTER TABLE shop ADD COLUMN IF NOT EXISTS stop_reason_msg VARCHAR(1000) NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
ALTER TABLE job ADD COLUMN IF NOT EXISTS message_msg VARCHAR(1000) NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
