//! Engagements over the API: list, create, read, update, history.

use crate::AppState;
use crate::api::records::{ListView, create_one, get_one, history_of, list_of, update_one};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{IdPath, JsonBody};
use crate::openapi::{Flagged, Input, Page, Version};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chancery_app::access::HistoryView;
use chancery_domain::ValidationErrors;

#[utoipa::path(get, path = "/api/v1/engagements", tag = "engagements",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 (EL and UK accepted)"),
        ("post" = Option<String>, Query, description = "post slug"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of engagements, newest first", body = Page<chancery_domain::Engagement>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_engagements(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListView>, ApiError> {
    list_of::<chancery_domain::Engagement>(&state, &user, raw.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/engagements", tag = "engagements", request_body = Input<chancery_domain::Engagement>,
    responses(
        (status = 201, description = "Created; ETag holds the version, Location the record", body = Flagged<chancery_domain::Engagement>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 403, description = "Not this account's to create", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_engagement(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<chancery_domain::Engagement>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/engagements/{id}", tag = "engagements",
    params(("id" = i64, Path, description = "engagement id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Flagged<chancery_domain::Engagement>),
        (status = 404, description = "No such engagement", body = ValidationErrors),
    ))]
pub async fn get_engagement(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<chancery_domain::Engagement>(&state, &user, &id).await
}

#[utoipa::path(put, path = "/api/v1/engagements/{id}", tag = "engagements", request_body = Input<chancery_domain::Engagement>,
    params(
        ("id" = i64, Path, description = "engagement id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Flagged<chancery_domain::Engagement>),
        (status = 404, description = "No such engagement", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_engagement(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<chancery_domain::Engagement>(&state, &user, &id, &headers, &body).await
}

#[utoipa::path(get, path = "/api/v1/engagements/{id}/history", tag = "engagements",
    params(("id" = i64, Path, description = "engagement id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [Version<chancery_domain::Engagement>]),
        (status = 404, description = "No such engagement", body = ValidationErrors),
    ))]
pub async fn engagement_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    history_of::<chancery_domain::Engagement>(&state, &user, &id).await
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_engagements", "/api/v1/engagements", list_engagements),
        Route::post(
            "api_engagement_create",
            "/api/v1/engagements",
            create_engagement,
        ),
        Route::get("api_engagement", "/api/v1/engagements/{id}", get_engagement),
        Route::put(
            "api_engagement_update",
            "/api/v1/engagements/{id}",
            update_engagement,
        ),
        Route::get(
            "api_engagement_history",
            "/api/v1/engagements/{id}/history",
            engagement_history,
        ),
    ]
}
