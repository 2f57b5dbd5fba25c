//! Authentication: argon2id passwords, server-side sessions in the database (tower-sessions
//! with our own store), API tokens, and the signed-in user every handler receives.

use crate::AppState;
use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use async_trait::async_trait;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use chancery_domain::{Principal, UserId};
use chancery_store::{AuditCtx, Store, sha256_hex};
use std::net::SocketAddr;
use std::sync::LazyLock;
use tower_sessions::Session;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Session keys.
pub const SESSION_USER: &str = "user_id";
pub const SESSION_LOGIN_AT: &str = "login_at";
pub const SESSION_NEXT: &str = "next";

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane, which are
/// OWASP's recommended minimum).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing a password: {e}")))
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

/// The signed-in user, as every handler receives it.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub principal: Principal,
    pub name: String,
    pub email: String,
    /// The client address, for the audit log.
    pub address: Option<String>,
}

impl CurrentUser {
    pub fn id(&self) -> UserId {
        UserId(self.principal.user_id)
    }

    pub fn ctx(&self) -> AuditCtx {
        AuditCtx::user(self.id(), self.address.clone())
    }
}

/// Who the request comes from, resolved once by `authenticate` (None: anonymous).
#[derive(Debug, Clone)]
pub struct Authenticated(pub Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(u))) => Ok(u.clone()),
            _ => Err(ApiError::Unauthorized),
        }
    }
}

/// The client's address as the audit records it.
pub fn client_address(req: &Request) -> Option<String> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Resolves the user from a bearer token or the session; ends sessions past the absolute
/// timeout or of accounts that were deactivated.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let address = client_address(&req);
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let user_id = match bearer {
        Some(token) => match state.store.token_user(&sha256_hex(&token)).await {
            Ok(Some(u)) => Some(u),
            Ok(None) => None,
            Err(e) => return crate::error::internal(e),
        },
        None => session_user(&state, &session).await,
    };
    let user = match user_id {
        Some(id) => match load_user(&state.store, id, address.clone()).await {
            Ok(u) => u,
            Err(e) => return crate::error::internal(e),
        },
        None => None,
    };
    req.extensions_mut().insert(Authenticated(user));
    next.run(req).await
}

async fn session_user(state: &AppState, session: &Session) -> Option<UserId> {
    let id: i64 = session.get(SESSION_USER).await.ok().flatten()?;
    let login_at: i64 = session.get(SESSION_LOGIN_AT).await.ok().flatten()?;
    let age = chrono::Utc::now().timestamp() - login_at;
    if age > state.config.session_absolute.as_secs() as i64 {
        let _ = session.flush().await;
        return None;
    }
    Some(UserId(id))
}

/// The account behind an id, if it may act (active).
pub async fn load_user(
    store: &Store,
    id: UserId,
    address: Option<String>,
) -> Result<Option<CurrentUser>, chancery_store::StoreError> {
    let Some(u) = store.user(id).await? else {
        return Ok(None);
    };
    if !u.account.active {
        return Ok(None);
    }
    Ok(Some(CurrentUser {
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

/// tower-sessions' store on Chancery's database: sessions live in the `sessions` table, keyed
/// by the sha256 of their id, so every instance shares them.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    pub store: Store,
}

fn key(id: &Id) -> String {
    sha256_hex(&id.to_string())
}

fn to_chrono(t: time::OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

fn store_error(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn record_user(record: &Record) -> Option<UserId> {
    record
        .data
        .get(SESSION_USER)
        .and_then(|v| v.as_i64())
        .map(UserId)
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(store_error)?;
        loop {
            let inserted = self
                .store
                .session_save(
                    &key(&record.id),
                    record_user(record),
                    &data,
                    to_chrono(record.expiry_date),
                    true,
                )
                .await
                .map_err(store_error)?;
            if inserted {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(store_error)?;
        self.store
            .session_save(
                &key(&record.id),
                record_user(record),
                &data,
                to_chrono(record.expiry_date),
                false,
            )
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some((data, expires)) = self
            .store
            .session_load(&key(id))
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(store_error)?;
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp(expires.timestamp()).map_err(store_error)?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store
            .session_delete(&key(id))
            .await
            .map_err(store_error)
    }
}
