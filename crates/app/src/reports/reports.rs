//! Reports: create, save (an edit restarts clearance), clearance actions and the problems
//! that refuse them, comments, lists and history.

use super::bad;
use super::taskings::load_tasking;
use crate::access::{AppRecord, check_create, check_open, check_update, load_visible};
use crate::report_build::{self};
use crate::{Actor, App, AppError};
use chancery_domain::access::Action;
use chancery_domain::marked::Marked;
use chancery_domain::report::Report;
use chancery_domain::report::{CitedKind, ReportAction, ReportState, transition};
use chancery_domain::source::SourceStatus;
use chancery_domain::{FieldError, Marking, Record, RecordId, Source, ValidationErrors};
use chancery_store::{PiiConfirmation, ReportFilter};
use serde_json::{Value, json};
/// The PII hits in a report's paragraphs that nobody confirmed: (paragraph path, id, text).
pub async fn unconfirmed_pii(
    state: &App,
    r: &Report,
) -> Result<Vec<(String, String, String, chancery_domain::pii::PiiHit)>, AppError> {
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
pub async fn check_cited_visible(state: &App, user: &Actor, r: &Report) -> Result<(), AppError> {
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
        Err(AppError::Invalid(errors))
    }
}

/// Records confirmations sent with a save (`confirm_pii: [{"field", "span"}]`).
pub async fn confirm(
    state: &App,
    user: &Actor,
    r: &Report,
    confirmed: &crate::pii::Confirmations,
) -> Result<(), AppError> {
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
    state: &App,
    report: &Record<Report>,
) -> Result<ValidationErrors, AppError> {
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
pub fn problems_for(user: &Actor, r: &Report, problems: ValidationErrors) -> ValidationErrors {
    let hidden: Vec<&str> = r
        .paragraphs()
        .filter(|(_, p)| !user.principal.may_see(p.effective_marking()))
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
    state: &App,
    user: &Actor,
    body: &Value,
) -> Result<Record<Report>, AppError> {
    let mut body = body.clone();
    let confirmed = crate::pii::take_confirmations(&mut body)?;
    let mut data = Report::parse(&body)?;
    data.state = ReportState::Draft;
    crate::reports::markings::resolve(&state.store, &mut data).await?;
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
    state: &App,
    user: &Actor,
    raw: &str,
    expected: i64,
    body: &Value,
) -> Result<Record<Report>, AppError> {
    let current = load_visible::<Report>(state, user, raw).await?;
    let mut body = body.clone();
    let confirmed = crate::pii::take_confirmations(&mut body)?;
    let mut next = Report::parse(&body)?;
    next.state = current.data.state;
    crate::reports::markings::resolve(&state.store, &mut next).await?;
    check_update(user, &current.data, &next)?;
    if next == current.data && confirmed.0.is_empty() {
        // Nothing changed: no new version (and a published report stays published).
        if expected != current.version {
            return Err(AppError::Conflict {
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
        .map_err(|e| AppError::Forbidden(e.to_string()))?;
    }
    check_cited_visible(state, user, &next).await?;
    confirm(state, user, &next, &confirmed).await?;
    Ok(state
        .store
        .update(current.id, expected, &next, &user.ctx())
        .await?)
}

pub async fn chain_of(
    state: &App,
    r: &Report,
) -> Result<Vec<chancery_domain::access::Role>, AppError> {
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
    state: &App,
    user: &Actor,
    raw: &str,
    expected: i64,
    action: ReportAction,
) -> Result<Record<Report>, AppError> {
    let current = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Update, &current.data.policy())?;
    if action == ReportAction::Edit {
        return Err(bad("action", "edit by saving the report"));
    }
    let chain = chain_of(state, &current.data).await?;
    let next_state = transition(current.data.state, action, user.principal.role(), &chain)
        .map_err(|e| AppError::Forbidden(e.to_string()))?;
    // Submitting, clearing and publishing sign off on the whole text: not by an account that
    // cannot see all of it.
    if matches!(
        action,
        ReportAction::Submit | ReportAction::Clear | ReportAction::Publish
    ) && current.data.highest_marking() > user.principal.clearance()
    {
        return Err(AppError::Forbidden(
            "this report has SBU paragraphs the account cannot see, so it cannot sign off on them"
                .into(),
        ));
    }
    if matches!(action, ReportAction::Submit | ReportAction::Clear) {
        let problems = clearance_problems(state, &current).await?;
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
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
/// The list query (`post`, cursor, limit) is read from `raw`; a bad one is named.
pub async fn list_reports(
    state: &App,
    user: &Actor,
    raw: Option<&str>,
) -> Result<chancery_store::Page<Report>, AppError> {
    use crate::query::FromQuery;
    let (filter, q) = ReportFilter::from_query(raw)?;
    crate::access::list::<Report>(state, user, filter, q.cursor.as_deref(), q.limit).await
}

pub async fn add_comment(
    state: &App,
    user: &Actor,
    raw: &str,
    paragraph: &str,
    body: &str,
) -> Result<i64, AppError> {
    let r = load_visible::<Report>(state, user, raw).await?;
    check_open(user, Action::Read, &r.data.policy())?;
    if user.principal.role() == chancery_domain::access::Role::HqReader {
        return Err(AppError::Forbidden(
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
    if !user.principal.may_see(p.effective_marking()) {
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
pub use chancery_store::ReportComment;

/// Comments the user may see: those on paragraphs whose effective marking is above their
/// clearance are withheld. A comment on a paragraph since deleted keeps the effective marking
/// of the last version of the report that had the paragraph (SBU if none is found).
pub async fn visible_comments(
    state: &App,
    user: &Actor,
    r: &Record<Report>,
) -> Result<Vec<chancery_store::ReportComment>, AppError> {
    let mut markings: std::collections::HashMap<String, Marking> = r
        .data
        .paragraphs()
        .map(|(_, p)| (p.id.as_str().to_string(), p.effective_marking()))
        .collect();
    let comments = state.store.report_comments(r.id).await?;
    let gone: Vec<&str> = comments
        .iter()
        .map(|c| c.paragraph.as_str())
        .filter(|p| !markings.contains_key(*p))
        .collect();
    if !gone.is_empty() {
        let mut versions = state.store.history::<Report>(r.id).await?;
        versions.reverse();
        for (_, mut data) in versions {
            if gone.iter().all(|p| markings.contains_key(*p)) {
                break;
            }
            if !data.paragraphs().any(|(_, p)| {
                gone.contains(&p.id.as_str()) && !markings.contains_key(p.id.as_str())
            }) {
                continue;
            }
            crate::reports::markings::resolve(&state.store, &mut data).await?;
            for (_, p) in data.paragraphs() {
                markings
                    .entry(p.id.as_str().to_string())
                    .or_insert(p.effective_marking());
            }
        }
    }
    let clearance = user.principal.clearance();
    let shown: Vec<chancery_store::ReportComment> = comments
        .into_iter()
        .filter(|c| {
            markings
                .get(c.paragraph.as_str())
                .is_some_and(|m| *m <= clearance)
        })
        .collect();
    // A comment on an SBU paragraph is SBU material: its read is audited (ids only).
    let events: Vec<chancery_store::AuditEvent> = shown
        .iter()
        .filter(|c| markings.get(c.paragraph.as_str()) == Some(&Marking::SBU))
        .map(|c| {
            let mut e = chancery_store::AuditEvent::new("read_comment");
            e.record_type = Some("report_comment".into());
            e.record_id = Some(c.id);
            e.version = Some(c.report_version);
            e
        })
        .collect();
    state.store.audit(&user.ctx(), &events).await?;
    Ok(shown)
}

/// The audit events for the versions of a report shown to `user` whose shown marking is SBU.
fn history_reads(
    user: &Actor,
    id: i64,
    versions: &[(chancery_domain::VersionInfo, Report)],
) -> Vec<chancery_store::AuditEvent> {
    let clearance = user.principal.clearance();
    versions
        .iter()
        .filter(|(_, data)| {
            user.principal.may_see(data.marking()) && data.marking_shown(clearance) == Marking::SBU
        })
        .map(|(info, _)| {
            chancery_store::AuditEvent::record(
                "read_history",
                <Report as chancery_store::Versioned>::RECORD_TYPE,
                id,
                info.version,
                &info.content_hash,
            )
        })
        .collect()
}

/// A report as the API shows it: the record, its flags, and the problems that refuse
/// clearance that the user may see, each with a link to its paragraph.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportView {
    #[serde(flatten)]
    pub record: crate::access::RecordView,
    pub flags: Vec<String>,
    pub clearance_problems: Vec<FieldError>,
}

/// A report the user may see, read (audited), with its flags and clearance problems.
pub async fn report_view(
    state: &App,
    user: &Actor,
    raw: &str,
) -> Result<(i64, ReportView), AppError> {
    let r = load_visible::<Report>(state, user, raw).await?;
    crate::access::audit_reads(state, user, "read", &[&r]).await?;
    let flags = super::taskings::report_flags(state, user, &r).await?;
    let problems = problems_for(user, &r.data, clearance_problems(state, &r).await?);
    Ok((
        r.version,
        ReportView {
            record: crate::access::record_json(&r, user.principal.clearance()),
            flags,
            clearance_problems: problems.errors,
        },
    ))
}

/// One version of a report as the API lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportVersion {
    #[serde(flatten)]
    pub info: chancery_domain::VersionInfo,
    pub data: Value,
}

/// Every version of a report the user may see, oldest first.
pub async fn report_history(
    state: &App,
    user: &Actor,
    raw: &str,
) -> Result<Vec<ReportVersion>, AppError> {
    let current = load_visible::<Report>(state, user, raw).await?;
    let clearance = user.principal.clearance();
    let versions = versions(state, user, &current).await?;
    Ok(versions
        .into_iter()
        .map(|(info, data)| ReportVersion {
            info,
            data: data.json_for(clearance),
        })
        .collect())
}

/// The id of something just created.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Every version of a report (the history page decides what each reader sees of them); the
/// versions whose shown marking is SBU are audited as read by `user`.
pub async fn versions(
    state: &App,
    user: &Actor,
    report: &Record<Report>,
) -> Result<Vec<(chancery_domain::VersionInfo, Report)>, AppError> {
    let mut out = state.store.history::<Report>(report.id).await?;
    for (_, data) in &mut out {
        crate::reports::markings::resolve(&state.store, data).await?;
    }
    state
        .store
        .audit(&user.ctx(), &history_reads(user, report.id.get(), &out))
        .await?;
    Ok(out)
}
