//! Entry points of the fuzz targets in `fuzz/` (see FUZZING.md). The fuzz binaries and the
//! corpus replay in `tests/extract.rs` call the same functions, so every input kept in
//! `fuzz/corpus/` and `fuzz/regressions/` runs exactly as the fuzzer ran it.
//!
//! Two targets:
//! - [`extract`], the child's entry point: [`run`](crate::run) on a document, and the
//!   parent's reading of the lines the child would print;
//! - [`answer`], the parent's reading of whatever a child might print: arbitrary bytes as
//!   the child's standard output.
//!
//! # What a crash means in `extract`
//!
//! The child exists because lopdf (under pdf-extract) recurses once per level of nesting of
//! a PDF array or dictionary, without a bound: a document nested deeply enough overflows any
//! stack, and a stack overflow aborts the process. In the server that ends only the child,
//! whose stack is limited (`ExtractLimits::stack`) and whose abort is answered as a failed
//! extraction; the test `crates/chancery/tests/cli/hostile.rs` shows it. Fuzzed in-process,
//! the same abort would be the first crash found, again and again, and would hide everything
//! else. So the target bounds the nesting an input can hold by its length
//! ([`MAX_DOCUMENT`] bytes, longer inputs are skipped) and runs the parser on a thread with
//! a stack ([`PARSER_STACK`]) far deeper than that nesting needs (the replay test checks a
//! document of [`MAX_DOCUMENT`] bytes nested as deep as it can be). Any crash the fuzzer
//! keeps is then something other than the known, contained recursion.

use crate::{Message, Outcome, interpret, read_answer, run};

/// The longest document the `extract` target reads, bytes (longer inputs return at once).
pub const MAX_DOCUMENT: usize = 16 * 1024;

/// The stack of the thread the `extract` target parses on, bytes (reserved, not committed:
/// only the pages a parse touches are used).
pub const PARSER_STACK: usize = 1024 * 1024 * 1024;

/// The media types the first byte of an `extract` input picks from.
pub const MEDIA_TYPES: [&str; 6] = [
    "application/pdf",
    "text/html",
    "text/plain",
    "image/png",
    "image/jpeg",
    "image/gif",
];

/// A fuzz target's entry function.
pub type Entry = fn(&[u8]);

/// The fuzz targets of this crate, by name, with their entry functions.
pub const TARGETS: [(&str, Entry); 2] = [("extract", extract), ("answer", answer)];

/// Fuzz target `extract`: the first byte picks the media type ([`MEDIA_TYPES`], modulo),
/// the rest is the document. Runs the child's work ([`run`]) on a thread with a stack of
/// [`PARSER_STACK`] bytes, then checks what the protocol promises: the first message is
/// `type_ok` or `refused`; after `refused` nothing follows; after `type_ok` exactly one of
/// `text`, `no_text` or `failed`; and the lines the child would print, read back by the
/// parent ([`read_answer`], [`interpret`]), give the outcome those messages say.
///
/// [`run`] catches a parser's panic and answers `failed`: that is the intended answer, so
/// the fuzz binary uses `afl::fuzz_nohook!` (a caught panic is no crash). Our own code
/// around it does not panic, and a broken promise is an `assert!` outside the catch.
pub fn extract(bytes: &[u8]) {
    let Some((&pick, document)) = bytes.split_first() else {
        return;
    };
    if document.len() > MAX_DOCUMENT {
        return;
    }
    let media = MEDIA_TYPES[pick as usize % MEDIA_TYPES.len()];
    let document = document.to_vec();
    let messages = std::thread::Builder::new()
        .stack_size(PARSER_STACK)
        .spawn(move || {
            let mut messages = Vec::new();
            run(media, &document, &mut |m| messages.push(m));
            messages
        })
        .expect("a parser thread starts")
        .join()
        .expect("run answers a parser's panic as a failure");

    match messages.as_slice() {
        [Message::Refused { .. }] => {}
        [
            Message::TypeOk,
            Message::Text { .. } | Message::NoText | Message::Failed { .. },
        ] => {}
        other => panic!("{media}: the child's answer breaks the protocol: {other:?}"),
    }
    let printed: Vec<u8> = messages
        .iter()
        .flat_map(|m| {
            let mut line = serde_json::to_vec(m).expect("a message serialises");
            line.push(b'\n');
            line
        })
        .collect();
    let read = read_answer(&printed);
    assert_eq!(
        read, messages,
        "{media}: the parent reads what the child printed"
    );
    let outcome = interpret(read, usize::MAX, || {
        unreachable!("the child answered twice")
    })
    .expect("an answer that starts with its type check");
    let agrees = match (&messages[0], messages.get(1), &outcome) {
        (Message::Refused { reason }, None, Outcome::Refused(r)) => reason == r,
        (_, Some(Message::Text { text }), Outcome::Text(t)) => text == t,
        (_, Some(Message::NoText), Outcome::NoText) => true,
        (_, Some(Message::Failed { reason }), Outcome::Failed(r)) => reason == r,
        _ => false,
    };
    assert!(agrees, "{media}: {messages:?} was read as {outcome:?}");
    if media == "text/plain" {
        assert!(
            matches!(outcome, Outcome::Refused(_)) == std::str::from_utf8(&bytes[1..]).is_err(),
            "plain text is refused exactly when it is not UTF-8"
        );
    }
}

/// The largest text the `answer` target accepts, bytes: small, so that the fuzzer reaches
/// the limit.
const ANSWER_LIMIT: usize = 64;

/// Fuzz target `answer`: the bytes are what a child printed on its standard output. The
/// parent reads them ([`read_answer`], [`interpret`] with a limit of 64 bytes) and must not
/// panic. When the reading gives an outcome, a text is never over the limit, and an answer
/// without a second line is the failure the parent reports for the child's end.
pub fn answer(bytes: &[u8]) {
    let messages = read_answer(bytes);
    let second_line = messages.len() > 1;
    match interpret(messages, ANSWER_LIMIT, || "the child ended".into()) {
        Ok(Outcome::Text(text)) => assert!(text.len() <= ANSWER_LIMIT, "a text over the limit"),
        Ok(Outcome::Failed(reason)) if !second_line => {
            assert_eq!(reason, "the child ended", "the child's end is the failure")
        }
        Ok(_) | Err(_) => {}
    }
}
