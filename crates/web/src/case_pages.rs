//! HTML views of cases in depth: the case's detail (court, timeline, offences, tasking tags,
//! parties with every statement and its citations, outcomes on every severity measure, the
//! incident), a side-by-side comparison of two cases' outcomes, and the group summary (SBU,
//! counts and medians only, under the selection caveat).

use crate::AppState;
use crate::access::audit_reads;
use crate::auth::CurrentUser;
use crate::case_analysis::{comparison_json, visible_cases};
use crate::error::ApiError;
use crate::extract::IdPair;
use crate::pages::{PageResult, query_json, render};
use crate::views::{
    Fact, FormState, PageMeta, RecordPage, SelectField, case_kind_options, country_options,
    post_options,
};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chancery_domain::case::Citation;
use chancery_domain::case_detail::{
    CaseDetail, MigrationBackground, PartyRole, ResidenceStatus, Sex,
};
use chancery_domain::case_summary::{SELECTION_CAVEAT, summarise};
use chancery_domain::severity::{
    Component, CustodyMode, ExpulsionDecision, Measures, SeverityRank, Span, Subject, Term,
    Verdict, YouthDetention,
};
use chancery_domain::{Case, Country, Marking, Record, ValidationErrors};
use serde_json::Value;
use std::collections::HashMap;

// ---------------------------------------------------------------- view models

/// A citation inside the detail: a link to the source and the pinpoint.
pub struct CiteRef {
    pub source_id: i64,
    /// "Publisher, title", or "source N (withheld: SBU)" for a source the viewer may not see.
    pub label: String,
    pub pinpoint: String,
}

