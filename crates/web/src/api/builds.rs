//! Builds: make one, hand out its outputs (audited when they show SBU material), and diff two.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{IdPair, IdPath};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::access::Items;
use chancery_app::reports::builds::{
    BuildDiff, BuildListed, BuildSummary, Output, builds_of, diff_builds, load_build, make_build,
    output,
};

#[utoipa::path(get, path = "/api/v1/reports/{id}/builds", tag = "reports",
    params(("id" = i64, Path, description = "report id")),
    responses(
        (status = 200, description = "The report's builds, newest first, each with its snapshot sha256 and flags", body = Items<BuildListed>),
        (status = 404, description = "No such report, or not visible", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_builds(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Items<BuildListed>>, ApiError> {
    Ok(Json(Items {
        items: builds_of(&state, &user, &id).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/builds", tag = "reports",
    params(("id" = i64, Path, description = "report id")),
    responses(
        (status = 201, description = "A new build pinning the current version, statistics releases and record versions", body = BuildSummary),
        (status = 404, description = "No such report, or not visible", body = chancery_domain::ValidationErrors),
        (status = 422, description = "The report cannot be resolved (a block's data is missing)", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_build_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let b = make_build(&state, &user, &id).await?;
    Ok((StatusCode::CREATED, Json(BuildSummary::from(&b))).into_response())
}

#[utoipa::path(get, path = "/api/v1/builds/{id}/{format}", tag = "reports",
    params(
        ("id" = i64, Path, description = "build id"),
        ("format" = String, Path, description = "html, pdf, cable (or txt), md (or markdown), manifest (or json)"),
        ("public" = Option<String>, Query, description = "1 or true for the public edition (always public without SBU access)"),
    ),
    responses(
        (status = 200, description = "The build rendered in the format (Content-Disposition: inline, with its file name); byte-identical on every request",
            content(
                (String = "text/html; charset=utf-8"),
                (crate::openapi::Binary = "application/pdf"),
                (String = "text/plain; charset=utf-8"),
                (String = "text/markdown; charset=utf-8"),
                (crate::openapi::BuildManifest = "application/json"),
            )),
        (status = 404, description = "No such build or format", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_build_output(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(id, format): IdPair,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let b = load_build(&state, &user, &id).await?;
    let public = raw
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "public=1" || p == "public=true"));
    Ok(output_response(
        output(&state, &user, &b, &format, public).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/builds/{id}/diff/{other}", tag = "reports",
    params(
        ("id" = i64, Path, description = "the earlier build"),
        ("other" = i64, Path, description = "the later build"),
    ),
    responses(
        (status = 200, description = "What changed between two builds, paragraph by paragraph", body = BuildDiff),
        (status = 404, description = "No such build, or not visible", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_build_diff(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(a, b): IdPair,
) -> Result<Json<BuildDiff>, ApiError> {
    let (ba, bb, d) = diff_builds(&state, &user, &a, &b).await?;
    Ok(Json(BuildDiff::new(&ba, &bb, d)))
}

/// A rendered build as a response: its content type, and its file name for the browser.
pub fn output_response(o: Output) -> Response {
    let mut resp = o.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(o.format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", o.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "api_report_builds",
            "/api/v1/reports/{id}/builds",
            api_report_builds,
        ),
        Route::post(
            "api_report_build_create",
            "/api/v1/reports/{id}/builds",
            api_report_build_create,
        ),
        Route::get(
            "api_build_output",
            "/api/v1/builds/{id}/{format}",
            api_build_output,
        ),
        Route::get(
            "api_build_diff",
            "/api/v1/builds/{id}/diff/{other}",
            api_build_diff,
        ),
    ]
}
