//! The whole-report edit form: header fields and the sections as JSON.

use super::paragraphs::check_report_rules;
use super::{field, lines, parse_json_field, plain};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::extract::{FormBody, IdPath};
use crate::pages::views::{Field, FormState, PageMeta};
use crate::pages::{PageResult, form_version, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use chancery_app::access::load_visible;
use chancery_domain::report::Report;
use chancery_domain::{Marked, Record, ValidationErrors};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------- reports: the edit form

pub struct GuideSection {
    pub heading: String,
    pub guidance: String,
    pub expected: String,
}

#[derive(Template)]
#[template(path = "report_form.html")]
pub struct ReportFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: i64,
    pub conflict: Option<String>,
    pub errors: Vec<String>,
    pub subject: Field,
    pub tags: Field,
    pub refs: Field,
    pub captions: Field,
    pub sections: Field,
    pub confirm_pii: Field,
    pub sections_hint: String,
    pub confirm_hint: &'static str,
    pub guide: Vec<GuideSection>,
}

/// The edit form's values as shown: header fields as text, the sections as pretty JSON.
pub(super) fn report_form_values(r: &Report) -> Value {
    let sections = serde_json::to_string_pretty(&r.to_json()["sections"]).unwrap_or_default();
    json!({
        "subject": r.subject.as_str(),
        "tags": r.tags.join(" "),
        "refs": r.refs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n"),
        "captions": r.captions.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n"),
        "sections": sections,
        "confirm_pii": "",
    })
}

/// The body saved from the edit form: what the form does not edit (post, template, tasking,
/// due date, demo) kept from the stored report.
pub(super) fn report_body(current: &Report, values: &Value) -> Result<Value, ValidationErrors> {
    let text = |k: &str| values[k].as_str().unwrap_or("").to_string();
    let mut errors = ValidationErrors::default();
    let stored = current.to_json();
    let mut body = Map::new();
    for k in ["post", "template_key", "tasking_id", "due", "demo"] {
        if let Some(v) = stored.get(k) {
            body.insert(k.into(), v.clone());
        }
    }
    body.insert("subject".into(), json!(text("subject").trim()));
    let tags: Vec<&str> = values["tags"]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    body.insert("tags".into(), json!(tags));
    body.insert("refs".into(), json!(lines(&text("refs"))));
    body.insert("captions".into(), json!(lines(&text("captions"))));
    match parse_json_field("sections", &text("sections")) {
        Ok(v) => {
            body.insert("sections".into(), v);
        }
        Err(e) => errors.push(e),
    }
    let confirm = text("confirm_pii");
    if !confirm.trim().is_empty() {
        match parse_json_field("confirm_pii", &confirm) {
            Ok(v) => {
                body.insert("confirm_pii".into(), v);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(body))
    } else {
        Err(errors)
    }
}

/// What the edit form shows besides the values: the version it edits, a conflict, the status.
pub(super) struct FormOutcome {
    pub(super) version: i64,
    pub(super) conflict: Option<String>,
    pub(super) status: StatusCode,
}

pub(super) async fn show_report_form(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
    values: &Value,
    errors: &ValidationErrors,
    outcome: FormOutcome,
) -> PageResult {
    let form = FormState { values, errors };
    let href = format!("/reports/{}", record.id);
    let guide =
        chancery_app::reports::templates::effective(state, record.data.template_key.as_str())
            .await?
            .map(|t| {
                t.sections
                    .iter()
                    .map(|s| GuideSection {
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
                    .collect()
            })
            .unwrap_or_default();
    // The form shows the whole report: only someone who may replace all of it gets here.
    let marking = record
        .data
        .highest_marking()
        .min(user.principal.clearance());
    let heading = format!("Edit: {}", record.data.subject);
    let t = ReportFormPage {
        page: PageMeta::new(heading.clone(), marking, user),
        heading,
        action: format!("{href}/edit"),
        cancel_href: href,
        version: outcome.version,
        conflict: outcome.conflict,
        errors: form.summary(),
        subject: plain(form.text("subject")),
        tags: plain(form.json_area("tags")),
        refs: plain(form.json_area("refs")),
        captions: plain(form.json_area("captions")),
        sections: plain(form.json_area("sections")),
        confirm_pii: plain(form.json_area("confirm_pii")),
        sections_hint: format!(
            "A list of sections, each {{\"heading\", \"paragraphs\": [...]}}; a paragraph is {{\"id\": \"p1\", \"kind\": summary | fact | analysis | comment, \
             \"marking\": U | SBU, \"text\": Markdown (*emphasis*, **strong**), \"citations\": [{{\"kind\": source | case | policy | engagement, \"id\": 12}}], \
             optional \"block\": {{\"kind\": statistics_figure | case_table | case_comparison | policy_list, \"title\", ...}}}}. Summary and fact paragraphs \
             need a citation before clearance. Paragraph ids stay with their paragraph; the next free id is {}.",
            record.data.next_paragraph_id().as_str()
        ),
        confirm_hint: "When a problem says a text looks like a personal name that is a public official's, paste the \
             confirm_pii list it gives here, e.g. [{\"field\": \"sections[0].paragraphs[0].text\", \"span\": [4, 15]}].",
        guide,
    };
    Ok(render(outcome.status, &t))
}

/// Refuses the edit form of a report the user may not edit (403), as saving would.
pub(super) async fn check_report_editable(
    state: &AppState,
    user: &CurrentUser,
    record: &Record<Report>,
) -> Result<(), ApiError> {
    check_report_rules(state, user, record).await?;
    chancery_app::access::audit_reads(state, user, "read", &[record])
        .await
        .map_err(Into::into)
}

pub async fn report_edit(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> PageResult {
    let record = load_visible::<Report>(&state, &user, &id).await?;
    check_report_editable(&state, &user, &record).await?;
    let values = report_form_values(&record.data);
    show_report_form(
        &state,
        &user,
        &record,
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

pub async fn report_update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    FormBody(pairs): FormBody,
) -> PageResult {
    let current = load_visible::<Report>(&state, &user, &id).await?;
    let expected = form_version(&pairs).ok_or(AppError::PreconditionRequired)?;
    let values = json!({
        "subject": field(&pairs, "subject"),
        "tags": field(&pairs, "tags"),
        "refs": field(&pairs, "refs"),
        "captions": field(&pairs, "captions"),
        "sections": field(&pairs, "sections"),
        "confirm_pii": field(&pairs, "confirm_pii"),
    });
    let result = match report_body(&current.data, &values) {
        Ok(body) => {
            chancery_app::reports::reports::update_report(&state, &user, &id, expected, &body).await
        }
        Err(errors) => {
            // Nothing to save; but a user who may not edit learns that first.
            check_report_editable(&state, &user, &current).await?;
            Err(AppError::Invalid(errors))
        }
    };
    let (errors, version, conflict, status) = match result {
        Ok(r) => return Ok(see_other(format!("/reports/{}", r.id))),
        Err(AppError::Invalid(errors)) => {
            (errors, expected, None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Conflict { expected, current }) => (
            ValidationErrors::default(),
            current,
            Some(format!(
                "You edited version {expected}, but version {current} was saved meanwhile. Your changes are kept below \
                 and were not saved. Compare them with the current version (open it in another tab); saving this \
                 form again replaces version {current}."
            )),
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(e.into()),
    };
    let outcome = FormOutcome {
        version,
        conflict,
        status,
    };
    show_report_form(&state, &user, &current, &values, &errors, outcome).await
}
