//! Server-rendered pages of taskings, templates, reports and builds: the tasking list with
//! the compliance table, a report's page (its clearance position and problems, flags, a
//! preview rendered from a snapshot of the report as it stands, clearance actions, comments
//! per paragraph, builds with their downloads and diffs), the paragraph editor (one paragraph's
//! form; add, delete, move up or down), the report edit form (header fields and the sections as
//! JSON, the fallback for everything), the history page (every version with what changed), and
//! the template pages. Every edit saves the whole report through `chancery_app::reports::reports::update_report`. Plain forms and links, no JavaScript.
//! Every page calls the same operations as the JSON API (`api`), so both answer alike.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::pages::views::Field;
use crate::routes::Route;
use chancery_domain::FieldError;
use chancery_domain::access::Role;
use chancery_domain::report::{ReportState, Template as ReportTemplate};
use chrono::NaiveDate;
use serde_json::{Value, json};

mod builds;
mod history;
mod paragraphs;
mod report;
mod report_form;
mod taskings;
mod templates;

pub use builds::{build_diff_page, build_output};
pub use history::report_history_page;
pub use paragraphs::{
    report_paragraph_create, report_paragraph_delete, report_paragraph_edit, report_paragraph_move,
    report_paragraph_new, report_paragraph_update,
};
pub use report::{
    report_action, report_build_create, report_comment_create, report_create, report_new,
    report_page, reports_page,
};
pub use report_form::{report_edit, report_update};
pub use taskings::{tasking_create, tasking_page, tasking_report_create, taskings_page};
pub use templates::{template_page, template_update, templates_page};

// ---------------------------------------------------------------- shared

