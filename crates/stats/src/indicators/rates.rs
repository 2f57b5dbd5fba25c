//! Rates, shares and rate ratios built from described operands, each carrying its inputs,
//! flags, interval, unit and caveats.

use serde::{Deserialize, Serialize};

use super::caveats::{Caveat, Notes, SMALL_COUNT, basis_caveat, push_unique};
use super::intervals::{Interval, garwood, rate_ratio, wilson};
use super::{Basis, Operand, Refusal, RefusalCode};
use crate::obs::Flags;

/// The scale of every rate here: per 100,000.
pub const PER_100K: u32 = 100_000;

/// What a "per 100,000" figure divides by. Serialised in every rate so that a group rate and a
/// whole-population figure can never be mistaken for each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RateKind {
    /// Count of a group divided by the population of the same group, country and year.
    GroupRate,
    /// Count of a (sub)group divided by the whole population (Eurostat's `P_HTHAB`).
    WholePopulation,
}

/// A rate per 100,000 of the same group: `count / denominator · per`, with the Garwood exact
/// interval of the count scaled the same way.
///
/// Carries both operands (with their observation ids, flags, sources and the denominator's
/// reference date), the union of their flags and every caveat that applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rate {
    /// Always [`RateKind::GroupRate`].
    pub kind: RateKind,
    pub value: f64,
    /// The scale: 100,000.
    pub per: u32,
    /// "per 100,000 population of the same group (Foreign country)".
    pub per_label: String,
    pub interval: Interval,
    /// The numerator as a whole count.
    pub count: u64,
    pub denominator_value: f64,
    /// The numerator group's basis.
    pub basis: Basis,
    pub geo: String,
    pub period: String,
    /// The day the denominator refers to ("2022-01-01"), shown beside the rate.
    pub denominator_reference_date: Option<String>,
    pub numerator: Operand,
    pub denominator: Operand,
    /// Union of the operands' flags.
    pub flags: Flags,
    pub caveats: Vec<Caveat>,
}

/// A subgroup count per 100,000 inhabitants of the **whole** population, as Eurostat publishes
/// it (`unit = P_HTHAB`, e.g. foreign prisoners per 100,000 inhabitants). It is a separate type
/// with `kind = whole_population` and the label "per 100,000 inhabitants (whole population)"
/// so that it cannot be presented as the group's own rate, and it has no conversion into a
/// [`Rate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WholePopulationRate {
    /// Always [`RateKind::WholePopulation`].
    pub kind: RateKind,
    pub value: f64,
    pub per: u32,
    /// Always "per 100,000 inhabitants (whole population)".
    pub per_label: String,
    /// The Garwood interval when computed from a count; `None` for a published value.
    pub interval: Option<Interval>,
    /// The operand the value was published as or computed from.
    pub numerator: Operand,
    /// The whole population, when computed here.
    pub population: Option<Operand>,
    pub flags: Flags,
    pub caveats: Vec<Caveat>,
}

/// The label of every [`WholePopulationRate`].
pub const WHOLE_POPULATION_LABEL: &str = "per 100,000 inhabitants (whole population)";

/// A share of a whole (e.g. foreign prisoners of all prisoners) with its Wilson interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Share {
    /// part / whole, between 0 and 1.
    pub value: f64,
    /// The same in percent, for display.
    pub percent: f64,
    pub interval: Interval,
    pub part: Operand,
    pub whole: Operand,
    pub part_count: u64,
    pub whole_count: u64,
    pub geo: String,
    pub period: String,
    pub flags: Flags,
    pub caveats: Vec<Caveat>,
}

/// The ratio of two group rates, `a / b`, with the log-normal interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateRatio {
    pub value: f64,
    pub interval: Interval,
    pub a: Rate,
    pub b: Rate,
    pub flags: Flags,
    /// The comparison's own caveats (crude, cross-country, basis, periods) followed by those of
    /// both sides, without repeats.
    pub caveats: Vec<Caveat>,
}

