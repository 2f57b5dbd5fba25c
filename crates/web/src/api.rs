//! The JSON API under `/api/v1/`.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{CurrentActor, IdPath, JsonBody, if_match};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chancery_domain::{
    Actor, Case, CaseKind, Country, FieldError, Post, PostSlug, Record, RecordId, Source,
    SourceKind, ValidationErrors, VersionInfo,
};
use chancery_store::{CaseFilter, Page, SourceFilter, Versioned};
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(crate::openapi::openapi_json))
        .route("/api/v1/posts", get(list_posts))
        .route("/api/v1/cases", get(list_cases).post(create_case))
        .route("/api/v1/cases/{id}", get(get_case).put(update_case))
        .route("/api/v1/cases/{id}/history", get(case_history))
        .route("/api/v1/sources", get(list_sources).post(create_source))
        .route("/api/v1/sources/{id}", get(get_source).put(update_source))
        .route("/api/v1/sources/{id}/history", get(source_history))
}

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// A page of records: `next` is the cursor for the following page, or null on the last.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<Record<T>>,
    pub next: Option<String>,
}

impl<T> From<Page<T>> for ListResponse<T> {
    fn from(p: Page<T>) -> Self {
        ListResponse {
            items: p.items,
            next: p.next,
        }
    }
}

/// One version in a record's history: who wrote it when, its sha256 and its predecessor's,
/// and the record's data as of that version.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryEntry<T> {
    pub version: i64,
    pub author: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub content_hash: String,
    pub prev_hash: Option<String>,
    pub data: T,
}

impl<T> HistoryEntry<T> {
    fn new(info: VersionInfo, data: T) -> Self {
        HistoryEntry {
            version: info.version,
            author: info.author.to_string(),
            created_at: info.created_at,
            content_hash: info.content_hash,
            prev_hash: info.prev_hash,
            data,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

/// The query of a list: filters, cursor and limit, each checked and named when wrong.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub country: Option<Country>,
    pub kind: Option<String>,
    pub post: Option<PostSlug>,
    pub cursor: Option<String>,
    pub limit: u32,
}

impl ListQuery {
    /// Parses a raw query string; `allowed` lists the filters this list has.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<ListQuery, ValidationErrors> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
                ValidationErrors::one(FieldError::general(format!("unreadable query string: {e}")))
            })?;
        let mut q = ListQuery {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        };
        let mut errors = ValidationErrors::default();
        for (k, v) in pairs {
            if v.is_empty() {
                continue;
            }
            match k.as_str() {
                "cursor" => q.cursor = Some(v),
                "limit" => match v.parse::<u32>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => q.limit = n,
                    _ => errors.push(FieldError::new(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}"),
                    )),
                },
                "country" if allowed.contains(&"country") => match Country::parse(&v) {
                    Ok(c) => q.country = Some(c),
                    Err(e) => errors.push(FieldError::new("country", e.to_string())),
                },
                "post" if allowed.contains(&"post") => match PostSlug::parse(&v) {
                    Ok(p) => q.post = Some(p),
                    Err(e) => errors.push(FieldError::new("post", e)),
                },
                "kind" if allowed.contains(&"kind") => q.kind = Some(v),
                other => errors.push(FieldError::new(
                    other,
                    format!(
                        "unknown parameter; this list takes {}, cursor and limit",
                        allowed.join(", ")
                    ),
                )),
            }
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }

    pub fn case_filter(&self) -> Result<CaseFilter, ValidationErrors> {
        let kind = match &self.kind {
            None => None,
            Some(k) => Some(
                CaseKind::parse(k)
                    .map_err(|e| ValidationErrors::one(FieldError::new("kind", e)))?,
            ),
        };
        Ok(CaseFilter {
            country: self.country,
            kind,
            post: self.post.clone(),
            marking: None,
        })
    }

    pub fn source_filter(&self) -> Result<SourceFilter, ValidationErrors> {
        let kind = match &self.kind {
            None => None,
            Some(k) => Some(
                SourceKind::parse(k)
                    .map_err(|e| ValidationErrors::one(FieldError::new("kind", e)))?,
            ),
        };
        Ok(SourceFilter {
            kind,
            marking: None,
        })
    }
}

