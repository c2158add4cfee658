-- The language of a user's screens and of the mails they are sent: ja (the default) or en.
ALTER TABLE app_user ADD COLUMN IF NOT EXISTS lang ENUM('ja','en') NOT NULL DEFAULT 'ja',
  ALGORITHM=INSTANT, LOCK=NONE;
