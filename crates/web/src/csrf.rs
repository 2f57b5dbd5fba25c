//! Cross-origin request protection for every state-changing request, in the manner of Go's
//! `http.CrossOriginProtection`: browsers say where a request comes from (`Sec-Fetch-Site`,
//! or at least `Origin`); a state-changing request from another site is refused. Requests
//! without either header come from non-browser clients (API tokens), which cookies do not
//! reach anyway. Session cookies are also `SameSite=Lax`.

use crate::error::{ApiError, AppError};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn protect(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    match verdict(&req) {
        Ok(()) => next.run(req).await,
        Err(reason) => {
            tracing::warn!(reason, path = %req.uri().path(), "cross-origin request refused");
            let err = AppError::Forbidden(format!("cross-origin request refused: {reason}"));
            if req.uri().path().starts_with("/api/") {
                ApiError::from(err).into_response()
            } else {
                crate::pages::PageError::from(err).into_response()
            }
        }
    }
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
