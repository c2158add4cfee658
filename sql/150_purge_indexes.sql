-- zaiko-batch purge finds the newest row older than a period through these indexes, then
-- deletes by primary-key ranges. Built in place without blocking writes (LOCK=NONE).
ALTER TABLE push ADD KEY IF NOT EXISTS ix_created (created_at), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE mall_order ADD KEY IF NOT EXISTS ix_fetched (fetched_at), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE login_failure ADD KEY IF NOT EXISTS ix_at (at), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE mail_queue ADD KEY IF NOT EXISTS ix_created (created_at), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE job ADD KEY IF NOT EXISTS ix_updated (updated_at), ALGORITHM=INPLACE, LOCK=NONE;
