//! Templates: the shipped ones and HQ's edited copies, read by all and saved by HQ editors.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{IdPath, JsonBody, if_match};
use crate::routes::Route;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use chancery_app::access::Items;
use chancery_app::reports::templates::{all_templates, save_template};
use serde_json::{Value, json};

#[utoipa::path(get, path = "/api/v1/templates", tag = "templates",
    responses(
        (status = 200, description = "Every template: the shipped ones (or HQ's edited copies) and HQ's own", body = Items<crate::openapi::TemplateListed>),
    ))]
pub async fn api_templates(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = all_templates(&state, &user)
        .await?
        .into_iter()
        .map(|(t, v)| {
            let mut j = t.to_json();
            j["version"] = json!(v.unwrap_or(0));
            j["edited"] = json!(v.is_some());
            j
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(get, path = "/api/v1/templates/{key}", tag = "templates",
    params(("key" = String, Path, description = "template key (hr-classic)")),
    responses(
        (status = 200, description = "The template with its stored version", body = crate::openapi::TemplateRead),
        (status = 404, description = "No such template", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_template(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(key): IdPath,
) -> Result<Json<Value>, ApiError> {
    let (t, v) = all_templates(&state, &user)
        .await?
        .into_iter()
        .find(|(t, _)| t.key.as_str() == key)
        .ok_or_else(|| AppError::NotFound(format!("no template {key:?}")))?;
    let mut j = t.to_json();
    j["version"] = json!(v.unwrap_or(0));
    Ok(Json(j))
}

#[utoipa::path(put, path = "/api/v1/templates/{key}", tag = "templates", request_body = chancery_domain::report::Template,
    params(
        ("key" = String, Path, description = "template key (hr-classic)"),
        ("If-Match" = String, Header, description = "the stored version, as its ETag (\"0\" for a shipped template never edited)"),
    ),
    responses(
        (status = 200, description = "Saved (HQ editors)", body = chancery_domain::report::Template),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
        (status = 428, description = "If-Match missing", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_template_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(key): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    // A template never edited is at version 0 (its shipped copy): If-Match "0" names it.
    let never_edited = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().trim_start_matches("W/").trim_matches('"') == "0");
    let expected = if never_edited { 0 } else { if_match(&headers)? };
    let t = save_template(&state, &user, &key, expected, &body).await?;
    Ok(Json(t.to_json()))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_templates", "/api/v1/templates", api_templates),
        Route::get("api_template", "/api/v1/templates/{key}", api_template),
        Route::put(
            "api_template_update",
            "/api/v1/templates/{key}",
            api_template_update,
        ),
    ]
}
