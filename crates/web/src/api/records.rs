//! What the record handlers of the JSON API share: a page of records, one record with its
//! flags, and creating, updating and reading the history of a record of any type.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::if_match;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_app::access::{
    self, AppRecord, HistoryView, RecordView, audit_reads, load_visible, record_json,
};
use chancery_app::save;
use chancery_domain::Record;
use serde::Serialize;
use serde_json::Value;

use chancery_app::query::FromQuery;
pub(crate) fn with_etag(mut resp: Response, version: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// A page of the records of a type, its filters read from the query string.
pub(crate) async fn list_of<T: AppRecord>(
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
pub(crate) async fn flagged<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<T>,
) -> Result<access::FlaggedView, ApiError> {
    Ok(access::FlaggedView {
        record: record_json(record, user.principal.clearance()),
        flags: access::retracted_flags(state, &record.data).await?,
    })
}

pub(crate) async fn get_one<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> Result<Response, ApiError> {
    let record = load_visible::<T>(state, user, raw_id).await?;
    audit_reads(state, user, "read", &[&record]).await?;
    let body = flagged(state, user, &record).await?;
    Ok(with_etag(Json(body).into_response(), record.version))
}

pub(crate) async fn update_one<T: AppRecord>(
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

pub(crate) async fn history_of<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    let (_, items) = access::history::<T>(state, user, raw_id).await?;
    let clearance = user.principal.clearance();
    Ok(Json(items.iter().map(|i| i.view(clearance)).collect()))
}
