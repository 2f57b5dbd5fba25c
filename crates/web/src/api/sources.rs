//! Sources over the API: list, create, read, update, history.

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
use chancery_domain::Source;
use chancery_domain::ValidationErrors;

#[utoipa::path(get, path = "/api/v1/sources", tag = "sources",
    params(
        ("kind" = Option<String>, Query, description = "court_judgment, official_statement, statistics_release, news_report, ngo_report, parliamentary_record, other"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of sources, newest first", body = Page<Source>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_sources(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListView>, ApiError> {
    list_of::<Source>(&state, &user, raw.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/sources", tag = "sources", request_body = Input<Source>,
    responses(
        (status = 201, description = "Created; ETag holds the version, Location the record", body = Flagged<Source>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_source(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<Source>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/sources/{id}", tag = "sources",
    params(("id" = i64, Path, description = "source id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Flagged<Source>),
        (status = 404, description = "No such source", body = ValidationErrors),
    ))]
pub async fn get_source(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<Source>(&state, &user, &id).await
}

#[utoipa::path(put, path = "/api/v1/sources/{id}", tag = "sources", request_body = Input<Source>,
    params(
        ("id" = i64, Path, description = "source id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Flagged<Source>),
        (status = 404, description = "No such source", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_source(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<Source>(&state, &user, &id, &headers, &body).await
}

#[utoipa::path(get, path = "/api/v1/sources/{id}/history", tag = "sources",
    params(("id" = i64, Path, description = "source id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [Version<Source>]),
        (status = 404, description = "No such source", body = ValidationErrors),
    ))]
pub async fn source_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    history_of::<Source>(&state, &user, &id).await
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_sources", "/api/v1/sources", list_sources),
        Route::post("api_source_create", "/api/v1/sources", create_source),
        Route::get("api_source", "/api/v1/sources/{id}", get_source),
        Route::put("api_source_update", "/api/v1/sources/{id}", update_source),
        Route::get(
            "api_source_history",
            "/api/v1/sources/{id}/history",
            source_history,
        ),
    ]
}
