//! Fuzz target `extract`: the extraction child's entry point; see
//! `chancery_extract::fuzzing::extract` and FUZZING.md. `fuzz_nohook!`: the child answers a
//! parser's panic as a failed extraction (caught, by design), so a caught panic is no crash.

fn main() {
    afl::fuzz_nohook!(|data: &[u8]| {
        chancery_extract::fuzzing::extract(data);
    });
}
