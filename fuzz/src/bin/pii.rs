//! Fuzz target `pii`: see `chancery_domain::fuzzing::pii` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        chancery_domain::fuzzing::pii(data);
    });
}
