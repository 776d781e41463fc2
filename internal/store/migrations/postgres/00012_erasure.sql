-- +goose Up
-- Erasure of a person's personal data (UK GDPR). users.erased_at marks an
-- account whose personal data was erased, so it is not erased twice or
-- changed afterwards. audit_erasures lists every audit entry an erasure
-- tombstoned, under the person_erased entry that records the erasure; that
-- entry's diff holds a SHA-256 of the sorted entry IDs, so a tombstone set
-- by hand, or added to an erasure afterwards, is reported by verification.
ALTER TABLE users ADD COLUMN erased_at BIGINT;

CREATE TABLE audit_erasures (
    entry_id   BIGINT PRIMARY KEY,
    erasure_id BIGINT NOT NULL
);
CREATE INDEX audit_erasures_erasure ON audit_erasures (erasure_id);

-- +goose Down
DROP TABLE audit_erasures;
ALTER TABLE users DROP COLUMN erased_at;
