-- The disclosure ledger. Plain SQL that PostgreSQL and PGlite both run unchanged.

-- The chain head: the last sequence and hash. Writers lock this row (SELECT ... FOR UPDATE) so that
-- any number of gateway processes extend one chain; it also lets verify() see a removed tail.
CREATE TABLE ledger_head (
  id smallint PRIMARY KEY CHECK (id = 1),
  sequence bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO ledger_head (id, sequence, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- One row per recorded request. `canonical` is the exact text that was hashed; every other column
-- but the chain links is derived from it for indexing, and verify() checks that they agree.
CREATE TABLE ledger_records (
  sequence bigint PRIMARY KEY,
  prev_hash text NOT NULL,
  hash text NOT NULL UNIQUE,
  canonical text NOT NULL,
  occurred_at timestamptz NOT NULL,
  user_id text NOT NULL,
  agency text NOT NULL,
  role text NOT NULL,
  purpose text NOT NULL,
  kind text NOT NULL,
  outcome text NOT NULL,
  emergency boolean NOT NULL,
  clause_ids text[] NOT NULL
);
CREATE INDEX ledger_records_occurred_at ON ledger_records (occurred_at);
CREATE INDEX ledger_records_user ON ledger_records (user_id, occurred_at);
CREATE INDEX ledger_records_agency ON ledger_records (agency, occurred_at);
CREATE INDEX ledger_records_clause_ids ON ledger_records USING gin (clause_ids);
CREATE INDEX ledger_records_emergency ON ledger_records (occurred_at) WHERE emergency;

-- The people each record concerns, for subject access and identifier searches.
CREATE TABLE ledger_subjects (
  sequence bigint NOT NULL REFERENCES ledger_records (sequence),
  position integer NOT NULL,
  gateway_id text NOT NULL,
  pnc text,
  cro text,
  noms_number text,
  crn text,
  in_active_cohort boolean,
  PRIMARY KEY (sequence, position)
);
CREATE INDEX ledger_subjects_gateway_id ON ledger_subjects (gateway_id, sequence);
CREATE INDEX ledger_subjects_pnc ON ledger_subjects (pnc, sequence) WHERE pnc IS NOT NULL;
CREATE INDEX ledger_subjects_cro ON ledger_subjects (cro, sequence) WHERE cro IS NOT NULL;
CREATE INDEX ledger_subjects_noms_number ON ledger_subjects (noms_number, sequence) WHERE noms_number IS NOT NULL;
CREATE INDEX ledger_subjects_crn ON ledger_subjects (crn, sequence) WHERE crn IS NOT NULL;
CREATE INDEX ledger_subjects_outside_cohort ON ledger_subjects (sequence) WHERE in_active_cohort = false;

-- Signed statements of the chain head; `jws` is the authority, the other columns are read from it.
CREATE TABLE ledger_checkpoints (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sequence bigint NOT NULL,
  hash text NOT NULL,
  at timestamptz NOT NULL,
  key_id text NOT NULL,
  jws text NOT NULL
);
CREATE INDEX ledger_checkpoints_sequence ON ledger_checkpoints (sequence);

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the disclosure ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER ledger_records_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_records
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_subjects_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_subjects
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
-- The head moves forward by UPDATE, but is never removed.
CREATE TRIGGER ledger_head_kept BEFORE DELETE OR TRUNCATE ON ledger_head
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
