//! What the record forms share: saving a form through the one save pipeline and saying what a
//! refusal shows, the check before an edit form is shown, and the marking of a form page.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::pages::PageError;
use axum::http::StatusCode;
use chancery_app::access::{AppRecord, audit_reads, check_update};
use chancery_app::save;
use chancery_domain::{Marking, Record, ValidationErrors};
use serde_json::Value;

/// What a failed form submission shows: the status, the errors, and a conflict message.
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) errors: ValidationErrors,
    pub(crate) conflict: Option<String>,
    pub(crate) version: Option<i64>,
}

/// Saves a form as a new record (`current` none) or a new version of `current`; on failure
/// says what to show. Permission refusals end the request (403/404 pages).
pub(crate) async fn save_form<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    values: &Value,
    current: Option<&Record<T>>,
    expected: Option<i64>,
) -> Result<Result<Record<T>, Refusal>, PageError> {
    let mut values = values.clone();
    drop_unticked_confirmations(&mut values);
    let result = match current {
        None => save::create::<T>(state, user, &values).await,
        Some(c) => save::update::<T>(state, user, c, expected, &values).await,
    };
    match result {
        Ok(r) => Ok(Ok(r)),
        Err(AppError::Invalid(errors)) => Ok(Err(Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            conflict: None,
            version: expected,
        })),
        Err(AppError::Conflict {
            expected,
            current: now,
        }) => Ok(Err(Refusal {
            status: StatusCode::CONFLICT,
            errors: ValidationErrors::default(),
            conflict: Some(format!(
                "You edited version {expected}, but version {now} was saved meanwhile. Your changes are kept below \
                 and were not saved. Compare them with the current version (open it in another tab); saving this \
                 form again replaces version {now}."
            )),
            version: Some(now),
        })),
        Err(e) => Err(e.into()),
    }
}

/// A form posts `confirm_pii[N].field` beside every PII hit and `confirm_pii[N].span` only when
/// its box is ticked: a row without a span is an unticked box, not a malformed confirmation.
fn drop_unticked_confirmations(values: &mut Value) {
    let Some(obj) = values.as_object_mut() else {
        return;
    };
    let ticked = |item: &Value| item.get("span").is_some();
    let empty = match obj.get_mut("confirm_pii") {
        Some(Value::Array(items)) => {
            items.retain(ticked);
            items.is_empty()
        }
        Some(Value::Object(items)) => {
            items.retain(|_, v| ticked(v));
            items.is_empty()
        }
        _ => false,
    };
    if empty {
        obj.remove("confirm_pii");
    }
}

/// Checks that the user may edit a record before showing its form, and logs the read the
/// form is (it shows the whole record).
pub(crate) async fn check_may_edit<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<T>,
) -> Result<(), ApiError> {
    check_update(user, &record.data, &record.data)?;
    audit_reads(state, user, "read", &[record])
        .await
        .map_err(Into::into)
}

/// The highest marking a form page shows: what the user may see of its choices and values.
pub(crate) fn form_marking(choices_sbu: bool, values: &Value, user: &CurrentUser) -> Marking {
    let typed = ["marking", "summary_marking"]
        .iter()
        .filter_map(|k| values.get(*k).and_then(Value::as_str))
        .any(|m| m == "SBU");
    if (choices_sbu || typed) && user.principal.sbu_access {
        Marking::SBU
    } else {
        Marking::U
    }
}
