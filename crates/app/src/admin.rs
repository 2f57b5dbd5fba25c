//! The administrator's use cases at the pages: accounts (list, create, change, unlock), the
//! two-person steps (SBU access, password links) and the audit log (entries, chain
//! verification), each attributed to the administrator who acts. (`accounts` holds the
//! operator's operations for the command line, which acts as the system.)
//!
//! Separation of duties: an administrator never sets or learns a password of another account.
//! A new account has no password; a password link is asked for by one administrator and
//! issued (shown, once) to a second, who hands it over. SBU access asked for by one
//! administrator waits for a second's approval. Nobody changes their own role, post, SBU
//! access or state here.

use crate::access::check_open;
use crate::accounts::new_token;
use crate::{Actor, App, AppError};
use chancery_domain::{Account, Action, Resource, ResourceKind, Role, UserId};
use chrono::{DateTime, Duration, Utc};

pub use chancery_store::{
    AuditEntry, AuditFilter, ChainBreak, OpenReset, PendingGrant, StoredUser, UserUpdate,
};

/// How long an issued password link stays usable.
pub const RESET_LINK_HOURS: i64 = 24;

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

/// Creates an account without a password: a password link is asked for at once, for a
/// second administrator to issue. SBU access, if asked for, waits for a second administrator.
pub async fn create_user(app: &App, user: &Actor, account: &Account) -> Result<UserId, AppError> {
    administers(user)?;
    Ok(app.store.request_user(account, &user.ctx()).await?)
}

/// Changes an account (role, post, SBU access, name, active). SBU access is kept while the
/// role and post stay; asked for anew, it waits for a second administrator. An administrator
/// cannot change their own role, post, SBU access or state.
pub async fn update_user(
    app: &App,
    user: &Actor,
    target: UserId,
    account: &Account,
) -> Result<UserUpdate, AppError> {
    administers(user)?;
    if target.0 == user.id().0 {
        let current = app
            .store
            .user(target)
            .await?
            .ok_or_else(|| AppError::NotFound("no such account".into()))?;
        let a = &current.account;
        if a.placement != account.placement
            || a.sbu_access != account.sbu_access
            || a.active != account.active
        {
            return Err(AppError::Forbidden(
                "you cannot change your own role, post, SBU access or state: another administrator can"
                    .into(),
            ));
        }
    }
    Ok(app.store.update_user(target, account, &user.ctx()).await?)
}

/// What waits for a second administrator on one account, and how many administrators could
/// be that second person.
#[derive(Debug, Clone)]
pub struct Duties {
    pub sbu: Option<PendingGrant>,
    pub reset: Option<OpenReset>,
    /// Active administrator accounts, the viewer included.
    pub administrators: usize,
}

/// What waits for a second administrator on an account.
pub async fn duties(app: &App, user: &Actor, target: UserId) -> Result<Duties, AppError> {
    administers(user)?;
    let sbu = app
        .store
        .pending_grants()
        .await?
        .into_iter()
        .find(|g| g.user_id == target);
    Ok(Duties {
        sbu,
        reset: app.store.open_reset(target).await?,
        administrators: administrators(app).await?,
    })
}

/// Everything that waits for a second administrator: SBU requests and password links.
pub async fn waiting(
    app: &App,
    user: &Actor,
) -> Result<(Vec<PendingGrant>, Vec<OpenReset>), AppError> {
    administers(user)?;
    Ok((
        app.store.pending_grants().await?,
        app.store.open_resets().await?,
    ))
}

async fn administrators(app: &App) -> Result<usize, AppError> {
    Ok(app
        .store
        .list_users()
        .await?
        .iter()
        .filter(|u| u.account.active && u.account.placement.role() == Role::Admin)
        .count())
}

/// Approves (the account gains SBU access) or rejects a pending SBU request. The decider is
/// a second administrator: not the one who asked, and not the account itself.
pub async fn decide_grant(
    app: &App,
    user: &Actor,
    raw_id: &str,
    approve: bool,
) -> Result<UserId, AppError> {
    administers(user)?;
    let missing = || AppError::NotFound("no pending request for SBU access with this id".into());
    let id = raw_id.parse::<i64>().map_err(|_| missing())?;
    let grant = app.store.pending_grant(id).await?.ok_or_else(missing)?;
    if grant.requested_by.0 == user.id().0 {
        return Err(AppError::Forbidden(
            "a second administrator decides on SBU access, not the one who asked for it".into(),
        ));
    }
    if grant.user_id.0 == user.id().0 {
        return Err(AppError::Forbidden(
            "nobody decides on their own SBU access".into(),
        ));
    }
    Ok(app.store.decide_grant(id, approve, &user.ctx()).await?)
}

/// Asks for a password link for an account (cancelling an earlier open one). A second
/// administrator issues it.
pub async fn request_reset(app: &App, user: &Actor, target: UserId) -> Result<i64, AppError> {
    administers(user)?;
    Ok(app.store.request_reset(target, &user.ctx()).await?)
}

/// A password link as issued: shown once, to the administrator who issued it.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    /// The token of the link (`/password-reset/<token>`); only its sha256 is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues the account's open password link: a second administrator (not the one who asked)
/// gets it, once, to hand over. Issuing again replaces the link.
pub async fn issue_reset(app: &App, user: &Actor, target: UserId) -> Result<IssuedLink, AppError> {
    administers(user)?;
    let open = app
        .store
        .open_reset(target)
        .await?
        .ok_or_else(|| AppError::NotFound("no password link was asked for".into()))?;
    if open.requested_by.0 == user.id().0 {
        return Err(AppError::Forbidden(
            "a second administrator issues the password link, not the one who asked for it".into(),
        ));
    }
    let token = new_token().replacen("chy_", "chr_", 1);
    let expires_at = app.clock.now() + Duration::hours(RESET_LINK_HOURS);
    app.store
        .issue_reset(
            target,
            &chancery_store::sha256_hex(&token),
            expires_at,
            &user.ctx(),
        )
        .await?;
    Ok(IssuedLink { token, expires_at })
}

/// Lifts a login lockout.
pub async fn unlock(app: &App, user: &Actor, target: UserId) -> Result<(), AppError> {
    administers(user)?;
    Ok(app.store.unlock_user(target, &user.ctx()).await?)
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
