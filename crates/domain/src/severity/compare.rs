//! Two outcomes side by side on every measure, with the caveats that limit the comparison.

use super::{CriminalLaw, Measures, Outcome, Span, Subject};
use serde::Serialize;
use std::collections::BTreeSet;

/// What the caller knows beyond the two outcomes: how to name them, and caveats the sources
/// themselves raise (e.g. "whether the recipient was among the nine convicted is not stated").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareContext {
    pub label_a: String,
    pub label_b: String,
    pub notes: Vec<String>,
}

impl CompareContext {
    pub fn new(label_a: impl Into<String>, label_b: impl Into<String>) -> CompareContext {
        CompareContext {
            label_a: label_a.into(),
            label_b: label_b.into(),
            notes: Vec::new(),
        }
    }
}

/// The measures a comparison puts side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    UnconditionalCustodyDays,
    MaxCustodyExposureDays,
    /// Compared by the rank's level (0 to 7).
    SeverityRank,
}

/// Which outcome is harsher on one measure. `Undetermined` when a range leaves it open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Harsher {
    A,
    B,
    Equal,
    Undetermined,
}

/// One measure for both outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MeasureRow {
    pub measure: Measure,
    pub a: Span<u32>,
    pub b: Span<u32>,
    pub harsher: Harsher,
}

/// Why a comparison may mislead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaveatKind {
    /// Always present: the rank is one published scale among possible ones.
    RankIsAModellingChoice,
    DifferentCountries,
    DifferentCourts,
    DifferentCourtLevels,
    CourtNotStated,
    DifferentOffences,
    JuvenileAndAdultLaw,
    LawNotStated,
    DifferentDates,
    DateNotStated,
    /// One or both outcomes stand for members of a group tried together.
    GroupOutcome,
    /// A term is known only as a range reported for a group.
    SentenceRange,
    NotConvicted,
    ExpulsionNotRanked,
    /// A caveat the caller states (from [`CompareContext::notes`]).
    Stated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Caveat {
    pub kind: CaveatKind,
    pub detail: String,
}

/// Both outcomes on every measure, which is harsher on each, and the caveats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub label_a: String,
    pub label_b: String,
    pub a: Measures,
    pub b: Measures,
    pub rows: Vec<MeasureRow>,
    /// True when one measure finds A harsher and another finds B harsher.
    pub depends_on_measure: bool,
    pub caveats: Vec<Caveat>,
}

impl Comparison {
    /// The row for one measure.
    pub fn row(&self, measure: Measure) -> &MeasureRow {
        self.rows
            .iter()
            .find(|r| r.measure == measure)
            .expect("every measure has a row")
    }

    /// The kinds of caveat that apply.
    pub fn caveat_kinds(&self) -> Vec<CaveatKind> {
        self.caveats.iter().map(|c| c.kind).collect()
    }
}

/// A is harsher when its lowest possible value exceeds B's highest, and the reverse; equal
/// only when both are exact and the same; otherwise the ranges overlap and it is undetermined.
fn harsher(a: Span<u32>, b: Span<u32>) -> Harsher {
    if a.min > b.max {
        Harsher::A
    } else if b.min > a.max {
        Harsher::B
    } else if a.min == a.max && b.min == b.max {
        Harsher::Equal
    } else {
        Harsher::Undetermined
    }
}

