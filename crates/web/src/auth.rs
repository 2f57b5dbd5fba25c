//! Authentication: argon2id passwords, server-side sessions in the database (tower-sessions
//! with our own store), API tokens, and the signed-in user every handler receives.

use crate::AppState;
use crate::error::{ApiError, AppError};
use async_trait::async_trait;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use chancery_app::{Actor, App};
use chancery_domain::UserId;
use std::net::SocketAddr;
use tower_sessions::Session;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Session keys.
pub const SESSION_USER: &str = "user_id";
pub const SESSION_LOGIN_AT: &str = "login_at";
/// The session's form token, which a cookie-authenticated write without `Origin` or
/// `Sec-Fetch-Site` must carry (`csrf`).
pub const SESSION_FORM_TOKEN: &str = "form_token";

pub use chancery_app::accounts::{hash_password, new_token, verify_password};

/// The signed-in user, as every handler receives it: the application's [`Actor`] (every use
/// case takes `&Actor`, which `&CurrentUser` derefs to), and, when signed in by the session
/// cookie, the session's form token, which every form of a page carries.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Actor, pub Option<String>);

impl CurrentUser {
    /// The session's form token (None for a user signed in by an API token).
    pub fn form_token(&self) -> Option<&str> {
        self.1.as_deref()
    }
}

impl std::ops::Deref for CurrentUser {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0
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
            _ => Err(AppError::Unauthorized.into()),
        }
    }
}

/// The client's address as the audit and the sign-in throttle record it: the peer's, or,
/// when the peer is one of the configured trusted proxies, the rightmost address of
/// `X-Forwarded-For` that is not a trusted proxy (`chancery_app::proxies`).
pub fn client_address(req: &Request) -> Option<String> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let trusted = req
        .extensions()
        .get::<chancery_app::proxies::TrustedProxies>();
    let Some(trusted) = trusted else {
        return Some(peer.to_string());
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(trusted.client_address(peer, &forwarded).to_string())
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
    let (actor, form_token) = match bearer {
        Some(token) => (
            chancery_app::accounts::token_actor(&state, &token, address).await,
            None,
        ),
        None => match session_user(&state, &session).await {
            Some(id) => (
                chancery_app::accounts::actor(&state, id, address).await,
                Some(session_form_token(&session).await),
            ),
            None => (Ok(None), None),
        },
    };
    let user = match actor {
        Ok(a) => a.map(|a| CurrentUser(a, form_token)),
        Err(e) => return crate::error::internal(e),
    };
    req.extensions_mut().insert(Authenticated(user));
    next.run(req).await
}

/// A new random form token (32 bytes, hex).
pub fn new_form_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// The signed-in session's form token, made at sign-in (and made now for a session that has
/// none, which then no longer matches any form it served before).
async fn session_form_token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_FORM_TOKEN).await {
        return t;
    }
    let t = new_form_token();
    let _ = session.insert(SESSION_FORM_TOKEN, t.clone()).await;
    t
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

/// tower-sessions' store on Chancery's database: sessions live in the `sessions` table, keyed
/// by the sha256 of their id, so every instance shares them.
#[derive(Clone)]
pub struct DbSessionStore {
    pub app: App,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

fn key(id: &Id) -> String {
    id.to_string()
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
                .app
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
        self.app
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
        let Some((data, expires)) = self.app.session_load(&key(id)).await.map_err(store_error)?
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
        self.app.session_delete(&key(id)).await.map_err(store_error)
    }
}
