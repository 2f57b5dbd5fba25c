//! Server-rendered pages of the policy register and of engagements (list, view, history), and
//! the helpers the view pages share (`Shown`, citation views). Plain forms and links, no
//! JavaScript; every page asks the policy through `access`, shows only what the user
//! may see, carries the highest marking it shows, and logs the reads of SBU material.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::IdPath;
use crate::pages::history::history_page;
use crate::pages::listing::Listed;
use crate::pages::views::{
    Fact, LinkView, PageMeta, SelectField, country_options, pairs, post_options,
};
use crate::pages::{PageResult, render, stamp};
use crate::routes::Route;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chancery_app::access::load_visible;
use chancery_domain::engagement::FollowUp;
use chancery_domain::source::SourceStatus;
use chancery_domain::{
    Case, Citation, Engagement, Policy, PolicyArea, PolicyVersion, Post, Source,
};
use chrono::NaiveDate;

// ---------------------------------------------------------------- shared

pub use crate::pages::views::CiteView;
pub use chancery_app::access::Shown;
use chancery_app::{access, posts};

pub(crate) async fn citation_views(
    state: &AppState,
    user: &CurrentUser,
    cites: &[Citation],
    shown: &mut Shown,
) -> Result<Vec<CiteView>, ApiError> {
    let clearance = user.principal.clearance();
    let mut out = Vec::new();
    for cit in cites {
        let src = access::peek::<Source>(state, user, cit.source_id).await?;
        let (label, unverified, withdrawn) = match &src {
            Some(s) => {
                shown.add(s, clearance);
                let withdrawn = (s.data.status != SourceStatus::Active).then(|| {
                    let reason = s
                        .data
                        .status_reason
                        .as_ref()
                        .map(|r| r.to_string())
                        .unwrap_or_else(|| "no reason recorded".into());
                    format!("{}: {reason}", s.data.status.as_str())
                });
                (
                    format!("{}, {}", s.data.publisher, s.data.title),
                    !s.data.verified,
                    withdrawn,
                )
            }
            _ => (
                format!("source {} (withheld: SBU)", cit.source_id),
                false,
                None,
            ),
        };
        let pin: Vec<String> = [
            cit.page.as_ref().map(|p| format!("p. {p}")),
            cit.paragraph.as_ref().map(|p| format!("para. {p}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.push(CiteView {
            source_id: cit.source_id.get(),
            label,
            pinpoint: pin.join(", "),
            quote: cit.quote.clone(),
            quote_en: cit.quote_en.clone(),
            unverified,
            withdrawn,
        });
    }
    Ok(out)
}

pub(crate) fn post_name(posts: &[Post], slug: &str) -> String {
    posts
        .iter()
        .find(|p| p.slug.as_str() == slug)
        .map(Post::display_name)
        .unwrap_or_else(|| slug.to_string())
}

pub(crate) fn country_text(c: &chancery_domain::Country) -> String {
    format!("{} ({})", c.name(), c.code())
}

pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

// ---------------------------------------------------------------- policies

pub struct PolicyRow {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub area: &'static str,
    pub country: String,
    pub post: String,
    pub in_force: String,
    pub versions: usize,
    pub marking: &'static str,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "policies_list.html")]
pub struct PoliciesPage {
    pub page: PageMeta,
    pub country: SelectField,
    pub post: SelectField,
    pub area: SelectField,
    pub errors: Vec<String>,
    pub rows: Vec<PolicyRow>,
    pub next: Option<String>,
}

pub async fn policies_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    // Words: the search of this type (`/cases?q=Hamburg`).
    if let Some(r) = crate::pages::search::list_words(raw.as_deref(), "policy") {
        return Ok(r);
    }
    let posts = posts::all(&state).await?;
    let listed = Listed::<Policy>::load(&state, &user, raw.as_deref()).await?;
    let form = listed.form();
    let day = today();
    let rows: Vec<PolicyRow> = listed.rows(|r| PolicyRow {
        id: r.id.get(),
        title: r.data.title.to_string(),
        kind: r.data.kind.label(),
        area: r.data.area.label(),
        country: r.data.country.code().to_string(),
        post: post_name(&posts, r.data.post.as_str()),
        in_force: r
            .data
            .in_force_on(day)
            .map(|v| v.label.to_string())
            .unwrap_or_else(|| "none".into()),
        versions: r.data.versions.len(),
        marking: r.data.marking.as_str(),
        version: r.version,
    });
    let marking = listed.marking();
    let areas = pairs(PolicyArea::ALL.iter().map(|a| (a.as_str(), a.label())));
    let t = PoliciesPage {
        page: PageMeta::new("Policy register", marking, &user),
        country: form.select("country", &country_options(), Some("(any)")),
        post: form.select("post", &post_options(&posts), Some("(any)")),
        area: form.select("area", &areas, Some("(any)")),
        errors: form.summary(),
        rows,
        next: listed.next("/policies", raw.as_deref()),
    };
    Ok(render(listed.status(), &t))
}

pub struct PolicyVersionView {
    pub label: String,
    /// "from 2010-01-01 to 2022-06-30", or "from 2022-07-01, no end date".
    pub validity: String,
    pub summary: String,
    pub citations: Vec<CiteView>,
    pub in_force_today: bool,
    /// In force on the day the reader asked about.
    pub in_force_on_day: bool,
}

#[derive(Template)]
#[template(path = "policy_view.html")]
pub struct PolicyPage {
    /// Retracted sources the policy cites, with where.
    pub flags: Vec<String>,
    pub page: PageMeta,
    pub heading: String,
    pub self_href: String,
    pub api_href: String,
    pub facts: Vec<Fact>,
    pub today: String,
    /// What is in force today, in words.
    pub in_force_today: String,
    /// The day typed in the form, as typed.
    pub date_value: String,
    /// The day asked about, when it was a date.
    pub day: Option<String>,
    pub date_error: Option<String>,
    /// The answer for the day asked about, in words.
    pub on_day: Option<String>,
    pub versions: Vec<PolicyVersionView>,
    pub assessment: Option<String>,
    pub linked: Vec<LinkView>,
    pub version: i64,
    pub created: String,
    pub updated: String,
}

fn validity(v: &PolicyVersion) -> String {
    match v.valid_to {
        Some(to) => format!("from {} to {to}", v.valid_from),
        None => format!("from {}, no end date", v.valid_from),
    }
}

/// The `date` of a policy page's query: (as typed, the day, the error).
fn asked_day(raw: Option<&str>) -> (String, Option<NaiveDate>, Option<String>) {
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(raw.unwrap_or("")) {
        Ok(p) => p,
        Err(_) => {
            return (
                String::new(),
                None,
                Some("the query string could not be read; give the day as YYYY-MM-DD".into()),
            );
        }
    };
    let Some(typed) = pairs
        .into_iter()
        .find(|(k, v)| k == "date" && !v.trim().is_empty())
        .map(|(_, v)| v)
    else {
        return (String::new(), None, None);
    };
    match NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d") {
        Ok(d) => (typed, Some(d), None),
        Err(_) => {
            let error = format!(
                "{typed:?} is not a date: give the day as YYYY-MM-DD, for example 2025-10-15"
            );
            (typed, None, Some(error))
        }
    }
}

