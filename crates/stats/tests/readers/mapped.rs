//! National tables through their shipped mappings.

use crate::common::*;
use chancery_stats::{Basis, Mapping, read};

#[test]
fn t62_single_nationalities_sum_to_the_non_german_total() {
    let m = mapping("germany/t62_suspects_2025");
    assert_eq!(m.dataset.basis, Basis::Citizenship);
    let (h, obs) = read_all(&data("germany/t62_suspects_2025.csv"), Some(&m));
    let cit = h.dimensions.iter().position(|d| d == "citizen").unwrap();
    let off = h.dimensions.iter().position(|d| d == "offence").unwrap();
    let all: Vec<_> = obs
        .iter()
        .filter(|o| o.key[off] == "------" && o.period == "2025")
        .collect();
    assert_eq!(all.len(), 194);
    let sum: f64 = all
        .iter()
        .filter(|o| !["TOTAL", "FOR", "NAT"].contains(&o.key[cit].as_str()))
        .map(|o| o.value.unwrap())
        .sum();
    assert_eq!(sum, 823_609.0);
    let v = |c: &str, k: &str| value_of(&h, &obs, &[("citizen", c), ("offence", k)], "2025");
    assert_eq!(v("TOTAL", "------"), Some(2_054_855.0));
    assert_eq!(v("FOR", "------"), Some(823_609.0));
    assert_eq!(v("NAT", "------"), Some(1_231_246.0));
    assert_eq!(v("FOR", "725000"), Some(176_282.0));
    assert_eq!(v("FOR", "890000"), Some(677_951.0));
    assert_eq!(v("SY", "892000"), Some(13_518.0));
    assert_eq!(v("EL", "------"), Some(8_653.0));
    assert_eq!(v("UK", "------"), Some(2_320.0));
    assert_eq!(v("X_PKS_UNCLEAR", "------"), Some(16_782.0));
    assert_eq!(v("UNK", "------"), Some(860.0));
    assert_eq!(v("STLS", "------"), Some(2_176.0));
}

#[test]
fn azr_total_2025_and_the_columns_that_fix_period_sex_and_age() {
    let m = mapping("germany/azr_nationality_2025");
    let (h, obs) = read_all(&data("germany/azr_nationality_2025.csv"), Some(&m));
    let v = |c: &str, sex: &str, age: &str, p: &str| {
        value_of(&h, &obs, &[("citizen", c), ("sex", sex), ("age", age)], p)
    };
    assert_eq!(v("FOR", "T", "TOTAL", "2025"), Some(14_070_230.0));
    assert_eq!(v("FOR", "T", "TOTAL", "2024"), Some(14_061_630.0));
    assert_eq!(v("FOR", "M", "TOTAL", "2025"), Some(7_359_805.0));
    assert_eq!(v("FOR", "M", "Y18-39", "2025"), Some(3_031_970.0));
    assert_eq!(v("TR", "T", "TOTAL", "2025"), Some(1_520_400.0));
    assert_eq!(v("SY", "M", "Y18-39", "2025"), Some(281_290.0));
    assert_eq!(v("UNK", "T", "TOTAL", "2025"), Some(90_130.0));
    assert_eq!(v("X_YU_FR", "T", "TOTAL", "2025"), Some(18_140.0));
    assert_eq!(m.dataset.reference_date.as_deref(), Some("31 December"));
}

#[test]
fn bra_suspected_and_group_totals_by_country_of_birth() {
    let m = mapping("sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland");
    assert_eq!(m.dataset.basis, Basis::CountryOfBirth);
    let (h, obs) = read_all(
        &data("sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland.csv"),
        Some(&m),
    );
    let v = |c: &str, i: &str| {
        value_of(&h, &obs, &[("c_birth", c), ("indic", i)], "2015/2018").unwrap()
    };
    let share = |c: &str| 100.0 * v(c, "PER_SUSP") / v(c, "POP");
    assert!((share("ER") - 12.85).abs() < 0.005, "{}", share("ER"));
    assert!((share("X_BRA_SE_REF") - 3.18).abs() < 0.005);
    assert_eq!(v("X_BRA_AFR_OTH", "POP"), 23_163.0);
    assert_eq!(v("UNK", "PER_SUSP"), 85.0);
    assert_eq!(v("EL", "POP"), 13_963.0);
}

