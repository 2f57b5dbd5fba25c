//! The audit log, for administrators at the server: verify its hash chain, export it.

use crate::{App, AppError};
pub use chancery_store::{AuditEntry, ChainBreak};

/// Walks the hash chain: the number of entries when it is intact, or the first broken one.
pub async fn verify(app: &App) -> Result<Result<u64, ChainBreak>, AppError> {
    Ok(app.store.audit_verify().await?)
}

/// Why an export stopped: the sink failed (writing the file), or the store did.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Sink(#[from] std::io::Error),
    #[error(transparent)]
    App(#[from] AppError),
}

/// Hands every entry, in order, to `each`; returns how many there were. The first error of
/// `each` stops the walk and is returned.
pub async fn export(
    app: &App,
    mut each: impl FnMut(AuditEntry) -> std::io::Result<()>,
) -> Result<u64, ExportError> {
    let mut n = 0u64;
    let mut failed: Option<std::io::Error> = None;
    let walked = app
        .store
        .audit_walk(|e| {
            if let Err(err) = each(e) {
                let msg = err.to_string();
                failed = Some(err);
                return Err(chancery_store::StoreError::Internal(msg));
            }
            n += 1;
            Ok(())
        })
        .await;
    if let Some(err) = failed {
        return Err(ExportError::Sink(err));
    }
    walked.map_err(AppError::from)?;
    Ok(n)
}
