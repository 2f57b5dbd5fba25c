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
#[utoipa::path(get, path = "/api/v1/cases/{id}/compare/{other}", tag = "cases",
    params(
        ("id" = i64, Path, description = "case A"),
        ("other" = i64, Path, description = "case B"),
    ),
    responses(
        (status = 200, description = "Every outcome of A against every outcome of B on each measure, the caveats, the published scale and its day conventions", body = CaseComparison),
        (status = 404, description = "No such case (or not visible)", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_compare(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(a, b): IdPair,
) -> Result<Json<CaseComparison>, ApiError> {
    Ok(Json(cases::comparison(&state, &user, &a, &b).await?))
}

/// `GET /api/v1/cases/summary?country=&kind=&post=`: SBU, computed over what the viewer sees.
#[utoipa::path(get, path = "/api/v1/cases/summary", tag = "cases",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 (EL and UK accepted)"),
        ("kind" = Option<chancery_domain::CaseKind>, Query, description = "the kind of case"),
        ("post" = Option<String>, Query, description = "post slug"),
    ),
    responses(
        (status = 200, description = "Counts by basis attribute and the median unconditional custody over the matching cases the viewer sees (SBU)", body = CaseSummary),
        (status = 403, description = "Summaries are SBU: SBU access is needed", body = chancery_domain::ValidationErrors),
        (status = 422, description = "A bad filter, named", body = chancery_domain::ValidationErrors),
    ))]
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
