//! The trend of a yearly count (or rate) over a window of years.
//!
//! Model: count_t ~ Poisson(mu_t), ln mu_t = ln(exposure_t) + a + b·t, t = 0..n−1. The
//! exposure (usually the population) enters as an offset, so `b` is the yearly log-change of
//! the *rate*; with exposure 1 it is that of the count. exp(b) − 1 is the annual change.
//!
//! Plain Poisson standard errors assume that the only year-to-year variation is counting
//! noise. Yearly crime counts vary far more (policy, reporting, recording campaigns), so the
//! Pearson dispersion phi = Σ (y − mu)² / mu / (n − 2) measures the excess, and the
//! quasi-Poisson standard error se · sqrt(max(1, phi)) is the one to quote. On large counts the
//! plain Poisson interval can call a rise "significant" that the quasi-Poisson interval shows is
//! well within the noise of the series.

use serde::{Deserialize, Serialize};

use super::intervals::{Interval, IntervalMethod, Z95};
use super::{Refusal, RefusalCode};

/// Iteration cap for IRLS; well-posed series converge in under 10.
const MAX_ITERATIONS: u32 = 100;
/// Relative change in deviance (or in the coefficients) below which IRLS stops.
const TOLERANCE: f64 = 1e-10;

/// A fitted Poisson trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrendFit {
    /// Number of years.
    pub n: usize,
    /// ln of the rate in the first year, per unit of exposure.
    pub intercept: f64,
    /// Yearly change of ln(rate).
    pub slope: f64,
    /// Poisson (model-based) standard error of the slope.
    pub se: f64,
    /// Pearson chi-square / (n − 2); about 1 when the counts vary as Poisson counts do, far
    /// above 1 when the series is noisier than counting alone (overdispersion).
    pub phi: f64,
    /// se · sqrt(max(1, phi)): never narrower than the Poisson one.
    pub quasi_se: f64,
    /// exp(slope) − 1, e.g. 0.0992 for +9.92% a year.
    pub annual_change: f64,
    /// exp(slope ± z·se) − 1.
    pub poisson_interval: Interval,
    /// exp(slope ± z·quasi_se) − 1: the interval to quote.
    pub quasi_interval: Interval,
    /// Residual deviance of the fit.
    pub deviance: f64,
    pub iterations: u32,
}

/// The simple change from the first to the last year, for comparison with the fitted trend:
/// rates r_first = y_first / e_first and r_last = y_last / e_last over `years` = n − 1 steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SimpleChange {
    pub first_rate: f64,
    pub last_rate: f64,
    pub years: usize,
    /// r_last / r_first − 1.
    pub total_change: f64,
    /// (r_last / r_first)^(1 / years) − 1: the constant yearly change that joins the two ends.
    /// It ignores every year in between, so one unusual first or last year moves it a lot.
    pub annual_change: f64,
}

/// Checks counts and exposures: at least 3 of each, the same number, counts finite and
/// non-negative, exposures finite and positive, not all counts zero.
fn check(counts: &[f64], exposure: &[f64]) -> Result<(), Refusal> {
    if counts.len() != exposure.len() {
        return Err(Refusal::new(
            RefusalCode::LengthMismatch,
            format!("{} counts but {} exposures", counts.len(), exposure.len()),
        ));
    }
    if counts.len() < 3 {
        return Err(Refusal::new(
            RefusalCode::TooFewPoints,
            format!(
                "a trend needs at least 3 years (a slope and a dispersion); got {}",
                counts.len()
            ),
        ));
    }
    for (t, (&y, &e)) in counts.iter().zip(exposure).enumerate() {
        if !y.is_finite() || !e.is_finite() {
            return Err(Refusal::new(
                RefusalCode::NotFinite,
                format!("year {t} of the window: count {y}, exposure {e} are not both finite"),
            ));
        }
        if y < 0.0 {
            return Err(Refusal::new(
                RefusalCode::NegativeValue,
                format!("year {t} of the window: the count is negative ({y})"),
            ));
        }
        if e <= 0.0 {
            return Err(Refusal::new(
                RefusalCode::NonPositiveExposure,
                format!("year {t} of the window: the exposure is {e}, not positive"),
            ));
        }
    }
    if counts.iter().all(|&y| y == 0.0) {
        return Err(Refusal::new(
            RefusalCode::AllZero,
            "every count is 0: there is no trend",
        ));
    }
    Ok(())
}

