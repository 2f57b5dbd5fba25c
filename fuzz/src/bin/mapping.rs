//! Fuzz target `mapping`: see `chancery_stats::fuzzing::mapping` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let _ = chancery_stats::fuzzing::mapping(data);
    });
}
