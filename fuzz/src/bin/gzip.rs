//! Fuzz target `gzip`: see `chancery_stats::fuzzing::gzip` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let _ = chancery_stats::fuzzing::gzip(data);
    });
}
