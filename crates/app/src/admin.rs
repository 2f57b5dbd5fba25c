//! The administrator's use cases at the pages: accounts (list, create, change, unlock, set a
//! password) and the audit log (entries, chain verification), each attributed to the
//! administrator who acts. (`accounts` holds the same operations for the command line, which
//! acts as the system.)

use crate::access::check_open;
use crate::accounts::hash_password;
use crate::{Actor, App, AppError};
use chancery_domain::{Account, Action, Resource, ResourceKind, UserId};

pub use chancery_store::{AuditEntry, AuditFilter, ChainBreak, StoredUser};

fn administers(user: &Actor) -> Result<(), AppError> {
    check_open(user, Action::Administer, &Resource::of(ResourceKind::User))
}

fn reads_audit(user: &Actor) -> Result<(), AppError> {
    check_open(user, Action::ReadAudit, &Resource::of(ResourceKind::Audit))
}

/// Every account.
pub async fn users(app: &App, user: &Actor) -> Result<Vec<StoredUser>, AppError> {
    administers(user)?;
    Ok(app.store.list_users().await?)
}

/// One account by its id (as typed in a path).
pub async fn user(app: &App, user: &Actor, raw_id: &str) -> Result<StoredUser, AppError> {
    administers(user)?;
    let id = raw_id
        .parse::<i64>()
        .map_err(|_| AppError::NotFound("no such account".into()))?;
    app.store
        .user(UserId(id))
        .await?
        .ok_or_else(|| AppError::NotFound("no such account".into()))
}

/// Creates an account with a password (already checked against the password rules).
pub async fn create_user(
    app: &App,
    user: &Actor,
    account: &Account,
    password: &str,
) -> Result<UserId, AppError> {
    administers(user)?;
    let hash = hash_password(password)?;
    Ok(app
        .store
        .create_user(account, Some(&hash), &user.ctx())
        .await?)
}

/// Changes an account (role, post, SBU access, name, active).
pub async fn update_user(
    app: &App,
    user: &Actor,
    target: UserId,
    account: &Account,
) -> Result<(), AppError> {
    administers(user)?;
    Ok(app.store.update_user(target, account, &user.ctx()).await?)
}

/// Lifts a login lockout.
pub async fn unlock(app: &App, user: &Actor, target: UserId) -> Result<(), AppError> {
    administers(user)?;
    Ok(app.store.unlock_user(target, &user.ctx()).await?)
}

/// Sets a new password (already checked against the password rules).
pub async fn set_password(
    app: &App,
    user: &Actor,
    target: UserId,
    password: &str,
) -> Result<(), AppError> {
    administers(user)?;
    let hash = hash_password(password)?;
    Ok(app.store.set_password(target, &hash, &user.ctx()).await?)
}

/// Audit entries matching a filter, newest first, at most `limit`.
pub async fn audit_entries(
    app: &App,
    user: &Actor,
    filter: &AuditFilter,
    limit: u32,
) -> Result<Vec<AuditEntry>, AppError> {
    reads_audit(user)?;
    Ok(app.store.audit_entries(filter, limit).await?)
}

/// Walks the audit log's hash chain: the number of entries, or the first broken one.
pub async fn audit_verify(app: &App, user: &Actor) -> Result<Result<u64, ChainBreak>, AppError> {
    reads_audit(user)?;
    Ok(app.store.audit_verify().await?)
}

/// Every account's e-mail by id, for labelling audit entries.
pub async fn account_names(app: &App, user: &Actor) -> Result<Vec<(UserId, String)>, AppError> {
    reads_audit(user)?;
    Ok(app
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.account.email.to_string()))
        .collect())
}
