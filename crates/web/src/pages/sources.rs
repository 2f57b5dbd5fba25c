//! Source pages: list, view (with the source's archived copies and the form to archive pasted
//! text or a URL), create, edit and history. Plain forms and links, no JavaScript; every page
//! asks the policy through `access`, shows only what the user may see, and logs reads of SBU
//! material.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::{FormBody, IdPath};
use crate::pages::forms::{check_may_edit, form_marking, save_form};
use crate::pages::history::history_page;
use crate::pages::listing::Listed;
use crate::pages::record_forms::source_form;
use crate::pages::views::{
    Fact, Field, FormState, LinkView, PageMeta, SourceRow, SourcesPage, source_facts,
    source_kind_options,
};
use crate::pages::{PageResult, form_version, render, see_other, stamp};
use crate::routes::Route;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chancery_app::access::{AppRecord, Shown, check_open, check_update, load_visible};
use chancery_app::archive::ArchiveInfo;
use chancery_domain::input::form_to_json;
use chancery_domain::source::SourceStatus;
use chancery_domain::{Action, FieldError, Marking, Record, Role, Source, ValidationErrors};
use serde_json::{Map, Value, json};

pub async fn sources_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    // Words: the search of this type (`/cases?q=Hamburg`).
    if let Some(r) = crate::pages::search::list_words(raw.as_deref(), "source") {
        return Ok(r);
    }
    let listed = Listed::<Source>::load(&state, &user, raw.as_deref()).await?;
    let form = listed.form();
    let t = SourcesPage {
        page: PageMeta::new("Sources", listed.marking(), &user),
        kind: form.select("kind", &source_kind_options(), Some("(any)")),
        errors: form.summary(),
        rows: listed.rows(SourceRow::new),
        next: listed.next("/sources", raw.as_deref()),
    };
    let status = listed.status();
    Ok(render(status, &t))
}

pub async fn new_source(user: CurrentUser) -> PageResult {
    check_open(&user, Action::Create, &Source::collection())?;
    if user.principal.role() == Role::HqReader {
        return Err(AppError::Forbidden("an HQ reader reads but does not write".into()).into());
    }
    let values = json!({"marking": "U"});
    let errors = ValidationErrors::default();
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let page = PageMeta::new("New source", Marking::U, &user);
    let t = source_form(
        "New source".into(),
        "/sources".into(),
        "/sources".into(),
        None,
        None,
        &form,
        page,
    );
    Ok(render(StatusCode::OK, &t))
}

pub async fn create_source(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    let values = form_to_json(&pairs);
    match save_form::<Source>(&state, &user, &values, None, None).await? {
        Ok(record) => Ok(see_other(format!("/sources/{}", record.id))),
        Err(refusal) => {
            let form = FormState {
                values: &values,
                errors: &refusal.errors,
            };
            let page = PageMeta::new("New source", form_marking(false, &values, &user), &user);
            let t = source_form(
                "New source".into(),
                "/sources".into(),
                "/sources".into(),
                None,
                None,
                &form,
                page,
            );
            Ok(render(refusal.status, &t))
        }
    }
}

pub async fn source_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Source>(&state, &user, &id).await?;
    source_view(
        &state,
        &user,
        record,
        &json!({}),
        &ValidationErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn edit_source(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Source>(&state, &user, &id).await?;
    check_may_edit(&state, &user, &record).await?;
    let values = record.data.to_json();
    let errors = ValidationErrors::default();
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let href = format!("/sources/{}", record.id);
    let page = PageMeta::new(
        format!("Edit: {}", record.data.title),
        record.data.marking,
        &user,
    );
    let t = source_form(
        format!("Edit: {}", record.data.title),
        format!("{href}/edit"),
        href,
        Some(record.version),
        None,
        &form,
        page,
    );
    Ok(render(StatusCode::OK, &t))
}

pub async fn update_source(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(pairs): FormBody,
) -> PageResult {
    let current = load_visible::<Source>(&state, &user, &id).await?;
    let expected = form_version(&pairs).ok_or(AppError::PreconditionRequired)?;
    let values = form_to_json(&pairs);
    let href = format!("/sources/{}", current.id);
    let refusal =
        match save_form::<Source>(&state, &user, &values, Some(&current), Some(expected)).await? {
            Ok(_) => return Ok(see_other(href)),
            Err(r) => r,
        };
    let form = FormState {
        values: &values,
        errors: &refusal.errors,
    };
    let page = PageMeta::new(
        format!("Edit: {}", current.data.title),
        form_marking(false, &values, &user).max(current.data.marking),
        &user,
    );
    let t = source_form(
        format!("Edit: {}", current.data.title),
        format!("{href}/edit"),
        href,
        refusal.version,
        refusal.conflict,
        &form,
        page,
    );
    Ok(render(refusal.status, &t))
}

pub async fn source_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    history_page::<Source>(
        &state,
        &user,
        &id,
        |s| s.title.to_string(),
        |s, _| {
            let mut facts = vec![Fact::new("Title", s.title.to_string())];
            facts.extend(source_facts(s));
            facts
        },
    )
    .await
}

