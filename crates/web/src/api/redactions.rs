//! Redaction requests over the API: list, request, read, decide. Requests are SBU (their
//! reason may repeat the text), so only the roles with SBU access see them.

use crate::AppState;
use crate::api::records::create_one;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{IdPath, JsonBody};
use crate::routes::Route;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chancery_app::access::{RecordView, load_visible, record_json};
use chancery_app::redactions;
use chancery_domain::{RedactionRequest, ValidationErrors};
use serde_json::Value;

#[utoipa::path(get, path = "/api/v1/redactions", tag = "redactions",
    responses(
        (status = 200, description = "The redaction requests the user may see (one page: `next` is always null)", body = crate::openapi::Page<RedactionRequest>),
        (status = 403, description = "Not this account's to see", body = ValidationErrors),
    ))]
pub async fn api_list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<crate::api::records::ListView>, ApiError> {
    let items = redactions::requests(&state, &user)
        .await?
        .iter()
        .map(|r| record_json(r, user.principal.clearance()))
        .collect();
    Ok(Json(crate::api::records::ListView { items, next: None }))
}

#[utoipa::path(post, path = "/api/v1/redactions", tag = "redactions",
    request_body = crate::openapi::Input<RedactionRequest>,
    responses(
        (status = 201, description = "Requested; ETag holds the version, Location the request", body = crate::openapi::Flagged<RedactionRequest>),
        (status = 403, description = "Not this account's to request", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn api_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    redactions::may_request(&user)?;
    create_one::<RedactionRequest>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/redactions/{id}", tag = "redactions",
    params(("id" = i64, Path, description = "redaction request id")),
    responses(
        (status = 200, description = "The request", body = crate::openapi::Shown<RedactionRequest>),
        (status = 404, description = "No such request (or not visible)", body = ValidationErrors),
    ))]
pub async fn api_get(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<RecordView>, ApiError> {
    let record = load_visible::<RedactionRequest>(&state, &user, &id).await?;
    chancery_app::access::audit_reads(&state, &user, "read", &[&record]).await?;
    Ok(Json(record_json(&record, user.principal.clearance())))
}

/// `POST /api/v1/redactions/{id}/decision` with `{"decision": "approve" | "reject"}` and
/// `If-Match` naming the request's version.
#[utoipa::path(post, path = "/api/v1/redactions/{id}/decision", tag = "redactions",
    request_body = crate::openapi::DecisionRequest,
    params(
        ("id" = i64, Path, description = "redaction request id"),
        ("If-Match" = String, Header, description = "the request's version, as its ETag: \"1\""),
    ),
    responses(
        (status = 200, description = "Approved (and applied to every stored version of the field) or rejected", body = redactions::Decision),
        (status = 403, description = "Not this account's to decide", body = ValidationErrors),
        (status = 404, description = "No such request", body = ValidationErrors),
        (status = 409, description = "The request changed, or was decided, since it was read", body = ValidationErrors),
        (status = 422, description = "A decision other than approve or reject", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn api_decide(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Json<redactions::Decision>, ApiError> {
    let approve = match body.get("decision").and_then(Value::as_str) {
        Some("approve") => true,
        Some("reject") => false,
        _ => {
            return Err(AppError::Invalid(
                chancery_domain::FieldError::new("decision", "must be \"approve\" or \"reject\"")
                    .into(),
            )
            .into());
        }
    };
    let expected = crate::extract::if_match(&headers)?;
    let applied = redactions::decide(&state, &user, &id, expected, approve).await?;
    Ok(Json(redactions::Decision::new(applied, approve)))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_redactions", "/api/v1/redactions", api_list),
        Route::post("api_redaction_create", "/api/v1/redactions", api_create),
        Route::get("api_redaction", "/api/v1/redactions/{id}", api_get),
        Route::post(
            "api_redaction_decide",
            "/api/v1/redactions/{id}/decision",
            api_decide,
        ),
    ]
}
