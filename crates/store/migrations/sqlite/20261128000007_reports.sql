-- Reports (sqlite): taskings, HQ-edited templates, reports as versioned records, comments on
-- paragraphs, and builds. Keep in step with ../postgres.

CREATE TABLE taskings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    template_key  TEXT NOT NULL,
    due           TEXT NOT NULL,
    recurrence    TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    updated_by    INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE tasking_versions (
    record_id     INTEGER NOT NULL REFERENCES taskings (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    created_at    DATETIME NOT NULL,
    author        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_id, version)
);

-- The posts the current version of a tasking is addressed to.
CREATE TABLE tasking_posts (
    tasking_id  INTEGER NOT NULL REFERENCES taskings (id),
    post        TEXT NOT NULL REFERENCES posts (slug),
    PRIMARY KEY (tasking_id, post)
);
CREATE INDEX tasking_posts_post ON tasking_posts (post);

-- Templates headquarters has edited or added; a key without a row reads the shipped one.
CREATE TABLE templates (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    template_key  TEXT NOT NULL UNIQUE,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    updated_by    INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE template_versions (
    record_id     INTEGER NOT NULL REFERENCES templates (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    created_at    DATETIME NOT NULL,
    author        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_id, version)
);

CREATE TABLE reports (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    post          TEXT NOT NULL REFERENCES posts (slug),
    tasking_id    INTEGER REFERENCES taskings (id),
    due           TEXT,
    template_key  TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    updated_by    INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX reports_post ON reports (post);
CREATE INDEX reports_tasking ON reports (tasking_id);

CREATE TABLE report_versions (
    record_id     INTEGER NOT NULL REFERENCES reports (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    body          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT,
    created_at    DATETIME NOT NULL,
    author        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_id, version)
);

-- What the current version of a report cites or embeds (ids only), so a retracted source or
-- a changed case finds the reports that used it.
CREATE TABLE report_sources (
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    source_id  INTEGER NOT NULL REFERENCES sources (id),
    PRIMARY KEY (report_id, source_id)
);
CREATE INDEX report_sources_source ON report_sources (source_id);

CREATE TABLE report_cases (
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    PRIMARY KEY (report_id, case_id)
);
CREATE INDEX report_cases_case ON report_cases (case_id);

-- Clearance comments on paragraphs.
CREATE TABLE report_comments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    report_id       INTEGER NOT NULL REFERENCES reports (id),
    report_version  INTEGER NOT NULL,
    paragraph       TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX report_comments_report ON report_comments (report_id);

-- A build pins a snapshot: the resolved report (record versions, evaluated blocks,
-- observations) as JSON with its sha256. Rendering reads only the snapshot.
CREATE TABLE report_builds (
    id               INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    report_id        INTEGER NOT NULL REFERENCES reports (id),
    report_version   INTEGER NOT NULL,
    snapshot         TEXT NOT NULL,
    snapshot_sha256  TEXT NOT NULL,
    created_at       DATETIME NOT NULL,
    created_by       INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX report_builds_report ON report_builds (report_id);
