//! Create and edit forms for the policy register and engagements, made like the case and
//! source forms: fields named by their JSON paths, turned into JSON by `form_to_json` (which
//! drops empty values, so blank rows vanish), saved through `save_form` (permission, quote and
//! PII checks, optimistic concurrency), and shown again with what was typed and each error
//! beside its field when refused.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{FormBody, IdPath};
use crate::pages::cases::case_choices;
use crate::pages::forms::{Refusal, check_may_edit, form_marking, save_form};
use crate::pages::record_forms::CaseChoices;
use crate::pages::views::{
    Field, FormState, PageMeta, SelectField, country_options, marking_options, pairs,
};
use crate::pages::{PageResult, form_version, render, see_other};
use crate::routes::Route;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_app::access::{AppRecord, check_open, load_visible};
use chancery_domain::engagement::EngagementKind;
use chancery_domain::input::form_to_json;
use chancery_domain::policy::PolicyKind;
use chancery_domain::{Action, Engagement, Policy, PolicyArea, Record, Role, ValidationErrors};
use serde_json::{Value, json};

/// Rows offered for each repeated part (more when a record already has more).
const VERSION_ROWS: usize = 3;
const VERSION_CITATION_ROWS: usize = 3;
const LINKED_CASE_ROWS: usize = 3;
const OFFICIAL_ROWS: usize = 3;
const TOPIC_ROWS: usize = 3;
const TALKING_POINT_ROWS: usize = 5;
const FOLLOW_UP_ROWS: usize = 3;
const CITATION_ROWS: usize = 3;

/// How many rows to offer for an array at a JSON pointer: at least `min`, and one blank row
/// more than the values hold.
fn row_count(values: &Value, pointer: &str, min: usize) -> usize {
    let held = values
        .pointer(pointer)
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    (held + 1).max(min)
}

fn credibility_options() -> Vec<(String, String)> {
    pairs([
        ("1", "1: confirmed by other sources"),
        ("2", "2: probably true"),
        ("3", "3: possibly true"),
        ("4", "4: doubtful"),
        ("5", "5: improbable"),
        ("6", "6: truth cannot be judged"),
    ])
}

/// One citation row of a form.
pub struct CiteRow {
    pub source: SelectField,
    pub page: Field,
    pub paragraph: Field,
    pub quote: Field,
    pub quote_en: Field,
    pub credibility: SelectField,
}

fn cite_rows(form: &FormState, base: &str, n: usize, sources: &[(String, String)]) -> Vec<CiteRow> {
    (0..n)
        .map(|i| {
            let p = format!("{base}[{i}]");
            CiteRow {
                source: form.select(&format!("{p}.source_id"), sources, Some("(none)")),
                page: form.text(&format!("{p}.page")),
                paragraph: form.text(&format!("{p}.paragraph")),
                quote: form.text(&format!("{p}.quote")),
                quote_en: form.text(&format!("{p}.quote_en")),
                credibility: form.select(
                    &format!("{p}.credibility"),
                    &credibility_options(),
                    Some("(not judged)"),
                ),
            }
        })
        .collect()
}

fn refuse_readers(user: &CurrentUser) -> Result<(), ApiError> {
    if user.principal.role() == Role::HqReader {
        return Err(AppError::Forbidden("an HQ reader reads but does not write".into()).into());
    }
    Ok(())
}

/// The post a new record defaults to: the one of a post user.
fn default_post(user: &CurrentUser) -> Value {
    user.principal
        .post_scope()
        .map(|p| json!(p.as_str()))
        .unwrap_or(Value::Null)
}

/// What the form pages of a record type share: where they post, what they are called.
struct FormTarget {
    heading: String,
    action: String,
    cancel_href: String,
    version: Option<i64>,
    conflict: Option<String>,
    status: StatusCode,
}

impl FormTarget {
    fn new_record(heading: &str, base: &str) -> Self {
        FormTarget {
            heading: heading.into(),
            action: base.into(),
            cancel_href: base.into(),
            version: None,
            conflict: None,
            status: StatusCode::OK,
        }
    }

