//! Mapping a sentence to the published measures.

use super::{Component, CriminalLaw, CustodyMode, DAYS_PER_YEAR, ExpulsionDecision, Sentence};
use serde::Serialize;

impl Sentence {
    /// The sentence on every measure; see the module documentation.
    pub fn measures(&self) -> Measures {
        let mut m = Measures::zero(true);
        m.juvenile_law = self.law == Some(CriminalLaw::Juvenile);
        m.adult_law = self.law == Some(CriminalLaw::Adult);
        if self.law.is_none() {
            m.notes
                .push("the sources do not state whether juvenile or adult law applied".into());
        }
        for c in &self.components {
            let rank = match c {
                Component::Custody(cu) => {
                    let d = cu.term.days();
                    m.max_custody_exposure_days.add(d);
                    if cu.term.is_range() {
                        m.notes.push(format!(
                            "a custodial term is known only as a range ({} to {} days): \
                             each measure gives both ends",
                            d.min, d.max
                        ));
                    }
                    match cu.mode {
                        CustodyMode::Unconditional => {
                            m.unconditional_custody_days.add(d);
                            Span {
                                min: SeverityRank::for_custody_days(d.min),
                                max: SeverityRank::for_custody_days(d.max),
                            }
                        }
                        CustodyMode::Suspended { .. } => {
                            Span::exact(SeverityRank::SuspendedCustody)
                        }
                        CustodyMode::SuspensionDeferred => {
                            m.notes.push(format!(
                                "{} to {} days under a deferred decision on suspension \
                                 (Vorbewährung) count 0 in unconditional custody and in \
                                 full in maximum exposure",
                                d.min, d.max
                            ));
                            Span::exact(SeverityRank::SuspensionDeferredCustody)
                        }
                    }
                }
                Component::YouthDetention(y) => {
                    m.unconditional_custody_days.add(Span::exact(y.in_days()));
                    m.max_custody_exposure_days.add(Span::exact(y.in_days()));
                    Span::exact(SeverityRank::YouthDetention)
                }
                Component::Fine { .. } | Component::DayFines { .. } => {
                    m.notes
                        .push("substitute custody for an unpaid fine is not counted".into());
                    Span::exact(SeverityRank::FineOrCommunityService)
                }
                Component::CommunityService { .. } => {
                    Span::exact(SeverityRank::FineOrCommunityService)
                }
                Component::Damages { .. } => {
                    m.notes
                        .push("damages are compensation, not a penalty: not counted".into());
                    continue;
                }
                Component::Expulsion(e) => {
                    m.expulsion_ordered |= matches!(e.decision, ExpulsionDecision::Ordered { .. });
                    m.notes
                        .push("the expulsion decision is shown, not ranked".into());
                    continue;
                }
                Component::Discharge => Span::exact(SeverityRank::NoPenalty),
            };
            m.rank.min = m.rank.min.max(rank.min);
            m.rank.max = m.rank.max.max(rank.max);
        }
        m.notes.dedup();
        m
    }
}

/// The ordinal severity scale (a modelling choice: see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeverityRank {
    NoPenalty = 0,
    FineOrCommunityService = 1,
    YouthDetention = 2,
    SuspendedCustody = 3,
    SuspensionDeferredCustody = 4,
    CustodyUpToOneYear = 5,
    CustodyOneToFiveYears = 6,
    CustodyOverFiveYears = 7,
}

impl SeverityRank {
    pub const ALL: [SeverityRank; 8] = [
        SeverityRank::NoPenalty,
        SeverityRank::FineOrCommunityService,
        SeverityRank::YouthDetention,
        SeverityRank::SuspendedCustody,
        SeverityRank::SuspensionDeferredCustody,
        SeverityRank::CustodyUpToOneYear,
        SeverityRank::CustodyOneToFiveYears,
        SeverityRank::CustodyOverFiveYears,
    ];

    pub fn level(self) -> u8 {
        self as u8
    }

    pub fn label(self) -> &'static str {
        match self {
            SeverityRank::NoPenalty => "No penalty (acquittal, discontinuance, discharge)",
            SeverityRank::FineOrCommunityService => "Fine, day-fines or community service",
            SeverityRank::YouthDetention => "Youth detention (Jugendarrest)",
            SeverityRank::SuspendedCustody => "Custody suspended on probation",
            SeverityRank::SuspensionDeferredCustody => "Custody, suspension decision deferred",
            SeverityRank::CustodyUpToOneYear => "Unconditional custody up to 1 year",
            SeverityRank::CustodyOneToFiveYears => "Unconditional custody over 1 to 5 years",
            SeverityRank::CustodyOverFiveYears => "Unconditional custody over 5 years",
        }
    }

    /// The rank of an unconditional custodial term of `days`.
    pub fn for_custody_days(days: u32) -> SeverityRank {
        match days {
            d if d <= DAYS_PER_YEAR => SeverityRank::CustodyUpToOneYear,
            d if d <= 5 * DAYS_PER_YEAR => SeverityRank::CustodyOneToFiveYears,
            _ => SeverityRank::CustodyOverFiveYears,
        }
    }
}

/// A value known exactly (`min == max`) or only within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub struct Span<T> {
    pub min: T,
    pub max: T,
}

impl<T: Copy> Span<T> {
    pub fn exact(v: T) -> Span<T> {
        Span { min: v, max: v }
    }
}

impl Span<u32> {
    fn add(&mut self, other: Span<u32>) {
        self.min = self.min.saturating_add(other.min);
        self.max = self.max.saturating_add(other.max);
    }
}

/// One outcome on every measure, for display side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Measures {
    pub convicted: bool,
    /// (a) Custody imposed without condition, in days (youth detention included).
    pub unconditional_custody_days: Span<u32>,
    /// (b) All custody in the judgment, suspended and deferred terms included, in days.
    pub max_custody_exposure_days: Span<u32>,
    /// (c) The place on the published scale.
    pub rank: Span<SeverityRank>,
    pub juvenile_law: bool,
    pub adult_law: bool,
    pub expulsion_ordered: bool,
    /// How the numbers were reached, in words (deferred terms, ranges, what is not counted).
    pub notes: Vec<String>,
}

impl Measures {
    pub(super) fn zero(convicted: bool) -> Measures {
        Measures {
            convicted,
            unconditional_custody_days: Span::exact(0),
            max_custody_exposure_days: Span::exact(0),
            rank: Span::exact(SeverityRank::NoPenalty),
            juvenile_law: false,
            adult_law: false,
            expulsion_ordered: false,
            notes: Vec::new(),
        }
    }
}
