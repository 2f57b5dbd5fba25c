//! Replays the fuzz corpora: every file kept in `fuzz/corpus/<target>/` (seeds) and
//! `fuzz/regressions/<target>/` (inputs that once crashed) of the domain targets (quote
//! normaliser, PII detector, `input::form_to_json`) goes through the same entry function the
//! fuzz target calls (`chancery_domain::fuzzing`), which must return without panicking and
//! keep the promises it asserts. See FUZZING.md.
//!
//! A module of the crate's one integration-test binary (`tests/pii.rs`), kept in a folder so
//! Cargo does not build it as a binary of its own.

use chancery_domain::fuzzing::TARGETS;
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
fn every_corpus_and_regression_input_runs_without_panicking() {
    for (target, entry) in TARGETS {
        let seeds = inputs("corpus", target);
        assert!(!seeds.is_empty(), "fuzz/corpus/{target} holds no seeds");
        for path in seeds.iter().chain(&inputs("regressions", target)) {
            let bytes = std::fs::read(path).unwrap();
            let result = std::panic::catch_unwind(|| entry(&bytes));
            assert!(result.is_ok(), "{target}: {} panicked", path.display());
        }
    }
}
