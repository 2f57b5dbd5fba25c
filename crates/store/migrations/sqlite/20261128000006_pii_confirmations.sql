-- Confirmed PII-check hits (SQLite): an author confirmed that a flagged span is a public
-- official's name (or otherwise not a private person). The matched text is kept so that it
-- can be redacted later; the audit log holds the id and the hash. Keep in step with ../postgres.

CREATE TABLE pii_confirmations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    record_type   TEXT NOT NULL,
    field         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    span_start    INTEGER NOT NULL,
    span_end      INTEGER NOT NULL,
    matched       TEXT,
    text_hash     TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX pii_confirmations_hash ON pii_confirmations (text_hash);
