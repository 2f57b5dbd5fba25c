//! The JSON API of case comparisons and group summaries (`chancery_app::cases`).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::IdPair;
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use chancery_app::cases::{self, CaseComparison};
use chancery_domain::case_summary::CaseSummary;

/// `GET /api/v1/cases/{id}/compare/{other}`: every outcome of one case against every outcome of
/// the other, on all three measures, with the caveats that apply and the published scale.
pub async fn api_compare(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(a, b): IdPair,
) -> Result<Json<CaseComparison>, ApiError> {
    Ok(Json(cases::comparison(&state, &user, &a, &b).await?))
}

/// `GET /api/v1/cases/summary?country=&kind=&post=`: SBU, computed over what the viewer sees.
pub async fn api_summary(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<CaseSummary>, ApiError> {
    Ok(Json(cases::summary(&state, &user, raw.as_deref()).await?))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "api_case_compare",
            "/api/v1/cases/{id}/compare/{other}",
            api_compare,
        ),
        Route::get("api_case_summary", "/api/v1/cases/summary", api_summary),
    ]
}
