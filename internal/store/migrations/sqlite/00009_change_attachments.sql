-- +goose Up
-- Files on change requests, checked as ticket files are (name, type, size,
-- content) and kept with their SHA-256. public is 0 for internal files,
-- which customers do not see.
CREATE TABLE change_attachments (
    id            INTEGER PRIMARY KEY,
    change_id     INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    filename      TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL CHECK (size > 0),
    sha256        TEXT    NOT NULL,
    public        INTEGER NOT NULL DEFAULT 1,
    uploader_id   INTEGER REFERENCES users (id),
    uploader_name TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    data          BLOB    NOT NULL
);
CREATE INDEX change_attachments_change ON change_attachments (change_id);

-- +goose Down
DROP TABLE change_attachments;
