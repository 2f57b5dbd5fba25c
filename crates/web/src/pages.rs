//! Server-rendered HTML pages for cases (list, filter, view, create and edit, history) and the
//! machinery every page module shares (rendering, page errors, saving forms, history pages).
//! Plain forms and links: no JavaScript needed. Every page asks the policy through `access`,
//! shows only what the user may see, and logs reads of SBU material.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{FormBody, IdPath};
use crate::listing::Listed;
use crate::register_pages::{Shown, citation_views};
use crate::routes::Route;
use crate::views::*;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chancery_app::access::{self, AppRecord, audit_reads, check_open, check_update, load_visible};
use chancery_app::{posts, save};
use chancery_domain::input::form_to_json;
use chancery_domain::{
    Action, Case, CaseRelation, Marking, Record, RecordId, Resource, ResourceKind, Role, Source,
    ValidationErrors, VersionInfo,
};
use serde_json::{Value, json};

const STYLE: &str = include_str!("../static/style.css");

/// An error answered as a page.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e.0)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "internal error");
        }
        if let AppError::Unauthorized = self.0 {
            return Redirect::to("/login").into_response();
        }
        let status = crate::error::status(&self.0);
        let heading = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
            _ => "The request could not be handled",
        };
        let message = self.0.errors().to_string();
        render(
            status,
            &MessagePage {
                page: PageMeta::anonymous(heading),
                heading: heading.into(),
                message,
            },
        )
    }
}

pub type PageResult = Result<Response, PageError>;

pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub fn not_found_page(message: &str) -> Response {
    PageError(AppError::NotFound(message.to_string())).into_response()
}

pub async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

pub fn see_other(location: String) -> Response {
    Redirect::to(&location).into_response()
}

pub async fn home(user: CurrentUser) -> Response {
    if user.principal.role() == Role::Admin {
        see_other("/admin/users".into())
    } else {
        see_other("/cases".into())
    }
}

// ---------------------------------------------------------------- posts

pub async fn posts_page(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    check_open(&user, Action::ListPosts, &Resource::of(ResourceKind::Post))?;
    let posts = posts::all(&state).await?;
    let rows = posts
        .iter()
        .map(|p| PostRow {
            name: p.display_name(),
            slug: p.slug.to_string(),
            country: format!("{} ({})", p.country.name(), p.country.code()),
            signer: p.signer_surname.to_string(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &PostsPage {
            page: PageMeta::new("Posts", Marking::U, &user),
            posts: rows,
        },
    ))
}

// ---------------------------------------------------------------- shared

/// Keeps the filters when following the cursor to the next page.
pub(crate) fn next_href(base: &str, raw: Option<&str>, next: Option<String>) -> Option<String> {
    let next = next?;
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor");
    pairs.push(("cursor".into(), next));
    Some(format!(
        "{base}?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    ))
}

pub(crate) fn query_json(raw: Option<&str>) -> Value {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    form_to_json(&pairs)
}

/// What a failed form submission shows: the status, the errors, and a conflict message.
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) errors: ValidationErrors,
    pub(crate) conflict: Option<String>,
    pub(crate) version: Option<i64>,
}

/// Saves a form as a new record (`current` none) or a new version of `current`; on failure
/// says what to show. Permission refusals end the request (403/404 pages).
pub(crate) async fn save_form<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    values: &Value,
    current: Option<&Record<T>>,
    expected: Option<i64>,
) -> Result<Result<Record<T>, Refusal>, PageError> {
    let mut values = values.clone();
    drop_unticked_confirmations(&mut values);
    let result = match current {
        None => save::create::<T>(state, user, &values).await,
        Some(c) => save::update::<T>(state, user, c, expected, &values).await,
    };
    match result {
        Ok(r) => Ok(Ok(r)),
        Err(AppError::Invalid(errors)) => Ok(Err(Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            conflict: None,
            version: expected,
        })),
        Err(AppError::Conflict {
            expected,
            current: now,
        }) => Ok(Err(Refusal {
            status: StatusCode::CONFLICT,
            errors: ValidationErrors::default(),
            conflict: Some(format!(
                "You edited version {expected}, but version {now} was saved meanwhile. Your changes are kept below \
                 and were not saved. Compare them with the current version (open it in another tab); saving this \
                 form again replaces version {now}."
            )),
            version: Some(now),
        })),
        Err(e) => Err(e.into()),
    }
}

