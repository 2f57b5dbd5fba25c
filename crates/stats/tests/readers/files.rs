//! Each real file reads whole, with the dimensions, dataset code and count it must have.

use crate::common::*;
use chancery_stats::{Format, RawObs, read};

#[test]
fn every_file_reads_with_its_dimensions_dataset_and_count() {
    for (rel, map, dataset, dims, count) in FILES {
        let m = map.map(mapping);
        let (header, obs) = read_all(&data(rel), m.as_ref());
        assert_eq!(header.dimensions, *dims, "{rel}");
        assert_eq!(header.dataset.as_deref(), *dataset, "{rel}");
        assert_eq!(obs.len(), *count, "{rel}");
        assert!(
            header.labelled.iter().all(|l| !l),
            "{rel}: resolved header says codes"
        );
        for o in &obs {
            assert_eq!(o.key.len(), dims.len(), "{rel}");
        }
        // no two observations of one series and period
        series(&header, &obs);
    }
}

#[test]
fn formats_are_detected_from_the_content() {
    let want = [
        ("eurostat/crim_pris_ctz_labels.csv", Format::SdmxCsv),
        ("eurostat/demo_gind_population_labels.csv", Format::SdmxCsv),
        ("eurostat/demo_r_gind3_excerpt.tsv", Format::SdmxTsv),
        ("eurostat/nama_10r_3gdp_sample.tsv", Format::SdmxTsv),
        (
            "eurostat/migr_pop3ctb_sample.jsonstat.json",
            Format::JsonStat,
        ),
        (
            "eurostat/migr_asyappctza_sdmx_csv2_sample.csv",
            Format::SdmxCsv,
        ),
        ("eurostat/migr_pop1ctz_reshaped.csv", Format::MappedCsv),
        ("germany/t62_suspects_2025.csv", Format::MappedCsv),
        ("germany/azr_nationality_2025.csv", Format::MappedCsv),
        (
            "sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland.csv",
            Format::MappedCsv,
        ),
    ];
    for (rel, f) in want {
        assert_eq!(read::detect(&data(rel)).unwrap(), f, "{rel}");
    }
    // a plain table without a mapping is refused with a reason
    let e = read::open(&data("germany/t62_suspects_2025.csv"), None, None)
        .err()
        .unwrap();
    assert!(e.reason.contains("mapping"), "{e}");
}

#[test]
fn label_files_are_detected_as_labels() {
    let r = read::open(&data("eurostat/crim_pris_ctz_labels.csv"), None, None).unwrap();
    assert_eq!(r.header().labelled, vec![true; 4]);
    let r = read::open(
        &data("eurostat/migr_asyappctza_sdmx_csv2_sample.csv"),
        None,
        None,
    )
    .unwrap();
    assert_eq!(r.header().labelled, vec![false; 7]);
}

#[test]
fn crim_pris_ctz_labels_resolve_to_the_published_figures() {
    let (h, obs) = read_all(&data("eurostat/crim_pris_ctz_labels.csv"), None);
    let v = |geo: &str, cit: &str| {
        value_of(
            &h,
            &obs,
            &[
                ("geo", geo),
                ("citizen", cit),
                ("unit", "NR"),
                ("freq", "A"),
            ],
            "2022",
        )
    };
    assert_eq!(v("SE", "FOR"), Some(1486.0));
    assert_eq!(v("SE", "TOTAL"), Some(8414.0));
    assert_eq!(v("CH", "FOR"), Some(4396.0));
    assert_eq!(v("CH", "TOTAL"), Some(6252.0));
    assert_eq!(v("DE", "TOTAL"), Some(57465.0));
    let geo = h.dimensions.iter().position(|d| d == "geo").unwrap();
    let cit = h.dimensions.iter().position(|d| d == "citizen").unwrap();
    assert!(
        obs.iter()
            .any(|o| o.key[geo] == "DE" && o.key[cit] == "TOTAL")
    );
    assert!(
        !obs.iter()
            .any(|o| o.key[geo] == "DE" && o.key[cit] == "FOR"),
        "Germany reports totals only"
    );
    for national_unit in ["UKC-L", "UKM", "UKN", "XK", "EL", "TR"] {
        assert!(
            obs.iter().any(|o| o.key[geo] == national_unit),
            "{national_unit}"
        );
    }
}

#[test]
fn legacy_tsv_reads_newest_first_years_flags_and_missing() {
    let (h, obs) = read_all(&data("eurostat/demo_r_gind3_excerpt.tsv"), None);
    assert_eq!(h.format, Format::SdmxTsv);
    // file order: first series, newest year first
    assert_eq!(obs[0].key, ["CNMIGRAT", "AL"]);
    assert_eq!(obs[0].period, "2019");
    assert_eq!(obs[0].value, None);
    assert_eq!(obs[1].period, "2018");
    assert_eq!(obs[1].value, Some(-15027.0));
    assert_eq!(obs[19].period, "2000");
    let find = |geo: &str, p: &str| -> &RawObs {
        obs.iter()
            .find(|o| o.key[1] == geo && o.period == p)
            .unwrap()
    };
    let al15 = find("AL", "2015");
    assert_eq!((al15.value, al15.flags.as_str()), (Some(-27007.0), "e"));
    let be12 = find("BE", "2012");
    assert_eq!((be12.value, be12.flags.as_str()), (Some(43110.0), "b"));
    let be11 = find("BE", "2011");
    assert_eq!((be11.value, be11.flags.as_str()), (Some(69799.0), "b"));
    let be1 = find("BE1", "2014");
    assert_eq!((be1.value, be1.flags.as_str()), (Some(1796.0), "b"));
    assert!(find("AL", "2012").value.is_none());
    assert_eq!(find("AT", "2000").value, Some(17272.0));
    assert_eq!(obs[0].line, 2);
}