/// Poisson deviance 2 Σ [y ln(y/mu) − (y − mu)], with y ln y = 0 at y = 0.
fn deviance(counts: &[f64], mu: &[f64]) -> f64 {
    2.0 * counts
        .iter()
        .zip(mu)
        .map(|(&y, &m)| {
            if y > 0.0 {
                y * (y / m).ln() - (y - m)
            } else {
                m
            }
        })
        .sum::<f64>()
}

/// Fits the Poisson trend by iteratively reweighted least squares.
///
/// `counts[t]` is the count of year t (t = 0 for the first year of the window), `exposure[t]`
/// the population (or 1.0 each for a trend of counts). Counts need not be whole numbers (a
/// quasi-Poisson fit does not require it). Refuses fewer than 3 years, different lengths,
/// negative or non-finite counts, non-positive exposures, an all-zero series, and a fit that
/// does not converge (e.g. counts that are zero in every year but one, where the slope runs to
/// infinity).
///
/// Each step solves the weighted least-squares problem of the working response
/// z = eta − offset + (y − mu)/mu on (1, t) with weights mu, the Fisher scoring step for the
/// log link. The standard error of the slope is sqrt of the (slope, slope) element of the
/// inverse information (X'WX)⁻¹ at the fitted mu.
pub fn poisson_trend(counts: &[f64], exposure: &[f64]) -> Result<TrendFit, Refusal> {
    check(counts, exposure)?;
    let n = counts.len();
    let offset: Vec<f64> = exposure.iter().map(|e| e.ln()).collect();
    let x: Vec<f64> = (0..n).map(|t| t as f64).collect();

    // Start as R's glm does for Poisson: mu = y + 0.1.
    let mut mu: Vec<f64> = counts.iter().map(|y| y + 0.1).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let mut dev = deviance(counts, &mu);
    let (mut a, mut b) = (0.0, 0.0);
    let mut converged = false;
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let (mut sw, mut swx, mut swxx, mut swz, mut swxz) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for t in 0..n {
            let w = mu[t];
            let z = eta[t] - offset[t] + (counts[t] - mu[t]) / mu[t];
            sw += w;
            swx += w * x[t];
            swxx += w * x[t] * x[t];
            swz += w * z;
            swxz += w * x[t] * z;
        }
        let det = sw * swxx - swx * swx;
        if !(det.is_finite() && det > 0.0) {
            break;
        }
        let (a_old, b_old) = (a, b);
        a = (swxx * swz - swx * swxz) / det;
        b = (sw * swxz - swx * swz) / det;
        for t in 0..n {
            eta[t] = offset[t] + a + b * x[t];
            mu[t] = eta[t].exp();
        }
        let new_dev = deviance(counts, &mu);
        if !new_dev.is_finite() || mu.iter().any(|m| !(m.is_finite() && *m > 0.0)) {
            break;
        }
        // Settled when the deviance stops moving (relative to its size, as R's glm does) or
        // the coefficients do (an exact fit leaves only rounding noise in the deviance).
        let settled = (new_dev - dev).abs() <= TOLERANCE * (new_dev.abs() + 0.1)
            || ((a - a_old).abs() <= TOLERANCE * (1.0 + a.abs())
                && (b - b_old).abs() <= TOLERANCE * (1.0 + b.abs()));
        dev = new_dev;
        if settled {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(Refusal::new(
            RefusalCode::DidNotConverge,
            format!(
                "the Poisson trend did not converge in {iterations} iterations \
                 (too few non-zero counts to fix a slope)"
            ),
        ));
    }

    // Information at the fitted mu.
    let sw: f64 = mu.iter().sum();
    let swx: f64 = mu.iter().zip(&x).map(|(m, x)| m * x).sum();
    let swxx: f64 = mu.iter().zip(&x).map(|(m, x)| m * x * x).sum();
    let det = sw * swxx - swx * swx;
    let se = (sw / det).sqrt();
    let pearson: f64 = counts
        .iter()
        .zip(&mu)
        .map(|(y, m)| (y - m) * (y - m) / m)
        .sum();
    let phi = pearson / (n - 2) as f64;
    let quasi_se = se * phi.max(1.0).sqrt();
    if !(se.is_finite() && quasi_se.is_finite() && b.is_finite()) {
        return Err(Refusal::new(
            RefusalCode::DidNotConverge,
            "the Poisson trend gave no finite slope or standard error",
        ));
    }
    let change = |s: f64, method| Interval {
        lower: (b - Z95 * s).exp() - 1.0,
        upper: (b + Z95 * s).exp() - 1.0,
        level: 0.95,
        method,
    };
    let poisson_interval = change(se, IntervalMethod::Poisson);
    let quasi_interval = change(quasi_se, IntervalMethod::QuasiPoisson);
    if !(quasi_interval.upper.is_finite() && quasi_interval.lower.is_finite()) {
        // Counts that are zero at one end and positive at the other drive the slope towards
        // infinity (separation); the deviance settles but the slope is not identified.
        return Err(Refusal::new(
            RefusalCode::DidNotConverge,
            format!(
                "the slope is not identified (estimated {b:.1} with standard error {se:.3e}): \
                 the counts are zero in too many years"
            ),
        ));
    }
    Ok(TrendFit {
        n,
        intercept: a,
        slope: b,
        se,
        phi,
        quasi_se,
        annual_change: b.exp() - 1.0,
        poisson_interval,
        quasi_interval,
        deviance: dev,
        iterations,
    })
}

