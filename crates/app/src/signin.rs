//! Signing in and out, and one's own API tokens.
//!
//! A sign-in checks the password with argon2id, against a dummy hash for unknown accounts so
//! timing tells nothing; every failure reads the same. Five failures in 15 minutes lock an
//! account and twenty refuse an address; the attempts live in the database, so every instance
//! sees them, and each attempt is recorded (the e-mail only as a hash).

use crate::access::check_open;
use crate::accounts::{new_token, verify_password};
use crate::{Actor, App, AppError};
use chancery_domain::{Action, Email, Resource, ResourceKind, UserId};
use chancery_store::{LoginOutcome, sha256_hex};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Checks a sign-in; answers the account on success, `None` on any failure (all read alike).
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
    if app.store.login_throttled(user.as_ref(), address).await? {
        // Spend the same work as a real check before answering.
        verify_password(password, None);
        app.store
            .record_login(
                &email_hash,
                user.as_ref().map(|u| u.id),
                LoginOutcome::Throttled,
                address,
            )
            .await?;
        return Ok(None);
    }
    let usable = user.as_ref().filter(|u| u.account.active);
    let ok = verify_password(password, usable.and_then(|u| u.password_hash.as_deref()));
    let outcome = if ok {
        LoginOutcome::Succeeded
    } else {
        LoginOutcome::Failed
    };
    app.store
        .record_login(&email_hash, user.as_ref().map(|u| u.id), outcome, address)
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
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// The user's own tokens.
pub async fn own_tokens(app: &App, user: &Actor) -> Result<Vec<TokenInfo>, AppError> {
    may_manage(user)?;
    Ok(app
        .store
        .list_tokens(user.id())
        .await?
        .into_iter()
        .map(|(id, name, created_at, last_used, revoked)| TokenInfo {
            id,
            name,
            created_at,
            last_used,
            revoked: revoked.is_some(),
        })
        .collect())
}

/// Creates a token for the user; answers it (shown once; only its sha256 is kept).
pub async fn create_own_token(app: &App, user: &Actor, name: &str) -> Result<String, AppError> {
    may_manage(user)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "give the token a name of 1 to 100 characters",
        ));
    }
    let token = new_token();
    app.store
        .create_token(user.id(), name, &sha256_hex(&token), &user.ctx())
        .await?;
    Ok(token)
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
