//! The JSON API under `/api/v1/`.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{IdPath, JsonBody, if_match};
use crate::openapi::{CaseShown, Flagged, Input, Page, PolicyInForce, Version};
use crate::routes::Route;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::access::{
    self, AppRecord, HistoryView, RecordView, audit_reads, load_visible, record_json,
};
use chancery_app::save;
use chancery_domain::{Case, FieldError, Post, Record, Source, ValidationErrors};
use serde::Serialize;
use serde_json::{Value, json};

use chancery_app::query::FromQuery;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

pub(crate) fn with_etag(mut resp: Response, version: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// A page of the records of a type, its filters read from the query string.
async fn list_of<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw: Option<&str>,
) -> Result<Json<ListView>, ApiError>
where
    T::Filter: FromQuery,
{
    let (filter, q) = T::Filter::from_query(raw)?;
    let page = access::list::<T>(state, user, filter, q.cursor.as_deref(), q.limit).await?;
    let clearance = user.principal.clearance();
    Ok(Json(ListView {
        items: page
            .items
            .iter()
            .map(|r| record_json(r, clearance))
            .collect(),
        next: page.next,
    }))
}

/// A page of records as the API answers it.
#[derive(Serialize)]
pub struct ListView {
    pub items: Vec<RecordView>,
    pub next: Option<String>,
}

pub(crate) async fn create_one<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    body: &Value,
) -> Result<Response, ApiError> {
    let record = save::create::<T>(state, user, body).await?;
    let mut resp = (
        StatusCode::CREATED,
        Json(flagged(state, user, &record).await?),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{}/{}", T::BASE, record.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(with_etag(resp, record.version))
}

/// A record as the API answers a single one: with its flags (retracted sources it cites).
async fn flagged<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<T>,
) -> Result<access::FlaggedView, ApiError> {
    Ok(access::FlaggedView {
        record: record_json(record, user.principal.clearance()),
        flags: access::retracted_flags(state, &record.data).await?,
    })
}

async fn get_one<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> Result<Response, ApiError> {
    let record = load_visible::<T>(state, user, raw_id).await?;
    audit_reads(state, user, "read", &[&record]).await?;
    let body = flagged(state, user, &record).await?;
    Ok(with_etag(Json(body).into_response(), record.version))
}

async fn update_one<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    headers: &HeaderMap,
    body: &Value,
) -> Result<Response, ApiError> {
    let current = load_visible::<T>(state, user, raw_id).await?;
    let expected = if_match(headers)?;
    let record = save::update(state, user, &current, Some(expected), body).await?;
    let body = flagged(state, user, &record).await?;
    Ok(with_etag(Json(body).into_response(), record.version))
}

async fn history_of<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    let (_, items) = access::history::<T>(state, user, raw_id).await?;
    let clearance = user.principal.clearance();
    Ok(Json(items.iter().map(|i| i.view(clearance)).collect()))
}

#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, description = "The server and its database answer", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    Ok(Json(Health {
        status: "ok",
        database: chancery_app::posts::health(&state).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/posts", tag = "posts",
    responses((status = 200, description = "All posts", body = [Post])))]