pub(crate) fn same_place_and_time(a: &Operand, b: &Operand) -> Result<(), Refusal> {
    if !a.geo.trim().eq_ignore_ascii_case(b.geo.trim()) {
        return Err(Refusal::new(
            RefusalCode::GeographyMismatch,
            format!(
                "{} and {} are for different geographies",
                a.describe(),
                b.describe()
            ),
        ));
    }
    if a.period.trim() != b.period.trim() {
        return Err(Refusal::new(
            RefusalCode::PeriodMismatch,
            format!(
                "{} and {} are for different periods",
                a.describe(),
                b.describe()
            ),
        ));
    }
    Ok(())
}

/// Whether `denominator` may divide `numerator` as a group rate (or exposure):
/// - a subgroup over the whole population is refused (`whole_population_denominator`);
/// - the whole count over a subgroup's population is refused (`group_mismatch`);
/// - the same basis with different group codes is refused (`group_mismatch`) unless the
///   caller stated in `notes` how the groups differ at the edges;
/// - different bases (citizenship vs country of birth vs migration background) are allowed and
///   get a `basis_mismatch` caveat from the caller of this check.
pub(crate) fn check_groups(
    numerator: &Operand,
    denominator: &Operand,
    notes: &Notes,
) -> Result<(), Refusal> {
    let (nb, db) = (numerator.group.basis, denominator.group.basis);
    if db == Basis::AllPersons && nb != Basis::AllPersons {
        return Err(Refusal::new(
            RefusalCode::WholePopulationDenominator,
            format!(
                "{} is a group count and {} the whole population: that is not a rate for the \
                 group (use per_inhabitants for a whole-population figure, or the group's own \
                 population)",
                numerator.describe(),
                denominator.describe()
            ),
        ));
    }
    let codes_differ = !numerator
        .group
        .code
        .trim()
        .eq_ignore_ascii_case(denominator.group.code.trim());
    let unexplained = nb == db && codes_differ && notes.edges.is_empty();
    if (nb == Basis::AllPersons && db != Basis::AllPersons) || unexplained {
        return Err(Refusal::new(
            RefusalCode::GroupMismatch,
            format!(
                "{} counts group {} ({}) but {} is group {} ({}); if they are the same group, \
                 state how they differ at the edges with an EdgeNote",
                numerator.describe(),
                numerator.group.code,
                numerator.group.label,
                denominator.describe(),
                denominator.group.code,
                denominator.group.label
            ),
        ));
    }
    Ok(())
}

/// A rate per 100,000 of the same group: the numerator's count divided by the population of
/// the same group, country and year.
///
/// Refuses (never a zero):
/// - no denominator, a missing, zero or negative denominator, a numerator that is missing,
///   negative or not a whole count;
/// - numerator and denominator for different geographies or periods;
/// - a subgroup numerator over a whole-population denominator (use [`per_inhabitants`]), and a
///   whole count over a subgroup's population;
/// - groups of the same basis with different codes unless `notes` states how they differ at
///   the edges (an [`EdgeNote`](super::EdgeNote)): then the rate is given with that caveat.
///   Groups on different bases are divided, with a `basis_mismatch` caveat.
///
/// Caveats: `counting_noise_only` always; `small_count` below 10; `basis_mismatch` when the
/// two operands split by different bases; `group_edges` and `immigration_law_offences_included`
/// from `notes`; `flagged_values` when an operand is flagged.
pub fn rate(
    numerator: &Operand,
    denominator: Option<&Operand>,
    notes: &Notes,
) -> Result<Rate, Refusal> {
    let Some(denominator) = denominator else {
        return Err(Refusal::new(
            RefusalCode::NoDenominator,
            format!(
                "no population for the group of {}: no denominator, no rate",
                numerator.describe()
            ),
        ));
    };
    same_place_and_time(numerator, denominator)?;
    check_groups(numerator, denominator, notes)?;
    let count = numerator.count()?;
    let d = denominator.positive(RefusalCode::ZeroDenominator)?;
    let factor = f64::from(PER_100K) / d;
    let interval = garwood(count)?.scaled(factor);

    let mut caveats = vec![Caveat::counting_noise_only()];
    if count < SMALL_COUNT {
        caveats.push(Caveat::small_count(&numerator.describe(), count));
    }
    if let Some(c) = basis_caveat(numerator, denominator) {
        caveats.push(c);
    }
    for c in notes.caveats() {
        push_unique(&mut caveats, c);
    }
    if let Some(c) = Caveat::flagged(&[numerator, denominator]) {
        caveats.push(c);
    }
    Ok(Rate {
        kind: RateKind::GroupRate,
        value: count as f64 * factor,
        per: PER_100K,
        per_label: format!(
            "per 100,000 population of the same group ({})",
            denominator.group.label
        ),
        interval,
        count,
        denominator_value: d,
        basis: numerator.group.basis,
        geo: numerator.geo.clone(),
        period: numerator.period.clone(),
        denominator_reference_date: denominator.reference_date.clone(),
        numerator: numerator.clone(),
        denominator: denominator.clone(),
        flags: numerator.flags.union(&denominator.flags),
        caveats,
    })
}

