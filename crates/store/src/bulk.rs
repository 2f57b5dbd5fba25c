//! The SQLite bulk loader for staged observations: one plain prepared-statement loop per batch
//! on a connection of its own (rusqlite, sharing sqlx's SQLite library), inside one
//! `BEGIN IMMEDIATE` transaction. sqlx's per-statement overhead (a worker thread and a channel
//! per statement) and its cost per bound parameter make multi-row statements slow on SQLite;
//! this loop is what the import benchmark measures. PostgreSQL keeps the sqlx path.
//!
//! Its failures are database errors (`StoreError::Sqlite`); which of them is a repeated
//! observation, and on which line, `stats` decides for both backends.

use crate::StoreError;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// A connection for one import, and the series it has resolved so far.
pub struct BulkLoader {
    conn: Connection,
}

impl BulkLoader {
    pub fn open(path: &Path) -> Result<BulkLoader, StoreError> {
        // One thread uses this connection at a time: SQLite's own mutexes are not needed.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        // A 16 MiB page cache keeps the growing index in memory without passing the
        // import's memory budget.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384;",
        )?;
        Ok(BulkLoader { conn })
    }

    /// Writes one batch in one transaction, or nothing of it. `dims` names the key columns of
    /// every row; a row whose key equals the previous row's reuses its series without a lookup.
    pub fn stage(
        &mut self,
        dataset_id: i64,
        release_id: i64,
        dims: &[String],
        rows: &[super::stats::StagedObs],
        series: &mut HashMap<String, i64>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut new_series = tx
                .prepare("INSERT INTO stat_series (dataset_id, series_key, first_release_id) VALUES (?1, ?2, ?3)")?;
            let mut find =
                tx.prepare("SELECT id FROM stat_series WHERE dataset_id = ?1 AND series_key = ?2")?;
            let mut new_dim = tx.prepare(
                "INSERT INTO stat_series_dims (series_id, dim, code) VALUES (?1, ?2, ?3)",
            )?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO stat_observations (release_id, series_id, period, value, flags) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
            let mut prev: Option<(&[String], i64)> = None;
            for row in rows {
                let id = match prev {
                    Some((k, id)) if k == row.key.as_slice() => id,
                    _ => {
                        let key = super::stats::series_key_of(dims, &row.key);
                        if series.len() > super::stats::SERIES_CACHE {
                            series.clear();
                        }
                        let cached = match series.get(&key) {
                            Some(id) => Some(*id),
                            None => find
                                .query_row(params![dataset_id, key], |r| r.get::<_, i64>(0))
                                .optional()?,
                        };
                        let id = match cached {
                            Some(id) => {
                                series.insert(key, id);
                                id
                            }
                            None => {
                                new_series.execute(params![dataset_id, key, release_id])?;
                                let id = tx.last_insert_rowid();
                                for (d, c) in dims.iter().zip(&row.key) {
                                    new_dim.execute(params![id, d, c])?;
                                }
                                series.insert(key, id);
                                id
                            }
                        };
                        prev = Some((row.key.as_slice(), id));
                        id
                    }
                };
                insert.execute(params![release_id, id, row.period, row.value, row.flags])?;
            }
        }
        Ok(tx.commit()?)
    }
}
