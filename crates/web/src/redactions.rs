//! Redaction requests: an administrator asks for a field to be removed from every stored
//! version of a record; an HQ editor approves (which applies it) or rejects. Requests are SBU
//! (their reason may repeat the text), so only those roles with SBU access see them.

use crate::AppState;
use crate::routes::Route;
use chancery_app::access::{RecordView, check, check_open, load_visible, record_json};
use chancery_app::{redactions, save};

use crate::api::create_one;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{FormBody, IdPath, JsonBody};
use crate::pages::{PageResult, render, see_other};
use crate::views::{FormState, PageMeta, pairs};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chancery_domain::input::form_to_json;
use chancery_domain::{
    Action, Marking, RedactionRequest, RedactionStatus, Resource, ResourceKind, ValidationErrors,
};
use serde_json::Value;

fn collection() -> Resource<'static> {
    Resource::of(ResourceKind::Redaction)
}

#[utoipa::path(get, path = "/api/v1/redactions", tag = "redactions",
    responses(
        (status = 200, description = "The redaction requests the user may see (one page: `next` is always null)", body = crate::openapi::Page<RedactionRequest>),
        (status = 403, description = "Not this account's to see", body = ValidationErrors),
    ))]
pub async fn api_list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<crate::api::ListView>, ApiError> {
    let items = redactions::requests(&state, &user)
        .await?
        .iter()
        .map(|r| record_json(r, user.principal.clearance()))
        .collect();
    Ok(Json(crate::api::ListView { items, next: None }))
}

#[utoipa::path(post, path = "/api/v1/redactions", tag = "redactions",
    request_body = crate::openapi::Input<RedactionRequest>,
    responses(
        (status = 201, description = "Requested; ETag holds the version, Location the request", body = crate::openapi::Flagged<RedactionRequest>),
        (status = 403, description = "Not this account's to request", body = ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = ValidationErrors),
    ))]
pub async fn api_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    redactions::may_request(&user)?;
    create_one::<RedactionRequest>(&state, &user, &body).await
}

#[utoipa::path(get, path = "/api/v1/redactions/{id}", tag = "redactions",
    params(("id" = i64, Path, description = "redaction request id")),
    responses(
        (status = 200, description = "The request", body = crate::openapi::Shown<RedactionRequest>),
        (status = 404, description = "No such request (or not visible)", body = ValidationErrors),
    ))]
pub async fn api_get(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<RecordView>, ApiError> {
    let record = load_visible::<RedactionRequest>(&state, &user, &id).await?;
    chancery_app::access::audit_reads(&state, &user, "read", &[&record]).await?;
    Ok(Json(record_json(&record, user.principal.clearance())))
}

/// `POST /api/v1/redactions/{id}/decision` with `{"decision": "approve" | "reject"}` and
/// `If-Match` naming the request's version.
#[utoipa::path(post, path = "/api/v1/redactions/{id}/decision", tag = "redactions",
    request_body = crate::openapi::DecisionRequest,
    params(
        ("id" = i64, Path, description = "redaction request id"),
        ("If-Match" = String, Header, description = "the request's version, as its ETag: \"1\""),
    ),
    responses(
        (status = 200, description = "Approved (and applied to every stored version of the field) or rejected", body = redactions::Decision),
        (status = 403, description = "Not this account's to decide", body = ValidationErrors),
        (status = 404, description = "No such request", body = ValidationErrors),
        (status = 409, description = "The request changed, or was decided, since it was read", body = ValidationErrors),
        (status = 422, description = "A decision other than approve or reject", body = ValidationErrors),
        (status = 428, description = "If-Match missing", body = ValidationErrors),
    ))]
pub async fn api_decide(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Json<redactions::Decision>, ApiError> {
    let approve = match body.get("decision").and_then(Value::as_str) {
        Some("approve") => true,
        Some("reject") => false,
        _ => {
            return Err(AppError::Invalid(
                chancery_domain::FieldError::new("decision", "must be \"approve\" or \"reject\"")
                    .into(),
            )
            .into());
        }
    };
    let expected = crate::extract::if_match(&headers)?;
    let applied = redactions::decide(&state, &user, &id, expected, approve).await?;
    Ok(Json(redactions::Decision::new(applied, approve)))
}

// ---------------------------------------------------------------- pages

pub struct RequestRow {
    pub id: i64,
    pub target: String,
    pub field: String,
    pub status: &'static str,
    pub requested: String,
}

#[derive(Template)]
#[template(path = "redactions.html")]
pub struct ListPage {
    pub page: PageMeta,
    pub rows: Vec<RequestRow>,
    pub can_request: bool,
}

pub async fn list_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    let rows = redactions::requests(&state, &user)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("no such page".into()),
            other => other,
        })?
        .iter()
        .map(|r| RequestRow {
            id: r.id.get(),
            target: format!("{} {}", r.data.record_type.as_str(), r.data.record_id),
            field: r.data.field.clone(),
            status: r.data.status.as_str(),
            requested: format!(
                "{} by {}",
                r.created_at.format("%Y-%m-%d %H:%M UTC"),
                r.created_by
            ),
        })
        .collect();
    let can_request = check_open(&user, Action::RequestRedaction, &collection()).is_ok();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page: PageMeta::new("Redactions", Marking::SBU, &user),
            rows,
            can_request,
        },
    ))
}

