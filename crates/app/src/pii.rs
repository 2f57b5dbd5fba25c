//! The PII check on save: every free-text field of a record is checked for likely names of
//! private persons, e-mail addresses, phone numbers and street addresses. A hit stops the save
//! with an invalid-input error (422 over HTTP) whose error carries `"span": [start, end]` (Unicode characters of that field). The
//! author redacts, or repeats the field and span under `confirm_pii` (a public official's name):
//! the confirmation is stored as a redactable record whose id and hash the audit log holds, and
//! a confirmed text no longer blocks.

use crate::access::AppRecord;
use crate::{Actor, App, AppError};
use chancery_domain::pii::{PiiKind, check};
use chancery_domain::{FieldError, ValidationErrors};
use chancery_store::PiiConfirmation;
use serde_json::{Value, json};

/// What the author confirmed: (field, start, end).
#[derive(Debug, Default)]
pub struct Confirmations(pub Vec<(String, usize, usize)>);

fn describe(k: PiiKind) -> &'static str {
    match k {
        PiiKind::PersonName => "a name of a person",
        PiiKind::Email => "an e-mail address",
        PiiKind::Phone => "a phone number",
        PiiKind::StreetAddress => "a street address",
    }
}

/// Removes `confirm_pii` from a request body and reads it: a list of `{"field", "span"}` where
/// the span is `[start, end]` (or "start-end" from a form).
pub fn take_confirmations(body: &mut Value) -> Result<Confirmations, AppError> {
    let Some(raw) = body.as_object_mut().and_then(|o| o.remove("confirm_pii")) else {
        return Ok(Confirmations::default());
    };
    let items = match raw {
        Value::Array(a) => a,
        Value::Object(o) => o.into_values().collect(),
        _ => {
            return Err(AppError::Invalid(ValidationErrors::one(FieldError::new(
                "confirm_pii",
                "expected a list of {\"field\", \"span\": [start, end]}",
            ))));
        }
    };
    let mut out = Vec::new();
    let mut errors = ValidationErrors::default();
    for (i, item) in items.iter().enumerate() {
        let field = item["field"].as_str().map(str::to_string);
        let span = match &item["span"] {
            Value::Array(a) if a.len() == 2 => a[0]
                .as_u64()
                .zip(a[1].as_u64())
                .map(|(s, e)| (s as usize, e as usize)),
            Value::String(s) => s
                .split_once(['-', ','])
                .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?))),
            _ => None,
        };
        match (field, span) {
            (Some(f), Some((s, e))) if s < e => out.push((f, s, e)),
            _ => errors.push(FieldError::new(
                format!("confirm_pii[{i}]"),
                "expected {\"field\": ..., \"span\": [start, end]}",
            )),
        }
    }
    if errors.is_empty() {
        Ok(Confirmations(out))
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Checks a record's free text: anything found and not confirmed is a 422. Returns the
/// confirmations to record once the record itself is saved ([`record_confirmed`]), so that a
/// save that fails leaves none behind.
pub async fn check_record<T: AppRecord>(
    app: &App,
    data: &T,
    confirmed: &Confirmations,
) -> Result<Vec<PiiConfirmation>, AppError> {
    let mut errors = ValidationErrors::default();
    let mut to_record = Vec::new();
    for (field, text) in data.texts() {
        for hit in check(&text) {
            let kind = hit.kind.as_str();
            if confirmed
                .0
                .iter()
                .any(|(f, s, e)| *f == field && *s == hit.start && *e == hit.end)
            {
                to_record.push(PiiConfirmation {
                    record_type: T::RECORD_TYPE.to_string(),
                    field: field.clone(),
                    kind: kind.to_string(),
                    span: (hit.start, hit.end),
                    matched: hit.text.clone(),
                });
                continue;
            }
            if app.store.pii_confirmed(kind, &hit.text).await? {
                continue;
            }
            let mut e = FieldError::new(
                field.clone(),
                format!(
                    "\"{}\" looks like {}: remove it, or, if it is not private (a public official named in their role, an office's published contact), \
                     confirm it by sending confirm_pii [{{\"field\": \"{field}\", \"span\": [{}, {}]}}]",
                    hit.text,
                    describe(hit.kind),
                    hit.start,
                    hit.end
                ),
            );
            e.extra.insert("span".into(), json!([hit.start, hit.end]));
            e.extra.insert("kind".into(), json!(kind));
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(to_record)
}

/// Records the confirmations of a saved record (a redactable row each; id and hash audited).
pub async fn record_confirmed(
    app: &App,
    user: &Actor,
    confirmed: &[PiiConfirmation],
) -> Result<(), AppError> {
    app.store.confirm_pii(confirmed, &user.ctx()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_domain::input::form_to_json;

    #[test]
    fn form_confirmations_are_read() {
        let pairs: Vec<(String, String)> = [
            ("title", "T"),
            ("confirm_pii[0].field", "summary"),
            ("confirm_pii[0].span", "3-8"),
            ("confirm_pii[1].field", "parties[0].label"),
            ("confirm_pii[1].span", "0-4"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let mut body = form_to_json(&pairs);
        let c = take_confirmations(&mut body).unwrap();
        assert_eq!(
            c.0,
            vec![
                ("summary".to_string(), 3, 8),
                ("parties[0].label".to_string(), 0, 4)
            ]
        );
        assert!(body.get("confirm_pii").is_none());
        // An object of objects reads the same.
        let mut body =
            serde_json::json!({"confirm_pii": {"0": {"field": "summary", "span": "3-8"}}});
        assert_eq!(
            take_confirmations(&mut body).unwrap().0,
            vec![("summary".to_string(), 3, 8)]
        );
    }
}
