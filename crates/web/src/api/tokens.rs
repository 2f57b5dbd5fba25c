//! One's own API tokens over the API: list them, create one (shown once, with its expiry).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::routes::Route;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chancery_app::accounts::NewToken;
use chancery_app::signin::{self, TokenInfo};
use chancery_domain::{FieldError, ValidationErrors};
use serde::Deserialize;
use serde_json::Value;

/// `POST /api/v1/tokens`: a name, and the days the token lives (default 90, at most 365).
#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    pub name: String,
    pub expires_in_days: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, description = "The user's own tokens (never the tokens themselves), with their expiry", body = Vec<TokenInfo>)))]
pub async fn api_tokens(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    Ok(Json(signin::own_tokens(&state, &user).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens",
    request_body = TokenRequest,
    responses(
        (status = 201, description = "Created: the token, shown only now, and when it expires", body = NewToken),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn api_token_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    let days = match body.get("expires_in_days") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            ApiError::from(chancery_app::AppError::Invalid(ValidationErrors::one(
                FieldError::new("expires_in_days", "a whole number of days"),
            )))
        })?),
    };
    let token = signin::create_own_token(&state, &user, name, days).await?;
    Ok((StatusCode::CREATED, Json(token)).into_response())
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_tokens", "/api/v1/tokens", api_tokens),
        Route::post("api_token_create", "/api/v1/tokens", api_token_create),
    ]
}
