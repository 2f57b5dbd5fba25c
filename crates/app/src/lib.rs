//! Chancery's application layer. Every use case lives here exactly once (access, saving a
//! record, archives, statistics, cases, reports, accounts, imports, the demo) and answers a
//! typed result or an [`AppError`]. The HTTP server (`chancery-web`) and the command line
//! (`chancery`) are thin adapters over it: neither reaches the store, and neither repeats a
//! rule written here.

pub mod access;
pub mod accounts;
pub mod actor;
pub mod archive;
pub mod audit;
pub mod cases;
pub mod error;
pub mod pii;
pub mod query;
pub mod redactions;
pub mod report_build;
pub mod reports;
pub mod save;
pub mod sessions;
pub mod statistics;

pub use actor::Actor;
pub use error::AppError;

use chancery_store::{Blobs, Store};
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            archive_limit: 20 * 1024 * 1024,
            fetch_timeout: Duration::from_secs(20),
            fetch_private: false,
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

/// The application: the store, the archive's blobs, the limits and the clock.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub blobs: Blobs,
    pub limits: Limits,
    pub clock: Clock,
}

impl App {
    pub fn new(store: Store, blobs: Blobs, limits: Limits) -> App {
        App {
            store,
            blobs,
            limits,
            clock: Clock::System,
        }
    }
}
