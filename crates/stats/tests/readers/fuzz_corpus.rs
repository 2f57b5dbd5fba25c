//! Replays the fuzz corpora: every file kept in `fuzz/corpus/<target>/` (seeds) and
//! `fuzz/regressions/<target>/` (inputs that once crashed) of the statistics targets goes
//! through the same entry function the fuzz target calls (`chancery_stats::fuzzing`), which
//! must return, an observation count or a clean error, and never panic. See FUZZING.md.

use chancery_stats::fuzzing::TARGETS;
use std::path::{Path, PathBuf};

/// The files of `fuzz/<kind>/<target>/` (dotfiles such as `.gitkeep` left out), sorted.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_regression_input_reads_without_panicking() {
    for (target, entry) in TARGETS {
        let seeds = inputs("corpus", target);
        assert!(!seeds.is_empty(), "fuzz/corpus/{target} holds no seeds");
        for path in seeds.iter().chain(&inputs("regressions", target)) {
            let bytes = std::fs::read(path).unwrap();
            // Ok or a clean error; a panic fails the test and names nothing, so say which.
            let result = std::panic::catch_unwind(|| entry(&bytes));
            assert!(result.is_ok(), "{target}: {} panicked", path.display());
        }
    }
}

#[test]
fn the_seeds_are_read_by_their_readers() {
    // The seeds are real files cut from the fixtures: each reads without error, and the
    // statistics seeds yield observations, so the fuzzer starts from inputs that go deep.
    for (target, entry) in TARGETS {
        for path in inputs("corpus", target) {
            let bytes = std::fs::read(&path).unwrap();
            match entry(&bytes) {
                Ok(n) => assert!(
                    n > 0 || *target == "detect" && path.ends_with("plain-azr.bin"),
                    "{target}: {} reads no observations",
                    path.display()
                ),
                Err(e) if *target == "detect" && path.ends_with("plain-azr.bin") => {
                    // A plain national table is detected as such: reading it needs a mapping.
                    assert!(e.reason.contains("needs a mapping"), "{e}");
                }
                Err(e) => panic!("{target}: {}: {e}", path.display()),
            }
        }
    }
}
