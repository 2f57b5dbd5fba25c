//! Accounts: passwords (argon2id), API tokens, and the actor behind an account id.

use crate::{Actor, App, AppError};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chancery_domain::{Principal, UserId};
use std::sync::LazyLock;

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane, which are
/// OWASP's recommended minimum).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
}

/// A hash of a password nobody has, verified against when the account does not exist, so a
/// login takes as long for an unknown e-mail as for a known one.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("no account has this password").expect("hashing works"));

/// Checks a password against a stored hash; with no hash (unknown account, or one without a
/// password) it still spends the same work and answers no.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let (hash, real) = match stored {
        Some(h) => (h.to_string(), true),
        None => (DUMMY_HASH.clone(), false),
    };
    let ok = PasswordHash::new(&hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

/// A new API token: `chy_` and 32 random bytes, base64url. Only its sha256 is stored.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "chy_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The actor behind an account id, if the account may act (it exists and is active).
pub async fn actor(
    app: &App,
    id: UserId,
    address: Option<String>,
) -> Result<Option<Actor>, AppError> {
    let Some(u) = app.store.user(id).await? else {
        return Ok(None);
    };
    if !u.account.active {
        return Ok(None);
    }
    Ok(Some(Actor {
        principal: Principal {
            user_id: u.id.0,
            placement: u.account.placement.clone(),
            sbu_access: u.account.sbu_access,
        },
        name: u.account.display_name.to_string(),
        email: u.account.email.to_string(),
        address,
    }))
}

/// The actor behind an API token (its sha256 is looked up), if the account may act.
pub async fn token_actor(
    app: &App,
    token: &str,
    address: Option<String>,
) -> Result<Option<Actor>, AppError> {
    match app
        .store
        .token_user(&chancery_store::sha256_hex(token))
        .await?
    {
        Some(id) => actor(app, id, address).await,
        None => Ok(None),
    }
}

/// The actor behind an account's e-mail, acting from the command line (its audit address
/// reads "local"). `flag` names where the e-mail was given, for the error.
pub async fn actor_by_email(app: &App, email: &str, flag: &str) -> Result<Actor, AppError> {
    let email = chancery_domain::Email::parse(email).map_err(|e| AppError::invalid(flag, e))?;
    let u = app
        .store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| AppError::invalid(flag, format!("no account {email}")))?;
    actor(app, u.id, Some("local".into()))
        .await?
        .ok_or_else(|| AppError::invalid(flag, format!("the account {email} is deactivated")))
}

// ---------------------------------------------------------------- administration at the server
//
// The command line's `user`, `token` and `audit` commands act as the system: the audit log
// records the address `local` and no account.

pub use chancery_store::StoredUser;

/// A new account from an administrator's input, checked (role, post, e-mail) but not stored.
/// Without a name, the part of the e-mail before the @ is shown.
pub fn new_account(
    email: &str,
    role: &str,
    post: Option<&str>,
    sbu_access: bool,
    name: Option<&str>,
) -> Result<chancery_domain::Account, AppError> {
    chancery_domain::Role::parse(role).map_err(AppError::BadRequest)?;
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(email));
    chancery_domain::Account::from_json(&serde_json::json!({"email": email,
        "display_name": name, "role": role, "post": post, "sbu_access": sbu_access}))
    .map_err(|e| AppError::BadRequest(e.to_string()))
}

/// Stores a new account with a password (checked against the password rules first).
pub async fn create_user(
    app: &App,
    account: &chancery_domain::Account,
    password: &str,
) -> Result<UserId, AppError> {
    let hash = checked_hash(password)?;
    Ok(app
        .store
        .create_user(account, Some(&hash), &chancery_store::AuditCtx::system())
        .await?)
}

fn checked_hash(password: &str) -> Result<String, AppError> {
    chancery_domain::account::check_password(password).map_err(AppError::BadRequest)?;
    hash_password(password)
}

/// The account with this e-mail.
pub async fn user_by_email(app: &App, email: &str) -> Result<StoredUser, AppError> {
    let email = chancery_domain::Email::parse(email).map_err(AppError::BadRequest)?;
    app.store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no account {email}")))
}

/// Every account.
pub async fn list_users(app: &App) -> Result<Vec<StoredUser>, AppError> {
    Ok(app.store.list_users().await?)
}

/// Sets a new password (checked against the password rules); ends the account's sessions,
/// revokes its API tokens and cancels its open password links.
pub async fn set_password(app: &App, user: UserId, password: &str) -> Result<(), AppError> {
    let hash = checked_hash(password)?;
    Ok(app
        .store
        .set_password(user, &hash, &chancery_store::AuditCtx::system())
        .await?)
}

