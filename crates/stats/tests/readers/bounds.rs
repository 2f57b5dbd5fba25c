//! Bounded reads: each cap of `ReadLimits` stops a hostile file (a gzip bomb, a line with no
//! end, an oversized JSON-stat document or mapping, too many observations) with an error
//! naming the file and the limit. The tests assert the mechanism (the cap's error), never time.

use crate::common::{data, first_error};
use chancery_stats::{Format, Mapping, ReadError, ReadLimits, Vocabulary, read};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;

/// Writes `head`, then `chunk` `times` times, gzip-compressed: a small file that inflates to
/// `head.len() + chunk.len() * times` bytes, without holding them.
fn write_gzip(path: &Path, head: &[u8], chunk: &[u8], times: usize) {
    let f = std::fs::File::create(path).unwrap();
    let mut gz = GzEncoder::new(std::io::BufWriter::new(f), Compression::best());
    gz.write_all(head).unwrap();
    for _ in 0..times {
        gz.write_all(chunk).unwrap();
    }
    gz.finish().unwrap().flush().unwrap();
}

/// The error ending a read of `path` within `limits` (opening included).
fn error_within(path: &Path, format: Option<Format>, limits: &ReadLimits) -> ReadError {
    match read::open_with(path, format, None, limits) {
        Err(e) => e,
        Ok(r) => match r.resolved(Vocabulary::shared()) {
            Err(e) => e,
            Ok(mut r) => loop {
                match r.next() {
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => break e,
                    None => panic!("{} read without error", path.display()),
                }
            },
        },
    }
}

/// A line of SDMX-TSV series (codes the shared vocabulary knows), 10 observations each.
fn tsv_header() -> String {
    let mut h = "freq,unit,geo\\TIME_PERIOD".to_string();
    for y in 2000..2010 {
        h.push_str(&format!("\t{y} "));
    }
    h.push('\n');
    h
}

fn tsv_line(geo: &str) -> String {
    let mut l = format!("A,NR,{geo}");
    for i in 0..10 {
        l.push_str(&format!("\t{} ", 100 + i));
    }
    l.push('\n');
    l
}

#[test]
fn a_gzip_bomb_stops_at_the_decompression_cap() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MiB of valid-looking series lines in a gzip file of a few hundred KiB.
    let path = dir.path().join("bomb.tsv.gz");
    let line = tsv_line("DE");
    write_gzip(
        &path,
        tsv_header().as_bytes(),
        line.as_bytes(),
        (64 * MIB) as usize / line.len(),
    );
    assert!(std::fs::metadata(&path).unwrap().len() < MIB);
    let limits = ReadLimits {
        max_decompressed_bytes: MIB,
        ..ReadLimits::default()
    };
    let e = error_within(&path, None, &limits);
    assert_eq!(e.file, path.display().to_string());
    assert!(
        e.reason
            .contains("decompresses to more than the limit of 1 MiB")
            && e.reason.contains("stats.max_decompressed_bytes"),
        "{e}"
    );
    // It stopped where the cap fell: about 1 MiB into the file, not at its end.
    let per_line = line.len() as u64;
    assert!(
        e.line > 1 && e.line <= MIB / per_line + 2,
        "stopped at line {}: {e}",
        e.line
    );

    // A bomb of one endless line stops at the line cap first (the default caps).
    let path = dir.path().join("endless.tsv.gz");
    write_gzip(&path, tsv_header().as_bytes(), &[b'7'; 64 * 1024], 64);
    let e = error_within(&path, None, &ReadLimits::default());
    assert!(
        e.reason
            .contains("line 2 is longer than the limit of 1 MiB; raise stats.max_line_bytes"),
        "{e}"
    );
    assert_eq!((e.file.as_str(), e.line), (path.to_str().unwrap(), 2));
}

#[test]
fn a_two_gigabyte_line_without_a_newline_stops_at_the_line_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("endless.tsv");
    std::fs::write(&path, tsv_header()).unwrap();
    // A sparse file: the header, then 2 GiB of one line with no newline. Reading it whole
    // would buffer 2 GiB; the reader must stop at the default 1 MiB line cap.
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(2 << 30).unwrap();
    drop(f);
    let e = error_within(&path, Some(Format::SdmxTsv), &ReadLimits::default());
    assert_eq!(e.file, path.display().to_string());
    assert_eq!(e.line, 2, "{e}");
    assert!(
        e.reason
            .contains("line 2 is longer than the limit of 1 MiB; raise stats.max_line_bytes"),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with(&format!("{}:2:1: ", path.display()))
    );
}

