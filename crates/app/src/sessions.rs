//! Sign-in sessions, stored in the database so every instance shares them: keyed by the
//! sha256 of their id (a stolen database holds no usable session id), with their data and
//! expiry. A session row is written only when a session holds something (tower-sessions saves
//! a modified session only), and nothing is put in an anonymous one, so anonymous requests
//! write no rows. Expired sessions are purged periodically ([`App::spawn_session_purge`]) by
//! one instance at a time.

use crate::{App, AppError};
use chancery_domain::UserId;
use chancery_store::sha256_hex;
use chrono::{DateTime, Utc};
use std::time::Duration;

impl App {
    /// Stores a session's data. With `create_only`, only when no session has this id (answers
    /// whether it was stored); otherwise insert or replace.
    pub async fn session_save(
        &self,
        id: &str,
        user: Option<UserId>,
        data: &str,
        expires_at: DateTime<Utc>,
        create_only: bool,
    ) -> Result<bool, AppError> {
        Ok(self
            .store
            .session_save(&sha256_hex(id), user, data, expires_at, create_only)
            .await?)
    }

    /// A session's data and expiry, unless it has expired.
    pub async fn session_load(
        &self,
        id: &str,
    ) -> Result<Option<(String, DateTime<Utc>)>, AppError> {
        Ok(self.store.session_load(&sha256_hex(id)).await?)
    }

    pub async fn session_delete(&self, id: &str) -> Result<(), AppError> {
        Ok(self.store.session_delete(&sha256_hex(id)).await?)
    }

    /// Deletes every expired session; answers how many, or `None` when another instance is
    /// purging (one instance at a time, under a database lock: `Store::sessions_delete_expired`).
    pub async fn purge_expired_sessions(&self) -> Result<Option<u64>, AppError> {
        Ok(self.store.sessions_delete_expired().await?)
    }

    /// Purges expired sessions now and then every `every`, until the runtime stops. A failed
    /// purge is logged and tried again at the next tick.
    pub fn spawn_session_purge(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match app.purge_expired_sessions().await {
                    Ok(None | Some(0)) => {}
                    Ok(Some(n)) => tracing::debug!(purged = n, "expired sessions purged"),
                    Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
                }
            }
        })
    }
}
