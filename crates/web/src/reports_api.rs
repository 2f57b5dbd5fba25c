//! Taskings, templates, reports, clearance, comments and builds: the operations, shared by
//! the JSON API (here) and the pages (`report_pages`).

use crate::AppState;
use crate::access::{ApiRecord, check_create, check_open, check_update, load_visible, record_json};
use crate::api::with_etag;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{IdPair, IdPath, JsonBody, if_match};
use crate::report_build::{self, Format};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chancery_domain::access::{Action, Principal, Resource, ResourceKind};
use chancery_domain::marked::Marked;
use chancery_domain::report::Report;
use chancery_domain::report::{
    CitedKind, ReportAction, ReportState, Tasking, Template, compliance, transition,
};
use chancery_domain::source::SourceStatus;
use chancery_domain::{FieldError, Marking, Record, RecordId, Source, ValidationErrors};
use chancery_store::{PiiConfirmation, ReportBuild, ReportFilter, TaskingFilter, TemplateFilter};
use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};

impl ApiRecord for Report {
    const NAME: &'static str = "report";
    const BASE: &'static str = "/api/v1/reports";
    const PAGES: &'static str = "/reports";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Report::from_json(body)
    }

    fn check_change(current: &Self, next: &Self) -> Result<(), ValidationErrors> {
        if current.post != next.post {
            return Err(
                FieldError::new("post", "a report belongs to the post that drafts it").into(),
            );
        }
        Ok(())
    }

    fn policy(&self) -> Resource<'_> {
        Resource::owned(ResourceKind::Report, Marking::U, &self.post)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Report)
    }

    fn scope(filter: &mut ReportFilter, user: &Principal) {
        filter.scope_post = user.post_scope().cloned();
    }
}

impl ApiRecord for Tasking {
    const NAME: &'static str = "tasking";
    const BASE: &'static str = "/api/v1/taskings";
    const PAGES: &'static str = "/taskings";

    fn parse(body: &Value) -> Result<Self, ValidationErrors> {
        Tasking::from_json(body)
    }

    fn policy(&self) -> Resource<'_> {
        Resource::of(ResourceKind::Tasking)
    }

    fn collection() -> Resource<'static> {
        Resource::of(ResourceKind::Tasking)
    }

    fn scope(_filter: &mut TaskingFilter, _user: &Principal) {}

    fn texts(&self) -> Vec<(String, String)> {
        vec![
            ("title".into(), self.title.to_string()),
            ("instructions".into(), self.instructions.to_string()),
        ]
    }
}

fn bad(field: &str, reason: impl Into<String>) -> ApiError {
    ApiError::Invalid(ValidationErrors::one(FieldError::new(field, reason)))
}

// ---- Taskings -------------------------------------------------------------------------

/// A tasking the user may see: HQ roles see all; a post sees those addressed to it.
pub async fn load_tasking(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<Record<Tasking>, ApiError> {
    let t = load_visible::<Tasking>(state, user, raw).await?;
    if let Some(own) = user.principal.post_scope()
        && !t.data.posts.contains(own)
    {
        return Err(ApiError::NotFound(format!("no tasking with id {raw}")));
    }
    Ok(t)
}

/// Taskings the user may see, newest first.
pub async fn visible_taskings(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<Record<Tasking>>, ApiError> {
    check_open(user, Action::Read, &Tasking::collection())?;
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = state
            .store
            .list::<Tasking>(&TaskingFilter::default(), cursor.as_deref(), 500)
            .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    if let Some(own) = user.principal.post_scope() {
        out.retain(|t| t.data.posts.contains(own));
    }
    Ok(out)
}

pub async fn create_tasking(
    state: &AppState,
    user: &CurrentUser,
    body: &Value,
) -> Result<Record<Tasking>, ApiError> {
    let mut body = body.clone();
    let confirmed = crate::pii_gate::take_confirmations(&mut body)?;
    let data = Tasking::parse(&body)?;
    check_create(user, &data)?;
    if report_build::effective_template(&state.store, data.template_key.as_str())
        .await?
        .is_none()
    {
        return Err(bad(
            "template_key",
            format!("no template {}", data.template_key),
        ));
    }
    let pii = crate::pii_gate::check_record(state, &data, &confirmed).await?;
    let t = state.store.create(&data, &user.ctx()).await?;
    crate::pii_gate::record_confirmed(state, user, &pii).await?;
    Ok(t)
}

#[utoipa::path(get, path = "/api/v1/taskings", tag = "taskings",
    responses(
        (status = 200, description = "The taskings the user may see (a post: those addressed to it)", body = serde_json::Value),
    ))]