pub const CASE_FILTERS: &[&str] = &["country", "kind", "post"];
pub const SOURCE_FILTERS: &[&str] = &["kind"];

/// A record id from a path segment; anything else is a 404 (no such record).
pub fn parse_id(raw: &str, what: &str) -> Result<RecordId, ApiError> {
    raw.parse::<i64>()
        .ok()
        .and_then(RecordId::new)
        .ok_or_else(|| ApiError::NotFound(format!("no {what} with id {raw:?}")))
}

fn with_etag(mut resp: Response, version: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

fn created<T: Serialize>(record: &Record<T>, base: &str) -> Response {
    let mut resp = (StatusCode::CREATED, Json(record)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{base}/{}", record.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    with_etag(resp, record.version)
}

/// A record type the API serves: `Versioned` in the store, parsed and checked in the domain.
pub trait Resource: Versioned + Serialize + 'static {
    /// What one is called in messages: "case".
    const NAME: &'static str;
    /// Where the collection lives: "/api/v1/cases".
    const BASE: &'static str;

    fn parse(body: &serde_json::Value) -> Result<Self, ValidationErrors>;

    /// Rules between the stored record and its replacement.
    fn check_change(_current: &Self, _next: &Self) -> Result<(), ValidationErrors> {
        Ok(())
    }
}

impl Resource for Case {
    const NAME: &'static str = "case";
    const BASE: &'static str = "/api/v1/cases";

    fn parse(body: &serde_json::Value) -> Result<Self, ValidationErrors> {
        Case::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        current.check_change(next)
    }
}

impl Resource for Source {
    const NAME: &'static str = "source";
    const BASE: &'static str = "/api/v1/sources";

    fn parse(body: &serde_json::Value) -> Result<Self, ValidationErrors> {
        Source::from_json(body)
    }
}

fn not_found<T: Resource>(id: impl std::fmt::Display) -> ApiError {
    ApiError::NotFound(format!("no {} with id {id}", T::NAME))
}

async fn create_one<T: Resource>(
    state: &AppState,
    actor: &Actor,
    body: &serde_json::Value,
) -> Result<Response, ApiError> {
    let data = T::parse(body)?;
    let record = state.store.create(&data, actor).await?;
    Ok(created(&record, T::BASE))
}

async fn get_one<T: Resource>(state: &AppState, raw_id: &str) -> Result<Response, ApiError> {
    let id = parse_id(raw_id, T::NAME)?;
    let record = state
        .store
        .get::<T>(id)
        .await?
        .ok_or_else(|| not_found::<T>(id))?;
    Ok(with_etag(Json(&record).into_response(), record.version))
}

async fn update_one<T: Resource>(
    state: &AppState,
    raw_id: &str,
    headers: &HeaderMap,
    actor: &Actor,
    body: &serde_json::Value,
) -> Result<Response, ApiError> {
    let id = parse_id(raw_id, T::NAME)?;
    let expected = if_match(headers)?;
    let next = T::parse(body)?;
    let current = state
        .store
        .get::<T>(id)
        .await?
        .ok_or_else(|| not_found::<T>(id))?;
    T::check_change(&current.data, &next)?;
    let record = state.store.update(id, expected, &next, actor).await?;
    Ok(with_etag(Json(&record).into_response(), record.version))
}

async fn history_of<T: Resource>(
    state: &AppState,
    raw_id: &str,
) -> Result<Json<Vec<HistoryEntry<T>>>, ApiError> {
    let id = parse_id(raw_id, T::NAME)?;
    let h = state.store.history::<T>(id).await?;
    if h.is_empty() {
        return Err(not_found::<T>(id));
    }
    Ok(Json(
        h.into_iter()
            .map(|(info, data)| HistoryEntry::new(info, data))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, description = "The server and its database answer", body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok",
        database: state.store.backend().as_str(),
    }))
}

