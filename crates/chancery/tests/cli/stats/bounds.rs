//! `chancery import stats` within its read limits, on SQLite and (when configured)
//! PostgreSQL: a gzip bomb, an over-long line, an oversized JSON-stat document and an
//! oversized mapping are each refused with an error naming the file and the limit, and nothing
//! of them is stored, even after batches were staged. The limits come from the settings
//! (`CHANCERY_STATS_*`, `[stats]` in `chancery.toml`). No test is timed.

use super::BIN;
use super::{databases, fixtures};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `chancery import stats --json FILE ...` against `db` in `dir`, with `envs`.
fn import(db: &str, dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["import", "stats", "--json"])
        .args(args)
        .args(["--database", db])
        .current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("CHANCERY_DATABASE_URL");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// The one error line the import printed; it must have failed.
fn failure(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// `lines` distinct series of an SDMX-TSV (10 observations each): codes only.
fn tsv(lines: usize) -> String {
    let mut t = "freq,unit,geo\\TIME_PERIOD".to_string();
    for y in 2000..2010 {
        t.push_str(&format!("\t{y} "));
    }
    t.push('\n');
    for i in 0..lines {
        t.push_str(&format!("A,NR,G{i:06}"));
        for y in 0..10 {
            t.push_str(&format!("\t{} ", i + y));
        }
        t.push('\n');
    }
    t
}

/// Writes `head` then `chunk` `times` times, gzip-compressed.
fn write_gzip(path: &Path, head: &[u8], chunk: &[u8], times: usize) {
    let f = std::fs::File::create(path).unwrap();
    let mut gz = GzEncoder::new(std::io::BufWriter::new(f), Compression::best());
    gz.write_all(head).unwrap();
    for _ in 0..times {
        gz.write_all(chunk).unwrap();
    }
    gz.finish().unwrap().flush().unwrap();
}

fn nothing_stored(rt: &tokio::runtime::Runtime, db: &chancery_app::TestDb) {
    let datasets = rt.block_on(db.store.datasets()).unwrap();
    assert!(
        datasets.iter().all(|d| d.releases.is_empty()),
        "nothing stored: {datasets:?}"
    );
}

#[test]
fn a_gzip_bomb_is_refused_at_the_decompression_cap_after_staging_and_stores_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // 30,000 observations (a batch of 20,000 is staged), then 64 MiB of blank lines that the
    // reader would skip: a file of a few hundred KiB.
    let bomb = tmp.path().join("bomb.tsv.gz");
    write_gzip(&bomb, tsv(3_000).as_bytes(), &[b'\n'; 64 * 1024], 1024);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    let bomb_s = bomb.display().to_string();
    for db in databases(&rt) {
        let out = import(
            &db.url(),
            tmp.path(),
            &["--dataset", "bomb", &bomb_s],
            &[("CHANCERY_STATS_MAX_DECOMPRESSED_BYTES", "1048576")],
        );
        let err = failure(&out);
        assert!(
            err.contains(&format!("{bomb_s}:"))
                && err.contains(
                    "the file decompresses to more than the limit of 1 MiB; raise stats.max_decompressed_bytes"
                ),
            "{err}"
        );
        nothing_stored(&rt, &db);
        rt.block_on(db.cleanup());
    }
}

#[test]
fn an_over_long_line_is_refused_naming_its_line_and_the_cap_and_stores_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("long.tsv");
    let mut text = tsv(3_000);
    // A valid series whose first value is preceded by 100,000 spaces (the reader trims them).
    text.push_str(&format!(
        "A,NR,LONG\t{}1 \t2 \t3 \t4 \t5 \t6 \t7 \t8 \t9 \t10 \n",
        " ".repeat(100_000)
    ));
    std::fs::write(&path, text).unwrap();
    let path_s = path.display().to_string();
    for db in databases(&rt) {
        let out = import(
            &db.url(),
            tmp.path(),
            &["--dataset", "long", &path_s],
            &[("CHANCERY_STATS_MAX_LINE_BYTES", "65536")],
        );
        let err = failure(&out);
        assert!(
            err.contains(&format!(
                "{path_s}:3002:1: line 3002 is longer than the limit of 64 KiB; raise stats.max_line_bytes"
            )),
            "{err}"
        );
        nothing_stored(&rt, &db);
        // Within the default cap the same file imports.
        let out = import(&db.url(), tmp.path(), &["--dataset", "long", &path_s], &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        rt.block_on(db.cleanup());
    }
}

