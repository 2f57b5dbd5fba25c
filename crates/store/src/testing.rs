//! Fresh, isolated databases for tests (feature `testing`): a SQLite file in a new temporary
//! directory, or a new schema in the PostgreSQL database named by
//! `CHANCERY_TEST_DATABASE_URL`. Nothing here stands in for a database: both are real.

use crate::{Backend, Store, StoreError};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that enables the PostgreSQL test suite.
pub const TEST_DATABASE_URL: &str = "CHANCERY_TEST_DATABASE_URL";

/// Schemas older than this are left-overs of crashed runs and are dropped.
const STALE_AFTER_SECS: u64 = 6 * 3600;

/// A migrated store on a fresh database, and what it takes to throw it away.
pub struct TestDb {
    pub store: Store,
    /// The SQLite file's directory (kept alive as long as the store).
    pub dir: Option<tempfile::TempDir>,
    /// The PostgreSQL URL and schema, for `cleanup`.
    pub pg: Option<(String, String)>,
}

impl TestDb {
    /// A fresh store on `backend`, or `None` for PostgreSQL when no test database is set.
    pub async fn new(backend: Backend) -> Result<Option<TestDb>, StoreError> {
        let db = TestDb::unmigrated(backend).await?;
        if let Some(db) = &db {
            db.store.migrate().await?;
        }
        Ok(db)
    }

    /// A fresh database with no schema yet.
    pub async fn unmigrated(backend: Backend) -> Result<Option<TestDb>, StoreError> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().map_err(|e| StoreError::Config(e.to_string()))?;
                let store = Store::open_sqlite(&dir.path().join("chancery.db")).await?;
                Ok(Some(TestDb {
                    store,
                    dir: Some(dir),
                    pg: None,
                }))
            }
            Backend::Postgres => {
                let Ok(url) = std::env::var(TEST_DATABASE_URL) else {
                    return Ok(None);
                };
                let schema = new_schema(&url).await?;
                let opts =
                    PgConnectOptions::from_str(&url)?.options([("search_path", schema.as_str())]);
                let store = Store::connect_postgres(opts).await?;
                Ok(Some(TestDb {
                    store,
                    dir: None,
                    pg: Some((url, schema)),
                }))
            }
        }
    }

    /// The database URL a separate process (the CLI) would use for this store.
    pub fn url(&self) -> String {
        match (&self.dir, &self.pg) {
            (Some(d), _) => format!("sqlite:{}", d.path().join("chancery.db").display()),
            (_, Some((url, schema))) => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}options=-c%20search_path%3D{schema}")
            }
            _ => unreachable!("a TestDb has a directory or a schema"),
        }
    }

    /// Closes the pool and drops the PostgreSQL schema (the SQLite directory goes on drop).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.pg
            && let Ok(mut c) = PgConnection::connect(&url).await
        {
            let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
            let _ = sqlx::query(AssertSqlSafe(drop)).execute(&mut c).await;
        }
    }
}

async fn new_schema(url: &str) -> Result<String, StoreError> {
    let mut c = PgConnection::connect(url).await?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    // Drop schemas left by crashed runs.
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'chancery_test_%'",
    )
    .fetch_all(&mut c)
    .await?;
    for s in stale {
        let born = s
            .split('_')
            .nth(2)
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(0);
        if born + STALE_AFTER_SECS < now {
            let _ = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {s} CASCADE")))
                .execute(&mut c)
                .await;
        }
    }
    let schema = format!("chancery_test_{now}_{:016x}", rand::random::<u64>());
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut c)
        .await?;
    Ok(schema)
}

impl Store {
    /// Every cell of every table, as text: `(table, column, value)`. Tests that must show
    /// that nothing stored holds a text (or a hash of it) search this.
    pub async fn dump_cells(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        use sqlx::Row;
        let mut out = Vec::new();
        match &self.pool {
            crate::Pool::Sqlite(p) => {
                let tables: Vec<String> = sqlx::query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| r.try_get("name"))
                .collect::<Result<_, _>>()?;
                for t in tables {
                    let cols: Vec<String> = sqlx::query(AssertSqlSafe(format!(
                        "SELECT name FROM pragma_table_info('{t}')"
                    )))
                    .fetch_all(p)
                    .await?
                    .iter()
                    .map(|r| r.try_get("name"))
                    .collect::<Result<_, _>>()?;
                    for c in cols {
                        let rows = sqlx::query(AssertSqlSafe(format!(
                            "SELECT CASE WHEN typeof(\"{c}\") = 'blob' THEN hex(\"{c}\") ELSE CAST(\"{c}\" AS TEXT) END AS v
                             FROM \"{t}\" WHERE \"{c}\" IS NOT NULL"
                        )))
                        .fetch_all(p)
                        .await?;
                        for r in rows {
                            out.push((t.clone(), c.clone(), r.try_get::<String, _>("v")?));
                        }
                    }
                }
            }
            crate::Pool::Postgres(p) => {
                let tables: Vec<String> = sqlx::query(
                    "SELECT table_name::text AS name FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                )
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| r.try_get("name"))
                .collect::<Result<_, _>>()?;
                for t in tables {
                    let cols: Vec<String> = sqlx::query(
                        "SELECT column_name::text AS name FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name = $1",
                    )
                    .bind(&t)
                    .fetch_all(p)
                    .await?
                    .iter()
                    .map(|r| r.try_get("name"))
                    .collect::<Result<_, _>>()?;
                    for c in cols {
                        let rows = sqlx::query(AssertSqlSafe(format!(
                            "SELECT \"{c}\"::text AS v FROM \"{t}\" WHERE \"{c}\" IS NOT NULL"
                        )))
                        .fetch_all(p)
                        .await?;
                        for r in rows {
                            out.push((t.clone(), c.clone(), r.try_get::<String, _>("v")?));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}
