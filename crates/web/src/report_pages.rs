//! Server-rendered pages of taskings, templates, reports and builds: the tasking list with
//! the compliance table, a report's page (its clearance position and problems, flags, a
//! preview rendered from a snapshot of the report as it stands, clearance actions, comments
//! per paragraph, builds with their downloads and diffs), the report edit form (header fields
//! and the sections as JSON), and the template pages. Plain forms and links, no JavaScript.
//! Every page calls the same operations as the JSON API (`reports_api`), so both answer alike.

use crate::AppState;
use crate::access::{ApiRecord, check_open, check_update, load_visible};
use crate::api::ListQuery;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{FormBody, IdPath};
use crate::pages::{
    PageError, PageResult, check_may_edit, form_version, next_href, render, see_other, stamp,
};
use crate::register_pages::{Shown, post_name};
use crate::report_build;
use crate::reports_api::{self, ComplianceRow};
use crate::views::{CheckBox, Fact, Field, FormState, PageMeta, SelectField, pairs, post_options};
use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use chancery_domain::access::Role;
use chancery_domain::report::template::DEFAULT_CLEARANCE_CHAIN;
use chancery_domain::report::{
    Recurrence, Report, ReportAction, ReportState, Template as ReportTemplate, transition,
};
use chancery_domain::{
    Action, FieldError, Marked, Marking, Record, Resource, ResourceKind, ValidationErrors, can,
};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------- shared

