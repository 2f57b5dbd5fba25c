//! Caveats as data, and the notes a caller adds about its inputs.
//!
//! A caveat is a stable snake_case `code` (for tables, exports and tests) and an English `text`
//! (for readers). Every result carries the caveats that apply to it; the functions that build
//! results decide which, from the operands and the caller's [`Notes`]. A report shows them
//! beside the number, never in a footnote that can get lost.

use serde::{Deserialize, Serialize};

use super::{Basis, Operand};
use crate::obs::Flags;

/// Below this count a rate is unstable and gets a `small_count` caveat.
pub const SMALL_COUNT: u64 = 10;

/// The kinds of caveat. The serialised names (`crude_comparison`, ...) are stable: tables,
/// exports and tests key on them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CaveatCode {
    /// A comparison of groups that is not standardised for age and sex.
    CrudeComparison,
    /// A comparison across countries of police, prosecution or prison figures.
    CrossCountryComparison,
    /// Numerator and denominator, or the two sides of a comparison, define the group on
    /// different bases (citizenship, country of birth, migration background).
    BasisMismatch,
    /// The caller stated that the groups differ at the edges ([`EdgeNote`]).
    GroupEdges,
    /// The counts include immigration-law offences, which only foreigners can commit.
    ImmigrationLawOffencesIncluded,
    /// The interval covers counting noise only. On every result with an interval.
    CountingNoiseOnly,
    /// A count below [`SMALL_COUNT`].
    SmallCount,
    /// Some inputs carry observation flags (estimated, provisional, break, ...).
    FlaggedValues,
    /// A trend window contains a break in series (flag `b`).
    SeriesBreak,
    /// A Eurostat-style "per 100,000 inhabitants" figure for a subgroup: it divides by the
    /// whole population and is not a rate for the group.
    WholePopulationDenominator,
    /// The two sides of a comparison are for different periods.
    DifferentPeriods,
    /// A trend's year-to-year variation exceeds counting noise (Pearson dispersion > 1).
    Overdispersed,
    /// A trend of counts without a population offset.
    CountNotRate,
}

impl CaveatCode {
    /// The stable code as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            CaveatCode::CrudeComparison => "crude_comparison",
            CaveatCode::CrossCountryComparison => "cross_country_comparison",
            CaveatCode::BasisMismatch => "basis_mismatch",
            CaveatCode::GroupEdges => "group_edges",
            CaveatCode::ImmigrationLawOffencesIncluded => "immigration_law_offences_included",
            CaveatCode::CountingNoiseOnly => "counting_noise_only",
            CaveatCode::SmallCount => "small_count",
            CaveatCode::FlaggedValues => "flagged_values",
            CaveatCode::SeriesBreak => "series_break",
            CaveatCode::WholePopulationDenominator => "whole_population_denominator",
            CaveatCode::DifferentPeriods => "different_periods",
            CaveatCode::Overdispersed => "overdispersed",
            CaveatCode::CountNotRate => "count_not_rate",
        }
    }
}

/// One caveat: a stable code and the sentence a reader sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Caveat {
    pub code: CaveatCode,
    pub text: String,
}

impl Caveat {
    pub fn new(code: CaveatCode, text: impl Into<String>) -> Caveat {
        Caveat {
            code,
            text: text.into(),
        }
    }

    pub fn crude_comparison() -> Caveat {
        Caveat::new(
            CaveatCode::CrudeComparison,
            "Crude comparison: the groups are not standardised for age and sex (nor income or \
             education). A group with more young men has a higher crude rate for that reason \
             alone; standardisation often shrinks such gaps considerably (in Bra 2021:9 by \
             roughly 30-47%).",
        )
    }

    pub fn cross_country(a: &str, b: &str) -> Caveat {
        Caveat::new(
            CaveatCode::CrossCountryComparison,
            format!(
                "Compares different countries ({a} and {b}). Police-recorded crime (and \
                 prosecution and prison figures) is not comparable across countries without \
                 qualification: legal definitions, counting rules, recording practice and \
                 reporting behaviour differ."
            ),
        )
    }

    pub fn basis_mismatch(a: &str, basis_a: Basis, b: &str, basis_b: Basis) -> Caveat {
        Caveat::new(
            CaveatCode::BasisMismatch,
            format!(
                "Different bases: {a} is defined by {}, {b} by {}. These are not the same \
                 people (a naturalised citizen born abroad is foreign-born but not foreign).",
                basis_a.label(),
                basis_b.label()
            ),
        )
    }

