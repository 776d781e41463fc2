-- +goose Up
-- The integration register: each interface between a customer's purchasing
-- system and a back-office system. Environments, contacts and document
-- references are small lists kept as JSON text.
CREATE TABLE integrations (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organisations (id),
    name         TEXT    NOT NULL,
    system       TEXT    NOT NULL DEFAULT '',
    vendor       TEXT    NOT NULL DEFAULT '',
    sys_version  TEXT    NOT NULL DEFAULT '',
    direction    TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    transport    TEXT    NOT NULL,
    schedule     TEXT    NOT NULL DEFAULT '',
    environments TEXT    NOT NULL DEFAULT '[]',
    status       TEXT    NOT NULL,
    contacts     TEXT    NOT NULL DEFAULT '[]',
    documents    TEXT    NOT NULL DEFAULT '[]',
    notes        TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, name)
);
CREATE INDEX integrations_updated ON integrations (updated_at);

-- One row per changed field of a register entry: who, when, from and to.
CREATE TABLE integration_history (
    id             INTEGER PRIMARY KEY,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,
    actor_id       INTEGER,
    actor_name     TEXT    NOT NULL DEFAULT '',
    field          TEXT    NOT NULL,
    old_value      TEXT    NOT NULL DEFAULT '',
    new_value      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX integration_history_entry ON integration_history (integration_id, at);

-- Integration issues: tickets linked to the interface they are about.
CREATE TABLE integration_tickets (
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    ticket_id      INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (integration_id, ticket_id)
);
CREATE INDEX integration_tickets_ticket ON integration_tickets (ticket_id);

-- Outbound webhooks. org_id NULL is a global subscription (every
-- organisation's events); otherwise only that organisation's events.
CREATE TABLE webhook_subscriptions (
    id                INTEGER PRIMARY KEY,
    org_id            INTEGER REFERENCES organisations (id),
    url               TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    event_types       TEXT    NOT NULL,
    secret            TEXT    NOT NULL,
    active            INTEGER NOT NULL DEFAULT 1,
    secret_rotated_at INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id);

-- One event for one subscription: the body is fixed when the event happens,
-- so every attempt and every redelivery sends the same bytes.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    delivery_id     TEXT    NOT NULL UNIQUE,
    subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    org_id          INTEGER,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER,
    last_attempt_at INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);

CREATE TABLE webhook_attempts (
    id              INTEGER PRIMARY KEY,
    delivery_id     INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    manual          INTEGER NOT NULL DEFAULT 0,
    response_status INTEGER,
    latency_ms      INTEGER NOT NULL DEFAULT 0,
    response_body   TEXT    NOT NULL DEFAULT '',
    error           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, at);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE integration_tickets;
DROP TABLE integration_history;
DROP TABLE integrations;
