//! Errors as the API and the pages answer them: `{"errors": [{"field", "reason"}]}` on every
//! API route, a plain page for HTML. Never a stack trace or SQL. The reasons are the
//! application's ([`AppError`]); this module only chooses the status and the headers.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chancery_domain::{FieldError, ValidationErrors};

pub use chancery_app::AppError;

/// An application error answered over HTTP.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// The status code of an application error.
pub fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        status(&self.0)
    }

    pub fn errors(&self) -> ValidationErrors {
        self.0.errors()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "internal error");
        }
        let mut resp = (self.status(), Json(self.errors())).into_response();
        if let AppError::Unauthorized = self.0 {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let AppError::Conflict { current, .. } = self.0
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
        ApiError(AppError::NotFound(format!(
            "no such endpoint: {}",
            uri.path()
        )))
        .into_response()
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
    ApiError(AppError::Internal("handler panicked".into())).into_response()
}

/// A failure inside a middleware: logged, answered 500 without details.
pub fn internal(e: impl std::fmt::Display) -> Response {
    ApiError(AppError::Internal(e.to_string())).into_response()
}
