//! The vocabulary: loads, resolves labels and codes, and agrees with what publishers write
//! beside their codes.

use crate::common::*;
use chancery_stats::{Codelist, VocabError, Vocabulary};

#[test]
fn the_vocabulary_loads_and_resolves() {
    let v = Vocabulary::shared();
    let r = |list: &str, s: &str| v.resolve(list, s).unwrap().to_string();
    assert_eq!(r("citizen", "Foreign country"), "FOR");
    assert_eq!(r("citizen", "Reporting country"), "NAT");
    assert_eq!(r("citizen", "Total"), "TOTAL");
    assert_eq!(r("citizen", "Germany"), "DE");
    assert_eq!(r("geo", "Germany"), "DE");
    assert_eq!(r("geo", "Greece"), "EL");
    assert_eq!(r("geo", "United Kingdom"), "UK");
    assert_eq!(
        r("geo", "European Union - 27 countries (from 2020)"),
        "EU27_2020"
    );
    assert_eq!(r("geo", "Euro area – 20 countries (from 2023)"), "EA20");
    assert_eq!(r("unit", "Number"), "NR");
    assert_eq!(r("unit", "Per hundred thousand inhabitants"), "P_HTHAB");
    assert_eq!(r("freq", "Annual"), "A");
    assert_eq!(r("indic_de", "Population on 1 January - total"), "JAN");
    assert_eq!(r("sex", "Total"), "T");
    assert_eq!(r("geo_de", "Türkei"), "TR");
    assert_eq!(r("geo_de", "Griechenland"), "EL");
    assert_eq!(r("geo_sv", "Turkiet"), "TR");
    // codes resolve to themselves; the citizen list falls back to geo
    assert_eq!(r("citizen", "FOR"), "FOR");
    assert_eq!(r("citizen", "SE"), "SE");
    assert_eq!(r("geo", " Sweden "), "SE");
    // never a guess
    for (list, s) in [
        ("geo", "germany"),
        ("geo", "Germny"),
        ("citizen", "Foreign countries"),
        ("geo", "Deutschland"),
    ] {
        assert!(
            matches!(v.resolve(list, s), Err(VocabError::UnknownLabel { .. })),
            "{s}"
        );
    }
    assert!(matches!(
        v.resolve("nope", "x"),
        Err(VocabError::UnknownCodelist(_))
    ));
}

#[test]
fn dimensions_choose_their_codelist() {
    let v = Vocabulary::shared();
    for (dim, list) in [
        ("geo", Some("geo")),
        ("citizen", Some("citizen")),
        ("c_birth", Some("citizen")),
        ("unit", Some("unit")),
        ("freq", Some("freq")),
        ("sex", Some("sex")),
        ("age", Some("age")),
        ("indic_de", Some("indic_de")),
        ("asyl_app", Some("asyl_app")),
        ("leg_stat", Some("leg_stat")),
        ("iccs", None),
    ] {
        assert_eq!(v.codelist_for(dim), list, "{dim}");
    }
}

#[test]
fn tables_refuse_ambiguity() {
    assert!(
        Codelist::parse("t", "A\tAnnual\nB\tAnnual\n").is_err(),
        "one label, two codes"
    );
    assert!(
        Codelist::parse("t", "A\tB\nB\tBee\n").is_err(),
        "a label that is another code"
    );
    assert!(
        Codelist::parse("t", "A\t Annual\n").is_err(),
        "spaces around a label"
    );
    assert!(
        Codelist::parse("t", "A\tAnnual\textra\n").is_err(),
        "a third column that is no note"
    );
    let ok = Codelist::parse("t", "# typed from X\nA\tAnnual\nA\tYearly\t# note\n").unwrap();
    assert_eq!((ok.code_count(), ok.label_count()), (1, 2));
    assert_eq!(ok.lookup("Yearly"), Some("A"));
    assert!(ok.source.contains("typed from X"));
}

#[test]
fn every_table_names_its_source_and_the_counts_are_reported() {
    let v = Vocabulary::shared();
    for name in v.codelists() {
        let l = v.codelist(name).unwrap();
        assert!(
            l.source.contains("codelist"),
            "{name} has no header comment"
        );
        println!(
            "vocab {name}: {} codes, {} labels",
            l.code_count(),
            l.label_count()
        );
    }
}

/// Every label the publisher writes beside its code resolves to that code.
#[test]
fn publisher_labels_beside_codes_agree_with_the_vocabulary() {
    let v = Vocabulary::shared();
    // JSON-stat: category labels
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data("eurostat/migr_pop3ctb_sample.jsonstat.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for id in doc["id"].as_array().unwrap() {
        let id = id.as_str().unwrap();
        let Some(list) = v.codelist_for(id) else {
            continue;
        };
        for (code, label) in doc["dimension"][id]["category"]["label"]
            .as_object()
            .unwrap()
        {
            assert_eq!(
                v.resolve(list, label.as_str().unwrap()).unwrap(),
                code,
                "{id} {label}"
            );
            checked += 1;
        }
    }
    // SDMX-CSV 2.0 labels=both: the label column after each code column
    let text =
        std::fs::read_to_string(data("eurostat/migr_asyappctza_sdmx_csv2_sample.csv")).unwrap();
    let mut lines = text.lines();
    let head = split_csv(lines.next().unwrap());
    for line in lines {
        let f = split_csv(line);
        for i in (3..head.len()).step_by(2) {
            let Some(list) = v.codelist_for(&head[i]) else {
                continue;
            };
            assert_eq!(
                v.resolve(list, &f[i + 1]).unwrap(),
                f[i],
                "{} {}",
                head[i],
                f[i + 1]
            );
            checked += 1;
        }
    }
    assert!(checked > 250, "{checked}");
}

/// A small quote-aware CSV splitter for the test.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[test]
fn geography_of_the_codes_in_the_shared_files() {
    use chancery_stats::{Geo, GeoKind};
    for (rel, map, ..) in FILES {
        let m = map.map(mapping);
        let (h, obs) = read_all(&data(rel), m.as_ref());
        for (i, d) in h.dimensions.iter().enumerate() {
            if !["geo", "citizen", "c_birth"].contains(&d.as_str()) {
                continue;
            }
            for o in &obs {
                let g = Geo::parse(&o.key[i]).unwrap_or_else(|e| panic!("{rel}: {e}"));
                if let GeoKind::Country(c) = g.kind() {
                    assert_eq!(g.country(), Some(c));
                }
            }
        }
    }
}
