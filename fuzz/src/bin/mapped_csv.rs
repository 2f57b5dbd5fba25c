//! Fuzz target `mapped_csv`: see `chancery_stats::fuzzing::mapped_csv` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let _ = chancery_stats::fuzzing::mapped_csv(data);
    });
}
