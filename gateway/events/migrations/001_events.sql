-- Events about active IOM cohort members, as the agencies' feeds reported them. `sequence` orders them for
-- every reader (the events query's cursor); `id` (agency and the agency's own id) keeps a re-read event out.
CREATE TABLE cohort_events (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  gateway_id text NOT NULL,
  agency text NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  summary text NOT NULL,
  details jsonb NOT NULL,
  -- The ISP data item a recipient must be allowed to receive this event.
  data_item text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cohort_events_person ON cohort_events (gateway_id, sequence);

-- Where the gateway has read each agency's feed to, so a restart neither loses nor re-reads events.
CREATE TABLE cohort_event_cursors (
  agency text PRIMARY KEY,
  cursor text,
  read_at timestamptz NOT NULL
);