/// A count per 100,000 inhabitants of the whole population, computed here: Eurostat's
/// `P_HTHAB` done from the counts, with its Garwood interval. For a subgroup numerator the
/// result carries the `whole_population_denominator` caveat; it is never a group rate.
///
/// `population` must be the whole population (basis [`Basis::AllPersons`]) of the same
/// geography and period.
pub fn per_inhabitants(
    numerator: &Operand,
    population: &Operand,
    notes: &Notes,
) -> Result<WholePopulationRate, Refusal> {
    same_place_and_time(numerator, population)?;
    if population.group.basis != Basis::AllPersons {
        return Err(Refusal::new(
            RefusalCode::GroupMismatch,
            format!(
                "{} is not the whole population (group {}); use rate() for a group rate",
                population.describe(),
                population.group.label
            ),
        ));
    }
    let count = numerator.count()?;
    let d = population.positive(RefusalCode::ZeroDenominator)?;
    let factor = f64::from(PER_100K) / d;
    let mut caveats = vec![Caveat::counting_noise_only()];
    if count < SMALL_COUNT {
        caveats.push(Caveat::small_count(&numerator.describe(), count));
    }
    whole_population_caveats(numerator, &[numerator, population], notes, &mut caveats);
    Ok(WholePopulationRate {
        kind: RateKind::WholePopulation,
        value: count as f64 * factor,
        per: PER_100K,
        per_label: WHOLE_POPULATION_LABEL.to_string(),
        interval: Some(garwood(count)?.scaled(factor)),
        numerator: numerator.clone(),
        population: Some(population.clone()),
        flags: numerator.flags.union(&population.flags),
        caveats,
    })
}

/// Labels a published per-100,000-inhabitants value (Eurostat `unit = P_HTHAB`) for what it
/// is: the operand's `value` is the published figure, not a count. Without the count there is
/// no interval. For a subgroup it carries the `whole_population_denominator` caveat.
pub fn published_per_inhabitants(
    published: &Operand,
    notes: &Notes,
) -> Result<WholePopulationRate, Refusal> {
    let value = published.value.ok_or_else(|| {
        Refusal::new(
            RefusalCode::MissingValue,
            format!("{} is missing", published.describe()),
        )
    })?;
    if !(value.is_finite() && value >= 0.0) {
        return Err(Refusal::new(
            RefusalCode::NotFinite,
            format!("{} is {value}, not a rate", published.describe()),
        ));
    }
    let mut caveats = Vec::new();
    whole_population_caveats(published, &[published], notes, &mut caveats);
    Ok(WholePopulationRate {
        kind: RateKind::WholePopulation,
        value,
        per: PER_100K,
        per_label: WHOLE_POPULATION_LABEL.to_string(),
        interval: None,
        numerator: published.clone(),
        population: None,
        flags: published.flags.clone(),
        caveats,
    })
}

fn whole_population_caveats(
    numerator: &Operand,
    inputs: &[&Operand],
    notes: &Notes,
    caveats: &mut Vec<Caveat>,
) {
    if numerator.group.basis != Basis::AllPersons {
        caveats.push(Caveat::whole_population(&numerator.group.label));
    }
    for c in notes.caveats() {
        push_unique(caveats, c);
    }
    if let Some(c) = Caveat::flagged(inputs) {
        caveats.push(c);
    }
}

