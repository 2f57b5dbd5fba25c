//! Case pages: list and filter, view, create and edit, history.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{FormBody, IdPath};
use crate::pages::forms::{Refusal, check_may_edit, form_marking, save_form};
use crate::pages::history::history_page;
use crate::pages::listing::Listed;
use crate::pages::record_forms::{CASE_JSON_PARTS, CaseChoices, case_form};
use crate::pages::registers::citation_views;
use crate::pages::views::{
    CaseRow, CasesPage, Fact, FormState, LinkView, PageMeta, RecordPage, case_facts,
    case_kind_options, country_options, post_options,
};
use crate::pages::{PageError, PageResult, form_version, query_json, render, see_other, stamp};
use crate::routes::Route;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chancery_app::access::{self, AppRecord, Shown, audit_reads, check_open, load_visible};
use chancery_app::posts;
use chancery_domain::input::form_to_json;
use chancery_domain::{
    Action, Case, CaseRelation, Record, RecordId, Role, Source, ValidationErrors,
};
use serde_json::{Value, json};

/// The case detail members, as `Case::to_json` writes them.
const CASE_DETAIL_MEMBERS: [&str; 9] = [
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

/// The case form's values as shown again: a post without the form's `detail_form` marker (a
/// client that knows only the core fields) keeps the stored detail of the case it edits,
/// rather than dropping it. With the marker, the form's fields are the whole detail.
fn case_form_values(values: &Value, current: Option<&Case>) -> Value {
    let mut values = values.clone();
    let Some(obj) = values.as_object_mut() else {
        return values;
    };
    let from_form = obj.remove("detail_form").is_some();
    if let (false, Some(current)) = (from_form, current) {
        let stored = current.to_json();
        for m in CASE_DETAIL_MEMBERS {
            if !obj.contains_key(m)
                && let Some(v) = stored.get(m)
            {
                obj.insert(m.to_string(), v.clone());
            }
        }
    }
    values
}

/// The case form's values as saved: each JSON textarea parsed into its member. Text that is not
/// JSON is an error beside its textarea, naming the line and column.
fn case_values_to_save(values: &Value) -> Result<Value, ValidationErrors> {
    let mut values = values.clone();
    let mut errors = ValidationErrors::default();
    if let Some(obj) = values.as_object_mut() {
        for part in CASE_JSON_PARTS {
            if let Some(Value::String(text)) = obj.get(part) {
                match serde_json::from_str::<Value>(text) {
                    Ok(v) => {
                        obj.insert(part.to_string(), v);
                    }
                    Err(e) => errors.push(chancery_domain::FieldError::new(
                        part,
                        format!(
                            "is not valid JSON: line {}, column {}: {}",
                            e.line(),
                            e.column(),
                            json_error_reason(&e)
                        ),
                    )),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// serde_json's message without its own " at line L column C" tail.
fn json_error_reason(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

/// Saves a case form: its JSON textareas parsed first (nothing is saved if one is not JSON).
async fn save_case_form(
    state: &AppState,
    user: &CurrentUser,
    values: &Value,
    current: Option<&Record<Case>>,
    expected: Option<i64>,
) -> Result<Result<Record<Case>, Refusal>, PageError> {
    match case_values_to_save(values) {
        Ok(parsed) => save_form::<Case>(state, user, &parsed, current, expected).await,
        Err(errors) => Ok(Err(Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            conflict: None,
            version: expected,
        })),
    }
}

pub async fn cases_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    // Words: the search of this type (`/cases?q=Hamburg`).
    if let Some(r) = crate::pages::search::list_words(raw.as_deref(), "case") {
        return Ok(r);
    }
    let posts = posts::all(&state).await?;
    let listed = Listed::<Case>::load(&state, &user, raw.as_deref()).await?;
    let form = listed.form();
    let t = CasesPage {
        page: PageMeta::new("Cases", listed.marking(), &user),
        country: form.select("country", &country_options(), Some("(any)")),
        kind: form.select("kind", &case_kind_options(), Some("(any)")),
        post: form.select("post", &post_options(&posts), Some("(any)")),
        errors: form.summary(),
        rows: listed.rows(CaseRow::new),
        next: listed.next("/cases", raw.as_deref()),
    };
    let status = listed.status();
    Ok(render(status, &t))
}

/// The choices a case form offers: posts the user drafts for, sources and cases they see.
pub(crate) async fn case_choices(
    state: &AppState,
    user: &CurrentUser,
    exclude: Option<RecordId>,
) -> Result<CaseChoices, ApiError> {
    let posts: Vec<_> = posts::all(state)
        .await?
        .into_iter()
        .filter(|p| user.principal.post_scope().is_none_or(|own| *own == p.slug))
        .collect();
    let sources = access::choices::<Source>(state, user).await?;
    let cases = access::choices::<Case>(state, user).await?;
    // The choices show titles: SBU ones are reads of SBU material like any other.
    audit_reads(state, user, "read", &sources.iter().collect::<Vec<_>>()).await?;
    audit_reads(state, user, "read", &cases.iter().collect::<Vec<_>>()).await?;
    Ok(CaseChoices {
        posts: post_options(&posts),
        sources: sources
            .iter()
            .map(|s| {
                (
                    s.id.to_string(),
                    format!("{}: {}, {}", s.id, s.data.publisher, s.data.title),
                )
            })
            .collect(),
        cases: cases
            .iter()
            .filter(|c| Some(c.id) != exclude)
            .map(|c| (c.id.to_string(), format!("{}: {}", c.id, c.data.title)))
            .collect(),
    })
}

pub async fn new_case(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    check_open(&user, Action::Create, &Case::collection())?;
    if user.principal.role() == Role::HqReader {
        return Err(AppError::Forbidden("an HQ reader reads but does not write".into()).into());
    }
    let preset = query_json(raw.as_deref());
    let default_post = user.principal.post_scope().map(|p| json!(p.as_str()));
    let values = json!({
        "marking": if user.principal.sbu_access { "SBU" } else { "U" },
        "status": "unknown",
        "post": preset.get("post").cloned().or(default_post).unwrap_or(Value::Null),
    });
    let errors = ValidationErrors::default();
    let choices = case_choices(&state, &user, None).await?;
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let page = PageMeta::new("New case", form_marking(true, &values, &user), &user);
    let t = case_form(
        "New case".into(),
        "/cases".into(),
        "/cases".into(),
        None,
        None,
        &form,
        &choices,
        page,
    );
    Ok(render(StatusCode::OK, &t))
}

pub async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    let values = case_form_values(&form_to_json(&pairs), None);
    match save_case_form(&state, &user, &values, None, None).await? {
        Ok(record) => Ok(see_other(format!("/cases/{}", record.id))),
        Err(refusal) => {
            let choices = case_choices(&state, &user, None).await?;
            let form = FormState {
                values: &values,
                errors: &refusal.errors,
            };
            let page = PageMeta::new("New case", form_marking(true, &values, &user), &user);
            let t = case_form(
                "New case".into(),
                "/cases".into(),
                "/cases".into(),
                None,
                None,
                &form,
                &choices,
                page,
            );
            Ok(render(refusal.status, &t))
        }
    }
}

pub async fn case_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Case>(&state, &user, &id).await?;
    let clearance = user.principal.clearance();
    let c = &record.data;
    let post_name = posts::name_of(&state, &c.post).await?;
    let mut shown = Shown::new();
    shown.add(&record, clearance);
    let citations = citation_views(&state, &user, &c.citations, &mut shown).await?;
    let mut labels: std::collections::HashMap<i64, String> = citations
        .iter()
        .map(|v| (v.source_id, v.label.clone()))
        .collect();
    // Sources cited only inside the detail (parties, offences, outcomes, timeline).
    for (_, cit) in c.all_citations() {
        let id = cit.source_id.get();
        if labels.contains_key(&id) {
            continue;
        }
        let label = match access::peek::<Source>(&state, &user, cit.source_id).await? {
            Some(s) => {
                shown.add(&s, clearance);
                format!("{}, {}", s.data.publisher, s.data.title)
            }
            _ => format!("source {id} (withheld: SBU)"),
        };
        labels.insert(id, label);
    }
    let mut links = Vec::new();
    let mut compare_links = Vec::new();
    let mut compare_backlinks = Vec::new();
    for l in &c.links {
        if let Some(other) = access::peek::<Case>(&state, &user, l.case_id).await? {
            shown.add_title(&other);
            if l.relation == CaseRelation::Comparison {
                compare_links.push(l.case_id.get());
            }
            links.push(LinkView {
                id: l.case_id.get(),
                label: other.data.title.to_string(),
                relation: l.relation.label().into(),
            });
        }
    }
    let mut backlinks = Vec::new();
    for (other, relation) in chancery_app::cases::linking_to(&state, &user, record.id).await? {
        let from = other.id;
        shown.add_title(&other);
        let parsed = CaseRelation::parse(&relation).ok();
        if parsed == Some(CaseRelation::Comparison) {
            compare_backlinks.push(from.get());
        }
        let relation = parsed.map(|r| r.label().to_string()).unwrap_or(relation);
        backlinks.push(LinkView {
            id: from.get(),
            label: other.data.title.to_string(),
            relation,
        });
    }
    let flags = access::retracted_flags(&state, c).await?;
    let marking = shown.log(&state, &user).await?;
    let t = crate::pages::case_detail::CasePage {
        flags,
        record: RecordPage {
            page: PageMeta::new(c.title.to_string(), marking, &user),
            heading: c.title.to_string(),
            list_href: "/cases",
            list_label: "Cases",
            self_href: format!("/cases/{}", record.id),
            api_href: format!("/api/v1/cases/{}", record.id),
            facts: case_facts(c, &post_name, clearance),
            citations,
            links,
            backlinks_heading: "Cases that link here",
            backlinks,
            version: record.version,
            created: stamp(&record.created_at, &record.created_by),
            updated: stamp(&record.updated_at, &record.updated_by),
        },
        detail: crate::pages::case_detail::detail_view(&c.detail, &labels),
        compare_links,
        compare_backlinks,
    };
    Ok(render(StatusCode::OK, &t))
}

pub async fn edit_case(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Case>(&state, &user, &id).await?;
    check_may_edit(&state, &user, &record).await?;
    let values = record.data.to_json();
    let errors = ValidationErrors::default();
    let choices = case_choices(&state, &user, Some(record.id)).await?;
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let href = format!("/cases/{}", record.id);
    let page = PageMeta::new(
        format!("Edit: {}", record.data.title),
        form_marking(true, &values, &user),
        &user,
    );
    let t = case_form(
        format!("Edit: {}", record.data.title),
        format!("{href}/edit"),
        href,
        Some(record.version),
        None,
        &form,
        &choices,
        page,
    );
    Ok(render(StatusCode::OK, &t))
}

pub async fn update_case(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(pairs): FormBody,
) -> PageResult {
    let current = load_visible::<Case>(&state, &user, &id).await?;
    let expected = form_version(&pairs).ok_or(AppError::PreconditionRequired)?;
    let values = case_form_values(&form_to_json(&pairs), Some(&current.data));
    let href = format!("/cases/{}", current.id);
    let refusal =
        match save_case_form(&state, &user, &values, Some(&current), Some(expected)).await? {
            Ok(_) => return Ok(see_other(href)),
            Err(r) => r,
        };
    let choices = case_choices(&state, &user, Some(current.id)).await?;
    let form = FormState {
        values: &values,
        errors: &refusal.errors,
    };
    let page = PageMeta::new(
        format!("Edit: {}", current.data.title),
        form_marking(true, &values, &user),
        &user,
    );
    let t = case_form(
        format!("Edit: {}", current.data.title),
        format!("{href}/edit"),
        href,
        refusal.version,
        refusal.conflict,
        &form,
        &choices,
        page,
    );
    Ok(render(refusal.status, &t))
}

pub async fn case_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    history_page::<Case>(
        &state,
        &user,
        &id,
        |c| c.title.to_string(),
        |c, clearance| {
            let mut facts = vec![Fact::new("Title", c.title.to_string())];
            facts.extend(case_facts(c, c.post.as_str(), clearance));
            let cites: Vec<String> = c
                .citations
                .iter()
                .map(|x| format!("source {}", x.source_id))
                .collect();
            facts.push(Fact::new("Citations", cites.join(", ")));
            facts
        },
    )
    .await
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("cases_page", "/cases", cases_page),
        Route::get("case_new", "/cases/new", new_case),
        Route::post("case_create", "/cases", create_case),
        Route::get("case_page", "/cases/{id}", case_page),
        Route::get("case_edit", "/cases/{id}/edit", edit_case),
        Route::post("case_update", "/cases/{id}/edit", update_case),
        Route::get("case_history_page", "/cases/{id}/history", case_history),
    ]
}
