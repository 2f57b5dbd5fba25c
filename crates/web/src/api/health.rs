//! The server's health and the OpenAPI document.

use crate::AppState;
use crate::error::ApiError;
use crate::routes::Route;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, description = "The server and its database answer", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    Ok(Json(Health {
        status: "ok",
        database: chancery_app::posts::health(&state).await?,
    }))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("healthz", "/healthz", healthz).public(),
        Route::get(
            "openapi",
            "/api/v1/openapi.json",
            crate::openapi::openapi_json,
        ),
    ]
}
