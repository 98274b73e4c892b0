-- How far the register has followed the identity index's merges (docs/adr/0166): the last identity_links_history.seq
-- it has read. From 0, so that a register older than this follows the merges already made.
CREATE TABLE cohort_identity_cursor (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seq bigint NOT NULL
);
INSERT INTO cohort_identity_cursor (seq) VALUES (0);