pub async fn api_taskings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = visible_taskings(&state, &user)
        .await?
        .iter()
        .map(|t| record_json(t, user.principal.clearance()))
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(post, path = "/api/v1/taskings", tag = "taskings", request_body(content = serde_json::Value, description = "Tasking JSON: title, instructions, topics, template_key, posts, due, recurrence (annual, quarterly, one_off)"),
    responses(
        (status = 201, description = "Issued (HQ editors); ETag holds the version", body = serde_json::Value),
        (status = 403, description = "Not an HQ editor", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let t = create_tasking(&state, &user, &body).await?;
    let mut resp = (StatusCode::CREATED, Json(record_json(&t, Marking::U))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/taskings/{}", t.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(with_etag(resp, t.version))
}

#[utoipa::path(get, path = "/api/v1/taskings/{id}", tag = "taskings",
    responses(
        (status = 200, description = "The tasking with its compliance rows", body = serde_json::Value),
        (status = 404, description = "No such tasking, or not addressed to the user's post", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let t = load_tasking(&state, &user, &id).await?;
    let mut v = record_json(&t, Marking::U);
    v["compliance"] = json!(compliance_rows(&state, &user, Some(&t)).await?);
    Ok(with_etag(Json(v).into_response(), t.version))
}

#[utoipa::path(put, path = "/api/v1/taskings/{id}", tag = "taskings", request_body(content = serde_json::Value, description = "The tasking as a whole; If-Match names the version read"),
    responses(
        (status = 200, description = "Saved", body = serde_json::Value),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_tasking_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let current = load_tasking(&state, &user, &id).await?;
    let expected = if_match(&headers)?;
    let mut body = body;
    let confirmed = crate::pii_gate::take_confirmations(&mut body)?;
    let next = Tasking::parse(&body)?;
    check_update(&user, &current.data, &next)?;
    let pii = crate::pii_gate::check_record(&state, &next, &confirmed).await?;
    let t = state
        .store
        .update(current.id, expected, &next, &user.ctx())
        .await?;
    crate::pii_gate::record_confirmed(&state, &user, &pii).await?;
    Ok(with_etag(
        Json(record_json(&t, Marking::U)).into_response(),
        t.version,
    ))
}

/// One row of the compliance table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ComplianceRow {
    pub tasking_id: i64,
    pub tasking: String,
    pub post: String,
    /// "Embassy Berlin".
    pub post_name: String,
    pub due: NaiveDate,
    pub status: String,
    /// The status in words ("Not started").
    pub status_label: String,
    pub late: bool,
    pub report_id: Option<i64>,
    pub flags: Vec<String>,
}

/// The compliance table: for each visible tasking (or one), each addressed post the user may
/// see, each due date up to today and the next one to come.
pub async fn compliance_rows(
    state: &AppState,
    user: &CurrentUser,
    only: Option<&Record<Tasking>>,
) -> Result<Vec<ComplianceRow>, ApiError> {
    let taskings = match only {
        Some(t) => vec![t.clone()],
        None => visible_taskings(state, user).await?,
    };
    let today = Utc::now().date_naive();
    let names: std::collections::HashMap<String, String> = state
        .store
        .list_posts()
        .await?
        .into_iter()
        .map(|p| {
            let kind = p.kind.label();
            (p.slug.to_string(), format!("{kind} {}", p.city))
        })
        .collect();
    let mut rows = Vec::new();
    for t in &taskings {
        let reports = state.store.reports_for_tasking(t.id).await?;
        let horizon = today.checked_add_days(Days::new(400)).unwrap_or(today);
        let mut dues: Vec<NaiveDate> = t
            .data
            .due_dates_between(t.data.due, horizon)
            .into_iter()
            .filter(|d| *d <= today)
            .collect();
        if let Some(next) = t
            .data
            .due_dates_between(t.data.due, horizon)
            .into_iter()
            .find(|d| *d > today)
        {
            dues.push(next);
        }
        for post in &t.data.posts {
            if user.principal.post_scope().is_some_and(|own| own != post) {
                continue;
            }
            for due in &dues {
                let due_s = due.to_string();
                let report = reports.iter().rev().find(|(_, p, d, _)| {
                    p == post.as_str() && d.as_deref() == Some(due_s.as_str())
                });
                let (state_of, report_id, flags) = match report {
                    Some((rid, _, _, _)) => {
                        let rec = state
                            .store
                            .get::<Report>(RecordId::new(*rid).expect("positive id"))
                            .await?
                            .ok_or_else(|| ApiError::Internal("report vanished".into()))?;
                        let flags = report_flags(state, &rec).await?;
                        (Some(rec.data.state), Some(*rid), flags)
                    }
                    None => (None, None, Vec::new()),
                };
                let c = compliance(state_of, *due, today);
                rows.push(ComplianceRow {
                    tasking_id: t.id.get(),
                    tasking: t.data.title.to_string(),
                    post: post.to_string(),
                    post_name: names
                        .get(post.as_str())
                        .cloned()
                        .unwrap_or_else(|| post.to_string()),
                    due: *due,
                    status: c.status.as_str().to_string(),
                    status_label: c.status.label().to_string(),
                    late: c.late,
                    report_id,
                    flags,
                });
            }
        }
    }
    Ok(rows)
}

/// Flags on a report: retracted sources it cites now, and whatever its latest build used
/// that has since been retracted or changed.
pub async fn report_flags(
    state: &AppState,
    report: &Record<Report>,
) -> Result<Vec<String>, ApiError> {
    let mut flags = Vec::new();
    for (_, p) in report.data.paragraphs() {
        for c in &p.citations {
            if c.kind == CitedKind::Source
                && let Some(s) = state.store.get::<Source>(c.id).await?
                && s.data.status == SourceStatus::Retracted
            {
                let f = format!(
                    "source {} (cited in {}) has been retracted",
                    c.id,
                    p.id.as_str()
                );
                if !flags.contains(&f) {
                    flags.push(f);
                }
            }
        }
    }
    if let Some(b) = state.store.report_builds(report.id).await?.first() {
        let snap = report_build::read_snapshot(b).map_err(build_err)?;
        for f in report_build::flags(&state.store, &snap).await? {
            let f = format!("build {}: {f}", b.id);
            if !flags.contains(&f) {
                flags.push(f);
            }
        }
    }
    Ok(flags)
}

#[utoipa::path(get, path = "/api/v1/compliance", tag = "taskings",
    responses(
        (status = 200, description = "For each tasking, addressed post and due date: not_started, drafting, in_clearance, submitted or withdrawn, late, the report and its flags", body = serde_json::Value),
    ))]
pub async fn api_compliance(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({"items": compliance_rows(&state, &user, None).await?}),
    ))
}

