//! Full-text search over the API.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use chancery_app::search::{SearchRequest, SearchResults, search};
use chancery_domain::ValidationErrors;

/// `GET /api/v1/search?q=...`: records the user may see that match, with facets.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(
        ("q" = String, Query, description = "words, \"phrases\", prefixes (migra*), AND, OR, NOT, -word, parentheses, title:word"),
        ("type" = Option<Vec<String>>, Query, description = "case, source, policy, engagement, report (repeat for any of several)"),
        ("country" = Option<Vec<String>>, Query, description = "ISO 3166-1 alpha-2"),
        ("post" = Option<Vec<String>>, Query, description = "post slug"),
        ("kind" = Option<Vec<String>>, Query, description = "the record's kind code"),
        ("status" = Option<Vec<String>>, Query, description = "the record's status code"),
        ("marking" = Option<Vec<String>>, Query, description = "U or SBU"),
        ("year" = Option<Vec<i64>>, Query, description = "the year of the record's date"),
        ("iccs" = Option<Vec<String>>, Query, description = "an ICCS section of a case's offences, 01 to 11"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "the record's date on or after, YYYY-MM-DD"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "the record's date on or before, YYYY-MM-DD"),
        ("sort" = Option<String>, Query, description = "relevance (default) or date"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 20"),
    ),
    responses(
        (status = 200, description = "A page of hits, the total and the facets, over what the user may see", body = SearchResults),
        (status = 403, description = "Administrators see no content", body = ValidationErrors),
        (status = 422, description = "A query that cannot be read, or a bad filter, named", body = ValidationErrors),
    ))]
pub async fn search_api(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResults>, ApiError> {
    let req = SearchRequest::from_query(raw.as_deref()).map_err(AppError::Invalid)?;
    Ok(Json(search(&state, &user, &req).await?))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![Route::get("api_search", "/api/v1/search", search_api)]
}
