-- The identity index (docs/adr/0150): agency identity records, the people they are linked into, and every link change.

-- A person's gateway id, kept for life. A merged-away id names its survivor; a split keeps the id with the part
-- holding the person's earliest record. `provisional` marks people of the very first load, before any id was given out.
CREATE TABLE identity_people (
  gateway_id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  merged_into text REFERENCES identity_people (gateway_id),
  provisional boolean NOT NULL DEFAULT false
);
CREATE INDEX identity_people_merged_into ON identity_people (merged_into) WHERE merged_into IS NOT NULL;

-- One row per record an agency holds, as its identity feed last gave it. `seq` orders records by first arrival.
CREATE TABLE identity_records (
  agency text NOT NULL,
  key text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  gateway_id text NOT NULL REFERENCES identity_people (gateway_id),
  given_name text NOT NULL,
  family_name text NOT NULL,
  date_of_birth text NOT NULL,
  pnc text,
  cro text,
  noms_number text,
  crn text,
  -- For search and match weights: the first given-name token, the family-name tokens, the name's sorted initials.
  given_key text NOT NULL,
  family_key text NOT NULL,
  initials text NOT NULL,
  -- The feed pass that last gave the record (identity_feeds.pass): a restarted feed sweeps what its new pass did not give.
  pass integer NOT NULL,
  PRIMARY KEY (agency, key)
);
CREATE INDEX identity_records_person ON identity_records (gateway_id);
CREATE INDEX identity_records_pnc ON identity_records (pnc) WHERE pnc IS NOT NULL;
CREATE INDEX identity_records_cro ON identity_records (cro) WHERE cro IS NOT NULL;
CREATE INDEX identity_records_noms_number ON identity_records (noms_number) WHERE noms_number IS NOT NULL;
CREATE INDEX identity_records_crn ON identity_records (crn) WHERE crn IS NOT NULL;
CREATE INDEX identity_records_date_of_birth ON identity_records (date_of_birth);
CREATE INDEX identity_records_initials ON identity_records (initials);
CREATE INDEX identity_records_given_key ON identity_records (given_key);
CREATE INDEX identity_records_family_key ON identity_records (family_key);

-- Every link change: NEW (a person created), MERGE (other_id merged into gateway_id), SPLIT (other_id split off gateway_id).
CREATE TABLE identity_links_history (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  change text NOT NULL CHECK (change IN ('NEW', 'MERGE', 'SPLIT')),
  gateway_id text NOT NULL,
  other_id text,
  reason text NOT NULL
);
CREATE INDEX identity_links_history_person ON identity_links_history (gateway_id, seq);
CREATE INDEX identity_links_history_other ON identity_links_history (other_id, seq) WHERE other_id IS NOT NULL;

-- Each agency's durable place in its identity change feed. `loaded_at` is set once the feed has been read to its end.
CREATE TABLE identity_feeds (
  agency text PRIMARY KEY,
  cursor text,
  loaded_at timestamptz,
  refreshed_at timestamptz,
  error text,
  -- Raised when the feed restarts; `sweeping` until that re-read reaches its end and removes the records it did not give.
  pass integer NOT NULL DEFAULT 0,
  sweeping boolean NOT NULL DEFAULT false
);