#[test]
fn migr_pop1ctz_reshaped_resolves_both_label_columns() {
    let m = mapping("eurostat/migr_pop1ctz_reshaped");
    let (h, obs) = read_all(&data("eurostat/migr_pop1ctz_reshaped.csv"), Some(&m));
    assert_eq!(h.dataset.as_deref(), Some("migr_pop1ctz"));
    let v = |c: &str, g: &str, p: &str| value_of(&h, &obs, &[("citizen", c), ("geo", g)], p);
    assert_eq!(v("AD", "AT", "2015"), Some(4.0));
    let cit = h.dimensions.iter().position(|d| d == "citizen").unwrap();
    for code in [
        "TOTAL",
        "NAT",
        "FOR_STLS",
        "EU27_2020_FOR",
        "STLS",
        "UNK",
        "EL",
        "UK",
        "XK",
    ] {
        assert!(obs.iter().any(|o| o.key[cit] == code), "{code}");
    }
}

#[test]
fn every_shipped_mapping_parses_and_finds_its_file() {
    let names: Vec<&str> = Mapping::shipped_names().collect();
    assert_eq!(names.len(), 4);
    for n in names {
        let m = mapping(n);
        let file = m.csv.file_name.clone().unwrap();
        let found = Mapping::shipped_for_file(std::path::Path::new(&format!("/x/{file}.gz")))
            .unwrap()
            .unwrap();
        assert_eq!(found, m);
    }
}

#[test]
fn mapping_errors_are_named() {
    let base = r#"
[dataset]
title = "t"
publisher = "p"
licence = "l"
source_url = "u"
basis = "citizenship"
[period]
value = "2025"
[[dimension]]
id = "citizen"
column = "name"
codelist = "geo_de"
"#;
    let ok = format!("{base}[[value]]\ncolumn = \"n\"\n");
    Mapping::from_toml("m.toml", &ok).unwrap();
    let bad = [
        (base.to_string(), "missing field"),
        (
            format!("{base}[[value]]\ncolumn = \"n\"\nperiod = \"2024\"\n"),
            "not both",
        ),
        (
            format!(
                "{base}[[value]]\ncolumn = \"a\"\ndimensions = {{ sex = \"T\" }}\n[[value]]\ncolumn = \"b\"\n"
            ),
            "same",
        ),
        (ok.replace("geo_de", "nope"), "no codelist"),
        (
            ok.replace("basis = \"citizenship\"", "basis = \"race\""),
            "unknown variant",
        ),
        (format!("{ok}[constants]\ncitizen = \"X\"\n"), "twice"),
        (format!("{ok}bogus = 1\n"), "unknown field"),
    ];
    for (text, why) in bad {
        let e = Mapping::from_toml("m.toml", &text)
            .err()
            .unwrap_or_else(|| panic!("accepted: {text}"));
        assert!(e.reason.contains(why), "{why}: {e}");
        assert_eq!(e.file, "m.toml");
    }
}

#[test]
fn an_unknown_label_in_a_mapped_table_names_line_column_and_label() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    std::fs::write(&p, "bka_code,bka_name,total_all,murder,manslaughter,sexual,imm_offences,total_excl_imm,violent,homicide_all\n121,Albanien,1,0,0,0,0,1,0,0\n999,Atlantis,1,0,0,0,0,1,0,0\n").unwrap();
    let m = mapping("germany/t62_suspects_2025");
    let e = first_error(&p, Some(&m));
    assert_eq!((e.line, e.column), (3, 5), "{e}");
    assert!(e.reason.contains("\"Atlantis\""), "{e}");
    // and a bad number
    std::fs::write(&p, "bka_code,bka_name,total_all,murder,manslaughter,sexual,imm_offences,total_excl_imm,violent,homicide_all\n121,Albanien,1,0,0,0,0,1,0,zwei\n").unwrap();
    let e = first_error(&p, Some(&m));
    assert_eq!((e.line, e.column), (2, 28), "{e}");
    // read without the mapping: refused
    assert!(read::open(&p, None, None).is_err());
}
