-- The IOM cohort register: one row per person ever selected, and every change to it.
CREATE TABLE cohort_memberships (
  gateway_id text PRIMARY KEY,
  strand text NOT NULL CHECK (strand IN ('fixed', 'flex', 'free')),
  scheme text,
  service_level text NOT NULL CHECK (service_level IN ('high', 'medium', 'low')),
  lead_professional jsonb NOT NULL,
  selected_on date NOT NULL,
  selection_reason text NOT NULL,
  active boolean NOT NULL,
  deselected_on date,
  deselection_reason text,
  exit_plan text,
  -- Optimistic concurrency: a change planned against one version is applied only to that version.
  version integer NOT NULL
);
CREATE INDEX cohort_memberships_active ON cohort_memberships (active, strand, service_level);

CREATE TABLE cohort_history (
  id bigserial PRIMARY KEY,
  gateway_id text NOT NULL REFERENCES cohort_memberships (gateway_id),
  occurred_at timestamptz NOT NULL,
  action text NOT NULL,
  details jsonb NOT NULL,
  actor text NOT NULL,
  request_id text NOT NULL
);
CREATE INDEX cohort_history_person ON cohort_history (gateway_id, id);
