//! Fuzz target `sdmx_csv`: see `chancery_stats::fuzzing::sdmx_csv` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let _ = chancery_stats::fuzzing::sdmx_csv(data);
    });
}
