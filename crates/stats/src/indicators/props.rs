//! Property tests of the interval and trend arithmetic.

use proptest::prelude::*;

use super::{
    Basis, CaveatCode, Group, Notes, Operand, garwood, poisson_trend, rate, rate_ratio, wilson,
};
use crate::obs::Flags;

fn flag_letters() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(vec!['b', 'c', 'd', 'e', 'p', 'u', 'z']),
        0..5,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn garwood_contains_the_count(k in 0u64..100_000) {
        let i = garwood(k).unwrap();
        prop_assert!(i.lower <= i.upper);
        prop_assert!(i.contains(k as f64), "{k}: {i:?}");
        prop_assert!(i.lower >= 0.0);
    }

    #[test]
    fn garwood_is_monotone_in_k(k in 0u64..50_000) {
        let (a, b) = (garwood(k).unwrap(), garwood(k + 1).unwrap());
        prop_assert!(a.lower < b.lower || (k == 0 && a.lower == 0.0 && b.lower > 0.0), "{a:?} {b:?}");
        prop_assert!(a.upper < b.upper, "{a:?} {b:?}");
    }

    #[test]
    fn wilson_contains_the_share_within_0_1(n in 1u64..1_000_000, frac in 0.0f64..=1.0) {
        let x = ((n as f64) * frac).floor() as u64;
        let i = wilson(x, n).unwrap();
        let p = x as f64 / n as f64;
        prop_assert!(0.0 <= i.lower && i.lower <= i.upper && i.upper <= 1.0, "{x}/{n}: {i:?}");
        prop_assert!(i.contains(p), "{x}/{n}: {i:?}");
    }

    #[test]
    fn rate_ratio_contains_its_estimate(k1 in 1u64..100_000, k2 in 1u64..100_000, n1 in 1.0f64..1e8, n2 in 1.0f64..1e8) {
        let e = rate_ratio(k1, n1, k2, n2).unwrap();
        prop_assert!(e.interval.lower <= e.interval.upper);
        prop_assert!(e.interval.contains(e.value), "{e:?}");
    }

    #[test]
    fn rate_ratio_of_identical_rates_is_one(k in 1u64..100_000, n in 1.0f64..1e8) {
        let e = rate_ratio(k, n, k, n).unwrap();
        prop_assert!((e.value - 1.0).abs() < 1e-12, "{e:?}");
        prop_assert!(e.interval.contains(1.0), "{e:?}");
    }

    #[test]
    fn flags_union_is_commutative_and_idempotent(a in flag_letters(), b in flag_letters()) {
        let (fa, fb) = (Flags::parse(&a).unwrap(), Flags::parse(&b).unwrap());
        prop_assert_eq!(fa.union(&fb), fb.union(&fa));
        prop_assert_eq!(fa.union(&fa), fa.clone());
        prop_assert_eq!(fa.union(&fb).union(&fb), fa.union(&fb));
        for letter in a.chars().chain(b.chars()) {
            prop_assert!(fa.union(&fb).contains(letter));
        }
    }

    #[test]
    fn trend_recovers_an_exponential_slope(
        n in 3usize..15,
        level in 1.0f64..100_000.0,
        slope in -0.5f64..0.5,
        pop in 1_000.0f64..1e7,
        growth in -0.02f64..0.02,
    ) {
        let exposure: Vec<f64> = (0..n).map(|t| pop * (1.0 + growth).powi(t as i32)).collect();
        let counts: Vec<f64> =
            exposure.iter().enumerate().map(|(t, e)| level * e / pop * (slope * t as f64).exp()).collect();
        let f = poisson_trend(&counts, &exposure).unwrap();
        prop_assert!((f.slope - slope).abs() < 1e-8, "{f:?}");
        prop_assert!(f.phi < 1e-8, "{f:?}");
        prop_assert!(f.quasi_se == f.se);
        prop_assert!(f.poisson_interval.contains(f.annual_change));
    }

    #[test]
    fn derived_flags_are_the_union_of_the_inputs(a in flag_letters(), b in flag_letters()) {
        let g = Group::new("FOR", "Foreign country", Basis::Citizenship);
        let num = Operand::new("count", Some(50.0), g.clone(), "SE", "2022").with_flags(Flags::parse(&a).unwrap());
        let den = Operand::new("pop", Some(5e4), g, "SE", "2022").with_flags(Flags::parse(&b).unwrap());
        let r = rate(&num, Some(&den), &Notes::none()).unwrap();
        prop_assert_eq!(&r.flags, &num.flags.union(&den.flags));
        let flagged = r.caveats.iter().any(|c| c.code == CaveatCode::FlaggedValues);
        prop_assert_eq!(flagged, !r.flags.is_empty());
    }
}
