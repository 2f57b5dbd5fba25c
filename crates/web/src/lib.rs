//! Chancery's web server: server-rendered HTML pages (usable without JavaScript) and the JSON
//! API under `/api/v1/`. Handlers parse input into domain types and call the store; they never
//! write SQL and never learn which database runs.

mod api;
mod error;
mod extract;
mod openapi;
mod pages;
mod views;

pub use error::ApiError;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use chancery_store::Store;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Server settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit: usize,
    /// Longest a request may take before it is answered 408.
    pub request_timeout: Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: WebConfig,
}

/// The whole application: pages, API, static files, and the layers around them.
pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let timeout = state.config.request_timeout;
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .fallback(error::fallback)
        .method_not_allowed_fallback(error::method_not_allowed)
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
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Binds `addr` (port 0 picks a free one) and returns the listener and the bound address.
pub async fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
