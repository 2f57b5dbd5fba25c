-- Official statistics (SQLite). Keep in step with ../postgres.
-- A dataset has releases (one per distinct imported file, by sha256); a release is staged
-- (invisible) while its rows are written and published in one short transaction at the end,
-- so an import is all or nothing and readers never see half of one. Older releases stay
-- readable, so a report can pin the one it used.

CREATE TABLE stat_datasets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    title       TEXT,
    publisher   TEXT,
    licence     TEXT,
    source_url  TEXT,
    retrieved   TEXT,
    attribution TEXT,
    basis       TEXT,
    reference_date TEXT,
    notes       TEXT,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

CREATE TABLE stat_releases (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dataset_id         INTEGER NOT NULL REFERENCES stat_datasets (id),
    sha256             TEXT NOT NULL,
    file_name          TEXT NOT NULL,
    format             TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('staging', 'published')),
    series_count       INTEGER NOT NULL,
    observation_count  INTEGER NOT NULL,
    missing_count      INTEGER NOT NULL,
    flag_counts        TEXT NOT NULL,
    period_first       TEXT,
    period_last        TEXT,
    imported_at        DATETIME NOT NULL,
    imported_by        INTEGER REFERENCES users (id),
    UNIQUE (dataset_id, sha256)
);

CREATE TABLE stat_series (
    id               INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dataset_id       INTEGER NOT NULL REFERENCES stat_datasets (id),
    series_key       TEXT NOT NULL,
    first_release_id INTEGER NOT NULL,
    UNIQUE (dataset_id, series_key)
);

-- The dimension codes of each series, one row per dimension, for filtering.
CREATE TABLE stat_series_dims (
    series_id  INTEGER NOT NULL REFERENCES stat_series (id),
    dim        TEXT NOT NULL,
    code       TEXT NOT NULL,
    PRIMARY KEY (series_id, dim)
);
CREATE INDEX stat_series_dims_code ON stat_series_dims (dim, code);

CREATE TABLE stat_observations (
    release_id  INTEGER NOT NULL REFERENCES stat_releases (id),
    series_id   INTEGER NOT NULL REFERENCES stat_series (id),
    period      TEXT NOT NULL,
    value       REAL,
    flags       TEXT NOT NULL,
    PRIMARY KEY (release_id, series_id, period)
) WITHOUT ROWID;
