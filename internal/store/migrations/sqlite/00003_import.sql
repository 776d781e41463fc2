-- +goose Up
-- import_hash is the digest of an imported ticket's content as last
-- imported, so a re-import can tell an unchanged ticket without reading it.
ALTER TABLE tickets ADD COLUMN import_hash TEXT;
-- imported marks the history lines an import wrote, so that re-importing a
-- changed ticket replaces them and keeps what people added in Steward.
ALTER TABLE ticket_events ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE ticket_events DROP COLUMN imported;
ALTER TABLE tickets DROP COLUMN import_hash;