    fn edit<T: AppRecord>(record: &Record<T>, title: &str) -> Self {
        let href = format!("{}/{}", T::PAGES, record.id);
        FormTarget {
            heading: format!("Edit: {title}"),
            action: format!("{href}/edit"),
            cancel_href: href,
            version: Some(record.version),
            conflict: None,
            status: StatusCode::OK,
        }
    }

    fn refused(mut self, refusal: &mut Refusal) -> Self {
        self.status = refusal.status;
        self.conflict = refusal.conflict.take();
        if self.version.is_some() {
            self.version = refusal.version;
        }
        self
    }
}

// ---------------------------------------------------------------- policies

pub struct PolicyVersionRow {
    pub number: usize,
    pub label: Field,
    pub valid_from: Field,
    pub valid_to: Field,
    pub summary: Field,
    pub citations_error: Option<String>,
    pub citations: Vec<CiteRow>,
}

#[derive(Template)]
#[template(path = "policy_form.html")]
pub struct PolicyFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: Option<i64>,
    pub conflict: Option<String>,
    pub errors: Vec<String>,
    pub post: SelectField,
    pub country: SelectField,
    pub kind: SelectField,
    pub area: SelectField,
    pub title: Field,
    pub marking: SelectField,
    pub versions_error: Option<String>,
    pub versions: Vec<PolicyVersionRow>,
    pub assessment: Field,
    pub linked_cases: Vec<SelectField>,
}

fn policy_form(
    target: FormTarget,
    values: &Value,
    errors: &ValidationErrors,
    choices: &CaseChoices,
    user: &CurrentUser,
) -> (StatusCode, PolicyFormPage) {
    let form = FormState { values, errors };
    let versions = (0..row_count(values, "/versions", VERSION_ROWS))
        .map(|i| {
            let p = format!("versions[{i}]");
            let n = row_count(
                values,
                &format!("/versions/{i}/citations"),
                VERSION_CITATION_ROWS,
            );
            PolicyVersionRow {
                number: i + 1,
                label: form.text(&format!("{p}.label")),
                valid_from: form.text(&format!("{p}.valid_from")),
                valid_to: form.text(&format!("{p}.valid_to")),
                summary: form.text(&format!("{p}.summary")),
                citations_error: form.error(&format!("{p}.citations")),
                citations: cite_rows(&form, &format!("{p}.citations"), n, &choices.sources),
            }
        })
        .collect();
    let linked_cases = (0..row_count(values, "/linked_cases", LINKED_CASE_ROWS))
        .map(|i| {
            form.select(
                &format!("linked_cases[{i}]"),
                &choices.cases,
                Some("(none)"),
            )
        })
        .collect();
    let kinds = pairs(PolicyKind::ALL.iter().map(|k| (k.as_str(), k.label())));
    let areas = pairs(PolicyArea::ALL.iter().map(|a| (a.as_str(), a.label())));
    let page = PageMeta::new(
        target.heading.clone(),
        form_marking(true, values, user),
        user,
    );
    let t = PolicyFormPage {
        page,
        heading: target.heading,
        action: target.action,
        cancel_href: target.cancel_href,
        version: target.version,
        conflict: target.conflict,
        errors: form.summary(),
        post: form.select("post", &choices.posts, Some("(choose)")),
        country: form.select("country", &country_options(), Some("(choose)")),
        kind: form.select("kind", &kinds, Some("(choose)")),
        area: form.select("area", &areas, Some("(choose)")),
        title: form.text("title"),
        marking: form.select("marking", &marking_options(), None),
        versions_error: form.error("versions"),
        versions,
        assessment: form.text("assessment"),
        linked_cases,
    };
    (target.status, t)
}

/// The form page of a policy, rendered.
async fn show_policy_form(
    state: &AppState,
    user: &CurrentUser,
    target: FormTarget,
    values: &Value,
    errors: &ValidationErrors,
) -> PageResult {
    let choices = case_choices(state, user, None).await?;
    let (status, t) = policy_form(target, values, errors, &choices, user);
    Ok(render(status, &t))
}

