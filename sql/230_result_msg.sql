-- The results zaiko itself writes (a push superseded or no longer sent, a test mail without a
-- server) as language keys with their arguments (core/smsg.h), beside the Japanese text
-- result keeps: the SKU page and 共通設定 show them in the reader's language. A mall's or an
-- SMTP server's own reply has none and shows as it came.
ALTER TABLE push ADD COLUMN IF NOT EXISTS result_msg VARCHAR(500) NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
ALTER TABLE mail_queue ADD COLUMN IF NOT EXISTS result_msg VARCHAR(500) NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
