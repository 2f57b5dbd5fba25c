//! Cases out and in over HTTP (`chancery_app::cases`): export as a download, import from the
//! body.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::routes::{ARCHIVE_BODY_LIMIT, Route};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::cases;

/// `GET /api/v1/cases/export?format=csv|json|ndjson` (plus the list filters).
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (body, format) = cases::export(&state, &user, raw.as_deref()).await?;
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"cases.{}\"",
        format.extension()
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// `POST /api/v1/cases/import`: all rows or none. Errors read `row 3: parties[0].age[0].value`.
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let media = crate::extract::media_type(&headers);
    let imported = cases::import(&state, &user, &media, &body).await?;
    Ok((StatusCode::CREATED, Json(imported)).into_response())
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_case_export", "/api/v1/cases/export", export),
        Route::post("api_case_import", "/api/v1/cases/import", import).limit(ARCHIVE_BODY_LIMIT),
    ]
}