/// Puts `a` and `b` side by side on every measure and lists the caveats that apply.
pub fn compare(a: &Outcome, b: &Outcome, context: &CompareContext) -> Comparison {
    let name = |l: &str, d: &'static str| {
        if l.trim().is_empty() {
            d.to_string()
        } else {
            l.to_string()
        }
    };
    let (la, lb) = (name(&context.label_a, "A"), name(&context.label_b, "B"));
    let (ma, mb) = (a.measures(), b.measures());
    let level = |s: Span<super::SeverityRank>| Span {
        min: u32::from(s.min.level()),
        max: u32::from(s.max.level()),
    };
    let rows: Vec<MeasureRow> = [
        (
            Measure::UnconditionalCustodyDays,
            ma.unconditional_custody_days,
            mb.unconditional_custody_days,
        ),
        (
            Measure::MaxCustodyExposureDays,
            ma.max_custody_exposure_days,
            mb.max_custody_exposure_days,
        ),
        (Measure::SeverityRank, level(ma.rank), level(mb.rank)),
    ]
    .into_iter()
    .map(|(measure, a, b)| MeasureRow {
        measure,
        a,
        b,
        harsher: harsher(a, b),
    })
    .collect();
    let depends_on_measure = rows.iter().any(|r| r.harsher == Harsher::A)
        && rows.iter().any(|r| r.harsher == Harsher::B);

    let mut caveats = vec![Caveat {
        kind: CaveatKind::RankIsAModellingChoice,
        detail: "the severity rank is one published scale; unconditional days and maximum \
                 exposure stand beside it"
            .into(),
    }];
    let mut add = |kind, detail: String| caveats.push(Caveat { kind, detail });

    match (&a.court, &b.court) {
        (Some(ca), Some(cb)) => {
            if ca.country != cb.country {
                add(
                    CaveatKind::DifferentCountries,
                    format!(
                        "{la}: {}; {lb}: {}: different legal systems",
                        ca.country.name(),
                        cb.country.name()
                    ),
                );
            } else if ca.name != cb.name {
                add(
                    CaveatKind::DifferentCourts,
                    format!("{la}: {}; {lb}: {}", ca.name, cb.name),
                );
            }
            if ca.level != cb.level {
                add(
                    CaveatKind::DifferentCourtLevels,
                    format!("{la}: {}; {lb}: {}", ca.level.as_str(), cb.level.as_str()),
                );
            }
        }
        _ => add(
            CaveatKind::CourtNotStated,
            "the court of at least one outcome is not stated".into(),
        ),
    }

    let keys = |o: &Outcome| o.offences.iter().map(|f| f.key()).collect::<BTreeSet<_>>();
    if keys(a) != keys(b) {
        let list = |o: &Outcome| {
            o.offences
                .iter()
                .map(|f| match &f.provision {
                    Some(p) => format!("{} ({p})", f.label),
                    None => f.label.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        add(
            CaveatKind::DifferentOffences,
            format!(
                "{la}: {}; {lb}: {}: the law sets different ranges for different offences",
                list(a),
                list(b)
            ),
        );
    }

    let law = |o: &Outcome| o.sentence().map(|s| s.law());
    match (law(a), law(b)) {
        (Some(Some(x)), Some(Some(y))) if x != y => {
            let s = |l: CriminalLaw| l.as_str();
            add(
                CaveatKind::JuvenileAndAdultLaw,
                format!(
                    "{la}: {} law; {lb}: {} law: different penalties and aims",
                    s(x),
                    s(y)
                ),
            );
        }
        (Some(None), _) | (_, Some(None)) => add(
            CaveatKind::LawNotStated,
            "whether juvenile or adult law applied is not stated for at least one outcome".into(),
        ),
        _ => {}
    }

    match (a.decided, b.decided) {
        (Some(da), Some(db)) if da != db => add(
            CaveatKind::DifferentDates,
            format!(
                "{la} decided {da}, {lb} decided {db}: law or sentencing practice may have changed"
            ),
        ),
        (Some(_), Some(_)) => {}
        _ => add(
            CaveatKind::DateNotStated,
            "the decision date of at least one outcome is not stated".into(),
        ),
    }

    let who = |l: &str, s: &Subject| match s {
        Subject::Individual => format!("{l} is an individual outcome"),
        Subject::GroupMember(g) => format!(
            "{l} stands for {} of {} members of a group tried together",
            g.members(),
            g.group_size()
        ),
    };
    if a.subject != Subject::Individual || b.subject != Subject::Individual {
        add(
            CaveatKind::GroupOutcome,
            format!("{}; {}", who(&la, &a.subject), who(&lb, &b.subject)),
        );
    }
    let ranged = |o: &Outcome| {
        o.sentence().is_some_and(|s| {
            s.components()
                .iter()
                .any(|c| matches!(c, super::Component::Custody(cu) if cu.term.is_range()))
        })
    };
    if ranged(a) || ranged(b) {
        add(
            CaveatKind::SentenceRange,
            "a term is known only as a range reported for a group; \
             the individual term is not stated"
                .into(),
        );
    }
    if !ma.convicted || !mb.convicted {
        add(
            CaveatKind::NotConvicted,
            "at least one outcome is not a conviction".into(),
        );
    }
    let expels = |o: &Outcome| {
        o.sentence().is_some_and(|s| {
            s.components()
                .iter()
                .any(|c| matches!(c, super::Component::Expulsion(_)))
        })
    };
    if expels(a) || expels(b) {
        add(
            CaveatKind::ExpulsionNotRanked,
            "an expulsion decision is part of at least one outcome and is not ranked".into(),
        );
    }
    for n in &context.notes {
        add(CaveatKind::Stated, n.clone());
    }
    Comparison {
        label_a: la,
        label_b: lb,
        a: ma,
        b: mb,
        rows,
        depends_on_measure,
        caveats,
    }
}
