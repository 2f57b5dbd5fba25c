//! Document checks and text extraction, isolated from the server: the parent side.
//!
//! PDF and HTML parsers (pdf-extract/lopdf, html2text) and the image type check run in a
//! child process: the `chancery` binary re-executed as `chancery extract MEDIA_TYPE`, which
//! calls `chancery_extract::child_main` (the crate `chancery-extract` holds what the child
//! runs and the protocol; its items are re-exported here). The parent ([`extract`]) starts
//! it with `tokio::process` (never blocking a runtime worker), lowers its resource limits
//! between fork and exec (`setrlimit` in `pre_exec`: stack, address space, CPU time, no core
//! files, no file writes), writes the document to its standard input, reads at most
//! [`ExtractLimits::output`] bytes of its answer and kills it after [`ExtractLimits::wall`].
//! A document that overflows the parser's stack, inflates to gigabytes or spins ends the
//! child only; the answer is then [`Outcome::Failed`] with the reason, and the document is
//! archived with its extraction recorded as failed.
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
use std::path::PathBuf;
use std::time::Duration;

use crate::AppError;

pub use chancery_extract::{
    Message, Outcome, SUBCOMMAND, check_type, child_main, extract_text, interpret, read_answer, run,
};

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
    let messages = read_answer(&out);
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
