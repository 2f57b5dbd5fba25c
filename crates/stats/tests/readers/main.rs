//! Readers, vocabulary and shipped mappings, tested on real files: the fixtures in
//! `tests/data`, copied or cut from the project's `shared/data` (`tests/data/SOURCES.md`). When
//! `shared/data` is present (`CHANCERY_SHARED_DATA`, else beside the checkout), `shared` also
//! compares the fixtures with it. Copies that a test changes are written to temporary
//! directories.

mod bounds;
mod common;
mod equivalence;
mod files;
mod fuzz_corpus;
mod malformed;
mod mapped;
mod perf;
mod shared;
mod variants;
mod vocabulary;
