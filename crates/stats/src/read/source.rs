//! Reading a file line by line in constant memory: gzip detected by its magic bytes and
//! decompressed up to its cap, lines into one reused buffer that never grows past the line
//! cap, a missing final newline reported as a truncated file; the whole JSON-stat document
//! read up to its cap; and a CSV record splitter that reuses its field buffers.

use crate::limits::{Capped, ReadLimits, limit_hit, size};
use crate::obs::ReadError;
use crate::read::values::char_column;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

const BUF: usize = 1 << 16;

pub(crate) fn err(file: &str, line: u64, column: u64, reason: impl Into<String>) -> ReadError {
    ReadError {
        file: file.to_string(),
        line,
        column,
        reason: reason.into(),
    }
}

/// A failed read at `line:column`: a cap's own message, else the I/O error.
fn read_failed(file: &str, line: u64, column: u64, e: &std::io::Error) -> ReadError {
    match limit_hit(e) {
        Some(reason) => err(file, line, column, reason),
        None => err(file, line, column, format!("cannot read the file: {e}")),
    }
}

/// A file opened for reading: its bytes, decompressed when it is gzip.
pub(crate) struct Stream {
    pub reader: Box<dyn BufRead + Send>,
    pub gzip: bool,
    /// The file's size on disk, when known.
    pub len: Option<u64>,
}

/// Opens a file for reading, decompressing it when it starts with the gzip magic bytes; the
/// decompressed bytes stop at `limits.max_decompressed_bytes` with an error naming the cap.
pub(crate) fn open_stream(
    path: &Path,
    file: &str,
    limits: &ReadLimits,
) -> Result<Stream, ReadError> {
    let f = File::open(path).map_err(|e| err(file, 0, 0, format!("cannot open the file: {e}")))?;
    let len = f.metadata().ok().map(|m| m.len());
    let mut br = BufReader::with_capacity(BUF, f);
    let head = br
        .fill_buf()
        .map_err(|e| err(file, 0, 0, format!("cannot read the file: {e}")))?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        let reason = format!(
            "the file decompresses to more than the limit of {}; raise stats.max_decompressed_bytes",
            size(limits.max_decompressed_bytes)
        );
        let capped = Capped::new(
            MultiGzDecoder::new(br),
            limits.max_decompressed_bytes,
            reason,
        );
        Ok(Stream {
            reader: Box::new(BufReader::with_capacity(BUF, capped)),
            gzip: true,
            len,
        })
    } else {
        Ok(Stream {
            reader: Box::new(br),
            gzip: false,
            len,
        })
    }
}

/// Reads the whole (decompressed) file as text, for JSON-stat, which must parse whole: at
/// most `limits.max_document_bytes`, read through `take` with one byte to spare, so a larger
/// document is refused without being read further.
pub(crate) fn read_document(
    path: &Path,
    file: &str,
    limits: &ReadLimits,
) -> Result<String, ReadError> {
    let cap = limits.max_document_bytes;
    let s = open_stream(path, file, limits)?;
    let too_large = || {
        err(
            file,
            0,
            0,
            format!(
                "the JSON-stat document exceeds the limit of {}{}; raise stats.max_document_bytes",
                size(cap),
                if s.gzip { " (decompressed)" } else { "" }
            ),
        )
    };
    if !s.gzip && s.len.is_some_and(|n| n > cap) {
        return Err(too_large());
    }
    // A plain file reserves its own size; gzip grows as it decompresses.
    let reserve = if s.gzip {
        0
    } else {
        s.len.unwrap_or(0).min(cap)
    };
    let mut bytes = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    let mut reader = s.reader;
    (&mut reader)
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| read_failed(file, 0, 0, &e))?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() as u64 + 1;
        err(file, line, col, "the file is not UTF-8 text")
    })
}