pub async fn list_posts(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<Post>>, ApiError> {
    Ok(Json(chancery_app::posts::list(&state, &user).await?))
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 (EL and UK accepted)"),
        ("kind" = Option<String>, Query, description = "criminal_case, speech_case, immigration_decision, public_safety_incident, inquiry"),
        ("post" = Option<String>, Query, description = "post slug"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of cases, newest first", body = Page<CaseShown>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListView>, ApiError> {
    list_of::<Case>(&state, &user, raw.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = Input<Case>,
    responses(
        (status = 201, description = "Created; ETag holds the version, Location the record", body = Flagged<CaseShown>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 413, description = "Body too large", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<Case>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Flagged<CaseShown>),
        (status = 404, description = "No such case", body = ValidationErrors),
    ))]
pub async fn get_case(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<Case>(&state, &user, &id).await
}

#[utoipa::path(put, path = "/api/v1/cases/{id}", tag = "cases", request_body = Input<Case>,
    params(
        ("id" = i64, Path, description = "case id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Flagged<CaseShown>),
        (status = 404, description = "No such case", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_case(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<Case>(&state, &user, &id, &headers, &body).await
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/history", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [Version<CaseShown>]),
        (status = 404, description = "No such case", body = ValidationErrors),
    ))]
pub async fn case_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    history_of::<Case>(&state, &user, &id).await
}

#[utoipa::path(get, path = "/api/v1/sources", tag = "sources",
    params(
        ("kind" = Option<String>, Query, description = "court_judgment, official_statement, statistics_release, news_report, ngo_report, parliamentary_record, other"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of sources, newest first", body = Page<Source>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_sources(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListView>, ApiError> {
    list_of::<Source>(&state, &user, raw.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/sources", tag = "sources", request_body = Input<Source>,
    responses(
        (status = 201, description = "Created; ETag holds the version, Location the record", body = Flagged<Source>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_source(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<Source>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/sources/{id}", tag = "sources",
    params(("id" = i64, Path, description = "source id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Flagged<Source>),
        (status = 404, description = "No such source", body = ValidationErrors),
    ))]
pub async fn get_source(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<Source>(&state, &user, &id).await
}

#[utoipa::path(put, path = "/api/v1/sources/{id}", tag = "sources", request_body = Input<Source>,
    params(
        ("id" = i64, Path, description = "source id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Flagged<Source>),
        (status = 404, description = "No such source", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_source(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<Source>(&state, &user, &id, &headers, &body).await
}

#[utoipa::path(get, path = "/api/v1/sources/{id}/history", tag = "sources",
    params(("id" = i64, Path, description = "source id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [Version<Source>]),
        (status = 404, description = "No such source", body = ValidationErrors),
    ))]
pub async fn source_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    history_of::<Source>(&state, &user, &id).await
}

// ---------------------------------------------------------------- policies and engagements

#[utoipa::path(get, path = "/api/v1/policies", tag = "policies",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 (EL and UK accepted)"),
        ("post" = Option<String>, Query, description = "post slug"),
        ("area" = Option<chancery_domain::PolicyArea>, Query, description = "the area the policy governs"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of policies, newest first", body = Page<chancery_domain::Policy>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_policies(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListView>, ApiError> {
    list_of::<chancery_domain::Policy>(&state, &user, raw.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/policies", tag = "policies", request_body = Input<chancery_domain::Policy>,
    responses(
        (status = 201, description = "Created; ETag holds the version, Location the record", body = Flagged<chancery_domain::Policy>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 403, description = "Not this account's to create", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_policy(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<chancery_domain::Policy>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/policies/{id}", tag = "policies",
    params(("id" = i64, Path, description = "policy id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Flagged<chancery_domain::Policy>),
        (status = 404, description = "No such policy", body = ValidationErrors),
    ))]
pub async fn get_policy(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<chancery_domain::Policy>(&state, &user, &id).await
}

#[utoipa::path(put, path = "/api/v1/policies/{id}", tag = "policies", request_body = Input<chancery_domain::Policy>,
    params(
        ("id" = i64, Path, description = "policy id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Flagged<chancery_domain::Policy>),
        (status = 404, description = "No such policy", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_policy(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<chancery_domain::Policy>(&state, &user, &id, &headers, &body).await
}

#[utoipa::path(get, path = "/api/v1/policies/{id}/history", tag = "policies",
    params(("id" = i64, Path, description = "policy id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [Version<chancery_domain::Policy>]),
        (status = 404, description = "No such policy", body = ValidationErrors),
    ))]
pub async fn policy_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    history_of::<chancery_domain::Policy>(&state, &user, &id).await
}

/// `GET /api/v1/policies/{id}/in-force?date=YYYY-MM-DD`: the version in force on that day.
#[utoipa::path(get, path = "/api/v1/policies/{id}/in-force", tag = "policies",
    params(
        ("id" = i64, Path, description = "policy id"),
        ("date" = chrono::NaiveDate, Query, description = "the day, YYYY-MM-DD"),
    ),
    responses(
        (status = 200, description = "The version in force that day (null when none was)", body = PolicyInForce),
        (status = 404, description = "No such policy", body = ValidationErrors),
        (status = 422, description = "The date missing or not YYYY-MM-DD", body = ValidationErrors),
    ))]
pub async fn policy_in_force(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let record = load_visible::<chancery_domain::Policy>(&state, &user, &id).await?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let day = pairs
        .iter()
        .find(|(k, _)| k == "date")
        .and_then(|(_, v)| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            AppError::Invalid(FieldError::new("date", "give the day as date=YYYY-MM-DD").into())
        })?;
    audit_reads(&state, &user, "read", &[&record]).await?;
    let version = record.data.in_force_on(day);
    Ok(Json(
        json!({"policy": record.id, "date": day, "in_force": version}),
    ))
}

#[utoipa::path(get, path = "/api/v1/engagements", tag = "engagements",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2 (EL and UK accepted)"),
        ("post" = Option<String>, Query, description = "post slug"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of engagements, newest first", body = Page<chancery_domain::Engagement>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_engagements(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListView>, ApiError> {
    list_of::<chancery_domain::Engagement>(&state, &user, raw.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/engagements", tag = "engagements", request_body = Input<chancery_domain::Engagement>,
    responses(
        (status = 201, description = "Created; ETag holds the version, Location the record", body = Flagged<chancery_domain::Engagement>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 403, description = "Not this account's to create", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_engagement(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<chancery_domain::Engagement>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/engagements/{id}", tag = "engagements",
    params(("id" = i64, Path, description = "engagement id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Flagged<chancery_domain::Engagement>),
        (status = 404, description = "No such engagement", body = ValidationErrors),
    ))]
pub async fn get_engagement(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<chancery_domain::Engagement>(&state, &user, &id).await
}

#[utoipa::path(put, path = "/api/v1/engagements/{id}", tag = "engagements", request_body = Input<chancery_domain::Engagement>,
    params(
        ("id" = i64, Path, description = "engagement id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Flagged<chancery_domain::Engagement>),
        (status = 404, description = "No such engagement", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_engagement(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<chancery_domain::Engagement>(&state, &user, &id, &headers, &body).await
}

#[utoipa::path(get, path = "/api/v1/engagements/{id}/history", tag = "engagements",
    params(("id" = i64, Path, description = "engagement id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [Version<chancery_domain::Engagement>]),
        (status = 404, description = "No such engagement", body = ValidationErrors),
    ))]
pub async fn engagement_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    history_of::<chancery_domain::Engagement>(&state, &user, &id).await
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
        Route::get("api_posts", "/api/v1/posts", list_posts),
        Route::get("api_cases", "/api/v1/cases", list_cases),
        Route::post("api_case_create", "/api/v1/cases", create_case),
        Route::get("api_case", "/api/v1/cases/{id}", get_case),
        Route::put("api_case_update", "/api/v1/cases/{id}", update_case),
        Route::get(
            "api_case_history",
            "/api/v1/cases/{id}/history",
            case_history,
        ),
        Route::get("api_sources", "/api/v1/sources", list_sources),
        Route::post("api_source_create", "/api/v1/sources", create_source),
        Route::get("api_source", "/api/v1/sources/{id}", get_source),
        Route::put("api_source_update", "/api/v1/sources/{id}", update_source),
        Route::get(
            "api_source_history",
            "/api/v1/sources/{id}/history",
            source_history,
        ),
        Route::get("api_policies", "/api/v1/policies", list_policies),
        Route::post("api_policy_create", "/api/v1/policies", create_policy),
        Route::get("api_policy", "/api/v1/policies/{id}", get_policy),
        Route::put("api_policy_update", "/api/v1/policies/{id}", update_policy),
        Route::get(
            "api_policy_history",
            "/api/v1/policies/{id}/history",
            policy_history,
        ),
        Route::get(
            "api_policy_in_force",
            "/api/v1/policies/{id}/in-force",
            policy_in_force,
        ),
        Route::get("api_engagements", "/api/v1/engagements", list_engagements),
        Route::post(
            "api_engagement_create",
            "/api/v1/engagements",
            create_engagement,
        ),
        Route::get("api_engagement", "/api/v1/engagements/{id}", get_engagement),
        Route::put(
            "api_engagement_update",
            "/api/v1/engagements/{id}",
            update_engagement,
        ),
        Route::get(
            "api_engagement_history",
            "/api/v1/engagements/{id}/history",
            engagement_history,
        ),
    ]
}
