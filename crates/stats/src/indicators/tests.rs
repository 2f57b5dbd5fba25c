//! Tests of the results built from operands: refusals, flags, caveats, units, and the facts
//! from `shared/domain/statistics.md`.

use super::{
    Basis, Caveat, CaveatCode, EdgeNote, Group, IntervalMethod, Notes, Operand, Rate, RateKind,
    Refusal, RefusalCode, TrendKind, TrendPoint, per_inhabitants, published_per_inhabitants, rate,
    rate_ratio_between, share, trend,
};
use crate::obs::Flags;

fn citizens(code: &str, label: &str) -> Group {
    Group::new(code, label, Basis::Citizenship)
}

fn op(label: &str, value: f64, group: Group, geo: &str, period: &str) -> Operand {
    Operand::new(label, Some(value), group, geo, period)
}

fn flags(s: &str) -> Flags {
    Flags::parse(s).unwrap()
}

fn codes(caveats: &[Caveat]) -> Vec<CaveatCode> {
    caveats.iter().map(|c| c.code).collect()
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

#[test]
fn sweden_2022_foreign_share_of_prisoners() {
    let part = op(
        "prisoners, foreign citizens",
        1486.0,
        citizens("FOR", "Foreign country"),
        "SE",
        "2022",
    )
    .with_source("crim_pris_ctz");
    let whole = op("prisoners, all", 8414.0, Group::all_persons(), "SE", "2022")
        .with_source("crim_pris_ctz");
    let s = share(&part, &whole, &Notes::none()).unwrap();
    assert_eq!(round(s.value, 4), 0.1766);
    assert_eq!(round(s.percent, 1), 17.7);
    assert_eq!(round(100.0 * s.interval.lower, 1), 16.9);
    assert_eq!(round(100.0 * s.interval.upper, 1), 18.5);
    assert_eq!(round(s.interval.lower, 4), 0.1686);
    assert_eq!(round(s.interval.upper, 4), 0.1849);
    assert_eq!(s.interval.method, IntervalMethod::Wilson);
    assert_eq!(codes(&s.caveats), vec![CaveatCode::CountingNoiseOnly]);
}

#[test]
fn switzerland_2022_foreign_share_of_prisoners() {
    let part = op(
        "prisoners, foreign citizens",
        4396.0,
        citizens("FOR", "Foreign country"),
        "CH",
        "2022",
    );
    let whole = op("prisoners, all", 6252.0, Group::all_persons(), "CH", "2022");
    let s = share(&part, &whole, &Notes::none()).unwrap();
    assert_eq!(round(s.percent, 1), 70.3);
    assert!(s.interval.contains(s.value));
}

#[test]
fn share_refusals() {
    let g = Group::all_persons();
    let part = op(
        "part",
        11.0,
        citizens("FOR", "Foreign country"),
        "SE",
        "2022",
    );
    let whole = op("whole", 10.0, g.clone(), "SE", "2022");
    assert_eq!(
        share(&part, &whole, &Notes::none()).unwrap_err().code,
        RefusalCode::PartExceedsWhole
    );
    let zero = op("whole", 0.0, g.clone(), "SE", "2022");
    assert_eq!(
        share(&part, &zero, &Notes::none()).unwrap_err().code,
        RefusalCode::ZeroDenominator
    );
    let other_year = op("whole", 100.0, g.clone(), "SE", "2021");
    assert_eq!(
        share(&part, &other_year, &Notes::none()).unwrap_err().code,
        RefusalCode::PeriodMismatch
    );
    let half = op(
        "part",
        1.5,
        citizens("FOR", "Foreign country"),
        "SE",
        "2022",
    );
    let whole = op("whole", 10.0, g, "SE", "2022");
    assert_eq!(
        share(&half, &whole, &Notes::none()).unwrap_err().code,
        RefusalCode::NotWholeCount
    );
}

fn foreign_rate(geo: &str, k: f64, n: f64) -> Result<Rate, Refusal> {
    let num = op(
        "prisoners, foreign citizens",
        k,
        citizens("FOR", "Foreign country"),
        geo,
        "2022",
    );
    let den = op(
        "population on 1 January, foreign citizens",
        n,
        citizens("FOR", "Foreign country"),
        geo,
        "2022",
    )
    .with_reference_date("2022-01-01")
    .with_observation_id(42);
    rate(&num, Some(&den), &Notes::none())
}

#[test]
fn rate_per_100k_with_scaled_garwood_interval() {
    let r = foreign_rate("SE", 100.0, 50_000.0).unwrap();
    assert_eq!(r.kind, RateKind::GroupRate);
    assert_eq!(r.per, 100_000);
    assert!(
        r.per_label
            .starts_with("per 100,000 population of the same group")
    );
    assert!((r.value - 200.0).abs() < 1e-9);
    // Garwood(100) = [81.3640, 121.6268], times 100,000 / 50,000.
    assert_eq!(round(r.interval.lower, 3), 162.728);
    assert_eq!(round(r.interval.upper, 3), 243.254);
    assert_eq!(r.count, 100);
    assert_eq!(r.denominator_reference_date.as_deref(), Some("2022-01-01"));
    assert_eq!(r.denominator.observation_id, Some(42));
    assert_eq!(codes(&r.caveats), vec![CaveatCode::CountingNoiseOnly]);

    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["kind"], "group_rate");
    assert_eq!(json["per"], 100_000);
    assert_eq!(json["interval"]["method"], "garwood_exact");
    assert_eq!(json["basis"], "citizenship");
}

