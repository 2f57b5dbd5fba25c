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
#[utoipa::path(get, path = "/api/v1/cases/export", tag = "cases",
    params(
        ("format" = Option<String>, Query, description = "json (default), ndjson or csv"),
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 (EL and UK accepted)"),
        ("kind" = Option<chancery_domain::CaseKind>, Query, description = "the kind of case"),
        ("post" = Option<String>, Query, description = "post slug"),
    ),
    responses(
        (status = 200, description = "A download (Content-Disposition: attachment; filename=cases.json|ndjson|csv) of the matching cases the viewer sees, victim parties removed. NDJSON: one ExportedCase per line. CSV: one row per case, nested members as JSON text, a last column `withheld`",
            content(
                ([crate::openapi::ExportedCase] = "application/json"),
                (String = "application/x-ndjson"),
                (String = "text/csv"),
            )),
        (status = 422, description = "A bad filter or format, named", body = chancery_domain::ValidationErrors),
    ))]
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
#[utoipa::path(post, path = "/api/v1/cases/import", tag = "cases",
    request_body(description = "Cases as a JSON array, NDJSON (one case a line) or CSV (the export's columns; id, version and withheld are ignored)",
        content(
            ([crate::openapi::Input<chancery_domain::Case>] = "application/json"),
            (String = "application/x-ndjson"),
            (String = "text/csv"),
        )),
    responses(
        (status = 201, description = "All rows stored, in one transaction", body = chancery_app::cases::Imported),
        (status = 403, description = "Not this account's to create", body = chancery_domain::ValidationErrors),
        (status = 413, description = "Body too large", body = chancery_domain::ValidationErrors),
        (status = 415, description = "Not CSV, JSON or NDJSON", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Nothing stored: each error names row and field (`row 3: parties[0].age[0].value`)", body = chancery_domain::ValidationErrors),
    ))]
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
