-- Listings are ordered by sequence, so a filter by user or agency is indexed with the sequence: the
-- first page of one user's records is then read straight off the index, newest or oldest first,
-- however many records the user has. These replace the (user_id, occurred_at) and (agency,
-- occurred_at) indexes, which no query used in that order.
CREATE INDEX ledger_records_user_sequence ON ledger_records (user_id, sequence);
CREATE INDEX ledger_records_agency_sequence ON ledger_records (agency, sequence);
DROP INDEX ledger_records_user;
DROP INDEX ledger_records_agency;
