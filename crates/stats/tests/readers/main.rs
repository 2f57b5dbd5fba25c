//! Readers, vocabulary and shipped mappings, tested on the real files in shared/data (read in
//! place: `CHANCERY_SHARED_DATA`, else `<crate>/../../../shared/data`). Copies that a test
//! changes are written to temporary directories.

mod common;
mod equivalence;
mod files;
mod malformed;
mod mapped;
mod perf;
mod variants;
mod vocabulary;
