//! Reports: create, save (an edit restarts clearance), clearance actions and the problems
//! that refuse them, comments, lists and history.

use crate::AppState;
use crate::api::records::with_etag;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{IdPath, JsonBody, if_match};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::access::{Items, load_visible, record_json};
use chancery_app::reports::reports::{
    Created, ReportVersion, act, add_comment, create_report, list_reports, report_history,
    report_view, update_report, visible_comments,
};
use chancery_domain::report::Report;
use chancery_domain::report::ReportAction;

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    params(
        ("post" = Option<String>, Query, description = "post slug"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of reports the user may see, SBU paragraphs withheld without SBU access", body = crate::openapi::Page<crate::openapi::ReportShown>),
        (status = 422, description = "A bad filter, named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_reports(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<crate::api::records::ListView>, ApiError> {
    let page = list_reports(&state, &user, raw.as_deref()).await?;
    let items = page
        .items
        .iter()
        .map(|r| record_json(r, user.principal.clearance()))
        .collect();
    Ok(Json(crate::api::records::ListView {
        items,
        next: page.next,
    }))
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body(content = crate::openapi::Input<Report>, description = "The report (its state is ignored: a new report is a draft); optional confirm_pii"),
    responses(
        (status = 201, description = "Created as a draft; ETag holds the version, Location the report", body = crate::openapi::Shown<crate::openapi::ReportShown>),
        (status = 422, description = "Invalid fields, each named (a cited record the author may not see reads as missing)", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let r = create_report(&state, &user, &body).await?;
    let mut resp = (
        StatusCode::CREATED,
        Json(record_json(&r, user.principal.clearance())),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/reports/{}", r.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(with_etag(resp, r.version))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = i64, Path, description = "report id")),
    responses(
        (status = 200, description = "The report, its flags and the problems that refuse clearance, each with a link to its paragraph; ETag holds the version", body = crate::openapi::ReportRead),
        (status = 404, description = "No such report, or not visible", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let (version, view) = report_view(&state, &user, &id).await?;
    Ok(with_etag(Json(view).into_response(), version))
}

#[utoipa::path(put, path = "/api/v1/reports/{id}", tag = "reports", request_body(content = crate::openapi::Input<Report>, description = "The report as a whole (its state is kept). An edit in or after clearance restarts the chain at draft"),
    params(
        ("id" = i64, Path, description = "report id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Saved; ETag holds the new version", body = crate::openapi::Shown<crate::openapi::ReportShown>),
        (status = 403, description = "Published or withdrawn reports are not edited", body = chancery_domain::ValidationErrors),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
        (status = 428, description = "If-Match missing", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let r = update_report(&state, &user, &id, expected, &body).await?;
    Ok(with_etag(
        Json(record_json(&r, user.principal.clearance())).into_response(),
        r.version,
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/history", tag = "reports",
    params(("id" = i64, Path, description = "report id")),
    responses(
        (status = 200, description = "Every version, oldest first, SBU paragraphs withheld without SBU access", body = Items<crate::openapi::ReportVersion>),
        (status = 404, description = "No such report, or not visible", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Items<ReportVersion>>, ApiError> {
    Ok(Json(Items {
        items: report_history(&state, &user, &id).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/actions", tag = "reports", request_body = crate::openapi::ActionRequest,
    params(
        ("id" = i64, Path, description = "report id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Done; ETag holds the new version", body = crate::openapi::Shown<crate::openapi::ReportShown>),
        (status = 403, description = "Not this role's step", body = chancery_domain::ValidationErrors),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Clearance refused: each problem with its paragraph and link", body = chancery_domain::ValidationErrors),
        (status = 428, description = "If-Match missing", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_action(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let action = body["action"]
        .as_str()
        .ok_or_else(|| AppError::invalid("action", "is required"))
        .and_then(|a| ReportAction::parse(a).map_err(|e| AppError::invalid("action", e)))?;
    let r = act(&state, &user, &id, expected, action).await?;
    Ok(with_etag(
        Json(record_json(&r, user.principal.clearance())).into_response(),
        r.version,
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/comments", tag = "reports",
    params(("id" = i64, Path, description = "report id")),
    responses(
        (status = 200, description = "Comments on the paragraphs the user may see", body = Items<chancery_app::reports::reports::ReportComment>),
        (status = 404, description = "No such report, or not visible", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_comments(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Items<chancery_app::reports::reports::ReportComment>>, ApiError> {
    let r = load_visible::<Report>(&state, &user, &id).await?;
    Ok(Json(Items {
        items: visible_comments(&state, &user, &r).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/comments", tag = "reports", request_body = crate::openapi::CommentRequest,
    params(("id" = i64, Path, description = "report id")),
    responses(
        (status = 201, description = "Added: the comment's id", body = Created),
        (status = 422, description = "No such paragraph, or an empty comment", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_comment_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let paragraph = body["paragraph"].as_str().unwrap_or_default();
    let text = body["body"].as_str().unwrap_or_default();
    let cid = add_comment(&state, &user, &id, paragraph, text).await?;
    Ok((StatusCode::CREATED, Json(Created { id: cid })).into_response())
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_reports", "/api/v1/reports", api_reports),
        Route::post("api_report_create", "/api/v1/reports", api_report_create),
        Route::get("api_report", "/api/v1/reports/{id}", api_report),
        Route::put(
            "api_report_update",
            "/api/v1/reports/{id}",
            api_report_update,
        ),
        Route::get(
            "api_report_history",
            "/api/v1/reports/{id}/history",
            api_report_history,
        ),
        Route::post(
            "api_report_action",
            "/api/v1/reports/{id}/actions",
            api_report_action,
        ),
        Route::get(
            "api_report_comments",
            "/api/v1/reports/{id}/comments",
            api_report_comments,
        ),
        Route::post(
            "api_report_comment_create",
            "/api/v1/reports/{id}/comments",
            api_report_comment_create,
        ),
    ]
}
