//! Chancery's persistence: one interface, two backends (SQLite and PostgreSQL).
//!
//! Only this crate knows which backend runs. Every query is written once with `$N`
//! placeholders and runs on both; `with_pool!` expands it for each pool type. Migrations are
//! embedded per backend (`migrations/sqlite`, `migrations/postgres`) and applied at start;
//! `schema::describe` lets a test check that the two schemas match.

mod appender;
pub mod archives;
pub mod audit;
mod bulk;
mod duties;
mod error;
pub mod pii;
mod posts;
mod records;
mod redaction;
mod registers;
pub mod reports;
pub mod schema;
pub mod search;
pub mod stats;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;

pub use archives::{ArchiveInfo, Blobs, Extraction, NewArchive, QuoteText};
pub use audit::{
    AuditCtx, AuditEntry, AuditEvent, AuditFilter, ChainBreak, ChainChecker, CheckpointLock,
    CheckpointRow,
};
pub use duties::{OpenReset, PendingGrant};
pub use error::StoreError;
pub use pii::PiiConfirmation;
pub use records::{
    CaseFilter, Cell, Filter, History, Page, RefKey, Reference, SourceFilter, Versioned,
};
pub use redaction::{AppliedRedaction, RedactionFilter};
pub use registers::{EngagementFilter, PolicyFilter};
pub use reports::{ReportBuild, ReportComment, ReportFilter, TaskingFilter, TemplateFilter};
pub use search::{FacetCount, SearchFilter, SearchHit, SearchResults, SearchScope, SearchSort};
pub use stats::{
    DatasetInfo, DatasetMeta, ObsRow, ReleaseInfo, ReleaseSummary, StageStart, StagedObs, Staging,
    series_key,
};
pub use users::{LoginTicket, StoredToken, StoredUser, UserUpdate, sha256_hex};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code against whichever pool the store holds.
macro_rules! with_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, which takes the
/// write lock (waiting up to the busy timeout) before the first read, so a transaction that
/// reads and then writes never fails on a stale snapshot; PostgreSQL's row locks need no help.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send {
        self.begin()
    }
}

/// The store: a connection pool to one database with the schema applied.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// The group commit of audit entries written in their own transaction (`appender`).
    appender: appender::Appender,
    /// The SQLite file, for the bulk loader (`stats::bulk`), which writes through a plain
    /// prepared-statement connection of its own.
    sqlite_path: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.backend().as_str())
    }
}

/// How long a SQLite connection waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl Store {
    /// Opens the database a URL names (`sqlite:PATH` or `postgres://...`), creating a SQLite
    /// file if it does not exist. Does not migrate; call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            Store::connect_postgres(opts).await
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Store::open_sqlite(Path::new(path)).await
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL {:?}: use sqlite:PATH or postgres://USER@HOST/DB",
                redact_url(url)
            )))
        }
    }

    /// Opens (creating if missing) a SQLite database file: WAL, foreign keys on, busy timeout.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
            appender: Default::default(),
            sqlite_path: Some(path.to_path_buf()),
        })
    }

    /// Opens a PostgreSQL pool with the given options.
    pub async fn connect_postgres(opts: PgConnectOptions) -> Result<Store, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        Ok(Store {
            pool: Pool::Postgres(pool),
            appender: Default::default(),
            sqlite_path: None,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let committed_before = self.migration_applied(records::COMMITMENTS_MIGRATION).await;
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        if !committed_before {
            self.commit_legacy_rows().await?;
        }
        // A database that held records before the search index existed: index them now.
        if self.search_index_missing().await? {
            self.rebuild_search_index().await?;
        }
        Ok(())
    }

    /// Whether a migration had been applied (false on a database with no migrations yet).
    async fn migration_applied(&self, version: i64) -> bool {
        let q = "SELECT 1 AS one FROM _sqlx_migrations WHERE version = $1 AND success";
        let found: Result<bool, sqlx::Error> = with_pool!(self, p => {
            sqlx::query(q).bind(version).fetch_optional(p).await.map(|r| r.is_some())
        });
        found.unwrap_or(false)
    }

    /// Applies only the first `count` migrations (for testing a later migration on old data).
    #[cfg(feature = "testing")]
    pub async fn migrate_first(&self, count: usize) -> Result<(), StoreError> {
        use std::borrow::Cow;
        match &self.pool {
            Pool::Sqlite(p) => {
                let mut m = sqlx::migrate!("./migrations/sqlite");
                m.migrations = Cow::Owned(m.migrations[..count].to_vec());
                m.run(p).await?
            }
            Pool::Postgres(p) => {
                let mut m = sqlx::migrate!("./migrations/postgres");
                m.migrations = Cow::Owned(m.migrations[..count].to_vec());
                m.run(p).await?
            }
        }
        Ok(())
    }

    /// Runs a statement as given (tests use it to tamper with rows by hand, as an attacker
    /// with database access would).
    #[cfg(feature = "testing")]
    pub async fn execute_raw(&self, statement: &str) -> Result<u64, StoreError> {
        let n = with_pool!(self, p => {
            sqlx::query(sqlx::AssertSqlSafe(statement.to_string())).execute(p).await?.rows_affected()
        });
        Ok(n)
    }

    /// Answers whether the database responds (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("sqlite:x.db"), "sqlite:x.db");
    }
}