/// Lifts a login lockout.
pub async fn unlock(app: &App, user: UserId) -> Result<(), AppError> {
    Ok(app
        .store
        .unlock_user(user, &chancery_store::AuditCtx::system())
        .await?)
}

/// A new API token: the token itself is not stored (only its sha256 is), so it is shown only
/// now, with its expiry.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub id: i64,
    pub name: String,
    /// Send as `Authorization: Bearer <token>`; shown once.
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

pub use chancery_store::users::{TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX};

/// The expiry of a token created now that lives `days` (default 90, at most 365). `field`
/// names where the number was given, for the error.
pub fn token_expiry(
    app: &App,
    days: Option<i64>,
    field: &str,
) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    let days = days.unwrap_or(TOKEN_DAYS_DEFAULT);
    if !(1..=TOKEN_DAYS_MAX).contains(&days) {
        return Err(AppError::invalid(
            field,
            format!("a token lives from 1 to {TOKEN_DAYS_MAX} days"),
        ));
    }
    Ok(app.clock.now() + chrono::Duration::days(days))
}

/// Stores a new token for an account, expiring as given.
pub(crate) async fn store_token(
    app: &App,
    user: UserId,
    name: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
    ctx: &chancery_store::AuditCtx,
) -> Result<NewToken, AppError> {
    let token = new_token();
    let id = app
        .store
        .create_token_until(
            user,
            name,
            &chancery_store::sha256_hex(&token),
            expires_at,
            ctx,
        )
        .await?;
    Ok(NewToken {
        id,
        name: name.to_string(),
        token,
        expires_at,
    })
}

/// Creates an API token for an active account, living `days` (default 90, at most 365).
pub async fn create_token(
    app: &App,
    user: &StoredUser,
    name: &str,
    days: Option<i64>,
) -> Result<NewToken, AppError> {
    if !user.account.active {
        return Err(AppError::Forbidden(format!(
            "account {} is inactive",
            user.account.email
        )));
    }
    let expires_at = token_expiry(app, days, "--days")?;
    store_token(
        app,
        user.id,
        name,
        expires_at,
        &chancery_store::AuditCtx::system(),
    )
    .await
}

/// Revokes a token by its id, whoever owns it.
pub async fn revoke_token(app: &App, id: i64) -> Result<(), AppError> {
    Ok(app
        .store
        .revoke_token(id, None, &chancery_store::AuditCtx::system())
        .await?)
}

// ---------------------------------------------------------------- password links
//
// A link issued by a second administrator (`admin::issue_reset`) lets its account's user set
// their own password, once, before it expires.

fn link_refused() -> AppError {
    AppError::NotFound(
        "this password link cannot be used: it has been used, has expired or was replaced".into(),
    )
}

/// Whether a password link can be used now (the form is shown only then).
pub async fn reset_link_usable(app: &App, token: &str) -> Result<(), AppError> {
    app.store
        .reset_target(&chancery_store::sha256_hex(token), app.clock.now())
        .await?
        .map(|_| ())
        .ok_or_else(link_refused)
}

/// Uses a password link: the user's own new password (checked against the password rules) is
/// set, once; the account's sessions end, its tokens are revoked, a lockout is lifted, and the
/// next sign-in shows that the password was reset. Audited with the account as the actor.
pub async fn use_reset_link(
    app: &App,
    token: &str,
    password: &str,
    address: Option<String>,
) -> Result<UserId, AppError> {
    let hash_of_token = chancery_store::sha256_hex(token);
    // A link that cannot be used is refused before the password is looked at.
    app.store
        .reset_target(&hash_of_token, app.clock.now())
        .await?
        .ok_or_else(link_refused)?;
    chancery_domain::account::check_password(password)
        .map_err(|e| AppError::invalid("password", e))?;
    let hash = hash_password(password)?;
    app.store
        .use_reset(&hash_of_token, &hash, app.clock.now(), address)
        .await
        .map_err(|e| match e {
            chancery_store::StoreError::NotFound => link_refused(),
            other => other.into(),
        })
}

/// When the user's password was reset through a link, if they have not yet been told.
pub async fn reset_notice(
    app: &App,
    user: UserId,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    Ok(app.store.reset_notice(user).await?)
}

/// The user has read the notice of a reset.
pub async fn dismiss_reset_notice(app: &App, user: &Actor) -> Result<(), AppError> {
    Ok(app.store.clear_reset_notice(user.id()).await?)
}
