-- no-transaction
-- Access (SQLite): accounts, sessions, API tokens, login throttling, the hash-chained audit
-- log and redactions. The foundation's plain author references (text) become references to
-- accounts: each distinct reference becomes an inactive account without a password that
-- keeps the old text in `legacy_ref`. SQLite cannot change a column's type, so the four
-- tables holding authors are rebuilt (the documented twelve-step procedure), which needs
-- foreign keys off and therefore its own transaction.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email          TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('post_officer', 'post_reviewer', 'hq_editor', 'hq_reader', 'admin')),
    post           TEXT REFERENCES posts (slug),
    sbu_access     BOOLEAN NOT NULL,
    password_hash  TEXT,
    active         BOOLEAN NOT NULL,
    locked_until   DATETIME,
    lock_reset_at  DATETIME,
    legacy_ref     TEXT,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);

INSERT INTO users (email, display_name, role, post, sbu_access, password_hash, active, legacy_ref, created_at, updated_at)
SELECT CASE WHEN ref LIKE '%@%' THEN lower(ref) ELSE lower(ref) || '@legacy.invalid' END,
       ref, 'hq_reader', NULL, 0, NULL, 0, ref,
       strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')
FROM (
    SELECT created_by AS ref FROM sources UNION SELECT updated_by FROM sources
    UNION SELECT author FROM source_versions
    UNION SELECT created_by FROM cases UNION SELECT updated_by FROM cases
    UNION SELECT author FROM case_versions
);

CREATE TABLE sources_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    kind        TEXT NOT NULL,
    marking     TEXT NOT NULL CHECK (marking IN ('U', 'SBU')),
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    updated_by  INTEGER NOT NULL REFERENCES users (id)
);
INSERT INTO sources_new (id, version, kind, marking, created_at, updated_at, created_by, updated_by)
SELECT s.id, s.version, s.kind, s.marking, s.created_at, s.updated_at,
       (SELECT u.id FROM users u WHERE u.legacy_ref = s.created_by),
       (SELECT u.id FROM users u WHERE u.legacy_ref = s.updated_by)
FROM sources s;
DROP TABLE sources;
ALTER TABLE sources_new RENAME TO sources;

CREATE TABLE source_versions_new (
    record_id     INTEGER NOT NULL REFERENCES sources (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    created_at    DATETIME NOT NULL,
    author        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_id, version)
);
INSERT INTO source_versions_new (record_id, version, body, content_hash, prev_hash, created_at, author)
SELECT v.record_id, v.version, v.body, v.content_hash, v.prev_hash, v.created_at,
       (SELECT u.id FROM users u WHERE u.legacy_ref = v.author)
FROM source_versions v;
DROP TABLE source_versions;
ALTER TABLE source_versions_new RENAME TO source_versions;

CREATE TABLE cases_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    post        TEXT NOT NULL REFERENCES posts (slug),
    kind        TEXT NOT NULL,
    country     TEXT NOT NULL,
    status      TEXT NOT NULL,
    marking     TEXT NOT NULL CHECK (marking IN ('U', 'SBU')),
    date_sort   TEXT,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    updated_by  INTEGER NOT NULL REFERENCES users (id)
);
INSERT INTO cases_new (id, version, post, kind, country, status, marking, date_sort, created_at, updated_at, created_by, updated_by)
SELECT c.id, c.version, c.post, c.kind, c.country, c.status, c.marking, c.date_sort, c.created_at, c.updated_at,
       (SELECT u.id FROM users u WHERE u.legacy_ref = c.created_by),
       (SELECT u.id FROM users u WHERE u.legacy_ref = c.updated_by)
FROM cases c;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
CREATE INDEX cases_country ON cases (country);
CREATE INDEX cases_kind ON cases (kind);
CREATE INDEX cases_post ON cases (post);

CREATE TABLE case_versions_new (
    record_id     INTEGER NOT NULL REFERENCES cases (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    created_at    DATETIME NOT NULL,
    author        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_id, version)
);
INSERT INTO case_versions_new (record_id, version, body, content_hash, prev_hash, created_at, author)
SELECT v.record_id, v.version, v.body, v.content_hash, v.prev_hash, v.created_at,
       (SELECT u.id FROM users u WHERE u.legacy_ref = v.author)
FROM case_versions v;
DROP TABLE case_versions;
ALTER TABLE case_versions_new RENAME TO case_versions;

-- Sessions, shared by every instance. The key is the sha256 of the session id, so the table
-- alone does not let anyone take over a session.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY NOT NULL,
    user_id     INTEGER REFERENCES users (id),
    data        TEXT NOT NULL,
    expires_at  DATETIME NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- API tokens: only their sha256 is stored; the token is shown once.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    DATETIME NOT NULL,
    last_used_at  DATETIME,
    revoked_at    DATETIME
);

-- Login attempts, for throttling across instances: the attempted e-mail only as a hash.
CREATE TABLE login_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email_hash  TEXT NOT NULL,
    user_id     INTEGER REFERENCES users (id),
    address     TEXT NOT NULL,
    succeeded   BOOLEAN NOT NULL,
    at          DATETIME NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email_hash, at);
CREATE INDEX login_attempts_address ON login_attempts (address, at);

-- The audit log: ids and hashes only, never titles or text. Each entry carries the hash of
-- the one before; `audit_head` holds the last, so appends are serialised and truncation shows.
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY NOT NULL,
    at            TEXT NOT NULL,
    actor_id      INTEGER REFERENCES users (id),
    action        TEXT NOT NULL,
    record_type   TEXT,
    record_id     INTEGER,
    version       INTEGER,
    content_hash  TEXT,
    address       TEXT,
    detail_hash   TEXT,
    prev_hash     TEXT NOT NULL,
    entry_hash    TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);

CREATE TABLE audit_head (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq         INTEGER NOT NULL,
    entry_hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, entry_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Redaction requests are versioned records like cases and sources.
CREATE TABLE redaction_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    record_type  TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    marking      TEXT NOT NULL CHECK (marking IN ('U', 'SBU')),
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id),
    updated_by   INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE redaction_request_versions (
    record_id     INTEGER NOT NULL REFERENCES redaction_requests (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    created_at    DATETIME NOT NULL,
    author        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_id, version)
);

-- Redactions applied: which field of which record, by which request, touching how many
-- stored versions.
CREATE TABLE redactions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    request_id        INTEGER NOT NULL REFERENCES redaction_requests (id),
    record_type       TEXT NOT NULL,
    record_id         INTEGER NOT NULL,
    field             TEXT NOT NULL,
    versions_changed  INTEGER NOT NULL,
    applied_at        DATETIME NOT NULL,
    applied_by        INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX redactions_record ON redactions (record_type, record_id);

COMMIT;
PRAGMA foreign_keys = ON;
