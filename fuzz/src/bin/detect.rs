//! Fuzz target `detect`: see `chancery_stats::fuzzing::detect` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let _ = chancery_stats::fuzzing::detect(data);
    });
}
