//! Server-rendered HTML pages: list, filter, view, create and edit cases and sources, and
//! view a record's history. Plain forms and links: no JavaScript needed.

use crate::AppState;
use crate::api::{CASE_FILTERS, ListQuery, SOURCE_FILTERS, parse_id};
use crate::error::ApiError;
use crate::extract::{FormBody, IdPath, actor_from};
use crate::views::*;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use chancery_domain::input::form_to_json;
use chancery_domain::{Case, Marking, Record, RecordId, Source, ValidationErrors};
use chancery_store::{CaseFilter, SourceFilter, StoreError};
use serde_json::{Value, json};

const STYLE: &str = include_str!("../static/style.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/cases") }))
        .route("/static/style.css", get(style))
        .route("/posts", get(posts_page))
        .route("/cases", get(cases_page).post(create_case))
        .route("/cases/new", get(new_case))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/edit", get(edit_case).post(update_case))
        .route("/cases/{id}/history", get(case_history))
        .route("/sources", get(sources_page).post(create_source))
        .route("/sources/new", get(new_source))
        .route("/sources/{id}", get(source_page))
        .route("/sources/{id}/edit", get(edit_source).post(update_source))
        .route("/sources/{id}/history", get(source_history))
}

/// An error answered as a page.
pub struct PageError(ApiError);

impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "internal error");
        }
        let status = self.0.status();
        let heading = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
            _ => "The request could not be handled",
        };
        let message = self.0.errors().to_string();
        render(
            status,
            &MessagePage {
                page: PageMeta::new(heading, Marking::U),
                heading: heading.into(),
                message,
            },
        )
    }
}

type PageResult = Result<Response, PageError>;

fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub fn not_found_page(message: &str) -> Response {
    PageError(ApiError::NotFound(message.to_string())).into_response()
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

fn see_other(location: String) -> Response {
    Redirect::to(&location).into_response()
}

// ---------------------------------------------------------------- posts

async fn posts_page(State(state): State<AppState>) -> PageResult {
    let posts = state.store.list_posts().await?;
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
            page: PageMeta::new("Posts", Marking::U),
            posts: rows,
        },
    ))
}

// ---------------------------------------------------------------- cases

