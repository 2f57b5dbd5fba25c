//! Fuzz target `form`: see `chancery_domain::fuzzing::form` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        chancery_domain::fuzzing::form(data);
    });
}