/// The value of a form field (the first, if sent twice); empty when absent.
fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The non-empty lines of a textarea, trimmed.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A textarea's text parsed as JSON, or the error beside it naming line and column.
fn parse_json_field(name: &str, text: &str) -> Result<Value, FieldError> {
    serde_json::from_str::<Value>(text).map_err(|e| {
        let full = e.to_string();
        let reason = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        FieldError::new(
            name,
            format!(
                "is not valid JSON: line {}, column {}: {reason}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// A field without the PII confirmation boxes (these forms confirm through `confirm_pii`).
fn plain(mut f: Field) -> Field {
    f.pii.clear();
    f
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "none".into())
}

fn state_text(s: &ReportState, chain: &[Role]) -> String {
    match s {
        ReportState::InClearance { step } => match chain.get(*step) {
            Some(role) => format!(
                "in clearance: step {} of {} ({})",
                step + 1,
                chain.len(),
                role.label()
            ),
            None => format!("in clearance: step {} (beyond the chain)", step + 1),
        },
        other => other.as_str().to_string(),
    }
}

/// A new draft's body: one empty section per template heading.
fn draft_json(
    post: &str,
    template: &ReportTemplate,
    subject: &str,
    tasking: Option<i64>,
    due: Option<NaiveDate>,
) -> Value {
    let sections: Vec<Value> = template
        .sections
        .iter()
        .map(|s| json!({"heading": s.heading.as_str(), "paragraphs": []}))
        .collect();
    let mut body = json!({"post": post, "template_key": template.key.as_str(), "subject": subject,
        "tags": [], "sections": sections});
    if let Some(t) = tasking {
        body["tasking_id"] = json!(t);
    }
    if let Some(d) = due {
        body["due"] = json!(d.to_string());
    }
    body
}

async fn template_options(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<(String, String)>, ApiError> {
    Ok(reports_api::all_templates(state, user)
        .await?
        .into_iter()
        .map(|(t, _)| {
            let provisional = if t.provisional { " (provisional)" } else { "" };
            (
                t.key.to_string(),
                format!("{}{provisional} [{}]", t.title, t.key),
            )
        })
        .collect())
}

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
fn tasking_values(pairs: &[(String, String)]) -> Value {
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
fn tasking_body(values: &Value) -> Value {
    let mut body = values.clone();
    let topics = lines(values["topics"].as_str().unwrap_or(""));
    body["topics"] = json!(topics);
    if let Some(o) = body.as_object_mut() {
        o.retain(|_, v| !matches!(v, Value::String(s) if s.trim().is_empty()));
    }
    body
}

async fn show_taskings(
    state: &AppState,
    user: &CurrentUser,
    values: &Value,
    errors: &ValidationErrors,
    status: StatusCode,
) -> PageResult {
    let taskings = reports_api::visible_taskings(state, user).await?;
    let compliance = reports_api::compliance_rows(state, user, None).await?;
    let posts = state.store.list_posts().await?;
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
    match reports_api::create_tasking(&state, &user, &tasking_body(&values)).await {
        Ok(t) => Ok(see_other(format!("/taskings/{}", t.id))),
        Err(ApiError::Invalid(errors)) => {
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
fn free_due(rows: &[ComplianceRow], post: &str) -> Option<NaiveDate> {
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

fn may_draft_at(user: &CurrentUser, post: &chancery_domain::PostSlug) -> bool {
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
    let t = reports_api::load_tasking(&state, &user, &id).await?;
    let compliance = reports_api::compliance_rows(&state, &user, Some(&t)).await?;
    let posts = state.store.list_posts().await?;
    let template = report_build::effective_template(&state.store, t.data.template_key.as_str())
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
    let t = reports_api::load_tasking(&state, &user, &id).await?;
    let Some(own) = user.principal.post_scope().cloned() else {
        return Err(ApiError::Forbidden(
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
    let rows = reports_api::compliance_rows(&state, &user, Some(&t)).await?;
    let due = free_due(&rows, own.as_str()).ok_or_else(|| {
        ApiError::Invalid(
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
    let template = report_build::effective_template(&state.store, t.data.template_key.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::Invalid(
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
    let r = reports_api::create_report(&state, &user, &body).await?;
    Ok(see_other(format!("/reports/{}/edit", r.id)))
}

// ---------------------------------------------------------------- reports: list and new

pub struct TaskingLink {
    pub id: i64,
    pub title: String,
}

pub struct ReportRow {
    pub id: i64,
    pub subject: String,
    pub post: String,
    pub state: String,
    pub due: String,
    pub tasking: Option<TaskingLink>,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "reports_list.html")]
pub struct ReportsPage {
    pub page: PageMeta,
    pub post: SelectField,
    pub errors: Vec<String>,
    pub rows: Vec<ReportRow>,
    pub next: Option<String>,
    pub may_create: bool,
}

fn may_create_reports(user: &CurrentUser) -> bool {
    can(&user.principal, Action::Create, &Report::collection()).allowed()
}

pub async fn reports_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    check_open(&user, Action::Read, &Report::collection())?;
    let posts = state.store.list_posts().await?;
    let values = crate::pages::query_json(raw.as_deref());
    let (errors, page) = match ListQuery::parse(raw.as_deref(), &["post"]) {
        Ok(q) => {
            let page = crate::reports_api::list_reports(&state, &user, &q).await?;
            (ValidationErrors::default(), Some(page))
        }
        Err(e) => (e, None),
    };
    let taskings = reports_api::visible_taskings(&state, &user).await?;
    let rows = page
        .iter()
        .flat_map(|p| p.items.iter())
        .map(|r| ReportRow {
            id: r.id.get(),
            subject: r.data.subject.to_string(),
            post: post_name(&posts, r.data.post.as_str()),
            state: r.data.state.to_string(),
            due: date_text(r.data.due),
            tasking: r.data.tasking_id.map(|tid| {
                let title = taskings
                    .iter()
                    .find(|t| t.id == tid)
                    .map(|t| t.data.title.to_string())
                    .unwrap_or_else(|| format!("tasking {tid}"));
                TaskingLink {
                    id: tid.get(),
                    title,
                }
            }),
            version: r.version,
        })
        .collect();
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let visible_posts: Vec<_> = posts
        .iter()
        .filter(|p| user.principal.post_scope().is_none_or(|own| *own == p.slug))
        .cloned()
        .collect();
    let t = ReportsPage {
        page: PageMeta::new("Reports", Marking::U, &user),
        post: form.select("post", &post_options(&visible_posts), Some("(any)")),
        errors: form.summary(),
        rows,
        next: next_href("/reports", raw.as_deref(), page.and_then(|p| p.next)),
        may_create: may_create_reports(&user),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(status, &t))
}

#[derive(Template)]
#[template(path = "report_new.html")]
pub struct ReportNewPage {
    pub page: PageMeta,
    pub errors: Vec<String>,
    pub post: SelectField,
    pub template: SelectField,
    pub subject: Field,
}

async fn show_report_new(
    state: &AppState,
    user: &CurrentUser,
    values: &Value,
    errors: &ValidationErrors,
    status: StatusCode,
) -> PageResult {
    let posts: Vec<_> = state
        .store
        .list_posts()
        .await?
        .into_iter()
        .filter(|p| may_draft_at(user, &p.slug))
        .collect();
    let form = FormState { values, errors };
    let t = ReportNewPage {
        page: PageMeta::new("New report", Marking::U, user),
        errors: form.summary(),
        post: form.select("post", &post_options(&posts), Some("(choose)")),
        template: form.select(
            "template_key",
            &template_options(state, user).await?,
            Some("(choose)"),
        ),
        subject: plain(form.text("subject")),
    };
    Ok(render(status, &t))
}

pub async fn report_new(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    check_open(&user, Action::Create, &Report::collection())?;
    let values = json!({"post": user.principal.post_scope().map(|p| p.as_str())});
    show_report_new(
        &state,
        &user,
        &values,
        &ValidationErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Creates a draft outside any tasking: one empty section per heading of the chosen template.
pub async fn report_create(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    check_open(&user, Action::Create, &Report::collection())?;
    let values = json!({"post": field(&pairs, "post"), "template_key": field(&pairs, "template_key"),
        "subject": field(&pairs, "subject")});
    let key = field(&pairs, "template_key");
    let template = if key.trim().is_empty() {
        None
    } else {
        report_build::effective_template(&state.store, key.trim()).await?
    };
    let result = match template {
        Some(t) => {
            let body = draft_json(
                field(&pairs, "post").trim(),
                &t,
                field(&pairs, "subject").trim(),
                None,
                None,
            );
            let mut body = body;
            if let Some(o) = body.as_object_mut() {
                o.retain(|_, v| !matches!(v, Value::String(s) if s.is_empty()));
            }
            reports_api::create_report(&state, &user, &body).await
        }
        None => Err(ApiError::Invalid(
            FieldError::new("template_key", "choose one of the templates").into(),
        )),
    };
    match result {
        Ok(r) => Ok(see_other(format!("/reports/{}/edit", r.id))),
        Err(ApiError::Invalid(errors)) => {
            show_report_new(
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

// ---------------------------------------------------------------- reports: the report page

pub struct ChainStep {
    pub number: usize,
    pub role: &'static str,
    /// "cleared", "current" or "pending".
    pub status: &'static str,
}

pub struct Problem {
    pub paragraph: String,
    pub reason: String,
    pub link: String,
}

pub struct ActionButton {
    pub value: &'static str,
    pub label: String,
}

pub struct CommentView {
    pub paragraph: String,
    pub body: String,
    pub author: String,
    pub at: String,
    pub report_version: i64,
}

pub struct FormatLink {
    pub label: &'static str,
    pub href: String,
}

pub struct BuildView {
    pub id: i64,
    pub created: String,
    pub author: String,
    pub report_version: i64,
    pub sha256: String,
    pub flags: Vec<String>,
    pub links: Vec<FormatLink>,
    pub public_links: Vec<FormatLink>,
    /// The build before this one, for the diff link.
    pub previous: Option<i64>,
}

#[derive(Template)]
#[template(path = "report_view.html")]
pub struct ReportPage {
    pub page: PageMeta,
    pub id: i64,
    pub version: i64,
    pub subject: String,
    pub facts: Vec<Fact>,
    pub tasking: Option<TaskingLink>,
    pub state: String,
    pub chain: Vec<ChainStep>,
    pub problems: Vec<Problem>,
    pub flags: Vec<String>,
    /// How many paragraphs are withheld from this user (SBU).
    pub withheld: usize,
    /// The body of the rendered preview (trusted renderer output: every text escaped).
    pub preview: String,
    pub preview_error: Option<String>,
    pub public_preview: bool,
    pub actions: Vec<ActionButton>,
    pub may_edit: bool,
    pub may_build: bool,
    pub may_comment: bool,
    pub comments: Vec<CommentView>,
    pub comment_paragraph: SelectField,
    pub comment_body: Field,
    pub builds: Vec<BuildView>,
    /// Why the last action, comment or build was refused.
    pub notice: Vec<String>,
    pub created: String,
    pub updated: String,
}

/// The inside of a rendered HTML document's body, with its landmarks made plain blocks so that
/// it sits inside the page's own. The renderer escapes every text it prints.
fn embeddable(html: &str) -> String {
    let start = html.find("<body>").map(|i| i + "<body>".len()).unwrap_or(0);
    let end = html.rfind("</body>").unwrap_or(html.len()).max(start);
    html.get(start..end)
        .unwrap_or("")
        .replace("<main>", "<div class=\"doc-main\">")
        .replace("</main>", "</div>")
        .replace("<header>", "<div class=\"doc-header\">")
        .replace("</header>", "</div>")
        .replace("<h1>", "<h2 class=\"doc-title\">")
        .replace("</h1>", "</h2>")
}

fn chain_steps(state: &ReportState, chain: &[Role]) -> Vec<ChainStep> {
    chain
        .iter()
        .enumerate()
        .map(|(i, role)| ChainStep {
            number: i + 1,
            role: role.label(),
            status: match state {
                ReportState::Draft => "pending",
                ReportState::InClearance { step } if i < *step => "cleared",
                ReportState::InClearance { step } if i == *step => "current",
                ReportState::InClearance { .. } => "pending",
                _ => "cleared",
            },
        })
        .collect()
}

const FORMATS: [(&str, &str); 5] = [
    ("HTML", "html"),
    ("PDF", "pdf"),
    ("Cable", "cable"),
    ("Markdown", "md"),
    ("Manifest", "manifest"),
];

/// What the report page shows again after a refused form: the notice and what was typed.
#[derive(Default)]
struct Redo {
    notice: Vec<String>,
    comment: Value,
    comment_errors: ValidationErrors,
}

async fn show_report(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
    redo: Redo,
    status: StatusCode,
) -> PageResult {
    let r = &record.data;
    let clearance = user.principal.clearance();
    let sees_sbu = user.principal.may_see(Marking::SBU);
    let mut shown = Shown::new();
    shown.add(record, clearance);
    let posts = state.store.list_posts().await?;
    let chain = reports_api::chain_of(state, r).await?;
    let template = report_build::effective_template(&state.store, r.template_key.as_str()).await?;
    let tasking = match r.tasking_id {
        Some(tid) => match reports_api::load_tasking(state, user, &tid.to_string()).await {
            Ok(t) => Some(TaskingLink {
                id: tid.get(),
                title: t.data.title.to_string(),
            }),
            Err(_) => Some(TaskingLink {
                id: tid.get(),
                title: format!("tasking {tid}"),
            }),
        },
        None => None,
    };
    let problems = reports_api::problems_for(
        user,
        r,
        reports_api::clearance_problems(state, record).await?,
    )
    .errors
    .into_iter()
    .map(|e| Problem {
        paragraph: e
            .extra
            .get("paragraph")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        link: e
            .extra
            .get("link")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        reason: e.reason,
    })
    .collect();
    let flags = reports_api::report_flags(state, record).await?;
    let withheld = r
        .paragraphs()
        .filter(|(_, p)| !user.principal.may_see(p.marking))
        .count();

    // The preview: the report as it stands, resolved like a build (nothing stored).
    let mut marking = Marking::U;
    let (preview, preview_error) =
        match report_build::snapshot(&state.store, record, 0, chrono::Utc::now()).await {
            Ok(snap) => {
                let doc = if sees_sbu {
                    snap.doc
                } else {
                    snap.doc.public()
                };
                marking = doc.banner();
                (embeddable(&chancery_report::html::render(&doc)), None)
            }
            Err(e) => (String::new(), Some(e.to_string())),
        };

    let role = user.principal.role();
    let may_update = can(&user.principal, Action::Update, &r.policy()).allowed();
    let sees_all = r.highest_marking() <= clearance;
    let mut actions = Vec::new();
    if may_update {
        for a in [
            ReportAction::Submit,
            ReportAction::Clear,
            ReportAction::ReturnToDraft,
            ReportAction::Publish,
            ReportAction::Withdraw,
        ] {
            let signs_off = matches!(
                a,
                ReportAction::Submit | ReportAction::Clear | ReportAction::Publish
            );
            if transition(r.state, a, role, &chain).is_ok() && (sees_all || !signs_off) {
                let label = match (a, r.state) {
                    (ReportAction::Clear, ReportState::InClearance { step }) => {
                        format!("Clear (step {} of {})", step + 1, chain.len())
                    }
                    _ => a.label().to_string(),
                };
                actions.push(ActionButton {
                    value: a.as_str(),
                    label,
                });
            }
        }
    }
    let may_edit = check_update(user, r, r).is_ok()
        && transition(r.state, ReportAction::Edit, role, &chain).is_ok();
    let may_comment = !matches!(role, Role::HqReader | Role::Admin);

    let comments = reports_api::visible_comments(state, user, record)
        .await?
        .into_iter()
        .map(|c| CommentView {
            paragraph: c.paragraph,
            body: c.body,
            author: c.author,
            at: c.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            report_version: c.report_version,
        })
        .collect();
    let paragraph_options: Vec<(String, String)> = r
        .paragraphs()
        .filter(|(_, p)| user.principal.may_see(p.marking))
        .map(|(s, p)| {
            let text: String = p.text.chars().take(60).collect();
            (
                p.id.as_str().to_string(),
                format!(
                    "{} ({}, {}) in {}: {text}",
                    p.id.as_str(),
                    p.kind.label(),
                    p.marking.as_str(),
                    s.heading
                ),
            )
        })
        .collect();
    let comment_form = FormState {
        values: &redo.comment,
        errors: &redo.comment_errors,
    };

    let builds_stored = state.store.report_builds(record.id).await?;
    let mut builds = Vec::new();
    for (i, b) in builds_stored.iter().enumerate() {
        let flags = match report_build::read_snapshot(b) {
            Ok(snap) => report_build::flags(&state.store, &snap).await?,
            Err(e) => vec![e.to_string()],
        };
        let link = |(label, code): &(&'static str, &str), public: bool| FormatLink {
            label,
            href: format!(
                "/builds/{}/{code}{}",
                b.id,
                if public { "?public=1" } else { "" }
            ),
        };
        builds.push(BuildView {
            id: b.id,
            created: b.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            author: b.author.clone(),
            report_version: b.report_version,
            sha256: b.snapshot_sha256.clone(),
            flags,
            links: if sees_sbu {
                FORMATS.iter().map(|f| link(f, false)).collect()
            } else {
                Vec::new()
            },
            public_links: FORMATS.iter().map(|f| link(f, true)).collect(),
            previous: builds_stored.get(i + 1).map(|p| p.id),
        });
    }

    let mut facts = vec![
        Fact::new("Post", post_name(&posts, r.post.as_str())),
        Fact::new(
            "Template",
            match &template {
                Some(t) if t.provisional => format!("{} ({}, provisional)", t.title, t.key),
                Some(t) => format!("{} ({})", t.title, t.key),
                None => format!("{} (no such template)", r.template_key),
            },
        ),
        Fact::new("Due", date_text(r.due)),
        Fact::new("TAGS", r.tags.join(" ")),
    ];
    if !r.refs.is_empty() {
        facts.push(Fact::new(
            "References",
            r.refs
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    if !r.captions.is_empty() {
        facts.push(Fact::new(
            "Captions",
            r.captions
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    if r.demo {
        facts.push(Fact::new(
            "Demo",
            "demo content: builds carry the demo caption",
        ));
    }
    let marking = shown.log(state, user).await?.max(marking);
    let t = ReportPage {
        page: PageMeta::new(r.subject.to_string(), marking, user),
        id: record.id.get(),
        version: record.version,
        subject: r.subject.to_string(),
        facts,
        tasking,
        state: state_text(&r.state, &chain),
        chain: chain_steps(&r.state, &chain),
        problems,
        flags,
        withheld,
        preview,
        preview_error,
        public_preview: !sees_sbu,
        actions,
        may_edit,
        may_build: may_update,
        may_comment,
        comments,
        comment_paragraph: comment_form.select(
            "paragraph",
            &paragraph_options,
            Some("(choose a paragraph)"),
        ),
        comment_body: plain(comment_form.text("body")),
        builds,
        notice: redo.notice,
        created: stamp(&record.created_at, &record.created_by),
        updated: stamp(&record.updated_at, &record.updated_by),
    };
    Ok(render(status, &t))
}

pub async fn report_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Report>(&state, &user, &id).await?;
    show_report(&state, &user, &record, Redo::default(), StatusCode::OK).await
}

fn conflict_notice(expected: i64, current: i64) -> String {
    format!(
        "You acted on version {expected}, but version {current} was saved meanwhile: nothing was done. \
         The page now shows version {current}; check it and act again."
    )
}

/// A clearance action from the report page (`action`, `version`).
pub async fn report_action(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(pairs): FormBody,
) -> PageResult {
    let record = load_visible::<Report>(&state, &user, &id).await?;
    let action = ReportAction::parse(&field(&pairs, "action"))
        .map_err(|e| ApiError::Invalid(FieldError::new("action", e).into()))?;
    let expected = form_version(&pairs).ok_or(ApiError::PreconditionRequired)?;
    let (notice, status) = match reports_api::act(&state, &user, &id, expected, action).await {
        Ok(r) => return Ok(see_other(format!("/reports/{}", r.id))),
        Err(ApiError::Invalid(e)) => {
            let mut notice = vec![format!(
                "Not done ({}): the report has problems.",
                action.label()
            )];
            notice.extend(e.errors.iter().map(|e| e.reason.clone()));
            (notice, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ApiError::Conflict { expected, current }) => (
            vec![conflict_notice(expected, current)],
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(e.into()),
    };
    let record = load_visible::<Report>(&state, &user, &record.id.to_string()).await?;
    let redo = Redo {
        notice,
        ..Redo::default()
    };
    show_report(&state, &user, &record, redo, status).await
}

/// A comment on one paragraph (`paragraph`, `body`).
pub async fn report_comment_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(pairs): FormBody,
) -> PageResult {
    let paragraph = field(&pairs, "paragraph");
    let body = field(&pairs, "body");
    match reports_api::add_comment(&state, &user, &id, paragraph.trim(), &body).await {
        Ok(_) => Ok(see_other(format!("/reports/{id}#comments"))),
        Err(ApiError::Invalid(errors)) => {
            let record = load_visible::<Report>(&state, &user, &id).await?;
            let redo = Redo {
                notice: vec!["The comment was not saved.".into()],
                comment: json!({"paragraph": paragraph, "body": body}),
                comment_errors: errors,
            };
            show_report(
                &state,
                &user,
                &record,
                redo,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Builds the report's current version.
pub async fn report_build_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    match reports_api::make_build(&state, &user, &id).await {
        Ok(b) => Ok(see_other(format!("/reports/{}#builds", b.report_id))),
        Err(ApiError::Invalid(errors)) => {
            let record = load_visible::<Report>(&state, &user, &id).await?;
            let mut notice = vec!["The build was not made.".to_string()];
            notice.extend(errors.errors.iter().map(|e| e.reason.clone()));
            let redo = Redo {
                notice,
                ..Redo::default()
            };
            show_report(
                &state,
                &user,
                &record,
                redo,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- reports: the edit form

pub struct GuideSection {
    pub heading: String,
    pub guidance: String,
    pub expected: String,
}

#[derive(Template)]
#[template(path = "report_form.html")]
pub struct ReportFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: i64,
    pub conflict: Option<String>,
    pub errors: Vec<String>,
    pub subject: Field,
    pub tags: Field,
    pub refs: Field,
    pub captions: Field,
    pub sections: Field,
    pub confirm_pii: Field,
    pub sections_hint: String,
    pub confirm_hint: &'static str,
    pub guide: Vec<GuideSection>,
}

/// The edit form's values as shown: header fields as text, the sections as pretty JSON.
fn report_form_values(r: &Report) -> Value {
    let sections = serde_json::to_string_pretty(&r.to_json()["sections"]).unwrap_or_default();
    json!({
        "subject": r.subject.as_str(),
        "tags": r.tags.join(" "),
        "refs": r.refs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n"),
        "captions": r.captions.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n"),
        "sections": sections,
        "confirm_pii": "",
    })
}

/// The body saved from the edit form: what the form does not edit (post, template, tasking,
/// due date, demo) kept from the stored report.
fn report_body(current: &Report, values: &Value) -> Result<Value, ValidationErrors> {
    let text = |k: &str| values[k].as_str().unwrap_or("").to_string();
    let mut errors = ValidationErrors::default();
    let stored = current.to_json();
    let mut body = Map::new();
    for k in ["post", "template_key", "tasking_id", "due", "demo"] {
        if let Some(v) = stored.get(k) {
            body.insert(k.into(), v.clone());
        }
    }
    body.insert("subject".into(), json!(text("subject").trim()));
    let tags: Vec<&str> = values["tags"]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    body.insert("tags".into(), json!(tags));
    body.insert("refs".into(), json!(lines(&text("refs"))));
    body.insert("captions".into(), json!(lines(&text("captions"))));
    match parse_json_field("sections", &text("sections")) {
        Ok(v) => {
            body.insert("sections".into(), v);
        }
        Err(e) => errors.push(e),
    }
    let confirm = text("confirm_pii");
    if !confirm.trim().is_empty() {
        match parse_json_field("confirm_pii", &confirm) {
            Ok(v) => {
                body.insert("confirm_pii".into(), v);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(body))
    } else {
        Err(errors)
    }
}

/// What the edit form shows besides the values: the version it edits, a conflict, the status.
struct FormOutcome {
    version: i64,
    conflict: Option<String>,
    status: StatusCode,
}

async fn show_report_form(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
    values: &Value,
    errors: &ValidationErrors,
    outcome: FormOutcome,
) -> PageResult {
    let form = FormState { values, errors };
    let href = format!("/reports/{}", record.id);
    let guide = report_build::effective_template(&state.store, record.data.template_key.as_str())
        .await?
        .map(|t| {
            t.sections
                .iter()
                .map(|s| GuideSection {
                    heading: s.heading.to_string(),
                    guidance: s
                        .guidance
                        .as_ref()
                        .map(|g| g.to_string())
                        .unwrap_or_default(),
                    expected: s
                        .expected
                        .iter()
                        .map(|k| k.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .collect()
        })
        .unwrap_or_default();
    // The form shows the whole report: only someone who may replace all of it gets here.
    let marking = record
        .data
        .highest_marking()
        .min(user.principal.clearance());
    let heading = format!("Edit: {}", record.data.subject);
    let t = ReportFormPage {
        page: PageMeta::new(heading.clone(), marking, user),
        heading,
        action: format!("{href}/edit"),
        cancel_href: href,
        version: outcome.version,
        conflict: outcome.conflict,
        errors: form.summary(),
        subject: plain(form.text("subject")),
        tags: plain(form.json_area("tags")),
        refs: plain(form.json_area("refs")),
        captions: plain(form.json_area("captions")),
        sections: plain(form.json_area("sections")),
        confirm_pii: plain(form.json_area("confirm_pii")),
        sections_hint: format!(
            "A list of sections, each {{\"heading\", \"paragraphs\": [...]}}; a paragraph is {{\"id\": \"p1\", \"kind\": summary | fact | analysis | comment, \
             \"marking\": U | SBU, \"text\": Markdown (*emphasis*, **strong**), \"citations\": [{{\"kind\": source | case | policy | engagement, \"id\": 12}}], \
             optional \"block\": {{\"kind\": statistics_figure | case_table | case_comparison | policy_list, \"title\", ...}}}}. Summary and fact paragraphs \
             need a citation before clearance. Paragraph ids stay with their paragraph; the next free id is {}.",
            record.data.next_paragraph_id().as_str()
        ),
        confirm_hint: "When a problem says a text looks like a personal name that is a public official's, paste the \
             confirm_pii list it gives here, e.g. [{\"field\": \"sections[0].paragraphs[0].text\", \"span\": [4, 15]}].",
        guide,
    };
    Ok(render(outcome.status, &t))
}

/// Refuses the edit form of a report the user may not edit (403), as saving would.
async fn check_report_editable(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
) -> Result<(), ApiError> {
    check_may_edit(state, user, record).await?;
    let chain = reports_api::chain_of(state, &record.data).await?;
    transition(
        record.data.state,
        ReportAction::Edit,
        user.principal.role(),
        &chain,
    )
    .map_err(ApiError::Forbidden)?;
    Ok(())
}

pub async fn report_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Report>(&state, &user, &id).await?;
    check_report_editable(&state, &user, &record).await?;
    let values = report_form_values(&record.data);
    show_report_form(
        &state,
        &user,
        &record,
        &values,
        &ValidationErrors::default(),
        FormOutcome {
            version: record.version,
            conflict: None,
            status: StatusCode::OK,
        },
    )
    .await
}

pub async fn report_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(pairs): FormBody,
) -> PageResult {
    let current = load_visible::<Report>(&state, &user, &id).await?;
    let expected = form_version(&pairs).ok_or(ApiError::PreconditionRequired)?;
    let values = json!({
        "subject": field(&pairs, "subject"),
        "tags": field(&pairs, "tags"),
        "refs": field(&pairs, "refs"),
        "captions": field(&pairs, "captions"),
        "sections": field(&pairs, "sections"),
        "confirm_pii": field(&pairs, "confirm_pii"),
    });
    let result = match report_body(&current.data, &values) {
        Ok(body) => reports_api::update_report(&state, &user, &id, expected, &body).await,
        Err(errors) => {
            // Nothing to save; but a user who may not edit learns that first.
            check_report_editable(&state, &user, &current).await?;
            Err(ApiError::Invalid(errors))
        }
    };
    let (errors, version, conflict, status) = match result {
        Ok(r) => return Ok(see_other(format!("/reports/{}", r.id))),
        Err(ApiError::Invalid(errors)) => {
            (errors, expected, None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ApiError::Conflict { expected, current }) => (
            ValidationErrors::default(),
            current,
            Some(format!(
                "You edited version {expected}, but version {current} was saved meanwhile. Your changes are kept below \
                 and were not saved. Compare them with the current version (open it in another tab); saving this \
                 form again replaces version {current}."
            )),
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(e.into()),
    };
    let outcome = FormOutcome {
        version,
        conflict,
        status,
    };
    show_report_form(&state, &user, &current, &values, &errors, outcome).await
}

// ---------------------------------------------------------------- builds

fn public_asked(raw: Option<&str>) -> bool {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == "public" && matches!(v.as_str(), "1" | "true" | "yes" | "on"))
}

/// A build in one format (`?public=1`: the public edition; always the public edition for a
/// user without SBU access).
pub async fn build_output(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let Path((id, format)) =
        path.map_err(|_| ApiError::NotFound("no build at this path".into()))?;
    let b = reports_api::load_build(&state, &user, &id).await?;
    Ok(reports_api::output(
        &user,
        &b,
        &format,
        public_asked(raw.as_deref()),
    )?)
}

pub struct DiffRow {
    pub paragraph: String,
    pub change: &'static str,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "build_diff.html")]
pub struct BuildDiffPage {
    pub page: PageMeta,
    pub report_id: i64,
    pub from: i64,
    pub from_version: i64,
    pub to: i64,
    pub to_version: i64,
    pub rows: Vec<DiffRow>,
}

pub async fn build_diff_page(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
) -> PageResult {
    let Path((a, b)) = path.map_err(|_| ApiError::NotFound("no build at this path".into()))?;
    let (ba, bb, diff) = reports_api::diff_builds(&state, &user, &a, &b).await?;
    // The details quote paragraph text: as marked as the highest paragraph the user sees.
    let mut marking = Marking::U;
    if user.principal.may_see(Marking::SBU) {
        for build in [&ba, &bb] {
            if let Ok(s) = report_build::read_snapshot(build) {
                marking = marking.max(s.doc.banner());
            }
        }
    }
    let t = BuildDiffPage {
        page: PageMeta::new(format!("Builds {} and {}", ba.id, bb.id), marking, &user),
        report_id: ba.report_id,
        from: ba.id,
        from_version: ba.report_version,
        to: bb.id,
        to_version: bb.report_version,
        rows: diff
            .into_iter()
            .map(|(paragraph, change, detail)| DiffRow {
                paragraph,
                change,
                detail,
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &t))
}

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

fn template_view(t: &ReportTemplate, version: Option<i64>) -> TemplateView {
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
    let templates = reports_api::all_templates(&state, &user)
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

async fn find_template(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
) -> Result<(ReportTemplate, Option<i64>), ApiError> {
    reports_api::all_templates(state, user)
        .await?
        .into_iter()
        .find(|(t, _)| t.key.as_str() == key)
        .ok_or_else(|| ApiError::NotFound(format!("no template {key:?}")))
}

fn template_page_for(
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
    let Path(key) = path.map_err(|_| ApiError::NotFound("no template at this path".into()))?;
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
    let Path(key) = path.map_err(|_| ApiError::NotFound("no template at this path".into()))?;
    check_open(&user, Action::Update, &Resource::of(ResourceKind::Template))?;
    let (current, stored) = find_template(&state, &user, &key).await?;
    let text = field(&pairs, "template");
    let expected: i64 = field(&pairs, "version")
        .trim()
        .parse()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or(ApiError::PreconditionRequired)?;
    let result = match parse_json_field("template", &text) {
        Ok(v) => reports_api::save_template(&state, &user, &key, expected, &v).await,
        Err(e) => Err(ApiError::Invalid(e.into())),
    };
    let (errors, version, conflict, status) = match result {
        Ok(_) => return Ok(see_other(format!("/templates/{key}"))),
        Err(ApiError::Invalid(e)) => (e, expected, None, StatusCode::UNPROCESSABLE_ENTITY),
        Err(ApiError::Conflict { expected, current }) => (
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_is_the_body_without_landmarks() {
        let html = "<!DOCTYPE html>\n<html><head><style>x</style></head>\n<body>\n<header>\n<h1>T</h1>\n</header>\n<main>\n<p id=\"p1\">a</p>\n</main>\n</body>\n</html>\n";
        let b = embeddable(html);
        assert!(!b.contains("<style>") && !b.contains("<main>") && !b.contains("<header>"));
        assert!(b.contains("<p id=\"p1\">a</p>") && b.contains("<h2 class=\"doc-title\">T</h2>"));
        assert_eq!(embeddable("no body at all"), "no body at all");
        assert_eq!(embeddable("</body> then <body>"), "");
    }

    #[test]
    fn lines_and_tasking_bodies() {
        assert_eq!(lines(" a \n\n b\r\n"), vec!["a", "b"]);
        let v = tasking_values(&[
            ("title".into(), "T".into()),
            ("topics".into(), "one\n\ntwo".into()),
            ("posts".into(), "berlin".into()),
            ("posts".into(), "stockholm".into()),
            ("due".into(), "".into()),
        ]);
        let b = tasking_body(&v);
        assert_eq!(b["topics"], json!(["one", "two"]));
        assert_eq!(b["posts"], json!(["berlin", "stockholm"]));
        assert!(b.get("due").is_none(), "blank fields are absent");
    }
}