// ---- Templates ------------------------------------------------------------------------

/// Every template: the shipped ones (or HQ's edited copies of them) and HQ's own.
pub async fn all_templates(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<(Template, Option<i64>)>, ApiError> {
    check_open(user, Action::Read, &Resource::of(ResourceKind::Template))?;
    let stored = state
        .store
        .list::<Template>(&TemplateFilter::default(), None, 500)
        .await?
        .items;
    let mut out: Vec<(Template, Option<i64>)> = Template::shipped()
        .into_iter()
        .map(|t| match stored.iter().find(|s| s.data.key == t.key) {
            Some(s) => (s.data.clone(), Some(s.version)),
            None => (t, None),
        })
        .collect();
    for s in stored {
        if !out.iter().any(|(t, _)| t.key == s.data.key) {
            out.push((s.data, Some(s.version)));
        }
    }
    Ok(out)
}

/// Saves a template (HQ editors): the first edit of a shipped template stores a copy.
/// `expected` is the stored version read (0 for a template never edited).
pub async fn save_template(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    expected: i64,
    body: &Value,
) -> Result<Template, ApiError> {
    check_open(user, Action::Update, &Resource::of(ResourceKind::Template))?;
    let t = Template::from_json(body)?;
    if t.key.as_str() != key {
        return Err(bad(
            "key",
            format!("the key is {key}: a template's key does not change"),
        ));
    }
    let existing = state
        .store
        .list::<Template>(
            &TemplateFilter {
                key: Some(key.to_string()),
            },
            None,
            1,
        )
        .await?
        .items;
    match existing.first() {
        Some(rec) => {
            state
                .store
                .update(rec.id, expected, &t, &user.ctx())
                .await?;
        }
        None => {
            if expected != 0 {
                return Err(ApiError::Conflict {
                    expected,
                    current: 0,
                });
            }
            state.store.create(&t, &user.ctx()).await?;
        }
    }
    Ok(t)
}

#[utoipa::path(get, path = "/api/v1/templates", tag = "templates",
    responses(
        (status = 200, description = "Every template: the shipped ones (or HQ's edited copies) and HQ's own", body = serde_json::Value),
    ))]
