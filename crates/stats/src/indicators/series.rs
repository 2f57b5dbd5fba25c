//! A trend over a window of years, built from described operands: the fitted Poisson trend
//! ([`poisson_trend`]), the simple first-to-last change, the flags of every input, breaks, and
//! the caveats that apply.

use serde::{Deserialize, Serialize};

use super::caveats::{Caveat, Notes, SMALL_COUNT, basis_caveat, push_unique};
use super::rates::{check_groups, same_place_and_time};
use super::trend::{SimpleChange, TrendFit, first_to_last, poisson_trend};
use super::{Operand, Refusal, RefusalCode};
use crate::obs::Flags;

/// One year of a trend window: the count and, for a trend of rates, the population it is
/// divided by (of the same group, geography and year). Without exposure the trend is one of
/// counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrendPoint {
    pub count: Operand,
    pub exposure: Option<Operand>,
}

/// Whether the trend is of rates (with a population offset) or of bare counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrendKind {
    Rate,
    Count,
}

/// A trend over consecutive years with everything needed to show it honestly.
///
/// `fit.quasi_interval` is the interval to quote; `fit.poisson_interval` is kept to show how
/// much narrower counting noise alone would make it. `first_to_last` is `None` when the first
/// year's count is 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrendResult {
    pub kind: TrendKind,
    /// The label of the counted series (from the first point).
    pub label: String,
    pub geo: String,
    /// The years of the window, oldest first.
    pub periods: Vec<String>,
    pub fit: TrendFit,
    pub first_to_last: Option<SimpleChange>,
    /// Union of the flags of every count and exposure in the window.
    pub flags: Flags,
    /// True when any input in the window is flagged `b` (break in series).
    pub has_break: bool,
    /// The years whose count or exposure is flagged `b`.
    pub break_periods: Vec<String>,
    /// The inputs, oldest first, for the report's manifest.
    pub points: Vec<TrendPoint>,
    pub caveats: Vec<Caveat>,
}

fn year_of(op: &Operand) -> Result<i32, Refusal> {
    op.period.trim().parse::<i32>().map_err(|_| {
        Refusal::new(
            RefusalCode::NotConsecutiveYears,
            format!(
                "{}: the period {:?} is not a year",
                op.describe(),
                op.period
            ),
        )
    })
}

