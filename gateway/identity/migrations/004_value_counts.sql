-- How many records hold each given-name key, family-name key and date of birth (docs/adr/0168): the frequencies a
-- match weight is adjusted by, read by key at each search instead of counted then. Counting a common name took most of
-- a search at 1,000,000 people. Kept by the database itself, in the statement that changes the records, whichever
-- code writes them: one aggregate per statement, so a first load's batch of thousands is one write per value.
CREATE TABLE identity_value_counts (
  field text NOT NULL CHECK (field IN ('given', 'family', 'dob')),
  value text NOT NULL,
  -- Zero once no record holds the value any more: the row stays, and reads as the count it is.
  n bigint NOT NULL,
  PRIMARY KEY (field, value)
);

-- Records already held when this migration ran (seq up to `upto`) are counted after it, in bounded statements under
-- the linking lock (value-counts.ts countEarlierRecords): counted here in one statement, a large index would overrun
-- the database deadline at every start. Until then the triggers leave those records alone; `upto` is 0 once counted.
-- The first load sets it past every record while it links, and counts them once at its end (first-load.ts).
CREATE TABLE identity_counting (
  id integer PRIMARY KEY CHECK (id = 1),
  upto bigint NOT NULL
);

-- Each trigger names its transition tables `added` and `taken`, so one function serves all three: records added count
-- +1 for each of their values, records taken -1, and an update is both.
CREATE FUNCTION identity_count_values() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT *, 1 AS d FROM added'
    WHEN 'UPDATE' THEN 'SELECT *, 1 AS d FROM added UNION ALL SELECT *, -1 FROM taken'
    ELSE 'SELECT *, -1 AS d FROM taken'
  END;
BEGIN
  EXECUTE format(
    $sql$INSERT INTO identity_value_counts (field, value, n)
      SELECT v.field, v.value, sum(r.d) FROM (%s) r,
        LATERAL (VALUES ('given', r.given_key), ('family', r.family_key), ('dob', r.date_of_birth)) AS v (field, value)
      WHERE r.seq > coalesce((SELECT upto FROM identity_counting), 0)
      GROUP BY v.field, v.value HAVING sum(r.d) <> 0
      ON CONFLICT (field, value) DO UPDATE SET n = identity_value_counts.n + excluded.n$sql$,
    changed);
  RETURN NULL;
END
$$;

CREATE TRIGGER identity_records_counted_insert AFTER INSERT ON identity_records
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION identity_count_values();
CREATE TRIGGER identity_records_counted_update AFTER UPDATE ON identity_records
  REFERENCING OLD TABLE AS taken NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION identity_count_values();
CREATE TRIGGER identity_records_counted_delete AFTER DELETE ON identity_records
  REFERENCING OLD TABLE AS taken FOR EACH STATEMENT EXECUTE FUNCTION identity_count_values();

-- Read after the triggers exist: creating them waited for every write in flight and holds off new ones until this
-- migration commits, so no record is both above `upto` and written before a trigger could count it.
INSERT INTO identity_counting (id, upto) SELECT 1, coalesce(max(seq), 0) FROM identity_records;
