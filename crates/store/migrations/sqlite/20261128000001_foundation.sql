-- Foundation schema (SQLite). Keep in step with ../postgres: a test compares the two.
-- Versioned records: a head row per record (filter columns, current version, bookkeeping)
-- and one row per version holding the record's canonical JSON body and its sha256.
-- A redaction can rewrite a field inside every body while the version rows and hashes stay.

CREATE TABLE posts (
    slug            TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('embassy', 'consulate')),
    country         TEXT NOT NULL,
    city            TEXT NOT NULL,
    signer_surname  TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    kind        TEXT NOT NULL,
    marking     TEXT NOT NULL CHECK (marking IN ('U', 'SBU')),
    created_at  DATETIME NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  DATETIME NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE source_versions (
    record_id     INTEGER NOT NULL REFERENCES sources (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    author        TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    PRIMARY KEY (record_id, version)
);

CREATE TABLE cases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    post        TEXT NOT NULL REFERENCES posts (slug),
    kind        TEXT NOT NULL,
    country     TEXT NOT NULL,
    status      TEXT NOT NULL,
    marking     TEXT NOT NULL CHECK (marking IN ('U', 'SBU')),
    date_sort   TEXT,
    created_at  DATETIME NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  DATETIME NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE INDEX cases_country ON cases (country);
CREATE INDEX cases_kind ON cases (kind);
CREATE INDEX cases_post ON cases (post);

CREATE TABLE case_versions (
    record_id     INTEGER NOT NULL REFERENCES cases (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    author        TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    PRIMARY KEY (record_id, version)
);

-- The sources and cases the current version of a case refers to: ids only, so that the
-- database itself refuses a dangling reference and later issues can find who cites what.
CREATE TABLE case_citations (
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    source_id  INTEGER NOT NULL REFERENCES sources (id),
    PRIMARY KEY (case_id, source_id)
);

CREATE INDEX case_citations_source ON case_citations (source_id);

CREATE TABLE case_links (
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    target_id  INTEGER NOT NULL REFERENCES cases (id),
    relation   TEXT NOT NULL,
    PRIMARY KEY (case_id, target_id, relation)
);

CREATE INDEX case_links_target ON case_links (target_id);
