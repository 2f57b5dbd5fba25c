//! Request extractors that turn transport problems into the API's error shape.

use crate::AppState;
use crate::error::{ApiError, AppError};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use chancery_domain::FieldError;
use serde_json::Value;

/// A JSON request body, parsed whole into a value: 415 without a JSON content type, 413 over
/// the body limit, 400 with line and column when it is not JSON.
pub struct JsonBody(pub Value);

/// The media type a `Content-Type` header names, lower-cased and without parameters
/// (`text/html; charset=utf-8` gives `text/html`); empty when there is none.
pub fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let mime = media_type(req.headers());
        let is_json = mime == "application/json"
            || (mime.starts_with("application/") && mime.ends_with("+json"));
        if !is_json {
            return Err(AppError::UnsupportedMediaType.into());
        }
        let bytes = read_body(req, state).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| {
                AppError::BadRequest(format!(
                    "malformed JSON at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                ))
            })
            .map_err(Into::into)
    }
}

/// Reads a body within the configured limit (413 beyond it).
pub async fn read_body(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|rejection| {
            let status = rejection.status();
            if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge(state.config.body_limit)
            } else {
                AppError::BadRequest(format!(
                    "could not read the request body: {}",
                    rejection.body_text()
                ))
            }
        })
        .map_err(Into::into)
}

/// The version an update names, from `If-Match: "3"` (a bare `3` and a weak `W/"3"` are also
/// accepted): 428 when absent, 400 when unreadable.
pub fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Err(AppError::PreconditionRequired.into());
    };
    let s = raw.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let s = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s);
    match s.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(AppError::Invalid(
            FieldError::new(
                "If-Match",
                format!(
                    "{:?} does not name a version; send the ETag, e.g. \"3\"",
                    raw
                ),
            )
            .into(),
        )
        .into()),
    }
}

/// An HTML form body (`application/x-www-form-urlencoded`) as name/value pairs, within the
/// body limit, without the form token (`csrf` checked it before the handler ran).
pub struct FormBody(pub Vec<(String, String)>);

impl FromRequest<AppState> for FormBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        let mut pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::BadRequest(format!("unreadable form: {e}")))?;
        pairs.retain(|(k, _)| k != crate::csrf::FORM_FIELD);
        Ok(FormBody(pairs))
    }
}

/// The `{id}` segment of a path, as text (handlers parse it); a segment that does not even
/// decode (invalid UTF-8 after percent-decoding) is a 404 like any other unknown id.
pub struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    /// JSON under the API, a page elsewhere (as for unknown routes).
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(p) => Ok(IdPath(p.0)),
            Err(_) if parts.uri.path().starts_with("/api/") => Err(ApiError::from(
                AppError::NotFound("no record at this path".into()),
            )
            .into_response()),
            Err(_) => Err(crate::pages::not_found_page(
                "There is no record at this address.",
            )),
        }
    }
}

/// Two path segments (`/cases/{id}/compare/{other}`), as text; a segment that does not decode
/// is a 404 in the route's own language, as for [`IdPath`].
pub struct IdPair(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPair {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        match axum::extract::Path::<(String, String)>::from_request_parts(parts, state).await {
            Ok(p) => Ok(IdPair(p.0.0, p.0.1)),
            Err(_) if parts.uri.path().starts_with("/api/") => Err(ApiError::from(
                AppError::NotFound("no record at this path".into()),
            )
            .into_response()),
            Err(_) => Err(crate::pages::not_found_page(
                "There is no record at this address.",
            )),
        }
    }
}