fn cites(cs: &[Citation], labels: &HashMap<i64, String>) -> Vec<CiteRef> {
    cs.iter()
        .map(|c| CiteRef {
            source_id: c.source_id.get(),
            label: labels
                .get(&c.source_id.get())
                .cloned()
                .unwrap_or_else(|| format!("source {}", c.source_id)),
            pinpoint: [
                c.page.as_ref().map(|p| format!("p. {p}")),
                c.paragraph.as_ref().map(|p| format!("para. {p}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        })
        .collect()
}

pub struct TimelineView {
    pub date: String,
    pub status: String,
    pub note: String,
    pub citations: Vec<CiteRef>,
}

pub struct OffenceView {
    pub stage: String,
    pub iccs: String,
    pub section: String,
    pub label: String,
    pub provision: String,
    pub party: String,
    pub citations: Vec<CiteRef>,
}

pub struct StatementView {
    pub value: String,
    pub citations: Vec<CiteRef>,
}

pub struct AttributeView {
    pub name: String,
    pub statements: Vec<StatementView>,
    /// The differing known values when sources disagree (never resolved).
    pub disagree: Vec<String>,
}

pub struct PartyView {
    pub label: String,
    pub role: String,
    pub count: Option<u32>,
    pub victim: bool,
    pub attributes: Vec<AttributeView>,
}

pub struct OutcomeView {
    pub party: String,
    pub subject: String,
    pub court: String,
    pub decided: String,
    pub offences: Vec<String>,
    pub verdict: String,
    pub components: Vec<String>,
    pub unconditional: String,
    pub exposure: String,
    pub rank: String,
    pub law: String,
    pub notes: Vec<String>,
    pub policy: Option<(i64, String)>,
    pub appeal: String,
    pub citations: Vec<CiteRef>,
}

pub struct IncidentView {
    pub place: String,
    pub precision: String,
    pub independent_sources: u32,
}

/// Everything of a case's detail, as strings for the template.
pub struct DetailView {
    pub facts: Vec<Fact>,
    pub timeline: Vec<TimelineView>,
    pub offences: Vec<OffenceView>,
    pub tags: Vec<String>,
    pub parties: Vec<PartyView>,
    pub outcomes: Vec<OutcomeView>,
    pub incident: Option<IncidentView>,
    /// Every conflict in the case, in words.
    pub conflicts: Vec<String>,
}

fn attribute_name(attr: &str) -> String {
    match attr {
        "described_as" => "Described as".into(),
        "country_of_birth" => "Country of birth".into(),
        other => {
            let s = other.replace('_', " ");
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

/// A stated value in words (the stored value is kept alongside, so nothing is lost).
fn value_label(attr: &str, v: &str) -> String {
    if v == "unknown" {
        return "Unknown".into();
    }
    let label = match attr {
        "citizenship" | "country_of_birth" => {
            if v == "stateless" {
                Some("Stateless".to_string())
            } else {
                Country::parse(v)
                    .ok()
                    .map(|c| format!("{} ({v})", c.name()))
            }
        }
        "sex" => Sex::parse(v).ok().map(|s| s.label().to_string()),
        "residence_status" => ResidenceStatus::parse(v)
            .ok()
            .map(|s| s.label().to_string()),
        "migration_background" => MigrationBackground::parse(v)
            .ok()
            .map(|s| s.label().to_string()),
        _ => None,
    };
    label.unwrap_or_else(|| v.to_string())
}

fn term_text(t: &Term) -> String {
    let (y, m, w, d) = t.parts();
    let part = |n: u32, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    [
        part(y, "year", "years"),
        part(m, "month", "months"),
        part(w, "week", "weeks"),
        part(d, "day", "days"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

pub(crate) fn component_text(c: &Component) -> String {
    match c {
        Component::Custody(cu) => {
            let v = serde_json::to_value(cu).unwrap_or_default();
            let form = match cu.form.as_str() {
                "youth_custody" => "Youth custody",
                _ => "Prison",
            };
            let term = |k: &str| -> Option<String> {
                let t = v.get(k)?;
                let n = |p: &str| t.get(p).and_then(Value::as_u64).unwrap_or(0) as u32;
                Term::new(n("years"), n("months"), n("weeks"), n("days"))
                    .ok()
                    .map(|t| term_text(&t))
            };
            let length = match (term("term"), term("term_max")) {
                (Some(a), Some(b)) => format!("between {a} and {b}"),
                (Some(a), None) => a,
                _ => String::new(),
            };
            let mode = match cu.mode {
                CustodyMode::Unconditional => "unconditional".to_string(),
                CustodyMode::Suspended { probation: Some(p) } => {
                    format!("suspended on probation ({} probation)", term_text(&p))
                }
                CustodyMode::Suspended { probation: None } => "suspended on probation".into(),
                CustodyMode::SuspensionDeferred => {
                    "suspension decision deferred (Vorbewährung)".into()
                }
            };
            format!("{form}, {length}, {mode}")
        }
        Component::YouthDetention(y) => match y {
            YouthDetention::Freizeitarrest { weekends } => format!(
                "Youth detention: Freizeitarrest, {} weekend{}",
                weekends.get(),
                if weekends.get() == 1 { "" } else { "s" }
            ),
            YouthDetention::Kurzarrest { days } => {
                format!("Youth detention: Kurzarrest, {} days", days.get())
            }
            YouthDetention::Dauerarrest { days } => {
                format!("Youth detention: Dauerarrest, {} days", days.get())
            }
        },
        Component::Fine { amount } => format!("Fine of {} {}", amount.value(), amount.currency()),
        Component::DayFines { days, per_day } => match per_day {
            Some(m) => format!(
                "{} day-fines at {} {} a day",
                days.get(),
                m.value(),
                m.currency()
            ),
            None => format!("{} day-fines", days.get()),
        },
        Component::CommunityService { hours } => {
            format!("Community service, {} hours", hours.get())
        }
        Component::Damages { amount } => format!(
            "Damages of {} {} to the victim (not a penalty)",
            amount.value(),
            amount.currency()
        ),
        Component::Expulsion(e) => {
            let what = match &e.decision {
                ExpulsionDecision::Ordered {
                    reentry_ban: Some(t),
                } => format!("Expulsion ordered, re-entry ban {}", term_text(t)),
                ExpulsionDecision::Ordered { reentry_ban: None } => "Expulsion ordered".into(),
                ExpulsionDecision::Refused => "Expulsion refused".into(),
            };
            match &e.ground {
                Some(g) => format!("{what} (ground: {g})"),
                None => what,
            }
        }
        Component::Discharge => "Discharge: convicted without penalty".into(),
    }
}

/// A span of days: one number when exact, "min–max" when known only within bounds.
pub fn days_span(s: Span<u32>) -> String {
    if s.min == s.max {
        format!("{} days", s.min)
    } else {
        format!("{}–{} days", s.min, s.max)
    }
}

fn rank_span(s: Span<SeverityRank>) -> String {
    if s.min == s.max {
        format!("{} ({})", s.min.level(), s.min.label())
    } else {
        format!(
            "{}–{} ({} to {})",
            s.min.level(),
            s.max.level(),
            s.min.label(),
            s.max.label()
        )
    }
}

fn law_text(m: &Measures) -> String {
    match (m.juvenile_law, m.adult_law) {
        (true, true) => "Juvenile and adult law".into(),
        (true, false) => "Juvenile law".into(),
        (false, true) => "Adult law".into(),
        (false, false) => "Not stated".into(),
    }
}

/// Builds the view of a case's detail. Victim parties (present only on SBU cases) show their
/// age band and sex and nothing else.
pub fn detail_view(d: &CaseDetail, labels: &HashMap<i64, String>) -> DetailView {
    let party_label = |i: usize| {
        d.parties
            .get(i)
            .map(|p| p.label.to_string())
            .unwrap_or_else(|| format!("party {}", i + 1))
    };
    let mut facts = Vec::new();
    if let Some(j) = &d.jurisdiction {
        facts.push(Fact::new("Jurisdiction", j.to_string()));
    }
    if let Some(c) = &d.court {
        let level = match c.level.as_str() {
            "first_instance" => "first instance",
            "appeal" => "appeal",
            _ => "supreme court",
        };
        facts.push(Fact::new("Court", format!("{} ({level})", c.name)));
    }
    if let Some(r) = &d.reference {
        facts.push(Fact::new("Public reference", r.to_string()));
    }
    let timeline = d
        .timeline
        .iter()
        .map(|t| TimelineView {
            date: t.date.to_string(),
            status: t.status.label().to_string(),
            note: t.note.as_ref().map(|n| n.to_string()).unwrap_or_default(),
            citations: cites(&t.citations, labels),
        })
        .collect();
    let offences = d
        .offences
        .iter()
        .map(|o| OffenceView {
            stage: o.stage.label().to_string(),
            iccs: o.iccs.as_str().to_string(),
            section: o.iccs.section().to_string(),
            label: o.label.to_string(),
            provision: o
                .provision
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            party: o.party.map(party_label).unwrap_or_default(),
            citations: cites(&o.citations, labels),
        })
        .collect();
    let parties = d
        .parties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let victim = p.role == PartyRole::Victim;
            let conflicts = p.conflicts(i);
            let attributes = p
                .attributes()
                .into_iter()
                .filter(|(name, _)| !victim || matches!(*name, "age" | "sex"))
                .map(|(name, statements)| AttributeView {
                    name: attribute_name(name),
                    statements: statements
                        .into_iter()
                        .map(|(v, cs)| StatementView {
                            value: value_label(name, &v),
                            citations: cites(cs, labels),
                        })
                        .collect(),
                    disagree: conflicts
                        .iter()
                        .find(|c| c.attribute == name)
                        .map(|c| c.values.iter().map(|v| value_label(name, v)).collect())
                        .unwrap_or_default(),
                })
                .collect();
            PartyView {
                label: p.label.to_string(),
                role: p.role.label().to_string(),
                count: p.count,
                victim,
                attributes,
            }
        })
        .collect();
    let outcomes = d
        .outcomes
        .iter()
        .map(|o| {
            let m = o.outcome.measures();
            let out = &o.outcome;
            OutcomeView {
                party: party_label(o.party),
                subject: match out.subject {
                    Subject::Individual => "An individual".into(),
                    Subject::GroupMember(g) => format!(
                        "{} of a group of {} tried together",
                        g.members(),
                        g.group_size()
                    ),
                },
                court: out
                    .court
                    .as_ref()
                    .map(|c| format!("{}, {}", c.name, c.country.name()))
                    .unwrap_or_default(),
                decided: out
                    .decided
                    .as_ref()
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                offences: out
                    .offences
                    .iter()
                    .map(|f| match &f.provision {
                        Some(p) => format!("{} ({p})", f.label),
                        None => f.label.to_string(),
                    })
                    .collect(),
                verdict: match &out.verdict {
                    Verdict::Convicted { .. } => "Convicted".into(),
                    Verdict::Acquitted => "Acquitted".into(),
                    Verdict::Discontinued => "Discontinued".into(),
                },
                components: out
                    .sentence()
                    .map(|s| s.components().iter().map(component_text).collect())
                    .unwrap_or_default(),
                unconditional: days_span(m.unconditional_custody_days),
                exposure: days_span(m.max_custody_exposure_days),
                rank: rank_span(m.rank),
                law: law_text(&m),
                notes: m.notes.clone(),
                policy: o
                    .policy_applied
                    .as_ref()
                    .map(|p| (p.policy_id.get(), p.version.to_string())),
                appeal: o.appeal.as_ref().map(|a| a.to_string()).unwrap_or_default(),
                citations: cites(&o.citations, labels),
            }
        })
        .collect();
    let conflicts = d
        .conflicts()
        .into_iter()
        .map(|c| {
            format!(
                "{}: {}: {}",
                party_label(c.party),
                attribute_name(c.attribute).to_lowercase(),
                c.values
                    .iter()
                    .map(|v| value_label(c.attribute, v))
                    .collect::<Vec<_>>()
                    .join(" / ")
            )
        })
        .collect();
    DetailView {
        facts,
        timeline,
        offences,
        tags: d.tags.iter().map(|t| t.label().to_string()).collect(),
        parties,
        outcomes,
        incident: d.incident.as_ref().map(|i| IncidentView {
            place: i.place.to_string(),
            precision: i.precision.label().to_string(),
            independent_sources: i.independent_sources,
        }),
        conflicts,
    }
}

/// The case page: the record's core (reached through `Deref`, so the template reads
/// `page`, `facts`, `links`... as on any record page) and its detail.
#[derive(Template)]
#[template(path = "case_view.html")]
pub struct CasePage {
    pub record: RecordPage,
    pub detail: DetailView,
    /// Linked cases (and cases linking here) with the relation "comparison".
    pub compare_links: Vec<i64>,
    pub compare_backlinks: Vec<i64>,
}

impl std::ops::Deref for CasePage {
    type Target = RecordPage;

    fn deref(&self) -> &RecordPage {
        &self.record
    }
}

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

fn str_of(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

fn span_of(v: &Value, measure: &str) -> String {
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let (lo, hi) = (n("min"), n("max"));
    let unit = if measure == "severity_rank" {
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

fn pair_view(c: &Value) -> PairView {
    let label_a = str_of(&c["label_a"]);
    let label_b = str_of(&c["label_b"]);
    let rows = c["rows"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let measure = str_of(&r["measure"]);
            CompareRowView {
                measure: match measure.as_str() {
                    "unconditional_custody_days" => "Unconditional custody".into(),
                    "max_custody_exposure_days" => "Maximum custodial exposure".into(),
                    "severity_rank" => "Severity rank (0 to 7, published scale)".into(),
                    other => other.replace('_', " "),
                },
                a: span_of(&r["a"], &measure),
                b: span_of(&r["b"], &measure),
                harsher: match r["harsher"].as_str().unwrap_or("") {
                    "a" => format!("A is harsher ({label_a})"),
                    "b" => format!("B is harsher ({label_b})"),
                    "equal" => "Equal".into(),
                    _ => "Undetermined (the ranges overlap)".into(),
                },
            }
        })
        .collect();
    PairView {
        rows,
        depends_on_measure: c["depends_on_measure"].as_bool().unwrap_or(false),
        caveats: c["caveats"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|k| str_of(&k["detail"]))
            .collect(),
        label_a,
        label_b,
    }
}

/// `GET /cases/{id}/compare/{other}`: every outcome of one case against every outcome of the
/// other on all three measures, with the caveats, the published scale and its conventions.
pub async fn case_compare_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPair(a, b): IdPair,
) -> PageResult {
    let v = comparison_json(&state, &user, &a, &b).await?;
    let marking = Marking::parse(v["marking"].as_str().unwrap_or("SBU")).unwrap_or(Marking::SBU);
    let id = |k: &str| v[k]["id"].as_i64().unwrap_or(0);
    let title = |k: &str| str_of(&v[k]["title"]);
    let t = ComparePage {
        page: PageMeta::new("Compare outcomes", marking, &user),
        a_id: id("case_a"),
        a_title: title("case_a"),
        b_id: id("case_b"),
        b_title: title("case_b"),
        pairs: v["comparisons"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|c| pair_view(&c["comparison"]))
            .collect(),
        scale: str_of(&v["scale"]),
        conventions: v["conventions"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|c| {
                (
                    str_of(&c["unit"]),
                    c["days"].as_u64().unwrap_or(0),
                    str_of(&c["note"]),
                )
            })
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

fn median_text(v: &Value) -> String {
    match v.as_f64() {
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
    if !user.principal.may_see(Marking::SBU) {
        return Err(
            ApiError::Forbidden("group summaries are SBU: SBU access is needed".into()).into(),
        );
    }
    let cases = visible_cases(&state, &user, raw.as_deref()).await?;
    let shown: Vec<&Record<Case>> = cases.iter().collect();
    audit_reads(&state, &user, "read", &shown).await?;
    let v = summarise(&cases);
    let posts = state.store.list_posts().await?;
    let values = query_json(raw.as_deref());
    let errors = ValidationErrors::default();
    let form = FormState {
        values: &values,
        errors: &errors,
    };
    let n = |x: &Value| x.as_u64().unwrap_or(0);
    let bases = v["by"]
        .as_object()
        .map(|by| {
            by.iter()
                .map(|(attr, counts)| BasisView {
                    name: attribute_name(attr),
                    counts: counts
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .map(|(val, c)| {
                                    let label = if val == "sources disagree" {
                                        "Sources disagree".to_string()
                                    } else {
                                        value_label(attr, val)
                                    };
                                    (label, n(c))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let m = &v["median_unconditional_custody_days"];
    let t = SummaryPage {
        page: PageMeta::new("Case summary", Marking::SBU, &user),
        caveat: SELECTION_CAVEAT,
        country: form.select("country", &country_options(), Some("(any)")),
        kind: form.select("kind", &case_kind_options(), Some("(any)")),
        post: form.select("post", &post_options(&posts), Some("(any)")),
        cases: n(&v["cases"]),
        defendant_parties: n(&v["defendant_parties"]),
        defendants: n(&v["defendants"]),
        bases,
        convicted_people: n(&m["convicted_people"]),
        median_low: median_text(&m["low"]),
        median_high: median_text(&m["high"]),
        median_note: str_of(&m["note"]),
    };
    Ok(render(StatusCode::OK, &t))
}
