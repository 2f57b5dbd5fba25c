-- The policy register and engagements (SQLite): versioned records owned by a post, like
-- cases. Keep in step with ../postgres.

CREATE TABLE policies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    post        TEXT NOT NULL REFERENCES posts (slug),
    country     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    area        TEXT NOT NULL,
    marking     TEXT NOT NULL CHECK (marking IN ('U', 'SBU')),
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    updated_by  INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE policy_versions (
    record_id     INTEGER NOT NULL REFERENCES policies (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    created_at    DATETIME NOT NULL,
    author        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_id, version)
);

-- Cases a policy's current version links to, and sources its versions cite (ids only).
CREATE TABLE policy_cases (
    policy_id  INTEGER NOT NULL REFERENCES policies (id),
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    PRIMARY KEY (policy_id, case_id)
);
CREATE INDEX policy_cases_case ON policy_cases (case_id);

CREATE TABLE policy_citations (
    policy_id  INTEGER NOT NULL REFERENCES policies (id),
    source_id  INTEGER NOT NULL REFERENCES sources (id),
    PRIMARY KEY (policy_id, source_id)
);
CREATE INDEX policy_citations_source ON policy_citations (source_id);

CREATE TABLE engagements (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    post        TEXT NOT NULL REFERENCES posts (slug),
    country     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    date_sort   TEXT NOT NULL,
    marking     TEXT NOT NULL CHECK (marking IN ('U', 'SBU')),
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    updated_by  INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE engagement_versions (
    record_id     INTEGER NOT NULL REFERENCES engagements (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    created_at    DATETIME NOT NULL,
    author        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_id, version)
);

CREATE TABLE engagement_citations (
    engagement_id  INTEGER NOT NULL REFERENCES engagements (id),
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    PRIMARY KEY (engagement_id, source_id)
);
CREATE INDEX engagement_citations_source ON engagement_citations (source_id);
