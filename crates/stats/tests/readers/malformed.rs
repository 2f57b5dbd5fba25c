//! Truncated and corrupted copies of every real file are refused at the right line.

use crate::common::*;

/// The 1-based line that byte offset `at` lies on.
fn line_of(text: &str, at: usize) -> u64 {
    text[..at].matches('\n').count() as u64 + 1
}

/// Byte range of line `n` (1-based), without its newline.
fn line_range(text: &str, n: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for _ in 1..n {
        start += text[start..].find('\n').unwrap() + 1;
    }
    let end = start + text[start..].find('\n').unwrap();
    start..end
}

#[test]
fn a_truncated_copy_is_refused_at_its_last_line() {
    let dir = tempfile::tempdir().unwrap();
    for (rel, map, ..) in FILES {
        let text = std::fs::read_to_string(data(rel)).unwrap();
        let nlines = text.lines().count();
        // cut in the middle of a line about two thirds in
        let r = line_range(&text, (nlines * 2 / 3).max(2));
        let mut cut = r.start + (r.end - r.start) / 2;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        let path = dir
            .path()
            .join(std::path::Path::new(rel).file_name().unwrap());
        std::fs::write(&path, &text[..cut]).unwrap();
        let m = map.map(mapping);
        let e = first_error(&path, m.as_ref());
        assert_eq!(e.line, line_of(&text, cut), "{rel}: {e}");
        assert_eq!(e.file, path.display().to_string());
        assert!(e.column >= 1, "{rel}: {e}");
        if !rel.ends_with(".json") {
            assert!(e.reason.contains("truncated"), "{rel}: {e}");
        }
    }
}

#[test]
fn a_row_with_a_field_removed_is_refused_at_that_row() {
    let dir = tempfile::tempdir().unwrap();
    for (rel, map, ..) in FILES {
        let text = std::fs::read_to_string(data(rel)).unwrap();
        let nlines = text.lines().count();
        let n = (nlines / 2).max(2);
        let r = line_range(&text, n);
        let line = &text[r.clone()];
        let corrupted = if rel.ends_with(".json") {
            // JSON: a cut file (a row of JSON removed from the middle leaves it unparsable
            // only sometimes; a cut never parses)
            text[..r.end].to_string()
        } else {
            let sep = if rel.ends_with(".tsv") { '\t' } else { ',' };
            let last = line.rfind(sep).unwrap();
            format!("{}{}{}", &text[..r.start], &line[..last], &text[r.end..])
        };
        let path = dir
            .path()
            .join(std::path::Path::new(rel).file_name().unwrap());
        std::fs::write(&path, corrupted).unwrap();
        let m = map.map(mapping);
        let e = first_error(&path, m.as_ref());
        assert_eq!(e.line, n as u64, "{rel}: {e}");
        if !rel.ends_with(".json") {
            assert!(
                e.reason.contains("fields") || e.reason.contains("values"),
                "{rel}: {e}"
            );
        }
    }
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn bad_cells_are_refused_with_line_column_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let tsv_head = "freq,unit,geo\\TIME_PERIOD\t2020 \t2021 \n";
    let cases: &[(&str, String, u64, u64, &str)] = &[
        ("num.tsv", format!("{tsv_head}A,NR,DE\t12 \t1x3 e\n"), 2, 13, "not a number"),
        ("flag.tsv", format!("{tsv_head}A,NR,DE\t12 \t13 e1\n"), 2, 13, "flags"),
        ("key.tsv", format!("{tsv_head}A,DE\t12 \t13 \n"), 2, 1, "codes"),
        ("period.tsv", "freq,geo\\time\t2020\t20x1\nA,DE\t1\t2\n".into(), 1, 20, "period"),
        ("nohead.tsv", "freq,geo\t2020\nA,DE\t1\n".into(), 1, 1, "dimensions"),
        (
            "period.csv",
            "DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\nESTAT:X(1.0),,A,DE,2020-13,5,\n".into(),
            2,
            20,
            "period",
        ),
        (
            "value.csv",
            "DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\nESTAT:X(1.0),,A,DE,2020,five,\n".into(),
            2,
            25,
            "number",
        ),
        (
            "flags.csv",
            "DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\nESTAT:X(1.0),,A,DE,2020,5,e!\n".into(),
            2,
            27,
            "flags",
        ),
        (
            "mixed.csv",
            "DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\nESTAT:X(1.0),,A,DE,2020,5,\nESTAT:Y(1.0),,A,DE,2021,5,\n".into(),
            3,
            1,
            "one dataset",
        ),
        (
            "label.csv",
            "DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\nESTAT:X(1.0),,Annual,Germany,2020,5,\nESTAT:X(1.0),,Annual,Atlantis,2021,5,\n".into(),
            3,
            22,
            "Atlantis",
        ),
        ("cut.json", "{\"version\":\"2.0\",\n\"id\":[\"time\"],\n\"size\":[1".into(), 3, 9, "JSON"),
        (
            "badidx.json",
            r#"{"id":["geo","time"],"size":[1,1],"dimension":{"geo":{"category":{"index":{"DE":0}}},"time":{"category":{"index":{"2020":0}}}},"value":{"7":1}}"#.into(),
            1,
            1,
            "flat index",
        ),
        ("quote.csv", "DATAFLOW,freq,TIME_PERIOD,OBS_VALUE\n\"ESTAT:X(1.0)\"x,A,2020,1\n".into(), 2, 15, "quoted"),
    ];
    for (name, text, line, col, why) in cases {
        let p = write(&dir, name, text);
        let e = first_error(&p, None);
        assert_eq!((e.line, e.column), (*line, *col), "{name}: {e}");
        assert!(e.reason.contains(why), "{name}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("{}:{line}:{col}: ", p.display())),
            "{e}"
        );
    }
}

