//! Server-rendered pages of taskings, templates, reports and builds: the tasking list with
//! the compliance table, a report's page (its clearance position and problems, flags, a
//! preview rendered from a snapshot of the report as it stands, clearance actions, comments
//! per paragraph, builds with their downloads and diffs), the paragraph editor (one paragraph's
//! form; add, delete, move up or down), the report edit form (header fields and the sections as
//! JSON, the fallback for everything), the history page (every version with what changed), and
//! the template pages. Every edit saves the whole report through `reports_api::update_report`. Plain forms and links, no JavaScript.
//! Every page calls the same operations as the JSON API (`reports_api`), so both answer alike.

use crate::AppState;
use crate::access::{ApiRecord, check_open, check_update, load_visible};
use crate::api::ListQuery;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{FormBody, IdPath};
use crate::pages::{PageError, PageResult, form_version, next_href, render, see_other, stamp};
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
    CitedKind, ParagraphKind, Recurrence, Report, ReportAction, ReportParagraph, ReportState,
    Template as ReportTemplate, transition,
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
    /// The paragraph has since been deleted: the comment stays, unlinked.
    pub removed: bool,
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
    /// The paragraph editor: each section with its paragraphs (for those who may edit).
    pub paragraph_sections: Vec<SectionEdit>,
    /// Why the last action, comment or build was refused.
    pub notice: Vec<String>,
    pub created: String,
    pub updated: String,
}

/// One paragraph in the paragraph editor's list.
pub struct ParagraphRow {
    pub id: String,
    pub kind: &'static str,
    pub marking: &'static str,
    pub excerpt: String,
    pub citations: String,
    pub block: String,
    /// Whether it can move up (not the report's first) or down (not its last).
    pub may_up: bool,
    pub may_down: bool,
}

/// One section in the paragraph editor's list (`index` 0-based).
pub struct SectionEdit {
    pub index: usize,
    pub heading: String,
    pub paragraphs: Vec<ParagraphRow>,
}

