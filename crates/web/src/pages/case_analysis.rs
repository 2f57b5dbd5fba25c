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

/// One outcome on the three measures: a row of the matrix.
pub struct OutcomeRowView {
    /// `A1 (party)`.
    pub label: String,
    pub measures: Vec<String>,
}

/// Which outcome of a pair is harsher on each measure: a row of the second matrix.
pub struct PairRowView {
    pub pair: String,
    pub harsher: Vec<String>,
    pub depends_on_measure: bool,
}

#[derive(Template)]
#[template(path = "case_compare.html")]
pub struct ComparePage {
    pub page: PageMeta,
    pub a_id: i64,
    pub a_title: String,
    pub b_id: i64,
    pub b_title: String,
    pub measures: Vec<&'static str>,
    pub outcomes: Vec<OutcomeRowView>,
    pub pairs: Vec<PairRowView>,
    /// Every caveat once, in the order first met; each names its outcomes by reference.
    pub caveats: Vec<String>,
    pub scale: String,
    pub conventions: Vec<(String, u64, String)>,
}

const MEASURES: [(Measure, &str); 3] = [
    (Measure::UnconditionalCustodyDays, "Unconditional custody"),
    (
        Measure::MaxCustodyExposureDays,
        "Maximum custodial exposure",
    ),
    (
        Measure::SeverityRank,
        "Severity rank (0 to 7, published scale)",
    ),
];

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

/// The compact view of a comparison: each outcome once on the three measures (outcome ×
/// measure), each pair once with the harsher outcome per measure, each caveat once.
fn compact(pairs: &[&Comparison]) -> (Vec<OutcomeRowView>, Vec<PairRowView>, Vec<String>) {
    let mut a_rows: Vec<OutcomeRowView> = Vec::new();
    let mut b_rows: Vec<OutcomeRowView> = Vec::new();
    let mut rows = Vec::new();
    let mut caveats: Vec<String> = Vec::new();
    for c in pairs {
        for (label, side_a, list) in [
            (&c.label_a, true, &mut a_rows),
            (&c.label_b, false, &mut b_rows),
        ] {
            if !list.iter().any(|r| &r.label == label) {
                list.push(OutcomeRowView {
                    label: label.clone(),
                    measures: MEASURES
                        .iter()
                        .map(|(m, _)| {
                            let r = c.row(*m);
                            span_of(if side_a { &r.a } else { &r.b }, *m)
                        })
                        .collect(),
                });
            }
        }
        rows.push(PairRowView {
            pair: format!("{} against {}", c.label_a, c.label_b),
            harsher: MEASURES
                .iter()
                .map(|(m, _)| match c.row(*m).harsher {
                    Harsher::A => format!("{} is harsher", c.label_a),
                    Harsher::B => format!("{} is harsher", c.label_b),
                    Harsher::Equal => "Equal".into(),
                    Harsher::Undetermined => "Undetermined (the ranges overlap)".into(),
                })
                .collect(),
            depends_on_measure: c.depends_on_measure,
        });
        for k in &c.caveats {
            if !caveats.contains(&k.detail) {
                caveats.push(k.detail.clone());
            }
        }
    }
    a_rows.extend(b_rows);
    (a_rows, rows, caveats)
}

/// `GET /cases/{id}/compare/{other}`: every outcome of one case against every outcome of the
/// other on all three measures, with the caveats, the published scale and its conventions.
pub async fn case_compare_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(a, b): IdPair,
) -> PageResult {
    let v = cases::comparison(&state, &user, &a, &b).await?;
    let pairs: Vec<&Comparison> = v.comparisons.iter().map(|c| &c.comparison).collect();
    let (outcomes, pairs, caveats) = compact(&pairs);
    let t = ComparePage {
        page: PageMeta::new("Compare outcomes", v.marking, &user),
        a_id: v.case_a.id.get(),
        a_title: v.case_a.title.to_string(),
        b_id: v.case_b.id.get(),
        b_title: v.case_b.title.to_string(),
        measures: MEASURES.iter().map(|(_, name)| *name).collect(),
        outcomes,
        pairs,
        caveats,
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
