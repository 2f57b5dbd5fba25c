//! Statistics over the API: the datasets and their releases, observations, and indicators
//! computed from them; and the query reading the statistics pages share with it.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{IdPath, JsonBody};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use chancery_app::datasets::{self, ReleaseInfo};
use chancery_app::statistics::{
    EvalError, IndicatorAnswer, IndicatorRequest, indicator, published,
};
use chancery_domain::{FieldError, ValidationErrors};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) fn may_read(user: &CurrentUser) -> Result<(), ApiError> {
    Ok(datasets::may_read(user)?)
}

pub(crate) fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default()
}

/// Dimension filters: each dimension with the codes it may take.
pub(crate) type DimFilters = Vec<(String, Vec<String>)>;

/// Filters from a query string: `release=N` and `dim=code[,code]` (repeatable).
pub(crate) fn filters(raw: Option<&str>) -> Result<(Option<i64>, DimFilters), ApiError> {
    let mut release = None;
    let mut dims: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs(raw) {
        if v.is_empty() {
            continue;
        }
        if k == "release" {
            release = Some(v.parse::<i64>().map_err(|_| {
                AppError::Invalid(FieldError::new("release", "must be a release id").into())
            })?);
        } else {
            dims.entry(k)
                .or_default()
                .extend(v.split(',').map(|c| c.trim().to_string()));
        }
    }
    Ok((release, dims.into_iter().collect()))
}

pub(crate) async fn release_of(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    release: Option<i64>,
) -> Result<ReleaseInfo, ApiError> {
    Ok(datasets::release(state, user, code, release).await?)
}

pub async fn api_datasets(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    may_read(&user)?;
    Ok(Json(json!(datasets::datasets(&state, &user).await?)))
}

pub async fn api_observations(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(code): IdPath,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    may_read(&user)?;
    let (release, dims) = filters(raw.as_deref())?;
    let rel = release_of(&state, &user, &code, release).await?;
    let rows = datasets::observations(&state, &user, &rel, &dims).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|o| json!({"id": o.id, "series": o.dims, "period": o.period, "value": o.value.map(published), "flags": o.flags}))
        .collect();
    Ok(Json(
        json!({"dataset": code, "release": rel, "observations": items}),
    ))
}

pub async fn api_indicator(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Json<IndicatorAnswer>, ApiError> {
    may_read(&user)?;
    let req: IndicatorRequest = serde_json::from_value(body).map_err(|e| {
        AppError::Invalid(ValidationErrors::one(FieldError::general(format!(
            "not an indicator request: {e}"
        ))))
    })?;
    match indicator(&state.app, &req).await {
        Ok(answer) => Ok(Json(answer)),
        Err(EvalError::Unmet(m)) => {
            Err(AppError::Invalid(ValidationErrors::one(FieldError::general(m))).into())
        }
        Err(EvalError::Store(e)) => Err(e.into()),
    }
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("api_datasets", "/api/v1/statistics/datasets", api_datasets),
        Route::get(
            "api_observations",
            "/api/v1/statistics/datasets/{code}/observations",
            api_observations,
        ),
        Route::post(
            "api_indicator",
            "/api/v1/statistics/indicators",
            api_indicator,
        ),
    ]
}