#[test]
fn empty_and_binary_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(&dir, "empty.tsv", "");
    assert!(chancery_stats::read::detect(&empty).is_err());
    assert!(
        chancery_stats::read::open(&empty, Some(chancery_stats::Format::SdmxTsv), None).is_err()
    );
    let p = dir.path().join("bin.dat");
    std::fs::write(&p, [0u8, 1, 2, 3, 0, 0, 9]).unwrap();
    assert!(chancery_stats::read::detect(&p).is_err());
    let missing = dir.path().join("nope.csv");
    let e = chancery_stats::read::open(&missing, None, None)
        .err()
        .unwrap();
    assert_eq!(e.file, missing.display().to_string());
}

mod no_panic {
    use crate::common::*;
    use proptest::prelude::*;

    /// Small real files of every format, with the mapping each needs.
    const SMALL: &[(&str, Option<&str>)] = &[
        ("eurostat/demo_r_gind3_excerpt.tsv", None),
        ("eurostat/nama_10r_3gdp_sample.tsv", None),
        ("eurostat/migr_pop3ctb_sample.jsonstat.json", None),
        ("eurostat/migr_asyappctza_sdmx_csv2_sample.csv", None),
        (
            "sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland.csv",
            Some("sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland"),
        ),
        (
            "germany/t62_suspects_2025.csv",
            Some("germany/t62_suspects_2025"),
        ),
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever bytes are changed, removed or inserted, reading ends in observations or an
        /// error, never a panic.
        #[test]
        fn mutated_files_never_panic(
            which in 0..SMALL.len(),
            edits in proptest::collection::vec((any::<u16>(), 0u8..3, any::<u8>()), 1..6),
        ) {
            let (rel, map) = SMALL[which];
            let mut bytes = std::fs::read(data(rel)).unwrap();
            for (pos, op, b) in edits {
                let at = pos as usize % bytes.len().max(1);
                match op {
                    0 => { if at < bytes.len() { bytes.remove(at); } }
                    1 => bytes.insert(at, b),
                    _ => { if at < bytes.len() { bytes[at] = b; } }
                }
            }
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(std::path::Path::new(rel).file_name().unwrap());
            std::fs::write(&path, &bytes).unwrap();
            let m = map.map(mapping);
            let _ = try_read_all(&path, m.as_ref());
            let _ = chancery_stats::read::detect(&path);
        }
    }
}
