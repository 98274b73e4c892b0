-- IG officers' triage decisions on alerts. The ledger record (kind alteration, register alert-triage) is the
-- authority and is written first; this table is the queue's state, keyed by the alert and naming that record.
CREATE TABLE alert_triage (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_key text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('acknowledged', 'escalated', 'dismissed')),
  note text NOT NULL,
  user_id text NOT NULL,
  display_name text NOT NULL,
  agency text NOT NULL,
  decided_at timestamptz NOT NULL,
  ledger_sequence bigint NOT NULL
);
CREATE INDEX alert_triage_key ON alert_triage (alert_key, id);