#[test]
fn an_over_long_line_is_refused_in_every_line_format() {
    let dir = tempfile::tempdir().unwrap();
    let limits = ReadLimits {
        max_line_bytes: 4 * KIB,
        ..ReadLimits::default()
    };
    let long = "9".repeat(8 * 1024);
    // SDMX-TSV: the third line is too long.
    let tsv = dir.path().join("long.tsv");
    std::fs::write(
        &tsv,
        format!("{}{}A,NR,SE\t{long}\n", tsv_header(), tsv_line("DE")),
    )
    .unwrap();
    // SDMX-CSV: the header is too long.
    let csv = dir.path().join("long.csv");
    std::fs::write(
        &csv,
        format!("DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG{long}\n"),
    )
    .unwrap();
    // SDMX-CSV: a quoted field left open joins lines into one record past the cap, though
    // every line is short.
    let open_quote = dir.path().join("open_quote.csv");
    let mut text = "DATAFLOW,LAST UPDATE,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n\
                    ESTAT:X(1.0),01/01/24 23:00:00,A,DE,2020,1,\n\
                    ESTAT:X(1.0),01/01/24 23:00:00,A,\"DE,2021,1,\n"
        .to_string();
    for _ in 0..200 {
        text.push_str("0123456789012345678901234567890123456789\n");
    }
    std::fs::write(&open_quote, text).unwrap();
    for (path, line, what) in [
        (&tsv, 3, "line 3 is longer"),
        (&csv, 1, "line 1 is longer"),
        (
            &open_quote,
            3,
            "the record starting at line 3 (a quoted field spanning lines) is longer",
        ),
    ] {
        let e = error_within(path, None, &limits);
        assert_eq!(e.file, path.display().to_string());
        assert_eq!(e.line, line, "{e}");
        assert!(e.reason.contains(what), "{e}");
        assert!(
            e.reason
                .contains("the limit of 4 KiB; raise stats.max_line_bytes"),
            "{e}"
        );
    }
    // A mapped national table too.
    let m = crate::common::mapping("germany/t62_suspects_2025");
    let mapped = dir.path().join("t62.csv");
    std::fs::write(
        &mapped,
        format!("bka_code,bka_name,total_all,murder,manslaughter,sexual,imm_offences,total_excl_imm,violent,homicide_all\n121,Albanien{long},1,0,0,0,0,1,0,0\n"),
    )
    .unwrap();
    let e = match read::open_with(&mapped, None, Some(&m), &limits) {
        Err(e) => e,
        Ok(mut r) => r.find_map(Result::err).expect("an error"),
    };
    assert_eq!((e.file.as_str(), e.line), (mapped.to_str().unwrap(), 2));
    assert!(e.reason.contains("stats.max_line_bytes"), "{e}");
    // A line of exactly the cap reads.
    let exact = dir.path().join("exact.tsv");
    let mut line = tsv_line("DE");
    line.pop();
    let pad = 4 * KIB as usize - line.len();
    // Spaces before the first value, which the reader trims.
    let padded = line.replacen("\t100 ", &format!("\t{}100 ", " ".repeat(pad)), 1) + "\n";
    assert_eq!(padded.len() as u64 - 1, 4 * KIB);
    std::fs::write(&exact, format!("{}{padded}", tsv_header())).unwrap();
    let r = read::open_with(&exact, None, None, &limits).unwrap();
    assert_eq!(r.map(Result::unwrap).count(), 10);
}

#[test]
fn an_oversized_json_stat_document_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = data("eurostat/migr_pop3ctb_sample.jsonstat.json");
    let text = std::fs::read(&fixture).unwrap();
    let len = text.len() as u64;
    // Plain: refused from its size, before reading.
    let limits = ReadLimits {
        max_document_bytes: len - 1,
        ..ReadLimits::default()
    };
    let e = error_within(&fixture, None, &limits);
    assert_eq!(e.file, fixture.display().to_string());
    assert_eq!(
        e.reason,
        format!(
            "the JSON-stat document exceeds the limit of {} bytes; raise stats.max_document_bytes",
            len - 1
        )
    );
    assert_eq!(
        e.to_string(),
        format!("{}: {}", fixture.display(), e.reason),
        "a limit of the whole file names no line"
    );
    // Exactly the cap: read.
    let limits = ReadLimits {
        max_document_bytes: len,
        ..ReadLimits::default()
    };
    assert!(read::open_with(&fixture, None, None, &limits).is_ok());

    // Gzip: the document is bounded after decompression, whatever the file's size.
    let gz = dir.path().join("data.json.gz");
    let mut padded = text.clone();
    padded.truncate(padded.iter().rposition(|&b| b == b'}').unwrap());
    write_gzip(&gz, &padded, &[b' '; 64 * 1024], 1024); // 64 MiB of spaces
    let mut f = std::fs::OpenOptions::new().append(true).open(&gz).unwrap();
    // a second gzip member closes the object (read as one stream)
    let mut tail = GzEncoder::new(Vec::new(), Compression::best());
    tail.write_all(b"}\n").unwrap();
    f.write_all(&tail.finish().unwrap()).unwrap();
    drop(f);
    assert!(std::fs::metadata(&gz).unwrap().len() < 512 * KIB);
    let e = error_within(&gz, None, &ReadLimits::default());
    assert_eq!(
        e.to_string(),
        format!(
            "{}: the JSON-stat document exceeds the limit of 64 MiB (decompressed); raise stats.max_document_bytes",
            gz.display()
        )
    );
    // The same document within a larger cap reads: the padding was the only problem.
    let limits = ReadLimits {
        max_document_bytes: 65 * MIB,
        ..ReadLimits::default()
    };
    assert!(read::open_with(&gz, None, None, &limits).is_ok());
}