pub struct ArchiveView {
    pub id: i64,
    pub href: String,
    pub sha256: String,
    pub media_type: String,
    pub size: String,
    pub file_name: Option<String>,
    pub original_url: Option<String>,
    /// Where the fetch ended, when redirects led elsewhere.
    pub final_url: Option<String>,
    /// The URLs are http(s), so they may be shown as links.
    pub original_link: bool,
    pub final_link: bool,
    pub http_status: Option<i64>,
    pub retrieved_at: String,
    pub has_text: bool,
    pub has_translation: bool,
    /// Why no text could be read, when the extraction failed.
    pub extraction_failed: Option<String>,
}

fn is_web(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn size_text(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB ({bytes} bytes)", bytes as f64 / 1024.0)
    } else {
        format!(
            "{:.1} MiB ({bytes} bytes)",
            bytes as f64 / (1024.0 * 1024.0)
        )
    }
}

fn archive_view(a: &ArchiveInfo) -> ArchiveView {
    ArchiveView {
        id: a.id,
        href: format!("/sources/{}/archives/{}/file", a.source_id, a.id),
        sha256: a.sha256.clone(),
        media_type: a.media_type.clone(),
        size: size_text(a.size_bytes),
        file_name: a.file_name.clone(),
        original_link: a.original_url.as_deref().is_some_and(is_web),
        final_link: a.final_url.as_deref().is_some_and(is_web),
        original_url: a.original_url.clone(),
        final_url: a
            .final_url
            .clone()
            .filter(|f| Some(f) != a.original_url.as_ref()),
        http_status: a.http_status,
        retrieved_at: a.retrieved_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        has_text: a.has_text,
        has_translation: a.has_translation,
        extraction_failed: match &a.extraction {
            chancery_app::archive::Extraction::Failed { reason } => Some(reason.clone()),
            _ => None,
        },
    }
}

#[derive(Template)]
#[template(path = "source_view.html")]
pub struct SourcePage {
    pub page: PageMeta,
    pub heading: String,
    pub self_href: String,
    pub api_href: String,
    pub reliability: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_reason: Option<String>,
    pub retracted: bool,
    pub superseded: bool,
    pub facts: Vec<Fact>,
    pub backlinks: Vec<LinkView>,
    pub archives: Vec<ArchiveView>,
    /// The user may edit the source, and so archive copies of it.
    pub may_edit: bool,
    pub archive_errors: Vec<String>,
    pub archive_text: Field,
    pub archive_text_en: Field,
    pub archive_url: Field,
    pub version: i64,
    pub created: String,
    pub updated: String,
}

