use chancery_domain::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The update named a version that is no longer the current one.
    #[error("version conflict: the record is at version {current}, the update named {expected}")]
    Conflict { expected: i64, current: i64 },
    /// The data refers to something that does not exist, or breaks a rule only the store sees.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// A stored body no longer reads as its type: a bug or a hand edit, never user input.
    #[error("stored record {table}/{id} version {version} is unreadable: {reason}")]
    Corrupt {
        table: &'static str,
        id: i64,
        version: i64,
        reason: String,
    },
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A failure of the SQLite bulk loader's own connection (`bulk`): a database error, as
    /// `Database` is for sqlx.
    #[error("database: sqlite bulk loader: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The store's own machinery failed (a worker thread): a bug, never input or configuration.
    #[error("internal: {0}")]
    Internal(String),
}

impl StoreError {
    /// Whether the database refused a row for repeating a unique key (on either connection).
    pub(crate) fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(e) => e
                .as_database_error()
                .is_some_and(|d| d.is_unique_violation()),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            _ => false,
        }
    }
}
