-- +goose Up
-- Service monitoring. A check probes one system or application of the
-- service; its definition and the state its latest run left are one row.
-- next_due is when it runs next: nodes claim due checks by moving next_due
-- on in one conditional UPDATE, so no two nodes run a check in one interval.
CREATE TABLE monitor_checks (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL,
    service              TEXT    NOT NULL,
    component            TEXT    NOT NULL DEFAULT '',
    kind                 TEXT    NOT NULL,
    org_id               INTEGER REFERENCES organisations (id),
    provider_id          INTEGER REFERENCES organisations (id),
    public               INTEGER NOT NULL DEFAULT 0,
    enabled              INTEGER NOT NULL DEFAULT 1,
    method               TEXT    NOT NULL DEFAULT '',
    url                  TEXT    NOT NULL DEFAULT '',
    headers              TEXT    NOT NULL DEFAULT '[]',
    expect_status        TEXT    NOT NULL DEFAULT '',
    body_contains        TEXT    NOT NULL DEFAULT '',
    body_matches         TEXT    NOT NULL DEFAULT '',
    max_response_ms      INTEGER NOT NULL DEFAULT 0,
    verify_tls           INTEGER NOT NULL DEFAULT 1,
    follow_redirects     INTEGER NOT NULL DEFAULT 1,
    address              TEXT    NOT NULL DEFAULT '',
    cert_warn_days       INTEGER NOT NULL DEFAULT 0,
    interval_ms          INTEGER NOT NULL,
    timeout_ms           INTEGER NOT NULL,
    retries              INTEGER NOT NULL DEFAULT 0,
    incident_after       INTEGER NOT NULL DEFAULT 3,
    incident_priority    TEXT    NOT NULL DEFAULT '',
    target_percent       REAL    NOT NULL DEFAULT 0,
    target_calendar      TEXT    NOT NULL DEFAULT '24x7',
    status               TEXT    NOT NULL DEFAULT 'unknown',
    last_checked_at      INTEGER,
    last_latency_us      INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT    NOT NULL DEFAULT '',
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    cert_expires_at      INTEGER,
    open_outage_id       INTEGER,
    next_due             INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    UNIQUE (service, name)
);
CREATE INDEX monitor_checks_due ON monitor_checks (enabled, next_due);
CREATE INDEX monitor_checks_provider ON monitor_checks (provider_id);

-- Raw samples, one per run, kept for a configurable number of days.
CREATE TABLE check_samples (
    check_id    INTEGER NOT NULL REFERENCES monitor_checks (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    up          INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (check_id, at)
) WITHOUT ROWID;
CREATE INDEX check_samples_at ON check_samples (at);

-- Roll-ups per minute (level 0), hour (1) and day (2), UTC-aligned: counts,
-- failures and a latency histogram (h0..h15 over itsm.LatencyBounds) from
-- which percentiles are estimated. Results add into them, so a check that
-- moves between nodes mid-bucket still counts once per run.
CREATE TABLE check_rollups (
    check_id   INTEGER NOT NULL REFERENCES monitor_checks (id) ON DELETE CASCADE,
    level      INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    samples    INTEGER NOT NULL,
    failures   INTEGER NOT NULL,
    latency_sum_us INTEGER NOT NULL,
    latency_max_us INTEGER NOT NULL,
    h0 INTEGER NOT NULL DEFAULT 0, h1 INTEGER NOT NULL DEFAULT 0, h2 INTEGER NOT NULL DEFAULT 0, h3 INTEGER NOT NULL DEFAULT 0,
    h4 INTEGER NOT NULL DEFAULT 0, h5 INTEGER NOT NULL DEFAULT 0, h6 INTEGER NOT NULL DEFAULT 0, h7 INTEGER NOT NULL DEFAULT 0,
    h8 INTEGER NOT NULL DEFAULT 0, h9 INTEGER NOT NULL DEFAULT 0, h10 INTEGER NOT NULL DEFAULT 0, h11 INTEGER NOT NULL DEFAULT 0,
    h12 INTEGER NOT NULL DEFAULT 0, h13 INTEGER NOT NULL DEFAULT 0, h14 INTEGER NOT NULL DEFAULT 0, h15 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (check_id, level, bucket)
) WITHOUT ROWID;

-- An outage is a run of failed runs of one check.
CREATE TABLE check_outages (
    id              INTEGER PRIMARY KEY,
    check_id        INTEGER NOT NULL REFERENCES monitor_checks (id) ON DELETE CASCADE,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    cause           TEXT    NOT NULL DEFAULT '',
    failures        INTEGER NOT NULL DEFAULT 1,
    in_maintenance  INTEGER NOT NULL DEFAULT 0,
    ticket_id       INTEGER REFERENCES tickets (id) ON DELETE SET NULL
);
CREATE INDEX check_outages_check ON check_outages (check_id, started_at);
CREATE INDEX check_outages_started ON check_outages (started_at);
CREATE INDEX check_outages_open ON check_outages (ended_at);

-- Maintenance windows planned for a service ('' for every service). Windows
-- of scheduled changes are read from change_requests, not copied here.
CREATE TABLE maintenance_windows (
    id         INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    service    TEXT    NOT NULL DEFAULT '',
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    notes      TEXT    NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX maintenance_windows_ends ON maintenance_windows (ends_at);

-- Live probe nodes: each heartbeats; a node whose heartbeat is older than
-- the TTL is dead and its share of checks moves to the others.
CREATE TABLE probe_nodes (
    node         TEXT    PRIMARY KEY,
    heartbeat_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE probe_nodes;
DROP TABLE maintenance_windows;
DROP TABLE check_outages;
DROP TABLE check_rollups;
DROP TABLE check_samples;
DROP TABLE monitor_checks;