/// The change from the first to the last year of the window, as a total and as the constant
/// annual change that joins the two ends. Same checks as [`poisson_trend`]; refuses a first
/// count of 0 (no change can be stated relative to nothing).
pub fn first_to_last(counts: &[f64], exposure: &[f64]) -> Result<SimpleChange, Refusal> {
    check(counts, exposure)?;
    let n = counts.len();
    let first_rate = counts[0] / exposure[0];
    let last_rate = counts[n - 1] / exposure[n - 1];
    if first_rate == 0.0 {
        return Err(Refusal::new(
            RefusalCode::ZeroCount,
            "the first year's count is 0: a change from 0 has no size",
        ));
    }
    let ratio = last_rate / first_rate;
    let years = n - 1;
    Ok(SimpleChange {
        first_rate,
        last_rate,
        years,
        total_change: ratio - 1.0,
        annual_change: ratio.powf(1.0 / years as f64) - 1.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, decimals: i32) -> bool {
        (actual - expected).abs() <= 0.5 * 10f64.powi(-decimals)
    }

    /// One row of the reference table: slope, se, phi, quasi se (5/5/3/5 decimals), annual
    /// change and both intervals in percent to 2 decimals.
    #[allow(clippy::too_many_arguments)]
    fn check_row(
        counts: &[f64],
        exposure: &[f64],
        slope: f64,
        se: f64,
        phi: f64,
        quasi_se: f64,
        change_pct: f64,
        poisson_pct: (f64, f64),
        quasi_pct: (f64, f64),
    ) {
        let f = poisson_trend(counts, exposure).unwrap();
        let msg = format!("{f:?}");
        assert!(close(f.slope, slope, 5), "slope {msg}");
        assert!(close(f.se, se, 5), "se {msg}");
        assert!(close(f.phi, phi, 3), "phi {msg}");
        assert!(close(f.quasi_se, quasi_se, 5), "quasi se {msg}");
        assert!(
            close(100.0 * f.annual_change, change_pct, 2),
            "change {msg}"
        );
        assert!(
            close(100.0 * f.poisson_interval.lower, poisson_pct.0, 2),
            "poisson lo {msg}"
        );
        assert!(
            close(100.0 * f.poisson_interval.upper, poisson_pct.1, 2),
            "poisson hi {msg}"
        );
        assert!(
            close(100.0 * f.quasi_interval.lower, quasi_pct.0, 2),
            "quasi lo {msg}"
        );
        assert!(
            close(100.0 * f.quasi_interval.upper, quasi_pct.1, 2),
            "quasi hi {msg}"
        );
    }

    #[test]
    fn steady_growth_row() {
        check_row(
            &[100.0, 110.0, 121.0, 133.0, 146.0],
            &[1e6; 5],
            0.09463,
            0.02880,
            0.000,
            0.02880,
            9.92,
            (3.89, 16.31),
            (3.89, 16.31),
        );
    }

    #[test]
    fn growing_population_row() {
        let exposure: Vec<f64> = (0..6).map(|i| 100_000.0 + 1000.0 * i as f64).collect();
        check_row(
            &[50.0, 48.0, 55.0, 60.0, 58.0, 70.0],
            &exposure,
            0.05831,
            0.03185,
            0.202,
            0.03185,
            6.00,
            (-0.41, 12.83),
            (-0.41, 12.83),
        );
    }

    #[test]
    fn overdispersed_row_is_not_significant_once_widened() {
        check_row(
            &[1200.0, 1500.0, 1100.0, 1700.0, 1300.0, 1900.0],
            &[1e6; 6],
            0.06917,
            0.00631,
            49.469,
            0.04435,
            7.16,
            (5.85, 8.49),
            (-1.76, 16.89),
        );
        let f = poisson_trend(&[1200.0, 1500.0, 1100.0, 1700.0, 1300.0, 1900.0], &[1e6; 6]);
        let f = f.unwrap();
        assert!(f.poisson_interval.lower > 0.0 && f.quasi_interval.lower < 0.0);
    }

    #[test]
    fn refuses_bad_windows() {
        let code = |c: &[f64], e: &[f64]| poisson_trend(c, e).unwrap_err().code;
        assert_eq!(code(&[1.0, 2.0], &[1.0, 1.0]), RefusalCode::TooFewPoints);
        assert_eq!(
            code(&[1.0, 2.0, 3.0], &[1.0, 1.0]),
            RefusalCode::LengthMismatch
        );
        assert_eq!(
            code(&[1.0, -2.0, 3.0], &[1.0; 3]),
            RefusalCode::NegativeValue
        );
        assert_eq!(
            code(&[1.0, 2.0, 3.0], &[1.0, 0.0, 1.0]),
            RefusalCode::NonPositiveExposure
        );
        assert_eq!(
            code(&[1.0, 2.0, 3.0], &[1.0, -5.0, 1.0]),
            RefusalCode::NonPositiveExposure
        );
        assert_eq!(
            code(&[1.0, f64::NAN, 3.0], &[1.0; 3]),
            RefusalCode::NotFinite
        );
        assert_eq!(code(&[0.0; 4], &[1.0; 4]), RefusalCode::AllZero);
        assert_eq!(
            code(&[0.0, 0.0, 0.0, 7.0], &[1.0; 4]),
            RefusalCode::DidNotConverge
        );
    }

    #[test]
    fn first_to_last_is_the_geometric_mean_change() {
        let c = first_to_last(&[100.0, 110.0, 121.0, 133.0, 146.0], &[1e6; 5]).unwrap();
        assert!(close(c.total_change, 0.46, 10));
        assert!(close(c.annual_change, 1.46f64.powf(0.25) - 1.0, 12));
        assert_eq!(c.years, 4);
        let z = first_to_last(&[0.0, 1.0, 2.0], &[1.0; 3]).unwrap_err();
        assert_eq!(z.code, RefusalCode::ZeroCount);
    }

    #[test]
    fn zeros_inside_the_window_are_fine() {
        let f = poisson_trend(&[3.0, 0.0, 2.0, 5.0, 4.0], &[1.0; 5]).unwrap();
        assert!(f.slope.is_finite() && f.se > 0.0);
    }
}
