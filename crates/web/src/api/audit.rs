//! The audit log over the API (administrators), and the reading of its filters that the audit
//! page shares.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use chancery_app::access::check_open;
use chancery_app::admin::{self, AuditEntry, AuditFilter};
use chancery_domain::{Action, FieldError, Resource, ResourceKind, ValidationErrors};

/// Reads the filters of the log from a query string; bad values are named.
pub(crate) fn audit_filter(raw: Option<&str>) -> Result<(AuditFilter, u32), ValidationErrors> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    let mut f = AuditFilter::default();
    let mut limit = 100;
    let mut errors = ValidationErrors::default();
    for (k, v) in pairs {
        if v.is_empty() {
            continue;
        }
        let num = |errors: &mut ValidationErrors| match v.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.push(FieldError::new(
                    k.clone(),
                    "must be a positive whole number",
                ));
                None
            }
        };
        match k.as_str() {
            "action" => f.action = Some(v),
            "record_type" => f.record_type = Some(v),
            "actor" => f.actor_id = num(&mut errors),
            "record_id" => f.record_id = num(&mut errors),
            "before" => f.before = num(&mut errors),
            "limit" => match v.parse::<u32>() {
                Ok(n) if (1..=1000).contains(&n) => limit = n,
                _ => errors.push(FieldError::new(
                    "limit",
                    "must be a whole number from 1 to 1000",
                )),
            },
            other => errors.push(FieldError::new(other, "unknown parameter")),
        }
    }
    if errors.is_empty() {
        Ok((f, limit))
    } else {
        Err(errors)
    }
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(
        ("action" = Option<String>, Query, description = "create, update, read, export, build, redact, ..."),
        ("record_type" = Option<String>, Query, description = "case, source, policy, ..."),
        ("actor" = Option<i64>, Query, description = "account id"),
        ("record_id" = Option<i64>, Query, description = "record id"),
        ("before" = Option<i64>, Query, description = "entries before this seq (the next page)"),
        ("limit" = Option<u32>, Query, description = "1 to 1000, default 100"),
    ),
    responses(
        (status = 200, description = "Entries, newest first, each chained to the one before by its hash", body = [AuditEntry]),
        (status = 403, description = "Administrators only", body = chancery_domain::ValidationErrors),
        (status = 422, description = "A bad or unknown parameter, named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_audit(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    check_open(&user, Action::ReadAudit, &Resource::of(ResourceKind::Audit))?;
    let (filter, limit) = audit_filter(raw.as_deref()).map_err(AppError::Invalid)?;
    Ok(Json(
        admin::audit_entries(&state, &user, &filter, limit).await?,
    ))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![Route::get("api_audit", "/api/v1/audit", api_audit)]
}
