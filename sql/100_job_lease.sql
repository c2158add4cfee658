-- A CSV job's apply holds a lease: a worker that dies mid-apply leaves a job that another
-- request can claim once the lease has run out (the token fences the old worker out: its
-- transaction marks the job done only while the token is still its own).
ALTER TABLE job
  ADD COLUMN IF NOT EXISTS lease_until DATETIME NULL,
  ADD COLUMN IF NOT EXISTS lease_token CHAR(32) CHARACTER SET ascii NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