#[test]
fn new_tsv_reads() {
    let (h, obs) = read_all(&data("eurostat/nama_10r_3gdp_sample.tsv"), None);
    assert_eq!(h.dimensions, ["freq", "unit", "geo"]);
    assert_eq!(obs[0].key, ["A", "EUR_HAB", "AL"]);
    assert_eq!(obs[0].period, "2000");
    assert!(obs[0].value.is_none());
    let al08 = obs
        .iter()
        .find(|o| o.key[2] == "AL" && o.period == "2008")
        .unwrap();
    assert_eq!(al08.value, Some(3100.0));
    assert!(al08.flags.is_empty());
    let al011 = obs
        .iter()
        .find(|o| o.key[2] == "AL011" && o.period == "2022")
        .unwrap();
    assert_eq!(al011.value, Some(4500.0));
    assert_eq!(obs.iter().filter(|o| o.value.is_some()).count(), 9 * 15);
}

#[test]
fn jsonstat_flat_index_153_is_germany_2011_with_break() {
    let (h, obs) = read_all(&data("eurostat/migr_pop3ctb_sample.jsonstat.json"), None);
    let o = obs.iter().find(|o| o.line == 153).unwrap();
    assert_eq!(o.key, ["A", "FOR", "TOTAL", "NR", "T", "DE"]);
    assert_eq!(o.period, "2011");
    assert_eq!(o.value, Some(8935603.0));
    assert_eq!(o.flags.as_str(), "b");
    assert_eq!(h.dataset, None);
    let by = |i: u64| obs.iter().find(|o| o.line == i).unwrap();
    assert_eq!(
        (
            by(17).key[5].as_str(),
            by(17).period.as_str(),
            by(17).flags.as_str()
        ),
        ("EU27_2020", "2015", "be")
    );
    assert_eq!(by(26).flags.as_str(), "ep");
    assert_eq!(by(306).flags.as_str(), "p");
    // ascending flat index
    assert!(obs.windows(2).all(|w| w[0].line < w[1].line));
}

#[test]
fn jsonstat_dense_equals_sparse() {
    let path = data("eurostat/migr_pop3ctb_sample.jsonstat.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let total: usize = doc["size"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap() as usize)
        .product();
    let mut values = vec![serde_json::Value::Null; total];
    let mut status = vec![serde_json::Value::Null; total];
    for (k, v) in doc["value"].as_object().unwrap() {
        values[k.parse::<usize>().unwrap()] = v.clone();
    }
    for (k, v) in doc["status"].as_object().unwrap() {
        status[k.parse::<usize>().unwrap()] = v.clone();
    }
    doc["value"] = serde_json::Value::Array(values);
    doc["status"] = serde_json::Value::Array(status);
    // index as arrays too
    for d in ["geo", "time"] {
        let idx = doc["dimension"][d]["category"]["index"]
            .as_object()
            .unwrap()
            .clone();
        let mut codes = vec![String::new(); idx.len()];
        for (c, p) in idx {
            codes[p.as_u64().unwrap() as usize] = c;
        }
        doc["dimension"][d]["category"]["index"] = serde_json::json!(codes);
    }
    let dir = tempfile::tempdir().unwrap();
    let dense = dir.path().join("dense.json");
    std::fs::write(&dense, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let (h1, a) = read_all(&path, None);
    let (h2, b) = read_all(&dense, None);
    assert_eq!(h1, h2);
    assert_eq!(a, b);
}

#[test]
fn sdmx_csv2_with_labels_both_uses_the_codes() {
    let (h, obs) = read_all(&data("eurostat/migr_asyappctza_sdmx_csv2_sample.csv"), None);
    assert_eq!(h.dataset.as_deref(), Some("migr_asyappctza"));
    assert_eq!(
        obs[0].key,
        ["A", "TOTAL", "T", "PER", "TOTAL", "ASY_APP", "AT"]
    );
    assert_eq!(obs[0].period, "2008");
    assert_eq!(obs[0].value, Some(12750.0));
    assert_eq!(obs[0].line, 2);
    let geos: std::collections::BTreeSet<&str> = obs.iter().map(|o| o.key[6].as_str()).collect();
    assert_eq!(geos.into_iter().collect::<Vec<_>>(), ["AT", "BE", "BG"]);
}

#[test]
fn gzip_of_a_real_file_reads_identically() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    for (rel, map, ..) in FILES {
        let plain = data(rel);
        let gz = dir.path().join(format!(
            "{}.gz",
            plain.file_name().unwrap().to_string_lossy()
        ));
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::default(),
        );
        enc.write_all(&std::fs::read(&plain).unwrap()).unwrap();
        enc.finish().unwrap();
        let m = map.map(mapping);
        assert_eq!(
            read::detect(&gz).unwrap(),
            read::detect(&plain).unwrap(),
            "{rel}"
        );
        let a = read_all(&plain, m.as_ref());
        let b = read_all(&gz, m.as_ref());
        assert_eq!(a, b, "{rel}");
    }
}
