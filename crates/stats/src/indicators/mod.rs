//! Honest indicators: rates, shares, rate ratios and trends that carry their inputs, their
//! flags, their uncertainty and the caveats that apply to them.
//!
//! Everything here is a pure function of plain values: no IO, no database, no clock. The caller
//! (import or report code) reads stored observations, describes each one as an [`Operand`]
//! (value, flags, group and basis, geography, period, reference date, observation id, label)
//! and asks for an indicator. The answer is either a result that can be shown as it is, or a
//! [`Refusal`] that says why there is no number. There is never a silent zero.
//!
//! Layers:
//!
//! - [`intervals`]: the interval arithmetic on bare numbers (Garwood exact Poisson interval for
//!   a count, Wilson interval for a share, log-normal interval for a rate ratio).
//! - [`trend`](mod@trend): Poisson regression of counts on years with a log link and an exposure offset,
//!   fitted by iteratively reweighted least squares, with a quasi-Poisson interval.
//! - [`caveats`]: caveats as data (a stable snake_case code and an English text), and the
//!   caller's [`Notes`] (group edges that differ, immigration-law offences included).
//! - [`rates`] and [`series`]: the results a report shows ([`Rate`], [`WholePopulationRate`],
//!   [`Share`], [`RateRatio`], [`TrendResult`]). Each carries its operands (so the report's
//!   manifest can list the observations used), the union of their flags, the interval and its
//!   method, the unit (`per`), and every caveat that applies.
//!
//! The rules these functions enforce are those of `shared/domain/statistics.md` ("Rules for
//! honest numbers"): no denominator, no rate; the basis is explicit; uncertainty is shown and
//! said to cover counting noise only; flags and breaks travel; crude and cross-country
//! comparisons say so; a Eurostat "per 100,000 inhabitants" figure for a subgroup is never a
//! group rate.

pub mod caveats;
pub mod intervals;
pub mod rates;
pub mod series;
pub mod trend;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::obs::Flags;

pub use caveats::{Caveat, CaveatCode, EdgeNote, Notes, SMALL_COUNT, flag_meaning};
pub use intervals::{Estimate, Interval, IntervalMethod, Z95, garwood, rate_ratio, wilson};
pub use rates::{
    PER_100K, Rate, RateKind, RateRatio, Share, WHOLE_POPULATION_LABEL, WholePopulationRate,
    per_inhabitants, published_per_inhabitants, rate, rate_ratio_between, share,
};
pub use series::{TrendKind, TrendPoint, TrendResult, trend};
pub use trend::{SimpleChange, TrendFit, first_to_last, poisson_trend};

/// How membership of a group is defined. Figures on different bases count different people
/// (a naturalised citizen born abroad is foreign-born but not foreign), so they are never put
/// in one comparison without a `basis_mismatch` caveat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// By citizenship (nationality), e.g. Eurostat `citizen` FOR / NAT, German "Nichtdeutsche".
    Citizenship,
    /// By country of birth, e.g. Eurostat `c_birth`, Bra's "född i".
    CountryOfBirth,
    /// By migration background (own or parents' birth abroad), e.g. Destatis, Bra's parents.
    MigrationBackground,
    /// Everybody: the total of a population or of a count, no group split.
    AllPersons,
}

impl Basis {
    /// The English name shown in labels and caveats.
    pub fn label(self) -> &'static str {
        match self {
            Basis::Citizenship => "citizenship",
            Basis::CountryOfBirth => "country of birth",
            Basis::MigrationBackground => "migration background",
            Basis::AllPersons => "all persons",
        }
    }
}

/// The group an operand measures: a code (from the vocabulary, e.g. `FOR`, `TOTAL`), a human
/// label ("Foreign country", "Foreign country and stateless") and the basis of membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Group {
    pub code: String,
    pub label: String,
    pub basis: Basis,
}

impl Group {
    pub fn new(code: impl Into<String>, label: impl Into<String>, basis: Basis) -> Group {
        Group {
            code: code.into(),
            label: label.into(),
            basis,
        }
    }

    /// Everybody (`TOTAL`), the group of a whole population or an unsplit count.
    pub fn all_persons() -> Group {
        Group::new("TOTAL", "all persons", Basis::AllPersons)
    }

    /// True when both name the same group: same code (ignoring case) and basis.
    pub fn same_as(&self, other: &Group) -> bool {
        self.basis == other.basis && self.code.eq_ignore_ascii_case(&other.code)
    }
}

/// One input value of an indicator, described well enough to be shown, checked and cited.
///
/// The caller fills it from a stored observation: `value` is `None` where the source says
/// missing (`:`), `flags` are the observation's flags as stored, `reference_date` is the day a
/// stock refers to (Eurostat populations: `"2022-01-01"`; the German foreigners register:
/// `"2025-12-31"`), `observation_id` lets the report's manifest list what it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Operand {
    /// What it is, in words: "prisoners, foreign citizens" or "population on 1 January,
    /// foreign citizens". Labels say which of suspects, prosecutions, convictions or prisoners.
    pub label: String,
    pub value: Option<f64>,
    pub flags: Flags,
    pub group: Group,
    /// Geography code as stored (ISO 3166-1 alpha-2 or a Eurostat `geo` code).
    pub geo: String,
    /// Period as published: `2022`.
    pub period: String,
    /// The day a stock refers to, when known (`2022-01-01`).
    pub reference_date: Option<String>,
    /// Where it comes from: dataset code or table (`crim_pris_ctz`, `PKS T62`).
    pub source: Option<String>,
    pub observation_id: Option<i64>,
}