/// The trend of a yearly series over a window of consecutive years.
///
/// The points may come in any order; they are sorted by year. Refuses (with a reason): fewer
/// than 3 points; periods that are not consecutive years; points of different geographies or
/// groups; an exposure on some points but not others, of another geography or year than its
/// count, or of a group that [`rate`](super::rate) would refuse as its denominator; missing, negative or non-finite counts; missing or non-positive exposures; an
/// all-zero series; a fit that does not converge.
///
/// Caveats: `counting_noise_only`; `overdispersed` when the Pearson dispersion exceeds 1;
/// `series_break` when an input is flagged `b`; `small_count` when a year's count is below 10;
/// `count_not_rate` without exposures; `basis_mismatch` when counts and exposures split by
/// different bases; notes; `flagged_values`.
pub fn trend(points: &[TrendPoint], notes: &Notes) -> Result<TrendResult, Refusal> {
    if points.len() < 3 {
        return Err(Refusal::new(
            RefusalCode::TooFewPoints,
            format!("a trend needs at least 3 years; got {}", points.len()),
        ));
    }
    let mut sorted: Vec<(i32, &TrendPoint)> = Vec::with_capacity(points.len());
    for p in points {
        sorted.push((year_of(&p.count)?, p));
    }
    sorted.sort_by_key(|(y, _)| *y);
    for pair in sorted.windows(2) {
        let ((y0, p0), (y1, p1)) = (pair[0], pair[1]);
        if y1 != y0 + 1 {
            return Err(Refusal::new(
                RefusalCode::NotConsecutiveYears,
                format!(
                    "the window is not consecutive years: {} is followed by {}",
                    p0.count.period, p1.count.period
                ),
            ));
        }
    }
    let first = &sorted[0].1.count;
    let with_exposure = sorted[0].1.exposure.is_some();
    let mut counts = Vec::with_capacity(sorted.len());
    let mut exposure = Vec::with_capacity(sorted.len());
    let mut inputs: Vec<&Operand> = Vec::new();
    let mut input_caveats: Vec<Caveat> = Vec::new();
    for (_, p) in &sorted {
        let c = &p.count;
        if !c.geo.trim().eq_ignore_ascii_case(first.geo.trim()) {
            return Err(Refusal::new(
                RefusalCode::GeographyMismatch,
                format!(
                    "{} is not for {} like the rest of the window",
                    c.describe(),
                    first.geo
                ),
            ));
        }
        if !c.group.same_as(&first.group) {
            return Err(Refusal::new(
                RefusalCode::GroupMismatch,
                format!(
                    "{} counts group {}, the rest of the window group {}",
                    c.describe(),
                    c.group.code,
                    first.group.code
                ),
            ));
        }
        counts.push(c.present_value()?);
        inputs.push(c);
        match (&p.exposure, with_exposure) {
            (Some(e), true) => {
                same_place_and_time(c, e)?;
                check_groups(c, e, notes)?;
                if let Some(cv) = basis_caveat(c, e) {
                    push_unique(&mut input_caveats, cv);
                }
                exposure.push(e.positive(RefusalCode::NonPositiveExposure)?);
                inputs.push(e);
            }
            (None, false) => exposure.push(1.0),
            _ => {
                return Err(Refusal::new(
                    RefusalCode::LengthMismatch,
                    format!(
                        "{} has {} population while {} has {}: a window is all rates or all counts",
                        c.describe(),
                        if p.exposure.is_some() { "a" } else { "no" },
                        first.describe(),
                        if with_exposure { "one" } else { "none" }
                    ),
                ));
            }
        }
    }

    let fit = poisson_trend(&counts, &exposure)?;
    let first_to_last = first_to_last(&counts, &exposure).ok();

    let flags = inputs
        .iter()
        .fold(Flags::none(), |acc, op| acc.union(&op.flags));
    let periods: Vec<String> = sorted.iter().map(|(_, p)| p.count.period.clone()).collect();
    let mut break_periods: Vec<String> = sorted
        .iter()
        .filter(|(_, p)| {
            p.count.flags.contains('b')
                || p.exposure.as_ref().is_some_and(|e| e.flags.contains('b'))
        })
        .map(|(_, p)| p.count.period.clone())
        .collect();
    break_periods.dedup();

    let mut caveats = vec![Caveat::counting_noise_only()];
    if fit.phi > 1.0 {
        caveats.push(Caveat::overdispersed(fit.phi));
    }
    if !break_periods.is_empty() {
        caveats.push(Caveat::series_break(&break_periods));
    }
    let smallest = counts.iter().copied().fold(f64::INFINITY, f64::min);
    if smallest < SMALL_COUNT as f64 {
        caveats.push(Caveat::small_count(
            &format!("the smallest yearly count of {}", first.label),
            smallest as u64,
        ));
    }
    if !with_exposure {
        caveats.push(Caveat::count_not_rate());
    }
    caveats.extend(input_caveats);
    for c in notes.caveats() {
        push_unique(&mut caveats, c);
    }
    if let Some(c) = Caveat::flagged(&inputs) {
        caveats.push(c);
    }
    Ok(TrendResult {
        kind: if with_exposure {
            TrendKind::Rate
        } else {
            TrendKind::Count
        },
        label: first.label.clone(),
        geo: first.geo.clone(),
        periods,
        fit,
        first_to_last,
        has_break: !break_periods.is_empty(),
        break_periods,
        flags,
        points: sorted.iter().map(|(_, p)| (*p).clone()).collect(),
        caveats,
    })
}
