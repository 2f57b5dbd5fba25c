//! Document checks and text extraction: the work of the `chancery extract` child process,
//! and the parent's reading of its answer.
//!
//! PDF and HTML parsers (pdf-extract/lopdf, html2text) and the image type check are code a
//! hostile document can crash, inflate or spin. Chancery never runs them in the server: the
//! server (`chancery_app::extract`) starts the `chancery` binary again as
//! `chancery extract MEDIA_TYPE` under resource limits, and that child calls [`child_main`].
//! This crate holds what the child runs and the protocol both sides speak, and nothing else,
//! so that it builds quickly on its own (for the fuzz targets of `fuzz/`, see [`fuzzing`]).
//!
//! # The protocol
//!
//! The child reads the whole document from standard input and answers on standard output
//! with JSON lines ([`Message`]): first `{"answer":"type_ok"}` or
//! `{"answer":"refused","reason":...}` (the bytes are not the declared type), then, after a
//! `type_ok`, exactly one of `text`, `no_text` or `failed`. Anything the libraries print
//! goes to standard error (the child points its file descriptor 1 there before parsing and
//! writes the protocol on a copy of the original). A child that dies after `type_ok` without
//! its second line failed; the parent reads why from its exit status and the end of its
//! standard error. The parent reads the answer with [`read_answer`] and [`interpret`].

use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

pub mod fuzzing;

/// The hidden subcommand of the `chancery` binary that runs [`child_main`].
pub const SUBCOMMAND: &str = "extract";

/// What came of checking and extracting a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The bytes are not the declared type: the document is refused (nothing stored).
    Refused(String),
    /// The text.
    Text(String),
    /// The type carries no text (images).
    NoText,
    /// The type is right but no text could be read: the document is stored with the reason.
    Failed(String),
}

/// One line of the child's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Message {
    TypeOk,
    Refused { reason: String },
    Text { text: String },
    NoText,
    Failed { reason: String },
}

/// Checks that the bytes are what their declared type says (magic bytes for PDF and images,
/// UTF-8 for text). Linear in the bytes, no parsing.
pub fn check_type(media_type: &str, bytes: &[u8]) -> Result<(), String> {
    let ok = match media_type {
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "text/plain" => std::str::from_utf8(bytes).is_ok(),
        "text/html" => std::str::from_utf8(bytes).is_ok_and(|t| t.contains('<')),
        image => infer::get(bytes).is_some_and(|k| k.mime_type() == image),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("the bytes are not {media_type}"))
    }
}

/// Extracts text for search and quoting (none for images). This is the parsing that must
/// not run in the server: call it through [`extract`].
pub fn extract_text(media_type: &str, bytes: &[u8]) -> Result<Option<String>, String> {
    match media_type {
        "application/pdf" => pdf_extract::extract_text_from_mem(bytes)
            .map(Some)
            .map_err(|e| format!("the PDF's text could not be read: {e}")),
        "text/html" => html2text::from_read(bytes, 100)
            .map(Some)
            .map_err(|e| format!("the HTML could not be read: {e}")),
        "text/plain" => Ok(Some(String::from_utf8_lossy(bytes).into_owned())),
        _ => Ok(None),
    }
}

/// The child's work on one document: the type check, then the extraction, each answered as
/// a [`Message`] (a panic in a parser is answered as `failed`).
pub fn run(media_type: &str, bytes: &[u8], emit: &mut dyn FnMut(Message)) {
    if let Err(reason) = check_type(media_type, bytes) {
        emit(Message::Refused { reason });
        return;
    }
    emit(Message::TypeOk);
    let answer = std::panic::catch_unwind(|| extract_text(media_type, bytes));
    emit(match answer {
        Ok(Ok(Some(text))) => Message::Text { text },
        Ok(Ok(None)) => Message::NoText,
        Ok(Err(reason)) => Message::Failed { reason },
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Message::Failed {
                reason: format!("the document could not be read: the parser failed ({what})"),
            }
        }
    });
}

