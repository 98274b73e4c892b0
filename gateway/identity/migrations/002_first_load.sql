-- The first load over an empty index (docs/adr/0161): until anyone has been linked, each page of a feed is kept here
-- with the feed's cursor, and everything kept is linked at once, set-based, when the first refresh ends.

-- Order of first arrival: a later change to a record keeps its place. Drawn in the page's order.
CREATE SEQUENCE identity_arrivals_seq;

CREATE TABLE identity_arrivals (
  agency text NOT NULL,
  key text NOT NULL,
  seq bigint NOT NULL UNIQUE,
  -- While linking: the least seq among the records this one is known to be linked to (its own seq until then).
  label bigint NOT NULL,
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
);
CREATE INDEX identity_arrivals_label ON identity_arrivals (label);
CREATE INDEX identity_arrivals_pnc ON identity_arrivals (pnc) WHERE pnc IS NOT NULL;
CREATE INDEX identity_arrivals_cro ON identity_arrivals (cro) WHERE cro IS NOT NULL;
CREATE INDEX identity_arrivals_noms_number ON identity_arrivals (noms_number) WHERE noms_number IS NOT NULL;
CREATE INDEX identity_arrivals_crn ON identity_arrivals (crn) WHERE crn IS NOT NULL;

-- Nobody is linked provisionally any more: the first load links once, when its ids are given out.
ALTER TABLE identity_people DROP COLUMN provisional;
