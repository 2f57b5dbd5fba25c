//! Fuzz target `answer`: the parent's reading of what an extraction child printed; see
//! `chancery_extract::fuzzing::answer` and FUZZING.md.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        chancery_extract::fuzzing::answer(data);
    });
}
