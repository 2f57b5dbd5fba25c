//! Signing in and out, and one's own API tokens.
//!
//! A sign-in checks the password with argon2id, against a dummy hash for unknown accounts so
//! timing tells nothing; every failure reads the same. Five failures in 15 minutes lock an
//! account and twenty refuse an address; each attempt is counted in the database before its
//! password is checked, so the limits hold across instances and under parallel attempts. Each
//! checked attempt is recorded (the e-mail only as a hash); refused ones only add to their
//! window's count, and the first refusal of a window is audited.

use crate::access::check_open;
use crate::accounts::verify_password;
use crate::{Actor, App, AppError};
use chancery_domain::{Action, Email, Resource, ResourceKind, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Checks a sign-in; answers the account on success, `None` on any failure (all read alike).
///
/// The attempt is counted in the database before the password is looked at
/// ([`chancery_store::Store::login_attempt_begin`]), so parallel attempts get at most the
/// limit of real checks; a refused attempt spends the same work on a dummy hash and answers
/// like a failure.
pub async fn sign_in(
    app: &App,
    typed_email: &str,
    password: &str,
    address: &str,
) -> Result<Option<UserId>, AppError> {
    // Keyed (HMAC): what was typed, a password by mistake included, cannot be confirmed by
    // hashing a guess. The same key on every instance keeps the throttle shared.
    let email_hash = app
        .keys
        .detail_hash("login e-mail", typed_email.trim().to_lowercase().as_str());
    let user = match Email::parse(typed_email) {
        Ok(e) => app.store.user_by_email(&e).await?,
        Err(_) => None,
    };
    let user_id = user.as_ref().map(|u| u.id);
    let ticket = app
        .store
        .login_attempt_begin(user_id, &email_hash, address)
        .await?;
    if ticket.refused {
        // Spend the same work as a real check before answering.
        verify_password(password, None);
        return Ok(None);
    }
    let usable = user.as_ref().filter(|u| u.account.active);
    let ok = verify_password(password, usable.and_then(|u| u.password_hash.as_deref()));
    app.store
        .login_attempt_end(&ticket, &email_hash, user_id, ok, address)
        .await?;
    Ok(usable.filter(|_| ok).map(|u| u.id))
}

/// Records a sign-out.
pub async fn sign_out(app: &App, user: &Actor) -> Result<(), AppError> {
    crate::access::log_event(app, user, "logout").await
}

fn may_manage(user: &Actor) -> Result<(), AppError> {
    check_open(
        user,
        Action::ManageOwnTokens,
        &Resource::of(ResourceKind::Token),
    )
}

/// One of the user's API tokens (never the token itself: only its hash is stored).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used: Option<DateTime<Utc>>,
    pub revoked: bool,
    pub expired: bool,
}

/// The user's own tokens.
pub async fn own_tokens(app: &App, user: &Actor) -> Result<Vec<TokenInfo>, AppError> {
    may_manage(user)?;
    Ok(app
        .store
        .list_tokens(user.id())
        .await?
        .into_iter()
        .map(|t| TokenInfo {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used: t.last_used,
            revoked: t.revoked_at.is_some(),
            expired: t.expires_at <= app.clock.now(),
        })
        .collect())
}

/// Creates a token for the user, living `days` (default 90, at most 365); answers it with its
/// expiry (shown once; only its sha256 is kept).
pub async fn create_own_token(
    app: &App,
    user: &Actor,
    name: &str,
    days: Option<i64>,
) -> Result<crate::accounts::NewToken, AppError> {
    may_manage(user)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "give the token a name of 1 to 100 characters",
        ));
    }
    let expires_at = crate::accounts::token_expiry(app, days, "expires_in_days")?;
    crate::accounts::store_token(app, user.id(), name, expires_at, &user.ctx()).await
}

/// Revokes one of the user's own tokens (another's reads as missing).
pub async fn revoke_own_token(app: &App, user: &Actor, raw_id: &str) -> Result<(), AppError> {
    may_manage(user)?;
    let id = raw_id
        .parse::<i64>()
        .map_err(|_| AppError::NotFound("no such token".into()))?;
    app.store
        .revoke_token(id, Some(user.id()), &user.ctx())
        .await
        .map_err(|e| match e {
            chancery_store::StoreError::NotFound => {
                AppError::NotFound("no such token of yours".into())
            }
            other => other.into(),
        })
}
