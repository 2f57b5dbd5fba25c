//! Fuzz target `sdmx_tsv`: see `chancery_stats::fuzzing::sdmx_tsv` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let _ = chancery_stats::fuzzing::sdmx_tsv(data);
    });
}
