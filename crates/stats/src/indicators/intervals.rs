//! 95% intervals on bare numbers: a Poisson count, a binomial share, a ratio of two rates.
//!
//! All three describe counting noise only: how much a count would vary from year to year if
//! the same underlying rate produced it again. They say nothing about definitions, recording
//! practice or coverage; the results that use them carry a `counting_noise_only` caveat.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{Refusal, RefusalCode};

/// The two-sided 95% normal quantile used throughout (`scipy.stats.norm.ppf(0.975)` to 7
/// digits, as in the reference values).
pub const Z95: f64 = 1.959964;

/// How an interval was computed, so that a table or export can say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    /// Exact Poisson interval for a count (Garwood 1936), from chi-square quantiles.
    GarwoodExact,
    /// Wilson score interval for a binomial proportion.
    Wilson,
    /// Log-normal interval for a ratio of two Poisson rates.
    LogNormal,
    /// Wald interval on a Poisson regression slope, transformed to an annual change.
    Poisson,
    /// The same with the standard error widened by the Pearson dispersion (quasi-Poisson).
    QuasiPoisson,
}

/// A two-sided interval at `level` (always 0.95 here), in the unit of the value it surrounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
    pub level: f64,
    pub method: IntervalMethod,
}

impl Interval {
    fn new(lower: f64, upper: f64, method: IntervalMethod) -> Interval {
        Interval {
            lower,
            upper,
            level: 0.95,
            method,
        }
    }

    /// The interval with both ends multiplied by `factor` (> 0): a count interval becomes a
    /// rate interval by `per / denominator`.
    pub fn scaled(self, factor: f64) -> Interval {
        Interval {
            lower: self.lower * factor,
            upper: self.upper * factor,
            ..self
        }
    }

    /// True when `x` lies within the closed interval.
    pub fn contains(&self, x: f64) -> bool {
        self.lower <= x && x <= self.upper
    }
}

/// A point estimate with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub interval: Interval,
}

/// Exact (Garwood) 95% interval for the mean of a Poisson count `k`.
///
/// lower = chi2.ppf(0.025, 2k) / 2 (0 when k = 0), upper = chi2.ppf(0.975, 2k + 2) / 2.
/// "Exact" means it never covers less than 95%, however small the count (it errs on the wide
/// side). Divide both ends by the denominator (and multiply by 100,000) for a rate interval.
/// For k = 0 the count is still informative: the upper end, 3.69, is what a zero can hide.
///
/// The chi-square quantiles come from `statrs` (agreeing with scipy to at least 4 decimals,
/// see the tests). Refuses only if the quantile cannot be computed (absurdly large counts).
pub fn garwood(k: u64) -> Result<Interval, Refusal> {
    let kf = k as f64;
    let lower = if k == 0 {
        0.0
    } else {
        chi2_quantile(2.0 * kf, 0.025)? / 2.0
    };
    let upper = chi2_quantile(2.0 * kf + 2.0, 0.975)? / 2.0;
    Ok(Interval::new(lower, upper, IntervalMethod::GarwoodExact))
}

fn chi2_quantile(df: f64, p: f64) -> Result<f64, Refusal> {
    let dist = ChiSquared::new(df).map_err(|e| {
        Refusal::new(
            RefusalCode::NotFinite,
            format!("no chi-square distribution with {df} degrees of freedom: {e}"),
        )
    })?;
    let q = dist.inverse_cdf(p);
    if q.is_finite() {
        Ok(q)
    } else {
        Err(Refusal::new(
            RefusalCode::NotFinite,
            format!("the chi-square quantile for {df} degrees of freedom could not be computed"),
        ))
    }
}

/// Wilson 95% score interval for a share `x` of `n` (z = 1.959964).
///
/// centre = (p + z²/2n) / (1 + z²/n), half width = z / (1 + z²/n) · sqrt(p(1−p)/n + z²/4n²),
/// with p = x/n. Unlike the textbook p ± z·sqrt(p(1−p)/n) it stays within [0, 1] and does not
/// collapse to a zero-width interval at 0/n or n/n: 0 of 10 gives [0, 0.2775].
///
/// Refuses n = 0 and x > n.
pub fn wilson(x: u64, n: u64) -> Result<Interval, Refusal> {
    if n == 0 {
        return Err(Refusal::new(
            RefusalCode::ZeroDenominator,
            "a share of 0 has no value",
        ));
    }
    if x > n {
        return Err(Refusal::new(
            RefusalCode::PartExceedsWhole,
            format!("the part ({x}) is larger than the whole ({n})"),
        ));
    }
    let nf = n as f64;
    let p = x as f64 / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    // At 0/n and n/n one end is exactly the edge; rounding must not move it.
    let lower = if x == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let upper = if x == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Ok(Interval::new(lower, upper, IntervalMethod::Wilson))
}

