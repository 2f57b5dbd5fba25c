//! Fuzz target `jsonstat`: see `chancery_stats::fuzzing::jsonstat` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let _ = chancery_stats::fuzzing::jsonstat(data);
    });
}