/// A form posts `confirm_pii[N].field` beside every PII hit and `confirm_pii[N].span` only when
/// its box is ticked: a row without a span is an unticked box, not a malformed confirmation.
fn drop_unticked_confirmations(values: &mut Value) {
    let Some(obj) = values.as_object_mut() else {
        return;
    };
    let ticked = |item: &Value| item.get("span").is_some();
    let empty = match obj.get_mut("confirm_pii") {
        Some(Value::Array(items)) => {
            items.retain(ticked);
            items.is_empty()
        }
        Some(Value::Object(items)) => {
            items.retain(|_, v| ticked(v));
            items.is_empty()
        }
        _ => false,
    };
    if empty {
        obj.remove("confirm_pii");
    }
}

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

/// The version a form says it edited.
pub(crate) fn form_version(pairs: &[(String, String)]) -> Option<i64> {
    pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
}

/// Checks that the user may edit a record before showing its form, and logs the read the
/// form is (it shows the whole record).
pub(crate) async fn check_may_edit<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<T>,
) -> Result<(), ApiError> {
    check_update(user, &record.data, &record.data)?;
    audit_reads(state, user, "read", &[record])
        .await
        .map_err(Into::into)
}

fn version_view(info: &VersionInfo, changed: String, facts: Vec<Fact>) -> VersionView {
    VersionView {
        version: info.version,
        author: info.author.to_string(),
        created_at: info.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        content_hash: info.content_hash.clone(),
        prev_hash: info.prev_hash.clone(),
        changed,
        facts,
    }
}

/// The history page of a record: versions the user may not see are listed as withheld.
pub(crate) async fn history_page<T: AppRecord>(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    heading: impl Fn(&T) -> String,
    facts: impl Fn(&T, Marking) -> Vec<Fact>,
) -> PageResult {
    let (record, history) = access::history::<T>(state, user, raw_id).await?;
    let clearance = user.principal.clearance();
    let mut marking = Marking::U;
    let mut prev: Option<Value> = None;
    let mut versions = Vec::new();
    for item in &history {
        let info = &item.info;
        let Some(data) = &item.data else {
            versions.push(version_view(
                info,
                "withheld".into(),
                vec![Fact::new("Content", "[withheld: SBU]")],
            ));
            continue;
        };
        marking = marking.max(data.marking_shown(clearance));
        let json = data.json_for(clearance);
        versions.push(version_view(
            info,
            changed_members(prev.as_ref(), &json),
            facts(data, clearance),
        ));
        prev = Some(json);
    }
    versions.reverse();
    let title = heading(&record.data);
    let t = HistoryPage {
        page: PageMeta::new(format!("History: {title}"), marking, user),
        heading: title,
        record_href: format!("{}/{}", T::PAGES, record.id),
        versions,
    };
    Ok(render(StatusCode::OK, &t))
}

pub(crate) fn stamp(at: &chrono::DateTime<chrono::Utc>, by: &chancery_domain::UserRef) -> String {
    format!("{} by {}", at.format("%Y-%m-%d %H:%M UTC"), by)
}

// ---------------------------------------------------------------- cases

pub async fn cases_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
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

/// The highest marking a form page shows: what the user may see of its choices and values.
pub(crate) fn form_marking(choices_sbu: bool, values: &Value, user: &CurrentUser) -> Marking {
    let typed = ["marking", "summary_marking"]
        .iter()
        .filter_map(|k| values.get(*k).and_then(Value::as_str))
        .any(|m| m == "SBU");
    if (choices_sbu || typed) && user.principal.sbu_access {
        Marking::SBU
    } else {
        Marking::U
    }
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
    let t = crate::case_pages::CasePage {
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
        detail: crate::case_pages::detail_view(&c.detail, &labels),
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
        Route::get("style", "/static/style.css", style).public(),
        Route::get("home", "/", home),
        Route::get("posts_page", "/posts", posts_page),
        Route::get("cases_page", "/cases", cases_page),
        Route::get("case_new", "/cases/new", new_case),
        Route::post("case_create", "/cases", create_case),
        Route::get("case_page", "/cases/{id}", case_page),
        Route::get("case_edit", "/cases/{id}/edit", edit_case),
        Route::post("case_update", "/cases/{id}/edit", update_case),
        Route::get("case_history_page", "/cases/{id}/history", case_history),
    ]
}
