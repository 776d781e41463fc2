-- +goose Up
-- Provider performance reviews: one row per meeting with a provider, its
-- attendees as a small JSON list, and its minutes in Markdown. The pack is
-- derived from the period's records whenever it is read; nothing of it is
-- stored.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES organisations (id),
    title       TEXT    NOT NULL,
    period_from INTEGER NOT NULL,
    period_to   INTEGER NOT NULL CHECK (period_to >= period_from),
    meeting_at  INTEGER NOT NULL,
    location    TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL CHECK (status IN ('planned', 'held', 'closed')),
    attendees   TEXT    NOT NULL DEFAULT '[]',
    minutes     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX reviews_provider_meeting ON reviews (provider_id, meeting_at);
CREATE INDEX reviews_meeting ON reviews (meeting_at);

-- Actions agreed at a review. Open actions of earlier reviews are read into
-- the next review's pack by provider and meeting date, never copied.
CREATE TABLE review_actions (
    id          INTEGER PRIMARY KEY,
    review_id   INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    owner_id    INTEGER REFERENCES users (id),
    owner_name  TEXT    NOT NULL DEFAULT '',
    due_date    INTEGER NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
    note        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX review_actions_review ON review_actions (review_id, status);

-- +goose Down
DROP TABLE review_actions;
DROP TABLE reviews;
