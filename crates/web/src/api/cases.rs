//! Cases over the API: list, create, read, update, history.

use crate::AppState;
use crate::api::records::{ListView, create_one, get_one, history_of, list_of, update_one};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{IdPath, JsonBody};
use crate::openapi::{CaseShown, Flagged, Input, Page, Version};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chancery_app::access::HistoryView;
use chancery_domain::Case;
use chancery_domain::ValidationErrors;

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 (EL and UK accepted)"),
        ("kind" = Option<String>, Query, description = "criminal_case, speech_case, immigration_decision, public_safety_incident, inquiry"),
        ("post" = Option<String>, Query, description = "post slug"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of cases, newest first", body = Page<CaseShown>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListView>, ApiError> {
    list_of::<Case>(&state, &user, raw.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = Input<Case>,
    responses(
        (status = 201, description = "Created; ETag holds the version, Location the record", body = Flagged<CaseShown>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 413, description = "Body too large", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<Case>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Flagged<CaseShown>),
        (status = 404, description = "No such case", body = ValidationErrors),
    ))]
pub async fn get_case(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<Case>(&state, &user, &id).await
}

#[utoipa::path(put, path = "/api/v1/cases/{id}", tag = "cases", request_body = Input<Case>,
    params(
        ("id" = i64, Path, description = "case id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Flagged<CaseShown>),
        (status = 404, description = "No such case", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_case(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<Case>(&state, &user, &id, &headers, &body).await
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/history", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [Version<CaseShown>]),
        (status = 404, description = "No such case", body = ValidationErrors),
    ))]
pub async fn case_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    history_of::<Case>(&state, &user, &id).await
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_cases", "/api/v1/cases", list_cases),
        Route::post("api_case_create", "/api/v1/cases", create_case),
        Route::get("api_case", "/api/v1/cases/{id}", get_case),
        Route::put("api_case_update", "/api/v1/cases/{id}", update_case),
        Route::get(
            "api_case_history",
            "/api/v1/cases/{id}/history",
            case_history,
        ),
    ]
}
