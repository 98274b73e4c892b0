-- The first load's linking (docs/adr/0165): label propagation also lowers `first` to the least seq of the record's
-- component, so a person is made at its first record, and a digest already taken there is a collision, known without
-- reading the history. Null until linking finds a record of its component kept before it: outside the linking
-- transaction, always null.
ALTER TABLE identity_arrivals ADD COLUMN first bigint;
