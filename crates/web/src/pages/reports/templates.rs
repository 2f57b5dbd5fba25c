//! The template pages: the list, and HQ's edit form.

use super::{field, parse_json_field, plain};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::FormBody;
use crate::pages::views::{Field, FormState, PageMeta};
use crate::pages::{PageError, PageResult, render, see_other};
use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chancery_app::access::check_open;
use chancery_domain::report::Template as ReportTemplate;
use chancery_domain::report::template::DEFAULT_CLEARANCE_CHAIN;
use chancery_domain::{Action, Marking, Resource, ResourceKind, ValidationErrors, can};
use serde_json::json;

// ---------------------------------------------------------------- templates

pub struct TemplateSectionView {
    pub heading: String,
    pub guidance: String,
    pub expected: Vec<&'static str>,
}

pub struct TemplateView {
    pub key: String,
    pub title: String,
    pub provisional: bool,
    pub chain: Vec<&'static str>,
    pub sections: Vec<TemplateSectionView>,
    /// Edited by headquarters (stored), at this version; none for a shipped template as shipped.
    pub version: Option<i64>,
}

pub(super) fn template_view(t: &ReportTemplate, version: Option<i64>) -> TemplateView {
    TemplateView {
        key: t.key.to_string(),
        title: t.title.to_string(),
        provisional: t.provisional,
        chain: t.clearance_chain.iter().map(|r| r.label()).collect(),
        sections: t
            .sections
            .iter()
            .map(|s| TemplateSectionView {
                heading: s.heading.to_string(),
                guidance: s
                    .guidance
                    .as_ref()
                    .map(|g| g.to_string())
                    .unwrap_or_default(),
                expected: s.expected.iter().map(|k| k.label()).collect(),
            })
            .collect(),
        version,
    }
}

#[derive(Template)]
#[template(path = "templates_list.html")]
pub struct TemplatesPage {
    pub page: PageMeta,
    pub templates: Vec<TemplateView>,
    pub default_chain: Vec<&'static str>,
}

pub async fn templates_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    let templates = chancery_app::reports::templates::all_templates(&state, &user)
        .await?
        .iter()
        .map(|(t, v)| template_view(t, *v))
        .collect();
    let t = TemplatesPage {
        page: PageMeta::new("Report templates", Marking::U, &user),
        templates,
        default_chain: DEFAULT_CLEARANCE_CHAIN.iter().map(|r| r.label()).collect(),
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "template_view.html")]
pub struct TemplatePage {
    pub page: PageMeta,
    pub template: TemplateView,
    pub may_edit: bool,
    pub errors: Vec<String>,
    pub conflict: Option<String>,
    pub json: Field,
    /// The stored version the form was read at (0: never edited).
    pub version: i64,
}

pub(super) async fn find_template(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
) -> Result<(ReportTemplate, Option<i64>), ApiError> {
    chancery_app::reports::templates::all_templates(state, user)
        .await?
        .into_iter()
        .find(|(t, _)| t.key.as_str() == key)
        .ok_or_else(|| AppError::NotFound(format!("no template {key:?}")))
        .map_err(Into::into)
}

pub(super) fn template_page_for(
    user: &CurrentUser,
    t: &ReportTemplate,
    stored: Option<i64>,
    text: String,
    errors: &ValidationErrors,
    version: i64,
    conflict: Option<String>,
) -> TemplatePage {
    let values = json!({ "template": text });
    let form = FormState {
        values: &values,
        errors,
    };
    TemplatePage {
        page: PageMeta::new(format!("Template: {}", t.title), Marking::U, user),
        template: template_view(t, stored),
        may_edit: can(
            &user.principal,
            Action::Update,
            &Resource::of(ResourceKind::Template),
        )
        .allowed(),
        errors: form.summary(),
        conflict,
        json: plain(form.json_area("template")),
        version,
    }
}

pub async fn template_page(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<String>, PathRejection>,
) -> PageResult {
    let Path(key) = path.map_err(|_| AppError::NotFound("no template at this path".into()))?;
    let (t, v) = find_template(&state, &user, &key).await?;
    let text = serde_json::to_string_pretty(&t.to_json()).unwrap_or_default();
    let page = template_page_for(
        &user,
        &t,
        v,
        text,
        &ValidationErrors::default(),
        v.unwrap_or(0),
        None,
    );
    Ok(render(StatusCode::OK, &page))
}

/// Saves a template from its JSON form (`template`, `version`; 0 for a template never edited).
pub async fn template_update(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<String>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let Path(key) = path.map_err(|_| AppError::NotFound("no template at this path".into()))?;
    check_open(&user, Action::Update, &Resource::of(ResourceKind::Template))?;
    let (current, stored) = find_template(&state, &user, &key).await?;
    let text = field(&pairs, "template");
    let expected: i64 = field(&pairs, "version")
        .trim()
        .parse()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or(AppError::PreconditionRequired)?;
    let result = match parse_json_field("template", &text) {
        Ok(v) => {
            chancery_app::reports::templates::save_template(&state, &user, &key, expected, &v).await
        }
        Err(e) => Err(AppError::Invalid(e.into())),
    };
    let (errors, version, conflict, status) = match result {
        Ok(_) => return Ok(see_other(format!("/templates/{key}"))),
        Err(AppError::Invalid(e)) => (e, expected, None, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::Conflict { expected, current }) => (
            ValidationErrors::default(),
            current,
            Some(format!(
                "You edited version {expected}, but version {current} was saved meanwhile. Your text is kept \
                 below and was not saved; saving again replaces version {current}."
            )),
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(PageError(e)),
    };
    let page = template_page_for(&user, &current, stored, text, &errors, version, conflict);
    Ok(render(status, &page))
}