fn policy_facts(p: &Policy, post: &str) -> Vec<Fact> {
    vec![
        Fact::new("Kind", p.kind.label()),
        Fact::new("Area", p.area.label()),
        Fact::new("Country", country_text(&p.country)),
        Fact::new("Post", post.to_string()),
        Fact::new("Marking", p.marking.as_str()),
    ]
}

pub async fn policy_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let record = load_visible::<Policy>(&state, &user, &id).await?;
    let clearance = user.principal.clearance();
    let p = &record.data;
    let mut shown = Shown::new();
    shown.add(&record, clearance);
    let post = posts::name_of(&state, &p.post).await?;
    let (date_value, day, date_error) = asked_day(raw.as_deref());
    let now = today();
    let mut versions = Vec::new();
    for v in &p.versions {
        versions.push(PolicyVersionView {
            label: v.label.to_string(),
            validity: validity(v),
            summary: v.summary.to_string(),
            citations: citation_views(&state, &user, &v.citations, &mut shown).await?,
            in_force_today: v.in_force_on(now),
            in_force_on_day: day.is_some_and(|d| v.in_force_on(d)),
        });
    }
    let mut linked = Vec::new();
    for case_id in &p.linked_cases {
        if let Some(c) = access::peek::<Case>(&state, &user, *case_id).await? {
            shown.add_title(&c);
            linked.push(LinkView {
                id: c.id.get(),
                label: c.data.title.to_string(),
                relation: String::new(),
            });
        }
    }
    let in_force_today = match p.in_force_on(now) {
        Some(v) => format!("{} ({})", v.label, validity(v)),
        None => "No version of this policy is in force today.".into(),
    };
    let on_day = day.map(|d| match p.in_force_on(d) {
        Some(v) => format!(
            "On {d} the version in force was \u{201c}{}\u{201d} ({}).",
            v.label,
            validity(v)
        ),
        None => format!("No version of this policy was in force on {d}."),
    });
    let marking = shown.log(&state, &user).await?;
    let status = if date_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let t = PolicyPage {
        flags: chancery_app::access::retracted_flags(&state, &record.data).await?,
        page: PageMeta::new(p.title.to_string(), marking, &user),
        heading: p.title.to_string(),
        self_href: format!("/policies/{}", record.id),
        api_href: format!("/api/v1/policies/{}", record.id),
        facts: policy_facts(p, &post),
        today: now.to_string(),
        in_force_today,
        date_value,
        day: day.map(|d| d.to_string()),
        date_error,
        on_day,
        versions,
        assessment: p.assessment.as_ref().map(|a| a.to_string()),
        linked,
        version: record.version,
        created: stamp(&record.created_at, &record.created_by),
        updated: stamp(&record.updated_at, &record.updated_by),
    };
    Ok(render(status, &t))
}

