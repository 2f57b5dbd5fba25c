//! Tasking pages: the list with the compliance table, issuing a tasking, one tasking and
//! starting its report.

use super::{draft_json, field, lines, plain, template_options};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::{FormBody, IdPath};
use crate::pages::registers::post_name;
use crate::pages::views::{CheckBox, Field, FormState, PageMeta, SelectField, pairs};
use crate::pages::{PageResult, render, see_other, stamp};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_app::access::check_open;
use chancery_app::reports::taskings::ComplianceRow;
use chancery_domain::report::Recurrence;
use chancery_domain::{Action, FieldError, Marking, Resource, ResourceKind, ValidationErrors, can};
use chrono::NaiveDate;
use serde_json::{Value, json};

// ---------------------------------------------------------------- taskings

pub struct TaskingRow {
    pub id: i64,
    pub title: String,
    pub template: String,
    pub posts: String,
    pub due: String,
    pub recurrence: &'static str,
}

/// The form that issues a tasking (HQ editors).
pub struct TaskingForm {
    pub errors: Vec<String>,
    pub title: Field,
    pub instructions: Field,
    pub topics: Field,
    pub template: SelectField,
    pub posts: Vec<CheckBox>,
    pub posts_error: Option<String>,
    pub due: Field,
    pub recurrence: SelectField,
}

#[derive(Template)]
#[template(path = "taskings.html")]
pub struct TaskingsPage {
    pub page: PageMeta,
    pub taskings: Vec<TaskingRow>,
    pub compliance: Vec<ComplianceRow>,
    pub form: Option<TaskingForm>,
}

/// The tasking form's values as typed: topics as text, posts as the boxes ticked.
pub(super) fn tasking_values(pairs: &[(String, String)]) -> Value {
    let posts: Vec<&str> = pairs
        .iter()
        .filter(|(k, v)| k == "posts" && !v.trim().is_empty())
        .map(|(_, v)| v.as_str())
        .collect();
    json!({
        "title": field(pairs, "title"),
        "instructions": field(pairs, "instructions"),
        "topics": field(pairs, "topics"),
        "template_key": field(pairs, "template_key"),
        "posts": posts,
        "due": field(pairs, "due"),
        "recurrence": field(pairs, "recurrence"),
    })
}

/// The body a tasking is parsed from: the typed values with topics one per line.
pub(super) fn tasking_body(values: &Value) -> Value {
    let mut body = values.clone();
    let topics = lines(values["topics"].as_str().unwrap_or(""));
    body["topics"] = json!(topics);
    if let Some(o) = body.as_object_mut() {
        o.retain(|_, v| !matches!(v, Value::String(s) if s.trim().is_empty()));
    }
    body
}

