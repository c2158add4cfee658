-- Why a job failed, apart from job.message: a CSV job's message is its file's name, which
-- its stock_move rows carry as ref, and a failed job can be applied again.
ALTER TABLE job ADD COLUMN IF NOT EXISTS error VARCHAR(1000) NOT NULL DEFAULT '',
  ALGORITHM=INSTANT, LOCK=NONE;
