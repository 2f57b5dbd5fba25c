//! The policy register over the API: list, create, read, update, history, the version in force.

use crate::AppState;
use crate::api::records::{ListView, create_one, get_one, history_of, list_of, update_one};
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{IdPath, JsonBody};
use crate::openapi::{Flagged, Input, Page, PolicyInForce, Version};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chancery_app::access::{HistoryView, audit_reads, load_visible};
use chancery_domain::{FieldError, ValidationErrors};
use serde_json::{Value, json};

#[utoipa::path(get, path = "/api/v1/policies", tag = "policies",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 (EL and UK accepted)"),
        ("post" = Option<String>, Query, description = "post slug"),
        ("area" = Option<chancery_domain::PolicyArea>, Query, description = "the area the policy governs"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of policies, newest first", body = Page<chancery_domain::Policy>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_policies(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListView>, ApiError> {
    list_of::<chancery_domain::Policy>(&state, &user, raw.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/policies", tag = "policies", request_body = Input<chancery_domain::Policy>,
    responses(
        (status = 201, description = "Created; ETag holds the version, Location the record", body = Flagged<chancery_domain::Policy>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 403, description = "Not this account's to create", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_policy(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<chancery_domain::Policy>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/policies/{id}", tag = "policies",
    params(("id" = i64, Path, description = "policy id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Flagged<chancery_domain::Policy>),
        (status = 404, description = "No such policy", body = ValidationErrors),
    ))]
pub async fn get_policy(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<chancery_domain::Policy>(&state, &user, &id).await
}

#[utoipa::path(put, path = "/api/v1/policies/{id}", tag = "policies", request_body = Input<chancery_domain::Policy>,
    params(
        ("id" = i64, Path, description = "policy id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Flagged<chancery_domain::Policy>),
        (status = 404, description = "No such policy", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_policy(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<chancery_domain::Policy>(&state, &user, &id, &headers, &body).await
}

#[utoipa::path(get, path = "/api/v1/policies/{id}/history", tag = "policies",
    params(("id" = i64, Path, description = "policy id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [Version<chancery_domain::Policy>]),
        (status = 404, description = "No such policy", body = ValidationErrors),
    ))]
pub async fn policy_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    history_of::<chancery_domain::Policy>(&state, &user, &id).await
}

/// `GET /api/v1/policies/{id}/in-force?date=YYYY-MM-DD`: the version in force on that day.
#[utoipa::path(get, path = "/api/v1/policies/{id}/in-force", tag = "policies",
    params(
        ("id" = i64, Path, description = "policy id"),
        ("date" = chrono::NaiveDate, Query, description = "the day, YYYY-MM-DD"),
    ),
    responses(
        (status = 200, description = "The version in force that day (null when none was)", body = PolicyInForce),
        (status = 404, description = "No such policy", body = ValidationErrors),
        (status = 422, description = "The date missing or not YYYY-MM-DD", body = ValidationErrors),
    ))]
pub async fn policy_in_force(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let record = load_visible::<chancery_domain::Policy>(&state, &user, &id).await?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let day = pairs
        .iter()
        .find(|(k, _)| k == "date")
        .and_then(|(_, v)| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            AppError::Invalid(FieldError::new("date", "give the day as date=YYYY-MM-DD").into())
        })?;
    audit_reads(&state, &user, "read", &[&record]).await?;
    let version = record.data.in_force_on(day);
    Ok(Json(
        json!({"policy": record.id, "date": day, "in_force": version}),
    ))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_policies", "/api/v1/policies", list_policies),
        Route::post("api_policy_create", "/api/v1/policies", create_policy),
        Route::get("api_policy", "/api/v1/policies/{id}", get_policy),
        Route::put("api_policy_update", "/api/v1/policies/{id}", update_policy),
        Route::get(
            "api_policy_history",
            "/api/v1/policies/{id}/history",
            policy_history,
        ),
        Route::get(
            "api_policy_in_force",
            "/api/v1/policies/{id}/in-force",
            policy_in_force,
        ),
    ]
}
