//! A label download and a code download of one dataset give identical series.

use crate::common::*;

/// The codes of the labels in the rows we copy, typed here independently of the vocabulary.
const CODES: &[(&str, &str)] = &[
    ("Annual", "A"),
    ("Foreign country", "FOR"),
    ("Reporting country", "NAT"),
    ("Total", "TOTAL"),
    ("Number", "NR"),
    ("Per hundred thousand inhabitants", "P_HTHAB"),
    ("Sweden", "SE"),
    ("Switzerland", "CH"),
    ("Germany", "DE"),
    ("Greece", "EL"),
    ("England and Wales", "UKC-L"),
    ("Kosovo*", "XK"),
    ("Türkiye", "TR"),
];

fn code(label: &str) -> &'static str {
    CODES
        .iter()
        .find(|(l, _)| *l == label)
        .map(|(_, c)| *c)
        .unwrap_or_else(|| panic!("no code for {label}"))
}

#[test]
fn a_code_download_gives_the_same_series_as_the_label_download() {
    let text = std::fs::read_to_string(data("eurostat/crim_pris_ctz_labels.csv")).unwrap();
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    let wanted = [
        "Sweden",
        "Switzerland",
        "Germany",
        "Greece",
        "England and Wales",
        "Kosovo*",
        "Türkiye",
    ];
    let rows: Vec<&str> = lines
        .filter(|l| {
            let f: Vec<&str> = l.split(',').collect();
            wanted.contains(&f[5]) && ["2021", "2022"].contains(&f[6])
        })
        .collect();
    assert!(rows.len() > 30, "{} rows", rows.len());
    let mut labels = format!("{head}\n");
    let mut codes = format!("{head}\n");
    for r in &rows {
        labels.push_str(r);
        labels.push('\n');
        let f: Vec<&str> = r.split(',').collect();
        let coded: Vec<&str> = f
            .iter()
            .enumerate()
            .map(|(i, v)| if (2..=5).contains(&i) { code(v) } else { v })
            .collect();
        codes.push_str(&coded.join(","));
        codes.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let (lp, cp) = (dir.path().join("labels.csv"), dir.path().join("codes.csv"));
    std::fs::write(&lp, labels).unwrap();
    std::fs::write(&cp, codes).unwrap();

    let raw_l = chancery_stats::read::open(&lp, None, None).unwrap();
    let raw_c = chancery_stats::read::open(&cp, None, None).unwrap();
    assert_eq!(raw_l.header().labelled, vec![true; 4]);
    assert_eq!(raw_c.header().labelled, vec![false; 4]);

    let (hl, ol) = read_all(&lp, None);
    let (hc, oc) = read_all(&cp, None);
    assert_eq!(hl, hc);
    assert_eq!(ol.len(), rows.len());
    let (sl, sc) = (series(&hl, &ol), series(&hc, &oc));
    assert_eq!(sl, sc);
    assert!(sl.contains_key(&(
        "citizen=FOR,freq=A,geo=SE,unit=NR".to_string(),
        "2022".to_string()
    )));
}

#[test]
fn series_keys_do_not_depend_on_column_order() {
    let dims = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        chancery_stats::series_key(
            &dims(&["freq", "geo", "citizen"]),
            &dims(&["A", "SE", "FOR"])
        ),
        chancery_stats::series_key(
            &dims(&["citizen", "freq", "geo"]),
            &dims(&["FOR", "A", "SE"])
        ),
    );
}
