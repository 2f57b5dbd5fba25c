-- Full-text search (sqlite). Keep in step with ../postgres (store::search).
--
-- One row per record and audience: `all` (the record shows the same to every user who may
-- see it), or, for a record with portions marked above its own marking, `nosbu` (the text a
-- user without SBU access sees) and `sbu` (the whole text). A user without SBU access reads
-- rows `all` and `nosbu`, a user with it `all` and `sbu`: each record once, and only text the
-- user may see, so access is filtered inside the query. `post` is NULL for records no post
-- owns (sources). Rows are rewritten in the transaction of every write of the record.
CREATE TABLE search_docs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    record_type  TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    audience     TEXT NOT NULL CHECK (audience IN ('all', 'nosbu', 'sbu')),
    post         TEXT,
    country      TEXT,
    kind         TEXT,
    status       TEXT,
    marking      TEXT NOT NULL CHECK (marking IN ('U', 'SBU')),
    year         INTEGER,
    date_sort    TEXT,
    config       TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    UNIQUE (record_type, record_id, audience)
);

CREATE INDEX search_docs_audience ON search_docs (audience, post);

-- The ICCS sections of a case's offences (several per case): the `iccs` facet and filter.
CREATE TABLE search_iccs (
    doc_id   INTEGER NOT NULL REFERENCES search_docs (id) ON DELETE CASCADE,
    section  TEXT NOT NULL,
    PRIMARY KEY (doc_id, section)
);

CREATE INDEX search_iccs_section ON search_iccs (section);

-- The FTS5 index over the rows above (external content: the text is stored once, in
-- search_docs), kept in step by triggers, so in the same transaction as every change.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body,
    content = 'search_docs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