#[test]
fn no_denominator_no_rate() {
    let num = op(
        "prisoners, foreign citizens",
        100.0,
        citizens("FOR", "Foreign country"),
        "DE",
        "2022",
    );
    let r = rate(&num, None, &Notes::none()).unwrap_err();
    assert_eq!(r.code, RefusalCode::NoDenominator);
    assert!(r.message.contains("no denominator, no rate"), "{r}");
    assert_eq!(
        foreign_rate("SE", 100.0, 0.0).unwrap_err().code,
        RefusalCode::ZeroDenominator
    );

    let den = op(
        "population",
        5e5,
        citizens("FOR", "Foreign country"),
        "SE",
        "2022",
    );
    assert_eq!(
        rate(&num, Some(&den), &Notes::none()).unwrap_err().code,
        RefusalCode::GeographyMismatch
    );
    let den = op(
        "population",
        5e5,
        citizens("FOR", "Foreign country"),
        "DE",
        "2021",
    );
    assert_eq!(
        rate(&num, Some(&den), &Notes::none()).unwrap_err().code,
        RefusalCode::PeriodMismatch
    );
    let missing = Operand::new(
        "population",
        None,
        citizens("FOR", "Foreign country"),
        "DE",
        "2022",
    )
    .with_flags(flags("c"));
    let r = rate(&num, Some(&missing), &Notes::none()).unwrap_err();
    assert_eq!(r.code, RefusalCode::MissingValue);
    assert!(r.message.contains("confidential"), "{r}");

    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["code"], "missing_value");
}

#[test]
fn a_group_count_over_the_whole_population_is_not_a_rate() {
    let num = op(
        "prisoners, foreign citizens",
        1486.0,
        citizens("FOR", "Foreign country"),
        "SE",
        "2022",
    );
    let all = op(
        "population on 1 January",
        10_452_326.0,
        Group::all_persons(),
        "SE",
        "2022",
    );
    let r = rate(&num, Some(&all), &Notes::none()).unwrap_err();
    assert_eq!(r.code, RefusalCode::WholePopulationDenominator);

    let w = per_inhabitants(&num, &all, &Notes::none()).unwrap();
    assert_eq!(w.kind, RateKind::WholePopulation);
    assert_eq!(w.per_label, "per 100,000 inhabitants (whole population)");
    assert!(codes(&w.caveats).contains(&CaveatCode::WholePopulationDenominator));
    assert!(w.interval.is_some());

    let published = op(
        "prisoners, foreign citizens (P_HTHAB)",
        14.22,
        citizens("FOR", "Foreign country"),
        "SE",
        "2022",
    )
    .with_flags(flags("p"));
    let w = published_per_inhabitants(&published, &Notes::none()).unwrap();
    assert_eq!(w.value, 14.22);
    assert!(w.interval.is_none());
    let json = serde_json::to_value(&w).unwrap();
    assert_eq!(json["kind"], "whole_population");
    assert_eq!(
        json["per_label"],
        "per 100,000 inhabitants (whole population)"
    );
    assert_eq!(json["flags"], "p");
    assert_eq!(
        codes(&w.caveats),
        vec![
            CaveatCode::WholePopulationDenominator,
            CaveatCode::FlaggedValues
        ]
    );
}

#[test]
fn groups_that_differ_need_an_edge_note() {
    let num = op(
        "prisoners, foreign citizens",
        1486.0,
        citizens("FOR", "Foreign country"),
        "SE",
        "2022",
    );
    let den = op(
        "population, foreign citizens and stateless",
        900_000.0,
        citizens("FOR_STLS", "Foreign country and stateless"),
        "SE",
        "2022",
    );
    assert_eq!(
        rate(&num, Some(&den), &Notes::none()).unwrap_err().code,
        RefusalCode::GroupMismatch
    );
    let notes = Notes::none().with_edge(EdgeNote::labels_differ(
        "Foreign country",
        "Foreign country and stateless",
    ));
    let r = rate(&num, Some(&den), &notes).unwrap();
    let edge = r
        .caveats
        .iter()
        .find(|c| c.code == CaveatCode::GroupEdges)
        .unwrap();
    assert!(edge.text.contains("Foreign country and stateless"));
}

