//! Every route, declared once by the module that serves it (`routes()` in each): its name,
//! method, path, whether it is open to anonymous users, and its handler. The registry is the
//! concatenation of those lists; the router is built from it and the access guard looks routes
//! up in it, so a route cannot exist without an entry, and the matrix test enumerates it.

use crate::error::{ApiError, AppError};
use crate::{AppState, api, pages};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{MatchedPath, Request};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post, put};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The body limit of the archive upload route: larger than the general limit, since source
/// documents are files; the configured `archive_limit` (at most this) is checked in the handler.
pub const ARCHIVE_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Who may reach a route at all; what a signed-in user may do there is the policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Open to anonymous users: health, the login page, static files.
    Public,
    /// Signed-in users only; the handler asks `can()`.
    Signed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDef {
    pub name: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

impl RouteDef {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

/// One route: its definition and its handler. Signed in unless made `.public()`.
pub struct Route {
    pub def: RouteDef,
    pub handler: MethodRouter<AppState>,
}

impl Route {
    fn new(
        name: &'static str,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Route {
        Route {
            def: RouteDef {
                name,
                method,
                path,
                access: Access::Signed,
            },
            handler,
        }
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(
        name: &'static str,
        path: &'static str,
        h: H,
    ) -> Route {
        Route::new(name, Method::GET, path, get(h))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(
        name: &'static str,
        path: &'static str,
        h: H,
    ) -> Route {
        Route::new(name, Method::POST, path, post(h))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(
        name: &'static str,
        path: &'static str,
        h: H,
    ) -> Route {
        Route::new(name, Method::PUT, path, put(h))
    }

    /// Open to anonymous users (the explicit opt-in).
    pub fn public(mut self) -> Route {
        self.def.access = Access::Public;
        self
    }

    /// A body limit of its own (uploads).
    pub fn limit(mut self, bytes: usize) -> Route {
        self.handler = self.handler.layer(DefaultBodyLimit::max(bytes));
        self
    }
}

/// The table of every route: the API's and the pages' lists, each the concatenation of its
/// resource modules' own (`api::routes`, `pages::routes`).
pub fn registry() -> Vec<Route> {
    [api::routes(), pages::routes()]
        .into_iter()
        .flatten()
        .collect()
}

/// The table without its handlers.
pub fn table() -> Vec<RouteDef> {
    registry().into_iter().map(|r| r.def).collect()
}

/// Who may reach each route, by method and path: what the guard looks up.
static ACCESS: LazyLock<HashMap<(Method, &'static str), Access>> = LazyLock::new(|| {
    table()
        .into_iter()
        .map(|d| ((d.method, d.path), d.access))
        .collect()
});

/// The router of every route in the table.
pub fn router() -> Router<AppState> {
    registry().into_iter().fold(Router::new(), |router, r| {
        router.route(r.def.path, r.handler)
    })
}

/// Turns anonymous requests away from signed-in routes: 401 on the API, a redirect to the
/// login page elsewhere.
pub async fn guard(matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let path = matched.as_ref().map(|m| m.as_str()).unwrap_or("");
    let open = ACCESS.get(&(req.method().clone(), path)) == Some(&Access::Public);
    let signed_in = matches!(
        req.extensions().get::<crate::auth::Authenticated>(),
        Some(crate::auth::Authenticated(Some(_)))
    );
    if open || signed_in {
        return next.run(req).await;
    }
    if req.uri().path().starts_with("/api/") {
        return ApiError::from(AppError::Unauthorized).into_response();
    }
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next_param = serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
    Redirect::to(&format!("/login?{next_param}")).into_response()
}
