//! `chancery import stats` and `chancery stats ...` on real files (the statistics fixtures in
//! `crates/stats/tests/data`, copied from the project's `shared/data`; see the `SOURCES.md`
//! there), on SQLite and (when configured) PostgreSQL: the checks the statistics work must make.

use chancery_app::{Backend, TestDb};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::BIN;

mod bounds;

/// The committed statistics fixtures of `chancery-stats`.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../stats/tests/data")
}

fn file(rel: &str) -> String {
    fixtures().join(rel).display().to_string()
}

/// Runs the binary against a database URL, with a data directory of its own (opening the
/// database generates the audit keys in `<data>/keys/`; never in the source tree).
fn cli(db: &str, args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--database", db, "--data", data.path().to_str().unwrap()]);
    Command::new(BIN)
        .args(&all)
        .stdin(Stdio::null())
        .env_remove("CHANCERY_DATABASE_URL")
        .env_remove("CHANCERY_AUDIT_KEY")
        .env_remove("CHANCERY_AUDIT_KEY_FILE")
        .output()
        .unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every database this run tests: a SQLite file, and PostgreSQL when configured.
fn databases(rt: &tokio::runtime::Runtime) -> Vec<TestDb> {
    let mut dbs = vec![rt.block_on(TestDb::new(Backend::Sqlite)).unwrap().unwrap()];
    if let Some(pg) = rt.block_on(TestDb::new(Backend::Postgres)).unwrap() {
        dbs.push(pg);
    }
    dbs
}

#[test]
fn real_files_import_and_give_the_published_figures() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for db in databases(&rt) {
        let url = db.url();
        let files = [
            "eurostat/crim_pris_ctz_labels.csv",
            "eurostat/demo_gind_population_labels.csv",
            "eurostat/migr_asyappctza_sdmx_csv2_sample.csv",
            "germany/t62_suspects_2025.csv",
            "germany/azr_nationality_2025.csv",
            "sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland.csv",
        ];
        let mut args = vec!["import", "stats", "--json"];
        let paths: Vec<String> = files.iter().map(|f| file(f)).collect();
        args.extend(paths.iter().map(String::as_str));
        let out = cli(&url, &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summaries = json_lines(&out);
        assert_eq!(summaries.len(), files.len());
        let pris = &summaries[0];
        assert_eq!(pris["dataset"], "crim_pris_ctz");
        assert_eq!(pris["periods"]["first"], "2013");
        assert_eq!(pris["periods"]["last"], "2022");
        assert_eq!(pris["sha256"].as_str().unwrap().len(), 64);
        assert!(pris["observations"].as_i64().unwrap() > 2000);

        // Files that name no dataset need --dataset; the legacy TSV carries flags.
        let tsv = file("eurostat/demo_r_gind3_excerpt.tsv");
        let out = cli(&url, &["import", "stats", "--json", &tsv]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--dataset"));
        let out = cli(
            &url,
            &[
                "import",
                "stats",
                "--json",
                "--dataset",
                "demo_r_gind3",
                &tsv,
            ],
        );
        let s = &json_lines(&out)[0];
        assert_eq!(s["series"], 13);
        assert!(
            s["flags"]["e"].as_i64().unwrap() >= 1 && s["flags"]["b"].as_i64().unwrap() >= 1,
            "{s}"
        );
        assert!(s["missing"].as_i64().unwrap() > 0);
        let js = file("eurostat/migr_pop3ctb_sample.jsonstat.json");
        let out = cli(
            &url,
            &[
                "import",
                "stats",
                "--json",
                "--dataset",
                "migr_pop3ctb",
                &js,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let q = stdout_json(&cli(
            &url,
            &[
                "stats",
                "query",
                "--dataset",
                "migr_pop3ctb",
                "--filter",
                "geo=DE",
                "--json",
            ],
        ));
        let y2011 = q
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["period"] == "2011")
            .unwrap();
        assert_eq!(y2011["flags"], "b", "flat index 153 is DE 2011, flag b");

        // The same bytes again change nothing.
        let again = json_lines(&cli(&url, &["import", "stats", "--json", &paths[0]]));
        assert_eq!(again[0]["release"], pris["release"]);

        // Sweden 2022 foreign share of prisoners: 1,486 / 8,414 = 17.7% [16.9%, 18.5%].
        let share = |geo: &str| {
            stdout_json(&cli(
                &url,
                &[
                    "stats",
                    "share",
                    "--json",
                    "--part",
                    "crim_pris_ctz:citizen=FOR,unit=NR",
                    "--whole",
                    "crim_pris_ctz:citizen=TOTAL,unit=NR",
                    "--geo",
                    geo,
                    "--period",
                    "2022",
                ],
            ))
        };
        let se = share("SE");
        let r = &se["result"];
        assert_eq!(
            (r["part_count"].as_i64(), r["whole_count"].as_i64()),
            (Some(1486), Some(8414))
        );
        assert!((r["percent"].as_f64().unwrap() - 17.66).abs() < 0.01, "{r}");
        assert!((r["interval"]["lower"].as_f64().unwrap() - 0.1686).abs() < 0.0001);
        assert!((r["interval"]["upper"].as_f64().unwrap() - 0.1849).abs() < 0.0001);
        assert_eq!(
            se["observations"].as_array().unwrap().len(),
            2,
            "the observations used are listed"
        );
        let ch = share("CH");
        assert!((ch["result"]["percent"].as_f64().unwrap() - 70.31).abs() < 0.01);
        // Germany reports totals only: no foreign share, and a reason rather than a zero.
        let de = share("DE");
        assert!(de.get("result").is_none());
        assert!(
            de["refusal"]["message"]
                .as_str()
                .unwrap()
                .contains("no observation for DE"),
            "{de}"
        );

        // PKS 2025: the rows for single nationalities sum to the 823,609 non-German suspects.
        let q = stdout_json(&cli(
            &url,
            &[
                "stats",
                "query",
                "--dataset",
                "pks_t62_suspects",
                "--filter",
                "offence=------",
                "--json",
            ],
        ));
        let rows = q.as_array().unwrap();
        let total = |code: &str| {
            rows.iter()
                .find(|o| o["series"]["citizen"] == code)
                .map(|o| o["value"].as_i64().unwrap())
        };
        assert_eq!(total("FOR"), Some(823_609));
        let singles: i64 = rows
            .iter()
            .filter(|o| {
                !["FOR", "NAT", "TOTAL"].contains(&o["series"]["citizen"].as_str().unwrap())
            })
            .map(|o| o["value"].as_i64().unwrap())
            .sum();
        assert_eq!(singles, 823_609);
        // A rate of suspects per 100,000 registered foreigners, with the edge caveat.
        let rate = stdout_json(&cli(
            &url,
            &[
                "stats",
                "rate",
                "--json",
                "--numerator",
                "pks_t62_suspects:citizen=FOR,offence=890000",
                "--denominator",
                "destatis_12521_0003:citizen=FOR,sex=T,age=TOTAL",
                "--geo",
                "DE",
                "--period",
                "2025",
                "--edge",
                "suspects include people not resident in Germany",
            ],
        ));
        let r = &rate["result"];
        assert_eq!(r["denominator_reference_date"], "2025-12-31");
        assert_eq!(r["per"].as_f64(), Some(100000.0));
        let codes: Vec<&str> = r["caveats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap())
            .collect();
        assert!(
            codes.contains(&"counting_noise_only") && codes.contains(&"group_edges"),
            "{codes:?}"
        );
        rt.block_on(db.cleanup());
    }
}

/// A truncated or corrupted copy of each real file is refused with its line, and nothing of
/// it is stored.
#[test]
fn truncated_and_corrupted_copies_are_refused_and_store_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for db in databases(&rt) {
        let url = db.url();
        for (rel, dataset) in [
            ("eurostat/crim_pris_ctz_labels.csv", None),
            ("eurostat/demo_gind_population_labels.csv", None),
            ("eurostat/migr_asyappctza_sdmx_csv2_sample.csv", None),
            ("eurostat/demo_r_gind3_excerpt.tsv", Some("demo_r_gind3")),
            ("eurostat/nama_10r_3gdp_sample.tsv", Some("nama_10r_3gdp")),
            ("germany/t62_suspects_2025.csv", None),
            ("germany/azr_nationality_2025.csv", None),
            (
                "sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland.csv",
                None,
            ),
        ] {
            let text = std::fs::read_to_string(fixtures().join(rel)).unwrap();
            let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
            let lines: Vec<&str> = text.lines().collect();
            // Truncated: cut in the middle of the last line, no final newline.
            let cut = text.trim_end().len() - lines.last().unwrap().len() / 2;
            let truncated = tmp.path().join(format!("truncated-{}", name));
            std::fs::write(&truncated, &text[..cut]).unwrap();
            // Corrupted: the third line loses its last field.
            let mut broken: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let sep = if rel.ends_with(".tsv") { '\t' } else { ',' };
            let third = broken[2].clone();
            broken[2] = third
                .rsplit_once(sep)
                .map(|(a, _)| a.to_string())
                .unwrap_or_default();
            let corrupted = tmp.path().join(format!("corrupted-{}", name));
            std::fs::write(&corrupted, broken.join("\n") + "\n").unwrap();
            for (copy, line) in [(&truncated, lines.len()), (&corrupted, 3)] {
                let copy_s = copy.display().to_string();
                // The shipped mapping is found by file name: name it for the copies.
                let mut args = vec!["import", "stats", "--json", &copy_s];
                let mapping = shared_mapping(rel);
                if let Some(m) = &mapping {
                    args.extend(["--mapping", m.as_str()]);
                }
                if let Some(d) = dataset {
                    args.extend(["--dataset", d]);
                }
                let out = cli(&url, &args);
                assert!(!out.status.success(), "{copy_s} was accepted");
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(
                    err.contains(&format!("{copy_s}:{line}:")),
                    "{rel}: expected line {line}: {err}"
                );
            }
        }
        let datasets = rt.block_on(db.store.datasets()).unwrap();
        assert!(
            datasets.iter().all(|d| d.releases.is_empty()),
            "nothing stored: {datasets:?}"
        );
        rt.block_on(db.cleanup());
    }
}

/// The mapping shipped for a national file, written out for a copy with another name.
fn shared_mapping(rel: &str) -> Option<String> {
    let name = rel.trim_end_matches(".csv");
    let m = match name {
        "germany/t62_suspects_2025"
        | "germany/azr_nationality_2025"
        | "sweden/bra_2021_9_tabellB6_misstankta_per_fodelseland" => name,
        _ => return None,
    };
    Some(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../stats/mappings")
            .join(format!("{m}.toml"))
            .display()
            .to_string(),
    )
}