#[test]
fn basis_mismatch_suspects_and_immigration_law_are_caveats() {
    let num = op(
        "suspects, foreign citizens",
        823_609.0,
        citizens("FOR", "non-German"),
        "DE",
        "2025",
    );
    let den = op(
        "foreign-born residents",
        14_070_230.0,
        Group::new("FOR", "born abroad", Basis::CountryOfBirth),
        "DE",
        "2025",
    )
    .with_reference_date("2025-12-31");
    let notes = Notes::none()
        .with_edge(EdgeNote::suspects_include_non_residents())
        .with_immigration_law_offences();
    let r = rate(&num, Some(&den), &notes).unwrap();
    assert_eq!(
        codes(&r.caveats),
        vec![
            CaveatCode::CountingNoiseOnly,
            CaveatCode::BasisMismatch,
            CaveatCode::GroupEdges,
            CaveatCode::ImmigrationLawOffencesIncluded
        ]
    );
}

#[test]
fn flags_propagate_and_small_counts_say_so() {
    let num = op(
        "prisoners, foreign citizens",
        7.0,
        citizens("FOR", "Foreign country"),
        "LI",
        "2022",
    )
    .with_flags(flags("e"));
    let den = op(
        "population, foreign citizens",
        13_000.0,
        citizens("FOR", "Foreign country"),
        "LI",
        "2022",
    )
    .with_flags(flags("bp"));
    let r = rate(&num, Some(&den), &Notes::none()).unwrap();
    assert_eq!(r.flags.as_str(), "bep");
    let c = codes(&r.caveats);
    assert!(
        c.contains(&CaveatCode::SmallCount) && c.contains(&CaveatCode::FlaggedValues),
        "{c:?}"
    );
    let text = &r
        .caveats
        .iter()
        .find(|c| c.code == CaveatCode::FlaggedValues)
        .unwrap()
        .text;
    assert!(
        text.contains("estimated") && text.contains("provisional") && text.contains("break"),
        "{text}"
    );
}

#[test]
fn rate_ratio_between_rates() {
    let a = foreign_rate("SE", 100.0, 50_000.0).unwrap();
    let num = op(
        "prisoners, nationals",
        400.0,
        citizens("NAT", "Reporting country"),
        "SE",
        "2022",
    );
    let den = op(
        "population, nationals",
        1_000_000.0,
        citizens("NAT", "Reporting country"),
        "SE",
        "2022",
    );
    let b = rate(&num, Some(&den), &Notes::none()).unwrap();
    let rr = rate_ratio_between(&a, &b, &Notes::none()).unwrap();
    assert_eq!(round(rr.value, 3), 5.0);
    assert_eq!(round(rr.interval.lower, 3), 4.016);
    assert_eq!(round(rr.interval.upper, 3), 6.225);
    assert_eq!(
        codes(&rr.caveats),
        vec![CaveatCode::CountingNoiseOnly, CaveatCode::CrudeComparison]
    );

    let other_country = foreign_rate("CH", 4396.0, 2_300_000.0).unwrap();
    let rr = rate_ratio_between(&other_country, &a, &Notes::none()).unwrap();
    assert!(codes(&rr.caveats).contains(&CaveatCode::CrossCountryComparison));

    let born = Group::new("FOR", "born abroad", Basis::CountryOfBirth);
    let num = op("suspects, born abroad", 300.0, born.clone(), "SE", "2022");
    let den = op("population, born abroad", 2_000_000.0, born, "SE", "2022");
    let c = rate(&num, Some(&den), &Notes::none()).unwrap();
    let rr = rate_ratio_between(&c, &a, &Notes::none()).unwrap();
    assert!(codes(&rr.caveats).contains(&CaveatCode::BasisMismatch));

    let zero = foreign_rate("SE", 0.0, 50_000.0).unwrap();
    assert_eq!(
        rate_ratio_between(&zero, &a, &Notes::none())
            .unwrap_err()
            .code,
        RefusalCode::ZeroCount
    );
}

fn point(year: i32, count: f64, pop: Option<f64>, f: &str) -> TrendPoint {
    let g = citizens("FOR", "Foreign country");
    TrendPoint {
        count: op(
            "suspects, foreign citizens",
            count,
            g.clone(),
            "SE",
            &year.to_string(),
        )
        .with_flags(flags(f)),
        exposure: pop.map(|p| {
            op(
                "population, foreign citizens",
                p,
                g,
                "SE",
                &year.to_string(),
            )
        }),
    }
}