#[utoipa::path(get, path = "/api/v1/posts", tag = "posts",
    responses((status = 200, description = "All posts", body = [Post])))]
pub async fn list_posts(State(state): State<AppState>) -> Result<Json<Vec<Post>>, ApiError> {
    Ok(Json(state.store.list_posts().await?))
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
        (status = 200, description = "A page of cases, newest first", body = ListResponse<Case>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_cases(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListResponse<Case>>, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), CASE_FILTERS)?;
    let page = state
        .store
        .list::<Case>(&q.case_filter()?, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(page.into()))
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = Case,
    responses(
        (status = 201, description = "Created; ETag holds the version", body = Record<Case>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 413, description = "Body too large", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_case(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<Case>(&state, &actor, &body).await
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Record<Case>),
        (status = 404, description = "No such case", body = ValidationErrors),
    ))]
pub async fn get_case(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<Case>(&state, &id).await
}

#[utoipa::path(put, path = "/api/v1/cases/{id}", tag = "cases", request_body = Case,
    params(
        ("id" = i64, Path, description = "case id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Record<Case>),
        (status = 404, description = "No such case", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_case(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    CurrentActor(actor): CurrentActor,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<Case>(&state, &id, &headers, &actor, &body).await
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/history", tag = "cases",
    params(("id" = i64, Path, description = "case id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [HistoryEntry<Case>]),
        (status = 404, description = "No such case", body = ValidationErrors),
    ))]
pub async fn case_history(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryEntry<Case>>>, ApiError> {
    history_of::<Case>(&state, &id).await
}

#[utoipa::path(get, path = "/api/v1/sources", tag = "sources",
    params(
        ("kind" = Option<String>, Query, description = "court_judgment, official_statement, statistics_release, news_report, ngo_report, parliamentary_record, other"),
        ("cursor" = Option<String>, Query, description = "the `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 500, default 50"),
    ),
    responses(
        (status = 200, description = "A page of sources, newest first", body = ListResponse<Source>),
        (status = 422, description = "A bad filter, named", body = ValidationErrors),
    ))]
pub async fn list_sources(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ListResponse<Source>>, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), SOURCE_FILTERS)?;
    let page = state
        .store
        .list::<Source>(&q.source_filter()?, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(page.into()))
}

#[utoipa::path(post, path = "/api/v1/sources", tag = "sources", request_body = Source,
    responses(
        (status = 201, description = "Created; ETag holds the version", body = Record<Source>),
        (status = 400, description = "Malformed JSON", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn create_source(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    create_one::<Source>(&state, &actor, &body).await
}

#[utoipa::path(get, path = "/api/v1/sources/{id}", tag = "sources",
    params(("id" = i64, Path, description = "source id")),
    responses(
        (status = 200, description = "The current version; ETag holds it", body = Record<Source>),
        (status = 404, description = "No such source", body = ValidationErrors),
    ))]
pub async fn get_source(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    get_one::<Source>(&state, &id).await
}

#[utoipa::path(put, path = "/api/v1/sources/{id}", tag = "sources", request_body = Source,
    params(
        ("id" = i64, Path, description = "source id"),
        ("If-Match" = String, Header, description = "the version read, as its ETag: \"3\""),
    ),
    responses(
        (status = 200, description = "Updated; ETag holds the new version", body = Record<Source>),
        (status = 404, description = "No such source", body = ValidationErrors),
        (status = 409, description = "Another update came first", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn update_source(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    CurrentActor(actor): CurrentActor,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    update_one::<Source>(&state, &id, &headers, &actor, &body).await
}

#[utoipa::path(get, path = "/api/v1/sources/{id}/history", tag = "sources",
    params(("id" = i64, Path, description = "source id")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [HistoryEntry<Source>]),
        (status = 404, description = "No such source", body = ValidationErrors),
    ))]
pub async fn source_history(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<Vec<HistoryEntry<Source>>>, ApiError> {
    history_of::<Source>(&state, &id).await
}
