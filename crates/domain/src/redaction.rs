//! Redaction requests: removing a wrongly saved text (a private name) from every stored
//! version of a record. An administrator requests; an HQ editor approves or rejects. The
//! request is itself a versioned record, so its reason can be redacted the same way.

use crate::error::{FieldError, ValidationErrors};
use crate::input::ObjectReader;
use crate::record::RecordId;
use crate::text::NonEmptyText;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What replaces a redacted text in every version.
pub const REDACTION_MARKER: &str = "[REDACTED]";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedactionStatus {
    Requested,
    Approved,
    Rejected,
}

impl RedactionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RedactionStatus::Requested => "requested",
            RedactionStatus::Approved => "approved",
            RedactionStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Result<RedactionStatus, String> {
        match s.trim() {
            "requested" => Ok(RedactionStatus::Requested),
            "approved" => Ok(RedactionStatus::Approved),
            "rejected" => Ok(RedactionStatus::Rejected),
            other => Err(format!(
                "unknown status {other:?}: requested, approved or rejected"
            )),
        }
    }
}

/// The record types whose texts can be redacted, and which of their fields are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedactableType {
    Case,
    Source,
    RedactionRequest,
}

impl RedactableType {
    pub fn as_str(&self) -> &'static str {
        match self {
            RedactableType::Case => "case",
            RedactableType::Source => "source",
            RedactableType::RedactionRequest => "redaction_request",
        }
    }

    pub fn parse(s: &str) -> Result<RedactableType, String> {
        match s.trim() {
            "case" => Ok(RedactableType::Case),
            "source" => Ok(RedactableType::Source),
            "redaction_request" => Ok(RedactableType::RedactionRequest),
            other => Err(format!(
                "{other:?} has no redactable texts: case, source or redaction_request"
            )),
        }
    }

    /// Whether `path` names a free-text field of this type (`summary`,
    /// `citations[2].quote`). Structured fields (countries, dates, ids) are not redactable:
    /// they hold no names, and blanking them would leave a record that no longer parses.
    pub fn is_text_field(&self, path: &str) -> bool {
        let indexed = |prefix: &str, fields: &[&str]| {
            path.strip_prefix(prefix)
                .and_then(|rest| rest.split_once("]."))
                .is_some_and(|(n, f)| n.parse::<usize>().is_ok() && fields.contains(&f))
        };
        match self {
            RedactableType::Case => {
                ["title", "summary"].contains(&path)
                    || indexed("citations[", &["quote", "page", "paragraph"])
            }
            RedactableType::Source => ["title", "publisher", "url"].contains(&path),
            RedactableType::RedactionRequest => path == "reason",
        }
    }
}

/// A request to redact one text field of one record.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RedactionRequest {
    pub record_type: RedactableType,
    #[schema(value_type = i64)]
    pub record_id: RecordId,
    /// The field, as a path: `summary`, `citations[0].quote`.
    pub field: String,
    /// Why: kept here, never in the audit log (which holds only this request's id and hash).
    #[schema(value_type = String)]
    pub reason: NonEmptyText,
    pub status: RedactionStatus,
}

