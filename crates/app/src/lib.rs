//! Chancery's application layer. Every use case lives here exactly once (access, saving a
//! record, archives, statistics, cases, reports, accounts, imports, the demo) and answers a
//! typed result or an [`AppError`]. The HTTP server (`chancery-web`) and the command line
//! (`chancery`) are thin adapters over it: neither reaches the store, and neither repeats a
//! rule written here.

pub mod access;
pub mod accounts;
pub mod actor;
pub mod admin;
pub mod archive;
pub mod audit;
pub mod cases;
pub mod datasets;
pub mod demo;
pub mod error;
pub mod extract;
pub mod import;
pub mod pii;
pub mod posts;
pub mod proxies;
pub mod query;
pub mod redactions;
pub mod report_build;
// `reports::reports` holds the report records' use cases beside builds, taskings, templates.
#[allow(clippy::module_inception)]
pub mod reports;
pub mod save;
pub mod search;
pub mod sessions;
pub mod signin;
pub mod statistics;

pub use actor::Actor;
pub use error::AppError;

pub use chancery_store::redact_url;
/// Fresh isolated databases for the web and CLI test suites.
#[cfg(feature = "testing")]
pub use chancery_store::{Backend, testing::TestDb};

use chancery_store::{Blobs, Store, StoreError};
use std::path::PathBuf;
use std::time::Duration;

/// What a use case may use beyond its input.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest source document archived, in bytes (uploads and fetched URLs).
    pub archive_limit: usize,
    /// Longest a URL fetch for archiving may take.
    pub fetch_timeout: Duration,
    /// Allow fetching URLs on loopback and private addresses (tests; an intranet source).
    pub fetch_private: bool,
    /// Caps on reading statistics files and mappings (lines, the JSON-stat document,
    /// decompression, mapping files, observations).
    pub stats: chancery_stats::ReadLimits,
    /// Where PDF and HTML text extraction and image checks run: a child process (the
    /// default: this executable re-run as `chancery extract`) or, for tests only, in process.
    pub extractor: extract::Extractor,
    /// The extraction child's limits (stack, address space, CPU, wall clock, output).
    pub extraction: extract::ExtractLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            archive_limit: 20 * 1024 * 1024,
            fetch_timeout: Duration::from_secs(20),
            fetch_private: false,
            stats: chancery_stats::ReadLimits::default(),
            extractor: extract::Extractor::default(),
            extraction: extract::ExtractLimits::default(),
        }
    }
}

/// The time use cases read: the system clock, or a fixed instant (tests, reproducible runs).
#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(chrono::DateTime<chrono::Utc>),
}

impl Clock {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Clock::System => chrono::Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.now().date_naive()
    }
}

/// The application: the store, the archive's blobs, the limits, the clock and the audit's
/// keys (kept outside the database: `audit::keys`).
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub blobs: Blobs,
    pub limits: Limits,
    pub clock: Clock,
    pub keys: audit::AuditKeys,
}

impl App {
    /// An application with keys nobody keeps (`AuditKeys::ephemeral`: tests); the binary
    /// opens with the configured keys (`Settings::keys`, `with_keys`).
    pub fn new(store: Store, blobs: Blobs, limits: Limits) -> App {
        App {
            store,
            blobs,
            limits,
            clock: Clock::System,
            keys: audit::AuditKeys::ephemeral(),
        }
    }

    /// The same application with these audit keys.
    pub fn with_keys(mut self, keys: audit::AuditKeys) -> App {
        self.keys = keys;
        self
    }

    /// Opens the application the settings describe: creates the data directory, connects to
    /// the database and applies pending migrations, and opens the archive's blobs under the
    /// data directory.
    pub async fn open(settings: &Settings) -> Result<App, OpenError> {
        std::fs::create_dir_all(&settings.data)
            .map_err(|e| OpenError::DataDir(settings.data.clone(), e))?;
        let url = settings.database_url();
        let store = Store::connect(&url)
            .await
            .map_err(|e| OpenError::Connect(redact_url(&url), e))?;
        store.migrate().await.map_err(OpenError::Migrate)?;
        tracing::info!(database = %redact_url(&url), backend = store.backend().as_str(), "database ready");
        let blobs = Blobs::local(&settings.data.join("blobs"))
            .map_err(|e| OpenError::Blobs(settings.data.clone(), e))?;
        let app = App::new(store, blobs, settings.limits.clone());
        Ok(match &settings.keys {
            Some(k) => app.with_keys(k.clone()),
            None => app,
        })
    }

    /// Closes the database connections (waiting for those in use).
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// Where the application keeps its data and what it may use: one struct, built by the
/// binary from its configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The data directory: the SQLite file (unless a database URL is given) and the blobs.
    pub data: PathBuf,
    /// `sqlite:PATH` or `postgres://...`; `None` (or blank): SQLite inside the data directory.
    pub database_url: Option<String>,
    pub limits: Limits,
    /// The audit's keys (`audit::keys::resolve`); `None`: keys nobody keeps, for commands
    /// that only read the log.
    pub keys: Option<audit::AuditKeys>,
}

impl Settings {
    /// The SQLite file inside the data directory (used when no database URL is given).
    pub fn sqlite_path(&self) -> PathBuf {
        self.data.join("chancery.db")
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.trim().is_empty() => u.clone(),
            _ => format!("sqlite:{}", self.sqlite_path().display()),
        }
    }
}

/// Why [`App::open`] failed; each names what it was doing, the cause follows as the source.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("creating the data directory {}", .0.display())]
    DataDir(PathBuf, #[source] std::io::Error),
    /// The URL, its password redacted.
    #[error("opening {0}")]
    Connect(String, #[source] StoreError),
    #[error("applying migrations")]
    Migrate(#[source] StoreError),
    #[error("opening the archive store under {}", .0.display())]
    Blobs(PathBuf, #[source] StoreError),
}
