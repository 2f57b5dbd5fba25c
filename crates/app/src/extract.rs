//! Document checks and text extraction, isolated from the server.
//!
//! PDF and HTML parsers (pdf-extract/lopdf, html2text) and the image type check run in a
//! child process: the `chancery` binary re-executed as `chancery extract MEDIA_TYPE`. The
//! parent ([`extract`]) starts it with `tokio::process` (never blocking a runtime worker),
//! lowers its resource limits between fork and exec (`setrlimit` in `pre_exec`: stack,
//! address space, CPU time, no core files, no file writes), writes the document to its
//! standard input, reads at most [`ExtractLimits::output`] bytes of its answer and kills it
//! after [`ExtractLimits::wall`]. A document that overflows the parser's stack, inflates to
//! gigabytes or spins ends the child only; the answer is then [`Outcome::Failed`] with the
//! reason, and the document is archived with its extraction recorded as failed.
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
//! standard error (stack overflow, memory, CPU time, a signal).
//!
//! # Where it runs
//!
//! [`Extractor::Process`] is the child process above; `chancery serve` always uses it (the
//! binary's configuration can only name the program, default the running executable).
//! [`Extractor::InProcess`] runs the same code on tokio's blocking pool in the calling
//! process. It exists for the test suites of crates that cannot see the `chancery` binary
//! (`chancery-web`'s): there the wall-clock limit only stops the wait (the thread runs on),
//! the output cap applies, and there are no stack, memory or CPU limits: a hostile document
//! can still abort or exhaust the calling process. Nothing but tests should use it.
//!
//! Plain text needs no parser: its UTF-8 check and copy run on the blocking pool in any mode.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use crate::AppError;

/// The hidden subcommand of the `chancery` binary that runs [`child_main`].
pub const SUBCOMMAND: &str = "extract";

/// Where extraction runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extractor {
    /// A child process: `program extract MEDIA_TYPE`, with the limits applied before exec.
    /// `None` is the running executable (`std::env::current_exe()`), the `chancery` binary
    /// when the server runs.
    Process { program: Option<PathBuf> },
    /// The calling process, on the blocking pool, without stack, memory or CPU limits: only
    /// for tests of crates that cannot run the `chancery` binary (see the module docs).
    InProcess,
}

impl Default for Extractor {
    fn default() -> Self {
        Extractor::Process { program: None }
    }
}

/// The limits of one extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractLimits {
    /// The child's stack (RLIMIT_STACK), bytes.
    pub stack: u64,
    /// The child's address space (RLIMIT_AS), bytes: bounds the memory a bomb can take.
    pub address_space: u64,
    /// The child's CPU time (RLIMIT_CPU), seconds.
    pub cpu_seconds: u64,
    /// Wall-clock time before the child is killed.
    pub wall: Duration,
    /// Largest answer read from the child (the extracted text as JSON), bytes.
    pub output: usize,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        ExtractLimits {
            stack: 8 * 1024 * 1024,
            address_space: 1024 * 1024 * 1024,
            cpu_seconds: 10,
            wall: Duration::from_secs(20),
            output: 64 * 1024 * 1024,
        }
    }
}

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

/// Checks a document and extracts its text where it runs as `extractor` says. `Err` only
/// when the extractor itself cannot run (it cannot be started, or it answered nothing
/// before its type check): a server fault, never the document's.
pub async fn extract(
    extractor: &Extractor,
    limits: &ExtractLimits,
    media_type: &str,
    bytes: Bytes,
) -> Result<Outcome, AppError> {
    // Plain text needs no parser: a UTF-8 check and a copy, on the blocking pool.
    if media_type == "text/plain" || *extractor == Extractor::InProcess {
        return in_process(limits, media_type, bytes).await;
    }
    let Extractor::Process { program } = extractor else {
        unreachable!("handled above")
    };
    let program = match program {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| {
            AppError::Internal(format!("the extraction program (this executable): {e}"))
        })?,
    };
    in_child(&program, limits, media_type, bytes).await
}

/// What the messages say, `failure` telling why the child ended early.
fn interpret(
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

async fn in_process(
    limits: &ExtractLimits,
    media_type: &str,
    bytes: Bytes,
) -> Result<Outcome, AppError> {
    let media = media_type.to_string();
    let task = tokio::task::spawn_blocking(move || {
        let mut messages = Vec::new();
        run(&media, &bytes, &mut |m| messages.push(m));
        messages
    });
    let wall = limits.wall;
    let messages = match tokio::time::timeout(wall, task).await {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => return Err(AppError::Internal(format!("the extraction thread: {e}"))),
        Err(_) => {
            return Ok(Outcome::Failed(format!(
                "extraction took longer than {} s (in-process extractor: the thread was left running)",
                wall.as_secs()
            )));
        }
    };
    interpret(messages, limits.output, || "no answer".into())
        .map_err(|e| AppError::Internal(format!("the in-process extractor: {e}")))
}

/// Reads `reader` to its end (so the writer never blocks on a full pipe), keeping its first
/// and its last `keep` bytes: the cause of a crash may be printed first (an allocation
/// failure before a backtrace) or last (after a library's warnings).
async fn drain_ends<R: tokio::io::AsyncRead + Unpin>(mut reader: R, keep: usize) -> String {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut tail = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut chunk = &buf[..n];
                if head.len() < keep {
                    let take = chunk.len().min(keep - head.len());
                    head.extend_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                }
                tail.extend_from_slice(chunk);
                if tail.len() > 2 * keep {
                    tail.drain(..tail.len() - keep);
                }
            }
        }
    }
    if tail.len() > keep {
        tail.drain(..tail.len() - keep);
    }
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&head),
        String::from_utf8_lossy(&tail)
    )
}