#[test]
fn trend_result_marks_breaks_and_overdispersion() {
    let counts = [1200.0, 1500.0, 1100.0, 1700.0, 1300.0, 1900.0];
    // Given newest first, as legacy files do; sorted into years.
    let mut points: Vec<TrendPoint> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| point(2015 + i as i32, c, Some(1e6), if i == 3 { "b" } else { "" }))
        .collect();
    points.reverse();
    let t = trend(&points, &Notes::none()).unwrap();
    assert_eq!(t.kind, TrendKind::Rate);
    assert_eq!(t.periods.first().map(String::as_str), Some("2015"));
    assert_eq!(round(t.fit.slope, 5), 0.06917);
    assert_eq!(round(t.fit.phi, 3), 49.469);
    assert!(t.has_break);
    assert_eq!(t.break_periods, vec!["2018".to_string()]);
    assert_eq!(t.flags.as_str(), "b");
    let c = codes(&t.caveats);
    assert_eq!(
        c,
        vec![
            CaveatCode::CountingNoiseOnly,
            CaveatCode::Overdispersed,
            CaveatCode::SeriesBreak,
            CaveatCode::FlaggedValues
        ]
    );
    let change = t.first_to_last.unwrap();
    assert_eq!(change.years, 5);
    assert!((change.total_change - (1900.0 / 1200.0 - 1.0)).abs() < 1e-12);
}

#[test]
fn trend_of_counts_and_refusals() {
    let pts: Vec<TrendPoint> = [5.0, 8.0, 6.0]
        .iter()
        .enumerate()
        .map(|(i, &c)| point(2020 + i as i32, c, None, ""))
        .collect();
    let t = trend(&pts, &Notes::none()).unwrap();
    assert_eq!(t.kind, TrendKind::Count);
    let c = codes(&t.caveats);
    assert!(
        c.contains(&CaveatCode::CountNotRate) && c.contains(&CaveatCode::SmallCount),
        "{c:?}"
    );
    assert!(!t.has_break);

    let two = &pts[..2];
    assert_eq!(
        trend(two, &Notes::none()).unwrap_err().code,
        RefusalCode::TooFewPoints
    );
    let gap = vec![
        point(2020, 5.0, None, ""),
        point(2021, 5.0, None, ""),
        point(2023, 5.0, None, ""),
    ];
    assert_eq!(
        trend(&gap, &Notes::none()).unwrap_err().code,
        RefusalCode::NotConsecutiveYears
    );
    let mut missing = pts.clone();
    missing[1].count.value = None;
    assert_eq!(
        trend(&missing, &Notes::none()).unwrap_err().code,
        RefusalCode::MissingValue
    );
    let mut negative = pts.clone();
    negative[1].count.value = Some(-1.0);
    assert_eq!(
        trend(&negative, &Notes::none()).unwrap_err().code,
        RefusalCode::NegativeValue
    );
    let zero_pop = vec![
        point(2020, 5.0, Some(10.0), ""),
        point(2021, 5.0, Some(0.0), ""),
        point(2022, 5.0, Some(10.0), ""),
    ];
    assert_eq!(
        trend(&zero_pop, &Notes::none()).unwrap_err().code,
        RefusalCode::NonPositiveExposure
    );
    let mixed = vec![
        point(2020, 5.0, Some(10.0), ""),
        point(2021, 5.0, None, ""),
        point(2022, 5.0, Some(10.0), ""),
    ];
    assert_eq!(
        trend(&mixed, &Notes::none()).unwrap_err().code,
        RefusalCode::LengthMismatch
    );
}

#[test]
fn different_bases_divide_with_a_caveat_but_totals_do_not_mix_with_groups() {
    let num = op(
        "suspects, foreign citizens",
        500.0,
        citizens("FOR", "Foreign country"),
        "SE",
        "2022",
    );
    let born = Group::new("FOR_BIRTH", "born abroad", Basis::CountryOfBirth);
    let den = op("population, born abroad", 2_000_000.0, born, "SE", "2022");
    let r = rate(&num, Some(&den), &Notes::none()).unwrap();
    assert_eq!(
        codes(&r.caveats),
        vec![CaveatCode::CountingNoiseOnly, CaveatCode::BasisMismatch]
    );

    let all = op("suspects, all", 5000.0, Group::all_persons(), "SE", "2022");
    let r = rate(&all, Some(&den), &Notes::none()).unwrap_err();
    assert_eq!(r.code, RefusalCode::GroupMismatch);

    let pts: Vec<TrendPoint> = (0..3)
        .map(|i| {
            let year = (2020 + i).to_string();
            TrendPoint {
                count: op(
                    "suspects, foreign citizens",
                    50.0,
                    citizens("FOR", "Foreign country"),
                    "SE",
                    &year,
                ),
                exposure: Some(op("population", 1e7, Group::all_persons(), "SE", &year)),
            }
        })
        .collect();
    let r = trend(&pts, &Notes::none()).unwrap_err();
    assert_eq!(r.code, RefusalCode::WholePopulationDenominator);
}
