-- Archived source documents (SQLite): the bytes live in the blob store, content-addressed by
-- sha256; this table says what they are, where they came from, and holds their extracted
-- text for search and quoting. Keep in step with ../postgres.

CREATE TABLE source_archives (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    source_id     INTEGER NOT NULL REFERENCES sources (id),
    sha256        TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    file_name     TEXT,
    original_url  TEXT,
    final_url     TEXT,
    http_status   INTEGER,
    retrieved_at  DATETIME NOT NULL,
    text          TEXT,
    text_en       TEXT,
    created_at    DATETIME NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX source_archives_source ON source_archives (source_id);
