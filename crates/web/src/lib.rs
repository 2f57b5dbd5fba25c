//! Chancery's web server: server-rendered HTML pages (usable without JavaScript) and the JSON
//! API under `/api/v1/`. Handlers are HTTP adapters over `chancery_app`: they read the request,
//! call a use case, and show its typed answer or map its error to a status.

mod api;
pub mod auth;
mod csrf;
mod error;
mod extract;
mod openapi;
mod pages;
pub mod routes;

pub use auth::{hash_password, new_token};
pub use chancery_app::{App, Limits};
pub use error::ApiError;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Server settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit: usize,
    /// Longest a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// A session ends after this long without a request...
    pub session_idle: Duration,
    /// ...and after this long whatever happens.
    pub session_absolute: Duration,
    /// Mark the session cookie `Secure` (for a server reached over HTTPS).
    pub secure_cookies: bool,
    /// How often expired sessions are purged from the database (by one instance at a time).
    pub session_purge: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the sign-in throttle and
    /// the audit); empty: the peer's address is the client's.
    pub trusted_proxies: chancery_app::proxies::TrustedProxies,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            session_purge: Duration::from_secs(10 * 60),
            trusted_proxies: Default::default(),
        }
    }
}

/// What every handler can reach: the application (every use case takes `&App`, which
/// `&AppState` derefs to) and the server's settings.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: WebConfig,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState { app, config }
    }
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// The whole application: pages, API, static files, and the layers around them.
pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let timeout = state.config.request_timeout;
    let idle = time::Duration::seconds(state.config.session_idle.as_secs() as i64);
    let sessions = SessionManagerLayer::new(auth::DbSessionStore {
        app: state.app.clone(),
    })
    .with_name("chancery_session")
    .with_http_only(true)
    .with_same_site(SameSite::Lax)
    .with_secure(state.config.secure_cookies)
    .with_expiry(Expiry::OnInactivity(idle));
    routes::router()
        .route_layer(middleware::from_fn(routes::guard))
        .fallback(error::fallback)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::require_form_token,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(sessions)
        .layer(middleware::from_fn(csrf::protect))
        .layer(axum::Extension(state.config.trusted_proxies.clone()))
        .layer(DefaultBodyLimit::max(limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of a request, naming its path without the secret a password link carries.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let path = req.uri().path();
    let path = if path.starts_with("/password-reset/") {
        "/password-reset/(link)"
    } else {
        path
    };
    tracing::debug_span!("request", method = %req.method(), path = %path)
}

/// Binds `addr` (port 0 picks a free one) and returns the listener and the bound address.
pub async fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves until `shutdown` resolves, purging expired sessions meanwhile.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let purge = state.app.spawn_session_purge(state.config.session_purge);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    purge.abort();
    served
}
