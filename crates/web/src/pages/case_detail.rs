//! HTML views of a case in depth: the case's detail (court, timeline, offences, tasking tags,
//! parties with every statement and its citations, outcomes on every severity measure, the
//! incident), and the case page that shows it.

use crate::pages::views::{Fact, RecordPage};
use askama::Template;
use chancery_domain::Country;
use chancery_domain::case::Citation;
use chancery_domain::case_detail::{
    CaseDetail, MigrationBackground, PartyRole, ResidenceStatus, Sex,
};
use chancery_domain::severity::describe::component_text;
use chancery_domain::severity::{Measures, SeverityRank, Span, Subject, Verdict};
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

pub(crate) fn attribute_name(attr: &str) -> String {
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
pub(crate) fn value_label(attr: &str, v: &str) -> String {
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
    /// Retracted sources the case cites, with where.
    pub flags: Vec<String>,
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