pub async fn policy_new(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    check_open(&user, Action::Create, &Policy::collection())?;
    refuse_readers(&user)?;
    let values = json!({"marking": "U", "post": default_post(&user)});
    let target = FormTarget::new_record("New policy", "/policies");
    show_policy_form(&state, &user, target, &values, &ValidationErrors::default()).await
}

pub async fn policy_create(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    let values = form_to_json(&pairs);
    match save_form::<Policy>(&state, &user, &values, None, None).await? {
        Ok(record) => Ok(see_other(format!("/policies/{}", record.id))),
        Err(mut refusal) => {
            let target = FormTarget::new_record("New policy", "/policies").refused(&mut refusal);
            show_policy_form(&state, &user, target, &values, &refusal.errors).await
        }
    }
}

pub async fn policy_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Policy>(&state, &user, &id).await?;
    check_may_edit(&state, &user, &record).await?;
    let values = record.data.to_json();
    let target = FormTarget::edit(&record, record.data.title.as_str());
    show_policy_form(&state, &user, target, &values, &ValidationErrors::default()).await
}

pub async fn policy_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(pairs): FormBody,
) -> PageResult {
    let current = load_visible::<Policy>(&state, &user, &id).await?;
    let expected = form_version(&pairs).ok_or(AppError::PreconditionRequired)?;
    let values = form_to_json(&pairs);
    let mut refusal =
        match save_form::<Policy>(&state, &user, &values, Some(&current), Some(expected)).await? {
            Ok(r) => return Ok(see_other(format!("/policies/{}", r.id))),
            Err(r) => r,
        };
    let target = FormTarget::edit(&current, current.data.title.as_str()).refused(&mut refusal);
    show_policy_form(&state, &user, target, &values, &refusal.errors).await
}

// ---------------------------------------------------------------- engagements

pub struct OfficialRow {
    pub role: Field,
    pub name: Field,
}

pub struct FollowUpRow {
    pub action: Field,
    pub due: Field,
    pub done_name: String,
    pub done: bool,
    pub done_error: Option<String>,
}

#[derive(Template)]
#[template(path = "engagement_form.html")]
pub struct EngagementFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: Option<i64>,
    pub conflict: Option<String>,
    pub errors: Vec<String>,
    pub post: SelectField,
    pub country: SelectField,
    pub kind: SelectField,
    pub date: Field,
    pub title: Field,
    pub institution: Field,
    pub marking: SelectField,
    pub officials: Vec<OfficialRow>,
    pub topics: Vec<Field>,
    pub talking_points: Vec<Field>,
    pub response: Field,
    pub follow_ups: Vec<FollowUpRow>,
    pub assistance_offered: Field,
    pub citations: Vec<CiteRow>,
}

fn engagement_form(
    target: FormTarget,
    values: &Value,
    errors: &ValidationErrors,
    choices: &CaseChoices,
    user: &CurrentUser,
) -> (StatusCode, EngagementFormPage) {
    let form = FormState { values, errors };
    let officials = (0..row_count(values, "/officials", OFFICIAL_ROWS))
        .map(|i| OfficialRow {
            role: form.text(&format!("officials[{i}].role")),
            name: form.text(&format!("officials[{i}].name")),
        })
        .collect();
    let topics = (0..row_count(values, "/topics", TOPIC_ROWS))
        .map(|i| form.text(&format!("topics[{i}]")))
        .collect();
    let talking_points = (0..row_count(values, "/talking_points", TALKING_POINT_ROWS))
        .map(|i| form.text(&format!("talking_points[{i}]")))
        .collect();
    let follow_ups = (0..row_count(values, "/follow_ups", FOLLOW_UP_ROWS))
        .map(|i| {
            let done_name = format!("follow_ups[{i}].done");
            FollowUpRow {
                action: form.text(&format!("follow_ups[{i}].action")),
                due: form.text(&format!("follow_ups[{i}].due")),
                done: matches!(form.get(&done_name).as_str(), "true" | "on"),
                done_error: form.error(&done_name),
                done_name,
            }
        })
        .collect();
    let n = row_count(values, "/citations", CITATION_ROWS);
    let kinds = pairs(EngagementKind::ALL.iter().map(|k| (k.as_str(), k.label())));
    let page = PageMeta::new(
        target.heading.clone(),
        form_marking(true, values, user),
        user,
    );
    let t = EngagementFormPage {
        page,
        heading: target.heading,
        action: target.action,
        cancel_href: target.cancel_href,
        version: target.version,
        conflict: target.conflict,
        errors: form.summary(),
        post: form.select("post", &choices.posts, Some("(choose)")),
        country: form.select("country", &country_options(), Some("(choose)")),
        kind: form.select("kind", &kinds, Some("(choose)")),
        date: form.text("date"),
        title: form.text("title"),
        institution: form.text("institution"),
        marking: form.select("marking", &marking_options(), None),
        officials,
        topics,
        talking_points,
        response: form.text("response"),
        follow_ups,
        assistance_offered: form.text("assistance_offered"),
        citations: cite_rows(&form, "citations", n, &choices.sources),
    };
    (target.status, t)
}