/// The value of a form field (the first, if sent twice); empty when absent.
fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The non-empty lines of a textarea, trimmed.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A textarea's text parsed as JSON, or the error beside it naming line and column.
fn parse_json_field(name: &str, text: &str) -> Result<Value, FieldError> {
    serde_json::from_str::<Value>(text).map_err(|e| {
        let full = e.to_string();
        let reason = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        FieldError::new(
            name,
            format!(
                "is not valid JSON: line {}, column {}: {reason}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// A field without the PII confirmation boxes (these forms confirm through `confirm_pii`).
fn plain(mut f: Field) -> Field {
    f.pii.clear();
    f
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "none".into())
}

fn state_text(s: &ReportState, chain: &[Role]) -> String {
    match s {
        ReportState::InClearance { step } => match chain.get(*step) {
            Some(role) => format!(
                "in clearance: step {} of {} ({})",
                step + 1,
                chain.len(),
                role.label()
            ),
            None => format!("in clearance: step {} (beyond the chain)", step + 1),
        },
        other => other.as_str().to_string(),
    }
}

/// A new draft's body: one empty section per template heading.
fn draft_json(
    post: &str,
    template: &ReportTemplate,
    subject: &str,
    tasking: Option<i64>,
    due: Option<NaiveDate>,
) -> Value {
    let sections: Vec<Value> = template
        .sections
        .iter()
        .map(|s| json!({"heading": s.heading.as_str(), "paragraphs": []}))
        .collect();
    let mut body = json!({"post": post, "template_key": template.key.as_str(), "subject": subject,
        "tags": [], "sections": sections});
    if let Some(t) = tasking {
        body["tasking_id"] = json!(t);
    }
    if let Some(d) = due {
        body["due"] = json!(d.to_string());
    }
    body
}

async fn template_options(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<(String, String)>, ApiError> {
    Ok(chancery_app::reports::templates::all_templates(state, user)
        .await?
        .into_iter()
        .map(|(t, _)| {
            let provisional = if t.provisional { " (provisional)" } else { "" };
            (
                t.key.to_string(),
                format!("{}{provisional} [{}]", t.title, t.key),
            )
        })
        .collect())
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("taskings_page", "/taskings", taskings_page),
        Route::post("tasking_create", "/taskings", tasking_create),
        Route::get("tasking_page", "/taskings/{id}", tasking_page),
        Route::post(
            "tasking_report_create",
            "/taskings/{id}/reports",
            tasking_report_create,
        ),
        Route::get("reports_page", "/reports", reports_page),
        Route::get("report_new", "/reports/new", report_new),
        Route::post("report_create", "/reports", report_create),
        Route::get("report_page", "/reports/{id}", report_page),
        Route::get("report_edit", "/reports/{id}/edit", report_edit),
        Route::post("report_update", "/reports/{id}/edit", report_update),
        Route::get(
            "report_history_page",
            "/reports/{id}/history",
            report_history_page,
        ),
        Route::get(
            "report_paragraph_edit",
            "/reports/{id}/paragraphs/{pid}",
            report_paragraph_edit,
        ),
        Route::post(
            "report_paragraph_update",
            "/reports/{id}/paragraphs/{pid}",
            report_paragraph_update,
        ),
        Route::post(
            "report_paragraph_delete",
            "/reports/{id}/paragraphs/{pid}/delete",
            report_paragraph_delete,
        ),
        Route::post(
            "report_paragraph_move",
            "/reports/{id}/paragraphs/{pid}/move",
            report_paragraph_move,
        ),
        Route::get(
            "report_paragraph_new",
            "/reports/{id}/sections/{n}/paragraphs/new",
            report_paragraph_new,
        ),
        Route::post(
            "report_paragraph_create",
            "/reports/{id}/sections/{n}/paragraphs/new",
            report_paragraph_create,
        ),
        Route::post("report_action", "/reports/{id}/actions", report_action),
        Route::post(
            "report_comment_create",
            "/reports/{id}/comments",
            report_comment_create,
        ),
        Route::post(
            "report_build_create",
            "/reports/{id}/builds",
            report_build_create,
        ),
        Route::get("build_output", "/builds/{id}/{format}", build_output),
        Route::get(
            "build_diff_page",
            "/builds/{id}/diff/{other}",
            build_diff_page,
        ),
        Route::get("templates_page", "/templates", templates_page),
        Route::get("template_page", "/templates/{key}", template_page),
        Route::post("template_update", "/templates/{key}", template_update),
    ]
}

#[cfg(test)]
mod tests {
    use super::lines;
    use super::paragraphs::{moved, paragraph_errors, parse_citations};
    use super::report::embeddable;
    use super::taskings::{tasking_body, tasking_values};
    use chancery_app::reports::history::describe_change;
    use chancery_domain::FieldError;
    use chancery_domain::Marking;
    use chancery_domain::report::Report;
    use chancery_domain::report::ReportState;
    use serde_json::{Value, json};

    #[test]
    fn the_preview_is_the_body_without_landmarks() {
        let html = "<!DOCTYPE html>\n<html><head><style>x</style></head>\n<body>\n<header>\n<h1>T</h1>\n</header>\n<main>\n<p id=\"p1\">a</p>\n</main>\n</body>\n</html>\n";
        let b = embeddable(html);
        assert!(!b.contains("<style>") && !b.contains("<main>") && !b.contains("<header>"));
        assert!(b.contains("<p id=\"p1\">a</p>") && b.contains("<h2 class=\"doc-title\">T</h2>"));
        assert_eq!(embeddable("no body at all"), "no body at all");
        assert_eq!(embeddable("</body> then <body>"), "");
    }

    fn report(sections: Value) -> Report {
        Report::from_json(&json!({"post": "berlin", "template_key": "hr-classic",
            "subject": "S", "tags": [], "sections": sections}))
        .unwrap()
    }

    fn para(id: &str, marking: &str, text: &str) -> Value {
        json!({"id": id, "kind": "analysis", "marking": marking, "text": text})
    }

    fn ids(r: &Report) -> Vec<Vec<&str>> {
        r.sections
            .iter()
            .map(|s| s.paragraphs.iter().map(|p| p.id.as_str()).collect())
            .collect()
    }

    #[test]
    fn citations_are_read_from_tokens_and_bad_ones_named() {
        let (c, tokens, errors) = parse_citations(" source:3, case:4\nengagement:2 ");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            c,
            vec![
                json!({"kind": "source", "id": 3}),
                json!({"kind": "case", "id": 4}),
                json!({"kind": "engagement", "id": 2})
            ]
        );
        assert_eq!(tokens, ["source:3", "case:4", "engagement:2"]);
        let (c, _, errors) = parse_citations("sauce:3 source:0 policy 12 policy:7");
        assert_eq!(c, vec![json!({"kind": "policy", "id": 7})]);
        let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(errors.len(), 4, "{reasons:?}");
        assert!(
            errors
                .iter()
                .all(|e| e.field.as_deref() == Some("citations"))
        );
        assert!(reasons[0].contains("\"sauce:3\"") && reasons[0].contains("not a kind"));
        assert!(reasons[1].contains("\"source:0\"") && reasons[1].contains("not a record id"));
        assert!(reasons[2].contains("\"policy\"") && reasons[2].contains("kind:id"));
        assert!(parse_citations("").0.is_empty());
    }

    #[test]
    fn errors_of_the_paragraph_map_to_its_fields() {
        let errors = vec![
            FieldError::new("sections[1].paragraphs[2].text", "a paragraph needs text"),
            FieldError::new(
                "sections[1].paragraphs[2].citations[1].id",
                "no case with id 9",
            ),
            FieldError::new("sections[1].paragraphs[2].citations[0]", "cited twice"),
            FieldError::new("sections[1].paragraphs[2].block.cases", "two cases"),
            FieldError::new("sections[0].paragraphs[0].citations[0].id", "elsewhere"),
            FieldError::new("confirm_pii[0]", "expected"),
        ];
        let tokens = vec!["source:3".to_string(), "case:9".to_string()];
        let e = paragraph_errors(errors, "sections[1].paragraphs[2]", &tokens);
        assert_eq!(e.reason_for("text"), Some("a paragraph needs text"));
        assert_eq!(
            e.reason_for("citations"),
            Some("case:9: no case with id 9; source:3: cited twice")
        );
        assert_eq!(e.reason_for("block.cases"), Some("two cases"));
        assert_eq!(
            e.reason_for("sections[0].paragraphs[0].citations[0].id"),
            Some("elsewhere")
        );
        assert_eq!(e.reason_for("confirm_pii"), Some("expected"));
    }

    #[test]
    fn moves_cross_section_edges_and_stop_at_the_ends() {
        let r = report(json!([
            {"heading": "A", "paragraphs": [para("p1", "U", "a"), para("p2", "U", "b")]},
            {"heading": "B", "paragraphs": []},
            {"heading": "C", "paragraphs": [para("p3", "U", "c")]}
        ]));
        assert!(moved(&r, 0, 0, true).is_none());
        assert!(moved(&r, 2, 0, false).is_none());
        let m = moved(&r, 0, 0, false).unwrap();
        assert_eq!(ids(&m), vec![vec!["p2", "p1"], vec![], vec!["p3"]]);
        let m = moved(&r, 0, 1, false).unwrap();
        assert_eq!(ids(&m), vec![vec!["p1"], vec!["p2"], vec!["p3"]]);
        let m = moved(&r, 2, 0, true).unwrap();
        assert_eq!(ids(&m), vec![vec!["p1", "p2"], vec!["p3"], vec![]]);
    }

    #[test]
    fn changes_are_described_by_paragraph_and_state() {
        let a = report(json!([
            {"heading": "A", "paragraphs": [para("p1", "U", "a"), para("p2", "SBU", "secret"),
                para("p3", "U", "c")]}
        ]));
        let mut submitted = a.clone();
        submitted.state = ReportState::InClearance { step: 0 };
        let all = |_: Marking| true;
        let open = |m: Marking| m == Marking::U;
        assert_eq!(describe_change(&a, &submitted, all).0, "submitted");
        let mut cleared = submitted.clone();
        cleared.state = ReportState::InClearance { step: 1 };
        assert_eq!(
            describe_change(&submitted, &cleared, all).0,
            "cleared step 1"
        );
        assert_eq!(
            describe_change(&cleared, &a, all).0,
            "returned to draft",
            "same text, back to draft"
        );
        let b = report(json!([
            {"heading": "A", "paragraphs": [para("p3", "U", "c"), para("p1", "U", "a2"),
                para("p2", "SBU", "secret2"), para("p4", "U", "d")]}
        ]));
        let (text, marking) = describe_change(&cleared, &b, all);
        assert_eq!(
            text, "edited: p3 moved, p1 text, p2 text, p4 added; returned to draft",
            "p3 moved to the front: only it is named as moved"
        );
        assert_eq!(marking, Marking::SBU);
        let (text, marking) = describe_change(&a, &b, open);
        assert!(!text.contains("p2"), "{text}");
        assert_eq!(marking, Marking::U);
        let mut c = a.clone();
        c.sections[0].paragraphs[1].text = "secret, changed".into();
        assert_eq!(
            describe_change(&a, &c, open).0,
            "edited: no change this account may see"
        );
    }

    #[test]
    fn lines_and_tasking_bodies() {
        assert_eq!(lines(" a \n\n b\r\n"), vec!["a", "b"]);
        let v = tasking_values(&[
            ("title".into(), "T".into()),
            ("topics".into(), "one\n\ntwo".into()),
            ("posts".into(), "berlin".into()),
            ("posts".into(), "stockholm".into()),
            ("due".into(), "".into()),
        ]);
        let b = tasking_body(&v);
        assert_eq!(b["topics"], json!(["one", "two"]));
        assert_eq!(b["posts"], json!(["berlin", "stockholm"]));
        assert!(b.get("due").is_none(), "blank fields are absent");
    }
}
