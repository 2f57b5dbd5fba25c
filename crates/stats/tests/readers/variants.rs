//! Written variants of the formats that the shared files do not show.

use crate::common::*;
use chancery_stats::{Format, read};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn tsv_cells_missing_confidential_and_combined_flags() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "x.tsv",
        "\u{feff}freq,unit,geo\\TIME_PERIOD\t2021-Q1 \t2021Q2\t2021-Q3 \t2021-Q4 \r\nA,NR,DE\t: c\t25 p\t-3.5 eb\t:\r\n",
    );
    let (h, obs) = read_all(&p, None);
    assert_eq!(h.dimensions, ["freq", "unit", "geo"]);
    let got: Vec<(&str, Option<f64>, &str)> = obs
        .iter()
        .map(|o| (o.period.as_str(), o.value, o.flags.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("2021-Q1", None, "c"),
            ("2021-Q2", Some(25.0), "p"),
            ("2021-Q3", Some(-3.5), "be"),
            ("2021-Q4", None, "")
        ]
    );
}

#[test]
fn sdmx_csv1_with_codes_and_confidentiality() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "c.csv",
        "DATAFLOW,LAST UPDATE,freq,citizen,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS\n\
         ESTAT:CRIM_PRIS_CTZ(1.0),,A,FOR,NR,SE,2022,1486,,\n\
         ESTAT:CRIM_PRIS_CTZ(1.0),,A,FOR,NR,DE,2022,,,C\n\
         ESTAT:CRIM_PRIS_CTZ(1.0),,A,NAT,NR,SE,2022,6928,p,F\n",
    );
    let r = read::open(&p, None, None).unwrap();
    assert_eq!(r.header().labelled, [false; 4]);
    assert_eq!(r.header().dataset.as_deref(), Some("crim_pris_ctz"));
    let obs: Vec<_> = r.map(Result::unwrap).collect();
    assert_eq!(obs[0].value, Some(1486.0));
    assert_eq!((obs[1].value, obs[1].flags.as_str()), (None, "c"));
    assert_eq!(obs[2].flags.as_str(), "p");
    assert_eq!(obs[2].line, 4);
}

#[test]
fn sdmx_csv1_labels_without_a_freq_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "l.csv",
        "DATAFLOW,LAST UPDATE,indic_de,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n\
         ESTAT:DEMO_GIND(1.0),,Population on 1 January - total,Greece,2024,10397193,\n",
    );
    let (h, obs) = read_all(&p, None);
    assert_eq!(h.dimensions, ["indic_de", "geo"]);
    assert_eq!(obs[0].key, ["JAN", "EL"]);
}

#[test]
fn sdmx_csv2_without_labels_and_with_code_colon_label_cells() {
    let dir = tempfile::tempdir().unwrap();
    let plain = write(
        &dir,
        "p.csv",
        "STRUCTURE,STRUCTURE_ID,ACTION,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n\
         dataflow,ESTAT:MIGR_ASYAPPCTZA(1.0),I,A,AT,2008,12750,\n",
    );
    let joined = write(
        &dir,
        "j.csv",
        "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,freq: Time frequency,geo: Geopolitical entity,TIME_PERIOD: Time,OBS_VALUE: Observation value,OBS_FLAG: Flag\n\
         dataflow,ESTAT:MIGR_ASYAPPCTZA(1.0),\"Asylum applicants, annual\",A: Annual,AT: Austria,2008,12750,\n",
    );
    let a = read_all(&plain, None);
    let b = read_all(&joined, None);
    assert_eq!(a.0.dimensions, ["freq", "geo"]);
    assert_eq!(a.0.dataset.as_deref(), Some("migr_asyappctza"));
    assert_eq!(a, b);
    assert_eq!(a.1[0].key, ["A", "AT"]);
}

#[test]
fn quoted_fields_may_hold_separators_quotes_and_newlines() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "q.csv",
        "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,geo,TIME_PERIOD,OBS_VALUE\n\
         dataflow,ESTAT:X(1.0),\"a \"\"quoted\"\", two-line\nname\",AT,2008,1\n\
         dataflow,ESTAT:X(1.0),plain,DE,2008,2\n\
         dataflow,ESTAT:X(1.0),a stray \" quote,SE,2008,3\n\
         dataflow,ESTAT:X(1.0),plain,FI,2008,4\n",
    );
    let (_, obs) = read_all(&p, None);
    assert_eq!(obs.len(), 4);
    let lines: Vec<u64> = obs.iter().map(|o| o.line).collect();
    assert_eq!(lines, [2, 4, 5, 6]);
    assert_eq!(obs[1].key, ["DE"]);
    assert_eq!(obs[2].key, ["SE"]);
}

#[test]
fn explicit_format_overrides_detection() {
    let p = data("eurostat/nama_10r_3gdp_sample.tsv");
    assert!(read::open(&p, Some(Format::SdmxCsv), None).is_err());
    assert_eq!(
        read::open(&p, Some(Format::SdmxTsv), None).unwrap().count(),
        225
    );
}
