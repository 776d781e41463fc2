-- +goose Up
-- change_requests are RFCs, CCNs and work requests from draft to the
-- post-implementation review. Times are UTC microseconds; money is pence;
-- days are kept in tenths; committed, forecast and actual dates are
-- calendar dates held as midnight UTC. actual_cost is the sum of
-- change_costs, kept in the same transaction as each entry.
CREATE TABLE change_requests (
    id                   INTEGER PRIMARY KEY,
    number               INTEGER NOT NULL,
    ref                  TEXT    NOT NULL UNIQUE,
    kind                 TEXT    NOT NULL CHECK (kind IN ('rfc', 'ccn', 'work_request')),
    subtype              TEXT    NOT NULL DEFAULT '',
    contract_ref         TEXT    NOT NULL DEFAULT '',
    variation            TEXT    NOT NULL DEFAULT '',
    cost_impact          INTEGER NOT NULL DEFAULT 0,
    time_impact_tenths   INTEGER NOT NULL DEFAULT 0,
    organisation_id      INTEGER NOT NULL REFERENCES organisations (id),
    requester_id         INTEGER REFERENCES users (id),
    requester_name       TEXT    NOT NULL DEFAULT '',
    customer_sponsored   INTEGER NOT NULL DEFAULT 0,
    title                TEXT    NOT NULL,
    description          TEXT    NOT NULL,
    service              TEXT    NOT NULL DEFAULT '',
    justification        TEXT    NOT NULL DEFAULT '',
    provider_id          INTEGER NULL REFERENCES organisations (id),
    assignee_id          INTEGER NULL REFERENCES users (id),
    major                INTEGER NOT NULL DEFAULT 0,
    state                TEXT    NOT NULL,
    is_open              INTEGER NOT NULL DEFAULT 1,
    held_from            TEXT    NOT NULL DEFAULT '',
    hold_reason          TEXT    NOT NULL DEFAULT '',
    reject_reason        TEXT    NOT NULL DEFAULT '',
    spec_version         INTEGER NOT NULL DEFAULT 0,
    accepted_estimate_id INTEGER NULL,
    quote_accepted_at    INTEGER NULL,
    quote_accepted_by    TEXT    NOT NULL DEFAULT '',
    approved_at          INTEGER NULL,
    approved_by          TEXT    NOT NULL DEFAULT '',
    conditions           TEXT    NOT NULL DEFAULT '',
    approved_budget      INTEGER NULL CHECK (approved_budget IS NULL OR approved_budget >= 0),
    actual_cost          INTEGER NOT NULL DEFAULT 0,
    committed_date       INTEGER NULL,
    forecast_date        INTEGER NULL,
    actual_date          INTEGER NULL,
    target_release       TEXT    NOT NULL DEFAULT '',
    window_start         INTEGER NULL,
    window_end           INTEGER NULL,
    review_outcome       TEXT    NOT NULL DEFAULT '',
    review_notes         TEXT    NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    CHECK (window_end IS NULL OR window_start IS NULL OR window_end > window_start)
);
-- Portfolio indexes: each filtered page reads its newest rows from an index
-- and stops after the page.
CREATE INDEX change_requests_updated ON change_requests (updated_at, id);
CREATE INDEX change_requests_open_updated ON change_requests (is_open, updated_at, id);
CREATE INDEX change_requests_org_updated ON change_requests (organisation_id, updated_at, id);
CREATE INDEX change_requests_provider_updated ON change_requests (provider_id, updated_at, id);
CREATE INDEX change_requests_state_updated ON change_requests (state, updated_at, id);
CREATE INDEX change_requests_kind_updated ON change_requests (kind, updated_at, id);
CREATE INDEX change_requests_created ON change_requests (created_at, id);
CREATE INDEX change_requests_title ON change_requests (title, id);
CREATE INDEX change_requests_cost ON change_requests (actual_cost, id);
-- Sorts that put changes without a baseline last, and the RAG filters,
-- which need a committed date.
CREATE INDEX change_requests_committed ON change_requests ((committed_date IS NULL), committed_date, id);
CREATE INDEX change_requests_budget ON change_requests ((approved_budget IS NULL), approved_budget, id);
CREATE INDEX change_requests_committed_desc ON change_requests ((committed_date IS NOT NULL), committed_date, id);
CREATE INDEX change_requests_budget_desc ON change_requests ((approved_budget IS NOT NULL), approved_budget, id);
CREATE INDEX change_requests_window_start ON change_requests (window_start);
-- Covering indexes for the portfolio's capped counts: the RAG filters
-- (baselined changes only) and the kind, state and party filters.
CREATE INDEX change_requests_rag ON change_requests (committed_date, approved_budget, actual_cost, actual_date, forecast_date, state, is_open);
CREATE INDEX change_requests_facets ON change_requests (state, kind, provider_id, organisation_id, is_open);
CREATE INDEX change_requests_provider_delivered ON change_requests (provider_id, actual_date);

