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
#[utoipa::path(post, path = "/api/v1/sources/{id}/archives", tag = "archives",
    params(
        ("id" = i64, Path, description = "source id"),
        ("X-File-Name" = Option<String>, Header, description = "the file's name, for a file in the body"),
    ),
    request_body(description = "A file (PDF, HTML, plain text, PNG, JPEG, GIF or WebP; its Content-Type declares it and must match its bytes), or JSON: the text pasted or a URL to fetch",
        content(
            (crate::openapi::ArchiveRequest = "application/json"),
            (crate::openapi::Binary = "application/pdf"),
            (crate::openapi::Binary = "text/html"),
            (crate::openapi::Binary = "text/plain"),
            (crate::openapi::Binary = "image/png"),
            (crate::openapi::Binary = "image/jpeg"),
            (crate::openapi::Binary = "image/gif"),
            (crate::openapi::Binary = "image/webp"),
        )),
    responses(
        (status = 201, description = "Archived (the same bytes archived again answer the same copy)", body = chancery_app::archive::ArchiveInfo),
        (status = 404, description = "No such source", body = chancery_domain::ValidationErrors),
        (status = 413, description = "Over the archive limit", body = chancery_domain::ValidationErrors),
        (status = 415, description = "Not a type Chancery archives", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Bytes that are not what the Content-Type says, an unfetchable URL, or neither text nor URL", body = chancery_domain::ValidationErrors),
    ))]
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

#[utoipa::path(get, path = "/api/v1/sources/{id}/archives", tag = "archives",
    params(
        ("id" = i64, Path, description = "source id"),
    ),
    responses(
        (status = 200, description = "The source's archived copies", body = [chancery_app::archive::ArchiveInfo]),
        (status = 404, description = "No such source", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_archives(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<ArchiveInfo>>, ApiError> {
    Ok(Json(archive::archives_of(&state, &user, &id).await?))
}

/// The archived bytes, as a download (never rendered inline: they are third-party content).
#[utoipa::path(get, path = "/sources/{id}/archives/{aid}/file", tag = "archives",
    params(
        ("id" = i64, Path, description = "source id"),
        ("aid" = i64, Path, description = "archive id"),
    ),
    responses(
        (status = 200, description = "The archived bytes as a download (Content-Disposition: attachment; Content-Security-Policy: sandbox), with the media type recorded for them (ArchiveInfo.media_type)",
            content(
                (crate::openapi::Binary = "application/pdf"),
                (crate::openapi::Binary = "text/html"),
                (crate::openapi::Binary = "text/plain"),
                (crate::openapi::Binary = "image/png"),
                (crate::openapi::Binary = "image/jpeg"),
                (crate::openapi::Binary = "image/gif"),
                (crate::openapi::Binary = "image/webp"),
            )),
        (status = 404, description = "No such source or archive", body = chancery_domain::ValidationErrors),
    ))]
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

#[utoipa::path(get, path = "/api/v1/sources/{id}/archives/{aid}/text", tag = "archives",
    params(
        ("id" = i64, Path, description = "source id"),
        ("aid" = i64, Path, description = "archive id"),
    ),
    responses(
        (status = 200, description = "The archived copy's extracted (or pasted) text and its English translation", body = ArchiveText),
        (status = 404, description = "No such source or archive", body = chancery_domain::ValidationErrors),
    ))]
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