/// Ratio of two Poisson rates (k1/n1) / (k2/n2) with its log-normal 95% interval
/// exp(ln RR ± z · sqrt(1/k1 + 1/k2)).
///
/// The width depends on the counts, not on the denominators: a rate built on 100 events is
/// uncertain however large its population. Refuses a zero count (the log of 0 has no interval)
/// and non-positive or non-finite denominators.
pub fn rate_ratio(k1: u64, n1: f64, k2: u64, n2: f64) -> Result<Estimate, Refusal> {
    for (n, side) in [(n1, "first"), (n2, "second")] {
        if !(n.is_finite() && n > 0.0) {
            return Err(Refusal::new(
                RefusalCode::ZeroDenominator,
                format!("the {side} rate's denominator is {n}, not a positive number"),
            ));
        }
    }
    for (k, side) in [(k1, "first"), (k2, "second")] {
        if k == 0 {
            return Err(Refusal::new(
                RefusalCode::ZeroCount,
                format!("the {side} rate's count is 0: a ratio with a zero count has no interval"),
            ));
        }
    }
    let (k1f, k2f) = (k1 as f64, k2 as f64);
    let ratio = (k1f / n1) / (k2f / n2);
    let se = (1.0 / k1f + 1.0 / k2f).sqrt();
    let ln = ratio.ln();
    let interval = Interval::new(
        (ln - Z95 * se).exp(),
        (ln + Z95 * se).exp(),
        IntervalMethod::LogNormal,
    );
    Ok(Estimate {
        value: ratio,
        interval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, decimals: i32) -> bool {
        (actual - expected).abs() <= 0.5 * 10f64.powi(-decimals)
    }

    #[test]
    fn garwood_matches_the_reference_table_to_4_decimals() {
        let table = [
            (0, 0.0, 3.6889),
            (1, 0.0253, 5.5716),
            (2, 0.2422, 7.2247),
            (5, 1.6235, 11.6683),
            (10, 4.7954, 18.3904),
            (100, 81.3640, 121.6268),
        ];
        for (k, lower, upper) in table {
            let i = garwood(k).unwrap();
            assert!(
                close(i.lower, lower, 4),
                "k={k}: lower {} vs {lower}",
                i.lower
            );
            assert!(
                close(i.upper, upper, 4),
                "k={k}: upper {} vs {upper}",
                i.upper
            );
            assert_eq!(i.method, IntervalMethod::GarwoodExact);
        }
        assert_eq!(garwood(0).unwrap().lower, 0.0);
    }

    #[test]
    fn garwood_handles_national_sized_counts() {
        // PKS 2025: 2,054,855 suspects. The interval is about ±2√k wide.
        let k = 2_054_855u64;
        let i = garwood(k).unwrap();
        let kf = k as f64;
        assert!(i.lower < kf && kf < i.upper);
        assert!(
            (i.upper - i.lower - 2.0 * Z95 * kf.sqrt()).abs() < 5.0,
            "{i:?}"
        );
    }

    #[test]
    fn wilson_matches_the_reference_values() {
        let i = wilson(0, 10).unwrap();
        assert_eq!(i.lower, 0.0);
        assert!(close(i.upper, 0.2775, 4), "{i:?}");
        let i = wilson(10, 10).unwrap();
        assert!(close(i.lower, 0.7225, 4), "{i:?}");
        assert_eq!(i.upper, 1.0);
        let i = wilson(3, 7).unwrap();
        assert!(close(3.0 / 7.0, 0.4286, 4));
        assert!(
            close(i.lower, 0.1582, 4) && close(i.upper, 0.7495, 4),
            "{i:?}"
        );
        let i = wilson(1486, 8414).unwrap();
        assert!(close(1486.0 / 8414.0, 0.1766, 4));
        assert!(
            close(i.lower, 0.1686, 4) && close(i.upper, 0.1849, 4),
            "{i:?}"
        );
    }

    #[test]
    fn wilson_refuses_impossible_shares() {
        assert_eq!(wilson(1, 0).unwrap_err().code, RefusalCode::ZeroDenominator);
        assert_eq!(
            wilson(11, 10).unwrap_err().code,
            RefusalCode::PartExceedsWhole
        );
    }

    #[test]
    fn rate_ratio_matches_the_reference_value() {
        let e = rate_ratio(100, 50_000.0, 400, 1_000_000.0).unwrap();
        assert!(close(e.value, 5.000, 3), "{e:?}");
        assert!(close(e.interval.lower, 4.016, 3), "{e:?}");
        assert!(close(e.interval.upper, 6.225, 3), "{e:?}");
        assert_eq!(e.interval.method, IntervalMethod::LogNormal);
    }

    #[test]
    fn rate_ratio_refuses_zero_counts_and_denominators() {
        assert_eq!(
            rate_ratio(0, 1.0, 5, 1.0).unwrap_err().code,
            RefusalCode::ZeroCount
        );
        assert_eq!(
            rate_ratio(5, 1.0, 0, 1.0).unwrap_err().code,
            RefusalCode::ZeroCount
        );
        assert_eq!(
            rate_ratio(5, 0.0, 5, 1.0).unwrap_err().code,
            RefusalCode::ZeroDenominator
        );
        assert_eq!(
            rate_ratio(5, 1.0, 5, f64::NAN).unwrap_err().code,
            RefusalCode::ZeroDenominator
        );
    }
}