async fn show_engagement_form(
    state: &AppState,
    user: &CurrentUser,
    target: FormTarget,
    values: &Value,
    errors: &ValidationErrors,
) -> PageResult {
    let choices = case_choices(state, user, None).await?;
    let (status, t) = engagement_form(target, values, errors, &choices, user);
    Ok(render(status, &t))
}

pub async fn engagement_new(State(state): State<AppState>, user: CurrentUser) -> PageResult {
    check_open(&user, Action::Create, &Engagement::collection())?;
    refuse_readers(&user)?;
    // Contact reporting is SBU by default; a user without SBU access starts from U.
    let marking = if user.principal.sbu_access {
        "SBU"
    } else {
        "U"
    };
    let values = json!({"marking": marking, "post": default_post(&user)});
    let target = FormTarget::new_record("New engagement", "/engagements");
    show_engagement_form(&state, &user, target, &values, &ValidationErrors::default()).await
}

pub async fn engagement_create(
    State(state): State<AppState>,
    user: CurrentUser,
    FormBody(pairs): FormBody,
) -> PageResult {
    let values = form_to_json(&pairs);
    match save_form::<Engagement>(&state, &user, &values, None, None).await? {
        Ok(record) => Ok(see_other(format!("/engagements/{}", record.id))),
        Err(mut refusal) => {
            let target =
                FormTarget::new_record("New engagement", "/engagements").refused(&mut refusal);
            show_engagement_form(&state, &user, target, &values, &refusal.errors).await
        }
    }
}

pub async fn engagement_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Engagement>(&state, &user, &id).await?;
    check_may_edit(&state, &user, &record).await?;
    let values = record.data.to_json();
    let target = FormTarget::edit(&record, record.data.title.as_str());
    show_engagement_form(&state, &user, target, &values, &ValidationErrors::default()).await
}

pub async fn engagement_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(pairs): FormBody,
) -> PageResult {
    let current = load_visible::<Engagement>(&state, &user, &id).await?;
    let expected = form_version(&pairs).ok_or(AppError::PreconditionRequired)?;
    let values = form_to_json(&pairs);
    let mut refusal =
        match save_form::<Engagement>(&state, &user, &values, Some(&current), Some(expected))
            .await?
        {
            Ok(r) => return Ok(see_other(format!("/engagements/{}", r.id))),
            Err(r) => r,
        };
    let target = FormTarget::edit(&current, current.data.title.as_str()).refused(&mut refusal);
    show_engagement_form(&state, &user, target, &values, &refusal.errors).await
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("policy_new", "/policies/new", policy_new),
        Route::post("policy_create", "/policies", policy_create),
        Route::get("policy_edit", "/policies/{id}/edit", policy_edit),
        Route::post("policy_update", "/policies/{id}/edit", policy_update),
        Route::get("engagement_new", "/engagements/new", engagement_new),
        Route::post("engagement_create", "/engagements", engagement_create),
        Route::get("engagement_edit", "/engagements/{id}/edit", engagement_edit),
        Route::post(
            "engagement_update",
            "/engagements/{id}/edit",
            engagement_update,
        ),
    ]
}