/// Lines of a file, one at a time, in one reused buffer.
pub(crate) struct Source {
    inner: Box<dyn BufRead + Send>,
    pub file: String,
    /// 1-based number of the line in `buf` (0 before the first).
    pub line_no: u64,
    buf: Vec<u8>,
    /// The line cap, in bytes without the newline.
    pub max_line: u64,
}

impl Source {
    pub fn open(path: &Path, file: &str, limits: &ReadLimits) -> Result<Source, ReadError> {
        Ok(Source {
            inner: open_stream(path, file, limits)?.reader,
            file: file.to_string(),
            line_no: 0,
            buf: Vec::with_capacity(4096),
            max_line: limits.max_line_bytes,
        })
    }

    /// The error for a line (or record) longer than the cap, at the line where it starts.
    pub fn too_long(&self, line: u64, what: &str) -> ReadError {
        err(
            &self.file,
            line,
            1,
            format!(
                "{what} is longer than the limit of {}; raise stats.max_line_bytes",
                size(self.max_line)
            ),
        )
    }

    /// Reads up to and including the next `\n` into `buf`, refusing (before buffering it) a
    /// line longer than the cap. Returns the bytes read and whether a newline ended them.
    fn read_capped_line(&mut self) -> Result<(usize, bool), ReadError> {
        // Room for the line, a `\r` and the `\n`.
        let room = self.max_line.saturating_add(2);
        let mut total = 0;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_failed(&self.file, self.line_no + 1, 1, &e)),
            };
            if avail.is_empty() {
                return Ok((total, false));
            }
            let (take, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            if (self.buf.len() + take) as u64 > room {
                return Err(self.too_long(self.line_no + 1, &format!("line {}", self.line_no + 1)));
            }
            self.buf.extend_from_slice(&avail[..take]);
            self.inner.consume(take);
            total += take;
            if done {
                return Ok((total, true));
            }
        }
    }

    /// Reads the next line (without its `\n` or `\r\n`). `Ok(false)` at the end of the file.
    /// A last line without a final newline is an error: the file was cut off. A line longer
    /// than the cap is an error before it is buffered.
    pub fn next_line(&mut self) -> Result<bool, ReadError> {
        self.buf.clear();
        let (n, complete) = self.read_capped_line()?;
        if n == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        if complete {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        if self.buf.len() as u64 > self.max_line {
            return Err(self.too_long(self.line_no, &format!("line {}", self.line_no)));
        }
        if self.line_no == 1 && self.buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.buf.drain(..3);
        }
        if let Err(e) = std::str::from_utf8(&self.buf) {
            let at = e.valid_up_to();
            let col = String::from_utf8_lossy(&self.buf[..at]).chars().count() as u64 + 1;
            return Err(err(
                &self.file,
                self.line_no,
                col,
                "the line is not UTF-8 text",
            ));
        }
        if !complete {
            let col = self.line().chars().count() as u64 + 1;
            return Err(err(
                &self.file,
                self.line_no,
                col,
                "the file ends in the middle of this line (no final newline): the file is truncated",
            ));
        }
        Ok(true)
    }

    /// The current line (validated as UTF-8 by `next_line`).
    pub fn line(&self) -> &str {
        std::str::from_utf8(&self.buf).unwrap_or_default()
    }

    pub fn error(&self, column: u64, reason: impl Into<String>) -> ReadError {
        err(&self.file, self.line_no, column, reason)
    }
}

/// One CSV record with reusable field buffers.
#[derive(Default)]
pub(crate) struct Record {
    fields: Vec<String>,
    starts: Vec<usize>,
    len: usize,
    /// The record's text (several lines joined by `\n` when a quoted field spans lines).
    text: String,
    /// Line on which the record starts.
    pub line: u64,
}

impl Record {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn get(&self, i: usize) -> &str {
        if i < self.len { &self.fields[i] } else { "" }
    }

    /// 1-based character column where field `i` starts (or the end of the record).
    pub fn column(&self, i: usize) -> u64 {
        let byte = if i < self.len {
            self.starts[i]
        } else {
            self.text.len()
        };
        let line_start = self.text[..byte.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |p| p + 1);
        char_column(&self.text[line_start..], byte - line_start)
    }