#[derive(Template)]
#[template(path = "redaction_form.html")]
pub struct FormPage {
    pub page: PageMeta,
    pub errors: Vec<String>,
    pub record_type: crate::views::SelectField,
    pub record_id: crate::views::Field,
    pub field: crate::views::Field,
    pub reason: crate::views::Field,
}

fn form_page(user: &CurrentUser, values: &Value, errors: &ValidationErrors) -> FormPage {
    let form = FormState { values, errors };
    let types = pairs([
        ("case", "Case"),
        ("source", "Source"),
        ("redaction_request", "Redaction request"),
    ]);
    FormPage {
        page: PageMeta::new("Request a redaction", Marking::SBU, user),
        errors: form.summary(),
        record_type: form.select("record_type", &types, Some("(choose)")),
        record_id: form.text("record_id"),
        field: form.text("field"),
        reason: form.text("reason"),
    }
}

pub async fn new_page(
    user: CurrentUser,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> PageResult {
    check(&user, Action::RequestRedaction, &collection(), || {
        "no such page".into()
    })?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let values = form_to_json(&pairs);
    Ok(render(
        StatusCode::OK,
        &form_page(&user, &values, &ValidationErrors::default()),
    ))
}

pub async fn create_form(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(form): FormBody,
) -> PageResult {
    check(&user, Action::RequestRedaction, &collection(), || {
        "no such page".into()
    })?;
    let values = form_to_json(&form);
    let errors = match save::create::<RedactionRequest>(&state, &user, &values).await {
        Ok(r) => return Ok(see_other(format!("/redactions/{}", r.id))),
        Err(AppError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_page(&user, &values, &errors),
    ))
}

#[derive(Template)]
#[template(path = "redaction_view.html")]
pub struct ViewPage {
    pub page: PageMeta,
    pub id: i64,
    pub version: i64,
    pub target: String,
    pub target_href: String,
    pub field: String,
    pub reason: String,
    pub status: &'static str,
    pub pending: bool,
    pub can_decide: bool,
    pub requested: String,
}

pub async fn view_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let r = load_visible::<RedactionRequest>(&state, &user, &id).await?;
    chancery_app::access::audit_reads(&state, &user, "read", &[&r]).await?;
    let target_href = match r.data.record_type {
        chancery_domain::redaction::RedactableType::Case => format!("/cases/{}", r.data.record_id),
        chancery_domain::redaction::RedactableType::Source => {
            format!("/sources/{}", r.data.record_id)
        }
        chancery_domain::redaction::RedactableType::RedactionRequest => {
            format!("/redactions/{}", r.data.record_id)
        }
    };
    let t = ViewPage {
        page: PageMeta::new(format!("Redaction request {}", r.id), Marking::SBU, &user),
        id: r.id.get(),
        version: r.version,
        target: format!("{} {}", r.data.record_type.as_str(), r.data.record_id),
        target_href,
        field: r.data.field.clone(),
        reason: r.data.reason.to_string(),
        status: r.data.status.as_str(),
        pending: r.data.status == RedactionStatus::Requested,
        can_decide: check_open(&user, Action::DecideRedaction, &collection()).is_ok(),
        requested: format!(
            "{} by {}",
            r.created_at.format("%Y-%m-%d %H:%M UTC"),
            r.created_by
        ),
    };
    Ok(render(StatusCode::OK, &t))
}

pub async fn decide_form(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(form): FormBody,
) -> PageResult {
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let approve = match field("decision") {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(AppError::Invalid(
                chancery_domain::FieldError::new("decision", "approve or reject").into(),
            )
            .into());
        }
    };
    let expected = field("version")
        .parse::<i64>()
        .map_err(|_| AppError::PreconditionRequired)?;
    redactions::decide(&state, &user, &id, expected, approve).await?;
    Ok(see_other(format!("/redactions/{id}")))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("redactions_page", "/redactions", list_page),
        Route::get("redaction_new", "/redactions/new", new_page),
        Route::post("redaction_create", "/redactions", create_form),
        Route::get("redaction_page", "/redactions/{id}", view_page),
        Route::post("redaction_decide", "/redactions/{id}/decide", decide_form),
        Route::get("api_redactions", "/api/v1/redactions", api_list),
        Route::post("api_redaction_create", "/api/v1/redactions", api_create),
        Route::get("api_redaction", "/api/v1/redactions/{id}", api_get),
        Route::post(
            "api_redaction_decide",
            "/api/v1/redactions/{id}/decision",
            api_decide,
        ),
    ]
}
