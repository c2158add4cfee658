-- Login throttling, made atomic: a login attempt locks the row of its address and then the
-- row of its account (always in that order), counts the recent failures and, when it may go
-- on, records itself as a failure before the password is checked (deleted again on success).
-- The rows are lock anchors only; old ones are swept.
CREATE TABLE IF NOT EXISTS login_gate (
  kind CHAR(1) CHARACTER SET ascii NOT NULL,
  name VARBINARY(300) NOT NULL,
  touched DATETIME NOT NULL,
  PRIMARY KEY (kind, name),
  KEY ix_touched (touched)
) ENGINE=InnoDB;
-- The pair (account, address) is what locks out now.
ALTER TABLE login_failure ADD INDEX IF NOT EXISTS ix_pair (login, address, at), ALGORITHM=INPLACE, LOCK=NONE;
