//! The archive's HTTP handlers: uploads, the list of a source's copies, downloads and text.
//! What archiving does is `chancery_app::archive`.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{IdPair, IdPath};
use crate::routes::{ARCHIVE_BODY_LIMIT, Route};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::archive::{self, ArchiveInfo, ArchiveText};

/// `POST /api/v1/sources/{id}/archives`: a file in the body (its Content-Type declares it;
/// `X-File-Name` names it), or JSON `{"text": ..., "text_en": ...}` or `{"url": ...}`.
pub async fn api_archive(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let source = archive::writable_source(&state, &user, &id).await?;
    let media = crate::extract::media_type(&headers);
    let file_name = headers
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let info = archive::archive(&state, &user, source.id, &media, body, file_name).await?;
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

pub async fn api_archives(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<ArchiveInfo>>, ApiError> {
    Ok(Json(archive::archives_of(&state, &user, &id).await?))
}

/// The archived bytes, as a download (never rendered inline: they are third-party content).
pub async fn archive_file(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(source, archive): IdPair,
) -> Result<Response, ApiError> {
    let (a, bytes) = archive::archive_file(&state, &user, &source, &archive).await?;
    let name = a
        .file_name
        .clone()
        .unwrap_or_else(|| format!("source-{}-archive-{}", a.source_id, a.id));
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\', '\r', '\n'], "_")
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    Ok(resp)
}

pub async fn archive_text(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(source, archive): IdPair,
) -> Result<Json<ArchiveText>, ApiError> {
    Ok(Json(
        archive::archive_text(&state, &user, &source, &archive).await?,
    ))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "api_source_archives",
            "/api/v1/sources/{id}/archives",
            api_archives,
        ),
        Route::post(
            "api_source_archive_create",
            "/api/v1/sources/{id}/archives",
            api_archive,
        )
        .limit(ARCHIVE_BODY_LIMIT),
        Route::get(
            "api_source_archive_text",
            "/api/v1/sources/{id}/archives/{aid}/text",
            archive_text,
        ),
        Route::get(
            "source_archive_file",
            "/sources/{id}/archives/{aid}/file",
            archive_file,
        ),
    ]
}