pub async fn api_templates(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = all_templates(&state, &user)
        .await?
        .into_iter()
        .map(|(t, v)| {
            let mut j = t.to_json();
            j["version"] = json!(v.unwrap_or(0));
            j["edited"] = json!(v.is_some());
            j
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(get, path = "/api/v1/templates/{key}", tag = "templates",
    responses(
        (status = 200, description = "The template", body = serde_json::Value),
        (status = 404, description = "No such template", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_template(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(key): IdPath,
) -> Result<Json<Value>, ApiError> {
    let (t, v) = all_templates(&state, &user)
        .await?
        .into_iter()
        .find(|(t, _)| t.key.as_str() == key)
        .ok_or_else(|| ApiError::NotFound(format!("no template {key:?}")))?;
    let mut j = t.to_json();
    j["version"] = json!(v.unwrap_or(0));
    Ok(Json(j))
}

#[utoipa::path(put, path = "/api/v1/templates/{key}", tag = "templates", request_body(content = serde_json::Value, description = "Template JSON: key, title, provisional, clearance_chain, sections (heading, guidance, expected); If-Match names the stored version (0 for a shipped template never edited)"),
    responses(
        (status = 200, description = "Saved (HQ editors)", body = serde_json::Value),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_template_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(key): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    // A template never edited is at version 0 (its shipped copy): If-Match "0" names it.
    let never_edited = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().trim_start_matches("W/").trim_matches('"') == "0");
    let expected = if never_edited { 0 } else { if_match(&headers)? };
    let t = save_template(&state, &user, &key, expected, &body).await?;
    Ok(Json(t.to_json()))
}

// ---- Reports --------------------------------------------------------------------------

/// The PII hits in a report's paragraphs that nobody confirmed: (paragraph path, id, text).
async fn unconfirmed_pii(
    state: &AppState,
    r: &Report,
) -> Result<Vec<(String, String, String, chancery_domain::pii::PiiHit)>, ApiError> {
    let mut out = Vec::new();
    for (si, s) in r.sections.iter().enumerate() {
        for (pi, p) in s.paragraphs.iter().enumerate() {
            for hit in chancery_domain::pii::check(&p.text) {
                if !state
                    .store
                    .pii_confirmed(hit.kind.as_str(), &hit.text)
                    .await?
                {
                    out.push((
                        format!("sections[{si}].paragraphs[{pi}].text"),
                        p.id.as_str().to_string(),
                        hit.text.clone(),
                        hit,
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Every record a report cites or embeds must be one its author may see: a post cannot put
/// another post's case (or SBU material it cannot read) into its report by id. A record the
/// author may not see reads as missing, as everywhere else.
async fn check_cited_visible(
    state: &AppState,
    user: &CurrentUser,
    r: &Report,
) -> Result<(), ApiError> {
    use chancery_domain::report::BlockSpec;
    let mut errors = ValidationErrors::default();
    for (si, s) in r.sections.iter().enumerate() {
        for (pi, p) in s.paragraphs.iter().enumerate() {
            let base = format!("sections[{si}].paragraphs[{pi}]");
            let mut wanted: Vec<(String, CitedKind, RecordId)> = p
                .citations
                .iter()
                .enumerate()
                .map(|(ci, c)| (format!("{base}.citations[{ci}].id"), c.kind, c.id))
                .collect();
            if let Some(BlockSpec::CaseComparison { cases, .. }) = &p.block {
                for (ci, c) in cases.iter().enumerate() {
                    wanted.push((format!("{base}.block.cases[{ci}]"), CitedKind::Case, *c));
                }
            }
            for (path, kind, id) in wanted {
                let raw = id.to_string();
                let visible = match kind {
                    CitedKind::Source => load_visible::<Source>(state, user, &raw).await.is_ok(),
                    CitedKind::Case => load_visible::<chancery_domain::Case>(state, user, &raw)
                        .await
                        .is_ok(),
                    CitedKind::Policy => load_visible::<chancery_domain::Policy>(state, user, &raw)
                        .await
                        .is_ok(),
                    CitedKind::Engagement => {
                        load_visible::<chancery_domain::Engagement>(state, user, &raw)
                            .await
                            .is_ok()
                    }
                };
                if !visible {
                    errors.push(FieldError::new(
                        path,
                        format!("no {} with id {id}", kind.as_str()),
                    ));
                }
            }
        }
    }
    // A figure's indicator must be a request the statistics API would take, so that a
    // malformed one is refused on save rather than at the first build.
    for (si, s) in r.sections.iter().enumerate() {
        for (pi, p) in s.paragraphs.iter().enumerate() {
            if let Some(BlockSpec::StatisticsFigure { indicator, .. }) = &p.block
                && let Err(e) =
                    serde_json::from_value::<crate::statistics::IndicatorRequest>(indicator.clone())
            {
                errors.push(FieldError::new(
                    format!("sections[{si}].paragraphs[{pi}].block.indicator"),
                    format!("not an indicator request: {e}"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// Records confirmations sent with a save (`confirm_pii: [{"field", "span"}]`).
async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    r: &Report,
    confirmed: &crate::pii_gate::Confirmations,
) -> Result<(), ApiError> {
    let mut items = Vec::new();
    for (field, _, _, hit) in unconfirmed_pii(state, r).await? {
        if confirmed
            .0
            .iter()
            .any(|(f, s, e)| *f == field && *s == hit.start && *e == hit.end)
        {
            items.push(PiiConfirmation {
                record_type: "report".into(),
                field,
                kind: hit.kind.as_str().to_string(),
                span: (hit.start, hit.end),
                matched: hit.text.clone(),
            });
        }
    }
    state.store.confirm_pii(&items, &user.ctx()).await?;
    Ok(())
}

/// The reasons clearance is refused, each naming its paragraph with a link to it.
pub async fn clearance_problems(
    state: &AppState,
    report: &Record<Report>,
) -> Result<ValidationErrors, ApiError> {
    let r = &report.data;
    let mut errors = ValidationErrors::default();
    let path_of = |id: &str| -> String {
        for (si, s) in r.sections.iter().enumerate() {
            for (pi, p) in s.paragraphs.iter().enumerate() {
                if p.id.as_str() == id {
                    return format!("sections[{si}].paragraphs[{pi}]");
                }
            }
        }
        String::new()
    };
    let mut push = |path: String, pid: &str, reason: String| {
        let mut e = FieldError::new(path, format!("{pid}: {reason}"));
        e.extra.insert("paragraph".into(), json!(pid));
        e.extra.insert(
            "link".into(),
            json!(format!("/reports/{}#{pid}", report.id)),
        );
        errors.push(e);
    };
    for (pid, reason) in r.clearance_problems() {
        push(path_of(pid.as_str()), pid.as_str(), reason);
    }
    for (_, p) in r.paragraphs() {
        for c in &p.citations {
            if c.kind == CitedKind::Source
                && let Some(s) = state.store.get::<Source>(c.id).await?
                && s.data.status == SourceStatus::Retracted
            {
                push(
                    path_of(p.id.as_str()),
                    p.id.as_str(),
                    // The title only of a U source: the problem is shown with a U paragraph.
                    if s.data.marking == Marking::U {
                        format!(
                            "cites source {} ({}), which has been retracted",
                            c.id, s.data.title
                        )
                    } else {
                        format!("cites source {}, which has been retracted", c.id)
                    },
                );
            }
        }
    }
    for (field, pid, text, hit) in unconfirmed_pii(state, r).await? {
        push(
            field.clone(),
            &pid,
            format!(
                "\"{text}\" looks like a personal name and is not confirmed: remove it, or confirm it by saving with confirm_pii [{{\"field\": \"{field}\", \"span\": [{}, {}]}}]",
                hit.start, hit.end
            ),
        );
    }
    Ok(errors)
}

/// The clearance problems a user may see: those on paragraphs above their clearance are left
/// out (a problem may quote the paragraph's text).
pub fn problems_for(
    user: &CurrentUser,
    r: &Report,
    problems: ValidationErrors,
) -> ValidationErrors {
    let hidden: Vec<&str> = r
        .paragraphs()
        .filter(|(_, p)| !user.principal.may_see(p.marking))
        .map(|(_, p)| p.id.as_str())
        .collect();
    ValidationErrors {
        errors: problems
            .errors
            .into_iter()
            .filter(|e| {
                !e.extra
                    .get("paragraph")
                    .and_then(Value::as_str)
                    .is_some_and(|p| hidden.contains(&p))
            })
            .collect(),
    }
}

pub async fn create_report(
    state: &AppState,
    user: &CurrentUser,
    body: &Value,
) -> Result<Record<Report>, ApiError> {
    let mut body = body.clone();
    let confirmed = crate::pii_gate::take_confirmations(&mut body)?;
    let mut data = Report::parse(&body)?;
    data.state = ReportState::Draft;
    check_create(user, &data)?;
    if report_build::effective_template(&state.store, data.template_key.as_str())
        .await?
        .is_none()
    {
        return Err(bad(
            "template_key",
            format!("no template {}", data.template_key),
        ));
    }
    if let Some(t) = data.tasking_id {
        let tasking = load_tasking(state, user, &t.to_string())
            .await
            .map_err(|_| {
                bad(
                    "tasking_id",
                    format!("no tasking {t} addressed to this account's post"),
                )
            })?;
        if !tasking.data.posts.contains(&data.post) {
            return Err(bad(
                "tasking_id",
                format!("tasking {t} is not addressed to {}", data.post),
            ));
        }
    }
    check_cited_visible(state, user, &data).await?;
    confirm(state, user, &data, &confirmed).await?;
    Ok(state.store.create(&data, &user.ctx()).await?)
}

/// Saves new content: the state follows the edit rule (an edit in or after clearance
/// restarts the chain at draft; a published or withdrawn report is not edited).
pub async fn update_report(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    expected: i64,
    body: &Value,
) -> Result<Record<Report>, ApiError> {
    let current = load_visible::<Report>(state, user, raw).await?;
    let mut body = body.clone();
    let confirmed = crate::pii_gate::take_confirmations(&mut body)?;
    let mut next = Report::parse(&body)?;
    next.state = current.data.state;
    check_update(user, &current.data, &next)?;
    if next == current.data && confirmed.0.is_empty() {
        // Nothing changed: no new version (and a published report stays published).
        if expected != current.version {
            return Err(ApiError::Conflict {
                expected,
                current: current.version,
            });
        }
        return Ok(current);
    }
    if !next.same_content(&current.data) {
        let chain = chain_of(state, &current.data).await?;
        next.state = transition(
            current.data.state,
            ReportAction::Edit,
            user.principal.role(),
            &chain,
        )
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    }
    check_cited_visible(state, user, &next).await?;
    confirm(state, user, &next, &confirmed).await?;
    Ok(state
        .store
        .update(current.id, expected, &next, &user.ctx())
        .await?)
}

pub async fn chain_of(
    state: &AppState,
    r: &Report,
) -> Result<Vec<chancery_domain::access::Role>, ApiError> {
    Ok(
        report_build::effective_template(&state.store, r.template_key.as_str())
            .await?
            .map(|t| t.clearance_chain)
            .unwrap_or_else(|| chancery_domain::report::template::DEFAULT_CLEARANCE_CHAIN.to_vec()),
    )
}

/// Does a clearance action. Submitting and clearing are refused while the report has
/// problems (each listed with a link).
pub async fn act(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    expected: i64,
    action: ReportAction,
) -> Result<Record<Report>, ApiError> {
    let current = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Update, &current.data.policy())?;
    if action == ReportAction::Edit {
        return Err(bad("action", "edit by saving the report"));
    }
    let chain = chain_of(state, &current.data).await?;
    let next_state = transition(current.data.state, action, user.principal.role(), &chain)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    // Submitting, clearing and publishing sign off on the whole text: not by an account that
    // cannot see all of it.
    if matches!(
        action,
        ReportAction::Submit | ReportAction::Clear | ReportAction::Publish
    ) && current.data.highest_marking() > user.principal.clearance()
    {
        return Err(ApiError::Forbidden(
            "this report has SBU paragraphs the account cannot see, so it cannot sign off on them"
                .into(),
        ));
    }
    if matches!(action, ReportAction::Submit | ReportAction::Clear) {
        let problems = clearance_problems(state, &current).await?;
        if !problems.is_empty() {
            return Err(ApiError::Invalid(problems));
        }
    }
    let mut next = current.data.clone();
    next.state = next_state;
    Ok(state
        .store
        .update(current.id, expected, &next, &user.ctx())
        .await?)
}

/// A page of the reports the user may see (a post: its own), newest first.
pub async fn list_reports(
    state: &AppState,
    user: &CurrentUser,
    q: &crate::api::ListQuery,
) -> Result<chancery_store::Page<Report>, ApiError> {
    check_open(user, Action::Read, &Report::collection())?;
    let mut filter = ReportFilter {
        post: q.post.clone(),
        ..Default::default()
    };
    Report::scope(&mut filter, &user.principal);
    Ok(state
        .store
        .list::<Report>(&filter, q.cursor.as_deref(), q.limit)
        .await?)
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses(
        (status = 200, description = "A page of reports the user may see, SBU paragraphs withheld without SBU access", body = serde_json::Value),
    ))]
pub async fn api_reports(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = crate::api::ListQuery::parse(raw.as_deref(), &["post"])?;
    let page = list_reports(&state, &user, &q).await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|r| record_json(r, user.principal.clearance()))
        .collect();
    Ok(Json(json!({"items": items, "next": page.next})))
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body(content = serde_json::Value, description = "Report JSON: post, tasking_id, due, template_key, subject, tags, refs, captions, demo, sections of paragraphs (id, kind, marking, text, citations, block); optional confirm_pii"),
    responses(
        (status = 201, description = "Created as a draft", body = serde_json::Value),
        (status = 422, description = "Invalid fields, each named (a cited record the author may not see reads as missing)", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_create(
    State(state): State<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let r = create_report(&state, &user, &body).await?;
    let mut resp = (
        StatusCode::CREATED,
        Json(record_json(&r, user.principal.clearance())),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/reports/{}", r.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(with_etag(resp, r.version))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    responses(
        (status = 200, description = "The report, its flags and the problems that refuse clearance, each with a link to its paragraph", body = serde_json::Value),
        (status = 404, description = "No such report, or not visible", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let r = load_visible::<Report>(&state, &user, &id).await?;
    crate::access::audit_reads(&state, &user, "read", &[&r]).await?;
    let mut v = record_json(&r, user.principal.clearance());
    v["flags"] = json!(report_flags(&state, &r).await?);
    let problems = problems_for(&user, &r.data, clearance_problems(&state, &r).await?);
    v["clearance_problems"] = json!(problems.errors);
    Ok(with_etag(Json(v).into_response(), r.version))
}

#[utoipa::path(put, path = "/api/v1/reports/{id}", tag = "reports", request_body(content = serde_json::Value, description = "The report as a whole; If-Match names the version read. An edit in or after clearance restarts the chain at draft"),
    responses(
        (status = 200, description = "Saved", body = serde_json::Value),
        (status = 403, description = "Published or withdrawn reports are not edited", body = chancery_domain::ValidationErrors),
        (status = 409, description = "The version read is not the current one", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Invalid fields, each named", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let r = update_report(&state, &user, &id, expected, &body).await?;
    Ok(with_etag(
        Json(record_json(&r, user.principal.clearance())).into_response(),
        r.version,
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/history", tag = "reports",
    responses(
        (status = 200, description = "Every version, oldest first", body = serde_json::Value),
    ))]
pub async fn api_report_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Value>, ApiError> {
    let current = load_visible::<Report>(&state, &user, &id).await?;
    let clearance = user.principal.clearance();
    let h = state.store.history::<Report>(current.id).await?;
    let items: Vec<Value> = h
        .into_iter()
        .map(|(info, data)| {
            let mut v = json!(info);
            v["data"] = data.json_for(clearance);
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/actions", tag = "reports", request_body(content = serde_json::Value, description = r#"{"action": "submit" | "clear" | "return_to_draft" | "publish" | "withdraw"}; If-Match names the version read"#),
    responses(
        (status = 200, description = "Done", body = serde_json::Value),
        (status = 403, description = "Not this role's step", body = chancery_domain::ValidationErrors),
        (status = 422, description = "Clearance refused: each problem with its paragraph and link", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_action(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let action = body["action"]
        .as_str()
        .ok_or_else(|| bad("action", "is required"))
        .and_then(|a| ReportAction::parse(a).map_err(|e| bad("action", e)))?;
    let r = act(&state, &user, &id, expected, action).await?;
    Ok(with_etag(
        Json(record_json(&r, user.principal.clearance())).into_response(),
        r.version,
    ))
}

pub async fn add_comment(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    paragraph: &str,
    body: &str,
) -> Result<i64, ApiError> {
    let r = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Read, &r.data.policy())?;
    if user.principal.role() == chancery_domain::access::Role::HqReader {
        return Err(ApiError::Forbidden(
            "an HQ reader reads but does not comment".into(),
        ));
    }
    let Some((_, p)) = r
        .data
        .paragraphs()
        .find(|(_, p)| p.id.as_str() == paragraph)
    else {
        return Err(bad(
            "paragraph",
            format!("no paragraph {paragraph:?} in report {raw}"),
        ));
    };
    if !user.principal.may_see(p.marking) {
        return Err(bad(
            "paragraph",
            format!("no paragraph {paragraph:?} in report {raw}"),
        ));
    }
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 5000 {
        return Err(bad("body", "a comment has 1 to 5000 characters"));
    }
    Ok(state
        .store
        .add_report_comment(r.id, r.version, paragraph, body, &user.ctx())
        .await?)
}

/// Comments the user may see (those on paragraphs above their clearance are withheld).
pub async fn visible_comments(
    state: &AppState,
    user: &CurrentUser,
    r: &Record<Report>,
) -> Result<Vec<chancery_store::ReportComment>, ApiError> {
    let hidden: Vec<&str> = r
        .data
        .paragraphs()
        .filter(|(_, p)| !user.principal.may_see(p.marking))
        .map(|(_, p)| p.id.as_str())
        .collect();
    Ok(state
        .store
        .report_comments(r.id)
        .await?
        .into_iter()
        .filter(|c| !hidden.contains(&c.paragraph.as_str()))
        .collect())
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/comments", tag = "reports",
    responses(
        (status = 200, description = "Comments on the paragraphs the user may see", body = serde_json::Value),
    ))]
pub async fn api_report_comments(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Value>, ApiError> {
    let r = load_visible::<Report>(&state, &user, &id).await?;
    Ok(Json(
        json!({"items": visible_comments(&state, &user, &r).await?}),
    ))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/comments", tag = "reports", request_body(content = serde_json::Value, description = r#"{"paragraph": "p3", "body": "..."}"#),
    responses(
        (status = 201, description = "Added", body = serde_json::Value),
        (status = 422, description = "No such paragraph, or an empty comment", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_comment_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let paragraph = body["paragraph"].as_str().unwrap_or_default();
    let text = body["body"].as_str().unwrap_or_default();
    let cid = add_comment(&state, &user, &id, paragraph, text).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": cid}))).into_response())
}

fn build_err(e: report_build::BuildError) -> ApiError {
    match e {
        report_build::BuildError::Invalid(m) => bad("build", m),
        report_build::BuildError::Store(s) => s.into(),
    }
}

pub async fn make_build(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<ReportBuild, ApiError> {
    let r = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Update, &r.data.policy())?;
    report_build::build(&state.store, &r, &user.ctx())
        .await
        .map_err(build_err)
}

/// A build the user may see (through its report).
pub async fn load_build(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<ReportBuild, ApiError> {
    let not_found = || ApiError::NotFound(format!("no build with id {raw}"));
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    let b = state.store.report_build(id).await?.ok_or_else(not_found)?;
    load_visible::<Report>(state, user, &b.report_id.to_string())
        .await
        .map_err(|_| not_found())?;
    Ok(b)
}

/// The audit entry for a read of a build's SBU content: its id and snapshot hash, never text.
fn build_read(b: &ReportBuild) -> chancery_store::AuditEvent {
    let mut e = chancery_store::AuditEvent::new("read");
    e.record_type = Some("report_build".into());
    e.record_id = Some(b.id);
    e.version = Some(b.report_version);
    e.content_hash = Some(b.snapshot_sha256.clone());
    e
}

/// Renders a build for a user: the internal edition only with SBU access. Handing out an
/// internal edition that holds SBU paragraphs is a read of SBU material: it is audited (the
/// build's id and its snapshot's sha256, never text).
pub async fn output(
    state: &AppState,
    user: &CurrentUser,
    b: &ReportBuild,
    format: &str,
    public: bool,
) -> Result<Response, ApiError> {
    let f = Format::parse(format).map_err(ApiError::NotFound)?;
    let public = public || !user.principal.may_see(Marking::SBU);
    let bytes = report_build::render(b, f, public).map_err(build_err)?;
    if !public
        && report_build::read_snapshot(b)
            .map_err(build_err)?
            .doc
            .banner()
            == Marking::SBU
    {
        state.store.audit(&user.ctx(), &[build_read(b)]).await?;
    }
    let name = format!(
        "report-{}-build-{}{}.{}",
        b.report_id,
        b.id,
        if public { "-public" } else { "" },
        f.extension()
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(f.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/builds", tag = "reports",
    responses(
        (status = 200, description = "The report's builds, newest first, each with its snapshot sha256 and flags", body = serde_json::Value),
    ))]
pub async fn api_report_builds(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Json<Value>, ApiError> {
    let r = load_visible::<Report>(&state, &user, &id).await?;
    let mut items = Vec::new();
    for b in state.store.report_builds(r.id).await? {
        let snap = report_build::read_snapshot(&b).map_err(build_err)?;
        let flags = report_build::flags(&state.store, &snap).await?;
        items.push(json!({
            "id": b.id, "report_id": b.report_id, "report_version": b.report_version,
            "created_at": b.created_at, "created_by": b.author,
            "snapshot_sha256": b.snapshot_sha256, "flags": flags,
        }));
    }
    Ok(Json(json!({ "items": items })))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/builds", tag = "reports",
    responses(
        (status = 201, description = "A new build pinning the current version, statistics releases and record versions", body = serde_json::Value),
        (status = 422, description = "The report cannot be resolved (a block's data is missing)", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_report_build_create(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let b = make_build(&state, &user, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": b.id, "report_id": b.report_id, "report_version": b.report_version,
                    "created_at": b.created_at, "snapshot_sha256": b.snapshot_sha256}),
        ),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/builds/{id}/{format}", tag = "reports",
    responses(
        (status = 200, description = "The build rendered as html, pdf, cable, md or manifest; ?public=1 for the public edition (always public without SBU access); byte-identical on every request", body = serde_json::Value),
        (status = 404, description = "No such build or format", body = chancery_domain::ValidationErrors),
    ))]
pub async fn api_build_output(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(id, format): IdPair,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let b = load_build(&state, &user, &id).await?;
    let public = raw
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "public=1" || p == "public=true"));
    output(&state, &user, &b, &format, public).await
}

/// The diff between two builds, paragraph by paragraph, as the user may see them.
pub async fn diff_builds(
    state: &AppState,
    user: &CurrentUser,
    a: &str,
    b: &str,
) -> Result<
    (
        ReportBuild,
        ReportBuild,
        Vec<(String, &'static str, String)>,
    ),
    ApiError,
> {
    let ba = load_build(state, user, a).await?;
    let bb = load_build(state, user, b).await?;
    let mut sa = report_build::read_snapshot(&ba).map_err(build_err)?;
    let mut sb = report_build::read_snapshot(&bb).map_err(build_err)?;
    if !user.principal.may_see(Marking::SBU) {
        sa.doc = sa.doc.public();
        sb.doc = sb.doc.public();
    } else {
        // Comparing internal editions with SBU paragraphs reads them: audited per build.
        let events: Vec<chancery_store::AuditEvent> = [(&ba, &sa), (&bb, &sb)]
            .into_iter()
            .filter(|(_, s)| s.doc.banner() == Marking::SBU)
            .map(|(b, _)| build_read(b))
            .collect();
        state.store.audit(&user.ctx(), &events).await?;
    }
    let d = report_build::diff(&sa, &sb);
    Ok((ba, bb, d))
}

#[utoipa::path(get, path = "/api/v1/builds/{id}/diff/{other}", tag = "reports",
    responses(
        (status = 200, description = "What changed between two builds, paragraph by paragraph", body = serde_json::Value),
    ))]
pub async fn api_build_diff(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(a, b): IdPair,
) -> Result<Json<Value>, ApiError> {
    let (ba, bb, d) = diff_builds(&state, &user, &a, &b).await?;
    let changes: Vec<Value> = d
        .into_iter()
        .map(|(p, c, detail)| json!({"paragraph": p, "change": c, "detail": detail}))
        .collect();
    Ok(Json(
        json!({"from": ba.id, "to": bb.id, "changes": changes}),
    ))
}