impl Operand {
    /// An operand with no flags, reference date, source or observation id; fill those in with
    /// the struct fields or the `with_*` methods.
    pub fn new(
        label: impl Into<String>,
        value: Option<f64>,
        group: Group,
        geo: impl Into<String>,
        period: impl Into<String>,
    ) -> Operand {
        Operand {
            label: label.into(),
            value,
            flags: Flags::none(),
            group,
            geo: geo.into(),
            period: period.into(),
            reference_date: None,
            source: None,
            observation_id: None,
        }
    }

    pub fn with_flags(mut self, flags: Flags) -> Operand {
        self.flags = flags;
        self
    }

    pub fn with_reference_date(mut self, date: impl Into<String>) -> Operand {
        self.reference_date = Some(date.into());
        self
    }

    pub fn with_source(mut self, source: impl Into<String>) -> Operand {
        self.source = Some(source.into());
        self
    }

    pub fn with_observation_id(mut self, id: i64) -> Operand {
        self.observation_id = Some(id);
        self
    }

    /// "prisoners, foreign citizens (SE 2022)", for messages.
    pub(crate) fn describe(&self) -> String {
        format!("{} ({} {})", self.label, self.geo, self.period)
    }

    /// The value as a whole, non-negative count (the exact intervals need one).
    pub(crate) fn count(&self) -> Result<u64, Refusal> {
        let v = self.present_value()?;
        if v.fract() != 0.0 || v > MAX_EXACT_COUNT {
            return Err(Refusal::new(
                RefusalCode::NotWholeCount,
                format!("{} is {v}, not a whole count", self.describe()),
            ));
        }
        // A whole number in 0..=2^53: the conversion is exact.
        Ok(v as u64)
    }

    /// The value as a strictly positive denominator or exposure.
    pub(crate) fn positive(&self, code_if_zero: RefusalCode) -> Result<f64, Refusal> {
        let v = self.present_value()?;
        if v == 0.0 {
            return Err(Refusal::new(
                code_if_zero,
                format!("{} is 0: nothing to divide by", self.describe()),
            ));
        }
        Ok(v)
    }

    /// The value, refusing missing, non-finite and negative values.
    pub(crate) fn present_value(&self) -> Result<f64, Refusal> {
        let Some(v) = self.value else {
            let why = if self.flags.contains('c') {
                " (confidential)"
            } else {
                ""
            };
            return Err(Refusal::new(
                RefusalCode::MissingValue,
                format!("{} is missing{why}", self.describe()),
            ));
        };
        if !v.is_finite() {
            return Err(Refusal::new(
                RefusalCode::NotFinite,
                format!("{} is not a finite number", self.describe()),
            ));
        }
        if v < 0.0 {
            return Err(Refusal::new(
                RefusalCode::NegativeValue,
                format!("{} is negative ({v})", self.describe()),
            ));
        }
        Ok(v)
    }
}

/// Counts above 2^53 cannot be told apart in an `f64`.
const MAX_EXACT_COUNT: f64 = 9_007_199_254_740_992.0;

/// Why there is no number. Serialises as `{"code": "no_denominator", "message": "..."}`.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, utoipa::ToSchema,
)]
#[error("{message}")]
pub struct Refusal {
    pub code: RefusalCode,
    /// An English sentence naming the operand and the problem.
    pub message: String,
}

impl Refusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

/// The stable, machine-readable part of a [`Refusal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// A rate was asked for without a denominator.
    NoDenominator,
    /// The denominator is 0.
    ZeroDenominator,
    /// An exposure of a trend is 0 (or negative, see `NegativeValue`).
    NonPositiveExposure,
    /// A value is missing (`:` in the source), possibly confidential.
    MissingValue,
    NegativeValue,
    NotFinite,
    /// An exact interval needs a whole count.
    NotWholeCount,
    /// Numerator and denominator (or the points of a trend) are for different geographies.
    GeographyMismatch,
    /// Numerator and denominator are for different periods.
    PeriodMismatch,
    /// Numerator and denominator measure different groups and the caller stated no edge note.
    GroupMismatch,
    /// A subgroup count over the whole population is not a group rate (see
    /// [`per_inhabitants`]).
    WholePopulationDenominator,
    /// A share whose part is larger than its whole.
    PartExceedsWhole,
    /// A log-scale measure (rate ratio, change from the first value) of a zero count.
    ZeroCount,
    /// Two rates on different scales.
    DifferentScales,
    /// A trend needs at least 3 points.
    TooFewPoints,
    /// Counts and exposures of different lengths.
    LengthMismatch,
    /// A trend's periods are not consecutive years.
    NotConsecutiveYears,
    /// Every count of a trend is zero: there is no slope to estimate.
    AllZero,
    /// The regression did not converge.
    DidNotConverge,
}
