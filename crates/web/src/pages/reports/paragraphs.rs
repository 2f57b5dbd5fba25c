//! The paragraph editor: one paragraph's form, adding, deleting and moving paragraphs.

use super::report::{Redo, conflict_notice, show_report};
use super::report_form::{FormOutcome, GuideSection};
use super::{field, parse_json_field, plain};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::FormBody;
use crate::pages::views::{Field, FormState, PageMeta, SelectField, pairs};
use crate::pages::{PageResult, form_version, render, see_other};
use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chancery_app::access::{check_update, load_visible};
use chancery_domain::report::{
    CitedKind, ParagraphKind, Report, ReportAction, ReportParagraph, transition,
};
use chancery_domain::{FieldError, Marking, Record, ValidationErrors};
use serde_json::{Value, json};

// ---------------------------------------------------------------- reports: the paragraph editor

/// The `{id}` and second segment of a path such as `/reports/{id}/paragraphs/{pid}`.
pub(super) fn two_segments(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(String, String), ApiError> {
    path.map(|Path(p)| p)
        .map_err(|_| AppError::NotFound("no paragraph at this path".into()))
        .map_err(Into::into)
}

/// Where a paragraph the user may see sits: (section index, paragraph index).
pub(super) fn locate(user: &CurrentUser, r: &Report, pid: &str) -> Option<(usize, usize)> {
    r.sections.iter().enumerate().find_map(|(si, s)| {
        s.paragraphs
            .iter()
            .position(|p| p.id.as_str() == pid && user.principal.may_see(p.effective_marking()))
            .map(|pi| (si, pi))
    })
}

pub(super) fn no_paragraph(id: &str, pid: &str) -> ApiError {
    AppError::NotFound(format!("no paragraph {pid:?} in report {id}")).into()
}

pub(super) fn no_section(id: &str, n: &str) -> ApiError {
    AppError::NotFound(format!(
        "no section {n:?} in report {id} (sections are numbered from 0)"
    ))
    .into()
}

/// The refusals of saving a report, without logging a read: the user may replace the whole
/// report (it holds nothing above their clearance) and its state allows an edit.
pub(super) async fn check_report_rules(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
) -> Result<(), ApiError> {
    check_update(user, &record.data, &record.data)?;
    let chain = chancery_app::reports::reports::chain_of(state, &record.data).await?;
    transition(
        record.data.state,
        ReportAction::Edit,
        user.principal.role(),
        &chain,
    )
    .map_err(AppError::Forbidden)?;
    Ok(())
}

/// A citations field (`source:3 case:4, engagement:2`) read as the citations of a paragraph,
/// with the tokens kept in the same order (to name a token in a later error). Every bad token
/// is an error at `citations` naming it.
pub(super) fn parse_citations(text: &str) -> (Vec<Value>, Vec<String>, Vec<FieldError>) {
    let (mut out, mut tokens, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for token in text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let Some((kind, id)) = token.split_once(':') else {
            errors.push(FieldError::new(
                "citations",
                format!("{token:?} is not a citation: write kind:id, as source:3"),
            ));
            continue;
        };
        let kind = match CitedKind::parse(kind) {
            Ok(k) => k,
            Err(_) => {
                errors.push(FieldError::new(
                    "citations",
                    format!(
                        "{token:?}: {kind:?} is not a kind of record a paragraph cites (source, case, policy, engagement)"
                    ),
                ));
                continue;
            }
        };
        match id.parse::<i64>().ok().filter(|n| *n > 0) {
            Some(n) => {
                out.push(json!({"kind": kind.as_str(), "id": n}));
                tokens.push(format!("{}:{n}", kind.as_str()));
            }
            None => errors.push(FieldError::new(
                "citations",
                format!("{token:?}: {id:?} is not a record id (a positive whole number)"),
            )),
        }
    }
    (out, tokens, errors)
}

/// The paragraph form's values as typed.
pub(super) fn paragraph_values(pairs: &[(String, String)]) -> Value {
    json!({
        "kind": field(pairs, "kind"),
        "marking": field(pairs, "marking"),
        "text": field(pairs, "text"),
        "citations": field(pairs, "citations"),
        "block": field(pairs, "block"),
        "confirm_pii": field(pairs, "confirm_pii"),
    })
}

/// A stored paragraph as the values of its form.
pub(super) fn paragraph_form_values(p: &ReportParagraph) -> Value {
    let citations: Vec<String> = p.citations.iter().map(|c| c.key()).collect();
    let block = p
        .block
        .as_ref()
        .and_then(|b| serde_json::to_string_pretty(b).ok())
        .unwrap_or_default();
    json!({
        "kind": p.kind.as_str(),
        "marking": p.marking.as_str(),
        "text": p.text,
        "citations": citations.join(" "),
        "block": block,
        "confirm_pii": "",
    })
}

/// What the form posted, made into the paragraph's JSON (as `Report::from_json` reads it), the
/// citation tokens in order, and the errors found before the domain parser runs.
pub(super) struct ParagraphInput {
    json: Value,
    tokens: Vec<String>,
    errors: Vec<FieldError>,
    confirm_pii: Option<Value>,
}

pub(super) fn paragraph_input(
    values: &Value,
    pid: &str,
    path: &str,
    clearance: Marking,
) -> ParagraphInput {
    let text = |k: &str| values[k].as_str().unwrap_or("").to_string();
    let mut errors = Vec::new();
    let mut p = json!({"id": pid, "kind": text("kind").trim(), "marking": text("marking").trim(),
        "text": text("text")});
    if let Ok(m) = Marking::parse(text("marking").trim())
        && m > clearance
    {
        errors.push(FieldError::new(
            "marking",
            "an account without SBU access cannot write SBU material",
        ));
    }
    let (citations, tokens, cite_errors) = parse_citations(&text("citations"));
    errors.extend(cite_errors);
    p["citations"] = Value::Array(citations);
    let block = text("block");
    if !block.trim().is_empty() {
        match parse_json_field("block", &block) {
            Ok(Value::Null) => {}
            Ok(v) => p["block"] = v,
            Err(e) => errors.push(e),
        }
    }
    let confirm = text("confirm_pii");
    let confirm_pii = if confirm.trim().is_empty() {
        None
    } else {
        match parse_json_field("confirm_pii", &confirm) {
            Ok(mut v) => {
                // "text" names this paragraph's text, wherever it sits in the report.
                if let Some(items) = v.as_array_mut() {
                    for item in items {
                        if item.get("field").and_then(Value::as_str) == Some("text") {
                            item["field"] = json!(format!("{path}.text"));
                        }
                    }
                }
                Some(v)
            }
            Err(e) => {
                errors.push(e);
                None
            }
        }
    };
    ParagraphInput {
        json: p,
        tokens,
        errors,
        confirm_pii,
    }
}

/// The errors of saving a report named by the paragraph form's fields: the paragraph at
/// `path` (`sections[1].paragraphs[2]`) is the form, so `sections[1].paragraphs[2].text` is
/// `text` and `...citations[0].id` is `citations`, naming the token. Errors elsewhere in the
/// report keep their paths (shown in the summary). Errors of one field are joined into one.
pub(super) fn paragraph_errors(
    errors: Vec<FieldError>,
    path: &str,
    tokens: &[String],
) -> ValidationErrors {
    let prefix = format!("{path}.");
    let mut merged: Vec<FieldError> = Vec::new();
    for e in errors {
        let (field, reason) = match e.field.as_deref() {
            Some(f) if f.starts_with("confirm_pii") => ("confirm_pii".to_string(), e.reason),
            Some(f) => match f.strip_prefix(&prefix) {
                Some(rest) if rest.starts_with("citations") => {
                    let token = rest
                        .strip_prefix("citations[")
                        .and_then(|r| r.split(']').next())
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| tokens.get(i));
                    let reason = match token {
                        Some(t) => format!("{t}: {}", e.reason),
                        None => e.reason,
                    };
                    ("citations".to_string(), reason)
                }
                Some(rest) if rest.starts_with("block") => (rest.to_string(), e.reason),
                Some(rest) => (
                    rest.split(['.', '[']).next().unwrap_or(rest).to_string(),
                    e.reason,
                ),
                None => (f.to_string(), e.reason),
            },
            None => {
                merged.push(e);
                continue;
            }
        };
        match merged
            .iter_mut()
            .find(|m| m.field.as_deref() == Some(field.as_str()))
        {
            Some(m) => {
                if !m.reason.split("; ").any(|r| r == reason) {
                    m.reason = format!("{}; {reason}", m.reason);
                }
            }
            None => merged.push(FieldError::new(field, reason)),
        }
    }
    ValidationErrors { errors: merged }
}

