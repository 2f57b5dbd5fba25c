//! Errors as the API and the pages answer them: `{"errors": [{"field", "reason"}]}` on every
//! API route, a plain page for HTML. Never a stack trace or SQL.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chancery_domain::{FieldError, ValidationErrors};
use chancery_store::StoreError;
use serde_json::json;

#[derive(Debug)]
pub enum ApiError {
    /// 400: the body is not JSON, or a header is malformed.
    BadRequest(String),
    /// 401: not signed in (or an unknown or revoked token).
    Unauthorized,
    /// 403: signed in, but not allowed (the reason says why; never what is hidden).
    Forbidden(String),
    NotFound(String),
    /// 409: the update named `expected`, the record is at `current`.
    Conflict {
        expected: i64,
        current: i64,
    },
    /// 413
    TooLarge(usize),
    /// 415
    UnsupportedMediaType,
    /// 422
    Invalid(ValidationErrors),
    /// 428
    PreconditionRequired,
    /// 500: logged in full, answered in general terms.
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn errors(&self) -> ValidationErrors {
        let general = |s: &str| ValidationErrors::one(FieldError::general(s));
        match self {
            ApiError::BadRequest(m) | ApiError::NotFound(m) | ApiError::Forbidden(m) => general(m),
            ApiError::Unauthorized => {
                general("sign in, or send an API token as Authorization: Bearer <token>")
            }
            ApiError::Conflict { expected, current } => {
                let mut e = FieldError::general(format!(
                    "version conflict: you edited version {expected}, but the record is now at version {current}; \
                     fetch it again and reapply your change"
                ));
                e.extra.insert("current_version".into(), json!(current));
                ValidationErrors::one(e)
            }
            ApiError::TooLarge(limit) => general(&format!(
                "the request body exceeds the limit of {limit} bytes"
            )),
            ApiError::UnsupportedMediaType => general("send the body as application/json"),
            ApiError::Invalid(e) => e.clone(),
            ApiError::PreconditionRequired => ValidationErrors::one(FieldError::new(
                "If-Match",
                "an update must name the version it read: If-Match: \"<version>\" (from the ETag)",
            )),
            ApiError::Internal(_) => general("internal error; the details are in the server log"),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("not found".into()),
            StoreError::Conflict { expected, current } => ApiError::Conflict { expected, current },
            StoreError::Invalid(v) => ApiError::Invalid(v),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        ApiError::Invalid(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let mut resp = (self.status(), Json(self.errors())).into_response();
        if let ApiError::Unauthorized = self {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::Conflict { current, .. } = self
            && let Ok(v) = HeaderValue::from_str(&format!("\"{current}\""))
        {
            resp.headers_mut().insert(header::ETAG, v);
        }
        resp
    }
}

/// Unknown routes: JSON under the API, a page elsewhere.
pub async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::NotFound(format!("no such endpoint: {}", uri.path())).into_response()
    } else {
        crate::pages::not_found_page(&format!("There is no page at {}.", uri.path()))
    }
}

pub async fn method_not_allowed(uri: Uri) -> Response {
    let reason = format!("this method is not allowed on {}", uri.path());
    let mut resp = (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(ValidationErrors::one(FieldError::general(reason))),
    )
        .into_response();
    *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    resp
}

/// A panic in a handler is a bug: answer 500 without details and keep serving.
pub fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::Internal("handler panicked".into()).into_response()
}

/// A store failure inside a middleware: logged, answered 500 without details.
pub fn internal(e: impl std::fmt::Display) -> Response {
    ApiError::Internal(e.to_string()).into_response()
}
