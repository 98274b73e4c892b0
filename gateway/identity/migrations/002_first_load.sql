-- The first load over an empty index (docs/adr/0161): until anyone has been linked, each page of a feed is kept here
-- with the feed's cursor, and everything kept is linked at once, set-based, when the first refresh ends.

-- Order of first arrival: a later change to a record keeps its place. Drawn in the page's order.
CREATE SEQUENCE identity_arrivals_seq;

-- Half-filled pages, and `label` in no index, so that linking rewrites a label in place (a HOT update).
CREATE TABLE identity_arrivals (
  agency text NOT NULL,
  key text NOT NULL,
  seq bigint NOT NULL UNIQUE,
  -- The anchor the record would have alone (link.ts anchorOf), after the rank of its kind ('0pnc:…', '1cro:…', …,
  -- '4local:…'), so that the least label among linked records is their anchor. Linking lowers it to that.
  label text COLLATE "C" NOT NULL,
  given_name text NOT NULL,
  family_name text NOT NULL,
  date_of_birth text NOT NULL,
  pnc text,
  cro text,
  noms_number text,
  crn text,
  given_key text NOT NULL,
  family_key text NOT NULL,
  initials text NOT NULL,
  pass integer NOT NULL,
  PRIMARY KEY (agency, key)
) WITH (fillfactor = 50);
CREATE INDEX identity_arrivals_pnc ON identity_arrivals (pnc) WHERE pnc IS NOT NULL;
CREATE INDEX identity_arrivals_cro ON identity_arrivals (cro) WHERE cro IS NOT NULL;
CREATE INDEX identity_arrivals_noms_number ON identity_arrivals (noms_number) WHERE noms_number IS NOT NULL;
CREATE INDEX identity_arrivals_crn ON identity_arrivals (crn) WHERE crn IS NOT NULL;

-- Nobody is linked provisionally any more: the first load links once, when its ids are given out.
ALTER TABLE identity_people DROP COLUMN provisional;
