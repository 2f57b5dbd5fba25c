//! Validation errors that name the field they concern.

use serde::Serialize;
use serde_json::{Map, Value};

/// One problem with one field of the input. `field` is a path such as
/// `citations[0].source_id`; it is absent where the problem concerns no single field.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
    /// Extra members, such as the span of a suspected personal name.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: Some(field.into()),
            reason: reason.into(),
            extra: Map::new(),
        }
    }

    pub fn general(reason: impl Into<String>) -> Self {
        FieldError {
            field: None,
            reason: reason.into(),
            extra: Map::new(),
        }
    }

    /// The same error, its field path placed under `prefix` (`citations[0]` + `source_id`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = Some(match self.field {
            Some(f) if f.starts_with('[') => format!("{prefix}{f}"),
            Some(f) => format!("{prefix}.{f}"),
            None => prefix.to_string(),
        });
        self
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// Every problem found in one input, in field order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn one(error: FieldError) -> Self {
        ValidationErrors {
            errors: vec![error],
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first reason given for `field`, for showing beside a form input.
    pub fn reason_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field.as_deref() == Some(field))
            .map(|e| e.reason.as_str())
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl From<FieldError> for ValidationErrors {
    fn from(e: FieldError) -> Self {
        ValidationErrors::one(e)
    }
}
