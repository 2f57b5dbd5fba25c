//! Cases compared and summarised, as pages: a side-by-side comparison of two cases' outcomes,
//! and the group summary (SBU, counts and medians only, under the selection caveat).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::extract::IdPair;
use crate::pages::case_detail::{attribute_name, value_label};
use crate::pages::views::{
    FormState, PageMeta, SelectField, case_kind_options, country_options, post_options,
};
use crate::pages::{PageResult, query_json, render};
use crate::routes::Route;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chancery_app::cases;
use chancery_domain::case_summary::SELECTION_CAVEAT;
use chancery_domain::severity::{Comparison, Harsher, Measure, Span};
use chancery_domain::{Marking, ValidationErrors};

// ---------------------------------------------------------------- comparison

pub struct CompareRowView {
    pub measure: String,
    pub a: String,
    pub b: String,
    pub harsher: String,
}

pub struct PairView {
    pub label_a: String,
    pub label_b: String,
    pub rows: Vec<CompareRowView>,
    pub depends_on_measure: bool,
    pub caveats: Vec<String>,
}

#[derive(Template)]
#[template(path = "case_compare.html")]
pub struct ComparePage {
    pub page: PageMeta,
    pub a_id: i64,
    pub a_title: String,
    pub b_id: i64,
    pub b_title: String,
    pub pairs: Vec<PairView>,
    pub scale: String,
    pub conventions: Vec<(String, u64, String)>,
}

fn span_of(s: &Span<u32>, measure: Measure) -> String {
    let (lo, hi) = (s.min, s.max);
    let unit = if measure == Measure::SeverityRank {
        ""
    } else {
        " days"
    };
    if lo == hi {
        format!("{lo}{unit}")
    } else {
        format!("{lo}–{hi}{unit}")
    }
}

fn pair_view(c: &Comparison) -> PairView {
    let rows = c
        .rows
        .iter()
        .map(|r| CompareRowView {
            measure: match r.measure {
                Measure::UnconditionalCustodyDays => "Unconditional custody".into(),
                Measure::MaxCustodyExposureDays => "Maximum custodial exposure".into(),
                Measure::SeverityRank => "Severity rank (0 to 7, published scale)".into(),
            },
            a: span_of(&r.a, r.measure),
            b: span_of(&r.b, r.measure),
            harsher: match r.harsher {
                Harsher::A => format!("A is harsher ({})", c.label_a),
                Harsher::B => format!("B is harsher ({})", c.label_b),
                Harsher::Equal => "Equal".into(),
                Harsher::Undetermined => "Undetermined (the ranges overlap)".into(),
            },
        })
        .collect();
    PairView {
        rows,
        depends_on_measure: c.depends_on_measure,
        caveats: c.caveats.iter().map(|k| k.detail.clone()).collect(),
        label_a: c.label_a.clone(),
        label_b: c.label_b.clone(),
    }
}

/// `GET /cases/{id}/compare/{other}`: every outcome of one case against every outcome of the
/// other on all three measures, with the caveats, the published scale and its conventions.
pub async fn case_compare_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(a, b): IdPair,
) -> PageResult {
    let v = cases::comparison(&state, &user, &a, &b).await?;
    let t = ComparePage {
        page: PageMeta::new("Compare outcomes", v.marking, &user),
        a_id: v.case_a.id.get(),
        a_title: v.case_a.title.to_string(),
        b_id: v.case_b.id.get(),
        b_title: v.case_b.title.to_string(),
        pairs: v
            .comparisons
            .iter()
            .map(|c| pair_view(&c.comparison))
            .collect(),
        scale: v.scale.to_string(),
        conventions: v
            .conventions
            .iter()
            .map(|c| (c.unit.to_string(), u64::from(c.days), c.note.to_string()))
            .collect(),
    };
    Ok(render(StatusCode::OK, &t))
}

// ---------------------------------------------------------------- summary

pub struct BasisView {
    pub name: String,
    pub counts: Vec<(String, u64)>,
}

#[derive(Template)]
#[template(path = "cases_summary.html")]
pub struct SummaryPage {
    pub page: PageMeta,
    pub caveat: &'static str,
    pub country: SelectField,
    pub kind: SelectField,
    pub post: SelectField,
    pub cases: u64,
    pub defendant_parties: u64,
    pub defendants: u64,
    pub bases: Vec<BasisView>,
    pub convicted_people: u64,
    pub median_low: String,
    pub median_high: String,
    pub median_note: String,
}

fn median_text(v: Option<f64>) -> String {
    match v {
        Some(x) if x.fract() == 0.0 => format!("{x:.0} days"),
        Some(x) => format!("{x:.1} days"),
        None => "none (no convicted person)".into(),
    }
}

/// `GET /cases/summary?country=&kind=&post=`: the group summary as a page. SBU, computed over
/// what the viewer sees, every case read logged, always under the selection caveat.
pub async fn cases_summary_page(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let v = cases::summary(&state, &user, raw.as_deref()).await?;
    let posts = chancery_app::posts::all(&state).await?;
    let values = query_json(raw.as_deref());
    let errors = ValidationErrors::default();
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let bases =
        v.by.iter()
            .map(|(attr, counts)| BasisView {
                name: attribute_name(attr),
                counts: counts
                    .iter()
                    .map(|(val, c)| {
                        let label = if val == "sources disagree" {
                            "Sources disagree".to_string()
                        } else {
                            value_label(attr, val)
                        };
                        (label, *c)
                    })
                    .collect(),
            })
            .collect();
    let m = &v.median_unconditional_custody_days;
    let t = SummaryPage {
        page: PageMeta::new("Case summary", Marking::SBU, &user),
        caveat: SELECTION_CAVEAT,
        country: form.select("country", &country_options(), Some("(any)")),
        kind: form.select("kind", &case_kind_options(), Some("(any)")),
        post: form.select("post", &post_options(&posts), Some("(any)")),
        cases: v.cases as u64,
        defendant_parties: v.defendant_parties,
        defendants: v.defendants,
        bases,
        convicted_people: m.convicted_people,
        median_low: median_text(m.low),
        median_high: median_text(m.high),
        median_note: m.note.to_string(),
    };
    Ok(render(StatusCode::OK, &t))
}

/// The routes this module serves.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("cases_summary_page", "/cases/summary", cases_summary_page),
        Route::get(
            "case_compare_page",
            "/cases/{id}/compare/{other}",
            case_compare_page,
        ),
    ]
}
