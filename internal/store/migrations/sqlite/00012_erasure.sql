-- +goose Up
-- Erasure of a person's personal data (UK GDPR). users.erased_at marks an
-- account whose personal data was erased, so it is not erased twice or
-- changed afterwards. audit_erasures lists every audit entry an erasure
-- tombstoned, with the digest of the entry's content as the erasure left
-- it, under the person_erased entry that records the erasure; that entry's
-- diff holds a SHA-256 of the sorted (entry, digest) pairs. So a tombstone
-- set by hand, an entry added to an erasure afterwards, and a change to an
-- erased entry are all reported by verification. An entry a later erasure
-- scrubs again is listed again, under that erasure.
ALTER TABLE users ADD COLUMN erased_at INTEGER;

CREATE TABLE audit_erasures (
    entry_id     INTEGER NOT NULL,
    erasure_id   INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (entry_id, erasure_id)
);
CREATE INDEX audit_erasures_erasure ON audit_erasures (erasure_id);

-- +goose Down
DROP TABLE audit_erasures;
ALTER TABLE users DROP COLUMN erased_at;