-- Search of the portfolio by reference, title and service (as for tickets).
CREATE VIRTUAL TABLE change_requests_fts USING fts5 (ref, title, service, content = 'change_requests', content_rowid = 'id', tokenize = 'porter unicode61');
-- +goose StatementBegin
CREATE TRIGGER change_requests_fts_insert AFTER INSERT ON change_requests BEGIN
    INSERT INTO change_requests_fts (rowid, ref, title, service) VALUES (new.id, new.ref, new.title, new.service);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER change_requests_fts_delete AFTER DELETE ON change_requests BEGIN
    INSERT INTO change_requests_fts (change_requests_fts, rowid, ref, title, service) VALUES ('delete', old.id, old.ref, old.title, old.service);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER change_requests_fts_update AFTER UPDATE OF ref, title, service ON change_requests BEGIN
    INSERT INTO change_requests_fts (change_requests_fts, rowid, ref, title, service) VALUES ('delete', old.id, old.ref, old.title, old.service);
    INSERT INTO change_requests_fts (rowid, ref, title, service) VALUES (new.id, new.ref, new.title, new.service);
END;
-- +goose StatementEnd

-- Every accepted specification, frozen and numbered.
CREATE TABLE change_spec_versions (
    id             INTEGER PRIMARY KEY,
    change_id      INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    service        TEXT    NOT NULL DEFAULT '',
    justification  TEXT    NOT NULL DEFAULT '',
    subtype        TEXT    NOT NULL DEFAULT '',
    contract_ref   TEXT    NOT NULL DEFAULT '',
    variation      TEXT    NOT NULL DEFAULT '',
    frozen_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    frozen_by_name TEXT    NOT NULL DEFAULT '',
    frozen_at      INTEGER NOT NULL,
    UNIQUE (change_id, number)
);

-- Every estimate revision; the latest is the quote.
CREATE TABLE change_estimates (
    id            INTEGER PRIMARY KEY,
    change_id     INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    revision      INTEGER NOT NULL,
    effort_tenths INTEGER NOT NULL CHECK (effort_tenths > 0),
    cost          INTEGER NOT NULL CHECK (cost >= 0),
    delivery_date INTEGER NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    author_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name   TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (change_id, revision)
);

-- CAB members' votes on major changes, one per member.
CREATE TABLE change_votes (
    id          INTEGER PRIMARY KEY,
    change_id   INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES users (id),
    member_name TEXT    NOT NULL DEFAULT '',
    vote        TEXT    NOT NULL CHECK (vote IN ('approve', 'reject', 'abstain')),
    comment     TEXT    NOT NULL DEFAULT '',
    at          INTEGER NOT NULL,
    UNIQUE (change_id, member_id)
);

-- Actual cost entries.
CREATE TABLE change_costs (
    id          INTEGER PRIMARY KEY,
    change_id   INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    cost_date   INTEGER NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    note        TEXT    NOT NULL DEFAULT '',
    author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX change_costs_change ON change_costs (change_id, cost_date);

-- The history: transitions, estimates, votes, costs, budget and forecast
-- changes, links.
CREATE TABLE change_events (
    id         INTEGER PRIMARY KEY,
    change_id  INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    type       TEXT    NOT NULL,
    from_state TEXT    NOT NULL DEFAULT '',
    to_state   TEXT    NOT NULL DEFAULT '',
    actor_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT    NOT NULL DEFAULT '',
    note       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX change_events_change ON change_events (change_id, id);

-- Links to tickets and to problems (a problem's fix becomes an RFC).
CREATE TABLE change_tickets (
    change_id  INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (change_id, ticket_id)
);
CREATE INDEX change_tickets_ticket ON change_tickets (ticket_id);

CREATE TABLE change_problems (
    change_id  INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    problem_id INTEGER NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (change_id, problem_id)
);
CREATE INDEX change_problems_problem ON change_problems (problem_id);

-- +goose Down
DROP TABLE change_problems;
DROP TABLE change_tickets;
DROP TABLE change_events;
DROP TABLE change_costs;
DROP TABLE change_votes;
DROP TABLE change_estimates;
DROP TABLE change_spec_versions;
DROP TABLE change_requests_fts;
DROP TABLE change_requests;
