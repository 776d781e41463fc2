-- +goose Up
-- freeze_periods are named periods in which changes may not be implemented:
-- on one service, or on every service when service is ''. The period is
-- [starts_at, ends_at), UTC microseconds.
CREATE TABLE freeze_periods (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    service    TEXT    NOT NULL DEFAULT '',
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_at > starts_at)
);
CREATE INDEX freeze_periods_span ON freeze_periods (starts_at, ends_at);

-- calendar_feeds holds each person's secret iCalendar feed, by its hash.
CREATE TABLE calendar_feeds (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

-- A conflict check reads the windows on one service that start in a
-- bounded range (windows are at most 14 days long), case-insensitively.
CREATE INDEX change_requests_service_window ON change_requests (LOWER(service), window_start);

-- +goose Down
DROP INDEX change_requests_service_window;
DROP TABLE calendar_feeds;
DROP TABLE freeze_periods;
