//! Cross-site request protection for every state-changing request (POST, PUT, PATCH, DELETE),
//! in two steps that fail closed:
//!
//! 1. `protect`, in the manner of Go's `http.CrossOriginProtection`: browsers say where a
//!    request comes from (`Sec-Fetch-Site`, or at least `Origin`); a state-changing request
//!    from another site is refused.
//! 2. `require_form_token`, after the user is resolved: a request authenticated by the session
//!    cookie that carries neither header (an old browser, or a request forged where those
//!    headers are not sent) must carry the session's form token, as the hidden `csrf_token`
//!    field every page form renders, or as the `X-CSRF-Token` header. Requests authenticated
//!    by an API token (`Authorization: Bearer`) are not cookie requests and need none, and
//!    neither does an anonymous request (signing in).
//!
//! Session cookies are also `SameSite=Lax`.

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, AppError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The form field, and the header, that carry the session's form token.
pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn answer(path: &str, err: AppError) -> Response {
    if path.starts_with("/api/") {
        ApiError::from(err).into_response()
    } else {
        crate::pages::PageError::from(err).into_response()
    }
}

fn refuse(req: &Request, reason: &str) -> Response {
    tracing::warn!(reason, path = %req.uri().path(), "cross-site request refused");
    answer(
        req.uri().path(),
        AppError::Forbidden(format!("cross-site request refused: {reason}")),
    )
}

pub async fn protect(req: Request, next: Next) -> Response {
    if !changes_state(req.method()) {
        return next.run(req).await;
    }
    match verdict(&req) {
        Ok(()) => next.run(req).await,
        Err(reason) => refuse(&req, reason),
    }
}

/// Step 2 (inside `authenticate`): a state-changing request signed in by the session cookie
/// without `Origin` or `Sec-Fetch-Site` (`protect` has already refused those naming another
/// site) needs the session's form token, from the header or, in a form body, the field (the
/// body is read within the body limit and handed on unchanged).
pub async fn require_form_token(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    if !changes_state(req.method())
        || headers.contains_key("sec-fetch-site")
        || headers.contains_key(header::ORIGIN)
    {
        return next.run(req).await;
    }
    let expected = match req.extensions().get::<Authenticated>() {
        Some(Authenticated(Some(user))) => match user.form_token() {
            Some(t) => t.to_string(),
            None => return next.run(req).await,
        },
        _ => return next.run(req).await,
    };
    if let Some(sent) = headers.get(HEADER).and_then(|v| v.to_str().ok()) {
        return if same(sent, &expected) {
            next.run(req).await
        } else {
            refuse(&req, "the form token does not match this session")
        };
    }
    if crate::extract::media_type(req.headers()) != "application/x-www-form-urlencoded" {
        return refuse(
            &req,
            "a signed-in request without Origin or Sec-Fetch-Site must carry the form token",
        );
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.config.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return answer(
                parts.uri.path(),
                AppError::TooLarge(state.config.body_limit),
            );
        }
    };
    let sent = form_urlencoded_value(&bytes, FORM_FIELD);
    let req = Request::from_parts(parts, Body::from(bytes));
    match sent {
        Some(sent) if same(&sent, &expected) => next.run(req).await,
        Some(_) => refuse(&req, "the form token does not match this session"),
        None => refuse(
            &req,
            "a signed-in request without Origin or Sec-Fetch-Site must carry the form token",
        ),
    }
}

fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Compares two tokens in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn verdict(req: &Request) -> Result<(), &'static str> {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err("the browser says it comes from another site"),
        };
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    if !host.is_empty() && origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err("its Origin is not this server")
    }
}