/// Keeps the filters when following the cursor to the next page.
fn next_href(base: &str, raw: Option<&str>, next: Option<String>) -> Option<String> {
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

async fn cases_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> PageResult {
    let posts = state.store.list_posts().await?;
    let query_values = query_json(raw.as_deref());
    let parsed =
        ListQuery::parse(raw.as_deref(), CASE_FILTERS).and_then(|q| Ok((q.case_filter()?, q)));
    let (errors, page) = match parsed {
        Ok((filter, q)) => (
            ValidationErrors::default(),
            Some(
                state
                    .store
                    .list::<Case>(&filter, q.cursor.as_deref(), q.limit)
                    .await?,
            ),
        ),
        Err(e) => (e, None),
    };
    let form = FormState {
        values: &query_values,
        errors: &errors,
    };
    let rows: Vec<CaseRow> = page
        .as_ref()
        .map(|p| p.items.iter().map(CaseRow::new).collect())
        .unwrap_or_default();
    let marking = Marking::highest(
        page.iter()
            .flat_map(|p| p.items.iter().map(|r| r.data.marking)),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = CasesPage {
        page: PageMeta::new("Cases", marking),
        country: form.select("country", &country_options(), Some("(any)")),
        kind: form.select("kind", &case_kind_options(), Some("(any)")),
        post: form.select("post", &post_options(&posts), Some("(any)")),
        errors: form.summary(),
        rows,
        next: next_href("/cases", raw.as_deref(), page.and_then(|p| p.next)),
    };
    Ok(render(status, &t))
}

fn query_json(raw: Option<&str>) -> Value {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    form_to_json(&pairs)
}

async fn case_choices(
    state: &AppState,
    exclude: Option<RecordId>,
) -> Result<CaseChoices, StoreError> {
    let posts = state.store.list_posts().await?;
    let sources = state
        .store
        .list::<Source>(&SourceFilter::default(), None, 500)
        .await?;
    let cases = state
        .store
        .list::<Case>(&CaseFilter::default(), None, 500)
        .await?;
    Ok(CaseChoices {
        posts: post_options(&posts),
        sources: sources
            .items
            .iter()
            .map(|s| {
                (
                    s.id.to_string(),
                    format!("{}: {}, {}", s.id, s.data.publisher, s.data.title),
                )
            })
            .collect(),
        cases: cases
            .items
            .iter()
            .filter(|c| Some(c.id) != exclude)
            .map(|c| (c.id.to_string(), format!("{}: {}", c.id, c.data.title)))
            .collect(),
    })
}

async fn new_case(State(state): State<AppState>, RawQuery(raw): RawQuery) -> PageResult {
    let preset = query_json(raw.as_deref());
    let values = json!({"marking": "SBU", "status": "unknown", "post": preset.get("post").cloned().unwrap_or(Value::Null)});
    let errors = ValidationErrors::default();
    let choices = case_choices(&state, None).await?;
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let t = case_form(
        "New case".into(),
        "/cases".into(),
        "/cases".into(),
        None,
        None,
        &form,
        &choices,
        Marking::U,
    );
    Ok(render(StatusCode::OK, &t))
}

async fn create_case(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(pairs): FormBody,
) -> PageResult {
    let actor = actor_from(&headers)?;
    let values = form_to_json(&pairs);
    let result = match Case::from_json(&values) {
        Ok(case) => state.store.create(&case, &actor).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(record) => Ok(see_other(format!("/cases/{}", record.id))),
        Err(StoreError::Invalid(errors)) => {
            let choices = case_choices(&state, None).await?;
            let form = FormState {
                values: &values,
                errors: &errors,
            };
            let t = case_form(
                "New case".into(),
                "/cases".into(),
                "/cases".into(),
                None,
                None,
                &form,
                &choices,
                Marking::U,
            );
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

async fn load_case(state: &AppState, raw: &str) -> Result<Record<Case>, PageError> {
    let id = parse_id(raw, "case")?;
    state
        .store
        .get::<Case>(id)
        .await?
        .ok_or_else(|| PageError(ApiError::NotFound(format!("There is no case {id}."))))
}

async fn case_page(State(state): State<AppState>, IdPath(id): IdPath) -> PageResult {
    let record = load_case(&state, &id).await?;
    let c = &record.data;
    let post_name = match state.store.get_post(&c.post).await? {
        Some(p) => p.display_name(),
        None => c.post.to_string(),
    };
    let mut marking = c.marking;
    let mut citations = Vec::new();
    for cit in &c.citations {
        let src = state.store.get::<Source>(cit.source_id).await?;
        let (label, unverified) = match &src {
            Some(s) => {
                marking = marking.max(s.data.marking);
                (
                    format!("{}, {}", s.data.publisher, s.data.title),
                    !s.data.verified,
                )
            }
            None => (format!("source {}", cit.source_id), false),
        };
        let pin: Vec<String> = [
            cit.page.as_ref().map(|p| format!("p. {p}")),
            cit.paragraph.as_ref().map(|p| format!("para. {p}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        citations.push(CitationView {
            source_id: cit.source_id.get(),
            label,
            pinpoint: pin.join(", "),
            quote: cit.quote.clone(),
            unverified,
        });
    }
    let mut links = Vec::new();
    for l in &c.links {
        if let Some(other) = state.store.get::<Case>(l.case_id).await? {
            marking = marking.max(other.data.marking);
            links.push(LinkView {
                id: l.case_id.get(),
                label: other.data.title.to_string(),
                relation: l.relation.label().into(),
            });
        }
    }
    let mut backlinks = Vec::new();
    for (from, relation) in state.store.cases_linking_to(record.id).await? {
        if let Some(other) = state.store.get::<Case>(from).await? {
            marking = marking.max(other.data.marking);
            let relation = chancery_domain::CaseRelation::parse(&relation)
                .map(|r| r.label().to_string())
                .unwrap_or(relation);
            backlinks.push(LinkView {
                id: from.get(),
                label: other.data.title.to_string(),
                relation,
            });
        }
    }
    let t = RecordPage {
        page: PageMeta::new(c.title.to_string(), marking),
        heading: c.title.to_string(),
        list_href: "/cases",
        list_label: "Cases",
        self_href: format!("/cases/{}", record.id),
        api_href: format!("/api/v1/cases/{}", record.id),
        facts: case_facts(c, &post_name),
        citations,
        links,
        backlinks_heading: "Cases that link here",
        backlinks,
        version: record.version,
        created: format!(
            "{} by {}",
            record.created_at.format("%Y-%m-%d %H:%M UTC"),
            record.created_by
        ),
        updated: format!(
            "{} by {}",
            record.updated_at.format("%Y-%m-%d %H:%M UTC"),
            record.updated_by
        ),
    };
    Ok(render(StatusCode::OK, &t))
}

async fn edit_case(State(state): State<AppState>, IdPath(id): IdPath) -> PageResult {
    let record = load_case(&state, &id).await?;
    let values = record.data.to_json();
    let errors = ValidationErrors::default();
    let choices = case_choices(&state, Some(record.id)).await?;
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let href = format!("/cases/{}", record.id);
    let t = case_form(
        format!("Edit: {}", record.data.title),
        format!("{href}/edit"),
        href,
        Some(record.version),
        None,
        &form,
        &choices,
        record.data.marking,
    );
    Ok(render(StatusCode::OK, &t))
}

/// The version a form says it edited.
fn form_version(pairs: &[(String, String)]) -> Result<i64, ApiError> {
    pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .ok_or(ApiError::PreconditionRequired)
}

async fn update_case(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    FormBody(pairs): FormBody,
) -> PageResult {
    let actor = actor_from(&headers)?;
    let current = load_case(&state, &id).await?;
    let expected = form_version(&pairs)?;
    let values = form_to_json(&pairs);
    let result =
        match Case::from_json(&values).and_then(|c| current.data.check_change(&c).map(|_| c)) {
            Ok(case) => {
                state
                    .store
                    .update(current.id, expected, &case, &actor)
                    .await
            }
            Err(e) => Err(StoreError::Invalid(e)),
        };
    let href = format!("/cases/{}", current.id);
    let (status, errors, conflict, version) = match result {
        Ok(_) => return Ok(see_other(href)),
        Err(StoreError::Invalid(errors)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, errors, None, expected)
        }
        Err(StoreError::Conflict { current: now, .. }) => (
            StatusCode::CONFLICT,
            ValidationErrors::default(),
            Some(format!(
                "You edited version {expected}, but version {now} was saved meanwhile. Your changes are kept below \
                 and were not saved. Compare them with the current version (open it in another tab: {href}); \
                 saving this form again replaces version {now}."
            )),
            now,
        ),
        Err(e) => return Err(e.into()),
    };
    let choices = case_choices(&state, Some(current.id)).await?;
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let t = case_form(
        format!("Edit: {}", current.data.title),
        format!("{href}/edit"),
        href,
        Some(version),
        conflict,
        &form,
        &choices,
        current.data.marking,
    );
    Ok(render(status, &t))
}

async fn case_history(State(state): State<AppState>, IdPath(id): IdPath) -> PageResult {
    let record = load_case(&state, &id).await?;
    let history = state.store.history::<Case>(record.id).await?;
    let post_name = record.data.post.to_string();
    let marking = Marking::highest(history.iter().map(|(_, c)| c.marking));
    let mut prev: Option<Value> = None;
    let mut versions = Vec::new();
    for (info, c) in &history {
        let json = c.to_json();
        let mut facts = vec![Fact::new("Title", c.title.to_string())];
        facts.extend(case_facts(c, &post_name));
        let cites: Vec<String> = c
            .citations
            .iter()
            .map(|x| format!("source {}", x.source_id))
            .collect();
        facts.push(Fact::new("Citations", cites.join(", ")));
        versions.push(version_view(
            info,
            changed_members(prev.as_ref(), &json),
            facts,
        ));
        prev = Some(json);
    }
    versions.reverse();
    let t = HistoryPage {
        page: PageMeta::new(format!("History: {}", record.data.title), marking),
        heading: record.data.title.to_string(),
        record_href: format!("/cases/{}", record.id),
        versions,
    };
    Ok(render(StatusCode::OK, &t))
}

fn version_view(
    info: &chancery_domain::VersionInfo,
    changed: String,
    facts: Vec<Fact>,
) -> VersionView {
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

// ---------------------------------------------------------------- sources

async fn sources_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> PageResult {
    let query_values = query_json(raw.as_deref());
    let parsed =
        ListQuery::parse(raw.as_deref(), SOURCE_FILTERS).and_then(|q| Ok((q.source_filter()?, q)));
    let (errors, page) = match parsed {
        Ok((filter, q)) => (
            ValidationErrors::default(),
            Some(
                state
                    .store
                    .list::<Source>(&filter, q.cursor.as_deref(), q.limit)
                    .await?,
            ),
        ),
        Err(e) => (e, None),
    };
    let form = FormState {
        values: &query_values,
        errors: &errors,
    };
    let rows: Vec<SourceRow> = page
        .as_ref()
        .map(|p| p.items.iter().map(SourceRow::new).collect())
        .unwrap_or_default();
    let marking = Marking::highest(
        page.iter()
            .flat_map(|p| p.items.iter().map(|r| r.data.marking)),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = SourcesPage {
        page: PageMeta::new("Sources", marking),
        kind: form.select("kind", &source_kind_options(), Some("(any)")),
        errors: form.summary(),
        rows,
        next: next_href("/sources", raw.as_deref(), page.and_then(|p| p.next)),
    };
    Ok(render(status, &t))
}

async fn new_source() -> PageResult {
    let values = json!({"marking": "U"});
    let errors = ValidationErrors::default();
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let t = source_form(
        "New source".into(),
        "/sources".into(),
        "/sources".into(),
        None,
        None,
        &form,
        Marking::U,
    );
    Ok(render(StatusCode::OK, &t))
}

async fn create_source(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(pairs): FormBody,
) -> PageResult {
    let actor = actor_from(&headers)?;
    let values = form_to_json(&pairs);
    let result = match Source::from_json(&values) {
        Ok(s) => state.store.create(&s, &actor).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(record) => Ok(see_other(format!("/sources/{}", record.id))),
        Err(StoreError::Invalid(errors)) => {
            let form = FormState {
                values: &values,
                errors: &errors,
            };
            let t = source_form(
                "New source".into(),
                "/sources".into(),
                "/sources".into(),
                None,
                None,
                &form,
                Marking::U,
            );
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

async fn load_source(state: &AppState, raw: &str) -> Result<Record<Source>, PageError> {
    let id = parse_id(raw, "source")?;
    state
        .store
        .get::<Source>(id)
        .await?
        .ok_or_else(|| PageError(ApiError::NotFound(format!("There is no source {id}."))))
}

async fn source_page(State(state): State<AppState>, IdPath(id): IdPath) -> PageResult {
    let record = load_source(&state, &id).await?;
    let mut marking = record.data.marking;
    let mut backlinks = Vec::new();
    for case_id in state.store.cases_citing(record.id).await? {
        if let Some(c) = state.store.get::<Case>(case_id).await? {
            marking = marking.max(c.data.marking);
            backlinks.push(LinkView {
                id: case_id.get(),
                label: c.data.title.to_string(),
                relation: String::new(),
            });
        }
    }
    let t = RecordPage {
        page: PageMeta::new(record.data.title.to_string(), marking),
        heading: record.data.title.to_string(),
        list_href: "/sources",
        list_label: "Sources",
        self_href: format!("/sources/{}", record.id),
        api_href: format!("/api/v1/sources/{}", record.id),
        facts: source_facts(&record.data),
        citations: Vec::new(),
        links: Vec::new(),
        backlinks_heading: "Cases citing this source",
        backlinks,
        version: record.version,
        created: format!(
            "{} by {}",
            record.created_at.format("%Y-%m-%d %H:%M UTC"),
            record.created_by
        ),
        updated: format!(
            "{} by {}",
            record.updated_at.format("%Y-%m-%d %H:%M UTC"),
            record.updated_by
        ),
    };
    Ok(render(StatusCode::OK, &t))
}

async fn edit_source(State(state): State<AppState>, IdPath(id): IdPath) -> PageResult {
    let record = load_source(&state, &id).await?;
    let values = record.data.to_json();
    let errors = ValidationErrors::default();
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let href = format!("/sources/{}", record.id);
    let t = source_form(
        format!("Edit: {}", record.data.title),
        format!("{href}/edit"),
        href,
        Some(record.version),
        None,
        &form,
        record.data.marking,
    );
    Ok(render(StatusCode::OK, &t))
}

async fn update_source(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    FormBody(pairs): FormBody,
) -> PageResult {
    let actor = actor_from(&headers)?;
    let current = load_source(&state, &id).await?;
    let expected = form_version(&pairs)?;
    let values = form_to_json(&pairs);
    let result = match Source::from_json(&values) {
        Ok(s) => state.store.update(current.id, expected, &s, &actor).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    let href = format!("/sources/{}", current.id);
    let (status, errors, conflict, version) = match result {
        Ok(_) => return Ok(see_other(href)),
        Err(StoreError::Invalid(errors)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, errors, None, expected)
        }
        Err(StoreError::Conflict { current: now, .. }) => (
            StatusCode::CONFLICT,
            ValidationErrors::default(),
            Some(format!(
                "You edited version {expected}, but version {now} was saved meanwhile. Your changes are kept below \
                 and were not saved; saving this form again replaces version {now}."
            )),
            now,
        ),
        Err(e) => return Err(e.into()),
    };
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let t = source_form(
        format!("Edit: {}", current.data.title),
        format!("{href}/edit"),
        href,
        Some(version),
        conflict,
        &form,
        current.data.marking,
    );
    Ok(render(status, &t))
}

async fn source_history(State(state): State<AppState>, IdPath(id): IdPath) -> PageResult {
    let record = load_source(&state, &id).await?;
    let history = state.store.history::<Source>(record.id).await?;
    let marking = Marking::highest(history.iter().map(|(_, s)| s.marking));
    let mut prev: Option<Value> = None;
    let mut versions = Vec::new();
    for (info, s) in &history {
        let json = s.to_json();
        let mut facts = vec![Fact::new("Title", s.title.to_string())];
        facts.extend(source_facts(s));
        versions.push(version_view(
            info,
            changed_members(prev.as_ref(), &json),
            facts,
        ));
        prev = Some(json);
    }
    versions.reverse();
    let t = HistoryPage {
        page: PageMeta::new(format!("History: {}", record.data.title), marking),
        heading: record.data.title.to_string(),
        record_href: format!("/sources/{}", record.id),
        versions,
    };
    Ok(render(StatusCode::OK, &t))
}
