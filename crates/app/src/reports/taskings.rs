//! Taskings (HQ issues, posts see those addressed to them) and the compliance table with
//! its flags.

use super::{bad, build_err};
use crate::access::{AppRecord, check_open, load_visible};
use crate::report_build::{self};
use crate::{Actor, App, AppError};
use chancery_domain::access::Action;
use chancery_domain::report::Report;
use chancery_domain::report::{CitedKind, Tasking, compliance};
use chancery_domain::source::SourceStatus;
use chancery_domain::{Marking, Record, RecordId, Source};
use chancery_store::TaskingFilter;
use chrono::{Days, NaiveDate, Utc};
use serde_json::Value;
/// A tasking the user may see: HQ roles see all; a post sees those addressed to it.
pub async fn load_tasking(
    state: &App,
    user: &Actor,
    raw: &str,
) -> Result<Record<Tasking>, AppError> {
    let t = load_visible::<Tasking>(state, user, raw).await?;
    if let Some(own) = user.principal.post_scope()
        && !t.data.posts.contains(own)
    {
        return Err(AppError::NotFound(format!("no tasking with id {raw}")));
    }
    Ok(t)
}

/// Taskings the user may see, newest first.
pub async fn visible_taskings(state: &App, user: &Actor) -> Result<Vec<Record<Tasking>>, AppError> {
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

/// Issues a tasking (HQ editors): the save pipeline, and its template must exist.
pub async fn create_tasking(
    state: &App,
    user: &Actor,
    body: &Value,
) -> Result<Record<Tasking>, AppError> {
    let checked = crate::save::check_new::<Tasking>(state, user, body).await?;
    if report_build::effective_template(&state.store, checked.data.template_key.as_str())
        .await?
        .is_none()
    {
        return Err(bad(
            "template_key",
            format!("no template {}", checked.data.template_key),
        ));
    }
    crate::save::write_new(state, user, checked).await
}

/// Saves a new version of a tasking the user may see, through the save pipeline.
pub async fn update_tasking(
    state: &App,
    user: &Actor,
    raw: &str,
    expected: i64,
    body: &Value,
) -> Result<Record<Tasking>, AppError> {
    let current = load_tasking(state, user, raw).await?;
    crate::save::update(state, user, &current, Some(expected), body).await
}

/// A tasking as the API shows it, with its compliance rows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TaskingView {
    #[serde(flatten)]
    pub record: crate::access::RecordView,
    pub compliance: Vec<ComplianceRow>,
}

/// A tasking the user may see, with its compliance rows.
pub async fn tasking_view(
    state: &App,
    user: &Actor,
    raw: &str,
) -> Result<(i64, TaskingView), AppError> {
    let t = load_tasking(state, user, raw).await?;
    let compliance = compliance_rows(state, user, Some(&t)).await?;
    Ok((
        t.version,
        TaskingView {
            record: crate::access::record_json(&t, Marking::U),
            compliance,
        },
    ))
}

/// One row of the compliance table.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
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
    state: &App,
    user: &Actor,
    only: Option<&Record<Tasking>>,
) -> Result<Vec<ComplianceRow>, AppError> {
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
                        let rec = crate::access::peek::<Report>(
                            state,
                            user,
                            RecordId::new(*rid).expect("positive id"),
                        )
                        .await?
                        .ok_or_else(|| AppError::Internal("report vanished".into()))?;
                        let flags = report_flags(state, user, &rec).await?;
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

/// Flags on a report that `user` may be told: retracted sources it cites now (in paragraphs
/// the user may see), and whatever its latest build used that has since been retracted or
/// changed (records the user may read).
pub async fn report_flags(
    state: &App,
    user: &Actor,
    report: &Record<Report>,
) -> Result<Vec<String>, AppError> {
    let mut flags = Vec::new();
    for (_, p) in report.data.paragraphs() {
        if !user.principal.may_see(p.effective_marking()) {
            continue;
        }
        for c in &p.citations {
            if c.kind == CitedKind::Source
                && let Some(s) = crate::access::peek::<Source>(state, user, c.id).await?
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
        let found = report_build::flags(&state.store, &snap).await?;
        for f in super::markings::visible_flags(state, user, found).await? {
            let f = format!("build {}: {f}", b.id);
            if !flags.contains(&f) {
                flags.push(f);
            }
        }
    }
    Ok(flags)
}