    /// Column just past the end of the record, for "too few fields".
    pub fn end_column(&self) -> u64 {
        self.column(usize::MAX)
    }

    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    fn field(&mut self, i: usize, start: usize) -> &mut String {
        if i < self.fields.len() {
            self.fields[i].clear();
            self.starts[i] = start;
        } else {
            self.fields.push(String::new());
            self.starts.push(start);
        }
        &mut self.fields[i]
    }
}

/// Reads the next CSV record (RFC 4180: `"` quotes, `""` escapes, quoted fields may span
/// lines). `Ok(false)` at the end of the file.
pub(crate) fn read_record(
    src: &mut Source,
    delim: u8,
    rec: &mut Record,
) -> Result<bool, ReadError> {
    if !src.next_line()? {
        return Ok(false);
    }
    rec.text.clear();
    rec.text.push_str(src.line());
    rec.line = src.line_no;
    // A record continues while a quoted field is still open at the end of the line.
    while ends_inside_quotes(rec.text.as_bytes(), delim) {
        if !src.next_line()? {
            return Err(err(
                &src.file,
                rec.line,
                1,
                "a quoted field is never closed before the end of the file",
            ));
        }
        if (rec.text.len() + 1 + src.line().len()) as u64 > src.max_line {
            return Err(src.too_long(
                rec.line,
                &format!(
                    "the record starting at line {} (a quoted field spanning lines)",
                    rec.line
                ),
            ));
        }
        rec.text.push('\n');
        rec.text.push_str(src.line());
    }
    split_record(rec, delim).map_err(|(col, reason)| err(&src.file, rec.line, col, reason))?;
    Ok(true)
}

/// True when a field that starts with `"` is still open at the end of `b`. Quotes inside an
/// unquoted field are literal and open nothing.
fn ends_inside_quotes(b: &[u8], delim: u8) -> bool {
    let mut i = 0;
    loop {
        if i < b.len() && b[i] == b'"' {
            i += 1;
            loop {
                match b[i..].iter().position(|&c| c == b'"') {
                    None => return true,
                    Some(p) => i += p + 1,
                }
                if i < b.len() && b[i] == b'"' {
                    i += 1;
                } else {
                    break;
                }
            }
        }
        match b[i..].iter().position(|&c| c == delim) {
            None => return false,
            Some(p) => i += p + 1,
        }
    }
}

fn split_record(rec: &mut Record, delim: u8) -> Result<(), (u64, String)> {
    let text = std::mem::take(&mut rec.text);
    let b = text.as_bytes();
    let mut i = 0;
    let mut n = 0;
    let result = loop {
        let start = i;
        rec.field(n, start);
        if i < b.len() && b[i] == b'"' {
            i += 1;
            let mut closed = false;
            while let Some(p) = b[i..].iter().position(|&c| c == b'"') {
                rec.fields[n].push_str(&text[i..i + p]);
                i += p + 1;
                if i < b.len() && b[i] == b'"' {
                    rec.fields[n].push('"');
                    i += 1;
                } else {
                    closed = true;
                    break;
                }
            }
            if !closed {
                break Err((
                    char_column(&text, start),
                    "a quoted field is never closed".to_string(),
                ));
            }
            if i < b.len() && b[i] != delim {
                break Err((
                    char_column(&text, i),
                    "a quoted field is followed by text before the next separator".to_string(),
                ));
            }
        } else {
            let end = b[i..]
                .iter()
                .position(|&c| c == delim)
                .map_or(b.len(), |p| i + p);
            rec.fields[n].push_str(&text[i..end]);
            i = end;
        }
        n += 1;
        if i >= b.len() {
            break Ok(());
        }
        i += 1; // the separator
    };
    rec.len = n;
    rec.text = text;
    result
}
