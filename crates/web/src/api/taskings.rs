//! Taskings (HQ issues, posts see those addressed to them) and the compliance table with
//! its flags.

use crate::AppState;
use crate::api::records::with_etag;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{IdPath, JsonBody, if_match};
use crate::routes::Route;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::access::{Items, RecordView, record_json};
use chancery_app::reports::taskings::{
    ComplianceRow, compliance_rows, create_tasking, tasking_view, update_tasking, visible_taskings,
};
use chancery_domain::Marking;

#[utoipa::path(get, path = "/api/v1/taskings", tag = "taskings",
    responses(
        (status = 200, description = "The taskings the user may see (a post: those addressed to it)", body = Items<crate::openapi::Shown<chancery_domain::report::Tasking>>),
    ))]
pub async fn api_taskings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Items<RecordView>>, ApiError> {
    let items = visible_taskings(&state, &user)
        .await?
        .iter()
        .map(|t| record_json(t, user.principal.clearance()))
        .collect();
    Ok(Json(Items { items }))
}

#[utoipa::path(post, path = "/api/v1/taskings", tag = "taskings", request_body = crate::openapi::Input<chancery_domain::report::Tasking>,
    responses(
        (status = 201, description = "Issued (HQ editors); ETag holds the version, Location the tasking", body = crate::openapi::Shown<chancery_domain::report::Tasking>),
        (status = 403, description = "Not an HQ editor", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let t = create_tasking(&state, &user, &body).await?;
    let mut resp = (StatusCode::CREATED, Json(record_json(&t, Marking::U))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/taskings/{}", t.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(with_etag(resp, t.version))
}

#[utoipa::path(get, path = "/api/v1/taskings/{id}", tag = "taskings",
    params(("id" = i64, Path, description = "tasking id")),
    responses(
        (status = 200, description = "The tasking with its compliance rows; ETag holds the version", body = crate::openapi::TaskingRead),
        (status = 404, description = "No such tasking, or not addressed to the user's post", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let (version, view) = tasking_view(&state, &user, &id).await?;
    Ok(with_etag(Json(view).into_response(), version))
}

#[utoipa::path(put, path = "/api/v1/taskings/{id}", tag = "taskings", request_body = crate::openapi::Input<chancery_domain::report::Tasking>,
    params(
        ("id" = i64, Path, description = "tasking id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Saved; ETag holds the new version", body = crate::openapi::Shown<chancery_domain::report::Tasking>),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
        (status = 428, description = "If-Match missing", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let t = update_tasking(&state, &user, &id, expected, &body).await?;
    Ok(with_etag(
        Json(record_json(&t, Marking::U)).into_response(),
        t.version,
    ))
}

#[utoipa::path(get, path = "/api/v1/compliance", tag = "taskings",
    responses(
        (status = 200, description = "For each tasking, addressed post and due date: not_started, drafting, in_clearance, submitted or withdrawn, late, the report and its flags", body = Items<ComplianceRow>),
    ))]
pub async fn api_compliance(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Items<ComplianceRow>>, ApiError> {
    Ok(Json(Items {
        items: compliance_rows(&state, &user, None).await?,
    }))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_taskings", "/api/v1/taskings", api_taskings),
        Route::post("api_tasking_create", "/api/v1/taskings", api_tasking_create),
        Route::get("api_tasking", "/api/v1/taskings/{id}", api_tasking),
        Route::put(
            "api_tasking_update",
            "/api/v1/taskings/{id}",
            api_tasking_update,
        ),
        Route::get("api_compliance", "/api/v1/compliance", api_compliance),
    ]
}
