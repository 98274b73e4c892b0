-- Who seeded the register with the embedded default's cohort: at most once, even with several gateways starting together.
CREATE TABLE cohort_seed (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  request_id text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now()
);
