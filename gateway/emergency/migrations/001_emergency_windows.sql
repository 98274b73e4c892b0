-- Break-glass windows: one per user and justification, shared by every gateway on this database, so that
-- neither a restart nor another replica gives a user a fresh window or a fresh day's allowance.
CREATE TABLE emergency_windows (
  agency text NOT NULL,
  user_id text NOT NULL,
  justification text NOT NULL,
  started_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  PRIMARY KEY (agency, user_id, justification)
);
CREATE INDEX emergency_windows_user ON emergency_windows (agency, user_id, started_at);