/// The share `part / whole` (e.g. foreign prisoners of all prisoners) with its Wilson 95%
/// interval.
///
/// Refuses a missing or non-whole count, a whole of 0, a part larger than the whole, and
/// operands for different geographies or periods. Caveats: `counting_noise_only`;
/// `small_count` when the part, or the rest of the whole, is below 10; notes; flags.
pub fn share(part: &Operand, whole: &Operand, notes: &Notes) -> Result<Share, Refusal> {
    same_place_and_time(part, whole)?;
    let x = part.count()?;
    let n = whole.count()?;
    if n == 0 {
        return Err(Refusal::new(
            RefusalCode::ZeroDenominator,
            format!("{} is 0: a share of nothing has no value", whole.describe()),
        ));
    }
    if x > n {
        return Err(Refusal::new(
            RefusalCode::PartExceedsWhole,
            format!(
                "{} ({x}) is larger than {} ({n})",
                part.describe(),
                whole.describe()
            ),
        ));
    }
    let interval = wilson(x, n)?;
    let value = x as f64 / n as f64;
    let mut caveats = vec![Caveat::counting_noise_only()];
    if x < SMALL_COUNT {
        caveats.push(Caveat::small_count(&part.describe(), x));
    }
    if n - x < SMALL_COUNT {
        caveats.push(Caveat::small_count(
            &format!("the rest of {} (not {})", whole.describe(), part.label),
            n - x,
        ));
    }
    for c in notes.caveats() {
        push_unique(&mut caveats, c);
    }
    if let Some(c) = Caveat::flagged(&[part, whole]) {
        caveats.push(c);
    }
    Ok(Share {
        value,
        percent: 100.0 * value,
        interval,
        part: part.clone(),
        whole: whole.clone(),
        part_count: x,
        whole_count: n,
        geo: part.geo.clone(),
        period: part.period.clone(),
        flags: part.flags.union(&whole.flags),
        caveats,
    })
}

/// The ratio `a / b` of two group rates with the log-normal 95% interval
/// exp(ln RR ± z · sqrt(1/k_a + 1/k_b)).
///
/// Refuses a zero count on either side and rates on different scales. Every rate ratio is a
/// crude comparison and says so; it also says when the two sides are different countries,
/// different bases or different periods, adds the caller's notes, and repeats each side's own
/// caveats (without duplicates).
pub fn rate_ratio_between(a: &Rate, b: &Rate, notes: &Notes) -> Result<RateRatio, Refusal> {
    if a.per != b.per {
        return Err(Refusal::new(
            RefusalCode::DifferentScales,
            format!("one rate is per {}, the other per {}", a.per, b.per),
        ));
    }
    let estimate =
        rate_ratio(a.count, a.denominator_value, b.count, b.denominator_value).map_err(|r| {
            Refusal::new(
                r.code,
                format!(
                    "{} / {}: {}",
                    a.numerator.label, b.numerator.label, r.message
                ),
            )
        })?;

    let mut caveats = vec![Caveat::counting_noise_only(), Caveat::crude_comparison()];
    if !a.geo.trim().eq_ignore_ascii_case(b.geo.trim()) {
        caveats.push(Caveat::cross_country(&a.geo, &b.geo));
    }
    if let Some(c) = basis_caveat(&a.numerator, &b.numerator) {
        caveats.push(c);
    }
    if a.period.trim() != b.period.trim() {
        caveats.push(Caveat::different_periods(&a.period, &b.period));
    }
    for c in notes.caveats() {
        push_unique(&mut caveats, c);
    }
    for c in a.caveats.iter().chain(&b.caveats) {
        push_unique(&mut caveats, c.clone());
    }
    Ok(RateRatio {
        value: estimate.value,
        interval: estimate.interval,
        a: a.clone(),
        b: b.clone(),
        flags: a.flags.union(&b.flags),
        caveats,
    })
}