pub(super) async fn show_taskings(
    state: &AppState,
    user: &CurrentUser,
    values: &Value,
    errors: &ValidationErrors,
    status: StatusCode,
) -> PageResult {
    let taskings = chancery_app::reports::taskings::visible_taskings(state, user).await?;
    let compliance = chancery_app::reports::taskings::compliance_rows(state, user, None).await?;
    let posts = chancery_app::posts::all(state).await?;
    let issues = can(
        &user.principal,
        Action::Create,
        &Resource::of(ResourceKind::Tasking),
    )
    .allowed();
    let form = if issues {
        let f = FormState { values, errors };
        let ticked: Vec<&str> = values["posts"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let recurrences = pairs(Recurrence::ALL.iter().map(|r| (r.as_str(), r.label())));
        let posts_error = f.json_area("posts").error;
        Some(TaskingForm {
            errors: f.summary(),
            title: plain(f.text("title")),
            instructions: plain(f.text("instructions")),
            topics: plain(f.json_area("topics")),
            template: f.select(
                "template_key",
                &template_options(state, user).await?,
                Some("(choose)"),
            ),
            posts: posts
                .iter()
                .map(|p| CheckBox {
                    name: "posts".into(),
                    value: p.slug.to_string(),
                    label: p.display_name(),
                    checked: ticked.contains(&p.slug.as_str()),
                })
                .collect(),
            posts_error,
            due: plain(f.text("due")),
            recurrence: f.select("recurrence", &recurrences, Some("(choose)")),
        })
    } else {
        None
    };
    let rows = taskings
        .iter()
        .map(|t| TaskingRow {
            id: t.id.get(),
            title: t.data.title.to_string(),
            template: t.data.template_key.to_string(),
            posts: t
                .data
                .posts
                .iter()
                .map(|p| post_name(&posts, p.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            due: t.data.due.to_string(),
            recurrence: t.data.recurrence.label(),
        })
        .collect();
    let t = TaskingsPage {
        page: PageMeta::new("Taskings", Marking::U, user),
        taskings: rows,
        compliance,
        form,
    };
    Ok(render(status, &t))
}

pub async fn taskings_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    let values = json!({"recurrence": "one_off"});
    show_taskings(
        &state,
        &user,
        &values,
        &ValidationErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn tasking_create(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    check_open(&user, Action::Create, &Resource::of(ResourceKind::Tasking))?;
    let values = tasking_values(&pairs);
    match chancery_app::reports::taskings::create_tasking(&state, &user, &tasking_body(&values))
        .await
    {
        Ok(t) => Ok(see_other(format!("/taskings/{}", t.id))),
        Err(AppError::Invalid(errors)) => {
            show_taskings(
                &state,
                &user,
                &values,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The earliest due date of a post without a report, up to the next one to come.
pub(super) fn free_due(rows: &[ComplianceRow], post: &str) -> Option<NaiveDate> {
    rows.iter()
        .filter(|r| r.post == post && r.report_id.is_none())
        .map(|r| r.due)
        .min()
}

/// The button a post user sees on a tasking addressed to their post.
pub struct StartReport {
    pub post: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "tasking_view.html")]
pub struct TaskingPage {
    pub page: PageMeta,
    pub id: i64,
    pub title: String,
    pub instructions: String,
    pub topics: Vec<String>,
    pub template_key: String,
    pub template: String,
    pub posts: Vec<String>,
    pub due: String,
    pub recurrence: &'static str,
    pub compliance: Vec<ComplianceRow>,
    pub start: Option<StartReport>,
    /// Why a post user has no button (every due date answered).
    pub start_note: Option<String>,
    pub version: i64,
    pub created: String,
}

pub(super) fn may_draft_at(user: &CurrentUser, post: &chancery_domain::PostSlug) -> bool {
    can(
        &user.principal,
        Action::Create,
        &Resource::owned(ResourceKind::Report, Marking::U, post),
    )
    .allowed()
}

pub async fn tasking_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let t = chancery_app::reports::taskings::load_tasking(&state, &user, &id).await?;
    let compliance =
        chancery_app::reports::taskings::compliance_rows(&state, &user, Some(&t)).await?;
    let posts = chancery_app::posts::all(&state).await?;
    let template =
        chancery_app::reports::templates::effective(&state, t.data.template_key.as_str())
            .await?
            .map(|x| x.title.to_string())
            .unwrap_or_else(|| "(no such template)".into());
    let (mut start, mut start_note) = (None, None);
    if let Some(own) = user.principal.post_scope()
        && t.data.posts.contains(own)
        && may_draft_at(&user, own)
    {
        match free_due(&compliance, own.as_str()) {
            Some(due) => {
                start = Some(StartReport {
                    post: post_name(&posts, own.as_str()),
                    due: due.to_string(),
                })
            }
            None => {
                start_note = Some(
                    "Every due date up to the next one already has a report from this post.".into(),
                )
            }
        }
    }
    let page = TaskingPage {
        page: PageMeta::new(t.data.title.to_string(), Marking::U, &user),
        id: t.id.get(),
        title: t.data.title.to_string(),
        instructions: t.data.instructions.to_string(),
        topics: t.data.topics.iter().map(|x| x.to_string()).collect(),
        template_key: t.data.template_key.to_string(),
        template,
        posts: t
            .data
            .posts
            .iter()
            .map(|p| post_name(&posts, p.as_str()))
            .collect(),
        due: t.data.due.to_string(),
        recurrence: t.data.recurrence.label(),
        compliance,
        start,
        start_note,
        version: t.version,
        created: stamp(&t.created_at, &t.created_by),
    };
    Ok(render(StatusCode::OK, &page))
}

/// Starts the report of the user's post for a tasking: a draft with one empty section per
/// template heading, for the earliest due date without a report.
pub async fn tasking_report_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let t = chancery_app::reports::taskings::load_tasking(&state, &user, &id).await?;
    let Some(own) = user.principal.post_scope().cloned() else {
        return Err(AppError::Forbidden(
            "a report answering a tasking is drafted at an addressed post; this account belongs to headquarters"
                .into(),
        )
        .into());
    };
    check_open(
        &user,
        Action::Create,
        &Resource::owned(ResourceKind::Report, Marking::U, &own),
    )?;
    let rows = chancery_app::reports::taskings::compliance_rows(&state, &user, Some(&t)).await?;
    let due = free_due(&rows, own.as_str()).ok_or_else(|| {
        AppError::Invalid(
            FieldError::new(
                "due",
                format!(
                    "every due date of tasking {} up to the next already has a report from {own}: open it from the tasking's table",
                    t.id
                ),
            )
            .into(),
        )
    })?;
    let template =
        chancery_app::reports::templates::effective(&state, t.data.template_key.as_str())
            .await?
            .ok_or_else(|| {
                AppError::Invalid(
                    FieldError::new(
                        "template_key",
                        format!(
                            "the tasking's template {} no longer exists",
                            t.data.template_key
                        ),
                    )
                    .into(),
                )
            })?;
    let body = draft_json(
        own.as_str(),
        &template,
        t.data.title.as_str(),
        Some(t.id.get()),
        Some(due),
    );
    let r = chancery_app::reports::reports::create_report(&state, &user, &body).await?;
    Ok(see_other(format!("/reports/{}/edit", r.id)))
}
