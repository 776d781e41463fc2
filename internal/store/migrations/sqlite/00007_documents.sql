-- +goose Up
-- Stored files, kept in the database in chunks of about 1 MiB so that
-- uploads and downloads stream, every node on PostgreSQL shares them and a
-- SQLite deployment stays one file. A blob is complete once the version
-- that owns it has committed; incomplete blobs are an interrupted upload's
-- and are removed.
CREATE TABLE blobs (
    id         INTEGER PRIMARY KEY,
    size       INTEGER NOT NULL DEFAULT 0,
    sha256     TEXT    NOT NULL DEFAULT '',
    complete   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX blobs_incomplete ON blobs (complete, created_at);

CREATE TABLE blob_chunks (
    blob_id INTEGER NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    data    BLOB    NOT NULL,
    PRIMARY KEY (blob_id, seq)
);

CREATE TABLE documents (
    id                 INTEGER PRIMARY KEY,
    type               TEXT    NOT NULL CHECK (type IN ('user_documentation', 'release_notes', 'service_agreement', 'form_template', 'continuity_plan', 'other')),
    title              TEXT    NOT NULL,
    summary            TEXT    NOT NULL DEFAULT '',
    tags               TEXT    NOT NULL DEFAULT '',
    owner_id           INTEGER REFERENCES users (id),
    visibility         TEXT    NOT NULL CHECK (visibility IN ('programme', 'all_customers', 'named')),
    provider_sharing   TEXT    NOT NULL CHECK (provider_sharing IN ('none', 'all', 'named')),
    -- body is the searchable text of the current version (Markdown, plain
    -- text, or text extracted from a PDF).
    body               TEXT    NOT NULL DEFAULT '',
    current_version_id INTEGER,
    version_count      INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX documents_updated ON documents (updated_at);
CREATE INDEX documents_type_updated ON documents (type, updated_at);
CREATE INDEX documents_visibility ON documents (visibility, updated_at);

CREATE TABLE document_tags (
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    tag         TEXT    NOT NULL,
    PRIMARY KEY (document_id, tag)
);
CREATE INDEX document_tags_tag ON document_tags (tag);

-- The named customer organisations and providers a document is for.
CREATE TABLE document_audience (
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (document_id, org_id)
);
CREATE INDEX document_audience_org ON document_audience (org_id, document_id);

CREATE TABLE document_versions (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    blob_id      INTEGER NOT NULL REFERENCES blobs (id),
    uploader_id  INTEGER REFERENCES users (id),
    uploader     TEXT    NOT NULL DEFAULT '',
    note         TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    UNIQUE (document_id, number)
);

CREATE TABLE document_subscriptions (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, type)
);
CREATE INDEX document_subscriptions_type ON document_subscriptions (type);

CREATE VIRTUAL TABLE documents_fts USING fts5 (title, summary, tags, body, content = 'documents', content_rowid = 'id', tokenize = 'porter unicode61');
-- +goose StatementBegin
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, summary, tags, body) VALUES (new.id, new.title, new.summary, new.tags, new.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, summary, tags, body) VALUES ('delete', old.id, old.title, old.summary, old.tags, old.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER documents_fts_update AFTER UPDATE OF title, summary, tags, body ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, summary, tags, body) VALUES ('delete', old.id, old.title, old.summary, old.tags, old.body);
    INSERT INTO documents_fts (rowid, title, summary, tags, body) VALUES (new.id, new.title, new.summary, new.tags, new.body);
END;
-- +goose StatementEnd

CREATE TABLE article_categories (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
INSERT INTO article_categories (name, description, created_at) VALUES ('Finance system integration',
    'Connecting the purchasing system to finance and other back-office systems: interfaces, file formats, schedules and common errors.', 0);

CREATE TABLE articles (
    id               INTEGER PRIMARY KEY,
    category_id      INTEGER NOT NULL REFERENCES article_categories (id),
    title            TEXT    NOT NULL,
    summary          TEXT    NOT NULL DEFAULT '',
    body             TEXT    NOT NULL,
    tags             TEXT    NOT NULL DEFAULT '',
    author_id        INTEGER REFERENCES users (id),
    visibility       TEXT    NOT NULL CHECK (visibility IN ('programme', 'all_customers', 'named')),
    provider_sharing TEXT    NOT NULL CHECK (provider_sharing IN ('none', 'all', 'named')),
    helpful          INTEGER NOT NULL DEFAULT 0,
    not_helpful      INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX articles_category_title ON articles (category_id, title);
CREATE INDEX articles_title ON articles (title);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag        TEXT    NOT NULL,
    PRIMARY KEY (article_id, tag)
);
CREATE INDEX article_tags_tag ON article_tags (tag);

CREATE TABLE article_audience (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (article_id, org_id)
);
CREATE INDEX article_audience_org ON article_audience (org_id, article_id);

-- One answer per person per article; changing it replaces it.
CREATE TABLE article_votes (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    helpful    INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (article_id, user_id)
);

CREATE TABLE article_tickets (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (article_id, ticket_id)
);
CREATE INDEX article_tickets_ticket ON article_tickets (ticket_id);

CREATE VIRTUAL TABLE articles_fts USING fts5 (title, summary, tags, body, content = 'articles', content_rowid = 'id', tokenize = 'porter unicode61');
-- +goose StatementBegin
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, tags, body) VALUES (new.id, new.title, new.summary, new.tags, new.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, tags, body) VALUES ('delete', old.id, old.title, old.summary, old.tags, old.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, tags, body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, tags, body) VALUES ('delete', old.id, old.title, old.summary, old.tags, old.body);
    INSERT INTO articles_fts (rowid, title, summary, tags, body) VALUES (new.id, new.title, new.summary, new.tags, new.body);
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE articles_fts;
DROP TABLE article_tickets;
DROP TABLE article_votes;
DROP TABLE article_audience;
DROP TABLE article_tags;
DROP TABLE articles;
DROP TABLE article_categories;
DROP TABLE documents_fts;
DROP TABLE document_subscriptions;
DROP TABLE document_versions;
DROP TABLE document_audience;
DROP TABLE document_tags;
DROP TABLE documents;
DROP TABLE blob_chunks;
DROP TABLE blobs;
