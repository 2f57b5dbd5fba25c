//! What a use case can answer instead of a result. `web` maps each to a status code and the
//! CLI to a message and an exit code; the reasons are written here once.

use chancery_domain::{FieldError, ValidationErrors};
use chancery_store::StoreError;
use serde_json::json;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// The input is not readable at all (malformed JSON, a malformed header).
    #[error("{0}")]
    BadRequest(String),
    /// Not signed in (or an unknown or revoked token).
    #[error("sign in, or send an API token as Authorization: Bearer <token>")]
    Unauthorized,
    /// Signed in, but not allowed (the reason says why; never what is hidden).
    #[error("{0}")]
    Forbidden(String),
    /// Missing, or hidden from this user: the two read the same.
    #[error("{0}")]
    NotFound(String),
    /// The update named `expected`, the record is at `current`.
    #[error(
        "version conflict: you edited version {expected}, but the record is now at version {current}; fetch it again and reapply your change"
    )]
    Conflict { expected: i64, current: i64 },
    /// The input is larger than the limit (bytes).
    #[error("the request body exceeds the limit of {0} bytes")]
    TooLarge(usize),
    /// The input is of a type this use case does not take.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// Input that breaks a rule, each problem named by its field.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// An update that does not name the version it read.
    #[error("an update must name the version it read: If-Match: \"<version>\" (from the ETag)")]
    PreconditionRequired,
    /// A failure of the system, not of the input: logged in full, answered in general terms.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The errors as every interface shows them: `{"errors": [{"field", "reason"}]}`.
    pub fn errors(&self) -> ValidationErrors {
        let general = |s: &str| ValidationErrors::one(FieldError::general(s));
        match self {
            AppError::BadRequest(m) | AppError::NotFound(m) | AppError::Forbidden(m) => general(m),
            AppError::Conflict { current, .. } => {
                let mut e = FieldError::general(self.to_string());
                e.extra.insert("current_version".into(), json!(current));
                ValidationErrors::one(e)
            }
            AppError::Invalid(e) => e.clone(),
            AppError::PreconditionRequired => {
                ValidationErrors::one(FieldError::new("If-Match", self.to_string()))
            }
            AppError::Internal(_) => general("internal error; the details are in the server log"),
            other => general(&other.to_string()),
        }
    }

    /// One field's problem.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> AppError {
        AppError::Invalid(ValidationErrors::one(FieldError::new(field, reason)))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("not found".into()),
            StoreError::Conflict { expected, current } => AppError::Conflict { expected, current },
            StoreError::Invalid(v) => AppError::Invalid(v),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(ValidationErrors::one(e))
    }
}