impl RedactionRequest {
    pub fn from_json(value: &Value) -> Result<RedactionRequest, ValidationErrors> {
        let mut r = ObjectReader::new(value, "").map_err(ValidationErrors::one)?;
        let record_type = r.req_parsed("record_type", RedactableType::parse);
        let record_id = r.opt_id("record_id").and_then(RecordId::new);
        if record_id.is_none()
            && r.errors
                .iter()
                .all(|e| e.field.as_deref() != Some("record_id"))
        {
            r.error("record_id", "is required");
        }
        let field = r.req_str("field").map(str::trim).map(str::to_string);
        let reason = r.req_parsed("reason", |s| NonEmptyText::parse(s, 2_000));
        let status = r
            .opt_parsed("status", RedactionStatus::parse)
            .unwrap_or(RedactionStatus::Requested);
        let mut errors = r.finish();
        if let (Some(t), Some(f)) = (record_type, &field)
            && !t.is_text_field(f)
        {
            errors.push(FieldError::new(
                "field",
                format!("{f:?} is not a text field of a {}", t.as_str()),
            ));
        }
        match (record_type, record_id, field, reason) {
            (Some(record_type), Some(record_id), Some(field), Some(reason))
                if errors.is_empty() =>
            {
                Ok(RedactionRequest {
                    record_type,
                    record_id,
                    field,
                    reason,
                    status,
                })
            }
            _ => Err(ValidationErrors { errors }),
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a redaction request serialises")
    }
}

/// Replaces the text at `path` in a record body by the marker (`url` fields become null).
/// Returns whether the body held a value there.
pub fn redact_path(body: &mut Value, path: &str) -> bool {
    let last_key = path
        .rsplit('.')
        .next()
        .and_then(|p| p.split('[').next())
        .unwrap_or_default();
    match crate::commitment::value_at_mut(body, path) {
        Some(node) if !node.is_null() => {
            *node = if last_key == "url" {
                Value::Null
            } else {
                Value::String(REDACTION_MARKER.into())
            };
            true
        }
        _ => false,
    }
}

/// The text at `path` (before a redaction), if the field holds one.
pub fn text_at(body: &Value, path: &str) -> Option<String> {
    body.pointer(&crate::commitment::pointer(path))
        .and_then(|v| v.as_str().map(str::to_string))
}

/// Replaces every occurrence of each of `texts` (longest first) by the marker in every string of
/// `value` (a build snapshot that copied a record's text into titles, tables and captions).
/// Returns whether anything changed. Empty texts and the marker itself are skipped.
pub fn redact_occurrences(value: &mut Value, texts: &[String]) -> bool {
    let mut texts: Vec<&str> = texts
        .iter()
        .map(String::as_str)
        .filter(|t| !t.trim().is_empty() && *t != REDACTION_MARKER)
        .collect();
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    fn walk(v: &mut Value, texts: &[&str]) -> bool {
        match v {
            Value::String(s) => {
                let mut changed = false;
                for t in texts {
                    if s.contains(t) {
                        *s = s.replace(t, REDACTION_MARKER);
                        changed = true;
                    }
                }
                changed
            }
            Value::Array(items) => items.iter_mut().fold(false, |c, x| walk(x, texts) | c),
            Value::Object(m) => m.values_mut().fold(false, |c, x| walk(x, texts) | c),
            _ => false,
        }
    }
    !texts.is_empty() && walk(value, &texts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn occurrences_are_redacted_in_every_string() {
        let mut v =
            json!({"items": [{"title": "Case of A. Name (2023)"}, {"n": 3}], "t": "A. Name"});
        assert!(redact_occurrences(
            &mut v,
            &["A. Name".into(), String::new()]
        ));
        assert_eq!(
            v,
            json!({"items": [{"title": "Case of [REDACTED] (2023)"}, {"n": 3}], "t": "[REDACTED]"})
        );
        assert!(!redact_occurrences(&mut v, &["A. Name".into()]));
        assert!(!redact_occurrences(&mut v, &[REDACTION_MARKER.into()]));
    }

    #[test]
    fn only_text_fields_are_redactable() {
        assert!(RedactableType::Case.is_text_field("summary"));
        assert!(RedactableType::Case.is_text_field("citations[3].quote"));
        assert!(!RedactableType::Case.is_text_field("country"));
        assert!(!RedactableType::Case.is_text_field("citations[x].quote"));
        let e = RedactionRequest::from_json(
            &json!({"record_type": "case", "record_id": 1, "field": "country", "reason": "r"}),
        )
        .unwrap_err();
        assert_eq!(e.errors[0].field.as_deref(), Some("field"));
    }

    #[test]
    fn redacting_a_path() {
        let mut v =
            json!({"summary": "A name", "citations": [{"quote": "q"}, {"quote": "another name"}]});
        assert!(redact_path(&mut v, "citations[1].quote"));
        assert!(redact_path(&mut v, "summary"));
        assert!(!redact_path(&mut v, "citations[5].quote"));
        assert_eq!(
            v,
            json!({"summary": REDACTION_MARKER, "citations": [{"quote": "q"}, {"quote": REDACTION_MARKER}]})
        );
    }
}