    pub fn immigration_law_offences() -> Caveat {
        Caveat::new(
            CaveatCode::ImmigrationLawOffencesIncluded,
            "Includes immigration-law offences, which only foreign nationals can commit. Compare \
             crime rates without them (German PKS: key 890000 is all offences excluding them, \
             key 725000 is them alone).",
        )
    }

    pub fn counting_noise_only() -> Caveat {
        Caveat::new(
            CaveatCode::CountingNoiseOnly,
            "The 95% interval covers counting noise only, not differences in definitions, \
             recording practice, coverage or the accuracy of the denominator.",
        )
    }

    pub fn small_count(what: &str, k: u64) -> Caveat {
        Caveat::new(
            CaveatCode::SmallCount,
            format!(
                "Small count: {what} is {k} (under {SMALL_COUNT}). The figure is unstable from \
                 year to year and its interval is wide."
            ),
        )
    }

    pub fn series_break(periods: &[String]) -> Caveat {
        Caveat::new(
            CaveatCode::SeriesBreak,
            format!(
                "Break in series (flag b) in {}: values before and after the break may not be \
                 comparable, and the trend spans it.",
                periods.join(", ")
            ),
        )
    }

    pub fn whole_population(group: &str) -> Caveat {
        Caveat::new(
            CaveatCode::WholePopulationDenominator,
            format!(
                "Per 100,000 inhabitants of the whole population: the count for {group} is \
                 divided by all inhabitants, not by the population of {group}. This is not a \
                 rate for the group and cannot be compared with one."
            ),
        )
    }

    pub fn different_periods(a: &str, b: &str) -> Caveat {
        Caveat::new(
            CaveatCode::DifferentPeriods,
            format!("The two sides are for different periods ({a} and {b})."),
        )
    }

    pub fn overdispersed(phi: f64) -> Caveat {
        Caveat::new(
            CaveatCode::Overdispersed,
            format!(
                "The counts vary from year to year {phi:.1} times as much as counting noise alone \
                 would make them (Pearson dispersion). The quasi-Poisson interval is widened \
                 accordingly; the plain Poisson interval is too narrow to quote."
            ),
        )
    }

    pub fn count_not_rate() -> Caveat {
        Caveat::new(
            CaveatCode::CountNotRate,
            "Trend of counts, not of rates: changes in the size of the population are not taken \
             into account.",
        )
    }

    /// A `flagged_values` caveat naming each flag and the inputs that carry it, or `None` when
    /// no input is flagged.
    pub fn flagged(inputs: &[&Operand]) -> Option<Caveat> {
        let all = inputs
            .iter()
            .fold(Flags::none(), |acc, op| acc.union(&op.flags));
        if all.is_empty() {
            return None;
        }
        let parts: Vec<String> = all
            .letters()
            .map(|f| {
                let mut carriers: Vec<String> = inputs
                    .iter()
                    .filter(|op| op.flags.contains(f))
                    .map(|op| op.describe())
                    .collect();
                carriers.dedup();
                format!("{f} ({}) in {}", flag_meaning(f), carriers.join("; "))
            })
            .collect();
        Some(Caveat::new(
            CaveatCode::FlaggedValues,
            format!("Flagged inputs: {}.", parts.join("; ")),
        ))
    }
}

/// What an observation flag means (Eurostat's list, legacy letters included).
pub fn flag_meaning(flag: char) -> &'static str {
    match flag {
        'b' => "break in series",
        'c' => "confidential",
        'd' => "definition differs",
        'e' => "estimated",
        'f' => "forecast",
        'i' => "see metadata",
        'n' => "not significant",
        'p' => "provisional",
        'r' => "revised",
        's' => "Eurostat estimate",
        'u' => "low reliability",
        'z' => "not applicable",
        _ => "flag without a known meaning",
    }
}

/// A difference at the edges between two groups that are compared or divided, stated by the
/// caller, who knows the sources: prisoners "Foreign country" vs population "Foreign country and
/// stateless"; police suspects, who include people not resident at all, vs registered
/// residents. Each note becomes a `group_edges` caveat on the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeNote {
    pub text: String,
}

