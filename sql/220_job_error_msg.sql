-- Why a job failed, as language keys with their arguments (core/smsg.h) beside job.error's
-- Japanese text, so a CSV job's failure reads in its reader's language (job.message_msg is
-- the key form of job.message, which a CSV job keeps as its file's name).
ALTER TABLE job ADD COLUMN IF NOT EXISTS error_msg VARCHAR(2000) NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