#[test]
fn json_stat_nesting_stops_at_the_parsers_recursion_limit() {
    // serde_json's recursion limit (128) is on: 100,000 nested arrays are an error, not a
    // stack overflow.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.json");
    let depth = 100_000;
    let text = format!(
        "{{\"id\":[\"time\"],\"size\":[1],\"value\":{}{}}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    std::fs::write(&path, text).unwrap();
    let e = first_error(&path, None);
    assert_eq!(e.file, path.display().to_string());
    assert!(e.reason.contains("recursion limit exceeded"), "{e}");
}

#[test]
fn an_oversized_mapping_file_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("mappings/germany/t62_suspects_2025.toml");
    let text = std::fs::read_to_string(&shipped).unwrap();
    assert!(Mapping::load(&shipped).is_ok());
    // The same mapping padded with 2 MiB of comments: past the default 1 MiB cap.
    let big = dir.path().join("big.toml");
    let comment = format!("# {}\n", "x".repeat(1022));
    std::fs::write(&big, format!("{text}{}", comment.repeat(2048))).unwrap();
    let e = Mapping::load(&big).unwrap_err();
    assert_eq!(e.file, big.display().to_string());
    assert_eq!(
        e.to_string(),
        format!(
            "{}: the mapping file exceeds the limit of 1 MiB; raise stats.max_mapping_bytes",
            big.display()
        )
    );
    // A configured cap applies the same way, and exactly the cap reads.
    let len = text.len() as u64;
    let tight = ReadLimits {
        max_mapping_bytes: len - 1,
        ..ReadLimits::default()
    };
    let e = Mapping::load_with(&shipped, &tight).unwrap_err();
    assert!(
        e.reason
            .contains(&format!("the limit of {} bytes", len - 1)),
        "{e}"
    );
    let exact = ReadLimits {
        max_mapping_bytes: len,
        ..ReadLimits::default()
    };
    assert!(Mapping::load_with(&shipped, &exact).is_ok());
}

#[test]
fn mapping_nesting_stops_at_the_toml_parsers_limit() {
    // toml's nesting limit is on: 10,000 nested arrays are an error, not a stack overflow.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.toml");
    let depth = 10_000;
    std::fs::write(
        &path,
        format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
    )
    .unwrap();
    let e = Mapping::load(&path).unwrap_err();
    assert_eq!(e.file, path.display().to_string());
    assert!(e.reason.contains("not a valid mapping"), "{e}");
}

#[test]
fn observations_past_the_cap_are_refused_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let limits = ReadLimits {
        max_observations: 15,
        ..ReadLimits::default()
    };
    let tsv = dir.path().join("two.tsv");
    std::fs::write(
        &tsv,
        format!("{}{}{}", tsv_header(), tsv_line("DE"), tsv_line("SE")),
    )
    .unwrap();
    let e = error_within(&tsv, None, &limits);
    assert_eq!((e.file.as_str(), e.line), (tsv.to_str().unwrap(), 3));
    assert!(
        e.reason.contains(
            "the file holds more than the limit of 15 observations; raise stats.max_observations"
        ),
        "{e}"
    );
    // JSON-stat, whose observations are held at once, is refused while they are gathered.
    let json = data("eurostat/migr_pop3ctb_sample.jsonstat.json");
    let e = error_within(&json, None, &limits);
    assert_eq!(e.file, json.display().to_string());
    assert!(
        e.reason.contains(
            "the dataset holds more than the limit of 15 observations; raise stats.max_observations"
        ),
        "{e}"
    );
}
