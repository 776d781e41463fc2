-- +goose Up
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE service_agreements (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    provider_id    INTEGER NOT NULL REFERENCES organisations (id),
    customer_id    INTEGER REFERENCES organisations (id),
    effective_from INTEGER NOT NULL,
    calendar       TEXT    NOT NULL,
    targets        TEXT    NOT NULL,
    pause_statuses TEXT    NOT NULL,
    warn_fractions TEXT    NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL
);
CREATE INDEX service_agreements_pick ON service_agreements (customer_id, effective_from);

CREATE TABLE tickets (
    id                  INTEGER PRIMARY KEY,
    number              INTEGER NOT NULL,
    ref                 TEXT    NOT NULL UNIQUE,
    type                TEXT    NOT NULL CHECK (type IN ('incident', 'request')),
    org_id              INTEGER NOT NULL REFERENCES organisations (id),
    requester_id        INTEGER REFERENCES users (id),
    requester_name      TEXT    NOT NULL DEFAULT '',
    title               TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    category            TEXT    NOT NULL DEFAULT '',
    service             TEXT    NOT NULL DEFAULT '',
    component           TEXT    NOT NULL DEFAULT '',
    impact              TEXT    NOT NULL,
    urgency             TEXT    NOT NULL,
    priority            TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    is_open             INTEGER NOT NULL DEFAULT 1,
    assignee_id         INTEGER REFERENCES users (id),
    provider_id         INTEGER REFERENCES organisations (id),
    agreement_id        INTEGER REFERENCES service_agreements (id),
    response_due        INTEGER,
    response_met_at     INTEGER,
    resolution_due      INTEGER,
    next_due            INTEGER,
    next_alert_at       INTEGER,
    response_breached   INTEGER NOT NULL DEFAULT 0,
    resolution_breached INTEGER NOT NULL DEFAULT 0,
    external_ref        TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    resolved_at         INTEGER,
    closed_at           INTEGER,
    version             INTEGER NOT NULL DEFAULT 1
);
-- Queue indexes: each lets a filtered queue read its newest (or most
-- urgent) page straight from the index and stop after the page.
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_updated ON tickets (updated_at);
CREATE INDEX tickets_org_open_created ON tickets (org_id, is_open, created_at);
CREATE INDEX tickets_status_created ON tickets (status, created_at);
CREATE INDEX tickets_assignee_open_created ON tickets (assignee_id, is_open, created_at);
CREATE INDEX tickets_assignee_open_updated ON tickets (assignee_id, is_open, updated_at);
CREATE INDEX tickets_provider_open_created ON tickets (provider_id, is_open, created_at);
CREATE INDEX tickets_priority_created ON tickets (priority, created_at);
CREATE INDEX tickets_open_due ON tickets (is_open, (COALESCE(next_due, 9223372036854775807)), id);
CREATE INDEX tickets_next_alert ON tickets (next_alert_at) WHERE next_alert_at IS NOT NULL;
CREATE UNIQUE INDEX tickets_external_ref ON tickets (external_ref) WHERE external_ref IS NOT NULL;

CREATE TABLE ticket_events (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    type       TEXT    NOT NULL,
    actor_id   INTEGER,
    actor_name TEXT    NOT NULL DEFAULT '',
    by_kind    TEXT    NOT NULL DEFAULT '',
    status     TEXT    NOT NULL DEFAULT '',
    priority   TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL DEFAULT '',
    public     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at, id);

-- sla_alerts records each warning and breach once, so it fires once across
-- restarts and nodes: the primary key refuses a second insert.
CREATE TABLE sla_alerts (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    clock     TEXT    NOT NULL,
    threshold TEXT    NOT NULL,
    fired_at  INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, clock, threshold)
);

CREATE TABLE ticket_watchers (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (ticket_id, user_id)
);

CREATE TABLE ticket_links (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    target_type TEXT    NOT NULL,
    target_id   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (ticket_id, kind, target_type, target_id)
);
CREATE INDEX ticket_links_target ON ticket_links (target_type, target_id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    public       INTEGER NOT NULL DEFAULT 1,
    uploader_id  INTEGER,
    created_at   INTEGER NOT NULL,
    data         BLOB    NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);

CREATE TABLE problems (
    id           INTEGER PRIMARY KEY,
    number       INTEGER NOT NULL,
    ref          TEXT    NOT NULL UNIQUE,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    root_cause   TEXT    NOT NULL DEFAULT '',
    workaround   TEXT    NOT NULL DEFAULT '',
    known_error  INTEGER NOT NULL DEFAULT 0,
    status       TEXT    NOT NULL,
    provider_id  INTEGER REFERENCES organisations (id),
    owner_id     INTEGER REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE escalation_contacts (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES organisations (id),
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    UNIQUE (provider_id, level, email)
);

CREATE TABLE escalations (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    status      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    raised_by   INTEGER REFERENCES users (id),
    owner_id    INTEGER REFERENCES users (id),
    due_at      INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    outcome     TEXT    NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX escalations_status ON escalations (status, created_at);
CREATE INDEX escalations_ticket ON escalations (ticket_id);

CREATE TABLE escalation_events (
    id            INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    actor_name    TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    level         INTEGER NOT NULL,
    body          TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE VIRTUAL TABLE tickets_fts USING fts5 (ref, title, description, content = 'tickets', content_rowid = 'id', tokenize = 'porter unicode61');
-- +goose StatementBegin
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, ref, title, description) VALUES (new.id, new.ref, new.title, new.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, ref, title, description) VALUES ('delete', old.id, old.ref, old.title, old.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF ref, title, description ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, ref, title, description) VALUES ('delete', old.id, old.ref, old.title, old.description);
    INSERT INTO tickets_fts (rowid, ref, title, description) VALUES (new.id, new.ref, new.title, new.description);
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE tickets_fts;
DROP TABLE settings;
DROP TABLE escalation_events;
DROP TABLE escalations;
DROP TABLE escalation_contacts;
DROP TABLE problems;
DROP TABLE attachments;
DROP TABLE ticket_links;
DROP TABLE ticket_watchers;
DROP TABLE sla_alerts;
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE service_agreements;
DROP TABLE counters;