#[cfg(unix)]
async fn in_child(
    program: &std::path::Path,
    limits: &ExtractLimits,
    media_type: &str,
    bytes: Bytes,
) -> Result<Outcome, AppError> {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut cmd = tokio::process::Command::new(program);
    cmd.arg(SUBCOMMAND)
        .arg(media_type)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let l = *limits;
    // SAFETY: the closure runs between fork and exec; it only calls getrlimit/setrlimit
    // (async-signal-safe) and builds an io::Error from errno (no allocation).
    unsafe {
        cmd.pre_exec(move || set_limits(&l));
    }
    let mut child = cmd.spawn().map_err(|e| {
        AppError::Internal(format!(
            "the extraction process {} could not be started: {e}",
            program.display()
        ))
    })?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let cap = limits.output;
    let mut out = Vec::new();
    let mut overflow = false;
    let mut stderr_text = String::new();
    let io = async {
        let write = async {
            // The child may end before reading everything (a crash): a broken pipe is its
            // failure, read from its status below.
            let _ = stdin.write_all(&bytes).await;
            drop(stdin);
        };
        let read = async {
            let mut stdout = stdout;
            let _ = (&mut stdout)
                .take(cap as u64 + 1)
                .read_to_end(&mut out)
                .await;
            if out.len() > cap {
                overflow = true;
                // Closing the pipe ends a child still writing (its write fails).
            }
            drop(stdout);
        };
        let errs = async { stderr_text = drain_ends(stderr, 4096).await };
        tokio::join!(write, read, errs);
        child.wait().await
    };
    let waited = tokio::time::timeout(limits.wall, io).await;
    let (status, timed_out) = match waited {
        Ok(Ok(status)) => (Some(status), false),
        Ok(Err(e)) => {
            return Err(AppError::Internal(format!(
                "waiting for the extraction process: {e}"
            )));
        }
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            (None, true)
        }
    };
    let messages: Vec<Message> = out
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map_while(|l| serde_json::from_slice(l).ok())
        .collect();
    let failure = || {
        if overflow {
            return format!("the extracted text is larger than the limit of {cap} bytes");
        }
        if timed_out {
            return format!(
                "extraction took longer than {} s and was stopped",
                limits.wall.as_secs()
            );
        }
        let status = status.expect("waited");
        if stderr_text.contains("overflowed its stack") || stderr_text.contains("stack overflow") {
            return format!(
                "the document is nested too deeply to read: the extractor ran out of its {} MiB stack",
                limits.stack / (1024 * 1024)
            );
        }
        if stderr_text.contains("memory allocation of") || stderr_text.contains("capacity overflow")
        {
            return format!(
                "extraction needed more than the {} MiB of memory it may use (a decompression bomb?) and was stopped",
                limits.address_space / (1024 * 1024)
            );
        }
        match status.signal() {
            Some(libc::SIGXCPU) | Some(libc::SIGKILL) => format!(
                "extraction used more than {} s of CPU time and was stopped",
                limits.cpu_seconds
            ),
            Some(sig) => format!("the extractor was ended by signal {sig}"),
            None => {
                let last = stderr_text.trim().lines().last().unwrap_or("").to_string();
                format!(
                    "the extractor exited with {} without an answer{}",
                    status,
                    if last.is_empty() {
                        String::new()
                    } else {
                        format!(": {last}")
                    }
                )
            }
        }
    };
    let outcome = interpret(messages, cap, failure).map_err(|e| {
        AppError::Internal(format!(
            "the extraction process {} gave no answer to its type check: {e}",
            program.display()
        ))
    })?;
    if let Outcome::Failed(reason) = &outcome {
        tracing::warn!(media_type, reason = %reason, "extraction failed");
    }
    Ok(outcome)
}

#[cfg(not(unix))]
async fn in_child(
    _program: &std::path::Path,
    _limits: &ExtractLimits,
    _media_type: &str,
    _bytes: Bytes,
) -> Result<Outcome, AppError> {
    Err(AppError::Internal(
        "the extraction child process needs a Unix system".into(),
    ))
}

/// Lowers the calling process's limits (between fork and exec): each to the smaller of
/// ours and the hard limit in force, so lowering never fails for want of privilege.
#[cfg(unix)]
fn set_limits(l: &ExtractLimits) -> std::io::Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    type Resource = libc::__rlimit_resource_t;
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    type Resource = libc::c_int;
    fn lower(resource: Resource, soft: u64, hard: u64) -> std::io::Result<()> {
        let mut cur = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
        unsafe {
            if libc::getrlimit(resource, &mut cur) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let max = hard.min(cur.rlim_max);
            let new = libc::rlimit {
                rlim_cur: soft.min(max),
                rlim_max: max,
            };
            if libc::setrlimit(resource, &new) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }
    lower(libc::RLIMIT_STACK, l.stack, l.stack)?;
    lower(libc::RLIMIT_AS, l.address_space, l.address_space)?;
    // SIGXCPU at the soft limit, SIGKILL one second later.
    lower(libc::RLIMIT_CPU, l.cpu_seconds, l.cpu_seconds + 1)?;
    lower(libc::RLIMIT_CORE, 0, 0)?;
    lower(libc::RLIMIT_FSIZE, 0, 0)?;
    Ok(())
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
