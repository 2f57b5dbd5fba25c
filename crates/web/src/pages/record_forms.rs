//! View models of the case and source forms: their fields, the choices they offer, and the
//! values shown again after a refusal.

use crate::pages::views::{
    CarriedConfirmation, CheckBox, Field, FormState, PageMeta, SelectField, case_kind_options,
    country_options, marking_options, pairs, source_kind_options,
};
use askama::Template;
use chancery_domain::case_detail::{PlacePrecision, TaskingTag};
use chancery_domain::{CaseRelation, CaseStatus, DatePrecision};
use serde_json::Value;

pub struct CitationRow {
    pub source: SelectField,
    pub page: Field,
    pub paragraph: Field,
    pub quote: Field,
}

pub struct LinkRow {
    pub case: SelectField,
    pub relation: SelectField,
}

#[derive(Template)]
#[template(path = "case_form.html")]
pub struct CaseFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: Option<i64>,
    pub conflict: Option<String>,
    pub errors: Vec<String>,
    pub post: SelectField,
    pub kind: SelectField,
    pub country: SelectField,
    pub title: Field,
    pub summary: Field,
    pub status: SelectField,
    pub marking: SelectField,
    pub summary_marking: SelectField,
    pub date_precision: SelectField,
    pub date_date: Field,
    pub date_end: Field,
    pub citations: Vec<CitationRow>,
    pub links: Vec<LinkRow>,
    pub jurisdiction: Field,
    pub reference: Field,
    pub court_name: Field,
    pub court_level: SelectField,
    pub incident_place: Field,
    pub incident_precision: SelectField,
    pub incident_sources: Field,
    pub tags: Vec<CheckBox>,
    pub tags_error: Option<String>,
    pub timeline: Field,
    pub offences: Field,
    pub parties: Field,
    pub outcomes: Field,
    pub confirmed: Vec<CarriedConfirmation>,
}

/// The case detail members the case form edits as JSON text, one textarea each.
pub const CASE_JSON_PARTS: [&str; 4] = ["timeline", "offences", "parties", "outcomes"];

/// Choices the case form offers besides its own values.
pub struct CaseChoices {
    pub posts: Vec<(String, String)>,
    pub sources: Vec<(String, String)>,
    pub cases: Vec<(String, String)>,
}

/// Empty rows offered below the filled ones.
const SPARE_ROWS: usize = 2;

#[allow(clippy::too_many_arguments)]
pub fn case_form(
    heading: String,
    action: String,
    cancel_href: String,
    version: Option<i64>,
    conflict: Option<String>,
    form: &FormState,
    choices: &CaseChoices,
    page: PageMeta,
) -> CaseFormPage {
    let citations = (0..form.rows("citations") + SPARE_ROWS)
        .map(|i| CitationRow {
            source: form.select(
                &format!("citations[{i}].source_id"),
                &choices.sources,
                Some("(none)"),
            ),
            page: form.text(&format!("citations[{i}].page")),
            paragraph: form.text(&format!("citations[{i}].paragraph")),
            quote: form.text(&format!("citations[{i}].quote")),
        })
        .collect();
    let relations = pairs(CaseRelation::ALL.iter().map(|r| (r.as_str(), r.label())));
    let links = (0..form.rows("links") + SPARE_ROWS)
        .map(|i| LinkRow {
            case: form.select(
                &format!("links[{i}].case_id"),
                &choices.cases,
                Some("(none)"),
            ),
            relation: form.select(
                &format!("links[{i}].relation"),
                &relations,
                Some("(choose)"),
            ),
        })
        .collect();
    let precisions = pairs(DatePrecision::ALL.iter().map(|p| (p.as_str(), p.as_str())));
    let statuses = pairs(CaseStatus::ALL.iter().map(|s| (s.as_str(), s.label())));
    CaseFormPage {
        page,
        heading,
        action,
        cancel_href,
        version,
        conflict,
        errors: form.summary(),
        post: form.select("post", &choices.posts, Some("(choose)")),
        kind: form.select("kind", &case_kind_options(), Some("(choose)")),
        country: form.select("country", &country_options(), Some("(choose)")),
        title: form.text("title"),
        summary: form.text("summary"),
        status: form.select("status", &statuses, None),
        marking: form.select("marking", &marking_options(), None),
        summary_marking: form.select(
            "summary_marking",
            &marking_options(),
            Some("(as the record)"),
        ),
        date_precision: form.select("date.precision", &precisions, Some("(no date)")),
        date_date: form.text("date.date"),
        date_end: form.text("date.end"),
        citations,
        links,
        jurisdiction: form.text("jurisdiction"),
        reference: form.text("reference"),
        court_name: form.text("court.name"),
        court_level: form.select(
            "court.level",
            &pairs([
                ("first_instance", "First instance"),
                ("appeal", "Appeal"),
                ("supreme", "Supreme court"),
            ]),
            Some("(choose)"),
        ),
        incident_place: form.text("incident.place"),
        incident_precision: form.select(
            "incident.precision",
            &pairs(PlacePrecision::ALL.iter().map(|p| (p.as_str(), p.label()))),
            Some("(choose)"),
        ),
        incident_sources: form.text("incident.independent_sources"),
        tags: tag_boxes(form),
        tags_error: {
            let reasons: Vec<String> = form
                .errors
                .errors
                .iter()
                .filter(|e| e.field.as_deref().is_some_and(|f| f.starts_with("tags")))
                .map(ToString::to_string)
                .collect();
            (!reasons.is_empty()).then(|| reasons.join("; "))
        },
        timeline: form.json_area("timeline"),
        offences: form.json_area("offences"),
        parties: form.json_area("parties"),
        outcomes: form.json_area("outcomes"),
        confirmed: form.carried_confirmations(),
    }
}

/// One checkbox per tasking tag, ticked where the values hold it.
fn tag_boxes(form: &FormState) -> Vec<CheckBox> {
    let held: Vec<String> = match form.values.get("tags") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect(),
        Some(Value::String(s)) => vec![s.trim().to_string()],
        _ => Vec::new(),
    };
    TaskingTag::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| CheckBox {
            name: format!("tags[{i}]"),
            value: t.as_str().to_string(),
            label: t.label().to_string(),
            checked: held.iter().any(|h| h == t.as_str()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "source_form.html")]
pub struct SourceFormPage {
    pub page: PageMeta,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: Option<i64>,
    pub conflict: Option<String>,
    pub errors: Vec<String>,
    pub kind: SelectField,
    pub title: Field,
    pub publisher: Field,
    pub url: Field,
    pub language: Field,
    pub published: Field,
    pub retrieved: Field,
    pub verified: bool,
    pub verified_error: Option<String>,
    pub marking: SelectField,
    pub confirmed: Vec<CarriedConfirmation>,
}

pub fn source_form(
    heading: String,
    action: String,
    cancel_href: String,
    version: Option<i64>,
    conflict: Option<String>,
    form: &FormState,
    page: PageMeta,
) -> SourceFormPage {
    let verified = matches!(form.get("verified").as_str(), "true" | "on");
    SourceFormPage {
        page,
        heading,
        action,
        cancel_href,
        version,
        conflict,
        errors: form.summary(),
        kind: form.select("kind", &source_kind_options(), Some("(choose)")),
        title: form.text("title"),
        publisher: form.text("publisher"),
        url: form.text("url"),
        language: form.text("language"),
        published: form.text("published"),
        retrieved: form.text("retrieved"),
        verified,
        verified_error: form.error("verified"),
        marking: form.select("marking", &marking_options(), None),
        confirmed: form.carried_confirmations(),
    }
}