#[test]
fn an_oversized_json_stat_document_is_refused_naming_the_cap_and_stores_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let fixture = fixtures().join("eurostat/migr_pop3ctb_sample.jsonstat.json");
    let text = std::fs::read(&fixture).unwrap();
    // data.json.gz: the dataset followed by 64 MiB of spaces, under 512 KiB compressed.
    let gz = tmp.path().join("data.json.gz");
    let mut open = text.clone();
    open.truncate(open.iter().rposition(|&b| b == b'}').unwrap());
    write_gzip(&gz, &open, &[b' '; 64 * 1024], 1024);
    let mut f = std::fs::OpenOptions::new().append(true).open(&gz).unwrap();
    let mut tail = GzEncoder::new(Vec::new(), Compression::best());
    tail.write_all(b"}\n").unwrap();
    f.write_all(&tail.finish().unwrap()).unwrap();
    drop(f);
    assert!(std::fs::metadata(&gz).unwrap().len() < 512 << 10);
    let gz_s = gz.display().to_string();
    // The plain fixture, past a cap set in chancery.toml.
    let cfg = tempfile::tempdir().unwrap();
    std::fs::write(
        cfg.path().join("chancery.toml"),
        "[stats]\nmax_document_bytes = 4096\n",
    )
    .unwrap();
    let fixture_s = fixture.display().to_string();
    for db in databases(&rt) {
        // The default caps.
        let out = import(
            &db.url(),
            tmp.path(),
            &["--dataset", "migr_pop3ctb", &gz_s],
            &[],
        );
        let err = failure(&out);
        assert!(
            err.contains(&format!(
                "{gz_s}: the JSON-stat document exceeds the limit of 64 MiB (decompressed); raise stats.max_document_bytes"
            )),
            "{err}"
        );
        let out = import(
            &db.url(),
            cfg.path(),
            &["--dataset", "migr_pop3ctb", &fixture_s],
            &[],
        );
        let err = failure(&out);
        assert!(
            err.contains(&format!(
                "{fixture_s}: the JSON-stat document exceeds the limit of 4 KiB; raise stats.max_document_bytes"
            )),
            "{err}"
        );
        nothing_stored(&rt, &db);
        rt.block_on(db.cleanup());
    }
}

#[test]
fn an_oversized_mapping_file_is_refused_naming_the_cap_and_stores_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../stats/mappings/germany/t62_suspects_2025.toml");
    let mapping = std::fs::read_to_string(&shipped).unwrap();
    // The shipped mapping padded with 2 MiB of comments: past the default 1 MiB cap.
    let big = tmp.path().join("big.toml");
    let comment = format!("# {}\n", "x".repeat(1022));
    std::fs::write(&big, format!("{mapping}{}", comment.repeat(2048))).unwrap();
    let big_s = big.display().to_string();
    let table = fixtures().join("germany/t62_suspects_2025.csv");
    let table_s = table.display().to_string();
    for db in databases(&rt) {
        let out = import(&db.url(), tmp.path(), &["--mapping", &big_s, &table_s], &[]);
        let err = failure(&out);
        assert!(
            err.contains(&format!(
                "{big_s}: the mapping file exceeds the limit of 1 MiB; raise stats.max_mapping_bytes"
            )),
            "{err}"
        );
        // The shipped mapping's own file, under a cap set lower than its size.
        let shipped_s = shipped.display().to_string();
        let out = import(
            &db.url(),
            tmp.path(),
            &["--mapping", &shipped_s, &table_s],
            &[("CHANCERY_STATS_MAX_MAPPING_BYTES", "1024")],
        );
        let err = failure(&out);
        assert!(
            err.contains(&format!(
                "{shipped_s}: the mapping file exceeds the limit of 1 KiB; raise stats.max_mapping_bytes"
            )),
            "{err}"
        );
        nothing_stored(&rt, &db);
        rt.block_on(db.cleanup());
    }
}