/// The paragraph editor's list: every section, each paragraph the user may see with its place.
fn paragraph_sections(user: &CurrentUser, r: &Report) -> Vec<SectionEdit> {
    let last_section = r.sections.len().saturating_sub(1);
    r.sections
        .iter()
        .enumerate()
        .map(|(si, s)| SectionEdit {
            index: si,
            heading: s.heading.to_string(),
            paragraphs: s
                .paragraphs
                .iter()
                .enumerate()
                .filter(|(_, p)| user.principal.may_see(p.marking))
                .map(|(pi, p)| {
                    let mut excerpt: String = p.text.chars().take(200).collect();
                    if p.text.chars().count() > 200 {
                        excerpt.push('…');
                    }
                    ParagraphRow {
                        id: p.id.as_str().to_string(),
                        kind: p.kind.label(),
                        marking: p.marking.as_str(),
                        excerpt,
                        citations: p
                            .citations
                            .iter()
                            .map(|c| c.key())
                            .collect::<Vec<_>>()
                            .join(" "),
                        block: p
                            .block
                            .as_ref()
                            .map(|b| format!("{} ({})", b.title(), b.kind_str()))
                            .unwrap_or_default(),
                        may_up: si > 0 || pi > 0,
                        may_down: si < last_section || pi + 1 < s.paragraphs.len(),
                    }
                })
                .collect(),
        })
        .collect()
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
                // The SBU records the internal preview shows are reads of SBU material.
                if sees_sbu {
                    for u in snap.records.iter().filter(|u| u.marking == Marking::SBU) {
                        shown.add_sbu_read(&u.kind, u.id, u.version, &u.content_hash);
                    }
                }
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
            removed: !r.paragraphs().any(|(_, p)| p.id.as_str() == c.paragraph),
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
        paragraph_sections: if may_edit {
            paragraph_sections(user, r)
        } else {
            Vec::new()
        },
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
    check_report_rules(state, user, record).await?;
    crate::access::audit_reads(state, user, "read", &[record]).await
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

// ---------------------------------------------------------------- reports: the paragraph editor

/// The `{id}` and second segment of a path such as `/reports/{id}/paragraphs/{pid}`.
fn two_segments(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(String, String), ApiError> {
    path.map(|Path(p)| p)
        .map_err(|_| ApiError::NotFound("no paragraph at this path".into()))
}

/// Where a paragraph the user may see sits: (section index, paragraph index).
fn locate(user: &CurrentUser, r: &Report, pid: &str) -> Option<(usize, usize)> {
    r.sections.iter().enumerate().find_map(|(si, s)| {
        s.paragraphs
            .iter()
            .position(|p| p.id.as_str() == pid && user.principal.may_see(p.marking))
            .map(|pi| (si, pi))
    })
}

fn no_paragraph(id: &str, pid: &str) -> ApiError {
    ApiError::NotFound(format!("no paragraph {pid:?} in report {id}"))
}

fn no_section(id: &str, n: &str) -> ApiError {
    ApiError::NotFound(format!(
        "no section {n:?} in report {id} (sections are numbered from 0)"
    ))
}

/// The refusals of saving a report, without logging a read: the user may replace the whole
/// report (it holds nothing above their clearance) and its state allows an edit.
async fn check_report_rules(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
) -> Result<(), ApiError> {
    check_update(user, &record.data, &record.data)?;
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

/// A citations field (`source:3 case:4, engagement:2`) read as the citations of a paragraph,
/// with the tokens kept in the same order (to name a token in a later error). Every bad token
/// is an error at `citations` naming it.
fn parse_citations(text: &str) -> (Vec<Value>, Vec<String>, Vec<FieldError>) {
    let (mut out, mut tokens, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for token in text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let Some((kind, id)) = token.split_once(':') else {
            errors.push(FieldError::new(
                "citations",
                format!("{token:?} is not a citation: write kind:id, as source:3"),
            ));
            continue;
        };
        let kind = match CitedKind::parse(kind) {
            Ok(k) => k,
            Err(_) => {
                errors.push(FieldError::new(
                    "citations",
                    format!(
                        "{token:?}: {kind:?} is not a kind of record a paragraph cites (source, case, policy, engagement)"
                    ),
                ));
                continue;
            }
        };
        match id.parse::<i64>().ok().filter(|n| *n > 0) {
            Some(n) => {
                out.push(json!({"kind": kind.as_str(), "id": n}));
                tokens.push(format!("{}:{n}", kind.as_str()));
            }
            None => errors.push(FieldError::new(
                "citations",
                format!("{token:?}: {id:?} is not a record id (a positive whole number)"),
            )),
        }
    }
    (out, tokens, errors)
}

/// The paragraph form's values as typed.
fn paragraph_values(pairs: &[(String, String)]) -> Value {
    json!({
        "kind": field(pairs, "kind"),
        "marking": field(pairs, "marking"),
        "text": field(pairs, "text"),
        "citations": field(pairs, "citations"),
        "block": field(pairs, "block"),
        "confirm_pii": field(pairs, "confirm_pii"),
    })
}

/// A stored paragraph as the values of its form.
fn paragraph_form_values(p: &ReportParagraph) -> Value {
    let citations: Vec<String> = p.citations.iter().map(|c| c.key()).collect();
    let block = p
        .block
        .as_ref()
        .and_then(|b| serde_json::to_string_pretty(b).ok())
        .unwrap_or_default();
    json!({
        "kind": p.kind.as_str(),
        "marking": p.marking.as_str(),
        "text": p.text,
        "citations": citations.join(" "),
        "block": block,
        "confirm_pii": "",
    })
}

/// What the form posted, made into the paragraph's JSON (as `Report::from_json` reads it), the
/// citation tokens in order, and the errors found before the domain parser runs.
struct ParagraphInput {
    json: Value,
    tokens: Vec<String>,
    errors: Vec<FieldError>,
    confirm_pii: Option<Value>,
}

fn paragraph_input(values: &Value, pid: &str, path: &str, clearance: Marking) -> ParagraphInput {
    let text = |k: &str| values[k].as_str().unwrap_or("").to_string();
    let mut errors = Vec::new();
    let mut p = json!({"id": pid, "kind": text("kind").trim(), "marking": text("marking").trim(),
        "text": text("text")});
    if let Ok(m) = Marking::parse(text("marking").trim())
        && m > clearance
    {
        errors.push(FieldError::new(
            "marking",
            "an account without SBU access cannot write SBU material",
        ));
    }
    let (citations, tokens, cite_errors) = parse_citations(&text("citations"));
    errors.extend(cite_errors);
    p["citations"] = Value::Array(citations);
    let block = text("block");
    if !block.trim().is_empty() {
        match parse_json_field("block", &block) {
            Ok(Value::Null) => {}
            Ok(v) => p["block"] = v,
            Err(e) => errors.push(e),
        }
    }
    let confirm = text("confirm_pii");
    let confirm_pii = if confirm.trim().is_empty() {
        None
    } else {
        match parse_json_field("confirm_pii", &confirm) {
            Ok(mut v) => {
                // "text" names this paragraph's text, wherever it sits in the report.
                if let Some(items) = v.as_array_mut() {
                    for item in items {
                        if item.get("field").and_then(Value::as_str) == Some("text") {
                            item["field"] = json!(format!("{path}.text"));
                        }
                    }
                }
                Some(v)
            }
            Err(e) => {
                errors.push(e);
                None
            }
        }
    };
    ParagraphInput {
        json: p,
        tokens,
        errors,
        confirm_pii,
    }
}

/// The errors of saving a report named by the paragraph form's fields: the paragraph at
/// `path` (`sections[1].paragraphs[2]`) is the form, so `sections[1].paragraphs[2].text` is
/// `text` and `...citations[0].id` is `citations`, naming the token. Errors elsewhere in the
/// report keep their paths (shown in the summary). Errors of one field are joined into one.
fn paragraph_errors(errors: Vec<FieldError>, path: &str, tokens: &[String]) -> ValidationErrors {
    let prefix = format!("{path}.");
    let mut merged: Vec<FieldError> = Vec::new();
    for e in errors {
        let (field, reason) = match e.field.as_deref() {
            Some(f) if f.starts_with("confirm_pii") => ("confirm_pii".to_string(), e.reason),
            Some(f) => match f.strip_prefix(&prefix) {
                Some(rest) if rest.starts_with("citations") => {
                    let token = rest
                        .strip_prefix("citations[")
                        .and_then(|r| r.split(']').next())
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| tokens.get(i));
                    let reason = match token {
                        Some(t) => format!("{t}: {}", e.reason),
                        None => e.reason,
                    };
                    ("citations".to_string(), reason)
                }
                Some(rest) if rest.starts_with("block") => (rest.to_string(), e.reason),
                Some(rest) => (
                    rest.split(['.', '[']).next().unwrap_or(rest).to_string(),
                    e.reason,
                ),
                None => (f.to_string(), e.reason),
            },
            None => {
                merged.push(e);
                continue;
            }
        };
        match merged
            .iter_mut()
            .find(|m| m.field.as_deref() == Some(field.as_str()))
        {
            Some(m) => {
                if !m.reason.split("; ").any(|r| r == reason) {
                    m.reason = format!("{}; {reason}", m.reason);
                }
            }
            None => merged.push(FieldError::new(field, reason)),
        }
    }
    ValidationErrors { errors: merged }
}

/// Which paragraph the form edits.
enum ParagraphTarget {
    /// An existing paragraph, by id.
    Existing(String),
    /// A new paragraph at the end of this section (0-based).
    New(usize),
}

#[derive(Template)]
#[template(path = "report_paragraph_form.html")]
pub struct ParagraphFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: i64,
    pub conflict: Option<String>,
    pub errors: Vec<String>,
    pub paragraph_id: String,
    pub kind: SelectField,
    pub marking: SelectField,
    pub text: Field,
    pub citations: Field,
    pub block: Field,
    pub confirm_pii: Field,
    pub confirm_hint: &'static str,
    /// The heading of the paragraph's section and its template guidance, if any.
    pub section: String,
    pub guide: Option<GuideSection>,
    /// The clearance problems of this paragraph as stored.
    pub problems: Vec<String>,
}

/// The template's guidance for one section of a report: the template section of the same
/// heading, or else the one at the same position.
async fn section_guide(
    state: &AppState,
    r: &Report,
    si: usize,
) -> Result<Option<GuideSection>, ApiError> {
    let Some(section) = r.sections.get(si) else {
        return Ok(None);
    };
    let template = report_build::effective_template(&state.store, r.template_key.as_str()).await?;
    Ok(template.and_then(|t| {
        let s = t
            .sections
            .iter()
            .find(|s| s.heading.as_str() == section.heading.as_str())
            .or_else(|| t.sections.get(si))?;
        Some(GuideSection {
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
    }))
}

async fn show_paragraph_form(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
    target: &ParagraphTarget,
    values: &Value,
    errors: &ValidationErrors,
    outcome: FormOutcome,
) -> PageResult {
    let r = &record.data;
    let href = format!("/reports/{}", record.id);
    let form = FormState { values, errors };
    let (si, pid, stored_marking, action) = match target {
        ParagraphTarget::Existing(pid) => {
            let at = locate(user, r, pid);
            let marking = at
                .map(|(si, pi)| r.sections[si].paragraphs[pi].marking)
                .unwrap_or(Marking::U);
            (
                at.map(|(si, _)| si),
                pid.clone(),
                marking,
                format!("{href}/paragraphs/{pid}"),
            )
        }
        ParagraphTarget::New(n) => (
            Some(*n),
            r.next_paragraph_id().as_str().to_string(),
            Marking::U,
            format!("{href}/sections/{n}/paragraphs/new"),
        ),
    };
    let section = si
        .and_then(|si| r.sections.get(si))
        .map(|s| s.heading.to_string())
        .unwrap_or_default();
    let guide = match si {
        Some(si) => section_guide(state, r, si).await?,
        None => None,
    };
    let problems = match target {
        ParagraphTarget::Existing(pid) => reports_api::problems_for(
            user,
            r,
            reports_api::clearance_problems(state, record).await?,
        )
        .errors
        .into_iter()
        .filter(|e| e.extra.get("paragraph").and_then(Value::as_str) == Some(pid.as_str()))
        .map(|e| e.reason)
        .collect(),
        ParagraphTarget::New(_) => Vec::new(),
    };
    let typed = Marking::parse(form.get("marking").trim())
        .ok()
        .filter(|m| user.principal.may_see(*m))
        .unwrap_or(Marking::U);
    let mut markings = vec![("U".to_string(), "U (unclassified)".to_string())];
    if user.principal.may_see(Marking::SBU) {
        markings.push((
            "SBU".to_string(),
            "SBU (sensitive but unclassified)".to_string(),
        ));
    }
    let kinds = pairs(ParagraphKind::ALL.iter().map(|k| (k.as_str(), k.label())));
    let heading = match target {
        ParagraphTarget::Existing(pid) => format!("Paragraph {pid}: {}", r.subject),
        ParagraphTarget::New(_) => format!("New paragraph in {section}"),
    };
    let t = ParagraphFormPage {
        page: PageMeta::new(heading.clone(), stored_marking.max(typed), user),
        heading,
        action,
        cancel_href: format!("{href}#paragraphs"),
        version: outcome.version,
        conflict: outcome.conflict,
        errors: form.summary(),
        paragraph_id: pid,
        kind: form.select("kind", &kinds, None),
        marking: form.select("marking", &markings, None),
        text: plain(form.text("text")),
        citations: plain(form.text("citations")),
        block: plain(form.json_area("block")),
        confirm_pii: plain(form.json_area("confirm_pii")),
        confirm_hint: "When a problem says the text holds something that looks like a personal name and it is a public \
             official's, paste the confirm_pii list the problem gives here, e.g. [{\"field\": \"text\", \"span\": [4, 15]}] \
             (\"text\" names this paragraph's text).",
        section,
        guide,
        problems,
    };
    Ok(render(outcome.status, &t))
}

fn stale_form_notice(expected: i64, current: i64) -> String {
    format!(
        "You edited version {expected}, but version {current} was saved meanwhile. Your paragraph is kept below \
         and was not saved. Check the report as it is now (open it in another tab); saving this form again \
         applies your paragraph to version {current}."
    )
}

/// The edit form of one paragraph.
pub async fn report_paragraph_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
) -> PageResult {
    let (id, pid) = two_segments(path)?;
    let record = load_visible::<Report>(&state, &user, &id).await?;
    check_report_rules(&state, &user, &record).await?;
    let (si, pi) = locate(&user, &record.data, &pid).ok_or_else(|| no_paragraph(&id, &pid))?;
    let p = &record.data.sections[si].paragraphs[pi];
    if p.marking == Marking::SBU {
        crate::access::audit_reads(&state, &user, "read", &[&record]).await?;
    }
    let values = paragraph_form_values(p);
    show_paragraph_form(
        &state,
        &user,
        &record,
        &ParagraphTarget::Existing(pid),
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

/// The form of a new paragraph at the end of a section.
pub async fn report_paragraph_new(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
) -> PageResult {
    let (id, n) = two_segments(path)?;
    let record = load_visible::<Report>(&state, &user, &id).await?;
    check_report_rules(&state, &user, &record).await?;
    let si = n
        .parse::<usize>()
        .ok()
        .filter(|si| *si < record.data.sections.len())
        .ok_or_else(|| no_section(&id, &n))?;
    let heading = record.data.sections[si].heading.as_str().to_lowercase();
    let kind = if heading.contains("summary") {
        "summary"
    } else {
        "fact"
    };
    let values = json!({"kind": kind, "marking": "U", "text": "", "citations": "", "block": "",
        "confirm_pii": ""});
    show_paragraph_form(
        &state,
        &user,
        &record,
        &ParagraphTarget::New(si),
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

/// Saves the paragraph form: the stored report with this one paragraph replaced (or added),
/// saved as a whole through `update_report`.
async fn save_paragraph(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    target: ParagraphTarget,
    pairs: &[(String, String)],
) -> PageResult {
    let current = load_visible::<Report>(state, user, id).await?;
    check_report_rules(state, user, &current).await?;
    let expected = form_version(pairs).ok_or(ApiError::PreconditionRequired)?;
    let values = paragraph_values(pairs);
    let r = &current.data;
    let (si, pi, pid, replace) = match &target {
        ParagraphTarget::Existing(pid) => match locate(user, r, pid) {
            Some((si, pi)) => (si, pi, pid.clone(), true),
            None if expected != current.version => {
                // Deleted since the form was read: keep the typing and say so.
                let outcome = FormOutcome {
                    version: current.version,
                    conflict: Some(format!(
                        "{} Paragraph {pid} is no longer in the report.",
                        stale_form_notice(expected, current.version)
                    )),
                    status: StatusCode::CONFLICT,
                };
                return show_paragraph_form(
                    state,
                    user,
                    &current,
                    &target,
                    &values,
                    &ValidationErrors::default(),
                    outcome,
                )
                .await;
            }
            None => return Err(no_paragraph(id, pid).into()),
        },
        ParagraphTarget::New(si) => match r.sections.get(*si) {
            Some(s) => (
                *si,
                s.paragraphs.len(),
                r.next_paragraph_id().as_str().to_string(),
                false,
            ),
            None => return Err(no_section(id, &si.to_string()).into()),
        },
    };
    let path = format!("sections[{si}].paragraphs[{pi}]");
    let input = paragraph_input(&values, &pid, &path, user.principal.clearance());
    let mut body = r.to_json();
    if let Some(list) = body["sections"][si]["paragraphs"].as_array_mut() {
        if replace {
            list[pi] = input.json.clone();
        } else {
            list.push(input.json.clone());
        }
    }
    if let Some(c) = &input.confirm_pii {
        body["confirm_pii"] = c.clone();
    }
    let result = if input.errors.is_empty() {
        reports_api::update_report(state, user, id, expected, &body).await
    } else {
        // Nothing to save; the other fields are still checked, so every error shows at once.
        let mut errors = input.errors.clone();
        if let Some(o) = body.as_object_mut() {
            o.remove("confirm_pii");
        }
        if let Err(more) = Report::from_json(&body) {
            let more = paragraph_errors(more.errors, &path, &input.tokens);
            let taken: Vec<String> = errors.iter().filter_map(|e| e.field.clone()).collect();
            errors.extend(
                more.errors
                    .into_iter()
                    .filter(|e| e.field.as_ref().is_none_or(|f| !taken.contains(f))),
            );
        }
        Err(ApiError::Invalid(ValidationErrors { errors }))
    };
    let (errors, version, conflict, status) = match result {
        Ok(saved) => return Ok(see_other(format!("/reports/{}#{pid}", saved.id))),
        Err(ApiError::Invalid(e)) => (
            paragraph_errors(e.errors, &path, &input.tokens),
            expected,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(ApiError::Conflict { expected, current }) => (
            ValidationErrors::default(),
            current,
            Some(stale_form_notice(expected, current)),
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(e.into()),
    };
    let outcome = FormOutcome {
        version,
        conflict,
        status,
    };
    show_paragraph_form(state, user, &current, &target, &values, &errors, outcome).await
}

/// Saves one paragraph from its form (`kind`, `marking`, `text`, `citations`, `block`,
/// `confirm_pii`, `version`).
pub async fn report_paragraph_update(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let (id, pid) = two_segments(path)?;
    save_paragraph(&state, &user, &id, ParagraphTarget::Existing(pid), &pairs).await
}

/// Adds a paragraph (with the next free id) at the end of section `{n}`.
pub async fn report_paragraph_create(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let (id, n) = two_segments(path)?;
    let si = n.parse::<usize>().map_err(|_| no_section(&id, &n))?;
    save_paragraph(&state, &user, &id, ParagraphTarget::New(si), &pairs).await
}

/// Saves a change of the report's structure (a paragraph deleted or moved); a refusal shows
/// the report page again with the reason.
async fn save_structure(
    state: &AppState,
    user: &CurrentUser,
    current: &Record<Report>,
    expected: i64,
    next: &Report,
    done: String,
) -> PageResult {
    let raw = current.id.to_string();
    let (notice, status) =
        match reports_api::update_report(state, user, &raw, expected, &next.to_json()).await {
            Ok(_) => return Ok(see_other(done)),
            Err(ApiError::Invalid(e)) => {
                let mut notice = vec!["Not saved: the report would have problems.".to_string()];
                notice.extend(e.errors.iter().map(ToString::to_string));
                (notice, StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(ApiError::Conflict { expected, current }) => (
                vec![conflict_notice(expected, current)],
                StatusCode::CONFLICT,
            ),
            Err(e) => return Err(e.into()),
        };
    let record = load_visible::<Report>(state, user, &raw).await?;
    let redo = Redo {
        notice,
        ..Redo::default()
    };
    show_report(state, user, &record, redo, status).await
}

/// Deletes one paragraph (`version`).
pub async fn report_paragraph_delete(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let (id, pid) = two_segments(path)?;
    let current = load_visible::<Report>(&state, &user, &id).await?;
    check_report_rules(&state, &user, &current).await?;
    let expected = form_version(&pairs).ok_or(ApiError::PreconditionRequired)?;
    let (si, pi) = locate(&user, &current.data, &pid).ok_or_else(|| no_paragraph(&id, &pid))?;
    let mut next = current.data.clone();
    next.sections[si].paragraphs.remove(pi);
    let done = format!("/reports/{id}#paragraphs");
    save_structure(&state, &user, &current, expected, &next, done).await
}

/// Moves a paragraph one place up or down; past its section's edge it moves to the end of the
/// section before or the start of the section after. `None` when there is nowhere to go.
fn moved(r: &Report, si: usize, pi: usize, up: bool) -> Option<Report> {
    let mut next = r.clone();
    let last = next.sections.get(si)?.paragraphs.len().checked_sub(1)?;
    if up {
        if pi > 0 {
            next.sections[si].paragraphs.swap(pi, pi - 1);
        } else if si > 0 {
            let p = next.sections[si].paragraphs.remove(pi);
            next.sections[si - 1].paragraphs.push(p);
        } else {
            return None;
        }
    } else if pi < last {
        next.sections[si].paragraphs.swap(pi, pi + 1);
    } else if si + 1 < next.sections.len() {
        let p = next.sections[si].paragraphs.remove(pi);
        next.sections[si + 1].paragraphs.insert(0, p);
    } else {
        return None;
    }
    Some(next)
}

/// Moves one paragraph (`direction` = up | down, `version`).
pub async fn report_paragraph_move(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let (id, pid) = two_segments(path)?;
    let current = load_visible::<Report>(&state, &user, &id).await?;
    check_report_rules(&state, &user, &current).await?;
    let expected = form_version(&pairs).ok_or(ApiError::PreconditionRequired)?;
    let up = match field(&pairs, "direction").trim() {
        "up" => true,
        "down" => false,
        other => {
            return Err(ApiError::Invalid(
                FieldError::new(
                    "direction",
                    format!("{other:?} is not a direction: up or down"),
                )
                .into(),
            )
            .into());
        }
    };
    let (si, pi) = locate(&user, &current.data, &pid).ok_or_else(|| no_paragraph(&id, &pid))?;
    match moved(&current.data, si, pi, up) {
        Some(next) => {
            let done = format!("/reports/{id}#edit-{pid}");
            save_structure(&state, &user, &current, expected, &next, done).await
        }
        None => {
            let redo = Redo {
                notice: vec![format!(
                    "Not moved: {pid} is already the {} paragraph of the report.",
                    if up { "first" } else { "last" }
                )],
                ..Redo::default()
            };
            show_report(
                &state,
                &user,
                &current,
                redo,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- reports: history

pub struct HistoryRow {
    pub version: i64,
    pub at: String,
    pub author: String,
    pub state: String,
    pub change: String,
    /// SBU paragraphs of this version withheld from the user.
    pub withheld: usize,
}

#[derive(Template)]
#[template(path = "report_history.html")]
pub struct ReportHistoryPage {
    pub page: PageMeta,
    pub id: i64,
    pub subject: String,
    pub rows: Vec<HistoryRow>,
    pub sbu_hidden: bool,
}

/// A change of state on its own, in words ("submitted", "cleared step 1").
fn state_change(from: ReportState, to: ReportState) -> Option<String> {
    use ReportState as S;
    Some(match (from, to) {
        _ if from == to => return None,
        (S::Draft, S::InClearance { step: 0 }) => "submitted".into(),
        (S::InClearance { step }, S::InClearance { step: next }) if next == step + 1 => {
            format!("cleared step {}", step + 1)
        }
        (S::InClearance { step }, S::Cleared) => format!("cleared step {} (the last)", step + 1),
        (S::InClearance { .. } | S::Cleared, S::Draft) => "returned to draft".into(),
        (S::Cleared, S::Published) => "published".into(),
        (S::Published, S::Withdrawn) => "withdrawn".into(),
        (from, to) => format!("state changed from {from} to {to}"),
    })
}

/// The ids of `b` that are not in a longest common subsequence with `a`: the ones that moved.
fn out_of_order<'a>(a: &[&str], b: &[&'a str]) -> Vec<&'a str> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut kept) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            kept.push(b[j]);
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    b.iter().copied().filter(|id| !kept.contains(id)).collect()
}

/// What changed from one version to the next, as a user who sees `visible` markings may know
/// it: the state change, the header fields, and the paragraphs added, removed, changed or
/// moved (by id); with the highest marking of the paragraphs it names.
fn describe_change(
    prev: &Report,
    next: &Report,
    visible: impl Fn(Marking) -> bool,
) -> (String, Marking) {
    let state = state_change(prev.state, next.state);
    if prev.same_content(next) {
        let text = state.unwrap_or_else(|| "saved without a change to the text".into());
        return (text, Marking::U);
    }
    let mut edits: Vec<String> = Vec::new();
    let header: [(&str, bool); 9] = [
        ("post", prev.post != next.post),
        ("tasking", prev.tasking_id != next.tasking_id),
        ("due date", prev.due != next.due),
        ("template", prev.template_key != next.template_key),
        ("subject", prev.subject != next.subject),
        ("TAGS", prev.tags != next.tags),
        ("references", prev.refs != next.refs),
        ("captions", prev.captions != next.captions),
        ("demo flag", prev.demo != next.demo),
    ];
    edits.extend(
        header
            .iter()
            .filter(|(_, c)| *c)
            .map(|(n, _)| n.to_string()),
    );
    let headings =
        |r: &Report| -> Vec<String> { r.sections.iter().map(|s| s.heading.to_string()).collect() };
    if headings(prev) != headings(next) {
        edits.push("section headings".into());
    }
    let shown = |r: &Report| -> Vec<(String, ReportParagraph)> {
        r.paragraphs()
            .filter(|(_, p)| visible(p.marking))
            .map(|(s, p)| (s.heading.to_string(), p.clone()))
            .collect()
    };
    let (old, new) = (shown(prev), shown(next));
    let find = |list: &[(String, ReportParagraph)], id: &str| -> Option<usize> {
        list.iter().position(|(_, p)| p.id.as_str() == id)
    };
    let old_common: Vec<&str> = old
        .iter()
        .map(|(_, p)| p.id.as_str())
        .filter(|id| find(&new, id).is_some())
        .collect();
    let new_common: Vec<&str> = new
        .iter()
        .map(|(_, p)| p.id.as_str())
        .filter(|id| find(&old, id).is_some())
        .collect();
    let reordered = out_of_order(&old_common, &new_common);
    let mut marking = Marking::U;
    for (heading, p) in &new {
        let id = p.id.as_str();
        let Some(i) = find(&old, id) else {
            edits.push(format!("{id} added"));
            marking = marking.max(p.marking);
            continue;
        };
        let (old_heading, o) = &old[i];
        let mut what: Vec<&str> = Vec::new();
        for (name, changed) in [
            ("kind", o.kind != p.kind),
            ("marking", o.marking != p.marking),
            ("text", o.text != p.text),
            ("citations", o.citations != p.citations),
            ("block", o.block != p.block),
            ("moved", old_heading != heading || reordered.contains(&id)),
        ] {
            if changed {
                what.push(name);
            }
        }
        if !what.is_empty() {
            edits.push(format!("{id} {}", what.join("+")));
            marking = marking.max(p.marking).max(o.marking);
        }
    }
    for (_, o) in &old {
        if find(&new, o.id.as_str()).is_none() {
            edits.push(format!("{} removed", o.id.as_str()));
            marking = marking.max(o.marking);
        }
    }
    let mut text = if edits.is_empty() {
        "edited: no change this account may see".to_string()
    } else {
        format!("edited: {}", edits.join(", "))
    };
    if let Some(s) = state {
        text.push_str(&format!("; {s}"));
    }
    (text, marking)
}

/// Every version of a report, newest first, each with its author, the state it left the
/// report in and what changed since the version before (paragraphs above the user's clearance
/// left out).
pub async fn report_history_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Report>(&state, &user, &id).await?;
    let chain = reports_api::chain_of(&state, &record.data).await?;
    let history = state.store.history::<Report>(record.id).await?;
    let sees = |m: Marking| user.principal.may_see(m);
    let mut rows = Vec::new();
    let mut marking = Marking::U;
    let mut prev: Option<&Report> = None;
    for (info, data) in &history {
        let change = match prev {
            None => "created".to_string(),
            Some(p) => {
                let (text, m) = describe_change(p, data, sees);
                marking = marking.max(m);
                text
            }
        };
        rows.push(HistoryRow {
            version: info.version,
            at: info.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            author: info.author.to_string(),
            state: state_text(&data.state, &chain),
            change,
            withheld: data.paragraphs().filter(|(_, p)| !sees(p.marking)).count(),
        });
        prev = Some(data);
    }
    rows.reverse();
    let sbu_hidden = rows.iter().any(|r| r.withheld > 0);
    let t = ReportHistoryPage {
        page: PageMeta::new(format!("History: {}", record.data.subject), marking, &user),
        id: record.id.get(),
        subject: record.data.subject.to_string(),
        rows,
        sbu_hidden,
    };
    Ok(render(StatusCode::OK, &t))
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
    Ok(reports_api::output(&state, &user, &b, &format, public_asked(raw.as_deref())).await?)
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

    fn report(sections: Value) -> Report {
        Report::from_json(&json!({"post": "berlin", "template_key": "hr-classic",
            "subject": "S", "tags": [], "sections": sections}))
        .unwrap()
    }

    fn para(id: &str, marking: &str, text: &str) -> Value {
        json!({"id": id, "kind": "analysis", "marking": marking, "text": text})
    }

    fn ids(r: &Report) -> Vec<Vec<&str>> {
        r.sections
            .iter()
            .map(|s| s.paragraphs.iter().map(|p| p.id.as_str()).collect())
            .collect()
    }

    #[test]
    fn citations_are_read_from_tokens_and_bad_ones_named() {
        let (c, tokens, errors) = parse_citations(" source:3, case:4\nengagement:2 ");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            c,
            vec![
                json!({"kind": "source", "id": 3}),
                json!({"kind": "case", "id": 4}),
                json!({"kind": "engagement", "id": 2})
            ]
        );
        assert_eq!(tokens, ["source:3", "case:4", "engagement:2"]);
        let (c, _, errors) = parse_citations("sauce:3 source:0 policy 12 policy:7");
        assert_eq!(c, vec![json!({"kind": "policy", "id": 7})]);
        let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(errors.len(), 4, "{reasons:?}");
        assert!(
            errors
                .iter()
                .all(|e| e.field.as_deref() == Some("citations"))
        );
        assert!(reasons[0].contains("\"sauce:3\"") && reasons[0].contains("not a kind"));
        assert!(reasons[1].contains("\"source:0\"") && reasons[1].contains("not a record id"));
        assert!(reasons[2].contains("\"policy\"") && reasons[2].contains("kind:id"));
        assert!(parse_citations("").0.is_empty());
    }

    #[test]
    fn errors_of_the_paragraph_map_to_its_fields() {
        let errors = vec![
            FieldError::new("sections[1].paragraphs[2].text", "a paragraph needs text"),
            FieldError::new(
                "sections[1].paragraphs[2].citations[1].id",
                "no case with id 9",
            ),
            FieldError::new("sections[1].paragraphs[2].citations[0]", "cited twice"),
            FieldError::new("sections[1].paragraphs[2].block.cases", "two cases"),
            FieldError::new("sections[0].paragraphs[0].citations[0].id", "elsewhere"),
            FieldError::new("confirm_pii[0]", "expected"),
        ];
        let tokens = vec!["source:3".to_string(), "case:9".to_string()];
        let e = paragraph_errors(errors, "sections[1].paragraphs[2]", &tokens);
        assert_eq!(e.reason_for("text"), Some("a paragraph needs text"));
        assert_eq!(
            e.reason_for("citations"),
            Some("case:9: no case with id 9; source:3: cited twice")
        );
        assert_eq!(e.reason_for("block.cases"), Some("two cases"));
        assert_eq!(
            e.reason_for("sections[0].paragraphs[0].citations[0].id"),
            Some("elsewhere")
        );
        assert_eq!(e.reason_for("confirm_pii"), Some("expected"));
    }

    #[test]
    fn moves_cross_section_edges_and_stop_at_the_ends() {
        let r = report(json!([
            {"heading": "A", "paragraphs": [para("p1", "U", "a"), para("p2", "U", "b")]},
            {"heading": "B", "paragraphs": []},
            {"heading": "C", "paragraphs": [para("p3", "U", "c")]}
        ]));
        assert!(moved(&r, 0, 0, true).is_none());
        assert!(moved(&r, 2, 0, false).is_none());
        let m = moved(&r, 0, 0, false).unwrap();
        assert_eq!(ids(&m), vec![vec!["p2", "p1"], vec![], vec!["p3"]]);
        let m = moved(&r, 0, 1, false).unwrap();
        assert_eq!(ids(&m), vec![vec!["p1"], vec!["p2"], vec!["p3"]]);
        let m = moved(&r, 2, 0, true).unwrap();
        assert_eq!(ids(&m), vec![vec!["p1", "p2"], vec!["p3"], vec![]]);
    }

    #[test]
    fn changes_are_described_by_paragraph_and_state() {
        let a = report(json!([
            {"heading": "A", "paragraphs": [para("p1", "U", "a"), para("p2", "SBU", "secret"),
                para("p3", "U", "c")]}
        ]));
        let mut submitted = a.clone();
        submitted.state = ReportState::InClearance { step: 0 };
        let all = |_: Marking| true;
        let open = |m: Marking| m == Marking::U;
        assert_eq!(describe_change(&a, &submitted, all).0, "submitted");
        let mut cleared = submitted.clone();
        cleared.state = ReportState::InClearance { step: 1 };
        assert_eq!(
            describe_change(&submitted, &cleared, all).0,
            "cleared step 1"
        );
        assert_eq!(
            describe_change(&cleared, &a, all).0,
            "returned to draft",
            "same text, back to draft"
        );
        let b = report(json!([
            {"heading": "A", "paragraphs": [para("p3", "U", "c"), para("p1", "U", "a2"),
                para("p2", "SBU", "secret2"), para("p4", "U", "d")]}
        ]));
        let (text, marking) = describe_change(&cleared, &b, all);
        assert_eq!(
            text, "edited: p3 moved, p1 text, p2 text, p4 added; returned to draft",
            "p3 moved to the front: only it is named as moved"
        );
        assert_eq!(marking, Marking::SBU);
        let (text, marking) = describe_change(&a, &b, open);
        assert!(!text.contains("p2"), "{text}");
        assert_eq!(marking, Marking::U);
        let mut c = a.clone();
        c.sections[0].paragraphs[1].text = "secret, changed".into();
        assert_eq!(
            describe_change(&a, &c, open).0,
            "edited: no change this account may see"
        );
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