impl EdgeNote {
    /// A note in the caller's own words.
    pub fn new(text: impl Into<String>) -> EdgeNote {
        EdgeNote { text: text.into() }
    }

    /// The numerator's group label and the denominator's differ, e.g. `("Foreign country",
    /// "Foreign country and stateless")`.
    pub fn labels_differ(numerator_group: &str, denominator_group: &str) -> EdgeNote {
        EdgeNote::new(format!(
            "The groups differ at the edges: the count is for \"{numerator_group}\", the \
             population for \"{denominator_group}\"."
        ))
    }

    /// Police suspects include people who are not resident (visitors, commuters, people in
    /// transit), whom a register of residents does not count.
    pub fn suspects_include_non_residents() -> EdgeNote {
        EdgeNote::new(
            "Suspects include people who are not resident in the country (visitors, commuters, \
             people in transit or without residence), whom the register of residents used as \
             denominator does not count: the rate is overstated by an unknown amount.",
        )
    }

    pub fn caveat(&self) -> Caveat {
        Caveat::new(CaveatCode::GroupEdges, self.text.clone())
    }
}

/// What the caller knows about its inputs that the numbers cannot tell: edge differences
/// between the groups, and whether the counts include immigration-law offences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    pub edges: Vec<EdgeNote>,
    pub immigration_law_offences_included: bool,
}

impl Notes {
    pub fn none() -> Notes {
        Notes::default()
    }

    pub fn with_edge(mut self, note: EdgeNote) -> Notes {
        self.edges.push(note);
        self
    }

    pub fn with_immigration_law_offences(mut self) -> Notes {
        self.immigration_law_offences_included = true;
        self
    }

    /// The caveats these notes stand for.
    pub(crate) fn caveats(&self) -> Vec<Caveat> {
        let mut out: Vec<Caveat> = self.edges.iter().map(EdgeNote::caveat).collect();
        if self.immigration_law_offences_included {
            out.push(Caveat::immigration_law_offences());
        }
        out
    }
}

/// Adds `c` unless an equal caveat is already there.
pub(crate) fn push_unique(list: &mut Vec<Caveat>, c: Caveat) {
    if !list.contains(&c) {
        list.push(c);
    }
}

/// The basis mismatch caveat when both sides split by a basis and the bases differ ("all
/// persons" on either side is a total, not a different basis).
pub(crate) fn basis_caveat(a: &Operand, b: &Operand) -> Option<Caveat> {
    let (ba, bb) = (a.group.basis, b.group.basis);
    if ba == bb || ba == Basis::AllPersons || bb == Basis::AllPersons {
        return None;
    }
    Some(Caveat::basis_mismatch(&a.label, ba, &b.label, bb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::Group;

    #[test]
    fn codes_are_stable_snake_case() {
        let all = [
            CaveatCode::CrudeComparison,
            CaveatCode::CrossCountryComparison,
            CaveatCode::BasisMismatch,
            CaveatCode::GroupEdges,
            CaveatCode::ImmigrationLawOffencesIncluded,
            CaveatCode::CountingNoiseOnly,
            CaveatCode::SmallCount,
            CaveatCode::FlaggedValues,
            CaveatCode::SeriesBreak,
            CaveatCode::WholePopulationDenominator,
            CaveatCode::DifferentPeriods,
            CaveatCode::Overdispersed,
            CaveatCode::CountNotRate,
        ];
        for code in all {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        let c = serde_json::to_value(Caveat::counting_noise_only()).unwrap();
        assert_eq!(c["code"], "counting_noise_only");
    }

    #[test]
    fn flag_caveat_names_flags_and_carriers() {
        let g = Group::all_persons();
        let a = Operand::new("prisoners", Some(1.0), g.clone(), "SE", "2022")
            .with_flags(Flags::parse("ep").unwrap());
        let b = Operand::new("population", Some(1.0), g, "SE", "2022");
        let c = Caveat::flagged(&[&a, &b]).unwrap();
        assert_eq!(c.code, CaveatCode::FlaggedValues);
        assert!(
            c.text.contains("e (estimated) in prisoners (SE 2022)"),
            "{}",
            c.text
        );
        assert!(c.text.contains("p (provisional)"), "{}", c.text);
        assert!(!c.text.contains("population"), "{}", c.text);
        assert!(Caveat::flagged(&[&b]).is_none());
    }
}