pub async fn policy_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    history_page::<Policy>(
        &state,
        &user,
        &id,
        |p| p.title.to_string(),
        |p, _| {
            let mut facts = vec![Fact::new("Title", p.title.to_string())];
            facts.extend(policy_facts(p, p.post.as_str()));
            for v in &p.versions {
                let cites: Vec<String> = v
                    .citations
                    .iter()
                    .map(|c| format!("source {}", c.source_id))
                    .collect();
                facts.push(Fact::new(
                    "Version",
                    format!(
                        "{} ({}): {} [cites {}]",
                        v.label,
                        validity(v),
                        v.summary,
                        cites.join(", ")
                    ),
                ));
            }
            facts.push(Fact::new(
                "Post's assessment",
                p.assessment
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "none recorded".into()),
            ));
            let cases: Vec<String> = p.linked_cases.iter().map(|c| c.to_string()).collect();
            facts.push(Fact::new("Linked cases", cases.join(", ")));
            facts
        },
    )
    .await
}

// ---------------------------------------------------------------- engagements

pub struct EngagementRow {
    pub id: i64,
    pub date: String,
    pub title: String,
    pub kind: &'static str,
    pub institution: String,
    pub country: String,
    pub post: String,
    pub open_follow_ups: usize,
    pub overdue: usize,
    pub marking: &'static str,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "engagements_list.html")]
pub struct EngagementsPage {
    pub page: PageMeta,
    pub country: SelectField,
    pub post: SelectField,
    pub errors: Vec<String>,
    pub rows: Vec<EngagementRow>,
    pub next: Option<String>,
}

pub async fn engagements_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    // Words: the search of this type (`/cases?q=Hamburg`).
    if let Some(r) = crate::pages::search::list_words(raw.as_deref(), "engagement") {
        return Ok(r);
    }
    let posts = posts::all(&state).await?;
    let listed = Listed::<Engagement>::load(&state, &user, raw.as_deref()).await?;
    let form = listed.form();
    let day = today();
    let rows: Vec<EngagementRow> = listed.rows(|r| EngagementRow {
        id: r.id.get(),
        date: r.data.date.to_string(),
        title: r.data.title.to_string(),
        kind: r.data.kind.label(),
        institution: r.data.institution.to_string(),
        country: r.data.country.code().to_string(),
        post: post_name(&posts, r.data.post.as_str()),
        open_follow_ups: r.data.follow_ups.iter().filter(|f| !f.done).count(),
        overdue: r.data.overdue(day).len(),
        marking: r.data.marking.as_str(),
        version: r.version,
    });
    let marking = listed.marking();
    let t = EngagementsPage {
        page: PageMeta::new("Engagements", marking, &user),
        country: form.select("country", &country_options(), Some("(any)")),
        post: form.select("post", &post_options(&posts), Some("(any)")),
        errors: form.summary(),
        rows,
        next: listed.next("/engagements", raw.as_deref()),
    };
    Ok(render(listed.status(), &t))
}

pub struct FollowUpView {
    pub action: String,
    pub due: String,
    pub done: bool,
    pub overdue: bool,
}

fn follow_up_view(f: &FollowUp, day: NaiveDate) -> FollowUpView {
    FollowUpView {
        action: f.action.to_string(),
        due: f
            .due
            .map(|d| d.to_string())
            .unwrap_or_else(|| "no due date".into()),
        done: f.done,
        overdue: !f.done && f.due.is_some_and(|d| d < day),
    }
}