/// Which paragraph the form edits.
pub(super) enum ParagraphTarget {
    /// An existing paragraph, by id.
    Existing(String),
    /// A new paragraph at the end of this section (0-based).
    New(usize),
}

#[derive(Template)]
#[template(path = "report_paragraph_form.html")]
pub struct ParagraphFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: i64,
    pub conflict: Option<String>,
    pub errors: Vec<String>,
    pub paragraph_id: String,
    pub kind: SelectField,
    pub marking: SelectField,
    pub text: Field,
    pub citations: Field,
    pub block: Field,
    pub confirm_pii: Field,
    pub confirm_hint: &'static str,
    /// The heading of the paragraph's section and its template guidance, if any.
    pub section: String,
    pub guide: Option<GuideSection>,
    /// The clearance problems of this paragraph as stored.
    pub problems: Vec<String>,
}

/// The template's guidance for one section of a report: the template section of the same
/// heading, or else the one at the same position.
pub(super) async fn section_guide(
    state: &AppState,
    r: &Report,
    si: usize,
) -> Result<Option<GuideSection>, ApiError> {
    let Some(section) = r.sections.get(si) else {
        return Ok(None);
    };
    let template =
        chancery_app::reports::templates::effective(state, r.template_key.as_str()).await?;
    Ok(template.and_then(|t| {
        let s = t
            .sections
            .iter()
            .find(|s| s.heading.as_str() == section.heading.as_str())
            .or_else(|| t.sections.get(si))?;
        Some(GuideSection {
            heading: s.heading.to_string(),
            guidance: s
                .guidance
                .as_ref()
                .map(|g| g.to_string())
                .unwrap_or_default(),
            expected: s
                .expected
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }))
}

pub(super) async fn show_paragraph_form(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
    target: &ParagraphTarget,
    values: &Value,
    errors: &ValidationErrors,
    outcome: FormOutcome,
) -> PageResult {
    let r = &record.data;
    let href = format!("/reports/{}", record.id);
    let form = FormState { values, errors };
    let (si, pid, stored_marking, action) = match target {
        ParagraphTarget::Existing(pid) => {
            let at = locate(user, r, pid);
            let marking = at
                .map(|(si, pi)| r.sections[si].paragraphs[pi].marking)
                .unwrap_or(Marking::U);
            (
                at.map(|(si, _)| si),
                pid.clone(),
                marking,
                format!("{href}/paragraphs/{pid}"),
            )
        }
        ParagraphTarget::New(n) => (
            Some(*n),
            r.next_paragraph_id().as_str().to_string(),
            Marking::U,
            format!("{href}/sections/{n}/paragraphs/new"),
        ),
    };
    let section = si
        .and_then(|si| r.sections.get(si))
        .map(|s| s.heading.to_string())
        .unwrap_or_default();
    let guide = match si {
        Some(si) => section_guide(state, r, si).await?,
        None => None,
    };
    let problems = match target {
        ParagraphTarget::Existing(pid) => chancery_app::reports::reports::problems_for(
            user,
            r,
            chancery_app::reports::reports::clearance_problems(state, record).await?,
        )
        .errors
        .into_iter()
        .filter(|e| e.extra.get("paragraph").and_then(Value::as_str) == Some(pid.as_str()))
        .map(|e| e.reason)
        .collect(),
        ParagraphTarget::New(_) => Vec::new(),
    };
    let typed = Marking::parse(form.get("marking").trim())
        .ok()
        .filter(|m| user.principal.may_see(*m))
        .unwrap_or(Marking::U);
    let mut markings = vec![("U".to_string(), "U (unclassified)".to_string())];
    if user.principal.may_see(Marking::SBU) {
        markings.push((
            "SBU".to_string(),
            "SBU (sensitive but unclassified)".to_string(),
        ));
    }
    let kinds = pairs(ParagraphKind::ALL.iter().map(|k| (k.as_str(), k.label())));
    let heading = match target {
        ParagraphTarget::Existing(pid) => format!("Paragraph {pid}: {}", r.subject),
        ParagraphTarget::New(_) => format!("New paragraph in {section}"),
    };
    let t = ParagraphFormPage {
        page: PageMeta::new(heading.clone(), stored_marking.max(typed), user),
        heading,
        action,
        cancel_href: format!("{href}#paragraphs"),
        version: outcome.version,
        conflict: outcome.conflict,
        errors: form.summary(),
        paragraph_id: pid,
        kind: form.select("kind", &kinds, None),
        marking: form.select("marking", &markings, None),
        text: plain(form.text("text")),
        citations: plain(form.text("citations")),
        block: plain(form.json_area("block")),
        confirm_pii: plain(form.json_area("confirm_pii")),
        confirm_hint: "When a problem says the text holds something that looks like a personal name and it is a public \
             official's, paste the confirm_pii list the problem gives here, e.g. [{\"field\": \"text\", \"span\": [4, 15]}] \
             (\"text\" names this paragraph's text).",
        section,
        guide,
        problems,
    };
    Ok(render(outcome.status, &t))
}

pub(super) fn stale_form_notice(expected: i64, current: i64) -> String {
    format!(
        "You edited version {expected}, but version {current} was saved meanwhile. Your paragraph is kept below \
         and was not saved. Check the report as it is now (open it in another tab); saving this form again \
         applies your paragraph to version {current}."
    )
}

/// The edit form of one paragraph.
pub async fn report_paragraph_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
) -> PageResult {
    let (id, pid) = two_segments(path)?;
    let record = load_visible::<Report>(&state, &user, &id).await?;
    check_report_rules(&state, &user, &record).await?;
    let (si, pi) = locate(&user, &record.data, &pid).ok_or_else(|| no_paragraph(&id, &pid))?;
    let p = &record.data.sections[si].paragraphs[pi];
    if p.effective_marking() == Marking::SBU {
        chancery_app::access::audit_reads(&state, &user, "read", &[&record]).await?;
    }
    let values = paragraph_form_values(p);
    show_paragraph_form(
        &state,
        &user,
        &record,
        &ParagraphTarget::Existing(pid),
        &values,
        &ValidationErrors::default(),
        FormOutcome {
            version: record.version,
            conflict: None,
            status: StatusCode::OK,
        },
    )
    .await
}

/// The form of a new paragraph at the end of a section.
pub async fn report_paragraph_new(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
) -> PageResult {
    let (id, n) = two_segments(path)?;
    let record = load_visible::<Report>(&state, &user, &id).await?;
    check_report_rules(&state, &user, &record).await?;
    let si = n
        .parse::<usize>()
        .ok()
        .filter(|si| *si < record.data.sections.len())
        .ok_or_else(|| no_section(&id, &n))?;
    let heading = record.data.sections[si].heading.as_str().to_lowercase();
    let kind = if heading.contains("summary") {
        "summary"
    } else {
        "fact"
    };
    let values = json!({"kind": kind, "marking": "U", "text": "", "citations": "", "block": "",
        "confirm_pii": ""});
    show_paragraph_form(
        &state,
        &user,
        &record,
        &ParagraphTarget::New(si),
        &values,
        &ValidationErrors::default(),
        FormOutcome {
            version: record.version,
            conflict: None,
            status: StatusCode::OK,
        },
    )
    .await
}

/// Saves the paragraph form: the stored report with this one paragraph replaced (or added),
/// saved as a whole through `update_report`.
pub(super) async fn save_paragraph(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    target: ParagraphTarget,
    pairs: &[(String, String)],
) -> PageResult {
    let current = load_visible::<Report>(state, user, id).await?;
    check_report_rules(state, user, &current).await?;
    let expected = form_version(pairs).ok_or(AppError::PreconditionRequired)?;
    let values = paragraph_values(pairs);
    let r = &current.data;
    let (si, pi, pid, replace) = match &target {
        ParagraphTarget::Existing(pid) => match locate(user, r, pid) {
            Some((si, pi)) => (si, pi, pid.clone(), true),
            None if expected != current.version => {
                // Deleted since the form was read: keep the typing and say so.
                let outcome = FormOutcome {
                    version: current.version,
                    conflict: Some(format!(
                        "{} Paragraph {pid} is no longer in the report.",
                        stale_form_notice(expected, current.version)
                    )),
                    status: StatusCode::CONFLICT,
                };
                return show_paragraph_form(
                    state,
                    user,
                    &current,
                    &target,
                    &values,
                    &ValidationErrors::default(),
                    outcome,
                )
                .await;
            }
            None => return Err(no_paragraph(id, pid).into()),
        },
        ParagraphTarget::New(si) => match r.sections.get(*si) {
            Some(s) => (
                *si,
                s.paragraphs.len(),
                r.next_paragraph_id().as_str().to_string(),
                false,
            ),
            None => return Err(no_section(id, &si.to_string()).into()),
        },
    };
    let path = format!("sections[{si}].paragraphs[{pi}]");
    let input = paragraph_input(&values, &pid, &path, user.principal.clearance());
    let mut body = r.to_json();
    if let Some(list) = body["sections"][si]["paragraphs"].as_array_mut() {
        if replace {
            list[pi] = input.json.clone();
        } else {
            list.push(input.json.clone());
        }
    }
    if let Some(c) = &input.confirm_pii {
        body["confirm_pii"] = c.clone();
    }
    let result = if input.errors.is_empty() {
        chancery_app::reports::reports::update_report(state, user, id, expected, &body).await
    } else {
        // Nothing to save; the other fields are still checked, so every error shows at once.
        let mut errors = input.errors.clone();
        if let Some(o) = body.as_object_mut() {
            o.remove("confirm_pii");
        }
        if let Err(more) = Report::from_json(&body) {
            let more = paragraph_errors(more.errors, &path, &input.tokens);
            let taken: Vec<String> = errors.iter().filter_map(|e| e.field.clone()).collect();
            errors.extend(
                more.errors
                    .into_iter()
                    .filter(|e| e.field.as_ref().is_none_or(|f| !taken.contains(f))),
            );
        }
        Err(AppError::Invalid(ValidationErrors { errors }))
    };
    let (errors, version, conflict, status) = match result {
        Ok(saved) => return Ok(see_other(format!("/reports/{}#{pid}", saved.id))),
        Err(AppError::Invalid(e)) => (
            paragraph_errors(e.errors, &path, &input.tokens),
            expected,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AppError::Conflict { expected, current }) => (
            ValidationErrors::default(),
            current,
            Some(stale_form_notice(expected, current)),
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(e.into()),
    };
    let outcome = FormOutcome {
        version,
        conflict,
        status,
    };
    show_paragraph_form(state, user, &current, &target, &values, &errors, outcome).await
}

/// Saves one paragraph from its form (`kind`, `marking`, `text`, `citations`, `block`,
/// `confirm_pii`, `version`).
pub async fn report_paragraph_update(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let (id, pid) = two_segments(path)?;
    save_paragraph(&state, &user, &id, ParagraphTarget::Existing(pid), &pairs).await
}

/// Adds a paragraph (with the next free id) at the end of section `{n}`.
pub async fn report_paragraph_create(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let (id, n) = two_segments(path)?;
    let si = n.parse::<usize>().map_err(|_| no_section(&id, &n))?;
    save_paragraph(&state, &user, &id, ParagraphTarget::New(si), &pairs).await
}

/// Saves a change of the report's structure (a paragraph deleted or moved); a refusal shows
/// the report page again with the reason.
pub(super) async fn save_structure(
    state: &AppState,
    user: &CurrentUser,
    current: &Record<Report>,
    expected: i64,
    next: &Report,
    done: String,
) -> PageResult {
    let raw = current.id.to_string();
    let (notice, status) = match chancery_app::reports::reports::update_report(
        state,
        user,
        &raw,
        expected,
        &next.to_json(),
    )
    .await
    {
        Ok(_) => return Ok(see_other(done)),
        Err(AppError::Invalid(e)) => {
            let mut notice = vec!["Not saved: the report would have problems.".to_string()];
            notice.extend(e.errors.iter().map(ToString::to_string));
            (notice, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Conflict { expected, current }) => (
            vec![conflict_notice(expected, current)],
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(e.into()),
    };
    let record = load_visible::<Report>(state, user, &raw).await?;
    let redo = Redo {
        notice,
        ..Redo::default()
    };
    show_report(state, user, &record, redo, status).await
}

/// Deletes one paragraph (`version`).
pub async fn report_paragraph_delete(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let (id, pid) = two_segments(path)?;
    let current = load_visible::<Report>(&state, &user, &id).await?;
    check_report_rules(&state, &user, &current).await?;
    let expected = form_version(&pairs).ok_or(AppError::PreconditionRequired)?;
    let (si, pi) = locate(&user, &current.data, &pid).ok_or_else(|| no_paragraph(&id, &pid))?;
    let mut next = current.data.clone();
    next.sections[si].paragraphs.remove(pi);
    let done = format!("/reports/{id}#paragraphs");
    save_structure(&state, &user, &current, expected, &next, done).await
}

/// Moves a paragraph one place up or down; past its section's edge it moves to the end of the
/// section before or the start of the section after. `None` when there is nowhere to go.
pub(super) fn moved(r: &Report, si: usize, pi: usize, up: bool) -> Option<Report> {
    let mut next = r.clone();
    let last = next.sections.get(si)?.paragraphs.len().checked_sub(1)?;
    if up {
        if pi > 0 {
            next.sections[si].paragraphs.swap(pi, pi - 1);
        } else if si > 0 {
            let p = next.sections[si].paragraphs.remove(pi);
            next.sections[si - 1].paragraphs.push(p);
        } else {
            return None;
        }
    } else if pi < last {
        next.sections[si].paragraphs.swap(pi, pi + 1);
    } else if si + 1 < next.sections.len() {
        let p = next.sections[si].paragraphs.remove(pi);
        next.sections[si + 1].paragraphs.insert(0, p);
    } else {
        return None;
    }
    Some(next)
}

/// Moves one paragraph (`direction` = up | down, `version`).
pub async fn report_paragraph_move(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(String, String)>, PathRejection>,
    FormBody(pairs): FormBody,
) -> PageResult {
    let (id, pid) = two_segments(path)?;
    let current = load_visible::<Report>(&state, &user, &id).await?;
    check_report_rules(&state, &user, &current).await?;
    let expected = form_version(&pairs).ok_or(AppError::PreconditionRequired)?;
    let up = match field(&pairs, "direction").trim() {
        "up" => true,
        "down" => false,
        other => {
            return Err(AppError::Invalid(
                FieldError::new(
                    "direction",
                    format!("{other:?} is not a direction: up or down"),
                )
                .into(),
            )
            .into());
        }
    };
    let (si, pi) = locate(&user, &current.data, &pid).ok_or_else(|| no_paragraph(&id, &pid))?;
    match moved(&current.data, si, pi, up) {
        Some(next) => {
            let done = format!("/reports/{id}#edit-{pid}");
            save_structure(&state, &user, &current, expected, &next, done).await
        }
        None => {
            let redo = Redo {
                notice: vec![format!(
                    "Not moved: {pid} is already the {} paragraph of the report.",
                    if up { "first" } else { "last" }
                )],
                ..Redo::default()
            };
            show_report(
                &state,
                &user,
                &current,
                redo,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