/// The entry point of `chancery extract MEDIA_TYPE`: reads the document from standard input
/// and answers on standard output (see the module docs). Returns the exit code: 0 when an
/// answer was written, 2 when standard input or output failed.
pub fn child_main(media_type: &str) -> i32 {
    // Keep the real standard output for the protocol and send file descriptor 1 (anything a
    // library prints) to standard error.
    let protocol = match std::io::stdout()
        .lock()
        .flush()
        .and_then(|_| redirect_stdout())
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("chancery extract: standard output: {e}");
            return 2;
        }
    };
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut input) {
        eprintln!("chancery extract: standard input: {e}");
        return 2;
    }
    let mut out = std::io::BufWriter::new(protocol);
    let mut failed = None;
    run(media_type, &input, &mut |m| {
        if failed.is_some() {
            return;
        }
        let line = serde_json::to_string(&m).expect("a message serialises");
        if let Err(e) = writeln!(out, "{line}").and_then(|_| out.flush()) {
            failed = Some(e);
        }
    });
    match failed {
        Some(e) => {
            eprintln!("chancery extract: standard output: {e}");
            2
        }
        None => 0,
    }
}

/// Duplicates standard output for the protocol and points file descriptor 1 at standard
/// error.
#[cfg(unix)]
fn redirect_stdout() -> std::io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    let protocol = std::io::stdout().as_fd().try_clone_to_owned()?;
    // SAFETY: dup2 on two open descriptors of this process; no Rust object owns fd 1 in a
    // way that the swap invalidates (std's Stdout writes to whatever fd 1 is).
    if unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(std::fs::File::from(protocol))
}

#[cfg(not(unix))]
fn redirect_stdout() -> std::io::Result<std::fs::File> {
    Err(std::io::Error::other(
        "the extraction child runs on Unix only",
    ))
}

/// The lines of a child's standard output, as messages: split at newlines, empty lines
/// skipped, read up to the first line that is not a [`Message`] (what follows it is not
/// trusted).
pub fn read_answer(out: &[u8]) -> Vec<Message> {
    out.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map_while(|l| serde_json::from_slice(l).ok())
        .collect()
}

/// What the messages say, `failure` telling why the child ended early. `Err` when the child
/// answered nothing, or something else, before its type check: a fault of the extractor,
/// never the document's. A text longer than `output_limit` bytes is a failure.
pub fn interpret(
    messages: Vec<Message>,
    output_limit: usize,
    failure: impl FnOnce() -> String,
) -> Result<Outcome, String> {
    let mut it = messages.into_iter();
    match it.next() {
        Some(Message::TypeOk) => {}
        Some(Message::Refused { reason }) => return Ok(Outcome::Refused(reason)),
        Some(other) => return Err(format!("it answered {other:?} before its type check")),
        None => return Err(failure()),
    }
    Ok(match it.next() {
        Some(Message::Text { text }) if text.len() > output_limit => Outcome::Failed(format!(
            "the extracted text is larger than the limit of {output_limit} bytes"
        )),
        Some(Message::Text { text }) => Outcome::Text(text),
        Some(Message::NoText) => Outcome::NoText,
        Some(Message::Failed { reason }) => Outcome::Failed(reason),
        Some(other) => Outcome::Failed(format!("the extractor answered {other:?} twice")),
        None => Outcome::Failed(failure()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(media: &str, bytes: &[u8]) -> Vec<Message> {
        let mut m = Vec::new();
        run(media, bytes, &mut |x| m.push(x));
        m
    }

    #[test]
    fn the_type_check_comes_first_and_refuses_wrong_bytes() {
        assert_eq!(
            answers("application/pdf", b"not a pdf"),
            vec![Message::Refused {
                reason: "the bytes are not application/pdf".into()
            }]
        );
        assert_eq!(
            answers("text/html", b"<p>Hello</p>"),
            vec![
                Message::TypeOk,
                Message::Text {
                    text: "Hello\n".into()
                }
            ]
        );
    }

    #[test]
    fn an_unreadable_pdf_is_a_failure_after_the_type_check() {
        let m = answers("application/pdf", b"%PDF-1.4\ngarbage");
        assert_eq!(m[0], Message::TypeOk);
        assert!(matches!(&m[1], Message::Failed { .. }), "{m:?}");
    }

    #[test]
    fn a_child_that_ends_after_its_type_check_failed_with_the_reason() {
        let o = interpret(vec![Message::TypeOk], 10, || "out of stack".into()).unwrap();
        assert_eq!(o, Outcome::Failed("out of stack".into()));
        let o = interpret(
            vec![
                Message::TypeOk,
                Message::Text {
                    text: "x".repeat(11),
                },
            ],
            10,
            || unreachable!(),
        )
        .unwrap();
        assert!(matches!(o, Outcome::Failed(r) if r.contains("limit of 10 bytes")));
        assert!(interpret(vec![], 10, || "nothing".into()).is_err());
    }
}
