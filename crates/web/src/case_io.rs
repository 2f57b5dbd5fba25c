//! Cases out and in: CSV, JSON and NDJSON. Exports show each case as the viewer may see it and
//! never carry victim parties. Imports are all-or-nothing: every row is parsed, checked for
//! permission and quotes, then all are stored in one transaction; errors name row and column.

use crate::AppState;
use crate::access::{ApiRecord, audit_reads, check_create, record_json};
use crate::auth::CurrentUser;
use crate::case_analysis::visible_cases;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_domain::{Case, FieldError, Record, ValidationErrors};
use chancery_store::StoreError;
use serde_json::{Map, Value, json};

/// The CSV columns: scalar members as text, nested members as JSON text.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "version",
    "post",
    "kind",
    "country",
    "title",
    "summary",
    "summary_marking",
    "date",
    "status",
    "marking",
    "citations",
    "links",
    "jurisdiction",
    "court",
    "reference",
    "timeline",
    "offences",
    "tags",
    "parties",
    "outcomes",
    "incident",
];

/// Read-only columns an import ignores (they describe the stored record).
const READ_ONLY: &[&str] = &["id", "version"];

fn export_value(r: &Record<Case>, user: &CurrentUser) -> Value {
    let public = Record {
        data: r.data.without_victims(),
        ..r.clone()
    };
    let mut v = record_json(&public, user.principal.clearance());
    if let Value::Object(m) = &mut v {
        for k in ["created_at", "created_by", "updated_at", "updated_by"] {
            m.remove(k);
        }
    }
    v
}

fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `GET /api/v1/cases/export?format=csv|json|ndjson` (plus the list filters).
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut format = "json".to_string();
    let mut rest: Vec<(String, String)> = Vec::new();
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::BadRequest(format!("unreadable query string: {e}")))?
    {
        if k == "format" {
            format = v;
        } else {
            rest.push((k, v));
        }
    }
    let filter_query = serde_urlencoded::to_string(&rest).unwrap_or_default();
    let cases = visible_cases(&state, &user, Some(&filter_query)).await?;
    let shown: Vec<&Record<Case>> = cases.iter().collect();
    audit_reads(&state, &user, "export", &shown).await?;
    let values: Vec<Value> = cases.iter().map(|c| export_value(c, &user)).collect();
    let (body, media, ext) = match format.as_str() {
        "json" => (
            serde_json::to_string_pretty(&values).unwrap_or_default(),
            "application/json",
            "json",
        ),
        "ndjson" => (
            values.iter().map(|v| format!("{v}\n")).collect::<String>(),
            "application/x-ndjson",
            "ndjson",
        ),
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(CSV_COLUMNS.iter().chain(["withheld"].iter()))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            for v in &values {
                let row: Vec<String> = CSV_COLUMNS
                    .iter()
                    .chain(["withheld"].iter())
                    .map(|c| csv_cell(&v[*c]))
                    .collect();
                w.write_record(&row)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
            }
            let bytes = w
                .into_inner()
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            (
                String::from_utf8_lossy(&bytes).into_owned(),
                "text/csv",
                "csv",
            )
        }
        other => {
            return Err(ApiError::Invalid(ValidationErrors::one(FieldError::new(
                "format",
                format!("{other:?}: choose csv, json or ndjson"),
            ))));
        }
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"cases.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// The rows of an import body as JSON objects, each with its row number (1-based data rows; a
/// CSV's header is row 1, so its first data row is 2) and, for CSV, the column of each member.
fn rows_of(media: &str, body: &[u8]) -> Result<Vec<(usize, Value)>, ValidationErrors> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ValidationErrors::one(FieldError::general(format!(
            "the body is not UTF-8 (byte {})",
            e.valid_up_to()
        )))
    })?;
    let general = |m: String| ValidationErrors::one(FieldError::general(m));
    match media {
        "application/json" => {
            let v: Value =
                serde_json::from_str(text).map_err(|e| general(format!("malformed JSON: {e}")))?;
            let Value::Array(items) = v else {
                return Err(general("expected a JSON array of cases".into()));
            };
            Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i + 1, v))
                .collect())
        }
        "application/x-ndjson" => {
            let mut out = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    ValidationErrors::one(FieldError::new(
                        format!("line {}", i + 1),
                        format!("malformed JSON: {e}"),
                    ))
                })?;
                out.push((i + 1, v));
            }
            Ok(out)
        }
        "text/csv" => {
            let mut rd = csv::ReaderBuilder::new()
                .flexible(false)
                .from_reader(text.as_bytes());
            let headers = rd
                .headers()
                .map_err(|e| general(format!("unreadable CSV header: {e}")))?
                .clone();
            let mut errors = ValidationErrors::default();
            for h in headers.iter() {
                if !CSV_COLUMNS.contains(&h) && h != "withheld" {
                    errors.push(FieldError::new(
                        format!("row 1, column {h}"),
                        "unknown column",
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            let mut out = Vec::new();
            for (i, rec) in rd.records().enumerate() {
                let row = i + 2;
                let rec = rec.map_err(|e| {
                    ValidationErrors::one(FieldError::new(format!("row {row}"), e.to_string()))
                })?;
                let mut obj = Map::new();
                for (h, cell) in headers.iter().zip(rec.iter()) {
                    if cell.is_empty() || READ_ONLY.contains(&h) || h == "withheld" {
                        continue;
                    }
                    let nested = matches!(
                        h,
                        "date"
                            | "citations"
                            | "links"
                            | "court"
                            | "timeline"
                            | "offences"
                            | "tags"
                            | "parties"
                            | "outcomes"
                            | "incident"
                    );
                    let v = if nested {
                        serde_json::from_str(cell).map_err(|e| {
                            ValidationErrors::one(FieldError::new(
                                format!("row {row}, column {h}"),
                                format!("expected JSON: {e}"),
                            ))
                        })?
                    } else {
                        Value::String(cell.to_string())
                    };
                    obj.insert(h.to_string(), v);
                }
                out.push((row, Value::Object(obj)));
            }
            Ok(out)
        }
        _ => Err(general(format!(
            "unsupported content type {media:?}: send text/csv, application/json or application/x-ndjson"
        ))),
    }
}

/// `POST /api/v1/cases/import`: all rows or none. Errors read `row 3: parties[0].age[0].value`.
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    crate::access::check_open(&user, chancery_domain::Action::Create, &Case::collection())?;
    let media = crate::extract::media_type(&headers);
    let rows = rows_of(&media, &body).map_err(ApiError::Invalid)?;
    if rows.is_empty() {
        return Err(ApiError::Invalid(ValidationErrors::one(
            FieldError::general("no cases in the body"),
        )));
    }
    let mut errors = ValidationErrors::default();
    let mut cases = Vec::new();
    let mut row_of = Vec::new();
    for (row, mut v) in rows {
        if let Value::Object(m) = &mut v {
            for k in ["id", "version", "content_hash", "withheld"] {
                m.remove(k);
            }
        }
        let at = |f: Option<String>| match f {
            Some(f) if !f.is_empty() => format!("row {row}: {f}"),
            _ => format!("row {row}"),
        };
        match Case::parse(&v) {
            Ok(c) => {
                if let Err(e) = check_create(&user, &c) {
                    match e {
                        ApiError::Invalid(es) => {
                            for mut e in es.errors {
                                e.field = Some(at(e.field));
                                errors.push(e);
                            }
                        }
                        ApiError::Forbidden(m) | ApiError::NotFound(m) => {
                            errors.push(FieldError::new(at(Some("post".into())), m))
                        }
                        other => return Err(other),
                    }
                    continue;
                }
                if let Err(ApiError::Invalid(es)) = crate::archive::check_quotes(&state, &c).await {
                    for mut e in es.errors {
                        e.field = Some(at(e.field));
                        errors.push(e);
                    }
                    continue;
                }
                cases.push(c);
                row_of.push(row);
            }
            Err(es) => {
                for mut e in es.errors {
                    e.field = Some(at(e.field));
                    errors.push(e);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let ids = match state.store.create_many(&cases, &user.ctx()).await {
        Ok(ids) => ids,
        Err(StoreError::Invalid(es)) => {
            let mut out = ValidationErrors::default();
            for mut e in es.errors {
                let f = e.field.unwrap_or_default();
                let (idx, rest) = f
                    .strip_prefix('[')
                    .and_then(|r| r.split_once("]."))
                    .and_then(|(i, rest)| i.parse::<usize>().ok().map(|i| (i, rest.to_string())))
                    .unwrap_or((0, f.clone()));
                e.field = Some(format!(
                    "row {}: {rest}",
                    row_of.get(idx).copied().unwrap_or(0)
                ));
                out.push(e);
            }
            return Err(ApiError::Invalid(out));
        }
        Err(e) => return Err(e.into()),
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({"imported": ids.len(), "ids": ids})),
    )
        .into_response())
}