/// The source page: the record, its status and reliability, the cases citing it, its archived
/// copies, and (for those who may edit it) the form to archive pasted text, with `values` and
/// `errors` of a failed submission.
pub(crate) async fn source_view(
    state: &AppState,
    user: &CurrentUser,
    record: Record<Source>,
    values: &Value,
    errors: &ValidationErrors,
    status: StatusCode,
) -> PageResult {
    let clearance = user.principal.clearance();
    let mut shown = Shown::new();
    shown.add(&record, clearance);
    let mut backlinks = Vec::new();
    for c in chancery_app::cases::citing(state, user, record.id).await? {
        shown.add_title(&c);
        backlinks.push(LinkView {
            id: c.id.get(),
            label: c.data.title.to_string(),
            relation: String::new(),
        });
    }
    let archives = chancery_app::archive::archives_of(state, user, &record.id.to_string())
        .await?
        .iter()
        .map(archive_view)
        .collect();
    let marking = shown.log(state, user).await?;
    let s = &record.data;
    let may_edit = check_update(user, s, s).is_ok();
    let form = FormState { values, errors };
    let mut facts = source_facts(s);
    if let Some(t) = &s.title_en {
        facts.insert(0, Fact::new("Title in English", t.to_string()));
    }
    let t = SourcePage {
        page: PageMeta::new(s.title.to_string(), marking, user),
        heading: s.title.to_string(),
        self_href: format!("/sources/{}", record.id),
        api_href: format!("/api/v1/sources/{}", record.id),
        reliability: s
            .reliability
            .map(|r| r.label().to_string())
            .unwrap_or_else(|| "not assessed".into()),
        status: s.status.as_str(),
        status_label: s.status.label(),
        status_reason: s.status_reason.as_ref().map(|r| r.to_string()),
        retracted: s.status == SourceStatus::Retracted,
        superseded: s.status == SourceStatus::Superseded,
        facts,
        backlinks,
        archives,
        may_edit,
        archive_errors: form.summary(),
        archive_text: form.text("text"),
        archive_text_en: form.text("text_en"),
        archive_url: form.text("url"),
        version: record.version,
        created: stamp(&record.created_at, &record.created_by),
        updated: stamp(&record.updated_at, &record.updated_by),
    };
    Ok(render(status, &t))
}

/// `POST /sources/{id}/archives`: archives pasted text (with an optional English translation)
/// or the document at a URL, then returns to the source page; a refusal shows the source page
/// again with the message and what was typed.
pub async fn archive_form(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(form): FormBody,
) -> PageResult {
    let source = load_visible::<Source>(&state, &user, &id).await?;
    check_update(&user, &source.data, &source.data)?;
    let typed = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (text, text_en, url) = (typed("text"), typed("text_en"), typed("url"));
    let given = |s: &str| !s.trim().is_empty();
    let mut errors = ValidationErrors::default();
    match (given(&text), given(&url)) {
        (false, false) => errors.push(FieldError::new(
            "text",
            "paste the document's text, or give the URL to fetch it from",
        )),
        (true, true) => errors.push(FieldError::new(
            "url",
            "give either the pasted text or a URL, not both",
        )),
        _ => {}
    }
    if errors.is_empty() {
        let mut body = Map::new();
        // The text is archived exactly as sent: its sha256 is that of the bytes received.
        if given(&text) {
            body.insert("text".into(), Value::String(text.clone()));
        }
        if given(&text_en) {
            body.insert("text_en".into(), Value::String(text_en.clone()));
        }
        if given(&url) {
            body.insert("url".into(), Value::String(url.trim().to_string()));
        }
        let bytes = serde_json::to_vec(&Value::Object(body))
            .map_err(|e| AppError::Internal(format!("archive form body: {e}")))?;
        match chancery_app::archive::archive(
            &state,
            &user,
            source.id,
            "application/json",
            Bytes::from(bytes),
            None,
        )
        .await
        {
            Ok(_) => return Ok(see_other(format!("/sources/{}", source.id))),
            Err(AppError::Invalid(e)) => errors = e,
            Err(e) => return Err(e.into()),
        }
    }
    let values = serde_json::json!({"text": text, "text_en": text_en, "url": url});
    source_view(
        &state,
        &user,
        source,
        &values,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("sources_page", "/sources", sources_page),
        Route::get("source_new", "/sources/new", new_source),
        Route::post("source_create", "/sources", create_source),
        Route::get("source_page", "/sources/{id}", source_page),
        Route::get("source_edit", "/sources/{id}/edit", edit_source),
        Route::post("source_update", "/sources/{id}/edit", update_source),
        Route::get(
            "source_history_page",
            "/sources/{id}/history",
            source_history,
        ),
        Route::post(
            "source_archive_create",
            "/sources/{id}/archives",
            archive_form,
        ),
    ]
}
