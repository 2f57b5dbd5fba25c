//! Redaction requests: an administrator asks for a field to be removed from every stored
//! version of a record; an HQ editor approves (which applies it) or rejects. Requests are SBU
//! (their reason may repeat the text), so only those roles with SBU access see them.

use crate::AppState;
use crate::routes::Route;
use chancery_app::access::{check, check_open, load_visible};
use chancery_app::{redactions, save};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::{FormBody, IdPath};
use crate::pages::views::{FormState, PageMeta, pairs};
use crate::pages::{PageResult, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_domain::input::form_to_json;
use chancery_domain::{
    Action, Marking, RedactionRequest, RedactionStatus, Resource, ResourceKind, ValidationErrors,
};
use serde_json::Value;

fn collection() -> Resource<'static> {
    Resource::of(ResourceKind::Redaction)
}

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
    pub record_type: crate::pages::views::SelectField,
    pub record_id: crate::pages::views::Field,
    pub field: crate::pages::views::Field,
    pub reason: crate::pages::views::Field,
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
    ]
}
