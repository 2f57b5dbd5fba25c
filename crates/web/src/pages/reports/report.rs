//! The report list, a new report, and the report page: preview, clearance chain, problems,
//! actions, comments and builds.

use super::taskings::may_draft_at;
use super::{date_text, draft_json, field, plain, state_text, template_options};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::{FormBody, IdPath};
use crate::pages::registers::{Shown, post_name};
use crate::pages::views::{Fact, Field, FormState, PageMeta, SelectField, post_options};
use crate::pages::{PageResult, form_version, next_href, render, see_other, stamp};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chancery_app::access::{AppRecord, check_open, check_update, load_visible};
use chancery_domain::access::Role;
use chancery_domain::report::{Report, ReportAction, ReportState, transition};
use chancery_domain::{Action, FieldError, Marked, Marking, Record, ValidationErrors, can};
use serde_json::{Value, json};

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

pub(super) fn may_create_reports(user: &CurrentUser) -> bool {
    can(&user.principal, Action::Create, &Report::collection()).allowed()
}

pub async fn reports_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    // Words: the search of this type (`/cases?q=Hamburg`).
    if let Some(r) = crate::pages::search::list_words(raw.as_deref(), "report") {
        return Ok(r);
    }
    check_open(&user, Action::Read, &Report::collection())?;
    let posts = chancery_app::posts::all(&state).await?;
    let values = crate::pages::query_json(raw.as_deref());
    let (errors, page) =
        match chancery_app::reports::reports::list_reports(&state, &user, raw.as_deref()).await {
            Ok(page) => (ValidationErrors::default(), Some(page)),
            Err(AppError::Invalid(e)) => (e, None),
            Err(e) => return Err(e.into()),
        };
    let taskings = chancery_app::reports::taskings::visible_taskings(&state, &user).await?;
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

pub(super) async fn show_report_new(
    state: &AppState,
    user: &CurrentUser,
    values: &Value,
    errors: &ValidationErrors,
    status: StatusCode,
) -> PageResult {
    let posts: Vec<_> = chancery_app::posts::all(state)
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
        chancery_app::reports::templates::effective(&state, key.trim()).await?
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
            chancery_app::reports::reports::create_report(&state, &user, &body).await
        }
        None => Err(AppError::Invalid(
            FieldError::new("template_key", "choose one of the templates").into(),
        )),
    };
    match result {
        Ok(r) => Ok(see_other(format!("/reports/{}/edit", r.id))),
        Err(AppError::Invalid(errors)) => {
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
pub(super) fn paragraph_sections(user: &CurrentUser, r: &Report) -> Vec<SectionEdit> {
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
                .filter(|(_, p)| user.principal.may_see(p.effective_marking()))
                .map(|(pi, p)| {
                    let mut excerpt: String = p.text.chars().take(200).collect();
                    if p.text.chars().count() > 200 {
                        excerpt.push('…');
                    }
                    ParagraphRow {
                        id: p.id.as_str().to_string(),
                        kind: p.kind.label(),
                        marking: p.effective_marking().as_str(),
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
pub(super) fn embeddable(html: &str) -> String {
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

pub(super) fn chain_steps(state: &ReportState, chain: &[Role]) -> Vec<ChainStep> {
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

pub(super) const FORMATS: [(&str, &str); 5] = [
    ("HTML", "html"),
    ("PDF", "pdf"),
    ("Cable", "cable"),
    ("Markdown", "md"),
    ("Manifest", "manifest"),
];

/// What the report page shows again after a refused form: the notice and what was typed.
#[derive(Default)]
pub(super) struct Redo {
    pub(super) notice: Vec<String>,
    pub(super) comment: Value,
    pub(super) comment_errors: ValidationErrors,
}

pub(super) async fn show_report(
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
    let posts = chancery_app::posts::all(state).await?;
    let chain = chancery_app::reports::reports::chain_of(state, r).await?;
    let template =
        chancery_app::reports::templates::effective(state, r.template_key.as_str()).await?;
    let tasking = match r.tasking_id {
        Some(tid) => {
            match chancery_app::reports::taskings::load_tasking(state, user, &tid.to_string()).await
            {
                Ok(t) => Some(TaskingLink {
                    id: tid.get(),
                    title: t.data.title.to_string(),
                }),
                Err(_) => Some(TaskingLink {
                    id: tid.get(),
                    title: format!("tasking {tid}"),
                }),
            }
        }
        None => None,
    };
    let problems = chancery_app::reports::reports::problems_for(
        user,
        r,
        chancery_app::reports::reports::clearance_problems(state, record).await?,
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
    let flags = chancery_app::reports::taskings::report_flags(state, user, record).await?;
    let withheld = r
        .paragraphs()
        .filter(|(_, p)| !user.principal.may_see(p.effective_marking()))
        .count();

    // The preview: the report as it stands, resolved like a build (nothing stored).
    let mut marking = Marking::U;
    let (preview, preview_error) = match chancery_app::reports::builds::preview(state, record).await
    {
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

    let comments = chancery_app::reports::reports::visible_comments(state, user, record)
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
        .filter(|(_, p)| user.principal.may_see(p.effective_marking()))
        .map(|(s, p)| {
            let text: String = p.text.chars().take(60).collect();
            (
                p.id.as_str().to_string(),
                format!(
                    "{} ({}, {}) in {}: {text}",
                    p.id.as_str(),
                    p.kind.label(),
                    p.effective_marking().as_str(),
                    s.heading
                ),
            )
        })
        .collect();
    let comment_form = FormState {
        values: &redo.comment,
        errors: &redo.comment_errors,
    };

    let builds_stored =
        chancery_app::reports::builds::builds_with_flags(state, user, record).await?;
    let mut builds = Vec::new();
    for (i, (b, flags)) in builds_stored.iter().enumerate() {
        let flags = flags.clone();
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
            previous: builds_stored.get(i + 1).map(|(p, _)| p.id),
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

pub(super) fn conflict_notice(expected: i64, current: i64) -> String {
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
        .map_err(|e| AppError::Invalid(FieldError::new("action", e).into()))?;
    let expected = form_version(&pairs).ok_or(AppError::PreconditionRequired)?;
    let (notice, status) =
        match chancery_app::reports::reports::act(&state, &user, &id, expected, action).await {
            Ok(r) => return Ok(see_other(format!("/reports/{}", r.id))),
            Err(AppError::Invalid(e)) => {
                let mut notice = vec![format!(
                    "Not done ({}): the report has problems.",
                    action.label()
                )];
                notice.extend(e.errors.iter().map(|e| e.reason.clone()));
                (notice, StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(AppError::Conflict { expected, current }) => (
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
    match chancery_app::reports::reports::add_comment(&state, &user, &id, paragraph.trim(), &body)
        .await
    {
        Ok(_) => Ok(see_other(format!("/reports/{id}#comments"))),
        Err(AppError::Invalid(errors)) => {
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
    match chancery_app::reports::builds::make_build(&state, &user, &id).await {
        Ok(b) => Ok(see_other(format!("/reports/{}#builds", b.report_id))),
        Err(AppError::Invalid(errors)) => {
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