#[derive(Template)]
#[template(path = "engagement_view.html")]
pub struct EngagementPage {
    /// Retracted sources the engagement cites, with where.
    pub flags: Vec<String>,
    pub page: PageMeta,
    pub heading: String,
    pub self_href: String,
    pub api_href: String,
    pub facts: Vec<Fact>,
    /// "Role: Name", or the role alone when no name is recorded.
    pub officials: Vec<String>,
    pub topics: Vec<String>,
    pub talking_points: Vec<String>,
    pub response: Option<String>,
    pub follow_ups: Vec<FollowUpView>,
    pub assistance: Option<String>,
    pub citations: Vec<CiteView>,
    pub version: i64,
    pub created: String,
    pub updated: String,
}

fn engagement_facts(e: &Engagement, post: &str) -> Vec<Fact> {
    vec![
        Fact::new("Kind", e.kind.label()),
        Fact::new("Date", e.date.to_string()),
        Fact::new("Institution", e.institution.to_string()),
        Fact::new("Country", country_text(&e.country)),
        Fact::new("Post", post.to_string()),
        Fact::new("Marking", e.marking.as_str()),
    ]
}

fn official_text(o: &chancery_domain::engagement::Official) -> String {
    match &o.name {
        Some(n) => format!("{}: {n}", o.role),
        None => o.role.to_string(),
    }
}

pub async fn engagement_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Engagement>(&state, &user, &id).await?;
    let clearance = user.principal.clearance();
    let e = &record.data;
    let mut shown = Shown::new();
    shown.add(&record, clearance);
    let post = posts::name_of(&state, &e.post).await?;
    let citations = citation_views(&state, &user, &e.citations, &mut shown).await?;
    let marking = shown.log(&state, &user).await?;
    let day = today();
    let t = EngagementPage {
        flags: chancery_app::access::retracted_flags(&state, &record.data).await?,
        page: PageMeta::new(e.title.to_string(), marking, &user),
        heading: e.title.to_string(),
        self_href: format!("/engagements/{}", record.id),
        api_href: format!("/api/v1/engagements/{}", record.id),
        facts: engagement_facts(e, &post),
        officials: e.officials.iter().map(official_text).collect(),
        topics: e.topics.iter().map(|t| t.to_string()).collect(),
        talking_points: e.talking_points.iter().map(|t| t.to_string()).collect(),
        response: e.response.as_ref().map(|r| r.to_string()),
        follow_ups: e
            .follow_ups
            .iter()
            .map(|f| follow_up_view(f, day))
            .collect(),
        assistance: e.assistance_offered.as_ref().map(|a| a.to_string()),
        citations,
        version: record.version,
        created: stamp(&record.created_at, &record.created_by),
        updated: stamp(&record.updated_at, &record.updated_by),
    };
    Ok(render(StatusCode::OK, &t))
}

pub async fn engagement_history(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    history_page::<Engagement>(
        &state,
        &user,
        &id,
        |e| e.title.to_string(),
        |e, _| {
            let mut facts = vec![Fact::new("Title", e.title.to_string())];
            facts.extend(engagement_facts(e, e.post.as_str()));
            let officials: Vec<String> = e.officials.iter().map(official_text).collect();
            facts.push(Fact::new("Officials", officials.join("; ")));
            let topics: Vec<String> = e.topics.iter().map(|t| t.to_string()).collect();
            facts.push(Fact::new("Topics", topics.join("; ")));
            for p in &e.talking_points {
                facts.push(Fact::new("Talking point", p.to_string()));
            }
            if let Some(r) = &e.response {
                facts.push(Fact::new("Response", r.to_string()));
            }
            for f in &e.follow_ups {
                let v = follow_up_view(f, today());
                facts.push(Fact::new(
                    "Follow-up",
                    format!(
                        "{} (due: {}{})",
                        v.action,
                        v.due,
                        if v.done { ", done" } else { "" }
                    ),
                ));
            }
            if let Some(a) = &e.assistance_offered {
                facts.push(Fact::new("Assistance offered", a.to_string()));
            }
            let cites: Vec<String> = e
                .citations
                .iter()
                .map(|c| format!("source {}", c.source_id))
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
        Route::get("policies_page", "/policies", policies_page),
        Route::get("policy_page", "/policies/{id}", policy_page),
        Route::get(
            "policy_history_page",
            "/policies/{id}/history",
            policy_history,
        ),
        Route::get("engagements_page", "/engagements", engagements_page),
        Route::get("engagement_page", "/engagements/{id}", engagement_page),
        Route::get(
            "engagement_history_page",
            "/engagements/{id}/history",
            engagement_history,
        ),
    ]
}
