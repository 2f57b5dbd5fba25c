//! Saving a record: the one pipeline every create, update and import goes through, whatever
//! the interface. In order: the author's PII confirmations are taken from the input, the input
//! is parsed into the domain type (each bad field named), the policy is asked (create or
//! update, with the type's own rules between versions), every quote is checked against its
//! source's archived text, every free-text field is checked for PII, then the store writes
//! the record with its audit entry in one transaction, and the confirmations are recorded.

use crate::access::{AppRecord, check_create, check_update, peek};
use crate::pii::{check_record, record_confirmed, take_confirmations};
use crate::{Actor, App, AppError};
use chancery_domain::{FieldError, Record, RecordId, ValidationErrors};
use chancery_store::PiiConfirmation;
use serde_json::Value;

/// A record that passed every check and may be written, with the PII confirmations to record
/// once it is.
pub struct Checked<T> {
    pub data: T,
    pii: Vec<PiiConfirmation>,
}

/// Every check of a new record, nothing written.
pub async fn check_new<T: AppRecord>(
    app: &App,
    user: &Actor,
    body: &Value,
) -> Result<Checked<T>, AppError> {
    let mut body = body.clone();
    let confirmed = take_confirmations(&mut body)?;
    let data = T::parse(&body)?;
    check_create(user, &data)?;
    check_references_visible(app, user, None, &data).await?;
    crate::archive::check_quotes(app, &data).await?;
    let pii = check_record(app, &data, &confirmed).await?;
    Ok(Checked { data, pii })
}

/// Every check of a replacement for `current`, nothing written.
pub async fn check_replacement<T: AppRecord>(
    app: &App,
    user: &Actor,
    current: &T,
    body: &Value,
) -> Result<Checked<T>, AppError> {
    let mut body = body.clone();
    let confirmed = take_confirmations(&mut body)?;
    let next = T::parse(&body)?;
    check_update(user, current, &next)?;
    check_references_visible(app, user, Some(current), &next).await?;
    crate::archive::check_quotes(app, &next).await?;
    let pii = check_record(app, &next, &confirmed).await?;
    Ok(Checked { data: next, pii })
}

/// Every record that `data` cites or links to must be one the user may read: a reference to
/// a record they may not see is refused exactly like one to a record that does not exist
/// (the same field, the same words), so that neither the answer nor the quote check (which
/// runs after this, reading the source's archived text) tells them anything about it.
/// References the current version already made are left alone (another account may have
/// made them).
async fn check_references_visible<T: AppRecord>(
    app: &App,
    user: &Actor,
    current: Option<&T>,
    data: &T,
) -> Result<(), AppError> {
    use chancery_domain::{Case, Source};
    if !T::REFERENCES_READABLE {
        return Ok(());
    }
    let wanted = record_references(data);
    let before: Vec<(&'static str, RecordId)> = current
        .map(record_references)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, what, id)| (what, id))
        .collect();
    let mut errors = ValidationErrors::default();
    for (path, what, id) in wanted {
        if before.contains(&(what, id)) {
            continue;
        }
        let hidden = match what {
            "source" => {
                app.store.get::<Source>(id).await?.is_some()
                    && peek::<Source>(app, user, id).await?.is_none()
            }
            _ => {
                app.store.get::<Case>(id).await?.is_some()
                    && peek::<Case>(app, user, id).await?.is_none()
            }
        };
        if hidden {
            errors.push(FieldError::new(path, format!("no {what} with id {id}")));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// The sources and cases a record references by id: (field, what, id).
fn record_references<T: AppRecord>(data: &T) -> Vec<(String, &'static str, RecordId)> {
    use chancery_store::RefKey;
    data.references()
        .into_iter()
        .filter_map(|r| match (r.target, r.key) {
            ("sources", RefKey::Id(id)) => RecordId::new(id).map(|id| (r.path, "source", id)),
            ("cases", RefKey::Id(id)) => RecordId::new(id).map(|id| (r.path, "case", id)),
            _ => None,
        })
        .collect()
}

/// Creates a record from input.
pub async fn create<T: AppRecord>(
    app: &App,
    user: &Actor,
    body: &Value,
) -> Result<Record<T>, AppError> {
    let checked = check_new::<T>(app, user, body).await?;
    write_new(app, user, checked).await
}

/// Writes a record that passed [`check_new`] (and any rule of its own the caller adds).
pub async fn write_new<T: AppRecord>(
    app: &App,
    user: &Actor,
    checked: Checked<T>,
) -> Result<Record<T>, AppError> {
    let record = app.store.create(&checked.data, &user.ctx()).await?;
    record_confirmed(app, user, &checked.pii).await?;
    Ok(record)
}

/// Replaces `current` (which the user was allowed to read) by a new version from input.
/// `expected` is the version the author read: without it nothing is written; if another
/// version was saved meanwhile the answer is a conflict naming it.
pub async fn update<T: AppRecord>(
    app: &App,
    user: &Actor,
    current: &Record<T>,
    expected: Option<i64>,
    body: &Value,
) -> Result<Record<T>, AppError> {
    let expected = expected.ok_or(AppError::PreconditionRequired)?;
    let checked = check_replacement(app, user, &current.data, body).await?;
    let record = app
        .store
        .update(current.id, expected, &checked.data, &user.ctx())
        .await?;
    record_confirmed(app, user, &checked.pii).await?;
    Ok(record)
}

/// Creates every record of an import in one transaction: all or nothing. Each row went
/// through [`check_new`] first (the caller names a row's errors by its row).
pub async fn create_all<T: AppRecord>(
    app: &App,
    user: &Actor,
    rows: Vec<Checked<T>>,
) -> Result<Vec<RecordId>, AppError> {
    let mut data = Vec::with_capacity(rows.len());
    let mut pii = Vec::new();
    for r in rows {
        data.push(r.data);
        pii.extend(r.pii);
    }
    let ids = app.store.create_many(&data, &user.ctx()).await?;
    record_confirmed(app, user, &pii).await?;
    Ok(ids)
}
