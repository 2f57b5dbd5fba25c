//! Fuzz target `quote`: see `chancery_domain::fuzzing::quote` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        chancery_domain::fuzzing::quote(data);
    });
}
