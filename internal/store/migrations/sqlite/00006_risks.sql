-- +goose Up
-- The programme's risk and issue register (RAID). Dates (reviews, due
-- dates, proximity) are whole days stored as the UTC midnight that starts
-- them, in microseconds like every other time.
CREATE TABLE risks (
    id             INTEGER PRIMARY KEY,
    number         INTEGER NOT NULL,
    ref            TEXT    NOT NULL UNIQUE,
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    category       TEXT    NOT NULL CHECK (category IN ('commercial', 'technical', 'service', 'security', 'data_protection', 'people', 'other')),
    owner_id       INTEGER REFERENCES users (id),
    likelihood     INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    impact         INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
    -- score is likelihood × impact, kept for sorting and filtering.
    score          INTEGER NOT NULL CHECK (score = likelihood * impact),
    previous_score INTEGER NOT NULL DEFAULT 0,
    proximity      TEXT    NOT NULL CHECK (proximity IN ('imminent', 'near', 'far')),
    proximity_date INTEGER,
    status         TEXT    NOT NULL CHECK (status IN ('open', 'mitigating', 'closed', 'occurred')),
    review_date    INTEGER NOT NULL,
    provider_id    INTEGER REFERENCES organisations (id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
-- One index per order of the register, so a page is read in order and the
-- read stops; the status indexes cover the dashboard's counts.
CREATE INDEX risks_by_score ON risks (score DESC, review_date, id);
CREATE INDEX risks_by_review ON risks (review_date, score DESC, id);
CREATE INDEX risks_by_number ON risks (number);
CREATE INDEX risks_by_updated ON risks (updated_at DESC, id DESC);
CREATE INDEX risks_status_review ON risks (status, review_date, score);
CREATE INDEX risks_status_cell ON risks (status, likelihood, impact);
CREATE INDEX risks_cell ON risks (likelihood, impact, score DESC);
CREATE INDEX risks_owner ON risks (owner_id);
CREATE INDEX risks_provider ON risks (provider_id);

-- Every change of likelihood or impact, with who, when and why.
CREATE TABLE risk_score_changes (
    id             INTEGER PRIMARY KEY,
    risk_id        INTEGER NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,
    actor_id       INTEGER,
    actor_name     TEXT    NOT NULL,
    old_likelihood INTEGER NOT NULL,
    old_impact     INTEGER NOT NULL,
    new_likelihood INTEGER NOT NULL,
    new_impact     INTEGER NOT NULL,
    note           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX risk_score_changes_risk ON risk_score_changes (risk_id, at);

CREATE TABLE programme_issues (
    id          INTEGER PRIMARY KEY,
    number      INTEGER NOT NULL,
    ref         TEXT    NOT NULL UNIQUE,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    severity    TEXT    NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
    owner_id    INTEGER REFERENCES users (id),
    status      TEXT    NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    risk_id     INTEGER REFERENCES risks (id),
    provider_id INTEGER REFERENCES organisations (id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX programme_issues_status ON programme_issues (status, updated_at);
CREATE INDEX programme_issues_risk ON programme_issues (risk_id);
CREATE INDEX programme_issues_owner ON programme_issues (owner_id);

-- Mitigating actions on a risk or an issue.
CREATE TABLE raid_actions (
    id          INTEGER PRIMARY KEY,
    parent_type TEXT    NOT NULL CHECK (parent_type IN ('risk', 'issue')),
    parent_id   INTEGER NOT NULL,
    description TEXT    NOT NULL,
    owner_id    INTEGER REFERENCES users (id),
    due_date    INTEGER NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX raid_actions_parent ON raid_actions (parent_type, parent_id);
CREATE INDEX raid_actions_status_due ON raid_actions (status, due_date);
CREATE INDEX raid_actions_owner ON raid_actions (owner_id, status);

-- raid_reminders records each overdue reminder sent, one per item per day,
-- so that the periodic job sends it once across restarts and nodes: the
-- primary key refuses a second insert.
CREATE TABLE raid_reminders (
    object_type TEXT    NOT NULL,
    object_id   INTEGER NOT NULL,
    day         INTEGER NOT NULL,
    sent_at     INTEGER NOT NULL,
    PRIMARY KEY (object_type, object_id, day)
);

-- Links between risks and the change requests that address or cause them.
CREATE TABLE risk_changes (
    risk_id    INTEGER NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    change_id  INTEGER NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (risk_id, change_id)
);
CREATE INDEX risk_changes_change ON risk_changes (change_id);

-- +goose Down
DROP TABLE risk_changes;
DROP TABLE raid_reminders;
DROP TABLE raid_actions;
DROP TABLE programme_issues;
DROP TABLE risk_score_changes;
DROP TABLE risks;
